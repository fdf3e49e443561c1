/*
 * spoolfs.c - durable file moves for the pipeline (see spoolfs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "spoolfs.h"

eg_err
eg_fsync_dir(const char *dir, eg_error *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return eg_fail(e, EG_EIO, "%s: %s", dir, strerror(errno));
	if (fsync(fd) != 0) {
		int err = errno;

		close(fd);
		return eg_fail(e, EG_EIO, "fsync %s: %s", dir, strerror(err));
	}
	close(fd);
	return EG_OK;
}

eg_err
eg_fsync_path(const char *path, eg_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "%s: %s", path, strerror(errno));
	if (fsync(fd) != 0) {
		int err = errno;

		close(fd);
		return eg_fail(e, EG_EIO, "fsync %s: %s", path, strerror(err));
	}
	close(fd);
	return EG_OK;
}

eg_err
eg_write_all(int fd, const void *p, size_t n, const char *what, eg_error *e)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return eg_fail(e, EG_EIO, "write %s: %s", what,
				       w < 0 ? strerror(errno) : "short write");
		c += w;
		n -= (size_t)w;
	}
	return EG_OK;
}

eg_err
eg_write_file(const char *path, const void *data, size_t n, eg_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	eg_err rc;

	if (fd < 0)
		return eg_fail(e, EG_EIO, "%s: %s", path, strerror(errno));
	rc = eg_write_all(fd, data, n, path, e);
	if (close(fd) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "%s: %s", path, strerror(errno));
	return rc;
}

/* Write what the deflate stream has produced so far to out. */
static eg_err
gz_drain(z_stream *z, unsigned char *obuf, size_t cap, int out,
	 const char *dst, eg_error *e)
{
	size_t n = cap - z->avail_out;
	eg_err rc = n ? eg_write_all(out, obuf, n, dst, e) : EG_OK;

	z->next_out = obuf;
	z->avail_out = (uInt)cap;
	return rc;
}

eg_err
eg_gzip_file(const char *src, const char *dst, eg_error *e)
{
	unsigned char ibuf[1 << 16], obuf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), out, zr = Z_OK, wbits = 9;
	struct stat st;
	z_stream z;
	eg_err rc = EG_OK;
	ssize_t n;

	if (in < 0)
		return eg_fail(e, EG_EIO, "%s: %s", src, strerror(errno));
	if (fstat(in, &st) != 0) {
		close(in);
		return eg_fail(e, EG_EIO, "%s: %s", src, strerror(errno));
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		close(in);
		return eg_fail(e, EG_EIO, "%s: %s", dst, strerror(errno));
	}
	/* a window no larger than the file: deflate's set-up (allocating
	 * and clearing its tables) costs more than compressing a 3 KB file
	 * with the full 32 KB window; the ratio is the same */
	while (wbits < 15 && ((off_t)1 << wbits) < st.st_size)
		wbits++;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, wbits + 16, wbits - 7 < 1 ? 1
				: wbits - 7 > 8 ? 8 : wbits - 7,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		close(in);
		close(out);
		return eg_fail(e, EG_ENOMEM, "%s: cannot start gzip", dst);
	}
	z.next_out = obuf;
	z.avail_out = sizeof(obuf);
	while (!rc && (n = read(in, ibuf, sizeof(ibuf))) > 0) {
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		while (!rc && z.avail_in > 0) {
			if (deflate(&z, Z_NO_FLUSH) == Z_STREAM_ERROR)
				rc = eg_fail(e, EG_EIO, "%s: gzip failed", dst);
			else if (z.avail_out == 0)
				rc = gz_drain(&z, obuf, sizeof(obuf), out, dst,
					      e);
		}
	}
	if (!rc && n < 0)
		rc = eg_fail(e, EG_EIO, "%s: %s", src, strerror(errno));
	while (!rc && zr != Z_STREAM_END) {
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR)
			rc = eg_fail(e, EG_EIO, "%s: gzip failed", dst);
		else
			rc = gz_drain(&z, obuf, sizeof(obuf), out, dst, e);
	}
	deflateEnd(&z);
	close(in);
	if (close(out) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "%s: %s", dst, strerror(errno));
	return rc;
}

void
eg_remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];
	struct stat st;

	if (!d) {
		(void)unlink(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    sizeof(p))
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			eg_remove_tree(p);
		else
			(void)unlink(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

eg_err
eg_path(char *dst, size_t cap, eg_error *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		return eg_fail(e, EG_ELIMIT, "path too long: %.200s", dst);
	return EG_OK;
}

eg_err
eg_copy_file(const char *src, const char *dst, uint64_t *size, eg_error *e)
{
	char buf[1 << 16];
	int in, out;
	ssize_t n;
	eg_err rc = EG_OK;

	*size = 0;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return eg_fail(e, EG_ENOTFOUND, "%s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		close(in);
		return eg_fail(e, EG_EIO, "%s: %s", dst, strerror(errno));
	}
	while (!rc && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = eg_fail(e, EG_EIO, "%s: %s", src, strerror(errno));
		else {
			rc = eg_write_all(out, buf, (size_t)n, dst, e);
			*size += (uint64_t)n;
		}
	}
	if (!rc && fsync(out) != 0)
		rc = eg_fail(e, EG_EIO, "fsync %s: %s", dst, strerror(errno));
	close(out);
	close(in);
	return rc;
}

eg_err
eg_publish_new(const char *src, const char *dst, eg_error *e)
{
	struct stat a, b;
	int err;

	if (link(src, dst) == 0) {
		if (unlink(src) != 0 && errno != ENOENT)
			return eg_fail(e, EG_EIO, "publish %s: remove %s: %s",
				       dst, src, strerror(errno));
		return EG_OK;
	}
	err = errno;
	if (stat(src, &a) != 0 && errno == ENOENT && stat(dst, &b) == 0)
		return EG_OK; /* published by a run that crashed after it */
	if (err != EEXIST)
		return eg_fail(e, EG_EIO, "publish %s: %s", dst,
			       strerror(err));
	if (stat(src, &a) == 0 && stat(dst, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		(void)unlink(src); /* linked before a crash */
		return EG_OK;
	}
	return eg_fail(e, EG_ECONFIG,
		       "cannot publish %s: that file already exists and is "
		       "not this one's, and it is never replaced (was the "
		       "ledger lost, restored or started again? see "
		       "`edigate run --new-ledger`)",
		       dst);
}
