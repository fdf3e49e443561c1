/*
 * ack_codes.h - plain-language text for the standard acknowledgement
 * codes (shared/reference/ack-codes.md): what support staff read when a
 * partner's TA1, 997, 999 or CONTRL rejects something.
 */
#ifndef EDIGATE_ACK_CODES_H
#define EDIGATE_ACK_CODES_H

typedef enum eg_code_table {
	EG_CODES_TA105, /* I18 interchange note code */
	EG_CODES_AK304, /* 720 / 620 segment syntax error */
	EG_CODES_AK403, /* 723 / 621 element syntax error */
	EG_CODES_AK501, /* 717 transaction set acknowledgment code */
	EG_CODES_AK502, /* 718 / 618 transaction set syntax error */
	EG_CODES_AK901, /* 715 functional group acknowledge code */
	EG_CODES_AK905, /* 716 functional group syntax error */
	EG_CODES_0083,  /* EDIFACT CONTRL action, coded */
	EG_CODES_0085,  /* EDIFACT CONTRL syntax error, coded */
} eg_code_table;

/* Text for a code, or "unknown code" (never NULL). */
const char *eg_ack_code_text(eg_code_table t, const char *code);

#endif
