/*
 * maprun.c - runs: a big repeating level handed out without its tree.
 *
 * A level with run_min units or more under one parent (an order's
 * 200,000 items) is checked as it is built, one unit at a time, each
 * unit dropped once checked; the record keeps one run node (record.h)
 * and the writers have its units built again, one at a time, with the
 * same ordinals, as they write.  A unit costs about 500 bytes as a tree,
 * so this is what keeps the largest set the guides allow in bounded
 * memory.  The set's bytes and units must still be there when the
 * record is written: runs are made only when records are handed out as
 * soon as the set is mapped (eager); an 850 split keeps which record
 * each line goes to (line_grp) until then, and a run carries its record's
 * destination.  Only where nothing but the writers and the ledger read
 * inside the level (run_level).
 */
#include <string.h>

#include "mapper_int.h"

typedef struct kidwalk {
	eg_mapper *m;
	const cfield *cf;
	int lv;
	unsigned ordinal;
	int writing;            /* a finding now would be a bug */
	eg_rnode_each_fn each;  /* NULL: checking, each unit dropped */
	void *wctx;
} kidwalk;

static eg_err
walk_kids(kidwalk *w, int u)
{
	eg_mapper *m = w->m;
	eg_err rc = EG_OK;
	int k;

	for (k = m->units[u].kid; k >= 0 && !rc; k = m->units[k].sib) {
		cunit *ku = &m->units[k];
		unsigned before = m->failed;
		eg_rnode *child;

		m->counts.steps++;
		if (ku->see_through) {
			rc = walk_kids(w, k);
			continue;
		}
		if (ku->level != w->lv)
			continue;
		++w->ordinal;
		if (!strcmp(w->cf->name, "line") && !eg_mapper_line_selected(m, k))
			continue;
		ku->used = 1;
		if ((rc = eg_rnode_new_root(&child, w->cf->name)) != EG_OK)
			break;
		child->repeats = 1;
		child->segment = eg_mset_index(m, &m->segs[ku->first_seg]);
		rc = eg_mapper_build_group(m, child, w->cf->sub, k, w->cf->name,
					   w->ordinal);
		if (!rc && w->writing && m->failed != before)
			rc = EG_EINTERNAL; /* checked clean, now not: a bug */
		if (!rc && w->each)
			rc = w->each(w->wctx, child);
		eg_rnode_free(child);
	}
	return rc;
}

/* The writers ask for a run's units (record.h). */
static eg_err
expand_run(void *ud, const eg_rnode *run, eg_rnode_each_fn each, void *wctx)
{
	kidwalk w;
	const void *cf;
	long u, lv;

	eg_mapper *m = ud;
	int32_t grp = m->cur_grp;
	eg_err rc;

	eg_rnode_run_args(run, &cf, &u, &lv);
	memset(&w, 0, sizeof(w));
	w.m = m;
	w.cf = cf;
	w.lv = (int)(lv & 0xffff);
	w.writing = 1;
	w.each = each;
	w.wctx = wctx;
	/* an 850 split: the lines of this run's record (RUN_ARG_LV) */
	m->cur_grp = (int32_t)(lv >> 16) - 1;
	rc = walk_kids(&w, (int)u);
	m->cur_grp = grp;
	return rc;
}

/* Units of level lv under u (through see-through units), up to stop. */
static size_t
count_kids(const eg_mapper *m, int u, int lv, size_t n, size_t stop)
{
	int k;

	for (k = m->units[u].kid; k >= 0 && n < stop; k = m->units[k].sib) {
		if (m->units[k].see_through)
			n = count_kids(m, k, lv, n, stop);
		else
			n += m->units[k].level == lv;
	}
	return n;
}

/* Does the shape (or a shape inside it) have a field called name? */
static int
shape_names(const cshape *sh, const char *name, unsigned depth)
{
	size_t i;

	for (i = 0; sh && depth < 8 && i < sh->n; i++)
		if (!strcmp(sh->f[i].name, name) ||
		    shape_names(sh->f[i].sub, name, depth + 1))
			return 1;
	return 0;
}

/* May level cf be a run: is nothing but the writers going to read it? */
static int
run_level(const eg_mapper *m, const cfield *cf)
{
	size_t i;

	/* an order's lines too: the ledger reads them through the run
	 * (eg_rnode_each_same), and a rule about the set, which reads the
	 * tree, turns runs off (runs_ok) */
	for (i = 0; i < m->map->nkeys; i++) {
		const char *p = m->map->keys[i].path;

		while (*p) {
			char part[64];
			size_t k = strcspn(p, "/");

			if (k >= sizeof(part))
				return 0;
			memcpy(part, p, k);
			part[k] = '\0';
			if (!strcmp(part, cf->name) ||
			    shape_names(cf->sub, part, 0))
				return 0; /* a key is read from inside it */
			p += k + (p[k] == '/');
		}
	}
	return 1;
}

/* run_level, remembered per map and level field (profiling: walking the
 * keys through the shape for every unit was a fifth of `map`). */
static int
run_level_memo(eg_mapper *m, const cfield *cf)
{
	unsigned i;
	int ok;

	for (i = 0; i < m->nrunmemo; i++)
		if (m->runmemo[i].cf == cf && m->runmemo[i].map == m->map)
			return m->runmemo[i].ok;
	ok = run_level(m, cf);
	if (m->nrunmemo < sizeof(m->runmemo) / sizeof(m->runmemo[0])) {
		m->runmemo[m->nrunmemo].map = m->map;
		m->runmemo[m->nrunmemo].cf = cf;
		m->runmemo[m->nrunmemo].ok = ok;
		m->nrunmemo++;
	}
	return ok;
}

int
eg_mrun_wanted(eg_mapper *m, const cfield *cf, int u, int lv)
{
	return m->runs_ok && run_level_memo(m, cf) &&
	       count_kids(m, u, lv, 0, m->run_min) >= m->run_min;
}

eg_err
eg_mrun_add(eg_mapper *m, eg_rnode *node, const cfield *cf, int u, int lv,
	    unsigned *ordinal)
{
	kidwalk w;
	eg_err rc;

	memset(&w, 0, sizeof(w));
	w.m = m;
	w.cf = cf;
	w.lv = lv;
	w.ordinal = *ordinal;
	/* the run keeps its level and, for an 850 split, which record's
	 * lines it holds: lv | (cur_grp + 1) << 16 */
	if (lv < 0 || lv > 0xffff || m->cur_grp < -1)
		return EG_EINTERNAL;
	rc = eg_rnode_add_run(node, cf->name, expand_run, m, cf, u,
			      (long)lv | ((long)m->cur_grp + 1) << 16, NULL);
	if (!rc)
		rc = walk_kids(&w, u); /* every unit checked, none kept */
	*ordinal = w.ordinal;
	return rc;
}
