/*
 * x12_tail.c - find the X12 interchanges a reader could not reach (the
 * X12 descriptor's next_header, syntax.h).
 *
 * When the X12 reader stops inside a file (junk after an IEA, a stray
 * line, an ISA it cannot read), the rest of the file is not processed.
 * The pipeline then rejects that part; this module looks through it for
 * interchange headers that are still readable on their own -- a
 * fixed-width ISA of 106 bytes with a 9-digit ISA13 -- so that each can
 * be named in a finding and answered with a TA1 R.  Nothing here decides
 * or writes; it only reads the spool copy with pread.
 *
 * Invariant: a header is reported only when every field the TA1 needs
 * (ISA05-ISA10, ISA12, ISA13, ISA15) sits at its fixed position; a
 * header the reader itself could not read and that is not fixed width
 * is never reported (no TA1 can be addressed from it).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "x12_tail.h"

#define ISA_LEN 106
#define SCAN_CHUNK 65536

/* Copy field [off, off+len) trimmed of trailing blanks. */
static void
field(const unsigned char *isa, size_t off, size_t len, char *dst, size_t cap)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, isa + off, n);
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

static int
all_digits(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Parse a 106-byte ISA at p; 1 when it is fixed width and readable. */
static int
parse_isa(const unsigned char *p, eg_x12_ctl *c)
{
	/* where the element separator must be, ISA01..ISA16 */
	static const unsigned char sep_at[] = {3,  6,  17, 20, 31, 34, 50, 53,
					       69, 76, 81, 83, 89, 99, 101,
					       103};
	unsigned char sep = p[3];
	size_t i;

	if (memcmp(p, "ISA", 3) != 0 || (sep >= 'A' && sep <= 'Z') ||
	    (sep >= 'a' && sep <= 'z') || (sep >= '0' && sep <= '9') ||
	    sep == ' ')
		return 0;
	for (i = 0; i < sizeof(sep_at); i++)
		if (p[sep_at[i]] != sep)
			return 0;
	if (!all_digits(p + 90, 9) || !all_digits(p + 70, 6) ||
	    !all_digits(p + 77, 4))
		return 0;
	memset(c, 0, sizeof(*c));
	field(p, 32, 2, c->sender_q, sizeof(c->sender_q));
	field(p, 35, 15, c->sender, sizeof(c->sender));
	field(p, 51, 2, c->receiver_q, sizeof(c->receiver_q));
	field(p, 54, 15, c->receiver, sizeof(c->receiver));
	field(p, 70, 6, c->isa_date, sizeof(c->isa_date));
	field(p, 77, 4, c->isa_time, sizeof(c->isa_time));
	field(p, 84, 5, c->isa_version, sizeof(c->isa_version));
	field(p, 90, 9, c->isa13, sizeof(c->isa13));
	c->ack_requested = (char)p[100];
	c->usage = (char)p[102];
	return c->sender[0] != '\0';
}

eg_err
eg_tail_next_isa(int fd, uint64_t from, uint64_t *at, eg_x12_ctl *ctl,
		 eg_error *e)
{
	unsigned char buf[SCAN_CHUNK + ISA_LEN];
	uint64_t off = from;

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
		size_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return eg_fail(e, EG_EIO, "reading the rest of the "
						  "file: %s",
				       strerror(errno));
		if (n < ISA_LEN)
			return EG_ENOTFOUND;
		for (i = 0; i + ISA_LEN <= (size_t)n; i++) {
			const unsigned char *p = buf + i;

			if (p[0] != 'I' || memcmp(p, "ISA", 3) != 0)
				continue;
			if (parse_isa(p, ctl)) {
				*at = off + i;
				return EG_OK;
			}
		}
		/* the last ISA_LEN - 1 bytes may start a header */
		off += (uint64_t)n - (ISA_LEN - 1);
	}
}
