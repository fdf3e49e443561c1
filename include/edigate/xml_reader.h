/*
 * xml_reader.h - the streaming XML document reader (partner ship
 * confirms, inventory snapshots, master data as XML).
 *
 * Built on libxml2's streaming reader (xmlTextReader): the file is read
 * a chunk at a time and handed out one *record* at a time -- every
 * element at the record path ("ShipConfirm/Shipment") -- with the values
 * the caller asked for, by paths relative to the record element
 * ("ShipmentId", "@id", "Lines/Line/Qty", "Lines/Line/Qty/@uom").
 * Memory is one record's values plus libxml2's parser state, whatever the
 * file size: the tree of a record is dropped as the reader moves past it.
 *
 * Hostile files are refused, never expanded (docs/xml.md, docs/limits.md):
 * a DTD internal subset (where entity declarations live: billion laughs,
 * external entities to local files or URLs) is refused before libxml2
 * sees it; external DTDs are never loaded, nothing goes to the network
 * (XML_PARSE_NONET; never NOENT, DTDLOAD, XINCLUDE or HUGE); an entity
 * reference other than the five predefined ones is refused; UTF-16 and
 * EBCDIC are refused by name; nesting depth, text and attribute sizes,
 * attributes per element, the values of a record and the file size are
 * limited.  With a schema (XSD) every record is validated as it streams
 * and the first schema error stops the file.
 *
 * Every error names the file, line, column (when libxml2 gives one), the
 * byte offset the parser had reached, the element path and what was
 * expected, in the eg_error message and as an eg_csv_where (the shared
 * "where" of reject reports: colname holds the element path, col is 0).
 *
 * Namespaces: paths match local names; prefixes and namespace URIs are
 * ignored ("cbc:ID" is "ID").
 *
 * Ownership: the reader owns every span and string it hands out; they
 * are valid until the next eg_xmlr_next or eg_xmlr_free.
 */
#ifndef EDIGATE_XML_READER_H
#define EDIGATE_XML_READER_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/buf.h"
#include "edigate/csv.h"
#include "edigate/err.h"

#define EG_XMLR_MAX_PATHS 256
#define EG_XMLR_MAX_REPEATS 4

typedef struct eg_xmlr_opts {
	/* element path of a record from the root, '/'-separated local
	 * names ("ShipConfirm/Shipment"); NULL or "": the root element is
	 * the one record */
	const char *record;
	/* validate against this XSD while reading; NULL: no schema */
	const char *xsd;
	/* values wanted, relative to the record element: an element's text
	 * ("Lines/Line/Sku") or an attribute ("@id", "Lines/Line/Qty/@uom");
	 * "." is the record element's own text */
	const char *const *paths;
	size_t npaths;
	/* repeating elements, relative to the record ("Lines/Line"): each
	 * value inside one is numbered by its occurrence (0, 1, ...) */
	const char *const *repeats;
	size_t nrepeats;
	unsigned max_depth;   /* element nesting; 0: 64 */
	size_t max_text;      /* bytes of one text or attribute; 0: 1 MiB */
	size_t max_attrs;     /* attributes of one element; 0: 256 */
	size_t max_values;    /* values kept for one record; 0: 65536 */
	size_t max_record;    /* bytes of values kept for one record;
			       * 0: 16 MiB */
	uint64_t max_bytes;   /* bytes of the file; 0: no limit */
} eg_xmlr_opts;

typedef struct eg_xmlr eg_xmlr;

/* One value of the current record. */
typedef struct eg_xmlr_val {
	size_t path;      /* index into opts.paths */
	long occ;         /* occurrence of its repeat element, -1: none */
	size_t rep;       /* which repeat (when occ >= 0) */
	eg_span s;        /* text, UTF-8, XML whitespace trimmed */
	unsigned long line;
} eg_xmlr_val;

/*
 * Open a file or a memory block (borrowed: must outlive the reader).
 * Nothing is read yet except the first bytes (UTF-16/EBCDIC refused).
 */
eg_err eg_xmlr_open(eg_xmlr **out, const char *path, const eg_xmlr_opts *o,
		    eg_error *e) EG_MUST_USE;
eg_err eg_xmlr_open_mem(eg_xmlr **out, const void *p, size_t n,
			const eg_xmlr_opts *o, eg_error *e) EG_MUST_USE;
void eg_xmlr_free(eg_xmlr *r);

/*
 * The next record: *got 1 with one, 0 at the end of the document (which
 * must be complete: a file cut short is an error).  An error ends the
 * file (XML cannot be resumed past a well-formedness or schema error):
 * every later call returns the same error.  EG_ESYNTAX: not well-formed,
 * hostile, in an encoding not read, or not valid against the schema;
 * EG_ELIMIT: over a limit; EG_ENOMEM as usual.
 */
eg_err eg_xmlr_next(eg_xmlr *r, int *got, eg_error *e) EG_MUST_USE;

/* Values of the current record, in document order. */
size_t eg_xmlr_nvalues(const eg_xmlr *r);
const eg_xmlr_val *eg_xmlr_value(const eg_xmlr *r, size_t i);
/* How many times repeat i occurred in the current record. */
long eg_xmlr_repeat_count(const eg_xmlr *r, size_t i);

/* The current record: first and last line, its number (1-based), its
 * element path with index ("/ShipConfirm/Shipment[2]"), and the byte
 * offset the parser had reached when it started (libxml2 parses ahead
 * in chunks: a lower bound for the next record, not exact). */
void eg_xmlr_record_pos(const eg_xmlr *r, uint64_t *first_line,
			uint64_t *last_line, uint64_t *number,
			uint64_t *offset);
const char *eg_xmlr_record_path(const eg_xmlr *r);

/* Where value i is (i out of range: the record), for reject reports. */
void eg_xmlr_where_value(const eg_xmlr *r, size_t i, eg_csv_where *w);
/* Where the last error happened. */
const eg_csv_where *eg_xmlr_last_error(const eg_xmlr *r);

/* Bytes read from the file so far, records handed out so far. */
uint64_t eg_xmlr_bytes(const eg_xmlr *r);
uint64_t eg_xmlr_records(const eg_xmlr *r);

/* Is p a path the reader accepts (names, '/', one trailing "@attr")?
 * 0, or -1 with a clause in why. */
int eg_xmlr_path_check(const char *p, char *why, size_t whycap);

#endif
