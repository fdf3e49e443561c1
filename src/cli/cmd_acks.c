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
#include "edigate/contrl_read.h"

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

/* One UCI / UCF / UCM / UCS / UCD of a partner's CONTRL. */
static void
on_contrl(void *ud, const eg_contrl_status *s)
{
	sctx *c = ud;
	static const char *const kinds[] = {"interchange", "group", "message",
					    "segment", "element"};
	char where[128] = "";

	if (s->action[0] == '4' || s->action[0] == '6' || s->action[0] == '3' ||
	    ((s->kind == EG_CONTRL_SEGMENT || s->kind == EG_CONTRL_ELEMENT) &&
	     s->code[0]))
		c->rejected = 1;
	if (s->element)
		snprintf(where, sizeof(where),
			 " at element position %u (the tag is 1)%s%.0u%s%.0u",
			 s->element, s->component ? ", component " : "",
			 s->component, s->repetition ? ", repetition " : "",
			 s->repetition);
	if (c->json) {
		fprintf(c->cli->out, "%s{\"kind\":\"%s\"", c->n ? "," : "",
			kinds[s->kind]);
		jfield(c, "ack_type", "CONTRL", 1);
		jfield(c, "unb0020", s->icr, 1);
		jfield(c, "sender", s->sender, 1);
		jfield(c, "recipient", s->recipient, 1);
		jfield(c, "reference", s->ref, 1);
		jfield(c, "message_type", s->type, 1);
		jfield(c, "action", s->action, 1);
		jfield(c, "code", s->code, 1);
		jfield(c, "code_text",
		       s->code[0] ? eg_ack_code_text(EG_CODES_0085, s->code) : "",
		       1);
		jfield(c, "segment_id", s->tag, 1);
		fprintf(c->cli->out, ",\"element\":%u,\"component\":%u,"
				     "\"repetition\":%u}",
			s->element, s->component, s->repetition);
		c->n++;
		return;
	}
	switch (s->kind) {
	case EG_CONTRL_INTERCHANGE:
		fprintf(c->cli->out, "  CONTRL for interchange %s (%s -> %s): "
				     "%s (%s)",
			s->icr, s->sender, s->recipient, s->action,
			eg_ack_code_text(EG_CODES_0083, s->action));
		break;
	case EG_CONTRL_GROUP:
		fprintf(c->cli->out, "    group %s: %s (%s)", s->ref, s->action,
			eg_ack_code_text(EG_CODES_0083, s->action));
		break;
	case EG_CONTRL_MESSAGE:
		fprintf(c->cli->out, "    message %s %s: %s (%s)", s->type,
			s->ref, s->action,
			eg_ack_code_text(EG_CODES_0083, s->action));
		break;
	case EG_CONTRL_SEGMENT:
		fprintf(c->cli->out, "      segment %s of the message", s->ref);
		break;
	default:
		fprintf(c->cli->out, "       ");
		break;
	}
	if (s->code[0])
		fprintf(c->cli->out, "%s %s %s%s%s%s%s",
			s->kind == EG_CONTRL_ELEMENT ? "" : ":", s->code,
			eg_ack_code_text(EG_CODES_0085, s->code),
			s->tag[0] ? " (" : "", s->tag, s->tag[0] ? ")" : "",
			where);
	fputc('\n', c->cli->out);
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
	      "segment and element errors (AK3/AK4, IK3/IK4) they name.\n"
	      "A UN/EDIFACT CONTRL file gets one line per UCI (interchange),\n"
	      "UCF (group), UCM (message), UCS (segment) and UCD (element)\n"
	      "with the 0083 action and 0085 code in plain words.\n\n"
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
		if (!r && eg_cli_is_edifact(argv[i]))
			r = eg_contrl_read(src, on_contrl, &c, &n, &e);
		else if (!r)
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
	"acks", "read partner TA1/997/999/CONTRL files: what was accepted",
	run, help};
