/*
 * cmd_partner.c - onboarding: `edigate partner new` writes a commented
 * profile from a template (drafted from the partner's sample files with
 * --from), `edigate partner check` validates profiles for form and
 * meaning; `partner test` (cmd_partner_test.c) dry-runs files and
 * `partner probe` (cmd_partner_probe.c) connects to an SFTP server.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/x12.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate partner new ID [--template retailer|3pl] "
	      "[--name NAME]\n"
	      "                             [--from SAMPLE...] [--force]\n"
	      "       edigate partner check [ID...] [--json]\n"
	      "       edigate partner test ID FILE... [--seen FILE]... "
	      "[--today CCYY-MM-DD]\n"
	      "                             [--expect DIR [--update]]\n"
	      "       edigate partner probe ID [--json]\n\n"
	      "new    writes partners/ID.xml, a commented profile from the\n"
	      "       template (default retailer).  With --from it drafts the\n"
	      "       profile from the partner's sample X12 files: ISA and GS\n"
	      "       identities, the transaction sets and versions it sends,\n"
	      "       and its delimiters for what we send back.  It refuses to\n"
	      "       overwrite a profile unless --force.\n"
	      "check  validates every profile in partners/ (or those named):\n"
	      "       XSD errors with file and line, then meaning -- key and\n"
	      "       known_hosts files exist, secret files are 0600, SFTP has\n"
	      "       a host key to check, patterns are well formed, guides\n"
	      "       load -- and that no two partners claim the same ISA\n"
	      "       sender or the same inbox; its mapping overrides name\n"
	      "       canonical fields and its code lists cover every code the\n"
	      "       guide allows where a map translates through them.  Exit\n"
	      "       2 when a profile has an error.\n"
	      "test   dry-runs the partner's files through validate, map,\n"
	      "       rules and acknowledge: the checks a live run does for it\n"
	      "       (identity, documents, guides), the canonical records\n"
	      "       (JSON Lines), mapping and rule findings, and the\n"
	      "       acknowledgements that would be sent, printed and never\n"
	      "       written anywhere (dates and control numbers are fixed\n"
	      "       placeholders).  --seen FILE is an earlier document the\n"
	      "       rules refer to (the 940 a 945 answers); --today fixes the\n"
	      "       day date rules use.  --expect DIR compares the findings,\n"
	      "       records and acknowledgements with DIR/FILE.findings,\n"
	      "       DIR/FILE.records.jsonl and DIR/FILE.acks and exits 1 on\n"
	      "       any difference: onboarding's acceptance run.  --update\n"
	      "       writes those golden files.\n"
	      "probe  connects to the partner's SFTP server as its profile\n"
	      "       says and reports what it offers: the host key (type and\n"
	      "       SHA256 fingerprint as OpenSSH prints them) and whether it\n"
	      "       is trusted, the key exchange and cipher negotiated, the\n"
	      "       login methods, the SFTP version and extensions, fsync\n"
	      "       and posix-rename, whether a rename replaces a file, the\n"
	      "       inbox and outbox listings, and write permission in the\n"
	      "       outbox (two probe files, removed again: it changes\n"
	      "       nothing else).  An unknown or changed host key is\n"
	      "       refused; the message shows the key offered and how to\n"
	      "       trust it (a known_hosts line or host-key=) once the\n"
	      "       partner has confirmed its fingerprint.  --json prints\n"
	      "       one object.\n",
	      f);
	eg_cli_help_exit_codes(f);
	fputs("\nExit codes of probe:\n"
	      "  0  logged in and every check passed\n"
	      "  1  logged in, but a check failed (a folder cannot be listed,\n"
	      "     the outbox cannot be written)\n"
	      "  2  usage or configuration error (no such partner, not SFTP)\n"
	      "  3  no session: cannot connect, host key refused, login\n"
	      "     refused\n",
	      f);
}

/* --- new -------------------------------------------------------------------- */

typedef struct draft {
	char partner_q[3], partner_id[16], our_q[3], our_id[16];
	char gs_partner[16], gs_ours[16];
	char element, component, segment;
	char sets[16][4];
	char rels[16][64];
	unsigned nsets;
	int found;
} draft;

static void
span_to(char *dst, size_t cap, eg_span s)
{
	size_t n = s.len;

	while (n && s.p[n - 1] == ' ')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
add_set(draft *d, eg_span st01, const char *gs08)
{
	char set[4], rel[8];
	unsigned i;

	span_to(set, sizeof(set), st01);
	snprintf(rel, sizeof(rel), "%.6s", gs08);
	if (strlen(rel) != 6 || strspn(rel, "0123456789") != 6 ||
	    strspn(set, "0123456789") != 3 || strlen(set) != 3)
		return;
	for (i = 0; i < d->nsets && strcmp(d->sets[i], set) != 0; i++)
		;
	if (i == d->nsets) {
		if (d->nsets == 16)
			return;
		memcpy(d->sets[d->nsets++], set, 4);
		d->rels[i][0] = '\0';
	}
	if (!strstr(d->rels[i], rel) &&
	    strlen(d->rels[i]) + 8 < sizeof(d->rels[i])) {
		size_t n = strlen(d->rels[i]);

		snprintf(d->rels[i] + n, sizeof(d->rels[i]) - n, "%s%s",
			 n ? " " : "", rel);
	}
}

static int
read_sample(eg_cli *cli, const char *path, draft *d)
{
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	const eg_x12_segment *s;
	char gs08[16] = "";
	int other = 0; /* in an interchange from another sender */
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	rc = eg_source_open_file(&src, path, &e);
	if (!rc)
		rc = eg_x12_reader_new(&r, src, NULL, &e);
	while (!rc && (rc = eg_x12_reader_next(r, &s, &e)) == EG_OK && s) {
		if (s->tag == EG_X12_ISA && d->found) {
			char q[3], id[16];

			span_to(q, sizeof(q), eg_x12_element(s, 5));
			span_to(id, sizeof(id), eg_x12_element(s, 6));
			other = strcmp(q, d->partner_q) || strcmp(id, d->partner_id);
			if (other)
				fprintf(cli->err,
					"%s partner: %s: interchange from %s:%s "
					"is not from %s:%s; left out\n",
					cli->prog, path, q, id, d->partner_q,
					d->partner_id);
		} else if (s->tag == EG_X12_ISA) {
			span_to(d->partner_q, sizeof(d->partner_q),
				eg_x12_element(s, 5));
			span_to(d->partner_id, sizeof(d->partner_id),
				eg_x12_element(s, 6));
			span_to(d->our_q, sizeof(d->our_q), eg_x12_element(s, 7));
			span_to(d->our_id, sizeof(d->our_id), eg_x12_element(s, 8));
			d->element = (char)s->delims->element;
			d->component = (char)s->delims->component;
			d->segment = (char)s->delims->segment[0];
			d->found = 1;
		} else if (other) {
			continue;
		} else if (s->tag == EG_X12_GS) {
			span_to(gs08, sizeof(gs08), eg_x12_element(s, 8));
			if (!d->gs_partner[0]) {
				span_to(d->gs_partner, sizeof(d->gs_partner),
					eg_x12_element(s, 2));
				span_to(d->gs_ours, sizeof(d->gs_ours),
					eg_x12_element(s, 3));
			}
		} else if (s->tag == EG_X12_ST) {
			add_set(d, eg_x12_element(s, 1), gs08);
		}
	}
	eg_x12_reader_free(r);
	eg_source_free(src);
	if (rc) {
		char msg[EG_ERRMSG_MAX + 256];

		eg_error_format(&e, msg, sizeof(msg));
		fprintf(cli->err, "%s partner: sample %s cannot be read: %s\n",
			cli->prog, path, msg);
		return eg_cli_exit_for(rc);
	}
	return EG_EXIT_OK;
}

/* XML-escape into b. */
static eg_err
add_xml(eg_buf *b, const char *s)
{
	eg_err rc = EG_OK;

	for (; *s && !rc; s++) {
		if (*s == '&')
			rc = eg_buf_adds(b, "&amp;");
		else if (*s == '<')
			rc = eg_buf_adds(b, "&lt;");
		else if (*s == '>')
			rc = eg_buf_adds(b, "&gt;");
		else if (*s == '"')
			rc = eg_buf_adds(b, "&quot;");
		else
			rc = eg_buf_addc(b, *s);
	}
	return rc;
}

/* A delimiter as the profile writes it: "*", "\n", "\x15". */
static void
delim_attr(char c, char *dst, size_t cap)
{
	if (c == '\n')
		snprintf(dst, cap, "\\n");
	else if (c == '\r')
		snprintf(dst, cap, "\\r");
	else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
		snprintf(dst, cap, "\\x%02X", (unsigned char)c);
	else
		snprintf(dst, cap, "%c", c);
}

static eg_err
documents(eg_buf *b, const draft *d, int three_pl)
{
	eg_err rc = EG_OK;
	unsigned i;
	int acks = 0;

	if (!d->nsets)
		return eg_buf_adds(
		    b, three_pl
			   ? "    <document direction=\"out\" set=\"940\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"945\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"997\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"999\" "
			     "versions=\"005010\"/>\n"
			   : "    <document direction=\"in\" set=\"850\" "
			     "versions=\"004010 005010\"/>\n"
			     "    <document direction=\"out\" set=\"856\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"997\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"999\" "
			     "versions=\"005010\"/>\n");
	rc = eg_buf_adds(b, "    <!-- what the samples hold -->\n");
	for (i = 0; i < d->nsets && !rc; i++)
		if (!strcmp(d->sets[i], "997") || !strcmp(d->sets[i], "999"))
			acks = 1;
	for (i = 0; i < d->nsets && !rc; i++)
		rc = eg_buf_addf(b,
				 "    <document direction=\"in\" set=\"%s\" "
				 "versions=\"%s\"/>\n",
				 d->sets[i], d->rels[i]);
	if (!rc)
		rc = eg_buf_addf(b,
				 "    <!-- CHECK: what we send -->\n"
				 "    <document direction=\"out\" set=\"%s\" "
				 "versions=\"%.6s\"/>\n%s",
				 three_pl ? "940" : "856", d->rels[0],
				 acks ? "" :
				 "    <!-- their acknowledgements of what we "
				 "send: read, never acknowledged -->\n"
				 "    <document direction=\"in\" set=\"997\" "
				 "versions=\"004010\"/>\n"
				 "    <document direction=\"in\" set=\"999\" "
				 "versions=\"005010\"/>\n");
	return rc;
}

/* Replace the template's @NAME@ tokens. */
static eg_err
fill(eg_buf *out, const char *tpl, const char *id, const char *name,
     const draft *d, int three_pl, const char *from)
{
	char upper[16], env[64], de[8], dc[8], dsg[8];
	const char *p = tpl;
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; id[i] && i < 15; i++)
		upper[i] = (char)toupper((unsigned char)id[i]);
	upper[i] = '\0';
	for (i = 0; id[i] && i < sizeof(env) - 1; i++)
		env[i] = isalnum((unsigned char)id[i])
			     ? (char)toupper((unsigned char)id[i])
			     : '_';
	env[i] = '\0';
	delim_attr(d->found ? d->element : '*', de, sizeof(de));
	delim_attr(d->found ? d->component : (three_pl ? '>' : ':'), dc,
		   sizeof(dc));
	delim_attr(d->found ? d->segment : '~', dsg, sizeof(dsg));
	while (*p && !rc) {
		const char *at = strchr(p, '@'), *end;
		char key[32];

		if (!at) {
			rc = eg_buf_adds(out, p);
			break;
		}
		end = strchr(at + 1, '@');
		if (!end || end - at - 1 >= (long)sizeof(key)) {
			rc = eg_buf_add(out, p, (size_t)(at - p + 1));
			p = at + 1;
			continue;
		}
		rc = eg_buf_add(out, p, (size_t)(at - p));
		memcpy(key, at + 1, (size_t)(end - at - 1));
		key[end - at - 1] = '\0';
		p = end + 1;
		if (rc)
			break;
		if (!strcmp(key, "ID"))
			rc = add_xml(out, id);
		else if (!strcmp(key, "NAME"))
			rc = add_xml(out, name);
		else if (!strcmp(key, "PARTNER_Q"))
			rc = add_xml(out, d->found ? d->partner_q : "ZZ");
		else if (!strcmp(key, "PARTNER_ID"))
			rc = add_xml(out, d->found ? d->partner_id : upper);
		else if (!strcmp(key, "OUR_Q"))
			rc = add_xml(out, d->found ? d->our_q : "ZZ");
		else if (!strcmp(key, "OUR_ID"))
			rc = add_xml(out, d->found ? d->our_id : "OURCOMPANY");
		else if (!strcmp(key, "GS_PARTNER"))
			rc = add_xml(out, d->gs_partner[0] ? d->gs_partner
							    : d->found ? d->partner_id
								       : upper);
		else if (!strcmp(key, "GS_OURS"))
			rc = add_xml(out, d->gs_ours[0] ? d->gs_ours
							 : d->found ? d->our_id
								    : "OURCOMPANY");
		else if (!strcmp(key, "USER"))
			rc = add_xml(out, "CHANGEME");
		else if (!strcmp(key, "ENV"))
			rc = add_xml(out, env);
		else if (!strcmp(key, "ELEMENT"))
			rc = add_xml(out, de);
		else if (!strcmp(key, "COMPONENT"))
			rc = add_xml(out, dc);
		else if (!strcmp(key, "SEGMENT"))
			rc = add_xml(out, dsg);
		else if (!strcmp(key, "DOCUMENTS"))
			rc = documents(out, d, three_pl);
		else if (!strcmp(key, "FROM"))
			rc = from ? eg_buf_addf(out, "\n  (drafted from %s)", from)
				  : EG_OK;
		else
			rc = eg_buf_addf(out, "@%s@", key);
	}
	return rc;
}

static int
valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 63 || !(islower((unsigned char)id[0]) ||
				  isdigit((unsigned char)id[0])))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)id[i]) ||
		      isdigit((unsigned char)id[i]) || id[i] == '-' ||
		      id[i] == '_'))
			return 0;
	return 1;
}

static int
cmd_new(eg_cli *cli, int argc, char **argv, const eg_home *h)
{
	const char *id = NULL, *tpl = "retailer", *name = NULL, *first = NULL;
	char path[PATH_MAX], dir[PATH_MAX], file[PATH_MAX], *text = NULL;
	int i, force = 0, nfrom = 0, x = EG_EXIT_OK;
	draft d;
	eg_buf out;
	size_t len;
	struct stat st;
	eg_error e;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--template") && i + 1 < argc)
			tpl = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--from"))
			nfrom = -1; /* the rest are samples */
		else if (nfrom && argv[i][0] != '-') {
			x = read_sample(cli, argv[i], &d);
			if (x)
				return x;
			if (!first)
				first = argv[i];
			nfrom = 1;
		} else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[i]);
		else if (!id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "partner", "one ID at a time");
	}
	if (!id || !valid_id(id))
		return eg_cli_usage(cli, "partner",
				    "new needs an ID of lower-case letters, "
				    "digits, - and _ (e.g. acme-retail)");
	if (strcmp(tpl, "retailer") && strcmp(tpl, "3pl"))
		return eg_cli_usage(cli, "partner",
				    "--template is retailer or 3pl");
	if (nfrom == -1)
		return eg_cli_usage(cli, "partner", "--from needs sample files");
	if (nfrom && !d.found)
		return eg_cli_usage(cli, "partner",
				    "no ISA found in the sample files");
	eg_error_clear(&e);
	snprintf(file, sizeof(file), "%s/edi/templates/%s.xml",
		 h->datadir ? h->datadir : ".", tpl);
	if (eg_file_read_small(file, 1 << 20, &text, &len, &e))
		return eg_cli_fail(cli, &e);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) >=
		sizeof(dir) - 70 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.xml", dir, id) >=
		sizeof(path)) {
		free(text);
		return eg_cli_usage(cli, "partner", "home path too long");
	}
	if (!force && stat(path, &st) == 0) {
		free(text);
		fprintf(cli->err,
			"%s partner: %s exists; use --force to replace it\n",
			cli->prog, path);
		return EG_EXIT_USAGE;
	}
	eg_buf_init(&out, 1 << 20);
	if (fill(&out, text, id, name ? name : id, &d, !strcmp(tpl, "3pl"),
		 first) ||
	    eg_mkdirs(dir, &e)) {
		x = e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	} else {
		char fname[PATH_MAX];

		snprintf(fname, sizeof(fname), "%s.xml", id);
		if (eg_file_publish(dir, fname, out.data, out.len, &e))
			x = eg_cli_fail(cli, &e);
		else
			fprintf(cli->out,
				"wrote %s\nnext: edit it (look for CHECK), then "
				"run: edigate partner check %s\n",
				path, id);
	}
	eg_buf_free(&out);
	free(text);
	return x;
}

/* --- check ------------------------------------------------------------------ */

typedef struct cctx {
	eg_cli *cli;
	const char *id;
	int json, first;
	unsigned errors, warnings;
	eg_buf b;
} cctx;

static void
report(void *ud, eg_pcheck_sev sev, const char *msg)
{
	cctx *c = ud;

	if (sev == EG_PCHECK_ERROR)
		c->errors++;
	else
		c->warnings++;
	if (c->json) {
		eg_buf_reset(&c->b);
		if (eg_buf_add_json(&c->b, msg, strlen(msg)))
			return;
		fprintf(c->cli->out,
			"%s{\"partner\":\"%s\",\"severity\":\"%s\",\"message\":%s}",
			c->first ? "" : ",", c->id,
			sev == EG_PCHECK_ERROR ? "error" : "warning",
			eg_buf_cstr(&c->b));
		c->first = 0;
		return;
	}
	fprintf(c->cli->out, "  %s %s\n",
		sev == EG_PCHECK_ERROR ? "ERROR  " : "warning", msg);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

/*
 * The profile against the maps of its inbound documents: its mapping
 * overrides name real fields, and its code lists cover every code the
 * guide allows where a map translates through them (else a valid
 * document would be rejected for an unmapped code).
 */
static void
check_maps(const eg_home *h, eg_guides *guides, const eg_profile *p,
	   eg_pcheck_fn fn, void *ud)
{
	eg_maps *maps = NULL;
	eg_error e;
	size_t i;

	eg_error_clear(&e);
	if (!h->datadir || !guides || eg_maps_new(&maps, h->datadir, &e))
		return;
	for (i = 0; i < p->ndocs; i++) {
		const eg_profile_doc *d = &p->docs[i];
		const char *v = d->versions;
		int first = 1;

		if (strcmp(d->direction, "in"))
			continue;
		for (; *v; v += v[6] ? 7 : 6) {
			char rel[7];
			const eg_map *m = NULL;
			const eg_guide *g = NULL;
			eg_profile q = *p;

			snprintf(rel, sizeof(rel), "%.6s", v);
			if (eg_maps_find(maps, d->set, rel, &m, &e)) {
				fn(ud, EG_PCHECK_ERROR, e.msg);
				continue;
			}
			if (!m)
				continue;
			if (d->guide ? eg_guides_load(guides, d->guide, &g, &e)
				     : eg_guides_find(guides, d->set, rel, &g, &e)) {
				fn(ud, EG_PCHECK_ERROR, e.msg);
				continue;
			}
			if (!first)
				q.nfields = 0; /* overrides: checked once */
			first = 0;
			eg_map_check_codes(m, &q, g, fn, ud);
		}
	}
	eg_maps_free(maps);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_check(eg_cli *cli, int argc, char **argv, const eg_home *h,
	  eg_guides *guides)
{
	char dir[PATH_MAX];
	char *names[512];
	eg_profile *ps[512];
	size_t n = 0, np = 0, i;
	cctx c;
	int json = 0, k;
	DIR *dp;
	struct dirent *de;

	memset(&c, 0, sizeof(c));
	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--json"))
			json = 1;
		else if (argv[k][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[k]);
		else if (n < 512 && (names[n] = malloc(strlen(argv[k]) + 5)))
			snprintf(names[n], strlen(argv[k]) + 5, "%s.xml",
				 argv[k]), n++;
	}
	snprintf(dir, sizeof(dir), "%s/partners", h->home);
	if (n == 0) {
		dp = opendir(dir);
		if (!dp) {
			fprintf(cli->err, "%s partner: no partners/ in %s\n",
				cli->prog, h->home);
			return EG_EXIT_USAGE;
		}
		while ((de = readdir(dp)) && n < 512)
			if (has_suffix(de->d_name, ".xml") &&
			    de->d_name[0] != '.' && (names[n] = strdup(de->d_name)))
				n++;
		closedir(dp);
		qsort(names, n, sizeof(names[0]), cmp_str);
	}
	c.cli = cli;
	c.json = json;
	c.first = 1;
	eg_buf_init(&c.b, 1 << 16);
	if (json)
		fputs("{\"findings\":[", cli->out);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		eg_profile *p = NULL;
		eg_error e;
		unsigned before = c.errors;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) >= sizeof(path))
			continue;
		eg_error_clear(&e);
		c.id = names[i];
		if (!json)
			fprintf(cli->out, "%s:\n", path);
		if (eg_profile_load(&p, path, h->datadir, &e)) {
			report(&c, EG_PCHECK_ERROR, e.msg);
			continue;
		}
		eg_profile_check(p, h->home, guides, report, &c);
		check_maps(h, guides, p, report, &c);
		if (!json && c.errors == before)
			fprintf(cli->out, "  ok: %s (%s)\n", p->id, p->name);
		ps[np++] = p;
	}
	c.id = "*";
	eg_profile_check_all(ps, np, report, &c);
	if (json)
		fprintf(cli->out, "],\"profiles\":%zu,\"errors\":%u,"
				  "\"warnings\":%u}\n",
			n, c.errors, c.warnings);
	else
		fprintf(cli->out, "%s: %zu profile(s), %u error(s), %u "
				  "warning(s)\n",
			c.errors ? "FAILED" : "OK", n, c.errors, c.warnings);
	for (i = 0; i < np; i++)
		eg_profile_free(ps[i]);
	for (i = 0; i < n; i++)
		free(names[i]);
	eg_buf_free(&c.b);
	if (n == 0) {
		fprintf(cli->err, "%s partner: no profiles to check in %s\n",
			cli->prog, dir);
		return EG_EXIT_USAGE;
	}
	return c.errors ? EG_EXIT_USAGE : EG_EXIT_OK;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	eg_home h = {NULL, NULL};
	eg_guides *g = NULL;
	const eg_guide *none = NULL;
	int x;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EG_EXIT_USAGE : EG_EXIT_OK;
	}
	for (x = 2; x < argc; x++)
		if (!strcmp(argv[x], "--help") || !strcmp(argv[x], "-h")) {
			help(stdout);
			return EG_EXIT_OK;
		}
	if (strcmp(argv[1], "new") && strcmp(argv[1], "check") &&
	    strcmp(argv[1], "test") && strcmp(argv[1], "probe"))
		return eg_cli_usage(cli, "partner", "unknown subcommand '%s'",
				    argv[1]);
	x = eg_cli_open_guides(cli, "partner", &h, NULL, &g, &none);
	if (x == EG_EXIT_OK && !h.datadir) {
		fprintf(cli->err, "%s partner: needs the shipped edi/ and "
				  "schemas/ (run make install)\n",
			cli->prog);
		x = EG_EXIT_USAGE;
	}
	if (x == EG_EXIT_OK && !strcmp(argv[1], "new"))
		x = cmd_new(cli, argc - 2, argv + 2, &h);
	else if (x == EG_EXIT_OK && !strcmp(argv[1], "check"))
		x = cmd_check(cli, argc - 2, argv + 2, &h, g);
	else if (x == EG_EXIT_OK && !strcmp(argv[1], "probe"))
		x = eg_cli_partner_probe(cli, argc - 2, argv + 2, &h);
	else if (x == EG_EXIT_OK)
		x = eg_cli_partner_test(cli, argc - 2, argv + 2, &h, g);
	eg_guides_free(g);
	eg_home_free(&h);
	return x;
}

const eg_command eg_cmd_partner = {
	"partner", "onboard partners: new, check, test, probe", run, help};
