/*
 * test_edifact_guide.c - unit tests for the UN/EDIFACT message guide
 * loader and validator (edifact_guide.h), through eg_edifact_check.
 *
 * The test guide tests/fixtures/edguides/edi/edifact/T1/ (a directory
 * with one element or note per finding, and the message TESTMS) gives
 * every finding kind its own input; each input is written out here and
 * the findings it must give (0085 code, rule, position in the message,
 * element, component, repetition) are spelled out.  The shipped guides
 * (edi/edifact/) are loaded and checked against messages written here,
 * and our own CONTRL writer's output must validate against the shipped
 * CONTRL guides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/buf.h"
#include "edigate/contrl.h"
#include "edigate/edifact.h"
#include "edigate/edifact_check.h"
#include "edigate/edifact_guide.h"
#include "edigate/source.h"

#define TDIR "../fixtures/edguides"
#define BAD TDIR "/bad/"
#define SHIPPED "../.."
#define S(s) s, sizeof(s) - 1

/* --- helpers ------------------------------------------------------------- */

typedef struct seen {
	eg_buf out; /* "code rule pos.el.comp.rep;" per finding */
	unsigned notes;
} seen;

static void
on_finding(void *ud, const eg_edifact_finding *f)
{
	seen *s = ud;

	if (f->severity == EG_FIND_NOTE) {
		s->notes++;
		return;
	}
	assert_int_equal(eg_buf_addf(&s->out, "%s %s %u.%u.%u.%u;",
				     f->code ? f->code : "-", f->rule,
				     (unsigned)f->pos.txn_pos,
				     (unsigned)f->pos.element,
				     (unsigned)f->pos.component,
				     (unsigned)f->pos.repetition),
			 EG_OK);
}

/* Check in (a whole file) against the guides of datadir; the findings. */
static void
check_file(const char *datadir, const char *in, size_t n, seen *s,
	   eg_edifact_check_result *res)
{
	eg_edguides *g = NULL;
	eg_source *src = NULL;
	eg_edifact_check_opts o;
	eg_edifact_events ev = {on_finding, NULL, NULL};
	eg_error e;

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(*s));
	eg_buf_init(&s->out, 1 << 20);
	ev.ud = s;
	eg_error_clear(&e);
	o.reader.limits = eg_edifact_limits_default();
	if (eg_edguides_new(&g, datadir, &e) != EG_OK)
		fail_msg("eg_edguides_new: %s", e.msg);
	o.guides = g;
	assert_int_equal(eg_source_new_mem(&src, in, n, "t", &e), EG_OK);
	if (eg_edifact_check(src, &o, &ev, res, &e) != EG_OK)
		fail_msg("eg_edifact_check: %s", e.msg);
	eg_source_free(src);
	eg_edguides_free(g);
}

/* Count the segment terminators of body that are not released. */
static unsigned
segments(const char *b)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; b[i]; i++) {
		if (b[i] == '?' && b[i + 1]) {
			i++;
			continue;
		}
		n += b[i] == '\'';
	}
	return n;
}

/*
 * A TESTMS message holding body (segments after UNH), in syntax version
 * ver with a UNA of una; the findings it gives, as a string.
 */
static const char *
testms(seen *s, const char *una, char ver, const char *body)
{
	static char buf[8192];
	eg_edifact_check_result res;

	snprintf(buf, sizeof(buf),
		 "%sUNB+UNOC:%c+S+R+%s:1200+IC1'UNH+1+TESTMS:T:1:UN'%sUNT+%u+1'"
		 "UNZ+1+IC1'",
		 una, ver, ver == '4' ? "20260105" : "260105", body,
		 segments(body) + 2);
	check_file(TDIR, buf, strlen(buf), s, &res);
	assert_int_equal(res.guided, 1);
	return eg_buf_cstr(&s->out);
}

#define EXPECT(body, want)                                                   \
	do {                                                                 \
		seen s_;                                                     \
		assert_string_equal(testms(&s_, "", '3', body), want);       \
		eg_buf_free(&s_.out);                                        \
	} while (0)

/* The body of a message that is valid against TESTMS. */
#define OK_BGM "BGM+220+DOC1'"
#define OK_SG1 "LIN+1'QTY+12:5'"

/* --- the loader ------------------------------------------------------------ */

static void
test_load_test_guide(void **state)
{
	eg_edguides *g = NULL;
	const eg_ed_guide *gd = NULL;
	const char *ids[5] = {"TESTMS", "T", "1", "UN", ""};
	const char *other[5] = {"TESTMS", "T", "1", "UN", "EAN005"};
	const char *tst[5] = {"TESTMS", "T", "1", "UN", "TST9"};
	const char *none[5] = {"NOSUCH", "T", "1", "UN", ""};
	eg_error e;
	const eg_ed_node *sg1;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_edguides_new(&g, TDIR, &e), EG_OK);
	assert_int_equal(eg_edguides_find(g, ids, &gd, &e), EG_OK);
	assert_non_null(gd);
	assert_string_equal(gd->dir, "T1");
	assert_string_equal(gd->root.kids[0].seg->id, "UNH");
	sg1 = &gd->root.kids[gd->root.n - 2];
	assert_true(sg1->group);
	assert_string_equal(sg1->gid, "SG1");
	assert_string_equal(sg1->seg->id, "LIN");
	assert_int_equal(sg1->max, 2);
	/* the narrowed BGM: C002 1001 down to two codes, 9003 not used */
	assert_int_equal(gd->root.kids[1].seg->e[0].cuse[0].codes->n, 2);
	assert_int_equal(gd->root.kids[1].seg->e[2].status, 'N');
	/* association: "TST*" answers TST9, not EAN005 */
	assert_int_equal(eg_edguides_find(g, tst, &gd, &e), EG_OK);
	assert_non_null(gd);
	assert_int_equal(eg_edguides_find(g, other, &gd, &e), EG_OK);
	assert_null(gd);
	assert_int_equal(eg_edguides_find(g, none, &gd, &e), EG_OK);
	assert_null(gd);
	eg_edguides_free(g);
}

/* Every bad guide is refused with file:line and the reason. */
static void
test_load_refused(void **state)
{
	static const struct {
		const char *file, *want;
	} cases[] = {
	    {"group_trigger.xml", "group_trigger.xml:5: a group starts with a "
				  "segment of status M and max 1: SG1"},
	    {"unknown_segment.xml", "unknown_segment.xml:5: segment not in the "
				    "directory: ZZZ"},
	    {"code_not_in_list.xml", "code_not_in_list.xml:6: code not in the "
				     "directory's list: 999"},
	    {"no_unt.xml", "no_unt.xml:3: a message starts with UNH and ends "
			   "with UNT"},
	    {"entity.xml", "entity declaration 'boom' refused"},
	};
	static const struct {
		const char *file, *want;
	} dirs[] = {
	    {"bad_repr.xml", "bad_repr.xml:3"},
	    {"position_gap.xml", "position_gap.xml:6: positions must run 1, 2, "
				 "3 ... in order; found 3"},
	    {"element_note_range.xml", "element_note_range.xml:7: dependency "
				       "note position out of range: 1 5"},
	};
	eg_edguides *g = NULL;
	const eg_ed_guide *gd;
	char path[256];
	size_t i, a, b, c;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_edguides_new(&g, TDIR, &e), EG_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), BAD "%s", cases[i].file);
		eg_error_clear(&e);
		assert_int_not_equal(eg_edguides_load(g, path, &gd, &e), EG_OK);
		if (!strstr(e.msg, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].file,
				 e.msg, cases[i].want);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), BAD "%s", dirs[i].file);
		eg_error_clear(&e);
		assert_int_not_equal(
		    eg_edguides_check_directory(g, path, &a, &b, &c, &e), EG_OK);
		if (!strstr(e.msg, dirs[i].want))
			fail_msg("%s: got '%s', want '%s'", dirs[i].file, e.msg,
				 dirs[i].want);
	}
	eg_edguides_free(g);
}

static void
test_repr(void **state)
{
	eg_ed_type t;
	uint16_t lo, hi;

	(void)state;
	assert_true(eg_ed_repr_parse("an..35", &t, &lo, &hi));
	assert_true(t == EG_ED_AN && lo == 1 && hi == 35);
	assert_true(eg_ed_repr_parse("a3", &t, &lo, &hi));
	assert_true(t == EG_ED_A && lo == 3 && hi == 3);
	assert_true(eg_ed_repr_parse("n..15", &t, &lo, &hi));
	assert_true(t == EG_ED_N && lo == 1 && hi == 15);
	assert_false(eg_ed_repr_parse("x3", &t, &lo, &hi));
	assert_false(eg_ed_repr_parse("an..", &t, &lo, &hi));
	assert_false(eg_ed_repr_parse("n0", &t, &lo, &hi));
	assert_false(eg_ed_repr_parse("n3x", &t, &lo, &hi));
}

/* --- the validator: one test per finding kind ------------------------------ */

static void
test_valid(void **state)
{
	(void)state;
	EXPECT(OK_BGM OK_SG1, "");
	/* every optional part present, two SG1 repetitions, SG2 */
	EXPECT(OK_BGM "DTM+260105'DTM+260106'TYP+ABC+12345+X+123456+A:B'"
		      "ND1+A'ND3++B'ND4'ND5+A+B+C'ND6+A+B'ND7+A'" OK_SG1
		      "DTM+260105'LIN+2'QTY+12:-1.5'",
	       "");
}

static void
test_segment_order(void **state)
{
	(void)state;
	/* 13: a mandatory segment, a mandatory group, a segment in a group;
	 * reported at the last segment read */
	EXPECT(OK_SG1, "13 segment-missing 1.0.0.0;");
	EXPECT(OK_BGM, "13 group-missing 2.0.0.0;");
	EXPECT(OK_BGM "LIN+1'", "13 segment-missing 3.0.0.0;");
	/* 15: out of order (TYP after the group), not in the message (OFF,
	 * and an unknown tag), marked not used (NUS) */
	EXPECT(OK_BGM OK_SG1 "TYP+ABC'", "15 segment-out-of-order 5.0.0.0;");
	EXPECT(OK_BGM "OFF+A'" OK_SG1, "15 segment-not-in-message 3.0.0.0;");
	EXPECT(OK_BGM "ZZZ+A'" OK_SG1, "15 segment-not-in-message 3.0.0.0;");
	EXPECT(OK_BGM "NUS+A'" OK_SG1, "15 segment-not-used 3.0.0.0;");
	/* 35: a segment over its max; 36: a group over its max */
	EXPECT(OK_BGM "DTM+260105'DTM+260105'DTM+260105'" OK_SG1,
	       "35 segment-over-max 5.0.0.0;");
	EXPECT(OK_BGM OK_SG1 OK_SG1 OK_SG1, "36 group-over-max 7.0.0.0;");
	/* a nested group's trigger again: a second SG2 under one LIN */
	EXPECT(OK_BGM OK_SG1 "DTM+260105'DTM+260105'",
	       "36 group-over-max 6.0.0.0;");
}

static void
test_elements(void **state)
{
	(void)state;
	/* 13: a mandatory element and a mandatory component */
	EXPECT("BGM+220'" OK_SG1, "13 element-missing 2.2.0.0;");
	EXPECT("BGM+:X+DOC1'" OK_SG1, "13 component-missing 2.1.1.0;");
	/* 15: an element and a component the subset does not use */
	EXPECT("BGM+220+DOC1+X'" OK_SG1, "15 element-not-used 2.3.0.0;");
	EXPECT("BGM+220::X+DOC1'" OK_SG1, "15 component-not-used 2.1.3.0;");
	/* 16: an element beyond the segment, a component beyond the
	 * composite, components in a simple element; empty ones are fine */
	EXPECT("BGM+220+DOC1++X'" OK_SG1, "16 too-many-elements 2.4.0.0;");
	EXPECT("BGM+220+DOC1+++'" OK_SG1, "");
	EXPECT("BGM+220:::X+DOC1'" OK_SG1, "16 too-many-components 2.1.4.0;");
	EXPECT("BGM+220+DOC1:X'" OK_SG1, "16 too-many-components 2.2.2.0;");
}

static void
test_values(void **state)
{
	(void)state;
	/* 12: not a code of the directory; 14: a code the subset leaves
	 * out */
	EXPECT("BGM+999+DOC1'" OK_SG1, "12 invalid-code 2.1.1.0;");
	EXPECT("BGM+380+DOC1'" OK_SG1, "14 code-not-used 2.1.1.0;");
	/* 37: a digit in alphabetic, a letter in numeric, a lone sign */
	EXPECT(OK_BGM "TYP+A1C'" OK_SG1, "37 invalid-alphabetic 3.1.0.0;");
	EXPECT(OK_BGM "TYP++12A'" OK_SG1, "37 invalid-numeric 3.2.0.0;");
	EXPECT(OK_BGM "TYP++-'" OK_SG1, "37 invalid-numeric 3.2.0.0;");
	/* 38: no digit before the decimal mark; 19: a mark at the end,
	 * two marks */
	EXPECT(OK_BGM "TYP++.5'" OK_SG1, "38 missing-digit-before-decimal "
					  "3.2.0.0;");
	EXPECT(OK_BGM "TYP++-.5'" OK_SG1, "38 missing-digit-before-decimal "
					   "3.2.0.0;");
	EXPECT(OK_BGM "TYP++5.'" OK_SG1, "19 invalid-decimal 3.2.0.0;");
	EXPECT(OK_BGM "TYP++1.2.3'" OK_SG1, "19 invalid-decimal 3.2.0.0;");
	/* 39 / 40: lengths; numeric lengths count digits only */
	EXPECT(OK_BGM "TYP+ABCD'" OK_SG1, "39 element-too-long 3.1.0.0;");
	EXPECT(OK_BGM "TYP+AB'" OK_SG1, "40 element-too-short 3.1.0.0;");
	EXPECT(OK_BGM "TYP++-123.45'" OK_SG1, "");
	EXPECT(OK_BGM "TYP++123456'" OK_SG1, "39 element-too-long 3.2.0.0;");
	EXPECT(OK_BGM "TYP++++12345'" OK_SG1, "40 element-too-short 3.4.0.0;");
	/* released characters count once */
	EXPECT(OK_BGM "TYP+++?+'" OK_SG1, "");
	EXPECT(OK_BGM "TYP+++???+'" OK_SG1, "");
	EXPECT(OK_BGM "TYP+++???+?+?+'" OK_SG1, "39 element-too-long 3.3.0.0;");
	EXPECT(OK_BGM "TYP+++?+:'" OK_SG1, "");
	EXPECT(OK_BGM "TYP+++?+:X'" OK_SG1, "16 too-many-components 3.3.2.0;");
}

static void
test_decimal_mark(void **state)
{
	seen s;

	(void)state;
	/* UNA3 ',' in syntax 3: the comma is the mark, the point is not */
	assert_string_equal(testms(&s, "UNA:+,? '", '3',
				   OK_BGM "TYP++1,5'" OK_SG1),
			    "");
	eg_buf_free(&s.out);
	assert_string_equal(testms(&s, "UNA:+,? '", '3',
				   OK_BGM "TYP++1.5'" OK_SG1),
			    "37 invalid-numeric 3.2.0.0;");
	eg_buf_free(&s.out);
	/* syntax 4 takes either mark */
	assert_string_equal(testms(&s, "UNA:+.? '", '4',
				   OK_BGM "TYP++1,5'" OK_SG1),
			    "");
	eg_buf_free(&s.out);
	/* no UNA: either mark */
	assert_string_equal(testms(&s, "", '3', OK_BGM "TYP++1,5'" OK_SG1),
			    "");
	eg_buf_free(&s.out);
}

static void
test_repetitions(void **state)
{
	seen s;

	(void)state;
	/* syntax 4: 9002 repeats up to twice; a third is 35, and each
	 * repetition is checked and named */
	assert_string_equal(testms(&s, "UNA:+.?*'", '4',
				   OK_BGM "TYP++1*2'" OK_SG1),
			    "");
	eg_buf_free(&s.out);
	assert_string_equal(testms(&s, "UNA:+.?*'", '4',
				   OK_BGM "TYP++1*2*3'" OK_SG1),
			    "35 too-many-repetitions 3.2.0.3;");
	eg_buf_free(&s.out);
	assert_string_equal(testms(&s, "UNA:+.?*'", '4',
				   OK_BGM "TYP++1*X'" OK_SG1),
			    "37 invalid-numeric 3.2.0.2;");
	eg_buf_free(&s.out);
	/* TYP element 1 does not repeat */
	assert_string_equal(testms(&s, "UNA:+.?*'", '4',
				   OK_BGM "TYP+ABC*DEF'" OK_SG1),
			    "35 too-many-repetitions 3.1.0.2;");
	eg_buf_free(&s.out);
}

static void
test_notes(void **state)
{
	(void)state;
	/* D1 exactly one */
	EXPECT(OK_BGM "ND1'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND1+A+B'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND1++B'" OK_SG1, "");
	/* D2 all or none, in a composite: named by element and component */
	EXPECT(OK_BGM "TYP+++++A'" OK_SG1, "48 dependency-note 3.5.1.0;");
	EXPECT(OK_BGM "TYP+++++:B'" OK_SG1, "48 dependency-note 3.5.1.0;");
	/* D3 one or more */
	EXPECT(OK_BGM "ND3'" OK_SG1, "48 dependency-note 3.0.0.0;");
	/* D4 one or none */
	EXPECT(OK_BGM "ND4+A+B'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND4+A'" OK_SG1, "");
	/* D5 if the first, then all */
	EXPECT(OK_BGM "ND5+A+B'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND5++B'" OK_SG1, "");
	/* D6 if the first, then at least one more */
	EXPECT(OK_BGM "ND6+A'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND6+A++C'" OK_SG1, "");
	/* D7 if the first, then none of the others */
	EXPECT(OK_BGM "ND7+A++C'" OK_SG1, "48 dependency-note 3.0.0.0;");
	EXPECT(OK_BGM "ND7++B+C'" OK_SG1, "");
}

/* Findings reach the checks: the message is rejected, positions hold. */
static void
test_positions_and_outcome(void **state)
{
	seen s;
	eg_edifact_check_result res;
	const char in[] = "UNB+UNOC:3+S+R+260105:1200+IC1'"
			  "UNH+1+TESTMS:T:1:UN'BGM+220+DOC1'LIN+1'QTY+12:5'"
			  "UNT+5+1'"
			  "UNH+2+TESTMS:T:1:UN'BGM+999+DOC2'LIN+1'QTY+12:5'"
			  "UNT+5+2'"
			  "UNH+3+OTHERS:D:96A:UN'UNT+2+3'UNZ+3+IC1'";

	(void)state;
	check_file(TDIR, S(in), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out), "12 invalid-code 2.1.1.0;");
	assert_int_equal(res.guided, 2);
	assert_int_equal(res.unguided, 1);
	assert_int_equal(s.notes, 1); /* no-guide for OTHERS */
	assert_int_equal(res.totals.transactions, 3);
	assert_int_equal(res.totals.rejected_transactions, 1);
	eg_buf_free(&s.out);
}

/* A message cut short (no UNT): only the service checks speak. */
static void
test_missing_unt(void **state)
{
	seen s;
	eg_edifact_check_result res;
	const char in[] = "UNB+UNOC:3+S+R+260105:1200+IC1'"
			  "UNH+1+TESTMS:T:1:UN'BGM+220+DOC1'UNZ+1+IC1'";

	(void)state;
	check_file(TDIR, S(in), &s, &res);
	assert_non_null(strstr(eg_buf_cstr(&s.out), "13 unt-missing"));
	assert_null(strstr(eg_buf_cstr(&s.out), "group-missing"));
	eg_buf_free(&s.out);
}

/* --- shipped guides ---------------------------------------------------------- */

static void
test_shipped_load(void **state)
{
	static const char *const msgs[][3] = {
	    {"DESADV", "D", "96A"}, {"ORDERS", "D", "96A"},
	    {"INVOIC", "D", "96A"}, {"RECADV", "D", "96A"},
	    {"DESADV", "D", "01B"}, {"ORDERS", "D", "01B"},
	    {"INVOIC", "D", "01B"}, {"RECADV", "D", "01B"},
	    {"CONTRL", "D", "3"},   {"CONTRL", "4", "1"},
	};
	eg_edguides *g = NULL;
	const eg_ed_guide *gd;
	eg_error e;
	size_t i;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_edguides_new(&g, SHIPPED, &e), EG_OK);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		const char *ids[5] = {msgs[i][0], msgs[i][1], msgs[i][2], "UN",
				      "EAN005"};

		if (strcmp(msgs[i][0], "CONTRL") == 0)
			ids[4] = "";
		gd = NULL;
		if (eg_edguides_find(g, ids, &gd, &e) != EG_OK)
			fail_msg("%s %s%s: %s", msgs[i][0], msgs[i][1],
				 msgs[i][2], e.msg);
		assert_non_null(gd);
		assert_string_equal(gd->type, msgs[i][0]);
	}
	eg_edguides_free(g);
}

static void
test_shipped_desadv(void **state)
{
	seen s;
	eg_edifact_check_result res;
	/* an EANCOM D.96A DESADV: pallet (SSCC), two lines with release
	 * characters in the text */
	const char ok[] =
	    "UNA:+.? 'UNB+UNOC:3+5412345000013:14+8712345000016:14+260105:0930"
	    "+DA1'UNH+M1+DESADV:D:96A:UN:EAN005'BGM+351+DN0001+9'"
	    "DTM+137:20260105:102'DTM+11:20260106:102'RFF+ON:PO123'"
	    "NAD+BY+5412345000013::9'NAD+SU+8712345000016::9++O?'BRIEN'"
	    "NAD+DP+5412345000020::9'CPS+1'CPS+2+1'PAC+1++201'PCI+33E'"
	    "GIN+BJ+354123450000000014'LIN+1++5412345000013:EN'"
	    "PIA+1+ART1:SA'IMD+F++:::SOUP ?+ BREAD'QTY+12:24'"
	    "LIN+2++5412345000020:EN'QTY+12:1.5'CNT+2:2'UNT+21+M1'"
	    "UNZ+1+DA1'";
	/* the same with a LIN before its CPS, a QTY without its quantity,
	 * an SSCC of 19 characters where 35 is the limit (fine), a DTM
	 * without a format and a BGM without its document number */
	const char bad[] =
	    "UNB+UNOC:3+S:14+R:14+260105:0930+DA2'"
	    "UNH+M2+DESADV:D:96A:UN:EAN005'BGM+351'DTM+137:20260105'"
	    "LIN+1++5412345000013:EN'QTY+12'CPS+1'UNT+7+M2'UNZ+1+DA2'";

	(void)state;
	check_file(SHIPPED, S(ok), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out), "");
	assert_int_equal(res.guided, 1);
	eg_buf_free(&s.out);
	check_file(SHIPPED, S(bad), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out),
			    "13 element-missing 2.2.0.0;"
			    "13 component-missing 3.1.3.0;"
			    "15 segment-out-of-order 4.0.0.0;"
			    "15 segment-out-of-order 5.0.0.0;");
	eg_buf_free(&s.out);
}

static void
test_shipped_orders_d01b(void **state)
{
	seen s;
	eg_edifact_check_result res;
	/* EANCOM 2002 ORDERS: BGM 1004 in composite C106, UNS+S; UNS+D is
	 * a directory code the EANCOM subset does not use (14) */
	const char in[] =
	    "UNB+UNOC:3+S:14+R:14+260105:0930+OR1'"
	    "UNH+1+ORDERS:D:01B:UN:EAN010'BGM+220+PO1+9'DTM+137:20260105:102'"
	    "NAD+BY+5412345000013::9'LIN+1++4000862141404:SRV'"
	    "QTY+21:48:PCE'UNS+S'CNT+2:1'UNT+9+1'"
	    "UNH+2+ORDERS:D:01B:UN:EAN010'BGM+220+PO2+9'DTM+137:20260105:102'"
	    "LIN+1++4000862141404:SRV'QTY+21:x'UNS+D'UNT+7+2'UNZ+2+OR1'";

	(void)state;
	check_file(SHIPPED, S(in), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out),
			    "37 invalid-numeric 5.1.2.0;"
			    "14 code-not-used 6.1.0.0;");
	assert_int_equal(res.guided, 2);
	assert_int_equal(res.totals.rejected_transactions, 1);
	eg_buf_free(&s.out);
}

/* --- our own CONTRL validates against the shipped CONTRL guides ----------- */

typedef struct emitted {
	eg_buf all;
	uint64_t next;
} emitted;

static eg_err
next_ctl(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	emitted *m = ud;

	(void)e;
	(void)kind;
	*out = m->next++;
	return EG_OK;
}

static eg_err
emit_cb(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	emitted *m = ud;

	(void)e;
	(void)name;
	return eg_buf_add(&m->all, data, len);
}

static void
contrl_validates(const char *in, size_t n, const char *want)
{
	eg_contrl_opts o;
	eg_contrl *c = NULL;
	eg_source *src = NULL;
	eg_edguides *g = NULL;
	eg_edifact_check_opts co;
	eg_edifact_check_result res;
	emitted m;
	seen s;
	eg_error e;

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	co.reader.limits = eg_edifact_limits_default();
	co.reader.strict = EG_EDIFACT_REP_OFF;
	eg_error_clear(&e);
	/* the inbound file is checked against the shipped guides too, so
	 * guide findings come back as UCS/UCD */
	assert_int_equal(eg_edguides_new(&g, SHIPPED, &e), EG_OK);
	co.guides = g;
	eg_buf_init(&m.all, 1 << 20);
	m.next = 7;
	o.next_control = next_ctl;
	o.emit = emit_cb;
	o.ud = &m;
	o.now = 1767603600;
	o.when = EG_CONTRL_ALWAYS;
	eg_error_clear(&e);
	assert_int_equal(eg_contrl_new(&c, &o, &e), EG_OK);
	assert_int_equal(eg_source_new_mem(&src, in, n, "t", &e), EG_OK);
	assert_int_equal(eg_edifact_check(src, &co, eg_contrl_events(c), &res,
					  &e),
			 EG_OK);
	assert_int_equal(eg_contrl_error(c, &e), EG_OK);
	eg_contrl_free(c);
	eg_source_free(src);
	eg_edguides_free(g);
	assert_true(m.all.len > 0);
	check_file(SHIPPED, m.all.data, m.all.len, &s, &res);
	if (s.out.len || res.totals.errors || res.guided == 0)
		fail_msg("our CONTRL does not validate: %s\n%s",
			 eg_buf_cstr(&s.out), eg_buf_cstr(&m.all));
	if (!strstr(eg_buf_cstr(&m.all), want))
		fail_msg("no %s in\n%s", want, eg_buf_cstr(&m.all));
	eg_buf_free(&s.out);
	eg_buf_free(&m.all);
}

static void
test_contrl_validates(void **state)
{
	(void)state;
	/* syntax 3, accepted: UCI and a UCM */
	contrl_validates(S("UNB+UNOA:3+S:14+R:14+260105:1200+IC1++++1'"
			   "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'"
			   "DTM+137:20260105:102'UNS+S'UNT+5+1'UNZ+1+IC1'"),
			 "UCM+1+ORDERS:D:96A:UN+7'");
	/* a message with a missing mandatory segment: UCS at the last
	 * segment read */
	contrl_validates(S("UNB+UNOA:3+S:14+R:14+260105:1200+IC1++++1'"
			   "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+IC1'"),
			 "UCS+1+13'");
	/* syntax 3, a message with segment and element errors (UCS/UCD):
	 * the guide validator's findings become UCS/UCD lines too */
	contrl_validates(S("UNB+UNOA:3+S:14+R:14+260105:1200+IC2++++1'"
			   "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+999+PO1'"
			   "DTM+137'UNS+X'UNT+5+1'"
			   "UNH+2+ORDERS:D:96A:UN'UNT+9+2'UNZ+2+IC2'"),
			 "UCD+13+2:2'");
	/* syntax 4 with groups, one group rejected */
	contrl_validates(
	    S("UNA:+.?*'UNB+UNOC:4+SEND:ZZ+REC:ZZ+20260104:2300+IC9++++1'"
	      "UNG+ORDERS+SEND:ZZ+REC:ZZ+20260104:2300+G1+UN+D:01B'"
	      "UNH+M1+X:D:01B:UN'UNT+2+M1'UNE+1+G1'"
	      "UNG+ORDERS+SEND:ZZ+REC:ZZ+20260104:2300+G2+UN+D:01B'"
	      "UNH+M2+X:D:01B:UN'UNT+2+M2'UNE+2+G2'UNZ+2+IC9'"),
	    "UCF+G2+SEND:ZZ+REC:ZZ+4+29");
	/* an interchange rejected outright (UNZ count) */
	contrl_validates(S("UNB+UNOA:3+S+R+260105:1200+IC3'"
			   "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+5+IC3'"),
			 "UCI+IC3+S+R+4+29");
}

/* A CONTRL written wrongly by hand is caught: a withdrawn action code,
 * a UCD outside a UCS, a UCM without the UCI before it. */
static void
test_contrl_guide_catches(void **state)
{
	seen s;
	eg_edifact_check_result res;
	const char bad1[] =
	    "UNB+UNOA:3+R+S+260105:1300+1'UNH+1+CONTRL:D:3:UN'"
	    "UCI+IC1+S+R+6'UCD+12+2'UCM+1+ORDERS:D:96A:UN+7'UNT+5+1'"
	    "UNZ+1+1'";
	const char bad2[] =
	    "UNB+UNOA:3+R+S+260105:1300+1'UNH+1+CONTRL:D:3:UN'"
	    "UCM+1+ORDERS:D:96A:UN+7'UNT+3+1'UNZ+1+1'";

	(void)state;
	check_file(SHIPPED, S(bad1), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out),
			    "14 code-not-used 2.4.0.0;"
			    "15 segment-out-of-order 3.0.0.0;");
	eg_buf_free(&s.out);
	check_file(SHIPPED, S(bad2), &s, &res);
	assert_string_equal(eg_buf_cstr(&s.out),
			    "13 segment-missing 1.0.0.0;");
	eg_buf_free(&s.out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_test_guide),
	    cmocka_unit_test(test_load_refused),
	    cmocka_unit_test(test_repr),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_segment_order),
	    cmocka_unit_test(test_elements),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_decimal_mark),
	    cmocka_unit_test(test_repetitions),
	    cmocka_unit_test(test_notes),
	    cmocka_unit_test(test_positions_and_outcome),
	    cmocka_unit_test(test_missing_unt),
	    cmocka_unit_test(test_shipped_load),
	    cmocka_unit_test(test_shipped_desadv),
	    cmocka_unit_test(test_shipped_orders_d01b),
	    cmocka_unit_test(test_contrl_validates),
	    cmocka_unit_test(test_contrl_guide_catches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
