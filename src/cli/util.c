/*
 * util.c - helpers shared by the edigate commands.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

#ifndef EG_DATADIR
#define EG_DATADIR "/usr/local/share/edigate"
#endif

int
eg_cli_exit_for(eg_err rc)
{
	switch (rc) {
	case EG_OK:
		return EG_EXIT_OK;
	case EG_ESYNTAX:
	case EG_ELIMIT:
	case EG_EENCODING:
	case EG_EUNSUPPORTED:
		return EG_EXIT_DOCUMENT;
	case EG_EINVAL:
	case EG_ECONFIG:
		return EG_EXIT_USAGE;
	default:
		return EG_EXIT_IO;
	}
}

int
eg_cli_fail(eg_cli *cli, const eg_error *e)
{
	char msg[EG_ERRMSG_MAX + 256];

	eg_error_format(e, msg, sizeof(msg));
	fprintf(cli->err, "%s: %s\n", cli->prog, msg);
	return eg_cli_exit_for(e->code);
}

int
eg_cli_usage(eg_cli *cli, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(cli->err, "%s %s: ", cli->prog, cmd);
	va_start(ap, fmt);
	vfprintf(cli->err, fmt, ap);
	va_end(ap);
	fprintf(cli->err, "\nTry '%s %s --help'.\n", cli->prog, cmd);
	return EG_EXIT_USAGE;
}

void
eg_cli_help_exit_codes(FILE *f)
{
	fputs("\nExit codes:\n"
	      "  0  ok (the document is valid)\n"
	      "  1  the document has errors (or cannot be read as X12)\n"
	      "  2  usage or configuration error\n"
	      "  3  I/O or environment failure\n",
	      f);
}

int
eg_cli_write(eg_cli *cli, const char *p, size_t n)
{
	if (n && fwrite(p, 1, n, cli->out) != n)
		return EG_EXIT_IO;
	return EG_EXIT_OK;
}

int
eg_cli_open_guides(eg_cli *cli, const char *cmd, eg_home *h,
		   const char *guide_file, eg_guides **guides,
		   const eg_guide **override)
{
	eg_error e;

	eg_error_clear(&e);
	*guides = NULL;
	*override = NULL;
	if (eg_home_resolve(h, cli->opt_home, cli->env_home, EG_DATADIR, &e))
		return eg_cli_fail(cli, &e);
	if (!h->datadir) {
		if (guide_file) {
			fprintf(cli->err,
				"%s %s: --guide needs the shipped edi/ and "
				"schemas/ (none in the home or install "
				"directory)\n",
				cli->prog, cmd);
			return EG_EXIT_USAGE;
		}
		fprintf(cli->err,
			"%s %s: no edi/ in the home or the install directory: "
			"envelope and syntax checks only\n",
			cli->prog, cmd);
		return EG_EXIT_OK;
	}
	if (eg_guides_new(guides, h->datadir, &e) ||
	    (guide_file && eg_guides_load(*guides, guide_file, override, &e)))
		return eg_cli_fail(cli, &e);
	return EG_EXIT_OK;
}
