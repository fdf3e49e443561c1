/*
 * transport_sftp.c - the SFTP transport, on libssh2 (libssh2 types stay
 * in the SFTP modules: sftp_conn.c connects and logs in, sftp_put.c
 * delivers, sftp_probe.c is `partner probe`; sftp_int.h joins them).
 * This file lists, fetches and cleans up, and wraps every operation.
 *
 * What must always hold:
 *   - no call blocks longer than the profile's timeout (sftp_conn.c);
 *   - the host key is always checked (sftp_conn.c);
 *   - list, fetch, post and put keep the promises of transport.h and of
 *     transport_local.c: dotfiles, temp and done-file names are never
 *     listed; fetch hands on exactly the listed bytes or fails, and a
 *     file gone since the listing fails alone (not a not-found of the
 *     profile's paths, which would stop the partner); post may be
 *     repeated (a file already gone was handled); put never leaves a
 *     partial file under the final name and replaces a different file
 *     only when the profile says so (sftp_put.c);
 *   - every error message starts with "sftp CLASS: " (see sftp.h), and a
 *     connection that timed out or broke is not used again;
 *   - a session left idle (edigate processing what it pulled) is checked
 *     before it is used again, and reopened when the server dropped it
 *     (client-alive checks), without a failure.
 *
 * Remote paths that are not absolute are the server's to resolve (from
 * the login directory).  Local files (key, known_hosts, secrets) that
 * are not absolute are relative to the home, as eg_profile_check takes
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sftp_int.h"
#include "transport_int.h"

/* ---- the transport -------------------------------------------------------- */

static void
sftp_close(eg_transport *tr)
{
	sftp *t = (sftp *)tr;

	if (!t)
		return;
	eg_sftp_conn_close(&t->c);
	free(t->inbox);
	free(t->buf);
	free(t);
}

static eg_err
sftp_open(eg_transport **out, const eg_profile *p, const char *home,
	  time_t now, eg_error *e)
{
	sftp *t;
	eg_err rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	t->base.ops = &eg_transport_sftp;
	t->now = now;
	t->c.sock = -1;
	t->buf = malloc(IOBUF);
	if (!t->buf) {
		free(t);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	rc = eg_sftp_conn_open(&t->c, p, home, 1, e);
	if (rc != EG_OK) {
		sftp_close(&t->base);
		return rc;
	}
	t->last_ms = eg_sftp_mono_ms();
	*out = &t->base;
	return EG_OK;
}

/* A broken connection fails every call the same way. */
static eg_err
usable(const sftp *t, eg_error *e)
{
	if (t->c.broken)
		return eg_sftp_fail(e, C_CONNECT, t->c.id,
			    "the connection to %s was lost earlier; open again",
			    t->c.hostlabel);
	return EG_OK;
}

/* Has the server closed its side (FIN or reset), whatever it sent
 * before that is still unread? */
static int
hung_up(int sock)
{
	struct pollfd pf;

	pf.fd = sock;
	pf.events = POLLIN | POLLRDHUP;
	pf.revents = 0;
	return poll(&pf, 1, 0) == 1 &&
	       (pf.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/*
 * Before a session idle for IDLE_CHECK_MS is used again: one round trip
 * (which also answers the server's keepalive requests); when the server
 * has dropped the session meanwhile, a new one, so the push that follows
 * long processing does not fail.  A new session that fails is the
 * error.
 */
static eg_err
revive(sftp *t, eg_error *e)
{
	const eg_profile *p = t->c.p;
	char buf[RPATH], *home;
	eg_err rc;

	if ((rc = usable(t, e)) != EG_OK ||
	    eg_sftp_mono_ms() - t->last_ms < IDLE_CHECK_MS)
		return rc;
	/* A server that has hung up is left alone: libssh2 1.10 leaks the
	 * SFTP session it reads a server's goodbye on.  One still there
	 * gets a round trip, which answers its keepalive requests. */
	if (!hung_up(t->c.sock) &&
	    libssh2_sftp_realpath(t->c.sftp, ".", buf, sizeof(buf) - 1) >= 0)
		return EG_OK;
	home = strdup(t->c.home);
	if (!home)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	eg_sftp_set_broken(&t->c); /* whatever it was: no goodbye on it */
	eg_sftp_conn_close(&t->c);
	rc = eg_sftp_conn_open(&t->c, p, home, 1, e);
	free(home);
	return rc;
}

/* stat path; *gone = 1 (and EG_OK) when it is not there. */
eg_err
eg_sftp_rstat(sftp *t, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a, int *gone,
      eg_error *e)
{
	*gone = 0;
	memset(a, 0, sizeof(*a));
	if (libssh2_sftp_stat_ex(t->c.sftp, path, (unsigned)strlen(path),
				 LIBSSH2_SFTP_LSTAT, a) == 0)
		return EG_OK;
	if (eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) == C_NOTFOUND && eg_sftp_fx_status(&t->c)) {
		*gone = 1;
		return EG_OK;
	}
	return eg_sftp_ssh_fail(&t->c, e, "cannot stat %s", path);
}

static int
have_facts(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return (a->flags & LIBSSH2_SFTP_ATTR_SIZE) &&
	       (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME);
}

int
eg_sftp_is_reg(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return !(a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ||
	       LIBSSH2_SFTP_S_ISREG(a->permissions);
}

/* The inbox as the server resolves it, once per connection. */
static eg_err
inbox_path(sftp *t, eg_error *e)
{
	const eg_profile *p = t->c.p;
	char buf[RPATH];
	int n;

	if (t->inbox)
		return EG_OK;
	if (!eg_tp_is_set(p->inbox))
		return eg_fail(e, EG_ECONFIG, "partner %s: no inbox folder",
			       t->c.id);
	n = libssh2_sftp_realpath(t->c.sftp, p->inbox, buf, sizeof(buf) - 1);
	if (n < 0)
		return eg_sftp_ssh_fail(&t->c, e, "inbox %s", p->inbox);
	buf[n] = '\0';
	t->inbox = strdup(buf);
	if (!t->inbox)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

void
eg_sftp_ents_free(ents *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
}

static int
ent_cmp(const void *a, const void *b)
{
	return strcmp(((const ent *)a)->name, ((const ent *)b)->name);
}

static const ent *
ents_find(const ents *d, const char *name)
{
	ent key;

	key.name = (char *)name;
	return d->n ? bsearch(&key, d->v, d->n, sizeof(ent), ent_cmp) : NULL;
}

/* Every entry of dir, sorted by name. */
eg_err
eg_sftp_read_dir(sftp *t, const char *dir, ents *d, eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;
	LIBSSH2_SFTP_ATTRIBUTES a;
	char name[1024];
	eg_err rc = EG_OK;
	int n;

	h = libssh2_sftp_opendir(t->c.sftp, dir);
	if (!h)
		return eg_sftp_ssh_fail(&t->c, e, "cannot list %s", dir);
	for (;;) {
		n = libssh2_sftp_readdir_ex(h, name, sizeof(name), NULL, 0, &a);
		if (n == 0)
			break;
		if (n == LIBSSH2_ERROR_BUFFER_TOO_SMALL)
			continue; /* a name longer than any we would take */
		if (n < 0) {
			rc = eg_sftp_ssh_fail(&t->c, e, "cannot list %s", dir);
			break;
		}
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 64;
			ent *v = realloc(d->v, cap * sizeof(*v));

			if (!v) {
				rc = eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			d->v = v;
			d->cap = cap;
		}
		d->v[d->n].name = strndup(name, (size_t)n);
		if (!d->v[d->n].name) {
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
			break;
		}
		d->v[d->n++].a = a;
	}
	if (rc == EG_OK && libssh2_sftp_closedir(h) != 0)
		rc = eg_sftp_ssh_fail(&t->c, e, "cannot list %s", dir);
	else if (rc != EG_OK)
		libssh2_sftp_closedir(h);
	if (rc == EG_OK && d->n > 1)
		qsort(d->v, d->n, sizeof(ent), ent_cmp);
	return rc;
}

/* Add x to l when it is a complete file of ours, count it waiting when
 * it is ours but not complete yet, pass over it otherwise. */
static eg_err
skip(eg_tlist *l, const char *name, eg_tskip_why why, eg_error *e)
{
	if (eg_tlist_skip(l, name, why) != EG_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

static eg_err
consider(sftp *t, const ents *d, const ent *x, eg_tlist *l, eg_error *e)
{
	const eg_profile *p = t->c.p;
	char path[RPATH], done[RPATH];
	const ent *de = NULL;
	eg_err rc;

	if (x->name[0] == '.' || eg_tp_ends_with(x->name, p->done_suffix) ||
	    !eg_sftp_is_reg(&x->a) || !have_facts(&x->a))
		return EG_OK;
	/* passed over, but counted and named (partner probe, test) */
	if (eg_tp_ends_with(x->name, p->temp_suffix))
		return skip(l, x->name, EG_TSKIP_WRITING, e);
	if (!eg_transport_name_ok(p, x->name))
		return skip(l, x->name, EG_TSKIP_IGNORED, e);
	rc = eg_sftp_rjoin(path, sizeof(path), &t->c, t->inbox, NULL, x->name, NULL, e);
	if (rc != EG_OK)
		return rc;
	if (eg_tp_is_set(p->done_suffix)) {
		rc = eg_sftp_rjoin(done, sizeof(done), &t->c, t->inbox, NULL, x->name,
			   p->done_suffix, e);
		if (rc != EG_OK)
			return rc;
		de = ents_find(d, eg_tp_base_name(done));
		if (!de || !eg_sftp_is_reg(&de->a))
			return skip(l, x->name, EG_TSKIP_WAITING, e);
	}
	if (p->stable_for > 0 &&
	    (long long)t->now - (long long)x->a.mtime < p->stable_for)
		return skip(l, x->name, EG_TSKIP_WAITING, e);
	if (eg_tlist_add(l, x->name, path, x->a.filesize, (int64_t)x->a.mtime,
			 de ? done : NULL) != EG_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

static eg_err
do_list(eg_transport *tr, eg_tlist *out, eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_tlist l = {0};
	ents d = {0};
	eg_err rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((rc = inbox_path(t, e)) != EG_OK)
		return rc;
	rc = eg_sftp_read_dir(t, t->inbox, &d, e);
	for (i = 0; rc == EG_OK && i < d.n; i++)
		rc = consider(t, &d, &d.v[i], &l, e);
	eg_sftp_ents_free(&d);
	if (rc != EG_OK) {
		eg_tlist_free(&l);
		return rc;
	}
	eg_tlist_sort(&l);
	*out = l;
	return EG_OK;
}

static eg_err
changed(const sftp *t, const eg_tfile *f, const char *when,
	const LIBSSH2_SFTP_ATTRIBUTES *a, eg_error *e)
{
	return eg_fail(e, EG_EIO,
		       "partner %s: %s changed %s (listed %llu bytes, mtime "
		       "%lld; now %llu bytes, mtime %lld)",
		       t->c.id, f->path, when, (unsigned long long)f->size,
		       (long long)f->mtime, (unsigned long long)a->filesize,
		       (long long)a->mtime);
}

static int
same_facts(const eg_tfile *f, const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return have_facts(a) && eg_sftp_is_reg(a) && a->filesize == f->size &&
	       (int64_t)a->mtime == f->mtime;
}

/* Close h after a failure: only libssh2_sftp_close_handle frees a
 * handle and the requests still in flight on it (on a broken
 * connection it fails at once, and frees). */
void
eg_sftp_close_handle(LIBSSH2_SFTP_HANDLE *h)
{
	if (h)
		libssh2_sftp_close_handle(h);
}

static eg_err
do_fetch(eg_transport *tr, const eg_tfile *f, eg_sink_fn sink, void *ud,
	   eg_error *e)
{
	sftp *t = (sftp *)tr;
	LIBSSH2_SFTP_HANDLE *h;
	LIBSSH2_SFTP_ATTRIBUTES a;
	uint64_t got = 0;
	size_t want;
	eg_err rc;
	ssize_t r;

	h = libssh2_sftp_open_ex(t->c.sftp, f->path, (unsigned)strlen(f->path),
				 LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
	/* Gone since the listing (the partner took it back, or another
	 * client fetched it): this file only, like one that changed; no
	 * "sftp not-found", which would stop the partner's whole run. */
	if (!h && !t->c.broken && eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) == C_NOTFOUND &&
	    eg_sftp_fx_status(&t->c))
		return eg_fail(e, EG_EIO,
			       "partner %s: %s is gone since it was listed; "
			       "skipped",
			       t->c.id, f->path);
	if (!h)
		return eg_sftp_ssh_fail(&t->c, e, "cannot open %s", f->path);
	if (libssh2_sftp_fstat(h, &a) != 0) {
		rc = eg_sftp_ssh_fail(&t->c, e, "cannot stat %s", f->path);
		goto out;
	}
	if (!same_facts(f, &a)) {
		rc = changed(t, f, "since it was listed", &a, e);
		goto out;
	}
	/* Ask for no more than the listed size: reading on to the end of
	 * file would cost a round trip per file, and the fstat below sees
	 * a file that grew as surely (its size is no longer the listed). */
	while (got < f->size) {
		want = f->size - got < RDBUF ? (size_t)(f->size - got) : RDBUF;
		r = libssh2_sftp_read(h, (char *)t->buf, want);
		if (r < 0) {
			rc = eg_sftp_ssh_fail(&t->c, e, "cannot read %s (after %llu of "
					       "%llu bytes)",
				      f->path, (unsigned long long)got,
				      (unsigned long long)f->size);
			goto out;
		}
		if (r == 0) /* shrank: the check below fails it */
			break;
		got += (uint64_t)r;
		rc = sink(ud, t->buf, (size_t)r, e);
		if (rc != EG_OK)
			goto out;
	}
	if (libssh2_sftp_fstat(h, &a) != 0) {
		rc = eg_sftp_ssh_fail(&t->c, e, "cannot stat %s", f->path);
		goto out;
	}
	/* the mtime catches a rewrite in place that kept the size */
	if (got != f->size || !same_facts(f, &a))
		rc = changed(t, f, "while fetched", &a, e);
out:
	eg_sftp_close_handle(h);
	return rc;
}

/* Is f still the file fetched?  *gone when it is not there at all. */
static eg_err
still_fetched(sftp *t, const eg_tfile *f, int *gone, eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	eg_err rc;

	rc = eg_sftp_rstat(t, f->path, &a, gone, e);
	if (rc != EG_OK || *gone)
		return rc;
	if (!same_facts(f, &a))
		return changed(t, f, "since it was fetched; left in place", &a,
			       e);
	return EG_OK;
}

eg_err
eg_sftp_unlink_gone_ok(sftp *t, const char *path, eg_error *e)
{
	if (libssh2_sftp_unlink_ex(t->c.sftp, path, (unsigned)strlen(path)) ==
		0 ||
	    eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) == C_NOTFOUND)
		return EG_OK;
	return eg_sftp_ssh_fail(&t->c, e, "cannot delete %s", path);
}

/* Create dir and its parents where missing. */
static eg_err
rmkdirs(sftp *t, const char *dir, eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	char part[RPATH];
	size_t n = strlen(dir), i;
	unsigned long st;
	eg_err rc;
	int gone;

	if (n >= sizeof(part))
		return eg_fail(e, EG_ELIMIT, "partner %s: path too long: %s",
			       t->c.id, dir);
	rc = eg_sftp_rstat(t, dir, &a, &gone, e);
	if (rc != EG_OK || !gone)
		return rc;
	for (i = 1; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		memcpy(part, dir, i);
		part[i] = '\0';
		rc = eg_sftp_rstat(t, part, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (!gone)
			continue;
		if (libssh2_sftp_mkdir_ex(t->c.sftp, part, (unsigned)i, 0755) ==
		    0)
			continue;
		if (t->c.broken || !(st = eg_sftp_fx_status(&t->c)))
			return eg_sftp_ssh_fail(&t->c, e, "cannot create %s", part);
		/* made by someone else meanwhile? */
		rc = eg_sftp_rstat(t, part, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (gone)
			return eg_sftp_fail(e, eg_sftp_fx_class(st), t->c.id,
				    "cannot create %s: %s", part, eg_sftp_fx_name(st));
	}
	return EG_OK;
}

/* Rename without replacing: ATOMIC|NATIVE and no OVERWRITE, which an
 * SFTP v5+ server honours and a v3 one (link+unlink) does anyway. */
int
eg_sftp_rename_new(sftp *t, const char *from, const char *to)
{
	return libssh2_sftp_rename_ex(t->c.sftp, from, (unsigned)strlen(from),
				      to, (unsigned)strlen(to),
				      LIBSSH2_SFTP_RENAME_ATOMIC |
					  LIBSSH2_SFTP_RENAME_NATIVE);
}

/* Move src into move_to as name, or name.1, name.2, ... when taken. */
static eg_err
move_one(sftp *t, const char *src, const char *name, const char *move_to,
	 eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	char dst[RPATH], num[24];
	unsigned i;
	eg_err rc;
	int gone;

	for (i = 0; i < MAX_SAME_NAME; i++) {
		num[0] = '\0';
		if (i > 0)
			snprintf(num, sizeof(num), ".%u", i);
		rc = eg_sftp_rjoin(dst, sizeof(dst), &t->c, move_to, NULL, name, num, e);
		if (rc != EG_OK)
			return rc;
		rc = eg_sftp_rstat(t, dst, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (!gone)
			continue;
		if (eg_sftp_rename_new(t, src, dst) == 0)
			return EG_OK;
		if (t->c.broken || !eg_sftp_fx_status(&t->c))
			return eg_sftp_ssh_fail(&t->c, e, "cannot move %s to %s", src,
					dst);
		/* gone: moved by an earlier try; dst taken: try the next */
		rc = eg_sftp_rstat(t, src, &a, &gone, e);
		if (rc != EG_OK || gone)
			return rc;
		rc = eg_sftp_rstat(t, dst, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (gone)
			return eg_sftp_fail(e, C_PROTO, t->c.id,
				    "cannot move %s to %s: the server refused",
				    src, dst);
	}
	return eg_fail(e, EG_ELIMIT, "partner %s: %s/%s: too many files of that name",
		       t->c.id, move_to, name);
}

static eg_err
do_post(eg_transport *tr, const eg_tfile *f, eg_error *e)
{
	sftp *t = (sftp *)tr;
	const eg_profile *p = t->c.p;
	const char *act = p->after_action;
	eg_err rc;
	int gone;

	if (!act || strcmp(act, "leave") == 0)
		return EG_OK;
	if (strcmp(act, "delete") != 0 && strcmp(act, "move") != 0)
		return eg_fail(e, EG_ECONFIG,
			       "partner %s: unknown after-pickup action '%s'",
			       t->c.id, act);
	if (strcmp(act, "move") == 0 && !eg_tp_is_set(p->move_to))
		return eg_fail(e, EG_ECONFIG,
			       "partner %s: after-pickup move has no move-to folder",
			       t->c.id);
	if ((rc = still_fetched(t, f, &gone, e)) != EG_OK)
		return rc;
	if (strcmp(act, "delete") == 0) {
		/* the file before its done-file: an orphan marker is
		 * harmless, an unmarked file would wait forever */
		if (!gone && (rc = eg_sftp_unlink_gone_ok(t, f->path, e)) != EG_OK)
			return rc;
		if (f->done_file)
			return eg_sftp_unlink_gone_ok(t, f->done_file, e);
		return EG_OK;
	}
	rc = rmkdirs(t, p->move_to, e);
	if (rc != EG_OK)
		return rc;
	if (!gone && (rc = move_one(t, f->path, f->name, p->move_to, e)) != EG_OK)
		return rc;
	if (f->done_file) {
		rc = eg_sftp_rstat(t, f->done_file, &(LIBSSH2_SFTP_ATTRIBUTES){0}, &gone,
			   e);
		if (rc != EG_OK || gone)
			return rc;
		return move_one(t, f->done_file, eg_tp_base_name(f->done_file),
				p->move_to, e);
	}
	return EG_OK;
}

/* Each operation: a session idle too long is checked (revive) first,
 * and the clock of its last use restarted after. */
static eg_err
sftp_list(eg_transport *tr, eg_tlist *out, eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_err rc;

	memset(out, 0, sizeof(*out));
	if ((rc = revive(t, e)) == EG_OK)
		rc = do_list(tr, out, e);
	t->last_ms = eg_sftp_mono_ms();
	return rc;
}

static eg_err
sftp_fetch(eg_transport *tr, const eg_tfile *f, eg_sink_fn sink, void *ud,
	   eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_err rc;

	if ((rc = revive(t, e)) == EG_OK)
		rc = do_fetch(tr, f, sink, ud, e);
	t->last_ms = eg_sftp_mono_ms();
	return rc;
}

static eg_err
sftp_post(eg_transport *tr, const eg_tfile *f, eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_err rc;

	if ((rc = revive(t, e)) == EG_OK)
		rc = do_post(tr, f, e);
	t->last_ms = eg_sftp_mono_ms();
	return rc;
}

static eg_err
sftp_put(eg_transport *tr, const char *local_path, const char *name,
	 eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_err rc;

	if ((rc = revive(t, e)) == EG_OK)
		rc = eg_sftp_do_put(tr, local_path, name, e);
	t->last_ms = eg_sftp_mono_ms();
	return rc;
}

const eg_transport_ops eg_transport_sftp = {
	.name = "sftp",
	.open = sftp_open,
	.list = sftp_list,
	.fetch = sftp_fetch,
	.post = sftp_post,
	.put = sftp_put,
	.close = sftp_close,
};

