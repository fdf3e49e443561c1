/*
 * cmd_partner_probe.c - `edigate partner probe ID [--json]`: onboarding's
 * first contact with a partner's SFTP server.  It connects as the
 * profile says (eg_sftp_probe) and reports what the server offers: its
 * host key and whether we trust it, the negotiated key exchange and
 * cipher, the login methods, the SFTP version and extensions, fsync and
 * posix-rename, whether a rename replaces a file, the inbox and outbox
 * listings, and what a delivery needs of the outbox: create and write a
 * file (as deliveries do, mode 0644), rename it to a new name, remove
 * it; a failed step is named (outbox-write, outbox-rename).
 *
 * It changes nothing on the server but its probe files in the outbox,
 * which it removes.  An unknown or changed host key is refused like a
 * run refuses it; the report then says how to trust the key once the
 * partner has confirmed its fingerprint.
 *
 * Exit codes (the --help says the same): 0 logged in and every check
 * passed, 1 logged in but a check failed (a folder cannot be listed, the
 * outbox cannot be written or a file there cannot be renamed), 2 usage
 * or configuration, 3 no session
 * (connection, host key, login refused).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/profile.h"
#include "edigate/sftp.h"

/* What was found out, with the verdict. */
typedef struct probe {
	const eg_profile *p;
	eg_sftp_probe_result r;
	eg_error e;
	int connected;
	char failed[128]; /* the checks that failed, space-separated */
} probe;

static const char *
yes_no(int v)
{
	return v < 0 ? "not found out" : v ? "yes" : "no";
}

static void
add_failed(probe *pr, const char *what)
{
	size_t n = strlen(pr->failed);

	snprintf(pr->failed + n, sizeof(pr->failed) - n, "%s%s", n ? " " : "",
		 what);
}

/* The checks a logged-in session must pass. */
static void
verdict(probe *pr)
{
	const eg_profile *p = pr->p;

	if (!pr->connected)
		return;
	if (p->inbox && *p->inbox && pr->r.inbox_list != 1)
		add_failed(pr, "inbox-list");
	if (p->outbox && *p->outbox && pr->r.outbox_list != 1)
		add_failed(pr, "outbox-list");
	if (p->outbox && *p->outbox && pr->r.outbox_write != 1)
		add_failed(pr, "outbox-write");
	/* written but not renamed: no delivery can be published */
	if (p->outbox && *p->outbox && pr->r.outbox_write == 1 &&
	    pr->r.outbox_rename != 1)
		add_failed(pr, "outbox-rename");
}

static void
trust_text(const probe *pr, char *dst, size_t cap)
{
	const eg_profile *p = pr->p;
	int kh = p->known_hosts && *p->known_hosts;
	int pin = p->host_key && *p->host_key;

	if (!pr->r.host_key_trusted) {
		snprintf(dst, cap, "NOT trusted");
		return;
	}
	snprintf(dst, cap, "trusted (%s%s%s%s)", kh ? "known_hosts " : "",
		 kh ? p->known_hosts : "", kh && pin ? ", " : "",
		 pin ? "pinned host-key" : "");
}

static void
folder_line(FILE *f, const char *label, const char *path, int listed,
	    long files, long matching, const char *err)
{
	if (!path || !*path) {
		fprintf(f, "  %-15s none in the profile\n", label);
		return;
	}
	if (listed != 1) {
		fprintf(f, "  %-15s %s: cannot be listed: %s\n", label, path,
			listed < 0 ? "not tried" : err);
		return;
	}
	fprintf(f, "  %-15s %s: listed, %ld file(s)", label, path, files);
	if (matching >= 0)
		fprintf(f, ", %ld matching the pattern", matching);
	fputc('\n', f);
}

static void
print_text(eg_cli *cli, const probe *pr)
{
	const eg_profile *p = pr->p;
	const eg_sftp_probe_result *r = &pr->r;
	FILE *f = cli->out;
	char trust[PATH_MAX + 64];

	fprintf(f, "%s: sftp %s@%s port %u\n", p->id, p->user ? p->user : "",
		p->host ? p->host : "", p->port ? p->port : 22u);
	if (!r->fingerprint[0]) {
		fprintf(f, "  %-15s not received\n", "host key");
		return;
	}
	trust_text(pr, trust, sizeof(trust));
	fprintf(f, "  %-15s %s %s %s\n", "host key", r->host_key_type,
		r->fingerprint, trust);
	fprintf(f, "  %-15s %s\n", "key exchange", r->kex);
	fprintf(f, "  %-15s %s\n", "cipher", r->cipher);
	if (r->auth_methods[0])
		fprintf(f, "  %-15s %s%s%s\n", "auth methods", r->auth_methods,
			pr->connected ? ": logged in as " : "",
			pr->connected ? p->user : "");
	if (!pr->connected)
		return;
	fprintf(f, "  %-15s %d\n", "sftp version", r->sftp_version);
	fprintf(f, "  %-15s %s\n", "extensions",
		r->extensions[0] ? r->extensions : "(none)");
	fprintf(f, "  %-15s %s%s\n", "fsync", yes_no(r->fsync),
		r->fsync == 1 ? " (fsync@openssh.com: uploads are synced "
				"before they are renamed)"
			      : "");
	fprintf(f, "  %-15s %s%s\n", "posix-rename", yes_no(r->posix_rename),
		r->posix_rename == 1 ? " (posix-rename@openssh.com)" : "");
	fprintf(f, "  %-15s %s%s\n", "rename over", yes_no(r->rename_over),
		r->rename_over == 0
		    ? " (a file already in the outbox is not replaced by a "
		      "rename: the same bytes count as delivered, other "
		      "bytes need <outbox if-exists=\"replace\">)"
		    : "");
	folder_line(f, "inbox", p->inbox, r->inbox_list, r->inbox_files,
		    r->inbox_matching, r->inbox_err);
	folder_line(f, "outbox", p->outbox, r->outbox_list, r->outbox_files,
		    -1, r->outbox_err);
	if (p->outbox && *p->outbox)
		fprintf(f, "  %-15s %s%s%s\n", "outbox write",
			yes_no(r->outbox_write),
			r->outbox_write == 1
			    ? " (a probe file was written and removed)"
			    : ": ",
			r->outbox_write == 1 ? "" : r->write_err);
	if (p->outbox && *p->outbox && r->outbox_write == 1)
		fprintf(f, "  %-15s %s%s%s\n", "outbox rename",
			yes_no(r->outbox_rename),
			r->outbox_rename == 1
			    ? " (a probe file was renamed to a new name, as "
			      "each delivery is)"
			    : ": no delivery can be published: ",
			r->outbox_rename == 1 ? "" : r->rename_err);
	if (p->outbox && *p->outbox && r->outbox_delete >= 0)
		fprintf(f, "  %-15s %s%s%s\n", "outbox delete",
			yes_no(r->outbox_delete),
			r->outbox_delete == 1
			    ? ""
			    : " (probe files left behind; the leftover of a "
			      "cut upload cannot be cleared on a server that "
			      "does not overwrite): ",
			r->outbox_delete == 1 ? "" : r->delete_err);
}

/* How to trust a key we refused: the known_hosts line, or a pin. */
static void
print_trust_hint(eg_cli *cli, const probe *pr)
{
	const eg_profile *p = pr->p;
	const eg_sftp_probe_result *r = &pr->r;
	const char *cls = eg_sftp_error_class(&pr->e);

	if (!cls || strcmp(cls, "host-key") != 0 || !r->fingerprint[0])
		return;
	fprintf(cli->err,
		"%s partner probe: the server offered %s key %s.  Once the "
		"partner has confirmed that fingerprint, trust it:\n",
		cli->prog, r->host_key_type, r->fingerprint);
	if (r->host_key_line[0])
		fprintf(cli->err,
			"  in known_hosts%s%s (add it, or replace the old line "
			"for this host):\n    %s\n",
			p->known_hosts ? " " : "",
			p->known_hosts ? p->known_hosts : "", r->host_key_line);
	fprintf(cli->err,
		"  or pinned in partners/%s.xml, instead of known-hosts=:\n"
		"    <sftp ... host-key=\"%s\"/>\n",
		p->id, r->fingerprint);
}

/*
 * The JSON object, written through a sticky error: once an append
 * fails, the rest do nothing and w.rc says why.
 */
typedef struct jw {
	eg_buf *b;
	eg_err rc;
	int first; /* no comma before the next key */
} jw;

static void
jraw(jw *w, const char *s)
{
	if (w->rc == EG_OK)
		w->rc = eg_buf_adds(w->b, s);
}

static void
jkey(jw *w, const char *key)
{
	if (w->rc == EG_OK)
		w->rc = eg_buf_addf(w->b, "%s\"%s\":", w->first ? "" : ",",
				    key);
	w->first = 0;
}

/* A string, null when NULL or empty. */
static void
jstr(jw *w, const char *key, const char *s)
{
	jkey(w, key);
	if (!s || !*s)
		jraw(w, "null");
	else if (w->rc == EG_OK)
		w->rc = eg_cli_json_str(w->b, s);
}

/* A number, null for "not found out" (negative). */
static void
jnum(jw *w, const char *key, long v)
{
	jkey(w, key);
	if (v < 0)
		jraw(w, "null");
	else if (w->rc == EG_OK)
		w->rc = eg_buf_addf(w->b, "%ld", v);
}

static void
jbool(jw *w, const char *key, int v)
{
	jkey(w, key);
	jraw(w, v < 0 ? "null" : v ? "true" : "false");
}

/* An array of the words in s, split at any of seps. */
static void
jlist(jw *w, const char *key, const char *s, const char *seps)
{
	char word[256];
	int first = 1;
	size_t n;

	jkey(w, key);
	jraw(w, "[");
	for (s += strspn(s, seps); *s; s += strspn(s, seps)) {
		n = strcspn(s, seps);
		snprintf(word, sizeof(word), "%.*s", (int)n, s);
		if (!first)
			jraw(w, ",");
		if (w->rc == EG_OK)
			w->rc = eg_cli_json_str(w->b, word);
		first = 0;
		s += n;
	}
	jraw(w, "]");
}

/* Open a nested object under key. */
static void
jobj(jw *w, const char *key)
{
	jkey(w, key);
	jraw(w, "{");
	w->first = 1;
}

static void
jend(jw *w)
{
	jraw(w, "}");
	w->first = 0;
}

static eg_err
json_build(eg_buf *b, const probe *pr)
{
	const eg_profile *p = pr->p;
	const eg_sftp_probe_result *r = &pr->r;
	const char *cls = eg_sftp_error_class(&pr->e);
	int have_key = r->fingerprint[0] != '\0';
	jw w = {b, EG_OK, 1};

	jraw(&w, "{");
	jstr(&w, "partner", p->id);
	jstr(&w, "host", p->host);
	jnum(&w, "port", p->port ? (long)p->port : 22);
	jstr(&w, "user", p->user);
	jbool(&w, "connected", pr->connected);
	jbool(&w, "ok", pr->connected && !pr->failed[0]);
	jlist(&w, "failed", pr->failed, " ");
	if (pr->connected) {
		jkey(&w, "error");
		jraw(&w, "null");
	} else {
		jobj(&w, "error");
		jstr(&w, "class", cls);
		jstr(&w, "message", pr->e.msg);
		jend(&w);
	}
	jobj(&w, "hostKey");
	jstr(&w, "type", have_key ? r->host_key_type : NULL);
	jstr(&w, "fingerprint", have_key ? r->fingerprint : NULL);
	jbool(&w, "trusted", have_key ? r->host_key_trusted : 0);
	jstr(&w, "knownHostsLine", r->host_key_line);
	jend(&w);
	jstr(&w, "kex", r->kex);
	jstr(&w, "cipher", r->cipher);
	jlist(&w, "authMethods", r->auth_methods, ",");
	jnum(&w, "sftpVersion", r->sftp_version);
	jlist(&w, "extensions", r->extensions, " ");
	jbool(&w, "fsync", r->fsync);
	jbool(&w, "posixRename", r->posix_rename);
	jbool(&w, "renameOver", r->rename_over);
	jobj(&w, "inbox");
	jstr(&w, "path", p->inbox);
	jbool(&w, "listed", r->inbox_list);
	jnum(&w, "files", r->inbox_files);
	jnum(&w, "matching", r->inbox_matching);
	jstr(&w, "error", r->inbox_list == 0 ? r->inbox_err : NULL);
	jend(&w);
	jobj(&w, "outbox");
	jstr(&w, "path", p->outbox);
	jbool(&w, "listed", r->outbox_list);
	jnum(&w, "files", r->outbox_files);
	jstr(&w, "error", r->outbox_list == 0 ? r->outbox_err : NULL);
	jbool(&w, "writable", r->outbox_write);
	jstr(&w, "writeError", r->outbox_write == 0 ? r->write_err : NULL);
	jbool(&w, "renamable", r->outbox_rename);
	jstr(&w, "renameError", r->outbox_rename == 0 ? r->rename_err : NULL);
	jbool(&w, "deletable", r->outbox_delete);
	jstr(&w, "deleteError", r->outbox_delete == 0 ? r->delete_err : NULL);
	jend(&w);
	jraw(&w, "}\n");
	return w.rc;
}

/* Load partners/ID.xml; an exit code. */
static int
load(eg_cli *cli, const eg_home *h, const char *id, eg_profile **out)
{
	char path[PATH_MAX];
	eg_error e;
	int x;

	*out = NULL;
	eg_error_clear(&e);
	if ((x = eg_cli_partner_known(cli, "partner", h, id)) != EG_EXIT_OK)
		return x;
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml", h->home,
			     id) >= sizeof(path))
		return eg_cli_usage(cli, "partner", "bad partner id '%s'", id);
	if (eg_profile_load(out, path, h->datadir, &e))
		return eg_cli_fail(cli, &e);
	return EG_EXIT_OK;
}

/*
 * What sits in the inbox as `run` would see it: the files it would take,
 * those waiting to be complete and those no pattern takes (a second,
 * read-only session for SFTP).  A local partner has only this to probe.
 */
static int
inbox_report(eg_cli *cli, const eg_home *h, const eg_profile *p, int json,
	     int names, int alone)
{
	eg_cli_inbox ib;
	eg_buf b;
	int x = EG_EXIT_OK;
	eg_err rc;

	eg_cli_inbox_scan(h, p, time(NULL), 1, &ib);
	eg_buf_init(&b, (size_t)1 << 22);
	if (json) {
		rc = eg_buf_adds(&b, alone ? "{\"partner\":" : "");
		if (!rc && alone)
			rc = eg_cli_json_str(&b, p->id);
		if (!rc)
			rc = eg_buf_adds(&b, alone ? ",\"transport\":\"local\","
						     "\"inboxFiles\":"
						   : "");
		if (!rc)
			rc = eg_cli_inbox_json(&b, &ib, names);
		if (!rc && alone)
			rc = eg_buf_adds(&b, "}\n");
	} else {
		rc = eg_cli_inbox_text(&b, &ib, names, "  ");
		if (!rc && alone)
			rc = eg_buf_addf(&b, "%s: %s: a local folder%s\n",
					 ib.listed ? "OK" : "FAILED", p->id,
					 ib.listed ? ", listed" : "");
	}
	if (rc || eg_cli_write(cli, b.data ? b.data : "", b.len))
		x = EG_EXIT_IO;
	else if (!ib.listed)
		x = EG_EXIT_IO;
	eg_buf_free(&b);
	eg_cli_inbox_free(&ib);
	return x;
}

int
eg_cli_partner_probe(eg_cli *cli, int argc, char **argv, const eg_home *h)
{
	const char *id = NULL;
	eg_profile *p = NULL;
	probe *pr = NULL;
	eg_buf b;
	int i, json = 0, x, names = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--inbox-files"))
			names = 1;
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[i]);
		else if (!id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "partner",
					    "probe takes one partner ID");
	}
	if (!id)
		return eg_cli_usage(cli, "partner", "probe needs a partner ID");
	if ((x = load(cli, h, id, &p)) != EG_EXIT_OK)
		return x;
	if (!p->sftp) {
		x = inbox_report(cli, h, p, json, names, 1);
		eg_profile_free(p);
		return x;
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr) {
		eg_profile_free(p);
		return EG_EXIT_IO;
	}
	pr->p = p;
	eg_error_clear(&pr->e);
	pr->connected = eg_sftp_probe(p, h->home, &pr->r, &pr->e) == EG_OK;
	verdict(pr);
	if (json) {
		eg_buf_init(&b, 1 << 20);
		if (json_build(&b, pr) != EG_OK)
			x = EG_EXIT_IO;
		/* ,"inboxFiles":{...} before the closing brace */
		else if (b.len >= 2 &&
			 (b.len -= 2, eg_buf_adds(&b, ",\"inboxFiles\":")) ==
			     EG_OK &&
			 eg_cli_write(cli, b.data, b.len) == EG_EXIT_OK) {
			if (pr->connected && pr->r.inbox_list)
				(void)inbox_report(cli, h, p, 1, names, 0);
			else
				fputs("null", cli->out);
			fputs("}\n", cli->out);
		} else {
			x = EG_EXIT_IO;
		}
		eg_buf_free(&b);
	} else {
		print_text(cli, pr);
		if (pr->connected && pr->r.inbox_list)
			(void)inbox_report(cli, h, p, 0, names, 0);
	}
	if (!pr->connected) {
		char msg[EG_ERRMSG_MAX + 256];

		eg_error_format(&pr->e, msg, sizeof(msg));
		fprintf(cli->err, "%s partner probe: %s\n", cli->prog, msg);
		print_trust_hint(cli, pr);
		if (!json)
			fprintf(cli->out, "FAILED: %s: no session (%s)\n", p->id,
				eg_sftp_error_class(&pr->e)
				    ? eg_sftp_error_class(&pr->e)
				    : eg_err_str(pr->e.code));
		x = x ? x : EG_EXIT_IO;
	} else if (pr->failed[0]) {
		if (!json)
			fprintf(cli->out, "FAILED: %s: logged in; failed: %s\n",
				p->id, pr->failed);
		x = x ? x : EG_EXIT_DOCUMENT;
	} else if (!json) {
		fprintf(cli->out, "OK: %s: logged in, every check passed\n",
			p->id);
	}
	free(pr);
	eg_profile_free(p);
	return x;
}
