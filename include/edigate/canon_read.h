/*
 * canon_read.h - canonical records handed to us (the outbound
 * direction's input): one JSON object of schemas/canonical.xsd, as
 * docs/canonical.md writes them, read into a record tree and checked
 * against the record's shape.
 *
 * The checks are the schema's: known field names only, required fields,
 * "one of" choices (a line needs a GTIN, a SKU or a buyer part number),
 * cardinality, and every value in its canonical type (dates, GTIN and
 * SSCC check digits, codes, units).  "correlation" is optional here: our
 * own systems do not know the control numbers yet; when given it is
 * ignored, the gateway writes its own.
 */
#ifndef EDIGATE_CANON_READ_H
#define EDIGATE_CANON_READ_H

#include <stddef.h>

#include "edigate/buf.h"
#include "edigate/err.h"
#include "edigate/record.h"

/*
 * Read one JSON line (n bytes) as a canonical record of one of the
 * record types in want ("WarehouseOrder", NULL: any).  On success *out
 * is the record (the caller frees it with eg_rnode_free) and *nbad 0.
 * When the record breaks the schema *out is NULL, *nbad the number of
 * problems, and each is appended to why as one line "PATH: problem".
 * Returns an error only for what is not the record's fault (memory).
 */
eg_err eg_canon_read_json(eg_rnode **out, const char *line, size_t n,
			  const char *want, eg_buf *why, unsigned *nbad,
			  eg_error *e) EG_MUST_USE;

#endif
