/*
 * recflat.h - a canonical record (one JSON Lines line, docs/canonical.md)
 * flattened into its leaves, for comparing records field by field
 * (`edigate shadow compare`).
 *
 * Each leaf is "path\tvalue\n": the path from the record's root
 * ("orders[0].items[1].sku"), the value as JSON text (strings with their
 * quotes; numbers in a plain decimal form, so 18.50 and 18.5 are one
 * value).  Leaves are sorted by path.  The key is the record type and
 * its correlation keys ("Shipment shipment-id=WS1"); correlation fields
 * (file id, hash, position) are not leaves: they differ between any two
 * producers of the same record.
 */
#ifndef EDIGATE_RECFLAT_H
#define EDIGATE_RECFLAT_H

#include <stddef.h>

#include "edigate/buf.h"
#include "edigate/err.h"

typedef struct eg_recflat {
	eg_buf key;    /* "RecordType name=value name=value" */
	eg_buf leaves; /* sorted "path\tvalue\n" lines */
} eg_recflat;

void eg_recflat_init(eg_recflat *r);
void eg_recflat_free(eg_recflat *r);
/* Flatten one line; EG_EPARSE with where it is wrong when it is not a
 * JSON object. */
eg_err eg_recflat_line(eg_recflat *r, const char *line, size_t len,
		       eg_error *e) EG_MUST_USE;

#endif
