/*
 * cmd_csv.c - `edigate csv`: read a CSV (or fixed-width) file with the
 * streaming reader and tell what it is: delimiter, columns, records, and
 * every problem with its line, column, byte offset and raw value.  No
 * layout needed: this is the first look at a partner's sample, and the
 * reader's door for scripts (--json) and the corpus test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/csv.h"

#define MAX_FIXED 64

static void
help_csv(FILE *f)
{
	fputs("Usage: edigate csv FILE [--delimiter C] [--encoding E]\n"
	      "                 [--no-header] [--no-quote] [--lax-quotes]\n"
	      "                 [--ragged] [--fixed START:WIDTH,...]\n"
	      "                 [--max-record BYTES] [--max-columns N]\n"
	      "                 [--show N] [--json]\n\n"
	      "Read a CSV file record by record (constant memory, any size)\n"
	      "and report its delimiter (detected among , ; | TAB unless\n"
	      "given; 'tab' for TAB), its columns and record count, and\n"
	      "every problem with its line, column, byte offset and value:\n"
	      "bytes not in the encoding (utf-8, windows-1252, iso-8859-1,\n"
	      "iso-8859-15), stray or unclosed quotes, rows with too many or\n"
	      "too few fields, NUL bytes, records over the limits.\n"
	      "  --fixed     fixed-width records: 1-based start and width of\n"
	      "              each column\n"
	      "  --show N    print the first N records (fields joined by |)\n"
	      "  --json      one JSON object: counts, columns, problems\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
parse_fixed(const char *s, eg_csv_fixcol *cols, size_t *n)
{
	char *end;

	*n = 0;
	while (*s) {
		long a = strtol(s, &end, 10), w;

		if (end == s || *end != ':' || a < 1 || *n >= MAX_FIXED)
			return -1;
		s = end + 1;
		w = strtol(s, &end, 10);
		if (end == s || w < 1)
			return -1;
		cols[*n].start = (unsigned)a;
		cols[(*n)++].width = (unsigned)w;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *n ? 0 : -1;
}

typedef struct copts {
	const char *path;
	eg_csv_opts o;
	eg_csv_fixcol fixed[MAX_FIXED];
	long show;
	int json;
} copts;

static int
csv_args(eg_cli *cli, int argc, char **argv, copts *c)
{
	int i;
	char *end;

	c->o.header = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char name[32];
		const char *eq = strchr(a, '=');

		/* --name=value is --name value */
		if (!strncmp(a, "--", 2) && eq && (size_t)(eq - a) < sizeof(name)) {
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			a = name;
			v = eq + 1;
			i--; /* the value is not the next argument */
			argv[i + 1] = (char *)(uintptr_t)v;
		}

		if (!strcmp(a, "--json"))
			c->json = 1;
		else if (!strcmp(a, "--no-header"))
			c->o.header = 0;
		else if (!strcmp(a, "--no-quote"))
			c->o.no_quote = 1;
		else if (!strcmp(a, "--lax-quotes"))
			c->o.lax_quotes = 1;
		else if (!strcmp(a, "--ragged"))
			c->o.ragged = 1;
		else if (!strcmp(a, "--trim"))
			c->o.trim = 1;
		else if (!strcmp(a, "--delimiter") && v) {
			i++;
			if (!strcmp(v, "tab") || !strcmp(v, "\\t"))
				c->o.delim = '\t';
			else if (strlen(v) == 1)
				c->o.delim = v[0];
			else
				return eg_cli_usage(cli, "csv", "the delimiter is "
						    "one character (or 'tab')");
		} else if (!strcmp(a, "--encoding") && v) {
			i++;
			if (eg_csv_enc_parse(v, &c->o.enc))
				return eg_cli_usage(cli, "csv", "unknown encoding "
						    "'%s'", v);
		} else if (!strcmp(a, "--fixed") && v) {
			i++;
			if (parse_fixed(v, c->fixed, &c->o.nfixed))
				return eg_cli_usage(cli, "csv", "--fixed takes "
						    "START:WIDTH,...");
			c->o.fixed = c->fixed;
		} else if (!strcmp(a, "--max-record") && v) {
			c->o.max_record = (size_t)strtoul(argv[++i], &end, 10);
			if (*end || !c->o.max_record)
				return eg_cli_usage(cli, "csv", "bad --max-record");
		} else if (!strcmp(a, "--max-columns") && v) {
			c->o.max_cols = (size_t)strtoul(argv[++i], &end, 10);
			if (*end || !c->o.max_cols)
				return eg_cli_usage(cli, "csv", "bad --max-columns");
		} else if (!strcmp(a, "--show") && v) {
			c->show = strtol(argv[++i], &end, 10);
			if (*end || c->show < 0)
				return eg_cli_usage(cli, "csv", "bad --show");
		} else if (a[0] == '-' && a[1]) {
			return eg_cli_usage(cli, "csv", "unknown option '%s'", a);
		} else if (!c->path) {
			c->path = a;
		} else {
			return eg_cli_usage(cli, "csv", "one file at a time");
		}
	}
	if (!c->path)
		return eg_cli_usage(cli, "csv", "which file?");
	return EG_EXIT_OK;
}

static void
show_record(eg_cli *cli, eg_csv *r, eg_buf *b)
{
	size_t i;

	eg_buf_reset(b);
	for (i = 0; i < eg_csv_nfields(r); i++) {
		eg_span s = eg_csv_field(r, i);

		if ((i && eg_buf_addc(b, '|')) ||
		    eg_buf_add_printable(b, s.p, s.len))
			return;
	}
	fprintf(cli->out, "  %s\n", eg_buf_cstr(b));
}

static int
run_csv(eg_cli *cli, int argc, char **argv)
{
	copts c;
	eg_csv *r = NULL;
	eg_error e;
	eg_buf probs, line;
	unsigned long nprob = 0;
	uint64_t good = 0;
	int got, x = EG_EXIT_OK;
	size_t i;
	char where[200];

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help_csv(cli->out);
		return EG_EXIT_OK;
	}
	memset(&c, 0, sizeof(c));
	if ((x = csv_args(cli, argc, argv, &c)) != EG_EXIT_OK)
		return x;
	eg_buf_init(&probs, 1024 * 1024);
	eg_buf_init(&line, 64 * 1024);
	eg_error_clear(&e);
	if (eg_csv_open(&r, c.path, &c.o, &e)) {
		if (c.json) {
			fprintf(cli->out, "{\"file\":");
			eg_buf_reset(&line);
			if (!eg_buf_add_json(&line, c.path, strlen(c.path)) &&
			    !eg_buf_adds(&line, ",\"ok\":false,\"error\":") &&
			    !eg_buf_add_json(&line, e.msg, strlen(e.msg)))
				fputs(eg_buf_cstr(&line), cli->out);
			fprintf(cli->out, "}\n");
		} else {
			fprintf(cli->err, "%s: %s\n", c.path, e.msg);
		}
		x = e.code == EG_ENOTFOUND || e.code == EG_EIO ? EG_EXIT_IO
							       : EG_EXIT_DOCUMENT;
		goto out;
	}
	for (;;) {
		eg_err rc = eg_csv_next(r, &got, &e);

		if (rc == EG_EIO || rc == EG_ENOMEM) {
			fprintf(cli->err, "%s: %s\n", c.path, e.msg);
			x = EG_EXIT_IO;
			goto out;
		}
		if (rc) {
			const eg_csv_where *w = eg_csv_last_error(r);

			if (++nprob <= 100) {
				if (c.json) {
					if ((probs.len && eg_buf_addc(&probs, ',')) ||
					    eg_buf_adds(&probs, "{\"where\":") ||
					    eg_csv_where_json(&probs, w) ||
					    eg_buf_adds(&probs, ",\"message\":") ||
					    eg_buf_add_json(&probs, e.msg,
							    strlen(e.msg)) ||
					    eg_buf_addc(&probs, '}'))
						nprob += 0;
				} else {
					fprintf(cli->err, "%s: %s\n", c.path, e.msg);
				}
			}
			eg_error_clear(&e);
			continue;
		}
		if (!got)
			break;
		if ((long)good < c.show && !c.json)
			show_record(cli, r, &line);
		good++;
	}
	if (c.json) {
		eg_buf_reset(&line);
		if (eg_buf_adds(&line, "{\"file\":") ||
		    eg_buf_add_json(&line, c.path, strlen(c.path)) ||
		    eg_buf_addf(&line, ",\"ok\":%s,\"delimiter\":",
				nprob ? "false" : "true") ||
		    eg_buf_add_json(&line, &(char){eg_csv_delim(r)},
				    c.o.nfixed ? 0 : 1) ||
		    eg_buf_addf(&line, ",\"encoding\":\"%s\",\"records\":%llu,"
				"\"badRecords\":%lu,\"bytes\":%llu,\"columns\":[",
				eg_csv_enc_name(c.o.enc),
				(unsigned long long)good, nprob,
				(unsigned long long)eg_csv_bytes(r)))
			goto out;
		for (i = 0; i < eg_csv_ncols(r); i++)
			if ((i && eg_buf_addc(&line, ',')) ||
			    eg_buf_add_json(&line, eg_csv_name(r, i),
					    strlen(eg_csv_name(r, i))))
				goto out;
		fprintf(cli->out, "%s],\"problems\":[%s]}\n", eg_buf_cstr(&line),
			eg_buf_cstr(&probs));
	} else {
		char d = eg_csv_delim(r);

		snprintf(where, sizeof(where), d == '\t' ? "TAB" : "'%c'", d);
		fprintf(cli->out, "%s: %llu records, %zu columns, delimiter %s, "
			"%s, %lu bad record%s\n", c.path,
			(unsigned long long)good, eg_csv_ncols(r),
			c.o.nfixed ? "none (fixed width)" : where,
			eg_csv_enc_name(c.o.enc), nprob, nprob == 1 ? "" : "s");
	}
	if (nprob)
		x = EG_EXIT_DOCUMENT;
out:
	eg_csv_free(r);
	eg_buf_free(&probs);
	eg_buf_free(&line);
	return x;
}

const eg_command eg_cmd_csv = {
	"csv", "read a CSV file and report its shape and every bad record",
	run_csv, help_csv,
};
