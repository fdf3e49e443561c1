/*
 * cmd_partner_test.c - `edigate partner test ID FILE... [--expect DIR]`:
 * the onboarding dry run.  Each file goes through the checks a live run
 * does for this partner (identity, documents, guides) and the
 * acknowledgements that would be sent are built -- nothing is written to
 * the spool or the partner.  Dates and control numbers are fixed
 * placeholders so the output is the same every time: with --expect it is
 * compared with golden files, which --update writes.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "edigate/ack.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/profile.h"
#include "edigate/map.h"
#include "edigate/rules.h"
#include "edigate/transport.h"
#include "edigate/x12_check.h"

typedef struct tctx {
	const eg_envelope_events *ack_ev;
	eg_buf findings; /* one line per finding */
	eg_buf acks;     /* the acknowledgements, concatenated */
	uint64_t next;
	eg_err oom;
} tctx;

static void
keep(tctx *t, eg_err rc)
{
	if (rc && !t->oom)
		t->oom = rc;
}

static void
on_finding(void *ud, const eg_finding *f, int from_map)
{
	tctx *t = ud;
	static const char *const lvl[] = {"file", "interchange", "group",
					  "transaction", "segment", "element"};

	/* acknowledgements answer the syntax and the guide; mapping and
	 * business rules reject the set in the gateway, not in the 997 */
	if (!from_map)
		t->ack_ev->finding(t->ack_ev->ud, f);
	if (f->severity == EG_FIND_NOTE)
		return;
	/* Stable text: what, where, which code -- no byte offsets, which
	 * change with whitespace the partner does not care about. */
	keep(t, eg_buf_addf(&t->findings, "%s %s %s %s#%u", lvl[f->level],
			    f->rule, f->code ? f->code : "-", f->pos.seg_id,
			    (unsigned)f->pos.txn_pos));
	if (f->pos.element)
		keep(t, eg_buf_addf(&t->findings, " e%u", (unsigned)f->pos.element));
	keep(t, eg_buf_addf(&t->findings, " set %s %s: %s\n", f->ctl.st01,
			    f->ctl.st02, f->msg));
}

static eg_err
next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	(void)kind;
	(void)e;
	*out = ++((tctx *)ud)->next;
	return EG_OK;
}

static eg_err
emit(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	tctx *t = ud;

	(void)name;
	(void)e;
	return eg_buf_add(&t->acks, data, len);
}

/* Compare got with the golden file; report the first difference. */
static int
compare(eg_cli *cli, const char *golden, const eg_buf *got)
{
	char *want = NULL;
	size_t wlen = 0, i, line = 1;
	eg_error e;
	const char *g = eg_buf_cstr(got);

	eg_error_clear(&e);
	if (eg_file_read_small(golden, (size_t)1 << 26, &want, &wlen, &e)) {
		fprintf(cli->out, "  DIFF %s: %s\n", golden, e.msg);
		return 1;
	}
	for (i = 0; i < wlen && i < got->len && want[i] == g[i]; i++)
		if (want[i] == '\n')
			line++;
	if (i == wlen && i == got->len) {
		free(want);
		return 0;
	}
	fprintf(cli->out, "  DIFF %s: first difference at line %zu\n",
		golden, line);
	{
		size_t ws = i, gs = i, we, ge;

		while (ws > 0 && want[ws - 1] != '\n')
			ws--;
		while (gs > 0 && g[gs - 1] != '\n')
			gs--;
		for (we = i; we < wlen && want[we] != '\n'; we++)
			;
		for (ge = i; ge < got->len && g[ge] != '\n'; ge++)
			;
		fprintf(cli->out, "    expected: %.*s\n    got:      %.*s\n",
			(int)(we - ws), want + ws, (int)(ge - gs), g + gs);
	}
	free(want);
	return 1;
}

/* Write or compare one golden file. */
static int
golden(eg_cli *cli, const char *dir, const char *base, const char *ext,
       const eg_buf *got, int update, int *x)
{
	char name[PATH_MAX];
	eg_error e;

	eg_error_clear(&e);
	if (update) {
		snprintf(name, sizeof(name), "%s.%s", base, ext);
		if (eg_file_publish(dir, name, got->data ? got->data : "",
				    got->len, &e))
			*x = eg_cli_fail(cli, &e);
		return 0;
	}
	snprintf(name, sizeof(name), "%s/%s.%s", dir, base, ext);
	return compare(cli, name, got);
}

/* --from-inbox: the inbox as run would see it, fetched for reading only. */
typedef struct inbox_run {
	eg_cli_inbox ib;
	char tmpdir[PATH_MAX]; /* SFTP copies, removed at the end */
	char **paths;          /* one per file to take */
	size_t n;
} inbox_run;

static eg_err
to_file(void *ud, const void *p, size_t n, eg_error *e)
{
	if (n && fwrite(p, 1, n, (FILE *)ud) != n)
		return eg_fail(e, EG_EIO, "cannot write a temporary copy");
	return EG_OK;
}

/* Copy one listed SFTP file into ir->tmpdir; its path, or NULL. */
static char *
fetch_copy(eg_transport *t, inbox_run *ir, const eg_tfile *f, eg_error *e)
{
	char path[PATH_MAX];
	FILE *fp;
	eg_err rc;

	if (!ir->tmpdir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(ir->tmpdir, sizeof(ir->tmpdir), "%s/edigate-test-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(ir->tmpdir)) {
			ir->tmpdir[0] = '\0';
			(void)eg_fail(e, EG_EIO, "cannot make a temporary folder");
			return NULL;
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ir->tmpdir, f->name) >=
		sizeof(path) ||
	    !(fp = fopen(path, "wb"))) {
		(void)eg_fail(e, EG_EIO, "cannot write a temporary copy of %s",
			      f->name);
		return NULL;
	}
	rc = t->ops->fetch(t, f, to_file, fp, e);
	if (fclose(fp) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "cannot write a temporary copy");
	return rc ? NULL : strdup(path);
}

static void
inbox_run_free(inbox_run *ir)
{
	size_t i;

	for (i = 0; i < ir->n; i++) {
		if (ir->tmpdir[0] && ir->paths[i])
			(void)remove(ir->paths[i]);
		free(ir->paths[i]);
	}
	if (ir->tmpdir[0])
		(void)remove(ir->tmpdir);
	free(ir->paths);
	eg_cli_inbox_free(&ir->ib);
}

/* List (and for SFTP fetch) the inbox; prints what it holds; an exit
 * code. */
static int
inbox_collect(eg_cli *cli, const eg_home *h, const eg_profile *p,
	      inbox_run *ir)
{
	eg_transport *t = NULL;
	eg_buf b;
	eg_error e;
	size_t i;
	int x = EG_EXIT_OK;

	memset(ir, 0, sizeof(*ir));
	eg_error_clear(&e);
	if (eg_transport_open(&t, p, h->home, time(NULL), &e) ||
	    t->ops->list(t, &ir->ib.l, &e)) {
		if (t)
			t->ops->close(t);
		fprintf(cli->err, "%s partner: cannot list the inbox of %s: %s\n",
			cli->prog, p->id, e.msg);
		return EG_EXIT_IO;
	}
	ir->ib.listed = 1;
	eg_buf_init(&b, (size_t)1 << 22);
	if (eg_cli_inbox_text(&b, &ir->ib, 1, "") == EG_OK)
		(void)eg_cli_write(cli, b.data ? b.data : "", b.len);
	eg_buf_free(&b);
	ir->paths = calloc(ir->ib.l.n + 1, sizeof(*ir->paths));
	if (!ir->paths)
		x = EG_EXIT_IO;
	for (i = 0; !x && i < ir->ib.l.n; i++) {
		const eg_tfile *f = &ir->ib.l.v[i];

		ir->paths[i] = p->sftp ? fetch_copy(t, ir, f, &e) : strdup(f->path);
		if (!ir->paths[i]) {
			fprintf(cli->err, "%s partner: %s: %s\n", cli->prog,
				f->name, e.code ? e.msg : "out of memory");
			x = EG_EXIT_IO;
		}
		ir->n = i + 1;
	}
	t->ops->close(t);
	return x;
}

int
eg_cli_partner_test(eg_cli *cli, int argc, char **argv, const eg_home *h,
		    eg_guides *guides)
{
	const char *id = NULL, *expect = NULL;
	const char **files = NULL;
	int i, update = 0, x = EG_EXIT_OK, nfiles = 0, diffs = 0, bad = 0;
	int from_inbox = 0;
	size_t k, nacks = 0;
	inbox_run ir;
	eg_cli_partner pc;
	eg_maps *maps = NULL;
	eg_memstore *mem = NULL;
	time_t now = time(NULL);
	eg_error e;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = argv[++i];
		else if (!strcmp(argv[i], "--update"))
			update = 1;
		else if (!strcmp(argv[i], "--from-inbox"))
			from_inbox = 1;
		else if (!strcmp(argv[i], "--seen") && i + 1 < argc)
			i++;
		else if (!strcmp(argv[i], "--today") && i + 1 < argc) {
			if (eg_cli_parse_day(argv[++i], &now))
				return eg_cli_usage(cli, "partner",
						    "--today needs CCYY-MM-DD");
		} else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[i]);
		else if (!id)
			id = argv[i];
		else
			nfiles++;
	}
	if (!id || (nfiles == 0 && !from_inbox))
		return eg_cli_usage(cli, "partner",
				    "test needs an ID and FILEs (or "
				    "--from-inbox)");
	if (update && !expect)
		return eg_cli_usage(cli, "partner", "--update needs --expect DIR");
	if ((x = eg_cli_partner_known(cli, "partner", h, id)) != EG_EXIT_OK)
		return x;
	x = eg_cli_partner_open(cli, "partner", h, guides, id, &pc);
	if (x != EG_EXIT_OK)
		return x;
	memset(&ir, 0, sizeof(ir));
	if (from_inbox && (x = inbox_collect(cli, h, pc.profile, &ir))) {
		inbox_run_free(&ir);
		eg_cli_partner_close(&pc);
		return x;
	}
	/* the files to try: those named, then what the inbox holds */
	files = calloc((size_t)argc + ir.n + 1, sizeof(*files));
	if (!files) {
		inbox_run_free(&ir);
		eg_cli_partner_close(&pc);
		return EG_EXIT_IO;
	}
	nfiles = 0;
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			i += !strcmp(argv[i], "--expect") ||
			     !strcmp(argv[i], "--seen") ||
			     !strcmp(argv[i], "--today");
			continue;
		}
		if (argv[i] != id)
			files[nfiles++] = argv[i];
	}
	for (k = 0; k < ir.n; k++)
		files[nfiles++] = ir.paths[k];
	eg_error_clear(&e);
	if ((update && eg_mkdirs(expect, &e)) ||
	    eg_maps_new(&maps, h->datadir, &e) || eg_memstore_new(&mem)) {
		eg_cli_partner_close(&pc);
		eg_maps_free(maps);
		inbox_run_free(&ir);
		free(files);
		return e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	}
	/* earlier documents first (the 940s a 945 answers): remembered for
	 * the rules, shown nowhere */
	for (i = 0; i < argc && x == EG_EXIT_OK; i++) {
		eg_cli_mapfile mf;

		if (strcmp(argv[i], "--seen") || i + 1 >= argc)
			continue;
		eg_cli_mapfile_init(&mf, argv[++i], guides, &pc, maps, mem, now,
				    1, 1);
		if (eg_cli_map_file(&mf, &e))
			x = eg_cli_fail(cli, &e);
		else
			fprintf(cli->out, "%s: seen: %lu record(s) remembered "
					  "for the rules\n",
				mf.path, mf.nrecords);
		eg_buf_free(&mf.records);
	}
	for (i = 0; i < nfiles && x == EG_EXIT_OK; i++) {
		const char *f = files[i], *base;
		eg_ack_opts ao;
		const eg_ack_writer *aw;
		void *ack = NULL;
		eg_cli_mapfile mf;
		tctx t;

		memset(&t, 0, sizeof(t));
		memset(&ao, 0, sizeof(ao));
		eg_cli_mapfile_init(&mf, f, guides, &pc, maps, mem, now, 0,
				    (size_t)1 << 28);
		eg_buf_init(&t.findings, (size_t)1 << 26);
		eg_buf_init(&t.acks, (size_t)1 << 26);
		/* the acknowledgement writer of the file's syntax */
		aw = mf.syn->ack;
		ao.next_control = next_control;
		ao.emit = emit;
		ao.ud = &t;
		ao.now = 946684800; /* 2000-01-01 00:00 UTC: a placeholder */
		aw->opts_profile(&ao, pc.profile);
		mf.jsonl = 1;
		mf.finding = on_finding;
		mf.finding_ud = &t;
		if (aw->open(&ack, &ao, &e) ||
		    (t.ack_ev = aw->events(ack), mf.pass = t.ack_ev,
		     eg_cli_map_file(&mf, &e)) ||
		    aw->error(ack, &e)) {
			x = eg_cli_fail(cli, &e);
		} else if (t.oom) {
			x = EG_EXIT_IO;
		} else {
			bad += mf.errors > 0;
			nacks += t.acks.len > 0;
			fprintf(cli->out,
				"%s: %u finding(s), %lu set(s) against guides, "
				"%lu without; %lu canonical record(s)\n%s",
				f, mf.res.totals.errors + mf.res.totals.warnings +
					   mf.map_errors,
				mf.res.guided, mf.res.unguided, mf.nrecords,
				eg_buf_cstr(&t.findings));
			fprintf(cli->out, "  canonical records (JSON Lines):\n%s",
				eg_buf_cstr(&mf.records));
			fprintf(cli->out, "  acknowledgements that would be "
					  "sent:\n%s",
				eg_buf_cstr(&t.acks));
			base = strrchr(f, '/');
			base = base ? base + 1 : f;
			if (expect) {
				diffs += golden(cli, expect, base, "findings",
						&t.findings, update, &x);
				diffs += golden(cli, expect, base, "records.jsonl",
						&mf.records, update, &x);
				diffs += golden(cli, expect, base, "acks", &t.acks,
						update, &x);
			}
		}
		if (ack)
			aw->close(ack);
		eg_buf_free(&t.findings);
		eg_buf_free(&t.acks);
		eg_buf_free(&mf.records);
	}
	if (from_inbox && x == EG_EXIT_OK)
		fprintf(cli->out,
			"from the inbox: %zu file(s) would be taken; of the "
			"%d tried, %d accepted, %d rejected (wholly or in "
			"part), %zu with acknowledgements; %zu waiting to be "
			"complete, %zu ignored.  Nothing was written: no "
			"spool, no ledger, no outbox, the inbox as it was.\n",
			ir.n, nfiles, nfiles - bad, bad, nacks,
			ir.ib.l.waiting + ir.ib.l.writing, ir.ib.l.ignored);
	eg_memstore_free(mem);
	eg_maps_free(maps);
	eg_cli_partner_close(&pc);
	inbox_run_free(&ir);
	free(files);
	if (x != EG_EXIT_OK)
		return x;
	if (expect && !update)
		fprintf(cli->out, "%s: %d difference(s) from %s\n",
			diffs ? "DIFFERENT" : "SAME", diffs, expect);
	if (expect && update)
		fprintf(cli->out, "wrote the golden files into %s\n", expect);
	/* With golden files the comparison decides; without, the findings. */
	if (expect)
		return diffs ? EG_EXIT_DOCUMENT : EG_EXIT_OK;
	return bad ? EG_EXIT_DOCUMENT : EG_EXIT_OK;
}
