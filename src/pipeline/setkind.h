/*
 * setkind.h - what an inbound transaction set is to us (internal).
 *
 * Every set a file carries ends as exactly one of: accepted with records,
 * accepted as acknowledgement-only, rejected, or duplicate.  Before a set
 * is acknowledged or mapped the pipeline asks which kind it is, so that a
 * set nothing downstream can use (no guide to check it, no map to make
 * its record) is quarantined and answered "not supported" instead of
 * being counted accepted with nothing to show for it.
 */
#ifndef EDIGATE_SETKIND_H
#define EDIGATE_SETKIND_H

#include <stddef.h>

#include "edigate/envelope.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/syntax.h"

typedef enum eg_set_kind {
	EG_SET_PROCESS,     /* validated and mapped into records */
	EG_SET_ACK_ONLY,    /* the profile marks it acknowledge-only */
	EG_SET_ACK_IN,      /* a 997 / 999 / CONTRL the partner sent: read, stored,
			     * never acknowledged (ackin.c) */
	EG_SET_UNSUPPORTED, /* no guide, or no map where records are
			     * expected: quarantined, AK5*R*1 */
} eg_set_kind;

/*
 * The kind of the set ctl names.  no_guide: the validator found no guide
 * for it.  maps may be NULL (no map is looked for).  For
 * EG_SET_UNSUPPORTED, why (cap bytes) says what is missing in words for
 * the reject report.  A broken map file is an environment error (rc).
 */
eg_err eg_set_kind_of(const eg_syntax_desc *syn, const eg_profile *p,
		      eg_maps *maps, const eg_x12_ctl *ctl, int no_guide,
		      eg_set_kind *kind, char *why, size_t cap,
		      eg_error *e) EG_MUST_USE;

/* The ledger status word of a kind's accepted set ("accepted",
 * "ack-only"). */
const char *eg_set_kind_status(eg_set_kind k);

#endif
