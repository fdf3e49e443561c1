/*
 * ledger_files.h - questions about received files, asked by name.
 *
 * The support commands and the pipeline ask the ledger through these
 * functions rather than with SQL of their own, so the schema can change
 * behind them (docs/ledger.md).
 */
#ifndef EDIGATE_LEDGER_FILES_H
#define EDIGATE_LEDGER_FILES_H

#include <stdint.h>

#include "edigate/ledger.h"

/* A file's transaction sets by outcome: no fifth way. */
typedef struct eg_ledger_sets {
	int64_t records;   /* accepted, made into records ("accepted",
			    * "change") */
	int64_t ack_only;  /* accepted as acknowledgement-only: a 997 / 999
			    * / TA1 received, or a document the profile
			    * marks acknowledge-only */
	int64_t rejected;
	int64_t duplicate;
} eg_ledger_sets;

eg_err eg_ledger_file_sets(eg_ledger *l, const char *file_id,
			   eg_ledger_sets *out, eg_error *e) EG_MUST_USE;

/* The file states the ledger knows, space separated ("received
 * processed accepted ..."), for messages. */
const char *eg_ledger_file_states(void);
/* Is s one of them? */
int eg_ledger_is_file_state(const char *s);

/* Partners the ledger has seen (files or runs), space separated, into
 * dst (cap bytes; cut at a word when too long). */
eg_err eg_ledger_partners(eg_ledger *l, char *dst, size_t cap,
			  eg_error *e) EG_MUST_USE;

#endif
