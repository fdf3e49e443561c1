/*
 * mapper.c - the mapping engine: one validated X12 transaction set in,
 * canonical records out.
 *
 * A set's segments are copied while it streams by (the reader's spans die
 * with the next segment); when the envelope checks close the set as
 * accepted, the copy is cut into units (856 HL levels, or loops opened by
 * a segment), and the record is built by walking the record's shape (in
 * canon.c, schema order): each field asks the map (or the profile's
 * override) where it comes from, the value is translated through code
 * lists and brought into its canonical type.  Anything that does not fit
 * is a finding and the set gives no record: a code without translation,
 * a required field without a value, a unit the map has no place for.
 *
 * Records wait for their interchange: a group or interchange rejected
 * later (a bad trailer count) takes its records with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/* A transaction set bigger than this is not mapped (a finding says so):
 * the copy is the only part of mapping that grows with the input. */
#define MAP_MAX_TXN_BYTES ((size_t)64 << 20)

typedef struct cseg {
	uint32_t tag;
	char id[4];
	size_t e0;      /* first element in the element table */
	uint32_t ne;    /* elements (the tag excluded) */
	uint64_t offset, index;
	uint32_t txn_pos;
	size_t len;     /* bytes, terminator excluded */
	int unit;
	int next;       /* next segment of the same unit, -1 */
} cseg;

typedef struct celem {
	size_t off, len; /* into the arena */
} celem;

typedef struct cunit {
	int level;       /* index into map levels; -1 the set itself */
	int parent;
	int kid, sib, lastkid;
	int head, tail;  /* own segments */
	int see_through;
	int used;
	int first_seg;   /* for messages */
	char hlid[13];
} cunit;

/* The rules for one canonical path, in the order they are tried. */
typedef struct rulelist {
	const mfield *r[16];
	size_t n;
	mfield own[4]; /* profile overrides, parsed */
	size_t nown;
} rulelist;

/* A remembered rule list (rules_get). */
typedef struct rcached {
	const eg_map *map;
	char release[7];
	char path[96];
	rulelist rl;
} rcached;

#define MAP_RULE_CACHE 512 /* slots, a power of two */

typedef struct pend {
	eg_rnode *rec;
	uint32_t interchange;
	char gs06[10];
} pend;

struct eg_mapper {
	eg_mapper_opts o;
	eg_buf arena;
	cseg *segs;
	size_t nseg, capseg;
	celem *els;
	size_t nel, capel;
	cunit *units;
	size_t nunit, capunit;
	char comp, rep;
	int in_txn, too_big;
	pend *pend;
	size_t npend, cappend;
	eg_err err;
	eg_error errinfo;
	eg_mapper_counts counts;
	/* the set being mapped */
	const eg_map *map;
	const eg_unit_result *txn;
	unsigned failed;
	char release[7];
	/* split by ship-to (850): the line units of the record being built */
	const int *only_lines;
	size_t nonly;
	/* paths already reported in this record: no second "missing" */
	char bad_paths[8][96];
	unsigned nbad;
	rcached **rcache; /* slots; entries allocated when first used (a
			   * mapper per file must not zero a big table) */
	size_t nrcache;
	int ship_to_unit; /* a line's own N1 segment, -1 for the header's */
};

static void
set_err(eg_mapper *m, eg_err rc, const char *what)
{
	if (!m->err) {
		m->err = rc;
		if (what)
			eg_fail(&m->errinfo, rc, "%s", what);
	}
}

/* ---- segment copy ---- */

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * size);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static void
txn_reset(eg_mapper *m)
{
	eg_buf_reset(&m->arena);
	m->nseg = m->nel = m->nunit = 0;
	m->too_big = 0;
}

static eg_err
copy_segment(eg_mapper *m, const eg_x12_segment *seg)
{
	size_t base = m->arena.len, i;
	cseg *s;

	if (m->too_big)
		return EG_OK;
	if (eg_buf_add(&m->arena, seg->data, seg->len) != EG_OK) {
		m->too_big = 1; /* reported when the set is mapped */
		return EG_OK;
	}
	if (grow((void **)&m->segs, &m->capseg, m->nseg + 1, sizeof(*m->segs)) ||
	    grow((void **)&m->els, &m->capel, m->nel + seg->nelem,
		 sizeof(*m->els)))
		return EG_ENOMEM;
	s = &m->segs[m->nseg++];
	s->tag = seg->tag;
	memcpy(s->id, seg->id, sizeof(s->id));
	s->e0 = m->nel;
	s->ne = (uint32_t)seg->nelem;
	s->offset = seg->offset;
	s->index = seg->index;
	s->txn_pos = seg->txn_pos;
	s->len = seg->len;
	s->unit = 0;
	s->next = -1;
	for (i = 1; i <= seg->nelem; i++) {
		const eg_span *sp = &seg->elem[i];

		m->els[m->nel].off = base + (size_t)(sp->p - seg->data);
		m->els[m->nel].len = sp->len;
		m->nel++;
	}
	return EG_OK;
}

eg_err
eg_mapper_segment(eg_mapper *m, const eg_x12_segment *seg, eg_error *e)
{
	eg_err rc;

	if (seg->tag == EG_X12_ST) {
		txn_reset(m);
		m->in_txn = 1;
		m->comp = (char)seg->delims->component;
		m->rep = (char)seg->delims->repetition;
	}
	if (!m->in_txn)
		return EG_OK;
	if ((rc = copy_segment(m, seg)) != EG_OK)
		return eg_fail(e, rc, "out of memory copying a transaction set");
	if (seg->tag == EG_X12_SE)
		m->in_txn = 0;
	return EG_OK;
}

/* Element i (1-based) of segment s, component comp (0: the element up to
 * its first component or repetition separator). */
static eg_span
elem_of(const eg_mapper *m, const cseg *s, unsigned i, unsigned comp)
{
	eg_span sp = {"", 0};
	const char *p;
	size_t n, k;

	if (i == 0 || i > s->ne)
		return sp;
	p = m->arena.data + m->els[s->e0 + i - 1].off;
	n = m->els[s->e0 + i - 1].len;
	if (m->rep) {
		for (k = 0; k < n && p[k] != m->rep; k++)
			;
		n = k; /* the first repetition */
	}
	if (comp <= 1) {
		for (k = 0; comp == 1 && k < n && p[k] != m->comp; k++)
			;
		if (comp == 1)
			n = k;
		sp.p = p;
		sp.len = n;
		return sp;
	}
	for (k = 1; k < comp; k++) {
		const char *c = memchr(p, m->comp, n);

		if (!c)
			return sp;
		n -= (size_t)(c - p) + 1;
		p = c + 1;
	}
	for (k = 0; k < n && p[k] != m->comp; k++)
		;
	sp.p = p;
	sp.len = k;
	return sp;
}

/* dst = prefix "/" name (or name alone); truncated to cap.  A plain copy:
 * this runs for every field of every unit, where printf showed up. */
static void
join_path(char *dst, size_t cap, const char *prefix, const char *name)
{
	size_t a = strlen(prefix), b = strlen(name), o = 0;

	if (a && a + 1 < cap) {
		memcpy(dst, prefix, a);
		dst[a] = '/';
		o = a + 1;
	}
	if (o + b >= cap)
		b = cap - o - 1;
	memcpy(dst + o, name, b);
	dst[o + b] = '\0';
}

/* ---- findings ---- */

static void
finding(eg_mapper *m, const cseg *s, unsigned elem, const char *rule,
	const char *fmt, ...) EG_PRINTF(5, 6);

static void
finding(eg_mapper *m, const cseg *s, unsigned elem, const char *rule,
	const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, s ? (elem ? EG_LVL_ELEMENT : EG_LVL_SEGMENT)
			       : EG_LVL_TRANSACTION,
			 EG_FIND_ERROR, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (m->txn)
		f.ctl = m->txn->ctl;
	if (s) {
		f.pos.offset = s->offset;
		f.pos.segment = s->index;
		f.pos.txn_pos = s->txn_pos;
		memcpy(f.pos.seg_id, s->id, sizeof(f.pos.seg_id));
		f.pos.element = (uint16_t)elem;
	} else if (m->nseg) {
		f.pos.offset = m->segs[0].offset;
		f.pos.segment = m->segs[0].index;
		f.pos.txn_pos = 1;
		memcpy(f.pos.seg_id, "ST", 3);
	}
	m->failed++;
	if (m->o.finding)
		m->o.finding(m->o.ud, &f);
}

/* ---- units ---- */

static int
in_list(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while (n && *p) {
		size_t k = strcspn(p, " |");

		if (k == n && !memcmp(p, w, n))
			return 1;
		p += k;
		while (*p == ' ' || *p == '|')
			p++;
	}
	return 0;
}

static int
new_unit(eg_mapper *m, int level, int parent, int seg)
{
	cunit *u;

	if (grow((void **)&m->units, &m->capunit, m->nunit + 1,
		 sizeof(*m->units)))
		return -1;
	u = &m->units[m->nunit];
	memset(u, 0, sizeof(*u));
	u->level = level;
	u->parent = parent;
	u->kid = u->sib = u->lastkid = u->head = u->tail = -1;
	u->first_seg = seg;
	if (parent >= 0) {
		cunit *p = &m->units[parent];

		if (p->lastkid >= 0)
			m->units[p->lastkid].sib = (int)m->nunit;
		else
			p->kid = (int)m->nunit;
		p->lastkid = (int)m->nunit;
	}
	return (int)m->nunit++;
}

static void
add_to_unit(eg_mapper *m, int u, int si)
{
	cunit *un = &m->units[u];

	m->segs[si].unit = u;
	if (un->tail >= 0)
		m->segs[un->tail].next = si;
	else
		un->head = si;
	un->tail = si;
}

static int
find_level(const eg_map *map, const char *hl03, const char *open)
{
	size_t i;

	for (i = 0; i < map->nlevels; i++) {
		const mlevel *l = &map->levels[i];

		if (hl03 && l->hl[0] && in_list(l->hl, hl03))
			return (int)i;
		if (open && l->open[0] && !strcmp(l->open, open))
			return (int)i;
	}
	return -1;
}

static int
partition_hl(eg_mapper *m)
{
	size_t i;
	int cur = 0;

	for (i = 0; i < m->nseg; i++) {
		cseg *s = &m->segs[i];

		if (s->tag == EG_X12_TAG('H', 'L', 0)) {
			char code[4], id[13], par[13];
			eg_span v = elem_of(m, s, 3, 0);
			int lv, parent = 0, u;
			size_t k;

			snprintf(code, sizeof(code), "%.*s", (int)v.len, v.p);
			v = elem_of(m, s, 1, 0);
			snprintf(id, sizeof(id), "%.*s", (int)v.len, v.p);
			v = elem_of(m, s, 2, 0);
			snprintf(par, sizeof(par), "%.*s", (int)v.len, v.p);
			lv = find_level(m->map, code, NULL);
			if (lv < 0) {
				finding(m, s, 3, "map-unknown-level",
					"HL03 '%s': map %s has no level for it, "
					"so what it holds would be lost",
					code, m->map->set);
			}
			if (par[0]) {
				for (k = m->nunit; k-- > 0;)
					if (!strcmp(m->units[k].hlid, par))
						break;
				if (k < m->nunit)
					parent = (int)k;
			}
			if (lv >= 0 && m->map->levels[lv].header) {
				cur = 0; /* the set's own level (856 S) */
				m->units[0].used = 1;
				if (m->units[0].hlid[0] == '\0')
					snprintf(m->units[0].hlid,
						 sizeof(m->units[0].hlid), "%s",
						 id);
				add_to_unit(m, 0, (int)i);
				continue;
			}
			u = new_unit(m, lv < 0 ? -2 : lv, parent, (int)i);
			if (u < 0)
				return -1;
			snprintf(m->units[u].hlid, sizeof(m->units[u].hlid), "%s",
				 id);
			cur = u;
		} else if (s->tag == EG_X12_SE || s->tag == EG_X12_ST) {
			add_to_unit(m, 0, (int)i);
			continue;
		}
		add_to_unit(m, cur, (int)i);
	}
	return 0;
}

static int
partition_loops(eg_mapper *m)
{
	int stack[16], top = 0;
	size_t i;

	stack[0] = 0;
	for (i = 0; i < m->nseg; i++) {
		cseg *s = &m->segs[i];
		int lv;

		if (s->tag == EG_X12_SE || s->tag == EG_X12_ST) {
			add_to_unit(m, 0, (int)i);
			continue;
		}
		while (top > 0 &&
		       in_list(m->map->levels[m->units[stack[top]].level].end,
			       s->id))
			top--;
		lv = find_level(m->map, NULL, s->id);
		if (lv >= 0 && !m->map->levels[lv].whole) {
			const mlevel *l = &m->map->levels[lv];
			int u;

			while (top > 0 &&
			       !in_list(l->parent,
					m->map->levels[m->units[stack[top]].level]
						.name))
				top--;
			if (top + 1 >= (int)(sizeof(stack) / sizeof(stack[0])))
				top--;
			u = new_unit(m, lv, stack[top], (int)i);
			if (u < 0)
				return -1;
			stack[++top] = u;
		}
		add_to_unit(m, stack[top], (int)i);
	}
	return 0;
}

/* Units of a level with requires= and no such segment are see-through. */
static void
mark_see_through(eg_mapper *m)
{
	size_t u;

	for (u = 1; u < m->nunit; u++) {
		cunit *un = &m->units[u];
		const mlevel *l;
		int si;

		if (un->level < 0)
			continue;
		l = &m->map->levels[un->level];
		if (!l->requires[0])
			continue;
		un->see_through = 1;
		for (si = un->head; si >= 0; si = m->segs[si].next)
			if (!strcmp(m->segs[si].id, l->requires))
				un->see_through = 0;
		if (un->see_through)
			un->used = 1;
	}
}

/* ---- field rules ---- */

static int
version_ok(const mfield *f, const char *release)
{
	return !f->versions[0] || in_list(f->versions, release);
}

/* The rules for a canonical path: the profile's override for this set
 * when it gives a source, else the map's; a profile default is added. */
static int
rules_for(eg_mapper *m, const char *path, rulelist *rl)
{
	const eg_profile *p = m->o.profile;
	size_t i;
	int overridden = 0, bad = 0;

	rl->n = rl->nown = 0;
	for (i = 0; p && i < p->nfields && rl->nown < 4; i++) {
		const eg_profile_field *pf = &p->fields[i];
		mfield *f;
		char why[160];

		if (strcmp(pf->set, m->map->set) || strcmp(pf->path, path))
			continue;
		f = &rl->own[rl->nown];
		memset(f, 0, sizeof(*f));
		snprintf(f->path, sizeof(f->path), "%s", path);
		f->file = p->path;
		f->line = pf->line;
		if (eg_mfield_parse(f, pf->source, pf->when, pf->uom, why,
				    sizeof(why))) {
			finding(m, NULL, 0, "map-bad-override",
				"profile %s line %ld: field %s: %s", p->id,
				pf->line, path, why);
			bad = 1;
			continue;
		}
		if (pf->codes)
			snprintf(f->codes, sizeof(f->codes), "%s", pf->codes);
		if (pf->pairs)
			snprintf(f->pairs, sizeof(f->pairs), "%s", pf->pairs);
		if (pf->dflt) {
			f->has_dflt = 1;
			snprintf(f->dflt, sizeof(f->dflt), "%s", pf->dflt);
		}
		overridden |= f->nsrc > 0;
		rl->nown++;
	}
	for (i = 0; i < rl->nown && rl->n < 16; i++)
		if (rl->own[i].nsrc)
			rl->r[rl->n++] = &rl->own[i];
	for (i = 0; !overridden && i < m->map->nfields && rl->n < 16; i++) {
		const mfield *f = &m->map->fields[i];

		if (!strcmp(f->path, path) && version_ok(f, m->release))
			rl->r[rl->n++] = f;
	}
	/* inherit the map's codes / measure settings for a bare override */
	for (i = 0; i < rl->nown; i++) {
		mfield *f = &rl->own[i];
		size_t j;

		for (j = 0; j < m->map->nfields; j++) {
			const mfield *d = &m->map->fields[j];

			if (strcmp(d->path, path))
				continue;
			if (!f->codes[0])
				snprintf(f->codes, sizeof(f->codes), "%s",
					 d->codes);
			if (!f->uom_codes[0])
				snprintf(f->uom_codes, sizeof(f->uom_codes),
					 "%s", d->uom_codes);
			if (!f->has_uom && !f->uom_fixed[0])
				snprintf(f->uom_fixed, sizeof(f->uom_fixed),
					 "%s", d->uom_fixed);
			break;
		}
		if (!f->nsrc && f->has_dflt && rl->n < 16)
			rl->r[rl->n++] = f; /* a default only */
	}
	return bad;
}

static size_t
path_hash(const eg_map *map, const char *path)
{
	size_t h = (size_t)(uintptr_t)map * 31u;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 16777619u;
	return h;
}

/*
 * rules_for, remembered: a record asks for the same paths in every unit
 * (profiling showed the scan of the map's fields as the mapper's largest
 * cost).  The key is the map, the release and the path; a rule list with
 * a bad override is never remembered, so its finding comes every time.
 */
static const rulelist *
rules_get(eg_mapper *m, const char *path, rulelist *scratch)
{
	size_t i, n = MAP_RULE_CACHE;

	if (!m->rcache && !(m->rcache = calloc(n, sizeof(*m->rcache)))) {
		rules_for(m, path, scratch);
		return scratch;
	}
	for (i = path_hash(m->map, path) & (n - 1);; i = (i + 1) & (n - 1)) {
		rcached *c = m->rcache[i];

		if (!c) {
			if (m->nrcache * 4 >= n * 3 ||
			    strlen(path) >= sizeof(c->path)) {
				rules_for(m, path, scratch);
				return scratch;
			}
			if (rules_for(m, path, scratch))
				return scratch; /* a bad override: not kept */
			if (!(c = malloc(sizeof(*c)))) {
				rules_for(m, path, scratch);
				return scratch;
			}
			rules_for(m, path, &c->rl); /* r[] points into it */
			c->map = m->map;
			memcpy(c->release, m->release, sizeof(c->release));
			snprintf(c->path, sizeof(c->path), "%s", path);
			m->rcache[i] = c;
			m->nrcache++;
			return &c->rl;
		}
		if (c->map == m->map && !strcmp(c->release, m->release) &&
		    !strcmp(c->path, path))
			return &c->rl;
	}
}

static int
conds_ok(const eg_mapper *m, const cseg *s, const mfield *f)
{
	int i;

	for (i = 0; i < f->nwhen; i++) {
		const mcond *c = &f->when[i];
		eg_span v = elem_of(m, s, c->t.elem, c->t.comp);
		char val[64];

		if (v.len == 0)
			return 0;
		if (!c->vals[0])
			continue;
		if (v.len >= sizeof(val))
			return 0;
		memcpy(val, v.p, v.len);
		val[v.len] = '\0';
		if (!in_list(c->vals, val))
			return 0;
	}
	return 1;
}

/* Translate code through list name: the profile's codemap first, then the
 * map's list.  No list at all: the value passes as it is (its type then
 * decides).  Returns -1 when a list exists and has no translation. */
static int
translate(eg_mapper *m, const char *list, const char *code, char *out,
	  size_t cap)
{
	const eg_profile_codemap *pcm =
		list[0] ? eg_profile_codemap_find(m->o.profile, list) : NULL;
	const mcodes *mc = list[0] ? eg_map_codes(m->map, list) : NULL;
	const char *v = NULL;

	if (!pcm && !mc) {
		snprintf(out, cap, "%s", code);
		return 0;
	}
	/* the profile's own pair, then the map's list, then the profile's
	 * default: a default must not hide a translation the map has */
	if (pcm) {
		size_t i;

		for (i = 0; i < pcm->n && !v; i++)
			if (!strcmp(pcm->partner[i], code))
				v = pcm->ours[i];
	}
	if (!v && mc)
		v = eg_mcodes_get(mc, code);
	if (!v && pcm)
		v = pcm->dflt;
	if (!v)
		return -1;
	snprintf(out, cap, "%s", v);
	return 0;
}

static void
where_lists(eg_mapper *m, const char *list, char *out, size_t cap)
{
	const eg_profile_codemap *pcm =
		eg_profile_codemap_find(m->o.profile, list);
	const mcodes *mc = eg_map_codes(m->map, list);

	snprintf(out, cap, "%s%s%s%s%s", pcm ? "profile " : "",
		 pcm ? m->o.profile->id : "", pcm && mc ? " and " : "",
		 mc ? "map " : "", mc ? m->map->set : "");
}

/* One value found for a field. */
/* dst = the n bytes at p, cut to fit cap (snprintf "%.*s" without the
 * format parsing: this runs for every leaf of every record). */
static void
set_text(char *dst, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

typedef struct hit {
	char v[600];
	char uom[16];
	const cseg *s;
	unsigned elem;
} hit;

/* Extract the raw value of f from s (pairs give every match: *from is
 * where to continue; 0 when done). */
static int
extract(eg_mapper *m, const cseg *s, const mfield *f, unsigned *from,
	hit *h)
{
	size_t o = 0;
	int i;

	h->v[0] = '\0';
	h->s = s;
	h->elem = f->src[0].elem;
	if (f->pairs[0]) {
		unsigned k;

		for (k = *from ? *from : f->src[0].elem; k + 1 <= s->ne;
		     k += 2) {
			eg_span q = elem_of(m, s, k, 0), v;
			char qual[8];

			if (q.len == 0 || q.len >= sizeof(qual))
				continue;
			memcpy(qual, q.p, q.len);
			qual[q.len] = '\0';
			if (!in_list(f->pairs, qual))
				continue;
			v = elem_of(m, s, k + 1, 0);
			if (v.len == 0)
				continue;
			set_text(h->v, sizeof(h->v), v.p, v.len);
			h->elem = k + 1;
			*from = k + 2;
			return 1;
		}
		*from = 0;
		return 0;
	}
	*from = 0;
	for (i = 0; i < f->nsrc; i++) {
		eg_span v = elem_of(m, s, f->src[i].elem, f->src[i].comp);

		if (o + v.len >= sizeof(h->v))
			v.len = sizeof(h->v) - 1 - o;
		memcpy(h->v + o, v.p, v.len);
		o += v.len;
	}
	h->v[o] = '\0';
	return o > 0;
}

static void
note_bad(eg_mapper *m, const char *path)
{
	if (m->nbad < sizeof(m->bad_paths) / sizeof(m->bad_paths[0]))
		snprintf(m->bad_paths[m->nbad++], sizeof(m->bad_paths[0]), "%s",
			 path);
}

static int
was_bad(const eg_mapper *m, const char *path)
{
	unsigned i;

	for (i = 0; i < m->nbad; i++)
		if (!strcmp(m->bad_paths[i], path))
			return 1;
	return 0;
}

/* Bring a found value into the field's type: codes, type, unit.  0 ok,
 * 1 absent, -1 finding reported. */
static int
finish_value(eg_mapper *m, const mfield *f, const cfield *cf, hit *h,
	     const char *path, char *out, size_t cap)
{
	char tr[600], why[160], lists[96];
	int r;

	if (f->codes[0] && translate(m, f->codes, h->v, tr, sizeof(tr))) {
		note_bad(m, path);
		where_lists(m, f->codes, lists, sizeof(lists));
		finding(m, h->s, h->elem, "map-unmapped-code",
			"%s%02u code '%s' for %s has no translation in code "
			"list '%s' (%s)", h->s->id, h->elem, h->v, path,
			f->codes, lists);
		return -1;
	}
	if (!f->codes[0])
		memcpy(tr, h->v, strlen(h->v) + 1); /* both 600 bytes */
	r = eg_canon_value(cf->type, tr, strlen(tr), out, cap, why,
			   sizeof(why));
	if (r < 0)
		note_bad(m, path);
	if (r < 0) {
		finding(m, h->s, h->elem, "map-bad-value",
			"%s%02u '%s' for %s %s", h->s ? h->s->id : "",
			h->elem, tr, path, why);
		return -1;
	}
	if (r > 0)
		return 1;
	if (cf->type == CT_QUANTITY || cf->type == CT_WEIGHT ||
	    cf->type == CT_VOLUME) {
		const char *list = f->uom_codes[0] ? f->uom_codes
						   : eg_canon_unit_codes(cf->type);
		char u[16];

		u[0] = '\0';
		if (f->has_uom && h->s) {
			eg_span v = elem_of(m, h->s, f->uom.elem, f->uom.comp);

			set_text(u, sizeof(u), v.p, v.len);
		}
		if (!u[0])
			set_text(u, sizeof(u), f->uom_fixed,
				 strlen(f->uom_fixed));
		if (!u[0]) {
			note_bad(m, path);
			finding(m, h->s, f->uom.elem, "map-missing-unit",
				"%s '%s' has no unit of measure (%s%02u is "
				"empty)", path, out, h->s ? h->s->id : "",
				f->uom.elem);
			return -1;
		}
		if (translate(m, list, u, h->uom, sizeof(h->uom))) {
			note_bad(m, path);
			where_lists(m, list, lists, sizeof(lists));
			finding(m, h->s, f->uom.elem, "map-unmapped-code",
				"unit '%s' for %s has no translation in code "
				"list '%s' (%s)", u, path, list, lists);
			return -1;
		}
		if (eg_canon_unit(cf->type, h->uom, why, sizeof(why))) {
			note_bad(m, path);
			finding(m, h->s, f->uom.elem, "map-bad-value",
				"unit '%s' for %s %s", h->uom, path, why);
			return -1;
		}
	}
	return 0;
}

static eg_err
add_leaf(eg_rnode *parent, const cfield *cf, const char *v, const hit *h)
{
	eg_rnode *n;
	eg_err rc = eg_rnode_add(parent, cf->name, eg_canon_kind(cf->type),
				 cf->max != 1, v, strlen(v), &n);

	if (rc)
		return rc;
	if (h && h->s) {
		n->segment = h->s->index;
		n->elem = h->elem;
	}
	if (eg_canon_kind(cf->type) == EG_RK_MEASURE)
		rc = eg_rnode_set_uom(n, h ? h->uom : "");
	return rc;
}

/* The segments to search for a field in unit u: its own, then (inherit)
 * its parents'. */
static eg_err
eval_leaf(eg_mapper *m, int unit, const char *path, const cfield *cf,
	  eg_rnode *parent, unsigned ordinal)
{
	rulelist scratch;
	const rulelist *rl = rules_get(m, path, &scratch);
	size_t i;
	unsigned count = 0, limit = cf->max ? cf->max : 1000;
	const mfield *dflt = NULL;
	hit h;
	char out[600];
	eg_err rc;

	for (i = 0; i < rl->n && count < limit; i++) {
		const mfield *f = rl->r[i];
		int u;

		if (f->has_dflt && !dflt)
			dflt = f;
		if (f->counter || f->has_value) {
			memset(&h, 0, sizeof(h));
			if (f->counter)
				snprintf(h.v, sizeof(h.v), "%u", ordinal);
			else
				set_text(h.v, sizeof(h.v), f->value,
					 strlen(f->value));
			if (f->uom_fixed[0])
				set_text(h.uom, sizeof(h.uom), f->uom_fixed,
					 strlen(f->uom_fixed));
			if (finish_value(m, f, cf, &h, path, out, sizeof(out)))
				continue;
			if ((rc = add_leaf(parent, cf, out, &h)) != EG_OK)
				return rc;
			count++;
			continue;
		}
		if (!f->nsrc)
			continue;
		for (u = unit; u >= 0 && count < limit;
		     u = f->inherit ? m->units[u].parent : -1) {
			int si;

			for (si = m->units[u].head; si >= 0 && count < limit;
			     si = m->segs[si].next) {
				const cseg *s = &m->segs[si];
				unsigned from = 0;

				if (s->tag != f->src[0].tagn || !conds_ok(m, s, f))
					continue;
				while (count < limit && extract(m, s, f, &from, &h)) {
					int r = finish_value(m, f, cf, &h, path,
							     out, sizeof(out));

					if (r == 0) {
						rc = add_leaf(parent, cf, out, &h);
						if (rc)
							return rc;
						count++;
					}
					if (r < 0)
						return EG_OK; /* reported */
					if (!from)
						break;
				}
			}
			if (count)
				break; /* the nearest unit with a value wins */
		}
	}
	if (!count && dflt) {
		memset(&h, 0, sizeof(h));
		set_text(h.v, sizeof(h.v), dflt->dflt,
			 strlen(dflt->dflt));
		if (dflt->uom_fixed[0])
			set_text(h.uom, sizeof(h.uom), dflt->uom_fixed,
				 strlen(dflt->uom_fixed));
		if (finish_value(m, dflt, cf, &h, path, out, sizeof(out)) == 0)
			return add_leaf(parent, cf, out, &h);
	}
	return EG_OK;
}

/* ---- parties (N1 loops) ---- */

static int
party_member(const char *id)
{
	return !strcmp(id, "N2") || !strcmp(id, "N3") || !strcmp(id, "N4") ||
	       !strcmp(id, "PER") || !strcmp(id, "REF") ||
	       !strcmp(id, "G61") || !strcmp(id, "NX2");
}

static eg_err
party_value(eg_mapper *m, eg_rnode *p, const cseg *s, unsigned e,
	    const char *name, const char *path, int *bad)
{
	size_t i;
	const cfield *cf = NULL;
	const cshape *ps = eg_canon_field("Shipment", "shipTo")->sub;
	eg_span v = elem_of(m, s, e, 0);
	char out[600], why[160];
	int r;
	hit h;

	if (!strcmp(p->name, "contact")) {
		for (i = 0; i < ps->n; i++)
			if (!strcmp(ps->f[i].name, "contact"))
				break;
		ps = ps->f[i].sub; /* the party shape has a contact */
	}

	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->f[i].name, name))
			cf = &ps->f[i];
	if (!cf || v.len == 0)
		return EG_OK;
	r = eg_canon_value(cf->type, v.p, v.len, out, sizeof(out), why,
			   sizeof(why));
	if (r < 0) {
		finding(m, s, e, "map-bad-value", "%s%02u '%.*s' for %s/%s %s",
			s->id, e, (int)v.len, v.p, path, name, why);
		*bad = 1;
		return EG_OK;
	}
	if (r > 0)
		return EG_OK;
	memset(&h, 0, sizeof(h));
	h.s = s;
	h.elem = e;
	return add_leaf(p, cf, out, &h);
}

static int
count_named(const eg_rnode *p, const char *name)
{
	const eg_rnode *c;
	int n = 0;

	for (c = p->child; c; c = c->next)
		n += !strcmp(c->name, name);
	return n;
}

/* A party from the N1 loop starting at segment n1. */
static eg_err
build_party(eg_mapper *m, eg_rnode *parent, const cfield *cf, int n1,
	    const char *path)
{
	eg_rnode *p, *contact = NULL;
	const cseg *s = &m->segs[n1];
	int si, bad = 0, phase;
	eg_err rc;
	eg_span id = elem_of(m, s, 4, 0), q = elem_of(m, s, 3, 0);

	if ((rc = eg_rnode_add(parent, cf->name, EG_RK_GROUP, 0, NULL, 0,
			       &p)) != EG_OK)
		return rc;
	if (id.len && !q.len) {
		finding(m, s, 3, "map-missing-field",
			"%s: N104 '%.*s' has no qualifier (N103)", path,
			(int)id.len, id.p);
		bad = 1;
	}
	if (id.len && q.len) {
		rc = party_value(m, p, s, 4, "id", path, &bad);
		if (!rc)
			rc = party_value(m, p, s, 3, "idQualifier", path, &bad);
	}
	if (!rc)
		rc = party_value(m, p, s, 2, "name", path, &bad);
	/* schema order: names, address lines, city..., contact */
	for (phase = 0; phase < 4 && !rc; phase++) {
		for (si = m->segs[n1].next; si >= 0 && !rc;
		     si = m->segs[si].next) {
			const cseg *t = &m->segs[si];

			if (!party_member(t->id))
				break;
			if (phase == 0 && !strcmp(t->id, "N2")) {
				unsigned e;

				for (e = 1; e <= 2 && !rc; e++)
					if (count_named(p, "additionalName") < 2)
						rc = party_value(m, p, t, e,
								 "additionalName",
								 path, &bad);
			} else if (phase == 1 && !strcmp(t->id, "N3")) {
				unsigned e;

				for (e = 1; e <= 2 && !rc; e++)
					if (count_named(p, "addressLine") < 4)
						rc = party_value(m, p, t, e,
								 "addressLine",
								 path, &bad);
			} else if (phase == 2 && !strcmp(t->id, "N4") &&
				   !eg_rnode_child(p, "city") &&
				   !eg_rnode_child(p, "postalCode")) {
				rc = party_value(m, p, t, 1, "city", path, &bad);
				if (!rc)
					rc = party_value(m, p, t, 2, "state", path,
							 &bad);
				if (!rc)
					rc = party_value(m, p, t, 3, "postalCode",
							 path, &bad);
				if (!rc)
					rc = party_value(m, p, t, 4, "country",
							 path, &bad);
			} else if (phase == 3 && !contact &&
				   (!strcmp(t->id, "PER") ||
				    !strcmp(t->id, "G61"))) {
				unsigned e;

				rc = eg_rnode_add(p, "contact", EG_RK_GROUP, 0,
						  NULL, 0, &contact);
				if (!rc)
					rc = party_value(m, contact, t, 2, "name",
							 path, &bad);
				for (e = 3; e + 1 <= 8 && !rc; e += 2) {
					eg_span qq = elem_of(m, t, e, 0);

					if (eg_span_eq(qq, "TE") &&
					    !eg_rnode_child(contact, "phone"))
						rc = party_value(m, contact, t,
								 e + 1, "phone",
								 path, &bad);
				}
				for (e = 3; e + 1 <= 8 && !rc; e += 2) {
					eg_span qq = elem_of(m, t, e, 0);

					if (eg_span_eq(qq, "EM") &&
					    !eg_rnode_child(contact, "email"))
						rc = party_value(m, contact, t,
								 e + 1, "email",
								 path, &bad);
				}
				if (!rc && !contact->child) {
					eg_rnode_free(contact);
					contact = NULL;
				}
			}
		}
	}
	if (!rc && !bad && !eg_rnode_child(p, "id") &&
	    !eg_rnode_child(p, "name"))
		finding(m, s, 2, "map-missing-field",
			"%s: the party has neither an id (N103/N104) nor a "
			"name (N102)", path);
	return rc;
}

/* A party field: the first N1 (of this unit, or inherited) that meets
 * the rule. */
static eg_err
eval_party(eg_mapper *m, int unit, const char *path, const cfield *cf,
	   eg_rnode *parent)
{
	rulelist scratch;
	const rulelist *rl;
	size_t i;

	if (m->ship_to_unit >= 0 && !strcmp(path, "shipTo"))
		return build_party(m, parent, cf, m->ship_to_unit, path);
	rl = rules_get(m, path, &scratch);
	for (i = 0; i < rl->n; i++) {
		const mfield *f = rl->r[i];
		int u;

		for (u = unit; u >= 0; u = f->inherit ? m->units[u].parent : -1) {
			int si;

			for (si = m->units[u].head; si >= 0;
			     si = m->segs[si].next)
				if (m->segs[si].tag == f->src[0].tagn &&
				    conds_ok(m, &m->segs[si], f))
					return build_party(m, parent, cf, si,
							   path);
		}
	}
	return EG_OK;
}

/* ---- records ---- */

static eg_err build_group(eg_mapper *m, eg_rnode *node, const cshape *sh,
			  int unit, const char *prefix, unsigned ordinal);

static int
line_selected(const eg_mapper *m, int u)
{
	size_t i;

	if (!m->only_lines)
		return 1;
	for (i = 0; i < m->nonly; i++)
		if (m->only_lines[i] == u)
			return 1;
	return 0;
}

/* Children of unit u at level lv, looking through see-through units. */
static eg_err
build_level_kids(eg_mapper *m, eg_rnode *node, const cfield *cf, int u,
		 int lv, unsigned *ordinal)
{
	int k;
	eg_err rc = EG_OK;

	for (k = m->units[u].kid; k >= 0 && !rc; k = m->units[k].sib) {
		cunit *ku = &m->units[k];
		eg_rnode *child;

		if (ku->see_through) {
			rc = build_level_kids(m, node, cf, k, lv, ordinal);
			continue;
		}
		if (ku->level != lv)
			continue;
		/* numbered in the set, whichever record a line goes to */
		++*ordinal;
		if (!strcmp(cf->name, "line") && !line_selected(m, k))
			continue;
		ku->used = 1;
		rc = eg_rnode_add(node, cf->name, EG_RK_GROUP, 1, NULL, 0, &child);
		if (!rc) {
			/* rule findings about this unit point at its segment */
			child->segment = m->segs[ku->first_seg].index;
			rc = build_group(m, child, cf->sub, k, cf->name,
					 *ordinal);
		}
	}
	return rc;
}

static int
level_index(const eg_map *map, const char *name)
{
	size_t i;

	for (i = 0; i < map->nlevels; i++)
		if (!strcmp(map->levels[i].name, name))
			return (int)i;
	return -1;
}

static int
shape_has(const cshape *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->n; i++)
		if (!strcmp(sh->f[i].name, name))
			return 1;
	return 0;
}

/* Required fields and "one of" groups, after a node is built. */
static void
check_node(eg_mapper *m, const eg_rnode *node, const cshape *sh, int unit,
	   const char *prefix)
{
	size_t i, j;
	const cseg *at = m->units[unit].first_seg >= 0
				 ? &m->segs[m->units[unit].first_seg]
				 : NULL;

	for (i = 0; i < sh->n; i++) {
		const cfield *f = &sh->f[i];

		char full[128];

		join_path(full, sizeof(full), prefix, f->name);
		if (f->required && !eg_rnode_child(node, f->name) &&
		    !was_bad(m, full))
			finding(m, at, 0, "map-missing-field",
				"%s%s%s is required and has no value (map %s "
				"%s)", prefix, prefix[0] ? "/" : "", f->name,
				m->map->set, m->release);
	}
	for (j = 0; j < 2; j++) {
		const char *const *one = sh->one_of[j];
		int any = 0;
		char names[128] = "";

		if (!one[0] || !one[0][0])
			continue;
		for (i = 0; i < 4 && one[i] && one[i][0]; i++) {
			any |= eg_rnode_child(node, one[i]) != NULL;
			if (strlen(names) + strlen(one[i]) + 3 < sizeof(names)) {
				if (names[0])
					strncat(names, ", ", 3);
				strncat(names, one[i], sizeof(names) -
							       strlen(names) - 1);
			}
		}
		if (!any && shape_has(sh, one[0]))
			finding(m, at, 0, "map-missing-field",
				"%s needs one of: %s", prefix[0] ? prefix
								 : "the record",
				names);
	}
}

static eg_err
build_group(eg_mapper *m, eg_rnode *node, const cshape *sh, int unit,
	    const char *prefix, unsigned ordinal)
{
	size_t i;
	eg_err rc = EG_OK;
	char path[128];

	for (i = 0; i < sh->n && !rc; i++) {
		const cfield *f = &sh->f[i];

		join_path(path, sizeof(path), prefix, f->name);
		switch (f->type) {
		case CT_LEVEL: {
			int lv = level_index(m->map, f->name);
			unsigned ord = 0;

			if (lv < 0)
				break; /* this map has no such level */
			if (m->map->levels[lv].whole) {
				eg_rnode *child;

				rc = eg_rnode_add(node, f->name, EG_RK_GROUP, 1,
						  NULL, 0, &child);
				if (!rc)
					rc = build_group(m, child, f->sub, unit,
							 f->name, 1);
				break;
			}
			rc = build_level_kids(m, node, f, unit, lv, &ord);
			break;
		}
		case CT_GROUP: {
			eg_rnode *child;

			rc = eg_rnode_add(node, f->name, EG_RK_GROUP, 0, NULL, 0,
					  &child);
			if (rc)
				break;
			rc = build_group(m, child, f->sub, unit, path, ordinal);
			if (rc)
				break;
			if (!child->child)
				eg_rnode_free(child);
			else
				check_node(m, child, f->sub, unit, path);
			break;
		}
		case CT_PARTY:
			rc = eval_party(m, unit, path, f, node);
			break;
		default:
			rc = eval_leaf(m, unit, path, f, node, ordinal);
			break;
		}
	}
	if (!rc && sh->f != NULL && strcmp(sh->name, "carrier") &&
	    strcmp(sh->name, "dimensions") && strcmp(sh->name, "contact"))
		check_node(m, node, sh, unit, prefix);
	return rc;
}

static eg_err
add_text(eg_rnode *p, const char *name, const char *v)
{
	return v && v[0] ? eg_rnode_add(p, name, EG_RK_TEXT, 0, v, strlen(v), NULL)
			 : EG_OK;
}

static eg_err
add_num(eg_rnode *p, const char *name, unsigned long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", v);
	return eg_rnode_add(p, name, EG_RK_NUMBER, 0, b, strlen(b), NULL);
}

static eg_err
envelope_party(eg_rnode *p, const char *name, const char *id, const char *q)
{
	eg_rnode *n;
	eg_err rc = eg_rnode_add(p, name, EG_RK_GROUP, 0, NULL, 0, &n);

	if (!rc)
		rc = add_text(n, "id", id);
	if (!rc)
		rc = add_text(n, "qualifier", q);
	return rc;
}

static eg_err
build_correlation(eg_mapper *m, eg_rnode *rec, eg_rnode **out)
{
	const eg_x12_ctl *c = &m->txn->ctl;
	const cseg *st = &m->segs[0], *se = &m->segs[m->nseg - 1];
	eg_rnode *cor, *n;
	eg_err rc;
	const char *partner = m->o.profile ? m->o.profile->id : "unknown";

	rc = eg_rnode_add(rec, "correlation", EG_RK_GROUP, 0, NULL, 0, &cor);
	if (!rc)
		rc = add_text(cor, "partnerId", partner);
	if (!rc)
		rc = add_text(cor, "direction", "inbound");
	if (!rc)
		rc = add_text(cor, "fileId", m->o.file_id);
	if (!rc)
		rc = add_text(cor, "fileName", m->o.file_name);
	if (!rc)
		rc = add_text(cor, "fileSha256", m->o.file_sha256);
	if (!rc)
		rc = add_text(cor, "receivedAt", m->o.received_at);
	if (!rc)
		rc = add_text(cor, "syntax", "x12");
	if (!rc)
		rc = add_text(cor, "syntaxVersion", c->gs08);
	if (!rc)
		rc = eg_rnode_add(cor, "interchange", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "controlNumber", c->isa13);
	if (!rc)
		rc = envelope_party(n, "sender", c->sender, c->sender_q);
	if (!rc)
		rc = envelope_party(n, "receiver", c->receiver, c->receiver_q);
	if (!rc && c->usage == 'T')
		rc = eg_rnode_add(n, "test", EG_RK_BOOL, 0, "true", 4, NULL);
	if (!rc)
		rc = eg_rnode_add(cor, "group", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "controlNumber", c->gs06);
	if (!rc)
		rc = add_text(n, "functionalId", c->gs01);
	if (!rc)
		rc = add_text(n, "applicationSender", c->gs_sender);
	if (!rc)
		rc = add_text(n, "applicationReceiver", c->gs_receiver);
	if (!rc)
		rc = eg_rnode_add(cor, "transaction", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "setId", c->st01);
	if (!rc)
		rc = add_text(n, "controlNumber", c->st02);
	if (!rc)
		rc = eg_rnode_add(cor, "position", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "unit", "segment");
	if (!rc)
		rc = add_num(n, "first", st->index);
	if (!rc)
		rc = add_num(n, "last", se->index);
	if (!rc)
		rc = add_num(n, "byteOffset", st->offset);
	if (!rc)
		rc = add_num(n, "byteLength", se->offset + se->len + 1 - st->offset);
	*out = cor;
	return rc;
}

typedef struct keyctx {
	eg_rnode *cor;
	const char *name;
	eg_err rc;
} keyctx;

static int
has_key(const eg_rnode *cor, const char *name, const char *value)
{
	const eg_rnode *k;

	for (k = eg_rnode_child(cor, "key"); k; k = eg_rnode_next_same(k)) {
		const char *n = eg_rnode_text(k, "name");
		const char *v = eg_rnode_text(k, "value");

		if (n && v && !strcmp(n, name) && !strcmp(v, value))
			return 1;
	}
	return 0;
}

static int
add_key(void *ud, const eg_rnode *n)
{
	keyctx *k = ud;
	eg_rnode *key;

	if (!n->value || has_key(k->cor, k->name, n->value))
		return 0;
	k->rc = eg_rnode_add(k->cor, "key", EG_RK_GROUP, 1, NULL, 0, &key);
	if (!k->rc)
		k->rc = add_text(key, "name", k->name);
	if (!k->rc)
		k->rc = add_text(key, "value", n->value);
	return k->rc != EG_OK;
}

static void
rule_finding(void *ud, const eg_rule *r, const eg_rnode *at, const char *msg)
{
	eg_mapper *m = ud;
	const cseg *s = NULL;
	size_t i, n;
	static const char *const ids[] = {"rule-requires-reference",
					  "rule-quantity-tolerance",
					  "rule-date-window", "rule-range"};

	for (i = 0; at && at->segment && i < m->nseg; i++)
		if (m->segs[i].index == at->segment) {
			s = &m->segs[i];
			break;
		}
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '.')
		n--; /* the profile reference ends the sentence */
	finding(m, s, s ? at->elem : 0, ids[r->kind], "%.*s (profile %s line %u)",
		(int)n, msg, m->o.profile ? m->o.profile->id : "-", r->line);
}

static eg_err
keep_record(eg_mapper *m, eg_rnode *rec)
{
	pend *p;

	if (grow((void **)&m->pend, &m->cappend, m->npend + 1, sizeof(*m->pend)))
		return EG_ENOMEM;
	p = &m->pend[m->npend++];
	p->rec = rec;
	p->interchange = m->txn->ctl.interchange;
	snprintf(p->gs06, sizeof(p->gs06), "%s", m->txn->ctl.gs06);
	return EG_OK;
}

/* Build one record from the set (or, split, from some of its lines). */
static eg_err
make_record(eg_mapper *m, unsigned *failed)
{
	const cshape *sh = eg_canon_shape(m->map->record);
	eg_rnode *rec = NULL, *cor = NULL;
	unsigned before = m->failed;
	size_t i;
	eg_err rc;

	m->nbad = 0;
	if ((rc = eg_rnode_new_root(&rec, sh->name)) != EG_OK)
		return rc;
	rc = build_correlation(m, rec, &cor);
	if (!rc)
		rc = build_group(m, rec, sh, 0, "", 1);
	for (i = 0; !rc && i < m->map->nkeys; i++) {
		keyctx k = {cor, m->map->keys[i].name, EG_OK};

		eg_rnode_match(rec, m->map->keys[i].path, add_key, &k);
		rc = k.rc;
	}
	if (!rc && m->failed == before && !eg_rnode_child(cor, "key"))
		finding(m, NULL, 0, "map-no-key",
			"the record has no business key (map %s)", m->map->set);
	if (!rc && m->failed == before && m->o.profile &&
	    m->o.profile->nrules) {
		unsigned broken = 0;
		eg_error e;

		eg_error_clear(&e);
		rc = eg_rules_check(m->o.profile->rules, m->o.profile->nrules,
				    m->o.profile->id, m->map->set, rec,
				    m->o.store, m->o.now, rule_finding, m,
				    &broken, &e);
		if (rc && !m->err) {
			m->err = rc;
			m->errinfo = e;
		}
	}
	if (!rc && m->failed == before) {
		rc = keep_record(m, rec);
		if (!rc)
			return EG_OK;
	}
	*failed += m->failed != before;
	eg_rnode_free(rec);
	return rc;
}

static eg_err flush(eg_mapper *m, int deliver);

/* 850 split: one record per destination. */
static eg_err
map_split(eg_mapper *m, unsigned *failed)
{
	int *lines = NULL, *dest = NULL;
	size_t nl = 0, i, j;
	int any_own = 0;
	eg_err rc = EG_OK;
	int lv = level_index(m->map, "line");
	const cseg *sdq = NULL;

	for (i = 1; i < m->nunit; i++)
		nl += m->units[i].level == lv;
	lines = calloc(nl + 1, sizeof(int));
	dest = calloc(nl + 1, sizeof(int));
	if (!lines || !dest) {
		free(lines);
		free(dest);
		return EG_ENOMEM;
	}
	nl = 0;
	for (i = 1; i < m->nunit; i++) {
		int si, n1 = -1;

		if (m->units[i].level != lv)
			continue;
		for (si = m->units[i].head; si >= 0; si = m->segs[si].next) {
			eg_span code = elem_of(m, &m->segs[si], 1, 0);

			if (!strcmp(m->segs[si].id, "N1") && n1 < 0 &&
			    eg_span_eq(code, "ST"))
				n1 = si;
			if (!strcmp(m->segs[si].id, "SDQ") && !sdq)
				sdq = &m->segs[si];
		}
		lines[nl] = (int)i;
		dest[nl++] = n1;
		any_own |= n1 >= 0;
	}
	if (sdq) {
		finding(m, sdq, 0, "map-unsupported",
			"SDQ destination quantities are not mapped yet: the "
			"order cannot be split by store, so it is rejected "
			"rather than sent to one place");
		*failed += 1;
	} else if (!any_own) {
		rc = make_record(m, failed);
	} else {
		/* group lines by their ship-to (N104, else N102), in order */
		int *sel = calloc(nl + 1, sizeof(int));
		char *done = calloc(nl + 1, 1);

		if (!sel || !done)
			rc = EG_ENOMEM;
		for (i = 0; !rc && i < nl; i++) {
			size_t ns = 0;
			eg_span ki = {"", 0};

			if (done[i])
				continue;
			if (dest[i] >= 0) {
				ki = elem_of(m, &m->segs[dest[i]], 4, 0);
				if (!ki.len)
					ki = elem_of(m, &m->segs[dest[i]], 2, 0);
			}
			for (j = i; j < nl; j++) {
				eg_span kj = {"", 0};

				if (done[j])
					continue;
				if (dest[j] >= 0) {
					kj = elem_of(m, &m->segs[dest[j]], 4, 0);
					if (!kj.len)
						kj = elem_of(m, &m->segs[dest[j]],
							     2, 0);
				}
				if ((dest[i] < 0) != (dest[j] < 0) ||
				    kj.len != ki.len ||
				    (ki.len && memcmp(kj.p, ki.p, ki.len)))
					continue;
				done[j] = 1;
				sel[ns++] = lines[j];
			}
			m->only_lines = sel;
			m->nonly = ns;
			m->ship_to_unit = dest[i];
			rc = make_record(m, failed);
		}
		m->only_lines = NULL;
		m->nonly = 0;
		m->ship_to_unit = -1;
		free(sel);
		free(done);
	}
	free(lines);
	free(dest);
	return rc;
}

static eg_err
map_txn(eg_mapper *m, const eg_unit_result *u)
{
	const eg_map *map = NULL;
	eg_error e;
	eg_err rc;
	unsigned failed = 0;
	size_t i, start = m->npend;

	eg_error_clear(&e);
	rc = eg_maps_find(m->o.maps, u->ctl.st01, u->ctl.gs08, &map, &e);
	if (rc) {
		m->err = rc;
		m->errinfo = e;
		return rc;
	}
	if (!map) {
		eg_finding f;

		/* a note: the set is valid but nothing downstream gets it */
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_TRANSACTION;
		f.severity = EG_FIND_NOTE;
		f.rule = "map-none";
		f.ctl = u->ctl;
		snprintf(f.msg, sizeof(f.msg),
			 "no map for %s %s: no canonical record is made",
			 u->ctl.st01, u->ctl.gs08);
		if (m->o.finding)
			m->o.finding(m->o.ud, &f);
		m->counts.unmapped++;
		return EG_OK;
	}
	m->map = map;
	m->txn = u;
	m->failed = 0;
	snprintf(m->release, sizeof(m->release), "%.6s", u->ctl.gs08);
	if (m->too_big || m->nseg < 2 || m->segs[0].tag != EG_X12_ST) {
		finding(m, NULL, 0, "map-too-large",
			"the transaction set is larger than %zu MiB and is "
			"not mapped", MAP_MAX_TXN_BYTES >> 20);
		m->counts.rejected++;
		return EG_OK;
	}
	if (new_unit(m, -1, -1, 0) < 0)
		return EG_ENOMEM;
	if ((map->by_hl ? partition_hl(m) : partition_loops(m)) < 0)
		return EG_ENOMEM;
	mark_see_through(m);
	m->units[0].used = 1;
	m->only_lines = NULL;
	m->ship_to_unit = -1;
	rc = map->split_ship_to ? map_split(m, &failed) : make_record(m, &failed);
	if (rc)
		return rc;
	for (i = 1; i < m->nunit && !failed && !m->failed; i++) {
		const cunit *un = &m->units[i];

		if (!un->used && un->level >= 0) {
			finding(m, &m->segs[un->first_seg], 0, "map-orphan",
				"this %s is not inside anything that can hold "
				"it (map %s), so it would be lost",
				map->levels[un->level].name, map->set);
			failed++;
		}
	}
	if (failed || m->failed) {
		/* a set is whole or nothing: drop what it made */
		for (i = start; i < m->npend; i++)
			eg_rnode_free(m->pend[i].rec);
		m->npend = start;
		m->counts.rejected++;
	} else {
		m->counts.mapped++;
	}
	m->txn = NULL;
	/* eager: the caller undoes them if the group or interchange fails */
	if (m->o.eager)
		return flush(m, 1);
	return EG_OK;
}

static eg_err
flush(eg_mapper *m, int deliver)
{
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; i < m->npend; i++) {
		if (deliver && !rc && m->o.record) {
			eg_error e;

			eg_error_clear(&e);
			rc = m->o.record(m->o.ud, m->pend[i].rec, &e);
			if (rc && !m->err) {
				m->err = rc;
				m->errinfo = e;
			}
			if (!rc)
				m->counts.records++;
		}
		eg_rnode_free(m->pend[i].rec);
	}
	m->npend = 0;
	return rc;
}

void
eg_mapper_unit_end(eg_mapper *m, const eg_unit_result *u)
{
	eg_err rc;

	if (m->err)
		return;
	switch (u->level) {
	case EG_LVL_TRANSACTION:
		if (u->outcome == EG_REJECTED || m->in_txn) {
			m->in_txn = 0; /* not validated, or cut short */
			m->counts.unmapped++;
			break;
		}
		rc = map_txn(m, u);
		if (rc)
			set_err(m, rc, "out of memory while mapping");
		break;
	case EG_LVL_GROUP:
		if (u->outcome == EG_REJECTED) {
			size_t i, k = 0;

			for (i = 0; i < m->npend; i++) {
				if (m->pend[i].interchange == u->ctl.interchange &&
				    !strcmp(m->pend[i].gs06, u->ctl.gs06))
					eg_rnode_free(m->pend[i].rec);
				else
					m->pend[k++] = m->pend[i];
			}
			m->npend = k;
		}
		break;
	case EG_LVL_INTERCHANGE:
		(void)flush(m, u->outcome != EG_REJECTED);
		break;
	default:
		break;
	}
	txn_reset(m);
}

eg_err
eg_mapper_error(const eg_mapper *m, eg_error *e)
{
	if (m->err && e)
		*e = m->errinfo;
	return m->err;
}

eg_err
eg_mapper_new(eg_mapper **out, const eg_mapper_opts *o, eg_error *e)
{
	eg_mapper *m;

	*out = NULL;
	if (!o->maps || !o->file_id || !o->file_sha256)
		return eg_fail(e, EG_EINVAL,
			       "mapper needs maps, a file id and a sha256");
	m = calloc(1, sizeof(*m));
	if (!m)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	m->o = *o;
	m->ship_to_unit = -1;
	eg_buf_init(&m->arena, MAP_MAX_TXN_BYTES);
	eg_error_clear(&m->errinfo);
	*out = m;
	return EG_OK;
}

void
eg_mapper_counts_get(const eg_mapper *m, eg_mapper_counts *c)
{
	*c = m->counts;
}

void
eg_mapper_free(eg_mapper *m)
{
	if (!m)
		return;
	flush(m, 0);
	eg_buf_free(&m->arena);
	free(m->segs);
	free(m->els);
	free(m->units);
	free(m->pend);
	if (m->rcache) {
		size_t i;

		for (i = 0; i < MAP_RULE_CACHE; i++)
			free(m->rcache[i]);
		free(m->rcache);
	}
	free(m);
}
