/*
 * xml.c - libxml2 adapter.
 *
 * Documents are parsed without network access and without entity
 * expansion (XML_PARSE_NONET, no NOENT, no DTD loading, no HUGE), so a
 * profile, guide or map file can never make edigate fetch or read other
 * files.  Profiles and guides come from partners, so entities are refused
 * outright: the parser stops at the first entity declaration (general or
 * parameter, internal or external) and at the first reference to an
 * entity other than the five predefined ones.  Nothing is ever expanded,
 * which is the hard cap: one entity referenced thousands of times in an
 * attribute used to cost a minute and 400 MiB in schema validation.
 * libxml2 2.9.14 (Debian 12) has no xmlCtxtSetMaxAmplification; where a
 * later one has it, it is set too, as a second net.
 *
 * Attribute strings are handed out straight from the tree: they live as
 * long as the document.
 */
#include "edigate/xml.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
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
	int refused; /* an entity was declared or referenced */
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

/*
 * The entity guard: SAX hooks that stop the parser.  The sink rides in
 * the context's _private slot, which libxml2 leaves to its user.
 */
static void
refuse_entity(void *ctx, const char *what, const xmlChar *name)
{
	xmlParserCtxtPtr c = ctx;
	errsink *k = c->_private;
	char msg[160];

	snprintf(msg, sizeof(msg),
		 "%s '%.40s' refused: entities are not allowed (write the "
		 "text out; &amp; &lt; &gt; &quot; &apos; and &#N; are fine)",
		 what, name ? (const char *)name : "?");
	if (k && !k->refused) {
		k->refused = 1;
		sink_add(k, c->input ? c->input->filename : NULL,
			 c->input ? c->input->line : 0, msg);
	}
	c->wellFormed = 0;
	xmlStopParser(c);
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type,
	       const xmlChar *public_id, const xmlChar *system_id,
	       xmlChar *content)
{
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	refuse_entity(ctx, "entity declaration", name);
}

static void
on_unparsed_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
		 const xmlChar *system_id, const xmlChar *notation)
{
	(void)public_id;
	(void)system_id;
	(void)notation;
	refuse_entity(ctx, "entity declaration", name);
}

/* Predefined entities never reach these: libxml2 answers them itself. */
static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	refuse_entity(ctx, "entity reference", name);
	return NULL;
}

static xmlEntityPtr
on_get_pentity(void *ctx, const xmlChar *name)
{
	refuse_entity(ctx, "parameter entity reference", name);
	return NULL;
}

/* A context for path with the options and the guard set. */
static xmlParserCtxtPtr
guarded_ctxt(const char *path, errsink *sink)
{
	xmlParserCtxtPtr c = xmlCreateFileParserCtxt(path);

	if (!c)
		return NULL;
	/* never NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE */
	xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
#if LIBXML_VERSION >= 21200
	xmlCtxtSetMaxAmplification(c, 5);
#endif
	c->_private = sink;
	c->sax->entityDecl = on_entity_decl;
	c->sax->unparsedEntityDecl = on_unparsed_decl;
	c->sax->getEntity = on_get_entity;
	c->sax->getParameterEntity = on_get_pentity;
	return c;
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
	xmlSetStructuredErrorFunc(&sink, structured_error_compat);
	pctx = guarded_ctxt(path, &sink);
	if (!pctx) {
		rc = eg_fail(e, EG_ENOTFOUND, "cannot read %s", path);
		goto out;
	}
	(void)xmlParseDocument(pctx);
	if (pctx->wellFormed && !sink.refused) {
		x->doc = pctx->myDoc;
		pctx->myDoc = NULL;
	}
	if (!x->doc) {
		if (sink.refused)
			rc = fail_sink(e, &sink, "entities refused in", path);
		else if (sink.count == 0)
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
	if (pctx) {
		if (pctx->myDoc)
			xmlFreeDoc(pctx->myDoc);
		xmlFreeParserCtxt(pctx);
	}
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
