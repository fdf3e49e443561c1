/*
 * ledger_batch.h - nightly master-data batches in the ledger (schema v4).
 *
 * A batch is one file of a master-data document (profile <master-data>):
 * its counts against the baseline it was compared with, the verdict, and
 * the baseline it leaves (the sorted rows of the state after it, a spool
 * file).  The current baseline of a partner's document is one row,
 * moved by eg_ledger_batch_put inside the transaction that decides an
 * accepted batch, so a crash or a refused file leaves the last one.
 *
 * Every statement is here (docs/architecture.md: the ledger API).
 */
#ifndef EDIGATE_LEDGER_BATCH_H
#define EDIGATE_LEDGER_BATCH_H

#include <stdint.h>

#include "edigate/ledger.h"

typedef struct eg_ledger_batch {
	char file_id[32];
	char partner[64];
	char document[64];
	char base_id[32];   /* the batch compared with ("" for the first) */
	char verdict[16];   /* accept, hold, reject */
	char why[300];
	uint64_t rows;      /* rows of the file (bad ones included) */
	uint64_t rows_before; /* rows of the baseline */
	uint64_t added, changed, deleted, unchanged, rejected, duplicates;
	char baseline[256]; /* spool-relative sorted rows it leaves, or "" */
	int64_t at;
} eg_ledger_batch;

/*
 * Record a batch (inside the caller's transaction).  With move_current,
 * its baseline becomes the partner's document's current one.
 */
eg_err eg_ledger_batch_put(eg_ledger *l, const eg_ledger_batch *b,
			   int move_current, eg_error *e) EG_MUST_USE;

/* The batch of a file; *found 0 when the file is no batch. */
eg_err eg_ledger_batch_get(eg_ledger *l, const char *file_id,
			   eg_ledger_batch *out, int *found,
			   eg_error *e) EG_MUST_USE;

/* The current baseline's batch file id ("" when none yet). */
eg_err eg_ledger_batch_current(eg_ledger *l, const char *partner,
			       const char *document, char id[32],
			       eg_error *e) EG_MUST_USE;

/*
 * Baselines are kept per partner's document: the current one and the
 * newest keep in all (profile keep-baselines=).  Older batches forget
 * theirs (baseline NULL) inside the caller's transaction; the spool's
 * sweep removes the files no batch names after the commit
 * (eg_ledger_batch_names).  A reprocess of such a batch is refused by
 * name (pipeline/batch.c).
 */
eg_err eg_ledger_batch_prune(eg_ledger *l, const char *partner,
			     const char *document, unsigned keep,
			     eg_error *e) EG_MUST_USE;
/* Does a batch name this spool-relative baseline? */
eg_err eg_ledger_batch_names(eg_ledger *l, const char *baseline, int *yes,
			     eg_error *e) EG_MUST_USE;
/* The file a file reprocesses ("" when none). */
eg_err eg_ledger_batch_reprocess_of(eg_ledger *l, const char *file_id,
				    char id[32], eg_error *e) EG_MUST_USE;

#endif
