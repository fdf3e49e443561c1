/*
 * txn_validate.c - transaction sets against implementation guides.
 *
 * Structure: a stack of frames, one per open loop (the root is the
 * transaction set).  Each frame knows the child it last placed (pos) and
 * how often each child occurred in the current iteration.  A segment is
 * placed by searching the top frame forward from pos, then (for a loop
 * frame) checking whether it starts a new iteration, then the frames
 * below, the way X12 loop rules read.  Only when a place is found is the
 * stack changed, so an unexpected segment leaves the state as it was.
 * Passing over a mandatory child that never occurred reports it missing.
 *
 * Codes (shared/reference/ack-codes.md): segments AK304/IK304 1-8 and I4,
 * I7, I8; elements AK403/IK403 1-10, 12, 13 and I6, I10.
 */
#include "edigate/txn_validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXDEPTH 20
#define MAXHL (1u << 21)

typedef struct frame {
	const eg_gnode *node;
	size_t pos;
	uint32_t *count;
	size_t cap;
} frame;

typedef struct gcache {
	char st01[4], gs08[13];
	const eg_guide *g;
} gcache;

struct eg_txnv {
	eg_guides *guides;
	eg_txnv_opts o;
	eg_txn_hook hook;
	eg_envelope *env;
	const eg_guide *g;
	frame f[MAXDEPTH];
	int depth;
	unsigned nfind;
	int suppressed;
	uint32_t hl_next;
	unsigned char *hl; /* level index + 1 of each HL01, 0 = none */
	size_t hl_cap;
	gcache cache[8];
	unsigned ncache;
	eg_error err;
	unsigned long guided, unguided;
	eg_pos last; /* the last segment placed, for checks at a missing SE */
	char context[80]; /* "BSN02:SHIP1" once the business key is seen */
};

/* --- findings -------------------------------------------------------------- */

static int
room(eg_txnv *v, const eg_x12_segment *s)
{
	eg_finding f;

	if (v->nfind < v->o.max_findings) {
		v->nfind++;
		return 1;
	}
	if (!v->suppressed) {
		v->suppressed = 1;
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_TRANSACTION;
		f.severity = EG_FIND_NOTE;
		f.rule = "too-many-findings";
		snprintf(f.msg, sizeof(f.msg),
			 "more than %u findings in this transaction set; the "
			 "rest are not listed",
			 v->o.max_findings);
		if (s)
			eg_x12_segment_pos(s, &f.pos);
		eg_envelope_report(v->env, &f);
	}
	return 0;
}

static const char *
loop_of(const eg_txnv *v)
{
	const char *id = v->f[v->depth].node->loop_id;

	return id ? id : "";
}

static void
seg_find(eg_txnv *v, const eg_x12_segment *s, const char *seg_id,
	 const char *loop, const char *code, const char *code999,
	 const char *rule, const char *fmt, ...) EG_PRINTF(8, 9);

static void
seg_find(eg_txnv *v, const eg_x12_segment *s, const char *seg_id,
	 const char *loop, const char *code, const char *code999,
	 const char *rule, const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	if (!room(v, s))
		return;
	va_start(ap, fmt);
	eg_finding_vinit(&f, EG_LVL_SEGMENT, EG_FIND_ERROR, code, code999, rule,
			 fmt, ap);
	va_end(ap);
	if (s)
		eg_x12_segment_pos(s, &f.pos);
	else
		f.pos = v->last;
	/* A missing segment is reported with its own ID at the position
	 * where it was looked for. */
	memset(f.pos.seg_id, 0, sizeof(f.pos.seg_id));
	memcpy(f.pos.seg_id, seg_id, strlen(seg_id) < 3 ? strlen(seg_id) : 3);
	snprintf(f.loop_id, sizeof(f.loop_id), "%s", loop ? loop : "");
	memcpy(f.context, v->context, sizeof(f.context));
	eg_envelope_report(v->env, &f);
}

typedef struct elctx {
	const eg_x12_segment *s;
	const char *loop;
	uint16_t pos, comp, rep;
	const eg_edef *d;
} elctx;

static void
el_find(eg_txnv *v, const elctx *c, eg_span val, const char *code,
	const char *code999, const char *rule, const char *fmt, ...)
    EG_PRINTF(7, 8);

static void
el_find(eg_txnv *v, const elctx *c, eg_span val, const char *code,
	const char *code999, const char *rule, const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	if (!room(v, c->s))
		return;
	va_start(ap, fmt);
	eg_finding_vinit(&f, EG_LVL_ELEMENT, EG_FIND_ERROR, code, code999, rule,
			 fmt, ap);
	va_end(ap);
	eg_x12_segment_pos(c->s, &f.pos);
	f.pos.element = c->pos;
	f.pos.component = c->comp;
	f.pos.repetition = c->rep;
	snprintf(f.loop_id, sizeof(f.loop_id), "%s", c->loop ? c->loop : "");
	memcpy(f.context, v->context, sizeof(f.context));
	if (c->d)
		snprintf(f.elem_ref, sizeof(f.elem_ref), "%s", c->d->id);
	if (val.len)
		snprintf(f.value, sizeof(f.value), "%.*s",
			 (int)(val.len < 99 ? val.len : 99), val.p);
	eg_envelope_report(v->env, &f);
}

/* --- element checks ---------------------------------------------------------- */

static int
digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

static int
n2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static int
date_ok(eg_span s)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	const char *p = s.p;

	if (!digits(s.p, s.len) || (s.len != 6 && s.len != 8))
		return 0;
	y = s.len == 8 ? n2(p) * 100 + n2(p + 2) : 2000 + n2(p);
	p += s.len - 4;
	m = n2(p);
	d = n2(p + 2);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) ||
					    y % 400 == 0));
}

static int
time_ok(eg_span s)
{
	if (!digits(s.p, s.len) || s.len < 4 || s.len == 5 || s.len > 8)
		return 0;
	return n2(s.p) <= 23 && n2(s.p + 2) <= 59 &&
	       (s.len < 6 || n2(s.p + 4) <= 59);
}

/*
 * The quick verdict for the common case, without building a report: an
 * AN or ID value of the right length and (for ID) a listed code.  Anything
 * else goes through check_value, which explains what is wrong.
 */
static inline int
value_ok(const eg_use *u, eg_span val)
{
	return u->quick && val.len >= u->min && val.len <= u->max &&
	       (!u->eff || eg_codes_has(u->eff, val.p, val.len));
}

/* Check one value (element, repetition or component). */
static void
check_value(eg_txnv *v, const elctx *c, eg_span val, const eg_codes *narrow)
{
	const eg_edef *d = c->d;
	const eg_codes *codes = narrow ? narrow : d->codes;
	size_t len = val.len, i;
	char t[4];

	switch (d->type) {
	case EG_T_N:
	case EG_T_R: {
		const char *p = val.p;
		size_t n = val.len, dots = 0;

		if (n && p[0] == '-') {
			p++;
			n--;
			len--;
		}
		for (i = 0; i < n; i++) {
			if (p[i] == '.' && d->type == EG_T_R && !dots++)
				len--;
			else if (p[i] < '0' || p[i] > '9')
				break;
		}
		if (i < n || len == 0) {
			/* named as the guide names it: "PO102 Quantity
			 * Ordered '12X' is not a number" */
			el_find(v, c, val, "6", NULL, "element-invalid-character",
				"%s%02u %s '%.*s' is not a %snumber%s%s%s",
				c->s->id, c->pos, d->name, (int)val.len, val.p,
				d->type == EG_T_N ? "whole " : "",
				d->type == EG_T_N ? " (" : "",
				d->type == EG_T_N ? eg_etype_name(d, t, sizeof(t))
						  : "",
				d->type == EG_T_N ? ": digits only)" : "");
			return;
		}
		break;
	}
	case EG_T_DT:
		if (!date_ok(val)) {
			el_find(v, c, val, "8", NULL, "element-invalid-date",
				"%s%02u %s '%.*s' is not a valid date (%s)",
				c->s->id, c->pos, d->name, (int)val.len, val.p,
				d->max == 6 ? "YYMMDD" : "CCYYMMDD");
			return;
		}
		break;
	case EG_T_TM:
		if (!time_ok(val)) {
			el_find(v, c, val, "9", NULL, "element-invalid-time",
				"%s%02u %s '%.*s' is not a valid time (HHMM, "
				"HHMMSS or HHMMSSd..)",
				c->s->id, c->pos, d->name, (int)val.len, val.p);
			return;
		}
		break;
	default:
		break;
	}
	if (len < d->min) {
		el_find(v, c, val, "4", NULL, "element-too-short",
			"%s%02u '%.*s' is %zu characters, %s %s needs at "
			"least %u",
			c->s->id, c->pos, (int)val.len, val.p, len, d->id,
			d->name, (unsigned)d->min);
		return;
	}
	if (len > d->max) {
		el_find(v, c, val, "5", NULL, "element-too-long",
			"%s%02u is %zu characters, %s %s allows at most %u",
			c->s->id, c->pos, len, d->id, d->name,
			(unsigned)d->max);
		return;
	}
	if (codes && !eg_codes_has(codes, val.p, val.len)) {
		if (narrow && d->codes && eg_codes_has(d->codes, val.p, val.len))
			el_find(v, c, val, "7", "I6", "code-not-used",
				"%s%02u code '%.*s' is valid for %s but not "
				"used in this implementation",
				c->s->id, c->pos, (int)val.len, val.p, d->id);
		else
			el_find(v, c, val, "7", NULL, "element-invalid-code",
				"%s%02u '%.*s' is not a code of %s %s%s%s",
				c->s->id, c->pos, (int)val.len, val.p, d->id,
				d->name, codes->list ? " (code list " : "",
				codes->list ? codes->list : "");
	}
}

/* The element definition at position pos of a use list, or NULL. */
static const eg_edef *
use_at(const eg_use *u, size_t n, unsigned pos)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (u[i].pos == pos)
			return u[i].el;
	return NULL;
}

/* Point c at position p of a segment (or, comp_level, of a composite). */
static void
mark(elctx *c, unsigned p, int comp_level, const eg_use *uses, size_t nuses)
{
	if (comp_level)
		c->comp = (uint16_t)p;
	else
		c->pos = (uint16_t)p;
	c->d = use_at(uses, nuses, p);
}

/* Syntax notes over the values present at positions 1..nvals. */
static void
check_syntax(eg_txnv *v, elctx *c, const eg_syntax *syn, size_t nsyn,
	     uint64_t have, const char *what, const eg_use *uses, size_t nuses,
	     int comp_level)
{
	size_t i, j;
	/* Is position p present (non-empty)?  Bit p of have. */
#define PRESENT(p) ((have >> (p)) & 1)

	for (i = 0; i < nsyn; i++) {
		const eg_syntax *n = &syn[i];
		const uint64_t m = have & n->mask;
		unsigned cnt = 0, first = (have & n->first) != 0;
		eg_span none = {"", 0};

		/* The common cases, settled from the bit masks: for E at
		 * most one position present; for the others none (fine
		 * unless R) or all of them. */
		if (n->rule == 'E' ? (m & (m - 1)) == 0
				   : (m == 0 && n->rule != 'R') || m == n->mask)
			continue;
		for (j = 0; j < n->n; j++)
			cnt += PRESENT(n->pos[j]);
		switch (n->rule) {
		case 'P':
			if (cnt == 0 || cnt == n->n)
				break;
			for (j = 0; j < n->n; j++)
				if (!PRESENT(n->pos[j])) {
					mark(c, n->pos[j], comp_level, uses,
					     nuses);
					el_find(v, c, none, "2", NULL,
						"syntax-paired",
						"%s%02u is required: %s "
						"positions %u and %u go "
						"together (paired)",
						what, n->pos[j], what,
						n->pos[0], n->pos[1]);
				}
			break;
		case 'R':
			if (cnt == 0) {
				mark(c, n->pos[0], comp_level, uses, nuses);
				el_find(v, c, none, "2", NULL, "syntax-required",
					"%s needs at least one of positions "
					"%u, %u%s",
					what, n->pos[0], n->pos[1],
					n->n > 2 ? ", ..." : "");
			}
			break;
		case 'E':
			if (cnt > 1) {
				for (j = 1; j < n->n && !PRESENT(n->pos[j]); j++)
					;
				mark(c, j < n->n ? n->pos[j] : n->pos[1], comp_level,
				     uses, nuses);
				el_find(v, c, none, "10", NULL,
					"syntax-exclusion",
					"%s positions %u and %u exclude each "
					"other: only one may be present",
					what, n->pos[0], n->pos[1]);
			}
			break;
		case 'C':
			if (!first)
				break;
			for (j = 1; j < n->n; j++)
				if (!PRESENT(n->pos[j])) {
					mark(c, n->pos[j], comp_level, uses,
					     nuses);
					el_find(v, c, none, "2", NULL,
						"syntax-conditional",
						"%s%02u is required because "
						"%s%02u is present",
						what, n->pos[j], what,
						n->pos[0]);
				}
			break;
		case 'L':
			if (first && cnt < 2) {
				mark(c, n->pos[1], comp_level, uses, nuses);
				el_find(v, c, none, "2", NULL,
					"syntax-list-conditional",
					"%s%02u is present, so one of the "
					"positions after it in the note is "
					"required",
					what, n->pos[0]);
			}
			break;
		default:
			break;
		}
	}
#undef PRESENT
}

static void
check_composite(eg_txnv *v, elctx *c, const eg_use *u)
{
	const eg_cdef *cd = u->comp;
	eg_span comps[32];
	uint64_t have;
	size_t nc = eg_x12_component_count(c->s, c->pos, c->rep ? c->rep : 1);
	size_t i, maxpos = cd->n ? cd->c[cd->n - 1].pos : 0;

	if (maxpos > 31)
		maxpos = 31;
	for (i = 1; i <= maxpos; i++)
		comps[i] = eg_x12_component(c->s, c->pos, c->rep ? c->rep : 1, i);
	if (nc > cd->n || (cd->n && nc > cd->c[cd->n - 1].pos)) {
		size_t first = cd->n ? cd->c[cd->n - 1].pos + 1u : 1u;

		c->d = NULL;
		c->comp = (uint16_t)first;
		el_find(v, c,
			eg_x12_component(c->s, c->pos, c->rep ? c->rep : 1, first),
			"13", NULL, "too-many-components",
			"%s%02u has %zu components, composite %s allows %u",
			c->s->id, c->pos, nc, cd->id,
			(unsigned)(cd->n ? cd->c[cd->n - 1].pos : 0));
	}
	for (i = 0; i < cd->n; i++) {
		const eg_use *cu = &cd->c[i];
		eg_span cv = eg_x12_component(c->s, c->pos, c->rep ? c->rep : 1,
					      cu->pos);

		c->comp = cu->pos;
		c->d = cu->el;
		if (cv.len == 0) {
			if (cu->usage == 'M')
				el_find(v, c, cv, "1", NULL,
					"component-missing",
					"%s%02u-%u (%s %s) is required",
					c->s->id, c->pos, cu->pos, cu->el->id,
					cu->el->name);
			continue;
		}
		if (cu->el)
			check_value(v, c, cv, NULL);
	}
	c->comp = 0;
	for (i = 1, have = 0; i <= maxpos; i++)
		have |= (uint64_t)(comps[i].len > 0) << i;
	if (cd->nsyn)
		check_syntax(v, c, cd->syn, cd->nsyn, have, cd->id, cd->c, cd->n,
			     1);
	c->comp = 0;
}

/* Does a value pass every check?  (No report: check_value explains.) */
static inline int
value_fast(const eg_use *u, eg_span val)
{
	size_t i, len = val.len, dots = 0;
	const char *p = val.p;

	if (u->quick)
		return value_ok(u, val);
	if (!u->el)
		return 0;
	switch (u->el->type) {
	case EG_T_DT:
		return date_ok(val) && len >= u->min && len <= u->max;
	case EG_T_TM:
		return time_ok(val) && len >= u->min && len <= u->max;
	case EG_T_N:
	case EG_T_R:
		if (len && p[0] == '-') {
			p++;
			len--;
		}
		for (i = 0; i < val.len - (size_t)(p - val.p); i++) {
			if (p[i] == '.' && u->el->type == EG_T_R && !dots++)
				continue;
			if (p[i] < '0' || p[i] > '9')
				return 0;
		}
		len -= dots;
		return len > 0 && len >= u->min && len <= u->max;
	default:
		return 0;
	}
}

/* Do the syntax notes hold for the positions present (bits of have)? */
static int
syntax_fast(const eg_syntax *syn, size_t nsyn, uint64_t have)
{
	size_t i;

	for (i = 0; i < nsyn; i++) {
		const eg_syntax *n = &syn[i];
		const uint64_t m = have & n->mask;
		int ok;

		switch (n->rule) {
		case 'P':
			ok = m == 0 || m == n->mask;
			break;
		case 'R':
			ok = m != 0;
			break;
		case 'E':
			ok = (m & (m - 1)) == 0;
			break;
		case 'C':
			ok = !(have & n->first) || m == n->mask;
			break;
		default: /* L */
			ok = !(have & n->first) || (m & ~n->first) != 0;
			break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * The common case in one tight pass: a segment without composites or
 * repetitions whose every element passes.  Returns 0 as soon as anything
 * needs a closer look; check_elements then redoes it and reports.
 */
static int
elements_fast(const eg_x12_segment *s, const eg_sdef *sd)
{
	size_t i, skip_to;
	uint64_t have = 0;

	if (!s->plain || (sd->n && s->nelem > sd->e[sd->n - 1].pos))
		return 0;
	skip_to = (s->tag == EG_X12_ST || s->tag == EG_X12_SE) ? 2 : 0;
	for (i = 0; i < sd->n; i++) {
		const eg_use *u = &sd->e[i];
		eg_span val;

		if (u->pos > s->nelem) {
			if (u->pos > sd->last_m)
				break;
			if (u->usage == 'M')
				return 0;
			continue;
		}
		val = s->elem[u->pos];
		if (val.len == 0) {
			if (u->usage == 'M' && u->pos > skip_to)
				return 0;
			continue;
		}
		have |= (uint64_t)1 << (u->pos & 63);
		if (u->pos <= skip_to)
			continue;
		if (u->usage == 'N' || !value_fast(u, val))
			return 0;
	}
	return syntax_fast(sd->syn, sd->nsyn, have);
}

static void
check_elements(eg_txnv *v, const eg_x12_segment *s, const eg_sdef *sd,
	       const char *loop)
{
	elctx c;
	size_t i, lastpos = sd->n ? sd->e[sd->n - 1].pos : 0, skip_to;
	uint64_t have = 0;
	const unsigned char cs = s->delims->component, rs = s->delims->repetition;
	const int plain = s->plain;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.loop = loop;
	/* ST01/ST02 and SE01/SE02 are checked (and reported once) by the
	 * envelope; the guide still checks ST03 and any extra elements. */
	skip_to = (s->tag == EG_X12_ST || s->tag == EG_X12_SE) ? 2 : 0;
	if (s->nelem > lastpos) {
		eg_span extra = eg_x12_element(s, lastpos + 1);

		c.pos = (uint16_t)(lastpos + 1);
		el_find(v, &c, extra, "3", NULL, "too-many-elements",
			"%s has %zu elements, the guide defines %zu", s->id,
			s->nelem, lastpos);
	}
	for (i = 0; i < sd->n; i++) {
		const eg_use *u = &sd->e[i];
		eg_span val;
		size_t nr, r;

		if (u->pos <= skip_to)
			continue;

		if (u->pos > s->nelem) {
			/* Past the last element sent: only mandatory ones
			 * matter, and there are none beyond last_m. */
			if (u->pos > sd->last_m)
				break;
			if (u->usage != 'M')
				continue;
			val.p = "";
			val.len = 0;
		} else {
			val = s->elem[u->pos];
			/* presence, for the syntax notes (positions < 64) */
			have |= (uint64_t)(val.len > 0) << (u->pos & 63);
		}

		c.pos = u->pos;
		c.comp = 0;
		c.rep = 0;
		c.d = u->el;
		if (val.len == 0) {
			if (u->usage == 'M')
				el_find(v, &c, val, "1", NULL,
					"element-missing",
					"%s%02u (%s %s) is required but empty",
					s->id, u->pos,
					u->el ? u->el->id : u->comp->id,
					u->el ? u->el->name : u->comp->name);
			continue;
		}
		if (u->usage == 'N') {
			el_find(v, &c, val, "10", "I10", "element-not-used",
				"%s%02u %s is not used in this implementation "
				"but is present",
				s->id, u->pos,
				u->el ? u->el->name : u->comp->name);
			continue;
		}
		/* The common case: a simple element, one value, no
		 * component or repetition separator in it. */
		if (u->el && (plain || (!memchr(val.p, cs, val.len) &&
					(!rs || !memchr(val.p, rs, val.len))))) {
			if (!value_ok(u, val))
				check_value(v, &c, val, u->codes);
			continue;
		}
		nr = eg_x12_repetition_count(s, u->pos);
		if (u->repeat && nr > u->repeat) {
			c.rep = (uint16_t)(u->repeat + 1);
			el_find(v, &c, eg_x12_repetition(s, u->pos, c.rep), "12",
				NULL, "too-many-repetitions",
				"%s%02u repeats %zu times, at most %u allowed",
				s->id, u->pos, nr, (unsigned)u->repeat);
			continue;
		}
		for (r = 1; r <= nr; r++) {
			eg_span rv = eg_x12_repetition(s, u->pos, r);

			c.rep = nr > 1 ? (uint16_t)r : 0;
			if (u->comp) {
				check_composite(v, &c, u);
				continue;
			}
			if (eg_x12_component_count(s, u->pos, r) > 1) {
				c.comp = 2;
				el_find(v, &c, eg_x12_component(s, u->pos, r, 2),
					"13", NULL,
					"too-many-components",
					"%s%02u is a simple element (%s) but "
					"has components",
					s->id, u->pos, u->el->id);
				c.comp = 0;
				continue;
			}
			c.d = u->el;
			check_value(v, &c, rv, u->codes);
		}
	}
	c.rep = 0;
	if (sd->nsyn)
		check_syntax(v, &c, sd->syn, sd->nsyn, have, s->id, sd->e, sd->n,
			     0);
}

/* --- HL hierarchy ------------------------------------------------------------- */

static int
level_index(const eg_guide *g, eg_span code)
{
	size_t i;

	if (code.len == 0 || code.len >= sizeof(g->levels[0].code))
		return -1;
	for (i = 0; i < g->nlevels; i++)
		if (memcmp(g->levels[i].code, code.p, code.len) == 0 &&
		    g->levels[i].code[code.len] == '\0')
			return (int)i;
	return -1;
}

static int
parent_allowed(const eg_hlevel *lv, const char *parent)
{
	const char *p = lv->parents;
	size_t n = parent ? strlen(parent) : 0;

	if (!parent)
		return lv->parents[0] == '\0';
	while (*p) {
		size_t w = strcspn(p, " ");

		if (w == n && memcmp(p, parent, n) == 0)
			return 1;
		p += w;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static void
check_hl(eg_txnv *v, const eg_x12_segment *s, const char *loop,
	 const eg_sdef *sd)
{
	const eg_guide *g = v->g;
	eg_span id = eg_x12_element(s, 1), par = eg_x12_element(s, 2),
		code = eg_x12_element(s, 3);
	unsigned long hid = 0, pid = 0;
	size_t i;
	int li, pl = -1;
	elctx c;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.loop = loop;
	c.pos = 1;
	c.d = use_at(sd->e, sd->n, 1);
	if (!digits(id.p, id.len) || id.len > 9) {
		if (id.len)
			el_find(v, &c, id, "7", NULL, "hl01-sequence",
				"HL01 '%.*s' is not a number: HL IDs count 1, "
				"2, 3 ... in order",
				(int)id.len, id.p);
		v->hl_next++;
		return;
	}
	for (i = 0; i < id.len; i++)
		hid = hid * 10 + (unsigned long)(id.p[i] - '0');
	if (hid != v->hl_next)
		el_find(v, &c, id, "7", NULL, "hl01-sequence",
			"HL01 is %lu, expected %lu: HL IDs count 1, 2, 3 ... "
			"in order",
			hid, (unsigned long)v->hl_next);
	v->hl_next = (uint32_t)(hid + 1);
	if (par.len) {
		c.pos = 2;
		c.d = use_at(sd->e, sd->n, 2);
		for (i = 0; i < par.len && par.p[i] >= '0' && par.p[i] <= '9';
		     i++)
			pid = pid * 10 + (unsigned long)(par.p[i] - '0');
		if (i < par.len || pid >= hid || pid == 0 || pid >= MAXHL ||
		    pid >= v->hl_cap || !v->hl[pid]) {
			el_find(v, &c, par, "7", NULL, "hl02-parent",
				"HL02 parent %.*s is not the HL01 of an earlier "
				"HL in this transaction set",
				(int)par.len, par.p);
			pid = 0;
		} else {
			pl = v->hl[pid] - 1;
		}
	}
	li = level_index(g, code);
	c.pos = 3;
	c.d = use_at(sd->e, sd->n, 3);
	if (code.len && li < 0) {
		el_find(v, &c, code, "7", NULL, "hl03-level",
			"HL03 level '%.*s' is not a level of this transaction "
			"set's hierarchy",
			(int)code.len, code.p);
	} else if (li >= 0 && (pid || !par.len) &&
		   !parent_allowed(&g->levels[li],
				   pl >= 0 ? g->levels[pl].code : NULL)) {
		el_find(v, &c, code, "7", NULL, "hl03-parent-level",
			"an HL of level %s cannot be %s%s%s (allowed parent "
			"levels: %s)",
			g->levels[li].code,
			pl >= 0 ? "under level " : "at the top",
			pl >= 0 ? g->levels[pl].code : "", "",
			g->levels[li].parents[0] ? g->levels[li].parents
						 : "none, it is a top level");
	}
	if (hid < MAXHL && li >= 0) {
		if (hid >= v->hl_cap) {
			size_t nc = v->hl_cap ? v->hl_cap : 1024;
			unsigned char *p;

			while (nc <= hid)
				nc *= 2;
			p = realloc(v->hl, nc);
			if (!p)
				return;
			memset(p + v->hl_cap, 0, nc - v->hl_cap);
			v->hl = p;
			v->hl_cap = nc;
		}
		v->hl[hid] = (unsigned char)(li + 1);
	}
}

/* --- structure ----------------------------------------------------------------- */

static int
tag_is(const eg_gnode *k, const eg_x12_segment *s)
{
	return k->seg->tag == s->tag;
}

static int
push(eg_txnv *v, const eg_gnode *node)
{
	frame *f;

	if (v->depth + 1 >= MAXDEPTH)
		return 0;
	f = &v->f[++v->depth];
	f->node = node;
	if (f->cap < node->n) {
		uint32_t *p = realloc(f->count, node->n * sizeof(*p));

		if (!p) {
			v->depth--;
			return 0;
		}
		f->count = p;
		f->cap = node->n;
	}
	memset(f->count, 0, node->n * sizeof(*f->count));
	f->pos = 0;
	f->count[0] = 1;
	return 1;
}

/* Report mandatory children of frame f in [from, to) that did not occur. */
static void
missing(eg_txnv *v, const frame *f, size_t from, size_t to,
	const eg_x12_segment *at)
{
	size_t j;

	const uint32_t *kmin = f->node->kmin, *next = f->node->next_m;

	for (j = from < f->node->n ? next[from] : to; j < to;
	     j = j + 1 < f->node->n ? next[j + 1] : to) {
		const eg_gnode *k;
		const char *loop;

		if (f->count[j] >= kmin[j])
			continue;
		k = &f->node->kids[j];
		loop = k->loop ? k->loop_id : f->node->loop_id;
		if (f->count[j] == 0 && k->usage == 'M')
			seg_find(v, at, k->seg->id, loop, "3", NULL,
				 "segment-missing",
				 "required %s%s%s%s%s is missing (%s%s)",
				 k->loop ? "loop " : "segment ",
				 k->loop ? k->loop_id : k->seg->id,
				 k->loop ? " (starting with " : "",
				 k->loop ? k->seg->id : "", k->loop ? ")" : "",
				 at ? "expected before " : "the set ends",
				 at ? at->id : " without it");
		else
			seg_find(v, at, k->seg->id, loop, "3",
				 k->loop ? "I7" : "I8", "below-minimum",
				 "%s %s occurs %u times, this implementation "
				 "needs at least %u",
				 k->loop ? "loop" : "segment",
				 k->loop ? k->loop_id : k->seg->id,
				 (unsigned)f->count[j], (unsigned)k->min);
	}
}

static void
pop_to(eg_txnv *v, int d, const eg_x12_segment *at)
{
	while (v->depth > d) {
		frame *f = &v->f[v->depth];

		missing(v, f, f->pos, f->node->n, at);
		v->depth--;
	}
}

static void
placed(eg_txnv *v, const eg_x12_segment *s, const eg_gnode *k,
       const char *loop)
{
	v->last.offset = s->offset;
	v->last.segment = s->index;
	v->last.txn_pos = s->txn_pos;
	memcpy(v->last.seg_id, s->id, sizeof(v->last.seg_id));
	if (s->tag == v->g->key_tag && v->g->key_pos <= s->nelem &&
	    !v->context[0]) {
		eg_span kv = s->elem[v->g->key_pos];

		if (kv.len)
			snprintf(v->context, sizeof(v->context), "%s:%.*s",
				 v->g->key_name, (int)(kv.len < 60 ? kv.len : 60),
				 kv.p);
	}
	if (k->usage == 'N')
		seg_find(v, s, s->id, loop, "2", "I4", "segment-not-used",
			 "segment %s is not used in this implementation", s->id);
	if (!elements_fast(s, k->seg))
		check_elements(v, s, k->seg, loop);
	if (v->g->nlevels && s->tag == EG_X12_TAG('H', 'L', 0))
		check_hl(v, s, loop, k->seg);
}

static void
commit(eg_txnv *v, int d, size_t j, const eg_x12_segment *s)
{
	frame *f;
	const eg_gnode *k;

	pop_to(v, d, s);
	f = &v->f[d];
	if (j > f->pos)
		missing(v, f, f->pos, j, s);
	f->pos = j;
	f->count[j]++;
	k = &f->node->kids[j];
	if (k->max && f->count[j] > k->max)
		seg_find(v, s, s->id, k->loop ? k->loop_id : f->node->loop_id,
			 k->loop ? "4" : "5", NULL,
			 k->loop ? "loop-over-max" : "segment-over-max",
			 "%s %s occurs more than %u times",
			 k->loop ? "loop" : "segment",
			 k->loop ? k->loop_id : s->id, (unsigned)k->max);
	if (k->loop) {
		if (!push(v, k)) {
			seg_find(v, s, s->id, k->loop_id, "2", NULL,
				 "loop-too-deep", "loops nested too deep");
			return;
		}
		placed(v, s, &k->kids[0], k->loop_id);
		return;
	}
	placed(v, s, k, f->node->loop_id);
}

static void
new_iteration(eg_txnv *v, int d, const eg_x12_segment *s)
{
	frame *f, *p;
	const eg_gnode *loopnode;

	pop_to(v, d, s);
	f = &v->f[d];
	missing(v, f, f->pos, f->node->n, s);
	p = &v->f[d - 1];
	loopnode = &p->node->kids[p->pos];
	p->count[p->pos]++;
	if (loopnode->max && p->count[p->pos] > loopnode->max)
		seg_find(v, s, s->id, loopnode->loop_id, "4", NULL,
			 "loop-over-max", "loop %s occurs more than %u times",
			 loopnode->loop_id, (unsigned)loopnode->max);
	memset(f->count, 0, f->node->n * sizeof(*f->count));
	f->pos = 0;
	f->count[0] = 1;
	placed(v, s, &f->node->kids[0], f->node->loop_id);
}

static int
in_structure(const eg_gnode *n, const eg_x12_segment *s)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (n->kids[i].loop ? in_structure(&n->kids[i], s)
				    : tag_is(&n->kids[i], s))
			return 1;
	return 0;
}

static void
unplaced(eg_txnv *v, const eg_x12_segment *s)
{
	const char *loop = loop_of(v);

	if (in_structure(&v->g->root, s))
		seg_find(v, s, s->id, loop, "7", NULL, "segment-out-of-order",
			 "segment %s is in transaction set %s but not at this "
			 "point (out of order or a repeat too many)",
			 s->id, v->g->set);
	else if (eg_guides_segment(v->guides, v->g->release, s->id))
		seg_find(v, s, s->id, loop, "6", NULL, "segment-not-in-set",
			 "segment %s is not part of transaction set %s", s->id,
			 v->g->set);
	else
		seg_find(v, s, s->id, loop, "1", NULL, "segment-unrecognized",
			 "segment ID %s is not defined in release %s", s->id,
			 v->g->release);
}

static void
place(eg_txnv *v, const eg_x12_segment *s)
{
	int d;

	const uint32_t tag = s->tag;

	for (d = v->depth; d >= 0; d--) {
		const frame *f = &v->f[d];
		const uint32_t *kt = f->node->ktag;
		const size_t n = f->node->n;
		size_t j = f->pos;

		/* A loop's trigger only starts an iteration. */
		if (d > 0 && j == 0)
			j = 1;
		for (; j < n; j++) {
			if (kt[j] == tag) {
				commit(v, d, j, s);
				return;
			}
		}
		if (d > 0 && kt[0] == tag) {
			new_iteration(v, d, s);
			return;
		}
	}
	unplaced(v, s);
}

/* --- hook ----------------------------------------------------------------------- */

static const eg_guide *
guide_for(eg_txnv *v, const eg_x12_ctl *ctl)
{
	const eg_guide *g = NULL;
	unsigned i;

	for (i = 0; i < v->o.noverrides; i++)
		if (v->o.overrides[i] &&
		    strcmp(v->o.overrides[i]->set, ctl->st01) == 0)
			return v->o.overrides[i];
	for (i = 0; i < v->ncache; i++)
		if (strcmp(v->cache[i].st01, ctl->st01) == 0 &&
		    strcmp(v->cache[i].gs08, ctl->gs08) == 0)
			return v->cache[i].g;
	if (v->err.code == EG_OK &&
	    eg_guides_find(v->guides, ctl->st01, ctl->gs08, &g, &v->err))
		g = NULL;
	i = v->ncache < 8 ? v->ncache++ : 7;
	memcpy(v->cache[i].st01, ctl->st01, sizeof(v->cache[i].st01));
	memcpy(v->cache[i].gs08, ctl->gs08, sizeof(v->cache[i].gs08));
	v->cache[i].g = g;
	return g;
}

static void
on_begin(void *ud, eg_envelope *env, const eg_x12_segment *st,
	 const eg_x12_ctl *ctl)
{
	eg_txnv *v = ud;
	eg_finding f;

	v->env = env;
	v->context[0] = '\0';
	v->nfind = 0;
	v->suppressed = 0;
	v->depth = -1;
	v->hl_next = 1;
	if (v->hl_cap)
		memset(v->hl, 0, v->hl_cap);
	v->g = guide_for(v, ctl);
	if (!v->g) {
		v->unguided++;
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_TRANSACTION;
		f.severity = EG_FIND_NOTE;
		f.rule = "no-guide";
		eg_x12_segment_pos(st, &f.pos);
		snprintf(f.msg, sizeof(f.msg),
			 "no guide for transaction set %s version %s: checked "
			 "at envelope and syntax level only",
			 ctl->st01, ctl->gs08[0] ? ctl->gs08 : "(none)");
		eg_envelope_report(env, &f);
		return;
	}
	v->guided++;
	if (!push(v, &v->g->root))
		return;
	placed(v, st, &v->g->root.kids[0], "");
}

static void
on_segment(void *ud, eg_envelope *env, const eg_x12_segment *s)
{
	eg_txnv *v = ud;

	(void)env;
	if (v->g && v->depth >= 0)
		place(v, s);
}

static void
on_end(void *ud, eg_envelope *env, const eg_x12_segment *se)
{
	eg_txnv *v = ud;
	frame *root;

	(void)env;
	if (!v->g || v->depth < 0)
		return;
	if (se) {
		place(v, se);
		pop_to(v, 0, se);
		root = &v->f[0];
		missing(v, root, root->pos, root->node->n, se);
	} else {
		/* No SE (the envelope reports that): the rest of the set
		 * up to SE is checked against the last segment seen. */
		pop_to(v, 0, NULL);
	}
	v->g = NULL;
	v->depth = -1;
}

eg_err
eg_txnv_new(eg_txnv **out, eg_guides *guides, const eg_txnv_opts *o,
	    eg_error *e)
{
	eg_txnv *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	v->guides = guides;
	if (o)
		v->o = *o;
	if (!v->o.max_findings)
		v->o.max_findings = 100;
	v->hook.begin = on_begin;
	v->hook.segment = on_segment;
	v->hook.end = on_end;
	v->hook.ud = v;
	v->depth = -1;
	*out = v;
	return EG_OK;
}

const eg_txn_hook *
eg_txnv_hook(eg_txnv *v)
{
	return &v->hook;
}

eg_err
eg_txnv_error(const eg_txnv *v, eg_error *e)
{
	if (v->err.code == EG_OK)
		return EG_OK;
	if (e)
		*e = v->err;
	return v->err.code;
}

void
eg_txnv_counts(const eg_txnv *v, unsigned long *guided,
	       unsigned long *unguided)
{
	*guided = v->guided;
	*unguided = v->unguided;
}

void
eg_txnv_free(eg_txnv *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < MAXDEPTH; i++)
		free(v->f[i].count);
	free(v->hl);
	free(v);
}
