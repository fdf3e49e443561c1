/*
 * ledger_dedupe.h - the ledger's questions about earlier deliveries under
 * the same control numbers (spool/ledger_dedupe.c; docs/ledger.md).
 *
 * A control number says where a document claims to come from, not what
 * it is: partners reset and wrap their counters, VANs replay.  These
 * queries tell the pipeline (pipeline/dedupe.c) what earlier files carried
 * an interchange number (sender, receiver, ISA13) or a group number
 * (GS02, GS03, GS06) within the profile's window, whether that delivery
 * was rejected wholly or in part, and whether a set with the very same
 * bytes came under it.  Files of the asking file's own reprocess chain
 * are never "earlier deliveries"; earlier interchanges of the same file
 * are (an interchange repeated inside one file).
 *
 * All strings are borrowed for the call; results are copied out.
 */
#ifndef EDIGATE_LEDGER_DEDUPE_H
#define EDIGATE_LEDGER_DEDUPE_H

#include <stdint.h>

#include "edigate/err.h"
#include "edigate/ledger.h"

/* One control number as the asking file sees it. */
typedef struct eg_unit_key {
	int group;             /* 0: interchange (a sender, b receiver,
				* c ISA13); 1: group (a GS02, b GS03, c GS06) */
	const char *a, *b, *c;
	const char *partner;
	int64_t since;         /* the window's start (epoch seconds) */
	const char *file_id;   /* the asking file */
	const char *origin;    /* first file of its reprocess chain */
	int64_t seq;           /* its interchange's number in the file */
} eg_unit_key;

/* What earlier deliveries under one control number were. */
typedef struct eg_unit_past {
	int seen;              /* some earlier file carried the number */
	char first[32];        /* the earliest of them */
	char latest[32];       /* the latest of them */
	int latest_rejected;   /* ...was rejected wholly or in part */
} eg_unit_past;

eg_err eg_ledger_unit_past(eg_ledger *l, const eg_unit_key *k,
			   eg_unit_past *out, eg_error *e) EG_MUST_USE;

/*
 * An earlier set under the key with these bytes (digest: SHA-256 hex of
 * its ST..SE segments): its file into file and its status (accepted,
 * change, duplicate, rejected, held) into status; both "" when none.
 * One that was delivered (accepted, change, duplicate) is preferred.
 */
eg_err eg_ledger_set_seen(eg_ledger *l, const eg_unit_key *k,
			  const char *digest, char file[32], char status[16],
			  eg_error *e) EG_MUST_USE;

/* Was the interchange (sender, receiver, ISA13) acknowledged already by
 * another file of the reprocess chain origin (not file_id)? */
eg_err eg_ledger_chain_acked(eg_ledger *l, const char *origin,
			     const char *file_id, const char *sender,
			     const char *receiver, const char *isa13,
			     int *acked, eg_error *e) EG_MUST_USE;

/* Note the acknowledgement (our ISA13 control) that answered interchange
 * seq of file_id. */
eg_err eg_ledger_note_ack(eg_ledger *l, const char *file_id, int64_t seq,
			  const char *control, eg_error *e) EG_MUST_USE;

/* file_id is a corrected resend of the rejected file resend_of. */
eg_err eg_ledger_link_resend(eg_ledger *l, const char *file_id,
			     const char *resend_of, eg_error *e) EG_MUST_USE;

/* A person let file_id past the control-number check (release, forced
 * reprocess); is it so? */
eg_err eg_ledger_mark_past_dedupe(eg_ledger *l, const char *file_id,
				  eg_error *e) EG_MUST_USE;
eg_err eg_ledger_past_dedupe(eg_ledger *l, const char *file_id, int *past,
			     eg_error *e) EG_MUST_USE;

#endif
