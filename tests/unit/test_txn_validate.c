/*
 * test_txn_validate.c - unit tests for guide validation (txn_validate.h)
 * driven the way edigate runs it: eg_x12_check over an in-memory source,
 * with opts.guides from the test data directory tests/fixtures/guides,
 * findings and unit outcomes collected through eg_envelope_events.
 *
 * One test per check: the finding must carry its rule, level, the code of
 * its acknowledgement (AK304/IK304, AK403/IK403, AK502/IK502, AK905, TA105,
 * and the 999 code where it differs), the segment ID, the position in the
 * transaction set (ST = 1), the element / component / repetition, the loop
 * (AK303) and the data element reference number (AK402).  The inputs are
 * the ones of tests/fixtures/acks, so a failure here and there point at
 * the same cause.  Then: a set with no guide, max_findings, siblings of a
 * bad set, and a partner guide given as opts.override.
 *
 * Run with the working directory tests/unit (the Makefile does).
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
#include "edigate/guide.h"
#include "edigate/source.h"
#include "edigate/x12_check.h"
#include "x12_testlib.h"

#define DATADIR "../fixtures/guides"
#define MAXF 64
#define MAXU 32

/* --- building interchanges ------------------------------------------------------ */

/* The clean 004010 856 between ST and SE.  Positions: ST=1, BSN=2, HL*1=3,
 * TD5=4, N1=5, HL*2=6, PRF=7, HL*3=8, LIN=9, SN1=10, CTT=11, SE=12. */
#define B_BSN "BSN*00*SHIP001*20261121*1530~"
#define B_HL1 "HL*1**S~TD5**2*UPSN~N1*ST*STORE 1*92*0001~"
#define B_HL2 "HL*2*1*O~PRF*PO123~"
#define B_HL3 "HL*3*2*I~LIN**UP*012345678905~SN1**12*EA~"
#define B_CTT "CTT*3~"
#define B856 B_BSN B_HL1 B_HL2 B_HL3 B_CTT

/* The clean 005010 856: ST=1, BSN=2, DTM=3, DTM=4, HL*1=5, TD5=6, N1=7,
 * HL*2=8, PRF=9, HL*3=10, LIN=11, SN1=12, MAN=13, CTT=14, SE=15. */
#define B5_HEAD B_BSN "DTM*011*20261121~DTM*017*20261125~" B_HL1 B_HL2
#define B5_MAN "MAN*GM^CP*00001^00002~"
#define B856_5 B5_HEAD B_HL3 B5_MAN B_CTT

/* The clean 940: ST=1, W05=2, LIN=3, SN1=4, N1=5, N3=6, N4=7, SE=8. */
#define B940 "W05*00~LIN**UP*012345678905~SN1**5*EA~" \
	     "N1*ST*STORE 1*92*0001~N3*1 MAIN ST~N4*DAYTON*OH*45402~"

static void
isa(tbuf *b, int v5, const char *ctl)
{
	tb_addf(b,
		"ISA*00*          *00*          *ZZ*SENDERID       *ZZ*"
		"RECEIVERID     *261121*1530*%s*%s*%s*0*P*%s~\n",
		v5 ? "^" : "U", v5 ? "00501" : "00401", ctl, v5 ? ":" : ">");
}

static void
gs(tbuf *b, const char *gs01, const char *gs06, int v5)
{
	tb_addf(b, "GS*%s*SENDERID*RECEIVERID*20261121*1530*%s*X*%s~\n", gs01,
		gs06, v5 ? "005010" : "004010");
}

/* ST, the body (segments ending in '~'), SE with the right count. */
static void
set(tbuf *b, const char *st01, const char *st02, const char *body)
{
	const char *p;
	unsigned n = 2;

	for (p = body; *p; p++)
		n += *p == '~';
	tb_addf(b, "ST*%s*%s~\n%sSE*%u*%s~\n", st01, st02, body, n, st02);
}

/* One interchange, one group, one set. */
static void
one(tbuf *b, int v5, const char *gs01, const char *st01, const char *body)
{
	isa(b, v5, "000000101");
	gs(b, gs01, "101", v5);
	set(b, st01, "0001", body);
	tb_adds(b, "GE*1*101~\nIEA*1*000000101~\n");
}

/* --- recording what the check reports ------------------------------------------- */

typedef struct fnd {
	eg_level level;
	eg_find_sev severity;
	char code[8], code999[8];
	int has_code, has_code999;
	char rule[48];
	char msg[320];
	eg_pos pos;
	char loop_id[8], elem_ref[8], value[100];
	char st02[10], gs06[10];
} fnd;

typedef struct rec {
	fnd f[MAXF];
	size_t nf, nerr;
	eg_unit_result u[MAXU];
	size_t nu;
	eg_x12_check_result res;
} rec;

static void
cp(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

static void
on_finding(void *ud, const eg_finding *f)
{
	rec *r = ud;
	fnd *d;

	if (r->nf >= MAXF)
		return;
	d = &r->f[r->nf++];
	d->level = f->level;
	d->severity = f->severity;
	d->has_code = f->code != NULL;
	d->has_code999 = f->code999 != NULL;
	cp(d->code, sizeof(d->code), f->code);
	cp(d->code999, sizeof(d->code999), f->code999);
	cp(d->rule, sizeof(d->rule), f->rule);
	cp(d->msg, sizeof(d->msg), f->msg);
	d->pos = f->pos;
	cp(d->loop_id, sizeof(d->loop_id), f->loop_id);
	cp(d->elem_ref, sizeof(d->elem_ref), f->elem_ref);
	cp(d->value, sizeof(d->value), f->value);
	cp(d->st02, sizeof(d->st02), f->ctl.st02);
	cp(d->gs06, sizeof(d->gs06), f->ctl.gs06);
	if (f->severity == EG_FIND_ERROR)
		r->nerr++;
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	rec *r = ud;

	if (r->nu < MAXU)
		r->u[r->nu++] = *u;
}

static void
run_opts(rec *r, const tbuf *in, eg_guides *g, const eg_guide *override,
	 unsigned max_findings)
{
	eg_envelope_events ev = {on_finding, on_unit, NULL};
	eg_x12_check_opts o;
	eg_source *src = NULL;
	eg_error e;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	eg_error_clear(&e);
	ev.ud = r;
	o.limits = eg_x12_limits_default();
	o.guides = g;
	o.overrides = &override;
	o.noverrides = override ? 1 : 0;
	o.max_findings = max_findings;
	assert_int_equal(eg_source_new_mem(&src, in->p, in->len, "test", &e),
			 EG_OK);
	if (eg_x12_check(src, &o, &ev, &r->res, &e) != EG_OK)
		fail_msg("eg_x12_check: %s", e.msg);
	eg_source_free(src);
}

static void
run(rec *r, const tbuf *in, eg_guides *g)
{
	run_opts(r, in, g, NULL, 0);
}

static void
dump(const rec *r)
{
	size_t i;

	for (i = 0; i < r->nf; i++) {
		const fnd *f = &r->f[i];

		print_error("  finding %zu: lvl %d sev %d rule %s code %s/%s "
			    "seg %s pos %u el %u comp %u rep %u loop '%s' "
			    "ref '%s' value '%s': %s\n",
			    i, (int)f->level, (int)f->severity, f->rule,
			    f->has_code ? f->code : "-",
			    f->has_code999 ? f->code999 : "-", f->pos.seg_id,
			    (unsigned)f->pos.txn_pos, (unsigned)f->pos.element,
			    (unsigned)f->pos.component,
			    (unsigned)f->pos.repetition, f->loop_id, f->elem_ref,
			    f->value, f->msg);
	}
}

/* The one finding with this rule. */
static const fnd *
want(const rec *r, const char *rule)
{
	const fnd *hit = NULL;
	size_t i, n = 0;

	for (i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].rule, rule) == 0) {
			hit = hit ? hit : &r->f[i];
			n++;
		}
	if (n != 1) {
		dump(r);
		fail_msg("%zu findings with rule %s, want 1", n, rule);
	}
	return hit;
}

/* The only error is this one. */
static const fnd *
want_only(const rec *r, const char *rule)
{
	const fnd *f = want(r, rule);

	if (r->nerr != 1 || f->severity != EG_FIND_ERROR) {
		dump(r);
		fail_msg("%zu errors, want exactly one (%s)", r->nerr, rule);
	}
	return f;
}

static void
no_errors(const rec *r)
{
	if (r->nerr) {
		dump(r);
		fail_msg("%zu errors, want none", r->nerr);
	}
}

/*
 * Check a finding: level, codes (code999 NULL: none), segment ID,
 * position in the set, element, component, loop.
 */
static void
is(const fnd *f, eg_level level, const char *code, const char *code999,
   const char *seg, unsigned txn_pos, unsigned element, unsigned component,
   const char *loop)
{
	if (f->level != level)
		fail_msg("%s: level %d, want %d", f->rule, (int)f->level,
			 (int)level);
	if (code && (!f->has_code || strcmp(f->code, code) != 0))
		fail_msg("%s: code %s, want %s", f->rule,
			 f->has_code ? f->code : "NULL", code);
	if (!code && f->has_code)
		fail_msg("%s: code %s, want none", f->rule, f->code);
	if (code999 && (!f->has_code999 || strcmp(f->code999, code999) != 0))
		fail_msg("%s: code999 %s, want %s", f->rule,
			 f->has_code999 ? f->code999 : "NULL", code999);
	if (!code999 && f->has_code999)
		fail_msg("%s: code999 %s, want none", f->rule, f->code999);
	if (strcmp(f->pos.seg_id, seg) != 0)
		fail_msg("%s: segment %s, want %s", f->rule, f->pos.seg_id, seg);
	if (f->pos.txn_pos != txn_pos)
		fail_msg("%s: position in set %u, want %u", f->rule,
			 (unsigned)f->pos.txn_pos, txn_pos);
	if (f->pos.element != element)
		fail_msg("%s: element %u, want %u", f->rule,
			 (unsigned)f->pos.element, element);
	if (f->pos.component != component)
		fail_msg("%s: component %u, want %u", f->rule,
			 (unsigned)f->pos.component, component);
	if (strcmp(f->loop_id, loop) != 0)
		fail_msg("%s: loop '%s', want '%s'", f->rule, f->loop_id, loop);
	/* AK402 belongs to element findings only. */
	if (level != EG_LVL_ELEMENT && f->elem_ref[0])
		fail_msg("%s: element reference '%s' on a %d-level finding",
			 f->rule, f->elem_ref, (int)level);
	assert_true(f->msg[0] != '\0');
}

static void
ref_is(const fnd *f, const char *elem_ref)
{
	if (strcmp(f->elem_ref, elem_ref) != 0)
		fail_msg("%s: AK402 data element reference '%s', want '%s'",
			 f->rule, f->elem_ref, elem_ref);
}

/* The outcome of the nth transaction set. */
static eg_outcome
set_outcome(const rec *r, size_t nth)
{
	size_t i, k = 0;

	for (i = 0; i < r->nu; i++)
		if (r->u[i].level == EG_LVL_TRANSACTION && k++ == nth)
			return r->u[i].outcome;
	fail_msg("no transaction set %zu", nth);
	return EG_REJECTED;
}

static eg_outcome
group_outcome(const rec *r)
{
	size_t i;

	for (i = 0; i < r->nu; i++)
		if (r->u[i].level == EG_LVL_GROUP)
			return r->u[i].outcome;
	fail_msg("no group");
	return EG_REJECTED;
}

/* Run one 004010 856 with this body; exactly one error, of this rule. */
static const fnd *
one856(rec *r, eg_guides *g, const char *body, const char *rule)
{
	tbuf b = {0};

	one(&b, 0, "SH", "856", body);
	run(r, &b, g);
	tb_free(&b);
	return want_only(r, rule);
}

static const fnd *
one856_5(rec *r, eg_guides *g, const char *body, const char *rule)
{
	tbuf b = {0};

	one(&b, 1, "SH", "856", body);
	run(r, &b, g);
	tb_free(&b);
	return want_only(r, rule);
}

static const fnd *
one940(rec *r, eg_guides *g, const char *body, const char *rule)
{
	tbuf b = {0};

	one(&b, 0, "OW", "940", body);
	run(r, &b, g);
	tb_free(&b);
	return want_only(r, rule);
}

/* --- fixtures -------------------------------------------------------------------- */

static int
setup(void **state)
{
	eg_guides *g = NULL;
	eg_error e;

	eg_error_clear(&e);
	if (eg_guides_new(&g, DATADIR, &e) != EG_OK) {
		print_error("eg_guides_new: %s\n", e.msg);
		return -1;
	}
	*state = g;
	return 0;
}

static int
teardown(void **state)
{
	eg_guides_free(*state);
	return 0;
}

static rec R; /* large: kept out of the stack */

/* --- clean sets ------------------------------------------------------------------- */

static void
test_clean(void **state)
{
	eg_guides *g = *state;
	tbuf b = {0};

	one(&b, 0, "SH", "856", B856);
	run(&R, &b, g);
	no_errors(&R);
	assert_int_equal(R.res.guided, 1);
	assert_int_equal(R.res.unguided, 0);
	assert_int_equal(set_outcome(&R, 0), EG_ACCEPTED);
	tb_free(&b);
	one(&b, 0, "OW", "940", B940);
	run(&R, &b, g);
	no_errors(&R);
	assert_int_equal(R.res.guided, 1);
	tb_free(&b);
	one(&b, 1, "SH", "856", B856_5);
	run(&R, &b, g);
	no_errors(&R);
	assert_int_equal(R.res.guided, 1);
	tb_free(&b);
}

/* --- segments (AK304 / IK304) -------------------------------------------------------- */

static void
test_segment_unrecognized(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN "HL*1**S~TD5**2*UPSN~ZZZ*1~"
				    "N1*ST*STORE 1*92*0001~" B_HL2 B_HL3 B_CTT,
			      "segment-unrecognized");

	is(f, EG_LVL_SEGMENT, "1", NULL, "ZZZ", 5, 0, 0, "HL");
	assert_int_equal(set_outcome(&R, 0), EG_REJECTED);
	/* After an N1 the segment is in the N1 loop. */
	f = one856(&R, *state, B_BSN B_HL1 "ZZZ*1~" B_HL2 B_HL3 B_CTT,
		   "segment-unrecognized");
	is(f, EG_LVL_SEGMENT, "1", NULL, "ZZZ", 6, 0, 0, "N1");
}

static void
test_segment_not_used(void **state)
{
	const fnd *f = one940(&R, *state,
			      "W05*00~PRF*PO123~LIN**UP*012345678905~SN1**5*EA~"
			      "N1*ST*STORE 1*92*0001~N3*1 MAIN ST~",
			      "segment-not-used");

	is(f, EG_LVL_SEGMENT, "2", "I4", "PRF", 3, 0, 0, "");
}

static void
test_segment_missing(void **state)
{
	const fnd *f = one856(&R, *state, B_HL1 B_HL2 B_HL3 B_CTT,
			      "segment-missing");

	/* Reported with its own ID where it was looked for (the HL). */
	is(f, EG_LVL_SEGMENT, "3", NULL, "BSN", 2, 0, 0, "");
}

static void
test_loop_over_max(void **state)
{
	const fnd *f = one940(&R, *state,
			      "W05*00~N1*ST*A*92*0001~N3*1 MAIN ST~"
			      "N1*BT*B*92*0002~N3*2 MAIN ST~"
			      "N1*SF*C*92*0003~N3*3 MAIN ST~",
			      "loop-over-max");

	is(f, EG_LVL_SEGMENT, "4", NULL, "N1", 7, 0, 0, "N1");
}

static void
test_segment_over_max(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN "HL*1**S~TD5**2*UPSN~REF*BM*BOL1~"
				    "REF*CN*PRO1~REF*IA*VEND1~" B_HL2 B_HL3 B_CTT,
			      "segment-over-max");

	is(f, EG_LVL_SEGMENT, "5", NULL, "REF", 7, 0, 0, "HL");
}

static void
test_segment_not_in_set(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN "HL*1**S~TD5**2*UPSN~W05*00~" B_HL2 B_HL3
				    B_CTT,
			      "segment-not-in-set");

	is(f, EG_LVL_SEGMENT, "6", NULL, "W05", 5, 0, 0, "HL");
}

static void
test_segment_out_of_order(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN "HL*1**S~TD5**2*UPSN~" B_BSN B_HL2 B_HL3
				    B_CTT,
			      "segment-out-of-order");

	is(f, EG_LVL_SEGMENT, "7", NULL, "BSN", 5, 0, 0, "HL");
}

/* An implementation minimum (the 005010 guide: DTM min 2, HL loop min 2)
 * not reached although the segment / loop occurs once. */
static void
test_below_minimum_segment(void **state)
{
	const fnd *f = one856_5(&R, *state,
				B_BSN "DTM*011*20261121~" B_HL1 B_HL2 B_HL3
				      B5_MAN B_CTT,
				"below-minimum");

	is(f, EG_LVL_SEGMENT, "3", "I8", "DTM", 4, 0, 0, "");
}

static void
test_below_minimum_loop(void **state)
{
	const fnd *f = one856_5(&R, *state,
				B_BSN "DTM*011*20261121~DTM*017*20261125~" B_HL1
				      "CTT*1~",
				"below-minimum");

	is(f, EG_LVL_SEGMENT, "3", "I7", "HL", 8, 0, 0, "HL");
}

/* No SE while a loop lacks a mandatory segment: reported at the last
 * segment placed, and the set's trailer is missing. */
static void
test_missing_in_open_loop_at_missing_se(void **state)
{
	eg_guides *g = *state;
	tbuf b = {0};
	const fnd *f;

	isa(&b, 0, "000000101");
	gs(&b, "OW", "101", 0);
	tb_adds(&b, "ST*940*0001~W05*00~N1*ST*STORE 1*92*0001~"
		    "GE*1*101~IEA*1*000000101~");
	run(&R, &b, g);
	tb_free(&b);
	f = want(&R, "segment-missing");
	is(f, EG_LVL_SEGMENT, "3", NULL, "N3", 3, 0, 0, "N1");
	f = want(&R, "se-missing");
	assert_int_equal(f->level, EG_LVL_TRANSACTION);
	assert_string_equal(f->code, "2");
	assert_int_equal(R.nerr, 2);
}

/* --- elements (AK403 / IK403) ------------------------------------------------------------ */

static void
test_element_missing(void **state)
{
	const fnd *f = one856(&R, *state,
			      "BSN*00**20261121*1530~" B_HL1 B_HL2 B_HL3 B_CTT,
			      "element-missing");

	is(f, EG_LVL_ELEMENT, "1", NULL, "BSN", 2, 2, 0, "");
	ref_is(f, "396");
}

static void
test_component_missing(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN B_HL1 B_HL2
			      "HL*3*2*I~LIN**UP*012345678905~SN1**12*>5~" B_CTT,
			      "component-missing");

	is(f, EG_LVL_ELEMENT, "1", NULL, "SN1", 10, 3, 1, "HL");
	ref_is(f, "355");
}

/* Syntax notes P, R, C, L: code 2 at the element required. */
static void
test_syntax_notes(void **state)
{
	const fnd *f;

	f = one856(&R, *state,
		   B_BSN "HL*1**S~TD5**2~N1*ST*STORE 1*92*0001~" B_HL2 B_HL3
			 B_CTT,
		   "syntax-paired");
	is(f, EG_LVL_ELEMENT, "2", NULL, "TD5", 4, 3, 0, "HL");
	f = one856(&R, *state, B_BSN "DTM*011~" B_HL1 B_HL2 B_HL3 B_CTT,
		   "syntax-required");
	is(f, EG_LVL_ELEMENT, "2", NULL, "DTM", 3, 2, 0, "");
	f = one856(&R, *state, B_BSN "DTM*011**1530~" B_HL1 B_HL2 B_HL3 B_CTT,
		   "syntax-conditional");
	is(f, EG_LVL_ELEMENT, "2", NULL, "DTM", 3, 2, 0, "");
	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2 B_HL3 "MEA*PD*WT*****01*AA~" B_CTT,
		   "syntax-list-conditional");
	is(f, EG_LVL_ELEMENT, "2", NULL, "MEA", 11, 3, 0, "HL");
	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2 B_HL3 "MEA*PD*WT*5*****AA~" B_CTT,
		   "syntax-exclusion");
	is(f, EG_LVL_ELEMENT, "10", NULL, "MEA", 11, 3, 0, "HL");
}

/* AK402 names the data element a syntax note finding points at: the
 * element at that position is known from the dictionary. */
static void
test_syntax_notes_elem_ref(void **state)
{
	const fnd *f;

	f = one856(&R, *state,
		   B_BSN "HL*1**S~TD5**2~N1*ST*STORE 1*92*0001~" B_HL2 B_HL3
			 B_CTT,
		   "syntax-paired");
	ref_is(f, "67");
	f = one856(&R, *state, B_BSN "DTM*011~" B_HL1 B_HL2 B_HL3 B_CTT,
		   "syntax-required");
	ref_is(f, "373");
	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2 B_HL3 "MEA*PD*WT*5*****AA~" B_CTT,
		   "syntax-exclusion");
	ref_is(f, "739");
}

static void
test_too_many_elements(void **state)
{
	const fnd *f = one856(&R, *state,
			      "BSN*00*SHIP001*20261121*1530*0001*X~" B_HL1 B_HL2
				  B_HL3 B_CTT,
			      "too-many-elements");

	is(f, EG_LVL_ELEMENT, "3", NULL, "BSN", 2, 6, 0, "");
	ref_is(f, "");
	assert_string_equal(f->value, "X");
}

static void
test_length(void **state)
{
	const fnd *f;

	f = one856(&R, *state, "BSN*00*A*20261121*1530~" B_HL1 B_HL2 B_HL3 B_CTT,
		   "element-too-short");
	is(f, EG_LVL_ELEMENT, "4", NULL, "BSN", 2, 2, 0, "");
	ref_is(f, "396");
	assert_string_equal(f->value, "A");
	f = one856(&R, *state,
		   "BSN*00*ABCDEFGHIJKLMNOPQRSTUVWXYZ01234*20261121*1530~" B_HL1
		       B_HL2 B_HL3 B_CTT,
		   "element-too-long");
	is(f, EG_LVL_ELEMENT, "5", NULL, "BSN", 2, 2, 0, "");
	ref_is(f, "396");
}

static void
test_invalid_character(void **state)
{
	const fnd *f;

	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2
		   "HL*3*2*I~LIN**UP*012345678905~SN1**1A*EA~" B_CTT,
		   "element-invalid-character");
	is(f, EG_LVL_ELEMENT, "6", NULL, "SN1", 10, 2, 0, "HL");
	ref_is(f, "382");
	assert_string_equal(f->value, "1A");
	f = one856(&R, *state, B_BSN B_HL1 B_HL2 B_HL3 "CTT*3X~",
		   "element-invalid-character");
	is(f, EG_LVL_ELEMENT, "6", NULL, "CTT", 11, 1, 0, "");
	ref_is(f, "354");
}

static void
test_invalid_code(void **state)
{
	const fnd *f;

	f = one856(&R, *state, "BSN*99*SHIP001*20261121*1530~" B_HL1 B_HL2 B_HL3
		   B_CTT, "element-invalid-code");
	is(f, EG_LVL_ELEMENT, "7", NULL, "BSN", 2, 1, 0, "");
	ref_is(f, "353");
	assert_string_equal(f->value, "99");
	/* A code list from edi/codelists, in a component. */
	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2
		   "HL*3*2*I~LIN**UP*012345678905~SN1**12*ZZ~" B_CTT,
		   "element-invalid-code");
	is(f, EG_LVL_ELEMENT, "7", NULL, "SN1", 10, 3, 1, "HL");
	ref_is(f, "355");
	assert_string_equal(f->value, "ZZ");
}

static void
test_date_time(void **state)
{
	const fnd *f;

	f = one856(&R, *state, "BSN*00*SHIP001*20261332*1530~" B_HL1 B_HL2
		   B_HL3 B_CTT, "element-invalid-date");
	is(f, EG_LVL_ELEMENT, "8", NULL, "BSN", 2, 3, 0, "");
	ref_is(f, "373");
	f = one856(&R, *state, "BSN*00*SHIP001*20250229*1530~" B_HL1 B_HL2
		   B_HL3 B_CTT, "element-invalid-date");
	assert_string_equal(f->value, "20250229");
	f = one856(&R, *state, "BSN*00*SHIP001*20261121*2500~" B_HL1 B_HL2
		   B_HL3 B_CTT, "element-invalid-time");
	is(f, EG_LVL_ELEMENT, "9", NULL, "BSN", 2, 4, 0, "");
	ref_is(f, "337");
	/* 29 February of a leap year is a date. */
	{
		tbuf b = {0};

		one(&b, 0, "SH", "856",
		    "BSN*00*SHIP001*20240229*1530~" B_HL1 B_HL2 B_HL3 B_CTT);
		run(&R, &b, *state);
		tb_free(&b);
		no_errors(&R);
	}
}

static void
test_too_many_components(void **state)
{
	const fnd *f;

	f = one856(&R, *state,
		   B_BSN B_HL1 B_HL2
		   "HL*3*2*I~LIN**UP*012345678905~SN1**12*EA>1>2>9~" B_CTT,
		   "too-many-components");
	is(f, EG_LVL_ELEMENT, "13", NULL, "SN1", 10, 3, 4, "HL");
	f = one856(&R, *state,
		   "BSN*00*SHIP>001*20261121*1530~" B_HL1 B_HL2 B_HL3 B_CTT,
		   "too-many-components");
	is(f, EG_LVL_ELEMENT, "13", NULL, "BSN", 2, 2, 2, "");
	ref_is(f, "396");
}

/* 005010: repetitions, narrowed codes, not-used elements. */
static void
test_repetitions(void **state)
{
	const fnd *f;

	f = one856_5(&R, *state, B5_HEAD B_HL3 "MAN*GM*A1^B1^C1~" B_CTT,
		     "too-many-repetitions");
	is(f, EG_LVL_ELEMENT, "12", NULL, "MAN", 13, 2, 0, "HL");
	assert_int_equal(f->pos.repetition, 3);
	ref_is(f, "87");
	f = one856_5(&R, *state, B5_HEAD B_HL3 "MAN*GM^XX*00001~" B_CTT,
		     "element-invalid-code");
	is(f, EG_LVL_ELEMENT, "7", NULL, "MAN", 13, 1, 0, "HL");
	assert_int_equal(f->pos.repetition, 2);
	ref_is(f, "88");
	assert_string_equal(f->value, "XX");
}

static void
test_narrowing(void **state)
{
	const fnd *f;

	f = one856_5(&R, *state,
		     "BSN*05*SHIP001*20261121*1530~"
		     "DTM*011*20261121~DTM*017*20261125~" B_HL1 B_HL2 B_HL3
			 B5_MAN B_CTT,
		     "code-not-used");
	is(f, EG_LVL_ELEMENT, "7", "I6", "BSN", 2, 1, 0, "");
	ref_is(f, "353");
	f = one856_5(&R, *state, B5_HEAD B_HL3 B5_MAN "CTT*3*5~",
		     "element-not-used");
	is(f, EG_LVL_ELEMENT, "10", "I10", "CTT", 14, 2, 0, "");
	ref_is(f, "347");
	f = one940(&R, *state,
		   "W05*00~N1*ST*STORE 1*92*0001~N3*1 MAIN ST~"
		   "N4*DAYTON*OH*45402*US~",
		   "element-not-used");
	is(f, EG_LVL_ELEMENT, "10", "I10", "N4", 5, 4, 0, "N1");
}

/* --- the HL hierarchy --------------------------------------------------------------------- */

static void
test_hl(void **state)
{
	const fnd *f;

	f = one856(&R, *state, B_BSN B_HL1 "HL*3*1*O~PRF*PO123~"
		   "HL*4*3*I~LIN**UP*012345678905~SN1**12*EA~" B_CTT,
		   "hl01-sequence");
	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 6, 1, 0, "HL");
	f = one856(&R, *state, B_BSN B_HL1 "HL*2*5*O~PRF*PO123~" B_HL3 B_CTT,
		   "hl02-parent");
	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 6, 2, 0, "HL");
	f = one856(&R, *state,
		   B_BSN B_HL1
		   "HL*2*1*I~LIN**UP*012345678905~SN1**12*EA~CTT*2~",
		   "hl03-parent-level");
	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 6, 3, 0, "HL");
	f = one856(&R, *state, B_BSN "HL*1**O~" B_CTT, "hl03-parent-level");
	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 3, 3, 0, "HL");
	/* F is a code of element 735 but not a level of this hierarchy. */
	f = one856(&R, *state, B_BSN B_HL1 "HL*2*1*F~" B_CTT, "hl03-level");
	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 6, 3, 0, "HL");
}

static void
test_hl_elem_ref(void **state)
{
	const fnd *f;

	f = one856(&R, *state, B_BSN B_HL1 "HL*3*1*O~PRF*PO123~"
		   "HL*4*3*I~LIN**UP*012345678905~SN1**12*EA~" B_CTT,
		   "hl01-sequence");
	ref_is(f, "628");
	f = one856(&R, *state, B_BSN B_HL1 "HL*2*5*O~PRF*PO123~" B_HL3 B_CTT,
		   "hl02-parent");
	ref_is(f, "734");
	f = one856(&R, *state,
		   B_BSN B_HL1
		   "HL*2*1*I~LIN**UP*012345678905~SN1**12*EA~CTT*2~",
		   "hl03-parent-level");
	ref_is(f, "735");
}

/* HL01 must be 1, 2, 3 ...: a non-numeric HL01 is out of the sequence. */
static void
test_hl_id_not_numeric(void **state)
{
	const fnd *f = one856(&R, *state,
			      B_BSN B_HL1 "HL*B*1*O~PRF*PO123~CTT*0~",
			      "hl01-sequence");

	is(f, EG_LVL_ELEMENT, "7", NULL, "HL", 6, 1, 0, "HL");
}

/* --- the envelope (AK502, AK905, TA105) through the same driver ------------------------ */

static const fnd *
env1(rec *r, eg_guides *g, const char *text, const char *rule)
{
	tbuf b = {0};

	tb_adds(&b, text);
	run(r, &b, g);
	tb_free(&b);
	return want_only(r, rule);
}

#define ISA4 "ISA*00*          *00*          *ZZ*SENDERID       *ZZ*" \
	     "RECEIVERID     *261121*1530*U*00401*000000101*0*P*>~"
#define GS4 "GS*SH*SENDERID*RECEIVERID*20261121*1530*101*X*004010~"
#define ST856 "ST*856*0001~" B856

static void
test_envelope_codes(void **state)
{
	eg_guides *g = *state;
	const fnd *f;

	f = env1(&R, g, ISA4 GS4 ST856 "GE*1*101~IEA*1*000000101~",
		 "se-missing");
	is(f, EG_LVL_TRANSACTION, "2", NULL, "GE", 0, 0, 0, "");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0002~GE*1*101~IEA*1*000000101~",
		 "se02-mismatch");
	assert_string_equal(f->code, "3");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*13*0001~GE*1*101~IEA*1*000000101~",
		 "se01-count");
	is(f, EG_LVL_TRANSACTION, "4", NULL, "SE", 12, 1, 0, "");
	f = env1(&R, g,
		 ISA4 "GS*OW*SENDERID*RECEIVERID*20261121*1530*101*X*004010~"
		 ST856 "SE*12*0001~GE*1*101~IEA*1*000000101~",
		 "st01-not-in-group");
	is(f, EG_LVL_TRANSACTION, "6", "18", "ST", 1, 1, 0, "");
	f = env1(&R, g,
		 ISA4 GS4 "ST*85A*0001~" B856
			  "SE*12*0001~GE*1*101~IEA*1*000000101~",
		 "st01-invalid");
	assert_string_equal(f->code, "6");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~" ST856
		 "SE*12*0001~GE*2*101~IEA*1*000000101~", "st02-duplicate");
	is(f, EG_LVL_TRANSACTION, "23", NULL, "ST", 1, 2, 0, "");
	assert_int_equal(set_outcome(&R, 0), EG_ACCEPTED);
	assert_int_equal(set_outcome(&R, 1), EG_REJECTED);
	assert_int_equal(group_outcome(&R), EG_PARTIAL);
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~IEA*1*000000101~",
		 "ge-missing");
	is(f, EG_LVL_GROUP, "3", NULL, "IEA", 0, 0, 0, "");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~GE*1*102~IEA*1*000000101~",
		 "ge02-mismatch");
	assert_string_equal(f->code, "4");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~GE*2*101~IEA*1*000000101~",
		 "ge01-count");
	assert_string_equal(f->code, "5");
	f = env1(&R, g,
		 ISA4 GS4 ST856 "SE*12*0001~GE*1*101~" GS4 ST856
		 "SE*12*0001~GE*1*101~IEA*2*000000101~",
		 "gs06-duplicate");
	is(f, EG_LVL_GROUP, NULL, "19", "GS", 0, 6, 0, "");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~GE*1*101~IEA*1*000000999~",
		 "iea02-mismatch");
	is(f, EG_LVL_INTERCHANGE, "001", NULL, "IEA", 0, 2, 0, "");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~GE*1*101~IEA*2*000000101~",
		 "iea01-count");
	assert_string_equal(f->code, "021");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*0001~GE*1*101~", "iea-missing");
	assert_string_equal(f->code, "023");
	f = env1(&R, g, ISA4 GS4 ST856 "SE*12*00", "reader");
	assert_int_equal(f->level, EG_LVL_INTERCHANGE);
	assert_string_equal(f->code, "023");
	assert_int_equal(R.res.reader_failed, 1);
}

/* --- no guide, limits, siblings, override ---------------------------------------------- */

static void
test_no_guide(void **state)
{
	eg_guides *g = *state;
	tbuf b = {0};
	const fnd *f;

	one(&b, 0, "PO", "850", "BEG*00*SA*PO1**20261121~ZZZ*1~");
	run(&R, &b, g);
	tb_free(&b);
	no_errors(&R);
	f = want(&R, "no-guide");
	assert_int_equal(f->severity, EG_FIND_NOTE);
	assert_int_equal(f->level, EG_LVL_TRANSACTION);
	assert_string_equal(f->pos.seg_id, "ST");
	assert_int_equal(set_outcome(&R, 0), EG_ACCEPTED);
	assert_int_equal(R.res.guided, 0);
	assert_int_equal(R.res.unguided, 1);
	assert_int_equal(R.res.totals.notes, 1);
	/* Without guides at all: no note, nothing counted. */
	one(&b, 0, "SH", "856", B856);
	run(&R, &b, NULL);
	tb_free(&b);
	no_errors(&R);
	assert_int_equal(R.nf, 0);
	assert_int_equal(R.res.guided + R.res.unguided, 0);
}

static void
test_max_findings(void **state)
{
	eg_guides *g = *state;
	tbuf b = {0};
	const char *junk = "ZZ1*1~ZZ2*1~ZZ3*1~ZZ4*1~ZZ5*1~ZZ6*1~";
	char body[512];
	size_t i, notes = 0, errs_set1 = 0, errs_set2 = 0;

	snprintf(body, sizeof(body), "%s%s", B856, junk);
	isa(&b, 0, "000000101");
	gs(&b, "SH", "101", 0);
	set(&b, "856", "0001", body);
	set(&b, "856", "0002", body);
	tb_adds(&b, "GE*2*101~IEA*1*000000101~");
	run_opts(&R, &b, g, NULL, 3);
	tb_free(&b);
	for (i = 0; i < R.nf; i++) {
		const fnd *f = &R.f[i];

		if (strcmp(f->rule, "too-many-findings") == 0) {
			assert_int_equal(f->severity, EG_FIND_NOTE);
			assert_int_equal(f->level, EG_LVL_TRANSACTION);
			notes++;
		} else if (f->severity == EG_FIND_ERROR) {
			if (strcmp(f->st02, "0001") == 0)
				errs_set1++;
			else
				errs_set2++;
		}
	}
	if (notes != 2 || errs_set1 != 3 || errs_set2 != 3) {
		dump(&R);
		fail_msg("notes %zu, errors %zu + %zu: want one note and 3 "
			 "errors per set",
			 notes, errs_set1, errs_set2);
	}
	assert_int_equal(set_outcome(&R, 0), EG_REJECTED);
	assert_int_equal(set_outcome(&R, 1), EG_REJECTED);
	/* The default is 100: all 6 reported, no note. */
	isa(&b, 0, "000000101");
	gs(&b, "SH", "101", 0);
	set(&b, "856", "0001", body);
	tb_adds(&b, "GE*1*101~IEA*1*000000101~");
	run(&R, &b, g);
	tb_free(&b);
	assert_int_equal(R.nerr, 6);
	for (i = 0; i < R.nf; i++)
		assert_string_not_equal(R.f[i].rule, "too-many-findings");
}

static void
test_siblings(void **state)
{
	eg_guides *g = *state;
	tbuf b = {0};
	size_t i;

	isa(&b, 0, "000000101");
	gs(&b, "SH", "101", 0);
	set(&b, "856", "0001", B856);
	set(&b, "856", "0002",
	    "BSN*99*SHIP002*20261121*1530~" B_HL1 "HL*3*1*O~" B_CTT);
	set(&b, "856", "0003", B856);
	tb_adds(&b, "GE*3*101~IEA*1*000000101~");
	run(&R, &b, g);
	tb_free(&b);
	assert_int_equal(set_outcome(&R, 0), EG_ACCEPTED);
	assert_int_equal(set_outcome(&R, 1), EG_REJECTED);
	assert_int_equal(set_outcome(&R, 2), EG_ACCEPTED);
	assert_int_equal(group_outcome(&R), EG_PARTIAL);
	assert_int_equal(R.nerr, 2);
	for (i = 0; i < R.nf; i++)
		if (R.f[i].severity == EG_FIND_ERROR)
			assert_string_equal(R.f[i].st02, "0002");
	/* The HL sequence starts again at 1 in the next set. */
	want(&R, "hl01-sequence");
	want(&R, "element-invalid-code");
}

static void
test_override(void **state)
{
	eg_guides *g = *state;
	const eg_guide *p = NULL;
	tbuf b = {0};
	eg_error e;
	const fnd *f;

	eg_error_clear(&e);
	if (eg_guides_load(g, DATADIR "/partner/856-acme.xml", &p, &e) != EG_OK)
		fail_msg("partner guide: %s", e.msg);
	/* The shipped guide accepts an 856 without DTM; the partner's
	 * wants one. */
	isa(&b, 0, "000000101");
	gs(&b, "SH", "101", 0);
	set(&b, "856", "0001", B856);
	tb_adds(&b, "GE*1*101~");
	gs(&b, "OW", "102", 0);
	set(&b, "940", "0001", B940);
	tb_adds(&b, "GE*1*102~IEA*2*000000101~");
	run(&R, &b, g);
	no_errors(&R);
	run_opts(&R, &b, g, p, 0);
	tb_free(&b);
	f = want_only(&R, "segment-missing");
	is(f, EG_LVL_SEGMENT, "3", NULL, "DTM", 3, 0, 0, "");
	assert_string_equal(f->gs06, "101");
	/* The 940 is still checked against its own guide. */
	assert_int_equal(R.res.guided, 2);
	/* MAN is not used in the partner's HL loop. */
	one(&b, 0, "SH", "856",
	    B_BSN "DTM*011*20261121~" B_HL1 B_HL2 B_HL3 "MAN*GM*00001~" B_CTT);
	run(&R, &b, g);
	no_errors(&R);
	run_opts(&R, &b, g, p, 0);
	tb_free(&b);
	f = want_only(&R, "segment-not-used");
	is(f, EG_LVL_SEGMENT, "2", "I4", "MAN", 12, 0, 0, "HL");
	/* BSN01 narrowed to 00 by the partner. */
	one(&b, 0, "SH", "856",
	    "BSN*05*SHIP001*20261121*1530~DTM*011*20261121~" B_HL1 B_HL2 B_HL3
		B_CTT);
	run_opts(&R, &b, g, p, 0);
	tb_free(&b);
	f = want_only(&R, "code-not-used");
	is(f, EG_LVL_ELEMENT, "7", "I6", "BSN", 2, 1, 0, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean),
	    cmocka_unit_test(test_segment_unrecognized),
	    cmocka_unit_test(test_segment_not_used),
	    cmocka_unit_test(test_segment_missing),
	    cmocka_unit_test(test_loop_over_max),
	    cmocka_unit_test(test_segment_over_max),
	    cmocka_unit_test(test_segment_not_in_set),
	    cmocka_unit_test(test_segment_out_of_order),
	    cmocka_unit_test(test_below_minimum_segment),
	    cmocka_unit_test(test_below_minimum_loop),
	    cmocka_unit_test(test_missing_in_open_loop_at_missing_se),
	    cmocka_unit_test(test_element_missing),
	    cmocka_unit_test(test_component_missing),
	    cmocka_unit_test(test_syntax_notes),
	    cmocka_unit_test(test_syntax_notes_elem_ref),
	    cmocka_unit_test(test_too_many_elements),
	    cmocka_unit_test(test_length),
	    cmocka_unit_test(test_invalid_character),
	    cmocka_unit_test(test_invalid_code),
	    cmocka_unit_test(test_date_time),
	    cmocka_unit_test(test_too_many_components),
	    cmocka_unit_test(test_repetitions),
	    cmocka_unit_test(test_narrowing),
	    cmocka_unit_test(test_hl),
	    cmocka_unit_test(test_hl_elem_ref),
	    cmocka_unit_test(test_hl_id_not_numeric),
	    cmocka_unit_test(test_envelope_codes),
	    cmocka_unit_test(test_no_guide),
	    cmocka_unit_test(test_max_findings),
	    cmocka_unit_test(test_siblings),
	    cmocka_unit_test(test_override),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
