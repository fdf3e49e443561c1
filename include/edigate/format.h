/*
 * format.h - the registry of document syntaxes, and detection by bidding.
 *
 * Each syntax is a static const descriptor in one table (libarchive's
 * way).  Detection asks every descriptor to bid on the first bytes of a
 * file; the highest bid wins.  A syntax that edigate recognises but cannot
 * read yet is still listed, so a file in it is refused by name ("this is
 * EDIFACT") instead of being misread as something else.
 */
#ifndef EDIGATE_FORMAT_H
#define EDIGATE_FORMAT_H

#include <stddef.h>

#include "edigate/err.h"

struct eg_syntax_desc;
struct eg_record_syntax;

typedef struct eg_format {
	const char *name;  /* "x12", "edifact", ... */
	const char *title; /* for people: "ASC X12" */
	/* 0 = not this syntax, 100 = certain.  p may be short. */
	int (*bid)(const unsigned char *p, size_t n);
	int readable; /* this build has a reader for it */
	/* What the pipeline reads it with (syntax.h): reader, checks, ack
	 * writer, duplicate keys, the mapper's segment source.  NULL: the
	 * pipeline does not read it yet and refuses it by name. */
	const struct eg_syntax_desc *syntax;
	/* A record syntax (syntax.h: CSV, XML): read through a partner's
	 * layout, record by record; NULL for the segment syntaxes. */
	const struct eg_record_syntax *records;
} eg_format;

/* How many bytes detection wants to see. */
#define EG_FORMAT_SNIFF 512

/*
 * Best format for these first bytes, or NULL when nothing bids.
 */
const eg_format *eg_format_detect(const unsigned char *p, size_t n);
const eg_format *eg_format_by_name(const char *name);
/* All registered formats, NULL-terminated. */
const eg_format *const *eg_format_all(void);

/*
 * When the first bytes are text in an encoding edigate does not read
 * (UTF-16 in either byte order, EBCDIC): a sentence for people naming it
 * and how to convert it (static storage).  NULL otherwise.
 */
const char *eg_format_encoding_problem(const unsigned char *p, size_t n);

/* Read the first bytes of a file (at most cap) for detection. */
eg_err eg_format_sniff_file(const char *path, unsigned char *dst, size_t cap,
			    size_t *got, eg_error *e) EG_MUST_USE;

#endif
