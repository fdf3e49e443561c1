/*
 * sftp_put.c - delivery to an SFTP outbox: the bytes go to a temporary
 * ".NAME.part" (created 0644, a cut upload's leftover removed first),
 * synced with fsync@openssh.com where offered, closed (the server's close
 * reports a late write error), then renamed to NAME and its size checked.
 *
 * What must always hold: never a partial file under the final name; a
 * file already there with other bytes is replaced only with
 * <outbox if-exists="replace">; the same bytes there count as delivered
 * (a retry); a server refusing the bytes (no space, size limit, quota,
 * an upload it removed after the close) fails this delivery alone, of
 * the permission class, and no .part is left behind while the session
 * works.
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

static int
plain_name(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

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

/*
 * *same = the remote file dst holds local fd's bytes (fd is rewound).
 * Only reached when dst is already there, which is rare: a retry after
 * a crash that delivered, or the partner not yet collecting.
 */
static eg_err
same_remote(sftp *t, int fd, const char *local_path, const char *dst,
	    uint64_t size, int *same, eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;
	unsigned char *lb = NULL;
	uint64_t got = 0;
	eg_err rc = EG_OK;
	ssize_t r, lr;
	size_t want;

	*same = 0;
	h = libssh2_sftp_open_ex(t->c.sftp, dst, (unsigned)strlen(dst),
				 LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
	if (!h)
		return eg_sftp_ssh_fail(&t->c, e, "cannot open %s", dst);
	lb = malloc(RDBUF + 1);
	if (!lb) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		rc = eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
			     t->c.id, local_path, strerror(errno));
		goto out;
	}
	for (;;) {
		/* one byte past the local size shows a longer remote file */
		want = size - got < RDBUF ? (size_t)(size - got) + 1 : RDBUF;
		r = libssh2_sftp_read(h, (char *)t->buf, want);
		if (r < 0) {
			rc = eg_sftp_ssh_fail(&t->c, e, "cannot read %s", dst);
			goto out;
		}
		lr = read_full(fd, lb, (size_t)r);
		if (lr != r || memcmp(lb, t->buf, (size_t)r) != 0)
			goto out;
		got += (uint64_t)r;
		if (r == 0)
			break;
	}
	*same = got == size;
out:
	free(lb);
	eg_sftp_close_handle(h);
	if (lseek(fd, 0, SEEK_SET) != 0 && rc == EG_OK)
		rc = eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
			     t->c.id, local_path, strerror(errno));
	return rc;
}

/*
 * A write, sync or close of an upload that the server refused.  SFTP v3
 * has no status for a full disk, a size limit or a quota: OpenSSH and
 * ProFTPD both say "failure" (v3) or "no space" / "quota exceeded"
 * (later versions).  Either is the server's side refusing the bytes,
 * the permission class (not retried within the run), never a protocol
 * fault worth a new session.
 */
eg_err
eg_sftp_write_fail(sftp *t, const char *what, const char *tmp, eg_error *e)
{
	unsigned long st = t->c.broken ? 0 : eg_sftp_fx_status(&t->c);

	if (st == LIBSSH2_FX_FAILURE || st == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ||
	    st == LIBSSH2_FX_QUOTA_EXCEEDED)
		return eg_sftp_fail(e, C_PERM, t->c.id,
			    "cannot %s %s: the server refused the bytes (%s: "
			    "its disk full, a size limit or a quota); not "
			    "delivered",
			    what, tmp, eg_sftp_fx_name(st));
	return eg_sftp_ssh_fail(&t->c, e, "cannot %s %s", what, tmp);
}

/* Write n bytes; libssh2 pipelines the requests one call covers. */
static eg_err
write_all_remote(sftp *t, LIBSSH2_SFTP_HANDLE *h, const unsigned char *p,
		 size_t n, const char *tmp, eg_error *e)
{
	ssize_t w;

	while (n > 0) {
		w = libssh2_sftp_write(h, (const char *)p, n);
		if (w < 0)
			return eg_sftp_write_fail(t, "write", tmp, e);
		p += w;
		n -= (size_t)w;
	}
	return EG_OK;
}

/* Create tmp for writing.  A leftover of a cut upload may be there: a
 * server that does not allow overwriting (ProFTPD's AllowOverwrite off,
 * its default) refuses to truncate it, so it is removed and the create
 * tried once more. */
LIBSSH2_SFTP_HANDLE *
eg_sftp_create_tmp(sftp *t, const char *tmp)
{
	const unsigned long fl = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				 LIBSSH2_FXF_TRUNC;
	LIBSSH2_SFTP_HANDLE *h;

	h = libssh2_sftp_open_ex(t->c.sftp, tmp, (unsigned)strlen(tmp), fl,
				 0644, LIBSSH2_SFTP_OPENFILE);
	if (h || t->c.broken || !eg_sftp_fx_status(&t->c) ||
	    eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) == C_NOTFOUND)
		return h;
	if (libssh2_sftp_unlink_ex(t->c.sftp, tmp, (unsigned)strlen(tmp)) != 0)
		return NULL; /* the first refusal is the one to report */
	return libssh2_sftp_open_ex(t->c.sftp, tmp, (unsigned)strlen(tmp), fl,
				    0644, LIBSSH2_SFTP_OPENFILE);
}

/* The bytes the server holds of the upload, before it is published: on
 * a full disk ProFTPD 1.3.8 answers a short write with OK and drops the
 * rest, so a refusal it never sent would otherwise be renamed into
 * place as a truncated delivery. */
static eg_err
check_kept(sftp *t, LIBSSH2_SFTP_HANDLE *h, const char *tmp, uint64_t size,
	   eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;

	memset(&a, 0, sizeof(a));
	if (libssh2_sftp_fstat(h, &a) != 0)
		return eg_sftp_ssh_fail(&t->c, e, "cannot stat %s", tmp);
	if ((a.flags & LIBSSH2_SFTP_ATTR_SIZE) && a.filesize != size)
		return eg_sftp_fail(e, C_PERM, t->c.id,
			    "cannot write %s: the server kept %llu of its %llu "
			    "bytes without a refusal (its disk full?); not "
			    "delivered",
			    tmp, (unsigned long long)a.filesize,
			    (unsigned long long)size);
	return EG_OK;
}

/* Upload fd (size bytes) to the new file tmp, synced where the server
 * can. */
static eg_err
upload(sftp *t, int fd, const char *local_path, uint64_t size,
       const char *tmp, eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;
	uint64_t sent = 0;
	eg_err rc = EG_OK;
	ssize_t r;

	h = eg_sftp_create_tmp(t, tmp);
	if (!h)
		return eg_sftp_ssh_fail(&t->c, e, "cannot create %s", tmp);
	for (;;) {
		r = read_full(fd, t->buf, IOBUF);
		if (r < 0) {
			rc = eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
				     t->c.id, local_path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		sent += (uint64_t)r;
		rc = write_all_remote(t, h, t->buf, (size_t)r, tmp, e);
		if (rc != EG_OK)
			goto out;
	}
	if (sent != size) {
		rc = eg_fail(e, EG_EIO,
			     "partner %s: %s changed while sent (%llu bytes, "
			     "then %llu)",
			     t->c.id, local_path, (unsigned long long)size,
			     (unsigned long long)sent);
		goto out;
	}
	if (!t->no_fsync && libssh2_sftp_fsync(h) != 0) {
		if (eg_sftp_fx_status(&t->c) == LIBSSH2_FX_OP_UNSUPPORTED)
			t->no_fsync = 1; /* not offered: rename is all we have */
		else
			rc = eg_sftp_write_fail(t, "sync", tmp, e);
	}
	if (rc == EG_OK)
		rc = check_kept(t, h, tmp, size, e);
out:
	if (rc == EG_OK) {
		/* the server's close reports a late write error */
		if (libssh2_sftp_close_handle(h) != 0)
			rc = eg_sftp_write_fail(t, "write", tmp, e);
	} else {
		eg_sftp_close_handle(h);
	}
	/* no partial upload left behind where the session still works
	 * (a lost session's leftover is removed by the next create) */
	if (rc != EG_OK && !t->c.broken) {
		eg_error scratch;

		eg_error_clear(&scratch);
		(void)eg_sftp_unlink_gone_ok(t, tmp, &scratch);
	}
	return rc;
}

/*
 * The rename of tmp found no tmp: the server took the upload away after
 * its close, which quota modules do (ProFTPD's mod_quotatab deletes an
 * upload that took the user over quota).  A failed delivery of this
 * file, of the permission class; not a path error of the profile.
 */
static eg_err
upload_gone(sftp *t, const char *tmp, eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	eg_err rc;
	int gone;

	rc = eg_sftp_rstat(t, tmp, &a, &gone, e);
	if (rc != EG_OK)
		return rc;
	if (!gone)
		return eg_sftp_ssh_fail(&t->c, e, "cannot rename %s", tmp);
	return eg_sftp_fail(e, C_PERM, t->c.id,
		    "%s was accepted, then removed by the server before it "
		    "could be renamed (a quota on the server's side?); not "
		    "delivered",
		    tmp);
}

/*
 * Give tmp its final name dst.  The rename does not replace a file
 * already there unless the profile says so (SFTP v3 servers such as
 * OpenSSH never do; a v5+ server is asked not to): then we look, and
 * the same bytes there already are a delivery by an earlier try (the
 * new copy is dropped); others are replaced only when the profile says
 * so.  So put needs no look at dst before it uploads.
 */
static eg_err
publish(sftp *t, int fd, const char *local_path, uint64_t size,
	const char *tmp, const char *dst, eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	const long flags = (t->c.p->outbox_replace
				? LIBSSH2_SFTP_RENAME_OVERWRITE
				: 0) |
			   LIBSSH2_SFTP_RENAME_ATOMIC |
			   LIBSSH2_SFTP_RENAME_NATIVE;
	eg_err rc;
	int gone, same;

	if (libssh2_sftp_rename_ex(t->c.sftp, tmp, (unsigned)strlen(tmp), dst,
				   (unsigned)strlen(dst), flags) == 0)
		return EG_OK;
	if (!t->c.broken && eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) == C_NOTFOUND &&
	    eg_sftp_fx_status(&t->c))
		return upload_gone(t, tmp, e);
	if (t->c.broken || !eg_sftp_fx_status(&t->c))
		return eg_sftp_ssh_fail(&t->c, e, "cannot rename %s to %s", tmp, dst);
	if (eg_sftp_fx_class(eg_sftp_fx_status(&t->c)) != C_PROTO) {
		/* refused (permission denied): the upload goes too */
		eg_error scratch;

		rc = eg_sftp_ssh_fail(&t->c, e, "cannot rename %s to %s", tmp, dst);
		eg_error_clear(&scratch);
		(void)eg_sftp_unlink_gone_ok(t, tmp, &scratch);
		return rc;
	}
	rc = eg_sftp_rstat(t, dst, &a, &gone, e);
	if (rc != EG_OK)
		return rc;
	if (gone)
		return eg_sftp_fail(e, C_PROTO, t->c.id,
			    "cannot rename %s to %s: the server refused", tmp,
			    dst);
	rc = same_remote(t, fd, local_path, dst, size, &same, e);
	if (rc != EG_OK)
		return rc;
	if (same)
		return eg_sftp_unlink_gone_ok(t, tmp, e);
	if (!t->c.p->outbox_replace) {
		eg_error scratch;

		eg_error_clear(&scratch); /* e is for the refusal below */
		eg_sftp_unlink_gone_ok(t, tmp, &scratch);
		return eg_sftp_fail(e, C_PERM, t->c.id,
			    "%s is there already with other content and the "
			    "server does not rename over it; not replaced "
			    "(<outbox if-exists=\"replace\"> allows it)",
			    dst);
	}
	/* a moment without dst, never a partial dst */
	rc = eg_sftp_unlink_gone_ok(t, dst, e);
	if (rc != EG_OK)
		return rc;
	if (libssh2_sftp_rename_ex(t->c.sftp, tmp, (unsigned)strlen(tmp), dst,
				   (unsigned)strlen(dst), flags) != 0)
		return eg_sftp_ssh_fail(&t->c, e, "cannot rename %s to %s", tmp, dst);
	return EG_OK;
}

eg_err
eg_sftp_do_put(eg_transport *tr, const char *local_path, const char *name,
	 eg_error *e)
{
	sftp *t = (sftp *)tr;
	const eg_profile *p = t->c.p;
	char tmp[RPATH], dst[RPATH], done[RPATH];
	LIBSSH2_SFTP_ATTRIBUTES a;
	LIBSSH2_SFTP_HANDLE *h;
	struct stat st;
	eg_err rc;
	int fd, gone;

	if (!plain_name(name))
		return eg_fail(e, EG_EINVAL, "partner %s: bad outbox file name '%s'",
			       t->c.id, name ? name : "");
	if (!eg_tp_is_set(p->outbox))
		return eg_fail(e, EG_ECONFIG, "partner %s: no outbox folder",
			       t->c.id);
	if ((rc = eg_sftp_rjoin(dst, sizeof(dst), &t->c, p->outbox, NULL, name, NULL,
			e)) != EG_OK ||
	    (rc = eg_sftp_rjoin(tmp, sizeof(tmp), &t->c, p->outbox, ".", name, ".part",
			e)) != EG_OK)
		return rc;
	fd = open(local_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "partner %s: cannot open %s: %s", t->c.id,
			       local_path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = eg_fail(e, EG_EIO, "partner %s: cannot stat %s: %s",
			     t->c.id, local_path, strerror(errno));
		goto out;
	}
	/* A delivery by an earlier try that died before its ledger entry
	 * is found by publish, when the rename finds dst taken: a look at
	 * dst first would cost every put a round trip. */
	rc = upload(t, fd, local_path, (uint64_t)st.st_size, tmp, e);
	if (rc != EG_OK)
		goto out;
	rc = publish(t, fd, local_path, (uint64_t)st.st_size, tmp, dst, e);
	if (rc != EG_OK)
		goto out;
	rc = eg_sftp_rstat(t, dst, &a, &gone, e);
	if (rc != EG_OK)
		goto out;
	if (gone || a.filesize != (uint64_t)st.st_size) {
		rc = eg_sftp_fail(e, C_PROTO, t->c.id,
			  "%s has %llu bytes after the upload, not %llu", dst,
			  gone ? 0ULL : (unsigned long long)a.filesize,
			  (unsigned long long)st.st_size);
		goto out;
	}
	if (!eg_tp_is_set(p->outbox_done_suffix))
		goto out;
	rc = eg_sftp_rjoin(done, sizeof(done), &t->c, p->outbox, NULL, name,
		   p->outbox_done_suffix, e);
	if (rc != EG_OK)
		goto out;
	h = libssh2_sftp_open_ex(t->c.sftp, done, (unsigned)strlen(done),
				 LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				     LIBSSH2_FXF_TRUNC,
				 0644, LIBSSH2_SFTP_OPENFILE);
	if (!h || libssh2_sftp_close_handle(h) != 0)
		rc = eg_sftp_ssh_fail(&t->c, e, "cannot create %s", done);
out:
	close(fd);
	return rc;
}

