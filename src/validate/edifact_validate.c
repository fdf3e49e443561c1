/*
 * edifact_validate.c - check one UN/EDIFACT message at a time against its
 * message guide (include/edigate/edifact_guide.h).
 *
 * Placing a segment: the open groups form a stack of frames, each with
 * the child it is at and how often that child occurred.  A segment is
 * looked for from the current child onwards in the innermost group, then
 * in each enclosing one (where meeting the current group's trigger again
 * starts its next repetition).  Children skipped on the way, and those
 * left when a group is closed, are checked for status M.  A segment that
 * fits nowhere is reported and leaves the state alone, so one stray
 * segment gives one finding.  Memory: the frame stack, whatever the
 * message size.
 *
 * Spec: ISO 9735 representations (a, n, an; numeric values count digits
 * only, may carry a leading minus sign and the decimal mark of UNA3 --
 * either mark in syntax 4 or without a UNA), dependency notes D1-D7, and
 * the 0085 codes of shared/reference/ack-codes.md 4.6.
 */
#include "edigate/edifact_guide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 16

typedef struct frame {
	const eg_ed_node *g;
	uint32_t j;   /* the child we are at */
	uint32_t cnt; /* its occurrences (repetitions, for a group) */
} frame;

struct eg_edv {
	eg_edv_events ev;
	const eg_ed_guide *gd;
	frame st[MAX_FRAMES];
	int depth;
	unsigned found;
	eg_pos last;   /* the last segment placed */
	const eg_edifact_segment *cur;
	unsigned char dec1, dec2; /* decimal marks accepted */
	int utf8;      /* lengths count characters, not bytes */
};

static void
report(eg_edv *v, eg_level lvl, const char *code, const char *rule,
       const eg_pos *at, uint16_t el, uint16_t comp, uint16_t rep,
       const char *fmt, ...) EG_PRINTF(9, 10);

static void
report(eg_edv *v, eg_level lvl, const char *code, const char *rule,
       const eg_pos *at, uint16_t el, uint16_t comp, uint16_t rep,
       const char *fmt, ...)
{
	eg_edv_finding f;
	va_list ap;
	unsigned max = v->ev.max_findings ? v->ev.max_findings : 100;

	if (++v->found > max || !v->ev.finding)
		return;
	memset(&f, 0, sizeof(f));
	f.level = lvl;
	f.code = code;
	f.rule = rule;
	f.pos = *at;
	f.pos.element = el;
	f.pos.component = comp;
	f.pos.repetition = rep;
	va_start(ap, fmt);
	vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	va_end(ap);
	v->ev.finding(v->ev.ud, &f);
}

/* A mandatory child that did not occur: reported at the last segment
 * read (as a CONTRL's UCS wants it), under the missing tag. */
static void
missing(eg_edv *v, const eg_ed_node *k)
{
	eg_pos at = v->last;

	memcpy(at.seg_id, k->seg->id, sizeof(at.seg_id));
	if (k->group)
		report(v, EG_LVL_SEGMENT, "13", "group-missing", &at, 0, 0, 0,
		       "mandatory segment group %s (starting with %s) is "
		       "missing after segment %u",
		       k->gid, k->seg->id, (unsigned)v->last.txn_pos);
	else
		report(v, EG_LVL_SEGMENT, "13", "segment-missing", &at, 0, 0,
		       0, "mandatory segment %s is missing after segment %u",
		       k->seg->id, (unsigned)v->last.txn_pos);
}

/* Mandatory children of f from child `from` to before `to`. */
static void
check_skipped(eg_edv *v, const frame *f, uint32_t to)
{
	uint32_t m;

	if (to > f->g->mend)
		to = f->g->mend;
	for (m = f->j; m < to; m++) {
		if (m == f->j && f->cnt > 0)
			continue;
		if (f->g->kids[m].status == 'M')
			missing(v, &f->g->kids[m]);
	}
}

/* --- values ---------------------------------------------------------------- */

static void
check_value(eg_edv *v, const eg_ed_use *u, eg_span val, const eg_pos *at,
	    uint16_t el, uint16_t comp, uint16_t rep)
{
	const eg_ed_elem *d = u->el;
	size_t len = val.len, i, digits = 0;
	const unsigned char *p = (const unsigned char *)val.p;

	if (d->type == EG_ED_N) {
		size_t marks = 0, start = 0;
		int before = 0, bad = 0, lead = 0;

		if (len && p[0] == '-')
			start = 1;
		for (i = start; i < len; i++) {
			if (p[i] >= '0' && p[i] <= '9') {
				digits++;
				if (!marks)
					before = 1;
			} else if (p[i] == v->dec1 || p[i] == v->dec2) {
				marks++;
			} else {
				bad = 1;
			}
		}
		lead = marks && !before;
		len = digits;
		if (bad || digits == 0) {
			report(v, EG_LVL_ELEMENT, "37", "invalid-numeric", at, el,
			       comp, rep,
			       "data element %s '%.*s' is not a number "
			       "(digits, a minus sign and one decimal mark)",
			       d->id, (int)(val.len > 40 ? 40 : val.len),
			       val.p);
			return;
		}
		if (lead) {
			report(v, EG_LVL_ELEMENT, "38", "missing-digit-before-"
			       "decimal", at, el, comp, rep,
			       "data element %s '%.*s' has no digit before the "
			       "decimal mark",
			       d->id, (int)(val.len > 40 ? 40 : val.len),
			       val.p);
			return;
		}
		if (marks > 1 || (marks && (p[val.len - 1] == v->dec1 ||
					    p[val.len - 1] == v->dec2))) {
			report(v, EG_LVL_ELEMENT, "19", "invalid-decimal", at,
			       el, comp, rep,
			       "data element %s '%.*s': a decimal mark must be "
			       "followed by digits and occur once",
			       d->id, (int)(val.len > 40 ? 40 : val.len),
			       val.p);
			return;
		}
	} else {
		if (d->type == EG_ED_A)
			for (i = 0; i < len; i++)
				if (p[i] >= '0' && p[i] <= '9') {
					report(v, EG_LVL_ELEMENT, "37",
					       "invalid-alphabetic", at, el,
					       comp, rep,
					       "data element %s '%.*s' is "
					       "alphabetic: no digits allowed",
					       d->id,
					       (int)(val.len > 40 ? 40
								  : val.len),
					       val.p);
					return;
				}
		if (v->utf8)
			for (i = 0, len = 0; i < val.len; i++)
				len += (p[i] & 0xC0) != 0x80;
	}
	if (len > d->max) {
		report(v, EG_LVL_ELEMENT, "39", "element-too-long", at, el,
		       comp, rep,
		       "data element %s is %zu %s long, at most %u allowed",
		       d->id, len, d->type == EG_ED_N ? "digits" : "characters",
		       (unsigned)d->max);
		return;
	}
	if (len < d->min) {
		report(v, EG_LVL_ELEMENT, "40", "element-too-short", at, el,
		       comp, rep,
		       "data element %s is %zu %s long, at least %u needed",
		       d->id, len, d->type == EG_ED_N ? "digits" : "characters",
		       (unsigned)d->min);
		return;
	}
	if (u->codes && !eg_codes_has(u->codes, val.p, val.len)) {
		int known = d->codes && u->codes != d->codes &&
			    eg_codes_has(d->codes, val.p, val.len);

		report(v, EG_LVL_ELEMENT, known ? "14" : "12",
		       known ? "code-not-used" : "invalid-code", at, el, comp,
		       rep,
		       known ? "code '%.*s' of data element %s is not used in "
			       "this message's subset"
			     : "'%.*s' is not a code of data element %s",
		       (int)(val.len > 35 ? 35 : val.len), val.p, d->id);
	}
}

static const char *const note_words[8] = {
    "",
    "exactly one of them must be present",
    "all or none of them must be present",
    "at least one of them must be present",
    "at most one of them may be present",
    "if the first is present, all the others must be",
    "if the first is present, at least one other must be",
    "if the first is present, none of the others may be"};

/* present: bit p-1 for position p (positions beyond 64 count absent). */
static void
check_notes(eg_edv *v, const eg_ed_note *nt, size_t nn, uint64_t present,
	    const eg_pos *at, uint16_t el, const char *what)
{
	size_t i, j;

	for (i = 0; i < nn; i++) {
		const eg_ed_note *n = &nt[i];
		unsigned cnt = 0, bad = 0;
		int first;
		char list[64] = "";

		for (j = 0; j < n->n; j++)
			cnt += n->pos[j] <= 64 &&
			       ((present >> (n->pos[j] - 1)) & 1);
		first = n->pos[0] <= 64 && ((present >> (n->pos[0] - 1)) & 1);
		switch (n->rule) {
		case 1: bad = cnt != 1; break;
		case 2: bad = cnt != 0 && cnt != n->n; break;
		case 3: bad = cnt == 0; break;
		case 4: bad = cnt > 1; break;
		case 5: bad = first && cnt != n->n; break;
		case 6: bad = first && cnt < 2; break;
		case 7: bad = first && cnt > 1; break;
		}
		if (!bad)
			continue;
		for (j = 0; j < n->n; j++) {
			size_t l = strlen(list);

			snprintf(list + l, sizeof(list) - l, "%s%u",
				 j ? "," : "", (unsigned)n->pos[j]);
		}
		report(v, EG_LVL_ELEMENT, "48", "dependency-note", at, el,
		       el ? n->pos[0] : 0, 0,
		       "dependency note D%u on %s %s (positions %s): %s",
		       (unsigned)n->rule, what, el ? "components" : "elements",
		       list, note_words[n->rule]);
	}
}

static int
nonempty(const eg_edifact_segment *s, const eg_edifact_rep *r, size_t from)
{
	size_t k;

	for (k = from; k < r->nval; k++)
		if (s->val[r->first_val + k].len)
			return 1;
	return 0;
}

static void
check_composite(eg_edv *v, const eg_edifact_segment *s, const eg_ed_use *u,
		const eg_edifact_rep *r, const eg_pos *at, uint16_t el,
		uint16_t rep)
{
	const eg_ed_comp *cd = u->comp;
	uint64_t present = 0;
	size_t c;

	for (c = 0; c < cd->n; c++) {
		const eg_ed_use *cu = &u->cuse[c];
		eg_span val = c < r->nval ? s->val[r->first_val + c]
					  : (eg_span){"", 0};

		if (!val.len) {
			if (cu->status == 'M')
				report(v, EG_LVL_ELEMENT, "13",
				       "component-missing", at, el,
				       (uint16_t)(c + 1), rep,
				       "mandatory component %s of %s is "
				       "missing",
				       cu->el->id, cd->id);
			continue;
		}
		if (c < 64)
			present |= (uint64_t)1 << c;
		if (cu->status == 'N') {
			report(v, EG_LVL_ELEMENT, "15", "component-not-used",
			       at, el, (uint16_t)(c + 1), rep,
			       "component %s of %s is not used in this "
			       "message's subset",
			       cu->el->id, cd->id);
			continue;
		}
		check_value(v, cu, val, at, el, (uint16_t)(c + 1), rep);
	}
	if (r->nval > cd->n && nonempty(s, r, cd->n))
		report(v, EG_LVL_ELEMENT, "16", "too-many-components", at, el,
		       (uint16_t)(cd->n + 1), rep,
		       "%s has %zu components, %zu defined", cd->id,
		       (size_t)r->nval, cd->n);
	if (cd->nnote)
		check_notes(v, cd->note, cd->nnote, present, at, el, cd->id);
}

static void
check_segment(eg_edv *v, const eg_edifact_segment *s, const eg_ed_seg *sd)
{
	uint64_t present = 0;
	eg_pos at;
	size_t i, r;

	eg_edifact_segment_pos(s, &at);
	for (i = 1; i <= s->nelem || i <= sd->n; i++) {
		const eg_edifact_elem *e = i <= s->nelem ? &s->elem[i] : NULL;
		const eg_ed_use *u;
		int any = 0;

		if (e)
			for (r = 0; r < e->nrep && !any; r++)
				any = nonempty(s, &s->rep[e->first_rep + r], 0);
		if (i > sd->n) {
			if (any) {
				report(v, EG_LVL_ELEMENT, "16",
				       "too-many-elements", &at, (uint16_t)i,
				       0, 0,
				       "%s has data in element %zu, %zu "
				       "defined",
				       s->id, i, sd->n);
				break;
			}
			continue;
		}
		u = &sd->e[i - 1];
		if (!any) {
			if (u->status == 'M')
				report(v, EG_LVL_ELEMENT, "13",
				       "element-missing", &at, (uint16_t)i, 0,
				       0, "mandatory %s %s is missing",
				       u->el ? "data element" : "composite",
				       u->el ? u->el->id : u->comp->id);
			continue;
		}
		if (i <= 64)
			present |= (uint64_t)1 << (i - 1);
		if (u->status == 'N') {
			report(v, EG_LVL_ELEMENT, "15", "element-not-used", &at,
			       (uint16_t)i, 0, 0,
			       "%s %s is not used in this message's subset",
			       u->el ? "data element" : "composite",
			       u->el ? u->el->id : u->comp->id);
			continue;
		}
		if (e->nrep > u->repeat)
			report(v, EG_LVL_ELEMENT, "35", "too-many-repetitions",
			       &at, (uint16_t)i, 0, (uint16_t)(u->repeat + 1),
			       "%s repeats %u times, at most %u allowed",
			       u->el ? u->el->id : u->comp->id,
			       (unsigned)e->nrep, (unsigned)u->repeat);
		for (r = 0; r < e->nrep && r < u->repeat; r++) {
			const eg_edifact_rep *rp = &s->rep[e->first_rep + r];
			uint16_t rn = e->nrep > 1 ? (uint16_t)(r + 1) : 0;

			if (u->comp) {
				check_composite(v, s, u, rp, &at, (uint16_t)i,
						rn);
				continue;
			}
			if (rp->nval > 1 && nonempty(s, rp, 1))
				report(v, EG_LVL_ELEMENT, "16",
				       "too-many-components", &at, (uint16_t)i,
				       2, rn,
				       "data element %s is simple: it has no "
				       "components",
				       u->el->id);
			if (rp->nval && s->val[rp->first_val].len)
				check_value(v, u, s->val[rp->first_val], &at,
					    (uint16_t)i, 0, rn);
			else if (u->status == 'M')
				report(v, EG_LVL_ELEMENT, "13",
				       "element-missing", &at, (uint16_t)i, 0,
				       rn, "mandatory data element %s is "
				       "missing", u->el->id);
		}
	}
	if (sd->nnote)
		check_notes(v, sd->note, sd->nnote, present, &at, 0, s->id);
}

/* --- placing segments ------------------------------------------------------ */

static int
in_guide(const eg_ed_node *g, uint32_t tag)
{
	size_t k;

	for (k = 0; k < g->n; k++)
		if (g->kids[k].tag == tag ||
		    (g->kids[k].group && in_guide(&g->kids[k], tag)))
			return 1;
	return 0;
}

static void
close_frames(eg_edv *v, int keep)
{
	while (v->depth > keep) {
		frame *f = &v->st[v->depth - 1];

		check_skipped(v, f, (uint32_t)f->g->n);
		v->depth--;
	}
}

void
eg_edv_segment(eg_edv *v, const eg_edifact_segment *s)
{
	int d;

	if (!v->gd)
		return;
	for (d = v->depth - 1; d >= 0; d--) {
		frame *f = &v->st[d];
		const uint32_t *kt = f->g->ktag;
		const uint32_t n = (uint32_t)f->g->n, tag = s->tag;
		uint32_t k = f->j;

		/* a group's trigger is met from the parent (a repetition) */
		if (d > 0 && k == 0)
			k = 1;
		while (k < n && kt[k] != tag)
			k++;
		if (k < n) {
			const eg_ed_node *ch = &f->g->kids[k];

			close_frames(v, d + 1);
			check_skipped(v, f, k);
			if (k == f->j) {
				f->cnt++;
			} else {
				f->j = k;
				f->cnt = 1;
			}
			eg_edifact_segment_pos(s, &v->last);
			if (ch->status == 'N')
				report(v, EG_LVL_SEGMENT, "15",
				       "segment-not-used", &v->last, 0, 0, 0,
				       "segment %s%s%s is not used in this "
				       "message's subset",
				       s->id, ch->group ? " of group " : "",
				       ch->group ? ch->gid : "");
			else if (f->cnt > ch->max && ch->group)
				report(v, EG_LVL_SEGMENT, "36", "group-over-max",
				       &v->last, 0, 0, 0,
				       "segment group %s repeats more than %u "
				       "times",
				       ch->gid, ch->max);
			else if (f->cnt > ch->max)
				report(v, EG_LVL_SEGMENT, "35",
				       "segment-over-max", &v->last, 0, 0, 0,
				       "segment %s repeats more than %u times",
				       s->id, ch->max);
			if (ch->group && v->depth < MAX_FRAMES) {
				frame *nf = &v->st[v->depth++];

				nf->g = ch;
				nf->j = 0;
				nf->cnt = 1;
				ch = &ch->kids[0];
			}
			if (s->tag != EG_EDIFACT_UNH &&
			    s->tag != EG_EDIFACT_UNT && ch->status != 'N')
				check_segment(v, s, ch->seg);
			return;
		}
	}
	{
		eg_pos at;

		eg_edifact_segment_pos(s, &at);
		if (in_guide(&v->gd->root, s->tag))
			report(v, EG_LVL_SEGMENT, "15", "segment-out-of-order",
			       &at, 0, 0, 0,
			       "segment %s is not expected here (after "
			       "segment %u, %s): out of order, or its group "
			       "is not open",
			       s->id, (unsigned)v->last.txn_pos,
			       v->last.seg_id);
		else
			report(v, EG_LVL_SEGMENT, "15", "segment-not-in-message",
			       &at, 0, 0, 0,
			       "segment %s is not part of %s (%s)", s->id,
			       v->gd->type, v->gd->subset[0] ? v->gd->subset
							     : v->gd->dir);
	}
}

void
eg_edv_begin(eg_edv *v, const eg_ed_guide *g, const eg_edifact_segment *unh)
{
	const eg_edifact_syntax *sx = unh->syntax;

	v->gd = g;
	v->found = 0;
	v->depth = 0;
	if (!g)
		return;
	memset(&v->last, 0, sizeof(v->last));
	v->st[0].g = &g->root;
	v->st[0].j = 0;
	v->st[0].cnt = 0;
	v->depth = 1;
	/* ISO 9735: UNA3 below syntax 4; either mark in 4 or with no UNA */
	v->dec1 = sx && sx->d.una ? sx->d.decimal : '.';
	v->dec2 = !sx || !sx->d.una || sx->version == '4' ? ',' : v->dec1;
	if (v->dec1 != '.' && v->dec1 != ',')
		v->dec1 = '.';
	v->utf8 = sx && sx->charset == EG_EDIFACT_CS_UTF8;
	eg_edv_segment(v, unh);
}

void
eg_edv_end(eg_edv *v, const eg_edifact_segment *unt)
{
	if (!v->gd)
		return;
	if (!unt) {
		/* the service checks report the missing UNT; the rest of the
		 * message was never sent, so nothing more is said */
		v->depth = 0;
		v->gd = NULL;
		return;
	}
	close_frames(v, 0);
	v->gd = NULL;
}

unsigned
eg_edv_count(const eg_edv *v)
{
	return v->found;
}

eg_err
eg_edv_new(eg_edv **out, const eg_edv_events *ev, eg_error *e)
{
	eg_edv *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (ev)
		v->ev = *ev;
	*out = v;
	return EG_OK;
}

void
eg_edv_free(eg_edv *v)
{
	free(v);
}
