/*
 * csvread.c - CSV reading speed, for `make bench`.
 *
 *   csvread read FILE [--decimal-comma]     split every record
 *   csvread map LAYOUT FILE                 read, validate and map every
 *                                           row to its JSON line
 *
 * Prints one line: "csvread: bytes=B rows=R bad=X seconds=S mib_s=M".
 * Exits 1 when a record fails (a generated file must be clean).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "edigate/csv.h"
#include "edigate/layout.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	eg_csv_opts o;
	eg_csv *r = NULL;
	eg_layout *l = NULL;
	eg_layout_row row;
	eg_layout_src src = {"bench", "bench-1", "bench.csv",
			     "0000000000000000000000000000000000000000000000000000000000000000",
			     NULL};
	eg_buf json;
	eg_error e;
	unsigned long long rows = 0, bad = 0, fields = 0;
	const char *file;
	int map, got;
	double t0;

	if (argc < 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "map"))) {
		fprintf(stderr, "usage: csvread read FILE [--decimal-comma] | "
			"csvread map LAYOUT FILE\n");
		return 2;
	}
	map = !strcmp(argv[1], "map");
	memset(&o, 0, sizeof(o));
	o.header = 1;
	eg_error_clear(&e);
	eg_layout_row_init(&row);
	eg_buf_init(&json, 1 << 20);
	if (map) {
		if (argc < 4 || eg_layout_load(&l, argv[2], NULL, NULL, NULL, &e)) {
			fprintf(stderr, "csvread: %s\n", e.msg);
			return 2;
		}
		eg_layout_csv_opts(l, &o);
		file = argv[3];
	} else {
		file = argv[2];
		o.delim = argc > 3 && !strcmp(argv[3], "--decimal-comma") ? ';'
									  : ',';
	}
	t0 = now();
	if (eg_csv_open(&r, file, &o, &e) || (l && eg_layout_bind(l, r, &e))) {
		fprintf(stderr, "csvread: %s\n", e.msg);
		return 1;
	}
	for (;;) {
		if (eg_csv_next(r, &got, &e)) {
			if (++bad <= 5)
				fprintf(stderr, "csvread: %s\n", e.msg);
			eg_error_clear(&e);
			continue;
		}
		if (!got)
			break;
		rows++;
		fields += eg_csv_nfields(r);
		if (!map)
			continue;
		if (eg_layout_map(l, r, &src, &row, NULL, NULL, &e))
			return 1;
		if (!row.rec) {
			bad++;
			continue;
		}
		eg_buf_reset(&json);
		if (eg_record_write_json(&json, row.rec))
			return 1;
	}
	{
		double s = now() - t0;
		unsigned long long b = eg_csv_bytes(r);

		printf("csvread: bytes=%llu rows=%llu fields=%llu bad=%llu "
		       "seconds=%.3f mib_s=%.1f\n", b, rows, fields, bad, s,
		       (double)b / 1048576.0 / s);
	}
	eg_csv_free(r);
	eg_layout_row_free(&row);
	eg_layout_free(l);
	eg_buf_free(&json);
	return bad ? 1 : 0;
}
