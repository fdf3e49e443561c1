/*
 * outdeliver.c - delivery of the documents `edigate send` and `resend`
 * wrote (outbound.h): every published document of a partner put over
 * its transport, and `redeliver`'s exact bytes again.
 *
 * Invariant: a document is recorded as sent only after the transport
 * made it durable.  Puts are deferred by the transport (t->batched),
 * made durable by one sync per batch of DELIVER_BATCH and recorded in
 * one commit; a crash in between leaves them published, and the next
 * delivery puts the same bytes under the same names, which the outbox
 * counts as delivered: the partner never gets a second document.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ledger_out.h"
#include "edigate/outbound.h"
#include "pipeline_int.h"

#define DELIVER_BATCH 256 /* puts made durable by one sync, one commit */

typedef struct queued {
	int64_t oid;
	char file_id[32], name[256];
} queued;

typedef struct dctx {
	eg_pipeline *pl;
	unsigned sent;
	int only_published; /* deliver: skip what is sent; redeliver: all */
	queued *q;          /* put, not yet durable nor recorded */
	size_t nq;
} dctx;

/* Make the batch's puts durable (one sync), then record them as sent
 * (one commit).  A crash in between leaves them published: the next
 * delivery puts the same bytes under the same names, which the outbox
 * counts as delivered. */
static eg_err
flush(dctx *d, eg_error *e)
{
	size_t i;
	eg_err rc;

	if (!d->nq)
		return EG_OK;
	if ((rc = eg_transport_sync(d->pl->t, e)))
		return rc;
	/* delivered, not yet noted: a retry puts the same bytes again */
	eg_pl_crash_point(d->pl, "out-after-deliver");
	if (d->only_published) {
		if ((rc = eg_ledger_begin(d->pl->l, e)))
			return rc;
		for (i = 0; !rc && i < d->nq; i++) {
			rc = eg_ledger_out_delivered(d->pl->l, d->q[i].oid,
						     (int64_t)d->pl->o.now, e);
			if (!rc)
				rc = eg_ledger_set_state(d->pl->l,
							 d->q[i].file_id,
							 "sent", d->q[i].name,
							 e);
		}
		if (!rc)
			rc = eg_ledger_commit(d->pl->l, e);
		else
			eg_ledger_rollback(d->pl->l);
		if (rc)
			return rc;
	}
	for (i = 0; i < d->nq; i++)
		eg_pl_note(d->pl, "sent %s%s", d->q[i].name,
			   d->only_published ? "" : " again");
	d->sent += (unsigned)d->nq;
	d->nq = 0;
	return EG_OK;
}

static eg_err
deliver_one(void *ud, int64_t oid, const char *file_id, const char *path,
	    const char *name, eg_error *e)
{
	dctx *d = ud;
	char src[PATH_MAX];
	double t0 = eg_pl_mono();
	queued *q;
	eg_err rc;

	if (!d->q && !(d->q = calloc(DELIVER_BATCH, sizeof(*d->q))))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if ((rc = eg_pl_spool_path(d->pl, src, sizeof(src), path, e)) ||
	    (rc = d->pl->t->ops->put(d->pl->t, src, name, e)))
		return rc;
	/* the put's own time (its durability comes with the batch's sync) */
	eg_pl_transferred(d->pl, "out", eg_pl_mono() - t0);
	eg_pl_crash_point(d->pl, "out-after-put");
	q = &d->q[d->nq++];
	q->oid = oid;
	snprintf(q->file_id, sizeof(q->file_id), "%s", file_id);
	snprintf(q->name, sizeof(q->name), "%s", name);
	return d->nq == DELIVER_BATCH ? flush(d, e) : EG_OK;
}

/* Every document the walk yields, put and recorded in batches. */
static eg_err
deliver_all(dctx *d, eg_err rc, eg_error *e)
{
	if (!rc)
		rc = flush(d, e);
	free(d->q);
	d->q = NULL;
	return rc;
}

/* Put every published document of the partner (pl->t open). */
eg_err
eg_pl_push_docs(eg_pipeline *pl, unsigned *sent, eg_error *e)
{
	dctx d = {pl, 0, 1, NULL, 0};
	int was = pl->t->batched;
	eg_err rc;

	pl->t->batched = 1; /* flush syncs before it records */
	rc = eg_ledger_out_unsent(pl->l, pl->pp->profile->id, deliver_one, &d,
				  e);
	rc = deliver_all(&d, rc, e);
	pl->t->batched = was;
	if (sent)
		*sent = d.sent;
	return rc;
}

static eg_err
with_transport(eg_pipeline *pl, const eg_pipeline_partner *pp,
	       const char *file_id, const char *reason, unsigned *sent,
	       eg_error *e)
{
	dctx d = {pl, 0, 1, NULL, 0};
	eg_err rc;

	pl->pp = pp;
	if ((rc = eg_transport_open(&pl->t, pp->profile, pl->o.home, pl->o.now,
				    e))) {
		pl->pp = NULL;
		return rc;
	}
	if (!file_id) {
		rc = eg_pl_push_docs(pl, sent, e);
	} else {
		d.only_published = 0;
		pl->t->batched = 1;
		rc = eg_ledger_out_of_file(pl->l, file_id, deliver_one, &d, e);
		rc = deliver_all(&d, rc, e);
		*sent = d.sent;
		if (!rc && !d.sent)
			rc = eg_fail(e, EG_ENOTFOUND,
				     "file %s has no document that was sent "
				     "(see edigate sent list)",
				     file_id);
		if (!rc)
			rc = eg_ledger_audit(pl->l, pl->o.actor, "redeliver",
					     file_id, reason,
					     "the same bytes put again", e);
	}
	pl->t->ops->close(pl->t);
	pl->t = NULL;
	pl->pp = NULL;
	return rc;
}

eg_err
eg_pipeline_deliver(eg_pipeline *pl, const eg_pipeline_partner *pp,
		    unsigned *sent, eg_error *e)
{
	*sent = 0;
	return with_transport(pl, pp, NULL, NULL, sent, e);
}

eg_err
eg_pipeline_redeliver(eg_pipeline *pl, const eg_pipeline_partner *pp,
		      const char *file_id, const char *reason, unsigned *sent,
		      eg_error *e)
{
	*sent = 0;
	if (!reason || !*reason)
		return eg_fail(e, EG_EINVAL,
			       "a redelivery needs --reason: the audit log "
			       "says why the partner got the file again");
	return with_transport(pl, pp, file_id, reason, sent, e);
}
