/*
 * test_alerts.c - service levels (sla.c) and alerts (alerts.c) on a real
 * ledger with an injected clock and an injected hook: periods in a time
 * zone, a warning before the deadline, the alert after it, each raised
 * once, cleared when the file comes; quarantine thresholds; the
 * command hook's exit, time limit and environment.  (Root-cause
 * categories: test_ledger_query.c, eg_quarantine_category.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edigate/alerts.h"
#include "edigate/ledger.h"
#include "edigate/profile.h"
#include "edigate/sla.h"

/* 2026-12-08 00:00:00 UTC (a Tuesday) */
#define D8 1796688000LL

static const char profile_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<partner id=\"itemhub\" name=\"Item Hub\">\n"
    " <identity><partner-isa qualifier=\"ZZ\" id=\"ITEMHUB\"/>"
    "<our-isa qualifier=\"ZZ\" id=\"ACME\"/>"
    "<gs partner=\"ITEMHUB\" ours=\"ACME\"/></identity>\n"
    " <transport type=\"local\"><inbox path=\"in\"/><outbox path=\"out\"/></transport>\n"
    " <documents><document direction=\"in\" set=\"850\" "
    "versions=\"004010\"/></documents>\n"
    " <sla tz=\"Europe/Paris\" warn-before=\"30m\">\n"
    "  <arrival name=\"items*.csv\" by=\"02:00\" from=\"20:00\"/>\n"
    "  <arrival by=\"23:59\" days=\"mon-fri\" files=\"2\"/>\n"
    "  <quarantine depth-warn=\"1\" depth-alert=\"2\" rate-warn=\"50\" "
    "rate-alert=\"80%\" rate-window=\"12h\" rate-min-files=\"4\"/>\n"
    "  <alert command=\"not run: the test injects its hook\"/>\n"
    " </sla>\n"
    "</partner>\n";

typedef struct fx {
	char dir[64];
	eg_ledger *l;
	eg_profile *p;
	char events[16][32]; /* "rule event" per hook call */
	size_t nev;
	int last_had_secret;
} fx;

static void
sql(eg_ledger *l, const char *q, const char *types, const char *a,
    int64_t b)
{
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_ledger_exec(l, &e, q, types, a, b), EG_OK);
}

static void
add_file(eg_ledger *l, const char *id, const char *name, int64_t at,
	 const char *state)
{
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_ledger_exec(l, &e,
					"INSERT INTO files(id,partner,source,"
					"name,size,sha256,origin_id,state,"
					"received_at) VALUES(?1,'itemhub',"
					"'local',?2,1,'x',?1,?3,?4)",
					"ttti", id, name, state, at),
			 EG_OK);
}

static int
hook(void *ud, const eg_profile *p, const char *json, char *why, size_t cap)
{
	fx *f = ud;
	const char *r = strstr(json, "\"rule\":\""), *ev = strstr(json,
								  "\"event\":\"");

	(void)p;
	(void)why;
	(void)cap;
	assert_non_null(r);
	assert_non_null(ev);
	assert_true(f->nev < 16);
	snprintf(f->events[f->nev++], 32, "%.*s %.*s",
		 (int)strcspn(r + 8, "\""), r + 8, (int)strcspn(ev + 9, "\""),
		 ev + 9);
	return 0;
}

static unsigned
check_at(fx *f, int64_t now)
{
	eg_alerts_opts o;
	unsigned n = 0;
	eg_error e;

	memset(&o, 0, sizeof(o));
	o.now = (time_t)now;
	o.hook = hook;
	o.hook_ud = f;
	eg_error_clear(&e);
	assert_int_equal(eg_alerts_check(f->l, f->p, &o, &n, &e), EG_OK);
	return n;
}

static void
say(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "sla: %s\n", msg);
}

static int
setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	char path[128];
	eg_error e;
	FILE *fp;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/eg-alerts-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/itemhub.xml", f->dir);
	if (!(fp = fopen(path, "w")))
		return -1;
	fputs(profile_xml, fp);
	fclose(fp);
	eg_error_clear(&e);
	if (eg_profile_load(&f->p, path, "../..", &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (eg_ledger_open(&f->l, f->dir, &e))
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fx *f = *state;
	char cmd[128];

	eg_ledger_close(f->l);
	eg_profile_free(f->p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (strncmp(f->dir, "/tmp/eg-alerts-", 15) == 0 && fork() == 0)
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	free(f);
	return 0;
}

/* The periods, read in Paris (UTC+1 in December). */
static void
test_periods(void **state)
{
	fx *f = *state;
	const eg_sla *s = &f->p->sla;
	eg_sla_period pd;

	assert_int_equal(eg_sla_check(s, say, NULL), 0);
	assert_int_equal(s->narr, 2);
	assert_int_equal(s->warn_before, 1800);
	/* at 00:45 UTC the next deadline is 02:00 Paris = 01:00 UTC, its
	 * period from 20:00 Paris the evening before (19:00 UTC) */
	assert_int_equal(eg_sla_period_at(&s->arr[0], D8 + 2700, 0, &pd), 0);
	assert_int_equal(pd.deadline, D8 + 3600);
	assert_int_equal(pd.start, D8 - 5 * 3600);
	assert_string_equal(pd.day, "2026-12-08");
	/* the last one at that time: the day before */
	assert_int_equal(eg_sla_period_at(&s->arr[0], D8 + 2700, 1, &pd), 0);
	assert_int_equal(pd.deadline, D8 + 3600 - 86400);
	assert_string_equal(pd.day, "2026-12-07");
	/* business days: on Saturday 12-12 noon the last deadline is
	 * Friday 23:59 Paris (22:59 UTC), counted from Friday 00:00 Paris;
	 * the next is Monday's */
	assert_int_equal(eg_sla_period_at(&s->arr[1], D8 + 4 * 86400 + 43200,
					  1, &pd),
			 0);
	assert_string_equal(pd.day, "2026-12-11");
	assert_int_equal(pd.deadline, D8 + 3 * 86400 + 22 * 3600 + 59 * 60);
	assert_int_equal(pd.start, D8 + 3 * 86400 - 3600);
	assert_int_equal(eg_sla_period_at(&s->arr[1], D8 + 4 * 86400 + 43200,
					  0, &pd),
			 0);
	assert_string_equal(pd.day, "2026-12-14");
}

/* Warning before, alert after, each once, cleared when the file comes. */
static void
test_arrival_alerts(void **state)
{
	fx *f = *state;

	/* the gateway first ran on the 7th at 23:00 UTC (after that day's
	 * business-day deadline, 22:59 UTC: not judged) */
	sql(f->l, "INSERT INTO runs(partner,started,status) VALUES(?1,?2,"
		  "'ok')",
	    "ti", "itemhub", D8 - 3600);
	/* 00:20 UTC: the deadline (01:00) is 40 min away: nothing */
	assert_int_equal(check_at(f, D8 + 1200), 0);
	/* a file with another name does not count */
	add_file(f->l, "20261208-000001", "prices.csv", D8 + 1300, "accepted");
	/* 00:35: 25 min before: the warning, once */
	assert_int_equal(check_at(f, D8 + 2100), 1);
	assert_int_equal(check_at(f, D8 + 2400), 0);
	/* 01:05: the alert (escalated), once */
	assert_int_equal(check_at(f, D8 + 3900), 1);
	assert_int_equal(check_at(f, D8 + 4200), 0);
	/* the item master comes at 01:20: cleared, once */
	add_file(f->l, "20261208-000002", "items-1208.csv", D8 + 4800,
		 "accepted");
	assert_int_equal(check_at(f, D8 + 5000), 1);
	assert_int_equal(check_at(f, D8 + 5100), 0);
	assert_int_equal(f->nev, 3);
	assert_string_equal(f->events[0], "arrival:1 warning");
	assert_string_equal(f->events[1], "arrival:1 alert");
	assert_string_equal(f->events[2], "arrival:1 cleared");
	/* the next night's file comes at 23:00 UTC, in its period (from
	 * 20:00 Paris): at 00:50 on the 9th, no warning */
	add_file(f->l, "20261208-000003", "items-1209.csv", D8 + 23 * 3600,
		 "accepted");
	assert_int_equal(check_at(f, D8 + 86400 + 3000), 0);
}

static void
test_quarantine_depth(void **state)
{
	fx *f = *state;

	/* one rejected file: a warning; two: the alert; both discarded:
	 * cleared; one again: a new warning (a new episode) */
	add_file(f->l, "20261208-000010", "a.x12", D8 + 100, "rejected");
	assert_int_equal(check_at(f, D8 + 200), 1);
	add_file(f->l, "20261208-000011", "b.x12", D8 + 300, "partial");
	assert_int_equal(check_at(f, D8 + 400), 1);
	assert_int_equal(check_at(f, D8 + 500), 0);
	sql(f->l, "UPDATE files SET state='discarded' WHERE partner=?1 AND "
		  "received_at<?2",
	    "ti", "itemhub", D8 + 1000);
	assert_int_equal(check_at(f, D8 + 600), 1);
	add_file(f->l, "20261208-000012", "c.x12", D8 + 700, "rejected");
	assert_int_equal(check_at(f, D8 + 800), 1);
	assert_int_equal(f->nev, 4);
	assert_string_equal(f->events[0], "quarantine-depth warning");
	assert_string_equal(f->events[1], "quarantine-depth alert");
	assert_string_equal(f->events[2], "quarantine-depth cleared");
	assert_string_equal(f->events[3], "quarantine-depth warning");
}

/* The share of the window's files that went to quarantine, judged from
 * rate-min-files files; cleared when the window moves past them. */
static void
test_quarantine_rate(void **state)
{
	fx *f = *state;
	char id[32];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "20261208-1%05d", i);
		add_file(f->l, id, "ok.x12", D8 + 100 + i, "accepted");
	}
	/* released since, but it went to quarantine: it counts */
	add_file(f->l, "20261208-200000", "bad.x12", D8 + 200, "released");
	sql(f->l, "INSERT INTO file_events(file_id,at,state) VALUES(?1,?2,"
		  "'rejected')",
	    "ti", "20261208-200000", D8 + 200);
	assert_int_equal(check_at(f, D8 + 1000), 0); /* 1 of 5: 20% */
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "20261208-3%05d", i);
		add_file(f->l, id, "bad.x12", D8 + 300 + i, "discarded");
		sql(f->l, "INSERT INTO file_events(file_id,at,state) VALUES("
			  "?1,?2,'partial')",
		    "ti", id, D8 + 300);
	}
	assert_int_equal(check_at(f, D8 + 1000), 1); /* 4 of 8: 50% */
	for (i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "20261208-4%05d", i);
		add_file(f->l, id, "bad.x12", D8 + 400 + i, "discarded");
		sql(f->l, "INSERT INTO file_events(file_id,at,state) VALUES("
			  "?1,?2,'rejected')",
		    "ti", id, D8 + 400);
	}
	assert_int_equal(check_at(f, D8 + 1000), 1); /* 16 of 20: 80% */
	/* 12 h later the window holds none of them */
	assert_int_equal(check_at(f, D8 + 13 * 3600), 1);
	assert_int_equal(f->nev, 3);
	assert_string_equal(f->events[0], "quarantine-rate warning");
	assert_string_equal(f->events[1], "quarantine-rate alert");
	assert_string_equal(f->events[2], "quarantine-rate cleared");
}

/* The command hook: JSON in, exit status, time limit, environment. */
static void
test_command(void **state)
{
	fx *f = *state;
	const char *strip[] = {"EG_TEST_SECRET", NULL};
	char why[300], cmd[256], path[128], got[64] = "";
	time_t t0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/hook.out", f->dir);
	snprintf(cmd, sizeof(cmd), "cat > %s", path);
	assert_int_equal(eg_alerts_run_command(cmd, 5, "{\"a\":1}", NULL, why,
					       sizeof(why)),
			 0);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	assert_string_equal(got, "{\"a\":1}");
	assert_int_equal(eg_alerts_run_command("echo no way; exit 3", 5, "{}",
					       NULL, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "exit 3: no way");
	t0 = time(NULL);
	assert_int_equal(eg_alerts_run_command("sleep 20", 1, "{}", NULL, why,
					       sizeof(why)),
			 -1);
	assert_true(time(NULL) - t0 < 5);
	assert_non_null(strstr(why, "killed after 1s"));
	/* a hook that does not read its input is no failure of ours */
	assert_int_equal(eg_alerts_run_command("true", 5, "{}", NULL, why,
					       sizeof(why)),
			 0);
	setenv("EG_TEST_SECRET", "hunter2", 1);
	assert_int_equal(eg_alerts_run_command("test -z \"$EG_TEST_SECRET\"",
					       5, "{}", strip, why,
					       sizeof(why)),
			 0);
	assert_int_equal(eg_alerts_run_command("test -z \"$EG_TEST_SECRET\"",
					       5, "{}", NULL, why,
					       sizeof(why)),
			 -1);
	unsetenv("EG_TEST_SECRET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_periods, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arrival_alerts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_quarantine_depth, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_quarantine_rate, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_command, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
