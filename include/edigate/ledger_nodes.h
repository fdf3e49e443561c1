/*
 * ledger_nodes.h - several gateway nodes on one ledger (docs/nodes.md):
 * nodes and their heartbeats, leases with fencing tokens, and atomic
 * claims of remote files (ledger_nodes.c).
 *
 * A lease is a named row (a partner's work: "partner:ID") held by one
 * node until it expires, on the database's clock.  Taking it back while
 * it runs keeps its fencing token; taking it over after it expired (or
 * was released) gives a larger token.  While a ledger holds a lease
 * (eg_ledger_lease_fence), every commit first renews it under the
 * token it was taken with: when another node has taken it over since,
 * the commit is refused and nothing of the transaction is written.
 *
 * A claim is the unique key of a remote file (partner, source, path,
 * size, mtime, content hash): inserted in the transaction that records
 * the file, it is won by exactly one node, never by a check then an
 * insert.  A claim is dropped when the file's clean-up (delete, move)
 * is done, so a new file later at the same path is a new claim.
 */
#ifndef EDIGATE_LEDGER_NODES_H
#define EDIGATE_LEDGER_NODES_H

#include <stdint.h>

#include "edigate/ledger.h"

/* Is this ledger shared by nodes (PostgreSQL)?  Leases and claims are
 * taken only there; a lone SQLite ledger has its run lock. */
int eg_ledger_shared(const eg_ledger *l);

/* This node is alive: its row in nodes (host, pid, version) with the
 * database clock as heartbeat.  Its own transaction unless the caller
 * has one. */
eg_err eg_ledger_node_beat(eg_ledger *l, const char *host, int64_t pid,
			   const char *version, eg_error *e) EG_MUST_USE;

/* Take (or renew) lease name for secs seconds.  *got 1: this node holds
 * it, *token is its fencing token; *got 0: holder (cap 64) and *until
 * say who holds it and until when (database clock, seconds). */
eg_err eg_ledger_lease_take(eg_ledger *l, const char *name, int64_t secs,
			    int *got, int64_t *token, char holder[64],
			    int64_t *until, eg_error *e) EG_MUST_USE;
/* From now on every commit must still hold lease name with token (and
 * renews it for secs); name NULL: no more. */
void eg_ledger_lease_fence(eg_ledger *l, const char *name, int64_t token,
			   int64_t secs);
/* Before an action outside the ledger (a delivery, a clean-up on the
 * partner's server): does this node still hold its lease?  Renews it;
 * refused as a commit would be when the token is stale.  EG_OK when no
 * lease is held. */
eg_err eg_ledger_lease_check(eg_ledger *l, eg_error *e) EG_MUST_USE;
/* Give lease name up (it expires now) if this node still holds it
 * with token: another node may take it at once. */
eg_err eg_ledger_lease_release(eg_ledger *l, const char *name,
			       int64_t token, eg_error *e) EG_MUST_USE;

/* Claim a remote file inside the caller's transaction: *won 1 when this
 * node recorded it first, 0 when another node (or an earlier run) has. */
eg_err eg_ledger_claim(eg_ledger *l, const char *partner, const char *source,
		       const char *remote_path, uint64_t size, int64_t mtime,
		       const char *sha256, int64_t now, int *won,
		       eg_error *e) EG_MUST_USE;

/* The nodes, for status: fn(ud, name, host, pid, heartbeat, leases
 * held now) for each, newest heartbeat first. */
typedef eg_err (*eg_ledger_node_fn)(void *ud, const char *name,
				    const char *host, int64_t pid,
				    int64_t heartbeat, int64_t leases,
				    eg_error *e);
eg_err eg_ledger_nodes(eg_ledger *l, eg_ledger_node_fn fn, void *ud,
		       eg_error *e) EG_MUST_USE;

/* The leases, for status: fn(ud, name, node, token, expires) for each
 * held now (expires on the database clock), by name; *now gets the
 * database clock. */
typedef eg_err (*eg_ledger_lease_fn)(void *ud, const char *name,
				     const char *node, int64_t token,
				     int64_t expires, eg_error *e);
eg_err eg_ledger_leases(eg_ledger *l, int64_t *now, eg_ledger_lease_fn fn,
			void *ud, eg_error *e) EG_MUST_USE;

#endif
