/*
 * mapfile.c - load map files (edi/maps/<set>.xml) and check their meaning.
 *
 * The XSD (schemas/edi-map.xsd) settles the form; this file checks what it
 * cannot: every path names a canonical field of the record, every source
 * and condition names an X12 position, every level is one of the record's.
 * A map that fails is a configuration error naming file and line.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/guide.h"
#include "edigate/x12.h"
#include "edigate/xml.h"
#include "map_int.h"

struct eg_maps {
	char *datadir;
	char xsd[PATH_MAX];
	size_t n;
	eg_map **maps; /* loaded, by set (and those loaded by path) */
};

int
eg_mterm_parse(mterm *t, const char *s, size_t n)
{
	size_t taglen, i;
	unsigned e = 0, c = 0;
	const char *dash = memchr(s, '-', n);
	size_t base = dash ? (size_t)(dash - s) : n;

	memset(t, 0, sizeof(*t));
	/* SEG + two-digit element: the tag is what precedes the last two
	 * digits (N104 -> N1 04, W0604 -> W06 04) */
	if (base < 4 || base > 5)
		return -1;
	taglen = base - 2;
	for (i = 0; i < taglen; i++) {
		char ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return -1;
		t->tag[i] = ch;
	}
	if (t->tag[0] < 'A' || t->tag[0] > 'Z')
		return -1;
	for (i = taglen; i < base; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		e = e * 10 + (unsigned)(s[i] - '0');
	}
	if (dash) {
		if ((size_t)(dash - s) + 1 >= n || n - base > 3)
			return -1;
		for (i = base + 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			c = c * 10 + (unsigned)(s[i] - '0');
		}
		if (c == 0)
			return -1;
	}
	if (e == 0)
		return -1;
	t->elem = (uint16_t)e;
	t->comp = (uint16_t)c;
	t->tagn = EG_X12_TAG(t->tag[0], t->tag[1], t->tag[2]);
	return 0;
}

int
eg_mfield_parse(mfield *f, const char *source, const char *when,
		const char *uom, char *err, size_t errcap)
{
	const char *p;

	f->nsrc = 0;
	for (p = source; p && *p;) {
		size_t k = strcspn(p, "+");

		if (f->nsrc == MAP_MAX_TERMS ||
		    eg_mterm_parse(&f->src[f->nsrc], p, k)) {
			snprintf(err, errcap,
				 "source '%s' is not SEGnn[-c][+SEGnn...]",
				 source);
			return -1;
		}
		if (f->nsrc && f->src[f->nsrc].tagn != f->src[0].tagn) {
			snprintf(err, errcap,
				 "source '%s': joined elements must be in "
				 "one segment", source);
			return -1;
		}
		f->nsrc++;
		p += k + (p[k] == '+');
	}
	/* A party names its N1 segment only: "N1" */
	if (source && !f->nsrc) {
		snprintf(err, errcap, "source is empty");
		return -1;
	}
	f->nwhen = 0;
	for (p = when; p && *p;) {
		size_t k = strcspn(p, " "), t;
		mcond *c;

		if (k == 0) {
			p++;
			continue;
		}
		if (f->nwhen == MAP_MAX_CONDS) {
			snprintf(err, errcap, "when '%s': at most %d conditions",
				 when, MAP_MAX_CONDS);
			return -1;
		}
		c = &f->when[f->nwhen++];
		t = strcspn(p, "= ");
		if (t > k)
			t = k;
		if (eg_mterm_parse(&c->t, p, t) ||
		    (f->nsrc && c->t.tagn != f->src[0].tagn) ||
		    (p[t] == '=' && (k - t - 1 == 0 ||
				     k - t - 1 >= sizeof(c->vals)))) {
			snprintf(err, errcap,
				 "when '%s': each condition is SEGnn=V[|V...] "
				 "or SEGnn, on the source's segment", when);
			return -1;
		}
		c->vals[0] = '\0';
		if (p[t] == '=')
			snprintf(c->vals, sizeof(c->vals), "%.*s",
				 (int)(k - t - 1), p + t + 1);
		p += k;
	}
	f->has_uom = 0;
	if (uom && *uom) {
		if (eg_mterm_parse(&f->uom, uom, strlen(uom)) ||
		    (f->nsrc && f->uom.tagn != f->src[0].tagn)) {
			snprintf(err, errcap,
				 "uom '%s' is not an element of the source's "
				 "segment", uom);
			return -1;
		}
		f->has_uom = 1;
	}
	return 0;
}

const mcodes *
eg_map_codes(const eg_map *m, const char *name)
{
	size_t i;

	for (i = 0; m && i < m->ncodes; i++)
		if (!strcmp(m->codes[i].name, name))
			return &m->codes[i];
	return NULL;
}

const char *
eg_mcodes_get(const mcodes *c, const char *code)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->x12[i], code))
			return c->ours[i];
	return NULL;
}

const char *
eg_map_record(const eg_map *m)
{
	return m->record;
}

int
eg_map_key_source(const eg_map *m, const char **name, char tag[4],
		  unsigned *elem, unsigned *comp)
{
	size_t i;

	if (!m || m->nkeys == 0)
		return 0;
	for (i = 0; i < m->nfields; i++) {
		const mfield *f = &m->fields[i];

		if (strcmp(f->path, m->keys[0].path) || f->nsrc != 1)
			continue;
		*name = m->keys[0].name;
		memcpy(tag, f->src[0].tag, 4);
		*elem = f->src[0].elem;
		*comp = f->src[0].comp;
		return 1;
	}
	return 0;
}

static void
map_free(eg_map *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; m->codes && i < m->ncodes; i++) {
		for (j = 0; j < m->codes[i].n; j++) {
			free(m->codes[i].x12 ? m->codes[i].x12[j] : NULL);
			free(m->codes[i].ours ? m->codes[i].ours[j] : NULL);
		}
		free(m->codes[i].x12);
		free(m->codes[i].ours);
	}
	free(m->codes);
	free(m->fields);
	free(m->path);
	free(m);
}

static void
cpy(char *dst, size_t cap, const eg_xml_node *n, const char *name)
{
	const char *v = eg_xml_attr(n, name);

	snprintf(dst, cap, "%s", v ? v : "");
}

static int
truthy(const eg_xml_node *n, const char *name)
{
	const char *v = eg_xml_attr(n, name);

	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

static eg_err
bad(eg_error *e, const eg_map *m, const eg_xml_node *n, const char *what)
{
	return eg_fail(e, EG_ECONFIG, "%s:%ld: %s", m->path, eg_xml_line(n),
		       what);
}

static eg_err
read_level(eg_map *m, const eg_xml_node *k, eg_error *e)
{
	mlevel *l;
	char msg[160];

	if (m->nlevels == MAP_MAX_LEVELS)
		return bad(e, m, k, "too many levels");
	l = &m->levels[m->nlevels++];
	cpy(l->name, sizeof(l->name), k, "name");
	cpy(l->hl, sizeof(l->hl), k, "hl");
	cpy(l->open, sizeof(l->open), k, "open");
	cpy(l->end, sizeof(l->end), k, "end");
	cpy(l->parent, sizeof(l->parent), k, "parent");
	cpy(l->requires, sizeof(l->requires), k, "requires");
	l->whole = truthy(k, "whole");
	l->header = truthy(k, "header");
	if (!l->header && !eg_canon_is_level(m->record, l->name)) {
		snprintf(msg, sizeof(msg),
			 "level '%s' is not a level of %s", l->name,
			 m->record);
		return bad(e, m, k, msg);
	}
	if (m->by_hl && !l->hl[0])
		return bad(e, m, k, "levels by HL need hl=\"codes\"");
	if (!m->by_hl && !l->whole && !l->open[0])
		return bad(e, m, k, "levels by loop need open=\"SEG\"");
	return EG_OK;
}

static eg_err
read_codes(eg_map *m, mcodes *c, const eg_xml_node *k, eg_error *e)
{
	const eg_xml_node *x;
	size_t i = 0;

	cpy(c->name, sizeof(c->name), k, "name");
	for (x = eg_xml_first(k); x; x = eg_xml_next(x))
		c->n++;
	c->x12 = calloc(c->n + 1, sizeof(char *));
	c->ours = calloc(c->n + 1, sizeof(char *));
	if (!c->x12 || !c->ours)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	for (x = eg_xml_first(k); x; x = eg_xml_next(x), i++) {
		c->x12[i] = strdup(eg_xml_attr(x, "x12"));
		c->ours[i] = strdup(eg_xml_attr(x, "ours"));
		if (!c->x12[i] || !c->ours[i])
			return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	(void)m;
	return EG_OK;
}

/* Is path a field, a party, or a group member of the record? */
static int
path_ok(const eg_map *m, const char *path)
{
	return eg_canon_field(m->record, path) != NULL;
}

static eg_err
read_field(eg_map *m, mfield *f, const eg_xml_node *k, eg_error *e)
{
	const char *v;
	char msg[200], why[160];
	const cfield *cf;

	cpy(f->path, sizeof(f->path), k, "path");
	f->file = m->path;
	f->line = eg_xml_line(k);
	if (!path_ok(m, f->path)) {
		snprintf(msg, sizeof(msg), "'%s' is not a field of %s",
			 f->path, m->record);
		return bad(e, m, k, msg);
	}
	cf = eg_canon_field(m->record, f->path);
	if (eg_mfield_parse(f, eg_xml_attr(k, "source"), eg_xml_attr(k, "when"),
			    eg_xml_attr(k, "uom"), why, sizeof(why)))
		return bad(e, m, k, why);
	cpy(f->pairs, sizeof(f->pairs), k, "pairs");
	cpy(f->codes, sizeof(f->codes), k, "codes");
	cpy(f->uom_codes, sizeof(f->uom_codes), k, "uom-codes");
	cpy(f->uom_fixed, sizeof(f->uom_fixed), k, "uom-value");
	cpy(f->versions, sizeof(f->versions), k, "versions");
	if ((v = eg_xml_attr(k, "value")) != NULL) {
		f->has_value = 1;
		snprintf(f->value, sizeof(f->value), "%s", v);
	}
	if ((v = eg_xml_attr(k, "default")) != NULL) {
		f->has_dflt = 1;
		snprintf(f->dflt, sizeof(f->dflt), "%s", v);
	}
	f->inherit = truthy(k, "inherit");
	f->counter = truthy(k, "counter");
	if (!f->nsrc && !f->has_value && !f->counter && !f->has_dflt)
		return bad(e, m, k,
			   "a field needs source=, value=, default= or "
			   "counter=\"true\"");
	if (cf->type == CT_PARTY && (f->nsrc != 1 || f->src[0].elem != 1))
		return bad(e, m, k,
			   "a party's source is the entity code of its loop's "
			   "first segment (N101)");
	if ((cf->type == CT_QUANTITY || cf->type == CT_WEIGHT ||
	     cf->type == CT_VOLUME) &&
	    f->nsrc && !f->has_uom && !f->uom_fixed[0])
		return bad(e, m, k, "a measure needs uom= or uom-value=");
	return EG_OK;
}

static eg_err
map_read(eg_maps *ms, const char *path, eg_map **out, eg_error *e)
{
	eg_xml *x = NULL;
	const eg_xml_node *root, *k, *l;
	eg_map *m;
	size_t nf = 0, nc = 0;
	eg_err rc;

	*out = NULL;
	rc = eg_xml_load(&x, path, ms->xsd, e);
	if (rc)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	root = eg_xml_root(x);
	cpy(m->set, sizeof(m->set), root, "set");
	cpy(m->versions, sizeof(m->versions), root, "versions");
	cpy(m->record, sizeof(m->record), root, "record");
	m->split_ship_to = eg_xml_attr(root, "split") &&
			   !strcmp(eg_xml_attr(root, "split"), "ship-to");
	if (!eg_canon_shape(m->record)) {
		rc = bad(e, m, root, "unknown record type");
		goto out;
	}
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		nf += !strcmp(eg_xml_name(k), "field");
		nc += !strcmp(eg_xml_name(k), "codes");
	}
	m->fields = calloc(nf + 1, sizeof(*m->fields));
	m->codes = calloc(nc + 1, sizeof(*m->codes));
	if (!m->fields || !m->codes) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	for (k = eg_xml_first(root); k && !rc; k = eg_xml_next(k)) {
		const char *name = eg_xml_name(k);

		if (!strcmp(name, "levels")) {
			m->by_hl = eg_xml_attr(k, "by") &&
				   !strcmp(eg_xml_attr(k, "by"), "hl");
			for (l = eg_xml_first(k); l && !rc; l = eg_xml_next(l))
				rc = read_level(m, l, e);
		} else if (!strcmp(name, "codes")) {
			rc = read_codes(m, &m->codes[m->ncodes++], k, e);
		} else if (!strcmp(name, "field")) {
			rc = read_field(m, &m->fields[m->nfields++], k, e);
		} else if (!strcmp(name, "key")) {
			mkey *key;

			if (m->nkeys == MAP_MAX_KEYS) {
				rc = bad(e, m, k, "too many keys");
				break;
			}
			key = &m->keys[m->nkeys++];
			cpy(key->name, sizeof(key->name), k, "name");
			cpy(key->path, sizeof(key->path), k, "path");
			if (!eg_canon_field(m->record, key->path))
				rc = bad(e, m, k, "the key's path is not a field");
		}
	}
out:
	eg_xml_free(x);
	if (rc) {
		map_free(m);
		return rc;
	}
	*out = m;
	return EG_OK;
}

eg_err
eg_maps_new(eg_maps **out, const char *datadir, eg_error *e)
{
	eg_maps *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->datadir = strdup(datadir))) {
		free(m);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if ((size_t)snprintf(m->xsd, sizeof(m->xsd), "%s/schemas/edi-map.xsd",
			     datadir) >= sizeof(m->xsd)) {
		eg_maps_free(m);
		return eg_fail(e, EG_ECONFIG, "data directory path too long");
	}
	*out = m;
	return EG_OK;
}

void
eg_maps_free(eg_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		map_free(m->maps[i]);
	free(m->maps);
	free(m->datadir);
	free(m);
}

static eg_err
keep(eg_maps *ms, eg_map *m, eg_error *e)
{
	eg_map **nm = realloc(ms->maps, (ms->n + 1) * sizeof(*nm));

	if (!nm) {
		map_free(m);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	ms->maps = nm;
	ms->maps[ms->n++] = m;
	return EG_OK;
}

eg_err
eg_maps_load(eg_maps *ms, const char *path, const eg_map **out, eg_error *e)
{
	eg_map *m;
	eg_err rc = map_read(ms, path, &m, e);

	*out = NULL;
	if (rc)
		return rc;
	if ((rc = keep(ms, m, e)) != EG_OK)
		return rc;
	*out = m;
	return EG_OK;
}

/* Does the space-separated list hold word (n bytes)? */
static int
list_has(const char *list, const char *w, size_t n)
{
	const char *p = list;

	while (*p) {
		size_t k = strcspn(p, " ");

		if (k == n && !memcmp(p, w, n))
			return 1;
		p += k;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* Does the release list name this release: an entry that starts it
 * (X12: GS08's first six characters, "004010" for "004010VICS";
 * EDIFACT: the directory, "D96A")? */
static int
release_in(const char *list, const char *release)
{
	const char *p = list;

	while (*p) {
		size_t k = strcspn(p, " ");

		if (k && !strncmp(p, release, k))
			return 1;
		p += k;
		while (*p == ' ')
			p++;
	}
	return 0;
}

eg_err
eg_maps_find(eg_maps *ms, const char *set, const char *gs08,
	     const eg_map **out, eg_error *e)
{
	char path[PATH_MAX];
	eg_map *m = NULL;
	size_t i;
	FILE *f;
	eg_err rc;

	*out = NULL;
	for (i = 0; i < ms->n; i++)
		if (!strcmp(ms->maps[i]->set, set) &&
		    !strncmp(ms->maps[i]->path, ms->datadir,
			     strlen(ms->datadir))) {
			m = ms->maps[i];
			break;
		}
	if (!m) {
		if ((size_t)snprintf(path, sizeof(path), "%s/edi/maps/%s.xml",
				     ms->datadir, set) >= sizeof(path))
			return eg_fail(e, EG_ECONFIG, "map path too long");
		if (!(f = fopen(path, "r")))
			return EG_OK; /* no map shipped for this set */
		fclose(f);
		if ((rc = map_read(ms, path, &m, e)) != EG_OK)
			return rc;
		if ((rc = keep(ms, m, e)) != EG_OK)
			return rc;
	}
	if (release_in(m->versions, gs08))
		*out = m;
	return EG_OK;
}

/* ---- code-list coverage (partner check) ---- */

typedef struct cover {
	const eg_map *m;
	const eg_profile *p;
	eg_pcheck_fn fn;
	void *ud;
	unsigned gaps;
} cover;

static void
cover_say(cover *c, const char *fmt, ...) EG_PRINTF(2, 3);

static void
cover_say(cover *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->gaps++;
	c->fn(c->ud, EG_PCHECK_ERROR, msg);
}

/* The codes in force at position t of segment nodes in the guide tree. */
static void
cover_walk(cover *c, const eg_gnode *n, const mterm *t, const char *list,
	   const char *path, const char *release)
{
	size_t i, j;

	if (n->seg && n->seg->tag == t->tagn) {
		for (i = 0; i < n->seg->n; i++) {
			const eg_use *u = &n->seg->e[i];
			const eg_codes *codes = NULL;

			if (u->pos != t->elem)
				continue;
			if (t->comp && u->comp) {
				const eg_use *cu = u->cuse ? u->cuse : u->comp->c;

				for (j = 0; j < u->comp->n; j++)
					if (cu[j].pos == t->comp)
						codes = cu[j].codes ? cu[j].codes
						       : cu[j].el ? cu[j].el->codes
								  : NULL;
			} else {
				codes = u->eff ? u->eff
				      : u->codes ? u->codes
				      : u->el ? u->el->codes : NULL;
			}
			for (j = 0; codes && j < codes->n; j++) {
				const eg_profile_codemap *cm =
					eg_profile_codemap_find(c->p, list);
				const mcodes *mc = eg_map_codes(c->m, list);

				if ((cm && eg_profile_code(cm, codes->v[j])) ||
				    (mc && eg_mcodes_get(mc, codes->v[j])))
					continue;
				cover_say(c,
					  "code list '%s' does not cover '%s', "
					  "which guide %s %s allows in %s%02u "
					  "(%s): a document using it would be "
					  "rejected",
					  list, codes->v[j], c->m->set, release,
					  t->tag, t->elem, path);
			}
		}
	}
	for (i = 0; n->loop && i < n->n; i++)
		cover_walk(c, &n->kids[i], t, list, path, release);
}

unsigned
eg_map_check_codes(const eg_map *m, const eg_profile *p,
		   const struct eg_guide *g, eg_pcheck_fn fn, void *ud)
{
	cover c = {m, p, fn, ud, 0};
	size_t i;

	for (i = 0; p && i < p->nfields; i++) {
		const eg_profile_field *pf = &p->fields[i];
		mfield f;
		char why[160];

		if (strcmp(pf->set, m->set))
			continue;
		memset(&f, 0, sizeof(f));
		if (!eg_canon_field(m->record, pf->path))
			cover_say(&c, "line %ld: mapping for %s: '%s' is not a "
				      "field of %s", pf->line, m->set, pf->path,
				  m->record);
		else if (eg_mfield_parse(&f, pf->source, pf->when, pf->uom, why,
					 sizeof(why)))
			cover_say(&c, "line %ld: mapping for %s, field %s: %s",
				  pf->line, m->set, pf->path, why);
	}
	for (i = 0; g && i < m->nfields; i++) {
		const mfield *f = &m->fields[i];
		const eg_profile_codemap *cm;
		const cfield *cf = eg_canon_field(m->record, f->path);
		const char *ul;

		if (f->versions[0] && !list_has(f->versions, g->release, 6))
			continue;
		if (f->codes[0] && f->nsrc && !f->pairs[0] &&
		    (cm = eg_profile_codemap_find(p, f->codes)) && !cm->dflt)
			cover_walk(&c, &g->root, &f->src[0], f->codes, f->path,
				   g->release);
		ul = f->uom_codes[0] ? f->uom_codes
				     : cf ? eg_canon_unit_codes(cf->type) : "";
		if (f->has_uom && (cm = eg_profile_codemap_find(p, ul)) &&
		    !cm->dflt)
			cover_walk(&c, &g->root, &f->uom, ul, f->path,
				   g->release);
	}
	return c.gaps;
}
