/*
 * outmap.c - outbound maps: a canonical record into segments, as a map
 * file says (edi/maps/out/<set>.xml, schemas/edi-outmap.xsd,
 * docs/outbound.md).
 *
 * The map is kept as its loaded XML and interpreted as it is walked:
 * <segment> (tag; if= a path that must have a value; each= one segment
 * per value of a repeatable field), <element> (pos; path=, value= or
 * sum=; codes=, format=, part="uom", length=, versions=), <pairs> (a
 * qualifier/value pair per present field, into the positions given),
 * <party> (an N1 loop from a party), <loop each="LEVEL" hl=> (its
 * children once per unit of the level; with hl= each unit opens an HL
 * level, numbered in order under the enclosing one), <hl code=> (the
 * set's own HL level: 856 S).  Paths are relative to the record or to
 * the loop's unit.  The load checks every path against the canonical
 * shapes, so a map cannot name a field that does not exist.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/outwrite.h"
#include "edigate/xml.h"
#include "../map/map_int.h"

struct eg_outmap {
	eg_xml *x;
	const eg_xml_node *root;
	const char *set, *record, *group, *versions;
};

typedef struct segbuf {
	char el[EG_OUT_MAX_ELEMS][EG_OUT_MAX_VALUE];
	size_t n;
} segbuf;

static const char *
attr(const eg_xml_node *n, const char *a)
{
	return eg_xml_attr(n, a);
}

static int
is(const eg_xml_node *n, const char *name)
{
	return !strcmp(eg_xml_name(n), name);
}

/* Is word in the space-separated list? */
static int
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	while (list && *list) {
		size_t k = strcspn(list, " ");

		if (k == n && !memcmp(list, word, n))
			return 1;
		list += k;
		while (*list == ' ')
			list++;
	}
	return 0;
}

/* ---- load and meaning checks ---- */

static eg_err
bad_path(const eg_outmap *m, const eg_xml_node *n, const char *path,
	 eg_error *e)
{
	return eg_fail(e, EG_ECONFIG,
		       "%s:%ld: \"%s\" is not a field of %s "
		       "(docs/canonical.md)",
		       eg_xml_path(m->x), eg_xml_line(n), path, m->record);
}

/* Is path (under level lv, "" for the record) a field of the record? */
static int
field_ok(const eg_outmap *m, const char *lv, const char *path)
{
	char full[160];

	snprintf(full, sizeof(full), "%s%s%s", lv, lv[0] ? "/" : "", path);
	if (eg_canon_field(m->record, full))
		return 1;
	/* a field of a level below the unit ("item/lineNumber" in a pack):
	 * the first unit's */
	snprintf(full, sizeof(full), "%.*s", (int)strcspn(path, "/"), path);
	return lv[0] && path[strlen(full)] == '/' &&
	       eg_canon_is_level(m->record, full) &&
	       eg_canon_field(m->record, path) != NULL;
}

/* sum= names one field of the record or several, space-separated (the
 * items of a 945 in packs and directly in the order). */
static eg_err
check_sum(const eg_outmap *m, const eg_xml_node *c, const char *p,
	  eg_error *e)
{
	char one[128];

	while (*p) {
		size_t k = strcspn(p, " ");

		snprintf(one, sizeof(one), "%.*s", (int)k, p);
		if (k >= sizeof(one) || !eg_canon_field(m->record, one))
			return bad_path(m, c, one, e);
		p += k;
		while (*p == ' ')
			p++;
	}
	return EG_OK;
}

/* "A B" into a and b (each at most 63 bytes); 0 when it is not two
 * words. */
static int
two_words(const char *p, char a[64], char b[64])
{
	size_t k = strcspn(p, " "), j;

	if (!k || k >= 64 || p[k] != ' ')
		return 0;
	memcpy(a, p, k);
	a[k] = '\0';
	p += k + 1;
	j = strcspn(p, " ");
	if (!j || j >= 64 || p[j])
		return 0;
	memcpy(b, p, j);
	b[j] = '\0';
	return 1;
}

/* diff= and differs= name two fields ("A B") of the unit. */
static eg_err
check_two(const eg_outmap *m, const eg_xml_node *c, const char *lv,
	  const char *name, eg_error *e)
{
	const char *p = attr(c, name);
	char a[64], b[64];

	if (!p)
		return EG_OK;
	if (!two_words(p, a, b))
		return bad_path(m, c, p, e);
	if (!field_ok(m, lv, a))
		return bad_path(m, c, a, e);
	if (!field_ok(m, lv, b))
		return bad_path(m, c, b, e);
	return EG_OK;
}

static eg_err
check_node(const eg_outmap *m, const eg_xml_node *n, const char *lv,
	   eg_error *e)
{
	const eg_xml_node *c;
	const char *p;
	char sub[64];
	eg_err rc;

	for (c = eg_xml_first(n); c; c = eg_xml_next(c)) {
		if (is(c, "codes") || is(c, "hl"))
			continue;
		if (is(c, "loop")) {
			p = attr(c, "each");
			if (!p || !eg_canon_is_level(m->record, p))
				return eg_fail(e, EG_ECONFIG,
					       "%s:%ld: loop each=\"%s\" is not "
					       "a level of %s",
					       eg_xml_path(m->x),
					       eg_xml_line(c), p ? p : "",
					       m->record);
			snprintf(sub, sizeof(sub), "%s", p);
			if ((rc = check_node(m, c, sub, e)))
				return rc;
			continue;
		}
		if ((p = attr(c, "path")) && strcmp(p, ".") != 0 &&
		    !field_ok(m, lv, p))
			return bad_path(m, c, p, e);
		if ((p = attr(c, "if")) && !field_ok(m, lv, p) &&
		    !eg_canon_is_level(m->record, p))
			return bad_path(m, c, p, e);
		if ((p = attr(c, "each")) && !field_ok(m, lv, p))
			return bad_path(m, c, p, e);
		if ((p = attr(c, "sum")) && (rc = check_sum(m, c, p, e)))
			return rc;
		if ((p = attr(c, "count")) && strcmp(p, "HL") != 0 &&
		    !eg_canon_is_level(m->record, p))
			return bad_path(m, c, p, e);
		if ((rc = check_two(m, c, lv, "diff", e)) ||
		    (rc = check_two(m, c, lv, "differs", e)))
			return rc;
		if ((rc = check_node(m, c, lv, e)))
			return rc;
	}
	return EG_OK;
}

eg_err
eg_outmap_load(eg_outmap **out, const char *path, const char *xsd,
	       eg_error *e)
{
	eg_outmap *m = calloc(1, sizeof(*m));
	eg_err rc;

	*out = NULL;
	if (!m)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if ((rc = eg_xml_load(&m->x, path, xsd, e)))
		goto fail;
	m->root = eg_xml_root(m->x);
	m->set = attr(m->root, "set");
	m->record = attr(m->root, "record");
	m->group = attr(m->root, "group");
	m->versions = attr(m->root, "versions");
	if (!is(m->root, "outmap") || !m->set || !m->record || !m->group ||
	    !m->versions || !eg_canon_shape(m->record)) {
		rc = eg_fail(e, EG_ECONFIG,
			     "%s: not an outbound map (<outmap set= record= "
			     "group= versions=>)", path);
		goto fail;
	}
	if ((rc = check_node(m, m->root, "", e)))
		goto fail;
	*out = m;
	return EG_OK;
fail:
	eg_outmap_free(m);
	return rc;
}

eg_err
eg_outmap_load_set(eg_outmap **out, const char *datadir, const char *set,
		   eg_error *e)
{
	char path[PATH_MAX], xsd[PATH_MAX];
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/edi/maps/out/%s.xml", datadir, set);
	snprintf(xsd, sizeof(xsd), "%s/schemas/edi-outmap.xsd", datadir);
	if (!(f = fopen(path, "r")))
		return eg_fail(e, EG_ENOTFOUND,
			       "edigate has no outbound map for the %s "
			       "(%s)", set, path);
	fclose(f);
	return eg_outmap_load(out, path, xsd, e);
}

void
eg_outmap_free(eg_outmap *m)
{
	if (!m)
		return;
	eg_xml_free(m->x);
	free(m);
}

const char *eg_outmap_set(const eg_outmap *m) { return m->set; }
const char *eg_outmap_record(const eg_outmap *m) { return m->record; }
const char *eg_outmap_group(const eg_outmap *m) { return m->group; }

int
eg_outmap_serves(const eg_outmap *m, const char *version)
{
	return in_list(m->versions, version);
}

/* ---- rendering ---- */

typedef struct rstate {
	const eg_outmap *m;
	const eg_rnode *rec;
	eg_outmap_run *r;
	eg_error *e;
	unsigned long hl_n;      /* HL segments written (HL01 of the last) */
	unsigned long hl_parent; /* HL01 of the enclosing level, 0: none */
} rstate;

static eg_err
problem(rstate *s, const char *where, const char *fmt, const char *v)
{
	char m[300];

	snprintf(m, sizeof(m), fmt, v);
	s->r->nbad++;
	if (eg_buf_addf(s->r->why, "%s: %s\n", where, m))
		return eg_fail(s->e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

/* The node at a slash path below ctx (".": ctx), or NULL. */
static const eg_rnode *
node_at(const eg_rnode *ctx, const char *path)
{
	char part[48];

	if (!strcmp(path, "."))
		return ctx;
	while (ctx && *path) {
		size_t k = strcspn(path, "/");

		if (k >= sizeof(part))
			return NULL;
		memcpy(part, path, k);
		part[k] = '\0';
		ctx = eg_rnode_child(ctx, part);
		path += k + (path[k] == '/');
	}
	return ctx;
}

/* Ours to the standard's: the partner's <codemap> first, then the map's
 * <codes>; no list at all: the value as it is.  NULL: no translation. */
static const char *
code_out(rstate *s, const char *list, const char *v)
{
	const eg_profile_codemap *cm =
	    s->r->profile ? eg_profile_codemap_find(s->r->profile, list) : NULL;
	const eg_xml_node *c, *k;
	int listed = 0;
	size_t i;

	if (cm) {
		for (i = 0; i < cm->n; i++)
			if (!strcmp(cm->ours[i], v))
				return cm->partner[i];
	}
	for (c = eg_xml_first(s->m->root); c; c = eg_xml_next(c)) {
		if (!is(c, "codes") || strcmp(attr(c, "name"), list) != 0)
			continue;
		listed = 1;
		for (k = eg_xml_first(c); k; k = eg_xml_next(k))
			if (!strcmp(attr(k, "ours"), v))
				return attr(k, "x12");
	}
	return listed || cm ? NULL : v;
}

/* Parse a canonical decimal into millionths; -1 when it is not one. */
static int
micro(const char *v, long long *out)
{
	long long w = 0, f = 0;
	int d = 0;

	if (!*v)
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		if (w > LLONG_MAX / 100)
			return -1;
		w = w * 10 + (*v - '0');
	}
	if (*v == '.')
		for (v++; *v >= '0' && *v <= '9'; v++)
			if (d < 6) {
				f = f * 10 + (*v - '0');
				d++;
			}
	if (*v)
		return -1;
	for (; d < 6; d++)
		f *= 10;
	*out = w * 1000000 + f;
	return 0;
}

typedef struct sumctx {
	long long total;
	int bad;
} sumctx;

static int
add_one(void *ud, const eg_rnode *n)
{
	sumctx *sc = ud;
	long long v;

	if (!n->value || micro(n->value, &v) || sc->total > LLONG_MAX / 2)
		sc->bad = 1;
	else
		sc->total += v;
	return 0;
}

static int
count_one(void *ud, const eg_rnode *n)
{
	(void)n;
	(*(unsigned long *)ud)++;
	return 0;
}

static void
fmt_micro(long long v, char *out, size_t cap)
{
	int d = 6;
	long long f = v % 1000000;

	if (!f) {
		snprintf(out, cap, "%lld", v / 1000000);
		return;
	}
	while (f % 10 == 0) {
		f /= 10;
		d--;
	}
	snprintf(out, cap, "%lld.%0*lld", v / 1000000, d, f);
}

/* A value formatted for X12: dates CCYYMMDD, times HHMM[SS]. */
static void
format(const char *fmt, const char *v, char *out, size_t cap)
{
	size_t o = 0;

	if (fmt && (!strcmp(fmt, "date") || !strcmp(fmt, "time"))) {
		for (; *v && o + 1 < cap; v++) {
			if (*v == '.')
				break; /* decimal seconds: not in X12 TM */
			if (*v != '-' && *v != ':')
				out[o++] = *v;
		}
		out[o] = '\0';
		if (!strcmp(fmt, "time") && o == 6 && !strcmp(out + 4, "00"))
			out[4] = '\0';
		return;
	}
	snprintf(out, cap, "%s", v);
}

/* The two quantities named by diff= or differs= ("A B") in ctx, in
 * millionths; 0 when either is missing or not a number. */
static int
two_values(const eg_xml_node *x, const char *name, const eg_rnode *ctx,
	   long long *a, long long *b)
{
	const char *p = attr(x, name);
	const eg_rnode *na, *nb;
	char pa[64], pb[64];

	if (!p || !two_words(p, pa, pb))
		return 0;
	na = node_at(ctx, pa);
	nb = node_at(ctx, pb);
	return na && nb && na->value && nb->value && !micro(na->value, a) &&
	       !micro(nb->value, b);
}

/* The value an <element> or <pair> gives in ctx: into out ("" when
 * none). */
static eg_err
elem_value(rstate *s, const eg_xml_node *x, const eg_rnode *ctx, char *out,
	   size_t cap)
{
	const char *p = attr(x, "path"), *v = attr(x, "value");
	const char *codes = attr(x, "codes"), *len = attr(x, "length");
	const char *part = attr(x, "part"), *sum = attr(x, "sum");
	const char *vers = attr(x, "versions");
	const eg_rnode *n;
	char where[64];

	out[0] = '\0';
	if (vers && !in_list(vers, s->r->version))
		return EG_OK;
	if (attr(x, "if")) {
		/* only with that field (W0307 goes with W0306) */
		const eg_rnode *c = node_at(ctx, attr(x, "if"));

		if (!c || !c->value || !*c->value)
			return EG_OK;
	}
	if (attr(x, "differs")) {
		/* W1201: CC shipped as ordered, CP when the quantities differ */
		long long a, b;
		int two = two_values(x, "differs", ctx, &a, &b);

		snprintf(out, cap, "%s",
			 two && a != b && attr(x, "then") ? attr(x, "then")
			 : v				  ? v
							  : "");
		return EG_OK;
	}
	if (attr(x, "diff")) {
		/* W1204: ordered minus shipped, when they differ */
		long long a, b;

		if (two_values(x, "diff", ctx, &a, &b) && a != b)
			fmt_micro(a - b, out, cap);
		return EG_OK;
	}
	if (v) {
		snprintf(out, cap, "%s", v);
		return EG_OK;
	}
	if (attr(x, "count") && !strcmp(attr(x, "count"), "HL")) {
		/* CTT01 of an 856: the HL segments of the set */
		snprintf(out, cap, "%lu", s->hl_n);
		return EG_OK;
	}
	if (attr(x, "count")) {
		/* CTT01 of an 850: the units of a level (its lines) */
		unsigned long k = 0;

		eg_rnode_match(s->rec, attr(x, "count"), count_one, &k);
		snprintf(out, cap, "%lu", k);
		return EG_OK;
	}
	if (sum) {
		sumctx sc = {0, 0};
		char one[128];
		const char *q = sum;

		while (*q) {
			size_t k = strcspn(q, " ");

			snprintf(one, sizeof(one), "%.*s", (int)k, q);
			eg_rnode_match(s->rec, one, add_one, &sc);
			q += k;
			while (*q == ' ')
				q++;
		}
		if (sc.bad)
			return problem(s, sum, "%s cannot be totalled", "a value");
		fmt_micro(sc.total, out, cap);
		return EG_OK;
	}
	n = p ? node_at(ctx, p) : NULL;
	v = !n ? NULL : part && !strcmp(part, "uom") ? n->uom : n->value;
	if (!v || !*v) {
		/* a value the standard requires that the record may lack
		 * (BSN04 ship time) */
		if ((v = attr(x, "default")))
			snprintf(out, cap, "%s", v);
		return EG_OK;
	}
	if (len && strlen(v) != strtoul(len, NULL, 10))
		return EG_OK;
	if (codes) {
		const char *c = code_out(s, codes, v);

		if (!c) {
			snprintf(where, sizeof(where), "%s", p);
			return problem(s, where,
				       "\"%s\" has no code in the partner's "
				       "code list or the map's",
				       v);
		}
		v = c;
	}
	format(attr(x, "format"), v, out, cap);
	if (strlen(v) >= cap)
		return problem(s, p, "\"%.40s...\" is too long for an element",
			       v);
	return EG_OK;
}

static size_t
pos_of(const eg_xml_node *x)
{
	const char *p = attr(x, "pos");
	unsigned long v = p ? strtoul(p, NULL, 10) : 0;

	return v >= 1 && v <= EG_OUT_MAX_ELEMS ? (size_t)v : 0;
}

/* A <pairs>: each present pair fills the next free position pair. */
static eg_err
fill_pairs(rstate *s, const eg_xml_node *x, const eg_rnode *ctx, segbuf *sb)
{
	const char *slots = attr(x, "positions");
	const eg_xml_node *p;
	char v[EG_OUT_MAX_VALUE];
	eg_err rc;

	for (p = eg_xml_first(x); p && slots && *slots; p = eg_xml_next(p)) {
		unsigned long at;
		char *end;

		if ((rc = elem_value(s, p, ctx, v, sizeof(v))))
			return rc;
		if (!v[0])
			continue;
		at = strtoul(slots, &end, 10);
		slots = end;
		while (*slots == ' ')
			slots++;
		if (at < 1 || at + 1 > EG_OUT_MAX_ELEMS)
			continue;
		snprintf(sb->el[at - 1], EG_OUT_MAX_VALUE, "%s",
			 attr(p, "qualifier"));
		snprintf(sb->el[at], EG_OUT_MAX_VALUE, "%s", v);
		if (at + 1 > sb->n)
			sb->n = at + 1;
	}
	return EG_OK;
}

static eg_err
emit(rstate *s, const char *tag, segbuf *sb)
{
	return s->r->seg(s->r->ud, tag, sb->el, sb->n, s->e);
}

static eg_err
one_segment(rstate *s, const eg_xml_node *x, const eg_rnode *ctx)
{
	segbuf sb;
	const eg_xml_node *c;
	size_t k;
	eg_err rc = EG_OK;

	memset(&sb, 0, sizeof(sb));
	for (c = eg_xml_first(x); !rc && c; c = eg_xml_next(c)) {
		if (is(c, "pairs")) {
			rc = fill_pairs(s, c, ctx, &sb);
			continue;
		}
		if (!(k = pos_of(c)))
			continue;
		rc = elem_value(s, c, ctx, sb.el[k - 1], EG_OUT_MAX_VALUE);
		if (sb.el[k - 1][0] && k > sb.n)
			sb.n = k;
	}
	if (!rc && sb.n)
		rc = emit(s, attr(x, "tag"), &sb);
	return rc;
}

static void
set(segbuf *sb, size_t pos, const char *v)
{
	if (!v || !*v)
		return;
	snprintf(sb->el[pos - 1], EG_OUT_MAX_VALUE, "%s", v);
	if (pos > sb->n)
		sb->n = pos;
}

/* Two repeated values of a party (N2 names, N3 lines) in one segment. */
static eg_err
pairs_of(rstate *s, const eg_rnode *party, const char *name, const char *tag,
	 int max_segs)
{
	const eg_rnode *n = eg_rnode_child(party, name);
	int i;
	eg_err rc = EG_OK;

	for (i = 0; !rc && n && i < max_segs; i++) {
		segbuf sb;

		memset(&sb, 0, sizeof(sb));
		set(&sb, 1, n->value);
		n = eg_rnode_next_same(n);
		if (n) {
			set(&sb, 2, n->value);
			n = eg_rnode_next_same(n);
		}
		rc = emit(s, tag, &sb);
	}
	return rc;
}

/* A party as its N1 loop: N1, N2, N3, N4, PER. */
static eg_err
party(rstate *s, const eg_xml_node *x, const eg_rnode *ctx)
{
	const eg_rnode *p = node_at(ctx, attr(x, "path"));
	const eg_rnode *ct;
	segbuf sb;
	eg_err rc;

	if (!p)
		return EG_OK;
	memset(&sb, 0, sizeof(sb));
	set(&sb, 1, attr(x, "code"));
	set(&sb, 2, eg_rnode_text(p, "name"));
	set(&sb, 3, eg_rnode_text(p, "idQualifier"));
	set(&sb, 4, eg_rnode_text(p, "id"));
	if ((rc = emit(s, "N1", &sb)) ||
	    (rc = pairs_of(s, p, "additionalName", "N2", 1)) ||
	    (rc = pairs_of(s, p, "addressLine", "N3", 2)))
		return rc;
	memset(&sb, 0, sizeof(sb));
	set(&sb, 1, eg_rnode_text(p, "city"));
	set(&sb, 2, eg_rnode_text(p, "state"));
	set(&sb, 3, eg_rnode_text(p, "postalCode"));
	set(&sb, 4, eg_rnode_text(p, "country"));
	if (sb.n && (rc = emit(s, "N4", &sb)))
		return rc;
	if (!(ct = eg_rnode_child(p, "contact")))
		return EG_OK;
	memset(&sb, 0, sizeof(sb));
	set(&sb, 1, "RE");
	set(&sb, 2, eg_rnode_text(ct, "name"));
	if (eg_rnode_text(ct, "phone")) {
		set(&sb, 3, "TE");
		set(&sb, 4, eg_rnode_text(ct, "phone"));
	}
	if (eg_rnode_text(ct, "email")) {
		set(&sb, sb.n == 4 ? 5 : 3, "EM");
		set(&sb, sb.n == 5 ? 6 : 4, eg_rnode_text(ct, "email"));
	}
	return emit(s, "PER", &sb);
}

static eg_err walk(rstate *s, const eg_xml_node *parent, const eg_rnode *ctx);

static eg_err
segment_node(rstate *s, const eg_xml_node *x, const eg_rnode *ctx)
{
	const char *cond = attr(x, "if"), *each = attr(x, "each");
	const char *vers = attr(x, "versions");
	const eg_rnode *n;
	eg_err rc = EG_OK;

	if (vers && !in_list(vers, s->r->version))
		return EG_OK;
	if (cond && !node_at(ctx, cond))
		return EG_OK;
	if (!each)
		return one_segment(s, x, ctx);
	for (n = node_at(ctx, each); !rc && n; n = eg_rnode_next_same(n))
		rc = one_segment(s, x, n);
	return rc;
}

/* An HL segment of level code under the enclosing level: its number
 * becomes the parent of what follows. */
static eg_err
hl(rstate *s, const char *code)
{
	segbuf sb;
	char v[24];
	eg_err rc;

	memset(&sb, 0, sizeof(sb));
	snprintf(v, sizeof(v), "%lu", ++s->hl_n);
	set(&sb, 1, v);
	if (s->hl_parent) {
		snprintf(v, sizeof(v), "%lu", s->hl_parent);
		set(&sb, 2, v);
	}
	set(&sb, 3, code);
	rc = emit(s, "HL", &sb);
	s->hl_parent = s->hl_n;
	return rc;
}

/* A <loop>: its children once per unit; with hl=, each unit opens an HL
 * level under the enclosing one. */
static eg_err
loop(rstate *s, const eg_xml_node *x, const eg_rnode *ctx)
{
	const char *code = attr(x, "hl");
	const eg_rnode *n;
	eg_err rc = EG_OK;

	for (n = eg_rnode_child(ctx, attr(x, "each")); !rc && n;
	     n = eg_rnode_next_same(n)) {
		unsigned long up = s->hl_parent;

		if (code)
			rc = hl(s, code);
		if (!rc)
			rc = walk(s, x, n);
		s->hl_parent = up;
	}
	return rc;
}

static eg_err
walk(rstate *s, const eg_xml_node *parent, const eg_rnode *ctx)
{
	const eg_xml_node *x;
	eg_err rc = EG_OK;

	for (x = eg_xml_first(parent); !rc && x; x = eg_xml_next(x)) {
		if (is(x, "segment"))
			rc = segment_node(s, x, ctx);
		else if (is(x, "party"))
			rc = party(s, x, ctx);
		else if (is(x, "loop"))
			rc = loop(s, x, ctx);
		else if (is(x, "hl"))
			rc = hl(s, attr(x, "code"));
	}
	return rc;
}

eg_err
eg_outmap_render(const eg_outmap *m, const eg_rnode *rec, eg_outmap_run *r,
		 eg_error *e)
{
	rstate s = {m, rec, r, e, 0, 0};

	if (strcmp(rec->name, m->record) != 0)
		return problem(&s, "recordType",
			       "a %s cannot be written by this map", rec->name);
	if (!eg_outmap_serves(m, r->version))
		return problem(&s, "version",
			       "the map does not write release %s", r->version);
	if (attr(m->root, "one")) {
		/* a 945 answers one order: a shipment of two cannot be one */
		const eg_rnode *n;
		unsigned k = 0;
		char why[96];

		for (n = eg_rnode_child(rec, attr(m->root, "one")); n;
		     n = eg_rnode_next_same(n))
			k++;
		if (k != 1) {
			snprintf(why, sizeof(why), "a %s holds exactly one %s; "
				 "this record has %u", m->set,
				 attr(m->root, "one"), k);
			return problem(&s, attr(m->root, "one"), "%s", why);
		}
	}
	return walk(&s, m->root, rec);
}
