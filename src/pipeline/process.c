/*
 * process.c - stage 2: process every received file of the partner,
 * batch by batch.
 *
 * Each batch is one ledger transaction, each file a savepoint in it: the
 * file is read (read.c) or unpacked (bundle.c), its state decided, its
 * outputs staged (stage.c); the batch's staged files are synced once, the
 * commit records the decisions, then publish.c makes them visible.  A file
 * the environment did not let us finish stays received for the next run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ackin.h"
#include "edigate/fsutil.h"
#include "fctx.h"

void
eg_fc_fail(fctx *fc, eg_err rc, const eg_error *e)
{
	if (!fc->rc) {
		fc->rc = rc;
		if (e)
			fc->err = *e;
	}
}

/* Decide the file's state from what its sets became. */
static const char *
decide(fctx *fc)
{
	if (fc->dup_file)
		return "duplicate";
	if (fc->file_rejected && fc->accepted == 0)
		return "rejected";
	/* acks_in: a TA1-only interchange holds no set but was read */
	if (fc->rejected == 0 && !fc->file_rejected)
		return fc->accepted || fc->acks_in ? "accepted"
		       : fc->duplicates		   ? "duplicate"
						   : "rejected";
	if (fc->accepted == 0)
		return "rejected";
	return strcmp(fc->p->partial, "reject-file") ? "partial" : "rejected";
}

/* The whole file is rejected although some sets were good: take back
 * their records and keys (the profile's reject-file policy). */
static eg_err
reject_all(fctx *fc, eg_error *e)
{
	eg_err rc = eg_fc_rec_truncate(fc, 0, e);

	if (!rc)
		rc = eg_ledger_pl_file_reject_all(fc->l, fc->id, e);
	if (!rc)
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "partial-file-rejected",
			      "%lu set(s) were good, but the profile rejects a "
			      "file when any set fails (partial-files "
			      "reject-file)",
			      fc->accepted);
	fc->rejected += fc->accepted;
	fc->accepted = 0;
	fc->records = 0;
	return rc;
}

/* The partner's TA1/997/999 statuses into the ledger (ackin.h). */
static eg_err
keep_acks_in(fctx *fc, eg_error *e)
{
	eg_ackin_counts c;
	eg_err rc;

	rc = eg_ackin_store(fc->l, fc->syn, fc->p->id, fc->id, fc->path,
			    fc->pl->o.now,
			    &c, e);
	if (rc)
		return rc;
	if (c.attention)
		eg_pl_note(fc->pl,
			   "%s (%s): the partner's acknowledgement rejects "
			   "%u of our document(s) or group(s): see "
			   "`edigate show %s`",
			   fc->id, fc->name, c.attention, fc->id);
	/* an acknowledgement of something we never sent (a wrong group
	 * number, another sender's file): kept, and said */
	if (c.statuses > c.matched)
		eg_pl_note(fc->pl,
			   "%s (%s): %u acknowledgement status(es) match "
			   "nothing we sent this partner (no interchange or "
			   "group of ours with those numbers): kept, see "
			   "`edigate show %s`",
			   fc->id, fc->name, c.statuses - c.matched, fc->id);
	return EG_OK;
}

/* Process one received X12 (or unknown) file inside the open ledger
 * transaction.  Document problems are outcomes; the error return is for
 * the environment only. */
eg_err
eg_fc_process_doc(eg_pipeline *pl, fctx *fc, eg_error *e)
{
	const char *final_state;
	char summary[200];
	eg_err rc = EG_OK;
	struct stat st;

	/* same bytes from this partner before (not our reprocess chain) */
	if ((rc = eg_ledger_pl_same_bytes(fc->l, fc->p->id, fc->sha, fc->origin,
					  fc->id, fc->dup_of, e)))
		return rc;
	fc->dup_file = fc->dup_of[0] != '\0';
	if ((rc = eg_ledger_past_dedupe(fc->l, fc->id, &fc->dd_past, e)))
		return rc;
	if (fstat(fc->seg_fd, &st) != 0)
		return eg_fail(e, EG_EIO, "%s: %s", fc->path, strerror(errno));
	if (eg_fc_over_size(fc)) {
		fc->file_rejected = 1;
	} else if (!(fc->syn = eg_fc_syntax(fc))) {
		unsigned char head[EG_FORMAT_SNIFF];
		ssize_t n = pread(fc->seg_fd, head, sizeof(head), 0);
		const char *enc =
		    n > 0 ? eg_format_encoding_problem(head, (size_t)n) : NULL;

		if (enc)
			eg_fc_finding(fc, EG_LVL_FILE, NULL, "encoding", "%s",
				      enc);
		else
			eg_fc_finding(fc, EG_LVL_FILE, NULL, "not-x12",
				      "the file is %s: X12 and UN/EDIFACT "
				      "interchanges are read, and CSV or XML "
				      "files that the partner's profile names "
				      "a layout for (<layout-document>, "
				      "<master-data>); this one matches none",
				      eg_fc_what_is_it(fc));
		fc->file_rejected = 1;
	} else if (!eg_profile_speaks(fc->p, fc->syn->name)) {
		/* a syntax the partner does not speak: refused by name
		 * (the rule's id predates EDIFACT: "not in a syntax the
		 * partner's profile lists") */
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "not-x12",
			      "the file is %s, and partner %s's profile lists "
			      "no %s document: not read",
			      eg_fc_what_is_it(fc), fc->p->id, fc->syn->name);
		fc->syn = NULL;
		fc->file_rejected = 1;
	} else if ((rc = eg_fc_read(fc, e))) {
		return rc;
	}
	if (fc->resend_of[0] &&
	    (rc = eg_ledger_link_resend(fc->l, fc->id, fc->resend_of, e)))
		return rc;
	if (fc->resend_of[0])
		eg_pl_note(pl, "%s: a corrected resend of %s", fc->id,
			   fc->resend_of);
	final_state = decide(fc);
	if (!strcmp(final_state, "rejected") && fc->accepted > 0 &&
	    (rc = reject_all(fc, e)))
		return rc;
	if (fc->acks_in && strcmp(final_state, "rejected") != 0 &&
	    (rc = keep_acks_in(fc, e)))
		return rc;
	if (fc->dup_file)
		eg_pl_note(pl, "%s: the same bytes as %s: a duplicate", fc->id,
			   fc->dup_of);
	if ((rc = eg_fc_stage_outputs(fc, final_state, e)))
		return rc;
	snprintf(summary, sizeof(summary),
		 "%lu set(s): %lu accepted%s, %lu rejected, %lu duplicate; "
		 "%lu record(s), %u ack(s), %lu finding(s)",
		 fc->accepted + fc->rejected + fc->duplicates, fc->accepted,
		 fc->changed ? " (some as changes)" : "", fc->rejected,
		 fc->duplicates, fc->records, fc->nacks, fc->findings);
	rc = eg_ledger_pl_file_decided(fc->l, fc->id, final_state, summary,
				       fc->dup_file ? fc->dup_of : NULL, e);
	if (!rc)
		rc =
		    eg_ledger_set_state(fc->l, fc->id, "processed", summary, e);
	if (!rc)
		eg_pl_note(pl, "%s (%s): %s: %s", fc->id, fc->name, final_state,
			   summary);
	return rc;
}

static eg_err
process_file(eg_pipeline *pl, const char *id, eg_error *e)
{
	fctx fc;
	eg_ledger_pl_file row;
	eg_bundle_kind kind = EG_BUNDLE_NONE;
	eg_err rc;
	int found;

	memset(&fc, 0, sizeof(fc));
	fc.pl = pl;
	fc.l = pl->l;
	fc.p = pl->pp->profile;
	fc.seg_fd = fc.rec_fd = -1;
	fc.seg_term = '~';
	fc.max_findings = fc.p->max_findings ? (unsigned long)fc.p->max_findings
					     : DEFAULT_MAX_FINDINGS;
	eg_buf_init(&fc.recbuf, REC_FLUSH * 2 + ((size_t)64 << 20));
	snprintf(fc.id, sizeof(fc.id), "%s", id);
	if ((rc = eg_ledger_pl_file_get(pl->l, id, &row, &found, e)))
		return rc;
	if (!found)
		return eg_fail(e, EG_EINTERNAL, "file %s vanished", id);
	snprintf(fc.name, sizeof(fc.name), "%s", row.name);
	snprintf(fc.sha, sizeof(fc.sha), "%s", row.sha256);
	snprintf(fc.origin, sizeof(fc.origin), "%s", row.origin);
	fc.forced = row.forced;
	if ((rc = eg_pl_spool_path(pl, fc.path, sizeof(fc.path), row.spool_path,
				   e)) ||
	    (rc = eg_path(fc.workrel, sizeof(fc.workrel), e, "work/%s", id)) ||
	    (rc =
		 eg_pl_spool_path(pl, fc.work, sizeof(fc.work), fc.workrel, e)))
		return rc;
	/* what a crashed attempt staged was swept at the start of the run,
	 * and is overwritten anyway: every staged file is created O_TRUNC */
	fc.seg_fd = open(fc.path, O_RDONLY | O_CLOEXEC);
	if (fc.seg_fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "spool copy of %s: %s: %s", id, fc.path,
			       strerror(errno));
	if (!rc)
		rc = eg_bundle_detect(fc.path, &kind, e);
	if (!rc) {
		/* a nightly master-data file takes its own way (batch.c),
		 * and so does a CSV or XML document (layoutdoc.c) */
		const eg_profile_md *md =
		    kind == EG_BUNDLE_NONE ? eg_fc_batch_doc(&fc) : NULL;
		const eg_profile_ld *ld = kind == EG_BUNDLE_NONE && !md
					      ? eg_fc_layout_doc(&fc)
					      : NULL;

		rc = kind != EG_BUNDLE_NONE
			 ? eg_fc_process_bundle(pl, &fc, kind, e)
		     : md ? eg_fc_process_batch(pl, &fc, md, e)
		     : ld ? eg_fc_process_layout_doc(pl, &fc, ld, e)
			  : eg_fc_process_doc(pl, &fc, e);
	}
	if (!rc) {
		char fs[32];

		/* counted only (a failed question counts nothing) */
		if (!eg_ledger_pl_final_state(pl->l, id, fs, &found, e)) {
			if (!strcmp(fs, "accepted"))
				pl->c->accepted++;
			else if (!strcmp(fs, "partial"))
				pl->c->partial++;
			else if (!strcmp(fs, "rejected"))
				pl->c->rejected++;
			else if (!strcmp(fs, "duplicate"))
				pl->c->duplicates++;
		}
		pl->c->processed++;
		pl->c->records += fc.records;
		pl->c->acks += fc.nacks;
	}
	if (fc.seg_fd >= 0)
		close(fc.seg_fd);
	if (fc.rec_fd >= 0)
		close(fc.rec_fd);
	eg_mapper_free(fc.mapper);
	eg_dedupe_free(fc.dd);
	if (fc.ack)
		fc.syn->ack->close(fc.ack);
	eg_buf_free(&fc.recbuf);
	return rc;
}

/* A batch was not committed: its files are received again, to be tried
 * next run, and count as failed, not as processed. */
static void
summary_undo(eg_pipeline_counts *c, const eg_pipeline_counts *before)
{
	unsigned long failed = c->failed + (c->processed - before->processed);

	c->processed = before->processed;
	c->accepted = before->accepted;
	c->partial = before->partial;
	c->rejected = before->rejected;
	c->duplicates = before->duplicates;
	c->records = before->records;
	c->acks = before->acks;
	c->failed = failed;
}

/* Process every received file of the partner, batch by batch. */
eg_err
eg_pl_process_all(eg_pipeline *pl, eg_error *e)
{
	int64_t after = 0;
	eg_err rc = EG_OK;

	for (;;) {
		char(*ids)[32] = calloc(pl->o.batch, 32);
		int64_t *ns = calloc(pl->o.batch, sizeof(int64_t));
		/* the counts say what was committed: a batch that does not
		 * commit gives its files back (summary_undo) */
		eg_pipeline_counts before = *pl->c;
		size_t n = 0, i;

		if (!ids || !ns) {
			free(ids);
			free(ns);
			return eg_fail(e, EG_ENOMEM, "out of memory");
		}
		rc = eg_ledger_pl_received(pl->l, pl->pp->profile->id, after,
					   pl->o.batch, ids, ns, &n, e);
		if (rc || n == 0) {
			free(ids);
			free(ns);
			return rc;
		}
		rc = eg_ledger_begin(pl->l, e);
		for (i = 0; !rc && i < n; i++) {
			eg_error fe;
			eg_err frc;

			after = ns[i];
			if ((rc = eg_ledger_savepoint(pl->l, "file", e)))
				break;
			eg_error_clear(&fe);
			frc = process_file(pl, ids[i], &fe);
			if (frc) {
				/* the environment failed for this file: it
				 * stays received and is tried next run */
				rc = eg_ledger_rollback_to(pl->l, "file", e);
				eg_pl_note(
				    pl,
				    "%s: not processed (tried again next "
				    "run): %s",
				    ids[i], fe.msg);
				eg_pl_count_failure(pl, "%s not processed: %s",
						    ids[i], fe.msg);
				/* a full disk makes SQLite undo the whole
				 * transaction, savepoint and all: the file's
				 * error is the cause to report, not the
				 * missing savepoint */
				if (rc ||
				    (eg_err_severity(frc) == EG_SEV_ABORT &&
				     frc != EG_ENOTFOUND)) {
					*e = fe;
					rc = frc;
				}
				continue;
			}
			rc = eg_ledger_release(pl->l, "file", e);
		}
		/* everything the batch staged is durable before the commit
		 * that records the decisions (group commit) */
		if (!rc)
			rc = eg_sync_fs(pl->o.spool, e);
		if (!rc) {
			eg_pl_crash_point(pl, "before-commit");
			rc = eg_ledger_commit(pl->l, e);
		} else {
			eg_ledger_rollback(pl->l);
		}
		free(ids);
		free(ns);
		if (rc) {
			summary_undo(pl->c, &before);
			return rc;
		}
		eg_pl_crash_point(pl, "after-commit");
		if ((rc = eg_pl_publish_all(pl, e)))
			return rc;
	}
}
