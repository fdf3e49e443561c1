/*
 * pipeline.h - the inbound pipeline: one batch cycle for one partner.
 *
 *   transport list -> fetch into spool/in (fsync) -> ledger: received
 *   -> unpack bundles -> check (envelope, guides) + map + rules
 *   -> dedupe (sha256, interchange, group, business keys)
 *   -> stage outputs in spool/work/<file-id>.<what> (fsync): records, acks,
 *      reject report, quarantine copy, compressed archive
 *   -> ledger: processed (one commit covers the decision, control
 *      numbers and keys) -> publish (renames; idempotent)
 *   -> ledger: final state -> push acks to the partner's outbox
 *   -> source post-action (delete / move / leave), last of all.
 *
 * The stages are modules of src/pipeline (docs/architecture.md).
 *
 * A crash at any point is finished by the next run: received files are
 * processed again from their spool copy (staged outputs are discarded
 * and nothing of them was published), processed files are published,
 * published acks are pushed, pending post-actions are done.  Nothing is
 * acknowledged, published or cleaned up before the commit that covers it.
 *
 * Spool layout (under the spool directory):
 *   ledger.db                      the ledger
 *   in/<partner>/<file-id>         received copies, until done
 *   work/<file-id>.<what>          staged outputs of one file
 *   out/<partner>/<file-id>.jsonl  canonical records (JSON Lines)
 *   out/<partner>/acks/<name>      acknowledgements we sent
 *   shadow/<partner>/<file-id>.jsonl  a shadow partner's records
 *   shadow/<partner>/acks/<name>   its acknowledgements, never sent
 *   dry-run/<stamp>/               a `run --dry-run`: a spool of its own
 *   quarantine/<partner>/<file-id>/  original, report.txt, report.json
 *   archive/<partner>/<YYYY-MM>/<file-id>.gz  every original, compressed
 *   baseline/<partner>/<document>/<file-id>.rows  a master-data batch's
 *                                  sorted rows (batch.c)
 *   run.lock                       held by the running `edigate run`
 */
#ifndef EDIGATE_PIPELINE_H
#define EDIGATE_PIPELINE_H

#include <stddef.h>
#include <time.h>

#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/guide.h"
#include "edigate/ledger.h"
#include "edigate/map.h"
#include "edigate/profile.h"

typedef struct eg_pipeline_counts {
	unsigned long files;      /* files fetched this run */
	unsigned long processed;  /* files decided this run */
	unsigned long accepted, partial, rejected, duplicates;
	unsigned long failed;     /* environment failures, retried later */
	unsigned long waiting;    /* not yet complete in the inbox */
	unsigned long records, acks;
	unsigned long retries;    /* sessions tried again after a fault */
} eg_pipeline_counts;

/* What the run tells its watcher (one line per event, no newline). */
typedef void (*eg_pipeline_note_fn)(void *ud, const char *partner,
				    const char *msg);

typedef struct eg_pipeline_opts {
	const char *home;      /* resolves the transport's folders */
	const char *spool;     /* the spool directory */
	eg_guides *guides;
	eg_maps *maps;
	time_t now;
	const char *actor;     /* who runs it (audit) */
	const char *datadir;   /* edi/ and schemas/ (outbound maps); NULL:
				* no outbound drop folder is read */
	/* Crash point for tests: "NAME" or "NAME:N" (the Nth time): the
	 * process kills itself there with SIGKILL.  NULL in production. */
	const char *crash_at;
	unsigned batch;        /* files per ledger commit; 0: 64 */
	/* Only finish and process what is in the spool (reprocess,
	 * release): no pull, no push, no clean-up -- the next run does. */
	int local_only;
	/* `run --dry-run`: deliver nothing, as a shadow partner (below);
	 * the caller gives a spool of its own holding a copy of the ledger,
	 * so nothing of the run is recorded in the real one. */
	int dry_run;
	eg_pipeline_note_fn note;
	void *note_ud;
	/* Each file transferred (fetched: direction "in"; put on the
	 * partner's server or outbox: "out") and its wall time, for the
	 * metrics' transfer-duration histograms; NULL: not told. */
	void (*transferred)(void *ud, const char *partner,
			    const char *direction, double secs);
	void *transferred_ud;
} eg_pipeline_opts;

/*
 * Shadow mode (profile mode="shadow") and dry runs deliver nothing: the
 * whole pipeline runs, but records are published to shadow/<partner>/
 * instead of out/ (outputs of kind shadow-records), acknowledgements
 * are kept in shadow/<partner>/acks/ (kind shadow-ack, never pushed, no
 * interchange noted as acknowledged), nothing is pushed to the outbox
 * and the partner's server is never cleaned up (files are recorded with
 * no after-pickup action, so the ledger knows them and does not take
 * them twice).  One decision, eg_pl_delivers (run.c).
 */

/* A partner as the pipeline needs it (built by the caller). */
/* What a run of a partner does (eg_pipeline_partner.directions; 0:
 * both): serve runs them apart when <outbound> has its own schedule. */
#define EG_PL_IN 1u  /* pull, process, acknowledgements, clean-up */
#define EG_PL_OUT 2u /* the outbound drop folder, undelivered documents */

typedef struct eg_pipeline_partner {
	const eg_profile *profile;
	const eg_envelope_expect *expect;
	const eg_guide *const *guides; /* partner guides */
	size_t nguides;
	unsigned directions; /* EG_PL_IN | EG_PL_OUT; 0: both */
} eg_pipeline_partner;

typedef struct eg_pipeline eg_pipeline;

eg_err eg_pipeline_new(eg_pipeline **out, eg_ledger *l,
		       const eg_pipeline_opts *o, eg_error *e) EG_MUST_USE;
void eg_pipeline_free(eg_pipeline *pl);

/*
 * One cycle for one partner: recover what a crashed run left, pull and
 * process new files, push acknowledgements, clean up the source.  A
 * partner's transport failing is an error for that partner only
 * (recorded in its run); counts are added to c.
 */
eg_err eg_pipeline_run(eg_pipeline *pl, const eg_pipeline_partner *pp,
		       eg_pipeline_counts *c, eg_error *e) EG_MUST_USE;
/*
 * Why the last eg_pipeline_run left something for the next run (a file
 * not fetched, processed or delivered: counts.failed): the first such
 * reason, "" when none.  Owned by pl, valid until the next run.
 */
const char *eg_pipeline_problem(const eg_pipeline *pl);

/*
 * Support staff: run an archived file again through today's profile and
 * guides as a new file (reprocess_of the old one), audited.  action is
 * "reprocess" or "release"; the new file id goes to new_id.  An accepted
 * (or partial) file is refused unless force: its sets went out already.
 * Sets already delivered by an earlier file of the chain are not
 * delivered again, unless force (then they go out as changes).  A
 * release, or a forced reprocess, goes past the control-number check (a
 * person decided it is new); an interchange an earlier file of the chain
 * acknowledged is not acknowledged again unless the profile says
 * reacknowledge-release="true".  The file is
 * then processed by the next eg_pipeline_run of its partner (the
 * commands call it at once).
 */
eg_err eg_pipeline_requeue(eg_pipeline *pl, const eg_pipeline_partner *pp,
			   const char *file_id, const char *action,
			   const char *reason, int force, char new_id[32],
			   eg_error *e) EG_MUST_USE;

/*
 * Support staff: release a quarantined (rejected or partial) file with
 * corrected bytes: the file at path fixed (copied into the spool, fsynced)
 * is processed in place of the original as a new file (source "fixed",
 * reprocessOf the old one, which becomes released), audited with its name
 * and SHA-256.  Like every release it goes past the control-number check.
 * EG_ENOTFOUND when fixed cannot be read.
 */
eg_err eg_pipeline_release_fixed(eg_pipeline *pl,
				 const eg_pipeline_partner *pp,
				 const char *file_id, const char *fixed,
				 const char *reason, char new_id[32],
				 eg_error *e) EG_MUST_USE;

/* Support staff: a quarantined file is given up (state discarded,
 * quarantine folder removed; the archive keeps the original). */
eg_err eg_pipeline_discard(eg_pipeline *pl, const char *file_id,
			   const char *reason, eg_error *e) EG_MUST_USE;

/*
 * Remember a document we sent the partner (a 940, an 850 copy): its
 * business keys and order lines go into the ledger so the partner's
 * answers (945, 856) can be checked against it by the profile's rules.
 * Until the outbound pipeline records what it sends itself.
 */
eg_err eg_pipeline_record_sent(eg_pipeline *pl, const eg_pipeline_partner *pp,
			       const char *path, char id[32],
			       unsigned long *records, eg_error *e) EG_MUST_USE;

/* Acquire spool/run.lock (the spool must exist); wait: 0 EG_ELIMIT at
 * once when another run holds it, > 0 try for that many seconds, < 0
 * block until free.  *fd to pass to eg_pipeline_unlock. */
eg_err eg_pipeline_lock(const char *spool, int wait, int *fd,
			eg_error *e) EG_MUST_USE;
void eg_pipeline_unlock(int fd);

#endif
