/*
 * util.c - helpers shared by the edigate commands.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

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
