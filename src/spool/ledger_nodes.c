/*
 * ledger_nodes.c - nodes, leases with fencing tokens and claims of
 * remote files (ledger_nodes.h, docs/nodes.md).
 *
 * Each is one statement that the database makes atomic: an upsert whose
 * WHERE decides who wins a lease, an UPDATE that renews it only under
 * the token it was taken with, an INSERT ... ON CONFLICT DO NOTHING
 * that wins a claim or finds it taken.  On PostgreSQL the row each one
 * touches stays locked until its transaction ends, so a takeover waits
 * for a commit that still renews under the old token, and a commit
 * after a takeover finds the new token and is refused.  Times are the
 * database's clock, the same for every node.
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_nodes.h"
#include "ledger_int.h"

int
eg_ledger_shared(const eg_ledger *l)
{
	return l->ops->kind == EG_LEDGER_KIND_PG;
}

eg_err
eg_ledger_node_beat(eg_ledger *l, const char *host, int64_t pid,
		    const char *version, eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "INSERT INTO nodes(name,host,pid,started,"
			      "heartbeat,version) VALUES(?1,?2,?3,"
			      "strftime('%s','now'),strftime('%s','now'),?4) "
			      "ON CONFLICT(name) DO UPDATE SET "
			      "host=COALESCE(excluded.host,nodes.host), "
			      "pid=excluded.pid, "
			      "heartbeat=excluded.heartbeat, "
			      "version=excluded.version",
			      "ttit", l->node, host, pid, version);
}

eg_err
eg_ledger_lease_take(eg_ledger *l, const char *name, int64_t secs, int *got,
		     int64_t *token, char holder[64], int64_t *until,
		     eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r;

	*got = 0;
	*token = 0;
	*until = 0;
	holder[0] = '\0';
	/* ours and running: renewed under the same token; free (expired or
	 * released): taken with the next token; another's: untouched */
	rc = eg_ledger_int(l, token, 0, e,
			   "INSERT INTO leases(name,node,token,acquired,"
			   "expires) VALUES(?1,?2,1,strftime('%s','now'),"
			   "strftime('%s','now')+?3) ON CONFLICT(name) DO "
			   "UPDATE SET token=CASE WHEN leases.node="
			   "excluded.node AND leases.expires>="
			   "excluded.acquired THEN leases.token ELSE "
			   "leases.token+1 END, acquired=CASE WHEN "
			   "leases.node=excluded.node AND leases.expires>="
			   "excluded.acquired THEN leases.acquired ELSE "
			   "excluded.acquired END, node=excluded.node, "
			   "expires=excluded.expires WHERE leases.node="
			   "excluded.node OR leases.expires<excluded.acquired "
			   "RETURNING token",
			   "tti", name, l->node, secs);
	if (rc)
		return rc;
	if (*token > 0) {
		*got = 1;
		return EG_OK;
	}
	rc = eg_ledger_query(l, &st, e,
			     "SELECT node, expires FROM leases WHERE name=?1",
			     "t", name);
	if (rc)
		return rc;
	r = eg_ledger_step(l, st, e);
	if (r == 1) {
		snprintf(holder, 64, "%s", eg_col_text(st, 0));
		*until = eg_col_int(st, 1);
	}
	eg_ledger_done(st);
	return r < 0 ? (e->code ? e->code : EG_EIO) : EG_OK;
}

void
eg_ledger_lease_fence(eg_ledger *l, const char *name, int64_t token,
		      int64_t secs)
{
	snprintf(l->lease, sizeof(l->lease), "%s", name ? name : "");
	l->token = name ? token : 0;
	l->lease_secs = secs > 0 ? secs : 60;
}

eg_err
eg_ledger_fence_check(eg_ledger *l, eg_error *e)
{
	char holder[64] = "";
	int64_t now_token = 0;
	eg_stmt *st;
	eg_err rc;

	l->fencing = 1;
	rc = eg_ledger_exec(l, e,
			    "UPDATE leases SET expires=strftime('%s','now')+?4"
			    " WHERE name=?1 AND node=?2 AND token=?3",
			    "ttii", l->lease, l->node, l->token, l->lease_secs);
	l->fencing = 0;
	if (rc)
		return rc;
	if (eg_ledger_changed(l) == 1)
		return EG_OK;
	if (!eg_ledger_query(l, &st, e,
			     "SELECT node, token FROM leases WHERE name=?1",
			     "t", l->lease)) {
		if (eg_ledger_step(l, st, e) == 1) {
			snprintf(holder, sizeof(holder), "%s",
				 eg_col_text(st, 0));
			now_token = eg_col_int(st, 1);
		}
		eg_ledger_done(st);
	}
	return eg_fail(e, EG_EIO,
		       "node %s lost its lease %s (its fencing token %lld is "
		       "stale: %s holds token %lld): the ledger refused the "
		       "write, nothing of it was recorded",
		       l->node, l->lease, (long long)l->token,
		       holder[0] ? holder : "nobody", (long long)now_token);
}

eg_err
eg_ledger_lease_check(eg_ledger *l, eg_error *e)
{
	return l->lease[0] ? eg_ledger_fence_check(l, e) : EG_OK;
}

eg_err
eg_ledger_lease_release(eg_ledger *l, const char *name, int64_t token,
			eg_error *e)
{
	return eg_ledger_exec(l, e,
			      "UPDATE leases SET expires=0 WHERE name=?1 AND "
			      "node=?2 AND token=?3",
			      "tti", name, l->node, token);
}

eg_err
eg_ledger_claim(eg_ledger *l, const char *partner, const char *source,
		const char *remote_path, uint64_t size, int64_t mtime,
		const char *sha256, int64_t now, int *won, eg_error *e)
{
	eg_err rc;

	*won = 0;
	rc = eg_ledger_exec(l, e,
			    "INSERT INTO claims(partner,source,remote_path,"
			    "size,mtime,sha256,node,at) VALUES(?1,?2,?3,?4,"
			    "?5,?6,?7,?8) ON CONFLICT DO NOTHING",
			    "tttiitti", partner, source, remote_path,
			    (int64_t)size, mtime, sha256, l->node, now);
	if (!rc)
		*won = eg_ledger_changed(l) == 1;
	return rc;
}

eg_err
eg_ledger_nodes(eg_ledger *l, eg_ledger_node_fn fn, void *ud, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_query(l, &st, e,
			     "SELECT n.name, COALESCE(n.host,''), "
			     "COALESCE(n.pid,0), n.heartbeat, (SELECT count(*) "
			     "FROM leases s WHERE s.node=n.name AND "
			     "s.expires>=strftime('%s','now')) FROM nodes n "
			     "ORDER BY n.heartbeat DESC, n.name",
			     "");
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_text(st, 0), eg_col_text(st, 1),
			eg_col_int(st, 2), eg_col_int(st, 3),
			eg_col_int(st, 4), e);
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code ? e->code : EG_EIO;
	return rc;
}

eg_err
eg_ledger_leases(eg_ledger *l, int64_t *now, eg_ledger_lease_fn fn, void *ud,
		 eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r = 0;

	rc = eg_ledger_int(l, now, 0, e, "SELECT strftime('%s','now')", "");
	if (rc)
		return rc;
	rc = eg_ledger_query(l, &st, e,
			     "SELECT name, node, token, expires FROM leases "
			     "WHERE expires>=?1 ORDER BY name",
			     "i", *now);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1)
		rc = fn(ud, eg_col_text(st, 0), eg_col_text(st, 1),
			eg_col_int(st, 2), eg_col_int(st, 3), e);
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code ? e->code : EG_EIO;
	return rc;
}
