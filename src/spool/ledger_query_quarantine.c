/*
 * ledger_query_quarantine.c - what `edigate quarantine` and
 * `edigate reprocess` ask the ledger (see ledger_query.h): the files
 * waiting in quarantine, and whose a file is and in what state.
 *
 * A file waits in quarantine while its state is rejected or partial;
 * release, discard and reprocess move it on (src/pipeline/requeue.c).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

int
eg_ledger_state_in_quarantine(const char *state)
{
	return !strcmp(state, "rejected") || !strcmp(state, "partial");
}

eg_err
eg_ledger_quarantine_list(eg_ledger *l, const char *partner,
			  eg_ledger_quarantined_fn fn, void *ud, eg_error *e)
{
	eg_ledger_quarantined x;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT id, partner, state, name, received_at, "
			     "summary, (SELECT message FROM findings WHERE "
			     "file_id=files.id AND severity='error' ORDER BY "
			     "id LIMIT 1) FROM files WHERE state IN "
			     "('rejected','partial') AND (?1 IS NULL OR "
			     "partner=?1) ORDER BY n",
			     "t", partner);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		x.id = eg_col_text(q, 0);
		x.partner = eg_col_text(q, 1);
		x.state = eg_col_text(q, 2);
		x.name = eg_col_text(q, 3);
		x.received_at = eg_col_int(q, 4);
		x.summary = eg_col_text(q, 5);
		x.first_error = eg_col_text(q, 6);
		if (fn(ud, &x)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_ref_get(eg_ledger *l, const char *file_id,
		       eg_ledger_file_ref *out, int *found, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, state FROM files WHERE id=?1",
			     "t", file_id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		snprintf(out->partner, sizeof(out->partner), "%s",
			 eg_col_text(q, 0));
		snprintf(out->state, sizeof(out->state), "%s",
			 eg_col_text(q, 1));
		*found = 1;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
