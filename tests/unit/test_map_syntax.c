/*
 * test_map_syntax.c - the mapper fed through the syntax descriptors
 * (syntax.h: `map_segment`, the segment view's `split` and `value`).
 *
 * What must always hold: an EDIFACT message reaches the same mapper as
 * an X12 set and is read through its own view: composites by component,
 * component 0 as its first component, the first repetition, and values
 * with release characters as the view gives them (the released '+', ':'
 * and '*' are data, not separators), whether a segment is kept as sent
 * or in value form.  The map here is a tiny test map in a temporary
 * data directory, not a shipped one.
 */
#include "x12_testlib.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/buf.h"
#include "edigate/map.h"
#include "edigate/record.h"
#include "edigate/source.h"
#include "edigate/syntax.h"

static const char desadv_map[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<map set=\"DESADV\" versions=\"D96A\" record=\"Shipment\">\n"
    "  <levels by=\"loop\">\n"
    "    <level name=\"order\" whole=\"true\"/>\n"
    "    <level name=\"item\" open=\"LIN\" end=\"CNT\"/>\n"
    "  </levels>\n"
    "  <codes name=\"uom\"><code x12=\"PCE\" ours=\"EA\"/></codes>\n"
    "  <field path=\"purpose\" value=\"original\"/>\n"
    "  <field path=\"shipmentId\" source=\"BGM02\"/>\n"
    "  <field path=\"shipDate\" source=\"DTM01-2\" when=\"DTM01-1=137\"/>\n"
    "  <field path=\"billOfLading\" source=\"RFF01-2\" when=\"RFF01-1=BM\"/>\n"
    "  <field path=\"order/purchaseOrderNumber\" source=\"RFF01-2\" "
    "when=\"RFF01-1=ON\"/>\n"
    "  <field path=\"item/lineNumber\" source=\"LIN01\"/>\n"
    "  <field path=\"item/gtin\" source=\"LIN03-1\" when=\"LIN03-2=SRV\"/>\n"
    "  <field path=\"item/sku\" source=\"PIA02\"/>\n"
    "  <field path=\"item/description\" source=\"IMD03-4\"/>\n"
    "  <field path=\"item/quantityShipped\" source=\"QTY01-2\" "
    "uom=\"QTY01-3\" uom-codes=\"uom\"/>\n"
    "  <key name=\"shipment-id\" path=\"shipmentId\"/>\n"
    "</map>\n";

/* Syntax version 4 (a repetition separator), release characters in
 * BGM, the RFFs and IMD; DTM, LIN, PIA and QTY are kept as sent. */
static const char desadv[] =
    "UNA:+.?*'"
    "UNB+UNOC:4+5412345000013:14+5400000000009:14+20260105:0900+EF1'"
    "UNH+1+DESADV:D:96A:UN:EAN005'"
    "BGM+351+ASN?+001+9'"
    "DTM+137:20260105:102'"
    "RFF+BM:BOL?:9'"
    "RFF+ON:PO?*77*ZZ:NOT?+THIS'"
    "LIN+1++5012345678900:SRV'"
    "PIA+5+ABC123:SA'"
    "IMD+F++:::WIDGET?: BLUE?'S'"
    "QTY+12:24:PCE'"
    "LIN+2++5012345678917:SRV'"
    "PIA+5+DEF456:SA'"
    "QTY+12:6:PCE'"
    "CNT+2:2'"
    "UNT+14+1'"
    "UNZ+1+EF1'";

typedef struct mctx {
	eg_mapper *m;
	const eg_syntax_desc *syn;
	eg_buf json;
	unsigned records, findings;
	char first_rule[400];
} mctx;

static eg_err
on_segment(void *ud, const eg_segment *seg, eg_error *e)
{
	mctx *c = ud;

	return c->syn->map_segment(c->m, seg, e);
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	eg_mapper_unit_end(((mctx *)ud)->m, u);
}

static void
on_finding(void *ud, const eg_finding *f)
{
	mctx *c = ud;

	if (!c->findings++)
		snprintf(c->first_rule, sizeof(c->first_rule), "%.40s: %.300s",
			 f->rule ? f->rule : "-", f->msg);
}

static eg_err
on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	mctx *c = ud;

	(void)e;
	c->records++;
	return eg_record_write_json(&c->json, rec);
}

/* A data directory holding the test map and the shipped schemas. */
static void
make_datadir(char *dir, size_t cap)
{
	char path[PATH_MAX], schemas[PATH_MAX];
	FILE *f;

	snprintf(dir, cap, "/tmp/eg-mapsyn-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/edi", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/edi/maps", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/edi/maps/DESADV.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(desadv_map, f);
	fclose(f);
	assert_non_null(realpath("../../schemas", schemas));
	snprintf(path, sizeof(path), "%s/schemas", dir);
	assert_int_equal(symlink(schemas, path), 0);
}

static void
remove_datadir(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/edi/maps/DESADV.xml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/edi/maps", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/edi", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/schemas", dir);
	unlink(path);
	rmdir(dir);
}

static void
want(const mctx *c, const char *text)
{
	if (!strstr(eg_buf_cstr(&c->json), text))
		fail_msg("%s: not in the record %s", text,
			 eg_buf_cstr(&c->json));
}

static void
test_edifact_through_the_mapper(void **state)
{
	char dir[64];
	eg_maps *maps = NULL;
	eg_mapper_opts mo;
	eg_syntax_check_opts co;
	eg_syntax_check_result res;
	eg_envelope_events ev;
	eg_mapper_counts n;
	eg_source *src = NULL;
	eg_error e;
	mctx c;

	(void)state;
	make_datadir(dir, sizeof(dir));
	memset(&c, 0, sizeof(c));
	c.syn = &eg_syntax_edifact;
	eg_buf_init(&c.json, 1 << 20);
	eg_error_clear(&e);
	if (eg_maps_new(&maps, dir, &e) != EG_OK)
		fail_msg("eg_maps_new: %s", e.msg);
	memset(&mo, 0, sizeof(mo));
	mo.maps = maps;
	mo.file_id = "t-1";
	mo.file_sha256 = "0000000000000000000000000000000000000000000000000000"
			 "000000000000";
	mo.record = on_record;
	mo.finding = on_finding;
	mo.ud = &c;
	assert_int_equal(eg_mapper_new(&c.m, &mo, &e), EG_OK);
	memset(&co, 0, sizeof(co));
	co.limits = c.syn->limits();
	co.segment = on_segment;
	co.segment_ud = &c;
	memset(&ev, 0, sizeof(ev));
	ev.unit_end = on_unit;
	ev.finding = on_finding;
	ev.ud = &c;
	assert_int_equal(eg_source_new_mem(&src, desadv, sizeof(desadv) - 1,
					   "t", &e),
			 EG_OK);
	if (c.syn->check(src, &co, &ev, &res, &e) != EG_OK)
		fail_msg("check: %s", e.msg);
	if (eg_mapper_error(c.m, &e) != EG_OK)
		fail_msg("mapper: %s", e.msg);
	assert_int_equal(res.reader_failed, 0);
	eg_mapper_counts_get(c.m, &n);
	if (c.findings || c.records != 1)
		fail_msg("%u record(s), %u finding(s), the first %s",
			 c.records, c.findings, c.first_rule);
	assert_int_equal(n.mapped, 1);
	/* released separators are data; composites read by component */
	want(&c, "\"shipmentId\":\"ASN+001\"");
	want(&c, "\"billOfLading\":\"BOL:9\"");
	want(&c, "\"shipDate\":\"2026-01-05\"");
	/* the first repetition, its released '*' kept */
	want(&c, "\"purchaseOrderNumber\":\"PO*77\"");
	/* component 0 of a composite kept as sent: its first component */
	want(&c, "\"sku\":\"ABC123\"");
	want(&c, "\"sku\":\"DEF456\"");
	want(&c, "\"gtin\":\"5012345678900\"");
	want(&c, "\"description\":\"WIDGET: BLUE'S\"");
	want(&c, "\"quantityShipped\":{\"value\":24,\"uom\":\"EA\"}");
	want(&c, "\"syntax\":\"edifact\"");
	want(&c, "\"syntaxVersion\":\"D96A\"");
	/* the message's place in the file: UNH to the end of UNT */
	{
		const char *unh = strstr(desadv, "UNH+"),
			   *unt = strstr(desadv, "UNT+");
		char pos[96];

		snprintf(pos, sizeof(pos),
			 "\"byteOffset\":%zu,\"byteLength\":%zu}",
			 (size_t)(unh - desadv),
			 (size_t)(strchr(unt, '\'') + 1 - unh));
		want(&c, pos);
	}
	eg_source_free(src);
	eg_mapper_free(c.m);
	eg_maps_free(maps);
	eg_buf_free(&c.json);
	remove_datadir(dir);
}

/* The segment view's split: X12 always as sent; EDIFACT as sent unless
 * a release character was used. */
static eg_err
split_seen(void *ud, const eg_segment *seg, eg_error *e)
{
	unsigned *released = ud;
	eg_seg_seps sep;

	(void)e;
	if (!eg_syntax_edifact.split(seg, &sep))
		(*released)++;
	assert_int_equal(sep.element, '+');
	assert_int_equal(sep.component, ':');
	assert_int_equal(sep.repetition, '*');
	assert_int_equal(sep.first_component, 1);
	return EG_OK;
}

static void
no_finding(void *ud, const eg_finding *f)
{
	(void)ud;
	(void)f;
}

static void
no_unit(void *ud, const eg_unit_result *u)
{
	(void)ud;
	(void)u;
}

static void
test_edifact_split(void **state)
{
	eg_syntax_check_opts co;
	eg_syntax_check_result res;
	eg_envelope_events ev;
	eg_source *src = NULL;
	eg_error e;
	unsigned released = 0;

	(void)state;
	eg_error_clear(&e);
	memset(&co, 0, sizeof(co));
	co.limits = eg_syntax_edifact.limits();
	co.segment = split_seen;
	co.segment_ud = &released;
	memset(&ev, 0, sizeof(ev));
	ev.finding = no_finding;
	ev.unit_end = no_unit;
	assert_int_equal(eg_source_new_mem(&src, desadv, sizeof(desadv) - 1,
					   "t", &e),
			 EG_OK);
	assert_int_equal(eg_syntax_edifact.check(src, &co, &ev, &res, &e),
			 EG_OK);
	assert_int_equal(released, 4); /* BGM, two RFFs, IMD */
	eg_source_free(src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edifact_through_the_mapper),
	    cmocka_unit_test(test_edifact_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
