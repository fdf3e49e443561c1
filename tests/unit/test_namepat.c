/*
 * test_namepat.c - unit tests for outbound file-name patterns (namepat.h).
 *
 * What must always hold: every placeholder is filled, {control} is
 * required, nothing outside letters, digits and "._-" reaches a name,
 * and a name too long for its buffer is an error, never cut short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "edigate/namepat.h"

static const eg_namepat_vals vals = {"acme", "997", "000000042",
				     1796682731}; /* 2026-12-07 22:32:11 UTC */

static void
test_fill(void **state)
{
	char name[EG_NAMEPAT_MAX];
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_namepat_fill(EG_NAMEPAT_DEFAULT, &vals, name,
					 sizeof(name), &e),
			 EG_OK);
	assert_string_equal(name, "acme-997-000000042.x12");
	assert_int_equal(eg_namepat_fill("ACME_{set}_{date}T{time}_{control}.edi",
					 &vals, name, sizeof(name), &e),
			 EG_OK);
	assert_string_equal(name, "ACME_997_20261207T223211_000000042.edi");
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
	    "", "ACME-{set}.x12", "../{control}.x12", "a/{control}",
	    "{partner} {control}", "{ctl}{control}", "{control", ".{control}",
	    "{control}.x12.part",
	};
	char why[160], name[64];
	size_t i;
	eg_error e;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(eg_namepat_check(bad[i], why, sizeof(why)),
				     0);
		assert_true(why[0] != '\0');
		eg_error_clear(&e);
		assert_int_equal(eg_namepat_fill(bad[i], &vals, name,
						 sizeof(name), &e),
				 EG_ECONFIG);
	}
	assert_int_equal(eg_namepat_check("{control}", why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void
test_unsafe_value_and_length(void **state)
{
	eg_namepat_vals v = vals;
	char name[16];
	eg_error e;

	(void)state;
	v.partner = "../x";
	eg_error_clear(&e);
	assert_int_equal(eg_namepat_fill("{partner}-{control}", &v, name,
					 sizeof(name), &e),
			 EG_ECONFIG);
	assert_non_null(strstr(e.msg, "{partner}"));
	/* 4 + 1 + 9 + 4 = 18 characters do not fit in 16 */
	eg_error_clear(&e);
	assert_int_equal(eg_namepat_fill(EG_NAMEPAT_DEFAULT, &vals, name,
					 sizeof(name), &e),
			 EG_ECONFIG);
	assert_non_null(strstr(e.msg, "too long"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fill),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_unsafe_value_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
