/*
 * fuzz_xml.c - libFuzzer target: the streaming XML reader (xml_reader.h)
 * and XML layouts mapping its records (layout.h).
 *
 * The first byte picks what reads the rest: 0 the reader alone with a
 * set of paths and tiny limits (depth 8, texts of 64 bytes, 32 values);
 * 1 the ship-confirm layout (edi/layouts) with its schema, validated
 * while streaming; 2 the same layout without the schema; 3 the XML
 * inventory layout (tests/fixtures/xml).  What must hold: no crash,
 * leak, hang or sanitizer report; no network or file access beyond the
 * input (the reader refuses DTD internal subsets, so nothing can point
 * elsewhere); every error names a line and a byte; every value is valid
 * UTF-8; a mapped record writes as JSON.  Runs from the repository root.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/layout.h"
#include "edigate/xml_reader.h"

static eg_layout *ship, *inv;

static int
valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, k, l;

	while (i < n) {
		unsigned c = p[i];

		l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2
		    : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
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
nofind(void *ud, const eg_csv_where *w, const char *why)
{
	(void)w;
	if (!why || !why[0])
		abort();
	++*(unsigned long *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"@id", "a", "a/@b", "r/x", ".",
					    "r/x/@u"};
	static const char *const reps[] = {"r"};
	eg_layout_src src = {NULL, "fuzz-1", "f.xml", NULL, NULL};
	eg_layout *l = NULL;
	eg_layout_row row;
	eg_xmlr_opts o;
	eg_xmlr *r = NULL;
	eg_error e;
	eg_buf js;
	unsigned long nf = 0;
	size_t i;
	int got, mode;

	if (size < 1)
		return 0;
	if (!ship && (eg_layout_load(&ship, "edi/layouts/ship-confirm.layout.xml",
				     "schemas/layout.xsd", NULL, NULL, &e) ||
		      eg_layout_load(&inv, "tests/fixtures/xml/inventory.layout.xml",
				     "schemas/layout.xsd", NULL, NULL, &e)))
		abort();
	mode = data[0] & 3;
	memset(&o, 0, sizeof(o));
	if (mode == 0) {
		o.record = "d/e";
		o.paths = paths;
		o.npaths = sizeof(paths) / sizeof(paths[0]);
		o.repeats = reps;
		o.nrepeats = 1;
		o.max_depth = 8;
		o.max_text = 64;
		o.max_values = 32;
		o.max_record = 512;
	} else {
		l = mode == 3 ? inv : ship;
		eg_layout_xml_opts(l, &o);
		if (mode == 2)
			o.xsd = NULL;
	}
	o.max_bytes = 1 << 20;
	eg_layout_row_init(&row);
	eg_buf_init(&js, 1 << 20);
	if (eg_xmlr_open_mem(&r, data + 1, size - 1, &o, &e))
		abort(); /* memory input and good options always open */
	for (;;) {
		eg_err rc = eg_xmlr_next(r, &got, &e);

		if (rc) {
			if (!strstr(e.msg, ": line ") || !strstr(e.msg, ", byte "))
				abort();
			break;
		}
		if (!got)
			break;
		for (i = 0; i < eg_xmlr_nvalues(r); i++) {
			const eg_xmlr_val *v = eg_xmlr_value(r, i);

			if (!valid_utf8((const unsigned char *)v->s.p, v->s.len))
				abort();
		}
		if (l) {
			if (eg_layout_map_xml(l, r, &src, &row, nofind, &nf, &e))
				break;
			eg_buf_reset(&js);
			if (row.rec && eg_record_write_json(&js, row.rec) == EG_OK &&
			    (js.len == 0 || js.data[0] != '{'))
				abort();
		}
	}
	eg_xmlr_free(r);
	eg_layout_row_free(&row);
	eg_buf_free(&js);
	return 0;
}
