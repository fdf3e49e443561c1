/*
 * ledger.h - the spool ledger: one SQLite database, spool/ledger.db.
 *
 * WAL mode, synchronous=FULL: a commit is on disk when it returns (run
 * bookkeeping of a run that did nothing is the one exception:
 * ledger_pipeline.h).  The
 * schema is versioned (PRAGMA user_version) and migrated forward by the
 * program on open; a database newer than the program is refused.  It
 * holds what came in (files and their state history, interchanges,
 * groups, transaction sets, findings, business keys with the first file
 * that carried each), what went out (outputs, acknowledgements, control
 * number sequences), the runs, and an append-only audit log (triggers
 * refuse UPDATE and DELETE on it).  docs/ledger.md describes every table.
 *
 * File states: received -> (unpacked | processed) -> accepted | partial |
 * rejected | duplicate, then released / discarded / reprocessed by
 * support staff.  "processed" means every output is staged and the
 * decision committed; publishing it is idempotent, so a crash between the
 * two is finished by the next run.
 *
 * Statements are bound with a small type string: 't' text (NULL allowed),
 * 'i' int64, 'b' blob + size_t length.  Errors carry SQLite's message.
 */
#ifndef EDIGATE_LEDGER_H
#define EDIGATE_LEDGER_H

#include <stdint.h>
#include <time.h>

#include "edigate/err.h"
#include "edigate/rules.h"

typedef struct eg_ledger eg_ledger;
typedef struct sqlite3_stmt eg_stmt;

/* The schema version of a new ledger (the migrations in ledger.c). */
#define EG_LEDGER_SCHEMA 8

/* Open (create, migrate) spool_dir/ledger.db. */
eg_err eg_ledger_open(eg_ledger **out, const char *spool_dir,
		      eg_error *e) EG_MUST_USE;
/*
 * How a command opens the ledger: CREATE (the spool and the ledger are
 * made when missing: `run` only), EXISTING (read-write, migrated; a
 * missing ledger is EG_ENOTFOUND and nothing is created), READONLY (for
 * status, files, show, quarantine list/show: nothing is ever written,
 * works on a read-only spool; an older ledger is upgraded in place where
 * the spool can be written, else refused with a message).
 */
enum { EG_LEDGER_CREATE, EG_LEDGER_EXISTING, EG_LEDGER_READONLY };
eg_err eg_ledger_open_mode(eg_ledger **out, const char *spool_dir, int mode,
			   eg_error *e) EG_MUST_USE;
void eg_ledger_close(eg_ledger *l);
/* 1 when spool_dir/ledger.db is no longer the file l opened (moved
 * away, replaced by `run --new-ledger`): a process that keeps the
 * ledger open between runs (serve) opens it again. */
int eg_ledger_replaced(const eg_ledger *l);
const char *eg_ledger_path(const eg_ledger *l);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; savepoints nest inside. */
eg_err eg_ledger_begin(eg_ledger *l, eg_error *e) EG_MUST_USE;
eg_err eg_ledger_commit(eg_ledger *l, eg_error *e) EG_MUST_USE;
void eg_ledger_rollback(eg_ledger *l);
int eg_ledger_in_tx(const eg_ledger *l);
eg_err eg_ledger_savepoint(eg_ledger *l, const char *name,
			   eg_error *e) EG_MUST_USE;
eg_err eg_ledger_release(eg_ledger *l, const char *name,
			 eg_error *e) EG_MUST_USE;
eg_err eg_ledger_rollback_to(eg_ledger *l, const char *name,
			     eg_error *e) EG_MUST_USE;

/* Run one statement with bound values (types as above). */
eg_err eg_ledger_exec(eg_ledger *l, eg_error *e, const char *sql,
		      const char *types, ...) EG_MUST_USE;
/* Prepare and bind a query; step it with eg_ledger_step. */
eg_err eg_ledger_query(eg_ledger *l, eg_stmt **out, eg_error *e,
		       const char *sql, const char *types, ...) EG_MUST_USE;
/* 1: a row, 0: done, -1: error (in e). */
int eg_ledger_step(eg_ledger *l, eg_stmt *st, eg_error *e);
void eg_ledger_done(eg_stmt *st);
/* Column accessors ("" for NULL text). */
const char *eg_col_text(eg_stmt *st, int i);
int64_t eg_col_int(eg_stmt *st, int i);
int eg_col_null(eg_stmt *st, int i);
/* A single integer (first column of the first row), dflt when no row. */
eg_err eg_ledger_int(eg_ledger *l, int64_t *out, int64_t dflt, eg_error *e,
		     const char *sql, const char *types, ...) EG_MUST_USE;
int64_t eg_ledger_last_rowid(eg_ledger *l);
/* Rows inserted, updated or deleted through this connection since it
 * opened (a run that changed nothing but its own row did no work). */
int64_t eg_ledger_changes(eg_ledger *l);

/*
 * The next outbound control number of a sequence ("isa" shares its
 * numbers with GS06) for a partner: 1..999999999, wrapping past the
 * largest.  Inside the caller's transaction, so a number is consumed
 * only when what used it is committed.
 */
eg_err eg_ledger_next_control(eg_ledger *l, const char *partner,
			      const char *kind, uint64_t *out,
			      eg_error *e) EG_MUST_USE;

/* A consistent copy of the whole ledger into a new file path (for `run
 * --dry-run`, which works on a copy and leaves the ledger as it is). */
eg_err eg_ledger_snapshot(eg_ledger *l, const char *path,
			  eg_error *e) EG_MUST_USE;

/* Append to the audit log. */
eg_err eg_ledger_audit(eg_ledger *l, const char *actor, const char *action,
		       const char *file_id, const char *reason,
		       const char *detail, eg_error *e) EG_MUST_USE;

/* The same at a given time (the caller's clock: EDIGATE_NOW in tests). */
eg_err eg_ledger_audit_at(eg_ledger *l, int64_t at, const char *actor,
			  const char *action, const char *file_id,
			  const char *reason, const char *detail,
			  eg_error *e) EG_MUST_USE;

/* Move a file to a new state and note it in its history. */
eg_err eg_ledger_set_state(eg_ledger *l, const char *file_id,
			   const char *state, const char *note,
			   eg_error *e) EG_MUST_USE;

/*
 * A clean-up (after-pickup action) the partner's server refused, for the
 * file picked up at partner's remote_path with that size and mtime while
 * its clean-up is pending: noted in the file's history; after that many
 * refusals (after > 0) the file is marked for attention, which
 * eg_ledger_cleanup_attention reports until its clean-up is done.
 * *count (may be NULL) = refusals so far (0 when no such file waits).
 * why is copied.  Its own transaction unless the caller has one.
 */
eg_err eg_ledger_cleanup_refused(eg_ledger *l, const char *partner,
				 const char *remote_path, uint64_t size,
				 int64_t mtime, time_t now, unsigned after,
				 const char *why, int64_t *count,
				 eg_error *e) EG_MUST_USE;
/* Files of partner whose clean-up needs attention: *n, with the newest
 * one's remote path and last refusal in name and why (truncated to their
 * capacities, "" when none). */
eg_err eg_ledger_cleanup_attention(eg_ledger *l, const char *partner,
				   int64_t *n, char *name, size_t ncap,
				   char *why, size_t wcap,
				   eg_error *e) EG_MUST_USE;

/* The ledger as a reference store for business rules (documents whose
 * keys were recorded: a 940 we sent, an 850 received). */
eg_refstore eg_ledger_refstore(eg_ledger *l);

#endif
