/*
 * resend.c - `edigate resend FILE-ID --reason TEXT` (outbound.h): the
 * documents sent for an input, again under new control numbers, when
 * the partner asks for that (it dropped the first as a duplicate, say).
 *
 * The sets are the ones sent, byte for byte; the writer of the syntax
 * renumbers the envelope (outwrite.h).  Like a send, everything is one
 * ledger transaction: a new input row (source "outbound", origin the
 * input resent), its interchange, group and sets recorded with new
 * numbers taken from the partner's sequences (the sets keep their
 * business keys, so acknowledgements and answers are matched to the new
 * document), each document checked by our own validator, staged, made
 * durable, committed, audited; delivered after.  A document that no
 * longer passes our validator stops the resend: nothing is recorded
 * and no number is consumed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_out.h"
#include "edigate/namepat.h"
#include "edigate/outbound.h"
#include "edigate/outwrite.h"
#include "edigate/source.h"
#include "edigate/spool_guard.h"
#include "pipeline_int.h"

#define RESEND_MAX_DOC (64u << 20) /* as a document written by send */
#define RESEND_MAX_DOCS 100000u

typedef struct olddoc {
	int64_t oid;
	char path[PATH_MAX], ctl[16];
} olddoc;

typedef struct rctx {
	eg_pipeline *pl;
	const char *old_id, *new_id;
	olddoc *docs;
	size_t ndocs;
	/* the document being renumbered */
	const char *old_ctl;
	char isa13[16];
	unsigned nth;
	char first[400]; /* the validator's first finding */
} rctx;

static eg_err
collect(void *ud, int64_t oid, const char *file_id, const char *path,
	const char *name, eg_error *e)
{
	rctx *c = ud;
	olddoc *v;

	(void)file_id;
	(void)name;
	if (c->ndocs >= RESEND_MAX_DOCS)
		return eg_fail(e, EG_ELIMIT, "more than %u documents",
			       RESEND_MAX_DOCS);
	if (!(v = realloc(c->docs, (c->ndocs + 1) * sizeof(*v))))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	c->docs = v;
	v = &c->docs[c->ndocs++];
	memset(v, 0, sizeof(*v));
	v->oid = oid;
	snprintf(v->path, sizeof(v->path), "%s", path);
	return EG_OK;
}

/* A set of the document: its new ST02, recorded with the old one's key. */
static eg_err
on_set(void *ud, const char *st01, char *ctl, size_t cap, eg_error *e)
{
	rctx *c = ud;
	uint64_t st;
	eg_err rc;

	if ((rc = eg_ledger_next_control(c->pl->l, c->pl->pp->profile->id,
					 "st", &st, e)))
		return rc;
	snprintf(ctl, cap, "%04llu", (unsigned long long)st);
	return eg_ledger_out_resend_txn(c->pl->l, c->new_id, c->old_id,
					c->old_ctl, c->nth++, st01, ctl,
					c->isa13, e);
}

static void
first_finding(void *ud, const char *msg)
{
	rctx *c = ud;

	if (!c->first[0])
		snprintf(c->first, sizeof(c->first), "%s", msg);
}

/* Element k of the first segment tag (two letters) of an X12 document
 * (GS01, GS08, ST01). */
static void
seg_element(const eg_buf *d, const char *tag, unsigned k, char *dst,
	    size_t cap)
{
	const char *p = d->data, *end = d->data + d->len;
	char de = d->len > 3 ? d->data[3] : '*';
	char term = d->len > 105 ? d->data[105] : '~';
	const char *gs = NULL;

	dst[0] = '\0';
	for (; p && p + 3 < end; p = memchr(p, term, (size_t)(end - p))) {
		while (p < end && (*p == term || *p == '\r' || *p == '\n'))
			p++;
		if (end - p > 3 && p[0] == tag[0] && p[1] == tag[1] && p[2] == de) {
			gs = p;
			break;
		}
	}
	while (gs && k--) {
		gs = memchr(gs, de, (size_t)(end - gs));
		gs = gs ? gs + 1 : NULL;
	}
	if (gs) {
		size_t n = strcspn(gs, (char[]){de, term, '\0'});

		snprintf(dst, cap, "%.*s", (int)n, gs);
	}
}

/* One document of the old input, renumbered, checked, recorded, staged. */
static eg_err
resend_doc(rctx *c, const olddoc *od, unsigned k, eg_error *e)
{
	const eg_profile *p = c->pl->pp->profile;
	const eg_doc_writer_ops *ops = eg_doc_writer_find("x12");
	char src[PATH_MAX], staged[PATH_MAX], abs[PATH_MAX], dst[PATH_MAX];
	char name[EG_NAMEPAT_MAX], set[8], gs01[8], gs08[16];
	char *data = NULL;
	size_t n = 0;
	unsigned errors = 0;
	int unchecked = 0;
	eg_out_env env;
	eg_namepat_vals nv;
	eg_source *vsrc = NULL;
	eg_buf doc;
	eg_err rc;

	memset(&env, 0, sizeof(env));
	eg_out_env_profile(&env, p);
	env.now = c->pl->o.now;
	eg_buf_init(&doc, RESEND_MAX_DOC);
	c->old_ctl = od->ctl;
	c->nth = 0;
	if ((rc = eg_pl_spool_path(c->pl, src, sizeof(src), od->path, e)) ||
	    (rc = eg_file_read_small(src, RESEND_MAX_DOC, &data, &n, e)) ||
	    (rc = eg_ledger_next_control(c->pl->l, p->id, "isa", &env.icn, e)))
		goto out;
	snprintf(c->isa13, sizeof(c->isa13), "%09llu",
		 (unsigned long long)env.icn);
	if ((rc = ops->renumber(data, n, &doc, &env, on_set, c, e)))
		goto out;
	if ((rc = eg_source_new_mem(&vsrc, doc.data, doc.len,
				    "resent document", e)))
		goto out;
	rc = eg_pl_out_validate(c->pl, c->pl->pp, vsrc, first_finding, c,
				&errors, &unchecked, e);
	eg_source_free(vsrc);
	if (rc)
		goto out;
	if (errors || unchecked) {
		rc = eg_fail(e, EG_ESYNTAX,
			     "the renumbered document %s does not pass our "
			     "validator (%s); nothing was resent",
			     od->ctl, unchecked ? "no guide for its sets"
						: c->first);
		goto out;
	}
	seg_element(&doc, "GS", 1, gs01, sizeof(gs01));
	seg_element(&doc, "GS", 8, gs08, sizeof(gs08));
	seg_element(&doc, "ST", 1, set, sizeof(set)); /* {set}, as send */
	{
		char gs06[24];

		snprintf(gs06, sizeof(gs06), "%llu",
			 (unsigned long long)env.icn);
		rc = eg_ledger_sent_unit(c->pl->l, c->new_id, 0, c->isa13,
					 env.sender, env.receiver, gs01, gs06,
					 gs08, (int64_t)env.now, e);
		if (!rc)
			rc = eg_ledger_sent_unit(c->pl->l, c->new_id, 1,
						 c->isa13, env.gs_sender,
						 env.gs_receiver, gs01, gs06,
						 gs08, (int64_t)env.now, e);
	}
	if (rc)
		goto out;
	memset(&nv, 0, sizeof(nv));
	nv.partner = p->id;
	nv.set = set;
	nv.control = c->isa13;
	nv.now = c->pl->o.now;
	if ((rc = eg_namepat_fill(p->out_file_name, &nv, name, sizeof(name),
				  e)) ||
	    (rc = eg_path(staged, sizeof(staged), e, "work/%s.doc-%u",
			  c->new_id, k + 1)) ||
	    (rc = eg_path(dst, sizeof(dst), e, "out/%s/sent/%s", p->id,
			  name)) ||
	    (rc = eg_pl_spool_path(c->pl, abs, sizeof(abs), staged, e)) ||
	    (rc = eg_write_file(abs, doc.data, doc.len, e)))
		goto out;
	rc = eg_ledger_pl_output_add(c->pl->l, c->new_id, "document", staged,
				     dst, name, c->isa13, doc.len,
				     c->pl->o.now, e);
	if (!rc)
		eg_pl_note(c->pl, "%s (ISA13 %s) again as %s (ISA13 %s)",
			   od->path, od->ctl, name, c->isa13);
out:
	free(data);
	eg_buf_free(&doc);
	return rc;
}

eg_err
eg_pipeline_resend(eg_pipeline *pl, const eg_pipeline_partner *pp,
		   const char *file_id, const char *reason, eg_send_result *r,
		   eg_error *e)
{
	rctx c;
	char sha[EG_SHA256_HEX], src[PATH_MAX], name[96], detail[400];
	const eg_pipeline_partner *was = pl->pp;
	size_t i;
	eg_err rc;

	memset(r, 0, sizeof(*r));
	if (!reason || !*reason)
		return eg_fail(e, EG_EINVAL,
			       "a resend needs --reason: the audit log says "
			       "why the partner got new control numbers");
	if ((rc = eg_spool_check_controls(pl->l, pl->o.spool, pp->profile->id,
					  e)))
		return rc;
	memset(&c, 0, sizeof(c));
	c.pl = pl;
	c.old_id = file_id;
	c.new_id = r->id;
	if ((rc = eg_ledger_out_of_file(pl->l, file_id, collect, &c, e)))
		goto out;
	if (!c.ndocs) {
		rc = eg_fail(e, EG_ENOTFOUND,
			     "file %s has no document that was sent (see "
			     "edigate sent list)",
			     file_id);
		goto out;
	}
	for (i = 0; !rc && i < c.ndocs; i++)
		rc = eg_ledger_out_doc_control(pl->l, c.docs[i].oid,
					       c.docs[i].ctl, e);
	if (!rc)
		rc = eg_pl_spool_path(pl, src, sizeof(src), c.docs[0].path, e);
	if (!rc)
		rc = eg_sha256_file(src, sha, e);
	if (rc)
		goto out;
	pl->pp = pp;
	snprintf(name, sizeof(name), "resend-of-%s", file_id);
	if ((rc = eg_ledger_begin(pl->l, e)))
		goto out;
	rc = eg_pl_new_file(pl, "outbound", NULL, name, 0, 0, sha, NULL,
			    file_id, NULL, "none", r->id, e);
	for (i = 0; !rc && i < c.ndocs; i++)
		rc = resend_doc(&c, &c.docs[i], (unsigned)i, e);
	if (!rc) {
		r->documents = (unsigned)c.ndocs;
		snprintf(r->state, sizeof(r->state), "ready");
		snprintf(r->summary, sizeof(r->summary),
			 "%zu document(s) of %s under new control numbers",
			 c.ndocs, file_id);
		snprintf(detail, sizeof(detail), "as %s, %s", r->id,
			 r->summary);
		rc = eg_ledger_pl_file_decided(pl->l, r->id, r->state,
					       r->summary, NULL, e);
	}
	if (!rc)
		rc = eg_ledger_pl_file_sent(pl->l, r->id, r->summary, e);
	if (!rc)
		rc = eg_ledger_set_state(pl->l, r->id, "processed", NULL, e);
	if (!rc)
		rc = eg_ledger_audit(pl->l, pl->o.actor, "resend", file_id,
				     reason, detail, e);
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		eg_pl_crash_point(pl, "out-resend-before-commit");
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else if (eg_ledger_in_tx(pl->l))
		eg_ledger_rollback(pl->l);
	if (!rc)
		rc = eg_pl_publish_all(pl, e);
out:
	free(c.docs);
	pl->pp = was;
	return rc;
}

/* --- quarantine release of an outbound input ---------------------------- */

eg_err
eg_pipeline_release_out(eg_pipeline *pl, const eg_pipeline_partner *pp,
			const char *datadir, const char *file_id,
			const char *fixed, const char *reason,
			eg_send_result *r, eg_error *e)
{
	eg_ledger_pl_file row;
	char input[PATH_MAX], detail[400], partner[64];
	int found = 0, out = 0;
	eg_err rc;

	memset(r, 0, sizeof(*r));
	if (!reason || !*reason)
		return eg_fail(e, EG_EINVAL, "a release needs --reason");
	if ((rc = eg_ledger_out_partner(pl->l, file_id, partner, &out, e)) ||
	    (rc = eg_ledger_pl_file_get(pl->l, file_id, &row, &found, e)))
		return rc;
	if (!out || !found || strcmp(row.partner, pp->profile->id) != 0)
		return eg_fail(e, EG_ENOTFOUND,
			       "no outbound input %s of partner %s", file_id,
			       pp->profile->id);
	if (strcmp(row.state, "rejected") != 0)
		return eg_fail(e, EG_EINVAL,
			       "file %s is %s, not in quarantine: only an "
			       "input that was not sent can be released",
			       file_id, row.state);
	/* the input as it was handed over (kept beside its report), or the
	 * corrected records */
	if (fixed)
		snprintf(input, sizeof(input), "%s", fixed);
	else if ((rc = eg_path(input, sizeof(input), e, "%s/quarantine/%s/%s/%s",
			       pl->o.spool, row.partner, file_id, row.name)))
		return rc;
	if ((rc = eg_pipeline_send(pl, pp, datadir, input, r, e)))
		return rc;
	/* the new input decides; this one leaves the quarantine (a crash
	 * before this commit leaves it there: releasing it again finds its
	 * orders sent, a duplicate) */
	snprintf(detail, sizeof(detail), "released as %s%s%s: %s", r->id,
		 fixed ? " with corrected records " : "", fixed ? fixed : "",
		 r->state);
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	rc = eg_ledger_set_state(pl->l, file_id, "released", detail, e);
	if (!rc)
		rc = eg_ledger_audit(pl->l, pl->o.actor, "release", file_id,
				     reason, detail, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}
