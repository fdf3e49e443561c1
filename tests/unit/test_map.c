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
 * The mapper's work grows linearly with the set (counted, not timed) and
 * a set over a per-set limit is refused with map-too-large, no record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/map/map_int.h"
#include "edigate/buf.h"
#include "edigate/map.h"
#include "edigate/record.h"
#include "edigate/source.h"
#include "edigate/syntax.h"
#include "edigate/x12_check.h"

/* The shipped maps and schemas, from tests/unit. */
#define REPO "../.."

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


/* ---- the mapper on whole files (the shipped 856 map) ---- */

/* An interchange holding one 856 with one order of n items under it. */
static void
asn_one_order(eg_buf *b, unsigned n)
{
	unsigned i;

	assert_int_equal(eg_buf_adds(b,
		"ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*"
		"BIGRETAIL      *210315*1430*U*00401*000000905*0*P*>~\n"
		"GS*SH*ACMESUPPLY*BIGRETAIL*20210315*1430*905*X*004010~\n"
		"ST*856*0001~\nBSN*00*ASN20210315001*20210315*1430*0001~\n"
		"HL*1**S~\nTD1*CTN25*2****G*24.6*LB~\nTD5*B*2*UPSN*M*UPS~\n"
		"DTM*011*20210315~\nN1*SF*ACME SUPPLY CO*92*ACME01~\n"
		"N1*ST*BIG RETAIL DC 042*92*0042~\nHL*2*1*O~\n"
		"PRF*PO7788123***20210310~\n"), EG_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(eg_buf_addf(b, "HL*%u*2*I~\nLIN**UP*"
					     "012345678905*VN*W%u~\n"
					     "SN1**%u*EA~\n", i + 3, i,
					     1 + i % 9), EG_OK);
	assert_int_equal(eg_buf_addf(b, "CTT*%u~\nSE*%u*0001~\nGE*1*905~\n"
				     "IEA*1*000000905~\n", n + 2, 12 + 3 * n),
			 EG_OK);
}

typedef struct mrun {
	eg_mapper *m;
	unsigned records, items, too_large, findings, runs;
	unsigned lines;     /* order lines the ledger would keep */
	unsigned long qty;  /* their quantities added up */
	const eg_profile *profile; /* for the mapper, or NULL */
	eg_buf *out; /* records written here as JSON, then XML; or NULL */
} mrun;

static eg_err
mr_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	return eg_syntax_x12.map_segment(((mrun *)ud)->m, seg, e);
}

static void
mr_unit(void *ud, const eg_unit_result *u)
{
	eg_mapper_unit_end(((mrun *)ud)->m, u);
}

static void
mr_finding(void *ud, const eg_finding *f)
{
	mrun *r = ud;

	r->findings++;
	r->too_large += !strcmp(f->rule, "map-too-large");
}

static eg_err
mr_line(void *ud, const eg_ref_line *ln)
{
	mrun *r = ud;

	r->lines++;
	r->qty += strtoul(ln->quantity, NULL, 10);
	return EG_OK;
}

static eg_err
mr_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	mrun *r = ud;
	const eg_rnode *o = eg_rnode_child(rec, "order"), *c;

	(void)e;
	r->records++;
	for (c = o ? o->child : NULL; c; c = c->next) {
		r->items += !strcmp(c->name, "item");
		r->runs += eg_rnode_is_run(c);
	}
	for (c = rec->child; c; c = c->next) { /* an order's lines */
		r->items += !strcmp(c->name, "line");
		r->runs += eg_rnode_is_run(c);
	}
	if (eg_ref_lines_each(rec, mr_line, r) != EG_OK)
		return EG_EINTERNAL;
	if (r->out && (eg_record_write_json(r->out, rec) != EG_OK ||
		       eg_record_write_xml(r->out, rec, 1) != EG_OK))
		return EG_ENOMEM;
	return EG_OK;
}

static eg_mapper_counts map_input(const eg_buf *in, size_t max_segments,
				   int eager, size_t run_min, mrun *r);

/* Map one order of n items; returns the mapper's counts. */
static eg_mapper_counts
map_order(unsigned n, size_t max_segments, mrun *r)
{
	eg_buf b;
	eg_mapper_counts c;

	eg_buf_init(&b, (size_t)64 << 20);
	asn_one_order(&b, n);
	r->out = NULL;
	c = map_input(&b, max_segments, 0, 0, r);
	eg_buf_free(&b);
	return c;
}

/* Map the file in `in`; eager and run_min as in eg_mapper_opts.  r->out
 * (set by the caller, or NULL) receives the records. */
static eg_mapper_counts
map_input(const eg_buf *in, size_t max_segments, int eager, size_t run_min,
	  mrun *r)
{
	eg_buf *out = r->out;
	eg_maps *maps = NULL;
	eg_mapper_opts mo;
	eg_x12_check_opts co;
	eg_envelope_events ev;
	eg_x12_check_result res;
	eg_mapper_counts c;
	eg_source *src = NULL;
	eg_error e;

	const eg_profile *prof = r->profile;

	memset(r, 0, sizeof(*r));
	r->out = out;
	r->profile = prof;
	memset(&mo, 0, sizeof(mo));
	memset(&co, 0, sizeof(co));
	memset(&ev, 0, sizeof(ev));
	eg_error_clear(&e);
	if (eg_maps_new(&maps, REPO, &e) != EG_OK)
		fail_msg("eg_maps_new: %s", e.msg);
	mo.maps = maps;
	mo.profile = prof;
	mo.file_id = "t-1";
	mo.file_sha256 = "0000000000000000000000000000000000000000000000000000"
			 "000000000000";
	mo.record = mr_record;
	mo.finding = mr_finding;
	mo.ud = r;
	mo.max_set_segments = max_segments;
	mo.eager = eager;
	mo.run_min_units = run_min;
	if (eg_mapper_new(&r->m, &mo, &e) != EG_OK)
		fail_msg("eg_mapper_new: %s", e.msg);
	co.limits = eg_x12_limits_default();
	co.segment = mr_segment;
	co.segment_ud = r;
	ev.unit_end = mr_unit;
	ev.ud = r;
	assert_int_equal(eg_source_new_mem(&src, in->data, in->len, "mem", &e),
			 EG_OK);
	if (eg_x12_check(src, &co, &ev, &res, &e) != EG_OK)
		fail_msg("eg_x12_check: %s", e.msg);
	assert_int_equal(eg_mapper_error(r->m, &e), EG_OK);
	eg_mapper_counts_get(r->m, &c);
	eg_mapper_free(r->m);
	eg_source_free(src);
	eg_maps_free(maps);
	return c;
}

/*
 * A big level (more items under one order than run_min_units) is handed
 * out as a run and built again while written: the JSON and XML written
 * are byte for byte those of the whole tree, whatever the threshold.
 * One file has every segment end in "~\n", the other mixes "~" and
 * "~\r\n", so byte offsets cannot follow from one terminator length.
 */
static void
test_mapper_runs(void **state)
{
	eg_buf in, whole, runs, one;
	mrun r = {0};
	int mixed;

	(void)state;
	for (mixed = 0; mixed < 2; mixed++) {
		eg_buf_init(&in, (size_t)64 << 20);
		asn_one_order(&in, 3000);
		if (mixed) {
			/* every 7th "~\n" loses its newline, every 5th is
			 * "~\r\n": the text stays one valid interchange */
			eg_buf t;
			size_t i, k = 0;

			eg_buf_init(&t, (size_t)64 << 20);
			for (i = 0; i < in.len; i++) {
				if (in.data[i] == '\n' && ++k % 7 == 0)
					continue;
				if (in.data[i] == '\n' && k % 5 == 0)
					assert_int_equal(eg_buf_addc(&t, '\r'),
							 EG_OK);
				assert_int_equal(eg_buf_addc(&t, in.data[i]),
						 EG_OK);
			}
			eg_buf_free(&in);
			in = t;
		}
		eg_buf_init(&whole, (size_t)64 << 20);
		eg_buf_init(&runs, (size_t)64 << 20);
		eg_buf_init(&one, (size_t)64 << 20);
		r.out = &whole;
		map_input(&in, 0, 1, SIZE_MAX, &r);
		assert_int_equal(r.records, 1);
		assert_int_equal(r.items, 3000);
		assert_int_equal(r.runs, 0);
		r.out = &runs;
		map_input(&in, 0, 1, 0, &r); /* the default: 1,024 */
		assert_int_equal(r.records, 1);
		assert_int_equal(r.runs, 1);
		assert_int_equal(r.items, 1); /* one node, the run, for 3,000 */
		r.out = &one;
		map_input(&in, 0, 1, 1, &r);
		assert_int_equal(r.runs, 1);
		assert_true(whole.len > 3000 * 100);
		assert_int_equal(runs.len, whole.len);
		assert_memory_equal(runs.data, whole.data, whole.len);
		assert_int_equal(one.len, whole.len);
		assert_memory_equal(one.data, whole.data, whole.len);
		{
			/* where the set is in the file, from the bytes */
			const char *st = strstr(in.data, "ST*856"),
				   *se = strstr(in.data, "SE*");
			char want[96];

			assert_non_null(st);
			assert_non_null(se);
			snprintf(want, sizeof(want),
				 "\"byteOffset\":%zu,\"byteLength\":%zu}",
				 (size_t)(st - in.data),
				 (size_t)(strchr(se, '~') + 1 - st));
			if (!strstr(whole.data, want))
				fail_msg("%s: not in the record", want);
		}
		eg_buf_free(&whole);
		eg_buf_free(&runs);
		eg_buf_free(&one);
		eg_buf_free(&in);
	}
}

/* An interchange of one 940 of n lines, or (dests > 0) one 850 of n
 * lines, each line with its own ship-to, one of dests stores. */
static void
order_lines(eg_buf *b, unsigned n, unsigned dests)
{
	unsigned i;

	assert_int_equal(eg_buf_addf(b,
		"ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*"
		"BIGRETAIL      *210315*1430*U*00401*000000905*0*P*>~\n"
		"GS*%s*ACMESUPPLY*BIGRETAIL*20210315*1430*905*X*004010~\n",
		dests ? "PO" : "OW"), EG_OK);
	if (dests)
		assert_int_equal(eg_buf_adds(b, "ST*850*0001~\n"
			"BEG*00*SA*PO-9100**20240107~\n"
			"N1*BT*SHOPCO INC*92*HQ~\n"), EG_OK);
	else
		assert_int_equal(eg_buf_adds(b, "ST*940*0001~\n"
			"W05*N*ORD01700000*4501000000~\n"
			"N1*ST*BIG RETAIL STORE 0668*92*0668~\n"
			"W66*PP*U***UPS GROUND*****UPSN~\n"), EG_OK);
	for (i = 0; i < n; i++) {
		if (dests)
			assert_int_equal(eg_buf_addf(b,
				"PO1*%u*%u*EA*5**UP*012345678905*VN*S%u~\n"
				"N1*ST*STORE %u*92*S%u~\n", i + 1, 1 + i % 9,
				i, i % dests, i % dests), EG_OK);
		else
			assert_int_equal(eg_buf_addf(b, "LX*%u~\n"
				"W01*%u*EA*084512100007*VN*S%u~\n", i + 1,
				1 + i % 9, i), EG_OK);
	}
	assert_int_equal(eg_buf_addf(b, "%s~\nSE*%u*0001~\nGE*1*905~\n"
				     "IEA*1*000000905~\n",
				     dests ? "CTT*1" : "W76*1*1*LB",
				     (dests ? 5 : 6) + 2 * n), EG_OK);
}

/*
 * An order's lines (940, and an 850 split by ship-to) are runs too: the
 * records written are byte for byte those of the whole tree, and the
 * lines the ledger keeps (eg_ref_lines_each) are the same lines.  An
 * 850 going to more stores than the mapper splits into is refused by
 * name.
 */
static void
test_mapper_line_runs(void **state)
{
	static const unsigned dests[] = {0, 3};
	eg_buf in, whole, runs;
	mrun r = {0};
	unsigned k, lines, wlines;
	unsigned long qty;

	(void)state;
	for (k = 0; k < 2; k++) {
		eg_buf_init(&in, (size_t)64 << 20);
		order_lines(&in, 3000, dests[k]);
		eg_buf_init(&whole, (size_t)64 << 20);
		eg_buf_init(&runs, (size_t)64 << 20);
		r.out = &whole;
		map_input(&in, 0, 1, SIZE_MAX, &r);
		assert_int_equal(r.records, dests[k] ? 3 : 1);
		assert_int_equal(r.runs, 0);
		assert_int_equal(r.items, 3000);
		assert_int_equal(r.lines, 3000);
		wlines = r.lines;
		qty = r.qty;
		r.out = &runs;
		map_input(&in, 0, 1, 0, &r);
		assert_int_equal(r.records, dests[k] ? 3 : 1);
		assert_int_equal(r.runs, r.records); /* one run a record */
		assert_int_equal(r.items, r.records);
		lines = r.lines;
		assert_int_equal(lines, wlines);
		assert_int_equal(r.qty, qty);
		assert_true(whole.len > 3000 * 50);
		assert_int_equal(runs.len, whole.len);
		assert_memory_equal(runs.data, whole.data, whole.len);
		eg_buf_free(&whole);
		eg_buf_free(&runs);
		eg_buf_free(&in);
	}
	/* rules about 945s (northwh's) leave a 940's lines a run (rules
	 * read the tree, so a set a rule reads holds no runs) */
	{
		eg_profile *p = NULL;
		eg_error e;

		eg_error_clear(&e);
		if (eg_profile_load(&p, REPO "/tests/fixtures/map/home/partners/"
				    "northwh.xml", REPO, &e) != EG_OK)
			fail_msg("northwh.xml: %s", e.msg);
		eg_buf_init(&in, (size_t)64 << 20);
		order_lines(&in, 3000, 0);
		r.out = NULL;
		r.profile = p;
		map_input(&in, 0, 1, 0, &r);
		assert_int_equal(r.records, 1);
		assert_int_equal(r.runs, 1);
		assert_int_equal(r.lines, 3000);
		assert_true(p->nrules > 0);
		r.profile = NULL;
		eg_profile_free(p);
		eg_buf_free(&in);
	}
	/* 1,001 stores: more than one 850 is split into */
	eg_buf_init(&in, (size_t)64 << 20);
	order_lines(&in, 1001, 1001);
	r.out = NULL;
	map_input(&in, 0, 1, 0, &r);
	assert_int_equal(r.records, 0);
	assert_int_equal(r.too_large, 1);
	eg_buf_free(&in);
}

/* What a sink is handed between the units of a run, put together, is
 * the record the plain writer writes. */
typedef struct sinkbuf {
	eg_buf got;
	unsigned drains;
} sinkbuf;

static eg_err
sink_take(void *ud, eg_buf *out)
{
	sinkbuf *s = ud;
	eg_err rc = eg_buf_add(&s->got, out->data, out->len);

	s->drains++;
	eg_buf_reset(out);
	return rc;
}

static eg_err
mr_record_drained(void *ud, const eg_rnode *rec, eg_error *e)
{
	sinkbuf *s = ud;
	eg_record_sink sink = {.drain = sink_take, .ud = s, .at = 4096};
	eg_buf b;
	eg_err rc;

	(void)e;
	eg_buf_init(&b, (size_t)64 << 20);
	rc = eg_record_write_json_to(&b, rec, &sink);
	if (!rc)
		rc = eg_record_write_xml_to(&b, rec, 1, &sink);
	if (!rc)
		rc = eg_buf_add(&s->got, b.data, b.len);
	eg_buf_free(&b);
	return rc;
}

static void
test_record_sink(void **state)
{
	eg_buf in, whole;
	eg_maps *maps = NULL;
	eg_mapper_opts mo;
	eg_x12_check_opts co;
	eg_envelope_events ev;
	eg_x12_check_result res;
	eg_source *src = NULL;
	eg_error e;
	sinkbuf s;
	mrun r = {0};

	(void)state;
	eg_buf_init(&in, (size_t)64 << 20);
	order_lines(&in, 3000, 0);
	eg_buf_init(&whole, (size_t)64 << 20);
	r.out = &whole;
	map_input(&in, 0, 1, SIZE_MAX, &r);
	assert_int_equal(r.records, 1);

	memset(&s, 0, sizeof(s));
	eg_buf_init(&s.got, (size_t)64 << 20);
	memset(&mo, 0, sizeof(mo));
	memset(&co, 0, sizeof(co));
	memset(&ev, 0, sizeof(ev));
	eg_error_clear(&e);
	assert_int_equal(eg_maps_new(&maps, REPO, &e), EG_OK);
	mo.maps = maps;
	mo.file_id = "t-1";
	mo.file_sha256 = "0000000000000000000000000000000000000000000000000000"
			 "000000000000";
	mo.record = mr_record_drained;
	mo.ud = &s;
	mo.eager = 1;
	assert_int_equal(eg_mapper_new(&r.m, &mo, &e), EG_OK);
	co.limits = eg_x12_limits_default();
	co.segment = mr_segment;
	co.segment_ud = &r;
	ev.unit_end = mr_unit;
	ev.ud = &r;
	assert_int_equal(eg_source_new_mem(&src, in.data, in.len, "mem", &e),
			 EG_OK);
	assert_int_equal(eg_x12_check(src, &co, &ev, &res, &e), EG_OK);
	assert_int_equal(eg_mapper_error(r.m, &e), EG_OK);
	eg_mapper_free(r.m);
	eg_source_free(src);
	eg_maps_free(maps);
	assert_true(s.drains > 10); /* drained as it went, not at the end */
	assert_int_equal(s.got.len, whole.len);
	assert_memory_equal(s.got.data, whole.data, whole.len);
	eg_buf_free(&s.got);
	eg_buf_free(&whole);
	eg_buf_free(&in);
}

/*
 * Mapping is linear in the HLs under one parent: eight times the items
 * must cost about eight times the work (steps: units and segments
 * visited, HL index probes), not sixty-four.  Counted, never timed.
 */
static void
test_mapper_linear(void **state)
{
	mrun r = {0};
	eg_mapper_counts small, big;
	double ratio;

	(void)state;
	small = map_order(500, 0, &r);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.items, 500);
	big = map_order(4000, 0, &r);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.items, 4000);
	assert_true(small.steps > 500);
	ratio = (double)big.steps / (double)small.steps;
	if (ratio > 12.0)
		fail_msg("8x the items cost %.1fx the work (%llu -> %llu "
			 "steps): mapping is no longer linear", ratio,
			 small.steps, big.steps);
}

/* A set over a per-set limit is refused by name, and gives no record;
 * under the limit the same set maps. */
static void
test_mapper_set_limit(void **state)
{
	mrun r = {0};
	eg_mapper_counts c;

	(void)state;
	c = map_order(100, 200, &r); /* 312 segments */
	assert_int_equal(r.records, 0);
	assert_int_equal(r.too_large, 1);
	assert_int_equal(c.rejected, 1);
	c = map_order(100, 312, &r);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.too_large, 0);
	assert_int_equal(c.mapped, 1);
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
		cmocka_unit_test(test_mapper_linear),
		cmocka_unit_test(test_mapper_runs),
		cmocka_unit_test(test_mapper_line_runs),
		cmocka_unit_test(test_record_sink),
		cmocka_unit_test(test_mapper_set_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
