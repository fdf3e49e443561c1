/*
 * cmd_serve.c - `edigate serve`: the scheduler.  One process runs each
 * partner when its <schedule> says (schedule.h), one run at a time,
 * under the spool's run lock, so that `edigate run` from cron and serve
 * never work on the spool together.
 *
 * Between runs it sleeps in poll() until the next due time (or a signal,
 * or a /metrics request): no polling, no CPU when idle.  Signals are
 * turned into bytes on a pipe (the self-pipe trick) so that the loop,
 * not the handler, acts on them: SIGTERM/SIGINT let the partner being
 * served finish (its commits and publications) and stop before the
 * next; SIGHUP reloads the profiles, keeping the old profile of a
 * partner whose new one fails `partner check`.
 *
 * The clock is time(), or for tests EDIGATE_NOW (the start) running
 * EDIGATE_CLOCK_RATE times faster than real time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edigate/alerts.h"
#include "edigate/ledger.h"
#include "edigate/ledger_metrics.h"
#include "edigate/pipeline.h"
#include "serve.h"

/* The signal pipe: written by the handlers (async-signal-safe write),
 * read by the loop.  The one piece of process state a handler needs. */
static int sig_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig_pipe[1] >= 0)
		(void)write(sig_pipe[1], &c, 1);
	errno = saved;
}

static void
help(FILE *f)
{
	fputs("Usage: edigate serve [OPTIONS]\n\n"
	      "Run every partner on its schedule, in one long-running\n"
	      "process: the profile's <transport><schedule every=\"5m\"/>,\n"
	      "or <schedule cron=\"*/15 6-20 * * mon-fri\" tz=\"America/"
	      "Chicago\">\n"
	      "with optional <window days= from= to=/> (docs/operations.md).\n"
	      "A <schedule> in <outbound> runs the outbound direction (the\n"
	      "drop folder, undelivered documents) on its own; the\n"
	      "transport's then runs the inbound direction only.\n"
	      "Each run is what `edigate run --partner ID` does.  Runs never\n"
	      "overlap: one at a time, under the spool's run lock (a run\n"
	      "started from cron makes serve wait, never collide).  A\n"
	      "partner whose run fails backs off (1, 2, 4... minutes, up to\n"
	      "--max-backoff) without delaying the others.\n\n"
	      "Options:\n"
	      "  --partner ID        only this partner (repeatable)\n"
	      "  --every DURATION    serve partners without a <schedule> this\n"
	      "                      often (30s, 5m, 1h); without it they are\n"
	      "                      left to `edigate run`\n"
	      "  --spool DIR         the spool (default: $EDIGATE_SPOOL, else\n"
	      "                      HOME/spool)\n"
	      "  --metrics ADDR:PORT serve the figures on http://ADDR:PORT/\n"
	      "                      metrics (Prometheus; use 127.0.0.1)\n"
	      "  --metrics-file PATH write them after each run to PATH\n"
	      "                      (atomically; node_exporter textfile)\n"
	      "  --report FILE       rewrite the HTML report (`edigate report`)\n"
	      "                      after each cycle\n"
	      "  --max-backoff DUR   longest wait after failures (default 1h)\n"
	      "  --quiet             no line per file, none for a run that\n"
	      "                      found nothing to do\n\n"
	      "Signals:\n"
	      "  SIGTERM, SIGINT  finish the partner being served (its files\n"
	      "                   are committed and published), then stop\n"
	      "  SIGHUP           reload partners/: a profile that fails\n"
	      "                   `edigate partner check` is not taken (the\n"
	      "                   partner keeps its old profile) and the log\n"
	      "                   says why\n\n"
	      "After each cycle, and every minute of its clock when no run is\n"
	      "due, serve judges every partner's service levels (<sla>,\n"
	      "<acknowledgements><expect>) as `edigate alerts check` does, and\n"
	      "logs each alert raised or cleared: a deadline is noticed within\n"
	      "a minute, whatever the partners' schedules.\n\n"
	      "Environment (tests): EDIGATE_NOW=SECONDS starts serve's clock\n"
	      "there, EDIGATE_CLOCK_RATE=N runs it N times faster.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  stopped by SIGTERM or SIGINT\n"
	      "  2  usage or configuration error (no partner to serve)\n"
	      "  3  I/O failure (the spool, the /metrics address)\n"
	      "  75 another run held the spool's lock for the first 60\n"
	      "     seconds: nothing was done\n"
	      "  78 the spool has files but its ledger is lost (see `edigate\n"
	      "     run --new-ledger`)\n",
	      f);
}

/* --- the clock (serve_partners.c) ---------------------------------- */

/* Real milliseconds until clock time t (-1: forever). */
static int
clk_wait_ms(const serve_clk *c, time_t t)
{
	double secs;
	time_t now = serve_clk_now(c);

	if (t == (time_t)-1)
		return -1;
	if (t <= now)
		return 0;
	secs = (double)(t - now) / (c->rate ? c->rate : 1);
	if (secs > 3600)
		secs = 3600; /* wake now and then: a clock change */
	return (int)(secs * 1000) + 1;
}

/* A file fetched or put: into the partner's transfer histogram. */
static void
on_transfer(void *ud, const char *partner, const char *direction,
	    double secs)
{
	serve_ctx *x = ud;
	size_t i;

	for (i = 0; i < x->st.nps; i++)
		if (!strcmp(x->st.ps[i].id, partner))
			eg_metrics_hist_observe(
			    &x->st.ps[i].xfer[strcmp(direction, "in") != 0],
			    secs);
}

static void
on_note(void *ud, const char *partner, const char *msg)
{
	serve_ctx *x = ud;

	if (!x->o.quiet)
		serve_say(x, x->st.cli->out, "partner %s: %s", partner, msg);
}

/* --- one cycle -------------------------------------------------------- */

/* When p is due next: its run, or with an outbound schedule of its own,
 * the first of its two directions ((time_t)-1: never). */
static time_t
when_due(const serve_partner *p)
{
	if (!p->has_out || p->odue == (time_t)-1)
		return p->due;
	if (p->due == (time_t)-1 || p->odue < p->due)
		return p->odue;
	return p->due;
}

static int
is_due(time_t t, time_t now)
{
	return t != (time_t)-1 && t <= now;
}

/* Due partners wait until t (the lock was busy, the spool failed). */
static void
postpone(serve_partner *p, time_t now, time_t t)
{
	if (is_due(p->due, now))
		p->due = t;
	if (p->has_out && is_due(p->odue, now))
		p->odue = t;
}

static void
serve_one(serve_ctx *x, serve_partner *p, time_t now)
{
	eg_pipeline_partner pp;
	eg_pipeline_counts c;
	eg_error e;
	time_t started = serve_clk_now(&x->clock), ended;
	double t0 = serve_mono();
	const eg_schedule *ns = &p->sched;
	const char *dir = "";
	time_t nt;
	int failed;
	eg_err rc;

	memset(&pp, 0, sizeof(pp));
	pp.profile = p->pc->profile;
	pp.expect = &p->pc->expect;
	pp.guides = p->pc->guides;
	pp.nguides = p->pc->nguides;
	/* each direction on its own schedule: only what is due */
	if (p->has_out)
		pp.directions = (is_due(p->due, now) ? EG_PL_IN : 0) |
				(is_due(p->odue, now) ? EG_PL_OUT : 0);
	memset(&c, 0, sizeof(c));
	eg_error_clear(&e);
	x->cur = p->id;
	rc = eg_pipeline_run(x->pl, &pp, &c, &e);
	x->cur = NULL;
	ended = serve_clk_now(&x->clock);
	eg_metrics_hist_observe(&p->runtime, serve_mono() - t0);
	failed = rc != EG_OK || c.failed > 0;
	p->files[0] += c.accepted;
	p->files[1] += c.partial;
	p->files[2] += c.rejected;
	p->files[3] += c.duplicates;
	p->files[4] += c.failed;
	p->records += c.records;
	p->acks += c.acks;
	p->retries += c.retries;
	p->backlog = c.waiting + c.failed;
	p->drop_backlog = eg_cli_drop_waiting(x->sp.home.home, pp.profile);
	if (failed) {
		p->fails++;
		p->runs_failed++;
	} else {
		p->fails = 0;
		p->runs_ok++;
		p->last_ok = ended;
	}
	if (!p->has_out || (pp.directions & EG_PL_IN))
		p->due = eg_schedule_after_run(&p->sched, started, ended,
					       p->fails, x->o.max_backoff);
	if (p->has_out && (pp.directions & EG_PL_OUT))
		p->odue = eg_schedule_after_run(&p->osched, started, ended,
						p->fails, x->o.max_backoff);
	nt = p->due;
	if (pp.directions == EG_PL_OUT) {
		ns = &p->osched;
		nt = p->odue;
		dir = " (outbound)";
	} else if (pp.directions == EG_PL_IN) {
		dir = " (inbound)";
	}
	{
		char next[64];

		if (nt == (time_t)-1)
			snprintf(next, sizeof(next), "never");
		else
			eg_schedule_local(ns, nt, next, sizeof(next));
		if (rc)
			serve_say(x, x->st.cli->err, "partner %s: run failed (%s); "
			    "failure %u in a row, next try %s", p->id, e.msg,
			    p->fails, next);
		else if (c.failed)
			serve_say(x, x->st.cli->err, "partner %s: %lu item(s) left "
			    "for the next run: %s; failure %u in a row, next "
			    "try %s", p->id, c.failed,
			    eg_pipeline_problem(x->pl), p->fails, next);
		else if (!x->o.quiet || c.files || c.processed)
			serve_say(x, x->st.cli->out,
			    "partner %s: run%s: %lu file(s) taken, %lu "
			    "accepted, %lu partial, %lu rejected, %lu "
			    "duplicate; %lu record(s), %lu ack(s); next run "
			    "%s",
			    p->id, dir, c.files, c.accepted, c.partial,
			    c.rejected, c.duplicates, c.records, c.acks, next);
	}
}

static int
due_cmp(const void *a, const void *b)
{
	const serve_partner *const *pa = a, *const *pb = b;

	time_t a1 = when_due(*pa), b1 = when_due(*pb);

	return a1 < b1 ? -1 : a1 > b1;
}

/* Read one signal byte if any: 'T' stop, 'H' reload, 0 none. */
static int
drain_signals(int *stop, int *hup)
{
	char c;
	int got = 0;

	while (read(sig_pipe[0], &c, 1) == 1) {
		got = 1;
		if (c == SIGHUP)
			*hup = 1;
		else
			*stop = 1;
	}
	return got;
}

static void
on_alert(void *ud, const eg_alert_event *ev, const char *hook,
	 const char *why)
{
	serve_ctx *x = ud;

	serve_say(x, x->st.cli->out, "alert: partner %s: %s%s (%s %s): %s",
	    ev->partner, !strcmp(ev->event, "cleared") ? "cleared " : "",
	    ev->level, ev->rule, ev->subject, ev->message);
	if (!strcmp(hook, "failed"))
		serve_say(x, x->st.cli->err, "alert: partner %s: the alert hook "
		    "failed: %s (recorded with alert %lld)", ev->partner, why,
		    (long long)ev->id);
}

/* How often serve judges the service levels when no run is due: a
 * deadline is noticed within a minute, whatever the schedules. */
#define JUDGE_EVERY 60

/* Does any served partner have service levels to judge? */
static int
judging(const serve_ctx *x)
{
	size_t i;

	for (i = 0; i < x->st.nps; i++) {
		const serve_partner *p = &x->st.ps[i];
		const eg_sla *s;

		if (!p->loaded)
			continue;
		s = &p->pc->profile->sla;
		if (s->narr || s->nack || s->depth_warn >= 0 ||
		    s->depth_alert >= 0 || s->rate_warn >= 0 ||
		    s->rate_alert >= 0)
			return 1;
	}
	return 0;
}

/* Judge every served partner's service levels (alerts.h), under the
 * lock, after the cycle's runs (or a minute after the last judging when
 * no run came: judge_only); then rewrite the report. */
static void
judge(serve_ctx *x, eg_ledger *l)
{
	eg_alerts_opts o;
	eg_error e;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.now = serve_clk_now(&x->clock);
	o.log = on_alert;
	o.log_ud = x;
	x->next_judge = o.now + JUDGE_EVERY;
	for (i = 0; i < x->st.nps; i++) {
		serve_partner *p = &x->st.ps[i];

		eg_error_clear(&e);
		if (p->loaded &&
		    eg_alerts_check(l, p->pc->profile, &o, NULL, &e))
			serve_say(x, x->st.cli->err, "partner %s: service levels not "
			    "judged: %s", p->id, e.msg);
	}
	eg_error_clear(&e);
	if (x->o.report &&
	    eg_cli_report_write(x->st.cli, &x->sp, l, x->o.report, o.now, &e))
		serve_say(x, x->st.cli->err, "report %s: %s", x->o.report, e.msg);
}

/*
 * The ledger, opened once and kept between cycles: opening it, and the
 * checkpoint SQLite makes when its last connection closes, cost more
 * than an idle check.  Keeping it open is safe under `run` from cron
 * (SQLite's own locks); it is opened again when the file was replaced
 * (`run --new-ledger`) or after a cycle that failed.
 */
static eg_ledger *
ledger_for(serve_ctx *x, eg_error *e)
{
	if (x->l && !eg_ledger_replaced(x->l))
		return x->l;
	eg_ledger_close(x->l);
	x->l = NULL;
	if (eg_ledger_open_mode(&x->l, x->sp.spool, EG_LEDGER_EXISTING, e))
		x->l = NULL;
	return x->l;
}

/* Serve every due partner under the lock. */
static void
cycle(serve_ctx *x, time_t now, int *stop, int *hup)
{
	serve_partner **due = NULL;
	size_t n = 0, i;
	eg_ledger *l = NULL;
	eg_pipeline_opts po;
	eg_error e;
	int fd = -1;
	eg_err rc;

	if (!(due = calloc(x->st.nps + 1, sizeof(*due)))) {
		/* out of memory: every partner waits a minute, no spinning */
		for (i = 0; i < x->st.nps; i++)
			postpone(&x->st.ps[i], now, now + 60);
		return;
	}
	for (i = 0; i < x->st.nps; i++)
		if (x->st.ps[i].loaded && is_due(when_due(&x->st.ps[i]), now))
			due[n++] = &x->st.ps[i];
	qsort(due, n, sizeof(*due), due_cmp);
	eg_error_clear(&e);
	rc = eg_pipeline_lock(x->sp.spool, 0, &fd, &e);
	if (rc == EG_ELIMIT) {
		/* `edigate run` (cron) has the spool: try again shortly,
		 * without counting it against anybody */
		x->st.lock_busy++;
		if (!x->busy++)
			serve_say(x, x->st.cli->out, "the spool is busy (another "
			    "edigate run holds its lock): waiting for it");
		for (i = 0; i < n; i++)
			postpone(due[i], now, now + 5);
		free(due);
		return;
	}
	if (!rc && x->busy) {
		serve_say(x, x->st.cli->out, "the spool is free again (waited %d "
		    "time(s))", x->busy);
		x->busy = 0;
	}
	if (rc || !(l = ledger_for(x, &e))) {
		serve_say(x, x->st.cli->err, "cannot open the spool: %s; trying "
		    "again in a minute", e.msg);
		for (i = 0; i < n; i++)
			postpone(due[i], now, now + 60);
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.home = x->sp.home.home;
	po.spool = x->sp.spool;
	po.guides = x->sp.guides;
	po.maps = x->sp.maps;
	po.now = now;
	po.actor = x->sp.user;
	po.datadir = x->sp.home.datadir;
	po.crash_at = x->st.cli->env_crash;
	po.note = on_note;
	po.note_ud = x;
	po.transferred = on_transfer;
	po.transferred_ud = x;
	if (eg_pipeline_new(&x->pl, l, &po, &e)) {
		serve_say(x, x->st.cli->err, "%s; trying again in a minute", e.msg);
		for (i = 0; i < n; i++)
			postpone(due[i], now, now + 60);
		eg_ledger_close(x->l); /* opened again next cycle */
		x->l = NULL;
		goto out;
	}
	for (i = 0; i < n && !*stop; i++) {
		serve_one(x, due[i], now);
		(void)drain_signals(stop, hup);
	}
	if (*stop && i < n)
		serve_say(x, x->st.cli->out, "stopping: %zu due partner(s) left for "
		    "the next start", n - i);
	judge(x, l); /* then the figures: with the alerts it raised */
	(void)serve_ledger_figures(&x->st, l, serve_clk_now(&x->clock), 1);
out:
	eg_pipeline_free(x->pl);
	x->pl = NULL;
	if (l && eg_ledger_in_tx(l)) { /* never left open: start afresh */
		eg_ledger_close(x->l);
		x->l = NULL;
	}
	eg_pipeline_unlock(fd);
	free(due);
}

/* No run is due but a minute has passed since the service levels were
 * last judged: judge them (a daily partner's deadline is not left to
 * its next run).  A run from cron holding the lock: again shortly. */
static void
judge_only(serve_ctx *x, time_t now)
{
	eg_ledger *l;
	eg_error e;
	int fd = -1;

	eg_error_clear(&e);
	if (eg_pipeline_lock(x->sp.spool, 0, &fd, &e)) {
		x->next_judge = now + 5;
		return;
	}
	if (!(l = ledger_for(x, &e))) {
		serve_say(x, x->st.cli->err, "service levels not judged: cannot "
		    "open the spool: %s; trying again in a minute", e.msg);
		x->next_judge = now + JUDGE_EVERY;
	} else {
		judge(x, l);
		(void)serve_ledger_figures(&x->st, l, serve_clk_now(&x->clock), 1);
	}
	eg_pipeline_unlock(fd);
}

/* --- the loop ---------------------------------------------------------- */

/* The textfile after each cycle (/metrics makes its page when asked). */
static void
publish(serve_ctx *x)
{
	eg_error e;

	if (!x->o.metrics_file)
		return;
	if (serve_render(&x->st, serve_clk_now(&x->clock))) {
		serve_say(x, x->st.cli->err, "the figures do not fit in memory");
		return;
	}
	eg_error_clear(&e);
	if (eg_metrics_publish(x->o.metrics_file, &x->st.page, &e))
		serve_say(x, x->st.cli->err, "metrics file: %s", e.msg);
}

static time_t
next_due(const serve_ctx *x)
{
	time_t t = (time_t)-1;
	size_t i;

	for (i = 0; i < x->st.nps; i++) {
		const serve_partner *p = &x->st.ps[i];

		if (p->loaded && when_due(p) != (time_t)-1 &&
		    (t == (time_t)-1 || when_due(p) < t))
			t = when_due(p);
	}
	return t;
}

static int
loop(serve_ctx *x)
{
	int stop = 0, hup = 0;

	while (!stop) {
		struct pollfd pf[2];
		time_t now = serve_clk_now(&x->clock), t;
		int nf = 1, ms;

		if (hup) {
			hup = 0;
			serve_say(x, x->st.cli->out, "SIGHUP: reloading partners/");
			(void)serve_load_partners(x, 1);
			publish(x);
		}
		t = next_due(x);
		if (t != (time_t)-1 && t <= now) {
			cycle(x, now, &stop, &hup);
			publish(x);
			continue;
		}
		if (!judging(x)) {
			x->next_judge = (time_t)-1;
		} else if (x->next_judge == (time_t)-1) {
			x->next_judge = now + JUDGE_EVERY;
		} else if (x->next_judge <= now) {
			judge_only(x, now);
			publish(x);
			continue;
		}
		if (x->next_judge != (time_t)-1 &&
		    (t == (time_t)-1 || x->next_judge < t))
			t = x->next_judge;
		pf[0].fd = sig_pipe[0];
		pf[0].events = POLLIN;
		if (x->st.listen_fd >= 0) {
			pf[1].fd = x->st.listen_fd;
			pf[1].events = POLLIN;
			nf = 2;
		}
		ms = clk_wait_ms(&x->clock, t);
		if (poll(pf, (nfds_t)nf, ms) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN)
			(void)drain_signals(&stop, &hup);
		if (nf == 2 && (pf[1].revents & POLLIN))
			serve_answer(&x->st, serve_clk_now(&x->clock));
	}
	serve_say(x, x->st.cli->out, "stopped");
	return EG_EXIT_OK;
}

static int
signals(void)
{
	struct sigaction sa;
	int i;

	if (pipe(sig_pipe) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		(void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		(void)fcntl(sig_pipe[i], F_SETFL,
			    fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* a run's reads and writes carry on */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* --- options and start ---------------------------------------------- */

static long long
duration(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	if (end == s || n <= 0 || n > 100000000)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return n;
	if (!strcmp(end, "m"))
		return n * 60;
	if (!strcmp(end, "h"))
		return n * 3600;
	if (!strcmp(end, "d"))
		return n * 86400;
	return -1;
}

static int
parse_args(eg_cli *cli, int argc, char **argv, serve_opts *o, int *done)
{
	int i;

	*done = 0;
	o->max_backoff = 3600;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			help(cli->out);
			*done = 1;
			return EG_EXIT_OK;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = 1;
			continue;
		} else if (!v) {
			return eg_cli_usage(cli, "serve", "unknown argument "
					    "'%s' (or it needs a value)", a);
		} else if (!strcmp(a, "--partner")) {
			if (!eg_cli_partner_id_ok(v))
				return eg_cli_usage(cli, "serve", "'%s' is not "
						    "a partner id", v);
			o->only[o->nonly++] = v;
		} else if (!strcmp(a, "--spool")) {
			o->spool = v;
		} else if (!strcmp(a, "--metrics")) {
			o->metrics = v;
		} else if (!strcmp(a, "--metrics-file")) {
			o->metrics_file = v;
		} else if (!strcmp(a, "--report")) {
			o->report = v;
		} else if (!strcmp(a, "--every") || !strcmp(a, "--max-backoff")) {
			long long d = duration(v);

			if (d < (a[2] == 'e' ? EG_SCHEDULE_MIN_EVERY : 60))
				return eg_cli_usage(cli, "serve", "%s needs a "
						    "duration such as 5m or 1h "
						    "(at least %ds), not '%s'",
						    a, a[2] == 'e'
							   ? EG_SCHEDULE_MIN_EVERY
							   : 60,
						    v);
			*(a[2] == 'e' ? &o->every : &o->max_backoff) = d;
		} else {
			return eg_cli_usage(cli, "serve", "unknown argument "
					    "'%s'", a);
		}
		i++;
	}
	return EG_EXIT_OK;
}

static int
start_clock(serve_ctx *x)
{
	const char *rate = getenv("EDIGATE_CLOCK_RATE");
	eg_cli *cli = x->st.cli;

	clock_gettime(CLOCK_MONOTONIC, &x->clock.mono0);
	x->clock.base = x->sp.now;
	if (rate && rate[0]) {
		char *end;
		double r = strtod(rate, &end);

		if (*end || !(r >= 1 && r <= 1e6))
			return eg_cli_usage(cli, "serve", "EDIGATE_CLOCK_RATE "
					    "'%s' is not a number from 1 to "
					    "1000000", rate);
		x->clock.rate = r;
	} else if (cli->env_now) {
		x->clock.rate = 1; /* a fake start, real speed */
	}
	x->st.started = serve_clk_now(&x->clock);
	return EG_EXIT_OK;
}

/* Each --partner ID names a partner: a usage error (exit 2) otherwise,
 * before a spool is made. */
static int
known_partners(serve_ctx *x)
{
	eg_home h = {NULL, NULL};
	eg_error e;
	size_t i;
	int xc = EG_EXIT_OK;

	if (!x->o.nonly)
		return EG_EXIT_OK;
	eg_error_clear(&e);
	if (eg_home_resolve(&h, x->st.cli->opt_home, x->st.cli->env_home,
			    EG_DATADIR, &e))
		return eg_cli_fail(x->st.cli, &e);
	for (i = 0; i < x->o.nonly && !xc; i++)
		xc = eg_cli_partner_known(x->st.cli, "serve", &h, x->o.only[i]);
	eg_home_free(&h);
	return xc;
}

/* The spool as `run` makes it (and refuses a lost ledger), then the
 * lock let go: serve takes it for each cycle only. */
static int
open_spool(serve_ctx *x)
{
	eg_error e;
	int xc;

	xc = eg_cli_spool_open_run(x->st.cli, x->o.spool, 60, 0, &x->sp);
	if (xc)
		return xc;
	eg_error_clear(&e);
	if (eg_ledger_metrics_marks(x->sp.ledger, &x->st.mark_files,
				    &x->st.mark_docs, &e))
		return eg_cli_fail(x->st.cli, &e);
	return EG_EXIT_OK;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	serve_ctx *x = calloc(1, sizeof(*x));
	unsigned port = 0;
	int xc, done;
	size_t i;

	if (!x)
		return EG_EXIT_IO;
	x->st.cli = cli;
	x->st.listen_fd = -1;
	x->next_judge = (time_t)-1;
	eg_buf_init(&x->st.page, 64u << 20);
	x->sp.lockfd = -1;
	x->o.only = calloc((size_t)argc + 1, sizeof(*x->o.only));
	xc = x->o.only ? parse_args(cli, argc, argv, &x->o, &done)
		       : EG_EXIT_IO;
	if (xc || done || (xc = known_partners(x)))
		goto out;
	if ((xc = open_spool(x)) || (xc = start_clock(x)))
		goto out;
	if (!serve_load_partners(x, 0)) {
		fprintf(cli->err,
			"%s serve: no partner to serve: a partner is served "
			"when its profile has a <transport><schedule> (or "
			"with --every) and passes `edigate partner check`\n",
			cli->prog);
		xc = EG_EXIT_USAGE;
		goto out;
	}
	/* a fast test clock starts when serving does: loading many
	 * profiles must not eat its first minutes */
	if (x->clock.rate)
		clock_gettime(CLOCK_MONOTONIC, &x->clock.mono0);
	(void)serve_ledger_figures(&x->st, x->sp.ledger, serve_clk_now(&x->clock),
				   1);
	x->l = x->sp.ledger; /* kept for the cycles */
	x->sp.ledger = NULL;
	eg_pipeline_unlock(x->sp.lockfd);
	x->sp.lockfd = -1;
	if (x->o.metrics &&
	    (xc = serve_listen(cli, x->o.metrics, &x->st.listen_fd, &port)))
		goto out;
	if (signals() != 0) {
		fprintf(cli->err, "%s serve: cannot set up signals\n",
			cli->prog);
		xc = EG_EXIT_IO;
		goto out;
	}
	if (x->o.metrics)
		serve_say(x, cli->out, "figures on http://%s/metrics (port %u)",
		    x->o.metrics, port);
	serve_say(x, cli->out, "serving %zu partner(s) from %s (pid %ld)",
	    x->st.nps, x->sp.home.home, (long)getpid());
	publish(x);
	xc = loop(x);
out:
	eg_ledger_close(x->l);
	for (i = 0; i < x->st.nps; i++)
		serve_drop_pc(x->st.ps[i].pc);
	free(x->st.ps);
	free(x->st.docs);
	free(x->st.xfer);
	eg_buf_free(&x->st.page);
	if (x->st.listen_fd >= 0)
		close(x->st.listen_fd);
	eg_cli_spool_close(&x->sp);
	free(x->o.only);
	free(x);
	return xc;
}

const eg_command eg_cmd_serve = {
	"serve", "run every partner on its schedule (the scheduler)",
	run, help,
};
