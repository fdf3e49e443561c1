/*
 * home.h - where edigate keeps its state and finds its shipped data.
 *
 * The home directory holds partners/ and spool/.  The shipped edi/ and
 * schemas/ are taken from the home when it has them (a checkout), else
 * from the install data directory (make install puts them in
 * PREFIX/share/edigate).
 */
#ifndef EDIGATE_HOME_H
#define EDIGATE_HOME_H

#include "edigate/err.h"

typedef struct eg_home {
	char *home;    /* absolute path, owned */
	char *datadir; /* directory holding edi/ and schemas/, owned; NULL
			* when none was found */
} eg_home;

/*
 * Resolve the home: opt_home (--home) wins over env_home (EDIGATE_HOME),
 * which wins over the current directory.  builtin_datadir is the install
 * location compiled in.  The home must exist and be a directory.
 */
eg_err eg_home_resolve(eg_home *h, const char *opt_home, const char *env_home,
		       const char *builtin_datadir, eg_error *e) EG_MUST_USE;
void eg_home_free(eg_home *h);

#endif
