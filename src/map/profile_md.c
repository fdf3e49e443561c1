/*
 * profile_md.c - a profile's nightly master-data documents (<master-data>,
 * profile.h): read, checked, and matched to the files they take.
 *
 * partner check refuses what would not take effect: a layout that does
 * not load, a key= that is not the layout's business key, a
 * max-bad-percent with on-bad-row="reject" (every bad row rejects then),
 * two documents that could take the same file.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/layout.h"
#include "edigate/profile.h"
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

	for (k = eg_xml_first(root); k; k = eg_xml_next(k))
		cap += !strcmp(eg_xml_name(k), "master-data");
	if (cap == 0)
		return EG_OK;
	p->md = calloc(cap, sizeof(*p->md));
	n = strlen(datadir) + 32;
	p->layout_xsd = malloc(n);
	if (!p->md || !p->layout_xsd)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	snprintf(p->layout_xsd, n, "%s/schemas/layout.xsd", datadir);
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		eg_profile_md *m;

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
	free(p->md);
	free(p->layout_xsd);
	p->md = NULL;
	p->nmd = 0;
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

typedef struct mrep {
	eg_pcheck_fn fn;
	void *ud;
	unsigned errors;
	const eg_profile_md *m;
} mrep;

static void
on_layout_problem(void *ud, long line, const char *msg)
{
	mrep *r = ud;
	char s[600];

	snprintf(s, sizeof(s), "line %ld: <master-data name=\"%s\">: layout "
		 "%s line %ld: %s", r->m->line, r->m->name, r->m->layout,
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
	snprintf(s, sizeof(s), "line %ld: <master-data name=\"%s\">: %s",
		 r->m->line, r->m->name, msg);
	r->errors++;
	if (r->fn)
		r->fn(r->ud, EG_PCHECK_ERROR, s);
}

/* key= against the layout's keys ("sku" or "customerId,sku"). */
static void
check_key(mrep *r, const eg_layout *l)
{
	char want[512] = "";
	size_t i, n = 0;
	const char *k;

	for (i = 0; (k = eg_layout_key_path(l, i)); i++)
		n += (size_t)snprintf(want + n, n < sizeof(want) ?
				      sizeof(want) - n : 0, "%s%s",
				      i ? "," : "", k);
	if (r->m->key && strcmp(r->m->key, want))
		err(r, "key=\"%s\" is not the layout's business key \"%s\": "
		    "the delta compares by the layout's <key>, so key= would "
		    "not take effect (make them the same)",
		    r->m->key, want);
}

unsigned
eg_profile_md_check(const eg_profile *p, eg_pcheck_fn fn, void *ud)
{
	mrep r;
	size_t i, j;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.ud = ud;
	for (i = 0; i < p->nmd; i++) {
		const eg_profile_md *m = &p->md[i];
		eg_layout *l = NULL;
		eg_error e;

		r.m = m;
		eg_error_clear(&e);
		for (j = 0; j < i; j++)
			if (!strcmp(p->md[j].name, m->name))
				err(&r, "a second document named '%s'",
				    m->name);
			else if (!m->pattern || !p->md[j].pattern)
				err(&r, "documents '%s' and '%s' could both "
				    "take a file: give each a pattern=",
				    p->md[j].name, m->name);
		if (eg_layout_load(&l, m->layout, p->layout_xsd,
				   on_layout_problem, &r, &e)) {
			if (e.code != EG_ECONFIG || r.errors == 0)
				err(&r, "layout %s: %s", m->layout, e.msg);
			continue;
		}
		check_key(&r, l);
		if (m->bad_given &&
		    (!strcmp(m->on_bad_row, "reject") ||
		     (!m->on_bad_row[0] &&
		      !eg_layout_batch_of(l)->quarantine_bad_rows)))
			err(&r, "max-bad-percent is given but bad rows reject "
			    "the whole file (on-bad-row=\"reject\"%s): it "
			    "would not take effect; say "
			    "on-bad-row=\"quarantine\" or remove it",
			    m->on_bad_row[0] ? "" : ", the layout's");
		eg_layout_free(l);
	}
	return r.errors;
}
