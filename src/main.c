/*
 * main.c - the edigate command line: global options and dispatch.
 *
 * Usage: edigate [--home DIR] COMMAND [ARGS...]
 * Every command has --help; exit codes are the same for all (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef EG_VERSION
#define EG_VERSION "dev"
#endif

static const eg_command *const commands[] = {
	&eg_cmd_parse,
	&eg_cmd_validate,
	&eg_cmd_ack,
	&eg_cmd_acks,
	&eg_cmd_guide,
	&eg_cmd_partner,
	&eg_cmd_map,
	&eg_cmd_csv,
	&eg_cmd_xml,
	&eg_cmd_layout,
	&eg_cmd_delta,
	&eg_cmd_run,
	&eg_cmd_serve,
	&eg_cmd_status,
	&eg_cmd_alerts,
	&eg_cmd_report,
	&eg_cmd_files,
	&eg_cmd_show,
	&eg_cmd_quarantine,
	&eg_cmd_reprocess,
	&eg_cmd_send,
	&eg_cmd_review,
	&eg_cmd_shadow,
	&eg_cmd_sent,
	&eg_cmd_redeliver,
	&eg_cmd_resend,
	&eg_cmd_info,
	NULL,
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("Usage: edigate [--home DIR] COMMAND [ARGS...]\n"
	      "       edigate --version | --help | help COMMAND\n\n"
	      "edigate is an EDI / file gateway: it reads partner X12 files,\n"
	      "validates them against implementation guides, reports\n"
	      "precisely what is wrong and writes the acknowledgements.\n\n"
	      "Commands:\n",
	      f);
	for (i = 0; commands[i]; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("\nOptions:\n"
	      "  --home DIR   home directory holding partners/ and spool/\n"
	      "               (default: $EDIGATE_HOME, else the current "
	      "directory)\n"
	      "  --version    print the version and exit\n"
	      "  --help       print this help and exit\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static const eg_command *
find(const char *name)
{
	size_t i;

	for (i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	eg_cli cli;
	const eg_command *cmd;
	int i = 1;

	memset(&cli, 0, sizeof(cli));
	cli.prog = "edigate";
	cli.out = stdout;
	cli.err = stderr;
	cli.env_home = getenv("EDIGATE_HOME");
	cli.env_spool = getenv("EDIGATE_SPOOL");
	cli.env_user = getenv("EDIGATE_USER");
	cli.env_now = getenv("EDIGATE_NOW");
	cli.env_crash = getenv("EDIGATE_CRASH_AT");
	cli.stdout_tty = isatty(STDOUT_FILENO);
	cli.stderr_tty = isatty(STDERR_FILENO);

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EG_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("edigate %s\n", EG_VERSION);
			return EG_EXIT_OK;
		} else if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
			cli.opt_home = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			cli.opt_home = argv[i] + 7;
			i++;
		} else {
			fprintf(stderr, "edigate: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EG_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EG_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return EG_EXIT_OK;
		}
		cmd = find(argv[i + 1]);
		if (!cmd) {
			fprintf(stderr, "edigate: no command '%s'\n", argv[i + 1]);
			return EG_EXIT_USAGE;
		}
		cmd->help(stdout);
		return EG_EXIT_OK;
	}
	cmd = find(argv[i]);
	if (!cmd) {
		fprintf(stderr, "edigate: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EG_EXIT_USAGE;
	}
	if (fflush(stdout) != 0)
		return EG_EXIT_IO;
	i = cmd->run(&cli, argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "edigate: cannot write output\n");
		return EG_EXIT_IO;
	}
	return i;
}
