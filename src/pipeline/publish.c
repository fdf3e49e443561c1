/*
 * publish.c - stage 3: publish what a committed batch decided.
 *
 * Publishing is a list of renames from spool/work to out/, quarantine/ and
 * archive/ that can be repeated, so a crash after the commit is finished
 * by the next run.  Never over an earlier file's output (spoolfs.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/fsutil.h"
#include "pipeline_int.h"
#include "spoolfs.h"

/* ========================================================================
 * Stage 3: publish what was decided, push acks, clean up the source.
 * ======================================================================== */

static eg_err
publish_file(eg_pipeline *pl, const char *id, eg_error *e)
{
	eg_stmt *st;
	char src[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT staged, path FROM outputs WHERE "
			     "file_id=?1 AND state='staged' ORDER BY id",
			     "t", id);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(pl->l, st, e)) == 1) {
		rc = eg_pl_spool_path(pl, src, sizeof(src), eg_col_text(st, 0), e);
		if (!rc)
			rc = eg_pl_spool_path(pl, dst, sizeof(dst), eg_col_text(st, 1),
					e);
		if (!rc)
			rc = eg_pl_parent_dir(pl, eg_col_text(st, 1), dir, sizeof(dir),
					e);
		if (rc)
			break;
		/* never over an earlier file's output (spoolfs.h); done
		 * already by a run that crashed before its commit is ok */
		if ((rc = eg_publish_new(src, dst, e)))
			break;
	}
	eg_ledger_done(st);
	if (rc)
		return rc;
	eg_pl_crash_point(pl, "after-publish");
	rc = eg_ledger_exec(pl->l, e,
			    "UPDATE outputs SET state='published' WHERE "
			    "file_id=?1 AND state='staged'",
			    "t", id);
	if (!rc)
		rc = eg_ledger_exec(pl->l, e,
				    "UPDATE files SET finished_at=?1 WHERE id=?2",
				    "it", (int64_t)pl->o.now, id);
	if (!rc) {
		eg_stmt *q;

		rc = eg_ledger_query(pl->l, &q, e,
				     "SELECT final_state FROM files WHERE id=?1",
				     "t", id);
		if (!rc && eg_ledger_step(pl->l, q, e) == 1) {
			char fs[32];

			snprintf(fs, sizeof(fs), "%s", eg_col_text(q, 0));
			eg_ledger_done(q);
			rc = eg_ledger_set_state(pl->l, id, fs, NULL, e);
		} else if (!rc) {
			eg_ledger_done(q);
		}
	}
	/* the spool copy is removed by the sweep at the end of the run:
	 * deleting now would make every later create in the run slower
	 * (ext4 skips recently freed inodes) */
	return rc;
}

/* Publish every processed file of the partner (one commit). */
eg_err
eg_pl_publish_all(eg_pipeline *pl, eg_error *e)
{
	eg_stmt *st;
	char (*ids)[32] = NULL;
	size_t n = 0, cap = 0, i;
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT id FROM files WHERE partner=?1 AND "
			     "state='processed' ORDER BY n",
			     "t", pl->pp->profile->id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(pl->l, st, e)) == 1) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			char (*v)[32] = realloc(ids, c * sizeof(*v));

			if (!v) {
				r = -1;
				(void)eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			ids = v;
			cap = c;
		}
		snprintf(ids[n++], 32, "%s", eg_col_text(st, 0));
	}
	eg_ledger_done(st);
	if (r < 0) {
		free(ids);
		return e->code;
	}
	if (n == 0) {
		free(ids);
		return EG_OK;
	}
	rc = eg_ledger_begin(pl->l, e);
	for (i = 0; !rc && i < n; i++)
		rc = publish_file(pl, ids[i], e);
	/* the renames are durable before the commit that says so */
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	free(ids);
	return rc;
}
