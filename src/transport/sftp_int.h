/*
 * sftp_int.h - what the SFTP modules share (libssh2 types stay here,
 * never in a public header):
 *   sftp_conn.c       errors and their classes, connecting, host keys,
 *                     login, a clean goodbye;
 *   transport_sftp.c  the transport: list, fetch, post, and the
 *                     operations' wrapper (an idle session is checked
 *                     and, when the server dropped it, reopened);
 *   sftp_put.c        delivery: upload under a temporary name, publish;
 *   sftp_probe.c      `edigate partner probe`.
 * The invariants are listed in transport_sftp.c.
 */
#ifndef EDIGATE_SFTP_INT_H
#define EDIGATE_SFTP_INT_H

#include <poll.h>
#include <stdint.h>
#include <time.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "edigate/sftp.h"
#include "edigate/transport.h"

#ifndef POLLRDHUP /* Linux's "peer closed its side", in <poll.h> with
		    * _GNU_SOURCE */
#define POLLRDHUP 0x2000
#endif

/* One write call hands libssh2 this much: it splits it into ~30 kB
 * SFTP requests and keeps them all in flight, so a large buffer is what
 * makes transfers pipelined rather than one round-trip each. */
#define IOBUF (2 * 1024 * 1024)
/* A read call asks for at most this much.  libssh2 1.10 keeps four
 * times what a read call asks for in flight (read-ahead): 2 MiB, what
 * OpenSSH's sftp keeps in flight (64 requests of 32 kB).  More only
 * costs memory and cache misses; and a read never asks for more than
 * the file has left, else a small file costs a storm of requests past
 * its end. */
#define RDBUF (512 * 1024)
#define RPATH 4096          /* remote paths we build or read back */
#define SECRET_MAX 1024
#define MAX_SAME_NAME 10000 /* name.1 ... in move-to before we give up */

enum cls { C_CONNECT, C_HOSTKEY, C_AUTH, C_PERM, C_NOTFOUND, C_PROTO,
	   C_TIMEOUT, C_N };

/* One SSH connection with its SFTP session. */
typedef struct conn {
	const eg_profile *p; /* borrowed */
	const char *id;      /* partner id, for messages */
	char *key_file, *known_hosts; /* resolved against home, or NULL */
	char *home;
	char hostlabel[300]; /* "host" or "[host]:port", as known_hosts has it */
	long timeout_ms;
	int sock;
	LIBSSH2_SESSION *ss;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_KNOWNHOSTS *kh;
	char *revoked;       /* "\n"-separated base64 keys from @revoked lines */
	char *key_line;      /* the offered key as a known_hosts line */
	int broken;          /* timed out or lost: never talk on it again */
	int key_ok;          /* the host key passed the check */
	char key_type[16], fpr[64], methods[128];
} conn;

typedef struct sftp {
	struct eg_transport base; /* first: the caller reaches ops here */
	conn c;
	time_t now;     /* the run's clock, for stable-for */
	char *inbox;    /* as the server resolves it: the ledger's key */
	unsigned char *buf;
	int no_fsync;   /* the server said fsync@openssh.com is unsupported */
	long long last_ms; /* when the session was last used (mono_ms) */
} sftp;

/* A session idle this long is checked with a round trip before it is
 * used again: servers with client-alive checks drop a client that
 * stays silent (edigate processing what it pulled). */
#define IDLE_CHECK_MS 1000

typedef struct ent {
	char *name;
	LIBSSH2_SFTP_ATTRIBUTES a;
} ent;

typedef struct ents {
	ent *v;
	size_t n, cap;
} ents;

/* ---- sftp_conn.c ------------------------------------------------------- */

/* Fill e with "sftp CLASS: partner ID: ..." and return the class's
 * eg_err. */
eg_err eg_sftp_fail(eg_error *e, enum cls k, const char *id, const char *fmt,
		    ...) EG_PRINTF(4, 5);
/* The error of the last libssh2 call on c, classified, after what
 * failed; a session-level error marks c broken. */
eg_err eg_sftp_ssh_fail(conn *c, eg_error *e, const char *fmt, ...)
	EG_PRINTF(3, 4);
/* The raw status of the last SFTP reply, 0 when the last error was not
 * one; its class; its name. */
unsigned long eg_sftp_fx_status(const conn *c);
enum cls eg_sftp_fx_class(unsigned long st);
const char *eg_sftp_fx_name(unsigned long st);
/* Never talk on c again (its socket is shut down). */
void eg_sftp_set_broken(conn *c);
/* dst = dir/<pre>name<suf>, or EG_ELIMIT. */
eg_err eg_sftp_rjoin(char *dst, size_t cap, const conn *c, const char *dir,
		     const char *pre, const char *name, const char *suf,
		     eg_error *e);
long long eg_sftp_mono_ms(void);
/* Connect, check the host key, log in, and start SFTP (want_sftp).  On
 * failure c is left for eg_sftp_conn_close, with the host key's type and
 * fingerprint when the handshake got there.  p is borrowed. */
eg_err eg_sftp_conn_open(conn *c, const eg_profile *p, const char *home,
			 int want_sftp, eg_error *e);
/* Free c; a sound session ends with an SSH disconnect, read to the
 * server's close. */
void eg_sftp_conn_close(conn *c);

/* ---- transport_sftp.c --------------------------------------------------- */

/* stat (lstat) path; *gone = 1 (and EG_OK) when it is not there. */
eg_err eg_sftp_rstat(sftp *t, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a,
		     int *gone, eg_error *e);
/* Remove path; one already gone is fine. */
eg_err eg_sftp_unlink_gone_ok(sftp *t, const char *path, eg_error *e);
/* Rename without replacing; libssh2's return. */
int eg_sftp_rename_new(sftp *t, const char *from, const char *to);
/* Close a handle after a failure (frees it and what is in flight). */
void eg_sftp_close_handle(LIBSSH2_SFTP_HANDLE *h);
/* Every entry of dir, sorted by name; free with eg_sftp_ents_free. */
eg_err eg_sftp_read_dir(sftp *t, const char *dir, ents *d, eg_error *e);
void eg_sftp_ents_free(ents *d);
int eg_sftp_is_reg(const LIBSSH2_SFTP_ATTRIBUTES *a);

/* ---- sftp_put.c ----------------------------------------------------------- */

/* Open tmp for writing, mode 0644, created or truncated; a leftover the
 * server will not truncate is removed first.  NULL on failure (the
 * libssh2 error is the caller's to report). */
LIBSSH2_SFTP_HANDLE *eg_sftp_create_tmp(sftp *t, const char *tmp);
/* A refused write, sync or close of tmp, classified (permission for a
 * server refusing the bytes). */
eg_err eg_sftp_write_fail(sftp *t, const char *what, const char *tmp,
			  eg_error *e);
/* The transport's put, on a session checked by the caller. */
eg_err eg_sftp_do_put(eg_transport *tr, const char *local_path,
		      const char *name, eg_error *e);

#endif
