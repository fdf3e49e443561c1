/*
 * push.c - stage 4: deliver published acknowledgements to the
 * partner's outbox, a batch at a time: put, sync the transport, then
 * record as sent.  A crash before the record puts the same bytes under
 * the same name again, which counts as delivered.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"

/* Sync the transport, then record the batch's puts (ids[i] 0: skipped)
 * as sent.  A failed sync leaves them published: retried next run. */
static eg_err
mark_sent(eg_pipeline *pl, const int64_t *ids, size_t n, eg_error *e)
{
	size_t i;
	eg_err rc;

	if ((rc = eg_transport_sync(pl->t, e))) {
		if (eg_err_severity(rc) == EG_SEV_ABORT)
			return rc;
		eg_pl_note(pl, "cannot deliver %zu ack(s) (retried next run): %s", n,
		     e->msg);
		eg_pl_count_failure(pl, "cannot deliver acknowledgements: %s",
			      e->msg);
		eg_error_clear(e);
		return EG_OK;
	}
	/* delivered, not yet noted: the partner may take them now */
	eg_pl_crash_point(pl, "after-deliver");
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < n; i++)
		if (ids[i])
			rc = eg_ledger_exec(pl->l, e,
					    "UPDATE outputs SET state='sent' "
					    "WHERE id=?1",
					    "i", ids[i]);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}

/* Acknowledgements published but not yet delivered to the outbox. */
eg_err
eg_pl_push_acks(eg_pipeline *pl, eg_error *e)
{
	eg_stmt *st;
	char src[PATH_MAX];
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, i;
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT o.id FROM outputs o JOIN files f ON "
			     "f.id=o.file_id WHERE f.partner=?1 AND "
			     "o.kind='ack' AND o.state='published' ORDER BY "
			     "o.id",
			     "t", pl->pp->profile->id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(pl->l, st, e)) == 1) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			int64_t *v = realloc(ids, c * sizeof(*v));

			if (!v) {
				r = -1;
				(void)eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			ids = v;
			cap = c;
		}
		ids[n++] = eg_col_int(st, 0);
	}
	eg_ledger_done(st);
	if (r < 0) {
		free(ids);
		return e->code;
	}
	for (i = 0; !rc && i < n; i++) {
		char path[PATH_MAX], name[256];

		rc = eg_ledger_query(pl->l, &st, e,
				     "SELECT path, name FROM outputs WHERE id=?1",
				     "i", ids[i]);
		if (rc)
			break;
		r = eg_ledger_step(pl->l, st, e);
		if (r == 1) {
			snprintf(path, sizeof(path), "%s", eg_col_text(st, 0));
			snprintf(name, sizeof(name), "%s", eg_col_text(st, 1));
		}
		eg_ledger_done(st);
		if (r == 1) {
			rc = eg_pl_spool_path(pl, src, sizeof(src), path, e);
			if (!rc)
				rc = pl->t->ops->put(pl->t, src, name, e);
			if (rc && eg_transport_transient(e)) {
				/* the session is gone: note what went, then
				 * let serve_partner try a new session */
				eg_error fe = *e;
				size_t b = (i / pl->o.batch) * pl->o.batch;

				eg_pl_note(pl, "cannot deliver %s: %s", name, e->msg);
				ids[i] = 0;
				rc = mark_sent(pl, ids + b, i - b + 1, e);
				if (!rc) {
					*e = fe;
					rc = EG_EIO;
				}
				break;
			}
			if (rc && eg_err_severity(rc) != EG_SEV_ABORT) {
				/* this ack only: the others still go; retried
				 * next run */
				eg_pl_note(pl, "cannot deliver %s (retried next run): "
					 "%s",
				     name, e->msg);
				eg_pl_count_failure(pl, "cannot deliver %s: %s", name,
					      e->msg);
				eg_error_clear(e);
				rc = EG_OK;
				ids[i] = 0;
			} else if (!rc) {
				eg_pl_crash_point(pl, "after-push");
				eg_pl_note(pl, "sent %s", name);
			}
		} else {
			ids[i] = 0;
		}
		/* group commit: the batch's puts are made durable, then
		 * recorded; a crash before the commit puts the same bytes
		 * under the same name again, which counts as delivered */
		if (!rc && ((i + 1) % pl->o.batch == 0 || i + 1 == n))
			rc = mark_sent(pl, ids + (i / pl->o.batch) * pl->o.batch,
				       i % pl->o.batch + 1, e);
	}
	free(ids);
	return rc;
}
