/*
 * cmd_status.c - `edigate status`: per partner, how the gateway is doing
 * today.  Read-only.
 *
 * A partner is *failing* when the gateway cannot serve it: its profile
 * (or a partner guide it names) does not load, so `run` skips it, or its
 * last run failed (its server or folders, the spool) or left files it
 * could not process.  That is exit 3, the code `run` gives for a partner
 * it could not serve; exit 1 is for work a person must look at
 * (quarantine, files stuck, acks not delivered).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_query.h"
#include "edigate/profile.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate status [--partner ID] [--json] [--spool DIR]\n"
	      "                      [--inbox-files]\n\n"
	      "Per partner: the last successful run and the last run's\n"
	      "outcome, files received today and outputs written today\n"
	      "(records, acknowledgements), today's accepted, rejected and\n"
	      "duplicate files, what waits in quarantine, files received but\n"
	      "not finished, and acknowledgements not yet delivered.\n"
	      "\"Today\" is the UTC day.\n"
	      "For a local inbox, also what sits in it now: files the next\n"
	      "run takes, files waiting to be complete and files no pattern\n"
	      "takes (ignored); --inbox-files names them (an SFTP inbox is\n"
	      "listed by `edigate partner probe ID`).\n",
	      f);
	fputs("\nA partner is FAILING when its profile (or a partner guide it\n"
	      "names) does not load, or its last run failed or left files\n"
	      "it could not process (its server, its folders, the spool).\n",
	      f);
	fputs("\nEach partner has a health, green, amber or red, and a line\n"
	      "per flow (a document of its profile, by direction and set):\n"
	      "last success, quarantine depth by root cause as `quarantine\n"
	      "list` has it (syntax, guide, mapping gap, missing master data,\n"
	      "quantity tolerance, duplicate, wrong partner, other), rejected\n"
	      "in the rate window (<sla><quarantine rate-window=>, default\n"
	      "24h), mean time to resolve (30 days), the partner's\n"
	      "acknowledgement latency and overdue count\n"
	      "(<acknowledgements><expect>), the answer lag (<arrival\n"
	      "after-sent=>), the last error; and the backlog: files in the\n"
	      "inbox, in the outbound drop not sent yet, in a local outbox\n"
	      "not taken by the partner.  Red: an open alert,\n"
	      "acknowledgements overdue, a threshold's alert level, failing;\n"
	      "amber: a warning, a threshold's warning level, or quarantine\n"
	      "not empty when the profile sets no threshold.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  nothing needs attention (every partner green)\n"
	      "  1  something does: a partner amber or red, quarantine not\n"
	      "     empty, files stuck,\n"
	      "     acknowledgements not delivered, a clean-up the\n"
	      "     partner's server refused in attention-after runs\n"
	      "     (profile, default 3), or a partner's TA1/997/999\n"
	      "     rejecting our documents in the last 7 days\n"
	      "  2  usage or configuration error (e.g. no such partner)\n"
	      "  3  a partner is failing, or the spool cannot be read\n",
	      f);
}

typedef struct pstat {
	long long last_ok, last_run, in_today, out_today, acks_today;
	long long accepted, rejected, duplicates, quarantine, stuck;
	long long unsent, failures;
	int64_t ack_rejections; /* in the partner's TA1/997/999, 7 days */
	char last_status[16], last_msg[300];
	char failing[400]; /* why the partner is failing, "" when not */
	/* clean-ups the server refused attention-after runs or more */
	int64_t refused;
	char refused_path[300], refused_why[300];
} pstat;

/* Does partners/ID.xml load, with the partner guides it names (what
 * `run` needs before it serves the partner)?  "" when it does. */
static void
profile_check(const eg_cli_spool *s, const char *id, char *why, size_t cap)
{
	char path[PATH_MAX];
	eg_profile *pr = NULL;
	eg_error e;
	size_t i;

	why[0] = '\0';
	eg_error_clear(&e);
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml",
			     s->home.home, id) >= sizeof(path)) {
		snprintf(why, cap, "profile path too long");
		return;
	}
	if (eg_profile_load(&pr, path, s->home.datadir, &e)) {
		snprintf(why, cap, "profile does not load: %.340s", e.msg);
		return;
	}
	for (i = 0; i < pr->ndocs && !why[0]; i++) {
		const eg_guide *g;

		if (pr->docs[i].guide && s->guides &&
		    eg_guides_load(s->guides, pr->docs[i].guide, &g, &e))
			snprintf(why, cap, "partner guide does not load: %.330s",
				 e.msg);
	}
	eg_profile_free(pr);
}

/* Is there a partners/ID.xml?  Ids with a slash never name one. */
static int
partner_exists(const eg_cli_spool *s, const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	if (!id[0] || strchr(id, '/') || id[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml",
			     s->home.home, id) >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static eg_err
gather(eg_ledger *l, const char *p, int64_t day, pstat *ps, eg_error *e)
{
	eg_ledger_partner_day d;
	eg_err rc;

	memset(ps, 0, sizeof(*ps));
	rc = eg_ledger_partner_day_get(l, p, day, &d, e);
	if (!rc)
		rc = eg_ledger_acks_attention(l, p, day - 6 * 86400,
					      &ps->ack_rejections, e);
	if (rc)
		return rc;
	ps->last_ok = (long long)d.last_ok;
	ps->in_today = (long long)d.files_in;
	ps->out_today = (long long)d.records_out;
	ps->acks_today = (long long)d.acks_sent;
	ps->accepted = (long long)d.accepted;
	ps->rejected = (long long)d.rejected;
	ps->duplicates = (long long)d.duplicates;
	ps->quarantine = (long long)d.quarantine;
	ps->stuck = (long long)d.unfinished;
	ps->unsent = (long long)d.acks_pending;
	ps->failures = (long long)d.failed_runs;
	ps->last_run = (long long)d.last_run;
	snprintf(ps->last_status, sizeof(ps->last_status), "%s",
		 d.last_status);
	snprintf(ps->last_msg, sizeof(ps->last_msg), "%s", d.last_msg);
	return eg_ledger_cleanup_attention(l, p, &ps->refused, ps->refused_path,
					   sizeof(ps->refused_path),
					   ps->refused_why,
					   sizeof(ps->refused_why), e);
}

/* "3d 4h", "2h 05m", "40m", "-" */
static void
span(long long v, char *dst, size_t cap)
{
	if (v < 0)
		snprintf(dst, cap, "-");
	else if (v >= 86400)
		snprintf(dst, cap, "%lldd %lldh", v / 86400, v % 86400 / 3600);
	else if (v >= 3600)
		snprintf(dst, cap, "%lldh %02lldm", v / 3600, v % 3600 / 60);
	else
		snprintf(dst, cap, "%lldm", v / 60);
}

/* The partner's health and a line per flow (text). */
static void
flows_text(eg_buf *b, const eg_cli_health *h)
{
	const char *const *cats = eg_quarantine_categories();
	size_t i, k;

	(void)!eg_buf_addf(b, "  health %s%s%s", h->health,
			   h->why[0] ? ": " : "", h->why);
	if (h->outbox_waiting > 0)
		(void)!eg_buf_addf(b, "; %lld file(s) in the outbox not taken "
				      "by the partner yet",
				   h->outbox_waiting);
	if (h->drop_waiting > 0)
		(void)!eg_buf_addf(b, "; %lld file(s) in the outbound drop not "
				      "sent yet",
				   h->drop_waiting);
	(void)!eg_buf_adds(b, "\n");
	for (i = 0; i < h->nflows; i++) {
		const eg_cli_flow *f = &h->flows[i];
		char ok[32], m[32], a[32], lag[32];
		int n = 0;

		eg_cli_fmt_time(f->f.last_ok, ok, sizeof(ok));
		span(f->f.resolve_secs, m, sizeof(m));
		span(f->f.ack_secs, a, sizeof(a));
		span(f->lag_secs, lag, sizeof(lag));
		(void)!eg_buf_addf(b, "  %-3s %-4s %-5s last ok %s; quarantine "
				      "%lld",
				   f->dir, f->set[0] ? f->set : "?", f->health,
				   f->f.last_ok ? ok : "never",
				   (long long)f->f.quarantine);
		for (k = 0; cats[k]; k++)
			if (f->cat[k])
				(void)!eg_buf_addf(b, "%s%s %lld", n++ ? ", "
								       : " (",
						   cats[k],
						   (long long)f->cat[k]);
		(void)!eg_buf_addf(b, "%s; rejected %lld of %lld in %lldh",
				   n ? ")" : "",
				   (long long)f->f.window_rejected,
				   (long long)f->f.window_files,
				   h->window / 3600);
		if (f->f.resolved)
			(void)!eg_buf_addf(b, "; resolved in %s on average", m);
		if (!strcmp(f->dir, "out"))
			(void)!eg_buf_addf(b, "; their ack after %s, %lld "
					      "overdue",
					   a, f->overdue);
		if (f->lag_secs >= 0)
			(void)!eg_buf_addf(b, "; answered after %s", lag);
		if (f->f.last_error[0])
			(void)!eg_buf_addf(b, "\n            last error: %s",
					   f->f.last_error);
		(void)!eg_buf_adds(b, "\n");
	}
}

static void
jnum(eg_buf *b, const char *name, long long v, int null_below_zero)
{
	if (null_below_zero && v < 0)
		(void)!eg_buf_addf(b, ",\"%s\":null", name);
	else
		(void)!eg_buf_addf(b, ",\"%s\":%lld", name, v);
}

/* ,"health":..,"flows":[..] */
static void
flows_json(eg_buf *b, const eg_cli_health *h)
{
	const char *const *cats = eg_quarantine_categories();
	size_t i, k;

	(void)!eg_buf_addf(b, ",\"health\":\"%s\",\"healthReason\":",
			   h->health);
	(void)!eg_cli_json_str(b, h->why);
	jnum(b, "openAlerts", h->open_alerts, 0);
	jnum(b, "openWarnings", h->open_warnings, 0);
	jnum(b, "acksOverdue", h->acks_overdue, 0);
	jnum(b, "outboxWaiting", h->outbox_waiting, 1);
	jnum(b, "dropWaiting", h->drop_waiting, 1);
	jnum(b, "rateWindowSeconds", h->window, 0);
	(void)!eg_buf_adds(b, ",\"flows\":[");
	for (i = 0; i < h->nflows; i++) {
		const eg_cli_flow *f = &h->flows[i];

		(void)!eg_buf_addf(b, "%s{\"direction\":\"%s\",\"set\":\"%s\","
				      "\"health\":\"%s\"",
				   i ? "," : "", f->dir, f->set, f->health);
		jnum(b, "lastSuccess", f->f.last_ok, 0);
		jnum(b, "quarantine", f->f.quarantine, 0);
		jnum(b, "windowFiles", f->f.window_files, 0);
		jnum(b, "windowRejected", f->f.window_rejected, 0);
		jnum(b, "quarantineRatePercent", f->rate, 1);
		/* keys as `quarantine list --category` takes them */
		(void)!eg_buf_adds(b, ",\"causes\":{");
		for (k = 0; cats[k]; k++) {
			char key[40], *c;

			snprintf(key, sizeof(key), "%s", cats[k]);
			for (c = key; *c; c++)
				if (*c == ' ')
					*c = '-';
			(void)!eg_buf_addf(b, "%s\"%s\":%lld", k ? "," : "",
					   key, (long long)f->cat[k]);
		}
		(void)!eg_buf_adds(b, "}");
		jnum(b, "resolved30d", f->f.resolved, 0);
		jnum(b, "meanTimeToResolveSeconds", f->f.resolve_secs, 1);
		jnum(b, "ackLatencySeconds", f->f.ack_secs, 1);
		jnum(b, "acksOverdue", strcmp(f->dir, "out") ? -1 : f->overdue,
		     1);
		jnum(b, "answerLagSeconds", f->lag_secs, 1);
		jnum(b, "lastErrorAt", f->f.last_error_at, 0);
		(void)!eg_buf_adds(b, ",\"lastError\":");
		(void)!eg_cli_json_str(b, f->f.last_error);
		(void)!eg_buf_adds(b, "}");
	}
	(void)!eg_buf_adds(b, "]");
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *only = NULL, *spool = NULL;
	char **ids = NULL;
	size_t nids = 0, i;
	int json = 0, x, attention = 0, failing = 0, inbox_files = 0;
	eg_cli_spool s;
	eg_error e;
	eg_buf b;
	int64_t day;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--inbox-files"))
			inbox_files = 1;
		else if (!strcmp(argv[i], "--partner") && i + 1 < (size_t)argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < (size_t)argc)
			spool = argv[++i];
		else
			return eg_cli_usage(cli, "status", "unknown argument "
							   "'%s'",
					    argv[i]);
	}
	x = eg_cli_spool_open(cli, "status", spool, EG_SPOOL_READ, &s);
	if (!x)
		x = eg_cli_partner_ids(cli, "status", &s.home, &ids, &nids);
	if (!x && only && !partner_exists(&s, only)) {
		eg_buf known;

		eg_buf_init(&known, 4096);
		for (i = 0; i < nids; i++)
			(void)!eg_buf_addf(&known, "%s%s", i ? ", " : "",
					   ids[i]);
		x = eg_cli_usage(cli, "status", "no partner '%s' (partners/ "
						"holds: %s)",
				 only, known.len ? known.data : "none");
		eg_buf_free(&known);
	}
	if (x) {
		eg_cli_free_ids(ids, nids);
		eg_cli_spool_close(&s);
		return x;
	}
	day = (int64_t)(s.now - s.now % 86400);
	eg_error_clear(&e);
	eg_buf_init(&b, (size_t)16 << 20);
	if (json)
		(void)!eg_buf_adds(&b, "{\"partners\":[");
	else
		(void)!eg_buf_addf(&b, "%-12s %-19s %-8s %4s %4s %4s %4s %4s "
				       "%5s %s\n",
				   "PARTNER", "LAST OK RUN (UTC)", "LAST",
				   "IN", "OUT", "ACC", "REJ", "DUP", "QUAR",
				   "NOTES");
	for (i = 0; i < (only ? 1 : nids); i++) {
		const char *p = only ? only : ids[i];
		char ok[32], notes[600] = "";
		eg_cli_health hh;
		eg_buf lines;
		pstat ps;

		if (gather(s.ledger, p, day, &ps, &e)) {
			x = eg_cli_fail(cli, &e);
			break;
		}
		profile_check(&s, p, ps.failing, sizeof(ps.failing));
		if (!ps.failing[0] && !strcmp(ps.last_status, "failed"))
			snprintf(ps.failing, sizeof(ps.failing),
				 "last run failed: %s", ps.last_msg);
		else if (!ps.failing[0] && !strcmp(ps.last_status, "partly"))
			snprintf(ps.failing, sizeof(ps.failing),
				 "last run could not process every file "
				 "(tried again next run)");
		eg_cli_fmt_time(ps.last_ok, ok, sizeof(ok));
		if (eg_cli_health_get(&s, s.ledger, p, s.now, ps.failing, &hh,
				      &e)) {
			x = eg_cli_fail(cli, &e);
			break;
		}
		if (strcmp(hh.health, "green"))
			attention = 1;
		if (ps.failing[0])
			failing = 1;
		if (ps.quarantine || ps.stuck || ps.unsent || ps.refused ||
		    ps.ack_rejections)
			attention = 1;
		if (ps.failing[0])
			snprintf(notes, sizeof(notes), "FAILING: %s; ",
				 ps.failing);
		if (ps.stuck)
			snprintf(notes + strlen(notes),
				 sizeof(notes) - strlen(notes),
				 "%lld file(s) not finished; ", ps.stuck);
		if (ps.unsent)
			snprintf(notes + strlen(notes),
				 sizeof(notes) - strlen(notes),
				 "%lld ack(s) not delivered; ", ps.unsent);
		if (ps.ack_rejections)
			snprintf(notes + strlen(notes),
				 sizeof(notes) - strlen(notes),
				 "%lld rejection(s) of our documents in their "
				 "acknowledgements (`edigate files --partner "
				 "%s`, `show`); ",
				 (long long)ps.ack_rejections, p);
		if (ps.refused)
			snprintf(notes + strlen(notes),
				 sizeof(notes) - strlen(notes),
				 "clean-up refused again and again for %lld "
				 "file(s), the partner's inbox fills up (last "
				 "%s); ",
				 (long long)ps.refused, ps.refused_path);
		eg_buf_init(&lines, (size_t)1 << 20);
		if (!json)
			eg_cli_inbox_status(&s.home, p, s.now, inbox_files,
					    notes, sizeof(notes), &lines, NULL);
		if (json) {
			(void)!eg_buf_addf(
			    &b,
			    "%s{\"partner\":\"%s\",\"lastSuccessfulRun\":%lld,"
			    "\"lastRun\":%lld,\"lastRunStatus\":\"%s\","
			    "\"lastRunMessage\":",
			    i ? "," : "", p, ps.last_ok, ps.last_run,
			    ps.last_status);
			(void)!eg_cli_json_str(&b, ps.last_msg);
			(void)!eg_buf_addf(
			    &b,
			    ",\"filesInToday\":%lld,\"recordsOutToday\":%lld,"
			    "\"acksSentToday\":%lld,\"acceptedToday\":%lld,"
			    "\"rejectedToday\":%lld,\"duplicatesToday\":%lld,"
			    "\"quarantine\":%lld,\"unfinished\":%lld,"
			    "\"acksPending\":%lld,\"failedRunsToday\":%lld,"
			    "\"ackRejections\":%lld,\"failing\":%s,\"failure\":",
			    ps.in_today, ps.out_today, ps.acks_today,
			    ps.accepted, ps.rejected, ps.duplicates,
			    ps.quarantine, ps.stuck, ps.unsent, ps.failures,
			    (long long)ps.ack_rejections,
			    ps.failing[0] ? "true" : "false");
			(void)!eg_cli_json_str(&b, ps.failing);
			(void)!eg_buf_addf(&b, ",\"cleanupRefused\":{\"files\":"
					       "%lld,\"lastPath\":",
					   (long long)ps.refused);
			(void)!eg_cli_json_str(&b, ps.refused_path);
			(void)!eg_buf_adds(&b, ",\"lastError\":");
			(void)!eg_cli_json_str(&b, ps.refused_why);
			(void)!eg_buf_adds(&b, "}");
			eg_cli_inbox_status(&s.home, p, s.now, inbox_files,
					    notes, sizeof(notes), NULL, &b);
			flows_json(&b, &hh);
			(void)!eg_buf_adds(&b, "}");
		} else {
			(void)!eg_buf_addf(&b,
					   "%-12s %-19s %-8s %4lld %4lld %4lld "
					   "%4lld %4lld %5lld %s\n",
					   p, ok,
					   ps.last_status[0] ? ps.last_status
							     : "never",
					   ps.in_today, ps.out_today,
					   ps.accepted, ps.rejected,
					   ps.duplicates, ps.quarantine, notes);
			(void)!eg_buf_add(&b, lines.data ? lines.data : "",
					  lines.len);
			flows_text(&b, &hh);
		}
		eg_buf_free(&lines);
	}
	if (json)
		(void)!eg_buf_adds(&b, "]}\n");
	else
		(void)!eg_buf_adds(&b, "\nIN files received today, OUT record "
				       "files written today; ACC/REJ/DUP today's "
				       "accepted, rejected or partial, and\n"
				       "duplicate files; QUAR files waiting in "
				       "quarantine (`edigate quarantine list`).\n"
				       "Under each partner: its health (green, "
				       "amber, red) and one line per flow\n"
				       "(direction and set): last success, "
				       "quarantine by cause, rejected in the\n"
				       "profile's rate window, mean time to "
				       "resolve, acknowledgements (`edigate\n"
				       "alerts` lists the service-level alerts)."
				       "\n");
	if (!x)
		x = eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	eg_cli_free_ids(ids, nids);
	eg_cli_spool_close(&s);
	if (x)
		return x;
	return failing ? EG_EXIT_IO : attention ? EG_EXIT_DOCUMENT : EG_EXIT_OK;
}

const eg_command eg_cmd_status = {
	"status", "per partner and flow: health, last run, quarantine",
	run, help,
};
