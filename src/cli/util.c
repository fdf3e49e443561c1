/*
 * util.c - helpers shared by the edigate commands.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/profile.h"

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

/* Which profile in partners/ claims this ISA sender?  (For the message
 * when a file comes from another partner.) */
static const char *
owner_of(void *ud, const char *q, const char *id)
{
	eg_cli_partner *p = ud;
	DIR *d = opendir(p->owners_dir);
	struct dirent *de;
	const char *res = NULL;

	if (!d)
		return NULL;
	while (!res && (de = readdir(d))) {
		char path[PATH_MAX];
		eg_profile *o = NULL;
		eg_error e;
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", p->owners_dir,
				     de->d_name) >= sizeof(path))
			continue;
		eg_error_clear(&e);
		if (eg_profile_load(&o, path, p->datadir, &e) == EG_OK &&
		    id[0] &&
		    ((strcmp(o->partner_q, q) == 0 &&
		      strcmp(o->partner_id, id) == 0) ||
		     (strcmp(o->unb_partner_q, q) == 0 &&
		      strcmp(o->unb_partner_id, id) == 0))) {
			snprintf(p->owner, sizeof(p->owner), "%s", o->id);
			res = p->owner;
		}
		eg_profile_free(o);
	}
	closedir(d);
	return res;
}

int
eg_cli_partner_open(eg_cli *cli, const char *cmd, const eg_home *h,
		    eg_guides *guides, const char *id, eg_cli_partner *p)
{
	char path[PATH_MAX], dir[PATH_MAX];
	eg_profile *pr = NULL;
	eg_error e;
	size_t i, n = 0;

	memset(p, 0, sizeof(*p));
	eg_error_clear(&e);
	if (!h->datadir) {
		fprintf(cli->err, "%s %s: --partner needs the shipped schemas/\n",
			cli->prog, cmd);
		return EG_EXIT_USAGE;
	}
	/* an unknown or malformed id is a usage error naming the partners */
	if (eg_cli_partner_known(cli, cmd, h, id) != EG_EXIT_OK)
		return EG_EXIT_USAGE;
	if (strchr(id, '/') ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) >=
		sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.xml", dir, id) >=
		sizeof(path))
		return eg_cli_usage(cli, cmd, "bad partner id '%s'", id);
	if (eg_profile_load(&pr, path, h->datadir, &e))
		return eg_cli_fail(cli, &e);
	p->profile = pr;
	p->store = guides;
	p->owners_dir = strdup(dir);
	p->datadir = h->datadir;
	p->expect.partner = pr->id;
	p->expect.sender_q = pr->partner_q;
	p->expect.sender = pr->partner_id;
	p->expect.receiver_q = pr->our_q;
	p->expect.receiver = pr->our_id;
	p->expect.gs_sender = pr->gs_partner;
	p->expect.gs_receiver = pr->gs_ours;
	p->expect.unb_sender = pr->unb_partner_id;
	p->expect.unb_sender_q = pr->unb_partner_q;
	p->expect.unb_recipient = pr->unb_our_id;
	p->expect.unb_recipient_q = pr->unb_our_q;
	p->expect.unb_repertoire = pr->unb_repertoire;
	p->expect.owner = owner_of;
	p->expect.owner_ud = p;
	for (i = 0; i < pr->ndocs; i++) {
		const eg_profile_doc *d = &pr->docs[i];
		const char *v = d->versions;

		if (strcmp(d->direction, "in") != 0 ||
		    strcmp(d->syntax, "x12") != 0)
			continue; /* the X12 envelope's list */
		for (; *v; v += v[6] ? 7 : 6) {
			int w = snprintf(p->sets + n, sizeof(p->sets) - n,
					 "%s%s:%.6s", n ? " " : "", d->set, v);

			if (w > 0 && (size_t)w < sizeof(p->sets) - n)
				n += (size_t)w;
		}
		if (d->guide && guides && p->nguides < 32) {
			if (eg_guides_load(guides, d->guide,
					   &p->guides[p->nguides], &e))
				return eg_cli_fail(cli, &e);
			p->nguides++;
		}
	}
	p->expect.sets = p->sets;
	return EG_EXIT_OK;
}

void
eg_cli_partner_close(eg_cli_partner *p)
{
	eg_profile_free(p->profile);
	free(p->owners_dir);
	p->profile = NULL;
	p->owners_dir = NULL;
}
