/*
 * ledger_out.c - the outbound direction's statements (ledger_out.h).
 *
 * A document is an output of kind 'document' whose control column is
 * its ISA13; the partner's 997/999 name our GS06 (the same number), a
 * TA1 our ISA13, so the acknowledgement state of a document is read
 * from acks_in rows that ledger_acks.c matched to its file, at group
 * (or interchange) level, the latest first.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_out.h"

static eg_err
walk_outputs(eg_ledger *l, eg_stmt *st, eg_ledger_out_fn fn, void *ud,
	     eg_error *e)
{
	eg_err rc = EG_OK;
	int r = 0;

	while (!rc && (r = eg_ledger_step(l, st, e)) == 1) {
		char fid[32], path[4096], name[256];

		snprintf(fid, sizeof(fid), "%s", eg_col_text(st, 1));
		snprintf(path, sizeof(path), "%s", eg_col_text(st, 2));
		snprintf(name, sizeof(name), "%s", eg_col_text(st, 3));
		rc = fn(ud, eg_col_int(st, 0), fid, path, name, e);
	}
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_out_unsent(eg_ledger *l, const char *partner, eg_ledger_out_fn fn,
		     void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;

	/* collected first: fn commits as it goes */
	rc = eg_ledger_query(l, &st, e,
			     "SELECT o.id, o.file_id, o.path, o.name FROM "
			     "outputs o JOIN files f ON f.id=o.file_id WHERE "
			     "f.partner=?1 AND o.kind='document' AND "
			     "o.state='published' ORDER BY o.id",
			     "t", partner);
	return rc ? rc : walk_outputs(l, st, fn, ud, e);
}

eg_err
eg_ledger_out_of_file(eg_ledger *l, const char *file_id, eg_ledger_out_fn fn,
		      void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT id, file_id, path, name FROM outputs "
			     "WHERE file_id=?1 AND kind='document' AND "
			     "state='sent' ORDER BY id",
			     "t", file_id);
	return rc ? rc : walk_outputs(l, st, fn, ud, e);
}

eg_err
eg_ledger_out_partner(eg_ledger *l, const char *file_id, char partner[64],
		      int *found, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	*found = 0;
	partner[0] = '\0';
	rc = eg_ledger_query(l, &st, e,
			     "SELECT partner FROM files WHERE id=?1 AND "
			     "source='outbound'",
			     "t", file_id);
	if (rc)
		return rc;
	if ((r = eg_ledger_step(l, st, e)) == 1) {
		*found = 1;
		snprintf(partner, 64, "%s", eg_col_text(st, 0));
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_out_txn_isa(eg_ledger *l, int64_t txn_id, const char *isa13,
		      const char *key, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE transactions SET isa13=?2, "
			      "business_key=?3 WHERE id=?1",
			      "itt", txn_id, isa13, key);
}

eg_err
eg_ledger_out_resend_txn(eg_ledger *l, const char *file_id,
			 const char *old_file, const char *old_isa13,
			 unsigned nth, const char *st01, const char *st02,
			 const char *isa13, eg_error *e)
{
	/* the nth set of the old interchange gives its key: the answers
	 * (945s) to either are matched by it */
	return eg_ledger_exec(
	    l, e,
	    "INSERT INTO transactions(file_id,st01,st02,status,records,isa13,"
	    "business_key) VALUES(?1,?4,?5,'sent',1,?6,(SELECT business_key "
	    "FROM transactions WHERE file_id=?2 AND isa13=?3 AND "
	    "status='sent' ORDER BY id LIMIT 1 OFFSET ?7))",
	    "tttttti", file_id, old_file, old_isa13, st01, st02, isa13,
	    (int64_t)nth);
}

eg_err
eg_ledger_out_doc_control(eg_ledger *l, int64_t output_id, char ctl[16],
			  eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	ctl[0] = '\0';
	rc = eg_ledger_query(l, &st, e,
			     "SELECT COALESCE(control,'') FROM outputs WHERE "
			     "id=?1",
			     "i", output_id);
	if (rc)
		return rc;
	if ((r = eg_ledger_step(l, st, e)) == 1)
		snprintf(ctl, 16, "%s", eg_col_text(st, 0));
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_out_delivered(eg_ledger *l, int64_t output_id, int64_t at,
			eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE outputs SET state='sent', sent_at=?2 "
			      "WHERE id=?1",
			      "ii", output_id, at);
}

static const char *
ack_word(const char *status)
{
	switch (status[0]) {
	case 'A': return "accepted";
	case 'E': return "with-errors";
	case 'P': return "partially";
	case 'R': return "rejected";
	default: return "rejected"; /* M W X: fail closed */
	}
}

/* The latest acknowledgement of one document: group level (997/999
 * AK9) first, else interchange (TA1). */
static eg_err
ack_of(eg_ledger *l, eg_ledger_sent_doc *d, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	rc = eg_ledger_query(
	    l, &st, e,
	    "SELECT status, ack_type, level, COALESCE(codes,''), "
	    "COALESCE(detail,''), at FROM acks_in WHERE sent_file=?1 AND "
	    "((level='group' AND CAST(gs06 AS INTEGER)=CAST(?2 AS INTEGER)) "
	    "OR (level='interchange' AND CAST(isa13 AS INTEGER)="
	    "CAST(?2 AS INTEGER))) ORDER BY (level='group') DESC, id DESC "
	    "LIMIT 1",
	    "tt", d->file_id, d->isa13);
	if (rc)
		return rc;
	if ((r = eg_ledger_step(l, st, e)) == 1) {
		const char *s = eg_col_text(st, 0);
		const char *lv = eg_col_text(st, 2);

		/* a TA1 that accepts the envelope says nothing of the sets */
		if (strcmp(lv, "interchange") != 0 || s[0] != 'A')
			snprintf(d->ack, sizeof(d->ack), "%s", ack_word(s));
		snprintf(d->ack_detail, sizeof(d->ack_detail), "%s %s%s%s%s",
			 eg_col_text(st, 1), s, eg_col_text(st, 3)[0] ? " " : "",
			 eg_col_text(st, 3),
			 eg_col_text(st, 4)[0] ? " (detail in show)" : "");
		d->acked_at = eg_col_int(st, 5);
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

/* "940 0001, 940 0002" and the keys of file_id's sets. */
static eg_err
sets_of(eg_ledger *l, eg_ledger_sent_doc *d, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	size_t n = 0, k = 0;
	int r;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT t.st01, t.st02, COALESCE(t.business_key,"
			     "(SELECT b.name || '=' || b.value FROM "
			     "business_keys b WHERE b.txn_id=t.id LIMIT 1),"
			     "'') FROM "
			     "transactions t WHERE t.file_id=?1 AND "
			     "t.status='sent' AND (t.isa13 IS NULL OR "
			     "t.isa13=?2) ORDER BY t.id",
			     "tt", d->file_id, d->isa13);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, st, e)) == 1) {
		if (n < sizeof(d->sets))
			n += (size_t)snprintf(d->sets + n, sizeof(d->sets) - n,
					      "%s%s %s", n ? ", " : "",
					      eg_col_text(st, 0),
					      eg_col_text(st, 1));
		if (k < sizeof(d->keys) && eg_col_text(st, 2)[0])
			k += (size_t)snprintf(d->keys + k, sizeof(d->keys) - k,
					      "%s%s", k ? ", " : "",
					      eg_col_text(st, 2));
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_out_sent(eg_ledger *l, const char *partner, const char *file_id,
		   unsigned max, eg_ledger_sent_fn fn, void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	unsigned n = 0;
	int r = 0;

	rc = eg_ledger_query(
	    l, &st, e,
	    "SELECT o.file_id, f.partner, f.name, o.name, o.control, o.state, "
	    "COALESCE(o.sent_at, o.at) FROM outputs o JOIN files f ON "
	    "f.id=o.file_id WHERE o.kind='document' AND "
	    "(?1 IS NULL OR f.partner=?1) AND (?2 IS NULL OR f.id=?2) "
	    "ORDER BY o.id DESC",
	    "tt", partner, file_id);
	if (rc)
		return rc;
	while (!rc && (max == 0 || n < max) &&
	       (r = eg_ledger_step(l, st, e)) == 1) {
		eg_ledger_sent_doc d;

		memset(&d, 0, sizeof(d));
		snprintf(d.file_id, sizeof(d.file_id), "%s", eg_col_text(st, 0));
		snprintf(d.partner, sizeof(d.partner), "%s", eg_col_text(st, 1));
		snprintf(d.input, sizeof(d.input), "%s", eg_col_text(st, 2));
		snprintf(d.name, sizeof(d.name), "%s", eg_col_text(st, 3));
		snprintf(d.isa13, sizeof(d.isa13), "%s", eg_col_text(st, 4));
		snprintf(d.gs06, sizeof(d.gs06), "%llu",
			 (unsigned long long)eg_col_int(st, 4));
		snprintf(d.delivery, sizeof(d.delivery), "%s",
			 eg_col_text(st, 5));
		d.at = eg_col_int(st, 6);
		rc = ack_of(l, &d, e);
		if (!rc)
			rc = sets_of(l, &d, e);
		if (!rc && fn(ud, &d))
			break;
		n++;
	}
	eg_ledger_done(st);
	return rc ? rc : r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_out_answers(eg_ledger *l, const eg_ledger_sent_doc *d,
		      const char *sent_st01, const char *answer_st01,
		      eg_ledger_answer_fn fn, void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	/* an answer names the set's business key among its own keys (a
	 * 945 its order-number); a quarantined answer has no keys kept */
	rc = eg_ledger_query(
	    l, &st, e,
	    "SELECT t.st02, COALESCE(t.business_key,''), COALESCE(a.id,''), "
	    "COALESCE(a.received_at,0) FROM transactions t LEFT JOIN files a "
	    "ON a.id=(SELECT af.id FROM files af JOIN transactions ax ON "
	    "ax.file_id=af.id JOIN business_keys k ON k.txn_id=ax.id WHERE "
	    "af.partner=?3 AND af.source NOT IN ('sent','outbound') AND "
	    "af.state<>'duplicate' AND ax.st01=?5 AND k.set_id=?5 AND "
	    "k.name || '=' || k.value=t.business_key ORDER BY "
	    "af.received_at, af.id LIMIT 1) WHERE t.file_id=?1 AND "
	    "t.isa13=?2 AND t.status='sent' AND t.st01=?4 ORDER BY t.id",
	    "ttttt", d->file_id, d->isa13, d->partner, sent_st01, answer_st01);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, st, e)) == 1) {
		eg_ledger_answer a;

		memset(&a, 0, sizeof(a));
		snprintf(a.st02, sizeof(a.st02), "%s", eg_col_text(st, 0));
		snprintf(a.key, sizeof(a.key), "%s", eg_col_text(st, 1));
		snprintf(a.answer_file, sizeof(a.answer_file), "%s",
			 eg_col_text(st, 2));
		a.answered_at = eg_col_int(st, 3);
		if (fn(ud, &a))
			break;
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

const char *
eg_ledger_sent_state(const eg_ledger_sent_doc *d, int64_t now, int64_t window)
{
	if (strcmp(d->delivery, "sent") != 0)
		return "ready";
	if (d->ack[0])
		return "acknowledged";
	if (window > 0 && now - d->at > window)
		return "overdue";
	return "sent";
}
