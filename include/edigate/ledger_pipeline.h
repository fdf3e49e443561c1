/*
 * ledger_pipeline.h - what the pipeline asks and tells the ledger, by
 * name (ledger_pipeline.c: files, runs, outputs; ledger_units.c:
 * interchanges, groups, sets, business keys, findings).
 *
 * The pipeline's stages hold no SQL: every statement they run is one of
 * these functions, so the schema can change behind them and a second
 * backend (PostgreSQL) plugs in by providing the same functions
 * (docs/architecture.md).  Unless a function says otherwise it runs
 * inside the caller's transaction (eg_ledger_begin) or on its own.
 * Strings are copied by the ledger; out-buffers are filled truncated to
 * their sizes, "" when the ledger holds NULL.
 */
#ifndef EDIGATE_LEDGER_PIPELINE_H
#define EDIGATE_LEDGER_PIPELINE_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "edigate/envelope.h"
#include "edigate/ledger.h"
#include "edigate/rules.h"

/* --- files ------------------------------------------------------------- */

/* A file as it is received (a pickup, a bundle's entry, a requeue, a
 * document we sent).  NULL strings are stored as NULL. */
typedef struct eg_ledger_new_file {
	const char *partner, *source, *remote_path, *name, *sha256;
	uint64_t size;
	int64_t mtime;
	const char *parent;       /* the bundle it came in */
	const char *origin;       /* first file of its reprocess chain; NULL:
				   * itself */
	const char *reprocess_of;
	const char *post_action;  /* "pending" or "none" */
	time_t now;
	const char *day;          /* YYYYMMDD: the id is DAY-NNNNNN */
} eg_ledger_new_file;

/* Insert it (state received, its history noted, spool copy
 * in/PARTNER/ID); id gets its id. */
eg_err eg_ledger_pl_file_add(eg_ledger *l, const eg_ledger_new_file *f,
			     char id[32], eg_error *e) EG_MUST_USE;

/* A file's row, as the pipeline and the support actions read it. */
typedef struct eg_ledger_pl_file {
	char partner[64], name[256], sha256[65], origin[32], state[32];
	char final_state[32];
	char spool_path[PATH_MAX], archive_path[PATH_MAX];
	int forced; /* reprocess --force */
} eg_ledger_pl_file;

/* *found 0 (and out zeroed) when there is no file id. */
eg_err eg_ledger_pl_file_get(eg_ledger *l, const char *id,
			     eg_ledger_pl_file *out, int *found,
			     eg_error *e) EG_MUST_USE;

/* Its final state into fs ("" when none); *found 0: no such file. */
eg_err eg_ledger_pl_final_state(eg_ledger *l, const char *id, char fs[32],
				int *found, eg_error *e) EG_MUST_USE;

/* Has this remote file (path, size, mtime, from this transport) been
 * taken before, and its clean-up not done?  sha gets the content hash
 * of the latest such pickup ("" when none).  A local mtime in
 * nanoseconds (> 1e14) also matches a pickup recorded in seconds. */
eg_err eg_ledger_pl_taken_before(eg_ledger *l, const char *partner,
				 const char *source, const char *remote_path,
				 uint64_t size, int64_t mtime, int *seen,
				 char sha[65], eg_error *e) EG_MUST_USE;

/* An earlier file of partner (not of origin's reprocess chain, not
 * received, discarded, unpacked or a duplicate itself) with the same
 * bytes as file id: its id into dup_of ("" when none). */
eg_err eg_ledger_pl_same_bytes(eg_ledger *l, const char *partner,
			       const char *sha, const char *origin,
			       const char *id, char dup_of[32],
			       eg_error *e) EG_MUST_USE;

/* Up to max received files of partner after row number after, in
 * order: ids and row numbers into ids/ns, *n of them. */
eg_err eg_ledger_pl_received(eg_ledger *l, const char *partner,
			     int64_t after, size_t max, char (*ids)[32],
			     int64_t *ns, size_t *n, eg_error *e) EG_MUST_USE;

/* Every file of partner in state (in order): fn is called with each id
 * (valid during the call); an error from fn stops the walk. */
typedef eg_err (*eg_ledger_id_fn)(void *ud, const char *id, eg_error *e);
eg_err eg_ledger_pl_files_in(eg_ledger *l, const char *partner,
			     const char *state, eg_ledger_id_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/* Is file id processed (or received too)?  into *yes. */
eg_err eg_ledger_pl_file_in_work(eg_ledger *l, const char *id,
				 int received_too, int *yes,
				 eg_error *e) EG_MUST_USE;

/* The decision on a read file: final state, summary, the file it
 * duplicates (NULL), out of any run. */
eg_err eg_ledger_pl_file_decided(eg_ledger *l, const char *id,
				 const char *final_state, const char *summary,
				 const char *duplicate_of,
				 eg_error *e) EG_MUST_USE;
/* ... of a bundle (final state and summary only). */
eg_err eg_ledger_pl_file_final(eg_ledger *l, const char *id,
			       const char *final_state, const char *summary,
			       eg_error *e) EG_MUST_USE;
/* Where its archived original will be. */
eg_err eg_ledger_pl_file_archive(eg_ledger *l, const char *id,
				 const char *archive_path,
				 eg_error *e) EG_MUST_USE;
/* Published: finished at now. */
eg_err eg_ledger_pl_file_finished(eg_ledger *l, const char *id, time_t now,
				  eg_error *e) EG_MUST_USE;
/* A document we sent: no spool copy, this summary. */
eg_err eg_ledger_pl_file_sent(eg_ledger *l, const char *id,
			      const char *summary, eg_error *e) EG_MUST_USE;
/* reprocess --force: the new file supersedes what went out. */
eg_err eg_ledger_pl_file_forced(eg_ledger *l, const char *id,
				eg_error *e) EG_MUST_USE;
/* The whole file is rejected (reject-file policy): its records' keys and
 * order lines taken back, its good sets rejected. */
eg_err eg_ledger_pl_file_reject_all(eg_ledger *l, const char *id,
				    eg_error *e) EG_MUST_USE;

/* --- source clean-up ------------------------------------------------------ */

/* Files of partner picked up from source whose clean-up is pending and
 * whose outcome is committed, in order: fn gets each one's name, remote
 * path, size and mtime. */
typedef eg_err (*eg_ledger_cleanup_fn)(void *ud, const char *name,
				       const char *remote_path, uint64_t size,
				       int64_t mtime, eg_error *e);
eg_err eg_ledger_pl_cleanups(eg_ledger *l, const char *partner,
			     const char *source, eg_ledger_cleanup_fn fn,
			     void *ud, eg_error *e) EG_MUST_USE;
/* That file's clean-up is done. */
eg_err eg_ledger_pl_cleanup_done(eg_ledger *l, const char *partner,
				 const char *remote_path, uint64_t size,
				 int64_t mtime, eg_error *e) EG_MUST_USE;

/* --- outputs --------------------------------------------------------------- */

/* A staged output: where it is in work/ (staged) and where it goes
 * (path), its file name and control number (may be NULL). */
eg_err eg_ledger_pl_output_add(eg_ledger *l, const char *file_id,
			       const char *kind, const char *staged,
			       const char *path, const char *name,
			       const char *control, uint64_t size, time_t now,
			       eg_error *e) EG_MUST_USE;
/* File id's staged outputs, in order: fn(ud, staged, path). */
typedef eg_err (*eg_ledger_output_fn)(void *ud, const char *staged,
				      const char *path, eg_error *e);
eg_err eg_ledger_pl_staged(eg_ledger *l, const char *file_id,
			   eg_ledger_output_fn fn, void *ud,
			   eg_error *e) EG_MUST_USE;
/* File id's staged outputs are published. */
eg_err eg_ledger_pl_published(eg_ledger *l, const char *file_id,
			      eg_error *e) EG_MUST_USE;
/* Acknowledgements of partner published, not yet sent: fn(ud, id). */
typedef eg_err (*eg_ledger_row_fn)(void *ud, int64_t id, eg_error *e);
eg_err eg_ledger_pl_acks_unsent(eg_ledger *l, const char *partner,
				eg_ledger_row_fn fn, void *ud,
				eg_error *e) EG_MUST_USE;
/* Output id's path and name (*found 0: no such output). */
eg_err eg_ledger_pl_output_get(eg_ledger *l, int64_t id, char *path,
			       size_t pcap, char *name, size_t ncap,
			       int *found, eg_error *e) EG_MUST_USE;
/* Output id was delivered. */
eg_err eg_ledger_pl_output_sent(eg_ledger *l, int64_t id,
				eg_error *e) EG_MUST_USE;

/* --- runs ------------------------------------------------------------------ */

/*
 * A run of partner begins: a run of it still "running" died mid-way
 * (the caller holds the run lock).  run_id gets the new run's id.  One
 * transaction, committed without waiting for the disk
 * (synchronous=NORMAL in WAL mode): the WAL keeps commits in order, so
 * the run's first durable commit (any real work) makes this row durable
 * too, and a power cut before it loses only the row of a run that had
 * not done anything yet.
 */
eg_err eg_ledger_pl_run_start(eg_ledger *l, const char *partner, time_t now,
			      int64_t *run_id, eg_error *e) EG_MUST_USE;
typedef struct eg_ledger_run_counts {
	int64_t files, accepted, partial, rejected, duplicates, failed,
	    waiting;
} eg_ledger_run_counts;
/* ... and ends: its status, counts and message (may be NULL).  idle: the
 * run wrote nothing else to the ledger (eg_ledger_changes), so its end
 * is committed without waiting for the disk either; otherwise durably.
 * A scheduled check of an empty inbox thus costs no disk sync. */
eg_err eg_ledger_pl_run_end(eg_ledger *l, int64_t run_id, const char *status,
			    const eg_ledger_run_counts *c, const char *msg,
			    int idle, eg_error *e) EG_MUST_USE;

/* --- interchanges, groups, sets (ledger_units.c) -------------------------- */

/* A transaction set begins its decision (status pending): id gets its
 * row id. */
eg_err eg_ledger_pl_txn_add(eg_ledger *l, const char *file_id,
			    const eg_x12_ctl *ctl, int64_t *id,
			    eg_error *e) EG_MUST_USE;
/* ... and is decided.  key, duplicate_of and digest may be NULL. */
eg_err eg_ledger_pl_txn_decided(eg_ledger *l, int64_t id, const char *status,
				const char *key, const char *duplicate_of,
				int64_t records, const char *digest,
				int64_t ichg_seq, eg_error *e) EG_MUST_USE;
/* A set of a document we sent (st02 may be NULL): id gets its row id. */
eg_err eg_ledger_pl_txn_sent(eg_ledger *l, const char *file_id,
			     const char *st01, const char *st02, int64_t *id,
			     eg_error *e) EG_MUST_USE;
/* A group (gs06 given) or interchange (gs06 NULL) of file_id ended
 * rejected: its sets' records, keys and order lines are taken back.
 * undone gets how many of its sets had been accepted, records how many
 * records they had made. */
eg_err eg_ledger_pl_units_undo(eg_ledger *l, const char *file_id,
			       const char *isa13, const char *gs06,
			       int64_t *undone, int64_t *records,
			       eg_error *e) EG_MUST_USE;
/* A group ended, with its status (and the file it duplicates or is
 * held against, may be NULL). */
eg_err eg_ledger_pl_group_add(eg_ledger *l, const char *file_id,
			      const eg_x12_ctl *ctl, const char *status,
			      const char *duplicate_of,
			      eg_error *e) EG_MUST_USE;
/* An interchange ended (seq: its number in the file). */
eg_err eg_ledger_pl_interchange_add(eg_ledger *l, const char *file_id,
				    int64_t seq, const eg_x12_ctl *ctl,
				    time_t at, const char *status,
				    const char *duplicate_of,
				    eg_error *e) EG_MUST_USE;

/* --- business keys and order lines (ledger_units.c) ----------------------- */

/* Who delivered this key of partner's set first: *found, its file,
 * that file's origin and the set's row id. */
eg_err eg_ledger_pl_key_find(eg_ledger *l, const char *partner,
			     const char *set, const char *name,
			     const char *value, int *found, char file[32],
			     char origin[32], int64_t *txn_id,
			     eg_error *e) EG_MUST_USE;
/* Remember a delivered key (received). */
eg_err eg_ledger_pl_key_add(eg_ledger *l, const char *partner,
			    const char *set, const char *name,
			    const char *value, const char *file_id,
			    int64_t txn_id, time_t now,
			    eg_error *e) EG_MUST_USE;
/* ... of a document we sent (first seen wins: an existing one stays). */
eg_err eg_ledger_pl_key_sent(eg_ledger *l, const char *partner,
			     const char *set, const char *name,
			     const char *value, const char *file_id,
			     int64_t txn_id, time_t now,
			     eg_error *e) EG_MUST_USE;
/* An order line of set txn_id, for the rules of later answers. */
eg_err eg_ledger_pl_ref_line_add(eg_ledger *l, int64_t txn_id,
				 const eg_ref_line *ln,
				 eg_error *e) EG_MUST_USE;

/* --- findings (ledger_units.c) --------------------------------------------- */

/* Keep a finding of file_id: level and severity as words, the
 * segment's text (may be ""). */
eg_err eg_ledger_pl_finding_add(eg_ledger *l, const char *file_id,
				const eg_finding *f, const char *level,
				const char *severity, const char *seg_text,
				eg_error *e) EG_MUST_USE;

/* For the reject report: file_id's sets and its findings, in order.
 * Each row's strings are valid during the call; an error from fn stops
 * the walk. */
typedef struct eg_ledger_txn_row {
	const char *isa13, *gs06, *st01, *st02, *status, *key;
} eg_ledger_txn_row;
typedef eg_err (*eg_ledger_txn_fn)(void *ud, const eg_ledger_txn_row *r,
				   eg_error *e);
eg_err eg_ledger_pl_file_txns(eg_ledger *l, const char *file_id,
			      eg_ledger_txn_fn fn, void *ud,
			      eg_error *e) EG_MUST_USE;
typedef struct eg_ledger_finding_row {
	const char *level, *severity, *code, *rule, *message, *seg_id;
	const char *isa13, *gs06, *st02, *segment_text;
	int64_t offset, segment, element;
} eg_ledger_finding_row;
typedef eg_err (*eg_ledger_finding_fn)(void *ud,
				       const eg_ledger_finding_row *r,
				       eg_error *e);
eg_err eg_ledger_pl_file_findings(eg_ledger *l, const char *file_id,
				  eg_ledger_finding_fn fn, void *ud,
				  eg_error *e) EG_MUST_USE;

#endif
