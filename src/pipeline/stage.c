/*
 * stage.c - outputs staged in spool/work/ and named in the ledger
 * (table outputs), to be published by publish.c after the batch commits:
 * acknowledgements (or held in the quarantine when addressed to another
 * sender), records, the quarantined original with its reject report, and
 * the compressed archive copy.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/namepat.h"
#include "fctx.h"

/* Record a staged output: where it is in work/ and where it will go. */
eg_err
eg_fc_add_output(fctx *fc, const char *kind, const char *staged,
		 const char *path, const char *name, const char *control,
		 uint64_t size, eg_error *e)
{
	return eg_ledger_pl_output_add(fc->l, fc->id, kind, staged, path, name,
				       control, size, fc->pl->o.now, e);
}

eg_err
eg_fc_next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	fctx *fc = ud;

	(void)kind; /* ISA13 and GS06 share one sequence per partner */
	if (fc->ack_quiet || fc->ichg_t.held) {
		*out = 0; /* not sent: no number used */
		return EG_OK;
	}
	return eg_ledger_next_control(fc->l, fc->p->id, "isa", out, e);
}

/* The partner's outbound file name for an acknowledgement: the profile's
 * <outbound file-name=> pattern with our interchange control number. */
static eg_err
ack_file_name(const fctx *fc, const char *data, size_t len,
	      const char *ack_name, char *dst, size_t cap, eg_error *e)
{
	const char *ctl = strrchr(ack_name, '-');
	char control[16];
	eg_namepat_vals v;

	snprintf(control, sizeof(control), "%.9s", ctl ? ctl + 1 : "0");
	v.partner = fc->p->id;
	v.set = fc->syn->ack->kind(data, len);
	v.control = control;
	v.now = (time_t)fc->pl->o.now;
	return eg_namepat_fill(fc->p->out_file_name, &v, dst, cap, e);
}

/* Is an acknowledgement addressed to this partner (its identity in the
 * file's syntax: our ISA07/ISA08 are the inbound ISA05/ISA06)?  One answering an interchange that claims
 * another sender must not reach this partner's outbox. */
static int
ack_for_partner(const fctx *fc, const char *data, size_t len)
{
	const char *q, *id;

	fc->syn->partner_id(fc->p, &q, &id);
	return fc->syn->ack->addressed_to(data, len, q, id);
}

/* Keep such an acknowledgement beside the quarantined file, for a person
 * to forward to its sender or discard: never delivered. */
static eg_err
hold_ack(fctx *fc, const char *fname, const char *data, size_t len, eg_error *e)
{
	char staged[PATH_MAX], rel[PATH_MAX], final[PATH_MAX];
	eg_err rc;

	fc->held_acks++;
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.ack-%u", fc->workrel,
			  fc->nacks + fc->held_acks)) ||
	    (rc = eg_path(staged, sizeof(staged), e, "%s/%s", fc->pl->o.spool,
			  rel)) ||
	    (rc = eg_path(final, sizeof(final), e,
			  "quarantine/%s/%s/not-sent-%s", fc->p->id, fc->id,
			  fname)) ||
	    (rc = eg_write_file(staged, data, len, e)))
		return rc;
	eg_fc_finding(fc, EG_LVL_FILE, NULL, "ack-not-sent",
		      "an acknowledgement addressed to another sender was not "
		      "sent to this partner: it waits in the quarantine as "
		      "not-sent-%s",
		      fname);
	return eg_fc_add_output(fc, "quarantine", rel, final, fname, NULL, len,
				e);
}

eg_err
eg_fc_emit_ack(void *ud, const char *name, const char *data, size_t len,
	       eg_error *e)
{
	fctx *fc = ud;
	char staged[PATH_MAX], rel[PATH_MAX], final[PATH_MAX], fname[200];
	const char *ctl = strrchr(name, '-');
	char control[16];
	eg_err rc;

	/* "<inbound ISA13>-<our ISA13>.ack.x12": keep our number */
	snprintf(control, sizeof(control), "%.*s", ctl ? 9 : 0,
		 ctl ? ctl + 1 : "");
	if (fc->ack_quiet)
		return EG_OK; /* held, or acknowledged before: not sent */
	if ((rc = ack_file_name(fc, data, len, name, fname, sizeof(fname), e)))
		return rc;
	if (!ack_for_partner(fc, data, len))
		return hold_ack(fc, fname, data, len, e);
	fc->nacks++;
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.ack-%u", fc->workrel,
			  fc->nacks + fc->held_acks)) ||
	    (rc = eg_path(staged, sizeof(staged), e, "%s/%s", fc->pl->o.spool,
			  rel)) ||
	    (rc = eg_path(final, sizeof(final), e, "%s/%s/acks/%s",
			  eg_pl_out_root(fc->pl), fc->p->id, fname)))
		return rc;
	if ((rc = eg_write_file(staged, data, len, e)))
		return rc;
	eg_pl_crash_point(fc->pl, "after-ack");
	if ((rc = eg_fc_add_output(fc,
				   eg_pl_delivers(fc->pl) ? "ack"
							  : "shadow-ack",
				   rel, final, fname,
				   control[0] ? control : NULL, len, e)))
		return rc;
	/* a shadow's acknowledgement is never sent: the interchange is not
	 * acknowledged */
	if (!eg_pl_delivers(fc->pl))
		return EG_OK;
	return eg_ledger_note_ack(fc->l, fc->id, fc->ack_seq,
				  control[0] ? control : "?", e);
}

eg_err
eg_fc_stage_outputs(fctx *fc, const char *final_state, eg_error *e)
{
	char rel[PATH_MAX], path[PATH_MAX], dst[PATH_MAX];
	int quarantine =
	    !strcmp(final_state, "rejected") || !strcmp(final_state, "partial");
	eg_err rc = EG_OK;

	/* records */
	if (fc->records > 0 && eg_fc_rec_len(fc) > 0) {
		if ((rc = eg_fc_rec_flush(fc, e)))
			return rc;
		if ((rc = eg_path(rel, sizeof(rel), e, "%s.records.jsonl",
				  fc->workrel)) ||
		    (rc = eg_path(dst, sizeof(dst), e, "%s/%s/%s.jsonl",
				  eg_pl_out_root(fc->pl), fc->p->id, fc->id)) ||
		    (rc = eg_fc_add_output(fc,
					   eg_pl_delivers(fc->pl)
					       ? "records"
					       : "shadow-records",
					   rel, dst, NULL, NULL,
					   eg_fc_rec_len(fc), e)))
			return rc;
	}
	/* the quarantine holds the original beside its report */
	if (quarantine) {
		if ((rc = eg_fc_write_report(fc, final_state, e)))
			return rc;
		if ((rc = eg_path(rel, sizeof(rel), e, "%s.original",
				  fc->workrel)) ||
		    (rc = eg_pl_spool_path(fc->pl, path, sizeof(path), rel, e)))
			return rc;
		(void)unlink(path);
		if (link(fc->path, path) != 0)
			return eg_fail(e, EG_EIO, "link %s: %s", path,
				       strerror(errno));
		if ((rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/%s",
				  fc->p->id, fc->id, fc->name)) ||
		    (rc = eg_fc_add_output(fc, "quarantine", rel, dst, fc->name,
					   NULL, 0, e)))
			return rc;
	}
	/* the archive: every original, compressed */
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.archive.gz", fc->workrel)) ||
	    (rc = eg_pl_spool_path(fc->pl, path, sizeof(path), rel, e)) ||
	    (rc = eg_gzip_file(fc->path, path, e)) ||
	    (rc = eg_path(dst, sizeof(dst), e, "archive/%s/%s/%s.gz", fc->p->id,
			  fc->pl->month, fc->id)) ||
	    (rc = eg_fc_add_output(fc, "archive", rel, dst, fc->name, NULL, 0,
				   e)))
		return rc;
	/* nothing staged is synced here: process_all syncs the spool once
	 * per batch, before the commit that names these outputs */
	return eg_ledger_pl_file_archive(fc->l, fc->id, dst, e);
}
