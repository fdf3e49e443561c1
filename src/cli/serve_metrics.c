/*
 * serve_metrics.c - the figures of `edigate serve` in the Prometheus
 * text format (names and labels: docs/operations.md), and the small
 * HTTP listener that serves them on /metrics.
 *
 * The listener answers one short request at a time between runs (the
 * scheduler is one thread); each connection has a one-second read and
 * two-second write limit, and a request larger than 4 KiB is refused.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "edigate/ledger_metrics.h"
#include "serve.h"

int
serve_listen(eg_cli *cli, const char *addr, int *fd, unsigned *port)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int s = -1, one = 1, r;
	size_t hl;

	*fd = -1;
	if (!colon || colon == addr || !colon[1] ||
	    (hl = (size_t)(colon - addr)) >= sizeof(host))
		return eg_cli_usage(cli, "serve", "--metrics needs ADDRESS:PORT "
				    "(such as 127.0.0.1:9464), not '%s'", addr);
	/* [::1]:9464 */
	if (addr[0] == '[' && colon[-1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hl - 2, addr + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hl, addr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(host, colon + 1, &hints, &ai)) != 0)
		return eg_cli_usage(cli, "serve", "--metrics %s: %s", addr,
				    gai_strerror(r));
	s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		   ai->ai_protocol);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&ss, &sl) != 0) {
		int err = errno;

		fprintf(cli->err, "%s serve: cannot listen on %s for "
				  "/metrics: %s\n",
			cli->prog, addr, strerror(err));
		if (s >= 0)
			close(s);
		freeaddrinfo(ai);
		return EG_EXIT_IO;
	}
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	*fd = s;
	return EG_EXIT_OK;
}

static void
send_all(int c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* The answer; the body only when with_body (not for HEAD). */
static void
reply(int c, const char *status, const char *type, const char *body,
      size_t len, int with_body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: "
			 "%zu\r\nConnection: close\r\n\r\n",
			 status, type, len);

	if (n > 0 && (size_t)n < sizeof(head)) {
		send_all(c, head, (size_t)n);
		if (with_body)
			send_all(c, body, len);
	}
}

void
serve_answer(serve_state *st, time_t now)
{
	char req[4096];
	size_t n = 0;
	struct timeval rt = {1, 0}, wt = {2, 0};
	int c = accept(st->listen_fd, NULL, NULL);
	static const char nf[] = "edigate serves its figures on /metrics\n";

	if (c < 0)
		return;
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	(void)setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &wt, sizeof(wt));
	while (n < sizeof(req) - 1) {
		ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = '\0';
	if (!strstr(req, "\r\n\r\n") && !strstr(req, "\n\n"))
		reply(c, "400 Bad Request", "text/plain", "", 0, 1);
	else if (strncmp(req, "GET ", 4) && strncmp(req, "HEAD ", 5))
		reply(c, "405 Method Not Allowed", "text/plain", "", 0, 1);
	else if ((!strncmp(req, "GET /metrics ", 13) ||
		  !strncmp(req, "GET /metrics?", 13) ||
		  !strncmp(req, "HEAD /metrics ", 14)) &&
		 serve_render(st, now) != EG_OK)
		reply(c, "500 Internal Server Error", "text/plain", "", 0, 1);
	else if (!strncmp(req, "GET /metrics ", 13) ||
		 !strncmp(req, "GET /metrics?", 13))
		reply(c, "200 OK", EG_METRICS_CONTENT_TYPE,
		      eg_buf_cstr(&st->page), st->page.len, 1);
	else if (!strncmp(req, "HEAD /metrics ", 14))
		reply(c, "200 OK", EG_METRICS_CONTENT_TYPE,
		      eg_buf_cstr(&st->page), st->page.len, 0);
	else
		reply(c, "404 Not Found", "text/plain", nf, sizeof(nf) - 1,
		      strncmp(req, "HEAD ", 5) != 0);
	close(c);
}

/* --- figures from the ledger ---------------------------------------- */

static serve_count *
count_for(serve_count **v, size_t *n, const char *const key[4])
{
	serve_count *nv;
	size_t i, k;

	for (i = 0; i < *n; i++) {
		for (k = 0; k < 4; k++)
			if (strcmp((*v)[i].key[k], key[k] ? key[k] : ""))
				break;
		if (k == 4)
			return &(*v)[i];
	}
	if (*n >= 100000 || !(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return NULL;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	for (k = 0; k < 4; k++)
		snprintf(nv[*n].key[k], sizeof(nv[*n].key[k]), "%s",
			 key[k] ? key[k] : "");
	return &nv[(*n)++];
}

static void
on_doc(void *ud, const char *partner, const char *a, const char *b,
       const char *c, int64_t count, int64_t value)
{
	serve_state *st = ud;
	const char *key[4] = {partner, a, b, c};
	serve_count *sc = count_for(&st->docs, &st->ndocs, key);

	(void)value;
	if (sc)
		sc->n += (unsigned long long)count;
}

static void
on_xfer(void *ud, const char *partner, const char *a, const char *b,
	const char *c, int64_t count, int64_t value)
{
	serve_state *st = ud;
	const char *key[4] = {partner, a, b, c};
	serve_count *sc = count_for(&st->xfer, &st->nxfer, key);

	if (sc) {
		sc->n += (unsigned long long)count;
		sc->v += (unsigned long long)(value > 0 ? value : 0);
	}
}

static serve_partner *
partner_named(serve_state *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->nps; i++)
		if (!strcmp(st->ps[i].id, id))
			return &st->ps[i];
	return NULL;
}

static void
on_quarantine(void *ud, const char *partner, const char *a, const char *b,
	      const char *c, int64_t count, int64_t value)
{
	serve_partner *p = partner_named(ud, partner);

	(void)a, (void)b, (void)c, (void)value;
	if (p)
		p->quarantine = count;
}

static void
on_last_ok(void *ud, const char *partner, const char *a, const char *b,
	   const char *c, int64_t count, int64_t value)
{
	serve_partner *p = partner_named(ud, partner);

	(void)a, (void)b, (void)c, (void)count;
	if (p && value > p->last_ok)
		p->last_ok = (time_t)value;
}

static void
on_alerts(void *ud, const char *partner, const char *a, const char *b,
	  const char *c, int64_t count, int64_t value)
{
	serve_partner *p = partner_named(ud, partner);

	(void)b, (void)c, (void)value;
	if (p && a)
		p->alerts[strcmp(a, "alert") == 0] += count;
}

int
serve_ledger_figures(serve_state *st, eg_ledger *l, time_t now,
		     int snapshot)
{
	eg_error e;
	size_t i;

	eg_error_clear(&e);
	if (eg_ledger_metrics_docs(l, st->mark_docs, &st->mark_docs, on_doc,
				   st, &e) ||
	    eg_ledger_metrics_files(l, st->mark_files, &st->mark_files,
				    on_xfer, st, &e))
		goto fail;
	if (!snapshot)
		return 0;
	for (i = 0; i < st->nps; i++) {
		st->ps[i].quarantine = 0;
		st->ps[i].alerts[0] = st->ps[i].alerts[1] = 0;
	}
	if (eg_ledger_metrics_quarantine(l, on_quarantine, st, &e) ||
	    eg_ledger_metrics_last_ok(l, st->mark_runs, &st->mark_runs,
				      on_last_ok, st, &e) ||
	    eg_ledger_metrics_alerts(l, on_alerts, st, &e))
		goto fail;
	for (i = 0; i < st->nps; i++)
		if (st->ps[i].loaded &&
		    eg_cli_acks_overdue(l, st->ps[i].pc->profile, now,
					st->ps[i].overdue, &e))
			goto fail;
	return 0;
fail:
	fprintf(st->cli->err, "%s serve: reading figures from the ledger: %s\n",
		st->cli->prog, e.msg);
	return -1;
}

/* --- rendering --------------------------------------------------------- */

static const char *const outcomes[5] = {"accepted", "partial", "rejected",
					"duplicate", "failed"};

static eg_err
per_partner(serve_state *st, const char *name, const char *type,
	    const char *help, int which)
{
	eg_err rc = eg_metrics_family(&st->page, name, type, help);
	size_t i;

	for (i = 0; !rc && i < st->nps; i++) {
		const serve_partner *p = &st->ps[i];
		const char *lab[] = {"partner", p->id, NULL};
		double v = 0;

		if (!p->loaded)
			continue;
		switch (which) {
		case 0: v = (double)p->records; break;
		case 1: v = (double)p->acks; break;
		case 2: v = (double)p->retries; break;
		case 3: v = (double)p->quarantine; break;
		case 4: v = (double)p->last_ok; break;
		case 5: v = p->due == (time_t)-1 ? 0 : (double)p->due; break;
		case 6: v = (double)p->fails; break;
		default: break;
		}
		if (which == 4 && !p->last_ok)
			continue; /* never: no sample rather than 1970 */
		rc = eg_metrics_sample(&st->page, name, lab, v);
	}
	return rc;
}

static eg_err
render_partners(serve_state *st)
{
	eg_buf *b = &st->page;
	size_t i, k;
	eg_err rc;

	rc = eg_metrics_family(b, "edigate_files_total", "counter",
			       "Files decided by edigate serve, by partner, "
			       "direction and outcome.");
	for (i = 0; !rc && i < st->nps; i++)
		for (k = 0; !rc && k < 5; k++) {
			const char *lab[] = {"partner", st->ps[i].id,
					     "direction", "in", "outcome",
					     outcomes[k], NULL};

			if (st->ps[i].loaded)
				rc = eg_metrics_sample(b, "edigate_files_total",
						       lab,
						       (double)st->ps[i].files[k]);
		}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_runs_total", "counter",
				       "Scheduled runs, by partner and "
				       "outcome (ok, failed).");
	for (i = 0; !rc && i < st->nps; i++) {
		const char *ok[] = {"partner", st->ps[i].id, "outcome", "ok",
				    NULL};
		const char *bad[] = {"partner", st->ps[i].id, "outcome",
				     "failed", NULL};

		if (!st->ps[i].loaded)
			continue;
		if (!(rc = eg_metrics_sample(b, "edigate_runs_total", ok,
					     (double)st->ps[i].runs_ok)))
			rc = eg_metrics_sample(b, "edigate_runs_total", bad,
					       (double)st->ps[i].runs_failed);
	}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_backlog_files", "gauge",
				       "Files waiting after the partner's "
				       "last run: in its inbox (direction "
				       "in: not complete yet, or failed and "
				       "retried), in its outbound drop "
				       "(direction out: not sent yet).");
	for (i = 0; !rc && i < st->nps; i++) {
		const char *lab[] = {"partner", st->ps[i].id, "direction",
				     "in", NULL};

		const char *out[] = {"partner", st->ps[i].id, "direction",
				     "out", NULL};

		if (st->ps[i].loaded)
			rc = eg_metrics_sample(b, "edigate_backlog_files", lab,
					       (double)st->ps[i].backlog);
		/* records files in the outbound drop, not sent yet */
		if (!rc && st->ps[i].loaded && st->ps[i].drop_backlog >= 0)
			rc = eg_metrics_sample(b, "edigate_backlog_files", out,
					       (double)st->ps[i].drop_backlog);
	}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_run_duration_seconds",
				       "histogram",
				       "Wall time of each scheduled run, by "
				       "partner.");
	for (i = 0; !rc && i < st->nps; i++) {
		const char *lab[] = {"partner", st->ps[i].id, NULL};

		if (st->ps[i].loaded)
			rc = eg_metrics_hist_write(b,
						   "edigate_run_duration_seconds",
						   lab, &st->ps[i].runtime);
	}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_transfer_duration_seconds",
				       "histogram",
				       "Wall time of each file transferred, "
				       "by partner and direction (in: fetched "
				       "from the partner's server or inbox; "
				       "out: put on its server or outbox).");
	for (i = 0; !rc && i < st->nps; i++) {
		size_t d;

		for (d = 0; !rc && d < 2 && st->ps[i].loaded; d++) {
			const char *lab[] = {"partner", st->ps[i].id,
					     "direction", d ? "out" : "in",
					     NULL};

			rc = eg_metrics_hist_write(
			    b, "edigate_transfer_duration_seconds", lab,
			    &st->ps[i].xfer[d]);
		}
	}
	return rc;
}

static eg_err
render_counts(serve_state *st)
{
	eg_buf *b = &st->page;
	size_t i;
	eg_err rc;

	rc = eg_metrics_family(b, "edigate_documents_total", "counter",
			       "Transaction sets recorded in the ledger "
			       "since serve started, by partner, direction, "
			       "document (set id) and outcome.");
	for (i = 0; !rc && i < st->ndocs; i++) {
		const serve_count *c = &st->docs[i];
		const char *lab[] = {"partner", c->key[0], "direction",
				     c->key[2], "document", c->key[1],
				     "outcome", c->key[3], NULL};

		rc = eg_metrics_sample(b, "edigate_documents_total", lab,
				       (double)c->n);
	}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_transferred_files_total",
				       "counter",
				       "Files transferred since serve "
				       "started, by partner and direction.");
	for (i = 0; !rc && i < st->nxfer; i++) {
		const char *lab[] = {"partner", st->xfer[i].key[0],
				     "direction", st->xfer[i].key[2], NULL};

		rc = eg_metrics_sample(b, "edigate_transferred_files_total",
				       lab, (double)st->xfer[i].n);
	}
	if (!rc)
		rc = eg_metrics_family(b, "edigate_transferred_bytes_total",
				       "counter",
				       "Bytes of the files transferred since "
				       "serve started, by partner and "
				       "direction.");
	for (i = 0; !rc && i < st->nxfer; i++) {
		const char *lab[] = {"partner", st->xfer[i].key[0],
				     "direction", st->xfer[i].key[2], NULL};

		rc = eg_metrics_sample(b, "edigate_transferred_bytes_total",
				       lab, (double)st->xfer[i].v);
	}
	return rc;
}

/* What the service levels say now: acknowledgements overdue, alerts
 * open (names shared with `edigate run --metrics-file`). */
static eg_err
render_sla(serve_state *st)
{
	eg_buf *b = &st->page;
	size_t i, k;
	eg_err rc;

	rc = eg_metrics_family(b, EG_CLI_M_OVERDUE, "gauge",
			       EG_CLI_M_OVERDUE_HELP);
	for (i = 0; !rc && i < st->nps; i++) {
		const serve_partner *p = &st->ps[i];
		const eg_sla *sla;

		if (!p->loaded)
			continue;
		sla = &p->pc->profile->sla;
		for (k = 0; !rc && k < sla->nack; k++) {
			const char *lab[] = {"partner", p->id, "document",
					     sla->ack[k].type, NULL};

			rc = eg_metrics_sample(b, EG_CLI_M_OVERDUE, lab,
					       (double)p->overdue[k]);
		}
	}
	if (!rc)
		rc = eg_metrics_family(b, EG_CLI_M_ALERTS, "gauge",
				       EG_CLI_M_ALERTS_HELP);
	for (i = 0; !rc && i < st->nps; i++) {
		const serve_partner *p = &st->ps[i];
		const char *w[] = {"partner", p->id, "level", "warning", NULL};
		const char *a[] = {"partner", p->id, "level", "alert", NULL};

		if (!p->loaded)
			continue;
		if (!(rc = eg_metrics_sample(b, EG_CLI_M_ALERTS, w,
					     (double)p->alerts[0])))
			rc = eg_metrics_sample(b, EG_CLI_M_ALERTS, a,
					       (double)p->alerts[1]);
	}
	return rc;
}

eg_err
serve_render(serve_state *st, time_t now)
{
	eg_buf *b = &st->page;
	eg_err rc;

	eg_buf_reset(b);
	rc = render_partners(st);
	if (!rc)
		rc = render_counts(st);
	if (!rc)
		rc = per_partner(st, "edigate_records_total", "counter",
				 "Canonical records written, by partner.", 0);
	if (!rc)
		rc = per_partner(st, "edigate_acks_sent_total", "counter",
				 "Acknowledgements sent, by partner.", 1);
	if (!rc)
		rc = per_partner(st, "edigate_session_retries_total",
				 "counter",
				 "Transport sessions tried again after a "
				 "fault, by partner.",
				 2);
	if (!rc)
		rc = per_partner(st, "edigate_quarantine_depth", "gauge",
				 "Files in quarantine now (rejected or "
				 "partial, not released or discarded).",
				 3);
	if (!rc)
		rc = per_partner(st, "edigate_last_success_timestamp_seconds",
				 "gauge",
				 "When the partner's last run that went well "
				 "ended (Unix time).",
				 4);
	if (!rc)
		rc = per_partner(st, "edigate_next_run_timestamp_seconds",
				 "gauge",
				 "When the partner is due next (Unix time; 0: "
				 "never).",
				 5);
	if (!rc)
		rc = per_partner(st, "edigate_consecutive_failures", "gauge",
				 "Failed runs in a row (the partner backs "
				 "off while this is not 0).",
				 6);
	if (!rc)
		rc = render_sla(st);
	if (!rc && !(rc = eg_metrics_family(b, "edigate_serve_lock_busy_total",
					    "counter",
					    "Times serve found the spool locked "
					    "by another edigate run.")))
		rc = eg_metrics_sample(b, "edigate_serve_lock_busy_total", NULL,
				       (double)st->lock_busy);
	if (!rc && !(rc = eg_metrics_family(b, "edigate_serve_reloads_total",
					    "counter",
					    "Profile reloads (SIGHUP), by "
					    "outcome: applied, or kept the old "
					    "profile of some partner.")))  {
		const char *ok[] = {"outcome", "applied", NULL};
		const char *kept[] = {"outcome", "kept-old", NULL};

		if (!(rc = eg_metrics_sample(b, "edigate_serve_reloads_total",
					     ok, (double)st->reloads_ok)))
			rc = eg_metrics_sample(b, "edigate_serve_reloads_total",
					       kept, (double)st->reloads_kept);
	}
	if (!rc && !(rc = eg_metrics_family(b, "edigate_serve_start_time_seconds",
					    "gauge",
					    "When serve started (Unix time, "
					    "by its clock).")))
		rc = eg_metrics_sample(b, "edigate_serve_start_time_seconds",
				       NULL, (double)st->started);
	if (!rc && !(rc = eg_metrics_family(b, "edigate_serve_time_seconds",
					    "gauge",
					    "serve's clock when the figures "
					    "were made (Unix time).")))
		rc = eg_metrics_sample(b, "edigate_serve_time_seconds", NULL,
				       (double)now);
	return rc;
}
