/*
 * cmd_acks.c - `edigate acks FILE...`: what a partner's TA1 / 997 / 999
 * files say about what we sent: per interchange, group and transaction
 * set, accepted or rejected, with the codes in plain words.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/ack_codes.h"
#include "edigate/ack_read.h"
#include "edigate/buf.h"

typedef struct sctx {
	eg_cli *cli;
	int json, n, rejected;
	eg_buf b;
} sctx;

static void
jfield(sctx *c, const char *key, const char *v, int comma)
{
	eg_buf_reset(&c->b);
	if (eg_buf_add_json(&c->b, v, strlen(v)) == EG_OK)
		fprintf(c->cli->out, "%s\"%s\":%s", comma ? "," : "", key,
			eg_buf_cstr(&c->b));
}

static void
on_status(void *ud, const eg_ack_status *s)
{
	sctx *c = ud;
	eg_code_table t = s->kind == EG_ACK_INTERCHANGE ? EG_CODES_TA105
			  : s->kind == EG_ACK_GROUP	? EG_CODES_AK905
							: EG_CODES_AK502;
	unsigned i;

	if (s->status[0] == 'R' || s->status[0] == 'P' || s->status[0] == 'M' ||
	    s->status[0] == 'W' || s->status[0] == 'X')
		c->rejected = 1;
	if (c->json) {
		static const char *const kinds[] = {"interchange", "group",
						    "transaction"};

		fprintf(c->cli->out, "%s{\"kind\":\"%s\"", c->n ? "," : "",
			kinds[s->kind]);
		jfield(c, "ack_type", s->ack_type, 1);
		jfield(c, "ack_isa13", s->ack_isa13, 1);
		jfield(c, "status", s->status, 1);
		if (s->kind == EG_ACK_INTERCHANGE) {
			jfield(c, "isa13", s->isa13, 1);
		} else {
			jfield(c, "gs01", s->gs01, 1);
			jfield(c, "gs06", s->gs06, 1);
		}
		if (s->kind == EG_ACK_SET) {
			jfield(c, "st01", s->st01, 1);
			jfield(c, "st02", s->st02, 1);
			jfield(c, "detail", s->detail, 1);
		}
		if (s->kind == EG_ACK_GROUP)
			fprintf(c->cli->out,
				",\"included\":%u,\"received\":%u,"
				"\"accepted\":%u",
				s->included, s->received, s->accepted);
		fputs(",\"codes\":[", c->cli->out);
		for (i = 0; i < s->ncodes; i++) {
			fputs(i ? "," : "", c->cli->out);
			eg_buf_reset(&c->b);
			if (eg_buf_add_json(&c->b, s->codes[i],
					    strlen(s->codes[i])) == EG_OK)
				fputs(eg_buf_cstr(&c->b), c->cli->out);
		}
		fputs("]}", c->cli->out);
		c->n++;
		return;
	}
	if (s->kind == EG_ACK_INTERCHANGE)
		fprintf(c->cli->out, "  TA1 for interchange %s: %s (%s)",
			s->isa13, s->status,
			eg_ack_code_text(EG_CODES_AK501, s->status));
	else if (s->kind == EG_ACK_GROUP)
		fprintf(c->cli->out,
			"  %s for group %s %s: %s (%s), %u included, %u "
			"received, %u accepted",
			s->ack_type, s->gs01, s->gs06, s->status,
			eg_ack_code_text(EG_CODES_AK901, s->status),
			s->included, s->received, s->accepted);
	else
		fprintf(c->cli->out, "    set %s %s (group %s): %s (%s)",
			s->st01, s->st02, s->gs06, s->status,
			eg_ack_code_text(EG_CODES_AK501, s->status));
	for (i = 0; i < s->ncodes; i++)
		fprintf(c->cli->out, "%s %s %s", i ? ";" : ":", s->codes[i],
			eg_ack_code_text(t, s->codes[i]));
	fputc('\n', c->cli->out);
	if (s->detail[0])
		fprintf(c->cli->out, "      %s\n", s->detail);
	c->n++;
}

static void
help(FILE *f)
{
	fputs("Usage: edigate acks [--json] FILE...\n\n"
	      "Read a partner's TA1, 997 or 999 files and show what they\n"
	      "accepted or rejected: one line per acknowledged interchange\n"
	      "(TA1), functional group (AK1/AK9) and transaction set\n"
	      "(AK2/AK5 or IK5), with every code in plain words and the\n"
	      "segment and element errors (AK3/AK4, IK3/IK4) they name.\n\n"
	      "Exit code 0 when everything was accepted, 1 when something was\n"
	      "rejected or a file holds no acknowledgement.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	sctx c;
	int i, x = EG_EXIT_OK, files = 0;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	eg_buf_init(&c.b, 1 << 20);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			eg_buf_free(&c.b);
			return EG_EXIT_OK;
		}
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			eg_buf_free(&c.b);
			return eg_cli_usage(cli, "acks", "unknown option '%s'",
					    argv[i]);
		} else
			files++;
	}
	if (!files) {
		eg_buf_free(&c.b);
		return eg_cli_usage(cli, "acks", "no FILE given");
	}
	for (i = 1; i < argc; i++) {
		eg_source *src = NULL;
		eg_error e;
		unsigned n = 0;
		int r;

		if (argv[i][0] == '-' && argv[i][1])
			continue;
		eg_error_clear(&e);
		c.n = 0;
		if (c.json) {
			fputs("{\"file\":", cli->out);
			eg_buf_reset(&c.b);
			if (eg_buf_add_json(&c.b, argv[i], strlen(argv[i])) ==
			    EG_OK)
				fputs(eg_buf_cstr(&c.b), cli->out);
			fputs(",\"statuses\":[", cli->out);
		} else {
			fprintf(cli->out, "%s:\n", argv[i]);
		}
		r = eg_source_open_file(&src, argv[i], &e);
		if (!r)
			r = eg_ack_read(src, on_status, &c, &n, &e);
		eg_source_free(src);
		if (c.json)
			fputs("]}\n", cli->out);
		if (r) {
			r = eg_cli_fail(cli, &e);
			if (r > x)
				x = r;
		}
	}
	if (x == EG_EXIT_OK && c.rejected)
		x = EG_EXIT_DOCUMENT;
	eg_buf_free(&c.b);
	return x;
}

const eg_command eg_cmd_acks = {
	"acks", "read partner TA1/997/999 files: what was accepted, rejected",
	run, help};
