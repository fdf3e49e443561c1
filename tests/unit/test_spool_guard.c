/*
 * test_spool_guard.c - unit tests for what the spool's folders say when
 * the ledger cannot (spool_guard.h) and the named ledger questions of
 * ledger_files.h.
 *
 * What must always hold: file ids and acknowledgement numbers found on
 * disk are seen (and nothing else counts); a new ledger continues after
 * them; a partner whose sequence would restart is refused; the known
 * file states are matched as whole words; run bookkeeping (one
 * transaction, no disk sync for an idle run, crashed runs marked) and a
 * replaced ledger file are noticed.  Each test builds its spool
 * in a fresh directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/ledger.h"
#include "edigate/ledger_files.h"
#include "edigate/ledger_pipeline.h"
#include "edigate/spool_guard.h"

typedef struct fx {
	char dir[64];
} fx;

static int
setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/eg-guard-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static void
rm_rf(const char *path)
{
	struct stat sb;
	struct dirent *d;
	char sub[PATH_MAX];
	DIR *dir;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
					     d->d_name) < sizeof(sub))
				rm_rf(sub);
		}
		closedir(dir);
		rmdir(path);
		return;
	}
	unlink(path);
}

static int
teardown(void **state)
{
	fx *f = *state;

	rm_rf(f->dir);
	free(f);
	return 0;
}

/* Make dir/rel (its folders too) holding text. */
static void
put(const fx *f, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	eg_error e;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	eg_error_clear(&e);
	assert_int_equal(eg_mkdirs(dir, &e), EG_OK);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_empty_and_missing(void **state)
{
	fx *f = *state;
	eg_spool_info si;
	char path[PATH_MAX];
	eg_error e;

	eg_error_clear(&e);
	snprintf(path, sizeof(path), "%s/nothing-here", f->dir);
	assert_int_equal(eg_spool_inspect(path, &si, &e), EG_OK);
	assert_false(si.exists);
	assert_int_equal(si.on_disk, 0);
	/* inspecting created nothing */
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(eg_spool_inspect(f->dir, &si, &e), EG_OK);
	assert_true(si.exists);
	assert_false(si.ledger);
	assert_int_equal(si.on_disk, 0);
}

static void
test_ids_on_disk(void **state)
{
	fx *f = *state;
	eg_spool_info si;
	uint64_t max = 0;
	eg_error e;

	put(f, "archive/shopco/2026-11/20261130-000041.gz", "x");
	put(f, "archive/shopco/2026-12/20261201-000042.gz", "x");
	put(f, "out/shopco/20261201-000007.jsonl", "{}");
	put(f, "quarantine/shopco/20261201-000009/report.txt", "r");
	put(f, "out/shopco/acks/shopco-997-000000123.x12", "ISA");
	put(f, "out/shopco/acks/shopco-TA1-000000099.x12", "ISA");
	put(f, "out/shopco/notes.txt", "not an id");
	put(f, "archive/shopco/2026-12/2026120-000999.gz", "short day");
	put(f, "ledger.db", "");
	eg_error_clear(&e);
	assert_int_equal(eg_spool_inspect(f->dir, &si, &e), EG_OK);
	assert_int_equal(si.on_disk, 4);
	assert_int_equal(si.max_file_seq, 42);
	assert_false(si.ledger); /* 0 bytes is no ledger */
	assert_int_equal(eg_spool_max_control(f->dir, "shopco", &max, &e),
			 EG_OK);
	assert_int_equal(max, 123);
	assert_int_equal(eg_spool_max_control(f->dir, "nosuch", &max, &e),
			 EG_OK);
	assert_int_equal(max, 0);
}

/* A pattern-named acknowledgement: its ISA13 counts, not the digits of
 * its name (here a date that would read as a smaller number). */
static void
test_control_from_isa13(void **state)
{
	fx *f = *state;
	uint64_t max = 0;
	eg_error e;

	put(f, "out/depot/acks/000000456_ACME_997_20261207.edi",
	    "ISA*00*          *00*          *ZZ*ACME           *ZZ*DEPOT"
	    "          *261207*2031*U*00401*000000456*0*P*:~GS*FA~");
	put(f, "out/depot/acks/ACME-TA1-000000077.x12", "not an ISA");
	eg_error_clear(&e);
	assert_int_equal(eg_spool_max_control(f->dir, "depot", &max, &e),
			 EG_OK);
	assert_int_equal(max, 456);
}

static void
test_seed_and_refuse(void **state)
{
	fx *f = *state;
	eg_ledger *l = NULL;
	int64_t v = 0;
	eg_error e;

	put(f, "archive/shopco/2026-12/20261201-000042.gz", "x");
	put(f, "out/shopco/acks/shopco-997-000000123.x12", "ISA");
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_open(&l, f->dir, &e), EG_OK);
	/* no sequence for shopco while its acks are on disk: refused */
	assert_int_equal(eg_spool_check_controls(l, f->dir, "shopco", &e),
			 EG_ECONFIG);
	assert_non_null(strstr(e.msg, "up to 123"));
	eg_error_clear(&e);
	assert_int_equal(eg_spool_check_controls(l, f->dir, "depot", &e),
			 EG_OK);
	assert_int_equal(eg_spool_seed_ledger(l, f->dir, "test", 0, &e),
			 EG_OK);
	assert_int_equal(eg_spool_check_controls(l, f->dir, "shopco", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_int(l, &v, 0, &e,
				       "SELECT last FROM control_numbers WHERE "
				       "partner='shopco'", ""),
			 EG_OK);
	assert_int_equal(v, 123);
	/* the next file row continues after the largest id on disk */
	assert_int_equal(eg_ledger_exec(l, &e,
					"INSERT INTO files(id,partner,source,"
					"name,size,sha256,origin_id,state,"
					"received_at) VALUES('x','shopco',"
					"'local','a',1,'s','x','received',0)",
					""),
			 EG_OK);
	assert_int_equal(eg_ledger_last_rowid(l), 43);
	assert_int_equal(eg_ledger_int(l, &v, 0, &e,
				       "SELECT count(*) FROM audit WHERE "
				       "action='new-ledger'", ""),
			 EG_OK);
	assert_int_equal(v, 1);
	/* a ledger with files is never seeded again */
	assert_int_equal(eg_spool_seed_ledger(l, f->dir, "test", 0, &e),
			 EG_ECONFIG);
	eg_ledger_close(l);
}

static void
test_readonly_open(void **state)
{
	fx *f = *state;
	eg_ledger *l = NULL;
	char path[PATH_MAX];
	eg_error e;

	eg_error_clear(&e);
	/* no ledger: nothing is made */
	assert_int_equal(eg_ledger_open_mode(&l, f->dir, EG_LEDGER_READONLY,
					     &e),
			 EG_ENOTFOUND);
	assert_null(l);
	snprintf(path, sizeof(path), "%s/ledger.db", f->dir);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(eg_ledger_open_mode(&l, f->dir, EG_LEDGER_EXISTING,
					     &e),
			 EG_ENOTFOUND);
	assert_int_not_equal(access(path, F_OK), 0);
	/* made by a writer, then read; writing is refused */
	assert_int_equal(eg_ledger_open(&l, f->dir, &e), EG_OK);
	eg_ledger_close(l);
	l = NULL;
	assert_int_equal(eg_ledger_open_mode(&l, f->dir, EG_LEDGER_READONLY,
					     &e),
			 EG_OK);
	assert_int_not_equal(eg_ledger_exec(l, &e, "DELETE FROM files", ""),
			     EG_OK);
	eg_ledger_close(l);
	/* a ledger of the previous schema is upgraded where it can be */
	assert_int_equal(eg_ledger_open(&l, f->dir, &e), EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e, "DROP TABLE acks_in", ""),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e, "DROP TABLE alerts", ""),
			 EG_OK);
	/* schema 7's column (outbound documents) goes too */
	assert_int_equal(eg_ledger_exec(l, &e,
					"ALTER TABLE outputs DROP COLUMN sent_at",
					""),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e, "PRAGMA user_version=2", ""),
			 EG_OK);
	eg_ledger_close(l);
	l = NULL;
	assert_int_equal(eg_ledger_open_mode(&l, f->dir, EG_LEDGER_READONLY,
					     &e),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e, "SELECT count(*) FROM acks_in",
					""),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e, "SELECT count(*) FROM alerts",
					""),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(l, &e,
					"SELECT count(sent_at) FROM outputs", ""),
			 EG_OK);
	eg_ledger_close(l);
}

static void
test_states(void **state)
{
	(void)state;
	assert_true(eg_ledger_is_file_state("accepted"));
	assert_true(eg_ledger_is_file_state("received"));
	assert_true(eg_ledger_is_file_state("sent"));
	assert_false(eg_ledger_is_file_state("accept"));
	assert_false(eg_ledger_is_file_state("bogus"));
	assert_false(eg_ledger_is_file_state(""));
	assert_false(eg_ledger_is_file_state("accepted partial"));
}

#define DAY0 ((time_t)1796601600) /* 2026-12-07 */

/* Run bookkeeping (serve's idle checks): run_start is one transaction,
 * a run that changed nothing else ends without a disk sync, and the
 * ledger is back to synchronous=FULL for real work either way; a
 * ledger file replaced under an open connection is noticed. */
static void
test_run_bookkeeping(void **state)
{
	fx *f = *state;
	eg_ledger *l = NULL;
	eg_ledger_run_counts c;
	int64_t id = 0, id2 = 0, v = 0, ch;
	char path[128], moved[160];
	eg_error e;

	eg_error_clear(&e);
	memset(&c, 0, sizeof(c));
	assert_int_equal(eg_ledger_open(&l, f->dir, &e), EG_OK);
	assert_int_equal(eg_ledger_pl_run_start(l, "bigretail", DAY0, &id,
						&e),
			 EG_OK);
	assert_true(id > 0);
	assert_int_equal(eg_ledger_int(l, &v, 0, &e, "PRAGMA synchronous",
				       ""),
			 EG_OK);
	assert_int_equal(v, 2); /* FULL */
	ch = eg_ledger_changes(l);
	assert_int_equal(eg_ledger_pl_run_end(l, id, "ok", &c, NULL, 1, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_changes(l), ch + 1);
	assert_int_equal(eg_ledger_int(l, &v, 0, &e, "PRAGMA synchronous",
				       ""),
			 EG_OK);
	assert_int_equal(v, 2);
	/* a run left "running" (a crash) is marked so by the next start */
	assert_int_equal(eg_ledger_pl_run_start(l, "bigretail", DAY0 + 60,
						&id, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_pl_run_start(l, "bigretail", DAY0 + 120,
						&id2, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_int(l, &v, 0, &e,
				       "SELECT count(*) FROM runs WHERE id=?1 "
				       "AND status='crashed'",
				       "i", id),
			 EG_OK);
	assert_int_equal(v, 1);
	assert_int_equal(eg_ledger_pl_run_end(l, id2, "ok", &c, NULL, 0, &e),
			 EG_OK);
	/* replaced: moved away (as `run --new-ledger` does) */
	assert_false(eg_ledger_replaced(l));
	snprintf(path, sizeof(path), "%s/ledger.db", f->dir);
	snprintf(moved, sizeof(moved), "%s/ledger.db.old", f->dir);
	assert_int_equal(rename(path, moved), 0);
	assert_true(eg_ledger_replaced(l));
	assert_int_equal(rename(moved, path), 0);
	assert_false(eg_ledger_replaced(l));
	eg_ledger_close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_empty_and_missing),
	    T(test_ids_on_disk),
	    T(test_control_from_isa13),
	    T(test_seed_and_refuse),
	    T(test_readonly_open),
	    T(test_states),
	    T(test_run_bookkeeping),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
