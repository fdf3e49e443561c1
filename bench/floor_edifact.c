/*
 * floor_edifact.c - the floor no EDIFACT parser can beat.
 *
 *   floor_edifact FILE        ("-" reads standard input)
 *
 * The EDIFACT twin of floor.c: read(2) in 256 KiB chunks (the reader's
 * default chunk), memchr for the segment terminator '\'' and, within each
 * segment, memchr for the element separator '+', counting segments and
 * elements.  No UNA, no release characters (a released terminator ends
 * a "segment" here: the floor does less than a reader must), no copies
 * but the carry of a segment cut by a chunk boundary.
 *
 * Prints one line to standard output:
 *   floor: bytes=N segments=N elements=N seconds=S mib_per_s=R
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
#define CARRY_MAX (1024 * 1024)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char buf[CARRY_MAX + CHUNK];
	uint64_t bytes = 0, segs = 0, els = 0;
	size_t have = 0;
	double t0;
	int fd;

	if (argc != 2 || strcmp(argv[1], "--help") == 0) {
		fputs("usage: floor_edifact FILE\n", stderr);
		return 2;
	}
	fd = strcmp(argv[1], "-") == 0 ? 0 : open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	t0 = now();
	for (;;) {
		ssize_t r = read(fd, buf + have, CHUNK);
		const char *p = buf, *end, *t;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("read");
			return 1;
		}
		if (r == 0)
			break;
		bytes += (uint64_t)r;
		end = buf + have + (size_t)r;
		while (p < end && (t = memchr(p, '\'', (size_t)(end - p)))) {
			const char *s = p;

			while (s < t && (s = memchr(s, '+', (size_t)(t - s)))) {
				els++;
				s++;
			}
			segs++;
			p = t + 1;
		}
		have = (size_t)(end - p);
		if (have > CARRY_MAX) {
			fputs("floor_edifact: segment longer than 1 MiB\n", stderr);
			return 1;
		}
		memmove(buf, p, have);
	}
	{
		double s = now() - t0;

		printf("floor: bytes=%llu segments=%llu elements=%llu "
		       "seconds=%.6f mib_per_s=%.1f\n",
		       (unsigned long long)bytes, (unsigned long long)segs,
		       (unsigned long long)els, s,
		       s > 0 ? (double)bytes / 1048576.0 / s : 0.0);
	}
	return 0;
}
