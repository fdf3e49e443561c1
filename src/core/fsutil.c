/*
 * fsutil.c - atomic publication of files (temp, fsync, rename, fsync dir).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syncfs */
#endif
#include "edigate/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static eg_err
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EG_EIO;
		p += w;
		n -= (size_t)w;
	}
	return EG_OK;
}

static eg_err
sync_dir(const char *dir, eg_error *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return eg_fail(e, EG_EIO, "cannot open directory %s: %s", dir,
			       strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL) {
		int err = errno;

		close(fd);
		return eg_fail(e, EG_EIO, "cannot sync directory %s: %s", dir,
			       strerror(err));
	}
	close(fd);
	return EG_OK;
}

eg_err
eg_file_publish(const char *dir, const char *name, const void *data,
		size_t len, eg_error *e)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, err;

	if (strchr(name, '/') || name[0] == '.' ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name,
			     (long)getpid()) >= sizeof(tmp))
		return eg_fail(e, EG_EINVAL, "bad file name %s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return eg_fail(e, EG_EIO, "cannot create %s: %s", tmp,
			       strerror(errno));
	if (write_all(fd, data, len) != EG_OK || fsync(fd) != 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		return eg_fail(e, EG_EIO, "cannot write %s: %s", tmp,
			       strerror(err));
	}
	if (close(fd) != 0 || rename(tmp, dst) != 0) {
		err = errno;
		unlink(tmp);
		return eg_fail(e, EG_EIO, "cannot publish %s: %s", dst,
			       strerror(err));
	}
	return sync_dir(dir, e);
}

eg_err
eg_mkdirs(const char *dir, eg_error *e)
{
	char p[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return eg_fail(e, EG_EINVAL, "bad directory name '%s'", dir);
	/* Usually the folder is there already (the spool's folders, once
	 * per file): one call, not one per component. */
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return EG_OK;
	if (errno != ENOENT)
		return eg_fail(e, EG_EIO, "cannot create directory %s: %s",
			       dir, strerror(errno));
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return eg_fail(e, EG_EIO, "cannot create directory %s: %s",
				       p, strerror(errno));
		p[i] = i < n ? '/' : '\0';
	}
	return EG_OK;
}

eg_err
eg_file_read_small(const char *path, size_t max, char **out, size_t *len,
		   eg_error *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	*out = NULL;
	*len = 0;
	if (!f)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot open %s: %s", path, strerror(errno));
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		fclose(f);
		free(buf);
		return eg_fail(e, n > max ? EG_ELIMIT : EG_EIO,
			       "cannot read %s%s", path,
			       n > max ? ": file too large" : "");
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return EG_OK;
}

eg_err
eg_sync_fs(const char *path, eg_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return eg_fail(e, EG_EIO, "cannot open %s to sync: %s", path,
			       strerror(errno));
#ifdef __linux__
	if (syncfs(fd) != 0) {
#else
	sync();
	if (fsync(fd) != 0 && errno != EINVAL) {
#endif
		err = errno;
		close(fd);
		return eg_fail(e, EG_EIO, "cannot sync the file system of %s: %s",
			       path, strerror(err));
	}
	close(fd);
	return EG_OK;
}
