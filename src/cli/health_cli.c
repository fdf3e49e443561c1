/*
 * health_cli.c - each flow's health for `status` and `report` (see
 * cli.h): the ledger's figures per flow, the root causes of what waits
 * in quarantine, the service levels' open alerts, and green, amber or
 * red by the profile's thresholds.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/ledger_alerts.h"
#include "edigate/profile.h"

static int
on_cause(void *ud, const char *category)
{
	eg_cli_flow *f = ud;
	const char *const *all = eg_quarantine_categories();
	size_t i;

	for (i = 0; all[i] && i < EG_QUARANTINE_NCATEGORIES; i++)
		if (!strcmp(all[i], category))
			f->cat[i]++;
	return 0;
}

static int
on_open(void *ud, const eg_ledger_alert *a)
{
	eg_cli_health *h = ud;

	if (!strcmp(a->level, "alert"))
		h->open_alerts++;
	else
		h->open_warnings++;
	return 0;
}

/* Sent documents: overdue acknowledgements, or mean answer lag. */
typedef struct sent_count {
	time_t now;
	long long within, overdue, lag_sum, lag_n;
} sent_count;

static int
on_sent(void *ud, const eg_ledger_sent_doc *d)
{
	sent_count *c = ud;

	if (d->answered_at == EG_LEDGER_NONE) {
		if ((long long)c->now >= d->sent_at + c->within)
			c->overdue++;
	} else {
		c->lag_sum += d->answered_at - d->sent_at;
		c->lag_n++;
	}
	return 0;
}

eg_err
eg_cli_acks_overdue(eg_ledger *l, const eg_profile *p, time_t now,
		    long long *over, eg_error *e)
{
	const eg_sla *sla = &p->sla;
	eg_err rc = EG_OK;
	size_t i;

	for (i = 0; i < sla->nack; i++)
		over[i] = 0;
	for (i = 0; !rc && i < sla->nack; i++) {
		sent_count c = {now, sla->ack[i].within, 0, 0, 0};

		/* what was sent in the last 30 days and is still due */
		rc = eg_ledger_sla_acks(l, p->id, sla->ack[i].type,
					(int64_t)now - sla->ack[i].within -
					    30 * 86400,
					on_sent, &c, e);
		over[i] = c.overdue;
	}
	return rc;
}

long long
eg_cli_drop_waiting(const char *home, const eg_profile *p)
{
	char dir[PATH_MAX];
	struct dirent *d;
	long long n = 0;
	DIR *dp;

	if (!p->out_drop)
		return -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s%s",
			     p->out_drop[0] == '/' ? "" : home,
			     p->out_drop[0] == '/' ? "" : "/",
			     p->out_drop) >= sizeof(dir) ||
	    !(dp = opendir(dir)))
		return -1;
	/* what eg_pl_send_drop takes: NAME.jsonl (done/ holds the sent) */
	while ((d = readdir(dp))) {
		size_t k = strlen(d->d_name);

		if (d->d_name[0] != '.' && k > 6 &&
		    !strcmp(d->d_name + k - 6, ".jsonl"))
			n++;
	}
	closedir(dp);
	return n;
}

/* Files in a local outbox the partner has not taken yet; -1 unknown. */
static long long
outbox_waiting(const eg_cli_spool *s, const eg_profile *p)
{
	char dir[PATH_MAX];
	struct dirent *d;
	long long n = 0;
	DIR *dp;

	if (p->sftp || !p->outbox)
		return -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s%s",
			     p->outbox[0] == '/' ? "" : s->home.home,
			     p->outbox[0] == '/' ? "" : "/",
			     p->outbox) >= sizeof(dir) ||
	    !(dp = opendir(dir)))
		return -1;
	while ((d = readdir(dp)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
worse(char *health, const char *c)
{
	if (!strcmp(c, "red") || (!strcmp(c, "amber") && !strcmp(health, "green")))
		snprintf(health, 8, "%s", c);
}

/* A flow's colour by the partner's thresholds. */
static void
judge_flow(const eg_sla *sla, eg_cli_flow *f)
{
	long long q = f->f.quarantine;

	snprintf(f->health, sizeof(f->health), "green");
	if (sla->depth_alert >= 0 && q >= sla->depth_alert && q > 0)
		worse(f->health, "red");
	else if (sla->depth_warn >= 0 && q >= sla->depth_warn && q > 0)
		worse(f->health, "amber");
	else if (sla->depth_warn < 0 && sla->depth_alert < 0 && q > 0)
		worse(f->health, "amber");
	if (f->rate >= 0 && f->f.window_files >= sla->rate_min_files) {
		if (sla->rate_alert >= 0 && f->rate >= sla->rate_alert)
			worse(f->health, "red");
		else if (sla->rate_warn >= 0 && f->rate >= sla->rate_warn)
			worse(f->health, "amber");
	}
	if (f->overdue > 0)
		worse(f->health, "red");
}

static eg_err
add_flow(eg_ledger *l, eg_cli_health *h,
	 const char *dir, const char *set, time_t now, eg_error *e)
{
	eg_cli_flow *f;
	eg_err rc;
	size_t i;

	for (i = 0; i < h->nflows; i++)
		if (!strcmp(h->flows[i].dir, dir) && !strcmp(h->flows[i].set, set))
			return EG_OK;
	if (h->nflows >= sizeof(h->flows) / sizeof(h->flows[0]))
		return EG_OK;
	f = &h->flows[h->nflows];
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	snprintf(f->set, sizeof(f->set), "%s", set);
	f->lag_secs = -1;
	rc = eg_ledger_flow_get(l, h->id, dir, set,
				(int64_t)now - h->window,
				(int64_t)now - 30 * 86400, &f->f, e);
	if (!rc)
		rc = eg_ledger_flow_causes(l, h->id, dir, set, on_cause,
					   f, e);
	if (rc)
		return rc;
	f->rate = f->f.window_files
		      ? (long long)(f->f.window_rejected * 100 /
				    f->f.window_files)
		      : -1;
	/* the set-less flow is shown only when something is in it */
	if (set[0] || f->f.window_files || f->f.quarantine)
		h->nflows++;
	return EG_OK;
}

eg_err
eg_cli_health_get(const eg_cli_spool *s, eg_ledger *l, const char *id,
		  time_t now, const char *failing, eg_cli_health *h, eg_error *e)
{
	char path[PATH_MAX];
	eg_profile *p = NULL;
	eg_error pe;
	eg_err rc = EG_OK;
	eg_sla none;
	const eg_sla *sla = &none;
	size_t i, k;

	memset(h, 0, sizeof(*h));
	memset(&none, 0, sizeof(none));
	none.depth_warn = none.depth_alert = none.rate_warn = -1;
	none.rate_alert = -1;
	none.rate_window = 86400;
	none.rate_min_files = 5;
	snprintf(h->id, sizeof(h->id), "%s", id);
	h->outbox_waiting = -1;
	h->drop_waiting = -1;
	eg_error_clear(&pe);
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml",
			     s->home.home, id) < sizeof(path) &&
	    !eg_profile_load(&p, path, s->home.datadir, &pe)) {
		sla = &p->sla;
		snprintf(h->name, sizeof(h->name), "%s", p->name ? p->name : "");
		h->outbox_waiting = outbox_waiting(s, p);
		h->drop_waiting = eg_cli_drop_waiting(s->home.home, p);
	}
	h->window = sla->rate_window;
	for (i = 0; p && i < p->ndocs && !rc; i++)
		rc = add_flow(l, h, p->docs[i].direction, p->docs[i].set,
			      now, e);
	if (!rc)
		rc = add_flow(l, h, "in", "", now, e);
	if (p) {
		long long over[EG_SLA_MAX_ACKS];

		rc = eg_cli_acks_overdue(l, p, now, over, e);
		for (i = 0; !rc && i < sla->nack; i++)
			h->acks_overdue += over[i];
	}
	for (i = 0; !rc && i < sla->narr; i++) {
		const eg_sla_arrival *a = &sla->arr[i];
		sent_count c = {now, a->within, 0, 0, 0};

		if (!a->after_sent[0])
			continue;
		rc = eg_ledger_sla_answers(l, id, a->after_sent, a->set,
					   (int64_t)now - 30 * 86400, on_sent,
					   &c, e);
		for (k = 0; !rc && c.lag_n && k < h->nflows; k++)
			if (!strcmp(h->flows[k].dir, "in") &&
			    !strcmp(h->flows[k].set, a->set))
				h->flows[k].lag_secs = c.lag_sum / c.lag_n;
	}
	if (!rc)
		rc = eg_ledger_alerts_list(l, id, 1, 0, on_open, h, e);
	snprintf(h->health, sizeof(h->health), "green");
	for (k = 0; !rc && k < h->nflows; k++) {
		eg_cli_flow *f = &h->flows[k];

		if (!strcmp(f->dir, "out"))
			f->overdue = h->acks_overdue;
		judge_flow(sla, f);
		worse(h->health, f->health);
		if (strcmp(f->health, "green") && !h->why[0])
			snprintf(h->why, sizeof(h->why), "flow %s %s: %lld in "
				 "quarantine%s", f->dir, f->set[0] ? f->set : "?",
				 (long long)f->f.quarantine,
				 f->overdue ? ", acknowledgements overdue" : "");
	}
	if (h->open_warnings)
		worse(h->health, "amber");
	if (h->open_alerts) {
		worse(h->health, "red");
		snprintf(h->why, sizeof(h->why), "%lld open alert(s) "
			 "(`edigate alerts`)", h->open_alerts);
	} else if (h->open_warnings && !h->why[0]) {
		snprintf(h->why, sizeof(h->why), "%lld open warning(s) "
			 "(`edigate alerts`)", h->open_warnings);
	}
	if (failing && failing[0]) {
		worse(h->health, "red");
		snprintf(h->why, sizeof(h->why), "failing: %.280s", failing);
	}
	eg_profile_free(p);
	return rc;
}
