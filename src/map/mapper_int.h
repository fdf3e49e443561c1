/*
 * mapper_int.h - what the mapper's modules share.  Not installed.
 *
 *   mapset.c    the set as it streams by: its bytes and a small index
 *               per segment, then cut into units (HL levels or loops)
 *   mapplan.c   a shape's fields resolved once per map and release
 *   mapfield.c  one canonical field or party from a unit's segments:
 *               rule lists, code lists, canonical values
 *   mapper.c    the public API: records built in shape order, keys,
 *               rules, the 850 split, records held for their interchange
 *   maprun.c    big repeating levels as runs, built again while written
 *
 * Memory: one set at a time.  Its bytes are kept once (the arena), each
 * segment costs a cseg (8 bytes) and each unit a cunit (36 bytes);
 * elements are found by scanning the segment when asked, never tabled.
 * The set's size is bounded by the limits in eg_mapper_opts (a set over
 * them is refused with a map-too-large finding, not copied on).
 */
#ifndef EDIGATE_MAPPER_INT_H
#define EDIGATE_MAPPER_INT_H

#include <stdint.h>

#include "edigate/buf.h"
#include "edigate/syntax.h"
#include "map_int.h"

/* One segment of the set: 8 bytes, since a set of 200,000 items has
 * 600,000 of them.  Its bytes are arena[off, next seg's off) (its length
 * and tag follow from them); its index in the file and its position in
 * the set follow from its place (the set is copied from its header to
 * its trailer without a gap), and so does its byte offset in the file
 * while every segment ends with terminators of one length (else
 * deltas[] holds them). */
typedef struct cseg {
	uint32_t off;    /* into the arena */
	int32_t next;    /* next segment of the same unit, -1 */
} cseg;

typedef struct cunit {
	int32_t level;   /* index into map levels; -1 the set itself, -2
			  * an HL level the map does not know */
	int32_t parent;
	int32_t kid, sib, lastkid;
	int32_t head, tail; /* own segments */
	int32_t first_seg;  /* for messages; the unit's HL for HL units */
	uint8_t see_through, used;
	/* which tags its own segments have, as bits (eg_mset_tagbit): a
	 * rule whose tag's bit is clear skips the unit without walking its
	 * segments.  In what was padding: a unit stays 36 bytes. */
	uint16_t tags;
} cunit;

/* A tag's bit in cunit.tags (16 buckets: a set bit may be another
 * tag's, a clear one never is). */
static inline uint16_t
eg_mset_tagbit(uint32_t tag)
{
	return (uint16_t)(1u << ((tag * 2654435761u) >> 28));
}

/* The rules for one canonical path, in the order they are tried. */
typedef struct rulelist {
	const mfield *r[16];
	size_t n;
	mfield own[4]; /* profile overrides, parsed */
	size_t nown;
} rulelist;

typedef struct rcached rcached;

/* A shape's field in a plan (mapplan.c): its canonical path, its rule
 * list once a unit asked for it (NULL until then, or when the rule cache
 * does not keep it), its level in the map (CT_LEVEL; -1 none). */
typedef struct mpfield {
	char path[128];
	const rulelist *rl;
	int lv;
} mpfield;

/* A shape under a prefix, for one map and release. */
typedef struct mplan {
	const eg_map *map;
	char release[7];
	const cshape *sh;
	char prefix[128];
	int check; /* required fields checked after the node is built */
	int temp;  /* not kept: freed by eg_mplan_done */
	size_t n;
	mpfield f[];
} mplan;

typedef struct pend {
	eg_rnode *rec;
	uint32_t interchange;
	char gs06[15];
} pend;

struct eg_mapper {
	eg_mapper_opts o;
	size_t max_bytes, max_segs, max_elems; /* the set limits in force */
	/* the set as it streamed by */
	eg_buf arena;
	cseg *segs;
	size_t nseg, capseg;
	uint64_t nelem;      /* data elements seen in the set */
	uint64_t st_offset, st_index;
	uint32_t term;       /* bytes between two segments (terminators) */
	int irregular;       /* they differ: offsets are in deltas */
	uint32_t *deltas;    /* byte offset in the file minus the ST's */
	size_t capdelta;
	char id_of_too_big[48]; /* the limit a set broke, "" none */
	cunit *units;
	size_t nunit, capunit;
	int32_t *hlidx;      /* HL01 -> unit, open addressing, -1 empty */
	size_t hlcap;
	/* the set's syntax (its descriptor's segment view) and separators:
	 * its header's `split`; comp 0 reads the first component when
	 * first_comp */
	const eg_syntax_desc *syn;
	char elsep, comp, rep;
	unsigned char first_comp;
	unsigned char *vform; /* per segment: 1 kept in value form */
	size_t capvform;
	int any_vform;
	uint32_t trailer_len; /* the trailer's length as sent */
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
	/* split by ship-to (850): per unit, the destination a line goes to;
	 * the record being built holds the lines of cur_grp.  Kept until
	 * the set's records are written (their lines may be runs) */
	int32_t *line_grp;
	int32_t cur_grp;
	/* paths already reported in this record: no second "missing" */
	char bad_paths[8][96];
	unsigned nbad;
	rcached **rcache; /* slots; entries allocated when first used (a
			   * mapper per file must not zero a big table) */
	size_t nrcache;
	const cshape *party_shape; /* a party's fields (looked up once) */
	mplan **plans;    /* the shapes' plans met so far (mapplan.c) */
	size_t nplan, capplan;
	int ship_to_unit; /* a line's own N1 segment, -1 for the header's */
	size_t run_min;   /* level units under one parent that make a run */
	int runs_ok;      /* this record may hold runs (make_record) */
	/* run_level's answers per (map, level field): it walks the map's
	 * keys through the shape, the same answer for every unit */
	struct runmemo {
		const eg_map *map;
		const cfield *cf;
		int ok;
	} runmemo[16];
	unsigned nrunmemo;
};

/* ---- mapset.c ---- */

/* Forget the set (keeps the memory for the next). */
void eg_mset_reset(eg_mapper *m);
/* Copy one segment of the set, read through syn's segment view (over a
 * limit: marks the set too big). */
eg_err eg_mset_add(eg_mapper *m, const eg_syntax_desc *syn,
		   const eg_segment *seg);
/* Element i (1-based) of segment s, its first repetition, component comp
 * (0: as the syntax's view says: X12 the repetition as sent, EDIFACT the
 * first component).  Points into the arena. */
eg_span eg_mset_elem(const eg_mapper *m, const cseg *s, unsigned i,
		     unsigned comp);
/* Elements first, first + 1, ... of segment s, each as eg_mset_elem(i,
 * 0) gives it, into el[0..n): how many the segment has from first on,
 * n + 1 when more than n (one scan, where a loop over eg_mset_elem would
 * rescan from the tag for each). */
size_t eg_mset_elems(const eg_mapper *m, const cseg *s, unsigned first,
		     eg_span *el, size_t n);
/* Data elements in segment s (the tag excluded). */
unsigned eg_mset_nelem(const eg_mapper *m, const cseg *s);
/* Segment ID ("N1"), its index in the file, its position in the set. */
void eg_mset_id(const eg_mapper *m, const cseg *s, char id[4]);
/* Its length in bytes, terminator excluded, and its tag (EG_X12_TAG
 * packing: the first two bytes, and the third when the ID has three). */
uint32_t eg_mset_len(const eg_mapper *m, const cseg *s);
uint32_t eg_mset_tag_slow(const eg_mapper *m, const cseg *s);
/* Inline: every field's rules compare it, for every segment of their
 * unit (a tag kept per segment would cost 4 bytes of the 8). */
static inline uint32_t
eg_mset_tag(const eg_mapper *m, const cseg *s)
{
	const unsigned char *p =
	    (const unsigned char *)m->arena.data + s->off;
	size_t i = (size_t)(s - m->segs);
	uint32_t end = i + 1 < m->nseg ? s[1].off : (uint32_t)m->arena.len;
	unsigned char sep = (unsigned char)m->elsep;

	if (end - s->off < 3 || p[0] == sep || p[1] == sep || !p[0] || !p[1])
		return eg_mset_tag_slow(m, s);
	return EG_X12_TAG(p[0], p[1], p[2] == sep ? 0 : p[2]);
}
uint64_t eg_mset_index(const eg_mapper *m, const cseg *s);
uint64_t eg_mset_offset(const eg_mapper *m, const cseg *s);
uint32_t eg_mset_pos(const eg_mapper *m, const cseg *s);
/* Is the segment's ID this one? */
int eg_mset_is(const eg_mapper *m, const cseg *s, const char *id);
/* Cut the set into units (unit 0: the set); -1 out of memory. */
int eg_mset_partition(eg_mapper *m);
/* The first unit created, and the limits a set was refused for. */
int eg_mset_new_unit(eg_mapper *m, int level, int parent, int seg);

/* ---- mapfield.c ---- */

/* A field's value(s) or party from unit's segments, by the rules for
 * its path (plan field pf). */
eg_err eg_mfield_eval_leaf(eg_mapper *m, int unit, mpfield *pf,
			   const cfield *cf, eg_rnode *parent,
			   unsigned ordinal);
eg_err eg_mfield_eval_party(eg_mapper *m, int unit, mpfield *pf,
			    const cfield *cf, eg_rnode *parent);
/* The rules for a canonical path (the profile's override for the set,
 * else the map's): the rule cache's list (*kept 1), or one made in
 * scratch (*kept 0: a broken override, reported now, or a full cache). */
const rulelist *eg_mfield_rules(eg_mapper *m, const char *path,
				rulelist *scratch, int *kept);
eg_err eg_mfield_build_party(eg_mapper *m, eg_rnode *parent,
			     const cfield *cf, int n1, const char *path);
int eg_mfield_was_bad(const eg_mapper *m, const char *path);
void eg_mfield_cache_free(eg_mapper *m);

/* ---- mapplan.c ---- */

/* The plan of shape sh under prefix for the set's map and release (made
 * the first time); NULL out of memory.  Give it back with eg_mplan_done. */
mplan *eg_mplan_get(eg_mapper *m, const cshape *sh, const char *prefix);
void eg_mplan_done(mplan *p);
/* Field f's rule list (taken into the plan when the cache keeps it). */
const rulelist *eg_mplan_rules(eg_mapper *m, mpfield *f, rulelist *scratch);
void eg_mplan_free_all(eg_mapper *m);
/* The index of the map's level called name, -1 when it has none. */
int eg_mplan_level(const eg_map *map, const char *name);

/* ---- maprun.c ---- */

/* Should the units of level lv under u (field cf) be a run? */
int eg_mrun_wanted(eg_mapper *m, const cfield *cf, int u, int lv);
/* Check them one by one and add a run node for them to node. */
eg_err eg_mrun_add(eg_mapper *m, eg_rnode *node, const cfield *cf, int u,
		   int lv, unsigned *ordinal);

/* ---- mapper.c ---- */

/* Build node from unit's segments in the order of shape sh. */
eg_err eg_mapper_build_group(eg_mapper *m, eg_rnode *node, const cshape *sh,
			     int unit, const char *prefix, unsigned ordinal);
/* Is line unit u part of the record being built (850 split)? */
int eg_mapper_line_selected(const eg_mapper *m, int u);

/* A finding at segment s (element elem, 0: the segment), or at the set
 * when s is NULL.  Counts toward the set's failure. */
void eg_mapper_finding(eg_mapper *m, const cseg *s, unsigned elem,
		       const char *rule, const char *fmt, ...) EG_PRINTF(5, 6);
/* Is w one of the words of list (separated by ' ' or '|')? */
int eg_map_in_list(const char *list, const char *w);
/* Grow an array to hold need elements of size bytes; -1 out of memory. */
int eg_map_grow(void **p, size_t *cap, size_t need, size_t size);

#endif
