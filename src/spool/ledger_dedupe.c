/*
 * ledger_dedupe.c - earlier deliveries under the same control numbers
 * (see ledger_dedupe.h; the columns are the ledger's schema version 2).
 *
 * Every query takes the same first eight values: the key (a, b, c), the
 * partner, the window's start, the asking file's reprocess chain, the
 * asking file and its interchange number.  An earlier delivery is a unit
 * of another chain in a file that was taken and not discarded, or an
 * earlier interchange of the asking file itself.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_dedupe.h"

#define EARLIER(f, u)                                                     \
	"((" f ".origin_id<>?6 AND " f ".state NOT IN ('received',"      \
	"'discarded')) OR (" f ".id=?7 AND " u ".seq<?8))"

static const char ichg_past_sql[] =
    "SELECT i.file_id, (i.status='rejected' OR EXISTS (SELECT 1 FROM "
    "transactions t WHERE t.file_id=i.file_id AND t.isa13=i.isa13 AND "
    "(t.ichg_seq IS NULL OR t.ichg_seq=i.seq) AND t.status='rejected')) "
    "FROM interchanges i JOIN files f ON f.id=i.file_id "
    "WHERE i.sender=?1 AND i.receiver=?2 AND i.isa13=?3 AND f.partner=?4 "
    "AND i.at>=?5 AND " EARLIER("f", "i") " ORDER BY i.id";

static const char grp_past_sql[] =
    "SELECT g.file_id, (g.status='rejected' OR EXISTS (SELECT 1 FROM "
    "transactions t WHERE t.file_id=g.file_id AND t.isa13=g.isa13 AND "
    "t.gs06=g.gs06 AND t.status='rejected')) "
    "FROM groups g JOIN files f ON f.id=g.file_id JOIN interchanges i ON "
    "i.file_id=g.file_id AND i.isa13=g.isa13 "
    "WHERE g.gs02=?1 AND g.gs03=?2 AND g.gs06=?3 AND f.partner=?4 "
    "AND i.at>=?5 AND " EARLIER("f", "i") " ORDER BY g.id";

static const char ichg_set_sql[] =
    "SELECT t.file_id, t.status FROM transactions t JOIN interchanges i "
    "ON i.file_id=t.file_id AND i.seq=t.ichg_seq JOIN files f ON "
    "f.id=t.file_id WHERE i.sender=?1 AND i.receiver=?2 AND i.isa13=?3 "
    "AND f.partner=?4 AND i.at>=?5 AND " EARLIER("f", "i") " AND "
    "t.digest=?9 ORDER BY t.status IN ('accepted','change','duplicate',"
    "'ack-only') DESC, t.id LIMIT 1";

static const char grp_set_sql[] =
    "SELECT t.file_id, t.status FROM transactions t JOIN groups g ON "
    "g.file_id=t.file_id AND g.isa13=t.isa13 AND g.gs06=t.gs06 JOIN "
    "interchanges i ON i.file_id=t.file_id AND i.seq=t.ichg_seq JOIN "
    "files f ON f.id=t.file_id WHERE g.gs02=?1 AND g.gs03=?2 AND "
    "g.gs06=?3 AND f.partner=?4 AND i.at>=?5 AND " EARLIER("f", "i")
    " AND t.digest=?9 ORDER BY t.status IN ('accepted','change',"
    "'duplicate','ack-only') DESC, t.id LIMIT 1";

eg_err
eg_ledger_unit_past(eg_ledger *l, const eg_unit_key *k, eg_unit_past *out,
		    eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	rc = eg_ledger_query(l, &st, e, k->group ? grp_past_sql : ichg_past_sql,
			     "ttttitti", k->a,
			     k->b, k->c, k->partner, k->since, k->origin,
			     k->file_id, k->seq);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, st, e)) == 1) {
		if (!out->seen)
			snprintf(out->first, sizeof(out->first), "%s",
				 eg_col_text(st, 0));
		out->seen = 1;
		snprintf(out->latest, sizeof(out->latest), "%s",
			 eg_col_text(st, 0));
		out->latest_rejected = eg_col_int(st, 1) != 0;
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_set_seen(eg_ledger *l, const eg_unit_key *k, const char *digest,
		   char file[32], char status[16], eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	file[0] = status[0] = '\0';
	rc = eg_ledger_query(l, &st, e, k->group ? grp_set_sql : ichg_set_sql,
			     "ttttitti" "t", k->a, k->b, k->c, k->partner,
			     k->since, k->origin, k->file_id, k->seq, digest);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		snprintf(file, 32, "%s", eg_col_text(st, 0));
		snprintf(status, 16, "%s", eg_col_text(st, 1));
	}
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_chain_acked(eg_ledger *l, const char *origin, const char *file_id,
		      const char *sender, const char *receiver,
		      const char *isa13, int *acked, eg_error *e)
{
	int64_t n = 0;
	eg_err rc;

	rc = eg_ledger_int(l, &n, 0, e,
			   "SELECT count(*) FROM interchanges i JOIN files f "
			   "ON f.id=i.file_id WHERE f.origin_id=?1 AND "
			   "f.id<>?2 AND i.sender=?3 AND i.receiver=?4 AND "
			   "i.isa13=?5 AND i.ack_control IS NOT NULL",
			   "ttttt", origin, file_id, sender, receiver, isa13);
	*acked = n > 0;
	return rc;
}

eg_err
eg_ledger_note_ack(eg_ledger *l, const char *file_id, int64_t seq,
		   const char *control, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE interchanges SET ack_control=?1 WHERE "
			      "file_id=?2 AND seq=?3",
			      "tti", control, file_id, seq);
}

eg_err
eg_ledger_link_resend(eg_ledger *l, const char *file_id,
		      const char *resend_of, eg_error *e)
{
	return eg_ledger_exec(l, e, "UPDATE files SET resend_of=?1 WHERE id=?2",
			      "tt", resend_of, file_id);
}

eg_err
eg_ledger_mark_past_dedupe(eg_ledger *l, const char *file_id, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE files SET past_dedupe=1 WHERE id=?1", "t",
			      file_id);
}

eg_err
eg_ledger_past_dedupe(eg_ledger *l, const char *file_id, int *past,
		      eg_error *e)
{
	int64_t v = 0;
	eg_err rc = eg_ledger_int(l, &v, 0, e,
				  "SELECT past_dedupe FROM files WHERE id=?1",
				  "t", file_id);

	*past = v != 0;
	return rc;
}
