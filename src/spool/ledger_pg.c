/*
 * ledger_pg.c - the ledger's PostgreSQL backend (ledger_int.h), through
 * libpq: one connection per process; the database is the one ledger of
 * every node of a site (docs/nodes.md).
 *
 * Statements come in SQLite's spelling and are rewritten once (kept by
 * the SQL text's address, as SQLite keeps its prepared statements):
 * numbered parameters ?N become $N ("?N IS NULL" $N::text, the one place
 * the server cannot tell a parameter's type), strftime('%s','now') the
 * database clock in seconds, hex(randomblob(8)) sixteen random hex
 * digits, group_concat string_agg and instr strpos, and SQLite's NOT
 * INDEXED hint goes.  Nothing inside a
 * quoted string is touched.  Each is then prepared once on the
 * connection and executed by name.  Parameters go as text and the server
 * infers their types, except 'i' (int8) and 'b' (bytea, binary).  A
 * query's rows are read whole into its result (the ledger's queries are
 * bounded by their LIMITs or by one partner's files), then stepped
 * through; booleans read as integers are 1 and 0, as in SQLite.
 *
 * Migrations: one transaction holding an advisory lock, so nodes that
 * start together migrate once; the version is in ledger_version (the
 * role PRAGMA user_version has in SQLite).  PostgreSQL's DDL is
 * transactional: a crash mid-migration leaves the previous version.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ledger_int.h"

#define XLATE_SLOTS 512 /* a power of two */
#define MAX_PARAMS 64
#define INT8_OID 20
#define BYTEA_OID 17

typedef struct pg_db {
	PGconn *c;
	int64_t changes; /* by the last statement */
	int64_t total;   /* rows inserted, updated, deleted since the open */
	struct {
		const char *sql; /* the caller's text (its address) */
		char *copy;      /* that text, to tell a reused buffer */
		char *pg;        /* rewritten */
		/* prepared on the connection as "egN" (N: the slot) for
		 * these parameter types ("" not yet) */
		char types[MAX_PARAMS + 1];
	} xlate[XLATE_SLOTS];
} pg_db;

typedef struct pg_stmt {
	struct eg_stmt base;
	PGresult *res;
	int row, nrows; /* row: the one step returned last, +1 */
} pg_stmt;

#define PG(l) ((pg_db *)(l)->be)

/* --- rewriting SQLite's spelling ------------------------------------------ */

static const struct {
	const char *from, *to;
	int word; /* must not follow a letter, digit or _ */
} spellings[] = {
    {"strftime('%s','now')", "(extract(epoch from now())::bigint)", 0},
    {"hex(randomblob(8))", "upper(substr(md5(random()::text),1,16))", 0},
    {"group_concat(", "string_agg(", 1},
    {"instr(", "strpos(", 1},
    /* SQLite's planner hint: PostgreSQL plans on its own */
    {" NOT INDEXED", "", 0},
};

static int
wordch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* The PostgreSQL spelling of sql, malloc'd; NULL when out of memory. */
static char *
rewrite(const char *sql)
{
	size_t n = strlen(sql), cap = n * 3 + 64, o = 0, i = 0, k;
	char *out = malloc(cap);
	int quoted = 0, next = 0;

	if (!out)
		return NULL;
	while (i < n && o + 48 < cap) {
		char c = sql[i];

		if (c == '\'') {
			quoted = !quoted;
			out[o++] = sql[i++];
			continue;
		}
		if (quoted) {
			out[o++] = sql[i++];
			continue;
		}
		for (k = 0; k < sizeof(spellings) / sizeof(spellings[0]); k++) {
			size_t fl = strlen(spellings[k].from);
			size_t tl = strlen(spellings[k].to);

			if (strncmp(sql + i, spellings[k].from, fl) ||
			    (spellings[k].word && i > 0 && wordch(sql[i - 1])))
				continue;
			if (o + tl + 48 >= cap)
				break;
			memcpy(out + o, spellings[k].to, tl);
			o += tl;
			i += fl;
			break;
		}
		if (k < sizeof(spellings) / sizeof(spellings[0]))
			continue;
		if (c == '?') {
			out[o++] = '$';
			i++;
			if (sql[i] >= '0' && sql[i] <= '9') {
				while (sql[i] >= '0' && sql[i] <= '9')
					out[o++] = sql[i++];
			} else {
				o += (size_t)snprintf(out + o, cap - o, "%d",
						      ++next);
			}
			/* "?N IS NULL" alone does not tell the server the
			 * parameter's type: text (an int8 one casts) */
			if (!strncmp(sql + i, " IS NULL", 8) ||
			    !strncmp(sql + i, " IS NOT NULL", 12)) {
				memcpy(out + o, "::text", 6);
				o += 6;
			}
			continue;
		}
		out[o++] = sql[i++];
	}
	if (i < n) { /* cannot happen: cap is three times the input */
		free(out);
		return NULL;
	}
	out[o] = '\0';
	return out;
}

/* The rewritten text of sql, kept by its address (*slot its place, -1
 * when not kept); *tmp is set when the table is full or the buffer was
 * used again for other SQL, and the caller must free the text. */
static const char *
xlate(pg_db *d, const char *sql, char **tmp, int *slot)
{
	size_t h = ((size_t)(uintptr_t)sql >> 4) & (XLATE_SLOTS - 1), i;

	*tmp = NULL;
	*slot = -1;
	for (i = 0; i < XLATE_SLOTS; i++) {
		size_t s = (h + i) & (XLATE_SLOTS - 1);

		if (d->xlate[s].sql == sql) {
			if (!strcmp(d->xlate[s].copy, sql)) {
				*slot = (int)s;
				return d->xlate[s].pg;
			}
			break; /* a buffer used again for other SQL */
		}
		if (!d->xlate[s].sql) {
			d->xlate[s].pg = rewrite(sql);
			d->xlate[s].copy = strdup(sql);
			if (!d->xlate[s].pg || !d->xlate[s].copy) {
				free(d->xlate[s].pg);
				free(d->xlate[s].copy);
				d->xlate[s].pg = d->xlate[s].copy = NULL;
				return NULL;
			}
			d->xlate[s].sql = sql;
			*slot = (int)s;
			return d->xlate[s].pg;
		}
	}
	return *tmp = rewrite(sql);
}

/* --- errors --------------------------------------------------------------- */

static eg_err
pg_fail(eg_ledger *l, eg_error *e, const char *what, const PGresult *r)
{
	/* the primary message: one line, without the caret drawing */
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
			    : NULL;
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	size_t n;

	if (!msg || !*msg)
		msg = PQerrorMessage(PG(l)->c);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	/* 53100: disk full, as SQLite says it */
	if (state && !strcmp(state, "53100"))
		return eg_fail(e, EG_EIO, "ledger %s: %s: the disk holding "
			       "the database is full", l->path, what);
	/* the server's words first: the statement can be long */
	return eg_fail(e, EG_EIO, "ledger %s: %.*s (in: %.160s)", l->path,
		       (int)n, msg, what);
}

/* --- statements ----------------------------------------------------------- */

static eg_err
run(eg_ledger *l, PGresult *r, const char *what, eg_error *e)
{
	ExecStatusType s = PQresultStatus(r);
	const char *ct;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		eg_err rc = pg_fail(l, e, what, r);

		PQclear(r);
		return rc;
	}
	ct = PQcmdTuples(r);
	PG(l)->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
	/* SQLite's total_changes counts these three only */
	if (!strncmp(PQcmdStatus(r), "INSERT", 6) ||
	    !strncmp(PQcmdStatus(r), "UPDATE", 6) ||
	    !strncmp(PQcmdStatus(r), "DELETE", 6))
		PG(l)->total += PG(l)->changes;
	return EG_OK;
}

static eg_err
pg_plain(eg_ledger *l, const char *sql, eg_error *e)
{
	PGresult *r = PQexec(PG(l)->c, sql);
	eg_err rc = run(l, r, sql[0] == 'C' || sql[0] == 'A' ? "schema" : sql,
			e);

	if (!rc)
		PQclear(r);
	return rc;
}

static void
pg_done(eg_stmt *st)
{
	pg_stmt *s = (pg_stmt *)st;

	if (!s)
		return;
	PQclear(s->res);
	free(s);
}

/*
 * A statement the ledger runs again and again is parsed and planned once
 * per connection: prepared under its slot's name on first use, then
 * executed by name.  The same text with other parameter types (never
 * from one call site) runs unprepared.  A failed PREPARE is returned as
 * the statement's error and tried again next time.
 */
static PGresult *
exec_prepared(eg_ledger *l, int slot, const char *text, const char *types,
	      int n, const Oid *oids, const char *const *vals,
	      const int *lens, const int *fmts)
{
	pg_db *d = PG(l);
	char name[16];
	PGresult *r;

	snprintf(name, sizeof(name), "eg%d", slot);
	if (!d->xlate[slot].types[0] && n > 0) {
		r = PQprepare(d->c, name, text, n, oids);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		snprintf(d->xlate[slot].types, sizeof(d->xlate[slot].types),
			 "%s", types);
	}
	if (n == 0 || strcmp(d->xlate[slot].types, types))
		return PQexecParams(d->c, text, n, oids, vals, lens, fmts, 0);
	return PQexecPrepared(d->c, name, n, vals, lens, fmts, 0);
}

static eg_err
pg_prepare(eg_ledger *l, eg_stmt **out, eg_error *e, const char *sql,
	   const char *types, va_list ap)
{
	const char *vals[MAX_PARAMS];
	Oid oids[MAX_PARAMS];
	int lens[MAX_PARAMS], fmts[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	char *tmp = NULL;
	const char *text;
	pg_stmt *st;
	PGresult *r;
	int i, n = (int)strlen(types), slot;
	eg_err rc;

	*out = NULL;
	if (n > MAX_PARAMS)
		return eg_fail(e, EG_EINTERNAL, "ledger statement: %d "
			       "parameters, more than %d", n, MAX_PARAMS);
	for (i = 0; i < n; i++) {
		oids[i] = 0;
		lens[i] = 0;
		fmts[i] = 0;
		switch (types[i]) {
		case 't':
			vals[i] = va_arg(ap, const char *);
			break;
		case 'i':
			snprintf(ints[i], sizeof(ints[i]), "%lld",
				 (long long)va_arg(ap, int64_t));
			vals[i] = ints[i];
			oids[i] = INT8_OID;
			break;
		case 'b': {
			size_t len;

			vals[i] = va_arg(ap, const char *);
			len = va_arg(ap, size_t);
			if (len > INT32_MAX)
				return eg_fail(e, EG_ELIMIT, "ledger value "
					       "too large");
			lens[i] = (int)len;
			fmts[i] = 1;
			oids[i] = BYTEA_OID;
			break;
		}
		default:
			return eg_fail(e, EG_EINTERNAL, "bad bind type '%c'",
				       types[i]);
		}
	}
	if (!(text = xlate(PG(l), sql, &tmp, &slot)))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	r = slot >= 0 ? exec_prepared(l, slot, text, types, n, oids, vals,
				      lens, fmts)
		      : PQexecParams(PG(l)->c, text, n, oids, vals, lens,
				     fmts, 0);
	free(tmp);
	if ((rc = run(l, r, sql, e)))
		return rc;
	if (!(st = calloc(1, sizeof(*st)))) {
		PQclear(r);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	st->base.ops = &eg_ledger_pg_ops;
	st->res = r;
	st->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	*out = &st->base;
	return EG_OK;
}

static int
pg_step(eg_ledger *l, eg_stmt *st, eg_error *e)
{
	pg_stmt *s = (pg_stmt *)st;

	(void)l;
	(void)e;
	if (s->row >= s->nrows)
		return 0;
	s->row++;
	return 1;
}

static const char *
pg_col_text(eg_stmt *st, int i)
{
	pg_stmt *s = (pg_stmt *)st;

	if (s->row < 1 || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row - 1, i))
		return "";
	return PQgetvalue(s->res, s->row - 1, i);
}

/* Integers as SQLite gives them: booleans (t, f) as 1 and 0, a
 * fraction truncated. */
static int64_t
pg_col_int(eg_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	if (!strcmp(v, "t"))
		return 1;
	return strtoll(v, NULL, 10);
}

static int
pg_col_null(eg_stmt *st, int i)
{
	pg_stmt *s = (pg_stmt *)st;

	return s->row < 1 || i >= PQnfields(s->res) ||
	       PQgetisnull(s->res, s->row - 1, i);
}

/* The id the last INSERT took from its table's sequence. */
static int64_t
pg_last_rowid(eg_ledger *l)
{
	PGresult *r = PQexec(PG(l)->c, "SELECT lastval()");
	int64_t v = 0;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static int64_t
pg_changed(eg_ledger *l)
{
	return PG(l)->changes;
}

static int64_t
pg_total_changes(eg_ledger *l)
{
	return PG(l)->total;
}

static eg_err
pg_begin(eg_ledger *l, eg_error *e)
{
	return pg_plain(l, "BEGIN", e);
}

/* A transaction that failed part-way ends in ROLLBACK, not COMMIT. */
static eg_err
pg_commit(eg_ledger *l, eg_error *e)
{
	PGresult *r = PQexec(PG(l)->c, "COMMIT");
	eg_err rc = run(l, r, "commit", e);

	if (rc)
		return rc;
	if (strcmp(PQcmdStatus(r), "COMMIT"))
		rc = eg_fail(e, EG_EIO, "ledger %s: commit: the transaction "
			     "was rolled back", l->path);
	PQclear(r);
	return rc;
}

static void
pg_rollback(eg_ledger *l)
{
	if (PG(l) && PG(l)->c &&
	    PQtransactionStatus(PG(l)->c) != PQTRANS_IDLE)
		PQclear(PQexec(PG(l)->c, "ROLLBACK"));
}

static eg_err
pg_snapshot(eg_ledger *l, const char *path, eg_error *e)
{
	(void)path;
	return eg_fail(e, EG_EUNSUPPORTED,
		       "ledger %s: a copy of a PostgreSQL ledger (run "
		       "--dry-run) is not supported yet",
		       l->path);
}

/* --- open, migrate, close ------------------------------------------------- */

static void
quiet(void *ud, const char *msg)
{
	(void)ud;
	(void)msg; /* NOTICEs (IF NOT EXISTS ...) are not the operator's */
}

/* The URL without its password, for messages. */
static void
safe_url(char *dst, size_t cap, const char *url)
{
	const char *s = strstr(url, "://"), *at, *colon;

	snprintf(dst, cap, "%s", url);
	if (!s)
		return;
	s += 3;
	at = strchr(s, '@');
	colon = strchr(s, ':');
	if (at && colon && colon < at && (!strchr(s, '/') ||
					  strchr(s, '/') > at))
		snprintf(dst, cap, "%.*s:***%s", (int)(colon - url), url, at);
}

static eg_err
migrate(eg_ledger *l, int mode, eg_error *e)
{
	int64_t v = 0;
	char bump[80];
	eg_err rc;
	int i;

	if ((rc = eg_ledger_begin(l, e)))
		return rc;
	rc = pg_plain(l, "SELECT pg_advisory_xact_lock(4207131001)", e);
	if (!rc)
		rc = pg_plain(l, "CREATE TABLE IF NOT EXISTS ledger_version ("
				 "version BIGINT NOT NULL)", e);
	if (!rc)
		rc = eg_ledger_int(l, &v, 0, e,
				   "SELECT max(version) FROM ledger_version", "");
	if (!rc && v > EG_LEDGER_SCHEMA)
		rc = eg_fail(e, EG_ECONFIG,
			     "ledger %s has schema version %lld, newer than "
			     "this edigate knows (%u): use a newer edigate",
			     l->path, (long long)v, (unsigned)EG_LEDGER_SCHEMA);
	if (!rc && v == 0 && mode != EG_LEDGER_CREATE)
		rc = eg_fail(e, EG_ENOTFOUND, "no ledger in %s: nothing has "
			     "run on it", l->path);
	for (i = (int)v; !rc && i < EG_LEDGER_SCHEMA; i++)
		rc = pg_plain(l, eg_ledger_pg_migrations[i], e);
	if (!rc && v < EG_LEDGER_SCHEMA) {
		snprintf(bump, sizeof(bump),
			 "DELETE FROM ledger_version; INSERT INTO "
			 "ledger_version VALUES(%d)", EG_LEDGER_SCHEMA);
		rc = pg_plain(l, bump, e);
	}
	if (!rc)
		return eg_ledger_commit(l, e);
	eg_ledger_rollback(l);
	return rc;
}

static eg_err
pg_open(eg_ledger *l, const char *url, int mode, eg_error *e)
{
	pg_db *d = calloc(1, sizeof(*d));

	if (!d)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	l->be = d;
	safe_url(l->path, sizeof(l->path), url);
	d->c = PQconnectdb(url);
	if (!d->c)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (PQstatus(d->c) != CONNECTION_OK) {
		const char *m = PQerrorMessage(d->c);
		size_t n = strlen(m);

		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			n--;
		return eg_fail(e, EG_EIO, "ledger %s: cannot connect: %.*s",
			       l->path, (int)n, m);
	}
	PQsetNoticeProcessor(d->c, quiet, NULL);
	return migrate(l, mode, e);
}

static void
pg_close(eg_ledger *l)
{
	pg_db *d = l->be;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < XLATE_SLOTS; i++) {
		free(d->xlate[i].pg);
		free(d->xlate[i].copy);
	}
	PQfinish(d->c);
	free(d);
	l->be = NULL;
}

const eg_ledger_ops eg_ledger_pg_ops = {
    "postgresql",  EG_LEDGER_KIND_PG, pg_open,	   pg_close,
    pg_plain,	   pg_prepare,	      pg_step,	   pg_done,
    pg_col_text,   pg_col_int,	      pg_col_null, pg_last_rowid,
    pg_changed,	   pg_total_changes,  pg_begin,	   pg_commit,
    pg_rollback,   pg_snapshot,
};
