/*
 * floor.c - the floor no X12 parser can beat.
 *
 *   floor FILE        ("-" reads standard input)
 *
 * Reads FILE with read(2) in 256 KiB chunks (the X12 reader's default
 * chunk) and makes one bare tokenizer pass over it: memchr for the segment
 * terminator '~', and within each segment memchr for the element separator
 * '*', counting segments and elements.  No delimiter detection, no
 * validation, no copies but one: a segment cut by a chunk boundary is
 * carried to the front of the buffer so that it is whole when tokenized,
 * as a real reader must do.  Any parser does at least this work, so its
 * throughput is the ceiling edigate is measured against.
 *
 * Prints the counts (so the compiler cannot drop the work), the bytes and
 * the seconds spent, on one line to standard output:
 *   floor: bytes=N segments=N elements=N seconds=S mib_per_s=R
 * Fails if a segment is longer than the carry space (1 MiB).
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

struct counts {
	uint64_t bytes;
	uint64_t segments;
	uint64_t elements; /* data elements: one per separator */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Count the elements of one whole segment [p, end). */
static uint64_t
elements(const char *p, const char *end)
{
	uint64_t n = 0;
	const char *s;

	while (p < end && (s = memchr(p, '*', (size_t)(end - p))) != NULL) {
		n++;
		p = s + 1;
	}
	return n;
}

/*
 * Tokenize the whole segments in buf[0, len) and return how many bytes at
 * the end belong to an unfinished segment.
 */
static size_t
tokenize(const char *buf, size_t len, struct counts *c)
{
	const char *p = buf, *end = buf + len, *t;

	while (p < end && (t = memchr(p, '~', (size_t)(end - p))) != NULL) {
		c->elements += elements(p, t);
		c->segments++;
		p = t + 1;
	}
	return (size_t)(end - p);
}

/* Read fd to the end; 0 on success, -1 with a message printed. */
static int
run(int fd, const char *name, struct counts *c)
{
	char *buf = malloc(CARRY_MAX + CHUNK);
	size_t have = 0; /* carried bytes at the front of buf */
	int rc = -1;

	if (buf == NULL) {
		fprintf(stderr, "floor: out of memory\n");
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, CHUNK);
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "floor: %s: %s\n", name,
				strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		c->bytes += (uint64_t)n;
		left = tokenize(buf, have + (size_t)n, c);
		if (left > CARRY_MAX) {
			fprintf(stderr, "floor: %s: segment longer than %d "
				"bytes near offset %llu\n", name, CARRY_MAX,
				(unsigned long long)(c->bytes - left));
			goto out;
		}
		memmove(buf, buf + have + (size_t)n - left, left);
		have = left;
	}
	/* An unterminated tail (normally only the final newline). */
	c->elements += elements(buf, buf + have);
	rc = 0;
out:
	free(buf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct counts c = {0, 0, 0};
	const char *name;
	double t0, secs;
	int fd, rc;

	if (argc != 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: floor FILE\n"
			"memchr tokenizer pass over FILE: the throughput "
			"ceiling for X12 parsing\n");
		return argc == 2 ? 0 : 2;
	}
	name = argv[1];
	t0 = now();
	if (strcmp(name, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "floor: %s: %s\n", name, strerror(errno));
		return 1;
	}
	rc = run(fd, name, &c);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc != 0)
		return 1;
	secs = now() - t0;
	printf("floor: bytes=%llu segments=%llu elements=%llu seconds=%.6f "
	       "mib_per_s=%.1f\n", (unsigned long long)c.bytes,
	       (unsigned long long)c.segments, (unsigned long long)c.elements,
	       secs, secs > 0 ? (double)c.bytes / 1048576.0 / secs : 0.0);
	return 0;
}
