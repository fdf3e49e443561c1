/*
 * test_metrics.c - unit tests for the Prometheus text format writer
 * (metrics.h): families, labels and their escaping, integral and
 * fractional values, histograms (cumulative, +Inf equal to the count),
 * refused names, and the textfile published whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edigate/fsutil.h"
#include "edigate/metrics.h"

static void
test_samples(void **state)
{
	eg_buf b;
	const char *lab[] = {"partner", "acme \"east\"\\n", "direction", "in",
			     "outcome", NULL, NULL};

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(eg_metrics_family(&b, "edigate_files_total", "counter",
					   "Files.\nBy partner \\ outcome."),
			 EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "edigate_files_total", lab, 42),
			 EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "edigate_up", NULL, 0.25),
			 EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "edigate_big", NULL, 1796677741),
			 EG_OK);
	assert_string_equal(eg_buf_cstr(&b),
			    "# HELP edigate_files_total Files.\\nBy partner "
			    "\\\\ outcome.\n"
			    "# TYPE edigate_files_total counter\n"
			    "edigate_files_total{partner=\"acme \\\"east\\\"\\\\n\","
			    "direction=\"in\"} 42\n"
			    "edigate_up 0.25\n"
			    "edigate_big 1796677741\n");
	/* whole numbers are written without printf: zero, negative, large */
	eg_buf_reset(&b);
	assert_int_equal(eg_metrics_sample(&b, "a", NULL, 0), EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "b", NULL, -7), EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "c", NULL, 8e15), EG_OK);
	assert_int_equal(eg_metrics_sample(&b, "d", NULL, -1.5), EG_OK);
	assert_string_equal(eg_buf_cstr(&b), "a 0\nb -7\nc 8000000000000000\n"
					     "d -1.5\n");
	eg_buf_free(&b);
}

static void
test_refused(void **state)
{
	eg_buf b;
	const char *bad_label[] = {"1st", "x", NULL};
	const char *reserved[] = {"__name__", "x", NULL};

	(void)state;
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(eg_metrics_family(&b, "9lives", "counter", "x"),
			 EG_EINVAL);
	assert_int_equal(eg_metrics_family(&b, "ok_name", "summary", "x"),
			 EG_EINVAL);
	assert_int_equal(eg_metrics_sample(&b, "has-dash", NULL, 1), EG_EINVAL);
	assert_int_equal(eg_metrics_sample(&b, "ok", bad_label, 1), EG_EINVAL);
	assert_int_equal(eg_metrics_sample(&b, "ok", reserved, 1), EG_EINVAL);
	/* a full buffer is an error, never a cut line */
	eg_buf_free(&b);
	eg_buf_init(&b, 8);
	assert_int_not_equal(eg_metrics_sample(&b, "edigate_long_name", NULL, 1),
			     EG_OK);
	eg_buf_free(&b);
}

static void
test_histogram(void **state)
{
	static const double bounds[] = {0.1, 1, 10};
	const char *lab[] = {"partner", "acme", NULL};
	eg_metrics_hist h;
	eg_buf b;

	(void)state;
	eg_metrics_hist_init(&h, bounds, 3);
	eg_metrics_hist_observe(&h, 0.05);
	eg_metrics_hist_observe(&h, 0.1); /* le: on the bound counts */
	eg_metrics_hist_observe(&h, 5);
	eg_metrics_hist_observe(&h, 50);
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(eg_metrics_hist_write(&b, "edigate_run_seconds", lab,
					       &h),
			 EG_OK);
	assert_string_equal(
	    eg_buf_cstr(&b),
	    "edigate_run_seconds_bucket{partner=\"acme\",le=\"0.1\"} 2\n"
	    "edigate_run_seconds_bucket{partner=\"acme\",le=\"1\"} 2\n"
	    "edigate_run_seconds_bucket{partner=\"acme\",le=\"10\"} 3\n"
	    "edigate_run_seconds_bucket{partner=\"acme\",le=\"+Inf\"} 4\n"
	    "edigate_run_seconds_sum{partner=\"acme\"} 55.149999999999999\n"
	    "edigate_run_seconds_count{partner=\"acme\"} 4\n");
	eg_buf_free(&b);
}

static void
test_publish(void **state)
{
	char dir[] = "/tmp/test_metrics.XXXXXX", path[256], *got = NULL;
	size_t len = 0;
	eg_buf b;
	eg_error e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/edigate.prom", dir);
	eg_buf_init(&b, 1 << 16);
	assert_int_equal(eg_metrics_sample(&b, "edigate_up", NULL, 1), EG_OK);
	eg_error_clear(&e);
	assert_int_equal(eg_metrics_publish(path, &b, &e), EG_OK);
	assert_int_equal(eg_file_read_small(path, 1024, &got, &len, &e), EG_OK);
	assert_int_equal(len, b.len);
	assert_memory_equal(got, eg_buf_cstr(&b), len);
	free(got);
	/* a path that names a folder is refused */
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(eg_metrics_publish(path, &b, &e), EG_EINVAL);
	snprintf(path, sizeof(path), "%s/edigate.prom", dir);
	unlink(path);
	rmdir(dir);
	eg_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_publish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
