/*
 * cmd_ledger.c - `edigate ledger migrate --to postgresql://...`: copy
 * the spool's SQLite ledger into an empty PostgreSQL ledger and verify
 * the counts, so a single-node site can grow to several nodes
 * (ledger_copy.h, docs/nodes.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_copy.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate ledger migrate --to URL [--spool DIR] [--json]\n\n"
	      "Copy the spool's SQLite ledger (spool/ledger.db) into the\n"
	      "PostgreSQL ledger URL (postgresql://USER@HOST/DB), so that\n"
	      "several nodes can share it (docs/nodes.md).  The database must\n"
	      "exist and hold no file yet; its schema is made.  The spool's\n"
	      "run lock is held: stop `serve` and cron's `run` first.  Every\n"
	      "table is copied in one transaction, row ids kept, and counted\n"
	      "again in PostgreSQL: all of it or nothing.  The SQLite ledger\n"
	      "is left as it was; point the nodes at the new one with\n"
	      "`edigate --ledger URL` ($EDIGATE_LEDGER, HOME/ledger.url).\n"
	      "--json prints {\"to\", \"tables\": [{\"table\", \"rows\"}],\n"
	      "\"rows\"}.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

typedef struct out {
	eg_cli *cli;
	eg_buf *b;
	int json, n;
	int64_t rows;
} out;

static eg_err
on_table(void *ud, const char *table, int64_t from, int64_t to, eg_error *e)
{
	out *o = ud;

	(void)e;
	(void)from;
	o->rows += to;
	if (o->json) {
		(void)!eg_buf_adds(o->b, o->n++ ? ",{\"table\":" : "{\"table\":");
		(void)!eg_cli_json_str(o->b, table);
		(void)!eg_buf_addf(o->b, ",\"rows\":%lld}", (long long)to);
	} else {
		(void)!eg_buf_addf(o->b, "  %-18s %10lld row(s)\n", table,
				   (long long)to);
		o->n++;
	}
	return EG_OK;
}

static int
migrate(eg_cli *cli, int argc, char **argv)
{
	const char *to = NULL, *spool = NULL;
	eg_ledger *dst = NULL;
	eg_cli_spool s;
	eg_error e;
	eg_buf b;
	out o;
	int i, x, json = 0;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--to") && i + 1 < argc)
			to = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return eg_cli_usage(cli, "ledger", "unknown argument "
					    "'%s'", argv[i]);
	}
	if (!to || !eg_ledger_is_url(to))
		return eg_cli_usage(cli, "ledger", "migrate needs --to "
				    "postgresql://...");
	x = eg_cli_spool_open(cli, "ledger", spool, EG_SPOOL_LOCK, &s);
	if (x) {
		eg_cli_spool_close(&s);
		return x;
	}
	if (eg_ledger_kind(s.ledger) != EG_LEDGER_KIND_SQLITE) {
		eg_cli_spool_close(&s);
		return eg_cli_usage(cli, "ledger", "migrate copies the SQLite "
				    "ledger in the spool: leave --ledger and "
				    "$EDIGATE_LEDGER unset");
	}
	eg_error_clear(&e);
	eg_buf_init(&b, (size_t)1 << 20);
	memset(&o, 0, sizeof(o));
	o.cli = cli;
	o.b = &b;
	o.json = json;
	(void)!eg_buf_adds(&b, json ? "{\"to\":" : "");
	if (eg_ledger_open_at(&dst, s.spool, to, s.node, EG_LEDGER_CREATE,
			      &e)) {
		x = eg_cli_fail(cli, &e);
		goto done;
	}
	if (json) {
		(void)!eg_cli_json_str(&b, eg_ledger_path(dst));
		(void)!eg_buf_adds(&b, ",\"tables\":[");
	}
	if (eg_ledger_copy(s.ledger, dst, on_table, &o, &e)) {
		x = e.code == EG_EINVAL ? (eg_cli_usage(cli, "ledger", "%s",
							e.msg))
					: eg_cli_fail(cli, &e);
		goto done;
	}
	if (json)
		(void)!eg_buf_addf(&b, "],\"rows\":%lld}\n", (long long)o.rows);
	else
		(void)!eg_buf_addf(&b, "copied %d table(s), %lld row(s) from "
				       "%s into %s; counted again there: "
				       "the same\n",
				   o.n, (long long)o.rows,
				   eg_ledger_path(s.ledger),
				   eg_ledger_path(dst));
	x = eg_cli_write(cli, b.data, b.len);
done:
	eg_buf_free(&b);
	eg_ledger_close(dst);
	eg_cli_spool_close(&s);
	return x;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(argc < 2 ? cli->err : stdout);
		return argc < 2 ? EG_EXIT_USAGE : EG_EXIT_OK;
	}
	if (!strcmp(argv[1], "migrate"))
		return migrate(cli, argc, argv);
	return eg_cli_usage(cli, "ledger", "no subcommand '%s' (migrate)",
			    argv[1]);
}

const eg_command eg_cmd_ledger = {
	"ledger", "copy the SQLite ledger into PostgreSQL (several nodes)",
	run, help,
};
