/*
 * mapfile_run.c - one file through validate -> map (-> rules) for the
 * commands that show records: `map` and `partner test`.
 *
 * The file is read once: the mapper copies each transaction set while
 * the envelope and guide checks run, and maps it when they accept it.
 * Records are appended to a buffer in the chosen form, or (mf->out, for
 * `map`) streamed to a file as each set is mapped and cut back when its
 * group or interchange ends rejected, so memory stays flat whatever the
 * file's size.  Records of sets the profile's rules refer to (the 940 a
 * 945 answers) are remembered in the run's in-memory store, so a later
 * file can refer to an earlier one; streaming, they wait in a group and
 * an interchange stage until those are accepted, as they would have.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static void stream_unit(eg_cli_mapfile *mf, const eg_unit_result *u);

static void
on_unit(void *ud, const eg_unit_result *u)
{
	eg_cli_mapfile *mf = ud;

	if (mf->pass && mf->pass->unit_end)
		mf->pass->unit_end(mf->pass->ud, u);
	if (mf->mapper)
		eg_mapper_unit_end(mf->mapper, u);
	if (mf->mapper && mf->out)
		stream_unit(mf, u);
}

/* Cut the output back to mark (a rejected group or interchange). */
static void
cut(eg_cli_mapfile *mf, long long mark, unsigned long nrec)
{
	mf->nrecords = nrec;
	if (fflush(mf->out) != 0 || ftruncate(fileno(mf->out), mark) != 0 ||
	    fseeko(mf->out, mark, SEEK_SET) != 0)
		mf->io_err = EG_EIO;
}

static void
stream_unit(eg_cli_mapfile *mf, const eg_unit_result *u)
{
	int ok = u->outcome != EG_REJECTED;
	long long here;
	eg_err rc = EG_OK;

	if (u->level != EG_LVL_GROUP && u->level != EG_LVL_INTERCHANGE)
		return;
	if (!ok) {
		cut(mf, u->level == EG_LVL_GROUP ? mf->gmark : mf->imark,
		    u->level == EG_LVL_GROUP ? mf->gnrec : mf->inrec);
		if (mf->gstage)
			eg_memstore_clear(mf->gstage);
		if (mf->istage && u->level == EG_LVL_INTERCHANGE)
			eg_memstore_clear(mf->istage);
	} else if (mf->gstage) {
		rc = eg_memstore_take(mf->istage, mf->gstage);
		if (!rc && u->level == EG_LVL_INTERCHANGE)
			rc = eg_memstore_take(mf->mem, mf->istage);
	}
	if (rc && !mf->io_err)
		mf->io_err = rc;
	here = ftello(mf->out);
	mf->gmark = here;
	mf->gnrec = mf->nrecords;
	if (u->level == EG_LVL_INTERCHANGE) {
		mf->imark = here;
		mf->inrec = mf->nrecords;
	}
}

/* Are records of set remembered?  Only when a rule may look for them
 * (requires-reference seen-in, quantity-tolerance against): nothing
 * else reads the store, and it would grow with the records. */
static int
wanted(const eg_cli_mapfile *mf, const char *set)
{
	size_t i;

	if (!mf->refs)
		return 1;
	for (i = 0; i < mf->refs->nrules; i++)
		if (!strcmp(mf->refs->rules[i].seen_in, set) ||
		    !strcmp(mf->refs->rules[i].against, set))
			return 1;
	return 0;
}

/* Between two units of a run, what the writer holds goes out: a record
 * of 200,000 lines is never held whole as text. */
static eg_err
drain_out(void *ud, eg_buf *out)
{
	eg_cli_mapfile *mf = ud;

	if (fwrite(out->data, 1, out->len, mf->out) != out->len)
		return EG_EIO;
	eg_buf_reset(out);
	return EG_OK;
}

#define OUT_DRAIN ((size_t)256 << 10)

static eg_err
on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	eg_cli_mapfile *mf = ud;
	const char *set = eg_rnode_text(rec, "correlation/transaction/setId");
	eg_record_sink sink = {.drain = drain_out, .ud = mf, .at = OUT_DRAIN};
	const eg_record_sink *s = mf->out ? &sink : NULL;
	eg_err rc;

	mf->nrecords++;
	if (mf->out)
		eg_buf_reset(&mf->records);
	if (mf->discard)
		rc = EG_OK; /* only remembered (an earlier document) */
	else
		rc = mf->jsonl ? eg_record_write_json_to(&mf->records, rec, s)
			       : eg_record_write_xml_to(&mf->records, rec, 1, s);
	if (!rc && mf->out && mf->records.len &&
	    fwrite(mf->records.data, 1, mf->records.len, mf->out) !=
		mf->records.len)
		rc = EG_EIO;
	if (!rc && mf->mem && mf->store_as && wanted(mf, set ? set : ""))
		rc = eg_memstore_add(mf->out ? mf->gstage : mf->mem,
				     mf->store_as, set ? set : "", rec);
	if (rc)
		return eg_fail(e, rc, "cannot keep the records: %s",
			       eg_err_str(rc));
	return EG_OK;
}

static eg_err
on_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	const eg_cli_mapfile *mf = ud;

	return mf->syn->map_segment(mf->mapper, seg, e);
}

void
eg_cli_mapfile_init(eg_cli_mapfile *mf, const char *path, eg_guides *guides,
		    const eg_cli_partner *pc, struct eg_maps *maps,
		    struct eg_memstore *mem, time_t now, int seen,
		    size_t records_max)
{
	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	/* read through the descriptor of the file's syntax: X12 or EDIFACT
	 * segments reach the same mapper */
	mf->syn = eg_cli_file_syntax(path);
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
	mf->refs = pc->profile;
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
	mf->io_err = EG_OK;
	if (mf->out) {
		/* records go out as each set is mapped (see stream_unit) */
		mo.eager = 1;
		mf->gmark = mf->imark = ftello(mf->out);
		mf->gnrec = mf->inrec = 0;
		if (mf->gmark < 0)
			return eg_fail(e, EG_EIO, "cannot write the records: "
				       "the output is not a file");
		if (mf->mem && (eg_memstore_new(&mf->gstage) ||
				eg_memstore_new(&mf->istage))) {
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (mf->maps && (rc = eg_mapper_new(&mf->mapper, &mo, e)) != EG_OK)
		goto out;
	co.limits = mf->syn->limits();
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
		rc = mf->syn->check(src, &co, &ev, &mf->res, e);
	if (!rc && mf->mapper)
		rc = eg_mapper_error(mf->mapper, e);
	if (!rc && mf->mapper)
		eg_mapper_counts_get(mf->mapper, &mf->counts);
	/* what no accepted interchange closed is not given out */
	if (mf->out && mf->mapper) {
		cut(mf, mf->imark, mf->inrec);
		if (!rc && mf->io_err)
			rc = eg_fail(e, mf->io_err, "cannot write the records: "
				     "%s", eg_err_str(mf->io_err));
	}
	eg_source_free(src);
out:
	eg_mapper_free(mf->mapper);
	mf->mapper = NULL;
	eg_memstore_free(mf->gstage);
	eg_memstore_free(mf->istage);
	mf->gstage = mf->istage = NULL;
	return rc;
}
