/*
 * sftp_conn.c - one SSH connection with its SFTP session, on libssh2:
 * the error classes (sftp.h), the TCP connect under the timeout, the
 * algorithms offered, the host key check against known_hosts or a
 * pinned fingerprint, login by key or password, and the goodbye.
 *
 * What must always hold: no call blocks longer than the profile's
 * timeout (a non-blocking connect with poll, then every libssh2 call
 * under libssh2_session_set_timeout, and no libssh2 keepalive timer,
 * whose wait libssh2 1.10 reports as a timeout); the host key is always
 * checked; legacy algorithms only with allow-legacy; a connection that
 * timed out or broke is never talked on again; a sound one ends with
 * an SSH disconnect and is read to the server's close, so that the
 * server sees a clean end, not a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sftp_int.h"
#include "transport_int.h"

/* ---- errors ---------------------------------------------------------- */

static const char *const cls_word[C_N] = {
	"connect", "host-key", "auth", "permission", "not-found", "protocol",
	"timeout",
};

static const eg_err cls_code[C_N] = {
	EG_EIO, EG_ECONFIG, EG_ECONFIG, EG_EIO, EG_ENOTFOUND, EG_EIO, EG_EIO,
};


eg_err
eg_sftp_fail(eg_error *e, enum cls k, const char *id, const char *fmt, ...)
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

const char *
eg_sftp_fx_name(unsigned long st)
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

enum cls
eg_sftp_fx_class(unsigned long st)
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
void
eg_sftp_set_broken(conn *c)
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
unsigned long
eg_sftp_fx_status(const conn *c)
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
eg_err
eg_sftp_ssh_fail(conn *c, eg_error *e, const char *fmt, ...)
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
		k = eg_sftp_fx_class(st);
		if (k == C_CONNECT)
			eg_sftp_set_broken(c);
		return eg_sftp_fail(e, k, c->id, "%s: %s", what, eg_sftp_fx_name(st));
	}
	k = ssh_class(rc);
	/* libssh2 reports a peer gone during key exchange as a key
	 * exchange failure */
	if (k == C_PROTO && peer_gone(c->sock))
		k = C_CONNECT;
	if (k == C_TIMEOUT || k == C_CONNECT || k == C_PROTO)
		eg_sftp_set_broken(c);
	if (k == C_TIMEOUT)
		return eg_sftp_fail(e, k, c->id, "%s: no answer within %lld s", what,
			    (long long)(c->timeout_ms / 1000));
	if (k == C_CONNECT)
		return eg_sftp_fail(e, k, c->id, "%s: connection lost (%s)", what,
			    msg && *msg ? msg : "socket error");
	return eg_sftp_fail(e, k, c->id, "%s: %s", what, msg && *msg ? msg : "error");
}

/* ---- small helpers ----------------------------------------------------- */


/* dst = dir/<pre>name<suf> (no doubled "/"), or EG_ELIMIT. */
eg_err
eg_sftp_rjoin(char *dst, size_t cap, const conn *c, const char *dir, const char *pre,
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

long long
eg_sftp_mono_ms(void)
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
	long long deadline = eg_sftp_mono_ms() + c->timeout_ms, left;
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
		return eg_sftp_fail(e, C_CONNECT, c->id, "cannot resolve %s: %s",
			    p->host, gai_strerror(grc));
	for (ai = res; ai; ai = ai->ai_next) {
		left = deadline - eg_sftp_mono_ms();
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
		return eg_sftp_fail(e, C_TIMEOUT, c->id,
			    "cannot connect to %s port %s: no answer within "
			    "%lld s",
			    p->host, port, (long long)(c->timeout_ms / 1000));
	if (fd < 0)
		return eg_sftp_fail(e, C_CONNECT, c->id,
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
			return eg_sftp_ssh_fail(c, e, "setting algorithms %s", list);
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
		return eg_sftp_ssh_fail(c, e, "setting host key algorithms %s", list);
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
		return eg_sftp_fail(e, C_HOSTKEY, c->id,
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
		return eg_sftp_fail(e, C_HOSTKEY, c->id, "%s sent no host key",
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
				return eg_sftp_fail(e, C_HOSTKEY, c->id,
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
			return eg_sftp_fail(e, C_HOSTKEY, c->id,
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
		return eg_sftp_fail(e, C_HOSTKEY, c->id,
			    "the host key for %s has changed: it offered %s "
			    "key %s, and %s has a different %s key for it "
			    "(refused; if the partner did change its key, "
			    "replace that line: `edigate partner probe` "
			    "prints the new one)",
			    c->hostlabel, c->key_type, c->fpr, c->known_hosts,
			    c->key_type);
	return eg_sftp_fail(e, C_HOSTKEY, c->id,
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
			return eg_sftp_fail(e, C_AUTH, c->id,
				    "the %s comes from $%s, which is not set",
				    what, p->secret_envs[i]);
		if (strlen(v) >= cap)
			return eg_sftp_fail(e, C_AUTH, c->id, "the %s in $%s is too long",
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
		rc = eg_sftp_fail(e, C_AUTH, c->id, "cannot read the %s file %s: %s",
			  what, path, strerror(errno));
		goto out;
	}
	if (st.st_mode & 077) {
		rc = eg_sftp_fail(e, C_AUTH, c->id,
			  "the %s file %s is mode %03o: secrets files must "
			  "be 0600",
			  what, path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	while (n < cap - 1 && (r = read(fd, dst + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = eg_sftp_fail(e, C_AUTH, c->id, "cannot read the %s file %s: %s",
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
		return eg_sftp_ssh_fail(c, e, "asking %s how user %s may log in",
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
			return eg_sftp_ssh_fail(c, e, "logging in to %s", c->hostlabel);
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
				return eg_sftp_ssh_fail(c, e, "logging in to %s",
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
	return eg_sftp_fail(e, C_AUTH, c->id,
		    "%s refused user %s: %s (the server offers %s)",
		    c->hostlabel, p->user, tried, c->methods);
}

/*
 * After our SSH_MSG_DISCONNECT: say we send no more, and read what the
 * server still sends until it closes (or ms pass).  Closing a socket
 * with unread bytes, or before the server's last reply, makes the
 * kernel reset the connection, and the server logs "Broken pipe" or
 * "Connection reset" for a session that ended well.
 */
static void
drain(int sock, long long ms)
{
	long long deadline = eg_sftp_mono_ms() + ms, left;
	struct pollfd pf;
	char junk[4096];
	ssize_t r;

	if (shutdown(sock, SHUT_WR) != 0)
		return;
	while ((left = deadline - eg_sftp_mono_ms()) > 0) {
		pf.fd = sock;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, (int)left) <= 0)
			return;
		r = recv(sock, junk, sizeof(junk), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN &&
			       errno != EWOULDBLOCK))
			return;
	}
}

/* Free the connection; a broken one (already shut down) gets no
 * goodbye, a sound one a clean SSH disconnect. */
void
eg_sftp_conn_close(conn *c)
{
	int bye = c->ss && !c->broken && c->sock >= 0;

	if (c->sftp)
		libssh2_sftp_shutdown(c->sftp);
	if (c->kh)
		libssh2_knownhost_free(c->kh);
	if (bye)
		bye = libssh2_session_disconnect(c->ss, "edigate done") == 0;
	if (bye) /* at most 2 s: a goodbye is not worth the timeout */
		drain(c->sock, c->timeout_ms < 2000 ? c->timeout_ms : 2000);
	if (c->ss)
		libssh2_session_free(c->ss);
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
eg_err
eg_sftp_conn_open(conn *c, const eg_profile *p, const char *home, int want_sftp,
	  eg_error *e)
{
	unsigned port = p->port ? p->port : 22;
	eg_err rc;

	memset(c, 0, sizeof(*c));
	c->sock = -1;
	c->p = p;
	c->id = p->id ? p->id : "(unnamed)";
	if (!eg_tp_is_set(p->host) || !eg_tp_is_set(p->user))
		return eg_sftp_fail(e, C_CONNECT, c->id, "no host or user set");
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
		return eg_sftp_fail(e, C_HOSTKEY, c->id,
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
		return eg_sftp_ssh_fail(c, e, "SSH handshake with %s", c->hostlabel);
	/* No libssh2 keepalive timer: libssh2 1.10 waits for the next
	 * keepalive or the timeout, whichever is first, and reports a
	 * timeout when the keepalive's wait ends -- at the keepalive
	 * interval, not the timeout.  An idle session is checked before it
	 * is used again instead (revive). */
	libssh2_keepalive_config(c->ss, 0, 0);
	rc = check_host_key(c, e);
	if (rc != EG_OK)
		return rc;
	c->key_ok = 1;
	rc = authenticate(c, e);
	if (rc != EG_OK || !want_sftp)
		return rc;
	c->sftp = libssh2_sftp_init(c->ss);
	if (!c->sftp)
		return eg_sftp_ssh_fail(c, e, "starting SFTP on %s", c->hostlabel);
	return EG_OK;
}

