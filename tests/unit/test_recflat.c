/*
 * test_recflat.c - canonical records flattened for comparison
 * (src/map/recflat.c): leaves sorted by path, the key from the record
 * type and correlation keys, correlation left out, numbers as decimals,
 * and what is not a record refused with where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/recflat.h"

static eg_err
flat(eg_recflat *r, const char *line, eg_error *e)
{
	eg_error_clear(e);
	return eg_recflat_line(r, line, strlen(line), e);
}

static void
test_leaves_and_key(void **state)
{
	eg_recflat r;
	eg_error e;

	(void)state;
	eg_recflat_init(&r);
	assert_int_equal(
	    flat(&r,
		 "{\"recordType\":\"WarehouseOrder\",\"correlation\":{\"fileId\":"
		 "\"1\",\"keys\":[{\"name\":\"po-number\",\"value\":\"PO 1\"},"
		 "{\"name\":\"order-number\",\"value\":\"O1\"}]},\"lines\":[{"
		 "\"quantity\":{\"value\":18.50,\"uom\":\"EA\"}},{\"sku\":\"A\","
		 "\"flag\":true,\"x\":null}],\"orderNumber\":\"O1\"}",
		 &e),
	    EG_OK);
	/* a value with a space keeps its quotes in the key */
	assert_string_equal(eg_buf_cstr(&r.key),
			    "WarehouseOrder po-number=\"PO 1\" order-number=O1");
	assert_string_equal(eg_buf_cstr(&r.leaves),
			    "lines[0].quantity.uom\t\"EA\"\n"
			    "lines[0].quantity.value\t18.5\n"
			    "lines[1].flag\ttrue\n"
			    "lines[1].sku\t\"A\"\n"
			    "lines[1].x\tnull\n"
			    "orderNumber\t\"O1\"\n"
			    "recordType\t\"WarehouseOrder\"\n");
	/* 3.0 and 3 are one value; whitespace does not count */
	assert_int_equal(flat(&r, " { \"recordType\" : \"Item\" , \"n\" : 3.0 } ",
			      &e),
			 EG_OK);
	assert_string_equal(eg_buf_cstr(&r.key), "Item");
	assert_string_equal(eg_buf_cstr(&r.leaves),
			    "n\t3\nrecordType\t\"Item\"\n");
	eg_recflat_free(&r);
}

static void
test_not_records(void **state)
{
	static const char *const bad[] = {
	    "", "[1,2]", "{\"a\":}", "{\"a\":1", "{\"a\":\"x}", "{\"a\":1} x",
	    "{\"a\" 1}", "{\"a\":tru}", "not json",
	};
	char deep[300];
	eg_recflat r;
	eg_error e;
	size_t i;

	(void)state;
	eg_recflat_init(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(flat(&r, bad[i], &e), EG_ESYNTAX);
		assert_non_null(strstr(e.msg, "not a JSON record"));
	}
	/* nested too deep is refused, not a stack overflow */
	memset(deep, '[', 105);
	memcpy(deep, "{\"a\":", 5);
	deep[105] = '\0';
	assert_int_equal(flat(&r, deep, &e), EG_ESYNTAX);
	assert_non_null(strstr(e.msg, "nested too deep"));
	eg_recflat_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaves_and_key),
		cmocka_unit_test(test_not_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
