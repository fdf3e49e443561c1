/*
 * cmd_parse.c - `edigate parse`: show a file's interchanges, groups,
 * transaction sets and segments, as indented text or as one JSON object.
 *
 * Output is streamed as the reader goes, so a big file prints in constant
 * memory.  Structure follows the envelope segments as they come: a header
 * opens a level, its trailer (or the next header, or the end) closes it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/x12.h"

enum { D_NONE, D_ICHG, D_GROUP, D_TXN };

typedef struct pctx {
	eg_cli *cli;
	int json;
	int depth;
	int first[4]; /* no child written yet at this depth */
	eg_buf b;     /* scratch, reset for every segment */
} pctx;

static void
put_json(pctx *p, const char *s, size_t n)
{
	eg_buf_reset(&p->b);
	if (eg_buf_add_json(&p->b, s, n) == EG_OK)
		fputs(eg_buf_cstr(&p->b), p->cli->out);
}

static void
put_span(pctx *p, eg_span s)
{
	put_json(p, s.p, s.len);
}

/* A delimiter for people ('~', LF, 0x15); quoted only in text output. */
static void
delim_text(unsigned char c, char *dst, size_t cap, int quote)
{
	if (c == 0)
		snprintf(dst, cap, "none");
	else if (c == '\n')
		snprintf(dst, cap, "LF");
	else if (c == '\r')
		snprintf(dst, cap, "CR");
	else if (c < 0x20 || c >= 0x7f)
		snprintf(dst, cap, "0x%02X", c);
	else
		snprintf(dst, cap, quote ? "'%c'" : "%c", c);
}

/* Start a child of the current level. */
static void
json_sep(pctx *p)
{
	if (!p->first[p->depth])
		fputc(',', p->cli->out);
	p->first[p->depth] = 0;
}

static void
close_to(pctx *p, int depth)
{
	while (p->depth > depth) {
		if (p->json)
			fputs("]}", p->cli->out);
		p->depth--;
	}
}

static void
open_level(pctx *p, int depth, const eg_x12_segment *s)
{
	char de[8], dc[8], dr[8], dt[40];
	int quote = !p->json;

	close_to(p, depth - 1);
	if (depth == D_ICHG) {
		delim_text(s->delims->element, de, sizeof(de), quote);
		delim_text(s->delims->component, dc, sizeof(dc), quote);
		delim_text(s->delims->repetition, dr, sizeof(dr), quote);
		if (s->delims->segment_len > 1)
			snprintf(dt, sizeof(dt), "UTF-8 %zu bytes",
				 s->delims->segment_len);
		else
			delim_text(s->delims->segment[0], dt, sizeof(dt), quote);
	}
	if (p->json) {
		json_sep(p);
		if (depth == D_ICHG) {
			fputs("{\"type\":\"interchange\",\"control\":", p->cli->out);
			put_span(p, eg_x12_element(s, 13));
			fputs(",\"sender\":", p->cli->out);
			put_span(p, eg_x12_element(s, 6));
			fputs(",\"receiver\":", p->cli->out);
			put_span(p, eg_x12_element(s, 8));
			fputs(",\"version\":", p->cli->out);
			put_span(p, eg_x12_element(s, 12));
			fputs(",\"delimiters\":{\"element\":", p->cli->out);
			put_json(p, de, strlen(de));
			fputs(",\"component\":", p->cli->out);
			put_json(p, dc, strlen(dc));
			fputs(",\"repetition\":", p->cli->out);
			if (s->delims->repetition)
				put_json(p, dr, strlen(dr));
			else
				fputs("null", p->cli->out);
			fputs(",\"segment\":", p->cli->out);
			put_json(p, dt, strlen(dt));
			fputs("},\"children\":[", p->cli->out);
		} else if (depth == D_GROUP) {
			fputs("{\"type\":\"group\",\"control\":", p->cli->out);
			put_span(p, eg_x12_element(s, 6));
			fputs(",\"functional_id\":", p->cli->out);
			put_span(p, eg_x12_element(s, 1));
			fputs(",\"version\":", p->cli->out);
			put_span(p, eg_x12_element(s, 8));
			fputs(",\"children\":[", p->cli->out);
		} else {
			fputs("{\"type\":\"transaction\",\"set\":", p->cli->out);
			put_span(p, eg_x12_element(s, 1));
			fputs(",\"control\":", p->cli->out);
			put_span(p, eg_x12_element(s, 2));
			fputs(",\"segments\":[", p->cli->out);
		}
	} else if (depth == D_ICHG) {
		eg_span q6 = eg_x12_element(s, 5), q8 = eg_x12_element(s, 7);

		fprintf(p->cli->out,
			"interchange %u: ISA13 %.*s, %.*s:%.*s -> %.*s:%.*s, "
			"version %.*s\n  delimiters: element %s, component "
			"%s, repetition %s, segment %s\n",
			s->interchange, (int)eg_x12_element(s, 13).len,
			eg_x12_element(s, 13).p, (int)q6.len, q6.p,
			(int)eg_x12_element(s, 6).len, eg_x12_element(s, 6).p,
			(int)q8.len, q8.p, (int)eg_x12_element(s, 8).len,
			eg_x12_element(s, 8).p, (int)eg_x12_element(s, 12).len,
			eg_x12_element(s, 12).p, de, dc, dr, dt);
	} else if (depth == D_GROUP) {
		fprintf(p->cli->out,
			"  group GS06 %.*s, functional ID %.*s, version %.*s\n",
			(int)eg_x12_element(s, 6).len, eg_x12_element(s, 6).p,
			(int)eg_x12_element(s, 1).len, eg_x12_element(s, 1).p,
			(int)eg_x12_element(s, 8).len, eg_x12_element(s, 8).p);
	} else {
		fprintf(p->cli->out, "    transaction set %.*s, ST02 %.*s\n",
			(int)eg_x12_element(s, 1).len, eg_x12_element(s, 1).p,
			(int)eg_x12_element(s, 2).len, eg_x12_element(s, 2).p);
	}
	p->depth = depth;
	p->first[depth] = 1;
}

static void
segment_out(pctx *p, const eg_x12_segment *s)
{
	if (p->json) {
		json_sep(p);
		eg_cli_json_segment(p->cli->out, &p->b, &eg_syntax_x12, s);
		return;
	}
	eg_buf_reset(&p->b);
	if (eg_buf_add_printable(&p->b, s->data, s->len) != EG_OK)
		return;
	fprintf(p->cli->out, "%*s%6llu  %s%s\n", 2 * p->depth + 2, "",
		(unsigned long long)s->index, eg_buf_cstr(&p->b),
		s->unwrapped ? "   (line breaks removed)" : "");
}

static void
on_segment(pctx *p, const eg_x12_segment *s)
{
	const char *id = s->id;

	if (strcmp(id, "ISA") == 0)
		open_level(p, D_ICHG, s);
	else if (strcmp(id, "GS") == 0 && p->depth >= D_ICHG)
		open_level(p, D_GROUP, s);
	else if (strcmp(id, "ST") == 0 && p->depth >= D_GROUP)
		open_level(p, D_TXN, s);
	else if ((strcmp(id, "GE") == 0 && p->depth >= D_GROUP) ||
		 (strcmp(id, "IEA") == 0 && p->depth >= D_ICHG))
		close_to(p, strcmp(id, "GE") == 0 ? D_GROUP : D_ICHG);
	segment_out(p, s);
	if (strcmp(id, "SE") == 0 && p->depth == D_TXN)
		close_to(p, D_GROUP);
	else if (strcmp(id, "GE") == 0 && p->depth == D_GROUP)
		close_to(p, D_ICHG);
	else if (strcmp(id, "IEA") == 0 && p->depth == D_ICHG)
		close_to(p, D_NONE);
}

static void
help(FILE *f)
{
	fputs("Usage: edigate parse [--json] FILE\n\n"
	      "Read an X12 file and show its interchanges (with their\n"
	      "delimiters), functional groups, transaction sets and segments.\n"
	      "A UN/EDIFACT file (UNA or UNB at the start) shows its\n"
	      "interchanges (separators, syntax), groups, messages and\n"
	      "segments, values with release characters removed.\n"
	      "Only syntax is checked here; use `edigate validate` for\n"
	      "envelope and control-number checks.\n\n"
	      "Options:\n"
	      "  --json   one JSON object: interchanges > children (segments\n"
	      "           and groups) > transaction sets > segments; each\n"
	      "           segment has id, offset, index and elements (a\n"
	      "           composite is an array, repetitions an object)\n"
	      "  FILE     a path, or - for standard input\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	pctx p;
	eg_source *src = NULL;
	eg_x12_reader *rd = NULL;
	const eg_x12_segment *s;
	const char *file = NULL;
	eg_error e;
	eg_err rc;
	int i, x = EG_EXIT_OK;

	memset(&p, 0, sizeof(p));
	p.cli = cli;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return EG_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			p.json = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return eg_cli_usage(cli, "parse", "unknown option '%s'",
					    argv[i]);
		} else if (file) {
			return eg_cli_usage(cli, "parse", "one FILE at a time");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return eg_cli_usage(cli, "parse", "no FILE given");
	if (eg_cli_is_edifact(file))
		return eg_cli_edifact_parse(cli, file, p.json);
	eg_error_clear(&e);
	eg_buf_init(&p.b, (size_t)1 << 30);
	rc = eg_source_open_file(&src, file, &e);
	if (!rc)
		rc = eg_x12_reader_new(&rd, src, NULL, &e);
	if (rc) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (p.json) {
		fputs("{\"file\":", cli->out);
		put_json(&p, file, strlen(file));
		fputs(",\"interchanges\":[", cli->out);
		p.first[D_NONE] = 1;
	} else {
		fprintf(cli->out, "%s\n", file);
	}
	while ((rc = eg_x12_reader_next(rd, &s, &e)) == EG_OK && s)
		on_segment(&p, s);
	close_to(&p, D_NONE);
	if (p.json) {
		char msg[EG_ERRMSG_MAX + 256];

		fputs("],\"error\":", cli->out);
		if (rc) {
			eg_error_format(&e, msg, sizeof(msg));
			fprintf(cli->out, "{\"code\":\"%s\",\"offset\":%llu,"
					  "\"message\":",
				eg_err_str(rc), (unsigned long long)e.pos.offset);
			put_json(&p, msg, strlen(msg));
			fputs("}", cli->out);
		} else {
			fputs("null", cli->out);
		}
		fputs("}\n", cli->out);
		x = eg_cli_exit_for(rc);
	} else if (rc) {
		x = eg_cli_fail(cli, &e);
	}
out:
	eg_x12_reader_free(rd);
	eg_source_free(src);
	eg_buf_free(&p.b);
	return x;
}

const eg_command eg_cmd_parse = {
	"parse", "show an X12 or EDIFACT file's envelopes and segments",
	run, help};
