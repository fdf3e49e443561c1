/*
 * edifact_check.c - UN/EDIFACT service-segment checks and the driver that
 * runs the reader and the checks over one source.
 *
 * Three open units at most (interchange, group, message), each a copy of
 * its header's control data and a few counters: memory does not grow
 * with the file.  A finding is counted against the unit it belongs to
 * (and, for errors, rejects it); the outcome of each unit is reported as
 * it closes -- at its trailer, at the next header when the trailer is
 * missing, or at the end of input.
 *
 * Spec: ISO 9735 service segments (UNB/UNZ, UNG/UNE, UNH/UNT), v1-4; the
 * 0085 codes of shared/reference/ack-codes.md 4.6; the counting rules of
 * shared/reference/edifact-notes.md 3 (UNZ counts groups when groups are
 * used, else messages; UNE counts messages; UNT counts UNH..UNT).
 */
#include "edigate/edifact_check.h"

#include "edigate/edifact_guide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit {
	int open;
	int rejected;
	uint64_t offset;
	uint32_t count, rejected_count, errors;
} unit;

struct eg_edifact_checker {
	eg_edifact_events ev;
	const eg_edifact_expect *x;
	eg_edifact_ctl ctl; /* the open units' headers */
	unit ich, grp, msg;
	int groups, bare;   /* the interchange holds groups / bare messages */
	int mixed_told;
	uint32_t grp_msgs;  /* messages in the open group */
	uint64_t end;       /* end of input, for trailers missing there */
	eg_envelope_totals tot;
};

/* --- small helpers ------------------------------------------------------ */

static int
digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
eg_edifact_date_ok(const char *s, char version)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	const char *md;
	int m, d;

	if (digits(s, 6) && version != '4')
		md = s + 2;
	else if (digits(s, 8) && (version == '4' || version == 'X'))
		md = s + 4;
	else
		return 0;
	m = num2(md);
	d = num2(md + 2);
	return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1];
}

int
eg_edifact_time_ok(const char *s)
{
	return digits(s, 4) && num2(s) <= 23 && num2(s + 2) <= 59;
}

/* Copy a value; 0 when it had to be cut. */
static int
copy(char *dst, size_t cap, eg_span v)
{
	size_t n = v.len < cap - 1 ? v.len : cap - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
	return n == v.len;
}

static int
parse_count(eg_span v, uint32_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (v.len == 0 || v.len > 10)
		return 0;
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (n > UINT32_MAX)
		return 0;
	*out = (uint32_t)n;
	return 1;
}

static unit *
unit_of(eg_edifact_checker *c, eg_level l)
{
	if (l >= EG_LVL_TRANSACTION)
		return c->msg.open ? &c->msg : c->grp.open ? &c->grp : &c->ich;
	if (l == EG_LVL_GROUP)
		return c->grp.open ? &c->grp : &c->ich;
	return c->ich.open ? &c->ich : NULL;
}

static void
deliver(eg_edifact_checker *c, eg_edifact_finding *f)
{
	unit *u = unit_of(c, f->level);

	f->ctl = c->ctl;
	if (f->severity == EG_FIND_NOTE) {
		c->tot.notes++;
	} else if (f->severity == EG_FIND_WARNING) {
		c->tot.warnings++;
	} else {
		c->tot.errors++;
		if (u)
			u->rejected = 1;
		if (c->msg.open)
			c->msg.errors++;
		if (c->grp.open)
			c->grp.errors++;
		if (c->ich.open)
			c->ich.errors++;
	}
	if (c->ev.finding)
		c->ev.finding(c->ev.ud, f);
}

static void
report(eg_edifact_checker *c, eg_level lvl, eg_find_sev sev,
       const char *code, const char *rule, const eg_edifact_segment *s,
       uint16_t element, uint16_t component, const char *fmt, ...)
    EG_PRINTF(9, 10);

static void
report(eg_edifact_checker *c, eg_level lvl, eg_find_sev sev,
       const char *code, const char *rule, const eg_edifact_segment *s,
       uint16_t element, uint16_t component, const char *fmt, ...)
{
	eg_edifact_finding f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.level = lvl;
	f.severity = sev;
	f.code = code;
	f.rule = rule;
	va_start(ap, fmt);
	vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	va_end(ap);
	if (s) {
		eg_edifact_segment_pos(s, &f.pos);
		f.pos.element = element;
		f.pos.component = component;
	}
	deliver(c, &f);
}

/* --- closing units --------------------------------------------------- */

static void
close_unit(eg_edifact_checker *c, eg_level lvl, int trailer)
{
	unit *u = lvl == EG_LVL_INTERCHANGE ? &c->ich
		  : lvl == EG_LVL_GROUP     ? &c->grp
					    : &c->msg;
	eg_edifact_unit r;

	if (!u->open)
		return;
	memset(&r, 0, sizeof(r));
	r.level = lvl;
	r.rejected = u->rejected;
	r.ctl = c->ctl;
	r.offset = u->offset;
	r.count = u->count;
	r.rejected_count = u->rejected_count;
	r.errors = u->errors;
	r.groups = c->groups;
	r.has_trailer = trailer;
	r.in_group = lvl == EG_LVL_TRANSACTION && c->grp.open;
	if (lvl == EG_LVL_TRANSACTION) {
		c->tot.transactions++;
		if (u->rejected || c->grp.rejected || c->ich.rejected) {
			c->tot.rejected_transactions++;
			if (c->grp.open)
				c->grp.rejected_count++;
			else
				c->ich.rejected_count++;
		}
		r.rejected = u->rejected || c->grp.rejected || c->ich.rejected;
	} else if (lvl == EG_LVL_GROUP) {
		c->tot.groups++;
		if (u->rejected || c->ich.rejected)
			c->ich.rejected_count++;
		r.rejected = u->rejected || c->ich.rejected;
	} else {
		c->tot.interchanges++;
	}
	if (c->ev.unit_end)
		c->ev.unit_end(c->ev.ud, &r);
	memset(u, 0, sizeof(*u));
	if (lvl == EG_LVL_TRANSACTION) {
		c->ctl.mref[0] = '\0';
		memset(c->ctl.s009, 0, sizeof(c->ctl.s009));
	} else if (lvl == EG_LVL_GROUP) {
		c->ctl.gref[0] = '\0';
		memset(c->ctl.s006, 0, sizeof(c->ctl.s006));
		memset(c->ctl.s007, 0, sizeof(c->ctl.s007));
	}
}

/* A trailer that never came: 13 on the unit, then close it. */
static void
missing(eg_edifact_checker *c, eg_level lvl, const char *tag,
	const eg_edifact_segment *at, const char *why)
{
	const char *rule = lvl == EG_LVL_INTERCHANGE ? "unz-missing"
			   : lvl == EG_LVL_GROUP     ? "une-missing"
						     : "unt-missing";

	eg_edifact_finding f;

	memset(&f, 0, sizeof(f));
	f.level = lvl;
	f.severity = EG_FIND_ERROR;
	f.code = "13";
	f.rule = rule;
	snprintf(f.msg, sizeof(f.msg), "%s missing: %s", tag, why);
	/* where the trailer was due; the tag is the missing one's */
	if (at) {
		f.pos.offset = at->offset;
		f.pos.segment = at->index;
	} else {
		f.pos.offset = c->end;
	}
	memcpy(f.pos.seg_id, tag, 3);
	deliver(c, &f);
	close_unit(c, lvl, 0);
}

/* --- per segment ---------------------------------------------------------- */

static eg_level
level_of(const eg_edifact_checker *c, const eg_edifact_segment *s)
{
	if (s->tag == EG_EDIFACT_UNB || s->tag == EG_EDIFACT_UNZ)
		return EG_LVL_INTERCHANGE;
	if (s->tag == EG_EDIFACT_UNG || s->tag == EG_EDIFACT_UNE)
		return EG_LVL_GROUP;
	if (s->tag == EG_EDIFACT_UNH || s->tag == EG_EDIFACT_UNT)
		return EG_LVL_TRANSACTION;
	return c->msg.open ? EG_LVL_SEGMENT : EG_LVL_INTERCHANGE;
}

/* Component and repetition only where the element has several: a simple
 * element's position is the element alone. */
static void
simple_pos(const eg_edifact_segment *s, eg_pos *p, uint16_t comp,
	   uint16_t rep)
{
	size_t nr = eg_edifact_repetition_count(s, p->element);

	p->repetition = nr > 1 ? rep : 0;
	p->component = eg_edifact_component_count(s, p->element, rep) > 1 ||
			       comp > 1
			   ? comp
			   : 0;
}

/* Repertoire (21) and trailing separators (45, version 4). */
static void
check_chars(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	eg_level lvl = level_of(c, s);

	if (s->bad_char) {
		eg_edifact_finding f;
		char shown[8];
		unsigned char b = s->bad_char;

		if (b >= 0x20 && b < 0x7f)
			snprintf(shown, sizeof(shown), "'%c'", b);
		else
			snprintf(shown, sizeof(shown), "0x%02X", b);
		memset(&f, 0, sizeof(f));
		f.level = lvl == EG_LVL_SEGMENT ? EG_LVL_ELEMENT : lvl;
		f.severity = EG_FIND_ERROR;
		f.code = "21";
		f.rule = "invalid-character";
		snprintf(f.msg, sizeof(f.msg),
			 "character %s is not in the %s repertoire of the "
			 "syntax identifier (UNB 0001)",
			 shown, s->syntax->id[0] ? s->syntax->id : "declared");
		eg_edifact_segment_pos(s, &f.pos);
		f.pos.offset = s->bad_at.offset;
		f.pos.element = s->bad_at.element;
		simple_pos(s, &f.pos, s->bad_at.component,
			   s->bad_at.repetition);
		deliver(c, &f);
	}
	if (s->trailing && s->syntax->version == '4') {
		eg_edifact_finding f;

		memset(&f, 0, sizeof(f));
		f.level = lvl == EG_LVL_SEGMENT ? EG_LVL_ELEMENT : lvl;
		f.severity = EG_FIND_ERROR;
		f.code = "45";
		f.rule = "trailing-separator";
		snprintf(f.msg, sizeof(f.msg),
			 "%s ends with a separator: syntax version 4 does "
			 "not allow trailing separators",
			 s->id);
		eg_edifact_segment_pos(s, &f.pos);
		f.pos.offset = s->trailing_at.offset;
		f.pos.element = s->trailing_at.element;
		simple_pos(s, &f.pos, s->trailing_at.component,
			   s->trailing_at.repetition);
		deliver(c, &f);
	}
}

/* A mandatory value: 13 when empty, 39 when longer than max. */
static int
need_val(eg_edifact_checker *c, eg_level lvl, const eg_edifact_segment *s,
	 uint16_t el, uint16_t comp, size_t max, const char *name)
{
	eg_span v = eg_edifact_comp(s, el, comp ? comp : 1);

	if (v.len == 0) {
		report(c, lvl, EG_FIND_ERROR, "13", "missing-value", s, el, comp,
		       "%s %s is missing", s->id, name);
		return 0;
	}
	if (max && v.len > max) {
		report(c, lvl, EG_FIND_ERROR, "39", "value-too-long", s, el,
		       comp, "%s %s is %zu characters, more than %zu", s->id,
		       name, v.len, max);
		return 0;
	}
	return 1;
}

static int
id_eq(const char *have, const char *want)
{
	return !want || strcmp(have, want) == 0;
}

static void
on_unb(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	const char v = s->syntax->version;
	eg_edifact_ctl *k = &c->ctl;
	size_t idmax = v == '4' ? 35 : 14;
	eg_span ack, test;
	int ok = 1, i;

	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", s,
			"a new interchange starts before the message ends");
	if (c->grp.open)
		missing(c, EG_LVL_GROUP, "UNE", s,
			"a new interchange starts before the group ends");
	if (c->ich.open)
		missing(c, EG_LVL_INTERCHANGE, "UNZ", s,
			"a new UNB starts before the interchange ends");
	memset(k, 0, sizeof(*k));
	c->groups = c->bare = c->mixed_told = 0;
	c->ich.open = 1;
	c->ich.offset = s->offset;
	k->interchange = s->interchange;
	k->delims = s->syntax->d;
	memcpy(k->syntax_id, s->syntax->id, sizeof(k->syntax_id));
	k->version = v;
	for (i = 0; i < 4; i++) {
		ok &= copy(k->s002[i], sizeof(k->s002[i]), eg_edifact_comp(s, 2, (size_t)i + 1));
		ok &= copy(k->s003[i], sizeof(k->s003[i]), eg_edifact_comp(s, 3, (size_t)i + 1));
	}
	ok &= copy(k->icr, sizeof(k->icr), eg_edifact_comp(s, 5, 1));
	(void)copy(k->date, sizeof(k->date), eg_edifact_comp(s, 4, 1));
	(void)copy(k->time, sizeof(k->time), eg_edifact_comp(s, 4, 2));
	ack = eg_edifact_comp(s, 9, 1);
	test = eg_edifact_comp(s, 11, 1);
	k->ack_request = ack.len == 1 && ack.p[0] != '0' ? ack.p[0] : 0;
	k->test = test.len == 1 ? test.p[0] : 0;
	check_chars(c, s);
	if (s->syntax->charset == EG_EDIFACT_CS_UNKNOWN)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "2",
		       "syntax-identifier", s, 1, 1,
		       "syntax identifier '%s' is not one edigate reads "
		       "(UNOA to UNOK, UNOX, UNOY, UNOW)",
		       k->syntax_id);
	if (!v)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "2",
		       "syntax-version", s, 1, 2,
		       "syntax version (UNB 0002) must be 1, 2, 3, 4 or X");
	ok &= need_val(c, EG_LVL_INTERCHANGE, s, 2, 1, idmax,
		       "sender (0004)");
	ok &= need_val(c, EG_LVL_INTERCHANGE, s, 3, 1, idmax,
		       "recipient (0010)");
	ok &= need_val(c, EG_LVL_INTERCHANGE, s, 5, 0, 14,
		       "interchange control reference (0020)");
	k->addressable = ok;
	if (!eg_edifact_date_ok(k->date, v ? v : '3'))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "12", "unb-date",
		       s, 4, 1,
		       "UNB date '%s' is not a valid %s date", k->date,
		       v == '4' ? "CCYYMMDD" : v == 'X' ? "YYMMDD or CCYYMMDD"
							: "YYMMDD");
	if (!eg_edifact_time_ok(k->time))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "12", "unb-time",
		       s, 4, 2, "UNB time '%s' is not a valid HHMM time",
		       k->time);
	/* 0 is not in the code list but widely sent for "no request":
	 * read as no request rather than rejected */
	if (ack.len && !(ack.len == 1 && (ack.p[0] == '1' || ack.p[0] == '0' ||
					  (ack.p[0] == '2' && v == '4'))))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "12",
		       "unb-ack-request", s, 9, 0,
		       "acknowledgement request (0031) must be 1%s",
		       v == '4' ? " or 2" : "");
	if (test.len && !(test.len == 1 && (test.p[0] == '1' ||
					    (v == '4' && test.p[0] >= '2' &&
					     test.p[0] <= '5'))))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "25",
		       "unb-test-indicator", s, 11, 0,
		       "test indicator (0035) must be 1%s",
		       v == '4' ? " to 5" : "");
	else if (test.len && c->x && c->x->no_test)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "25",
		       "unb-test-refused", s, 11, 0,
		       "the interchange is marked as a test (0035 = %c) and "
		       "the partner's profile does not accept tests",
		       test.p[0]);
	if (c->x && !(id_eq(k->s002[0], c->x->sender) &&
		      id_eq(k->s002[1], c->x->sender_q)))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "23",
		       "unknown-sender", s, 2, 1,
		       "sender %s%s%s is not the partner's (%s%s%s)", k->s002[0],
		       k->s002[1][0] ? ":" : "", k->s002[1],
		       c->x->sender ? c->x->sender : "any",
		       c->x->sender_q ? ":" : "",
		       c->x->sender_q ? c->x->sender_q : "");
	if (c->x && !(id_eq(k->s003[0], c->x->recipient) &&
		      id_eq(k->s003[1], c->x->recipient_q)))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "43",
		       "unknown-recipient", s, 3, 1,
		       "recipient %s%s%s is not us (%s%s%s)", k->s003[0],
		       k->s003[1][0] ? ":" : "", k->s003[1],
		       c->x->recipient ? c->x->recipient : "any",
		       c->x->recipient_q ? ":" : "",
		       c->x->recipient_q ? c->x->recipient_q : "");
	if (c->x && c->x->seen && ok && c->x->seen(c->x->seen_ud, k))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "26",
		       "duplicate-interchange", s, 5, 0,
		       "interchange %s from %s came before: a duplicate",
		       k->icr, k->s002[0]);
}

static void
on_unz(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	uint32_t n = 0;
	eg_span ref = eg_edifact_comp(s, 2, 1);

	if (!c->ich.open) {
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "unz-without-unb", s, 0, 0,
		       "UNZ without an open interchange");
		return;
	}
	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", s,
			"the interchange ends before the message does");
	if (c->grp.open)
		missing(c, EG_LVL_GROUP, "UNE", s,
			"the interchange ends before the group does");
	check_chars(c, s);
	if (!parse_count(eg_edifact_comp(s, 1, 1), &n))
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "29", "unz-count",
		       s, 1, 0, "UNZ control count (0036) is not a number");
	else if (n != c->ich.count)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "29", "unz-count",
		       s, 1, 0,
		       "UNZ says %u %s, the interchange holds %u", (unsigned)n,
		       c->groups ? "groups" : "messages",
		       (unsigned)c->ich.count);
	if (ref.len != strlen(c->ctl.icr) ||
	    memcmp(ref.p, c->ctl.icr, ref.len) != 0)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "28",
		       "unz-reference", s, 2, 0,
		       "UNZ reference '%.*s' does not match UNB 0020 '%s'",
		       (int)(ref.len > 40 ? 40 : ref.len), ref.p, c->ctl.icr);
	if (c->ich.count == 0)
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "32",
		       "interchange-empty", s, 0, 0,
		       "the interchange holds no message or group");
	close_unit(c, EG_LVL_INTERCHANGE, 1);
}

static void
on_ung(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	eg_edifact_ctl *k = &c->ctl;
	const char v = s->syntax->version;

	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", s,
			"a group starts before the message ends");
	if (c->grp.open)
		missing(c, EG_LVL_GROUP, "UNE", s,
			"a new group starts before the last one ends");
	if (!c->ich.open) {
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "ung-outside", s, 0, 0, "UNG outside an interchange");
		return;
	}
	c->ich.count++;
	c->groups = 1;
	c->grp.open = 1;
	c->grp.offset = s->offset;
	c->grp_msgs = 0;
	(void)copy(k->gref, sizeof(k->gref), eg_edifact_comp(s, 5, 1));
	(void)copy(k->s006[0], sizeof(k->s006[0]), eg_edifact_comp(s, 2, 1));
	(void)copy(k->s006[1], sizeof(k->s006[1]), eg_edifact_comp(s, 2, 2));
	(void)copy(k->s007[0], sizeof(k->s007[0]), eg_edifact_comp(s, 3, 1));
	(void)copy(k->s007[1], sizeof(k->s007[1]), eg_edifact_comp(s, 3, 2));
	check_chars(c, s);
	if (c->bare && !c->mixed_told) {
		c->mixed_told = 1;
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "30",
		       "groups-and-messages", s, 0, 0,
		       "a group follows messages outside any group: an "
		       "interchange holds either groups or messages");
	}
	(void)need_val(c, EG_LVL_GROUP, s, 5, 0, 14,
		       "group reference (0048)");
	if (eg_edifact_comp(s, 4, 1).len) {
		char d[12], t[8];

		(void)copy(d, sizeof(d), eg_edifact_comp(s, 4, 1));
		(void)copy(t, sizeof(t), eg_edifact_comp(s, 4, 2));
		if (!eg_edifact_date_ok(d, v ? v : '3'))
			report(c, EG_LVL_GROUP, EG_FIND_ERROR, "12", "ung-date",
			       s, 4, 1, "UNG date '%s' is not a valid %s date",
			       d, v == '4' ? "CCYYMMDD" : "YYMMDD");
		if (!eg_edifact_time_ok(t))
			report(c, EG_LVL_GROUP, EG_FIND_ERROR, "12", "ung-time",
			       s, 4, 2, "UNG time '%s' is not a valid HHMM time",
			       t);
	}
}

static void
on_une(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	uint32_t n = 0;
	eg_span ref = eg_edifact_comp(s, 2, 1);

	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", s,
			"the group ends before the message does");
	if (!c->grp.open) {
		check_chars(c, s);
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "une-without-ung", s, 0, 0,
		       "UNE without an open group");
		return;
	}
	check_chars(c, s);
	if (!parse_count(eg_edifact_comp(s, 1, 1), &n))
		report(c, EG_LVL_GROUP, EG_FIND_ERROR, "29", "une-count", s, 1,
		       0, "UNE control count (0060) is not a number");
	else if (n != c->grp.count)
		report(c, EG_LVL_GROUP, EG_FIND_ERROR, "29", "une-count", s, 1,
		       0, "UNE says %u messages, the group holds %u",
		       (unsigned)n, (unsigned)c->grp.count);
	if (ref.len != strlen(c->ctl.gref) ||
	    memcmp(ref.p, c->ctl.gref, ref.len) != 0)
		report(c, EG_LVL_GROUP, EG_FIND_ERROR, "28", "une-reference",
		       s, 2, 0,
		       "UNE reference '%.*s' does not match UNG 0048 '%s'",
		       (int)(ref.len > 40 ? 40 : ref.len), ref.p, c->ctl.gref);
	if (c->grp.count == 0)
		report(c, EG_LVL_GROUP, EG_FIND_ERROR, "32", "group-empty", s,
		       0, 0, "the group holds no message");
	close_unit(c, EG_LVL_GROUP, 1);
}

static void
on_unh(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	eg_edifact_ctl *k = &c->ctl;
	int i;

	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", s,
			"a new message starts before the last one ends");
	if (!c->ich.open) {
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "unh-outside", s, 0, 0, "UNH outside an interchange");
		return;
	}
	if (c->grp.open) {
		c->grp.count++;
	} else {
		c->ich.count++;
		c->bare = 1;
	}
	c->msg.open = 1;
	c->msg.offset = s->offset;
	c->msg.count = 1;
	(void)copy(k->mref, sizeof(k->mref), eg_edifact_comp(s, 1, 1));
	for (i = 0; i < 5; i++)
		(void)copy(k->s009[i], sizeof(k->s009[i]),
			   eg_edifact_comp(s, 2, (size_t)i + 1));
	check_chars(c, s);
	if (c->groups && !c->grp.open && !c->mixed_told) {
		c->mixed_told = 1;
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "30",
		       "groups-and-messages", s, 0, 0,
		       "a message outside any group in an interchange that "
		       "holds groups");
	}
	/* a message without a reference cannot be acknowledged on its
	 * own: its interchange answers for it */
	(void)need_val(c, EG_LVL_INTERCHANGE, s, 1, 0, 14,
		       "message reference (0062)");
	(void)need_val(c, EG_LVL_TRANSACTION, s, 2, 1, 6,
		       "message type (0065)");
	(void)need_val(c, EG_LVL_TRANSACTION, s, 2, 2, 3,
		       "message version (0052)");
	(void)need_val(c, EG_LVL_TRANSACTION, s, 2, 3, 3,
		       "message release (0054)");
	(void)need_val(c, EG_LVL_TRANSACTION, s, 2, 4, 3,
		       "controlling agency (0051)");
}

static void
on_unt(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	uint32_t n = 0;
	eg_span ref = eg_edifact_comp(s, 2, 1);

	if (!c->msg.open) {
		check_chars(c, s);
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "unt-without-unh", s, 0, 0, "UNT without an open message");
		return;
	}
	c->msg.count = s->msg_pos;
	check_chars(c, s);
	if (!parse_count(eg_edifact_comp(s, 1, 1), &n))
		report(c, EG_LVL_TRANSACTION, EG_FIND_ERROR, "29", "unt-count",
		       s, 1, 0, "UNT segment count (0074) is not a number");
	else if (n != s->msg_pos)
		report(c, EG_LVL_TRANSACTION, EG_FIND_ERROR, "29", "unt-count",
		       s, 1, 0,
		       "UNT says %u segments, the message has %u (UNH and UNT "
		       "included)",
		       (unsigned)n, (unsigned)s->msg_pos);
	if (ref.len != strlen(c->ctl.mref) ||
	    memcmp(ref.p, c->ctl.mref, ref.len) != 0)
		report(c, EG_LVL_TRANSACTION, EG_FIND_ERROR, "28",
		       "unt-reference", s, 2, 0,
		       "UNT reference '%.*s' does not match UNH 0062 '%s'",
		       (int)(ref.len > 40 ? 40 : ref.len), ref.p, c->ctl.mref);
	close_unit(c, EG_LVL_TRANSACTION, 1);
}

void
eg_edifact_checker_segment(eg_edifact_checker *c, const eg_edifact_segment *s)
{
	if (s->id[0] == 'U' && s->id[1] == 'N') {
		switch (s->tag) {
		case EG_EDIFACT_UNB:
			on_unb(c, s);
			return;
		case EG_EDIFACT_UNZ:
			on_unz(c, s);
			return;
		case EG_EDIFACT_UNG:
			on_ung(c, s);
			return;
		case EG_EDIFACT_UNE:
			on_une(c, s);
			return;
		case EG_EDIFACT_UNH:
			on_unh(c, s);
			return;
		case EG_EDIFACT_UNT:
			on_unt(c, s);
			return;
		}
	}
	if (!c->msg.open) {
		report(c, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "33",
		       "segment-outside-message", s, 0, 0,
		       "segment %s outside a message (between UNH and UNT)",
		       s->id);
		return;
	}
	c->msg.count = s->msg_pos;
	check_chars(c, s);
}

/* --- life cycle ----------------------------------------------------------- */

eg_err
eg_edifact_checker_new(eg_edifact_checker **out, const eg_edifact_events *ev,
		       const eg_edifact_expect *x, eg_error *e)
{
	eg_edifact_checker *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (ev)
		c->ev = *ev;
	c->x = x;
	*out = c;
	return EG_OK;
}

void
eg_edifact_checker_abort(eg_edifact_checker *c, const eg_error *err)
{
	static const char *const codes[] = {"12", "13", "16", "20", "21",
					    "22", "46", NULL};
	eg_edifact_finding f;
	size_t i;

	memset(&f, 0, sizeof(f));
	f.level = c->msg.open ? EG_LVL_TRANSACTION
		  : c->grp.open ? EG_LVL_GROUP
		  : c->ich.open ? EG_LVL_INTERCHANGE
				: EG_LVL_FILE;
	/* a broken file is the interchange's problem, not one message's:
	 * nothing after the break was read */
	if (c->ich.open)
		f.level = EG_LVL_INTERCHANGE;
	f.severity = EG_FIND_ERROR;
	f.code = "18"; /* unspecified, unless the reader named one */
	for (i = 0; codes[i]; i++)
		if (strcmp(err->ack_code, codes[i]) == 0)
			f.code = codes[i];
	f.rule = "unreadable";
	snprintf(f.msg, sizeof(f.msg), "%.300s", err->msg);
	f.pos = err->pos;
	deliver(c, &f);
	close_unit(c, EG_LVL_TRANSACTION, 0);
	close_unit(c, EG_LVL_GROUP, 0);
	close_unit(c, EG_LVL_INTERCHANGE, 0);
}

void
eg_edifact_checker_add(eg_edifact_checker *c, const eg_edifact_finding *f)
{
	eg_edifact_finding g = *f;

	deliver(c, &g);
}

void
eg_edifact_checker_finish(eg_edifact_checker *c, uint64_t end)
{
	c->end = end;
	if (c->msg.open)
		missing(c, EG_LVL_TRANSACTION, "UNT", NULL,
			"the file ends inside the message");
	if (c->grp.open)
		missing(c, EG_LVL_GROUP, "UNE", NULL,
			"the file ends inside the group");
	if (c->ich.open)
		missing(c, EG_LVL_INTERCHANGE, "UNZ", NULL,
			"the file ends inside the interchange");
}

void
eg_edifact_checker_totals(const eg_edifact_checker *c, eg_envelope_totals *t)
{
	*t = c->tot;
}

void
eg_edifact_checker_free(eg_edifact_checker *c)
{
	free(c);
}

/* --- driver ------------------------------------------------------------- */

typedef struct gctx {
	eg_edifact_checker *ck;
	eg_edv *v;
	eg_edifact_check_result *res;
	const eg_edifact_check_opts *o;
	int open; /* a message is being validated (or has no guide) */
} gctx;

static void
on_guide_finding(void *ud, const eg_edv_finding *g)
{
	gctx *x = ud;
	eg_edifact_finding f;

	memset(&f, 0, sizeof(f));
	f.level = g->level;
	f.severity = EG_FIND_ERROR;
	f.code = g->code;
	f.rule = g->rule;
	f.pos = g->pos;
	snprintf(f.msg, sizeof(f.msg), "%s", g->msg);
	eg_edifact_checker_add(x->ck, &f);
}

/* UNH: find the message's guide and start validating it. */
static eg_err
guide_begin(gctx *x, const eg_edifact_segment *s, eg_error *e)
{
	const eg_ed_guide *gd = NULL;
	char s009[5][8];
	const char *ids[5];
	size_t i;
	eg_err rc;

	for (i = 0; i < 5; i++) {
		eg_span v = eg_edifact_comp(s, 2, i + 1);

		if (v.len >= sizeof(s009[i]))
			v.len = 0;
		memcpy(s009[i], v.p, v.len);
		s009[i][v.len] = '\0';
		ids[i] = s009[i];
	}
	if (x->o->guide && strcmp(x->o->guide->type, s009[0]) == 0)
		gd = x->o->guide;
	else if (x->o->guides) {
		rc = eg_edguides_find(x->o->guides, ids, &gd, e);
		if (rc)
			return rc;
	}
	x->open = 1;
	if (!gd) {
		eg_edifact_finding f;

		x->res->unguided++;
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_TRANSACTION;
		f.severity = EG_FIND_NOTE;
		f.rule = "no-guide";
		eg_edifact_segment_pos(s, &f.pos);
		snprintf(f.msg, sizeof(f.msg),
			 "no message guide for %s:%s:%s:%s%s%s: service "
			 "segments and syntax checked only",
			 s009[0], s009[1], s009[2], s009[3],
			 s009[4][0] ? ":" : "", s009[4]);
		eg_edifact_checker_add(x->ck, &f);
		eg_edv_begin(x->v, NULL, s);
		return EG_OK;
	}
	x->res->guided++;
	eg_edv_begin(x->v, gd, s);
	return EG_OK;
}

/* One segment through the guide validator, around the checks: a
 * message's guide findings must come before the checks close it. */
static eg_err
guide_segment(gctx *x, const eg_edifact_segment *s, eg_error *e)
{
	if (s->tag == EG_EDIFACT_UNH) {
		if (x->open)
			eg_edv_end(x->v, NULL);
		eg_edifact_checker_segment(x->ck, s);
		return guide_begin(x, s, e);
	}
	if (x->open) {
		if (s->tag == EG_EDIFACT_UNB || s->tag == EG_EDIFACT_UNZ ||
		    s->tag == EG_EDIFACT_UNG || s->tag == EG_EDIFACT_UNE) {
			eg_edv_end(x->v, NULL);
			x->open = 0;
		} else {
			eg_edv_segment(x->v, s);
			if (s->tag == EG_EDIFACT_UNT) {
				eg_edv_end(x->v, s);
				x->open = 0;
			}
		}
	}
	eg_edifact_checker_segment(x->ck, s);
	return EG_OK;
}

eg_err
eg_edifact_check(eg_source *src, const eg_edifact_check_opts *opts,
		 const eg_edifact_events *ev, eg_edifact_check_result *res,
		 eg_error *e)
{
	eg_edifact_reader *rd = NULL;
	eg_edifact_checker *ck = NULL;
	const eg_edifact_segment *seg;
	eg_error rerr;
	uint64_t next_progress = 4u << 20;
	gctx gx;
	eg_edv_events gev;
	eg_err rc;

	memset(res, 0, sizeof(*res));
	memset(&gx, 0, sizeof(gx));
	eg_error_clear(&rerr);
	rc = eg_edifact_reader_new(&rd, src, opts ? &opts->reader : NULL, e);
	if (rc)
		goto out;
	rc = eg_edifact_checker_new(&ck, ev, opts ? opts->expect : NULL, e);
	if (rc)
		goto out;
	if (opts && (opts->guides || opts->guide)) {
		gx.ck = ck;
		gx.res = res;
		gx.o = opts;
		gev.finding = on_guide_finding;
		gev.ud = &gx;
		gev.max_findings = opts->max_findings;
		rc = eg_edv_new(&gx.v, &gev, e);
		if (rc)
			goto out;
	}
	for (;;) {
		rc = eg_edifact_reader_next(rd, &seg, &rerr);
		if (rc) {
			if (eg_err_severity(rc) != EG_SEV_REJECT) {
				*e = rerr;
				goto out;
			}
			eg_edifact_checker_abort(ck, &rerr);
			res->reader_failed = 1;
			rc = EG_OK;
			break;
		}
		if (!seg) {
			eg_edifact_checker_finish(ck,
						  eg_edifact_reader_offset(rd));
			break;
		}
		res->segments++;
		if (opts && opts->segment &&
		    (rc = opts->segment(opts->segment_ud, seg, e)))
			goto out;
		if (gx.v) {
			rc = guide_segment(&gx, seg, e);
			if (rc)
				goto out;
		} else {
			eg_edifact_checker_segment(ck, seg);
		}
		if (opts && opts->progress && seg->offset >= next_progress) {
			opts->progress(opts->progress_ud, seg->offset);
			next_progress = seg->offset + (4u << 20);
		}
	}
	res->bytes = eg_edifact_reader_offset(rd);
	eg_edifact_checker_totals(ck, &res->totals);
out:
	eg_edv_free(gx.v);
	eg_edifact_checker_free(ck);
	eg_edifact_reader_free(rd);
	return rc;
}
