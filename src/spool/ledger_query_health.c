/*
 * ledger_query_health.c - one flow's health, as `status` and `report`
 * show it (see ledger_query.h).
 *
 * A file belongs to an inbound flow when it carries a set of it (a
 * transactions row); files with no set at all form the flow of set "".
 * "Quarantined" in a window counts a file that went there even if it was
 * released since (its history says so).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

/* The file f is in the flow (?2 direction, ?3 set). */
#define IN_FLOW                                                            \
	"(CASE WHEN ?3='' THEN NOT EXISTS (SELECT 1 FROM transactions t "  \
	"WHERE t.file_id=f.id) ELSE EXISTS (SELECT 1 FROM transactions t " \
	"WHERE t.file_id=f.id AND t.st01=?3) END) AND (CASE WHEN ?2='out' " \
	"THEN f.source IN ('sent','outbound') ELSE f.source NOT IN "      \
	"('sent','outbound') END)"
#define WAS_QUARANTINED                                                    \
	"(f.state IN ('rejected','partial') OR EXISTS (SELECT 1 FROM "     \
	"file_events v WHERE v.file_id=f.id AND v.state IN "               \
	"('rejected','partial')))"

eg_err
eg_ledger_flow_get(eg_ledger *l, const char *partner, const char *direction,
		   const char *set, int64_t since, int64_t since30,
		   eg_ledger_flow *out, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	rc = eg_ledger_int(l, &out->last_ok, 0, e,
			   "SELECT coalesce(max(coalesce(f.finished_at,"
			   "f.received_at)),0) FROM files f WHERE "
			   "f.partner=?1 AND " IN_FLOW " AND f.state IN "
			   "('accepted','released','sent')",
			   "ttt", partner, direction, set);
	if (!rc)
		rc = eg_ledger_int(l, &out->quarantine, 0, e,
				   "SELECT count(*) FROM files f WHERE "
				   "f.partner=?1 AND " IN_FLOW " AND f.state "
				   "IN ('rejected','partial')",
				   "ttt", partner, direction, set);
	if (!rc)
		rc = eg_ledger_int(l, &out->window_files, 0, e,
				   "SELECT count(*) FROM files f WHERE "
				   "f.partner=?1 AND " IN_FLOW " AND "
				   "f.received_at>=?4",
				   "ttti", partner, direction, set, since);
	if (!rc)
		rc = eg_ledger_int(l, &out->window_rejected, 0, e,
				   "SELECT count(*) FROM files f WHERE "
				   "f.partner=?1 AND " IN_FLOW " AND "
				   "f.received_at>=?4 AND " WAS_QUARANTINED,
				   "ttti", partner, direction, set, since);
	if (!rc)
		rc = eg_ledger_int(l, &out->resolved, 0, e,
				   "SELECT count(*) FROM files f JOIN "
				   "file_events v ON v.file_id=f.id WHERE "
				   "f.partner=?1 AND " IN_FLOW " AND v.state "
				   "IN ('released','discarded','reprocessed') "
				   "AND v.at>=?4",
				   "ttti", partner, direction, set, since30);
	if (!rc)
		rc = eg_ledger_int(l, &out->resolve_secs, -1, e,
				   "SELECT CAST(avg(max(v.at-f.received_at,0)) AS "
				   "INTEGER) FROM files f JOIN file_events v ON "
				   "v.file_id=f.id WHERE f.partner=?1 AND "
				   IN_FLOW " AND v.state IN ('released',"
				   "'discarded','reprocessed') AND v.at>=?4 "
				   "HAVING count(*)>0",
				   "ttti", partner, direction, set, since30);
	if (!rc)
		rc = eg_ledger_int(l, &out->ack_secs, -1, e,
				   "SELECT CAST(avg(a) AS INTEGER) FROM (SELECT "
				   "min(k.at)-f.received_at AS a FROM files f "
				   "JOIN acks_in k ON k.sent_file=f.id WHERE "
				   "f.partner=?1 AND " IN_FLOW " AND "
				   "f.received_at>=?4 GROUP BY f.id) HAVING "
				   "count(*)>0",
				   "ttti", partner, direction, set, since30);
	if (rc)
		return rc;
	rc = eg_ledger_query(l, &q, e,
			     "SELECT f.received_at, coalesce((SELECT message "
			     "FROM findings g WHERE g.file_id=f.id AND "
			     "g.severity='error' ORDER BY g.id LIMIT 1),"
			     "f.summary,'') FROM files f WHERE f.partner=?1 "
			     "AND " IN_FLOW " AND " WAS_QUARANTINED " ORDER BY "
			     "f.received_at DESC, f.n DESC LIMIT 1",
			     "ttt", partner, direction, set);
	if (rc)
		return rc;
	if ((r = eg_ledger_step(l, q, e)) == 1) {
		out->last_error_at = eg_col_int(q, 0);
		snprintf(out->last_error, sizeof(out->last_error), "%s",
			 eg_col_text(q, 1));
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_flow_causes(eg_ledger *l, const char *partner, const char *direction,
		      const char *set, eg_ledger_cause_fn fn, void *ud,
		      eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	/* the category as the work queue has it (ledger_query_quarantine.c) */
	rc = eg_ledger_query(l, &q, e,
			     "SELECT w.category, (SELECT group_concat(rule, "
			     "' ') FROM (SELECT DISTINCT rule FROM findings "
			     "WHERE file_id=f.id AND severity='error' AND rule "
			     "IS NOT NULL)) FROM files f LEFT JOIN "
			     "quarantine_work w ON w.file_id=f.id WHERE "
			     "f.partner=?1 AND " IN_FLOW " AND f.state IN "
			     "('rejected','partial')",
			     "ttt", partner, direction, set);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1)
		if (fn(ud, !eg_col_null(q, 0)
			       ? eg_col_text(q, 0)
			       : eg_quarantine_category(eg_col_text(q, 1))))
			break;
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_flow_days(eg_ledger *l, const char *partner, const char *set,
		    int64_t day0, unsigned ndays, int64_t *files,
		    int64_t *rejected, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(files, 0, ndays * sizeof(*files));
	memset(rejected, 0, ndays * sizeof(*rejected));
	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT (f.received_at-?2)/86400, count(*), sum(" WAS_QUARANTINED
	    ") FROM files f WHERE f.partner=?1 AND f.source NOT IN "
	    "('sent','outbound') AND f.received_at>=?2 AND (?3 IS NULL OR EXISTS (SELECT 1 FROM "
	    "transactions t WHERE t.file_id=f.id AND t.st01=?3)) GROUP BY 1",
	    "tit", partner, day0, set);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		int64_t d = eg_col_int(q, 0);

		if (d >= 0 && d < (int64_t)ndays) {
			files[d] = eg_col_int(q, 1);
			rejected[d] = eg_col_int(q, 2);
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

