/*
 * dedupe.h - duplicates and reused control numbers, set by set
 * (internal to the pipeline; dedupe.c).
 *
 * A control number is a claim, not an identity.  The pipeline feeds every
 * segment here; for each transaction set this module keeps the SHA-256 of
 * its ST..SE segments and the document's business key as the shipped map
 * reads it (BEG03, BSN02, W0502...), read from the segments so a rejected
 * set is named too.  When a set arrives under an interchange (or group)
 * number an earlier file carried within the profile's window, the set is
 * judged against what came before:
 *   - the same bytes were delivered before           -> duplicate
 *   - the earlier delivery was rejected wholly or in part
 *                                                    -> corrected resend
 *   - other content under a number that went through -> held (suspected
 *     reuse; quarantined for a person) or new, per the profile.
 */
#ifndef EDIGATE_DEDUPE_H
#define EDIGATE_DEDUPE_H

#include "edigate/err.h"
#include "edigate/ledger_dedupe.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/syntax.h"

typedef enum eg_dd_verdict {
	EG_DD_NEW = 0,   /* no earlier delivery under its numbers */
	EG_DD_DUPLICATE, /* these bytes were delivered before */
	EG_DD_HELD,      /* other content under a number seen before */
	EG_DD_RESEND,    /* the earlier delivery was rejected: corrected */
	EG_DD_REUSE_NEW, /* other content; the profile takes it as new */
} eg_dd_verdict;

typedef struct eg_dedupe eg_dedupe;

/* maps (borrowed, may be NULL: no business keys) finds each set's key. */
/* syn: the file's syntax (borrowed), whose segment view is read. */
eg_err eg_dedupe_new(eg_dedupe **out, eg_maps *maps,
		     const eg_syntax_desc *syn, eg_error *e) EG_MUST_USE;
void eg_dedupe_free(eg_dedupe *d);

/* Every segment of the file, in order. */
eg_err eg_dedupe_segment(eg_dedupe *d, const eg_segment *seg,
			 eg_error *e) EG_MUST_USE;

/*
 * The set that just ended: its digest (SHA-256 hex of its segments) and
 * its key ("po-number=PO-1", "" when none could be read).  Both valid
 * until the next segment.
 */
eg_err eg_dedupe_set_end(eg_dedupe *d, const char **digest, const char **key,
			 eg_error *e) EG_MUST_USE;

/* An interchange or group number as the pipeline meets it, and what the
 * ledger knows of earlier deliveries under it.  Owned by the caller. */
typedef struct eg_dd_unit {
	eg_unit_key key;
	eg_unit_past past;
	char a[48], b[48], c[16];
	char file_id[32], origin[32];
} eg_dd_unit;

eg_err eg_dedupe_unit(eg_ledger *l, eg_dd_unit *u, int group,
		      const char *a, const char *b, const char *c,
		      const eg_profile *p, int64_t now, const char *file_id,
		      const char *origin, int64_t seq, eg_error *e) EG_MUST_USE;

/* Judge a set with this digest under unit u; of gets the earlier file
 * the verdict names ("" for EG_DD_NEW). */
eg_err eg_dedupe_judge(eg_ledger *l, const eg_dd_unit *u, const char *digest,
		       const eg_profile *p, eg_dd_verdict *v, char of[32],
		       eg_error *e) EG_MUST_USE;

/* What the sets of one interchange or group were judged (the first
 * earlier file named by each kind of verdict). */
typedef struct eg_dd_tally {
	unsigned sets, dups, held;
	int resend, reuse_new;
	char dup_of[32], held_of[32], other_of[32];
} eg_dd_tally;

void eg_dd_tally_add(eg_dd_tally *t, eg_dd_verdict v, const char *of);

/* A unit's status: "rejected" (its syntax), "duplicate" (every set, or
 * a set-less unit whose number was seen, or a file of the same bytes),
 * "held" (a set held), else "accepted". */
const char *eg_dd_unit_status(const eg_dd_tally *t, int rejected, int seen,
			      int dup_file);

#endif
