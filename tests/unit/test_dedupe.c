/*
 * test_dedupe.c - set digests, business keys read from segments, and the
 * status of a unit from its sets' verdicts (src/pipeline/dedupe.c).
 *
 * The judgement against the ledger runs end to end in
 * tests/e2e/dedupe.sh; here: what a digest covers (ST..SE, not the
 * envelope) and what the key is for a set that gives no record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/pipeline/dedupe.h"
#include "edigate/source.h"

#define FIXTURE "../fixtures/map/850-good.x12"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Replace the first occurrence of from by to (same length). */
static void
patch(char *s, const char *from, const char *to)
{
	char *at = strstr(s, from);

	assert_non_null(at);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
}

/* Feed the bytes through a dedupe; the digest and key of its one set. */
static void
run(eg_maps *maps, const char *data, size_t len, char digest[65],
    char key[160])
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	eg_dedupe *d = NULL;
	const eg_x12_segment *seg;
	const char *dg = NULL, *k = NULL;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_source_new_mem(&src, data, len, "test", &e), EG_OK);
	assert_int_equal(eg_x12_reader_new(&r, src, NULL, &e), EG_OK);
	assert_int_equal(eg_dedupe_new(&d, maps, &eg_syntax_x12, &e), EG_OK);
	for (;;) {
		assert_int_equal(eg_x12_reader_next(r, &seg, &e), EG_OK);
		if (!seg)
			break;
		assert_int_equal(eg_dedupe_segment(d, seg, &e), EG_OK);
		if (seg->tag == EG_X12_TAG('S', 'E', 0)) {
			assert_int_equal(eg_dedupe_set_end(d, &dg, &k, &e),
					 EG_OK);
			snprintf(digest, 65, "%s", dg);
			snprintf(key, 160, "%s", k);
		}
	}
	eg_dedupe_free(d);
	eg_x12_reader_free(r);
	eg_source_free(src);
}

static void
test_digest_covers_the_set_only(void **state)
{
	size_t len;
	char *a = slurp(FIXTURE, &len), *b = slurp(FIXTURE, &len),
	     *c = slurp(FIXTURE, &len);
	char da[65], db[65], dc[65], k[160];

	(void)state;
	/* a new envelope (ISA date, ISA13, GS06): the same sets */
	patch(b, "*240110*0800*", "*240111*0900*");
	patch(b, "000000501", "000000777");
	patch(b, "*501*X*", "*777*X*");
	patch(b, "GE*1*501", "GE*1*777");
	patch(b, "IEA*1*000000501", "IEA*1*000000777");
	/* one element of one line changed */
	patch(c, "PO1*1*10*EA*12.50", "PO1*1*11*EA*12.50");
	run(NULL, a, len, da, k);
	run(NULL, b, len, db, k);
	run(NULL, c, len, dc, k);
	assert_int_equal(strlen(da), 64);
	assert_string_equal(da, db);
	assert_string_not_equal(da, dc);
	assert_string_equal(k, ""); /* no maps: no key */
	free(a);
	free(b);
	free(c);
}

static void
test_key_from_segments(void **state)
{
	size_t len;
	char *a = slurp(FIXTURE, &len);
	char d[65], k[160];
	eg_maps *maps = NULL;
	eg_error e;

	(void)state;
	eg_error_clear(&e);
	assert_int_equal(eg_maps_new(&maps, "../..", &e), EG_OK);
	run(maps, a, len, d, k);
	assert_string_equal(k, "po-number=PO-9001"); /* BEG03, per 850.xml */
	eg_maps_free(maps);
	free(a);
}

static void
test_unit_status(void **state)
{
	eg_dd_tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_string_equal(eg_dd_unit_status(&t, 0, 0, 0), "accepted");
	assert_string_equal(eg_dd_unit_status(&t, 0, 1, 0), "duplicate");
	assert_string_equal(eg_dd_unit_status(&t, 1, 1, 0), "rejected");
	eg_dd_tally_add(&t, EG_DD_DUPLICATE, "F1");
	assert_string_equal(eg_dd_unit_status(&t, 0, 1, 0), "duplicate");
	eg_dd_tally_add(&t, EG_DD_HELD, "F2");
	eg_dd_tally_add(&t, EG_DD_HELD, "F3");
	assert_string_equal(eg_dd_unit_status(&t, 0, 1, 0), "held");
	assert_string_equal(t.dup_of, "F1");
	assert_string_equal(t.held_of, "F2"); /* the first one named */
	assert_int_equal(t.sets, 3);
	memset(&t, 0, sizeof(t));
	eg_dd_tally_add(&t, EG_DD_RESEND, "R1");
	eg_dd_tally_add(&t, EG_DD_NEW, "");
	assert_string_equal(eg_dd_unit_status(&t, 0, 1, 0), "accepted");
	assert_true(t.resend);
	assert_string_equal(t.other_of, "R1");
	assert_string_equal(eg_dd_unit_status(&t, 0, 1, 1), "duplicate");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_covers_the_set_only),
		cmocka_unit_test(test_key_from_segments),
		cmocka_unit_test(test_unit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
