/*
 * ledger_alerts.c - the alerts table and the counts service levels are
 * judged on (see ledger_alerts.h).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_alerts.h"
#include "edigate/ledger_query.h"

#define ALERT_COLS                                                         \
	"id, partner, rule, subject, level, message, raised_at, alert_at,"  \
	" cleared_at, cleared_note, hook, hook_error"

static int64_t
opt_int(eg_stmt *q, int i)
{
	return eg_col_null(q, i) ? EG_LEDGER_NONE : eg_col_int(q, i);
}

/* Hand each row of an alert query to fn. */
static eg_err
rows(eg_ledger *l, eg_stmt *q, eg_ledger_alert_fn fn, void *ud, eg_error *e)
{
	int r;

	while ((r = eg_ledger_step(l, q, e)) == 1) {
		eg_ledger_alert a;

		a.id = eg_col_int(q, 0);
		a.partner = eg_col_text(q, 1);
		a.rule = eg_col_text(q, 2);
		a.subject = eg_col_text(q, 3);
		a.level = eg_col_text(q, 4);
		a.message = eg_col_text(q, 5);
		a.raised_at = eg_col_int(q, 6);
		a.alert_at = opt_int(q, 7);
		a.cleared_at = opt_int(q, 8);
		a.cleared_note = eg_col_text(q, 9);
		a.hook = eg_col_text(q, 10);
		a.hook_error = eg_col_text(q, 11);
		if (fn(ud, &a))
			break;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_alert_find(eg_ledger *l, const char *partner, const char *rule,
		     const char *subject, int open_only, eg_ledger_alert_fn fn,
		     void *ud, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT " ALERT_COLS " FROM alerts WHERE "
			     "partner=?1 AND rule=?2 AND subject=?3 AND "
			     "(?4=0 OR cleared_at IS NULL) ORDER BY id DESC "
			     "LIMIT 1",
			     "ttti", partner, rule, subject,
			     (int64_t)(open_only != 0));
	return rc ? rc : rows(l, q, fn, ud, e);
}

eg_err
eg_ledger_alerts_list(eg_ledger *l, const char *partner, int open_only,
		      int64_t since, eg_ledger_alert_fn fn, void *ud,
		      eg_error *e)
{
	eg_stmt *q;
	eg_err rc;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT " ALERT_COLS " FROM alerts WHERE "
			     "(?1 IS NULL OR partner=?1) AND (cleared_at IS "
			     "NULL OR (?2=0 AND cleared_at>=?3)) ORDER BY "
			     "cleared_at IS NOT NULL, raised_at DESC, id DESC",
			     "tii", partner, (int64_t)(open_only != 0), since);
	return rc ? rc : rows(l, q, fn, ud, e);
}

eg_err
eg_ledger_alert_raise(eg_ledger *l, const char *partner, const char *rule,
		      const char *subject, const char *level,
		      const char *message, int64_t at, int64_t *id,
		      eg_error *e)
{
	eg_err rc;

	rc = eg_ledger_exec(l, e,
			    "INSERT INTO alerts(partner,rule,subject,level,"
			    "message,raised_at,alert_at) VALUES(?1,?2,?3,?4,"
			    "?5,?6,CASE WHEN ?4='alert' THEN ?6 END)",
			    "ttttti", partner, rule, subject, level, message,
			    at);
	if (!rc)
		*id = eg_ledger_last_rowid(l);
	return rc;
}

eg_err
eg_ledger_alert_escalate(eg_ledger *l, int64_t id, const char *message,
			 int64_t at, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE alerts SET level='alert', message=?2, "
			      "alert_at=?3 WHERE id=?1",
			      "iti", id, message, at);
}

eg_err
eg_ledger_alert_clear(eg_ledger *l, int64_t id, const char *note, int64_t at,
		      eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE alerts SET cleared_at=?3, cleared_note=?2 "
			      "WHERE id=?1",
			      "iti", id, note, at);
}

eg_err
eg_ledger_alert_hooked(eg_ledger *l, int64_t id, const char *status,
		       const char *why, int64_t at, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE alerts SET hook=?2, hook_error=?3, "
			      "hook_at=?4 WHERE id=?1",
			      "itti", id, status, why, at);
}

eg_err
eg_ledger_sla_arrivals(eg_ledger *l, const char *partner, const char *st01,
		       const char *glob, int64_t from, int64_t until,
		       int64_t *n, eg_error *e)
{
	return eg_ledger_int(
	    l, n, 0, e,
	    "SELECT count(*) FROM files f WHERE f.partner=?1 AND "
	    "f.source NOT IN ('sent','outbound') AND "
	    "f.state<>'duplicate' AND "
	    "f.received_at>=?2 AND f.received_at<?3 AND "
	    "(?5 IS NULL OR f.name GLOB ?5) AND (?4 IS NULL OR ?4='' OR "
	    "EXISTS (SELECT 1 FROM transactions t WHERE t.file_id=f.id AND "
	    "t.st01=?4))",
	    "tiitt", partner, from, until, st01, glob);
}

eg_err
eg_ledger_sla_rate(eg_ledger *l, const char *partner, int64_t from,
		   int64_t until, int64_t *files, int64_t *rejected,
		   eg_error *e)
{
	eg_err rc;

	rc = eg_ledger_int(l, files, 0, e,
			   "SELECT count(*) FROM files WHERE partner=?1 AND "
			   "source NOT IN ('sent','outbound') AND "
			   "received_at>=?2 AND "
			   "received_at<?3",
			   "tii", partner, from, until);
	if (!rc)
		rc = eg_ledger_int(l, rejected, 0, e,
				   "SELECT count(*) FROM files WHERE "
				   "partner=?1 AND source NOT IN "
				   "('sent','outbound') AND "
				   "received_at>=?2 AND received_at<?3 AND "
				   "(state IN ('rejected','partial') OR "
				   "EXISTS (SELECT 1 FROM file_events v WHERE "
				   "v.file_id=files.id AND v.state IN "
				   "('rejected','partial')))",
				   "tii", partner, from, until);
	return rc;
}

static eg_err
sent_rows(eg_ledger *l, eg_stmt *q, eg_ledger_sent_fn fn, void *ud,
	  eg_error *e)
{
	int r;

	while ((r = eg_ledger_step(l, q, e)) == 1) {
		eg_ledger_sent_doc d;

		d.file_id = eg_col_text(q, 0);
		d.control = eg_col_text(q, 1);
		d.key = eg_col_text(q, 2);
		d.sent_at = eg_col_int(q, 3);
		d.answered_at = opt_int(q, 4);
		if (fn(ud, &d))
			break;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

/* A business key "name=value" compared by its value. */
#define KEYVAL(c) "substr(" c ", instr(" c ", '=') + 1)"

eg_err
eg_ledger_sla_answers(eg_ledger *l, const char *partner, const char *st01,
		      const char *answer_st01, int64_t since,
		      eg_ledger_sent_fn fn, void *ud, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;

	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT f.id, t.st02, coalesce(" KEYVAL("t.business_key") ",''), "
	    "f.received_at, (SELECT min(af.received_at) FROM files af JOIN "
	    "transactions ax ON ax.file_id=af.id WHERE af.partner=f.partner "
	    "AND af.source NOT IN ('sent','outbound') AND "
	    "af.state<>'duplicate' AND "
	    "ax.st01=?3 AND af.received_at>=f.received_at AND "
	    "(coalesce(t.business_key,'')='' OR " KEYVAL("ax.business_key")
	    "=" KEYVAL("t.business_key") " OR EXISTS (SELECT 1 FROM "
	    "business_keys k WHERE k.txn_id=ax.id AND k.name || '=' || "
	    "k.value=t.business_key))) FROM files f JOIN transactions "
	    "t ON t.file_id=f.id WHERE f.partner=?1 AND f.source IN "
	    "('sent','outbound') AND "
	    "t.status='sent' AND t.st01=?2 AND f.received_at>=?4 ORDER BY "
	    "f.received_at, t.id",
	    "ttti", partner, st01, answer_st01, since);
	return rc ? rc : sent_rows(l, q, fn, ud, e);
}

eg_err
eg_ledger_sla_acks(eg_ledger *l, const char *partner, const char *ack_type,
		   int64_t since, eg_ledger_sent_fn fn, void *ud, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;

	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT f.id, i.isa13, '', f.received_at, (SELECT min(a.at) FROM "
	    "acks_in a WHERE a.sent_file=f.id AND a.ack_type=?2) FROM files f "
	    "JOIN interchanges i ON i.file_id=f.id WHERE f.partner=?1 AND "
	    "f.source IN ('sent','outbound') AND i.status='sent' AND "
	    "f.received_at>=?3 ORDER "
	    "BY f.received_at, i.id",
	    "tti", partner, ack_type, since);
	return rc ? rc : sent_rows(l, q, fn, ud, e);
}

eg_err
eg_ledger_sla_first_run(eg_ledger *l, const char *partner, int64_t *at,
			eg_error *e)
{
	return eg_ledger_int(l, at, 0, e,
			     "SELECT coalesce(min(started),0) FROM runs WHERE "
			     "partner=?1",
			     "t", partner);
}
