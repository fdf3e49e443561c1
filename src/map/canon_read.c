/*
 * canon_read.c - a canonical record from its JSON form, checked against
 * the shapes of canon.c (which mirror schemas/canonical.xsd).
 *
 * The tree is built in schema order whatever the member order of the
 * JSON, with the names and kinds the mapper gives its own records, so
 * what the writers and rules read is the same whether a record came
 * from a partner's X12 or from our own systems.  Every problem is
 * listed, not only the first: the reject report tells the sender all
 * that must be fixed.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/canon_read.h"
#include "edigate/json.h"
#include "map_int.h"

#define MAX_LISTED 50

typedef struct rctx {
	eg_buf *why;
	unsigned nbad;
	eg_err rc;
} rctx;

static void
problem(rctx *r, const char *path, const char *what)
{
	r->nbad++;
	if (r->nbad > MAX_LISTED || r->rc)
		return;
	r->rc = eg_buf_addf(r->why, "%s: %s\n", path[0] ? path : "(record)",
			    what);
}

static int
is_measure(ctype t)
{
	return t == CT_QUANTITY || t == CT_WEIGHT || t == CT_VOLUME;
}

/* A scalar's text (string, number or boolean), or NULL. */
static const char *
scalar(const eg_json *v)
{
	if (v->kind == EG_JSON_STRING || v->kind == EG_JSON_NUMBER ||
	    v->kind == EG_JSON_BOOL)
		return v->text;
	return NULL;
}

/*
 * Canonical dates (YYYY-MM-DD) and times (HH:MM[:SS[.d]]) into the
 * compact form the value checks read (CCYYMMDD, HHMM[SS[d]]); -1 when v
 * is not in the canonical form.
 */
static int
x12_form(ctype t, const char *v, char *out, size_t cap)
{
	size_t n = strlen(v), i, o = 0;

	if (t == CT_DATE && (n != 10 || v[4] != '-' || v[7] != '-'))
		return -1;
	if (t == CT_TIME && (n < 5 || v[2] != ':' ||
			     (n > 5 && v[5] != ':')))
		return -1;
	for (i = 0; i < n && o + 1 < cap; i++) {
		if (v[i] == '-' || v[i] == ':' || v[i] == '.') {
			if (v[i] == '.' && t == CT_DATE)
				return -1;
			continue;
		}
		if (v[i] < '0' || v[i] > '9')
			return -1;
		out[o++] = v[i];
	}
	out[o] = '\0';
	return i == n ? 0 : -1;
}

static void read_obj(rctx *r, const cshape *s, const eg_json *o,
		     eg_rnode *parent, const char *path, int root);

/* One value of field f at path into parent. */
static void
read_one(rctx *r, const cfield *f, const eg_json *v, eg_rnode *parent,
	 const char *path)
{
	char val[512], err[160], raw[32];
	const char *t;
	eg_rnode *n = NULL;
	int k;

	if (r->rc)
		return;
	if (f->type == CT_GROUP || f->type == CT_PARTY ||
	    f->type == CT_LEVEL) {
		if (v->kind != EG_JSON_OBJECT) {
			problem(r, path, "must be an object");
			return;
		}
		if ((r->rc = eg_rnode_add(parent, f->name, EG_RK_GROUP,
					  f->max != 1, NULL, 0, &n)))
			return;
		read_obj(r, f->sub, v, n, path, 0);
		return;
	}
	if (is_measure(f->type)) {
		const eg_json *vv = eg_json_get(v, "value");
		const eg_json *u = eg_json_get(v, "uom");

		if (v->kind != EG_JSON_OBJECT || !vv || !u ||
		    vv->kind != EG_JSON_NUMBER || u->kind != EG_JSON_STRING ||
		    v->child->next->next) {
			problem(r, path,
				"must be {\"value\": NUMBER, \"uom\": \"UNIT\"}");
			return;
		}
		k = eg_canon_value(f->type, vv->text, vv->len, val,
				   sizeof(val), err, sizeof(err));
		if (k == 0 && eg_canon_unit(f->type, u->text, err,
					    sizeof(err)) != 0)
			k = -1;
		if (k != 0) {
			problem(r, path, k > 0 ? "has no value" : err);
			return;
		}
		if (!(r->rc = eg_rnode_add(parent, f->name, EG_RK_MEASURE,
					   f->max != 1, val, strlen(val), &n)))
			r->rc = eg_rnode_set_uom(n, u->text);
		return;
	}
	if (!(t = scalar(v))) {
		problem(r, path, "must be a string or a number");
		return;
	}
	/* the JSON form of docs/canonical.md: numbers as numbers, text as
	 * strings, so what we send is what `map` would have written */
	k = eg_canon_kind(f->type) == EG_RK_NUMBER ? EG_JSON_NUMBER
	    : eg_canon_kind(f->type) == EG_RK_BOOL ? EG_JSON_BOOL
						     : EG_JSON_STRING;
	if ((int)v->kind != k) {
		problem(r, path,
			k == EG_JSON_NUMBER ? "must be a JSON number"
			: k == EG_JSON_BOOL ? "must be true or false"
					    : "must be a JSON string");
		return;
	}
	if ((f->type == CT_DATE || f->type == CT_TIME) &&
	    x12_form(f->type, t, raw, sizeof(raw)) != 0) {
		char m[300];

		snprintf(m, sizeof(m), "\"%.80s\" is not a %s", t,
			 f->type == CT_DATE ? "date YYYY-MM-DD"
					    : "time HH:MM[:SS]");
		problem(r, path, m);
		return;
	}
	if (f->type == CT_DATE || f->type == CT_TIME)
		t = raw;
	k = eg_canon_value(f->type, t, strlen(t), val, sizeof(val), err,
			   sizeof(err));
	if (k < 0) {
		char m[300];

		snprintf(m, sizeof(m), "\"%.80s\" %s", t, err);
		problem(r, path, m);
		return;
	}
	if (k > 0) {
		problem(r, path, "is empty (leave the field out instead)");
		return;
	}
	r->rc = eg_rnode_add(parent, f->name, eg_canon_kind(f->type),
			     f->max != 1, val, strlen(val), NULL);
}

/* The member for field f: its name, or its plural for a repeatable one. */
static const eg_json *
member(const eg_json *o, const cfield *f)
{
	char pl[64];

	if (f->max == 1)
		return eg_json_get(o, f->name);
	snprintf(pl, sizeof(pl), "%ss", f->name);
	return eg_json_get(o, pl);
}

static int
known(const cshape *s, const char *key)
{
	size_t i, n;

	for (i = 0; i < s->n; i++) {
		n = strlen(s->f[i].name);
		if (!strcmp(s->f[i].name, key) && s->f[i].max == 1)
			return 1;
		if (s->f[i].max != 1 && !strncmp(s->f[i].name, key, n) &&
		    !strcmp(key + n, "s"))
			return 1;
	}
	return 0;
}

static void
one_of(rctx *r, const cshape *s, const eg_json *o, const char *path)
{
	size_t g, i;

	for (g = 0; g < 2; g++) {
		int any = 0, listed = 0;
		char m[200] = "needs one of", pl[64];

		for (i = 0; i < 4 && s->one_of[g][i] && s->one_of[g][i][0];
		     i++) {
			listed = 1;
			snprintf(pl, sizeof(pl), "%ss", s->one_of[g][i]);
			/* a level or list is named in the plural */
			if (eg_json_get(o, s->one_of[g][i]) ||
			    eg_json_get(o, pl))
				any = 1;
			snprintf(m + strlen(m), sizeof(m) - strlen(m), "%s %s",
				 i ? "," : "", s->one_of[g][i]);
		}
		if (listed && !any)
			problem(r, path, m);
	}
}

static void
read_obj(rctx *r, const cshape *s, const eg_json *o, eg_rnode *parent,
	 const char *path, int root)
{
	const eg_json *c, *v;
	char sub[256];
	size_t i, k;

	for (c = o->child; c; c = c->next) {
		if (root && (!strcmp(c->key, "recordType") ||
			     !strcmp(c->key, "correlation")))
			continue;
		if (!known(s, c->key)) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 path[0] ? "." : "", c->key);
			problem(r, sub, "is not a field of this record "
					"(schemas/canonical.xsd)");
		}
	}
	one_of(r, s, o, path);
	for (i = 0; i < s->n && !r->rc; i++) {
		const cfield *f = &s->f[i];

		v = member(o, f);
		snprintf(sub, sizeof(sub), "%s%s%s%s", path, path[0] ? "." : "",
			 f->name, f->max == 1 ? "" : "s");
		if (!v || v->kind == EG_JSON_NULL) {
			if (f->required)
				problem(r, sub, "is required");
			continue;
		}
		if (f->max == 1) {
			read_one(r, f, v, parent, sub);
			continue;
		}
		if (v->kind != EG_JSON_ARRAY || !v->child) {
			problem(r, sub, "must be a list with at least one entry");
			continue;
		}
		for (k = 0, c = v->child; c && !r->rc; c = c->next, k++) {
			char ip[280];

			if (f->max && k == f->max) {
				problem(r, sub, "has more entries than allowed");
				break;
			}
			snprintf(ip, sizeof(ip), "%s[%zu]", sub, k + 1);
			read_one(r, f, c, parent, ip);
		}
	}
}

eg_err
eg_canon_read_json(eg_rnode **out, const char *line, size_t n,
		   const char *want, eg_buf *why, unsigned *nbad, eg_error *e)
{
	eg_json *j = NULL;
	eg_rnode *rec = NULL;
	const eg_json *rt;
	const cshape *s = NULL;
	rctx r = {why, 0, EG_OK};
	eg_error pe;

	*out = NULL;
	*nbad = 0;
	eg_error_clear(&pe);
	if (eg_json_parse(&j, line, n, &pe)) {
		if (pe.code == EG_ENOMEM)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		problem(&r, "", pe.msg);
		goto out;
	}
	rt = eg_json_get(j, "recordType");
	if (j->kind != EG_JSON_OBJECT) {
		problem(&r, "", "a record must be a JSON object");
		goto out;
	}
	if (!rt || rt->kind != EG_JSON_STRING) {
		problem(&r, "recordType", "is required (\"WarehouseOrder\", "
					  "\"Shipment\", ...)");
		goto out;
	}
	if ((want && strcmp(want, rt->text) != 0) ||
	    !(s = eg_canon_shape(rt->text)) || s->n == 0) {
		char m[200];

		snprintf(m, sizeof(m), "\"%.40s\" is not a record we can send "
				       "here%s%s",
			 rt->text, want ? ": expected " : "", want ? want : "");
		problem(&r, "recordType", m);
		goto out;
	}
	if ((r.rc = eg_rnode_new_root(&rec, s->name)))
		goto out;
	read_obj(&r, s, j, rec, "", 1);
out:
	eg_json_free(j);
	if (r.rc) {
		eg_rnode_free(rec);
		return eg_fail(e, r.rc, "cannot read the record: %s",
			       eg_err_str(r.rc));
	}
	if (r.nbad) {
		eg_rnode_free(rec);
		rec = NULL;
		if (r.nbad > MAX_LISTED && eg_buf_addf(why,
			"... and %u more problem(s)\n", r.nbad - MAX_LISTED))
			return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	*out = rec;
	*nbad = r.nbad;
	return EG_OK;
}
