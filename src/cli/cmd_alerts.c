/*
 * cmd_alerts.c - `edigate alerts`: the service-level alerts in the
 * ledger (list), and one judgement of every partner's service levels
 * (check: what `serve` does after each cycle, for cron).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/alerts.h"
#include "edigate/ledger_alerts.h"
#include "edigate/ledger_query.h"
#include "edigate/profile.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate alerts [list] [--partner ID] [--all] "
	      "[--days N] [--json]\n"
	      "                      [--spool DIR]\n"
	      "       edigate alerts check [--partner ID] [--json] "
	      "[--spool DIR]\n\n"
	      "list (the default): the open alerts, newest first; --all adds\n"
	      "those cleared in the last N days (--days, default 7).\n"
	      "check: judge every partner's service levels now (its <sla>\n"
	      "and <acknowledgements><expect>), raise, escalate and clear\n"
	      "alerts, run the profile's <alert command=> for each change,\n"
	      "then list the open ones.  `serve` does the same after each\n"
	      "cycle; run `check` from cron when the gateway runs from cron.\n"
	      "A warning comes warn-before (default 1h) ahead of a deadline,\n"
	      "an alert when it passes; docs/operations.md says more.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  no open alert\n"
	      "  1  open alerts (warnings or alerts)\n"
	      "  2  usage or configuration error (e.g. no such partner)\n"
	      "  3  the spool cannot be read or written, a profile does not\n"
	      "     load, or an alert hook failed (check)\n"
	      "check waits while another run holds the spool's lock.\n",
	      f);
}

typedef struct lister {
	eg_buf *b;
	int json, n, open;
} lister;

static int
on_alert(void *ud, const eg_ledger_alert *a)
{
	lister *ls = ud;
	char raised[32], cleared[32];
	eg_buf *b = ls->b;
	int open = a->cleared_at == EG_LEDGER_NONE;

	ls->open += open;
	eg_cli_fmt_time(a->raised_at, raised, sizeof(raised));
	if (open)
		snprintf(cleared, sizeof(cleared), "open");
	else
		eg_cli_fmt_time(a->cleared_at, cleared, sizeof(cleared));
	if (!ls->json) {
		(void)!eg_buf_addf(b, "%-5lld %-12s %-8s %-19s %-19s %-18s "
				      "%s\n      %s",
				   (long long)a->id, a->partner, a->level,
				   raised, cleared, a->rule, a->subject,
				   a->message);
		if (!open && a->cleared_note[0])
			(void)!eg_buf_addf(b, "\n      cleared: %s",
					   a->cleared_note);
		if (!strcmp(a->hook, "failed"))
			(void)!eg_buf_addf(b, "\n      the alert hook failed: "
					      "%s", a->hook_error);
		(void)!eg_buf_adds(b, "\n");
		ls->n++;
		return 0;
	}
	(void)!eg_buf_addf(b, "%s{\"id\":%lld,\"partner\":", ls->n++ ? "," : "",
			   (long long)a->id);
	(void)!eg_cli_json_str(b, a->partner);
	(void)!eg_buf_adds(b, ",\"rule\":");
	(void)!eg_cli_json_str(b, a->rule);
	(void)!eg_buf_adds(b, ",\"subject\":");
	(void)!eg_cli_json_str(b, a->subject);
	(void)!eg_buf_addf(b, ",\"level\":\"%s\",\"open\":%s,\"message\":",
			   a->level, open ? "true" : "false");
	(void)!eg_cli_json_str(b, a->message);
	(void)!eg_buf_addf(b, ",\"raisedAt\":%lld,\"alertAt\":",
			   (long long)a->raised_at);
	if (a->alert_at == EG_LEDGER_NONE)
		(void)!eg_buf_adds(b, "null");
	else
		(void)!eg_buf_addf(b, "%lld", (long long)a->alert_at);
	(void)!eg_buf_adds(b, ",\"clearedAt\":");
	if (open)
		(void)!eg_buf_adds(b, "null");
	else
		(void)!eg_buf_addf(b, "%lld", (long long)a->cleared_at);
	(void)!eg_buf_adds(b, ",\"clearedNote\":");
	(void)!eg_cli_json_str(b, a->cleared_note);
	(void)!eg_buf_addf(b, ",\"hook\":\"%s\",\"hookError\":", a->hook);
	(void)!eg_cli_json_str(b, a->hook_error);
	(void)!eg_buf_adds(b, "}");
	return 0;
}

/* One line per change `check` made. */
typedef struct checker {
	eg_cli *cli;
	int json, hook_failed;
} checker;

static void
on_event(void *ud, const eg_alert_event *ev, const char *hook,
	 const char *why)
{
	checker *c = ud;

	if (!strcmp(hook, "failed"))
		c->hook_failed = 1;
	if (c->json)
		return;
	fprintf(c->cli->out, "partner %s: %s%s (%s %s): %s\n", ev->partner,
		!strcmp(ev->event, "cleared") ? "cleared " : "", ev->level,
		ev->rule, ev->subject, ev->message);
	if (!strcmp(hook, "failed"))
		fprintf(c->cli->err, "%s alerts: partner %s: the alert hook "
			"failed: %s (recorded with alert %lld)\n",
			c->cli->prog, ev->partner, why, (long long)ev->id);
}

/* Judge every partner (or only): exit code. */
static int
check(eg_cli *cli, eg_cli_spool *s, const char *only, checker *c)
{
	eg_cli_profiles all;
	eg_alerts_opts o;
	eg_error e;
	int x, bad = 0;
	size_t i;

	if ((x = eg_cli_profiles_load(cli, "alerts", &s->home, &all)))
		return x;
	memset(&o, 0, sizeof(o));
	o.now = s->now;
	o.log = on_event;
	o.log_ud = c;
	eg_error_clear(&e);
	for (i = 0; i < all.n && !x; i++) {
		if (only && strcmp(all.ids[i], only))
			continue;
		if (all.other[i])
			continue;
		if (!all.ps[i]) {
			fprintf(cli->err, "%s alerts: partner %s: its profile "
				"does not load, its service levels are not "
				"judged: %s\n", cli->prog, all.ids[i],
				all.errs[i] ? all.errs[i] : "");
			bad = 1;
			continue;
		}
		if (eg_alerts_check(s->ledger, all.ps[i], &o, NULL, &e))
			x = eg_cli_fail(cli, &e);
	}
	eg_cli_profiles_free(&all);
	return x ? x : bad || c->hook_failed ? EG_EXIT_IO : EG_EXIT_OK;
}

static const char hdr[] = "ID    PARTNER      LEVEL    RAISED (UTC)        "
			  "CLEARED (UTC)       RULE               SUBJECT\n";

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *only = NULL, *spool = NULL;
	int json = 0, all = 0, docheck = 0, x, xc = EG_EXIT_OK, i = 1;
	long days = 7;
	checker c;
	eg_cli_spool s;
	lister ls;
	eg_error e;
	eg_buf b;

	if (argc > 1 && !strcmp(argv[1], "check"))
		docheck = i = 2;
	else if (argc > 1 && !strcmp(argv[1], "list"))
		i = 2;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--all") && !docheck) {
			all = 1;
		} else if (!strcmp(a, "--days") && v && !docheck) {
			char *end;

			days = strtol(v, &end, 10);
			if (*end || days < 1 || days > 3650)
				return eg_cli_usage(cli, "alerts", "--days needs "
						    "a number of days (1 to "
						    "3650), not '%s'", v);
			i++;
		} else if (!strcmp(a, "--partner") && v) {
			only = argv[++i];
		} else if (!strcmp(a, "--spool") && v) {
			spool = argv[++i];
		} else {
			return eg_cli_usage(cli, "alerts", "unknown argument "
					    "'%s'", a);
		}
	}
	x = eg_cli_spool_open(cli, "alerts", spool,
			      docheck ? EG_SPOOL_WAIT : EG_SPOOL_READ, &s);
	if (!x && only)
		x = eg_cli_partner_known(cli, "alerts", &s.home, only);
	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.json = json;
	if (!x && docheck)
		xc = check(cli, &s, only, &c);
	if (x || (xc && xc != EG_EXIT_IO)) {
		eg_cli_spool_close(&s);
		return x ? x : xc;
	}
	eg_buf_init(&b, (size_t)16 << 20);
	memset(&ls, 0, sizeof(ls));
	ls.b = &b;
	ls.json = json;
	(void)!eg_buf_adds(&b, json ? "{\"alerts\":[" : "");
	eg_error_clear(&e);
	if (eg_ledger_alerts_list(s.ledger, only, !all,
				  (int64_t)s.now - days * 86400, on_alert, &ls,
				  &e))
		x = eg_cli_fail(cli, &e);
	if (json)
		(void)!eg_buf_addf(&b, "],\"open\":%d,\"now\":%lld}\n", ls.open,
				   (long long)s.now);
	else if (!ls.n)
		(void)!eg_buf_adds(&b, all ? "no alerts, open or cleared\n"
					   : "no open alerts\n");
	else
		(void)!eg_buf_addf(&b, "%d open alert(s)\n", ls.open);
	if (!x && !json && ls.n)
		x = eg_cli_write(cli, hdr, sizeof(hdr) - 1);
	if (!x)
		x = eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	if (x)
		return x;
	return xc ? xc : ls.open ? EG_EXIT_DOCUMENT : EG_EXIT_OK;
}

const eg_command eg_cmd_alerts = {
	"alerts", "service-level alerts: list them, or judge them now (check)",
	run, help,
};
