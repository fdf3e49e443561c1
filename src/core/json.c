/*
 * json.c - a bounded recursive-descent JSON reader (RFC 8259).
 *
 * Invariants: the cursor never passes the end (every read checks first);
 * recursion is bounded by EG_JSON_MAX_DEPTH; on failure nothing is
 * returned and everything allocated is freed.  Duplicate member names
 * are refused: a record that says two things about one field is not
 * guessed at.
 */
#include <stdlib.h>
#include <string.h>

#include "edigate/json.h"

typedef struct jp {
	const char *p;
	size_t n, i;
	eg_error *e;
} jp;

static eg_err
bad(jp *j, const char *what)
{
	return eg_fail(j->e, EG_ESYNTAX, "not valid JSON at byte %zu: %s",
		       j->i + 1, what);
}

static void
ws(jp *j)
{
	while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' ||
			       j->p[j->i] == '\n' || j->p[j->i] == '\r'))
		j->i++;
}

void
eg_json_free(eg_json *v)
{
	while (v) {
		eg_json *nx = v->next;

		eg_json_free(v->child);
		free(v->key);
		free(v->text);
		free(v);
		v = nx;
	}
}

static int
hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t
utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A string at the cursor (its opening quote); decoded into *out. */
static eg_err
string(jp *j, char **out, size_t *olen)
{
	size_t start = ++j->i, cap, o = 0;
	char *d;

	/* the decoded text is never longer than the raw one */
	while (j->i < j->n && j->p[j->i] != '"') {
		if (j->p[j->i] == '\\')
			j->i++;
		j->i++;
	}
	if (j->i >= j->n)
		return bad(j, "a string is not closed");
	cap = j->i - start + 1;
	if (!(d = malloc(cap)))
		return eg_fail(j->e, EG_ENOMEM, "out of memory");
	for (j->i = start; j->p[j->i] != '"'; j->i++) {
		unsigned char c = (unsigned char)j->p[j->i];
		unsigned cp, lo;

		if (c < 0x20) {
			free(d);
			return bad(j, "a control character inside a string");
		}
		if (c != '\\') {
			d[o++] = (char)c;
			continue;
		}
		c = (unsigned char)j->p[++j->i];
		switch (c) {
		case '"': case '\\': case '/':
			d[o++] = (char)c;
			break;
		case 'b': d[o++] = '\b'; break;
		case 'f': d[o++] = '\f'; break;
		case 'n': d[o++] = '\n'; break;
		case 'r': d[o++] = '\r'; break;
		case 't': d[o++] = '\t'; break;
		case 'u':
			if (j->n - j->i < 5 || hex4(j->p + j->i + 1, &cp)) {
				free(d);
				return bad(j, "a \\u escape needs 4 hex digits");
			}
			j->i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && j->n - j->i >= 7 &&
			    j->p[j->i + 1] == '\\' && j->p[j->i + 2] == 'u' &&
			    !hex4(j->p + j->i + 3, &lo) && lo >= 0xDC00 &&
			    lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				j->i += 6;
			} else if (cp >= 0xD800 && cp < 0xE000) {
				free(d);
				return bad(j, "a lone UTF-16 surrogate");
			}
			/* a \u escape is 6 raw bytes, its UTF-8 at most 4 */
			o += utf8(d + o, cp);
			break;
		default:
			free(d);
			return bad(j, "an unknown escape in a string");
		}
	}
	j->i++;
	d[o] = '\0';
	*out = d;
	*olen = o;
	return EG_OK;
}

static eg_err
number(jp *j, eg_json *v)
{
	size_t s = j->i;

	if (j->i < j->n && j->p[j->i] == '-')
		j->i++;
	if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
		return bad(j, "a number has no digits");
	if (j->p[j->i] == '0')
		j->i++;
	else
		while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
			j->i++;
	if (j->i < j->n && j->p[j->i] == '.') {
		j->i++;
		if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
			return bad(j, "a number's fraction has no digits");
		while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
			j->i++;
	}
	if (j->i < j->n && (j->p[j->i] == 'e' || j->p[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->p[j->i] == '+' || j->p[j->i] == '-'))
			j->i++;
		if (j->i >= j->n || j->p[j->i] < '0' || j->p[j->i] > '9')
			return bad(j, "a number's exponent has no digits");
		while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
			j->i++;
	}
	v->kind = EG_JSON_NUMBER;
	v->len = j->i - s;
	if (!(v->text = malloc(v->len + 1)))
		return eg_fail(j->e, EG_ENOMEM, "out of memory");
	memcpy(v->text, j->p + s, v->len);
	v->text[v->len] = '\0';
	return EG_OK;
}

static eg_err value(jp *j, eg_json *v, int depth);

/* Items of an array or members of an object, after the opening bracket. */
static eg_err
items(jp *j, eg_json *v, int obj, int depth)
{
	eg_json **tail = &v->child;
	char close = obj ? '}' : ']';
	eg_err rc;

	j->i++;
	ws(j);
	if (j->i < j->n && j->p[j->i] == close) {
		j->i++;
		return EG_OK;
	}
	for (;;) {
		eg_json *c = calloc(1, sizeof(*c));
		char *key = NULL;
		size_t kl;

		if (!c)
			return eg_fail(j->e, EG_ENOMEM, "out of memory");
		*tail = c;
		tail = &c->next;
		ws(j);
		if (obj) {
			if (j->i >= j->n || j->p[j->i] != '"')
				return bad(j, "a member name must be a string");
			if ((rc = string(j, &key, &kl)))
				return rc;
			c->key = key;
			ws(j);
			if (j->i >= j->n || j->p[j->i] != ':')
				return bad(j, "a ':' must follow a member name");
			j->i++;
		}
		if ((rc = value(j, c, depth + 1)))
			return rc;
		ws(j);
		if (j->i < j->n && j->p[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->n && j->p[j->i] == close) {
			j->i++;
			return EG_OK;
		}
		return bad(j, obj ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static eg_err
literal(jp *j, eg_json *v, const char *word, eg_json_kind k)
{
	size_t n = strlen(word);

	if (j->n - j->i < n || memcmp(j->p + j->i, word, n) != 0)
		return bad(j, "a value was expected");
	j->i += n;
	v->kind = k;
	if (k == EG_JSON_BOOL) {
		if (!(v->text = malloc(n + 1)))
			return eg_fail(j->e, EG_ENOMEM, "out of memory");
		memcpy(v->text, word, n + 1);
		v->len = n;
	}
	return EG_OK;
}

static eg_err
value(jp *j, eg_json *v, int depth)
{
	if (depth > EG_JSON_MAX_DEPTH)
		return bad(j, "nested too deeply");
	ws(j);
	if (j->i >= j->n)
		return bad(j, "a value was expected, the text ended");
	switch (j->p[j->i]) {
	case '{':
		v->kind = EG_JSON_OBJECT;
		return items(j, v, 1, depth);
	case '[':
		v->kind = EG_JSON_ARRAY;
		return items(j, v, 0, depth);
	case '"':
		v->kind = EG_JSON_STRING;
		return string(j, &v->text, &v->len);
	case 't':
		return literal(j, v, "true", EG_JSON_BOOL);
	case 'f':
		return literal(j, v, "false", EG_JSON_BOOL);
	case 'n':
		return literal(j, v, "null", EG_JSON_NULL);
	default:
		return number(j, v);
	}
}

/* A member name given twice anywhere in the tree, or NULL. */
static const char *
repeated(const eg_json *v)
{
	const eg_json *c, *d;
	const char *r;

	for (c = v->child; c; c = c->next) {
		if (v->kind == EG_JSON_OBJECT)
			for (d = c->next; d; d = d->next)
				if (!strcmp(c->key, d->key))
					return c->key;
		if ((r = repeated(c)))
			return r;
	}
	return NULL;
}

eg_err
eg_json_parse(eg_json **out, const char *p, size_t n, eg_error *e)
{
	jp j = {p, n, 0, e};
	eg_json *v = calloc(1, sizeof(*v));
	const char *r;
	eg_err rc;

	*out = NULL;
	if (!v)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	rc = value(&j, v, 0);
	if (!rc) {
		ws(&j);
		if (j.i < j.n)
			rc = bad(&j, "more text after the value");
	}
	if (!rc && (r = repeated(v)))
		rc = eg_fail(e, EG_ESYNTAX, "member \"%s\" is given twice", r);
	if (rc) {
		eg_json_free(v);
		return rc;
	}
	*out = v;
	return EG_OK;
}

const eg_json *
eg_json_get(const eg_json *obj, const char *key)
{
	const eg_json *c;

	if (!obj || obj->kind != EG_JSON_OBJECT)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}
