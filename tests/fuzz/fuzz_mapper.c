/*
 * fuzz_mapper.c - libFuzzer target: X12 and UN/EDIFACT to canonical
 * records.
 *
 * Every input is read in the syntax its first bytes name (the registry;
 * X12 otherwise), checked (envelope or service segments, shipped guides)
 * and mapped through that syntax's descriptor with the shipped maps
 * (856, 945, 940, 850, DESADV, ORDERS) and a test partner's code lists
 * and overrides (tests/fixtures/map/home/partners/shopco.xml), or, for
 * every other input, another's rules (northwh.xml: a 945 against the
 * 940s mapped before it in the same input, through an in-memory store),
 * the way `edigate map` does; each record is written as JSON and as XML
 * (every other input with its levels as runs, built again while
 * written, the writers draining into a sink), and its order lines are
 * read the way the ledger reads them.  What must hold: no
 * crash, leak, hang or sanitizer report, and no record for a file the
 * checks found no transaction set in.  Runs from the repository root.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/buf.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/record.h"
#include "edigate/rules.h"
#include "edigate/source.h"
#include "edigate/syntax.h"
#include "edigate/x12_check.h"

#define PROFILE "tests/fixtures/map/home/partners/shopco.xml"
/* with rules: a 945 must answer a 940 (requires-reference) and ship what
 * it ordered (quantity-tolerance); the 940s of the same input are
 * remembered, so a 940 then a 945 reach the line matching */
#define PROFILE_RULES "tests/fixtures/map/home/partners/northwh.xml"

/* Loaded once: the fuzzer's only globals, outside the library. */
static eg_guides *guides;
static eg_maps *maps;
static eg_profile *prof, *prof_rules;

typedef struct ctx {
	eg_mapper *mapper;
	const eg_syntax_desc *syn;
	eg_buf out;
	unsigned long records;
	eg_memstore *mem; /* with rules: what this input mapped */
} ctx;

static void
on_finding(void *ud, const eg_finding *f)
{
	(void)ud;
	if (f == NULL)
		abort();
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	eg_mapper_unit_end(((ctx *)ud)->mapper, u);
}

static eg_err
on_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	const ctx *c = ud;

	return c->syn->map_segment(c->mapper, seg, e);
}

/* A sink that keeps nothing: drained between the units of every run. */
static eg_err
drain_all(void *ud, eg_buf *out)
{
	(void)ud;
	eg_buf_reset(out);
	return EG_OK;
}

/* The ledger's walk over an order's lines (through runs too). */
static eg_err
on_line(void *ud, const eg_ref_line *ln)
{
	if (ln->quantity[sizeof(ln->quantity) - 1] != '\0')
		abort();
	(void)ud;
	return EG_OK;
}

static eg_err
on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	ctx *c = ud;
	eg_record_sink sink = {.drain = drain_all, .at = 1};
	eg_err rc;

	(void)e;
	c->records++;
	eg_buf_reset(&c->out);
	rc = eg_record_write_json_to(&c->out, rec, c->records & 1 ? &sink
								 : NULL);
	if (rc == EG_OK)
		rc = eg_record_write_xml_to(&c->out, rec, 1,
					    c->records & 1 ? NULL : &sink);
	if (rc == EG_OK)
		rc = eg_ref_lines_each(rec, on_line, c);
	if (rc == EG_OK && c->mem) {
		const char *set =
		    eg_rnode_text(rec, "correlation/transaction/setId");

		rc = eg_memstore_add(c->mem, "northwh", set ? set : "", rec);
		if (rc == EG_ELIMIT)
			rc = EG_OK; /* a value too long to remember */
	}
	return rc;
}

static void
load_once(void)
{
	eg_error e;

	memset(&e, 0, sizeof(e));
	if (guides)
		return;
	if (eg_guides_new(&guides, ".", &e) || eg_maps_new(&maps, ".", &e) ||
	    eg_profile_load(&prof, PROFILE, ".", &e) ||
	    eg_profile_load(&prof_rules, PROFILE_RULES, ".", &e))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sha[] = "0000000000000000000000000000000000000000"
				  "000000000000000000000000";
	eg_x12_check_opts co;
	eg_x12_check_result res;
	eg_mapper_opts mo;
	eg_refstore rs;
	eg_envelope_events ev;
	eg_source *src = NULL;
	eg_error e;
	ctx c;

	load_once();
	memset(&c, 0, sizeof(c));
	{
		char term;

		c.syn = eg_syntax_detect(data, size < EG_SYNTAX_HEAD
						   ? size
						   : EG_SYNTAX_HEAD,
					 &term);
		if (!c.syn)
			c.syn = &eg_syntax_x12;
	}
	memset(&co, 0, sizeof(co));
	memset(&mo, 0, sizeof(mo));
	memset(&res, 0, sizeof(res));
	memset(&e, 0, sizeof(e));
	eg_buf_init(&c.out, 1 << 20);
	mo.maps = maps;
	mo.profile = prof;
	if (size & 4) {
		if (eg_memstore_new(&c.mem))
			abort();
		rs = eg_memstore_store(c.mem);
		mo.profile = prof_rules;
		mo.store = &rs;
	}
	mo.now = 1767225600; /* 2026-01-01 */
	mo.file_id = "fuzz-000001";
	mo.file_name = "fuzz.x12";
	mo.file_sha256 = sha;
	mo.eager = size & 1 ? 0 : 1;
	/* big levels as runs (record.h), built again as they are written:
	 * with 1, every eager level that may be a run is one */
	mo.run_min_units = size & 2 ? 1 : 0;
	mo.record = on_record;
	mo.finding = on_finding;
	mo.ud = &c;
	if (eg_mapper_new(&c.mapper, &mo, &e))
		abort();
	co.limits = c.syn->limits();
	co.limits.max_segment = 4096;
	/* a 4 KiB read chunk: segments cross chunk ends in most inputs, and
	 * the reader's buffer stays small (a 256 KiB one per input cost an
	 * mmap and munmap under ASan, most of this target's time) */
	co.limits.chunk = 4096;
	co.guides = guides;
	co.segment = on_segment;
	co.segment_ud = &c;
	ev.finding = on_finding;
	ev.unit_end = on_unit;
	ev.ud = &c;
	if (eg_source_new_mem(&src, data, size, "fuzz", &e))
		abort();
	if (c.syn->check(src, &co, &ev, &res, &e) == EG_OK &&
	    eg_mapper_error(c.mapper, &e) == EG_OK &&
	    res.totals.transactions == 0 && c.records != 0)
		abort();
	eg_source_free(src);
	eg_mapper_free(c.mapper);
	eg_memstore_free(c.mem);
	eg_buf_free(&c.out);
	return 0;
}
