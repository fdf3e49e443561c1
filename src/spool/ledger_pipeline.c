/*
 * ledger_pipeline.c - the pipeline's questions and decisions about
 * files, their source clean-up, their outputs and the runs, by name
 * (ledger_pipeline.h).  The SQL lives here, not in the stages.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_pipeline.h"

/* --- files --------------------------------------------------------------- */

eg_err
eg_ledger_pl_file_add(eg_ledger *l, const eg_ledger_new_file *f, char id[32],
		      eg_error *e)
{
	int64_t n;
	eg_err rc;

	rc = eg_ledger_exec(l, e,
			    "INSERT INTO files(id,partner,source,remote_path,"
			    "name,size,mtime,sha256,parent_id,origin_id,"
			    "reprocess_of,state,post_action,received_at,"
			    "spool_path) VALUES('new-'||hex(randomblob(8)),"
			    "?1,?2,?3,?4,?5,?6,?7,?8,'',?9,'received',?10,?11,"
			    "'')",
			    "tttti" "itttt"
			    "i",
			    f->partner, f->source, f->remote_path, f->name,
			    (int64_t)f->size, f->mtime, f->sha256, f->parent,
			    f->reprocess_of, f->post_action, (int64_t)f->now);
	if (rc)
		return rc;
	n = eg_ledger_last_rowid(l);
	snprintf(id, 32, "%s-%06lld", f->day, (long long)n);
	rc = eg_ledger_exec(l, e,
			    "UPDATE files SET id=?1, origin_id=COALESCE(?2,?1),"
			    " spool_path='in/'||partner||'/'||?1 WHERE n=?3",
			    "tti", id, f->origin, n);
	if (!rc)
		rc = eg_ledger_exec(l, e,
				    "INSERT INTO file_events(file_id,at,state,"
				    "note) VALUES(?1,?2,'received',?3)",
				    "tit", id, (int64_t)f->now, f->source);
	return rc;
}

eg_err
eg_ledger_pl_file_get(eg_ledger *l, const char *id, eg_ledger_pl_file *out,
		      int *found, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT partner, name, sha256, origin_id, state, "
			     "COALESCE(final_state,''), spool_path, "
			     "COALESCE(archive_path,''), forced FROM files "
			     "WHERE id=?1",
			     "t", id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		*found = 1;
		snprintf(out->partner, sizeof(out->partner), "%s",
			 eg_col_text(st, 0));
		snprintf(out->name, sizeof(out->name), "%s",
			 eg_col_text(st, 1));
		snprintf(out->sha256, sizeof(out->sha256), "%s",
			 eg_col_text(st, 2));
		snprintf(out->origin, sizeof(out->origin), "%s",
			 eg_col_text(st, 3));
		snprintf(out->state, sizeof(out->state), "%s",
			 eg_col_text(st, 4));
		snprintf(out->final_state, sizeof(out->final_state), "%s",
			 eg_col_text(st, 5));
		snprintf(out->spool_path, sizeof(out->spool_path), "%s",
			 eg_col_text(st, 6));
		snprintf(out->archive_path, sizeof(out->archive_path), "%s",
			 eg_col_text(st, 7));
		out->forced = eg_col_int(st, 8) != 0;
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_final_state(eg_ledger *l, const char *id, char fs[32], int *found,
			 eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	fs[0] = '\0';
	*found = 0;
	rc = eg_ledger_query(
	    l, &q, e, "SELECT final_state FROM files WHERE id=?1", "t", id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		*found = 1;
		snprintf(fs, 32, "%s", eg_col_text(q, 0));
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_taken_before(eg_ledger *l, const char *partner, const char *source,
			  const char *remote_path, uint64_t size, int64_t mtime,
			  int *seen, char sha[65], eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	*seen = 0;
	sha[0] = '\0';
	rc = eg_ledger_query(l, &q, e,
			     "SELECT sha256 FROM files WHERE partner=?1 AND "
			     "remote_path=?2 AND size=?3 AND (mtime=?4 OR "
			     "(?4>100000000000000 AND mtime=?4/1000000000)) "
			     "AND source=?5 AND post_action<>'done' "
			     "ORDER BY n DESC LIMIT 1",
			     "ttiit", partner, remote_path, (int64_t)size,
			     mtime, source);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		*seen = 1;
		snprintf(sha, 65, "%s", eg_col_text(q, 0));
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_same_bytes(eg_ledger *l, const char *partner, const char *sha,
			const char *origin, const char *id, char dup_of[32],
			eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	dup_of[0] = '\0';
	rc = eg_ledger_query(l, &q, e,
			     "SELECT id FROM files WHERE "
			     "partner=?1 AND sha256=?2 AND "
			     "origin_id<>?3 AND n<(SELECT n FROM "
			     "files WHERE id=?4) AND state NOT IN "
			     "('received','discarded','unpacked',"
			     "'duplicate') ORDER BY n LIMIT 1",
			     "tttt", partner, sha, origin, id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1)
		snprintf(dup_of, 32, "%s", eg_col_text(q, 0));
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_received(eg_ledger *l, const char *partner, int64_t after,
		      size_t max, char (*ids)[32], int64_t *ns, size_t *n,
		      eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	*n = 0;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT id, n FROM files WHERE partner=?1 "
			     "AND state='received' AND n>?2 ORDER BY n "
			     "LIMIT ?3",
			     "tii", partner, after, (int64_t)max);
	if (rc)
		return rc;
	while (*n < max && (r = eg_ledger_step(l, st, e)) == 1) {
		snprintf(ids[*n], 32, "%s", eg_col_text(st, 0));
		ns[(*n)++] = eg_col_int(st, 1);
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_files_in(eg_ledger *l, const char *partner, const char *state,
		      eg_ledger_id_fn fn, void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT id FROM files WHERE partner=?1 AND "
			     "state=?2 ORDER BY n",
			     "tt", partner, state);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_text(st, 0), e);
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_file_in_work(eg_ledger *l, const char *id, int received_too,
			  int *yes, eg_error *e)
{
	int64_t n = 1;
	eg_err rc;

	rc = eg_ledger_int(l, &n, 0, e,
			   received_too
			       ? "SELECT count(*) FROM files WHERE id=?1 AND "
				 "state IN ('received','processed')"
			       : "SELECT count(*) FROM files WHERE id=?1 AND "
				 "state='processed'",
			   "t", id);
	*yes = rc || n != 0;
	return rc;
}

eg_err
eg_ledger_pl_file_decided(eg_ledger *l, const char *id, const char *final_state,
			  const char *summary, const char *duplicate_of,
			  eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET final_state=?1, summary=?2, "
			      "duplicate_of=?3, run_id=NULL WHERE id=?4",
			      "tttt", final_state, summary, duplicate_of, id);
}

eg_err
eg_ledger_pl_file_final(eg_ledger *l, const char *id, const char *final_state,
			const char *summary, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET final_state=?1, summary=?2 "
			      "WHERE id=?3",
			      "ttt", final_state, summary, id);
}

eg_err
eg_ledger_pl_file_archive(eg_ledger *l, const char *id,
			  const char *archive_path, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET archive_path=?1 "
			      "WHERE id=?2",
			      "tt", archive_path, id);
}

eg_err
eg_ledger_pl_file_finished(eg_ledger *l, const char *id, time_t now,
			   eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET finished_at=?1 WHERE id=?2",
			      "it", (int64_t)now, id);
}

eg_err
eg_ledger_pl_file_sent(eg_ledger *l, const char *id, const char *summary,
		       eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET spool_path=NULL, "
			      "summary=?1 WHERE id=?2",
			      "tt", summary, id);
}

eg_err
eg_ledger_pl_file_forced(eg_ledger *l, const char *id, eg_error *e)
{
	return eg_ledger_exec(l, e, "UPDATE files SET forced=1 WHERE id=?1",
			      "t", id);
}

eg_err
eg_ledger_pl_file_reject_all(eg_ledger *l, const char *id, eg_error *e)
{
	eg_err rc;

	rc = eg_ledger_exec(l, e,
			    "DELETE FROM ref_lines WHERE txn_id IN "
			    "(SELECT id FROM transactions WHERE "
			    "file_id=?1)",
			    "t", id);
	if (!rc)
		rc = eg_ledger_exec(
		    l, e, "DELETE FROM business_keys WHERE file_id=?1", "t",
		    id);
	if (!rc)
		rc =
		    eg_ledger_exec(l, e,
				   "UPDATE transactions SET status='rejected', "
				   "records=0 WHERE file_id=?1 AND "
				   "status IN ('accepted','change','ack-only')",
				   "t", id);
	return rc;
}

/* --- source clean-up ----------------------------------------------------- */

eg_err
eg_ledger_pl_cleanups(eg_ledger *l, const char *partner, const char *source,
		      eg_ledger_cleanup_fn fn, void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT name, remote_path, size, mtime, id FROM "
			     "files WHERE partner=?1 AND post_action='pending' "
			     "AND state NOT IN ('received','processed') AND "
			     "source=?2 ORDER BY n",
			     "tt", partner, source);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_text(st, 0), eg_col_text(st, 1),
			(uint64_t)eg_col_int(st, 2), eg_col_int(st, 3), e);
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_cleanup_done(eg_ledger *l, const char *partner,
			  const char *remote_path, uint64_t size, int64_t mtime,
			  eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET post_action='done' "
			      "WHERE partner=?1 AND remote_path=?2 "
			      "AND size=?3 AND mtime=?4 AND "
			      "post_action='pending'",
			      "ttii", partner, remote_path, (int64_t)size,
			      mtime);
}

/* --- outputs ------------------------------------------------------------- */

eg_err
eg_ledger_pl_output_add(eg_ledger *l, const char *file_id, const char *kind,
			const char *staged, const char *path, const char *name,
			const char *control, uint64_t size, time_t now,
			eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO outputs(file_id,kind,staged,path,"
			      "name,control,size,state,at) VALUES(?1,?2,?3,?4,"
			      "?5,?6,?7,'staged',?8)",
			      "tttttt" "ii",
			      file_id, kind, staged, path, name, control,
			      (int64_t)size, (int64_t)now);
}

eg_err
eg_ledger_pl_staged(eg_ledger *l, const char *file_id, eg_ledger_output_fn fn,
		    void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT staged, path FROM outputs WHERE "
			     "file_id=?1 AND state='staged' ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_text(st, 0), eg_col_text(st, 1), e);
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_published(eg_ledger *l, const char *file_id, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE outputs SET state='published' WHERE "
			      "file_id=?1 AND state='staged'",
			      "t", file_id);
}

eg_err
eg_ledger_pl_acks_unsent(eg_ledger *l, const char *partner, eg_ledger_row_fn fn,
			 void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT o.id FROM outputs o JOIN files f ON "
			     "f.id=o.file_id WHERE f.partner=?1 AND "
			     "o.kind='ack' AND o.state='published' ORDER BY "
			     "o.id",
			     "t", partner);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_int(st, 0), e);
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_output_get(eg_ledger *l, int64_t id, char *path, size_t pcap,
			char *name, size_t ncap, int *found, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	*found = 0;
	rc = eg_ledger_query(
	    l, &st, e, "SELECT path, name FROM outputs WHERE id=?1", "i", id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		*found = 1;
		snprintf(path, pcap, "%s", eg_col_text(st, 0));
		snprintf(name, ncap, "%s", eg_col_text(st, 1));
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_output_sent(eg_ledger *l, int64_t id, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE outputs SET state='sent' "
			      "WHERE id=?1",
			      "i", id);
}

/* --- runs ---------------------------------------------------------------- */

/* The next commits wait for the disk (synchronous=FULL, the ledger's
 * setting) or not (NORMAL: WAL mode keeps them in order; see
 * ledger_pipeline.h for why only run bookkeeping uses it). */
static eg_err
durable(eg_ledger *l, int on, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      on ? "PRAGMA synchronous=FULL"
				 : "PRAGMA synchronous=NORMAL",
			      "");
}

eg_err
eg_ledger_pl_run_start(eg_ledger *l, const char *partner, time_t now,
		       int64_t *run_id, eg_error *e)
{
	eg_err rc;

	*run_id = 0;
	if ((rc = durable(l, 0, e)))
		return rc;
	rc = eg_ledger_begin(l, e);
	if (!rc)
		rc = eg_ledger_exec(l, e,
				    "UPDATE runs SET status='crashed' WHERE "
				    "partner=?1 AND status='running'",
				    "t", partner);
	if (!rc)
		rc = eg_ledger_exec(l, e,
				    "INSERT INTO runs(partner,started,status) "
				    "VALUES(?1,?2,'running')",
				    "ti", partner, (int64_t)now);
	if (!rc)
		*run_id = eg_ledger_last_rowid(l);
	if (!rc)
		rc = eg_ledger_commit(l, e);
	else if (eg_ledger_in_tx(l))
		eg_ledger_rollback(l);
	if (rc) {
		eg_error ignored;

		eg_error_clear(&ignored);
		(void)durable(l, 1, &ignored);
		return rc;
	}
	return durable(l, 1, e);
}

eg_err
eg_ledger_pl_run_end(eg_ledger *l, int64_t run_id, const char *status,
		     const eg_ledger_run_counts *c, const char *msg, int idle,
		     eg_error *e)
{
	eg_err rc;

	if (idle && (rc = durable(l, 0, e)))
		return rc;
	rc = eg_ledger_exec(l, e,
			    "UPDATE runs SET finished=strftime('%s','now'), "
			    "status=?1, files=?2, accepted=?3, partial=?4, "
			    "rejected=?5, duplicates=?6, failed=?7, "
			    "waiting=?8, message=?9 WHERE id=?10",
			    "tiiii" "iiiti",
			    status, c->files, c->accepted, c->partial,
			    c->rejected, c->duplicates, c->failed, c->waiting,
			    msg, run_id);
	if (idle) {
		eg_error ignored;

		eg_error_clear(&ignored);
		if (durable(l, 1, rc ? &ignored : e) && !rc)
			rc = e->code;
	}
	return rc;
}
