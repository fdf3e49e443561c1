/*
 * ctlset.h - a set of control numbers, for duplicate detection.
 *
 * Numeric control numbers (the usual case) are kept as ranges of
 * consecutive values, so a group of a million sequential ST02s costs one
 * range.  Other values are kept as 64-bit hashes.  "0001" and "1" are
 * different control numbers.
 */
#ifndef EDIGATE_CTLSET_H
#define EDIGATE_CTLSET_H

#include <stddef.h>

#include "edigate/err.h"

typedef struct eg_ctlset eg_ctlset;

eg_err eg_ctlset_new(eg_ctlset **out) EG_MUST_USE;
/*
 * Add a value.  *seen is set to 1 if it was already in the set.
 * Fails only with EG_ENOMEM.
 */
eg_err eg_ctlset_add(eg_ctlset *s, const char *p, size_t n,
		     int *seen) EG_MUST_USE;
void eg_ctlset_clear(eg_ctlset *s);
void eg_ctlset_free(eg_ctlset *s);

#endif
