/*
 * fuzz_layout.c - libFuzzer target: the layout loader (layout.h) and
 * mapping through whatever layout it accepts.
 *
 * The input is a layout file, loaded through the XML adapter with
 * schemas/layout.xsd and the loader's own checks.  When it loads, a small
 * fixed CSV (tests/fixtures/csv/bad_rows.csv's shape, good and bad rows)
 * is read with the layout's dialect and every row mapped.  What must
 * hold: no crash, leak, hang or sanitizer report; a refused layout always
 * says why; a row is a record or has findings, never both; every record
 * writes as JSON.  Runs from the repository root (schemas/).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/csv.h"
#include "edigate/layout.h"

#include "fuzz_common.h"

static const char sample[] =
    "sku,gtin,description,uom,weight_kg,length_cm,width_cm,height_cm,"
    "case_qty,hazmat,lot_controlled,status\n"
    "B-1,4006381333931,Good row,EA,1.5,10,10,10,12,false,false,active\n"
    "B-2,4006381333932,\"Bad, check\",EA,\"1,5\",10,10,10,0,maybe,,x\n"
    ",,,,,,,,,,,\n"
    "0384,0614141000012,STORE,PK,1.234,1,2,3,6,true,true,inactive\n";

static void
count(void *ud, const eg_csv_where *w, const char *why)
{
	(void)w;
	if (why == NULL || why[0] == '\0')
		abort();
	(*(unsigned *)ud)++;
}

static void
map_sample(eg_layout *l)
{
	eg_csv_opts o;
	eg_csv *r = NULL;
	eg_layout_row row;
	eg_layout_src src = {NULL, "fuzz-1", "sample.csv",
			     "0000000000000000000000000000000000000000000000000000000000000000",
			     NULL};
	eg_buf json;
	eg_error e;
	int got;

	eg_error_clear(&e);
	eg_layout_csv_opts(l, &o);
	if (eg_csv_open_mem(&r, sample, sizeof(sample) - 1, &o, &e) != EG_OK)
		return;
	eg_layout_row_init(&row);
	eg_buf_init(&json, 1 << 20);
	if (eg_layout_bind(l, r, &e) != EG_OK)
		goto out;
	for (;;) {
		unsigned n = 0;

		if (eg_csv_next(r, &got, &e) != EG_OK) {
			eg_error_clear(&e);
			continue;
		}
		if (!got)
			break;
		if (eg_layout_map(l, r, &src, &row, count, &n, &e) != EG_OK)
			break;
		if ((row.rec != NULL) == (n > 0) || n != row.nbad)
			abort();
		eg_buf_reset(&json);
		if (row.rec && eg_record_write_json(&json, row.rec) != EG_OK)
			abort();
	}
out:
	eg_layout_row_free(&row);
	eg_buf_free(&json);
	eg_csv_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	eg_layout *l = NULL;
	eg_error e;

	snprintf(path, sizeof(path), "%s/layout.xml", fuzz_scratch());
	fuzz_write(path, data, size);
	eg_error_clear(&e);
	if (eg_layout_load(&l, path, "schemas/layout.xsd", NULL, NULL, &e) !=
	    EG_OK) {
		if (l != NULL || e.msg[0] == '\0')
			abort();
		return 0;
	}
	map_sample(l);
	eg_layout_free(l);
	return 0;
}
