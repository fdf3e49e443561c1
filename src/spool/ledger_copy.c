/*
 * ledger_copy.c - a SQLite ledger into PostgreSQL (ledger_copy.h).
 *
 * Both ledgers have the same schema version, so they have the same
 * tables and columns (PostgreSQL's ref_lines has its rowid as a column:
 * it is filled in the order the lines are read, which is SQLite's rowid
 * order).  Each table is read in its row-id order and each row inserted
 * with its values as text (NULL kept NULL): the server converts them to
 * the column's type.  Then the sequences behind the BIGSERIAL row ids
 * are moved past the largest id copied, and every table is counted in
 * both.  One transaction: a failed copy leaves the destination empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ledger_copy.h"

#define MAX_COLS 32
#define SQL_MAX 4096

/* The row-id column of each table that has one (a BIGSERIAL in
 * PostgreSQL). */
static const struct {
	const char *table, *col;
} serials[] = {
    {"files", "n"},	    {"file_events", "id"}, {"interchanges", "id"},
    {"groups", "id"},	    {"transactions", "id"}, {"findings", "id"},
    {"outputs", "id"},	    {"runs", "id"},	   {"audit", "id"},
    {"acks_in", "id"},	    {"quarantine_notes", "id"},
    {"alerts", "id"},	    {"ref_lines", "rowid"},
};

static eg_err
columns(eg_ledger *src, const char *table, char cols[][64], size_t *n,
	eg_error *e)
{
	char sql[160];
	eg_stmt *st;
	eg_err rc;
	int r;

	*n = 0;
	/* table names come from sqlite_master; quoted all the same */
	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", table);
	if ((rc = eg_ledger_query(src, &st, e, sql, "")))
		return rc;
	while ((r = eg_ledger_step(src, st, e)) == 1) {
		if (*n == MAX_COLS) {
			eg_ledger_done(st);
			return eg_fail(e, EG_ELIMIT, "ledger table %s: more "
				       "than %d columns", table, MAX_COLS);
		}
		snprintf(cols[(*n)++], 64, "%s", eg_col_text(st, 1));
	}
	eg_ledger_done(st);
	return r < 0 ? (e->code ? e->code : EG_EIO) : EG_OK;
}

/* "a","b","c" into dst; with prefix "?": ?1,?2,?3 */
static int
col_list(char *dst, size_t cap, char cols[][64], size_t n, int params)
{
	size_t i, o = 0;
	int w;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		w = params ? snprintf(dst + o, cap - o, "%s?%zu", i ? "," : "",
				      i + 1)
			   : snprintf(dst + o, cap - o, "%s\"%s\"",
				      i ? "," : "", cols[i]);
		if (w < 0 || (size_t)w >= cap - o)
			return -1;
		o += (size_t)w;
	}
	return 0;
}

static const char *
serial_of(const char *table)
{
	size_t i;

	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++)
		if (!strcmp(serials[i].table, table))
			return serials[i].col;
	return NULL;
}

static eg_err
copy_table(eg_ledger *src, eg_ledger *dst, const char *table, int64_t *rows,
	   eg_error *e)
{
	char cols[MAX_COLS][64], list[SQL_MAX / 2], params[SQL_MAX / 4];
	char sel[SQL_MAX], ins[SQL_MAX], types[MAX_COLS + 1];
	char *v[MAX_COLS];
	const char *serial = serial_of(table);
	size_t n, i;
	eg_stmt *st;
	eg_err rc;
	int r;

	*rows = 0;
	if ((rc = columns(src, table, cols, &n, e)))
		return rc;
	if (n == 0)
		return EG_OK;
	if (col_list(list, sizeof(list), cols, n, 0) ||
	    col_list(params, sizeof(params), cols, n, 1) ||
	    snprintf(sel, sizeof(sel), "SELECT %s FROM \"%s\" ORDER BY %s",
		     list, table, serial && strcmp(serial, "rowid") ? serial
							: "rowid") >=
		(int)sizeof(sel) ||
	    snprintf(ins, sizeof(ins), "INSERT INTO \"%s\"(%s) VALUES(%s)",
		     table, list, params) >= (int)sizeof(ins))
		return eg_fail(e, EG_ELIMIT, "ledger table %s: statement too "
			       "long", table);
	memset(types, 't', n);
	types[n] = '\0';
	memset(v, 0, sizeof(v));
	if ((rc = eg_ledger_query(src, &st, e, sel, "")))
		return rc;
	while (!rc && (r = eg_ledger_step(src, st, e)) == 1) {
		for (i = 0; i < n && !rc; i++) {
			v[i] = NULL;
			if (!eg_col_null(st, (int)i) &&
			    !(v[i] = strdup(eg_col_text(st, (int)i))))
				rc = eg_fail(e, EG_ENOMEM, "out of memory");
		}
		/* a statement of n text values: the unused ones are
		 * passed and not read */
		if (!rc)
			rc = eg_ledger_exec(
			    dst, e, ins, types, v[0], v[1], v[2], v[3], v[4],
			    v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
			    v[13], v[14], v[15], v[16], v[17], v[18], v[19],
			    v[20], v[21], v[22], v[23], v[24], v[25], v[26],
			    v[27], v[28], v[29], v[30], v[31]);
		for (i = 0; i < n; i++) {
			free(v[i]);
			v[i] = NULL;
		}
		if (!rc)
			(*rows)++;
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code ? e->code : EG_EIO;
	return rc;
}

/* The sequence behind table's row id continues after the largest. */
static eg_err
move_sequence(eg_ledger *dst, const char *table, const char *col,
	      eg_error *e)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT setval(pg_get_serial_sequence('%s','%s'), "
		 "COALESCE(max(%s),0)+1, false) FROM \"%s\"",
		 table, col, col, table);
	return eg_ledger_plain(dst, sql, e);
}

eg_err
eg_ledger_copy(eg_ledger *src, eg_ledger *dst, eg_ledger_copy_fn fn,
	       void *ud, eg_error *e)
{
	char (*tables)[64] = NULL, sql[160];
	size_t nt = 0, cap = 0, i;
	int64_t files = 0, rows, there;
	eg_stmt *st;
	eg_err rc;
	int r;

	if (eg_ledger_kind(src) != EG_LEDGER_KIND_SQLITE ||
	    eg_ledger_kind(dst) != EG_LEDGER_KIND_PG)
		return eg_fail(e, EG_EINVAL, "a ledger is copied from SQLite "
			       "into PostgreSQL");
	if ((rc = eg_ledger_int(dst, &files, 0, e,
				"SELECT count(*) FROM files", "")))
		return rc;
	if (files)
		return eg_fail(e, EG_EINVAL, "ledger %s already holds %lld "
			       "file(s): the copy goes into an empty ledger",
			       eg_ledger_path(dst), (long long)files);
	if ((rc = eg_ledger_query(src, &st, e,
				  "SELECT name FROM sqlite_master WHERE "
				  "type='table' AND name NOT LIKE 'sqlite_%' "
				  "ORDER BY name",
				  "")))
		return rc;
	while (!rc && (r = eg_ledger_step(src, st, e)) == 1) {
		if (nt == cap) {
			size_t c = cap ? cap * 2 : 32;
			char(*t)[64] = realloc(tables, c * sizeof(*t));

			if (!t) {
				rc = eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			tables = t;
			cap = c;
		}
		snprintf(tables[nt++], 64, "%s", eg_col_text(st, 0));
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code ? e->code : EG_EIO;
	if (!rc)
		rc = eg_ledger_begin(dst, e);
	if (rc) {
		free(tables);
		return rc;
	}
	for (i = 0; !rc && i < nt; i++) {
		const char *serial = serial_of(tables[i]);

		rc = copy_table(src, dst, tables[i], &rows, e);
		if (!rc && serial)
			rc = move_sequence(dst, tables[i], serial, e);
		if (!rc) {
			snprintf(sql, sizeof(sql),
				 "SELECT count(*) FROM \"%s\"", tables[i]);
			rc = eg_ledger_int(dst, &there, -1, e, sql, "");
		}
		if (!rc && there != rows)
			rc = eg_fail(e, EG_EIO, "ledger table %s: %lld "
				     "row(s) read, %lld in %s: nothing was "
				     "copied",
				     tables[i], (long long)rows,
				     (long long)there, eg_ledger_path(dst));
		if (!rc && fn)
			rc = fn(ud, tables[i], rows, there, e);
	}
	free(tables);
	if (!rc)
		return eg_ledger_commit(dst, e);
	eg_ledger_rollback(dst);
	return rc;
}
