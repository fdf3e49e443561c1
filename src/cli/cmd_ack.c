/*
 * cmd_ack.c - `edigate ack`: write the TA1 / 997 / 999 acknowledgements
 * for X12 files into a directory.
 *
 * Control numbers come from a counter file (the ledger will own them in
 * the pipeline): it holds the next number, and is rewritten atomically
 * before each number is used, so a crash can skip numbers but never reuse
 * one.  After 999999999 comes 1, as in the run's ledger sequence.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/ack.h"
#include "edigate/contrl.h"
#include "edigate/fsutil.h"
#include "edigate/syntax.h"

typedef struct actx {
	eg_cli *cli;
	const char *outdir;
	const char *counter; /* counter file, or NULL */
	uint64_t next;       /* next number when there is no counter file */
	int json, nout;
} actx;

static eg_err
next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	actx *a = ud;
	char *buf = NULL, num[32], *end, *dir, *slash;
	const char *base;
	size_t len;
	unsigned long long v;
	eg_err rc;

	(void)kind;
	if (!a->counter) {
		*out = a->next++;
		return EG_OK;
	}
	rc = eg_file_read_small(a->counter, 64, &buf, &len, e);
	if (rc == EG_ENOTFOUND) {
		eg_error_clear(e);
		v = a->next;
	} else if (rc) {
		return rc;
	} else {
		errno = 0;
		v = strtoull(buf, &end, 10);
		while (*end == '\n' || *end == ' ')
			end++;
		if (errno || end == buf || *end || v == 0 || v > 999999999) {
			free(buf);
			return eg_fail(e, EG_ECONFIG,
				       "counter file %s does not hold a "
				       "control number (1 to 999999999)",
				       a->counter);
		}
		free(buf);
	}
	/* Reserve the number on disk before it is used. */
	snprintf(num, sizeof(num), "%llu\n", v >= 999999999 ? 1 : v + 1);
	dir = strdup(a->counter);
	if (!dir)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : a->counter;
	if (slash)
		*slash = '\0';
	rc = eg_file_publish(slash ? (dir[0] ? dir : "/") : ".", base, num,
			     strlen(num), e);
	free(dir);
	if (rc)
		return rc;
	*out = v;
	return EG_OK;
}

static eg_err
emit(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	actx *a = ud;
	eg_err rc = eg_file_publish(a->outdir, name, data, len, e);

	if (rc)
		return rc;
	if (a->json)
		fprintf(a->cli->out, "%s{\"file\":\"%s/%s\",\"bytes\":%zu}",
			a->nout ? "," : "", a->outdir, name, len);
	else
		fprintf(a->cli->out, "wrote %s/%s\n", a->outdir, name);
	a->nout++;
	return EG_OK;
}

/* CCYYMMDDHHMM (UTC) -> time_t. */
static int
parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int i;

	if (strlen(s) != 12 || strspn(s, "0123456789") != 12)
		return 0;
	memset(&tm, 0, sizeof(tm));
	for (i = 0; i < 4; i++)
		tm.tm_year = tm.tm_year * 10 + (s[i] - '0');
	tm.tm_year -= 1900;
	tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
	tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
	tm.tm_hour = (s[8] - '0') * 10 + (s[9] - '0');
	tm.tm_min = (s[10] - '0') * 10 + (s[11] - '0');
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

/* The file's first header could not be read: the writer answers it from
 * its raw bytes when they still name its sender (X12: a TA1 R). */
static void
header_fallback(const eg_ack_writer *aw, void *w, const char *path)
{
	char head[512];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	(void)aw->header_fallback(w, head, n);
}

/* The CONTRL writer's events, and where the reader stopped. */
typedef struct edack {
	const eg_edifact_events *ev;
	int stopped;
	uint64_t at;
} edack;

static void
ed_finding(void *ud, const eg_edifact_finding *f)
{
	edack *k = ud;

	if (f->rule && !strcmp(f->rule, "unreadable") && !k->stopped) {
		k->stopped = 1;
		k->at = f->pos.offset;
	}
	k->ev->finding(k->ev->ud, f);
}

static void
ed_unit(void *ud, const eg_edifact_unit *u)
{
	edack *k = ud;

	k->ev->unit_end(k->ev->ud, u);
}

/*
 * After the reader stopped at byte from: every interchange whose raw UNB
 * still reads (the descriptor's next_header) is told it was not
 * processed, UCI 4 with 0085 code 18, as `run` does.
 */
static eg_err
ack_unread(eg_cli *cli, const char *path, const edack *k, eg_error *e)
{
	uint64_t from = k->at, at;
	eg_x12_ctl ctl;
	eg_edifact_ctl nc;
	eg_err rc = EG_OK;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return eg_fail(e, EG_EIO, "%s: cannot open it again", path);
	while ((rc = eg_syntax_edifact.next_header(fd, from, &at, &ctl, e)) ==
	       EG_OK) {
		eg_edifact_finding f;
		eg_edifact_unit u;

		from = at + eg_syntax_edifact.header_len;
		if (!eg_syntax_edifact_unread(&ctl, &nc))
			continue;
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_INTERCHANGE;
		f.severity = EG_FIND_ERROR;
		f.code = "18";
		f.rule = "unread-interchange";
		snprintf(f.msg, sizeof(f.msg),
			 "interchange %s at offset %llu was not read: it "
			 "follows bytes that could not be read",
			 nc.icr, (unsigned long long)at);
		f.pos.offset = at;
		f.ctl = nc;
		k->ev->finding(k->ev->ud, &f);
		memset(&u, 0, sizeof(u));
		u.level = EG_LVL_INTERCHANGE;
		u.rejected = 1;
		u.ctl = nc;
		u.offset = at;
		k->ev->unit_end(k->ev->ud, &u);
		fprintf(cli->err,
			"%s ack: %s: interchange %s at offset %llu follows "
			"bytes that could not be read: rejected (0085 code "
			"18)\n",
			cli->prog, path, nc.icr, (unsigned long long)at);
	}
	close(fd);
	return rc == EG_ENOTFOUND ? EG_OK : rc;
}

/* A UN/EDIFACT file: the service-segment checks and a CONTRL per
 * interchange (when asked for or as --contrl says), the interchanges
 * after a reader break included. */
static int
ack_edifact(eg_cli *cli, actx *a, const char *path,
	    const eg_contrl_opts *base, eg_edifact_strict strict,
	    int *worst_doc)
{
	eg_contrl_opts o = *base;
	eg_contrl *c = NULL;
	eg_source *src = NULL;
	eg_edifact_check_opts eo;
	eg_edifact_check_result res;
	eg_edifact_events ev;
	edack k;
	eg_error e;
	const char *why;
	int x = EG_EXIT_OK;

	memset(&eo, 0, sizeof(eo));
	memset(&k, 0, sizeof(k));
	eo.reader.limits = eg_edifact_limits_default();
	eo.reader.strict = strict;
	eg_error_clear(&e);
	o.next_control = next_control;
	o.emit = emit;
	o.ud = a;
	ev.finding = ed_finding;
	ev.unit_end = ed_unit;
	ev.ud = &k;
	if (eg_contrl_new(&c, &o, &e) ||
	    (k.ev = eg_contrl_events(c),
	     eg_source_open_file(&src, path, &e)) ||
	    eg_edifact_check(src, &eo, &ev, &res, &e) ||
	    (res.reader_failed && k.stopped &&
	     ack_unread(cli, path, &k, &e)) ||
	    eg_contrl_error(c, &e)) {
		x = eg_cli_fail(cli, &e);
	} else {
		if (res.totals.errors)
			*worst_doc = 1;
		if (eg_contrl_unanswered(c, &why)) {
			*worst_doc = 1;
			fprintf(cli->err,
				"%s ack: %s: no CONTRL written for %u "
				"interchange(s): %s; the partner must be told "
				"by a person\n",
				cli->prog, path, eg_contrl_unanswered(c, NULL),
				why);
		}
	}
	eg_source_free(src);
	eg_contrl_free(c);
	return x;
}

static void
help(FILE *f)
{
	fputs("Usage: edigate ack [-o DIR] [--counter FILE | --first-control N]\n"
	      "                   [--version 997|999] [--time CCYYMMDDHHMM]\n"
	      "                   [--delimiters ECRS] [--convention 005010X231A1]\n"
	      "                   [--reply-version 00401|00501]\n"
	      "                   [--guide FILE] [--partner ID] [--json]\n"
	      "                   [--contrl WHEN] [--receipt-only]\n"
	      "                   [--repertoire strict|lenient|off] FILE...\n\n"
	      "Validate X12 files and write their acknowledgements, one\n"
	      "interchange per inbound interchange, addressed back to its\n"
	      "sender: a TA1 when ISA14 asks for one or the envelope is in\n"
	      "error (only a TA1 when the interchange is rejected), and per\n"
	      "inbound functional group a 997 (004010 and older) or a 999\n"
	      "(005010 and later) with AK1, AK2, AK3/IK3, AK4/IK4, AK5/IK5\n"
	      "and AK9 detail.\n\n"
	      "A UN/EDIFACT file (UNA or UNB at the start) gets a CONTRL per\n"
	      "interchange, in the partner's syntax version, character set\n"
	      "and separators: UCI (0083: 7 acknowledged, 4 rejected, 8\n"
	      "received only), UCF per group, UCM per message, UCS/UCD with\n"
	      "the 0085 code of every finding (docs/edifact.md).  Files are\n"
	      "named INBOUND-0020-OUR-0020.contrl.edi.  After bytes the\n"
	      "reader cannot read, each interchange whose UNB still reads\n"
	      "is rejected (UCI 4, 0085 code 18: nothing in it was read).\n\n"
	      "Options:\n"
	      "  -o DIR               where to write (default: .); files are\n"
	      "                       named INBOUND-ISA13-OUTBOUND-ISA13.ack.x12\n"
	      "  --counter FILE       file holding the next control number\n"
	      "                       (ISA13 and GS06); updated atomically\n"
	      "                       before each use, created if missing\n"
	      "  --first-control N    first control number without a counter\n"
	      "                       file, or when it is created (default 1)\n"
	      "  --version 997|999    force the acknowledgement type\n"
	      "  --time CCYYMMDDHHMM  date and time to write (UTC; default now)\n"
	      "  --delimiters ECRS    our element, component, repetition and\n"
	      "                       segment characters (default '*:^~')\n"
	      "  --convention 005010X231A1\n"
	      "                       write 999s for the healthcare guide (GS08,\n"
	      "                       ST03, CTX); default: plain 005010 999s\n"
	      "  --reply-version V    ISA12 when the inbound one is not a real\n"
	      "                       control version (default 00401)\n"
	      "  --guide FILE         a partner guide for its transaction set\n"
	      "  --partner ID         the files come from this partner: its\n"
	      "                       identity, documents, guides, <outbound>\n"
	      "                       delimiters and 999 convention apply\n"
	      "  --json               list the files written as JSON\n"
	      "  --contrl WHEN        EDIFACT: requested (default: as UNB 0031\n"
	      "                       asks), always, on-error (as asked, and\n"
	      "                       whenever something is rejected), never\n"
	      "  --receipt-only       EDIFACT: UCI 8 (received) instead of the\n"
	      "                       full report when nothing was rejected\n"
	      "  --repertoire R       EDIFACT character check: strict (default),\n"
	      "                       lenient (lower case under UNOA), off\n\n"
	      "Exit code 0 when everything was accepted, 1 when some\n"
	      "document had errors (the acknowledgements say which; they are\n"
	      "written either way).  An interchange whose sender cannot be\n"
	      "addressed or referred to (invalid ISA05-ISA10 or ISA13), or a\n"
	      "file whose ISA cannot be read, gets no acknowledgement: the\n"
	      "reason is printed and the exit code is 1.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	actx a;
	eg_ack_opts ao;
	void *ack = NULL;
	eg_syntax_check_opts co;
	eg_syntax_check_result res;
	eg_home home = {NULL, NULL};
	eg_guides *guides = NULL;
	const char *guide_file = NULL, *partner = NULL;
	const eg_guide *one = NULL;
	eg_cli_partner pc;
	eg_source *src = NULL;
	eg_error e;
	char *end;
	int i, x = EG_EXIT_OK, nfiles = 0, worst_doc = 0, dset = 0;
	const char *why;
	const eg_syntax_desc *syn;
	const eg_ack_writer *aw;
	eg_contrl_opts cto;
	eg_edifact_strict rep = EG_EDIFACT_REP_STRICT;

	memset(&a, 0, sizeof(a));
	memset(&ao, 0, sizeof(ao));
	memset(&co, 0, sizeof(co));
	memset(&pc, 0, sizeof(pc));
	eg_error_clear(&e);
	a.cli = cli;
	a.outdir = ".";
	a.next = 1;
	ao.now = time(NULL);
	memset(&cto, 0, sizeof(cto));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			help(stdout);
			return EG_EXIT_OK;
		} else if (strcmp(o, "--json") == 0) {
			a.json = 1;
		} else if (strcmp(o, "--receipt-only") == 0) {
			cto.receipt_only = 1;
		} else if (strcmp(o, "--contrl") == 0 && v) {
			if (strcmp(v, "requested") == 0)
				cto.when = EG_CONTRL_REQUESTED;
			else if (strcmp(v, "always") == 0)
				cto.when = EG_CONTRL_ALWAYS;
			else if (strcmp(v, "on-error") == 0)
				cto.when = EG_CONTRL_ON_ERROR;
			else if (strcmp(v, "never") == 0)
				cto.when = EG_CONTRL_NEVER;
			else
				return eg_cli_usage(cli, "ack",
						    "--contrl is requested, "
						    "always, on-error or never");
			i++;
		} else if (strcmp(o, "--repertoire") == 0 && v) {
			if (strcmp(v, "strict") == 0)
				rep = EG_EDIFACT_REP_STRICT;
			else if (strcmp(v, "lenient") == 0)
				rep = EG_EDIFACT_REP_LENIENT;
			else if (strcmp(v, "off") == 0)
				rep = EG_EDIFACT_REP_OFF;
			else
				return eg_cli_usage(cli, "ack",
						    "--repertoire is strict, "
						    "lenient or off");
			i++;
		} else if (strcmp(o, "-o") == 0 && v) {
			a.outdir = v;
			i++;
		} else if (strcmp(o, "--counter") == 0 && v) {
			a.counter = v;
			i++;
		} else if (strcmp(o, "--guide") == 0 && v) {
			guide_file = v;
			i++;
		} else if (strcmp(o, "--partner") == 0 && v) {
			partner = v;
			i++;
		} else if (strcmp(o, "--first-control") == 0 && v) {
			a.next = strtoull(v, &end, 10);
			if (*end || a.next == 0 || a.next > 999999999)
				return eg_cli_usage(cli, "ack",
						    "--first-control needs a "
						    "number from 1 to 999999999");
			i++;
		} else if (strcmp(o, "--version") == 0 && v) {
			if (strcmp(v, "997") && strcmp(v, "999"))
				return eg_cli_usage(cli, "ack",
						    "--version is 997 or 999");
			ao.force = v[2] == '7' ? 997 : 999;
			i++;
		} else if (strcmp(o, "--delimiters") == 0 && v) {
			if (strlen(v) != 4 ||
			    eg_ack_delims_check(v[0], v[1], v[2], v[3], 1))
				return eg_cli_usage(cli, "ack",
						    "--delimiters wants 4 different "
						    "characters, not letters, digits "
						    "or spaces: element, component, "
						    "repetition, segment");
			ao.element = v[0];
			ao.component = v[1];
			ao.repetition = v[2];
			ao.segment = v[3];
			dset = 1;
			i++;
		} else if (strcmp(o, "--convention") == 0 && v) {
			if (strcmp(v, "005010X231A1") != 0)
				return eg_cli_usage(cli, "ack",
						    "--convention is 005010X231A1");
			ao.convention = v;
			i++;
		} else if (strcmp(o, "--reply-version") == 0 && v) {
			if (!eg_ack_version_known(v))
				return eg_cli_usage(cli, "ack",
						    "--reply-version wants an X12 "
						    "control version such as 00401 "
						    "or 00501");
			ao.version = v;
			i++;
		} else if (strcmp(o, "--time") == 0 && v) {
			if (!parse_time(v, &ao.now))
				return eg_cli_usage(cli, "ack",
						    "--time wants CCYYMMDDHHMM");
			i++;
		} else if (o[0] == '-' && o[1]) {
			return eg_cli_usage(cli, "ack", "unknown option '%s'",
					    o);
		} else {
			nfiles++;
		}
	}
	if (nfiles == 0)
		return eg_cli_usage(cli, "ack", "no FILE given");
	x = eg_cli_open_guides(cli, "ack", &home, guide_file, &guides, &one);
	if (x != EG_EXIT_OK)
		goto out;
	co.overrides = &one;
	co.noverrides = 1;
	if (partner) {
		x = eg_cli_partner_open(cli, "ack", &home, guides, partner, &pc);
		if (x != EG_EXIT_OK)
			goto out;
		co.expect = &pc.expect;
		{
			eg_ack_opts po = ao;

			/* the profile's; options given on the line win */
			eg_ack_opts_profile(&po, pc.profile);
			if (!dset) {
				ao.element = po.element;
				ao.component = po.component;
				ao.repetition = po.repetition;
				ao.segment = po.segment;
				ao.no_newline = po.no_newline;
			}
			if (!ao.convention)
				ao.convention = po.convention;
			if (!ao.version)
				ao.version = po.version;
		}
		if (pc.nguides) {
			co.overrides = pc.guides;
			co.noverrides = pc.nguides;
		}
	}
	if (eg_mkdirs(a.outdir, &e)) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	co.limits = eg_syntax_x12.limits(); /* the X12 options above */
	co.guides = guides;
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = &a;
	if (a.json)
		fputs("{\"written\":[", cli->out);
	for (i = 1; i < argc && x == EG_EXIT_OK; i++) {
		const char *o = argv[i];

		if (o[0] == '-' && o[1]) {
			if (strcmp(o, "--json") != 0 &&
			    strcmp(o, "--receipt-only") != 0)
				i++;
			continue;
		}
		if (eg_cli_is_edifact(o)) {
			if (partner) {
				fprintf(cli->err,
					"%s ack: %s is UN/EDIFACT: --partner is "
					"not supported for EDIFACT files yet\n",
					cli->prog, o);
				x = EG_EXIT_USAGE;
				continue;
			}
			cto.now = ao.now;
			x = ack_edifact(cli, &a, o, &cto, rep, &worst_doc);
			continue;
		}
		/* the reader, checks and writer of the file's syntax, through
		 * its descriptor (syntax.h) */
		syn = eg_cli_file_syntax(o);
		aw = syn->ack;
		if (!aw) {
			fprintf(cli->err, "%s ack: %s: no acknowledgement "
				"writer for %s files\n", cli->prog, o, syn->name);
			x = EG_EXIT_USAGE;
			continue;
		}
		if (aw->open(&ack, &ao, &e) ||
		    eg_source_open_file(&src, o, &e) ||
		    syn->check(src, &co, aw->events(ack), &res, &e) ||
		    aw->error(ack, &e)) {
			x = eg_cli_fail(cli, &e);
		} else {
			if (res.totals.errors)
				worst_doc = 1;
			if (res.reader_failed)
				header_fallback(aw, ack, o);
			if (aw->error(ack, &e))
				x = eg_cli_fail(cli, &e);
			if (aw->unanswered(ack, &why)) {
				worst_doc = 1;
				fprintf(cli->err,
					"%s ack: %s: no acknowledgement "
					"written for %u interchange(s): %s; "
					"the partner must be told by a person\n",
					cli->prog, o, aw->unanswered(ack, NULL),
					why);
			}
		}
		eg_source_free(src);
		src = NULL;
		if (ack)
			aw->close(ack);
		ack = NULL;
	}
	if (a.json)
		fputs("]}\n", cli->out);
	if (x == EG_EXIT_OK && worst_doc)
		x = EG_EXIT_DOCUMENT;
out:
	eg_cli_partner_close(&pc);
	eg_guides_free(guides);
	eg_home_free(&home);
	return x;
}

const eg_command eg_cmd_ack = {
	"ack", "write TA1/997/999 (X12) or CONTRL (EDIFACT) acknowledgements",
	run, help};
