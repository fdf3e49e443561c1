/*
 * recflat.c - canonical records flattened into sorted leaves and a key
 * (recflat.h).  A small JSON reader for one record line: objects,
 * arrays, strings, numbers, true, false, null; at most 64 levels deep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/recflat.h"

#define MAX_DEPTH 64
#define MAX_LEAVES 100000

typedef struct rd {
	const char *p;
	size_t n, i;
	char path[1024];
	char **leaf;
	size_t nleaf, cap;
	eg_error *e;
} rd;

static eg_err rd_value(rd *r, size_t plen, int depth);

static void
ws(rd *r)
{
	while (r->i < r->n && (r->p[r->i] == ' ' || r->p[r->i] == '\t' ||
			       r->p[r->i] == '\r' || r->p[r->i] == '\n'))
		r->i++;
}

static eg_err
bad(rd *r, const char *what)
{
	return eg_fail(r->e, EG_ESYNTAX, "not a JSON record at byte %zu: %s",
		       r->i + 1, what);
}

/* One leaf: the path so far, a TAB, the value's text. */
static eg_err
leaf(rd *r, size_t plen, const char *v, size_t vlen)
{
	char *s, **nv;

	if (r->nleaf == r->cap) {
		size_t c = r->cap ? r->cap * 2 : 64;

		if (c > MAX_LEAVES)
			return eg_fail(r->e, EG_ELIMIT,
				       "a record with more than %d fields",
				       MAX_LEAVES);
		if (!(nv = realloc(r->leaf, c * sizeof(*nv))))
			return eg_fail(r->e, EG_ENOMEM, "out of memory");
		r->leaf = nv;
		r->cap = c;
	}
	if (!(s = malloc(plen + vlen + 2)))
		return eg_fail(r->e, EG_ENOMEM, "out of memory");
	memcpy(s, r->path, plen);
	s[plen] = '\t';
	memcpy(s + plen + 1, v, vlen);
	s[plen + 1 + vlen] = '\0';
	r->leaf[r->nleaf++] = s;
	return EG_OK;
}

/* A string's extent (quotes included); *end after it. */
static eg_err
str_span(rd *r, size_t *start, size_t *end)
{
	size_t i = r->i;

	if (i >= r->n || r->p[i] != '"')
		return bad(r, "a string was expected");
	*start = i++;
	while (i < r->n && r->p[i] != '"') {
		if ((unsigned char)r->p[i] < 0x20)
			return bad(r, "a control character in a string");
		i += r->p[i] == '\\' ? 2 : 1;
	}
	if (i >= r->n)
		return bad(r, "a string does not end");
	*end = ++i;
	r->i = i;
	return EG_OK;
}

/* Extend the path by s (len n); -1 when it does not fit. */
static int
push(rd *r, size_t plen, const char *s, size_t n)
{
	if (plen + n + 1 >= sizeof(r->path))
		return -1;
	memcpy(r->path + plen, s, n);
	r->path[plen + n] = '\0';
	return 0;
}

static eg_err
rd_object(rd *r, size_t plen, int depth)
{
	size_t a, b;
	eg_err rc;

	r->i++; /* { */
	ws(r);
	if (r->i < r->n && r->p[r->i] == '}') {
		r->i++;
		return EG_OK;
	}
	for (;;) {
		size_t k = plen;

		ws(r);
		if ((rc = str_span(r, &a, &b)))
			return rc;
		if ((plen && push(r, k++, ".", 1)) ||
		    push(r, k, r->p + a + 1, b - a - 2))
			return bad(r, "the field path is too long");
		k += b - a - 2;
		ws(r);
		if (r->i >= r->n || r->p[r->i] != ':')
			return bad(r, "':' was expected");
		r->i++;
		if ((rc = rd_value(r, k, depth + 1)))
			return rc;
		ws(r);
		if (r->i < r->n && r->p[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->p[r->i] == '}') {
			r->i++;
			return EG_OK;
		}
		return bad(r, "',' or '}' was expected");
	}
}

static eg_err
rd_array(rd *r, size_t plen, int depth)
{
	char idx[24];
	size_t k = 0;
	eg_err rc;

	r->i++; /* [ */
	ws(r);
	if (r->i < r->n && r->p[r->i] == ']') {
		r->i++;
		return EG_OK;
	}
	for (;; k++) {
		int m = snprintf(idx, sizeof(idx), "[%zu]", k);

		if (push(r, plen, idx, (size_t)m))
			return bad(r, "the field path is too long");
		if ((rc = rd_value(r, plen + (size_t)m, depth + 1)))
			return rc;
		ws(r);
		if (r->i < r->n && r->p[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->p[r->i] == ']') {
			r->i++;
			return EG_OK;
		}
		return bad(r, "',' or ']' was expected");
	}
}

/* A number in a plain form: 18.50 -> 18.5, 3.0 -> 3. */
static eg_err
rd_number(rd *r, size_t plen)
{
	size_t a = r->i, n;
	char num[64];

	while (r->i < r->n && r->p[r->i] &&
	       strchr("+-0123456789.eE", r->p[r->i]))
		r->i++;
	n = r->i - a;
	if (n == 0 || n >= sizeof(num))
		return bad(r, "a value was expected");
	memcpy(num, r->p + a, n);
	num[n] = '\0';
	if (strchr(num, '.') && !strpbrk(num, "eE")) {
		while (n && num[n - 1] == '0')
			num[--n] = '\0';
		if (n && num[n - 1] == '.')
			num[--n] = '\0';
	}
	return leaf(r, plen, num, n);
}

static eg_err
rd_value(rd *r, size_t plen, int depth)
{
	size_t a, b;
	eg_err rc;

	if (depth > MAX_DEPTH)
		return bad(r, "nested too deep");
	ws(r);
	if (r->i >= r->n)
		return bad(r, "a value was expected");
	switch (r->p[r->i]) {
	case '{':
		return rd_object(r, plen, depth);
	case '[':
		return rd_array(r, plen, depth);
	case '"':
		if ((rc = str_span(r, &a, &b)))
			return rc;
		return leaf(r, plen, r->p + a, b - a);
	case 't':
	case 'f':
	case 'n': {
		static const char *const w[] = {"true", "false", "null"};
		size_t k;

		for (k = 0; k < 3; k++)
			if (r->n - r->i >= strlen(w[k]) &&
			    !strncmp(r->p + r->i, w[k], strlen(w[k]))) {
				r->i += strlen(w[k]);
				return leaf(r, plen, w[k], strlen(w[k]));
			}
		return bad(r, "a value was expected");
	}
	default:
		return rd_number(r, plen);
	}
}

static int
cmp_leaf(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
eg_recflat_init(eg_recflat *r)
{
	eg_buf_init(&r->key, 4096);
	eg_buf_init(&r->leaves, (size_t)16 << 20);
}

void
eg_recflat_free(eg_recflat *r)
{
	eg_buf_free(&r->key);
	eg_buf_free(&r->leaves);
}

/* "correlation.keys[N].name\t\"x\"" -> its index and what it is. */
static int
corr_key(const char *l, unsigned *idx, int *is_value)
{
	static const char pre[] = "correlation.keys[";
	char *end;

	if (strncmp(l, pre, sizeof(pre) - 1))
		return 0;
	*idx = (unsigned)strtoul(l + sizeof(pre) - 1, &end, 10);
	if (!strncmp(end, "].name\t", 7))
		*is_value = 0;
	else if (!strncmp(end, "].value\t", 8))
		*is_value = 1;
	else
		return 0;
	return 1;
}

/* A key part as people read it: a plain string without its quotes. */
static eg_err
add_unquoted(eg_buf *b, const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"' &&
	    !memchr(v + 1, '\\', n - 2) && !memchr(v + 1, ' ', n - 2))
		return eg_buf_add(b, v + 1, n - 2);
	return eg_buf_add(b, v, n);
}

eg_err
eg_recflat_line(eg_recflat *f, const char *line, size_t len, eg_error *e)
{
	rd r;
	size_t i, k;
	eg_err rc = EG_OK;
	const char *type = NULL;

	memset(&r, 0, sizeof(r));
	r.p = line;
	r.n = len;
	r.e = e;
	eg_buf_reset(&f->key);
	eg_buf_reset(&f->leaves);
	ws(&r);
	if (r.i >= r.n || r.p[r.i] != '{')
		rc = bad(&r, "a record is a JSON object");
	if (!rc)
		rc = rd_value(&r, 0, 0);
	ws(&r);
	if (!rc && r.i < r.n)
		rc = bad(&r, "text after the record");
	if (!rc)
		qsort(r.leaf, r.nleaf, sizeof(*r.leaf), cmp_leaf);
	for (i = 0; !rc && i < r.nleaf; i++)
		if (!strncmp(r.leaf[i], "recordType\t", 11))
			type = r.leaf[i] + 11;
	rc = rc ? rc : add_unquoted(&f->key, type ? type : "?");
	/* the key: name=value of each correlation key, in key order */
	for (k = 0; !rc; k++) {
		const char *name = NULL, *value = NULL;

		for (i = 0; i < r.nleaf; i++) {
			unsigned idx;
			int isv;

			if (corr_key(r.leaf[i], &idx, &isv) && idx == k)
				*(isv ? &value : &name) =
				    strchr(r.leaf[i], '\t') + 1;
		}
		if (!name || !value)
			break;
		rc = eg_buf_addc(&f->key, ' ');
		if (!rc)
			rc = add_unquoted(&f->key, name);
		if (!rc)
			rc = eg_buf_addc(&f->key, '=');
		if (!rc)
			rc = add_unquoted(&f->key, value);
	}
	for (i = 0; !rc && i < r.nleaf; i++) {
		if (!strncmp(r.leaf[i], "correlation.", 12) ||
		    !strncmp(r.leaf[i], "correlation\t", 12))
			continue;
		rc = eg_buf_adds(&f->leaves, r.leaf[i]);
		if (!rc)
			rc = eg_buf_addc(&f->leaves, '\n');
	}
	if (rc == EG_ENOMEM || rc == EG_ELIMIT)
		if (!e->msg[0])
			rc = eg_fail(e, rc, "a record too large to compare");
	for (i = 0; i < r.nleaf; i++)
		free(r.leaf[i]);
	free(r.leaf);
	return rc;
}
