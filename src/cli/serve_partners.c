/*
 * serve_partners.c - for `edigate serve` (cmd_serve.c): its clock (the
 * real one, or EDIGATE_NOW running EDIGATE_CLOCK_RATE times faster for
 * tests), its log lines, and the profiles it serves, loaded and
 * reloaded (SIGHUP) as `partner check` judges them: a changed profile
 * that fails keeps the old one running.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"

/* --- the clock --------------------------------------------------------- */

double
serve_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

time_t
serve_clk_now(const serve_clk *c)
{
	if (!c->rate)
		return time(NULL);
	return c->base + (time_t)((serve_mono() -
				   ((double)c->mono0.tv_sec +
				    (double)c->mono0.tv_nsec / 1e9)) *
				  c->rate);
}

/* --- log ------------------------------------------------------------- */

void
serve_say(serve_ctx *x, FILE *f, const char *fmt, ...)
{
	char when[32];
	time_t now = serve_clk_now(&x->clock);
	struct tm tm;
	va_list ap;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s serve: ", when);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

/* --- partners: load and reload ---------------------------------------- */

/* One log line per event: a multi-line reason (XML errors) is joined. */
static void
one_line(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			while (s[1] == ' ' || s[1] == '\n')
				s++;
			*w++ = ' ';
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void
on_check(void *ud, eg_pcheck_sev sev, const char *msg)
{
	serve_ctx *x = ud;

	if (sev != EG_PCHECK_ERROR)
		return;
	if (!x->nerr++)
		snprintf(x->first_err, sizeof(x->first_err), "%s", msg);
}

static serve_partner *
find_partner(serve_ctx *x, const char *id)
{
	size_t i;

	for (i = 0; i < x->st.nps; i++)
		if (!strcmp(x->st.ps[i].id, id))
			return &x->st.ps[i];
	return NULL;
}

static serve_partner *
add_partner(serve_ctx *x, const char *id)
{
	static const double bounds[] = {0.1, 0.5, 1, 5, 15, 60, 300, 900,
					3600};
	static const double xb[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300};
	serve_partner *p;

	if (x->st.nps == x->st.cap) {
		size_t c = x->st.cap ? x->st.cap * 2 : 16;
		serve_partner *v = realloc(x->st.ps, c * sizeof(*v));

		if (!v)
			return NULL;
		x->st.ps = v;
		x->st.cap = c;
	}
	p = &x->st.ps[x->st.nps++];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->due = (time_t)-1;
	p->odue = (time_t)-1;
	p->drop_backlog = -1;
	eg_metrics_hist_init(&p->runtime, bounds,
			     sizeof(bounds) / sizeof(bounds[0]));
	eg_metrics_hist_init(&p->xfer[0], xb, sizeof(xb) / sizeof(xb[0]));
	eg_metrics_hist_init(&p->xfer[1], xb, sizeof(xb) / sizeof(xb[0]));
	return p;
}

/*
 * Load partners/ID.xml as `partner check` judges it: it loads, has no
 * error, clashes with no other profile, has a schedule (or --every).
 * 0 with pc and the schedule filled, else -1 with the reason in
 * x->first_err (pc closed).
 */
static int
load_checked(serve_ctx *x, const eg_cli_profiles *all, size_t k,
	     eg_cli_partner *pc, eg_schedule *sc)
{
	const eg_home *h = &x->sp.home;
	eg_error e;
	eg_err rc;

	x->nerr = 0;
	x->first_err[0] = '\0';
	if (!all->ps[k]) {
		snprintf(x->first_err, sizeof(x->first_err), "%s",
			 all->errs[k] ? all->errs[k] : "it does not load");
		one_line(x->first_err);
		return -1;
	}
	if (eg_cli_partner_open(x->st.cli, "serve", h, x->sp.guides,
				all->ids[k], pc)) {
		eg_cli_partner_close(pc);
		snprintf(x->first_err, sizeof(x->first_err),
			 "it does not load (the message above says why)");
		return -1;
	}
	(void)eg_profile_check(pc->profile, h->home, x->sp.guides, on_check,
			       x);
	(void)eg_profile_check_codes(pc->profile, h->datadir, on_check, x);
	(void)eg_cli_profiles_conflicts(all, k, h->home, on_check, x);
	eg_error_clear(&e);
	rc = eg_profile_schedule(pc->profile, sc, &e);
	if (rc == EG_ENOTFOUND && x->o.every) {
		eg_schedule_spec spec;

		memset(&spec, 0, sizeof(spec));
		spec.every = x->o.every;
		rc = eg_schedule_parse(sc, &spec, &e);
	} else if (rc == EG_ENOTFOUND && !x->nerr) {
		x->nerr++;
		snprintf(x->first_err, sizeof(x->first_err),
			 "its profile has no <transport><schedule> (give serve "
			 "--every DURATION, or run it from cron)");
	}
	if (rc && rc != EG_ENOTFOUND && !x->nerr++)
		snprintf(x->first_err, sizeof(x->first_err), "%s", e.msg);
	if (x->nerr) {
		one_line(x->first_err);
		eg_cli_partner_close(pc);
		return -1;
	}
	return 0;
}

static int
wanted(const serve_ctx *x, const char *id)
{
	size_t i;

	for (i = 0; i < x->o.nonly; i++)
		if (!strcmp(x->o.only[i], id))
			return 1;
	return x->o.nonly == 0;
}

void
serve_drop_pc(eg_cli_partner *pc)
{
	if (pc)
		eg_cli_partner_close(pc);
	free(pc);
}

/* The outbound direction's own schedule, if the profile has one. */
static void
take_out(serve_ctx *x, serve_partner *p, int reload)
{
	time_t now = serve_clk_now(&x->clock);
	char was[160], next[64];
	eg_error e;

	snprintf(was, sizeof(was), "%s", p->has_out ? p->osched_text : "");
	eg_error_clear(&e);
	/* partner check (load_checked) has refused a malformed one */
	p->has_out = eg_profile_schedule_out(p->pc->profile, &p->osched,
					     &e) == EG_OK;
	if (!p->has_out) {
		p->osched_text[0] = '\0';
		p->odue = (time_t)-1;
		return;
	}
	eg_schedule_describe(&p->osched, p->osched_text,
			     sizeof(p->osched_text));
	if (!reload || strcmp(was, p->osched_text) || p->odue == (time_t)-1)
		p->odue = eg_schedule_first(&p->osched, now);
	if (p->odue == (time_t)-1)
		snprintf(next, sizeof(next), "never");
	else
		eg_schedule_local(&p->osched, p->odue, next, sizeof(next));
	serve_say(x, x->st.cli->out, "partner %s: outbound on its own "
		  "schedule (%s), next %s", p->id, p->osched_text, next);
}

/* p takes pc (owned) and its schedule. */
static void
take(serve_ctx *x, serve_partner *p, eg_cli_partner *pc,
     const eg_schedule *sc, int reload)
{
	time_t now = serve_clk_now(&x->clock);
	char was[160], next[64];

	snprintf(was, sizeof(was), "%s", p->sched_text);
	serve_drop_pc(p->pc);
	p->pc = pc;
	p->loaded = 1;
	p->sched = *sc;
	p->drop_backlog = eg_cli_drop_waiting(x->sp.home.home, pc->profile);
	eg_schedule_describe(sc, p->sched_text, sizeof(p->sched_text));
	/* a new or changed schedule starts again; an unchanged one keeps
	 * its due time (and its back-off) */
	if (!reload || strcmp(was, p->sched_text) || p->due == (time_t)-1) {
		p->due = eg_schedule_first(sc, now);
		p->fails = 0;
	}
	if (p->due == (time_t)-1)
		snprintf(next, sizeof(next), "never (its schedule never comes)");
	else
		eg_schedule_local(sc, p->due, next, sizeof(next));
	serve_say(x, x->st.cli->out, "partner %s: %s (%s), next run %s", p->id,
	    reload ? "profile reloaded" : "scheduled", p->sched_text, next);
	take_out(x, p, reload);
}

/* Load (or reload) partners/.  Returns the number of partners served. */
size_t
serve_load_partners(serve_ctx *x, int reload)
{
	eg_cli_profiles all;
	size_t i, n = 0;
	int kept = 0;

	if (eg_cli_profiles_load(x->st.cli, "serve", &x->sp.home, &all)) {
		serve_say(x, x->st.cli->err, "cannot read partners/: every partner "
		    "keeps its profile");
		eg_cli_profiles_free(&all);
		x->st.reloads_kept++;
		return x->st.nps;
	}
	for (i = 0; i < x->st.nps; i++)
		x->st.ps[i].seen = 0;
	for (i = 0; i < all.n; i++) {
		serve_partner *p = find_partner(x, all.ids[i]);
		eg_cli_partner *pc;
		eg_schedule sc;

		if (all.other[i] || !wanted(x, all.ids[i]))
			continue;
		if (p)
			p->seen = 1;
		if (!(pc = calloc(1, sizeof(*pc))))
			continue;
		if (load_checked(x, &all, i, pc, &sc) == 0) {
			if (!p && !(p = add_partner(x, all.ids[i]))) {
				serve_drop_pc(pc);
				continue;
			}
			p->seen = 1;
			take(x, p, pc, &sc, reload && p->loaded);
			continue;
		}
		free(pc); /* load_checked closed it */
		if (p && p->loaded) {
			kept = 1;
			serve_say(x, x->st.cli->err,
			    "partner %s: its changed profile fails `edigate "
			    "partner check` (%s): still serving the profile "
			    "loaded before; fix it and send SIGHUP again",
			    all.ids[i], x->first_err);
		} else {
			serve_say(x, x->st.cli->err,
			    "partner %s: not served: %s", all.ids[i],
			    x->first_err);
		}
	}
	for (i = 0; i < x->st.nps; i++) {
		serve_partner *p = &x->st.ps[i];

		if (p->loaded && !p->seen) {
			serve_say(x, x->st.cli->out, "partner %s: its profile is "
			    "gone from partners/: no longer served", p->id);
			serve_drop_pc(p->pc);
			p->pc = NULL;
			p->loaded = 0;
			p->due = (time_t)-1;
			p->odue = (time_t)-1;
			p->has_out = 0;
		}
		n += p->loaded;
	}
	eg_cli_profiles_free(&all);
	if (reload) {
		if (kept)
			x->st.reloads_kept++;
		else
			x->st.reloads_ok++;
	}
	return n;
}
