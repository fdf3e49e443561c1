/*
 * rules.c - per-partner business rules on canonical records, and the
 * in-memory reference store.
 *
 * A profile's <rules> (docs/profiles.md) become eg_rule values; the mapper
 * calls eg_rules_check on each record it made.  Four kinds:
 *
 *   requires-reference  every correlation/key of the record named rule.key
 *                       must be a key of a document of rule.seen_in from
 *                       the same partner that the store has seen;
 *   quantity-tolerance  for each Shipment order, the quantities shipped
 *                       per ordered line of the `against` document, within
 *                       max(percent of ordered, units);
 *   date-window         every date at rule.field within [now - past,
 *                       now + future], at day granularity, UTC;
 *   range               every number at rule.field within [min, max].
 *
 * Invariants: the check fails closed.  Whatever cannot be checked (no
 * store, a missing key, a value that is not a number or a date, units that
 * differ) is reported as broken, never passed.  Each report is one call of
 * the caller's function with a complete sentence, bounded to REPORT_MAX
 * bytes, and one count in *broken.  Values from the record are quoted
 * with a length cap, so a hostile value cannot push the rest of the
 * sentence out.  Errors (eg_err) only for the store and for memory.
 *
 * The memory store keeps every (partner, set, key name, key value) of the
 * records added, first seen wins, with the document it came from; lookups
 * never cross partners (tenant isolation).
 */
#include "edigate/rules.h"

#include "linematch.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX 512
#define SECS_PER_DAY 86400LL

/* What one eg_rules_check call shares with its helpers. */
typedef struct check {
	const eg_rule *r; /* the rule being checked */
	const char *partner;
	const char *set;
	const eg_rnode *rec;
	const eg_refstore *store;
	time_t now;
	eg_rule_fn fn;
	void *ud;
	unsigned *broken;
	eg_error *e;
	eg_err rc; /* set by match callbacks that fail */
} check;

static void report(check *c, const eg_rnode *at, const char *fmt, ...)
    EG_PRINTF(3, 4);

static void
report(check *c, const eg_rnode *at, const char *fmt, ...)
{
	char msg[REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(*c->broken)++;
	if (c->fn)
		c->fn(c->ud, c->r, at ? at : c->rec, msg);
}

/*
 * A decimal as the canonical form and the profiles write it: an optional
 * '-', digits, optionally '.' and digits.  strtod alone would also take
 * "inf", "nan", hex and leading blanks.  Returns 0 and *out, or -1.
 */
static int
parse_decimal(const char *s, double *out)
{
	const char *p = s;
	char *end;
	size_t nd = 0;

	if (!s)
		return -1;
	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		nd++;
	if (*p == '.') {
		size_t nf = 0;

		for (p++; *p >= '0' && *p <= '9'; p++)
			nf++;
		if (nf == 0)
			return -1;
	}
	if (nd == 0 || *p != '\0')
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* A number for a message: "10", "10.5", without binary noise. */
static const char *
fmt_num(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, "%.15g", v);
	return buf;
}

/* a == b, or close enough that the difference is floating-point noise */
static int
approx_le(double a, double b)
{
	return a <= b + 1e-9 * (1.0 + fabs(b));
}

/* ---- requires-reference -------------------------------------------------- */

static eg_err
check_reference(check *c)
{
	const eg_rule *r = c->r;
	const eg_rnode *corr = eg_rnode_child(c->rec, "correlation");
	const eg_rnode *k;
	int seen = 0;

	for (k = eg_rnode_child(corr, "key"); k; k = eg_rnode_next_same(k)) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");
		eg_ref_doc doc = {0};
		int found = 0;
		eg_err rc;

		if (!name || strcmp(name, r->key) != 0)
			continue;
		seen = 1;
		if (!value || !*value) {
			report(c, k,
			       "The %s key has no value, so it cannot "
			       "refer to a %s.",
			       r->key, r->seen_in);
			continue;
		}
		if (!c->store) {
			report(c, k,
			       "%s '%.128s' cannot be checked against "
			       "the %s documents the gateway has seen: no "
			       "reference store.",
			       r->key, value, r->seen_in);
			continue;
		}
		rc = c->store->find(c->store->ud, c->partner, r->seen_in,
				    r->key, value, &doc, &found, c->e);
		if (rc != EG_OK)
			return rc;
		if (found)
			eg_ref_doc_clear(&doc);
		else
			report(c, k,
			       "%s '%.128s' does not match any %s the "
			       "gateway has seen from partner %.64s. If we "
			       "sent it, record it with `edigate sent "
			       "--partner %.64s FILE` (in `partner test` and "
			       "`map`, give it with --seen FILE).",
			       r->key, value, r->seen_in, c->partner,
			       c->partner ? c->partner : "ID");
	}
	if (!seen)
		report(c, corr,
		       "The record has no %s key, so it cannot refer "
		       "to a %s the gateway has seen.",
		       r->key, r->seen_in);
	return EG_OK;
}

/* ---- quantity-tolerance -------------------------------------------------- */

/* Per ordered line of the reference document, while one order is checked. */
typedef struct line_state {
	double shipped;
	const eg_rnode *first; /* first item counted for it, or NULL */
	int skip;	       /* already reported: not compared */
} line_state;

/* The shipped items below one order, in document order. */
typedef struct item_list {
	const eg_rnode **v;
	size_t n, cap;
	int nomem;
} item_list;

static int
collect_item(void *ud, const eg_rnode *n)
{
	item_list *l = ud;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const eg_rnode **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->nomem = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
	return 0;
}

/* "sku ABC-1" for messages: the identifier a person would look for. */
static void
item_label(char *dst, size_t cap, const char *sku, const char *gtin,
	   const char *bp)
{
	if (sku && *sku)
		snprintf(dst, cap, "sku %.48s", sku);
	else if (gtin && *gtin)
		snprintf(dst, cap, "GTIN %.14s", gtin);
	else if (bp && *bp)
		snprintf(dst, cap, "buyer part %.48s", bp);
	else
		snprintf(dst, cap, "without an identifier");
}

static void
allowance_text(char *dst, size_t cap, const eg_rule *r)
{
	char p[32], u[32];

	if (r->has_percent && r->has_units)
		snprintf(dst, cap, "%s%% or %s units, whichever is more",
			 fmt_num(p, sizeof(p), r->percent),
			 fmt_num(u, sizeof(u), r->units));
	else if (r->has_percent)
		snprintf(dst, cap, "%s%%", fmt_num(p, sizeof(p), r->percent));
	else if (r->has_units)
		snprintf(dst, cap, "%s units", fmt_num(u, sizeof(u), r->units));
	else
		snprintf(dst, cap, "no deviation set");
}

/* Add each item's quantity to its line; report what cannot be counted. */
static void
count_items(check *c, const item_list *items, const eg_ref_doc *doc,
	    const eg_lineindex *ix, const char *ref, line_state *ls)
{
	size_t i;

	for (i = 0; i < items->n; i++) {
		const eg_rnode *it = items->v[i];
		const eg_rnode *q = eg_rnode_child(it, "quantityShipped");
		const char *iu = q && q->uom ? q->uom : "";
		char label[80];
		size_t li = eg_linematch(ix, eg_rnode_text(it, "sku"),
					 eg_rnode_text(it, "gtin"),
					 eg_rnode_text(it, "buyerPartNumber"),
					 eg_rnode_text(it, "lineNumber"));
		double v;

		item_label(label, sizeof(label), eg_rnode_text(it, "sku"),
			   eg_rnode_text(it, "gtin"),
			   eg_rnode_text(it, "buyerPartNumber"));
		if (li == doc->nlines) {
			report(c, it,
			       "The shipped item %s was not ordered: "
			       "%s '%.128s' has no line for it.",
			       label, doc->set, ref);
			continue;
		}
		if (ls[li].skip)
			continue;
		if (!ls[li].first)
			ls[li].first = it;
		if (strcmp(iu, doc->lines[li].uom) != 0) {
			report(c, it,
			       "Line %.48s (%s): shipped in '%.8s' but "
			       "ordered in '%s' in %s '%.128s'; the quantities "
			       "cannot be compared.",
			       doc->lines[li].line_number, label, iu,
			       doc->lines[li].uom, doc->set, ref);
			ls[li].skip = 1;
		} else if (!q || parse_decimal(q->value, &v) != 0) {
			report(c, it,
			       "The shipped item %s has no numeric "
			       "quantityShipped ('%.32s').",
			       label, q && q->value ? q->value : "");
			ls[li].skip = 1;
		} else {
			ls[li].shipped += v;
		}
	}
}

/* Compare each ordered line with what was counted for it. */
static void
compare_lines(check *c, const eg_rnode *order, const eg_ref_doc *doc,
	      const char *ref, const line_state *ls)
{
	const eg_rule *r = c->r;
	char allow[96], label[80], a[32], d[32], s[32];
	size_t i;

	allowance_text(allow, sizeof(allow), r);
	for (i = 0; i < doc->nlines; i++) {
		const eg_ref_line *l = &doc->lines[i];
		double ordered, allowed = 0;

		if (ls[i].skip)
			continue;
		item_label(label, sizeof(label), l->sku, l->gtin,
			   l->buyer_part);
		if (parse_decimal(l->quantity, &ordered) != 0) {
			report(c, order,
			       "Line %s (%s) of %s '%.128s' has no "
			       "numeric quantity ordered ('%s').",
			       l->line_number, label, doc->set, ref,
			       l->quantity);
			continue;
		}
		if (r->has_percent)
			allowed = fabs(ordered) * r->percent / 100.0;
		if (r->has_units && r->units > allowed)
			allowed = r->units;
		if (approx_le(fabs(ls[i].shipped - ordered), allowed))
			continue;
		report(c, ls[i].first ? ls[i].first : order,
		       "Line %s (%s) of %s '%.128s': ordered %s %s, shipped "
		       "%s %s, off by %s %s: more than the %s %s allowed "
		       "(%s).",
		       l->line_number, label, doc->set, ref, l->quantity,
		       l->uom, fmt_num(s, sizeof(s), ls[i].shipped), l->uom,
		       fmt_num(d, sizeof(d), fabs(ls[i].shipped - ordered)),
		       l->uom, fmt_num(a, sizeof(a), allowed), l->uom, allow);
	}
}

/*
 * Find the ordering document of one order: by its depositor order number
 * (key order-number), else by its PO number (key po-number, then
 * order-number: an 850's order number is its PO number).
 */
static eg_err
find_order_doc(check *c, const char *dep, const char *po, eg_ref_doc *doc,
	       int *found)
{
	const eg_refstore *st = c->store;
	const char *against = c->r->against;
	eg_err rc;

	*found = 0;
	if (dep)
		return st->find(st->ud, c->partner, against, "order-number",
				dep, doc, found, c->e);
	rc = st->find(st->ud, c->partner, against, "po-number", po, doc, found,
		      c->e);
	if (rc == EG_OK && !*found)
		rc = st->find(st->ud, c->partner, against, "order-number", po,
			      doc, found, c->e);
	return rc;
}

static eg_err
check_order(check *c, const eg_rnode *order)
{
	const char *dep = eg_rnode_text(order, "depositorOrderNumber");
	const char *po = eg_rnode_text(order, "purchaseOrderNumber");
	const char *ref;
	const char *against = c->r->against;
	eg_ref_doc doc = {0};
	item_list items = {0};
	line_state *ls = NULL;
	eg_lineindex *ix = NULL;
	int found = 0;
	eg_err rc = EG_OK;

	if (dep && !*dep)
		dep = NULL; /* an empty element names nothing */
	if (po && !*po)
		po = NULL;
	ref = dep ? dep : po;
	if (!ref) {
		report(c, order,
		       "An order has no depositor or purchase order number, "
		       "so its quantities cannot be checked against a %s.",
		       against);
		return EG_OK;
	}
	if (!c->store) {
		report(c, order,
		       "The quantities of order '%.128s' cannot be "
		       "checked against its %s: no reference store.",
		       ref, against);
		return EG_OK;
	}
	if ((rc = find_order_doc(c, dep, po, &doc, &found)) != EG_OK)
		goto out;
	if (!found) {
		report(c, order,
		       "Order '%.128s' does not match any %s the gateway "
		       "has seen, so its quantities cannot be checked. If "
		       "we sent it, record it with `edigate sent --partner "
		       "%.64s FILE` (in `partner test` and `map`, give it "
		       "with --seen FILE).",
		       ref, against, c->partner ? c->partner : "ID");
		goto out;
	}
	if (doc.nlines && !(ls = calloc(doc.nlines, sizeof(*ls)))) {
		rc = eg_fail(c->e, EG_ENOMEM,
			     "out of memory checking order '%.128s'", ref);
		goto out;
	}
	(void)eg_rnode_match(order, "item", collect_item, &items);
	if (items.nomem) {
		rc = eg_fail(c->e, EG_ENOMEM,
			     "out of memory checking order '%.128s'", ref);
		goto out;
	}
	if ((rc = eg_lineindex_new(&ix, doc.lines, doc.nlines))) {
		rc = eg_fail(c->e, rc, "out of memory checking order '%.128s'",
			     ref);
		goto out;
	}
	count_items(c, &items, &doc, ix, ref, ls);
	compare_lines(c, order, &doc, ref, ls);
out:
	eg_lineindex_free(ix);
	free(items.v);
	free(ls);
	eg_ref_doc_clear(&doc);
	return rc;
}

static int
tolerance_order(void *ud, const eg_rnode *order)
{
	check *c = ud;

	c->rc = check_order(c, order);
	return c->rc != EG_OK;
}

static eg_err
check_tolerance(check *c)
{
	c->rc = EG_OK;
	(void)eg_rnode_match(c->rec, "order", tolerance_order, c);
	return c->rc;
}

/* ---- date-window --------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

static long long
floor_div(long long a, long long b)
{
	long long q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * CCYY-MM-DD, or the date part of a timestamp (CCYY-MM-DDThh:mm:ssZ), as
 * days since the epoch.  Returns 0, or -1 when it is not a real date.
 */
static int
parse_date(const char *s, long long *days)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31};
	unsigned y = 0, m, d, max;
	int i;

	if (!s)
		return -1;
	for (i = 0; i < 10; i++) {
		int dash = i == 4 || i == 7;

		if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	if (s[10] != '\0' && s[10] != 'T')
		return -1;
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (m < 1 || m > 12 || d < 1)
		return -1;
	max = mdays[m - 1];
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		max = 29;
	if (d > max)
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

static void
fmt_day(char *dst, size_t cap, long long day)
{
	long long y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(dst, cap, "%04lld-%02u-%02u", y, m, d);
}

/* The window in days, from the rule and now; *has_lo / *has_hi are 0 for
 * an unbounded end.  Written so that no sum can overflow. */
typedef struct window {
	long long today, lo, hi;
	int has_lo, has_hi;
} window;

static window
make_window(const eg_rule *r, time_t now)
{
	long long t = (long long)now;
	long long today = floor_div(t, SECS_PER_DAY);
	long long sec = t - today * SECS_PER_DAY; /* 0 .. 86399 */
	window w = {today, 0, 0, r->past >= 0, r->future >= 0};

	if (w.has_lo)
		w.lo = today + floor_div(sec - r->past, SECS_PER_DAY);
	if (w.has_hi && r->future > LLONG_MAX - SECS_PER_DAY)
		w.has_hi = 0; /* later than any date */
	else if (w.has_hi)
		w.hi = today + floor_div(sec + r->future, SECS_PER_DAY);
	return w;
}

static int
date_node(void *ud, const eg_rnode *n)
{
	check *c = ud;
	window w = make_window(c->r, c->now);
	char lo[32], hi[32], today[32];
	long long day;

	if (parse_date(n->value, &day) != 0) {
		report(c, n,
		       "%s '%.32s' is not a CCYY-MM-DD date, so it "
		       "cannot be checked against its date window.",
		       n->name, n->value ? n->value : "");
		return 0;
	}
	if ((!w.has_lo || day >= w.lo) && (!w.has_hi || day <= w.hi))
		return 0;
	fmt_day(lo, sizeof(lo), w.lo);
	fmt_day(hi, sizeof(hi), w.hi);
	fmt_day(today, sizeof(today), w.today);
	if (w.has_lo && w.has_hi)
		report(c, n,
		       "%s %.10s is outside the window from %s to %s "
		       "(today is %s).",
		       n->name, n->value, lo, hi, today);
	else if (w.has_lo)
		report(c, n,
		       "%s %.10s is before %s, the earliest date "
		       "allowed (today is %s).",
		       n->name, n->value, lo, today);
	else
		report(c, n,
		       "%s %.10s is after %s, the latest date allowed "
		       "(today is %s).",
		       n->name, n->value, hi, today);
	return 0;
}

/* ---- range --------------------------------------------------------------- */

static int
range_node(void *ud, const eg_rnode *n)
{
	check *c = ud;
	const eg_rule *r = c->r;
	const char *u = n->kind == EG_RK_MEASURE && n->uom ? n->uom : "";
	char lim[32];
	double v;

	if (parse_decimal(n->value, &v) != 0) {
		report(c, n,
		       "%s '%.32s' is not a number, so it cannot be "
		       "checked against its range.",
		       n->name, n->value ? n->value : "");
		return 0;
	}
	if (r->has_min && v < r->min)
		report(c, n, "%s %.32s%s%s is below the minimum %s.", n->name,
		       n->value, *u ? " " : "", u,
		       fmt_num(lim, sizeof(lim), r->min));
	else if (r->has_max && v > r->max)
		report(c, n, "%s %.32s%s%s is above the maximum %s.", n->name,
		       n->value, *u ? " " : "", u,
		       fmt_num(lim, sizeof(lim), r->max));
	return 0;
}

/* ---- the check ----------------------------------------------------------- */

/*
 * *broken is set to the number of reports of this call (it is not added
 * to).  A rule whose set is "" applies to every set.
 */
eg_err
eg_rules_check(const eg_rule *rules, size_t nrules, const char *partner,
	       const char *set, const eg_rnode *rec, const eg_refstore *store,
	       time_t now, eg_rule_fn fn, void *ud, unsigned *broken,
	       eg_error *e)
{
	check c = {.partner = partner ? partner : "",
		   .set = set ? set : "",
		   .rec = rec,
		   .store = store,
		   .now = now,
		   .fn = fn,
		   .ud = ud,
		   .broken = broken,
		   .e = e};
	size_t i;
	eg_err rc = EG_OK;

	if (!broken || !rec || (nrules && !rules))
		return eg_fail(e, EG_EINVAL,
			       "eg_rules_check: no record, rules or count");
	*broken = 0;
	for (i = 0; rc == EG_OK && i < nrules; i++) {
		c.r = &rules[i];
		if (c.r->set[0] && strcmp(c.r->set, c.set) != 0)
			continue;
		switch (c.r->kind) {
		case EG_RULE_REQUIRES_REFERENCE:
			rc = check_reference(&c);
			break;
		case EG_RULE_QUANTITY_TOLERANCE:
			rc = check_tolerance(&c);
			break;
		case EG_RULE_DATE_WINDOW:
			(void)eg_rnode_match(rec, c.r->field, date_node, &c);
			break;
		case EG_RULE_RANGE:
			(void)eg_rnode_match(rec, c.r->field, range_node, &c);
			break;
		default:
			rc = eg_fail(e, EG_EINTERNAL,
				     "rule on line %u: unknown kind %d",
				     c.r->line, (int)c.r->kind);
		}
	}
	return rc;
}

void
eg_ref_doc_clear(eg_ref_doc *d)
{
	if (!d)
		return;
	free(d->lines);
	d->lines = NULL;
	d->nlines = 0;
}

/* ---- the memory store ---------------------------------------------------- */

/* One business key of one document; the document is docs[doc]. */
typedef struct mem_key {
	char *partner, *set, *name, *value;
	size_t doc;
} mem_key;

struct eg_memstore {
	mem_key *keys;
	size_t nkeys, capkeys;
	/* open-addressing index over keys: slot = key index + 1, 0 empty;
	 * at most half full, so a lookup is a probe or two however many
	 * documents a long run remembers */
	size_t *slots;
	size_t nslots;
	eg_ref_doc *docs;
	size_t ndocs, capdocs;
};

eg_err
eg_memstore_new(eg_memstore **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? EG_OK : EG_ENOMEM;
}

void
eg_memstore_free(eg_memstore *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nkeys; i++) {
		free(m->keys[i].partner);
		free(m->keys[i].set);
		free(m->keys[i].name);
		free(m->keys[i].value);
	}
	for (i = 0; i < m->ndocs; i++)
		eg_ref_doc_clear(&m->docs[i]);
	free(m->keys);
	free(m->docs);
	free(m->slots);
	free(m);
}

static size_t
key_hash(const char *partner, const char *set, const char *name,
	 const char *value)
{
	const char *parts[4] = {partner, set, name, value};
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	int i;

	for (i = 0; i < 4; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0x1f) * 1099511628211ULL; /* a separator */
	}
	return (size_t)h;
}

static void
index_put(eg_memstore *m, size_t ki)
{
	const mem_key *k = &m->keys[ki];
	size_t i = key_hash(k->partner, k->set, k->name, k->value) &
		   (m->nslots - 1);

	while (m->slots[i])
		i = (i + 1) & (m->nslots - 1);
	m->slots[i] = ki + 1;
}

/* (Re)build the index with at least cap slots (a power of two). */
static eg_err
index_rebuild(eg_memstore *m, size_t cap)
{
	size_t *ns = calloc(cap, sizeof(*ns)), i;

	if (!ns)
		return EG_ENOMEM;
	free(m->slots);
	m->slots = ns;
	m->nslots = cap;
	for (i = 0; i < m->nkeys; i++)
		index_put(m, i);
	return EG_OK;
}

static const mem_key *
mem_lookup(const eg_memstore *m, const char *partner, const char *set,
	   const char *name, const char *value)
{
	size_t i;

	if (!m->nslots)
		return NULL;
	for (i = key_hash(partner, set, name, value) & (m->nslots - 1);
	     m->slots[i]; i = (i + 1) & (m->nslots - 1)) {
		const mem_key *k = &m->keys[m->slots[i] - 1];

		if (!strcmp(k->partner, partner) && !strcmp(k->set, set) &&
		    !strcmp(k->name, name) && !strcmp(k->value, value))
			return k;
	}
	return NULL;
}

/* Copy src into a fixed field; EG_ELIMIT rather than truncate it, since a
 * cut identifier could match another article. */
static eg_err
put(char *dst, size_t cap, const char *src)
{
	int n = snprintf(dst, cap, "%s", src ? src : "");

	return n >= 0 && (size_t)n < cap ? EG_OK : EG_ELIMIT;
}

eg_err
eg_ref_line_read(eg_ref_line *l, const eg_rnode *n)
{
	const eg_rnode *q = eg_rnode_child(n, "quantityOrdered");
	eg_err rc;

	memset(l, 0, sizeof(*l));
	rc = put(l->line_number, sizeof(l->line_number),
		 eg_rnode_text(n, "lineNumber"));
	if (!rc)
		rc = put(l->gtin, sizeof(l->gtin), eg_rnode_text(n, "gtin"));
	if (!rc)
		rc = put(l->sku, sizeof(l->sku), eg_rnode_text(n, "sku"));
	if (!rc)
		rc = put(l->buyer_part, sizeof(l->buyer_part),
			 eg_rnode_text(n, "buyerPartNumber"));
	if (!rc)
		rc = put(l->quantity, sizeof(l->quantity), q ? q->value : NULL);
	if (!rc)
		rc = put(l->uom, sizeof(l->uom), q ? q->uom : NULL);
	return rc;
}

typedef struct linewalk {
	eg_err (*fn)(void *ud, const eg_ref_line *ln);
	void *ud;
} linewalk;

static eg_err
each_line(void *ud, const eg_rnode *n)
{
	linewalk *w = ud;
	eg_ref_line l;
	eg_err rc = eg_ref_line_read(&l, n);

	return rc ? rc : w->fn(w->ud, &l);
}

eg_err
eg_ref_lines_each(const eg_rnode *rec,
		  eg_err (*fn)(void *ud, const eg_ref_line *ln), void *ud)
{
	linewalk w = {fn, ud};

	if (strcmp(rec->name, "WarehouseOrder") != 0)
		return EG_OK;
	return eg_rnode_each_same(eg_rnode_child(rec, "line"), each_line, &w);
}

static eg_err
keep_line(void *ud, const eg_ref_line *ln)
{
	eg_ref_doc *d = ud;
	size_t cap = d->nlines;
	eg_ref_line *v;

	if (cap && (cap & (cap - 1)) == 0) { /* full at each power of two */
		if (cap > SIZE_MAX / 2 / sizeof(*v) ||
		    !(v = realloc(d->lines, 2 * cap * sizeof(*v))))
			return EG_ENOMEM;
		d->lines = v;
	} else if (!cap && !(d->lines = malloc(sizeof(*d->lines)))) {
		return EG_ENOMEM;
	}
	d->lines[d->nlines++] = *ln;
	return EG_OK;
}

/* The document of a record: its set, file id and (WarehouseOrder) lines. */
eg_err
eg_ref_doc_read(eg_ref_doc *d, const char *set, const eg_rnode *rec)
{
	eg_err rc;

	memset(d, 0, sizeof(*d));
	snprintf(d->set, sizeof(d->set), "%s", set);
	rc = put(d->file_id, sizeof(d->file_id),
		 eg_rnode_text(rec, "correlation/fileId"));
	if (!rc)
		rc = eg_ref_lines_each(rec, keep_line, d);
	if (rc)
		eg_ref_doc_clear(d);
	return rc;
}

/* v with room for one more of n elements of size (cap grows), or NULL
 * when memory is out (v is then unchanged). */
static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 8;

	if (n < *cap)
		return v;
	if (c > SIZE_MAX / size || !(v = realloc(v, c * size)))
		return NULL;
	*cap = c;
	return v;
}

static eg_err
add_key(eg_memstore *m, const char *partner, const char *set, const char *name,
	const char *value)
{
	mem_key k = {strdup(partner), strdup(set), strdup(name), strdup(value),
		     m->ndocs};
	mem_key *v = NULL;
	eg_err rc = EG_OK;

	if (k.partner && k.set && k.name && k.value)
		v = grow(m->keys, &m->capkeys, m->nkeys, sizeof(k));
	if (!v) {
		free(k.partner);
		free(k.set);
		free(k.name);
		free(k.value);
		rc = EG_ENOMEM;
	} else {
		m->keys = v;
		m->keys[m->nkeys++] = k;
		if (m->nkeys * 2 > m->nslots)
			rc = index_rebuild(m, m->nslots ? m->nslots * 2 : 64);
		else
			index_put(m, m->nkeys - 1);
	}
	return rc;
}

eg_err
eg_memstore_add(eg_memstore *m, const char *partner, const char *set,
		const eg_rnode *rec)
{
	const eg_rnode *corr, *k;
	eg_ref_doc doc, *docs;
	size_t before;
	eg_err rc;

	if (!m || !partner || !set || !rec)
		return EG_EINVAL;
	docs = grow(m->docs, &m->capdocs, m->ndocs, sizeof(*m->docs));
	if (!docs)
		return EG_ENOMEM;
	m->docs = docs;
	if ((rc = eg_ref_doc_read(&doc, set, rec)) != EG_OK)
		return rc;
	before = m->nkeys;
	corr = eg_rnode_child(rec, "correlation");
	for (k = eg_rnode_child(corr, "key"); !rc && k;
	     k = eg_rnode_next_same(k)) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");

		if (name && value && !mem_lookup(m, partner, set, name, value))
			rc = add_key(m, partner, set, name, value);
	}
	if (rc == EG_OK && m->nkeys > before) {
		m->docs[m->ndocs++] = doc;
		return EG_OK;
	}
	/* nothing new refers to it (or a key failed: take them back) */
	if (m->nkeys > before) {
		while (m->nkeys > before) {
			mem_key *x = &m->keys[--m->nkeys];

			free(x->partner);
			free(x->set);
			free(x->name);
			free(x->value);
		}
		if (index_rebuild(m, m->nslots) != EG_OK && !rc)
			rc = EG_ENOMEM;
	}
	eg_ref_doc_clear(&doc);
	return rc;
}

eg_err
eg_memstore_take(eg_memstore *dst, eg_memstore *src)
{
	size_t d, j = 0, i;
	eg_err rc = EG_OK;

	for (d = 0; d < src->ndocs; d++) {
		size_t before = dst->nkeys;
		eg_ref_doc *docs;

		for (; j < src->nkeys && src->keys[j].doc == d; j++) {
			const mem_key *k = &src->keys[j];

			if (!rc && !mem_lookup(dst, k->partner, k->set, k->name,
					       k->value))
				rc = add_key(dst, k->partner, k->set, k->name,
					     k->value);
		}
		docs = rc || dst->nkeys == before
			       ? NULL
			       : grow(dst->docs, &dst->capdocs, dst->ndocs,
				      sizeof(*dst->docs));
		if (docs) {
			dst->docs = docs;
			dst->docs[dst->ndocs++] = src->docs[d];
		} else {
			if (!rc && dst->nkeys > before)
				rc = EG_ENOMEM;
			eg_ref_doc_clear(&src->docs[d]);
		}
	}
	for (i = 0; i < src->nkeys; i++) {
		free(src->keys[i].partner);
		free(src->keys[i].set);
		free(src->keys[i].name);
		free(src->keys[i].value);
	}
	src->nkeys = src->ndocs = 0;
	if (src->nslots)
		memset(src->slots, 0, src->nslots * sizeof(*src->slots));
	return rc;
}

void
eg_memstore_clear(eg_memstore *m)
{
	size_t i;

	for (i = 0; i < m->nkeys; i++) {
		free(m->keys[i].partner);
		free(m->keys[i].set);
		free(m->keys[i].name);
		free(m->keys[i].value);
	}
	for (i = 0; i < m->ndocs; i++)
		eg_ref_doc_clear(&m->docs[i]);
	m->nkeys = m->ndocs = 0;
	if (m->nslots)
		memset(m->slots, 0, m->nslots * sizeof(*m->slots));
}

static eg_err
mem_find(void *ud, const char *partner, const char *set, const char *key,
	 const char *value, eg_ref_doc *out, int *found, eg_error *e)
{
	const eg_memstore *m = ud;
	const mem_key *k = mem_lookup(m, partner, set, key, value);
	const eg_ref_doc *d;

	*found = 0;
	if (!k)
		return EG_OK;
	d = &m->docs[k->doc];
	*out = *d;
	out->lines = NULL;
	if (d->nlines) {
		out->lines = malloc(d->nlines * sizeof(*out->lines));
		if (!out->lines) {
			out->nlines = 0;
			return eg_fail(e, EG_ENOMEM,
				       "out of memory copying "
				       "the %s with %s '%.128s'",
				       set, key, value);
		}
		memcpy(out->lines, d->lines, d->nlines * sizeof(*out->lines));
	}
	*found = 1;
	return EG_OK;
}

eg_refstore
eg_memstore_store(eg_memstore *m)
{
	eg_refstore s = {mem_find, m};

	return s;
}
