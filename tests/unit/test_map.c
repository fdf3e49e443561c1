/*
 * test_map.c - unit tests for the canonical value types, the record
 * writers and the map's position syntax.
 *
 * What must always hold: a value either comes out in the exact form
 * schemas/canonical.xsd demands or is refused with a reason (never a
 * value the schema would reject); the JSON writer follows
 * docs/canonical.md (recordType first, plural arrays for repeatable
 * elements, measures as {"value","uom"}, Python json.dumps escaping); the
 * XML writer escapes markup; map positions parse as SEG + two digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/map/map_int.h"
#include "edigate/record.h"

/* v in type t must become want (NULL: must be refused). */
static void
check(ctype t, const char *v, const char *want)
{
	char out[600], err[160];
	int r;

	out[0] = err[0] = '\0';
	r = eg_canon_value(t, v, strlen(v), out, sizeof(out), err, sizeof(err));
	if (want) {
		if (r != 0 || strcmp(out, want) != 0)
			fail_msg("'%s': got r=%d '%s' (%s), want '%s'", v, r, out,
				 err, want);
	} else if (r != -1 || err[0] == '\0') {
		fail_msg("'%s': got r=%d '%s', want a refusal with a reason", v,
			 r, out);
	}
}

static void
test_dates_times(void **state)
{
	(void)state;
	check(CT_DATE, "20240107", "2024-01-07");
	check(CT_DATE, "240229", "2024-02-29");
	check(CT_DATE, "991231", "1999-12-31");
	check(CT_DATE, "20230229", NULL);
	check(CT_DATE, "20241301", NULL);
	check(CT_DATE, "2024017", NULL);
	check(CT_DATE, "2024-01-07", NULL);
	check(CT_TIME, "0600", "06:00:00");
	check(CT_TIME, "235959", "23:59:59");
	check(CT_TIME, "06153012", "06:15:30.12");
	check(CT_TIME, "2460", NULL);
	check(CT_TIME, "06000", NULL);
}

static void
test_numbers(void **state)
{
	(void)state;
	check(CT_DECIMAL, "007.50", "7.50");
	check(CT_DECIMAL, ".5", "0.5");
	check(CT_DECIMAL, "5.", "5");
	check(CT_DECIMAL, "0", "0");
	check(CT_DECIMAL, "+12", "12");
	check(CT_DECIMAL, "-1", NULL);
	check(CT_DECIMAL, "1E5", NULL);
	check(CT_DECIMAL, "1234567890123456789", NULL);
	check(CT_COUNT, "0004", "4");
	check(CT_COUNT, "4.00", "4");
	check(CT_COUNT, "4.5", NULL);
	check(CT_POSCOUNT, "0", NULL);
	check(CT_QUANTITY, "048", "48");
}

static void
test_codes(void **state)
{
	(void)state;
	check(CT_GTIN, "084512102636", "084512102636");
	check(CT_GTIN, "084512102637", NULL); /* check digit */
	check(CT_GTIN, "12345", NULL);
	check(CT_GTIN, "4006381333931", "4006381333931");
	check(CT_SSCC, "00006141410030000006", "006141410030000006");
	check(CT_SSCC, "006141410030000006", "006141410030000006");
	check(CT_SSCC, "006141410030000007", NULL);
	check(CT_GLN, "0614141000006", NULL); /* wrong check digit */
	check(CT_GLN, "0614141000005", "0614141000005");
	check(CT_SCAC, "FDEG", "FDEG");
	check(CT_SCAC, "fdeg", NULL);
	check(CT_SCAC, "FEDEXG", NULL);
	check(CT_COUNTRY, "US", "US");
	check(CT_COUNTRY, "USA", NULL);
	check(CT_UOM, "EA", "EA");
	check(CT_UOM, "E", NULL);
	check(CT_PACKAGING, "CTN25", "CTN25");
	check(CT_PACKAGING, "CTN2", NULL);
	check(CT_PURPOSE, "original", "original");
	check(CT_PURPOSE, "00", NULL); /* a code the list must translate */
	check(CT_MODE, "parcel", "parcel");
	check(CT_MODE, "U", NULL);
	check(CT_WORD, "drop-ship", "drop-ship");
	check(CT_WORD, "DS", NULL);
	check(CT_LENGTH_UNIT, "IN", "IN");
	check(CT_LENGTH_UNIT, "YD", NULL);
}

static void
test_text(void **state)
{
	char long49[50];

	(void)state;
	check(CT_IDENT, "  A   B ", "A B");
	memset(long49, 'X', 49);
	long49[49] = '\0';
	check(CT_IDENT, long49, NULL);
	check(CT_NAME, long49, long49);
	check(CT_PHONE, "614 555 1234 X12", "614 555 1234 x12");
	check(CT_PHONE, "614-555-1234 EXT. 5", "614-555-1234 ext. 5");
	check(CT_PHONE, "6145551234", "6145551234");
	check(CT_PHONE, "CALL ME", NULL);
	check(CT_EMAIL, "OPS@NORTHLOG.EXAMPLE", "OPS@NORTHLOG.EXAMPLE");
	check(CT_EMAIL, "OPS AT NORTHLOG", NULL);
	{
		char out[8], err[80];

		/* only blanks: absent, not an empty element */
		assert_int_equal(eg_canon_value(CT_IDENT, "   ", 3, out,
						sizeof(out), err, sizeof(err)),
				 1);
	}
}

static void
test_fields(void **state)
{
	const cfield *f;

	(void)state;
	f = eg_canon_field("Shipment", "item/gtin");
	assert_non_null(f);
	assert_int_equal(f->type, CT_GTIN);
	f = eg_canon_field("Shipment", "pack/dimensions/length");
	assert_non_null(f);
	assert_int_equal(f->type, CT_DECIMAL);
	f = eg_canon_field("Shipment", "shipTo");
	assert_non_null(f);
	assert_int_equal(f->type, CT_PARTY);
	assert_null(eg_canon_field("Shipment", "shipTo/name"));
	assert_null(eg_canon_field("Shipment", "nosuch"));
	assert_null(eg_canon_field("Shipment", "line/lineNumber"));
	assert_null(eg_canon_field("Shipment", "order")); /* a level */
	f = eg_canon_field("WarehouseOrder", "line/quantityOrdered");
	assert_non_null(f);
	assert_int_equal(f->type, CT_QUANTITY);
	assert_true(eg_canon_is_level("Shipment", "pack"));
	assert_false(eg_canon_is_level("WarehouseOrder", "pack"));
}

static void
test_terms(void **state)
{
	mterm t;
	mfield f;
	char err[160];

	(void)state;
	assert_int_equal(eg_mterm_parse(&t, "N104", 4), 0);
	assert_string_equal(t.tag, "N1");
	assert_int_equal(t.elem, 4);
	assert_int_equal(eg_mterm_parse(&t, "W0604", 5), 0);
	assert_string_equal(t.tag, "W06");
	assert_int_equal(t.elem, 4);
	assert_int_equal(eg_mterm_parse(&t, "MEA04-1", 7), 0);
	assert_string_equal(t.tag, "MEA");
	assert_int_equal(t.elem, 4);
	assert_int_equal(t.comp, 1);
	assert_int_equal(eg_mterm_parse(&t, "TD5", 3), -1);
	assert_int_equal(eg_mterm_parse(&t, "n104", 4), -1);
	assert_int_equal(eg_mterm_parse(&t, "REF00", 5), -1);
	memset(&f, 0, sizeof(f));
	assert_int_equal(eg_mfield_parse(&f, "TD302+TD303", "TD301=TL|TV",
					 NULL, err, sizeof(err)),
			 0);
	assert_int_equal(f.nsrc, 2);
	assert_int_equal(f.nwhen, 1);
	assert_string_equal(f.when[0].vals, "TL|TV");
	/* a condition must be on the source's own segment */
	assert_int_equal(eg_mfield_parse(&f, "REF02", "N101=ST", NULL, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "source's segment"));
	assert_int_equal(eg_mfield_parse(&f, "TD302+N104", NULL, NULL, err,
					 sizeof(err)),
			 -1);
}

static void
test_writers(void **state)
{
	eg_rnode *rec, *n, *m;
	eg_buf b;

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(eg_rnode_new_root(&rec, "Shipment"), EG_OK);
	assert_int_equal(eg_rnode_add(rec, "shipmentId", EG_RK_TEXT, 0,
				      "A\"B\\C\n\x01<&>", 10, NULL),
			 EG_OK);
	assert_int_equal(eg_rnode_add(rec, "sealNumber", EG_RK_TEXT, 1, "S1", 2,
				      NULL),
			 EG_OK);
	assert_int_equal(eg_rnode_add(rec, "sealNumber", EG_RK_TEXT, 1, "S2", 2,
				      NULL),
			 EG_OK);
	assert_int_equal(eg_rnode_add(rec, "grossWeight", EG_RK_MEASURE, 0,
				      "18.50", 5, &m),
			 EG_OK);
	assert_int_equal(eg_rnode_set_uom(m, "LB"), EG_OK);
	assert_int_equal(eg_rnode_add(rec, "order", EG_RK_GROUP, 1, NULL, 0,
				      &n),
			 EG_OK);
	assert_int_equal(eg_rnode_add(n, "packageCount", EG_RK_NUMBER, 0, "4",
				      1, NULL),
			 EG_OK);
	assert_int_equal(eg_record_write_json(&b, rec), EG_OK);
	assert_string_equal(
		eg_buf_cstr(&b),
		"{\"recordType\":\"Shipment\",\"shipmentId\":"
		"\"A\\\"B\\\\C\\n\\u0001<&>\",\"sealNumbers\":[\"S1\",\"S2\"],"
		"\"grossWeight\":{\"value\":18.50,\"uom\":\"LB\"},"
		"\"orders\":[{\"packageCount\":4}]}\n");
	eg_buf_reset(&b);
	assert_int_equal(eg_record_write_xml(&b, rec, 0), EG_OK);
	assert_non_null(strstr(eg_buf_cstr(&b), "&lt;&amp;&gt;</shipmentId>"));
	assert_non_null(strstr(eg_buf_cstr(&b),
			       "<grossWeight uom=\"LB\">18.50</grossWeight>"));
	assert_string_equal(eg_rnode_text(rec, "order/packageCount"), "4");
	eg_rnode_free(rec);
	eg_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_times),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
