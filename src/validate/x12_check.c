/*
 * x12_check.c - reader + envelope checks over one source.
 *
 * Document errors (EG_ESYNTAX, EG_ELIMIT, EG_EENCODING) found by the
 * reader end the walk and are reported as findings; environment errors
 * (I/O, memory) are returned to the caller.
 */
#include "edigate/x12_check.h"

#include <string.h>

#include "edigate/txn_validate.h"

eg_err
eg_x12_check(eg_source *src, const eg_x12_check_opts *opts,
	     const eg_envelope_events *ev, eg_x12_check_result *res,
	     eg_error *e)
{
	eg_x12_reader *rd = NULL;
	eg_envelope *env = NULL;
	eg_txnv *tv = NULL;
	const eg_x12_segment *seg;
	eg_error rerr;
	uint64_t next_progress = 4u << 20;
	eg_err rc;

	memset(res, 0, sizeof(*res));
	eg_error_clear(&rerr);
	rc = eg_x12_reader_new(&rd, src, opts ? &opts->limits : NULL, e);
	if (rc)
		goto out;
	rc = eg_envelope_new(&env, ev, e);
	if (rc)
		goto out;
	if (opts && opts->expect)
		eg_envelope_set_expect(env, opts->expect);
	if (opts && opts->guides) {
		eg_txnv_opts to = {opts->max_findings, opts->overrides,
				   opts->noverrides};

		rc = eg_txnv_new(&tv, opts->guides, &to, e);
		if (rc)
			goto out;
		eg_envelope_set_hook(env, eg_txnv_hook(tv));
	}
	for (;;) {
		rc = eg_x12_reader_next(rd, &seg, &rerr);
		if (rc) {
			if (eg_err_severity(rc) != EG_SEV_REJECT) {
				*e = rerr;
				goto out;
			}
			eg_envelope_abort(env, &rerr);
			res->reader_failed = 1;
			rc = EG_OK;
			break;
		}
		if (!seg) {
			rc = eg_envelope_finish(env, e);
			break;
		}
		res->segments++;
		if (opts && opts->segment &&
		    (rc = opts->segment(opts->segment_ud, seg, e)) != EG_OK)
			goto out;
		rc = eg_envelope_segment(env, seg, e);
		if (rc)
			goto out;
		/* A broken guide is a configuration error: stop before any
		 * unit closes on a set that was not really checked (an
		 * acknowledgement must never say "accepted" for it).  Guides
		 * are loaded at ST, so that is where to look. */
		if (tv && seg->tag == EG_X12_ST &&
		    (rc = eg_txnv_error(tv, e)) != EG_OK)
			goto out;
		if (opts && opts->progress && seg->offset >= next_progress) {
			opts->progress(opts->progress_ud, seg->offset);
			next_progress = seg->offset + (4u << 20);
		}
	}
	res->bytes = eg_x12_reader_offset(rd);
	eg_envelope_totals_get(env, &res->totals);
	if (tv) {
		eg_txnv_counts(tv, &res->guided, &res->unguided);
		if (rc == EG_OK)
			rc = eg_txnv_error(tv, e);
	}
out:
	eg_txnv_free(tv);
	eg_envelope_free(env);
	eg_x12_reader_free(rd);
	return rc;
}
