/*
 * cmd_layout.c - `edigate layout` (check a layout, map a CSV or XML file
 * with it into canonical JSON Lines) and `edigate delta` (what changed
 * between two nightly master-data files).
 *
 * Both read the file once, streaming, whatever its size: records are
 * written as each row is mapped, the delta sorts on disk.  Every bad row
 * is reported with its line, column, byte offset and raw value; nothing
 * is dropped silently.  `delta` writes its changes only when the batch is
 * accepted (fail closed): a held or rejected batch leaves --out untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/csv.h"
#include "edigate/delta.h"
#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "edigate/layout.h"
#include "edigate/syntax.h"
#include "edigate/xml_reader.h"

#ifndef EG_DATADIR
#define EG_DATADIR "/usr/local/share/edigate"
#endif

#define FINDINGS_JSON_MAX 100

/* Findings of one file: printed (text) or gathered (JSON). */
typedef struct fctx {
	eg_cli *cli;
	const char *file;
	int json;
	unsigned long n;
	unsigned long max_print;
	eg_buf js;
} fctx;

static void
on_finding(void *ud, const eg_csv_where *w, const char *why)
{
	fctx *f = ud;
	char where[200];

	f->n++;
	if (f->json) {
		if (f->n > FINDINGS_JSON_MAX)
			return;
		if ((f->js.len > 0 && eg_buf_addc(&f->js, ',')) ||
		    eg_buf_adds(&f->js, "{\"file\":") ||
		    eg_buf_add_json(&f->js, f->file, strlen(f->file)) ||
		    eg_buf_adds(&f->js, ",\"where\":") ||
		    eg_csv_where_json(&f->js, w) ||
		    eg_buf_adds(&f->js, ",\"reason\":") ||
		    eg_buf_add_json(&f->js, why, strlen(why)) ||
		    eg_buf_addc(&f->js, '}'))
			return;
		return;
	}
	if (f->n > f->max_print) {
		if (f->n == f->max_print + 1)
			fprintf(f->cli->err, "%s: more problems follow (only the "
				"first %lu are shown)\n", f->file, f->max_print);
		return;
	}
	eg_csv_where_format(w, where, sizeof(where));
	if (w->raw[0])
		fprintf(f->cli->err, "%s: %s: %s: '%s'\n", f->file, where, why,
			w->raw);
	else
		fprintf(f->cli->err, "%s: %s: %s\n", f->file, where, why);
}

static int
layout_xsd(eg_cli *cli, const char *cmd, char *dst, size_t cap)
{
	eg_home h;
	eg_error e;

	eg_error_clear(&e);
	if (eg_home_resolve(&h, cli->opt_home, cli->env_home, EG_DATADIR,
			    &e)) {
		fprintf(cli->err, "edigate %s: %s\n", cmd, e.msg);
		return EG_EXIT_USAGE;
	}
	if (!h.datadir) {
		fprintf(cli->err, "edigate %s: no schemas/ found (neither in "
			"the home nor in %s)\n", cmd, EG_DATADIR);
		eg_home_free(&h);
		return EG_EXIT_USAGE;
	}
	snprintf(dst, cap, "%s/schemas/layout.xsd", h.datadir);
	eg_home_free(&h);
	return EG_EXIT_OK;
}

static void
on_problem(void *ud, long line, const char *msg)
{
	fctx *f = ud;

	f->n++;
	if (f->json) {
		if (f->js.len > 0 && eg_buf_addc(&f->js, ','))
			return;
		if (eg_buf_addf(&f->js, "{\"line\":%ld,\"message\":", line) ||
		    eg_buf_add_json(&f->js, msg, strlen(msg)) ||
		    eg_buf_addc(&f->js, '}'))
			return;
	} else {
		fprintf(f->cli->err, "%s:%ld: %s\n", f->file, line, msg);
	}
}

static int
open_layout(eg_cli *cli, const char *cmd, const char *path, fctx *f,
	    eg_layout **l)
{
	char xsd[4200];
	eg_error e;
	int x = layout_xsd(cli, cmd, xsd, sizeof(xsd));

	if (x)
		return x;
	eg_error_clear(&e);
	f->file = path;
	if (eg_layout_load(l, path, xsd, on_problem, f, &e)) {
		if (f->n == 0 && !f->json) /* not well-formed, not found */
			fprintf(cli->err, "edigate %s: %s\n", cmd, e.msg);
		else if (f->n == 0)
			on_problem(f, 0, e.msg);
		return e.code == EG_ENOTFOUND || e.code == EG_EIO
			   ? EG_EXIT_USAGE
			   : EG_EXIT_DOCUMENT;
	}
	return EG_EXIT_OK;
}

/* ---- layout check ---- */

static int
layout_check(eg_cli *cli, int argc, char **argv)
{
	fctx f;
	eg_layout *l = NULL;
	const char *path = NULL;
	int i, json = 0, x;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "layout check",
					    "unknown option '%s'", argv[i]);
		else if (!path)
			path = argv[i];
		else
			return eg_cli_usage(cli, "layout check",
					    "one layout at a time");
	}
	if (!path)
		return eg_cli_usage(cli, "layout check", "which layout?");
	memset(&f, 0, sizeof(f));
	f.cli = cli;
	f.json = json;
	eg_buf_init(&f.js, 1024 * 1024);
	x = open_layout(cli, "layout check", path, &f, &l);
	if (json && x != EG_EXIT_USAGE)
		fprintf(cli->out, "{\"layout\":\"%s\",\"ok\":%s,\"record\":\"%s\","
			"\"problems\":[%s]}\n", l ? eg_layout_name(l) : "",
			x ? "false" : "true", l ? eg_layout_record(l) : "",
			eg_buf_cstr(&f.js));
	else if (!x)
		fprintf(cli->out, "%s: ok: layout %s, %s records, %zu "
			"fields\n", path, eg_layout_name(l), eg_layout_record(l),
			eg_layout_nslots(l));
	else if (x == EG_EXIT_DOCUMENT && f.n)
		fprintf(cli->out, "%s: %lu problem%s\n", path, f.n,
			f.n == 1 ? "" : "s");
	eg_layout_free(l);
	eg_buf_free(&f.js);
	return x;
}

/* ---- reading a file through a layout ---- */

typedef struct feed {
	eg_cli *cli;
	eg_layout *l;
	const char *path;
	char sha[EG_SHA256_HEX];
	char file_id[32];
	fctx f;
	/* out */
	uint64_t rows, good, bad, unkeyed, bytes;
	int read_failed; /* the reader stopped */
	eg_error e;
} feed;

/* Per good or bad row: fn(ud, row, csv-line). */
typedef eg_err (*row_fn)(void *ud, feed *fd, eg_layout_row *row,
			 uint64_t line, eg_buf *json, eg_error *e);

/* Read the file through the layout's record syntax (syntax.h: CSV or
 * XML), one record at a time.  A record the reader cannot read is bad
 * and unkeyed; CSV goes on after it, XML cannot (the file is bad). */
static int
feed_file(feed *fd, row_fn fn, void *ud)
{
	const eg_record_syntax *rs = eg_record_syntax_of(fd->l);
	void *r = NULL;
	eg_layout_row row;
	eg_layout_src src;
	eg_buf json;
	int got, x = EG_EXIT_OK;
	eg_err rc;

	eg_error_clear(&fd->e);
	if (eg_sha256_file(fd->path, fd->sha, &fd->e)) {
		fprintf(fd->cli->err, "edigate: %s\n", fd->e.msg);
		return EG_EXIT_IO;
	}
	snprintf(fd->file_id, sizeof(fd->file_id), "dry-%.12s", fd->sha);
	memset(&src, 0, sizeof(src));
	src.file_id = fd->file_id;
	src.file_name = strrchr(fd->path, '/') ? strrchr(fd->path, '/') + 1
					       : fd->path;
	src.sha256 = fd->sha;
	eg_layout_row_init(&row);
	eg_buf_init(&json, 64 * 1024 * 1024);
	if (!rs)
		rc = eg_fail(&fd->e, EG_ECONFIG, "no reader takes the layout");
	else
		rc = rs->open(&r, fd->l, fd->path, &fd->e);
	if (rc) {
		fprintf(fd->cli->err, "%s: %s\n", fd->path, fd->e.msg);
		fd->read_failed = 1;
		/* an XML schema the layout names that cannot be loaded is
		 * the layout's fault: usage */
		x = rc == EG_ENOTFOUND || rc == EG_EIO ? EG_EXIT_IO
		    : rc == EG_ECONFIG && eg_layout_is_xml(fd->l)
			? EG_EXIT_USAGE
			: EG_EXIT_DOCUMENT;
		goto out;
	}
	for (;;) {
		uint64_t off, line;

		rc = rs->next(r, fd->l, &src, &row, on_finding, &fd->f, &got,
			      &fd->e);
		if (rc == EG_EIO || rc == EG_ENOMEM || rc == EG_EINTERNAL) {
			fprintf(fd->cli->err, "%s: %s\n", fd->path, fd->e.msg);
			x = EG_EXIT_IO;
			break;
		}
		if (rc) { /* a record the reader cannot read */
			fd->rows += rs->resumes;
			fd->bad++;
			fd->unkeyed++;
			on_finding(&fd->f, rs->where(r), eg_csv_reason(fd->e.msg));
			eg_error_clear(&fd->e);
			if (!rs->resumes) {
				fd->read_failed = 1;
				break;
			}
			continue;
		}
		if (!got)
			break;
		fd->rows++;
		eg_buf_reset(&json);
		if (row.rec && eg_record_write_json(&json, row.rec)) {
			fprintf(fd->cli->err, "%s: a record too large\n",
				fd->path);
			x = EG_EXIT_IO;
			break;
		}
		if (row.rec)
			fd->good++;
		else
			fd->bad++;
		if (!row.rec && row.key.len == 0)
			fd->unkeyed++;
		rs->pos(r, &off, &line);
		if (fn && fn(ud, fd, &row, line, &json, &fd->e)) {
			fprintf(fd->cli->err, "%s: %s\n", fd->path, fd->e.msg);
			x = EG_EXIT_IO;
			break;
		}
	}
	fd->bytes = rs->bytes(r);
out:
	if (r)
		rs->close(r);
	eg_layout_row_free(&row);
	eg_buf_free(&json);
	return x;
}

/* ---- layout map ---- */

typedef struct mapout {
	FILE *out;
	int xml;
	eg_buf x;
} mapout;

static eg_err
map_row(void *ud, feed *fd, eg_layout_row *row, uint64_t line, eg_buf *json,
	eg_error *e)
{
	mapout *m = ud;

	(void)fd;
	(void)line;
	if (!row->rec)
		return EG_OK;
	if (m->xml) {
		eg_buf_reset(&m->x);
		if (eg_record_write_xml(&m->x, row->rec, 1) ||
		    fwrite(m->x.data, 1, m->x.len, m->out) != m->x.len)
			return eg_fail(e, EG_EIO, "cannot write the records");
		return EG_OK;
	}
	if (fwrite(json->data, 1, json->len, m->out) != json->len)
		return eg_fail(e, EG_EIO, "cannot write the records");
	return EG_OK;
}

static int
layout_map(eg_cli *cli, int argc, char **argv)
{
	const char *lpath = NULL, *path = NULL, *outp = NULL;
	feed fd;
	mapout m;
	eg_layout *l = NULL;
	int i, json = 0, x;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outp = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "xml") ||
			  !strcmp(argv[i + 1], "jsonl")))
			m.xml = !strcmp(argv[++i], "xml");
		else if (argv[i][0] == '-' && argv[i][1])
			return eg_cli_usage(cli, "layout map",
					    "unknown option '%s'", argv[i]);
		else if (!lpath)
			lpath = argv[i];
		else if (!path)
			path = argv[i];
		else
			return eg_cli_usage(cli, "layout map",
					    "LAYOUT FILE, one file at a time");
	}
	if (!path)
		return eg_cli_usage(cli, "layout map", "give LAYOUT and FILE");
	if (json && !outp)
		return eg_cli_usage(cli, "layout map",
				    "--json prints the summary: give --out "
				    "FILE for the records");
	memset(&fd, 0, sizeof(fd));
	fd.f.cli = cli;
	fd.f.max_print = 50;
	x = open_layout(cli, "layout map", lpath, &fd.f, &l);
	if (x)
		return x;
	m.out = cli->out;
	if (outp && !(m.out = fopen(outp, "w"))) {
		eg_layout_free(l);
		fprintf(cli->err, "edigate layout map: cannot write %s\n", outp);
		return EG_EXIT_IO;
	}
	memset(&fd.f, 0, sizeof(fd.f));
	fd.f.cli = cli;
	fd.f.file = path;
	fd.f.json = json;
	fd.f.max_print = 50;
	eg_buf_init(&fd.f.js, 1024 * 1024);
	fd.cli = cli;
	fd.l = l;
	fd.path = path;
	eg_buf_init(&m.x, 16 * 1024 * 1024);
	if (m.xml)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n",
		      m.out);
	x = feed_file(&fd, map_row, &m);
	if (m.xml)
		fputs("</records>\n", m.out);
	eg_buf_free(&m.x);
	if (outp && fclose(m.out) != 0 && !x)
		x = EG_EXIT_IO;
	if (!x && fd.bad)
		x = EG_EXIT_DOCUMENT;
	if (json)
		fprintf(cli->out, "{\"file\":\"%s\",\"sha256\":\"%s\",\"rows\":%llu,"
			"\"records\":%llu,\"badRows\":%llu,\"bytes\":%llu,"
			"\"findings\":[%s]}\n", path, fd.sha,
			(unsigned long long)fd.rows,
			(unsigned long long)fd.good, (unsigned long long)fd.bad,
			(unsigned long long)fd.bytes, eg_buf_cstr(&fd.f.js));
	else
		fprintf(cli->err, "%s: %llu %s, %llu records, %llu bad "
			"%s\n", path, (unsigned long long)fd.rows,
			eg_layout_is_xml(l) ? "record elements" : "rows",
			(unsigned long long)fd.good, (unsigned long long)fd.bad,
			eg_layout_is_xml(l) ? "records" : "rows");
	eg_buf_free(&fd.f.js);
	eg_layout_free(l);
	return x;
}

static void
help_layout(FILE *f)
{
	fputs("Usage: edigate layout check LAYOUT [--json]\n"
	      "       edigate layout map LAYOUT FILE [--out RECORDS] [--json]\n"
	      "                          [--format jsonl|xml]\n\n"
	      "A layout (schemas/layout.xsd, docs/csv.md, docs/xml.md) says\n"
	      "how a partner's CSV, fixed-width or XML file maps to canonical\n"
	      "records (Item, Location, Carrier, InventorySnapshot; from XML\n"
	      "also Shipment): delimiter, header and encoding, or the XML\n"
	      "record element and schema; which column or XML element gives\n"
	      "which field, number formats, code lists, defaults and the\n"
	      "business key.\n\n"
	      "  check   load the layout and report every problem with its line\n"
	      "  map     read FILE with the layout and write its canonical\n"
	      "          records as JSON Lines (stdout, or --out RECORDS);\n"
	      "          every bad row is reported on stderr with its line,\n"
	      "          column (XML: element path), byte offset and value,\n"
	      "          and gives no record; an XML file that is not\n"
	      "          well-formed, not valid against its schema, over a\n"
	      "          limit or hostile (entities, DTDs) stops there\n"
	      "  --format  jsonl (the default) or xml (one <records> batch,\n"
	      "          valid against schemas/canonical.xsd)\n"
	      "  --json  one JSON summary on stdout (map: needs --out)\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run_layout(eg_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help_layout(cli->out);
		return EG_EXIT_OK;
	}
	if (argc >= 2 && !strcmp(argv[1], "check")) {
		if (argc >= 3 && !strcmp(argv[2], "--help")) {
			help_layout(cli->out);
			return EG_EXIT_OK;
		}
		return layout_check(cli, argc - 2, argv + 2);
	}
	if (argc >= 2 && !strcmp(argv[1], "map")) {
		if (argc >= 3 && !strcmp(argv[2], "--help")) {
			help_layout(cli->out);
			return EG_EXIT_OK;
		}
		return layout_map(cli, argc - 2, argv + 2);
	}
	return eg_cli_usage(cli, "layout", "check or map?");
}

const eg_command eg_cmd_layout = {
	"layout", "check a CSV or XML layout, or map a file with it",
	run_layout, help_layout,
};

/* ---- delta ---- */

typedef struct dctx {
	eg_delta_side *side;
	FILE *out;
	const eg_layout *l;
	fctx *f;
	eg_buf line;
	int is_new;
	uint64_t written;
} dctx;

static eg_err
delta_row(void *ud, feed *fd, eg_layout_row *row, uint64_t line, eg_buf *json,
	  eg_error *e)
{
	dctx *d = ud;

	(void)fd;
	if (!row->rec && row->key.len == 0)
		return EG_OK; /* no key: counted as unkeyed */
	return eg_delta_side_add(d->side, row->key.data ? row->key.data : "",
				 row->key.len,
				 row->flat.data ? row->flat.data : "",
				 row->flat.len, row->rec ? json->data : "",
				 row->rec ? json->len : 0, line, !row->rec, e);
}

static const char *
slot_name(const void *ud, size_t i)
{
	return eg_layout_slot_name(ud, i);
}

static int
delta_change(void *ud, const eg_delta_change *c)
{
	dctx *d = ud;
	eg_buf *b = &d->line;
	eg_csv_where w;
	char why[200];

	if (c->kind == EG_DELTA_DUPLICATE) {
		memset(&w, 0, sizeof(w));
		w.line = c->is_old ? c->line_old : c->line_new;
		snprintf(w.raw, sizeof(w.raw), "%.*s",
			 (int)(c->klen < 90 ? c->klen : 90), c->key);
		snprintf(why, sizeof(why), "%sthe key is on line %llu as well",
			 c->is_old ? "(old batch) " : "",
			 (unsigned long long)c->line_old);
		on_finding(d->f, &w, why);
		return 0;
	}
	if (c->kind == EG_DELTA_REJECTED || !d->out)
		return 0;
	eg_buf_reset(b);
	if (eg_delta_change_json(b, c, NULL, slot_name, d->l))
		return -1;
	if (fwrite(b->data, 1, b->len, d->out) != b->len)
		return -1;
	d->written++;
	return 0;
}

typedef struct dopts {
	const char *layout, *old, *new_, *out, *tmp;
	int json;
	size_t mem;
	double max_drop;
	long max_deletes;
	int set_drop, set_deletes;
} dopts;

static int
delta_args(eg_cli *cli, int argc, char **argv, dopts *o)
{
	int i;
	char *end;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "--layout") && i + 1 < argc)
			o->layout = argv[++i];
		else if (!strcmp(a, "--out") && i + 1 < argc)
			o->out = argv[++i];
		else if (!strcmp(a, "--tmp") && i + 1 < argc)
			o->tmp = argv[++i];
		else if (!strcmp(a, "--mem") && i + 1 < argc) {
			long mb = strtol(argv[++i], &end, 10);

			if (*end || mb < 1 || mb > 4096)
				return eg_cli_usage(cli, "delta",
						    "--mem takes 1 to 4096 (MiB)");
			o->mem = (size_t)mb * 1024 * 1024;
		} else if (!strcmp(a, "--max-drop") && i + 1 < argc) {
			o->max_drop = strtod(argv[++i], &end);
			if (*end || o->max_drop < 0 || o->max_drop > 100)
				return eg_cli_usage(cli, "delta",
						    "--max-drop takes a percentage");
			o->set_drop = 1;
		} else if (!strcmp(a, "--max-deletes") && i + 1 < argc) {
			o->max_deletes = strtol(argv[++i], &end, 10);
			if (*end || o->max_deletes < 0)
				return eg_cli_usage(cli, "delta",
						    "--max-deletes takes a count");
			o->set_deletes = 1;
		} else if (a[0] == '-') {
			return eg_cli_usage(cli, "delta", "unknown option '%s'",
					    a);
		} else if (!o->old) {
			o->old = a;
		} else if (!o->new_) {
			o->new_ = a;
		} else {
			return eg_cli_usage(cli, "delta", "OLD and NEW only");
		}
	}
	if (!o->old || !o->new_ || !o->layout)
		return eg_cli_usage(cli, "delta",
				    "give OLD NEW and --layout LAYOUT");
	return EG_EXIT_OK;
}

static void
delta_report(eg_cli *cli, const dopts *o, const eg_delta_counts *c,
	     const feed *fo, const feed *fn, eg_delta_verdict v,
	     const char *why, const fctx *f, uint64_t written)
{
	if (o->json) {
		fprintf(cli->out,
			"{\"old\":{\"file\":\"%s\",\"rows\":%llu,\"badRows\":%llu},"
			"\"new\":{\"file\":\"%s\",\"rows\":%llu,\"badRows\":%llu},"
			"\"keysOld\":%llu,\"keysNew\":%llu,\"added\":%llu,"
			"\"changed\":%llu,\"deleted\":%llu,\"unchanged\":%llu,"
			"\"duplicates\":%llu,\"duplicatesOld\":%llu,"
			"\"rejected\":%llu,\"verdict\":\"%s\",\"reason\":",
			fo->path, (unsigned long long)fo->rows,
			(unsigned long long)fo->bad, fn->path,
			(unsigned long long)fn->rows,
			(unsigned long long)fn->bad,
			(unsigned long long)c->rows_old,
			(unsigned long long)c->rows_new,
			(unsigned long long)c->added,
			(unsigned long long)c->changed,
			(unsigned long long)c->deleted,
			(unsigned long long)c->unchanged,
			(unsigned long long)c->dup_new,
			(unsigned long long)c->dup_old,
			(unsigned long long)c->rejected,
			eg_delta_verdict_name(v));
		{
			eg_buf b;

			eg_buf_init(&b, 4096);
			if (eg_buf_add_json(&b, why, strlen(why)) == EG_OK)
				fputs(eg_buf_cstr(&b), cli->out);
			eg_buf_free(&b);
		}
		fprintf(cli->out, ",\"changesWritten\":%llu,\"findings\":[%s]}\n",
			(unsigned long long)written, eg_buf_cstr(&f->js));
		return;
	}
	fprintf(cli->out,
		"old %s: %llu rows; new %s: %llu rows\n"
		"  added      %llu\n  changed    %llu\n  deleted    %llu\n"
		"  unchanged  %llu\n  duplicate keys %llu, bad rows %llu\n"
		"verdict: %s: %s\n",
		fo->path, (unsigned long long)fo->rows, fn->path,
		(unsigned long long)fn->rows, (unsigned long long)c->added,
		(unsigned long long)c->changed, (unsigned long long)c->deleted,
		(unsigned long long)c->unchanged,
		(unsigned long long)c->dup_new, (unsigned long long)c->rejected,
		eg_delta_verdict_name(v), why);
	if (o->out && v == EG_DELTA_ACCEPT)
		fprintf(cli->out, "changes: %llu written to %s\n",
			(unsigned long long)written, o->out);
	else if (o->out)
		fprintf(cli->out, "changes: not written (the batch is %s)\n",
			v == EG_DELTA_HOLD ? "held for a person to release"
					   : "rejected");
}

static int
run_delta(eg_cli *cli, int argc, char **argv)
{
	dopts o;
	feed fo, fn;
	dctx d;
	fctx f;
	eg_layout *l = NULL;
	eg_delta_side *so = NULL, *sn = NULL;
	eg_delta_counts c;
	eg_delta_limits lim;
	eg_delta_verdict v = EG_DELTA_REJECT;
	char why[300], tmpout[4200] = "";
	eg_error e;
	int x;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		eg_cmd_delta.help(cli->out);
		return EG_EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	if ((x = delta_args(cli, argc, argv, &o)) != EG_EXIT_OK)
		return x;
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	memset(&fo, 0, sizeof(fo));
	memset(&fn, 0, sizeof(fn));
	f.cli = cli;
	f.json = o.json;
	f.max_print = 50;
	eg_buf_init(&f.js, 1024 * 1024);
	eg_buf_init(&d.line, 64 * 1024 * 1024);
	eg_error_clear(&e);
	if ((x = open_layout(cli, "delta", o.layout, &f, &l)) != EG_EXIT_OK)
		goto out;
	f.n = 0;
	if (eg_delta_side_new(&so, o.tmp, o.mem, &e) ||
	    eg_delta_side_new(&sn, o.tmp, o.mem, &e)) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	d.l = l;
	d.f = &f;
	fo.cli = fn.cli = cli;
	fo.l = fn.l = l;
	fo.path = o.old;
	fn.path = o.new_;
	fo.f = f;
	d.side = so;
	f.file = o.old;
	fo.f.file = o.old;
	/* findings of both files go to f: share it */
	x = feed_file(&fo, delta_row, &d);
	f.n += fo.f.n;
	if (!x && fo.f.json && fo.f.js.len)
		x = eg_buf_add(&f.js, fo.f.js.data, fo.f.js.len) ? EG_EXIT_IO : 0;
	eg_buf_free(&fo.f.js);
	if (x)
		goto out;
	if (!x && eg_delta_side_seal(so, &e)) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (fo.unkeyed) {
		fprintf(cli->err, "edigate delta: the old batch %s has %llu "
			"row(s) without a readable key: it cannot be the "
			"baseline\n", o.old, (unsigned long long)fo.unkeyed);
		x = EG_EXIT_DOCUMENT;
		goto out;
	}
	fn.f = f;
	fn.f.js.data = NULL;
	eg_buf_init(&fn.f.js, 1024 * 1024);
	fn.f.file = o.new_;
	fn.f.n = 0;
	d.side = sn;
	x = feed_file(&fn, delta_row, &d);
	f.n += fn.f.n;
	if (fn.f.json && fn.f.js.len &&
	    ((f.js.len && eg_buf_addc(&f.js, ',')) ||
	     eg_buf_add(&f.js, fn.f.js.data, fn.f.js.len)))
		x = EG_EXIT_IO;
	eg_buf_free(&fn.f.js);
	if (x)
		goto out;
	if (o.out) {
		snprintf(tmpout, sizeof(tmpout), "%s.tmp-%ld", o.out,
			 (long)getpid());
		if (!(d.out = fopen(tmpout, "w"))) {
			fprintf(cli->err, "edigate delta: cannot write %s\n",
				tmpout);
			x = EG_EXIT_IO;
			goto out;
		}
	}
	f.file = o.new_;
	if (eg_delta_run(so, sn, delta_change, &d, &c, &e)) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	/* every bad row of the new file, with or without a key */
	c.rejected = fn.bad;
	lim.max_drop_percent = o.set_drop ? o.max_drop
				: eg_layout_batch_of(l)->max_drop_percent;
	lim.max_deletes = o.set_deletes ? o.max_deletes
			  : eg_layout_batch_of(l)->max_deletes;
	lim.quarantine_bad_rows = eg_layout_batch_of(l)->quarantine_bad_rows;
	lim.max_bad_percent = eg_layout_batch_of(l)->max_bad_percent;
	v = eg_delta_verdict_of(&c, &lim, why, sizeof(why));
	if (d.out) {
		int bad = fflush(d.out) != 0 || fsync(fileno(d.out)) != 0;

		bad |= fclose(d.out) != 0;
		d.out = NULL;
		if (bad) {
			fprintf(cli->err, "edigate delta: cannot write %s\n",
				tmpout);
			x = EG_EXIT_IO;
			goto out;
		}
		if (v == EG_DELTA_ACCEPT && rename(tmpout, o.out) != 0) {
			fprintf(cli->err, "edigate delta: cannot rename %s\n",
				tmpout);
			x = EG_EXIT_IO;
			goto out;
		}
		if (v == EG_DELTA_ACCEPT)
			tmpout[0] = '\0';
	}
	delta_report(cli, &o, &c, &fo, &fn, v, why, &f,
		     v == EG_DELTA_ACCEPT ? d.written : 0);
	x = v == EG_DELTA_ACCEPT ? EG_EXIT_OK : EG_EXIT_DOCUMENT;
out:
	if (d.out)
		fclose(d.out);
	if (tmpout[0])
		unlink(tmpout);
	eg_delta_side_free(so);
	eg_delta_side_free(sn);
	eg_layout_free(l);
	eg_buf_free(&f.js);
	eg_buf_free(&d.line);
	return x;
}

static void
help_delta(FILE *f)
{
	fputs("Usage: edigate delta OLD NEW --layout LAYOUT [--out CHANGES]\n"
	      "                     [--json] [--max-drop PCT] [--max-deletes N]\n"
	      "                     [--tmp DIR] [--mem MIB]\n\n"
	      "Compare two full master-data files (last night's accepted one\n"
	      "and tonight's) by the layout's business key, in constant\n"
	      "memory (sorted runs on disk under --tmp, --mem MiB per file,\n"
	      "default 16).  Tells how many rows were added, changed, deleted\n"
	      "and unchanged, and the verdict:\n"
	      "  accept  within the limits: the changes are written to --out\n"
	      "          as JSON Lines ({\"change\":\"added\"|\"changed\"|\n"
	      "          \"deleted\",\"key\",\"lineOld\",\"lineNew\",\"fields\",\n"
	      "          \"record\"})\n"
	      "  hold    suspicious: the row count dropped by more than\n"
	      "          --max-drop %% (default: the layout's, else 10), more\n"
	      "          than --max-deletes rows deleted, or a key twice in\n"
	      "          the new file; nothing is written\n"
	      "  reject  bad rows beyond what the layout allows; nothing is\n"
	      "          written\n"
	      "Every bad row and duplicate key is reported with its line.\n"
	      "  --json  the counts, verdict and findings as one JSON object\n",
	      f);
	eg_cli_help_exit_codes(f);
	fputs("Here exit 1 means the batch is held or rejected.\n", f);
}

const eg_command eg_cmd_delta = {
	"delta", "what changed between two nightly master-data files",
	run_delta, help_delta,
};
