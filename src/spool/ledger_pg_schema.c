/*
 * ledger_pg_schema.c - the ledger's schema on PostgreSQL: the same
 * versions as SQLite's (ledger_sqlite.c), one script each, in
 * PostgreSQL's spelling (BIGSERIAL for SQLite's row ids, BIGINT for its
 * integers, a PL/pgSQL trigger keeping the audit log append-only).  The
 * comments on each version are in ledger_sqlite.c; docs/ledger.md
 * describes every table.  ref_lines has a rowid column, so the
 * statements that keep lines in their order read the same on both.
 */
#include <stddef.h>

#include "ledger_int.h"

/* Version 1.  Times are seconds since the epoch (UTC). */
static const char pg_v1[] =
    "CREATE TABLE files ("
    "  n BIGSERIAL PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"         /* 20261122-000042 */
    "  partner TEXT NOT NULL,"
    "  source TEXT NOT NULL,"            /* local sftp bundle reprocess */
    "  remote_path TEXT,"                /* where it was picked up */
    "  name TEXT NOT NULL,"
    "  size BIGINT NOT NULL,"
    "  mtime BIGINT,"
    "  sha256 TEXT NOT NULL,"
    "  parent_id TEXT,"                  /* the bundle it came in */
    "  origin_id TEXT NOT NULL,"         /* first of a reprocess chain */
    "  reprocess_of TEXT,"
    "  forced BIGINT NOT NULL DEFAULT 0," /* reprocess --force */
    "  state TEXT NOT NULL,"
    "  final_state TEXT,"                /* decided, while processed */
    "  duplicate_of TEXT,"
    "  spool_path TEXT,"                 /* relative to the spool */
    "  archive_path TEXT,"
    "  post_action TEXT NOT NULL DEFAULT 'none'," /* none pending done */
    "  received_at BIGINT NOT NULL,"
    "  finished_at BIGINT,"
    "  run_id BIGINT,"
    "  summary TEXT"
    ");"
    "CREATE INDEX files_remote ON files(partner, remote_path, size, mtime);"
    "CREATE INDEX files_sha ON files(partner, sha256);"
    "CREATE INDEX files_state ON files(state);"
    "CREATE INDEX files_received ON files(received_at);"
    "CREATE TABLE file_events ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, at BIGINT NOT NULL,"
    "  state TEXT NOT NULL, note TEXT);"
    "CREATE INDEX file_events_file ON file_events(file_id);"
    "CREATE TABLE interchanges ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, seq BIGINT,"
    "  sender_q TEXT, sender TEXT, receiver_q TEXT, receiver TEXT,"
    "  isa13 TEXT, at BIGINT NOT NULL, status TEXT NOT NULL,"
    "  duplicate_of TEXT);"
    "CREATE INDEX interchanges_key ON interchanges(sender, receiver, isa13);"
    "CREATE INDEX interchanges_file ON interchanges(file_id);"
    "CREATE TABLE groups ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, isa13 TEXT,"
    "  gs01 TEXT, gs02 TEXT, gs03 TEXT, gs06 TEXT, gs08 TEXT,"
    "  status TEXT NOT NULL, duplicate_of TEXT);"
    "CREATE INDEX groups_key ON groups(gs02, gs03, gs06);"
    "CREATE INDEX groups_file ON groups(file_id);"
    "CREATE TABLE transactions ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, isa13 TEXT,"
    "  gs06 TEXT, st01 TEXT, st02 TEXT, status TEXT NOT NULL,"
    "  business_key TEXT, duplicate_of TEXT, records BIGINT DEFAULT 0);"
    "CREATE INDEX transactions_file ON transactions(file_id);"
    "CREATE INDEX transactions_st02 ON transactions(st02);"
    "CREATE TABLE business_keys ("
    "  partner TEXT NOT NULL, set_id TEXT NOT NULL, name TEXT NOT NULL,"
    "  value TEXT NOT NULL, file_id TEXT NOT NULL, txn_id BIGINT,"
    "  first_seen BIGINT NOT NULL, direction TEXT NOT NULL DEFAULT 'in',"
    "  PRIMARY KEY (partner, set_id, name, value));"
    "CREATE INDEX business_keys_value ON business_keys(value);"
    "CREATE TABLE ref_lines ("
    "  rowid BIGSERIAL, txn_id BIGINT NOT NULL, line_number TEXT,"
    "  gtin TEXT, sku TEXT,"
    "  buyer_part TEXT, quantity TEXT, uom TEXT);"
    "CREATE INDEX ref_lines_txn ON ref_lines(txn_id);"
    "CREATE TABLE findings ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, level TEXT,"
    "  severity TEXT, code TEXT, rule TEXT, message TEXT,"
    "  \"offset\" BIGINT, segment BIGINT, seg_id TEXT, element BIGINT,"
    "  isa13 TEXT, gs06 TEXT, st02 TEXT, segment_text TEXT);"
    "CREATE INDEX findings_file ON findings(file_id);"
    "CREATE TABLE outputs ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"              /* records ack report quarantine
					    * archive */
    "  staged TEXT, path TEXT NOT NULL," /* relative to the spool */
    "  name TEXT, control TEXT, size BIGINT,"
    "  state TEXT NOT NULL,"             /* staged published sent */
    "  at BIGINT NOT NULL);"
    "CREATE INDEX outputs_file ON outputs(file_id);"
    "CREATE INDEX outputs_state ON outputs(state);"
    "CREATE TABLE control_numbers ("
    "  partner TEXT NOT NULL, kind TEXT NOT NULL, last BIGINT NOT NULL,"
    "  PRIMARY KEY (partner, kind));"
    "CREATE TABLE runs ("
    "  id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL,"
    "  started BIGINT NOT NULL,"
    "  finished BIGINT, status TEXT NOT NULL,"  /* running ok failed */
    "  files BIGINT DEFAULT 0, accepted BIGINT DEFAULT 0,"
    "  partial BIGINT DEFAULT 0, rejected BIGINT DEFAULT 0,"
    "  duplicates BIGINT DEFAULT 0, failed BIGINT DEFAULT 0,"
    "  waiting BIGINT DEFAULT 0, message TEXT);"
    "CREATE INDEX runs_partner ON runs(partner, started);"
    "CREATE TABLE audit ("
    "  id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL,"
    "  actor TEXT NOT NULL, action TEXT NOT NULL, file_id TEXT,"
    "  reason TEXT, detail TEXT);"
    "CREATE INDEX audit_file ON audit(file_id);"
    "CREATE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN"
    "  RAISE EXCEPTION 'the audit log is append-only'; END $$"
    "  LANGUAGE plpgsql;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit"
    "  FOR EACH ROW EXECUTE FUNCTION audit_append_only();";

/* Version 2: what telling duplicates from reused control numbers needs
 * (ledger_dedupe.c).  A set's digest is the SHA-256 of its ST..SE
 * segments (not indexed: it is looked up under one control number, found
 * by the interchanges and groups indexes, and an index would be written
 * for every set); ichg_seq ties it to its interchange in the file; ack_control
 * is our ISA13 of the acknowledgement that answered an interchange;
 * resend_of links a corrected resend to the rejected file it corrects;
 * past_dedupe marks a file a person let past the control-number check
 * (quarantine release, reprocess --force). */
static const char pg_v2[] =
    "ALTER TABLE transactions ADD COLUMN digest TEXT;"
    "ALTER TABLE transactions ADD COLUMN ichg_seq BIGINT;"
    "ALTER TABLE interchanges ADD COLUMN ack_control TEXT;"
    "ALTER TABLE files ADD COLUMN resend_of TEXT;"
    "ALTER TABLE files ADD COLUMN past_dedupe BIGINT NOT NULL DEFAULT 0;";

/* Version 3: acknowledgements partners sent us (ledger_acks.h). */
static const char pg_v3[] =
    "CREATE TABLE acks_in ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL,"
    "  partner TEXT NOT NULL, at BIGINT NOT NULL,"
    "  ack_type TEXT, level TEXT NOT NULL," /* interchange group set */
    "  isa13 TEXT, gs01 TEXT, gs06 TEXT, st01 TEXT, st02 TEXT,"
    "  status TEXT, codes TEXT, detail TEXT,"
    "  sent_file TEXT,"                     /* ours it answers, if known */
    "  attention BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX acks_in_file ON acks_in(file_id);"
    "CREATE INDEX acks_in_sent ON acks_in(sent_file);"
    "CREATE INDEX acks_in_attention ON acks_in(partner, attention);";

/* Version 4: the quarantine as a work queue (ledger_query.h): who owns
 * a quarantined file and the root-cause category a person set (NULL:
 * the profile's default owner, the category its findings say), and the
 * notes people wrote on it.  Who did what is in the audit log. */
static const char pg_v4[] =
    "CREATE TABLE IF NOT EXISTS quarantine_work ("
    "  file_id TEXT PRIMARY KEY, owner TEXT, category TEXT,"
    "  assigned_at BIGINT, assigned_by TEXT);"
    "CREATE TABLE IF NOT EXISTS quarantine_notes ("
    "  id BIGSERIAL PRIMARY KEY, file_id TEXT NOT NULL, at BIGINT NOT NULL,"
    "  actor TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS quarantine_notes_file"
    "  ON quarantine_notes(file_id);"
    "CREATE INDEX IF NOT EXISTS audit_at ON audit(at);";

/* Version 5: service-level alerts (ledger_alerts.h): each raised once
 * per (partner, rule, subject) while open, escalated from warning to
 * alert, cleared when resolved; what the alert hook said. */
static const char pg_v5[] =
    "CREATE TABLE alerts ("
    "  id BIGSERIAL PRIMARY KEY, partner TEXT NOT NULL, rule TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"            /* period, document, "" */
    "  level TEXT NOT NULL,"              /* warning alert */
    "  message TEXT NOT NULL, raised_at BIGINT NOT NULL,"
    "  alert_at BIGINT,"                 /* when it became an alert */
    "  cleared_at BIGINT, cleared_note TEXT,"
    "  hook TEXT NOT NULL DEFAULT 'none'," /* none ok failed */
    "  hook_error TEXT, hook_at BIGINT);"
    "CREATE INDEX alerts_key ON alerts(partner, rule, subject);"
    "CREATE INDEX alerts_open ON alerts(cleared_at);";

/* Version 6: nightly master-data batches (ledger_batch.h).  batches: what
 * the delta of one file found against the baseline it was compared with
 * (base_id, "" for the first batch) and the baseline it left (its sorted
 * rows, spool-relative); baselines: the current one per partner and
 * document, moved only in the commit that decides an accepted batch. */
static const char pg_v6[] =
    "CREATE TABLE IF NOT EXISTS batches ("
    "  file_id TEXT PRIMARY KEY, partner TEXT NOT NULL,"
    "  document TEXT NOT NULL, base_id TEXT NOT NULL DEFAULT '',"
    "  verdict TEXT NOT NULL, why TEXT,"
    "  rows BIGINT NOT NULL DEFAULT 0, added BIGINT NOT NULL DEFAULT 0,"
    "  changed BIGINT NOT NULL DEFAULT 0,"
    "  deleted BIGINT NOT NULL DEFAULT 0,"
    "  unchanged BIGINT NOT NULL DEFAULT 0,"
    "  rejected BIGINT NOT NULL DEFAULT 0,"
    "  duplicates BIGINT NOT NULL DEFAULT 0,"
    "  rows_before BIGINT NOT NULL DEFAULT 0,"
    "  baseline TEXT, at BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS baselines ("
    "  partner TEXT NOT NULL, document TEXT NOT NULL,"
    "  file_id TEXT NOT NULL, at BIGINT NOT NULL,"
    "  PRIMARY KEY (partner, document));";
/* Version 7: outbound documents (ledger_out.h): when each was delivered
 * to the partner's outbox, for acknowledgement windows. */
static const char pg_v7[] =
    "ALTER TABLE outputs ADD COLUMN sent_at BIGINT;";


/* Version 8: a partial index for a run's crashed-run check. */
static const char pg_v8[] =
    "CREATE INDEX IF NOT EXISTS runs_running ON runs(partner) "
    "WHERE status='running';";

/* Version 9: several nodes on one ledger (ledger_nodes.h); and SQLite's
 * glob(PATTERN, STRING) (a file-name pattern of an <arrival>: *, ?,
 * [...] and [!...]), as a regular expression. */
static const char pg_v9[] =
    "CREATE FUNCTION glob(p text, s text) RETURNS boolean AS $$"
    "  SELECT s ~ ('^' || replace(replace(replace(regexp_replace(p,"
    "  '([.+^$(){}|\\\\])', '\\\\\\1', 'g'), '*', '.*'), '?', '.'),"
    "  '[!', '[^') || '$') $$ LANGUAGE sql IMMUTABLE;"
    "ALTER TABLE files ADD COLUMN node TEXT;"
    "CREATE TABLE nodes ("
    "  name TEXT PRIMARY KEY, host TEXT, pid BIGINT,"
    "  started BIGINT NOT NULL, heartbeat BIGINT NOT NULL, version TEXT);"
    "CREATE TABLE leases ("
    "  name TEXT PRIMARY KEY, node TEXT NOT NULL, token BIGINT NOT NULL,"
    "  acquired BIGINT NOT NULL, expires BIGINT NOT NULL);"
    "CREATE TABLE claims ("
    "  partner TEXT NOT NULL, source TEXT NOT NULL,"
    "  remote_path TEXT NOT NULL, size BIGINT NOT NULL,"
    "  mtime BIGINT NOT NULL, sha256 TEXT NOT NULL, node TEXT,"
    "  at BIGINT NOT NULL,"
    "  PRIMARY KEY (partner, source, remote_path, size, mtime, sha256));";

const char *const eg_ledger_pg_migrations[] = {
    pg_v1, pg_v2, pg_v3, pg_v4, pg_v5, pg_v6, pg_v7, pg_v8, pg_v9};
_Static_assert(sizeof(eg_ledger_pg_migrations) /
			   sizeof(eg_ledger_pg_migrations[0]) ==
		       EG_LEDGER_SCHEMA,
	       "one PostgreSQL migration per schema version");
