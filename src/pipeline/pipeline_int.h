/*
 * pipeline_int.h - what the pipeline's stage modules share (internal).
 *
 * One run of a partner, in data-flow order (docs/architecture.md):
 *
 *   run.c      eg_pipeline_run: start, finish what a crash left, serve
 *              the partner's server, end; crash points; notes
 *   pull.c     list the inbox, fetch into spool/in, record as received
 *   process.c  each received file, batch by batch, in one ledger
 *              transaction per batch (fctx.h: the per-file modules)
 *   publish.c  rename what a committed batch staged in spool/work
 *   push.c     deliver published acknowledgements to the outbox
 *   cleanup.c  the after-pickup action on the partner's server, and the
 *              sweep of spool files no ledger row needs
 *   sent.c     documents we sent (edigate sent)
 *   requeue.c  the support actions: reprocess, release, discard
 *
 * The ledger decides; the disk follows.  Every SQL statement is behind
 * the ledger API (include/edigate/ledger_pipeline.h), never here.
 */
#ifndef EDIGATE_PIPELINE_INT_H
#define EDIGATE_PIPELINE_INT_H

#include <stdint.h>

#include "edigate/ledger_pipeline.h"
#include "edigate/pipeline.h"
#include "edigate/record.h"
#include "edigate/transport.h"
#include "spoolfs.h"

struct eg_pipeline {
	eg_ledger *l;
	eg_pipeline_opts o;
	char crash_name[64];
	unsigned crash_n, crash_hits;
	unsigned crash_pause_ms; /* POINT~MS: pause there, not killed */
	eg_transport *t; /* the partner's, while it runs */
	const eg_pipeline_partner *pp;
	eg_pipeline_counts *c;
	uint64_t rng;    /* xorshift state for retry jitter */
	char problem[EG_ERRMSG_MAX]; /* the run's first failure */
	int64_t changes0; /* ledger rows changed when the run began */
	char day[9];     /* YYYYMMDD of o.now, for file ids */
	char month[8];   /* YYYY-MM, for the archive */
};

/* --- run.c: for every stage ----------------------------------------------- */

/* A test's crash point (--crash-at NAME[:N]): SIGKILL at its Nth pass.
 * tests/e2e/crash.sh names every one of them. */
void eg_pl_crash_point(eg_pipeline *pl, const char *name);
/* Wall-clock seconds (monotonic), to time a transfer. */
double eg_pl_mono(void);
/* A file went in or out in secs (the opts' transferred callback). */
void eg_pl_transferred(eg_pipeline *pl, const char *direction, double secs);
/* A line for the operator (the opts' note callback). */
void eg_pl_note(eg_pipeline *pl, const char *fmt, ...) EG_PRINTF(2, 3);
/* A file (or an ack) the environment did not let us finish: counted,
 * retried next run; the first reason is kept (eg_pipeline_problem). */
void eg_pl_count_failure(eg_pipeline *pl, const char *fmt, ...)
    EG_PRINTF(2, 3);
/* spool/rel into dst. */
eg_err eg_pl_spool_path(eg_pipeline *pl, char *dst, size_t cap,
			const char *rel, eg_error *e) EG_MUST_USE;
/* Make the directory that will hold rel (a spool-relative file path). */
eg_err eg_pl_parent_dir(eg_pipeline *pl, const char *rel, char *dir,
			size_t cap, eg_error *e) EG_MUST_USE;

/* Does this run deliver (acks pushed, records to out/, the partner's
 * server cleaned up)?  Not in shadow mode or a dry run (pipeline.h). */
int eg_pl_delivers(const eg_pipeline *pl);
/* Where delivered outputs go: "out", or "shadow" when not delivering. */
const char *eg_pl_out_root(const eg_pipeline *pl);

/* --- the stages, in data-flow order ------------------------------------- */

/* pull.c: fetch new files from the partner's transport (pl->t). */
eg_err eg_pl_pull(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* pull.c: insert a file row (state received, inside the caller's
 * transaction); id gets its id, made from the day and its row number. */
eg_err eg_pl_new_file(eg_pipeline *pl, const char *source, const char *remote,
		      const char *name, uint64_t size, int64_t mtime,
		      const char *sha, const char *parent, const char *origin,
		      const char *reprocess_of, const char *post, char id[32],
		      eg_error *e) EG_MUST_USE;
/* process.c: every received file of the partner, batch by batch; each
 * committed batch is published (publish.c). */
eg_err eg_pl_process_all(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* publish.c: every processed file of the partner (one commit). */
eg_err eg_pl_publish_all(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* push.c: acknowledgements published but not yet delivered. */
eg_err eg_pl_push_acks(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* outbound.c: the partner's outbound drop folder (<outbound drop=>):
 * every complete input sent, then moved to done/. */
eg_err eg_pl_send_drop(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* outbound.c: outbound documents published but not yet delivered
 * (*sent may be NULL). */
eg_err eg_pl_push_docs(eg_pipeline *pl, unsigned *sent,
		       eg_error *e) EG_MUST_USE;
/* outbound.c: check a document we wrote (src) with our own validator against
 * the shipped and the partner's guides: each error to say(ud, text),
 * *errors counts them; *unchecked when no guide applied (nothing to
 * send it on). */
eg_err eg_pl_out_validate(eg_pipeline *pl, const eg_pipeline_partner *pp,
			  struct eg_source *src,
			  void (*say)(void *ud, const char *msg), void *ud,
			  unsigned *errors, int *unchecked,
			  eg_error *e) EG_MUST_USE;
/* cleanup.c: the source clean-up of files whose outcome is committed. */
eg_err eg_pl_post_actions(eg_pipeline *pl, eg_error *e) EG_MUST_USE;
/* cleanup.c: remove spool files no ledger row needs any more. */
void eg_pl_sweep_orphans(eg_pipeline *pl);
/* records.c: a WarehouseOrder's lines, for the rules of later answers. */
eg_err eg_pl_keep_ref_lines(eg_ledger *l, int64_t txn_id, const char *set,
			    const eg_rnode *rec, eg_error *e) EG_MUST_USE;

/* --- for the support actions (requeue.c) --------------------------------- */

eg_ledger *eg_pl_ledger(eg_pipeline *pl);
const eg_pipeline_opts *eg_pl_opts(const eg_pipeline *pl);
/* The partner being served (NULL: none). */
void eg_pl_set_partner(eg_pipeline *pl, const eg_pipeline_partner *pp);
/* Record a file as received (inside the caller's transaction); its spool
 * copy is to be renamed to in/PARTNER/ID.  origin and reprocess_of name
 * its chain; id gets the new file id. */
eg_err eg_pl_insert_file(eg_pipeline *pl, const char *source,
			 const char *name, uint64_t size, const char *sha,
			 const char *origin, const char *reprocess_of,
			 char id[32], eg_error *e) EG_MUST_USE;

#endif
