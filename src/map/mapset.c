/*
 * mapset.c - the transaction set the mapper works on: kept while it
 * streams by, then cut into units.
 *
 * The reader's spans die with the next segment, so the set's bytes are
 * copied into one arena as they pass; each segment adds an 8-byte cseg
 * (where its bytes are, the next of its unit).  Elements are not tabled:
 * a field asks for "element 3, component 1" and the segment is scanned,
 * which costs less than keeping 16 bytes per element (50,000 segments of
 * 1,000 empty elements once took 846 MiB that way).  Index in the file
 * and position in the set follow from a segment's place, since the set
 * is copied from its header (ST, UNH) to its trailer without a gap.
 *
 * Segments come through the syntax descriptor's segment view (syntax.h),
 * never read as X12 by name: its `split` gives the separators, and a
 * segment whose bytes split at them into its values (every X12 segment,
 * an EDIFACT one without release characters) is copied as it is.  One
 * that does not (a released '+' or ':' inside a value) is kept in value
 * form: its tag and element separator, then its values as the view's
 * `value` gives them, each with its length (see put_values), and marked
 * in vform[] so that the element scans read it that way.
 *
 * A set over the limits (bytes, segments, elements) stops being copied
 * at once and is refused when it would be mapped: the memory a set takes
 * is bounded by the limits, whatever the file holds.
 *
 * Units: an 856 is cut by its HL segments (HL01 names the unit, HL02 its
 * parent, found through a hash index: the parent of 200,000 items must
 * not be searched for 200,000 times); other sets by the loops their map
 * names (a segment opens a level, listed segments close it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"

void
eg_mset_reset(eg_mapper *m)
{
	if (m->any_vform)
		memset(m->vform, 0, m->nseg < m->capvform ? m->nseg
							   : m->capvform);
	m->any_vform = 0;
	eg_buf_reset(&m->arena);
	m->nseg = m->nunit = 0;
	m->nelem = 0;
	m->too_big = 0;
	m->id_of_too_big[0] = '\0';
	m->term = 0;
	m->irregular = 0;
}

/* Segment n (not yet counted) starts d bytes after the ST and off bytes
 * into the arena.  While the gaps between segments are all one length
 * the offset follows from off; the first time not, every offset is
 * written down from then on. */
static int
note_offset(eg_mapper *m, uint64_t d, uint32_t off)
{
	size_t n = m->nseg, i;

	if (!m->irregular) {
		if (n == 1 && d - off <= UINT32_MAX)
			m->term = (uint32_t)(d - off);
		if (d == off + (uint64_t)n * m->term)
			return 0;
		m->irregular = 1;
		if (eg_map_grow((void **)&m->deltas, &m->capdelta, n + 1,
				sizeof(*m->deltas)))
			return -1;
		for (i = 0; i < n; i++)
			m->deltas[i] =
			    (uint32_t)(m->segs[i].off + (uint64_t)i * m->term);
	}
	if (eg_map_grow((void **)&m->deltas, &m->capdelta, n + 1,
			sizeof(*m->deltas)))
		return -1;
	m->deltas[n] = (uint32_t)d;
	return 0;
}

static void
too_big(eg_mapper *m, const char *what)
{
	m->too_big = 1;
	snprintf(m->id_of_too_big, sizeof(m->id_of_too_big), "%s", what);
}

static eg_err
put16(eg_buf *b, size_t v)
{
	uint16_t x = (uint16_t)(v > UINT16_MAX ? UINT16_MAX : v);

	return eg_buf_add(b, &x, sizeof(x));
}

static uint16_t
get16(const char *p)
{
	uint16_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static uint32_t
get32(const char *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/*
 * Value form: the tag and the set's element separator (so the tag reads
 * as for any segment), then the number of elements and, per element,
 * its repetitions, per repetition its components, per component its
 * length (4 bytes) and bytes, as the segment view gives them: release
 * characters removed, separators inside values kept.  Counts are 16-bit
 * (the readers' limits are far below), lengths 32-bit.
 */
static eg_err
put_values(eg_mapper *m, const eg_syntax_desc *syn, const eg_segment *seg)
{
	eg_buf *b = &m->arena;
	size_t i, r, c, nr, nc, tl = strlen(seg->id);
	eg_err rc;

	if ((rc = eg_buf_add(b, seg->id, tl)) != EG_OK ||
	    (rc = eg_buf_addc(b, m->elsep)) != EG_OK ||
	    (rc = put16(b, seg->nelem)) != EG_OK)
		return rc;
	for (i = 1; i <= seg->nelem; i++) {
		nr = syn->repetitions(seg, i);
		if ((rc = put16(b, nr)) != EG_OK)
			return rc;
		for (r = 1; r <= nr && r <= UINT16_MAX; r++) {
			nc = syn->components(seg, i, r);
			if ((rc = put16(b, nc)) != EG_OK)
				return rc;
			for (c = 1; c <= nc && c <= UINT16_MAX; c++) {
				eg_span v = syn->value(seg, i, r, c);
				uint32_t n = (uint32_t)v.len;

				if ((rc = eg_buf_add(b, &n, sizeof(n))) != EG_OK ||
				    (rc = eg_buf_add(b, v.p, v.len)) != EG_OK)
					return rc;
			}
		}
	}
	return EG_OK;
}

/* Mark segment n as kept in value form. */
static int
mark_vform(eg_mapper *m, size_t n)
{
	size_t old = m->capvform;

	if (eg_map_grow((void **)&m->vform, &m->capvform, n + 1, 1))
		return -1;
	if (m->capvform > old)
		memset(m->vform + old, 0, m->capvform - old);
	m->vform[n] = 1;
	m->any_vform = 1;
	return 0;
}

eg_err
eg_mset_add(eg_mapper *m, const eg_syntax_desc *syn, const eg_segment *seg)
{
	eg_seg_seps sep;
	cseg *s;
	size_t before = m->arena.len;
	int split = syn->split(seg, &sep), vf;

	if (m->too_big)
		return EG_OK;
	if (m->nseg == 0) {
		m->st_offset = seg->offset;
		m->st_index = seg->index;
		m->elsep = (char)sep.element;
		m->comp = (char)sep.component;
		m->rep = (char)sep.repetition;
		m->first_comp = sep.first_component;
	}
	/* bytes as sent when they split at the set's separators */
	vf = !split || sep.element != (unsigned char)m->elsep ||
	     sep.component != (unsigned char)m->comp ||
	     sep.repetition != (unsigned char)m->rep;
	if (m->nseg + 1 > m->max_segs) {
		too_big(m, "segments");
		return EG_OK;
	}
	if (m->nelem + seg->nelem > m->max_elems) {
		too_big(m, "elements");
		return EG_OK;
	}
	if (seg->offset - m->st_offset > UINT32_MAX ||
	    m->arena.len + seg->len > m->max_bytes ||
	    (vf ? put_values(m, syn, seg)
		: eg_buf_add(&m->arena, seg->data, seg->len)) != EG_OK) {
		m->arena.len = before;
		too_big(m, "bytes");
		return EG_OK; /* reported when the set is mapped */
	}
	if (eg_map_grow((void **)&m->segs, &m->capseg, m->nseg + 1,
			sizeof(*m->segs)))
		return EG_ENOMEM;
	if (note_offset(m, seg->offset - m->st_offset, (uint32_t)before) < 0)
		return EG_ENOMEM;
	if (vf && mark_vform(m, m->nseg) < 0)
		return EG_ENOMEM;
	s = &m->segs[m->nseg++];
	s->off = (uint32_t)before;
	s->next = -1;
	m->nelem += seg->nelem;
	return EG_OK;
}

uint32_t
eg_mset_len(const eg_mapper *m, const cseg *s)
{
	size_t i = (size_t)(s - m->segs);

	return (i + 1 < m->nseg ? s[1].off : (uint32_t)m->arena.len) - s->off;
}

void
eg_mset_id(const eg_mapper *m, const cseg *s, char id[4])
{
	const char *p = m->arena.data + s->off;
	size_t k, len = eg_mset_len(m, s);

	for (k = 0; k < 3 && k < len && p[k] != m->elsep; k++)
		id[k] = p[k];
	id[k] = '\0';
}

/* As the reader makes it: the first two bytes, and the third when the
 * ID has three (the short or odd segments eg_mset_tag leaves here). */
uint32_t
eg_mset_tag_slow(const eg_mapper *m, const cseg *s)
{
	const unsigned char *p =
	    (const unsigned char *)m->arena.data + s->off;
	uint32_t len = eg_mset_len(m, s);
	unsigned char a, b, c;

	/* eg_mset_id without the copy: this runs for every segment a
	 * field's rules look at */
	a = len > 0 && p[0] != (unsigned char)m->elsep ? p[0] : 0;
	b = a && len > 1 && p[1] != (unsigned char)m->elsep ? p[1] : 0;
	c = b && len > 2 && p[2] != (unsigned char)m->elsep ? p[2] : 0;
	return EG_X12_TAG(a, b, c);
}

int
eg_mset_is(const eg_mapper *m, const cseg *s, const char *id)
{
	return eg_mset_tag(m, s) == EG_X12_TAG(id[0], id[1], id[1] ? id[2] : 0);
}

uint64_t
eg_mset_index(const eg_mapper *m, const cseg *s)
{
	return m->st_index + (uint64_t)(s - m->segs);
}

uint64_t
eg_mset_offset(const eg_mapper *m, const cseg *s)
{
	size_t i = (size_t)(s - m->segs);

	if (m->irregular)
		return m->st_offset + m->deltas[i];
	return m->st_offset + s->off + (uint64_t)i * m->term;
}

uint32_t
eg_mset_pos(const eg_mapper *m, const cseg *s)
{
	return (uint32_t)(s - m->segs) + 1;
}

/* Is segment s kept in value form? */
static int
is_vform(const eg_mapper *m, const cseg *s)
{
	size_t i = (size_t)(s - m->segs);

	return m->any_vform && i < m->capvform && m->vform[i];
}

/* The value form's body: after the tag and its separator. */
static const char *
vform_body(const eg_mapper *m, const cseg *s)
{
	const char *p = m->arena.data + s->off;

	return (const char *)memchr(p, m->elsep, eg_mset_len(m, s)) + 1;
}

/* Element i (1-based), repetition 1, component comp (0 as 1) of a
 * segment in value form. */
static eg_span
vform_elem(const eg_mapper *m, const cseg *s, unsigned i, unsigned comp)
{
	eg_span sp = {"", 0};
	const char *p = vform_body(m, s);
	unsigned ne = get16(p), j, r, c, nr, nc;

	p += 2;
	if (i == 0 || i > ne)
		return sp;
	if (comp == 0)
		comp = 1;
	for (j = 1;; j++) {
		nr = get16(p);
		p += 2;
		for (r = 1; r <= nr; r++) {
			nc = get16(p);
			p += 2;
			for (c = 1; c <= nc; c++) {
				uint32_t n = get32(p);

				if (j == i && r == 1 && c == comp) {
					sp.p = p + 4;
					sp.len = n;
					return sp;
				}
				p += 4 + n;
			}
			if (j == i)
				return sp; /* no such component */
		}
		if (j == i)
			return sp;
	}
}

unsigned
eg_mset_nelem(const eg_mapper *m, const cseg *s)
{
	const char *p = m->arena.data + s->off, *end = p + eg_mset_len(m, s);
	unsigned n = 0;

	if (is_vform(m, s))
		return get16(vform_body(m, s));
	while ((p = memchr(p, m->elsep, (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

eg_span
eg_mset_elem(const eg_mapper *m, const cseg *s, unsigned i, unsigned comp)
{
	eg_span sp = {"", 0};
	const char *p = m->arena.data + s->off, *end = p + eg_mset_len(m, s), *c;
	size_t n, k;
	unsigned j;

	if (i == 0)
		return sp;
	if (is_vform(m, s))
		return vform_elem(m, s, i, comp);
	if (comp == 0 && m->first_comp)
		comp = 1; /* the syntax's view: the first component */
	/* step over the tag and i - 1 elements: a byte loop, since
	 * segments are short and memchr's call cost more than the scan */
	for (j = 0; j < i; j++) {
		while (p < end && *p != m->elsep)
			p++;
		if (p == end)
			return sp;
		p++;
	}
	for (c = p; c < end && *c != m->elsep; c++)
		;
	n = (size_t)(c - p);
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
		c = memchr(p, m->comp, n);
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

size_t
eg_mset_elems(const eg_mapper *m, const cseg *s, unsigned first,
	      eg_span *el, size_t n)
{
	const char *p = m->arena.data + s->off, *end = p + eg_mset_len(m, s);
	size_t got = 0;
	unsigned j;

	if (first == 0)
		return 0;
	if (is_vform(m, s)) {
		unsigned ne = eg_mset_nelem(m, s);

		for (j = first; j <= ne && got <= n; j++, got++)
			if (got < n)
				el[got] = vform_elem(m, s, j, 0);
		return got;
	}
	for (j = 0; j < first; j++) {
		while (p < end && *p != m->elsep)
			p++;
		if (p == end)
			return 0;
		p++;
	}
	/* one pass over the rest: each element as eg_mset_elem(i, 0) */
	for (;;) {
		const char *c = p;
		size_t k, len;

		while (c < end && *c != m->elsep)
			c++;
		if (got == n)
			return n + 1; /* more than n */
		len = (size_t)(c - p);
		for (k = 0; m->rep && k < len && p[k] != m->rep; k++)
			;
		if (m->rep)
			len = k;
		for (k = 0; m->first_comp && k < len && p[k] != m->comp; k++)
			;
		if (m->first_comp)
			len = k;
		el[got].p = p;
		el[got].len = len;
		got++;
		if (c == end)
			return got;
		p = c + 1;
	}
}

/* ---- units ---- */

int
eg_mset_new_unit(eg_mapper *m, int level, int parent, int seg)
{
	cunit *u;

	if (eg_map_grow((void **)&m->units, &m->capunit, m->nunit + 1,
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

	un->tags |= eg_mset_tagbit(eg_mset_tag(m, &m->segs[si]));
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

		if (hl03 && l->hl[0] && eg_map_in_list(l->hl, hl03))
			return (int)i;
		if (open && l->open[0] && !strcmp(l->open, open))
			return (int)i;
	}
	return -1;
}

/*
 * The HL index: HL01 (its first 12 bytes, as HL01 is at most 12) to the
 * unit it names, the latest one when an ID repeats.  Each slot holds
 * the segment index of the naming HL and the unit, so keys are read
 * from the arena and nothing is copied.
 */
typedef struct hlslot {
	int32_t seg, unit;
} hlslot;

static eg_span
hl_key(const eg_mapper *m, int seg, unsigned elem)
{
	eg_span v = eg_mset_elem(m, &m->segs[seg], elem, 0);

	if (v.len > 12)
		v.len = 12;
	return v;
}

static size_t
span_hash(eg_span v)
{
	size_t h = 2166136261u, i;

	for (i = 0; i < v.len; i++)
		h = (h ^ (unsigned char)v.p[i]) * 16777619u;
	return h;
}

/* The slot for key v: where it is, or the empty slot it would take. */
static hlslot *
hl_slot(eg_mapper *m, eg_span v)
{
	hlslot *t = (hlslot *)m->hlidx;
	size_t i, mask = m->hlcap - 1;

	for (i = span_hash(v) & mask;; i = (i + 1) & mask) {
		eg_span k;

		m->counts.steps++;
		if (t[i].seg < 0)
			return &t[i];
		k = hl_key(m, t[i].seg, 1);
		if (k.len == v.len && !memcmp(k.p, v.p, v.len))
			return &t[i];
	}
}

static int
hl_grow(eg_mapper *m, size_t used)
{
	hlslot *old = (hlslot *)m->hlidx, *t;
	size_t oldcap = m->hlcap, i, cap = oldcap ? oldcap : 256;

	if ((used + 1) * 2 <= oldcap)
		return 0;
	while ((used + 1) * 2 > cap)
		cap *= 2;
	t = malloc(cap * sizeof(*t));
	if (!t)
		return -1;
	for (i = 0; i < cap; i++)
		t[i].seg = t[i].unit = -1;
	m->hlidx = (int32_t *)t;
	m->hlcap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].seg >= 0)
			*hl_slot(m, hl_key(m, old[i].seg, 1)) = old[i];
	free(old);
	return 0;
}

static void
hl_clear(eg_mapper *m)
{
	hlslot *t = (hlslot *)m->hlidx;
	size_t i;

	for (i = 0; i < m->hlcap; i++)
		t[i].seg = t[i].unit = -1;
}

/* Name unit u by the HL at segment si; only_new: keep an existing name
 * (the set's own unit loses to any HL unit of the same ID). */
static int
hl_put(eg_mapper *m, size_t *used, int si, int u, int only_new)
{
	eg_span id = hl_key(m, si, 1);
	hlslot *s;

	if (id.len == 0)
		return 0;
	if (hl_grow(m, *used) < 0)
		return -1;
	s = hl_slot(m, id);
	if (s->seg >= 0 && only_new)
		return 0;
	*used += s->seg < 0;
	s->seg = si;
	s->unit = u;
	return 0;
}

static int
partition_hl(eg_mapper *m)
{
	size_t i, used = 0;
	int cur = 0, named0 = 0;

	hl_clear(m);
	for (i = 0; i < m->nseg; i++) {
		cseg *s = &m->segs[i];

		uint32_t tag = eg_mset_tag(m, s);

		if (tag == EG_X12_TAG('H', 'L', 0)) {
			char code[4];
			eg_span v = eg_mset_elem(m, s, 3, 0), par;
			int lv, parent = 0, u;

			size_t cn = v.len < sizeof(code) ? v.len
							  : sizeof(code) - 1;

			memcpy(code, v.p, cn); /* every HL: no printf */
			code[cn] = '\0';
			lv = find_level(m->map, code, NULL);
			if (lv < 0) {
				eg_mapper_finding(m, s, 3, "map-unknown-level",
						  "HL03 '%s': map %s has no "
						  "level for it, so what it "
						  "holds would be lost",
						  code, m->map->set);
			}
			par = hl_key(m, (int)i, 2);
			if (par.len && m->hlcap) {
				hlslot *hs = hl_slot(m, par);

				if (hs->seg >= 0)
					parent = hs->unit;
			}
			if (lv >= 0 && m->map->levels[lv].header) {
				cur = 0; /* the set's own level (856 S) */
				m->units[0].used = 1;
				if (!named0 && hl_key(m, (int)i, 1).len) {
					named0 = 1;
					if (hl_put(m, &used, (int)i, 0, 1) < 0)
						return -1;
				}
				add_to_unit(m, 0, (int)i);
				continue;
			}
			u = eg_mset_new_unit(m, lv < 0 ? -2 : lv, parent,
					     (int)i);
			if (u < 0 || hl_put(m, &used, (int)i, u, 0) < 0)
				return -1;
			cur = u;
		} else if (i == 0 || i + 1 == m->nseg) {
			add_to_unit(m, 0, (int)i); /* header, trailer */
			continue;
		}
		add_to_unit(m, cur, (int)i);
	}
	/* only the partition asks it: free it before the record is built
	 * (8 bytes a slot, two slots an HL) */
	free(m->hlidx);
	m->hlidx = NULL;
	m->hlcap = 0;
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
		char id[4];
		int lv;

		eg_mset_id(m, s, id);
		if (i == 0 || i + 1 == m->nseg) {
			add_to_unit(m, 0, (int)i); /* header, trailer */
			continue;
		}
		while (top > 0 &&
		       eg_map_in_list(
			   m->map->levels[m->units[stack[top]].level].end, id))
			top--;
		lv = find_level(m->map, NULL, id);
		if (lv >= 0 && !m->map->levels[lv].whole) {
			const mlevel *l = &m->map->levels[lv];
			int u;

			while (top > 0 &&
			       !eg_map_in_list(
				   l->parent,
				   m->map->levels[m->units[stack[top]].level]
				       .name))
				top--;
			if (top + 1 >= (int)(sizeof(stack) / sizeof(stack[0])))
				top--;
			u = eg_mset_new_unit(m, lv, stack[top], (int)i);
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
			if (eg_mset_is(m, &m->segs[si], l->requires))
				un->see_through = 0;
		if (un->see_through)
			un->used = 1;
	}
}

int
eg_mset_partition(eg_mapper *m)
{
	if (eg_mset_new_unit(m, -1, -1, 0) < 0)
		return -1;
	if ((m->map->by_hl ? partition_hl(m) : partition_loops(m)) < 0)
		return -1;
	mark_see_through(m);
	m->units[0].used = 1;
	return 0;
}
