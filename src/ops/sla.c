/*
 * sla.c - a profile's service levels: read, checked, and their deadlines
 * (see sla.h).
 *
 * A daily arrival is two cron schedules in the <sla>'s zone, reusing
 * schedule.c's calendar: its deadlines ("MM HH * * days") and the
 * starts of its periods ("MM HH * * *" from `from`, default 00:00).  A
 * period ends at a deadline and starts at the last start strictly
 * before it, so daylight saving and the zone are schedule.c's business.
 */
#include "edigate/sla.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long
secs(const char *v, long long dflt)
{
	char *end;
	long long n;

	if (!v || !*v)
		return dflt;
	n = strtoll(v, &end, 10);
	switch (*end) {
	case 's': return n;
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	default: return dflt;
	}
}

static long long
num(const eg_xml_node *n, const char *name, long long dflt)
{
	const char *v = n ? eg_xml_attr(n, name) : NULL;
	char *end;
	long long x;

	if (!v || !*v)
		return dflt;
	x = strtoll(v, &end, 10);
	return *end && *end != '%' ? dflt : x;
}

static void
cpy(char *dst, size_t cap, const eg_xml_node *n, const char *name)
{
	const char *v = eg_xml_attr(n, name);

	snprintf(dst, cap, "%s", v ? v : "");
}

static eg_err
dup_attr(char **dst, const eg_xml_node *n, const char *name)
{
	const char *v = eg_xml_attr(n, name);

	*dst = NULL;
	if (v && !(*dst = strdup(v)))
		return EG_ENOMEM;
	return EG_OK;
}

static const eg_xml_node *
child(const eg_xml_node *n, const char *name)
{
	const eg_xml_node *k;

	for (k = n ? eg_xml_first(n) : NULL; k; k = eg_xml_next(k))
		if (!strcmp(eg_xml_name(k), name))
			return k;
	return NULL;
}

/* A cron schedule at HH:MM on days, in the zone: 0 or its reason. */
static int
daily(eg_schedule *sc, const char *hhmm, const char *days, const char *tz,
      char *why, size_t cap)
{
	eg_schedule_spec sp;
	char cron[96];
	eg_error e;

	memset(&sp, 0, sizeof(sp));
	if (strlen(hhmm) != 5) {
		snprintf(why, cap, "'%s' is not a time of day (HH:MM)", hhmm);
		return -1;
	}
	snprintf(cron, sizeof(cron), "%d %d * * %s",
		 (hhmm[3] - '0') * 10 + (hhmm[4] - '0'),
		 (hhmm[0] - '0') * 10 + (hhmm[1] - '0'),
		 days && *days ? days : "*");
	sp.cron = cron;
	sp.tz = tz;
	eg_error_clear(&e);
	if (eg_schedule_parse(sc, &sp, &e)) {
		snprintf(why, cap, "%s", e.msg);
		return -1;
	}
	return 0;
}

static eg_err
read_arrival(eg_sla_arrival *a, const eg_xml_node *k, const char *tz)
{
	cpy(a->set, sizeof(a->set), k, "set");
	cpy(a->by, sizeof(a->by), k, "by");
	cpy(a->from, sizeof(a->from), k, "from");
	cpy(a->after_sent, sizeof(a->after_sent), k, "after-sent");
	a->files = (unsigned)num(k, "files", 1);
	a->within = secs(eg_xml_attr(k, "within"), 0);
	a->line = eg_xml_line(k);
	if (dup_attr(&a->name, k, "name") || dup_attr(&a->days, k, "days"))
		return EG_ENOMEM;
	if (a->by[0] &&
	    !daily(&a->due, a->by, a->days, tz, a->err, sizeof(a->err)))
		(void)daily(&a->start, a->from[0] ? a->from : "00:00", NULL,
			    tz, a->err, sizeof(a->err));
	return EG_OK;
}

eg_err
eg_sla_read(eg_sla *s, const eg_xml_node *root)
{
	const eg_xml_node *sla = child(root, "sla"), *k, *q, *al;

	memset(s, 0, sizeof(*s));
	s->depth_warn = s->depth_alert = s->rate_warn = s->rate_alert = -1;
	s->warn_before = 3600;
	s->rate_window = 86400;
	s->rate_min_files = 5;
	s->alert_timeout = 30;
	k = child(root, "acknowledgements");
	for (k = k ? eg_xml_first(k) : NULL; k; k = eg_xml_next(k)) {
		if (strcmp(eg_xml_name(k), "expect") || s->nack >= EG_SLA_MAX_ACKS)
			continue;
		cpy(s->ack[s->nack].type, sizeof(s->ack[0].type), k, "type");
		s->ack[s->nack].within = secs(eg_xml_attr(k, "within"), 86400);
		s->ack[s->nack++].line = eg_xml_line(k);
	}
	if (!sla)
		return EG_OK;
	s->line = eg_xml_line(sla);
	s->warn_before = secs(eg_xml_attr(sla, "warn-before"), 3600);
	if (dup_attr(&s->tz, sla, "tz"))
		return EG_ENOMEM;
	for (k = eg_xml_first(sla); k; k = eg_xml_next(k))
		if (!strcmp(eg_xml_name(k), "arrival") &&
		    s->narr < EG_SLA_MAX_ARRIVALS &&
		    read_arrival(&s->arr[s->narr++], k, s->tz))
			return EG_ENOMEM;
	if ((q = child(sla, "quarantine"))) {
		s->qline = eg_xml_line(q);
		s->depth_warn = num(q, "depth-warn", -1);
		s->depth_alert = num(q, "depth-alert", -1);
		s->rate_warn = num(q, "rate-warn", -1);
		s->rate_alert = num(q, "rate-alert", -1);
		s->rate_window = secs(eg_xml_attr(q, "rate-window"), 86400);
		s->rate_min_files = num(q, "rate-min-files", 5);
	}
	if ((al = child(sla, "alert"))) {
		s->aline = eg_xml_line(al);
		s->alert_timeout = secs(eg_xml_attr(al, "timeout"), 30);
		if (dup_attr(&s->alert_command, al, "command"))
			return EG_ENOMEM;
	}
	return EG_OK;
}

void
eg_sla_free(eg_sla *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->narr; i++) {
		free(s->arr[i].name);
		free(s->arr[i].days);
	}
	free(s->tz);
	free(s->alert_command);
	memset(s, 0, sizeof(*s));
}

int
eg_sla_any(const eg_sla *s)
{
	return s->narr || s->nack || s->depth_warn >= 0 ||
	       s->depth_alert >= 0 || s->rate_warn >= 0 || s->rate_alert >= 0;
}

static void
sayf(void (*say)(void *, const char *), void *ud, unsigned *n,
     const char *fmt, ...) EG_PRINTF(4, 5);

static void
sayf(void (*say)(void *, const char *), void *ud, unsigned *n,
     const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(ud, msg);
	(*n)++;
}


static unsigned
check_arrival(const eg_sla_arrival *a, void (*say)(void *, const char *),
	      void *ud)
{
	unsigned n = 0;

	if (!a->by[0] == !a->after_sent[0])
		sayf(say, ud, &n, "line %ld: <arrival> needs exactly one of "
		     "by= (a time of day) and after-sent= (an answer to what "
		     "we send)", a->line);
	if (a->after_sent[0]) {
		if (!a->set[0])
			sayf(say, ud, &n, "line %ld: <arrival after-sent=\"%s\"> "
			     "needs set= (the answer expected, e.g. 945)",
			     a->line, a->after_sent);
		if (a->within <= 0)
			sayf(say, ud, &n, "line %ld: <arrival after-sent=> needs "
			     "within= (e.g. 4h)", a->line);
		if (a->from[0] || a->days || a->name)
			sayf(say, ud, &n, "line %ld: <arrival after-sent=> takes "
			     "set= and within= only (from=, days=, name= are for "
			     "by=)", a->line);
		return n;
	}
	if (a->within > 0)
		sayf(say, ud, &n, "line %ld: <arrival by=> takes no within= "
		     "(that is for after-sent=)", a->line);
	if (!a->by[0])
		return n;
	if (a->files < 1)
		sayf(say, ud, &n, "line %ld: <arrival files=> must be at "
		     "least 1", a->line);
	if (a->err[0])
		sayf(say, ud, &n, "line %ld: <arrival by=\"%s\"%s%s%s>: %s",
		     a->line, a->by, a->days ? " days=\"" : "",
		     a->days ? a->days : "", a->days ? "\"" : "", a->err);
	return n;
}

unsigned
eg_sla_check(const eg_sla *s, void (*say)(void *, const char *), void *ud)
{
	unsigned n = 0;
	size_t i;

	if (s->tz && s->tz[0]) {
		eg_schedule z;
		char why[EG_ERRMSG_MAX];

		if (daily(&z, "00:00", NULL, s->tz, why, sizeof(why)))
			sayf(say, ud, &n, "line %ld: <sla tz=\"%s\">: %s",
			     s->line, s->tz, why);
	}
	for (i = 0; i < s->narr; i++)
		n += check_arrival(&s->arr[i], say, ud);
	for (i = 0; i < s->nack; i++)
		if (s->ack[i].within <= 0)
			sayf(say, ud, &n, "line %ld: <expect within=> must be "
			     "more than 0", s->ack[i].line);
	if (s->line && s->warn_before < 0)
		sayf(say, ud, &n, "line %ld: <sla warn-before=> is not a "
		     "duration", s->line);
	if (s->depth_warn >= 0 && s->depth_alert >= 0 &&
	    s->depth_warn > s->depth_alert)
		sayf(say, ud, &n, "line %ld: <quarantine depth-warn=\"%lld\"> "
		     "is above depth-alert=\"%lld\": the warning must come "
		     "first", s->qline, s->depth_warn, s->depth_alert);
	if (s->rate_warn >= 0 && s->rate_alert >= 0 &&
	    s->rate_warn > s->rate_alert)
		sayf(say, ud, &n, "line %ld: <quarantine rate-warn=\"%lld%%\"> "
		     "is above rate-alert=\"%lld%%\": the warning must come "
		     "first", s->qline, s->rate_warn, s->rate_alert);
	if ((s->rate_warn > 100) || (s->rate_alert > 100))
		sayf(say, ud, &n, "line %ld: <quarantine> rates are percent "
		     "(0 to 100)", s->qline);
	if (s->qline && s->rate_window <= 0)
		sayf(say, ud, &n, "line %ld: <quarantine rate-window=> must "
		     "be more than 0", s->qline);
	if (s->aline && (!s->alert_command || !s->alert_command[0]))
		sayf(say, ud, &n, "line %ld: <alert> needs command=",
		     s->aline);
	else if (s->aline && s->alert_command[0] == '/') {
		/* a program named by its path: it must be there to run */
		char prog[512];
		size_t k = strcspn(s->alert_command, " \t");

		snprintf(prog, sizeof(prog), "%.*s", (int)k, s->alert_command);
		if (access(prog, X_OK) != 0)
			sayf(say, ud, &n, "line %ld: <alert command=>: %s is "
			     "not a program this user can run (%s)", s->aline,
			     prog, strerror(errno));
	}
	if (s->aline && (s->alert_timeout < 1 || s->alert_timeout > 600))
		sayf(say, ud, &n, "line %ld: <alert timeout=> must be from "
		     "1s to 10m", s->aline);
	if (s->aline && !eg_sla_any(s))
		sayf(say, ud, &n, "line %ld: <alert> with nothing to watch: "
		     "add an <arrival>, a <quarantine> threshold or an "
		     "<acknowledgements><expect>", s->aline);
	return n;
}

int
eg_sla_period_at(const eg_sla_arrival *a, time_t now, int last,
		 eg_sla_period *out)
{
	time_t t, d = (time_t)-1, st = (time_t)-1;
	char buf[64];

	memset(out, 0, sizeof(*out));
	if (last) {
		for (t = eg_schedule_next(&a->due, now - 8 * 86400);
		     t != (time_t)-1 && t <= now; t = eg_schedule_next(&a->due, t))
			d = t;
	} else {
		d = eg_schedule_next(&a->due, now);
	}
	if (d == (time_t)-1)
		return -1;
	for (t = eg_schedule_next(&a->start, d - 2 * 86400 - 1);
	     t != (time_t)-1 && t < d; t = eg_schedule_next(&a->start, t))
		st = t;
	if (st == (time_t)-1)
		return -1;
	out->start = st;
	out->deadline = d;
	eg_schedule_local(&a->due, d, buf, sizeof(buf));
	snprintf(out->day, sizeof(out->day), "%.10s", buf);
	return 0;
}

void
eg_sla_describe(const eg_sla *s, const eg_sla_arrival *a, char *dst,
		size_t cap)
{
	char what[160];

	if (a->set[0] && a->name)
		snprintf(what, sizeof(what), "set %s in a file named %s",
			 a->set, a->name);
	else if (a->set[0])
		snprintf(what, sizeof(what), "set %s", a->set);
	else if (a->name)
		snprintf(what, sizeof(what), "a file named %s", a->name);
	else
		snprintf(what, sizeof(what), "a file");
	if (a->after_sent[0])
		snprintf(dst, cap, "%s within %lldh%02lldm of each %s we send",
			 what, a->within / 3600, a->within % 3600 / 60,
			 a->after_sent);
	else if (a->files > 1)
		snprintf(dst, cap, "at least %u files (%s) by %s (%s, %s%s%s)",
			 a->files, what, a->by, a->days ? a->days : "every day",
			 s->tz && s->tz[0] ? s->tz : "local time",
			 a->from[0] ? ", counted from " : "", a->from);
	else
		snprintf(dst, cap, "%s by %s (%s, %s%s%s)", what, a->by,
			 a->days ? a->days : "every day",
			 s->tz && s->tz[0] ? s->tz : "local time",
			 a->from[0] ? ", counted from " : "", a->from);
}
