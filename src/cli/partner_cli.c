/*
 * partner_cli.c - what the commands that name partners share: is an id
 * well formed, is there such a partner (and if not, which there are),
 * and every profile of the home loaded at once, for the checks between
 * partners (one ISA sender, one inbox, one outbox each).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/profile.h"
#include "edigate/xml.h"

int
eg_cli_partner_id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 63 ||
	    !(islower((unsigned char)id[0]) || isdigit((unsigned char)id[0])))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)id[i]) ||
		      isdigit((unsigned char)id[i]) || id[i] == '-' ||
		      id[i] == '_'))
			return 0;
	return 1;
}

int
eg_cli_partner_known(eg_cli *cli, const char *cmd, const eg_home *h,
		     const char *id)
{
	char path[PATH_MAX];
	char **ids = NULL;
	size_t n = 0, i;
	struct stat st;
	eg_buf b;
	int x;

	if (!eg_cli_partner_id_ok(id))
		return eg_cli_usage(cli, cmd,
				    "'%s' is not a partner id: ids are "
				    "lower-case letters, digits, - and _, the "
				    "name of a file in partners/",
				    id);
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml", h->home,
			     id) >= sizeof(path))
		return eg_cli_usage(cli, cmd, "home path too long");
	if (stat(path, &st) == 0)
		return EG_EXIT_OK;
	x = eg_cli_partner_ids(cli, cmd, h, &ids, &n);
	if (x)
		return x;
	eg_buf_init(&b, 1 << 16);
	for (i = 0; i < n; i++)
		if (eg_buf_addf(&b, "%s%s", i ? ", " : "", ids[i]))
			break;
	x = eg_cli_usage(cli, cmd,
			 "no partner '%s' (no %s); the partners are: %s "
			 "(`edigate partner new %s --from SAMPLE` drafts a new "
			 "one)",
			 id, path, n ? eg_buf_cstr(&b) : "none yet", id);
	eg_buf_free(&b);
	eg_cli_free_ids(ids, n);
	return x;
}

/* A partner guide or map kept next to the profiles: well-formed XML
 * whose root is not <partner>. */
static int
not_a_profile(const char *path)
{
	eg_xml *x = NULL;
	eg_error e;
	int other;

	eg_error_clear(&e);
	if (eg_xml_load(&x, path, NULL, &e))
		return 0;
	other = strcmp(eg_xml_name(eg_xml_root(x)), "partner") != 0;
	eg_xml_free(x);
	return other;
}

int
eg_cli_profiles_load(eg_cli *cli, const char *cmd, const eg_home *h,
		     eg_cli_profiles *all)
{
	size_t i;
	int x;

	memset(all, 0, sizeof(*all));
	x = eg_cli_partner_ids(cli, cmd, h, &all->ids, &all->n);
	if (x)
		return x;
	all->ps = calloc(all->n + 1, sizeof(*all->ps));
	all->errs = calloc(all->n + 1, sizeof(*all->errs));
	all->other = calloc(all->n + 1, sizeof(*all->other));
	if (!all->ps || !all->errs || !all->other)
		return EG_EXIT_IO;
	for (i = 0; i < all->n; i++) {
		char path[PATH_MAX];
		eg_error e;

		eg_error_clear(&e);
		if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml",
				     h->home, all->ids[i]) >= sizeof(path))
			continue;
		if (eg_profile_load(&all->ps[i], path, h->datadir, &e) &&
		    !(all->other[i] = not_a_profile(path)))
			all->errs[i] = strdup(e.msg);
	}
	return EG_EXIT_OK;
}

void
eg_cli_profiles_free(eg_cli_profiles *all)
{
	size_t i;

	for (i = 0; i < all->n; i++) {
		if (all->ps)
			eg_profile_free(all->ps[i]);
		if (all->errs)
			free(all->errs[i]);
	}
	free(all->ps);
	free(all->errs);
	free(all->other);
	eg_cli_free_ids(all->ids, all->n);
	memset(all, 0, sizeof(*all));
}

size_t
eg_cli_profiles_find(const eg_cli_profiles *all, const char *id)
{
	size_t i;

	for (i = 0; i < all->n; i++)
		if (!strcmp(all->ids[i], id))
			return i;
	return (size_t)-1;
}

unsigned
eg_cli_profiles_conflicts(const eg_cli_profiles *all, size_t i,
			  const char *home, eg_pcheck_fn fn, void *ud)
{
	eg_profile **loaded;
	size_t j, n = 0, me = 0;
	unsigned c;

	if (i >= all->n || !all->ps[i])
		return 0;
	loaded = calloc(all->n + 1, sizeof(*loaded));
	if (!loaded)
		return 0;
	for (j = 0; j < all->n; j++) {
		if (!all->ps[j])
			continue;
		if (j == i)
			me = n;
		loaded[n++] = all->ps[j];
	}
	c = eg_profile_conflicts(loaded, n, me, home, fn, ud);
	free(loaded);
	return c;
}
