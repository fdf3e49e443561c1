/*
 * contrl_read.h - read a partner's UN/EDIFACT CONTRL messages: what they
 * say about the interchanges, groups and messages we sent.
 *
 * Every UCI, UCF, UCM, UCS and UCD of every CONTRL message in the source
 * becomes one status, in file order, with the 0083 action and 0085 code
 * as sent (eg_ack_code_text with EG_CODES_0083 / EG_CODES_0085 words
 * them).  Syntax 3 and 4 layouts are both read (S011 with or without the
 * repetition position).
 */
#ifndef EDIGATE_CONTRL_READ_H
#define EDIGATE_CONTRL_READ_H

#include <stdint.h>

#include "edigate/err.h"
#include "edigate/source.h"

typedef enum eg_contrl_kind {
	EG_CONTRL_INTERCHANGE, /* UCI */
	EG_CONTRL_GROUP,       /* UCF */
	EG_CONTRL_MESSAGE,     /* UCM */
	EG_CONTRL_SEGMENT,     /* UCS */
	EG_CONTRL_ELEMENT,     /* UCD */
} eg_contrl_kind;

typedef struct eg_contrl_status {
	eg_contrl_kind kind;
	char icr[36];      /* UCI 0020: the interchange it answers */
	char sender[36], recipient[36]; /* UCI S002 / S003 ids */
	char ref[36];      /* UCF 0048 or UCM 0062; UCS position */
	char type[8];      /* UCM S009 message type */
	char action[4];    /* 0083, "" for UCS / UCD */
	char code[4];      /* 0085, "" when none */
	char tag[4];       /* erroneous segment tag, "" when none */
	unsigned element, component, repetition; /* S011 (tag = 1) */
	uint64_t segment;  /* position of the UCx segment in the file */
} eg_contrl_status;

/*
 * Read src; call cb for every status.  *n is the number of CONTRL
 * messages read.  A file that is not EDIFACT, cannot be read to its end,
 * or holds no CONTRL message is an error (EG_ESYNTAX).
 */
eg_err eg_contrl_read(eg_source *src,
		      void (*cb)(void *ud, const eg_contrl_status *s),
		      void *ud, unsigned *n, eg_error *e) EG_MUST_USE;

#endif
