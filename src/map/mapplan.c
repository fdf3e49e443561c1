/*
 * mapplan.c - a shape's fields resolved once per map and release: the
 * mapper's per-unit plans.
 *
 * A record is built by walking its shape (canon.c) for every unit: each
 * field needs its canonical path ("item/gtin"), the rule list the map
 * and the profile give for that path (mapfield.c) and, for a level, the
 * map's level.  These answers are the same for every unit of every set
 * with the same map and release, so they are worked out the first time
 * a shape is met under a prefix and kept in a plan: building a unit then
 * walks the plan, with no path joined, hashed or looked up (profiling
 * showed path strings and rule lookups at a tenth of `map`).
 *
 * A rule list is taken into the plan the first time a unit asks for it,
 * through the same lookup as before (so a broken profile override is
 * reported exactly when it was); one that the rule cache does not keep
 * (a broken override) is looked up again every time, as before.
 *
 * Plans are few (shapes x prefixes x maps x releases: tens); past
 * MAP_MAX_PLANS a plan is made for one use and freed after it.
 */
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"

#define MAP_MAX_PLANS 256

/* dst = prefix "/" name (or name alone); truncated to cap. */
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

int
eg_mplan_level(const eg_map *map, const char *name)
{
	size_t i;

	for (i = 0; i < map->nlevels; i++)
		if (!strcmp(map->levels[i].name, name))
			return (int)i;
	return -1;
}

static mplan *
plan_make(eg_mapper *m, const cshape *sh, const char *prefix)
{
	mplan *p;
	size_t i;

	p = calloc(1, sizeof(*p) + sh->n * sizeof(p->f[0]));
	if (!p)
		return NULL;
	p->map = m->map;
	memcpy(p->release, m->release, sizeof(p->release));
	p->sh = sh;
	if (strlen(prefix) >= sizeof(p->prefix))
		p->temp = 1; /* cannot be told apart from another: not kept */
	join_path(p->prefix, sizeof(p->prefix), "", prefix);
	/* groups that are only checked by their parent */
	p->check = sh->f != NULL && strcmp(sh->name, "carrier") &&
		   strcmp(sh->name, "dimensions") && strcmp(sh->name, "contact");
	p->n = sh->n;
	for (i = 0; i < sh->n; i++) {
		mpfield *f = &p->f[i];

		join_path(f->path, sizeof(f->path), prefix, sh->f[i].name);
		f->lv = sh->f[i].type == CT_LEVEL
			    ? eg_mplan_level(m->map, sh->f[i].name)
			    : -1;
	}
	return p;
}

static int
plan_is(const mplan *p, const eg_mapper *m, const cshape *sh,
	const char *prefix)
{
	return p->sh == sh && p->map == m->map && !strcmp(p->prefix, prefix) &&
	       !strcmp(p->release, m->release);
}

mplan *
eg_mplan_get(eg_mapper *m, const cshape *sh, const char *prefix)
{
	size_t i;
	mplan *p;

	for (i = 0; i < m->nplan; i++)
		if (plan_is(m->plans[i], m, sh, prefix))
			return m->plans[i];
	if (!(p = plan_make(m, sh, prefix)))
		return NULL;
	if (!p->temp && m->nplan < MAP_MAX_PLANS &&
	    !eg_map_grow((void **)&m->plans, &m->capplan, m->nplan + 1,
			 sizeof(*m->plans))) {
		m->plans[m->nplan++] = p;
		return p;
	}
	p->temp = 1; /* for this use only: eg_mplan_done frees it */
	return p;
}

void
eg_mplan_done(mplan *p)
{
	if (p && p->temp)
		free(p);
}

const rulelist *
eg_mplan_rules(eg_mapper *m, mpfield *f, rulelist *scratch)
{
	const rulelist *rl;
	int kept;

	if (f->rl)
		return f->rl;
	rl = eg_mfield_rules(m, f->path, scratch, &kept);
	if (kept)
		f->rl = rl;
	return rl;
}

void
eg_mplan_free_all(eg_mapper *m)
{
	size_t i;

	for (i = 0; i < m->nplan; i++)
		free(m->plans[i]);
	free(m->plans);
	m->plans = NULL;
	m->nplan = m->capplan = 0;
}
