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
on_finding(void *ud, const eg_finding *f)
{
	tctx *t = ud;
	static const char *const lvl[] = {"file", "interchange", "group",
					  "transaction", "segment", "element"};

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

static void
on_unit(void *ud, const eg_unit_result *u)
{
	tctx *t = ud;

	t->ack_ev->unit_end(t->ack_ev->ud, u);
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

int
eg_cli_partner_test(eg_cli *cli, int argc, char **argv, const eg_home *h,
		    eg_guides *guides)
{
	const char *id = NULL, *expect = NULL;
	int i, update = 0, x = EG_EXIT_OK, nfiles = 0, diffs = 0, bad = 0;
	eg_cli_partner pc;
	eg_error e;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = argv[++i];
		else if (!strcmp(argv[i], "--update"))
			update = 1;
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[i]);
		else if (!id)
			id = argv[i];
		else
			nfiles++;
	}
	if (!id || nfiles == 0)
		return eg_cli_usage(cli, "partner", "test needs an ID and FILEs");
	if (update && !expect)
		return eg_cli_usage(cli, "partner", "--update needs --expect DIR");
	x = eg_cli_partner_open(cli, "partner", h, guides, id, &pc);
	if (x != EG_EXIT_OK)
		return x;
	eg_error_clear(&e);
	if (update && eg_mkdirs(expect, &e)) {
		eg_cli_partner_close(&pc);
		return eg_cli_fail(cli, &e);
	}
	for (i = 0; i < argc && x == EG_EXIT_OK; i++) {
		const char *f = argv[i], *base;
		eg_x12_check_opts co;
		eg_x12_check_result res;
		eg_ack_opts ao;
		eg_ack *ack = NULL;
		eg_source *src = NULL;
		eg_envelope_events ev = {on_finding, on_unit, NULL};
		tctx t;
		char name[PATH_MAX];

		if (f[0] == '-') {
			i += !strcmp(f, "--expect");
			continue;
		}
		if (f == id)
			continue;
		memset(&t, 0, sizeof(t));
		memset(&co, 0, sizeof(co));
		memset(&ao, 0, sizeof(ao));
		eg_buf_init(&t.findings, (size_t)1 << 26);
		eg_buf_init(&t.acks, (size_t)1 << 26);
		ao.next_control = next_control;
		ao.emit = emit;
		ao.ud = &t;
		ao.now = 946684800; /* 2000-01-01 00:00 UTC: a placeholder */
		co.limits = eg_x12_limits_default();
		co.guides = guides;
		co.expect = &pc.expect;
		co.overrides = pc.guides;
		co.noverrides = pc.nguides;
		ev.ud = &t;
		if (eg_ack_new(&ack, &ao, &e) ||
		    eg_source_open_file(&src, f, &e) ||
		    (t.ack_ev = eg_ack_events(ack),
		     eg_x12_check(src, &co, &ev, &res, &e)) ||
		    eg_ack_error(ack, &e)) {
			x = eg_cli_fail(cli, &e);
		} else if (t.oom) {
			x = EG_EXIT_IO;
		} else {
			bad += res.totals.errors > 0;
			fprintf(cli->out,
				"%s: %u finding(s), %lu set(s) against guides, "
				"%lu without\n%s",
				f, res.totals.errors + res.totals.warnings,
				res.guided, res.unguided,
				eg_buf_cstr(&t.findings));
			fprintf(cli->out, "  acknowledgements that would be "
					  "sent:\n%s",
				eg_buf_cstr(&t.acks));
			base = strrchr(f, '/');
			base = base ? base + 1 : f;
			if (expect && update) {
				snprintf(name, sizeof(name), "%s.findings", base);
				if (eg_file_publish(expect, name, t.findings.data,
						    t.findings.len, &e))
					x = eg_cli_fail(cli, &e);
				snprintf(name, sizeof(name), "%s.acks", base);
				if (!x && eg_file_publish(expect, name,
							  t.acks.data,
							  t.acks.len, &e))
					x = eg_cli_fail(cli, &e);
			} else if (expect) {
				snprintf(name, sizeof(name), "%s/%s.findings",
					 expect, base);
				diffs += compare(cli, name, &t.findings);
				snprintf(name, sizeof(name), "%s/%s.acks", expect,
					 base);
				diffs += compare(cli, name, &t.acks);
			}
		}
		eg_source_free(src);
		eg_ack_free(ack);
		eg_buf_free(&t.findings);
		eg_buf_free(&t.acks);
	}
	eg_cli_partner_close(&pc);
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
