/*
 * ledger_query.h - the questions the support commands ask the ledger,
 * by name: `files` (search), `show` (one file's story), `status` (a
 * partner's day), `quarantine list/show/release/discard` and
 * `reprocess` (which file, whose, in what state).
 *
 * The commands hold no SQL: they call these functions and format what
 * comes back.  A second ledger backend (PostgreSQL) provides the same
 * functions with the same results; docs/ledger.md lists what a backend
 * must implement.  Implemented in src/spool/ledger_query.c (files,
 * show), ledger_query_status.c, ledger_query_quarantine.c (quarantine,
 * its work queue) and ledger_query_review.c (review).
 *
 * Rows are handed to a callback one at a time.  Strings in a row are
 * borrowed: valid during the call only, never NULL ("" where the ledger
 * has no value).  An integer the ledger does not have is EG_LEDGER_NONE.
 * A callback may ask the ledger other questions (it is called while the
 * query is open); a non-zero return stops the listing, which then
 * returns EG_OK: the caller keeps its own reason in ud.  Times are
 * seconds since the epoch, UTC.
 *
 * SQLite-specific bits the SQL could not avoid (a PostgreSQL backend
 * writes them its way): numbered parameters ?1..?9 reused in a statement
 * (PostgreSQL: $1..$9, with a cast where a parameter is only compared
 * with NULL); instr() for "contains" and "after the '='" (strpos); LIKE
 * for the sha256 prefix is case-insensitive in SQLite (ILIKE); the order
 * of rows inside each part of the related-files UNION ALL is the table's
 * insertion order, which SQLite gives for a scan without ORDER BY.
 */
#ifndef EDIGATE_LEDGER_QUERY_H
#define EDIGATE_LEDGER_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/ledger.h"

/* An integer column that is NULL in the ledger. */
#define EG_LEDGER_NONE INT64_MIN

/* --- files: search ------------------------------------------------------ */

/* What `edigate files` searches for; NULL / 0 leaves a criterion out. */
typedef struct eg_ledger_filter {
	const char *partner;
	const char *state;   /* one of eg_ledger_file_states() */
	const char *sha256;  /* content hash starts with (any case) */
	const char *name;    /* file name contains */
	const char *control; /* ISA13 or GS06 (as numbers: leading zeros do
			      * not count), or ST02 (as written) */
	const char *key;     /* a business key value of the file's sets */
	int64_t since;       /* received on or after (0: any) */
	int64_t until;       /* received before (0: any) */
	int64_t limit;       /* at most this many files (> 0) */
} eg_ledger_filter;

/* A file as `files` lists it. */
typedef struct eg_ledger_file_row {
	const char *id, *partner, *state, *name, *sha256, *summary;
	const char *duplicate_of, *reprocess_of;
	const char *bundle; /* the bundle it came in (parent) */
	int64_t received_at, size;
} eg_ledger_file_row;

typedef int (*eg_ledger_file_fn)(void *ud, const eg_ledger_file_row *r);

/* Files matching every criterion of f, newest first, through fn. */
eg_err eg_ledger_files_find(eg_ledger *l, const eg_ledger_filter *f,
			    eg_ledger_file_fn fn, void *ud,
			    eg_error *e) EG_MUST_USE;

/* --- show: one file's whole story -------------------------------------- */

typedef struct eg_ledger_file_detail {
	const char *id, *partner, *state, *name, *sha256;
	const char *source;      /* local sftp bundle reprocess fixed sent */
	const char *remote_path; /* where it was picked up */
	const char *summary, *duplicate_of, *reprocess_of, *bundle;
	const char *archive_path;
	const char *post_action; /* clean-up: none pending done */
	const char *resend_of;   /* the rejected file it corrects */
	int64_t size, received_at;
	int64_t finished_at;     /* EG_LEDGER_NONE while not finished */
} eg_ledger_file_detail;

typedef int (*eg_ledger_detail_fn)(void *ud, const eg_ledger_file_detail *d);

/* The file's row: fn is called once when the ledger has file_id, never
 * when it has not. */
eg_err eg_ledger_file_detail_get(eg_ledger *l, const char *file_id,
				 eg_ledger_detail_fn fn, void *ud,
				 eg_error *e) EG_MUST_USE;

/* Its state history, oldest first. */
typedef struct eg_ledger_event {
	int64_t at;
	const char *state, *note;
} eg_ledger_event;
typedef int (*eg_ledger_event_fn)(void *ud, const eg_ledger_event *ev);
eg_err eg_ledger_file_events(eg_ledger *l, const char *file_id,
			     eg_ledger_event_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/* Its interchanges, in file order. */
typedef struct eg_ledger_ichg {
	const char *isa13, *sender, *receiver, *status, *duplicate_of;
} eg_ledger_ichg;
typedef int (*eg_ledger_ichg_fn)(void *ud, const eg_ledger_ichg *i);
eg_err eg_ledger_file_interchanges(eg_ledger *l, const char *file_id,
				   eg_ledger_ichg_fn fn, void *ud,
				   eg_error *e) EG_MUST_USE;

/* Its transaction sets, in file order. */
typedef struct eg_ledger_txn {
	const char *isa13, *gs06, *st01, *st02, *status;
	const char *business_key; /* "name=value" */
	const char *duplicate_of;
	int64_t records;
} eg_ledger_txn;
typedef int (*eg_ledger_txn_fn)(void *ud, const eg_ledger_txn *t);
eg_err eg_ledger_file_transactions(eg_ledger *l, const char *file_id,
				   eg_ledger_txn_fn fn, void *ud,
				   eg_error *e) EG_MUST_USE;

/* Its findings, in the order they were kept. */
typedef struct eg_ledger_finding {
	const char *severity, *level, *rule, *code, *seg_id, *st02;
	const char *message, *segment_text;
	int64_t offset, segment, element; /* EG_LEDGER_NONE: not known */
} eg_ledger_finding;
typedef int (*eg_ledger_finding_fn)(void *ud, const eg_ledger_finding *f);
eg_err eg_ledger_file_findings(eg_ledger *l, const char *file_id,
			       eg_ledger_finding_fn fn, void *ud,
			       eg_error *e) EG_MUST_USE;

/* The files written for it. */
typedef struct eg_ledger_output {
	const char *kind;    /* records ack report quarantine archive */
	const char *path;    /* relative to the spool */
	const char *control; /* our ISA13, for an acknowledgement */
	const char *state;   /* staged published sent */
} eg_ledger_output;
typedef int (*eg_ledger_output_fn)(void *ud, const eg_ledger_output *o);
eg_err eg_ledger_file_outputs(eg_ledger *l, const char *file_id,
			      eg_ledger_output_fn fn, void *ud,
			      eg_error *e) EG_MUST_USE;

/* Files that point to it, or that it points to, by relation; in this
 * order of relations. */
typedef enum eg_ledger_relation {
	EG_REL_DUPLICATE = 1, /* a duplicate of this file */
	EG_REL_REPEATS,       /* has sets that repeat this file's (state "") */
	EG_REL_REPROCESS,     /* a reprocess of this file */
	EG_REL_ENTRY,         /* an entry of this bundle */
	EG_REL_RESEND,        /* a corrected resend of this file */
	EG_REL_CORRECTS       /* the rejected file this one corrects */
} eg_ledger_relation;
typedef struct eg_ledger_related {
	const char *file_id;
	eg_ledger_relation rel;
	const char *state;
} eg_ledger_related;
typedef int (*eg_ledger_related_fn)(void *ud, const eg_ledger_related *r);
eg_err eg_ledger_file_related(eg_ledger *l, const char *file_id,
			      eg_ledger_related_fn fn, void *ud,
			      eg_error *e) EG_MUST_USE;

/* The audit entries about it, oldest first. */
typedef struct eg_ledger_audit_row {
	int64_t at;
	const char *actor, *action, *reason, *detail;
} eg_ledger_audit_row;
typedef int (*eg_ledger_audit_fn)(void *ud, const eg_ledger_audit_row *a);
eg_err eg_ledger_file_audit(eg_ledger *l, const char *file_id,
			    eg_ledger_audit_fn fn, void *ud,
			    eg_error *e) EG_MUST_USE;

/* --- status: a partner's day ------------------------------------------- */

/* What `status` shows for a partner.  "Today" counts start at the
 * caller's day (seconds since the epoch); the others are now. */
typedef struct eg_ledger_partner_day {
	int64_t last_ok;      /* end of the last successful run, 0: never */
	int64_t files_in;     /* received today (not sent ones) */
	int64_t records_out;  /* record files published today */
	int64_t acks_sent;    /* acknowledgements delivered today */
	int64_t accepted;     /* today's files by state */
	int64_t rejected;     /* rejected or partial */
	int64_t duplicates;
	int64_t quarantine;   /* waiting in quarantine now */
	int64_t unfinished;   /* received or processed, not finished */
	int64_t acks_pending; /* acknowledgements not delivered yet */
	int64_t failed_runs;  /* runs since day that failed or left files */
	int64_t last_run;     /* start of the last run, 0: never */
	char last_status[16]; /* its status: running ok partly failed, "" */
	char last_msg[300];   /* why it failed (cut to fit), "" */
} eg_ledger_partner_day;

eg_err eg_ledger_partner_day_get(eg_ledger *l, const char *partner,
				 int64_t day, eg_ledger_partner_day *out,
				 eg_error *e) EG_MUST_USE;

/* --- status and report: one flow's health -------------------------------- */

/*
 * A flow is a partner's documents of one set in one direction ("in"
 * 945, "out" 940); set "" gathers the files whose sets are not known
 * (refused before a set was read).  Implemented in
 * ledger_query_health.c.
 */
typedef struct eg_ledger_flow {
	int64_t last_ok;      /* in: last file accepted or released with the
			       * set; out: last one sent; 0 never */
	int64_t quarantine;   /* waiting in quarantine now */
	int64_t window_files, window_rejected; /* received since `since`,
						* and of those quarantined */
	int64_t resolved;     /* quarantine items released, discarded or
			       * reprocessed since `since30` */
	int64_t resolve_secs; /* their mean time in quarantine, -1 none */
	int64_t ack_secs;     /* out: mean time to the partner's first
			       * acknowledgement since `since30`, -1 none */
	int64_t last_error_at; /* 0 none */
	char last_error[300]; /* its first error finding (cut to fit) */
} eg_ledger_flow;

eg_err eg_ledger_flow_get(eg_ledger *l, const char *partner,
			  const char *direction, const char *set,
			  int64_t since, int64_t since30, eg_ledger_flow *out,
			  eg_error *e) EG_MUST_USE;

/* The files waiting in quarantine for a flow (as above), each with its
 * root-cause category: the one support staff set (`quarantine
 * categorize`), else eg_quarantine_category of its error findings' rules
 * (as `quarantine list` shows it). */
typedef int (*eg_ledger_cause_fn)(void *ud, const char *category);
eg_err eg_ledger_flow_causes(eg_ledger *l, const char *partner,
			     const char *direction, const char *set,
			     eg_ledger_cause_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/* Files received (not sent) and quarantined per UTC day from day0 for
 * ndays days, of a flow (set NULL: every file of the partner). */
eg_err eg_ledger_flow_days(eg_ledger *l, const char *partner, const char *set,
			   int64_t day0, unsigned ndays, int64_t *files,
			   int64_t *rejected, eg_error *e) EG_MUST_USE;

/* --- quarantine, release, discard, reprocess --------------------------- */

/* A file waiting in quarantine (rejected or partial): a work item. */
typedef struct eg_ledger_quarantined {
	const char *id, *partner, *state, *name, *summary;
	const char *first_error; /* its first error finding's message */
	int64_t received_at;
	/* the work queue (schema 4) */
	const char *owner;    /* assigned (or carried from the file it was
			       * released from), "": the profile's default */
	const char *category; /* root cause: set by a person, else what its
			       * findings say (eg_quarantine_category) */
	int category_set;     /* 1: a person set it */
	const char *set;      /* its first transaction set's ST01, "" */
	int64_t notes;        /* notes written on it */
	const char *last_note;
} eg_ledger_quarantined;
typedef int (*eg_ledger_quarantined_fn)(void *ud,
					const eg_ledger_quarantined *q);

/* Files in quarantine of partner (NULL: all), oldest first. */
eg_err eg_ledger_quarantine_list(eg_ledger *l, const char *partner,
				 eg_ledger_quarantined_fn fn, void *ud,
				 eg_error *e) EG_MUST_USE;

/*
 * Root-cause categories of quarantined files, from the rules of their
 * error findings (the ledger's findings.rule): syntax, guide, mapping
 * gap, missing master data, quantity tolerance, duplicate, wrong
 * partner, other.  rules is a space-separated list; the category is the
 * first of this order that any rule belongs to: wrong partner,
 * duplicate, syntax, guide, mapping gap, missing master data, quantity
 * tolerance, other.  docs/operations.md lists which rule goes where.
 */
const char *eg_quarantine_category(const char *rules);
/* The categories in that order, NULL-terminated. */
const char *const *eg_quarantine_categories(void);
#define EG_QUARANTINE_NCATEGORIES 8
/* 1 when name is one of them. */
int eg_quarantine_category_ok(const char *name);

/* Work on a quarantined file, each audited (action assign, note,
 * categorize) with actor at time at, in one transaction: owner to (""
 * back to the profile's default); a note; a category (one of the
 * above, "" back to what the findings say).  EG_ENOTFOUND when the file
 * is not in quarantine. */
eg_err eg_ledger_quarantine_assign(eg_ledger *l, const char *file_id,
				   const char *owner, const char *actor,
				   int64_t at, eg_error *e) EG_MUST_USE;
eg_err eg_ledger_quarantine_note(eg_ledger *l, const char *file_id,
				 const char *text, const char *actor,
				 int64_t at, eg_error *e) EG_MUST_USE;
eg_err eg_ledger_quarantine_categorize(eg_ledger *l, const char *file_id,
				       const char *category, const char *actor,
				       int64_t at, eg_error *e) EG_MUST_USE;

/* The notes on a file, oldest first. */
typedef struct eg_ledger_qnote {
	int64_t at;
	const char *actor, *text;
} eg_ledger_qnote;
typedef int (*eg_ledger_qnote_fn)(void *ud, const eg_ledger_qnote *n);
eg_err eg_ledger_quarantine_notes(eg_ledger *l, const char *file_id,
				  eg_ledger_qnote_fn fn, void *ud,
				  eg_error *e) EG_MUST_USE;

/* --- review: the week of the quarantine -------------------------------- */

/* A file received since then that went to quarantine (whatever it is
 * now), for the themes: its partner, category, state now. */
typedef struct eg_ledger_qtheme {
	const char *id, *partner, *state, *category;
	int64_t received_at;
} eg_ledger_qtheme;
typedef int (*eg_ledger_qtheme_fn)(void *ud, const eg_ledger_qtheme *t);
eg_err eg_ledger_review_quarantined(eg_ledger *l, int64_t since,
				    eg_ledger_qtheme_fn fn, void *ud,
				    eg_error *e) EG_MUST_USE;

/* What people did since then (audit actions release, discard,
 * reprocess, assign, note, categorize), oldest first, with the file's
 * partner, when it was received, and whether it had been in quarantine
 * (for the time to resolve). */
typedef struct eg_ledger_review_action {
	int64_t at;
	const char *actor, *action, *file_id, *reason, *detail, *partner;
	int64_t received_at;
	int was_quarantined;
} eg_ledger_review_action;
typedef int (*eg_ledger_review_action_fn)(void *ud,
					  const eg_ledger_review_action *a);
eg_err eg_ledger_review_actions(eg_ledger *l, int64_t since,
				eg_ledger_review_action_fn fn, void *ud,
				eg_error *e) EG_MUST_USE;

/* Is a file in this state waiting in quarantine? */
int eg_ledger_state_in_quarantine(const char *state);

/* Whose a file is and its state, for the support actions. */
typedef struct eg_ledger_file_ref {
	char partner[64]; /* cut to fit */
	char state[32];
} eg_ledger_file_ref;

/* *found = 1 and out filled when the ledger has file_id; else 0 and out
 * empty. */
eg_err eg_ledger_file_ref_get(eg_ledger *l, const char *file_id,
			      eg_ledger_file_ref *out, int *found,
			      eg_error *e) EG_MUST_USE;

#endif
