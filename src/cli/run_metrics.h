/*
 * run_metrics.h - the textfile of `edigate run --metrics-file` (one
 * batch run's figures per partner; run_metrics.c).
 */
#ifndef EDIGATE_CLI_RUN_METRICS_H
#define EDIGATE_CLI_RUN_METRICS_H

#include <time.h>

#include "edigate/err.h"
#include "edigate/ledger.h"
#include "edigate/pipeline.h"
#include "edigate/profile.h"
#include "edigate/sla.h"

/* Gauges both textfiles share (serve's and run's). */
#define EG_CLI_M_OVERDUE "edigate_acks_overdue"
#define EG_CLI_M_OVERDUE_HELP                                                 \
	"Interchanges sent to the partner in the last 30 days with no "     \
	"acknowledgement of this type (document) within the profile's "    \
	"window."
#define EG_CLI_M_ALERTS "edigate_alerts_open"
#define EG_CLI_M_ALERTS_HELP                                                  \
	"Service-level alerts open now (raised, not cleared), by partner "  \
	"and level (warning, alert)."

typedef struct eg_cli_run_partner {
	char id[64];
	unsigned long files[5]; /* accepted partial rejected duplicate failed */
	unsigned long backlog;
	long long drop_backlog; /* <outbound drop=> not sent; -1 none */
	int ok;
	double secs;
	time_t at, last_ok;
	long long quarantine;   /* -1: not known */
	long long alerts[2];    /* open: warnings, alerts; -1 not known */
	long long overdue[EG_SLA_MAX_ACKS]; /* acks overdue, by ack_type */
	char ack_type[EG_SLA_MAX_ACKS][4];
	size_t nack;
} eg_cli_run_partner;

typedef struct eg_cli_run_metrics {
	eg_cli_run_partner *ps;
	size_t n;
} eg_cli_run_metrics;

/* A partner's run: what its counts grew by, whether it went well, how
 * long it took, when it ended. */
eg_err eg_cli_run_metrics_add(eg_cli_run_metrics *m, const char *id,
			      const eg_pipeline_counts *before,
			      const eg_pipeline_counts *after, int ok,
			      double secs, time_t now) EG_MUST_USE;
/* After the partner's run was added: its outbound drop backlog, and its
 * acknowledgements overdue at now by its profile's windows (p->sla.ack). */
eg_err eg_cli_run_metrics_sla(eg_cli_run_metrics *m, eg_ledger *l,
			      const char *home, const eg_profile *p,
			      time_t now, eg_error *e) EG_MUST_USE;
/* Add the ledger's figures (l may be NULL) and publish PATH atomically. */
eg_err eg_cli_run_metrics_write(eg_cli_run_metrics *m, eg_ledger *l,
				const char *path, eg_error *e) EG_MUST_USE;
void eg_cli_run_metrics_free(eg_cli_run_metrics *m);

#endif
