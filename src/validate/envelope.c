/*
 * envelope.c - X12 envelope checks: ISA/IEA, GS/GE, ST/SE.
 *
 * A state machine over segments: interchange open?, group open?,
 * transaction set open?  Each check that fails emits one finding with the
 * standard code for its level (TA105, AK905, AK502; see
 * shared/reference/ack-codes.md) and marks the unit it belongs to as
 * rejected.  A unit's outcome is reported when it closes, by its trailer,
 * by the next header (missing trailer), or at end of input.
 *
 * Invariant: open levels nest (txn => group => interchange); closing a
 * level closes everything below it first.
 */
#include "edigate/envelope.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ctlset.h"

typedef struct unit {
	int open;
	int rejected; /* an error at this level */
	uint32_t count, accepted, partial_or_errors, errors;
	uint32_t own_warnings; /* warnings at this very level */
	uint32_t declared;     /* the trailer's count, when declared_ok */
	int declared_ok;
	uint64_t offset;
} unit;

struct eg_envelope {
	eg_envelope_events ev;
	const eg_txn_hook *hook;
	const eg_envelope_expect *expect;
	eg_x12_ctl ctl;
	unit isa, gs, st;
	uint32_t isa_ta1; /* TA1 segments in the open interchange */
	char isa12[6];
	eg_ctlset *gs06_seen; /* within the open interchange */
	eg_ctlset *st02_seen; /* within the open group */
	eg_envelope_totals tot;
};

/* --- small helpers ------------------------------------------------------- */

static void
span_cpy(char *dst, size_t cap, eg_span s, int trim)
{
	size_t n = s.len;

	if (trim)
		while (n > 0 && s.p[n - 1] == ' ')
			n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static int
all_digits(eg_span s)
{
	size_t i;

	if (s.len == 0)
		return 0;
	for (i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
	return 1;
}

static int
to_uint(eg_span s, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (!all_digits(s) || s.len > 18)
		return 0;
	for (i = 0; i < s.len; i++)
		*v = *v * 10 + (uint64_t)(s.p[i] - '0');
	return 1;
}

static int
num2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* CCYYMMDD (8) or YYMMDD (6); two-digit years are taken as 20YY. */
static int
valid_date(eg_span s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d, leap;
	const char *p = s.p;

	if (!all_digits(s) || (s.len != 6 && s.len != 8))
		return 0;
	if (s.len == 8) {
		y = num2(p) * 100 + num2(p + 2);
		p += 4;
	} else {
		y = 2000 + num2(p);
		p += 2;
	}
	m = num2(p);
	d = num2(p + 2);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* HHMM, HHMMSS, HHMMSSd or HHMMSSdd. */
static int
valid_time(eg_span s)
{
	if (!all_digits(s) || s.len < 4 || s.len > 8 || s.len == 5)
		return 0;
	if (num2(s.p) > 23 || num2(s.p + 2) > 59)
		return 0;
	return s.len < 6 || num2(s.p + 4) <= 59;
}

/* Does a trailer's control number equal its header's? */
static int
same(eg_span s, const char *ctl)
{
	return s.len == strlen(ctl) && memcmp(s.p, ctl, s.len) == 0;
}

static int
in_list(eg_span s, const char *const *list)
{
	for (; *list; list++)
		if (eg_span_eq(s, *list))
			return 1;
	return 0;
}

/* I05 Interchange ID Qualifier. */
static const char *const id_qualifiers[] = {
	"01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13",
	"14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24",
	"25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35",
	"36", "37", "38", "AM", "NR", "SA", "SN", "ZZ", NULL};

/* Transaction set -> functional identifier (GS01). */
static const char *const fid_table[][2] = {
	{"810", "IN"}, {"820", "RA"}, {"824", "AG"}, {"830", "PS"},
	{"832", "SC"}, {"846", "IB"}, {"850", "PO"}, {"852", "PD"},
	{"855", "PR"}, {"856", "SH"}, {"860", "PC"}, {"861", "RC"},
	{"862", "SS"}, {"864", "TX"}, {"865", "CA"}, {"940", "OW"},
	{"943", "AR"}, {"944", "RE"}, {"945", "SW"}, {"947", "AW"},
	{"997", "FA"}, {"999", "FA"}, {"204", "SM"}, {"210", "IM"},
	{"214", "QM"}, {"990", "GF"}, {"753", "GR"}, {"754", "RT"},
};

const char *
eg_x12_functional_id(const char *st01)
{
	size_t i;

	for (i = 0; i < sizeof(fid_table) / sizeof(fid_table[0]); i++)
		if (strcmp(fid_table[i][0], st01) == 0)
			return fid_table[i][1];
	return NULL;
}

int
eg_x12_functional_id_known(const char *fid)
{
	size_t i;

	for (i = 0; i < sizeof(fid_table) / sizeof(fid_table[0]); i++)
		if (strcmp(fid_table[i][1], fid) == 0)
			return 1;
	return 0;
}

static eg_span
cspan(const char *s)
{
	eg_span v;

	v.p = s;
	v.len = strlen(s);
	return v;
}

int
eg_x12_id_qualifier_ok(const char *q)
{
	return in_list(cspan(q), id_qualifiers);
}

int
eg_x12_date_ok(const char *s)
{
	return valid_date(cspan(s));
}

int
eg_x12_time_ok(const char *s)
{
	return valid_time(cspan(s));
}

const char *
eg_outcome_code(eg_outcome o)
{
	static const char *const c[] = {"A", "E", "P", "R"};

	return c[o];
}

const char *
eg_outcome_str(eg_outcome o)
{
	static const char *const s[] = {"accepted", "accepted with errors",
					"partially accepted", "rejected"};

	return s[o];
}

/* --- findings -------------------------------------------------------------- */

static unit *
unit_of(eg_envelope *env, eg_level lvl)
{
	switch (lvl) {
	case EG_LVL_INTERCHANGE:
		return &env->isa;
	case EG_LVL_GROUP:
		return &env->gs;
	case EG_LVL_FILE:
		return NULL;
	default:
		return &env->st;
	}
}

static void deliver(eg_envelope *env, eg_finding *f);

void
eg_finding_vinit(eg_finding *f, eg_level lvl, eg_find_sev sev,
		 const char *code, const char *code999, const char *rule,
		 const char *fmt, va_list ap)
{
	memset(f, 0, sizeof(*f));
	f->level = lvl;
	f->severity = sev;
	f->code = code;
	f->code999 = code999;
	f->rule = rule;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
}

static void
emit(eg_envelope *env, eg_level lvl, eg_find_sev sev, const char *code,
     const char *code999, const char *rule, const eg_x12_segment *seg,
     uint16_t element, const char *fmt, ...) EG_PRINTF(9, 10);

static void
emit(eg_envelope *env, eg_level lvl, eg_find_sev sev, const char *code,
     const char *code999, const char *rule, const eg_x12_segment *seg,
     uint16_t element, const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, lvl, sev, code, code999, rule, fmt, ap);
	va_end(ap);
	if (seg) {
		eg_x12_segment_pos(seg, &f.pos);
		f.pos.element = element;
	}
	deliver(env, &f);
}

/* Count a finding against the open units and pass it on. */
static void
deliver(eg_envelope *env, eg_finding *f)
{
	unit *u = unit_of(env, f->level);

	f->ctl = env->ctl;
	if (f->severity == EG_FIND_NOTE) {
		env->tot.notes++;
	} else {
		if (f->severity == EG_FIND_ERROR) {
			env->tot.errors++;
			if (u && u->open)
				u->rejected = 1;
		} else {
			env->tot.warnings++;
			if (u && u->open)
				u->own_warnings++;
		}
		if (env->st.open)
			env->st.errors++;
		if (env->gs.open)
			env->gs.errors++;
		if (env->isa.open)
			env->isa.errors++;
	}
	if (env->ev.finding)
		env->ev.finding(env->ev.ud, f);
}

void
eg_envelope_report(eg_envelope *env, const eg_finding *f)
{
	eg_finding copy = *f;

	deliver(env, &copy);
}

void
eg_envelope_set_hook(eg_envelope *env, const eg_txn_hook *hook)
{
	env->hook = hook;
}

void
eg_envelope_set_expect(eg_envelope *env, const eg_envelope_expect *x)
{
	env->expect = x;
}

/* Tenant isolation: the interchange must come from the partner and be
 * addressed to us. */
static void
check_isa_identity(eg_envelope *env, const eg_x12_segment *s)
{
	const eg_envelope_expect *x = env->expect;
	const eg_x12_ctl *c = &env->ctl;

	if (strcmp(c->sender_q, x->sender_q) != 0 ||
	    strcmp(c->sender, x->sender) != 0) {
		const char *other = x->owner ? x->owner(x->owner_ud, c->sender_q,
							c->sender)
					     : NULL;

		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR,
		     strcmp(c->sender_q, x->sender_q) != 0 ? "005" : "006",
		     NULL, "sender-not-partner", s, 6,
		     "interchange sender %s:%s is not partner %s (%s:%s)%s%s%s: "
		     "refused, never processed as %s",
		     c->sender_q, c->sender, x->partner, x->sender_q, x->sender,
		     other ? "; it belongs to partner " : "", other ? other : "",
		     other ? "" : "", x->partner);
	}
	if (strcmp(c->receiver_q, x->receiver_q) != 0 ||
	    strcmp(c->receiver, x->receiver) != 0)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR,
		     strcmp(c->receiver_q, x->receiver_q) != 0 ? "007" : "009",
		     NULL, "receiver-not-us", s, 8,
		     "interchange receiver %s:%s is not us (%s:%s, as partner "
		     "%s addresses us)",
		     c->receiver_q, c->receiver, x->receiver_q, x->receiver,
		     x->partner);
}

/* Is "SET:RELEASE" among the accepted words? */
static int
set_accepted(const char *words, const char *set, const char *gs08)
{
	char want[16];
	size_t n;

	snprintf(want, sizeof(want), "%s:%.6s", set, gs08);
	n = strlen(want);
	for (; words && *words; words += strcspn(words, " "),
				words += strspn(words, " "))
		if (strncmp(words, want, n) == 0 &&
		    (words[n] == ' ' || words[n] == '\0'))
			return 1;
	return 0;
}

static void
report(eg_envelope *env, eg_level lvl, unit *u, eg_outcome o)
{
	eg_unit_result r;

	memset(&r, 0, sizeof(r));
	r.level = lvl;
	r.outcome = o;
	r.ctl = env->ctl;
	r.offset = u->offset;
	r.count = u->count;
	r.accepted = u->accepted;
	r.errors = u->errors;
	r.declared = u->declared;
	r.declared_ok = u->declared_ok;
	if (env->ev.unit_end)
		env->ev.unit_end(env->ev.ud, &r);
}

/* --- closing units ---------------------------------------------------------- */

static void
close_st(eg_envelope *env, const eg_x12_segment *at, int missing_trailer)
{
	eg_outcome o;

	if (!env->st.open)
		return;
	if (env->hook && env->hook->end)
		env->hook->end(env->hook->ud, env,
			       missing_trailer || !at || at->tag != EG_X12_SE
				   ? NULL
				   : at);
	if (missing_trailer)
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "2", NULL,
		     "se-missing", at, 0,
		     "transaction set %s %s has no SE trailer%s", env->ctl.st01,
		     env->ctl.st02,
		     at ? " before this segment" : " before the end of the file");
	o = env->st.rejected ? EG_REJECTED
			     : env->st.errors ? EG_ACCEPTED_ERRORS : EG_ACCEPTED;
	report(env, EG_LVL_TRANSACTION, &env->st, o);
	if (o != EG_REJECTED)
		env->gs.accepted++;
	if (o == EG_ACCEPTED_ERRORS)
		env->gs.partial_or_errors++;
	if (o == EG_REJECTED)
		env->tot.rejected_transactions++;
	memset(&env->st, 0, sizeof(env->st));
	env->ctl.st01[0] = env->ctl.st02[0] = env->ctl.st03[0] = '\0';
}

static void
close_gs(eg_envelope *env, const eg_x12_segment *at, int missing_trailer)
{
	eg_outcome o;

	if (!env->gs.open)
		return;
	close_st(env, at, 1);
	if (missing_trailer)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "3", NULL, "ge-missing",
		     at, 0, "functional group %s has no GE trailer%s",
		     env->ctl.gs06,
		     at ? " before this segment" : " before the end of the file");
	if (env->gs.rejected || (env->gs.count > 0 && env->gs.accepted == 0))
		o = EG_REJECTED;
	else if (env->gs.accepted < env->gs.count)
		o = EG_PARTIAL;
	else if (env->gs.partial_or_errors || env->gs.own_warnings)
		o = EG_ACCEPTED_ERRORS;
	else
		o = EG_ACCEPTED;
	report(env, EG_LVL_GROUP, &env->gs, o);
	if (o != EG_REJECTED)
		env->isa.accepted++;
	memset(&env->gs, 0, sizeof(env->gs));
	eg_ctlset_clear(env->st02_seen);
	env->ctl.gs06[0] = env->ctl.gs01[0] = env->ctl.gs08[0] = '\0';
	env->ctl.gs_sender[0] = env->ctl.gs_receiver[0] = '\0';
}

static void
close_isa(eg_envelope *env, const eg_x12_segment *at, int missing_trailer)
{
	if (!env->isa.open)
		return;
	close_gs(env, at, 1);
	if (missing_trailer)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "023", NULL,
		     "iea-missing", at, 0,
		     "interchange %s has no IEA trailer%s", env->ctl.isa13,
		     at ? " before the next ISA" : " before the end of the file");
	/* The interchange outcome is the envelope's (what a TA1 says):
	 * errors inside its groups are reported by the 997/999. */
	report(env, EG_LVL_INTERCHANGE, &env->isa,
	       env->isa.rejected	   ? EG_REJECTED
	       : env->isa.own_warnings ? EG_ACCEPTED_ERRORS
				       : EG_ACCEPTED);
	memset(&env->isa, 0, sizeof(env->isa));
	env->isa_ta1 = 0;
	eg_ctlset_clear(env->gs06_seen);
	memset(&env->ctl, 0, sizeof(env->ctl));
}

/* --- segment handlers -------------------------------------------------------- */

static void
check_isa(eg_envelope *env, const eg_x12_segment *s)
{
	/* I01: 00 none, 01 UCS, 02 EDX, 03 additional data, 04 rail,
	 * 05 DoD, 06 US federal government. */
	static const char *const auth_q[] = {"00", "01", "02", "03", "04",
					     "05", "06", NULL};
	static const char *const sec_q[] = {"00", "01", NULL};
	eg_span v;
	uint64_t ver = 0;

	v = eg_x12_element(s, 1);
	if (!in_list(v, auth_q))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "010", NULL,
		     "isa01-invalid", s, 1,
		     "ISA01 authorization qualifier '%.*s' is not a code of "
		     "element I01 (00 to 06)",
		     (int)v.len, v.p);
	v = eg_x12_element(s, 3);
	if (!in_list(v, sec_q))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "012", NULL,
		     "isa03-invalid", s, 3,
		     "ISA03 security qualifier '%.*s' is not 00 or 01",
		     (int)v.len, v.p);
	v = eg_x12_element(s, 5);
	if (!in_list(v, id_qualifiers))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "005", NULL,
		     "isa05-invalid", s, 5,
		     "ISA05 sender ID qualifier '%.*s' is not a code of "
		     "element I05 (e.g. 01, 08, 12, 14, ZZ)",
		     (int)v.len, v.p);
	if (env->ctl.sender[0] == '\0')
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "006", NULL,
		     "isa06-blank", s, 6, "ISA06 sender ID is blank");
	v = eg_x12_element(s, 7);
	if (!in_list(v, id_qualifiers))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "007", NULL,
		     "isa07-invalid", s, 7,
		     "ISA07 receiver ID qualifier '%.*s' is not a code of "
		     "element I05 (e.g. 01, 08, 12, 14, ZZ)",
		     (int)v.len, v.p);
	if (env->ctl.receiver[0] == '\0')
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "008", NULL,
		     "isa08-blank", s, 8, "ISA08 receiver ID is blank");
	v = eg_x12_element(s, 9);
	if (!valid_date(v))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "014", NULL,
		     "isa09-invalid", s, 9,
		     "ISA09 date '%.*s' is not a valid YYMMDD date",
		     (int)v.len, v.p);
	v = eg_x12_element(s, 10);
	if (!valid_time(v))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "015", NULL,
		     "isa10-invalid", s, 10,
		     "ISA10 time '%.*s' is not a valid HHMM time", (int)v.len,
		     v.p);
	v = eg_x12_element(s, 12);
	if (!to_uint(v, &ver) || v.len != 5 || ver < 200 || ver > 899)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "017", NULL,
		     "isa12-invalid", s, 12,
		     "ISA12 version '%.*s' is not an X12 control version "
		     "(00200 to 00899, e.g. 00401 or 00501)",
		     (int)v.len, v.p);
	v = eg_x12_element(s, 11);
	if (ver && ver < 402 && !eg_span_eq(v, "U"))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "016", NULL,
		     "isa11-invalid", s, 11,
		     "ISA11 standards identifier '%.*s' must be U before "
		     "version 00402",
		     (int)v.len, v.p);
	else if (ver >= 402 && !s->delims->repetition)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_WARNING, NULL, NULL,
		     "isa11-no-repetition", s, 11,
		     "ISA11 '%.*s' is alphanumeric, so it is not used as the "
		     "repetition separator that version %.5s expects",
		     (int)v.len, v.p, eg_x12_element(s, 12).p);
	v = eg_x12_element(s, 13);
	if (!all_digits(v) || v.len != 9)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "018", NULL,
		     "isa13-invalid", s, 13,
		     "ISA13 control number '%.*s' is not 9 digits", (int)v.len,
		     v.p);
	v = eg_x12_element(s, 14);
	if (!eg_span_eq(v, "0") && !eg_span_eq(v, "1"))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "019", NULL,
		     "isa14-invalid", s, 14,
		     "ISA14 acknowledgment requested '%.*s' is not 0 or 1",
		     (int)v.len, v.p);
	v = eg_x12_element(s, 15);
	if (!eg_span_eq(v, "P") && !eg_span_eq(v, "T"))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "020", NULL,
		     "isa15-invalid", s, 15,
		     "ISA15 usage indicator '%.*s' is not P (production) or "
		     "T (test)",
		     (int)v.len, v.p);
}

static void
on_isa(eg_envelope *env, const eg_x12_segment *s)
{
	close_isa(env, s, 1);
	env->isa.open = 1;
	env->isa.offset = s->offset;
	env->tot.interchanges++;
	memset(&env->ctl, 0, sizeof(env->ctl));
	env->ctl.interchange = s->interchange;
	span_cpy(env->ctl.isa13, sizeof(env->ctl.isa13), eg_x12_element(s, 13), 1);
	span_cpy(env->ctl.sender, sizeof(env->ctl.sender), eg_x12_element(s, 6), 1);
	span_cpy(env->ctl.receiver, sizeof(env->ctl.receiver),
		 eg_x12_element(s, 8), 1);
	span_cpy(env->ctl.sender_q, sizeof(env->ctl.sender_q),
		 eg_x12_element(s, 5), 0);
	span_cpy(env->ctl.receiver_q, sizeof(env->ctl.receiver_q),
		 eg_x12_element(s, 7), 0);
	span_cpy(env->ctl.isa_date, sizeof(env->ctl.isa_date),
		 eg_x12_element(s, 9), 0);
	span_cpy(env->ctl.isa_time, sizeof(env->ctl.isa_time),
		 eg_x12_element(s, 10), 0);
	span_cpy(env->ctl.isa_version, sizeof(env->ctl.isa_version),
		 eg_x12_element(s, 12), 0);
	env->ctl.ack_requested = eg_x12_element(s, 14).len
					 ? eg_x12_element(s, 14).p[0]
					 : '0';
	env->ctl.usage = eg_x12_element(s, 15).len ? eg_x12_element(s, 15).p[0]
						   : 'P';
	check_isa(env, s);
	if (env->expect)
		check_isa_identity(env, s);
}

static void
on_iea(eg_envelope *env, const eg_x12_segment *s)
{
	eg_span n = eg_x12_element(s, 1), c = eg_x12_element(s, 2);
	uint64_t v;

	if (!env->isa.open) {
		emit(env, EG_LVL_FILE, EG_FIND_ERROR, "024", NULL,
		     "iea-without-isa", s, 0, "IEA without an open interchange");
		return;
	}
	close_gs(env, s, 1);
	if (to_uint(n, &v) && env->isa.count == 0 && env->isa_ta1 &&
	    v == env->isa_ta1)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_WARNING, "021", NULL,
		     "iea01-counts-ta1", s, 1,
		     "IEA01 counts the %u TA1 segment(s); the standard counts "
		     "functional groups (0 here)",
		     (unsigned)env->isa_ta1);
	else if (!to_uint(n, &v) || v != env->isa.count)
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "021", NULL,
		     "iea01-count", s, 1,
		     "IEA01 says %.*s functional groups, the interchange has %u",
		     (int)n.len, n.p, (unsigned)env->isa.count);
	if (!same(c, env->ctl.isa13))
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "001", NULL,
		     "iea02-mismatch", s, 2,
		     "IEA02 control number '%.*s' does not match ISA13 '%s'",
		     (int)c.len, c.p, env->ctl.isa13);
	close_isa(env, s, 0);
}

static eg_err
on_gs(eg_envelope *env, const eg_x12_segment *s, eg_error *e)
{
	eg_span c = eg_x12_element(s, 6), v;
	int seen = 0;

	if (!env->isa.open) {
		emit(env, EG_LVL_FILE, EG_FIND_ERROR, "024", NULL,
		     "gs-outside-interchange", s, 0,
		     "GS outside an interchange (no ISA before it)");
		return EG_OK;
	}
	close_gs(env, s, 1);
	env->gs.open = 1;
	env->gs.offset = s->offset;
	env->isa.count++;
	env->tot.groups++;
	span_cpy(env->ctl.gs06, sizeof(env->ctl.gs06), c, 0);
	span_cpy(env->ctl.gs01, sizeof(env->ctl.gs01), eg_x12_element(s, 1), 0);
	span_cpy(env->ctl.gs08, sizeof(env->ctl.gs08), eg_x12_element(s, 8), 0);
	span_cpy(env->ctl.gs_sender, sizeof(env->ctl.gs_sender),
		 eg_x12_element(s, 2), 0);
	span_cpy(env->ctl.gs_receiver, sizeof(env->ctl.gs_receiver),
		 eg_x12_element(s, 3), 0);
	v = eg_x12_element(s, 1);
	if (v.len != 2)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "1", NULL,
		     "gs01-invalid", s, 1,
		     "GS01 functional identifier '%.*s' is not 2 characters",
		     (int)v.len, v.p);
	if (!all_digits(c) || c.len > 9)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "6", NULL,
		     "gs06-invalid", s, 6,
		     "GS06 group control number '%.*s' is not 1 to 9 digits",
		     (int)c.len, c.p);
	if (eg_ctlset_add(env->gs06_seen, c.p, c.len, &seen))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (seen)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, NULL, "19",
		     "gs06-duplicate", s, 6,
		     "GS06 group control number %.*s is used twice in "
		     "interchange %s",
		     (int)c.len, c.p, env->ctl.isa13);
	v = eg_x12_element(s, 4);
	if (!valid_date(v))
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, NULL, NULL,
		     "gs04-invalid", s, 4,
		     "GS04 date '%.*s' is not a valid CCYYMMDD date", (int)v.len,
		     v.p);
	v = eg_x12_element(s, 5);
	if (!valid_time(v))
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, NULL, NULL,
		     "gs05-invalid", s, 5,
		     "GS05 time '%.*s' is not a valid HHMM[SS[dd]] time",
		     (int)v.len, v.p);
	if (env->expect && env->expect->gs_sender &&
	    strcmp(env->ctl.gs_sender, env->expect->gs_sender) != 0)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, NULL, "7",
		     "gs-sender-not-partner", s, 2,
		     "GS02 '%s' is not partner %s's application code '%s'",
		     env->ctl.gs_sender, env->expect->partner,
		     env->expect->gs_sender);
	if (env->expect && env->expect->gs_receiver &&
	    strcmp(env->ctl.gs_receiver, env->expect->gs_receiver) != 0)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, NULL, "8",
		     "gs-receiver-not-us", s, 3,
		     "GS03 '%s' is not our application code '%s' for partner %s",
		     env->ctl.gs_receiver, env->expect->gs_receiver,
		     env->expect->partner);
	v = eg_x12_element(s, 8);
	if (v.len < 6 || v.len > 12)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "2", NULL,
		     "gs08-invalid", s, 8,
		     "GS08 version '%.*s' is not a version/release code such "
		     "as 004010 or 005010",
		     (int)v.len, v.p);
	return EG_OK;
}

static void
on_ge(eg_envelope *env, const eg_x12_segment *s)
{
	eg_span n = eg_x12_element(s, 1), c = eg_x12_element(s, 2);
	uint64_t v;

	if (!env->gs.open) {
		emit(env, EG_LVL_INTERCHANGE, EG_FIND_ERROR, "024", NULL,
		     "ge-without-gs", s, 0, "GE without an open functional group");
		return;
	}
	close_st(env, s, 1);
	if (to_uint(n, &v) && v <= UINT32_MAX) {
		env->gs.declared = (uint32_t)v;
		env->gs.declared_ok = 1;
	}
	if (!to_uint(n, &v) || v != env->gs.count)
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "5", NULL, "ge01-count",
		     s, 1,
		     "GE01 says %.*s transaction sets, the group has %u",
		     (int)n.len, n.p, (unsigned)env->gs.count);
	if (!same(c, env->ctl.gs06))
		emit(env, EG_LVL_GROUP, EG_FIND_ERROR, "4", NULL,
		     "ge02-mismatch", s, 2,
		     "GE02 control number '%.*s' does not match GS06 '%s'",
		     (int)c.len, c.p, env->ctl.gs06);
	close_gs(env, s, 0);
}

static eg_err
on_st(eg_envelope *env, const eg_x12_segment *s, eg_error *e)
{
	eg_span id = eg_x12_element(s, 1), c = eg_x12_element(s, 2);
	const char *fid;
	int seen = 0;

	if (!env->gs.open) {
		emit(env, env->isa.open ? EG_LVL_INTERCHANGE : EG_LVL_FILE,
		     EG_FIND_ERROR, "024", NULL, "st-outside-group", s, 0,
		     "ST outside a functional group (no GS before it)");
		return EG_OK;
	}
	close_st(env, s, 1);
	env->st.open = 1;
	env->st.offset = s->offset;
	env->st.count = 1;
	env->gs.count++;
	env->tot.transactions++;
	span_cpy(env->ctl.st01, sizeof(env->ctl.st01), id, 0);
	span_cpy(env->ctl.st02, sizeof(env->ctl.st02), c, 0);
	span_cpy(env->ctl.st03, sizeof(env->ctl.st03), eg_x12_element(s, 3), 0);
	if (env->hook && env->hook->begin)
		env->hook->begin(env->hook->ud, env, s, &env->ctl);
	if (env->expect && env->expect->sets && id.len == 3 &&
	    !set_accepted(env->expect->sets, env->ctl.st01, env->ctl.gs08))
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "1", NULL,
		     "set-not-in-profile", s, 1,
		     "transaction set %s release %.6s is not among partner "
		     "%s's documents",
		     env->ctl.st01, env->ctl.gs08, env->expect->partner);
	if (id.len != 3 || !all_digits(id) || id.p[0] == '0') {
		/* X12 set identifiers run from 100 to 999: "000" is none */
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "6", NULL,
		     "st01-invalid", s, 1,
		     "ST01 transaction set identifier '%.*s' is not a set "
		     "identifier (3 digits, 100 to 999)",
		     (int)id.len, id.p);
	} else if ((fid = eg_x12_functional_id(env->ctl.st01)) &&
		   strcmp(fid, env->ctl.gs01) != 0) {
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "6", "18",
		     "st01-not-in-group", s, 1,
		     "transaction set %s belongs in a %s functional group, "
		     "but GS01 is '%s'",
		     env->ctl.st01, fid, env->ctl.gs01);
	}
	if (c.len < 4 || c.len > 9) {
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "7", NULL,
		     "st02-invalid", s, 2,
		     "ST02 control number '%.*s' is not 4 to 9 characters",
		     (int)c.len, c.p);
		return EG_OK;
	}
	if (eg_ctlset_add(env->st02_seen, c.p, c.len, &seen))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (seen)
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "23", NULL,
		     "st02-duplicate", s, 2,
		     "ST02 control number %.*s is used twice in group %s",
		     (int)c.len, c.p, env->ctl.gs06);
	return EG_OK;
}

static void
on_se(eg_envelope *env, const eg_x12_segment *s)
{
	eg_span n = eg_x12_element(s, 1), c = eg_x12_element(s, 2);
	uint64_t v;

	if (!env->st.open) {
		emit(env, env->gs.open ? EG_LVL_GROUP : EG_LVL_INTERCHANGE,
		     EG_FIND_ERROR, env->gs.open ? NULL : "024", NULL,
		     "se-without-st", s, 0,
		     "SE without an open transaction set");
		return;
	}
	env->st.count++;
	if (!to_uint(n, &v) || v != env->st.count)
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "4", NULL,
		     "se01-count", s, 1,
		     "SE01 says %.*s segments, the transaction set has %u "
		     "(ST and SE included)",
		     (int)n.len, n.p, (unsigned)env->st.count);
	if (!same(c, env->ctl.st02))
		emit(env, EG_LVL_TRANSACTION, EG_FIND_ERROR, "3", NULL,
		     "se02-mismatch", s, 2,
		     "SE02 control number '%.*s' does not match ST02 '%s'",
		     (int)c.len, c.p, env->ctl.st02);
	close_st(env, s, 0);
}

/* Segments allowed between ISA and GS (or after GE). */
static int
interchange_level(uint32_t tag)
{
	return tag == EG_X12_TAG('T', 'A', '1') ||
	       tag == EG_X12_TAG('I', 'S', 'B') ||
	       tag == EG_X12_TAG('I', 'S', 'E') ||
	       tag == EG_X12_TAG('I', 'S', 'X');
}

static int
envelope_tag(uint32_t tag)
{
	const unsigned char c0 = (unsigned char)(tag & 0xff);

	/* every envelope tag starts with S, G or I: one test for most */
	if (c0 != 'S' && c0 != 'G' && c0 != 'I')
		return 0;
	return tag == EG_X12_SE || tag == EG_X12_ST || tag == EG_X12_GS ||
	       tag == EG_X12_GE || tag == EG_X12_ISA || tag == EG_X12_IEA;
}

eg_err
eg_envelope_segment(eg_envelope *env, const eg_x12_segment *s, eg_error *e)
{
	const char *id = s->id;
	const uint32_t tag = s->tag;

	if (env->st.open && !envelope_tag(tag)) {
		/* The hot path: a segment inside a transaction set. */
		env->st.count++;
		if (env->hook)
			env->hook->segment(env->hook->ud, env, s);
		return EG_OK;
	}
	if (tag == EG_X12_ISA)
		on_isa(env, s);
	else if (tag == EG_X12_IEA)
		on_iea(env, s);
	else if (tag == EG_X12_GS)
		return on_gs(env, s, e);
	else if (tag == EG_X12_GE)
		on_ge(env, s);
	else if (tag == EG_X12_ST)
		return on_st(env, s, e);
	else if (tag == EG_X12_SE)
		on_se(env, s);
	else if (!env->isa.open)
		emit(env, EG_LVL_FILE, EG_FIND_ERROR, "024", NULL,
		     "segment-outside-interchange", s, 0,
		     "segment %s outside an interchange", id);
	else if (!env->gs.open && interchange_level(tag))
		env->isa_ta1 += tag == EG_X12_TAG('T', 'A', '1');
	else
		emit(env, env->gs.open ? EG_LVL_GROUP : EG_LVL_INTERCHANGE,
		     EG_FIND_ERROR, env->gs.open ? NULL : "024", NULL,
		     "segment-outside-transaction", s, 0,
		     "segment %s is outside a transaction set (missing ST?)",
		     id);
	return EG_OK;
}

void
eg_envelope_abort(eg_envelope *env, const eg_error *rerr)
{
	eg_finding f;

	memset(&f, 0, sizeof(f));
	f.level = env->isa.open ? EG_LVL_INTERCHANGE : EG_LVL_FILE;
	f.severity = EG_FIND_ERROR;
	f.code = rerr->ack_code[0] ? rerr->ack_code : NULL;
	f.rule = "reader";
	snprintf(f.msg, sizeof(f.msg), "%.319s", rerr->msg);
	if (rerr->has_pos)
		f.pos = rerr->pos;
	f.ctl = env->ctl;
	env->tot.errors++;
	if (env->isa.open) {
		env->isa.rejected = 1;
		env->isa.errors++;
	}
	if (env->gs.open)
		env->gs.rejected = 1;
	if (env->st.open)
		env->st.rejected = 1;
	if (env->ev.finding)
		env->ev.finding(env->ev.ud, &f);
	/* Close what is open without claiming trailers are missing: the
	 * input could not be read that far. */
	close_st(env, NULL, 0);
	close_gs(env, NULL, 0);
	close_isa(env, NULL, 0);
}

eg_err
eg_envelope_finish(eg_envelope *env, eg_error *e)
{
	(void)e;
	close_isa(env, NULL, 1);
	return EG_OK;
}

void
eg_envelope_totals_get(const eg_envelope *env, eg_envelope_totals *t)
{
	*t = env->tot;
}

eg_err
eg_envelope_new(eg_envelope **out, const eg_envelope_events *ev, eg_error *e)
{
	eg_envelope *env = calloc(1, sizeof(*env));

	*out = NULL;
	if (!env)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (ev)
		env->ev = *ev;
	if (eg_ctlset_new(&env->gs06_seen) || eg_ctlset_new(&env->st02_seen)) {
		eg_envelope_free(env);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	*out = env;
	return EG_OK;
}

void
eg_envelope_free(eg_envelope *env)
{
	if (!env)
		return;
	eg_ctlset_free(env->gs06_seen);
	eg_ctlset_free(env->st02_seen);
	free(env);
}
