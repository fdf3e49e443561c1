/*
 * copyfloor.c - the floor for taking files in durably.
 *
 *   copyfloor SRC-DIR DST-DIR
 *
 * Copies every regular file of SRC-DIR (not recursive, names starting
 * with '.' skipped) into DST-DIR, one at a time, as an inbound gateway
 * must at the least: open the source, read it with read(2) into a 64 KiB
 * buffer, create the copy (O_EXCL), write it, fsync(2) it, close both.
 * At the end DST-DIR itself is fsynced once, so the new names are durable
 * too.  No checksum, no parsing, no ledger: whatever edigate does for a
 * file comes on top of this, so files per second here is the ceiling
 * `edigate run` is measured against (bench/pipeline.sh).
 *
 * Prints one line to standard output:
 *   copyfloor: files=N bytes=N fsyncs=N seconds=S files_per_s=R
 * Exits 1 on any error (the message names the file), 2 on bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF (64 * 1024)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy src to dst and fsync the copy; bytes copied added to *bytes. */
static int
copy_one(const char *src, const char *dst, uint64_t *bytes)
{
	static char buf[BUF];
	int in, out, rc = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "copyfloor: %s: %s\n", src, strerror(errno));
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		fprintf(stderr, "copyfloor: %s: %s\n", dst, strerror(errno));
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "copyfloor: %s: %s\n", src,
				strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) != 0) {
			fprintf(stderr, "copyfloor: %s: %s\n", dst,
				strerror(errno));
			rc = -1;
			break;
		}
		*bytes += (uint64_t)n;
	}
	if (rc == 0 && fsync(out) != 0) {
		fprintf(stderr, "copyfloor: fsync %s: %s\n", dst,
			strerror(errno));
		rc = -1;
	}
	if (close(out) != 0 && rc == 0) {
		fprintf(stderr, "copyfloor: %s: %s\n", dst, strerror(errno));
		rc = -1;
	}
	close(in);
	return rc;
}

int
main(int argc, char **argv)
{
	char src[PATH_MAX], dst[PATH_MAX];
	uint64_t files = 0, bytes = 0, fsyncs = 0;
	struct dirent *de;
	DIR *d;
	double t0, t;
	int dfd, rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: copyfloor SRC-DIR DST-DIR\n");
		return 2;
	}
	t0 = now();
	d = opendir(argv[1]);
	if (d == NULL) {
		fprintf(stderr, "copyfloor: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", argv[1],
				     de->d_name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "%s/%s", argv[2],
				     de->d_name) >= sizeof(dst)) {
			fprintf(stderr, "copyfloor: path too long: %s\n",
				de->d_name);
			rc = 1;
			break;
		}
		if (stat(src, &st) != 0) {
			fprintf(stderr, "copyfloor: %s: %s\n", src,
				strerror(errno));
			rc = 1;
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (copy_one(src, dst, &bytes) != 0)
			rc = 1;
		files++;
		fsyncs++;
	}
	closedir(d);
	if (rc == 0) {
		dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0) {
			fprintf(stderr, "copyfloor: fsync %s: %s\n", argv[2],
				strerror(errno));
			rc = 1;
		}
		if (dfd >= 0)
			close(dfd);
		fsyncs++;
	}
	if (rc != 0)
		return 1;
	t = now() - t0;
	printf("copyfloor: files=%llu bytes=%llu fsyncs=%llu seconds=%.6f "
	       "files_per_s=%.1f\n",
	       (unsigned long long)files, (unsigned long long)bytes,
	       (unsigned long long)fsyncs, t, t > 0 ? (double)files / t : 0.0);
	return 0;
}
