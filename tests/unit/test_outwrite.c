/*
 * test_outwrite.c - unit tests for the outbound direction's pieces: the
 * JSON reader (json.h), canonical records from JSON (canon_read.h) and
 * the X12 writer through the shipped 940 outbound map (outwrite.h).
 *
 * What must always hold: broken JSON is refused with its position,
 * never half-read; a record breaking the schema yields no record and
 * every problem; the writer's bytes are exactly the envelope and
 * segments the map and profile say (expected text derived by hand); a
 * value X12 cannot carry is a problem and leaves nothing in the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "edigate/canon_read.h"
#include "edigate/json.h"
#include "edigate/outwrite.h"

static eg_err
parse(const char *s, eg_json **j, eg_error *e)
{
	return eg_json_parse(j, s, strlen(s), e);
}

static void
test_json_ok(void **state)
{
	eg_json *j = NULL;
	const eg_json *v;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(parse(" {\"a\": \"x\\u00e9\\ud83d\\ude00\\n\", "
			       "\"n\": -1.5e3, \"l\": [true, null, {}]} ",
			       &j, &e),
			 EG_OK);
	v = eg_json_get(j, "a");
	assert_non_null(v);
	assert_string_equal(v->text, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	v = eg_json_get(j, "n");
	assert_int_equal(v->kind, EG_JSON_NUMBER);
	assert_string_equal(v->text, "-1.5e3");
	v = eg_json_get(j, "l");
	assert_int_equal(v->kind, EG_JSON_ARRAY);
	assert_int_equal(v->child->kind, EG_JSON_BOOL);
	assert_int_equal(v->child->next->kind, EG_JSON_NULL);
	assert_int_equal(v->child->next->next->kind, EG_JSON_OBJECT);
	eg_json_free(j);
}

static void
test_json_bad(void **state)
{
	static const char *const bad[] = {
	    "{\"a\":", "{\"a\":1} x", "{\"a\":1,\"a\":2}", "[01]", "[1.]",
	    "\"\\q\"", "\"\\ud800\"", "\"a\tb\"", "{a:1}", "[1,]", "", "tru",
	    "\"abc",
	};
	char deep[80], nul[8] = "\"a\0b\"";
	eg_json *j = NULL;
	eg_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eg_error_clear(&e);
		assert_int_equal(parse(bad[i], &j, &e), EG_ESYNTAX);
		assert_null(j);
	}
	memset(deep, '[', sizeof(deep));
	eg_error_clear(&e);
	assert_int_equal(eg_json_parse(&j, deep, sizeof(deep), &e),
			 EG_ESYNTAX);
	assert_non_null(strstr(e.msg, "nested too deeply"));
	assert_int_equal(eg_json_parse(&j, nul, 5, &e), EG_ESYNTAX);
	assert_null(j);
}

static const char order[] =
    "{\"recordType\":\"WarehouseOrder\",\"purpose\":\"original\","
    "\"orderNumber\":\"A-1\",\"orderDate\":\"2024-03-04\","
    "\"shipTo\":{\"name\":\"SHOP\",\"city\":\"AUSTIN\"},"
    "\"carrier\":{\"paymentMethod\":\"prepaid\",\"transportMode\":\"ltl\"},"
    "\"lines\":[{\"quantityOrdered\":{\"value\":2,\"uom\":\"EA\"},"
    "\"lineNumber\":\"1\",\"sku\":\"S-1\"},{\"lineNumber\":\"2\","
    "\"gtin\":\"00012345600012\",\"quantityOrdered\":{\"value\":0.5,"
    "\"uom\":\"LB\"}}]}";

static void
test_canon_read(void **state)
{
	eg_rnode *r = NULL;
	eg_buf why;
	unsigned nbad = 0;
	eg_error e;

	(void)state;
	eg_buf_init(&why, 1 << 16);
	eg_error_clear(&e);
	assert_int_equal(eg_canon_read_json(&r, order, strlen(order),
					    "WarehouseOrder", &why, &nbad, &e),
			 EG_OK);
	assert_int_equal(nbad, 0);
	assert_non_null(r);
	/* schema order whatever the JSON's: lineNumber first */
	assert_string_equal(eg_rnode_child(r, "line")->child->name,
			    "lineNumber");
	eg_rnode_free(r);
	r = NULL;
	{
		static const char bad[] =
		    "{\"recordType\":\"WarehouseOrder\",\"purpose\":\"maybe\","
		    "\"orderDate\":\"04/03/2024\",\"extra\":1,\"shipTo\":7,"
		    "\"lines\":[{\"lineNumber\":\"1\",\"quantityOrdered\":3}]}";

		assert_int_equal(eg_canon_read_json(&r, bad, strlen(bad),
						    "WarehouseOrder", &why,
						    &nbad, &e),
				 EG_OK);
	}
	assert_null(r);
	/* purpose, orderNumber, orderDate, extra, shipTo, the line's
	 * identifier and its quantity */
	assert_int_equal(nbad, 7);
	assert_non_null(strstr(eg_buf_cstr(&why), "extra: is not a field"));
	assert_non_null(strstr(eg_buf_cstr(&why), "orderNumber: is required"));
	assert_non_null(strstr(eg_buf_cstr(&why),
			       "lines[1].quantityOrdered: must be"));
	eg_buf_free(&why);
}

/* Render order with the shipped 940 map; returns the problems. */
static unsigned
write_order(const char *json, char se, eg_buf *out, eg_buf *why)
{
	const eg_doc_writer_ops *ops = eg_doc_writer_find("x12");
	eg_outmap *m = NULL;
	eg_doc_writer *w = NULL;
	eg_rnode *r = NULL;
	eg_out_env env;
	eg_outmap_run run;
	unsigned nbad = 0;
	eg_error e;

	eg_error_clear(&e);
	assert_non_null(ops);
	assert_int_equal(eg_outmap_load_set(&m, "../..", "940", &e), EG_OK);
	assert_int_equal(eg_canon_read_json(&r, json, strlen(json), NULL, why,
					    &nbad, &e),
			 EG_OK);
	assert_int_equal(nbad, 0);
	memset(&env, 0, sizeof(env));
	memcpy(env.sender_q, "ZZ", 3);
	memcpy(env.sender, "US", 3);
	memcpy(env.receiver_q, "01", 3);
	memcpy(env.receiver, "THEM", 5);
	memcpy(env.gs_sender, "USAPP", 6);
	memcpy(env.gs_receiver, "THEMAPP", 8);
	memcpy(env.version, "004010", 7);
	memcpy(env.group, "OW", 3);
	env.usage = 'P';
	env.de = '*';
	env.ce = '>';
	env.re = '^';
	env.se = se;
	env.now = 1709557200; /* 2024-03-04 13:00:00 UTC */
	env.icn = 42;
	memset(&run, 0, sizeof(run));
	run.version = "004010";
	run.why = why;
	assert_int_equal(ops->open(&w, out, &env, &e), EG_OK);
	assert_int_equal(ops->doc(w, m, r, "0007", &run, &e), EG_OK);
	if (!run.nbad)
		assert_int_equal(ops->close(w, &e), EG_OK);
	ops->free(w);
	eg_rnode_free(r);
	eg_outmap_free(m);
	return run.nbad;
}

static void
test_write_940(void **state)
{
	/* derived by hand from edi/maps/out/940.xml and X12.5 */
	static const char want[] =
	    "ISA*00*          *00*          *ZZ*US             *01*THEM"
	    "           *240304*1300*U*00401*000000042*0*P*>~"
	    "GS*OW*USAPP*THEMAPP*20240304*1300*42*X*004010~"
	    "ST*940*0007~"
	    "W05*N*A-1~"
	    "N1*ST*SHOP~"
	    "N4*AUSTIN~"
	    "G62*04*20240304~"
	    "W66*PP*LT~"
	    "LX*1~"
	    "W01*2*EA**VN*S-1~"
	    "LX*2~"
	    "W01*0.5*LB**UK*00012345600012~"
	    "W76*2.5~"
	    "SE*12*0007~"
	    "GE*1*42~"
	    "IEA*1*000000042~";
	eg_buf out, why;

	(void)state;
	eg_buf_init(&out, 1 << 16);
	eg_buf_init(&why, 1 << 16);
	assert_int_equal(write_order(order, '~', &out, &why), 0);
	assert_string_equal(eg_buf_cstr(&out), want);
	eg_buf_free(&out);
	eg_buf_free(&why);
}

static void
test_write_refuses(void **state)
{
	static const char star[] =
	    "{\"recordType\":\"WarehouseOrder\",\"purpose\":\"original\","
	    "\"orderNumber\":\"A*1\",\"shipTo\":{\"name\":\"SHOP\"},"
	    "\"lines\":[{\"lineNumber\":\"1\",\"sku\":\"S\","
	    "\"quantityOrdered\":{\"value\":1,\"uom\":\"EA\"}}]}";
	eg_buf out, why;
	size_t envelope;

	(void)state;
	eg_buf_init(&out, 1 << 16);
	eg_buf_init(&why, 1 << 16);
	assert_int_equal(write_order(star, '~', &out, &why), 1);
	assert_non_null(strstr(eg_buf_cstr(&why), "W0502 \"A*1\" holds one "
						  "of the partner's delimiters"));
	/* the ISA and GS only: nothing of the refused set is left */
	envelope = strlen(eg_buf_cstr(&out));
	assert_null(strstr(eg_buf_cstr(&out), "ST*"));
	assert_true(envelope > 100);
	eg_buf_free(&out);
	eg_buf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_ok),
	    cmocka_unit_test(test_json_bad),
	    cmocka_unit_test(test_canon_read),
	    cmocka_unit_test(test_write_940),
	    cmocka_unit_test(test_write_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
