/*
 * test_guide.c - unit tests for the guide loader (guide.h).
 *
 * Loads the test data directory tests/fixtures/guides (its own small
 * dictionaries and guides, not the shipped edi/): the lookup by set and
 * GS08, the structure of the 856 (ST first, the HL loop, the N1 loop
 * inside it, SE last, the HL hierarchy), code sets (sorted, with their
 * names, from a shared code list), the 005010 dictionary that extends
 * 004010, a partner guide that narrows the 856 with <restrict>, and the
 * broken guides under tests/fixtures/guides/bad/, each refused with a
 * message that names the file and the line.
 *
 * Run with the working directory tests/unit (the Makefile does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/err.h"
#include "edigate/guide.h"

#define DATADIR "../fixtures/guides"
#define BAD DATADIR "/bad/"

/* --- helpers ----------------------------------------------------------------- */

static eg_guides *
open_guides(const char *dir)
{
	eg_guides *g = NULL;
	eg_error e;

	eg_error_clear(&e);
	if (eg_guides_new(&g, dir, &e) != EG_OK)
		fail_msg("eg_guides_new(%s): %s", dir, e.msg);
	assert_non_null(g);
	return g;
}

static const eg_guide *
find(eg_guides *g, const char *set, const char *gs08)
{
	const eg_guide *gd = (const eg_guide *)1;
	eg_error e;

	eg_error_clear(&e);
	if (eg_guides_find(g, set, gs08, &gd, &e) != EG_OK)
		fail_msg("eg_guides_find(%s, %s): %s", set, gs08, e.msg);
	return gd;
}

/* The child of n that is segment (or loop, when loop is set) id. */
static const eg_gnode *
kid(const eg_gnode *n, const char *id, int loop)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		const eg_gnode *k = &n->kids[i];

		if (loop && k->loop && strcmp(k->loop_id, id) == 0)
			return k;
		if (!loop && !k->loop && strcmp(k->seg->id, id) == 0)
			return k;
	}
	fail_msg("no %s %s among %zu children", loop ? "loop" : "segment", id,
		 n->n);
	return NULL;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every code set reachable from a segment is sorted and has no repeats. */
static void
check_sorted(const eg_codes *c, const char *where)
{
	size_t i;

	if (!c)
		return;
	assert_true(c->n > 0);
	for (i = 1; i < c->n; i++)
		if (strcmp(c->v[i - 1], c->v[i]) >= 0)
			fail_msg("%s: codes not sorted: '%s' before '%s'", where,
				 c->v[i - 1], c->v[i]);
}

static void
check_uses_sorted(const eg_use *u, size_t n, const char *where)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (u[i].el)
			check_sorted(u[i].el->codes, where);
		check_sorted(u[i].codes, where);
		if (u[i].comp)
			check_uses_sorted(u[i].comp->c, u[i].comp->n, where);
	}
}

static void
check_tree_sorted(const eg_gnode *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		const eg_gnode *k = &n->kids[i];

		if (k->loop)
			check_tree_sorted(k);
		else
			check_uses_sorted(k->seg->e, k->seg->n, k->seg->id);
	}
}

/*
 * Loading the broken guide file must fail with EG_ECONFIG and a message
 * naming "file:line:" and containing what.
 */
static void
want_load_error(const char *file, long line, const char *what)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *gd = (const eg_guide *)1, *good = NULL;
	char path[256], where[128], why[EG_ERRMSG_MAX + 256] = "";
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	snprintf(path, sizeof(path), BAD "%s", file);
	snprintf(where, sizeof(where), "%s:%ld:", file, line);
	rc = eg_guides_load(g, path, &gd, &e);
	if (rc != EG_ECONFIG)
		snprintf(why, sizeof(why), "rc %d, want EG_ECONFIG (%s)",
			 (int)rc, e.msg);
	else if (gd)
		snprintf(why, sizeof(why), "a guide returned with the error");
	else if (!strstr(e.msg, where))
		snprintf(why, sizeof(why), "message does not name '%s': %s",
			 where, e.msg);
	else if (!strstr(e.msg, what))
		snprintf(why, sizeof(why), "message lacks '%s': %s", what,
			 e.msg);
	/* A broken file does not spoil the store: good guides still load. */
	eg_error_clear(&e);
	if (!why[0] && (eg_guides_find(g, "856", "004010", &good, &e) ||
			!good))
		snprintf(why, sizeof(why), "the good 856 no longer loads: %s",
			 e.msg);
	/* Free first: fail_msg jumps out of the test. */
	eg_guides_free(g);
	if (why[0])
		fail_msg("%s: %s", file, why);
}

/* --- lookup -------------------------------------------------------------------- */

static void
test_find(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *a, *b, *c;

	(void)state;
	a = find(g, "856", "004010");
	assert_non_null(a);
	assert_string_equal(a->set, "856");
	assert_string_equal(a->release, "004010");
	assert_non_null(a->fid);
	assert_string_equal(a->fid, "SH");
	assert_null(a->base);
	assert_true(ends_with(a->path, "edi/x12/004010/856.xml"));
	/* GS08 with an industry suffix finds the release's guide, the same
	 * object (loaded once). */
	b = find(g, "856", "004010VICS");
	assert_ptr_equal(a, b);
	/* Another release is another guide. */
	c = find(g, "856", "005010");
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	assert_string_equal(c->release, "005010");
	assert_non_null(find(g, "940", "004010"));
	assert_non_null(find(g, "997", "004010"));
	assert_non_null(find(g, "999", "005010X231A1"));
	/* No guide: NULL and EG_OK, never an error. */
	assert_null(find(g, "850", "004010"));
	assert_null(find(g, "856", "003070"));
	assert_null(find(g, "999", "004010"));
	assert_null(find(g, "856", ""));
	assert_null(find(g, "856", "0040"));
	assert_null(find(g, "85A", "004010"));
	assert_null(find(g, "", "004010"));
	eg_guides_free(g);
}

/* --- structure ------------------------------------------------------------------ */

static void
test_structure_856(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *gd = find(g, "856", "004010");
	const eg_gnode *r, *hl, *n1, *k;

	(void)state;
	assert_non_null(gd);
	r = &gd->root;
	assert_true(r->loop);
	assert_true(r->n >= 4);
	/* ST first, SE last, both mandatory and once. */
	assert_false(r->kids[0].loop);
	assert_string_equal(r->kids[0].seg->id, "ST");
	assert_int_equal(r->kids[0].usage, 'M');
	assert_int_equal(r->kids[0].max, 1);
	assert_int_equal(r->kids[0].line, 4);
	assert_false(r->kids[r->n - 1].loop);
	assert_string_equal(r->kids[r->n - 1].seg->id, "SE");
	k = kid(r, "BSN", 0);
	assert_int_equal(k->usage, 'M');
	assert_int_equal(k->min, 1);
	k = kid(r, "DTM", 0);
	assert_int_equal(k->usage, 'O');
	assert_int_equal(k->min, 0);
	assert_int_equal(k->max, 10);
	/* The HL loop: trigger HL, mandatory; the N1 loop inside it. */
	hl = kid(r, "HL", 1);
	assert_int_equal(hl->usage, 'M');
	assert_int_equal(hl->max, 200000);
	assert_false(hl->kids[0].loop);
	assert_string_equal(hl->kids[0].seg->id, "HL");
	assert_int_equal(hl->kids[0].usage, 'M');
	assert_ptr_equal(hl->seg, hl->kids[0].seg);
	assert_int_equal(kid(hl, "REF", 0)->max, 2);
	n1 = kid(hl, "N1", 1);
	assert_int_equal(n1->usage, 'O');
	assert_int_equal(n1->max, 200);
	assert_string_equal(n1->kids[0].seg->id, "N1");
	assert_int_equal(kid(n1, "N3", 0)->max, 2);
	/* The N1 loop is not at the top level. */
	for (k = r->kids; k < r->kids + r->n; k++)
		assert_false(k->loop && strcmp(k->loop_id, "N1") == 0);
	/* Segment definitions from the dictionary. */
	k = kid(r, "BSN", 0);
	assert_int_equal(k->seg->n, 5);
	assert_int_equal(k->seg->e[1].pos, 2);
	assert_non_null(k->seg->e[1].el);
	assert_string_equal(k->seg->e[1].el->id, "396");
	assert_int_equal(k->seg->e[1].el->type, EG_T_AN);
	assert_int_equal(k->seg->e[1].el->min, 2);
	assert_int_equal(k->seg->e[1].el->max, 30);
	assert_int_equal(k->seg->e[2].el->type, EG_T_DT);
	assert_int_equal(k->seg->e[3].el->type, EG_T_TM);
	k = kid(r, "DTM", 0);
	assert_int_equal(k->seg->nsyn, 2);
	assert_int_equal(k->seg->syn[0].rule, 'R');
	assert_int_equal(k->seg->syn[0].n, 2);
	assert_int_equal(k->seg->syn[0].pos[0], 2);
	assert_int_equal(k->seg->syn[0].pos[1], 3);
	assert_int_equal(k->seg->syn[1].rule, 'C');
	/* SN103 is a composite. */
	k = kid(hl, "SN1", 0);
	assert_null(k->seg->e[2].el);
	assert_non_null(k->seg->e[2].comp);
	assert_string_equal(k->seg->e[2].comp->id, "C001");
	assert_int_equal(k->seg->e[2].comp->n, 3);
	/* The hierarchy. */
	assert_int_equal(gd->nlevels, 5);
	assert_string_equal(gd->levels[0].code, "S");
	assert_string_equal(gd->levels[0].parents, "");
	assert_string_equal(gd->levels[1].code, "O");
	assert_string_equal(gd->levels[1].parents, "S");
	assert_string_equal(gd->levels[4].code, "I");
	assert_string_equal(gd->levels[4].parents, "O P T");
	eg_guides_free(g);
}

static void
test_structure_940_narrowing(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *gd = find(g, "940", "004010");
	const eg_gnode *r, *n1, *k;
	const eg_sdef *dict_w05;

	(void)state;
	assert_non_null(gd);
	r = &gd->root;
	assert_int_equal(kid(r, "PRF", 0)->usage, 'N');
	n1 = kid(r, "N1", 1);
	assert_int_equal(n1->max, 2);
	k = kid(n1, "N3", 0);
	assert_int_equal(k->usage, 'M');
	assert_int_equal(k->min, 1);
	/* N404 not used here; the dictionary's N4 is untouched. */
	k = kid(n1, "N4", 0);
	assert_int_equal(k->seg->e[3].usage, 'N');
	assert_int_equal(eg_guides_segment(g, "004010", "N4")->e[3].usage, 'O');
	/* W05 01 narrowed to 00 and 06: a subset of element 353's codes. */
	k = kid(r, "W05", 0);
	assert_non_null(k->seg->e[0].codes);
	assert_int_equal(k->seg->e[0].codes->n, 2);
	assert_true(eg_codes_has(k->seg->e[0].codes, "06", 2));
	assert_false(eg_codes_has(k->seg->e[0].codes, "05", 2));
	assert_true(eg_codes_has(k->seg->e[0].el->codes, "05", 2));
	dict_w05 = eg_guides_segment(g, "004010", "W05");
	assert_non_null(dict_w05);
	assert_null(dict_w05->e[0].codes);
	eg_guides_free(g);
}

/* --- codes ------------------------------------------------------------------------ */

static void
test_codes(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *gd = find(g, "856", "004010");
	const eg_gnode *hl;
	const eg_codes *c;
	const eg_sdef *sd;
	size_t i;

	(void)state;
	assert_non_null(gd);
	check_tree_sorted(&gd->root);
	/* HL03 (735): listed S O T P I F in the dictionary, kept sorted. */
	hl = kid(&gd->root, "HL", 1);
	c = hl->kids[0].seg->e[2].el->codes;
	assert_non_null(c);
	assert_int_equal(c->n, 6);
	assert_string_equal(c->v[0], "F");
	assert_string_equal(c->v[5], "T");
	assert_null(c->list);
	for (i = 0; i < c->n; i++)
		assert_true(eg_codes_has(c, c->v[i], strlen(c->v[i])));
	assert_true(eg_codes_has(c, "S", 1));
	assert_false(eg_codes_has(c, "X", 1));
	assert_false(eg_codes_has(c, "SS", 2));
	assert_false(eg_codes_has(c, "", 0));
	/* Only the first n bytes count. */
	assert_true(eg_codes_has(c, "SX", 1));
	/* Names stay with their values through the sort (353). */
	sd = eg_guides_segment(g, "004010", "BSN");
	assert_non_null(sd);
	c = sd->e[0].el->codes;
	assert_int_equal(c->n, 3);
	assert_string_equal(c->v[0], "00");
	assert_string_equal(c->names[0], "Original");
	assert_string_equal(c->v[1], "05");
	assert_string_equal(c->names[1], "Replace");
	assert_string_equal(c->v[2], "06");
	assert_string_equal(c->names[2], "Confirmation");
	/* 355 takes its codes from edi/codelists/uom.xml. */
	sd = eg_guides_segment(g, "004010", "SN1");
	c = sd->e[2].comp->c[0].el->codes;
	assert_non_null(c);
	assert_non_null(c->list);
	assert_string_equal(c->list, "uom");
	assert_int_equal(c->n, 4);
	assert_string_equal(c->v[0], "CA");
	assert_string_equal(c->v[3], "PL");
	assert_true(eg_codes_has(c, "EA", 2));
	assert_false(eg_codes_has(c, "ZZ", 2));
	assert_false(eg_codes_has(c, "E", 1));
	/* No codes: any value of the right form. */
	sd = eg_guides_segment(g, "004010", "REF");
	assert_null(sd->e[0].el->codes);
	eg_guides_free(g);
}

static void
test_dictionary_base(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_sdef *a, *b;
	char t[8];

	(void)state;
	assert_null(eg_guides_segment(g, "004010", "ZZZ"));
	assert_null(eg_guides_segment(g, "004010", "IK3"));
	assert_null(eg_guides_segment(g, "009999", "BSN"));
	/* 005010 extends 004010: BSN comes from the base ... */
	a = eg_guides_segment(g, "004010", "BSN");
	b = eg_guides_segment(g, "005010", "BSN");
	assert_non_null(a);
	assert_ptr_equal(a, b);
	/* ... ST and MAN are its own. */
	a = eg_guides_segment(g, "004010", "ST");
	b = eg_guides_segment(g, "005010", "ST");
	assert_int_equal(a->n, 2);
	assert_int_equal(b->n, 3);
	assert_string_equal(b->e[2].el->id, "1705");
	a = eg_guides_segment(g, "004010", "MAN");
	b = eg_guides_segment(g, "005010", "MAN");
	assert_int_equal(a->e[0].repeat, 1);
	assert_int_equal(b->e[0].repeat, 2);
	assert_non_null(eg_guides_segment(g, "005010", "IK3"));
	/* IK4's C030 is 005010's (three components), AK4's 004010's. */
	assert_int_equal(eg_guides_segment(g, "005010", "IK4")->e[0].comp->n, 3);
	assert_int_equal(eg_guides_segment(g, "004010", "AK4")->e[0].comp->n, 2);
	/* Type names for people. */
	a = eg_guides_segment(g, "004010", "SE");
	assert_string_equal(eg_etype_name(a->e[0].el, t, sizeof(t)), "N0");
	a = eg_guides_segment(g, "004010", "BSN");
	assert_string_equal(eg_etype_name(a->e[0].el, t, sizeof(t)), "ID");
	assert_string_equal(eg_etype_name(a->e[2].el, t, sizeof(t)), "DT");
	a = eg_guides_segment(g, "004010", "SN1");
	assert_string_equal(eg_etype_name(a->e[1].el, t, sizeof(t)), "R");
	eg_guides_free(g);
}

/* --- partner guide ----------------------------------------------------------------- */

static void
test_partner(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *base = find(g, "856", "004010"), *p = NULL;
	const eg_gnode *k, *hl;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	if (eg_guides_load(g, DATADIR "/partner/856-acme.xml", &p, &e) != EG_OK)
		fail_msg("partner guide: %s", e.msg);
	assert_non_null(p);
	assert_ptr_not_equal(p, base);
	assert_string_equal(p->set, "856");
	assert_string_equal(p->release, "004010");
	assert_non_null(p->base);
	assert_true(ends_with(p->base, "edi/x12/004010/856.xml"));
	assert_true(ends_with(p->path, "partner/856-acme.xml"));
	/* Inherited: functional id and hierarchy. */
	assert_non_null(p->fid);
	assert_string_equal(p->fid, "SH");
	assert_int_equal(p->nlevels, 5);
	/* Same structure ... */
	assert_int_equal(p->root.n, base->root.n);
	assert_string_equal(p->root.kids[0].seg->id, "ST");
	assert_string_equal(p->root.kids[p->root.n - 1].seg->id, "SE");
	/* ... narrowed: DTM mandatory, at most 2. */
	k = kid(&p->root, "DTM", 0);
	assert_int_equal(k->usage, 'M');
	assert_int_equal(k->min, 1);
	assert_int_equal(k->max, 2);
	hl = kid(&p->root, "HL", 1);
	assert_int_equal(kid(hl, "MAN", 0)->usage, 'N');
	assert_int_equal(kid(kid(hl, "N1", 1), "N3", 0)->max, 1);
	/* The base guide is untouched (the partner has its own copy). */
	k = kid(&base->root, "DTM", 0);
	assert_int_equal(k->usage, 'O');
	assert_int_equal(k->max, 10);
	hl = kid(&base->root, "HL", 1);
	assert_int_equal(kid(hl, "MAN", 0)->usage, 'O');
	assert_int_equal(kid(kid(hl, "N1", 1), "N3", 0)->max, 2);
	/* Loading the same file again gives the same guide. */
	{
		const eg_guide *again = NULL;

		assert_int_equal(eg_guides_load(g, DATADIR "/partner/856-acme.xml",
						&again, &e),
				 EG_OK);
		assert_ptr_equal(again, p);
	}
	eg_guides_free(g);
}

/* <restrict path="BSN01"> narrows an element's codes (docs/guides.md). */
static void
test_partner_element_codes(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *base = find(g, "856", "004010"), *p = NULL;
	const eg_gnode *k;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	if (eg_guides_load(g, DATADIR "/partner/856-acme.xml", &p, &e) != EG_OK)
		fail_msg("partner guide: %s", e.msg);
	k = kid(&p->root, "BSN", 0);
	assert_non_null(k->seg->e[0].codes);
	assert_int_equal(k->seg->e[0].codes->n, 1);
	assert_string_equal(k->seg->e[0].codes->v[0], "00");
	assert_null(kid(&base->root, "BSN", 0)->seg->e[0].codes);
	assert_null(eg_guides_segment(g, "004010", "BSN")->e[0].codes);
	eg_guides_free(g);
}

/* --- broken guides ------------------------------------------------------------------- */

static void
test_bad_xsd(void **state)
{
	(void)state;
	/* The XSD's own message, with file and line. */
	want_load_error("xsd_violation.xml", 5, "usage");
}

static void
test_bad_unknown_segment(void **state)
{
	(void)state;
	want_load_error("unknown_segment.xml", 6, "ZZZ");
}

static void
test_bad_unknown_element(void **state)
{
	(void)state;
	want_load_error("unknown_element.xml", 7, "BSN");
}

static void
test_bad_loop_optional_trigger(void **state)
{
	(void)state;
	want_load_error("loop_optional_trigger.xml", 6, "mandatory");
}

static void
test_bad_no_st(void **state)
{
	(void)state;
	want_load_error("no_st.xml", 3, "ST");
}

static void
test_bad_no_se(void **state)
{
	(void)state;
	want_load_error("no_se.xml", 3, "SE");
}

static void
test_bad_narrowed_code(void **state)
{
	(void)state;
	want_load_error("narrowed_code.xml", 7, "99");
}

static void
test_bad_base_other_set(void **state)
{
	(void)state;
	want_load_error("base_other_set.xml", 3, "another set");
}

static void
test_bad_restrict_no_match(void **state)
{
	(void)state;
	want_load_error("restrict_no_match.xml", 4, "W05");
}

static void
test_bad_missing_file(void **state)
{
	eg_guides *g = open_guides(DATADIR);
	const eg_guide *gd = (const eg_guide *)1;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_not_equal(eg_guides_load(g, BAD "no-such-file.xml", &gd, &e),
			     EG_OK);
	assert_null(gd);
	assert_non_null(strstr(e.msg, "no-such-file.xml"));
	eg_guides_free(g);
}

/* An element reference the dictionary lacks: refused when the release's
 * dictionary is first needed, naming dictionary.xml and its line. */
static void
test_bad_dictionary(void **state)
{
	eg_guides *g = open_guides(BAD "dict");
	const eg_guide *gd = (const eg_guide *)1;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_guides_find(g, "856", "004010", &gd, &e),
			 EG_ECONFIG);
	assert_null(gd);
	if (!strstr(e.msg, "dictionary.xml:22:") || !strstr(e.msg, "9999"))
		fail_msg("message: %s", e.msg);
	eg_guides_free(g);
}

/*
 * A broken dictionary stays broken: asking again (the next file of a run,
 * the next transaction set) must not hand out a guide built on the part of
 * the dictionary that was read before the error.
 */
static void
test_bad_dictionary_stays_bad(void **state)
{
	eg_guides *g = open_guides(BAD "dict");
	const eg_guide *gd = NULL;
	eg_error e;
	eg_err rc;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_guides_find(g, "856", "004010", &gd, &e),
			 EG_ECONFIG);
	eg_error_clear(&e);
	gd = NULL;
	rc = eg_guides_find(g, "856", "004010", &gd, &e);
	/* Free first: a failed assertion jumps out of the test. */
	eg_guides_free(g);
	if (rc != EG_ECONFIG)
		fail_msg("second lookup: rc %d, guide %s: a half-read "
			 "dictionary was used as if it were valid",
			 (int)rc, gd ? "returned" : "NULL");
	assert_null(gd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_structure_856),
	    cmocka_unit_test(test_structure_940_narrowing),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_dictionary_base),
	    cmocka_unit_test(test_partner),
	    cmocka_unit_test(test_partner_element_codes),
	    cmocka_unit_test(test_bad_xsd),
	    cmocka_unit_test(test_bad_unknown_segment),
	    cmocka_unit_test(test_bad_unknown_element),
	    cmocka_unit_test(test_bad_loop_optional_trigger),
	    cmocka_unit_test(test_bad_no_st),
	    cmocka_unit_test(test_bad_no_se),
	    cmocka_unit_test(test_bad_narrowed_code),
	    cmocka_unit_test(test_bad_base_other_set),
	    cmocka_unit_test(test_bad_restrict_no_match),
	    cmocka_unit_test(test_bad_missing_file),
	    cmocka_unit_test(test_bad_dictionary),
	    cmocka_unit_test(test_bad_dictionary_stays_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
