/*
 * json.h - a small, bounded JSON reader for canonical records handed to
 * us as JSON Lines (one object per line).
 *
 * The parser builds a tree of values from one line held in memory; it
 * refuses nesting deeper than EG_JSON_MAX_DEPTH, trailing bytes, bad
 * escapes and control characters in strings.  Numbers are kept as their
 * text (the canonical types check them), strings are decoded to UTF-8.
 *
 * Ownership: eg_json_parse returns a tree the caller frees with
 * eg_json_free; every pointer into it lives as long as the tree.
 */
#ifndef EDIGATE_JSON_H
#define EDIGATE_JSON_H

#include <stddef.h>

#include "edigate/err.h"

#define EG_JSON_MAX_DEPTH 32

typedef enum eg_json_kind {
	EG_JSON_NULL,
	EG_JSON_BOOL,
	EG_JSON_NUMBER,
	EG_JSON_STRING,
	EG_JSON_ARRAY,
	EG_JSON_OBJECT,
} eg_json_kind;

typedef struct eg_json {
	eg_json_kind kind;
	char *key;  /* member name inside an object, else NULL */
	char *text; /* string value (decoded) or number text; "true"/"false" */
	size_t len; /* bytes in text */
	struct eg_json *child, *next; /* array items / object members */
} eg_json;

/* Parse one JSON value from p (n bytes; surrounding white space is
 * allowed).  EG_ESYNTAX with the byte offset in the message on bad
 * input. */
eg_err eg_json_parse(eg_json **out, const char *p, size_t n,
		     eg_error *e) EG_MUST_USE;
void eg_json_free(eg_json *j);
/* The member called key of an object, or NULL. */
const eg_json *eg_json_get(const eg_json *obj, const char *key);

#endif
