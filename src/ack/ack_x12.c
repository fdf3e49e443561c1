/*
 * ack_x12.c - write TA1, 997 and 999 acknowledgements from validation
 * events.
 *
 * Events arrive in file order: findings of a unit come before the unit
 * closes; a transaction set closes before its group, a group before its
 * interchange.  The writer keeps, per open level, only what its trailer
 * segment needs: the AK3/AK4 (IK3/IK4) lines of the open set, the AK2..AK5
 * block of every set of the open group, and the FA groups of the open
 * interchange.  Memory is therefore bounded by the size of one inbound
 * interchange's acknowledgement, not by the inbound file.
 *
 * Segments are built with placeholder bytes (0x01 element, 0x02
 * component, 0x03 repetition, 0x04 end of segment) and turned into the
 * partner's outbound delimiters when the interchange is emitted.  Echoed
 * partner values are checked first (printable, within the element's
 * length, none of our delimiters), so a placeholder never meets data.
 *
 * The rules (docs/acknowledgements.md): nothing invalid is echoed; an
 * AK2 whose ST01/ST02 cannot be echoed is left out and AK9 counts the
 * set; a group whose GS cannot be echoed gets no AK1 but a TA1 024; an
 * interchange that cannot be addressed gets nothing.  A rejected group
 * says R for every set it holds and AK904 0.  TA104 A goes with TA105
 * 000 only.  ISA11 is U up to 00401, the repetition separator after.
 * Spec: X12 997 (004010), 999 (005010, 005010X231A1), TA1; codes from
 * shared/reference/ack-codes.md.
 */
#include "edigate/ack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/buf.h"
#include "edigate/profile.h"

#define BUF_MAX ((size_t)256 << 20)

/* placeholders, replaced by our delimiters on output */
#define E "\x01"
#define C "\x02"
#define R "\x03"
#define T "\x04"

struct eg_ack {
	eg_ack_opts o;
	eg_envelope_events ev;
	eg_error err;
	char de, ce, re, se; /* our delimiters */
	/* open transaction set */
	eg_buf set_detail;    /* AK3/AK4 lines */
	unsigned set_segments; /* lines in set_detail */
	char set_codes[5][4];  /* AK502..AK506 */
	unsigned nset_codes;
	uint64_t last_seg_pos; /* txn position of the last AK3 written */
	char last_seg_id[4];
	/* open group */
	eg_buf group_body;     /* AK2..AK5 blocks */
	unsigned group_segments;
	char group_codes[5][4];
	unsigned ngroup_codes;
	eg_buf status_at;      /* size_t offsets of AK501/IK501 in group_body */
	/* open interchange */
	eg_buf groups;          /* finished FA groups (GS..GE) */
	unsigned ngroups;
	unsigned unacked;       /* groups no AK1 could reference */
	char ta1_code[4];       /* first interchange-level error code */
	char warn_code[4];      /* first coded interchange-level warning */
	int ichg_errors;        /* a group or set not accepted */
	/* totals */
	unsigned n_ichg, n_ta1, n997, n999, unanswered;
	char why[256];
	/* the last unreadable ISA (reader error at the ISA, outside any
	 * interchange): its TA105 code, for eg_ack_isa_fallback */
	char isa_code[4];
	uint64_t isa_offset;
	int isa_pending;
};

static int
is999(const eg_ack *a, const char *gs08)
{
	if (a->o.force)
		return a->o.force == 999;
	return strncmp(gs08, "005", 3) >= 0 && gs08[0] == '0';
}

static void
keep_err(eg_ack *a, eg_err rc, const char *what)
{
	if (rc && a->err.code == EG_OK)
		eg_fail(&a->err, rc, "cannot build acknowledgement: %s", what);
}

/* Can s be echoed into an element of min..max characters: printable
 * ASCII and none of our delimiters? */
static int
echoable(const eg_ack *a, const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == (unsigned char)a->de ||
		    c == (unsigned char)a->ce || c == (unsigned char)a->re ||
		    c == (unsigned char)a->se)
			return 0;
	}
	return 1;
}

static int
digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

int
eg_ack_version_known(const char *v)
{
	static const char *const known[] = {
		"00401", "00402", "00403", "00404", "00405", "00406",
		"00501", "00502", "00503", "00504", "00505", "00601",
		"00602", "00603", "00604", "00605", "00701", "00702",
		"00703", "00704", "00705", "00706", "00801", NULL};
	size_t i;

	for (i = 0; known[i]; i++)
		if (strcmp(known[i], v) == 0)
			return 1;
	return 0;
}

void
eg_ack_opts_profile(eg_ack_opts *o, const eg_profile *p)
{
	size_t i;

	o->element = p->out_element;
	o->component = p->out_component;
	o->repetition = p->out_repetition;
	o->segment = p->out_segment;
	o->no_newline = !p->out_newline;
	o->convention = p->ack_convention[0] ? p->ack_convention : NULL;
	o->version = NULL;
	for (i = 0; i < p->ndocs; i++)
		if (strcmp(p->docs[i].direction, "in") == 0) {
			/* release 005010 -> control version 00501 */
			if (strncmp(p->docs[i].versions, "005", 3) >= 0 &&
			    p->docs[i].versions[0] == '0')
				o->version = "00501";
			break;
		}
}

static int
bad_delim(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == ' ' || c == '\0';
}

const char *
eg_ack_delims_check(char el, char comp, char rep, char seg, int newline)
{
	if (bad_delim(el) || bad_delim(comp) || bad_delim(rep) ||
	    bad_delim(seg))
		return "a delimiter is a letter, a digit or a space, which "
		       "occur in data";
	if (el == comp || el == rep || el == seg || comp == rep ||
	    comp == seg || rep == seg)
		return "two delimiters are the same character";
	if (newline && (el == '\n' || comp == '\n' || rep == '\n' ||
			el == '\r' || comp == '\r' || rep == '\r'))
		return "a newline follows every segment, so no other delimiter "
		       "may be a newline or carriage return";
	return NULL;
}

const char *
eg_ack_kind(const char *data, size_t len)
{
	char de, se;
	size_t i;

	if (len < 107 || memcmp(data, "ISA", 3) != 0)
		return "TA1";
	de = data[3];
	se = data[105];
	/* the first segment after the ISA that is an ST tells */
	for (i = 106; i + 7 <= len; i++)
		if ((data[i - 1] == se || data[i - 1] == '\n') &&
		    data[i] == 'S' && data[i + 1] == 'T' && data[i + 2] == de) {
			if (memcmp(data + i + 3, "999", 3) == 0)
				return "999";
			if (memcmp(data + i + 3, "997", 3) == 0)
				return "997";
		}
	return "TA1";
}

/* Append a finished segment's text: already in placeholder form. */
#define ADDF eg_buf_addf

/* 999 (005010X231A1 only): the business unit identifier under an IK3 or
 * IK4 ("CTX*BSN02:SHIP1"). */
static eg_err
add_ctx(eg_ack *a, eg_buf *b, const char *context)
{
	const char *colon = strchr(context, ':');
	char name[40];

	if (!a->o.convention || !colon ||
	    (size_t)(colon - context) >= sizeof(name))
		return EG_OK;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - context), context);
	if (!echoable(a, name, 1, 35) || !echoable(a, colon + 1, 1, 35))
		return EG_OK;
	a->set_segments++;
	return ADDF(b, "CTX" E "%s" C "%s" T, name, colon + 1);
}

static void
add_code(char (*codes)[4], unsigned *n, const char *c)
{
	unsigned i;

	if (!c || !*c || *n >= 5)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(codes[i], c) == 0)
			return;
	snprintf(codes[(*n)++], 4, "%s", c);
}

static eg_err
add_seg_line(eg_ack *a, const eg_finding *f, int v999, const char *code)
{
	eg_buf *b = &a->set_detail;
	/* AK303/IK303 loop identifier: 447 is AN 1-6 (004010), 1-4
	 * (005010); a longer id is left out. */
	const char *loop = echoable(a, f->loop_id, 1, v999 ? 4 : 6)
				   ? f->loop_id
				   : "";
	eg_err rc;

	rc = ADDF(b, "%s" E "%s" E "%u" E "%s" E "%s" T, v999 ? "IK3" : "AK3",
		  f->pos.seg_id, (unsigned)f->pos.txn_pos, loop, code);
	a->last_seg_pos = f->pos.txn_pos;
	memcpy(a->last_seg_id, f->pos.seg_id, 4);
	a->set_segments++;
	if (!rc && f->context[0])
		rc = add_ctx(a, b, f->context);
	return rc;
}

/* An AK4/IK4 line. */
static eg_err
add_elem_line(eg_ack *a, const eg_finding *f, int v999, const char *code)
{
	eg_buf *b = &a->set_detail;
	/* A simple element that holds components: there is no composite,
	 * so AK401 names the element alone. */
	int simple = f->rule && strcmp(f->rule, "too-many-components") == 0 &&
		     f->elem_ref[0];
	unsigned comp = simple ? 0 : f->pos.component;
	unsigned rep = v999 ? f->pos.repetition : 0;
	eg_err rc;

	if (!code)
		code = "1";
	/* 723 in 004010 stops at 10: a repetition or composite too many
	 * is "too many data elements", a component separator inside a
	 * simple element an invalid character. */
	if (!v999 && strcmp(code, "12") == 0)
		code = "3";
	else if (!v999 && strcmp(code, "13") == 0)
		code = simple ? "6" : "3";
	rc = ADDF(b, "%s" E "%u", v999 ? "IK4" : "AK4",
		  (unsigned)f->pos.element);
	if (!rc && comp)
		rc = ADDF(b, C "%u", comp);
	if (!rc && rep)
		rc = ADDF(b, "%s" C "%u", comp ? "" : C, rep);
	if (!rc)
		rc = ADDF(b, E "%s" E "%s",
			  digits(f->elem_ref, 1, 4) ? f->elem_ref : "", code);
	/* AK404: the bad value as it was; left out when it cannot be
	 * copied faithfully (too long, or one of our delimiters in it) or
	 * is not the value at the position AK401 names. */
	if (!rc && !simple && echoable(a, f->value, 1, 99))
		rc = ADDF(b, E "%s", f->value);
	if (!rc)
		rc = eg_buf_adds(b, T);
	a->set_segments++;
	return rc;
}

static void
on_finding(void *ud, const eg_finding *f)
{
	eg_ack *a = ud;
	int v999 = is999(a, f->ctl.gs08);
	const char *code = v999 && f->code999 ? f->code999 : f->code;
	eg_err rc = EG_OK;

	if (f->severity == EG_FIND_NOTE)
		return;
	switch (f->level) {
	case EG_LVL_FILE:
		if (f->severity == EG_FIND_ERROR && !f->ctl.isa13[0]) {
			/* bytes outside any interchange we could read:
			 * nobody to answer */
			a->unanswered++;
			snprintf(a->why, sizeof(a->why), "%.255s", f->msg);
			if (strcmp(f->pos.seg_id, "ISA") == 0 && code &&
			    strlen(code) == 3) {
				snprintf(a->isa_code, sizeof(a->isa_code),
					 "%s", code);
				a->isa_offset = f->pos.offset;
				a->isa_pending = 1;
			}
			return;
		}
		/* fall through */
	case EG_LVL_INTERCHANGE:
		if (f->severity == EG_FIND_WARNING) {
			if (code && !a->warn_code[0])
				snprintf(a->warn_code, sizeof(a->warn_code),
					 "%s", code);
		} else if (!a->ta1_code[0]) {
			snprintf(a->ta1_code, sizeof(a->ta1_code), "%s",
				 code ? code : "024");
		}
		return;
	case EG_LVL_GROUP:
		add_code(a->group_codes, &a->ngroup_codes, code);
		return;
	case EG_LVL_TRANSACTION:
		add_code(a->set_codes, &a->nset_codes, code);
		return;
	case EG_LVL_SEGMENT:
		rc = add_seg_line(a, f, v999, code ? code : "8");
		break;
	case EG_LVL_ELEMENT:
		/* Element errors hang under an AK3 for their segment. */
		if (a->last_seg_pos != f->pos.txn_pos ||
		    strcmp(a->last_seg_id, f->pos.seg_id) != 0) {
			rc = add_seg_line(a, f, v999, "8");
		}
		if (!rc)
			rc = add_elem_line(a, f, v999, code);
		break;
	}
	keep_err(a, rc, "out of memory");
}

static void
reset_set(eg_ack *a)
{
	eg_buf_reset(&a->set_detail);
	a->set_segments = 0;
	a->nset_codes = 0;
	a->last_seg_pos = 0;
	a->last_seg_id[0] = '\0';
}

static void
end_set(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int v999 = is999(a, c->gs08);
	eg_buf *g = &a->group_body;
	size_t at;
	eg_err rc;
	unsigned i;

	/* AK201 must be a set identifier and AK202 a control number (329,
	 * AN 4-9): when the partner's are not, the set has no AK2 loop
	 * and AK9 counts it (received, not accepted). */
	if (!eg_x12_functional_id(c->st01) || !echoable(a, c->st02, 4, 9)) {
		reset_set(a);
		return;
	}
	if (v999 && echoable(a, c->st03, 1, 35))
		rc = ADDF(g, "AK2" E "%s" E "%s" E "%s" T, c->st01, c->st02,
			  c->st03);
	else
		rc = ADDF(g, "AK2" E "%s" E "%s" T, c->st01, c->st02);
	if (!rc)
		rc = eg_buf_add(g, a->set_detail.data ? a->set_detail.data : "",
				a->set_detail.len);
	/* AK3 lines mean "one or more segments in error" (5), next to any
	 * envelope code; a rejected set always carries a code. */
	if (u->outcome == EG_REJECTED &&
	    (a->nset_codes == 0 || a->set_segments > 0))
		add_code(a->set_codes, &a->nset_codes, "5");
	if (!rc)
		rc = eg_buf_adds(g, v999 ? "IK5" E : "AK5" E);
	at = g->len;
	if (!rc)
		rc = eg_buf_add(&a->status_at, &at, sizeof(at));
	if (!rc)
		rc = eg_buf_adds(g, eg_outcome_code(u->outcome));
	for (i = 0; !rc && i < a->nset_codes; i++)
		rc = ADDF(g, E "%s", a->set_codes[i]);
	if (!rc)
		rc = eg_buf_adds(g, T);
	a->group_segments += 2 + a->set_segments;
	reset_set(a);
	keep_err(a, rc, "out of memory");
}

static void
fmt_now(const eg_ack *a, char *date8, char *time4)
{
	struct tm tm;

	gmtime_r(&a->o.now, &tm);
	strftime(date8, 9, "%Y%m%d", &tm);
	strftime(time4, 5, "%H%M", &tm);
}

static void
reset_group(eg_ack *a)
{
	eg_buf_reset(&a->group_body);
	eg_buf_reset(&a->status_at);
	a->group_segments = 0;
	a->ngroup_codes = 0;
}

/* A rejected group rejects every set in it: AK501 A/E become R, so that
 * AK5 and AK9 tell one story (the AK905 codes say why). */
static void
reject_sets(eg_ack *a)
{
	size_t i, at, n = a->status_at.len / sizeof(size_t);

	for (i = 0; i < n; i++) {
		memcpy(&at, a->status_at.data + i * sizeof(size_t), sizeof(at));
		if (at < a->group_body.len)
			a->group_body.data[at] = 'R';
	}
}

static void
end_group(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int v999 = is999(a, c->gs08);
	int rejected = u->outcome == EG_REJECTED;
	eg_buf *o = &a->groups;
	char d8[9], t4[5];
	uint64_t gs06 = 0;
	unsigned i, nseg, declared;
	const char *gs08;
	eg_err rc;

	if (a->o.functional == EG_ACK_FA_NEVER) {
		/* never sent: build nothing, use no control number */
		reset_group(a);
		return;
	}
	/* AK1 must name the group: a known functional identifier and a
	 * 1-9 digit control number; our GS swaps GS02/GS03 (AN 2-15). */
	if (!eg_x12_functional_id_known(c->gs01) || !digits(c->gs06, 1, 9) ||
	    !echoable(a, c->gs_sender, 2, 15) ||
	    !echoable(a, c->gs_receiver, 2, 15)) {
		a->unacked++;
		reset_group(a);
		return;
	}
	if (a->err.code == EG_OK &&
	    a->o.next_control(a->o.ud, "gs", &gs06, &a->err) != EG_OK)
		return;
	if (rejected)
		reject_sets(a);
	fmt_now(a, d8, t4);
	/* ST + AK1 + body + AK9 + SE */
	nseg = 4 + a->group_segments;
	/* We ship 997 guides for 004010 and answer in it; a 999 is plain
	 * 005010 unless the profile names the healthcare convention. */
	gs08 = !v999 ? "004010" : a->o.convention ? a->o.convention : "005010";
	rc = ADDF(o, "GS" E "FA" E "%s" E "%s" E "%s" E "%s" E "%llu" E "X" E
		     "%s" T,
		  c->gs_receiver, c->gs_sender, d8, t4,
		  (unsigned long long)gs06, gs08);
	if (!rc && v999 && a->o.convention)
		rc = ADDF(o, "ST" E "999" E "0001" E "%s" T, a->o.convention);
	else if (!rc)
		rc = ADDF(o, "ST" E "%s" E "0001" T, v999 ? "999" : "997");
	if (!rc && v999 && echoable(a, c->gs08, 1, 12))
		rc = ADDF(o, "AK1" E "%s" E "%s" E "%s" T, c->gs01, c->gs06,
			  c->gs08);
	else if (!rc)
		rc = ADDF(o, "AK1" E "%s" E "%s" T, c->gs01, c->gs06);
	if (!rc)
		rc = eg_buf_add(o, a->group_body.data ? a->group_body.data : "",
				a->group_body.len);
	/* AK902 echoes GE01 (97: N0 1-6) when it is a number that fits */
	declared = u->declared_ok && u->declared <= 999999 ? u->declared
							   : u->count;
	if (!rc)
		rc = ADDF(o, "AK9" E "%s" E "%u" E "%u" E "%u",
			  eg_outcome_code(u->outcome), declared, u->count,
			  rejected ? 0 : u->accepted);
	for (i = 0; !rc && i < a->ngroup_codes; i++)
		rc = ADDF(o, E "%s", a->group_codes[i]);
	if (!rc)
		rc = ADDF(o, T "SE" E "%u" E "0001" T "GE" E "1" E "%llu" T,
			  nseg, (unsigned long long)gs06);
	a->ngroups++;
	if (v999)
		a->n999++;
	else
		a->n997++;
	reset_group(a);
	keep_err(a, rc, "out of memory");
}

/* Why this interchange cannot be answered, or NULL: our ISA swaps
 * ISA05..ISA08 and the TA1 echoes ISA13, ISA09 and ISA10. */
static const char *
unanswerable(const eg_ack *a, const eg_x12_ctl *c, int ta1)
{
	if (!eg_x12_id_qualifier_ok(c->sender_q) ||
	    !eg_x12_id_qualifier_ok(c->receiver_q))
		return "its ISA05/ISA07 ID qualifier is not a valid code, so "
		       "no reply can be addressed";
	if (!echoable(a, c->sender, 1, 15) || !echoable(a, c->receiver, 1, 15))
		return "its ISA06/ISA08 sender or receiver ID is blank or "
		       "holds one of our delimiters, so no reply can be "
		       "addressed";
	if (!digits(c->isa13, 9, 9))
		return "its ISA13 control number is not 9 digits, so a TA1 "
		       "cannot refer to it";
	if (ta1 && (!digits(c->isa_date, 6, 6) || !eg_x12_date_ok(c->isa_date) ||
		    !digits(c->isa_time, 4, 4) || !eg_x12_time_ok(c->isa_time)))
		return "its ISA09/ISA10 date or time is not valid, so a TA1 "
		       "cannot refer to it";
	return NULL;
}

/* Our delimiters instead of the placeholders. */
static eg_err
finish_bytes(const eg_ack *a, const eg_buf *in, eg_buf *out)
{
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; i < in->len && !rc; i++) {
		char ch = in->data[i];

		if (ch == '\x01')
			ch = a->de;
		else if (ch == '\x02')
			ch = a->ce;
		else if (ch == '\x03')
			ch = a->re;
		else if (ch == '\x04') {
			rc = eg_buf_addc(out, a->se);
			if (!rc && !a->o.no_newline && a->se != '\n')
				rc = eg_buf_addc(out, '\n');
			continue;
		}
		rc = eg_buf_addc(out, ch);
	}
	return rc;
}

static void
end_interchange(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int rejected = u->outcome == EG_REJECTED;
	const char *version, *why, *ta104, *ta105;
	eg_buf out, bytes;
	char d8[9], t4[5], name[64];
	uint64_t isa13 = 0;
	int ta1, functional;
	eg_err rc;

	/* TA104 and TA105 agree: A with 000, E or R with a reason.  A group
	 * no AK1 could name is invalid interchange content (024). */
	if (rejected) {
		ta104 = "R";
		ta105 = a->ta1_code[0] ? a->ta1_code : "024";
	} else if (a->unacked) {
		ta104 = a->ngroups ? "E" : "R";
		ta105 = "024";
	} else if (a->warn_code[0]) {
		ta104 = "E";
		ta105 = a->warn_code;
	} else {
		ta104 = "A";
		ta105 = "000";
	}
	/* the partner's policy: which parts, if any, are sent */
	switch (a->o.ta1) {
	case EG_ACK_TA1_ALWAYS: ta1 = 1; break;
	case EG_ACK_TA1_ON_ERROR: ta1 = *ta104 != 'A'; break;
	case EG_ACK_TA1_NEVER: ta1 = 0; break;
	default: ta1 = *ta104 != 'A' || c->ack_requested == '1';
	}
	functional = !rejected && a->ngroups > 0 &&
		     (a->o.functional == EG_ACK_FA_ALWAYS ||
		      (a->o.functional == EG_ACK_FA_ON_ERROR && a->ichg_errors));
	if (!ta1 && !functional)
		goto done; /* nothing to say: no control number used */
	if ((why = unanswerable(a, c, ta1)) != NULL) {
		a->unanswered++;
		snprintf(a->why, sizeof(a->why), "interchange %s: %s",
			 c->isa13[0] ? c->isa13 : "(no ISA13)", why);
		goto done;
	}
	if (a->err.code == EG_OK &&
	    a->o.next_control(a->o.ud, "isa", &isa13, &a->err) != EG_OK)
		goto done;
	if (isa13 > 999999999) {
		eg_fail(&a->err, EG_ECONFIG,
			"interchange control number %llu has more than 9 digits",
			(unsigned long long)isa13);
		goto done;
	}
	/* reply in the partner's control version when it is a real one,
	 * else in the profile's */
	version = eg_ack_version_known(c->isa_version)
			  ? c->isa_version
			  : a->o.version ? a->o.version : "00401";
	fmt_now(a, d8, t4);
	eg_buf_init(&out, BUF_MAX);
	eg_buf_init(&bytes, BUF_MAX);
	rc = ADDF(&out,
		  "ISA" E "00" E "          " E "00" E "          " E "%-2s" E
		  "%-15s" E "%-2s" E "%-15s" E "%.6s" E "%s" E "%s" E "%s" E
		  "%09llu" E "0" E "%c" E C T,
		  c->receiver_q, c->receiver, c->sender_q, c->sender, d8 + 2, t4,
		  strcmp(version, "00402") < 0 ? "U" : R, version,
		  (unsigned long long)isa13, c->usage == 'T' ? 'T' : 'P');
	if (!rc && ta1) {
		rc = ADDF(&out, "TA1" E "%s" E "%s" E "%s" E "%s" E "%s" T,
			  c->isa13, c->isa_date, c->isa_time, ta104, ta105);
		a->n_ta1++;
	}
	if (!rc && functional)
		rc = eg_buf_add(&out, a->groups.data ? a->groups.data : "",
				a->groups.len);
	if (!rc)
		rc = ADDF(&out, "IEA" E "%u" E "%09llu" T,
			  functional ? a->ngroups : 0,
			  (unsigned long long)isa13);
	if (!rc)
		rc = finish_bytes(a, &out, &bytes);
	if (rc) {
		keep_err(a, rc, "out of memory");
	} else if (a->err.code == EG_OK) {
		snprintf(name, sizeof(name), "%s-%09llu.ack.x12", c->isa13,
			 (unsigned long long)isa13);
		a->o.emit(a->o.ud, name, bytes.data, bytes.len, &a->err);
		a->n_ichg++;
	}
	eg_buf_free(&out);
	eg_buf_free(&bytes);
done:
	eg_buf_reset(&a->groups);
	a->ngroups = 0;
	a->unacked = 0;
	a->ta1_code[0] = '\0';
	a->warn_code[0] = '\0';
	a->ichg_errors = 0;
}

/* Copy ISA element k of a split (trimmed of blanks when trim). */
static void
isa_el(const char *const *el, const size_t *len, int k, char *dst,
       size_t cap, int trim)
{
	size_t n = len[k];
	const char *p = el[k];

	while (trim && n && p[n - 1] == ' ')
		n--;
	while (trim && n && *p == ' ')
		p++, n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

int
eg_ack_isa_fallback(eg_ack *a, const char *head, size_t len)
{
	const char *el[17];
	size_t elen[17], i, k = 0, start;
	eg_unit_result u;
	eg_x12_ctl *c = &u.ctl;
	char es, v14[4], v15[4];

	if (!a->isa_pending)
		return 0;
	a->isa_pending = 0;
	/* the ISA where the reader stopped; fields split on the element
	 * separator, whatever their widths */
	if (a->isa_offset >= len || len - a->isa_offset < 20)
		return 0;
	head += a->isa_offset;
	len -= (size_t)a->isa_offset;
	if (memcmp(head, "ISA", 3) != 0)
		return 0;
	es = head[3];
	for (i = 3, start = 4; i < len && k < 15; i++) {
		if (head[i] == '\r' || head[i] == '\n')
			return 0; /* wrapped or cut: too unsure to answer */
		if (i > 3 && head[i] == es) {
			el[++k] = head + start;
			elen[k] = i - start;
			start = i + 1;
		}
	}
	if (k != 15 || start >= len)
		return 0;
	el[16] = head + start;
	elen[16] = 1;
	memset(&u, 0, sizeof(u));
	u.level = EG_LVL_INTERCHANGE;
	u.outcome = EG_REJECTED;
	isa_el(el, elen, 5, c->sender_q, sizeof(c->sender_q), 1);
	isa_el(el, elen, 6, c->sender, sizeof(c->sender), 1);
	isa_el(el, elen, 7, c->receiver_q, sizeof(c->receiver_q), 1);
	isa_el(el, elen, 8, c->receiver, sizeof(c->receiver), 1);
	isa_el(el, elen, 9, c->isa_date, sizeof(c->isa_date), 0);
	isa_el(el, elen, 10, c->isa_time, sizeof(c->isa_time), 0);
	isa_el(el, elen, 12, c->isa_version, sizeof(c->isa_version), 0);
	isa_el(el, elen, 13, c->isa13, sizeof(c->isa13), 0);
	isa_el(el, elen, 14, v14, sizeof(v14), 0);
	isa_el(el, elen, 15, v15, sizeof(v15), 0);
	/* a field longer than its width would have been cut above */
	if (elen[6] > 15 || elen[8] > 15 || elen[13] != 9 || elen[9] != 6 ||
	    elen[10] != 4)
		return 0;
	c->usage = v15[0];
	c->ack_requested = '0';
	snprintf(a->ta1_code, sizeof(a->ta1_code), "%s", a->isa_code);
	{
		/* the TA1 goes out whatever ISA14 says (a rejection) unless
		 * the policy never sends one */
		unsigned before = a->n_ichg, un = a->unanswered;

		end_interchange(a, &u);
		a->unanswered = un;
		if (a->n_ichg == before)
			return 0;
	}
	/* answered after all */
	if (a->unanswered)
		a->unanswered--;
	return 1;
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	eg_ack *a = ud;

	if (u->level != EG_LVL_INTERCHANGE && u->outcome != EG_ACCEPTED)
		a->ichg_errors = 1;
	if (u->level == EG_LVL_TRANSACTION)
		end_set(a, u);
	else if (u->level == EG_LVL_GROUP)
		end_group(a, u);
	else if (u->level == EG_LVL_INTERCHANGE)
		end_interchange(a, u);
}

eg_err
eg_ack_new(eg_ack **out, const eg_ack_opts *o, eg_error *e)
{
	eg_ack *a = calloc(1, sizeof(*a));
	const char *why;

	*out = NULL;
	if (!a)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (!o->next_control || !o->emit) {
		free(a);
		return eg_fail(e, EG_EINVAL, "acknowledgements need a control "
					     "number counter and an output");
	}
	a->o = *o;
	a->de = o->element ? o->element : '*';
	a->ce = o->component ? o->component : ':';
	a->re = o->repetition ? o->repetition : '^';
	a->se = o->segment ? o->segment : '~';
	why = eg_ack_delims_check(a->de, a->ce, a->re, a->se, !o->no_newline);
	if (why) {
		free(a);
		return eg_fail(e, EG_ECONFIG, "acknowledgement delimiters: %s",
			       why);
	}
	eg_buf_init(&a->status_at, BUF_MAX);
	eg_buf_init(&a->set_detail, BUF_MAX);
	eg_buf_init(&a->group_body, BUF_MAX);
	eg_buf_init(&a->groups, BUF_MAX);
	a->ev.finding = on_finding;
	a->ev.unit_end = on_unit;
	a->ev.ud = a;
	*out = a;
	return EG_OK;
}

const eg_envelope_events *
eg_ack_events(eg_ack *a)
{
	return &a->ev;
}

eg_err
eg_ack_error(const eg_ack *a, eg_error *e)
{
	if (a->err.code == EG_OK)
		return EG_OK;
	if (e)
		*e = a->err;
	return a->err.code;
}

void
eg_ack_counts(const eg_ack *a, unsigned *interchanges, unsigned *ta1,
	      unsigned *n997, unsigned *n999)
{
	*interchanges = a->n_ichg;
	*ta1 = a->n_ta1;
	*n997 = a->n997;
	*n999 = a->n999;
}

unsigned
eg_ack_unanswered(const eg_ack *a, const char **why)
{
	if (why)
		*why = a->why;
	return a->unanswered;
}

void
eg_ack_free(eg_ack *a)
{
	if (!a)
		return;
	eg_buf_free(&a->set_detail);
	eg_buf_free(&a->group_body);
	eg_buf_free(&a->groups);
	eg_buf_free(&a->status_at);
	free(a);
}
