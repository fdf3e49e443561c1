/*
 * ledger_batch.c - nightly master-data batches and their baselines
 * (ledger_batch.h).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_batch.h"

eg_err
eg_ledger_batch_put(eg_ledger *l, const eg_ledger_batch *b, int move_current,
		    eg_error *e)
{
	eg_err rc;

	rc = eg_ledger_exec(
	    l, e,
	    "INSERT OR REPLACE INTO batches(file_id,partner,document,base_id,"
	    "verdict,why,rows,added,changed,deleted,unchanged,rejected,"
	    "duplicates,rows_before,baseline,at) VALUES(?1,?2,?3,?4,?5,?6,?7,"
	    "?8,?9,?10,?11,?12,?13,?14,?15,?16)",
	    "ttttttiiiiiiiiti", b->file_id, b->partner, b->document, b->base_id,
	    b->verdict, b->why, (int64_t)b->rows, (int64_t)b->added,
	    (int64_t)b->changed, (int64_t)b->deleted, (int64_t)b->unchanged,
	    (int64_t)b->rejected, (int64_t)b->duplicates,
	    (int64_t)b->rows_before, b->baseline[0] ? b->baseline : NULL,
	    b->at);
	if (rc || !move_current)
		return rc;
	return eg_ledger_exec(l, e,
			      "INSERT OR REPLACE INTO baselines(partner,"
			      "document,file_id,at) VALUES(?1,?2,?3,?4)",
			      "ttti", b->partner, b->document, b->file_id,
			      b->at);
}

eg_err
eg_ledger_batch_get(eg_ledger *l, const char *file_id, eg_ledger_batch *out,
		    int *found, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = eg_ledger_query(l, &q, e,
			     "SELECT file_id,partner,document,base_id,verdict,"
			     "COALESCE(why,''),rows,added,changed,deleted,"
			     "unchanged,rejected,duplicates,rows_before,"
			     "COALESCE(baseline,''),at FROM batches WHERE "
			     "file_id=?1",
			     "t", file_id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		*found = 1;
		snprintf(out->file_id, sizeof(out->file_id), "%s",
			 eg_col_text(q, 0));
		snprintf(out->partner, sizeof(out->partner), "%s",
			 eg_col_text(q, 1));
		snprintf(out->document, sizeof(out->document), "%s",
			 eg_col_text(q, 2));
		snprintf(out->base_id, sizeof(out->base_id), "%s",
			 eg_col_text(q, 3));
		snprintf(out->verdict, sizeof(out->verdict), "%s",
			 eg_col_text(q, 4));
		snprintf(out->why, sizeof(out->why), "%s", eg_col_text(q, 5));
		out->rows = (uint64_t)eg_col_int(q, 6);
		out->added = (uint64_t)eg_col_int(q, 7);
		out->changed = (uint64_t)eg_col_int(q, 8);
		out->deleted = (uint64_t)eg_col_int(q, 9);
		out->unchanged = (uint64_t)eg_col_int(q, 10);
		out->rejected = (uint64_t)eg_col_int(q, 11);
		out->duplicates = (uint64_t)eg_col_int(q, 12);
		out->rows_before = (uint64_t)eg_col_int(q, 13);
		snprintf(out->baseline, sizeof(out->baseline), "%s",
			 eg_col_text(q, 14));
		out->at = eg_col_int(q, 15);
	}
	eg_ledger_done(q);
	return r < 0 ? (e->code ? e->code : EG_EIO) : EG_OK;
}

/* One text column of one row into dst ("" when none). */
static eg_err
one_text(eg_ledger *l, char *dst, size_t cap, eg_error *e, const char *sql,
	 const char *a, const char *b)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	dst[0] = '\0';
	rc = b ? eg_ledger_query(l, &q, e, sql, "tt", a, b)
	       : eg_ledger_query(l, &q, e, sql, "t", a);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1)
		snprintf(dst, cap, "%s", eg_col_text(q, 0));
	eg_ledger_done(q);
	return r < 0 ? (e->code ? e->code : EG_EIO) : EG_OK;
}

eg_err
eg_ledger_batch_current(eg_ledger *l, const char *partner, const char *document,
			char id[32], eg_error *e)
{
	return one_text(l, id, 32, e,
			"SELECT file_id FROM baselines WHERE partner=?1 AND "
			"document=?2",
			partner, document);
}

eg_err
eg_ledger_batch_reprocess_of(eg_ledger *l, const char *file_id, char id[32],
			     eg_error *e)
{
	return one_text(l, id, 32, e,
			"SELECT COALESCE(reprocess_of,'') FROM files WHERE "
			"id=?1",
			file_id, NULL);
}

eg_err
eg_ledger_batch_prune(eg_ledger *l, const char *partner, const char *document,
		      unsigned keep, eg_error *e)
{
	/* the newest keep baselines by time (file ids break ties: they
	 * grow), and the current one whatever its age, stay named */
	return eg_ledger_exec(
	    l, e,
	    "UPDATE batches SET baseline=NULL WHERE partner=?1 AND "
	    "document=?2 AND baseline IS NOT NULL AND file_id NOT IN "
	    "(SELECT file_id FROM baselines WHERE partner=?1 AND "
	    "document=?2) AND file_id NOT IN (SELECT file_id FROM batches "
	    "WHERE partner=?1 AND document=?2 AND baseline IS NOT NULL "
	    "ORDER BY at DESC, file_id DESC LIMIT ?3)",
	    "tti", partner, document, (int64_t)keep);
}

eg_err
eg_ledger_batch_names(eg_ledger *l, const char *baseline, int *yes,
		      eg_error *e)
{
	char id[32];
	eg_err rc = one_text(l, id, sizeof(id), e,
			     "SELECT file_id FROM batches WHERE baseline=?1 "
			     "LIMIT 1",
			     baseline, NULL);

	*yes = !rc && id[0];
	return rc;
}
