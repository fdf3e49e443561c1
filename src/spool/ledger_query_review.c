/*
 * ledger_query_review.c - what `edigate review` asks the ledger (see
 * ledger_query.h): the files that went to quarantine since a time, and
 * what people did since then, from the audit log.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

eg_err
eg_ledger_review_quarantined(eg_ledger *l, int64_t since,
			     eg_ledger_qtheme_fn fn, void *ud, eg_error *e)
{
	eg_ledger_qtheme t;
	eg_stmt *q;
	eg_err rc;
	int r;

	/* in quarantine now, or once (its history says rejected or
	 * partial) */
	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT f.id, f.partner, f.state, f.received_at, w.category, "
	    "(SELECT group_concat(rule, ' ') FROM (SELECT DISTINCT rule FROM "
	    "findings WHERE file_id=f.id AND severity='error' AND rule IS NOT "
	    "NULL) r) FROM files f LEFT JOIN quarantine_work w ON "
	    "w.file_id=f.id WHERE f.received_at>=?1 AND (f.state IN "
	    "('rejected','partial') OR EXISTS (SELECT 1 FROM file_events v "
	    "WHERE v.file_id=f.id AND v.state IN ('rejected','partial'))) "
	    "ORDER BY f.n",
	    "i", since);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		t.id = eg_col_text(q, 0);
		t.partner = eg_col_text(q, 1);
		t.state = eg_col_text(q, 2);
		t.received_at = eg_col_int(q, 3);
		t.category = !eg_col_null(q, 4)
				 ? eg_col_text(q, 4)
				 : eg_quarantine_category(eg_col_text(q, 5));
		if (fn(ud, &t)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_review_actions(eg_ledger *l, int64_t since,
			 eg_ledger_review_action_fn fn, void *ud, eg_error *e)
{
	eg_ledger_review_action a;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT a.at, a.actor, a.action, a.file_id, a.reason, a.detail, "
	    "f.partner, f.received_at, EXISTS (SELECT 1 FROM file_events v "
	    "WHERE v.file_id=a.file_id AND v.state IN ('rejected','partial')) "
	    "FROM audit a LEFT JOIN files f ON f.id=a.file_id WHERE a.at>=?1 "
	    "AND a.action IN ('release','discard','reprocess','assign','note',"
	    "'categorize') ORDER BY a.id",
	    "i", since);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		a.at = eg_col_int(q, 0);
		a.actor = eg_col_text(q, 1);
		a.action = eg_col_text(q, 2);
		a.file_id = eg_col_text(q, 3);
		a.reason = eg_col_text(q, 4);
		a.detail = eg_col_text(q, 5);
		a.partner = eg_col_text(q, 6);
		a.received_at = eg_col_null(q, 7) ? EG_LEDGER_NONE
						  : eg_col_int(q, 7);
		a.was_quarantined = (int)eg_col_int(q, 8);
		if (fn(ud, &a)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
