/*
 * bundle.c - a received zip, tar or gzip: its entries become files of
 * their own (received, processed in a later batch of the same run); a
 * bundle that breaks a limit or cannot be read is quarantined whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "edigate/fsutil.h"
#include "fctx.h"

/* A bundle: its entries become files of their own (received). */
static eg_err
unpack_entry(void *ud, unsigned index, const char *name, const char *path,
	     uint64_t size, eg_error *e)
{
	fctx *fc = ud;
	char sha[EG_SHA256_HEX], id[32], dst[PATH_MAX], remote[PATH_MAX];
	eg_err rc;

	(void)index;
	if ((rc = eg_sha256_file(path, sha, e)) ||
	    (rc = eg_path(remote, sizeof(remote), e, "%s!%s", fc->name, name)))
		return rc;
	rc = eg_pl_new_file(fc->pl, "bundle", remote, name, size, 0, sha,
			    fc->id, NULL, NULL, "none", id, e);
	if (!rc)
		rc = eg_path(dst, sizeof(dst), e, "%s/in/%s/%s",
			     fc->pl->o.spool, fc->p->id, id);
	if (!rc && rename(path, dst) != 0)
		rc = eg_fail(e, EG_EIO, "rename %s: %s", path, strerror(errno));
	if (!rc)
		eg_pl_note(fc->pl, "%s: entry %s is file %s", fc->id, name, id);
	return rc;
}

eg_err
eg_fc_process_bundle(eg_pipeline *pl, fctx *fc, eg_bundle_kind kind,
		     eg_error *e)
{
	eg_unpack_limits lim;
	char dir[PATH_MAX], indir[PATH_MAX];
	eg_error ue;
	eg_err rc;

	memset(&lim, 0, sizeof(lim));
	lim.max_entries = fc->p->max_archive_entries;
	lim.max_ratio = fc->p->max_expansion_ratio;
	lim.max_total = fc->p->max_file_bytes;
	lim.max_depth = (unsigned)fc->p->max_bundle_depth; /* schema: <= 8 */
	if ((rc = eg_path(dir, sizeof(dir), e, "%s.unpack", fc->work)) ||
	    (rc = eg_path(indir, sizeof(indir), e, "%s/in/%s", pl->o.spool,
			  fc->p->id)))
		return rc;
	eg_error_clear(&ue);
	rc = eg_ledger_savepoint(fc->l, "bundle", e);
	if (rc)
		return rc;
	rc = eg_unpack(fc->path, fc->name, dir, &lim, unpack_entry, fc, &ue);
	if (rc && eg_err_severity(rc) == EG_SEV_REJECT) {
		/* a bad bundle: none of its entries go on; quarantine it */
		eg_err r2 = eg_ledger_rollback_to(fc->l, "bundle", e);

		if (r2)
			return r2;
		eg_fc_finding(fc, EG_LVL_FILE, NULL,
			      rc == EG_ELIMIT ? "bundle-limit" : "bundle-bad",
			      "%s", ue.msg);
		fc->file_rejected = 1;
		eg_remove_tree(dir);
		if ((rc = eg_fc_stage_outputs(fc, "rejected", e)))
			return rc;
		rc = eg_ledger_pl_file_final(fc->l, fc->id, "rejected", ue.msg,
					     e);
		if (!rc)
			rc = eg_ledger_set_state(fc->l, fc->id, "processed",
						 "bundle refused", e);
		eg_pl_note(pl, "%s (%s): rejected: %s", fc->id, fc->name,
			   ue.msg);
		return rc;
	}
	if (rc) {
		*e = ue;
		return rc;
	}
	if ((rc = eg_ledger_release(fc->l, "bundle", e)))
		return rc;
	eg_remove_tree(dir);
	if ((rc = eg_fc_stage_outputs(fc, "unpacked", e)))
		return rc;
	rc = eg_ledger_pl_file_final(fc->l, fc->id, "unpacked",
				     eg_bundle_kind_str(kind), e);
	if (!rc)
		rc = eg_ledger_set_state(fc->l, fc->id, "processed",
					 "bundle unpacked", e);
	eg_pl_note(pl, "%s (%s): a %s bundle, unpacked", fc->id, fc->name,
		   eg_bundle_kind_str(kind));
	return rc;
}
