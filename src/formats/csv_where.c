/*
 * csv_where.c - positions, error messages and accessors of the CSV reader
 * (csv.h): where a field is, how an error names it (line, column, byte
 * offset, raw value), and the read-only view of the current record.
 * The byte-level machine is in csv_reader.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csv_int.h"

/* ---- positions and errors ---- */


/* Raw values for messages and JSON: controls and bytes that are not
 * UTF-8 as \xNN, valid UTF-8 kept whole. */
void
csv_printable(const char *p, size_t n, char *dst, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x80) {
			size_t l = csv_utf8_len((const unsigned char *)p + i, n - i);

			if (l > 1 && o + l + 5 < cap) {
				memcpy(dst + o, p + i, l);
				o += l;
				i += l - 1;
			} else {
				o += (size_t)snprintf(dst + o, cap - o, "\\x%02X",
						      c);
			}
		} else if (c < 0x20 || c == 0x7F) {
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	if (i < n && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

void
eg_csv_where_field(const eg_csv *r, size_t i, eg_csv_where *w)
{
	memset(w, 0, sizeof(*w));
	w->record = r->records;
	w->line = r->rec_line;
	w->offset = r->rec_off;
	if (i < r->nf) {
		w->line = r->f[i].line;
		w->offset = r->f[i].offset;
		w->col = (unsigned)i + 1;
		if (i < r->ncols && r->names)
			snprintf(w->colname, sizeof(w->colname), "%s",
				 r->names[i]);
		csv_printable(r->rec + r->f[i].start, r->f[i].len, w->raw,
			  sizeof(w->raw));
	}
}

const eg_csv_where *
eg_csv_last_error(const eg_csv *r)
{
	return &r->err;
}

void
eg_csv_where_format(const eg_csv_where *w, char *dst, size_t cap)
{
	int n = snprintf(dst, cap, "line %llu", (unsigned long long)w->line);

	if (n < 0 || (size_t)n >= cap)
		return;
	if (w->col && w->colname[0])
		n += snprintf(dst + n, cap - (size_t)n, ", column %s (#%u)",
			      w->colname, w->col);
	else if (w->col)
		n += snprintf(dst + n, cap - (size_t)n, ", column #%u", w->col);
	else if (w->colname[0]) /* XML: the element path */
		n += snprintf(dst + n, cap - (size_t)n, ", element %s",
			      w->colname);
	if (n < 0 || (size_t)n >= cap || (w->col == 0 && w->offset == 0))
		return;
	snprintf(dst + n, cap - (size_t)n, ", byte %llu",
		 (unsigned long long)w->offset);
}

eg_err
eg_csv_where_json(eg_buf *b, const eg_csv_where *w)
{
	eg_err rc = eg_buf_addf(b, "{\"line\":%llu,\"record\":%llu,"
				"\"offset\":%llu,\"column\":%u,\"columnName\":",
				(unsigned long long)w->line,
				(unsigned long long)w->record,
				(unsigned long long)w->offset, w->col);

	if (!rc)
		rc = eg_buf_add_json(b, w->colname, strlen(w->colname));
	if (!rc)
		rc = eg_buf_adds(b, ",\"value\":");
	if (!rc)
		rc = eg_buf_add_json(b, w->raw, strlen(w->raw));
	if (!rc)
		rc = eg_buf_addc(b, '}');
	return rc;
}

static eg_err
vfail_at(eg_csv *r, const eg_csv_where *w, eg_error *e, eg_err code,
	 const char *fmt, va_list ap)
{
	char where[160], what[300];
	eg_pos pos;

	r->err = *w;
	eg_csv_where_format(w, where, sizeof(where));
	vsnprintf(what, sizeof(what), fmt, ap);
	memset(&pos, 0, sizeof(pos));
	pos.offset = w->offset;
	if (w->raw[0])
		return eg_fail_at(e, code, &pos, "%s: %s: '%s'", where, what,
				  w->raw);
	return eg_fail_at(e, code, &pos, "%s: %s", where, what);
}

eg_err
csv_fail_at(eg_csv *r, const eg_csv_where *w, eg_error *e, eg_err code,
	const char *fmt, ...)
{
	va_list ap;
	eg_err rc;

	va_start(ap, fmt);
	rc = vfail_at(r, w, e, code, fmt, ap);
	va_end(ap);
	return rc;
}

eg_err
eg_csv_fail_field(eg_csv *r, size_t i, eg_error *e, eg_err code,
		  const char *fmt, ...)
{
	eg_csv_where w;
	va_list ap;
	eg_err rc;

	eg_csv_where_field(r, i, &w);
	va_start(ap, fmt);
	rc = vfail_at(r, &w, e, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- accessors ---- */

size_t
eg_csv_nfields(const eg_csv *r)
{
	return r->nf;
}

eg_span
eg_csv_field(const eg_csv *r, size_t i)
{
	eg_span s = {"", 0};

	if (i < r->nf) {
		s.p = r->rec + r->f[i].start;
		s.len = r->f[i].len;
	}
	return s;
}

int
eg_csv_field_quoted(const eg_csv *r, size_t i)
{
	return i < r->nf && r->f[i].quoted;
}

size_t
eg_csv_ncols(const eg_csv *r)
{
	return r->ncols;
}

const char *
eg_csv_name(const eg_csv *r, size_t i)
{
	return r->names && i < r->ncols ? r->names[i] : "";
}

long
eg_csv_column(const eg_csv *r, const char *name)
{
	size_t i;

	for (i = 0; r->names && i < r->ncols; i++)
		if (!strcmp(r->names[i], name))
			return (long)i;
	return -1;
}

char
eg_csv_delim(const eg_csv *r)
{
	return r->delim;
}

uint64_t
eg_csv_bytes(const eg_csv *r)
{
	return r->inbase + r->inpos;
}

uint64_t
eg_csv_records(const eg_csv *r)
{
	return r->records;
}

void
eg_csv_record_pos(const eg_csv *r, uint64_t *offset, uint64_t *len,
		  uint64_t *first_line, uint64_t *last_line)
{
	*offset = r->rec_off;
	*len = r->inbase + r->inpos - r->rec_off;
	*first_line = r->rec_line;
	*last_line = r->rec_end_line < r->rec_line ? r->rec_line
						   : r->rec_end_line;
}

const char *
eg_csv_reason(const char *msg)
{
	const char *b = strstr(msg, ", byte "), *colon;

	colon = b ? strstr(b, ": ") : NULL;
	return colon ? colon + 2 : msg;
}
