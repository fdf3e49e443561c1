/*
 * sftp_probe.c - `edigate partner probe`: what a partner's server offers
 * (sftp.h), found out without changing anything there but the probe's
 * own files in the outbox, which it removes: a file created as
 * deliveries create theirs, renamed to a fresh name as deliveries are,
 * and (for the record) renamed over a second one.
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

/* ---- the probe ------------------------------------------------------------ */

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Read exactly n bytes from ch. */
static int
chan_read(LIBSSH2_CHANNEL *ch, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = libssh2_channel_read(ch, (char *)p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The server's SFTP version and extension names, read from its
 * SSH_FXP_VERSION on a channel of our own (libssh2 reads that packet
 * but keeps the extensions to itself).
 */
static void
probe_extensions(conn *c, eg_sftp_probe_result *r)
{
	/* SSH_FXP_INIT, version 3 */
	static const unsigned char init[] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
	unsigned char hdr[4], *pkt = NULL;
	LIBSSH2_CHANNEL *ch;
	uint32_t len, off, sl;
	size_t n;

	ch = libssh2_channel_open_session(c->ss);
	if (!ch)
		return;
	if (libssh2_channel_subsystem(ch, "sftp") != 0 ||
	    libssh2_channel_write(ch, (const char *)init, sizeof(init)) !=
		(ssize_t)sizeof(init) ||
	    chan_read(ch, hdr, 4) != 0)
		goto out;
	len = get32(hdr);
	if (len < 5 || len > 65536 || !(pkt = malloc(len)) ||
	    chan_read(ch, pkt, len) != 0 || pkt[0] != 2)
		goto out;
	r->sftp_version = (int)get32(pkt + 1);
	r->fsync = r->posix_rename = 0;
	for (off = 5; off + 4 <= len;) {
		sl = get32(pkt + off);
		if (sl > len - off - 4)
			break;
		if ((sl == 17 && !memcmp(pkt + off + 4, "fsync@openssh.com", 17)))
			r->fsync = 1;
		if (sl == 24 &&
		    !memcmp(pkt + off + 4, "posix-rename@openssh.com", 24))
			r->posix_rename = 1;
		n = strlen(r->extensions);
		snprintf(r->extensions + n, sizeof(r->extensions) - n, "%s%.*s",
			 n ? " " : "", (int)sl, (const char *)pkt + off + 4);
		off += 4 + sl;
		if (off + 4 > len)
			break;
		off += 4 + get32(pkt + off); /* the extension's data */
	}
out:
	free(pkt);
	libssh2_channel_close(ch);
	libssh2_channel_free(ch);
}

/*
 * Can dir be listed?  1 or 0, with the reason in err; *files = its
 * regular files that are not dotfiles, *matching = those of them list
 * would consider (pattern, exclude, temp and done names), when wanted.
 */
static int
probe_list(sftp *t, const char *dir, char *err, size_t cap, long *files,
	   long *matching)
{
	const eg_profile *p = t->c.p;
	eg_error e;
	ents d = {0};
	eg_err rc;
	size_t i;

	eg_error_clear(&e);
	rc = eg_sftp_read_dir(t, dir, &d, &e);
	for (i = 0; rc == EG_OK && i < d.n; i++) {
		const ent *x = &d.v[i];

		if (x->name[0] == '.' || !eg_sftp_is_reg(&x->a))
			continue;
		(*files)++;
		if (matching && eg_transport_name_ok(p, x->name) &&
		    !eg_tp_ends_with(x->name, p->temp_suffix) &&
		    !eg_tp_ends_with(x->name, p->done_suffix))
			(*matching)++;
	}
	eg_sftp_ents_free(&d);
	if (rc != EG_OK)
		snprintf(err, cap, "%s", e.msg);
	return rc == EG_OK;
}

/* A probe file made as deliveries make theirs: mode 0644 (a server that
 * refuses chmod may refuse another mode), written, closed. */
static eg_err
probe_file(sftp *t, const char *path, int want_fsync, int *fsync_ok,
	   eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;

	h = eg_sftp_create_tmp(t, path);
	if (!h)
		return eg_sftp_ssh_fail(&t->c, e, "cannot create %s", path);
	if (libssh2_sftp_write(h, "probe\n", 6) != 6) {
		eg_sftp_write_fail(t, "write", path, e);
		eg_sftp_close_handle(h);
		return EG_EIO;
	}
	if (want_fsync)
		*fsync_ok = libssh2_sftp_fsync(h) == 0;
	if (libssh2_sftp_close_handle(h) != 0)
		return eg_sftp_write_fail(t, "write", path, e);
	return EG_OK;
}

/* Remove a probe file; a refusal is noted in r (once). */
static void
probe_unlink(sftp *t, const char *path, eg_sftp_probe_result *r)
{
	eg_error e;

	eg_error_clear(&e);
	if (eg_sftp_unlink_gone_ok(t, path, &e) == EG_OK)
		return;
	if (r->outbox_delete != 0)
		snprintf(r->delete_err, sizeof(r->delete_err), "%s", e.msg);
	r->outbox_delete = 0;
}

/*
 * What a delivery needs of the outbox, step by step as a delivery does
 * it: create and write a file (.a), rename it to a fresh name (.c: a
 * server that refuses renames cannot take a single delivery), then, for
 * the record, whether a rename replaces an existing file (.c over .b)
 * and whether files can be removed (the probe files; also what clears a
 * cut upload's leftover on a server that does not overwrite).
 */
static void
probe_outbox(sftp *t, eg_sftp_probe_result *r)
{
	char a[RPATH], b[RPATH], c[RPATH], name[64];
	eg_error e;
	int fsync_ok = -1;

	eg_error_clear(&e);
	snprintf(name, sizeof(name), "edigate-probe-%ld", (long)getpid());
	if (eg_sftp_rjoin(a, sizeof(a), &t->c, t->c.p->outbox, ".", name, ".a", &e) ||
	    eg_sftp_rjoin(b, sizeof(b), &t->c, t->c.p->outbox, ".", name, ".b", &e) ||
	    eg_sftp_rjoin(c, sizeof(c), &t->c, t->c.p->outbox, ".", name, ".c", &e) ||
	    probe_file(t, a, 1, &fsync_ok, &e) != EG_OK) {
		r->outbox_write = 0;
		snprintf(r->write_err, sizeof(r->write_err), "%s", e.msg);
		probe_unlink(t, a, r);
		return;
	}
	r->outbox_write = 1;
	r->outbox_delete = 1;
	if (fsync_ok == 1)
		r->fsync = 1;
	if (eg_sftp_rename_new(t, a, c) != 0) {
		r->outbox_rename = 0;
		eg_sftp_ssh_fail(&t->c, &e, "cannot rename %s to the new name %s", a, c);
		snprintf(r->rename_err, sizeof(r->rename_err), "%s", e.msg);
		probe_unlink(t, a, r);
		return;
	}
	r->outbox_rename = 1;
	if (probe_file(t, b, 0, NULL, &e) == EG_OK)
		r->rename_over =
		    libssh2_sftp_rename_ex(t->c.sftp, c, (unsigned)strlen(c), b,
					   (unsigned)strlen(b),
					   LIBSSH2_SFTP_RENAME_OVERWRITE |
					       LIBSSH2_SFTP_RENAME_ATOMIC |
					       LIBSSH2_SFTP_RENAME_NATIVE) == 0;
	probe_unlink(t, c, r);
	probe_unlink(t, b, r);
}

eg_err
eg_sftp_probe(const eg_profile *p, const char *home, eg_sftp_probe_result *r,
	      eg_error *e)
{
	sftp t;
	const char *s;
	eg_err rc;

	memset(r, 0, sizeof(*r));
	r->sftp_version = r->fsync = r->posix_rename = r->rename_over = -1;
	r->inbox_list = r->outbox_list = r->outbox_write = -1;
	r->outbox_rename = r->outbox_delete = -1;
	r->inbox_files = r->inbox_matching = r->outbox_files = -1;
	memset(&t, 0, sizeof(t));
	t.base.ops = &eg_transport_sftp;
	t.buf = NULL;
	rc = eg_sftp_conn_open(&t.c, p, home, 0, e);
	snprintf(r->host_key_type, sizeof(r->host_key_type), "%s",
		 t.c.key_type);
	snprintf(r->fingerprint, sizeof(r->fingerprint), "%s", t.c.fpr);
	snprintf(r->auth_methods, sizeof(r->auth_methods), "%s", t.c.methods);
	snprintf(r->host_key_line, sizeof(r->host_key_line), "%s",
		 t.c.key_line ? t.c.key_line : "");
	if (t.c.ss && t.c.fpr[0]) {
		s = libssh2_session_methods(t.c.ss, LIBSSH2_METHOD_KEX);
		snprintf(r->kex, sizeof(r->kex), "%s", s ? s : "");
		s = libssh2_session_methods(t.c.ss, LIBSSH2_METHOD_CRYPT_CS);
		snprintf(r->cipher, sizeof(r->cipher), "%s", s ? s : "");
	}
	r->host_key_trusted = t.c.key_ok;
	if (rc != EG_OK)
		goto out;
	probe_extensions(&t.c, r);
	t.c.sftp = libssh2_sftp_init(t.c.ss);
	if (!t.c.sftp) {
		rc = eg_sftp_ssh_fail(&t.c, e, "starting SFTP on %s", t.c.hostlabel);
		goto out;
	}
	if (eg_tp_is_set(p->inbox)) {
		r->inbox_files = r->inbox_matching = 0;
		r->inbox_list = probe_list(&t, p->inbox, r->inbox_err,
					   sizeof(r->inbox_err), &r->inbox_files,
					   &r->inbox_matching);
		if (!r->inbox_list)
			r->inbox_files = r->inbox_matching = -1;
	}
	if (eg_tp_is_set(p->outbox)) {
		r->outbox_files = 0;
		r->outbox_list = probe_list(&t, p->outbox, r->outbox_err,
					    sizeof(r->outbox_err),
					    &r->outbox_files, NULL);
		if (!r->outbox_list)
			r->outbox_files = -1;
		probe_outbox(&t, r);
	}
out:
	eg_sftp_conn_close(&t.c);
	return rc;
}
