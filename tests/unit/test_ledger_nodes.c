/*
 * test_ledger_nodes.c - several nodes on one ledger (ledger_nodes.h):
 * leases and their fencing tokens, claims, control numbers, and the
 * PostgreSQL backend's schema and SQL rewrites (ledger_pg.c).
 *
 * Two ledgers (nodes "a" and "b") open the same target: a SQLite ledger
 * in a temporary spool always, and a PostgreSQL database when
 * EDIGATE_TEST_PG names one (tests/e2e/nodes.sh starts a throw-away
 * server and sets it; without it the PostgreSQL cases say they are
 * skipped).  Each case starts from an empty database.  The lease's
 * expiry is set in the ledger, as the database clock would after the
 * lease's seconds: no sleep.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/ledger.h"
#include "edigate/ledger_nodes.h"

typedef struct fx {
	char dir[64];
	const char *url; /* NULL: SQLite in dir */
	eg_ledger *a, *b;
} fx;

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
			snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
			rm_rf(sub);
		}
		closedir(dir);
		rmdir(path);
	} else
		unlink(path);
}

static int
open_pair(fx *f)
{
	eg_error e;

	eg_error_clear(&e);
	if (eg_ledger_open_at(&f->a, f->dir, f->url, "a", EG_LEDGER_CREATE,
			      &e) ||
	    eg_ledger_open_at(&f->b, f->dir, f->url, "b", EG_LEDGER_CREATE,
			      &e)) {
		fprintf(stderr, "open: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
setup_common(void **state, const char *url)
{
	fx *f = calloc(1, sizeof(*f));
	eg_ledger *l = NULL;
	eg_error e;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/eg-nodes-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->url = url;
	eg_error_clear(&e);
	/* an empty database for each case */
	if (url && (eg_ledger_open_at(&l, f->dir, url, "setup",
				      EG_LEDGER_CREATE, &e) ||
		    eg_ledger_plain(l, "DROP SCHEMA public CASCADE; "
				       "CREATE SCHEMA public",
				    &e))) {
		fprintf(stderr, "setup: %s\n", e.msg);
		eg_ledger_close(l);
		return -1;
	}
	eg_ledger_close(l);
	*state = f;
	return open_pair(f);
}

static int
setup_sqlite(void **state)
{
	return setup_common(state, NULL);
}

static int
setup_pg(void **state)
{
	const char *url = getenv("EDIGATE_TEST_PG");

	if (!url || !*url) {
		*state = NULL;
		return 0;
	}
	return setup_common(state, url);
}

static int
teardown(void **state)
{
	fx *f = *state;

	if (!f)
		return 0;
	eg_ledger_close(f->a);
	eg_ledger_close(f->b);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* NULL state: PostgreSQL not given */
#define NEED(f)                                                             \
	do {                                                                \
		if (!(f)) {                                                 \
			print_message("skipped: EDIGATE_TEST_PG not set\n"); \
			skip();                                             \
		}                                                           \
	} while (0)

static int64_t
count_audit(eg_ledger *l, const char *action)
{
	int64_t n = -1;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_ledger_int(l, &n, 0, &e,
				       "SELECT count(*) FROM audit WHERE "
				       "action=?1",
				       "t", action),
			 EG_OK);
	return n;
}

static void
test_lease_fencing(void **state)
{
	fx *f = *state;
	int64_t tok = 0, tok2 = 0, until = 0;
	char holder[64];
	eg_error e;
	int got = 0;

	NEED(f);
	eg_error_clear(&e);
	assert_true(eg_ledger_shared(f->a) == (f->url != NULL));
	assert_int_equal(eg_ledger_lease_take(f->a, "partner:x", 60, &got,
					      &tok, holder, &until, &e),
			 EG_OK);
	assert_true(got);
	assert_int_equal(tok, 1);
	/* another node is told who holds it */
	assert_int_equal(eg_ledger_lease_take(f->b, "partner:x", 60, &got,
					      &tok2, holder, &until, &e),
			 EG_OK);
	assert_false(got);
	assert_string_equal(holder, "a");
	assert_true(until > 1000000000);
	/* renewed by its holder: the same token */
	assert_int_equal(eg_ledger_lease_take(f->a, "partner:x", 60, &got,
					      &tok, holder, &until, &e),
			 EG_OK);
	assert_true(got);
	assert_int_equal(tok, 1);
	/* a commit under the lease renews it */
	eg_ledger_lease_fence(f->a, "partner:x", tok, 60);
	assert_int_equal(eg_ledger_begin(f->a, &e), EG_OK);
	assert_int_equal(eg_ledger_audit(f->a, "a", "first", NULL, NULL, NULL,
					 &e),
			 EG_OK);
	assert_int_equal(eg_ledger_commit(f->a, &e), EG_OK);
	/* a's time runs out (it sleeps); b takes over: the next token */
	assert_int_equal(eg_ledger_exec(f->b, &e,
					"UPDATE leases SET expires=1 WHERE "
					"name=?1",
					"t", "partner:x"),
			 EG_OK);
	assert_int_equal(eg_ledger_lease_take(f->b, "partner:x", 60, &got,
					      &tok2, holder, &until, &e),
			 EG_OK);
	assert_true(got);
	assert_int_equal(tok2, 2);
	/* a wakes up: its write is refused and leaves nothing */
	assert_int_equal(eg_ledger_begin(f->a, &e), EG_OK);
	assert_int_equal(eg_ledger_audit(f->a, "a", "stale", NULL, NULL, NULL,
					 &e),
			 EG_OK);
	assert_int_equal(eg_ledger_commit(f->a, &e), EG_EIO);
	assert_non_null(strstr(e.msg, "lost its lease partner:x"));
	assert_non_null(strstr(e.msg, "b holds token 2"));
	assert_false(eg_ledger_in_tx(f->a));
	assert_int_equal(count_audit(f->b, "stale"), 0);
	assert_int_equal(count_audit(f->b, "first"), 1);
	/* a statement outside a transaction is refused the same way */
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_audit(f->a, "a", "stale2", NULL, NULL,
					 NULL, &e),
			 EG_EIO);
	assert_int_equal(count_audit(f->b, "stale2"), 0);
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_lease_check(f->a, &e), EG_EIO);
	/* b writes under its token; released, a takes it: token 3 */
	eg_error_clear(&e);
	eg_ledger_lease_fence(f->b, "partner:x", tok2, 60);
	assert_int_equal(eg_ledger_lease_check(f->b, &e), EG_OK);
	assert_int_equal(eg_ledger_begin(f->b, &e), EG_OK);
	assert_int_equal(eg_ledger_audit(f->b, "b", "fresh", NULL, NULL, NULL,
					 &e),
			 EG_OK);
	assert_int_equal(eg_ledger_commit(f->b, &e), EG_OK);
	eg_ledger_lease_fence(f->b, NULL, 0, 0);
	assert_int_equal(eg_ledger_lease_release(f->b, "partner:x", tok2, &e),
			 EG_OK);
	eg_ledger_lease_fence(f->a, NULL, 0, 0);
	assert_int_equal(eg_ledger_lease_take(f->a, "partner:x", 60, &got,
					      &tok, holder, &until, &e),
			 EG_OK);
	assert_true(got);
	assert_int_equal(tok, 3);
	/* a lease of another name is its own */
	assert_int_equal(eg_ledger_lease_take(f->b, "partner:y", 60, &got,
					      &tok2, holder, &until, &e),
			 EG_OK);
	assert_true(got);
	assert_int_equal(tok2, 1);
}

static void
test_claims(void **state)
{
	fx *f = *state;
	eg_error e;
	int won = 0;

	NEED(f);
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_begin(f->a, &e), EG_OK);
	assert_int_equal(eg_ledger_claim(f->a, "p", "local", "in/x.edi", 10,
					 1700000000, "aa", 1, &won, &e),
			 EG_OK);
	assert_true(won);
	assert_int_equal(eg_ledger_commit(f->a, &e), EG_OK);
	assert_int_equal(eg_ledger_begin(f->b, &e), EG_OK);
	/* the same file: lost, and the transaction goes on */
	assert_int_equal(eg_ledger_claim(f->b, "p", "local", "in/x.edi", 10,
					 1700000000, "aa", 2, &won, &e),
			 EG_OK);
	assert_false(won);
	/* other bytes at that path and size: a new file */
	assert_int_equal(eg_ledger_claim(f->b, "p", "local", "in/x.edi", 10,
					 1700000000, "bb", 2, &won, &e),
			 EG_OK);
	assert_true(won);
	assert_int_equal(eg_ledger_commit(f->b, &e), EG_OK);
	/* a claim rolled back is free again */
	assert_int_equal(eg_ledger_begin(f->a, &e), EG_OK);
	assert_int_equal(eg_ledger_claim(f->a, "p", "local", "in/y.edi", 10,
					 1700000000, "cc", 3, &won, &e),
			 EG_OK);
	assert_true(won);
	eg_ledger_rollback(f->a);
	assert_int_equal(eg_ledger_begin(f->b, &e), EG_OK);
	assert_int_equal(eg_ledger_claim(f->b, "p", "local", "in/y.edi", 10,
					 1700000000, "cc", 3, &won, &e),
			 EG_OK);
	assert_true(won);
	assert_int_equal(eg_ledger_commit(f->b, &e), EG_OK);
}

/* Two nodes take numbers in turn: every one once, in order; a number
 * taken in a rolled-back transaction is given again. */
static void
test_control_numbers(void **state)
{
	fx *f = *state;
	uint64_t n = 0, want = 1;
	eg_error e;
	int i;

	NEED(f);
	eg_error_clear(&e);
	for (i = 0; i < 20; i++, want++) {
		eg_ledger *l = i % 2 ? f->b : f->a;

		assert_int_equal(eg_ledger_begin(l, &e), EG_OK);
		assert_int_equal(eg_ledger_next_control(l, "p", "isa", &n, &e),
				 EG_OK);
		assert_int_equal(n, want);
		if (i == 7) {
			eg_ledger_rollback(l);
			want--;
		} else
			assert_int_equal(eg_ledger_commit(l, &e), EG_OK);
	}
	/* past the largest: 1 again */
	assert_int_equal(eg_ledger_exec(f->a, &e,
					"UPDATE control_numbers SET "
					"last=999999999 WHERE partner='p'",
					""),
			 EG_OK);
	assert_int_equal(eg_ledger_next_control(f->b, "p", "isa", &n, &e),
			 EG_OK);
	assert_int_equal(n, 1);
}

static void
test_nodes_heartbeat(void **state)
{
	fx *f = *state;
	int64_t n = 0, pid = 0;
	eg_error e;

	NEED(f);
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_node_beat(f->a, "host-a", 11, "t", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_node_beat(f->b, "host-b", 12, "t", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_node_beat(f->a, "host-a", 13, "t", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_int(f->b, &n, 0, &e,
				       "SELECT count(*) FROM nodes", ""),
			 EG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(eg_ledger_int(f->b, &pid, 0, &e,
				       "SELECT pid FROM nodes WHERE name='a'",
				       ""),
			 EG_OK);
	assert_int_equal(pid, 13);
	assert_string_equal(eg_ledger_node(f->a), "a");
}

/* PostgreSQL: the schema version, a second open that migrates nothing,
 * and the statements written in SQLite's spelling. */
static void
test_pg_schema_spellings(void **state)
{
	fx *f = *state;
	eg_ledger *c = NULL;
	int64_t v = 0, now = 0, n = 0;
	eg_stmt *st;
	eg_error e;

	if (!f || !f->url) {
		print_message("skipped: EDIGATE_TEST_PG not set\n");
		skip();
		return;
	}
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_kind(f->a), EG_LEDGER_KIND_PG);
	assert_int_equal(eg_ledger_int(f->a, &v, 0, &e,
				       "SELECT max(version) FROM ledger_version",
				       ""),
			 EG_OK);
	assert_int_equal(v, EG_LEDGER_SCHEMA);
	assert_int_equal(eg_ledger_open_at(&c, f->dir, f->url, "c",
					   EG_LEDGER_READONLY, &e),
			 EG_OK);
	assert_null(strstr(eg_ledger_path(c), "password"));
	eg_ledger_close(c);
	assert_int_equal(eg_ledger_int(f->a, &now, 0, &e,
				       "SELECT strftime('%s','now')", ""),
			 EG_OK);
	assert_true(now > 1700000000);
	assert_int_equal(eg_ledger_query(f->a, &st, &e,
					 "SELECT hex(randomblob(8)), "
					 "instr('abc','c'), "
					 "(SELECT group_concat(x, ' ') FROM "
					 "(SELECT 'p' AS x UNION ALL SELECT "
					 "'q') s), ?1 IS NULL, 'a?1'",
					 "t", (const char *)NULL),
			 EG_OK);
	assert_int_equal(eg_ledger_step(f->a, st, &e), 1);
	assert_int_equal(strlen(eg_col_text(st, 0)), 16);
	assert_int_equal(eg_col_int(st, 1), 3);
	assert_int_equal(strlen(eg_col_text(st, 2)), 3);
	assert_int_equal(eg_col_int(st, 3), 1);
	assert_string_equal(eg_col_text(st, 4), "a?1");
	assert_int_equal(eg_ledger_step(f->a, st, &e), 0);
	eg_ledger_done(st);
	/* SQLite's glob() (an <arrival> file-name pattern) */
	assert_int_equal(eg_ledger_query(f->a, &st, &e,
					 "SELECT glob('*.x12','po-1.x12'), "
					 "glob('po?[!b]*.(x)','po1c9.(x)'), "
					 "glob('*.x12','po.x12.bak'), "
					 "glob('a.c','abc')",
					 ""),
			 EG_OK);
	assert_int_equal(eg_ledger_step(f->a, st, &e), 1);
	assert_int_equal(eg_col_int(st, 0), 1);
	assert_int_equal(eg_col_int(st, 1), 1);
	assert_int_equal(eg_col_int(st, 2), 0);
	assert_int_equal(eg_col_int(st, 3), 0);
	eg_ledger_done(st);
	/* row ids and changed rows */
	assert_int_equal(eg_ledger_exec(f->a, &e,
					"INSERT INTO runs(partner,started,"
					"status) VALUES('p',1,'ok')",
					""),
			 EG_OK);
	n = eg_ledger_last_rowid(f->a);
	assert_true(n >= 1);
	assert_int_equal(eg_ledger_changed(f->a), 1);
	assert_int_equal(eg_ledger_exec(f->a, &e,
					"UPDATE runs SET status='x' WHERE id=?1",
					"i", n + 1000),
			 EG_OK);
	assert_int_equal(eg_ledger_changed(f->a), 0);
	/* the audit log stays append-only */
	assert_int_equal(eg_ledger_audit(f->a, "a", "kept", NULL, NULL, NULL,
					 &e),
			 EG_OK);
	assert_int_equal(eg_ledger_exec(f->a, &e, "DELETE FROM audit", ""),
			 EG_EIO);
	assert_non_null(strstr(e.msg, "append-only"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lease_fencing, setup_sqlite,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_claims, setup_sqlite,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_control_numbers, setup_sqlite,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_nodes_heartbeat, setup_sqlite,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lease_fencing, setup_pg,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_claims, setup_pg, teardown),
	    cmocka_unit_test_setup_teardown(test_control_numbers, setup_pg,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_nodes_heartbeat, setup_pg,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_pg_schema_spellings, setup_pg,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
