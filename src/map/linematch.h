/*
 * linematch.h - which ordered line a shipped item counts for, in constant
 * time per item (rules.c, quantity-tolerance).  Not installed.
 *
 * An item matches a line by sku when both have one, else by GTIN
 * (leading zeros aside), else by buyer part number; among the lines it
 * matches it counts for the one with its line number, else the first.
 * eg_linematch gives that answer from an index built once per ordered
 * document, where a scan of every line per item made checking a 945 of
 * n items against a 940 of n lines cost n * n.
 *
 * Ownership: the index borrows the document's lines; free it before
 * them.
 */
#ifndef EDIGATE_LINEMATCH_H
#define EDIGATE_LINEMATCH_H

#include <stddef.h>

#include "edigate/err.h"
#include "edigate/rules.h"

typedef struct eg_lineindex eg_lineindex;

eg_err eg_lineindex_new(eg_lineindex **out, const eg_ref_line *lines,
			size_t n) EG_MUST_USE;
void eg_lineindex_free(eg_lineindex *x);
/* The line (index into lines) an item with these identifiers (each NULL
 * when the item has none) counts for; n when none. */
size_t eg_linematch(const eg_lineindex *x, const char *sku, const char *gtin,
		    const char *buyer_part, const char *line_number);

#endif
