/*
 * ledger_alerts.h - service-level alerts in the ledger (table alerts,
 * schema 4) and the counts the service levels are judged on.
 *
 * An alert is keyed by (partner, rule, subject): rule names the promise
 * ("arrival:1", "answer:1", "ack:997", "quarantine-depth"), subject the
 * instance (a period "2026-12-08", a document we sent, "" for a state).
 * It is raised once as a warning or an alert, may become an alert
 * later, and is cleared once; what its hook answered is kept with it.
 * Times are seconds since the epoch (UTC).  Strings handed to callbacks
 * are borrowed for the call; "" where the ledger has none.
 */
#ifndef EDIGATE_LEDGER_ALERTS_H
#define EDIGATE_LEDGER_ALERTS_H

#include <stdint.h>

#include "edigate/ledger.h"

typedef struct eg_ledger_alert {
	int64_t id;
	const char *partner, *rule, *subject, *level, *message;
	int64_t raised_at;
	int64_t alert_at;   /* EG_LEDGER_NONE (ledger_query.h) when never */
	int64_t cleared_at; /* EG_LEDGER_NONE while open */
	const char *cleared_note;
	const char *hook;   /* none ok failed */
	const char *hook_error;
} eg_ledger_alert;

typedef int (*eg_ledger_alert_fn)(void *ud, const eg_ledger_alert *a);

/* The newest alert with this key (open_only: only an open one): fn
 * called once when there is one. */
eg_err eg_ledger_alert_find(eg_ledger *l, const char *partner,
			    const char *rule, const char *subject,
			    int open_only, eg_ledger_alert_fn fn, void *ud,
			    eg_error *e) EG_MUST_USE;

/* Alerts of partner (NULL: all), newest first: open ones only, or also
 * those cleared at or after since. */
eg_err eg_ledger_alerts_list(eg_ledger *l, const char *partner, int open_only,
			     int64_t since, eg_ledger_alert_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/* Raise a new one (level "warning" or "alert"); its id in *id. */
eg_err eg_ledger_alert_raise(eg_ledger *l, const char *partner,
			     const char *rule, const char *subject,
			     const char *level, const char *message,
			     int64_t at, int64_t *id, eg_error *e) EG_MUST_USE;
/* A warning becomes an alert. */
eg_err eg_ledger_alert_escalate(eg_ledger *l, int64_t id, const char *message,
				int64_t at, eg_error *e) EG_MUST_USE;
eg_err eg_ledger_alert_clear(eg_ledger *l, int64_t id, const char *note,
			     int64_t at, eg_error *e) EG_MUST_USE;
/* What the hook did: "ok" or "failed" with why. */
eg_err eg_ledger_alert_hooked(eg_ledger *l, int64_t id, const char *status,
			      const char *why, int64_t at,
			      eg_error *e) EG_MUST_USE;

/* --- what service levels are judged on ------------------------------- */

/* Files received from partner in [from, until) that count as arrivals
 * (not sent by us, not duplicates), carrying a set st01 (NULL/"": any)
 * and named like glob (NULL: any name). */
eg_err eg_ledger_sla_arrivals(eg_ledger *l, const char *partner,
			      const char *st01, const char *glob,
			      int64_t from, int64_t until, int64_t *n,
			      eg_error *e) EG_MUST_USE;

/* When the gateway first ran for partner (0: never): a daily period
 * that ended before is not judged. */
eg_err eg_ledger_sla_first_run(eg_ledger *l, const char *partner,
			       int64_t *at, eg_error *e) EG_MUST_USE;

/* Files received in [from, until) (not sent by us), and of those how
 * many went to quarantine (rejected or partial). */
eg_err eg_ledger_sla_rate(eg_ledger *l, const char *partner, int64_t from,
			  int64_t until, int64_t *files, int64_t *rejected,
			  eg_error *e) EG_MUST_USE;

/*
 * Documents we sent (recorded by `edigate sent`, and by the outbound
 * pipeline as it records what it sends: files with source 'sent') and
 * what answered them.  A sent document is one row: its file, ST02 (or
 * the interchange's ISA13 for acknowledgements), business key value,
 * when it was sent, and when its answer came (EG_LEDGER_NONE: none).
 */
typedef struct eg_ledger_sent_doc {
	const char *file_id, *control, *key;
	int64_t sent_at, answered_at;
} eg_ledger_sent_doc;
typedef int (*eg_ledger_sent_fn)(void *ud, const eg_ledger_sent_doc *d);

/* Sets st01 we sent partner since `since`, each with the first set
 * answer_st01 the partner sent after it carrying the same business key
 * value (any such set when ours has no key). */
eg_err eg_ledger_sla_answers(eg_ledger *l, const char *partner,
			     const char *st01, const char *answer_st01,
			     int64_t since, eg_ledger_sent_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;
/* Interchanges we sent partner since `since`, each with the first
 * acknowledgement of ack_type (TA1 997 999) that answered them. */
eg_err eg_ledger_sla_acks(eg_ledger *l, const char *partner,
			  const char *ack_type, int64_t since,
			  eg_ledger_sent_fn fn, void *ud,
			  eg_error *e) EG_MUST_USE;

#endif
