/*
 * pull.c - stage 1: fetch new files into spool/in and record them.
 *
 * Each new remote file is fetched into a temporary file beside its spool
 * copy; a batch of them is made durable by one sync of the spool's file
 * system and recorded as received by one ledger commit (group commit).
 * A remote file taken before (path, size, mtime) is not taken again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "pipeline_int.h"

typedef struct fetch_sink {
	int fd;
	eg_sha256 *sha;
	uint64_t n;
	const char *path;
} fetch_sink;

static eg_err
sink_write(void *ud, const void *p, size_t n, eg_error *e)
{
	fetch_sink *s = ud;
	eg_err rc = eg_write_all(s->fd, p, n, s->path, e);

	if (!rc)
		rc = eg_sha256_update(s->sha, p, n, e);
	s->n += n;
	return rc;
}

/* Insert a file row; its id is made from the day and its row number. */
eg_err
eg_pl_new_file(eg_pipeline *pl, const char *source, const char *remote,
	       const char *name, uint64_t size, int64_t mtime, const char *sha,
	       const char *parent, const char *origin, const char *reprocess_of,
	       const char *post, char id[32], eg_error *e)
{
	eg_ledger_new_file f;

	memset(&f, 0, sizeof(f));
	f.partner = pl->pp->profile->id;
	f.source = source;
	f.remote_path = remote;
	f.name = name;
	f.size = size;
	f.mtime = mtime;
	f.sha256 = sha;
	f.parent = parent;
	f.origin = origin;
	f.reprocess_of = reprocess_of;
	f.post_action = post;
	f.now = pl->o.now;
	f.day = pl->day;
	return eg_ledger_pl_file_add(pl->l, &f, id, e);
}

typedef struct fetched {
	char tmp[PATH_MAX];
	char sha[EG_SHA256_HEX];
	size_t idx; /* in the listing */
} fetched;

/* Record a batch of fetched files as received, and name their copies. */
static eg_err
receive_batch(eg_pipeline *pl, const eg_tlist *tl, fetched *fv, size_t nf,
	      eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	/* shadow and dry runs leave the partner's server as it is */
	const char *post = p->after_action &&
				   strcmp(p->after_action, "leave") &&
				   eg_pl_delivers(pl)
			       ? "pending"
			       : "none";
	char id[32], dst[PATH_MAX], dir[PATH_MAX];
	size_t i;
	eg_err rc;

	if (nf == 0)
		return EG_OK;
	if ((rc = eg_path(dir, sizeof(dir), e, "%s/in/%s", pl->o.spool, p->id)))
		return rc;
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < nf; i++) {
		const eg_tfile *f = &tl->v[fv[i].idx];

		rc = eg_pl_new_file(pl, pl->t->ops->name, f->path, f->name,
				    f->size, f->mtime, fv[i].sha, NULL, NULL,
				    NULL, post, id, e);
		if (!rc)
			rc = eg_path(dst, sizeof(dst), e, "%s/%s", dir, id);
		if (!rc && rename(fv[i].tmp, dst) != 0)
			rc = eg_fail(e, EG_EIO, "rename %s: %s", fv[i].tmp,
				     strerror(errno));
		if (!rc)
			eg_pl_note(pl, "received %s as %s (%llu bytes)",
				   f->name, id, (unsigned long long)f->size);
	}
	/* the copies' bytes and names are durable before the commit */
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	if (rc) {
		eg_ledger_rollback(pl->l);
		return rc;
	}
	pl->c->files += nf;
	eg_pl_crash_point(pl, "after-receive");
	return EG_OK;
}

/* Has this remote file (path, size, mtime) been taken before?  Not when
 * the file we took there was deleted or moved away by our clean-up: a
 * file at that path now is a new one, even with the same size and mtime
 * second (a resend of the same bytes is then a duplicate by SHA-256).
 * sha gets the content hash of the latest such pickup, for `leave` mode,
 * where a rewrite may keep size and mtime (pull compares the bytes).
 * A local mtime in nanoseconds (> 1e14) also matches a pickup recorded
 * in seconds, before mtimes had nanoseconds. */
static eg_err
seen_before(eg_pipeline *pl, const eg_tfile *f, int *seen,
	    char sha[EG_SHA256_HEX], eg_error *e)
{
	return eg_ledger_pl_taken_before(pl->l, pl->pp->profile->id,
					 pl->t->ops->name, f->path, f->size,
					 f->mtime, seen, sha, e);
}

static eg_err
fetch_one(eg_pipeline *pl, const eg_tfile *f, fetched *out, eg_error *e)
{
	fetch_sink s;
	eg_err rc;
	char dir[PATH_MAX];

	if ((rc = eg_path(dir, sizeof(dir), e, "%s/in/%s", pl->o.spool,
			  pl->pp->profile->id)) ||
	    (rc = eg_mkdirs(dir, e)) ||
	    (rc = eg_path(out->tmp, sizeof(out->tmp), e, "%s/.fetch-XXXXXX",
			  dir)))
		return rc;
	memset(&s, 0, sizeof(s));
	s.fd = mkstemp(out->tmp);
	s.path = out->tmp;
	if (s.fd < 0)
		return eg_fail(e, EG_EIO, "%s: %s", out->tmp, strerror(errno));
	rc = eg_sha256_begin(&s.sha, e);
	if (!rc) {
		double t0 = eg_pl_mono();

		rc = pl->t->ops->fetch(pl->t, f, sink_write, &s, e);
		if (!rc)
			eg_pl_transferred(pl, "in", eg_pl_mono() - t0);
	}
	/* no fsync here: receive_batch syncs the spool's file system once
	 * for the whole batch before the commit that records it */
	if (close(s.fd) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "%s: %s", out->tmp, strerror(errno));
	if (!rc) {
		rc = eg_sha256_end(s.sha, out->sha, e);
		s.sha = NULL;
	}
	eg_sha256_free(s.sha);
	if (rc)
		(void)unlink(out->tmp);
	else
		eg_pl_crash_point(pl, "after-fetch");
	return rc;
}

eg_err
eg_pl_pull(eg_pipeline *pl, eg_error *e)
{
	const char *act = pl->pp->profile->after_action;
	int leave = !act || !strcmp(act, "leave");
	char taken[EG_SHA256_HEX];
	eg_tlist tl;
	fetched *fv;
	size_t i, nf = 0;
	eg_err rc;
	int seen;

	memset(&tl, 0, sizeof(tl));
	if ((rc = pl->t->ops->list(pl->t, &tl, e)))
		return rc;
	pl->c->waiting += tl.waiting;
	if (tl.waiting)
		eg_pl_note(pl, "%zu file(s) in the inbox are not complete yet",
			   tl.waiting);
	if (!tl.n) { /* an empty inbox: nothing to fetch */
		eg_tlist_free(&tl);
		return EG_OK;
	}
	/* a fetched entry holds paths: as many as one commit takes, no more
	 * than the inbox lists */
	fv = calloc(tl.n < pl->o.batch ? tl.n : pl->o.batch, sizeof(*fv));
	if (!fv) {
		eg_tlist_free(&tl);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	for (i = 0; !rc && i < tl.n; i++) {
		if ((rc = seen_before(pl, &tl.v[i], &seen, taken, e)))
			break;
		if (seen && !leave)
			continue;
		fv[nf].idx = i;
		rc = fetch_one(pl, &tl.v[i], &fv[nf], e);
		if (rc && eg_transport_transient(e)) {
			/* the session is gone: keep what was fetched, and let
			 * serve_partner try a new session */
			eg_error fe = *e;

			eg_pl_note(pl, "cannot fetch %s: %s", tl.v[i].name,
				   e->msg);
			rc = receive_batch(pl, &tl, fv, nf, e);
			nf = 0;
			if (!rc) {
				*e = fe;
				rc = EG_EIO;
			}
			break;
		}
		if (rc) {
			/* this file only: it stays in the inbox for later */
			eg_pl_note(pl, "cannot fetch %s: %s", tl.v[i].name,
				   e->msg);
			eg_pl_count_failure(pl, "cannot fetch %s: %s",
					    tl.v[i].name, e->msg);
			if (eg_err_severity(rc) != EG_SEV_ABORT) {
				eg_error_clear(e);
				rc = EG_OK;
			}
			continue;
		}
		if (seen && !strcmp(fv[nf].sha, taken)) {
			/* leave: the same bytes still there, taken before */
			(void)unlink(fv[nf].tmp);
			continue;
		}
		if (++nf == pl->o.batch) {
			rc = receive_batch(pl, &tl, fv, nf, e);
			nf = 0;
		}
	}
	if (!rc)
		rc = receive_batch(pl, &tl, fv, nf, e);
	else
		for (i = 0; i < nf; i++) /* a receive that failed */
			(void)unlink(fv[i].tmp);
	free(fv);
	eg_tlist_free(&tl);
	return rc;
}
