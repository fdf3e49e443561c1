/*
 * sftp.h - what the SFTP transport (transport_sftp.c) offers beyond the
 * transport vtable: the class of an SFTP error, and the onboarding probe
 * behind `edigate partner probe ID`.
 *
 * Every SFTP error message starts with "sftp CLASS: ", CLASS one of
 * connect, host-key, auth, permission, not-found, protocol, timeout.
 * The eg_err code follows the class: connect, timeout, protocol and
 * permission are EG_EIO (retry later), host-key and auth EG_ECONFIG (a
 * person must act), not-found EG_ENOTFOUND.
 */
#ifndef EDIGATE_SFTP_H
#define EDIGATE_SFTP_H

#include "edigate/err.h"
#include "edigate/profile.h"

/* The class word of an SFTP error ("host-key"), or NULL when e is not
 * one.  Points into a static table. */
const char *eg_sftp_error_class(const eg_error *e);

/* What a server offers; -1 in the int fields means "not found out". */
typedef struct eg_sftp_probe_result {
	char host_key_type[16]; /* as OpenSSH names it: "ED25519", "ECDSA" */
	char fingerprint[64];   /* "SHA256:..." as OpenSSH prints it */
	int host_key_trusted;   /* known_hosts / pinned fingerprint matched */
	char kex[48], cipher[48]; /* negotiated, client to server */
	char auth_methods[128]; /* what the server offers: "publickey,password" */
	int sftp_version;       /* from the server's SSH_FXP_VERSION */
	char extensions[512];   /* the extensions it names, space-separated */
	int fsync;              /* fsync@openssh.com offered */
	int posix_rename;       /* posix-rename@openssh.com offered */
	int rename_over;        /* plain rename over an existing file works */
	int inbox_list, outbox_list;
	/* the outbox steps of a delivery: create and write a file (0644, as
	 * deliveries), rename it to a fresh name, remove it */
	int outbox_write, outbox_rename, outbox_delete;
	/* what the listings held, -1 when not listed: regular files not
	 * starting with "."; of the inbox's, those the profile's pattern,
	 * exclude, temp-suffix and done-suffix let through (complete or
	 * not: stable-for and done-files are the run's to judge) */
	long inbox_files, inbox_matching, outbox_files;
	/* the offered key as a known_hosts line ("[host]:port ssh-ed25519
	 * AAAA..."), empty when the handshake did not get there */
	char host_key_line[2048];
	char inbox_err[EG_ERRMSG_MAX], outbox_err[EG_ERRMSG_MAX],
	    write_err[EG_ERRMSG_MAX], rename_err[EG_ERRMSG_MAX],
	    delete_err[EG_ERRMSG_MAX]; /* why a step failed */
} eg_sftp_probe_result;

/*
 * Connect to the profile's server, check its host key, log in, and find
 * out what it offers (see eg_sftp_probe_result).  Changes nothing on the
 * server but its probe files ".edigate-probe-PID.a/.b/.c" in the outbox,
 * which it removes (unless the server refuses).  Returns EG_OK once logged in, whatever the later
 * steps found (their errors are in r); a connect, host-key or auth
 * failure is returned with r filled as far as it got (the host key and
 * fingerprint are there whenever the handshake completed).
 */
eg_err eg_sftp_probe(const eg_profile *p, const char *home,
		     eg_sftp_probe_result *r, eg_error *e) EG_MUST_USE;

#endif
