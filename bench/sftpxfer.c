/*
 * sftpxfer.c - edigate's SFTP transport alone, for bench/sftp.sh.
 *
 *   sftpxfer pull PROFILE HOME DIR   list the profile's inbox and fetch
 *                                    every listed file into DIR/NAME
 *   sftpxfer push PROFILE HOME DIR   put every regular file of DIR (not
 *                                    recursive, dotfiles skipped) into
 *                                    the profile's outbox, by name order
 *   sftpxfer cipher PROFILE HOME     print the cipher (client to server)
 *                                    and key exchange the transport
 *                                    negotiates with that server
 *                                    (eg_sftp_probe), for the bench's
 *                                    table
 *
 * PROFILE is a partner profile (its <transport type="sftp">), checked
 * against HOME/schemas/partner-profile.xsd; relative key and known_hosts
 * paths in it are relative to HOME.  One connection does the whole job:
 * transport open, then list + fetch (pull) or put (push), then close,
 * exactly as `edigate run` drives a transport, with the same checks
 * (listed size, fsync@openssh.com, temporary name then rename).  Fetched
 * copies are created with O_EXCL and written with write(2), not synced:
 * OpenSSH's sftp `get` does not sync either.
 *
 * Prints one line to standard output when all went well:
 *   sftpxfer: op=pull files=N bytes=N seconds=S
 * Exits 1 on any error (the message names the file), 2 on bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edigate/err.h"
#include "edigate/profile.h"
#include "edigate/sftp.h"
#include "edigate/transport.h"

typedef struct out_file {
	int fd;
	uint64_t n;
} out_file;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static eg_err
sink_write(void *ud, const void *p, size_t n, eg_error *e)
{
	out_file *o = ud;
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(o->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return eg_fail(e, EG_EIO, "write: %s", strerror(errno));
		s += w;
		n -= (size_t)w;
		o->n += (uint64_t)w;
	}
	return EG_OK;
}

static eg_err
pull(eg_transport *t, const char *dir, size_t *files, uint64_t *bytes,
     eg_error *e)
{
	eg_tlist l = {0};
	char path[PATH_MAX];
	out_file o;
	eg_err rc;
	size_t i;

	rc = t->ops->list(t, &l, e);
	for (i = 0; rc == EG_OK && i < l.n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     l.v[i].name) >= sizeof(path)) {
			rc = eg_fail(e, EG_ELIMIT, "path too long: %s", dir);
			break;
		}
		o.n = 0;
		o.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (o.fd < 0) {
			rc = eg_fail(e, EG_EIO, "cannot create %s: %s", path,
				     strerror(errno));
			break;
		}
		rc = t->ops->fetch(t, &l.v[i], sink_write, &o, e);
		if (close(o.fd) != 0 && rc == EG_OK)
			rc = eg_fail(e, EG_EIO, "cannot write %s: %s", path,
				     strerror(errno));
		if (rc == EG_OK && o.n != l.v[i].size)
			rc = eg_fail(e, EG_EIO, "%s: %llu bytes, listed %llu",
				     path, (unsigned long long)o.n,
				     (unsigned long long)l.v[i].size);
		*bytes += o.n;
		(*files)++;
	}
	eg_tlist_free(&l);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static eg_err
push(eg_transport *t, const char *dir, size_t *files, uint64_t *bytes,
     eg_error *e)
{
	char path[PATH_MAX], **names = NULL, **nv;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	eg_err rc = EG_OK;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return eg_fail(e, EG_EIO, "cannot open %s: %s", dir,
			       strerror(errno));
	while (rc == EG_OK && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(names, cap * sizeof(*nv));
			if (!nv) {
				rc = eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			names = nv;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
		else
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; rc == EG_OK && i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) >= sizeof(path)) {
			rc = eg_fail(e, EG_ELIMIT, "path too long: %s", dir);
			break;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = t->ops->put(t, path, names[i], e);
		*bytes += (uint64_t)st.st_size;
		(*files)++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* "cipher=aes128-ctr kex=curve25519-sha256" as negotiated. */
static int
cipher(const char *profile, const char *home)
{
	eg_sftp_probe_result *r = calloc(1, sizeof(*r));
	eg_profile *p = NULL;
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	if (!r)
		return 1;
	rc = eg_profile_load(&p, profile, home, &e);
	if (rc == EG_OK)
		rc = eg_sftp_probe(p, home, r, &e);
	if (rc == EG_OK)
		printf("cipher=%s kex=%s\n", r->cipher, r->kex);
	else
		fprintf(stderr, "sftpxfer: %s: %s\n", eg_err_str(rc), e.msg);
	eg_profile_free(p);
	free(r);
	return rc == EG_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	eg_profile *p = NULL;
	eg_transport *t = NULL;
	uint64_t bytes = 0;
	size_t files = 0;
	double t0;
	eg_error e;
	eg_err rc;
	int op;

	if (argc == 4 && strcmp(argv[1], "cipher") == 0)
		return cipher(argv[2], argv[3]);
	if (argc != 5 || (strcmp(argv[1], "pull") != 0 &&
			  strcmp(argv[1], "push") != 0)) {
		fprintf(stderr, "usage: sftpxfer pull|push PROFILE HOME DIR\n"
				"       sftpxfer cipher PROFILE HOME\n");
		return 2;
	}
	op = strcmp(argv[1], "push") == 0;
	eg_error_clear(&e);
	t0 = now();
	rc = eg_profile_load(&p, argv[2], argv[3], &e);
	if (rc == EG_OK && !p->sftp)
		rc = eg_fail(&e, EG_ECONFIG, "%s: not an sftp profile", argv[2]);
	if (rc == EG_OK)
		rc = eg_transport_open(&t, p, argv[3], time(NULL), &e);
	if (rc == EG_OK && op)
		rc = push(t, argv[4], &files, &bytes, &e);
	else if (rc == EG_OK)
		rc = pull(t, argv[4], &files, &bytes, &e);
	if (t)
		t->ops->close(t);
	eg_profile_free(p);
	if (rc != EG_OK) {
		fprintf(stderr, "sftpxfer: %s: %s\n", eg_err_str(rc), e.msg);
		return 1;
	}
	printf("sftpxfer: op=%s files=%zu bytes=%llu seconds=%.6f\n", argv[1],
	       files, (unsigned long long)bytes, now() - t0);
	return 0;
}
