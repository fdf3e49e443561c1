/*
 * ledger_int.h - the seam between the ledger API (ledger.h) and its
 * backends: SQLite (ledger_sqlite.c, the embedded default) and
 * PostgreSQL (ledger_pg.c, for several nodes on one ledger).
 *
 * The ledger's functions are written once, as SQL with numbered
 * parameters in SQLite's spelling; a backend runs them.  What a backend
 * provides is this table: open a connection, run plain SQL, prepare,
 * bind, step and read a statement, transactions, and the few facts SQL
 * cannot say portably (the last row id, the rows a statement changed).
 * PostgreSQL rewrites the few SQLite spellings when it prepares
 * (ledger_pg.c says which); where a statement cannot be rewritten, the
 * function asks eg_ledger_kind() and runs the other spelling.  Each
 * backend keeps its own schema migrations, one list per backend with
 * the same versions (EG_LEDGER_SCHEMA).
 */
#ifndef EDIGATE_LEDGER_INT_H
#define EDIGATE_LEDGER_INT_H

#include <limits.h>
#include <stdarg.h>
#include <sys/types.h>

#include "edigate/ledger.h"

typedef struct eg_ledger_ops eg_ledger_ops;

/* Every backend's statement begins with this (its ops, for the column
 * accessors that get the statement alone). */
struct eg_stmt {
	const eg_ledger_ops *ops;
};

struct eg_ledger_ops {
	const char *name; /* "sqlite", "postgresql" */
	int kind;         /* EG_LEDGER_KIND_* */
	/* connect and migrate; target: spool dir (sqlite) or URL */
	eg_err (*open)(eg_ledger *l, const char *target, int mode,
		       eg_error *e);
	void (*close)(eg_ledger *l);
	/* SQL without parameters (may hold several statements) */
	eg_err (*plain)(eg_ledger *l, const char *sql, eg_error *e);
	eg_err (*prepare)(eg_ledger *l, eg_stmt **out, eg_error *e,
			  const char *sql, const char *types, va_list ap);
	int (*step)(eg_ledger *l, eg_stmt *st, eg_error *e);
	void (*done)(eg_stmt *st);
	const char *(*col_text)(eg_stmt *st, int i);
	int64_t (*col_int)(eg_stmt *st, int i);
	int (*col_null)(eg_stmt *st, int i);
	int64_t (*last_rowid)(eg_ledger *l);
	int64_t (*changed)(eg_ledger *l);       /* by the last statement */
	int64_t (*total_changes)(eg_ledger *l); /* since the open */
	/* BEGIN (IMMEDIATE on SQLite) / COMMIT / ROLLBACK */
	eg_err (*begin)(eg_ledger *l, eg_error *e);
	eg_err (*commit)(eg_ledger *l, eg_error *e);
	void (*rollback)(eg_ledger *l);
	eg_err (*snapshot)(eg_ledger *l, const char *path, eg_error *e);
};

struct eg_ledger {
	const eg_ledger_ops *ops;
	void *be;             /* the backend's connection state */
	char path[PATH_MAX];  /* ledger.db, or the URL without password */
	dev_t dev;            /* of ledger.db opened (eg_ledger_replaced) */
	ino_t ino;
	char node[64];        /* this node's name ("" on a lone SQLite) */
	int in_tx;
	/* the lease every commit must still hold (its fencing token);
	 * lease[0] == '\0': none */
	char lease[128];
	int64_t token;
	int64_t lease_secs;
	int fencing; /* the fence's own statements run as they are */
};

extern const eg_ledger_ops eg_ledger_sqlite_ops;
extern const eg_ledger_ops eg_ledger_pg_ops;

/* The migrations of each backend, from version 1 on (their count is
 * EG_LEDGER_SCHEMA). */
extern const char *const eg_ledger_sqlite_migrations[];
extern const char *const eg_ledger_pg_migrations[];

/* Check and renew the ledger's lease inside the open transaction: a
 * stale fencing token refuses the commit (ledger_nodes.c). */
eg_err eg_ledger_fence_check(eg_ledger *l, eg_error *e) EG_MUST_USE;

#endif
