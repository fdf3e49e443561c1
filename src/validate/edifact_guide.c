/*
 * edifact_guide.c - load UN/EDIFACT message guides (edi/edifact/REL/).
 *
 * Everything a store loads comes from one arena, freed at once.  A
 * directory is loaded per release on first use, following its base
 * chain; a message guide holds resolved pointers (narrowed copies of the
 * directory's segments where it narrows), so the validator never looks
 * anything up by name.
 *
 * Invariants after a load: every eg_ed_use has exactly one of el / comp,
 * and a composite's use has cuse (its components as narrowed here);
 * positions run 1..n without gaps; every group's first child is a
 * segment with status M and max 1; the root starts with UNH and ends
 * with UNT; code sets are sorted.
 */
#include "edigate/edifact_guide.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edigate/xml.h"

#include "guide_arena.h"

#define MAX_DEPTH 12 /* group nesting followed (D01B DESADV goes to 5) */

typedef struct dir {
	struct dir *next;
	char release[16];
	int broken;
	const struct dir *base;
	size_t ne, nc, ns;
	eg_ed_elem **e;
	eg_ed_comp **c;
	eg_ed_seg **s;
} dir;

typedef struct gentry {
	struct gentry *next;
	char key[PATH_MAX];
	eg_ed_guide g;
} gentry;

struct eg_edguides {
	char *datadir;
	char xsd[PATH_MAX];
	block *blocks;
	dir *dirs;
	gentry *guides;
};

typedef struct lctx {
	eg_edguides *g;
	const eg_xml *x;
	eg_error *e;
} lctx;

static void *
arena(eg_edguides *g, size_t n)
{
	return eg_arena_alloc(&g->blocks, n);
}

static char *
astr(eg_edguides *g, const char *s)
{
	return eg_arena_str(&g->blocks, s);
}

static eg_err
bad(lctx *c, const eg_xml_node *n, const char *what, const char *a)
{
	return eg_fail(c->e, EG_ECONFIG, "%s:%ld: %s%s", eg_xml_path(c->x),
		       n ? eg_xml_line(n) : 0L, what, a ? a : "");
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

static const char *
attr(const eg_xml_node *n, const char *name)
{
	const char *v = eg_xml_attr(n, name);

	return v ? v : "";
}

static unsigned long
num(const eg_xml_node *n, const char *name, unsigned long dflt)
{
	const char *v = eg_xml_attr(n, name);
	char *end;
	unsigned long r;

	if (!v || !*v)
		return dflt;
	r = strtoul(v, &end, 10);
	return *end ? dflt : r;
}

int
eg_ed_repr_parse(const char *s, eg_ed_type *t, uint16_t *min, uint16_t *max)
{
	unsigned long v;
	int upto = 0;
	char *end;

	if (s[0] == 'a' && s[1] == 'n') {
		*t = EG_ED_AN;
		s += 2;
	} else if (s[0] == 'a' || s[0] == 'n') {
		*t = s[0] == 'a' ? EG_ED_A : EG_ED_N;
		s++;
	} else {
		return 0;
	}
	if (s[0] == '.' && s[1] == '.') {
		upto = 1;
		s += 2;
	}
	if (*s < '1' || *s > '9')
		return 0;
	v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > 9999)
		return 0;
	*max = (uint16_t)v;
	*min = upto ? 1 : (uint16_t)v;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* <code value=> children into a sorted set (NULL when none). */
static eg_err
read_codes(lctx *c, const eg_xml_node *n, const eg_codes **out)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_codes *cs;
	const char **v;

	*out = NULL;
	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt += is(k, "code");
	if (!cnt)
		return EG_OK;
	cs = arena(c->g, sizeof(*cs));
	v = arena(c->g, cnt * sizeof(*v));
	if (!cs || !v)
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		if (is(k, "code") && !(v[i++] = astr(c->g, attr(k, "value"))))
			return oom(c);
	qsort(v, cnt, sizeof(*v), cmp_str);
	for (i = 1; i < cnt; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			return bad(c, n, "code listed twice: ", v[i]);
	cs->n = cnt;
	cs->v = v;
	*out = cs;
	return EG_OK;
}

/* --- directories ---------------------------------------------------------- */

static const eg_ed_elem *
dir_elem(const dir *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->ne; i++)
			if (strcmp(d->e[i]->id, id) == 0)
				return d->e[i];
	return NULL;
}

static const eg_ed_comp *
dir_comp(const dir *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->nc; i++)
			if (strcmp(d->c[i]->id, id) == 0)
				return d->c[i];
	return NULL;
}

static const eg_ed_seg *
dir_seg(const dir *d, const char *id)
{
	size_t i;

	for (; d; d = d->base)
		for (i = 0; i < d->ns; i++)
			if (strcmp(d->s[i]->id, id) == 0)
				return d->s[i];
	return NULL;
}

static eg_err
read_notes(lctx *c, const eg_xml_node *n, size_t npos, const eg_ed_note **out,
	   size_t *nout)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_ed_note *nt;

	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt += is(k, "note");
	*out = NULL;
	*nout = 0;
	if (!cnt)
		return EG_OK;
	if (!(nt = arena(c->g, cnt * sizeof(*nt))))
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		const char *p = attr(k, "positions");
		char *end;

		if (!is(k, "note"))
			continue;
		nt[i].rule = (uint8_t)(attr(k, "rule")[1] - '0');
		while (*p) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p || v == 0 || v > npos || nt[i].n >= 8)
				return bad(c, k, "dependency note position out "
						 "of range: ", attr(k, "positions"));
			nt[i].pos[nt[i].n++] = (uint16_t)v;
			p = end;
			while (*p == ' ')
				p++;
		}
		i++;
	}
	*out = nt;
	*nout = cnt;
	return EG_OK;
}

/* Element or component uses (children named tag), positions 1..n. */
static eg_err
read_uses(lctx *c, const dir *d, const eg_xml_node *n, const char *tag,
	  int composites_ok, const eg_ed_use **out, size_t *nout)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_ed_use *u;

	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt += is(k, tag);
	*out = NULL;
	*nout = cnt;
	if (!cnt)
		return EG_OK;
	if (!(u = arena(c->g, cnt * sizeof(*u))))
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		const char *el = attr(k, "element"), *co = attr(k, "composite");

		if (!is(k, tag))
			continue;
		if (num(k, "pos", 0) != i + 1)
			return bad(c, k, "positions must run 1, 2, 3 ... in "
					 "order; found ", attr(k, "pos"));
		u[i].pos = (uint16_t)(i + 1);
		u[i].status = attr(k, "status")[0];
		u[i].repeat = (uint16_t)num(k, "repeat", 1);
		if (!!*el == !!*co)
			return bad(c, k, "give exactly one of element= and "
					 "composite=", NULL);
		if (*co && !composites_ok)
			return bad(c, k, "a composite cannot hold a composite: ",
				   co);
		if (*el) {
			if (!(u[i].el = dir_elem(d, el)))
				return bad(c, k, "unknown data element ", el);
			u[i].codes = u[i].el->codes;
		} else {
			if (!(u[i].comp = dir_comp(d, co)))
				return bad(c, k, "unknown composite ", co);
			u[i].cuse = u[i].comp->c;
		}
		i++;
	}
	*out = u;
	return EG_OK;
}

static eg_err load_dir(eg_edguides *g, const char *release, int depth,
		       const dir **out, eg_error *e);

static int
push(void *arr, size_t *n, void *item)
{
	void ***a = arr;
	void **p = realloc(*a, (*n + 1) * sizeof(void *));

	if (!p)
		return 0;
	p[(*n)++] = item;
	*a = p;
	return 1;
}

static eg_err
read_dir(lctx *c, dir *d, const eg_xml_node *root, int depth)
{
	const eg_xml_node *k;
	const char *base = attr(root, "base");
	eg_err rc;

	if (strcmp(attr(root, "release"), d->release) != 0)
		return bad(c, root, "the directory says release ",
			   attr(root, "release"));
	if (*base) {
		if (strcmp(base, d->release) == 0)
			return bad(c, root, "a directory cannot be its own base",
				   NULL);
		rc = load_dir(c->g, base, depth + 1, &d->base, c->e);
		if (rc)
			return rc;
	}
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		const char *id = attr(k, "id");

		if (is(k, "element")) {
			eg_ed_elem *el = arena(c->g, sizeof(*el));

			if (!el || !(el->id = astr(c->g, id)) ||
			    !(el->name = astr(c->g, attr(k, "name"))))
				return oom(c);
			if (!eg_ed_repr_parse(attr(k, "repr"), &el->type,
					      &el->min, &el->max))
				return bad(c, k, "bad representation ",
					   attr(k, "repr"));
			if ((rc = read_codes(c, k, &el->codes)))
				return rc;
			if (!push(&d->e, &d->ne, el))
				return oom(c);
		} else if (is(k, "composite")) {
			eg_ed_comp *cp = arena(c->g, sizeof(*cp));

			if (!cp || !(cp->id = astr(c->g, id)) ||
			    !(cp->name = astr(c->g, attr(k, "name"))))
				return oom(c);
			if ((rc = read_uses(c, d, k, "component", 0, &cp->c,
					    &cp->n)) ||
			    (rc = read_notes(c, k, cp->n, &cp->note,
					     &cp->nnote)))
				return rc;
			if (!push(&d->c, &d->nc, cp))
				return oom(c);
		} else if (is(k, "segment")) {
			eg_ed_seg *s = arena(c->g, sizeof(*s));

			if (!s || !(s->name = astr(c->g, attr(k, "name"))))
				return oom(c);
			memcpy(s->id, id, 3);
			s->tag = EG_EDIFACT_TAG(id[0], id[1], id[2]);
			if ((rc = read_uses(c, d, k, "element", 1, &s->e,
					    &s->n)) ||
			    (rc = read_notes(c, k, s->n, &s->note, &s->nnote)))
				return rc;
			if (!push(&d->s, &d->ns, s))
				return oom(c);
		}
	}
	return EG_OK;
}

static eg_err
load_dir(eg_edguides *g, const char *release, int depth, const dir **out,
	 eg_error *e)
{
	char path[PATH_MAX];
	eg_xml *x = NULL;
	lctx c;
	dir *d;
	eg_err rc;

	for (d = g->dirs; d; d = d->next)
		if (strcmp(d->release, release) == 0) {
			if (d->broken)
				return eg_fail(e, EG_ECONFIG,
					       "directory %s could not be "
					       "loaded (see the first error)",
					       release);
			*out = d;
			return EG_OK;
		}
	if (depth > 4)
		return eg_fail(e, EG_ECONFIG,
			       "directory %s: base chain deeper than 4", release);
	if (strlen(release) >= sizeof(d->release) || strchr(release, '/') ||
	    strchr(release, '.') ||
	    (size_t)snprintf(path, sizeof(path),
			     "%s/edi/edifact/%s/directory.xml", g->datadir,
			     release) >= sizeof(path))
		return eg_fail(e, EG_ECONFIG, "bad directory release '%.40s'",
			       release);
	if (!(d = calloc(1, sizeof(*d))))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	memcpy(d->release, release, strlen(release) + 1);
	d->broken = 1; /* until loaded; also stops a base cycle */
	d->next = g->dirs;
	g->dirs = d;
	rc = eg_xml_load(&x, path, g->xsd, e);
	if (rc)
		return rc;
	c.g = g;
	c.x = x;
	c.e = e;
	if (strcmp(eg_xml_name(eg_xml_root(x)), "directory") != 0)
		rc = bad(&c, eg_xml_root(x), "not a <directory>", NULL);
	else
		rc = read_dir(&c, d, eg_xml_root(x), depth);
	eg_xml_free(x);
	if (rc)
		return rc;
	d->broken = 0;
	*out = d;
	return EG_OK;
}

/* --- message guides --------------------------------------------------------- */

/* Is every code of sub in full?  (full NULL: anything goes.) */
static const char *
not_subset(const eg_codes *sub, const eg_codes *full)
{
	size_t i;

	if (!full)
		return NULL;
	for (i = 0; i < sub->n; i++)
		if (!eg_codes_has(full, sub->v[i], strlen(sub->v[i])))
			return sub->v[i];
	return NULL;
}

static eg_err
narrow_one(lctx *c, const eg_xml_node *k, eg_ed_use *u)
{
	const eg_codes *cs;
	const char *st = attr(k, "status"), *miss;
	eg_err rc;

	if (*st)
		u->status = st[0];
	if ((rc = read_codes(c, k, &cs)))
		return rc;
	if (cs) {
		if (!u->el)
			return bad(c, k, "codes narrow a simple element, not a "
					 "composite", NULL);
		if ((miss = not_subset(cs, u->el->codes)))
			return bad(c, k, "code not in the directory's list: ",
				   miss);
		u->codes = cs;
	}
	return EG_OK;
}

/* A copy of s narrowed by the <element> children of n. */
static eg_err
narrow_seg(lctx *c, const eg_xml_node *n, const eg_ed_seg **s)
{
	const eg_xml_node *k, *q;
	eg_ed_seg *ns;
	eg_ed_use *u;
	eg_err rc;

	if (!eg_xml_first(n))
		return EG_OK;
	ns = arena(c->g, sizeof(*ns));
	u = arena(c->g, ((*s)->n + 1) * sizeof(*u));
	if (!ns || !u)
		return oom(c);
	*ns = **s;
	memcpy(u, (*s)->e, (*s)->n * sizeof(*u));
	ns->e = u;
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		unsigned long p = num(k, "pos", 0);
		eg_ed_use *eu;

		if (p == 0 || p > ns->n)
			return bad(c, k, "segment has no element at position ",
				   attr(k, "pos"));
		eu = &u[p - 1];
		if ((rc = narrow_one(c, k, eu)))
			return rc;
		for (q = eg_xml_first(k); q; q = eg_xml_next(q)) {
			unsigned long cp = num(q, "pos", 0);
			eg_ed_use *cu;

			if (!is(q, "component"))
				continue;
			if (!eu->comp)
				return bad(c, q, "components narrow a composite; "
						 "this position holds element ",
					   eu->el->id);
			if (cp == 0 || cp > eu->comp->n)
				return bad(c, q, "composite has no component at "
						 "position ", attr(q, "pos"));
			if (eu->cuse == eu->comp->c) {
				cu = arena(c->g, eu->comp->n * sizeof(*cu));
				if (!cu)
					return oom(c);
				memcpy(cu, eu->comp->c,
				       eu->comp->n * sizeof(*cu));
				eu->cuse = cu;
			}
			cu = (eg_ed_use *)&eu->cuse[cp - 1];
			if ((rc = narrow_one(c, q, cu)))
				return rc;
		}
	}
	*s = ns;
	return EG_OK;
}

static eg_err
read_nodes(lctx *c, const dir *d, const eg_xml_node *n, eg_ed_node *parent,
	   int depth)
{
	const eg_xml_node *k;
	size_t cnt = 0, i = 0;
	eg_ed_node *kids;
	uint32_t *ktag;
	eg_err rc;

	if (depth > MAX_DEPTH)
		return bad(c, n, "groups nested too deep", NULL);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt++;
	if (!(kids = arena(c->g, cnt * sizeof(*kids))))
		return oom(c);
	for (k = eg_xml_first(n); k; k = eg_xml_next(k), i++) {
		eg_ed_node *nd = &kids[i];

		nd->line = eg_xml_line(k);
		nd->status = attr(k, "status")[0];
		nd->max = (uint32_t)num(k, "max", 1);
		if (is(k, "segment")) {
			if (!(nd->seg = dir_seg(d, attr(k, "ref"))))
				return bad(c, k, "segment not in the directory: ",
					   attr(k, "ref"));
			if ((rc = narrow_seg(c, k, &nd->seg)))
				return rc;
		} else {
			nd->group = 1;
			if (!(nd->gid = astr(c->g, attr(k, "id"))))
				return oom(c);
			if ((rc = read_nodes(c, d, k, nd, depth + 1)))
				return rc;
			nd->seg = nd->kids[0].seg;
			if (nd->kids[0].group || nd->kids[0].status != 'M' ||
			    nd->kids[0].max != 1)
				return bad(c, k, "a group starts with a segment of "
						 "status M and max 1: ", nd->gid);
		}
	}
	if (!(ktag = arena(c->g, (cnt + 1) * sizeof(*ktag))))
		return oom(c);
	for (i = 0; i < cnt; i++) {
		kids[i].tag = ktag[i] = kids[i].seg->tag;
		if (kids[i].status == 'M')
			parent->mend = (uint32_t)(i + 1);
	}
	parent->kids = kids;
	parent->ktag = ktag;
	parent->n = cnt;
	return EG_OK;
}

static eg_err
read_message(lctx *c, eg_ed_guide *gd, const eg_xml_node *root)
{
	const dir *d;
	eg_err rc;

	if (strcmp(eg_xml_name(root), "message") != 0)
		return bad(c, root, "not a <message>", NULL);
	if (!(gd->type = astr(c->g, attr(root, "type"))) ||
	    !(gd->version = astr(c->g, attr(root, "version"))) ||
	    !(gd->release = astr(c->g, attr(root, "release"))) ||
	    !(gd->agency = astr(c->g, attr(root, "agency"))) ||
	    !(gd->assoc = astr(c->g, attr(root, "association"))) ||
	    !(gd->dir = astr(c->g, attr(root, "directory"))) ||
	    !(gd->name = astr(c->g, attr(root, "name"))) ||
	    !(gd->subset = astr(c->g, attr(root, "subset"))) ||
	    !(gd->path = astr(c->g, eg_xml_path(c->x))))
		return oom(c);
	if ((rc = load_dir(c->g, gd->dir, 0, &d, c->e)))
		return rc;
	gd->root.group = 1;
	gd->root.gid = "";
	gd->root.status = 'M';
	gd->root.max = 1;
	gd->root.line = eg_xml_line(root);
	if ((rc = read_nodes(c, d, root, &gd->root, 0)))
		return rc;
	if (gd->root.n < 2 || gd->root.kids[0].group ||
	    strcmp(gd->root.kids[0].seg->id, "UNH") != 0 ||
	    gd->root.kids[gd->root.n - 1].group ||
	    strcmp(gd->root.kids[gd->root.n - 1].seg->id, "UNT") != 0)
		return bad(c, root, "a message starts with UNH and ends with UNT",
			   NULL);
	gd->root.seg = gd->root.kids[0].seg;
	gd->root.tag = gd->root.seg->tag;
	return EG_OK;
}

static eg_err
load_guide(eg_edguides *g, const char *path, const eg_ed_guide **out,
	   eg_error *e)
{
	gentry *ge;
	eg_xml *x = NULL;
	lctx c;
	eg_err rc;

	for (ge = g->guides; ge; ge = ge->next)
		if (strcmp(ge->key, path) == 0) {
			*out = &ge->g;
			return EG_OK;
		}
	if (strlen(path) >= sizeof(ge->key))
		return eg_fail(e, EG_ECONFIG, "guide path too long");
	rc = eg_xml_load(&x, path, g->xsd, e);
	if (rc)
		return rc;
	c.g = g;
	c.x = x;
	c.e = e;
	if (!(ge = arena(g, sizeof(*ge)))) {
		eg_xml_free(x);
		return oom(&c);
	}
	rc = read_message(&c, &ge->g, eg_xml_root(x));
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
eg_edguides_load(eg_edguides *g, const char *path, const eg_ed_guide **out,
		 eg_error *e)
{
	*out = NULL;
	return load_guide(g, path, out, e);
}

static int
word(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789") == n;
}

eg_err
eg_edguides_find(eg_edguides *g, const char *const s009[5],
		 const eg_ed_guide **out, eg_error *e)
{
	char path[PATH_MAX];
	struct stat st;
	eg_err rc;

	*out = NULL;
	if (!word(s009[0], 6) || !word(s009[1], 3) || !word(s009[2], 3))
		return EG_OK;
	if ((size_t)snprintf(path, sizeof(path), "%s/edi/edifact/%s%s/%s.xml",
			     g->datadir, s009[1], s009[2],
			     s009[0]) >= sizeof(path) ||
	    stat(path, &st) != 0)
		return EG_OK;
	rc = load_guide(g, path, out, e);
	if (rc)
		return rc;
	/* a guide for one association's subset (or, ending in '*', a family
	 * such as "EAN*") does not answer another association's messages */
	if ((*out)->assoc[0] && s009[4][0]) {
		const char *a = (*out)->assoc;
		size_t n = strlen(a);

		if (a[n - 1] == '*' ? strncmp(a, s009[4], n - 1) != 0
				    : strcmp(a, s009[4]) != 0)
			*out = NULL;
	}
	return EG_OK;
}

eg_err
eg_edguides_check_directory(eg_edguides *g, const char *path,
			    size_t *elements, size_t *composites,
			    size_t *segments, eg_error *e)
{
	eg_xml *x = NULL;
	const char *rel;
	const dir *d;
	eg_err rc;

	rc = eg_xml_load(&x, path, g->xsd, e);
	if (rc)
		return rc;
	if (strcmp(eg_xml_name(eg_xml_root(x)), "directory") != 0) {
		rc = eg_fail(e, EG_ECONFIG, "%s:%ld: not a <directory>", path,
			     eg_xml_line(eg_xml_root(x)));
		eg_xml_free(x);
		return rc;
	}
	rel = eg_xml_attr(eg_xml_root(x), "release");
	{
		/* load it as that release, from this file */
		lctx c;
		dir *nd = calloc(1, sizeof(*nd));

		if (!nd || strlen(rel) >= sizeof(nd->release)) {
			free(nd);
			eg_xml_free(x);
			return eg_fail(e, EG_ENOMEM, "out of memory");
		}
		memcpy(nd->release, rel, strlen(rel) + 1);
		nd->broken = 1;
		c.g = g;
		c.x = x;
		c.e = e;
		rc = read_dir(&c, nd, eg_xml_root(x), 0);
		d = nd;
		*elements = d->ne;
		*composites = d->nc;
		*segments = d->ns;
		free(nd->e);
		free(nd->c);
		free(nd->s);
		free(nd);
	}
	eg_xml_free(x);
	return rc;
}

eg_err
eg_edguides_new(eg_edguides **out, const char *datadir, eg_error *e)
{
	eg_edguides *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || !(g->datadir = strdup(datadir))) {
		free(g);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if ((size_t)snprintf(g->xsd, sizeof(g->xsd),
			     "%s/schemas/edifact-guide.xsd",
			     datadir) >= sizeof(g->xsd)) {
		eg_edguides_free(g);
		return eg_fail(e, EG_ECONFIG, "data directory path too long");
	}
	*out = g;
	return EG_OK;
}

void
eg_edguides_free(eg_edguides *g)
{
	dir *d, *nd;

	if (!g)
		return;
	for (d = g->dirs; d; d = nd) {
		nd = d->next;
		free(d->e);
		free(d->c);
		free(d->s);
		free(d);
	}
	eg_arena_free(g->blocks);
	free(g->datadir);
	free(g);
}
