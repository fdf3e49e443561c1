/*
 * contrl.h - UN/EDIFACT CONTRL syntax and service report messages.
 *
 * The writer listens to the events of the EDIFACT checks
 * (eg_edifact_events) of one inbound file and, as each inbound
 * interchange closes, writes one CONTRL interchange back to its sender:
 *   UNA (when the partner sent one, with the partner's six characters),
 *   UNB in the partner's syntax identifier and version with sender and
 *   recipient swapped, UNH CONTRL (D:3:UN below syntax 4 and in X,
 *   4:1:UN in syntax 4), UCI with the 0083 action (4 rejected, 7
 *   acknowledged, 8 received only), then
 *     - without groups: a UCM per message (SG1),
 *     - with groups: a UCF per group, each followed by its UCMs (SG3/SG4),
 *   each UCM/UCF/UCI carrying the first 0085 code of its level with the
 *   service segment tag and the element position (S011), and under a UCM
 *   a UCS per erroneous segment (0096 position, UNH = 1) with a UCD per
 *   erroneous element (0098 counting the tag as 1, 0104 component, 0136
 *   repetition in syntax 4), UNT, UNZ.
 * When the interchange itself is rejected (UCI 4) or a group is (UCF 4),
 * the messages below are listed only when they have findings of their
 * own.  Receipt only (UNB 0031 = 2 in syntax 4, or asked by the profile)
 * gives UCI 8 and nothing else -- unless something was rejected: then the
 * full report goes out, so a rejection is never hidden behind "received".
 * No CONTRL answers an interchange holding only CONTRL messages.
 *
 * An interchange whose sender, recipient or reference cannot be echoed
 * (missing, too long, or a separator that the partner's syntax cannot
 * release) gets nothing: eg_contrl_unanswered counts it and says why.
 */
#ifndef EDIGATE_CONTRL_H
#define EDIGATE_CONTRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "edigate/edifact_check.h"

/* When a CONTRL is written. */
enum {
	EG_CONTRL_REQUESTED = 0, /* as UNB 0031 asks (1 or 2) */
	EG_CONTRL_ALWAYS,
	EG_CONTRL_ON_ERROR,      /* as requested, and whenever something
				  * was rejected */
	EG_CONTRL_NEVER,
};

typedef struct eg_contrl_opts {
	/* Next control number for our UNB 0020 (kind "unb"); never twice. */
	eg_err (*next_control)(void *ud, const char *kind, uint64_t *out,
			       eg_error *e);
	/* A CONTRL interchange is ready: bytes and a name such as
	 * "ICR0001-000000007.contrl.edi" (inbound 0020, our 0020). */
	eg_err (*emit)(void *ud, const char *name, const char *data,
		       size_t len, eg_error *e);
	void *ud;
	time_t now;       /* date and time in our UNB */
	int when;         /* EG_CONTRL_* */
	int receipt_only; /* the profile asks for receipt only (0083 8) */
	int no_newline;   /* 1: no newline after each segment terminator */
} eg_contrl_opts;

typedef struct eg_contrl eg_contrl;

eg_err eg_contrl_new(eg_contrl **out, const eg_contrl_opts *o,
		     eg_error *e) EG_MUST_USE;
/* The events to pass to eg_edifact_check; they call into c. */
const eg_edifact_events *eg_contrl_events(eg_contrl *c);
/* Errors raised while emitting (the events cannot return them). */
eg_err eg_contrl_error(const eg_contrl *c, eg_error *e) EG_MUST_USE;
/* CONTRL interchanges written. */
unsigned eg_contrl_written(const eg_contrl *c);
/* Inbound interchanges (or unreadable input) that got no CONTRL because
 * none could be written; *why (may be NULL) the last reason, valid until
 * eg_contrl_free. */
unsigned eg_contrl_unanswered(const eg_contrl *c, const char **why);
void eg_contrl_free(eg_contrl *c);

#endif
