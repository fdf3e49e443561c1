/*
 * err.c - the error type: codes, severities and message formatting.
 *
 * Invariant: an eg_error's msg is always NUL-terminated, and a failed call
 * sets it exactly once (the first failure wins; callers pass it up).
 */
#include "edigate/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	[EG_OK] = "ok",
	[EG_ENOMEM] = "out-of-memory",
	[EG_EINVAL] = "invalid-argument",
	[EG_EIO] = "io",
	[EG_ENOTFOUND] = "not-found",
	[EG_ESYNTAX] = "syntax",
	[EG_ELIMIT] = "limit",
	[EG_EENCODING] = "encoding",
	[EG_EUNSUPPORTED] = "unsupported",
	[EG_ECONFIG] = "config",
	[EG_EINTERNAL] = "internal",
};

const char *
eg_err_str(eg_err code)
{
	if ((size_t)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

eg_severity
eg_err_severity(eg_err code)
{
	switch (code) {
	case EG_ESYNTAX:
	case EG_ELIMIT:
	case EG_EENCODING:
	case EG_EUNSUPPORTED:
		return EG_SEV_REJECT;
	case EG_EIO:
		return EG_SEV_RETRY;
	default:
		return EG_SEV_ABORT;
	}
}

void
eg_error_clear(eg_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

static eg_err
vfail(eg_error *e, eg_err code, const eg_pos *pos, const char *fmt,
      va_list ap)
{
	if (!e || e->code != EG_OK)
		return code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (pos) {
		e->pos = *pos;
		e->has_pos = 1;
	}
	return code;
}

eg_err
eg_fail(eg_error *e, eg_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(e, code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

eg_err
eg_fail_at(eg_error *e, eg_err code, const eg_pos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(e, code, pos, fmt, ap);
	va_end(ap);
	return code;
}

void
eg_pos_format(const eg_pos *p, char *dst, size_t cap)
{
	size_t n = 0;
	int w;

	if (cap == 0)
		return;
	dst[0] = '\0';
#define ADD(...)                                                            \
	do {                                                                \
		w = snprintf(dst + n, cap - n, __VA_ARGS__);                \
		if (w < 0 || (size_t)w >= cap - n)                          \
			return;                                             \
		n += (size_t)w;                                             \
	} while (0)
	ADD("offset %llu", (unsigned long long)p->offset);
	if (p->segment) {
		ADD(", segment %llu", (unsigned long long)p->segment);
		if (p->seg_id[0] && p->txn_pos)
			ADD(" (%s, #%u in transaction set)", p->seg_id,
			    (unsigned)p->txn_pos);
		else if (p->seg_id[0])
			ADD(" (%s)", p->seg_id);
	}
	if (p->element) {
		ADD(", element %s%02u", p->seg_id, (unsigned)p->element);
		if (p->repetition > 1)
			ADD(" repetition %u", (unsigned)p->repetition);
		if (p->component)
			ADD(" component %u", (unsigned)p->component);
	}
#undef ADD
}

void
eg_error_format(const eg_error *e, char *dst, size_t cap)
{
	char where[200];

	if (cap == 0)
		return;
	if (e->has_pos) {
		eg_pos_format(&e->pos, where, sizeof(where));
		snprintf(dst, cap, "%s: %s", where, e->msg);
	} else {
		snprintf(dst, cap, "%s", e->msg);
	}
}
