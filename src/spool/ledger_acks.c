/*
 * ledger_acks.c - acknowledgements the partners sent us (see
 * ledger_acks.h): the acks_in table and the interchanges and groups we
 * sent, which they are matched against.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ack_read.h"
#include "edigate/ledger_acks.h"

static int
is_one_of(const char *s, const char *set)
{
	return s[0] && !s[1] && strchr(set, s[0]) != NULL;
}

int
eg_ledger_ack_is_attention(const eg_ack_status *s)
{
	switch (s->kind) {
	case EG_ACK_INTERCHANGE:
		return is_one_of(s->status, "R");
	case EG_ACK_GROUP:
		return is_one_of(s->status, "RPMWX");
	case EG_ACK_SET:
		return is_one_of(s->status, "REMWX");
	}
	return 0;
}

static const char *const level_words[] = {"interchange", "group", "set"};

/* Our file the status answers: by ISA13 for a TA1, by GS01 + GS06 for a
 * group or set (numbers compared as numbers: "000000301" is 301). */
static eg_err
match_sent(eg_ledger *l, const char *partner, const eg_ack_status *s,
	   char dst[32], eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	dst[0] = '\0';
	if (s->kind == EG_ACK_INTERCHANGE)
		rc = eg_ledger_query(
		    l, &q, e,
		    "SELECT i.file_id FROM interchanges i JOIN files f ON "
		    "f.id=i.file_id WHERE f.partner=?1 AND f.source IN ('sent','outbound') AND "
		    "i.status='sent' AND CAST(i.isa13 AS INTEGER)="
		    "CAST(?2 AS INTEGER) ORDER BY i.id DESC LIMIT 1",
		    "tt", partner, s->isa13);
	else
		rc = eg_ledger_query(
		    l, &q, e,
		    "SELECT g.file_id FROM groups g JOIN files f ON "
		    "f.id=g.file_id WHERE f.partner=?1 AND f.source IN ('sent','outbound') AND "
		    "g.status='sent' AND CAST(g.gs06 AS INTEGER)="
		    "CAST(?2 AS INTEGER) AND (?3='' OR g.gs01=?3) "
		    /* a set: one we sent in that file */
		    "AND (?4='' OR EXISTS (SELECT 1 FROM transactions t "
		    "WHERE t.file_id=g.file_id AND t.st01=?4 AND "
		    "t.st02=?5)) ORDER BY g.id DESC LIMIT 1",
		    "ttttt", partner, s->gs06, s->gs01,
		    s->kind == EG_ACK_SET ? s->st01 : "", s->st02);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1)
		snprintf(dst, 32, "%s", eg_col_text(q, 0));
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_ack_add(eg_ledger *l, const char *partner, const char *file_id,
		  const eg_ack_status *s, int64_t at, eg_ledger_ack *out,
		  eg_error *e)
{
	eg_ledger_ack a;
	size_t i, n = 0;
	eg_err rc;

	memset(&a, 0, sizeof(a));
	snprintf(a.file_id, sizeof(a.file_id), "%s", file_id);
	snprintf(a.level, sizeof(a.level), "%s",
		 level_words[s->kind <= EG_ACK_SET ? s->kind : 0]);
	memcpy(a.ack_type, s->ack_type, sizeof(a.ack_type));
	memcpy(a.isa13, s->isa13, sizeof(a.isa13));
	memcpy(a.gs01, s->gs01, sizeof(a.gs01));
	memcpy(a.gs06, s->gs06, sizeof(a.gs06));
	memcpy(a.st01, s->st01, sizeof(a.st01));
	memcpy(a.st02, s->st02, sizeof(a.st02));
	memcpy(a.status, s->status, sizeof(a.status));
	for (i = 0; i < s->ncodes && i < 5; i++)
		n += (size_t)snprintf(a.codes + n, sizeof(a.codes) - n, "%s%s",
				      i ? " " : "", s->codes[i]);
	snprintf(a.detail, sizeof(a.detail), "%s", s->detail);
	a.attention = eg_ledger_ack_is_attention(s);
	a.at = at;
	if ((rc = match_sent(l, partner, s, a.sent_file, e)))
		return rc;
	rc = eg_ledger_exec(
	    l, e,
	    "INSERT INTO acks_in(file_id,partner,at,ack_type,level,isa13,"
	    "gs01,gs06,st01,st02,status,codes,detail,sent_file,attention) "
	    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
	    "tti" "tttttttttt" "ti", file_id, partner, at, a.ack_type, a.level,
	    a.isa13, a.gs01, a.gs06, a.st01, a.st02, a.status, a.codes,
	    a.detail, a.sent_file[0] ? a.sent_file : NULL,
	    (int64_t)a.attention);
	/* a later acceptance of the same thing settles an earlier
	 * rejection: nobody needs to look at it any more */
	if (!rc && a.sent_file[0] && is_one_of(a.status, "A"))
		rc = eg_ledger_exec(l, e,
				    "UPDATE acks_in SET attention=0 WHERE "
				    "sent_file=?1 AND level=?2 AND "
				    "COALESCE(isa13,'')=?3 AND "
				    "COALESCE(gs06,'')=?4 AND "
				    "COALESCE(st02,'')=?5 AND attention=1",
				    "ttttt", a.sent_file, a.level, a.isa13,
				    a.gs06, a.st02);
	if (!rc && out)
		*out = a;
	return rc;
}

eg_err
eg_ledger_acks_attention(eg_ledger *l, const char *partner, int64_t since,
			 int64_t *n, eg_error *e)
{
	return eg_ledger_int(l, n, 0, e,
			     "SELECT count(*) FROM acks_in a JOIN files f ON "
			     "f.id=a.file_id WHERE a.attention=1 AND "
			     "(?1 IS NULL OR a.partner=?1) AND a.at>=?2 AND "
			     "f.state NOT IN ('discarded','received')",
			     "ti", partner, since);
}

static void
col(char *dst, size_t cap, eg_stmt *q, int i)
{
	snprintf(dst, cap, "%s", eg_col_text(q, i));
}

eg_err
eg_ledger_acks_of_file(eg_ledger *l, const char *file_id, eg_ledger_ack_fn fn,
		       void *ud, eg_error *e)
{
	eg_ledger_ack a;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT file_id, COALESCE(sent_file,''), level, "
			     "ack_type, isa13, gs01, gs06, st01, st02, status, "
			     "codes, detail, attention, at FROM acks_in WHERE "
			     "file_id=?1 OR sent_file=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		memset(&a, 0, sizeof(a));
		col(a.file_id, sizeof(a.file_id), q, 0);
		col(a.sent_file, sizeof(a.sent_file), q, 1);
		col(a.level, sizeof(a.level), q, 2);
		col(a.ack_type, sizeof(a.ack_type), q, 3);
		col(a.isa13, sizeof(a.isa13), q, 4);
		col(a.gs01, sizeof(a.gs01), q, 5);
		col(a.gs06, sizeof(a.gs06), q, 6);
		col(a.st01, sizeof(a.st01), q, 7);
		col(a.st02, sizeof(a.st02), q, 8);
		col(a.status, sizeof(a.status), q, 9);
		col(a.codes, sizeof(a.codes), q, 10);
		col(a.detail, sizeof(a.detail), q, 11);
		a.attention = (int)eg_col_int(q, 12);
		a.at = eg_col_int(q, 13);
		if (fn(ud, &a))
			break;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_sent_unit(eg_ledger *l, const char *file_id, int group,
		    const char *isa13, const char *sender, const char *receiver,
		    const char *gs01, const char *gs06, const char *gs08,
		    int64_t at, eg_error *e)
{
	if (group)
		return eg_ledger_exec(l, e,
				      "INSERT INTO groups(file_id,isa13,gs01,"
				      "gs02,gs03,gs06,gs08,status) VALUES(?1,"
				      "?2,?3,?4,?5,?6,?7,'sent')",
				      "ttttttt", file_id, isa13, gs01, sender,
				      receiver, gs06, gs08);
	return eg_ledger_exec(l, e,
			      "INSERT INTO interchanges(file_id,sender,"
			      "receiver,isa13,at,status) VALUES(?1,?2,?3,?4,"
			      "?5,'sent')",
			      "ttt" "ti", file_id, sender, receiver, isa13, at);
}
