/*
 * run.c - one run of the inbound pipeline for a partner (pipeline.h).
 *
 * A run first finishes what a crashed run left (sweep, publish, process:
 * none of it needs the partner's server), then serves the partner --
 * pull, process, push, clean up -- within its session cap, trying a new
 * session after a transient fault, and records the run.  The pipeline
 * object, its notes, failure count and test crash points live here.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/ledger_nodes.h"
#include "edigate/spool_guard.h"
#include "pipeline_int.h"

/* --- crash points (tests) ------------------------------------------------ */

void
eg_pl_crash_point(eg_pipeline *pl, const char *name)
{
	if (!pl->crash_name[0] || strcmp(pl->crash_name, name) != 0)
		return;
	if (++pl->crash_hits < pl->crash_n)
		return;
	if (pl->crash_pause_ms) { /* a long piece of work, the Nth time */
		struct timespec ts;

		if (pl->crash_hits > pl->crash_n)
			return;
		ts.tv_sec = pl->crash_pause_ms / 1000;
		ts.tv_nsec = (long)(pl->crash_pause_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return;
	}
	/* as abrupt as a power cut: no atexit, no flush, no unwinding */
	kill(getpid(), SIGKILL);
}

/* A file (or an ack) the environment did not let us finish: counted,
 * retried next run; the first reason is kept for the run's record and
 * for the operator (eg_pipeline_problem). */
void
eg_pl_count_failure(eg_pipeline *pl, const char *fmt, ...)
{
	va_list ap;

	pl->c->failed++;
	if (pl->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(pl->problem, sizeof(pl->problem), fmt, ap);
	va_end(ap);
}

double
eg_pl_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
eg_pl_transferred(eg_pipeline *pl, const char *direction, double secs)
{
	if (pl->o.transferred && pl->pp)
		pl->o.transferred(pl->o.transferred_ud, pl->pp->profile->id,
				  direction, secs);
}

const char *
eg_pipeline_problem(const eg_pipeline *pl)
{
	return pl->problem;
}

void
eg_pl_note(eg_pipeline *pl, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!pl->o.note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pl->o.note(pl->o.note_ud, pl->pp ? pl->pp->profile->id : "-", msg);
}

eg_err
eg_pipeline_new(eg_pipeline **out, eg_ledger *l, const eg_pipeline_opts *o,
		eg_error *e)
{
	eg_pipeline *pl = calloc(1, sizeof(*pl));
	struct tm tm;

	*out = NULL;
	if (!pl)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	pl->l = l;
	pl->o = *o;
	if (!pl->o.batch)
		pl->o.batch = 64;
	{
		/* jitter only needs to differ between processes */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		pl->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			  ((uint64_t)getpid() << 40);
	}
	if (o->crash_at && o->crash_at[0]) {
		/* POINT[:N][~MS]: killed (or paused MS ms) the Nth time */
		size_t name_len = strcspn(o->crash_at, ":~");
		const char *colon = strchr(o->crash_at, ':');
		const char *tilde = strchr(o->crash_at, '~');

		snprintf(pl->crash_name, sizeof(pl->crash_name), "%.*s",
			 (int)name_len, o->crash_at);
		pl->crash_n =
		    colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 1;
		pl->crash_pause_ms =
		    tilde ? (unsigned)strtoul(tilde + 1, NULL, 10) : 0;
	}
	gmtime_r(&o->now, &tm);
	strftime(pl->day, sizeof(pl->day), "%Y%m%d", &tm);
	strftime(pl->month, sizeof(pl->month), "%Y-%m", &tm);
	*out = pl;
	return EG_OK;
}

void
eg_pipeline_free(eg_pipeline *pl)
{
	free(pl);
}

/* --- deliver or not: the one place that decides (pipeline.h) ---------- */

int
eg_pl_delivers(const eg_pipeline *pl)
{
	return !pl->o.dry_run && !(pl->pp && pl->pp->profile->shadow);
}

const char *
eg_pl_out_root(const eg_pipeline *pl)
{
	return eg_pl_delivers(pl) ? "out" : "shadow";
}

/* --- spool paths --------------------------------------------------------- */

eg_err
eg_pl_spool_path(eg_pipeline *pl, char *dst, size_t cap, const char *rel,
		 eg_error *e)
{
	return eg_path(dst, cap, e, "%s/%s", pl->o.spool, rel);
}

/* Make the directory that will hold rel (a spool-relative file path). */
eg_err
eg_pl_parent_dir(eg_pipeline *pl, const char *rel, char *dir, size_t cap,
		 eg_error *e)
{
	char *slash;
	eg_err rc = eg_pl_spool_path(pl, dir, cap, rel, e);

	if (rc)
		return rc;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return eg_mkdirs(dir, e);
}

static eg_err
run_start(eg_pipeline *pl, int64_t *run_id, eg_error *e)
{
	/* we hold the run lock: a run still "running" died mid-way */
	eg_err rc = eg_ledger_pl_run_start(pl->l, pl->pp->profile->id,
					   pl->o.now, run_id, e);

	pl->changes0 = eg_ledger_changes(pl->l);
	return rc;
}

static void
run_end(eg_pipeline *pl, int64_t run_id, const eg_pipeline_counts *c,
	const char *status, const char *msg)
{
	eg_ledger_run_counts rc;
	eg_error e;

	eg_error_clear(&e);
	rc.files = (int64_t)c->files;
	rc.accepted = (int64_t)c->accepted;
	rc.partial = (int64_t)c->partial;
	rc.rejected = (int64_t)c->rejected;
	rc.duplicates = (int64_t)c->duplicates;
	rc.failed = (int64_t)c->failed;
	rc.waiting = (int64_t)c->waiting;
	/* best effort: the run's outcome is also in its exit code */
	/* a run that wrote nothing but its own row did no work: its end
	 * need not wait for the disk (ledger_pipeline.h) */
	if (eg_ledger_pl_run_end(pl->l, run_id, status, &rc, msg,
				 eg_ledger_changes(pl->l) == pl->changes0,
				 &e) != EG_OK)
		eg_pl_note(pl, "cannot record the run: %s", e.msg);
}

/* One session with the partner's server: fetch, process, deliver,
 * clean up. */
static eg_err
serve_session(eg_pipeline *pl, eg_error *e)
{
	unsigned d = pl->pp->directions ? pl->pp->directions
					: EG_PL_IN | EG_PL_OUT;
	eg_err rc;

	rc = eg_transport_open(&pl->t, pl->pp->profile, pl->o.home, pl->o.now,
			       e);
	if (rc)
		return rc;
	pl->t->batched = 1; /* push_acks and post_actions sync */
	rc = d & EG_PL_IN ? eg_pl_pull(pl, e) : EG_OK;
	if (!rc && (d & EG_PL_IN))
		rc = eg_pl_process_all(pl, e);
	/* shadow and dry runs: nothing to the outbox, nothing done on the
	 * partner's server; on a shared ledger nothing either once another
	 * node has taken the partner over (each stage asks first) */
	if (!rc && eg_pl_delivers(pl))
		rc = eg_ledger_lease_check(pl->l, e);
	if (!rc && (d & EG_PL_IN) && eg_pl_delivers(pl))
		rc = eg_pl_push_acks(pl, e);
	if (!rc && eg_pl_delivers(pl))
		rc = eg_ledger_lease_check(pl->l, e);
	/* outbound: what our systems left in the drop folder, then every
	 * document not delivered yet (a crash or a failed delivery); not
	 * in a dry run or shadow mode, where nothing goes out */
	if (!rc && (d & EG_PL_OUT) && eg_pl_delivers(pl))
		rc = eg_pl_send_drop(pl, e);
	if (!rc && eg_pl_delivers(pl))
		rc = eg_ledger_lease_check(pl->l, e);
	if (!rc && (d & EG_PL_OUT) && eg_pl_delivers(pl))
		rc = eg_pl_push_docs(pl, NULL, e);
	if (!rc && eg_pl_delivers(pl))
		rc = eg_ledger_lease_check(pl->l, e);
	if (!rc && (d & EG_PL_IN) && eg_pl_delivers(pl))
		rc = eg_pl_post_actions(pl, e);
	pl->t->ops->close(pl->t);
	pl->t = NULL;
	return rc;
}

/*
 * Serve the partner, within its session cap, trying a new session after
 * a transient fault (connect, timeout, protocol) with capped exponential
 * backoff and jitter.  A retry redoes nothing that was done: fetched
 * files are in the ledger, delivered acks are noted, clean-ups are
 * idempotent.
 */
static eg_err
serve_partner(eg_pipeline *pl, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	char locks[PATH_MAX];
	unsigned attempt = 0;
	struct timespec ts;
	long long ms;
	eg_err rc;
	int slot;

	if ((rc = eg_path(locks, sizeof(locks), e, "%s/locks", pl->o.spool)))
		return rc;
	for (;;) {
		slot = -1;
		rc = p->sftp ? eg_session_take(locks, p->id, p->max_sessions,
					       p->timeout, &slot, e)
			     : EG_OK;
		if (!rc)
			rc = serve_session(pl, e);
		eg_session_release(slot);
		if (!rc || !eg_transport_transient(e) || attempt >= p->retries)
			return rc;
		attempt++;
		ms = eg_backoff_ms(attempt, p->retry_wait * 1000,
				   p->retry_max_wait * 1000, &pl->rng);
		eg_pl_note(pl, "%s; trying again in %.1f s (retry %u of %u)",
			   e->msg, (double)ms / 1000.0, attempt, p->retries);
		pl->c->retries++;
		eg_error_clear(e);
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

/*
 * On a shared ledger a partner's work is one node's at a time: its
 * lease, taken here and renewed by every commit under its fencing token
 * (ledger_nodes.h).  *got 0: another node holds it; nothing is done.
 */
static eg_err
lease_take(eg_pipeline *pl, const char *name, int64_t *token, int *got,
	   int say, eg_error *e)
{
	int64_t secs = pl->o.lease_secs ? pl->o.lease_secs : 60, until = 0;
	char holder[64];
	eg_err rc;

	*got = 1;
	*token = 0;
	if (!eg_ledger_shared(pl->l))
		return EG_OK;
	rc = eg_ledger_lease_take(pl->l, name, secs, got, token, holder,
				  &until, e);
	if (rc)
		return rc;
	/* a heartbeat at each partner, so a long run shows it lives */
	if (*got && (rc = eg_ledger_node_beat(pl->l, NULL, (int64_t)getpid(),
					      EG_VERSION, e)))
		return rc;
	if (*got)
		eg_ledger_lease_fence(pl->l, name, *token, secs);
	else if (say)
		eg_pl_note(pl, "node %s holds the lease %s (for %lld s more): "
			       "this node leaves the partner to it",
			   holder, name,
			   (long long)(until - (int64_t)time(NULL)));
	return EG_OK;
}

static void
lease_drop(eg_pipeline *pl, const char *name, int64_t token)
{
	eg_error e;

	if (!token)
		return;
	eg_ledger_lease_fence(pl->l, NULL, 0, 0);
	eg_error_clear(&e);
	/* best effort: unreleased, it expires */
	if (eg_ledger_lease_release(pl->l, name, token, &e) != EG_OK)
		eg_pl_note(pl, "cannot release the lease %s: %s", name, e.msg);
}

eg_err
eg_pl_lease_wait(eg_pipeline *pl, const char *partner, int64_t *token,
		 eg_error *e)
{
	int64_t secs = pl->o.lease_secs ? pl->o.lease_secs : 60;
	time_t until = time(NULL) + (time_t)secs + 5;
	char name[96];
	eg_err rc;
	int got = 0, said = 0;

	snprintf(name, sizeof(name), "partner:%s", partner);
	for (;;) {
		if ((rc = lease_take(pl, name, token, &got, !said++, e)) || got)
			return rc;
		if (time(NULL) >= until)
			return eg_fail(e, EG_EIO, "partner %s: another node "
				       "still holds its lease after %lld s: "
				       "nothing was delivered, try again",
				       partner, (long long)secs + 5);
		(void)nanosleep(&(struct timespec){0, 100000000L}, NULL);
	}
}

void
eg_pl_lease_end(eg_pipeline *pl, const char *partner, int64_t token)
{
	char name[96];

	snprintf(name, sizeof(name), "partner:%s", partner);
	lease_drop(pl, name, token);
}

eg_err
eg_pipeline_run(eg_pipeline *pl, const eg_pipeline_partner *pp,
		eg_pipeline_counts *total, eg_error *e)
{
	eg_pipeline_counts c;
	int64_t run_id = 0, token = 0;
	char work[PATH_MAX], lease[96];
	eg_err rc;
	int got;

	memset(&c, 0, sizeof(c));
	pl->pp = pp;
	pl->c = &c;
	pl->problem[0] = '\0';
	snprintf(lease, sizeof(lease), "partner:%s", pp->profile->id);
	if ((rc = lease_take(pl, lease, &token, &got, 1, e)) || !got) {
		pl->pp = NULL;
		pl->c = NULL;
		return rc;
	}
	if ((rc = run_start(pl, &run_id, e))) {
		lease_drop(pl, lease, token);
		return rc;
	}
	/* first finish what a crashed run left: none of it needs the
	 * partner's server */
	if ((rc = eg_path(work, sizeof(work), e, "%s/work", pl->o.spool)) ||
	    (rc = eg_mkdirs(work, e)))
		goto out;
	/* never a control number the partner already has (spool_guard.h) */
	if ((rc = eg_spool_check_controls(pl->l, pl->o.spool, pp->profile->id,
					  e)))
		goto out;
	eg_pl_sweep_orphans(pl);
	if (!eg_pl_delivers(pl))
		eg_pl_note(pl, "%s: nothing is delivered; records and "
			       "acknowledgements are kept in %s/shadow/%s",
			   pl->o.dry_run ? "dry run" : "shadow mode",
			   pl->o.spool, pp->profile->id);
	rc = eg_ledger_lease_check(pl->l, e);
	if (!rc)
		rc = eg_pl_publish_all(pl, e);
	if (!rc)
		rc = eg_pl_process_all(pl, e);
	if (!rc && !pl->o.local_only)
		rc = serve_partner(pl, e);
	eg_pl_sweep_orphans(pl);
out:
	run_end(pl, run_id, &c,
		rc	   ? "failed"
		: c.failed ? "partly"
			   : "ok",
		rc		 ? e->msg
		: pl->problem[0] ? pl->problem
				 : NULL);
	total->files += c.files;
	total->processed += c.processed;
	total->accepted += c.accepted;
	total->partial += c.partial;
	total->rejected += c.rejected;
	total->duplicates += c.duplicates;
	total->failed += c.failed;
	total->waiting += c.waiting;
	total->records += c.records;
	total->acks += c.acks;
	total->retries += c.retries;
	lease_drop(pl, lease, token);
	pl->pp = NULL;
	pl->c = NULL;
	return rc;
}

/* Support staff (reprocess, release, discard): requeue.c, through these. */

eg_ledger *
eg_pl_ledger(eg_pipeline *pl)
{
	return pl->l;
}

const eg_pipeline_opts *
eg_pl_opts(const eg_pipeline *pl)
{
	return &pl->o;
}

void
eg_pl_set_partner(eg_pipeline *pl, const eg_pipeline_partner *pp)
{
	pl->pp = pp;
}

eg_err
eg_pl_insert_file(eg_pipeline *pl, const char *source, const char *name,
		  uint64_t size, const char *sha, const char *origin,
		  const char *reprocess_of, char id[32], eg_error *e)
{
	return eg_pl_new_file(pl, source, NULL, name, size, 0, sha, NULL,
			      origin, reprocess_of, "none", id, e);
}
