/*
 * xml.c - libxml2 adapter.
 *
 * Documents are parsed without network access and without entity
 * expansion (XML_PARSE_NONET, no NOENT), so a profile or guide file can
 * never make edigate fetch or read other files.  Attribute strings are
 * handed out straight from the tree: they live as long as the document.
 */
#include "edigate/xml.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlregexp.h>
#include <libxml/xmlschemas.h>

struct eg_xml {
	xmlDocPtr doc;
	char *path;
};

typedef struct errsink {
	char buf[EG_ERRMSG_MAX];
	size_t len;
	int count;
} errsink;

static void
sink_add(errsink *k, const char *file, int line, const char *msg)
{
	int w;
	size_t n;

	k->count++;
	if (k->count > 4 || k->len >= sizeof(k->buf) - 1)
		return;
	w = snprintf(k->buf + k->len, sizeof(k->buf) - k->len, "%s%s:%d: %s",
		     k->len ? "\n  " : "", file ? file : "?", line, msg);
	if (w > 0)
		k->len += (size_t)w;
	if (k->len >= sizeof(k->buf))
		k->len = sizeof(k->buf) - 1;
	/* libxml2 messages end with a newline: drop it. */
	n = k->len;
	while (n > 0 && (k->buf[n - 1] == '\n' || k->buf[n - 1] == ' '))
		n--;
	k->len = n;
	k->buf[n] = '\0';
}

static void
structured_error(void *ud, const xmlError *err)
{
	sink_add(ud, err->file, err->line, err->message ? err->message : "error");
}

/* libxml2 2.9 and 2.12 differ in constness of the handler argument. */
static void
structured_error_compat(void *ud, xmlErrorPtr err)
{
	structured_error(ud, err);
}

static eg_err
fail_sink(eg_error *e, errsink *k, const char *what, const char *path)
{
	if (k->count > 4)
		return eg_fail(e, EG_ECONFIG, "%s %s:\n  %s\n  (and %d more)",
			       what, path, k->buf, k->count - 4);
	return eg_fail(e, EG_ECONFIG, "%s %s:\n  %s", what, path,
		       k->len ? k->buf : "unknown error");
}

eg_err
eg_xml_load(eg_xml **out, const char *path, const char *xsd, eg_error *e)
{
	errsink sink;
	xmlParserCtxtPtr pctx = NULL;
	xmlSchemaParserCtxtPtr sp = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vc = NULL;
	eg_xml *x = NULL;
	eg_err rc = EG_OK;

	*out = NULL;
	memset(&sink, 0, sizeof(sink));
	x = calloc(1, sizeof(*x));
	if (!x || !(x->path = strdup(path))) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	pctx = xmlNewParserCtxt();
	if (!pctx) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory");
		goto out;
	}
	xmlSetStructuredErrorFunc(&sink, structured_error_compat);
	x->doc = xmlCtxtReadFile(pctx, path, NULL,
				 XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	if (!x->doc) {
		if (sink.count == 0)
			rc = eg_fail(e, EG_ENOTFOUND, "cannot read %s", path);
		else
			rc = fail_sink(e, &sink, "not well-formed XML:", path);
		goto out;
	}
	if (xsd) {
		sp = xmlSchemaNewParserCtxt(xsd);
		schema = sp ? xmlSchemaParse(sp) : NULL;
		if (!schema) {
			rc = fail_sink(e, &sink, "cannot load schema", xsd);
			goto out;
		}
		vc = xmlSchemaNewValidCtxt(schema);
		if (!vc) {
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
			goto out;
		}
		xmlSchemaSetValidStructuredErrors(vc, structured_error_compat,
						  &sink);
		if (xmlSchemaValidateDoc(vc, x->doc) != 0) {
			rc = fail_sink(e, &sink, "schema errors in", path);
			goto out;
		}
	}
	*out = x;
	x = NULL;
out:
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (vc)
		xmlSchemaFreeValidCtxt(vc);
	if (schema)
		xmlSchemaFree(schema);
	if (sp)
		xmlSchemaFreeParserCtxt(sp);
	if (pctx)
		xmlFreeParserCtxt(pctx);
	eg_xml_free(x);
	return rc;
}

void
eg_xml_free(eg_xml *x)
{
	if (!x)
		return;
	if (x->doc)
		xmlFreeDoc(x->doc);
	free(x->path);
	free(x);
}

const eg_xml_node *
eg_xml_root(const eg_xml *x)
{
	return (const eg_xml_node *)xmlDocGetRootElement(x->doc);
}

const char *
eg_xml_name(const eg_xml_node *n)
{
	return (const char *)((const xmlNode *)n)->name;
}

const char *
eg_xml_attr(const eg_xml_node *n, const char *name)
{
	const xmlNode *node = (const xmlNode *)n;
	xmlAttrPtr a;

	for (a = node->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, name) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
		if (strcmp((const char *)a->name, name) == 0)
			return "";
	}
	return NULL;
}

static const xmlNode *
skip_to_element(const xmlNode *c)
{
	while (c && c->type != XML_ELEMENT_NODE)
		c = c->next;
	return c;
}

const eg_xml_node *
eg_xml_first(const eg_xml_node *n)
{
	return (const eg_xml_node *)skip_to_element(((const xmlNode *)n)->children);
}

const eg_xml_node *
eg_xml_next(const eg_xml_node *n)
{
	return (const eg_xml_node *)skip_to_element(((const xmlNode *)n)->next);
}

long
eg_xml_line(const eg_xml_node *n)
{
	return xmlGetLineNo((const xmlNode *)n);
}

const char *
eg_xml_path(const eg_xml *x)
{
	return x->path;
}

int
eg_xml_pattern_match(const char *pattern, const char *value)
{
	xmlRegexpPtr re = xmlRegexpCompile((const xmlChar *)pattern);
	int m;

	if (!re)
		return -1;
	m = xmlRegexpExec(re, (const xmlChar *)value);
	xmlRegFreeRegexp(re);
	return m < 0 ? -1 : m;
}
