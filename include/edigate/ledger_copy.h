/*
 * ledger_copy.h - copy a SQLite ledger into an empty PostgreSQL one, so
 * that a single-node site can grow to several nodes (`edigate ledger
 * migrate --to postgresql://...`, docs/nodes.md).
 */
#ifndef EDIGATE_LEDGER_COPY_H
#define EDIGATE_LEDGER_COPY_H

#include <stdint.h>

#include "edigate/ledger.h"

/* What was copied of one table: rows read from the source and rows the
 * destination holds afterwards (equal, or the copy failed). */
typedef eg_err (*eg_ledger_copy_fn)(void *ud, const char *table,
				    int64_t from, int64_t to, eg_error *e);

/*
 * Copy every table of src (SQLite, opened read-only) into dst (a
 * PostgreSQL ledger of the same schema version, holding no file yet), in
 * one transaction of dst: all of it or nothing.  Row ids are kept and
 * dst's sequences continue after them.  fn (may be NULL) is called per
 * table after its rows were counted again in dst; a count that differs
 * fails the copy (EG_EIO), and nothing is committed.
 */
eg_err eg_ledger_copy(eg_ledger *src, eg_ledger *dst, eg_ledger_copy_fn fn,
		      void *ud, eg_error *e) EG_MUST_USE;

#endif
