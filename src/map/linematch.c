/*
 * linematch.c - ordered lines indexed by what an item may match them by
 * (linematch.h).
 *
 * A line is of one of eight kinds (which of sku, GTIN and buyer part
 * number it has); which identifier decides a match depends on the kind
 * and on what the item has, so every line is entered under each
 * identifier it has, keyed by kind, identifier and value, and once more
 * with its line number.  An entry keeps the first line entered (lines go
 * in in order).  An item asks at most eight kinds, twice each.
 */
#include "linematch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lslot {
	char *key; /* NULL: empty */
	size_t line;
} lslot;

struct eg_lineindex {
	lslot *v;
	size_t cap, n;  /* cap a power of two, n < cap / 2 */
	size_t nlines;
};

/* Longest key: kind, identifier, the value's length, the value (<= 48),
 * the line number (<= 48); an item's value longer than a line's field
 * can hold matches none. */
#define KEY_MAX 128

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static lslot *
find(const eg_lineindex *x, const char *key)
{
	size_t i = (size_t)hash(key) & (x->cap - 1);

	while (x->v[i].key && strcmp(x->v[i].key, key) != 0)
		i = (i + 1) & (x->cap - 1);
	return &x->v[i];
}

static eg_err
grow(eg_lineindex *x)
{
	lslot *old = x->v;
	size_t oc = x->cap, i;

	x->cap = oc ? oc * 2 : 64;
	if (!(x->v = calloc(x->cap, sizeof(*x->v)))) {
		x->v = old;
		x->cap = oc;
		return EG_ENOMEM;
	}
	for (i = 0; i < oc; i++)
		if (old[i].key)
			*find(x, old[i].key) = old[i];
	free(old);
	return EG_OK;
}

/* Enter key for line, unless an earlier line has it. */
static eg_err
put(eg_lineindex *x, const char *key, size_t line)
{
	lslot *s;
	eg_err rc;

	if ((x->n + 1) * 2 >= x->cap && (rc = grow(x)))
		return rc;
	s = find(x, key);
	if (s->key)
		return EG_OK;
	if (!(s->key = strdup(key)))
		return EG_ENOMEM;
	s->line = line;
	x->n++;
	return EG_OK;
}

/* A GTIN without its leading zeros: a UPC-A (12 digits) stays as
 * received, and the same item as a GTIN-14 is the same number padded
 * with zeros (GS1 General Specifications 3.3.2). */
static const char *
gtin_norm(const char *g)
{
	while (*g == '0')
		g++;
	return g;
}

/* kind, identifier and value [and line number] as one key; 0 when it
 * does not fit (no line's value is that long). */
static int
key(char *k, unsigned kind, char id, const char *value, const char *ln)
{
	/* the value's length first: no value can run into the line
	 * number, whatever bytes it holds */
	size_t vl = strlen(value);
	int n = ln ? snprintf(k, KEY_MAX, "%u%c%zu:%s:%s", kind, id, vl, value,
			      ln)
		   : snprintf(k, KEY_MAX, "%u%c%zu:%s", kind, id, vl, value);

	return n >= 0 && n < KEY_MAX;
}

static eg_err
put_line(eg_lineindex *x, unsigned kind, char id, const char *value,
	 const char *ln, size_t line)
{
	char k[KEY_MAX];
	eg_err rc = EG_OK;

	if (key(k, kind, id, value, NULL))
		rc = put(x, k, line);
	if (!rc && key(k, kind, id, value, ln))
		rc = put(x, k, line);
	return rc;
}

eg_err
eg_lineindex_new(eg_lineindex **out, const eg_ref_line *lines, size_t n)
{
	eg_lineindex *x = calloc(1, sizeof(*x));
	eg_err rc = EG_OK;
	size_t i;

	*out = NULL;
	if (!x || grow(x)) {
		free(x);
		return EG_ENOMEM;
	}
	x->nlines = n;
	for (i = 0; !rc && i < n; i++) {
		const eg_ref_line *l = &lines[i];
		unsigned kind = (l->sku[0] ? 1u : 0u) | (l->gtin[0] ? 2u : 0u) |
				(l->buyer_part[0] ? 4u : 0u);

		if (l->sku[0])
			rc = put_line(x, kind, 's', l->sku, l->line_number, i);
		if (!rc && l->gtin[0])
			rc = put_line(x, kind, 'g', gtin_norm(l->gtin),
				      l->line_number, i);
		if (!rc && l->buyer_part[0])
			rc = put_line(x, kind, 'b', l->buyer_part,
				      l->line_number, i);
	}
	if (rc) {
		eg_lineindex_free(x);
		return rc;
	}
	*out = x;
	return EG_OK;
}

void
eg_lineindex_free(eg_lineindex *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->cap; i++)
		free(x->v[i].key);
	free(x->v);
	free(x);
}

/* The first line of key, or n. */
static size_t
get(const eg_lineindex *x, const char *k)
{
	const lslot *s = find(x, k);

	return s->key ? s->line : x->nlines;
}

size_t
eg_linematch(const eg_lineindex *x, const char *sku, const char *gtin,
	     const char *buyer_part, const char *line_number)
{
	size_t first = x->nlines, by_ln = x->nlines;
	unsigned kind;

	for (kind = 0; kind < 8; kind++) {
		char k[KEY_MAX];
		const char *value;
		char id;
		size_t i;

		/* the identifier that decides for a line of this kind */
		if (sku && (kind & 1)) {
			id = 's';
			value = sku;
		} else if (gtin && (kind & 2)) {
			id = 'g';
			value = gtin_norm(gtin);
		} else if (buyer_part && (kind & 4)) {
			id = 'b';
			value = buyer_part;
		} else {
			continue;
		}
		if (key(k, kind, id, value, NULL) && (i = get(x, k)) < first)
			first = i;
		if (line_number && key(k, kind, id, value, line_number) &&
		    (i = get(x, k)) < by_ln)
			by_ln = i;
	}
	return by_ln < x->nlines ? by_ln : first;
}
