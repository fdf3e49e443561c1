/*
 * ackin.c - keep the acknowledgements a partner sends us (see ackin.h).
 *
 * The file has already been validated like any other (its envelope and
 * the 997/999 guide); this reads its statuses with its syntax's
 * acknowledgement reader (syntax.h read_acks: TA1/997/999, CONTRL) and
 * hands each to the ledger, which matches it to our file.
 */
#include <string.h>

#include "ackin.h"
#include "edigate/ledger_acks.h"
#include "edigate/source.h"

typedef struct actx {
	eg_ledger *l;
	const char *partner, *file_id;
	time_t now;
	eg_ackin_counts *c;
	eg_err rc;
	eg_error err;
} actx;

static void
on_status(void *ud, const eg_ack_status *s)
{
	actx *a = ud;
	eg_ledger_ack row;

	if (a->rc)
		return;
	a->rc = eg_ledger_ack_add(a->l, a->partner, a->file_id, s,
				  (int64_t)a->now, &row, &a->err);
	if (a->rc)
		return;
	a->c->statuses++;
	if (row.sent_file[0])
		a->c->matched++;
	if (row.attention)
		a->c->attention++;
}

eg_err
eg_ackin_store(eg_ledger *l, const eg_syntax_desc *syn, const char *partner,
	       const char *file_id, const char *path, time_t now,
	       eg_ackin_counts *c, eg_error *e)
{
	eg_source *src = NULL;
	unsigned n = 0;
	actx a;
	eg_err rc;

	memset(c, 0, sizeof(*c));
	memset(&a, 0, sizeof(a));
	a.l = l;
	a.partner = partner;
	a.file_id = file_id;
	a.now = now;
	a.c = c;
	if ((rc = eg_source_open_file(&src, path, e)))
		return rc;
	rc = syn->read_acks(src, on_status, &a, &n, e);
	eg_source_free(src);
	if (a.rc) {
		*e = a.err;
		return a.rc;
	}
	/* nothing readable as an acknowledgement: the validation findings
	 * already say why */
	if (rc == EG_ESYNTAX)
		return EG_OK;
	return rc;
}
