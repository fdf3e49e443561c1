/*
 * cmd_quarantine.c - `edigate quarantine list|show|release|discard` and
 * `edigate reprocess`: support staff acting on files, each action
 * audited with who and why.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/ledger.h"
#include "edigate/ledger_out.h"
#include "edigate/ledger_query.h"
#include "edigate/outbound.h"
#include "edigate/pipeline.h"

static void
q_help(FILE *f)
{
	fputs("Usage: edigate quarantine list [--partner ID] [--owner NAME]\n"
	      "                [--category CAT] [--older-than AGE] [--json]\n"
	      "       edigate quarantine show FILE-ID [--json]\n"
	      "       edigate quarantine assign FILE-ID... --to NAME\n"
	      "       edigate quarantine note FILE-ID TEXT\n"
	      "       edigate quarantine categorize FILE-ID... --as CAT\n"
	      "       edigate quarantine release FILE-ID... --reason TEXT\n"
	      "       edigate quarantine release FILE-ID --file FIXED "
	      "--reason TEXT\n"
	      "       edigate quarantine discard FILE-ID... --reason TEXT\n\n"
	      "Files rejected (wholly or partly) wait in\n"
	      "spool/quarantine/PARTNER/FILE-ID/ with the original and the\n"
	      "reject report (report.txt, report.json).  The quarantine is a\n"
	      "work queue: each file has a root-cause category, an owner,\n"
	      "notes and an age.\n\n"
	      "  list     what waits, oldest first: owner, category, age,\n"
	      "           notes and the first error\n"
	      "  show     the reject report, then the owner, category, age\n"
	      "           and notes (--json: report.json's object with owner,\n"
	      "           ownerFrom, category, categorySetBy, ageSeconds,\n"
	      "           notes, lastNote and noteHistory added)\n"
	      "  assign   give files to an owner (a login or a team); --to -\n"
	      "           gives them back to the profile's default owner\n"
	      "           (<document owner=...>)\n"
	      "  note     write a note on a file (what was tried, who was\n"
	      "           asked)\n"
	      "  categorize  set the root cause by hand when the findings say\n"
	      "           it wrong (--as -: back to what they say)\n"
	      "  release  after a fix (profile, guide, partner data): run the\n"
	      "           archived original again through today's profile\n"
	      "           and guides, as a new file; sets it delivered\n"
	      "           before are not delivered twice.  With --file\n"
	      "           FIXED, the corrected bytes in FIXED are processed\n"
	      "           in place of the original (linked, audited with\n"
	      "           FIXED's name and SHA-256).  A released file goes\n"
	      "           past the control-number check (a person decided\n"
	      "           it is new); an interchange acknowledged before is\n"
	      "           not acknowledged again unless the profile says\n"
	      "           <acknowledgements reacknowledge-release=\"true\">.\n"
	      "           An input of `edigate send` that was not sent is\n"
	      "           sent again as `send` does (its kept copy, or the\n"
	      "           corrected records in --file); the next run\n"
	      "           delivers it\n"
	      "  discard  give it up: it leaves the quarantine (the archive\n"
	      "           keeps the original); needs a reason\n\n"
	      "Categories: syntax, guide, mapping-gap, missing-master-data,\n"
	      "quantity-tolerance, duplicate, wrong-partner, other (from the\n"
	      "rules of the file's error findings; docs/operations.md).\n\n"
	      "Options:\n"
	      "  --partner ID      list: only this partner's files\n"
	      "  --owner NAME      list: only files NAME owns (- : nobody)\n"
	      "  --category CAT    list: only files of this root cause\n"
	      "  --older-than AGE  list: only files older than AGE (30m, 36h,\n"
	      "                    2d, 1w)\n"
	      "  --to NAME         assign: the new owner\n"
	      "  --as CAT          categorize: the category\n"
	      "  --reason TEXT     release, discard: why (audit log)\n"
	      "  --file FIXED      release: corrected bytes\n"
	      "  --actor NAME      who acts, for the audit log (default\n"
	      "                    $EDIGATE_USER, else the login name)\n"
	      "  --json            list, show, release: JSON\n"
	      "  --spool DIR       the spool (default HOME/spool)\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  done (list: something is in quarantine)\n"
	      "  1  list: nothing matches (the quarantine is empty);\n"
	      "     release: the file was rejected again\n"
	      "  2  usage error, or the file is not in quarantine\n"
	      "  3  I/O failure, or another run holds the spool\n",
	      f);
}

static void
r_help(FILE *f)
{
	fputs("Usage: edigate reprocess FILE-ID... --reason TEXT [--force]\n"
	      "                         [--actor NAME] [--json] [--spool DIR]"
	      "\n\n"
	      "Run archived originals again through today's profiles and\n"
	      "guides, each as a new file of the ledger (its reprocessOf\n"
	      "names the old one), and audit who did it and why.  A file\n"
	      "whose records went out (accepted, partial) is refused unless\n"
	      "--force; with --force, sets it delivered go out again marked\n"
	      "as changes, and the file goes past the control-number check\n"
	      "(a number seen before with other content is not held again).\n"
	      "Acknowledgements are pushed by the next run; an interchange\n"
	      "acknowledged before is not acknowledged again unless the\n"
	      "profile says <acknowledgements reacknowledge-release=\"true\">.\n"
	      "\nOptions:\n"
	      "  --reason TEXT  why (required; the audit log keeps it)\n"
	      "  --force        also files whose records went out\n"
	      "  --actor NAME   who acts (default $EDIGATE_USER, else the\n"
	      "                 login name)\n"
	      "  --json         one JSON object\n"
	      "  --spool DIR    the spool (default HOME/spool)\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  every file was processed and accepted\n"
	      "  1  some file was rejected again\n"
	      "  2  usage error, or a file cannot be reprocessed (state)\n"
	      "  3  I/O failure, or another run holds the spool\n",
	      f);
}

/* "2d 4h", "35m": an age for people. */
void
eg_cli_fmt_age(int64_t secs, char *dst, size_t cap)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(dst, cap, "%lldd %lldh", (long long)(secs / 86400),
			 (long long)(secs % 86400 / 3600));
	else if (secs >= 3600)
		snprintf(dst, cap, "%lldh %lldm", (long long)(secs / 3600),
			 (long long)(secs % 3600 / 60));
	else
		snprintf(dst, cap, "%lldm", (long long)(secs / 60));
}

int
eg_cli_parse_age(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 100000000LL)
		return -1;
	switch (*end) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	case 'w': v *= 7 * 86400; break;
	default: return -1;
	}
	if (end[1])
		return -1;
	*out = v;
	return 0;
}

/* "mapping-gap" or "mapping gap" -> "mapping gap"; NULL when none. */
const char *
eg_cli_category(const char *s)
{
	const char *const *c = eg_quarantine_categories();
	size_t i, k;

	for (i = 0; c[i]; i++) {
		for (k = 0; c[i][k] && s[k]; k++)
			if (c[i][k] != s[k] && !(c[i][k] == ' ' && s[k] == '-'))
				break;
		if (!c[i][k] && !s[k])
			return c[i];
	}
	return NULL;
}

int
eg_cli_qowners_open(eg_cli *cli, const eg_home *h, eg_cli_qowners *o)
{
	memset(o, 0, sizeof(*o));
	return eg_cli_profiles_load(cli, "quarantine", h, &o->all);
}

void
eg_cli_qowners_close(eg_cli_qowners *o)
{
	eg_cli_profiles_free(&o->all);
}

const char *
eg_cli_qowner(const eg_cli_qowners *o, const eg_ledger_quarantined *q,
	      int *from_profile)
{
	size_t i;
	const char *d;

	*from_profile = 0;
	if (q->owner[0])
		return q->owner;
	i = eg_cli_profiles_find(&o->all, q->partner);
	if (i == (size_t)-1 || !o->all.ps[i])
		return "";
	d = eg_profile_default_owner(o->all.ps[i], q->set);
	if (!d)
		return "";
	*from_profile = 1;
	return d;
}

/* One file of the list, as a JSON object or three text lines. */
typedef struct qlistw {
	eg_buf *b;
	int json, n;
	const char *owner, *category; /* filters, NULL: any */
	int64_t older, now;           /* filter: age over older (0: any) */
	eg_cli_qowners *owners;
	eg_err rc;
} qlistw;

/* ,"owner":..,"ownerFrom":..,"category":..,"categorySetBy":..,"set":..,
 * "notes":N,"lastNote":.. (list --json, and show --json after the
 * report's members) */
static eg_err
work_json(eg_buf *b, const eg_ledger_quarantined *q, const char *owner,
	  int dflt)
{
	eg_err rc = eg_buf_adds(b, ",\"owner\":");

	if (!rc)
		rc = owner[0] ? eg_cli_json_str(b, owner)
			      : eg_buf_adds(b, "null");
	if (!rc)
		rc = eg_buf_addf(b, ",\"ownerFrom\":\"%s\",\"category\":",
				 !owner[0] ? "nobody"
				 : dflt	   ? "profile"
					   : "assigned");
	if (!rc)
		rc = eg_cli_json_str(b, q->category);
	if (!rc)
		rc = eg_buf_addf(b, ",\"categorySetBy\":\"%s\",\"set\":",
				 q->category_set ? "person" : "findings");
	if (!rc)
		rc = eg_cli_json_str(b, q->set);
	if (!rc)
		rc = eg_buf_addf(b, ",\"notes\":%lld,\"lastNote\":",
				 (long long)q->notes);
	if (!rc)
		rc = eg_cli_json_str(b, q->last_note);
	return rc;
}

static int
q_row(void *ud, const eg_ledger_quarantined *q)
{
	qlistw *w = ud;
	eg_buf *b = w->b;
	char when[32], age[32];
	int64_t secs = w->now - q->received_at;
	int dflt;
	const char *owner = eg_cli_qowner(w->owners, q, &dflt);
	eg_err rc;

	/* --owner - : the files nobody owns */
	if (w->owner && (!strcmp(w->owner, "-") ? owner[0] != '\0'
						: strcmp(w->owner, owner) != 0))
		return 0;
	if (w->category && strcmp(w->category, q->category))
		return 0;
	if (w->older > 0 && secs <= w->older)
		return 0;
	eg_cli_fmt_time(q->received_at, when, sizeof(when));
	eg_cli_fmt_age(secs, age, sizeof(age));
	if (w->json) {
		rc = eg_buf_addf(b,
				 "%s{\"id\":\"%s\",\"partner\":\"%s\","
				 "\"state\":\"%s\",\"receivedAt\":%lld,"
				 "\"ageSeconds\":%lld,\"name\":",
				 w->n ? "," : "", q->id, q->partner, q->state,
				 (long long)q->received_at, (long long)secs);
		if (!rc)
			rc = eg_cli_json_str(b, q->name);
		if (!rc)
			rc = work_json(b, q, owner, dflt);
		if (!rc)
			rc = eg_buf_adds(b, ",\"summary\":");
		if (!rc)
			rc = eg_cli_json_str(b, q->summary);
		if (!rc)
			rc = eg_buf_adds(b, ",\"firstError\":");
		if (!rc)
			rc = eg_cli_json_str(b, q->first_error);
		if (!rc)
			rc = eg_buf_addc(b, '}');
	} else {
		rc = eg_buf_addf(b,
				 "%s  %-12s %-8s %s  %s\n"
				 "    owner: %s%s  category: %s  age: %s"
				 "  notes: %lld\n    %s\n",
				 q->id, q->partner, q->state, when, q->name,
				 owner[0] ? owner : "nobody",
				 dflt ? " (profile)" : "", q->category, age,
				 (long long)q->notes, q->first_error);
		if (!rc && q->notes)
			rc = eg_buf_addf(b, "    last note: %s\n", q->last_note);
	}
	w->n++;
	w->rc = rc;
	return rc != EG_OK;
}

static int
q_list(eg_cli *cli, eg_cli_spool *s, const char *partner, const char *owner,
       const char *category, int64_t older, int json)
{
	eg_cli_qowners ow;
	qlistw w;
	eg_error e;
	eg_buf b;
	eg_err rc = EG_OK;
	int x;

	if ((x = eg_cli_qowners_open(cli, &s->home, &ow))) {
		eg_cli_qowners_close(&ow);
		return x;
	}
	eg_error_clear(&e);
	eg_buf_init(&b, (size_t)64 << 20);
	memset(&w, 0, sizeof(w));
	w.b = &b;
	w.json = json;
	w.owner = owner;
	w.category = category;
	w.older = older;
	w.now = (int64_t)s->now;
	w.owners = &ow;
	if (json)
		rc = eg_buf_adds(&b, "{\"quarantine\":[");
	if (!rc && eg_ledger_quarantine_list(s->ledger, partner, q_row, &w,
					     &e)) {
		eg_buf_free(&b);
		eg_cli_qowners_close(&ow);
		return eg_cli_fail(cli, &e);
	}
	eg_cli_qowners_close(&ow);
	if (!rc)
		rc = w.rc;
	if (!rc && json)
		rc = eg_buf_adds(&b, "]}\n");
	if (!rc && !json && w.n == 0)
		rc = eg_buf_adds(&b, owner || category || older
					 ? "no file in quarantine matches\n"
					 : "the quarantine is empty\n");
	x = rc ? EG_EXIT_IO : eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	return x ? x : w.n ? EG_EXIT_OK : EG_EXIT_DOCUMENT;
}

/* assign, note, categorize: one change per file, each audited. */
static int
q_work(eg_cli *cli, eg_cli_spool *s, const char *sub, char **ids, size_t n,
       const char *value)
{
	eg_error e;
	size_t i;
	int worst = EG_EXIT_OK;

	for (i = 0; i < n; i++) {
		eg_err rc;

		eg_error_clear(&e);
		if (!strcmp(sub, "assign"))
			rc = eg_ledger_quarantine_assign(s->ledger, ids[i],
							 value, s->user,
							 (int64_t)s->now, &e);
		else if (!strcmp(sub, "note"))
			rc = eg_ledger_quarantine_note(s->ledger, ids[i], value,
						       s->user, (int64_t)s->now,
						       &e);
		else
			rc = eg_ledger_quarantine_categorize(
			    s->ledger, ids[i], value, s->user, (int64_t)s->now,
			    &e);
		if (rc) {
			int x = rc == EG_ENOTFOUND ? EG_EXIT_USAGE
						   : eg_cli_exit_for(rc);

			fprintf(cli->err, "%s quarantine %s: %s\n", cli->prog,
				sub, e.msg);
			if (worst < x)
				worst = x;
			continue;
		}
		if (!strcmp(sub, "assign"))
			fprintf(cli->out, "%s: %s%s (by %s)\n", ids[i],
				value[0] ? "assigned to " : "back to the "
							    "profile's default "
							    "owner",
				value, s->user);
		else if (!strcmp(sub, "note"))
			fprintf(cli->out, "%s: note kept (by %s)\n", ids[i],
				s->user);
		else
			fprintf(cli->out, "%s: category %s (by %s)\n", ids[i],
				value[0] ? value : "from its findings",
				s->user);
	}
	return worst;
}

typedef struct qshow {
	const char *id;
	eg_cli_qowners *ow;
	FILE *f;
	int64_t now;
	eg_buf *json; /* show --json: the work queue's members here */
	eg_err rc;
} qshow;

static int
show_row(void *ud, const eg_ledger_quarantined *q)
{
	qshow *w = ud;
	char age[32];
	int dflt;
	const char *owner;

	if (strcmp(q->id, w->id))
		return 0;
	owner = eg_cli_qowner(w->ow, q, &dflt);
	if (w->json) {
		w->rc = eg_buf_addf(w->json, ",\"ageSeconds\":%lld",
				    (long long)(w->now - q->received_at));
		if (!w->rc)
			w->rc = work_json(w->json, q, owner, dflt);
		return 1;
	}
	eg_cli_fmt_age(w->now - q->received_at, age, sizeof(age));
	fprintf(w->f,
		"\nWork queue:\n  owner: %s%s\n  category: %s%s\n  age: %s\n",
		owner[0] ? owner : "nobody", dflt ? " (the profile's default)" : "",
		q->category, q->category_set ? " (set by a person)" : "", age);
	return 1;
}

typedef struct notew {
	FILE *f;
	eg_buf *json; /* show --json: "noteHistory" entries */
	int n;
	eg_err rc;
} notew;

static int
note_row(void *ud, const eg_ledger_qnote *q)
{
	notew *w = ud;
	char when[32];

	eg_cli_fmt_time(q->at, when, sizeof(when));
	if (!w->json) {
		fprintf(w->f, "  %s  %s: %s\n", when, q->actor, q->text);
	} else {
		w->rc = eg_buf_addf(w->json, "%s{\"at\":%lld,\"actor\":",
				    w->n ? "," : "", (long long)q->at);
		if (!w->rc)
			w->rc = eg_cli_json_str(w->json, q->actor);
		if (!w->rc)
			w->rc = eg_buf_adds(w->json, ",\"text\":");
		if (!w->rc)
			w->rc = eg_cli_json_str(w->json, q->text);
		if (!w->rc)
			w->rc = eg_buf_addc(w->json, '}');
	}
	w->n++;
	return w->rc != EG_OK;
}

/* After the report: who owns it, its category, its age, its notes (in
 * words after report.txt; with json, members added to report.json's
 * object). */
static int
q_show_work(eg_cli *cli, eg_cli_spool *s, const char *id, eg_buf *json)
{
	eg_cli_qowners ow;
	notew w;
	eg_error e;
	int x;

	if ((x = eg_cli_qowners_open(cli, &s->home, &ow))) {
		eg_cli_qowners_close(&ow);
		return x;
	}
	memset(&w, 0, sizeof(w));
	w.f = cli->out;
	w.json = json;
	eg_error_clear(&e);
	{
		qshow q;

		memset(&q, 0, sizeof(q));
		q.id = id;
		q.ow = &ow;
		q.f = cli->out;
		q.now = (int64_t)s->now;
		q.json = json;
		if (eg_ledger_quarantine_list(s->ledger, NULL, show_row, &q,
					      &e)) {
			eg_cli_qowners_close(&ow);
			return eg_cli_fail(cli, &e);
		}
		if (q.rc) {
			eg_cli_qowners_close(&ow);
			return EG_EXIT_IO;
		}
	}
	eg_cli_qowners_close(&ow);
	if (json && eg_buf_adds(json, ",\"noteHistory\":["))
		return EG_EXIT_IO;
	if (!json)
		fputs("\nNotes:\n", cli->out);
	if (eg_ledger_quarantine_notes(s->ledger, id, note_row, &w, &e))
		return eg_cli_fail(cli, &e);
	if (w.rc || (json && eg_buf_add(json, "]}\n", 3)))
		return EG_EXIT_IO;
	if (w.n == 0 && !json)
		fputs("  none\n", cli->out);
	return EG_EXIT_OK;
}

static int
q_show(eg_cli *cli, eg_cli_spool *s, const char *id, int json)
{
	char path[PATH_MAX], *data = NULL;
	eg_ledger_file_ref ref;
	size_t len = 0;
	eg_error e;
	int found, x;

	eg_error_clear(&e);
	if (eg_ledger_file_ref_get(s->ledger, id, &ref, &found, &e))
		return eg_cli_fail(cli, &e);
	if (!found || !eg_ledger_state_in_quarantine(ref.state)) {
		fprintf(cli->err, "%s quarantine: %s is not in quarantine\n",
			cli->prog, id);
		return EG_EXIT_USAGE;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/quarantine/%s/%s/%s",
			     s->spool, ref.partner, id,
			     json ? "report.json" : "report.txt") >= sizeof(path))
		return EG_EXIT_USAGE;
	if (eg_file_read_small(path, (size_t)256 << 20, &data, &len, &e))
		return eg_cli_fail(cli, &e);
	if (!json) {
		x = eg_cli_write(cli, data, len);
		if (!x)
			x = q_show_work(cli, s, id, NULL);
		free(data);
		return x;
	}
	/* report.json is one object: the work queue's members go in it */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	if (len < 2 || data[0] != '{' || data[len - 1] != '}') {
		fprintf(cli->err, "%s quarantine: %s is not a JSON object\n",
			cli->prog, path);
		free(data);
		return EG_EXIT_IO;
	}
	{
		eg_buf b;

		eg_buf_init(&b, (size_t)257 << 20);
		x = eg_buf_add(&b, data, len - 1) ? EG_EXIT_IO : EG_EXIT_OK;
		if (!x)
			x = q_show_work(cli, s, id, &b);
		if (!x)
			x = eg_cli_write(cli, eg_buf_cstr(&b), b.len);
		eg_buf_free(&b);
	}
	free(data);
	return x;
}

/* Release or reprocess: requeue each file, then process its partner. */
/* Is file_id an input of edigate send? */
static int
is_outbound(eg_ledger *l, const char *file_id)
{
	char partner[64];
	int found = 0;
	eg_error e;

	eg_error_clear(&e);
	return !eg_ledger_out_partner(l, file_id, partner, &found, &e) && found;
}

static int
requeue(eg_cli *cli, eg_cli_spool *s, const char *action, char **ids,
	size_t n, const char *reason, int force, const char *fixed, int json)
{
	eg_pipeline_opts o;
	eg_pipeline *pl = NULL;
	eg_pipeline_counts c;
	eg_error e;
	size_t i;
	int worst = EG_EXIT_OK;

	memset(&o, 0, sizeof(o));
	o.home = s->home.home;
	o.spool = s->spool;
	o.guides = s->guides;
	o.maps = s->maps;
	o.now = s->now;
	o.actor = s->user;
	o.crash_at = cli->env_crash;
	o.local_only = 1;
	eg_error_clear(&e);
	if (eg_pipeline_new(&pl, s->ledger, &o, &e))
		return eg_cli_fail(cli, &e);
	if (json)
		fputs("{\"files\":[", cli->out);
	for (i = 0; i < n; i++) {
		char new_id[32] = "", state[32] = "";
		eg_ledger_file_ref ref;
		eg_cli_partner pc;
		eg_pipeline_partner pp;
		int found, x;

		memset(&c, 0, sizeof(c));
		eg_error_clear(&e);
		if (eg_ledger_file_ref_get(s->ledger, ids[i], &ref, &found,
					   &e)) {
			worst = eg_cli_fail(cli, &e);
			break;
		}
		if (!found) {
			fprintf(cli->err, "%s %s: no file %s in the ledger\n",
				cli->prog, action, ids[i]);
			worst = EG_EXIT_USAGE;
			continue;
		}
		x = eg_cli_partner_open(cli, action, &s->home, s->guides,
					ref.partner, &pc);
		if (x) {
			eg_cli_partner_close(&pc);
			worst = x;
			continue;
		}
		memset(&pp, 0, sizeof(pp));
		pp.profile = pc.profile;
		pp.expect = &pc.expect;
		pp.guides = pc.guides;
		pp.nguides = pc.nguides;
		if (!strcmp(action, "release") &&
		    is_outbound(s->ledger, ids[i])) {
			/* an input of edigate send: sent again, as send does */
			eg_send_result r;

			x = eg_pipeline_release_out(pl, &pp, s->home.datadir,
						    ids[i], fixed, reason, &r,
						    &e)
				? eg_cli_fail(cli, &e)
				: EG_EXIT_OK;
			eg_cli_partner_close(&pc);
			if (x) {
				worst = worst < x ? x : worst;
				continue;
			}
			if (json)
				fprintf(cli->out,
					"%s{\"file\":\"%s\",\"newFile\":"
					"\"%s\",\"state\":\"%s\"}",
					i ? "," : "", ids[i], r.id, r.state);
			else
				fprintf(cli->out, "%s: released as %s: %s: %s%s\n",
					ids[i], r.id, r.state, r.summary,
					!strcmp(r.state, "ready")
					    ? " (the next run delivers it)"
					    : "");
			if (strcmp(r.state, "ready") && worst < EG_EXIT_DOCUMENT)
				worst = EG_EXIT_DOCUMENT;
			continue;
		}
		if ((fixed ? eg_pipeline_release_fixed(pl, &pp, ids[i], fixed,
						       reason, new_id, &e)
			   : eg_pipeline_requeue(pl, &pp, ids[i], action,
						 reason, force, new_id, &e)) ||
		    eg_pipeline_run(pl, &pp, &c, &e)) {
			x = eg_cli_fail(cli, &e);
			if (worst < x)
				worst = x;
			eg_cli_partner_close(&pc);
			continue;
		}
		eg_cli_partner_close(&pc);
		/* the new file's state, "" when it cannot be read */
		if (eg_ledger_file_ref_get(s->ledger, new_id, &ref, &found,
					   &e) == EG_OK && found)
			snprintf(state, sizeof(state), "%s", ref.state);
		if (json)
			fprintf(cli->out,
				"%s{\"file\":\"%s\",\"newFile\":\"%s\","
				"\"state\":\"%s\"}",
				i ? "," : "", ids[i], new_id, state);
		else
			fprintf(cli->out, "%s: %s as %s: %s\n", ids[i],
				!strcmp(action, "release") ? "released"
							   : "reprocessed",
				new_id, state);
		if (strcmp(state, "accepted") && strcmp(state, "duplicate") &&
		    worst < EG_EXIT_DOCUMENT)
			worst = EG_EXIT_DOCUMENT;
	}
	if (json)
		fputs("]}\n", cli->out);
	eg_pipeline_free(pl);
	return worst;
}

static int
discard(eg_cli *cli, eg_cli_spool *s, char **ids, size_t n,
	const char *reason)
{
	eg_pipeline_opts o;
	eg_pipeline *pl = NULL;
	eg_error e;
	size_t i;
	int worst = EG_EXIT_OK;

	memset(&o, 0, sizeof(o));
	o.spool = s->spool;
	o.now = s->now;
	o.actor = s->user;
	eg_error_clear(&e);
	if (eg_pipeline_new(&pl, s->ledger, &o, &e))
		return eg_cli_fail(cli, &e);
	for (i = 0; i < n; i++) {
		eg_error_clear(&e);
		if (eg_pipeline_discard(pl, ids[i], reason, &e)) {
			int x = eg_cli_fail(cli, &e);

			if (worst < x)
				worst = x;
			continue;
		}
		fprintf(cli->out, "%s: discarded\n", ids[i]);
	}
	eg_pipeline_free(pl);
	return worst;
}

/* Shared argument reading for quarantine and reprocess. */
typedef struct qargs {
	const char *sub, *partner, *reason, *spool, *fixed;
	const char *actor, *to, *as, *owner, *category, *older;
	char **ids;
	size_t nids;
	int json, force, help;
} qargs;

static int
read_args(eg_cli *cli, const char *cmd, int argc, char **argv, int has_sub,
	  qargs *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->ids = calloc((size_t)argc + 1, sizeof(*a->ids));
	if (!a->ids)
		return EG_EXIT_IO;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help"))
			a->help = 1;
		else if (!strcmp(s, "--json"))
			a->json = 1;
		else if (!strcmp(s, "--force"))
			a->force = 1;
		else if (!strcmp(s, "--reason") && i + 1 < argc)
			a->reason = argv[++i];
		else if (!strcmp(s, "--file") && i + 1 < argc)
			a->fixed = argv[++i];
		else if (!strcmp(s, "--partner") && i + 1 < argc)
			a->partner = argv[++i];
		else if (!strcmp(s, "--spool") && i + 1 < argc)
			a->spool = argv[++i];
		else if (!strcmp(s, "--actor") && i + 1 < argc)
			a->actor = argv[++i];
		else if (has_sub && !strcmp(s, "--to") && i + 1 < argc)
			a->to = argv[++i];
		else if (has_sub && !strcmp(s, "--as") && i + 1 < argc)
			a->as = argv[++i];
		else if (has_sub && !strcmp(s, "--owner") && i + 1 < argc)
			a->owner = argv[++i];
		else if (has_sub && !strcmp(s, "--category") && i + 1 < argc)
			a->category = argv[++i];
		else if (has_sub && !strcmp(s, "--older-than") && i + 1 < argc)
			a->older = argv[++i];
		else if (has_sub && a->sub && !strcmp(a->sub, "note") &&
			 a->nids == 1 && s[0] == '-' && s[1] != '-')
			a->ids[a->nids++] = argv[i]; /* a note "-5 cartons" */
		else if (s[0] == '-')
			return eg_cli_usage(cli, cmd, "unknown option '%s'", s);
		else if (has_sub && !a->sub)
			a->sub = s;
		else
			a->ids[a->nids++] = argv[i];
	}
	return EG_EXIT_OK;
}

/* --actor overrides the user the spool found ($EDIGATE_USER, login). */
static int
set_actor(eg_cli *cli, const char *cmd, const char *actor, eg_cli_spool *s)
{
	if (!actor)
		return EG_EXIT_OK;
	if (!actor[0] || strlen(actor) >= sizeof(s->user) ||
	    strpbrk(actor, "\n\r\t"))
		return eg_cli_usage(cli, cmd,
				    "--actor takes a name of at most %zu "
				    "characters on one line",
				    sizeof(s->user) - 1);
	snprintf(s->user, sizeof(s->user), "%s", actor);
	return EG_EXIT_OK;
}

static const char *const q_subs[] = {"list",   "show",	     "release",
				     "discard", "assign",     "note",
				     "categorize", NULL};

/* What the subcommand needs, before the spool is opened; value gets
 * assign's owner, note's text or categorize's category. */
static int
q_check(eg_cli *cli, qargs *a, const char **value, int64_t *older)
{
	const char *sub = a->sub;
	size_t i;

	for (i = 0; q_subs[i] && strcmp(q_subs[i], sub); i++)
		;
	if (!q_subs[i])
		return eg_cli_usage(cli, "quarantine",
				    "say list, show, assign, note, categorize, "
				    "release or discard");
	if ((a->owner || a->category || a->older) && strcmp(sub, "list"))
		return eg_cli_usage(cli, "quarantine",
				    "--owner, --category and --older-than go "
				    "with list");
	if ((a->to && strcmp(sub, "assign")) || (a->as && strcmp(sub,
								"categorize")))
		return eg_cli_usage(cli, "quarantine",
				    "--to goes with assign, --as with "
				    "categorize");
	if (a->category && !(a->category = eg_cli_category(a->category)))
		return eg_cli_usage(cli, "quarantine",
				    "no such category; say syntax, guide, "
				    "mapping-gap, missing-master-data, "
				    "quantity-tolerance, duplicate, "
				    "wrong-partner or other");
	if (a->older && eg_cli_parse_age(a->older, older))
		return eg_cli_usage(cli, "quarantine",
				    "--older-than takes an age such as 30m, "
				    "36h, 2d or 1w");
	if (!strcmp(sub, "note")) {
		if (a->nids != 2 || !a->ids[1][0])
			return eg_cli_usage(cli, "quarantine",
					    "note needs FILE-ID and the note's "
					    "TEXT (quoted)");
		*value = a->ids[1];
		a->nids = 1;
		return EG_EXIT_OK;
	}
	if (!strcmp(sub, "assign")) {
		if (!a->to)
			return eg_cli_usage(cli, "quarantine",
					    "assign needs --to NAME (or --to - "
					    "for the profile's default owner)");
		*value = !strcmp(a->to, "-") ? "" : a->to;
		if ((*value)[0] && !eg_owner_name_ok(*value))
			return eg_cli_usage(cli, "quarantine",
					    "an owner is 1 to 63 letters, "
					    "digits, '.', '_', '-' or '@'");
	}
	if (!strcmp(sub, "categorize")) {
		if (!a->as)
			return eg_cli_usage(cli, "quarantine",
					    "categorize needs --as CATEGORY");
		*value = !strcmp(a->as, "-") ? "" : eg_cli_category(a->as);
		if (!*value)
			return eg_cli_usage(cli, "quarantine",
					    "no category '%s'; say syntax, "
					    "guide, mapping-gap, "
					    "missing-master-data, "
					    "quantity-tolerance, duplicate, "
					    "wrong-partner or other",
					    a->as);
	}
	return EG_EXIT_OK;
}

static int
q_run(eg_cli *cli, int argc, char **argv)
{
	qargs a;
	eg_cli_spool s;
	const char *value = NULL;
	int64_t older = 0;
	int x, changes;

	if ((x = read_args(cli, "quarantine", argc, argv, 1, &a)))
		goto out;
	if (a.help) {
		q_help(cli->out);
		goto out;
	}
	if (!a.sub) {
		x = eg_cli_usage(cli, "quarantine",
				 "say list, show, assign, note, categorize, "
				 "release or discard");
		goto out;
	}
	if ((x = q_check(cli, &a, &value, &older)))
		goto out;
	changes = strcmp(a.sub, "list") && strcmp(a.sub, "show");
	if ((!strcmp(a.sub, "show") && a.nids != 1) ||
	    (changes && a.nids == 0)) {
		x = eg_cli_usage(cli, "quarantine", "%s needs %s", a.sub,
				 changes ? "FILE-IDs" : "one FILE-ID");
		goto out;
	}
	if ((!strcmp(a.sub, "release") || !strcmp(a.sub, "discard")) &&
	    (!a.reason || !a.reason[0])) {
		x = eg_cli_usage(cli, "quarantine",
				 "%s needs --reason TEXT (it goes to the audit "
				 "log)",
				 a.sub);
		goto out;
	}
	if (a.fixed && (strcmp(a.sub, "release") || a.nids != 1)) {
		x = eg_cli_usage(cli, "quarantine",
				 "--file FIXED goes with release of one "
				 "FILE-ID");
		goto out;
	}
	if (a.fixed && access(a.fixed, R_OK) != 0) {
		x = eg_cli_usage(cli, "quarantine",
				 "cannot read the corrected file %s: %s",
				 a.fixed, strerror(errno));
		goto out;
	}
	x = eg_cli_spool_open(cli, "quarantine", a.spool,
			      changes ? EG_SPOOL_LOCK : EG_SPOOL_READ, &s);
	if (!x)
		x = set_actor(cli, "quarantine", a.actor, &s);
	if (!x) {
		if (!strcmp(a.sub, "list"))
			x = q_list(cli, &s, a.partner, a.owner, a.category,
				   older, a.json);
		else if (!strcmp(a.sub, "show"))
			x = q_show(cli, &s, a.ids[0], a.json);
		else if (!strcmp(a.sub, "release"))
			x = requeue(cli, &s, "release", a.ids, a.nids, a.reason,
				    0, a.fixed, a.json);
		else if (!strcmp(a.sub, "discard"))
			x = discard(cli, &s, a.ids, a.nids, a.reason);
		else
			x = q_work(cli, &s, a.sub, a.ids, a.nids, value);
	}
	eg_cli_spool_close(&s);
out:
	free(a.ids);
	return x;
}

static int
r_run(eg_cli *cli, int argc, char **argv)
{
	qargs a;
	eg_cli_spool s;
	int x;

	if ((x = read_args(cli, "reprocess", argc, argv, 0, &a)))
		goto out;
	if (a.help) {
		r_help(cli->out);
		goto out;
	}
	if (a.nids == 0) {
		x = eg_cli_usage(cli, "reprocess", "which files? (FILE-IDs)");
		goto out;
	}
	if (!a.reason || !a.reason[0]) {
		x = eg_cli_usage(cli, "reprocess", "--reason TEXT is required "
						   "(it goes to the audit log)");
		goto out;
	}
	x = eg_cli_spool_open(cli, "reprocess", a.spool, EG_SPOOL_LOCK, &s);
	if (!x)
		x = set_actor(cli, "reprocess", a.actor, &s);
	if (!x)
		x = requeue(cli, &s, "reprocess", a.ids, a.nids, a.reason,
			    a.force, NULL, a.json);
	eg_cli_spool_close(&s);
out:
	free(a.ids);
	return x;
}

const eg_command eg_cmd_quarantine = {
	"quarantine", "the queue of rejected files: list, assign, release...",
	q_run, q_help,
};

const eg_command eg_cmd_reprocess = {
	"reprocess", "run archived files again through today's profiles",
	r_run, r_help,
};
