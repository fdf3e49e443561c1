/*
 * transport_local.c - the local-directory transport: a partner's inbox,
 * outbox and move-to folder are directories on this machine (or a mount).
 *
 * What must always hold:
 *   - list returns only complete regular files: no symlinks, no
 *     directories, no dotfiles, no temp or done-marker names, and only
 *     once their done-file is there and they have stood still for
 *     stable-for seconds;
 *   - fetch hands the sink exactly the bytes that were listed, or fails;
 *   - post never overwrites a file in move-to and may be repeated after
 *     a crash (a file already gone was handled by the earlier try);
 *   - put never leaves a partial file under the final name and never
 *     replaces a different file of that name.
 * Renames are made durable by fsyncing the directories they touch; when
 * the caller batches (t->batched), by one eg_sync_fs per file system in
 * local_sync instead, and a put's temporary file gets its final name
 * only there, once its bytes are durable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/transport.h"
#include "transport_int.h"

#define CHUNK (256 * 1024)
#define CMP_CHUNK (64 * 1024)
#define MAX_SAME_NAME 10000 /* name.1 ... in move-to before we give up */

/* A batched put waiting for local_sync: tmp holds the bytes. */
typedef struct pending_put {
	char tmp[PATH_MAX], dst[PATH_MAX], src[PATH_MAX];
} pending_put;

typedef struct local {
	struct eg_transport base; /* first: the caller reaches ops here */
	const eg_profile *p;	  /* borrowed */
	const char *id;		  /* partner id, for messages */
	char *inbox;		  /* resolved against home */
	char *outbox, *move_to;	  /* resolved, or NULL when not set */
	time_t now;		  /* the run's clock, for stable-for */
	int outbox_made;
	/* batched mode: what local_sync still has to make durable */
	pending_put *puts;
	size_t nputs, capputs;
	int outbox_dirty, inbox_dirty, move_dirty;
} local;


/* dst = dir/<pre>name<suf>, or EG_ELIMIT when it would not fit. */
static eg_err
join(char *dst, size_t cap, const local *t, const char *dir, const char *pre,
     const char *name, const char *suf, eg_error *e)
{
	int n = snprintf(dst, cap, "%s/%s%s%s", dir, pre ? pre : "", name,
			 suf ? suf : "");

	if (n < 0 || (size_t)n >= cap)
		return eg_fail(e, EG_ELIMIT, "partner %s: path too long: %s/%s",
			       t->id, dir, name);
	return EG_OK;
}

/* A rename or unlink is durable only once its directory is synced --
 * now, or in local_sync when batched. */
static eg_err
sync_dir(local *t, const char *dir, eg_error *e)
{
	int fd, err;

	if (t->base.batched) {
		if (dir == t->inbox)
			t->inbox_dirty = 1;
		else if (dir == t->move_to)
			t->move_dirty = 1;
		else
			t->outbox_dirty = 1;
		return EG_OK;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return eg_fail(e, EG_EIO,
			       "partner %s: cannot open directory %s: %s",
			       t->id, dir, strerror(errno));
	/* some file systems cannot sync a directory; they say EINVAL */
	if (fsync(fd) != 0 && errno != EINVAL) {
		err = errno;
		close(fd);
		return eg_fail(e, EG_EIO,
			       "partner %s: cannot sync directory %s: %s",
			       t->id, dir, strerror(err));
	}
	close(fd);
	return EG_OK;
}

static void
local_close(eg_transport *tr)
{
	local *t = (local *)tr;

	if (!t)
		return;
	/* puts never synced were never delivered */
	while (t->nputs > 0)
		(void)unlink(t->puts[--t->nputs].tmp);
	free(t->puts);
	free(t->inbox);
	free(t->outbox);
	free(t->move_to);
	free(t);
}

static eg_err
local_open(eg_transport **out, const eg_profile *p, const char *home,
	   time_t now, eg_error *e)
{
	const char *id = p->id ? p->id : "(unnamed)";
	struct stat st;
	local *t;
	eg_err rc;

	*out = NULL;
	if (!eg_tp_is_set(p->inbox))
		return eg_fail(e, EG_ECONFIG, "partner %s: no inbox folder",
			       id);
	t = calloc(1, sizeof(*t));
	if (!t)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	t->base.ops = &eg_transport_local;
	t->p = p;
	t->id = id;
	t->now = now;
	t->inbox = eg_tp_resolve(home, p->inbox);
	if (eg_tp_is_set(p->outbox))
		t->outbox = eg_tp_resolve(home, p->outbox);
	if (eg_tp_is_set(p->move_to))
		t->move_to = eg_tp_resolve(home, p->move_to);
	if (!t->inbox || (eg_tp_is_set(p->outbox) && !t->outbox) ||
	    (eg_tp_is_set(p->move_to) && !t->move_to)) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	if (stat(t->inbox, &st) != 0) {
		rc = eg_fail(e, EG_ENOTFOUND, "partner %s: inbox %s: %s", id,
			     t->inbox, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = eg_fail(e, EG_ENOTFOUND,
			     "partner %s: inbox %s is not a directory", id,
			     t->inbox);
		goto out;
	}
	*out = &t->base;
	return EG_OK;
out:
	local_close(&t->base);
	return rc;
}

static eg_err
skip(eg_tlist *l, const char *name, eg_tskip_why why, eg_error *e)
{
	if (eg_tlist_skip(l, name, why) != EG_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

/*
 * A local file's mtime to the nanosecond: a rewrite that kept the size
 * within the same second is then a new file (issue 21.11).  The ledger
 * keys a pickup by path, size and this number; it is only ever compared
 * for equality, by this transport.
 */
static int64_t
mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 +
	       (int64_t)st->st_mtim.tv_nsec;
}

/*
 * One directory entry: add it to l when it is a complete file of ours,
 * count it in l->waiting when it is ours but not complete yet, pass over
 * it otherwise.
 */
static eg_err
consider(const local *t, const char *name, eg_tlist *l, eg_error *e)
{
	const eg_profile *p = t->p;
	char path[PATH_MAX], done[PATH_MAX];
	struct stat st, ds;
	int have_done = 0;
	eg_err rc;

	if (name[0] == '.' || eg_tp_ends_with(name, p->done_suffix))
		return EG_OK;
	rc = join(path, sizeof(path), t, t->inbox, NULL, name, NULL, e);
	if (rc != EG_OK)
		return rc;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT) /* gone since readdir: nothing to take */
			return EG_OK;
		return eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s",
			       t->id, path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return EG_OK;
	/* passed over, but counted and named (status, partner probe) */
	if (eg_tp_ends_with(name, p->temp_suffix))
		return skip(l, name, EG_TSKIP_WRITING, e);
	if (!eg_transport_name_ok(p, name))
		return skip(l, name, EG_TSKIP_IGNORED, e);
	if (eg_tp_is_set(p->done_suffix)) {
		rc = join(done, sizeof(done), t, t->inbox, NULL, name,
			  p->done_suffix, e);
		if (rc != EG_OK)
			return rc;
		if (lstat(done, &ds) != 0 || !S_ISREG(ds.st_mode))
			return skip(l, name, EG_TSKIP_WAITING, e);
		have_done = 1;
	}
	if (p->stable_for > 0 &&
	    (long long)t->now - (long long)st.st_mtim.tv_sec < p->stable_for)
		return skip(l, name, EG_TSKIP_WAITING, e);
	if (eg_tlist_add(l, name, path, (uint64_t)st.st_size, mtime_ns(&st),
			 have_done ? done : NULL) != EG_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

/* out is overwritten (pass an empty list); it is empty on failure. */
static eg_err
local_list(eg_transport *tr, eg_tlist *out, eg_error *e)
{
	local *t = (local *)tr;
	eg_tlist l = {0};
	struct dirent *de;
	eg_err rc = EG_OK;
	DIR *d;

	memset(out, 0, sizeof(*out));
	d = opendir(t->inbox);
	if (!d)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "partner %s: cannot read inbox %s: %s", t->id,
			       t->inbox, strerror(errno));
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0)
				rc = eg_fail(
				    e, EG_EIO,
				    "partner %s: cannot read inbox %s: %s",
				    t->id, t->inbox, strerror(errno));
			break;
		}
		rc = consider(t, de->d_name, &l, e);
		if (rc != EG_OK)
			break;
	}
	closedir(d);
	if (rc != EG_OK) {
		eg_tlist_free(&l);
		return rc;
	}
	eg_tlist_sort(&l);
	*out = l;
	return EG_OK;
}

static eg_err
changed(const local *t, const eg_tfile *f, const char *when,
	const struct stat *st, eg_error *e)
{
	return eg_fail(e, EG_EIO,
		       "partner %s: %s changed %s (listed %llu bytes, mtime "
		       "%lld; now %llu bytes, mtime %lld)",
		       t->id, f->path, when, (unsigned long long)f->size,
		       (long long)f->mtime, (unsigned long long)st->st_size,
		       (long long)mtime_ns(st));
}

static int
same_facts(const eg_tfile *f, const struct stat *st)
{
	/* a pickup recorded before mtimes had nanoseconds holds seconds */
	return S_ISREG(st->st_mode) && (uint64_t)st->st_size == f->size &&
	       (mtime_ns(st) == f->mtime ||
		(int64_t)st->st_mtim.tv_sec == f->mtime);
}

static eg_err
local_fetch(eg_transport *tr, const eg_tfile *f, eg_sink_fn sink, void *ud,
	    eg_error *e)
{
	local *t = (local *)tr;
	unsigned char *buf = NULL;
	uint64_t got = 0;
	struct stat st;
	eg_err rc = EG_OK;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO put there since the listing must not hang us */
	fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "partner %s: cannot open %s: %s", t->id, f->path,
			       strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s", t->id,
			     f->path, strerror(errno));
		goto out;
	}
	if (!same_facts(f, &st)) {
		rc = changed(t, f, "since it was listed", &st, e);
		goto out;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		r = read(fd, buf, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc =
			    eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
				    t->id, f->path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (uint64_t)r;
		if (got > f->size) /* grew: do not pass on unlisted bytes */
			break;
		rc = sink(ud, buf, (size_t)r, e);
		if (rc != EG_OK)
			goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s", t->id,
			     f->path, strerror(errno));
		goto out;
	}
	/* the mtime catches a rewrite in place that kept the size */
	if (got != f->size || !same_facts(f, &st))
		rc = changed(t, f, "while fetched", &st, e);
out:
	free(buf);
	close(fd);
	return rc;
}

/*
 * Is the file at f->path still the one fetched?  *gone is set when it
 * is not there at all (an earlier post did its work).  A file rewritten
 * since is left alone: the next listing sees it as a new file.
 */
static eg_err
still_fetched(const local *t, const eg_tfile *f, int *gone, eg_error *e)
{
	struct stat st;

	*gone = 0;
	if (lstat(f->path, &st) != 0) {
		if (errno == ENOENT) {
			*gone = 1;
			return EG_OK;
		}
		return eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s",
			       t->id, f->path, strerror(errno));
	}
	if (!same_facts(f, &st))
		return changed(t, f, "since it was fetched; left in place", &st,
			       e);
	return EG_OK;
}

static eg_err
unlink_gone_ok(const local *t, const char *path, eg_error *e)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return eg_fail(e, EG_EIO, "partner %s: cannot delete %s: %s",
			       t->id, path, strerror(errno));
	return EG_OK;
}

static eg_err
post_delete(local *t, const eg_tfile *f, eg_error *e)
{
	eg_err rc;
	int gone;

	rc = still_fetched(t, f, &gone, e);
	if (rc != EG_OK)
		return rc;
	/* the file before its done-file: an orphan marker is harmless,
	 * an unmarked file would wait forever */
	if (!gone && (rc = unlink_gone_ok(t, f->path, e)) != EG_OK)
		return rc;
	if (f->done_file && (rc = unlink_gone_ok(t, f->done_file, e)) != EG_OK)
		return rc;
	return sync_dir(t, t->inbox, e);
}

/* link fails like this where the file system has no hard links */
static int
no_links(int err)
{
	return err == EPERM || err == ENOTSUP || err == EOPNOTSUPP ||
	       err == ENOSYS || err == EMLINK;
}

/*
 * Move src into move-to as name, or name.1, name.2, ... when taken: a
 * hard link cannot replace a file, a rename could.  A link left by a try
 * that died before its unlink is recognised by its inode.
 */
static eg_err
move_one(const local *t, const char *src, const char *name, eg_error *e)
{
	char dst[PATH_MAX], num[24];
	struct stat ss, ds;
	unsigned i;
	eg_err rc;

	if (lstat(src, &ss) != 0) {
		if (errno == ENOENT)
			return EG_OK;
		return eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s",
			       t->id, src, strerror(errno));
	}
	for (i = 0; i < MAX_SAME_NAME; i++) {
		num[0] = '\0';
		if (i > 0)
			snprintf(num, sizeof(num), ".%u", i);
		rc = join(dst, sizeof(dst), t, t->move_to, NULL, name, num, e);
		if (rc != EG_OK)
			return rc;
		if (lstat(dst, &ds) == 0) {
			if (ds.st_dev == ss.st_dev && ds.st_ino == ss.st_ino)
				return unlink_gone_ok(t, src, e);
			continue;
		}
		if (errno != ENOENT)
			return eg_fail(e, EG_EIO,
				       "partner %s: cannot stat %s: %s", t->id,
				       dst, strerror(errno));
		if (link(src, dst) == 0)
			return unlink_gone_ok(t, src, e);
		if (errno == EEXIST)
			continue;
		if (!no_links(errno))
			return eg_fail(e, EG_EIO,
				       "partner %s: cannot move %s to %s: %s",
				       t->id, src, dst, strerror(errno));
		/* no hard links here: dst was free a moment ago */
		if (rename(src, dst) != 0)
			return eg_fail(e, EG_EIO,
				       "partner %s: cannot move %s to %s: %s",
				       t->id, src, dst, strerror(errno));
		return EG_OK;
	}
	return eg_fail(e, EG_ELIMIT,
		       "partner %s: %s/%s: too many files of that name", t->id,
		       t->move_to, name);
}

static eg_err
post_move(local *t, const eg_tfile *f, eg_error *e)
{
	eg_err rc;
	int gone;

	if (!t->move_to)
		return eg_fail(
		    e, EG_ECONFIG,
		    "partner %s: after-pickup move has no move-to folder",
		    t->id);
	rc = still_fetched(t, f, &gone, e);
	if (rc != EG_OK)
		return rc;
	rc = eg_mkdirs(t->move_to, e);
	if (rc != EG_OK)
		return rc;
	if (!gone && (rc = move_one(t, f->path, f->name, e)) != EG_OK)
		return rc;
	if (f->done_file &&
	    (rc = move_one(t, f->done_file, eg_tp_base_name(f->done_file), e)) !=
		EG_OK)
		return rc;
	/* the new names first, so a crash cannot lose both */
	rc = sync_dir(t, t->move_to, e);
	if (rc != EG_OK)
		return rc;
	return sync_dir(t, t->inbox, e);
}

static eg_err
local_post(eg_transport *tr, const eg_tfile *f, eg_error *e)
{
	local *t = (local *)tr;
	const char *act = t->p->after_action;

	if (!act || strcmp(act, "leave") == 0)
		return EG_OK;
	if (strcmp(act, "delete") == 0)
		return post_delete(t, f, e);
	if (strcmp(act, "move") == 0)
		return post_move(t, f, e);
	return eg_fail(e, EG_ECONFIG,
		       "partner %s: unknown after-pickup action '%s'", t->id,
		       act);
}

static eg_err
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EG_EIO;
		p += w;
		n -= (size_t)w;
	}
	return EG_OK;
}

/* Read up to n bytes, fewer only at end of file; -1 on error. */
static ssize_t
read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* *same = files a and b hold the same bytes. */
static eg_err
same_bytes(const local *t, const char *a, const char *b, int *same, eg_error *e)
{
	unsigned char *ba = NULL, *bb = NULL;
	int fa = -1, fb = -1;
	struct stat sa, sb;
	eg_err rc = EG_OK;
	ssize_t ra, rb;

	*same = 0;
	fa = open(a, O_RDONLY | O_CLOEXEC);
	fb = open(b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fa < 0 || fb < 0 || fstat(fa, &sa) != 0 || fstat(fb, &sb) != 0) {
		rc = eg_fail(e, EG_EIO,
			     "partner %s: cannot compare %s with %s: %s", t->id,
			     a, b, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sa.st_size != sb.st_size)
		goto out;
	ba = malloc(CMP_CHUNK);
	bb = malloc(CMP_CHUNK);
	if (!ba || !bb) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ra = read_full(fa, ba, CMP_CHUNK);
		rb = read_full(fb, bb, CMP_CHUNK);
		if (ra < 0 || rb < 0) {
			rc =
			    eg_fail(e, EG_EIO,
				    "partner %s: cannot compare %s with %s: %s",
				    t->id, a, b, strerror(errno));
			goto out;
		}
		if (ra != rb || memcmp(ba, bb, (size_t)ra) != 0)
			goto out;
		if (ra == 0)
			break;
	}
	*same = 1;
out:
	free(ba);
	free(bb);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return rc;
}

/*
 * Is dst there already?  Fine when it holds local_path's bytes (a retry
 * after a crash delivered them): *there = 1.  A different file of that
 * name is the partner's still: refuse to replace it.
 */
static eg_err
already_there(const local *t, const char *local_path, const char *dst,
	      int *there, eg_error *e)
{
	struct stat st;
	eg_err rc;
	int same;

	*there = 0;
	if (lstat(dst, &st) != 0) {
		if (errno == ENOENT)
			return EG_OK;
		return eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s",
			       t->id, dst, strerror(errno));
	}
	rc = same_bytes(t, local_path, dst, &same, e);
	if (rc != EG_OK)
		return rc;
	if (!same)
		return eg_fail(e, EG_EIO,
			       "partner %s: %s exists with other content; not "
			       "replaced",
			       t->id, dst);
	*there = 1;
	return EG_OK;
}

/* A plain file name: no directory part, nothing that names a directory. */
static int
plain_name(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* Copy local_path to the new file tmp, synced unless batched; tmp is
 * removed on failure. */
static eg_err
copy_to(const local *t, const char *local_path, const char *tmp, eg_error *e)
{
	int fin, fout = -1, flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	unsigned char *buf = NULL;
	eg_err rc = EG_OK;
	ssize_t r;

	fin = open(local_path, O_RDONLY | O_CLOEXEC);
	if (fin < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "partner %s: cannot open %s: %s", t->id,
			       local_path, strerror(errno));
	fout = open(tmp, flags, 0644);
	if (fout < 0 && errno == EEXIST) { /* left by a crashed try */
		if (unlink(tmp) == 0)
			fout = open(tmp, flags, 0644);
	}
	if (fout < 0) {
		rc = eg_fail(e, EG_EIO, "partner %s: cannot create %s: %s",
			     t->id, tmp, strerror(errno));
		close(fin);
		return rc;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		r = read(fin, buf, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc =
			    eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
				    t->id, local_path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (write_all(fout, buf, (size_t)r) != EG_OK) {
			rc = eg_fail(e, EG_EIO,
				     "partner %s: cannot write %s: %s", t->id,
				     tmp, strerror(errno));
			goto out;
		}
	}
	/* batched: local_sync makes the bytes durable before the name */
	if (!t->base.batched && fsync(fout) != 0)
		rc = eg_fail(e, EG_EIO, "partner %s: cannot sync %s: %s", t->id,
			     tmp, strerror(errno));
out:
	if (close(fout) != 0 && rc == EG_OK)
		rc = eg_fail(e, EG_EIO, "partner %s: cannot write %s: %s",
			     t->id, tmp, strerror(errno));
	close(fin);
	free(buf);
	if (rc != EG_OK)
		unlink(tmp);
	return rc;
}

/* Remember a batched put for local_sync. */
static eg_err
defer_put(local *t, const char *tmp, const char *dst, const char *src,
	  eg_error *e)
{
	pending_put *pp;

	if (t->nputs == t->capputs) {
		size_t c = t->capputs ? t->capputs * 2 : 64;
		pending_put *v = realloc(t->puts, c * sizeof(*v));

		if (!v) {
			(void)unlink(tmp);
			return eg_fail(e, EG_ENOMEM, "out of memory");
		}
		t->puts = v;
		t->capputs = c;
	}
	pp = &t->puts[t->nputs++];
	/* all three came from join() or the caller's PATH_MAX buffers */
	snprintf(pp->tmp, sizeof(pp->tmp), "%s", tmp);
	snprintf(pp->dst, sizeof(pp->dst), "%s", dst);
	snprintf(pp->src, sizeof(pp->src), "%s", src);
	return EG_OK;
}

/* Give the synced tmp its final name dst, unless dst appeared meanwhile. */
static eg_err
publish(const local *t, const char *local_path, const char *tmp,
	const char *dst, eg_error *e)
{
	eg_err rc;
	int there;

	if (link(tmp, dst) == 0)
		return unlink_gone_ok(t, tmp, e);
	if (errno == EEXIST) {
		rc = already_there(t, local_path, dst, &there, e);
		unlink(tmp);
		return rc;
	}
	if (!no_links(errno))
		rc = eg_fail(e, EG_EIO, "partner %s: cannot publish %s: %s",
			     t->id, dst, strerror(errno));
	else if (rename(tmp, dst) != 0) /* checked free just before */
		rc = eg_fail(e, EG_EIO, "partner %s: cannot publish %s: %s",
			     t->id, dst, strerror(errno));
	else
		return EG_OK;
	unlink(tmp);
	return rc;
}

static eg_err
local_put(eg_transport *tr, const char *local_path, const char *name,
	  eg_error *e)
{
	local *t = (local *)tr;
	char tmp[PATH_MAX], dst[PATH_MAX];
	eg_err rc;
	int there;

	if (!plain_name(name))
		return eg_fail(e, EG_EINVAL,
			       "partner %s: bad outbox file name '%s'", t->id,
			       name ? name : "");
	if (!t->outbox)
		return eg_fail(e, EG_ECONFIG, "partner %s: no outbox folder",
			       t->id);
	if ((rc = join(dst, sizeof(dst), t, t->outbox, NULL, name, NULL, e)) !=
		EG_OK ||
	    (rc = join(tmp, sizeof(tmp), t, t->outbox, ".", name, ".part",
		       e)) != EG_OK)
		return rc;
	if (!t->outbox_made) {
		rc = eg_mkdirs(t->outbox, e);
		if (rc != EG_OK)
			return rc;
		t->outbox_made = 1;
	}
	rc = already_there(t, local_path, dst, &there, e);
	if (rc != EG_OK)
		return rc;
	if (there) {
		/* an earlier try died between link and unlink: its temporary
		 * name goes; the final name may not be durable yet */
		if ((rc = unlink_gone_ok(t, tmp, e)) != EG_OK)
			return rc;
		return sync_dir(t, t->outbox, e);
	}
	if (t->base.batched) {
		size_t i;

		/* queued already in this batch: the same delivery */
		for (i = 0; i < t->nputs; i++)
			if (!strcmp(t->puts[i].dst, dst))
				return strcmp(t->puts[i].src, local_path)
					   ? eg_fail(e, EG_EIO,
						     "partner %s: two files for "
						     "%s in one batch",
						     t->id, dst)
					   : EG_OK;
	}
	rc = copy_to(t, local_path, tmp, e);
	if (rc != EG_OK)
		return rc;
	if (t->base.batched)
		return defer_put(t, tmp, dst, local_path, e);
	rc = publish(t, local_path, tmp, dst, e);
	if (rc != EG_OK)
		return rc;
	return sync_dir(t, t->outbox, e);
}

/* The file systems of dirs that are set, each synced once. */
static eg_err
sync_dirs(const local *t, const char *const *dirs, size_t n, eg_error *e)
{
	dev_t done[4];
	size_t i, j, nd = 0;
	struct stat st;
	eg_err rc;

	for (i = 0; i < n && nd < 4; i++) {
		if (!dirs[i])
			continue;
		if (stat(dirs[i], &st) != 0)
			return eg_fail(e, EG_EIO, "partner %s: %s: %s", t->id,
				       dirs[i], strerror(errno));
		for (j = 0; j < nd && done[j] != st.st_dev; j++)
			;
		if (j < nd)
			continue;
		if ((rc = eg_sync_fs(dirs[i], e)) != EG_OK)
			return rc;
		done[nd++] = st.st_dev;
	}
	return EG_OK;
}

/*
 * Batched mode: make the puts' bytes durable, give them their final
 * names, and make those names and the posts' unlinks and moves durable.
 * Every pending put is published even when one fails (the first error
 * is returned; the caller retries the batch, and put recognises what
 * already arrived).
 */
static eg_err
local_sync(eg_transport *tr, eg_error *e)
{
	local *t = (local *)tr;
	const char *dirs[3];
	eg_error fe;
	eg_err rc = EG_OK, frc;
	size_t i, n = 0;

	if (t->nputs > 0) {
		dirs[0] = t->outbox;
		if ((rc = sync_dirs(t, dirs, 1, e)) != EG_OK)
			return rc;
		for (i = 0; i < t->nputs; i++) {
			pending_put *pp = &t->puts[i];

			eg_error_clear(&fe);
			frc = publish(t, pp->src, pp->tmp, pp->dst, &fe);
			if (frc != EG_OK && rc == EG_OK) {
				*e = fe;
				rc = frc;
			}
		}
		t->nputs = 0;
		t->outbox_dirty = 1;
	}
	/* the new names first (outbox, move-to), then the inbox's unlinks */
	if (t->outbox_dirty)
		dirs[n++] = t->outbox;
	if (t->move_dirty)
		dirs[n++] = t->move_to;
	if (t->inbox_dirty)
		dirs[n++] = t->inbox;
	frc = sync_dirs(t, dirs, n, rc == EG_OK ? e : &fe);
	if (frc == EG_OK)
		t->outbox_dirty = t->move_dirty = t->inbox_dirty = 0;
	return rc != EG_OK ? rc : frc;
}

const eg_transport_ops eg_transport_local = {
    .name = "local",
    .open = local_open,
    .list = local_list,
    .fetch = local_fetch,
    .post = local_post,
    .put = local_put,
    .sync = local_sync,
    .close = local_close,
};
