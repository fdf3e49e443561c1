/*
 * ack_lint.c - strict checks of TA1/997/999 interchanges that a guide
 * cannot express: version rules of the envelope, the TA1's fields and
 * their agreement, the 999 flavour, and one consistent story per group
 * (AK5/IK5 against AK9).  See ack_lint.h for the list and
 * docs/acknowledgements.md for why each rule holds.
 *
 * State is a few counters per open interchange, group and AK2 loop; no
 * segment data is kept.
 */
#include "edigate/ack_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ack.h"

struct eg_ack_lint {
	void (*fn)(void *ud, const eg_finding *f);
	void *ud;
	unsigned problems;
	/* interchange */
	int in_gs_seen;     /* a GS was seen in this interchange */
	/* group */
	char gs08[16];
	int hipaa;          /* GS08 005010X231A1 */
	unsigned nak2, na, ne, nr; /* AK2 loops and their AK501 */
	/* AK2 loop */
	int in_ak2, ak3_seen;
};

static void
problem(eg_ack_lint *l, const eg_x12_segment *s, unsigned el,
	const char *fmt, ...) EG_PRINTF(4, 5);

static void
problem(eg_ack_lint *l, const eg_x12_segment *s, unsigned el,
	const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, EG_LVL_INTERCHANGE, EG_FIND_ERROR, NULL, NULL,
			 "strict-acknowledgement", fmt, ap);
	va_end(ap);
	eg_x12_segment_pos(s, &f.pos);
	f.pos.element = (uint16_t)el;
	l->problems++;
	l->fn(l->ud, &f);
}

/* Element i as a C string (truncated to cap-1). */
static void
el(const eg_x12_segment *s, size_t i, char *dst, size_t cap)
{
	eg_span v = eg_x12_element(s, i);
	size_t n = v.len < cap - 1 ? v.len : cap - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

static int
digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

static int
num(const eg_x12_segment *s, size_t i, unsigned long *out)
{
	char b[16];

	el(s, i, b, sizeof(b));
	if (!digits(b, 1, 9))
		return 0;
	*out = strtoul(b, NULL, 10);
	return 1;
}

static void
on_isa(eg_ack_lint *l, const eg_x12_segment *s)
{
	char ver[8], i11[4], i14[4];

	l->in_gs_seen = 0;
	l->gs08[0] = '\0';
	l->hipaa = 0;
	el(s, 12, ver, sizeof(ver));
	el(s, 11, i11, sizeof(i11));
	el(s, 14, i14, sizeof(i14));
	if (!eg_ack_version_known(ver))
		problem(l, s, 12, "ISA12 '%s' is not an X12 control version "
				  "(00401, 00501, ...)", ver);
	else if (strcmp(ver, "00402") < 0 && strcmp(i11, "U") != 0)
		problem(l, s, 11, "ISA11 '%s' must be U in version %s", i11,
			ver);
	else if (strcmp(ver, "00402") >= 0 && !s->delims->repetition)
		problem(l, s, 11, "ISA11 '%s' must be the repetition "
				  "separator in version %s (from 00402), "
				  "not a letter",
			i11, ver);
	if (strcmp(i14, "0") != 0)
		problem(l, s, 14, "ISA14 '%s': an acknowledgement asks for "
				  "no acknowledgement (0)", i14);
}

static void
on_ta1(eg_ack_lint *l, const eg_x12_segment *s)
{
	char v[5][16];
	size_t i;

	for (i = 0; i < 5; i++)
		el(s, i + 1, v[i], sizeof(v[i]));
	if (l->in_gs_seen)
		problem(l, s, 0, "TA1 after a functional group: it belongs "
				 "before the first GS");
	if (eg_x12_element(s, 6).len)
		problem(l, s, 6, "TA1 has more than 5 elements");
	if (!digits(v[0], 9, 9))
		problem(l, s, 1, "TA101 '%s' is not a 9-digit control number",
			v[0]);
	if (!digits(v[1], 6, 6) || !eg_x12_date_ok(v[1]))
		problem(l, s, 2, "TA102 '%s' is not a YYMMDD date", v[1]);
	if (!digits(v[2], 4, 4) || !eg_x12_time_ok(v[2]))
		problem(l, s, 3, "TA103 '%s' is not an HHMM time", v[2]);
	if (strcmp(v[3], "A") && strcmp(v[3], "E") && strcmp(v[3], "R"))
		problem(l, s, 4, "TA104 '%s' is not A, E or R", v[3]);
	/* I18: 000 to 031 in the releases we write */
	if (!digits(v[4], 3, 3) || strcmp(v[4], "031") > 0)
		problem(l, s, 5, "TA105 '%s' is not an interchange note code "
				 "(000 to 031)", v[4]);
	else if ((strcmp(v[3], "A") == 0) != (strcmp(v[4], "000") == 0))
		problem(l, s, 5, "TA104 %s and TA105 %s contradict each other "
				 "(A goes with 000 only)",
			v[3], v[4]);
}

static void
on_gs(eg_ack_lint *l, const eg_x12_segment *s)
{
	char g1[8];

	l->in_gs_seen = 1;
	l->nak2 = l->na = l->ne = l->nr = 0;
	l->in_ak2 = l->ak3_seen = 0;
	el(s, 1, g1, sizeof(g1));
	el(s, 8, l->gs08, sizeof(l->gs08));
	l->hipaa = strcmp(l->gs08, "005010X231A1") == 0;
	if (strcmp(g1, "FA") != 0)
		problem(l, s, 1, "GS01 '%s': an acknowledgement group is FA",
			g1);
}

static void
on_st(eg_ack_lint *l, const eg_x12_segment *s)
{
	char st1[8], st3[40];

	el(s, 1, st1, sizeof(st1));
	el(s, 3, st3, sizeof(st3));
	if (strcmp(st1, "997") == 0) {
		if (strcmp(l->gs08, "004010") && strcmp(l->gs08, "005010"))
			problem(l, s, 1, "a 997 in a group of release '%s' "
					 "(004010 or 005010)", l->gs08);
	} else if (strcmp(st1, "999") == 0) {
		if (strcmp(l->gs08, "005010") && !l->hipaa)
			problem(l, s, 1, "a 999 in a group of release '%s' "
					 "(005010 or 005010X231A1)", l->gs08);
	} else {
		problem(l, s, 1, "ST01 '%s' is not an acknowledgement", st1);
	}
	if (l->hipaa && strcmp(st3, l->gs08) != 0)
		problem(l, s, 3, "ST03 '%s' must repeat GS08 %s", st3, l->gs08);
	else if (!l->hipaa && st3[0])
		problem(l, s, 3, "ST03 '%s' names a convention GS08 (%s) does "
				 "not", st3, l->gs08);
}

static void
on_ak2(eg_ack_lint *l, const eg_x12_segment *s)
{
	char a1[8], a2[16];

	el(s, 1, a1, sizeof(a1));
	el(s, 2, a2, sizeof(a2));
	l->nak2++;
	l->in_ak2 = 1;
	l->ak3_seen = 0;
	if (!eg_x12_functional_id(a1))
		problem(l, s, 1, "AK201 '%s' is not a transaction set "
				 "identifier edigate knows", a1);
	if (strlen(a2) < 4 || strlen(a2) > 9)
		problem(l, s, 2, "AK202 '%s' is not a 4-9 character control "
				 "number", a2);
}

static void
on_ak5(eg_ack_lint *l, const eg_x12_segment *s)
{
	char st[4];

	el(s, 1, st, sizeof(st));
	if (strcmp(st, "A") == 0) {
		l->na++;
		if (eg_x12_element(s, 2).len || l->ak3_seen)
			problem(l, s, 1, "%s A (accepted) with error codes or "
					 "segment errors", s->id);
	} else if (strcmp(st, "E") == 0) {
		l->ne++;
	} else {
		l->nr++;
	}
	l->in_ak2 = 0;
}

/* AK9 against the AK5s: see docs/acknowledgements.md. */
static void
on_ak9(eg_ack_lint *l, const eg_x12_segment *s)
{
	char st[4];
	unsigned long inc = 0, rec = 0, acc = 0;
	unsigned long listed_ok = l->na + l->ne;
	int codes = eg_x12_element(s, 5).len > 0;

	el(s, 1, st, sizeof(st));
	if (!num(s, 2, &inc) || !num(s, 3, &rec) || !num(s, 4, &acc)) {
		problem(l, s, 2, "AK902-AK904 must be numbers");
		return;
	}
	(void)inc;
	if (l->nak2 > rec || acc > rec)
		problem(l, s, 3, "AK903 %lu received, but %u AK2 loop(s) and "
				 "AK904 %lu accepted",
			rec, l->nak2, acc);
	else if (acc < listed_ok || acc > listed_ok + (rec - l->nak2))
		problem(l, s, 4, "AK904 %lu accepted, but %lu set(s) say A or "
				 "E and %lu are not listed",
			acc, listed_ok, rec - l->nak2);
	if (strcmp(st, "A") == 0 && (acc != rec || l->nr || l->ne || codes))
		problem(l, s, 1, "AK901 A, but not every set is accepted "
				 "without errors");
	else if (strcmp(st, "E") == 0 && (acc != rec || l->nr))
		problem(l, s, 1, "AK901 E, but a set is rejected");
	else if (strcmp(st, "P") == 0 && (acc == 0 || acc >= rec || codes))
		problem(l, s, 1, "AK901 P needs some sets accepted and some "
				 "rejected, and no group error");
	else if (strcmp(st, "R") == 0 && (acc || l->na || l->ne))
		problem(l, s, 1, "AK901 R (rejected), but a set says A or E "
				 "or AK904 counts one accepted");
	else if (strcmp(st, "A") && strcmp(st, "E") && strcmp(st, "P") &&
		 strcmp(st, "R"))
		problem(l, s, 1, "AK901 '%s' is not A, E, P or R", st);
}

void
eg_ack_lint_segment(eg_ack_lint *l, const eg_x12_segment *s)
{
	const char *id = s->id;

	if (strcmp(id, "ISA") == 0)
		on_isa(l, s);
	else if (strcmp(id, "TA1") == 0)
		on_ta1(l, s);
	else if (strcmp(id, "GS") == 0)
		on_gs(l, s);
	else if (strcmp(id, "ST") == 0)
		on_st(l, s);
	else if (strcmp(id, "AK1") == 0) {
		char a1[8], a2[16];

		el(s, 1, a1, sizeof(a1));
		el(s, 2, a2, sizeof(a2));
		if (!eg_x12_functional_id_known(a1))
			problem(l, s, 1, "AK101 '%s' is not a functional "
					 "identifier edigate knows", a1);
		if (!digits(a2, 1, 9))
			problem(l, s, 2, "AK102 '%s' is not a 1-9 digit group "
					 "control number", a2);
	} else if (strcmp(id, "AK2") == 0)
		on_ak2(l, s);
	else if (strcmp(id, "AK3") == 0 || strcmp(id, "IK3") == 0)
		l->ak3_seen = 1;
	else if (strcmp(id, "CTX") == 0 && !l->hipaa)
		problem(l, s, 0, "CTX belongs to the 005010X231A1 convention "
				 "only; this group is %s", l->gs08);
	else if (strcmp(id, "AK5") == 0 || strcmp(id, "IK5") == 0)
		on_ak5(l, s);
	else if (strcmp(id, "AK9") == 0)
		on_ak9(l, s);
}

unsigned
eg_ack_lint_problems(const eg_ack_lint *l)
{
	return l->problems;
}

eg_err
eg_ack_lint_new(eg_ack_lint **out, void (*fn)(void *ud, const eg_finding *f),
		void *ud, eg_error *e)
{
	eg_ack_lint *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	l->fn = fn;
	l->ud = ud;
	*out = l;
	return EG_OK;
}

void
eg_ack_lint_free(eg_ack_lint *l)
{
	free(l);
}
