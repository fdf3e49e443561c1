/*
 * layout_map.c - mapping one CSV row or one XML record element through a
 * layout into a canonical record (layout.h, docs/csv.md, docs/xml.md).
 *
 * Each layout field takes its values -- a CSV cell, the text of an XML
 * element or attribute (every occurrence), or a constant --, splits them
 * when the field repeats, translates them through its code list, reads
 * numbers with the field's decimal mark and thousands separator, and
 * brings each into canonical form with eg_canon_value: the same checks X12
 * maps get, so a GS1 check digit or a SCAC is checked once, in one place.
 * CSV and XML differ only in where a value comes from and how a finding
 * names its place (line, column or element path, byte offset).
 *
 * The record is then built in schema order by walking the shape: simple
 * fields, groups (the g-th value of each of their fields makes the g-th
 * group), parties and levels that appear once, and the layout's one
 * repeating level (XML), of which each occurrence of its element makes
 * one instance (a ship confirm's lines become an order's items).  A
 * record with any problem yields no record, never a partial one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_int.h"

/* a then b into dst, cut to cap: snprintf("%s%s") without the format
 * machinery, which the per-field paths of every row made hot. */
static void
cat2(char *dst, size_t cap, const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);

	if (na >= cap)
		na = cap - 1;
	if (nb >= cap - na)
		nb = cap - na - 1;
	memcpy(dst, a, na);
	memcpy(dst + na, b, nb);
	dst[na + nb] = '\0';
}

void
eg_layout_row_init(eg_layout_row *row)
{
	memset(row, 0, sizeof(*row));
	eg_buf_init(&row->key, 64 * 1024);
	eg_buf_init(&row->flat, 8 * 1024 * 1024);
}

void
eg_layout_row_free(eg_layout_row *row)
{
	eg_rnode_free(row->rec);
	row->rec = NULL;
	eg_buf_free(&row->key);
	eg_buf_free(&row->flat);
}

eg_err
eg_layout_escape(eg_buf *b, const char *p, size_t n)
{
	size_t i, run = 0;
	eg_err rc = EG_OK;

	for (i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c != '\\')
			continue;
		if ((rc = eg_buf_add(b, p + run, i - run)) != EG_OK)
			break;
		run = i + 1;
		if (c == '\t')
			rc = eg_buf_add(b, "\\t", 2);
		else if (c == '\n')
			rc = eg_buf_add(b, "\\n", 2);
		else if (c == '\r')
			rc = eg_buf_add(b, "\\r", 2);
		else if (c == '\\')
			rc = eg_buf_add(b, "\\\\", 2);
		else
			rc = eg_buf_addf(b, "\\x%02X", c);
	}
	if (!rc)
		rc = eg_buf_add(b, p + run, n - run);
	return rc;
}

typedef struct mctx {
	eg_layout *l;
	eg_csv *r;      /* a CSV row, or */
	eg_xmlr *x;     /* an XML record */
	eg_layout_row *row;
	eg_layout_finding_fn fn;
	void *ud;
	size_t *cur;    /* per field: cursor into its values (levels) */
} mctx;

/* A finding at src: a CSV column, or an XML reader value (-1: the row
 * or record as a whole). */
static void
finding(mctx *m, long src, const char *raw, size_t rawlen, const char *fmt,
	...) EG_PRINTF(5, 6);
static void
finding(mctx *m, long src, const char *raw, size_t rawlen, const char *fmt,
	...)
{
	eg_csv_where w;
	char why[400];
	va_list ap;
	size_t i, o = 0;

	m->row->nbad++;
	if (!m->fn)
		return;
	if (m->x)
		eg_xmlr_where_value(m->x, src >= 0 ? (size_t)src : (size_t)-1,
				    &w);
	else
		eg_csv_where_field(m->r, src >= 0 ? (size_t)src : (size_t)-1,
				   &w);
	if (raw) { /* the value the problem is about (a default, a part) */
		for (i = 0; i < rawlen && o + 4 < sizeof(w.raw); i++)
			w.raw[o++] = (unsigned char)raw[i] < 0x20 ? '?' : raw[i];
		w.raw[o] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	m->fn(m->ud, &w, why);
}

static const char *
val(const eg_layout *l, const lfield *f, size_t k)
{
	return l->scratch.data + l->vt[f->v0 + k].off;
}

static const lval *
lv_of(const eg_layout *l, const lfield *f, size_t k)
{
	return &l->vt[f->v0 + k];
}

/* Where field f's problems point when no one value is at fault. */
static long
fsrc(const mctx *m, const lfield *f)
{
	if (!m->x)
		return f->col;
	return f->nv ? m->l->vt[f->v0].src : -1;
}

static eg_err
push_val(mctx *m, lfield *f, const char *out, long occ, long src)
{
	eg_layout *l = m->l;
	lval *v;

	if (l->nvt == l->vtcap) {
		size_t nc = l->vtcap ? l->vtcap * 2 : 256;
		lval *nv = realloc(l->vt, nc * sizeof(*nv));

		if (!nv)
			return EG_ENOMEM;
		l->vt = nv;
		l->vtcap = nc;
	}
	v = &l->vt[l->nvt++];
	v->off = l->scratch.len;
	v->occ = occ;
	v->src = src;
	f->nv++;
	return eg_buf_add(&l->scratch, out, strlen(out) + 1);
}

/* XML (xs:date, xs:time) and most CSV exports write ISO 8601 extended
 * dates and times (2024-01-05, 14:30:00); the canonical checks read the
 * compact EDI forms (20240105, 143000).  1 when p was ISO and out holds
 * the compact form. */
static int
iso_compact(const char *p, size_t n, ctype t, char *out, size_t cap)
{
	static const char date[] = "dddd-dd-dd", time[] = "dd:dd:dd";
	const char *pat = t == CT_DATE ? date : time;
	size_t i, o = 0, want = t == CT_DATE ? 10 : (n == 5 ? 5 : 8);

	if (n != want || cap <= n)
		return 0;
	for (i = 0; i < n; i++) {
		if (pat[i] == 'd' && (p[i] < '0' || p[i] > '9'))
			return 0;
		if (pat[i] != 'd' && p[i] != pat[i])
			return 0;
		if (pat[i] == 'd')
			out[o++] = p[i];
	}
	out[o] = '\0';
	return 1;
}

/* One value of a field into canonical form, stored in the value table. */
static eg_err
take_value(mctx *m, lfield *f, const char *p, size_t n, int is_default,
	   long occ, long src)
{
	char tmp[VAL_MAX], out[VAL_MAX], why[200];
	const char *v = p;
	size_t vn = n, i;
	int r;

	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (vn == 0)
		return EG_OK;
	if (f->codes && !is_default) {
		for (i = 0; i < f->codes->n; i++)
			if (strlen(f->codes->from[i]) == vn &&
			    !memcmp(f->codes->from[i], v, vn))
				break;
		if (i == f->codes->n) {
			finding(m, src, v, vn,
				"%s: '%.*s' is not in code list %s", f->path,
				(int)(vn > 60 ? 60 : vn), v, f->codes->name);
			f->failed = 1;
			return EG_OK;
		}
		v = f->codes->to[i];
		vn = strlen(v);
	}
	if (eg_layout_is_number(f->cf->type) && !is_default) {
		if (eg_csv_number(v, vn, f->dec, f->thou, f->implied, tmp,
				  sizeof(tmp), why, sizeof(why))) {
			finding(m, src, v, vn, "%s %s", f->path, why);
			f->failed = 1;
			return EG_OK;
		}
		v = tmp;
		vn = strlen(tmp);
	}
	if ((f->cf->type == CT_DATE || f->cf->type == CT_TIME) &&
	    iso_compact(v, vn, f->cf->type, tmp, sizeof(tmp))) {
		v = tmp;
		vn = strlen(tmp);
	}
	r = eg_canon_value(f->cf->type, v, vn, out, sizeof(out), why,
			   sizeof(why));
	if (r < 0) {
		finding(m, src, v, vn, "%s %s", f->path, why);
		f->failed = 1;
		return EG_OK;
	}
	if (r == 1 || (!m->x && f->nv >= MAX_SPLIT))
		return EG_OK;
	return push_val(m, f, out, occ, src);
}

/* A cell or element text: split when the field says so. */
static eg_err
take_span(mctx *m, lfield *f, eg_span s, long occ, long src)
{
	const char *p = s.p, *end = s.p + s.len;
	eg_err rc = EG_OK;

	if (!f->split)
		return take_value(m, f, s.p, s.len, 0, occ, src);
	while (p <= end && !rc) {
		const char *q = memchr(p, f->split, (size_t)(end - p));

		if (!q)
			q = end;
		rc = take_value(m, f, p, (size_t)(q - p), 0, occ, src);
		p = q + 1;
	}
	return rc;
}

/* An occurrence of the level without a value for f: its default, or a
 * finding when the layout requires it. */
static eg_err
fill_missing(mctx *m, lfield *f, long g)
{
	if (f->dflt)
		return take_value(m, f, f->dflt, strlen(f->dflt), 1, g, -1);
	if (f->required && !f->failed)
		finding(m, -1, NULL, 0, "%s is required and %s #%ld has none",
			f->path, m->l->xrepeat, g + 1);
	return EG_OK;
}

static eg_err
take_xml(mctx *m, lfield *f)
{
	size_t i, n = eg_xmlr_nvalues(m->x);
	long g = 0, count = f->in_level ? eg_xmlr_repeat_count(m->x, 0) : 0;
	eg_err rc = EG_OK;

	for (i = 0; i < n && !rc; i++) {
		const eg_xmlr_val *v = eg_xmlr_value(m->x, i);

		if ((long)v->path != f->xidx)
			continue;
		if (f->in_level) { /* values come in occurrence order */
			while (g < v->occ && !rc)
				rc = fill_missing(m, f, g++);
			g = v->occ + 1;
		}
		if (!rc)
			rc = take_span(m, f, v->s, v->occ, (long)i);
	}
	while (f->in_level && g < count && !rc)
		rc = fill_missing(m, f, g++);
	return rc;
}

static eg_err
take_field(mctx *m, lfield *f)
{
	eg_span s = {f->value ? f->value : "", f->value ? strlen(f->value) : 0};
	eg_err rc = EG_OK;
	long g, count;

	f->v0 = m->l->nvt;
	f->nv = 0;
	f->failed = 0;
	if (!f->cf)
		return EG_OK;
	if (m->x && f->xidx >= 0) {
		rc = take_xml(m, f);
		if (f->in_level)
			return rc; /* defaults and required per occurrence */
	} else if (m->x && f->in_level) {
		/* a constant in every occurrence of the level */
		count = eg_xmlr_repeat_count(m->x, 0);
		for (g = 0; g < count && !rc; g++)
			rc = take_span(m, f, s, g, -1);
		return rc;
	} else {
		if (f->col >= 0 && m->r)
			s = eg_csv_field(m->r, (size_t)f->col);
		rc = take_span(m, f, s, -1, f->col);
	}
	if (!rc && f->nv == 0 && f->dflt)
		rc = take_value(m, f, f->dflt, strlen(f->dflt), 1, -1, -1);
	if (!rc && f->nv == 0 && f->required && !f->failed)
		finding(m, fsrc(m, f), NULL, 0, "%s is required and empty",
			f->path);
	if (!rc && f->nv > 0 && f->cf->max && f->nv > f->cf->max)
		finding(m, fsrc(m, f), NULL, 0, "%s has %zu values, at most %u",
			f->path, f->nv, f->cf->max);
	return rc;
}

/* The unit of value k of a measure field: fixed, a CSV column, or the
 * XML uom path's value nearest before it in the same occurrence (an
 * attribute of the same element comes just before its text). */
static const char *
uom_of(mctx *m, const lfield *f, size_t k, char *buf, size_t cap,
       long *src)
{
	*src = -1;
	if (f->uom_col >= 0 && m->r) {
		eg_span u = eg_csv_field(m->r, (size_t)f->uom_col);

		*src = f->uom_col;
		cat2(buf, cap, u.p ? u.p : "", u.len, "");
		return buf;
	}
	if (f->uom_xidx >= 0 && m->x) {
		const lval *v = lv_of(m->l, f, k);
		long i = v->src;

		for (; i >= 0; i--) {
			const eg_xmlr_val *u = eg_xmlr_value(m->x, (size_t)i);

			if (f->in_level && u->occ != v->occ)
				break;
			if ((long)u->path == f->uom_xidx) {
				*src = i;
				cat2(buf, cap, u->s.p ? u->s.p : "", u->s.len,
				     "");
				return buf;
			}
		}
		return f->uom ? f->uom : "";
	}
	return f->uom ? f->uom : "";
}

static eg_err
add_value(mctx *m, eg_rnode *parent, const lfield *f, size_t k)
{
	const cfield *cf = f->cf;
	eg_rnode *n;
	const char *v = val(m->l, f, k), *u;
	eg_err rc = eg_rnode_add(parent, cf->name, eg_canon_kind(cf->type),
				 cf->max != 1, v, strlen(v), &n);
	char why[200], ub[16];
	long src;

	if (rc || eg_canon_kind(cf->type) != EG_RK_MEASURE)
		return rc;
	u = uom_of(m, f, k, ub, sizeof(ub), &src);
	if (eg_canon_unit(cf->type, u, why, sizeof(why))) {
		finding(m, src, src < 0 ? u : NULL, src < 0 ? strlen(u) : 0,
			"%s unit %s", f->path, why);
		return EG_OK;
	}
	return eg_rnode_set_uom(n, u);
}

/* The values of f for instance occ of the level (all when occ < 0 or f
 * is not in the level): *k0 and *k1 bound them. */
static void
range_of(mctx *m, lfield *f, long occ, size_t *k0, size_t *k1)
{
	size_t *cur = &m->cur[f - m->l->f];

	if (occ < 0 || !f->in_level) {
		*k0 = 0;
		*k1 = f->nv;
		return;
	}
	while (*cur < f->nv && lv_of(m->l, f, *cur)->occ < occ)
		(*cur)++;
	*k0 = *cur;
	while (*cur < f->nv && lv_of(m->l, f, *cur)->occ == occ)
		(*cur)++;
	*k1 = *cur;
}

/* Fields mapping exactly path: their values, in layout order. */
static eg_err
build_simple(mctx *m, eg_rnode *node, const cfield *cf, const char *path,
	     long occ)
{
	size_t i, k, k0, k1, count = 0;
	int failed = 0;
	long src = -1;
	eg_err rc = EG_OK;

	for (i = 0; i < m->l->nf && !rc; i++) {
		lfield *f = &m->l->f[i];

		if (f->cf != cf || strcmp(f->path, path))
			continue;
		failed |= f->failed;
		if (src < 0)
			src = fsrc(m, f);
		range_of(m, f, occ, &k0, &k1);
		for (k = k0; k < k1 && !rc; k++, count++)
			if (!cf->max || count < cf->max)
				rc = add_value(m, node, f, k);
	}
	if (!rc && cf->max && count > cf->max)
		finding(m, -1, NULL, 0, "%s has %zu values, at most %u", path,
			count, cf->max);
	if (!rc && count == 0 && cf->required && !failed) {
		if (occ >= 0)
			finding(m, -1, NULL, 0, "%s is required and %s #%ld "
				"has none", path, m->l->xrepeat, occ + 1);
		else
			finding(m, src, NULL, 0, "%s is required and the %s "
				"has none", path, m->x ? "record" : "row");
	}
	return rc;
}

/* A repeating group of a flat record (unitConversion): the g-th value
 * of each of its fields makes the g-th group. */
static eg_err
build_group(mctx *m, eg_rnode *rec, const cfield *cf, const char *path)
{
	const cshape *s = cf->sub;
	size_t i, j, g, groups = 0;
	eg_err rc = EG_OK;

	for (i = 0; i < m->l->nf; i++)
		if (!strcmp(m->l->f[i].parent, path) && m->l->f[i].nv > groups)
			groups = m->l->f[i].nv;
	for (g = 0; g < groups && !rc; g++) {
		eg_rnode *grp;

		if ((rc = eg_rnode_add(rec, cf->name, EG_RK_GROUP, cf->max != 1,
				       NULL, 0, &grp)) != EG_OK)
			break;
		for (j = 0; j < s->n && !rc; j++) {
			int found = 0;

			for (i = 0; i < m->l->nf && !rc; i++) {
				const lfield *f = &m->l->f[i];

				if (f->cf == &s->f[j] && f->failed)
					found = 1; /* told already */
				if (f->cf != &s->f[j] ||
				    strcmp(f->parent, path) || f->nv <= g)
					continue;
				rc = add_value(m, grp, f, g);
				found = 1;
				break;
			}
			if (!rc && !found && s->f[j].required)
				finding(m, -1, NULL, 0,
					"%s needs %s as well", cf->name,
					s->f[j].name);
		}
	}
	return rc;
}

/* Does any field below path have a value from the document (in
 * instance occ of the level, when occ >= 0), or a refused one (told
 * already)?  Constants and defaults alone do not make a structure. */
static int
has_values(const eg_layout *l, const char *path, long occ)
{
	size_t i, k, n = strlen(path);

	for (i = 0; i < l->nf; i++) {
		const lfield *f = &l->f[i];

		if (strncmp(f->path, path, n) || f->path[n] != '/')
			continue;
		if (f->failed)
			return 1;
		for (k = 0; k < f->nv; k++)
			if (lv_of(l, f, k)->src >= 0 &&
			    (occ < 0 || !f->in_level ||
			     lv_of(l, f, k)->occ == occ))
				return 1;
	}
	return 0;
}

/* An entry of a shape's one_of lists (unset entries are NULL). */
static const char *
one_of_at(const cshape *s, size_t i, size_t j)
{
	const char *p = j < 4 ? s->one_of[i][j] : NULL;

	return p && p[0] ? p : NULL;
}

/* The shape's "at least one of" rules for a built structure. */
static void
check_one_of(mctx *m, const eg_rnode *node, const cshape *s,
	     const char *path, long occ)
{
	char names[200], where[120] = "";
	size_t i, j, o;

	if (occ >= 0)
		snprintf(where, sizeof(where), " (%s #%ld)", m->l->xrepeat,
			 occ + 1);
	for (i = 0; i < 2 && one_of_at(s, i, 0); i++) {
		for (j = 0; one_of_at(s, i, j); j++)
			if (eg_rnode_child(node, one_of_at(s, i, j)))
				break;
		if (one_of_at(s, i, j))
			continue;
		for (j = 0, o = 0; one_of_at(s, i, j) && o < sizeof(names); j++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
					      j ? ", " : "", one_of_at(s, i, j));
		finding(m, -1, NULL, 0, "%s%s needs one of %s", path, where,
			names);
	}
}

static eg_err build_shape(mctx *m, eg_rnode *node, const cshape *s,
			  const char *prefix, long occ);

/* A group, party or level at path: the layout's repeating level (one
 * instance per occurrence of its element), a repeating group of a flat
 * record, or one instance when any field maps below it. */
static eg_err
build_struct(mctx *m, eg_rnode *node, const cfield *cf, const char *path,
	     long occ)
{
	eg_layout *l = m->l;
	eg_rnode *child;
	char sub[200];
	long g, count;
	eg_err rc = EG_OK;

	cat2(sub, sizeof(sub), path, strlen(path), "/");
	if (l->level_cf == cf && !strcmp(path, l->level) && m->x) {
		count = eg_xmlr_repeat_count(m->x, 0);
		if (count == 0 && cf->required)
			finding(m, -1, NULL, 0, "%s is required: the record "
				"has no %s element", path, l->xrepeat);
		for (g = 0; g < count && !rc; g++) {
			rc = eg_rnode_add(node, cf->name, EG_RK_GROUP,
					  cf->max != 1, NULL, 0, &child);
			if (!rc)
				rc = build_shape(m, child, cf->sub, sub, g);
			if (!rc)
				check_one_of(m, child, cf->sub, path, g);
		}
		return rc;
	}
	if (cf->type == CT_GROUP && cf->max != 1)
		return build_group(m, node, cf, path);
	if (!has_values(l, path, occ)) {
		if (cf->required)
			finding(m, -1, NULL, 0, "%s is required and the %s has "
				"none", path, m->x ? "record" : "row");
		return EG_OK;
	}
	rc = eg_rnode_add(node, cf->name, EG_RK_GROUP, cf->max != 1, NULL, 0,
			  &child);
	if (!rc)
		rc = build_shape(m, child, cf->sub, sub, occ);
	if (rc)
		return rc;
	if (!child->child) { /* only refused values: told already */
		eg_rnode_free(child);
		return EG_OK;
	}
	if (cf->type != CT_GROUP)
		check_one_of(m, child, cf->sub, path, occ);
	return EG_OK;
}

static eg_err
build_shape(mctx *m, eg_rnode *node, const cshape *s, const char *prefix,
	    long occ)
{
	char path[160];
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; i < s->n && !rc; i++) {
		const cfield *cf = &s->f[i];

		cat2(path, sizeof(path), prefix, strlen(prefix), cf->name);
		rc = cf->sub ? build_struct(m, node, cf, path, occ)
			     : build_simple(m, node, cf, path, occ);
	}
	return rc;
}

static eg_err
add_text(eg_rnode *p, const char *name, const char *v)
{
	if (!v || !*v)
		return EG_OK;
	return eg_rnode_add(p, name, EG_RK_TEXT, 0, v, strlen(v), NULL);
}

static eg_err
add_num(eg_rnode *p, const char *name, unsigned long long v)
{
	char b[24];
	size_t i = sizeof(b);

	do
		b[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return eg_rnode_add(p, name, EG_RK_NUMBER, 0, b + i, sizeof(b) - i,
			    NULL);
}

/* correlation/position: a CSV row (lines, byte offset and length) or an
 * XML record element (lines and its path; libxml2 parses ahead, so no
 * exact byte offset is claimed). */
static eg_err
build_position(mctx *m, eg_rnode *cor)
{
	uint64_t off = 0, len = 0, first, last, num;
	eg_rnode *pos;
	eg_err rc;

	if (m->x)
		eg_xmlr_record_pos(m->x, &first, &last, &num, &off);
	else
		eg_csv_record_pos(m->r, &off, &len, &first, &last);
	rc = eg_rnode_add(cor, "position", EG_RK_GROUP, 0, NULL, 0, &pos);
	if (!rc)
		rc = add_text(pos, "unit", m->x ? "line" : "row");
	if (!rc)
		rc = add_num(pos, "first", first ? first : 1);
	if (!rc)
		rc = add_num(pos, "last", last ? last : 1);
	if (!rc && !m->x)
		rc = add_num(pos, "byteOffset", off);
	if (!rc && len > 0)
		rc = add_num(pos, "byteLength", len);
	if (!rc && m->x)
		rc = add_text(pos, "path", eg_xmlr_record_path(m->x));
	return rc;
}

static eg_err
build_correlation(mctx *m, eg_rnode *rec, const eg_layout_src *src)
{
	eg_layout *l = m->l;
	eg_rnode *cor, *k;
	size_t i, j;
	eg_err rc;

	rc = eg_rnode_add(rec, "correlation", EG_RK_GROUP, 0, NULL, 0, &cor);
	if (!rc)
		rc = add_text(cor, "partnerId",
			      src->partner ? src->partner : l->partner);
	if (!rc)
		rc = add_text(cor, "direction", "inbound");
	if (!rc)
		rc = add_text(cor, "fileId", src->file_id);
	if (!rc)
		rc = add_text(cor, "fileName", src->file_name);
	if (!rc)
		rc = add_text(cor, "fileSha256", src->sha256);
	if (!rc)
		rc = add_text(cor, "receivedAt", src->received_at);
	if (!rc)
		rc = add_text(cor, "syntax", m->x ? "xml" : "csv");
	if (!rc)
		rc = add_text(cor, "syntaxVersion", l->version);
	if (!rc)
		rc = build_position(m, cor);
	for (i = 0; i < l->nkeys && !rc; i++)
		for (j = 0; j < l->nf && !rc; j++) {
			lfield *f = &l->f[j];

			if (strcmp(f->path, l->keys[i].path) || f->nv == 0)
				continue;
			rc = eg_rnode_add(cor, "key", EG_RK_GROUP, 1, NULL, 0, &k);
			if (!rc)
				rc = add_text(k, "name", l->keys[i].name);
			if (!rc)
				rc = add_text(k, "value", val(l, f, 0));
			break;
		}
	return rc;
}

static eg_err
build_key_flat(mctx *m)
{
	eg_layout *l = m->l;
	eg_layout_row *row = m->row;
	size_t i, j, k;
	eg_err rc = EG_OK;

	for (i = 0; i < l->nkeys && !rc; i++) {
		for (j = 0; j < l->nf; j++)
			if (!strcmp(l->f[j].path, l->keys[i].path))
				break;
		if (j < l->nf && l->f[j].failed) {
			eg_buf_reset(&row->key); /* told already */
			break;
		}
		if (j == l->nf || l->f[j].nv == 0) {
			finding(m, j < l->nf ? fsrc(m, &l->f[j]) : -1, NULL, 0,
				"the business key %s is empty",
				l->keys[i].name);
			eg_buf_reset(&row->key);
			break;
		}
		if (i > 0)
			rc = eg_buf_addc(&row->key, 0x1F);
		if (!rc) {
			const char *v = val(l, &l->f[j], 0);

			rc = eg_layout_escape(&row->key, v, strlen(v));
		}
	}
	for (i = 0; i < l->nf && !rc; i++) {
		lfield *f = &l->f[i];

		if (i > 0)
			rc = eg_buf_addc(&row->flat, '\t');
		for (k = 0; k < f->nv && !rc; k++) {
			const char *v = val(l, f, k);
			char ub[16];
			long us;

			if (k > 0)
				rc = eg_buf_adds(&row->flat, "\\x1F");
			if (!rc)
				rc = eg_layout_escape(&row->flat, v, strlen(v));
			if (!rc && (f->uom_col >= 0 || f->uom_xidx >= 0)) {
				const char *u = uom_of(m, f, k, ub, sizeof(ub),
						       &us);

				rc = eg_buf_addc(&row->flat, ' ');
				if (!rc)
					rc = eg_layout_escape(&row->flat, u,
							      strlen(u));
			}
		}
	}
	return rc;
}

static eg_err
map_common(mctx *m, const eg_layout_src *src, eg_error *e)
{
	eg_layout *l = m->l;
	eg_layout_row *row = m->row;
	eg_rnode *rec = NULL;
	size_t i, cur[MAX_FIELDS];
	eg_err rc = EG_OK;

	memset(cur, 0, sizeof(cur));
	m->cur = cur;
	eg_rnode_free(row->rec);
	row->rec = NULL;
	row->nbad = 0;
	eg_buf_reset(&row->key);
	eg_buf_reset(&row->flat);
	eg_buf_reset(&l->scratch);
	l->nvt = 0;
	for (i = 0; i < l->nf && !rc; i++)
		rc = take_field(m, &l->f[i]);
	if (!rc)
		rc = build_key_flat(m);
	if (!rc)
		rc = eg_rnode_new_root(&rec, l->shape->name);
	if (!rc)
		rc = build_correlation(m, rec, src);
	if (!rc)
		rc = build_shape(m, rec, l->shape, "", -1);
	if (rc) {
		eg_rnode_free(rec);
		return eg_fail(e, rc, "mapping a %s: %s", m->x ? "record" : "row",
			       eg_err_str(rc));
	}
	if (row->nbad) {
		eg_rnode_free(rec);
		return EG_OK;
	}
	row->rec = rec;
	return EG_OK;
}

eg_err
eg_layout_map(eg_layout *l, eg_csv *r, const eg_layout_src *src,
	      eg_layout_row *row, eg_layout_finding_fn fn, void *ud,
	      eg_error *e)
{
	mctx m = {l, r, NULL, row, fn, ud, NULL};

	return map_common(&m, src, e);
}

eg_err
eg_layout_map_xml(eg_layout *l, eg_xmlr *x, const eg_layout_src *src,
		  eg_layout_row *row, eg_layout_finding_fn fn, void *ud,
		  eg_error *e)
{
	mctx m = {l, NULL, x, row, fn, ud, NULL};

	return map_common(&m, src, e);
}
