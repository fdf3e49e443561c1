/*
 * transport.c - the transport registry and what every transport shares.
 *
 * Adding a transport is one line in the table below (and its file).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/sftp.h"
#include "edigate/transport.h"
#include "transport_int.h"

static const eg_transport_ops *const transports[] = {
	&eg_transport_local,
	&eg_transport_sftp,
};

const eg_transport_ops *
eg_transport_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(transports) / sizeof(transports[0]); i++)
		if (strcmp(transports[i]->name, name) == 0)
			return transports[i];
	return NULL;
}

eg_err
eg_transport_open(eg_transport **out, const eg_profile *p, const char *home,
		  time_t now, eg_error *e)
{
	const char *type = p->sftp ? "sftp" : "local";
	const eg_transport_ops *ops = eg_transport_find(type);

	*out = NULL;
	if (!ops)
		return eg_fail(e, EG_EUNSUPPORTED,
			       "partner %s: transport '%s' is not built in",
			       p->id, type);
	return ops->open(out, p, home, now, e);
}

void
eg_tlist_free(eg_tlist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].path);
		free(l->v[i].done_file);
	}
	free(l->v);
	for (i = 0; i < l->nskipped; i++)
		free(l->skipped[i].name);
	free(l->skipped);
	memset(l, 0, sizeof(*l));
}

eg_err
eg_tlist_skip(eg_tlist *l, const char *name, eg_tskip_why why)
{
	if (why == EG_TSKIP_WAITING)
		l->waiting++;
	else if (why == EG_TSKIP_WRITING)
		l->writing++;
	else
		l->ignored++;
	if (l->nskipped >= EG_TLIST_MAX_SKIPPED)
		return EG_OK;
	if (!l->skipped &&
	    !(l->skipped = calloc(EG_TLIST_MAX_SKIPPED, sizeof(*l->skipped))))
		return EG_ENOMEM;
	if (!(l->skipped[l->nskipped].name = strdup(name)))
		return EG_ENOMEM;
	l->skipped[l->nskipped++].why = why;
	return EG_OK;
}

/* Does name match one of the space-separated wildcards in list? */
static int
matches_any(const char *list, const char *name)
{
	char pat[256];
	const char *s = list, *end;
	size_t n;

	while (*s) {
		while (*s == ' ')
			s++;
		end = s + strcspn(s, " ");
		n = (size_t)(end - s);
		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, s, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, FNM_PERIOD) == 0)
				return 1;
		}
		s = end;
	}
	return 0;
}

int
eg_transport_name_ok(const eg_profile *p, const char *name)
{
	const char *pattern = p->inbox_pattern ? p->inbox_pattern : "*";

	if (!matches_any(pattern, name))
		return 0;
	return !(p->inbox_exclude && matches_any(p->inbox_exclude, name));
}

eg_err
eg_tlist_add(eg_tlist *l, const char *name, const char *path, uint64_t size,
	     int64_t mtime, const char *done_file)
{
	eg_tfile *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		eg_tfile *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return EG_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->path = strdup(path);
	f->done_file = done_file ? strdup(done_file) : NULL;
	f->size = size;
	f->mtime = mtime;
	if (!f->name || !f->path || (done_file && !f->done_file)) {
		free(f->name);
		free(f->path);
		free(f->done_file);
		return EG_ENOMEM;
	}
	l->n++;
	return EG_OK;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const eg_tfile *)a)->name, ((const eg_tfile *)b)->name);
}

void
eg_tlist_sort(eg_tlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), by_name);
}

int
eg_tp_is_set(const char *s)
{
	return s && *s;
}

int
eg_tp_ends_with(const char *s, const char *suffix)
{
	size_t n, k;

	if (!eg_tp_is_set(suffix))
		return 0;
	n = strlen(s);
	k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

const char *
eg_tp_base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* path when absolute, else home/path; NULL when out of memory. */
char *
eg_tp_resolve(const char *home, const char *path)
{
	size_t n;
	char *s;

	if (path[0] == '/' || !eg_tp_is_set(home))
		return strdup(path);
	n = strlen(home) + strlen(path) + 2;
	s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", home, path);
	return s;
}

eg_err
eg_transport_sync(eg_transport *t, eg_error *e)
{
	if (!t || !t->ops->sync)
		return EG_OK;
	return t->ops->sync(t, e);
}

int
eg_transport_transient(const eg_error *e)
{
	const char *c = eg_sftp_error_class(e);

	return c && (!strcmp(c, "connect") || !strcmp(c, "timeout") ||
		     !strcmp(c, "protocol"));
}

long long
eg_backoff_ms(unsigned attempt, long long base_ms, long long cap_ms,
	      uint64_t *rng)
{
	long long d = base_ms > 0 ? base_ms : 0;
	unsigned i;
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15u;

	if (cap_ms < 0)
		cap_ms = 0;
	for (i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* xorshift64: enough to spread retries, no global state */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	if (d < 2)
		return d;
	return d / 2 + (long long)(x % (uint64_t)(d / 2 + 1));
}

eg_err
eg_session_take(const char *lockdir, const char *partner, unsigned max,
		long long wait_s, int *fd, eg_error *e)
{
	char path[4096];
	struct timespec pause = {0, 100 * 1000 * 1000};
	long long tries = (wait_s > 0 ? wait_s : 0) * 10 + 1;
	unsigned k;
	eg_err rc;
	int n;

	*fd = -1;
	if (max == 0)
		max = 1;
	if ((rc = eg_mkdirs(lockdir, e)) != EG_OK)
		return rc;
	while (tries-- > 0) {
		for (k = 0; k < max; k++) {
			int f;

			n = snprintf(path, sizeof(path), "%s/%s.session.%u",
				     lockdir, partner, k);
			if (n < 0 || (size_t)n >= sizeof(path))
				return eg_fail(e, EG_ELIMIT,
					       "partner %s: lock path too long",
					       partner);
			f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			if (f < 0)
				return eg_fail(e, EG_EIO,
					       "partner %s: session lock %s: %s",
					       partner, path, strerror(errno));
			if (flock(f, LOCK_EX | LOCK_NB) == 0) {
				*fd = f;
				return EG_OK;
			}
			close(f);
			if (errno != EWOULDBLOCK && errno != EINTR)
				return eg_fail(e, EG_EIO,
					       "partner %s: session lock %s: %s",
					       partner, path, strerror(errno));
		}
		if (tries > 0)
			(void)nanosleep(&pause, NULL);
	}
	return eg_fail(e, EG_EIO,
		       "sftp connect: partner %s: all %u session(s) in use "
		       "(max-sessions); waited %llds",
		       partner, max, wait_s);
}

void
eg_session_release(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}
