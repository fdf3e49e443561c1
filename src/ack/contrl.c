/*
 * contrl.c - write UN/EDIFACT CONTRL messages from the EDIFACT check
 * events.
 *
 * Events arrive in file order: a unit's findings before it closes, a
 * message before its group, a group before its interchange.  The writer
 * keeps per level only what is still to be written: the UCS/UCD lines of
 * the open message, the UCM blocks of the open group (its UCF must come
 * first) and the body of the open interchange's CONTRL (its UCI must come
 * first).  Memory is bounded by one CONTRL, not by the inbound file.
 *
 * Values are written with the partner's separators and released with
 * the partner's release character; a value that holds a separator where
 * there is no release character cannot be written, and the interchange
 * is left unanswered rather than answered wrongly.  Empty trailing
 * elements and components are never written (syntax 4 forbids them).
 *
 * Spec: CONTRL D.96A (syntax 3: tag 0013) and syntax 4 release 1 (tag
 * 0135, 0136 repetition position); 0083 and 0085 codes from
 * shared/reference/ack-codes.md 4.6; layout in
 * shared/reference/edifact-notes.md 4.
 */
#include "edigate/contrl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/buf.h"

#define BUF_MAX ((size_t)64 << 20)
#define MAX_UCS 999 /* SG2 / SG5 repeats */
#define MAX_UCD 99

/* The first error of a level: what its UCI/UCF/UCM carries. */
typedef struct first_err {
	const char *code; /* NULL: none */
	char tag[4];
	uint16_t element, component, repetition;
} first_err;

/* Segments written but not yet placed, and how many. */
typedef struct part {
	eg_buf b;
	unsigned n;
} part;

struct eg_contrl {
	eg_contrl_opts o;
	eg_edifact_events ev;
	eg_error err;
	int failed;
	eg_edifact_delims d; /* the partner's, for the open interchange */
	char version;
	int bad_value;       /* a value could not be written */
	/* open message */
	part mbody;          /* UCS/UCD */
	unsigned nucs, nucd;
	uint32_t last_ucs;   /* position of the last UCS, 0 none */
	first_err mfirst;
	int mown;            /* the message has findings of its own */
	/* open group: UCM blocks of every message, and of those with
	 * findings of their own (what a rejected group lists) */
	part gall, gown;
	first_err gfirst;
	/* open interchange: SG1 or SG3, in full and as a rejected
	 * interchange lists it */
	part iall, iown;
	first_err ifirst;
	part blk;            /* scratch */
	int any_rejected, any_message, only_contrl;
	uint32_t file_findings;
	/* results */
	unsigned written, unanswered;
	char why[200];
	eg_buf out;          /* the CONTRL being written */
};

static void
fail(eg_contrl *c, eg_err rc)
{
	if (!c->failed) {
		c->failed = 1;
		if (c->err.code == EG_OK)
			eg_fail(&c->err, rc, "out of memory or CONTRL too "
					     "large (limit 64 MiB)");
	}
}

/* --- segment building ----------------------------------------------------- */

static int
is_sep(const eg_contrl *c, unsigned char ch)
{
	return ch == c->d.element || ch == c->d.component ||
	       ch == c->d.segment || (c->d.release && ch == c->d.release) ||
	       (c->d.repetition && ch == c->d.repetition);
}

/* Append one value, released where needed. */
static void
put_val(eg_contrl *c, eg_buf *b, const char *v)
{
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (is_sep(c, ch)) {
			if (!c->d.release) {
				c->bad_value = 1;
				return;
			}
			if (eg_buf_addc(b, (char)c->d.release))
				fail(c, EG_ENOMEM);
		}
		if (eg_buf_addc(b, (char)ch))
			fail(c, EG_ENOMEM);
	}
}

/*
 * A segment being built: up to 12 elements of up to 5 components, each
 * list ended by NULL.  end_seg writes it, dropping trailing empty
 * components and elements.
 */
typedef struct segb {
	const char *el[12][6];
	size_t nel;
} segb;

static void
el1(segb *s, const char *v)
{
	s->el[s->nel][0] = v;
	s->el[s->nel][1] = NULL;
	s->nel++;
}

static void
el_n(segb *s, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 5; i++)
		s->el[s->nel][i] = v[i];
	s->el[s->nel][i] = NULL;
	s->nel++;
}

static int
el_empty(const segb *s, size_t i)
{
	size_t k;

	for (k = 0; s->el[i][k]; k++)
		if (s->el[i][k][0])
			return 0;
	return 1;
}

static void
end_seg(eg_contrl *c, eg_buf *b, const char *tag, const segb *s)
{
	size_t n = s->nel, i, k, nc;

	while (n > 0 && el_empty(s, n - 1))
		n--;
	if (eg_buf_adds(b, tag))
		fail(c, EG_ENOMEM);
	for (i = 0; i < n; i++) {
		if (eg_buf_addc(b, (char)c->d.element))
			fail(c, EG_ENOMEM);
		for (nc = 0; s->el[i][nc]; nc++)
			;
		while (nc > 1 && !s->el[i][nc - 1][0])
			nc--;
		for (k = 0; k < nc; k++) {
			if (k && eg_buf_addc(b, (char)c->d.component))
				fail(c, EG_ENOMEM);
			put_val(c, b, s->el[i][k]);
		}
	}
	if (eg_buf_addc(b, (char)c->d.segment))
		fail(c, EG_ENOMEM);
	if (!c->o.no_newline && eg_buf_addc(b, '\n'))
		fail(c, EG_ENOMEM);
}

/* 0085, tag, S011 (0098 counts the tag as 1; 0104; 0136 from v4). */
static void
put_err(const eg_contrl *c, segb *s, const first_err *f, char num[3][8])
{
	const char *v[3];
	size_t n = 0;

	el1(s, f->code ? f->code : "");
	el1(s, f->code ? f->tag : "");
	num[0][0] = num[1][0] = num[2][0] = '\0';
	if (f->code && f->element) {
		snprintf(num[0], 8, "%u", (unsigned)f->element + 1);
		if (f->component)
			snprintf(num[1], 8, "%u", (unsigned)f->component);
		if (f->repetition && c->version == '4')
			snprintf(num[2], 8, "%u", (unsigned)f->repetition);
	}
	v[n++] = num[0];
	v[n++] = num[1];
	if (c->version == '4')
		v[n++] = num[2];
	el_n(s, v, n);
}

/* --- the levels ---------------------------------------------------------- */

static void
note_first(first_err *f, const eg_edifact_finding *x)
{
	if (f->code)
		return;
	f->code = x->code ? x->code : "18";
	memcpy(f->tag, x->pos.seg_id, sizeof(f->tag));
	f->element = x->pos.element;
	f->component = x->pos.component;
	f->repetition = x->pos.repetition;
}

/* A UCS (and UCD) line for a finding inside a message. */
static void
add_ucs(eg_contrl *c, const eg_edifact_finding *f)
{
	char pos[16], el[3][8], code[8];
	const char *v[3];
	size_t n = 0;
	segb s;
	uint32_t at = f->pos.txn_pos;

	if (at == 0)
		return; /* no position to name: the UCM code says it */
	if (at != c->last_ucs) {
		if (c->nucs >= MAX_UCS)
			return;
		memset(&s, 0, sizeof(s));
		snprintf(pos, sizeof(pos), "%u", (unsigned)at);
		el1(&s, pos);
		snprintf(code, sizeof(code), "%s", f->code ? f->code : "18");
		el1(&s, f->pos.element ? "" : code);
		end_seg(c, &c->mbody.b, "UCS", &s);
		c->mbody.n++;
		c->nucs++;
		c->nucd = 0;
		c->last_ucs = at;
	}
	if (!f->pos.element || c->nucd >= MAX_UCD)
		return;
	memset(&s, 0, sizeof(s));
	el1(&s, f->code ? f->code : "18");
	snprintf(el[0], 8, "%u", (unsigned)f->pos.element + 1);
	el[1][0] = el[2][0] = '\0';
	if (f->pos.component)
		snprintf(el[1], 8, "%u", (unsigned)f->pos.component);
	if (f->pos.repetition && c->version == '4')
		snprintf(el[2], 8, "%u", (unsigned)f->pos.repetition);
	v[n++] = el[0];
	v[n++] = el[1];
	if (c->version == '4')
		v[n++] = el[2];
	el_n(&s, v, n);
	end_seg(c, &c->mbody.b, "UCD", &s);
	c->mbody.n++;
	c->nucd++;
}

static void
on_finding(void *ud, const eg_edifact_finding *f)
{
	eg_contrl *c = ud;

	c->d = f->ctl.delims;
	c->version = f->ctl.version;
	if (f->severity != EG_FIND_ERROR)
		return;
	switch (f->level) {
	case EG_LVL_FILE:
		c->file_findings++;
		break;
	case EG_LVL_INTERCHANGE:
		note_first(&c->ifirst, f);
		break;
	case EG_LVL_GROUP:
		note_first(&c->gfirst, f);
		break;
	case EG_LVL_TRANSACTION:
		c->mown = 1;
		if (!c->mfirst.code)
			note_first(&c->mfirst, f);
		else
			add_ucs(c, f);
		break;
	default:
		c->mown = 1;
		add_ucs(c, f);
		break;
	}
}

static const char *
action(int rejected)
{
	return rejected ? "4" : "7";
}

static void
reset_first(first_err *f)
{
	memset(f, 0, sizeof(*f));
}

/* Append part src to dst. */
static void
part_add(eg_contrl *c, part *dst, const part *src)
{
	if (src->b.len && eg_buf_add(&dst->b, src->b.data, src->b.len))
		fail(c, EG_ENOMEM);
	dst->n += src->n;
}

static void
part_reset(part *p)
{
	eg_buf_reset(&p->b);
	p->n = 0;
}

static void
message_end(eg_contrl *c, const eg_edifact_unit *u)
{
	segb s;
	char num[3][8];
	const char *s009[5];
	size_t i, n = 4;
	part *all = u->in_group ? &c->gall : &c->iall;
	part *own = u->in_group ? &c->gown : &c->iown;

	c->any_message = 1;
	if (strcmp(u->ctl.s009[0], "CONTRL") != 0)
		c->only_contrl = 0;
	if (u->rejected)
		c->any_rejected = 1;
	/* a message without a reference cannot be named in a UCM: the
	 * checks reject its interchange instead */
	if (u->ctl.mref[0]) {
		part_reset(&c->blk);
		memset(&s, 0, sizeof(s));
		el1(&s, u->ctl.mref);
		for (i = 0; i < 5; i++)
			s009[i] = u->ctl.s009[i];
		if (u->ctl.s009[4][0])
			n = 5;
		el_n(&s, s009, n);
		el1(&s, action(u->rejected));
		put_err(c, &s, &c->mfirst, num);
		end_seg(c, &c->blk.b, "UCM", &s);
		c->blk.n = 1;
		part_add(c, &c->blk, &c->mbody);
		part_add(c, all, &c->blk);
		if (c->mown)
			part_add(c, own, &c->blk);
	}
	part_reset(&c->mbody);
	c->nucs = c->nucd = 0;
	c->last_ucs = 0;
	c->mown = 0;
	reset_first(&c->mfirst);
}

/* A UCF line and the UCM blocks under it into dst. */
static void
put_ucf(eg_contrl *c, part *dst, const eg_edifact_unit *u, int rejected,
	const part *msgs)
{
	segb s;
	char num[3][8];
	const char *v[2];

	memset(&s, 0, sizeof(s));
	el1(&s, u->ctl.gref);
	v[0] = u->ctl.s006[0];
	v[1] = u->ctl.s006[1];
	el_n(&s, v, 2);
	v[0] = u->ctl.s007[0];
	v[1] = u->ctl.s007[1];
	el_n(&s, v, 2);
	el1(&s, action(rejected));
	put_err(c, &s, &c->gfirst, num);
	end_seg(c, &dst->b, "UCF", &s);
	dst->n++;
	part_add(c, dst, msgs);
}

static void
group_end(eg_contrl *c, const eg_edifact_unit *u)
{
	if (u->rejected)
		c->any_rejected = 1;
	/* accepted: every message; rejected: those with findings */
	put_ucf(c, &c->iall, u, u->rejected, u->rejected ? &c->gown : &c->gall);
	/* under a rejected interchange everything is rejected: the group
	 * is listed when it or its messages have findings of their own */
	if (c->gfirst.code || c->gown.n)
		put_ucf(c, &c->iown, u, 1, &c->gown);
	part_reset(&c->gall);
	part_reset(&c->gown);
	reset_first(&c->gfirst);
}

static int
wanted(const eg_contrl *c, const eg_edifact_unit *u)
{
	int asked = u->ctl.ack_request == '1' || u->ctl.ack_request == '2';

	if (c->any_message && c->only_contrl)
		return 0; /* never a CONTRL for a CONTRL */
	/* messages there, none of them told to us: the caller kept them
	 * back as acknowledgements it stores (the pipeline's received
	 * CONTRL), so there is nothing to answer */
	if (!c->any_message && u->count > 0 && !u->rejected)
		return 0;
	switch (c->o.when) {
	case EG_CONTRL_ALWAYS:
		return 1;
	case EG_CONTRL_ON_ERROR:
		return asked || c->any_rejected || u->rejected;
	case EG_CONTRL_NEVER:
		return 0;
	default:
		return asked;
	}
}

/* Our date and time in the partner's version: CCYYMMDD in 4. */
static void
stamp(const eg_contrl *c, char *d, size_t dn, char *t, size_t tn)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	gmtime_r(&c->o.now, &tm);
	{
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u;
	unsigned mo = (unsigned)(tm.tm_mon + 1) % 100u;
	unsigned dd = (unsigned)tm.tm_mday % 100u;

	if (c->version == '4')
		snprintf(d, dn, "%04u%02u%02u", y, mo, dd);
	else
		snprintf(d, dn, "%02u%02u%02u", y % 100u, mo, dd);
	snprintf(t, tn, "%02u%02u", (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u);
	}
}

static void
unanswered(eg_contrl *c, const char *why)
{
	c->unanswered++;
	snprintf(c->why, sizeof(c->why), "%s", why);
}

static void
interchange_end(eg_contrl *c, const eg_edifact_unit *u)
{
	const eg_edifact_ctl *k = &u->ctl;
	segb s;
	char num[3][8], d[12], t[8], ref[24], cnt[16], ver[2] = {0, 0};
	const char *v[5];
	uint64_t our = 0;
	int receipt;
	eg_buf *o = &c->out;
	const part *body;
	size_t i;

	if (u->rejected)
		c->any_rejected = 1;
	if (!wanted(c, u))
		goto done;
	if (!k->addressable) {
		unanswered(c, "the UNB's sender, recipient or reference "
			      "(0020) is missing or too long, so a CONTRL "
			      "could not be addressed");
		goto done;
	}
	receipt = (c->o.receipt_only ||
		   (k->ack_request == '2' && k->version == '4')) &&
		  !c->any_rejected;
	eg_buf_reset(o);
	if (c->o.next_control(c->o.ud, "unb", &our, &c->err)) {
		c->failed = 1;
		goto done;
	}
	if (c->d.una) {
		char una[10] = "UNA";

		una[3] = (char)c->d.component;
		una[4] = (char)c->d.element;
		una[5] = (char)c->d.decimal;
		una[6] = c->d.release ? (char)c->d.release : ' ';
		una[7] = c->d.repetition ? (char)c->d.repetition : ' ';
		una[8] = (char)c->d.segment;
		if (eg_buf_add(o, una, 9) ||
		    (!c->o.no_newline && eg_buf_addc(o, '\n')))
			fail(c, EG_ENOMEM);
	}
	/* UNB: the partner's syntax and version, sender and recipient
	 * swapped, our reference; a test stays a test */
	stamp(c, d, sizeof(d), t, sizeof(t));
	snprintf(ref, sizeof(ref), "%llu", (unsigned long long)our);
	ver[0] = k->version ? k->version : '3';
	memset(&s, 0, sizeof(s));
	/* a syntax identifier we do not know is answered in UNOA, which
	 * every partner reads (the UCI then says 2: not supported) */
	v[0] = eg_edifact_charset_of(k->syntax_id, strlen(k->syntax_id))
		   ? k->syntax_id
		   : "UNOA";
	v[1] = ver;
	el_n(&s, v, 2);
	for (i = 0; i < 4; i++)
		v[i] = k->s003[i];
	el_n(&s, v, 4);
	for (i = 0; i < 4; i++)
		v[i] = k->s002[i];
	el_n(&s, v, 4);
	v[0] = d;
	v[1] = t;
	el_n(&s, v, 2);
	el1(&s, ref);
	for (i = 0; i < 5; i++)
		el1(&s, "");
	el1(&s, k->test == '1' ? "1" : "");
	end_seg(c, o, "UNB", &s);
	/* UNH */
	memset(&s, 0, sizeof(s));
	el1(&s, "1");
	if (k->version == '4') {
		v[0] = "CONTRL", v[1] = "4", v[2] = "1", v[3] = "UN";
	} else {
		v[0] = "CONTRL", v[1] = "D", v[2] = "3", v[3] = "UN";
	}
	el_n(&s, v, 4);
	end_seg(c, o, "UNH", &s);
	/* UCI */
	memset(&s, 0, sizeof(s));
	el1(&s, k->icr);
	for (i = 0; i < 4; i++)
		v[i] = k->s002[i];
	el_n(&s, v, 4);
	for (i = 0; i < 4; i++)
		v[i] = k->s003[i];
	el_n(&s, v, 4);
	el1(&s, receipt ? "8" : action(u->rejected));
	if (!receipt)
		put_err(c, &s, &c->ifirst, num);
	end_seg(c, o, "UCI", &s);
	body = u->rejected ? &c->iown : &c->iall;
	if (!receipt && body->b.len && eg_buf_add(o, body->b.data, body->b.len))
		fail(c, EG_ENOMEM);
	/* UNT counts UNH..UNT */
	memset(&s, 0, sizeof(s));
	snprintf(cnt, sizeof(cnt), "%u", 3 + (receipt ? 0 : body->n));
	el1(&s, cnt);
	el1(&s, "1");
	end_seg(c, o, "UNT", &s);
	memset(&s, 0, sizeof(s));
	el1(&s, "1");
	el1(&s, ref);
	end_seg(c, o, "UNZ", &s);
	if (c->failed)
		goto done;
	if (c->bad_value) {
		unanswered(c, "a value to echo holds a separator and the "
			      "partner's syntax has no release character");
		goto done;
	}
	{
		char name[96];

		snprintf(name, sizeof(name), "%.40s-%09llu.contrl.edi",
			 k->icr, (unsigned long long)our);
		/* the inbound reference may hold anything: keep the file
		 * name to safe characters */
		for (i = 0; name[i]; i++)
			if (!((name[i] >= 'A' && name[i] <= 'Z') ||
			      (name[i] >= 'a' && name[i] <= 'z') ||
			      (name[i] >= '0' && name[i] <= '9') ||
			      name[i] == '.' || name[i] == '-'))
				name[i] = '_';
		if (c->o.emit(c->o.ud, name, o->data, o->len, &c->err))
			c->failed = 1;
		else
			c->written++;
	}
done:
	part_reset(&c->iall);
	part_reset(&c->iown);
	c->bad_value = 0;
	c->any_rejected = c->any_message = 0;
	c->only_contrl = 1;
	reset_first(&c->ifirst);
}

static void
on_unit(void *ud, const eg_edifact_unit *u)
{
	eg_contrl *c = ud;

	if (c->failed)
		return;
	c->d = u->ctl.delims;
	c->version = u->ctl.version;
	if (u->level == EG_LVL_TRANSACTION)
		message_end(c, u);
	else if (u->level == EG_LVL_GROUP)
		group_end(c, u);
	else
		interchange_end(c, u);
}

/* --- life cycle ----------------------------------------------------------- */

eg_err
eg_contrl_new(eg_contrl **out, const eg_contrl_opts *o, eg_error *e)
{
	eg_contrl *c;

	*out = NULL;
	if (!o || !o->next_control || !o->emit)
		return eg_fail(e, EG_EINVAL, "CONTRL writer needs a control "
					     "number source and an output");
	c = calloc(1, sizeof(*c));
	if (!c)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	c->o = *o;
	c->ev.finding = on_finding;
	c->ev.unit_end = on_unit;
	c->ev.ud = c;
	c->only_contrl = 1;
	eg_buf_init(&c->mbody.b, BUF_MAX);
	eg_buf_init(&c->gall.b, BUF_MAX);
	eg_buf_init(&c->gown.b, BUF_MAX);
	eg_buf_init(&c->iall.b, BUF_MAX);
	eg_buf_init(&c->iown.b, BUF_MAX);
	eg_buf_init(&c->blk.b, BUF_MAX);
	eg_buf_init(&c->out, BUF_MAX);
	*out = c;
	return EG_OK;
}

const eg_edifact_events *
eg_contrl_events(eg_contrl *c)
{
	return &c->ev;
}

eg_err
eg_contrl_error(const eg_contrl *c, eg_error *e)
{
	if (!c->failed)
		return EG_OK;
	if (e)
		*e = c->err;
	return c->err.code ? c->err.code : EG_EINTERNAL;
}

unsigned
eg_contrl_written(const eg_contrl *c)
{
	return c->written;
}

unsigned
eg_contrl_unanswered(const eg_contrl *c, const char **why)
{
	unsigned n = c->unanswered + (c->file_findings ? 1 : 0);

	if (why)
		*why = c->unanswered ? c->why
				     : "data outside any interchange could not "
				       "be read: there is no UNB to address a "
				       "CONTRL to";
	return n;
}

void
eg_contrl_free(eg_contrl *c)
{
	if (!c)
		return;
	eg_buf_free(&c->mbody.b);
	eg_buf_free(&c->gall.b);
	eg_buf_free(&c->gown.b);
	eg_buf_free(&c->iall.b);
	eg_buf_free(&c->iown.b);
	eg_buf_free(&c->blk.b);
	eg_buf_free(&c->out);
	free(c);
}
