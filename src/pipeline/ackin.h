/*
 * ackin.h - acknowledgements a partner sends us (internal).
 *
 * A TA1, 997 or 999 is never acknowledged back (no 997 for a 997; a TA1
 * only when its own envelope is refused).  Its statuses are read and
 * kept in the ledger (ledger_acks.h), matched to what we sent, and a
 * rejection becomes an attention item for `status` and `show`.
 */
#ifndef EDIGATE_ACKIN_H
#define EDIGATE_ACKIN_H

#include <time.h>

#include "edigate/err.h"
#include "edigate/ledger.h"
#include "edigate/syntax.h"

typedef struct eg_ackin_counts {
	unsigned statuses;   /* kept */
	unsigned matched;    /* answering a file we sent */
	unsigned attention;  /* rejections for a person */
} eg_ackin_counts;

/*
 * Read the acknowledgements in path (received as file_id from partner)
 * and keep every status, inside the caller's transaction.  A file that
 * holds none is not an error (counts stay 0).
 */
eg_err eg_ackin_store(eg_ledger *l, const eg_syntax_desc *syn,
		      const char *partner, const char *file_id,
		      const char *path, time_t now, eg_ackin_counts *c,
		      eg_error *e) EG_MUST_USE;

#endif
