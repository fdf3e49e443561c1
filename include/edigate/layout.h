/*
 * layout.h - layouts: how a partner's CSV, fixed-width or XML document
 * maps to canonical records (Item, Location, Carrier, InventorySnapshot
 * from any; Shipment and WarehouseOrder, which have levels, from XML).
 *
 * A layout is an XML file (schemas/layout.xsd, docs/csv.md): the file's
 * dialect, one field per canonical field (column, number format, code
 * list, default, required), the business keys and the batch thresholds.
 * Loading checks the form against the schema and the meaning (paths are
 * fields of the record, code lists exist, measures have a unit) and names
 * the line of every problem.
 *
 * Mapping a row gives the canonical record (schema order, values in
 * canonical form), its business key and a flat form of its values that
 * the delta engine compares; a bad row gives every problem, each with
 * its line, column, byte offset and raw value, and no record.
 *
 * Ownership: the layout owns everything it hands out; eg_layout_row's
 * buffers belong to the caller (eg_layout_row_free).
 */
#ifndef EDIGATE_LAYOUT_H
#define EDIGATE_LAYOUT_H

#include <stddef.h>

#include "edigate/buf.h"
#include "edigate/csv.h"
#include "edigate/err.h"
#include "edigate/record.h"
#include "edigate/xml_reader.h"

typedef struct eg_layout eg_layout;

/* A problem found while loading: file line, message. */
typedef void (*eg_layout_problem_fn)(void *ud, long line, const char *msg);

/*
 * Load and check path against xsd (may be NULL: no schema check).  Every
 * problem of meaning goes to fn (may be NULL) with its line; the call
 * fails with EG_ECONFIG when there is any, its first in e.
 */
eg_err eg_layout_load(eg_layout **out, const char *path, const char *xsd,
		      eg_layout_problem_fn fn, void *ud,
		      eg_error *e) EG_MUST_USE;
void eg_layout_free(eg_layout *l);

const char *eg_layout_name(const eg_layout *l);
const char *eg_layout_record(const eg_layout *l);
/* The reader options the layout asks for (pointers into l). */
void eg_layout_csv_opts(const eg_layout *l, eg_csv_opts *o);
/* 1 for an XML layout (an <xml> element): read with eg_xmlr, map with
 * eg_layout_map_xml; 0 for CSV and fixed width. */
int eg_layout_is_xml(const eg_layout *l);
void eg_layout_xml_opts(const eg_layout *l, eg_xmlr_opts *o);
/*
 * Resolve the layout's column names against the file's header: a column
 * the layout needs that the header lacks fails (a moved or renamed column
 * is caught here, before any row is read).
 */
eg_err eg_layout_bind(eg_layout *l, eg_csv *r, eg_error *e) EG_MUST_USE;

/* Flat values: one slot per layout field, in layout order. */
size_t eg_layout_nslots(const eg_layout *l);
const char *eg_layout_slot_name(const eg_layout *l, size_t i);

typedef struct eg_layout_batch {
	double max_drop_percent; /* default 10 */
	long max_deletes;        /* -1: no limit */
	int quarantine_bad_rows; /* 0: a bad row rejects the file */
	double max_bad_percent;  /* default 1 */
} eg_layout_batch;
const eg_layout_batch *eg_layout_batch_of(const eg_layout *l);

/* What the correlation chain of every record says about its file. */
typedef struct eg_layout_src {
	const char *partner;     /* NULL: the layout's partner */
	const char *file_id;
	const char *file_name;   /* may be NULL */
	const char *sha256;      /* 64 hex digits */
	const char *received_at; /* may be NULL */
} eg_layout_src;

typedef void (*eg_layout_finding_fn)(void *ud, const eg_csv_where *w,
				     const char *why);

typedef struct eg_layout_row {
	eg_rnode *rec;  /* NULL when the row is bad */
	eg_buf key;     /* key values, escaped (see eg_layout_escape) and
			 * joined by 0x1F; "" when the key itself is bad */
	eg_buf flat;    /* slot values, escaped, joined by TAB */
	unsigned nbad;  /* problems found in the row */
} eg_layout_row;

void eg_layout_row_init(eg_layout_row *row);
void eg_layout_row_free(eg_layout_row *row);

/*
 * Map the reader's current record.  Every problem goes to fn (may be
 * NULL) and is counted in row->nbad; row->rec is then NULL.  Fails only
 * when memory or a limit fails.
 */
eg_err eg_layout_map(eg_layout *l, eg_csv *r, const eg_layout_src *src,
		     eg_layout_row *row, eg_layout_finding_fn fn,
		     void *ud, eg_error *e) EG_MUST_USE;

/*
 * The same for the XML reader's current record (an XML layout): values
 * go through the same pipeline (code lists, numbers, defaults, required,
 * canonical checks); findings carry the line and element path.
 */
eg_err eg_layout_map_xml(eg_layout *l, eg_xmlr *x, const eg_layout_src *src,
			 eg_layout_row *row, eg_layout_finding_fn fn,
			 void *ud, eg_error *e) EG_MUST_USE;

/* Append p with TAB, LF, CR, 0x1F and backslash escaped (\t \n \r \x1F
 * \\), so the result holds none of the delta files' separators. */
eg_err eg_layout_escape(eg_buf *b, const char *p, size_t n) EG_MUST_USE;

#endif
