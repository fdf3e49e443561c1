/*
 * cmd_send.c - `edigate send --partner ID FILE...` (canonical records to
 * validated documents, delivered) and `edigate redeliver FILE-ID
 * --reason TEXT` (the exact bytes again), `edigate resend FILE-ID
 * --reason TEXT` (the same sets under new control numbers).
 * docs/outbound.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/ledger_out.h"
#include "edigate/outbound.h"
#include "edigate/profile.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate send --partner ID [--spool DIR] [--no-deliver] "
	      "[--json] FILE...\n\n"
	      "Send our canonical records (JSON Lines of\n"
	      "schemas/canonical.xsd: WarehouseOrder for a 940 or an 850,\n"
	      "Shipment for an 856 or a 945) to partner ID.\n"
	      "Each FILE is recorded in the ledger, checked against the\n"
	      "canonical schema, refused when its orders were sent before,\n"
	      "written as X12 through edi/maps/out/, checked by our own\n"
	      "validator against the guide, given control numbers from the\n"
	      "partner's sequence, then delivered to the partner's outbox.\n"
	      "A file with any problem is NOT sent: it waits in\n"
	      "spool/quarantine/ID/FILE-ID/ with report.txt saying what to\n"
	      "fix; fix the records and send the file again.\n\n"
	      "  --no-deliver  write and record only; `edigate run` (or the\n"
	      "                next send) delivers\n"
	      "  --json        one JSON object per file\n\n"
	      "Exit 0 when every file was sent (or ready), 1 when one was\n"
	      "refused (quarantined or a duplicate); delivery failures are\n"
	      "retried by the next run (exit 3).\n",
	      f);
	eg_cli_help_exit_codes(f);
}

typedef struct sendopts {
	const char *partner, *spool;
	int json, no_deliver, first;
} sendopts;

/* The partner an input of `edigate send` went to, for cmd (redeliver,
 * resend): 0 with partner set, or the exit code (an unknown FILE-ID is a
 * usage error). */
static int
sent_partner(eg_cli *cli, const char *cmd, const char *spool, const char *id,
	     char partner[64])
{
	eg_cli_spool s;
	eg_error e;
	int x, found = 0;

	x = eg_cli_spool_open(cli, cmd, spool, EG_SPOOL_WAIT, &s);
	if (x)
		return x;
	eg_error_clear(&e);
	if (eg_ledger_out_partner(s.ledger, id, partner, &found, &e)) {
		x = eg_cli_fail(cli, &e);
		eg_cli_spool_close(&s);
		return x;
	}
	eg_cli_spool_close(&s);
	if (!found) {
		fprintf(cli->err, "%s %s: there is no input %s of "
				  "edigate send (see edigate sent list)\n",
			cli->prog, cmd, id);
		return EG_EXIT_USAGE;
	}
	return 0;
}

/* Spool (made when missing, locked), partner, pipeline. */
static int
open_all(eg_cli *cli, const char *cmd, const sendopts *so, eg_cli_spool *s,
	 eg_cli_partner *pc, eg_pipeline_partner *pp, eg_pipeline **pl)
{
	eg_pipeline_opts o;
	eg_error e;
	int x;

	memset(pc, 0, sizeof(*pc));
	x = eg_cli_spool_open_run(cli, so->spool, 60, 0, s);
	if (x)
		return x;
	x = eg_cli_partner_known(cli, cmd, &s->home, so->partner);
	if (!x)
		x = eg_cli_partner_open(cli, cmd, &s->home, s->guides,
					so->partner, pc);
	if (x) {
		eg_cli_spool_close(s);
		return x;
	}
	memset(&o, 0, sizeof(o));
	o.home = s->home.home;
	o.spool = s->spool;
	o.guides = s->guides;
	o.maps = s->maps;
	o.now = s->now;
	o.actor = s->user;
	o.crash_at = cli->env_crash;
	memset(pp, 0, sizeof(*pp));
	pp->profile = pc->profile;
	pp->guides = pc->guides;
	pp->nguides = pc->nguides;
	eg_error_clear(&e);
	if (eg_pipeline_new(pl, s->ledger, &o, &e)) {
		x = eg_cli_fail(cli, &e);
		eg_cli_partner_close(pc);
		eg_cli_spool_close(s);
	}
	return x;
}

static void
close_all(eg_cli_spool *s, eg_cli_partner *pc, eg_pipeline *pl)
{
	eg_pipeline_free(pl);
	eg_cli_partner_close(pc);
	eg_cli_spool_close(s);
}

static void
print_result(eg_cli *cli, const sendopts *so, const char *file,
	     const eg_send_result *r, const char *spool)
{
	eg_buf b;

	if (!so->json) {
		fprintf(cli->out, "%s: %s as %s: %s\n", file, r->state, r->id,
			r->summary);
		if (!strcmp(r->state, "rejected"))
			fprintf(cli->out, "  reject report: %s/quarantine/%s/%s/"
					  "report.txt\n",
				spool, so->partner, r->id);
		return;
	}
	eg_buf_init(&b, 1 << 16);
	if (eg_buf_adds(&b, "{\"file\":") || eg_cli_json_str(&b, file) ||
	    eg_buf_adds(&b, ",\"id\":") || eg_cli_json_str(&b, r->id) ||
	    eg_buf_adds(&b, ",\"state\":") || eg_cli_json_str(&b, r->state) ||
	    eg_buf_addf(&b,
			",\"records\":%u,\"documents\":%u,\"duplicates\":%u,"
			"\"problems\":%u,\"name\":",
			r->records, r->documents, r->duplicates, r->problems) ||
	    eg_cli_json_str(&b, r->first_name) ||
	    eg_buf_adds(&b, ",\"duplicate_of\":") ||
	    eg_cli_json_str(&b, r->duplicate_of) ||
	    eg_buf_adds(&b, ",\"summary\":") ||
	    eg_cli_json_str(&b, r->summary) || eg_buf_adds(&b, "}\n"))
		fprintf(cli->err, "%s send: out of memory\n", cli->prog);
	else
		eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
}

static int
run_send(eg_cli *cli, int argc, char **argv)
{
	sendopts so;
	eg_cli_spool s;
	eg_cli_partner pc;
	eg_pipeline_partner pp;
	eg_pipeline *pl = NULL;
	eg_error e;
	int i, x, worst = EG_EXIT_OK;

	memset(&so, 0, sizeof(so));
	so.first = -1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--partner") && i + 1 < argc)
			so.partner = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			so.spool = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			so.json = 1;
		else if (!strcmp(argv[i], "--no-deliver"))
			so.no_deliver = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return eg_cli_usage(cli, "send", "unknown option '%s'",
					    argv[i]);
		else if (so.first < 0)
			so.first = i;
	}
	if (!so.partner || so.first < 0)
		return eg_cli_usage(cli, "send", "needs --partner ID and files");
	if ((x = open_all(cli, "send", &so, &s, &pc, &pp, &pl)))
		return x;
	for (i = so.first; i < argc; i++) {
		eg_send_result r;

		if (!strcmp(argv[i], "--partner") || !strcmp(argv[i], "--spool")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		eg_error_clear(&e);
		if (eg_pipeline_send(pl, &pp, s.home.datadir, argv[i], &r, &e)) {
			x = eg_cli_fail(cli, &e);
			worst = x > worst ? x : worst;
			continue;
		}
		print_result(cli, &so, argv[i], &r, s.spool);
		if (strcmp(r.state, "ready") != 0 && worst < EG_EXIT_DOCUMENT)
			worst = EG_EXIT_DOCUMENT;
	}
	if (!so.no_deliver && worst < EG_EXIT_USAGE) {
		unsigned n = 0;

		eg_error_clear(&e);
		if (eg_pipeline_deliver(pl, &pp, &n, &e)) {
			fprintf(cli->err,
				"%s send: cannot deliver to %s now (the next "
				"run tries again): %s\n",
				cli->prog, so.partner, e.msg);
			worst = EG_EXIT_IO;
		} else if (!so.json) {
			fprintf(cli->out, "delivered %u document(s) to %s\n", n,
				so.partner);
		}
	}
	close_all(&s, &pc, pl);
	return worst;
}

const eg_command eg_cmd_send = {
	"send", "send canonical records to a partner as X12 (940, 856, 945, 850)",
	run_send, help,
};

/* --- redeliver --------------------------------------------------------- */

static void
help_redeliver(FILE *f)
{
	fputs("Usage: edigate redeliver FILE-ID --reason TEXT [--spool DIR]\n\n"
	      "Put the documents sent for FILE-ID (an input of `edigate\n"
	      "send`) into the partner's outbox again: the exact bytes sent,\n"
	      "the same file names and control numbers (the partner lost the\n"
	      "file, say).  Written to the audit log with the reason; refused\n"
	      "without one.  When the partner wants new control numbers,\n"
	      "use `edigate resend`.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run_redeliver(eg_cli *cli, int argc, char **argv)
{
	const char *id = NULL, *reason = NULL;
	sendopts so;
	eg_cli_spool s;
	eg_cli_partner pc;
	eg_pipeline_partner pp;
	eg_pipeline *pl = NULL;
	char partner[64];
	eg_error e;
	unsigned n = 0;
	int i, x;

	memset(&so, 0, sizeof(so));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help_redeliver(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			so.spool = argv[++i];
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "redeliver",
					    "unknown option '%s'", argv[i]);
		else if (!id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "redeliver",
					    "one FILE-ID at a time");
	}
	if (!id)
		return eg_cli_usage(cli, "redeliver", "needs a FILE-ID");
	if (!reason || !*reason)
		return eg_cli_usage(cli, "redeliver",
				    "needs --reason TEXT: the audit log says "
				    "why the partner got the file again");
	if ((x = sent_partner(cli, "redeliver", so.spool, id, partner)))
		return x;
	so.partner = partner;
	if ((x = open_all(cli, "redeliver", &so, &s, &pc, &pp, &pl)))
		return x;
	eg_error_clear(&e);
	if (eg_pipeline_redeliver(pl, &pp, id, reason, &n, &e))
		x = eg_cli_fail(cli, &e);
	else
		fprintf(cli->out, "%s: %u document(s) put again in %s's "
				  "outbox (audited)\n",
			id, n, partner);
	close_all(&s, &pc, pl);
	return x;
}

const eg_command eg_cmd_redeliver = {
	"redeliver", "put the exact bytes sent for a file again (audited)",
	run_redeliver, help_redeliver,
};

/* --- resend ------------------------------------------------------------ */

static void
help_resend(FILE *f)
{
	fputs("Usage: edigate resend FILE-ID --reason TEXT [--no-deliver] "
	      "[--json] [--spool DIR]\n\n"
	      "Send the documents sent for FILE-ID (an input of `edigate\n"
	      "send`) again under NEW control numbers, when the partner asks\n"
	      "for that (it dropped the first as a duplicate, say): the same\n"
	      "sets, with a new ISA13/GS06 and ST02s from the partner's\n"
	      "sequences and today's envelope dates, checked again by our\n"
	      "validator, recorded as a new input (its acknowledgements are\n"
	      "matched to it), named by the profile's file-name pattern and\n"
	      "delivered.  Written to the audit log with the reason; refused\n"
	      "without one.  To put the exact bytes again (same numbers), use\n"
	      "`edigate redeliver`.\n\n"
	      "  --no-deliver  record only; `edigate run` delivers\n"
	      "  --json        the new input as `send --json` prints it\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run_resend(eg_cli *cli, int argc, char **argv)
{
	const char *id = NULL, *reason = NULL;
	sendopts so;
	eg_cli_spool s;
	eg_cli_partner pc;
	eg_pipeline_partner pp;
	eg_pipeline *pl = NULL;
	eg_send_result r;
	char partner[64];
	eg_error e;
	int i, x;

	memset(&so, 0, sizeof(so));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help_resend(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			so.spool = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			so.json = 1;
		else if (!strcmp(argv[i], "--no-deliver"))
			so.no_deliver = 1;
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "resend",
					    "unknown option '%s'", argv[i]);
		else if (!id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "resend",
					    "one FILE-ID at a time");
	}
	if (!id)
		return eg_cli_usage(cli, "resend", "needs a FILE-ID");
	if (!reason || !*reason)
		return eg_cli_usage(cli, "resend",
				    "needs --reason TEXT: the audit log says "
				    "why the partner got new control numbers");
	if ((x = sent_partner(cli, "resend", so.spool, id, partner)))
		return x;
	so.partner = partner;
	if ((x = open_all(cli, "resend", &so, &s, &pc, &pp, &pl)))
		return x;
	eg_error_clear(&e);
	if (eg_pipeline_resend(pl, &pp, id, reason, &r, &e)) {
		x = eg_cli_fail(cli, &e);
		close_all(&s, &pc, pl);
		return x;
	}
	print_result(cli, &so, id, &r, s.spool);
	if (!so.no_deliver) {
		unsigned n = 0;

		eg_error_clear(&e);
		if (eg_pipeline_deliver(pl, &pp, &n, &e)) {
			fprintf(cli->err,
				"%s resend: cannot deliver to %s now (the next "
				"run tries again): %s\n",
				cli->prog, partner, e.msg);
			x = EG_EXIT_IO;
		} else if (!so.json) {
			fprintf(cli->out, "delivered %u document(s) to %s\n", n,
				partner);
		}
	}
	close_all(&s, &pc, pl);
	return x;
}

const eg_command eg_cmd_resend = {
	"resend", "send what was sent for a file again under new control "
		  "numbers (audited)",
	run_resend, help_resend,
};
