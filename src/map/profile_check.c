/*
 * profile_check.c - `partner check`: what a profile's schema cannot
 * settle (profile.h: eg_profile_check, eg_profile_check_all,
 * eg_profile_conflicts): files on disk and their permissions, local
 * folders, delimiters and name patterns, cross-field rules, the other
 * modules' checks (schedule, service levels, syntaxes, master data), and
 * clashes between partners.  Loading is profile.c.
 */
#include "edigate/profile.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/ack.h"
#include "edigate/namepat.h"
#include "edigate/schedule.h"
#include "edigate/xml.h"

/* --- meaning ----------------------------------------------------------------- */

typedef struct rep {
	eg_pcheck_fn fn;
	void *ud;
	unsigned errors;
} rep;

static void
say(rep *r, eg_pcheck_sev sev, const char *fmt, ...) EG_PRINTF(3, 4);

static void
say(rep *r, eg_pcheck_sev sev, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == EG_PCHECK_ERROR)
		r->errors++;
	r->fn(r->ud, sev, msg);
}

/* A problem eg_sla_check finds: an error. */
static void
sla_say(void *ud, const char *msg)
{
	say(ud, EG_PCHECK_ERROR, "%s", msg);
}

static void
resolve(char *dst, size_t cap, const char *home, const char *path)
{
	if (path[0] == '/')
		snprintf(dst, cap, "%s", path);
	else
		snprintf(dst, cap, "%s/%s", home, path);
}

/* A glob list is well formed when every [ closes. */
static int
pattern_ok(const char *pat)
{
	int open = 0;

	for (; pat && *pat; pat++) {
		if (*pat == '\\' && pat[1])
			pat++;
		else if (*pat == '[')
			open = 1;
		else if (*pat == ']')
			open = 0;
		else if (*pat == ' ' && open)
			return 0;
	}
	return !open;
}

static void
dir_of(char *dst, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');

	snprintf(dst, cap, "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
}

/* A missing key file: the commands that make one, then the probe. */
static void
check_key_file(rep *r, const eg_profile *p, const char *home)
{
	char full[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	if (!p->key_file)
		return;
	resolve(full, sizeof(full), home, p->key_file);
	if (stat(full, &st) == 0)
		return;
	dir_of(dir, sizeof(dir), full);
	say(r, EG_PCHECK_ERROR,
	    "key file %s does not exist (%s): make it with `mkdir -p %s && "
	    "ssh-keygen -t ed25519 %s-f %s -C edigate-%s`%s, send the partner "
	    "%s.pub, then run `edigate partner probe %s`",
	    full, strerror(errno), dir,
	    p->secret_given[0] ? "" : "-N '' ", full, p->id,
	    p->secret_given[0] ? " (it asks for the passphrase the profile "
				 "takes from <passphrase>)"
			       : "",
	    full, p->id);
}

static void
check_known_hosts(rep *r, const eg_profile *p, const char *home)
{
	char full[PATH_MAX];
	struct stat st;

	if (!p->known_hosts)
		return;
	resolve(full, sizeof(full), home, p->known_hosts);
	if (stat(full, &st) == 0)
		return;
	say(r, EG_PCHECK_ERROR,
	    "known_hosts file %s does not exist (%s): run `edigate partner "
	    "probe %s`, which shows the server's host key and the line to "
	    "add to it once the partner has confirmed the fingerprint (or "
	    "pin it with host-key=)",
	    full, strerror(errno), p->id);
}

/*
 * Local folders as `run` sees them: a missing inbox fails the partner, so
 * it is an error here; the outbox and move-to folders are made by the
 * first run that needs them.
 */
static void
check_local_folders(rep *r, const eg_profile *p, const char *home)
{
	char full[PATH_MAX];
	struct stat st;
	const char *f[3] = {p->inbox, p->outbox, p->move_to};
	const char *what[3] = {"inbox", "outbox", "move-to folder"};
	int k;

	for (k = 0; k < 3; k++) {
		if (!f[k] || !f[k][0])
			continue;
		resolve(full, sizeof(full), home, f[k]);
		if (stat(full, &st) != 0 && k == 0)
			say(r, EG_PCHECK_ERROR,
			    "inbox %s does not exist, so `edigate run` would "
			    "fail for this partner: create it (mkdir -p %s) or "
			    "correct <inbox path=>",
			    full, full);
		else if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
			say(r, EG_PCHECK_ERROR, "%s %s is not a directory",
			    what[k], full);
		else if (stat(full, &st) == 0 &&
			 access(full, k == 0 ? (R_OK | X_OK)
					     : (W_OK | X_OK)) != 0)
			say(r, EG_PCHECK_ERROR,
			    "%s %s cannot be %s by this user (%s), so `edigate "
			    "run` would fail for this partner: fix its "
			    "permissions",
			    what[k], full, k == 0 ? "read" : "written to",
			    strerror(errno));
	}
}

/* Our outbound delimiters must not collide (issue: a '>' component that
 * is also the element separator would make every file unreadable). */
static void
check_delims(rep *r, const eg_profile *p)
{
	const char *why = eg_ack_delims_check(p->out_element, p->out_component,
					      p->out_repetition,
					      p->out_segment, p->out_newline);

	if (why)
		say(r, EG_PCHECK_ERROR,
		    "<outbound> delimiters cannot be used: %s (element '%c', "
		    "component '%c', repetition '%c', segment 0x%02X)",
		    why, p->out_element, p->out_component, p->out_repetition,
		    (unsigned)(unsigned char)p->out_segment);
}

/* Every file we send is named by <outbound file-name=>. */
static void
check_file_name(rep *r, const eg_profile *p)
{
	const char *v = p->out_file_name;
	char why[160];

	if (eg_namepat_check(v, why, sizeof(why)))
		say(r, EG_PCHECK_ERROR,
		    "<outbound file-name=\"%s\"> cannot be used: %s", v, why);
}

unsigned
eg_profile_check(const eg_profile *p, const char *home, eg_guides *guides,
		 eg_pcheck_fn fn, void *ud)
{
	rep r = {fn, ud, 0};
	const char *stem = strrchr(p->path, '/');
	size_t i;

	stem = stem ? stem + 1 : p->path;
	for (i = 0; i < p->ndocs; i++)
		if (p->docs[i].owner[0] && !eg_owner_name_ok(p->docs[i].owner))
			say(&r, EG_PCHECK_ERROR,
			    "<document set=\"%s\" owner=\"%s\">: an owner is "
			    "a name of 1 to 63 letters, digits, '.', '_', '-' "
			    "or '@' (a login or a team), as `edigate "
			    "quarantine assign --to` takes it",
			    p->docs[i].set, p->docs[i].owner);
	check_delims(&r, p);
	check_file_name(&r, p);
	if (strncmp(stem, p->id, strlen(p->id)) != 0 ||
	    strcmp(stem + strlen(p->id), ".xml") != 0)
		say(&r, EG_PCHECK_ERROR,
		    "partner id '%s' does not match the file name %s (it must "
		    "be %s.xml)",
		    p->id, stem, p->id);
	if (p->sftp) {
		if (!p->known_hosts && !p->host_key)
			say(&r, EG_PCHECK_ERROR,
			    "SFTP needs known-hosts= or a pinned host-key= "
			    "fingerprint: host keys are always checked; "
			    "`edigate partner probe %s` shows the server's key "
			    "once known-hosts= names a file",
			    p->id);
		if (!p->key_file && !p->secret_files[1] && !p->secret_envs[1])
			say(&r, EG_PCHECK_ERROR,
			    "SFTP needs key-file= or a <password> from a secret");
		check_key_file(&r, p, home);
		check_known_hosts(&r, p, home);
	}
	for (i = 0; i < 2; i++) {
		char full[PATH_MAX];
		struct stat st;
		const char *what = i ? "password" : "passphrase";

		if (p->secret_envs[i] && p->secret_files[i])
			say(&r, EG_PCHECK_ERROR,
			    "<%s> takes env= or file=, not both", what);
		else if (p->secret_given[i] && !p->secret_envs[i] &&
			 !p->secret_files[i])
			say(&r, EG_PCHECK_ERROR, "<%s> needs env= or file=",
			    what);
		if (p->secret_envs[i] && !getenv(p->secret_envs[i]))
			say(&r, EG_PCHECK_WARNING,
			    "the %s comes from $%s, which is not set here",
			    what, p->secret_envs[i]);
		if (!p->secret_files[i])
			continue;
		resolve(full, sizeof(full), home, p->secret_files[i]);
		if (stat(full, &st) != 0)
			say(&r, EG_PCHECK_ERROR, "%s file %s does not exist",
			    what, full);
		else if (st.st_mode & 077)
			say(&r, EG_PCHECK_ERROR,
			    "%s file %s is mode %03o: secrets files must be "
			    "0600 (chmod 600 %s)",
			    what, full, (unsigned)(st.st_mode & 0777), full);
	}
	if (!pattern_ok(p->inbox_pattern) || !pattern_ok(p->inbox_exclude))
		say(&r, EG_PCHECK_ERROR,
		    "inbox pattern '%s' / exclude '%s' has an unclosed [",
		    p->inbox_pattern ? p->inbox_pattern : "",
		    p->inbox_exclude ? p->inbox_exclude : "");
	if (p->after_action && strcmp(p->after_action, "move") == 0 &&
	    !p->move_to)
		say(&r, EG_PCHECK_ERROR,
		    "after-pickup action=\"move\" needs move-to=");
	if (!p->sftp)
		check_local_folders(&r, p, home);
	if (p->sched.line) {
		eg_schedule sc;
		eg_error se;

		eg_error_clear(&se);
		if (eg_profile_schedule(p, &sc, &se))
			say(&r, EG_PCHECK_ERROR, "line %ld: <schedule>: %s",
			    p->sched.line, se.msg);
	}
	if (p->out_sched.line) {
		eg_schedule sc;
		eg_error se;

		eg_error_clear(&se);
		if (eg_profile_schedule_out(p, &sc, &se))
			say(&r, EG_PCHECK_ERROR,
			    "line %ld: <outbound><schedule>: %s",
			    p->out_sched.line, se.msg);
		/* its own schedule splits the run in two: the inbound one
		 * needs one too, or serve would never take files in */
		if (!p->sched.line)
			say(&r, EG_PCHECK_ERROR,
			    "line %ld: <outbound><schedule> without a "
			    "<transport><schedule>: serve would send but never "
			    "receive; give the transport one (the inbound "
			    "direction's)",
			    p->out_sched.line);
	}
	(void)eg_sla_check(&p->sla, sla_say, &r);
	r.errors += eg_profile_check_syntaxes(p, fn, ud);
	r.errors += eg_profile_md_check(p, r.fn, r.ud);
	for (i = 0; i < p->ndocs; i++) {
		const eg_profile_doc *d = &p->docs[i];
		const char *v = d->versions;
		eg_error e;

		if (strcmp(d->syntax, "x12"))
			continue; /* EDIFACT: check_syntaxes */
		memset(&e, 0, sizeof(e));
		if (d->guide && guides) {
			const eg_guide *g = NULL;

			if (eg_guides_load(guides, d->guide, &g, &e))
				say(&r, EG_PCHECK_ERROR, "guide for %s: %s",
				    d->set, e.msg);
			else if (strcmp(g->set, d->set) != 0)
				say(&r, EG_PCHECK_ERROR,
				    "guide %s is for set %s, not %s", d->guide,
				    g->set, d->set);
			continue;
		}
		for (; guides && *v; v += v[6] ? 7 : 6) {
			const eg_guide *g = NULL;
			char rel[7];

			memcpy(rel, v, 6);
			rel[6] = '\0';
			memset(&e, 0, sizeof(e));
			if (eg_guides_find(guides, d->set, rel, &g, &e))
				say(&r, EG_PCHECK_ERROR, "%s", e.msg);
			else if (!g && !strcmp(d->direction, "in") &&
				 !d->ack_only)
				/* run would quarantine every such set */
				say(&r, EG_PCHECK_ERROR,
				    "no guide for %s release %s: every %s in it "
				    "would be quarantined (ship a guide, drop "
				    "the release, or mark the document "
				    "acknowledge-only=\"true\")",
				    d->set, rel, d->set);
			else if (!g)
				say(&r, EG_PCHECK_WARNING,
				    "no shipped guide for %s release %s: only "
				    "envelope and syntax checks",
				    d->set, rel);
		}
	}
	return r.errors;
}

/* Where a folder is, as a comparable key: host:port:path for SFTP, the
 * resolved local path (symbolic links followed when it exists). */
static void
place(char *dst, size_t cap, const eg_profile *p, const char *path,
      const char *home)
{
	char full[PATH_MAX], real[PATH_MAX];
	size_t n;

	if (p->sftp) {
		snprintf(dst, cap, "sftp://%s:%u%s%s", p->host ? p->host : "",
			 p->port, path[0] == '/' ? "" : "~/", path);
	} else {
		resolve(full, sizeof(full), home && path[0] != '/' ? home : "",
			path);
		if (realpath(full, real))
			snprintf(dst, cap, "%s", real);
		else
			snprintf(dst, cap, "%s", full);
	}
	n = strlen(dst);
	while (n > 1 && dst[n - 1] == '/')
		dst[--n] = '\0';
}

/* The conflicts between two partners; each is one error. */
static void
pair_conflicts(rep *r, const eg_profile *a, const eg_profile *b,
	       const char *home)
{
	char ai[PATH_MAX + 300], ao[PATH_MAX + 300], bi[PATH_MAX + 300],
	    bo[PATH_MAX + 300];

	if (a->partner_id[0] && !strcmp(a->partner_q, b->partner_q) &&
	    !strcmp(a->partner_id, b->partner_id))
		say(r, EG_PCHECK_ERROR,
		    "partners %s and %s both claim ISA sender %s:%s: a file "
		    "from it would be served twice; give each its own "
		    "<partner-isa> (or remove one profile)",
		    a->id, b->id, a->partner_q, a->partner_id);
	if (a->unb_partner_id[0] && !strcmp(a->unb_partner_q, b->unb_partner_q) &&
	    !strcmp(a->unb_partner_id, b->unb_partner_id))
		say(r, EG_PCHECK_ERROR,
		    "partners %s and %s both claim UNB sender %s%s%s: a file "
		    "from it would be served twice; give each its own "
		    "<partner-unb> (or remove one profile)",
		    a->id, b->id, a->unb_partner_id,
		    a->unb_partner_q[0] ? ":" : "", a->unb_partner_q);
	ai[0] = ao[0] = bi[0] = bo[0] = '\0';
	if (a->inbox && a->inbox[0])
		place(ai, sizeof(ai), a, a->inbox, home);
	if (a->outbox && a->outbox[0])
		place(ao, sizeof(ao), a, a->outbox, home);
	if (b->inbox && b->inbox[0])
		place(bi, sizeof(bi), b, b->inbox, home);
	if (b->outbox && b->outbox[0])
		place(bo, sizeof(bo), b, b->outbox, home);
	if (ai[0] && !strcmp(ai, bi))
		say(r, EG_PCHECK_ERROR,
		    "partners %s and %s both read inbox %s%s%s: each file "
		    "would be taken by whichever runs first; give each its "
		    "own inbox",
		    a->id, b->id, a->sftp ? a->host : "", a->sftp ? ":" : "",
		    a->inbox);
	if (ao[0] && !strcmp(ao, bo))
		say(r, EG_PCHECK_ERROR,
		    "partners %s and %s both write outbox %s: one would "
		    "receive the other's files; give each its own outbox",
		    a->id, b->id, ao);
	if (ai[0] && !strcmp(ai, bo))
		say(r, EG_PCHECK_ERROR,
		    "partner %s reads inbox %s, where partner %s's outbound "
		    "files are written: give each its own folder",
		    a->id, ai, b->id);
	if (bi[0] && !strcmp(bi, ao))
		say(r, EG_PCHECK_ERROR,
		    "partner %s reads inbox %s, where partner %s's outbound "
		    "files are written: give each its own folder",
		    b->id, bi, a->id);
}

unsigned
eg_profile_check_all(eg_profile *const *ps, size_t n, const char *home,
		     eg_pcheck_fn fn, void *ud)
{
	rep r = {fn, ud, 0};
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			pair_conflicts(&r, ps[i], ps[j], home);
	return r.errors;
}

unsigned
eg_profile_conflicts(eg_profile *const *ps, size_t n, size_t i,
		     const char *home, eg_pcheck_fn fn, void *ud)
{
	rep r = {fn, ud, 0};
	size_t j;

	for (j = 0; j < n; j++)
		if (j != i)
			pair_conflicts(&r, ps[i], ps[j], home);
	return r.errors;
}

