/*
 * ledger_acks.h - acknowledgements the partners sent us, in the ledger.
 *
 * A partner's TA1, 997 or 999 is never acknowledged back; it is read,
 * each status (interchange, group, set) kept in the acks_in table and
 * matched to what we sent when the ledger knows it (`edigate sent`
 * records our interchanges and groups).  A rejection -- TA1 R, AK9/IK9
 * R or P (or M, W, X), AK5/IK5 R or E (or M, W, X) -- is an attention
 * item until a later acknowledgement accepts the same interchange, group
 * or set: `status` counts them (7 days), `show` lists them.  docs/ledger.md describes the table.
 */
#ifndef EDIGATE_LEDGER_ACKS_H
#define EDIGATE_LEDGER_ACKS_H

#include <stdint.h>

#include "edigate/ledger.h"

/* ack_read.h's status; not included here, so that users of ack.h (whose
 * eg_ack_kind() is a function) can include this header too */
struct eg_ack_status;

/* One status of a received acknowledgement, as the ledger keeps it. */
typedef struct eg_ledger_ack {
	char file_id[32];   /* the received file that carried it */
	char sent_file[32]; /* our file it answers, "" when not known */
	char level[12];     /* interchange, group, set */
	char ack_type[7];   /* TA1, 997, 999, CONTRL */
	char isa13[10], gs01[3], gs06[10], st01[7], st02[10];
	char status[2];     /* A E P R (M W X) */
	char codes[24];     /* "5 1" */
	char detail[600];
	int attention;
	int64_t at;
} eg_ledger_ack;

/* Does this status need a person (a rejection or acceptance with
 * errors as above)? */
int eg_ledger_ack_is_attention(const struct eg_ack_status *s);

/*
 * Keep one status read from file_id (partner's), matched to the file we
 * sent it answers; out (may be NULL) gets the row as stored.  Inside the
 * caller's transaction.
 */
eg_err eg_ledger_ack_add(eg_ledger *l, const char *partner,
			 const char *file_id, const struct eg_ack_status *s,
			 int64_t at, eg_ledger_ack *out,
			 eg_error *e) EG_MUST_USE;

/* Attention items of a partner (NULL: all) since a time. */
eg_err eg_ledger_acks_attention(eg_ledger *l, const char *partner,
				int64_t since, int64_t *n,
				eg_error *e) EG_MUST_USE;

/*
 * Every status received in file_id, or answering file_id (what we sent),
 * oldest first, through fn; a non-zero return from fn stops.
 */
typedef int (*eg_ledger_ack_fn)(void *ud, const eg_ledger_ack *a);
eg_err eg_ledger_acks_of_file(eg_ledger *l, const char *file_id,
			      eg_ledger_ack_fn fn, void *ud,
			      eg_error *e) EG_MUST_USE;

/* Remember an interchange or group we sent (status 'sent') so that the
 * partner's acknowledgement of it can be matched. */
eg_err eg_ledger_sent_unit(eg_ledger *l, const char *file_id, int group,
			   const char *isa13, const char *sender,
			   const char *receiver, const char *gs01,
			   const char *gs06, const char *gs08, int64_t at,
			   eg_error *e) EG_MUST_USE;

#endif
