/*
 * cleanup.c - stage 5: the after-pickup action on the partner's
 * server (delete, move, rename) for files whose outcome is committed, and
 * the sweep of spool files no ledger row needs any more.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/ledger_batch.h"
#include "pipeline_int.h"

/* Sync the transport, then record the batch's clean-ups (size
 * UINT64_MAX: failed) as done.  A failed sync records none: they are
 * redone next run. */
static eg_err
mark_cleaned(eg_pipeline *pl, const eg_tfile *v, size_t n, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	size_t i;
	eg_err rc;

	if ((rc = eg_transport_sync(pl->t, e))) {
		if (eg_err_severity(rc) == EG_SEV_ABORT)
			return rc;
		eg_pl_note(pl, "clean-up not durable (retried next run): %s",
			   e->msg);
		eg_error_clear(e);
		return EG_OK;
	}
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < n; i++)
		if (v[i].size != UINT64_MAX)
			rc = eg_ledger_pl_cleanup_done(
			    pl->l, p->id, v[i].path, v[i].size, v[i].mtime, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}

/* A clean-up the server refused (not a lost session): counted in the
 * ledger; from the profile's attention-after on, `status` shows it. */
static void
cleanup_refused(eg_pipeline *pl, const eg_tfile *f, const char *why)
{
	const eg_profile *p = pl->pp->profile;
	int64_t n = 0;
	eg_error le;

	eg_error_clear(&le);
	if (eg_ledger_cleanup_refused(pl->l, p->id, f->path, f->size, f->mtime,
				      pl->o.now, p->cleanup_attention, why, &n,
				      &le) != EG_OK)
		eg_pl_note(pl, "cannot note the refused clean-up: %s", le.msg);
	else if (p->cleanup_attention && n >= (int64_t)p->cleanup_attention)
		eg_pl_note(pl,
			   "clean-up of %s refused %lld times: needs attention "
			   "(see edigate status)",
			   f->path, (long long)n);
}

typedef struct pending {
	eg_tlist *tl;
	const char *done_suffix;
} pending;

/* A file whose clean-up waits, onto the list (with its done-name when
 * the profile renames instead of deleting). */
static eg_err
add_pending(void *ud, const char *name, const char *remote, uint64_t size,
	    int64_t mtime, eg_error *e)
{
	pending *pd = ud;
	char done[PATH_MAX] = "";

	(void)e;
	if (pd->done_suffix)
		snprintf(done, sizeof(done), "%s%s", remote, pd->done_suffix);
	return eg_tlist_add(pd->tl, name, remote, size, mtime,
			    done[0] ? done : NULL);
}

/* Source clean-up: only for files whose outcome is committed. */
eg_err
eg_pl_post_actions(eg_pipeline *pl, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	eg_err rc;
	eg_tlist tl;
	pending pd;
	size_t i;

	memset(&tl, 0, sizeof(tl));
	pd.tl = &tl;
	pd.done_suffix = p->done_suffix;
	rc = eg_ledger_pl_cleanups(pl->l, p->id, pl->t->ops->name, add_pending,
				   &pd, e);
	if (rc) {
		eg_tlist_free(&tl);
		return rc;
	}
	for (i = 0; !rc && i < tl.n; i++) {
		eg_pl_crash_point(pl, "before-cleanup");
		rc = pl->t->ops->post(pl->t, &tl.v[i], e);
		if (rc && eg_transport_transient(e)) {
			/* the session is gone: note what was done, then let
			 * serve_partner try a new session */
			eg_error fe = *e;
			size_t b = (i / pl->o.batch) * pl->o.batch;

			eg_pl_note(pl, "clean-up of %s failed: %s",
				   tl.v[i].path, e->msg);
			tl.v[i].size = UINT64_MAX;
			rc = mark_cleaned(pl, tl.v + b, i - b + 1, e);
			if (!rc) {
				*e = fe;
				rc = EG_EIO;
			}
			break;
		}
		if (rc) {
			/* retried next run; never a second ingest (the ledger
			 * knows path, size and mtime) */
			eg_pl_note(
			    pl, "clean-up of %s failed (retried next run): %s",
			    tl.v[i].path, e->msg);
			cleanup_refused(pl, &tl.v[i], e->msg);
			eg_error_clear(e);
			rc = EG_OK;
			tl.v[i].size = UINT64_MAX; /* not done: not recorded */
		}
		/* batched: synced, then recorded; a clean-up redone after a
		 * crash finds the file already gone (or moved), which is
		 * fine */
		if ((i + 1) % pl->o.batch == 0 || i + 1 == tl.n)
			rc = mark_cleaned(
			    pl, tl.v + (i / pl->o.batch) * pl->o.batch,
			    i % pl->o.batch + 1, e);
	}
	eg_tlist_free(&tl);
	return rc;
}

/* Is file id in one of the states (SQL list)?  Errors count as yes:
 * the sweep then keeps what it is not sure of. */
static int
in_state(eg_pipeline *pl, const char *id, int received_too)
{
	eg_error e;
	int yes = 1;

	eg_error_clear(&e);
	if (eg_ledger_pl_file_in_work(pl->l, id, received_too, &yes, &e))
		return 1;
	return yes;
}

/* Baselines of the partner's master-data documents that no batch names
 * any more (keep-baselines forgot them in a committed transaction):
 * spool/baseline/<partner>/<document>/<file-id>.rows.gz (.rows: plain,
 * as they were written before). */
static void
sweep_baselines(eg_pipeline *pl)
{
	char dir[PATH_MAX], sub[PATH_MAX + 300], p[PATH_MAX + 600],
	    rel[PATH_MAX];
	const char *partner = pl->pp->profile->id;
	DIR *d, *dd;
	struct dirent *de, *fe;
	eg_error e;

	if (eg_path(dir, sizeof(dir), &e, "%s/baseline/%s", pl->o.spool,
		    partner) ||
	    !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
				     de->d_name) >= sizeof(sub) ||
		    !(dd = opendir(sub)))
			continue;
		while ((fe = readdir(dd)) != NULL) {
			int yes = 1;
			size_t n = strlen(fe->d_name);

			if (fe->d_name[0] == '.' ||
			    !((n > 5 && !strcmp(fe->d_name + n - 5, ".rows")) ||
			      (n > 8 && !strcmp(fe->d_name + n - 8, ".rows.gz"))))
				continue;
			if (eg_path(rel, sizeof(rel), &e, "baseline/%s/%s/%s",
				    partner, de->d_name, fe->d_name) ||
			    eg_ledger_batch_names(pl->l, rel, &yes, &e) ||
			    yes)
				continue; /* named, or not sure: kept */
			if ((size_t)snprintf(p, sizeof(p), "%s/%s", sub,
					     fe->d_name) < sizeof(p))
				(void)unlink(p);
		}
		closedir(dd);
	}
	closedir(d);
}

/*
 * Remove what no ledger row needs any more: spool copies of files that
 * reached a final state, fetch temporaries of a crashed run, and staged
 * work files of files that are not waiting to be published (a crashed
 * attempt, or records taken back to nothing).  Run at the start of a
 * partner's run and at its end: deletions are kept out of the middle of
 * a run, where they would slow every create after them (ext4 skips
 * recently freed inodes).  Nothing here is needed for durability.
 */
void
eg_pl_sweep_orphans(eg_pipeline *pl)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], id[32];
	DIR *d;
	struct dirent *de;
	eg_error e;

	if (!eg_path(dir, sizeof(dir), &e, "%s/in/%s", pl->o.spool,
		     pl->pp->profile->id) &&
	    (d = opendir(dir))) {
		while ((de = readdir(d)) != NULL) {
			int fetch_tmp = !strncmp(de->d_name, ".fetch-", 7);

			if (de->d_name[0] == '.' && !fetch_tmp)
				continue;
			if (!fetch_tmp && in_state(pl, de->d_name, 1))
				continue;
			if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir,
					     de->d_name) < sizeof(p))
				(void)unlink(p);
		}
		closedir(d);
	}
	sweep_baselines(pl);
	/* work/ holds staged files of every partner: "<id>.<what>" */
	if (eg_path(dir, sizeof(dir), &e, "%s/work", pl->o.spool) ||
	    !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strchr(de->d_name, '.');
		size_t n = dot ? (size_t)(dot - de->d_name) : 0;

		if (n == 0 || n >= sizeof(id))
			continue;
		memcpy(id, de->d_name, n);
		id[n] = '\0';
		if (in_state(pl, id, 0))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    sizeof(p))
			continue;
		if (unlink(p) != 0 && errno == EISDIR)
			eg_remove_tree(p); /* a bundle's unpack folder */
	}
	closedir(d);
}
