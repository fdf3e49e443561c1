/*
 * mapfield.c - one canonical field from the segments of a unit.
 *
 * A field asks for its rules (the profile's override for the set when it
 * gives a source, else the map's; a profile default last), looks for the
 * first segment of its unit (then, inheriting, of the enclosing units)
 * that meets a rule, takes the element(s), translates them through code
 * lists (the profile's, then the map's) and brings the value into its
 * canonical type.  Parties are built from an N1 loop (N1, N2, N3, N4, PER
 * ...) in schema order.  A value that does not fit is a finding naming
 * the segment and element it came from; the set then gives no record.
 *
 * Rule lists are remembered per map, release and path (a record asks for
 * the same paths in every unit, and scanning the map's fields was once
 * the mapper's largest cost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"

/* A remembered rule list (eg_mfield_rules). */
struct rcached {
	const eg_map *map;
	char release[7];
	char path[96];
	rulelist rl;
};

#define MAP_RULE_CACHE 512 /* slots, a power of two */

static int
version_ok(const mfield *f, const char *release)
{
	return !f->versions[0] || eg_map_in_list(f->versions, release);
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
			eg_mapper_finding(m, NULL, 0, "map-bad-override",
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
const rulelist *
eg_mfield_rules(eg_mapper *m, const char *path, rulelist *scratch, int *kept)
{
	size_t i, n = MAP_RULE_CACHE;

	*kept = 0;
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
			*kept = 1;
			return &c->rl;
		}
		if (c->map == m->map && !strcmp(c->release, m->release) &&
		    !strcmp(c->path, path)) {
			*kept = 1;
			return &c->rl;
		}
	}
}

static int
conds_ok(const eg_mapper *m, const cseg *s, const mfield *f)
{
	int i;

	for (i = 0; i < f->nwhen; i++) {
		const mcond *c = &f->when[i];
		eg_span v = eg_mset_elem(m, s, c->t.elem, c->t.comp);
		char val[64];

		if (v.len == 0)
			return 0;
		if (!c->vals[0])
			continue;
		if (v.len >= sizeof(val))
			return 0;
		memcpy(val, v.p, v.len);
		val[v.len] = '\0';
		if (!eg_map_in_list(c->vals, val))
			return 0;
	}
	return 1;
}

/* Translate code through list name: the profile's codemap first, then the
 * map's list.  No list at all: the value passes as it is (its type then
 * decides).  Returns -1 when a list exists and has no translation. */
static void set_text(char *dst, size_t cap, const char *p, size_t n);

static int
translate(eg_mapper *m, const char *list, const char *code, char *out,
	  size_t cap)
{
	const eg_profile_codemap *pcm =
		list[0] ? eg_profile_codemap_find(m->o.profile, list) : NULL;
	const mcodes *mc = list[0] ? eg_map_codes(m->map, list) : NULL;
	const char *v = NULL;

	if (!pcm && !mc) {
		set_text(out, cap, code, strlen(code));
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
	set_text(out, cap, v, strlen(v));
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

/* A qualifier q (element k) of f's pairs list followed by a value v:
 * the value, and where to continue. */
static int
pair_match(const mfield *f, eg_span q, eg_span v, hit *h, unsigned k,
	   unsigned *from)
{
	char qual[8];

	if (q.len == 0 || q.len >= sizeof(qual))
		return 0;
	memcpy(qual, q.p, q.len);
	qual[q.len] = '\0';
	if (!eg_map_in_list(f->pairs, qual) || v.len == 0)
		return 0;
	set_text(h->v, sizeof(h->v), v.p, v.len);
	h->elem = k + 1;
	*from = k + 2;
	return 1;
}

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
		unsigned k, start = *from ? *from : f->src[0].elem;
		eg_span el[64];
		size_t got = eg_mset_elems(m, s, start, el, 64), j;

		/* qualifier, value, qualifier, value... from start on: one
		 * scan of the segment (a longer one: element by element) */
		for (j = 0; got <= 64 && j + 1 < got; j += 2) {
			eg_span q = el[j], v = el[j + 1];

			k = start + (unsigned)j;
			if (pair_match(f, q, v, h, k, from))
				return 1;
		}
		for (k = start; got > 64 && k + 1 <= eg_mset_nelem(m, s);
		     k += 2)
			if (pair_match(f, eg_mset_elem(m, s, k, 0),
				       eg_mset_elem(m, s, k + 1, 0), h, k,
				       from))
				return 1;
		*from = 0;
		return 0;
	}
	*from = 0;
	for (i = 0; i < f->nsrc; i++) {
		eg_span v = eg_mset_elem(m, s, f->src[i].elem, f->src[i].comp);

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

int
eg_mfield_was_bad(const eg_mapper *m, const char *path)
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
	char tr[600], why[160], lists[96], sid[4] = "";
	int r;

	if (h->s)
		eg_mset_id(m, h->s, sid);

	if (f->codes[0] && translate(m, f->codes, h->v, tr, sizeof(tr))) {
		note_bad(m, path);
		where_lists(m, f->codes, lists, sizeof(lists));
		eg_mapper_finding(m, h->s, h->elem, "map-unmapped-code",
			"%s%02u code '%s' for %s has no translation in code "
			"list '%s' (%s)", sid, h->elem, h->v, path,
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
		eg_mapper_finding(m, h->s, h->elem, "map-bad-value",
			"%s%02u '%s' for %s %s", sid,
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
			eg_span v = eg_mset_elem(m, h->s, f->uom.elem, f->uom.comp);

			set_text(u, sizeof(u), v.p, v.len);
		}
		if (!u[0])
			set_text(u, sizeof(u), f->uom_fixed,
				 strlen(f->uom_fixed));
		if (!u[0]) {
			note_bad(m, path);
			eg_mapper_finding(m, h->s, f->uom.elem, "map-missing-unit",
				"%s '%s' has no unit of measure (%s%02u is "
				"empty)", path, out, sid,
				f->uom.elem);
			return -1;
		}
		if (translate(m, list, u, h->uom, sizeof(h->uom))) {
			note_bad(m, path);
			where_lists(m, list, lists, sizeof(lists));
			eg_mapper_finding(m, h->s, f->uom.elem, "map-unmapped-code",
				"unit '%s' for %s has no translation in code "
				"list '%s' (%s)", u, path, list, lists);
			return -1;
		}
		if (eg_canon_unit(cf->type, h->uom, why, sizeof(why))) {
			note_bad(m, path);
			eg_mapper_finding(m, h->s, f->uom.elem, "map-bad-value",
				"unit '%s' for %s %s", h->uom, path, why);
			return -1;
		}
	}
	return 0;
}

static eg_err
add_leaf(const eg_mapper *m, eg_rnode *parent, const cfield *cf, const char *v,
	 const hit *h)
{
	eg_rnode *n;
	eg_err rc = eg_rnode_add(parent, cf->name, eg_canon_kind(cf->type),
				 cf->max != 1, v, strlen(v), &n);

	if (rc)
		return rc;
	if (h && h->s) {
		n->segment = eg_mset_index(m, h->s);
		n->elem = h->elem;
	}
	if (eg_canon_kind(cf->type) == EG_RK_MEASURE)
		rc = eg_rnode_set_uom(n, h ? h->uom : "");
	return rc;
}

/* The segments to search for a field in unit u: its own, then (inherit)
 * its parents'. */
eg_err
eg_mfield_eval_leaf(eg_mapper *m, int unit, mpfield *pf, const cfield *cf,
		    eg_rnode *parent, unsigned ordinal)
{
	const char *path = pf->path;
	rulelist scratch;
	const rulelist *rl = eg_mplan_rules(m, pf, &scratch);
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
			if ((rc = add_leaf(m, parent, cf, out, &h)) != EG_OK)
				return rc;
			count++;
			continue;
		}
		if (!f->nsrc)
			continue;
		for (u = unit; u >= 0 && count < limit;
		     u = f->inherit ? m->units[u].parent : -1) {
			int si;

			if (!(m->units[u].tags & eg_mset_tagbit(f->src[0].tagn)))
				continue; /* no segment of the rule's tag */
			for (si = m->units[u].head; si >= 0 && count < limit;
			     si = m->segs[si].next) {
				const cseg *s = &m->segs[si];
				unsigned from = 0;

				m->counts.steps++;
				if (eg_mset_tag(m, s) != f->src[0].tagn ||
				    !conds_ok(m, s, f))
					continue;
				while (count < limit && extract(m, s, f, &from, &h)) {
					int r = finish_value(m, f, cf, &h, path,
							     out, sizeof(out));

					if (r == 0) {
						rc = add_leaf(m, parent, cf, out, &h);
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
			return add_leaf(m, parent, cf, out, &h);
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

/* Value v (read from element e of s, for the finding's position) as the
 * party member name. */
static eg_err
party_put(eg_mapper *m, eg_rnode *p, const cseg *s, unsigned e, eg_span v,
	  const char *name, const char *path, int *bad)
{
	size_t i;
	const cfield *cf = NULL;
	const cshape *ps;
	char out[600], why[160], sid[4];
	int r;
	hit h;

	if (v.len == 0)
		return EG_OK; /* nothing to add (before any lookup) */
	if (!m->party_shape)
		m->party_shape = eg_canon_field("Shipment", "shipTo")->sub;
	ps = m->party_shape;
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
		eg_mset_id(m, s, sid);
		eg_mapper_finding(m, s, e, "map-bad-value",
				  "%s%02u '%.*s' for %s/%s %s", sid, e, (int)v.len, v.p, path, name, why);
		*bad = 1;
		return EG_OK;
	}
	if (r > 0)
		return EG_OK;
	memset(&h, 0, sizeof(h));
	h.s = s;
	h.elem = e;
	return add_leaf(m, p, cf, out, &h);
}

static eg_err
party_value(eg_mapper *m, eg_rnode *p, const cseg *s, unsigned e,
	    const char *name, const char *path, int *bad)
{
	return party_put(m, p, s, e, eg_mset_elem(m, s, e, 0), name, path,
			 bad);
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

/* Does a segment belong to a UN/EDIFACT NAD's group (the references,
 * places and contacts after it)? */
static int
nad_member(const char *id)
{
	return !strcmp(id, "LOC") || !strcmp(id, "FII") ||
	       !strcmp(id, "RFF") || !strcmp(id, "DTM") ||
	       !strcmp(id, "CTA") || !strcmp(id, "COM");
}

/*
 * A party from a UN/EDIFACT NAD and its group: NAD02 C082 the id (3039)
 * with its agency (3055) translated through the map's "id-agency" list
 * into the canonical qualifier (9, GS1: UL, a GLN); NAD04 C080 the name
 * (3036; the second and third as additional names); NAD05 C059 the
 * street (3042, up to four lines); NAD06 city, NAD07 C819 subdivision,
 * NAD08 postal code, NAD09 country; without NAD04, NAD03 C058's lines
 * (unstructured name and address) give the name and address lines.  The
 * first CTA (CTA02 C056 3412: a name) and the COMs after it (C076: TE a
 * phone, EM an e-mail) are the contact.
 */
static eg_err
build_nad(eg_mapper *m, eg_rnode *p, int n1, const char *path)
{
	const cseg *s = &m->segs[n1];
	eg_rnode *contact = NULL;
	eg_span id = eg_mset_elem(m, s, 2, 1), ag = eg_mset_elem(m, s, 2, 3);
	int si, bad = 0, cta = 0;
	unsigned c, from;
	eg_err rc = EG_OK;

	if (id.len) {
		char code[16], q[16];

		snprintf(code, sizeof(code), "%.*s",
			 (int)(ag.len < 15 ? ag.len : 15), ag.p);
		if (!ag.len) {
			eg_mapper_finding(m, s, 2, "map-missing-field",
				"%s: NAD02 id '%.*s' has no agency (3055)",
				path, (int)id.len, id.p);
			bad = 1;
		} else if (translate(m, "id-agency", code, q, sizeof(q))) {
			eg_mapper_finding(m, s, 2, "map-unmapped-code",
				"%s: NAD02 agency '%s' has no translation in "
				"the code list id-agency", path, code);
			bad = 1;
		} else {
			eg_span qs = {q, strlen(q)};

			rc = party_put(m, p, s, 2, id, "id", path, &bad);
			if (!rc)
				rc = party_put(m, p, s, 2, qs, "idQualifier",
					       path, &bad);
		}
	}
	/* structured name and address, else NAD03's free lines */
	from = eg_mset_elem(m, s, 4, 1).len ? 4 : 3;
	for (c = 1; c <= 3 && !rc; c++)
		if (c == 1 || count_named(p, "additionalName") < 2)
			rc = party_put(m, p, s, from, eg_mset_elem(m, s, from, c),
				       c == 1 ? "name" : "additionalName",
				       path, &bad);
	for (c = from == 4 ? 1 : 4; c <= (from == 4 ? 4u : 5u) && !rc; c++)
		if (count_named(p, "addressLine") < 4)
			rc = party_put(m, p, s, from == 4 ? 5 : 3,
				       eg_mset_elem(m, s, from == 4 ? 5 : 3, c),
				       "addressLine", path, &bad);
	if (!rc)
		rc = party_value(m, p, s, 6, "city", path, &bad);
	if (!rc)
		rc = party_value(m, p, s, 7, "state", path, &bad);
	if (!rc)
		rc = party_value(m, p, s, 8, "postalCode", path, &bad);
	if (!rc)
		rc = party_value(m, p, s, 9, "country", path, &bad);
	for (si = s->next; si >= 0 && !rc; si = m->segs[si].next) {
		const cseg *t = &m->segs[si];
		char tid[4];

		eg_mset_id(m, t, tid);
		if (!nad_member(tid) || (cta && !strcmp(tid, "CTA")))
			break; /* the next party, or a second contact */
		if (!strcmp(tid, "CTA")) {
			cta = 1;
			rc = eg_rnode_add(p, "contact", EG_RK_GROUP, 0, NULL, 0,
					  &contact);
			if (!rc)
				rc = party_put(m, contact, t, 2,
					       eg_mset_elem(m, t, 2, 2), "name",
					       path, &bad);
		} else if (!strcmp(tid, "COM") && contact) {
			eg_span ch = eg_mset_elem(m, t, 1, 2);
			const char *what = eg_span_eq(ch, "TE")	  ? "phone"
					   : eg_span_eq(ch, "EM") ? "email"
								  : NULL;

			if (what && !eg_rnode_child(contact, what))
				rc = party_put(m, contact, t, 1,
					       eg_mset_elem(m, t, 1, 1), what,
					       path, &bad);
		}
	}
	if (!rc && contact && !contact->child)
		eg_rnode_free(contact);
	if (!rc && !bad && !eg_rnode_child(p, "id") &&
	    !eg_rnode_child(p, "name"))
		eg_mapper_finding(m, s, 2, "map-missing-field",
			"%s: the party has neither an id (NAD02) nor a name "
			"(NAD04, NAD03)", path);
	return rc;
}

/* A party from the N1 loop starting at segment n1. */
eg_err
eg_mfield_build_party(eg_mapper *m, eg_rnode *parent, const cfield *cf, int n1,
	    const char *path)
{
	eg_rnode *p, *contact = NULL;
	const cseg *s = &m->segs[n1];
	int si, bad = 0, phase;
	eg_err rc;
	eg_span id = eg_mset_elem(m, s, 4, 0), q = eg_mset_elem(m, s, 3, 0);

	if ((rc = eg_rnode_add(parent, cf->name, EG_RK_GROUP, 0, NULL, 0,
			       &p)) != EG_OK)
		return rc;
	if (eg_mset_is(m, s, "NAD"))
		return build_nad(m, p, n1, path);
	if (id.len && !q.len) {
		eg_mapper_finding(m, s, 3, "map-missing-field",
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
			char tid[4];

			eg_mset_id(m, t, tid);
			if (!party_member(tid))
				break;
			if (phase == 0 && !strcmp(tid, "N2")) {
				unsigned e;

				for (e = 1; e <= 2 && !rc; e++)
					if (count_named(p, "additionalName") < 2)
						rc = party_value(m, p, t, e,
								 "additionalName",
								 path, &bad);
			} else if (phase == 1 && !strcmp(tid, "N3")) {
				unsigned e;

				for (e = 1; e <= 2 && !rc; e++)
					if (count_named(p, "addressLine") < 4)
						rc = party_value(m, p, t, e,
								 "addressLine",
								 path, &bad);
			} else if (phase == 2 && !strcmp(tid, "N4") &&
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
				   (!strcmp(tid, "PER") ||
				    !strcmp(tid, "G61"))) {
				unsigned e;

				rc = eg_rnode_add(p, "contact", EG_RK_GROUP, 0,
						  NULL, 0, &contact);
				if (!rc)
					rc = party_value(m, contact, t, 2, "name",
							 path, &bad);
				for (e = 3; e + 1 <= 8 && !rc; e += 2) {
					eg_span qq = eg_mset_elem(m, t, e, 0);

					if (eg_span_eq(qq, "TE") &&
					    !eg_rnode_child(contact, "phone"))
						rc = party_value(m, contact, t,
								 e + 1, "phone",
								 path, &bad);
				}
				for (e = 3; e + 1 <= 8 && !rc; e += 2) {
					eg_span qq = eg_mset_elem(m, t, e, 0);

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
		eg_mapper_finding(m, s, 2, "map-missing-field",
			"%s: the party has neither an id (N103/N104) nor a "
			"name (N102)", path);
	return rc;
}

/* A party field: the first N1 (of this unit, or inherited) that meets
 * the rule. */
eg_err
eg_mfield_eval_party(eg_mapper *m, int unit, mpfield *pf, const cfield *cf,
		     eg_rnode *parent)
{
	const char *path = pf->path;
	rulelist scratch;
	const rulelist *rl;
	size_t i;

	if (m->ship_to_unit >= 0 && !strcmp(path, "shipTo"))
		return eg_mfield_build_party(m, parent, cf, m->ship_to_unit, path);
	rl = eg_mplan_rules(m, pf, &scratch);
	for (i = 0; i < rl->n; i++) {
		const mfield *f = rl->r[i];
		int u;

		for (u = unit; u >= 0; u = f->inherit ? m->units[u].parent : -1) {
			int si;

			if (!(m->units[u].tags & eg_mset_tagbit(f->src[0].tagn)))
				continue; /* no segment of the rule's tag */
			for (si = m->units[u].head; si >= 0;
			     si = m->segs[si].next, m->counts.steps++)
				if (eg_mset_tag(m, &m->segs[si]) ==
					f->src[0].tagn &&
				    conds_ok(m, &m->segs[si], f))
					return eg_mfield_build_party(m, parent, cf, si,
							   path);
		}
	}
	return EG_OK;
}

void
eg_mfield_cache_free(eg_mapper *m)
{
	size_t i;

	if (!m->rcache)
		return;
	for (i = 0; i < MAP_RULE_CACHE; i++)
		free(m->rcache[i]);
	free(m->rcache);
	m->rcache = NULL;
}
