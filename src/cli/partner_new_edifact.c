/*
 * partner_new_edifact.c - `edigate partner new ID --from SAMPLE.edi...`:
 * draft a UN/EDIFACT partner profile from samples of what the partner
 * sends.
 *
 * The samples decide what they can: the partner's UNB sender (S002 0004
 * and its qualifier 0007) and how it addresses us (S003), the messages
 * and directories they hold (UNH S009: DESADV in D96A, ...), whether a
 * map ships for each (else the document is drafted acknowledge-only and
 * marked CHECK, so that `partner check` accepts the draft and nothing is
 * refused for want of a map the partner never needed), when a CONTRL
 * goes back (always when their UNB 0031 asks for one), and the character
 * repertoire they need (lower case under UNOA drafts repertoire=
 * "lenient").  Interchanges from another sender are left out, with a
 * note; received CONTRLs are not documents.  What only a person can know
 * is marked CHECK.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/edifact.h"
#include "edigate/fsutil.h"
#include "edigate/map.h"

#define MAXMSG 16

typedef struct edmsg {
	char type[7];    /* UNH 0065 */
	char dirs[64];   /* "D96A D01B" */
	char assoc[8];   /* 0057 of the first one, "" when none */
} edmsg;

typedef struct eddraft {
	int found;
	char pq[5], pid[36], oq[5], oid[36]; /* S002, S003 */
	char syntaxes[32];                   /* "UNOC:3 UNOA:4" */
	edmsg msg[MAXMSG];
	size_t nmsg;
	int asked;   /* a UNB 0031 asks for a CONTRL */
	int test;    /* a UNB 0035 marks a test */
	int lower;   /* lower case under UNOA */
	int other;   /* another character outside the repertoire */
	eg_draft_exts ext;
} eddraft;

static void
span_cpy(char *dst, size_t cap, eg_span v)
{
	size_t n = v.len < cap ? v.len : cap - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

/* Add word w to the space-separated list l (cap bytes) once. */
static void
add_word(char *l, size_t cap, const char *w)
{
	size_t n = strlen(l), k = strlen(w);
	const char *p = l;

	while ((p = strstr(p, w))) {
		if ((p == l || p[-1] == ' ') && (p[k] == ' ' || !p[k]))
			return;
		p += k;
	}
	if (n + k + 2 <= cap)
		snprintf(l + n, cap - n, "%s%s", n ? " " : "", w);
}

static void
add_msg(eddraft *d, const eg_edifact_segment *s)
{
	char type[7], ver[4], rel[4], dir[8], assoc[8];
	size_t i;

	span_cpy(type, sizeof(type), eg_edifact_comp(s, 2, 1));
	span_cpy(ver, sizeof(ver), eg_edifact_comp(s, 2, 2));
	span_cpy(rel, sizeof(rel), eg_edifact_comp(s, 2, 3));
	span_cpy(assoc, sizeof(assoc), eg_edifact_comp(s, 2, 5));
	if (strlen(type) != 6 || !strcmp(type, "CONTRL"))
		return; /* a received CONTRL answers us: no document */
	snprintf(dir, sizeof(dir), "%s%s", ver, rel);
	for (i = 0; i < d->nmsg && strcmp(d->msg[i].type, type); i++)
		;
	if (i == d->nmsg) {
		if (d->nmsg == MAXMSG)
			return;
		memset(&d->msg[i], 0, sizeof(d->msg[i]));
		memcpy(d->msg[i].type, type, sizeof(type));
		memcpy(d->msg[i].assoc, assoc, sizeof(assoc));
		d->nmsg++;
	}
	add_word(d->msg[i].dirs, sizeof(d->msg[i].dirs), dir);
}

/* A UNB: the first names the partner; a later one from someone else
 * is left out (1). */
static int
read_unb(eg_cli *cli, const char *path, eddraft *d,
	 const eg_edifact_segment *s)
{
	char q[5], id[36], sid[8], ver[4], w[12];
	eg_span a31 = eg_edifact_comp(s, 9, 1), a35 = eg_edifact_comp(s, 11, 1);

	span_cpy(id, sizeof(id), eg_edifact_comp(s, 2, 1));
	span_cpy(q, sizeof(q), eg_edifact_comp(s, 2, 2));
	if (!d->found) {
		memcpy(d->pid, id, sizeof(id));
		memcpy(d->pq, q, sizeof(q));
		span_cpy(d->oid, sizeof(d->oid), eg_edifact_comp(s, 3, 1));
		span_cpy(d->oq, sizeof(d->oq), eg_edifact_comp(s, 3, 2));
		d->found = 1;
	} else if (strcmp(id, d->pid) || strcmp(q, d->pq)) {
		fprintf(cli->err,
			"%s partner: %s: interchange from %s:%s is not from "
			"%s:%s; left out\n",
			cli->prog, path, id, q, d->pid, d->pq);
		return 1;
	}
	span_cpy(sid, sizeof(sid), eg_edifact_comp(s, 1, 1));
	span_cpy(ver, sizeof(ver), eg_edifact_comp(s, 1, 2));
	snprintf(w, sizeof(w), "%s:%s", sid, ver);
	add_word(d->syntaxes, sizeof(d->syntaxes), w);
	d->asked |= a31.len == 1 && (a31.p[0] == '1' || a31.p[0] == '2');
	d->test |= a35.len > 0;
	return 0;
}

static int
read_sample(eg_cli *cli, const char *path, eddraft *d)
{
	eg_source *src = NULL;
	eg_edifact_reader *r = NULL;
	const eg_edifact_segment *s;
	int other = 0;
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	rc = eg_source_open_file(&src, path, &e);
	if (!rc)
		rc = eg_edifact_reader_new(&r, src, NULL, &e);
	while (!rc && (rc = eg_edifact_reader_next(r, &s, &e)) == EG_OK && s) {
		if (s->tag == EG_EDIFACT_UNB)
			other = read_unb(cli, path, d, s);
		if (other)
			continue;
		if (s->tag == EG_EDIFACT_UNH)
			add_msg(d, s);
		if (s->bad_char) {
			if (s->syntax->charset == EG_EDIFACT_CS_A &&
			    s->bad_char >= 'a' && s->bad_char <= 'z')
				d->lower = 1;
			else
				d->other = 1;
		}
	}
	eg_edifact_reader_free(r);
	eg_source_free(src);
	if (rc) {
		char msg[EG_ERRMSG_MAX + 256];

		eg_error_format(&e, msg, sizeof(msg));
		fprintf(cli->err, "%s partner: sample %s cannot be read: %s\n",
			cli->prog, path, msg);
		return eg_cli_exit_for(rc);
	}
	eg_cli_draft_add_ext(&d->ext, path);
	return EG_EXIT_OK;
}

static eg_err
attr(eg_buf *b, const char *name, const char *v)
{
	eg_err rc = eg_buf_addf(b, " %s=\"", name);

	if (!rc)
		rc = eg_cli_draft_xml(b, v);
	if (!rc)
		rc = eg_buf_addc(b, '"');
	return rc;
}

/* A kind from the messages: ORDERS come from a retailer, stock and
 * receipt reports from a warehouse; NULL when they do not say. */
static const char *
kind_of(const eddraft *d)
{
	size_t i;

	for (i = 0; i < d->nmsg; i++)
		if (!strcmp(d->msg[i].type, "ORDERS") ||
		    !strcmp(d->msg[i].type, "ORDCHG"))
			return "retailer";
	for (i = 0; i < d->nmsg; i++)
		if (!strcmp(d->msg[i].type, "INVRPT") ||
		    !strcmp(d->msg[i].type, "RECADV") ||
		    !strcmp(d->msg[i].type, "INSDES"))
			return "3pl";
	return NULL;
}

/* One message's documents: the directories with a map, then (marked
 * CHECK, acknowledge-only) those without one. */
static eg_err
documents_of(eg_buf *b, eg_maps *maps, const edmsg *m)
{
	char with[64] = "", without[64] = "", dir[16];
	const char *v = m->dirs;
	eg_err rc = EG_OK;

	while (*v) {
		const eg_map *map = NULL;
		size_t n = strcspn(v, " ");
		eg_error e;

		snprintf(dir, sizeof(dir), "%.*s", (int)(n < 15 ? n : 15), v);
		v += n;
		v += strspn(v, " ");
		eg_error_clear(&e);
		if (maps && eg_maps_find(maps, m->type, dir, &map, &e))
			map = NULL; /* a broken map: partner check says so */
		add_word(map ? with : without, sizeof(with), dir);
	}
	if (with[0])
		rc = eg_buf_addf(b,
				 "    <document direction=\"in\" "
				 "syntax=\"edifact\" set=\"%s\" "
				 "versions=\"%s\"/>\n",
				 m->type, with);
	if (!rc && without[0])
		rc = eg_buf_addf(b,
				 "    <!-- CHECK: no map ships for %s %s: its "
				 "messages are checked and\n"
				 "         answered, no record is made (add a "
				 "map, then drop acknowledge-only) -->\n"
				 "    <document direction=\"in\" "
				 "syntax=\"edifact\" set=\"%s\" "
				 "versions=\"%s\" acknowledge-only=\"true\"/>\n",
				 m->type, without, m->type, without);
	return rc;
}

static eg_err
profile_text(eg_buf *b, const eddraft *d, const eg_home *h, const char *id,
	     const char *name, const char *kind, int sftp, const char *from)
{
	char pat[200];
	size_t i;
	eg_maps *maps = NULL;
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	if (h->datadir && eg_maps_new(&maps, h->datadir, &e))
		maps = NULL;
	rc = eg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<!--\n  Drafted by `edigate partner new` from "
			    "UN/EDIFACT samples (");
	/* inside an XML comment: no "--" (a sample named a--b.edi) */
	for (; *from && !rc; from++)
		rc = from[0] == '-' && from[1] == '-'
			 ? eg_buf_adds(b, "- ")
			 : eg_cli_draft_xml(b, (char[2]){from[0], '\0'});
	if (!rc)
		rc = eg_buf_addf(b,
				 ": %s).\n  A partner speaking UN/EDIFACT "
				 "(docs/edifact.md, docs/profiles.md).\n"
				 "  Fix what is marked CHECK, then `edigate "
				 "partner check %s`.\n-->\n<partner",
				 d->syntaxes, id);
	if (!rc)
		rc = attr(b, "id", id);
	if (!rc)
		rc = attr(b, "name", name);
	if (!rc)
		rc = eg_buf_addf(b, " kind=\"%s\">\n  <identity>\n", kind);
	if (!rc)
		rc = eg_buf_adds(b, "    <!-- UNB S002 on what the partner "
				    "sends (0004, qualifier 0007) -->\n"
				    "    <partner-unb");
	if (!rc && d->pq[0])
		rc = attr(b, "qualifier", d->pq);
	if (!rc)
		rc = attr(b, "id", d->pid);
	if (!rc && d->lower)
		rc = eg_buf_adds(b, " repertoire=\"lenient\"");
	if (!rc)
		rc = eg_buf_adds(b, "/>\n");
	if (!rc && d->lower)
		rc = eg_buf_adds(b, "    <!-- the samples send lower case "
				    "under UNOA: accepted (lenient) -->\n");
	if (!rc && d->other)
		rc = eg_buf_adds(b, "    <!-- CHECK: the samples hold "
				    "characters outside their UNB 0001 "
				    "repertoire:\n         every such "
				    "message is rejected (0085 code 21) "
				    "unless repertoire=\"off\" -->\n");
	if (!rc)
		rc = eg_buf_adds(b, "    <!-- how the partner addresses us "
				    "(its UNB S003) -->\n    <our-unb");
	if (!rc && d->oq[0])
		rc = attr(b, "qualifier", d->oq);
	if (!rc)
		rc = attr(b, "id", d->oid);
	if (!rc)
		rc = eg_buf_adds(b, "/>\n  </identity>\n\n");
	eg_cli_draft_pattern(&d->ext, "*.edi", pat, sizeof(pat));
	if (!rc)
		rc = eg_cli_draft_transport(b, id, pat, sftp);
	if (!rc)
		rc = eg_buf_adds(b, "\n  <documents>\n    <!-- what the "
				    "samples hold (UNH S009: message type, "
				    "directory) -->\n");
	for (i = 0; i < d->nmsg && !rc; i++)
		rc = documents_of(b, maps, &d->msg[i]);
	if (!rc)
		rc = eg_buf_adds(b, "  </documents>\n\n  <acknowledgements>\n");
	if (!rc)
		rc = eg_buf_adds(
		    b, d->asked
			   ? "    <!-- the samples ask for one (UNB 0031): a "
			     "CONTRL for every interchange -->\n"
			     "    <send type=\"CONTRL\" when=\"always\"/>\n"
			   : "    <!-- CHECK: the samples ask for no CONTRL "
			     "(UNB 0031): one goes back\n"
			     "         when asked and whenever something is "
			     "rejected -->\n"
			     "    <send type=\"CONTRL\" when=\"on-error\"/>\n");
	if (!rc)
		rc = eg_buf_adds(b, "  </acknowledgements>\n");
	if (!rc && d->test)
		rc = eg_buf_adds(b, "  <!-- CHECK: the samples are test "
				    "interchanges (UNB 0035) -->\n");
	if (!rc)
		rc = eg_buf_adds(b, "\n  <outbound file-name=\"{partner}-{set}-"
				    "{control}.edi\"/>\n</partner>\n");
	eg_maps_free(maps);
	return rc;
}

int
eg_cli_partner_new_edifact(eg_cli *cli, const eg_home *h, const char *id,
			   const char *name, const char *kind, int sftp,
			   char *const *samples, size_t n, int force)
{
	eddraft d;
	eg_buf b;
	char dir[PATH_MAX], fname[PATH_MAX], path[PATH_MAX];
	const char *why = "the samples' messages";
	struct stat st;
	size_t i;
	int x;
	eg_error e;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < n; i++)
		if ((x = read_sample(cli, samples[i], &d)))
			return x;
	if (!d.found || !d.pid[0] || !d.oid[0])
		return eg_cli_usage(cli, "partner",
				    "no UNB with a sender and a recipient in "
				    "the sample files");
	if (!kind) {
		kind = kind_of(&d);
		if (!kind) {
			kind = "retailer";
			why = "the default";
		}
	} else {
		why = "--template";
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) >=
		sizeof(dir) - 70 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.xml", dir, id) >=
		sizeof(path))
		return eg_cli_usage(cli, "partner", "home path too long");
	if (!force && stat(path, &st) == 0) {
		fprintf(cli->err,
			"%s partner: %s exists; use --force to replace it\n",
			cli->prog, path);
		return EG_EXIT_USAGE;
	}
	eg_error_clear(&e);
	eg_buf_init(&b, 1 << 20);
	snprintf(fname, sizeof(fname), "%s.xml", id);
	x = EG_EXIT_OK;
	if (profile_text(&b, &d, h, id, name ? name : id, kind, sftp,
			 samples[0]) ||
	    eg_mkdirs(dir, &e) || (!sftp && eg_cli_draft_drop(h, id, &e)) ||
	    eg_file_publish(dir, fname, b.data, b.len, &e)) {
		x = e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	} else {
		fprintf(cli->out,
			"wrote %s: a %s (%s), %s transport, UN/EDIFACT, UNB "
			"sender %s%s%s, %zu message type(s)\n",
			path, kind, why, sftp ? "sftp" : "local", d.pid,
			d.pq[0] ? ":" : "", d.pq, d.nmsg);
		if (!sftp)
			fprintf(cli->out,
				"made its drop folders %s/drop/%s/in, out and "
				"done\n",
				h->home, id);
		fprintf(cli->out,
			"next:\n  1. read %s and fix what is marked CHECK\n"
			"  2. edigate partner check %s\n"
			"  3. edigate partner test %s SAMPLE...\n"
			"  4. once files wait in its inbox: edigate partner "
			"test %s --from-inbox,\n     then edigate run "
			"--partner %s\n",
			path, id, id, id, id);
	}
	eg_buf_free(&b);
	return x;
}
