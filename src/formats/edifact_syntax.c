/*
 * edifact_syntax.c - the UN/EDIFACT syntax descriptor (syntax.h): the
 * streaming reader (edifact.h) and service-segment checks
 * (edifact_check.h) as the pipeline's `check`, the segment view, the
 * duplicate keys, the unread-tail scan, and CONTRL (contrl.h) as the
 * acknowledgement writer.
 *
 * The pipeline speaks in the shapes of syntax.h (eg_segment, eg_finding,
 * eg_unit_result with eg_x12_ctl).  This module translates both ways:
 *   - the check hands every EDIFACT segment on as an eg_segment view
 *     (tag, bytes as sent, offset, position; `native` is the EDIFACT
 *     segment, which `value` reads), and every EDIFACT finding and unit
 *     as the generic ones, with the UNB/UNG/UNH fields in eg_x12_ctl
 *     (edifact_ctl below) and `native` pointing to the EDIFACT record;
 *   - the CONTRL writer hears the generic events back and takes the
 *     EDIFACT record from `native`, with the outcome the pipeline
 *     decided (a message it refused after the syntax checks is told
 *     rejected).  A finding the pipeline makes up has no native record:
 *     "not supported" becomes 0085 code 17 (no agreement) on the
 *     message it is about; the others are the ledger's, not CONTRL's.
 *
 * `map_segment` hands every segment to the mapper, which reads it
 * through this view (`split` and `value`: composites, repetitions,
 * release characters).  A message with no map under edi/maps gets no
 * record; one the profile does not mark acknowledge-only is refused as
 * not supported, exactly as an X12 set without a map is.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edigate/contrl.h"
#include "edigate/contrl_read.h"
#include "edigate/edifact.h"
#include "edigate/edifact_check.h"
#include "edigate/guide.h"
#include "edigate/profile.h"
#include "edigate/syntax.h"

/* --- detection and limits ------------------------------------------------ */

/* UNA or UNB after an optional BOM and white space.  The terminator: the
 * UNA's sixth character, level B's IS4 when the UNB is followed by IS3,
 * else the level A apostrophe. */
static int
edi_starts(const unsigned char *p, size_t n, char *seg_term)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n &&
	       (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t'))
		i++;
	if (n - i < 3)
		return 0;
	if (!memcmp(p + i, "UNA", 3)) {
		if (n - i > 8)
			*seg_term = (char)p[i + 8];
		return 1;
	}
	if (memcmp(p + i, "UNB", 3))
		return 0;
	if (n - i > 3)
		*seg_term = p[i + 3] == 0x1D ? (char)0x1C : '\'';
	return 1;
}

static eg_syntax_limits
edi_limits(void)
{
	eg_edifact_limits d = eg_edifact_limits_default();
	eg_syntax_limits l;

	l.max_segment = d.max_segment;
	l.max_elements = d.max_elements;
	l.chunk = d.chunk;
	return l;
}

/* --- the generic shapes -------------------------------------------------- */

/* Copy, cut to cap (the ledger's columns keep what fits; a value cut
 * here is still whole in the EDIFACT record the writer echoes). */
static void
cpy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* UNB/UNG/UNH fields into the pipeline's control record. */
static void
edifact_ctl(const eg_edifact_ctl *k, eg_x12_ctl *c)
{
	size_t n;

	memset(c, 0, sizeof(*c));
	cpy(c->isa13, sizeof(c->isa13), k->icr);
	cpy(c->sender, sizeof(c->sender), k->s002[0]);
	cpy(c->sender_q, sizeof(c->sender_q), k->s002[1]);
	cpy(c->receiver, sizeof(c->receiver), k->s003[0]);
	cpy(c->receiver_q, sizeof(c->receiver_q), k->s003[1]);
	n = strlen(k->date);
	cpy(c->isa_date, sizeof(c->isa_date), n == 8 ? k->date + 2 : k->date);
	cpy(c->isa_time, sizeof(c->isa_time), k->time);
	snprintf(c->isa_version, sizeof(c->isa_version), "%.4s%c",
		 k->syntax_id, k->version ? k->version : ' ');
	c->ack_requested = k->ack_request ? k->ack_request : '0';
	c->usage = k->test ? 'T' : 'P';
	cpy(c->gs06, sizeof(c->gs06), k->gref);
	cpy(c->gs_sender, sizeof(c->gs_sender), k->s006[0]);
	cpy(c->gs_receiver, sizeof(c->gs_receiver), k->s007[0]);
	cpy(c->st01, sizeof(c->st01), k->s009[0]);
	cpy(c->st02, sizeof(c->st02), k->mref);
	snprintf(c->gs08, sizeof(c->gs08), "%.3s%.3s", k->s009[1],
		 k->s009[2]);
	c->interchange = k->interchange;
	c->native = k;
}

typedef struct chk {
	const eg_envelope_events *ev;
	const eg_syntax_check_opts *o;
} chk;

/* The pipeline knows a reader that stopped ("reader") and an
 * interchange from someone else ("sender-not-partner") by these rules. */
static const char *
rule_of(const char *r)
{
	if (r && !strcmp(r, "unreadable"))
		return "reader";
	if (r && !strcmp(r, "unknown-sender"))
		return "sender-not-partner";
	return r;
}

static void
on_finding(void *ud, const eg_edifact_finding *nf)
{
	const chk *k = ud;
	eg_finding f;

	memset(&f, 0, sizeof(f));
	f.level = nf->level;
	f.severity = nf->severity;
	f.code = nf->code;
	f.rule = rule_of(nf->rule);
	cpy(f.msg, sizeof(f.msg), nf->msg);
	f.pos = nf->pos;
	edifact_ctl(&nf->ctl, &f.ctl);
	k->ev->finding(k->ev->ud, &f);
}

static void
on_unit(void *ud, const eg_edifact_unit *nu)
{
	const chk *k = ud;
	eg_unit_result u;

	memset(&u, 0, sizeof(u));
	u.level = nu->level;
	u.outcome = nu->rejected		    ? EG_REJECTED
		    : nu->rejected_count && nu->level == EG_LVL_GROUP
			? EG_PARTIAL
		    : nu->errors ? EG_ACCEPTED_ERRORS
				 : EG_ACCEPTED;
	edifact_ctl(&nu->ctl, &u.ctl);
	u.offset = nu->offset;
	u.count = nu->count;
	u.accepted = nu->count > nu->rejected_count
			 ? nu->count - nu->rejected_count
			 : 0;
	u.errors = nu->errors;
	u.native = nu;
	k->ev->unit_end(k->ev->ud, &u);
}

/* An EDIFACT segment in the pipeline's shape (its bytes as sent). */
void
eg_syntax_edifact_view(const eg_edifact_segment *s, eg_segment *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->id, s->id, sizeof(v->id));
	v->tag = s->tag;
	v->data = s->raw;
	v->len = s->raw_len;
	v->nelem = s->nelem;
	v->offset = s->offset;
	v->index = s->index;
	v->txn_pos = s->msg_pos;
	v->interchange = s->interchange;
	v->unwrapped = s->unwrapped;
	v->native = s;
}

static const char *
nz(const char *s)
{
	return s && s[0] ? s : "";
}

static const char *
nq(const char *s)
{
	return s && s[0] ? s : NULL;
}

/*
 * Reader and service-segment checks in one pass.  The partner's EDIFACT
 * identity (UNB sender and recipient) comes from the expectations; a
 * partner that gives none speaks no EDIFACT, and every interchange from
 * it is refused as from an unknown sender (0085 code 23).
 */
/* The pipeline's segment callback, given the syntax-neutral view. */
static eg_err
edi_segment(void *ud, const eg_edifact_segment *seg, eg_error *e)
{
	const chk *k = ud;
	eg_segment v;

	eg_syntax_edifact_view(seg, &v);
	return k->o->segment(k->o->segment_ud, &v, e);
}

static eg_err
edi_check(eg_source *src, const eg_syntax_check_opts *o,
	  const eg_envelope_events *ev, eg_syntax_check_result *res,
	  eg_error *e)
{
	eg_edifact_check_opts co;
	eg_edifact_check_result cr;
	eg_edifact_expect x;
	eg_edifact_events nev;
	chk k = {ev, o};
	eg_err rc;

	memset(res, 0, sizeof(*res));
	memset(&co, 0, sizeof(co));
	co.reader.limits = eg_edifact_limits_default();
	co.reader.limits.max_segment = o->limits.max_segment;
	co.reader.limits.max_elements = o->limits.max_elements;
	if (o->limits.chunk)
		co.reader.limits.chunk = o->limits.chunk;
	memset(&x, 0, sizeof(x));
	if (o->expect) {
		/* no id: nobody is the partner; no qualifier: any */
		x.sender = nz(o->expect->unb_sender);
		x.sender_q = nq(o->expect->unb_sender_q);
		x.recipient = nz(o->expect->unb_recipient);
		x.recipient_q = nq(o->expect->unb_recipient_q);
		co.expect = &x;
		/* the profile's <partner-unb repertoire=> */
		co.reader.strict =
		    o->expect->unb_repertoire == 1   ? EG_EDIFACT_REP_LENIENT
		    : o->expect->unb_repertoire == 2 ? EG_EDIFACT_REP_OFF
						     : EG_EDIFACT_REP_STRICT;
	}
	if (o->segment) {
		co.segment = edi_segment;
		co.segment_ud = &k;
	}
	/* message guides (D96A/DESADV.xml, ...) from the run's guide store;
	 * none without one (no data directory: service segments only) */
	if ((rc = eg_guides_edifact(o->guides, &co.guides, e)))
		return rc;
	co.max_findings = o->max_findings;
	co.progress = o->progress;
	co.progress_ud = o->progress_ud;
	nev.finding = on_finding;
	nev.unit_end = on_unit;
	nev.ud = &k;
	rc = eg_edifact_check(src, &co, &nev, &cr, e);
	if (rc)
		return rc;
	res->segments = cr.segments;
	res->bytes = cr.bytes;
	res->totals = cr.totals;
	res->reader_failed = cr.reader_failed;
	res->guided = cr.guided;
	res->unguided = cr.unguided;
	return EG_OK;
}

/* The mapper reads EDIFACT segments through this descriptor's view
 * (composites, repetitions, release characters removed).  A message
 * with no map gets none (map-none), and setkind refuses one that needs
 * a map, exactly as for an X12 set. */
static eg_err
edi_map_segment(eg_mapper *m, const eg_segment *seg, eg_error *e)
{
	return eg_mapper_segment(m, &eg_syntax_edifact, seg, e);
}

/* --- the segment view ---------------------------------------------------- */

static eg_seg_role
edi_role(const eg_segment *s)
{
	switch (s->tag) {
	case EG_EDIFACT_UNB:
		return EG_SEG_INTERCHANGE;
	case EG_EDIFACT_UNZ:
		return EG_SEG_INTERCHANGE_END;
	case EG_EDIFACT_UNG:
		return EG_SEG_GROUP;
	case EG_EDIFACT_UNE:
		return EG_SEG_GROUP_END;
	case EG_EDIFACT_UNH:
		return EG_SEG_MESSAGE;
	case EG_EDIFACT_UNT:
		return EG_SEG_MESSAGE_END;
	default:
		return EG_SEG_DATA;
	}
}

static eg_span
edi_value(const eg_segment *s, size_t i, size_t rep, size_t comp)
{
	eg_span none = {"", 0};

	if (!s->native)
		return none;
	return eg_edifact_value(s->native, i, rep ? rep : 1, comp ? comp : 1);
}

static size_t
edi_repetitions(const eg_segment *s, size_t i)
{
	return s->native ? eg_edifact_repetition_count(s->native, i) : 0;
}

static size_t
edi_components(const eg_segment *s, size_t i, size_t rep)
{
	return s->native ? eg_edifact_component_count(s->native, i, rep) : 0;
}

/* The interchange's separators; the bytes as sent split into the
 * values only when no release character was used in the segment. */
static int
edi_split(const eg_segment *s, eg_seg_seps *sep)
{
	const eg_edifact_segment *n = s->native;

	memset(sep, 0, sizeof(*sep));
	sep->first_component = 1;
	if (!n)
		return 0;
	sep->element = (unsigned char)n->syntax->d.element;
	sep->component = (unsigned char)n->syntax->d.component;
	sep->repetition = (unsigned char)n->syntax->d.repetition;
	return !n->released;
}

static void
cpy_span(char *dst, size_t cap, eg_span v)
{
	snprintf(dst, cap, "%.*s", (int)(v.len < cap ? v.len : cap - 1), v.p);
}

/* UNH S009: 0065 the type, 0052+0054 the directory ("D" "96A"). */
static void
edi_doc_id(const eg_segment *s, char *type, size_t tcap, char *release,
	   size_t rcap)
{
	char a[8], b[8];

	if (s->tag != EG_EDIFACT_UNH)
		return;
	if (type)
		cpy_span(type, tcap, edi_value(s, 2, 1, 1));
	if (release) {
		cpy_span(a, sizeof(a), edi_value(s, 2, 1, 2));
		cpy_span(b, sizeof(b), edi_value(s, 2, 1, 3));
		snprintf(release, rcap, "%s%s", a, b);
	}
}

/*
 * Interchange: UNB 0004, 0010, 0020; group: UNG 0040, 0044, 0048, as the
 * ledger keeps them.  The qualifiers (0007) are not part of the key: the
 * ledger asks within one partner, whose qualifiers the identity check
 * has already held the UNB to.
 */
static void
edi_unit_key(const eg_x12_ctl *c, int group, eg_syntax_key *k)
{
	cpy(k->from, sizeof(k->from), group ? c->gs_sender : c->sender);
	cpy(k->to, sizeof(k->to), group ? c->gs_receiver : c->receiver);
	cpy(k->number, sizeof(k->number), group ? c->gs06 : c->isa13);
}

/* A CONTRL message is the partner's answer to what we sent; its group
 * (when it came in one) too. */
static int
edi_ack_message(const eg_x12_ctl *c)
{
	return !strcmp(c->st01, "CONTRL");
}

static int
edi_ack_group(const eg_x12_ctl *c)
{
	return edi_ack_message(c);
}

static void
edi_partner_id(const struct eg_profile *p, const char **q, const char **id)
{
	*q = p->unb_partner_q;
	*id = p->unb_partner_id;
}

/* --- a received CONTRL into acknowledgement statuses --------------------- */

typedef struct rd_acks {
	eg_ack_status_fn fn;
	void *ud;
	eg_ack_status cur; /* a UCM / UCF / UCI waiting for its UCS/UCD */
	int pending;
	char icr[10];
} rd_acks;

static void
flush(rd_acks *r)
{
	if (r->pending)
		r->fn(r->ud, &r->cur);
	r->pending = 0;
}

/* 0083: 7 and 8 accept, 4 rejects. */
static void
status_of(const eg_contrl_status *s, eg_ack_status *a)
{
	cpy(a->status, sizeof(a->status), !strcmp(s->action, "4") ? "R" : "A");
	if (s->code[0]) {
		cpy(a->codes[0], sizeof(a->codes[0]), s->code);
		a->ncodes = 1;
	}
}

static void
on_contrl(void *ud, const eg_contrl_status *s)
{
	rd_acks *r = ud;
	eg_ack_status *a = &r->cur;
	size_t n;

	if (s->kind == EG_CONTRL_SEGMENT || s->kind == EG_CONTRL_ELEMENT) {
		if (!r->pending)
			return;
		a->nsegment_errors += s->kind == EG_CONTRL_SEGMENT;
		n = strlen(a->detail);
		if (n < sizeof(a->detail) - 1)
			snprintf(a->detail + n, sizeof(a->detail) - n,
				 "%s%s %s at %s%s%s",
				 n ? "; " : "",
				 s->kind == EG_CONTRL_SEGMENT ? "UCS" : "UCD",
				 s->tag[0] ? s->tag : "", s->ref,
				 s->code[0] ? " code " : "", s->code);
		return;
	}
	flush(r);
	memset(a, 0, sizeof(*a));
	cpy(a->ack_type, sizeof(a->ack_type), "CONTRL");
	if (s->kind == EG_CONTRL_INTERCHANGE)
		snprintf(r->icr, sizeof(r->icr), "%.9s", s->icr);
	cpy(a->isa13, sizeof(a->isa13), r->icr);
	if (s->kind == EG_CONTRL_INTERCHANGE) {
		a->kind = EG_ACK_INTERCHANGE;
	} else if (s->kind == EG_CONTRL_GROUP) {
		a->kind = EG_ACK_GROUP;
		snprintf(a->gs06, sizeof(a->gs06), "%.9s", s->ref);
	} else {
		a->kind = EG_ACK_SET;
		cpy(a->st01, sizeof(a->st01), s->type);
		snprintf(a->st02, sizeof(a->st02), "%.9s", s->ref);
	}
	status_of(s, a);
	r->pending = 1;
}

static eg_err
edi_read_acks(eg_source *src, eg_ack_status_fn fn, void *ud, unsigned *n,
	      eg_error *e)
{
	rd_acks r;
	eg_err rc;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.ud = ud;
	rc = eg_contrl_read(src, on_contrl, &r, n, e);
	if (!rc)
		flush(&r);
	return rc;
}

/* --- the unread tail ----------------------------------------------------- */

/* How a raw UNB is split: its separators (level A, level B or a UNA's). */
typedef struct rawsep {
	char es, cs, rel, term; /* rel 0: no release character */
	char una[7];            /* UNA1-UNA6 when a UNA gave them, else "" */
} rawsep;

/*
 * Component comp (0-based) of element el of a UNB in h (n bytes), with
 * release characters removed, into dst (cap bytes).  Returns the value's
 * full length, which may exceed what fitted.
 */
static size_t
unb_field(const char *h, size_t n, const rawsep *r, int el, int comp,
	  char *dst, size_t cap)
{
	size_t i = 0, k = 0, len = 0;
	int e = 0, c = 0;

	for (; i < n && h[i] != r->term && e <= el; i++) {
		char ch = h[i];

		if (r->rel && ch == r->rel && i + 1 < n) {
			ch = h[++i]; /* released: data */
		} else if (ch == r->es) {
			e++;
			c = 0;
			continue;
		} else if (ch == r->cs) {
			c++;
			continue;
		}
		if (e == el && c == comp) {
			if (k + 1 < cap)
				dst[k++] = ch;
			len++;
		}
	}
	dst[k] = '\0';
	return len;
}

/* Is x a usable service character (not a letter, digit or space)? */
static int
svc_char(char x)
{
	return !((x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') ||
		 (x >= '0' && x <= '9') || x == ' ' || x == '\0');
}

/*
 * The separators of the UNB at byte at of fd: a UNA right before it
 * (white space between allowed) when it is well formed, else the level
 * B set when IS3 follows the tag, else level A.  es is the byte after
 * "UNB".  0 when the UNB cannot be read with them (a UNA whose element
 * separator is not the one after the tag, a letter there).
 */
static int
raw_seps(int fd, uint64_t at, char es, char prev, rawsep *r)
{
	char b[32];
	size_t want = at < sizeof(b) ? (size_t)at : sizeof(b), i;
	ssize_t n = want ? pread(fd, b, want, (off_t)(at - want)) : 0;

	memset(r, 0, sizeof(*r));
	i = n > 0 ? (size_t)n : 0;
	while (i > 0 && (b[i - 1] == '\r' || b[i - 1] == '\n' ||
			 b[i - 1] == ' ' || b[i - 1] == '\t'))
		i--;
	if (i >= 9 && !memcmp(b + i - 9, "UNA", 3)) {
		const char *u = b + i - 6; /* UNA1..UNA6 */

		if (svc_char(u[0]) && svc_char(u[1]) && svc_char(u[5]) &&
		    u[0] != u[1] && u[0] != u[5] && u[1] != u[5] &&
		    u[1] == es) {
			r->cs = u[0];
			r->es = u[1];
			r->rel = u[3] == ' ' ? 0 : u[3];
			r->term = u[5];
			memcpy(r->una, u, 6);
			return 1;
		}
	}
	if (!(prev == '\n' || prev == '\r' || prev == '\'' || prev == 0x1C))
		return 0;
	if (es == 0x1D) {
		r->es = 0x1D;
		r->cs = 0x1F;
		r->term = 0x1C;
		return 1;
	}
	if (!svc_char(es))
		return 0;
	r->es = es;
	r->cs = ':';
	r->rel = '?';
	r->term = '\'';
	return 1;
}

/*
 * The UNB at h (n bytes from it) into ctl: sender, recipient, 0020 and
 * what its CONTRL needs (syntax, version, 0031, 0035, separators).  0
 * when the sender or 0020 is missing or a value does not fit (such a
 * header cannot be answered, nor named for sure).
 */
static int
raw_unb(const char *h, size_t n, const rawsep *r, eg_x12_ctl *ctl)
{
	char sid[8], ver[4], ack[4], test[4];

	memset(ctl, 0, sizeof(*ctl));
	if (unb_field(h, n, r, 2, 0, ctl->sender, sizeof(ctl->sender)) >=
		sizeof(ctl->sender) ||
	    unb_field(h, n, r, 2, 1, ctl->sender_q, sizeof(ctl->sender_q)) >=
		sizeof(ctl->sender_q) ||
	    unb_field(h, n, r, 3, 0, ctl->receiver, sizeof(ctl->receiver)) >=
		sizeof(ctl->receiver) ||
	    unb_field(h, n, r, 3, 1, ctl->receiver_q,
		      sizeof(ctl->receiver_q)) >= sizeof(ctl->receiver_q) ||
	    unb_field(h, n, r, 5, 0, ctl->isa13, sizeof(ctl->isa13)) >=
		sizeof(ctl->isa13))
		return 0;
	if (!ctl->sender[0] || !ctl->isa13[0])
		return 0;
	unb_field(h, n, r, 1, 0, sid, sizeof(sid));
	unb_field(h, n, r, 1, 1, ver, sizeof(ver));
	unb_field(h, n, r, 9, 0, ack, sizeof(ack));
	unb_field(h, n, r, 11, 0, test, sizeof(test));
	snprintf(ctl->isa_version, sizeof(ctl->isa_version), "%.4s%c", sid,
		 ver[0] ? ver[0] : ' ');
	ctl->ack_requested = ack[0] == '1' || ack[0] == '2' ? ack[0] : '0';
	ctl->usage = test[0] ? 'T' : 'P';
	ctl->seps[0] = r->cs;
	ctl->seps[1] = r->es;
	ctl->seps[2] = '.';
	ctl->seps[3] = r->rel ? r->rel : ' ';
	ctl->seps[4] = ' ';
	ctl->seps[5] = r->term;
	if (r->una[0])
		memcpy(ctl->seps, r->una, 6);
	return 1;
}

/*
 * The next "UNB" at or after from that reads as a header on its own:
 * after a UNA, a terminator or a line break, followed by a separator,
 * with a sender and a reference (0020), split with the separators of the
 * UNA right before it (release characters honoured), else the defaults.
 * *at is the UNB's offset (a UNA before it belongs to it).
 */
static eg_err
edi_next_header(int fd, uint64_t from, uint64_t *at, eg_x12_ctl *ctl,
		eg_error *e)
{
	char buf[4096];

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)from);
		size_t i;

		if (n < 0)
			return eg_fail(e, EG_EIO, "reading the unread rest of "
						  "the file failed");
		if (n < 8)
			return EG_ENOTFOUND;
		for (i = 0; i + 8 < (size_t)n; i++) {
			char prev = i ? buf[i - 1] : '\n';
			rawsep r;

			if (memcmp(buf + i, "UNB", 3) ||
			    !raw_seps(fd, from + i, buf[i + 3], prev, &r) ||
			    !raw_unb(buf + i, (size_t)n - i, &r, ctl))
				continue;
			*at = from + i;
			return EG_OK;
		}
		if ((size_t)n < sizeof(buf))
			return EG_ENOTFOUND;
		from += (uint64_t)n - 8; /* a header across the boundary */
	}
}

/* --- CONTRL as the acknowledgement writer -------------------------------- */

typedef struct cw {
	eg_contrl *c;
	const eg_edifact_events *nev;
	eg_envelope_events ev;
	/* an interchange the reader never reached, as its raw UNB gave it
	 * (edi_next_header): answered from this record */
	eg_edifact_ctl unread;
	int unread_open;
} cw;

/* <acknowledgements><send type="CONTRL" when=...>: without
 * <acknowledgements>, a CONTRL when UNB 0031 asks and whenever something
 * was rejected; with it, only when a CONTRL entry is there. */
static void
contrl_policy(const struct eg_profile *p, eg_contrl_opts *co)
{
	size_t i;

	co->when = EG_CONTRL_ON_ERROR;
	if (!p)
		return;
	co->no_newline = !p->out_newline;
	co->receipt_only = p->contrl_receipt_only;
	if (!p->ack_policy_given)
		return;
	co->when = EG_CONTRL_NEVER;
	for (i = 0; i < p->nack_send; i++) {
		const char *w = p->ack_send[i].when;

		if (strcmp(p->ack_send[i].type, "CONTRL"))
			continue;
		co->when = !strcmp(w, "always")	     ? EG_CONTRL_ALWAYS
			   : !strcmp(w, "on-error")  ? EG_CONTRL_ON_ERROR
			   : !strcmp(w, "requested") ? EG_CONTRL_REQUESTED
						     : EG_CONTRL_NEVER;
	}
}

/*
 * An interchange after a reader stopped, named by the pipeline from its
 * raw UNB (edi_next_header filled ctl, separators included): the record
 * the CONTRL writer echoes.  0 when ctl did not come from there.
 */
int
eg_syntax_edifact_unread(const eg_x12_ctl *c, eg_edifact_ctl *k)
{
	if (!c->seps[0] || !c->sender[0] || !c->isa13[0])
		return 0;
	memset(k, 0, sizeof(*k));
	k->interchange = c->interchange;
	memcpy(k->syntax_id, c->isa_version, 4);
	k->version = c->isa_version[4] == ' ' ? 0 : c->isa_version[4];
	cpy(k->s002[0], sizeof(k->s002[0]), c->sender);
	cpy(k->s002[1], sizeof(k->s002[1]), c->sender_q);
	cpy(k->s003[0], sizeof(k->s003[0]), c->receiver);
	cpy(k->s003[1], sizeof(k->s003[1]), c->receiver_q);
	cpy(k->icr, sizeof(k->icr), c->isa13);
	k->ack_request = c->ack_requested == '0' ? 0 : c->ack_requested;
	k->test = c->usage == 'T' ? '1' : 0;
	k->addressable = 1;
	k->delims.component = (unsigned char)c->seps[0];
	k->delims.element = (unsigned char)c->seps[1];
	k->delims.decimal = (unsigned char)c->seps[2];
	k->delims.release = c->seps[3] == ' ' ? 0 : (unsigned char)c->seps[3];
	k->delims.segment = (unsigned char)c->seps[5];
	/* level B as sent; other separators than level A's are
	 * announced in a UNA */
	k->delims.level_b = c->seps[1] == 0x1D && c->seps[5] == 0x1C &&
			    !k->delims.release;
	k->delims.una = !k->delims.level_b &&
			memcmp(c->seps, ":+.? '", 6) != 0;
	return 1;
}

static void
cw_finding(void *ud, const eg_finding *f)
{
	cw *w = ud;
	eg_edifact_finding nf;

	if (!f->ctl.native) {
		/* the pipeline's own, not a CONTRL matter -- but for an
		 * interchange the reader never reached: rejected, 0085
		 * code 18 (unspecified: nothing in it was read) */
		if (f->level != EG_LVL_INTERCHANGE || !f->rule ||
		    strcmp(f->rule, "unread-interchange") ||
		    !eg_syntax_edifact_unread(&f->ctl, &w->unread))
			return;
		memset(&nf, 0, sizeof(nf));
		nf.level = EG_LVL_INTERCHANGE;
		nf.severity = EG_FIND_ERROR;
		nf.code = "18";
		nf.rule = f->rule;
		cpy(nf.msg, sizeof(nf.msg), f->msg);
		nf.ctl = w->unread;
		w->unread_open = 1;
		w->nev->finding(w->nev->ud, &nf);
		return;
	}
	memset(&nf, 0, sizeof(nf));
	nf.level = f->level;
	nf.severity = f->severity;
	nf.code = f->code;
	nf.rule = f->rule;
	cpy(nf.msg, sizeof(nf.msg), f->msg);
	nf.pos = f->pos;
	nf.ctl = *(const eg_edifact_ctl *)f->ctl.native;
	if (f->rule && !strcmp(f->rule, "not-supported")) {
		/* a message we cannot process: no agreement covers it */
		nf.code = "17";
		nf.level = EG_LVL_TRANSACTION;
		memset(&nf.pos, 0, sizeof(nf.pos));
	}
	w->nev->finding(w->nev->ud, &nf);
}

static void
cw_unit(void *ud, const eg_unit_result *u)
{
	cw *w = ud;
	eg_edifact_unit nu;

	if (!u->native) {
		if (!w->unread_open || u->level != EG_LVL_INTERCHANGE)
			return;
		/* the end of an unread interchange: rejected, empty */
		w->unread_open = 0;
		memset(&nu, 0, sizeof(nu));
		nu.level = EG_LVL_INTERCHANGE;
		nu.rejected = 1;
		nu.ctl = w->unread;
		w->nev->unit_end(w->nev->ud, &nu);
		return;
	}
	nu = *(const eg_edifact_unit *)u->native;
	/* the outcome the pipeline decided (a message refused after the
	 * checks, another partner's interchange) */
	nu.rejected = u->outcome == EG_REJECTED;
	w->nev->unit_end(w->nev->ud, &nu);
}

static void
cw_opts_profile(eg_ack_opts *o, const struct eg_profile *p)
{
	o->profile = p;
}

static eg_err
cw_open(void **out, const eg_ack_opts *o, eg_error *e)
{
	eg_contrl_opts co;
	cw *w;
	eg_err rc;

	*out = NULL;
	memset(&co, 0, sizeof(co));
	co.next_control = o->next_control;
	co.emit = o->emit;
	co.ud = o->ud;
	co.now = o->now;
	contrl_policy(o->profile, &co);
	w = calloc(1, sizeof(*w));
	if (!w)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if ((rc = eg_contrl_new(&w->c, &co, e))) {
		free(w);
		return rc;
	}
	w->nev = eg_contrl_events(w->c);
	w->ev.finding = cw_finding;
	w->ev.unit_end = cw_unit;
	w->ev.ud = w;
	*out = w;
	return EG_OK;
}

static const eg_envelope_events *
cw_events(void *p)
{
	return &((cw *)p)->ev;
}

static eg_err
cw_error(const void *p, eg_error *e)
{
	return eg_contrl_error(((const cw *)p)->c, e);
}

/* An unreadable first UNB cannot be echoed: nothing to answer from. */
static int
cw_fallback(void *p, const char *head, size_t len)
{
	(void)p;
	(void)head;
	(void)len;
	return 0;
}

static const char *
cw_kind(const char *data, size_t len)
{
	(void)data;
	(void)len;
	return "CONTRL";
}

/*
 * Is a CONTRL we wrote addressed to id (qualifier q)?  Its UNB recipient
 * (S003) is the inbound sender, read with the CONTRL's own separators
 * (release characters removed).  A recipient too long to compare is
 * taken as someone else: the CONTRL is held rather than sent to someone
 * it may not be for.
 */
static int
cw_addressed_to(const char *data, size_t len, const char *q, const char *id)
{
	rawsep r = {'+', ':', '?', '\'', ""};
	char got[40], gq[8];
	const char *unb;
	size_t off = 0;

	if (!id || !id[0])
		return 1;
	if (len >= 9 && !memcmp(data, "UNA", 3)) {
		r.cs = data[3];
		r.es = data[4];
		r.rel = data[6] == ' ' ? 0 : data[6];
		r.term = data[8];
	}
	for (;; off++) {
		unb = off + 3 < len ? memchr(data + off, 'U', len - off) : NULL;
		if (!unb)
			return 0;
		off = (size_t)(unb - data);
		if (off + 4 < len && !memcmp(unb, "UNB", 3))
			break;
	}
	if (!memcmp(data, "UNB", 3) && data[3] == 0x1D) {
		r.es = 0x1D;
		r.cs = 0x1F;
		r.rel = 0;
		r.term = 0x1C;
	}
	if (unb_field(unb, len - off, &r, 3, 0, got, sizeof(got)) >=
		sizeof(got) ||
	    strcmp(got, id))
		return 0;
	unb_field(unb, len - off, &r, 3, 1, gq, sizeof(gq));
	return !q || !q[0] || !strcmp(gq, q);
}

static unsigned
cw_unanswered(const void *p, const char **why)
{
	return eg_contrl_unanswered(((const cw *)p)->c, why);
}

static void
cw_close(void *p)
{
	cw *w = p;

	if (!w)
		return;
	eg_contrl_free(w->c);
	free(w);
}

static const eg_ack_writer edifact_acks = {
    "CONTRL",	 cw_opts_profile, cw_open, cw_events,	    cw_error,
    cw_fallback, cw_kind,	  cw_addressed_to, cw_close, cw_unanswered,
    " (CONTRL UCI 4 sent, 0085 code 18)",
};

const eg_syntax_desc eg_syntax_edifact = {
    "edifact",
    edi_starts,
    edi_limits,
    edi_check,
    edi_map_segment,
    edi_role,
    edi_value,
    edi_repetitions,
    edi_components,
    edi_split,
    edi_doc_id,
    edi_unit_key,
    edi_ack_group,
    edi_ack_message,
    edi_read_acks,
    edi_next_header,
    3,
    &edifact_acks,
    edi_partner_id,
    1, /* a duplicate gets no second CONTRL */
    "message",
    {"UNB 0020", "UNG 0048", "UNH 0065", "UNH 0062"},
};
