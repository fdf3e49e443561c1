/*
 * test_sftp.c - the SFTP transport against a real OpenSSH sshd.
 *
 * The group setup makes a scratch directory, client keys (ssh-keygen),
 * and starts /usr/sbin/sshd on a free 127.0.0.1 port with
 * tests/sftp/sshd.sh; every test is skipped when that cannot be done.
 * The server's inbox, outbox and archive are directories in the scratch
 * directory, named by absolute path (internal-sftp, no chroot).  Faults
 * are real: the server's processes are killed mid-transfer, and
 * tests/sftp/cutproxy.py cuts or stalls the TCP stream after N bytes.
 *
 * Runs with cwd tests/unit (the Makefile's way).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <setjmp.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/sftp.h"
#include "edigate/transport.h"

#define SSHD_SH "../sftp/sshd.sh"
#define PROXY_PY "../sftp/cutproxy.py"

/* errors are set once: each call gets a cleared one */
#define E (eg_error_clear(&e), &e)

typedef struct env {
	char dir[256];      /* scratch directory */
	char script[4096];  /* absolute path of sshd.sh */
	char proxy[4096];
	char user[64];
	int port;
	int up;             /* sshd running */
	char fpr[128];      /* the server's ED25519 fingerprint */
	char known[300];    /* known_hosts with the server's key */
} env;

/* ---- helpers -------------------------------------------------------- */

static void
pathf(char *dst, size_t cap, const env *v, const char *fmt, ...)
{
	char rel[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(dst, cap, "%s/%s", v->dir, rel);
}

/* Run argv, stdout into out (may be NULL); the exit status, -1 when it
 * could not run. */
static int
run(char *const argv[], char *out, size_t cap)
{
	int fds[2], st;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		if (nul >= 0 && !out)
			dup2(nul, 1);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (out && n + 1 < cap && (r = read(fds[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	if (out)
		out[n] = '\0';
	close(fds[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
sshd_ctl(env *v, const char *what)
{
	char port[16], owner[16];
	char *argv[] = {"sh", v->script, (char *)what, v->dir, port, owner,
			NULL};

	snprintf(port, sizeof(port), "%d", v->port);
	snprintf(owner, sizeof(owner), "%ld", (long)getpid());
	return run(argv, NULL, 0);
}

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
keygen(const env *v, const char *type, const char *name, const char *pass)
{
	char path[512];
	char *argv[] = {"ssh-keygen", "-q", "-t", (char *)type, "-N",
			(char *)pass, "-C", "edigate-test", "-f", path, NULL};

	pathf(path, sizeof(path), v, "%s", name);
	unlink(path);
	return run(argv, NULL, 0);
}

static int
write_file(const char *path, const void *p, size_t n, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, p, n) == (ssize_t)n;
	close(fd);
	chmod(path, (mode_t)mode);
	return ok ? 0 : -1;
}

static char *
read_all(const char *path, size_t *n)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = malloc((size_t)st.st_size + 1);
	*n = 0;
	while (p && *n < (size_t)st.st_size) {
		ssize_t r = read(fd, p + *n, (size_t)st.st_size - *n);

		if (r <= 0)
			break;
		*n += (size_t)r;
	}
	if (p)
		p[*n] = '\0';
	close(fd);
	return p;
}

static int
append_file(const char *dst, const char *src)
{
	size_t n;
	char *p = read_all(src, &n);
	int fd, ok;

	if (!p)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;
	if (fd >= 0)
		close(fd);
	free(p);
	return ok ? 0 : -1;
}

/* Pseudo-random bytes, the same for the same seed. */
static unsigned char *
pattern(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; p && i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
rm_rf(const char *path)
{
	char *argv[] = {"rm", "-rf", (char *)path, NULL};

	run(argv, NULL, 0);
}

/* Kill pid and everything under it (sshd's listener and its sessions). */
static void
kill_tree(pid_t top)
{
	pid_t pids[4096], ppids[4096], tree[256];
	size_t n = 0, nt = 0, i, k;
	struct dirent *de;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d)) && n < 4096) {
		char path[300], buf[512], *s;
		int fd;
		ssize_t r;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		s = strrchr(buf, ')'); /* "pid (comm) S ppid" */
		if (!s || strlen(s) < 4)
			continue;
		pids[n] = (pid_t)strtol(de->d_name, NULL, 10);
		ppids[n++] = (pid_t)strtol(s + 4, NULL, 10);
	}
	if (d)
		closedir(d);
	tree[nt++] = top;
	for (k = 0; k < nt; k++)
		for (i = 0; i < n && nt < 256; i++)
			if (ppids[i] == tree[k])
				tree[nt++] = pids[i];
	for (k = 0; k < nt; k++)
		kill(tree[k], SIGKILL);
}

static pid_t
sshd_pid(const env *v)
{
	char path[512], *s;
	size_t n;
	pid_t pid;

	pathf(path, sizeof(path), v, "sshd.pid");
	s = read_all(path, &n);
	pid = s ? (pid_t)strtol(s, NULL, 10) : 0;
	free(s);
	return pid;
}

/* ---- profiles --------------------------------------------------------- */

static char *
sdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
set(char **f, const char *s)
{
	free(*f);
	*f = sdup(s);
}

static eg_profile *
profile(const env *v)
{
	eg_profile *p = calloc(1, sizeof(*p));
	char buf[512];

	p->id = sdup("acme");
	p->sftp = 1;
	p->host = sdup("127.0.0.1");
	p->port = (unsigned)v->port;
	p->user = sdup(v->user);
	pathf(buf, sizeof(buf), v, "id_ed25519");
	p->key_file = sdup(buf);
	p->known_hosts = sdup(v->known);
	pathf(buf, sizeof(buf), v, "in");
	p->inbox = sdup(buf);
	pathf(buf, sizeof(buf), v, "out");
	p->outbox = sdup(buf);
	p->inbox_pattern = sdup("*.x12");
	p->after_action = sdup("leave");
	p->timeout = 5;
	p->max_sessions = 1;
	return p;
}

static void
profile_free(eg_profile *p)
{
	char **f[] = {&p->id, &p->host, &p->user, &p->key_file,
		      &p->known_hosts, &p->host_key, &p->secret_files[0],
		      &p->secret_files[1], &p->secret_envs[0],
		      &p->secret_envs[1], &p->inbox, &p->inbox_pattern,
		      &p->inbox_exclude, &p->outbox, &p->after_action,
		      &p->move_to, &p->done_suffix, &p->temp_suffix,
		      &p->outbox_done_suffix};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		free(*f[i]);
	free(p);
}

/* ---- setup ------------------------------------------------------------ */

static int
start(env *v)
{
	if (sshd_ctl(v, "start") != 0)
		return -1;
	v->up = 1;
	return 0;
}

static void
stop(env *v)
{
	if (v->up)
		sshd_ctl(v, "stop");
	v->up = 0;
}

static int
group_setup(void **state)
{
	env *v = calloc(1, sizeof(*v));
	char path[512], pub[512], out[1024], *s;
	char *lf[] = {"ssh-keygen", "-l", "-f", pub, NULL};
	const char *sub[] = {"in", "out", "keys"};
	size_t i;

	*state = v;
	snprintf(v->dir, sizeof(v->dir), "/tmp/eg-sftp-XXXXXX");
	if (!mkdtemp(v->dir) || !realpath(SSHD_SH, v->script) ||
	    !realpath(PROXY_PY, v->proxy) || access("/usr/sbin/sshd", X_OK))
		return 0;
	snprintf(v->user, sizeof(v->user), "%s",
		 getenv("USER") && geteuid() != 0 ? getenv("USER") : "root");
	if (geteuid() != 0) {
		char *argv[] = {"id", "-un", NULL};

		if (run(argv, out, sizeof(out)) == 0) {
			out[strcspn(out, "\n")] = '\0';
			snprintf(v->user, sizeof(v->user), "%.63s", out);
		}
	}
	for (i = 0; i < 3; i++) {
		pathf(path, sizeof(path), v, "%s", sub[i]);
		mkdir(path, 0755);
	}
	if (keygen(v, "ed25519", "id_ed25519", "") ||
	    keygen(v, "ed25519", "id_other", "") ||
	    keygen(v, "ecdsa", "id_ecdsa", "") ||
	    keygen(v, "ed25519", "id_enc", "s3cret phrase") ||
	    keygen(v, "ed25519", "host_ed25519", "") ||
	    keygen(v, "ed25519", "host_other", ""))
		return 0;
	pathf(path, sizeof(path), v, "authorized_keys");
	pathf(pub, sizeof(pub), v, "id_ed25519.pub");
	append_file(path, pub);
	pathf(pub, sizeof(pub), v, "id_ecdsa.pub");
	append_file(path, pub);
	pathf(pub, sizeof(pub), v, "id_enc.pub");
	append_file(path, pub);
	v->port = free_port();
	if (v->port <= 0 || start(v) != 0)
		return 0;
	/* known_hosts: "[127.0.0.1]:PORT ssh-ed25519 AAAA..." */
	pathf(pub, sizeof(pub), v, "host_ed25519.pub");
	s = read_all(pub, &i);
	pathf(v->known, sizeof(v->known), v, "known_hosts");
	if (s) {
		char line[1024];

		s[strcspn(s, "\n")] = '\0';
		snprintf(line, sizeof(line),
			 "other.example ssh-ed25519 "
			 "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9"
			 "okWi0dh2l9GKJl\n[127.0.0.1]:%d %s\n",
			 v->port, s);
		write_file(v->known, line, strlen(line), 0644);
		free(s);
	}
	if (run(lf, out, sizeof(out)) == 0 && (s = strstr(out, "SHA256:")))
		snprintf(v->fpr, sizeof(v->fpr), "%.*s", (int)strcspn(s, " "), s);
	return 0;
}

static int
group_teardown(void **state)
{
	env *v = *state;

	stop(v);
	if (v->dir[0] && getenv("EG_KEEP_SFTP_TMP") == NULL)
		rm_rf(v->dir);
	free(v);
	return 0;
}

/* Skip unless sshd is up; clear the server's folders. */
static env *
need(void **state)
{
	env *v = *state;
	char path[512];

	if (!v->up || !v->fpr[0]) {
		print_message("sshd could not be started: skipped\n");
		skip();
	}
	pathf(path, sizeof(path), v, "in");
	rm_rf(path);
	mkdir(path, 0755);
	pathf(path, sizeof(path), v, "out");
	rm_rf(path);
	mkdir(path, 0755);
	pathf(path, sizeof(path), v, "archive");
	rm_rf(path);
	return v;
}

/* ---- sinks ------------------------------------------------------------ */

typedef struct sinkbuf {
	unsigned char *p;
	size_t n, cap;
	size_t kill_after; /* kill sshd's tree once this much came in */
	pid_t kill_pid;
} sinkbuf;

static eg_err
to_mem(void *ud, const void *p, size_t n, eg_error *e)
{
	sinkbuf *b = ud;

	(void)e;
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2;
		unsigned char *q = realloc(b->p, cap);

		if (!q)
			return EG_ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	if (b->kill_pid && b->n >= b->kill_after) {
		kill_tree(b->kill_pid);
		b->kill_pid = 0;
	}
	return EG_OK;
}

/* Open p, failing the test with the error's text. */
static eg_transport *
open_ok(const eg_profile *p, const env *v, time_t now)
{
	eg_transport *t = NULL;
	eg_error e;

	eg_error_clear(&e);
	if (eg_transport_open(&t, p, v->dir, now, &e) != EG_OK)
		fail_msg("open: %s", e.msg);
	return t;
}

static void
put_server(const env *v, const char *rel, const void *p, size_t n)
{
	char path[512];

	pathf(path, sizeof(path), v, "%s", rel);
	assert_int_equal(write_file(path, p, n, 0644), 0);
}

static void
age(const env *v, const char *rel, time_t secs)
{
	char path[512];
	struct timeval tv[2];

	pathf(path, sizeof(path), v, "%s", rel);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= secs;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
}

/* ---- tests: pull and push ------------------------------------------------ */

static void
test_pull(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	size_t big = 3 * 1024 * 1024 + 17;
	unsigned char *a = pattern(big, 1);
	sinkbuf b = {0};
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;
	char want[512];

	put_server(v, "in/B.x12", a, big);
	put_server(v, "in/A.x12", "ISA*00~", 7);
	put_server(v, "in/skip.txt", "x", 1);
	put_server(v, "in/.hidden.x12", "x", 1);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "A.x12");
	assert_string_equal(l.v[1].name, "B.x12");
	pathf(want, sizeof(want), v, "in/B.x12");
	assert_string_equal(l.v[1].path, want);
	assert_int_equal(l.v[1].size, big);
	assert_int_equal(t->ops->fetch(t, &l.v[1], to_mem, &b, E), EG_OK);
	assert_int_equal(b.n, big);
	assert_memory_equal(b.p, a, big);
	b.n = 0;
	assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &b, E), EG_OK);
	assert_int_equal(b.n, 7);
	assert_memory_equal(b.p, "ISA*00~", 7);
	/* changed since listed: refused */
	put_server(v, "in/A.x12", "ISA*00*~", 8);
	assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &b, E), EG_EIO);
	assert_non_null(strstr(e.msg, "changed"));
	eg_tlist_free(&l);
	t->ops->close(t);
	free(b.p);
	free(a);
	profile_free(p);
}

/* A sink that changes the server's file under the fetch, on its first
 * call: grows it (append) or shrinks it (truncate). */
typedef struct change_sink {
	sinkbuf b;
	const char *path;
	int grow, done;
} change_sink;

static eg_err
change_midway(void *ud, const void *p, size_t n, eg_error *e)
{
	change_sink *c = ud;
	int fd;

	if (!c->done) {
		c->done = 1;
		fd = open(c->path, O_WRONLY | (c->grow ? O_APPEND : 0));
		if (fd < 0 || (c->grow ? write(fd, "x", 1) != 1
				       : ftruncate(fd, 1000) != 0))
			fail_msg("cannot change %s", c->path);
		close(fd);
	}
	return to_mem(&c->b, p, n, e);
}

/* A file that grows or shrinks while it is fetched is refused: fetch
 * reads no further than the listed size, the checks after it see the
 * change. */
static void
test_pull_changed_midway(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	size_t big = 3 * 1024 * 1024 + 5;
	unsigned char *a = pattern(big, 7);
	change_sink c;
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;
	char path[512];
	int grow;

	pathf(path, sizeof(path), v, "in/M.x12");
	for (grow = 1; grow >= 0; grow--) {
		put_server(v, "in/M.x12", a, big);
		t = open_ok(p, v, time(NULL));
		assert_int_equal(t->ops->list(t, &l, E), EG_OK);
		assert_int_equal(l.n, 1);
		memset(&c, 0, sizeof(c));
		c.path = path;
		c.grow = grow;
		assert_int_equal(t->ops->fetch(t, &l.v[0], change_midway, &c, E),
				 EG_EIO);
		assert_non_null(strstr(e.msg, "changed while fetched"));
		assert_true(c.b.n <= big);
		/* the connection is still good for the next file */
		put_server(v, "in/M.x12", a, big);
		eg_tlist_free(&l);
		assert_int_equal(t->ops->list(t, &l, E), EG_OK);
		c.b.n = 0;
		assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &c.b, E),
				 EG_OK);
		assert_int_equal(c.b.n, big);
		assert_memory_equal(c.b.p, a, big);
		eg_tlist_free(&l);
		t->ops->close(t);
		free(c.b.p);
	}
	unlink(path);
	free(a);
	profile_free(p);
}

/* A listed file that is gone when its turn comes fails alone: not the
 * not-found class (which stops the partner), not a transient one (which
 * drops the session); the session goes on with the next file. */
static void
test_fetch_vanished(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	unsigned char *a = pattern(5000, 3);
	eg_tlist l = {0};
	eg_transport *t;
	sinkbuf b = {0};
	eg_error e;
	char path[512];

	put_server(v, "in/V1.x12", a, 5000);
	put_server(v, "in/V2.x12", a, 5000);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 2);
	pathf(path, sizeof(path), v, "in/V1.x12");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &b, E), EG_EIO);
	assert_non_null(strstr(e.msg, "gone since it was listed"));
	assert_null(eg_sftp_error_class(&e));
	assert_false(eg_transport_transient(&e));
	assert_int_equal(t->ops->fetch(t, &l.v[1], to_mem, &b, E), EG_OK);
	assert_int_equal(b.n, 5000);
	assert_memory_equal(b.p, a, 5000);
	eg_tlist_free(&l);
	t->ops->close(t);
	pathf(path, sizeof(path), v, "in/V2.x12");
	unlink(path);
	free(b.p);
	free(a);
	profile_free(p);
}

static void
test_list_missing_inbox(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;

	set(&p->inbox, "/nonexistent/inbox");
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_ENOTFOUND);
	assert_string_equal(eg_sftp_error_class(&e), "not-found");
	t->ops->close(t);
	profile_free(p);
}

static void
check_out(const env *v, const char *name, const void *want, size_t n)
{
	char path[512];
	size_t got;
	char *s;

	pathf(path, sizeof(path), v, "out/%s", name);
	s = read_all(path, &got);
	assert_non_null(s);
	assert_int_equal(got, n);
	assert_memory_equal(s, want, n);
	free(s);
	pathf(path, sizeof(path), v, "out/.%s.part", name);
	assert_false(exists(path));
}

static void
test_push(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	size_t big = 5 * 1024 * 1024 + 3;
	unsigned char *a = pattern(big, 2), *c = pattern(big, 3);
	char local[512], path[512];
	eg_transport *t;
	eg_error e;

	set(&p->outbox_done_suffix, ".ok");
	pathf(local, sizeof(local), v, "local.bin");
	assert_int_equal(write_file(local, a, big, 0644), 0);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->put(t, local, "OUT1.x12", E), EG_OK);
	check_out(v, "OUT1.x12", a, big);
	pathf(path, sizeof(path), v, "out/OUT1.x12.ok");
	assert_true(exists(path));
	/* a retry with the same bytes: delivered already, fine, and the
	 * copy it uploaded is not left behind */
	assert_int_equal(t->ops->put(t, local, "OUT1.x12", E), EG_OK);
	check_out(v, "OUT1.x12", a, big);
	pathf(path, sizeof(path), v, "out/.OUT1.x12.part");
	assert_false(exists(path));
	/* other bytes under that name: refused unless if-exists=replace */
	assert_int_equal(write_file(local, c, big, 0644), 0);
	assert_int_equal(t->ops->put(t, local, "OUT1.x12", E), EG_EIO);
	assert_string_equal(eg_sftp_error_class(&e), "permission");
	assert_non_null(strstr(e.msg, "if-exists"));
	check_out(v, "OUT1.x12", a, big);
	t->ops->close(t);
	p->outbox_replace = 1;
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->put(t, local, "OUT1.x12", E), EG_OK);
	check_out(v, "OUT1.x12", c, big);
	/* empty file, bad names */
	assert_int_equal(write_file(local, "", 0, 0644), 0);
	assert_int_equal(t->ops->put(t, local, "EMPTY.x12", E), EG_OK);
	check_out(v, "EMPTY.x12", "", 0);
	assert_int_equal(t->ops->put(t, local, "../x", E), EG_EINVAL);
	t->ops->close(t);
	free(a);
	free(c);
	profile_free(p);
}

static void
test_growing_not_taken(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;

	p->stable_for = 60;
	set(&p->temp_suffix, ".tmp");
	put_server(v, "in/NEW.x12", "ISA", 3);
	put_server(v, "in/OLD.x12", "ISA", 3);
	put_server(v, "in/W.x12.tmp", "ISA", 3);
	age(v, "in/OLD.x12", 120);
	age(v, "in/W.x12.tmp", 120);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "OLD.x12");
	assert_int_equal(l.waiting, 1);
	eg_tlist_free(&l);
	t->ops->close(t);
	/* the same file, a minute later by the run's clock */
	t = open_ok(p, v, time(NULL) + 61);
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 2);
	eg_tlist_free(&l);
	t->ops->close(t);
	profile_free(p);
}

static void
test_done_gating(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;
	char want[512];

	set(&p->done_suffix, ".done");
	put_server(v, "in/A.x12", "ISA", 3);
	put_server(v, "in/B.x12", "ISA", 3);
	put_server(v, "in/B.x12.done", "", 0);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.waiting, 1);
	assert_string_equal(l.v[0].name, "B.x12");
	pathf(want, sizeof(want), v, "in/B.x12.done");
	assert_string_equal(l.v[0].done_file, want);
	eg_tlist_free(&l);
	t->ops->close(t);
	profile_free(p);
}

/* List, fetch the one file, post: what is left where. */
static void
post_one(const env *v, eg_profile *p)
{
	eg_tlist l = {0};
	sinkbuf b = {0};
	eg_transport *t;
	eg_error e;

	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &b, E), EG_OK);
	if (t->ops->post(t, &l.v[0], E) != EG_OK)
		fail_msg("post: %s", e.msg);
	/* a repeat (a crash before it was recorded) is harmless */
	if (t->ops->post(t, &l.v[0], E) != EG_OK)
		fail_msg("post again: %s", e.msg);
	eg_tlist_free(&l);
	t->ops->close(t);
	free(b.p);
}

static void
test_post_actions(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	char path[512];

	set(&p->done_suffix, ".done");
	/* leave */
	put_server(v, "in/A.x12", "ISA", 3);
	put_server(v, "in/A.x12.done", "", 0);
	post_one(v, p);
	pathf(path, sizeof(path), v, "in/A.x12");
	assert_true(exists(path));
	/* delete: the file and its done-file */
	set(&p->after_action, "delete");
	post_one(v, p);
	assert_false(exists(path));
	pathf(path, sizeof(path), v, "in/A.x12.done");
	assert_false(exists(path));
	/* move, into a folder made on the way; a second A.x12 is A.x12.1 */
	set(&p->after_action, "move");
	pathf(path, sizeof(path), v, "archive/2024");
	set(&p->move_to, path);
	put_server(v, "in/A.x12", "ISA1", 4);
	put_server(v, "in/A.x12.done", "", 0);
	post_one(v, p);
	put_server(v, "in/A.x12", "ISA2", 4);
	put_server(v, "in/A.x12.done", "", 0);
	post_one(v, p);
	pathf(path, sizeof(path), v, "archive/2024/A.x12");
	assert_true(exists(path));
	pathf(path, sizeof(path), v, "archive/2024/A.x12.1");
	assert_true(exists(path));
	pathf(path, sizeof(path), v, "archive/2024/A.x12.done");
	assert_true(exists(path));
	pathf(path, sizeof(path), v, "in/A.x12");
	assert_false(exists(path));
	pathf(path, sizeof(path), v, "in/A.x12.done");
	assert_false(exists(path));
	profile_free(p);
}

/* ---- tests: host keys and logins --------------------------------------- */

/* Open must fail with this class; the message is returned in e. */
static void
open_fails(const eg_profile *p, const env *v, const char *cls, eg_error *e)
{
	eg_transport *t = NULL;
	eg_err rc;

	eg_error_clear(e);
	rc = eg_transport_open(&t, p, v->dir, time(NULL), e);
	assert_null(t);
	assert_int_not_equal(rc, EG_OK);
	if (!eg_sftp_error_class(e) || strcmp(eg_sftp_error_class(e), cls))
		fail_msg("wanted class %s: %s", cls, e->msg);
}

static void
test_unknown_host_key(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	char path[512];
	const char *line = "other.example ssh-ed25519 "
			   "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH"
			   "5C9okWi0dh2l9GKJl\n";
	eg_error e;

	pathf(path, sizeof(path), v, "known_other");
	write_file(path, line, strlen(line), 0644);
	set(&p->known_hosts, path);
	open_fails(p, v, "host-key", &e);
	assert_int_equal(e.code, EG_ECONFIG);
	assert_non_null(strstr(e.msg, v->fpr));
	assert_non_null(strstr(e.msg, "ED25519"));
	assert_non_null(strstr(e.msg, "is not in"));
	profile_free(p);
}

static void
test_changed_host_key(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	char path[512], pub[512], line[1024];
	eg_error e;
	size_t n;
	char *s;

	pathf(pub, sizeof(pub), v, "host_other.pub");
	s = read_all(pub, &n);
	assert_non_null(s);
	s[strcspn(s, "\n")] = '\0';
	snprintf(line, sizeof(line), "[127.0.0.1]:%d %s\n", v->port, s);
	free(s);
	pathf(path, sizeof(path), v, "known_changed");
	write_file(path, line, strlen(line), 0644);
	set(&p->known_hosts, path);
	open_fails(p, v, "host-key", &e);
	assert_non_null(strstr(e.msg, "has changed"));
	assert_non_null(strstr(e.msg, v->fpr));
	profile_free(p);
}

static void
test_hashed_known_hosts(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	char path[512];
	char *argv[] = {"ssh-keygen", "-q", "-H", "-f", path, NULL};
	eg_transport *t;
	size_t n;
	char *s;

	pathf(path, sizeof(path), v, "known_hashed");
	s = read_all(v->known, &n);
	write_file(path, s, n, 0644);
	free(s);
	assert_int_equal(run(argv, NULL, 0), 0);
	s = read_all(path, &n);
	assert_non_null(strstr(s, "|1|"));
	assert_null(strstr(s, "127.0.0.1"));
	free(s);
	set(&p->known_hosts, path);
	t = open_ok(p, v, time(NULL));
	t->ops->close(t);
	profile_free(p);
}

static void
test_pinned_fingerprint(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_transport *t;
	eg_error e;

	set(&p->known_hosts, NULL);
	set(&p->host_key, v->fpr);
	t = open_ok(p, v, time(NULL));
	t->ops->close(t);
	set(&p->host_key, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	open_fails(p, v, "host-key", &e);
	assert_non_null(strstr(e.msg, v->fpr));
	assert_non_null(strstr(e.msg, "pinned"));
	profile_free(p);
}

static void
test_client_keys(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	char path[512];
	eg_transport *t;
	eg_error e;

	/* not authorized */
	pathf(path, sizeof(path), v, "id_other");
	set(&p->key_file, path);
	open_fails(p, v, "auth", &e);
	assert_int_equal(e.code, EG_ECONFIG);
	/* ECDSA, named relative to the home */
	set(&p->key_file, "id_ecdsa");
	t = open_ok(p, v, time(NULL));
	t->ops->close(t);
	/* encrypted: passphrase from a 0600 file, then from the env */
	set(&p->key_file, "id_enc");
	open_fails(p, v, "auth", &e);
	pathf(path, sizeof(path), v, "keys/pass");
	write_file(path, "s3cret phrase\n", 14, 0600);
	set(&p->secret_files[0], "keys/pass");
	t = open_ok(p, v, time(NULL));
	t->ops->close(t);
	chmod(path, 0644);
	open_fails(p, v, "auth", &e);
	assert_non_null(strstr(e.msg, "0600"));
	set(&p->secret_files[0], NULL);
	set(&p->secret_envs[0], "EG_TEST_SFTP_PASS");
	setenv("EG_TEST_SFTP_PASS", "s3cret phrase", 1);
	t = open_ok(p, v, time(NULL));
	t->ops->close(t);
	setenv("EG_TEST_SFTP_PASS", "wrong", 1);
	open_fails(p, v, "auth", &e);
	unsetenv("EG_TEST_SFTP_PASS");
	profile_free(p);
}

/*
 * Password login from a secrets file.  The test cannot know a real
 * account's password, so it checks that a wrong one is sent and refused
 * as an auth error; EG_TEST_SFTP_PASSWORD (for the user running the
 * test) makes it check a successful login too.
 */
static void
test_password(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	const char *real = getenv("EG_TEST_SFTP_PASSWORD");
	char path[512];
	eg_transport *t;
	eg_error e;

	set(&p->key_file, NULL);
	pathf(path, sizeof(path), v, "keys/password");
	write_file(path, "not-the-password\n", 17, 0600);
	set(&p->secret_files[1], path);
	open_fails(p, v, "auth", &e);
	assert_non_null(strstr(e.msg, "password refused"));
	assert_null(strstr(e.msg, "not-the-password"));
	if (real) {
		write_file(path, real, strlen(real), 0600);
		t = open_ok(p, v, time(NULL));
		t->ops->close(t);
	}
	profile_free(p);
}

/* ---- tests: faults -------------------------------------------------------- */

static void
test_killed_mid_download(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	size_t big = 48 * 1024 * 1024;
	unsigned char *a = pattern(big, 4);
	sinkbuf b = {0};
	eg_tlist l = {0};
	eg_transport *t;
	eg_error e;
	eg_err rc;

	put_server(v, "in/BIG.x12", a, big);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->list(t, &l, E), EG_OK);
	b.kill_after = 1024 * 1024;
	b.kill_pid = sshd_pid(v);
	assert_true(b.kill_pid > 0);
	rc = t->ops->fetch(t, &l.v[0], to_mem, &b, E);
	assert_int_equal(rc, EG_EIO);
	assert_true(b.n < big);
	if (strcmp(eg_sftp_error_class(&e), "connect") != 0)
		fail_msg("wanted connect: %s", e.msg);
	t->ops->close(t);
	v->up = 0;
	assert_int_equal(start(v), 0);
	/* the next run takes it whole */
	t = open_ok(p, v, time(NULL));
	b.n = 0;
	assert_int_equal(t->ops->fetch(t, &l.v[0], to_mem, &b, E), EG_OK);
	assert_int_equal(b.n, big);
	assert_memory_equal(b.p, a, big);
	t->ops->close(t);
	eg_tlist_free(&l);
	free(b.p);
	free(a);
	profile_free(p);
}

static void
test_killed_mid_upload(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	size_t big = 64 * 1024 * 1024;
	unsigned char *a = pattern(big, 5);
	char local[512], part[512], final[512];
	eg_transport *t;
	eg_error e;
	pid_t watcher, server = sshd_pid(v);
	struct stat st;
	int status;

	pathf(local, sizeof(local), v, "local.big");
	assert_int_equal(write_file(local, a, big, 0644), 0);
	pathf(part, sizeof(part), v, "out/.BIG.x12.part");
	pathf(final, sizeof(final), v, "out/BIG.x12");
	t = open_ok(p, v, time(NULL));
	/* a watcher kills the server once 1 MB has arrived */
	watcher = fork();
	assert_true(watcher >= 0);
	if (watcher == 0) {
		int i;

		for (i = 0; i < 20000; i++) {
			if (stat(part, &st) == 0 && st.st_size > 1024 * 1024) {
				kill_tree(server);
				_exit(0);
			}
			usleep(500);
		}
		_exit(1);
	}
	assert_int_not_equal(t->ops->put(t, local, "BIG.x12", E), EG_OK);
	waitpid(watcher, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	print_message("killed mid-upload: %s\n", e.msg);
	assert_non_null(eg_sftp_error_class(&e));
	assert_false(exists(final));
	t->ops->close(t);
	v->up = 0;
	assert_int_equal(start(v), 0);
	t = open_ok(p, v, time(NULL));
	assert_int_equal(t->ops->put(t, local, "BIG.x12", E), EG_OK);
	check_out(v, "BIG.x12", a, big);
	t->ops->close(t);
	free(a);
	profile_free(p);
}

typedef struct proxy {
	pid_t pid;
	int port;
	int out; /* its stdout */
} proxy;

static int
proxy_start(const env *v, proxy *px, long limit, const char *mode)
{
	char lp[16], tp[16], n[24], line[16];
	char *argv[] = {"python3", (char *)v->proxy, lp, tp, n, (char *)mode,
			NULL};
	int fds[2];
	ssize_t r;

	px->port = free_port();
	snprintf(lp, sizeof(lp), "%d", px->port);
	snprintf(tp, sizeof(tp), "%d", v->port);
	snprintf(n, sizeof(n), "%ld", limit);
	if (pipe(fds) != 0)
		return -1;
	px->pid = fork();
	if (px->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	/* up to the newline: python may write "ready" and "\n" apart, and
	 * the pipe stays open until proxy_stop so that it never writes to
	 * a closed one */
	px->out = fds[0];
	for (r = 0; r < (ssize_t)sizeof(line) - 1;) {
		ssize_t k = read(px->out, line + r, 1);

		if (k <= 0 || line[r] == '\n')
			break;
		r += k;
	}
	if (r < 5 || memcmp(line, "ready", 5) != 0) {
		close(px->out);
		if (px->pid > 0) {
			kill(px->pid, SIGKILL);
			waitpid(px->pid, NULL, 0);
		}
		return -1;
	}
	return 0;
}

static void
proxy_stop(proxy *px)
{
	kill(px->pid, SIGKILL);
	waitpid(px->pid, NULL, 0);
	close(px->out);
}

static double
secs_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Through the proxy: open (and fetch BIG.x12 when open succeeds);
 * the failure's class. */
static const char *
through_proxy(const env *v, eg_profile *p, proxy *px, eg_error *e,
	      double *secs)
{
	eg_transport *t = NULL;
	eg_tlist l = {0};
	sinkbuf b = {0};
	struct timespec t0;
	eg_err rc;

	p->port = (unsigned)px->port;
	eg_error_clear(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = eg_transport_open(&t, p, v->dir, time(NULL), e);
	if (rc == EG_OK) {
		rc = t->ops->list(t, &l, e);
		if (rc == EG_OK && l.n == 1)
			rc = t->ops->fetch(t, &l.v[0], to_mem, &b, e);
		t->ops->close(t);
	}
	*secs = secs_since(&t0);
	eg_tlist_free(&l);
	free(b.p);
	assert_int_not_equal(rc, EG_OK);
	return eg_sftp_error_class(e);
}

static void
test_proxy_cut(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	static const long cuts[] = {30, 1500, 6000, 400000};
	size_t big = 8 * 1024 * 1024, i;
	unsigned char *a = pattern(big, 6);
	const char *cls;
	proxy px;
	eg_error e;
	double secs;

	if (access("/usr/bin/python3", X_OK) != 0 &&
	    access("/usr/local/bin/python3", X_OK) != 0 && !getenv("PATH"))
		skip();
	put_server(v, "in/BIG.x12", a, big);
	/* the proxy's port is not in known_hosts: pin the key instead */
	set(&p->known_hosts, NULL);
	set(&p->host_key, v->fpr);
	p->timeout = 3;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (proxy_start(v, &px, cuts[i], "cut") != 0)
			skip();
		cls = through_proxy(v, p, &px, &e, &secs);
		proxy_stop(&px);
		print_message("cut after %ld bytes: %.2f s: %s\n", cuts[i], secs,
			      e.msg);
		assert_non_null(cls);
		assert_true(strcmp(cls, "connect") == 0 ||
			    strcmp(cls, "protocol") == 0);
		assert_true(secs < 3.0);
	}
	free(a);
	profile_free(p);
}

static void
test_proxy_stall(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	static const long stalls[] = {30, 6000, 400000};
	/* the timeout of the last, mid-fetch: libssh2 1.10 with a keepalive
	 * timer gave up at the keepalive's interval, half of this.  libssh2
	 * counts whole seconds (a wait may end up to 1 s early): 20 % holds
	 * from 5 s on. */
	static const long timeouts[] = {2, 2, 6};
	size_t big = 8 * 1024 * 1024, i;
	unsigned char *a = pattern(big, 7);
	const char *cls;
	proxy px;
	eg_error e;
	double secs;

	put_server(v, "in/BIG.x12", a, big);
	set(&p->known_hosts, NULL);
	set(&p->host_key, v->fpr);
	for (i = 0; i < sizeof(stalls) / sizeof(stalls[0]); i++) {
		p->timeout = timeouts[i];
		if (proxy_start(v, &px, stalls[i], "stall") != 0)
			skip();
		cls = through_proxy(v, p, &px, &e, &secs);
		proxy_stop(&px);
		print_message("stall after %ld bytes: %.2f s: %s\n", stalls[i],
			      secs, e.msg);
		assert_non_null(cls);
		assert_string_equal(cls, "timeout");
		/* one call's timeout, not less (20 % at most, where
		 * libssh2's whole seconds allow it to be checked), plus the
		 * session's set-up before the stall and the close, which a
		 * loaded machine stretches: never a second timeout */
		if (timeouts[i] >= 5)
			assert_true(secs >= 0.8 * (double)timeouts[i]);
		assert_true(secs < 2.0 * (double)timeouts[i] + 1.0);
	}
	free(a);
	profile_free(p);
}

static void
test_connect_refused(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_error e;

	p->port = (unsigned)free_port();
	open_fails(p, v, "connect", &e);
	assert_int_equal(e.code, EG_EIO);
	profile_free(p);
}

/* ---- the probe ------------------------------------------------------------ */

static void
test_probe(void **state)
{
	env *v = need(state);
	eg_profile *p = profile(v);
	eg_sftp_probe_result r;
	char path[512];
	eg_error e;
	DIR *d;
	struct dirent *de;
	int n = 0;

	assert_int_equal(eg_sftp_probe(p, v->dir, &r, E), EG_OK);
	print_message("probe: %s %s kex %s cipher %s auth %s v%d ext [%s] "
		      "fsync %d posix-rename %d rename-over %d in %d out %d "
		      "write %d\n",
		      r.host_key_type, r.fingerprint, r.kex, r.cipher,
		      r.auth_methods, r.sftp_version, r.extensions, r.fsync,
		      r.posix_rename, r.rename_over, r.inbox_list,
		      r.outbox_list, r.outbox_write);
	assert_string_equal(r.host_key_type, "ED25519");
	assert_string_equal(r.fingerprint, v->fpr);
	assert_true(r.host_key_trusted);
	assert_non_null(strstr(r.auth_methods, "publickey"));
	assert_int_equal(r.sftp_version, 3);
	assert_int_equal(r.fsync, 1);
	assert_int_equal(r.posix_rename, 1);
	assert_int_equal(r.rename_over, 0); /* OpenSSH: v3 rename is link */
	assert_int_equal(r.inbox_list, 1);
	assert_int_equal(r.outbox_list, 1);
	assert_int_equal(r.outbox_write, 1);
	/* it left nothing behind */
	pathf(path, sizeof(path), v, "out");
	d = opendir(path);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.' || strstr(de->d_name, "probe");
	if (d)
		closedir(d);
	assert_int_equal(n, 0);
	/* a missing inbox is reported, not fatal */
	set(&p->inbox, "/nonexistent");
	assert_int_equal(eg_sftp_probe(p, v->dir, &r, E), EG_OK);
	assert_int_equal(r.inbox_list, 0);
	assert_non_null(strstr(r.inbox_err, "not-found"));
	/* an unknown host: the fingerprint is still reported */
	pathf(path, sizeof(path), v, "known_empty");
	write_file(path, "", 0, 0644);
	set(&p->known_hosts, path);
	assert_int_equal(eg_sftp_probe(p, v->dir, &r, E), EG_ECONFIG);
	assert_string_equal(r.fingerprint, v->fpr);
	assert_false(r.host_key_trusted);
	profile_free(p);
}

/*
 * libssh2 1.10 leaks two OpenSSL bignums each time it loads an ECDSA
 * private key (test_client_keys); not ours to fix, and narrow: only
 * leaks with that libssh2 call on their stack are passed over.
 */
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* libcrypto has no frame pointers: unwind slowly, or the libssh2 frame
 * the suppression names is never seen */
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:libssh2_userauth_publickey_fromfile_ex\n";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull),
		cmocka_unit_test(test_pull_changed_midway),
		cmocka_unit_test(test_fetch_vanished),
		cmocka_unit_test(test_list_missing_inbox),
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_growing_not_taken),
		cmocka_unit_test(test_done_gating),
		cmocka_unit_test(test_post_actions),
		cmocka_unit_test(test_unknown_host_key),
		cmocka_unit_test(test_changed_host_key),
		cmocka_unit_test(test_hashed_known_hosts),
		cmocka_unit_test(test_pinned_fingerprint),
		cmocka_unit_test(test_client_keys),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_killed_mid_download),
		cmocka_unit_test(test_killed_mid_upload),
		cmocka_unit_test(test_proxy_cut),
		cmocka_unit_test(test_proxy_stall),
	};

	/* a peer that goes away mid-write must not kill the test */
	if (getenv("EG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("EG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
