/*
 * test_transport.c - unit tests for the local-directory transport
 * (transport.h, transport_local.c) on real files.
 *
 * Each test gets a fresh mkdtemp directory under /tmp as its home, with
 * an inbox "in" (relative, so open must resolve it) and removes it after.
 * What must always hold: list returns only complete regular files of the
 * partner, sorted; fetch yields exactly the listed bytes or fails; post
 * never overwrites and may be repeated; put never leaves a partial file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/err.h"
#include "edigate/profile.h"
#include "edigate/sftp.h"
#include "edigate/transport.h"

#define NOW ((time_t)1700000000)

typedef struct fx {
	char home[64];
	eg_profile *p;
	eg_transport *t;
	eg_tlist l;
	eg_error e;
} fx;

/* --- helpers ------------------------------------------------------------ */

static void
set(char **field, const char *v)
{
	free(*field);
	*field = v ? strdup(v) : NULL;
	assert_true(!v || *field);
}

/* home/rel into dst. */
static void
at(const fx *f, const char *rel, char *dst, size_t cap)
{
	int n = snprintf(dst, cap, "%s/%s", f->home, rel);

	assert_true(n > 0 && (size_t)n < cap);
}

static void
put_file(const fx *f, const char *rel, const void *data, size_t n)
{
	char path[PATH_MAX];
	FILE *fp;

	at(f, rel, path, sizeof(path));
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void
put_str(const fx *f, const char *rel, const char *s)
{
	put_file(f, rel, s, strlen(s));
}

static void
set_mtime(const fx *f, const char *rel, time_t when)
{
	char path[PATH_MAX];
	struct timespec ts[2];

	at(f, rel, path, sizeof(path));
	ts[0].tv_sec = ts[1].tv_sec = when;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static int
exists(const fx *f, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	at(f, rel, path, sizeof(path));
	return lstat(path, &st) == 0;
}

/* The file's content, NUL-terminated; the caller frees it. */
static char *
slurp(const fx *f, const char *rel)
{
	char path[PATH_MAX], *s;
	struct stat st;
	FILE *fp;

	at(f, rel, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	assert_non_null(s);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(s, 1, (size_t)st.st_size, fp),
			 (size_t)st.st_size);
	fclose(fp);
	s[st.st_size] = '\0';
	return s;
}

static void
assert_content(const fx *f, const char *rel, const char *want)
{
	char *s = slurp(f, rel);

	assert_string_equal(s, want);
	free(s);
}

static void
mkdir_at(const fx *f, const char *rel)
{
	char path[PATH_MAX];

	at(f, rel, path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
}

/* Entries in home/rel, dot names included (but not . and ..). */
static size_t
count_entries(const fx *f, const char *rel)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	at(f, rel, path, sizeof(path));
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
					     de->d_name) < sizeof(sub))
				rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
		return;
	}
	unlink(path);
}

static int
setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->home, sizeof(f->home), "/tmp/eg-transport-XXXXXX");
	if (!mkdtemp(f->home)) {
		free(f);
		return -1;
	}
	f->p = calloc(1, sizeof(*f->p));
	if (!f->p)
		return -1;
	f->p->id = strdup("acme");
	f->p->inbox = strdup("in");
	if (!f->p->id || !f->p->inbox)
		return -1;
	mkdir_at(f, "in");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fx *f = *state;
	eg_profile *p = f->p;

	eg_tlist_free(&f->l);
	if (f->t)
		f->t->ops->close(f->t);
	free(p->id);
	free(p->inbox);
	free(p->inbox_pattern);
	free(p->inbox_exclude);
	free(p->outbox);
	free(p->after_action);
	free(p->move_to);
	free(p->done_suffix);
	free(p->temp_suffix);
	free(p);
	rm_rf(f->home);
	free(f);
	return 0;
}

static void
open_t(fx *f)
{
	eg_error_clear(&f->e);
	assert_int_equal(eg_transport_open(&f->t, f->p, f->home, NOW, &f->e),
			 EG_OK);
	assert_non_null(f->t);
	assert_ptr_equal(f->t->ops, &eg_transport_local);
}

static void
list_t(fx *f)
{
	eg_tlist_free(&f->l);
	eg_error_clear(&f->e);
	assert_int_equal(f->t->ops->list(f->t, &f->l, &f->e), EG_OK);
}

/* Fetched bytes, collected. */
typedef struct bsink {
	unsigned char *p;
	size_t n;
	size_t calls;
	eg_err fail_with; /* make the sink fail, or EG_OK */
} bsink;

static eg_err
collect(void *ud, const void *p, size_t n, eg_error *e)
{
	bsink *s = ud;
	unsigned char *np;

	s->calls++;
	if (s->fail_with != EG_OK)
		return eg_fail(e, s->fail_with, "sink says no");
	np = realloc(s->p, s->n + n + 1);
	if (!np)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	s->p = np;
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return EG_OK;
}

static eg_err
fetch_t(fx *f, const eg_tfile *tf, bsink *s)
{
	eg_error_clear(&f->e);
	return f->t->ops->fetch(f->t, tf, collect, s, &f->e);
}

static eg_err
post_t(fx *f, const eg_tfile *tf)
{
	eg_error_clear(&f->e);
	return f->t->ops->post(f->t, tf, &f->e);
}

static eg_err
put_t(fx *f, const char *local_rel, const char *name)
{
	char path[PATH_MAX];

	at(f, local_rel, path, sizeof(path));
	eg_error_clear(&f->e);
	return f->t->ops->put(f->t, path, name, &f->e);
}

/* --- open --------------------------------------------------------------- */

static void
test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(eg_transport_find("local"), &eg_transport_local);
	assert_string_equal(eg_transport_local.name, "local");
	assert_null(eg_transport_find("nosuch"));
	assert_null(eg_transport_find(NULL));
}

static void
test_open_missing_inbox(void **state)
{
	fx *f = *state;
	char path[PATH_MAX];

	set(&f->p->inbox, "nope");
	assert_int_equal(eg_transport_open(&f->t, f->p, f->home, NOW, &f->e),
			 EG_ENOTFOUND);
	assert_null(f->t);
	assert_non_null(strstr(f->e.msg, "acme"));
	at(f, "nope", path, sizeof(path));
	assert_non_null(strstr(f->e.msg, path));

	/* a file where the inbox should be is no inbox either */
	put_str(f, "afile", "x");
	at(f, "afile", path, sizeof(path));
	set(&f->p->inbox, path); /* absolute: home is not prepended */
	eg_error_clear(&f->e);
	assert_int_equal(
	    eg_transport_open(&f->t, f->p, "/nonexistent", NOW, &f->e),
	    EG_ENOTFOUND);
	assert_null(f->t);
	assert_non_null(strstr(f->e.msg, path));
}

/* --- list --------------------------------------------------------------- */

static void
test_list_filters(void **state)
{
	fx *f = *state;
	char path[PATH_MAX], target[PATH_MAX];

	set(&f->p->inbox_pattern, "*.x12 *.edi *.tmp");
	set(&f->p->inbox_exclude, "b*");
	set(&f->p->temp_suffix, ".tmp");
	put_str(f, "in/z.x12", "zz");
	put_str(f, "in/a.x12", "aaa");
	put_str(f, "in/m.edi", "m");
	put_str(f, "in/b.x12", "excluded");
	put_str(f, "in/c.txt", "no pattern");
	put_str(f, "in/.hidden.x12", "dotfile");
	put_str(f, "in/w.x12.tmp", "being written");
	mkdir_at(f, "in/sub.x12");
	put_str(f, "in/sub.x12/deep.x12", "not in the inbox itself");
	at(f, "in/a.x12", target, sizeof(target));
	at(f, "in/link.x12", path, sizeof(path));
	assert_int_equal(symlink(target, path), 0);
	set_mtime(f, "in/a.x12", NOW - 5);

	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 3);
	assert_int_equal(f->l.waiting, 0);
	assert_string_equal(f->l.v[0].name, "a.x12");
	assert_string_equal(f->l.v[1].name, "m.edi");
	assert_string_equal(f->l.v[2].name, "z.x12");
	at(f, "in/a.x12", path, sizeof(path));
	assert_string_equal(f->l.v[0].path, path);
	assert_int_equal(f->l.v[0].size, 3);
	assert_int_equal(f->l.v[0].mtime, (int64_t)(NOW - 5) * 1000000000);
	assert_null(f->l.v[0].done_file);

	/* no pattern means every (non-dot) regular file */
	set(&f->p->inbox_pattern, NULL);
	set(&f->p->inbox_exclude, NULL);
	list_t(f);
	assert_int_equal(f->l.n, 5); /* a b c m z; not w.x12.tmp */

	/* dotfiles are skipped even by a pattern that names them */
	set(&f->p->inbox_pattern, ".*");
	list_t(f);
	assert_int_equal(f->l.n, 0);
	assert_int_equal(f->l.waiting, 0);
}

static void
test_list_empty(void **state)
{
	fx *f = *state;

	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 0);
	assert_int_equal(f->l.waiting, 0);
}

static void
test_list_done_file(void **state)
{
	fx *f = *state;
	char path[PATH_MAX];

	set(&f->p->done_suffix, ".ok"); /* pattern "*": markers match it */
	put_str(f, "in/a.x12", "a");
	put_str(f, "in/a.x12.ok", "");
	put_str(f, "in/b.x12", "no marker yet");
	put_str(f, "in/c.x12.ok", ""); /* a marker without its file */
	mkdir_at(f, "in/d.x12");
	mkdir_at(f, "in/d.x12.ok");
	put_str(f, "in/e.x12", "a directory is no marker");
	mkdir_at(f, "in/e.x12.ok");

	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(f->l.waiting, 2); /* b, e */
	assert_string_equal(f->l.v[0].name, "a.x12");
	at(f, "in/a.x12.ok", path, sizeof(path));
	assert_non_null(f->l.v[0].done_file);
	assert_string_equal(f->l.v[0].done_file, path);

	/* the marker arrives: b is taken */
	put_str(f, "in/b.x12.ok", "");
	list_t(f);
	assert_int_equal(f->l.n, 2);
	assert_int_equal(f->l.waiting, 1);
	assert_string_equal(f->l.v[1].name, "b.x12");
}

static void
test_list_stable_for(void **state)
{
	fx *f = *state;

	f->p->stable_for = 60;
	put_str(f, "in/old.x12", "old");
	put_str(f, "in/edge.x12", "exactly sixty seconds");
	put_str(f, "in/new.x12", "still being written");
	put_str(f, "in/future.x12", "clock skew");
	set_mtime(f, "in/old.x12", NOW - 3600);
	set_mtime(f, "in/edge.x12", NOW - 60);
	set_mtime(f, "in/new.x12", NOW - 59);
	set_mtime(f, "in/future.x12", NOW + 100);

	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 2);
	assert_int_equal(f->l.waiting, 2);
	assert_string_equal(f->l.v[0].name, "edge.x12");
	assert_string_equal(f->l.v[1].name, "old.x12");
	assert_int_equal(f->l.v[1].mtime, (int64_t)(NOW - 3600) * 1000000000);

	/* both gates at once: stable but no marker still waits */
	set(&f->p->done_suffix, ".done");
	put_str(f, "in/old.x12.done", "");
	list_t(f);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(f->l.v[0].name, "old.x12");
	assert_int_equal(f->l.waiting, 3);
}

/* --- fetch -------------------------------------------------------------- */

static void
test_fetch_bytes(void **state)
{
	fx *f = *state;
	size_t big = 600 * 1024 + 7, i; /* more than two 256 KiB chunks */
	unsigned char *data = malloc(big);
	bsink s = {0};
	size_t k;

	assert_non_null(data);
	for (i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 31 + i / 251);
	put_file(f, "in/big.x12", data, big);
	put_file(f, "in/empty.x12", "", 0);
	put_file(f, "in/nul.x12", "a\0b\r\n", 5);
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 3);

	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_OK);
	assert_int_equal(s.n, big);
	assert_memory_equal(s.p, data, big);
	assert_int_equal(s.calls, 3);

	for (k = 1; k < 3; k++) {
		free(s.p);
		memset(&s, 0, sizeof(s));
		assert_int_equal(fetch_t(f, &f->l.v[k], &s), EG_OK);
		assert_int_equal(s.n, f->l.v[k].size);
	}
	assert_memory_equal(s.p, "a\0b\r\n", 5);
	free(s.p);
	free(data);
}

static void
test_fetch_changed(void **state)
{
	fx *f = *state;
	char path[PATH_MAX];
	bsink s = {0};
	FILE *fp;

	put_str(f, "in/a.x12", "ISA*00~");
	put_str(f, "in/b.x12", "ISA*00~");
	set_mtime(f, "in/a.x12", NOW - 100);
	set_mtime(f, "in/b.x12", NOW - 100);
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 2);

	/* bytes appended since the listing */
	at(f, "in/a.x12", path, sizeof(path));
	fp = fopen(path, "ab");
	assert_non_null(fp);
	fputs("GS*more~", fp);
	fclose(fp);
	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_EIO);
	assert_non_null(strstr(f->e.msg, "changed since it was listed"));
	assert_non_null(strstr(f->e.msg, "acme"));
	assert_non_null(strstr(f->e.msg, path));
	assert_int_equal(s.calls, 0);

	/* same size, rewritten: the mtime gives it away */
	put_str(f, "in/b.x12", "ISA*01~");
	assert_int_equal(fetch_t(f, &f->l.v[1], &s), EG_EIO);
	assert_non_null(strstr(f->e.msg, "changed since it was listed"));
	assert_int_equal(s.calls, 0);
	free(s.p);
}

/*
 * A rewrite that keeps the size within the same second: the listing's
 * mtime has nanoseconds, so the fetch finds it out (issue 21.11), and
 * two such versions list with different mtimes.
 */
static void
test_mtime_nanoseconds(void **state)
{
	fx *f = *state;
	char path[PATH_MAX];
	struct timespec ts[2];
	bsink s = {0};
	int64_t first;

	put_str(f, "in/a.x12", "ISA*00~");
	set_mtime(f, "in/a.x12", NOW - 100);
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 1);
	first = f->l.v[0].mtime;
	assert_int_equal(first, (int64_t)(NOW - 100) * 1000000000);

	put_str(f, "in/a.x12", "ISA*01~");
	at(f, "in/a.x12", path, sizeof(path));
	ts[0].tv_sec = ts[1].tv_sec = NOW - 100;
	ts[0].tv_nsec = ts[1].tv_nsec = 250000000;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_EIO);
	assert_non_null(strstr(f->e.msg, "changed"));
	assert_int_equal(s.calls, 0);

	eg_tlist_free(&f->l);
	memset(&f->l, 0, sizeof(f->l));
	list_t(f);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(f->l.v[0].mtime, first + 250000000);
	free(s.p);
}

static void
test_fetch_vanished(void **state)
{
	fx *f = *state;
	bsink s = {0};

	put_str(f, "in/a.x12", "gone soon");
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(unlink(f->l.v[0].path), 0);
	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_ENOTFOUND);
	assert_non_null(strstr(f->e.msg, f->l.v[0].path));

	/* a symlink in its place is not followed */
	assert_int_equal(symlink("/etc/hostname", f->l.v[0].path), 0);
	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_EIO);
	assert_int_equal(s.calls, 0);
}

/* A sink that appends to the file it is being fed from, once. */
typedef struct grow {
	bsink s;
	const char *path;
} grow;

static eg_err
collect_and_grow(void *ud, const void *p, size_t n, eg_error *e)
{
	grow *g = ud;
	FILE *fp;

	if (g->s.calls == 0) {
		fp = fopen(g->path, "ab");
		if (fp) {
			fputs("more bytes", fp);
			fclose(fp);
		}
	}
	return collect(&g->s, p, n, e);
}

static void
test_fetch_changed_while_fetched(void **state)
{
	fx *f = *state;
	size_t big = 300 * 1024; /* two chunks: the growth shows in the 2nd */
	unsigned char *data = calloc(1, big);
	grow g = {{0}, NULL};

	assert_non_null(data);
	put_file(f, "in/a.x12", data, big);
	open_t(f);
	list_t(f);
	g.path = f->l.v[0].path;
	eg_error_clear(&f->e);
	assert_int_equal(
	    f->t->ops->fetch(f->t, &f->l.v[0], collect_and_grow, &g, &f->e),
	    EG_EIO);
	assert_non_null(strstr(f->e.msg, "changed while fetched"));
	assert_true(g.s.n <= big); /* never more than was listed */
	free(g.s.p);
	free(data);
}

static void
test_fetch_sink_error(void **state)
{
	fx *f = *state;
	bsink s = {0};

	put_str(f, "in/a.x12", "data");
	open_t(f);
	list_t(f);
	s.fail_with = EG_ELIMIT;
	assert_int_equal(fetch_t(f, &f->l.v[0], &s), EG_ELIMIT);
	assert_string_equal(f->e.msg, "sink says no");
}

/* --- post --------------------------------------------------------------- */

static void
test_post_delete(void **state)
{
	fx *f = *state;

	set(&f->p->after_action, "delete");
	set(&f->p->done_suffix, ".ok");
	put_str(f, "in/a.x12", "a");
	put_str(f, "in/a.x12.ok", "");
	put_str(f, "in/b.x12", "b");
	put_str(f, "in/b.x12.ok", "");
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 2);
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_false(exists(f, "in/a.x12"));
	assert_false(exists(f, "in/a.x12.ok"));
	assert_true(exists(f, "in/b.x12"));

	/* again, as after a crash: already gone is fine */
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);

	/* a crash between the two unlinks left the marker */
	assert_int_equal(unlink(f->l.v[1].path), 0);
	assert_int_equal(post_t(f, &f->l.v[1]), EG_OK);
	assert_false(exists(f, "in/b.x12.ok"));
	assert_int_equal(count_entries(f, "in"), 0);
}

static void
test_post_delete_rewritten(void **state)
{
	fx *f = *state;

	set(&f->p->after_action, "delete");
	put_str(f, "in/a.x12", "first");
	set_mtime(f, "in/a.x12", NOW - 100);
	open_t(f);
	list_t(f);
	/* the partner sent a new a.x12 after we fetched the old one */
	put_str(f, "in/a.x12", "second version");
	assert_int_equal(post_t(f, &f->l.v[0]), EG_EIO);
	assert_content(f, "in/a.x12", "second version");
}

static void
test_post_move(void **state)
{
	fx *f = *state;

	set(&f->p->after_action, "move");
	set(&f->p->move_to, "archive/acme"); /* created on demand */
	set(&f->p->done_suffix, ".ok");
	put_str(f, "in/a.x12", "new a");
	put_str(f, "in/a.x12.ok", "marker");
	put_str(f, "in/c.x12", "c");
	put_str(f, "in/c.x12.ok", "");
	open_t(f);
	list_t(f);
	assert_int_equal(f->l.n, 2);

	assert_int_equal(post_t(f, &f->l.v[1]), EG_OK);
	assert_false(exists(f, "in/c.x12"));
	assert_false(exists(f, "in/c.x12.ok"));
	assert_content(f, "archive/acme/c.x12", "c");
	assert_true(exists(f, "archive/acme/c.x12.ok"));

	/* earlier pickups of the same name are never overwritten */
	put_str(f, "archive/acme/a.x12", "old a");
	put_str(f, "archive/acme/a.x12.1", "older a");
	put_str(f, "archive/acme/a.x12.ok", "old marker");
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_false(exists(f, "in/a.x12"));
	assert_false(exists(f, "in/a.x12.ok"));
	assert_content(f, "archive/acme/a.x12", "old a");
	assert_content(f, "archive/acme/a.x12.1", "older a");
	assert_content(f, "archive/acme/a.x12.2", "new a");
	assert_content(f, "archive/acme/a.x12.ok", "old marker");
	assert_content(f, "archive/acme/a.x12.ok.1", "marker");

	/* again, as after a crash: nothing more moves */
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_int_equal(count_entries(f, "archive/acme"), 7);
	assert_int_equal(count_entries(f, "in"), 0);
}

static void
test_post_move_half_done(void **state)
{
	fx *f = *state;
	char src[PATH_MAX], dst[PATH_MAX];

	set(&f->p->after_action, "move");
	set(&f->p->move_to, "archive");
	put_str(f, "in/a.x12", "a");
	mkdir_at(f, "archive");
	open_t(f);
	list_t(f);
	/* a try died between link and unlink: both names exist */
	at(f, "in/a.x12", src, sizeof(src));
	at(f, "archive/a.x12", dst, sizeof(dst));
	assert_int_equal(link(src, dst), 0);
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_false(exists(f, "in/a.x12"));
	assert_false(exists(f, "archive/a.x12.1"));
	assert_content(f, "archive/a.x12", "a");
}

static void
test_post_leave(void **state)
{
	fx *f = *state;

	set(&f->p->done_suffix, ".ok");
	put_str(f, "in/a.x12", "a");
	put_str(f, "in/a.x12.ok", "");
	open_t(f);
	list_t(f);
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK); /* NULL: leave */
	set(&f->p->after_action, "leave");
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_true(exists(f, "in/a.x12"));
	assert_true(exists(f, "in/a.x12.ok"));

	set(&f->p->after_action, "shred");
	assert_int_equal(post_t(f, &f->l.v[0]), EG_ECONFIG);
	set(&f->p->after_action, "move"); /* no move-to */
	assert_int_equal(post_t(f, &f->l.v[0]), EG_ECONFIG);
	assert_true(exists(f, "in/a.x12"));
}

/* --- put ---------------------------------------------------------------- */

static void
test_put(void **state)
{
	fx *f = *state;
	char out[PATH_MAX];

	at(f, "out/deep/er", out, sizeof(out));
	set(&f->p->outbox, out); /* absolute, not there yet */
	put_str(f, "ack.997", "ST*997*0001~");
	open_t(f);
	assert_false(exists(f, "out"));

	assert_int_equal(put_t(f, "ack.997", "ACK001.997"), EG_OK);
	assert_content(f, "out/deep/er/ACK001.997", "ST*997*0001~");
	assert_int_equal(count_entries(f, "out/deep/er"), 1);

	/* a .part left by a crash is cleared, not an obstacle */
	put_str(f, "out/deep/er/.ACK002.997.part", "half");
	assert_int_equal(put_t(f, "ack.997", "ACK002.997"), EG_OK);
	assert_content(f, "out/deep/er/ACK002.997", "ST*997*0001~");
	assert_false(exists(f, "out/deep/er/.ACK002.997.part"));
	assert_int_equal(count_entries(f, "out/deep/er"), 2);

	/* a retry delivering the same bytes is fine */
	assert_int_equal(put_t(f, "ack.997", "ACK001.997"), EG_OK);
	assert_int_equal(count_entries(f, "out/deep/er"), 2);

	/* a different file of that name is the partner's: not replaced */
	put_str(f, "other.997", "ST*997*0002~");
	assert_int_equal(put_t(f, "other.997", "ACK001.997"), EG_EIO);
	assert_non_null(strstr(f->e.msg, "ACK001.997"));
	assert_content(f, "out/deep/er/ACK001.997", "ST*997*0001~");
	assert_int_equal(count_entries(f, "out/deep/er"), 2);

	/* a missing source */
	assert_int_equal(put_t(f, "nosuch", "X.997"), EG_ENOTFOUND);
	assert_false(exists(f, "out/deep/er/X.997"));
	assert_int_equal(count_entries(f, "out/deep/er"), 2);
}

static void
test_put_bad_names(void **state)
{
	fx *f = *state;
	static const char *const bad[] = {"",	 ".",	   "..",
					  "a/b", "/etc/x", "../x"};
	size_t i;

	set(&f->p->outbox, "out");
	put_str(f, "src", "x");
	open_t(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(put_t(f, "src", bad[i]), EG_EINVAL);
		assert_non_null(strstr(f->e.msg, "acme"));
	}
	assert_false(exists(f, "x"));

	/* no outbox configured */
	set(&f->p->outbox, NULL);
	f->t->ops->close(f->t);
	f->t = NULL;
	open_t(f);
	assert_int_equal(put_t(f, "src", "ok.997"), EG_ECONFIG);
}

static void
test_put_large(void **state)
{
	fx *f = *state;
	size_t big = 1024 * 1024 + 3, i;
	unsigned char *data = malloc(big);
	char *got;

	assert_non_null(data);
	for (i = 0; i < big; i++)
		data[i] = (unsigned char)('A' + i % 26);
	set(&f->p->outbox, "out");
	put_file(f, "big", data, big);
	open_t(f);
	assert_int_equal(put_t(f, "big", "BIG.x12"), EG_OK);
	got = slurp(f, "out/BIG.x12");
	assert_memory_equal(got, data, big);
	free(got);
	free(data);
}

/* Batched (the pipeline's group commit): a put's final name appears only
 * at sync, a conflict is still reported by put, a close without sync
 * abandons the put, and a delete is done at once. */
static void
test_put_batched(void **state)
{
	fx *f = *state;

	set(&f->p->outbox, "out");
	set(&f->p->after_action, "delete");
	put_str(f, "ack1", "ST*997*0001~");
	put_str(f, "ack2", "ST*997*0002~");
	{
		char out[PATH_MAX];

		at(f, "out", out, sizeof(out));
		assert_int_equal(mkdir(out, 0755), 0);
	}
	put_str(f, "out/TAKEN.997", "the partner's");
	put_str(f, "in/a.x12", "aaa");
	open_t(f);
	f->t->batched = 1;

	assert_int_equal(put_t(f, "ack1", "A1.997"), EG_OK);
	assert_int_equal(put_t(f, "ack2", "A2.997"), EG_OK);
	assert_int_equal(put_t(f, "ack1", "A1.997"), EG_OK); /* queued */
	assert_int_equal(put_t(f, "ack2", "A1.997"), EG_EIO); /* two files */
	assert_int_equal(put_t(f, "ack1", "TAKEN.997"), EG_EIO);
	assert_non_null(strstr(f->e.msg, "TAKEN.997"));
	/* not under their names yet: only temporary names */
	assert_false(exists(f, "out/A1.997"));
	assert_false(exists(f, "out/A2.997"));
	assert_true(exists(f, "out/.A1.997.part"));

	list_t(f);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(post_t(f, &f->l.v[0]), EG_OK);
	assert_false(exists(f, "in/a.x12"));

	eg_error_clear(&f->e);
	assert_int_equal(eg_transport_sync(f->t, &f->e), EG_OK);
	assert_content(f, "out/A1.997", "ST*997*0001~");
	assert_content(f, "out/A2.997", "ST*997*0002~");
	assert_content(f, "out/TAKEN.997", "the partner's");
	assert_int_equal(count_entries(f, "out"), 3);
	/* a second sync has nothing to do */
	assert_int_equal(eg_transport_sync(f->t, &f->e), EG_OK);
	assert_int_equal(count_entries(f, "out"), 3);

	/* closed before its sync: never delivered, nothing left behind */
	put_str(f, "ack3", "ST*997*0003~");
	assert_int_equal(put_t(f, "ack3", "A3.997"), EG_OK);
	assert_true(exists(f, "out/.A3.997.part"));
	f->t->ops->close(f->t);
	f->t = NULL;
	assert_false(exists(f, "out/A3.997"));
	assert_false(exists(f, "out/.A3.997.part"));
	assert_int_equal(count_entries(f, "out"), 3);
}

/* Backoff: doubles from the base, is capped, and the jitter keeps each
 * wait within [half, whole] of the step. */
static void
test_backoff(void **state)
{
	uint64_t rng = 42;
	long long lo[6] = {1000, 2000, 4000, 8000, 15000, 15000};
	unsigned a, k;
	int varied = 0;
	long long first = -1;

	(void)state;
	for (a = 1; a <= 6; a++)
		for (k = 0; k < 200; k++) {
			long long ms = eg_backoff_ms(a, 1000, 15000, &rng);

			assert_true(ms >= lo[a - 1] / 2);
			assert_true(ms <= lo[a - 1]);
			if (a == 1 && first < 0)
				first = ms;
			else if (a == 1 && ms != first)
				varied = 1;
		}
	assert_true(varied); /* jitter, not a fixed wait */
	/* zero base: no wait at all; a huge attempt number stays capped */
	assert_int_equal(eg_backoff_ms(3, 0, 15000, &rng), 0);
	assert_true(eg_backoff_ms(4000000000u, 1000, 60000, &rng) <= 60000);
	/* the state is the caller's: the same seed, the same waits */
	{
		uint64_t r1 = 7, r2 = 7;

		assert_int_equal(eg_backoff_ms(2, 500, 9000, &r1),
				 eg_backoff_ms(2, 500, 9000, &r2));
	}
}

/* Session slots: max-sessions holders at once, across descriptors (as
 * across processes); the next waits, then fails with a connect-class
 * message that the pipeline treats as transient. */
static void
test_session_slots(void **state)
{
	fx *f = *state;
	char dir[PATH_MAX];
	int a = -1, b = -1, c = -1;

	at(f, "locks", dir, sizeof(dir));
	eg_error_clear(&f->e);
	assert_int_equal(eg_session_take(dir, "acme", 2, 0, &a, &f->e), EG_OK);
	assert_int_equal(eg_session_take(dir, "acme", 2, 0, &b, &f->e), EG_OK);
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_int_equal(eg_session_take(dir, "acme", 2, 1, &c, &f->e), EG_EIO);
	assert_int_equal(c, -1);
	assert_non_null(strstr(f->e.msg, "all 2 session(s) in use"));
	assert_string_equal(eg_sftp_error_class(&f->e), "connect");
	assert_true(eg_transport_transient(&f->e));
	/* another partner has its own slots */
	eg_error_clear(&f->e);
	assert_int_equal(eg_session_take(dir, "other", 1, 0, &c, &f->e), EG_OK);
	eg_session_release(c);
	/* a released slot is free again */
	eg_session_release(a);
	assert_int_equal(eg_session_take(dir, "acme", 2, 0, &c, &f->e), EG_OK);
	eg_session_release(b);
	eg_session_release(c);
}

/* Which faults a new session may cure. */
static void
test_transient(void **state)
{
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_EIO, "sftp timeout: partner acme: no answer");
	assert_true(eg_transport_transient(&e));
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_EIO, "sftp protocol: partner acme: bad packet");
	assert_true(eg_transport_transient(&e));
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_ECONFIG, "sftp host-key: partner acme: changed");
	assert_false(eg_transport_transient(&e));
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_ECONFIG, "sftp auth: partner acme: refused");
	assert_false(eg_transport_transient(&e));
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_EIO, "sftp permission: partner acme: denied");
	assert_false(eg_transport_transient(&e));
	eg_error_clear(&e);
	(void)eg_fail(&e, EG_EIO, "partner acme: cannot read /x: I/O error");
	assert_false(eg_transport_transient(&e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_transient),
	    cmocka_unit_test_setup_teardown(test_session_slots, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_batched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mtime_nanoseconds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_open_missing_inbox, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_done_file, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_stable_for, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_changed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_vanished, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_changed_while_fetched,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_sink_error, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_post_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_post_delete_rewritten, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_post_move, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_post_move_half_done, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_post_leave, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_bad_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_large, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
