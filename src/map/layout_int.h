/*
 * layout_int.h - what the layout loader (layout_load.c) and the layout
 * mapper (layout_map.c) share.  Not installed.
 *
 * A layout field has one source: a CSV column (by name, number or fixed
 * position), an XML path relative to the record element, or a constant.
 * Per record, each field's values (canonical form, in the scratch buffer)
 * are rows of one value table, contiguous per field: v0 .. v0 + nv.
 */
#ifndef EDIGATE_LAYOUT_INT_H
#define EDIGATE_LAYOUT_INT_H

#include "edigate/layout.h"
#include "edigate/xml.h"
#include "edigate/xml_reader.h"
#include "map_int.h"

#define MAX_FIELDS 256
#define MAX_CODES 64
#define MAX_KEYS 8
#define MAX_SPLIT 16     /* values one CSV cell splits into */
#define MAX_PARTS 3      /* canonical path depth: order/item/sku */
#define VAL_MAX 600

typedef struct lcodes {
	char name[48];
	size_t n;
	const char **from, **to; /* strings live in the XML document */
} lcodes;

typedef struct lfield {
	char path[96];
	char parent[96];       /* path without its last part; "" at the top */
	char top[32];          /* first part */
	const cfield *cf;      /* the canonical field */
	const char *column;    /* header name, or NULL */
	long index;            /* 1-based column number, 0 none */
	long col;              /* bound column (0-based), -1: constant */
	const char *xml;       /* XML path (relative to the record), or NULL */
	long xidx;             /* its index in the reader's paths, -1 none */
	const char *uom_xml;
	long uom_xidx;
	int in_level;          /* under the layout's repeating level */
	const char *value, *dflt;
	int required;
	const lcodes *codes;
	char dec, thou;
	unsigned implied;
	const char *uom, *uom_column;
	long uom_col;
	char split;
	long line;
	/* per record: values v0..v0+nv of the value table; failed when a
	 * value was refused (its finding is told already) */
	size_t v0, nv;
	int failed;
} lfield;

/* One value of the current record. */
typedef struct lval {
	size_t off;  /* canonical text in the scratch buffer */
	long occ;    /* XML: occurrence of the level's element; else -1 */
	long src;    /* CSV: column; XML: reader value index; -1 none */
} lval;

typedef struct lkey {
	char name[48];
	char path[96];
} lkey;

struct eg_layout {
	eg_xml *x;
	char name[64], record[24], partner[64], version[24];
	const cshape *shape;
	int is_xml;
	eg_csv_opts o;
	eg_csv_fixcol fixed[MAX_FIELDS];
	/* XML: reader options and the paths they point at */
	eg_xmlr_opts xo;
	char xsd[1024];
	const char *xpaths[EG_XMLR_MAX_PATHS];
	size_t nxpaths;
	const char *xrepeat;   /* the level's XML element path */
	char level[96];        /* canonical path of the repeating level */
	const cfield *level_cf;
	lfield f[MAX_FIELDS];
	size_t nf;
	lcodes codes[MAX_CODES];
	size_t ncodes;
	lkey keys[MAX_KEYS];
	size_t nkeys;
	eg_layout_batch batch;
	eg_buf scratch;
	lval *vt;
	size_t nvt, vtcap;
};

/* Is t a numeric canonical type (read with decimal/thousands)? */
int eg_layout_is_number(ctype t);

#endif
