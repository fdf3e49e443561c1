/*
 * ledger_query.c - `edigate files` and `edigate show` ask the ledger
 * here (see ledger_query.h): the search over files and each part of one
 * file's story.
 *
 * Every function runs one statement, hands each row to the caller's
 * callback as a struct of borrowed strings and integers, and stops at
 * the first non-zero return of the callback.  A NULL text column reads
 * as "" (eg_col_text); a NULL integer column as EG_LEDGER_NONE.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

/* An integer column that may be NULL. */
static int64_t
col_opt(eg_stmt *q, int i)
{
	return eg_col_null(q, i) ? EG_LEDGER_NONE : eg_col_int(q, i);
}

eg_err
eg_ledger_files_find(eg_ledger *l, const eg_ledger_filter *f,
		     eg_ledger_file_fn fn, void *ud, eg_error *e)
{
	eg_ledger_file_row row;
	eg_stmt *q;
	eg_err rc;
	int r;

	/* a control number is compared as a number for ISA13 and GS06
	 * (partners pad them differently) and as written for ST02 */
	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT id, partner, state, received_at, name, size, sha256, "
	    "COALESCE(summary,''), COALESCE(duplicate_of,''), "
	    "COALESCE(reprocess_of,''), COALESCE(parent_id,'') FROM files f "
	    "WHERE (?1 IS NULL OR partner=?1) AND (?2 IS NULL OR state=?2) "
	    "AND (?3=0 OR received_at>=?3) AND (?4=0 OR received_at<?4) "
	    "AND (?5 IS NULL OR lower(sha256) LIKE lower(?5)||'%') "
	    "AND (?6 IS NULL OR instr(name, ?6)>0) "
	    "AND (?7 IS NULL OR EXISTS (SELECT 1 FROM interchanges i WHERE "
	    "i.file_id=f.id AND ltrim(i.isa13,'0')=ltrim(?7,'0')) OR EXISTS "
	    "(SELECT 1 FROM transactions t WHERE t.file_id=f.id AND "
	    "(ltrim(t.gs06,'0')=ltrim(?7,'0') OR t.st02=?7))) "
	    "AND (?8 IS NULL OR EXISTS (SELECT 1 FROM transactions t WHERE "
	    "t.file_id=f.id AND substr(t.business_key, "
	    "instr(t.business_key,'=')+1)=?8) OR EXISTS (SELECT 1 FROM "
	    "business_keys k WHERE k.file_id=f.id AND k.value=?8)) "
	    "ORDER BY n DESC LIMIT ?9",
	    "tt" "ii" "tttt" "i", f->partner, f->state, f->since, f->until,
	    f->sha256, f->name, f->control, f->key, f->limit);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		row.id = eg_col_text(q, 0);
		row.partner = eg_col_text(q, 1);
		row.state = eg_col_text(q, 2);
		row.received_at = eg_col_int(q, 3);
		row.name = eg_col_text(q, 4);
		row.size = eg_col_int(q, 5);
		row.sha256 = eg_col_text(q, 6);
		row.summary = eg_col_text(q, 7);
		row.duplicate_of = eg_col_text(q, 8);
		row.reprocess_of = eg_col_text(q, 9);
		row.bundle = eg_col_text(q, 10);
		if (fn(ud, &row)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_detail_get(eg_ledger *l, const char *file_id,
			  eg_ledger_detail_fn fn, void *ud, eg_error *e)
{
	eg_ledger_file_detail d;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT id, partner, state, name, size, sha256, source, "
	    "remote_path, received_at, finished_at, summary, duplicate_of, "
	    "reprocess_of, parent_id, archive_path, post_action, resend_of "
	    "FROM files WHERE id=?1",
	    "t", file_id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		d.id = eg_col_text(q, 0);
		d.partner = eg_col_text(q, 1);
		d.state = eg_col_text(q, 2);
		d.name = eg_col_text(q, 3);
		d.size = eg_col_int(q, 4);
		d.sha256 = eg_col_text(q, 5);
		d.source = eg_col_text(q, 6);
		d.remote_path = eg_col_text(q, 7);
		d.received_at = eg_col_int(q, 8);
		d.finished_at = col_opt(q, 9);
		d.summary = eg_col_text(q, 10);
		d.duplicate_of = eg_col_text(q, 11);
		d.reprocess_of = eg_col_text(q, 12);
		d.bundle = eg_col_text(q, 13);
		d.archive_path = eg_col_text(q, 14);
		d.post_action = eg_col_text(q, 15);
		d.resend_of = eg_col_text(q, 16);
		(void)fn(ud, &d);
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_events(eg_ledger *l, const char *file_id,
		      eg_ledger_event_fn fn, void *ud, eg_error *e)
{
	eg_ledger_event ev;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT at, state, note FROM file_events WHERE "
			     "file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		ev.at = eg_col_int(q, 0);
		ev.state = eg_col_text(q, 1);
		ev.note = eg_col_text(q, 2);
		if (fn(ud, &ev)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_interchanges(eg_ledger *l, const char *file_id,
			    eg_ledger_ichg_fn fn, void *ud, eg_error *e)
{
	eg_ledger_ichg i;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT isa13, sender, receiver, status, "
			     "duplicate_of FROM interchanges WHERE file_id=?1 "
			     "ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		i.isa13 = eg_col_text(q, 0);
		i.sender = eg_col_text(q, 1);
		i.receiver = eg_col_text(q, 2);
		i.status = eg_col_text(q, 3);
		i.duplicate_of = eg_col_text(q, 4);
		if (fn(ud, &i)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_transactions(eg_ledger *l, const char *file_id,
			    eg_ledger_txn_fn fn, void *ud, eg_error *e)
{
	eg_ledger_txn t;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT isa13, gs06, st01, st02, status, "
			     "business_key, duplicate_of, records FROM "
			     "transactions WHERE file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		t.isa13 = eg_col_text(q, 0);
		t.gs06 = eg_col_text(q, 1);
		t.st01 = eg_col_text(q, 2);
		t.st02 = eg_col_text(q, 3);
		t.status = eg_col_text(q, 4);
		t.business_key = eg_col_text(q, 5);
		t.duplicate_of = eg_col_text(q, 6);
		t.records = col_opt(q, 7);
		if (fn(ud, &t)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_findings(eg_ledger *l, const char *file_id,
			eg_ledger_finding_fn fn, void *ud, eg_error *e)
{
	eg_ledger_finding f;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT severity, level, rule, code, \"offset\", "
			     "segment, seg_id, element, st02, message, "
			     "segment_text FROM findings WHERE file_id=?1 "
			     "ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		f.severity = eg_col_text(q, 0);
		f.level = eg_col_text(q, 1);
		f.rule = eg_col_text(q, 2);
		f.code = eg_col_text(q, 3);
		f.offset = col_opt(q, 4);
		f.segment = col_opt(q, 5);
		f.seg_id = eg_col_text(q, 6);
		f.element = col_opt(q, 7);
		f.st02 = eg_col_text(q, 8);
		f.message = eg_col_text(q, 9);
		f.segment_text = eg_col_text(q, 10);
		if (fn(ud, &f)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_outputs(eg_ledger *l, const char *file_id,
		       eg_ledger_output_fn fn, void *ud, eg_error *e)
{
	eg_ledger_output o;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT kind, path, control, state FROM outputs "
			     "WHERE file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		o.kind = eg_col_text(q, 0);
		o.path = eg_col_text(q, 1);
		o.control = eg_col_text(q, 2);
		o.state = eg_col_text(q, 3);
		if (fn(ud, &o)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_related(eg_ledger *l, const char *file_id,
		       eg_ledger_related_fn fn, void *ud, eg_error *e)
{
	eg_ledger_related x;
	eg_stmt *q;
	eg_err rc;
	int r;

	/* one statement, the relations in the order of its parts */
	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT id, 1, state FROM files WHERE duplicate_of=?1 "
	    "UNION ALL SELECT DISTINCT file_id, 2, '' FROM transactions "
	    "WHERE duplicate_of=?1 "
	    "UNION ALL SELECT id, 3, state FROM files WHERE reprocess_of=?1 "
	    "UNION ALL SELECT id, 4, state FROM files WHERE parent_id=?1 "
	    "UNION ALL SELECT id, 5, state FROM files WHERE resend_of=?1 "
	    "UNION ALL SELECT r.id, 6, r.state FROM files f JOIN files r ON "
	    "r.id=f.resend_of WHERE f.id=?1",
	    "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		x.file_id = eg_col_text(q, 0);
		x.rel = (eg_ledger_relation)eg_col_int(q, 1);
		x.state = eg_col_text(q, 2);
		if (fn(ud, &x)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_audit(eg_ledger *l, const char *file_id,
		     eg_ledger_audit_fn fn, void *ud, eg_error *e)
{
	eg_ledger_audit_row a;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT at, actor, action, reason, detail FROM "
			     "audit WHERE file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		a.at = eg_col_int(q, 0);
		a.actor = eg_col_text(q, 1);
		a.action = eg_col_text(q, 2);
		a.reason = eg_col_text(q, 3);
		a.detail = eg_col_text(q, 4);
		if (fn(ud, &a)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
