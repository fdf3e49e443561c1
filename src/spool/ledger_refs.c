/*
 * ledger_refs.c - named questions of ledger.h that the pipeline asks
 * through the public statement API: the reference store the business
 * rules read (documents and keys seen before), and the clean-ups a
 * partner's server refused run after run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ledger.h"

static void
copy_col(char *dst, size_t cap, eg_stmt *st, int i)
{
	snprintf(dst, cap, "%s", eg_col_text(st, i));
}

static eg_err
ledger_find(void *ud, const char *partner, const char *set, const char *key,
	    const char *value, eg_ref_doc *out, int *found, eg_error *e)
{
	eg_ledger *l = ud;
	eg_stmt *st;
	int64_t txn = 0;
	size_t n = 0, cap = 0;
	eg_err rc;
	int r;

	*found = 0;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT file_id, txn_id FROM business_keys "
			     "WHERE partner=?1 AND set_id=?2 AND name=?3 "
			     "AND value=?4",
			     "tttt", partner, set, key, value);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		memset(out, 0, sizeof(*out));
		snprintf(out->set, sizeof(out->set), "%s", set);
		copy_col(out->file_id, sizeof(out->file_id), st, 0);
		txn = eg_col_int(st, 1);
		*found = 1;
	}
	eg_ledger_done(st);
	if (r != 1)
		return r < 0 ? e->code : EG_OK;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT line_number, gtin, sku, buyer_part, "
			     "quantity, uom FROM ref_lines WHERE txn_id=?1 "
			     "ORDER BY rowid",
			     "i", txn);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, st, e)) == 1) {
		eg_ref_line *ln;

		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			eg_ref_line *v = realloc(out->lines, c * sizeof(*v));

			if (!v) {
				r = -1;
				(void)eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			out->lines = v;
			cap = c;
		}
		ln = &out->lines[n++];
		copy_col(ln->line_number, sizeof(ln->line_number), st, 0);
		copy_col(ln->gtin, sizeof(ln->gtin), st, 1);
		copy_col(ln->sku, sizeof(ln->sku), st, 2);
		copy_col(ln->buyer_part, sizeof(ln->buyer_part), st, 3);
		copy_col(ln->quantity, sizeof(ln->quantity), st, 4);
		copy_col(ln->uom, sizeof(ln->uom), st, 5);
		out->nlines = n;
	}
	eg_ledger_done(st);
	if (r < 0) {
		eg_ref_doc_clear(out);
		*found = 0;
		return e->code ? e->code : EG_EIO;
	}
	return EG_OK;
}

eg_refstore
eg_ledger_refstore(eg_ledger *l)
{
	eg_refstore s = {ledger_find, l};

	return s;
}

/* ---- clean-ups the partner's server refuses ------------------------------
 * Each refusal is a 'cleanup-refused' event of the file; the after-th
 * while its clean-up is still pending adds one 'cleanup-attention'
 * event, which `edigate status` reports until the clean-up is done. */

eg_err
eg_ledger_cleanup_refused(eg_ledger *l, const char *partner,
			  const char *remote_path, uint64_t size,
			  int64_t mtime, time_t now, unsigned after,
			  const char *why, int64_t *count, eg_error *e)
{
	char id[64] = "";
	int64_t n = 0, marked = 0;
	eg_stmt *st;
	eg_err rc;
	int r, own = !eg_ledger_in_tx(l);

	if (count)
		*count = 0;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT id FROM files WHERE partner=?1 AND "
			     "remote_path=?2 AND size=?3 AND mtime=?4 AND "
			     "post_action='pending' ORDER BY n DESC LIMIT 1",
			     "ttii", partner, remote_path, (int64_t)size, mtime);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1)
		snprintf(id, sizeof(id), "%s", eg_col_text(st, 0));
	eg_ledger_done(st);
	if (r < 0)
		return e->code ? e->code : EG_EIO;
	if (!id[0])
		return EG_OK; /* nothing pending there: nothing to count */
	if (own && (rc = eg_ledger_begin(l, e)))
		return rc;
	rc = eg_ledger_exec(l, e,
			    "INSERT INTO file_events(file_id,at,state,note) "
			    "VALUES(?1,?2,'cleanup-refused',?3)",
			    "tit", id, (int64_t)now, why);
	if (!rc)
		rc = eg_ledger_int(l, &n, 0, e,
				   "SELECT count(*) FROM file_events WHERE "
				   "file_id=?1 AND state='cleanup-refused'",
				   "t", id);
	if (!rc)
		rc = eg_ledger_int(l, &marked, 0, e,
				   "SELECT count(*) FROM file_events WHERE "
				   "file_id=?1 AND state='cleanup-attention'",
				   "t", id);
	if (!rc && !marked && after > 0 && n >= (int64_t)after)
		rc = eg_ledger_exec(l, e,
				    "INSERT INTO file_events(file_id,at,state,"
				    "note) VALUES(?1,?2,'cleanup-attention',?3)",
				    "tit", id, (int64_t)now, why);
	if (own) {
		if (!rc)
			rc = eg_ledger_commit(l, e);
		else
			eg_ledger_rollback(l);
	}
	if (!rc && count)
		*count = n;
	return rc;
}

eg_err
eg_ledger_cleanup_attention(eg_ledger *l, const char *partner, int64_t *n,
			    char *name, size_t ncap, char *why, size_t wcap,
			    eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	*n = 0;
	if (ncap)
		name[0] = '\0';
	if (wcap)
		why[0] = '\0';
	rc = eg_ledger_query(l, &st, e,
			     "SELECT f.remote_path, (SELECT COALESCE(note,'') "
			     "FROM file_events WHERE file_id=f.id AND "
			     "state='cleanup-refused' ORDER BY id DESC LIMIT 1), "
			     "count(*) OVER () FROM files f WHERE "
			     "f.partner=?1 AND f.post_action='pending' AND "
			     "EXISTS (SELECT 1 FROM file_events WHERE "
			     "file_id=f.id AND state='cleanup-attention') "
			     "ORDER BY f.n DESC LIMIT 1",
			     "t", partner);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		snprintf(name, ncap, "%s", eg_col_text(st, 0));
		snprintf(why, wcap, "%s", eg_col_text(st, 1));
		*n = eg_col_int(st, 2);
	}
	eg_ledger_done(st);
	return r < 0 ? (e->code ? e->code : EG_EIO) : EG_OK;
}
