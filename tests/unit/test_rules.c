/*
 * test_rules.c - unit tests for the business rules and the memory store
 * (rules.h).
 *
 * What must always hold: a rule breaks exactly when its condition fails
 * and each break is one report, counted in *broken, naming what broke (the
 * key and its value, the line, the date, the number) at the node
 * concerned; whatever cannot be checked (no store, a missing key, units
 * that differ, a value that is not a date or a number) is reported, never
 * passed (fail closed); a rule for another set does not apply; the store
 * never shows one partner's documents to another, and the first document
 * seen with a key is the one found.
 *
 * Records are built by hand in the canonical shapes of docs/canonical.md:
 * a WarehouseOrder (940) with lines, a Shipment (945) with orders, packs
 * and items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/record.h"
#include "edigate/rules.h"
#include "../../src/map/linematch.h"

/* 2024-01-10T12:00:00Z */
#define NOW ((time_t)1704888000)
#define DAY 86400LL

/* --- building records ----------------------------------------------------- */

static eg_rnode *
add(eg_rnode *p, const char *name, eg_rkind kind, const char *value)
{
	eg_rnode *n = NULL;

	assert_int_equal(eg_rnode_add(p, name, kind, 0, value,
				      value ? strlen(value) : 0, &n),
			 EG_OK);
	return n;
}

static eg_rnode *
add_rep(eg_rnode *p, const char *name)
{
	eg_rnode *n = NULL;

	assert_int_equal(eg_rnode_add(p, name, EG_RK_GROUP, 1, NULL, 0, &n),
			 EG_OK);
	return n;
}

static eg_rnode *
measure(eg_rnode *p, const char *name, const char *value, const char *uom)
{
	eg_rnode *n = add(p, name, EG_RK_MEASURE, value);

	assert_int_equal(eg_rnode_set_uom(n, uom), EG_OK);
	return n;
}

/* A record root with its correlation (partner, file id). */
static eg_rnode *
record(const char *type, const char *partner, const char *file_id)
{
	eg_rnode *r = NULL, *c;

	assert_int_equal(eg_rnode_new_root(&r, type), EG_OK);
	c = add(r, "correlation", EG_RK_GROUP, NULL);
	add(c, "partnerId", EG_RK_TEXT, partner);
	add(c, "direction", EG_RK_TEXT, "inbound");
	add(c, "fileId", EG_RK_TEXT, file_id);
	return r;
}

/* Append correlation/key name = value; returns the key node. */
static eg_rnode *
key(eg_rnode *rec, const char *name, const char *value)
{
	eg_rnode *k = add_rep(eg_rnode_child(rec, "correlation"), "key");

	add(k, "name", EG_RK_TEXT, name);
	add(k, "value", EG_RK_TEXT, value);
	return k;
}

typedef struct line_spec {
	const char *ln, *gtin, *sku, *bp, *qty, *uom;
} line_spec;

/* A 940's WarehouseOrder with key order-number = number. */
static eg_rnode *
warehouse_order(const char *partner, const char *file_id, const char *number,
		const line_spec *lines, size_t n)
{
	eg_rnode *r = record("WarehouseOrder", partner, file_id);
	size_t i;

	key(r, "order-number", number);
	add(r, "purpose", EG_RK_TEXT, "original");
	add(r, "orderNumber", EG_RK_TEXT, number);
	for (i = 0; i < n; i++) {
		eg_rnode *l = add_rep(r, "line");

		add(l, "lineNumber", EG_RK_TEXT, lines[i].ln);
		if (lines[i].gtin)
			add(l, "gtin", EG_RK_TEXT, lines[i].gtin);
		if (lines[i].sku)
			add(l, "sku", EG_RK_TEXT, lines[i].sku);
		if (lines[i].bp)
			add(l, "buyerPartNumber", EG_RK_TEXT, lines[i].bp);
		measure(l, "quantityOrdered", lines[i].qty, lines[i].uom);
	}
	return r;
}

/* A 945's Shipment header (no order yet). */
static eg_rnode *
shipment(const char *partner, const char *ship_date)
{
	eg_rnode *r = record("Shipment", partner, "in-945-1");

	key(r, "shipment-id", "SH1");
	add(r, "purpose", EG_RK_TEXT, "original");
	add(r, "shipmentId", EG_RK_TEXT, "SH1");
	add(r, "shipDate", EG_RK_TEXT, ship_date);
	return r;
}

static eg_rnode *
ship_order(eg_rnode *ship, const char *dep, const char *po)
{
	eg_rnode *o = add_rep(ship, "order");

	if (po)
		add(o, "purchaseOrderNumber", EG_RK_TEXT, po);
	if (dep)
		add(o, "depositorOrderNumber", EG_RK_TEXT, dep);
	return o;
}

static eg_rnode *
pack(eg_rnode *parent, const char *sscc)
{
	eg_rnode *p = add_rep(parent, "pack");

	add(p, "sscc", EG_RK_TEXT, sscc);
	return p;
}

static eg_rnode *
item(eg_rnode *parent, const char *ln, const char *gtin, const char *sku,
     const char *bp, const char *qty, const char *uom)
{
	eg_rnode *it = add_rep(parent, "item");

	if (ln)
		add(it, "lineNumber", EG_RK_TEXT, ln);
	if (gtin)
		add(it, "gtin", EG_RK_TEXT, gtin);
	if (sku)
		add(it, "sku", EG_RK_TEXT, sku);
	if (bp)
		add(it, "buyerPartNumber", EG_RK_TEXT, bp);
	measure(it, "quantityShipped", qty, uom);
	return it;
}

/* --- collecting reports --------------------------------------------------- */

typedef struct finding {
	const eg_rule *r;
	const eg_rnode *at;
	char msg[512];
} finding;

typedef struct findings {
	finding f[16];
	size_t n;
} findings;

static void
collect(void *ud, const eg_rule *r, const eg_rnode *at, const char *msg)
{
	findings *fs = ud;

	assert_non_null(msg);
	assert_true(strlen(msg) > 0);
	assert_true(fs->n < sizeof(fs->f) / sizeof(fs->f[0]));
	fs->f[fs->n].r = r;
	fs->f[fs->n].at = at;
	snprintf(fs->f[fs->n].msg, sizeof(fs->f[fs->n].msg), "%s", msg);
	fs->n++;
}

/* Index of the report whose message holds every string given, or -1. */
static int
find_msg(const findings *fs, const char *a, const char *b, const char *c)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const char *m = fs->f[i].msg;

		if (strstr(m, a) && (!b || strstr(m, b)) &&
		    (!c || strstr(m, c)))
			return (int)i;
	}
	return -1;
}

/* Run the rules on rec (a record of `set` from "acme"); returns *broken,
 * which must equal the number of reports. */
static unsigned
run(const eg_rule *rules, size_t n, const char *set, const eg_rnode *rec,
    const eg_refstore *store, findings *fs)
{
	unsigned broken = 12345;
	eg_error e;

	eg_error_clear(&e);
	memset(fs, 0, sizeof(*fs));
	assert_int_equal(eg_rules_check(rules, n, "acme", set, rec, store,
					 NOW, collect, fs, &broken, &e),
			 EG_OK);
	assert_int_equal(broken, fs->n);
	return broken;
}

static eg_rule
reference_rule(void)
{
	eg_rule r;

	memset(&r, 0, sizeof(r));
	r.kind = EG_RULE_REQUIRES_REFERENCE;
	snprintf(r.set, sizeof(r.set), "945");
	snprintf(r.key, sizeof(r.key), "order-number");
	snprintf(r.seen_in, sizeof(r.seen_in), "940");
	r.line = 12;
	return r;
}

static eg_rule
tolerance_rule(double percent, int has_percent, double units, int has_units)
{
	eg_rule r;

	memset(&r, 0, sizeof(r));
	r.kind = EG_RULE_QUANTITY_TOLERANCE;
	snprintf(r.set, sizeof(r.set), "945");
	snprintf(r.against, sizeof(r.against), "940");
	r.percent = percent;
	r.has_percent = has_percent;
	r.units = units;
	r.has_units = has_units;
	return r;
}

static eg_rule
date_rule(const char *field, long long past, long long future)
{
	eg_rule r;

	memset(&r, 0, sizeof(r));
	r.kind = EG_RULE_DATE_WINDOW;
	snprintf(r.field, sizeof(r.field), "%s", field);
	r.past = past;
	r.future = future;
	return r;
}

static eg_rule
range_rule(const char *field, double min, int has_min, double max,
	   int has_max)
{
	eg_rule r;

	memset(&r, 0, sizeof(r));
	r.kind = EG_RULE_RANGE;
	snprintf(r.field, sizeof(r.field), "%s", field);
	r.min = min;
	r.has_min = has_min;
	r.max = max;
	r.has_max = has_max;
	return r;
}

/* A memory store holding acme's 940 ORD1: line 1 sku A 100 EA, line 2
 * sku B 10 EA. */
static eg_memstore *
store_with_ord1(void)
{
	static const line_spec lines[] = {
		{"1", NULL, "A", NULL, "100", "EA"},
		{"2", NULL, "B", NULL, "10", "EA"},
	};
	eg_memstore *m = NULL;
	eg_rnode *wo = warehouse_order("acme", "in-940-1", "ORD1", lines, 2);

	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", wo), EG_OK);
	eg_rnode_free(wo);
	return m;
}

/* --- requires-reference --------------------------------------------------- */

static void
test_reference_found(void **state)
{
	eg_rule r = reference_rule();
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	findings fs;

	(void)state;
	key(s, "order-number", "ORD1");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_reference_not_found(void **state)
{
	eg_rule r = reference_rule();
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *k;
	findings fs;

	(void)state;
	k = key(s, "order-number", "ORD9");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "order-number 'ORD9'",
			     "does not match any 940", NULL) == 0);
	assert_ptr_equal(fs.f[0].at, k);
	assert_ptr_equal(fs.f[0].r, &r);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* Two keys of the name: each must be found; only the unknown one breaks. */
static void
test_reference_each_key(void **state)
{
	eg_rule r = reference_rule();
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *k2;
	findings fs;

	(void)state;
	key(s, "order-number", "ORD1");
	k2 = key(s, "order-number", "ORD2");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "'ORD2'", NULL, NULL) == 0);
	assert_ptr_equal(fs.f[0].at, k2);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* Another partner's 940, or acme's 850 with the number, are not a 940 of
 * acme's. */
static void
test_reference_isolation(void **state)
{
	static const line_spec l = {"1", NULL, "A", NULL, "1", "EA"};
	eg_rule r = reference_rule();
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *other = warehouse_order("globex", "g-1", "ORD1", &l, 1);
	eg_rnode *po = warehouse_order("acme", "a-850", "ORD1", &l, 1);
	findings fs;

	(void)state;
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "globex", "940", other), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "850", po), EG_OK);
	st = eg_memstore_store(m);
	key(s, "order-number", "ORD1");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "'ORD1'", "940", NULL) >= 0);

	/* and globex's own 945 does see it */
	{
		unsigned broken = 99;
		eg_error e;

		eg_error_clear(&e);
		memset(&fs, 0, sizeof(fs));
		assert_int_equal(eg_rules_check(&r, 1, "globex", "945", s, &st,
						NOW, collect, &fs, &broken,
						&e),
				 EG_OK);
		assert_int_equal(broken, 0);
	}
	eg_rnode_free(s);
	eg_rnode_free(other);
	eg_rnode_free(po);
	eg_memstore_free(m);
}

static void
test_reference_no_store(void **state)
{
	eg_rule r = reference_rule();
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *k;
	findings fs;

	(void)state;
	k = key(s, "order-number", "ORD1");
	assert_int_equal(run(&r, 1, "945", s, NULL, &fs), 1);
	assert_true(find_msg(&fs, "cannot be checked", "no reference store",
			     "'ORD1'") == 0);
	assert_ptr_equal(fs.f[0].at, k);
	eg_rnode_free(s);
}

static void
test_reference_missing_key(void **state)
{
	eg_rule r = reference_rule();
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10"); /* shipment-id only */
	findings fs;

	(void)state;
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "no order-number key", NULL, NULL) == 0);
	assert_ptr_equal(fs.f[0].at, eg_rnode_child(s, "correlation"));
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static eg_err
failing_find(void *ud, const char *partner, const char *set, const char *k,
	     const char *value, eg_ref_doc *out, int *found, eg_error *e)
{
	(void)ud;
	(void)partner;
	(void)set;
	(void)k;
	(void)value;
	(void)out;
	*found = 0;
	return eg_fail(e, EG_EIO, "ledger: disk I/O error");
}

/* A store that fails is an error, not a pass and not a broken rule. */
static void
test_reference_store_error(void **state)
{
	eg_rule r = reference_rule();
	eg_refstore st = {failing_find, NULL};
	eg_rnode *s = shipment("acme", "2024-01-10");
	findings fs;
	unsigned broken = 7;
	eg_error e;

	(void)state;
	key(s, "order-number", "ORD1");
	eg_error_clear(&e);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(eg_rules_check(&r, 1, "acme", "945", s, &st, NOW,
					collect, &fs, &broken, &e),
			 EG_EIO);
	assert_int_equal(e.code, EG_EIO);
	assert_string_equal(e.msg, "ledger: disk I/O error");
	assert_int_equal(fs.n, 0);
	eg_rnode_free(s);
}

/* --- quantity-tolerance --------------------------------------------------- */

/* One order ORD1 with sku A shipped `qa` and sku B shipped `qb` (NULL:
 * not shipped), items directly under the order. */
static eg_rnode *
ship_ord1(const char *qa, const char *qb, eg_rnode **ia, eg_rnode **ib)
{
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o;

	key(s, "order-number", "ORD1");
	o = ship_order(s, "ORD1", NULL);
	*ia = qa ? item(o, "1", NULL, "A", NULL, qa, "EA") : NULL;
	*ib = qb ? item(o, "2", NULL, "B", NULL, qb, "EA") : NULL;
	return s;
}

static void
test_tolerance_within_percent(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib;
	eg_rnode *s = ship_ord1("90", "11", &ia, &ib); /* -10%, +10% */
	findings fs;

	(void)state;
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_tolerance_beyond_percent(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib;
	eg_rnode *s = ship_ord1("89.5", "10", &ia, &ib);
	findings fs;
	int i;

	(void)state;
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	i = find_msg(&fs, "Line 1 (sku A)", "ordered 100 EA",
		     "shipped 89.5 EA");
	assert_int_equal(i, 0);
	assert_non_null(strstr(fs.f[0].msg, "off by 10.5 EA"));
	assert_non_null(strstr(fs.f[0].msg, "the 10 EA allowed (10%)"));
	assert_non_null(strstr(fs.f[0].msg, "940 'ORD1'"));
	assert_ptr_equal(fs.f[0].at, ia);
	eg_rnode_free(s);

	/* over-shipping breaks it as well */
	s = ship_ord1("100", "12", &ia, &ib);
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 2 (sku B)", "shipped 12 EA",
			     NULL) == 0);
	assert_ptr_equal(fs.f[0].at, ib);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_tolerance_units(void **state)
{
	eg_rule units = tolerance_rule(0, 0, 2, 1);
	eg_rule both = tolerance_rule(10, 1, 2, 1);
	eg_rule none = tolerance_rule(0, 0, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib;
	eg_rnode *s = ship_ord1("98", "12", &ia, &ib);
	findings fs;

	(void)state;
	/* 2 units either way */
	assert_int_equal(run(&units, 1, "945", s, &st, &fs), 0);
	/* no allowance given: exact quantities only */
	assert_int_equal(run(&none, 1, "945", s, &st, &fs), 2);
	assert_true(find_msg(&fs, "the 0 EA allowed (no deviation set)",
			     "Line 1", NULL) >= 0);
	eg_rnode_free(s);

	/* line 2: 13 of 10 is 3 off, more than 2 units */
	s = ship_ord1("100", "13", &ia, &ib);
	assert_int_equal(run(&units, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 2", "off by 3 EA",
			     "the 2 EA allowed (2 units)") == 0);
	/* 10% or 2 units, whichever is more: line 1 gets 10, line 2 gets 2 */
	assert_int_equal(run(&both, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 2", "the 2 EA allowed",
			     "(10% or 2 units, whichever is more)") == 0);
	eg_rnode_free(s);

	s = ship_ord1("91", "8", &ia, &ib);
	assert_int_equal(run(&both, 1, "945", s, &st, &fs), 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_tolerance_line_not_shipped(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib;
	eg_rnode *s = ship_ord1("100", NULL, &ia, &ib);
	findings fs;

	(void)state;
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 2 (sku B)", "ordered 10 EA",
			     "shipped 0 EA") == 0);
	/* no item for it: the order is the node concerned */
	assert_ptr_equal(fs.f[0].at, eg_rnode_child(s, "order"));
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_tolerance_unordered_item(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib, *extra;
	eg_rnode *s = ship_ord1("100", "10", &ia, &ib);
	findings fs;

	(void)state;
	extra = item(eg_rnode_child(s, "order"), "3", NULL, "ZZZ", NULL, "1",
		     "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "shipped item sku ZZZ was not ordered",
			     NULL, NULL) == 0);
	assert_ptr_equal(fs.f[0].at, extra);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* Cases are not eaches: report that they cannot be compared, once, and
 * do not also report the quantities as out of tolerance. */
static void
test_tolerance_uom_mismatch(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o, *ca;
	findings fs;

	(void)state;
	o = ship_order(s, "ORD1", NULL);
	ca = item(o, "1", NULL, "A", NULL, "5", "CA");
	item(o, "2", NULL, "B", NULL, "10", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "cannot be compared", "'CA'", "'EA'") == 0);
	assert_non_null(strstr(fs.f[0].msg, "Line 1"));
	assert_ptr_equal(fs.f[0].at, ca);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* Items count wherever they sit below the order: in packs, in packs on
 * pallets, and loose next to them. */
static void
test_tolerance_nested_packs(void **state)
{
	eg_rule r = tolerance_rule(0, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o, *pallet, *carton;
	findings fs;

	(void)state;
	o = ship_order(s, "ORD1", NULL);
	pallet = pack(o, "000000000000000001");
	carton = pack(pallet, "000000000000000002");
	item(carton, "1", NULL, "A", NULL, "40", "EA");
	carton = pack(pallet, "000000000000000003");
	item(carton, "1", NULL, "A", NULL, "35", "EA");
	item(carton, "2", NULL, "B", NULL, "4", "EA");
	item(pallet, "1", NULL, "A", NULL, "20", "EA");
	carton = pack(o, "000000000000000004");
	item(carton, "2", NULL, "B", NULL, "6", "EA");
	item(o, "1", NULL, "A", NULL, "5", "EA");
	/* A: 40 + 35 + 20 + 5 = 100, B: 4 + 6 = 10 */
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 0);

	/* one more carton of A makes 101: over, and the sum is reported */
	carton = pack(pallet, "000000000000000005");
	item(carton, "1", NULL, "A", NULL, "1", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 1", "shipped 101 EA", NULL) == 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* sku when both sides have one, else GTIN (leading zeros do not count),
 * else buyer part number. */
static void
test_tolerance_identifiers(void **state)
{
	static const line_spec lines[] = {
		{"1", "012345678905", NULL, NULL, "5", "EA"},
		{"2", NULL, NULL, "BP-7", "3", "EA"},
		{"3", "00614141000012", "S-3", NULL, "2", "EA"},
	};
	eg_rule r = tolerance_rule(0, 1, 0, 0);
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *wo = warehouse_order("acme", "in-940-2", "ORD2", lines, 3);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o, *wrong;
	findings fs;

	(void)state;
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", wo), EG_OK);
	st = eg_memstore_store(m);
	o = ship_order(s, "ORD2", NULL);
	/* the UPC as a GTIN-14, with a sku the line does not have */
	item(o, NULL, "00012345678905", "X", NULL, "5", "EA");
	item(o, NULL, NULL, NULL, "BP-7", "3", "EA");
	item(o, NULL, "00614141000012", "S-3", NULL, "2", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 0);

	/* same GTIN as line 3 but another sku: the sku decides, no match */
	wrong = item(o, NULL, "00614141000012", "S-4", NULL, "1", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "sku S-4 was not ordered", NULL, NULL) == 0);
	assert_ptr_equal(fs.f[0].at, wrong);
	eg_rnode_free(s);
	eg_rnode_free(wo);
	eg_memstore_free(m);
}

/* The article on two lines: an item counts once, for the line with its
 * line number, not twice and not always for the first line. */
static void
test_tolerance_same_article_two_lines(void **state)
{
	static const line_spec lines[] = {
		{"1", NULL, "A", NULL, "5", "EA"},
		{"2", NULL, "A", NULL, "7", "EA"},
	};
	eg_rule r = tolerance_rule(0, 1, 0, 0);
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *wo = warehouse_order("acme", "in-940-4", "ORD4", lines, 2);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o;
	findings fs;

	(void)state;
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", wo), EG_OK);
	st = eg_memstore_store(m);
	o = ship_order(s, "ORD4", NULL);
	item(o, "2", NULL, "A", NULL, "7", "EA");
	item(o, "1", NULL, "A", NULL, "5", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 0);

	/* without a line number it goes to the first line it matches */
	item(o, NULL, NULL, "A", NULL, "1", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 1 (sku A)", "shipped 6 EA", NULL) == 0);
	eg_rnode_free(s);
	eg_rnode_free(wo);
	eg_memstore_free(m);
}

/* An order the store does not have, or no store, is reported, not
 * passed; an order found by its PO number is checked. */
static void
test_tolerance_reference_missing(void **state)
{
	eg_rule r = tolerance_rule(10, 1, 0, 0);
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o;
	findings fs;

	(void)state;
	o = ship_order(s, "ORD7", NULL);
	item(o, "1", NULL, "A", NULL, "100", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "'ORD7'", "does not match any 940",
			     NULL) == 0);
	assert_ptr_equal(fs.f[0].at, o);

	assert_int_equal(run(&r, 1, "945", s, NULL, &fs), 1);
	assert_true(find_msg(&fs, "no reference store", "'ORD7'", NULL) == 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

static void
test_tolerance_by_po_number(void **state)
{
	static const line_spec l = {"1", NULL, "A", NULL, "4", "EA"};
	eg_rule r = tolerance_rule(0, 1, 0, 0);
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *wo = warehouse_order("acme", "in-940-3", "D-1", &l, 1);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o;
	findings fs;

	(void)state;
	key(wo, "po-number", "PO-55");
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", wo), EG_OK);
	st = eg_memstore_store(m);
	o = ship_order(s, NULL, "PO-55");
	item(o, NULL, NULL, "A", NULL, "3", "EA");
	assert_int_equal(run(&r, 1, "945", s, &st, &fs), 1);
	assert_true(find_msg(&fs, "Line 1 (sku A)", "ordered 4 EA",
			     "shipped 3 EA") == 0);
	eg_rnode_free(s);
	eg_rnode_free(wo);
	eg_memstore_free(m);
}

/* --- date-window ---------------------------------------------------------- */

static unsigned
run_date(const eg_rule *r, const char *date, findings *fs)
{
	eg_rnode *s = shipment("acme", date);
	unsigned n = run(r, 1, "945", s, NULL, fs);

	if (n)
		assert_ptr_equal(fs->f[0].at, eg_rnode_child(s, "shipDate"));
	eg_rnode_free(s);
	return n;
}

static void
test_date_window(void **state)
{
	/* now is 2024-01-10 12:00Z: 2 days back is the 8th, 3 ahead the
	 * 13th, whatever the time of day */
	eg_rule r = date_rule("shipDate", 2 * DAY, 3 * DAY);
	findings fs;

	(void)state;
	assert_int_equal(run_date(&r, "2024-01-10", &fs), 0);
	assert_int_equal(run_date(&r, "2024-01-08", &fs), 0);
	assert_int_equal(run_date(&r, "2024-01-13", &fs), 0);
	assert_int_equal(run_date(&r, "2024-01-07", &fs), 1);
	assert_true(find_msg(&fs, "shipDate 2024-01-07", "2024-01-08",
			     "2024-01-13") == 0);
	assert_non_null(strstr(fs.f[0].msg, "today is 2024-01-10"));
	assert_int_equal(run_date(&r, "2024-01-14", &fs), 1);
	assert_true(find_msg(&fs, "shipDate 2024-01-14", NULL, NULL) == 0);
	assert_int_equal(run_date(&r, "2023-01-10", &fs), 1);
	assert_int_equal(run_date(&r, "2025-01-10", &fs), 1);
}

static void
test_date_window_unbounded(void **state)
{
	eg_rule past = date_rule("shipDate", -1, 0);    /* not in the future */
	eg_rule future = date_rule("shipDate", 0, -1);  /* not in the past */
	findings fs;

	(void)state;
	assert_int_equal(run_date(&past, "1990-01-01", &fs), 0);
	assert_int_equal(run_date(&past, "2024-01-10", &fs), 0);
	assert_int_equal(run_date(&past, "2024-01-11", &fs), 1);
	assert_true(find_msg(&fs, "after 2024-01-10", NULL, NULL) == 0);
	assert_int_equal(run_date(&future, "2099-12-31", &fs), 0);
	assert_int_equal(run_date(&future, "2024-01-09", &fs), 1);
	assert_true(find_msg(&fs, "before 2024-01-10", NULL, NULL) == 0);
}

/* Not a date: reported (fail closed).  Leap days are dates. */
static void
test_date_window_bad_dates(void **state)
{
	eg_rule r = date_rule("shipDate", -1, -1);
	findings fs;

	(void)state;
	assert_int_equal(run_date(&r, "2024-02-29", &fs), 0);
	assert_int_equal(run_date(&r, "2023-02-29", &fs), 1);
	assert_true(find_msg(&fs, "'2023-02-29'", "not a CCYY-MM-DD date",
			     NULL) == 0);
	assert_int_equal(run_date(&r, "2024-13-01", &fs), 1);
	assert_int_equal(run_date(&r, "20240110", &fs), 1);
	assert_int_equal(run_date(&r, "2024-01-10x", &fs), 1);
}

/* A path suffix reaches every item's date; set "" applies to every set,
 * a set names the one it applies to. */
static void
test_date_window_paths_and_sets(void **state)
{
	eg_rule rules[2];
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o, *i1, *i2, *bad;
	findings fs;

	(void)state;
	rules[0] = date_rule("item/expiryDate", 0, -1);
	rules[1] = date_rule("shipDate", 0, 0);
	snprintf(rules[1].set, sizeof(rules[1].set), "856");
	o = ship_order(s, "ORD1", NULL);
	i1 = item(o, "1", NULL, "A", NULL, "1", "EA");
	add(i1, "expiryDate", EG_RK_TEXT, "2025-06-30");
	i2 = item(pack(o, "000000000000000009"), "2", NULL, "B", NULL, "1",
		  "EA");
	bad = add(i2, "expiryDate", EG_RK_TEXT, "2024-01-01");
	eg_rnode_child(s, "shipDate")->value[3] = '3'; /* 2023-01-10 */
	assert_int_equal(run(rules, 2, "945", s, NULL, &fs), 1);
	assert_true(find_msg(&fs, "expiryDate 2024-01-01", NULL, NULL) == 0);
	assert_ptr_equal(fs.f[0].at, bad);
	assert_ptr_equal(fs.f[0].r, &rules[0]);
	/* as an 856 the shipDate rule applies too */
	assert_int_equal(run(rules, 2, "856", s, NULL, &fs), 2);
	assert_true(find_msg(&fs, "shipDate 2023-01-10", NULL, NULL) >= 0);
	eg_rnode_free(s);
}

/* --- range ---------------------------------------------------------------- */

static void
test_range(void **state)
{
	eg_rule r = range_rule("item/quantityShipped", 1, 1, 1000, 1);
	eg_rule max_only = range_rule("grossWeight", 0, 0, 500, 1);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_rnode *o, *low, *high, *mid;
	findings fs;

	(void)state;
	o = ship_order(s, "ORD1", NULL);
	mid = item(o, "1", NULL, "A", NULL, "1000", "EA");
	assert_int_equal(run(&r, 1, "945", s, NULL, &fs), 0);
	low = item(o, "2", NULL, "B", NULL, "0.5", "EA");
	high = item(pack(o, "000000000000000007"), "3", NULL, "C", NULL,
		    "1000.01", "EA");
	assert_int_equal(run(&r, 1, "945", s, NULL, &fs), 2);
	assert_true(find_msg(&fs, "quantityShipped 0.5 EA",
			     "below the minimum 1", NULL) == 0);
	assert_ptr_equal(fs.f[0].at, eg_rnode_child(low, "quantityShipped"));
	assert_true(find_msg(&fs, "quantityShipped 1000.01 EA",
			     "above the maximum 1000", NULL) == 1);
	assert_ptr_equal(fs.f[1].at, eg_rnode_child(high, "quantityShipped"));
	(void)mid;

	/* max only; a number field; and a value that is no number */
	measure(s, "grossWeight", "500", "LB");
	assert_int_equal(run(&max_only, 1, "945", s, NULL, &fs), 0);
	eg_rnode_child(s, "grossWeight")->value[0] = '9'; /* 900 */
	assert_int_equal(run(&max_only, 1, "945", s, NULL, &fs), 1);
	assert_true(find_msg(&fs, "grossWeight 900 LB", "maximum 500",
			     NULL) == 0);
	eg_rnode_free(s);

	s = shipment("acme", "2024-01-10");
	add(s, "packageCount", EG_RK_NUMBER, "abc");
	r = range_rule("packageCount", 1, 1, 0, 0);
	assert_int_equal(run(&r, 1, "945", s, NULL, &fs), 1);
	assert_true(find_msg(&fs, "'abc'", "not a number", NULL) == 0);
	eg_rnode_free(s);
}

/* --- several rules, set filter -------------------------------------------- */

static void
test_rules_set_filter_and_count(void **state)
{
	eg_rule rules[4];
	eg_memstore *m = store_with_ord1();
	eg_refstore st = eg_memstore_store(m);
	eg_rnode *ia, *ib;
	eg_rnode *s = ship_ord1("50", NULL, &ia, &ib);
	findings fs;

	(void)state;
	rules[0] = reference_rule();
	rules[1] = tolerance_rule(10, 1, 0, 0);
	rules[2] = date_rule("shipDate", 0, 0);
	rules[3] = range_rule("item/quantityShipped", 0, 0, 10, 1);
	key(s, "order-number", "ORD404");
	/* 945: unknown ORD404, line 1 short, line 2 missing, qty > 10 */
	assert_int_equal(run(rules, 4, "945", s, &st, &fs), 4);
	/* 856: the 945 rules do not apply; the others do */
	assert_int_equal(run(rules, 4, "856", s, &st, &fs), 1);
	assert_ptr_equal(fs.f[0].r, &rules[3]);
	/* no rules: nothing broken */
	assert_int_equal(run(NULL, 0, "945", s, &st, &fs), 0);
	eg_rnode_free(s);
	eg_memstore_free(m);
}

/* --- the memory store ----------------------------------------------------- */

static void
test_memstore_first_seen_wins(void **state)
{
	static const line_spec first[] = {
		{"1", "012345678905", "A", "BP-1", "100", "EA"},
		{"2", NULL, "B", NULL, "18.50", "LB"},
	};
	static const line_spec second[] = {{"1", NULL, "Z", NULL, "9", "CA"}};
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *a = warehouse_order("acme", "in-940-A", "ORD1", first, 2);
	eg_rnode *b = warehouse_order("acme", "in-940-B", "ORD1", second, 1);
	eg_ref_doc d = {{0}, {0}, 0, NULL};
	int found = -1;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", a), EG_OK);
	key(b, "po-number", "PO-B");
	assert_int_equal(eg_memstore_add(m, "acme", "940", b), EG_OK);
	eg_rnode_free(a);
	eg_rnode_free(b); /* the store keeps copies */
	st = eg_memstore_store(m);

	assert_int_equal(st.find(st.ud, "acme", "940", "order-number", "ORD1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 1);
	assert_string_equal(d.set, "940");
	assert_string_equal(d.file_id, "in-940-A");
	assert_int_equal(d.nlines, 2);
	assert_string_equal(d.lines[0].line_number, "1");
	assert_string_equal(d.lines[0].gtin, "012345678905");
	assert_string_equal(d.lines[0].sku, "A");
	assert_string_equal(d.lines[0].buyer_part, "BP-1");
	assert_string_equal(d.lines[0].quantity, "100");
	assert_string_equal(d.lines[0].uom, "EA");
	assert_string_equal(d.lines[1].gtin, "");
	assert_string_equal(d.lines[1].quantity, "18.50");
	assert_string_equal(d.lines[1].uom, "LB");
	/* the copy is the caller's: changing it changes nothing stored */
	d.lines[0].sku[0] = 'Q';
	eg_ref_doc_clear(&d);
	assert_null(d.lines);
	assert_int_equal(d.nlines, 0);
	eg_ref_doc_clear(&d); /* twice is harmless */
	eg_ref_doc_clear(NULL);
	assert_int_equal(st.find(st.ud, "acme", "940", "order-number", "ORD1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 1);
	assert_string_equal(d.lines[0].sku, "A");
	eg_ref_doc_clear(&d);

	/* the second document's own new key still finds it */
	assert_int_equal(st.find(st.ud, "acme", "940", "po-number", "PO-B",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 1);
	assert_string_equal(d.file_id, "in-940-B");
	assert_int_equal(d.nlines, 1);
	assert_string_equal(d.lines[0].uom, "CA");
	eg_ref_doc_clear(&d);
	eg_memstore_free(m);
}

/* Partner, set, key name and value all take part in the lookup. */
static void
test_memstore_isolation(void **state)
{
	static const line_spec l = {"1", NULL, "A", NULL, "1", "EA"};
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *a = warehouse_order("acme", "in-1", "ORD1", &l, 1);
	eg_rnode *s = shipment("acme", "2024-01-10");
	eg_ref_doc d = {{0}, {0}, 0, NULL};
	int found = -1;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", a), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "945", s), EG_OK);
	st = eg_memstore_store(m);
	assert_int_equal(st.find(st.ud, "globex", "940", "order-number",
				 "ORD1", &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	assert_int_equal(st.find(st.ud, "acme", "850", "order-number", "ORD1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	assert_int_equal(st.find(st.ud, "acme", "940", "po-number", "ORD1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	assert_int_equal(st.find(st.ud, "acme", "940", "order-number", "ORD",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	assert_null(d.lines);
	/* a Shipment is found by its keys, without lines */
	assert_int_equal(st.find(st.ud, "acme", "945", "shipment-id", "SH1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 1);
	assert_string_equal(d.file_id, "in-945-1");
	assert_int_equal(d.nlines, 0);
	assert_null(d.lines);
	eg_ref_doc_clear(&d);
	assert_int_equal(e.code, EG_OK);
	eg_rnode_free(a);
	eg_rnode_free(s);
	eg_memstore_free(m);
	eg_memstore_free(NULL);
}

/* A value too long for its field is refused, not cut (a cut sku could
 * match another article); the store is unchanged. */
static void
test_memstore_refuses_truncation(void **state)
{
	static const line_spec l = {
		"1", NULL,
		"0123456789012345678901234567890123456789012345678", /* 49 */
		NULL, "1", "EA"};
	eg_memstore *m = NULL;
	eg_refstore st;
	eg_rnode *a = warehouse_order("acme", "in-1", "ORD1", &l, 1);
	eg_ref_doc d = {{0}, {0}, 0, NULL};
	int found = -1;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_memstore_new(&m), EG_OK);
	assert_int_equal(eg_memstore_add(m, "acme", "940", a), EG_ELIMIT);
	st = eg_memstore_store(m);
	assert_int_equal(st.find(st.ud, "acme", "940", "order-number", "ORD1",
				 &d, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	eg_rnode_free(a);
	eg_memstore_free(m);
}

/* The line an item counts for, from the index (linematch.h), the way a
 * scan of every line decided it: the identifier the line has decides
 * (sku, else GTIN without leading zeros, else buyer part), the line with
 * the item's line number wins, else the first line that matches. */
static void
test_linematch(void **state)
{
	eg_ref_line l[7];
	eg_lineindex *x = NULL;
	size_t none = sizeof(l) / sizeof(l[0]);

	(void)state;
	memset(l, 0, sizeof(l));
	snprintf(l[0].line_number, sizeof(l[0].line_number), "%s", "1"); /* sku and GTIN: the sku decides */
	snprintf(l[0].sku, sizeof(l[0].sku), "%s", "A");
	snprintf(l[0].gtin, sizeof(l[0].gtin), "%s", "084512100007");
	snprintf(l[1].line_number, sizeof(l[1].line_number), "%s", "2"); /* GTIN only */
	snprintf(l[1].gtin, sizeof(l[1].gtin), "%s", "0084512100007");
	snprintf(l[2].line_number, sizeof(l[2].line_number), "%s", "3"); /* the same article again */
	snprintf(l[2].sku, sizeof(l[2].sku), "%s", "A");
	snprintf(l[3].line_number, sizeof(l[3].line_number), "%s", "4"); /* buyer part only */
	snprintf(l[3].buyer_part, sizeof(l[3].buyer_part), "%s", "BP-1");
	snprintf(l[4].line_number, sizeof(l[4].line_number), "%s", "5"); /* a value holding the separators */
	snprintf(l[4].sku, sizeof(l[4].sku), "%s", "B:5");
	snprintf(l[5].line_number, sizeof(l[5].line_number), "%s", "6");
	snprintf(l[5].sku, sizeof(l[5].sku), "%s", "B");
	snprintf(l[6].line_number, sizeof(l[6].line_number), "%s", "7"); /* GTIN and buyer part */
	snprintf(l[6].gtin, sizeof(l[6].gtin), "%s", "4006381333931");
	snprintf(l[6].buyer_part, sizeof(l[6].buyer_part), "%s", "BP-2");
	assert_int_equal(eg_lineindex_new(&x, l, none), EG_OK);
	/* sku A: lines 1 and 3; by line number, else the first */
	assert_int_equal(eg_linematch(x, "A", NULL, NULL, NULL), 0);
	assert_int_equal(eg_linematch(x, "A", NULL, NULL, "3"), 2);
	assert_int_equal(eg_linematch(x, "A", NULL, NULL, "9"), 0);
	/* another sku, the GTIN of line 1: line 1 is decided by its sku
	 * (no match); line 2 has only the GTIN, zeros aside */
	assert_int_equal(eg_linematch(x, "Z", "84512100007", NULL, "1"), 1);
	/* no sku: the GTIN matches lines 1 and 2 */
	assert_int_equal(eg_linematch(x, NULL, "84512100007", NULL, NULL), 0);
	assert_int_equal(eg_linematch(x, NULL, "084512100007", NULL, "2"), 1);
	/* buyer part: only where the line has neither sku nor a GTIN the
	 * item has */
	assert_int_equal(eg_linematch(x, NULL, NULL, "BP-1", NULL), 3);
	assert_int_equal(eg_linematch(x, "A", NULL, "BP-1", "4"), 3);
	assert_int_equal(eg_linematch(x, NULL, "4006381333931", "BP-9", NULL), 6);
	assert_int_equal(eg_linematch(x, NULL, "1", "BP-2", NULL), none);
	assert_int_equal(eg_linematch(x, NULL, NULL, "BP-2", NULL), 6);
	/* "B" with line number "5" is not "B:5" */
	assert_int_equal(eg_linematch(x, "B", NULL, NULL, "5"), 5);
	assert_int_equal(eg_linematch(x, "B:5", NULL, NULL, NULL), 4);
	/* longer than any line's field: matches nothing */
	assert_int_equal(eg_linematch(x, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
				      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				      NULL, NULL, NULL), none);
	assert_int_equal(eg_linematch(x, NULL, NULL, NULL, "1"), none);
	eg_lineindex_free(x);
	/* an empty order */
	assert_int_equal(eg_lineindex_new(&x, l, 0), EG_OK);
	assert_int_equal(eg_linematch(x, "A", NULL, NULL, "1"), 0);
	eg_lineindex_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_found),
		cmocka_unit_test(test_reference_not_found),
		cmocka_unit_test(test_reference_each_key),
		cmocka_unit_test(test_reference_isolation),
		cmocka_unit_test(test_reference_no_store),
		cmocka_unit_test(test_reference_missing_key),
		cmocka_unit_test(test_reference_store_error),
		cmocka_unit_test(test_tolerance_within_percent),
		cmocka_unit_test(test_tolerance_beyond_percent),
		cmocka_unit_test(test_tolerance_units),
		cmocka_unit_test(test_tolerance_line_not_shipped),
		cmocka_unit_test(test_tolerance_unordered_item),
		cmocka_unit_test(test_tolerance_uom_mismatch),
		cmocka_unit_test(test_tolerance_nested_packs),
		cmocka_unit_test(test_tolerance_identifiers),
		cmocka_unit_test(test_tolerance_same_article_two_lines),
		cmocka_unit_test(test_tolerance_reference_missing),
		cmocka_unit_test(test_tolerance_by_po_number),
		cmocka_unit_test(test_linematch),
		cmocka_unit_test(test_date_window),
		cmocka_unit_test(test_date_window_unbounded),
		cmocka_unit_test(test_date_window_bad_dates),
		cmocka_unit_test(test_date_window_paths_and_sets),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_rules_set_filter_and_count),
		cmocka_unit_test(test_memstore_first_seen_wins),
		cmocka_unit_test(test_memstore_isolation),
		cmocka_unit_test(test_memstore_refuses_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
