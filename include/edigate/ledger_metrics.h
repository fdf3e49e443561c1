/*
 * ledger_metrics.h - read-only ledger figures for the metrics of
 * `edigate serve` (metrics.h, docs/operations.md).
 *
 * Each function reports rows through fn; text passed to fn is valid
 * only during the call.  The incremental ones read rows past a rowid
 * the caller keeps (*last is set to the highest rowid seen), so a long
 * running scheduler never rescans the whole ledger.
 */
#ifndef EDIGATE_LEDGER_METRICS_H
#define EDIGATE_LEDGER_METRICS_H

#include <stdint.h>

#include "edigate/err.h"
#include "edigate/ledger.h"

/* A row: the partner, up to three words (NULL when not used), a count
 * and a second figure (bytes, a time). */
typedef void (*eg_ledger_metrics_fn)(void *ud, const char *partner,
				     const char *a, const char *b,
				     const char *c, int64_t count,
				     int64_t value);

/* Transaction sets recorded after rowid `after`, by partner, set id
 * (a), direction (b: "in", or "out" for sets we sent) and outcome (c:
 * the set's status: accepted, change, ack-only, rejected, duplicate,
 * held, sent): count. */
eg_err eg_ledger_metrics_docs(eg_ledger *l, int64_t after, int64_t *last,
			      eg_ledger_metrics_fn fn, void *ud,
			      eg_error *e) EG_MUST_USE;
/* Files transferred after rowid `after` (not bundle members, not
 * reprocessed copies), by partner and direction (b): count and bytes
 * (value). */
eg_err eg_ledger_metrics_files(eg_ledger *l, int64_t after, int64_t *last,
			       eg_ledger_metrics_fn fn, void *ud,
			       eg_error *e) EG_MUST_USE;
/* Files in quarantine now (rejected or partial, not released or
 * discarded), by partner: count. */
eg_err eg_ledger_metrics_quarantine(eg_ledger *l, eg_ledger_metrics_fn fn,
				    void *ud, eg_error *e) EG_MUST_USE;
/* Each partner's last run that ended ok among the runs after rowid
 * `after` (0: all): value = its finish time (0: none ended ok); *last
 * (may be NULL) is set to the highest run id read.  Incremental: a run
 * still going when read would be missed, so read under the run lock. */
eg_err eg_ledger_metrics_last_ok(eg_ledger *l, int64_t after, int64_t *last,
				 eg_ledger_metrics_fn fn, void *ud,
				 eg_error *e) EG_MUST_USE;

/* Service-level alerts open now (raised, not cleared), by partner and
 * level (a: "warning" or "alert"): count. */
eg_err eg_ledger_metrics_alerts(eg_ledger *l, eg_ledger_metrics_fn fn,
				void *ud, eg_error *e) EG_MUST_USE;

/* The highest rowids of files and transaction sets now (the marks the
 * incremental queries start from). */
eg_err eg_ledger_metrics_marks(eg_ledger *l, int64_t *files, int64_t *docs,
			       eg_error *e) EG_MUST_USE;

#endif
