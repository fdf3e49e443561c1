/*
 * schedule.h - when a partner is served: an interval or a cron
 * expression, in a time zone, inside optional active windows.
 *
 * A profile's <transport><schedule> is read into an eg_schedule_spec
 * (text, as written) and parsed by eg_schedule_parse into an
 * eg_schedule, a plain value (no allocation, nothing to free).  The due
 * times are computed by eg_schedule_first and eg_schedule_next from a
 * clock the caller passes in, so tests drive them with any time.
 *
 * Cron (5 fields: minute hour day-of-month month day-of-week; lists
 * "1,5", ranges "1-5", steps "* /15" (no space) and "8-18/2", names
 * jan..dec and sun..sat, 7 = Sunday, and @hourly @daily @midnight
 * @weekly @monthly @yearly @annually).  When both day-of-month and
 * day-of-week are restricted, a day matches either (as in cron).
 *
 * Time zones: a cron expression and the windows are read in the
 * schedule's zone (an IANA name such as America/Chicago, from the
 * system's zoneinfo; "" is the machine's local zone, "UTC" is UTC).  On
 * a daylight-saving change a wall-clock time that does not exist that
 * day (spring forward) is due at the first instant after the gap, and a
 * wall-clock time that happens twice (fall back) is due once, the first
 * time.  An interval (every=) counts real seconds and ignores the zone
 * except for its windows.
 *
 * The zone is applied by setting TZ for the length of one call and
 * restoring it: the functions are not safe to call from two threads at
 * once (edigate is single-threaded).
 */
#ifndef EDIGATE_SCHEDULE_H
#define EDIGATE_SCHEDULE_H

#include <stdint.h>
#include <time.h>

#include "edigate/err.h"

#define EG_SCHEDULE_MAX_WINDOWS 8
#define EG_SCHEDULE_MIN_EVERY 10 /* seconds: a shorter interval is refused */

/* A schedule as written in the profile (borrowed strings, may be NULL). */
typedef struct eg_schedule_spec {
	long long every;  /* seconds, 0 when not an interval */
	const char *cron; /* cron expression, or NULL */
	const char *tz;   /* zone name, NULL or "" for the local zone */
	struct {
		const char *days; /* "mon-fri", "sat,sun"; NULL: every day */
		const char *from; /* "06:00" */
		const char *to;   /* "20:00", "24:00"; before from: overnight */
	} win[EG_SCHEDULE_MAX_WINDOWS];
	unsigned nwin;
} eg_schedule_spec;

/* A parsed schedule (a value: copy it freely). */
typedef struct eg_schedule {
	long long every;    /* seconds, or 0 for cron */
	uint64_t minutes;   /* cron bit sets */
	uint32_t hours, mdays; /* mdays: bit 1..31 */
	uint16_t months;    /* bit 1..12 */
	uint8_t wdays;      /* bit 0..6, 0 = Sunday */
	uint8_t mday_star, wday_star;
	char tz[64];        /* "" local, else the zone name */
	char text[96];      /* the cron expression as written, "" for every */
	struct {
		uint8_t days;   /* bit 0..6 */
		uint16_t from, to; /* minutes of the day; to may be 1440 */
	} win[EG_SCHEDULE_MAX_WINDOWS];
	unsigned nwin;
} eg_schedule;

/*
 * Parse and check a schedule: exactly one of every (>= 10 s) and cron,
 * a zone the system knows, well-formed windows.  EG_EINVAL with words
 * for the operator ("cron field 2 (hour) '25': ...") otherwise.
 */
eg_err eg_schedule_parse(eg_schedule *s, const eg_schedule_spec *spec,
			 eg_error *e) EG_MUST_USE;

/*
 * When a schedule is first due for a scheduler starting at now: an
 * interval at once (or when its next window opens), a cron expression
 * at its first time >= now.  (time_t)-1 when never (a cron date that
 * does not happen within nine years, windows that never open).
 */
time_t eg_schedule_first(const eg_schedule *s, time_t now);

/* The first due time strictly after `after`, inside a window;
 * (time_t)-1 when none.  An interval is due every seconds after
 * `after` (the last run's start). */
time_t eg_schedule_next(const eg_schedule *s, time_t after);

/*
 * When a partner is due again after a run that started at `started` and
 * ended at `ended` (a run never overlaps the next one): its next time
 * after the start, or after the end when the run overran it; after
 * `fails` failed runs in a row (0: the run went well), its first time
 * at least min(60 s * 2^(fails-1), max_backoff) after the end.
 */
time_t eg_schedule_after_run(const eg_schedule *s, time_t started,
			     time_t ended, unsigned fails,
			     long long max_backoff);

/* 1 when t is inside an active window (always, without windows). */
int eg_schedule_active(const eg_schedule *s, time_t t);

/* "every 5m", "cron '0 6 * * 1-5' America/Chicago, 2 window(s)" */
void eg_schedule_describe(const eg_schedule *s, char *dst, size_t cap);

/* The wall-clock time t in the schedule's zone, "2026-03-08 03:00 CDT"
 * (logs and tests). */
void eg_schedule_local(const eg_schedule *s, time_t t, char *dst,
		       size_t cap);

#endif
