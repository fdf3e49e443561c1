/*
 * cmd_sent.c - `edigate sent --partner ID FILE...`: tell the ledger about
 * documents we sent, so rules can check the partner's answers.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/pipeline.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate sent --partner ID [--spool DIR] FILE...\n\n"
	      "Record X12 documents we sent to partner ID (the 940 orders a\n"
	      "3PL answers with 945s, say): their business keys and order\n"
	      "lines go into the ledger, where the profile's rules\n"
	      "(requires-reference, quantity-tolerance) look for them when\n"
	      "the answers arrive.  Needed until the outbound pipeline\n"
	      "records what it sends by itself.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *partner = NULL, *spool = NULL;
	eg_cli_spool s;
	eg_cli_partner pc;
	eg_pipeline_partner pp;
	eg_pipeline_opts o;
	eg_pipeline *pl = NULL;
	eg_error e;
	int i, x, first = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--partner") && i + 1 < argc)
			partner = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "sent", "unknown option '%s'",
					    argv[i]);
		else if (first < 0)
			first = i;
	}
	if (!partner || first < 0)
		return eg_cli_usage(cli, "sent", "needs --partner ID and files");
	x = eg_cli_spool_open(cli, "sent", spool, EG_SPOOL_WAIT, &s);
	if (!x)
		x = eg_cli_partner_open(cli, "sent", &s.home, s.guides, partner,
					&pc);
	else
		memset(&pc, 0, sizeof(pc));
	if (x) {
		eg_cli_partner_close(&pc);
		eg_cli_spool_close(&s);
		return x;
	}
	memset(&o, 0, sizeof(o));
	o.home = s.home.home;
	o.spool = s.spool;
	o.guides = s.guides;
	o.maps = s.maps;
	o.now = s.now;
	o.actor = s.user;
	memset(&pp, 0, sizeof(pp));
	pp.profile = pc.profile;
	eg_error_clear(&e);
	if (eg_pipeline_new(&pl, s.ledger, &o, &e))
		x = eg_cli_fail(cli, &e);
	for (i = first; !x && i < argc; i++) {
		char id[32];
		unsigned long n = 0;

		if (!strcmp(argv[i], "--partner") || !strcmp(argv[i], "--spool")) {
			i++;
			continue;
		}
		eg_error_clear(&e);
		if (eg_pipeline_record_sent(pl, &pp, argv[i], id, &n, &e)) {
			x = eg_cli_fail(cli, &e);
			break;
		}
		fprintf(cli->out, "%s: recorded as %s (%lu document(s))\n",
			argv[i], id, n);
	}
	eg_pipeline_free(pl);
	eg_cli_partner_close(&pc);
	eg_cli_spool_close(&s);
	return x;
}

const eg_command eg_cmd_sent = {
	"sent", "record documents we sent, for the partner's answers",
	run, help,
};
