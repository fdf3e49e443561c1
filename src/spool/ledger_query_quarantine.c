/*
 * ledger_query_quarantine.c - what `edigate quarantine` and
 * `edigate reprocess` ask the ledger (see ledger_query.h): the files
 * waiting in quarantine with their owners, categories and notes (the
 * work queue), and whose a file is and in what state.
 *
 * A file waits in quarantine while its state is rejected or partial;
 * release, discard and reprocess move it on (src/pipeline/requeue.c).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_query.h"

int
eg_ledger_state_in_quarantine(const char *state)
{
	return !strcmp(state, "rejected") || !strcmp(state, "partial");
}

/*
 * Root causes by finding rule ("x*": every rule starting with x).  The
 * first category in this order that a file's rules touch is its
 * category: who does not belong here, what was seen before and what
 * cannot be read come before what the guide, the maps and the business
 * rules say about what could be read.
 */
static const char *const cat_names[] = {
    "wrong partner", "duplicate",	      "syntax",		    "guide",
    "mapping gap",   "missing master data", "quantity tolerance", "other",
    NULL,
};
static const char *const cat_rules[][40] = {
    /* wrong partner */
    {"sender-not-partner", "receiver-not-us", "gs-sender-not-partner",
     "gs-receiver-not-us", "unknown-sender", "unknown-recipient",
     "ack-not-sent", NULL},
    /* duplicate */
    {"duplicate*", "control-number-reuse", "corrected-resend",
     "gs06-duplicate", NULL},
    /* syntax: the reader, the envelopes, limits, bundles */
    {"reader", "not-x12", "no-interchange", "encoding", "invalid-character",
     "trailing-separator", "too-many-elements", "too-many-findings",
     "file-too-large", "bundle*", "max-*", "unread-interchange",
     "interchange-empty", "group-empty", "segment-outside*",
     "segment-unrecognized", "st-outside-group", "gs-outside-interchange",
     "isa*", "iea*", "gs0*", "ge-*", "ge0*", "st0*", "se-*", "se0*", "unb*",
     "ung*", "unh*", "une*", "unt*", "unz*", "syntax-identifier",
     "syntax-version", "functional-id", NULL},
    /* guide: what the implementation guide and the agreed rules say */
    {"element*", "segment*", "syntax-*", "loop*", "hl0*", "code-not-used",
     "component-missing", "too-many-components", "too-many-repetitions",
     "no-guide", "rule-date-window", "rule-range", NULL},
    /* mapping gap: the maps and code lists */
    {"map-*", "set-not-in-profile", "not-supported", "uom-*",
     "missing-value", "value-too-long", NULL},
    /* missing master data: what a document refers to and we lack */
    {"rule-requires-reference", "requires-reference", "master*", "item-*",
     "unknown-item", NULL},
    /* quantity tolerance */
    {"rule-quantity-tolerance", "quantity-tolerance", NULL},
};

static int
rule_in(const char *rule, size_t n, const char *const *pats)
{
	size_t i;

	for (i = 0; pats[i]; i++) {
		size_t k = strlen(pats[i]);

		if (pats[i][k - 1] == '*' ? n >= k - 1 &&
						!strncmp(rule, pats[i], k - 1)
					  : n == k && !strncmp(rule, pats[i], n))
			return 1;
	}
	return 0;
}

const char *
eg_quarantine_category(const char *rules)
{
	size_t c;

	for (c = 0; c < sizeof(cat_rules) / sizeof(cat_rules[0]); c++) {
		const char *r = rules ? rules : "";

		while (*r) {
			size_t n = strcspn(r, " ,");

			if (n && rule_in(r, n, cat_rules[c]))
				return cat_names[c];
			r += n;
			r += strspn(r, " ,");
		}
	}
	return "other";
}

const char *const *
eg_quarantine_categories(void)
{
	return cat_names;
}

int
eg_quarantine_category_ok(const char *name)
{
	size_t i;

	for (i = 0; cat_names[i]; i++)
		if (!strcmp(cat_names[i], name))
			return 1;
	return 0;
}

eg_err
eg_ledger_quarantine_list(eg_ledger *l, const char *partner,
			  eg_ledger_quarantined_fn fn, void *ud, eg_error *e)
{
	eg_ledger_quarantined x;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(
	    l, &q, e,
	    "SELECT f.id, f.partner, f.state, f.name, f.received_at, "
	    "f.summary, (SELECT message FROM findings WHERE "
	    "file_id=f.id AND severity='error' ORDER BY id LIMIT 1), "
	    "COALESCE(w.owner, (SELECT w2.owner FROM quarantine_work w2 "
	    "WHERE w2.file_id=f.reprocess_of)), w.category, "
	    "(SELECT group_concat(rule, ' ') FROM (SELECT DISTINCT rule FROM "
	    "findings WHERE file_id=f.id AND severity='error' AND rule IS NOT "
	    "NULL)), (SELECT st01 FROM transactions WHERE file_id=f.id ORDER "
	    "BY id LIMIT 1), (SELECT count(*) FROM quarantine_notes WHERE "
	    "file_id=f.id), (SELECT text FROM quarantine_notes WHERE "
	    "file_id=f.id ORDER BY id DESC LIMIT 1) FROM files f LEFT JOIN "
	    "quarantine_work w ON w.file_id=f.id WHERE f.state IN "
	    "('rejected','partial') AND (?1 IS NULL OR f.partner=?1) ORDER BY "
	    "f.n",
	    "t", partner);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		x.id = eg_col_text(q, 0);
		x.partner = eg_col_text(q, 1);
		x.state = eg_col_text(q, 2);
		x.name = eg_col_text(q, 3);
		x.received_at = eg_col_int(q, 4);
		x.summary = eg_col_text(q, 5);
		x.first_error = eg_col_text(q, 6);
		x.owner = eg_col_text(q, 7);
		x.category_set = !eg_col_null(q, 8);
		x.category = x.category_set ? eg_col_text(q, 8)
					    : eg_quarantine_category(
						  eg_col_text(q, 9));
		x.set = eg_col_text(q, 10);
		x.notes = eg_col_int(q, 11);
		x.last_note = eg_col_text(q, 12);
		if (fn(ud, &x)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

/* The file is waiting in quarantine, or EG_ENOTFOUND. */
static eg_err
waiting(eg_ledger *l, const char *file_id, eg_error *e)
{
	int64_t n = 0;
	eg_err rc = eg_ledger_int(l, &n, 0, e,
				  "SELECT count(*) FROM files WHERE id=?1 AND "
				  "state IN ('rejected','partial')",
				  "t", file_id);

	if (!rc && n == 0)
		rc = eg_fail(e, EG_ENOTFOUND, "%s is not in quarantine",
			     file_id);
	return rc;
}

/* One change of the work queue and its audit entry, in one transaction. */
static eg_err
work_change(eg_ledger *l, const char *file_id, const char *sql,
	    const char *types, const char *value, const char *actor, int64_t at,
	    const char *action, const char *reason, const char *detail,
	    eg_error *e)
{
	eg_err rc;

	if ((rc = eg_ledger_begin(l, e)))
		return rc;
	rc = waiting(l, file_id, e);
	if (!rc)
		rc = eg_ledger_exec(l, e, sql, types, file_id, value, at,
				    actor); /* types may use the first two */
	if (!rc)
		rc = eg_ledger_audit_at(l, at, actor, action, file_id, reason,
					detail, e);
	if (!rc)
		rc = eg_ledger_commit(l, e);
	else
		eg_ledger_rollback(l);
	return rc;
}

eg_err
eg_ledger_quarantine_assign(eg_ledger *l, const char *file_id,
			    const char *owner, const char *actor, int64_t at,
			    eg_error *e)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "%s%s",
		 owner[0] ? "to " : "back to the profile's default owner",
		 owner);
	return work_change(l, file_id,
			   "INSERT INTO quarantine_work(file_id,owner,"
			   "assigned_at,assigned_by) VALUES(?1,NULLIF(?2,''),"
			   "?3,?4) ON CONFLICT(file_id) DO UPDATE SET "
			   "owner=excluded.owner, assigned_at=excluded."
			   "assigned_at, assigned_by=excluded.assigned_by",
			   "ttit", owner, actor, at, "assign", NULL, detail, e);
}

eg_err
eg_ledger_quarantine_categorize(eg_ledger *l, const char *file_id,
				const char *category, const char *actor,
				int64_t at, eg_error *e)
{
	char detail[128];

	if (category[0] && !eg_quarantine_category_ok(category))
		return eg_fail(e, EG_EINVAL, "no category '%s'", category);
	snprintf(detail, sizeof(detail), "%s%s",
		 category[0] ? "as " : "back to what its findings say",
		 category);
	/* the row's owner is kept: only the category changes */
	return work_change(l, file_id,
			   "INSERT INTO quarantine_work(file_id,category) "
			   "VALUES(?1,NULLIF(?2,'')) ON CONFLICT(file_id) DO "
			   "UPDATE SET category=excluded.category",
			   "tt", category, actor, at, "categorize", NULL, detail, e);
}

eg_err
eg_ledger_quarantine_note(eg_ledger *l, const char *file_id,
			  const char *text, const char *actor, int64_t at,
			  eg_error *e)
{
	return work_change(l, file_id,
			   "INSERT INTO quarantine_notes(file_id,text,at,actor)"
			   " VALUES(?1,?2,?3,?4)",
			   "ttit", text, actor, at, "note", text, NULL, e);
}

eg_err
eg_ledger_quarantine_notes(eg_ledger *l, const char *file_id,
			   eg_ledger_qnote_fn fn, void *ud, eg_error *e)
{
	eg_ledger_qnote n;
	eg_stmt *q;
	eg_err rc;
	int r;

	rc = eg_ledger_query(l, &q, e,
			     "SELECT at, actor, text FROM quarantine_notes "
			     "WHERE file_id=?1 ORDER BY id",
			     "t", file_id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		n.at = eg_col_int(q, 0);
		n.actor = eg_col_text(q, 1);
		n.text = eg_col_text(q, 2);
		if (fn(ud, &n)) {
			r = 0;
			break;
		}
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

eg_err
eg_ledger_file_ref_get(eg_ledger *l, const char *file_id,
		       eg_ledger_file_ref *out, int *found, eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner, state FROM files WHERE id=?1",
			     "t", file_id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		snprintf(out->partner, sizeof(out->partner), "%s",
			 eg_col_text(q, 0));
		snprintf(out->state, sizeof(out->state), "%s",
			 eg_col_text(q, 1));
		*found = 1;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
