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
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_nodes.h"
#include "edigate/fsutil.h"
#include "edigate/pipeline.h"
#include "edigate/spool_guard.h"

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

static int
has_partners(const eg_home *h)
{
	char dir[PATH_MAX];
	struct stat sb;

	return (size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) <
		   sizeof(dir) &&
	       stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int
eg_cli_no_home(eg_cli *cli, const char *cmd, const eg_home *h)
{
	fprintf(cli->err,
		"%s %s: %s has no partners/ folder, so it is not an edigate "
		"home (cron and other schedulers start commands in another "
		"folder): set --home DIR or $EDIGATE_HOME to the gateway's "
		"home\n",
		cli->prog, cmd, h->home);
	return EG_EXIT_USAGE;
}

/* The ledger's URL: --ledger, else $EDIGATE_LEDGER, else the first
 * line of HOME/ledger.url (so the password need not be on a command
 * line), else "" (SQLite in the spool); and this node's name. */
static int
ledger_target(eg_cli *cli, const char *cmd, eg_cli_spool *s)
{
	const char *u = cli->opt_ledger ? cli->opt_ledger : cli->env_ledger;
	const char *n = cli->opt_node ? cli->opt_node : cli->env_node;
	char path[PATH_MAX];
	FILE *f;

	s->ledger_url[0] = '\0';
	if (u) {
		if ((size_t)snprintf(s->ledger_url, sizeof(s->ledger_url),
				     "%s", u) >= sizeof(s->ledger_url))
			return eg_cli_usage(cli, cmd, "ledger URL too long");
	} else if ((size_t)snprintf(path, sizeof(path), "%s/ledger.url",
				    s->home.home) < sizeof(path) &&
		   (f = fopen(path, "r")) != NULL) {
		if (!fgets(s->ledger_url, sizeof(s->ledger_url), f))
			s->ledger_url[0] = '\0';
		fclose(f);
		s->ledger_url[strcspn(s->ledger_url, "\r\n")] = '\0';
	}
	if (s->ledger_url[0] && !eg_ledger_is_url(s->ledger_url))
		return eg_cli_usage(cli, cmd, "the ledger '%s' is not a "
				    "postgresql:// URL", s->ledger_url);
	if (n && *n)
		snprintf(s->node, sizeof(s->node), "%s", n);
	else if (gethostname(s->node, sizeof(s->node)) != 0)
		snprintf(s->node, sizeof(s->node), "node");
	s->node[sizeof(s->node) - 1] = '\0';
	if (strspn(s->node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ0123456789._-") != strlen(s->node))
		return eg_cli_usage(cli, cmd, "node name '%s': letters, "
				    "digits, '.', '_' and '-' only", s->node);
	return EG_EXIT_OK;
}

/* Open the ledger the spool command names (ledger_target). */
static eg_err
open_ledger(eg_cli_spool *s, int mode, eg_error *e)
{
	return eg_ledger_open_at(&s->ledger, s->spool,
				 s->ledger_url[0] ? s->ledger_url : NULL,
				 s->ledger_url[0] ? s->node : NULL, mode, e);
}

/* The home, guides, spool path, clock and user: what every spool
 * command needs before it touches the spool. */
static int
spool_begin(eg_cli *cli, const char *cmd, const char *spool_opt,
	    eg_cli_spool *s)
{
	const eg_guide *none;
	const char *sp;
	int x;

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	x = eg_cli_open_guides(cli, cmd, &s->home, NULL, &s->guides, &none);
	if (x)
		return x;
	if (!s->home.datadir) {
		if (!has_partners(&s->home))
			return eg_cli_no_home(cli, cmd, &s->home);
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
	return ledger_target(cli, cmd, s);
}

/* The run lock: a held lock is its own exit code (EG_EXIT_LOCKED). */
static int
spool_lock(eg_cli *cli, eg_cli_spool *s, long wait)
{
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	/* on a shared ledger the nodes share the spool: one run at a time
	 * per node, the partners' leases keep them apart (docs/nodes.md) */
	rc = eg_pipeline_lock_node(s->spool,
				   s->ledger_url[0] ? s->node : NULL,
				   (int)wait, &s->lockfd, &e);
	if (!rc)
		return EG_EXIT_OK;
	(void)eg_cli_fail(cli, &e);
	return rc == EG_ELIMIT ? EG_EXIT_LOCKED : EG_EXIT_IO;
}

int
eg_cli_spool_open(eg_cli *cli, const char *cmd, const char *spool_opt,
		  int lock, eg_cli_spool *s)
{
	eg_spool_info si;
	eg_error e;
	int x;

	if ((x = spool_begin(cli, cmd, spool_opt, s)))
		return x;
	eg_error_clear(&e);
	if (eg_spool_inspect(s->spool, &si, &e))
		return eg_cli_fail(cli, &e);
	/* only `run` makes a spool: a command started in the wrong folder
	 * says so instead of leaving an empty spool behind */
	if (!si.ledger && !s->ledger_url[0]) {
		if (!has_partners(&s->home))
			return eg_cli_no_home(cli, cmd, &s->home);
		fprintf(cli->err, "%s %s: no ledger in %s yet: nothing has run "
				  "on this spool (`edigate run` starts it)\n",
			cli->prog, cmd, s->spool);
		return EG_EXIT_USAGE;
	}
	if (lock && (x = spool_lock(cli, s, lock == EG_SPOOL_WAIT ? -1 : 0)))
		return x;
	if (open_ledger(s, lock == EG_SPOOL_READ ? EG_LEDGER_READONLY
						 : EG_LEDGER_EXISTING,
			&e) ||
	    eg_maps_new(&s->maps, s->home.datadir, &e))
		return eg_cli_fail(cli, &e);
	return EG_EXIT_OK;
}

/* A spool with files named by ids but no ledger to say which numbers
 * are used: a person decides (21.2). */
static int
refuse_lost_ledger(eg_cli *cli, const eg_cli_spool *s,
		   const eg_spool_info *si)
{
	fprintf(cli->err,
		"%s run: the spool %s holds %lu file(s) from earlier runs "
		"(such as %s) but its ledger is %s, so it does not know which "
		"file ids and acknowledgement numbers are used; nothing was "
		"done.  Restore spool/ledger.db from a backup, or start a new "
		"ledger with `edigate run --new-ledger` (it continues after "
		"every number found on disk).\n",
		cli->prog, s->spool, si->on_disk, si->example,
		si->ledger ? "empty" : "missing");
	return EG_EXIT_SPOOL;
}

int
eg_cli_spool_open_run(eg_cli *cli, const char *spool_opt, long wait_secs,
		      int new_ledger, eg_cli_spool *s)
{
	eg_spool_info si;
	int64_t known = 0;
	eg_error e;
	int x;

	if ((x = spool_begin(cli, "run", spool_opt, s)))
		return x;
	if (!has_partners(&s->home))
		return eg_cli_no_home(cli, "run", &s->home);
	eg_error_clear(&e);
	if (eg_spool_inspect(s->spool, &si, &e) ||
	    (!si.exists && eg_mkdirs(s->spool, &e)))
		return eg_cli_fail(cli, &e);
	if ((x = spool_lock(cli, s, wait_secs)))
		return x;
	if (s->ledger_url[0]) {
		char host[256] = "";

		/* a shared ledger: the spool's files are other nodes'
		 * too, so what is on disk says nothing about it */
		if (new_ledger)
			return eg_cli_usage(cli, "run", "--new-ledger is for "
					    "the SQLite ledger in the spool");
		(void)gethostname(host, sizeof(host) - 1);
		if (open_ledger(s, EG_LEDGER_CREATE, &e) ||
		    eg_ledger_node_beat(s->ledger, host, (int64_t)getpid(),
					EG_VERSION, &e) ||
		    eg_maps_new(&s->maps, s->home.datadir, &e))
			return eg_cli_fail(cli, &e);
		return EG_EXIT_OK;
	}
	if (si.on_disk && !si.ledger && !new_ledger)
		return refuse_lost_ledger(cli, s, &si);
	if (eg_ledger_open(&s->ledger, s->spool, &e) ||
	    eg_ledger_file_count(s->ledger, &known, &e))
		return eg_cli_fail(cli, &e);
	if (!known && si.on_disk && !new_ledger)
		return refuse_lost_ledger(cli, s, &si);
	if (new_ledger && known)
		return eg_cli_usage(cli, "run", "--new-ledger: the ledger "
				    "already holds %lld file(s); it is only "
				    "for a spool whose ledger is lost",
				    (long long)known);
	if (new_ledger) {
		if (eg_spool_seed_ledger(s->ledger, s->spool, s->user, s->now,
					 &e))
			return eg_cli_fail(cli, &e);
		fprintf(cli->err, "%s run: started a new ledger in %s; file "
				  "ids continue after %llu (audited)\n",
			cli->prog, s->spool,
			(unsigned long long)si.max_file_seq);
	}
	if (eg_maps_new(&s->maps, s->home.datadir, &e))
		return eg_cli_fail(cli, &e);
	return EG_EXIT_OK;
}

int
eg_cli_spool_open_dry(eg_cli *cli, const char *spool_opt, eg_cli_spool *s,
		      char *real, size_t cap)
{
	char dry[PATH_MAX], copy[PATH_MAX + 16], stamp[32];
	eg_spool_info si;
	eg_ledger *l = NULL;
	struct tm tm;
	eg_error e;
	int x;

	if ((x = spool_begin(cli, "run", spool_opt, s)))
		return x;
	if (!has_partners(&s->home))
		return eg_cli_no_home(cli, "run", &s->home);
	if (s->ledger_url[0])
		return eg_cli_usage(cli, "run", "--dry-run works on a copy of "
				    "the SQLite ledger; a copy of a "
				    "PostgreSQL ledger is not supported yet");
	snprintf(real, cap, "%s", s->spool);
	gmtime_r(&s->now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	eg_error_clear(&e);
	if ((size_t)snprintf(dry, sizeof(dry), "%s/dry-run/%s-%ld", s->spool,
			     stamp, (long)getpid()) >= sizeof(dry) ||
	    (size_t)snprintf(copy, sizeof(copy), "%s/ledger.db", dry) >=
		sizeof(copy))
		return eg_cli_usage(cli, "run", "spool path too long");
	if (eg_spool_inspect(s->spool, &si, &e) || eg_mkdirs(dry, &e))
		return eg_cli_fail(cli, &e);
	/* the run works on a copy: the ledger itself is never written */
	if (si.ledger &&
	    (eg_ledger_open_mode(&l, s->spool, EG_LEDGER_READONLY, &e) ||
	     eg_ledger_snapshot(l, copy, &e))) {
		eg_ledger_close(l);
		return eg_cli_fail(cli, &e);
	}
	eg_ledger_close(l);
	snprintf(s->spool, sizeof(s->spool), "%s", dry);
	if ((x = spool_lock(cli, s, 0)))
		return x;
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
		return eg_cli_no_home(cli, cmd, h);
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
