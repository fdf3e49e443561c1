/*
 * profile_codes.c - a profile's code lists against the codes they
 * translate into.
 *
 * A <codemap> turns the partner's codes into ours, and ours end up in a
 * canonical record whose schema (schemas/canonical.xsd) restricts them: a
 * unit is an X12 355 code of two characters, a weight unit one of KG LB
 * GR OZ, a purpose one of original change replace cancel.  An ours= value
 * the schema refuses would reject every document that uses it, so
 * `partner check` refuses it first.  The restrictions are read from the
 * schema itself, so the check cannot drift from what records may carry.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/profile.h"
#include "edigate/xml.h"

/* Which canonical type each code list feeds, and how to say it. */
static const struct {
	const char *list, *type, *hint;
} targets[] = {
	{"uom", "uom", "an X12 355 unit code of two capitals or digits: EA, CA, PL"},
	{"weight-unit", "weightUnit", "one of KG LB GR OZ"},
	{"volume-unit", "volumeUnit", "one of CF CI CR"},
	{"length-unit", "lengthUnit", "one of IN FT CM MM MR"},
	{"carrier", "scac", "a SCAC of 2 to 4 capital letters"},
	{"ship-method", "serviceLevel", "an X12 284 service code: ND, 2D, SG"},
	{"purpose", "purpose", "one of original change replace cancel"},
	{"transport-mode", "transportMode",
	 "one of parcel motor ltl truckload air ocean rail intermodal pickup"},
	{"payment-method", "paymentMethod",
	 "one of prepaid prepaid-add collect third-party mixed"},
	{"order-type", "word", "a lower-case word: standard, drop-ship"},
};

static const eg_xml_node *
find_type(const eg_xml *x, const char *name)
{
	const eg_xml_node *k;
	const char *v;

	for (k = eg_xml_first(eg_xml_root(x)); k; k = eg_xml_next(k))
		if (!strcmp(eg_xml_name(k), "simpleType") &&
		    (v = eg_xml_attr(k, "name")) && !strcmp(v, name))
			return k;
	return NULL;
}

/* 1 when v is a value of the simple type t (enumerations, patterns and
 * maximum length of its restriction), 0 when not. */
static int
value_ok(const eg_xml_node *t, const char *v)
{
	const eg_xml_node *r, *k;
	int enums = 0, enum_hit = 0, pats = 0, pat_hit = 0;
	const char *a;

	for (r = eg_xml_first(t); r; r = eg_xml_next(r)) {
		if (strcmp(eg_xml_name(r), "restriction"))
			continue;
		for (k = eg_xml_first(r); k; k = eg_xml_next(k)) {
			const char *n = eg_xml_name(k);

			if (!(a = eg_xml_attr(k, "value")))
				continue;
			if (!strcmp(n, "enumeration")) {
				enums++;
				enum_hit |= !strcmp(a, v);
			} else if (!strcmp(n, "pattern")) {
				pats++;
				pat_hit |= eg_xml_pattern_match(a, v) == 1;
			} else if (!strcmp(n, "maxLength") &&
				   strlen(v) > strtoul(a, NULL, 10)) {
				return 0;
			}
		}
	}
	return (!enums || enum_hit) && (!pats || pat_hit) && v[0];
}

unsigned
eg_profile_check_codes(const eg_profile *p, const char *datadir,
		       eg_pcheck_fn fn, void *ud)
{
	char xsd[PATH_MAX], msg[EG_ERRMSG_MAX + 600];
	eg_xml *x = NULL;
	eg_error e;
	unsigned errors = 0;
	size_t i, j, k;

	if (!datadir || !p->ncodemaps)
		return 0;
	eg_error_clear(&e);
	if ((size_t)snprintf(xsd, sizeof(xsd), "%s/schemas/canonical.xsd",
			     datadir) >= sizeof(xsd) ||
	    eg_xml_load(&x, xsd, NULL, &e)) {
		snprintf(msg, sizeof(msg),
			 "code-list values cannot be checked: %s", e.msg);
		fn(ud, EG_PCHECK_WARNING, msg);
		return 0;
	}
	for (i = 0; i < p->ncodemaps; i++) {
		const eg_profile_codemap *cm = &p->codemaps[i];
		const eg_xml_node *t = NULL;

		for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++)
			if (!strcmp(targets[k].list, cm->name))
				break;
		if (k == sizeof(targets) / sizeof(targets[0]) ||
		    !(t = find_type(x, targets[k].type)))
			continue; /* a list of the maps' own: no canonical type */
		for (j = 0; j <= cm->n; j++) {
			const char *ours = j < cm->n ? cm->ours[j] : cm->dflt;

			if (!ours || value_ok(t, ours))
				continue;
			snprintf(msg, sizeof(msg),
				 "line %ld: code list '%s' translates %s%s%s "
				 "into '%s', which a record cannot carry: ours= "
				 "must be %s (a document using it would be "
				 "rejected)",
				 cm->line, cm->name,
				 j < cm->n ? "'" : "",
				 j < cm->n ? cm->partner[j] : "unlisted codes",
				 j < cm->n ? "'" : "", ours, targets[k].hint);
			fn(ud, EG_PCHECK_ERROR, msg);
			errors++;
		}
	}
	eg_xml_free(x);
	return errors;
}
