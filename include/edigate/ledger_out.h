/*
 * ledger_out.h - the outbound direction's questions to the ledger:
 * documents waiting for delivery, what was sent, and what the partner's
 * acknowledgements said about it (ledger_out.c).
 *
 * A sent document is an output of kind "document" of an input file of
 * source "outbound"; its interchange and group rows (status "sent") are
 * what acks_in matches a TA1/997/999 to (ledger_acks.c).
 */
#ifndef EDIGATE_LEDGER_OUT_H
#define EDIGATE_LEDGER_OUT_H

#include <stdint.h>

#include "edigate/ledger.h"

/* Published documents of partner not yet delivered, oldest first. */
typedef eg_err (*eg_ledger_out_fn)(void *ud, int64_t output_id,
				   const char *file_id, const char *path,
				   const char *name, eg_error *e);
eg_err eg_ledger_out_unsent(eg_ledger *l, const char *partner,
			    eg_ledger_out_fn fn, void *ud,
			    eg_error *e) EG_MUST_USE;
/* Every document output of file_id (any state), in order. */
eg_err eg_ledger_out_of_file(eg_ledger *l, const char *file_id,
			     eg_ledger_out_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/* The partner of an input of `edigate send` (*found 0: no such input). */
eg_err eg_ledger_out_partner(eg_ledger *l, const char *file_id,
			     char partner[64], int *found,
			     eg_error *e) EG_MUST_USE;

/* The set txn_id (a document we sent) is in interchange isa13; key
 * ("order-number=ORD1", or NULL) is what its answers are matched by. */
eg_err eg_ledger_out_txn_isa(eg_ledger *l, int64_t txn_id, const char *isa13,
			     const char *key, eg_error *e) EG_MUST_USE;

/* `edigate resend`: the set st01 st02 in interchange isa13 of file_id,
 * the renumbered copy of the nth set (0 first) of interchange old_isa13
 * of old_file, whose business key it keeps. */
eg_err eg_ledger_out_resend_txn(eg_ledger *l, const char *file_id,
				const char *old_file, const char *old_isa13,
				unsigned nth, const char *st01,
				const char *st02, const char *isa13,
				eg_error *e) EG_MUST_USE;

/* The control number (ISA13) output output_id was written with. */
eg_err eg_ledger_out_doc_control(eg_ledger *l, int64_t output_id,
				 char ctl[16], eg_error *e) EG_MUST_USE;

/* Output output_id was delivered at at (its sent_at: schema 7). */
eg_err eg_ledger_out_delivered(eg_ledger *l, int64_t output_id, int64_t at,
			       eg_error *e) EG_MUST_USE;

/* One sent document as `edigate sent` lists it. */
typedef struct eg_ledger_sent_doc {
	char file_id[32], partner[64], input[256], name[128];
	char isa13[10], gs06[10], sets[64]; /* "940 0001, 940 0002" */
	char keys[200];                     /* "order-number=ORD1" */
	char delivery[12];                  /* staged, published, sent */
	char ack[16];  /* "", accepted, with-errors, partially, rejected */
	char ack_detail[200];
	int64_t at, acked_at;
} eg_ledger_sent_doc;

/* Sent documents (of partner, NULL: all; file_id NULL: all), newest
 * first, at most max (0: all). */
typedef int (*eg_ledger_sent_fn)(void *ud, const eg_ledger_sent_doc *d);
eg_err eg_ledger_out_sent(eg_ledger *l, const char *partner,
			  const char *file_id, unsigned max,
			  eg_ledger_sent_fn fn, void *ud,
			  eg_error *e) EG_MUST_USE;

/* One set we sent (a 940) and the answer that came for it (a 945 with
 * its business key), if any. */
typedef struct eg_ledger_answer {
	char st02[10], key[160];
	char answer_file[32]; /* "" when no answer came */
	int64_t answered_at;
} eg_ledger_answer;
typedef int (*eg_ledger_answer_fn)(void *ud, const eg_ledger_answer *a);

/* The sets sent_st01 of document d and, for each, the first received
 * answer_st01 (not a duplicate, not quarantined) carrying its business
 * key, oldest first. */
eg_err eg_ledger_out_answers(eg_ledger *l, const eg_ledger_sent_doc *d,
			     const char *sent_st01, const char *answer_st01,
			     eg_ledger_answer_fn fn, void *ud,
			     eg_error *e) EG_MUST_USE;

/*
 * The state of a sent document for people and scripts: "ready" (not
 * delivered yet), "sent" (waiting for the acknowledgement), "overdue"
 * (no acknowledgement within window seconds of delivery), or
 * "acknowledged" with d->ack saying how.  The hook for acknowledgement
 * windows (the profile's SLA, when it has one): the caller chooses
 * window.
 */
const char *eg_ledger_sent_state(const eg_ledger_sent_doc *d, int64_t now,
				 int64_t window);

#endif
