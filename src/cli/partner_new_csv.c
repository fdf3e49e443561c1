/*
 * partner_new_csv.c - `edigate partner new ID --from SAMPLE.csv`: draft a
 * master-data profile and its layout from a sample of the partner's
 * nightly file.
 *
 * The sample decides what it can: the encoding (UTF-8 when every byte is,
 * else Windows-1252, or ISO-8859-1 when a byte Windows-1252 lacks is
 * there), the delimiter and the header (the reader's detection), each
 * column's type from its first rows (integer, decimal with a dot or a
 * comma, yes/no flags), the record (Item; Carrier when a column is a
 * SCAC; Location when one is a GLN or a location id) and which canonical
 * field each column is, by its name.  What only a person can know (units
 * of measure, a column no name matched, constants for required fields
 * the file lacks) is marked CHECK.  `partner check` accepts the draft as
 * written.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/csv.h"
#include "edigate/fsutil.h"

#define MAXC 64
#define SAMPLE_ROWS 1000

/* A canonical field and the header names (lower case, letters and digits
 * only) that mean it. */
typedef struct fname {
	const char *path;
	const char *names; /* space-separated */
	int measure;       /* needs a unit (uom=) */
	int flag;          /* true/false */
} fname;

static const fname item_names[] = {
	{"sku", "sku article artikel artikelnr item itemno itemnumber itemid "
		"material materialnr partnumber partno productcode product",
	 0, 0},
	{"gtin", "gtin ean upc barcode ean13 gtin13 gtin14", 0, 0},
	{"description", "description desc descr bezeichnung text itemname "
			"productname name",
	 0, 0},
	{"uom", "uom unit baseunit me unitofmeasure einheit", 0, 0},
	{"customerId", "customer customerid owner depositor", 0, 0},
	{"grossWeight", "weight weightkg grossweight gewicht bruttogewicht "
			"grossweightkg",
	 1, 0},
	{"netWeight", "netweight nettogewicht netweightkg", 1, 0},
	{"dimensions/length", "length lengthcm laenge len", 0, 0},
	{"dimensions/width", "width widthcm breite", 0, 0},
	{"dimensions/height", "height heightcm hoehe", 0, 0},
	{"unitConversion/quantity", "caseqty casepack karton packsize "
				    "unitspercase qtypercase",
	 0, 0},
	{"hazmat", "hazmat dangerous dangerousgoods gefahrgut adr", 0, 1},
	{"lotControlled", "lot lotcontrolled charge batchcontrolled", 0, 1},
	{"serialControlled", "serial serialcontrolled", 0, 1},
	{"status", "status state itemstatus", 0, 0},
	{NULL, NULL, 0, 0},
};
static const fname carrier_names[] = {
	{"scac", "scac carrier carriercode", 0, 0},
	{"name", "name carriername", 0, 0},
	{"mode", "mode modes transportmode", 0, 0},
	{"status", "status state", 0, 0},
	{NULL, NULL, 0, 0},
};
static const fname location_names[] = {
	{"locationId", "locationid location locid site siteid shipto "
		       "warehouse warehouseid dock",
	 0, 0},
	{"gln", "gln iln", 0, 0},
	{"name", "name locationname sitename", 0, 0},
	{"addressLine", "address street address1 addressline strasse", 0, 0},
	{"city", "city town ort", 0, 0},
	{"state", "state region province", 0, 0},
	{"postalCode", "postalcode zip zipcode postcode plz", 0, 0},
	{"country", "country countrycode land", 0, 0},
	{"timeZone", "timezone tz", 0, 0},
	{"status", "status", 0, 0},
	{NULL, NULL, 0, 0},
};

/* What the sample's rows say of one column. */
typedef struct col {
	char name[64], norm[64];
	unsigned long filled, ints, dot, comma, flags, codes2, words;
	unsigned long dotthou; /* 1.234,5: thousands dots, decimal comma */
	int is_flag_yn, is_flag_jn, is_flag_01;
	const char *path; /* the canonical field, or NULL */
} col;

typedef struct csvdraft {
	const char *record, *doc;
	const fname *names;
	col c[MAXC];
	size_t ncols;
	char delim;
	int header;
	const char *enc;
	unsigned long rows;
} csvdraft;

static void
norm(char *dst, size_t cap, const char *s)
{
	size_t k = 0;

	for (; *s && k + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			dst[k++] = (char)tolower((unsigned char)*s);
	dst[k] = '\0';
}

static int
word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	const char *p = words;

	while (n && (p = strstr(p, w))) {
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

/* The encoding of the sample's first bytes. */
static const char *
guess_enc(const unsigned char *p, size_t n)
{
	size_t i = 0;
	int high = 0, undef = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2
				   : (c & 0xF0) == 0xE0	     ? 3
				   : (c & 0xF8) == 0xF0	     ? 4
							     : 0;
		size_t k;

		if (!len)
			break;
		if (i + len > n) { /* cut at the end of the sample */
			i = n;
			break;
		}
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				break;
		if (k < len)
			break;
		i += len;
	}
	if (i >= n)
		return "utf-8";
	for (i = 0; i < n; i++) {
		high |= p[i] >= 0x80 && p[i] <= 0x9F;
		undef |= p[i] == 0x81 || p[i] == 0x8D || p[i] == 0x8F ||
			 p[i] == 0x90 || p[i] == 0x9D;
	}
	return undef && high ? "iso-8859-1" : "windows-1252";
}

/* Is the file a CSV sample rather than an X12 one: no EDI header at its
 * start, and a name ending in .csv or .tsv, or a first line a delimiter
 * (, ; | TAB) splits?  Anything else goes to the X12 reading, which says
 * what it is not. */
int
eg_cli_sample_is_csv(const char *path)
{
	unsigned char b[512];
	FILE *f = fopen(path, "rb");
	const char *dot = strrchr(path, '.');
	size_t n, i = 0, j;

	if (!f)
		return 0;
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		i = 3;
	while (i < n && isspace(b[i]))
		i++;
	if (n - i >= 3 && (!memcmp(b + i, "ISA", 3) ||
			   !memcmp(b + i, "UNA", 3) || !memcmp(b + i, "UNB", 3)))
		return 0;
	if (n <= i || b[i] == '<')
		return 0;
	if (dot && (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv")))
		return 1;
	for (j = i; j < n && b[j] != '\n' && b[j] != '\r'; j++)
		if (b[j] == ',' || b[j] == ';' || b[j] == '|' || b[j] == '\t')
			return 1;
	return 0;
}

static int
is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* A decimal with mark m and digits on both sides ("1.5", "12,25"). */
static int
is_dec(const char *s, char m)
{
	const char *p = strchr(s, m);
	char a[64];

	if (!p || p == s || !p[1] || strchr(p + 1, m) ||
	    (size_t)(p - s) >= sizeof(a))
		return 0;
	memcpy(a, s, (size_t)(p - s));
	a[p - s] = '\0';
	return is_int(a) && is_int(p + 1) && p[1] != '-';
}

static void
look(col *c, const char *v)
{
	char l[16];

	if (!*v)
		return;
	c->filled++;
	norm(l, sizeof(l), v);
	c->ints += is_int(v);
	c->dot += is_dec(v, '.');
	c->comma += is_dec(v, ',');
	if (strchr(v, '.') && strchr(v, ',') && strchr(v, '.') < strchr(v, ',')) {
		c->dotthou++;
		c->comma++;
	}
	{
		const char *q = v;

		while (*q && islower((unsigned char)*q))
			q++;
		c->words += !*q;
	}
	if (!strcmp(l, "true") || !strcmp(l, "false"))
		c->flags++;
	else if (!strcmp(l, "y") || !strcmp(l, "n") || !strcmp(l, "yes") ||
		 !strcmp(l, "no"))
		c->is_flag_yn = 1, c->flags++;
	else if (!strcmp(l, "j") || !strcmp(l, "ja") || !strcmp(l, "nein"))
		c->is_flag_jn = 1, c->flags++;
	else if (!strcmp(l, "0") || !strcmp(l, "1"))
		c->is_flag_01 = 1, c->flags++;
	c->codes2 += strlen(v) == 2 && isupper((unsigned char)v[0]) &&
		     isupper((unsigned char)v[1]);
}

/* Read the sample: dialect, header, and what each column holds. */
static int
read_csv_sample(eg_cli *cli, const char *path, csvdraft *d)
{
	unsigned char head[65536];
	eg_csv_opts o;
	eg_csv *r = NULL;
	eg_csv_enc enc;
	eg_error e;
	FILE *f;
	size_t n, i;
	int got, numeric = 0;

	if (!(f = fopen(path, "rb"))) {
		fprintf(cli->err, "%s partner: cannot read %s\n", cli->prog,
			path);
		return EG_EXIT_IO;
	}
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	d->enc = guess_enc(head, n);
	memset(&o, 0, sizeof(o));
	o.header = 1;
	o.trim = 1;
	if (eg_csv_enc_parse(d->enc, &enc) == 0)
		o.enc = enc;
	eg_error_clear(&e);
	if (eg_csv_open(&r, path, &o, &e)) {
		fprintf(cli->err, "%s partner: sample %s cannot be read as "
			"CSV: %s\n", cli->prog, path, e.msg);
		return EG_EXIT_DOCUMENT;
	}
	d->delim = eg_csv_delim(r);
	d->ncols = eg_csv_ncols(r);
	if (d->ncols > MAXC)
		d->ncols = MAXC;
	/* a first row of numbers (or empty names) is data, not a header */
	for (i = 0; i < d->ncols; i++) {
		const char *nm = eg_csv_name(r, i);

		numeric |= !*nm || is_int(nm) || is_dec(nm, '.') ||
			   is_dec(nm, ',');
	}
	d->header = !numeric;
	if (!d->header) {
		eg_csv_free(r);
		o.header = 0;
		if (eg_csv_open(&r, path, &o, &e)) {
			fprintf(cli->err, "%s partner: %s: %s\n", cli->prog,
				path, e.msg);
			return EG_EXIT_DOCUMENT;
		}
	}
	for (i = 0; i < d->ncols; i++) {
		if (d->header)
			snprintf(d->c[i].name, sizeof(d->c[i].name), "%s",
				 eg_csv_name(r, i));
		else
			snprintf(d->c[i].name, sizeof(d->c[i].name),
				 "column %zu", i + 1);
		norm(d->c[i].norm, sizeof(d->c[i].norm), d->c[i].name);
	}
	while (d->rows < SAMPLE_ROWS) {
		eg_err rc = eg_csv_next(r, &got, &e);

		if (rc == EG_EIO || rc == EG_ENOMEM)
			break;
		if (rc) { /* a bad row of the sample: left out of the guess */
			eg_error_clear(&e);
			continue;
		}
		if (!got)
			break;
		d->rows++;
		for (i = 0; i < d->ncols && i < eg_csv_nfields(r); i++) {
			eg_span s = eg_csv_field(r, i);
			char v[128];

			snprintf(v, sizeof(v), "%.*s",
				 (int)(s.len < 127 ? s.len : 127), s.p);
			look(&d->c[i], v);
		}
	}
	eg_csv_free(r);
	return EG_EXIT_OK;
}

/* Which record, and which field each column is. */
static void
assign(csvdraft *d)
{
	size_t i, j;

	d->record = "Item";
	d->doc = "items";
	d->names = item_names;
	for (i = 0; i < d->ncols; i++) {
		if (!strcmp(d->c[i].norm, "scac")) {
			d->record = "Carrier";
			d->doc = "carriers";
			d->names = carrier_names;
		} else if (strcmp(d->record, "Carrier") &&
			   (!strcmp(d->c[i].norm, "gln") ||
			    !strcmp(d->c[i].norm, "locationid"))) {
			d->record = "Location";
			d->doc = "locations";
			d->names = location_names;
		}
	}
	for (j = 0; d->names[j].path; j++)
		for (i = 0; i < d->ncols; i++)
			if (!d->c[i].path &&
			    word_in(d->names[j].names, d->c[i].norm)) {
				d->c[i].path = d->names[j].path;
				break;
			}
}

/* The code list a flag column needs ("" for true/false, NULL when the
 * column is no flag: some value is not one). */
static const char *
flag_codes(const col *c, const char *path)
{
	if (strcmp(path, "hazmat") && strcmp(path, "lotControlled") &&
	    strcmp(path, "serialControlled"))
		return NULL;
	if (!c->filled || c->flags != c->filled)
		return NULL;
	return c->is_flag_jn ? "janein" : c->is_flag_yn ? "yesno"
				      : c->is_flag_01	 ? "onezero"
							 : "";
}

static const col *
col_of(const csvdraft *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->ncols; i++)
		if (d->c[i].path && !strcmp(d->c[i].path, path))
			return &d->c[i];
	return NULL;
}

/* A layout name (lower case, digits, single dashes): "locationId" is
 * "location-id", "acme_mdm" is "acme-mdm". */
static void
kebab(char *dst, size_t cap, const char *s)
{
	size_t k = 0;

	for (; *s && k + 2 < cap; s++) {
		char c = *s;

		if (isupper((unsigned char)c)) {
			if (k && dst[k - 1] != '-')
				dst[k++] = '-';
			dst[k++] = (char)tolower((unsigned char)c);
		} else if (isalnum((unsigned char)c)) {
			if (!k && isdigit((unsigned char)c))
				dst[k++] = 'x';
			dst[k++] = c;
		} else if (k && dst[k - 1] != '-') {
			dst[k++] = '-';
		}
	}
	while (k && dst[k - 1] == '-')
		k--;
	if (!k)
		dst[k++] = 'x';
	dst[k] = '\0';
}

static eg_err
attr(eg_buf *b, const char *name, const char *v)
{
	eg_err rc = eg_buf_addf(b, " %s=\"", name);

	for (; !rc && *v; v++)
		rc = *v == '"'	 ? eg_buf_adds(b, "&quot;")
		     : *v == '&' ? eg_buf_adds(b, "&amp;")
		     : *v == '<' ? eg_buf_adds(b, "&lt;")
				 : eg_buf_addc(b, *v);
	return rc ? rc : eg_buf_addc(b, '"');
}

/* The layout text. */
static eg_err
layout_text(eg_buf *b, const csvdraft *d, const char *id, const char *sample)
{
	const char *key = d->names[0].path;
	char dl[4], kn[64], ln[64];
	size_t i;
	int units = 0;
	eg_err rc;

	snprintf(dl, sizeof(dl), "%s", d->delim == '\t' ? "\\t" : "");
	if (!dl[0])
		snprintf(dl, sizeof(dl), "%c", d->delim);
	rc = eg_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<!-- Drafted by `edigate partner new %s` "
			 "from the sample %s (%lu row(s) looked at).\n     Read it and "
			 "fix what is marked CHECK; `edigate layout check` "
			 "and\n     `edigate layout map` try it on a file "
			 "(docs/csv.md). -->\n<layout",
			 id, sample, d->rows);
	kebab(kn, sizeof(kn), key);
	kebab(ln, sizeof(ln), id);
	if (!rc)
		rc = attr(b, "name", ln);
	if (!rc)
		rc = eg_buf_addf(b, " record=\"%s\"", d->record);
	if (!rc)
		rc = attr(b, "partner", ln);
	if (!rc)
		rc = eg_buf_adds(b, ">\n  <csv");
	if (!rc)
		rc = attr(b, "delimiter", dl);
	if (!rc)
		rc = eg_buf_addf(b, " header=\"%s\" encoding=\"%s\"/>\n",
				 d->header ? "true" : "false", d->enc);
	if (!rc && !col_of(d, key))
		rc = eg_buf_addf(b, "  <!-- CHECK: no column is named like "
				 "the business key (%s): the first column is "
				 "taken -->\n", key);
	if (!rc)
		rc = eg_buf_addf(b, "  <key name=\"%s\" path=\"%s\"/>\n", kn,
				 key);
	for (i = 0; !rc && i < d->ncols; i++) {
		const col *c = &d->c[i];
		const char *path = c->path;

		if (!path && i == 0 && !col_of(d, key))
			path = key;
		if (!path)
			continue;
		rc = eg_buf_addf(b, "  <field path=\"%s\"", path);
		if (!rc && d->header)
			rc = attr(b, "column", c->name);
		else if (!rc)
			rc = eg_buf_addf(b, " index=\"%zu\"", i + 1);
		/* numbers with a decimal comma (and dots between thousands) */
		if (!rc && c->comma && !c->dot && c->comma + c->ints >= c->filled &&
		    d->delim != ',')
			rc = eg_buf_adds(b, c->dotthou ? " decimal=\",\" "
						       "thousands=\".\""
						     : " decimal=\",\"");
		if (!rc && (!strcmp(path, "grossWeight") ||
			    !strcmp(path, "netWeight")))
			rc = eg_buf_adds(b, " uom=\"KG\"");
		if (!rc && flag_codes(c, path) && *flag_codes(c, path))
			rc = eg_buf_addf(b, " codes=\"%s\"",
					 flag_codes(c, path));
		if (!rc && (!strcmp(path, "hazmat") ||
			    !strcmp(path, "lotControlled") ||
			    !strcmp(path, "serialControlled")))
			rc = eg_buf_adds(b, " default=\"false\"");
		if (!rc)
			rc = eg_buf_adds(b, "/>");
		if (!rc && (!strcmp(path, "grossWeight") ||
			    !strcmp(path, "netWeight")))
			rc = eg_buf_adds(b, "  <!-- CHECK: the unit (KG or "
					 "LB) -->");
		if (!rc && !strcmp(path, "status") && c->words < c->filled)
			rc = eg_buf_adds(b, "  <!-- CHECK: statuses are active, "
					 "inactive, discontinued: add a <codes> "
					 "list for the file's -->");
		if (!rc && !strcmp(path, "uom") && c->codes2 < c->filled)
			rc = eg_buf_adds(b, "  <!-- CHECK: units are X12 "
					 "codes (EA, CA, PK): add a "
					 "<codes> list for the file's -->");
		if (!rc)
			rc = eg_buf_addc(b, '\n');
		if (!strncmp(path, "dimensions/", 11))
			units = 1;
		if (!rc && !strcmp(path, "unitConversion/quantity"))
			rc = eg_buf_adds(b, "  <field path=\"unitConversion/"
					 "uom\" value=\"CA\"/>  <!-- CHECK: "
					 "what the quantity counts -->\n");
	}
	if (!rc && units)
		rc = eg_buf_adds(b, "  <field path=\"dimensions/uom\" "
				 "value=\"CM\"/>  <!-- CHECK: the unit of the "
				 "dimensions -->\n");
	/* required fields no column gave */
	if (!rc && !strcmp(d->record, "Item") && !col_of(d, "description"))
		rc = eg_buf_adds(b, "  <!-- CHECK: no description column -->\n"
				 "  <field path=\"description\" "
				 "value=\"(no description)\"/>\n");
	if (!rc && !strcmp(d->record, "Item") && !col_of(d, "uom"))
		rc = eg_buf_adds(b, "  <!-- CHECK: no unit column: every item "
				 "is taken as EA -->\n"
				 "  <field path=\"uom\" value=\"EA\"/>\n");
	if (!rc && !strcmp(d->record, "Location") && !col_of(d, "name"))
		rc = eg_buf_adds(b, "  <!-- CHECK: no name column -->\n"
				 "  <field path=\"name\" value=\"(no name)\"/>\n");
	if (!rc && !strcmp(d->record, "Carrier") && !col_of(d, "name"))
		rc = eg_buf_adds(b, "  <!-- CHECK: no name column -->\n"
				 "  <field path=\"name\" value=\"(no name)\"/>\n");
	if (!rc && !strcmp(d->record, "Location"))
		rc = eg_buf_adds(b, "  <!-- CHECK: warehouse, ship-to or "
				 "dock -->\n  <field path=\"locationType\" "
				 "value=\"warehouse\"/>\n");
	if (!rc && !col_of(d, "status"))
		rc = eg_buf_adds(b, "  <field path=\"status\" "
				 "value=\"active\"/>\n");
	for (i = 0; !rc && i < d->ncols; i++)
		if (!d->c[i].path && !(i == 0 && !col_of(d, key)))
			rc = eg_buf_addf(b, "  <!-- CHECK: column '%s' is not "
					 "mapped -->\n", d->c[i].name);
	/* one code list per kind of flag the columns use */
	for (i = 0; !rc && i < d->ncols; i++) {
		const char *k = d->c[i].path ? flag_codes(&d->c[i], d->c[i].path)
					     : NULL;
		size_t j;
		int seen = 0;

		if (!k || !*k)
			continue;
		for (j = 0; j < i; j++)
			seen |= d->c[j].path &&
				flag_codes(&d->c[j], d->c[j].path) &&
				!strcmp(flag_codes(&d->c[j], d->c[j].path), k);
		if (seen)
			continue;
		if (!strcmp(k, "janein"))
			rc = eg_buf_adds(b, "  <codes name=\"janein\"><code "
					 "from=\"J\" to=\"true\"/><code "
					 "from=\"N\" to=\"false\"/><code "
					 "from=\"ja\" to=\"true\"/><code "
					 "from=\"nein\" to=\"false\"/>"
					 "</codes>\n");
		else if (!strcmp(k, "yesno"))
			rc = eg_buf_adds(b, "  <codes name=\"yesno\"><code "
					 "from=\"Y\" to=\"true\"/><code "
					 "from=\"N\" to=\"false\"/><code "
					 "from=\"yes\" to=\"true\"/><code "
					 "from=\"no\" to=\"false\"/>"
					 "</codes>\n");
		else
			rc = eg_buf_adds(b, "  <codes name=\"onezero\"><code "
					 "from=\"1\" to=\"true\"/><code "
					 "from=\"0\" to=\"false\"/></codes>\n");
	}
	if (!rc)
		rc = eg_buf_adds(b, "</layout>\n");
	return rc;
}

/* The profile text. */
static eg_err
profile_text(eg_buf *b, const csvdraft *d, const char *id, const char *name,
	     const char *ext)
{
	eg_err rc;

	rc = eg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<!-- Drafted by `edigate partner new` from a "
			 "sample: a partner that sends a nightly\n     master-data "
			 "file (docs/csv.md, docs/profiles.md).  Fix what is "
			 "marked CHECK,\n     then `edigate partner check "
			 "ID`. -->\n<partner");
	if (!rc)
		rc = attr(b, "id", id);
	if (!rc)
		rc = attr(b, "name", name);
	if (!rc)
		rc = eg_buf_addf(
		    b,
		    " kind=\"other\">\n"
		    "  <!-- master data only: no envelope identity (add "
		    "<partner-isa>, <our-isa>\n"
		    "       and <gs>, or <partner-unb> and <our-unb>, with "
		    "documents if the\n"
		    "       partner also sends EDI) -->\n"
		    "  <identity/>\n\n"
		    "  <transport type=\"local\">\n"
		    "    <inbox path=\"drop/%s/in\" pattern=\"*%s\"/>\n"
		    "    <outbox path=\"drop/%s/out\"/>\n"
		    "    <!-- a nightly file is taken once it has not changed "
		    "for a minute -->\n"
		    "    <complete stable-for=\"60s\"/>\n"
		    "    <after-pickup action=\"move\" move-to=\"drop/%s/done\"/>\n"
		    "  </transport>\n\n"
		    "  <!-- the file is compared with the last accepted one by "
		    "its key; a drop of\n"
		    "       more than 10 %% of the rows, more than 1000 deletes "
		    "or a duplicate key\n"
		    "       hold it for a person (CHECK the numbers) -->\n"
		    "  <master-data name=\"%s\" layout=\"../layouts/%s-%s."
		    "layout.xml\"\n"
		    "               key=\"%s\" max-drop-percent=\"10\" "
		    "max-deletes=\"1000\"\n"
		    "               on-bad-row=\"quarantine\" "
		    "max-bad-percent=\"1\"/>\n"
		    "</partner>\n",
		    id, ext, id, id, d->doc, id, d->doc,
		    d->names[0].path);
	return rc;
}

/* Write dir/name unless it exists (force: replace it). */
static int
put(eg_cli *cli, const char *dir, const char *name, const eg_buf *b, int force)
{
	char path[PATH_MAX];
	struct stat st;
	eg_error e;

	eg_error_clear(&e);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!force && stat(path, &st) == 0) {
		fprintf(cli->err, "%s partner: %s exists; use --force to "
			"replace it\n", cli->prog, path);
		return EG_EXIT_USAGE;
	}
	if (eg_mkdirs(dir, &e) ||
	    eg_file_publish(dir, name, b->data, b->len, &e))
		return eg_cli_fail(cli, &e);
	fprintf(cli->out, "wrote %s\n", path);
	return EG_EXIT_OK;
}

int
eg_cli_partner_new_csv(eg_cli *cli, const eg_home *h, const char *id,
		       const char *name, const char *sample, int force)
{
	csvdraft d;
	eg_buf lb, pb;
	char dir[PATH_MAX], lname[128], pname[128], drop[PATH_MAX];
	const char *dot = strrchr(sample, '.'), *slash = strrchr(sample, '/');
	char ext[16] = ".csv";
	char dw[8];
	int x;
	eg_error e;
	static const char *const sub[] = {"in", "out", "done"};
	size_t i;

	memset(&d, 0, sizeof(d));
	if ((x = read_csv_sample(cli, sample, &d)))
		return x;
	if (d.ncols == 0)
		return eg_cli_usage(cli, "partner", "the sample %s has no "
				    "columns", sample);
	assign(&d);
	snprintf(dw, sizeof(dw), "%s", d.delim == '\t' ? "TAB" : "");
	if (!dw[0])
		snprintf(dw, sizeof(dw), "%c", d.delim);
	if (dot && (!slash || dot > slash) && strlen(dot) < sizeof(ext))
		snprintf(ext, sizeof(ext), "%s", dot);
	eg_buf_init(&lb, 1 << 20);
	eg_buf_init(&pb, 1 << 20);
	snprintf(lname, sizeof(lname), "%s-%s.layout.xml", id, d.doc);
	snprintf(pname, sizeof(pname), "%s.xml", id);
	x = EG_EXIT_IO;
	if (layout_text(&lb, &d, id, sample) ||
	    profile_text(&pb, &d, id, name ? name : id, ext))
		goto out;
	snprintf(dir, sizeof(dir), "%s/layouts", h->home);
	if ((x = put(cli, dir, lname, &lb, force)))
		goto out;
	snprintf(dir, sizeof(dir), "%s/partners", h->home);
	if ((x = put(cli, dir, pname, &pb, force)))
		goto out;
	eg_error_clear(&e);
	for (i = 0; i < 3; i++) {
		snprintf(drop, sizeof(drop), "%s/drop/%s/%s", h->home, id,
			 sub[i]);
		if (eg_mkdirs(drop, &e)) {
			x = eg_cli_fail(cli, &e);
			goto out;
		}
	}
	fprintf(cli->out,
		"drafted a %s master-data partner from %s: %s, '%s' "
		"delimited, %s, %zu column(s), record %s\n"
		"made its drop folders %s/drop/%s/in, out and done\n"
		"next:\n  1. read %s/layouts/%s and %s/partners/%s, fix what "
		"is marked CHECK\n  2. edigate partner check %s\n"
		"  3. edigate layout map %s/layouts/%s %s   (the records "
		"the sample gives)\n"
		"  4. edigate run --partner %s\n",
		d.doc, sample, d.enc, dw,
		d.header ? "with a header" : "no header", d.ncols, d.record,
		h->home, id, h->home, lname, h->home, pname, id, h->home,
		lname, sample, id);
out:
	eg_buf_free(&lb);
	eg_buf_free(&pb);
	return x;
}
