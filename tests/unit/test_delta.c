/*
 * test_delta.c - unit tests for the nightly delta (delta.h).
 *
 * What must always hold: the external-sort merge join gives exactly what
 * a direct comparison gives (checked on random batches, with a memory
 * budget so small that rows spill into more runs than one merge takes);
 * a key twice in one batch is a duplicate; a bad new row never makes its
 * key look deleted; the verdict holds a batch that shrank or deletes too
 * much, and rejects bad rows unless the layout quarantines them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/delta.h"

#define NKEYS 4000

enum { K_NONE, K_ADDED, K_CHANGED, K_DELETED, K_REJECTED };

typedef struct seen {
	unsigned char kind[NKEYS];
	unsigned slot[NKEYS]; /* first changed slot */
	uint64_t dup_new, dup_old;
	unsigned long calls;
} seen;

static long
key_id(const char *k, size_t n)
{
	char b[16];

	snprintf(b, sizeof(b), "%.*s", (int)(n < 15 ? n : 15), k);
	return strtol(b + 1, NULL, 10); /* "K0042" */
}

static int
on_change(void *ud, const eg_delta_change *c)
{
	seen *s = ud;
	long id = key_id(c->key, c->klen);

	s->calls++;
	if (id < 0 || id >= NKEYS)
		return 1;
	switch (c->kind) {
	case EG_DELTA_ADDED: s->kind[id] = K_ADDED; break;
	case EG_DELTA_CHANGED:
		s->kind[id] = K_CHANGED;
		s->slot[id] = c->nchanged ? c->changed[0] : 999;
		break;
	case EG_DELTA_DELETED: s->kind[id] = K_DELETED; break;
	case EG_DELTA_REJECTED: s->kind[id] = K_REJECTED; break;
	case EG_DELTA_DUPLICATE:
		if (c->is_old)
			s->dup_old++;
		else
			s->dup_new++;
		break;
	}
	return 0;
}

static void
add(eg_delta_side *s, long id, int v1, int v2, uint64_t line, int bad)
{
	char key[16], flat[64], json[64];
	eg_error e;

	snprintf(key, sizeof(key), "K%04ld", id);
	snprintf(flat, sizeof(flat), "%d\t%d", v1, v2);
	snprintf(json, sizeof(json), "{\"id\":%ld}\n", id);
	eg_error_clear(&e);
	assert_int_equal(eg_delta_side_add(s, key, strlen(key), flat,
					   strlen(flat), json, strlen(json),
					   line, bad, &e),
			 EG_OK);
}

/* Random batches against the direct answer, rows in random order. */
static void
test_random_batches(void **state)
{
	static int oldv[NKEYS][2], newv[NKEYS][2];
	static unsigned char in_old[NKEYS], in_new[NKEYS];
	static long order[NKEYS];
	static seen s;
	eg_delta_side *so = NULL, *sn = NULL;
	eg_delta_counts c;
	eg_error e;
	long i, j, t;
	uint64_t want_add = 0, want_chg = 0, want_del = 0, want_same = 0;

	(void)state;
	srand(7);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < NKEYS; i++) {
		int r = rand() % 100;

		in_old[i] = r < 95;
		in_new[i] = r >= 5;
		oldv[i][0] = newv[i][0] = rand() % 1000;
		oldv[i][1] = newv[i][1] = rand() % 1000;
		if (rand() % 10 == 0)
			newv[i][1]++; /* changed in slot 1 */
		order[i] = i;
	}
	eg_error_clear(&e);
	/* 2 KiB: thousands of rows make far more than 64 runs */
	assert_int_equal(eg_delta_side_new(&so, NULL, 2048, &e), EG_OK);
	assert_int_equal(eg_delta_side_new(&sn, NULL, 2048, &e), EG_OK);
	for (i = NKEYS - 1; i > 0; i--) { /* shuffle */
		j = rand() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < NKEYS; i++) {
		long k = order[i];

		if (in_old[k])
			add(so, k, oldv[k][0], oldv[k][1], (uint64_t)i + 2, 0);
		if (in_new[k])
			add(sn, k, newv[k][0], newv[k][1], (uint64_t)i + 2, 0);
	}
	assert_true(eg_delta_side_runs(so) > 64);
	assert_int_equal(eg_delta_run(so, sn, on_change, &s, &c, &e), EG_OK);
	for (i = 0; i < NKEYS; i++) {
		int want = K_NONE;

		if (in_old[i] && !in_new[i])
			want = K_DELETED, want_del++;
		else if (!in_old[i] && in_new[i])
			want = K_ADDED, want_add++;
		else if (in_old[i] && in_new[i] &&
			 (oldv[i][0] != newv[i][0] || oldv[i][1] != newv[i][1]))
			want = K_CHANGED, want_chg++;
		else if (in_old[i])
			want_same++;
		assert_int_equal(s.kind[i], want);
		if (want == K_CHANGED)
			assert_int_equal(s.slot[i], 1);
	}
	assert_int_equal(c.added, want_add);
	assert_int_equal(c.changed, want_chg);
	assert_int_equal(c.deleted, want_del);
	assert_int_equal(c.unchanged, want_same);
	assert_int_equal(c.dup_new + c.dup_old, 0);
	eg_delta_side_free(so);
	eg_delta_side_free(sn);
}

static void
test_duplicates_and_bad_rows(void **state)
{
	static seen s;
	eg_delta_side *so = NULL, *sn = NULL;
	eg_delta_counts c;
	eg_error e;

	(void)state;
	memset(&s, 0, sizeof(s));
	eg_error_clear(&e);
	assert_int_equal(eg_delta_side_new(&so, NULL, 0, &e), EG_OK);
	assert_int_equal(eg_delta_side_new(&sn, NULL, 0, &e), EG_OK);
	add(so, 1, 1, 1, 2, 0);
	add(so, 2, 2, 2, 3, 0);
	add(so, 3, 3, 3, 4, 0);
	add(sn, 1, 1, 1, 2, 0);
	add(sn, 1, 1, 9, 3, 0); /* the same key again */
	add(sn, 2, 0, 0, 4, 1); /* bad: must not read as deleted */
	assert_int_equal(eg_delta_run(so, sn, on_change, &s, &c, &e), EG_OK);
	assert_int_equal(c.dup_new, 1);
	assert_int_equal(s.kind[1], K_NONE); /* the first row is compared */
	assert_int_equal(s.kind[2], K_REJECTED);
	assert_int_equal(s.kind[3], K_DELETED);
	assert_int_equal(c.deleted, 1);
	assert_int_equal(c.rejected, 1);
	eg_delta_side_free(so);
	eg_delta_side_free(sn);
}

/*
 * The state a run keeps is the next night's old side: fed back as a
 * sorted run, a batch identical to the one kept is all unchanged; a bad
 * row keeps its key's old row; a deleted key is gone from it.
 */
static void
test_keep_round_trip(void **state)
{
	static seen s;
	eg_delta_side *so = NULL, *sn = NULL;
	eg_delta_counts c;
	eg_error e;
	char path[] = "/tmp/edigate-test-keep.XXXXXX";
	int fd = mkstemp(path);
	eg_delta_keep *keep = NULL;
	unsigned char mg[2];
	FILE *f;
	long i;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(eg_delta_keep_open(&keep, path, &e), EG_OK);
	memset(&s, 0, sizeof(s));
	eg_error_clear(&e);
	/* night 1: keys 0..99 (small budget: several runs) */
	assert_int_equal(eg_delta_side_new(&so, NULL, 1024, &e), EG_OK);
	assert_int_equal(eg_delta_side_new(&sn, NULL, 1024, &e), EG_OK);
	for (i = 99; i >= 0; i--)
		add(so, i, (int)i, 0, (uint64_t)i + 2, 0);
	/* night 2: 5 deleted, 7 bad, 9 changed, 100 added */
	for (i = 0; i <= 100; i++)
		if (i != 5)
			add(sn, i, (int)i, i == 9, (uint64_t)i + 2, i == 7);
	assert_int_equal(eg_delta_run_keep(so, sn, on_change, &s, &c, keep,
					   &e),
			 EG_OK);
	assert_int_equal(eg_delta_keep_close(keep, &e), EG_OK);
	/* kept compressed (gzip), read back through zlib below */
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(mg, 1, 2, f), 2);
	fclose(f);
	assert_int_equal(mg[0], 0x1f);
	assert_int_equal(mg[1], 0x8b);
	assert_int_equal(c.deleted, 1);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.added, 1);
	assert_int_equal(c.rejected, 1);
	eg_delta_side_free(so);
	eg_delta_side_free(sn);
	/* night 3 = what was kept: key 7 has its old values, 9 its new */
	memset(&s, 0, sizeof(s));
	assert_int_equal(eg_delta_side_new(&so, NULL, 0, &e), EG_OK);
	assert_int_equal(eg_delta_side_new(&sn, NULL, 0, &e), EG_OK);
	assert_int_equal(eg_delta_side_add_sorted(so, path, &e), EG_OK);
	for (i = 0; i <= 100; i++)
		if (i != 5)
			add(sn, i, (int)i, i == 9, (uint64_t)i + 2, 0);
	assert_int_equal(eg_delta_run(so, sn, on_change, &s, &c, &e), EG_OK);
	assert_int_equal(c.unchanged, 100);
	assert_int_equal(c.added + c.changed + c.deleted + c.rejected, 0);
	eg_delta_side_free(so);
	eg_delta_side_free(sn);
	/* the file is read in place, never removed by the side */
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(eg_delta_side_new(&so, NULL, 0, &e), EG_OK);
	assert_int_equal(eg_delta_side_add_sorted(so, "/nonexistent/x", &e),
			 EG_ENOTFOUND);
	eg_delta_side_free(so);
	unlink(path);
}

static void
test_verdicts(void **state)
{
	eg_delta_counts c;
	eg_delta_limits lim = {10, -1, 0, 1};
	char why[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.rows_old = 1000;
	c.rows_new = 950;
	c.deleted = 50;
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_ACCEPT);
	c.rows_new = 899; /* 10.1 % fewer: a cut-short file */
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_HOLD);
	assert_non_null(strstr(why, "fewer"));
	c.rows_new = 1000;
	lim.max_deletes = 49;
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_HOLD);
	lim.max_deletes = -1;
	c.dup_new = 1;
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_HOLD);
	c.dup_new = 0;
	c.rejected = 1;
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_REJECT);
	lim.quarantine_bad_rows = 1; /* 1 of 1001 is under 1 % */
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_ACCEPT);
	c.rejected = 20;
	assert_int_equal(eg_delta_verdict_of(&c, &lim, why, sizeof(why)),
			 EG_DELTA_REJECT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_batches),
		cmocka_unit_test(test_duplicates_and_bad_rows),
		cmocka_unit_test(test_keep_round_trip),
		cmocka_unit_test(test_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
