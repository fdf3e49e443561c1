/*
 * ack_read.h - read a partner's TA1, 997 and 999 acknowledgements.
 *
 * Turns an inbound acknowledgement file into one status per acknowledged
 * interchange (TA1), functional group (AK1..AK9) and transaction set
 * (AK2..AK5 / IK5), with the codes and the segment/element detail: what
 * the partner accepted or rejected, and why.  This is what reconciling
 * our outbound files against their acknowledgements is built on.
 */
#ifndef EDIGATE_ACK_READ_H
#define EDIGATE_ACK_READ_H

#include <stdint.h>

#include "edigate/err.h"
#include "edigate/source.h"

typedef enum eg_ack_level {
	EG_ACK_INTERCHANGE, /* a TA1 */
	EG_ACK_GROUP,       /* AK1 .. AK9 */
	EG_ACK_SET,         /* AK2 .. AK5 / IK5 */
} eg_ack_level;

typedef struct eg_ack_status {
	eg_ack_level kind;
	char ack_type[7];  /* "TA1", "997", "999"; "CONTRL" (contrl_read.h) */
	char ack_isa13[10]; /* the acknowledgement's own interchange */
	/* what is acknowledged */
	char isa13[10];    /* TA101 */
	char gs01[3], gs06[10], gs08[13]; /* AK101, AK102, AK103 */
	char st01[7], st02[10];           /* AK201, AK202 */
	char status[2];    /* TA104 / AK901 / AK501 (IK501) */
	char codes[5][4];  /* TA105 / AK905..909 / AK502..506 */
	unsigned ncodes;
	uint32_t included, received, accepted; /* AK902..904 */
	/* AK3/AK4 (IK3/IK4) lines of a set, as "AK3 TD1 at 4 in loop HL:
	 * 1; AK4 element 3 (67): 5 'XX'" -- for people, capped. */
	char detail[600];
	unsigned nsegment_errors;
} eg_ack_status;

typedef void (*eg_ack_status_fn)(void *ud, const eg_ack_status *s);

/*
 * Read src and report every status through fn.  Returns EG_OK when the
 * file was read; EG_ESYNTAX when it is not X12 or holds no TA1, 997 or
 * 999 (e holds where).
 */
eg_err eg_ack_read(eg_source *src, eg_ack_status_fn fn, void *ud,
		   unsigned *nstatus, eg_error *e) EG_MUST_USE;

#endif
