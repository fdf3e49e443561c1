/*
 * requeue.c - support staff acting on files: reprocess, release (with the
 * archived original or corrected bytes) and discard (pipeline.h).
 *
 * A requeued file is a new file of the ledger, received in spool/in and
 * processed by the partner's next run (the commands run it at once): its
 * reprocessOf names the old one, its origin_id the first of the chain, so
 * what the chain delivered is not delivered twice.  A release, or a
 * forced reprocess, goes past the control-number check (dedupe.h): a
 * person decided it is new.  Every action is audited with who, why and
 * what (the corrected file's name and SHA-256 for release --file).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "edigate/ledger_dedupe.h"
#include "pipeline_int.h"
#include "spoolfs.h"


/* Unpack the archived original of a file into dst (fsynced). */
static eg_err
restore_archive(eg_pipeline *pl, const char *archive_rel, const char *dst,
		eg_error *e)
{
	char src[PATH_MAX], buf[1 << 16];
	gzFile gz;
	int fd, n;
	eg_err rc = EG_OK;

	if ((rc = eg_path(src, sizeof(src), e, "%s/%s", eg_pl_opts(pl)->spool,
			   archive_rel)))
		return rc;
	if (!(gz = gzopen(src, "rb")))
		return eg_fail(e, EG_ENOTFOUND, "archive %s: %s", src,
			       strerror(errno));
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		gzclose(gz);
		return eg_fail(e, EG_EIO, "%s: %s", dst, strerror(errno));
	}
	while (!rc && (n = gzread(gz, buf, sizeof(buf))) > 0)
		rc = eg_write_all(fd, buf, (size_t)n, dst, e);
	if (!rc && n < 0)
		rc = eg_fail(e, EG_EIO, "archive %s is damaged", src);
	if (!rc && fsync(fd) != 0)
		rc = eg_fail(e, EG_EIO, "fsync %s: %s", dst, strerror(errno));
	close(fd);
	gzclose(gz);
	return rc;
}

/* Requeue a file: its archived original, or the corrected bytes support
 * staff hand in (fixed, for a release only). */
static eg_err
requeue(eg_pipeline *pl, const eg_pipeline_partner *pp, const char *file_id,
	const char *action, const char *reason, int force, const char *fixed,
	char new_id[32], eg_error *e)
{
	eg_ledger_pl_file row;
	char name[256], sha[EG_SHA256_HEX], origin[32], state[32];
	char archive[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX], detail[600];
	int release = !strcmp(action, "release");
	uint64_t size = 0;
	struct stat sb;
	eg_err rc;
	int found;

	new_id[0] = '\0';
	if ((rc = eg_ledger_pl_file_get(eg_pl_ledger(pl), file_id, &row,
					&found, e)))
		return rc;
	/* another partner's file is not this partner's to requeue */
	if (found && strcmp(row.partner, pp->profile->id) != 0)
		found = 0;
	if (found) {
		snprintf(name, sizeof(name), "%s", row.name);
		snprintf(sha, sizeof(sha), "%s", row.sha256);
		snprintf(origin, sizeof(origin), "%s", row.origin);
		snprintf(state, sizeof(state), "%s", row.state);
		snprintf(archive, sizeof(archive), "%s", row.archive_path);
	}
	if (!found)
		return eg_fail(e, EG_ENOTFOUND, "no file %s of partner %s",
			       file_id, pp->profile->id);
	/* what we send is never run through the inbound pipeline: an
	 * outbound input is corrected at its source and sent again */
	if (!archive[0] && !strcmp(state, "rejected"))
		return eg_fail(e, EG_EINVAL,
			       "file %s has no archived original to run again: "
			       "an outbound input that was not sent is fixed "
			       "where our systems made it and sent again with "
			       "`edigate send` (docs/outbound.md); `quarantine "
			       "discard` clears it",
			       file_id);
	if (release && strcmp(state, "rejected") && strcmp(state, "partial"))
		return eg_fail(e, EG_EINVAL,
			       "file %s is %s, not in quarantine: only a "
			       "rejected or partial file can be released",
			       file_id, state);
	if (!strcmp(state, "received") || !strcmp(state, "processed"))
		return eg_fail(e, EG_EINVAL,
			       "file %s is still being processed (%s); run "
			       "`edigate run` first", file_id, state);
	if (!release && !force &&
	    (!strcmp(state, "accepted") || !strcmp(state, "partial")))
		return eg_fail(e, EG_EINVAL,
			       "file %s was %s: its records went out already; "
			       "use --force to run it again (sets already "
			       "delivered then go out again, as changes)",
			       file_id, state);
	if (!archive[0] && !fixed)
		return eg_fail(e, EG_ENOTFOUND, "file %s has no archived "
						"original", file_id);
	if (fixed && !release)
		return eg_fail(e, EG_EINVAL, "only a release takes corrected "
					     "bytes (--file)");
	eg_pl_set_partner(pl, pp);
	if ((rc = eg_path(tmp, sizeof(tmp), e, "%s/in/%s/.requeue-%s",
			  eg_pl_opts(pl)->spool, pp->profile->id, file_id)) ||
	    (rc = eg_path(dst, sizeof(dst), e, "%s/in/%s", eg_pl_opts(pl)->spool,
			  pp->profile->id)) ||
	    (rc = eg_mkdirs(dst, e)))
		goto out;
	if (fixed) {
		const char *base = strrchr(fixed, '/');

		/* the corrected bytes, named as support staff named them */
		snprintf(name, sizeof(name), "%s", base ? base + 1 : fixed);
		if ((rc = eg_copy_file(fixed, tmp, &size, e)) ||
		    (rc = eg_sha256_file(tmp, sha, e)))
			goto out;
	} else {
		if ((rc = restore_archive(pl, archive, tmp, e)))
			goto out;
		if (stat(tmp, &sb) == 0)
			size = (uint64_t)sb.st_size;
	}
	if ((rc = eg_ledger_begin(eg_pl_ledger(pl), e)))
		goto out;
	rc = eg_pl_insert_file(pl, fixed ? "fixed" : "reprocess", name, size,
			       sha, origin, file_id, new_id, e);
	if (!rc && force)
		rc = eg_ledger_pl_file_forced(eg_pl_ledger(pl), new_id, e);
	/* a person decided: the control-number check does not hold it */
	if (!rc && (release || force))
		rc = eg_ledger_mark_past_dedupe(eg_pl_ledger(pl), new_id, e);
	if (!rc)
		rc = eg_path(dst, sizeof(dst), e, "%s/in/%s/%s", eg_pl_opts(pl)->spool,
			     pp->profile->id, new_id);
	if (!rc && rename(tmp, dst) != 0)
		rc = eg_fail(e, EG_EIO, "rename %s: %s", tmp, strerror(errno));
	snprintf(detail, sizeof(detail), "%s as %s%s%s%s%s%s (was %s)%s",
		 release ? "released" : "reprocessed", new_id,
		 force ? ", forced" : "", fixed ? " with corrected bytes " : "",
		 fixed ? name : "", fixed ? ", sha256 " : "", fixed ? sha : "",
		 state,
		 release || force ? "; past the duplicate check" : "");
	if (!rc)
		rc = eg_ledger_set_state(eg_pl_ledger(pl), file_id,
					 release ? "released" : "reprocessed",
					 detail, e);
	if (!rc)
		rc = eg_ledger_audit_at(eg_pl_ledger(pl), eg_pl_opts(pl)->now,
					 eg_pl_opts(pl)->actor, action, file_id,
				     reason, detail, e);
	if (!rc)
		rc = eg_ledger_commit(eg_pl_ledger(pl), e);
	if (rc)
		eg_ledger_rollback(eg_pl_ledger(pl));
out:
	if (rc) {
		(void)unlink(tmp);
		new_id[0] = '\0';
	}
	eg_pl_set_partner(pl, NULL);
	return rc;
}

eg_err
eg_pipeline_requeue(eg_pipeline *pl, const eg_pipeline_partner *pp,
		    const char *file_id, const char *action,
		    const char *reason, int force, char new_id[32], eg_error *e)
{
	return requeue(pl, pp, file_id, action, reason, force, NULL, new_id,
		       e);
}

eg_err
eg_pipeline_release_fixed(eg_pipeline *pl, const eg_pipeline_partner *pp,
			  const char *file_id, const char *fixed,
			  const char *reason, char new_id[32], eg_error *e)
{
	return requeue(pl, pp, file_id, "release", reason, 0, fixed, new_id,
		       e);
}

eg_err
eg_pipeline_discard(eg_pipeline *pl, const char *file_id, const char *reason,
		    eg_error *e)
{
	char partner[64] = "", state[32] = "", dir[PATH_MAX];
	eg_ledger_pl_file row;
	eg_err rc;
	int found;

	if ((rc = eg_ledger_pl_file_get(eg_pl_ledger(pl), file_id, &row,
					&found, e)))
		return rc;
	if (found) {
		snprintf(partner, sizeof(partner), "%s", row.partner);
		snprintf(state, sizeof(state), "%s", row.state);
	}
	if (!found)
		return eg_fail(e, EG_ENOTFOUND, "no file %s", file_id);
	if (strcmp(state, "rejected") && strcmp(state, "partial"))
		return eg_fail(e, EG_EINVAL,
			       "file %s is %s, not in quarantine", file_id,
			       state);
	if (!reason || !reason[0])
		return eg_fail(e, EG_EINVAL, "a discard needs a reason");
	if ((rc = eg_ledger_begin(eg_pl_ledger(pl), e)))
		return rc;
	rc = eg_ledger_set_state(eg_pl_ledger(pl), file_id, "discarded", reason, e);
	if (!rc)
		rc = eg_ledger_audit_at(eg_pl_ledger(pl), eg_pl_opts(pl)->now,
					 eg_pl_opts(pl)->actor, "discard", file_id,
				     reason, "quarantine removed; the archive "
					     "keeps the original", e);
	if (!rc)
		rc = eg_ledger_commit(eg_pl_ledger(pl), e);
	if (rc) {
		eg_ledger_rollback(eg_pl_ledger(pl));
		return rc;
	}
	/* after the commit: the ledger says discarded, the folder follows */
	if (!eg_path(dir, sizeof(dir), e, "%s/quarantine/%s/%s", eg_pl_opts(pl)->spool,
		     partner, file_id))
		eg_remove_tree(dir);
	return EG_OK;
}
