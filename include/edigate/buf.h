/*
 * buf.h - bounded growable byte buffer and zero-copy spans.
 *
 * An eg_buf never grows past the maximum given at init: adding beyond it
 * fails with EG_ELIMIT instead of eating memory (curl's dynbuf idea).
 * Its data is always NUL-terminated so it can be printed as a string.
 */
#ifndef EDIGATE_BUF_H
#define EDIGATE_BUF_H

#include <stddef.h>

#include "edigate/err.h"

/* A borrowed run of bytes; never NUL-terminated by contract. */
typedef struct eg_span {
	const char *p;
	size_t len;
} eg_span;

/* Compare a span with a C string. */
int eg_span_eq(eg_span s, const char *lit);

typedef struct eg_buf {
	char *data; /* owned; NULL until the first add */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
} eg_buf;

void eg_buf_init(eg_buf *b, size_t max);
void eg_buf_free(eg_buf *b);
/* Keep the allocation, forget the content. */
void eg_buf_reset(eg_buf *b);

/* Append; EG_ENOMEM or EG_ELIMIT on failure (b unchanged). */
eg_err eg_buf_add(eg_buf *b, const void *p, size_t n) EG_MUST_USE;
eg_err eg_buf_addc(eg_buf *b, char c) EG_MUST_USE;
eg_err eg_buf_adds(eg_buf *b, const char *s) EG_MUST_USE;
eg_err eg_buf_addf(eg_buf *b, const char *fmt, ...) EG_PRINTF(2, 3) EG_MUST_USE;
/* Append s as a JSON string literal, quotes included: \" \\ \n \r \t \b \f,
 * other control bytes as \u00XX (Python json.dumps form). */
eg_err eg_buf_add_json(eg_buf *b, const char *p, size_t n) EG_MUST_USE;
/* Append s as text safe for a terminal: control bytes as \xNN. */
eg_err eg_buf_add_printable(eg_buf *b, const char *p, size_t n) EG_MUST_USE;
/* The content as a C string ("" when empty). */
const char *eg_buf_cstr(const eg_buf *b);

#endif
