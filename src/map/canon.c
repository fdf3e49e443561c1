/*
 * canon.c - the canonical records' shapes and value types.
 *
 * The tables below mirror schemas/canonical.xsd: element names, order,
 * cardinality and types.  The mapper walks them to build records, so a
 * record is always in schema order; eg_canon_value checks and normalises
 * every value the way the schema's types demand, so a value that would
 * make the record invalid becomes a finding instead.  A test validates
 * mapped records against the XSD with xmllint, which keeps the two in
 * step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const cfield contact_f[] = {
	{"name", CT_NAME, 0, 1, NULL},
	{"phone", CT_PHONE, 0, 1, NULL},
	{"email", CT_EMAIL, 0, 1, NULL},
};
static const cshape contact_s = {"contact", contact_f, N(contact_f), {{""}}};

/* A party is built from its N1 loop by the mapper; the table gives the
 * order of its elements. */
static const cfield party_f[] = {
	{"id", CT_IDENT, 0, 1, NULL},
	{"idQualifier", CT_IDQUAL, 0, 1, NULL},
	{"name", CT_NAME, 0, 1, NULL},
	{"additionalName", CT_NAME, 0, 2, NULL},
	{"addressLine", CT_TEXT, 0, 4, NULL},
	{"city", CT_NAME, 0, 1, NULL},
	{"state", CT_SUBDIV, 0, 1, NULL},
	{"postalCode", CT_POSTAL, 0, 1, NULL},
	{"country", CT_COUNTRY, 0, 1, NULL},
	{"contact", CT_GROUP, 0, 1, &contact_s},
};
static const cshape party_s = {"party", party_f, N(party_f),
			       {{"id", "name", ""}}};

static const cfield carrier_f[] = {
	{"scac", CT_SCAC, 0, 1, NULL},
	{"name", CT_NAME, 0, 1, NULL},
	{"transportMode", CT_MODE, 0, 1, NULL},
	{"serviceLevel", CT_SERVICE, 0, 1, NULL},
	{"routing", CT_TEXT, 0, 1, NULL},
	{"paymentMethod", CT_PAYMENT, 0, 1, NULL},
};
static const cshape carrier_s = {"carrier", carrier_f, N(carrier_f), {{""}}};

static const cfield dims_f[] = {
	{"length", CT_DECIMAL, 1, 1, NULL},
	{"width", CT_DECIMAL, 1, 1, NULL},
	{"height", CT_DECIMAL, 1, 1, NULL},
	{"uom", CT_LENGTH_UNIT, 1, 1, NULL},
};
static const cshape dims_s = {"dimensions", dims_f, N(dims_f), {{""}}};

static const cfield sitem_f[] = {
	{"lineNumber", CT_IDENT, 0, 1, NULL},
	{"gtin", CT_GTIN, 0, 1, NULL},
	{"sku", CT_IDENT, 0, 1, NULL},
	{"buyerPartNumber", CT_IDENT, 0, 1, NULL},
	{"description", CT_TEXT, 0, 1, NULL},
	{"quantityShipped", CT_QUANTITY, 1, 1, NULL},
	{"quantityOrdered", CT_QUANTITY, 0, 1, NULL},
	{"unitsPerPack", CT_POSCOUNT, 0, 1, NULL},
	{"lotNumber", CT_IDENT, 0, 1, NULL},
	{"serialNumber", CT_IDENT, 0, 0, NULL},
	{"expiryDate", CT_DATE, 0, 1, NULL},
	{"grossWeight", CT_WEIGHT, 0, 1, NULL},
	{"netWeight", CT_WEIGHT, 0, 1, NULL},
};
static const cshape sitem_s = {"item", sitem_f, N(sitem_f),
			       {{"gtin", "sku", "buyerPartNumber", ""}}};

static const cshape pack_s;
static const cfield pack_f[] = {
	{"sscc", CT_SSCC, 0, 1, NULL},
	{"trackingNumber", CT_IDENT, 0, 1, NULL},
	{"packagingCode", CT_PACKAGING, 0, 1, NULL},
	{"grossWeight", CT_WEIGHT, 0, 1, NULL},
	{"dimensions", CT_GROUP, 0, 1, &dims_s},
	{"pack", CT_LEVEL, 0, 0, &pack_s},
	{"item", CT_LEVEL, 0, 0, &sitem_s},
};
static const cshape pack_s = {"pack", pack_f, N(pack_f),
			      {{"sscc", "trackingNumber", ""},
			       {"pack", "item", ""}}};

static const cfield sorder_f[] = {
	{"purchaseOrderNumber", CT_IDENT, 0, 1, NULL},
	{"depositorOrderNumber", CT_IDENT, 0, 1, NULL},
	{"orderDate", CT_DATE, 0, 1, NULL},
	{"buyer", CT_PARTY, 0, 1, &party_s},
	{"markFor", CT_PARTY, 0, 1, &party_s},
	{"pack", CT_LEVEL, 0, 0, &pack_s},
	{"item", CT_LEVEL, 0, 0, &sitem_s},
};
static const cshape sorder_s = {"order", sorder_f, N(sorder_f),
				{{"purchaseOrderNumber",
				  "depositorOrderNumber", ""},
				 {"pack", "item", ""}}};

static const cfield shipment_f[] = {
	{"purpose", CT_PURPOSE, 1, 1, NULL},
	{"shipmentId", CT_IDENT, 1, 1, NULL},
	{"billOfLading", CT_IDENT, 0, 1, NULL},
	{"proNumber", CT_IDENT, 0, 1, NULL},
	{"shipDate", CT_DATE, 1, 1, NULL},
	{"shipTime", CT_TIME, 0, 1, NULL},
	{"estimatedDeliveryDate", CT_DATE, 0, 1, NULL},
	{"carrier", CT_GROUP, 0, 1, &carrier_s},
	{"trailerNumber", CT_IDENT, 0, 1, NULL},
	{"sealNumber", CT_IDENT, 0, 0, NULL},
	{"grossWeight", CT_WEIGHT, 0, 1, NULL},
	{"netWeight", CT_WEIGHT, 0, 1, NULL},
	{"volume", CT_VOLUME, 0, 1, NULL},
	{"packageCount", CT_COUNT, 0, 1, NULL},
	{"packagingCode", CT_PACKAGING, 0, 1, NULL},
	{"shipFrom", CT_PARTY, 0, 1, &party_s},
	{"shipTo", CT_PARTY, 0, 1, &party_s},
	{"order", CT_LEVEL, 1, 0, &sorder_s},
};
static const cshape shipment_s = {"Shipment", shipment_f, N(shipment_f),
				  {{""}}};

static const cfield line_f[] = {
	{"lineNumber", CT_IDENT, 1, 1, NULL},
	{"gtin", CT_GTIN, 0, 1, NULL},
	{"sku", CT_IDENT, 0, 1, NULL},
	{"buyerPartNumber", CT_IDENT, 0, 1, NULL},
	{"description", CT_TEXT, 0, 1, NULL},
	{"quantityOrdered", CT_QUANTITY, 1, 1, NULL},
	{"unitPrice", CT_DECIMAL, 0, 1, NULL},
	{"lotNumber", CT_IDENT, 0, 1, NULL},
};
static const cshape line_s = {"line", line_f, N(line_f),
			      {{"gtin", "sku", "buyerPartNumber", ""}}};

static const cfield worder_f[] = {
	{"purpose", CT_PURPOSE, 1, 1, NULL},
	{"orderType", CT_WORD, 0, 1, NULL},
	{"orderNumber", CT_IDENT, 1, 1, NULL},
	{"purchaseOrderNumber", CT_IDENT, 0, 1, NULL},
	{"orderDate", CT_DATE, 0, 1, NULL},
	{"requestedShipDate", CT_DATE, 0, 1, NULL},
	{"requestedDeliveryDate", CT_DATE, 0, 1, NULL},
	{"cancelAfterDate", CT_DATE, 0, 1, NULL},
	{"customerId", CT_IDENT, 0, 1, NULL},
	{"currency", CT_CURRENCY, 0, 1, NULL},
	{"shipTo", CT_PARTY, 1, 1, &party_s},
	{"shipFrom", CT_PARTY, 0, 1, &party_s},
	{"billTo", CT_PARTY, 0, 1, &party_s},
	{"buyer", CT_PARTY, 0, 1, &party_s},
	{"carrier", CT_GROUP, 0, 1, &carrier_s},
	{"note", CT_TEXT, 0, 0, NULL},
	{"line", CT_LEVEL, 1, 0, &line_s},
};
static const cshape worder_s = {"WarehouseOrder", worder_f, N(worder_f),
				{{""}}};

/* ---- master data (Item, Location, Carrier): flat records, one per
 * row of a nightly file ---- */

static const cfield conv_f[] = {
	{"uom", CT_UOM, 1, 1, NULL},
	{"quantity", CT_POSCOUNT, 1, 1, NULL},
};
static const cshape conv_s = {"unitConversion", conv_f, N(conv_f), {{""}}};

static const cfield item_f[] = {
	{"sku", CT_IDENT, 1, 1, NULL},
	{"gtin", CT_GTIN, 0, 1, NULL},
	{"description", CT_TEXT, 1, 1, NULL},
	{"uom", CT_UOM, 1, 1, NULL},
	{"customerId", CT_IDENT, 0, 1, NULL},
	{"dimensions", CT_GROUP, 0, 1, &dims_s},
	{"grossWeight", CT_WEIGHT, 0, 1, NULL},
	{"netWeight", CT_WEIGHT, 0, 1, NULL},
	{"volume", CT_VOLUME, 0, 1, NULL},
	{"unitConversion", CT_GROUP, 0, 0, &conv_s},
	{"hazmat", CT_BOOL, 0, 1, NULL},
	{"lotControlled", CT_BOOL, 0, 1, NULL},
	{"serialControlled", CT_BOOL, 0, 1, NULL},
	{"status", CT_STATUS, 1, 1, NULL},
};
static const cshape item_s = {"Item", item_f, N(item_f), {{""}}};

static const cfield location_f[] = {
	{"locationId", CT_IDENT, 1, 1, NULL},
	{"locationType", CT_LOCTYPE, 1, 1, NULL},
	{"gln", CT_GLN, 0, 1, NULL},
	{"name", CT_NAME, 1, 1, NULL},
	{"addressLine", CT_TEXT, 0, 4, NULL},
	{"city", CT_NAME, 0, 1, NULL},
	{"state", CT_SUBDIV, 0, 1, NULL},
	{"postalCode", CT_POSTAL, 0, 1, NULL},
	{"country", CT_COUNTRY, 0, 1, NULL},
	{"timeZone", CT_TZ, 0, 1, NULL},
	{"contact", CT_GROUP, 0, 1, &contact_s},
	{"status", CT_STATUS, 1, 1, NULL},
};
static const cshape location_s = {"Location", location_f, N(location_f),
				  {{""}}};

static const cfield mcarrier_f[] = {
	{"scac", CT_SCAC, 1, 1, NULL},
	{"name", CT_NAME, 1, 1, NULL},
	{"mode", CT_MODE, 0, 0, NULL},
	{"status", CT_STATUS, 1, 1, NULL},
};
static const cshape mcarrier_s = {"Carrier", mcarrier_f, N(mcarrier_f),
				  {{""}}};

/* ---- inventory: one row of a stock report ---- */

static const cfield inv_f[] = {
	{"warehouseId", CT_IDENT, 1, 1, NULL},
	{"asOfDate", CT_DATE, 1, 1, NULL},
	{"asOfTime", CT_TIME, 0, 1, NULL},
	{"customerId", CT_IDENT, 0, 1, NULL},
	{"sku", CT_IDENT, 1, 1, NULL},
	{"gtin", CT_GTIN, 0, 1, NULL},
	{"description", CT_TEXT, 0, 1, NULL},
	{"lotNumber", CT_IDENT, 0, 1, NULL},
	{"expiryDate", CT_DATE, 0, 1, NULL},
	{"inventoryStatus", CT_WORD, 0, 1, NULL},
	{"quantityOnHand", CT_QUANTITY, 1, 1, NULL},
	{"quantityAvailable", CT_QUANTITY, 0, 1, NULL},
	{"quantityAllocated", CT_QUANTITY, 0, 1, NULL},
};
static const cshape inv_s = {"InventorySnapshot", inv_f, N(inv_f), {{""}}};

const cshape *
eg_canon_shape(const char *record)
{
	if (!strcmp(record, "Shipment"))
		return &shipment_s;
	if (!strcmp(record, "WarehouseOrder"))
		return &worder_s;
	if (!strcmp(record, "Item"))
		return &item_s;
	if (!strcmp(record, "Location"))
		return &location_s;
	if (!strcmp(record, "Carrier"))
		return &mcarrier_s;
	if (!strcmp(record, "InventorySnapshot"))
		return &inv_s;
	return NULL;
}

/* Depth-first search for a level called name. */
static int
has_level(const cshape *s, const char *name, int depth)
{
	size_t i;

	if (!s || depth > 4)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->f[i].type == CT_LEVEL &&
		    (!strcmp(s->f[i].name, name) ||
		     (s->f[i].sub != s && has_level(s->f[i].sub, name, depth + 1))))
			return 1;
	return 0;
}

int
eg_canon_is_level(const char *record, const char *name)
{
	return has_level(eg_canon_shape(record), name, 0);
}

static const cshape *
find_level(const cshape *s, const char *name, int depth)
{
	size_t i;
	const cshape *r;

	if (!s || depth > 4)
		return NULL;
	for (i = 0; i < s->n; i++) {
		if (s->f[i].type != CT_LEVEL)
			continue;
		if (!strcmp(s->f[i].name, name))
			return s->f[i].sub;
		if (s->f[i].sub != s &&
		    (r = find_level(s->f[i].sub, name, depth + 1)) != NULL)
			return r;
	}
	return NULL;
}

const cfield *
eg_canon_field(const char *record, const char *path)
{
	const cshape *s = eg_canon_shape(record), *lv;
	const cfield *f = NULL;
	char part[48];

	if (!s)
		return NULL;
	/* a leading level name switches to that level's shape */
	{
		size_t k = strcspn(path, "/");

		if (path[k] == '/' && k < sizeof(part)) {
			memcpy(part, path, k);
			part[k] = '\0';
			if ((lv = find_level(s, part, 0)) != NULL) {
				s = lv;
				path += k + 1;
			}
		}
	}
	while (s && *path) {
		size_t k = strcspn(path, "/"), i;

		if (k >= sizeof(part))
			return NULL;
		memcpy(part, path, k);
		part[k] = '\0';
		f = NULL;
		for (i = 0; i < s->n; i++)
			if (!strcmp(s->f[i].name, part))
				f = &s->f[i];
		if (!f)
			return NULL;
		path += k;
		if (*path == '/') {
			path++;
			if (f->type != CT_GROUP)
				return NULL; /* parties are built whole */
			s = f->sub;
		} else {
			s = NULL;
		}
	}
	return f && f->type != CT_LEVEL ? f : NULL;
}

const char *
eg_canon_unit_codes(ctype t)
{
	switch (t) {
	case CT_WEIGHT: return "weight-unit";
	case CT_VOLUME: return "volume-unit";
	case CT_LENGTH_UNIT: return "length-unit";
	default: return "uom";
	}
}

eg_rkind
eg_canon_kind(ctype t)
{
	switch (t) {
	case CT_DECIMAL:
	case CT_COUNT:
	case CT_POSCOUNT:
		return EG_RK_NUMBER;
	case CT_QUANTITY:
	case CT_WEIGHT:
	case CT_VOLUME:
		return EG_RK_MEASURE;
	case CT_GROUP:
	case CT_PARTY:
	case CT_LEVEL:
		return EG_RK_GROUP;
	case CT_BOOL:
		return EG_RK_BOOL;
	default:
		return EG_RK_TEXT;
	}
}

/* ---- values ---- */

static int
fail(char *err, size_t cap, const char *why)
{
	snprintf(err, cap, "%s", why);
	return -1;
}

/* xs:token: trim, collapse inner whitespace to one space. */
static size_t
collapse(const char *v, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < n && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < cap)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}

static int
all_in(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static int
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* GS1 mod-10 check digit over all digits but the last. */
static int
gs1_ok(const char *d, size_t n)
{
	unsigned sum = 0, w = 3;
	size_t i;

	for (i = n - 1; i-- > 0;) {
		sum += (unsigned)(d[i] - '0') * w;
		w = w == 3 ? 1 : 3;
	}
	return (10 - sum % 10) % 10 == (unsigned)(d[n - 1] - '0');
}

/* n decimal digits at s (already checked to be digits). */
static int
digits_at(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
date_value(const char *s, size_t n, char *out, size_t cap, char *err,
	   size_t ecap)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!all_in(s, DIGITS) || (n != 8 && n != 6))
		return fail(err, ecap, "is not a date (CCYYMMDD)");
	if (n == 8) {
		y = digits_at(s, 4);
		s += 4;
	} else {
		/* YYMMDD: 00-49 is 20xx, 50-99 is 19xx */
		y = digits_at(s, 2);
		y += y < 50 ? 2000 : 1900;
		s += 2;
	}
	m = digits_at(s, 2);
	d = digits_at(s + 2, 2);
	if (m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return fail(err, ecap, "is not a calendar date");
	if (cap < 11)
		return fail(err, ecap, "is too long");
	/* CCYY-MM-DD without printf (every date of every record) */
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return 0;
}

static int
time_value(const char *s, size_t n, char *out, size_t cap, char *err,
	   size_t ecap)
{
	int h, mi, sec = 0;

	if (!all_in(s, DIGITS) || n < 4 || n > 8 || n == 5)
		return fail(err, ecap, "is not a time (HHMM[SS[d..]])");
	h = digits_at(s, 2);
	mi = digits_at(s + 2, 2);
	if (n >= 6)
		sec = digits_at(s + 4, 2);
	if (h > 23 || mi > 59 || sec > 59)
		return fail(err, ecap, "is not a time of day");
	if (n > 6)
		snprintf(out, cap, "%02d:%02d:%02d.%.*s", h, mi, sec,
			 (int)(n - 6), s + 6);
	else
		snprintf(out, cap, "%02d:%02d:%02d", h, mi, sec);
	return 0;
}

/* X12 R/N values to the schema's decimal: no sign, no leading zeros. */
static int
decimal_value(const char *s, char *out, size_t cap, int integer, char *err,
	      size_t ecap)
{
	const char *dot, *p = s;
	size_t ni, nf, digits;

	if (*p == '+')
		p++;
	if (*p == '-')
		return fail(err, ecap, "is negative");
	dot = strchr(p, '.');
	ni = dot ? (size_t)(dot - p) : strlen(p);
	nf = dot ? strlen(dot + 1) : 0;
	if (ni + nf == 0 || strspn(p, DIGITS) != ni ||
	    (dot && strspn(dot + 1, DIGITS) != nf))
		return fail(err, ecap, "is not a number");
	while (ni > 1 && *p == '0') {
		p++;
		ni--;
	}
	if (integer) {
		size_t i;

		for (i = 0; i < nf; i++)
			if (dot[1 + i] != '0')
				return fail(err, ecap, "is not a whole number");
		nf = 0;
	}
	digits = ni + nf;
	if (digits > 18)
		return fail(err, ecap, "has more than 18 digits");
	/* assembled by hand: snprintf was hot in every mapped number */
	if (ni == 0) {
		p = "0";
		ni = 1;
	}
	if (ni + (nf ? nf + 1 : 0) >= cap)
		return fail(err, ecap, "is too long");
	memcpy(out, p, ni);
	if (nf) {
		out[ni] = '.';
		memcpy(out + ni + 1, dot + 1, nf);
	}
	out[ni + (nf ? nf + 1 : 0)] = '\0';
	return 0;
}

static int
pattern_word(const char *s)
{
	/* [a-z][a-z0-9]*(-[a-z0-9]+)* */
	const char *p = s;

	if (*p < 'a' || *p > 'z')
		return 0;
	for (p++; *p; p++) {
		if (*p == '-') {
			if (!((p[1] >= 'a' && p[1] <= 'z') ||
			      (p[1] >= '0' && p[1] <= '9')))
				return 0;
		} else if (!((*p >= 'a' && *p <= 'z') ||
			     (*p >= '0' && *p <= '9'))) {
			return 0;
		}
	}
	return strlen(s) <= 40;
}

static int
phone_ok(char *s)
{
	size_t n = strspn(s, "+0123456789 ()./-"), k;
	char *x;

	if (s[n] == '\0')
		return n >= 3 && n <= 30;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n < 3 || n > 30)
		return 0;
	x = s + n;
	if (*x == ' ')
		x++;
	/* X12 text is upper case; the schema spells "x" / "ext" */
	for (k = 0; x[k] >= 'A' && x[k] <= 'Z'; k++)
		x[k] = (char)(x[k] - 'A' + 'a');
	if (!strncmp(x, "ext.", 4))
		x += 4;
	else if (!strncmp(x, "ext", 3))
		x += 3;
	else if (*x == 'x')
		x++;
	else
		return 0;
	if (*x == ' ')
		x++;
	k = strspn(x, DIGITS);
	return k >= 1 && k <= 6 && x[k] == '\0';
}

static int
email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *dot;

	if (!at || at == s || strchr(at + 1, '@') || strchr(s, ' ') ||
	    strlen(s) > 254)
		return 0;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

/* IANA names: [A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}, as the schema says. */
static int
tz_ok(const char *s)
{
	size_t k = strspn(s, UPPER "abcdefghijklmnopqrstuvwxyz");
	int parts = 0;

	if (k == 0)
		return 0;
	for (s += k; *s; s += k) {
		if (*s != '/' || ++parts > 2)
			return 0;
		s++;
		k = strspn(s, UPPER DIGITS "abcdefghijklmnopqrstuvwxyz_+-");
		if (k == 0)
			return 0;
	}
	return 1;
}

int
eg_canon_unit(ctype t, const char *u, char *err, size_t ecap)
{
	static const char *const weight[] = {"KG", "LB", "GR", "OZ", NULL};
	static const char *const volume[] = {"CF", "CI", "CR", NULL};
	static const char *const length[] = {"IN", "FT", "CM", "MM", "MR", NULL};

	switch (t) {
	case CT_WEIGHT:
		return one_of(u, weight) ? 0
		       : fail(err, ecap, "is not a weight unit (KG LB GR OZ)");
	case CT_VOLUME:
		return one_of(u, volume) ? 0
		       : fail(err, ecap, "is not a volume unit (CF CI CR)");
	case CT_LENGTH_UNIT:
		return one_of(u, length) ? 0
		       : fail(err, ecap,
			      "is not a length unit (IN FT CM MM MR)");
	default:
		return strlen(u) == 2 && all_in(u, UPPER DIGITS)
			       ? 0
			       : fail(err, ecap,
				      "is not a unit of measure (X12 355)");
	}
}

int
eg_canon_value(ctype t, const char *v, size_t n, char *out, size_t cap,
	       char *err, size_t ecap)
{
	static const char *const purpose[] = {"original", "change", "replace",
					      "cancel", NULL};
	static const char *const mode[] = {"parcel", "motor", "ltl",
					   "truckload", "air", "ocean",
					   "rail", "intermodal", "pickup",
					   NULL};
	static const char *const payment[] = {"prepaid", "prepaid-add",
					      "collect", "third-party",
					      "mixed", NULL};
	static const char *const status[] = {"active", "inactive",
					     "discontinued", "deleted", NULL};
	static const char *const loctype[] = {
	    "warehouse", "distribution-center", "store", "plant", "supplier",
	    "customer", "cross-dock", "carrier-terminal", "port", NULL};
	char s[600];
	size_t len = collapse(v, n, s, sizeof(s));

	if (len == 0)
		return 1;
	if (len >= sizeof(s) - 1)
		return fail(err, ecap, "is too long");
	switch (t) {
	case CT_IDENT:
	case CT_NAME:
	case CT_TEXT:
	case CT_POSTAL: {
		size_t max = t == CT_IDENT ? 48 : t == CT_NAME ? 175
					  : t == CT_POSTAL ? 15 : 512;

		if (len > max) {
			snprintf(err, ecap, "is longer than %zu characters", max);
			return -1;
		}
		break;
	}
	case CT_WORD:
		if (!pattern_word(s))
			return fail(err, ecap,
				    "is not a lower-case word (the code list "
				    "must translate it)");
		break;
	case CT_DECIMAL:
	case CT_QUANTITY:
	case CT_WEIGHT:
	case CT_VOLUME:
		return decimal_value(s, out, cap, 0, err, ecap);
	case CT_COUNT:
	case CT_POSCOUNT:
		if (decimal_value(s, out, cap, 1, err, ecap))
			return -1;
		if (t == CT_POSCOUNT && !strcmp(out, "0"))
			return fail(err, ecap, "is zero");
		return 0;
	case CT_DATE:
		return date_value(s, len, out, cap, err, ecap);
	case CT_TIME:
		return time_value(s, len, out, cap, err, ecap);
	case CT_GTIN:
		if (!all_in(s, DIGITS) ||
		    (len != 8 && len != 12 && len != 13 && len != 14))
			return fail(err, ecap,
				    "is not a GTIN (8, 12, 13 or 14 digits)");
		if (!gs1_ok(s, len))
			return fail(err, ecap, "has a wrong GS1 check digit");
		break;
	case CT_SSCC:
		if (len == 20 && s[0] == '0' && s[1] == '0') {
			memmove(s, s + 2, 19); /* the "00" application id */
			len = 18;
		}
		if (len != 18 || !all_in(s, DIGITS))
			return fail(err, ecap,
				    "is not an SSCC (18 digits, or 20 "
				    "starting 00)");
		if (!gs1_ok(s, len))
			return fail(err, ecap, "has a wrong GS1 check digit");
		break;
	case CT_GLN:
		if (len != 13 || !all_in(s, DIGITS) || !gs1_ok(s, len))
			return fail(err, ecap, "is not a GLN (13 digits)");
		break;
	case CT_SCAC:
		if (len < 2 || len > 4 || !all_in(s, UPPER))
			return fail(err, ecap,
				    "is not a SCAC (2-4 capital letters)");
		break;
	case CT_COUNTRY:
		if (len != 2 || !all_in(s, UPPER))
			return fail(err, ecap,
				    "is not an ISO 3166 country code (2 "
				    "letters)");
		break;
	case CT_SUBDIV:
		if (len > 3 || !all_in(s, UPPER DIGITS))
			return fail(err, ecap,
				    "is not a state or province code");
		break;
	case CT_CURRENCY:
		if (len != 3 || !all_in(s, UPPER))
			return fail(err, ecap,
				    "is not an ISO 4217 currency code");
		break;
	case CT_UOM:
	case CT_LENGTH_UNIT:
		return eg_canon_unit(t, s, err, ecap) ? -1
		       : (snprintf(out, cap, "%s", s), 0);
	case CT_PACKAGING:
		if ((len != 3 && len != 5) || !all_in(s, UPPER DIGITS))
			return fail(err, ecap,
				    "is not a packaging code (form + "
				    "material: CTN25)");
		break;
	case CT_IDQUAL:
		if (len > 2 || !all_in(s, UPPER DIGITS))
			return fail(err, ecap, "is not an id qualifier");
		break;
	case CT_SERVICE:
		if (len > 10 || !all_in(s, UPPER DIGITS "_-") || s[0] == '_' ||
		    s[0] == '-')
			return fail(err, ecap, "is not a service level code");
		break;
	case CT_PURPOSE:
		if (!one_of(s, purpose))
			return fail(err, ecap,
				    "is not a purpose (original, change, "
				    "replace, cancel): the code list must "
				    "translate it");
		break;
	case CT_MODE:
		if (!one_of(s, mode))
			return fail(err, ecap,
				    "is not a transport mode: the code list "
				    "must translate it");
		break;
	case CT_PAYMENT:
		if (!one_of(s, payment))
			return fail(err, ecap,
				    "is not a payment method: the code list "
				    "must translate it");
		break;
	case CT_PHONE:
		if (!phone_ok(s))
			return fail(err, ecap, "is not a phone number");
		break;
	case CT_EMAIL:
		if (!email_ok(s))
			return fail(err, ecap, "is not an e-mail address");
		break;
	case CT_BOOL:
		if (strcmp(s, "true") && strcmp(s, "false"))
			return fail(err, ecap,
				    "is not true or false: the code list must "
				    "translate it");
		break;
	case CT_TZ:
		if (!tz_ok(s))
			return fail(err, ecap,
				    "is not a time zone name (Area/City, e.g. "
				    "Europe/Paris)");
		break;
	case CT_STATUS:
		if (!one_of(s, status))
			return fail(err, ecap,
				    "is not a status (active, inactive, "
				    "discontinued, deleted): the code list "
				    "must translate it");
		break;
	case CT_LOCTYPE:
		if (!one_of(s, loctype))
			return fail(err, ecap,
				    "is not a location type: the code list "
				    "must translate it");
		break;
	case CT_GROUP:
	case CT_PARTY:
	case CT_LEVEL:
		return fail(err, ecap, "is not a simple value");
	}
	if (len >= cap)
		return fail(err, ecap, "is too long");
	memcpy(out, s, len + 1);
	return 0;
}
