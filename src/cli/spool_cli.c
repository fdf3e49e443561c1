/*
 * spool_cli.c - what the spool commands (run, status, files, show,
 * quarantine, reprocess, sent) share: opening the spool, the clock, the
 * user, the partner list, times and JSON strings.
 */
#include <dirent.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/pipeline.h"

#ifndef EG_DATADIR
#define EG_DATADIR "/usr/local/share/edigate"
#endif

int
eg_cli_parse_time(const char *s, time_t *out)
{
	char *end;
	long long v;

	if (eg_cli_parse_day(s, out) == 0) {
		*out -= 12 * 3600; /* the day's start, not its noon */
		return 0;
	}
	v = strtoll(s, &end, 10);
	if (!*s || *end || v < 0)
		return -1;
	*out = (time_t)v;
	return 0;
}

void
eg_cli_fmt_time(long long t, char *dst, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(dst, cap, "-");
		return;
	}
	strftime(dst, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

eg_err
eg_cli_json_str(eg_buf *b, const char *s)
{
	/* eg_buf_add_json writes the quotes */
	return eg_buf_add_json(b, s ? s : "", s ? strlen(s) : 0);
}

static void
current_user(const eg_cli *cli, char *dst, size_t cap)
{
	struct passwd *pw;

	if (cli->env_user && cli->env_user[0]) {
		snprintf(dst, cap, "%s", cli->env_user);
		return;
	}
	pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		snprintf(dst, cap, "%s", pw->pw_name);
	else
		snprintf(dst, cap, "uid %u", (unsigned)getuid());
}

int
eg_cli_spool_open(eg_cli *cli, const char *cmd, const char *spool_opt,
		  int lock, eg_cli_spool *s)
{
	const eg_guide *none;
	const char *sp;
	eg_error e;
	int x;

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	eg_error_clear(&e);
	x = eg_cli_open_guides(cli, cmd, &s->home, NULL, &s->guides, &none);
	if (x)
		return x;
	if (!s->home.datadir) {
		fprintf(cli->err, "%s %s: needs the shipped edi/ and schemas/\n",
			cli->prog, cmd);
		return EG_EXIT_USAGE;
	}
	sp = spool_opt ? spool_opt : cli->env_spool;
	if ((size_t)(sp ? snprintf(s->spool, sizeof(s->spool), "%s", sp)
			: snprintf(s->spool, sizeof(s->spool), "%s/spool",
				   s->home.home)) >= sizeof(s->spool))
		return eg_cli_usage(cli, cmd, "spool path too long");
	s->now = time(NULL);
	if (cli->env_now && eg_cli_parse_time(cli->env_now, &s->now)) {
		fprintf(cli->err, "%s %s: EDIGATE_NOW '%s' is neither "
				  "CCYY-MM-DD nor seconds\n",
			cli->prog, cmd, cli->env_now);
		return EG_EXIT_USAGE;
	}
	current_user(cli, s->user, sizeof(s->user));
	/* a held lock is the environment, not the document: exit 3 */
	if (lock && eg_pipeline_lock(s->spool, lock == EG_SPOOL_WAIT,
				     &s->lockfd, &e)) {
		(void)eg_cli_fail(cli, &e);
		return EG_EXIT_IO;
	}
	if (eg_ledger_open(&s->ledger, s->spool, &e) ||
	    eg_maps_new(&s->maps, s->home.datadir, &e))
		return eg_cli_fail(cli, &e);
	return EG_EXIT_OK;
}

void
eg_cli_spool_close(eg_cli_spool *s)
{
	eg_ledger_close(s->ledger);
	eg_maps_free(s->maps);
	eg_guides_free(s->guides);
	eg_pipeline_unlock(s->lockfd);
	eg_home_free(&s->home);
	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
eg_cli_partner_ids(eg_cli *cli, const char *cmd, const eg_home *h,
		   char ***ids, size_t *n)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) >=
	    sizeof(dir))
		return eg_cli_usage(cli, cmd, "home path too long");
	if (!(d = opendir(dir))) {
		fprintf(cli->err, "%s %s: no partners/ in %s\n", cli->prog, cmd,
			h->home);
		return EG_EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **nv = realloc(v, c * sizeof(*nv));

			if (!nv)
				break;
			v = nv;
			cap = c;
		}
		if ((v[*n] = strdup(de->d_name)) != NULL) {
			v[*n][len - 4] = '\0';
			(*n)++;
		}
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*ids = v;
	return EG_EXIT_OK;
}

void
eg_cli_free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
