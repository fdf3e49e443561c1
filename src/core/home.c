/*
 * home.c - resolve the home and data directories.
 */
#include "edigate/home.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
has_data(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/edi", dir) >= (int)sizeof(p))
		return 0;
	return is_dir(p);
}

eg_err
eg_home_resolve(eg_home *h, const char *opt_home, const char *env_home,
		const char *builtin_datadir, eg_error *e)
{
	const char *want = opt_home && *opt_home	 ? opt_home
			   : env_home && *env_home ? env_home
						   : ".";

	h->home = h->datadir = NULL;
	if (!is_dir(want))
		return eg_fail(e, EG_ECONFIG,
			       "home directory %s does not exist or is not a "
			       "directory (set by %s)",
			       want,
			       opt_home && *opt_home ? "--home"
			       : env_home && *env_home ? "EDIGATE_HOME"
						       : "the current directory");
	h->home = realpath(want, NULL);
	if (!h->home)
		return eg_fail(e, EG_EIO, "cannot resolve %s: %s", want,
			       strerror(errno));
	if (has_data(h->home))
		h->datadir = strdup(h->home);
	else if (builtin_datadir && has_data(builtin_datadir))
		h->datadir = strdup(builtin_datadir);
	return EG_OK;
}

void
eg_home_free(eg_home *h)
{
	free(h->home);
	free(h->datadir);
	h->home = h->datadir = NULL;
}
