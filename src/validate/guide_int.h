/*
 * guide_int.h - the guide store's insides, shared by guide.c (loading)
 * and guide_store.c (the store's life, its arena, and the EDIFACT guide
 * store that lives beside it).
 */
#ifndef EDIGATE_GUIDE_INT_H
#define EDIGATE_GUIDE_INT_H

#include <limits.h>
#include <stddef.h>

#include "edigate/guide.h"

#include "guide_arena.h"

struct eg_edguides;

/* --- the store ---------------------------------------------------------------- */

typedef struct dict {
	char release[16];
	int broken; /* failed to load: every later lookup fails too */
	const struct dict *base;
	size_t ne, nc, ns, cape, capc, caps;
	eg_edef **e;
	eg_cdef **c;
	eg_sdef **s;
} dict;

typedef struct clist {
	struct clist *next;
	char name[64];
	eg_codes codes;
} clist;

typedef struct gentry {
	struct gentry *next;
	char key[PATH_MAX]; /* file path */
	eg_guide g;
} gentry;

typedef struct dentry {
	struct dentry *next;
	dict d;
} dentry;

struct eg_guides {
	char *datadir;
	char xsd[PATH_MAX];
	block *blocks;
	dentry *dicts;
	clist *lists;
	gentry *guides;
	/* the EDIFACT guides over the same data directory, made on first
	 * use (eg_guides_edifact) */
	struct eg_edguides *ed;
};

/* Zeroed memory from the store's arena (NULL when out of memory), and
 * a copy of s there. */
void *eg_guide_arena_alloc(eg_guides *g, size_t n);
char *eg_guide_arena_str(eg_guides *g, const char *s);

#endif
