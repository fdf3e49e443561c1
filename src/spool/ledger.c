/*
 * ledger.c - the spool ledger on SQLite (see ledger.h, docs/ledger.md).
 *
 * Migrations are a list of SQL scripts; user_version says how many have
 * run.  Each runs in its own transaction with the version bump, so a
 * crash mid-migration leaves the previous version intact.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "edigate/fsutil.h"
#include "edigate/ledger.h"

/*
 * Prepared statements are kept and reused: the pipeline runs the same
 * few dozen statements for every file and set, and preparing them each
 * time was nearly half its CPU.  Keyed by the SQL text's address (the
 * statements are string literals) and checked against the text.
 */
#define STMT_SLOTS 256 /* a power of two */
#define STMT_DEPTH 4   /* copies of one statement in use at once */

struct eg_ledger {
	sqlite3 *db;
	char path[PATH_MAX];
	dev_t dev; /* of the file opened (eg_ledger_replaced) */
	ino_t ino;
	int in_tx;
	struct {
		const char *sql;
		sqlite3_stmt *st[STMT_DEPTH];
	} cache[STMT_SLOTS];
};

/* Version 1.  Times are seconds since the epoch (UTC). */
static const char schema_v1[] =
    "CREATE TABLE files ("
    "  n INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"         /* 20261122-000042 */
    "  partner TEXT NOT NULL,"
    "  source TEXT NOT NULL,"            /* local sftp bundle reprocess */
    "  remote_path TEXT,"                /* where it was picked up */
    "  name TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  mtime INTEGER,"
    "  sha256 TEXT NOT NULL,"
    "  parent_id TEXT,"                  /* the bundle it came in */
    "  origin_id TEXT NOT NULL,"         /* first of a reprocess chain */
    "  reprocess_of TEXT,"
    "  forced INTEGER NOT NULL DEFAULT 0," /* reprocess --force */
    "  state TEXT NOT NULL,"
    "  final_state TEXT,"                /* decided, while processed */
    "  duplicate_of TEXT,"
    "  spool_path TEXT,"                 /* relative to the spool */
    "  archive_path TEXT,"
    "  post_action TEXT NOT NULL DEFAULT 'none'," /* none pending done */
    "  received_at INTEGER NOT NULL,"
    "  finished_at INTEGER,"
    "  run_id INTEGER,"
    "  summary TEXT"
    ");"
    "CREATE INDEX files_remote ON files(partner, remote_path, size, mtime);"
    "CREATE INDEX files_sha ON files(partner, sha256);"
    "CREATE INDEX files_state ON files(state);"
    "CREATE INDEX files_received ON files(received_at);"
    "CREATE TABLE file_events ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  state TEXT NOT NULL, note TEXT);"
    "CREATE INDEX file_events_file ON file_events(file_id);"
    "CREATE TABLE interchanges ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, seq INTEGER,"
    "  sender_q TEXT, sender TEXT, receiver_q TEXT, receiver TEXT,"
    "  isa13 TEXT, at INTEGER NOT NULL, status TEXT NOT NULL,"
    "  duplicate_of TEXT);"
    "CREATE INDEX interchanges_key ON interchanges(sender, receiver, isa13);"
    "CREATE INDEX interchanges_file ON interchanges(file_id);"
    "CREATE TABLE groups ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, isa13 TEXT,"
    "  gs01 TEXT, gs02 TEXT, gs03 TEXT, gs06 TEXT, gs08 TEXT,"
    "  status TEXT NOT NULL, duplicate_of TEXT);"
    "CREATE INDEX groups_key ON groups(gs02, gs03, gs06);"
    "CREATE INDEX groups_file ON groups(file_id);"
    "CREATE TABLE transactions ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, isa13 TEXT,"
    "  gs06 TEXT, st01 TEXT, st02 TEXT, status TEXT NOT NULL,"
    "  business_key TEXT, duplicate_of TEXT, records INTEGER DEFAULT 0);"
    "CREATE INDEX transactions_file ON transactions(file_id);"
    "CREATE INDEX transactions_st02 ON transactions(st02);"
    "CREATE TABLE business_keys ("
    "  partner TEXT NOT NULL, set_id TEXT NOT NULL, name TEXT NOT NULL,"
    "  value TEXT NOT NULL, file_id TEXT NOT NULL, txn_id INTEGER,"
    "  first_seen INTEGER NOT NULL, direction TEXT NOT NULL DEFAULT 'in',"
    "  PRIMARY KEY (partner, set_id, name, value));"
    "CREATE INDEX business_keys_value ON business_keys(value);"
    "CREATE TABLE ref_lines ("
    "  txn_id INTEGER NOT NULL, line_number TEXT, gtin TEXT, sku TEXT,"
    "  buyer_part TEXT, quantity TEXT, uom TEXT);"
    "CREATE INDEX ref_lines_txn ON ref_lines(txn_id);"
    "CREATE TABLE findings ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, level TEXT,"
    "  severity TEXT, code TEXT, rule TEXT, message TEXT,"
    "  offset INTEGER, segment INTEGER, seg_id TEXT, element INTEGER,"
    "  isa13 TEXT, gs06 TEXT, st02 TEXT, segment_text TEXT);"
    "CREATE INDEX findings_file ON findings(file_id);"
    "CREATE TABLE outputs ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"              /* records ack report quarantine
					    * archive */
    "  staged TEXT, path TEXT NOT NULL," /* relative to the spool */
    "  name TEXT, control TEXT, size INTEGER,"
    "  state TEXT NOT NULL,"             /* staged published sent */
    "  at INTEGER NOT NULL);"
    "CREATE INDEX outputs_file ON outputs(file_id);"
    "CREATE INDEX outputs_state ON outputs(state);"
    "CREATE TABLE control_numbers ("
    "  partner TEXT NOT NULL, kind TEXT NOT NULL, last INTEGER NOT NULL,"
    "  PRIMARY KEY (partner, kind));"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY, partner TEXT NOT NULL, started INTEGER NOT NULL,"
    "  finished INTEGER, status TEXT NOT NULL,"  /* running ok failed */
    "  files INTEGER DEFAULT 0, accepted INTEGER DEFAULT 0,"
    "  partial INTEGER DEFAULT 0, rejected INTEGER DEFAULT 0,"
    "  duplicates INTEGER DEFAULT 0, failed INTEGER DEFAULT 0,"
    "  waiting INTEGER DEFAULT 0, message TEXT);"
    "CREATE INDEX runs_partner ON runs(partner, started);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, action TEXT NOT NULL, file_id TEXT,"
    "  reason TEXT, detail TEXT);"
    "CREATE INDEX audit_file ON audit(file_id);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* Version 2: what telling duplicates from reused control numbers needs
 * (ledger_dedupe.c).  A set's digest is the SHA-256 of its ST..SE
 * segments (not indexed: it is looked up under one control number, found
 * by the interchanges and groups indexes, and an index would be written
 * for every set); ichg_seq ties it to its interchange in the file; ack_control
 * is our ISA13 of the acknowledgement that answered an interchange;
 * resend_of links a corrected resend to the rejected file it corrects;
 * past_dedupe marks a file a person let past the control-number check
 * (quarantine release, reprocess --force). */
static const char schema_v2[] =
    "ALTER TABLE transactions ADD COLUMN digest TEXT;"
    "ALTER TABLE transactions ADD COLUMN ichg_seq INTEGER;"
    "ALTER TABLE interchanges ADD COLUMN ack_control TEXT;"
    "ALTER TABLE files ADD COLUMN resend_of TEXT;"
    "ALTER TABLE files ADD COLUMN past_dedupe INTEGER NOT NULL DEFAULT 0;";

/* Version 3: acknowledgements partners sent us (ledger_acks.h). */
static const char schema_v3[] =
    "CREATE TABLE acks_in ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL,"
    "  partner TEXT NOT NULL, at INTEGER NOT NULL,"
    "  ack_type TEXT, level TEXT NOT NULL," /* interchange group set */
    "  isa13 TEXT, gs01 TEXT, gs06 TEXT, st01 TEXT, st02 TEXT,"
    "  status TEXT, codes TEXT, detail TEXT,"
    "  sent_file TEXT,"                     /* ours it answers, if known */
    "  attention INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX acks_in_file ON acks_in(file_id);"
    "CREATE INDEX acks_in_sent ON acks_in(sent_file);"
    "CREATE INDEX acks_in_attention ON acks_in(partner, attention);";

/* Version 4: the quarantine as a work queue (ledger_query.h): who owns
 * a quarantined file and the root-cause category a person set (NULL:
 * the profile's default owner, the category its findings say), and the
 * notes people wrote on it.  Who did what is in the audit log. */
static const char schema_v4[] =
    "CREATE TABLE IF NOT EXISTS quarantine_work ("
    "  file_id TEXT PRIMARY KEY, owner TEXT, category TEXT,"
    "  assigned_at INTEGER, assigned_by TEXT);"
    "CREATE TABLE IF NOT EXISTS quarantine_notes ("
    "  id INTEGER PRIMARY KEY, file_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS quarantine_notes_file"
    "  ON quarantine_notes(file_id);"
    "CREATE INDEX IF NOT EXISTS audit_at ON audit(at);";

/* Version 5: service-level alerts (ledger_alerts.h): each raised once
 * per (partner, rule, subject) while open, escalated from warning to
 * alert, cleared when resolved; what the alert hook said. */
static const char schema_v5[] =
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY, partner TEXT NOT NULL, rule TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"            /* period, document, "" */
    "  level TEXT NOT NULL,"              /* warning alert */
    "  message TEXT NOT NULL, raised_at INTEGER NOT NULL,"
    "  alert_at INTEGER,"                 /* when it became an alert */
    "  cleared_at INTEGER, cleared_note TEXT,"
    "  hook TEXT NOT NULL DEFAULT 'none'," /* none ok failed */
    "  hook_error TEXT, hook_at INTEGER);"
    "CREATE INDEX alerts_key ON alerts(partner, rule, subject);"
    "CREATE INDEX alerts_open ON alerts(cleared_at);";

/* Version 6: nightly master-data batches (ledger_batch.h).  batches: what
 * the delta of one file found against the baseline it was compared with
 * (base_id, "" for the first batch) and the baseline it left (its sorted
 * rows, spool-relative); baselines: the current one per partner and
 * document, moved only in the commit that decides an accepted batch. */
static const char schema_v6[] =
    "CREATE TABLE IF NOT EXISTS batches ("
    "  file_id TEXT PRIMARY KEY, partner TEXT NOT NULL,"
    "  document TEXT NOT NULL, base_id TEXT NOT NULL DEFAULT '',"
    "  verdict TEXT NOT NULL, why TEXT,"
    "  rows INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0,"
    "  changed INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  unchanged INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0,"
    "  duplicates INTEGER NOT NULL DEFAULT 0,"
    "  rows_before INTEGER NOT NULL DEFAULT 0,"
    "  baseline TEXT, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS baselines ("
    "  partner TEXT NOT NULL, document TEXT NOT NULL,"
    "  file_id TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (partner, document));";
/* Version 7: outbound documents (ledger_out.h): when each was delivered
 * to the partner's outbox, for acknowledgement windows. */
static const char schema_v7[] =
    "ALTER TABLE outputs ADD COLUMN sent_at INTEGER;";
/* Version 8: each run starts by marking its partner's runs still
 * "running" as crashed; a partial index keeps that a lookup, not a scan
 * of every run the partner ever had (serve checks a partner every
 * minute: half a million rows a year). */
static const char schema_v8[] =
    "CREATE INDEX IF NOT EXISTS runs_running ON runs(partner) "
    "WHERE status='running';";

static const char *const migrations[] = {schema_v1, schema_v2, schema_v3,
					 schema_v4, schema_v5, schema_v6,
					 schema_v7, schema_v8};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NMIGRATIONS == EG_LEDGER_SCHEMA,
	       "EG_LEDGER_SCHEMA (ledger.h) names the last migration");

static eg_err
db_fail(eg_ledger *l, eg_error *e, const char *what)
{
	int code = sqlite3_extended_errcode(l->db);
	eg_err rc = (code & 0xff) == SQLITE_NOMEM ? EG_ENOMEM : EG_EIO;

	if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
		rc = EG_ECONFIG;
	if ((code & 0xff) == SQLITE_FULL) /* say it in an operator's words */
		return eg_fail(e, rc, "ledger %s: %s: the disk holding the "
				      "spool is full (no space left on "
				      "device)",
			       l->path, what);
	return eg_fail(e, rc, "ledger %s: %s: %s", l->path, what,
		       sqlite3_errmsg(l->db));
}

static eg_err
exec_plain(eg_ledger *l, const char *sql, eg_error *e)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(l, e, sql[0] == 'C' || sql[0] == 'A' ? "schema" : sql);
	return EG_OK;
}

static eg_err
migrate(eg_ledger *l, eg_error *e)
{
	int64_t v = 0;
	size_t i;
	char bump[64];
	eg_err rc;

	if ((rc = eg_ledger_int(l, &v, 0, e, "PRAGMA user_version", "")))
		return rc;
	if (v > (int64_t)NMIGRATIONS)
		return eg_fail(e, EG_ECONFIG,
			       "ledger %s has schema version %lld, newer than "
			       "this edigate knows (%u): use a newer edigate",
			       l->path, (long long)v, (unsigned)NMIGRATIONS);
	for (i = (size_t)v; i < NMIGRATIONS; i++) {
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%u",
			 (unsigned)(i + 1));
		if ((rc = eg_ledger_begin(l, e)))
			return rc;
		rc = exec_plain(l, migrations[i], e);
		if (!rc)
			rc = exec_plain(l, bump, e);
		if (!rc)
			rc = eg_ledger_commit(l, e);
		if (rc) {
			eg_ledger_rollback(l);
			return rc;
		}
	}
	return EG_OK;
}

/* Open l->path read-only; *older when its schema is older than ours
 * (the caller migrates it or refuses). */
static eg_err
open_readonly(eg_ledger *l, int *older, eg_error *e)
{
	char uri[PATH_MAX + 32];
	int64_t v = 0;
	eg_err rc;

	char dir[PATH_MAX];
	const char *slash = strrchr(l->path, '/');

	/* SQLite reads a WAL ledger through its -shm file, made beside it:
	 * in a folder we may not write, read it as immutable instead */
	snprintf(dir, sizeof(dir), "%.*s",
		 slash ? (int)(slash - l->path) : 1, slash ? l->path : ".");
	if (access(dir, W_OK) != 0)
		goto immutable;
	if (sqlite3_open_v2(l->path, &l->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return l->db ? db_fail(l, e, "open")
			     : eg_fail(e, EG_ENOMEM, "out of memory");
	sqlite3_busy_timeout(l->db, 30000);
	if (eg_ledger_int(l, &v, 0, e, "PRAGMA user_version", "") == EG_OK)
		goto version;
	/* a WAL ledger on a read-only file system: nobody writes it, so
	 * read it as immutable */
	sqlite3_close(l->db);
	l->db = NULL;
immutable:
	if ((size_t)snprintf(uri, sizeof(uri), "file:%s?immutable=1",
			     l->path) >= sizeof(uri))
		return eg_fail(e, EG_ELIMIT, "spool path too long");
	if (sqlite3_open_v2(uri, &l->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return l->db ? db_fail(l, e, "open")
			     : eg_fail(e, EG_ENOMEM, "out of memory");
	if ((rc = eg_ledger_int(l, &v, 0, e, "PRAGMA user_version", "")))
		return rc;
version:
	if (v > (int64_t)NMIGRATIONS)
		return eg_fail(e, EG_ECONFIG,
			       "ledger %s has schema version %lld, newer than "
			       "this edigate knows (%u): use a newer edigate",
			       l->path, (long long)v, (unsigned)NMIGRATIONS);
	*older = v < (int64_t)NMIGRATIONS;
	return EG_OK;
}

eg_err
eg_ledger_open(eg_ledger **out, const char *spool_dir, eg_error *e)
{
	return eg_ledger_open_mode(out, spool_dir, EG_LEDGER_CREATE, e);
}

eg_err
eg_ledger_open_mode(eg_ledger **out, const char *spool_dir, int mode,
		    eg_error *e)
{
	eg_ledger *l;
	struct stat sb;
	eg_err rc;

	*out = NULL;
	if (mode == EG_LEDGER_CREATE && (rc = eg_mkdirs(spool_dir, e)))
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if ((size_t)snprintf(l->path, sizeof(l->path), "%s/ledger.db",
			     spool_dir) >= sizeof(l->path)) {
		free(l);
		return eg_fail(e, EG_ELIMIT, "spool path too long");
	}
	if (mode != EG_LEDGER_CREATE && stat(l->path, &sb) != 0) {
		free(l);
		return eg_fail(e, EG_ENOTFOUND, "no ledger at %s: nothing has "
			       "run on this spool", spool_dir);
	}
	if (mode == EG_LEDGER_READONLY) {
		int older = 0;

		rc = open_readonly(l, &older, e);
		if (rc || older)
			eg_ledger_close(l);
		if (rc)
			return rc;
		if (!older) {
			*out = l;
			return EG_OK;
		}
		/* an older ledger: upgraded in place where we may write
		 * (nothing new is created), else the reader is told */
		if (access(spool_dir, W_OK) != 0)
			return eg_fail(e, EG_ECONFIG,
				       "the ledger in %s was written by an "
				       "older edigate and this spool cannot "
				       "be written here: run `edigate run` on "
				       "it once (it upgrades the ledger)",
				       spool_dir);
		return eg_ledger_open_mode(out, spool_dir, EG_LEDGER_EXISTING,
					   e);
	}
	if (sqlite3_open_v2(l->path, &l->db,
			    SQLITE_OPEN_READWRITE |
				(mode == EG_LEDGER_CREATE ? SQLITE_OPEN_CREATE
							  : 0) |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = l->db ? db_fail(l, e, "open")
			   : eg_fail(e, EG_ENOMEM, "out of memory");
		eg_ledger_close(l);
		return rc;
	}
	/* another process (a support command during a run) may hold the
	 * write lock for a moment: wait rather than fail */
	sqlite3_busy_timeout(l->db, 30000);
	rc = exec_plain(l, "PRAGMA journal_mode=WAL", e);
	if (!rc)
		rc = exec_plain(l, "PRAGMA synchronous=FULL", e);
	if (!rc)
		rc = exec_plain(l, "PRAGMA foreign_keys=ON", e);
	if (!rc)
		rc = migrate(l, e);
	if (rc) {
		eg_ledger_close(l);
		return rc;
	}
	{
		struct stat now;

		if (stat(l->path, &now) == 0) {
			l->dev = now.st_dev;
			l->ino = now.st_ino;
		}
	}
	*out = l;
	return EG_OK;
}

int
eg_ledger_replaced(const eg_ledger *l)
{
	struct stat sb;

	return stat(l->path, &sb) != 0 || sb.st_dev != l->dev ||
	       sb.st_ino != l->ino;
}

void
eg_ledger_close(eg_ledger *l)
{
	size_t i, k;

	if (!l)
		return;
	if (l->in_tx)
		eg_ledger_rollback(l);
	for (i = 0; i < STMT_SLOTS; i++)
		for (k = 0; k < STMT_DEPTH; k++)
			sqlite3_finalize(l->cache[i].st[k]);
	sqlite3_close(l->db);
	free(l);
}

/* An idle prepared copy of sql, prepared and kept on first use. */
static int
stmt_get(eg_ledger *l, const char *sql, sqlite3_stmt **out)
{
	size_t h = ((size_t)(uintptr_t)sql >> 4) & (STMT_SLOTS - 1), i, k;

	for (i = 0; i < STMT_SLOTS; i++) {
		size_t slot = (h + i) & (STMT_SLOTS - 1);

		if (l->cache[slot].sql == sql) {
			for (k = 0; k < STMT_DEPTH; k++) {
				sqlite3_stmt *st = l->cache[slot].st[k];

				if (st && !sqlite3_stmt_busy(st) &&
				    !strcmp(sqlite3_sql(st), sql)) {
					sqlite3_reset(st);
					sqlite3_clear_bindings(st);
					*out = st;
					return SQLITE_OK;
				}
				if (!st) {
					int r = sqlite3_prepare_v3(
					    l->db, sql, -1,
					    SQLITE_PREPARE_PERSISTENT,
					    &l->cache[slot].st[k], NULL);

					*out = l->cache[slot].st[k];
					return r;
				}
			}
			return SQLITE_MISUSE; /* nested too deep: a bug */
		}
		if (!l->cache[slot].sql) {
			int r = sqlite3_prepare_v3(l->db, sql, -1,
						   SQLITE_PREPARE_PERSISTENT,
						   &l->cache[slot].st[0], NULL);

			if (r == SQLITE_OK)
				l->cache[slot].sql = sql;
			*out = l->cache[slot].st[0];
			return r;
		}
	}
	return SQLITE_FULL; /* more distinct statements than slots: a bug */
}

const char *
eg_ledger_path(const eg_ledger *l)
{
	return l->path;
}

eg_err
eg_ledger_begin(eg_ledger *l, eg_error *e)
{
	if (l->in_tx)
		return eg_fail(e, EG_EINTERNAL, "ledger transaction nested");
	if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return db_fail(l, e, "begin");
	l->in_tx = 1;
	return EG_OK;
}

eg_err
eg_ledger_commit(eg_ledger *l, eg_error *e)
{
	if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL)) {
		eg_err rc = db_fail(l, e, "commit");

		eg_ledger_rollback(l);
		return rc;
	}
	l->in_tx = 0;
	return EG_OK;
}

void
eg_ledger_rollback(eg_ledger *l)
{
	if (sqlite3_get_autocommit(l->db) == 0)
		(void)sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
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
	return exec_plain(l, sql, e);
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

static eg_err
vprepare(eg_ledger *l, eg_stmt **out, eg_error *e, const char *sql,
	 const char *types, va_list ap)
{
	sqlite3_stmt *st = NULL;
	int i, r;

	*out = NULL;
	r = stmt_get(l, sql, &st);
	if (r == SQLITE_MISUSE || r == SQLITE_FULL)
		return eg_fail(e, EG_EINTERNAL, "ledger statement cache: %s",
			       r == SQLITE_FULL ? "full" : "nested too deep");
	if (r != SQLITE_OK)
		return db_fail(l, e, "prepare");
	for (i = 0; types[i] && r == SQLITE_OK; i++) {
		switch (types[i]) {
		case 't': {
			const char *s = va_arg(ap, const char *);

			r = s ? sqlite3_bind_text(st, i + 1, s, -1,
						  SQLITE_TRANSIENT)
			      : sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i':
			r = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			r = sqlite3_bind_blob64(st, i + 1, p, n,
						SQLITE_TRANSIENT);
			break;
		}
		default:
			eg_ledger_done(st);
			return eg_fail(e, EG_EINTERNAL, "bad bind type '%c'",
				       types[i]);
		}
	}
	if (r != SQLITE_OK) {
		eg_err rc = db_fail(l, e, "bind");

		eg_ledger_done(st);
		return rc;
	}
	*out = st;
	return EG_OK;
}

eg_err
eg_ledger_exec(eg_ledger *l, eg_error *e, const char *sql, const char *types,
	       ...)
{
	eg_stmt *st;
	va_list ap;
	eg_err rc;
	int r;

	va_start(ap, types);
	rc = vprepare(l, &st, e, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (r != SQLITE_DONE)
		rc = db_fail(l, e, sql);
	eg_ledger_done(st);
	return rc;
}

eg_err
eg_ledger_query(eg_ledger *l, eg_stmt **out, eg_error *e, const char *sql,
		const char *types, ...)
{
	va_list ap;
	eg_err rc;

	va_start(ap, types);
	rc = vprepare(l, out, e, sql, types, ap);
	va_end(ap);
	return rc;
}

int
eg_ledger_step(eg_ledger *l, eg_stmt *st, eg_error *e)
{
	int r = sqlite3_step(st);

	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	(void)db_fail(l, e, "query");
	return -1;
}

/* Done with a statement: every statement is kept by the ledger (and
 * finalized when it closes), so it is only reset for its next use. */
void
eg_ledger_done(eg_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

const char *
eg_col_text(eg_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

int64_t
eg_col_int(eg_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

int
eg_col_null(eg_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
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
	rc = vprepare(l, &st, e, sql, types, ap);
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
	return sqlite3_last_insert_rowid(l->db);
}

int64_t
eg_ledger_changes(eg_ledger *l)
{
	return (int64_t)sqlite3_total_changes64(l->db);
}

eg_err
eg_ledger_next_control(eg_ledger *l, const char *partner, const char *kind,
		       uint64_t *out, eg_error *e)
{
	int64_t last;
	eg_err rc;

	rc = eg_ledger_int(l, &last, 0, e,
			   "SELECT last FROM control_numbers "
			   "WHERE partner=?1 AND kind=?2",
			   "tt", partner, kind);
	if (rc)
		return rc;
	last = last >= 999999999 ? 1 : last + 1;
	rc = eg_ledger_exec(l, e,
			    "INSERT INTO control_numbers(partner,kind,last) "
			    "VALUES(?1,?2,?3) ON CONFLICT(partner,kind) "
			    "DO UPDATE SET last=excluded.last",
			    "tti", partner, kind, last);
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
eg_ledger_snapshot(eg_ledger *l, const char *path, eg_error *e)
{
	/* a consistent copy, even of a ledger open read-only */
	return eg_ledger_exec(l, e, "VACUUM INTO ?1", "t", path);
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
