/*
 * buf.c - bounded growable buffer.
 *
 * Invariants: len <= max; when data != NULL, data[len] == '\0' and
 * cap > len.  Growth doubles, capped at max + 1 (for the NUL).
 */
#include "edigate/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
eg_span_eq(eg_span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

void
eg_buf_init(eg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
eg_buf_free(eg_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
eg_buf_reset(eg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static eg_err
reserve(eg_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return EG_ELIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return EG_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return EG_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return EG_OK;
}

eg_err
eg_buf_add(eg_buf *b, const void *p, size_t n)
{
	eg_err rc;

	/* room already (the common case, every value of every record):
	 * no call to reserve */
	if (n < b->cap - b->len && b->len + n <= b->max) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return EG_OK;
	}
	rc = reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return EG_OK;
}

eg_err
eg_buf_addc(eg_buf *b, char c)
{
	if (b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return EG_OK;
	}
	return eg_buf_add(b, &c, 1);
}

eg_err
eg_buf_adds(eg_buf *b, const char *s)
{
	return eg_buf_add(b, s, strlen(s));
}

eg_err
eg_buf_addf(eg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	eg_err rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return EG_EINVAL;
	rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return EG_OK;
}

/* Bytes a JSON string takes as they are (not '"', '\\', controls, DEL). */
static int
json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

eg_err
eg_buf_add_json(eg_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	eg_err rc;
	size_t i = 0;

	/* room for the common case (nothing to escape) at once: the
	 * writers call this for every value of every record */
	if ((rc = reserve(b, n + 2)) != EG_OK)
		return rc;
	b->data[b->len++] = '"';
	while (rc == EG_OK && i < n) {
		size_t run = i;
		unsigned char c;
		const char *sh;

		while (run < n && json_plain((unsigned char)p[run]))
			run++;
		if (run > i) {
			/* Bytes >= 0x80 pass through: EDI text is usually
			 * UTF-8 or Latin-1; readers flag bad encodings. */
			if ((rc = eg_buf_add(b, p + i, run - i)) != EG_OK)
				break;
			i = run;
			continue;
		}
		c = (unsigned char)p[i++];
		/* the short escapes where JSON has them, as Python's
		 * json.dumps writes them (docs/canonical.md, rule 10) */
		sh = c == '"' ? "\\\"" : c == '\\' ? "\\\\"
		   : c == '\n' ? "\\n" : c == '\r' ? "\\r"
		   : c == '\t' ? "\\t" : c == '\b' ? "\\b"
		   : c == '\f' ? "\\f" : NULL;
		if (sh) {
			rc = eg_buf_add(b, sh, 2);
		} else {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4],
				       hex[c & 15]};

			rc = eg_buf_add(b, esc, 6);
		}
	}
	if (rc == EG_OK)
		rc = eg_buf_addc(b, '"');
	return rc;
}

eg_err
eg_buf_add_printable(eg_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	eg_err rc = EG_OK;
	size_t i;

	for (i = 0; rc == EG_OK && i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

		if (c < 0x20 || c == 0x7f || c == '\\')
			rc = c == '\\' ? eg_buf_add(b, "\\\\", 2)
				       : eg_buf_add(b, esc, 4);
		else
			rc = eg_buf_addc(b, (char)c);
	}
	return rc;
}

const char *
eg_buf_cstr(const eg_buf *b)
{
	return b->data ? b->data : "";
}
