/*
 * test_envelope.c - unit tests for the X12 envelope checks (envelope.h).
 *
 * Each test builds an interchange in memory, reads it with the real
 * reader, feeds every segment to the checker and records the findings and
 * unit outcomes it reports through eg_envelope_events.  One test per
 * envelope error: the finding must carry the standard acknowledgement code
 * of its level (TA105, AK905, AK502, plus the 999 code where it differs)
 * and the unit it belongs to must close as rejected.  The fixtures in
 * tests/fixtures/x12 are checked the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/source.h"
#include "edigate/x12.h"
#include "x12_testlib.h"

#define FIXDIR "../fixtures/x12/"
#define MAXF 32
#define MAXU 64

/* A finding, copied: the callback's pointers live only for the call. */
typedef struct fnd {
	eg_level level;
	eg_find_sev severity;
	char code[8];
	char code999[8];
	int has_code, has_code999;
	char rule[64];
	char msg[320];
	eg_pos pos;
	eg_x12_ctl ctl;
} fnd;

typedef struct rec {
	fnd f[MAXF];
	size_t nf, nerr;
	size_t bad_rules;   /* findings whose rule is not a short id */
	char bad_rule[96];  /* the first of them */
	eg_unit_result u[MAXU];
	size_t nu;
	int aborted;
	eg_error reader_err;
	eg_envelope_totals totals;
} rec;

static void
copy_str(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* A short stable id: lower-case letters, digits, '-', '_' and '.'. */
static int
rule_is_id(const char *rule)
{
	size_t i, n = strlen(rule);

	if (n == 0 || n > 48)
		return 0;
	for (i = 0; i < n; i++) {
		char c = rule[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static void
on_finding(void *ud, const eg_finding *f)
{
	rec *r = ud;
	fnd *d;

	assert_true(r->nf < MAXF);
	d = &r->f[r->nf++];
	d->level = f->level;
	d->severity = f->severity;
	d->has_code = f->code != NULL;
	d->has_code999 = f->code999 != NULL;
	copy_str(d->code, sizeof(d->code), f->code);
	copy_str(d->code999, sizeof(d->code999), f->code999);
	copy_str(d->rule, sizeof(d->rule), f->rule);
	copy_str(d->msg, sizeof(d->msg), f->msg);
	d->pos = f->pos;
	d->ctl = f->ctl;
	/* Every finding explains itself. */
	assert_true(f->msg[0] != '\0');
	assert_non_null(f->rule);
	assert_true(f->rule[0] != '\0');
	/* The rule is "a short stable id, e.g. iea02-mismatch": checked
	 * apart (test_rules_are_ids) so it does not hide other results. */
	if (!rule_is_id(f->rule) && r->bad_rules++ == 0)
		copy_str(r->bad_rule, sizeof(r->bad_rule), f->rule);
	if (f->severity == EG_FIND_ERROR)
		r->nerr++;
}

static void
on_unit_end(void *ud, const eg_unit_result *u)
{
	rec *r = ud;

	assert_true(r->nu < MAXU);
	assert_true(u->level == EG_LVL_INTERCHANGE ||
		    u->level == EG_LVL_GROUP ||
		    u->level == EG_LVL_TRANSACTION);
	r->u[r->nu++] = *u;
}

/* Read in and check every segment; a reader failure aborts the checker. */
static void
run_env_src(rec *r, eg_source *src)
{
	eg_envelope_events ev = {on_finding, on_unit_end, r};
	eg_x12_reader *rd = NULL;
	eg_envelope *env = NULL;
	const eg_x12_segment *s;
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	assert_int_equal(eg_x12_reader_new(&rd, src, NULL, &e), EG_OK);
	assert_int_equal(eg_envelope_new(&env, &ev, &e), EG_OK);
	for (;;) {
		s = NULL;
		rc = eg_x12_reader_next(rd, &s, &e);
		if (rc != EG_OK) {
			r->aborted = 1;
			r->reader_err = e;
			eg_envelope_abort(env, &e);
			break;
		}
		if (!s) {
			rc = eg_envelope_finish(env, &e);
			if (rc != EG_OK)
				fail_msg("eg_envelope_finish: %s", e.msg);
			break;
		}
		rc = eg_envelope_segment(env, s, &e);
		if (rc != EG_OK)
			fail_msg("eg_envelope_segment (%s at %llu): %s", s->id,
				 (unsigned long long)s->offset, e.msg);
	}
	eg_envelope_totals_get(env, &r->totals);
	eg_envelope_free(env);
	eg_x12_reader_free(rd);
}

static void
run_env(rec *r, const char *in, size_t n)
{
	eg_source *src = NULL;
	eg_error e;

	memset(r, 0, sizeof(*r));
	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, in, n, "test", &e), EG_OK);
	run_env_src(r, src);
	eg_source_free(src);
}

static void
run_env_file(rec *r, const char *name)
{
	char path[256];
	eg_source *src = NULL;
	eg_error e;

	memset(r, 0, sizeof(*r));
	eg_error_clear(&e);
	snprintf(path, sizeof(path), FIXDIR "%s", name);
	if (eg_source_open_file(&src, path, &e) != EG_OK)
		fail_msg("%s", e.msg);
	run_env_src(r, src);
	eg_source_free(src);
}

static void
dump_rec(const rec *r)
{
	size_t i;

	for (i = 0; i < r->nf; i++)
		print_error("  finding %zu: level %d sev %d code %s code999 %s "
			    "rule %s: %s\n",
			    i, (int)r->f[i].level, (int)r->f[i].severity,
			    r->f[i].has_code ? r->f[i].code : "(null)",
			    r->f[i].has_code999 ? r->f[i].code999 : "(null)",
			    r->f[i].rule, r->f[i].msg);
	for (i = 0; i < r->nu; i++)
		print_error("  unit %zu: level %d outcome %s isa13 %s gs06 %s "
			    "st02 %s count %u\n",
			    i, (int)r->u[i].level,
			    eg_outcome_code(r->u[i].outcome), r->u[i].ctl.isa13,
			    r->u[i].ctl.gs06, r->u[i].ctl.st02,
			    (unsigned)r->u[i].count);
	if (r->aborted)
		print_error("  reader error: %s\n", r->reader_err.msg);
}

/*
 * The one error finding at this level with this code (and code999 when
 * not NULL).  code NULL matches any code.
 */
static const fnd *
want_finding(const rec *r, eg_level level, const char *code,
	     const char *code999)
{
	size_t i;

	for (i = 0; i < r->nf; i++) {
		const fnd *f = &r->f[i];

		if (f->level != level || f->severity != EG_FIND_ERROR)
			continue;
		if (code && (!f->has_code || strcmp(f->code, code) != 0))
			continue;
		if (code999 &&
		    (!f->has_code999 || strcmp(f->code999, code999) != 0))
			continue;
		return f;
	}
	dump_rec(r);
	fail_msg("no error finding at level %d with code %s / %s", (int)level,
		 code ? code : "*", code999 ? code999 : "*");
	return NULL;
}

/* Exactly one error finding, at this level with this code. */
static const fnd *
want_only(const rec *r, eg_level level, const char *code,
	  const char *code999)
{
	const fnd *f = want_finding(r, level, code, code999);

	if (r->nerr != 1) {
		dump_rec(r);
		fail_msg("%zu error findings, want exactly one", r->nerr);
	}
	return f;
}

/* The nth (0-based) unit of this level, in closing order. */
static const eg_unit_result *
unit(const rec *r, eg_level level, size_t nth)
{
	size_t i;

	for (i = 0; i < r->nu; i++)
		if (r->u[i].level == level && nth-- == 0)
			return &r->u[i];
	dump_rec(r);
	fail_msg("no unit %zu at level %d", nth, (int)level);
	return NULL;
}

static size_t
units(const rec *r, eg_level level)
{
	size_t i, n = 0;

	for (i = 0; i < r->nu; i++)
		n += r->u[i].level == level;
	return n;
}

static void
want_outcome(const rec *r, eg_level level, size_t nth, eg_outcome o)
{
	const eg_unit_result *u = unit(r, level, nth);

	if (u->outcome != o) {
		dump_rec(r);
		fail_msg("unit %zu at level %d is %s, want %s", nth, (int)level,
			 eg_outcome_code(u->outcome), eg_outcome_code(o));
	}
}

/* --- building interchanges ---------------------------------------------- */

/* ISA with field `field` (1..16, 0 for none) replaced by val. */
static void
isa(tbuf *b, int field, const char *val)
{
	const char *f[16] = {NULL};

	if (field)
		f[field - 1] = val;
	tb_isa(b, '*', f, "~\n");
}

static void
seg(tbuf *b, const char *s)
{
	tb_adds(b, s);
	tb_adds(b, "~\n");
}

static void
gs(tbuf *b, const char *gs01, const char *gs06)
{
	tb_addf(b, "GS*%s*SENDERID*RECEIVERID*20210315*1430*%s*X*004010~\n",
		gs01, gs06);
}

/*
 * A transaction set of 5 segments (ST..SE); se01_delta skews SE01, se02
 * NULL repeats ST02, with_se 0 leaves the trailer out.
 */
static void
set(tbuf *b, const char *st01, const char *st02, int se01_delta,
    const char *se02, int with_se)
{
	tb_addf(b, "ST*%s*%s~\n", st01, st02);
	tb_addf(b, "BSN*00*SHIP%s*20210315*1430~\n", st02);
	seg(b, "REF*BM*BOL12345");
	seg(b, "CTT*1");
	if (with_se)
		tb_addf(b, "SE*%d*%s~\n", 5 + se01_delta, se02 ? se02 : st02);
}

/* A complete good interchange with ISA field `field` set to val. */
static void
simple(tbuf *b, int field, const char *val, const char *iea02)
{
	isa(b, field, val);
	gs(b, "SH", "1");
	set(b, "856", "0001", 0, NULL, 1);
	seg(b, "GE*1*1");
	tb_addf(b, "IEA*1*%s~\n", iea02 ? iea02 : "000000101");
}

static void
check_ic_ctl(const fnd *f)
{
	assert_int_equal(f->ctl.interchange, 1);
}

/* --- a valid file ------------------------------------------------------- */

static void
test_functional_ids(void **state)
{
	static const char *const map[][2] = {
		{"856", "SH"}, {"940", "OW"}, {"945", "SW"}, {"997", "FA"},
		{"999", "FA"}, {"850", "PO"}, {"810", "IN"}, {"855", "PR"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *id = eg_x12_functional_id(map[i][0]);

		assert_non_null(id);
		assert_string_equal(id, map[i][1]);
	}
	assert_null(eg_x12_functional_id("ZZZ"));
	assert_null(eg_x12_functional_id(""));
}

static void
test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(eg_outcome_code(EG_ACCEPTED), "A");
	assert_string_equal(eg_outcome_code(EG_ACCEPTED_ERRORS), "E");
	assert_string_equal(eg_outcome_code(EG_PARTIAL), "P");
	assert_string_equal(eg_outcome_code(EG_REJECTED), "R");
	assert_non_null(eg_outcome_str(EG_ACCEPTED));
	assert_non_null(eg_outcome_str(EG_REJECTED));
	assert_string_not_equal(eg_outcome_str(EG_ACCEPTED),
				eg_outcome_str(EG_REJECTED));
}

static void
test_valid_two_groups_three_sets(void **state)
{
	tbuf b = {0};
	rec r;
	size_t i;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	set(&b, "856", "0002", 0, NULL, 1);
	seg(&b, "GE*2*1");
	gs(&b, "PO", "2");
	set(&b, "850", "0001", 0, NULL, 1);
	seg(&b, "GE*1*2");
	seg(&b, "IEA*2*000000101");
	run_env(&r, b.p, b.len);
	if (r.nf != 0) {
		dump_rec(&r);
		fail_msg("a valid interchange gave %zu findings", r.nf);
	}
	assert_false(r.aborted);
	assert_int_equal(units(&r, EG_LVL_TRANSACTION), 3);
	assert_int_equal(units(&r, EG_LVL_GROUP), 2);
	assert_int_equal(units(&r, EG_LVL_INTERCHANGE), 1);
	for (i = 0; i < r.nu; i++)
		assert_int_equal(r.u[i].outcome, EG_ACCEPTED);
	/* Units close inside out: sets, then their group, then the
	 * interchange last. */
	assert_int_equal(r.u[0].level, EG_LVL_TRANSACTION);
	assert_int_equal(r.u[1].level, EG_LVL_TRANSACTION);
	assert_int_equal(r.u[2].level, EG_LVL_GROUP);
	assert_int_equal(r.u[3].level, EG_LVL_TRANSACTION);
	assert_int_equal(r.u[4].level, EG_LVL_GROUP);
	assert_int_equal(r.u[5].level, EG_LVL_INTERCHANGE);
	/* Control numbers and counts. */
	assert_string_equal(r.u[0].ctl.st02, "0001");
	assert_string_equal(r.u[0].ctl.st01, "856");
	assert_string_equal(r.u[0].ctl.gs06, "1");
	assert_string_equal(r.u[0].ctl.gs01, "SH");
	assert_string_equal(r.u[0].ctl.isa13, "000000101");
	assert_string_equal(r.u[0].ctl.sender, "SENDERID");
	assert_string_equal(r.u[0].ctl.receiver, "RECEIVERID");
	assert_int_equal(r.u[0].ctl.interchange, 1);
	assert_int_equal(r.u[0].count, 5);
	assert_string_equal(r.u[1].ctl.st02, "0002");
	assert_string_equal(r.u[2].ctl.gs06, "1");
	assert_int_equal(r.u[2].count, 2);
	assert_int_equal(r.u[2].accepted, 2);
	assert_string_equal(r.u[3].ctl.st01, "850");
	assert_string_equal(r.u[3].ctl.gs06, "2");
	assert_string_equal(r.u[4].ctl.gs06, "2");
	assert_string_equal(r.u[4].ctl.gs01, "PO");
	assert_int_equal(r.u[4].count, 1);
	assert_string_equal(r.u[5].ctl.isa13, "000000101");
	assert_int_equal(r.u[5].count, 2);
	assert_int_equal(r.u[5].accepted, 2);
	assert_int_equal(r.u[5].errors, 0);
	assert_int_equal(r.u[5].offset, 0);
	assert_int_equal(r.totals.interchanges, 1);
	assert_int_equal(r.totals.groups, 2);
	assert_int_equal(r.totals.transactions, 3);
	assert_int_equal(r.totals.errors, 0);
	assert_int_equal(r.totals.rejected_transactions, 0);
	tb_free(&b);
}

static void
test_two_interchanges(void **state)
{
	tbuf b = {0};
	rec r;

	(void)state;
	simple(&b, 0, NULL, NULL);
	simple(&b, 13, "000000102", "000000102");
	run_env(&r, b.p, b.len);
	assert_int_equal(r.nf, 0);
	assert_int_equal(units(&r, EG_LVL_INTERCHANGE), 2);
	assert_int_equal(unit(&r, EG_LVL_INTERCHANGE, 1)->ctl.interchange, 2);
	assert_string_equal(unit(&r, EG_LVL_INTERCHANGE, 1)->ctl.isa13,
			    "000000102");
	assert_string_equal(unit(&r, EG_LVL_TRANSACTION, 1)->ctl.isa13,
			    "000000102");
	tb_free(&b);
}

/* --- interchange (TA105) ------------------------------------------------ */

static void
isa_case(int field, const char *val, const char *iea02, const char *code)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	simple(&b, field, val, iea02);
	run_env(&r, b.p, b.len);
	f = want_finding(&r, EG_LVL_INTERCHANGE, code, NULL);
	check_ic_ctl(f);
	if (field != 13)
		assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	if (r.nerr != 1) {
		dump_rec(&r);
		fail_msg("ISA%02d '%s': %zu error findings, want one", field,
			 val, r.nerr);
	}
	tb_free(&b);
}

static void
test_isa01_qualifier(void **state)
{
	(void)state;
	isa_case(1, "99", NULL, "010");
}

static void
test_isa03_qualifier(void **state)
{
	(void)state;
	isa_case(3, "99", NULL, "012");
}

static void
test_isa05_qualifier(void **state)
{
	(void)state;
	isa_case(5, "99", NULL, "005");
}

static void
test_isa07_qualifier(void **state)
{
	(void)state;
	isa_case(7, "99", NULL, "007");
}

static void
test_isa09_date(void **state)
{
	(void)state;
	isa_case(9, "991340", NULL, "014");
	isa_case(9, "2103AB", NULL, "014");
	isa_case(9, "210230", NULL, "014"); /* 30 February */
}

static void
test_isa10_time(void **state)
{
	(void)state;
	isa_case(10, "2561", NULL, "015");
	isa_case(10, "1260", NULL, "015");
}

static void
test_isa12_version(void **state)
{
	(void)state;
	isa_case(12, "ABCDE", NULL, "017");
}

static void
test_isa13_numeric(void **state)
{
	(void)state;
	isa_case(13, "00000010A", "00000010A", "018");
}

static void
test_isa14_ack_requested(void **state)
{
	(void)state;
	isa_case(14, "2", NULL, "019");
}

static void
test_isa15_usage(void **state)
{
	(void)state;
	isa_case(15, "X", NULL, "020");
}

static void
test_isa_valid_variants(void **state)
{
	tbuf b = {0};
	rec r;

	(void)state;
	/* Test usage, acknowledgment requested, 00501: all fine. */
	simple(&b, 15, "T", NULL);
	run_env(&r, b.p, b.len);
	assert_int_equal(r.nerr, 0);
	b.len = 0;
	simple(&b, 14, "1", NULL);
	run_env(&r, b.p, b.len);
	assert_int_equal(r.nerr, 0);
	b.len = 0;
	simple(&b, 9, "200229", NULL); /* 29 February 2020 */
	run_env(&r, b.p, b.len);
	assert_int_equal(r.nerr, 0);
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_ACCEPTED);
	tb_free(&b);
}

static void
test_iea02_mismatch(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	simple(&b, 0, NULL, "000000999");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_INTERCHANGE, "001", NULL);
	assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_iea01_count(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*2*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_INTERCHANGE, "021", NULL);
	assert_string_equal(f->ctl.isa13, "000000101");
	assert_string_equal(f->pos.seg_id, "IEA");
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_missing_iea(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	run_env(&r, b.p, b.len);
	assert_false(r.aborted);
	f = want_only(&r, EG_LVL_INTERCHANGE, "023", NULL);
	assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	assert_int_equal(units(&r, EG_LVL_INTERCHANGE), 1);
	tb_free(&b);
}

static void
test_missing_iea_before_next_isa(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	simple(&b, 13, "000000102", "000000102");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_INTERCHANGE, "023", NULL);
	assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	want_outcome(&r, EG_LVL_INTERCHANGE, 1, EG_ACCEPTED);
	assert_string_equal(unit(&r, EG_LVL_INTERCHANGE, 1)->ctl.isa13,
			    "000000102");
	tb_free(&b);
}

/* --- group (AK905) ------------------------------------------------------ */

static void
test_ge02_mismatch(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*2");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_GROUP, "4", NULL);
	assert_string_equal(f->ctl.isa13, "000000101");
	assert_string_equal(f->ctl.gs06, "1");
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_ge01_count(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*2*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_GROUP, "5", NULL);
	assert_string_equal(f->ctl.gs06, "1");
	assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_missing_ge(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_GROUP, "3", NULL);
	assert_string_equal(f->ctl.gs06, "1");
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_missing_ge_at_eof(void **state)
{
	tbuf b = {0};
	rec r;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	run_env(&r, b.p, b.len);
	want_finding(&r, EG_LVL_GROUP, "3", NULL);
	want_finding(&r, EG_LVL_INTERCHANGE, "023", NULL);
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_duplicate_gs06(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*2*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_GROUP, NULL, "19");
	assert_string_equal(f->ctl.gs06, "1");
	assert_string_equal(f->ctl.isa13, "000000101");
	want_outcome(&r, EG_LVL_GROUP, 0, EG_ACCEPTED);
	want_outcome(&r, EG_LVL_GROUP, 1, EG_REJECTED);
	tb_free(&b);
}

/* --- transaction set (AK502 / IK502) ------------------------------------ */

static void
check_set_ctl(const fnd *f, const char *st02)
{
	assert_string_equal(f->ctl.isa13, "000000101");
	assert_string_equal(f->ctl.gs06, "1");
	assert_string_equal(f->ctl.st02, st02);
	assert_int_equal(f->ctl.interchange, 1);
}

static void
test_se02_mismatch(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, "0002", 1);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "3", NULL);
	check_set_ctl(f, "0001");
	assert_string_equal(f->ctl.st01, "856");
	assert_string_equal(f->pos.seg_id, "SE");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	assert_int_equal(r.totals.rejected_transactions, 1);
	tb_free(&b);
}

static void
test_se01_count(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 1, NULL, 1);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "4", NULL);
	check_set_ctl(f, "0001");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_missing_se(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 0);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "2", NULL);
	check_set_ctl(f, "0001");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_missing_se_before_st(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	/* A new ST while a set is open: the first set lost its SE. */
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 0);
	set(&b, "856", "0002", 0, NULL, 1);
	seg(&b, "GE*2*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_finding(&r, EG_LVL_TRANSACTION, "2", NULL);
	assert_string_equal(f->ctl.st02, "0001");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_duplicate_st02(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	set(&b, "856", "0002", 0, NULL, 1);
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*3*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "23", NULL);
	check_set_ctl(f, "0001");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_ACCEPTED);
	want_outcome(&r, EG_LVL_TRANSACTION, 1, EG_ACCEPTED);
	want_outcome(&r, EG_LVL_TRANSACTION, 2, EG_REJECTED);
	want_outcome(&r, EG_LVL_GROUP, 0, EG_PARTIAL);
	tb_free(&b);
}

static void
test_st01_not_in_group(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "PO", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	seg(&b, "GE*1*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "6", "18");
	check_set_ctl(f, "0001");
	assert_string_equal(f->ctl.gs01, "PO");
	assert_string_equal(f->ctl.st01, "856");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_one_bad_set_among_good(void **state)
{
	tbuf b = {0};
	rec r;
	const fnd *f;
	const eg_unit_result *g;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	set(&b, "856", "0001", 0, NULL, 1);
	set(&b, "856", "0002", -1, NULL, 1);
	set(&b, "856", "0003", 0, NULL, 1);
	seg(&b, "GE*3*1");
	seg(&b, "IEA*1*000000101");
	run_env(&r, b.p, b.len);
	f = want_only(&r, EG_LVL_TRANSACTION, "4", NULL);
	check_set_ctl(f, "0002");
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_ACCEPTED);
	want_outcome(&r, EG_LVL_TRANSACTION, 1, EG_REJECTED);
	want_outcome(&r, EG_LVL_TRANSACTION, 2, EG_ACCEPTED);
	assert_string_equal(unit(&r, EG_LVL_TRANSACTION, 1)->ctl.st02, "0002");
	want_outcome(&r, EG_LVL_GROUP, 0, EG_PARTIAL);
	g = unit(&r, EG_LVL_GROUP, 0);
	assert_int_equal(g->count, 3);
	assert_int_equal(g->accepted, 2);
	assert_true(g->errors >= 1);
	assert_int_equal(r.totals.transactions, 3);
	assert_int_equal(r.totals.rejected_transactions, 1);
	assert_true(r.totals.errors >= 1);
	tb_free(&b);
}

/* --- reader errors ------------------------------------------------------ */

static void
test_abort_inside_set(void **state)
{
	tbuf b = {0};
	rec r;

	(void)state;
	isa(&b, 0, NULL);
	gs(&b, "SH", "1");
	tb_adds(&b, "ST*856*0001~\nBSN*00*SH");
	tb_addc(&b, '\0');
	tb_adds(&b, "P1*20210315*1430~\nSE*3*0001~\nGE*1*1~\n"
		    "IEA*1*000000101~\n");
	run_env(&r, b.p, b.len);
	assert_true(r.aborted);
	assert_true(r.nerr >= 1);
	want_outcome(&r, EG_LVL_INTERCHANGE, 0, EG_REJECTED);
	want_outcome(&r, EG_LVL_TRANSACTION, 0, EG_REJECTED);
	want_outcome(&r, EG_LVL_GROUP, 0, EG_REJECTED);
	tb_free(&b);
}

static void
test_abort_before_isa(void **state)
{
	static const char ebcdic[] = "\xC9\xE2\xC1\x5C\xF0\xF0\x5C\x40\x40";
	rec r;

	(void)state;
	run_env(&r, ebcdic, sizeof(ebcdic) - 1);
	assert_true(r.aborted);
	want_finding(&r, EG_LVL_FILE, NULL, NULL);
	assert_int_equal(units(&r, EG_LVL_INTERCHANGE), 0);
}

static void
test_rules_are_ids(void **state)
{
	static const char *const files[] = {
		"bad_iea_count.x12", "bad_ge_count.x12", "dup_gs06.x12",
		"bad_se_count.x12", "st01_gs01_mismatch.x12",
		"missing_iea.x12", "truncated.x12", "nul_byte.x12",
		"ebcdic.x12", "short_isa.x12",
	};
	size_t i;
	rec r;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		run_env_file(&r, files[i]);
		assert_true(r.nf >= 1);
		if (r.bad_rules)
			fail_msg("%s: finding rule \"%s\" is not a short "
				 "stable id",
				 files[i], r.bad_rule);
	}
}

/* --- fixtures ----------------------------------------------------------- */

static void
test_fixtures_valid(void **state)
{
	static const struct {
		const char *name;
		unsigned ics, groups, sets;
	} ok[] = {
		{"valid_856_basic.x12", 1, 1, 1},
		{"valid_940.x12", 1, 1, 2},
		{"valid_945.x12", 1, 1, 1},
		{"valid_multi_interchange.x12", 2, 2, 2},
		{"valid_crlf_newline_term.x12", 1, 1, 2},
		{"valid_lf_newline_term.x12", 1, 1, 1},
		{"valid_wrapped80.x12", 1, 1, 1},
		{"valid_bom_indented.x12", 1, 1, 1},
		{"valid_5010_repetition.x12", 1, 1, 1},
	};
	size_t i, k;
	rec r;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		run_env_file(&r, ok[i].name);
		if (r.aborted || r.nf != 0) {
			dump_rec(&r);
			fail_msg("%s: not clean", ok[i].name);
		}
		assert_int_equal(r.totals.interchanges, ok[i].ics);
		assert_int_equal(r.totals.groups, ok[i].groups);
		assert_int_equal(r.totals.transactions, ok[i].sets);
		for (k = 0; k < r.nu; k++)
			assert_int_equal(r.u[k].outcome, EG_ACCEPTED);
	}
}

static void
test_fixtures_invalid(void **state)
{
	static const struct {
		const char *name;
		eg_level level;
		const char *code, *code999;
		const char *st02; /* the rejected set, if the fault is one */
	} bad[] = {
		{"bad_iea_count.x12", EG_LVL_INTERCHANGE, "021", NULL, NULL},
		{"bad_iea_control.x12", EG_LVL_INTERCHANGE, "001", NULL, NULL},
		{"missing_iea.x12", EG_LVL_INTERCHANGE, "023", NULL, NULL},
		{"bad_ge_count.x12", EG_LVL_GROUP, "5", NULL, NULL},
		{"bad_ge_control.x12", EG_LVL_GROUP, "4", NULL, NULL},
		{"missing_ge.x12", EG_LVL_GROUP, "3", NULL, NULL},
		{"dup_gs06.x12", EG_LVL_GROUP, NULL, "19", NULL},
		{"bad_se_count.x12", EG_LVL_TRANSACTION, "4", NULL, "0002"},
		{"bad_st_se_control.x12", EG_LVL_TRANSACTION, "3", NULL,
		 "0001"},
		{"missing_se.x12", EG_LVL_TRANSACTION, "2", NULL, "0002"},
		{"dup_st02.x12", EG_LVL_TRANSACTION, "23", NULL, "0002"},
		{"st01_gs01_mismatch.x12", EG_LVL_TRANSACTION, "6", "18",
		 "0001"},
	};
	size_t i;
	rec r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const fnd *f;

		run_env_file(&r, bad[i].name);
		assert_false(r.aborted);
		f = want_only(&r, bad[i].level, bad[i].code, bad[i].code999);
		if (bad[i].st02)
			assert_string_equal(f->ctl.st02, bad[i].st02);
	}
}

static void
test_fixtures_reader_errors(void **state)
{
	static const char *const bad[] = {
		"short_isa.x12", "truncated.x12", "nul_byte.x12",
		"ebcdic.x12", "binary_junk.x12",
	};
	size_t i, k;
	rec r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_env_file(&r, bad[i]);
		if (!r.aborted)
			fail_msg("%s: read without a reader error", bad[i]);
		assert_true(r.nerr >= 1);
		/* Nothing open may be reported accepted. */
		for (k = 0; k < r.nu; k++)
			if (r.u[k].level == EG_LVL_INTERCHANGE)
				assert_int_equal(r.u[k].outcome, EG_REJECTED);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functional_ids),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_valid_two_groups_three_sets),
		cmocka_unit_test(test_two_interchanges),
		cmocka_unit_test(test_isa01_qualifier),
		cmocka_unit_test(test_isa03_qualifier),
		cmocka_unit_test(test_isa05_qualifier),
		cmocka_unit_test(test_isa07_qualifier),
		cmocka_unit_test(test_isa09_date),
		cmocka_unit_test(test_isa10_time),
		cmocka_unit_test(test_isa12_version),
		cmocka_unit_test(test_isa13_numeric),
		cmocka_unit_test(test_isa14_ack_requested),
		cmocka_unit_test(test_isa15_usage),
		cmocka_unit_test(test_isa_valid_variants),
		cmocka_unit_test(test_iea02_mismatch),
		cmocka_unit_test(test_iea01_count),
		cmocka_unit_test(test_missing_iea),
		cmocka_unit_test(test_missing_iea_before_next_isa),
		cmocka_unit_test(test_ge02_mismatch),
		cmocka_unit_test(test_ge01_count),
		cmocka_unit_test(test_missing_ge),
		cmocka_unit_test(test_missing_ge_at_eof),
		cmocka_unit_test(test_duplicate_gs06),
		cmocka_unit_test(test_se02_mismatch),
		cmocka_unit_test(test_se01_count),
		cmocka_unit_test(test_missing_se),
		cmocka_unit_test(test_missing_se_before_st),
		cmocka_unit_test(test_duplicate_st02),
		cmocka_unit_test(test_st01_not_in_group),
		cmocka_unit_test(test_one_bad_set_among_good),
		cmocka_unit_test(test_abort_inside_set),
		cmocka_unit_test(test_abort_before_isa),
		cmocka_unit_test(test_rules_are_ids),
		cmocka_unit_test(test_fixtures_valid),
		cmocka_unit_test(test_fixtures_invalid),
		cmocka_unit_test(test_fixtures_reader_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
