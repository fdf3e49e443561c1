/*
 * xml_reader.c - streaming XML documents, one record element at a time
 * (xml_reader.h, docs/xml.md).
 *
 * libxml2's xmlTextReader does the parsing; this module feeds it the
 * file through its own read callback and walks the node events:
 *
 *  - The read callback counts bytes (the file-size limit) and runs a
 *    small scanner over the prolog (everything before the root element):
 *    a DOCTYPE with an internal subset ("<!DOCTYPE x [ ... ]>") is
 *    refused there, before libxml2 parses it.  Entity declarations can
 *    only live in the internal subset (external DTDs are never loaded),
 *    so billion laughs, external entities to files or URLs and parameter
 *    entities never reach the parser, whatever its version.  A DOCTYPE
 *    that only names an external DTD (cXML, BMEcat) is read; the DTD is
 *    not fetched.  The scanner works on raw bytes, which is sound for
 *    every ASCII-compatible encoding; UTF-16 and EBCDIC are refused by
 *    name from the first bytes.
 *  - Options: XML_PARSE_NONET only -- never NOENT, DTDLOAD, DTDATTR,
 *    DTDVALID, XINCLUDE or HUGE, so libxml2's own caps (text 10 MB,
 *    names 50 KB, depth 256) stay on underneath ours.
 *  - Walking: a stack of the open elements (their local names joined by
 *    '/'), the record starts when the stack equals the record path, and
 *    values are captured for the wanted relative paths.  Each value is
 *    numbered by the occurrence of its repeat element (the lines of a
 *    ship confirm).  The reader frees each subtree as it moves on, so
 *    memory is one record's values.
 *  - Errors come from libxml2 through a structured handler (line, column,
 *    message) or from the checks here; the first one ends the file and
 *    is kept, with the element path, as the last error.
 */
#include "edigate/xml_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "edigate/format.h"
#include "xml_int.h"

/* ---- input ---- */

static void
refuse(eg_xmlr *r, const char *fmt, ...) EG_PRINTF(2, 3);
static void
refuse(eg_xmlr *r, const char *fmt, ...)
{
	va_list ap;

	if (r->refused[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->refused, sizeof(r->refused), fmt, ap);
	va_end(ap);
}

static void
scan_prolog(eg_xmlr *r, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && r->ps != P_DONE && !r->refused[0]; i++) {
		unsigned char c = p[i];

		if (c == '\n')
			r->pline++;
		switch (r->ps) {
		case P_TEXT:
			if (c == '<')
				r->ps = P_LT;
			break;
		case P_LT:
			r->ps = c == '?' ? P_PI : c == '!' ? P_BANG : P_DONE;
			r->dashes = 0;
			break;
		case P_BANG:
			if (c == '-') {
				if (++r->dashes == 2) {
					r->ps = P_COMMENT;
					r->dashes = 0;
				}
			} else {
				/* "<!DOCTYPE" (libxml2 checks the word) */
				r->ps = P_DOCTYPE;
				r->quote = 0;
			}
			break;
		case P_COMMENT:
			if (c == '-')
				r->dashes++;
			else if (c == '>' && r->dashes >= 2)
				r->ps = P_TEXT;
			else
				r->dashes = 0;
			break;
		case P_PI:
			if (c == '>' && r->dashes)
				r->ps = P_TEXT;
			r->dashes = c == '?';
			break;
		case P_DOCTYPE:
			if (r->quote) {
				if (c == r->quote)
					r->quote = 0;
			} else if (c == '"' || c == '\'') {
				r->quote = c;
			} else if (c == '[') {
				r->refused_at = r->nread + i;
				r->refused_pos = 1;
				refuse(r, "the document has a DTD internal subset "
				       "(<!DOCTYPE ... [ ... ]>, where entities "
				       "are declared): refused, entities and "
				       "DTDs are not accepted in partner "
				       "documents");
			} else if (c == '>') {
				r->ps = P_TEXT;
			}
			break;
		case P_DONE:
			break;
		}
	}
}

static int
io_read(void *ctx, char *buf, int len)
{
	eg_xmlr *r = ctx;
	ssize_t got;

	if (r->refused[0])
		return -1;
	if (r->mem) {
		size_t n = r->memlen - r->mempos;

		if (n > (size_t)len)
			n = (size_t)len;
		memcpy(buf, r->mem + r->mempos, n);
		r->mempos += n;
		got = (ssize_t)n;
	} else {
		do
			got = read(r->fd, buf, (size_t)len);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			refuse(r, "cannot read the file: %s", strerror(errno));
			return -1;
		}
	}
	/* libxml2 asks for 4 bytes first: judge the encoding on the first
	 * 64 bytes, gathered across reads (or fewer at the end) */
	if (r->first_chunk && got > 0 && r->nhead < sizeof(r->head)) {
		size_t k = sizeof(r->head) - r->nhead;

		if (k > (size_t)got)
			k = (size_t)got;
		memcpy(r->head + r->nhead, buf, k);
		r->nhead += k;
	}
	if (r->first_chunk && (r->nhead >= sizeof(r->head) || got == 0) &&
	    r->nhead > 0) {
		const char *enc = eg_format_encoding_problem(r->head, r->nhead);

		r->first_chunk = 0;
		/* "<?xml" in EBCDIC: libxml2 would read it, nothing else does */
		if (!enc && r->nhead >= 5 &&
		    !memcmp(r->head, "\x4C\x6F\xA7\x94\x93", 5))
			enc = "the file is EBCDIC text, not ASCII/UTF-8; convert "
			      "it first, e.g. iconv -f IBM1141 -t UTF-8 (the code "
			      "page its declaration names)";
		if (enc) {
			r->refused_pos = 1; /* byte 0: the whole file */
			refuse(r, "%s", enc);
			return -1;
		}
	}
	if (r->o.max_bytes && r->nread + (uint64_t)got > r->o.max_bytes) {
		refuse(r, "the file is larger than %llu bytes (limit "
		       "max-file-bytes)", (unsigned long long)r->o.max_bytes);
		return -1;
	}
	scan_prolog(r, (const unsigned char *)buf, (size_t)got);
	r->nread += (uint64_t)got;
	if (r->refused[0])
		return -1;
	return (int)got;
}

static int
io_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* libxml2 2.9 and 2.12 differ in the constness of the argument. */
static void
on_xml_error(void *ud, xmlErrorPtr err)
{
	eg_xmlr *r = ud;
	size_t n;

	if (!err || err->level == XML_ERR_WARNING || r->xerr[0])
		return;
	snprintf(r->xerr, sizeof(r->xerr), "%s",
		 err->message ? err->message : "error");
	n = strlen(r->xerr);
	while (n > 0 && (r->xerr[n - 1] == '\n' || r->xerr[n - 1] == ' '))
		r->xerr[--n] = '\0';
	while (n > 0) /* one line: "...encoding !\nBytes: 0xFC" */
		if (r->xerr[--n] == '\n')
			r->xerr[n] = ' ';
	r->xline = err->line;
	r->xcol = err->int2;
	if (r->xline <= 0 && r->rd) /* errors without a parser context */
		r->xline = xmlTextReaderGetParserLineNumber(r->rd);
	if (r->xline <= 0)
		r->xline = 1;
	r->xschema = err->domain == XML_FROM_SCHEMASV;
}

/* ---- errors ---- */

static const char *
cur_path(const eg_xmlr *r)
{
	return r->depth ? r->path : "";
}

/* Fail the file: the message reads "FILE: line L, column C, byte B,
 * element /a/b/c: WHAT"; the position is kept as the last error. */
static eg_err
fail(eg_xmlr *r, eg_error *e, eg_err code, unsigned long line, int col,
     const char *fmt, ...) EG_PRINTF(6, 7);
static eg_err
fail(eg_xmlr *r, eg_error *e, eg_err code, unsigned long line, int col,
     const char *fmt, ...)
{
	char what[600], colbuf[32] = "", elem[300];
	va_list ap;
	eg_pos pos;
	uint64_t off = r->nread;

	if (r->refused[0] && r->refused_pos)
		off = r->refused_at;
	else if (r->rd && xmlTextReaderByteConsumed(r->rd) > 0)
		off = (uint64_t)xmlTextReaderByteConsumed(r->rd);
	/* our own checks stop at the element; libxml2 parses ahead of the
	 * nodes it hands out, so its errors are near the element */
	if (r->depth)
		snprintf(elem, sizeof(elem), ", %selement /%.280s",
			 r->ahead ? "near " : "", r->path);
	else
		elem[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	memset(&r->where, 0, sizeof(r->where));
	r->where.line = line;
	r->where.record = r->nrec + (r->in_rec ? 1 : 0);
	r->where.offset = off;
	if (r->depth)
		snprintf(r->where.colname, sizeof(r->where.colname), "%s/%.120s",
			 r->ahead ? "near " : "", cur_path(r));
	if (col > 0)
		snprintf(colbuf, sizeof(colbuf), ", column %d", col);
	memset(&pos, 0, sizeof(pos));
	pos.offset = off;
	r->failed = code;
	eg_fail_at(&r->ferr, code, &pos, "%s: line %lu%s, byte %llu%s: %s",
		   r->name, line, colbuf, (unsigned long long)off, elem, what);
	if (e)
		*e = r->ferr;
	return code;
}

static unsigned long
node_line(const eg_xmlr *r)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->rd);
	long l = n ? xmlGetLineNo(n) : -1;

	if (l <= 0)
		l = xmlTextReaderGetParserLineNumber(r->rd);
	return l > 0 ? (unsigned long)l : 0;
}

/* libxml2 (or the read callback) stopped: say why in words. */
static eg_err
fail_parser(eg_xmlr *r, eg_error *e)
{
	r->ahead = 1;
	if (r->nread == 0 && !r->refused[0])
		return fail(r, e, EG_ESYNTAX, 1, 0, "the file is empty");
	if (r->refused[0])
		return fail(r, e, EG_ESYNTAX, r->pline + 1, 0, "%s",
			    r->refused);
	if (r->xschema)
		return fail(r, e, EG_ESYNTAX, (unsigned long)r->xline, r->xcol,
			    "not valid against the schema %s: %s",
			    r->o.xsd ? r->o.xsd : "", r->xerr);
	if (r->xerr[0])
		return fail(r, e, EG_ESYNTAX, (unsigned long)r->xline, r->xcol,
			    "not well-formed XML: %s%s", r->xerr,
			    strstr(r->xerr, "Premature end") ||
				    strstr(r->xerr, "EndTag") ||
				    strstr(r->xerr, "Extra content")
				? " (is the file cut short or damaged?)"
			    : strstr(r->xerr, "Entity '")
				? " (entities are not accepted and DTDs are "
				  "never read: write the text out; &amp; &lt; "
				  "&gt; &quot; &apos; and &#N; are fine)"
			    : strstr(r->xerr, "not proper UTF-8")
				? " (the bytes are not in the encoding the "
				  "XML declaration names -- UTF-8 when it "
				  "names none; is the file Windows-1252 or "
				  "ISO-8859-1?)"
				: "");
	/* with a schema plugged in, some parser errors bypass the reader's
	 * handler; libxml2 still keeps the last one */
	{
		xmlErrorPtr le = xmlGetLastError();

		if (le && le->message && le->level != XML_ERR_WARNING) {
			on_xml_error(r, le);
			if (r->xerr[0])
				return fail_parser(r, e);
		}
	}
	return fail(r, e, EG_ESYNTAX, (unsigned long)
		    xmlTextReaderGetParserLineNumber(r->rd), 0,
		    "the XML reader stopped without saying why");
}

/* ---- opening ---- */

static eg_err
setup_paths(eg_xmlr *r, eg_error *e)
{
	size_t i;
	char why[120];

	if (r->o.npaths > EG_XMLR_MAX_PATHS ||
	    r->o.nrepeats > EG_XMLR_MAX_REPEATS)
		return eg_fail(e, EG_EINVAL, "too many XML paths");
	r->want = calloc(r->o.npaths + 1, sizeof(*r->want));
	r->reps = calloc(r->o.nrepeats + 1, sizeof(*r->reps));
	if (!r->want || !r->reps)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	for (i = 0; i < r->o.npaths; i++) {
		const char *p = r->o.paths[i], *at;
		wpath *w = &r->want[i];

		if (strcmp(p, ".") && eg_xmlr_path_check(p, why, sizeof(why)))
			return eg_fail(e, EG_EINVAL, "XML path '%s' %s", p, why);
		at = strchr(p, '@');
		if (!at) {
			snprintf(w->elem, sizeof(w->elem), "%s", p);
		} else {
			snprintf(w->attr, sizeof(w->attr), "%s", at + 1);
			if (at == p)
				snprintf(w->elem, sizeof(w->elem), ".");
			else
				snprintf(w->elem, sizeof(w->elem), "%.*s",
					 (int)(at - p - 1), p);
		}
	}
	for (i = 0; i < r->o.nrepeats; i++) {
		if (eg_xmlr_path_check(r->o.repeats[i], why, sizeof(why)) ||
		    strchr(r->o.repeats[i], '@'))
			return eg_fail(e, EG_EINVAL, "XML repeat path '%s' is "
				       "not an element path", r->o.repeats[i]);
		snprintf(r->reps[i], sizeof(r->reps[i]), "%s",
			 r->o.repeats[i]);
	}
	r->nwant = r->o.npaths;
	return EG_OK;
}

static eg_err
open_common(eg_xmlr *r, eg_error *e)
{
	eg_err rc;
	size_t i;
	const char *rp = r->o.record ? r->o.record : "";

	if (!r->o.max_depth)
		r->o.max_depth = 64;
	if (!r->o.max_text)
		r->o.max_text = 1024 * 1024;
	if (!r->o.max_attrs)
		r->o.max_attrs = 256;
	if (!r->o.max_values)
		r->o.max_values = 65536;
	if (!r->o.max_record)
		r->o.max_record = 16 * 1024 * 1024;
	if (r->o.max_depth > 1024)
		return eg_fail(e, EG_EINVAL, "max-depth is at most 1024");
	if ((rc = setup_paths(r, e)) != EG_OK)
		return rc;
	snprintf(r->recpath, sizeof(r->recpath), "%s", rp[0] == '/' ? rp + 1 : rp);
	r->reclen = strlen(r->recpath);
	r->rec_depth = r->reclen ? 1 : 0;
	for (i = 0; i < r->reclen; i++)
		r->rec_depth += r->recpath[i] == '/';
	if (!r->reclen)
		r->rec_depth = 1; /* the root; matched by depth alone */
	r->stack = calloc(r->o.max_depth + 2, sizeof(*r->stack));
	r->pathcap = (size_t)(r->o.max_depth + 2) * (NAME_MAX_BYTES + 1) + 1;
	r->path = calloc(1, r->pathcap);
	if (!r->stack || !r->path)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	eg_buf_init(&r->vbuf, r->o.max_record);
	r->first_chunk = 1;
	xmlResetLastError();
	r->rd = xmlReaderForIO(io_read, io_close, r, r->name, NULL,
			       XML_PARSE_NONET);
	if (!r->rd)
		return eg_fail(e, EG_ENOMEM, "cannot start the XML reader");
	xmlTextReaderSetStructuredErrorHandler(r->rd, on_xml_error, r);
	if (r->o.xsd) {
		/* schema load errors go to the global handler */
		xmlSetStructuredErrorFunc(r, on_xml_error);
		i = (size_t)xmlTextReaderSchemaValidate(r->rd, r->o.xsd);
		xmlSetStructuredErrorFunc(NULL, NULL);
		if (i != 0)
			return eg_fail(e, EG_ECONFIG, "cannot load the schema "
				       "%s: %s", r->o.xsd,
				       r->xerr[0] ? r->xerr : "unreadable");
		r->xerr[0] = '\0';
	}
	return EG_OK;
}

static eg_err
alloc_reader(eg_xmlr **out, const char *name, const eg_xmlr_opts *o,
	     eg_error *e)
{
	eg_xmlr *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	r->o = *o;
	r->fd = -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	*out = r;
	return EG_OK;
}

eg_err
eg_xmlr_open(eg_xmlr **out, const char *path, const eg_xmlr_opts *o,
	     eg_error *e)
{
	eg_xmlr *r;
	eg_err rc = alloc_reader(&r, path, o, e);

	*out = NULL;
	if (rc)
		return rc;
	r->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (r->fd < 0) {
		rc = eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			     "cannot open %s: %s", path, strerror(errno));
		eg_xmlr_free(r);
		return rc;
	}
	if ((rc = open_common(r, e)) != EG_OK) {
		eg_xmlr_free(r);
		return rc;
	}
	*out = r;
	return EG_OK;
}

eg_err
eg_xmlr_open_mem(eg_xmlr **out, const void *p, size_t n,
		 const eg_xmlr_opts *o, eg_error *e)
{
	eg_xmlr *r;
	eg_err rc = alloc_reader(&r, "(memory)", o, e);

	*out = NULL;
	if (rc)
		return rc;
	r->mem = p ? p : (const void *)"";
	r->memlen = n;
	if ((rc = open_common(r, e)) != EG_OK) {
		eg_xmlr_free(r);
		return rc;
	}
	*out = r;
	return EG_OK;
}

void
eg_xmlr_free(eg_xmlr *r)
{
	if (!r)
		return;
	if (r->rd)
		xmlFreeTextReader(r->rd);
	if (r->fd > 0)
		close(r->fd);
	free(r->stack);
	free(r->path);
	free(r->want);
	free(r->reps);
	free(r->vals);
	free(r->voff);
	eg_buf_free(&r->vbuf);
	free(r);
}

/* ---- walking ---- */

static const char *
rel_path(const eg_xmlr *r)
{
	if (!r->in_rec)
		return NULL;
	if (r->depth == r->rec_depth)
		return ".";
	return r->path + r->stack[r->rec_depth - 1].plen + 1;
}

static eg_err
add_value(eg_xmlr *r, eg_error *e, size_t want, const level *lv,
	  size_t off, size_t len, unsigned long line)
{
	eg_xmlr_val *v;
	const char *p = r->vbuf.data ? r->vbuf.data + off : "";

	/* XML whitespace around element text is layout, not data */
	while (len > 0 && strchr(" \t\r\n", p[0]))
		p++, off++, len--;
	while (len > 0 && strchr(" \t\r\n", p[len - 1]))
		len--;
	if (r->nvals >= r->o.max_values)
		return fail(r, e, EG_ELIMIT, line, 0, "a record with more "
			    "than %zu values (limit max-values)",
			    r->o.max_values);
	if (r->nvals == r->valcap) {
		size_t nc = r->valcap ? r->valcap * 2 : 64;
		eg_xmlr_val *nv;
		size_t *no;

		if (nc > r->o.max_values)
			nc = r->o.max_values;
		nv = realloc(r->vals, nc * sizeof(*nv));
		if (nv)
			r->vals = nv;
		no = nv ? realloc(r->voff, nc * sizeof(*no)) : NULL;
		if (!nv || !no)
			return fail(r, e, EG_ENOMEM, line, 0, "out of memory");
		r->voff = no;
		r->valcap = nc;
	}
	v = &r->vals[r->nvals];
	r->voff[r->nvals++] = off;
	v->path = want;
	v->occ = lv->occ;
	v->rep = lv->rep;
	v->s.p = NULL;
	v->s.len = len;
	v->line = line;
	return EG_OK;
}

static eg_err
take_attrs(eg_xmlr *r, eg_error *e, const char *rel, const level *lv)
{
	int ok;
	size_t n = 0, i;
	eg_err rc = EG_OK;

	for (ok = xmlTextReaderMoveToFirstAttribute(r->rd); ok == 1 && !rc;
	     ok = xmlTextReaderMoveToNextAttribute(r->rd)) {
		const char *an = (const char *)xmlTextReaderConstLocalName(r->rd);
		const char *av = (const char *)xmlTextReaderConstValue(r->rd);
		size_t alen = av ? strlen(av) : 0;

		if (++n > r->o.max_attrs)
			rc = fail(r, e, EG_ELIMIT, lv->line, 0, "an element "
				  "with more than %zu attributes (limit "
				  "max-attributes)", r->o.max_attrs);
		else if (alen > r->o.max_text)
			rc = fail(r, e, EG_ELIMIT, lv->line, 0, "attribute "
				  "'%.40s' is %zu bytes, over the limit of %zu "
				  "(limit max-text)", an ? an : "?", alen,
				  r->o.max_text);
		if (rc || !rel || !an || xmlTextReaderIsNamespaceDecl(r->rd) == 1)
			continue;
		for (i = 0; i < r->nwant && !rc; i++) {
			size_t off = r->vbuf.len;

			if (!r->want[i].attr[0] || strcmp(r->want[i].attr, an) ||
			    strcmp(r->want[i].elem, rel))
				continue;
			if (eg_buf_add(&r->vbuf, av, alen))
				rc = fail(r, e, EG_ELIMIT, lv->line, 0,
					  "a record with more than %zu bytes "
					  "of values (limit max-record)",
					  r->o.max_record);
			else
				rc = add_value(r, e, i, lv, off, alen, lv->line);
		}
	}
	if (ok < 0 && !rc)
		rc = fail_parser(r, e);
	xmlTextReaderMoveToElement(r->rd);
	return rc;
}

static void
begin_record(eg_xmlr *r, unsigned long line)
{
	size_t i;

	r->in_rec = 1;
	r->nvals = 0;
	eg_buf_reset(&r->vbuf);
	for (i = 0; i < EG_XMLR_MAX_REPEATS; i++)
		r->repcount[i] = 0;
	r->rec_first = line;
	r->maxline = line;
	r->rec_off = r->nread;
	if (xmlTextReaderByteConsumed(r->rd) > 0)
		r->rec_off = (uint64_t)xmlTextReaderByteConsumed(r->rd);
	snprintf(r->rec_xpath, sizeof(r->rec_xpath), "/%s[%llu]", r->path,
		 (unsigned long long)(r->nrec + 1));
}

static eg_err
start_element(eg_xmlr *r, eg_error *e, int *empty)
{
	const char *nm = (const char *)xmlTextReaderConstLocalName(r->rd);
	size_t nl = nm ? strlen(nm) : 0, i;
	unsigned long line = node_line(r);
	level *lv, *up;
	const char *rel;
	eg_err rc;

	*empty = xmlTextReaderIsEmptyElement(r->rd) == 1;
	if (r->depth >= r->o.max_depth)
		return fail(r, e, EG_ELIMIT, line, 0, "elements nested more "
			    "than %u deep (limit max-depth)", r->o.max_depth);
	if (nl == 0 || nl > NAME_MAX_BYTES)
		return fail(r, e, EG_ELIMIT, line, 0, "an element name of %zu "
			    "bytes (at most %d)", nl, NAME_MAX_BYTES);
	up = r->depth ? &r->stack[r->depth - 1] : NULL;
	lv = &r->stack[r->depth];
	memset(lv, 0, sizeof(*lv));
	lv->plen = (up ? up->plen + 1 : 0) + nl;
	if (up)
		r->path[up->plen] = '/';
	memcpy(r->path + (up ? up->plen + 1 : 0), nm, nl);
	r->path[lv->plen] = '\0';
	lv->capture = -1;
	lv->occ = up ? up->occ : -1;
	lv->rep = up ? up->rep : 0;
	lv->line = line;
	if (line > r->maxline)
		r->maxline = line;
	r->depth++;
	if (!r->in_rec && r->depth == r->rec_depth &&
	    (!r->reclen || !strcmp(r->path, r->recpath)))
		begin_record(r, line);
	rel = rel_path(r);
	if (rel) {
		for (i = 0; i < r->o.nrepeats; i++)
			if (!strcmp(r->reps[i], rel)) {
				lv->occ = r->repcount[i]++;
				lv->rep = i;
			}
	}
	/* attributes first: the element's text is captured after them */
	if (xmlTextReaderHasAttributes(r->rd) == 1 &&
	    (rc = take_attrs(r, e, rel, lv)) != EG_OK)
		return rc;
	for (i = 0; rel && i < r->nwant; i++)
		if (!r->want[i].attr[0] && !strcmp(r->want[i].elem, rel)) {
			lv->capture = (int)i;
			lv->cap_off = lv->cap_end = r->vbuf.len;
			break;
		}
	return EG_OK;
}

/* Close the top element; *rec_done when it was the record. */
static eg_err
end_element(eg_xmlr *r, eg_error *e, int *rec_done)
{
	level *lv;
	size_t i;
	eg_err rc = EG_OK;

	*rec_done = 0;
	if (r->depth == 0)
		return EG_OK;
	lv = &r->stack[r->depth - 1];
	if (r->in_rec && lv->capture >= 0) {
		/* the same path twice in a row: more text for the same
		 * value is a new value (repeated elements) */
		rc = add_value(r, e, (size_t)lv->capture, lv, lv->cap_off,
			       lv->cap_end - lv->cap_off, lv->line);
		/* later captures must not run into this text */
	}
	if (!rc && r->in_rec && r->depth == r->rec_depth) {
		r->in_rec = 0;
		/* libxml2 keeps no line for end tags: the record's last line
		 * is that of the last element or text inside it */
		r->rec_last = r->maxline;
		if (r->rec_last < r->rec_first)
			r->rec_last = r->rec_first;
		r->nrec++;
		for (i = 0; i < r->nvals; i++)
			r->vals[i].s.p = r->vbuf.data ? r->vbuf.data + r->voff[i]
						      : "";
		*rec_done = 1;
	}
	r->depth--;
	r->path[r->depth ? r->stack[r->depth - 1].plen : 0] = '\0';
	return rc;
}

static eg_err
take_text(eg_xmlr *r, eg_error *e)
{
	const char *v = (const char *)xmlTextReaderConstValue(r->rd);
	size_t n = v ? strlen(v) : 0;
	level *lv = r->depth ? &r->stack[r->depth - 1] : NULL;

	unsigned long line = node_line(r);

	if (line > r->maxline)
		r->maxline = line;
	if (n > r->o.max_text)
		return fail(r, e, EG_ELIMIT, line, 0, "a text of %zu "
			    "bytes, over the limit of %zu (limit max-text)", n,
			    r->o.max_text);
	/* only the element's own text, before any captured child */
	if (!r->in_rec || !lv || lv->capture < 0 || r->vbuf.len != lv->cap_end)
		return EG_OK;
	if (eg_buf_add(&r->vbuf, v, n))
		return fail(r, e, EG_ELIMIT, node_line(r), 0, "a record with "
			    "more than %zu bytes of values (limit "
			    "max-record)", r->o.max_record);
	lv->cap_end = r->vbuf.len;
	return EG_OK;
}

static eg_err
step(eg_xmlr *r, eg_error *e, int *rec_done)
{
	int type = xmlTextReaderNodeType(r->rd), empty;
	eg_err rc;

	*rec_done = 0;
	switch (type) {
	case XML_READER_TYPE_ELEMENT:
		if ((rc = start_element(r, e, &empty)) != EG_OK)
			return rc;
		return empty ? end_element(r, e, rec_done) : EG_OK;
	case XML_READER_TYPE_END_ELEMENT:
		return end_element(r, e, rec_done);
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		return take_text(r, e);
	case XML_READER_TYPE_ENTITY_REFERENCE:
		return fail(r, e, EG_ESYNTAX, node_line(r), 0, "entity "
			    "reference '&%.40s;' refused: entities are not "
			    "accepted (write the text out; &amp; &lt; &gt; "
			    "&quot; &apos; and &#N; are fine)",
			    (const char *)xmlTextReaderConstName(r->rd));
	default:
		return EG_OK;
	}
}

static eg_err
next_record(eg_xmlr *r, int *got, eg_error *e)
{
	eg_err rc;
	int ret, done;

	*got = 0;
	if (r->failed) {
		*e = r->ferr;
		return r->failed;
	}
	if (r->done)
		return EG_OK;
	for (;;) {
		ret = xmlTextReaderRead(r->rd);
		if (ret < 0 || r->refused[0] || r->xerr[0])
			return fail_parser(r, e);
		if (ret == 0) {
			if (r->nread == 0)
				return fail(r, e, EG_ESYNTAX, 1, 0,
					    "the file is empty");
			if (r->depth || r->ps != P_DONE)
				return fail(r, e, EG_ESYNTAX,
					    (unsigned long)xmlTextReaderGetParserLineNumber(r->rd),
					    0, "the document ends before its "
					    "root element is closed (is the "
					    "file cut short?)");
			if (r->o.xsd && xmlTextReaderIsValid(r->rd) != 1)
				return fail(r, e, EG_ESYNTAX, 0, 0, "not valid "
					    "against the schema %s", r->o.xsd);
			r->done = 1;
			return EG_OK;
		}
		if ((rc = step(r, e, &done)) != EG_OK)
			return rc;
		/* a schema error is reported during the Read that made it */
		if (r->xerr[0])
			return fail_parser(r, e);
		if (done) {
			*got = 1;
			return EG_OK;
		}
	}
}

/* libxml2's plain-text messages ("Unimplemented block at
 * xmlschemas.c") are not errors of the document: dropped. */
static void
no_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* libxml2 reports some errors (encoding conversion) without a parser
 * context, through its global handler, which would print them: while
 * the reader works they come here too. */
eg_err
eg_xmlr_next(eg_xmlr *r, int *got, eg_error *e)
{
	eg_err rc;

	xmlSetStructuredErrorFunc(r, on_xml_error);
	xmlSetGenericErrorFunc(NULL, no_generic);
	rc = next_record(r, got, e);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	return rc;
}
