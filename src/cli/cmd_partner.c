/*
 * cmd_partner.c - onboarding: `edigate partner new` writes a commented
 * profile from a template (drafted from the partner's sample files with
 * --from), `edigate partner check` validates profiles for form and
 * meaning; `partner test` (cmd_partner_test.c) dry-runs files and
 * `partner probe` (cmd_partner_probe.c) connects to an SFTP server.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/x12.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate partner new ID [--from SAMPLE...] "
	      "[--transport local|sftp]\n"
	      "                             [--template retailer|3pl] "
	      "[--name NAME] [--force]\n"
	      "       edigate partner check [ID...] [--json]\n"
	      "       edigate partner test ID FILE... [--seen FILE]... "
	      "[--today CCYY-MM-DD]\n"
	      "                             [--expect DIR [--update]] "
	      "[--from-inbox]\n"
	      "       edigate partner probe ID [--json] [--inbox-files]\n\n"
	      "new    writes partners/ID.xml, a commented profile.  With --from\n"
	      "       it drafts it from the partner's sample X12 files: ISA and\n"
	      "       GS identities, delimiters, the sets and releases it\n"
	      "       sends, and from them the kind (945 in: a 3PL we send 940s\n"
	      "       to; 850 in: a retailer we send 856s to), the 997/999 it\n"
	      "       sends back, our acknowledgements (999 for 005010, TA1\n"
	      "       when asked) and an inbox pattern taking the samples' own\n"
	      "       name endings.  A CSV sample (not EDI) drafts a nightly\n"
	      "       master-data partner instead: the profile with its\n"
	      "       <master-data> document and layouts/ID-DOC.layout.xml,\n"
	      "       encoding, delimiter, header and columns guessed, what a\n"
	      "       person must decide marked CHECK.  UN/EDIFACT samples\n"
	      "       (UNA/UNB) draft an EDIFACT partner: <partner-unb> and\n"
	      "       <our-unb> from the UNB, a document per message type\n"
	      "       and directory (acknowledge-only, marked CHECK, where no\n"
	      "       map ships), CONTRL always when UNB 0031 asks, else on\n"
	      "       errors, repertoire=\"lenient\" when they send lower\n"
	      "       case under UNOA.  Samples of one kind per draft.\n"
	      "       --template overrides the kind (default,\n"
	      "       without samples: retailer).  --transport local (the\n"
	      "       default) makes the drop folders drop/ID/in, out and done;\n"
	      "       sftp drafts the partner's server and prints the\n"
	      "       ssh-keygen and partner probe steps.  It says what clashes\n"
	      "       with another partner, and refuses to overwrite a profile\n"
	      "       unless --force.\n"
	      "check  validates every profile in partners/ (or those named,\n"
	      "       each against every other): XSD errors with file and\n"
	      "       line, then meaning -- what `run` would fail on is an\n"
	      "       error here: a missing inbox, key or known_hosts file\n"
	      "       (with the command that makes it), two partners claiming\n"
	      "       one ISA sender or sharing an inbox or outbox; secret\n"
	      "       files are 0600, SFTP has a host key to check, patterns\n"
	      "       are well formed, guides load, mapping overrides name\n"
	      "       canonical fields, code lists cover every code the guide\n"
	      "       allows and translate into codes a record can carry\n"
	      "       (ours=\"EACH\" is not a unit); a <master-data> or\n"
	      "       <layout-document> layout loads and reads the syntax=\n"
	      "       given, a key= is the layout's, thresholds take\n"
	      "       effect, no two documents take one file; settings\n"
	      "       edigate does not\n"
	      "       act on yet (<sla>, <expect>, <schedule>) are refused.\n"
	      "       An unknown ID is a usage error listing the partners.\n"
	      "       Exit 2 when a profile has an error.\n"
	      "test   dry-runs the partner's files through validate, map,\n"
	      "       rules and acknowledge: the checks a live run does for it\n"
	      "       (identity, documents, guides), the canonical records\n"
	      "       (JSON Lines), mapping and rule findings, and the\n"
	      "       acknowledgements that would be sent, printed and never\n"
	      "       written anywhere (dates and control numbers are fixed\n"
	      "       placeholders).  --seen FILE is an earlier document the\n"
	      "       rules refer to (the 940 a 945 answers); --today fixes the\n"
	      "       day date rules use.  --expect DIR compares the findings,\n"
	      "       records and acknowledgements with DIR/FILE.findings,\n"
	      "       DIR/FILE.records.jsonl and DIR/FILE.acks and exits 1 on\n"
	      "       any difference: onboarding's acceptance run.  --update\n"
	      "       writes those golden files.  --from-inbox tries what\n"
	      "       waits in the partner's inbox now, as the next run would\n"
	      "       take it (SFTP files are read into a temporary folder,\n"
	      "       removed again): what would be taken, waiting, ignored,\n"
	      "       accepted, rejected and acknowledged.  Nothing is written\n"
	      "       to the spool, the ledger, the outbox or the inbox.\n"
	      "probe  connects to the partner's SFTP server as its profile\n"
	      "       says and reports what it offers: the host key (type and\n"
	      "       SHA256 fingerprint as OpenSSH prints them) and whether it\n"
	      "       is trusted, the key exchange and cipher negotiated, the\n"
	      "       login methods, the SFTP version and extensions, fsync\n"
	      "       and posix-rename, whether a rename replaces a file, the\n"
	      "       inbox and outbox listings, and the outbox as a delivery\n"
	      "       uses it: a probe file created there (mode 0644, as\n"
	      "       deliveries are), written, then renamed to a new name\n"
	      "       (every delivery is published by a rename: a server\n"
	      "       that refuses it fails the probe, outbox-rename), then\n"
	      "       removed (a refused delete is only a warning; it changes\n"
	      "       nothing else).  An unknown or changed host key is\n"
	      "       refused; the message shows the key offered and how to\n"
	      "       trust it (a known_hosts line or host-key=) once the\n"
	      "       partner has confirmed its fingerprint.  --json prints\n"
	      "       one object.  It then lists the inbox as `run` would\n"
	      "       see it: files to take, waiting to be complete, being\n"
	      "       written, ignored (no pattern takes them); --inbox-files\n"
	      "       names them.  For a local partner, only that listing.\n",
	      f);
	eg_cli_help_exit_codes(f);
	fputs("\nExit codes of probe:\n"
	      "  0  logged in and every check passed\n"
	      "  1  logged in, but a check failed (a folder cannot be listed,\n"
	      "     the outbox cannot be written, or a file written there\n"
	      "     cannot be renamed: no delivery could be published)\n"
	      "  2  usage or configuration error (no such partner)\n"
	      "  3  no session: cannot connect, host key refused, login\n"
	      "     refused (a local inbox that cannot be listed)\n",
	      f);
}

/* --- check ------------------------------------------------------------------ */

typedef struct cctx {
	eg_cli *cli;
	const char *id;
	int json, first;
	unsigned errors, warnings;
	eg_buf b;
} cctx;

static void
report(void *ud, eg_pcheck_sev sev, const char *msg)
{
	cctx *c = ud;

	if (sev == EG_PCHECK_ERROR)
		c->errors++;
	else
		c->warnings++;
	if (c->json) {
		eg_buf_reset(&c->b);
		if (eg_buf_add_json(&c->b, msg, strlen(msg)))
			return;
		fprintf(c->cli->out,
			"%s{\"partner\":\"%s\",\"severity\":\"%s\",\"message\":%s}",
			c->first ? "" : ",", c->id,
			sev == EG_PCHECK_ERROR ? "error" : "warning",
			eg_buf_cstr(&c->b));
		c->first = 0;
		return;
	}
	fprintf(c->cli->out, "  %s %s\n",
		sev == EG_PCHECK_ERROR ? "ERROR  " : "warning", msg);
}

/*
 * The profile against the maps of its inbound documents: its mapping
 * overrides name real fields, and its code lists cover every code the
 * guide allows where a map translates through them (else a valid
 * document would be rejected for an unmapped code).
 */
/* An inbound EDIFACT message: each directory ("D96A D01B") needs a map,
 * as an X12 set does, or run quarantines every such message. */
static void
edifact_maps(eg_maps *maps, const eg_profile_doc *d, eg_pcheck_fn fn,
	     void *ud)
{
	const char *v = d->versions;

	while (*v) {
		const eg_map *m = NULL;
		char rel[16], msg[320];
		size_t n = strcspn(v, " ");
		eg_error e;

		snprintf(rel, sizeof(rel), "%.*s", (int)(n < 15 ? n : 15), v);
		v += n;
		v += strspn(v, " ");
		eg_error_clear(&e);
		if (eg_maps_find(maps, d->set, rel, &m, &e)) {
			fn(ud, EG_PCHECK_ERROR, e.msg);
			continue;
		}
		if (m || d->ack_only)
			continue;
		snprintf(msg, sizeof(msg),
			 "no map for EDIFACT %s directory %s: every %s in it "
			 "would be quarantined (add a map, drop the directory, "
			 "or mark the document acknowledge-only=\"true\")",
			 d->set, rel, d->set);
		fn(ud, EG_PCHECK_ERROR, msg);
	}
}

static void
check_maps(const eg_home *h, eg_guides *guides, const eg_profile *p,
	   eg_pcheck_fn fn, void *ud)
{
	eg_maps *maps = NULL;
	eg_error e;
	size_t i;

	eg_error_clear(&e);
	if (!h->datadir || !guides || eg_maps_new(&maps, h->datadir, &e))
		return;
	for (i = 0; i < p->ndocs; i++) {
		const eg_profile_doc *d = &p->docs[i];
		const char *v = d->versions;
		int first = 1;

		if (strcmp(d->direction, "in"))
			continue;
		if (strcmp(d->syntax, "x12")) {
			edifact_maps(maps, d, fn, ud);
			continue;
		}
		for (; *v; v += v[6] ? 7 : 6) {
			char rel[7];
			const eg_map *m = NULL;
			const eg_guide *g = NULL;
			eg_profile q = *p;

			snprintf(rel, sizeof(rel), "%.6s", v);
			if (eg_maps_find(maps, d->set, rel, &m, &e)) {
				fn(ud, EG_PCHECK_ERROR, e.msg);
				continue;
			}
			if (!m) {
				/* run quarantines every such set (setkind.c) */
				if (!d->ack_only && strcmp(d->set, "997") &&
				    strcmp(d->set, "999") &&
				    strcmp(d->set, "TA1")) {
					char msg[256];

					snprintf(msg, sizeof(msg),
						 "no map for %s release %s: every "
						 "%s in it would be quarantined "
						 "(add a map, drop the release, "
						 "or mark the document "
						 "acknowledge-only=\"true\")",
						 d->set, rel, d->set);
					fn(ud, EG_PCHECK_ERROR, msg);
				}
				continue;
			}
			if (d->guide ? eg_guides_load(guides, d->guide, &g, &e)
				     : eg_guides_find(guides, d->set, rel, &g, &e)) {
				fn(ud, EG_PCHECK_ERROR, e.msg);
				continue;
			}
			if (!first)
				q.nfields = 0; /* overrides: checked once */
			first = 0;
			eg_map_check_codes(m, &q, g, fn, ud);
		}
	}
	eg_maps_free(maps);
}

/* One profile's own checks: form (already loaded), meaning, maps, codes. */
static void
check_one(const eg_home *h, eg_guides *guides, const eg_profile *p, cctx *c)
{
	eg_profile_check(p, h->home, guides, report, c);
	check_maps(h, guides, p, report, c);
	eg_profile_check_codes(p, h->datadir, report, c);
}

static int
cmd_check(eg_cli *cli, int argc, char **argv, const eg_home *h,
	  eg_guides *guides)
{
	eg_cli_profiles all;
	size_t *sel = NULL, nsel = 0, i, j;
	cctx c;
	int json = 0, k, x = EG_EXIT_OK, named = 0;

	memset(&c, 0, sizeof(c));
	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--json"))
			json = 1;
		else if (argv[k][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[k]);
		else if ((x = eg_cli_partner_known(cli, "partner", h, argv[k])))
			return x;
		else
			named = 1;
	}
	x = eg_cli_profiles_load(cli, "partner", h, &all);
	if (x) {
		eg_cli_profiles_free(&all);
		return x;
	}
	if (all.n == 0) {
		fprintf(cli->err, "%s partner: no profiles to check in "
				  "%s/partners\n",
			cli->prog, h->home);
		eg_cli_profiles_free(&all);
		return EG_EXIT_USAGE;
	}
	sel = calloc(all.n + (size_t)argc + 1, sizeof(*sel));
	if (!sel) {
		eg_cli_profiles_free(&all);
		return EG_EXIT_IO;
	}
	for (k = 0; k < argc; k++)
		if (argv[k][0] != '-' &&
		    (j = eg_cli_profiles_find(&all, argv[k])) != (size_t)-1)
			sel[nsel++] = j;
	for (i = 0; !named && i < all.n; i++)
		if (!all.other[i]) /* partner guides kept in partners/ */
			sel[nsel++] = i;
	c.cli = cli;
	c.json = json;
	c.first = 1;
	eg_buf_init(&c.b, 1 << 16);
	if (json)
		fputs("{\"findings\":[", cli->out);
	for (i = 0; i < nsel; i++) {
		const eg_profile *p = all.ps[sel[i]];
		unsigned before = c.errors;

		c.id = all.ids[sel[i]];
		if (!json)
			fprintf(cli->out, "%s/partners/%s.xml:\n", h->home, c.id);
		if (!p) {
			report(&c, EG_PCHECK_ERROR, all.errs[sel[i]]
							? all.errs[sel[i]]
							: "does not load");
			continue;
		}
		check_one(h, guides, p, &c);
		/* named: its clashes with every other partner, here */
		if (named)
			eg_cli_profiles_conflicts(&all, sel[i], h->home, report,
						  &c);
		for (j = 0; named && j < all.n; j++)
			if (!all.ps[j] && !all.other[j]) {
				char msg[300];

				snprintf(msg, sizeof(msg),
					 "partners/%s.xml does not load, so "
					 "clashes with it cannot be checked",
					 all.ids[j]);
				report(&c, EG_PCHECK_WARNING, msg);
			}
		if (!json && c.errors == before)
			fprintf(cli->out, "  ok: %s (%s)\n", p->id, p->name);
		/* a shadow partner is checked like any other, and said so */
		if (!json && p->shadow)
			fprintf(cli->out,
				"  mode: shadow: runs the whole pipeline but "
				"delivers nothing; records and "
				"acknowledgements stay in spool/shadow/%s "
				"(`edigate shadow compare`)\n",
				p->id);
	}
	if (!named) {
		eg_profile **loaded = calloc(all.n + 1, sizeof(*loaded));
		size_t nl = 0;

		for (i = 0; loaded && i < all.n; i++)
			if (all.ps[i])
				loaded[nl++] = all.ps[i];
		c.id = "*";
		if (loaded)
			eg_profile_check_all(loaded, nl, h->home, report, &c);
		free(loaded);
	}
	if (json)
		fprintf(cli->out, "],\"profiles\":%zu,\"errors\":%u,"
				  "\"warnings\":%u}\n",
			nsel, c.errors, c.warnings);
	else
		fprintf(cli->out, "%s: %zu profile(s), %u error(s), %u "
				  "warning(s)\n",
			c.errors ? "FAILED" : "OK", nsel, c.errors, c.warnings);
	free(sel);
	eg_cli_profiles_free(&all);
	eg_buf_free(&c.b);
	return c.errors ? EG_EXIT_USAGE : EG_EXIT_OK;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	eg_home h = {NULL, NULL};
	eg_guides *g = NULL;
	const eg_guide *none = NULL;
	int x;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EG_EXIT_USAGE : EG_EXIT_OK;
	}
	for (x = 2; x < argc; x++)
		if (!strcmp(argv[x], "--help") || !strcmp(argv[x], "-h")) {
			help(stdout);
			return EG_EXIT_OK;
		}
	if (strcmp(argv[1], "new") && strcmp(argv[1], "check") &&
	    strcmp(argv[1], "test") && strcmp(argv[1], "probe"))
		return eg_cli_usage(cli, "partner", "unknown subcommand '%s'",
				    argv[1]);
	x = eg_cli_open_guides(cli, "partner", &h, NULL, &g, &none);
	if (x == EG_EXIT_OK && !h.datadir) {
		fprintf(cli->err, "%s partner: needs the shipped edi/ and "
				  "schemas/ (run make install)\n",
			cli->prog);
		x = EG_EXIT_USAGE;
	}
	if (x == EG_EXIT_OK && !strcmp(argv[1], "new"))
		x = eg_cli_partner_new(cli, argc - 2, argv + 2, &h);
	else if (x == EG_EXIT_OK && !strcmp(argv[1], "check"))
		x = cmd_check(cli, argc - 2, argv + 2, &h, g);
	else if (x == EG_EXIT_OK && !strcmp(argv[1], "probe"))
		x = eg_cli_partner_probe(cli, argc - 2, argv + 2, &h);
	else if (x == EG_EXIT_OK)
		x = eg_cli_partner_test(cli, argc - 2, argv + 2, &h, g);
	eg_guides_free(g);
	eg_home_free(&h);
	return x;
}

const eg_command eg_cmd_partner = {
	"partner", "onboard partners: new, check, test, probe", run, help};
