/*
 * cmd_map.c - `edigate map --partner ID FILE...`: canonical records.
 *
 * Each file is checked as the partner's (identity, documents, guides)
 * and every transaction set that passes is mapped to canonical records
 * (edi/maps plus the profile's code lists, overrides and rules), written
 * as one XML batch or as JSON Lines.  Nothing touches the spool: this is
 * what a run would hand downstream, for support staff and onboarding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "edigate/fsutil.h"
#include "edigate/profile.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate map --partner ID [OPTIONS] FILE...\n\n"
	      "Check FILEs as coming from partner ID and write the canonical\n"
	      "records (schemas/canonical.xsd) of every transaction set that\n"
	      "passes: the guide, the map (edi/maps), the profile's code lists\n"
	      "and its business rules.  A set that fails any of them gives no\n"
	      "record and a finding on standard error (fail closed).\n\n"
	      "Options:\n"
	      "  --partner ID        the partner the files come from "
	      "(required)\n"
	      "  --format xml|jsonl  one XML batch (<records>, the default) "
	      "or\n"
	      "                      JSON Lines, one record per line\n"
	      "  -o FILE             write the records to FILE (atomically)\n"
	      "                      instead of standard output\n"
	      "  --seen FILE         an earlier document that rules refer to\n"
	      "                      (the 940 a 945 answers); repeatable\n"
	      "  --today CCYY-MM-DD  the day date rules take as today\n"
	      "                      (default: the clock)\n"
	      "  FILE                X12 files from the partner\n\n"
	      "Findings are printed as \"FILE: position: message\"; use\n"
	      "`edigate validate --json` for findings a script reads.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static void
print_finding(void *ud, const eg_finding *f, int from_map)
{
	eg_cli_mapfile *mf = ud;
	char pos[200];
	FILE *out = stderr;

	(void)from_map;
	if (f->severity == EG_FIND_NOTE)
		return;
	eg_pos_format(&f->pos, pos, sizeof(pos));
	fprintf(out, "%s: %s%s%s [%s]%s%s: %s\n", mf->path, pos,
		pos[0] ? ", " : "",
		f->severity == EG_FIND_ERROR ? "error" : "warning", f->rule,
		f->ctl.st01[0] ? " set " : "",
		f->ctl.st01[0] ? f->ctl.st02 : "", f->msg);
}

/* "2024-01-07" -> noon UTC that day (a whole-day clock for rules). */
static int
parse_day(const char *s, time_t *out)
{
	struct tm tm;
	int y = 0, m = 0, d = 0, i;

	/* CCYY-MM-DD exactly */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return -1;
	if (s[10] != '\0')
		return -1;
	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	*out = timegm(&tm);
	return 0;
}

int
eg_cli_parse_day(const char *s, time_t *out)
{
	return parse_day(s, out);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	eg_home home = {NULL, NULL};
	eg_guides *guides = NULL;
	const eg_guide *one = NULL;
	eg_maps *maps = NULL;
	eg_memstore *mem = NULL;
	eg_cli_partner pc;
	const char *partner = NULL, *outpath = NULL;
	const char **files = NULL, **seen = NULL;
	size_t nfiles = 0, nseen = 0, k;
	int jsonl = 0, x = EG_EXIT_OK, i;
	time_t now = time(NULL);
	eg_buf all;
	eg_error e;

	memset(&pc, 0, sizeof(pc));
	eg_buf_init(&all, (size_t)1 << 30);
	eg_error_clear(&e);
	files = calloc((size_t)argc, sizeof(*files));
	seen = calloc((size_t)argc, sizeof(*seen));
	if (!files || !seen) {
		x = EG_EXIT_IO;
		goto out;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help(stdout);
			goto out;
		} else if (!strcmp(a, "--partner") && i + 1 < argc) {
			partner = argv[++i];
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			const char *v = argv[++i];

			if (strcmp(v, "xml") && strcmp(v, "jsonl")) {
				x = eg_cli_usage(cli, "map",
						 "--format is xml or jsonl");
				goto out;
			}
			jsonl = !strcmp(v, "jsonl");
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			outpath = argv[++i];
		} else if (!strcmp(a, "--seen") && i + 1 < argc) {
			seen[nseen++] = argv[++i];
		} else if (!strcmp(a, "--today") && i + 1 < argc) {
			if (parse_day(argv[++i], &now)) {
				x = eg_cli_usage(cli, "map",
						 "--today needs CCYY-MM-DD");
				goto out;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			x = eg_cli_usage(cli, "map", "unknown option '%s'", a);
			goto out;
		} else {
			files[nfiles++] = a;
		}
	}
	if (!partner) {
		x = eg_cli_usage(cli, "map",
				 "--partner ID is required: the profile gives "
				 "code lists, overrides and rules");
		goto out;
	}
	if (nfiles == 0) {
		x = eg_cli_usage(cli, "map", "no FILE given");
		goto out;
	}
	x = eg_cli_open_guides(cli, "map", &home, NULL, &guides, &one);
	if (x != EG_EXIT_OK)
		goto out;
	if (!guides || !home.datadir) {
		x = eg_cli_usage(cli, "map", "no data directory (edi/, schemas/)");
		goto out;
	}
	x = eg_cli_partner_open(cli, "map", &home, guides, partner, &pc);
	if (x != EG_EXIT_OK)
		goto out;
	if (eg_maps_new(&maps, home.datadir, &e) || eg_memstore_new(&mem)) {
		x = e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
		goto out;
	}
	if (!jsonl && eg_buf_adds(&all, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				       "<records>\n")) {
		x = EG_EXIT_IO;
		goto out;
	}
	for (k = 0; k < nseen + nfiles && x != EG_EXIT_IO; k++) {
		eg_cli_mapfile mf;
		int is_seen = k < nseen;

		eg_cli_mapfile_init(&mf, is_seen ? seen[k] : files[k - nseen],
				    guides, &pc, maps, mem, now, is_seen,
				    (size_t)1 << 30);
		mf.jsonl = jsonl;
		mf.finding = print_finding;
		mf.finding_ud = &mf;
		if (eg_cli_map_file(&mf, &e)) {
			int r = eg_cli_fail(cli, &e);

			if (r > x)
				x = r;
		} else {
			if (mf.errors && x < EG_EXIT_DOCUMENT)
				x = EG_EXIT_DOCUMENT;
			fprintf(cli->err, "%s: %s%lu record(s) from %lu set(s); "
					  "%lu rejected by map or rules, %lu "
					  "not mapped\n",
				mf.path, is_seen ? "(seen) " : "", mf.nrecords,
				mf.counts.mapped, mf.counts.rejected,
				mf.counts.unmapped);
			if (mf.records.len &&
			    eg_buf_add(&all, mf.records.data, mf.records.len))
				x = EG_EXIT_IO;
		}
		eg_buf_free(&mf.records);
	}
	if (x == EG_EXIT_IO)
		goto out;
	if (!jsonl && eg_buf_adds(&all, "</records>\n")) {
		x = EG_EXIT_IO;
		goto out;
	}
	if (outpath) {
		const char *slash = strrchr(outpath, '/');
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - outpath) : 1,
			 slash ? outpath : ".");
		if (eg_file_publish(dir, slash ? slash + 1 : outpath,
				    all.data ? all.data : "", all.len, &e)) {
			int r = eg_cli_fail(cli, &e);

			x = r > x ? r : x;
		}
	} else if (eg_cli_write(cli, all.data ? all.data : "", all.len)) {
		x = EG_EXIT_IO;
	}
out:
	eg_buf_free(&all);
	eg_memstore_free(mem);
	eg_maps_free(maps);
	eg_cli_partner_close(&pc);
	eg_guides_free(guides);
	eg_home_free(&home);
	free(files);
	free(seen);
	return x;
}

const eg_command eg_cmd_map = {
	"map", "make canonical records (XML or JSON Lines) from X12 files",
	run, help};
