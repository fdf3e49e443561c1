/*
 * cmd_xml.c - `edigate xml`: read an XML document with the streaming
 * reader (no layout needed) and tell what it is: how many record elements
 * at --record, or the first problem with its line, column, byte offset
 * and element path.  Hostile input (DTD internal subsets, entities,
 * UTF-16, deep nesting, huge texts) is refused here exactly as in every
 * other command.  The reader's door for scripts (--json) and the corpus
 * test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/xml_reader.h"

static void
help_xml(FILE *f)
{
	fputs("Usage: edigate xml FILE [--record PATH] [--schema XSD]\n"
	      "                 [--max-depth N] [--max-text BYTES]\n"
	      "                 [--max-bytes BYTES] [--json]\n\n"
	      "Read an XML document element by element (constant memory, any\n"
	      "size) and report how many record elements it holds, or the\n"
	      "first problem with its line, column, byte offset and element\n"
	      "path: not well-formed, cut short, bytes not in the declared\n"
	      "encoding, not valid against the schema, over a limit, or\n"
	      "hostile (a DTD internal subset, an entity, UTF-16).\n"
	      "  --record PATH  the record element's path from the root\n"
	      "                 (ShipConfirm/Shipment); default: the root\n"
	      "  --schema XSD   validate while reading\n"
	      "  --max-depth N  element nesting (64); --max-text BYTES one\n"
	      "                 text or attribute (1 MiB); --max-bytes BYTES\n"
	      "                 the file (no limit)\n"
	      "  --json         one JSON object: ok, records, bytes, error\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *end || v == 0)
		return -1;
	*out = v;
	return 0;
}

static int
run_xml(eg_cli *cli, int argc, char **argv)
{
	eg_xmlr_opts o;
	eg_xmlr *r = NULL;
	eg_error e;
	eg_buf js;
	const char *path = NULL;
	uint64_t v, recs = 0;
	int i, json = 0, got, x = EG_EXIT_OK;
	eg_err rc = EG_OK;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help_xml(cli->out);
		return EG_EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;

		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--record") && has) {
			o.record = argv[++i];
		} else if (!strcmp(a, "--schema") && has) {
			o.xsd = argv[++i];
		} else if (!strcmp(a, "--max-depth") && has) {
			if (parse_size(argv[++i], &v) || v > 1024)
				return eg_cli_usage(cli, "xml", "bad --max-depth "
						    "(1 to 1024)");
			o.max_depth = (unsigned)v;
		} else if (!strcmp(a, "--max-text") && has) {
			if (parse_size(argv[++i], &v))
				return eg_cli_usage(cli, "xml", "bad --max-text");
			o.max_text = (size_t)v;
		} else if (!strcmp(a, "--max-bytes") && has) {
			if (parse_size(argv[++i], &o.max_bytes))
				return eg_cli_usage(cli, "xml", "bad --max-bytes");
		} else if (a[0] == '-' && a[1]) {
			return eg_cli_usage(cli, "xml", "unknown option '%s'", a);
		} else if (!path) {
			path = a;
		} else {
			return eg_cli_usage(cli, "xml", "one file at a time");
		}
	}
	if (!path)
		return eg_cli_usage(cli, "xml", "which file?");
	eg_error_clear(&e);
	eg_buf_init(&js, 64 * 1024);
	if (eg_xmlr_open(&r, path, &o, &e) == EG_OK) {
		while ((rc = eg_xmlr_next(r, &got, &e)) == EG_OK && got)
			recs++;
	} else {
		rc = e.code;
	}
	if (rc == EG_EIO || rc == EG_ENOTFOUND || rc == EG_ENOMEM)
		x = EG_EXIT_IO;
	else if (rc == EG_ECONFIG || rc == EG_EINVAL)
		x = EG_EXIT_USAGE;
	else if (rc)
		x = EG_EXIT_DOCUMENT;
	if (json) {
		if (!eg_buf_adds(&js, "{\"file\":") &&
		    !eg_buf_add_json(&js, path, strlen(path)) &&
		    !eg_buf_addf(&js, ",\"ok\":%s,\"records\":%llu,\"bytes\":%llu",
				 rc ? "false" : "true", (unsigned long long)recs,
				 (unsigned long long)(r ? eg_xmlr_bytes(r) : 0)) &&
		    (!rc || r == NULL ||
		     (!eg_buf_adds(&js, ",\"where\":") &&
		      !eg_csv_where_json(&js, eg_xmlr_last_error(r)))) &&
		    (!rc || (!eg_buf_adds(&js, ",\"error\":") &&
			     !eg_buf_add_json(&js, e.msg, strlen(e.msg)))))
			fprintf(cli->out, "%s}\n", eg_buf_cstr(&js));
	} else if (rc) {
		fprintf(cli->err, "%s\n", e.msg);
	} else {
		fprintf(cli->out, "%s: well-formed%s, %llu record element%s "
			"(%s), %llu bytes\n", path, o.xsd ? " and valid" : "",
			(unsigned long long)recs, recs == 1 ? "" : "s",
			o.record ? o.record : "the root",
			(unsigned long long)eg_xmlr_bytes(r));
	}
	eg_xmlr_free(r);
	eg_buf_free(&js);
	return x;
}

const eg_command eg_cmd_xml = {
	"xml", "read an XML document safely and report its records or its "
	"first problem",
	run_xml, help_xml,
};
