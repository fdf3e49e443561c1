/*
 * layout_load.c - loading and checking layouts: CSV, fixed-width and XML
 * documents to canonical records (layout.h, schemas/layout.xsd,
 * docs/csv.md, docs/xml.md).  Mapping is layout_map.c.
 *
 * The XML adapter validates the file against layout.xsd, then every
 * field is checked for meaning here (its path is a field of the record's
 * shape in canon.c, its code list exists, a measure has a unit, a
 * fixed-width layout gives positions, an XML path is a plain path, the
 * fields of the repeating level sit inside its element), each problem
 * with its line.  CSV layouts build flat records (one row, one record);
 * XML layouts may build records with levels (a Shipment's order and its
 * items), one record per record element.
 */
#include "edigate/layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_int.h"

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

/*
 * The canonical field at a path of up to MAX_PARTS parts ("sku",
 * "dimensions/length", "shipTo/contact/phone", "order/item/sku"): every
 * part but the last is a group, a party or a level; the last is a value.
 */
static const cfield *
shape_field(const cshape *s, const char *path)
{
	char part[48];
	const char *p = path;
	size_t i, k, depth = 0;

	while (s && *p && depth++ < MAX_PARTS) {
		k = strcspn(p, "/");
		if (k == 0 || k >= sizeof(part))
			return NULL;
		memcpy(part, p, k);
		part[k] = '\0';
		p += k;
		for (i = 0; i < s->n; i++)
			if (!strcmp(s->f[i].name, part))
				break;
		if (i == s->n)
			return NULL;
		if (!*p) /* the last part: a value */
			return s->f[i].sub ? NULL : &s->f[i];
		p++;
		s = s->f[i].sub;
	}
	return NULL;
}

/* The group, party or level at a path ("order/item"), or NULL. */
static const cfield *
shape_struct(const cshape *s, const char *path)
{
	char part[48];
	const char *p = path;
	const cfield *cf = NULL;
	size_t i, k;

	while (s && *p) {
		k = strcspn(p, "/");
		if (k == 0 || k >= sizeof(part))
			return NULL;
		memcpy(part, p, k);
		part[k] = '\0';
		p += k + (p[k] == '/');
		for (i = 0; i < s->n; i++)
			if (!strcmp(s->f[i].name, part))
				break;
		if (i == s->n || !s->f[i].sub)
			return NULL;
		cf = &s->f[i];
		s = cf->sub;
	}
	return cf;
}

int
eg_layout_is_number(ctype t)
{
	return t == CT_DECIMAL || t == CT_COUNT || t == CT_POSCOUNT ||
	       t == CT_QUANTITY || t == CT_WEIGHT || t == CT_VOLUME;
}

static void
load_xml(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	const char *rec = eg_xml_attr(n, "record"), *xsd = eg_xml_attr(n, "schema");
	const char *slash = strrchr(c->path, '/');
	char why[120];

	l->is_xml = 1;
	l->xo.record = rec;
	if (rec && rec[0] && eg_xmlr_path_check(rec, why, sizeof(why)))
		problem(c, eg_xml_line(n), "record '%s' %s", rec, why);
	else if (rec && strchr(rec, '@'))
		problem(c, eg_xml_line(n), "record '%s' names an attribute, "
			"not an element", rec);
	if (xsd && xsd[0] == '/')
		snprintf(l->xsd, sizeof(l->xsd), "%s", xsd);
	else if (xsd && slash)
		snprintf(l->xsd, sizeof(l->xsd), "%.*s/%s",
			 (int)(slash - c->path), c->path, xsd);
	else if (xsd)
		snprintf(l->xsd, sizeof(l->xsd), "%s", xsd);
	l->xo.xsd = xsd ? l->xsd : NULL;
	l->xo.max_depth = (unsigned)attr_long(n, "maxDepth", 64);
	l->xo.max_text = (size_t)attr_long(n, "maxTextBytes", 1048576);
	l->xo.max_attrs = (size_t)attr_long(n, "maxAttributes", 256);
	l->xo.max_values = (size_t)attr_long(n, "maxValues", 65536);
	l->xo.max_record = (size_t)attr_long(n, "maxRecordBytes", 16777216);
	if (l->xo.max_depth < 2 || l->xo.max_depth > 1024)
		problem(c, eg_xml_line(n), "maxDepth is between 2 and 1024");
}

static void
load_level(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	const char *path = eg_xml_attr(n, "path"), *xml = eg_xml_attr(n, "xml");
	char why[120];

	if (l->level_cf) {
		problem(c, eg_xml_line(n), "one <level> per layout");
		return;
	}
	snprintf(l->level, sizeof(l->level), "%s", path ? path : "");
	l->level_cf = shape_struct(l->shape, l->level);
	if (!l->level_cf || l->level_cf->max == 1)
		problem(c, eg_xml_line(n), "'%s' is not a repeating level or "
			"group of a %s record", l->level, l->record);
	if (!xml || eg_xmlr_path_check(xml, why, sizeof(why)) ||
	    strchr(xml, '@'))
		problem(c, eg_xml_line(n), "level %s: xml '%s' is not an "
			"element path", l->level, xml ? xml : "");
	l->xrepeat = xml;
}

/* Which reader path a field reads: the same XML path is read once. */
static long
xml_path_index(lctx *c, const char *xml, long line)
{
	eg_layout *l = c->l;
	size_t i;
	char why[120];

	if (strcmp(xml, ".") && eg_xmlr_path_check(xml, why, sizeof(why))) {
		problem(c, line, "xml '%s' %s", xml, why);
		return -1;
	}
	for (i = 0; i < l->nxpaths; i++)
		if (!strcmp(l->xpaths[i], xml))
			return (long)i;
	if (l->nxpaths >= EG_XMLR_MAX_PATHS) {
		problem(c, line, "more than %d XML paths", EG_XMLR_MAX_PATHS);
		return -1;
	}
	l->xpaths[l->nxpaths] = xml;
	return (long)l->nxpaths++;
}

static void
field_xml(lctx *c, lfield *f, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	size_t ll = strlen(l->level);

	f->in_level = ll && !strncmp(f->path, l->level, ll) &&
		      f->path[ll] == '/';
	if (!l->is_xml) {
		if (f->xml || f->uom_xml)
			problem(c, f->line, "%s: xml and uomXml need an <xml> "
				"layout", f->path);
		return;
	}
	if (f->column || f->index || eg_xml_attr(n, "start") || f->uom_column)
		problem(c, f->line, "%s: an XML layout reads xml paths, not "
			"columns (column, index, start, uomColumn)", f->path);
	if (f->xml)
		f->xidx = xml_path_index(c, f->xml, f->line);
	if (f->uom_xml)
		f->uom_xidx = xml_path_index(c, f->uom_xml, f->line);
	if (f->in_level && f->xml && l->xrepeat &&
	    (strncmp(f->xml, l->xrepeat, strlen(l->xrepeat)) ||
	     f->xml[strlen(l->xrepeat)] != '/'))
		problem(c, f->line, "%s is inside level %s: its xml path must "
			"start with %s/", f->path, l->level, l->xrepeat);
	if (!f->in_level && f->xml && l->xrepeat &&
	    !strncmp(f->xml, l->xrepeat, strlen(l->xrepeat)) &&
	    f->xml[strlen(l->xrepeat)] == '/')
		problem(c, f->line, "%s is not inside level %s but reads "
			"from its element %s", f->path, l->level, l->xrepeat);
}

static void
load_field(lctx *c, const eg_xml_node *n)
{
	eg_layout *l = c->l;
	lfield *f;
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
	f->xidx = -1;
	f->uom_xidx = -1;
	if (!path)
		path = "";
	snprintf(f->path, sizeof(f->path), "%s", path);
	slash = strrchr(path, '/');
	snprintf(f->parent, sizeof(f->parent), "%.*s",
		 (int)(slash ? (size_t)(slash - path) : 0), path);
	snprintf(f->top, sizeof(f->top), "%.*s", (int)strcspn(path, "/"),
		 path);
	f->cf = shape_field(l->shape, f->path);
	if (!f->cf)
		problem(c, line, "'%s' is not a field of a %s record", f->path,
			l->record);
	f->column = eg_xml_attr(n, "column");
	f->index = attr_long(n, "index", 0);
	f->xml = eg_xml_attr(n, "xml");
	f->uom_xml = eg_xml_attr(n, "uomXml");
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
	sources = !!f->column + !!f->index + !!f->value + !!f->xml +
		  !!eg_xml_attr(n, "start");
	if (sources != 1)
		problem(c, line, "%s: give exactly one of %s or value", f->path,
			l->is_xml ? "xml" : "column, index, start (fixed width)");
	field_xml(c, f, n);
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
	} else if (eg_xml_attr(n, "start") && !l->is_xml) {
		problem(c, line, "%s: start/width need <csv fixedWidth=\"true\">",
			f->path);
	}
	if (f->index && !l->o.nfixed)
		f->col = f->index - 1;
	if (f->cf && eg_canon_kind(f->cf->type) == EG_RK_MEASURE &&
	    !f->uom && !f->uom_column && !f->uom_xml)
		problem(c, line, "%s is a measure: give its unit (uom, "
			"uomColumn or uomXml)", f->path);
	if (f->cf && (f->implied || f->thou) &&
	    !eg_layout_is_number(f->cf->type))
		problem(c, line, "%s is not a number: thousands and implied "
			"do not apply", f->path);
	if (f->split && f->cf && f->cf->max == 1)
		problem(c, line, "%s does not repeat: split does not apply",
			f->path);
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
		else if (l->f[j].split || l->f[j].in_level)
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
	if (!l->shape) {
		rc = eg_fail(e, EG_ECONFIG, "%s: record '%s' is not a "
			     "canonical record (Item, Location, Carrier, "
			     "InventorySnapshot; Shipment, WarehouseOrder "
			     "from XML)", path, l->record);
		eg_layout_free(l);
		return rc;
	}
	/* the dialect and code lists first: fields refer to them */
	for (n = eg_xml_first(root); n; n = eg_xml_next(n)) {
		if (!strcmp(eg_xml_name(n), "csv"))
			load_csv(&c, n);
		else if (!strcmp(eg_xml_name(n), "xml"))
			load_xml(&c, n);
		else if (!strcmp(eg_xml_name(n), "codes"))
			load_codes(&c, n);
	}
	if (!l->is_xml && (!strcmp(l->record, "Shipment") ||
			   !strcmp(l->record, "WarehouseOrder"))) {
		rc = eg_fail(e, EG_ECONFIG, "%s: a CSV layout builds one flat "
			     "record per row (Item, Location, Carrier, "
			     "InventorySnapshot); %s records need an <xml> "
			     "layout", path, l->record);
		eg_layout_free(l);
		return rc;
	}
	for (n = eg_xml_first(root); n; n = eg_xml_next(n))
		if (!strcmp(eg_xml_name(n), "level"))
			load_level(&c, n);
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
	if (l->is_xml) {
		l->xo.paths = l->xpaths;
		l->xo.npaths = l->nxpaths;
		l->xo.repeats = l->xrepeat ? &l->xrepeat : NULL;
		l->xo.nrepeats = l->xrepeat ? 1 : 0;
	}
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
	free(l->vt);
	free(l);
}

int
eg_layout_is_xml(const eg_layout *l)
{
	return l->is_xml;
}

void
eg_layout_xml_opts(const eg_layout *l, eg_xmlr_opts *o)
{
	*o = l->xo;
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

