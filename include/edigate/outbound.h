/*
 * outbound.h - the outbound direction: canonical records we hand over
 * become validated documents with managed control numbers, delivered
 * over the partner's transport and matched to the partner's
 * acknowledgements (docs/outbound.md).
 *
 * One input file (JSON Lines of schemas/canonical.xsd) is one ledger
 * file (source "outbound").  In one ledger transaction it is read,
 * checked against the canonical schema, deduplicated by business key,
 * written through the outbound map, validated by our own validator
 * against the shipped and partner guides, given its control numbers and
 * recorded (interchange, group, sets, keys, order lines, the document as
 * an output).  A file with any problem is quarantined whole with a
 * reject report and consumes no control number.  The document is then
 * published into spool/out/PARTNER/sent/ and delivered; a delivery is
 * recorded after the transport made it durable, so a retry puts the
 * same bytes under the same name (which the outbox counts as delivered)
 * and never sends a second document.
 */
#ifndef EDIGATE_OUTBOUND_H
#define EDIGATE_OUTBOUND_H

#include "edigate/pipeline.h"

typedef struct eg_send_result {
	char id[32];          /* the input's file id */
	char state[16];       /* ready, sent, rejected, duplicate */
	char duplicate_of[32];
	unsigned records;     /* records read */
	unsigned documents;   /* documents written */
	unsigned duplicates;  /* records refused as sent before */
	unsigned problems;    /* why it was quarantined */
	char first_name[128]; /* the first file written */
	char summary[300];
} eg_send_result;

/*
 * Take one input file for the partner (datadir: where edi/ and schemas/
 * are).  Its state is decided and committed; nothing is delivered yet
 * (eg_pipeline_deliver does).  An error only for what is not the
 * input's fault (the ledger, the disk, a broken map).
 */
eg_err eg_pipeline_send(eg_pipeline *pl, const eg_pipeline_partner *pp,
			const char *datadir, const char *path,
			eg_send_result *r, eg_error *e) EG_MUST_USE;

/* Deliver every published, undelivered document of the partner over
 * its transport (opened here); *sent gets how many went. */
eg_err eg_pipeline_deliver(eg_pipeline *pl, const eg_pipeline_partner *pp,
			   unsigned *sent, eg_error *e) EG_MUST_USE;

/* Put the exact bytes of a sent input's documents again (same names,
 * same control numbers), audited with reason (required). */
eg_err eg_pipeline_redeliver(eg_pipeline *pl, const eg_pipeline_partner *pp,
			     const char *file_id, const char *reason,
			     unsigned *sent, eg_error *e) EG_MUST_USE;

/* Send the documents sent for input file_id again under new control
 * numbers (the partner asked for that), audited with reason (required):
 * a new input row (r->id, origin file_id), recorded and committed as a
 * send is; nothing is delivered yet (eg_pipeline_deliver does).  A
 * document that fails our validator now stops it, nothing recorded. */
eg_err eg_pipeline_resend(eg_pipeline *pl, const eg_pipeline_partner *pp,
			  const char *file_id, const char *reason,
			  eg_send_result *r, eg_error *e) EG_MUST_USE;

/* `quarantine release` of an outbound input that was not sent, after a
 * fix (a profile's code list, a guide; or corrected records in fixed,
 * else the input kept in its quarantine folder): sent again as a new
 * input (r), exactly as `send` does, the old one released and audited
 * with reason (required).  Nothing is delivered yet. */
eg_err eg_pipeline_release_out(eg_pipeline *pl,
			       const eg_pipeline_partner *pp,
			       const char *datadir, const char *file_id,
			       const char *fixed, const char *reason,
			       eg_send_result *r, eg_error *e) EG_MUST_USE;

#endif
