/*
 * profile_syntax.c - which syntaxes a partner profile speaks, and the
 * settings that only take effect in one of them (docs/profiles.md).
 *
 * A partner may speak X12, UN/EDIFACT or both.  Each syntax has its own
 * identity in <identity> (ISA05/06 + GS02/03, or UNB S002/S003) and its
 * own acknowledgement (TA1/997/999, or CONTRL).  A profile that names a
 * syntax's setting without speaking that syntax is refused: the setting
 * would never act, and the profile would promise what nothing does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "edigate/profile.h"

typedef struct sx {
	eg_pcheck_fn fn;
	void *ud;
	unsigned errors;
} sx;

static void
err(sx *r, const char *fmt, ...) EG_PRINTF(2, 3);

static void
err(sx *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->errors++;
	r->fn(r->ud, EG_PCHECK_ERROR, msg);
}

int
eg_profile_speaks(const eg_profile *p, const char *syntax)
{
	size_t i;

	for (i = 0; i < p->ndocs; i++)
		if (!strcmp(p->docs[i].syntax, syntax))
			return 1;
	return 0;
}

/* An EDIFACT document names a message type and directories (0052+0054
 * as "D96A"); an X12 one a three-digit set and six-digit releases. */
static void
check_doc(sx *r, const eg_profile_doc *d)
{
	int edifact = !strcmp(d->syntax, "edifact");
	size_t n = strlen(d->set);

	if (edifact && n != 6)
		err(r, "document %s is EDIFACT: its set= must be a message "
		       "type of six letters (DESADV, ORDERS, ...)",
		    d->set);
	else if (!edifact && n != 3)
		err(r, "document %s is X12: its set= must be a three-digit "
		       "transaction set (856, 850, ...); an EDIFACT message "
		       "needs syntax=\"edifact\"",
		    d->set);
	if (edifact && d->versions[0] >= '0' && d->versions[0] <= '9')
		err(r, "document %s is EDIFACT: its versions= are directories "
		       "such as \"D96A D01B\", not X12 releases",
		    d->set);
	else if (!edifact && !(d->versions[0] >= '0' && d->versions[0] <= '9'))
		err(r, "document %s is X12: its versions= are releases such as "
		       "\"004010\", not EDIFACT directories",
		    d->set);
	if (edifact && d->guide)
		err(r, "document %s: a partner guide for an EDIFACT message is "
		       "not read yet (guide= would not take effect); remove "
		       "it",
		    d->set);
}

unsigned
eg_profile_check_syntaxes(const eg_profile *p, eg_pcheck_fn fn, void *ud)
{
	sx r = {fn, ud, 0};
	int x12 = eg_profile_speaks(p, "x12");
	int edi = eg_profile_speaks(p, "edifact");
	int isa = p->partner_id[0] || p->our_id[0];
	int unb = p->unb_partner_id[0] || p->unb_our_id[0];
	size_t i;

	for (i = 0; i < p->ndocs; i++)
		check_doc(&r, &p->docs[i]);
	/* a partner that only sends CSV or XML (master data, layout
	 * documents) sends no envelope */
	if (!isa && !unb && !p->nmd && !p->nld)
		err(&r, "<identity> names no one: give <partner-isa>, "
			"<our-isa> and <gs> for X12, <partner-unb> and "
			"<our-unb> for EDIFACT (a partner with only "
			"<master-data> or <layout-document> needs none)");
	if (x12 && !(p->partner_id[0] && p->our_id[0] && p->gs_partner[0]))
		err(&r, "the profile lists X12 documents but its <identity> "
			"lacks <partner-isa>, <our-isa> or <gs>: every X12 "
			"file from the partner would be refused");
	if (edi && !(p->unb_partner_id[0] && p->unb_our_id[0]))
		err(&r, "the profile lists EDIFACT documents but its "
			"<identity> lacks <partner-unb> or <our-unb>: every "
			"EDIFACT interchange from the partner would be "
			"refused as from an unknown sender");
	if (isa && !x12)
		err(&r, "<partner-isa>/<our-isa> are given but no document "
			"has syntax=\"x12\": an X12 file would be accepted "
			"with no document to hold; list its documents or "
			"remove the X12 identity");
	if (unb && !edi)
		err(&r, "<partner-unb>/<our-unb> are given but no document "
			"has syntax=\"edifact\": list the EDIFACT messages "
			"or remove the EDIFACT identity");
	for (i = 0; i < p->nack_send; i++) {
		const char *t = p->ack_send[i].type;
		int contrl = !strcmp(t, "CONTRL");

		if (contrl && !edi)
			err(&r, "<send type=\"CONTRL\"> would not take effect: "
				"the profile lists no EDIFACT document");
		else if (!contrl && !x12)
			err(&r, "<send type=\"%s\"> would not take effect: the "
				"profile lists no X12 document (EDIFACT is "
				"answered with CONTRL)",
			    t);
	}
	if (p->contrl_receipt_only && !edi)
		err(&r, "receipt-only=\"true\" would not take effect: the "
			"profile lists no EDIFACT document");
	return r.errors;
}
