/*
 * ack.h - X12 acknowledgements: TA1, 997 and 999.
 *
 * The writer listens to the validation events (eg_envelope_events) of one
 * inbound file and, as each inbound interchange closes, produces one
 * outbound interchange addressed back to its sender:
 *   - interchange rejected (TA1 R): a TA1-only interchange;
 *   - otherwise: a TA1 first when ISA14 asked for one or the envelope has
 *     warnings, then per inbound functional group one FA group holding a
 *     997 (004010 and older) or a 999 (005010 and later, following GS08
 *     unless a version is forced) with AK1, AK2/AK3/AK4/AK5 (or
 *     AK2/IK3/IK4/IK5) and AK9 detail.
 * Sender and receiver are swapped from the inbound ISA and GS.  Control
 * numbers come from the caller's counter.
 *
 * Every acknowledgement is valid X12 for its own version: a partner value
 * that is itself invalid is never copied into it (docs/acknowledgements.md
 * gives the rule for each case).  An interchange whose sender cannot be
 * addressed or referenced (invalid ISA05..ISA10 or ISA13) gets nothing:
 * eg_ack_unanswered counts it and says why, and the caller quarantines it.
 */
#ifndef EDIGATE_ACK_H
#define EDIGATE_ACK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "edigate/envelope.h"

/* When a TA1 is sent (the partner's <send type="TA1" when=>). */
enum {
	EG_ACK_TA1_REQUESTED = 0, /* ISA14=1, envelope warnings, rejection */
	EG_ACK_TA1_ALWAYS,
	EG_ACK_TA1_ON_ERROR,      /* envelope warnings or rejection */
	EG_ACK_TA1_NEVER,
};
/* When the 997/999 groups are sent. */
enum {
	EG_ACK_FA_ALWAYS = 0,
	EG_ACK_FA_ON_ERROR, /* only when a group or set is not accepted */
	EG_ACK_FA_NEVER,
};

struct eg_profile;
typedef struct eg_ack_opts {
	/* Next control number for an outbound ISA13 (kind "isa") or GS06
	 * (kind "gs").  Must never return one twice. */
	eg_err (*next_control)(void *ud, const char *kind, uint64_t *out,
			       eg_error *e);
	void *ud;
	/* Date and time written in the ISA and GS. */
	time_t now;
	/* 0: follow GS08; 997 or 999: force that kind for every group. */
	int force;
	/* Policy (EG_ACK_TA1_*, EG_ACK_FA_*).  An interchange with nothing
	 * to send gives no acknowledgement and uses no control number. */
	int ta1, functional;
	/* An acknowledgement interchange is ready: bytes and a name such as
	 * "000000905-000000001.ack.x12" (inbound ISA13, outbound ISA13). */
	eg_err (*emit)(void *ud, const char *name, const char *data,
		       size_t len, eg_error *e);
	/* Our delimiters (the profile's <outbound>); 0 for the defaults
	 * '*', ':', '^', '~'.  They must differ (eg_ack_delims_check). */
	char element, component, repetition, segment;
	int no_newline;	/* 1: no newline after each segment terminator */
	/* 999 implementation convention: NULL for a plain 005010 999;
	 * "005010X231A1" for the healthcare guide (GS08/ST03, CTX). */
	const char *convention;
	/* Control version (ISA12) used when the inbound ISA12 is not one we
	 * can reply in: "00401" (NULL) or "00501". */
	const char *version;
	/* The partner's profile (borrowed, may be NULL): another syntax's
	 * writer reads its own settings there (CONTRL: <send
	 * type="CONTRL">). */
	const struct eg_profile *profile;
} eg_ack_opts;

/* Fill o's delimiters, newline, 999 convention and fallback version
 * from a partner profile (<outbound>, <acknowledgements convention=>, the
 * first release of its first inbound document).  Strings borrow from p. */
void eg_ack_opts_profile(eg_ack_opts *o, const struct eg_profile *p);

/* ISA12 values we reply in (00401..00406, 00501..00505, ...). */
int eg_ack_version_known(const char *isa12);

/*
 * Check a set of delimiters: NULL when they can be used together, else
 * a sentence saying why not (static text).  newline: a newline follows
 * each segment terminator.
 */
const char *eg_ack_delims_check(char element, char component,
				char repetition, char segment, int newline);

/* The kind of an acknowledgement interchange: "997", "999" or "TA1". */
const char *eg_ack_kind(const char *data, size_t len);

typedef struct eg_ack eg_ack;

eg_err eg_ack_new(eg_ack **out, const eg_ack_opts *o, eg_error *e) EG_MUST_USE;
/* The events to pass to the validation run; they call into a. */
const eg_envelope_events *eg_ack_events(eg_ack *a);
/* Errors raised while emitting (the events cannot return them). */
eg_err eg_ack_error(const eg_ack *a, eg_error *e);
/* Counts of what was written. */
void eg_ack_counts(const eg_ack *a, unsigned *interchanges, unsigned *ta1,
		   unsigned *n997, unsigned *n999);
/*
 * After the run: when the file's ISA could not be read (not fixed-width,
 * so validation stopped there, TA105 e.g. 006), split it on its element
 * separator and, if the sender, receiver, ISA09, ISA10 and ISA13 can
 * still be read, send the TA1 R with the reader's code.  head holds the
 * file's first bytes (512 are enough).  Returns 1 when a TA1 was sent.
 */
int eg_ack_isa_fallback(eg_ack *a, const char *head, size_t len);
/* Interchanges (or unreadable input) that got no acknowledgement because
 * none could be written that was valid and true; *why (may be NULL) is
 * the reason for the last one, valid until eg_ack_free. */
unsigned eg_ack_unanswered(const eg_ack *a, const char **why);
void eg_ack_free(eg_ack *a);

#endif
