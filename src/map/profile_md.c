/*
 * profile_md.c - a profile's documents read through layouts (profile.h):
 * nightly master data (<master-data>) and CSV/XML partner documents
 * (<layout-document>): read, checked, and matched to the files they take.
 *
 * partner check refuses what would not take effect: a layout that does
 * not load or reads another syntax than syntax= says, a key= that is not
 * the layout's business key, a max-bad-percent with on-bad-row="reject"
 * (every bad row rejects then), two documents that could take the same
 * file.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/layout.h"
#include "edigate/profile.h"
#include "edigate/syntax.h"
#include "edigate/xml.h"

static char *
resolve(const eg_profile *p, const char *v)
{
	size_t n;
	char *s;

	if (!v)
		return NULL;
	n = strlen(p->dir) + strlen(v) + 2;
	if (!(s = malloc(n)))
		return NULL;
	snprintf(s, n, "%s%s%s", v[0] == '/' ? "" : p->dir,
		 v[0] == '/' || !p->dir[0] ? "" : "/", v);
	return s;
}

eg_err
eg_profile_md_read(eg_profile *p, const eg_xml_node *root, const char *datadir,
		   eg_error *e)
{
	const eg_xml_node *k;
	size_t n = 0, cap = 0;
	const char *v;

	size_t ncap = 0;

	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		cap += !strcmp(eg_xml_name(k), "master-data");
		ncap += !strcmp(eg_xml_name(k), "layout-document");
	}
	if (cap + ncap == 0)
		return EG_OK;
	p->md = calloc(cap ? cap : 1, sizeof(*p->md));
	p->ld = calloc(ncap ? ncap : 1, sizeof(*p->ld));
	n = strlen(datadir) + 32;
	p->layout_xsd = malloc(n);
	if (!p->md || !p->ld || !p->layout_xsd)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	snprintf(p->layout_xsd, n, "%s/schemas/layout.xsd", datadir);
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		eg_profile_md *m;

		if (!strcmp(eg_xml_name(k), "layout-document")) {
			eg_profile_ld *d = &p->ld[p->nld++];

			d->line = eg_xml_line(k);
			v = eg_xml_attr(k, "name");
			snprintf(d->name, sizeof(d->name), "%s", v ? v : "");
			v = eg_xml_attr(k, "syntax");
			snprintf(d->syntax, sizeof(d->syntax), "%s",
				 v ? v : "csv");
			d->layout = resolve(p, eg_xml_attr(k, "layout"));
			if ((v = eg_xml_attr(k, "pattern")) &&
			    !(d->pattern = strdup(v)))
				return eg_fail(e, EG_ENOMEM, "out of memory");
			if (!d->layout)
				return eg_fail(e, EG_ENOMEM, "out of memory");
			continue;
		}
		if (strcmp(eg_xml_name(k), "master-data"))
			continue;
		m = &p->md[p->nmd++];
		m->line = eg_xml_line(k);
		snprintf(m->name, sizeof(m->name), "%s",
			 eg_xml_attr(k, "name") ? eg_xml_attr(k, "name") : "");
		m->layout = resolve(p, eg_xml_attr(k, "layout"));
		if ((v = eg_xml_attr(k, "pattern")))
			m->pattern = strdup(v);
		if ((v = eg_xml_attr(k, "key")))
			m->key = strdup(v);
		if ((v = eg_xml_attr(k, "max-drop-percent"))) {
			m->drop_given = 1;
			m->max_drop_percent = strtod(v, NULL);
		}
		if ((v = eg_xml_attr(k, "max-deletes"))) {
			m->deletes_given = 1;
			m->max_deletes = strtol(v, NULL, 10);
		}
		if ((v = eg_xml_attr(k, "max-bad-percent"))) {
			m->bad_given = 1;
			m->max_bad_percent = strtod(v, NULL);
		}
		if ((v = eg_xml_attr(k, "on-bad-row")))
			snprintf(m->on_bad_row, sizeof(m->on_bad_row), "%s", v);
		v = eg_xml_attr(k, "syntax");
		snprintf(m->syntax, sizeof(m->syntax), "%s", v ? v : "csv");
		v = eg_xml_attr(k, "keep-baselines");
		m->keep = v ? (unsigned)strtoul(v, NULL, 10) : 7;
		if (!m->layout)
			return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	return EG_OK;
}

void
eg_profile_md_free(eg_profile *p)
{
	size_t i;

	for (i = 0; p->md && i < p->nmd; i++) {
		free(p->md[i].layout);
		free(p->md[i].pattern);
		free(p->md[i].key);
	}
	for (i = 0; p->ld && i < p->nld; i++) {
		free(p->ld[i].layout);
		free(p->ld[i].pattern);
	}
	free(p->md);
	free(p->ld);
	free(p->layout_xsd);
	p->md = NULL;
	p->ld = NULL;
	p->nmd = p->nld = 0;
}

/* Does name match one of the space-separated patterns? */
static int
matches(const char *pats, const char *name)
{
	char one[256];
	const char *s = pats;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n && n < sizeof(one)) {
			memcpy(one, s, n);
			one[n] = '\0';
			if (fnmatch(one, name, 0) == 0)
				return 1;
		}
		s += n;
		s += strspn(s, " ");
	}
	return 0;
}

const eg_profile_md *
eg_profile_md_for(const eg_profile *p, const char *name, int edi)
{
	size_t i;

	for (i = 0; i < p->nmd; i++) {
		const eg_profile_md *m = &p->md[i];

		if (m->pattern ? matches(m->pattern, name) : !edi)
			return m;
	}
	return NULL;
}

const eg_profile_ld *
eg_profile_ld_for(const eg_profile *p, const char *name, int edi)
{
	size_t i;

	for (i = 0; i < p->nld; i++) {
		const eg_profile_ld *d = &p->ld[i];

		if (d->pattern ? matches(d->pattern, name) : !edi)
			return d;
	}
	return NULL;
}

typedef struct mrep {
	eg_pcheck_fn fn;
	void *ud;
	unsigned errors;
	const char *elem, *name, *layout; /* the element being checked */
	long line;
} mrep;

static void
on_layout_problem(void *ud, long line, const char *msg)
{
	mrep *r = ud;
	char s[600];

	snprintf(s, sizeof(s), "line %ld: <%s name=\"%s\">: layout "
		 "%s line %ld: %s", r->line, r->elem, r->name, r->layout,
		 line, msg);
	r->errors++;
	if (r->fn)
		r->fn(r->ud, EG_PCHECK_ERROR, s);
}

static void
err(mrep *r, const char *fmt, ...) EG_PRINTF(2, 3);

static void
err(mrep *r, const char *fmt, ...)
{
	char s[600], msg[500];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s, sizeof(s), "line %ld: <%s name=\"%s\">: %s",
		 r->line, r->elem, r->name, msg);
	r->errors++;
	if (r->fn)
		r->fn(r->ud, EG_PCHECK_ERROR, s);
}

/* key= against the layout's keys ("sku" or "customerId,sku"). */
static void
check_key(mrep *r, const eg_profile_md *m, const eg_layout *l)
{
	char want[512] = "";
	size_t i, n = 0;
	const char *k;

	for (i = 0; (k = eg_layout_key_path(l, i)); i++)
		n += (size_t)snprintf(want + n, n < sizeof(want) ?
				      sizeof(want) - n : 0, "%s%s",
				      i ? "," : "", k);
	if (m->key && strcmp(m->key, want))
		err(r, "key=\"%s\" is not the layout's business key \"%s\": "
		    "the delta compares by the layout's <key>, so key= would "
		    "not take effect (make them the same)",
		    m->key, want);
}

/* The i-th document of either kind (master data first), for the
 * checks that look at them all. */
static void
doc_at(const eg_profile *p, size_t i, const char **elem, const char **name,
       const char **layout, const char **pattern, long *line)
{
	if (i < p->nmd) {
		*elem = "master-data";
		*name = p->md[i].name;
		*layout = p->md[i].layout;
		*pattern = p->md[i].pattern;
		*line = p->md[i].line;
	} else {
		*elem = "layout-document";
		*name = p->ld[i - p->nmd].name;
		*layout = p->ld[i - p->nmd].layout;
		*pattern = p->ld[i - p->nmd].pattern;
		*line = p->ld[i - p->nmd].line;
	}
}

/* The layout loads, and reads the syntax syntax= names. */
static eg_layout *
load_checked(const eg_profile *p, mrep *r, const char *syntax)
{
	const eg_record_syntax *rs;
	eg_layout *l = NULL;
	unsigned before = r->errors;
	eg_error e;

	eg_error_clear(&e);
	if (eg_layout_load(&l, r->layout, p->layout_xsd, on_layout_problem, r,
			   &e)) {
		if (e.code != EG_ECONFIG || r->errors == before)
			err(r, "layout %s: %s", r->layout, e.msg);
		return NULL;
	}
	rs = eg_record_syntax_of(l);
	if (!rs || strcmp(rs->name, syntax))
		err(r, "syntax=\"%s\" but layout %s reads %s files: say "
		    "syntax=\"%s\" or name a %s layout", syntax, r->layout,
		    rs ? rs->name : "no", rs ? rs->name : "?", syntax);
	return l;
}

unsigned
eg_profile_md_check(const eg_profile *p, eg_pcheck_fn fn, void *ud)
{
	mrep r;
	size_t i, j, n = p->nmd + p->nld;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.ud = ud;
	for (i = 0; i < n; i++) {
		const char *pat, *jelem, *jname, *jlayout, *jpat;
		long jline;
		eg_layout *l;

		doc_at(p, i, &r.elem, &r.name, &r.layout, &pat, &r.line);
		for (j = 0; j < i; j++) {
			doc_at(p, j, &jelem, &jname, &jlayout, &jpat, &jline);
			if (!strcmp(jname, r.name))
				err(&r, "a second document named '%s'",
				    r.name);
			else if (!pat || !jpat)
				err(&r, "documents '%s' and '%s' could both "
				    "take a file: give each a pattern=",
				    jname, r.name);
		}
		if (i >= p->nmd) {
			eg_layout_free(
			    load_checked(p, &r, p->ld[i - p->nmd].syntax));
			continue;
		}
		if (!(l = load_checked(p, &r, p->md[i].syntax)))
			continue;
		check_key(&r, &p->md[i], l);
		if (p->md[i].bad_given &&
		    (!strcmp(p->md[i].on_bad_row, "reject") ||
		     (!p->md[i].on_bad_row[0] &&
		      !eg_layout_batch_of(l)->quarantine_bad_rows)))
			err(&r, "max-bad-percent is given but bad rows reject "
			    "the whole file (on-bad-row=\"reject\"%s): it "
			    "would not take effect; say "
			    "on-bad-row=\"quarantine\" or remove it",
			    p->md[i].on_bad_row[0] ? "" : ", the layout's");
		eg_layout_free(l);
	}
	return r.errors;
}
