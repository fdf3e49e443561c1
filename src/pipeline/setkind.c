/*
 * setkind.c - what an inbound transaction set is to us (see setkind.h).
 *
 * The rule is "nothing accepted that was not processed": a set is
 * accepted only when a guide checked it and a map made its records, or
 * when it makes no record by its nature (an acknowledgement we receive:
 * the syntax's ack_message, 997/999 or CONTRL) or by
 * the profile's word (<document acknowledge-only="true">).
 */
#include <stdio.h>
#include <string.h>

#include "setkind.h"

/* The profile's inbound document for the set, or NULL. */
static const eg_profile_doc *
doc_of(const eg_profile *p, const char *set)
{
	size_t i;

	for (i = 0; i < p->ndocs; i++)
		if (!strcmp(p->docs[i].direction, "in") &&
		    !strcmp(p->docs[i].set, set))
			return &p->docs[i];
	return NULL;
}

eg_err
eg_set_kind_of(const eg_syntax_desc *syn, const eg_profile *p, eg_maps *maps,
	       const eg_x12_ctl *ctl, int no_guide, eg_set_kind *kind,
	       char *why, size_t cap, eg_error *e)
{
	const eg_profile_doc *d = doc_of(p, ctl->st01);
	const eg_map *map = NULL;
	eg_err rc;

	why[0] = '\0';
	*kind = EG_SET_PROCESS;
	if (syn->ack_message(ctl)) {
		*kind = EG_SET_ACK_IN;
		return EG_OK;
	}
	if (d && d->ack_only) {
		*kind = EG_SET_ACK_ONLY;
		return EG_OK;
	}
	if (no_guide) {
		*kind = EG_SET_UNSUPPORTED;
		snprintf(why, cap,
			 "no guide for %s version %s: the set cannot be "
			 "checked, so it is not accepted (add a guide for the "
			 "release, or mark the document acknowledge-only)",
			 ctl->st01, ctl->gs08[0] ? ctl->gs08 : "(none)");
		return EG_OK;
	}
	if (!maps)
		return EG_OK;
	if ((rc = eg_maps_find(maps, ctl->st01, ctl->gs08, &map, e)))
		return rc;
	if (!map) {
		*kind = EG_SET_UNSUPPORTED;
		snprintf(why, cap,
			 "no map for %s %s: no record can be made, so it is "
			 "not accepted (add a map, or mark the document "
			 "acknowledge-only in the profile)",
			 ctl->st01, ctl->gs08);
	}
	return EG_OK;
}

const char *
eg_set_kind_status(eg_set_kind k)
{
	return k == EG_SET_PROCESS ? "accepted" : "ack-only";
}
