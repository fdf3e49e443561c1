/*
 * records.c - canonical records of a file being processed, and
 * their business keys.
 *
 * Records are streamed to work/<id>.records.jsonl with marks, so a set,
 * group or interchange that ends rejected takes its records back.  Each
 * record's business keys are checked against the ledger: a document seen
 * before is a duplicate or a change, per the profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "fctx.h"

/* --- records file with marks --------------------------------------------- */

eg_err
eg_fc_rec_flush(fctx *fc, eg_error *e)
{
	eg_err rc;

	if (!fc->recbuf.len)
		return EG_OK;
	if (fc->rec_fd < 0) { /* opened when the first records are written */
		char path[PATH_MAX];

		if ((rc = eg_path(path, sizeof(path), e, "%s.records.jsonl",
				  fc->work)))
			return rc;
		fc->rec_fd =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (fc->rec_fd < 0)
			return eg_fail(e, EG_EIO, "%s: %s", path,
				       strerror(errno));
	}
	rc = eg_write_all(fc->rec_fd, fc->recbuf.data, fc->recbuf.len,
			  "records", e);
	fc->rec_flushed += fc->recbuf.len;
	eg_buf_reset(&fc->recbuf);
	return rc;
}

uint64_t
eg_fc_rec_len(const fctx *fc)
{
	return fc->rec_flushed + fc->recbuf.len;
}

/* Take back every record written after mark (a unit ended rejected). */
eg_err
eg_fc_rec_truncate(fctx *fc, uint64_t mark, eg_error *e)
{
	if (mark >= fc->rec_flushed) {
		fc->recbuf.len = (size_t)(mark - fc->rec_flushed);
		if (fc->recbuf.data)
			fc->recbuf.data[fc->recbuf.len] = '\0';
		return EG_OK;
	}
	eg_buf_reset(&fc->recbuf);
	if (ftruncate(fc->rec_fd, (off_t)mark) != 0 ||
	    lseek(fc->rec_fd, (off_t)mark, SEEK_SET) < 0)
		return eg_fail(e, EG_EIO, "records: %s", strerror(errno));
	fc->rec_flushed = mark;
	return EG_OK;
}

/* --- records and business keys ------------------------------------------- */

typedef struct keepctx {
	eg_ledger *l;
	int64_t txn_id;
	eg_error *e;
} keepctx;

static eg_err
keep_line(void *ud, const eg_ref_line *ln)
{
	keepctx *k = ud;

	return eg_ledger_pl_ref_line_add(k->l, k->txn_id, ln, k->e);
}

/* A WarehouseOrder's lines, for the rules of later answers (945, 856):
 * one at a time, as they come (an order's lines may be a run). */
eg_err
eg_pl_keep_ref_lines(eg_ledger *l, int64_t txn_id, const char *set,
		     const eg_rnode *rec, eg_error *e)
{
	keepctx k = {l, txn_id, e};
	eg_error sub;
	eg_err rc;

	(void)set;
	eg_error_clear(&sub);
	k.e = &sub;
	rc = eg_ref_lines_each(rec, keep_line, &k);
	if (rc && sub.code)
		*e = sub; /* the ledger said why */
	else if (rc)
		return eg_fail(e, rc, "cannot keep the order lines: %s",
			       eg_err_str(rc));
	return rc;
}

/*
 * The record's business keys against the ledger.  The first key is the
 * document's identity (BSN02, W05, W06, BEG03): seen before in another
 * file (not one of our reprocess chain) makes this a duplicate or a
 * change, per the profile.  Every key is remembered, first seen wins.
 */
static eg_err
check_keys(fctx *fc, const char *set, const eg_rnode *rec, int *write,
	   eg_error *e)
{
	const eg_rnode *corr = eg_rnode_child(rec, "correlation"), *k;
	int first = 1;
	eg_err rc = EG_OK;

	*write = 1;
	for (k = eg_rnode_child(corr, "key"); !rc && k;
	     k = eg_rnode_next_same(k), first = 0) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");
		int r;
		char file[32] = "", origin[32] = "";
		int64_t txn = 0;

		if (!name || !value)
			continue;
		if ((rc = eg_ledger_pl_key_find(fc->l, fc->p->id, set, name,
						value, &r, file, origin, &txn,
						e)))
			break;
		if (first)
			snprintf(fc->txn_key, sizeof(fc->txn_key), "%s=%s",
				 name, value);
		if (r == 1 && first && txn != fc->txn_id &&
		    strcmp(origin, fc->origin) == 0 && strcmp(file, fc->id)) {
			/* an earlier run of this very document (released or
			 * reprocessed): what it delivered is not sent again,
			 * unless forced -- then it supersedes, as a change */
			snprintf(fc->txn_dup_of, sizeof(fc->txn_dup_of), "%s",
				 file);
			fc->txn_status = fc->forced ? "change" : "duplicate";
			*write = fc->forced;
		} else if (r == 1 && first && txn != fc->txn_id) {
			const char *pol = fc->p->dup_business;

			snprintf(fc->txn_dup_of, sizeof(fc->txn_dup_of), "%s",
				 file);
			if (!strcmp(pol, "change")) {
				fc->txn_status = "change";
			} else if (!strcmp(pol, "reject")) {
				fc->txn_status = "rejected";
				eg_fc_finding(
				    fc, EG_LVL_TRANSACTION, NULL,
				    "duplicate-business-key",
				    "%s %s '%s' was first received in "
				    "file %s: the profile rejects a "
				    "repeat",
				    set, name, value, file);
				*write = 0;
			} else {
				fc->txn_status = "duplicate";
				*write = 0;
			}
			eg_pl_note(
			    fc->pl, "%s: %s %s '%s' seen before in %s (%s)",
			    fc->id, set, name, value, file, fc->txn_status);
		}
		if (r == 0 && *write)
			rc = eg_ledger_pl_key_add(fc->l, fc->p->id, set, name,
						  value, fc->id, fc->txn_id,
						  fc->pl->o.now, e);
	}
	return rc;
}

/* The records file takes what the writer holds, between two units of a
 * run: a record of 200,000 lines is never held whole as JSON.  When an
 * order's lines are a run, the ledger keeps each line as it is written
 * (built once for both, not once more for the ledger). */
typedef struct drainctx {
	fctx *fc;
	eg_error *e;
	int failed; /* e says why */
} drainctx;

static eg_err
drain_records(void *ud, eg_buf *out)
{
	drainctx *d = ud;
	eg_err rc;

	(void)out; /* it is fc->recbuf */
	if ((rc = eg_fc_rec_flush(d->fc, d->e)))
		d->failed = 1;
	return rc;
}

static eg_err
keep_written_line(void *ud, const eg_rnode *unit)
{
	drainctx *d = ud;
	eg_ref_line ln;
	eg_err rc;

	if (strcmp(unit->name, "line") != 0)
		return EG_OK;
	if ((rc = eg_ref_line_read(&ln, unit))) {
		d->failed = 1;
		return eg_fail(d->e, rc, "cannot keep the order lines: %s",
			       eg_err_str(rc));
	}
	rc = eg_ledger_pl_ref_line_add(d->fc->l, d->fc->txn_id, &ln, d->e);
	d->failed = rc != EG_OK;
	return rc;
}

eg_err
eg_fc_on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	fctx *fc = ud;
	drainctx dc = {fc, e, 0};
	eg_record_sink sink = {.drain = drain_records, .ud = &dc,
			       .at = REC_FLUSH};
	const char *set = eg_rnode_text(rec, "correlation/transaction/setId");
	const eg_rnode *lines;
	int write = 1;
	eg_err rc;

	if (fc->set_skip || fc->dup_file)
		return EG_OK; /* came before, or held: nothing goes out */
	if ((rc = check_keys(fc, set ? set : "", rec, &write, e)))
		return rc;
	if (!write)
		return EG_OK;
	if (!strcmp(rec->name, "WarehouseOrder") &&
	    (lines = eg_rnode_child(rec, "line")) && eg_rnode_is_run(lines))
		sink.unit = keep_written_line; /* the lines, as written */
	else if ((rc = eg_pl_keep_ref_lines(fc->l, fc->txn_id,
					    set ? set : "", rec, e)))
		return rc;
	if ((rc = eg_record_write_json_to(&fc->recbuf, rec, &sink)))
		return dc.failed ? rc
				 : eg_fail(e, rc, "cannot write the record: %s",
					 eg_err_str(rc));
	fc->txn_records++;
	if (fc->recbuf.len >= REC_FLUSH)
		return eg_fc_rec_flush(fc, e);
	return EG_OK;
}
