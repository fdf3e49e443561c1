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
 * Output delimiters: '*' elements, ':' components, '^' repetitions from
 * 00501 on (ISA11 'U' before), '~' plus a newline after each segment.
 * Spec: X12 997 / 999 (005010X231), TA1; codes from ack-codes.md.
 */
#include "edigate/ack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/buf.h"

#define BUF_MAX ((size_t)256 << 20)

struct eg_ack {
	eg_ack_opts o;
	eg_envelope_events ev;
	eg_error err;
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
	/* open interchange */
	eg_buf groups;          /* finished FA groups (GS..GE) */
	unsigned ngroups;
	char ta1_code[4];       /* first interchange-level code */
	int ta1_warn;
	int ichg_errors;        /* a group or set not accepted */
	/* totals */
	unsigned n_ichg, n_ta1, n997, n999;
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

/* Append a data value with our delimiters removed (AK404, IK404). */
static eg_err
add_clean(eg_buf *b, const char *s)
{
	eg_err rc = EG_OK;

	for (; *s && rc == EG_OK; s++)
		if (*s != '*' && *s != ':' && *s != '^' && *s != '~' &&
		    (unsigned char)*s >= 0x20)
			rc = eg_buf_addc(b, *s);
	return rc;
}

/* 999: the business unit identifier under an IK3 ("CTX*BSN02:SHIP1"). */
static eg_err
add_ctx(eg_ack *a, eg_buf *b, const char *context)
{
	const char *colon = strchr(context, ':');
	eg_err rc;

	if (!colon)
		return EG_OK;
	rc = eg_buf_addf(b, "CTX*%.*s:", (int)(colon - context), context);
	if (!rc)
		rc = add_clean(b, colon + 1);
	if (!rc)
		rc = eg_buf_adds(b, "~\n");
	a->set_segments++;
	return rc;
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

static void
on_finding(void *ud, const eg_finding *f)
{
	eg_ack *a = ud;
	int v999 = is999(a, f->ctl.gs08);
	const char *code = v999 && f->code999 ? f->code999 : f->code;
	eg_buf *b = &a->set_detail;
	eg_err rc = EG_OK;

	if (f->severity == EG_FIND_NOTE)
		return;
	switch (f->level) {
	case EG_LVL_FILE:
	case EG_LVL_INTERCHANGE:
		if (f->severity == EG_FIND_WARNING)
			a->ta1_warn = 1;
		else if (!a->ta1_code[0])
			snprintf(a->ta1_code, sizeof(a->ta1_code), "%s",
				 f->code ? f->code : "024");
		return;
	case EG_LVL_GROUP:
		add_code(a->group_codes, &a->ngroup_codes, code);
		return;
	case EG_LVL_TRANSACTION:
		add_code(a->set_codes, &a->nset_codes, code);
		return;
	case EG_LVL_SEGMENT:
		rc = eg_buf_addf(b, "%s*%s*%u*%s*%s~\n", v999 ? "IK3" : "AK3",
				 f->pos.seg_id, (unsigned)f->pos.txn_pos,
				 f->loop_id, code ? code : "8");
		a->last_seg_pos = f->pos.txn_pos;
		memcpy(a->last_seg_id, f->pos.seg_id, 4);
		a->set_segments++;
		if (!rc && v999 && f->context[0])
			rc = add_ctx(a, b, f->context);
		break;
	case EG_LVL_ELEMENT:
		/* Element errors hang under an AK3 for their segment. */
		if (a->last_seg_pos != f->pos.txn_pos ||
		    strcmp(a->last_seg_id, f->pos.seg_id) != 0) {
			rc = eg_buf_addf(b, "%s*%s*%u*%s*8~\n",
					 v999 ? "IK3" : "AK3", f->pos.seg_id,
					 (unsigned)f->pos.txn_pos, f->loop_id);
			a->last_seg_pos = f->pos.txn_pos;
			memcpy(a->last_seg_id, f->pos.seg_id, 4);
			a->set_segments++;
			if (!rc && v999 && f->context[0])
				rc = add_ctx(a, b, f->context);
		}
		if (!rc)
			rc = eg_buf_addf(b, "%s*%u", v999 ? "IK4" : "AK4",
					 (unsigned)f->pos.element);
		if (!rc && v999 && f->pos.repetition && !f->pos.component)
			rc = eg_buf_addf(b, "::%u", (unsigned)f->pos.repetition);
		else if (!rc && f->pos.component)
			rc = eg_buf_addf(b, ":%u", (unsigned)f->pos.component);
		if (!rc && v999 && f->pos.repetition && f->pos.component)
			rc = eg_buf_addf(b, ":%u", (unsigned)f->pos.repetition);
		if (!rc)
			rc = eg_buf_addf(b, "*%s*%s", f->elem_ref,
					 code ? code : "1");
		if (!rc && f->value[0]) {
			rc = eg_buf_addc(b, '*');
			if (!rc)
				rc = add_clean(b, f->value);
		}
		if (!rc)
			rc = eg_buf_adds(b, "~\n");
		a->set_segments++;
		break;
	}
	keep_err(a, rc, "out of memory");
}

static void
end_set(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int v999 = is999(a, c->gs08);
	eg_buf *g = &a->group_body;
	eg_err rc;
	unsigned i;

	if (v999 && c->st03[0])
		rc = eg_buf_addf(g, "AK2*%s*%s*%s~\n", c->st01, c->st02, c->st03);
	else
		rc = eg_buf_addf(g, "AK2*%s*%s~\n", c->st01, c->st02);
	if (!rc)
		rc = eg_buf_add(g, a->set_detail.data ? a->set_detail.data : "",
				a->set_detail.len);
	/* AK3 lines mean "one or more segments in error" (5), next to any
	 * envelope code; a rejected set always carries a code. */
	if (u->outcome == EG_REJECTED &&
	    (a->nset_codes == 0 || a->set_segments > 0))
		add_code(a->set_codes, &a->nset_codes, "5");
	if (!rc)
		rc = eg_buf_addf(g, "%s*%s", v999 ? "IK5" : "AK5",
				 eg_outcome_code(u->outcome));
	for (i = 0; !rc && i < a->nset_codes; i++)
		rc = eg_buf_addf(g, "*%s", a->set_codes[i]);
	if (!rc)
		rc = eg_buf_adds(g, "~\n");
	a->group_segments += 2 + a->set_segments;
	eg_buf_reset(&a->set_detail);
	a->set_segments = 0;
	a->nset_codes = 0;
	a->last_seg_pos = 0;
	a->last_seg_id[0] = '\0';
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
end_group(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int v999 = is999(a, c->gs08);
	eg_buf *o = &a->groups;
	char d8[9], t4[5], rel[7];
	uint64_t gs06 = 0;
	unsigned i, nseg;
	eg_err rc;

	if (a->o.functional == EG_ACK_FA_NEVER) {
		/* never sent: build nothing, use no control number */
		eg_buf_reset(&a->group_body);
		a->group_segments = 0;
		a->ngroup_codes = 0;
		return;
	}
	if (a->err.code == EG_OK &&
	    a->o.next_control(a->o.ud, "gs", &gs06, &a->err) != EG_OK)
		return;
	fmt_now(a, d8, t4);
	/* ST + AK1 + body + AK9 + SE */
	nseg = 4 + a->group_segments;
	/* A 997 answers in the inbound release (004010VICS -> 004010). */
	memcpy(rel, "004010", 7);
	if (!v999 && strspn(c->gs08, "0123456789") >= 6 &&
	    strncmp(c->gs08, "005", 3) < 0)
		memcpy(rel, c->gs08, 6);
	rc = eg_buf_addf(o, "GS*FA*%s*%s*%s*%s*%llu*X*%s~\n", c->gs_receiver,
			 c->gs_sender, d8, t4, (unsigned long long)gs06,
			 v999 ? "005010X231A1" : rel);
	if (!rc)
		rc = eg_buf_addf(o, "ST*%s*0001%s~\n", v999 ? "999" : "997",
				 v999 ? "*005010X231A1" : "");
	if (!rc && v999)
		rc = eg_buf_addf(o, "AK1*%s*%s*%s~\n", c->gs01, c->gs06, c->gs08);
	else if (!rc)
		rc = eg_buf_addf(o, "AK1*%s*%s~\n", c->gs01, c->gs06);
	if (!rc)
		rc = eg_buf_add(o, a->group_body.data ? a->group_body.data : "",
				a->group_body.len);
	if (!rc)
		rc = eg_buf_addf(o, "AK9*%s*%u*%u*%u",
				 eg_outcome_code(u->outcome),
				 u->declared_ok ? u->declared : u->count,
				 u->count, u->accepted);
	for (i = 0; !rc && i < a->ngroup_codes; i++)
		rc = eg_buf_addf(o, "*%s", a->group_codes[i]);
	if (!rc)
		rc = eg_buf_addf(o, "~\nSE*%u*0001~\nGE*1*%llu~\n", nseg,
				 (unsigned long long)gs06);
	a->ngroups++;
	if (v999)
		a->n999++;
	else
		a->n997++;
	eg_buf_reset(&a->group_body);
	a->group_segments = 0;
	a->ngroup_codes = 0;
	keep_err(a, rc, "out of memory");
}

static void
end_interchange(eg_ack *a, const eg_unit_result *u)
{
	const eg_x12_ctl *c = &u->ctl;
	int v5010 = strcmp(c->isa_version, "00501") >= 0;
	int rejected = u->outcome == EG_REJECTED;
	eg_buf out;
	char d8[9], t4[5], name[64];
	uint64_t isa13 = 0;
	int ta1, functional;
	eg_err rc;

	/* the partner's policy: which parts, if any, are sent */
	switch (a->o.ta1) {
	case EG_ACK_TA1_ALWAYS: ta1 = 1; break;
	case EG_ACK_TA1_ON_ERROR: ta1 = rejected || a->ta1_warn; break;
	case EG_ACK_TA1_NEVER: ta1 = 0; break;
	default: ta1 = rejected || c->ack_requested == '1' || a->ta1_warn;
	}
	functional = !rejected && a->ngroups > 0 &&
		     (a->o.functional == EG_ACK_FA_ALWAYS ||
		      (a->o.functional == EG_ACK_FA_ON_ERROR && a->ichg_errors));
	if (!ta1 && !functional)
		goto done; /* nothing to say: no control number used */
	if (a->err.code == EG_OK &&
	    a->o.next_control(a->o.ud, "isa", &isa13, &a->err) != EG_OK)
		goto done;
	if (isa13 > 999999999) {
		eg_fail(&a->err, EG_ECONFIG,
			"interchange control number %llu has more than 9 digits",
			(unsigned long long)isa13);
		goto done;
	}
	fmt_now(a, d8, t4);
	eg_buf_init(&out, BUF_MAX);
	rc = eg_buf_addf(&out,
			 "ISA*00*          *00*          *%-2s*%-15s*%-2s*%-15s*"
			 "%.6s*%s*%c*%s*%09llu*0*%c*:~\n",
			 c->receiver_q, c->receiver, c->sender_q, c->sender,
			 d8 + 2, t4, v5010 ? '^' : 'U',
			 c->isa_version[0] ? c->isa_version : "00401",
			 (unsigned long long)isa13, c->usage ? c->usage : 'P');
	if (!rc && ta1) {
		rc = eg_buf_addf(&out, "TA1*%s*%s*%s*%s*%s~\n", c->isa13,
				 c->isa_date, c->isa_time,
				 rejected ? "R" : a->ta1_warn ? "E" : "A",
				 rejected && a->ta1_code[0] ? a->ta1_code : "000");
		a->n_ta1++;
	}
	if (!rc && functional)
		rc = eg_buf_add(&out, a->groups.data ? a->groups.data : "",
				a->groups.len);
	if (!rc)
		rc = eg_buf_addf(&out, "IEA*%u*%09llu~\n",
				 functional ? a->ngroups : 0,
				 (unsigned long long)isa13);
	if (rc) {
		keep_err(a, rc, "out of memory");
	} else if (a->err.code == EG_OK) {
		snprintf(name, sizeof(name), "%s-%09llu.ack.x12",
			 c->isa13[0] ? c->isa13 : "unknown",
			 (unsigned long long)isa13);
		a->o.emit(a->o.ud, name, out.data, out.len, &a->err);
		a->n_ichg++;
	}
	eg_buf_free(&out);
done:
	eg_buf_reset(&a->groups);
	a->ngroups = 0;
	a->ta1_code[0] = '\0';
	a->ta1_warn = 0;
	a->ichg_errors = 0;
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

	*out = NULL;
	if (!a)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (!o->next_control || !o->emit) {
		free(a);
		return eg_fail(e, EG_EINVAL, "acknowledgements need a control "
					     "number counter and an output");
	}
	a->o = *o;
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

void
eg_ack_free(eg_ack *a)
{
	if (!a)
		return;
	eg_buf_free(&a->set_detail);
	eg_buf_free(&a->group_body);
	eg_buf_free(&a->groups);
	free(a);
}
