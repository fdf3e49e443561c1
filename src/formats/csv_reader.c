/*
 * csv_reader.c - the streaming CSV and fixed-width reader (csv.h).
 *
 * Implements RFC 4180 (quoted fields, "" for a quote, line breaks inside
 * quotes) with the dialects real files use: ; | TAB delimiters, a UTF-8
 * BOM, Excel's "sep=X" line, CRLF, LF or a lone CR.
 *
 * How it works: one state machine runs over the raw bytes, a chunk at a
 * time, and copies each field's content (quotes removed, "" halved) into
 * the record buffer; a field is a (start, length) pair into that buffer.
 * Delimiters, quotes, CR and LF are ASCII in every encoding we read, so
 * splitting on raw bytes is exact and every offset we report is a raw
 * file offset.  Single-byte encodings are turned into UTF-8 while copying,
 * through a 256-entry table that iconv fills at open (a byte the encoding
 * does not define is refused where it stands); UTF-8 input is checked
 * field by field once the record is complete.
 *
 * Invariants: the record buffer never holds more than max_record raw
 * bytes' worth (3 output bytes per input byte at most); the field table
 * never more than max_cols fields.  Memory is therefore constant.
 */
#include "edigate/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_int.h"

int
eg_csv_enc_parse(const char *s, eg_csv_enc *out)
{
	static const struct {
		const char *name;
		eg_csv_enc enc;
	} t[] = {
		{"utf-8", EG_CSV_UTF8}, {"utf8", EG_CSV_UTF8},
		{"windows-1252", EG_CSV_CP1252}, {"cp1252", EG_CSV_CP1252},
		{"iso-8859-1", EG_CSV_LATIN1}, {"latin1", EG_CSV_LATIN1},
		{"iso-8859-15", EG_CSV_LATIN9}, {"latin9", EG_CSV_LATIN9},
	};
	size_t i, k;
	char low[32];

	for (k = 0; s[k] && k + 1 < sizeof(low); k++)
		low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
	low[k] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(low, t[i].name)) {
			*out = t[i].enc;
			return 0;
		}
	return -1;
}

const char *
eg_csv_enc_name(eg_csv_enc enc)
{
	switch (enc) {
	case EG_CSV_CP1252: return "windows-1252";
	case EG_CSV_LATIN1: return "iso-8859-1";
	case EG_CSV_LATIN9: return "iso-8859-15";
	default: return "utf-8";
	}
}

/* An error at the byte the machine stands on (field nf, being read). */
static eg_err
fail_here(eg_csv *r, eg_error *e, eg_err code, uint64_t off, const char *raw,
	  size_t rawlen, const char *why)
{
	eg_csv_where w;

	memset(&w, 0, sizeof(w));
	w.record = r->records + 1;
	w.line = r->line;
	w.offset = off;
	w.col = (unsigned)r->nf + 1;
	if (r->nf < r->ncols && r->names)
		snprintf(w.colname, sizeof(w.colname), "%s", r->names[r->nf]);
	csv_printable(raw, rawlen, w.raw, sizeof(w.raw));
	r->resync = 1;
	return csv_fail_at(r, &w, e, code, "%s", why);
}

/* ---- input ---- */

static eg_err
refill(eg_csv *r, eg_error *e)
{
	ssize_t got;

	if (r->fd < 0) {
		r->inbase += r->inlen;
		r->inlen = r->inpos = 0;
		r->in_eof = 1;
		return EG_OK;
	}
	r->inbase += r->inlen;
	r->inlen = r->inpos = 0;
	do
		got = read(r->fd, r->in, CHUNK);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return eg_fail(e, EG_EIO, "cannot read the file: %s",
			       strerror(errno));
	if (got == 0)
		r->in_eof = 1;
	r->inlen = (size_t)got;
	return EG_OK;
}

/* ---- encodings ---- */

static eg_err
build_map(eg_csv *r, eg_error *e)
{
	const char *from = r->o.enc == EG_CSV_CP1252   ? "WINDOWS-1252"
			   : r->o.enc == EG_CSV_LATIN1 ? "ISO-8859-1"
						       : "ISO-8859-15";
	iconv_t cd = iconv_open("UTF-8", from);
	unsigned c;

	if (cd == (iconv_t)-1)
		return eg_fail(e, EG_ECONFIG,
			       "this system's iconv cannot read %s: %s", from,
			       strerror(errno));
	for (c = 0x80; c < 0x100; c++) {
		char inb[1] = {(char)c}, outb[4];
		char *ip = inb, *op = outb;
		size_t il = 1, ol = 3;

		iconv(cd, NULL, NULL, NULL, NULL);
		r->map[c - 0x80][3] = 0;
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
			continue; /* undefined in this encoding */
		/* C1 controls: defined in ISO-8859-1/15, but in a data file
		 * they mean the file is really Windows-1252 */
		if (c < 0xA0 && r->o.enc != EG_CSV_CP1252)
			continue;
		memcpy(r->map[c - 0x80], outb, 3 - ol);
		r->map[c - 0x80][3] = (unsigned char)(3 - ol);
	}
	iconv_close(cd);
	return EG_OK;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
size_t
csv_utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

static eg_err
check_utf8(eg_csv *r, eg_error *e)
{
	size_t i, k;

	for (i = 0; i < r->nf; i++) {
		const unsigned char *p = (const unsigned char *)r->rec +
					 r->f[i].start;
		size_t n = r->f[i].len, chars = 0;

		for (k = 0; k < n; chars++) {
			size_t l;
			uint64_t w8;

			/* ASCII runs eight bytes at a time */
			while (k + 8 <= n) {
				memcpy(&w8, p + k, 8);
				if (w8 & 0x8080808080808080ULL)
					break;
				k += 8;
				chars += 8;
			}
			if (k >= n)
				break;
			if (p[k] < 0x80) {
				k++;
				continue;
			}
			l = csv_utf8_len(p + k, n - k);
			if (l == 0) {
				eg_csv_where w;

				eg_csv_where_field(r, i, &w);
				/* the bad byte itself (exact unless a doubled
				 * quote came before it in the field) */
				w.offset += k + (size_t)r->f[i].quoted;
				return csv_fail_at(r, &w, e, EG_EENCODING,
					       "byte 0x%02X at character %zu "
					       "of the field is not UTF-8 (is "
					       "the file Windows-1252 or "
					       "ISO-8859-1? set the layout's "
					       "encoding)",
					       p[k], chars + 1);
			}
			k += l;
		}
	}
	return EG_OK;
}

/* ---- the record machine ---- */

static eg_err
grow_fields(eg_csv *r, eg_error *e)
{
	if (r->nf + 2 > r->o.max_cols)
		return fail_here(r, e, EG_ELIMIT,
				 r->inbase + r->inpos, "", 0,
				 "the record has more fields than the limit");
	return EG_OK;
}

static void
end_field(eg_csv *r, size_t start, uint64_t off, uint64_t line, int quoted)
{
	field *f = &r->f[r->nf++];

	r->rec_end_line = r->line;
	f->start = start;
	f->len = r->reclen - start;
	f->offset = off;
	f->line = line;
	f->quoted = quoted;
}

/* Skip to just past the next LF (after an error in a record). */
static eg_err
skip_line(eg_csv *r, eg_error *e)
{
	for (;;) {
		const unsigned char *nl;
		eg_err rc;

		if (r->inpos >= r->inlen) {
			if (r->in_eof)
				return EG_OK;
			if ((rc = refill(r, e)) != EG_OK)
				return rc;
			if (r->in_eof && r->inlen == 0)
				return EG_OK;
			continue;
		}
		nl = memchr(r->in + r->inpos, '\n', r->inlen - r->inpos);
		if (nl) {
			r->inpos = (size_t)(nl - r->in) + 1;
			r->line++;
			return EG_OK;
		}
		r->inpos = r->inlen;
	}
}

enum { S_START, S_UNQ, S_Q, S_QQ, S_CR };

/*
 * Read one record into rec / f.  *got 0 at the end of the input.  The
 * byte-level loop is long by nature (one state machine); each state is
 * a few lines.
 */
static eg_err
read_record(eg_csv *r, int *got, eg_error *e)
{
	int st = S_START, quoted = 0;
	size_t fstart = 0;
	uint64_t foff = 0, fline = 0, qline = 0;
	size_t max = r->o.max_record;
	eg_err rc;

	*got = 0;
	r->reclen = 0;
	r->nf = 0;
	for (;;) {
		unsigned char c;
		uint64_t here;

		if (r->inpos >= r->inlen) {
			if (!r->in_eof && (rc = refill(r, e)) != EG_OK)
				return rc;
			if (r->inpos >= r->inlen) {
				/* end of input */
				if (st == S_START && r->nf == 0)
					return EG_OK;
				if (st == S_Q) {
					r->line = qline;
					return fail_here(r, e, EG_ESYNTAX,
							 foff, r->rec + fstart,
							 r->reclen - fstart,
							 "a quoted field is "
							 "never closed (the "
							 "file may be cut "
							 "short)");
				}
				if (st == S_CR) {
					r->line++;
					*got = 1;
					return EG_OK;
				}
				if (st == S_START)
					foff = r->inbase, fline = r->line;
				end_field(r, fstart, foff, fline, quoted);
				*got = 1;
				return EG_OK;
			}
		}
		here = r->inbase + r->inpos;
		if (st != S_CR && here - r->rec_off >= max && r->nf + st > 0)
			return fail_here(r, e, EG_ELIMIT, r->rec_off,
					 r->rec, r->reclen < 40 ? r->reclen : 40,
					 "the record is longer than the limit "
					 "(max_record)");
		c = r->in[r->inpos];
		switch (st) {
		case S_START:
			if (r->nf == 0 && r->reclen == 0) {
				r->rec_off = here;
				r->rec_line = r->line;
			}
			/* with trim, blanks before an opening quote are no data */
			if (r->o.trim && r->cls[c] == C_PLAIN &&
			    (c == ' ' || c == '\t')) {
				r->inpos++;
				continue;
			}
			fstart = r->reclen;
			foff = here;
			fline = r->line;
			quoted = 0;
			if (r->cls[c] == C_QUOTE) {
				quoted = 1;
				qline = r->line;
				st = S_Q;
				r->inpos++;
				continue;
			}
			st = S_UNQ;
			/* FALLTHROUGH */
		case S_UNQ: {
			size_t j = r->inpos, lim = r->inlen;

			/* never copy past the record limit */
			if (lim - j > max - (here - r->rec_off))
				lim = j + (max - (here - r->rec_off));

			while (j < lim && r->cls[r->in[j]] == C_PLAIN)
				j++;
			if (j > r->inpos) {
				size_t n = j - r->inpos;

				memcpy(r->rec + r->reclen, r->in + r->inpos, n);
				r->reclen += n;
				r->inpos = j;
				continue;
			}
			switch (r->cls[c]) {
			case C_DELIM:
				if ((rc = grow_fields(r, e)) != EG_OK)
					return rc;
				end_field(r, fstart, foff, fline, 0);
				r->inpos++;
				st = S_START;
				continue;
			case C_CR:
			case C_LF:
				end_field(r, fstart, foff, fline, 0);
				r->inpos++;
				if (c == '\n') {
					r->line++;
					*got = 1;
					return EG_OK;
				}
				st = S_CR;
				continue;
			case C_QUOTE:
				if (r->o.lax_quotes) {
					r->rec[r->reclen++] = (char)c;
					r->inpos++;
					continue;
				}
				return fail_here(r, e, EG_ESYNTAX, here,
						 r->rec + fstart,
						 r->reclen - fstart,
						 "a quote inside a field that "
						 "does not start with one (quote "
						 "the whole field and double the "
						 "quote)");
			default:
				break;
			}
			break;
		}
		case S_Q: {
			size_t j = r->inpos, lim = r->inlen;

			if (lim - j > max - (here - r->rec_off))
				lim = j + (max - (here - r->rec_off));

			while (j < lim && r->cls[r->in[j]] != C_QUOTE &&
			       r->cls[r->in[j]] != C_HIGH &&
			       r->cls[r->in[j]] != C_NUL) {
				if (r->in[j] == '\n')
					r->line++;
				j++;
			}
			if (j > r->inpos) {
				size_t n = j - r->inpos;

				memcpy(r->rec + r->reclen, r->in + r->inpos, n);
				r->reclen += n;
				r->inpos += n;
				continue;
			}
			if (r->cls[c] == C_QUOTE) {
				st = S_QQ;
				r->inpos++;
				continue;
			}
			break;
		}
		case S_QQ:
			if (r->o.trim && r->cls[c] == C_PLAIN && c == ' ') {
				r->inpos++;
				continue;
			}
			if (r->cls[c] == C_QUOTE) {
				r->rec[r->reclen++] = (char)c;
				r->inpos++;
				st = S_Q;
				continue;
			}
			if (r->cls[c] == C_DELIM) {
				if ((rc = grow_fields(r, e)) != EG_OK)
					return rc;
				end_field(r, fstart, foff, fline, 1);
				r->inpos++;
				st = S_START;
				continue;
			}
			if (r->cls[c] == C_CR || r->cls[c] == C_LF) {
				end_field(r, fstart, foff, fline, 1);
				r->inpos++;
				if (c == '\n') {
					r->line++;
					*got = 1;
					return EG_OK;
				}
				st = S_CR;
				continue;
			}
			return fail_here(r, e, EG_ESYNTAX, here,
					 r->rec + fstart, r->reclen - fstart,
					 "text after the closing quote of a "
					 "field (a quote inside a quoted field "
					 "must be doubled)");
		case S_CR:
			/* CR LF is one break; a lone CR ends the record too */
			if (c == '\n')
				r->inpos++;
			r->line++;
			*got = 1;
			return EG_OK;
		}
		/* bytes that need a look of their own, in S_UNQ or S_Q */
		if (r->cls[c] == C_NUL)
			return fail_here(r, e, EG_EENCODING, here, "", 0,
					 "a NUL byte (is the file UTF-16 or "
					 "binary?)");
		if (r->cls[c] == C_HIGH) {
			const unsigned char *m = r->map[c - 0x80];
			char hex[8];

			if (m[3] == 0) {
				snprintf(hex, sizeof(hex), "0x%02X", c);
				return fail_here(r, e, EG_EENCODING, here, hex,
						 strlen(hex),
						 c < 0xA0 && r->o.enc !=
								 EG_CSV_CP1252
						     ? "a byte that is a control "
						       "character in this "
						       "encoding (is the file "
						       "Windows-1252?)"
						     : "a byte this encoding "
						       "does not define (is the "
						       "file in another "
						       "encoding?)");
			}
			memcpy(r->rec + r->reclen, m, m[3]);
			r->reclen += m[3];
			r->inpos++;
			continue;
		}
		return fail_here(r, e, EG_EINTERNAL, here, "", 0,
				 "the CSV reader reached a state it has no "
				 "rule for");
	}
}

/* Count UTF-8 characters to byte offsets: fixed-width columns. */
static size_t
char_to_byte(const char *p, size_t n, size_t chars)
{
	size_t i = 0;

	while (i < n && chars > 0) {
		i++;
		while (i < n && ((unsigned char)p[i] & 0xC0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static void
trim_field(eg_csv *r, field *f, int tab)
{
	while (f->len > 0 &&
	       (r->rec[f->start] == ' ' || (tab && r->rec[f->start] == '\t'))) {
		f->start++;
		f->len--;
		f->offset++;
	}
	while (f->len > 0 && (r->rec[f->start + f->len - 1] == ' ' ||
			      (tab && r->rec[f->start + f->len - 1] == '\t')))
		f->len--;
}

static void
split_fixed(eg_csv *r)
{
	size_t i, n = r->f[0].len;
	const char *line = r->rec;
	uint64_t off = r->f[0].offset, ln = r->f[0].line;

	for (i = 0; i < r->o.nfixed; i++) {
		size_t a = char_to_byte(line, n, r->o.fixed[i].start - 1);
		size_t b = char_to_byte(line + a, n - a, r->o.fixed[i].width);

		r->f[i].start = a;
		r->f[i].len = b;
		r->f[i].offset = off + a;
		r->f[i].line = ln;
		r->f[i].quoted = 0;
		trim_field(r, &r->f[i], 1);
	}
	r->nf = r->o.nfixed;
}

static int
blank_record(const eg_csv *r)
{
	return r->nf == 1 && r->f[0].len == 0 && !r->f[0].quoted;
}

/* The next non-blank record, split, trimmed, checked. */
static eg_err
next_raw(eg_csv *r, int *got, eg_error *e)
{
	eg_err rc;
	size_t i;

	*got = 0;
	if (r->done)
		return EG_OK;
	if (r->resync) {
		r->resync = 0;
		if ((rc = skip_line(r, e)) != EG_OK)
			return rc;
	}
	do {
		rc = read_record(r, got, e);
		if (rc || !*got) {
			if (!rc)
				r->done = 1;
			return rc;
		}
	} while (blank_record(r));
	if (r->o.enc == EG_CSV_UTF8 && (rc = check_utf8(r, e)) != EG_OK)
		return rc;
	if (r->o.nfixed) {
		split_fixed(r);
		return EG_OK;
	}
	if (r->o.trim)
		for (i = 0; i < r->nf; i++)
			if (!r->f[i].quoted)
				trim_field(r, &r->f[i], r->delim != '\t');
	return EG_OK;
}

eg_err
eg_csv_next(eg_csv *r, int *got, eg_error *e)
{
	eg_err rc = next_raw(r, got, e);

	if (rc || !*got)
		return rc;
	r->records++;
	if (!r->o.nfixed && !r->o.ragged && r->nf != r->ncols) {
		eg_csv_where w;

		eg_csv_where_field(r, r->nf > r->ncols ? r->ncols : r->nf - 1,
				   &w);
		r->err = w;
		return csv_fail_at(r, &w, e, EG_ESYNTAX,
			       "the record has %zu field%s, the %s has %zu "
			       "(a missing or extra delimiter, or an "
			       "unquoted delimiter inside a value)",
			       r->nf, r->nf == 1 ? "" : "s",
			       r->o.header ? "header" : "first record",
			       r->ncols);
	}
	return EG_OK;
}

/* ---- opening ---- */

static int
count_in_line(const unsigned char *p, size_t n, unsigned char d, size_t *end)
{
	size_t i;
	int q = 0, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			q = !q;
		else if (!q && (p[i] == '\n' || p[i] == '\r'))
			break;
		else if (!q && p[i] == d)
			k++;
	}
	*end = i;
	return k;
}

/* The delimiter that splits the first lines the same way the most often;
 * ',' when nothing does. */
static char
detect_delim(const unsigned char *p, size_t n)
{
	static const unsigned char cand[] = {',', ';', '|', '\t'};
	int best = 0, bestk = 0;
	size_t c;

	for (c = 0; c < sizeof(cand); c++) {
		size_t off = 0, end;
		int first = -1, same = 1, lines = 0;

		while (off < n && lines < 5) {
			int k = count_in_line(p + off, n - off, cand[c], &end);

			if (end == n - off && lines > 0)
				break; /* a cut line says nothing */
			if (first < 0)
				first = k;
			else if (k != first)
				same = 0;
			lines++;
			off += end;
			while (off < n && (p[off] == '\r' || p[off] == '\n'))
				off++;
		}
		if (first > 0 && same && first > bestk) {
			bestk = first;
			best = (int)c;
		}
	}
	return bestk ? (char)cand[best] : ',';
}

static eg_err
start(eg_csv *r, eg_error *e)
{
	const unsigned char *p;
	size_t n;
	eg_err rc;
	int got;

	if (r->fd >= 0 && (rc = refill(r, e)) != EG_OK)
		return rc;
	p = r->in;
	n = r->inlen;
	if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) ||
		       (p[0] == 0xFE && p[1] == 0xFF)))
		return eg_fail(e, EG_EENCODING,
			       "the file is UTF-16 text; convert it first, "
			       "e.g. iconv -f UTF-16 -t UTF-8");
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		if (r->o.enc != EG_CSV_UTF8)
			return eg_fail(e, EG_EENCODING,
				       "the file starts with a UTF-8 byte "
				       "order mark but the layout says %s",
				       eg_csv_enc_name(r->o.enc));
		r->inpos = 3;
	}
	if (!r->o.nfixed && n - r->inpos >= 5 &&
	    memcmp(p + r->inpos, "sep=", 4) == 0 &&
	    (n - r->inpos == 5 || p[r->inpos + 5] == '\r' ||
	     p[r->inpos + 5] == '\n')) {
		/* Excel's "sep=;" line names the delimiter */
		if (!r->o.delim)
			r->delim = (char)p[r->inpos + 4];
		r->inpos += 5;
		if (r->inpos < n && p[r->inpos] == '\r')
			r->inpos++;
		if (r->inpos < n && p[r->inpos] == '\n')
			r->inpos++;
		r->line++;
	}
	if (!r->delim && !r->o.nfixed)
		r->delim = detect_delim(p + r->inpos, n - r->inpos);
	memset(r->cls, C_PLAIN, sizeof(r->cls));
	r->cls[0] = C_NUL;
	r->cls['\r'] = C_CR;
	r->cls['\n'] = C_LF;
	if (!r->o.nfixed) {
		r->cls[(unsigned char)r->delim] = C_DELIM;
		if (r->quote)
			r->cls[(unsigned char)r->quote] = C_QUOTE;
	}
	if (r->o.enc != EG_CSV_UTF8) {
		unsigned c;

		if ((rc = build_map(r, e)) != EG_OK)
			return rc;
		for (c = 0x80; c < 0x100; c++)
			r->cls[c] = C_HIGH;
	}
	if (r->o.nfixed) {
		size_t i;

		for (i = 0; i < r->o.nfixed; i++)
			if (r->o.fixed[i].start == 0 || r->o.fixed[i].width == 0)
				return eg_fail(e, EG_EINVAL,
					       "fixed-width column %zu has no "
					       "start or width", i + 1);
		r->ncols = r->o.nfixed;
		return EG_OK;
	}
	if ((rc = next_raw(r, &got, e)) != EG_OK)
		return rc;
	if (!got)
		return eg_fail(e, EG_ESYNTAX, "the file is empty: no %s",
			       r->o.header ? "header row" : "records");
	r->ncols = r->nf;
	if (r->o.header) {
		size_t i, j;

		r->names = calloc(r->nf, sizeof(char *));
		if (!r->names)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		for (i = 0; i < r->nf; i++) {
			r->names[i] = strndup(r->rec + r->f[i].start,
					      r->f[i].len);
			if (!r->names[i])
				return eg_fail(e, EG_ENOMEM, "out of memory");
			/* unnamed columns may repeat; a name may not */
			for (j = 0; j < i && r->names[i][0]; j++)
				if (!strcmp(r->names[j], r->names[i]))
					return eg_csv_fail_field(
					    r, i, e, EG_ESYNTAX,
					    "the header names column '%s' "
					    "twice (#%zu and #%zu)",
					    r->names[i], j + 1, i + 1);
		}
	} else {
		/* the first record is data: hand it out again */
		r->inpos = 0;
		r->inbase = 0;
		if (r->fd >= 0) {
			if (lseek(r->fd, 0, SEEK_SET) != 0)
				return eg_fail(e, EG_EIO,
					       "headerless CSV needs a file it "
					       "can read twice: %s",
					       strerror(errno));
			r->inlen = 0;
			r->in_eof = 0;
			if ((rc = refill(r, e)) != EG_OK)
				return rc;
			r->inbase = 0;
		} else {
			r->inlen = r->memlen;
			r->in_eof = 1;
		}
		r->line = 1;
		r->done = 0;
		r->records = 0;
		/* skip what the first pass skipped before the record */
		if (r->rec_off > r->inlen)
			return eg_fail(e, EG_ELIMIT,
				       "too many blank lines before the first "
				       "record");
		r->inpos = (size_t)r->rec_off;
		r->line = r->rec_line;
	}
	return EG_OK;
}

static eg_err
alloc(eg_csv **out, const eg_csv_opts *o, eg_error *e)
{
	eg_csv *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	r->fd = -1;
	if (o)
		r->o = *o;
	if (!r->o.max_record)
		r->o.max_record = 1024 * 1024;
	if (!r->o.max_cols)
		r->o.max_cols = 1024;
	if (r->o.max_cols > EG_CSV_MAX_COLS)
		r->o.max_cols = EG_CSV_MAX_COLS;
	if (r->o.nfixed > r->o.max_cols) {
		free(r);
		return eg_fail(e, EG_ELIMIT, "too many fixed-width columns");
	}
	r->delim = r->o.delim;
	r->quote = r->o.no_quote ? 0 : r->o.quote ? r->o.quote : '"';
	if (r->delim && (r->delim == r->quote || r->delim == '\n' ||
			 r->delim == '\r' || r->delim == '\0')) {
		free(r);
		return eg_fail(e, EG_EINVAL, "the delimiter cannot be a quote "
					     "or a line break");
	}
	r->line = 1;
	/* 3 UTF-8 bytes per input byte at most, and a little slack */
	r->reccap = r->o.max_record * (r->o.enc == EG_CSV_UTF8 ? 1 : 3) + 8;
	r->rec = malloc(r->reccap);
	r->f = calloc(r->o.max_cols + 1, sizeof(field));
	if (!r->rec || !r->f) {
		eg_csv_free(r);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	*out = r;
	return EG_OK;
}

eg_err
eg_csv_open(eg_csv **out, const char *path, const eg_csv_opts *o, eg_error *e)
{
	eg_csv *r;
	eg_err rc;

	*out = NULL;
	if ((rc = alloc(&r, o, e)) != EG_OK)
		return rc;
	r->in = malloc(CHUNK);
	if (!r->in) {
		eg_csv_free(r);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	r->fd = strcmp(path, "-") == 0 ? dup(0)
				       : open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int err = errno;

		eg_csv_free(r);
		return eg_fail(e, err == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot open %s: %s", path, strerror(err));
	}
	if ((rc = start(r, e)) != EG_OK) {
		eg_csv_free(r);
		return rc;
	}
	*out = r;
	return EG_OK;
}

eg_err
eg_csv_open_mem(eg_csv **out, const void *p, size_t n, const eg_csv_opts *o,
		eg_error *e)
{
	eg_csv *r;
	eg_err rc;

	*out = NULL;
	if ((rc = alloc(&r, o, e)) != EG_OK)
		return rc;
	r->mem = p;
	r->memlen = n;
	r->in = (unsigned char *)(uintptr_t)p; /* never written */
	r->inlen = n;
	r->in_eof = 1;
	if ((rc = start(r, e)) != EG_OK) {
		eg_csv_free(r);
		return rc;
	}
	*out = r;
	return EG_OK;
}

void
eg_csv_free(eg_csv *r)
{
	size_t i;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (!r->mem)
		free(r->in); /* a file's chunk; a memory block is borrowed */
	if (r->names)
		for (i = 0; i < r->ncols; i++)
			free(r->names[i]);
	free(r->names);
	free(r->rec);
	free(r->f);
	free(r);
}
