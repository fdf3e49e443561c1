/*
 * map_int.h - what the map loader (mapfile.c), the canonical shapes
 * (canon.c) and the mapper (mapper.c) share.  Not installed.
 */
#ifndef EDIGATE_MAP_INT_H
#define EDIGATE_MAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/map.h"

/* ---- map files ---- */

/* An X12 position: TD503, MEA04-1. */
typedef struct mterm {
	char tag[4];
	uint32_t tagn;
	uint16_t elem, comp; /* comp 0: the whole element (first component) */
} mterm;

/* A condition on the same segment: TD106=G, N101=ST|DA, MAN01 (present). */
typedef struct mcond {
	mterm t;
	char vals[64]; /* '|'-separated; "" = present (not empty) */
} mcond;

#define MAP_MAX_TERMS 3
#define MAP_MAX_CONDS 3

typedef struct mfield {
	char path[96];     /* canonical path: shipmentId, item/gtin */
	mterm src[MAP_MAX_TERMS]; /* concatenated when several ("TD302+TD303") */
	int nsrc;
	mcond when[MAP_MAX_CONDS];
	int nwhen;
	char pairs[64];    /* qualifier list: value follows its qualifier */
	mterm uom;         /* measures: where the unit is */
	int has_uom;
	char uom_fixed[8]; /* or a fixed unit */
	char codes[24];    /* code list the value goes through */
	char uom_codes[24];
	char value[64];    /* a constant */
	int has_value;
	char dflt[64];     /* when nothing is found */
	int has_dflt;
	int inherit;       /* also look in the enclosing levels */
	int counter;       /* 1, 2, 3... in document order (850 lines) */
	char versions[64]; /* only for these releases; "" = all */
	const char *file;  /* map or profile path, for messages */
	long line;
} mfield;

typedef struct mlevel {
	char name[16];     /* order, pack, item, line */
	char hl[16];       /* HL03 codes (by HL) */
	char open[4];      /* opening segment (by loop) */
	char end[48];      /* segments that close it (by loop) */
	char parent[32];   /* levels it may sit in (by loop); "" = the set */
	char requires[4];  /* a unit without this segment is see-through */
	int whole;         /* the level is the whole set (945: one order) */
	int header;        /* HL level merged into the set (856 S) */
} mlevel;

typedef struct mcodes {
	char name[24];
	size_t n;
	char **x12, **ours;
} mcodes;

typedef struct mkey {
	char name[48];
	char path[96];
} mkey;

#define MAP_MAX_LEVELS 8
#define MAP_MAX_KEYS 8

struct eg_map {
	char set[8];      /* ST01 (856) or UNH 0065 (DESADV) */
	char versions[64];
	char record[16];  /* Shipment, WarehouseOrder */
	int by_hl;
	int split_ship_to; /* one record per ship-to (850) */
	mlevel levels[MAP_MAX_LEVELS];
	size_t nlevels;
	mcodes *codes;
	size_t ncodes;
	mfield *fields;
	size_t nfields;
	mkey keys[MAP_MAX_KEYS];
	size_t nkeys;
	char *path;
};

/* Parse "TD503" / "MEA04-1"; -1 when malformed. */
int eg_mterm_parse(mterm *t, const char *s, size_t n);
/* Parse a field's source/when/pairs/uom text into f; -1 with a message
 * in err when malformed. */
int eg_mfield_parse(mfield *f, const char *source, const char *when,
		    const char *uom, char *err, size_t errcap);
const mcodes *eg_map_codes(const eg_map *m, const char *name);
const char *eg_mcodes_get(const mcodes *c, const char *code);

/* ---- canonical shapes (canon.c) ---- */

typedef enum ctype {
	CT_IDENT, CT_NAME, CT_TEXT, CT_WORD, CT_DECIMAL, CT_COUNT,
	CT_POSCOUNT, CT_DATE, CT_TIME, CT_GTIN, CT_SSCC, CT_GLN, CT_SCAC,
	CT_COUNTRY, CT_SUBDIV, CT_POSTAL, CT_CURRENCY, CT_UOM, CT_PACKAGING,
	CT_IDQUAL, CT_SERVICE, CT_PURPOSE, CT_MODE, CT_PAYMENT, CT_PHONE,
	CT_EMAIL, CT_LENGTH_UNIT,
	CT_BOOL, CT_TZ, CT_STATUS, CT_LOCTYPE, /* master data */
	CT_QUANTITY, CT_WEIGHT, CT_VOLUME, /* measures */
	CT_GROUP,  /* carrier, dimensions, contact */
	CT_PARTY,  /* built from an N1 loop */
	CT_LEVEL,  /* one record level per unit: order, pack, item, line */
} ctype;

typedef struct cshape cshape;

typedef struct cfield {
	const char *name;
	ctype type;
	unsigned char required;
	unsigned char max;      /* 1, or the most occurrences (0: any) */
	const cshape *sub;      /* CT_GROUP, CT_LEVEL */
} cfield;

struct cshape {
	const char *name;
	const cfield *f;
	size_t n;
	/* at least one of these must be present ("" ends the list) */
	const char *one_of[2][4];
};

const cshape *eg_canon_shape(const char *record);
/* Is the name a level of the record's shape (order, pack, item, line)? */
int eg_canon_is_level(const char *record, const char *name);
/* Find the field at a canonical path ("item/gtin", "carrier/scac",
 * "shipTo") in a record's shapes; NULL when there is none. */
const cfield *eg_canon_field(const char *record, const char *path);
/* Default code list for a measure's unit ("uom", "weight-unit"...). */
const char *eg_canon_unit_codes(ctype t);

/*
 * Bring value (n bytes) into the canonical form of type t, in out.
 * Returns 0, or -1 with why in err (a clause: "is not a date CCYYMMDD").
 * An empty result (n == 0 or only spaces) returns 1: absent.
 */
int eg_canon_value(ctype t, const char *v, size_t n, char *out, size_t cap,
		   char *err, size_t errcap);
/* Check a measure's unit for its type; 0 ok, -1 with err. */
int eg_canon_unit(ctype t, const char *u, char *err, size_t errcap);
/* The record kind for a type. */
eg_rkind eg_canon_kind(ctype t);

#endif
