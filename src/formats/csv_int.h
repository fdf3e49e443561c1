/*
 * csv_int.h - what the CSV reader's two files share (csv_reader.c: the
 * byte-level machine and opening; csv_where.c: positions, messages,
 * accessors).  Not installed.
 */
#ifndef EDIGATE_CSV_INT_H
#define EDIGATE_CSV_INT_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/csv.h"

#define CHUNK (64 * 1024)

enum { C_PLAIN = 0, C_DELIM, C_QUOTE, C_CR, C_LF, C_NUL, C_HIGH };

typedef struct field {
	size_t start, len;
	uint64_t offset, line;
	int quoted;
} field;

struct eg_csv {
	int fd;                     /* -1 for memory */
	const unsigned char *mem;
	size_t memlen;
	unsigned char *in;          /* chunk (file) or mem */
	size_t inlen, inpos;
	uint64_t inbase;            /* file offset of in[0] */
	int in_eof;
	eg_csv_opts o;
	char delim, quote;
	unsigned char cls[256];
	unsigned char map[128][4];  /* single-byte -> UTF-8; [3] = length,
				     * 0 for a byte the encoding lacks */
	char *rec;
	size_t reclen, reccap;
	field *f;
	size_t nf;
	char **names;
	size_t ncols;
	uint64_t line;              /* current physical line */
	uint64_t records;
	uint64_t rec_off, rec_line, rec_end_line;
	int resync;                 /* skip to the next line first */
	int done;
	eg_csv_where err;
};

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
size_t csv_utf8_len(const unsigned char *p, size_t n);
/* Raw bytes for a message: controls and non-UTF-8 bytes as \xNN. */
void csv_printable(const char *p, size_t n, char *dst, size_t cap);
/* Fail with w as the position (also the reader's last error). */
eg_err csv_fail_at(eg_csv *r, const eg_csv_where *w, eg_error *e, eg_err code,
		   const char *fmt, ...) EG_PRINTF(5, 6);

#endif
