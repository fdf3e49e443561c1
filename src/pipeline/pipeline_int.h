/*
 * pipeline_int.h - what the pipeline's modules share (internal): the
 * support actions (requeue.c) reach the pipeline's ledger, options and
 * file rows through these, the rest of struct eg_pipeline stays private
 * to inbound.c.
 */
#ifndef EDIGATE_PIPELINE_INT_H
#define EDIGATE_PIPELINE_INT_H

#include <stdint.h>

#include "edigate/pipeline.h"

eg_ledger *eg_pl_ledger(eg_pipeline *pl);
const eg_pipeline_opts *eg_pl_opts(const eg_pipeline *pl);
/* The partner being served (NULL: none). */
void eg_pl_set_partner(eg_pipeline *pl, const eg_pipeline_partner *pp);
/* Record a file as received (inside the caller's transaction); its spool
 * copy is to be renamed to in/PARTNER/ID.  origin and reprocess_of name
 * its chain; id gets the new file id. */
eg_err eg_pl_insert_file(eg_pipeline *pl, const char *source,
			 const char *name, uint64_t size, const char *sha,
			 const char *origin, const char *reprocess_of,
			 char id[32], eg_error *e) EG_MUST_USE;

#endif
