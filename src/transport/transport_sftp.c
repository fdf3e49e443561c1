/*
 * transport_sftp.c - the SFTP transport, on libssh2 (the only module that
 * sees libssh2 types), and the onboarding probe (sftp.h).
 *
 * What must always hold:
 *   - no call blocks longer than the profile's timeout: the TCP connect
 *     is non-blocking with poll, and every libssh2 call runs in blocking
 *     mode under libssh2_session_set_timeout, which bounds each call;
 *   - the host key is always checked, against the known_hosts file
 *     (plain, hashed and [host]:port entries; @revoked refuses) or the
 *     pinned "SHA256:" fingerprint, or both when both are given; an
 *     unknown or changed key is refused with the offered key's type and
 *     fingerprint as OpenSSH prints them;
 *   - legacy algorithms (ssh-rsa / ssh-dss host keys, SHA-1 key exchange,
 *     CBC and other old ciphers, MD5 MACs) are offered only when the
 *     profile allows them;
 *   - list, fetch, post and put keep the promises of transport.h and of
 *     transport_local.c: dotfiles, temp and done-file names are never
 *     listed; fetch hands on exactly the listed bytes or fails; post may
 *     be repeated (a file already gone was handled); put never leaves a
 *     partial file under the final name and replaces a different file
 *     only when the profile says so;
 *   - every error message starts with "sftp CLASS: " (see sftp.h), and a
 *     connection that timed out or broke is not used again: close then
 *     frees it without waiting for a goodbye.
 *
 * Remote paths that are not absolute are the server's to resolve (from
 * the login directory).  Local files (key, known_hosts, secrets) that
 * are not absolute are relative to the home, as eg_profile_check takes
 * them.
 *
 * libssh2 1.10 has no API for the extensions the server names in its
 * SSH_FXP_VERSION, nor for sending posix-rename@openssh.com: the probe
 * reads the extension list itself over a second "sftp" channel, and
 * put, on a server that refuses to rename over an existing file (every
 * OpenSSH server: SFTP v3 rename is link+unlink), removes the old file
 * first only when <outbox if-exists="replace">.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "edigate/sftp.h"
#include "edigate/transport.h"
#include "transport_int.h"

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

static const char *const cls_word[C_N] = {
	"connect", "host-key", "auth", "permission", "not-found", "protocol",
	"timeout",
};

static const eg_err cls_code[C_N] = {
	EG_EIO, EG_ECONFIG, EG_ECONFIG, EG_EIO, EG_ENOTFOUND, EG_EIO, EG_EIO,
};

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
} sftp;


/* ---- errors ---------------------------------------------------------- */

static eg_err fail(eg_error *e, enum cls k, const char *id, const char *fmt,
		   ...) EG_PRINTF(4, 5);

static eg_err
fail(eg_error *e, enum cls k, const char *id, const char *fmt, ...)
{
	char msg[EG_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eg_fail(e, cls_code[k], "sftp %s: partner %s: %s", cls_word[k],
		       id, msg);
}

const char *
eg_sftp_error_class(const eg_error *e)
{
	size_t i, n;

	if (!e || strncmp(e->msg, "sftp ", 5) != 0)
		return NULL;
	for (i = 0; i < C_N; i++) {
		n = strlen(cls_word[i]);
		if (strncmp(e->msg + 5, cls_word[i], n) == 0 &&
		    e->msg[5 + n] == ':')
			return cls_word[i];
	}
	return NULL;
}

static const char *
fx_name(unsigned long st)
{
	static const char *const names[] = {
		"ok", "end of file", "no such file", "permission denied",
		"failure", "bad message", "no connection", "connection lost",
		"operation unsupported", "invalid handle", "no such path",
		"file already exists", "write protected", "no media",
		"no space on file system", "quota exceeded", "unknown principal",
		"lock conflict", "directory not empty", "not a directory",
		"invalid file name", "link loop",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st]
						      : "unknown status";
}

static enum cls
fx_class(unsigned long st)
{
	switch (st) {
	case LIBSSH2_FX_NO_SUCH_FILE:
	case LIBSSH2_FX_NO_SUCH_PATH:
		return C_NOTFOUND;
	case LIBSSH2_FX_PERMISSION_DENIED:
	case LIBSSH2_FX_WRITE_PROTECT:
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		return C_PERM;
	case LIBSSH2_FX_NO_CONNECTION:
	case LIBSSH2_FX_CONNECTION_LOST:
		return C_CONNECT;
	default:
		return C_PROTO;
	}
}

/*
 * Stop talking on a connection that timed out or broke: after shutdown
 * every libssh2 call on it fails at once (instead of waiting out the
 * timeout again), yet still frees what it holds.
 */
static void
set_broken(conn *c)
{
	if (!c->broken && c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
	c->broken = 1;
}

/* Has the other end closed or reset the connection? */
static int
peer_gone(int sock)
{
	char b;
	ssize_t r;

	if (sock < 0)
		return 0;
	r = recv(sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			  errno != EINTR);
}

static enum cls
ssh_class(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
		return C_TIMEOUT;
	case LIBSSH2_ERROR_SOCKET_NONE:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_BAD_SOCKET:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
		return C_CONNECT;
	case LIBSSH2_ERROR_HOSTKEY_INIT:
	case LIBSSH2_ERROR_HOSTKEY_SIGN:
		return C_HOSTKEY;
	case LIBSSH2_ERROR_PASSWORD_EXPIRED:
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
	case LIBSSH2_ERROR_KEYFILE_AUTH_FAILED:
		return C_AUTH;
	default:
		return C_PROTO;
	}
}

/* The raw status of the last SFTP reply, or 0 when the last error was
 * not an SFTP status. */
static unsigned long
fx_status(const conn *c)
{
	if (!c->sftp ||
	    libssh2_session_last_errno(c->ss) != LIBSSH2_ERROR_SFTP_PROTOCOL)
		return 0;
	return libssh2_sftp_last_error(c->sftp);
}

/*
 * The error of the last libssh2 call, classified, after "what" failed.
 * A session-level error leaves the connection unusable: mark it broken.
 */
static eg_err ssh_fail(conn *c, eg_error *e, const char *fmt, ...)
	EG_PRINTF(3, 4);

static eg_err
ssh_fail(conn *c, eg_error *e, const char *fmt, ...)
{
	char what[400], *msg = NULL;
	unsigned long st;
	enum cls k;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rc = libssh2_session_last_error(c->ss, &msg, NULL, 0);
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp) {
		st = libssh2_sftp_last_error(c->sftp);
		k = fx_class(st);
		if (k == C_CONNECT)
			set_broken(c);
		return fail(e, k, c->id, "%s: %s", what, fx_name(st));
	}
	k = ssh_class(rc);
	/* libssh2 reports a peer gone during key exchange as a key
	 * exchange failure */
	if (k == C_PROTO && peer_gone(c->sock))
		k = C_CONNECT;
	if (k == C_TIMEOUT || k == C_CONNECT || k == C_PROTO)
		set_broken(c);
	if (k == C_TIMEOUT)
		return fail(e, k, c->id, "%s: no answer within %lld s", what,
			    (long long)(c->timeout_ms / 1000));
	if (k == C_CONNECT)
		return fail(e, k, c->id, "%s: connection lost (%s)", what,
			    msg && *msg ? msg : "socket error");
	return fail(e, k, c->id, "%s: %s", what, msg && *msg ? msg : "error");
}

/* ---- small helpers ----------------------------------------------------- */


/* dst = dir/<pre>name<suf> (no doubled "/"), or EG_ELIMIT. */
static eg_err
rjoin(char *dst, size_t cap, const conn *c, const char *dir, const char *pre,
      const char *name, const char *suf, eg_error *e)
{
	size_t n = strlen(dir);
	int w = snprintf(dst, cap, "%s%s%s%s%s", dir,
			 n && dir[n - 1] == '/' ? "" : "/", pre ? pre : "",
			 name, suf ? suf : "");

	if (w < 0 || (size_t)w >= cap)
		return eg_fail(e, EG_ELIMIT, "partner %s: path too long: %s/%s",
			       c->id, dir, name);
	return EG_OK;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
b64(char *dst, size_t cap, const unsigned char *p, size_t n, int pad)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n && o + 5 < cap; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		dst[o++] = tab[(v >> 18) & 63];
		dst[o++] = tab[(v >> 12) & 63];
		if (i + 1 < n)
			dst[o++] = tab[(v >> 6) & 63];
		else if (pad)
			dst[o++] = '=';
		if (i + 2 < n)
			dst[o++] = tab[v & 63];
		else if (pad)
			dst[o++] = '=';
	}
	dst[o] = '\0';
}

/* ---- connecting --------------------------------------------------------- */

/*
 * libssh2_init sets up process-wide crypto state and is not thread
 * safe; libssh2_session_init would call it lazily on every thread that
 * races there.  Once, for the process, is what it wants; it is never
 * undone (libssh2_exit would pull that state from under other sessions).
 */
static pthread_once_t ssh2_once = PTHREAD_ONCE_INIT;
static int ssh2_init_rc;

static void
ssh2_init(void)
{
	ssh2_init_rc = libssh2_init(0);
}

static eg_err
tcp_connect(conn *c, eg_error *e)
{
	const eg_profile *p = c->p;
	struct addrinfo hints, *res = NULL, *ai;
	long long deadline = mono_ms() + c->timeout_ms, left;
	int fd = -1, err = 0, timed_out = 0, one = 1, grc, prc;
	socklen_t elen = sizeof(err);
	struct pollfd pf;
	char port[12];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", p->port ? p->port : 22u);
	/* getaddrinfo has no timeout of its own; the resolver's apply */
	grc = getaddrinfo(p->host, port, &hints, &res);
	if (grc != 0)
		return fail(e, C_CONNECT, c->id, "cannot resolve %s: %s",
			    p->host, gai_strerror(grc));
	for (ai = res; ai; ai = ai->ai_next) {
		left = deadline - mono_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			fd = -1;
			continue;
		}
		pf.fd = fd;
		pf.events = POLLOUT;
		pf.revents = 0;
		do
			prc = poll(&pf, 1, (int)left);
		while (prc < 0 && errno == EINTR);
		elen = sizeof(err);
		if (prc == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
		    err == 0)
			break;
		if (prc == 0)
			timed_out = 1;
		else if (prc < 0)
			err = errno;
		close(fd);
		fd = -1;
		if (timed_out)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0 && timed_out)
		return fail(e, C_TIMEOUT, c->id,
			    "cannot connect to %s port %s: no answer within "
			    "%lld s",
			    p->host, port, (long long)(c->timeout_ms / 1000));
	if (fd < 0)
		return fail(e, C_CONNECT, c->id,
			    "cannot connect to %s port %s: %s", p->host, port,
			    strerror(err ? err : ECONNREFUSED));
	/* SFTP is request and reply: do not let Nagle hold small requests */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	c->sock = fd;
	return EG_OK;
}

/* known_hosts key type bits of the host keys we may negotiate, in
 * OpenSSH's order of preference. */
static const struct hk {
	int kh_type, hk_type;
	const char *alg, *name;
	int legacy;
} hks[] = {
	{LIBSSH2_KNOWNHOST_KEY_ED25519, LIBSSH2_HOSTKEY_TYPE_ED25519,
	 "ssh-ed25519", "ED25519", 0},
	{LIBSSH2_KNOWNHOST_KEY_ECDSA_256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256,
	 "ecdsa-sha2-nistp256", "ECDSA", 0},
	{LIBSSH2_KNOWNHOST_KEY_ECDSA_384, LIBSSH2_HOSTKEY_TYPE_ECDSA_384,
	 "ecdsa-sha2-nistp384", "ECDSA", 0},
	{LIBSSH2_KNOWNHOST_KEY_ECDSA_521, LIBSSH2_HOSTKEY_TYPE_ECDSA_521,
	 "ecdsa-sha2-nistp521", "ECDSA", 0},
	/* libssh2 1.10 verifies RSA host keys with SHA-1 only */
	{LIBSSH2_KNOWNHOST_KEY_SSHRSA, LIBSSH2_HOSTKEY_TYPE_RSA, "ssh-rsa",
	 "RSA", 1},
	{LIBSSH2_KNOWNHOST_KEY_SSHDSS, LIBSSH2_HOSTKEY_TYPE_DSS, "ssh-dss",
	 "DSA", 1},
};

#define NHK (sizeof(hks) / sizeof(hks[0]))

/* Algorithms offered only with allow-legacy. */
static int
legacy_alg(int method, const char *a)
{
	if (strstr(a, "-cert-v01@openssh.com")) /* we check keys, not CAs */
		return 2;
	switch (method) {
	case LIBSSH2_METHOD_KEX:
		return eg_tp_ends_with(a, "-sha1");
	case LIBSSH2_METHOD_CRYPT_CS:
	case LIBSSH2_METHOD_CRYPT_SC:
		return strstr(a, "-cbc") || strstr(a, "arcfour") ||
		       strstr(a, "blowfish") || strstr(a, "cast128") ||
		       strstr(a, "3des");
	case LIBSSH2_METHOD_MAC_CS:
	case LIBSSH2_METHOD_MAC_SC:
		return strstr(a, "md5") || strstr(a, "ripemd") ||
		       eg_tp_ends_with(a, "-96");
	default:
		return 0;
	}
}

static void
append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	snprintf(dst + n, cap - n, "%s%s", n ? "," : "", s);
}

/*
 * Offer what the profile allows, host key algorithms in OpenSSH's order
 * but those known_hosts has for this host first (as OpenSSH does), so
 * that a host with several keys is checked against the one we know.
 */
static eg_err
set_prefs(conn *c, int known_mask, eg_error *e)
{
	static const int methods[] = {
		LIBSSH2_METHOD_KEX, LIBSSH2_METHOD_CRYPT_CS,
		LIBSSH2_METHOD_CRYPT_SC, LIBSSH2_METHOD_MAC_CS,
		LIBSSH2_METHOD_MAC_SC,
	};
	const char **algs = NULL;
	char list[1024];
	size_t i, k;
	int n, lg;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		list[0] = '\0';
		n = libssh2_session_supported_algs(c->ss, methods[i], &algs);
		for (k = 0; n > 0 && k < (size_t)n; k++) {
			lg = legacy_alg(methods[i], algs[k]);
			if (lg == 0 || (lg == 1 && c->p->allow_legacy))
				append(list, sizeof(list), algs[k]);
		}
		if (n > 0)
			libssh2_free(c->ss, (void *)algs);
		if (list[0] &&
		    libssh2_session_method_pref(c->ss, methods[i], list) != 0)
			return ssh_fail(c, e, "setting algorithms %s", list);
	}
	list[0] = '\0';
	for (k = 0; k < 2; k++)
		for (i = 0; i < NHK; i++) {
			int known = (known_mask & (1 << i)) != 0;

			if ((k == 0) != known ||
			    (hks[i].legacy && !c->p->allow_legacy))
				continue;
			append(list, sizeof(list), hks[i].alg);
		}
	if (libssh2_session_method_pref(c->ss, LIBSSH2_METHOD_HOSTKEY, list) !=
	    0)
		return ssh_fail(c, e, "setting host key algorithms %s", list);
	return EG_OK;
}

/*
 * Read known_hosts into c->kh, one line at a time so that a line
 * libssh2 cannot parse (a key type it does not know, @cert-authority)
 * is passed over instead of failing the whole file; @revoked keys are
 * kept aside in c->revoked.
 */
static eg_err
known_load(conn *c, eg_error *e)
{
	char *line = NULL, *s, *f[4];
	size_t cap = 0, rlen = 0, len;
	FILE *fp;
	int i;

	c->kh = libssh2_knownhost_init(c->ss);
	if (!c->kh)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	fp = fopen(c->known_hosts, "re");
	/* none yet (onboarding): nothing is trusted, so the server's key is
	 * refused after the handshake, with its fingerprint and the line
	 * to add once the partner confirms it */
	if (!fp && errno == ENOENT)
		return EG_OK;
	if (!fp)
		return fail(e, C_HOSTKEY, c->id,
			    "cannot read known_hosts file %s: %s", c->known_hosts,
			    strerror(errno));
	while (getline(&line, &cap, fp) > 0) {
		s = line + strspn(line, " \t");
		if (*s != '@') {
			libssh2_knownhost_readline(c->kh, s, strlen(s),
						   LIBSSH2_KNOWNHOST_FILE_OPENSSH);
			continue;
		}
		/* "@revoked hosts keytype base64" */
		for (i = 0; i < 4; i++) {
			s += strspn(s, " \t");
			f[i] = s;
			s += strcspn(s, " \t\r\n");
			if (*s)
				*s++ = '\0';
		}
		if (strcmp(f[0], "@revoked") != 0 || !*f[3])
			continue;
		len = strlen(f[3]);
		s = realloc(c->revoked, rlen + len + 2);
		if (!s) {
			free(line);
			fclose(fp);
			return eg_fail(e, EG_ENOMEM, "out of memory");
		}
		c->revoked = s;
		memcpy(c->revoked + rlen, f[3], len);
		rlen += len;
		c->revoked[rlen++] = '\n';
		c->revoked[rlen] = '\0';
	}
	free(line);
	fclose(fp);
	return EG_OK;
}

/* Bit i set: known_hosts has a key of type hks[i] for this host. */
static int
known_types(conn *c)
{
	struct libssh2_knownhost *k = NULL;
	int mask = 0, type, tm;
	size_t i;

	while (libssh2_knownhost_get(c->kh, &k, k) == 0) {
		type = k->typemask & LIBSSH2_KNOWNHOST_KEY_MASK;
		for (i = 0; i < NHK; i++)
			if (hks[i].kh_type == type)
				break;
		if (i == NHK || (mask & (1 << i)))
			continue;
		/* does this entry's key belong to our host?  (it may be
		 * hashed: only a check with the key itself can tell) */
		tm = LIBSSH2_KNOWNHOST_TYPE_PLAIN |
		     LIBSSH2_KNOWNHOST_KEYENC_BASE64 | type;
		if (libssh2_knownhost_checkp(c->kh, c->p->host,
					     (int)(c->p->port ? c->p->port : 22),
					     k->key, strlen(k->key), tm,
					     NULL) == LIBSSH2_KNOWNHOST_CHECK_MATCH)
			mask |= 1 << i;
	}
	return mask;
}

static eg_err
check_host_key(conn *c, eg_error *e)
{
	const eg_profile *p = c->p;
	const unsigned char *hash;
	const char *key;
	char kb64[4096], pin[80];
	size_t len, i, n;
	int type, rc, tm;

	key = libssh2_session_hostkey(c->ss, &len, &type);
	hash = (const unsigned char *)libssh2_hostkey_hash(
	    c->ss, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (!key || !hash)
		return fail(e, C_HOSTKEY, c->id, "%s sent no host key",
			    c->hostlabel);
	for (i = 0; i < NHK && hks[i].hk_type != type; i++)
		;
	snprintf(c->key_type, sizeof(c->key_type), "%s",
		 i < NHK ? hks[i].name : "UNKNOWN");
	memcpy(c->fpr, "SHA256:", 7);
	b64(c->fpr + 7, sizeof(c->fpr) - 7, hash, 32, 0);
	b64(kb64, sizeof(kb64), (const unsigned char *)key, len, 1);
	if (i < NHK && !c->key_line) {
		n = strlen(c->hostlabel) + strlen(hks[i].alg) + strlen(kb64) + 3;
		c->key_line = malloc(n);
		if (c->key_line)
			snprintf(c->key_line, n, "%s %s %s", c->hostlabel,
				 hks[i].alg, kb64);
	}
	if (c->revoked) {
		for (const char *s = c->revoked; *s; s += n + 1) {
			n = strcspn(s, "\n");
			if (n == strlen(kb64) && memcmp(s, kb64, n) == 0)
				return fail(e, C_HOSTKEY, c->id,
					    "%s offered %s key %s, which "
					    "%s marks @revoked",
					    c->hostlabel, c->key_type, c->fpr,
					    c->known_hosts);
		}
	}
	if (eg_tp_is_set(p->host_key)) {
		/* "SHA256:x" as OpenSSH prints it; padding tolerated */
		snprintf(pin, sizeof(pin), "%s", p->host_key);
		n = strlen(pin);
		while (n > 0 && pin[n - 1] == '=')
			pin[--n] = '\0';
		if (strcmp(pin, c->fpr) != 0)
			return fail(e, C_HOSTKEY, c->id,
				    "%s offered %s key %s, which is not the "
				    "pinned host-key %s",
				    c->hostlabel, c->key_type, c->fpr,
				    p->host_key);
	}
	if (!c->kh)
		return EG_OK;
	tm = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	     (i < NHK ? hks[i].kh_type : LIBSSH2_KNOWNHOST_KEY_UNKNOWN);
	rc = libssh2_knownhost_checkp(c->kh, p->host,
				      (int)(p->port ? p->port : 22), key, len,
				      tm, NULL);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return EG_OK;
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return fail(e, C_HOSTKEY, c->id,
			    "the host key for %s has changed: it offered %s "
			    "key %s, and %s has a different %s key for it "
			    "(refused; if the partner did change its key, "
			    "replace that line: `edigate partner probe` "
			    "prints the new one)",
			    c->hostlabel, c->key_type, c->fpr, c->known_hosts,
			    c->key_type);
	return fail(e, C_HOSTKEY, c->id,
		    "%s is not in %s: it offered %s key %s (check that "
		    "fingerprint with the partner, then add the known_hosts "
		    "line `edigate partner probe` prints, or pin it with "
		    "host-key=\"%s\" instead of known-hosts=)",
		    c->hostlabel, c->known_hosts, c->key_type, c->fpr, c->fpr);
}

/* A secret (0 passphrase, 1 password) into dst; *have = 0 when the
 * profile names none. */
static eg_err
get_secret(conn *c, int i, char *dst, size_t cap, int *have, eg_error *e)
{
	const eg_profile *p = c->p;
	const char *what = i ? "password" : "passphrase";
	char *path = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;
	eg_err rc = EG_OK;
	int fd;

	*have = 0;
	dst[0] = '\0';
	if (eg_tp_is_set(p->secret_envs[i])) {
		const char *v = getenv(p->secret_envs[i]);

		if (!v)
			return fail(e, C_AUTH, c->id,
				    "the %s comes from $%s, which is not set",
				    what, p->secret_envs[i]);
		if (strlen(v) >= cap)
			return fail(e, C_AUTH, c->id, "the %s in $%s is too long",
				    what, p->secret_envs[i]);
		memcpy(dst, v, strlen(v) + 1);
		*have = 1;
		return EG_OK;
	}
	if (!eg_tp_is_set(p->secret_files[i]))
		return EG_OK;
	path = eg_tp_resolve(c->home, p->secret_files[i]);
	if (!path)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = fail(e, C_AUTH, c->id, "cannot read the %s file %s: %s",
			  what, path, strerror(errno));
		goto out;
	}
	if (st.st_mode & 077) {
		rc = fail(e, C_AUTH, c->id,
			  "the %s file %s is mode %03o: secrets files must "
			  "be 0600",
			  what, path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	while (n < cap - 1 && (r = read(fd, dst + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(e, C_AUTH, c->id, "cannot read the %s file %s: %s",
				  what, path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r'))
		n--;
	dst[n] = '\0';
	*have = 1;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static int
lost(int rc)
{
	enum cls k = ssh_class(rc);

	return k == C_TIMEOUT || k == C_CONNECT;
}

/* Log in: the key file first, then the password, as the profile has them. */
static eg_err
authenticate(conn *c, eg_error *e)
{
	const eg_profile *p = c->p;
	char secret[SECRET_MAX], tried[400] = "", *msg = NULL;
	unsigned ulen = (unsigned)strlen(p->user);
	const char *list;
	size_t n;
	int have, rc;
	eg_err err;

	list = libssh2_userauth_list(c->ss, p->user, ulen);
	if (!list) {
		if (libssh2_userauth_authenticated(c->ss))
			return EG_OK;
		return ssh_fail(c, e, "asking %s how user %s may log in",
				c->hostlabel, p->user);
	}
	snprintf(c->methods, sizeof(c->methods), "%s", list);
	if (c->key_file && !strstr(c->methods, "publickey")) {
		snprintf(tried, sizeof(tried), "no publickey login offered; ");
	} else if (c->key_file) {
		err = get_secret(c, 0, secret, sizeof(secret), &have, e);
		if (err != EG_OK)
			return err;
		rc = libssh2_userauth_publickey_fromfile_ex(
		    c->ss, p->user, ulen, NULL, c->key_file,
		    have ? secret : NULL);
		explicit_bzero(secret, sizeof(secret));
		if (rc == 0)
			return EG_OK;
		if (lost(rc))
			return ssh_fail(c, e, "logging in to %s", c->hostlabel);
		libssh2_session_last_error(c->ss, &msg, NULL, 0);
		snprintf(tried, sizeof(tried), "key %s: %s; ", c->key_file,
			 msg ? msg : "refused");
	}
	if (eg_tp_is_set(p->secret_files[1]) || eg_tp_is_set(p->secret_envs[1])) {
		n = strlen(tried);
		if (!strstr(c->methods, "password")) {
			snprintf(tried + n, sizeof(tried) - n,
				 "no password login offered; ");
		} else {
			err = get_secret(c, 1, secret, sizeof(secret), &have, e);
			if (err != EG_OK)
				return err;
			rc = libssh2_userauth_password_ex(
			    c->ss, p->user, ulen, secret,
			    (unsigned)strlen(secret), NULL);
			explicit_bzero(secret, sizeof(secret));
			if (rc == 0)
				return EG_OK;
			if (lost(rc))
				return ssh_fail(c, e, "logging in to %s",
						c->hostlabel);
			snprintf(tried + n, sizeof(tried) - n,
				 "password refused; ");
		}
	}
	if (!tried[0])
		snprintf(tried, sizeof(tried), "no key file or password set; ");
	n = strlen(tried);
	if (n >= 2)
		tried[n - 2] = '\0';
	return fail(e, C_AUTH, c->id,
		    "%s refused user %s: %s (the server offers %s)",
		    c->hostlabel, p->user, tried, c->methods);
}

/* Free the connection; a broken one (already shut down) gets no
 * goodbye. */
static void
conn_close(conn *c)
{
	if (c->sftp)
		libssh2_sftp_shutdown(c->sftp);
	if (c->kh)
		libssh2_knownhost_free(c->kh);
	if (c->ss) {
		if (!c->broken)
			libssh2_session_disconnect(c->ss, "edigate done");
		libssh2_session_free(c->ss);
	}
	if (c->sock >= 0)
		close(c->sock);
	free(c->key_file);
	free(c->known_hosts);
	free(c->home);
	free(c->revoked);
	free(c->key_line);
	memset(c, 0, sizeof(*c));
	c->sock = -1;
}

/*
 * Connect, handshake and check the host key; then log in (auth) and
 * start SFTP (want_sftp).  On failure c is left for conn_close, with the
 * host key's type and fingerprint in it when the handshake got there.
 */
static eg_err
conn_open(conn *c, const eg_profile *p, const char *home, int want_sftp,
	  eg_error *e)
{
	unsigned port = p->port ? p->port : 22;
	long long ka;
	eg_err rc;

	memset(c, 0, sizeof(*c));
	c->sock = -1;
	c->p = p;
	c->id = p->id ? p->id : "(unnamed)";
	if (!eg_tp_is_set(p->host) || !eg_tp_is_set(p->user))
		return fail(e, C_CONNECT, c->id, "no host or user set");
	if (port == 22)
		snprintf(c->hostlabel, sizeof(c->hostlabel), "%s", p->host);
	else
		snprintf(c->hostlabel, sizeof(c->hostlabel), "[%s]:%u",
			 p->host, port);
	c->timeout_ms = (p->timeout > 0 ? p->timeout : 30) * 1000L;
	c->home = strdup(home ? home : "");
	if (eg_tp_is_set(p->key_file))
		c->key_file = eg_tp_resolve(home, p->key_file);
	if (eg_tp_is_set(p->known_hosts))
		c->known_hosts = eg_tp_resolve(home, p->known_hosts);
	if (!c->home || (eg_tp_is_set(p->key_file) && !c->key_file) ||
	    (eg_tp_is_set(p->known_hosts) && !c->known_hosts))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (!c->known_hosts && !eg_tp_is_set(p->host_key))
		return fail(e, C_HOSTKEY, c->id,
			    "no known-hosts file or pinned host-key: host keys "
			    "are always checked");
	pthread_once(&ssh2_once, ssh2_init);
	if (ssh2_init_rc != 0)
		return eg_fail(e, EG_EINTERNAL, "libssh2_init failed (%d)",
			       ssh2_init_rc);
	rc = tcp_connect(c, e);
	if (rc != EG_OK)
		return rc;
	c->ss = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (!c->ss)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	libssh2_session_set_blocking(c->ss, 1);
	libssh2_session_set_timeout(c->ss, c->timeout_ms);
	if (c->known_hosts && (rc = known_load(c, e)) != EG_OK)
		return rc;
	rc = set_prefs(c, c->kh ? known_types(c) : 0, e);
	if (rc != EG_OK)
		return rc;
	if (libssh2_session_handshake(c->ss, c->sock) != 0)
		return ssh_fail(c, e, "SSH handshake with %s", c->hostlabel);
	/* keepalives go out while libssh2 waits, so an idle NAT entry
	 * does not die under a slow server */
	ka = c->timeout_ms / 2000;
	libssh2_keepalive_config(c->ss, 0, (unsigned)(ka < 2 ? 2 : ka > 60 ? 60 : ka));
	rc = check_host_key(c, e);
	if (rc != EG_OK)
		return rc;
	c->key_ok = 1;
	rc = authenticate(c, e);
	if (rc != EG_OK || !want_sftp)
		return rc;
	c->sftp = libssh2_sftp_init(c->ss);
	if (!c->sftp)
		return ssh_fail(c, e, "starting SFTP on %s", c->hostlabel);
	return EG_OK;
}

/* ---- the transport -------------------------------------------------------- */

static void
sftp_close(eg_transport *tr)
{
	sftp *t = (sftp *)tr;

	if (!t)
		return;
	conn_close(&t->c);
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
	rc = conn_open(&t->c, p, home, 1, e);
	if (rc != EG_OK) {
		sftp_close(&t->base);
		return rc;
	}
	*out = &t->base;
	return EG_OK;
}

/* A broken connection fails every call the same way. */
static eg_err
usable(const sftp *t, eg_error *e)
{
	if (t->c.broken)
		return fail(e, C_CONNECT, t->c.id,
			    "the connection to %s was lost earlier; open again",
			    t->c.hostlabel);
	return EG_OK;
}

/* stat path; *gone = 1 (and EG_OK) when it is not there. */
static eg_err
rstat(sftp *t, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a, int *gone,
      eg_error *e)
{
	*gone = 0;
	memset(a, 0, sizeof(*a));
	if (libssh2_sftp_stat_ex(t->c.sftp, path, (unsigned)strlen(path),
				 LIBSSH2_SFTP_LSTAT, a) == 0)
		return EG_OK;
	if (fx_class(fx_status(&t->c)) == C_NOTFOUND && fx_status(&t->c)) {
		*gone = 1;
		return EG_OK;
	}
	return ssh_fail(&t->c, e, "cannot stat %s", path);
}

static int
have_facts(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
	return (a->flags & LIBSSH2_SFTP_ATTR_SIZE) &&
	       (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME);
}

static int
is_reg(const LIBSSH2_SFTP_ATTRIBUTES *a)
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
		return ssh_fail(&t->c, e, "inbox %s", p->inbox);
	buf[n] = '\0';
	t->inbox = strdup(buf);
	if (!t->inbox)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

typedef struct ent {
	char *name;
	LIBSSH2_SFTP_ATTRIBUTES a;
} ent;

typedef struct ents {
	ent *v;
	size_t n, cap;
} ents;

static void
ents_free(ents *d)
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
static eg_err
read_dir(sftp *t, const char *dir, ents *d, eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;
	LIBSSH2_SFTP_ATTRIBUTES a;
	char name[1024];
	eg_err rc = EG_OK;
	int n;

	h = libssh2_sftp_opendir(t->c.sftp, dir);
	if (!h)
		return ssh_fail(&t->c, e, "cannot list %s", dir);
	for (;;) {
		n = libssh2_sftp_readdir_ex(h, name, sizeof(name), NULL, 0, &a);
		if (n == 0)
			break;
		if (n == LIBSSH2_ERROR_BUFFER_TOO_SMALL)
			continue; /* a name longer than any we would take */
		if (n < 0) {
			rc = ssh_fail(&t->c, e, "cannot list %s", dir);
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
		rc = ssh_fail(&t->c, e, "cannot list %s", dir);
	else if (rc != EG_OK)
		libssh2_sftp_closedir(h);
	if (rc == EG_OK && d->n > 1)
		qsort(d->v, d->n, sizeof(ent), ent_cmp);
	return rc;
}

/* Add x to l when it is a complete file of ours, count it waiting when
 * it is ours but not complete yet, pass over it otherwise. */
static eg_err
consider(sftp *t, const ents *d, const ent *x, eg_tlist *l, eg_error *e)
{
	const eg_profile *p = t->c.p;
	char path[RPATH], done[RPATH];
	const ent *de = NULL;
	eg_err rc;

	if (x->name[0] == '.' || eg_tp_ends_with(x->name, p->done_suffix) ||
	    !is_reg(&x->a) || !have_facts(&x->a))
		return EG_OK;
	/* passed over, but counted and named (partner probe, test) */
	if (eg_tp_ends_with(x->name, p->temp_suffix) ||
	    !eg_transport_name_ok(p, x->name))
		return eg_tlist_skip(l, x->name,
				     eg_tp_ends_with(x->name, p->temp_suffix)
					 ? EG_TSKIP_WRITING
					 : EG_TSKIP_IGNORED) == EG_OK
			   ? EG_OK
			   : eg_fail(e, EG_ENOMEM, "out of memory");
	rc = rjoin(path, sizeof(path), &t->c, t->inbox, NULL, x->name, NULL, e);
	if (rc != EG_OK)
		return rc;
	if (eg_tp_is_set(p->done_suffix)) {
		rc = rjoin(done, sizeof(done), &t->c, t->inbox, NULL, x->name,
			   p->done_suffix, e);
		if (rc != EG_OK)
			return rc;
		de = ents_find(d, eg_tp_base_name(done));
		if (!de || !is_reg(&de->a))
			return eg_tlist_skip(l, x->name, EG_TSKIP_WAITING) ==
					   EG_OK
				   ? EG_OK
				   : eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if (p->stable_for > 0 &&
	    (long long)t->now - (long long)x->a.mtime < p->stable_for)
		return eg_tlist_skip(l, x->name, EG_TSKIP_WAITING) == EG_OK
			   ? EG_OK
			   : eg_fail(e, EG_ENOMEM, "out of memory");
	if (eg_tlist_add(l, x->name, path, x->a.filesize, (int64_t)x->a.mtime,
			 de ? done : NULL) != EG_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

static eg_err
sftp_list(eg_transport *tr, eg_tlist *out, eg_error *e)
{
	sftp *t = (sftp *)tr;
	eg_tlist l = {0};
	ents d = {0};
	eg_err rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((rc = usable(t, e)) != EG_OK || (rc = inbox_path(t, e)) != EG_OK)
		return rc;
	rc = read_dir(t, t->inbox, &d, e);
	for (i = 0; rc == EG_OK && i < d.n; i++)
		rc = consider(t, &d, &d.v[i], &l, e);
	ents_free(&d);
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
	return have_facts(a) && is_reg(a) && a->filesize == f->size &&
	       (int64_t)a->mtime == f->mtime;
}

/* Close h after a failure: only libssh2_sftp_close_handle frees a
 * handle and the requests still in flight on it (on a broken
 * connection it fails at once, and frees). */
static void
close_handle(LIBSSH2_SFTP_HANDLE *h)
{
	if (h)
		libssh2_sftp_close_handle(h);
}

static eg_err
sftp_fetch(eg_transport *tr, const eg_tfile *f, eg_sink_fn sink, void *ud,
	   eg_error *e)
{
	sftp *t = (sftp *)tr;
	LIBSSH2_SFTP_HANDLE *h;
	LIBSSH2_SFTP_ATTRIBUTES a;
	uint64_t got = 0;
	size_t want;
	eg_err rc;
	ssize_t r;

	if ((rc = usable(t, e)) != EG_OK)
		return rc;
	h = libssh2_sftp_open_ex(t->c.sftp, f->path, (unsigned)strlen(f->path),
				 LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
	if (!h)
		return ssh_fail(&t->c, e, "cannot open %s", f->path);
	if (libssh2_sftp_fstat(h, &a) != 0) {
		rc = ssh_fail(&t->c, e, "cannot stat %s", f->path);
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
			rc = ssh_fail(&t->c, e, "cannot read %s (after %llu of "
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
		rc = ssh_fail(&t->c, e, "cannot stat %s", f->path);
		goto out;
	}
	/* the mtime catches a rewrite in place that kept the size */
	if (got != f->size || !same_facts(f, &a))
		rc = changed(t, f, "while fetched", &a, e);
out:
	close_handle(h);
	return rc;
}

/* Is f still the file fetched?  *gone when it is not there at all. */
static eg_err
still_fetched(sftp *t, const eg_tfile *f, int *gone, eg_error *e)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	eg_err rc;

	rc = rstat(t, f->path, &a, gone, e);
	if (rc != EG_OK || *gone)
		return rc;
	if (!same_facts(f, &a))
		return changed(t, f, "since it was fetched; left in place", &a,
			       e);
	return EG_OK;
}

static eg_err
unlink_gone_ok(sftp *t, const char *path, eg_error *e)
{
	if (libssh2_sftp_unlink_ex(t->c.sftp, path, (unsigned)strlen(path)) ==
		0 ||
	    fx_class(fx_status(&t->c)) == C_NOTFOUND)
		return EG_OK;
	return ssh_fail(&t->c, e, "cannot delete %s", path);
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
	rc = rstat(t, dir, &a, &gone, e);
	if (rc != EG_OK || !gone)
		return rc;
	for (i = 1; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		memcpy(part, dir, i);
		part[i] = '\0';
		rc = rstat(t, part, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (!gone)
			continue;
		if (libssh2_sftp_mkdir_ex(t->c.sftp, part, (unsigned)i, 0755) ==
		    0)
			continue;
		if (t->c.broken || !(st = fx_status(&t->c)))
			return ssh_fail(&t->c, e, "cannot create %s", part);
		/* made by someone else meanwhile? */
		rc = rstat(t, part, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (gone)
			return fail(e, fx_class(st), t->c.id,
				    "cannot create %s: %s", part, fx_name(st));
	}
	return EG_OK;
}

/* Rename without replacing: ATOMIC|NATIVE and no OVERWRITE, which an
 * SFTP v5+ server honours and a v3 one (link+unlink) does anyway. */
static int
rename_new(sftp *t, const char *from, const char *to)
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
		rc = rjoin(dst, sizeof(dst), &t->c, move_to, NULL, name, num, e);
		if (rc != EG_OK)
			return rc;
		rc = rstat(t, dst, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (!gone)
			continue;
		if (rename_new(t, src, dst) == 0)
			return EG_OK;
		if (t->c.broken || !fx_status(&t->c))
			return ssh_fail(&t->c, e, "cannot move %s to %s", src,
					dst);
		/* gone: moved by an earlier try; dst taken: try the next */
		rc = rstat(t, src, &a, &gone, e);
		if (rc != EG_OK || gone)
			return rc;
		rc = rstat(t, dst, &a, &gone, e);
		if (rc != EG_OK)
			return rc;
		if (gone)
			return fail(e, C_PROTO, t->c.id,
				    "cannot move %s to %s: the server refused",
				    src, dst);
	}
	return eg_fail(e, EG_ELIMIT, "partner %s: %s/%s: too many files of that name",
		       t->c.id, move_to, name);
}

static eg_err
sftp_post(eg_transport *tr, const eg_tfile *f, eg_error *e)
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
	if ((rc = usable(t, e)) != EG_OK ||
	    (rc = still_fetched(t, f, &gone, e)) != EG_OK)
		return rc;
	if (strcmp(act, "delete") == 0) {
		/* the file before its done-file: an orphan marker is
		 * harmless, an unmarked file would wait forever */
		if (!gone && (rc = unlink_gone_ok(t, f->path, e)) != EG_OK)
			return rc;
		if (f->done_file)
			return unlink_gone_ok(t, f->done_file, e);
		return EG_OK;
	}
	rc = rmkdirs(t, p->move_to, e);
	if (rc != EG_OK)
		return rc;
	if (!gone && (rc = move_one(t, f->path, f->name, p->move_to, e)) != EG_OK)
		return rc;
	if (f->done_file) {
		rc = rstat(t, f->done_file, &(LIBSSH2_SFTP_ATTRIBUTES){0}, &gone,
			   e);
		if (rc != EG_OK || gone)
			return rc;
		return move_one(t, f->done_file, eg_tp_base_name(f->done_file),
				p->move_to, e);
	}
	return EG_OK;
}

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
		return ssh_fail(&t->c, e, "cannot open %s", dst);
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
			rc = ssh_fail(&t->c, e, "cannot read %s", dst);
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
	close_handle(h);
	if (lseek(fd, 0, SEEK_SET) != 0 && rc == EG_OK)
		rc = eg_fail(e, EG_EIO, "partner %s: cannot read %s: %s",
			     t->c.id, local_path, strerror(errno));
	return rc;
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
			return ssh_fail(&t->c, e, "cannot write %s", tmp);
		p += w;
		n -= (size_t)w;
	}
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

	h = libssh2_sftp_open_ex(t->c.sftp, tmp, (unsigned)strlen(tmp),
				 LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				     LIBSSH2_FXF_TRUNC,
				 0644, LIBSSH2_SFTP_OPENFILE);
	if (!h)
		return ssh_fail(&t->c, e, "cannot create %s", tmp);
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
		if (fx_status(&t->c) == LIBSSH2_FX_OP_UNSUPPORTED)
			t->no_fsync = 1; /* not offered: rename is all we have */
		else
			rc = ssh_fail(&t->c, e, "cannot sync %s", tmp);
	}
out:
	if (rc == EG_OK) {
		/* the server's close reports a late write error */
		if (libssh2_sftp_close_handle(h) != 0)
			rc = ssh_fail(&t->c, e, "cannot write %s", tmp);
	} else {
		close_handle(h);
	}
	return rc;
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
	if (t->c.broken || !fx_status(&t->c) ||
	    fx_class(fx_status(&t->c)) != C_PROTO)
		return ssh_fail(&t->c, e, "cannot rename %s to %s", tmp, dst);
	rc = rstat(t, dst, &a, &gone, e);
	if (rc != EG_OK)
		return rc;
	if (gone)
		return fail(e, C_PROTO, t->c.id,
			    "cannot rename %s to %s: the server refused", tmp,
			    dst);
	rc = same_remote(t, fd, local_path, dst, size, &same, e);
	if (rc != EG_OK)
		return rc;
	if (same)
		return unlink_gone_ok(t, tmp, e);
	if (!t->c.p->outbox_replace) {
		eg_error scratch;

		eg_error_clear(&scratch); /* e is for the refusal below */
		unlink_gone_ok(t, tmp, &scratch);
		return fail(e, C_PERM, t->c.id,
			    "%s is there already with other content and the "
			    "server does not rename over it; not replaced "
			    "(<outbox if-exists=\"replace\"> allows it)",
			    dst);
	}
	/* a moment without dst, never a partial dst */
	rc = unlink_gone_ok(t, dst, e);
	if (rc != EG_OK)
		return rc;
	if (libssh2_sftp_rename_ex(t->c.sftp, tmp, (unsigned)strlen(tmp), dst,
				   (unsigned)strlen(dst), flags) != 0)
		return ssh_fail(&t->c, e, "cannot rename %s to %s", tmp, dst);
	return EG_OK;
}

static eg_err
sftp_put(eg_transport *tr, const char *local_path, const char *name,
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
	if ((rc = usable(t, e)) != EG_OK ||
	    (rc = rjoin(dst, sizeof(dst), &t->c, p->outbox, NULL, name, NULL,
			e)) != EG_OK ||
	    (rc = rjoin(tmp, sizeof(tmp), &t->c, p->outbox, ".", name, ".part",
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
	rc = rstat(t, dst, &a, &gone, e);
	if (rc != EG_OK)
		goto out;
	if (gone || a.filesize != (uint64_t)st.st_size) {
		rc = fail(e, C_PROTO, t->c.id,
			  "%s has %llu bytes after the upload, not %llu", dst,
			  gone ? 0ULL : (unsigned long long)a.filesize,
			  (unsigned long long)st.st_size);
		goto out;
	}
	if (!eg_tp_is_set(p->outbox_done_suffix))
		goto out;
	rc = rjoin(done, sizeof(done), &t->c, p->outbox, NULL, name,
		   p->outbox_done_suffix, e);
	if (rc != EG_OK)
		goto out;
	h = libssh2_sftp_open_ex(t->c.sftp, done, (unsigned)strlen(done),
				 LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				     LIBSSH2_FXF_TRUNC,
				 0644, LIBSSH2_SFTP_OPENFILE);
	if (!h || libssh2_sftp_close_handle(h) != 0)
		rc = ssh_fail(&t->c, e, "cannot create %s", done);
out:
	close(fd);
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
	rc = read_dir(t, dir, &d, &e);
	for (i = 0; rc == EG_OK && i < d.n; i++) {
		const ent *x = &d.v[i];

		if (x->name[0] == '.' || !is_reg(&x->a))
			continue;
		(*files)++;
		if (matching && eg_transport_name_ok(p, x->name) &&
		    !eg_tp_ends_with(x->name, p->temp_suffix) &&
		    !eg_tp_ends_with(x->name, p->done_suffix))
			(*matching)++;
	}
	ents_free(&d);
	if (rc != EG_OK)
		snprintf(err, cap, "%s", e.msg);
	return rc == EG_OK;
}

static eg_err
probe_file(sftp *t, const char *path, int want_fsync, int *fsync_ok,
	   eg_error *e)
{
	LIBSSH2_SFTP_HANDLE *h;

	h = libssh2_sftp_open_ex(t->c.sftp, path, (unsigned)strlen(path),
				 LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
				     LIBSSH2_FXF_TRUNC,
				 0600, LIBSSH2_SFTP_OPENFILE);
	if (!h)
		return ssh_fail(&t->c, e, "cannot create %s", path);
	if (libssh2_sftp_write(h, "probe\n", 6) != 6) {
		ssh_fail(&t->c, e, "cannot write %s", path);
		close_handle(h);
		return EG_EIO;
	}
	if (want_fsync)
		*fsync_ok = libssh2_sftp_fsync(h) == 0;
	if (libssh2_sftp_close_handle(h) != 0)
		return ssh_fail(&t->c, e, "cannot write %s", path);
	return EG_OK;
}

/* Write two probe files in the outbox, rename one over the other,
 * remove both. */
static void
probe_outbox(sftp *t, eg_sftp_probe_result *r)
{
	char a[RPATH], b[RPATH], name[64];
	eg_error e;
	int fsync_ok = -1;

	eg_error_clear(&e);
	snprintf(name, sizeof(name), "edigate-probe-%ld", (long)getpid());
	if (rjoin(a, sizeof(a), &t->c, t->c.p->outbox, ".", name, ".a", &e) ||
	    rjoin(b, sizeof(b), &t->c, t->c.p->outbox, ".", name, ".b", &e) ||
	    probe_file(t, a, 1, &fsync_ok, &e) != EG_OK) {
		r->outbox_write = 0;
		snprintf(r->write_err, sizeof(r->write_err), "%s", e.msg);
		unlink_gone_ok(t, a, &e);
		return;
	}
	r->outbox_write = 1;
	if (fsync_ok == 1)
		r->fsync = 1;
	if (probe_file(t, b, 0, NULL, &e) == EG_OK)
		r->rename_over =
		    libssh2_sftp_rename_ex(t->c.sftp, a, (unsigned)strlen(a), b,
					   (unsigned)strlen(b),
					   LIBSSH2_SFTP_RENAME_OVERWRITE |
					       LIBSSH2_SFTP_RENAME_ATOMIC |
					       LIBSSH2_SFTP_RENAME_NATIVE) == 0;
	unlink_gone_ok(t, a, &e);
	unlink_gone_ok(t, b, &e);
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
	r->inbox_files = r->inbox_matching = r->outbox_files = -1;
	memset(&t, 0, sizeof(t));
	t.base.ops = &eg_transport_sftp;
	t.buf = NULL;
	rc = conn_open(&t.c, p, home, 0, e);
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
		rc = ssh_fail(&t.c, e, "starting SFTP on %s", t.c.hostlabel);
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
	conn_close(&t.c);
	return rc;
}
