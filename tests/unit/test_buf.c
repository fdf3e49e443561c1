/*
 * test_buf.c - unit tests for the bounded buffer, spans and the error type.
 *
 * What must always hold (buf.h, err.h): an eg_buf never grows past its
 * maximum and a failed add leaves it exactly as it was; its data is always
 * NUL-terminated; the first failure recorded in an eg_error wins; a
 * formatted error carries its position before the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "edigate/buf.h"
#include "edigate/err.h"

/* --- eg_span_eq ------------------------------------------------------- */

static void
test_span_eq(void **state)
{
	const char text[] = "ISA*00";
	eg_span s = {text, 3};
	eg_span empty = {NULL, 0};
	eg_span z = {text, 0};

	(void)state;
	assert_true(eg_span_eq(s, "ISA"));
	assert_false(eg_span_eq(s, "IS"));
	assert_false(eg_span_eq(s, "ISA*"));
	assert_false(eg_span_eq(s, "ISB"));
	assert_false(eg_span_eq(s, ""));
	assert_true(eg_span_eq(empty, ""));
	assert_true(eg_span_eq(z, ""));
	assert_false(eg_span_eq(empty, "A"));
	/* A span is not NUL-terminated: only its len bytes count. */
	s.len = sizeof(text) - 1;
	assert_true(eg_span_eq(s, "ISA*00"));
}

/* --- eg_buf ----------------------------------------------------------- */

static void
test_buf_empty(void **state)
{
	eg_buf b;

	(void)state;
	eg_buf_init(&b, 16);
	assert_int_equal(b.len, 0);
	assert_string_equal(eg_buf_cstr(&b), "");
	eg_buf_reset(&b); /* reset before any add is harmless */
	assert_string_equal(eg_buf_cstr(&b), "");
	eg_buf_free(&b);
	eg_buf_free(&b); /* twice is harmless: data was set to NULL */
	eg_buf_free(NULL);
}

static void
test_buf_add_basic(void **state)
{
	eg_buf b;

	(void)state;
	eg_buf_init(&b, 1024);
	assert_int_equal(eg_buf_add(&b, "abc", 3), EG_OK);
	assert_int_equal(eg_buf_addc(&b, '-'), EG_OK);
	assert_int_equal(eg_buf_adds(&b, "def"), EG_OK);
	assert_int_equal(eg_buf_add(&b, "ignored", 0), EG_OK);
	assert_int_equal(b.len, 7);
	assert_string_equal(eg_buf_cstr(&b), "abc-def");
	assert_int_equal(b.data[b.len], '\0');
	/* Embedded NUL bytes are kept; len counts them. */
	assert_int_equal(eg_buf_add(&b, "x\0y", 3), EG_OK);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "abc-defx\0y", 10);
	eg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data); /* the allocation is kept */
	assert_string_equal(eg_buf_cstr(&b), "");
	assert_int_equal(eg_buf_adds(&b, "again"), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "again");
	eg_buf_free(&b);
}

static void
test_buf_limit(void **state)
{
	eg_buf b;
	char big[100];

	(void)state;
	memset(big, 'z', sizeof(big));
	eg_buf_init(&b, 10);
	assert_int_equal(eg_buf_add(&b, "0123456789", 10), EG_OK);
	assert_int_equal(b.len, 10);
	assert_true(b.cap <= b.max + 1);
	/* At the maximum: every further add fails and changes nothing. */
	assert_int_equal(eg_buf_addc(&b, 'x'), EG_ELIMIT);
	assert_int_equal(eg_buf_add(&b, "x", 1), EG_ELIMIT);
	assert_int_equal(eg_buf_adds(&b, "xy"), EG_ELIMIT);
	assert_int_equal(eg_buf_addf(&b, "%d", 7), EG_ELIMIT);
	assert_int_equal(eg_buf_add_json(&b, "", 0), EG_ELIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(eg_buf_cstr(&b), "0123456789");
	/* Adding nothing at the maximum is fine. */
	assert_int_equal(eg_buf_add(&b, "", 0), EG_OK);
	assert_int_equal(b.len, 10);
	eg_buf_free(&b);

	/* A failed add in the middle leaves the content as it was. */
	eg_buf_init(&b, 10);
	assert_int_equal(eg_buf_adds(&b, "abcdef"), EG_OK);
	assert_int_equal(eg_buf_adds(&b, "ghijk"), EG_ELIMIT);
	assert_int_equal(b.len, 6);
	assert_string_equal(eg_buf_cstr(&b), "abcdef");
	assert_int_equal(eg_buf_addf(&b, "%s", "12345"), EG_ELIMIT);
	assert_string_equal(eg_buf_cstr(&b), "abcdef");
	assert_int_equal(eg_buf_adds(&b, "ghij"), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "abcdefghij");
	eg_buf_free(&b);

	/* One add larger than the maximum, and a size that would overflow. */
	eg_buf_init(&b, 50);
	assert_int_equal(eg_buf_add(&b, big, sizeof(big)), EG_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_string_equal(eg_buf_cstr(&b), "");
	assert_int_equal(eg_buf_addc(&b, 'q'), EG_OK);
	assert_int_equal(eg_buf_add(&b, big, SIZE_MAX), EG_ELIMIT);
	assert_string_equal(eg_buf_cstr(&b), "q");
	eg_buf_free(&b);

	/* A zero maximum takes nothing. */
	eg_buf_init(&b, 0);
	assert_int_equal(eg_buf_addc(&b, 'x'), EG_ELIMIT);
	assert_string_equal(eg_buf_cstr(&b), "");
	eg_buf_free(&b);
}

static void
test_buf_growth(void **state)
{
	eg_buf b;
	size_t i;

	(void)state;
	/* Many small adds: grows, stays NUL-terminated, stops at max. */
	eg_buf_init(&b, 5000);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(eg_buf_addc(&b, (char)('a' + i % 26)), EG_OK);
		assert_int_equal(b.data[b.len], '\0');
		assert_true(b.cap > b.len);
		assert_true(b.cap <= b.max + 1);
	}
	assert_int_equal(eg_buf_addc(&b, 'x'), EG_ELIMIT);
	assert_int_equal(b.len, 5000);
	assert_int_equal(b.data[4999], (char)('a' + 4999 % 26));
	assert_int_equal(b.data[5000], '\0');
	eg_buf_free(&b);
}

static void
test_buf_addf(void **state)
{
	eg_buf b;
	char longs[300];

	(void)state;
	eg_buf_init(&b, 1000);
	assert_int_equal(eg_buf_addf(&b, "%s=%d;", "count", 42), EG_OK);
	assert_int_equal(eg_buf_addf(&b, "%05u|%-3s|%x", 7u, "a", 255u),
			 EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "count=42;00007|a  |ff");
	assert_int_equal(b.len, strlen("count=42;00007|a  |ff"));
	/* An empty format adds nothing and succeeds. */
	assert_int_equal(eg_buf_addf(&b, "%s", ""), EG_OK);
	assert_int_equal(b.len, strlen("count=42;00007|a  |ff"));
	/* A long expansion that needs growth mid-format. */
	memset(longs, 'L', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_int_equal(eg_buf_addf(&b, "[%s]", longs), EG_OK);
	assert_int_equal(b.len, strlen("count=42;00007|a  |ff") + 301);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	eg_buf_free(&b);

	/* Exactly at the maximum works; one more does not. */
	eg_buf_init(&b, 5);
	assert_int_equal(eg_buf_addf(&b, "%d", 12345), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "12345");
	eg_buf_reset(&b);
	assert_int_equal(eg_buf_addf(&b, "%d", 123456), EG_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_string_equal(eg_buf_cstr(&b), "");
	eg_buf_free(&b);
}

/*
 * Decode the JSON string literal in p[0..n) into out; returns the decoded
 * length or -1 when it is not a valid literal.  Only \u escapes below
 * 0x80 are expected (bytes >= 0x80 pass through).
 */
static long
json_decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	if (n < 2 || p[0] != '"' || p[n - 1] != '"')
		return -1;
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		if (o >= cap)
			return -1;
		if (c == '"' || c < 0x20)
			return -1; /* must be escaped */
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (++i >= n - 1)
			return -1;
		switch (p[i]) {
		case '"':
		case '\\':
		case '/':
			out[o++] = p[i];
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			unsigned v = 0;
			int k;

			if (i + 4 >= n - 1)
				return -1;
			for (k = 1; k <= 4; k++) {
				char h = p[i + (size_t)k];

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					v |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					v |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (v >= 0x80)
				return -1;
			out[o++] = (char)v;
			i += 4;
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

static void
test_buf_add_json(void **state)
{
	eg_buf b;
	const char in[] = "a\"b\\c\n\t\r\x01\x1f\x7f/\xc3\xa9\0z'";
	char dec[64];
	long n;

	(void)state;
	eg_buf_init(&b, 1000);
	assert_int_equal(eg_buf_add_json(&b, "", 0), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "\"\"");
	eg_buf_reset(&b);
	assert_int_equal(eg_buf_add_json(&b, "plain text", 10), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "\"plain text\"");
	eg_buf_reset(&b);
	/* Quotes, backslashes, control bytes and NUL come back exactly
	 * when the literal is decoded; no raw control byte is left. */
	assert_int_equal(eg_buf_add_json(&b, in, sizeof(in) - 1), EG_OK);
	n = json_decode(b.data, b.len, dec, sizeof(dec));
	if (n < 0)
		fail_msg("not a JSON string literal: %s", b.data);
	assert_int_equal((size_t)n, sizeof(in) - 1);
	assert_memory_equal(dec, in, sizeof(in) - 1);
	/* Appending adds to what is there. */
	assert_int_equal(eg_buf_adds(&b, ","), EG_OK);
	assert_int_equal(eg_buf_add_json(&b, "x", 1), EG_OK);
	assert_non_null(strstr(b.data, "\",\"x\""));
	eg_buf_free(&b);

	/* Too small for the escaped form: fails with EG_ELIMIT without
	 * passing the maximum. */
	eg_buf_init(&b, 6);
	assert_int_equal(eg_buf_add_json(&b, "\x01\x02", 2), EG_ELIMIT);
	assert_true(b.len <= 6);
	eg_buf_free(&b);
}

static void
test_buf_add_printable(void **state)
{
	eg_buf b;
	const char in[] = "ISA*\x00\r\n\x1c\x7fZ~";
	size_t i;

	(void)state;
	eg_buf_init(&b, 1000);
	assert_int_equal(eg_buf_add_printable(&b, "GS*SH", 5), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "GS*SH");
	eg_buf_reset(&b);
	/* Control bytes as \xNN (hex in either case), the rest as is. */
	assert_int_equal(eg_buf_add_printable(&b, in, sizeof(in) - 1), EG_OK);
	assert_int_equal(strcasecmp(eg_buf_cstr(&b),
				    "ISA*\\x00\\x0d\\x0a\\x1c\\x7fZ~"),
			 0);
	eg_buf_reset(&b);
	/* Whatever else it does, the result has no raw control byte. */
	for (i = 0; i < 256; i++) {
		char c = (char)i;

		assert_int_equal(eg_buf_add_printable(&b, &c, 1), EG_OK);
	}
	for (i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20 &&
			    b.data[i] != 0x7f);
	eg_buf_free(&b);

	eg_buf_init(&b, 3);
	assert_int_equal(eg_buf_add_printable(&b, "\x01", 1), EG_ELIMIT);
	eg_buf_free(&b);
}

/* --- eg_error --------------------------------------------------------- */

static void
test_err_names(void **state)
{
	(void)state;
	assert_int_equal(EG_OK, 0);
	assert_string_equal(eg_err_str(EG_OK), "ok");
	assert_string_equal(eg_err_str(EG_ESYNTAX), "syntax");
	assert_string_equal(eg_err_str(EG_ELIMIT), "limit");
	assert_string_equal(eg_err_str(EG_EENCODING), "encoding");
	assert_string_equal(eg_err_str((eg_err)999), "unknown");
	assert_int_equal(eg_err_severity(EG_ESYNTAX), EG_SEV_REJECT);
	assert_int_equal(eg_err_severity(EG_EENCODING), EG_SEV_REJECT);
	assert_int_equal(eg_err_severity(EG_ELIMIT), EG_SEV_REJECT);
	assert_int_equal(eg_err_severity(EG_EIO), EG_SEV_RETRY);
	assert_int_equal(eg_err_severity(EG_ECONFIG), EG_SEV_ABORT);
	assert_int_equal(eg_err_severity(EG_ENOMEM), EG_SEV_ABORT);
}

static void
test_err_first_wins(void **state)
{
	eg_error e;
	eg_pos pos;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(e.code, EG_OK);
	assert_string_equal(e.msg, "");
	assert_int_equal(eg_fail(&e, EG_ESYNTAX, "ISA13 '%.9s' is not numeric",
				 "12345678X_tail"),
			 EG_ESYNTAX);
	assert_int_equal(e.code, EG_ESYNTAX);
	assert_string_equal(e.msg, "ISA13 '12345678X' is not numeric");
	assert_false(e.has_pos);

	/* A second failure does not overwrite the first, but its code is
	 * still returned to the caller. */
	memset(&pos, 0, sizeof(pos));
	pos.offset = 99;
	assert_int_equal(eg_fail(&e, EG_EIO, "second"), EG_EIO);
	assert_int_equal(eg_fail_at(&e, EG_ELIMIT, &pos, "third"), EG_ELIMIT);
	assert_int_equal(e.code, EG_ESYNTAX);
	assert_string_equal(e.msg, "ISA13 '12345678X' is not numeric");
	assert_false(e.has_pos);

	/* After clearing, a new failure is recorded. */
	eg_error_clear(&e);
	assert_int_equal(eg_fail_at(&e, EG_ELIMIT, &pos, "segment too long"),
			 EG_ELIMIT);
	assert_int_equal(e.code, EG_ELIMIT);
	assert_true(e.has_pos);
	assert_int_equal(e.pos.offset, 99);

	/* A NULL error context is allowed. */
	assert_int_equal(eg_fail(NULL, EG_EINVAL, "nobody listens"),
			 EG_EINVAL);
	assert_int_equal(eg_fail_at(NULL, EG_EINVAL, &pos, "x"), EG_EINVAL);
	eg_error_clear(NULL);
}

static void
test_err_long_message(void **state)
{
	eg_error e;
	char longs[2000];

	(void)state;
	memset(longs, 'm', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	eg_error_clear(&e);
	assert_int_equal(eg_fail(&e, EG_ESYNTAX, "%s", longs), EG_ESYNTAX);
	assert_int_equal(strlen(e.msg), EG_ERRMSG_MAX - 1);
}

static void
test_err_format(void **state)
{
	eg_error e;
	eg_pos pos;
	char out[512];
	char tiny[8];
	const char *colon;

	(void)state;
	memset(&pos, 0, sizeof(pos));
	pos.offset = 123;
	pos.segment = 7;
	pos.txn_pos = 5;
	memcpy(pos.seg_id, "SE", 3);
	pos.element = 1;
	eg_error_clear(&e);
	(void)eg_fail_at(&e, EG_ESYNTAX, &pos, "SE01 '%s' is not numeric",
			 "X");
	eg_error_format(&e, out, sizeof(out));
	/* "offset 123, segment 7 (SE, #5 in transaction...), element
	 * ...01: message": the position first, then the message. */
	assert_non_null(strstr(out, "offset 123"));
	assert_non_null(strstr(out, "segment 7"));
	assert_non_null(strstr(out, "SE"));
	assert_non_null(strstr(out, "#5"));
	assert_non_null(strstr(out, "element"));
	assert_non_null(strstr(out, "01"));
	colon = strstr(out, ": SE01 'X' is not numeric");
	assert_non_null(colon);
	assert_string_equal(colon, ": SE01 'X' is not numeric");
	assert_true(strstr(out, "offset 123") < colon);

	/* The position part alone. */
	eg_pos_format(&pos, out, sizeof(out));
	assert_non_null(strstr(out, "offset 123"));
	assert_null(strstr(out, "not numeric"));

	/* No position: just the message. */
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_EIO, "cannot open x: %s", "No such file");
	eg_error_format(&e, out, sizeof(out));
	assert_string_equal(out, "cannot open x: No such file");

	/* Truncation keeps the result NUL-terminated. */
	eg_error_clear(&e);
	(void)eg_fail_at(&e, EG_ESYNTAX, &pos, "a long enough message");
	memset(tiny, 'Z', sizeof(tiny));
	eg_error_format(&e, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	memset(tiny, 'Z', sizeof(tiny));
	eg_pos_format(&pos, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
	/* cap 0 writes nothing. */
	tiny[0] = 'Q';
	eg_error_format(&e, tiny, 0);
	assert_int_equal(tiny[0], 'Q');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_eq),
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_add_basic),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_addf),
		cmocka_unit_test(test_buf_add_json),
		cmocka_unit_test(test_buf_add_printable),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_err_first_wins),
		cmocka_unit_test(test_err_long_message),
		cmocka_unit_test(test_err_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
