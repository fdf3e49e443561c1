/*
 * xml_where.c - the XML reader's accessors: the current record's values
 * and position, where a value or the last error is (as the eg_csv_where
 * reject reports share), and the check of a relative path
 * (xml_reader.h).
 */
#include <stdio.h>
#include <string.h>

#include "xml_int.h"

int
eg_xmlr_path_check(const char *p, char *why, size_t whycap)
{
	const char *at = strchr(p, '@');
	size_t i;

	if (!*p || strlen(p) >= 250) {
		snprintf(why, whycap, "is empty or longer than 250 bytes");
		return -1;
	}
	if (p[0] == '/' || strstr(p, "//") || p[strlen(p) - 1] == '/') {
		snprintf(why, whycap, "is not a relative path of element "
			 "names (a/b/c, a/@attr)");
		return -1;
	}
	if (at && ((at != p && at[-1] != '/') || strchr(at, '/') ||
		   strchr(at + 1, '@') || !at[1])) {
		snprintf(why, whycap, "names an attribute only at its end "
			 "(a/b/@attr)");
		return -1;
	}
	for (i = 0; p[i]; i++)
		if (strchr(" \t\r\n[]()*=\"'<>|,", p[i])) {
			snprintf(why, whycap, "has '%c': give element names "
				 "and '/' only (no XPath predicates)", p[i]);
			return -1;
		}
	return 0;
}

/* ---- accessors ---- */

size_t
eg_xmlr_nvalues(const eg_xmlr *r)
{
	return r->nvals;
}

const eg_xmlr_val *
eg_xmlr_value(const eg_xmlr *r, size_t i)
{
	return i < r->nvals ? &r->vals[i] : NULL;
}

long
eg_xmlr_repeat_count(const eg_xmlr *r, size_t i)
{
	return i < EG_XMLR_MAX_REPEATS ? r->repcount[i] : 0;
}

void
eg_xmlr_record_pos(const eg_xmlr *r, uint64_t *first_line,
		   uint64_t *last_line, uint64_t *number, uint64_t *offset)
{
	*first_line = r->rec_first;
	*last_line = r->rec_last;
	*number = r->nrec;
	*offset = r->rec_off;
}

const char *
eg_xmlr_record_path(const eg_xmlr *r)
{
	return r->rec_xpath;
}

static void
printable(const char *p, size_t n, char *dst, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < cap; i++)
		dst[o++] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	if (i < n && o + 4 <= cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

void
eg_xmlr_where_value(const eg_xmlr *r, size_t i, eg_csv_where *w)
{
	memset(w, 0, sizeof(*w));
	w->record = r->nrec;
	w->line = r->rec_first;
	snprintf(w->colname, sizeof(w->colname), "%.127s", r->rec_xpath);
	if (i < r->nvals) {
		const eg_xmlr_val *v = &r->vals[i];
		const char *p = r->o.paths[v->path];
		char tmp[900];

		w->line = v->line;
		if (v->occ >= 0) {
			const char *rp = r->o.repeats[v->rep];

			snprintf(tmp, sizeof(tmp), "%s/%s[%ld]%s", r->rec_xpath,
				 rp, v->occ + 1, p + strlen(rp));
		} else {
			snprintf(tmp, sizeof(tmp), "%s/%s", r->rec_xpath, p);
		}
		snprintf(w->colname, sizeof(w->colname), "%.127s", tmp);
		printable(v->s.p, v->s.len, w->raw, sizeof(w->raw));
	}
}

const eg_csv_where *
eg_xmlr_last_error(const eg_xmlr *r)
{
	return &r->where;
}

uint64_t
eg_xmlr_bytes(const eg_xmlr *r)
{
	return r->nread;
}

uint64_t
eg_xmlr_records(const eg_xmlr *r)
{
	return r->nrec;
}
