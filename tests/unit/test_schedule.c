/*
 * test_schedule.c - unit tests for schedules (schedule.h): intervals,
 * cron fields (lists, ranges, steps, names, the day-of-month / day-of-
 * week rule), time zones across daylight-saving changes, active windows,
 * and the words of what is refused.
 *
 * Times are written as UTC text and read with timegm, so that each
 * expectation can be checked against a calendar (the DST instants are
 * those of the tz database: Chicago springs forward on 2026-03-08 at
 * 08:00 UTC and falls back on 2026-11-01 at 07:00 UTC).
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "edigate/schedule.h"

static time_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(s, "%Y-%m-%d %H:%M:%S", &tm));
	return timegm(&tm);
}

static void
cron(eg_schedule *s, const char *expr, const char *tz)
{
	eg_schedule_spec sp;
	eg_error e;

	memset(&sp, 0, sizeof(sp));
	sp.cron = expr;
	sp.tz = tz;
	eg_error_clear(&e);
	if (eg_schedule_parse(s, &sp, &e) != EG_OK)
		fail_msg("%s: %s", expr, e.msg);
}

/* The next due time after `after`, as UTC text. */
static void
expect_next(const eg_schedule *s, const char *after, const char *due)
{
	time_t t = eg_schedule_next(s, utc(after));
	char got[32];
	struct tm tm;

	assert_true(t != (time_t)-1);
	gmtime_r(&t, &tm);
	strftime(got, sizeof(got), "%Y-%m-%d %H:%M:%S", &tm);
	if (strcmp(got, due))
		fail_msg("%s after %s: got %s, want %s", s->text, after, got,
			 due);
}

static void
test_interval(void **state)
{
	eg_schedule_spec sp;
	eg_schedule s;
	eg_error e;
	time_t now = utc("2026-12-07 10:00:00");

	(void)state;
	memset(&sp, 0, sizeof(sp));
	sp.every = 300;
	eg_error_clear(&e);
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	assert_true(eg_schedule_first(&s, now) == now);
	assert_true(eg_schedule_next(&s, now) == now + 300);
	assert_true(eg_schedule_next(&s, now + 7) == now + 307);
	assert_int_equal(eg_schedule_active(&s, now), 1);
}

static void
test_cron_fields(void **state)
{
	eg_schedule s;

	(void)state;
	cron(&s, "*/15 * * * *", "UTC");
	expect_next(&s, "2026-12-07 10:07:30", "2026-12-07 10:15:00");
	expect_next(&s, "2026-12-07 10:15:00", "2026-12-07 10:30:00");
	expect_next(&s, "2026-12-07 23:59:59", "2026-12-08 00:00:00");
	/* a weekday range: Friday evening waits for Monday */
	cron(&s, "0 6 * * 1-5", "UTC");
	expect_next(&s, "2026-12-04 07:00:00", "2026-12-07 06:00:00");
	expect_next(&s, "2026-12-07 05:59:59", "2026-12-07 06:00:00");
	/* lists and a range with a step */
	cron(&s, "30 8 1,15 * *", "UTC");
	expect_next(&s, "2026-12-01 08:30:00", "2026-12-15 08:30:00");
	cron(&s, "0 9-17/4 * * *", "UTC");
	expect_next(&s, "2026-12-07 09:00:00", "2026-12-07 13:00:00");
	expect_next(&s, "2026-12-07 13:00:00", "2026-12-07 17:00:00");
	expect_next(&s, "2026-12-07 17:00:00", "2026-12-08 09:00:00");
	/* "5/20": from 5 to the end of the field */
	cron(&s, "5/20 * * * *", "UTC");
	expect_next(&s, "2026-12-07 10:05:00", "2026-12-07 10:25:00");
	expect_next(&s, "2026-12-07 10:45:00", "2026-12-07 11:05:00");
	/* names, and 7 as Sunday */
	cron(&s, "0 0 1 JAN,jul *", "UTC");
	expect_next(&s, "2026-12-07 00:00:00", "2027-01-01 00:00:00");
	expect_next(&s, "2027-01-01 00:00:00", "2027-07-01 00:00:00");
	cron(&s, "0 12 * * 7", "UTC");
	expect_next(&s, "2026-12-07 00:00:00", "2026-12-13 12:00:00");
	cron(&s, "0 12 * * sun", "UTC");
	expect_next(&s, "2026-12-07 00:00:00", "2026-12-13 12:00:00");
	/* both day fields restricted: either matches (Friday the 4th) */
	cron(&s, "0 0 13 * fri", "UTC");
	expect_next(&s, "2026-12-01 00:00:00", "2026-12-04 00:00:00");
	expect_next(&s, "2026-12-11 00:00:00", "2026-12-13 00:00:00");
	/* a rare date: the next 29 February */
	cron(&s, "0 0 29 2 *", "UTC");
	expect_next(&s, "2026-03-01 00:00:00", "2028-02-29 00:00:00");
	cron(&s, "@daily", "UTC");
	expect_next(&s, "2026-12-07 10:00:00", "2026-12-08 00:00:00");
	cron(&s, "@hourly", "UTC");
	expect_next(&s, "2026-12-07 10:00:00", "2026-12-07 11:00:00");
	/* first: a cron time equal to now is due now */
	cron(&s, "0 * * * *", "UTC");
	assert_true(eg_schedule_first(&s, utc("2026-12-07 10:00:00")) ==
		    utc("2026-12-07 10:00:00"));
	/* a date that never comes */
	cron(&s, "0 0 31 2 *", "UTC");
	assert_true(eg_schedule_next(&s, utc("2026-12-07 10:00:00")) ==
		    (time_t)-1);
}

static void
test_zones_and_dst(void **state)
{
	eg_schedule s;
	char local[64];

	(void)state;
	/* the same local hour is another UTC hour once summer time starts */
	cron(&s, "0 9 * * *", "America/Chicago");
	expect_next(&s, "2026-03-07 12:00:00", "2026-03-07 15:00:00");
	expect_next(&s, "2026-03-07 15:00:00", "2026-03-08 14:00:00");
	/* spring forward: 02:30 does not exist on 8 March; it is due when
	 * the gap ends (03:00 CDT), once, and at 02:30 again the next day */
	cron(&s, "30 2 * * *", "America/Chicago");
	expect_next(&s, "2026-03-07 12:00:00", "2026-03-08 08:00:00");
	expect_next(&s, "2026-03-08 08:00:00", "2026-03-09 07:30:00");
	eg_schedule_local(&s, utc("2026-03-08 08:00:00"), local,
			  sizeof(local));
	assert_string_equal(local, "2026-03-08 03:00:00 CDT");
	/* every quarter hour through the gap: 01:45 CST, then 03:00 CDT */
	cron(&s, "*/15 * * * *", "America/Chicago");
	expect_next(&s, "2026-03-08 07:45:00", "2026-03-08 08:00:00");
	expect_next(&s, "2026-03-08 08:00:00", "2026-03-08 08:15:00");
	/* fall back: 01:30 happens twice on 1 November; due once, the
	 * first time (CDT), and the next day at 01:30 CST */
	cron(&s, "30 1 * * *", "America/Chicago");
	expect_next(&s, "2026-10-31 12:00:00", "2026-11-01 06:30:00");
	expect_next(&s, "2026-11-01 06:30:00", "2026-11-02 07:30:00");
	/* the repeated hour is not served twice: after 01:30 CDT the next
	 * half hour is 02:00 CST */
	cron(&s, "*/30 * * * *", "America/Chicago");
	expect_next(&s, "2026-11-01 06:30:00", "2026-11-01 08:00:00");
	/* Europe: the same rules on its own dates (29 March, 01:00 UTC) */
	cron(&s, "30 2 * * *", "Europe/Paris");
	expect_next(&s, "2026-03-28 12:00:00", "2026-03-29 01:00:00");
	/* an interval ignores the zone */
	{
		eg_schedule_spec sp;
		eg_error e;

		memset(&sp, 0, sizeof(sp));
		sp.every = 3600;
		sp.tz = "America/Chicago";
		assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
		assert_true(eg_schedule_next(&s, utc("2026-11-01 06:30:00")) ==
			    utc("2026-11-01 07:30:00"));
	}
}

static void
test_windows(void **state)
{
	eg_schedule_spec sp;
	eg_schedule s;
	eg_error e;

	(void)state;
	memset(&sp, 0, sizeof(sp));
	sp.every = 900;
	sp.tz = "UTC";
	sp.win[0].days = "mon-fri";
	sp.win[0].from = "06:00";
	sp.win[0].to = "20:00";
	sp.nwin = 1;
	eg_error_clear(&e);
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	/* Friday 19:50 + 15 min is outside: Monday 06:00 */
	s.text[0] = '\0';
	expect_next(&s, "2026-12-04 19:50:00", "2026-12-07 06:00:00");
	expect_next(&s, "2026-12-07 06:00:00", "2026-12-07 06:15:00");
	/* a scheduler started on Saturday waits for Monday */
	assert_true(eg_schedule_first(&s, utc("2026-12-05 10:00:00")) ==
		    utc("2026-12-07 06:00:00"));
	assert_int_equal(eg_schedule_active(&s, utc("2026-12-07 19:59:59")),
			 1);
	assert_int_equal(eg_schedule_active(&s, utc("2026-12-07 20:00:00")),
			 0);
	/* an overnight window belongs to the day it starts */
	sp.win[0].days = "mon";
	sp.win[0].from = "22:00";
	sp.win[0].to = "06:00";
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	assert_int_equal(eg_schedule_active(&s, utc("2026-12-08 03:00:00")),
			 1); /* Tuesday early: Monday's night */
	assert_int_equal(eg_schedule_active(&s, utc("2026-12-08 22:30:00")),
			 0);
	assert_int_equal(eg_schedule_active(&s, utc("2026-12-07 23:00:00")),
			 1);
	/* cron inside two windows: hourly between 09 and 12, 14 and 24 */
	memset(&sp, 0, sizeof(sp));
	sp.cron = "0 * * * *";
	sp.tz = "UTC";
	sp.win[0].from = "09:00";
	sp.win[0].to = "12:00";
	sp.win[1].from = "14:00";
	sp.win[1].to = "24:00";
	sp.nwin = 2;
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	expect_next(&s, "2026-12-07 11:00:00", "2026-12-07 14:00:00");
	expect_next(&s, "2026-12-07 23:00:00", "2026-12-08 09:00:00");
	/* windows are read in the schedule's zone: 09:00 Chicago */
	sp.tz = "America/Chicago";
	sp.nwin = 1;
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	expect_next(&s, "2026-12-07 12:00:00", "2026-12-07 15:00:00");
}

static void
test_after_run(void **state)
{
	eg_schedule_spec sp;
	eg_schedule s;
	eg_error e;
	time_t t0 = utc("2026-12-07 10:00:00");

	(void)state;
	memset(&sp, 0, sizeof(sp));
	sp.every = 300;
	assert_int_equal(eg_schedule_parse(&s, &sp, &e), EG_OK);
	/* a good run: the next slot after its start, no drift */
	assert_true(eg_schedule_after_run(&s, t0, t0 + 20, 0, 3600) ==
		    t0 + 300);
	/* a run that overran its slot: the slot after its end */
	assert_true(eg_schedule_after_run(&s, t0, t0 + 400, 0, 3600) ==
		    t0 + 700);
	/* failures back off from the end: 60 s, 120 s, 240 s, 480 s... (the
	 * 5 minute interval covers the first ones), capped at the maximum */
	assert_true(eg_schedule_after_run(&s, t0, t0 + 10, 1, 3600) ==
		    t0 + 300);
	assert_true(eg_schedule_after_run(&s, t0, t0 + 10, 4, 3600) ==
		    t0 + 10 + 480);
	assert_true(eg_schedule_after_run(&s, t0, t0 + 10, 30, 3600) ==
		    t0 + 10 + 3600);
	/* cron: the first cron time at least the back-off after the end */
	cron(&s, "*/15 * * * *", "UTC");
	assert_true(eg_schedule_after_run(&s, t0, t0 + 5, 0, 3600) ==
		    t0 + 900);
	assert_true(eg_schedule_after_run(&s, t0, t0 + 5, 7, 3600) ==
		    utc("2026-12-07 11:15:00"));
}

static void
refused(const eg_schedule_spec *sp, const char *words)
{
	eg_schedule s;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_schedule_parse(&s, sp, &e), EG_EINVAL);
	if (!strstr(e.msg, words))
		fail_msg("'%s' does not say '%s'", e.msg, words);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *cron, *words;
	} bad[] = {
	    {"61 * * * *", "field 1 (minute): '61' is not a minute (0-59)"},
	    {"* 24 * * *", "field 2 (hour)"},
	    {"* * 0 * *", "field 3 (day of month)"},
	    {"* * * 13 *", "field 4 (month)"},
	    {"* * * * 8", "field 5 (day of week)"},
	    {"* * *", "has 3 field(s): it needs 5"},
	    {"* * * * * *", "more than 5 fields"},
	    {"5-1 * * * *", "'5-1' runs backwards"},
	    {"*/0 * * * *", "is not a minute"},
	    {"1,,2 * * * *", "is not a minute"},
	    {"1, * * * *", "is not a minute"},
	    {"* * * foo *", "is not a month"},
	    {"@often", "unknown shorthand"},
	};
	eg_schedule_spec sp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&sp, 0, sizeof(sp));
		sp.cron = bad[i].cron;
		refused(&sp, bad[i].words);
	}
	memset(&sp, 0, sizeof(sp));
	refused(&sp, "not neither");
	sp.cron = "* * * * *";
	sp.every = 60;
	refused(&sp, "not both");
	sp.cron = NULL;
	sp.every = 5;
	refused(&sp, "too short");
	sp.every = 60;
	sp.tz = "Mars/Olympus_Mons";
	refused(&sp, "is not a time zone this machine knows");
	sp.tz = "../../etc/passwd";
	refused(&sp, "is not a time zone name");
	sp.tz = NULL;
	sp.nwin = 1;
	sp.win[0].from = "08:00";
	sp.win[0].to = "08:00";
	refused(&sp, "two different times");
	sp.win[0].to = "25:00";
	refused(&sp, "two different times");
	sp.win[0].from = "24:00";
	sp.win[0].to = "08:00";
	refused(&sp, "two different times");
	sp.win[0].from = "08:00";
	sp.win[0].to = "17:00";
	sp.win[0].days = "mon-funday";
	refused(&sp, "days='mon-funday'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_cron_fields),
	    cmocka_unit_test(test_zones_and_dst),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_after_run),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
