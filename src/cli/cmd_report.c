/*
 * cmd_report.c - `edigate report --html -o FILE`: one self-contained
 * HTML page for the people who run the gateway: each flow's health, the
 * quarantine queue with owners, ages and reasons, acknowledgements
 * overdue, open alerts, and a chart per flow of the last 30 days.
 *
 * Self-contained: styles and the one small script are inline, the
 * charts are inline SVG, and a Content-Security-Policy forbids every
 * fetch, so the page never reaches the network.  Every value that comes
 * from a file, a profile or the ledger is HTML-escaped.  The page is
 * written atomically (a temporary file renamed), so a browser or a web
 * server never sees half of it; `serve --report FILE` rewrites it after
 * each cycle.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/ledger_alerts.h"
#include "edigate/ledger_query.h"
#include "edigate/metrics.h"
#include "edigate/profile.h"

#define DAYS 30

static void
help(FILE *f)
{
	fputs("Usage: edigate report --html -o FILE [--partner ID] "
	      "[--spool DIR]\n\n"
	      "Write one self-contained HTML page (no network, no external\n"
	      "scripts, styles or fonts): each flow's health (green, amber,\n"
	      "red, as `edigate status`), the quarantine queue with owners,\n"
	      "ages and reasons, acknowledgements overdue, open alerts, and\n"
	      "a chart per flow of the last 30 days (files and rejects per\n"
	      "day).  -o - writes it to standard output.  The file is\n"
	      "replaced atomically; `edigate serve --report FILE` rewrites\n"
	      "it after each cycle.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  written\n"
	      "  2  usage or configuration error (e.g. no such partner)\n"
	      "  3  the spool cannot be read, or FILE cannot be written\n",
	      f);
}

/* HTML-escape s into b. */
static void
esc(eg_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': (void)!eg_buf_adds(b, "&amp;"); break;
		case '<': (void)!eg_buf_adds(b, "&lt;"); break;
		case '>': (void)!eg_buf_adds(b, "&gt;"); break;
		case '"': (void)!eg_buf_adds(b, "&quot;"); break;
		case '\'': (void)!eg_buf_adds(b, "&#39;"); break;
		default: (void)!eg_buf_add(b, s, 1);
		}
	}
}

static void
td(eg_buf *b, const char *s)
{
	(void)!eg_buf_adds(b, "<td>");
	esc(b, s);
	(void)!eg_buf_adds(b, "</td>");
}

static void
when(long long t, char *dst, size_t cap)
{
	if (t <= 0)
		snprintf(dst, cap, "never");
	else
		eg_cli_fmt_time(t, dst, cap);
}

/* "3d 4h", "2h 05m", "40m" */
static void
span(long long s, char *dst, size_t cap)
{
	if (s < 0)
		snprintf(dst, cap, "-");
	else if (s >= 86400)
		snprintf(dst, cap, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(dst, cap, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(dst, cap, "%lldm", s / 60);
}

static const char style[] =
    "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;"
    "vertical-align:top}th{background:#eee}"
    ".green{background:#c8efc8}.amber{background:#ffe0a0}"
    ".red{background:#f6b3b3}.muted{color:#777}"
    ".charts{display:flex;flex-wrap:wrap;gap:1em}"
    ".chart{border:1px solid #ccc;padding:.4em}";

/* --- sections ---------------------------------------------------------- */

static void
health_rows(eg_buf *b, const eg_cli_health *h)
{
	const char *const *cats = eg_quarantine_categories();
	size_t i, k;

	for (i = 0; i < h->nflows; i++) {
		const eg_cli_flow *f = &h->flows[i];
		char t[40], m[32], a[32], lag[32], causes[400] = "", rate[24];
		size_t n = 0;

		when(f->f.last_ok, t, sizeof(t));
		span(f->f.resolve_secs, m, sizeof(m));
		span(f->f.ack_secs, a, sizeof(a));
		span(f->lag_secs, lag, sizeof(lag));
		for (k = 0; cats[k]; k++)
			if (f->cat[k] && n < sizeof(causes))
				n += (size_t)snprintf(causes + n,
						      sizeof(causes) - n,
						      "%s%s %lld", n ? ", " : "",
						      cats[k],
						      (long long)f->cat[k]);
		if (f->rate < 0)
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%lld%%", f->rate);
		(void)!eg_buf_addf(b, "<tr class=\"flow\" data-partner=\"");
		esc(b, h->id);
		(void)!eg_buf_addf(b, "\" data-flow=\"%s %s\">", f->dir,
				   f->set[0] ? f->set : "?");
		td(b, h->id);
		td(b, h->name);
		(void)!eg_buf_addf(b, "<td>%s %s</td><td class=\"%s\">%s</td>",
				   f->dir, f->set[0] ? f->set : "(unread)",
				   f->health, f->health);
		td(b, t);
		(void)!eg_buf_addf(b, "<td>%lld</td><td>%s of %lld</td>",
				   (long long)f->f.quarantine, rate,
				   (long long)f->f.window_files);
		td(b, causes[0] ? causes : "-");
		td(b, m);
		td(b, a);
		if (strcmp(f->dir, "out"))
			(void)!eg_buf_adds(b, "<td>-</td>");
		else
			(void)!eg_buf_addf(b, "<td>%lld</td>", f->overdue);
		td(b, lag);
		td(b, f->f.last_error[0] ? f->f.last_error : "-");
		(void)!eg_buf_adds(b, "</tr>\n");
	}
}

/* A 30-day chart: files per day (blue) and rejects (red), as bars. */
static eg_err
chart(eg_buf *b, eg_ledger *l, const char *partner, const char *set,
      int64_t day0, eg_error *e)
{
	int64_t files[DAYS], rej[DAYS], max = 1, tf = 0, tr = 0;
	unsigned d;
	eg_err rc;

	rc = eg_ledger_flow_days(l, partner, set, day0, DAYS, files, rej, e);
	if (rc)
		return rc;
	for (d = 0; d < DAYS; d++) {
		max = files[d] > max ? files[d] : max;
		tf += files[d];
		tr += rej[d];
	}
	(void)!eg_buf_adds(b, "<div class=\"chart\"><div>");
	esc(b, partner);
	(void)!eg_buf_addf(b, " in %s: %lld file(s), %lld rejected, 30 "
			      "days</div>\n<svg xmlns=\"http://www.w3.org/"
			      "2000/svg\" width=\"%d\" height=\"70\" role="
			      "\"img\"><title>",
			   set, (long long)tf, (long long)tr, DAYS * 9 + 2);
	esc(b, partner);
	(void)!eg_buf_addf(b, " %s: files and rejects per day</title>"
			      "<line x1=\"0\" y1=\"61\" x2=\"%d\" y2=\"61\" "
			      "stroke=\"#999\"/>",
			   set, DAYS * 9 + 2);
	for (d = 0; d < DAYS; d++) {
		long long hf = files[d] * 60 / max, hr = rej[d] * 60 / max;

		if (files[d])
			(void)!eg_buf_addf(b, "<rect class=\"files\" x=\"%u\" "
					      "y=\"%lld\" width=\"7\" height="
					      "\"%lld\" fill=\"#5b8bd0\"/>",
					   d * 9 + 1, 61 - hf, hf ? hf : 1);
		if (rej[d])
			(void)!eg_buf_addf(b, "<rect class=\"rejects\" x=\"%u\" "
					      "y=\"%lld\" width=\"7\" height="
					      "\"%lld\" fill=\"#d04040\"/>",
					   d * 9 + 1, 61 - hr, hr ? hr : 1);
	}
	(void)!eg_buf_adds(b, "</svg></div>\n");
	return EG_OK;
}

typedef struct qctx {
	eg_buf *b;
	eg_ledger *l;
	const eg_cli_qowners *owners; /* NULL: not known */
	time_t now;
	int n;
	eg_err rc;
	eg_error *e;
} qctx;

static int
on_quarantined(void *ud, const eg_ledger_quarantined *q)
{
	qctx *c = ud;
	int from_profile = 0;
	const char *owner =
	    c->owners ? eg_cli_qowner(c->owners, q, &from_profile) : "";
	char t[40], age[32];

	when(q->received_at, t, sizeof(t));
	span((long long)c->now - q->received_at, age, sizeof(age));
	(void)!eg_buf_adds(c->b, "<tr class=\"quarantined\">");
	td(c->b, q->id);
	td(c->b, q->partner);
	td(c->b, q->name);
	td(c->b, t);
	td(c->b, age);
	if (owner && owner[0])
		td(c->b, owner);
	else
		(void)!eg_buf_adds(c->b, "<td class=\"muted\">unassigned</td>");
	td(c->b, q->first_error[0] ? q->first_error : q->summary);
	(void)!eg_buf_adds(c->b, "</tr>\n");
	c->n++;
	return 0;
}

static int
on_alert(void *ud, const eg_ledger_alert *a)
{
	qctx *c = ud;
	char t[40];

	when(a->raised_at, t, sizeof(t));
	(void)!eg_buf_addf(c->b, "<tr class=\"alert\"><td class=\"%s\">%s</td>",
			   strcmp(a->level, "alert") ? "amber" : "red",
			   strcmp(a->level, "alert") ? "warning" : "alert");
	td(c->b, a->partner);
	td(c->b, a->rule);
	td(c->b, a->subject);
	td(c->b, t);
	td(c->b, a->message);
	(void)!eg_buf_adds(c->b, "</tr>\n");
	c->n++;
	return 0;
}

/* Overdue acknowledgements of one expect. */
typedef struct overdue {
	qctx *c;
	const char *partner, *type;
	long long within;
} overdue;

static int
on_sent(void *ud, const eg_ledger_sent_doc *d)
{
	overdue *o = ud;
	char t[40], due[40];

	if (d->answered_at != EG_LEDGER_NONE ||
	    (long long)o->c->now < d->sent_at + o->within)
		return 0;
	when(d->sent_at, t, sizeof(t));
	when(d->sent_at + o->within, due, sizeof(due));
	(void)!eg_buf_adds(o->c->b, "<tr class=\"overdue\">");
	td(o->c->b, o->partner);
	td(o->c->b, o->type);
	td(o->c->b, d->file_id);
	td(o->c->b, d->control);
	td(o->c->b, t);
	td(o->c->b, due);
	(void)!eg_buf_adds(o->c->b, "</tr>\n");
	o->c->n++;
	return 0;
}

/* Why a partner is failing, as `status` says it (its profile, its last
 * run); "" when not. */
static void
failing(const eg_cli_spool *s, eg_ledger *l, const char *id, time_t now,
	char *why, size_t cap)
{
	eg_ledger_partner_day d;
	char path[PATH_MAX];
	eg_profile *p = NULL;
	eg_error e;

	why[0] = '\0';
	eg_error_clear(&e);
	snprintf(path, sizeof(path), "%s/partners/%s.xml", s->home.home, id);
	if (eg_profile_load(&p, path, s->home.datadir, &e)) {
		snprintf(why, cap, "profile does not load");
		return;
	}
	eg_profile_free(p);
	if (eg_ledger_partner_day_get(l, id, (int64_t)now, &d, &e))
		return;
	if (!strcmp(d.last_status, "failed"))
		snprintf(why, cap, "last run failed: %s", d.last_msg);
	else if (!strcmp(d.last_status, "partly"))
		snprintf(why, cap, "last run could not process every file");
}

/* --- the page ------------------------------------------------------------ */

static eg_err
page(eg_cli *cli, const eg_cli_spool *s, eg_ledger *l, const char *only,
     time_t now, eg_buf *b, eg_error *e)
{
	char **ids = NULL, gen[40], why[400];
	size_t nids = 0, i, k;
	int64_t day0 = (int64_t)(now - now % 86400) - (DAYS - 1) * 86400;
	qctx c = {b, l, NULL, now, 0, EG_OK, e};
	eg_cli_qowners owners;
	int have_owners;
	eg_profile *p;
	eg_err rc = EG_OK;

	if (eg_cli_partner_ids(cli, "report", &s->home, &ids, &nids))
		return eg_fail(e, EG_EIO, "cannot list partners/");
	eg_cli_fmt_time(now, gen, sizeof(gen));
	(void)!eg_buf_addf(b,
			   "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
			   "charset=\"utf-8\">\n<meta http-equiv=\"Content-"
			   "Security-Policy\" content=\"default-src 'none'; "
			   "style-src 'unsafe-inline'; script-src "
			   "'unsafe-inline'; img-src data:\">\n<title>edigate "
			   "report %s UTC</title>\n<style>%s</style></head>"
			   "<body>\n<h1>edigate: how the flows are doing</h1>"
			   "\n<p class=\"muted\">Made %s UTC by edigate %s.  "
			   "Red: an alert, acknowledgements overdue, or a "
			   "threshold's alert level; amber: a warning or "
			   "files in quarantine.</p>\n",
			   gen, style, gen, EG_VERSION);
	(void)!eg_buf_adds(b, "<h2>Health</h2>\n<table id=\"health\"><tr>"
			      "<th>Partner</th><th>Name</th><th>Flow</th>"
			      "<th>Health</th><th>Last success (UTC)</th>"
			      "<th>Quarantine</th><th>Rejected (window)</th>"
			      "<th>Causes in quarantine</th><th>Mean time to "
			      "resolve</th><th>Ack latency</th><th>Acks "
			      "overdue</th><th>Answer lag</th><th>Last error"
			      "</th></tr>\n");
	for (i = 0; i < nids && !rc; i++) {
		eg_cli_health h;

		if (only && strcmp(ids[i], only))
			continue;
		failing(s, l, ids[i], now, why, sizeof(why));
		rc = eg_cli_health_get(s, l, ids[i], now, why, &h, e);
		if (!rc)
			health_rows(b, &h);
	}
	(void)!eg_buf_adds(b, "</table>\n<h2>Quarantine queue</h2>\n<table "
			      "id=\"quarantine\"><tr><th>File</th><th>Partner"
			      "</th><th>Name</th><th>Received (UTC)</th><th>"
			      "Age</th><th>Owner</th><th>Reason</th></tr>\n");
	/* owners: assigned, else the profile's default for the set */
	have_owners = !eg_cli_qowners_open(cli, &s->home, &owners);
	c.owners = have_owners ? &owners : NULL;
	if (!rc)
		rc = eg_ledger_quarantine_list(l, only, on_quarantined, &c, e);
	if (have_owners)
		eg_cli_qowners_close(&owners);
	c.owners = NULL;
	if (!rc)
		rc = c.rc;
	if (!c.n)
		(void)!eg_buf_adds(b, "<tr><td colspan=\"7\" class=\"muted\">"
				      "empty</td></tr>\n");
	(void)!eg_buf_adds(b, "</table>\n<h2>Acknowledgements overdue</h2>\n"
			      "<table id=\"overdue\"><tr><th>Partner</th><th>"
			      "Expected</th><th>Our file</th><th>ISA13</th>"
			      "<th>Sent (UTC)</th><th>Due (UTC)</th></tr>\n");
	c.n = 0;
	for (i = 0; i < nids && !rc; i++) {
		char path[PATH_MAX];
		eg_error pe;

		if (only && strcmp(ids[i], only))
			continue;
		snprintf(path, sizeof(path), "%s/partners/%s.xml",
			 s->home.home, ids[i]);
		eg_error_clear(&pe);
		if (eg_profile_load(&p, path, s->home.datadir, &pe))
			continue;
		for (k = 0; k < p->sla.nack && !rc; k++) {
			overdue o = {&c, ids[i], p->sla.ack[k].type,
				     p->sla.ack[k].within};

			rc = eg_ledger_sla_acks(l, ids[i], o.type,
						(int64_t)now - o.within -
						    30 * 86400,
						on_sent, &o, e);
		}
		eg_profile_free(p);
	}
	if (!c.n)
		(void)!eg_buf_adds(b, "<tr><td colspan=\"6\" class=\"muted\">"
				      "none</td></tr>\n");
	(void)!eg_buf_adds(b, "</table>\n<h2>Open alerts</h2>\n<table id="
			      "\"alerts\"><tr><th>Level</th><th>Partner</th>"
			      "<th>Rule</th><th>Subject</th><th>Raised (UTC)"
			      "</th><th>Message</th></tr>\n");
	c.n = 0;
	if (!rc)
		rc = eg_ledger_alerts_list(l, only, 1, 0, on_alert, &c, e);
	if (!c.n)
		(void)!eg_buf_adds(b, "<tr><td colspan=\"6\" class=\"muted\">"
				      "none</td></tr>\n");
	(void)!eg_buf_adds(b, "</table>\n<h2>The last 30 days</h2>\n<p class="
			      "\"muted\">Per inbound flow: files received per "
			      "day (blue) and those quarantined (red), oldest "
			      "day on the left.</p>\n<div class=\"charts\">\n");
	for (i = 0; i < nids && !rc; i++) {
		char path[PATH_MAX];
		eg_error pe;

		if (only && strcmp(ids[i], only))
			continue;
		snprintf(path, sizeof(path), "%s/partners/%s.xml",
			 s->home.home, ids[i]);
		eg_error_clear(&pe);
		if (eg_profile_load(&p, path, s->home.datadir, &pe))
			continue;
		for (k = 0; k < p->ndocs && !rc; k++)
			if (!strcmp(p->docs[k].direction, "in"))
				rc = chart(b, l, ids[i], p->docs[k].set, day0,
					   e);
		eg_profile_free(p);
	}
	(void)!eg_buf_adds(b, "</div>\n<script>document.addEventListener("
			      "'DOMContentLoaded',function(){var m=document."
			      "createElement('p');m.id='page-ok';m.textContent"
			      "='rendered: '+document.querySelectorAll('tr."
			      "flow').length+' flow rows';document.body."
			      "appendChild(m);});</script>\n</body></html>\n");
	eg_cli_free_ids(ids, nids);
	return rc;
}

eg_err
eg_cli_report_write(eg_cli *cli, const eg_cli_spool *s, eg_ledger *l,
		    const char *path, time_t now, eg_error *e)
{
	eg_buf b;
	eg_err rc;

	eg_buf_init(&b, (size_t)64 << 20);
	rc = page(cli, s, l, NULL, now, &b, e);
	if (!rc)
		rc = eg_metrics_publish(path, &b, e);
	eg_buf_free(&b);
	return rc;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *only = NULL, *spool = NULL, *out = NULL;
	int html = 0, x, i;
	eg_cli_spool s;
	eg_error e;
	eg_buf b;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(a, "--html")) {
			html = 1;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
			out = argv[++i];
		} else if (!strcmp(a, "--partner") && v) {
			only = argv[++i];
		} else if (!strcmp(a, "--spool") && v) {
			spool = argv[++i];
		} else {
			return eg_cli_usage(cli, "report", "unknown argument "
					    "'%s'", a);
		}
	}
	if (!html || !out)
		return eg_cli_usage(cli, "report", "needs --html and -o FILE "
				    "(-o - for standard output)");
	x = eg_cli_spool_open(cli, "report", spool, EG_SPOOL_READ, &s);
	if (!x && only)
		x = eg_cli_partner_known(cli, "report", &s.home, only);
	if (x) {
		eg_cli_spool_close(&s);
		return x;
	}
	eg_error_clear(&e);
	eg_buf_init(&b, (size_t)64 << 20);
	if (page(cli, &s, s.ledger, only, s.now, &b, &e) ||
	    (strcmp(out, "-") && eg_metrics_publish(out, &b, &e)))
		x = eg_cli_fail(cli, &e);
	else if (!strcmp(out, "-"))
		x = eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	return x;
}

const eg_command eg_cmd_report = {
	"report", "one self-contained HTML page: health, quarantine, alerts",
	run, help,
};
