/*
 * cmd_map.c - `edigate map --partner ID FILE...`: canonical records.
 *
 * Each file is checked as the partner's (identity, documents, guides)
 * and every transaction set that passes is mapped to canonical records
 * (edi/maps plus the profile's code lists, overrides and rules), written
 * as one XML batch or as JSON Lines.  Nothing touches the spool: this is
 * what a run would hand downstream, for support staff and onboarding.
 *
 * Records stream into a temporary file (next to -o's file, or an
 * anonymous one for standard output) as each set is mapped, so memory
 * does not grow with the input; the output appears only when every file
 * was read (-o: fsync and rename; else copied to standard output), as
 * it always did: an I/O failure leaves nothing half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
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
	      "  FILE                X12 or UN/EDIFACT files from the partner\n"
	      "                      (the syntax is detected; an EDIFACT\n"
	      "                      message maps when edi/maps has its map)\n\n"
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

/* The records' file: a temporary name next to outpath (tmp holds it), or
 * an anonymous file when the records go to standard output. */
static FILE *
open_out(const char *outpath, char *tmp, size_t cap, eg_error *e)
{
	const char *slash = outpath ? strrchr(outpath, '/') : NULL;
	FILE *f;
	int fd;

	tmp[0] = '\0';
	if (!outpath) {
		if (!(f = tmpfile()))
			eg_fail(e, EG_EIO, "cannot make a temporary file: %s",
				strerror(errno));
		return f;
	}
	if ((size_t)snprintf(tmp, cap, "%.*s%s.%s.%ld.tmp",
			     slash ? (int)(slash - outpath + 1) : 0, outpath,
			     "", slash ? slash + 1 : outpath,
			     (long)getpid()) >= cap) {
		tmp[0] = '\0';
		eg_fail(e, EG_EINVAL, "bad file name %s", outpath);
		return NULL;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w+"))) {
		eg_fail(e, EG_EIO, "cannot create %s: %s", tmp,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		tmp[0] = '\0';
		return NULL;
	}
	return f;
}

/* Publish the records: -o renames the fsynced file over its name and
 * syncs the directory; else the file is copied to standard output. */
static int
close_out(eg_cli *cli, FILE *f, const char *outpath, char *tmp)
{
	char b[65536];
	size_t n;
	int fd;
	eg_error e;

	eg_error_clear(&e);
	if (tmp[0]) {
		const char *slash = strrchr(outpath, '/');
		char dir[PATH_MAX];
		int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;

		bad |= fclose(f) != 0;
		if (bad || rename(tmp, outpath) != 0) {
			eg_fail(&e, EG_EIO, "cannot publish %s: %s", outpath,
				strerror(errno));
			unlink(tmp);
			tmp[0] = '\0';
			return eg_cli_fail(cli, &e);
		}
		tmp[0] = '\0';
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - outpath) : 1,
			 slash ? outpath : ".");
		/* the new name is durable once its directory is */
		fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0) {
			eg_fail(&e, EG_EIO, "cannot sync %s: %s", dir,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return eg_cli_fail(cli, &e);
		}
		close(fd);
		return EG_EXIT_OK;
	}
	rewind(f);
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		if (eg_cli_write(cli, b, n))
			break;
	n = ferror(f) || !feof(f);
	fclose(f);
	return n ? EG_EXIT_IO : EG_EXIT_OK;
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
	FILE *out = NULL;
	char tmp[PATH_MAX];
	eg_error e;

	memset(&pc, 0, sizeof(pc));
	tmp[0] = '\0';
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
	if (!(out = open_out(outpath, tmp, sizeof(tmp), &e))) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (!jsonl && fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<records>\n", out) == EOF) {
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
		mf.out = out;
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
		}
		eg_buf_free(&mf.records);
	}
	if (x == EG_EXIT_IO)
		goto out;
	if (!jsonl && fputs("</records>\n", out) == EOF) {
		x = EG_EXIT_IO;
		goto out;
	}
	{
		int r = close_out(cli, out, outpath, tmp);

		out = NULL;
		x = r > x ? r : x;
	}
out:
	if (out)
		fclose(out);
	if (tmp[0])
		unlink(tmp);
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
	"map", "make canonical records (XML or JSON Lines) from X12 or EDIFACT files",
	run, help};
