/*
 * ledger_units.c - what the pipeline records of a file's interchanges,
 * groups and transaction sets, their business keys and order lines, and
 * its findings; and reads back for the reject report
 * (ledger_pipeline.h).  The SQL lives here, not in the stages.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_pipeline.h"

/* --- interchanges, groups, sets ------------------------------------------ */

eg_err
eg_ledger_pl_txn_add(eg_ledger *l, const char *file_id, const eg_x12_ctl *ctl,
		     int64_t *id, eg_error *e)
{
	eg_err rc = eg_ledger_exec(
	    l, e,
	    "INSERT INTO transactions(file_id,isa13,gs06,"
	    "st01,st02,status) VALUES(?1,?2,?3,?4,?5,"
	    "'pending')",
	    "ttttt", file_id, ctl->isa13, ctl->gs06, ctl->st01, ctl->st02);

	*id = rc ? 0 : eg_ledger_last_rowid(l);
	return rc;
}

eg_err
eg_ledger_pl_txn_decided(eg_ledger *l, int64_t id, const char *status,
			 const char *key, const char *duplicate_of,
			 int64_t records, const char *digest, int64_t ichg_seq,
			 eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE transactions SET status=?1, "
			      "business_key=?2, duplicate_of=?3, records=?4, "
			      "digest=?6, ichg_seq=?7 WHERE id=?5",
			      "tttii" "ti",
			      status, key, duplicate_of, records, id, digest,
			      ichg_seq);
}

eg_err
eg_ledger_pl_txn_sent(eg_ledger *l, const char *file_id, const char *st01,
		      const char *st02, int64_t *id, eg_error *e)
{
	eg_err rc = eg_ledger_exec(l, e,
				   "INSERT INTO transactions(file_id,st01,st02,"
				   "status,records) VALUES(?1,?2,?3,'sent',1)",
				   "ttt", file_id, st01, st02);

	*id = rc ? 0 : eg_ledger_last_rowid(l);
	return rc;
}

eg_err
eg_ledger_pl_units_undo(eg_ledger *l, const char *file_id, const char *isa13,
			const char *gs06, int64_t *undone, int64_t *records,
			eg_error *e)
{
	eg_err rc;

	*undone = *records = 0;
	rc = eg_ledger_int(l, undone, 0, e,
			   "SELECT count(*) FROM transactions WHERE "
			   "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
			   "gs06=?3) AND status NOT IN ('rejected', "
			   "'duplicate','held')",
			   "ttt", file_id, isa13, gs06);
	if (!rc)
		rc =
		    eg_ledger_int(l, records, 0, e,
				  "SELECT sum(records) FROM transactions WHERE "
				  "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
				  "gs06=?3)",
				  "ttt", file_id, isa13, gs06);
	if (!rc)
		rc =
		    eg_ledger_exec(l, e,
				   "DELETE FROM ref_lines WHERE txn_id IN "
				   "(SELECT id FROM transactions WHERE "
				   "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
				   "gs06=?3))",
				   "ttt", file_id, isa13, gs06);
	if (!rc)
		rc =
		    eg_ledger_exec(l, e,
				   "DELETE FROM business_keys WHERE file_id=?1 "
				   "AND txn_id IN (SELECT id FROM transactions "
				   "WHERE file_id=?1 AND isa13=?2 AND (?3 IS "
				   "NULL OR gs06=?3))",
				   "ttt", file_id, isa13, gs06);
	if (!rc)
		rc = eg_ledger_exec(
		    l, e,
		    "UPDATE transactions SET status='rejected', "
		    "records=0 WHERE file_id=?1 AND isa13=?2 AND "
		    "(?3 IS NULL OR gs06=?3) AND "
		    "status NOT IN ('duplicate','held')",
		    "ttt", file_id, isa13, gs06);
	return rc;
}

eg_err
eg_ledger_pl_group_add(eg_ledger *l, const char *file_id, const eg_x12_ctl *ctl,
		       const char *status, const char *duplicate_of,
		       eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO groups(file_id,isa13,gs01,gs02,"
			      "gs03,gs06,gs08,status,duplicate_of) "
			      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
			      "ttttttttt", file_id, ctl->isa13, ctl->gs01,
			      ctl->gs_sender, ctl->gs_receiver, ctl->gs06,
			      ctl->gs08, status, duplicate_of);
}

eg_err
eg_ledger_pl_interchange_add(eg_ledger *l, const char *file_id, int64_t seq,
			     const eg_x12_ctl *ctl, time_t at,
			     const char *status, const char *duplicate_of,
			     eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO interchanges(file_id,seq,"
			      "sender_q,sender,receiver_q,receiver,isa13,"
			      "at,status,duplicate_of) VALUES(?1,?2,?3,"
			      "?4,?5,?6,?7,?8,?9,?10)",
			      "tittttt" "itt",
			      file_id, seq, ctl->sender_q, ctl->sender,
			      ctl->receiver_q, ctl->receiver, ctl->isa13,
			      (int64_t)at, status, duplicate_of);
}

/* --- business keys and order lines --------------------------------------- */

eg_err
eg_ledger_pl_key_find(eg_ledger *l, const char *partner, const char *set,
		      const char *name, const char *value, int *found,
		      char file[32], char origin[32], int64_t *txn_id,
		      eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	*found = 0;
	file[0] = origin[0] = '\0';
	*txn_id = 0;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT b.file_id, f.origin_id, b.txn_id "
			     "FROM business_keys b LEFT JOIN files f "
			     "ON f.id=b.file_id WHERE b.partner=?1 AND "
			     "b.set_id=?2 AND b.name=?3 AND b.value=?4",
			     "tttt", partner, set, name, value);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		*found = 1;
		snprintf(file, 32, "%s", eg_col_text(st, 0));
		snprintf(origin, 32, "%s", eg_col_text(st, 1));
		*txn_id = eg_col_int(st, 2);
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_key_add(eg_ledger *l, const char *partner, const char *set,
		     const char *name, const char *value, const char *file_id,
		     int64_t txn_id, time_t now, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO business_keys(partner,set_id,name,"
			      "value,file_id,txn_id,first_seen) "
			      "VALUES(?1,?2,?3,?4,?5,?6,?7)",
			      "ttttt" "ii",
			      partner, set, name, value, file_id, txn_id,
			      (int64_t)now);
}

eg_err
eg_ledger_pl_key_sent(eg_ledger *l, const char *partner, const char *set,
		      const char *name, const char *value, const char *file_id,
		      int64_t txn_id, time_t now, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO business_keys(partner,"
			      "set_id,name,value,file_id,txn_id,first_seen,"
			      "direction) VALUES(?1,?2,?3,?4,?5,?6,?7,'out') "
			      "ON CONFLICT DO NOTHING",
			      "ttttt" "ii",
			      partner, set, name, value, file_id, txn_id,
			      (int64_t)now);
}

eg_err
eg_ledger_pl_ref_line_add(eg_ledger *l, int64_t txn_id, const eg_ref_line *ln,
			  eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO ref_lines(txn_id,line_number,"
			      "gtin,sku,buyer_part,quantity,uom) "
			      "VALUES(?1,?2,?3,?4,?5,?6,?7)",
			      "itttttt", txn_id, ln->line_number, ln->gtin,
			      ln->sku, ln->buyer_part, ln->quantity, ln->uom);
}

/* --- findings ------------------------------------------------------------ */

eg_err
eg_ledger_pl_finding_add(eg_ledger *l, const char *file_id, const eg_finding *f,
			 const char *level, const char *severity,
			 const char *seg_text, eg_error *e)
{
	return eg_ledger_exec(
	    l, e,
	    "INSERT INTO findings(file_id,level,severity,code,rule,message,"
	    "\"offset\",segment,seg_id,element,isa13,gs06,st02,segment_text) "
	    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
	    "tttttt" "iiti"
	    "tttt",
	    file_id, level, severity, f->code, f->rule, f->msg,
	    (int64_t)f->pos.offset, (int64_t)f->pos.segment, f->pos.seg_id,
	    (int64_t)f->pos.element, f->ctl.isa13, f->ctl.gs06, f->ctl.st02,
	    seg_text);
}

eg_err
eg_ledger_pl_file_txns(eg_ledger *l, const char *file_id, eg_ledger_txn_fn fn,
		       void *ud, eg_error *e)
{
	eg_ledger_txn_row row;
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT isa13, gs06, st01, st02, status, "
			     "COALESCE(business_key,'') FROM transactions "
			     "WHERE file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1) {
		row.isa13 = eg_col_text(st, 0);
		row.gs06 = eg_col_text(st, 1);
		row.st01 = eg_col_text(st, 2);
		row.st02 = eg_col_text(st, 3);
		row.status = eg_col_text(st, 4);
		row.key = eg_col_text(st, 5);
		rc = fn(ud, &row, e);
	}
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_pl_file_findings(eg_ledger *l, const char *file_id,
			   eg_ledger_finding_fn fn, void *ud, eg_error *e)
{
	eg_ledger_finding_row row;
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT level, severity, COALESCE(code,''), "
			     "COALESCE(rule,''), message, \"offset\", segment, "
			     "seg_id, element, isa13, gs06, st02, "
			     "segment_text FROM findings WHERE file_id=?1 "
			     "ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1) {
		row.level = eg_col_text(st, 0);
		row.severity = eg_col_text(st, 1);
		row.code = eg_col_text(st, 2);
		row.rule = eg_col_text(st, 3);
		row.message = eg_col_text(st, 4);
		row.offset = eg_col_int(st, 5);
		row.segment = eg_col_int(st, 6);
		row.seg_id = eg_col_text(st, 7);
		row.element = eg_col_int(st, 8);
		row.isa13 = eg_col_text(st, 9);
		row.gs06 = eg_col_text(st, 10);
		row.st02 = eg_col_text(st, 11);
		row.segment_text = eg_col_text(st, 12);
		rc = fn(ud, &row, e);
	}
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}
