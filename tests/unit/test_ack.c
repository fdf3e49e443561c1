/*
 * test_ack.c - unit tests for the acknowledgement writer's helpers and
 * rules (ack.h): delimiters that collide are refused, the kind of an ack
 * is found whatever its delimiters, and a run over a real interchange
 * writes with the caller's delimiters, answers nothing that cannot be
 * addressed, and answers a short ISA with a TA1 R.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/ack.h"
#include "edigate/source.h"
#include "edigate/x12_check.h"

typedef struct out {
	char data[4096];
	size_t len;
	uint64_t next;
} out;

static eg_err
next_control(void *ud, const char *kind, uint64_t *n, eg_error *e)
{
	out *o = ud;

	(void)kind;
	(void)e;
	*n = ++o->next;
	return EG_OK;
}

static eg_err
emit(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	out *o = ud;

	(void)name;
	(void)e;
	if (o->len + len < sizeof(o->data)) {
		memcpy(o->data + o->len, data, len);
		o->len += len;
		o->data[o->len] = '\0';
	}
	return EG_OK;
}

/* Run the writer over text; returns what eg_ack_unanswered says. */
static unsigned
run(const char *text, const eg_ack_opts *base, out *o)
{
	eg_ack_opts ao = *base;
	eg_ack *a = NULL;
	eg_source *src = NULL;
	eg_x12_check_opts co;
	eg_x12_check_result res;
	eg_error e;
	unsigned n;

	memset(o, 0, sizeof(*o));
	memset(&co, 0, sizeof(co));
	co.limits = eg_x12_limits_default();
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = o;
	ao.now = 1795330800; /* 2026-11-22 07:00 UTC */
	assert_int_equal(eg_ack_new(&a, &ao, &e), EG_OK);
	assert_int_equal(eg_source_new_mem(&src, text, strlen(text), "mem", &e),
			 EG_OK);
	assert_int_equal(eg_x12_check(src, &co, eg_ack_events(a), &res, &e),
			 EG_OK);
	if (res.reader_failed)
		(void)eg_ack_isa_fallback(a, text, strlen(text));
	assert_int_equal(eg_ack_error(a, &e), EG_OK);
	n = eg_ack_unanswered(a, NULL);
	eg_ack_free(a);
	eg_source_free(src);
	return n;
}

#define ISA_(q5, id6, date)                                                   \
	"ISA*00*          *00*          *" q5 "*" id6 "*ZZ*RECEIVERID     *" \
	date "*1530*U*00401*000000101*0*P*>~\n"
#define BODY                                                                \
	"GS*SH*SENDERID*RECEIVERID*20261121*1530*101*X*004010~\n"           \
	"ST*856*0001~\nBSN*00*SHIP001*20261121*1530~\nSE*3*0001~\n"          \
	"GE*1*101~\nIEA*1*000000101~\n"

static void
test_delims(void **state)
{
	(void)state;
	assert_null(eg_ack_delims_check('*', ':', '^', '~', 1));
	assert_null(eg_ack_delims_check('|', '>', '!', '\n', 1));
	assert_non_null(eg_ack_delims_check('*', '*', '^', '~', 1));
	assert_non_null(eg_ack_delims_check('*', 'A', '^', '~', 1));
	assert_non_null(eg_ack_delims_check('*', ' ', '^', '~', 1));
	assert_non_null(eg_ack_delims_check('*', '\n', '^', '~', 1));
	assert_null(eg_ack_delims_check('*', '\n', '^', '~', 0));
}

static void
test_versions_and_kind(void **state)
{
	static const char ta1[] =
	    "ISA|00|          |00|          |ZZ|A              |ZZ|B          "
	    "    |261122|0700|U|00401|000000001|0|P|>'\nTA1|000000101|261121|"
	    "1530|A|000'\nIEA|0|000000001'\n";
	static const char a997[] =
	    "ISA|00|          |00|          |ZZ|A              |ZZ|B          "
	    "    |261122|0700|U|00401|000000001|0|P|>'\nGS|FA|B|A|20261122|07"
	    "00|1|X|004010'\nST|997|0001'\n";

	(void)state;
	assert_true(eg_ack_version_known("00401"));
	assert_true(eg_ack_version_known("00501"));
	assert_false(eg_ack_version_known("0040A"));
	assert_false(eg_ack_version_known("00200"));
	assert_string_equal(eg_ack_kind(ta1, strlen(ta1)), "TA1");
	assert_string_equal(eg_ack_kind(a997, strlen(a997)), "997");
}

static void
test_run_delimiters(void **state)
{
	eg_ack_opts ao;
	out o;

	(void)state;
	memset(&ao, 0, sizeof(ao));
	ao.element = '|';
	ao.component = '>';
	ao.repetition = '!';
	ao.segment = '\'';
	assert_int_equal(run(ISA_("ZZ", "SENDERID       ", "261121") BODY, &ao,
			     &o),
			 0);
	assert_non_null(strstr(o.data, "|P|>'\nGS|FA|RECEIVERID|SENDERID|"));
	assert_non_null(strstr(o.data, "AK9|A|1|1|1'\n"));
	assert_null(strchr(o.data, '*'));
}

static void
test_run_unanswerable(void **state)
{
	eg_ack_opts ao;
	out o;

	(void)state;
	memset(&ao, 0, sizeof(ao));
	/* an invalid sender qualifier: nobody to address */
	assert_int_equal(run(ISA_("XX", "SENDERID       ", "261121") BODY, &ao,
			     &o),
			 1);
	assert_int_equal(o.len, 0);
	/* an invalid ISA09: TA102 could not refer to it */
	assert_int_equal(run(ISA_("ZZ", "SENDERID       ", "261332") BODY, &ao,
			     &o),
			 1);
	assert_int_equal(o.len, 0);
	/* a short ISA06 that still splits: TA1 R 006 */
	assert_int_equal(run(ISA_("ZZ", "SENDERID     ", "261121") BODY, &ao,
			     &o),
			 0);
	assert_non_null(strstr(o.data, "\nTA1*000000101*261121*1530*R*006~\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delims),
		cmocka_unit_test(test_versions_and_kind),
		cmocka_unit_test(test_run_delimiters),
		cmocka_unit_test(test_run_unanswerable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
