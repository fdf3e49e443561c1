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
		eg_pl_note(pl,
			   "cannot deliver %zu ack(s) (retried next run): %s",
			   n, e->msg);
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
			rc = eg_ledger_pl_output_sent(pl->l, ids[i], e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}

typedef struct rowlist {
	int64_t *ids;
	size_t n, cap;
} rowlist;

static eg_err
add_row(void *ud, int64_t id, eg_error *e)
{
	rowlist *rl = ud;

	if (rl->n == rl->cap) {
		size_t c = rl->cap ? rl->cap * 2 : 64;
		int64_t *v = realloc(rl->ids, c * sizeof(*v));

		if (!v)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		rl->ids = v;
		rl->cap = c;
	}
	rl->ids[rl->n++] = id;
	return EG_OK;
}

/* Acknowledgements published but not yet delivered to the outbox. */
eg_err
eg_pl_push_acks(eg_pipeline *pl, eg_error *e)
{
	char src[PATH_MAX];
	rowlist rl;
	int64_t *ids;
	size_t n, i;
	eg_err rc;
	int found;

	memset(&rl, 0, sizeof(rl));
	rc = eg_ledger_pl_acks_unsent(pl->l, pl->pp->profile->id, add_row, &rl,
				      e);
	ids = rl.ids;
	n = rl.n;
	if (rc) {
		free(ids);
		return rc;
	}
	for (i = 0; !rc && i < n; i++) {
		char path[PATH_MAX], name[256];

		rc = eg_ledger_pl_output_get(pl->l, ids[i], path, sizeof(path),
					     name, sizeof(name), &found, e);
		if (rc)
			break;
		if (found) {
			double t0 = eg_pl_mono();

			rc = eg_pl_spool_path(pl, src, sizeof(src), path, e);
			if (!rc)
				rc = pl->t->ops->put(pl->t, src, name, e);
			if (!rc)
				eg_pl_transferred(pl, "out", eg_pl_mono() - t0);
			if (rc && eg_transport_transient(e)) {
				/* the session is gone: note what went, then
				 * let serve_partner try a new session */
				eg_error fe = *e;
				size_t b = (i / pl->o.batch) * pl->o.batch;

				eg_pl_note(pl, "cannot deliver %s: %s", name,
					   e->msg);
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
				eg_pl_note(
				    pl,
				    "cannot deliver %s (retried next run): "
				    "%s",
				    name, e->msg);
				eg_pl_count_failure(pl, "cannot deliver %s: %s",
						    name, e->msg);
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
			rc =
			    mark_sent(pl, ids + (i / pl->o.batch) * pl->o.batch,
				      i % pl->o.batch + 1, e);
	}
	free(ids);
	return rc;
}
