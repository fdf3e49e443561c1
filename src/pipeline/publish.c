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

/* One staged output: renamed to where it goes. */
static eg_err
publish_one(void *ud, const char *staged, const char *path, eg_error *e)
{
	eg_pipeline *pl = ud;
	char src[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	eg_err rc;

	if ((rc = eg_pl_spool_path(pl, src, sizeof(src), staged, e)) ||
	    (rc = eg_pl_spool_path(pl, dst, sizeof(dst), path, e)) ||
	    (rc = eg_pl_parent_dir(pl, path, dir, sizeof(dir), e)))
		return rc;
	/* never over an earlier file's output (spoolfs.h); done already by
	 * a run that crashed before its commit is ok */
	return eg_publish_new(src, dst, e);
}

static eg_err
publish_file(eg_pipeline *pl, const char *id, eg_error *e)
{
	char fs[32];
	int found = 0;
	eg_err rc;

	if ((rc = eg_ledger_pl_staged(pl->l, id, publish_one, pl, e)))
		return rc;
	eg_pl_crash_point(pl, "after-publish");
	rc = eg_ledger_pl_published(pl->l, id, e);
	if (!rc)
		rc = eg_ledger_pl_file_finished(pl->l, id, pl->o.now, e);
	if (!rc)
		rc = eg_ledger_pl_final_state(pl->l, id, fs, &found, e);
	if (!rc && found)
		rc = eg_ledger_set_state(pl->l, id, fs, NULL, e);
	/* the spool copy is removed by the sweep at the end of the run:
	 * deleting now would make every later create in the run slower
	 * (ext4 skips recently freed inodes) */
	return rc;
}

typedef struct idlist {
	char (*ids)[32];
	size_t n, cap;
} idlist;

static eg_err
add_id(void *ud, const char *id, eg_error *e)
{
	idlist *il = ud;

	if (il->n == il->cap) {
		size_t c = il->cap ? il->cap * 2 : 64;
		char(*v)[32] = realloc(il->ids, c * sizeof(*v));

		if (!v)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		il->ids = v;
		il->cap = c;
	}
	snprintf(il->ids[il->n++], 32, "%s", id);
	return EG_OK;
}

/* Publish every processed file of the partner (one commit). */
eg_err
eg_pl_publish_all(eg_pipeline *pl, eg_error *e)
{
	idlist il;
	char(*ids)[32];
	size_t n, i;
	eg_err rc;

	memset(&il, 0, sizeof(il));
	rc = eg_ledger_pl_files_in(pl->l, pl->pp->profile->id, "processed",
				   add_id, &il, e);
	ids = il.ids;
	n = il.n;
	if (rc) {
		free(ids);
		return rc;
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
