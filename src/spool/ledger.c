/*
 * ledger.c - the spool ledger (see ledger.h, docs/ledger.md): the API
 * every module calls, over the backend chosen at open (ledger_int.h):
 * SQLite in the spool, or PostgreSQL when a URL names one.  The
 * reference store for rules and the refused clean-ups are in
 * ledger_refs.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ledger_int.h"

int
eg_ledger_is_url(const char *s)
{
	return s && (!strncmp(s, "postgresql://", 13) ||
		     !strncmp(s, "postgres://", 11));
}

eg_err
eg_ledger_open(eg_ledger **out, const char *spool_dir, eg_error *e)
{
	return eg_ledger_open_at(out, spool_dir, NULL, NULL,
				 EG_LEDGER_CREATE, e);
}

eg_err
eg_ledger_open_mode(eg_ledger **out, const char *spool_dir, int mode,
		    eg_error *e)
{
	return eg_ledger_open_at(out, spool_dir, NULL, NULL, mode, e);
}

eg_err
eg_ledger_open_at(eg_ledger **out, const char *spool_dir, const char *url,
		  const char *node, int mode, eg_error *e)
{
	eg_ledger *l;
	eg_err rc;

	*out = NULL;
	if (url && *url && !eg_ledger_is_url(url))
		return eg_fail(e, EG_ECONFIG,
			       "ledger '%s': not a postgresql:// URL (leave "
			       "it unset for the SQLite ledger in the spool)",
			       url);
	l = calloc(1, sizeof(*l));
	if (!l)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	l->ops = url && *url ? &eg_ledger_pg_ops : &eg_ledger_sqlite_ops;
	snprintf(l->node, sizeof(l->node), "%s", node ? node : "");
	l->lease_secs = 60;
	rc = l->ops->open(l, url && *url ? url : spool_dir, mode, e);
	if (rc) {
		eg_ledger_close(l);
		return rc;
	}
	*out = l;
	return EG_OK;
}

void
eg_ledger_close(eg_ledger *l)
{
	if (!l)
		return;
	if (l->in_tx && l->be)
		eg_ledger_rollback(l);
	l->ops->close(l);
	free(l);
}

const char *
eg_ledger_path(const eg_ledger *l)
{
	return l->path;
}

int
eg_ledger_kind(const eg_ledger *l)
{
	return l->ops->kind;
}

const char *
eg_ledger_node(const eg_ledger *l)
{
	return l->node;
}

int64_t
eg_ledger_changed(eg_ledger *l)
{
	return l->ops->changed(l);
}

int64_t
eg_ledger_changes(eg_ledger *l)
{
	return l->ops->total_changes(l);
}

/* SQLite: is spool/ledger.db still the file opened?  A PostgreSQL
 * ledger is not replaced under a node. */
int
eg_ledger_replaced(const eg_ledger *l)
{
	struct stat sb;

	if (l->ops->kind != EG_LEDGER_KIND_SQLITE)
		return 0;
	return stat(l->path, &sb) != 0 || sb.st_dev != l->dev ||
	       sb.st_ino != l->ino;
}

eg_err
eg_ledger_begin(eg_ledger *l, eg_error *e)
{
	eg_err rc;

	if (l->in_tx)
		return eg_fail(e, EG_EINTERNAL, "ledger transaction nested");
	if ((rc = l->ops->begin(l, e)))
		return rc;
	l->in_tx = 1;
	return EG_OK;
}

/* A commit under a lease first checks (and renews) it: a node that lost
 * its lease writes nothing (ledger_nodes.c). */
eg_err
eg_ledger_commit(eg_ledger *l, eg_error *e)
{
	eg_err rc = l->lease[0] ? eg_ledger_fence_check(l, e) : EG_OK;

	if (!rc)
		rc = l->ops->commit(l, e);
	if (rc) {
		eg_ledger_rollback(l);
		return rc;
	}
	l->in_tx = 0;
	return EG_OK;
}

void
eg_ledger_rollback(eg_ledger *l)
{
	l->ops->rollback(l);
	l->in_tx = 0;
}

int
eg_ledger_in_tx(const eg_ledger *l)
{
	return l->in_tx;
}

static eg_err
savepoint_sql(eg_ledger *l, const char *verb, const char *name, eg_error *e)
{
	char sql[96];

	if ((size_t)snprintf(sql, sizeof(sql), "%s %s", verb, name) >=
	    sizeof(sql))
		return eg_fail(e, EG_EINTERNAL, "savepoint name too long");
	return l->ops->plain(l, sql, e);
}

eg_err
eg_ledger_savepoint(eg_ledger *l, const char *name, eg_error *e)
{
	return savepoint_sql(l, "SAVEPOINT", name, e);
}

eg_err
eg_ledger_release(eg_ledger *l, const char *name, eg_error *e)
{
	return savepoint_sql(l, "RELEASE", name, e);
}

eg_err
eg_ledger_rollback_to(eg_ledger *l, const char *name, eg_error *e)
{
	eg_err rc = savepoint_sql(l, "ROLLBACK TO", name, e);

	return rc ? rc : savepoint_sql(l, "RELEASE", name, e);
}

eg_err
eg_ledger_plain(eg_ledger *l, const char *sql, eg_error *e)
{
	return l->ops->plain(l, sql, e);
}

static eg_err
exec_v(eg_ledger *l, eg_error *e, const char *sql, const char *types,
       va_list ap)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	rc = l->ops->prepare(l, &st, e, sql, types, ap);
	if (rc)
		return rc;
	while ((r = l->ops->step(l, st, e)) == 1)
		;
	if (r < 0)
		rc = e->code ? e->code : EG_EIO;
	l->ops->done(st);
	return rc;
}

/* Under a lease, a statement outside a transaction gets one of its own:
 * its commit checks the fencing token like any other (ledger_nodes.h). */
eg_err
eg_ledger_exec(eg_ledger *l, eg_error *e, const char *sql, const char *types,
	       ...)
{
	int own = l->lease[0] && !l->in_tx && !l->fencing;
	va_list ap;
	eg_err rc;

	if (own && (rc = eg_ledger_begin(l, e)))
		return rc;
	va_start(ap, types);
	rc = exec_v(l, e, sql, types, ap);
	va_end(ap);
	if (own) {
		if (!rc)
			rc = eg_ledger_commit(l, e);
		else
			eg_ledger_rollback(l);
	}
	return rc;
}

eg_err
eg_ledger_query(eg_ledger *l, eg_stmt **out, eg_error *e, const char *sql,
		const char *types, ...)
{
	va_list ap;
	eg_err rc;

	va_start(ap, types);
	rc = l->ops->prepare(l, out, e, sql, types, ap);
	va_end(ap);
	return rc;
}

int
eg_ledger_step(eg_ledger *l, eg_stmt *st, eg_error *e)
{
	return l->ops->step(l, st, e);
}

/* Done with a statement: SQLite keeps it for its next use (and
 * finalizes it when the ledger closes); PostgreSQL frees its result. */
void
eg_ledger_done(eg_stmt *st)
{
	if (st)
		st->ops->done(st);
}

const char *
eg_col_text(eg_stmt *st, int i)
{
	return st->ops->col_text(st, i);
}

int64_t
eg_col_int(eg_stmt *st, int i)
{
	return st->ops->col_int(st, i);
}

int
eg_col_null(eg_stmt *st, int i)
{
	return st->ops->col_null(st, i);
}

eg_err
eg_ledger_int(eg_ledger *l, int64_t *out, int64_t dflt, eg_error *e,
	      const char *sql, const char *types, ...)
{
	eg_stmt *st;
	va_list ap;
	eg_err rc;
	int r;

	va_start(ap, types);
	rc = l->ops->prepare(l, &st, e, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	*out = r == 1 && !eg_col_null(st, 0) ? eg_col_int(st, 0) : dflt;
	eg_ledger_done(st);
	return r < 0 ? e->code : EG_OK;
}

int64_t
eg_ledger_last_rowid(eg_ledger *l)
{
	return l->ops->last_rowid(l);
}

eg_err
eg_ledger_snapshot(eg_ledger *l, const char *path, eg_error *e)
{
	return l->ops->snapshot(l, path, e);
}

/* One statement that reads and advances the number: the row stays
 * locked until the caller's commit, so two nodes never take the same
 * number, and a rollback gives it back. */
eg_err
eg_ledger_next_control(eg_ledger *l, const char *partner, const char *kind,
		       uint64_t *out, eg_error *e)
{
	int64_t last = 0;
	eg_err rc;

	rc = eg_ledger_int(l, &last, 0, e,
			   "INSERT INTO control_numbers(partner,kind,last) "
			   "VALUES(?1,?2,1) ON CONFLICT(partner,kind) "
			   "DO UPDATE SET last=CASE WHEN "
			   "control_numbers.last>=999999999 THEN 1 ELSE "
			   "control_numbers.last+1 END RETURNING last",
			   "tt", partner, kind);
	if (!rc && last <= 0)
		rc = eg_fail(e, EG_EINTERNAL, "control number of %s (%s): "
			     "the ledger returned none", partner, kind);
	if (!rc)
		*out = (uint64_t)last;
	return rc;
}

eg_err
eg_ledger_audit(eg_ledger *l, const char *actor, const char *action,
		const char *file_id, const char *reason, const char *detail,
		eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO audit(at,actor,action,file_id,"
			      "reason,detail) VALUES(strftime('%s','now'),"
			      "?1,?2,?3,?4,?5)",
			      "ttttt", actor, action, file_id, reason, detail);
}

eg_err
eg_ledger_audit_at(eg_ledger *l, int64_t at, const char *actor,
		   const char *action, const char *file_id, const char *reason,
		   const char *detail, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO audit(at,actor,action,file_id,"
			      "reason,detail) VALUES(?1,?2,?3,?4,?5,?6)",
			      "ittttt", at, actor, action, file_id, reason,
			      detail);
}

eg_err
eg_ledger_set_state(eg_ledger *l, const char *file_id, const char *state,
		    const char *note, eg_error *e)
{
	eg_err rc;

	rc = eg_ledger_exec(l, e, "UPDATE files SET state=?1 WHERE id=?2",
			    "tt", state, file_id);
	if (!rc)
		rc = eg_ledger_exec(l, e,
				    "INSERT INTO file_events(file_id,at,state,"
				    "note) VALUES(?1,strftime('%s','now'),"
				    "?2,?3)",
				    "ttt", file_id, state, note);
	return rc;
}
