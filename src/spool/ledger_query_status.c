/*
 * ledger_query_status.c - a partner's day, as `edigate status` shows it
 * (see ledger_query.h).
 *
 * Each figure is one count over the files, outputs or runs of the
 * partner; "today" starts at the caller's day, so that the command (and
 * its tests, with EDIGATE_NOW) decide what today is.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

/* The figures, one statement each: ?1 the partner, ?2 the day (those
 * that do not count "today" ignore it). */
static const struct {
	size_t off;
	const char *sql;
} figures[] = {
    {offsetof(eg_ledger_partner_day, last_ok),
     "SELECT max(finished) FROM runs WHERE partner=?1 AND status='ok' "
     "AND ?2>=0"},
    {offsetof(eg_ledger_partner_day, files_in),
     "SELECT count(*) FROM files WHERE partner=?1 AND received_at>=?2 "
     "AND source NOT IN ('sent','outbound')"},
    {offsetof(eg_ledger_partner_day, records_out),
     "SELECT count(*) FROM outputs o JOIN files f ON f.id=o.file_id "
     "WHERE f.partner=?1 AND o.at>=?2 AND o.kind='records' AND "
     "o.state<>'staged'"},
    {offsetof(eg_ledger_partner_day, acks_sent),
     "SELECT count(*) FROM outputs o JOIN files f ON f.id=o.file_id "
     "WHERE f.partner=?1 AND o.at>=?2 AND o.kind='ack' AND "
     "o.state='sent'"},
    {offsetof(eg_ledger_partner_day, accepted),
     "SELECT count(*) FROM files WHERE partner=?1 AND received_at>=?2 "
     "AND state='accepted'"},
    {offsetof(eg_ledger_partner_day, rejected),
     "SELECT count(*) FROM files WHERE partner=?1 AND received_at>=?2 "
     "AND state IN ('rejected','partial')"},
    {offsetof(eg_ledger_partner_day, duplicates),
     "SELECT count(*) FROM files WHERE partner=?1 AND received_at>=?2 "
     "AND state='duplicate'"},
    {offsetof(eg_ledger_partner_day, quarantine),
     "SELECT count(*) FROM files WHERE partner=?1 AND state IN "
     "('rejected','partial') AND ?2>=0"},
    {offsetof(eg_ledger_partner_day, unfinished),
     "SELECT count(*) FROM files WHERE partner=?1 AND state IN "
     "('received','processed') AND ?2>=0"},
    {offsetof(eg_ledger_partner_day, acks_pending),
     "SELECT count(*) FROM outputs o JOIN files f ON f.id=o.file_id "
     "WHERE f.partner=?1 AND o.kind='ack' AND o.state<>'sent' AND "
     "?2>=0"},
    {offsetof(eg_ledger_partner_day, failed_runs),
     "SELECT count(*) FROM runs WHERE partner=?1 AND started>=?2 AND "
     "status IN ('failed','partly')"},
};

eg_err
eg_ledger_partner_day_get(eg_ledger *l, const char *partner, int64_t day,
			  eg_ledger_partner_day *out, eg_error *e)
{
	eg_stmt *q;
	eg_err rc = EG_OK;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	for (i = 0; !rc && i < sizeof(figures) / sizeof(figures[0]); i++) {
		int64_t v = 0;

		rc = eg_ledger_int(l, &v, 0, e, figures[i].sql, "ti", partner,
				   day);
		memcpy((char *)out + figures[i].off, &v, sizeof(v));
	}
	if (rc)
		return rc;
	rc = eg_ledger_query(l, &q, e,
			     "SELECT started, status, message FROM runs WHERE "
			     "partner=?1 ORDER BY id DESC LIMIT 1",
			     "t", partner);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		out->last_run = eg_col_int(q, 0);
		snprintf(out->last_status, sizeof(out->last_status), "%s",
			 eg_col_text(q, 1));
		snprintf(out->last_msg, sizeof(out->last_msg), "%s",
			 eg_col_text(q, 2));
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
