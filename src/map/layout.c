/*
 * layout.c - layouts: CSV and fixed-width rows to canonical master-data
 * records (layout.h, schemas/layout.xsd, docs/csv.md).
 *
 * Loading: the XML adapter validates the file against layout.xsd, then
 * every field is checked for meaning here (its path is a field of the
 * record's shape in canon.c, its code list exists, a measure has a unit,
 * a fixed-width layout gives positions), each problem with its line.
 *
 * Mapping a row: each layout field takes its cell (or constant), splits
 * it when the field repeats, translates it through its code list, reads
 * numbers with the column's decimal mark and thousands separator, and
 * brings the value into canonical form with eg_canon_value -- the same
 * checks X12 maps get, so a GS1 check digit or a SCAC is checked once,
 * in one place.  The record is then built in schema order by walking the
 * shape.  A row with any problem yields no record, never a partial one.
 */
#include "edigate/layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/xml.h"
#include "map_int.h"

#define MAX_FIELDS 256
#define MAX_CODES 64
#define MAX_KEYS 8
#define MAX_SPLIT 16
#define VAL_MAX 600

typedef struct lcodes {
	char name[48];
	size_t n;
	const char **from, **to; /* strings live in the XML document */
} lcodes;

typedef struct lfield {
	char path[64];
	char top[32], sub[32];
	const cfield *cf;      /* the canonical field */
	const char *column;    /* header name, or NULL */
	long index;            /* 1-based column number, 0 none */
	long col;              /* bound column (0-based), -1: constant */
	const char *value, *dflt;
	int required;
	const lcodes *codes;
	char dec, thou;
	unsigned implied;
	const char *uom, *uom_column;
	long uom_col;
	char split;
	long line;
	/* per row: values (offsets into the scratch buffer); failed when a
	 * value was refused (its finding is told already) */
	size_t nv;
	int failed;
	size_t voff[MAX_SPLIT];
} lfield;

typedef struct lkey {
	char name[48];
	char path[64];
} lkey;

struct eg_layout {
	eg_xml *x;
	char name[64], record[16], partner[64], version[24];
	const cshape *shape;
	eg_csv_opts o;
	eg_csv_fixcol fixed[MAX_FIELDS];
	lfield f[MAX_FIELDS];
	size_t nf;
	lcodes codes[MAX_CODES];
	size_t ncodes;
	lkey keys[MAX_KEYS];
	size_t nkeys;
	eg_layout_batch batch;
	eg_buf scratch;
};

/* ---- loading ---- */

typedef struct lctx {
	eg_layout *l;
	eg_layout_problem_fn fn;
	void *ud;
	unsigned problems;
	eg_error *e;
	const char *path;
} lctx;

static void
problem(lctx *c, long line, const char *fmt, ...) EG_PRINTF(3, 4);
static void
problem(lctx *c, long line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->problems++ == 0)
		eg_fail(c->e, EG_ECONFIG, "%s:%ld: %s", c->path, line, msg);
	if (c->fn)
		c->fn(c->ud, line, msg);
}

static int
attr_bool(const eg_xml_node *n, const char *name, int dflt)
{
	const char *v = eg_xml_attr(n, name);

	if (!v)
		return dflt;
	return !strcmp(v, "true") || !strcmp(v, "1");
}

static long
attr_long(const eg_xml_node *n, const char *name, long dflt)
{
	const char *v = eg_xml_attr(n, name);
	char *end;
	long x;

	if (!v)
		return dflt;
	x = strtol(v, &end, 10);
	return *end || x < 0 ? -1 : x;
}

static double
attr_double(const eg_xml_node *n, const char *name, double dflt)
{
	const char *v = eg_xml_attr(n, name);
	char *end;
	double x;

	if (!v)
		return dflt;
	x = strtod(v, &end);
	return *end ? -1 : x;
}

static char
one_char(const char *v)
{
	if (!v)
		return 0;
	if (!strcmp(v, "\\t"))
		return '\t';
	return v[0];
}

static void
load_csv(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	const char *enc = eg_xml_attr(n, "encoding");

	l->o.delim = one_char(eg_xml_attr(n, "delimiter"));
	l->o.quote = one_char(eg_xml_attr(n, "quote"));
	l->o.no_quote = attr_bool(n, "noQuote", 0);
	l->o.header = attr_bool(n, "header", 1);
	l->o.trim = attr_bool(n, "trim", 1);
	l->o.lax_quotes = attr_bool(n, "laxQuotes", 0);
	l->o.max_record = (size_t)attr_long(n, "maxRecordBytes", 1048576);
	l->o.max_cols = (size_t)attr_long(n, "maxColumns", 1024);
	if (attr_bool(n, "fixedWidth", 0))
		l->o.nfixed = 1; /* filled from the fields */
	if (enc && eg_csv_enc_parse(enc, &l->o.enc))
		problem(c, eg_xml_line(n), "unknown encoding '%s'", enc);
}

static void
load_codes(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	lcodes *cl;
	const eg_xml_node *k;
	size_t cnt = 0, i;

	if (l->ncodes >= MAX_CODES) {
		problem(c, eg_xml_line(n), "more than %d code lists", MAX_CODES);
		return;
	}
	cl = &l->codes[l->ncodes++];
	snprintf(cl->name, sizeof(cl->name), "%s", eg_xml_attr(n, "name"));
	for (k = eg_xml_first(n); k; k = eg_xml_next(k))
		cnt++;
	cl->from = calloc(cnt + 1, sizeof(char *));
	cl->to = calloc(cnt + 1, sizeof(char *));
	if (!cl->from || !cl->to) {
		problem(c, eg_xml_line(n), "out of memory");
		return;
	}
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		const char *from = eg_xml_attr(k, "from");

		for (i = 0; i < cl->n; i++)
			if (!strcmp(cl->from[i], from))
				problem(c, eg_xml_line(k),
					"code list %s lists '%s' twice",
					cl->name, from);
		cl->from[cl->n] = from;
		cl->to[cl->n++] = eg_xml_attr(k, "to");
	}
}

static const lcodes *
find_codes(const eg_layout *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->ncodes; i++)
		if (!strcmp(l->codes[i].name, name))
			return &l->codes[i];
	return NULL;
}

/* The canonical field at "top" or "top/sub" of the layout's record. */
static const cfield *
shape_field(const cshape *s, const char *top, const char *sub,
	    const cfield **group)
{
	size_t i, j;

	*group = NULL;
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->f[i].name, top))
			continue;
		if (!sub[0])
			return s->f[i].type == CT_GROUP ? NULL : &s->f[i];
		if (s->f[i].type != CT_GROUP)
			return NULL;
		*group = &s->f[i];
		for (j = 0; j < s->f[i].sub->n; j++)
			if (!strcmp(s->f[i].sub->f[j].name, sub))
				return &s->f[i].sub->f[j];
	}
	return NULL;
}

static int
is_number(ctype t)
{
	return t == CT_DECIMAL || t == CT_COUNT || t == CT_POSCOUNT ||
	       t == CT_QUANTITY || t == CT_WEIGHT || t == CT_VOLUME;
}

static void
load_field(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	lfield *f;
	const cfield *grp;
	const char *path = eg_xml_attr(n, "path"), *codes, *slash;
	long line = eg_xml_line(n);
	int sources;

	if (l->nf >= MAX_FIELDS) {
		problem(c, line, "more than %d fields", MAX_FIELDS);
		return;
	}
	f = &l->f[l->nf++];
	f->line = line;
	f->col = -1;
	f->uom_col = -1;
	if (!path)
		path = "";
	snprintf(f->path, sizeof(f->path), "%s", path);
	slash = strchr(path, '/');
	snprintf(f->top, sizeof(f->top), "%.*s",
		 (int)(slash ? (size_t)(slash - path) : strlen(path)), path);
	snprintf(f->sub, sizeof(f->sub), "%s", slash ? slash + 1 : "");
	f->cf = shape_field(l->shape, f->top, f->sub, &grp);
	if (!f->cf)
		problem(c, line, "'%s' is not a field of a %s record", f->path,
			l->record);
	f->column = eg_xml_attr(n, "column");
	f->index = attr_long(n, "index", 0);
	f->value = eg_xml_attr(n, "value");
	f->dflt = eg_xml_attr(n, "default");
	f->required = attr_bool(n, "required", 0);
	f->dec = one_char(eg_xml_attr(n, "decimal"));
	if (!f->dec)
		f->dec = '.';
	f->thou = one_char(eg_xml_attr(n, "thousands"));
	f->implied = (unsigned)attr_long(n, "implied", 0);
	f->uom = eg_xml_attr(n, "uom");
	f->uom_column = eg_xml_attr(n, "uomColumn");
	f->split = one_char(eg_xml_attr(n, "split"));
	if (f->dec == f->thou)
		problem(c, line, "%s: the decimal mark and the thousands "
			"separator are both '%c'", f->path, f->dec);
	codes = eg_xml_attr(n, "codes");
	if (codes && !(f->codes = find_codes(l, codes)))
		problem(c, line, "%s: no code list '%s' in this layout",
			f->path, codes);
	sources = !!f->column + !!f->index + !!f->value +
		  !!eg_xml_attr(n, "start");
	if (sources != 1)
		problem(c, line, "%s: give exactly one of column, index, start "
			"(fixed width) or value", f->path);
	if (l->o.nfixed) {
		long st = attr_long(n, "start", 0), w = attr_long(n, "width", 0);

		if (!f->value && (st <= 0 || w <= 0))
			problem(c, line, "%s: a fixed-width layout needs start "
				"and width", f->path);
		else if (!f->value) {
			f->col = (long)(l->o.nfixed - 1);
			l->fixed[l->o.nfixed - 1].start = (unsigned)st;
			l->fixed[l->o.nfixed - 1].width = (unsigned)w;
			l->o.nfixed++;
		}
	} else if (eg_xml_attr(n, "start")) {
		problem(c, line, "%s: start/width need <csv fixedWidth=\"true\">",
			f->path);
	}
	if (f->index && !l->o.nfixed)
		f->col = f->index - 1;
	if (f->cf && eg_canon_kind(f->cf->type) == EG_RK_MEASURE &&
	    !f->uom && !f->uom_column)
		problem(c, line, "%s is a measure: give its unit (uom or "
			"uomColumn)", f->path);
	if (f->cf && (f->implied || f->thou) && !is_number(f->cf->type))
		problem(c, line, "%s is not a number: thousands and implied "
			"do not apply", f->path);
	if (f->split && f->cf && f->cf->max == 1)
		problem(c, line, "%s does not repeat: split does not apply",
			f->path);
	(void)grp;
}

static void
load_batch(lctx *c, const eg_xml_node *n)
{
	eg_layout_batch *b = &c->l->batch;
	const char *mode = eg_xml_attr(n, "onBadRow");

	b->max_drop_percent = attr_double(n, "maxDropPercent", 10);
	b->max_deletes = attr_long(n, "maxDeletes", -1);
	b->quarantine_bad_rows = mode && !strcmp(mode, "quarantine");
	b->max_bad_percent = attr_double(n, "maxBadPercent", 1);
	if (b->max_drop_percent < 0 || b->max_drop_percent > 100 ||
	    b->max_bad_percent < 0 || b->max_bad_percent > 100)
		problem(c, eg_xml_line(n), "percentages are between 0 and 100");
}

static void
check_keys(lctx *c)
{
	eg_layout *l = c->l;
	size_t i, j;

	for (i = 0; i < l->nkeys; i++) {
		for (j = 0; j < l->nf; j++)
			if (!strcmp(l->f[j].path, l->keys[i].path))
				break;
		if (j == l->nf)
			problem(c, 0, "key %s: no field maps '%s'",
				l->keys[i].name, l->keys[i].path);
		else if (l->f[j].split)
			problem(c, l->f[j].line,
				"key %s: a key field cannot repeat",
				l->keys[i].name);
	}
}

eg_err
eg_layout_load(eg_layout **out, const char *path, const char *xsd,
	       eg_layout_problem_fn fn, void *ud, eg_error *e)
{
	eg_layout *l = calloc(1, sizeof(*l));
	const eg_xml_node *root, *n;
	lctx c = {l, fn, ud, 0, e, path};
	eg_err rc;

	*out = NULL;
	if (!l)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	eg_buf_init(&l->scratch, 4 * 1024 * 1024);
	l->batch.max_drop_percent = 10;
	l->batch.max_deletes = -1;
	l->batch.max_bad_percent = 1;
	l->o.header = 1;
	l->o.trim = 1;
	if ((rc = eg_xml_load(&l->x, path, xsd, e)) != EG_OK) {
		eg_layout_free(l);
		return rc;
	}
	root = eg_xml_root(l->x);
	if (strcmp(eg_xml_name(root), "layout") != 0) {
		eg_layout_free(l);
		return eg_fail(e, EG_ECONFIG, "%s is not a layout (its root is "
			       "<%s>)", path, eg_xml_name(root));
	}
	snprintf(l->name, sizeof(l->name), "%s",
		 eg_xml_attr(root, "name") ? eg_xml_attr(root, "name") : "");
	snprintf(l->record, sizeof(l->record), "%s",
		 eg_xml_attr(root, "record") ? eg_xml_attr(root, "record")
					     : "");
	snprintf(l->partner, sizeof(l->partner), "%s",
		 eg_xml_attr(root, "partner") ? eg_xml_attr(root, "partner")
					      : "layout");
	snprintf(l->version, sizeof(l->version), "%s",
		 eg_xml_attr(root, "version") ? eg_xml_attr(root, "version")
					      : "");
	l->shape = eg_canon_shape(l->record);
	if (!l->shape || !strcmp(l->record, "Shipment") ||
	    !strcmp(l->record, "WarehouseOrder")) {
		eg_layout_free(l);
		return eg_fail(e, EG_ECONFIG,
			       "%s: record '%s' is not a master-data record "
			       "(Item, Location, Carrier)", path, l->record);
	}
	/* code lists first: fields refer to them */
	for (n = eg_xml_first(root); n; n = eg_xml_next(n)) {
		if (!strcmp(eg_xml_name(n), "csv"))
			load_csv(&c, n);
		else if (!strcmp(eg_xml_name(n), "codes"))
			load_codes(&c, n);
	}
	for (n = eg_xml_first(root); n; n = eg_xml_next(n)) {
		if (!strcmp(eg_xml_name(n), "field")) {
			load_field(&c, n);
		} else if (!strcmp(eg_xml_name(n), "key") &&
			   l->nkeys < MAX_KEYS) {
			lkey *k = &l->keys[l->nkeys++];

			snprintf(k->name, sizeof(k->name), "%s",
				 eg_xml_attr(n, "name"));
			snprintf(k->path, sizeof(k->path), "%s",
				 eg_xml_attr(n, "path"));
		} else if (!strcmp(eg_xml_name(n), "batch")) {
			load_batch(&c, n);
		}
	}
	if (l->o.nfixed)
		l->o.nfixed--; /* it counted from 1 */
	if (l->o.nfixed)
		l->o.fixed = l->fixed;
	if (l->nkeys == 0)
		problem(&c, eg_xml_line(root), "a layout needs a <key>");
	check_keys(&c);
	if (c.problems) {
		eg_layout_free(l);
		return EG_ECONFIG;
	}
	*out = l;
	return EG_OK;
}

void
eg_layout_free(eg_layout *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->ncodes; i++) {
		free(l->codes[i].from);
		free(l->codes[i].to);
	}
	eg_buf_free(&l->scratch);
	eg_xml_free(l->x);
	free(l);
}

const char *
eg_layout_name(const eg_layout *l)
{
	return l->name;
}

const char *
eg_layout_record(const eg_layout *l)
{
	return l->record;
}

void
eg_layout_csv_opts(const eg_layout *l, eg_csv_opts *o)
{
	*o = l->o;
}

const eg_layout_batch *
eg_layout_batch_of(const eg_layout *l)
{
	return &l->batch;
}

const char *
eg_layout_key_path(const eg_layout *l, size_t i)
{
	return i < l->nkeys ? l->keys[i].path : NULL;
}

size_t
eg_layout_nslots(const eg_layout *l)
{
	return l->nf;
}

const char *
eg_layout_slot_name(const eg_layout *l, size_t i)
{
	return i < l->nf ? l->f[i].path : "";
}

static eg_err
bind_one(eg_layout *l, eg_csv *r, const char *name, long line, long *col,
	 eg_error *e)
{
	long i = eg_csv_column(r, name);

	if (i < 0)
		return eg_fail(e, EG_ESYNTAX,
			       "the header has no column '%s' (layout %s line "
			       "%ld): was it renamed or moved?", name, l->name,
			       line);
	*col = i;
	return EG_OK;
}

eg_err
eg_layout_bind(eg_layout *l, eg_csv *r, eg_error *e)
{
	size_t i;
	eg_err rc;

	for (i = 0; i < l->nf; i++) {
		lfield *f = &l->f[i];

		if (f->column && !l->o.header)
			return eg_fail(e, EG_ECONFIG,
				       "layout %s line %ld: column names need "
				       "a header row; use index",
				       l->name, f->line);
		if (f->column &&
		    (rc = bind_one(l, r, f->column, f->line, &f->col, e)))
			return rc;
		if (f->uom_column && (rc = bind_one(l, r, f->uom_column,
						    f->line, &f->uom_col, e)))
			return rc;
		if (f->col >= 0 && !l->o.nfixed &&
		    (size_t)f->col >= eg_csv_ncols(r))
			return eg_fail(e, EG_ESYNTAX,
				       "layout %s line %ld: column %ld, but "
				       "the file has %zu", l->name, f->line,
				       f->col + 1, eg_csv_ncols(r));
	}
	return EG_OK;
}

/* ---- mapping ---- */

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
	eg_csv *r;
	eg_layout_row *row;
	eg_layout_finding_fn fn;
	void *ud;
} mctx;

static void
finding(mctx *m, long col, const char *raw, size_t rawlen, const char *fmt,
	...) EG_PRINTF(5, 6);
static void
finding(mctx *m, long col, const char *raw, size_t rawlen, const char *fmt,
	...)
{
	eg_csv_where w;
	char why[400];
	va_list ap;
	size_t i, o = 0;

	m->row->nbad++;
	if (!m->fn)
		return;
	eg_csv_where_field(m->r, col >= 0 ? (size_t)col : (size_t)-1, &w);
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
	return l->scratch.data + f->voff[k];
}

/* One value of a field into canonical form, stored in the scratch. */
static eg_err
take_value(mctx *m, lfield *f, const char *p, size_t n, int is_default)
{
	char tmp[VAL_MAX], out[VAL_MAX], why[200];
	const char *v = p;
	size_t vn = n, i;
	int r;
	eg_err rc;

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
			finding(m, f->col, v, vn,
				"%s: '%.*s' is not in code list %s", f->path,
				(int)(vn > 60 ? 60 : vn), v, f->codes->name);
			f->failed = 1;
			return EG_OK;
		}
		v = f->codes->to[i];
		vn = strlen(v);
	}
	if (is_number(f->cf->type) && !is_default) {
		if (eg_csv_number(v, vn, f->dec, f->thou, f->implied, tmp,
				  sizeof(tmp), why, sizeof(why))) {
			finding(m, f->col, v, vn, "%s %s", f->path, why);
			f->failed = 1;
			return EG_OK;
		}
		v = tmp;
		vn = strlen(tmp);
	}
	r = eg_canon_value(f->cf->type, v, vn, out, sizeof(out), why,
			   sizeof(why));
	if (r < 0) {
		finding(m, f->col, v, vn, "%s %s", f->path, why);
		f->failed = 1;
		return EG_OK;
	}
	if (r == 1 || f->nv >= MAX_SPLIT)
		return EG_OK;
	f->voff[f->nv++] = m->l->scratch.len;
	rc = eg_buf_add(&m->l->scratch, out, strlen(out) + 1);
	return rc;
}

static eg_err
take_field(mctx *m, lfield *f)
{
	eg_span s = {f->value ? f->value : "", f->value ? strlen(f->value) : 0};
	eg_err rc = EG_OK;

	f->nv = 0;
	f->failed = 0;
	if (!f->cf)
		return EG_OK;
	if (f->col >= 0)
		s = eg_csv_field(m->r, (size_t)f->col);
	if (f->split) {
		const char *p = s.p, *end = s.p + s.len;

		while (p <= end && !rc) {
			const char *q = memchr(p, f->split, (size_t)(end - p));

			if (!q)
				q = end;
			rc = take_value(m, f, p, (size_t)(q - p), 0);
			p = q + 1;
		}
	} else {
		rc = take_value(m, f, s.p, s.len, 0);
	}
	if (!rc && f->nv == 0 && f->dflt)
		rc = take_value(m, f, f->dflt, strlen(f->dflt), 1);
	if (!rc && f->nv == 0 && f->required && !f->failed)
		finding(m, f->col, NULL, 0, "%s is required and empty",
			f->path);
	if (!rc && f->nv > 0 && f->cf->max && f->nv > f->cf->max)
		finding(m, f->col, NULL, 0, "%s has %zu values, at most %u",
			f->path, f->nv, f->cf->max);
	return rc;
}

static eg_err
add_value(mctx *m, eg_rnode *parent, const lfield *f, const char *v)
{
	const cfield *cf = f->cf;
	eg_rnode *n;
	eg_err rc = eg_rnode_add(parent, cf->name, eg_canon_kind(cf->type),
				 cf->max != 1, v, strlen(v), &n);
	char why[200];

	if (rc || eg_canon_kind(cf->type) != EG_RK_MEASURE)
		return rc;
	if (f->uom_col >= 0) {
		eg_span u = eg_csv_field(m->r, (size_t)f->uom_col);
		char ub[16];

		snprintf(ub, sizeof(ub), "%.*s", (int)(u.len < 15 ? u.len : 15),
			 u.p);
		if (eg_canon_unit(cf->type, ub, why, sizeof(why))) {
			finding(m, f->uom_col, NULL, 0, "%s unit %s", f->path,
				why);
			return EG_OK;
		}
		return eg_rnode_set_uom(n, ub);
	}
	if (eg_canon_unit(cf->type, f->uom, why, sizeof(why))) {
		finding(m, -1, f->uom, strlen(f->uom), "%s unit %s", f->path,
			why);
		return EG_OK;
	}
	return eg_rnode_set_uom(n, f->uom);
}

/* Fields of a top-level simple element, in layout order. */
static eg_err
build_simple(mctx *m, eg_rnode *rec, const cfield *cf)
{
	size_t i, k, count = 0;
	int failed = 0;
	long col = -1;
	eg_err rc = EG_OK;

	for (i = 0; i < m->l->nf && !rc; i++) {
		const lfield *f = &m->l->f[i];

		if (f->cf != cf)
			continue;
		failed |= f->failed;
		if (col < 0)
			col = f->col;
		for (k = 0; k < f->nv && !rc; k++, count++)
			if (!cf->max || count < cf->max)
				rc = add_value(m, rec, f, val(m->l, f, k));
	}
	if (!rc && cf->max && count > cf->max)
		finding(m, -1, NULL, 0, "%s has %zu values, at most %u",
			cf->name, count, cf->max);
	if (!rc && count == 0 && cf->required && !failed)
		finding(m, col, NULL, 0, "%s is required and the row has none",
			cf->name);
	return rc;
}

/* A group (dimensions, contact, unitConversion): the g-th value of each
 * of its fields makes the g-th group. */
static eg_err
build_group(mctx *m, eg_rnode *rec, const cfield *cf)
{
	const cshape *s = cf->sub;
	size_t i, j, g, groups = 0;
	eg_err rc = EG_OK;

	for (i = 0; i < m->l->nf; i++)
		if (!strcmp(m->l->f[i].top, cf->name) && m->l->f[i].nv > groups)
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
				if (f->cf != &s->f[j] || strcmp(f->top, cf->name) ||
				    f->nv <= g)
					continue;
				rc = add_value(m, grp, f, val(m->l, f, g));
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

	snprintf(b, sizeof(b), "%llu", v);
	return eg_rnode_add(p, name, EG_RK_NUMBER, 0, b, strlen(b), NULL);
}

static eg_err
build_correlation(mctx *m, eg_rnode *rec, const eg_layout_src *src)
{
	eg_layout *l = m->l;
	eg_rnode *cor, *pos, *k;
	uint64_t off, len, first, last;
	size_t i, j;
	eg_err rc;

	eg_csv_record_pos(m->r, &off, &len, &first, &last);
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
		rc = add_text(cor, "syntax", "csv");
	if (!rc)
		rc = add_text(cor, "syntaxVersion", l->version);
	if (!rc)
		rc = eg_rnode_add(cor, "position", EG_RK_GROUP, 0, NULL, 0, &pos);
	if (!rc)
		rc = add_text(pos, "unit", "row");
	if (!rc)
		rc = add_num(pos, "first", first);
	if (!rc)
		rc = add_num(pos, "last", last);
	if (!rc)
		rc = add_num(pos, "byteOffset", off);
	if (!rc && len > 0)
		rc = add_num(pos, "byteLength", len);
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
			finding(m, j < l->nf ? l->f[j].col : -1, NULL, 0,
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

			if (k > 0)
				rc = eg_buf_adds(&row->flat, "\\x1F");
			if (!rc)
				rc = eg_layout_escape(&row->flat, v, strlen(v));
		}
		if (!rc && f->nv && f->uom_col >= 0) {
			eg_span u = eg_csv_field(m->r, (size_t)f->uom_col);

			rc = eg_buf_addc(&row->flat, ' ');
			if (!rc)
				rc = eg_layout_escape(&row->flat, u.p, u.len);
		}
	}
	return rc;
}

eg_err
eg_layout_map(eg_layout *l, eg_csv *r, const eg_layout_src *src,
	      eg_layout_row *row, eg_layout_finding_fn fn, void *ud,
	      eg_error *e)
{
	mctx m = {l, r, row, fn, ud};
	eg_rnode *rec = NULL;
	size_t i;
	eg_err rc = EG_OK;

	eg_rnode_free(row->rec);
	row->rec = NULL;
	row->nbad = 0;
	eg_buf_reset(&row->key);
	eg_buf_reset(&row->flat);
	eg_buf_reset(&l->scratch);
	for (i = 0; i < l->nf && !rc; i++)
		rc = take_field(&m, &l->f[i]);
	if (!rc)
		rc = build_key_flat(&m);
	if (!rc)
		rc = eg_rnode_new_root(&rec, l->shape->name);
	if (!rc)
		rc = build_correlation(&m, rec, src);
	for (i = 0; i < l->shape->n && !rc; i++) {
		const cfield *cf = &l->shape->f[i];

		rc = cf->type == CT_GROUP ? build_group(&m, rec, cf)
					  : build_simple(&m, rec, cf);
	}
	if (rc) {
		eg_rnode_free(rec);
		return eg_fail(e, rc, "mapping a row: %s", eg_err_str(rc));
	}
	if (row->nbad) {
		eg_rnode_free(rec);
		return EG_OK;
	}
	row->rec = rec;
	return EG_OK;
}
