/*
 * x12_check.h - run the X12 reader and the envelope checks over a file.
 *
 * The one driver that `edigate validate` (and later the pipeline) uses:
 * it streams the file, feeds every segment to the envelope checker and
 * reports findings and unit outcomes through the envelope events.  A fatal
 * reader error becomes a finding too, so a bad file always yields a
 * result, never just a failure.
 */
#ifndef EDIGATE_X12_CHECK_H
#define EDIGATE_X12_CHECK_H

#include "edigate/envelope.h"
#include "edigate/guide.h"
#include "edigate/x12.h"

typedef struct eg_x12_check_opts {
	eg_x12_limits limits;
	/* Guide validation: NULL for envelope and syntax checks only. */
	eg_guides *guides;
	/* partner guides, each used for its set (NULL entries skipped) */
	const eg_guide *const *overrides;
	size_t noverrides;
	/* what the partner's files must say about who they are from and to,
	 * and which sets they may hold (NULL: no partner) */
	const eg_envelope_expect *expect;
	unsigned max_findings;    /* per transaction set; 0 = 100 */
	/* Called about every 4 MiB of input with the bytes read so far. */
	void (*progress)(void *ud, uint64_t offset);
	void *progress_ud;
	/* Every segment, before the envelope checks see it (the mapper
	 * copies transaction sets here); an error stops the walk. */
	eg_err (*segment)(void *ud, const eg_x12_segment *seg, eg_error *e);
	void *segment_ud;
} eg_x12_check_opts;

typedef struct eg_x12_check_result {
	eg_envelope_totals totals;
	uint64_t bytes;
	uint64_t segments;
	int reader_failed; /* the file could not be read to its end */
	unsigned long guided;   /* transaction sets checked against a guide */
	unsigned long unguided; /* ... and without one ("no guide") */
} eg_x12_check_result;

/*
 * Check src.  Returns EG_OK when the check ran (the document may still
 * have errors: see res->totals.errors); an error only when the check
 * itself could not run (out of memory, I/O, a broken guide file:
 * EG_ECONFIG).
 */
eg_err eg_x12_check(eg_source *src, const eg_x12_check_opts *opts,
		    const eg_envelope_events *ev, eg_x12_check_result *res,
		    eg_error *e) EG_MUST_USE;

#endif
