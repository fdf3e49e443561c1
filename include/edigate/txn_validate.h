/*
 * txn_validate.h - validate transaction sets against implementation
 * guides.
 *
 * Plugs into the envelope checker as its transaction hook: at each ST it
 * picks the guide (by ST01 and GS08, or the override given), then places
 * every segment in the guide's structure (loops, order, repeats, usage),
 * checks its elements (presence, type, length, codes, dates, times,
 * repetitions, components, syntax notes) and the HL hierarchy, and
 * reports each problem with its AK304/IK304 or AK403/IK403 code.  A set
 * with no guide gets a "no guide" note: checked at envelope and syntax
 * level only, never passed off as validated.
 *
 * Memory: a stack of loop frames and, for 856-style sets, one byte per HL
 * of the open transaction set (to check HL02 parents).
 */
#ifndef EDIGATE_TXN_VALIDATE_H
#define EDIGATE_TXN_VALIDATE_H

#include "edigate/envelope.h"
#include "edigate/guide.h"

typedef struct eg_txnv eg_txnv;

typedef struct eg_txnv_opts {
	/* Findings reported per transaction set before the rest are
	 * summarised in one "too many errors" finding.  0 = 100. */
	unsigned max_findings;
	/* Use these guides (partner guides) for the sets they are for,
	 * instead of the shipped ones.  NULL entries are skipped. */
	const eg_guide *const *overrides;
	size_t noverrides;
} eg_txnv_opts;

/* guides is borrowed and must outlive the validator. */
eg_err eg_txnv_new(eg_txnv **out, eg_guides *guides, const eg_txnv_opts *o,
		   eg_error *e) EG_MUST_USE;
/* The hook to give eg_envelope_set_hook; lives as long as v. */
const eg_txn_hook *eg_txnv_hook(eg_txnv *v);
/* A broken guide file met during the run (EG_OK when none). */
eg_err eg_txnv_error(const eg_txnv *v, eg_error *e);
/* Transaction sets checked against a guide, and without one. */
void eg_txnv_counts(const eg_txnv *v, unsigned long *guided,
		    unsigned long *unguided);
void eg_txnv_free(eg_txnv *v);

#endif
