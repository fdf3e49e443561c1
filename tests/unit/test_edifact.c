/*
 * test_edifact.c - unit tests for the UN/EDIFACT reader (edifact.h), the
 * service-segment checks (edifact_check.h) and the CONTRL writer
 * (contrl.h).
 *
 * Inputs are written out in the tests, with the values the reader must
 * hand out (release characters removed) and the positions it must give;
 * every input is read again with chunk sizes 1 to 7, which must not
 * change what is read.  CONTRL outputs are compared byte for byte with
 * texts worked out by hand from the CONTRL layout (edifact-notes.md 4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/buf.h"
#include "edigate/contrl.h"
#include "edigate/edifact.h"
#include "edigate/edifact_check.h"
#include "edigate/source.h"

/* --- helpers ------------------------------------------------------------- */

/*
 * Dump a file as text: one line per segment, "TAG@offset#pos" then the
 * values "|e.r.c=value" for every value of every data element.
 */
static eg_err
dump(const char *in, size_t n, size_t chunk, eg_edifact_strict strict,
     eg_buf *out, eg_error *e)
{
	eg_source *src = NULL;
	eg_edifact_reader *r = NULL;
	eg_edifact_opts o;
	const eg_edifact_segment *s;
	eg_err rc;
	size_t i, k, c;

	memset(&o, 0, sizeof(o));
	o.limits = eg_edifact_limits_default();
	if (chunk)
		o.limits.chunk = chunk;
	o.strict = strict;
	eg_error_clear(e);
	rc = eg_source_new_mem(&src, in, n, "t", e);
	if (!rc)
		rc = eg_edifact_reader_new(&r, src, &o, e);
	while (!rc && !(rc = eg_edifact_reader_next(r, &s, e)) && s) {
		assert_int_equal(eg_buf_addf(out, "%s@%llu#%u", s->id,
					     (unsigned long long)s->offset,
					     (unsigned)s->msg_pos),
				 EG_OK);
		for (i = 1; i <= s->nelem; i++)
			for (k = 1; k <= eg_edifact_repetition_count(s, i); k++)
				for (c = 1;
				     c <= eg_edifact_component_count(s, i, k); c++) {
					eg_span v = eg_edifact_value(s, i, k, c);

					assert_int_equal(
					    eg_buf_addf(out, "|%zu.%zu.%zu=%.*s",
							i, k, c, (int)v.len, v.p),
					    EG_OK);
				}
		if (s->bad_char)
			assert_int_equal(eg_buf_addf(out, "|BAD=%u.%u.%u",
						     s->bad_at.element,
						     s->bad_at.repetition,
						     s->bad_at.component),
					 EG_OK);
		assert_int_equal(eg_buf_addc(out, '\n'), EG_OK);
	}
	eg_edifact_reader_free(r);
	eg_source_free(src);
	return rc;
}

/* The dump must be want, at every chunk size. */
static void
expect_dump(const char *in, size_t n, const char *want)
{
	size_t chunk;

	for (chunk = 0; chunk <= 7; chunk++) {
		eg_buf b;
		eg_error e;
		eg_err rc;

		eg_buf_init(&b, 1 << 20);
		rc = dump(in, n, chunk, EG_EDIFACT_REP_STRICT, &b, &e);
		if (rc)
			fail_msg("chunk %zu: %s", chunk, e.msg);
		if (strcmp(eg_buf_cstr(&b), want) != 0)
			fail_msg("chunk %zu:\n got: %s\nwant: %s", chunk,
				 eg_buf_cstr(&b), want);
		eg_buf_free(&b);
	}
}

/* Reading must fail with code, message part, offset and element. */
static void
expect_error(const char *in, size_t n, eg_err code, const char *part,
	     uint64_t offset, const char *tag, const char *ack)
{
	eg_buf b;
	eg_error e;
	eg_err rc;

	eg_buf_init(&b, 1 << 20);
	rc = dump(in, n, 3, EG_EDIFACT_REP_STRICT, &b, &e);
	eg_buf_free(&b);
	assert_int_equal(rc, code);
	if (!strstr(e.msg, part))
		fail_msg("message '%s' lacks '%s'", e.msg, part);
	assert_int_equal(e.pos.offset, offset);
	assert_string_equal(e.pos.seg_id, tag);
	if (ack)
		assert_string_equal(e.ack_code, ack);
}

#define S(lit) lit, sizeof(lit) - 1

/* --- reader: separators --------------------------------------------------- */

static void
test_defaults(void **state)
{
	(void)state;
	expect_dump(S("UNB+UNOA:3+S+R+260105:1200+1'UNH+1+ORDERS:D:96A:UN'"
		      "BGM+220+A:B::D'UNT+3+1'UNZ+1+1'"),
		    "UNB@0#0|1.1.1=UNOA|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@29#1|1.1.1=1|2.1.1=ORDERS|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "BGM@51#2|1.1.1=220|2.1.1=A|2.1.2=B|2.1.3=|2.1.4=D\n"
		    "UNT@66#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@74#0|1.1.1=1|2.1.1=1\n");
}

static void
test_una_custom(void **state)
{
	(void)state;
	/* ^ component, * element, release !, terminator $ (and CR/LF
	 * after terminators) */
	expect_dump(S("UNA^*,! $\r\nUNB*UNOC^3*S*R*260105^1200*1$\r\n"
		      "UNH*1*X^D^96A^UN$FTX*A!*B!^C!!!$D$UNT*3*1$UNZ*1*1$"),
		    "UNB@11#0|1.1.1=UNOC|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@42#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "FTX@59#2|1.1.1=A*B^C!$D\n"
		    "UNT@76#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@84#0|1.1.1=1|2.1.1=1\n");
}

static void
test_level_b(void **state)
{
	(void)state;
	/* UNOB without UNA: IS1 component, IS3 element, IS4 terminator,
	 * no release character: '?' is data */
	expect_dump(S("UNB\x1dUNOB\x1f" "3\x1dS\x1dR\x1d" "260105\x1f" "1200\x1d"
		      "1\x1cUNH\x1d" "1\x1dX\x1f" "D\x1f" "96A\x1fUN\x1c"
		      "FTX\x1dWhy?'+:\x1cUNT\x1d" "3\x1d" "1\x1cUNZ\x1d" "1\x1d" "1\x1c"),
		    "UNB@0#0|1.1.1=UNOB|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@29#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "FTX@46#2|1.1.1=Why?'+:\n"
		    "UNT@58#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@66#0|1.1.1=1|2.1.1=1\n");
}

static void
test_repetition_only_from_v4(void **state)
{
	(void)state;
	/* v3: UNA5 '*' is data; v4 without UNA: '*' repeats */
	expect_dump(S("UNA:+.?*'UNB+UNOC:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'"
		      "FTX+a*b'UNT+3+1'UNZ+1+1'"
		      "UNB+UNOC:4+S+R+20260105:1200+2'UNH+1+X:D:01B:UN'"
		      "FTX+a*b?*c'UNT+3+1'UNZ+1+2'"),
		    "UNB@9#0|1.1.1=UNOC|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@38#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "FTX@55#2|1.1.1=a*b\n"
		    "UNT@63#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@71#0|1.1.1=1|2.1.1=1\n"
		    "UNB@79#0|1.1.1=UNOC|1.1.2=4|2.1.1=S|3.1.1=R"
		    "|4.1.1=20260105|4.1.2=1200|5.1.1=2\n"
		    "UNH@110#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=01B|2.1.4=UN\n"
		    "FTX@127#2|1.1.1=a|1.2.1=b*c\n"
		    "UNT@138#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@146#0|1.1.1=1|2.1.1=2\n");
}

static void
test_release_cases(void **state)
{
	(void)state;
	expect_dump(S("UNB+UNOC:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'"
		      "FTX+q?\?'FTX+it?'s'FTX+a?\?\?'b'FTX+1?+1?:2'UNT+6+1'"
		      "UNZ+1+1'"),
		    "UNB@0#0|1.1.1=UNOC|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@29#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "FTX@46#2|1.1.1=q?\n"
		    "FTX@54#3|1.1.1=it's\n"
		    "FTX@64#4|1.1.1=a?'b\n"
		    "FTX@75#5|1.1.1=1+1:2\n"
		    "UNT@87#6|1.1.1=6|2.1.1=1\n"
		    "UNZ@95#0|1.1.1=1|2.1.1=1\n");
}

static void
test_wrapped(void **state)
{
	(void)state;
	/* line breaks inside segments (even between '?' and the released
	 * character) are not data */
	expect_dump(S("UNB+UNOA:3+S+R+2601\r\n05:1200+1'\r\nUNH+1+X:D:\n96A:UN'"
		      "FTX+A?\r\n'B'UNT+3+1'UNZ+1+1'\n"),
		    "UNB@0#0|1.1.1=UNOA|1.1.2=3|2.1.1=S|3.1.1=R|4.1.1=260105"
		    "|4.1.2=1200|5.1.1=1\n"
		    "UNH@33#1|1.1.1=1|2.1.1=X|2.1.2=D|2.1.3=96A|2.1.4=UN\n"
		    "FTX@51#2|1.1.1=A'B\n"
		    "UNT@62#3|1.1.1=3|2.1.1=1\n"
		    "UNZ@70#0|1.1.1=1|2.1.1=1\n");
}

static void
test_repertoire(void **state)
{
	const char in[] = "UNB+UNOA:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'"
			  "NAD+BY+A:b'UNT+3+1'UNZ+1+1'";
	eg_buf b;
	eg_error e;

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(dump(in, sizeof(in) - 1, 0, EG_EDIFACT_REP_STRICT, &b,
			      &e),
			 EG_OK);
	assert_non_null(strstr(eg_buf_cstr(&b), "|2.1.2=b|BAD=2.1.2\n"));
	eg_buf_reset(&b);
	assert_int_equal(dump(in, sizeof(in) - 1, 0, EG_EDIFACT_REP_LENIENT,
			      &b, &e),
			 EG_OK);
	assert_null(strstr(eg_buf_cstr(&b), "BAD="));
	eg_buf_free(&b);
	/* the repertoires themselves */
	assert_true(eg_edifact_char_ok(EG_EDIFACT_CS_A, EG_EDIFACT_REP_STRICT, '('));
	assert_false(eg_edifact_char_ok(EG_EDIFACT_CS_A, EG_EDIFACT_REP_STRICT, '#'));
	assert_true(eg_edifact_char_ok(EG_EDIFACT_CS_B, EG_EDIFACT_REP_STRICT, 'z'));
	assert_false(eg_edifact_char_ok(EG_EDIFACT_CS_LATIN, EG_EDIFACT_REP_STRICT, 0x85));
	assert_true(eg_edifact_char_ok(EG_EDIFACT_CS_LATIN, EG_EDIFACT_REP_STRICT, 0xE9));
	assert_int_equal(eg_edifact_charset_of("UNOK", 4), EG_EDIFACT_CS_LATIN);
	assert_int_equal(eg_edifact_charset_of("UNOW", 4), EG_EDIFACT_CS_UTF8);
	assert_int_equal(eg_edifact_charset_of("UNOX", 4), EG_EDIFACT_CS_2022);
	assert_int_equal(eg_edifact_charset_of("UNOL", 4), EG_EDIFACT_CS_UNKNOWN);
}

static void
test_utf8_repertoire(void **state)
{
	/* UNOY: valid UTF-8 passes, a lone continuation byte does not */
	const char ok[] = "UNB+UNOY:4+S+R+20260105:1200+1'UNH+1+X:D:01B:UN'"
			  "FTX+Gr\xC3\xBC\xC3\x9F" "e'UNT+3+1'UNZ+1+1'";
	const char bad[] = "UNB+UNOY:4+S+R+20260105:1200+1'UNH+1+X:D:01B:UN'"
			   "FTX+A\x80'UNT+3+1'UNZ+1+1'";
	eg_buf b;
	eg_error e;

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(dump(S(ok), 0, EG_EDIFACT_REP_STRICT, &b, &e), EG_OK);
	assert_null(strstr(eg_buf_cstr(&b), "BAD="));
	eg_buf_reset(&b);
	assert_int_equal(dump(S(bad), 0, EG_EDIFACT_REP_STRICT, &b, &e), EG_OK);
	assert_non_null(strstr(eg_buf_cstr(&b), "BAD=1.1.1"));
	eg_buf_free(&b);
}

/* --- reader: errors ------------------------------------------------------- */

static void
test_errors(void **state)
{
	(void)state;
	expect_error(S(""), EG_ESYNTAX, "empty file", 0, "", "13");
	expect_error(S("ISA*00*"), EG_ESYNTAX, "expected UNA or UNB", 0, "",
		     "13");
	expect_error(S("UNA:+.? "), EG_ESYNTAX, "inside the UNA", 0, "UNA",
		     "22");
	expect_error(S("UNA::.? 'UNB"), EG_ESYNTAX, "same character", 4,
		     "UNA", "22");
	expect_error(S("UNA:A.? 'UNB"), EG_ESYNTAX, "letter, digit", 4,
		     "UNA", "20");
	expect_error(S("UNA:+;? 'UNB"), EG_ESYNTAX, "decimal mark", 5, "UNA",
		     "22");
	expect_error(S("UNA:+.? 'UNH+1'"), EG_ESYNTAX, "not followed by a UNB",
		     9, "", "13");
	expect_error(S("UNB:UNOA"), EG_ESYNTAX, "not the element separator",
		     3, "UNB", "22");
	expect_error(S("UNB+UNOA:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'BGM+2"),
		     EG_ESYNTAX, "file ends inside a segment", 46, "", "13");
	expect_error(S("UNB+UNOA:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'BGM+2\0'"),
		     EG_ESYNTAX, "NUL byte", 51, "BGM", "21");
	/* a release character does not make a control byte data (found by
	 * fuzz_edifact: it was echoed into a CONTRL) */
	expect_error(S("UNB+UNOA:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'BGM+?\x01'"),
		     EG_ESYNTAX, "control byte", 51, "BGM", "21");
	expect_error(S("UNB+UNOA:3+S+R+260105:1200+1'bgm+1'"), EG_ESYNTAX,
		     "invalid segment tag 'bgm'", 29, "", "12");
	expect_error(S("UNB+UNOA:3+S+R+260105:1200+1'UNZ+0+1'junk"),
		     EG_ESYNTAX, "unexpected data after UNZ", 37, "", "13");
	expect_error(S("\xFF\xFEU\0N\0B\0+\0"), EG_EENCODING, "UTF-16", 0, "",
		     "46");
}

static void
test_error_position_in_message(void **state)
{
	eg_buf b;
	eg_error e;
	const char in[] = "UNB+UNOA:3+S+R+260105:1200+1'UNH+1+X:D:96A:UN'"
			  "BGM+1'DTM+1:2\x01'";

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(dump(S(in), 0, EG_EDIFACT_REP_STRICT, &b, &e),
			 EG_ESYNTAX);
	assert_int_equal(e.pos.txn_pos, 3);   /* UNH 1, BGM 2, DTM 3 */
	assert_int_equal(e.pos.segment, 4);
	assert_int_equal(e.pos.element, 1);
	assert_int_equal(e.pos.component, 2);
	assert_int_equal(e.pos.offset, 59);
	eg_buf_free(&b);
}

static void
test_limits(void **state)
{
	eg_edifact_opts o;
	eg_source *src = NULL;
	eg_edifact_reader *r = NULL;
	const eg_edifact_segment *s;
	eg_error e;
	char in[400];
	int n;

	(void)state;
	eg_error_clear(&e);
	memset(&o, 0, sizeof(o));
	o.limits = eg_edifact_limits_default();
	o.limits.max_segment = 100;
	o.limits.max_elements = 16;
	n = snprintf(in, sizeof(in), "UNB+UNOA:3+S+R+260105:1200+1'FTX+"
				     "%0200d'", 0);
	assert_int_equal(eg_source_new_mem(&src, in, (size_t)n, "t", &e), EG_OK);
	assert_int_equal(eg_edifact_reader_new(&r, src, &o, &e), EG_OK);
	assert_int_equal(eg_edifact_reader_next(r, &s, &e), EG_OK);
	assert_int_equal(eg_edifact_reader_next(r, &s, &e), EG_ELIMIT);
	if (!strstr(e.msg, "max_segment"))
		fail_msg("%s", e.msg);
	eg_edifact_reader_free(r);
	eg_source_free(src);
	eg_error_clear(&e);
	n = snprintf(in, sizeof(in), "UNB+UNOA:3+S+R+260105:1200+1'"
				     "FTX+1+2+3+4+5+6+7+8+9+0+1+2+3+4+5+6+7'");
	assert_int_equal(eg_source_new_mem(&src, in, (size_t)n, "t", &e), EG_OK);
	assert_int_equal(eg_edifact_reader_new(&r, src, &o, &e), EG_OK);
	assert_int_equal(eg_edifact_reader_next(r, &s, &e), EG_OK);
	assert_int_equal(eg_edifact_reader_next(r, &s, &e), EG_ELIMIT);
	assert_non_null(strstr(e.msg, "max_elements"));
	eg_edifact_reader_free(r);
	eg_source_free(src);
	o.limits.max_segment = 10;
	assert_int_equal(eg_edifact_reader_new(&r, NULL, &o, &e), EG_EINVAL);
}

/* Constant memory: a long file through a small buffer. */
static void
test_long_file_streams(void **state)
{
	eg_buf in, out;
	eg_error e;
	int i;

	(void)state;
	eg_buf_init(&in, 1 << 24);
	eg_buf_init(&out, 1 << 26);
	assert_int_equal(eg_buf_adds(&in, "UNB+UNOA:3+S+R+260105:1200+1'"
					  "UNH+1+X:D:96A:UN'"),
			 EG_OK);
	for (i = 0; i < 20000; i++)
		assert_int_equal(eg_buf_addf(&in, "LIN+%d++NAME ?+ %d:EN'", i, i),
				 EG_OK);
	assert_int_equal(eg_buf_addf(&in, "UNT+20002+1'UNZ+1+1'"), EG_OK);
	assert_int_equal(dump(in.data, in.len, 4096, EG_EDIFACT_REP_STRICT,
			      &out, &e),
			 EG_OK);
	assert_non_null(strstr(eg_buf_cstr(&out),
			       "LIN@" /* the last one */));
	assert_non_null(strstr(eg_buf_cstr(&out), "|3.1.1=NAME + 19999|3.1.2=EN\n"));
	assert_non_null(strstr(eg_buf_cstr(&out), "UNT@"));
	eg_buf_free(&in);
	eg_buf_free(&out);
}

/* --- checks --------------------------------------------------------------- */

typedef struct found {
	char codes[64][8]; /* "code/rule-prefix" */
	char rules[64][40];
	eg_pos pos[64];
	int n;
	int rejected_msgs, rejected_ichg, units;
} found;

static void
on_f(void *ud, const eg_edifact_finding *f)
{
	found *x = ud;

	if (x->n < 64) {
		snprintf(x->codes[x->n], 8, "%s", f->code ? f->code : "-");
		snprintf(x->rules[x->n], 40, "%s", f->rule);
		x->pos[x->n] = f->pos;
		x->n++;
	}
}

static void
on_u(void *ud, const eg_edifact_unit *u)
{
	found *x = ud;

	x->units++;
	if (u->level == EG_LVL_TRANSACTION && u->rejected)
		x->rejected_msgs++;
	if (u->level == EG_LVL_INTERCHANGE && u->rejected)
		x->rejected_ichg++;
}

static void
check(const char *in, size_t n, const eg_edifact_expect *x, found *f)
{
	eg_edifact_events ev = {on_f, on_u, f};
	eg_edifact_check_opts o;
	eg_edifact_check_result res;
	eg_source *src = NULL;
	eg_error e;

	memset(f, 0, sizeof(*f));
	memset(&o, 0, sizeof(o));
	o.reader.limits = eg_edifact_limits_default();
	o.expect = x;
	assert_int_equal(eg_source_new_mem(&src, in, n, "t", &e), EG_OK);
	assert_int_equal(eg_edifact_check(src, &o, &ev, &res, &e), EG_OK);
	eg_source_free(src);
}

static int
has(const found *f, const char *code, const char *rule)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->codes[i], code) == 0 &&
		    strcmp(f->rules[i], rule) == 0)
			return 1;
	return 0;
}

#define GOOD "UNB+UNOA:3+SENDER:14+US:14+260105:1200+IC1++++1'" \
	     "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'UNZ+1+IC1'"

static void
test_check_clean(void **state)
{
	found f;

	(void)state;
	check(S(GOOD), NULL, &f);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.units, 2);
}

static int
seen_ic1(void *ud, const eg_edifact_ctl *c)
{
	(void)ud;
	return strcmp(c->icr, "IC1") == 0 && strcmp(c->s002[0], "SENDER") == 0;
}

static void
test_check_partner(void **state)
{
	eg_edifact_expect x;
	found f;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.sender = "SENDER";
	x.sender_q = "14";
	x.recipient = "US";
	check(S(GOOD), &x, &f);
	assert_int_equal(f.n, 0);
	x.sender = "OTHER";
	x.recipient = "THEM";
	check(S(GOOD), &x, &f);
	assert_true(has(&f, "23", "unknown-sender"));
	assert_true(has(&f, "43", "unknown-recipient"));
	assert_int_equal(f.rejected_ichg, 1);
	/* duplicates: the ledger's question, here a function */
	memset(&x, 0, sizeof(x));
	x.seen = seen_ic1;
	check(S(GOOD), &x, &f);
	assert_true(has(&f, "26", "duplicate-interchange"));
	assert_int_equal(f.pos[0].element, 5);
	/* tests refused by the profile */
	memset(&x, 0, sizeof(x));
	x.no_test = 1;
	check(S("UNB+UNOA:3+S+R+260105:1200+IC1++++++1'UNH+1+X:D:96A:UN'"
		"UNT+2+1'UNZ+1+IC1'"),
	      &x, &f);
	assert_true(has(&f, "25", "unb-test-refused"));
	check(S("UNB+UNOA:3+S+R+260105:1200+IC1++++++1'UNH+1+X:D:96A:UN'"
		"UNT+2+1'UNZ+1+IC1'"),
	      NULL, &f);
	assert_int_equal(f.n, 0);
}

static void
test_check_codes(void **state)
{
	found f;

	(void)state;
	/* 28 / 29 at each level, 30, 32, 33, 13 at end of file */
	check(S("UNB+UNOA:3+S+R+260105:1200+IC1'UNG+X+S+R+260105:1200+G1+UN+D:96A'"
		"UNH+1+X:D:96A:UN'UNT+3+2'UNE+2+G2'UNH+9+X:D:96A:UN'UNT+2+9'"
		"DTM+1'UNZ+5+IC2'"),
	      NULL, &f);
	assert_true(has(&f, "29", "unt-count"));
	assert_true(has(&f, "28", "unt-reference"));
	assert_true(has(&f, "29", "une-count"));
	assert_true(has(&f, "28", "une-reference"));
	assert_true(has(&f, "30", "groups-and-messages"));
	assert_true(has(&f, "29", "unz-count"));
	assert_true(has(&f, "28", "unz-reference"));
	assert_true(has(&f, "33", "segment-outside-message"));
	check(S("UNB+UNOA:3+S+R+260105:1200+IC1'UNG+X+S+R+260105:1200+G1+UN+D:96A'"
		"UNE+0+G1'UNZ+1+IC1'"),
	      NULL, &f);
	assert_true(has(&f, "32", "group-empty"));
	check(S("UNB+UNOA:3+S+R+260105:1200+IC1'UNH+1+X:D:96A:UN'"), NULL, &f);
	assert_true(has(&f, "13", "unt-missing"));
	assert_true(has(&f, "13", "unz-missing"));
	/* dates per version, ack request, test indicator, syntax */
	check(S("UNB+UNOB:4+S+R+260105:1200+IC1++++3++9'UNZ+0+IC1'"), NULL, &f);
	assert_true(has(&f, "12", "unb-date"));
	assert_true(has(&f, "12", "unb-ack-request"));
	assert_true(has(&f, "25", "unb-test-indicator"));
	check(S("UNB+UNOA:X+S+R+20260105:2460+IC1'UNZ+0+IC1'"), NULL, &f);
	assert_false(has(&f, "12", "unb-date"));
	assert_true(has(&f, "12", "unb-time"));
	check(S("UNB+UNOA:5+S+R+260105:1200+IC1'UNZ+0+IC1'"), NULL, &f);
	assert_true(has(&f, "2", "syntax-version"));
	/* trailing separators: v4 only */
	check(S("UNB+UNOC:4+S+R+20260105:1200+IC1'UNH+1+X:D:01B:UN'BGM+1++'"
		"UNT+3+1'UNZ+1+IC1'"),
	      NULL, &f);
	assert_true(has(&f, "45", "trailing-separator"));
	assert_int_equal(f.pos[0].element, 3);
	check(S("UNB+UNOC:3+S+R+260105:1200+IC1'UNH+1+X:D:96A:UN'BGM+1++'"
		"UNT+3+1'UNZ+1+IC1'"),
	      NULL, &f);
	assert_int_equal(f.n, 0);
	/* too long a reference */
	check(S("UNB+UNOA:3+S+R+260105:1200+IC0123456789ABCD'UNZ+0+IC0123456789ABCD'"),
	      NULL, &f);
	assert_true(has(&f, "39", "value-too-long"));
}

/* --- CONTRL ------------------------------------------------------------- */

typedef struct emitted {
	eg_buf all;
	uint64_t next;
	int n;
} emitted;

static eg_err
next_ctl(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	emitted *m = ud;

	(void)e;
	assert_string_equal(kind, "unb");
	*out = m->next++;
	return EG_OK;
}

static eg_err
emit_cb(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	emitted *m = ud;

	(void)e;
	assert_non_null(strstr(name, ".contrl.edi"));
	m->n++;
	return eg_buf_add(&m->all, data, len);
}

static void
contrl(const char *in, size_t n, int when, int receipt, emitted *m,
       unsigned *unanswered)
{
	eg_contrl_opts o;
	eg_contrl *c = NULL;
	eg_source *src = NULL;
	eg_edifact_check_opts co;
	eg_edifact_check_result res;
	eg_error e;

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	co.reader.limits = eg_edifact_limits_default();
	eg_buf_init(&m->all, 1 << 20);
	m->next = 41;
	m->n = 0;
	o.next_control = next_ctl;
	o.emit = emit_cb;
	o.ud = m;
	o.now = 1767603600; /* 2026-01-05 09:00 UTC */
	o.when = when;
	o.receipt_only = receipt;
	assert_int_equal(eg_contrl_new(&c, &o, &e), EG_OK);
	assert_int_equal(eg_source_new_mem(&src, in, n, "t", &e), EG_OK);
	assert_int_equal(eg_edifact_check(src, &co, eg_contrl_events(c), &res, &e),
			 EG_OK);
	assert_int_equal(eg_contrl_error(c, &e), EG_OK);
	*unanswered = eg_contrl_unanswered(c, NULL);
	eg_contrl_free(c);
	eg_source_free(src);
}

static void
test_contrl_groups_v4(void **state)
{
	emitted m;
	unsigned un;

	(void)state;
	/* two groups; the second's second message has a bad UNT count; a
	 * v4 UNA with '*' repeats.  By hand: UCF per group (SG3), a UCM per
	 * message (7, or 4 with 29 on UNT element 2), UNT counts UNH..UNT. */
	contrl(S("UNA:+.?*'UNB+UNOC:4+SEND?+ER:ZZ+REC:ZZ+20260104:2300+IC9++++1'"
		 "UNG+ORDERS+SEND:ZZ+REC:ZZ+20260104:2300+G1+UN+D:01B'"
		 "UNH+M1+ORDERS:D:01B:UN'UNT+2+M1'UNE+1+G1'"
		 "UNG+ORDERS+SEND:ZZ+REC:ZZ+20260104:2300+G2+UN+D:01B'"
		 "UNH+M2+ORDERS:D:01B:UN'UNT+2+M2'UNH+M3+ORDERS:D:01B:UN'"
		 "BGM+220'UNT+2+M3'UNE+2+G2'UNZ+2+IC9'"),
	       EG_CONTRL_REQUESTED, 0, &m, &un);
	assert_int_equal(un, 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(eg_buf_cstr(&m.all),
			    "UNA:+.?*'\n"
			    "UNB+UNOC:4+REC:ZZ+SEND?+ER:ZZ+20260105:0900+41'\n"
			    "UNH+1+CONTRL:4:1:UN'\n"
			    "UCI+IC9+SEND?+ER:ZZ+REC:ZZ+7'\n"
			    "UCF+G1+SEND:ZZ+REC:ZZ+7'\n"
			    "UCM+M1+ORDERS:D:01B:UN+7'\n"
			    "UCF+G2+SEND:ZZ+REC:ZZ+7'\n"
			    "UCM+M2+ORDERS:D:01B:UN+7'\n"
			    "UCM+M3+ORDERS:D:01B:UN+4+29+UNT+2'\n"
			    "UNT+8+1'\n"
			    "UNZ+1+41'\n");
	eg_buf_free(&m.all);
}

static void
test_contrl_policy(void **state)
{
	emitted m;
	unsigned un;
	const char noreq[] = "UNB+UNOA:3+S+R+260105:1200+IC1'"
			     "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+IC1'";
	const char bad[] = "UNB+UNOA:3+S+R+260105:1200+IC1'"
			   "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+2+IC1'";

	(void)state;
	contrl(S(noreq), EG_CONTRL_REQUESTED, 0, &m, &un);
	assert_int_equal(m.n, 0);
	eg_buf_free(&m.all);
	contrl(S(noreq), EG_CONTRL_ON_ERROR, 0, &m, &un);
	assert_int_equal(m.n, 0);
	eg_buf_free(&m.all);
	contrl(S(bad), EG_CONTRL_ON_ERROR, 0, &m, &un);
	assert_int_equal(m.n, 1);
	assert_string_equal(eg_buf_cstr(&m.all),
			    "UNB+UNOA:3+R+S+260105:0900+41'\n"
			    "UNH+1+CONTRL:D:3:UN'\n"
			    "UCI+IC1+S+R+4+29+UNZ+2'\n"
			    "UNT+3+1'\n"
			    "UNZ+1+41'\n");
	eg_buf_free(&m.all);
	contrl(S(bad), EG_CONTRL_NEVER, 0, &m, &un);
	assert_int_equal(m.n, 0);
	eg_buf_free(&m.all);
	/* receipt only: UCI 8, unless something was rejected */
	contrl(S(noreq), EG_CONTRL_ALWAYS, 1, &m, &un);
	assert_string_equal(eg_buf_cstr(&m.all),
			    "UNB+UNOA:3+R+S+260105:0900+41'\n"
			    "UNH+1+CONTRL:D:3:UN'\n"
			    "UCI+IC1+S+R+8'\n"
			    "UNT+3+1'\n"
			    "UNZ+1+41'\n");
	eg_buf_free(&m.all);
	contrl(S(bad), EG_CONTRL_ALWAYS, 1, &m, &un);
	assert_non_null(strstr(eg_buf_cstr(&m.all), "UCI+IC1+S+R+4+29"));
	eg_buf_free(&m.all);
	/* v4 0031 = 2 asks for receipt only */
	contrl(S("UNB+UNOA:4+S+R+20260105:1200+IC1++++2'UNH+1+X:D:01B:UN'"
		 "UNT+2+1'UNZ+1+IC1'"),
	       EG_CONTRL_REQUESTED, 0, &m, &un);
	assert_non_null(strstr(eg_buf_cstr(&m.all), "UCI+IC1+S+R+8'"));
	eg_buf_free(&m.all);
}

static void
test_contrl_unanswered(void **state)
{
	emitted m;
	unsigned un;

	(void)state;
	/* no sender: nobody to answer */
	contrl(S("UNB+UNOA:3++R+260105:1200+IC1++++1'UNH+1+X:D:96A:UN'"
		 "UNT+2+1'UNZ+1+IC1'"),
	       EG_CONTRL_ALWAYS, 0, &m, &un);
	assert_int_equal(m.n, 0);
	assert_int_equal(un, 1);
	eg_buf_free(&m.all);
	/* level B has no release character: a sender id holding the IS3
	 * separator cannot be echoed... it cannot be sent either; but a
	 * message reference with a released '+' under level A is echoed */
	contrl(S("UNB+UNOA:3+S+R+260105:1200+IC1++++1'UNH+A?+B+X:D:96A:UN'"
		 "UNT+2+A?+B'UNZ+1+IC1'"),
	       EG_CONTRL_REQUESTED, 0, &m, &un);
	assert_int_equal(un, 0);
	assert_non_null(strstr(eg_buf_cstr(&m.all), "UCM+A?+B+X:D:96A:UN+7'"));
	eg_buf_free(&m.all);
	/* a CONTRL is never answered */
	contrl(S("UNB+UNOA:3+S+R+260105:1200+IC1++++1'UNH+1+CONTRL:D:3:UN'"
		 "UCI+X+S+R+7'UNT+3+1'UNZ+1+IC1'"),
	       EG_CONTRL_ALWAYS, 0, &m, &un);
	assert_int_equal(m.n, 0);
	eg_buf_free(&m.all);
}

static void
test_contrl_segment_detail(void **state)
{
	emitted m;
	unsigned un;

	(void)state;
	/* lower case under UNOA in element 3 component 2 of the third
	 * segment: UCS+3, UCD+21+4:2 (the tag counts as 1) */
	contrl(S("UNB+UNOA:3+S+R+260105:1200+IC1++++1'UNH+1+X:D:96A:UN'"
		 "BGM+220'NAD+BY++A:b'UNT+4+1'UNZ+1+IC1'"),
	       EG_CONTRL_REQUESTED, 0, &m, &un);
	assert_string_equal(eg_buf_cstr(&m.all),
			    "UNB+UNOA:3+R+S+260105:0900+41'\n"
			    "UNH+1+CONTRL:D:3:UN'\n"
			    "UCI+IC1+S+R+7'\n"
			    "UCM+1+X:D:96A:UN+4'\n"
			    "UCS+3'\n"
			    "UCD+21+4:2'\n"
			    "UNT+6+1'\n"
			    "UNZ+1+41'\n");
	eg_buf_free(&m.all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_una_custom),
		cmocka_unit_test(test_level_b),
		cmocka_unit_test(test_repetition_only_from_v4),
		cmocka_unit_test(test_release_cases),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_repertoire),
		cmocka_unit_test(test_utf8_repertoire),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_position_in_message),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_long_file_streams),
		cmocka_unit_test(test_check_clean),
		cmocka_unit_test(test_check_partner),
		cmocka_unit_test(test_check_codes),
		cmocka_unit_test(test_contrl_groups_v4),
		cmocka_unit_test(test_contrl_policy),
		cmocka_unit_test(test_contrl_unanswered),
		cmocka_unit_test(test_contrl_segment_detail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
