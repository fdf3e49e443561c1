/*
 * cmd_info.c - `edigate info`: version, home, data directory and the
 * syntaxes this build knows, for an operator checking an installation.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/format.h"

#ifndef EG_VERSION
#define EG_VERSION "dev"
#endif
#ifndef EG_DATADIR
#define EG_DATADIR "/usr/local/share/edigate"
#endif

static void
help(FILE *f)
{
	fputs("Usage: edigate [--home DIR] info [--json]\n\n"
	      "Show the version, the home directory (partners/, spool/), where\n"
	      "the shipped edi/ and schemas/ are read from, and the syntaxes\n"
	      "this build detects and reads.\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static void
jstr(FILE *f, const char *s)
{
	eg_buf b;

	eg_buf_init(&b, 1 << 20);
	if (eg_buf_add_json(&b, s, strlen(s)) == EG_OK)
		fputs(eg_buf_cstr(&b), f);
	eg_buf_free(&b);
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const eg_format *const *fmts = eg_format_all();
	eg_home h;
	eg_error e;
	int json = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return EG_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else {
			return eg_cli_usage(cli, "info", "unknown argument '%s'",
					    argv[i]);
		}
	}
	eg_error_clear(&e);
	if (eg_home_resolve(&h, cli->opt_home, cli->env_home, EG_DATADIR, &e))
		return eg_cli_fail(cli, &e);
	if (json) {
		fputs("{\"version\":\"" EG_VERSION "\",\"home\":", cli->out);
		jstr(cli->out, h.home);
		fputs(",\"datadir\":", cli->out);
		if (h.datadir)
			jstr(cli->out, h.datadir);
		else
			fputs("null", cli->out);
		fputs(",\"formats\":[", cli->out);
		for (i = 0; fmts[i]; i++)
			fprintf(cli->out, "%s{\"name\":\"%s\",\"readable\":%s}",
				i ? "," : "", fmts[i]->name,
				fmts[i]->readable ? "true" : "false");
		fputs("]}\n", cli->out);
	} else {
		fprintf(cli->out, "edigate %s\nhome:    %s\ndata:    %s\n"
				  "formats:",
			EG_VERSION, h.home,
			h.datadir ? h.datadir : "(none found: run make install)");
		for (i = 0; fmts[i]; i++)
			fprintf(cli->out, " %s%s", fmts[i]->name,
				fmts[i]->readable ? "" : " (detected only)");
		fputc('\n', cli->out);
	}
	eg_home_free(&h);
	return EG_EXIT_OK;
}

const eg_command eg_cmd_info = {"info", "show version, home, data and formats",
				run, help};
