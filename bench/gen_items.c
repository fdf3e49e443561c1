/*
 * gen_items.c - an item-master CSV of any size, for `make bench` (and by
 * hand).
 *
 *   gen_items --rows N [--seed S] [--variant old|new] [--decimal-comma]
 *             [-o FILE]
 *
 * Columns as ERP item exports have them (docs/csv.md, the bench-items
 * layout): sku, a GTIN-13 with its check digit, a quoted description
 * holding commas and doubled quotes, unit, weight, three dimensions, case
 * quantity, hazmat and lot flags, status, and a long quoted free-text
 * column the layout does not map (about 200 bytes a row: 5 million rows
 * make about 1 GB).  --decimal-comma writes ';' between fields and ','
 * as the decimal mark (what a German Excel writes).
 *
 * --variant new is the next night's file of the same seed: every 100th
 * row changed (weight), every 1000th deleted, N/1000 rows added at the
 * end: 1 % changed, 0.1 % added and deleted, as issue 16's bench asks.
 * Output is the same for the same arguments on every machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void
gtin13(uint64_t n, char out[14])
{
	unsigned sum = 0, i;

	snprintf(out, 14, "400%09llu", (unsigned long long)(n % 1000000000ULL));
	for (i = 0; i < 12; i++)
		sum += (unsigned)(out[i] - '0') * (i % 2 ? 3 : 1);
	out[12] = (char)('0' + (10 - sum % 10) % 10);
	out[13] = '\0';
}

static const char *const colours[] = {"blue", "red", "black", "white",
				      "green", "grey"};
static const char *const kinds[] = {"Bolt", "Jacket", "Carton", "Lamp",
				    "Bottle", "Cable"};

static void
row(FILE *f, uint64_t i, uint64_t seed, int changed, int dc)
{
	uint64_t h = mix(i * 31 + seed);
	char g[14], d = dc ? ';' : ',', m = dc ? ',' : '.';
	unsigned w = (unsigned)(h % 50000) + (changed ? 7 : 0);

	gtin13(i, g);
	fprintf(f, "SKU%09llu%c%s%c\"%s %llu, %s, \"\"size %c\"\"\"%cEA%c",
		(unsigned long long)i, d, h % 10 == 0 ? "" : g, d,
		kinds[h % 6], (unsigned long long)(h % 1000),
		colours[(h >> 8) % 6], "SMLX"[(h >> 16) % 4], d, d);
	fprintf(f, "%u%c%03u%c%u%c%u%c%u%c%u%c%s%c%s%c%s%c",
		w / 1000, m, w % 1000, d, (unsigned)(h >> 20) % 90 + 1, d,
		(unsigned)(h >> 28) % 60 + 1, d, (unsigned)(h >> 36) % 40 + 1,
		d, (unsigned)(h >> 44) % 24 + 1, d,
		(h >> 50) % 20 == 0 ? "true" : "false", d,
		(h >> 52) % 3 == 0 ? "true" : "false", d,
		(h >> 54) % 50 == 0 ? "inactive" : "active", d);
	fprintf(f, "\"Imported from the ERP nightly export; handle with care, "
		"store dry, batch %llu, line %llu, see the spec sheet\"\n",
		(unsigned long long)(h % 100000), (unsigned long long)i);
}

int
main(int argc, char **argv)
{
	unsigned long long rows = 0, seed = 1, i;
	int newv = 0, dc = 0, k;
	const char *out = NULL;
	FILE *f = stdout;
	char *end;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--rows") && k + 1 < argc)
			rows = strtoull(argv[++k], &end, 10);
		else if (!strcmp(argv[k], "--seed") && k + 1 < argc)
			seed = strtoull(argv[++k], &end, 10);
		else if (!strcmp(argv[k], "--variant") && k + 1 < argc)
			newv = !strcmp(argv[++k], "new");
		else if (!strcmp(argv[k], "--decimal-comma"))
			dc = 1;
		else if (!strcmp(argv[k], "-o") && k + 1 < argc)
			out = argv[++k];
		else {
			fprintf(stderr, "usage: gen_items --rows N [--seed S] "
				"[--variant old|new] [--decimal-comma] "
				"[-o FILE]\n");
			return 2;
		}
	}
	if (!rows) {
		fprintf(stderr, "gen_items: --rows N (N > 0)\n");
		return 2;
	}
	if (out && !(f = fopen(out, "w"))) {
		perror(out);
		return 1;
	}
	fprintf(f, dc ? "sku;gtin;description;uom;weight_kg;length_cm;"
			"width_cm;height_cm;case_qty;hazmat;lot_controlled;"
			"status;notes\n"
		      : "sku,gtin,description,uom,weight_kg,length_cm,width_cm,"
			"height_cm,case_qty,hazmat,lot_controlled,status,notes\n");
	for (i = 0; i < rows; i++) {
		if (newv && i % 1000 == 999)
			continue; /* deleted tonight */
		row(f, i, seed, newv && i % 100 == 42, dc);
	}
	if (newv)
		for (i = rows; i < rows + rows / 1000; i++)
			row(f, i, seed, 0, dc);
	if (fclose(f) != 0) {
		perror(out ? out : "stdout");
		return 1;
	}
	return 0;
}
