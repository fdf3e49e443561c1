/*
 * guide.c - load implementation guides (edi/x12/RELEASE/SET.xml).
 *
 * Everything a guide store loads is allocated from one arena and freed at
 * once.  Dictionaries are loaded per release on first use, following their
 * base chain; a guide's structure holds resolved pointers, so validation
 * never looks anything up by name.
 *
 * Invariants after a successful load: every eg_use has exactly one of el /
 * comp; every loop's first child is a segment with usage M (its trigger);
 * the root starts with ST and ends with SE; code sets are sorted.
 */
#include "edigate/guide.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edigate/xml.h"

#include "guide_int.h"

/* --- helpers -------------------------------------------------------------- */

typedef struct lctx {
	eg_guides *g;
	const eg_xml *x;
	eg_error *e;
} lctx;

static eg_err
bad(lctx *c, const eg_xml_node *n, const char *fmt, const char *a,
    const char *b)
{
	return eg_fail(c->e, EG_ECONFIG, "%s:%ld: %s%s%s%s", eg_xml_path(c->x),
		       n ? eg_xml_line(n) : 0L, fmt, a ? a : "", b ? " " : "",
		       b ? b : "");
}

static eg_err
oom(lctx *c)
{
	return eg_fail(c->e, EG_ENOMEM, "out of memory loading %s",
		       eg_xml_path(c->x));
}

static int
is(const eg_xml_node *n, const char *name)
{
	return strcmp(eg_xml_name(n), name) == 0;
}

static unsigned long
num_attr(const eg_xml_node *n, const char *name, unsigned long dflt)
{
	const char *v = eg_xml_attr(n, name);
	char *end;
	unsigned long r;

	if (!v || !*v)
		return dflt;
	if (strcmp(v, "unbounded") == 0)
		return 0;
	r = strtoul(v, &end, 10);
	return *end ? dflt : r;
}

static char
usage_attr(const eg_xml_node *n)
{
	const char *u = eg_xml_attr(n, "usage");

	return u && *u ? u[0] : 'O';
}

static int
cmp_code(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
eg_codes_has(const eg_codes *c, const char *v, size_t n)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strncmp(c->v[mid], v, n);

		if (r == 0 && c->v[mid][n] != '\0')
			r = 1;
		if (r == 0)
			return 1;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Read <code value= name=> children into a sorted set (NULL if none). */
static eg_err
read_codes(lctx *c, const eg_xml_node *n, const eg_codes **out)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0, j;
	eg_codes *cs;
	const char **pairs;

	*out = NULL;
	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt += is(k, "code");
	if (cnt == 0)
		return EG_OK;
	cs = eg_guide_arena_alloc(c->g, sizeof(*cs));
	pairs = eg_guide_arena_alloc(c->g, 2 * cnt * sizeof(*pairs));
	if (!cs || !pairs)
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		if (!is(k, "code"))
			continue;
		/* value and name stored next to each other so one sort
		 * keeps them together */
		pairs[2 * i] = eg_guide_arena_str(c->g, eg_xml_attr(k, "value"));
		pairs[2 * i + 1] = eg_xml_attr(k, "name")
				       ? eg_guide_arena_str(c->g, eg_xml_attr(k, "name"))
				       : NULL;
		i++;
	}
	qsort(pairs, cnt, 2 * sizeof(*pairs), cmp_code);
	cs->v = eg_guide_arena_alloc(c->g, cnt * sizeof(*cs->v));
	cs->names = eg_guide_arena_alloc(c->g, cnt * sizeof(*cs->names));
	if (!cs->v || !cs->names)
		return oom(c);
	for (i = 0, j = 0; i < cnt; i++) {
		if (j > 0 && strcmp(cs->v[j - 1], pairs[2 * i]) == 0)
			return bad(c, n, "code listed twice: ", pairs[2 * i],
				   NULL);
		cs->v[j] = pairs[2 * i];
		cs->names[j] = pairs[2 * i + 1];
		j++;
	}
	cs->n = j;
	*out = cs;
	return EG_OK;
}

static eg_err
load_file(eg_guides *g, const char *path, eg_xml **x, eg_error *e)
{
	return eg_xml_load(x, path, g->xsd, e);
}

/* --- code lists ------------------------------------------------------------ */

static eg_err
get_codelist(lctx *c, const eg_xml_node *at, const char *name,
	     const eg_codes **out)
{
	eg_guides *g = c->g;
	char path[PATH_MAX];
	eg_xml *x = NULL;
	clist *l;
	lctx sub;
	eg_err rc;

	for (l = g->lists; l; l = l->next)
		if (strcmp(l->name, name) == 0) {
			*out = &l->codes;
			return EG_OK;
		}
	if (strlen(name) >= sizeof(l->name) || strchr(name, '/') ||
	    (size_t)snprintf(path, sizeof(path), "%s/edi/codelists/%s.xml",
			     g->datadir, name) >= sizeof(path))
		return bad(c, at, "bad code list name ", name, NULL);
	rc = load_file(g, path, &x, c->e);
	if (rc)
		return rc;
	sub.g = g;
	sub.x = x;
	sub.e = c->e;
	l = eg_guide_arena_alloc(g, sizeof(*l));
	if (!l) {
		eg_xml_free(x);
		return oom(c);
	}
	rc = read_codes(&sub, eg_xml_root(x), out);
	if (rc == EG_OK && !*out)
		rc = bad(&sub, eg_xml_root(x), "code list is empty", NULL, NULL);
	if (rc == EG_OK) {
		memcpy(l->name, name, strlen(name) + 1);
		l->codes = **out;
		l->codes.list = eg_guide_arena_str(g, name);
		l->next = g->lists;
		g->lists = l;
		*out = &l->codes;
	}
	eg_xml_free(x);
	return rc;
}

/* --- dictionaries ---------------------------------------------------------- */

static const eg_edef *
dict_elem(const dict *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->ne; i++)
			if (strcmp(d->e[i]->id, id) == 0)
				return d->e[i];
	return NULL;
}

static const eg_cdef *
dict_comp(const dict *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->nc; i++)
			if (strcmp(d->c[i]->id, id) == 0)
				return d->c[i];
	return NULL;
}

static const eg_sdef *
dict_seg(const dict *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->ns; i++)
			if (strcmp(d->s[i]->id, id) == 0)
				return d->s[i];
	return NULL;
}

static int
grow(void **arr, size_t *cap, size_t n)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return 1;
	nc = *cap ? *cap * 2 : 64;
	p = realloc(*arr, nc * sizeof(void *));
	if (!p)
		return 0;
	*arr = p;
	*cap = nc;
	return 1;
}

static eg_err
parse_type(lctx *c, const eg_xml_node *n, eg_edef *d)
{
	const char *t = eg_xml_attr(n, "type");

	if (strcmp(t, "AN") == 0)
		d->type = EG_T_AN;
	else if (strcmp(t, "ID") == 0)
		d->type = EG_T_ID;
	else if (strcmp(t, "DT") == 0)
		d->type = EG_T_DT;
	else if (strcmp(t, "TM") == 0)
		d->type = EG_T_TM;
	else if (strcmp(t, "R") == 0)
		d->type = EG_T_R;
	else if (strcmp(t, "B") == 0)
		d->type = EG_T_B;
	else if (t[0] == 'N' && t[1] >= '0' && t[1] <= '9' && !t[2]) {
		d->type = EG_T_N;
		d->decimals = (uint8_t)(t[1] - '0');
	} else
		return bad(c, n, "unknown element type ", t, NULL);
	return EG_OK;
}

static eg_err
read_syntax(lctx *c, const eg_xml_node *n, size_t maxpos, eg_syntax *s)
{
	const char *p = eg_xml_attr(n, "positions");
	char *end;

	memset(s, 0, sizeof(*s));
	s->rule = eg_xml_attr(n, "rule")[0];
	while (*p) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v == 0 || v > maxpos || s->n >= 16)
			return bad(c, n, "syntax note position out of range: ",
				   eg_xml_attr(n, "positions"), NULL);
		s->pos[s->n++] = (uint8_t)v;
		if (v >= 64)
			return bad(c, n, "syntax note positions must be below 64: ",
				   eg_xml_attr(n, "positions"), NULL);
		s->mask |= (uint64_t)1 << v;
		p = end;
		while (*p == ' ')
			p++;
	}
	if (s->n < 2)
		return bad(c, n, "a syntax note needs two or more positions",
			   NULL, NULL);
	s->first = (uint64_t)1 << s->pos[0];
	return EG_OK;
}

/* Fill the copied fields of a use (after any narrowing of it). */
static void
quick_fields(eg_use *u)
{
	if (!u->el) {
		u->quick = 0;
		u->eff = NULL;
		return;
	}
	u->quick = u->el->type == EG_T_AN || u->el->type == EG_T_ID;
	u->min = u->el->min;
	u->max = u->el->max;
	u->eff = u->codes ? u->codes : u->el->codes;
}

/* Element or component uses (children named tag) plus syntax notes. */
static eg_err
read_uses(lctx *c, const dict *d, const eg_xml_node *n, const char *tag,
	  const eg_use **uses, size_t *nuse, const eg_syntax **syn,
	  size_t *nsyn)
{
	const eg_xml_node *k;
	size_t cnt = 0, scnt = 0, i = 0, j = 0;
	eg_use *u;
	eg_syntax *s;
	eg_err rc;

	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		cnt += is(k, tag);
		scnt += is(k, "syntax");
	}
	u = eg_guide_arena_alloc(c->g, (cnt ? cnt : 1) * sizeof(*u));
	s = eg_guide_arena_alloc(c->g, (scnt ? scnt : 1) * sizeof(*s));
	if (!u || !s)
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		const char *el, *cp;

		if (!is(k, tag))
			continue;
		u[i].pos = (uint16_t)num_attr(k, "pos", 0);
		u[i].usage = usage_attr(k);
		u[i].repeat = (uint32_t)num_attr(k, "repeat", 1);
		el = eg_xml_attr(k, "element");
		cp = eg_xml_attr(k, "composite");
		if ((el != NULL) == (cp != NULL))
			return bad(c, k, "give exactly one of element= or "
					 "composite=",
				   NULL, NULL);
		if (el && !(u[i].el = dict_elem(d, el)))
			return bad(c, k, "no element ", el,
				   "in the dictionary");
		if (cp && !(u[i].comp = dict_comp(d, cp)))
			return bad(c, k, "no composite ", cp,
				   "in the dictionary");
		if (i > 0 && u[i].pos <= u[i - 1].pos)
			return bad(c, k, "positions must increase", NULL, NULL);
		quick_fields(&u[i]);
		i++;
	}
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		if (!is(k, "syntax"))
			continue;
		rc = read_syntax(c, k, cnt ? u[cnt - 1].pos : 0, &s[j++]);
		if (rc)
			return rc;
	}
	*uses = u;
	*nuse = cnt;
	*syn = s;
	*nsyn = scnt;
	return EG_OK;
}

static uint16_t
last_mandatory(const eg_sdef *sd)
{
	size_t i;
	uint16_t m = 0;

	for (i = 0; i < sd->n; i++)
		if (sd->e[i].usage == 'M')
			m = sd->e[i].pos;
	return m;
}

static eg_err
read_dict(lctx *c, dict *d)
{
	const eg_xml_node *root = eg_xml_root(c->x), *k;
	eg_err rc;

	/* Three passes: segments refer to composites refer to elements. */
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		eg_edef *ed;
		const char *cl;

		if (!is(k, "element"))
			continue;
		if (!grow((void **)&d->e, &d->cape, d->ne) ||
		    !(ed = eg_guide_arena_alloc(c->g, sizeof(*ed))))
			return oom(c);
		ed->id = eg_guide_arena_str(c->g, eg_xml_attr(k, "id"));
		ed->name = eg_guide_arena_str(c->g, eg_xml_attr(k, "name"));
		ed->min = (uint16_t)num_attr(k, "min", 0);
		ed->max = (uint16_t)num_attr(k, "max", 1);
		if (ed->min > ed->max)
			return bad(c, k, "min above max for element ", ed->id,
				   NULL);
		rc = parse_type(c, k, ed);
		if (!rc)
			rc = read_codes(c, k, &ed->codes);
		cl = eg_xml_attr(k, "codelist");
		if (!rc && cl) {
			if (ed->codes)
				return bad(c, k, "give codes inline or a "
						 "codelist, not both",
					   NULL, NULL);
			rc = get_codelist(c, k, cl, &ed->codes);
		}
		if (rc)
			return rc;
		d->e[d->ne++] = ed;
	}
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		eg_cdef *cd;

		if (!is(k, "composite"))
			continue;
		if (!grow((void **)&d->c, &d->capc, d->nc) ||
		    !(cd = eg_guide_arena_alloc(c->g, sizeof(*cd))))
			return oom(c);
		cd->id = eg_guide_arena_str(c->g, eg_xml_attr(k, "id"));
		cd->name = eg_guide_arena_str(c->g, eg_xml_attr(k, "name"));
		rc = read_uses(c, d, k, "component", &cd->c, &cd->n, &cd->syn,
			       &cd->nsyn);
		if (rc)
			return rc;
		d->c[d->nc++] = cd;
	}
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		eg_sdef *sd;
		const char *id;

		if (!is(k, "segment"))
			continue;
		if (!grow((void **)&d->s, &d->caps, d->ns) ||
		    !(sd = eg_guide_arena_alloc(c->g, sizeof(*sd))))
			return oom(c);
		id = eg_xml_attr(k, "id");
		memcpy(sd->id, id, strlen(id) < 3 ? strlen(id) : 3);
		sd->tag = (uint32_t)(unsigned char)sd->id[0] |
			  (uint32_t)(unsigned char)sd->id[1] << 8 |
			  (uint32_t)(unsigned char)sd->id[2] << 16;
		sd->name = eg_guide_arena_str(c->g, eg_xml_attr(k, "name"));
		rc = read_uses(c, d, k, "element", &sd->e, &sd->n, &sd->syn,
			       &sd->nsyn);
		if (rc)
			return rc;
		sd->last_m = last_mandatory(sd);
		d->s[d->ns++] = sd;
	}
	return EG_OK;
}

static int
valid_release(const char *r)
{
	size_t i;

	for (i = 0; r[i]; i++)
		if (r[i] < '0' || r[i] > '9')
			return 0;
	return i == 6;
}

static eg_err
get_dict(eg_guides *g, const char *release, int depth, const dict **out,
	 eg_error *e)
{
	char path[PATH_MAX];
	dentry *de;
	eg_xml *x = NULL;
	lctx c;
	const char *base;
	eg_err rc;

	*out = NULL;
	for (de = g->dicts; de; de = de->next)
		if (strcmp(de->d.release, release) == 0) {
			if (de->d.broken)
				return eg_fail(e, EG_ECONFIG,
					       "the %s dictionary failed to load "
					       "(see the first error)",
					       release);
			*out = &de->d;
			return EG_OK;
		}
	if (!valid_release(release) || depth > 4)
		return eg_fail(e, EG_ECONFIG, "bad release '%s'", release);
	snprintf(path, sizeof(path), "%s/edi/x12/%s/dictionary.xml", g->datadir,
		 release);
	rc = load_file(g, path, &x, e);
	if (rc)
		return rc;
	de = eg_guide_arena_alloc(g, sizeof(*de));
	if (!de) {
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	memcpy(de->d.release, release, strlen(release) + 1);
	c.g = g;
	c.x = x;
	c.e = e;
	base = eg_xml_attr(eg_xml_root(x), "base");
	if (base && (rc = get_dict(g, base, depth + 1, &de->d.base, e))) {
		eg_xml_free(x);
		return rc;
	}
	rc = read_dict(&c, &de->d);
	/* Linked in even on failure, so eg_guides_free frees its arrays,
	 * but marked so that it is never used half-read. */
	de->d.broken = rc != EG_OK;
	de->next = g->dicts;
	g->dicts = de;
	eg_xml_free(x);
	if (rc)
		return rc;
	*out = &de->d;
	return EG_OK;
}

eg_err
eg_guides_check_dictionary(eg_guides *g, const char *path, size_t *ne,
			   size_t *nc, size_t *ns, eg_error *e)
{
	eg_xml *x = NULL;
	dict d;
	lctx c;
	const char *base;
	eg_err rc;

	memset(&d, 0, sizeof(d));
	*ne = *nc = *ns = 0;
	rc = load_file(g, path, &x, e);
	if (rc)
		return rc;
	c.g = g;
	c.x = x;
	c.e = e;
	if (!is(eg_xml_root(x), "dictionary")) {
		rc = bad(&c, eg_xml_root(x), "not a dictionary (root element is ",
			 eg_xml_name(eg_xml_root(x)), ")");
		goto out;
	}
	base = eg_xml_attr(eg_xml_root(x), "base");
	if (base && (rc = get_dict(g, base, 1, &d.base, e)))
		goto out;
	rc = read_dict(&c, &d);
	*ne = d.ne;
	*nc = d.nc;
	*ns = d.ns;
out:
	free(d.e);
	free(d.c);
	free(d.s);
	eg_xml_free(x);
	return rc;
}

const eg_sdef *
eg_guides_segment(eg_guides *g, const char *release, const char *tag)
{
	const dict *d = NULL;
	eg_error e;

	memset(&e, 0, sizeof(e));
	if (get_dict(g, release, 0, &d, &e))
		return NULL;
	return dict_seg(d, tag);
}

/* --- guides ----------------------------------------------------------------- */

/* Apply <element pos usage><code/></element> narrowing to a node's copy of
 * its segment definition. */
static eg_err
narrow_segment(lctx *c, const eg_xml_node *n, const eg_sdef *base,
	       const eg_sdef **out)
{
	const eg_xml_node *k;
	eg_sdef *sd;
	eg_use *u;
	size_t i;
	eg_err rc;

	*out = base;
	if (!eg_xml_first(n))
		return EG_OK;
	sd = eg_guide_arena_alloc(c->g, sizeof(*sd));
	u = eg_guide_arena_alloc(c->g, (base->n ? base->n : 1) * sizeof(*u));
	if (!sd || !u)
		return oom(c);
	*sd = *base;
	memcpy(u, base->e, base->n * sizeof(*u));
	sd->e = u;
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		unsigned long pos = num_attr(k, "pos", 0);
		const eg_codes *cs = NULL;

		for (i = 0; i < sd->n && u[i].pos != pos; i++)
			;
		if (i == sd->n)
			return bad(c, k, "segment has no such element position in ",
				   base->id, NULL);
		if (eg_xml_attr(k, "component"))
			return bad(c, k, "component narrowing is not supported "
					 "yet",
				   NULL, NULL);
		if (eg_xml_attr(k, "usage"))
			u[i].usage = usage_attr(k);
		rc = read_codes(c, k, &cs);
		if (rc)
			return rc;
		if (cs) {
			size_t j;
			const eg_codes *all = u[i].el ? u[i].el->codes : NULL;

			for (j = 0; all && j < cs->n; j++)
				if (!eg_codes_has(all, cs->v[j], strlen(cs->v[j])))
					return bad(c, k, "narrowed code not in "
							 "the element's list: ",
						   cs->v[j], NULL);
			u[i].codes = cs;
		}
		quick_fields(&u[i]);
	}
	sd->last_m = last_mandatory(sd);
	*out = sd;
	return EG_OK;
}

static eg_err
read_nodes(lctx *c, const dict *d, const eg_xml_node *parent, eg_gnode *into,
	   int depth)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_gnode *kids;
	eg_err rc;

	if (depth > 16)
		return bad(c, parent, "loops nested too deep", NULL, NULL);
	for (k = eg_xml_first(parent); k; k = eg_xml_next(k))
		cnt += is(k, "segment") || is(k, "loop");
	kids = eg_guide_arena_alloc(c->g, (cnt ? cnt : 1) * sizeof(*kids));
	if (!kids)
		return oom(c);
	for (k = eg_xml_first(parent); k; k = eg_xml_next(k)) {
		eg_gnode *n = &kids[i];

		if (!is(k, "segment") && !is(k, "loop"))
			continue;
		n->usage = usage_attr(k);
		n->max = (uint32_t)num_attr(k, "max", 1);
		n->min = (uint32_t)num_attr(k, "min", n->usage == 'M');
		n->line = eg_xml_line(k);
		if (is(k, "segment")) {
			const char *ref = eg_xml_attr(k, "ref");
			const eg_sdef *sd = dict_seg(d, ref);

			if (!sd)
				return bad(c, k, "no segment ", ref,
					   "in the dictionary");
			rc = narrow_segment(c, k, sd, &n->seg);
			if (rc)
				return rc;
		} else {
			n->loop = 1;
			n->loop_id = eg_guide_arena_str(c->g, eg_xml_attr(k, "id"));
			rc = read_nodes(c, d, k, n, depth + 1);
			if (rc)
				return rc;
			if (n->n == 0 || n->kids[0].loop ||
			    n->kids[0].usage != 'M')
				return bad(c, k, "loop ", n->loop_id,
					   "must start with a mandatory segment");
			n->seg = n->kids[0].seg;
		}
		i++;
	}
	into->n = cnt;
	into->kids = kids;
	return EG_OK;
}

static eg_err
read_levels(lctx *c, const eg_xml_node *h, eg_guide *gd)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_hlevel *lv;

	for (k = eg_xml_first(h); k; k = eg_xml_next(k))
		cnt++;
	lv = eg_guide_arena_alloc(c->g, (cnt ? cnt : 1) * sizeof(*lv));
	if (!lv)
		return oom(c);
	for (k = eg_xml_first(h); k; k = eg_xml_next(k), i++) {
		const char *code = eg_xml_attr(k, "code");
		const char *par = eg_xml_attr(k, "parents");

		if (strlen(code) >= sizeof(lv[i].code) ||
		    (par && strlen(par) >= sizeof(lv[i].parents)))
			return bad(c, k, "level code or parents too long", NULL,
				   NULL);
		memcpy(lv[i].code, code, strlen(code) + 1);
		if (par)
			memcpy(lv[i].parents, par, strlen(par) + 1);
		lv[i].name = eg_guide_arena_str(c->g, eg_xml_attr(k, "name"));
	}
	gd->levels = lv;
	gd->nlevels = cnt;
	return EG_OK;
}

/* Deep copy of a structure, so a partner guide can narrow it. */
static eg_err
copy_nodes(lctx *c, const eg_gnode *from, eg_gnode *to)
{
	size_t i;
	eg_gnode *kids;

	*to = *from;
	if (!from->n)
		return EG_OK;
	kids = eg_guide_arena_alloc(c->g, from->n * sizeof(*kids));
	if (!kids)
		return oom(c);
	for (i = 0; i < from->n; i++)
		if (copy_nodes(c, &from->kids[i], &kids[i]))
			return oom(c);
	to->kids = kids;
	return EG_OK;
}

/* A copy of k's segment with element pos narrowed by restrict r. */
static eg_err
narrow_copy(lctx *c, const eg_xml_node *r, eg_gnode *k, unsigned pos)
{
	eg_sdef *sd = eg_guide_arena_alloc(c->g, sizeof(*sd));
	eg_use *u = eg_guide_arena_alloc(c->g, (k->seg->n ? k->seg->n : 1) * sizeof(*u));
	const eg_codes *cs = NULL;
	size_t i, j;
	eg_err rc;

	if (!sd || !u)
		return oom(c);
	*sd = *k->seg;
	memcpy(u, k->seg->e, k->seg->n * sizeof(*u));
	sd->e = u;
	for (i = 0; i < sd->n && u[i].pos != pos; i++)
		;
	if (i == sd->n)
		return bad(c, r, "no such element position: ",
			   eg_xml_attr(r, "path"), NULL);
	if (eg_xml_attr(r, "usage"))
		u[i].usage = usage_attr(r);
	rc = read_codes(c, r, &cs);
	if (rc)
		return rc;
	if (cs) {
		const eg_codes *all = u[i].el ? u[i].el->codes : NULL;

		if (!u[i].el)
			return bad(c, r, "codes narrow a simple element, not "
					 "composite ",
				   u[i].comp->id, NULL);
		for (j = 0; all && j < cs->n; j++)
			if (!eg_codes_has(all, cs->v[j], strlen(cs->v[j])))
				return bad(c, r, "narrowed code not in the "
						 "element's list: ",
					   cs->v[j], NULL);
		u[i].codes = cs;
	}
	quick_fields(&u[i]);
	sd->last_m = last_mandatory(sd);
	k->seg = sd;
	return EG_OK;
}

/*
 * Apply one <restrict path=...> to every matching segment under n: "SEG"
 * matches the segment anywhere, "LOOP/SEG" only as a child of loop LOOP;
 * with an element position ("BSN01", "HL/MAN01") it narrows that element.
 */
static eg_err
apply_restrict(lctx *c, const eg_xml_node *r, eg_gnode *n, const char *loop,
	       const char *seg, unsigned elem, int *hits)
{
	size_t i;
	eg_err rc;

	for (i = 0; i < n->n; i++) {
		eg_gnode *k = (eg_gnode *)&n->kids[i];

		if (k->loop) {
			rc = apply_restrict(c, r, k, loop, seg, elem, hits);
			if (rc)
				return rc;
			/* the trigger's definition is shared with the loop */
			k->seg = k->kids[0].seg;
			continue;
		}
		if (strcmp(k->seg->id, seg) != 0 ||
		    (loop && strcmp(n->loop_id, loop) != 0))
			continue;
		(*hits)++;
		if (elem) {
			rc = narrow_copy(c, r, k, elem);
			if (rc)
				return rc;
			continue;
		}
		if (eg_xml_attr(r, "usage")) {
			k->usage = usage_attr(r);
			k->min = k->usage == 'M';
		}
		k->min = (uint32_t)num_attr(r, "min", k->min);
		if (eg_xml_attr(r, "max"))
			k->max = (uint32_t)num_attr(r, "max", k->max);
	}
	return EG_OK;
}

static eg_err
read_restricts(lctx *c, const eg_xml_node *root, eg_guide *gd)
{
	const eg_xml_node *k;

	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		const char *path, *slash;
		char loop[32] = "", seg[4] = "";
		size_t idn = 0;
		unsigned elem = 0;
		int hits = 0;
		eg_err rc;

		if (!is(k, "restrict"))
			continue;
		path = eg_xml_attr(k, "path");
		slash = strchr(path, '/');
		if (slash) {
			if ((size_t)(slash - path) >= sizeof(loop))
				return bad(c, k, "loop id too long in ", path,
					   NULL);
			memcpy(loop, path, (size_t)(slash - path));
			path = slash + 1;
		}
		/* SEG is 2-3 characters; SEGnn adds a 2-digit position. */
		idn = strlen(path) <= 3 ? strlen(path) : strlen(path) - 2;
		if (idn < 2 || idn > 3 || path[0] < 'A' || path[0] > 'Z' ||
		    (path[idn] && strspn(path + idn, "0123456789") != 2))
			return bad(c, k, "restrict path must be SEG, LOOP/SEG, "
					 "SEGnn or LOOP/SEGnn: ",
				   eg_xml_attr(k, "path"), NULL);
		memcpy(seg, path, idn);
		if (path[idn])
			elem = (unsigned)((path[idn] - '0') * 10 +
					  (path[idn + 1] - '0'));
		rc = apply_restrict(c, k, &gd->root, loop[0] ? loop : NULL, seg,
				    elem, &hits);
		if (rc)
			return rc;
		if (hits == 0)
			return bad(c, k, "restrict matches no segment: ",
				   eg_xml_attr(k, "path"), NULL);
	}
	return EG_OK;
}

/* Build the flat per-child arrays of every loop (after narrowing). */
static eg_err
index_nodes(lctx *c, eg_gnode *n)
{
	uint32_t *tag, *min, *next;
	size_t i;
	eg_err rc;

	if (!n->loop)
		return EG_OK;
	tag = eg_guide_arena_alloc(c->g, (n->n ? n->n : 1) * sizeof(*tag));
	min = eg_guide_arena_alloc(c->g, (n->n ? n->n : 1) * sizeof(*min));
	next = eg_guide_arena_alloc(c->g, (n->n + 1) * sizeof(*next));
	if (!tag || !min || !next)
		return oom(c);
	for (i = 0; i < n->n; i++) {
		eg_gnode *k = (eg_gnode *)&n->kids[i];

		tag[i] = k->seg->tag;
		min[i] = k->min > 0 ? k->min : k->usage == 'M';
		rc = index_nodes(c, k);
		if (rc)
			return rc;
	}
	next[n->n] = (uint32_t)n->n;
	for (i = n->n; i-- > 0;)
		next[i] = min[i] ? (uint32_t)i : next[i + 1];
	n->ktag = tag;
	n->kmin = min;
	n->next_m = next;
	return EG_OK;
}

static eg_err
check_root(lctx *c, const eg_guide *gd)
{
	const eg_gnode *r = &gd->root;

	if (r->n < 2 || r->kids[0].loop || strcmp(r->kids[0].seg->id, "ST") ||
	    r->kids[r->n - 1].loop || strcmp(r->kids[r->n - 1].seg->id, "SE"))
		return bad(c, eg_xml_root(c->x),
			   "a transaction set guide starts with ST and ends "
			   "with SE",
			   NULL, NULL);
	return EG_OK;
}

static eg_err load_guide(eg_guides *g, const char *path, int depth,
			 const eg_guide **out, eg_error *e);

static eg_err
read_guide(lctx *c, const char *path, int depth, eg_guide *gd)
{
	const eg_xml_node *root = eg_xml_root(c->x), *k;
	const char *base = eg_xml_attr(root, "base");
	const dict *d = NULL;
	eg_err rc;

	if (!is(root, "guide"))
		return bad(c, root, "not a guide file (root element is ",
			   eg_xml_name(root), ")");
	gd->release = eg_guide_arena_str(c->g, eg_xml_attr(root, "release"));
	gd->set = eg_guide_arena_str(c->g, eg_xml_attr(root, "set"));
	gd->name = eg_guide_arena_str(c->g, eg_xml_attr(root, "name"));
	gd->path = eg_guide_arena_str(c->g, path);
	if (eg_xml_attr(root, "functional-id"))
		gd->fid = eg_guide_arena_str(c->g, eg_xml_attr(root, "functional-id"));
	if (eg_xml_attr(root, "business-key")) {
		const char *bk = eg_xml_attr(root, "business-key");
		size_t n = strlen(bk); /* the XSD made it SEG + 2 digits */

		memcpy(gd->key_name, bk, n < 7 ? n : 7);
		gd->key_pos =
		    (uint16_t)((bk[n - 2] - '0') * 10 + (bk[n - 1] - '0'));
		gd->key_tag = (uint32_t)(unsigned char)bk[0] |
			      (uint32_t)(unsigned char)bk[1] << 8 |
			      (uint32_t)(n == 5 ? (unsigned char)bk[2] : 0) << 16;
	}
	rc = get_dict(c->g, gd->release, 0, &d, c->e);
	if (rc)
		return rc;
	if (base) {
		char bpath[PATH_MAX];
		const eg_guide *bg = NULL;

		/* "856" or "x12/004010/856" -> the shipped guide; a path
		 * with ".xml" is taken relative to this file. */
		if (strstr(base, ".xml")) {
			const char *sl = strrchr(path, '/');

			snprintf(bpath, sizeof(bpath), "%.*s%s",
				 base[0] == '/' ? 0 : (int)(sl ? sl - path + 1 : 0),
				 path, base);
		} else if (strchr(base, '/')) {
			snprintf(bpath, sizeof(bpath), "%s/edi/%s.xml",
				 c->g->datadir, base);
		} else {
			snprintf(bpath, sizeof(bpath), "%s/edi/x12/%s/%s.xml",
				 c->g->datadir, gd->release, base);
		}
		rc = load_guide(c->g, bpath, depth + 1, &bg, c->e);
		if (rc)
			return rc;
		if (strcmp(bg->set, gd->set) || strcmp(bg->release, gd->release))
			return bad(c, root, "base guide is for another set or "
					    "release: ",
				   bpath, NULL);
		gd->base = bg->path;
		if (!gd->fid)
			gd->fid = bg->fid;
		if (!gd->key_tag) {
			gd->key_tag = bg->key_tag;
			gd->key_pos = bg->key_pos;
			memcpy(gd->key_name, bg->key_name, sizeof(gd->key_name));
		}
		gd->levels = bg->levels;
		gd->nlevels = bg->nlevels;
		rc = copy_nodes(c, &bg->root, &gd->root);
		if (rc)
			return rc;
		for (k = eg_xml_first(root); k; k = eg_xml_next(k))
			if (is(k, "segment") || is(k, "loop"))
				return bad(c, k, "a guide with base= narrows "
						 "with <restrict>, it does not "
						 "restate the structure",
					   NULL, NULL);
	} else {
		rc = read_nodes(c, d, root, &gd->root, 0);
		if (rc)
			return rc;
	}
	gd->root.loop = 1;
	gd->root.loop_id = "";
	gd->root.usage = 'M';
	gd->root.min = gd->root.max = 1;
	for (k = eg_xml_first(root); k; k = eg_xml_next(k))
		if (is(k, "hierarchy") && (rc = read_levels(c, k, gd)))
			return rc;
	rc = read_restricts(c, root, gd);
	if (!rc)
		rc = check_root(c, gd);
	if (!rc)
		rc = index_nodes(c, &gd->root);
	return rc;
}

static eg_err
load_guide(eg_guides *g, const char *path, int depth, const eg_guide **out,
	   eg_error *e)
{
	gentry *ge;
	eg_xml *x = NULL;
	lctx c;
	eg_err rc;

	*out = NULL;
	for (ge = g->guides; ge; ge = ge->next)
		if (strcmp(ge->key, path) == 0) {
			*out = &ge->g;
			return EG_OK;
		}
	if (depth > 4)
		return eg_fail(e, EG_ECONFIG, "%s: base guides nested too deep",
			       path);
	if (strlen(path) >= sizeof(ge->key))
		return eg_fail(e, EG_ECONFIG, "path too long: %s", path);
	rc = load_file(g, path, &x, e);
	if (rc)
		return rc;
	ge = eg_guide_arena_alloc(g, sizeof(*ge));
	if (!ge) {
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	c.g = g;
	c.x = x;
	c.e = e;
	rc = read_guide(&c, path, depth, &ge->g);
	eg_xml_free(x);
	if (rc)
		return rc;
	memcpy(ge->key, path, strlen(path) + 1);
	ge->next = g->guides;
	g->guides = ge;
	*out = &ge->g;
	return EG_OK;
}

eg_err
eg_guides_load(eg_guides *g, const char *path, const eg_guide **out,
	       eg_error *e)
{
	return load_guide(g, path, 0, out, e);
}

eg_err
eg_guides_find(eg_guides *g, const char *set, const char *gs08,
	       const eg_guide **out, eg_error *e)
{
	char release[8], path[PATH_MAX];
	struct stat st;
	size_t i;

	*out = NULL;
	for (i = 0; i < 6 && gs08[i] >= '0' && gs08[i] <= '9'; i++)
		release[i] = gs08[i];
	release[i] = '\0';
	if (i != 6 || strlen(set) != 3 || strspn(set, "0123456789") != 3)
		return EG_OK;
	snprintf(path, sizeof(path), "%s/edi/x12/%s/%s.xml", g->datadir, release,
		 set);
	if (stat(path, &st) != 0)
		return EG_OK;
	return load_guide(g, path, 0, out, e);
}

const char *
eg_etype_name(const eg_edef *d, char *buf, size_t cap)
{
	static const char *const n[] = {"AN", "ID", "DT", "TM", "R", "N", "B"};

	if (d->type == EG_T_N)
		snprintf(buf, cap, "N%u", (unsigned)d->decimals);
	else
		snprintf(buf, cap, "%s", n[d->type]);
	return buf;
}
