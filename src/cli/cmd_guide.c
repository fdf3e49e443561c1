/*
 * cmd_guide.c - `edigate guide check FILE...` and `edigate guide show SET`:
 * check implementation guide files, and print a guide for a person.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/guide.h"
#include "edigate/xml.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate guide check FILE...   (guides and dictionary.xml files)\n"
	      "       edigate guide show SET [--version RELEASE] [--segments]\n\n"
	      "check  validates guide files (a transaction set guide or a\n"
	      "       partner guide that narrows one) against\n"
	      "       schemas/edi-guide.xsd and for meaning: every segment,\n"
	      "       element and code list resolves, loops start with a\n"
	      "       mandatory segment, ST comes first and SE last.  Errors\n"
	      "       give file and line.\n"
	      "show   prints the shipped guide for a transaction set (default\n"
	      "       release 004010): loops, segments with usage and maximum\n"
	      "       use, and each segment's elements with type, length,\n"
	      "       usage and code list (--segments: segments only).\n",
	      f);
	eg_cli_help_exit_codes(f);
}

static void
count_nodes(const eg_gnode *n, unsigned *segs, unsigned *loops)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		if (n->kids[i].loop) {
			(*loops)++;
			count_nodes(&n->kids[i], segs, loops);
		} else {
			(*segs)++;
		}
	}
}

static void
max_text(uint32_t max, char *buf, size_t cap)
{
	if (max == 0)
		snprintf(buf, cap, ">1");
	else
		snprintf(buf, cap, "%u", (unsigned)max);
}

static void
show_use(FILE *f, const char *seg, const eg_use *u, int indent)
{
	char t[8], rep[24] = "";

	if (u->repeat != 1)
		snprintf(rep, sizeof(rep), " repeat %s",
			 u->repeat ? "" : ">1");
	if (u->repeat > 1)
		snprintf(rep, sizeof(rep), " repeat %u", (unsigned)u->repeat);
	if (u->comp) {
		size_t i;

		fprintf(f, "%*s%s%02u  %-5s %-40s %c%s\n", indent, "", seg,
			(unsigned)u->pos, u->comp->id, u->comp->name, u->usage,
			rep);
		for (i = 0; i < u->comp->n; i++) {
			const eg_use *c = &u->comp->c[i];

			fprintf(f, "%*s  -%02u  %-5s %-40s %c  %s %u-%u\n",
				indent + 2, "", (unsigned)c->pos, c->el->id,
				c->el->name, c->usage,
				eg_etype_name(c->el, t, sizeof(t)),
				(unsigned)c->el->min, (unsigned)c->el->max);
		}
		return;
	}
	fprintf(f, "%*s%s%02u  %-5s %-40s %c  %s %u-%u%s", indent, "", seg,
		(unsigned)u->pos, u->el->id, u->el->name, u->usage,
		eg_etype_name(u->el, t, sizeof(t)), (unsigned)u->el->min,
		(unsigned)u->el->max, rep);
	if (u->codes || u->el->codes) {
		const eg_codes *c = u->codes ? u->codes : u->el->codes;
		size_t i;

		if (c->list) {
			fprintf(f, "  codes: list %s (%zu)", c->list, c->n);
		} else {
			fprintf(f, "  codes:");
			for (i = 0; i < c->n && i < 12; i++)
				fprintf(f, " %s", c->v[i]);
			if (c->n > 12)
				fprintf(f, " ... (%zu)", c->n);
		}
		if (u->codes)
			fputs(" (narrowed)", f);
	}
	fputc('\n', f);
}

static void
show_nodes(FILE *f, const eg_gnode *n, int indent, int elements)
{
	size_t i, j;
	char mx[16];

	for (i = 0; i < n->n; i++) {
		const eg_gnode *k = &n->kids[i];

		max_text(k->max, mx, sizeof(mx));
		if (k->loop) {
			fprintf(f, "%*sloop %-9s %*s %c  max %s\n", indent, "",
				k->loop_id, 36 - indent, "", k->usage, mx);
			show_nodes(f, k, indent + 2, elements);
			continue;
		}
		fprintf(f, "%*s%-4s %-40s %*s%c  max %s\n", indent, "", k->seg->id,
			k->seg->name, indent < 10 ? 10 - indent : 0, "",
			k->usage, mx);
		if (!elements)
			continue;
		for (j = 0; j < k->seg->n; j++)
			show_use(f, k->seg->id, &k->seg->e[j], indent + 6);
		for (j = 0; j < k->seg->nsyn; j++) {
			const eg_syntax *s = &k->seg->syn[j];
			unsigned p;

			fprintf(f, "%*ssyntax %c", indent + 6, "", s->rule);
			for (p = 0; p < s->n; p++)
				fprintf(f, "%02u", (unsigned)s->pos[p]);
			fputc('\n', f);
		}
	}
}

/* Is the file's root element <dictionary>?  (Errors surface later.) */
static int
is_dictionary(const char *path)
{
	eg_xml *x = NULL;
	eg_error e;
	int yes;

	eg_error_clear(&e);
	if (eg_xml_load(&x, path, NULL, &e))
		return 0;
	yes = strcmp(eg_xml_name(eg_xml_root(x)), "dictionary") == 0;
	eg_xml_free(x);
	return yes;
}

static int
cmd_check(eg_cli *cli, int argc, char **argv, eg_guides *g)
{
	int i, x = EG_EXIT_OK, n = 0;

	for (i = 0; i < argc; i++) {
		const eg_guide *gd = NULL;
		eg_error e;
		unsigned segs = 0, loops = 0;

		eg_error_clear(&e);
		n++;
		if (is_dictionary(argv[i])) {
			size_t ne, nc, ns;

			if (eg_guides_check_dictionary(g, argv[i], &ne, &nc, &ns,
						       &e)) {
				x = eg_cli_fail(cli, &e);
				continue;
			}
			fprintf(cli->out,
				"ok: %s: dictionary, %zu elements, %zu "
				"composites, %zu segments\n",
				argv[i], ne, nc, ns);
			continue;
		}
		if (eg_guides_load(g, argv[i], &gd, &e)) {
			x = eg_cli_fail(cli, &e);
			continue;
		}
		count_nodes(&gd->root, &segs, &loops);
		fprintf(cli->out,
			"ok: %s: %s %s (release %s%s%s), %u segments, %u loops, "
			"%zu HL levels\n",
			argv[i], gd->set, gd->name, gd->release,
			gd->base ? ", narrows " : "", gd->base ? gd->base : "",
			segs, loops, gd->nlevels);
	}
	if (n == 0)
		return eg_cli_usage(cli, "guide", "check needs a FILE");
	return x;
}

static int
cmd_show(eg_cli *cli, int argc, char **argv, eg_guides *g)
{
	const char *set = NULL, *rel = "004010";
	const eg_guide *gd = NULL;
	int i, elements = 1;
	eg_error e;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0 && i + 1 < argc)
			rel = argv[++i];
		else if (strcmp(argv[i], "--segments") == 0)
			elements = 0;
		else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "guide", "unknown option '%s'",
					    argv[i]);
		else
			set = argv[i];
	}
	if (!set)
		return eg_cli_usage(cli, "guide", "show needs a SET (e.g. 856)");
	eg_error_clear(&e);
	if (eg_guides_find(g, set, rel, &gd, &e))
		return eg_cli_fail(cli, &e);
	if (!gd) {
		fprintf(cli->err, "%s guide: no guide for %s release %s\n",
			cli->prog, set, rel);
		return EG_EXIT_USAGE;
	}
	fprintf(cli->out, "%s %s, release %s, functional group %s\n%s\n\n",
		gd->set, gd->name, gd->release, gd->fid ? gd->fid : "-",
		gd->path);
	show_nodes(cli->out, &gd->root, 0, elements);
	if (gd->nlevels) {
		size_t k;

		fputs("\nHL levels:\n", cli->out);
		for (k = 0; k < gd->nlevels; k++)
			fprintf(cli->out, "  %-2s %-20s parents: %s\n",
				gd->levels[k].code, gd->levels[k].name,
				gd->levels[k].parents[0] ? gd->levels[k].parents
							 : "(top level)");
	}
	return EG_EXIT_OK;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	eg_home h = {NULL, NULL};
	eg_guides *g = NULL;
	const eg_guide *none = NULL;
	int x;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EG_EXIT_USAGE : EG_EXIT_OK;
	}
	if (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "show") != 0)
		return eg_cli_usage(cli, "guide", "unknown subcommand '%s'",
				    argv[1]);
	x = eg_cli_open_guides(cli, "guide", &h, NULL, &g, &none);
	if (x == EG_EXIT_OK && !g)
		x = EG_EXIT_USAGE;
	if (x == EG_EXIT_OK)
		x = strcmp(argv[1], "check") == 0
			? cmd_check(cli, argc - 2, argv + 2, g)
			: cmd_show(cli, argc - 2, argv + 2, g);
	eg_guides_free(g);
	eg_home_free(&h);
	return x;
}

const eg_command eg_cmd_guide = {
	"guide", "check guide files, or show a transaction set's guide", run,
	help};
