/*
 * cmd_sent_list.c - `edigate sent list` and `edigate sent show FILE-ID`:
 * the documents we sent and what the partner's acknowledgements said.
 *
 * A document is ready (written, not delivered), sent (delivered, no
 * acknowledgement yet), overdue (no acknowledgement within the window),
 * or acknowledged: accepted, with errors, partially or rejected, from
 * the TA1/997/999 `run` received and matched (ledger_acks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/ack_codes.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_out.h"

void eg_cli_sent_help(FILE *f);

void
eg_cli_sent_help(FILE *f)
{
	fputs("       edigate sent list [--partner ID] [--ack-within DUR] "
	      "[--limit N] [--json]\n"
	      "       edigate sent show FILE-ID [--ack-within DUR] [--json]\n\n"
	      "list and show: the documents `edigate send` sent, newest\n"
	      "first, each with its state: ready (not delivered yet), sent\n"
	      "(waiting for the partner's acknowledgement), overdue (none\n"
	      "within --ack-within, default 24h; 30m, 2h, 1d), or\n"
	      "acknowledged: accepted, with-errors, partially, rejected.\n"
	      "show adds every acknowledgement status received for it.\n\n",
	      f);
}

typedef struct listctx {
	eg_cli *cli;
	eg_buf *json;
	int64_t now, window;
	unsigned n, attention;
	eg_err rc;
} listctx;

static long long
duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "s") || !*end)
		return v;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	if (!strcmp(end, "d"))
		return v * 86400;
	return -1;
}

static int
one_doc(void *ud, const eg_ledger_sent_doc *d)
{
	listctx *c = ud;
	const char *st = eg_ledger_sent_state(d, c->now, c->window);
	char at[32], how[40];
	eg_buf *b = c->json;

	c->n++;
	if (!strcmp(st, "overdue") ||
	    (d->ack[0] && strcmp(d->ack, "accepted") != 0))
		c->attention++;
	eg_cli_fmt_time(d->at, at, sizeof(at));
	snprintf(how, sizeof(how), "%s%s%s", st, d->ack[0] ? ": " : "",
		 d->ack);
	if (!b) {
		fprintf(c->cli->out, "%-16s %-10s %-28s %-9s %-28s %s\n",
			d->file_id, d->partner, d->name, d->isa13, how, at);
		fprintf(c->cli->out, "%16s sets %s%s%s\n", "", d->sets,
			d->keys[0] ? "; " : "", d->keys);
		return 0;
	}
	if ((c->rc = eg_buf_adds(b, c->n > 1 ? "," : "")) ||
	    (c->rc = eg_buf_adds(b, "{\"file_id\":")) ||
	    (c->rc = eg_cli_json_str(b, d->file_id)) ||
	    (c->rc = eg_buf_adds(b, ",\"partner\":")) ||
	    (c->rc = eg_cli_json_str(b, d->partner)) ||
	    (c->rc = eg_buf_adds(b, ",\"input\":")) ||
	    (c->rc = eg_cli_json_str(b, d->input)) ||
	    (c->rc = eg_buf_adds(b, ",\"name\":")) ||
	    (c->rc = eg_cli_json_str(b, d->name)) ||
	    (c->rc = eg_buf_adds(b, ",\"isa13\":")) ||
	    (c->rc = eg_cli_json_str(b, d->isa13)) ||
	    (c->rc = eg_buf_adds(b, ",\"gs06\":")) ||
	    (c->rc = eg_cli_json_str(b, d->gs06)) ||
	    (c->rc = eg_buf_adds(b, ",\"sets\":")) ||
	    (c->rc = eg_cli_json_str(b, d->sets)) ||
	    (c->rc = eg_buf_adds(b, ",\"keys\":")) ||
	    (c->rc = eg_cli_json_str(b, d->keys)) ||
	    (c->rc = eg_buf_adds(b, ",\"state\":")) ||
	    (c->rc = eg_cli_json_str(b, st)) ||
	    (c->rc = eg_buf_adds(b, ",\"ack\":")) ||
	    (c->rc = eg_cli_json_str(b, d->ack)) ||
	    (c->rc = eg_buf_adds(b, ",\"ack_detail\":")) ||
	    (c->rc = eg_cli_json_str(b, d->ack_detail)) ||
	    (c->rc = eg_buf_addf(b, ",\"at\":%lld,\"acked_at\":%lld}",
				 (long long)d->at, (long long)d->acked_at)))
		return 1;
	return 0;
}

/* The partner's codes in plain words (the first of each level). */
static void
explain(listctx *c, const eg_ledger_ack *a)
{
	char first[8];
	eg_code_table t = !strcmp(a->level, "set")	   ? EG_CODES_AK502
			  : !strcmp(a->level, "group")	   ? EG_CODES_AK905
							   : EG_CODES_TA105;

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(a->codes, " "),
		 a->codes);
	fprintf(c->cli->out, "    code %s: %s\n", first,
		eg_ack_code_text(t, first));
}

static int
one_ack(void *ud, const eg_ledger_ack *a)
{
	listctx *c = ud;
	char at[32];

	eg_cli_fmt_time(a->at, at, sizeof(at));
	if (c->json) {
		eg_buf *b = c->json;

		if ((c->rc = eg_buf_adds(b, c->n++ ? "," : "")) ||
		    (c->rc = eg_buf_adds(b, "{\"in_file\":")) ||
		    (c->rc = eg_cli_json_str(b, a->file_id)) ||
		    (c->rc = eg_buf_adds(b, ",\"type\":")) ||
		    (c->rc = eg_cli_json_str(b, a->ack_type)) ||
		    (c->rc = eg_buf_adds(b, ",\"level\":")) ||
		    (c->rc = eg_cli_json_str(b, a->level)) ||
		    (c->rc = eg_buf_adds(b, ",\"status\":")) ||
		    (c->rc = eg_cli_json_str(b, a->status)) ||
		    (c->rc = eg_buf_adds(b, ",\"codes\":")) ||
		    (c->rc = eg_cli_json_str(b, a->codes)) ||
		    (c->rc = eg_buf_adds(b, ",\"detail\":")) ||
		    (c->rc = eg_cli_json_str(b, a->detail)) ||
		    (c->rc = eg_buf_adds(b, "}")))
			return 1;
		return 0;
	}
	c->n++;
	fprintf(c->cli->out, "  %s %s %-11s %s%s%s%s  (file %s, %s)\n",
		a->ack_type, a->status, a->level, a->gs06[0] ? "group " : "",
		a->gs06, a->st02[0] ? " set " : "", a->st02, a->file_id, at);
	if (a->codes[0])
		explain(c, a);
	if (a->detail[0])
		fprintf(c->cli->out, "    %s\n", a->detail);
	return 0;
}

int eg_cli_sent_list(eg_cli *cli, int argc, char **argv);

int
eg_cli_sent_list(eg_cli *cli, int argc, char **argv)
{
	const char *partner = NULL, *spool = NULL, *id = NULL;
	int show = !strcmp(argv[1], "show"), json = 0, i, x;
	long long window = 86400, limit = 50;
	eg_cli_spool s;
	eg_buf b;
	listctx c;
	eg_error e;
	eg_err rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--partner") && i + 1 < argc)
			partner = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--ack-within") && i + 1 < argc) {
			if ((window = duration(argv[++i])) < 0)
				return eg_cli_usage(cli, "sent",
						    "--ack-within takes 30m, "
						    "2h, 1d, not '%s'",
						    argv[i]);
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			limit = strtoll(argv[++i], NULL, 10);
			if (limit < 0)
				return eg_cli_usage(cli, "sent",
						    "--limit takes a count");
		} else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "sent", "unknown option '%s'",
					    argv[i]);
		else if (show && !id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "sent", "unexpected '%s'",
					    argv[i]);
	}
	if (show && !id)
		return eg_cli_usage(cli, "sent", "show needs a FILE-ID");
	if ((x = eg_cli_spool_open(cli, "sent", spool, EG_SPOOL_READ, &s)))
		return x;
	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.now = (int64_t)s.now;
	c.window = window;
	eg_buf_init(&b, 64u << 20);
	c.json = json ? &b : NULL;
	eg_error_clear(&e);
	rc = eg_buf_adds(&b, show ? "{\"documents\":[" : "{\"documents\":[");
	if (!rc)
		rc = eg_ledger_out_sent(s.ledger, partner, id,
					show ? 0 : (unsigned)limit, one_doc, &c,
					&e);
	if (!rc)
		rc = c.rc;
	if (!rc && show && !c.n) {
		fprintf(cli->err, "%s sent: no document was sent for %s (see "
				  "edigate sent list)\n",
			cli->prog, id);
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		return EG_EXIT_USAGE;
	}
	if (!rc && show) {
		unsigned docs = c.n;

		if (!json)
			fprintf(cli->out, "acknowledgements received:\n");
		else
			rc = eg_buf_adds(&b, "],\"acks\":[");
		c.n = 0;
		if (!rc)
			rc = eg_ledger_acks_of_file(s.ledger, id, one_ack, &c,
						    &e);
		if (!rc)
			rc = c.rc;
		if (!rc && !json && !c.n)
			fprintf(cli->out, "  none yet\n");
		c.n = docs;
	}
	if (!rc && json) {
		rc = eg_buf_addf(&b, "],\"count\":%u,\"attention\":%u}\n", c.n,
				 c.attention);
		if (!rc)
			x = eg_cli_write(cli, b.data, b.len);
	} else if (!rc && !show) {
		fprintf(cli->out, "%u document(s), %u need attention "
				  "(overdue, rejected or with errors)\n",
			c.n, c.attention);
	}
	if (rc) {
		if (!e.msg[0])
			eg_fail(&e, rc, "out of memory");
		x = eg_cli_fail(cli, &e);
	}
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	return x;
}
