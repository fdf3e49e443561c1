/*
 * cmd_run.c - `edigate run`: one batch cycle over every partner (or the
 * ones named), under the spool's run lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_query.h"
#include "edigate/pipeline.h"
#include "run_metrics.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate run [OPTIONS]\n\n"
	      "One batch cycle: for every partner profile in partners/ (or\n"
	      "each --partner), finish what an interrupted run left, take the\n"
	      "complete files from the partner's inbox into the spool, unpack\n"
	      "bundles, validate, map, detect duplicates, write the records,\n"
	      "the quarantine with its reject reports and the\n"
	      "acknowledgements, archive every original, then clean up the\n"
	      "inbox as the profile says.  Nothing is acknowledged or cleaned\n"
	      "up before the ledger has committed it.  A nightly master-data\n"
	      "file (profile <master-data>) is compared with the partner's\n"
	      "last accepted batch: only the changes are written, a\n"
	      "suspicious batch is held in the quarantine.  A CSV or XML\n"
	      "document (profile <layout-document>) is read record by\n"
	      "record through its layout; bad records go to the reject\n"
	      "report, no acknowledgement is sent (docs/csv.md).\n\n"
	      "Options:\n"
	      "  --partner ID   only this partner (repeatable); an unknown ID\n"
	      "                 is a usage error (exit 2)\n"
	      "  --spool DIR    the spool (default: $EDIGATE_SPOOL, else\n"
	      "                 HOME/spool)\n"
	      "  --wait[=SECS]  wait for a run already working on the spool,\n"
	      "                 at most SECS seconds (default 3600); without\n"
	      "                 it, exit 75 at once with a message\n"
	      "  --new-ledger   the spool's ledger is lost (missing or\n"
	      "                 empty) but its archive, records or quarantine\n"
	      "                 are there: start a new ledger that continues\n"
	      "                 after every file id and acknowledgement\n"
	      "                 number found on disk (audited)\n"
	      "  --batch N      files per ledger commit (default 64)\n"
	      "  --metrics-file PATH  write the run's figures per partner to\n"
	      "                 PATH (Prometheus text, atomically: for\n"
	      "                 node_exporter's textfile collector;\n"
	      "                 docs/operations.md)\n"
	      "  --dry-run      run the named partners (--partner) as in\n"
	      "                 shadow mode: everything is processed, nothing\n"
	      "                 is delivered (no acknowledgement pushed, no\n"
	      "                 record in out/, the partner's server left as\n"
	      "                 it is) and the spool's ledger is not written:\n"
	      "                 the run works in SPOOL/dry-run/STAMP/ on a copy\n"
	      "                 of the ledger, and a later real run takes the\n"
	      "                 same files.  Records: DIR/shadow/ID/*.jsonl\n"
	      "                 (`edigate shadow compare --spool DIR`)\n"
	      "  --json         print the totals as one JSON object\n"
	      "  --quiet        no line per file\n\n"
	      "One partner failing (its server, its folders) does not stop the\n"
	      "others; it is reported and counted.  See `edigate status`.\n"
	      "The spool is made on the first run, and only in a home that\n"
	      "has partners/ (set --home or $EDIGATE_HOME).\n"
	      "Two partners whose profiles claim one ISA sender, or share an\n"
	      "inbox or an outbox, are not served, either of them, until the\n"
	      "profiles are fixed (`edigate partner check` names the clash).\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  every file taken was accepted (or a known duplicate)\n"
	      "  1  some file was rejected or partly rejected (quarantined)\n"
	      "  2  usage or configuration error\n"
	      "  3  a partner could not be served (I/O, server, its\n"
	      "     profile does not load or clashes with another's)\n"
	      "  75 another run holds the spool's lock: nothing was done,\n"
	      "     try again later\n"
	      "  78 the spool has files but its ledger is lost: nothing was\n"
	      "     done until a person restores it or uses --new-ledger\n",
	      f);
}

typedef struct run_ctx {
	eg_cli *cli;
	int quiet;
	const char *id; /* the partner a conflict is reported for */
} run_ctx;

static void
on_conflict(void *ud, eg_pcheck_sev sev, const char *msg)
{
	run_ctx *r = ud;

	(void)sev;
	fprintf(r->cli->err, "%s run: partner %s not served: %s\n",
		r->cli->prog, r->id, msg);
}

/*
 * Two profiles that claim one ISA sender, or share an inbox or outbox,
 * would serve one file twice or hand one partner's files to another:
 * neither partner is served until the profiles are fixed.  Returns 1
 * when id must be left out.
 */
static int
conflicting(run_ctx *r, const eg_cli_profiles *all, const char *home,
	    const char *id)
{
	size_t i = eg_cli_profiles_find(all, id);

	if (i == (size_t)-1)
		return 0;
	r->id = id;
	if (!eg_cli_profiles_conflicts(all, i, home, on_conflict, r))
		return 0;
	fprintf(r->cli->err,
		"%s run: fix the profiles (`edigate partner check %s` shows "
		"the same), then run again\n",
		r->cli->prog, id);
	return 1;
}

/* --partner ID must name a partner: a usage error (exit 2) otherwise,
 * before any spool is opened. */
static int
known_partners(eg_cli *cli, const char **only, size_t nonly)
{
	eg_home h = {NULL, NULL};
	eg_error e;
	size_t i;
	int x = EG_EXIT_OK;

	eg_error_clear(&e);
	if (eg_home_resolve(&h, cli->opt_home, cli->env_home, EG_DATADIR, &e))
		return eg_cli_fail(cli, &e);
	for (i = 0; i < nonly && !x; i++)
		x = eg_cli_partner_known(cli, "run", &h, only[i]);
	eg_home_free(&h);
	return x;
}

static void
on_note(void *ud, const char *partner, const char *msg)
{
	run_ctx *r = ud;

	if (!r->quiet)
		fprintf(r->cli->out, "%s: %s\n", partner, msg);
}

static int
run_partner(eg_cli *cli, eg_cli_spool *s, eg_pipeline *pl, const char *id,
	    eg_pipeline_counts *c, int *failed)
{
	eg_cli_partner pc;
	eg_pipeline_partner pp;
	eg_error e;
	unsigned long before;
	int x;

	x = eg_cli_partner_open(cli, "run", &s->home, s->guides, id, &pc);
	if (x) {
		eg_cli_partner_close(&pc);
		(*failed)++;
		return x;
	}
	memset(&pp, 0, sizeof(pp));
	pp.profile = pc.profile;
	pp.expect = &pc.expect;
	pp.guides = pc.guides;
	pp.nguides = pc.nguides;
	eg_error_clear(&e);
	before = c->failed;
	if (!eg_pipeline_run(pl, &pp, c, &e)) {
		/* the partner was served, but not all of it: say why even
		 * under --quiet and --json (a full disk, a read-only
		 * outbox...) */
		if (c->failed > before)
			fprintf(cli->err, "%s run: partner %s: %lu item(s) left "
					  "for the next run: %s\n",
				cli->prog, id, c->failed - before,
				eg_pipeline_problem(pl));
	} else {
		char who[300];
		const char *dup;
		int n;

		/* transport errors name the partner inside ("sftp auth:
		 * partner ID: ..."): say it once, in front */
		n = snprintf(who, sizeof(who), "partner %s: ", id);
		dup = n > 0 && (size_t)n < sizeof(who) ? strstr(e.msg, who)
						       : NULL;
		if (dup)
			fprintf(cli->err, "%s run: %s%.*s%s\n", cli->prog, who,
				(int)(dup - e.msg), e.msg, dup + n);
		else
			fprintf(cli->err, "%s run: partner %s: %s\n", cli->prog,
				id, e.msg);
		(*failed)++;
		x = EG_EXIT_IO;
	}
	eg_cli_partner_close(&pc);
	return x;
}

/* A dry run works on a copy of the ledger without the spool's files in
 * work: a file an earlier run left half done must be finished by a real
 * run first. */
static int
dry_unfinished(eg_cli *cli, eg_cli_spool *s, const char *id)
{
	eg_ledger_partner_day d;
	eg_error e;

	eg_error_clear(&e);
	if (eg_ledger_partner_day_get(s->ledger, id, (int64_t)s->now, &d, &e))
		return eg_cli_fail(cli, &e);
	if (d.unfinished == 0)
		return EG_EXIT_OK;
	fprintf(cli->err,
		"%s run: partner %s has %lld file(s) an earlier run did not "
		"finish: run `edigate run --partner %s` first, then the dry "
		"run\n",
		cli->prog, id, (long long)d.unfinished, id);
	return EG_EXIT_USAGE;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *spool = NULL, *metrics_file = NULL;
	eg_cli_run_metrics rm = {NULL, 0};
	const char **only;
	size_t nonly = 0, i, nids = 0;
	char **ids = NULL;
	int json = 0, failed = 0, new_ledger = 0, dry = 0, x;
	char real[4096] = "";
	long wait = 0;
	unsigned batch = 0;
	eg_cli_spool s;
	eg_pipeline_opts o;
	eg_pipeline *pl = NULL;
	eg_pipeline_counts c;
	eg_cli_profiles all;
	run_ctx rc = {cli, 0, NULL};
	eg_error e;

	only = calloc((size_t)argc + 1, sizeof(*only));
	if (!only)
		return EG_EXIT_IO;
	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help")) {
			help(cli->out);
			free(only);
			return EG_EXIT_OK;
		} else if (!strcmp(a, "--partner") && i + 1 < (size_t)argc) {
			only[nonly++] = argv[++i];
		} else if (!strcmp(a, "--spool") && i + 1 < (size_t)argc) {
			spool = argv[++i];
		} else if (!strcmp(a, "--metrics-file") &&
			   i + 1 < (size_t)argc) {
			metrics_file = argv[++i];
		} else if (!strcmp(a, "--batch") && i + 1 < (size_t)argc) {
			batch = (unsigned)strtoul(argv[++i], NULL, 10);
			if (!batch || batch > 10000) {
				free(only);
				return eg_cli_usage(cli, "run", "--batch needs "
								"1..10000");
			}
		} else if (!strcmp(a, "--wait")) {
			wait = 3600;
		} else if (!strncmp(a, "--wait=", 7)) {
			char *end;

			wait = strtol(a + 7, &end, 10);
			if (!a[7] || *end || wait <= 0 || wait > 86400) {
				free(only);
				return eg_cli_usage(cli, "run", "--wait=SECS "
						    "needs 1..86400 seconds");
			}
		} else if (!strcmp(a, "--new-ledger")) {
			new_ledger = 1;
		} else if (!strcmp(a, "--dry-run")) {
			dry = 1;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--quiet")) {
			rc.quiet = 1;
		} else {
			free(only);
			return eg_cli_usage(cli, "run", "unknown argument '%s'",
					    a);
		}
	}
	if (json)
		rc.quiet = 1;
	if (nonly && (x = known_partners(cli, only, nonly))) {
		free(only);
		return x;
	}
	if (dry && (!nonly || new_ledger || metrics_file)) {
		free(only);
		return eg_cli_usage(cli, "run",
				    "--dry-run needs --partner ID (and takes "
				    "no --new-ledger or --metrics-file)");
	}
	x = dry ? eg_cli_spool_open_dry(cli, spool, &s, real, sizeof(real))
		: eg_cli_spool_open_run(cli, spool, wait, new_ledger, &s);
	for (i = 0; !x && dry && i < nonly; i++)
		x = dry_unfinished(cli, &s, only[i]);
	if (x) {
		eg_cli_spool_close(&s);
		free(only);
		return x;
	}
	memset(&o, 0, sizeof(o));
	o.home = s.home.home;
	o.spool = s.spool;
	o.guides = s.guides;
	o.maps = s.maps;
	o.now = s.now;
	o.actor = s.user;
	o.datadir = s.home.datadir;
	o.crash_at = cli->env_crash;
	o.batch = batch;
	o.dry_run = dry;
	o.note = on_note;
	o.note_ud = &rc;
	eg_error_clear(&e);
	if (eg_pipeline_new(&pl, s.ledger, &o, &e)) {
		eg_cli_spool_close(&s);
		free(only);
		return eg_cli_fail(cli, &e);
	}
	if (nonly == 0 &&
	    (x = eg_cli_partner_ids(cli, "run", &s.home, &ids, &nids))) {
		eg_pipeline_free(pl);
		eg_cli_spool_close(&s);
		free(only);
		return x;
	}
	memset(&c, 0, sizeof(c));
	x = eg_cli_profiles_load(cli, "run", &s.home, &all);
	for (i = 0; !x && i < (nonly ? nonly : nids); i++) {
		const char *id = nonly ? only[i] : ids[i];
		size_t k = eg_cli_profiles_find(&all, id);

		/* a partner guide kept in partners/ is no partner */
		if (!nonly && k != (size_t)-1 && all.other[k])
			continue;
		if (conflicting(&rc, &all, s.home.home, id)) {
			failed++;
		} else {
			eg_pipeline_counts before = c;
			int f0 = failed;
			struct timespec t0, t1;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			(void)run_partner(cli, &s, pl, id, &c, &failed);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (metrics_file &&
			    eg_cli_run_metrics_add(
				&rm, id, &before, &c,
				failed == f0 && c.failed == before.failed,
				(double)(t1.tv_sec - t0.tv_sec) +
				    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
				s.now))
				metrics_file = NULL; /* out of memory */
			eg_error_clear(&e);
			if (metrics_file && k != (size_t)-1 && all.ps[k] &&
			    eg_cli_run_metrics_sla(&rm, s.ledger, s.home.home,
						   all.ps[k], s.now, &e))
				fprintf(cli->err, "%s run: metrics file: "
					"acknowledgements overdue: %s\n",
					cli->prog, e.msg);
		}
	}
	eg_cli_profiles_free(&all);
	eg_error_clear(&e);
	if (metrics_file &&
	    eg_cli_run_metrics_write(&rm, s.ledger, metrics_file, &e)) {
		fprintf(cli->err, "%s run: metrics file: %s\n", cli->prog,
			e.msg);
		failed++;
	}
	eg_cli_run_metrics_free(&rm);
	if (json) {
		fprintf(cli->out,
			"{\"partners\":%zu,\"partnersFailed\":%d,\"files\":%lu,"
			"\"processed\":%lu,\"accepted\":%lu,\"partial\":%lu,"
			"\"rejected\":%lu,\"duplicates\":%lu,\"failed\":%lu,"
			"\"waiting\":%lu,\"records\":%lu,\"acks\":%lu,"
			"\"retries\":%lu}\n",
			nonly ? nonly : nids, failed, c.files, c.processed,
			c.accepted, c.partial, c.rejected, c.duplicates,
			c.failed, c.waiting, c.records, c.acks, c.retries);
	} else {
		fprintf(cli->out,
			"run: %lu file(s) taken, %lu processed: %lu accepted, "
			"%lu partial, %lu rejected, %lu duplicate; %lu "
			"record(s), %lu ack(s)",
			c.files, c.processed, c.accepted, c.partial, c.rejected,
			c.duplicates, c.records, c.acks);
		if (c.waiting)
			fprintf(cli->out, "; %lu waiting to be complete",
				c.waiting);
		if (c.retries)
			fprintf(cli->out, "; %lu session(s) retried",
				c.retries);
		if (c.failed || failed)
			fprintf(cli->out, "; %lu file(s) and %d partner(s) "
					  "failed (retried next run)",
				c.failed, failed);
		fputc('\n', cli->out);
	}
	if (dry)
		fprintf(json ? cli->err : cli->out,
			"dry run: nothing was delivered and the ledger of %s "
			"was not written; what the run did is in %s (records "
			"in %s/shadow/PARTNER/, its own ledger.db for `edigate "
			"--spool`)\n",
			real, s.spool, s.spool);
	eg_pipeline_free(pl);
	eg_cli_free_ids(ids, nids);
	eg_cli_spool_close(&s);
	free(only);
	if (x)
		return x;
	if (failed || c.failed)
		return EG_EXIT_IO;
	return c.rejected || c.partial ? EG_EXIT_DOCUMENT : EG_EXIT_OK;
}

const eg_command eg_cmd_run = {
	"run", "one batch cycle: pull, process, acknowledge, archive",
	run, help,
};
