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
#include "edigate/ledger_query.h"
#include "edigate/pipeline.h"

static void
q_help(FILE *f)
{
	fputs("Usage: edigate quarantine list [--partner ID] [--json]\n"
	      "       edigate quarantine show FILE-ID [--json]\n"
	      "       edigate quarantine release FILE-ID... --reason TEXT\n"
	      "       edigate quarantine release FILE-ID --file FIXED "
	      "--reason TEXT\n"
	      "       edigate quarantine discard FILE-ID... --reason TEXT\n\n"
	      "Files rejected (wholly or partly) wait in\n"
	      "spool/quarantine/PARTNER/FILE-ID/ with the original and the\n"
	      "reject report (report.txt, report.json).\n\n"
	      "  list     what waits, oldest first\n"
	      "  show     the reject report (--json: report.json)\n"
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
	      "           <acknowledgements reacknowledge-release=\"true\">\n"
	      "  discard  give it up: it leaves the quarantine (the archive\n"
	      "           keeps the original); needs a reason\n\n"
	      "Options: --spool DIR, --json, --partner ID (list), --reason TEXT\n"
	      "(required for release and discard; with the user from\n"
	      "$EDIGATE_USER or the login name it goes to the audit log).\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  done (list: something is in quarantine)\n"
	      "  1  list: the quarantine is empty; release: the file was\n"
	      "     rejected again\n"
	      "  2  usage error, or the file is not in quarantine\n"
	      "  3  I/O failure, or another run holds the spool\n",
	      f);
}

static void
r_help(FILE *f)
{
	fputs("Usage: edigate reprocess FILE-ID... --reason TEXT [--force]\n"
	      "                         [--json] [--spool DIR]\n\n"
	      "Run archived originals again through today's profiles and\n"
	      "guides, each as a new file of the ledger (its reprocessOf\n"
	      "names the old one), and audit who did it and why.  A file\n"
	      "whose records went out (accepted, partial) is refused unless\n"
	      "--force; with --force, sets it delivered go out again marked\n"
	      "as changes, and the file goes past the control-number check\n"
	      "(a number seen before with other content is not held again).\n"
	      "Acknowledgements are pushed by the next run; an interchange\n"
	      "acknowledged before is not acknowledged again unless the\n"
	      "profile says <acknowledgements reacknowledge-release=\"true\">.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  every file was processed and accepted\n"
	      "  1  some file was rejected again\n"
	      "  2  usage error, or a file cannot be reprocessed (state)\n"
	      "  3  I/O failure, or another run holds the spool\n",
	      f);
}

/* One file of the list, as a JSON object or two text lines. */
typedef struct qlistw {
	eg_buf *b;
	int json, n;
	eg_err rc;
} qlistw;

static int
q_row(void *ud, const eg_ledger_quarantined *q)
{
	qlistw *w = ud;
	eg_buf *b = w->b;
	char when[32];
	eg_err rc;

	eg_cli_fmt_time(q->received_at, when, sizeof(when));
	if (w->json) {
		rc = eg_buf_addf(b,
				 "%s{\"id\":\"%s\",\"partner\":\"%s\","
				 "\"state\":\"%s\",\"receivedAt\":%lld,"
				 "\"name\":",
				 w->n ? "," : "", q->id, q->partner, q->state,
				 (long long)q->received_at);
		if (!rc)
			rc = eg_cli_json_str(b, q->name);
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
		rc = eg_buf_addf(b, "%s  %-12s %-8s %s  %s\n    %s\n", q->id,
				 q->partner, q->state, when, q->name,
				 q->first_error);
	}
	w->n++;
	w->rc = rc;
	return rc != EG_OK;
}

static int
q_list(eg_cli *cli, eg_cli_spool *s, const char *partner, int json)
{
	qlistw w;
	eg_error e;
	eg_buf b;
	eg_err rc = EG_OK;
	int x;

	eg_error_clear(&e);
	eg_buf_init(&b, (size_t)64 << 20);
	memset(&w, 0, sizeof(w));
	w.b = &b;
	w.json = json;
	if (json)
		rc = eg_buf_adds(&b, "{\"quarantine\":[");
	if (!rc && eg_ledger_quarantine_list(s->ledger, partner, q_row, &w,
					     &e)) {
		eg_buf_free(&b);
		return eg_cli_fail(cli, &e);
	}
	if (!rc)
		rc = w.rc;
	if (!rc && json)
		rc = eg_buf_adds(&b, "]}\n");
	if (!rc && !json && w.n == 0)
		rc = eg_buf_adds(&b, "the quarantine is empty\n");
	x = rc ? EG_EXIT_IO : eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	return x ? x : w.n ? EG_EXIT_OK : EG_EXIT_DOCUMENT;
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
	x = eg_cli_write(cli, data, len);
	free(data);
	return x;
}

/* Release or reprocess: requeue each file, then process its partner. */
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
		else if (s[0] == '-')
			return eg_cli_usage(cli, cmd, "unknown option '%s'", s);
		else if (has_sub && !a->sub)
			a->sub = s;
		else
			a->ids[a->nids++] = argv[i];
	}
	return EG_EXIT_OK;
}

static int
q_run(eg_cli *cli, int argc, char **argv)
{
	qargs a;
	eg_cli_spool s;
	int x, changes;

	if ((x = read_args(cli, "quarantine", argc, argv, 1, &a)))
		goto out;
	if (a.help) {
		q_help(cli->out);
		goto out;
	}
	if (!a.sub || (strcmp(a.sub, "list") && strcmp(a.sub, "show") &&
		       strcmp(a.sub, "release") && strcmp(a.sub, "discard"))) {
		x = eg_cli_usage(cli, "quarantine",
				 "say list, show, release or discard");
		goto out;
	}
	changes = !strcmp(a.sub, "release") || !strcmp(a.sub, "discard");
	if ((!strcmp(a.sub, "show") && a.nids != 1) ||
	    (changes && a.nids == 0)) {
		x = eg_cli_usage(cli, "quarantine", "%s needs %s", a.sub,
				 changes ? "FILE-IDs" : "one FILE-ID");
		goto out;
	}
	if (changes && (!a.reason || !a.reason[0])) {
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
	if (!x) {
		if (!strcmp(a.sub, "list"))
			x = q_list(cli, &s, a.partner, a.json);
		else if (!strcmp(a.sub, "show"))
			x = q_show(cli, &s, a.ids[0], a.json);
		else if (!strcmp(a.sub, "release"))
			x = requeue(cli, &s, "release", a.ids, a.nids, a.reason,
				    0, a.fixed, a.json);
		else
			x = discard(cli, &s, a.ids, a.nids, a.reason);
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
		x = requeue(cli, &s, "reprocess", a.ids, a.nids, a.reason,
			    a.force, NULL, a.json);
	eg_cli_spool_close(&s);
out:
	free(a.ids);
	return x;
}

const eg_command eg_cmd_quarantine = {
	"quarantine", "list, show, release or discard rejected files",
	q_run, q_help,
};

const eg_command eg_cmd_reprocess = {
	"reprocess", "run archived files again through today's profiles",
	r_run, r_help,
};
