/*
 * ack_lint.h - the strict checks an acknowledgement must pass on top of
 * its guide (edigate validate --strict): what a strict partner
 * translator looks at that a transaction set guide cannot say.
 *
 *   - ISA12 a real control version; ISA11 'U' up to 00401 and the
 *     repetition separator from 00402; ISA14 0;
 *   - TA1: TA101 9 digits, TA102 a YYMMDD date, TA103 an HHMM time,
 *     TA104 A/E/R, TA105 a code of I18 (000-031), TA104 A with TA105
 *     000 and E/R with another code; TA1 before any GS;
 *   - FA groups: GS01 FA; GS08 004010/005010 for a 997, 005010 or
 *     005010X231A1 for a 999; ST03 and CTX only with 005010X231A1;
 *   - AK101 a functional identifier and AK201 a set identifier edigate
 *     knows (eg_x12_functional_id), AK202 4-9 characters;
 *   - one story per group: AK501/IK501 and AK901/AK903/AK904 agree.
 *
 * Fed every segment of a file in order (eg_x12_check_opts.segment); each
 * problem is passed to fn as an error finding (rule "strict-...").
 */
#ifndef EDIGATE_ACK_LINT_H
#define EDIGATE_ACK_LINT_H

#include "edigate/envelope.h"
#include "edigate/x12.h"

typedef struct eg_ack_lint eg_ack_lint;

/* fn and ud are borrowed; fn gets findings valid for the call only. */
eg_err eg_ack_lint_new(eg_ack_lint **out,
		       void (*fn)(void *ud, const eg_finding *f), void *ud,
		       eg_error *e) EG_MUST_USE;
/* One segment, in file order. */
void eg_ack_lint_segment(eg_ack_lint *l, const eg_x12_segment *s);
/* Problems reported so far. */
unsigned eg_ack_lint_problems(const eg_ack_lint *l);
void eg_ack_lint_free(eg_ack_lint *l);

#endif
