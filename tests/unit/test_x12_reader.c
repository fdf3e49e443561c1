/*
 * test_x12_reader.c - unit tests for the streaming X12 reader (x12.h).
 *
 * Interchanges are built in the test from templates, for every delimiter
 * variant the reader promises to handle, together with the dump the reader
 * must produce (segment ids, element bytes, whole-segment data, offset,
 * index, position in the transaction set, interchange number).  Every
 * variant is read again with tiny chunk sizes, which must not change a
 * single byte of the dump: the reader streams, so segments cross chunk
 * boundaries.
 *
 * Template notation: '*' is the element separator, ':' the component
 * separator, '{' ISA11 (the repetition separator when the version has
 * one); every other byte is written as is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/err.h"
#include "edigate/source.h"
#include "edigate/x12.h"
#include "x12_testlib.h"

/*
 * seg->offset is "the byte offset of the tag in the input": counted from
 * 0, like eg_x12_reader_offset().  Error positions (eg_pos.offset) use the
 * same numbering, so that a finding and the segment agree.
 */
#define OFF_BASE 0

#define FIXDIR "../fixtures/x12/"

/* Dump separators; no test delimiter uses them. */
#define US '\x1f' /* before each element */
#define RS '\x1e' /* before the whole-segment data */

typedef struct variant {
	const char *name;
	char el, comp, isa11;
	const char *ver;
	const char *term;   /* the segment terminator bytes */
	const char *after;  /* written after every terminator */
	const char *prefix; /* written before the first ISA */
	int rep;            /* ISA11 must act as the repetition separator */
} variant;

static const variant variants[] = {
	{"star-gt-tilde", '*', '>', 'U', "00401", "~", "", "", 0},
	{"pipe-caret-bang", '|', '^', 'U', "00401", "!", "", "", 0},
	{"bang-gt-apostrophe", '!', '>', 'U', "00401", "'", "", "", 0},
	{"caret-colon-tilde-lf", '^', ':', 'U', "00401", "~", "\n", "", 0},
	{"del-colon-tilde", '\x7f', ':', 'U', "00401", "~", "", "", 0},
	{"gs-gt-fs", '\x1d', '>', 'U', "00401", "\x1c", "", "", 0},
	{"star-pipe-tilde", '*', '|', 'U', "00401", "~", "", "", 0},
	{"lf-terminator", '*', ':', 'U', "00401", "\n", "", "", 0},
	{"cr-terminator", '*', ':', 'U', "00401", "\r", "", "", 0},
	{"crlf-terminator", '*', ':', 'U', "00401", "\r", "\n", "", 0},
	{"nak-terminator", '*', ':', 'U', "00401", "\x15", "", "", 0},
	{"ellipsis-terminator", '*', '>', 'U', "00401", "\xe2\x80\xa6", "",
	 "", 0},
	{"ellipsis-crlf", '|', ':', 'U', "00401", "\xe2\x80\xa6", "\r\n", "",
	 0},
	{"tilde-lf", '*', '>', 'U', "00401", "~", "\n", "", 0},
	{"tilde-cr", '*', '>', 'U', "00401", "~", "\r", "", 0},
	{"tilde-crlf", '*', '>', 'U', "00401", "~", "\r\n", "", 0},
	{"tilde-crlf-indent", '*', '>', 'U', "00401", "~", "\r\n    ", "", 0},
	{"tilde-indent", '*', '>', 'U', "00401", "~", "  ", "", 0},
	{"5010-caret-rep", '*', ':', '^', "00501", "~", "\n", "", 1},
	{"5010-pipe-el-caret-rep", '|', '>', '^', "00501", "~", "", "", 1},
	{"4020-caret-rep", '*', ':', '^', "00402", "~", "", "", 1},
	{"5010-alnum-isa11", '*', ':', 'U', "00501", "~", "", "", 0},
	{"5010-digit-isa11", '*', ':', '0', "00501", "~", "", "", 0},
	{"4010-caret-isa11", '*', ':', '^', "00401", "~", "", "", 0},
	{"bom", '*', '>', 'U', "00401", "~", "\r\n", "\xef\xbb\xbf", 0},
	{"bom-whitespace", '*', ':', '^', "00501", "~", "\n",
	 "\xef\xbb\xbf\r\n  \n", 1},
	{"leading-whitespace", '*', '>', 'U', "00401", "~", "",
	 "\n\r\n   ", 0},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/*
 * A BIN payload holding every delimiter of every variant, CR, LF, NUL,
 * a UTF-8 ellipsis and what looks like segments.
 */
static const char bin_payload[] = "X~Y!Z'\r\n*|^:>\x7f\x1d\x1c\x15"
				  "\xe2\x80\xa6\0\xff"
				  "~SE*1*0001~\nIEA*1~END";
#define BIN_LEN (sizeof(bin_payload) - 1)

/* The body of a test interchange after its ISA. */
static const char *const body_856[] = {
	"GS*SH*SENDERID*RECEIVERID*20210315*1430*1*X*004010",
	"ST*856*0001",
	"BSN*00*SHIP0001*20210315*1430",
	"HL*1**S",
	"TD1*CTN25*2****G*12.5*LB",
	/* UTF-8 data, one sequence sharing two bytes with U+2026, and
	 * trailing empty elements that must be kept. */
	"N1*ST*M\xc3\x9c" "NCHEN DC A\xe2\x80\x94" "B*92*0042**",
	"HL*2*1*O",
	"PRF*PO12345",
	"HL*3*2*I",
	"LIN**UP*012345678905",
	"SN1**10*EA",
	"EB*1*IND*30{1:A:B{33",
	"HI*ABK:J459*ABF:R05",
	"MAN*GM*00012345678901234560",
	"@BIN", /* the BIN segment goes here when asked for */
	"CTT*1",
	"SE*16*0001",
	"GE*1*1",
	"@IEA",
};
#define NBODY (sizeof(body_856) / sizeof(body_856[0]))

/* An input and the dumps the reader must produce for it. */
typedef struct doc {
	tbuf in;
	tbuf exp;    /* dump with positions */
	tbuf exp_np; /* dump without positions */
	uint64_t index;
	uint32_t txn, ic;
	size_t nseg;
} doc;

static void
doc_free(doc *d)
{
	tb_free(&d->in);
	tb_free(&d->exp);
	tb_free(&d->exp_np);
}

static int
tag_is(const char *tag, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(tag, lit, n) == 0;
}

/* Position bookkeeping for a segment with this tag. */
static uint32_t
doc_next_txn(doc *d, const char *tag, size_t n)
{
	uint32_t t = 0;

	if (tag_is(tag, n, "ISA")) {
		d->ic++;
		d->txn = 0;
	} else if (tag_is(tag, n, "ST")) {
		d->txn = t = 1;
	} else if (tag_is(tag, n, "GS") || tag_is(tag, n, "GE") ||
		   tag_is(tag, n, "IEA")) {
		d->txn = 0;
	} else if (d->txn) {
		t = ++d->txn;
	}
	if (tag_is(tag, n, "SE"))
		d->txn = 0;
	d->index++;
	d->nseg++;
	return t;
}

static void
doc_expect(doc *d, uint64_t off, uint32_t t, const tbuf *elems,
	   const tbuf *data)
{
	tb_addf(&d->exp, "@%llu #%llu t%u x%u ",
		(unsigned long long)(off + OFF_BASE),
		(unsigned long long)d->index, (unsigned)t, (unsigned)d->ic);
	tb_add(&d->exp, elems->p, elems->len);
	tb_addc(&d->exp, RS);
	tb_add(&d->exp, data->p, data->len);
	tb_addc(&d->exp, '\n');
	tb_add(&d->exp_np, elems->p, elems->len);
	tb_addc(&d->exp_np, RS);
	tb_add(&d->exp_np, data->p, data->len);
	tb_addc(&d->exp_np, '\n');
}

/* Write one segment from a template and record what must be read. */
static void
doc_seg(doc *d, const variant *v, const char *tmpl)
{
	tbuf raw = {0}, el = {0};
	uint64_t off = d->in.len;
	size_t taglen = strcspn(tmpl, "*");
	uint32_t t;
	const char *c;

	for (c = tmpl; *c; c++) {
		char o = *c == '*' ? v->el
			 : *c == ':' ? v->comp
			 : *c == '{' ? v->isa11
				     : *c;

		tb_addc(&raw, o);
		tb_addc(&el, *c == '*' ? US : o);
	}
	t = doc_next_txn(d, tmpl, taglen);
	tb_add(&d->in, raw.p, raw.len);
	tb_adds(&d->in, v->term);
	tb_adds(&d->in, v->after);
	doc_expect(d, off, t, &el, &raw);
	tb_free(&raw);
	tb_free(&el);
}

/* Write BIN*<len>*<payload>. */
static void
doc_bin(doc *d, const variant *v, const char *payload, size_t n)
{
	tbuf raw = {0}, el = {0};
	uint64_t off = d->in.len;
	uint32_t t;

	tb_addf(&raw, "BIN%c%zu%c", v->el, n, v->el);
	tb_add(&raw, payload, n);
	tb_addf(&el, "BIN%c%zu%c", US, n, US);
	tb_add(&el, payload, n);
	t = doc_next_txn(d, "BIN", 3);
	tb_add(&d->in, raw.p, raw.len);
	tb_adds(&d->in, v->term);
	tb_adds(&d->in, v->after);
	doc_expect(d, off, t, &el, &raw);
	tb_free(&raw);
	tb_free(&el);
}

/* The ISA template for v: exactly 105 bytes before the terminator. */
static void
isa_template(char *dst, size_t cap, const variant *v, const char *ctl)
{
	int n = snprintf(dst, cap,
			 "ISA*00*          *00*          *ZZ*SENDERID       "
			 "*ZZ*RECEIVERID     *210315*1430*{*%s*%s*0*P*:",
			 v->ver, ctl);

	assert_int_equal(n, EG_X12_ISA_LEN - 1);
}

/* One whole interchange in v's delimiters. */
static void
doc_interchange(doc *d, const variant *v, const char *ctl, int with_bin)
{
	char isa[128], iea[32];
	size_t i;

	isa_template(isa, sizeof(isa), v, ctl);
	doc_seg(d, v, isa);
	for (i = 0; i < NBODY; i++) {
		if (strcmp(body_856[i], "@BIN") == 0) {
			if (with_bin)
				doc_bin(d, v, bin_payload, BIN_LEN);
		} else if (strcmp(body_856[i], "@IEA") == 0) {
			snprintf(iea, sizeof(iea), "IEA*1*%s", ctl);
			doc_seg(d, v, iea);
		} else if (strncmp(body_856[i], "SE*", 3) == 0) {
			/* ST..SE is 15 segments without BIN, 16 with. */
			doc_seg(d, v, with_bin ? "SE*16*0001" : "SE*15*0001");
		} else {
			doc_seg(d, v, body_856[i]);
		}
	}
}

/* A file holding one interchange in v's delimiters, v's prefix first. */
static void
doc_single(doc *d, const variant *v, int with_bin)
{
	memset(d, 0, sizeof(*d));
	tb_adds(&d->in, v->prefix);
	doc_interchange(d, v, "000000001", with_bin);
}

/* --- reading ------------------------------------------------------------ */

/* Append what the reader returned for s, checking its invariants. */
static void
dump_seg(tbuf *dump, const eg_x12_segment *s, int with_pos)
{
	size_t i;
	const char *lo = s->data, *hi = s->data + s->len;

	assert_non_null(s->data);
	assert_non_null(s->elem);
	assert_non_null(s->delims);
	assert_true(strlen(s->id) >= 2 && strlen(s->id) <= 3);
	/* elem[0] is the tag, at the start of the segment data. */
	assert_true(eg_span_eq(s->elem[0], s->id));
	assert_ptr_equal(s->elem[0].p, s->data);
	for (i = 1; i <= s->nelem; i++) {
		/* Zero-copy and contiguous: each element follows the
		 * previous one and its one-byte separator. */
		assert_ptr_equal(s->elem[i].p,
				 s->elem[i - 1].p + s->elem[i - 1].len + 1);
		assert_true(s->elem[i].p >= lo &&
			    s->elem[i].p + s->elem[i].len <= hi);
		assert_int_equal((unsigned char)s->elem[i].p[-1],
				 s->delims->element);
		/* eg_x12_element returns the same span. */
		assert_ptr_equal(eg_x12_element(s, i).p, s->elem[i].p);
		assert_int_equal(eg_x12_element(s, i).len, s->elem[i].len);
	}
	assert_ptr_equal(s->elem[s->nelem].p + s->elem[s->nelem].len, hi);
	assert_int_equal(eg_x12_element(s, s->nelem + 1).len, 0);
	assert_int_equal(eg_x12_element(s, 0).len, 0);
	if (with_pos)
		tb_addf(dump, "@%llu #%llu t%u x%u ",
			(unsigned long long)s->offset,
			(unsigned long long)s->index, (unsigned)s->txn_pos,
			(unsigned)s->interchange);
	tb_adds(dump, s->id);
	for (i = 1; i <= s->nelem; i++) {
		tb_addc(dump, US);
		tb_add(dump, s->elem[i].p, s->elem[i].len);
	}
	tb_addc(dump, RS);
	tb_add(dump, s->data, s->len);
	tb_addc(dump, '\n');
}

typedef struct run {
	tbuf dump;
	size_t nseg;
	size_t nunwrapped;
	eg_error err;
	eg_err rc;
} run;

/*
 * Read n bytes of input with the given limits (NULL: defaults) into
 * run->dump.  Returns the first error, or EG_OK at a clean end.
 */
static eg_err
read_all(run *rn, const void *in, size_t n, const eg_x12_limits *lim,
	 int with_pos)
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	eg_error e;

	memset(rn, 0, sizeof(*rn));
	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, in, n, "test", &e), EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, lim, &e), EG_OK);
	for (;;) {
		s = NULL;
		rn->rc = eg_x12_reader_next(r, &s, &e);
		if (rn->rc != EG_OK) {
			/* A failure is reported once, with a message. */
			assert_int_equal(e.code, rn->rc);
			assert_true(e.msg[0] != '\0');
			break;
		}
		if (!s) {
			assert_int_equal(eg_x12_reader_offset(r), n);
			break;
		}
		rn->nseg++;
		/* Every segment consumes at least one byte. */
		assert_true(rn->nseg <= n);
		rn->nunwrapped += s->unwrapped != 0;
		dump_seg(&rn->dump, s, with_pos);
	}
	rn->err = e;
	eg_x12_reader_free(r);
	eg_source_free(src);
	return rn->rc;
}

/* Show where two dumps first differ, readably. */
static void
show_diff(const char *what, const tbuf *want, const tbuf *got)
{
	size_t i = 0, line = 0, start = 0, k;

	while (i < want->len && i < got->len && want->p[i] == got->p[i]) {
		if (want->p[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	print_error("%s: dumps differ at byte %zu (segment %zu)\n", what, i,
		    line + 1);
	for (k = 0; k < 2; k++) {
		const tbuf *b = k ? got : want;
		size_t j;

		print_error("  %s: ", k ? "got " : "want");
		for (j = start; j < b->len && j < start + 160; j++) {
			unsigned char c = (unsigned char)b->p[j];

			if (c == '\n' && j > start)
				break;
			if (c < 0x20 || c >= 0x7f)
				print_error("\\x%02X", c);
			else
				print_error("%c", c);
		}
		print_error("\n");
	}
}

static void
assert_dump(const char *what, const tbuf *want, const tbuf *got)
{
	if (want->len != got->len || memcmp(want->p, got->p, want->len)) {
		show_diff(what, want, got);
		fail_msg("%s: reader output differs from the expected", what);
	}
}

static eg_x12_limits
chunked(size_t chunk)
{
	eg_x12_limits l = eg_x12_limits_default();

	if (chunk)
		l.chunk = chunk;
	return l;
}

static const size_t chunk_sizes[] = {0, 1, 7, 64};
#define NCHUNKS (sizeof(chunk_sizes) / sizeof(chunk_sizes[0]))

/* Read d with every chunk size and compare with its expected dump. */
static void
check_doc(const char *name, const doc *d)
{
	size_t k;
	char what[160];

	for (k = 0; k < NCHUNKS; k++) {
		eg_x12_limits l = chunked(chunk_sizes[k]);
		run rn;

		snprintf(what, sizeof(what), "%s, chunk %zu", name,
			 chunk_sizes[k] ? chunk_sizes[k] : l.chunk);
		if (read_all(&rn, d->in.p, d->in.len, &l, 1) != EG_OK)
			fail_msg("%s: %s (%s)", what, rn.err.msg,
				 eg_err_str(rn.rc));
		assert_int_equal(rn.nseg, d->nseg);
		assert_dump(what, &d->exp, &rn.dump);
		tb_free(&rn.dump);
	}
}

/* --- delimiter variants ------------------------------------------------- */

static void
test_limits_default(void **state)
{
	eg_x12_limits l = eg_x12_limits_default();

	(void)state;
	assert_int_equal(l.max_segment, 64 * 1024);
	assert_int_equal(l.max_elements, 1024);
	assert_int_equal(l.chunk, 256 * 1024);
}

/* The delimiters the reader found in the first ISA of d. */
static void
check_delims(const variant *v, const doc *d)
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s = NULL;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, d->in.p, d->in.len, v->name,
					   &e),
			 EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, &e), EG_OK);
	if (eg_x12_reader_next(r, &s, &e) != EG_OK)
		fail_msg("%s: %s", v->name, e.msg);
	assert_non_null(s);
	assert_string_equal(s->id, "ISA");
	assert_int_equal(s->nelem, 16);
	assert_int_equal(s->delims->element, (unsigned char)v->el);
	assert_int_equal(s->delims->component, (unsigned char)v->comp);
	assert_int_equal(s->delims->repetition,
			 v->rep ? (unsigned char)v->isa11 : 0);
	/* A CR terminator followed by LF may be taken as CR or as CRLF. */
	if (!(strcmp(v->term, "\r") == 0 && v->after[0] == '\n')) {
		assert_int_equal(s->delims->segment_len, strlen(v->term));
		assert_memory_equal(s->delims->segment, v->term,
				    strlen(v->term));
	} else {
		assert_int_equal(s->delims->segment[0], '\r');
	}
	assert_true(eg_span_eq(s->elem[6], "SENDERID       "));
	assert_true(eg_span_eq(s->elem[12], v->ver));
	assert_int_equal(s->offset, strlen(v->prefix) + OFF_BASE);
	assert_int_equal(s->index, 1);
	assert_int_equal(s->interchange, 1);
	assert_int_equal(s->txn_pos, 0);
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
test_variants(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVARIANTS; i++) {
		doc d;

		doc_single(&d, &variants[i], 0);
		check_delims(&variants[i], &d);
		check_doc(variants[i].name, &d);
		doc_free(&d);
	}
}

static void
test_variants_with_bin(void **state)
{
	size_t i;
	char name[96];

	(void)state;
	for (i = 0; i < NVARIANTS; i++) {
		doc d;

		doc_single(&d, &variants[i], 1);
		snprintf(name, sizeof(name), "%s+BIN", variants[i].name);
		check_doc(name, &d);
		doc_free(&d);
	}
}

/* Find the first segment with this id in the input. */
static void
with_segment(const doc *d, const char *id,
	     void (*fn)(const eg_x12_segment *s, const void *arg),
	     const void *arg)
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s = NULL;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, d->in.p, d->in.len, "t", &e),
			 EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, &e), EG_OK);
	for (;;) {
		if (eg_x12_reader_next(r, &s, &e) != EG_OK)
			fail_msg("%s", e.msg);
		if (!s)
			fail_msg("no %s segment", id);
		if (strcmp(s->id, id) == 0)
			break;
	}
	fn(s, arg);
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
span_in(eg_span inner, eg_span outer)
{
	assert_true(inner.p >= outer.p &&
		    inner.p + inner.len <= outer.p + outer.len);
}

/* EB*1*IND*30^1:A:B^33 with '^' as repetition separator. */
static void
check_eb_rep(const eg_x12_segment *s, const void *arg)
{
	eg_span el = eg_x12_element(s, 3);
	eg_span r1, r2, r3;

	(void)arg;
	assert_true(eg_span_eq(el, "30^1:A:B^33"));
	assert_int_equal(s->delims->repetition, '^');
	assert_int_equal(eg_x12_repetition_count(s, 3), 3);
	r1 = eg_x12_repetition(s, 3, 1);
	r2 = eg_x12_repetition(s, 3, 2);
	r3 = eg_x12_repetition(s, 3, 3);
	assert_true(eg_span_eq(r1, "30"));
	assert_true(eg_span_eq(r2, "1:A:B"));
	assert_true(eg_span_eq(r3, "33"));
	/* Zero-copy: the spans point into the element. */
	assert_ptr_equal(r1.p, el.p);
	assert_ptr_equal(r2.p, el.p + 3);
	assert_ptr_equal(r3.p, el.p + 9);
	assert_int_equal(eg_x12_repetition(s, 3, 4).len, 0);
	assert_int_equal(eg_x12_repetition(s, 3, 0).len, 0);
	assert_int_equal(eg_x12_component_count(s, 3, 1), 1);
	assert_int_equal(eg_x12_component_count(s, 3, 2), 3);
	assert_true(eg_span_eq(eg_x12_component(s, 3, 1, 1), "30"));
	assert_true(eg_span_eq(eg_x12_component(s, 3, 2, 1), "1"));
	assert_true(eg_span_eq(eg_x12_component(s, 3, 2, 2), "A"));
	assert_true(eg_span_eq(eg_x12_component(s, 3, 2, 3), "B"));
	assert_ptr_equal(eg_x12_component(s, 3, 2, 3).p, el.p + 7);
	span_in(eg_x12_component(s, 3, 2, 2), r2);
	assert_int_equal(eg_x12_component(s, 3, 2, 4).len, 0);
	assert_int_equal(eg_x12_component(s, 3, 4, 1).len, 0);
	/* Elements without separators: one repetition, one component. */
	assert_int_equal(eg_x12_repetition_count(s, 1), 1);
	assert_true(eg_span_eq(eg_x12_repetition(s, 1, 1), "1"));
	assert_int_equal(eg_x12_component_count(s, 2, 1), 1);
	assert_true(eg_span_eq(eg_x12_component(s, 2, 1, 1), "IND"));
	/* Out of range element: empty. */
	assert_int_equal(eg_x12_repetition(s, 9, 1).len, 0);
	assert_int_equal(eg_x12_component(s, 9, 1, 1).len, 0);
}

/* The same bytes where ISA11 is not a repetition separator. */
static void
check_eb_norep(const eg_x12_segment *s, const void *arg)
{
	const char *want = arg;
	eg_span el = eg_x12_element(s, 3);

	assert_true(eg_span_eq(el, want));
	assert_int_equal(s->delims->repetition, 0);
	assert_int_equal(eg_x12_repetition_count(s, 3), 1);
	assert_true(eg_span_eq(eg_x12_repetition(s, 3, 1), want));
	assert_ptr_equal(eg_x12_repetition(s, 3, 1).p, el.p);
	assert_int_equal(eg_x12_repetition(s, 3, 2).len, 0);
}

static void
check_hi_comp(const eg_x12_segment *s, const void *arg)
{
	eg_span el = eg_x12_element(s, 2);

	(void)arg;
	assert_int_equal(eg_x12_repetition_count(s, 1), 1);
	assert_int_equal(eg_x12_component_count(s, 1, 1), 2);
	assert_true(eg_span_eq(eg_x12_component(s, 1, 1, 1), "ABK"));
	assert_true(eg_span_eq(eg_x12_component(s, 1, 1, 2), "J459"));
	assert_true(eg_span_eq(eg_x12_component(s, 2, 1, 2), "R05"));
	assert_ptr_equal(eg_x12_component(s, 2, 1, 2).p, el.p + 4);
	assert_int_equal(eg_x12_component(s, 2, 1, 3).len, 0);
	assert_int_equal(eg_x12_component(s, 2, 1, 0).len, 0);
}

static const variant *
variant_named(const char *name)
{
	size_t i;

	for (i = 0; i < NVARIANTS; i++)
		if (strcmp(variants[i].name, name) == 0)
			return &variants[i];
	fail_msg("no variant %s", name);
	return NULL;
}

static void
test_repetition_5010(void **state)
{
	doc d;

	(void)state;
	doc_single(&d, variant_named("5010-caret-rep"), 0);
	with_segment(&d, "EB", check_eb_rep, NULL);
	with_segment(&d, "HI", check_hi_comp, NULL);
	doc_free(&d);
	doc_single(&d, variant_named("4020-caret-rep"), 0);
	with_segment(&d, "EB", check_eb_rep, NULL);
	doc_free(&d);
}

static void
test_repetition_not_used(void **state)
{
	doc d;

	(void)state;
	/* 00401 with ISA11 'U': no repetition separator. */
	doc_single(&d, variant_named("star-gt-tilde"), 0);
	with_segment(&d, "EB", check_eb_norep, "30U1>A>BU33");
	doc_free(&d);
	/* 00401 with '^' in ISA11: still none before 00402. */
	doc_single(&d, variant_named("4010-caret-isa11"), 0);
	with_segment(&d, "EB", check_eb_norep, "30^1:A:B^33");
	doc_free(&d);
	/* 00501 with an alphanumeric ISA11: none. */
	doc_single(&d, variant_named("5010-alnum-isa11"), 0);
	with_segment(&d, "EB", check_eb_norep, "30U1:A:BU33");
	doc_free(&d);
	doc_single(&d, variant_named("5010-digit-isa11"), 0);
	with_segment(&d, "EB", check_eb_norep, "3001:A:B033");
	doc_free(&d);
}

static void
check_comp_norep(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	/* "30^1:A:B^33": '^' is data, ':' still splits components. */
	assert_int_equal(eg_x12_component_count(s, 3, 1), 3);
	assert_true(eg_span_eq(eg_x12_component(s, 3, 1, 1), "30^1"));
	assert_true(eg_span_eq(eg_x12_component(s, 3, 1, 3), "B^33"));
}

static void
test_components_without_repetition(void **state)
{
	doc d;

	(void)state;
	doc_single(&d, variant_named("4010-caret-isa11"), 0);
	with_segment(&d, "EB", check_comp_norep, NULL);
	doc_free(&d);
}

/* --- several interchanges, offsets -------------------------------------- */

static void
test_two_interchanges(void **state)
{
	doc d;

	(void)state;
	memset(&d, 0, sizeof(d));
	doc_interchange(&d, variant_named("star-gt-tilde"), "000000001", 0);
	tb_adds(&d.in, "\r\n");
	doc_interchange(&d, variant_named("pipe-caret-bang"), "000000002",
			1);
	check_doc("two interchanges", &d);
	doc_free(&d);
}

static void
test_three_interchanges(void **state)
{
	doc d;

	(void)state;
	memset(&d, 0, sizeof(d));
	tb_adds(&d.in, "\xef\xbb\xbf");
	doc_interchange(&d, variant_named("tilde-crlf"), "000000011", 1);
	doc_interchange(&d, variant_named("5010-caret-rep"), "000000012", 0);
	doc_interchange(&d, variant_named("ellipsis-terminator"), "000000013",
			1);
	check_doc("three interchanges", &d);
	doc_free(&d);

	memset(&d, 0, sizeof(d));
	doc_interchange(&d, variant_named("gs-gt-fs"), "000000021", 0);
	doc_interchange(&d, variant_named("lf-terminator"), "000000022", 1);
	doc_interchange(&d, variant_named("crlf-terminator"), "000000023", 0);
	check_doc("three interchanges (FS, LF, CRLF)", &d);
	doc_free(&d);
}

static void
test_offsets(void **state)
{
	static const char *const segs[] = {
		"GS*SH*A*B*20210315*1430*1*X*004010~\n",
		"  ST*856*0001~",
		"BSN*00*1*20210315*1430~\r\n",
		"SE*3*0001~",
		"GE*1*1~",
		"IEA*1*000000101~\n",
	};
	static const uint32_t txn[] = {0, 0, 1, 2, 3, 0, 0};
	uint64_t off[7];
	tbuf in = {0};
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	eg_error e;
	size_t i;

	(void)state;
	tb_adds(&in, "\xef\xbb\xbf");
	off[0] = in.len;
	tb_isa(&in, '*', NULL, "~");
	tb_adds(&in, "\n");
	for (i = 0; i < 6; i++) {
		off[i + 1] = in.len + strspn(segs[i], " ");
		tb_adds(&in, segs[i]);
	}
	assert_int_equal(off[0], 3);
	assert_int_equal(off[1], 3 + 106 + 1);

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, in.p, in.len, "t", &e), EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, &e), EG_OK);
	for (i = 0; i < 7; i++) {
		s = NULL;
		if (eg_x12_reader_next(r, &s, &e) != EG_OK)
			fail_msg("%s", e.msg);
		assert_non_null(s);
		assert_int_equal(s->offset, off[i] + OFF_BASE);
		assert_int_equal(s->index, i + 1);
		assert_int_equal(s->txn_pos, txn[i]);
		assert_int_equal(s->interchange, 1);
		assert_int_equal(s->unwrapped, 0);
		if (i == 2) {
			eg_pos pos;

			memset(&pos, 0xff, sizeof(pos));
			eg_x12_segment_pos(s, &pos);
			assert_int_equal(pos.offset, off[2] + OFF_BASE);
			assert_int_equal(pos.segment, 3);
			assert_int_equal(pos.txn_pos, 1);
			assert_string_equal(pos.seg_id, "ST");
			assert_int_equal(pos.element, 0);
			assert_int_equal(pos.component, 0);
		}
	}
	assert_string_equal(s->id, "IEA");
	assert_int_equal(eg_x12_reader_next(r, &s, &e), EG_OK);
	assert_null(s);
	assert_int_equal(eg_x12_reader_offset(r), in.len);
	eg_x12_reader_free(r);
	eg_source_free(src);
	tb_free(&in);
}

/* --- hard-wrapped files ------------------------------------------------- */

/* Insert CRLF after every w bytes of in. */
static void
wrap(tbuf *out, const tbuf *in, size_t w)
{
	size_t i;

	for (i = 0; i < in->len; i += w) {
		size_t n = in->len - i < w ? in->len - i : w;

		tb_add(out, in->p + i, n);
		tb_adds(out, "\r\n");
	}
}

static void
test_wrapped(void **state)
{
	/* Widths that never split the ISA between ISA16 and the terminator
	 * (byte 105), which no reader could tell from a CR terminator. */
	static const size_t widths[] = {80, 64, 33};
	doc d;
	size_t k, w;

	(void)state;
	doc_single(&d, variant_named("star-gt-tilde"), 0);
	for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		tbuf wr = {0};
		char what[64];

		assert_true((EG_X12_ISA_LEN - 1) % widths[w] != 0);
		wrap(&wr, &d.in, widths[w]);
		for (k = 0; k < NCHUNKS; k++) {
			eg_x12_limits l = chunked(chunk_sizes[k]);
			run rn;

			snprintf(what, sizeof(what),
				 "wrapped at %zu, chunk %zu", widths[w],
				 chunk_sizes[k]);
			if (read_all(&rn, wr.p, wr.len, &l, 0) != EG_OK)
				fail_msg("%s: %s", what, rn.err.msg);
			assert_int_equal(rn.nseg, d.nseg);
			assert_dump(what, &d.exp_np, &rn.dump);
			assert_true(rn.nunwrapped > 0);
			tb_free(&rn.dump);
		}
		tb_free(&wr);
	}
	doc_free(&d);
}

static void
test_unwrapped_flag_clear(void **state)
{
	run rn;
	doc d;

	(void)state;
	doc_single(&d, variant_named("tilde-crlf"), 1);
	assert_int_equal(read_all(&rn, d.in.p, d.in.len, NULL, 1), EG_OK);
	assert_int_equal(rn.nunwrapped, 0);
	tb_free(&rn.dump);
	doc_free(&d);
}

/* --- BIN ---------------------------------------------------------------- */

static void
check_bin(const eg_x12_segment *s, const void *arg)
{
	char len[32];

	(void)arg;
	snprintf(len, sizeof(len), "%zu", BIN_LEN);
	assert_int_equal(s->nelem, 2);
	assert_true(eg_span_eq(s->elem[1], len));
	assert_int_equal(s->elem[2].len, BIN_LEN);
	assert_memory_equal(s->elem[2].p, bin_payload, BIN_LEN);
	assert_int_equal(s->unwrapped, 0);
}

static void
test_bin(void **state)
{
	doc d;

	(void)state;
	doc_single(&d, variant_named("star-gt-tilde"), 1);
	with_segment(&d, "BIN", check_bin, NULL);
	doc_free(&d);
	doc_single(&d, variant_named("crlf-terminator"), 1);
	with_segment(&d, "BIN", check_bin, NULL);
	doc_free(&d);
	doc_single(&d, variant_named("ellipsis-crlf"), 1);
	with_segment(&d, "BIN", check_bin, NULL);
	doc_free(&d);
}

static void
test_bin_empty_payload(void **state)
{
	doc d;
	const variant *v = variant_named("tilde-lf");

	(void)state;
	memset(&d, 0, sizeof(d));
	doc_seg(&d, v,
		"ISA*00*          *00*          *ZZ*SENDERID       "
		"*ZZ*RECEIVERID     *210315*1430*U*00401*000000001*0*P*>");
	doc_seg(&d, v, "GS*SH*A*B*20210315*1430*1*X*004010");
	doc_seg(&d, v, "ST*841*0001");
	doc_bin(&d, v, "", 0);
	doc_bin(&d, v, "~", 1);
	doc_seg(&d, v, "SE*4*0001");
	doc_seg(&d, v, "GE*1*1");
	doc_seg(&d, v, "IEA*1*000000001");
	check_doc("BIN with 0 and 1 byte payloads", &d);
	doc_free(&d);
}

/* --- errors ------------------------------------------------------------- */

/*
 * Read in with every chunk size and expect the same failure each time:
 * code (or any failure when code is EG_OK), the position offset (unless
 * off is UINT64_MAX; within off..off_alt when off_alt is not UINT64_MAX)
 * and a message containing want (when not NULL).
 */
static void
expect_fail2(const char *what, const void *in, size_t n,
	     const eg_x12_limits *base, eg_err code, uint64_t off,
	     uint64_t off_alt, const char *want)
{
	size_t k;

	for (k = 0; k < NCHUNKS; k++) {
		eg_x12_limits l = base ? *base : eg_x12_limits_default();
		run rn;

		if (chunk_sizes[k])
			l.chunk = chunk_sizes[k];
		if (read_all(&rn, in, n, &l, 1) == EG_OK)
			fail_msg("%s (chunk %zu): read without error", what,
				 chunk_sizes[k]);
		if (code != EG_OK && rn.rc != code)
			fail_msg("%s (chunk %zu): got %s (%s), want %s", what,
				 chunk_sizes[k], eg_err_str(rn.rc), rn.err.msg,
				 eg_err_str(code));
		if (off != UINT64_MAX) {
			if (!rn.err.has_pos ||
			    (off_alt == UINT64_MAX &&
			     rn.err.pos.offset != off + OFF_BASE) ||
			    (off_alt != UINT64_MAX &&
			     (rn.err.pos.offset < off + OFF_BASE ||
			      rn.err.pos.offset > off_alt + OFF_BASE)))
				fail_msg("%s (chunk %zu): error at offset "
					 "%llu (has_pos %d), want %llu: %s",
					 what, chunk_sizes[k],
					 (unsigned long long)rn.err.pos.offset,
					 rn.err.has_pos,
					 (unsigned long long)(off + OFF_BASE),
					 rn.err.msg);
		}
		if (want && !strstr(rn.err.msg, want))
			fail_msg("%s: message \"%s\" does not mention %s", what,
				 rn.err.msg, want);
		tb_free(&rn.dump);
	}
}

static void
expect_fail(const char *what, const void *in, size_t n,
	    const eg_x12_limits *base, eg_err code, uint64_t off,
	    const char *want)
{
	expect_fail2(what, in, n, base, code, off, UINT64_MAX, want);
}

/* A valid 004010 interchange, '*' '>' '~' with LF after terminators. */
static void
valid_doc(doc *d)
{
	doc_single(d, variant_named("tilde-lf"), 0);
}

/* Offset of the first occurrence of lit in d's input. */
static size_t
find(const tbuf *b, const char *lit)
{
	size_t n = strlen(lit), i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, lit, n) == 0)
			return i;
	fail_msg("'%s' not in input", lit);
	return 0;
}

static void
test_err_empty(void **state)
{
	run rn;

	(void)state;
	assert_int_equal(read_all(&rn, "", 0, NULL, 1), EG_ESYNTAX);
	assert_non_null(strstr(rn.err.msg, "empty"));
	tb_free(&rn.dump);
}

/* A few ISA-like bytes of code page 037. */
static unsigned char
to_cp037(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned char)(0xF0 + (c - '0'));
	if (c >= 'A' && c <= 'I')
		return (unsigned char)(0xC1 + (c - 'A'));
	if (c >= 'J' && c <= 'R')
		return (unsigned char)(0xD1 + (c - 'J'));
	if (c >= 'S' && c <= 'Z')
		return (unsigned char)(0xE2 + (c - 'S'));
	switch (c) {
	case ' ':
		return 0x40;
	case '*':
		return 0x5C;
	case '>':
		return 0x6E;
	case ':':
		return 0x7A;
	case '~':
		return 0xA1;
	case '\n':
		return 0x25;
	default:
		return 0x6F; /* '?' */
	}
}

static void
test_err_ebcdic(void **state)
{
	doc d;
	tbuf eb = {0};
	size_t i;

	(void)state;
	valid_doc(&d);
	for (i = 0; i < d.in.len; i++) {
		unsigned char c = to_cp037(d.in.p[i]);

		tb_add(&eb, &c, 1);
	}
	assert_memory_equal(eb.p, "\xC9\xE2\xC1\x5C", 4);
	expect_fail("EBCDIC", eb.p, eb.len, NULL, EG_EENCODING, 0, "EBCDIC");
	tb_free(&eb);
	doc_free(&d);
}

static void
test_err_utf16(void **state)
{
	doc d;
	tbuf le = {0}, be = {0}, nobom = {0};
	size_t i;

	(void)state;
	valid_doc(&d);
	tb_add(&le, "\xff\xfe", 2);
	tb_add(&be, "\xfe\xff", 2);
	for (i = 0; i < d.in.len; i++) {
		tb_addc(&le, d.in.p[i]);
		tb_addc(&le, '\0');
		tb_addc(&be, '\0');
		tb_addc(&be, d.in.p[i]);
		tb_addc(&nobom, d.in.p[i]);
		tb_addc(&nobom, '\0');
	}
	expect_fail("UTF-16LE", le.p, le.len, NULL, EG_EENCODING, 0, NULL);
	expect_fail("UTF-16BE", be.p, be.len, NULL, EG_EENCODING, 0, NULL);
	/* Without a BOM: refused one way or another, never read. */
	expect_fail("UTF-16LE without BOM", nobom.p, nobom.len, NULL, EG_OK,
		    UINT64_MAX, NULL);
	tb_free(&le);
	tb_free(&be);
	tb_free(&nobom);
	doc_free(&d);
}

static void
test_err_nul(void **state)
{
	doc d;
	size_t at;

	(void)state;
	/* NUL inside a data segment. */
	valid_doc(&d);
	at = find(&d.in, "SHIP0001") + 4;
	d.in.p[at] = '\0';
	expect_fail("NUL in BSN", d.in.p, d.in.len, NULL, EG_ESYNTAX, at,
		    NULL);
	doc_free(&d);
	/* NUL inside the ISA's sender id padding. */
	valid_doc(&d);
	at = find(&d.in, "SENDERID ") + 9;
	d.in.p[at] = '\0';
	expect_fail("NUL in ISA", d.in.p, d.in.len, NULL, EG_ESYNTAX, at,
		    NULL);
	doc_free(&d);
	/* NUL where a segment tag should start. */
	valid_doc(&d);
	at = find(&d.in, "\nHL*2") + 1;
	d.in.p[at] = '\0';
	expect_fail("NUL at tag", d.in.p, d.in.len, NULL, EG_ESYNTAX, at,
		    NULL);
	doc_free(&d);
	/* NUL right after a terminator, among the whitespace. */
	valid_doc(&d);
	at = find(&d.in, "\nPRF");
	d.in.p[at] = '\0';
	expect_fail("NUL after terminator", d.in.p, d.in.len, NULL,
		    EG_ESYNTAX, at, NULL);
	doc_free(&d);
}

static void
test_err_control_bytes(void **state)
{
	static const char junk[] = {'\x01', '\x02', '\x07', '\x08', '\x0b',
				    '\x0c', '\x1b', '\x7f'};
	doc d;
	size_t at, k;
	char what[64];

	(void)state;
	for (k = 0; k < sizeof(junk); k++) {
		valid_doc(&d);
		at = find(&d.in, "PO12345") + 2;
		d.in.p[at] = junk[k];
		snprintf(what, sizeof(what), "control byte 0x%02X",
			 (unsigned)(unsigned char)junk[k]);
		expect_fail(what, d.in.p, d.in.len, NULL, EG_OK, at, NULL);
		doc_free(&d);
		/* The same byte inside the ISA (ISA02 padding). */
		valid_doc(&d);
		at = 10;
		assert_int_equal(d.in.p[at], ' ');
		d.in.p[at] = junk[k];
		snprintf(what, sizeof(what), "control byte 0x%02X in ISA02",
			 (unsigned)(unsigned char)junk[k]);
		expect_fail(what, d.in.p, d.in.len, NULL, EG_OK, at, NULL);
		doc_free(&d);
	}
}

static void
test_err_binary_junk(void **state)
{
	doc d;
	tbuf in = {0};
	size_t at;
	uint32_t seed = 12345;
	int i;

	(void)state;
	/* A valid start, then binary garbage in the middle of the set. */
	valid_doc(&d);
	at = find(&d.in, "HL*2");
	tb_add(&in, d.in.p, at);
	for (i = 0; i < 200; i++) {
		unsigned char c = (unsigned char)(tl_rand(&seed) & 0xff);

		if (i == 3)
			c = 0x01; /* make sure a control byte comes early */
		tb_add(&in, &c, 1);
	}
	expect_fail("binary junk", in.p, in.len, NULL, EG_OK, UINT64_MAX,
		    NULL);
	tb_free(&in);
	doc_free(&d);
}

static void
test_err_truncated_segment(void **state)
{
	doc d;
	size_t at;

	(void)state;
	valid_doc(&d);
	/* Cut in the middle of SE: no terminator at end of input. */
	at = find(&d.in, "SE*15");
	expect_fail("cut inside SE", d.in.p, at + 4, NULL, EG_OK, at, NULL);
	/* Cut right after the tag of IEA. */
	at = find(&d.in, "IEA*");
	expect_fail("cut after IEA tag", d.in.p, at + 3, NULL, EG_OK, at,
		    NULL);
	/* The last terminator missing. */
	expect_fail("no final terminator", d.in.p, d.in.len - 2, NULL, EG_OK,
		    at, NULL);
	doc_free(&d);
}

static void
test_truncated_after_terminator_is_clean(void **state)
{
	doc d;
	run rn;
	size_t at;

	(void)state;
	/* Ending right after a terminator is a clean end for the reader
	 * (the missing GE/IEA are the envelope checker's business). */
	valid_doc(&d);
	at = find(&d.in, "GE*1");
	assert_int_equal(read_all(&rn, d.in.p, at, NULL, 1), EG_OK);
	assert_int_equal(rn.nseg, d.nseg - 2);
	tb_free(&rn.dump);
	doc_free(&d);
}

static void
test_err_short_isa(void **state)
{
	doc d;

	(void)state;
	valid_doc(&d);
	expect_fail("ISA cut at 50", d.in.p, 50, NULL, EG_OK, 0, NULL);
	expect_fail("ISA cut at 105", d.in.p, 105, NULL, EG_OK, 0, NULL);
	expect_fail("ISA cut at 3", d.in.p, 3, NULL, EG_OK, 0, NULL);
	doc_free(&d);
}

static void
test_err_isa_width(void **state)
{
	const char *f[16] = {NULL};
	tbuf in = {0};

	(void)state;
	f[5] = "SENDERID    "; /* 12 characters instead of 15 */
	assert_false(tl_isa_ok(f));
	tb_isa(&in, '*', f, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\n"
		     "ST*856*0001~\nSE*2*0001~\nGE*1*1~\nIEA*1*000000101~\n");
	expect_fail("ISA06 of 12 characters", in.p, in.len, NULL, EG_OK, 0,
		    "ISA06");
	tb_free(&in);
	/* ISA13 one digit too long. */
	memset(f, 0, sizeof(f));
	f[12] = "0000001010";
	tb_isa(&in, '*', f, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\n"
		     "ST*856*0001~\nSE*2*0001~\nGE*1*1~\nIEA*1*000000101~\n");
	expect_fail("ISA13 of 10 characters", in.p, in.len, NULL, EG_OK, 0,
		    NULL);
	tb_free(&in);
}

static void
test_err_wrapped_isa_offset(void **state)
{
	const char *f[16] = {NULL};
	tbuf isa = {0}, in = {0};
	size_t k;

	(void)state;
	/* ISA16 'A' is not a valid component separator; the ISA is
	 * hard-wrapped at 80 bytes, so the bad byte sits at file offset
	 * 106, not 104.  The error must point at the byte or at the ISA,
	 * never at a byte that is not the culprit. */
	f[15] = "A";
	tb_isa(&isa, '*', f, "~");
	tb_add(&in, isa.p, 80);
	tb_adds(&in, "\r\n");
	tb_add(&in, isa.p + 80, isa.len - 80);
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~ST*856*0001~"
		     "SE*2*0001~GE*1*1~IEA*1*000000101~");
	assert_int_equal(in.p[106], 'A');
	for (k = 0; k < NCHUNKS; k++) {
		eg_x12_limits l = chunked(chunk_sizes[k]);
		run rn;

		assert_int_not_equal(read_all(&rn, in.p, in.len, &l, 1),
				     EG_OK);
		if (!rn.err.has_pos || (rn.err.pos.offset != 106 + OFF_BASE &&
					rn.err.pos.offset != 0 + OFF_BASE))
			fail_msg("chunk %zu: error at offset %llu, want 106 "
				 "(the ISA16 byte) or 0 (the ISA): %s",
				 chunk_sizes[k],
				 (unsigned long long)rn.err.pos.offset,
				 rn.err.msg);
		tb_free(&rn.dump);
	}
	tb_free(&isa);
	tb_free(&in);
}

static void
test_err_not_x12(void **state)
{
	static const char unb[] = "UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+"
				  "210315:1430+1'UNZ+0+1'";
	static const char gs[] = "GS*SH*A*B*20210315*1430*1*X*004010~";

	(void)state;
	expect_fail("EDIFACT", unb, sizeof(unb) - 1, NULL, EG_OK, 0, NULL);
	expect_fail("no ISA", gs, sizeof(gs) - 1, NULL, EG_OK, 0, NULL);
}

static void
test_err_segment_too_long(void **state)
{
	eg_x12_limits l = eg_x12_limits_default();
	tbuf in = {0};
	run rn;
	size_t at, i;

	(void)state;
	l.max_segment = 300;
	tb_isa(&in, '*', NULL, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\nST*856*0001~\n");
	/* Exactly max_segment bytes (terminator excluded) is fine. */
	tb_adds(&in, "REF*ZZ*");
	for (i = 7; i < 300; i++)
		tb_addc(&in, 'a');
	tb_adds(&in, "~\n");
	at = in.len;
	tb_adds(&in, "REF*ZZ*");
	for (i = 7; i < 301; i++)
		tb_addc(&in, 'b');
	tb_adds(&in, "~\nSE*4*0001~\nGE*1*1~\nIEA*1*000000101~\n");
	expect_fail("segment of max_segment + 1", in.p, in.len, &l, EG_ELIMIT,
		    at, NULL);
	/* Same with no terminator anywhere: the limit stops the read. */
	in.len = at + 5000;
	tb_reserve(&in, 0);
	memset(in.p + at + 7, 'c', 5000 - 7);
	in.p[in.len] = '\0';
	expect_fail("unterminated long segment", in.p, in.len, &l, EG_ELIMIT,
		    at, NULL);
	/* What comes before the long segment reads fine. */
	in.len = at;
	assert_int_equal(read_all(&rn, in.p, in.len, &l, 1), EG_OK);
	assert_int_equal(rn.nseg, 4);
	tb_free(&rn.dump);
	tb_free(&in);
}

static void
test_err_too_many_elements(void **state)
{
	eg_x12_limits l = eg_x12_limits_default();
	tbuf in = {0};
	size_t at;
	int i;

	(void)state;
	l.max_elements = 20;
	tb_isa(&in, '*', NULL, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\nST*856*0001~\n");
	tb_adds(&in, "REF"); /* 20 elements: fine */
	for (i = 0; i < 20; i++)
		tb_adds(&in, "*E");
	tb_adds(&in, "~\n");
	at = in.len;
	tb_adds(&in, "REF"); /* 21 elements, all empty */
	for (i = 0; i < 21; i++)
		tb_adds(&in, "*");
	tb_adds(&in, "~\nSE*4*0001~\nGE*1*1~\nIEA*1*000000101~\n");
	expect_fail("21 elements", in.p, in.len, &l, EG_ELIMIT, at, NULL);
	tb_free(&in);
}

static void
test_err_junk_between_interchanges(void **state)
{
	doc d;
	tbuf in = {0};
	size_t at;

	(void)state;
	valid_doc(&d);
	tb_add(&in, d.in.p, d.in.len);
	at = in.len + 2;
	tb_adds(&in, "\r\nHELLO WORLD\r\n");
	tb_add(&in, d.in.p, d.in.len);
	expect_fail("junk between IEA and ISA", in.p, in.len, NULL, EG_OK, at,
		    NULL);
	/* Junk after the last interchange. */
	in.len = 0;
	tb_add(&in, d.in.p, d.in.len);
	at = in.len;
	tb_adds(&in, "x");
	expect_fail("junk after IEA", in.p, in.len, NULL, EG_OK, at, NULL);
	tb_free(&in);
	doc_free(&d);
}

static void
test_err_bin_length(void **state)
{
	static const char *const bad[] = {"11a", "", "-1", "99999999999999"};
	tbuf in = {0};
	size_t at, k;
	char what[64];

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		in.len = 0;
		tb_isa(&in, '*', NULL, "~\n");
		tb_adds(&in,
			"GS*SH*A*B*20210315*1430*1*X*004010~\nST*841*0001~\n");
		at = in.len;
		tb_addf(&in, "BIN*%s*abcdefghijk~\n", bad[k]);
		tb_adds(&in, "SE*3*0001~\nGE*1*1~\nIEA*1*000000101~\n");
		snprintf(what, sizeof(what), "BIN length '%s'", bad[k]);
		/* The position is in the BIN segment: its tag, its BIN01
		 * or the byte where the reader gave up. */
		expect_fail2(what, in.p, in.len, NULL, EG_OK, at,
			     at + 5 + strlen(bad[k]) + 11, NULL);
	}
	/* A length running past the end of input. */
	in.len = 0;
	tb_isa(&in, '*', NULL, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\nST*841*0001~\n");
	at = in.len;
	tb_adds(&in, "BIN*500*abc~\nSE*3*0001~\n");
	expect_fail2("BIN past end", in.p, in.len, NULL, EG_OK, at, in.len,
		     NULL);
	/* The byte after the payload is not the terminator. */
	in.len = 0;
	tb_isa(&in, '*', NULL, "~\n");
	tb_adds(&in, "GS*SH*A*B*20210315*1430*1*X*004010~\nST*841*0001~\n");
	at = in.len;
	tb_adds(&in, "BIN*2*abc~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000101~\n");
	expect_fail2("BIN payload longer than its length", in.p, in.len,
		     NULL, EG_OK, at, at + 10, NULL);
	tb_free(&in);
}

/* --- robustness --------------------------------------------------------- */

/* Read to the end or the first error; only termination is checked. */
static void
must_terminate(const char *what, const void *in, size_t n, size_t chunk,
	       size_t *nul_seen)
{
	eg_x12_limits l = chunked(chunk);
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	eg_error e;
	size_t count = 0;
	eg_err rc;

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, in, n, "fuzz", &e), EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, &l, &e), EG_OK);
	for (;;) {
		s = NULL;
		rc = eg_x12_reader_next(r, &s, &e);
		if (rc != EG_OK) {
			assert_int_equal(e.code, rc);
			assert_true(e.msg[0] != '\0');
			break;
		}
		if (!s)
			break;
		assert_true(++count <= n);
		assert_true(s->len <= l.max_segment);
		assert_true(s->nelem <= l.max_elements);
		/* Touch every byte so ASan sees bad spans; NUL is only
		 * allowed in a BIN payload. */
		for (size_t i = 0; i <= s->nelem; i++)
			for (size_t j = 0; j < s->elem[i].len; j++)
				if (s->elem[i].p[j] == 0 &&
				    strcmp(s->id, "BIN") != 0 &&
				    (*nul_seen)++ == 0)
					print_error("%s: NUL accepted in %s "
						    "segment at offset %llu, "
						    "element %zu\n",
						    what, s->id,
						    (unsigned long long)
							    s->offset,
						    i);
	}
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
test_random_garbage(void **state)
{
	static const char alpha[] = "ISAGE*~:>^|!'\r\n 0123456789U\x1d\x1c"
				    "\xe2\x80\xa6\xef\xbb\xbf";
	static const size_t chunks[] = {0, 1, 7, 64};
	uint32_t seed = 0xC0FFEE;
	doc d, d2;
	tbuf in = {0};
	char what[64];
	size_t nul_seen = 0;
	int round;

	(void)state;
	doc_single(&d, variant_named("tilde-crlf"), 1);
	doc_single(&d2, variant_named("ellipsis-crlf"), 0);
	for (round = 0; round < 4000; round++) {
		size_t n, i, k;
		uint32_t kind = tl_rand(&seed) % 4;

		in.len = 0;
		if (kind == 0) {
			/* Random bytes from an X12-ish alphabet. */
			n = tl_rand(&seed) % 400;
			for (i = 0; i < n; i++)
				tb_addc(&in, alpha[tl_rand(&seed) %
						   (sizeof(alpha) - 1)]);
		} else if (kind == 1) {
			/* A valid ISA, then random bytes. */
			tb_add(&in, d.in.p, 108);
			n = tl_rand(&seed) % 400;
			for (i = 0; i < n; i++)
				tb_addc(&in, (char)(tl_rand(&seed) & 0xff));
		} else {
			/* Mutations of a valid interchange. */
			const doc *src = kind == 2 ? &d : &d2;
			size_t muts = 1 + tl_rand(&seed) % 4;

			tb_add(&in, src->in.p, src->in.len);
			for (k = 0; k < muts && in.len > 0; k++) {
				size_t at = tl_rand(&seed) % in.len;
				uint32_t m = tl_rand(&seed) % 5;

				if (m == 0) {
					in.p[at] = (char)(tl_rand(&seed));
				} else if (m == 1) {
					in.p[at] = alpha[tl_rand(&seed) %
							 (sizeof(alpha) - 1)];
				} else if (m == 2) {
					memmove(in.p + at, in.p + at + 1,
						in.len - at - 1);
					in.len--;
				} else if (m == 3) {
					in.len = at;
				} else {
					tb_reserve(&in, 1);
					memmove(in.p + at + 1, in.p + at,
						in.len - at);
					in.p[at] = alpha[tl_rand(&seed) %
							 (sizeof(alpha) - 1)];
					in.len++;
				}
			}
		}
		snprintf(what, sizeof(what), "round %d (kind %u)", round,
			 (unsigned)kind);
		must_terminate(what, in.p, in.len,
			       chunks[tl_rand(&seed) %
				      (sizeof(chunks) / sizeof(chunks[0]))],
			       &nul_seen);
	}
	tb_free(&in);
	doc_free(&d);
	doc_free(&d2);
	/* Checked last so that a contract slip does not hide a crash. */
	if (nul_seen)
		fail_msg("%zu NUL byte(s) accepted outside BIN segments",
			 nul_seen);
}

/* --- memory bound ------------------------------------------------------- */

static void
test_large_input_bounded(void **state)
{
	const size_t target = 50u * 1024 * 1024;
	eg_x12_limits l = eg_x12_limits_default();
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	eg_error e;
	char *in;
	size_t len = 0, cap = target + 4096, nsets = 0, nseg = 0, want = 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	int w;

	(void)state;
	in = malloc(cap);
	assert_non_null(in);
	w = snprintf(in, cap, "%s",
		     "ISA*00*          *00*          *ZZ*SENDERID       "
		     "*ZZ*RECEIVERID     *210315*1430*U*00401*000000001"
		     "*0*P*>~\n"
		     "GS*SH*SENDERID*RECEIVERID*20210315*1430*1*X*004010~\n");
	assert_true(w > 107);
	len = (size_t)w;
	want = 2;
	while (len < target) {
		w = snprintf(in + len, cap - len,
			     "ST*856*%09zu~\n"
			     "BSN*00*SHIP%09zu*20210315*1430~\n"
			     "HL*1**S~\nTD1*CTN25*2****G*12.5*LB~\n"
			     "REF*BM*BOL%09zu~\n"
			     "N1*ST*DISTRIBUTION CENTER 042*92*0042~\n"
			     "HL*2*1*O~\nPRF*PO%09zu~\nHL*3*2*I~\n"
			     "LIN**UP*012345678905*VN*ITEM-0042~\n"
			     "SN1**10*EA~\nMAN*GM*00012345678%09zu~\n"
			     "CTT*1~\nSE*14*%09zu~\n",
			     nsets + 1, nsets, nsets, nsets, nsets, nsets + 1);
		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
		nsets++;
		want += 14;
	}
	w = snprintf(in + len, cap - len, "GE*%zu*1~\nIEA*1*000000001~\n",
		     nsets);
	assert_true(w > 0 && (size_t)w < cap - len);
	len += (size_t)w;
	want += 2;

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, in, len, "big", &e), EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, &l, &e), EG_OK);
	for (;;) {
		s = NULL;
		if (eg_x12_reader_next(r, &s, &e) != EG_OK)
			fail_msg("segment %zu: %s", nseg + 1, e.msg);
		if (!s)
			break;
		nseg++;
		if ((uintptr_t)s->data < lo)
			lo = (uintptr_t)s->data;
		if ((uintptr_t)(s->data + s->len) > hi)
			hi = (uintptr_t)(s->data + s->len);
		/* Never a pointer into the caller's memory: the reader
		 * copies chunks into its own buffer. */
		assert_true(s->data < in || s->data >= in + len);
	}
	assert_int_equal(nseg, want);
	assert_true(hi - lo < l.chunk + l.max_segment);
	assert_int_equal(eg_x12_reader_offset(r), len);
	eg_x12_reader_free(r);
	eg_source_free(src);
	free(in);
}

/* --- fixtures ----------------------------------------------------------- */

static void
read_fixture(const char *name, eg_err *rc, eg_error *e, size_t *nseg)
{
	char path[256];
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	eg_error_clear(e);
	*nseg = 0;
	if (eg_source_open_file(&src, path, e) != EG_OK)
		fail_msg("%s: %s", path, e->msg);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, e), EG_OK);
	for (;;) {
		s = NULL;
		*rc = eg_x12_reader_next(r, &s, e);
		if (*rc != EG_OK || !s)
			break;
		++*nseg;
	}
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
test_fixtures_readable(void **state)
{
	/* Every fixture whose problem is in the envelope, not the bytes,
	 * must read to the end. */
	static const char *const ok[] = {
		"valid_856_basic.x12",
		"valid_940.x12",
		"valid_945.x12",
		"valid_multi_interchange.x12",
		"valid_crlf_newline_term.x12",
		"valid_wrapped80.x12",
		"valid_bom_indented.x12",
		"valid_5010_repetition.x12",
		"bad_iea_count.x12",
		"bad_iea_control.x12",
		"bad_se_count.x12",
		"bad_st_se_control.x12",
		"bad_ge_count.x12",
		"missing_iea.x12",
		"dup_st02.x12",
		"st01_gs01_mismatch.x12",
	};
	size_t i, n;
	eg_error e;
	eg_err rc;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		read_fixture(ok[i], &rc, &e, &n);
		if (rc != EG_OK)
			fail_msg("%s: %s", ok[i], e.msg);
		assert_true(n >= 5);
	}
}

static void
test_fixtures_refused(void **state)
{
	static const struct {
		const char *name;
		eg_err code; /* EG_OK: any failure */
		const char *msg;
		const char *ack; /* TA105 in e.ack_code, as the README says */
	} bad[] = {
		{"short_isa.x12", EG_ESYNTAX, "ISA06", "006"},
		{"truncated.x12", EG_OK, NULL, "023"},
		{"nul_byte.x12", EG_ESYNTAX, NULL, "024"},
		{"ebcdic.x12", EG_EENCODING, "EBCDIC", ""},
		{"binary_junk.x12", EG_OK, NULL, "024"},
	};
	size_t i, n;
	eg_error e;
	eg_err rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		read_fixture(bad[i].name, &rc, &e, &n);
		if (rc == EG_OK)
			fail_msg("%s: read without error", bad[i].name);
		if (bad[i].code != EG_OK && rc != bad[i].code)
			fail_msg("%s: got %s, want %s: %s", bad[i].name,
				 eg_err_str(rc), eg_err_str(bad[i].code),
				 e.msg);
		assert_true(e.msg[0] != '\0');
		if (bad[i].msg)
			assert_non_null(strstr(e.msg, bad[i].msg));
		if (strcmp(e.ack_code, bad[i].ack) != 0)
			fail_msg("%s: TA105 '%s', want '%s'", bad[i].name,
				 e.ack_code, bad[i].ack);
	}
}

/* Open a fixture and stop at the nth segment with this id (1-based). */
static void
fixture_segment(const char *name, const char *id, int nth,
		void (*fn)(const eg_x12_segment *s, const void *arg),
		const void *arg)
{
	char path[256];
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s = NULL;
	eg_error e;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	eg_error_clear(&e);
	if (eg_source_open_file(&src, path, &e) != EG_OK)
		fail_msg("%s", e.msg);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, &e), EG_OK);
	for (;;) {
		if (eg_x12_reader_next(r, &s, &e) != EG_OK)
			fail_msg("%s: %s", name, e.msg);
		if (!s)
			fail_msg("%s: no %s #%d", name, id, nth);
		if (strcmp(s->id, id) == 0 && --nth == 0)
			break;
	}
	fn(s, arg);
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
check_fx_eb(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	assert_int_equal(s->delims->repetition, '^');
	assert_int_equal(eg_x12_repetition_count(s, 3), 11);
	assert_true(eg_span_eq(eg_x12_repetition(s, 3, 1), "30"));
	assert_true(eg_span_eq(eg_x12_repetition(s, 3, 11), "UC"));
}

static void
check_fx_eb2(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	assert_int_equal(eg_x12_repetition_count(s, 3), 2);
	assert_true(eg_span_eq(eg_x12_repetition(s, 3, 2), "UC"));
	assert_int_equal(eg_x12_component_count(s, 13, 1), 2);
	assert_true(eg_span_eq(eg_x12_component(s, 13, 1, 1), "HC"));
	assert_true(eg_span_eq(eg_x12_component(s, 13, 1, 2), "99213"));
}

static void
check_fx_first(const eg_x12_segment *s, const void *arg)
{
	const uint64_t *off = arg;

	assert_string_equal(s->id, "ISA");
	assert_int_equal(s->offset, off[0] + OFF_BASE);
	if (off[1]) /* CR then LF may be read as a CRLF terminator */
		assert_int_equal(s->delims->segment_len, off[1]);
	assert_int_equal(s->delims->segment[0], (unsigned char)off[2]);
}

static void
check_fx_second_se(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	assert_true(eg_span_eq(eg_x12_element(s, 1), "14"));
	assert_true(eg_span_eq(eg_x12_element(s, 2), "0002"));
	assert_int_equal(s->txn_pos, 14);
	assert_int_equal(s->unwrapped, 0);
}

static void
check_fx_wrapped(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	/* The ISA is wrapped after 80 bytes, inside ISA10. */
	assert_true(s->unwrapped);
	assert_int_equal(s->len, EG_X12_ISA_LEN - 1);
	assert_true(eg_span_eq(eg_x12_element(s, 10), "1430"));
	assert_true(eg_span_eq(eg_x12_element(s, 13), "000000905"));
}

static void
check_fx_second_isa(const eg_x12_segment *s, const void *arg)
{
	(void)arg;
	assert_int_equal(s->interchange, 2);
	assert_int_equal(s->delims->element, '|');
	assert_int_equal(s->delims->component, '^');
	assert_int_equal(s->delims->segment[0], '!');
}

static void
test_fixture_details(void **state)
{
	static const uint64_t bom[3] = {5, 1, '~'};
	static const uint64_t cr[3] = {0, 0, '\r'};
	static const uint64_t lf[3] = {0, 1, '\n'};

	(void)state;
	fixture_segment("valid_5010_repetition.x12", "EB", 1, check_fx_eb,
			NULL);
	fixture_segment("valid_5010_repetition.x12", "EB", 2, check_fx_eb2,
			NULL);
	fixture_segment("valid_bom_indented.x12", "ISA", 1, check_fx_first,
			bom);
	fixture_segment("valid_lf_newline_term.x12", "ISA", 1,
			check_fx_first, lf);
	fixture_segment("valid_crlf_newline_term.x12", "ISA", 1,
			check_fx_first, cr);
	fixture_segment("valid_crlf_newline_term.x12", "SE", 2,
			check_fx_second_se, NULL);
	fixture_segment("valid_multi_interchange.x12", "ISA", 2,
			check_fx_second_isa, NULL);
	fixture_segment("valid_wrapped80.x12", "ISA", 1, check_fx_wrapped,
			NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_default),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_variants_with_bin),
		cmocka_unit_test(test_repetition_5010),
		cmocka_unit_test(test_repetition_not_used),
		cmocka_unit_test(test_components_without_repetition),
		cmocka_unit_test(test_two_interchanges),
		cmocka_unit_test(test_three_interchanges),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_unwrapped_flag_clear),
		cmocka_unit_test(test_bin),
		cmocka_unit_test(test_bin_empty_payload),
		cmocka_unit_test(test_err_empty),
		cmocka_unit_test(test_err_ebcdic),
		cmocka_unit_test(test_err_utf16),
		cmocka_unit_test(test_err_nul),
		cmocka_unit_test(test_err_control_bytes),
		cmocka_unit_test(test_err_binary_junk),
		cmocka_unit_test(test_err_truncated_segment),
		cmocka_unit_test(test_truncated_after_terminator_is_clean),
		cmocka_unit_test(test_err_short_isa),
		cmocka_unit_test(test_err_isa_width),
		cmocka_unit_test(test_err_wrapped_isa_offset),
		cmocka_unit_test(test_err_not_x12),
		cmocka_unit_test(test_err_segment_too_long),
		cmocka_unit_test(test_err_too_many_elements),
		cmocka_unit_test(test_err_junk_between_interchanges),
		cmocka_unit_test(test_err_bin_length),
		cmocka_unit_test(test_random_garbage),
		cmocka_unit_test(test_large_input_bounded),
		cmocka_unit_test(test_fixtures_readable),
		cmocka_unit_test(test_fixtures_refused),
		cmocka_unit_test(test_fixture_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
