/*
 * mapper_int.h - what the mapper's modules share.  Not installed.
 *
 *   mapset.c    the set as it streams by: its bytes and a small index
 *               per segment, then cut into units (HL levels or loops)
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
#include "map_int.h"

/* One segment of the set: 8 bytes, since a set of 200,000 items has
 * 600,000 of them.  Its bytes are arena[off, next seg's off) (its length
 * and tag follow from them); its index in the file and its position in
 * the set follow from its place (the set is copied from ST to SE without
 * a gap), and so does its byte offset in the file while every segment
 * ends with terminators of one length (else deltas[] holds them). */
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
} cunit;

/* The rules for one canonical path, in the order they are tried. */
typedef struct rulelist {
	const mfield *r[16];
	size_t n;
	mfield own[4]; /* profile overrides, parsed */
	size_t nown;
} rulelist;

typedef struct rcached rcached;

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
	char elsep, comp, rep;
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
/* Copy one segment of the set (over a limit: marks the set too big). */
eg_err eg_mset_add(eg_mapper *m, const eg_x12_segment *seg);
/* Element i (1-based) of segment s, component comp (0: the element up to
 * its first component or repetition separator).  Points into the arena. */
eg_span eg_mset_elem(const eg_mapper *m, const cseg *s, unsigned i,
		     unsigned comp);
/* Data elements in segment s (the tag excluded). */
unsigned eg_mset_nelem(const eg_mapper *m, const cseg *s);
/* Segment ID ("N1"), its index in the file, its position in the set. */
void eg_mset_id(const eg_mapper *m, const cseg *s, char id[4]);
/* Its tag (EG_X12_TAG) and length in bytes, terminator excluded. */
uint32_t eg_mset_tag(const eg_mapper *m, const cseg *s);
uint32_t eg_mset_len(const eg_mapper *m, const cseg *s);
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

eg_err eg_mfield_eval_leaf(eg_mapper *m, int unit, const char *path,
			   const cfield *cf, eg_rnode *parent,
			   unsigned ordinal);
eg_err eg_mfield_eval_party(eg_mapper *m, int unit, const char *path,
			    const cfield *cf, eg_rnode *parent);
eg_err eg_mfield_build_party(eg_mapper *m, eg_rnode *parent,
			     const cfield *cf, int n1, const char *path);
int eg_mfield_was_bad(const eg_mapper *m, const char *path);
void eg_mfield_cache_free(eg_mapper *m);

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
