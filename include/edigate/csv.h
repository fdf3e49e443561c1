/*
 * csv.h - the streaming CSV (and fixed-width) reader.
 *
 * RFC 4180 records: fields separated by one delimiter byte (, ; | TAB or
 * any byte the caller sets, or detected from the first lines), quoted
 * fields with doubled quotes and line breaks inside, CRLF or LF (a lone CR
 * ends a record too), an optional header row naming the columns, a UTF-8
 * byte order mark skipped, Excel's "sep=;" first line obeyed.  Bytes are
 * read in UTF-8, Windows-1252, ISO-8859-1 or ISO-8859-15 and every field
 * is handed out in UTF-8; a byte the encoding does not have is an error
 * that names the line, the column and the byte offset.
 *
 * Fixed-width records (one per line, columns by character position) are
 * a mode of the same reader.
 *
 * Memory is constant: one input chunk and one record of at most
 * max_record bytes, whatever the file size.  Every error says the line,
 * the column (name and number), the byte offset and the raw value, both
 * in the eg_error message and as an eg_csv_where for reject reports.
 *
 * Ownership: the reader owns every span it hands out; they are valid
 * until the next eg_csv_next or eg_csv_free.
 */
#ifndef EDIGATE_CSV_H
#define EDIGATE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/buf.h"
#include "edigate/err.h"

typedef enum eg_csv_enc {
	EG_CSV_UTF8 = 0,
	EG_CSV_CP1252,
	EG_CSV_LATIN1,
	EG_CSV_LATIN9, /* ISO-8859-15 */
} eg_csv_enc;

/* One column of a fixed-width layout: 1-based first character, width. */
typedef struct eg_csv_fixcol {
	unsigned start;
	unsigned width;
} eg_csv_fixcol;

#define EG_CSV_MAX_COLS 4096

typedef struct eg_csv_opts {
	char delim;         /* 0: detect among , ; | TAB */
	char quote;         /* '"' by default (0 in a zeroed struct means
			     * '"'); set no_quote for none */
	int no_quote;
	int header;         /* 1: the first record names the columns */
	eg_csv_enc enc;
	int trim;           /* trim spaces around unquoted fields */
	int lax_quotes;     /* a quote inside an unquoted field is data
			     * (default: an error) */
	int ragged;         /* records may have fewer/more fields than the
			     * first (default: an error) */
	size_t max_record;  /* bytes of one record; 0: 1 MiB */
	size_t max_cols;    /* fields of one record; 0: 1024 */
	/* fixed width: nfixed > 0 turns it on (no delimiter, no quotes) */
	const eg_csv_fixcol *fixed;
	size_t nfixed;
} eg_csv_opts;

/* Where something is, for reject reports (numbers 1-based, 0 unknown). */
typedef struct eg_csv_where {
	uint64_t line;      /* physical line where the field (or record)
			     * starts */
	uint64_t record;    /* data record number (the header is 0) */
	uint64_t offset;    /* byte offset in the file (0-based) */
	unsigned col;       /* column number */
	char colname[128];  /* its header name, or ""; XML: the element path */
	char raw[96];       /* the raw value, printable, capped */
} eg_csv_where;

typedef struct eg_csv eg_csv;

/* Parse an encoding name ("utf-8", "windows-1252", "cp1252",
 * "iso-8859-1", "latin1", "iso-8859-15", "latin9"); -1 when unknown. */
int eg_csv_enc_parse(const char *name, eg_csv_enc *out);
const char *eg_csv_enc_name(eg_csv_enc enc);

/*
 * Open a file ("-" is standard input) or a memory block (borrowed: must
 * outlive the reader).  With a header the first record is read here; a
 * file whose header cannot be read fails here.
 */
eg_err eg_csv_open(eg_csv **out, const char *path, const eg_csv_opts *o,
		   eg_error *e) EG_MUST_USE;
eg_err eg_csv_open_mem(eg_csv **out, const void *p, size_t n,
		       const eg_csv_opts *o, eg_error *e) EG_MUST_USE;
void eg_csv_free(eg_csv *r);

/*
 * Read the next data record.  *got is 1 with a record, 0 at the end of
 * the file.  After an error the reader is finished (fail closed): the
 * caller rejects the file, or (row-level quarantine) notes the error and
 * calls again -- the reader then resumes at the next line.
 */
eg_err eg_csv_next(eg_csv *r, int *got, eg_error *e) EG_MUST_USE;

/* Fields of the current record. */
size_t eg_csv_nfields(const eg_csv *r);
eg_span eg_csv_field(const eg_csv *r, size_t i);
int eg_csv_field_quoted(const eg_csv *r, size_t i);
/* Columns: the header's count (or the first record's), names ("" when
 * there is no header).  eg_csv_column: index of a name, -1 when none. */
size_t eg_csv_ncols(const eg_csv *r);
const char *eg_csv_name(const eg_csv *r, size_t i);
long eg_csv_column(const eg_csv *r, const char *name);
char eg_csv_delim(const eg_csv *r);
/* Bytes of the file read so far, data records read so far. */
uint64_t eg_csv_bytes(const eg_csv *r);
uint64_t eg_csv_records(const eg_csv *r);

/* The current record: byte offset and length (line break included),
 * first and last physical line. */
void eg_csv_record_pos(const eg_csv *r, uint64_t *offset, uint64_t *len,
		       uint64_t *first_line, uint64_t *last_line);

/* Where field i of the current record is (i out of range: the record). */
void eg_csv_where_field(const eg_csv *r, size_t i, eg_csv_where *w);
/* Where the last error happened. */
const eg_csv_where *eg_csv_last_error(const eg_csv *r);

/*
 * Fail with the position of field i of the current record: the message
 * reads "line 12, column price (#3), byte 4711: <fmt>: 'raw'".  Also
 * becomes eg_csv_last_error.
 */
eg_err eg_csv_fail_field(eg_csv *r, size_t i, eg_error *e, eg_err code,
			 const char *fmt, ...) EG_PRINTF(5, 6);

/* A reader's error message (CSV or XML) without the position its
 * eg_csv_where says already: "[file: ]line 12, column c (#3), byte 4711:
 * why" -> "why" (a pointer into msg). */
const char *eg_csv_reason(const char *msg);
/* "line 12, column price (#3), byte 4711" for w. */
void eg_csv_where_format(const eg_csv_where *w, char *dst, size_t cap);
/* Append w as a JSON object {"line":..,"record":..,"offset":..,"column":..,
 * "columnName":..,"value":..}. */
eg_err eg_csv_where_json(eg_buf *b, const eg_csv_where *w) EG_MUST_USE;

/*
 * A number as written in a file, into the canonical form ("-1234.5"):
 * dec is the decimal mark ('.' or ','), thou the thousands separator (0
 * for none; '.', ',', ' ' or '\''), implied the number of implied decimals
 * of a fixed-width field (0: none).  Thousands separators must group three
 * digits, so "1,5" with thou ',' is refused instead of read as 15.
 * Returns 0, or -1 with a clause in why ("is not a number").
 */
int eg_csv_number(const char *p, size_t n, char dec, char thou,
		  unsigned implied, char *out, size_t cap, char *why,
		  size_t whycap);

#endif
