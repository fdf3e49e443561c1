/*
 * run_metrics.c - `edigate run --metrics-file PATH`: the figures of one
 * batch run as a node_exporter textfile, the way Prometheus suggests for
 * batch jobs: gauges of the last run (what it did, how long, when, did it
 * go well) rather than counters, which a process that lives for one run
 * cannot keep.  Quarantine depth and last success come from the ledger.
 * Names and labels: docs/operations.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edigate/ledger_metrics.h"
#include "edigate/metrics.h"
#include "cli.h"
#include "run_metrics.h"

eg_err
eg_cli_run_metrics_add(eg_cli_run_metrics *m, const char *id,
		       const eg_pipeline_counts *before,
		       const eg_pipeline_counts *after, int ok, double secs,
		       time_t now)
{
	eg_cli_run_partner *v, *p;

	if (!(v = realloc(m->ps, (m->n + 1) * sizeof(*v))))
		return EG_ENOMEM;
	m->ps = v;
	p = &v[m->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->files[0] = after->accepted - before->accepted;
	p->files[1] = after->partial - before->partial;
	p->files[2] = after->rejected - before->rejected;
	p->files[3] = after->duplicates - before->duplicates;
	p->files[4] = after->failed - before->failed;
	p->backlog = (after->waiting - before->waiting) + p->files[4];
	p->ok = ok;
	p->secs = secs;
	p->at = now;
	p->quarantine = -1;
	p->alerts[0] = p->alerts[1] = -1;
	p->drop_backlog = -1;
	return EG_OK;
}

static eg_cli_run_partner *
find(eg_cli_run_metrics *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->ps[i].id, id))
			return &m->ps[i];
	return NULL;
}

eg_err
eg_cli_run_metrics_sla(eg_cli_run_metrics *m, eg_ledger *l, const char *home,
		       const eg_profile *p, time_t now, eg_error *e)
{
	eg_cli_run_partner *r = find(m, p->id);
	size_t k;
	eg_err rc;

	if (!r || !l)
		return EG_OK;
	r->drop_backlog = eg_cli_drop_waiting(home, p);
	if ((rc = eg_cli_acks_overdue(l, p, now, r->overdue, e)))
		return rc;
	for (k = 0; k < p->sla.nack; k++)
		snprintf(r->ack_type[k], sizeof(r->ack_type[k]), "%s",
			 p->sla.ack[k].type);
	r->nack = p->sla.nack;
	return EG_OK;
}

static void
on_alerts(void *ud, const char *partner, const char *a, const char *b,
	  const char *c, int64_t count, int64_t value)
{
	eg_cli_run_partner *p = find(ud, partner);

	(void)b, (void)c, (void)value;
	if (p && a)
		p->alerts[strcmp(a, "alert") == 0] += count;
}

static void
on_quarantine(void *ud, const char *partner, const char *a, const char *b,
	      const char *c, int64_t count, int64_t value)
{
	eg_cli_run_partner *p = find(ud, partner);

	(void)a, (void)b, (void)c, (void)value;
	if (p)
		p->quarantine = count;
}

static void
on_last_ok(void *ud, const char *partner, const char *a, const char *b,
	   const char *c, int64_t count, int64_t value)
{
	eg_cli_run_partner *p = find(ud, partner);

	(void)a, (void)b, (void)c, (void)count;
	if (p)
		p->last_ok = (time_t)value;
}

static const char *const outcomes[5] = {"accepted", "partial", "rejected",
					"duplicate", "failed"};

/* One gauge family with a sample per partner; which picks the figure. */
static eg_err
gauge(eg_buf *b, const eg_cli_run_metrics *m, const char *name,
      const char *help, int which)
{
	eg_err rc = eg_metrics_family(b, name, "gauge", help);
	size_t i;

	for (i = 0; !rc && i < m->n; i++) {
		const eg_cli_run_partner *p = &m->ps[i];
		const char *lab[] = {"partner", p->id, NULL};
		const char *dlab[] = {"partner", p->id, "direction", "in",
				      NULL};
		double v;

		switch (which) {
		case 0: v = p->secs; break;
		case 1: v = (double)p->at; break;
		case 2: v = p->ok; break;
		case 3: v = (double)p->quarantine; break;
		case 4: v = (double)p->last_ok; break;
		default: v = (double)p->backlog; break;
		}
		if ((which == 3 && p->quarantine < 0) ||
		    (which == 4 && !p->last_ok))
			continue;
		rc = eg_metrics_sample(b, name, which == 5 ? dlab : lab, v);
		if (!rc && which == 5 && p->drop_backlog >= 0) {
			const char *out[] = {"partner", p->id, "direction",
					     "out", NULL};

			rc = eg_metrics_sample(b, name, out,
					       (double)p->drop_backlog);
		}
	}
	return rc;
}

/* Acknowledgements overdue and open alerts (as serve writes them). */
static eg_err
sla_gauges(eg_buf *b, const eg_cli_run_metrics *m)
{
	size_t i, k;
	eg_err rc;

	rc = eg_metrics_family(b, EG_CLI_M_OVERDUE, "gauge",
			       EG_CLI_M_OVERDUE_HELP);
	for (i = 0; !rc && i < m->n; i++)
		for (k = 0; !rc && k < m->ps[i].nack; k++) {
			const char *lab[] = {"partner", m->ps[i].id,
					     "document", m->ps[i].ack_type[k],
					     NULL};

			rc = eg_metrics_sample(b, EG_CLI_M_OVERDUE, lab,
					       (double)m->ps[i].overdue[k]);
		}
	if (!rc)
		rc = eg_metrics_family(b, EG_CLI_M_ALERTS, "gauge",
				       EG_CLI_M_ALERTS_HELP);
	for (i = 0; !rc && i < m->n; i++) {
		const char *w[] = {"partner", m->ps[i].id, "level", "warning",
				   NULL};
		const char *a[] = {"partner", m->ps[i].id, "level", "alert",
				   NULL};

		if (m->ps[i].alerts[0] < 0)
			continue; /* not known: no sample rather than 0 */
		if (!(rc = eg_metrics_sample(b, EG_CLI_M_ALERTS, w,
					     (double)m->ps[i].alerts[0])))
			rc = eg_metrics_sample(b, EG_CLI_M_ALERTS, a,
					       (double)m->ps[i].alerts[1]);
	}
	return rc;
}

eg_err
eg_cli_run_metrics_write(eg_cli_run_metrics *m, eg_ledger *l,
			 const char *path, eg_error *e)
{
	eg_buf b;
	size_t i, k;
	eg_err rc;

	/* figures from the ledger; a failure leaves them out (the run's
	 * own figures are still worth writing) */
	if (l) {
		eg_error le;

		eg_error_clear(&le);
		for (i = 0; i < m->n; i++)
			m->ps[i].quarantine = 0; /* no row: none */
		if (eg_ledger_metrics_quarantine(l, on_quarantine, m, &le))
			for (i = 0; i < m->n; i++)
				m->ps[i].quarantine = -1; /* not known */
		if (eg_ledger_metrics_last_ok(l, 0, NULL, on_last_ok, m, &le))
			eg_error_clear(&le);
		for (i = 0; i < m->n; i++)
			m->ps[i].alerts[0] = m->ps[i].alerts[1] = 0;
		if (eg_ledger_metrics_alerts(l, on_alerts, m, &le))
			for (i = 0; i < m->n; i++) /* not known */
				m->ps[i].alerts[0] = m->ps[i].alerts[1] = -1;
	}
	eg_buf_init(&b, 16u << 20);
	rc = eg_metrics_family(&b, "edigate_run_last_files", "gauge",
			       "Files decided by the last edigate run, by "
			       "partner, direction and outcome.");
	for (i = 0; !rc && i < m->n; i++)
		for (k = 0; !rc && k < 5; k++) {
			const char *lab[] = {"partner", m->ps[i].id,
					     "direction", "in", "outcome",
					     outcomes[k], NULL};

			rc = eg_metrics_sample(&b, "edigate_run_last_files",
					       lab, (double)m->ps[i].files[k]);
		}
	if (!rc)
		rc = gauge(&b, m, "edigate_run_last_duration_seconds",
			   "How long the partner's last run took.", 0);
	if (!rc)
		rc = gauge(&b, m, "edigate_run_last_timestamp_seconds",
			   "When the partner's last run ended (Unix time).", 1);
	if (!rc)
		rc = gauge(&b, m, "edigate_run_last_ok",
			   "1 when the partner's last run went well, 0 when "
			   "it failed or left something for the next run.",
			   2);
	if (!rc)
		rc = gauge(&b, m, "edigate_quarantine_depth",
			   "Files in quarantine now (rejected or partial, not "
			   "released or discarded).",
			   3);
	if (!rc)
		rc = gauge(&b, m, "edigate_last_success_timestamp_seconds",
			   "When the partner's last run that went well ended "
			   "(Unix time).",
			   4);
	if (!rc)
		rc = gauge(&b, m, "edigate_backlog_files",
			   "Files waiting after the partner's last run: in its "
			   "inbox (direction in: not complete yet, or failed "
			   "and retried), in its outbound drop (direction out: "
			   "not sent yet).",
			   5);
	if (!rc)
		rc = sla_gauges(&b, m);
	if (rc)
		rc = eg_fail(e, rc, "the figures do not fit in memory");
	else
		rc = eg_metrics_publish(path, &b, e);
	eg_buf_free(&b);
	return rc;
}

void
eg_cli_run_metrics_free(eg_cli_run_metrics *m)
{
	free(m->ps);
	memset(m, 0, sizeof(*m));
}
