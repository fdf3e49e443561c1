/*
 * x12_reader.c - streaming ASC X12 tokenizer.
 *
 * The reader keeps one buffer of chunk + max_segment bytes.  [pos, end) is
 * unread input; base is the file offset of buf[0].  A segment is found by
 * memchr for the first terminator byte, then split in one pass over a
 * 256-entry byte-class table built from the interchange's delimiters.
 * The pass also removes CR/LF that are not delimiters (hard-wrapped files)
 * by compacting the segment in place, so element spans stay zero-copy.
 *
 * Invariants:
 *   - pos <= end <= cap; the bytes of the segment handed out last stay in
 *     place until the next call (compaction only happens inside next()).
 *   - every returned segment has a valid tag (2-3 of [A-Z0-9], letter
 *     first) and at most max_elements elements;
 *   - after an error the reader refuses further calls.
 *
 * Spec: ASC X12 control segments (ISA is fixed-length: 106 bytes with its
 * terminator; ISA11 is the repetition separator from version 00402 on).
 */
#include "edigate/x12.h"
#include "edigate/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { CLS_DATA = 0, CLS_ELEM, CLS_WRAP, CLS_BAD };

/* Widths of ISA01..ISA16. */
static const unsigned char isa_width[16] = {2, 10, 2, 10, 2, 15, 2, 15,
					    6, 4,  1, 5,  9, 1,  1, 1};
/* TA105 code for a wrong ISA01..ISA16. */
static const char *const isa_code[16] = {
	"010", "011", "012", "013", "005", "006", "007", "008",
	"014", "015", "016", "017", "018", "019", "020", "027"};

struct eg_x12_reader {
	eg_source *src;
	eg_x12_limits lim;
	unsigned char *buf;
	size_t cap, pos, end;
	uint64_t base; /* file offset of buf[0] */
	int eof;
	int failed;
	int expect_isa; /* at file start or after an IEA */
	eg_x12_delims d;
	unsigned char cls[256];
	eg_span *elem;
	size_t elem_cap; /* max_elements + 1 (the tag) */
	eg_x12_segment seg;
	uint64_t nseg;
	uint32_t txn_pos;
	int in_txn;
	uint32_t interchange;
};

eg_x12_limits
eg_x12_limits_default(void)
{
	eg_x12_limits l = {64 * 1024, 1024, 256 * 1024};

	return l;
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static int
is_nl(unsigned char c)
{
	return c == '\r' || c == '\n';
}

static int
is_delim(const eg_x12_delims *d, unsigned char c)
{
	return c == d->element || c == d->component ||
	       (d->repetition && c == d->repetition) ||
	       (d->segment_len && c == d->segment[0]);
}

eg_err
eg_x12_reader_new(eg_x12_reader **out, eg_source *src,
		  const eg_x12_limits *limits, eg_error *e)
{
	eg_x12_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	r->src = src;
	r->lim = limits ? *limits : eg_x12_limits_default();
	if (r->lim.chunk == 0 || r->lim.max_segment < EG_X12_ISA_LEN ||
	    r->lim.max_elements < 16 || r->lim.max_segment > ((size_t)1 << 30) ||
	    r->lim.chunk > ((size_t)1 << 30)) {
		free(r);
		return eg_fail(e, EG_EINVAL,
			       "X12 limits out of range: max_segment must be "
			       "106 (an ISA) to 1 GiB, max_elements at least 16 "
			       "(an ISA has 16), chunk 1 byte to 1 GiB");
	}
	/* Room for a whole segment of the maximum size, its terminator,
	 * a wrapped ISA, and one more chunk. */
	r->cap = r->lim.max_segment + r->lim.chunk + 512;
	r->buf = malloc(r->cap);
	r->elem_cap = r->lim.max_elements + 1;
	r->elem = calloc(r->elem_cap, sizeof(*r->elem));
	if (!r->buf || !r->elem) {
		eg_x12_reader_free(r);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	r->expect_isa = 1;
	*out = r;
	return EG_OK;
}

void
eg_x12_reader_free(eg_x12_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->elem);
	free(r);
}

uint64_t
eg_x12_reader_offset(const eg_x12_reader *r)
{
	return r->base + r->pos;
}

/* Position of the byte at buf index i, within the segment being read. */
static void
pos_at(const eg_x12_reader *r, size_t i, const char *tag, uint16_t element,
       eg_pos *p)
{
	memset(p, 0, sizeof(*p));
	p->offset = r->base + i;
	p->segment = r->nseg + 1;
	p->txn_pos = r->in_txn ? r->txn_pos + 1 : 0;
	if (tag) {
		size_t n = strlen(tag);
		memcpy(p->seg_id, tag, n < 3 ? n : 3);
	}
	p->element = element;
}

static eg_err
fail_at(eg_x12_reader *r, eg_error *e, eg_err code, size_t i, const char *tag,
	uint16_t element, const char *ack, const char *msg)
{
	eg_pos p;

	r->failed = 1;
	pos_at(r, i, tag, element, &p);
	eg_fail_at(e, code, &p, "%s", msg);
	if (e && ack && e->ack_code[0] == '\0')
		memcpy(e->ack_code, ack, strlen(ack) < 3 ? strlen(ack) : 3);
	return code;
}

/* Move unread bytes to the start of the buffer. */
static void
compact(eg_x12_reader *r)
{
	if (r->pos == 0)
		return;
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->base += r->pos;
	r->end -= r->pos;
	r->pos = 0;
}

/*
 * Try to have n unread bytes in the buffer.  Fewer are available only at
 * end of input or when n exceeds what the buffer can hold.
 */
static eg_err
need(eg_x12_reader *r, size_t n, eg_error *e)
{
	while (r->end - r->pos < n && !r->eof) {
		size_t got = 0, room;
		eg_err rc;

		if (r->cap - r->end < r->lim.chunk)
			compact(r);
		room = r->cap - r->end;
		if (room == 0)
			return EG_OK;
		if (room > r->lim.chunk)
			room = r->lim.chunk;
		rc = eg_source_read(r->src, r->buf + r->end, room, &got, e);
		if (rc) {
			r->failed = 1;
			return rc;
		}
		if (got == 0)
			r->eof = 1;
		r->end += got;
	}
	return EG_OK;
}

/* Rebuild the byte classes after an ISA set new delimiters. */
static void
build_classes(eg_x12_reader *r)
{
	int c;

	for (c = 0; c < 256; c++) {
		unsigned char k = CLS_DATA;

		if (c < 0x20 && c != '\t')
			k = CLS_BAD;
		if (c == 0x7f)
			k = CLS_BAD;
		if (is_nl((unsigned char)c))
			k = CLS_WRAP;
		if (is_delim(&r->d, (unsigned char)c))
			k = CLS_DATA;
		r->cls[c] = k;
	}
	/* The terminator never reaches the splitter; components and
	 * repetitions are split lazily by the accessors. */
	r->cls[r->d.element] = CLS_ELEM;
}

/* Skip what may sit between segments: CR/LF/indentation (not delimiters),
 * and at the very start a UTF-8 BOM. */
static eg_err
skip_between(eg_x12_reader *r, eg_error *e)
{
	for (;;) {
		unsigned char c;
		eg_err rc = need(r, 4, e);

		if (rc)
			return rc;
		if (r->pos == r->end)
			return EG_OK;
		c = r->buf[r->pos];
		if (r->base + r->pos == 0 && r->end - r->pos >= 3 &&
		    memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
			r->pos += 3;
			continue;
		}
		/* 0x1A is the DOS end-of-file mark some systems append. */
		if (c == ' ' || c == '\t' || is_nl(c) ||
		    (r->expect_isa && c == 0x1A)) {
			if (!r->expect_isa && is_delim(&r->d, c))
				return EG_OK;
			r->pos++;
			continue;
		}
		return EG_OK;
	}
}

/* Check for encodings we refuse, where an ISA is expected. */
static eg_err
check_encoding(eg_x12_reader *r, eg_error *e)
{
	const unsigned char *p = r->buf + r->pos;
	size_t n = r->end - r->pos;

	if (n >= 3 && p[0] == 0xC9 && p[1] == 0xE2 && p[2] == 0xC1)
		return fail_at(r, e, EG_EENCODING, r->pos, NULL, 0, NULL,
			       "input is EBCDIC (ISA in code page 037), not "
			       "ASCII; convert it first, e.g. "
			       "iconv -f IBM037 -t ASCII");
	/* UTF-16 in either byte order: the registry names it */
	if (eg_format_encoding_problem(p, n))
		return fail_at(r, e, EG_EENCODING, r->pos, NULL, 0, NULL,
			       eg_format_encoding_problem(p, n));
	return EG_OK;
}

static size_t
split_fixed(unsigned char *p, size_t len, unsigned char sep, eg_span *el,
	    size_t max)
{
	size_t n = 0, i, st = 0;

	for (i = 0; i <= len && n < max; i++) {
		if (i == len || p[i] == sep) {
			el[n].p = (const char *)p + st;
			el[n].len = i - st;
			n++;
			st = i + 1;
		}
	}
	return n;
}

static void
set_segment(eg_x12_reader *r, size_t start, size_t len, size_t nel,
	    uint64_t offset, int unwrapped)
{
	eg_x12_segment *s = &r->seg;
	size_t idn = r->elem[0].len;

	/* Tags are 2-3 characters (checked before we get here). */
	s->id[0] = r->elem[0].p[0];
	s->id[1] = r->elem[0].p[1];
	s->id[2] = idn > 2 ? r->elem[0].p[2] : '\0';
	s->id[3] = '\0';
	s->tag = EG_X12_TAG(s->id[0], s->id[1], s->id[2]);
	s->data = (const char *)r->buf + start;
	s->len = len;
	s->elem = r->elem;
	s->nelem = nel - 1;
	s->offset = offset;
	s->index = ++r->nseg;
	s->interchange = r->interchange;
	s->delims = &r->d;
	s->unwrapped = unwrapped;
	/* Transaction position: ST opens, SE closes, envelope segments are
	 * outside any transaction set even when a trailer is missing. */
	if (s->id[0] != 'S' && s->id[0] != 'G' && s->id[0] != 'I') {
		/* Not an envelope tag: the common case. */
		r->txn_pos += r->in_txn;
	} else if (s->tag == EG_X12_ST) {
		r->in_txn = 1;
		r->txn_pos = 1;
	} else if (s->tag == EG_X12_GS || s->tag == EG_X12_GE ||
		   s->tag == EG_X12_ISA || s->tag == EG_X12_IEA) {
		r->in_txn = 0;
		r->txn_pos = 0;
		if (s->tag == EG_X12_IEA)
			r->expect_isa = 1;
	} else {
		r->txn_pos += r->in_txn;
	}
	s->txn_pos = r->txn_pos;
	if (s->tag == EG_X12_SE)
		r->in_txn = 0;
}

/* Explain which ISA element breaks the fixed width. */
static eg_err
isa_width_error(eg_x12_reader *r, unsigned char *p, size_t n, eg_error *e)
{
	eg_span el[17];
	size_t k, got = split_fixed(p, n, p[3], el, 17);
	char msg[200];

	for (k = 1; k < got && k <= 16; k++) {
		if (el[k].len != isa_width[k - 1]) {
			snprintf(msg, sizeof(msg),
				 "ISA is not fixed-width: ISA%02zu is %zu "
				 "characters, expected %u (an ISA is exactly "
				 "106 bytes)",
				 k, el[k].len, (unsigned)isa_width[k - 1]);
			return fail_at(r, e, EG_ESYNTAX, r->pos, "ISA",
				       (uint16_t)k, isa_code[k - 1], msg);
		}
	}
	return fail_at(r, e, EG_ESYNTAX, r->pos, "ISA", 0, "022",
		       "ISA is not fixed-width (an ISA is exactly 106 bytes)");
}

/* Is logical ISA position i one of the 16 element separators? */
static int
isa_sep_at(size_t i)
{
	size_t k, at = 3;

	for (k = 0; k < 16; k++) {
		if (at == i)
			return 1;
		at += 1 + isa_width[k];
	}
	return 0;
}

static eg_err
read_isa(eg_x12_reader *r, const eg_x12_segment **out, eg_error *e)
{
	unsigned char *p, es, cs, t0;
	size_t li = 0, ri = 0, avail, tlen = 1, k, at;
	size_t raw[EG_X12_ISA_LEN]; /* raw offset of each unwrapped byte */
	int wrapped = 0;
	char msg[200];
	eg_err rc = need(r, 512, e);

	if (rc)
		return rc;
	p = r->buf + r->pos;
	avail = r->end - r->pos;
	if (avail < 4)
		return fail_at(r, e, EG_ESYNTAX, r->pos, "ISA", 0, "023",
			       "file ends inside the ISA (an ISA is 106 bytes)");
	es = p[3];
	if (is_alnum(es) || is_nl(es) || es == ' ')
		return fail_at(r, e, EG_ESYNTAX, r->pos + 3, "ISA", 0, "026",
			       "invalid element separator after ISA: it must "
			       "not be a letter, digit, space or newline");
	/* Gather ISA01..ISA16 (105 bytes), unwrapping CR/LF that VANs insert
	 * at a fixed width.  The byte after ISA16 is the terminator even when
	 * it is a newline. */
	while (li < EG_X12_ISA_LEN - 1 && ri < avail) {
		unsigned char c = p[ri];

		if (is_nl(c)) {
			wrapped = 1;
			ri++;
			continue;
		}
		/* Field bytes must be text; separators (and ISA16) may be
		 * any byte and are checked below. */
		if ((c < 0x20 || c == 0x7f) && !isa_sep_at(li) && li != 104) {
			snprintf(msg, sizeof(msg),
				 "%s byte 0x%02X inside the ISA (ISA fields "
				 "are text)",
				 c == 0 ? "NUL" : "control", c);
			return fail_at(r, e, EG_ESYNTAX, r->pos + ri, "ISA", 0,
				       "024", msg);
		}
		raw[li] = ri;
		p[li++] = p[ri++];
	}
	if (li < EG_X12_ISA_LEN - 1 || ri >= avail) {
		snprintf(msg, sizeof(msg),
			 "file ends inside the ISA: %zu of 106 bytes present",
			 li + (ri < avail ? 1 : 0));
		return fail_at(r, e, EG_ESYNTAX, r->pos, "ISA", 0, "023", msg);
	}
	for (k = 0, at = 3; k < 16; k++) {
		if (p[at] != es)
			return isa_width_error(r, p, li, e);
		at += 1 + isa_width[k];
	}
	cs = p[104];
	t0 = p[ri];
	if (t0 >= 0xC2 && t0 <= 0xF4) {
		/* A multi-byte UTF-8 terminator such as U+2026. */
		size_t want = t0 >= 0xF0 ? 4 : t0 >= 0xE0 ? 3 : 2, j;

		for (j = 1; j < want && ri + j < avail &&
			    (p[ri + j] & 0xC0) == 0x80;
		     j++)
			;
		if (j == want)
			tlen = want;
	}
	if (is_alnum(cs) || cs == es || cs == ' ' || is_nl(cs))
		return fail_at(r, e, EG_ESYNTAX, r->pos + raw[104], "ISA", 16,
			       "027",
			       "invalid component separator in ISA16: it must "
			       "differ from the element separator and not be "
			       "a letter, digit, space or newline");
	if (is_alnum(t0) || t0 == es || t0 == cs || t0 == ' ')
		return fail_at(r, e, EG_ESYNTAX, r->pos + ri, "ISA", 0, "004",
			       "invalid segment terminator after ISA16: it "
			       "must differ from the other delimiters and not "
			       "be a letter, digit or space");
	memset(&r->d, 0, sizeof(r->d));
	r->d.element = es;
	r->d.component = cs;
	memcpy(r->d.segment, p + ri, tlen);
	r->d.segment_len = tlen;
	/* ISA11 is the repetition separator from 00402 on, when it is not
	 * alphanumeric (some senders keep 'U' there; then there is none). */
	for (k = 84; k < 89 && p[k] >= '0' && p[k] <= '9'; k++)
		;
	if (k == 89 && memcmp(p + 84, "00402", 5) >= 0 && !is_alnum(p[82])) {
		if (p[82] == es || p[82] == cs || p[82] == t0)
			return fail_at(r, e, EG_ESYNTAX, r->pos + raw[82], "ISA",
				       11,
				       "022",
				       "ISA11 repetition separator is the same "
				       "as another delimiter");
		r->d.repetition = p[82];
	}
	r->interchange++;
	r->expect_isa = 0;
	build_classes(r);
	k = split_fixed(p, li, es, r->elem, 17);
	set_segment(r, r->pos, li, k, r->base + r->pos, wrapped);
	r->seg.plain = 0;
	r->pos += ri + tlen;
	*out = &r->seg;
	return EG_OK;
}

static int
valid_tag(const unsigned char *p, size_t n)
{
	size_t i;

	if (n < 2 || n > 3 || !(p[0] >= 'A' && p[0] <= 'Z'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return 0;
	return 1;
}

static eg_err
bad_tag(eg_x12_reader *r, size_t start, size_t n, eg_error *e)
{
	eg_buf b;
	char msg[200];
	eg_err rc;

	eg_buf_init(&b, 64);
	rc = eg_buf_add_printable(&b, (const char *)r->buf + start,
				  n > 12 ? 12 : n);
	snprintf(msg, sizeof(msg),
		 "invalid segment tag '%s%s': expected 2-3 letters or digits "
		 "(binary junk or wrong delimiters?)",
		 rc ? "?" : eg_buf_cstr(&b), n > 12 ? "..." : "");
	eg_buf_free(&b);
	return fail_at(r, e, EG_ESYNTAX, start, NULL, 0, "024", msg);
}

/*
 * The common case: printable ASCII only and a printable element separator.
 * One pass, eight bytes at a time (SWAR), that finds the separators and
 * notes whether any byte lies outside 0x20..0x7E; returns 0 (the careful
 * path then redoes the segment) when one does.
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* 0x80 in exactly the bytes of x that are zero. */
static inline uint64_t
zero_bytes(uint64_t x)
{
	const uint64_t m = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((x & m) + m) | x | m);
}

static inline int
add_elem(eg_x12_reader *r, size_t *nel, size_t *st, size_t at)
{
	if (*nel + 1 >= r->elem_cap)
		return 0;
	r->elem[*nel].p = (const char *)r->buf + *st;
	r->elem[*nel].len = at - *st;
	(*nel)++;
	*st = at + 1;
	return 1;
}

static int
split_plain(eg_x12_reader *r, size_t s, size_t t, size_t *nel_out)
{
	const unsigned char *p = r->buf;
	const unsigned char es = r->d.element;
	const uint64_t sep = ONES * es;
	uint64_t odd = 0;
	size_t i = s, st = s, nel = 0;

	if ((unsigned char)(es - 0x20) > 0x5e)
		return 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= t; i += 8) {
		uint64_t x, z;

		memcpy(&x, p + i, 8);
		/* any byte < 0x20, any byte >= 0x7F */
		odd |= ((x - ONES * 0x20) & ~x) | ((x + ONES) | x);
		for (z = zero_bytes(x ^ sep); z; z &= z - 1)
			if (!add_elem(r, &nel, &st,
				      i + ((size_t)__builtin_ctzll(z) >> 3)))
				return 0;
	}
	if (odd & HIGHS)
		return 0;
#endif
	for (; i < t; i++) {
		unsigned char c = p[i];

		if ((unsigned char)(c - 0x20) > 0x5e)
			return 0;
		if (c == es && !add_elem(r, &nel, &st, i))
			return 0;
	}
	r->elem[nel].p = (const char *)p + st;
	r->elem[nel].len = t - st;
	if (!valid_tag(p + s, r->elem[0].len))
		return 0;
	*nel_out = nel + 1;
	return 1;
}

/*
 * The hot path for a one-byte terminator: find the terminator and the
 * element separators in one SWAR pass from pos.  Returns 1 with the
 * segment's length and elements set, or 0 when anything is unusual (no
 * terminator in the buffer yet, a byte outside 0x20..0x7E, a long
 * segment, a bad tag): read_segment's careful path then takes over.
 */
/* Finish a segment found by scan_plain: last element, tag check. */
static int
scan_done(eg_x12_reader *r, size_t s, size_t st, size_t t, size_t nel,
	  size_t *rel_out, size_t *nel_out)
{
	r->elem[nel].p = (const char *)r->buf + st;
	r->elem[nel].len = t - st;
	if (!valid_tag(r->buf + s, r->elem[0].len))
		return 0;
	*rel_out = t - s;
	*nel_out = nel + 1;
	return 1;
}

#if defined(__SSE2__)
/* SSE2: sixteen bytes at a time, one bit per byte from movemask. */
static int
scan_plain(eg_x12_reader *r, size_t *rel_out, size_t *nel_out)
{
	const unsigned char *p = r->buf;
	const unsigned char es = r->d.element, ts = r->d.segment[0];
	const __m128i ve = _mm_set1_epi8((char)es), vt = _mm_set1_epi8((char)ts);
	const __m128i flip = _mm_set1_epi8((char)0x80);
	/* after flipping the top bit, unsigned order is signed order:
	 * c < 0x20 <=> c^0x80 < (char)0xA0; c > 0x7E <=> c^0x80 > (char)0xFE */
	const __m128i lo = _mm_set1_epi8((char)0xA0), hi = _mm_set1_epi8((char)0xFE);
	const __m128i vc = _mm_set1_epi8((char)r->d.component);
	const __m128i vr = _mm_set1_epi8(
	    (char)(r->d.repetition ? r->d.repetition : r->d.component));
	const size_t s = r->pos;
	size_t i = s, st = s, nel = 0, lim = r->end;
	unsigned sub = 0; /* component/repetition separators seen */

	if (r->d.segment_len != 1 || (unsigned char)(es - 0x20) > 0x5e)
		return 0;
	if (lim - s > r->lim.max_segment)
		lim = s + r->lim.max_segment;
	for (; i + 16 <= lim; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i y = _mm_xor_si128(x, flip);
		unsigned tm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vt));
		unsigned em = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, ve));
		unsigned om = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmplt_epi8(y, lo), _mm_cmpgt_epi8(y, hi)));
		unsigned cm = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vr)));
		unsigned below = tm ? (tm & (0u - tm)) - 1 : 0xFFFFu;

		if (om & below)
			return 0;
		sub |= cm & below;
		for (em &= below; em; em &= em - 1)
			if (!add_elem(r, &nel, &st,
				      i + (size_t)__builtin_ctz(em)))
				return 0;
		if (tm) {
			r->seg.plain = sub == 0;
			return scan_done(r, s, st, i + (size_t)__builtin_ctz(tm),
					 nel, rel_out, nel_out);
		}
	}
	return 0;
}
#else
/* Portable: eight bytes at a time in a 64-bit word (SWAR). */
static int
scan_plain(eg_x12_reader *r, size_t *rel_out, size_t *nel_out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned char *p = r->buf;
	const unsigned char es = r->d.element, ts = r->d.segment[0];
	const uint64_t esep = ONES * es, tsep = ONES * ts;
	const size_t s = r->pos;
	size_t i = s, st = s, nel = 0, lim = r->end;

	if (r->d.segment_len != 1 || (unsigned char)(es - 0x20) > 0x5e)
		return 0;
	if (lim - s > r->lim.max_segment)
		lim = s + r->lim.max_segment;
	for (; i + 8 <= lim; i += 8) {
		uint64_t x, tz, ez, odd, below = ~0ULL;

		memcpy(&x, p + i, 8);
		tz = zero_bytes(x ^ tsep);
		ez = zero_bytes(x ^ esep);
		odd = (((x - ONES * 0x20) & ~x) | ((x + ONES) | x)) & HIGHS;
		if (tz)
			below = (tz & (0 - tz)) - 1; /* bits of earlier bytes */
		/* A borrow/carry can only spill upward from an odd byte, so
		 * masking to the bytes before the terminator is exact. */
		if (odd & below & HIGHS)
			return 0;
		for (ez &= below; ez; ez &= ez - 1)
			if (!add_elem(r, &nel, &st,
				      i + ((size_t)__builtin_ctzll(ez) >> 3)))
				return 0;
		if (tz) {
			size_t t = i + ((size_t)__builtin_ctzll(tz) >> 3);

			r->seg.plain =
			    !memchr(p + s, r->d.component, t - s) &&
			    (!r->d.repetition ||
			     !memchr(p + s, r->d.repetition, t - s));
			return scan_done(r, s, st, t, nel, rel_out, nel_out);
		}
	}
#else
	(void)r;
	(void)rel_out;
	(void)nel_out;
#endif
	return 0;
}
#endif

/* Split [s, t) into elements, removing wrap CR/LF in place. */
static eg_err
split_segment(eg_x12_reader *r, size_t s, size_t t, size_t *nel_out,
	      size_t *len_out, int *unwrapped, eg_error *e)
{
	unsigned char *p = r->buf;
	const unsigned char *cls = r->cls;
	size_t i = s, w = s, st = s, nel = 0;
	char tag[4] = "";
	char msg[160];

	*unwrapped = 0;
	while (i < t) {
		unsigned char c = p[i];
		unsigned k = cls[c];

		if (k == CLS_DATA) {
			p[w++] = c;
			i++;
			continue;
		}
		if (k == CLS_ELEM) {
			if (nel == r->elem_cap)
				goto too_many;
			r->elem[nel].p = (const char *)p + st;
			r->elem[nel].len = w - st;
			if (nel == 0) {
				if (!valid_tag(p + st, w - st))
					return bad_tag(r, s, t - s, e);
				memcpy(tag, p + st, w - st);
			}
			nel++;
			p[w++] = c;
			st = w;
			i++;
			continue;
		}
		if (k == CLS_WRAP) {
			*unwrapped = 1;
			i++;
			continue;
		}
		snprintf(msg, sizeof(msg),
			 "%s byte 0x%02X in segment data (binary data or a "
			 "wrong delimiter?)",
			 c == 0 ? "NUL" : "control", c);
		return fail_at(r, e, EG_ESYNTAX, i, tag[0] ? tag : NULL,
			       (uint16_t)(nel ? nel : 0), "024", msg);
	}
	if (nel == r->elem_cap)
		goto too_many;
	r->elem[nel].p = (const char *)p + st;
	r->elem[nel].len = w - st;
	if (nel == 0 && !valid_tag(p + st, w - st))
		return bad_tag(r, s, t - s, e);
	*nel_out = nel + 1;
	*len_out = w - s;
	return EG_OK;
too_many:
	snprintf(msg, sizeof(msg),
		 "segment has more than %zu elements (limit max_elements)",
		 r->lim.max_elements);
	return fail_at(r, e, EG_ELIMIT, s, tag, 0, NULL, msg);
}

/*
 * BIN and BDS carry length-prefixed binary data that may contain any byte,
 * delimiters included: read the length, then exactly that many bytes.
 */
static eg_err
read_binary(eg_x12_reader *r, size_t len_elem, const eg_x12_segment **out,
	    eg_error *e)
{
	unsigned char *p;
	size_t i, st, nel = 1, avail, dlen = 0, total;
	unsigned char es = r->d.element;
	char tag[4] = "";
	char msg[200];
	eg_err rc = need(r, 64, e);

	if (rc)
		return rc;
	p = r->buf + r->pos;
	avail = r->end - r->pos;
	memcpy(tag, p, 3);
	r->elem[0].p = (const char *)p;
	r->elem[0].len = 3;
	st = i = 4;
	/* Elements up to and including the length. */
	while (nel <= len_elem) {
		while (i < avail && p[i] != es && i - st < 16)
			i++;
		if (i >= avail || p[i] != es) {
			snprintf(msg, sizeof(msg),
				 "%s%02zu must be the length of the binary "
				 "data that follows, in digits",
				 tag, len_elem);
			return fail_at(r, e, EG_ESYNTAX, r->pos + st, tag,
				       (uint16_t)nel, NULL, msg);
		}
		r->elem[nel].p = (const char *)p + st;
		r->elem[nel].len = i - st;
		nel++;
		st = ++i;
	}
	for (i = 0; i < r->elem[len_elem].len || i == 0; i++) {
		unsigned char c = i < r->elem[len_elem].len
				      ? (unsigned char)r->elem[len_elem].p[i]
				      : 0; /* an empty length is no length */

		if (c < '0' || c > '9' || dlen > r->lim.max_segment) {
			eg_buf b;

			eg_buf_init(&b, 64);
			rc = eg_buf_add_printable(&b, r->elem[len_elem].p,
						  r->elem[len_elem].len);
			snprintf(msg, sizeof(msg),
				 "%s%02zu '%s' is not a length in digits (it "
				 "gives the size of the binary data)",
				 tag, len_elem, rc ? "?" : eg_buf_cstr(&b));
			eg_buf_free(&b);
			return fail_at(r, e, EG_ESYNTAX,
				       r->pos + (size_t)((const unsigned char *)r->elem[len_elem].p - p),
				       tag, (uint16_t)len_elem, "024", msg);
		}
		dlen = dlen * 10 + (c - '0');
	}
	total = st + dlen;
	if (total > r->lim.max_segment)
		return fail_at(r, e, EG_ELIMIT, r->pos, tag, 0, NULL,
			       "binary segment longer than max_segment");
	rc = need(r, total + r->d.segment_len, e);
	if (rc)
		return rc;
	p = r->buf + r->pos; /* need() may have moved the data */
	avail = r->end - r->pos;
	if (avail < total + r->d.segment_len ||
	    memcmp(p + total, r->d.segment, r->d.segment_len) != 0)
		return fail_at(r, e, EG_ESYNTAX, r->pos + (avail < total ? avail : total),
			       tag, (uint16_t)(len_elem + 1), "023",
			       "binary data is not followed by the segment "
			       "terminator where its length says it ends "
			       "(truncated, or the length is wrong)");
	/* Re-point the elements: need() may have compacted the buffer. */
	r->elem[0].p = (const char *)p;
	for (i = 1, st = 4; i <= len_elem; i++) {
		size_t j = st;

		while (p[j] != es)
			j++;
		r->elem[i].p = (const char *)p + st;
		r->elem[i].len = j - st;
		st = j + 1;
	}
	r->elem[nel].p = (const char *)p + st;
	r->elem[nel].len = dlen;
	set_segment(r, r->pos, total, nel + 1, r->base + r->pos, 0);
	r->seg.plain = 0;
	r->pos += total + r->d.segment_len;
	*out = &r->seg;
	return EG_OK;
}

static eg_err
read_segment(eg_x12_reader *r, const eg_x12_segment **out, eg_error *e)
{
	const unsigned char t0 = r->d.segment[0];
	const size_t tlen = r->d.segment_len;
	size_t off = 0, rel, nel = 0, len = 0;
	int unwrapped, at_eof = 0;
	eg_err rc;

	if (scan_plain(r, &rel, &nel)) {
		set_segment(r, r->pos, rel, nel, r->base + r->pos, 0);
		r->pos += rel + 1;
		*out = &r->seg;
		return EG_OK;
	}
	for (;;) {
		size_t avail = r->end - r->pos;
		unsigned char *q = off < avail
				       ? memchr(r->buf + r->pos + off, t0, avail - off)
				       : NULL;

		if (q) {
			rel = (size_t)(q - (r->buf + r->pos));
			if (tlen == 1)
				break;
			rc = need(r, rel + tlen, e);
			if (rc)
				return rc;
			if (r->end - r->pos >= rel + tlen &&
			    memcmp(r->buf + r->pos + rel, r->d.segment, tlen) == 0)
				break;
			off = rel + 1;
			continue;
		}
		off = avail;
		if (avail > r->lim.max_segment) {
			char msg[160];

			snprintf(msg, sizeof(msg),
				 "segment longer than %zu bytes without a "
				 "terminator (limit max_segment)",
				 r->lim.max_segment);
			return fail_at(r, e, EG_ELIMIT, r->pos, NULL, 0, NULL, msg);
		}
		if (r->eof && is_nl(t0)) {
			/* A newline-terminated file may omit the last
			 * newline: the end of the file ends the segment. */
			rel = avail;
			at_eof = 1;
			break;
		}
		if (r->eof)
			return fail_at(r, e, EG_ESYNTAX, r->pos, NULL, 0, "023",
				       "file ends inside a segment: no segment "
				       "terminator (truncated file?)");
		rc = need(r, avail + 1, e);
		if (rc)
			return rc;
	}
	if (rel > r->lim.max_segment) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "segment is %zu bytes, longer than %zu (limit "
			 "max_segment)",
			 rel, r->lim.max_segment);
		return fail_at(r, e, EG_ELIMIT, r->pos, NULL, 0, NULL, msg);
	}
	unwrapped = 0;
	len = rel;
	if (!split_plain(r, r->pos, r->pos + rel, &nel)) {
		rc = split_segment(r, r->pos, r->pos + rel, &nel, &len,
				   &unwrapped, e);
		if (rc)
			return rc;
	}
	r->seg.plain = !memchr(r->buf + r->pos, r->d.component, len) &&
		       (!r->d.repetition ||
			!memchr(r->buf + r->pos, r->d.repetition, len));
	set_segment(r, r->pos, len, nel, r->base + r->pos, unwrapped);
	r->pos += rel + (at_eof ? 0 : tlen);
	*out = &r->seg;
	return EG_OK;
}

static int
starts_isa(const eg_x12_reader *r)
{
	const unsigned char *p = r->buf + r->pos;

	return r->end - r->pos >= 4 && p[0] == 'I' && p[1] == 'S' &&
	       p[2] == 'A' && !is_alnum(p[3]);
}

eg_err
eg_x12_reader_next(eg_x12_reader *r, const eg_x12_segment **out, eg_error *e)
{
	const unsigned char *p;
	eg_err rc;

	*out = NULL;
	if (r->failed)
		return eg_fail(e, EG_EINVAL, "X12 reader used after an error");
	for (;;) {
		/* Line breaks after terminators, inline; whitespace, BOMs and
		 * refills only when the next byte could need them. */
		while (r->pos < r->end && r->cls[r->buf[r->pos]] == CLS_WRAP &&
		       !r->expect_isa)
			r->pos++;
		if (r->end - r->pos < 4 || r->buf[r->pos] <= ' ' ||
		    r->expect_isa) {
			rc = skip_between(r, e);
			if (rc)
				return rc;
		}
		if (r->pos == r->end) {
			if (r->nseg == 0)
				return fail_at(r, e, EG_ESYNTAX, r->pos, NULL, 0,
					       "023", "empty file: no ISA");
			return EG_OK;
		}
		p = r->buf + r->pos;
		if (r->expect_isa || (p[0] == 'I' && starts_isa(r))) {
			if (!starts_isa(r)) {
				rc = check_encoding(r, e);
				if (rc)
					return rc;
				return fail_at(
				    r, e, EG_ESYNTAX, r->pos, NULL, 0, "024",
				    r->nseg == 0
					? "not an X12 interchange: expected "
					  "ISA at the start of the file"
					: "unexpected data after IEA: expected "
					  "ISA or end of file");
			}
			return read_isa(r, out, e);
		}
		if (r->end - r->pos >= 4 && p[0] == 'B' && p[3] == r->d.element &&
		    ((p[1] == 'I' && p[2] == 'N') || (p[1] == 'D' && p[2] == 'S')))
			return read_binary(r, p[1] == 'I' ? 1 : 2, out, e);
		if (r->d.segment_len == 1 && p[0] == r->d.segment[0]) {
			/* An empty segment ("~~"): nothing to lose, skip. */
			r->pos++;
			continue;
		}
		return read_segment(r, out, e);
	}
}

/* --- accessors ---------------------------------------------------------- */

eg_span
eg_x12_element(const eg_x12_segment *s, size_t i)
{
	eg_span none = {"", 0};

	if (i == 0 || i > s->nelem)
		return none;
	return s->elem[i];
}

/* The n-th (1-based) piece of sp split on sep; empty if absent. */
static eg_span
piece(eg_span sp, unsigned char sep, size_t n, size_t *count)
{
	eg_span out = {"", 0};
	size_t i, k = 1, st = 0;

	for (i = 0; i <= sp.len; i++) {
		if (i == sp.len || (unsigned char)sp.p[i] == sep) {
			if (k == n) {
				out.p = sp.p + st;
				out.len = i - st;
			}
			k++;
			st = i + 1;
		}
	}
	if (count)
		*count = k - 1;
	return out;
}

size_t
eg_x12_repetition_count(const eg_x12_segment *s, size_t i)
{
	size_t n = 0;

	if (i == 0 || i > s->nelem)
		return 0;
	if (!s->delims->repetition || s->tag == EG_X12_ISA)
		return 1;
	(void)piece(s->elem[i], s->delims->repetition, 1, &n);
	return n;
}

eg_span
eg_x12_repetition(const eg_x12_segment *s, size_t i, size_t rep)
{
	eg_span el = eg_x12_element(s, i);
	eg_span none = {"", 0};

	if (rep == 0)
		return none;
	if (!s->delims->repetition || s->tag == EG_X12_ISA)
		return rep == 1 ? el : none;
	return piece(el, s->delims->repetition, rep, NULL);
}

size_t
eg_x12_component_count(const eg_x12_segment *s, size_t i, size_t rep)
{
	size_t n = 0;

	if (i == 0 || i > s->nelem || rep == 0 ||
	    rep > eg_x12_repetition_count(s, i))
		return 0;
	if (s->tag == EG_X12_ISA)
		return 1;
	(void)piece(eg_x12_repetition(s, i, rep), s->delims->component, 1, &n);
	return n;
}

eg_span
eg_x12_component(const eg_x12_segment *s, size_t i, size_t rep, size_t comp)
{
	eg_span none = {"", 0};

	if (comp == 0)
		return none;
	if (s->tag == EG_X12_ISA)
		return comp == 1 ? eg_x12_repetition(s, i, rep) : none;
	return piece(eg_x12_repetition(s, i, rep), s->delims->component, comp,
		     NULL);
}

void
eg_x12_segment_pos(const eg_x12_segment *s, eg_pos *pos)
{
	memset(pos, 0, sizeof(*pos));
	pos->offset = s->offset;
	pos->segment = s->index;
	pos->txn_pos = s->txn_pos;
	memcpy(pos->seg_id, s->id, sizeof(pos->seg_id));
}
