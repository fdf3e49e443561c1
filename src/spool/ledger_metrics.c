/*
 * ledger_metrics.c - read-only ledger queries for the metrics of
 * `edigate serve` (ledger_metrics.h).  Nothing here writes.
 *
 * The incremental queries walk the rowid (the primary key) past the
 * caller's mark, so their cost follows what is new, not the ledger's
 * size (NOT INDEXED where the planner would rather walk an index
 * than a range of row ids); the snapshot ones read indexed rows.
 */
#include "edigate/ledger_metrics.h"

static eg_err
rows(eg_ledger *l, eg_stmt *q, int64_t *last, int lastcol,
     eg_ledger_metrics_fn fn, void *ud, eg_error *e)
{
	int r;

	while ((r = eg_ledger_step(l, q, e)) == 1) {
		const char *a = eg_col_null(q, 1) ? NULL : eg_col_text(q, 1);
		const char *b = eg_col_null(q, 2) ? NULL : eg_col_text(q, 2);
		const char *c = eg_col_null(q, 3) ? NULL : eg_col_text(q, 3);

		fn(ud, eg_col_text(q, 0), a, b, c, eg_col_int(q, 4),
		   eg_col_int(q, 5));
		if (last && eg_col_int(q, lastcol) > *last)
			*last = eg_col_int(q, lastcol);
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_metrics_docs(eg_ledger *l, int64_t after, int64_t *last,
		       eg_ledger_metrics_fn fn, void *ud, eg_error *e)
{
	eg_stmt *q = NULL;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT f.partner, t.st01, "
			     "CASE WHEN t.status='sent' THEN 'out' ELSE 'in' "
			     "END, t.status, count(*), 0, max(t.id) "
			     "FROM transactions t JOIN files f ON f.id=t.file_id "
			     "WHERE t.id > ?1 GROUP BY 1, 2, 3, 4",
			     "i", after);
	if (rc)
		return rc;
	return rows(l, q, last, 6, fn, ud, e);
}

eg_err
eg_ledger_metrics_files(eg_ledger *l, int64_t after, int64_t *last,
			eg_ledger_metrics_fn fn, void *ud, eg_error *e)
{
	eg_stmt *q = NULL;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, NULL, CASE WHEN source IN "
			     "('sent','outbound') THEN 'out' ELSE 'in' END, NULL, "
			     "count(*), sum(size), max(n) FROM files NOT INDEXED "
			     "WHERE n > ?1 AND source IN "
			     "('local','sftp','sent','outbound') "
			     "GROUP BY 1, 3",
			     "i", after);
	if (rc)
		return rc;
	return rows(l, q, last, 6, fn, ud, e);
}

eg_err
eg_ledger_metrics_quarantine(eg_ledger *l, eg_ledger_metrics_fn fn, void *ud,
			     eg_error *e)
{
	eg_stmt *q = NULL;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, NULL, NULL, NULL, count(*), 0 "
			     "FROM files WHERE state IN ('rejected','partial') "
			     "GROUP BY 1",
			     "");
	if (rc)
		return rc;
	return rows(l, q, NULL, 0, fn, ud, e);
}

eg_err
eg_ledger_metrics_last_ok(eg_ledger *l, int64_t after, int64_t *last,
			  eg_ledger_metrics_fn fn, void *ud, eg_error *e)
{
	eg_stmt *q = NULL;
	eg_err rc;

	/* column 6: the highest run id read (rows() keeps it in *last);
	 * NOT INDEXED: a range of run ids, not a walk of runs_partner */
	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, NULL, NULL, NULL, count(*), "
			     "max(CASE WHEN status='ok' THEN finished END), "
			     "max(id) FROM runs NOT INDEXED WHERE id>?1 "
			     "GROUP BY 1",
			     "i", after);
	if (rc)
		return rc;
	return rows(l, q, last, 6, fn, ud, e);
}

eg_err
eg_ledger_metrics_alerts(eg_ledger *l, eg_ledger_metrics_fn fn, void *ud,
			 eg_error *e)
{
	eg_stmt *q = NULL;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, level, NULL, NULL, count(*), 0 "
			     "FROM alerts WHERE cleared_at IS NULL "
			     "GROUP BY 1, 2",
			     "");
	if (rc)
		return rc;
	return rows(l, q, NULL, 0, fn, ud, e);
}

eg_err
eg_ledger_metrics_marks(eg_ledger *l, int64_t *files, int64_t *docs,
			eg_error *e)
{
	eg_err rc;

	if ((rc = eg_ledger_int(l, files, 0, e, "SELECT max(n) FROM files",
				"")))
		return rc;
	return eg_ledger_int(l, docs, 0, e, "SELECT max(id) FROM transactions",
			     "");
}
