/*
 * err.h - the one error type of edigate.
 *
 * Every fallible library function returns an eg_err and, on failure, fills
 * the caller's eg_error once, where the failure happened, with a message and
 * (for document errors) the position in the input.  Callers pass the error
 * up unchanged; only the tool prints it.
 */
#ifndef EDIGATE_ERR_H
#define EDIGATE_ERR_H

#include <stddef.h>
#include <stdint.h>

#define EG_MUST_USE __attribute__((warn_unused_result))
#define EG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* A short, stable list.  Never renumber: scripts read these via --json. */
typedef enum eg_err {
	EG_OK = 0,
	EG_ENOMEM,       /* allocation failed */
	EG_EINVAL,       /* bad argument or usage */
	EG_EIO,          /* read/write/open failed */
	EG_ENOTFOUND,    /* file, partner or key not found */
	EG_ESYNTAX,      /* the document is malformed */
	EG_ELIMIT,       /* a configured limit was exceeded */
	EG_EENCODING,    /* the bytes are in an encoding we do not read */
	EG_EUNSUPPORTED, /* a syntax, version or feature we do not handle */
	EG_ECONFIG,      /* configuration or installation is broken */
	EG_EINTERNAL,    /* a bug: an invariant did not hold */
} eg_err;

/* What the caller should do about an error. */
typedef enum eg_severity {
	EG_SEV_RETRY,  /* transient: try again later */
	EG_SEV_REJECT, /* this document is bad: quarantine it and go on */
	EG_SEV_ABORT,  /* configuration, disk or program broken: stop */
} eg_severity;

/*
 * Where in a document something is.  The byte offset is 0-based (the first
 * byte of the file is offset 0); every other number is 1-based, with 0
 * meaning "not applicable / unknown".
 */
typedef struct eg_pos {
	uint64_t offset;    /* byte offset of the segment (or byte) in the file */
	uint64_t segment;   /* segment number in the file */
	uint32_t txn_pos;   /* segment position in its transaction set (ST = 1) */
	char seg_id[4];     /* segment tag, NUL-terminated, "" if unknown */
	uint16_t element;   /* element position (ISA01 = 1) */
	uint16_t component; /* component position within the element */
	uint16_t repetition;
} eg_pos;

#define EG_ERRMSG_MAX 512

typedef struct eg_error {
	eg_err code;
	char msg[EG_ERRMSG_MAX];
	eg_pos pos;
	int has_pos;
	/* Interchange-level (TA105) code this error carries in a TA1, "" if none. */
	char ack_code[4];
} eg_error;

/* Stable short name of a code, e.g. "syntax". */
const char *eg_err_str(eg_err code);
eg_severity eg_err_severity(eg_err code);

void eg_error_clear(eg_error *e);

/* Set e (may be NULL) and return code.  Use as: return eg_fail(e, ...). */
eg_err eg_fail(eg_error *e, eg_err code, const char *fmt, ...) EG_PRINTF(3, 4);
/* Same, with a document position. */
eg_err eg_fail_at(eg_error *e, eg_err code, const eg_pos *pos,
		  const char *fmt, ...) EG_PRINTF(4, 5);

/*
 * Human text for an error: "offset 123, segment 7 (SE, #5 in transaction
 * set), element SE01: message" (the position part only when the error has
 * one).  Writes at most cap bytes, always NUL-terminated.
 */
void eg_error_format(const eg_error *e, char *dst, size_t cap);
/* The position part only: "offset 123, segment 7 (SE, ...)". */
void eg_pos_format(const eg_pos *pos, char *dst, size_t cap);

#endif
