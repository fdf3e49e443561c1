/*
 * map.h - transaction sets (X12) and messages (EDIFACT) to canonical
 * records, driven by map files.
 *
 * The default maps live in <datadir>/edi/maps/<set>.xml (checked against
 * schemas/edi-map.xsd; docs/maps.md documents the format).  A map says
 * how a set's segments group into the record's levels (856 HL levels,
 * 945/940 LX loops, 850 PO1 loops), where each canonical field comes from
 * (an element, under conditions, with code translation) and which fields
 * are the record's business keys.  The shape of the records -- which
 * fields exist, their order, type and cardinality -- is fixed by
 * schemas/canonical.xsd and mirrored in the shape tables of map.c, so
 * every record written is valid against the schema: a value that does
 * not fit its type is a finding, never an invalid record.
 *
 * A partner profile adds its code lists (<codemap>), field overrides
 * (<mapping>) and business rules (<rules>).  Fail closed: a code with no
 * translation, a required field with no value, a level the map does not
 * know, or a broken rule rejects the transaction set with a finding and
 * no record.
 *
 * Use: create an eg_mapper, call eg_mapper_segment for every segment of
 * the file *before* the envelope checks see it, and eg_mapper_unit_end
 * for every unit the envelope checks close.  Records of a transaction set
 * that passed validation are handed out when their interchange ends
 * accepted; findings as they are found.
 *
 * Ownership: eg_maps owns the maps it loaded; an eg_mapper borrows its
 * options (maps, profile, store) and owns the rest.
 */
#ifndef EDIGATE_MAP_H
#define EDIGATE_MAP_H

#include <stddef.h>
#include <time.h>

#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/profile.h"
#include "edigate/record.h"
#include "edigate/rules.h"
#include "edigate/x12.h"

typedef struct eg_map eg_map;
typedef struct eg_maps eg_maps;
struct eg_syntax_desc;

/* A map store over datadir (holding edi/maps and schemas/); lazy. */
eg_err eg_maps_new(eg_maps **out, const char *datadir,
		   eg_error *e) EG_MUST_USE;
void eg_maps_free(eg_maps *m);

/*
 * The map for a set and a GS08 version; *out is NULL (EG_OK) when none is
 * shipped.  Errors are for broken map files (file and line named).
 */
eg_err eg_maps_find(eg_maps *m, const char *set, const char *gs08,
		    const eg_map **out, eg_error *e) EG_MUST_USE;
/* Load and check one map file (`edigate guide check` style). */
eg_err eg_maps_load(eg_maps *m, const char *path, const eg_map **out,
		    eg_error *e) EG_MUST_USE;
/* Record type a map makes ("Shipment"). */
const char *eg_map_record(const eg_map *m);

/*
 * Where the map reads the document's identity, its first business key
 * (BEG03 for an 850): the key's name (borrowed from m) and the source
 * term of the field at the key's path.  0 when the map has no key or the
 * field has not exactly one source.  Used to name rejected sets, which
 * give no record.
 */
int eg_map_key_source(const eg_map *m, const char **name, char tag[4],
		      unsigned *elem, unsigned *comp);

/*
 * Code-list coverage, for `partner check`: for every field of map that
 * translates through a code list the profile defines, each code the
 * guide allows at the field's source element must have a translation.
 * Each gap is reported through fn; returns the number of gaps.
 */
unsigned eg_map_check_codes(const eg_map *m, const eg_profile *p,
			    const struct eg_guide *g, eg_pcheck_fn fn,
			    void *ud);

typedef struct eg_mapper_opts {
	eg_maps *maps;
	const eg_profile *profile;  /* code lists, overrides, rules; NULL */
	const eg_refstore *store;   /* for rules; NULL: they fail closed */
	time_t now;                 /* "today" for date rules */
	/* correlation: the file as the gateway knows it */
	const char *file_id;        /* required */
	const char *file_name;      /* or NULL */
	const char *file_sha256;    /* 64 hex digits, required */
	const char *received_at;    /* timestamp or NULL */
	/*
	 * 0: records wait for their interchange to end accepted (a group
	 * or interchange rejected later drops them).  1: each set's records
	 * are handed out as soon as the set is mapped, so memory stays
	 * bounded whatever the interchange size; the caller must then undo
	 * them itself when the group or interchange ends rejected (the
	 * pipeline rolls back to a mark).
	 */
	int eager;
	/* A record ready to be written (borrowed for the call). */
	eg_err (*record)(void *ud, const eg_rnode *rec, eg_error *e);
	/* A mapping or rule finding (rule ids "map-..." and "rule-..."). */
	void (*finding)(void *ud, const eg_finding *f);
	void *ud;
	/*
	 * Per-set limits, 0 for the defaults (16 MiB, 800,000 segments,
	 * 4,000,000 elements).  A set over any of them is not mapped: a
	 * map-too-large finding names the limit and the set gives no
	 * record.  They bound what mapping one set holds in memory.
	 */
	size_t max_set_bytes, max_set_segments, max_set_elements;
	/*
	 * Eager only: a repeating level with at least this many units under
	 * one parent (0: 1,024) is checked unit by unit as it is built and
	 * handed to the record callback as a run (record.h), its units
	 * built again one at a time as the record is written, so a set of
	 * 200,000 items is never held as a tree.  Only where nothing but the
	 * writers (and the ledger, through eg_rnode_each_same) read those
	 * units: no business key inside the level, no rule of the profile
	 * about the set.
	 * SIZE_MAX: never.
	 */
	size_t run_min_units;
} eg_mapper_opts;

typedef struct eg_mapper eg_mapper;

eg_err eg_mapper_new(eg_mapper **out, const eg_mapper_opts *o,
		     eg_error *e) EG_MUST_USE;
/* Every segment, before the envelope checks see it, read through the
 * segment view of its syntax's descriptor (syntax.h); the descriptors'
 * `map_segment` call this with themselves. */
eg_err eg_mapper_segment(eg_mapper *m, const struct eg_syntax_desc *syn,
			 const eg_x12_segment *seg, eg_error *e) EG_MUST_USE;
/* Every unit the envelope checks close (from eg_envelope_events). */
void eg_mapper_unit_end(eg_mapper *m, const eg_unit_result *u);
/* The first environment error (memory, broken map, store) met inside
 * unit_end, which cannot return one; EG_OK when none. */
eg_err eg_mapper_error(const eg_mapper *m, eg_error *e);

typedef struct eg_mapper_counts {
	unsigned long mapped;    /* transaction sets made into records */
	unsigned long records;   /* records handed out */
	unsigned long rejected;  /* sets rejected by the map or the rules */
	unsigned long unmapped;  /* sets with no map (or not validated) */
	/* units and segments visited, HL index probes: grows linearly with
	 * the input (tests compare it across sizes to catch quadratic
	 * work without timing anything) */
	unsigned long long steps;
} eg_mapper_counts;
void eg_mapper_counts_get(const eg_mapper *m, eg_mapper_counts *c);
void eg_mapper_free(eg_mapper *m);

#endif
