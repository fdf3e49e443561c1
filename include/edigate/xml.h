/*
 * xml.h - the libxml2 adapter: load an XML file, validate it against an
 * XSD, and walk its elements.
 *
 * No libxml2 type appears outside src/core/xml.c.  A loaded document owns
 * every node; node pointers and attribute strings live until
 * eg_xml_free().
 */
#ifndef EDIGATE_XML_H
#define EDIGATE_XML_H

#include "edigate/err.h"

typedef struct eg_xml eg_xml;           /* a loaded document */
typedef struct eg_xml_node eg_xml_node; /* an element of it */

/*
 * Load path.  When xsd is not NULL the document is validated against
 * it; every schema error goes into e's message as "file:line: message"
 * lines (the first few) and the call fails with EG_ECONFIG.  A file that
 * is not well-formed fails the same way.
 */
eg_err eg_xml_load(eg_xml **out, const char *path, const char *xsd,
		   eg_error *e) EG_MUST_USE;
void eg_xml_free(eg_xml *x);

const eg_xml_node *eg_xml_root(const eg_xml *x);
/* Element name ("segment"). */
const char *eg_xml_name(const eg_xml_node *n);
/* Attribute value or NULL; the string lives as long as the document. */
const char *eg_xml_attr(const eg_xml_node *n, const char *name);
/* First element child / next element sibling, or NULL. */
const eg_xml_node *eg_xml_first(const eg_xml_node *n);
const eg_xml_node *eg_xml_next(const eg_xml_node *n);
/* Line number in the file, for messages. */
long eg_xml_line(const eg_xml_node *n);
const char *eg_xml_path(const eg_xml *x);
/* Does value match an XSD pattern (the whole value, XML Schema regex
 * syntax)?  1 or 0; -1 when the pattern does not compile. */
int eg_xml_pattern_match(const char *pattern, const char *value);

#endif
