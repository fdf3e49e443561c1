/*
 * serve.h - what cmd_serve.c (the scheduler), serve_partners.c (its
 * clock, log and profiles) and serve_metrics.c (its figures and the
 * /metrics listener) share.
 */
#ifndef EDIGATE_CLI_SERVE_H
#define EDIGATE_CLI_SERVE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/metrics.h"
#include "edigate/pipeline.h"
#include "edigate/schedule.h"
#include "edigate/sla.h"
#include "run_metrics.h"

/* One served partner. */
typedef struct serve_partner {
	char id[64];
	int loaded;           /* pc holds its profile */
	int seen;             /* still in partners/ (reload) */
	eg_cli_partner *pc;   /* owned; on the heap: it points into itself */
	eg_schedule sched;
	char sched_text[160];
	time_t due;           /* (time_t)-1: never */
	/* <outbound><schedule>: the outbound direction on its own (due
	 * runs the inbound one then); has_out 0: one schedule for both */
	int has_out;
	eg_schedule osched;
	char osched_text[160];
	time_t odue;
	unsigned fails;       /* failed runs in a row */
	/* figures since serve started */
	unsigned long long files[5]; /* accepted partial rejected
				      * duplicate failed */
	unsigned long long records, acks, retries, runs_ok, runs_failed;
	unsigned long backlog;       /* waiting + failed, last run */
	long long drop_backlog;      /* <outbound drop=> not sent, -1 none */
	long long quarantine;        /* files in quarantine now */
	time_t last_ok;              /* last run that went well, 0 never */
	long long alerts[2];         /* open now: warnings, alerts */
	long long overdue[EG_SLA_MAX_ACKS]; /* per profile ack window */
	eg_metrics_hist runtime;
	eg_metrics_hist xfer[2];     /* transfers in, out */
} serve_partner;

/* A ledger counter keyed by words (documents, bytes). */
typedef struct serve_count {
	char key[4][64]; /* partner, then up to three words */
	unsigned long long n, v;
} serve_count;

typedef struct serve_state {
	eg_cli *cli;
	serve_partner *ps;
	size_t nps, cap;
	serve_count *docs, *xfer;
	size_t ndocs, nxfer;
	int64_t mark_files, mark_docs;
	int64_t mark_runs; /* runs read for last success (under the lock) */
	unsigned long long lock_busy, reloads_ok, reloads_kept;
	time_t started;
	eg_buf page;          /* the rendered /metrics */
	int listen_fd;
} serve_state;

/* serve's clock: time(), or for tests EDIGATE_NOW running
 * EDIGATE_CLOCK_RATE times faster. */
typedef struct serve_clk {
	time_t base;
	struct timespec mono0;
	double rate; /* 0: the real clock */
} serve_clk;

typedef struct serve_opts {
	const char **only;
	size_t nonly;
	long long every, max_backoff;
	const char *spool, *metrics, *metrics_file, *report;
	int quiet;
} serve_opts;

/* The scheduler's state (cmd_serve.c). */
typedef struct serve_ctx {
	serve_state st;
	serve_opts o;
	serve_clk clock;
	eg_cli_spool sp; /* home, guides, maps kept; no ledger, no lock */
	eg_pipeline *pl; /* while a cycle runs */
	eg_ledger *l;    /* kept open between cycles (ledger_for) */
	const char *cur; /* the partner being served */
	char first_err[EG_ERRMSG_MAX];
	unsigned nerr;
	int busy; /* the lock was found held, not yet said it is free */
	time_t next_judge; /* service levels judged again then, -1 never */
} serve_ctx;

/* serve_partners.c: the clock, the log, the profiles served. */
double serve_mono(void);
time_t serve_clk_now(const serve_clk *c);
/* A log line: "TIME serve: ..." on f (flushed). */
void serve_say(serve_ctx *x, FILE *f, const char *fmt, ...) EG_PRINTF(3, 4);
/* Load (or reload) partners/ as `partner check` judges each profile;
 * the number of partners served. */
size_t serve_load_partners(serve_ctx *x, int reload);
void serve_drop_pc(eg_cli_partner *pc);

/* Bind ADDR:PORT (port 0: any free one); the bound port in *port.
 * Returns an exit code, with a message. */
int serve_listen(eg_cli *cli, const char *addr, int *fd, unsigned *port);
/* Answer one connection waiting on fd (GET /metrics: the page, made
 * then: the figures cost nothing between scrapes). */
void serve_answer(serve_state *st, time_t now);
/* Read what is new in the ledger since the marks (documents, bytes);
 * with snapshot, what is true now (quarantine depth, last success, open
 * alerts, acknowledgements overdue at now); 0 or -1 with a message on
 * stderr. */
int serve_ledger_figures(serve_state *st, eg_ledger *l, time_t now,
			 int snapshot);
/* Render every figure into st->page; EG_OK or EG_ENOMEM. */
eg_err serve_render(serve_state *st, time_t now);

#endif
