/*
 * test_csv.c - unit tests for the CSV reader and CSV numbers (csv.h).
 *
 * What must always hold: RFC 4180 quoting round-trips (doubled quotes,
 * delimiters and line breaks inside quotes); the delimiter is found or
 * obeyed; every encoding comes out as UTF-8 and a byte the encoding lacks
 * is an error naming line, column and byte offset; ragged rows, stray
 * quotes, unterminated quotes, NUL bytes and over-long records are errors,
 * never silently different data; a chunk boundary anywhere changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/csv.h"

/* Read every record of text; fields joined by '|', records by '\n'. */
static eg_err
read_all(const char *text, size_t n, const eg_csv_opts *o, char *out,
	 size_t cap, eg_error *e)
{
	eg_csv *r = NULL;
	size_t used = 0, i;
	int got;
	eg_err rc;

	out[0] = '\0';
	if ((rc = eg_csv_open_mem(&r, text, n, o, e)) != EG_OK)
		return rc;
	for (;;) {
		if ((rc = eg_csv_next(r, &got, e)) != EG_OK || !got)
			break;
		for (i = 0; i < eg_csv_nfields(r); i++) {
			eg_span s = eg_csv_field(r, i);

			used += (size_t)snprintf(out + used, cap - used, "%s%.*s",
						 i ? "|" : "", (int)s.len, s.p);
		}
		used += (size_t)snprintf(out + used, cap - used, "\n");
	}
	eg_csv_free(r);
	return rc;
}

static void
test_rfc4180(void **state)
{
	const char in[] = "a,b,c\r\n"
			  "1,\"x,y\",\"he said \"\"hi\"\"\"\r\n"
			  "2,\"two\r\nlines\",\r\n"
			  "3,,\"\"";
	eg_csv_opts o = {0};
	char out[512];
	eg_error e;

	(void)state;
	o.header = 1;
	eg_error_clear(&e);
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "1|x,y|he said \"hi\"\n"
				 "2|two\r\nlines|\n"
				 "3||\n");
}

static void
test_header_and_lines(void **state)
{
	const char in[] = "sku;qty\n\"A\nB\";1\nC;2\n";
	eg_csv_opts o = {0};
	eg_csv *r = NULL;
	eg_csv_where w;
	eg_error e;
	int got;

	(void)state;
	o.header = 1;
	eg_error_clear(&e);
	assert_int_equal(eg_csv_open_mem(&r, in, sizeof(in) - 1, &o, &e), EG_OK);
	assert_int_equal(eg_csv_delim(r), ';');
	assert_int_equal(eg_csv_ncols(r), 2);
	assert_string_equal(eg_csv_name(r, 1), "qty");
	assert_int_equal(eg_csv_column(r, "qty"), 1);
	assert_int_equal(eg_csv_column(r, "nope"), -1);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 1);
	eg_csv_where_field(r, 1, &w);
	assert_int_equal(w.line, 3); /* the quoted field spans lines 2-3 */
	assert_int_equal(w.offset, 14);
	assert_string_equal(w.colname, "qty");
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	eg_csv_where_field(r, 0, &w);
	assert_int_equal(w.line, 4);
	assert_int_equal(w.offset, 16);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 0);
	eg_csv_free(r);
}

static void
test_detect_delim(void **state)
{
	static const struct {
		const char *in;
		char d;
	} t[] = {
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1,5;2,5;3\n", ';'},
		{"a|b\n1|2\n", '|'},
		{"a\tb\tc\n1\t2\t3\n", '\t'},
		{"sep=|\na,b|c\n", '|'},
		{"\xEF\xBB\xBFx;y\n1;2\n", ';'},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		eg_csv_opts o = {0};
		eg_csv *r = NULL;
		eg_error e;

		o.header = 1;
		eg_error_clear(&e);
		assert_int_equal(eg_csv_open_mem(&r, t[i].in, strlen(t[i].in),
						 &o, &e),
				 EG_OK);
		assert_int_equal(eg_csv_delim(r), t[i].d);
		eg_csv_free(r);
	}
}

static void
test_bom_and_sep(void **state)
{
	const char in[] = "\xEF\xBB\xBFsep=;\r\nname;n\r\nx;1\r\n";
	eg_csv_opts o = {0};
	char out[128];
	eg_csv *r = NULL;
	eg_error e;

	(void)state;
	o.header = 1;
	eg_error_clear(&e);
	assert_int_equal(eg_csv_open_mem(&r, in, sizeof(in) - 1, &o, &e), EG_OK);
	assert_string_equal(eg_csv_name(r, 0), "name"); /* no BOM in it */
	eg_csv_free(r);
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "x|1\n");
	/* a UTF-8 BOM in a file said to be Windows-1252 is refused */
	o.enc = EG_CSV_CP1252;
	assert_int_equal(eg_csv_open_mem(&r, in, sizeof(in) - 1, &o, &e),
			 EG_EENCODING);
	assert_null(r);
}

static void
test_encodings(void **state)
{
	const char cp[] = "d\n\x80 \xe9\xdf\n";       /* euro, e-acute, sharp s */
	const char l9[] = "d\n\xa4 \xe9\n";           /* euro in 8859-15 */
	const char l1[] = "d\n\xa4 \xe9\n";           /* currency sign */
	eg_csv_opts o = {0};
	char out[128];
	eg_error e;

	(void)state;
	o.header = 1;
	o.enc = EG_CSV_CP1252;
	eg_error_clear(&e);
	assert_int_equal(read_all(cp, sizeof(cp) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "\xe2\x82\xac \xc3\xa9\xc3\x9f\n");
	o.enc = EG_CSV_LATIN9;
	assert_int_equal(read_all(l9, sizeof(l9) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "\xe2\x82\xac \xc3\xa9\n");
	o.enc = EG_CSV_LATIN1;
	assert_int_equal(read_all(l1, sizeof(l1) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "\xc2\xa4 \xc3\xa9\n");
}

static void
test_encoding_errors(void **state)
{
	static const struct {
		const char *in;
		eg_csv_enc enc;
		uint64_t offset;
		const char *words;
	} t[] = {
		/* 0x81 is undefined in Windows-1252 */
		{"a,b\nx,y\x81z\n", EG_CSV_CP1252, 7, "does not define"},
		/* a C1 control in ISO-8859-1: the file is really 1252 */
		{"a,b\nx,\x80\n", EG_CSV_LATIN1, 6, "Windows-1252"},
		/* Latin-1 bytes in a UTF-8 file */
		{"a,b\nx,caf\xe9\n", EG_CSV_UTF8, 9, "not UTF-8"},
		/* an overlong UTF-8 form */
		{"a,b\nx,\xc0\xaf\n", EG_CSV_UTF8, 6, "not UTF-8"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		eg_csv_opts o = {0};
		eg_csv *r = NULL;
		eg_error e;
		int got;

		o.header = 1;
		o.enc = t[i].enc;
		eg_error_clear(&e);
		assert_int_equal(eg_csv_open_mem(&r, t[i].in, strlen(t[i].in),
						 &o, &e),
				 EG_OK);
		assert_int_equal(eg_csv_next(r, &got, &e), EG_EENCODING);
		assert_non_null(strstr(e.msg, t[i].words));
		assert_non_null(strstr(e.msg, "line 2, column b (#2)"));
		assert_int_equal(eg_csv_last_error(r)->line, 2);
		assert_int_equal(eg_csv_last_error(r)->col, 2);
		assert_int_equal(eg_csv_last_error(r)->offset, t[i].offset);
		eg_csv_free(r);
	}
}

static void
test_structure_errors(void **state)
{
	static const struct {
		const char *in;
		eg_err code;
		const char *words;
		uint64_t line;
	} t[] = {
		{"a,b\n1,2,3\n", EG_ESYNTAX, "3 fields, the header has 2", 2},
		{"a,b\n1\n", EG_ESYNTAX, "1 field, the header has 2", 2},
		{"a,b\n1,x\"y\n", EG_ESYNTAX, "a quote inside a field", 2},
		{"a,b\n1,\"xy\"z\n", EG_ESYNTAX, "after the closing quote", 2},
		{"a,b\n1,\"never\nclosed\n", EG_ESYNTAX, "never closed", 2},
		{"a,b\n1,x\0y\n", EG_EENCODING, "NUL byte", 2},
		{"a,a\n1,2\n", EG_ESYNTAX, "names column 'a' twice", 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		eg_csv_opts o = {0};
		eg_csv *r = NULL;
		eg_error e;
		size_t n = strlen(t[i].in);
		int got = 0;
		eg_err rc;

		if (i == 5)
			n = 10; /* holds a NUL */
		o.header = 1;
		eg_error_clear(&e);
		rc = eg_csv_open_mem(&r, t[i].in, n, &o, &e);
		if (rc == EG_OK)
			rc = eg_csv_next(r, &got, &e);
		assert_int_equal(rc, t[i].code);
		assert_non_null(strstr(e.msg, t[i].words));
		if (r)
			assert_int_equal(eg_csv_last_error(r)->line, t[i].line);
		eg_csv_free(r);
	}
}

static void
test_resume_after_error(void **state)
{
	const char in[] = "a,b\n1,2\n3,x\"y\n5,6\n";
	eg_csv_opts o = {0};
	eg_csv *r = NULL;
	eg_error e;
	int got;

	(void)state;
	o.header = 1;
	eg_error_clear(&e);
	assert_int_equal(eg_csv_open_mem(&r, in, sizeof(in) - 1, &o, &e), EG_OK);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_ESYNTAX);
	eg_error_clear(&e);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 1);
	assert_memory_equal(eg_csv_field(r, 0).p, "5", 1);
	assert_int_equal(eg_csv_field(r, 0).len, 1);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 0);
	eg_csv_free(r);
}

static void
test_limits(void **state)
{
	char big[4096];
	eg_csv_opts o = {0};
	eg_csv *r = NULL;
	eg_error e;
	int got;

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, "a\n", 2);
	big[sizeof(big) - 1] = '\n';
	o.header = 1;
	o.max_record = 1000;
	eg_error_clear(&e);
	assert_int_equal(eg_csv_open_mem(&r, big, sizeof(big), &o, &e), EG_OK);
	assert_int_equal(eg_csv_next(r, &got, &e), EG_ELIMIT);
	assert_non_null(strstr(e.msg, "longer than the limit"));
	eg_csv_free(r);
	/* too many columns */
	memset(&o, 0, sizeof(o));
	o.max_cols = 3;
	assert_int_equal(eg_csv_open_mem(&r, "a,b,c,d\n", 8, &o, &e), EG_ELIMIT);
}

static void
test_trim_and_empty(void **state)
{
	const char in[] = "a,b,c\n  x , \" y \",\n";
	eg_csv_opts o = {0};
	char out[128];
	eg_error e;

	(void)state;
	o.header = 1;
	o.trim = 1;
	eg_error_clear(&e);
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "x| y |\n"); /* quoted spaces are data */
	/* RFC 4180: a quote after blanks is a stray quote */
	o.trim = 0;
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_ESYNTAX);
	assert_int_equal(read_all("a,b\n  x ,\n", 10, &o, out, sizeof(out),
				  &e),
			 EG_OK);
	assert_string_equal(out, "  x |\n");
}

static void
test_fixed_width(void **state)
{
	const char in[] = "A100      0001400Widget\r\nB2        0000005\xe9t\xe9\r\n";
	const eg_csv_fixcol cols[] = {{1, 10}, {11, 7}, {18, 10}};
	eg_csv_opts o = {0};
	char out[128];
	eg_error e;

	(void)state;
	o.fixed = cols;
	o.nfixed = 3;
	o.enc = EG_CSV_LATIN1;
	eg_error_clear(&e);
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "A100|0001400|Widget\n"
				 "B2|0000005|\xc3\xa9t\xc3\xa9\n");
}

static void
test_headerless(void **state)
{
	const char in[] = "\n1,2\n3,4\n";
	eg_csv_opts o = {0};
	char out[128];
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(read_all(in, sizeof(in) - 1, &o, out, sizeof(out), &e),
			 EG_OK);
	assert_string_equal(out, "1|2\n3|4\n");
}

/* A file read in chunks: put a chunk boundary at every point of a
 * quoted, multi-line, CRLF file, by padding in front of it. */
static void
test_chunk_boundaries(void **state)
{
	const char body[] = "\"q\"\"1\",\"x\r\ny\",z\r\n";
	char path[] = "/tmp/test_csv.XXXXXX";
	size_t pad;

	(void)state;
	for (pad = 65536 - 40; pad < 65536 + 4; pad++) {
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		eg_csv_opts o = {0};
		eg_csv *r = NULL;
		eg_error e;
		size_t k;
		int got, recs = 0;

		assert_non_null(f);
		fputs("h1,h2,h3\n", f);
		for (k = 0; k + 9 < pad; k += 9)
			fputs("aa,bb,cc\n", f);
		fputs(body, f);
		fclose(f);
		o.header = 1;
		eg_error_clear(&e);
		assert_int_equal(eg_csv_open(&r, path, &o, &e), EG_OK);
		while (eg_csv_next(r, &got, &e) == EG_OK && got) {
			recs++;
			if (eg_csv_field(r, 0).p[0] == 'a')
				continue;
			/* the last record, wherever the boundary fell */
			assert_int_equal(eg_csv_nfields(r), 3);
			assert_int_equal(eg_csv_field(r, 0).len, 3);
			assert_memory_equal(eg_csv_field(r, 0).p, "q\"1", 3);
			assert_int_equal(eg_csv_field(r, 1).len, 4);
			assert_memory_equal(eg_csv_field(r, 1).p, "x\r\ny", 4);
			assert_memory_equal(eg_csv_field(r, 2).p, "z", 1);
		}
		assert_int_equal(e.code, EG_OK);
		assert_int_equal((size_t)recs, (pad - 1) / 9 + 1);
		eg_csv_free(r);
		unlink(path);
		memcpy(path + sizeof(path) - 7, "XXXXXX", 6);
	}
}

static void
test_numbers(void **state)
{
	static const struct {
		const char *in;
		char dec, thou;
		unsigned implied;
		const char *out; /* NULL: refused */
	} t[] = {
		{"1,5", ',', 0, 0, "1.5"},
		{"1.234,50", ',', '.', 0, "1234.5"},
		{"1,234.50", '.', ',', 0, "1234.5"},
		{"1,5", '.', ',', 0, NULL},     /* a decimal comma, not 15 */
		{"1.5", ',', '.', 0, NULL},     /* a decimal point, not 15 */
		{"12,34,567", '.', ',', 0, NULL},
		{"-0012,00", ',', 0, 0, "-12"},
		{"12,50-", ',', 0, 0, "-12.5"},
		{"140000", '.', 0, 4, "14"},
		{"5", '.', 0, 2, "0.05"},
		{"1.5", '.', 0, 2, NULL},
		{"abc", '.', 0, 0, NULL},
		{"", '.', 0, 0, NULL},
		{"1 234,5", ',', ' ', 0, "1234.5"},
		{"-0", '.', 0, 0, "0"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[64], why[128];
		int r = eg_csv_number(t[i].in, strlen(t[i].in), t[i].dec,
				      t[i].thou, t[i].implied, out, sizeof(out),
				      why, sizeof(why));

		if (t[i].out) {
			assert_int_equal(r, 0);
			assert_string_equal(out, t[i].out);
		} else {
			assert_int_equal(r, -1);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4180),
		cmocka_unit_test(test_header_and_lines),
		cmocka_unit_test(test_detect_delim),
		cmocka_unit_test(test_bom_and_sep),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_encoding_errors),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_resume_after_error),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_trim_and_empty),
		cmocka_unit_test(test_fixed_width),
		cmocka_unit_test(test_headerless),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
