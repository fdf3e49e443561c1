/*
 * sla.h - a partner's service levels (<sla> and <acknowledgements>
 * <expect> in its profile), and when each is due.
 *
 * What a profile promises to watch:
 *   - arrivals by a time of day: "a file (set 832, or named items*.csv)
 *     by 02:00 every day", "at least one file per business day"
 *     (<arrival by= days= from= files= set= name=>), read in the <sla>'s
 *     time zone; the day's period runs from `from` (default 00:00 of the
 *     deadline's day; a `from` after `by` starts the evening before) to
 *     `by`;
 *   - answers to what we sent: "a 945 within 4 h of each 940 we sent"
 *     (<arrival set="945" after-sent="940" within="4h">), matched by
 *     business key value when both sets carry one;
 *   - acknowledgements of what we sent (<acknowledgements><expect
 *     type="997" within="24h">);
 *   - quarantine depth and rate (<quarantine depth-warn= depth-alert=
 *     rate-warn= rate-alert= rate-window= rate-min-files=>).
 * A warning is due warn-before (default 1h) ahead of a deadline, an
 * alert when it passes.  <alert command= timeout=> names the hook that
 * hears of them (alerts.h runs it).
 *
 * Deadlines are computed from a clock the caller passes in (tests drive
 * them with any time).  Ownership: an eg_sla owns its strings; free
 * with eg_sla_free.  Time zones are applied as in schedule.h.
 */
#ifndef EDIGATE_SLA_H
#define EDIGATE_SLA_H

#include <stddef.h>
#include <time.h>

#include "edigate/err.h"
#include "edigate/schedule.h"
#include "edigate/xml.h"

#define EG_SLA_MAX_ARRIVALS 8
#define EG_SLA_MAX_ACKS 3

typedef struct eg_sla_arrival {
	char set[7];       /* the set that must come ("DESADV"), "" any */
	char *name;        /* file name pattern (glob), or NULL: any */
	char by[6];        /* "02:00", "" for an answer rule */
	char from[6];      /* "" : 00:00 of the deadline's day */
	char *days;        /* "mon-fri", NULL: every day */
	unsigned files;    /* at least this many (default 1) */
	char after_sent[4]; /* answer rule: each of these we sent */
	long long within;  /* answer rule: seconds */
	long line;
	/* parsed when read: valid when err is "" */
	eg_schedule due;   /* the deadlines, as a cron schedule */
	eg_schedule start; /* the period starts (from) */
	char err[200];     /* why by=, days= or from= do not parse */
} eg_sla_arrival;

typedef struct eg_sla {
	long line;            /* of <sla>, 0 when the profile has none */
	char *tz;             /* "" or NULL: the machine's zone */
	long long warn_before; /* seconds (default 3600) */
	eg_sla_arrival arr[EG_SLA_MAX_ARRIVALS];
	size_t narr;
	struct {
		char type[4];     /* TA1 997 999 */
		long long within; /* seconds (default 24h) */
		long line;
	} ack[EG_SLA_MAX_ACKS];
	size_t nack;
	/* <quarantine>: -1 when not set */
	long long depth_warn, depth_alert, rate_warn, rate_alert;
	long long rate_window;    /* seconds (default 24h) */
	long long rate_min_files; /* default 5 */
	long qline;
	char *alert_command;      /* <alert command=>, or NULL */
	long long alert_timeout;  /* seconds (default 30) */
	long aline;
} eg_sla;

/* Read <sla> (child of root) and <acknowledgements><expect> into s
 * (zeroed first).  Form is the XSD's; eg_sla_check checks meaning.
 * EG_ENOMEM only. */
eg_err eg_sla_read(eg_sla *s, const eg_xml_node *root) EG_MUST_USE;
void eg_sla_free(eg_sla *s);

/* Does the profile watch anything? */
int eg_sla_any(const eg_sla *s);

/*
 * Check what the schema cannot (one of by= and after-sent=, set= with
 * after-sent=, the zone, days, warn-before shorter than each window,
 * depth-warn <= depth-alert, ...).  Each
 * problem goes to say(ud, msg); returns the number of problems.
 */
unsigned eg_sla_check(const eg_sla *s, void (*say)(void *ud, const char *msg),
		      void *ud);

/* A daily arrival's period: [*start, *deadline). */
typedef struct eg_sla_period {
	time_t start, deadline;
	char day[16]; /* the deadline's local date, "2026-12-08" */
} eg_sla_period;

/* The period of a daily arrival (err "") whose deadline is the last
 * one at or before now (last=1), or the first one after now (last=0).
 * 0, or -1 when none within 8 days. */
int eg_sla_period_at(const eg_sla_arrival *a, time_t now, int last,
		     eg_sla_period *out);

/* "a file of set 832 by 02:00 (mon-fri, Europe/Paris)" for people. */
void eg_sla_describe(const eg_sla *s, const eg_sla_arrival *a, char *dst,
		     size_t cap);

#endif
