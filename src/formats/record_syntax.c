/*
 * record_syntax.c - the record syntaxes' descriptors (syntax.h): CSV (with
 * fixed width) and XML, each read record by record through a partner's
 * layout into canonical records.
 *
 * They wrap the streaming readers (csv_reader.c, xml_reader.c) and the
 * layout's mapping (map/layout_map.c) behind one table, so whoever reads
 * a layout document -- the pipeline's layout documents and master-data
 * batches, `edigate layout map` -- does not ask which syntax it is.
 */
#include <stdlib.h>
#include <string.h>

#include "edigate/format.h"
#include "edigate/syntax.h"

/* What the first bytes are, by the registry's bids. */
static const char *
detected(const unsigned char *p, size_t n)
{
	const eg_format *f = eg_format_detect(p, n);

	return f ? f->name : "";
}

/* ---- CSV ---------------------------------------------------------------- */

static int
csv_starts(const unsigned char *p, size_t n)
{
	const char *d = detected(p, n);

	/* a one-column file bids on nothing: still CSV to its layout */
	return n > 0 && (!d[0] || !strcmp(d, "csv"));
}

static int
csv_takes(const eg_layout *l)
{
	return !eg_layout_is_xml(l);
}

static eg_err
csv_open(void **out, eg_layout *l, const char *path, eg_error *e)
{
	eg_csv_opts o;
	eg_csv *r = NULL;
	eg_err rc;

	*out = NULL;
	eg_layout_csv_opts(l, &o);
	if ((rc = eg_csv_open(&r, path, &o, e)) ||
	    (rc = eg_layout_bind(l, r, e))) {
		eg_csv_free(r);
		return rc;
	}
	*out = r;
	return EG_OK;
}

static eg_err
csv_next(void *rd, eg_layout *l, const eg_layout_src *src, eg_layout_row *row,
	 eg_layout_finding_fn fn, void *ud, int *got, eg_error *e)
{
	eg_err rc = eg_csv_next(rd, got, e);

	if (rc || !*got)
		return rc;
	return eg_layout_map(l, rd, src, row, fn, ud, e);
}

static void
csv_pos(void *rd, uint64_t *offset, uint64_t *line)
{
	uint64_t len, last;

	eg_csv_record_pos(rd, offset, &len, line, &last);
}

static const eg_csv_where *
csv_where(void *rd)
{
	return eg_csv_last_error(rd);
}

static uint64_t
csv_bytes(void *rd)
{
	return eg_csv_bytes(rd);
}

static void
csv_close(void *rd)
{
	eg_csv_free(rd);
}

const eg_record_syntax eg_record_csv = {
	"csv",	   csv_starts, csv_takes, csv_open,  csv_next,
	csv_pos,   csv_where,  csv_bytes, csv_close, 1,
};

/* ---- XML ---------------------------------------------------------------- */

static int
xml_starts(const unsigned char *p, size_t n)
{
	return !strcmp(detected(p, n), "xml");
}

static int
xml_takes(const eg_layout *l)
{
	return eg_layout_is_xml(l);
}

static eg_err
xml_open(void **out, eg_layout *l, const char *path, eg_error *e)
{
	eg_xmlr_opts o;
	eg_xmlr *r = NULL;
	eg_err rc;

	*out = NULL;
	eg_layout_xml_opts(l, &o);
	if ((rc = eg_xmlr_open(&r, path, &o, e)))
		return rc;
	*out = r;
	return EG_OK;
}

static eg_err
xml_next(void *rd, eg_layout *l, const eg_layout_src *src, eg_layout_row *row,
	 eg_layout_finding_fn fn, void *ud, int *got, eg_error *e)
{
	eg_err rc = eg_xmlr_next(rd, got, e);

	if (rc || !*got)
		return rc;
	return eg_layout_map_xml(l, rd, src, row, fn, ud, e);
}

static void
xml_pos(void *rd, uint64_t *offset, uint64_t *line)
{
	uint64_t last, num;

	eg_xmlr_record_pos(rd, line, &last, &num, offset);
}

static const eg_csv_where *
xml_where(void *rd)
{
	return eg_xmlr_last_error(rd);
}

static uint64_t
xml_bytes(void *rd)
{
	return eg_xmlr_bytes(rd);
}

static void
xml_close(void *rd)
{
	eg_xmlr_free(rd);
}

const eg_record_syntax eg_record_xml = {
	"xml",	   xml_starts, xml_takes, xml_open,  xml_next,
	xml_pos,   xml_where,  xml_bytes, xml_close, 0,
};
