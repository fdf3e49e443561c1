/*
 * mapfile_run.c - one file through validate -> map (-> rules) for the
 * commands that show records: `map` and `partner test`.
 *
 * The file is read once: the mapper copies each transaction set while
 * the envelope and guide checks run, and maps it when they accept it.
 * Records are appended to a buffer in the chosen form and remembered in
 * the run's in-memory store, so a later file in the same run (a 945) can
 * refer to an earlier one (the 940 it answers).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/digest.h"
#include "edigate/source.h"

static void
on_finding(void *ud, const eg_finding *f)
{
	eg_cli_mapfile *mf = ud;

	if (f->severity == EG_FIND_ERROR)
		mf->errors++;
	if (mf->finding)
		mf->finding(mf->finding_ud, f, 0);
}

static void
on_map_finding(void *ud, const eg_finding *f)
{
	eg_cli_mapfile *mf = ud;

	if (f->severity == EG_FIND_ERROR) {
		mf->errors++;
		mf->map_errors++;
	}
	if (mf->finding)
		mf->finding(mf->finding_ud, f, 1);
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	eg_cli_mapfile *mf = ud;

	if (mf->pass && mf->pass->unit_end)
		mf->pass->unit_end(mf->pass->ud, u);
	if (mf->mapper)
		eg_mapper_unit_end(mf->mapper, u);
}

static eg_err
on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	eg_cli_mapfile *mf = ud;
	const char *set = eg_rnode_text(rec, "correlation/transaction/setId");
	eg_err rc;

	mf->nrecords++;
	if (mf->discard)
		rc = EG_OK; /* only remembered (an earlier document) */
	else
		rc = mf->jsonl ? eg_record_write_json(&mf->records, rec)
			       : eg_record_write_xml(&mf->records, rec, 1);
	if (!rc && mf->mem && mf->store_as)
		rc = eg_memstore_add(mf->mem, mf->store_as, set ? set : "", rec);
	if (rc)
		return eg_fail(e, rc, "cannot keep the records: %s",
			       eg_err_str(rc));
	return EG_OK;
}

static eg_err
on_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	return eg_mapper_segment(((eg_cli_mapfile *)ud)->mapper, seg, e);
}

void
eg_cli_mapfile_init(eg_cli_mapfile *mf, const char *path, eg_guides *guides,
		    const eg_cli_partner *pc, struct eg_maps *maps,
		    struct eg_memstore *mem, time_t now, int seen,
		    size_t records_max)
{
	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	mf->guides = guides;
	/* an earlier document is usually ours (the 940 we sent): no tenant
	 * check, no partner guides, code lists or rules; only remembered */
	if (!seen) {
		mf->expect = &pc->expect;
		mf->overrides = pc->guides;
		mf->noverrides = pc->nguides;
		mf->profile = pc->profile;
	}
	mf->discard = seen;
	mf->maps = maps;
	mf->mem = mem;
	mf->store_as = pc->profile->id;
	mf->now = now;
	mf->file_id_prefix = "dry";
	eg_buf_init(&mf->records, records_max);
}

eg_err
eg_cli_map_file(eg_cli_mapfile *mf, eg_error *e)
{
	eg_x12_check_opts co;
	eg_mapper_opts mo;
	eg_envelope_events ev;
	eg_source *src = NULL;
	char sha[EG_SHA256_HEX], fid[80];
	const char *base;
	eg_err rc;
	eg_refstore rs;

	memset(&co, 0, sizeof(co));
	memset(&mo, 0, sizeof(mo));
	mf->errors = mf->map_errors = 0;
	mf->nrecords = 0;
	if ((rc = eg_sha256_file(mf->path, sha, e)) != EG_OK)
		return rc;
	base = strrchr(mf->path, '/');
	base = base ? base + 1 : mf->path;
	/* the ledger assigns file ids in a live run; a dry run names the
	 * file by its content */
	snprintf(fid, sizeof(fid), "%s-%.16s", mf->file_id_prefix, sha);
	mo.maps = mf->maps;
	mo.profile = mf->profile;
	if (mf->mem) {
		rs = eg_memstore_store(mf->mem);
		mo.store = &rs;
	}
	mo.now = mf->now;
	mo.file_id = fid;
	mo.file_name = base;
	mo.file_sha256 = sha;
	mo.received_at = NULL;
	mo.record = on_record;
	mo.finding = on_map_finding;
	mo.ud = mf;
	mf->mapper = NULL;
	if (mf->maps && (rc = eg_mapper_new(&mf->mapper, &mo, e)) != EG_OK)
		return rc;
	co.limits = eg_x12_limits_default();
	co.guides = mf->guides;
	co.overrides = mf->overrides;
	co.noverrides = mf->noverrides;
	co.expect = mf->expect;
	if (mf->mapper) {
		co.segment = on_segment;
		co.segment_ud = mf;
	}
	ev.finding = on_finding;
	ev.unit_end = on_unit;
	ev.ud = mf;
	rc = eg_source_open_file(&src, mf->path, e);
	if (!rc)
		rc = eg_x12_check(src, &co, &ev, &mf->res, e);
	if (!rc && mf->mapper)
		rc = eg_mapper_error(mf->mapper, e);
	if (!rc && mf->mapper)
		eg_mapper_counts_get(mf->mapper, &mf->counts);
	eg_source_free(src);
	eg_mapper_free(mf->mapper);
	mf->mapper = NULL;
	return rc;
}
