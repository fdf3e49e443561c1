/*
 * cmd_sent.c - `edigate sent --partner ID FILE...`: tell the ledger about
 * documents we sent, so rules can check the partner's answers.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/pipeline.h"
#include "edigate/profile.h"
#include "edigate/source.h"
#include "edigate/x12.h"

void eg_cli_sent_help(FILE *f);
int eg_cli_sent_list(eg_cli *cli, int argc, char **argv);

static void
help(FILE *f)
{
	fputs("Usage: edigate sent --partner ID [--spool DIR] [--force] "
	      "FILE...\n", f);
	eg_cli_sent_help(f);
	fputs("Record X12 documents we sent to partner ID (the 940 orders a\n"
	      "3PL answers with 945s, say): their business keys and order\n"
	      "lines go into the ledger, where the profile's rules\n"
	      "(requires-reference, quantity-tolerance) look for them when\n"
	      "the answers arrive.  For documents sent by other means:\n"
	      "`edigate send` records what it sends by itself.\n\n"
	      "Each interchange must be addressed to the partner (ISA07/08\n"
	      "its <partner-isa>) and come from us (ISA05/06 our <our-isa>),\n"
	      "and hold sets its profile lists as documents we send\n"
	      "(direction=\"out\"): another file is refused, nothing\n"
	      "recorded, unless --force (then it is recorded with a\n"
	      "warning).\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static void
trim(char *dst, size_t cap, eg_span s)
{
	size_t n = s.len;

	while (n && s.p[n - 1] == ' ')
		n--;
	snprintf(dst, cap, "%.*s", (int)n, s.p);
}

/* Does the profile list set as a document we send? */
static int
sends(const eg_profile *p, const char *set)
{
	size_t i;

	for (i = 0; i < p->ndocs; i++)
		if (!strcmp(p->docs[i].direction, "out") &&
		    !strcmp(p->docs[i].set, set))
			return 1;
	return 0;
}

/*
 * Are the file's interchanges ours, to this partner, of documents its
 * profile says we send?  0 when every ISA
 * says so; else 1 with the first mismatch in why.  A file that cannot be
 * read is left to the recording, which says why.
 */
static int
misaddressed(const eg_profile *p, const char *path, char *why, size_t cap)
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	eg_error e;
	int bad = 0;

	eg_error_clear(&e);
	if (eg_source_open_file(&src, path, &e) ||
	    eg_x12_reader_new(&r, src, NULL, &e)) {
		eg_source_free(src);
		return 0;
	}
	while (!bad && eg_x12_reader_next(r, &s, &e) == EG_OK && s) {
		char sq[3], sid[16], rq[3], rid[16], set[8];

		if (s->tag == EG_X12_ST) {
			trim(set, sizeof(set), eg_x12_element(s, 1));
			if (!sends(p, set)) {
				snprintf(why, cap,
					 "it holds a %s, which partner %s's "
					 "profile does not list as a document we "
					 "send (<document direction=\"out\" "
					 "set=\"%s\" .../>)",
					 set, p->id, set);
				bad = 1;
			}
			continue;
		}
		if (s->tag != EG_X12_ISA)
			continue;
		trim(sq, sizeof(sq), eg_x12_element(s, 5));
		trim(sid, sizeof(sid), eg_x12_element(s, 6));
		trim(rq, sizeof(rq), eg_x12_element(s, 7));
		trim(rid, sizeof(rid), eg_x12_element(s, 8));
		if (strcmp(rq, p->partner_q) || strcmp(rid, p->partner_id)) {
			snprintf(why, cap,
				 "it is addressed to %s:%s (ISA07/08), not to "
				 "partner %s (%s:%s)",
				 rq, rid, p->id, p->partner_q, p->partner_id);
			bad = 1;
		} else if (strcmp(sq, p->our_q) || strcmp(sid, p->our_id)) {
			snprintf(why, cap,
				 "it is sent by %s:%s (ISA05/06), not by us as "
				 "partner %s knows us (%s:%s)",
				 sq, sid, p->id, p->our_q, p->our_id);
			bad = 1;
		}
	}
	eg_x12_reader_free(r);
	eg_source_free(src);
	return bad;
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
	int i, x, first = -1, force = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		}
	}
	if (argc > 1 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show")))
		return eg_cli_sent_list(cli, argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--partner") && i + 1 < argc)
			partner = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
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
		x = eg_cli_partner_known(cli, "sent", &s.home, partner);
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
	/* every file first: a wrong one refuses the lot, nothing recorded */
	for (i = first; !x && i < argc; i++) {
		char why[200];

		if (!strcmp(argv[i], "--partner") || !strcmp(argv[i], "--spool")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' || !misaddressed(pc.profile, argv[i], why,
							 sizeof(why)))
			continue;
		if (force) {
			fprintf(cli->err, "%s sent: warning: %s: %s; recorded "
					  "anyway (--force)\n",
				cli->prog, argv[i], why);
			continue;
		}
		fprintf(cli->err,
			"%s sent: %s: %s.  Nothing was recorded.  Record it for "
			"the partner it was sent to (edigate sent --partner "
			"THAT-ID), or, if %s really received it, run again with "
			"--force\n",
			cli->prog, argv[i], why, partner);
		x = EG_EXIT_USAGE;
	}
	for (i = first; !x && i < argc; i++) {
		char id[32];
		unsigned long n = 0;

		if (!strcmp(argv[i], "--partner") || !strcmp(argv[i], "--spool")) {
			i++;
			continue;
		}
		if (!strcmp(argv[i], "--force"))
			continue;
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
	"sent", "documents we sent: list, show, or record ones sent elsewhere",
	run, help,
};
