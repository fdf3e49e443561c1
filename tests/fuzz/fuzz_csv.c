/*
 * fuzz_csv.c - libFuzzer target: the CSV reader (csv.h) and CSV numbers.
 *
 * The first byte picks the dialect: bit 0 header, bits 1-2 the encoding,
 * bit 3 trim, bit 4 lax quotes, bit 5 fixed width, bit 6 tiny limits
 * (64-byte records, 8 fields; else 16 KiB), bit 7 a given ';' delimiter (else detected).  The rest is the
 * file, read from memory to the end, resuming after each bad record as
 * row-level quarantine does.  What must hold: no crash, leak, hang or
 * sanitizer report; every field is valid UTF-8 (whatever the encoding
 * said); every error has a message and a line; the reader never hands
 * out more fields than its limit.  Each field also goes through
 * eg_csv_number, whose output must be a plain number when accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/csv.h"

static int
valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2
				     : (c & 0xF0) == 0xE0   ? 3
				     : (c & 0xF8) == 0xF0   ? 4 : 0;
		size_t k;

		if (l == 0 || i + l > n)
			return 0;
		for (k = 1; k < l; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

static void
check_number(eg_span s)
{
	char out[80], why[128];

	if (eg_csv_number(s.p, s.len, ',', '.', 0, out, sizeof(out), why,
			  sizeof(why)) == 0) {
		if (strspn(out, "-0123456789.") != strlen(out) || !out[0])
			abort();
	} else if (!why[0]) {
		abort();
	}
	if (eg_csv_number(s.p, s.len, '.', 0, 3, out, sizeof(out), why,
			  sizeof(why)) == 0 &&
	    strspn(out, "-0123456789.") != strlen(out))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const eg_csv_fixcol cols[] = {{1, 3}, {4, 5}, {9, 20}};
	eg_csv_opts o;
	eg_csv *r = NULL;
	eg_error e;
	unsigned long loops = 0;
	int got;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.header = data[0] & 1;
	o.enc = (eg_csv_enc)((data[0] >> 1) & 3);
	o.trim = (data[0] >> 3) & 1;
	o.lax_quotes = (data[0] >> 4) & 1;
	if (data[0] & 0x20) {
		o.fixed = cols;
		o.nfixed = 3;
	}
	/* the logic is the same at any limit; a small record buffer keeps
	 * each run cheap */
	o.max_record = 16384;
	if (data[0] & 0x40) {
		o.max_record = 64;
		o.max_cols = 8;
	}
	if (data[0] & 0x80)
		o.delim = ';';
	eg_error_clear(&e);
	if (eg_csv_open_mem(&r, data + 1, size - 1, &o, &e) != EG_OK) {
		if (r != NULL || e.msg[0] == '\0')
			abort();
		return 0;
	}
	for (;;) {
		eg_err rc = eg_csv_next(r, &got, &e);
		size_t i;

		if (++loops > size + 10)
			abort(); /* every call must make progress */
		if (rc != EG_OK) {
			if (e.msg[0] == '\0' || eg_csv_last_error(r)->line == 0)
				abort();
			eg_error_clear(&e);
			continue;
		}
		if (!got)
			break;
		if (eg_csv_nfields(r) > (o.max_cols ? o.max_cols : 1024))
			abort();
		for (i = 0; i < eg_csv_nfields(r); i++) {
			eg_span s = eg_csv_field(r, i);

			if (!valid_utf8((const unsigned char *)s.p, s.len))
				abort();
			check_number(s);
		}
	}
	eg_csv_free(r);
	return 0;
}
