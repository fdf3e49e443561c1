/*
 * registry.c - the table of syntaxes and detection by bidding.
 *
 * Adding a syntax is adding a descriptor and one line in `formats`.
 * Bids skip a UTF-8 BOM and leading whitespace.  X12 and EDIFACT bid
 * high on their envelope tags; XML bids on "<?xml" or "<"; CSV bids low on
 * anything printable so it only wins when nothing else does.
 *
 * Text in an encoding no reader takes (UTF-16 in either byte order, with
 * or without a byte order mark) is recognised too, so that every command
 * refuses it by name instead of calling it "not EDI".
 */
#include "edigate/format.h"
#include "edigate/syntax.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static size_t
skip_lead(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	return i;
}

static int
starts(const unsigned char *p, size_t n, const char *lit)
{
	size_t i = skip_lead(p, n), l = strlen(lit);

	return n - i >= l && memcmp(p + i, lit, l) == 0;
}

/* 1: UTF-16LE, 2: UTF-16BE, 0: neither.  A byte order mark, or ASCII
 * text with a NUL beside every character (what "ISA" or "<?xml" become). */
static int
utf16_order(const unsigned char *p, size_t n)
{
	size_t i, even = 0, odd = 0, m = n < 64 ? n : 64;

	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE)
		return 1;
	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
		return 2;
	if (m < 4)
		return 0;
	for (i = 0; i + 1 < m; i += 2) {
		if (p[i] == 0 && p[i + 1] >= 0x09 && p[i + 1] < 0x7F)
			even++;
		if (p[i + 1] == 0 && p[i] >= 0x09 && p[i] < 0x7F)
			odd++;
	}
	/* nearly every pair one NUL and one ASCII byte */
	if (odd * 4 >= m / 2 * 3)
		return 1;
	if (even * 4 >= m / 2 * 3)
		return 2;
	return 0;
}

const char *
eg_format_encoding_problem(const unsigned char *p, size_t n)
{
	switch (utf16_order(p, n)) {
	case 1:
		return "the file is UTF-16 (little-endian) text, not "
		       "ASCII/UTF-8; convert it first, e.g. iconv -f UTF-16LE "
		       "-t UTF-8";
	case 2:
		return "the file is UTF-16 (big-endian) text, not "
		       "ASCII/UTF-8; convert it first, e.g. iconv -f UTF-16BE "
		       "-t UTF-8";
	}
	if (n >= 3 && p[0] == 0xC9 && p[1] == 0xE2 && p[2] == 0xC1)
		return "the file is EBCDIC (ISA in code page 037), not ASCII; "
		       "convert it first, e.g. iconv -f IBM037 -t ASCII";
	return NULL;
}

static int
bid_utf16(const unsigned char *p, size_t n)
{
	return utf16_order(p, n) ? 120 : 0;
}

static int
bid_x12(const unsigned char *p, size_t n)
{
	size_t i = skip_lead(p, n);

	/* EBCDIC "ISA": still X12, the reader refuses it by name. */
	if (n >= 3 && p[0] == 0xC9 && p[1] == 0xE2 && p[2] == 0xC1)
		return 90;
	if (n - i >= 4 && memcmp(p + i, "ISA", 3) == 0 &&
	    !((p[i + 3] >= 'A' && p[i + 3] <= 'Z') ||
	      (p[i + 3] >= '0' && p[i + 3] <= '9')))
		return 100;
	return 0;
}

static int
bid_edifact(const unsigned char *p, size_t n)
{
	if (starts(p, n, "UNA") || starts(p, n, "UNB"))
		return 100;
	return 0;
}

static int
bid_tradacoms(const unsigned char *p, size_t n)
{
	return starts(p, n, "STX=") ? 100 : 0;
}

static int
bid_xml(const unsigned char *p, size_t n)
{
	if (starts(p, n, "<?xml"))
		return 100;
	return starts(p, n, "<") ? 60 : 0;
}

static int
bid_csv(const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' &&
				  p[i] != '\n'))
			return 0;
	return memchr(p, ',', n) || memchr(p, ';', n) || memchr(p, '\t', n)
		   ? 10
		   : 0;
}

/* name, title, bid, readable (a reader exists: validate, csv), syntax
 * descriptor (syntax.h: what the pipeline reads it with), record syntax
 * (syntax.h: read record by record through a layout).  X12 and EDIFACT
 * are segment syntaxes with envelopes and acknowledgements; CSV and XML
 * documents are record syntaxes, which the pipeline reads when the
 * partner's profile names a layout for them (<layout-document>,
 * <master-data>). */
static const eg_format fmt_x12 = {"x12", "ASC X12", bid_x12, 1,
				  &eg_syntax_x12, NULL};
static const eg_format fmt_edifact = {"edifact", "UN/EDIFACT", bid_edifact, 1,
				      &eg_syntax_edifact, NULL};
static const eg_format fmt_tradacoms = {"tradacoms", "TRADACOMS",
					bid_tradacoms, 0, NULL, NULL};
static const eg_format fmt_xml = {"xml", "XML", bid_xml, 1, NULL,
				  &eg_record_xml};
static const eg_format fmt_csv = {"csv", "CSV", bid_csv, 1, NULL,
				  &eg_record_csv};
static const eg_format fmt_utf16 = {"utf16", "UTF-16 text", bid_utf16, 0,
				    NULL, NULL};

static const eg_format *const formats[] = {
	&fmt_x12, &fmt_edifact, &fmt_tradacoms, &fmt_xml, &fmt_csv, &fmt_utf16,
	NULL,
};

const eg_format *const *
eg_format_all(void)
{
	return formats;
}

const eg_format *
eg_format_detect(const unsigned char *p, size_t n)
{
	const eg_format *best = NULL;
	int best_bid = 0;
	size_t i;

	for (i = 0; formats[i]; i++) {
		int b = formats[i]->bid(p, n);

		if (b > best_bid) {
			best_bid = b;
			best = formats[i];
		}
	}
	return best;
}

const eg_syntax_desc *
eg_syntax_detect(const unsigned char *p, size_t n, char *seg_term)
{
	size_t i;

	for (i = 0; formats[i]; i++)
		if (formats[i]->syntax && formats[i]->syntax->starts(p, n, seg_term))
			return formats[i]->syntax;
	return NULL;
}

const eg_record_syntax *
eg_record_syntax_of(const eg_layout *l)
{
	size_t i;

	for (i = 0; formats[i]; i++)
		if (formats[i]->records && formats[i]->records->takes(l))
			return formats[i]->records;
	return NULL;
}

const eg_format *
eg_format_by_name(const char *name)
{
	size_t i;

	for (i = 0; formats[i]; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

eg_err
eg_format_sniff_file(const char *path, unsigned char *dst, size_t cap,
		     size_t *got, eg_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	*got = 0;
	if (fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot open %s: %s", path, strerror(errno));
	while (n < cap) {
		ssize_t r = read(fd, dst + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			close(fd);
			return eg_fail(e, EG_EIO, "cannot read %s: %s", path,
				       strerror(err));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*got = n;
	return EG_OK;
}
