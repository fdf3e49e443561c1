/*
 * cmd_partner_new.c - `edigate partner new ID [--from SAMPLE...]`: draft
 * a commented profile from a template, filled from the partner's sample
 * files.
 *
 * The samples decide what they can: the ISA and GS identities, the
 * delimiters, the transaction sets and releases the partner sends, and
 * from those the kind of partner (945 in: a 3PL we send 940s to; 850 in:
 * a retailer we send 856s to), the acknowledgements (999s for 005010,
 * TA1 when an ISA14 asks), and the inbox pattern (the samples' own file
 * name endings).  A local transport gets its drop folders made, so the
 * draft works at once; an SFTP one gets the ssh-keygen and probe steps
 * printed.  What only a person can know is marked CHECK.  UN/EDIFACT
 * samples are drafted by partner_new_edifact.c, CSV master data by
 * partner_new_csv.c.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/profile.h"
#include "edigate/x12.h"

typedef struct draft {
	char partner_q[3], partner_id[16], our_q[3], our_id[16];
	char gs_partner[16], gs_ours[16];
	char element, component, segment;
	char sets[16][4];
	char rels[16][64];
	unsigned nsets;
	int found;
	int ta1;          /* an ISA14 of the samples asks for a TA1 */
	eg_draft_exts ext; /* the samples' name endings */
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

/* XML-escape into b. */
eg_err
eg_cli_draft_xml(eg_buf *b, const char *s)
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


/* The sample's name ending joins the inbox pattern. */
void
eg_cli_draft_add_ext(eg_draft_exts *x, const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	unsigned i;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base || strlen(dot) >= sizeof(x->v[0]) ||
	    strpbrk(dot, " *?[]\\\"<>&")) {
		x->none = 1;
		return;
	}
	for (i = 0; i < x->n; i++)
		if (!strcmp(x->v[i], dot))
			return;
	if (x->n < 8)
		snprintf(x->v[x->n++], sizeof(x->v[0]), "%s", dot);
	else
		x->none = 1;
}

static void
read_isa(draft *d, const eg_x12_segment *s)
{
	span_to(d->partner_q, sizeof(d->partner_q), eg_x12_element(s, 5));
	span_to(d->partner_id, sizeof(d->partner_id), eg_x12_element(s, 6));
	span_to(d->our_q, sizeof(d->our_q), eg_x12_element(s, 7));
	span_to(d->our_id, sizeof(d->our_id), eg_x12_element(s, 8));
	d->element = (char)s->delims->element;
	d->component = (char)s->delims->component;
	d->segment = (char)s->delims->segment[0];
	d->found = 1;
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
			read_isa(d, s);
		}
		if (s->tag == EG_X12_ISA && !other) {
			eg_span a14 = eg_x12_element(s, 14);

			d->ta1 |= a14.len == 1 && a14.p[0] == '1';
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
	eg_cli_draft_add_ext(&d->ext, path);
	return EG_EXIT_OK;
}

static int
has_set(const draft *d, const char *set)
{
	unsigned i;

	for (i = 0; i < d->nsets; i++)
		if (!strcmp(d->sets[i], set))
			return 1;
	return 0;
}

/* What the samples say the partner is: a 3PL answers our 940s with
 * warehouse documents, a retailer orders; NULL when they do not say. */
static const char *
kind_of(const draft *d)
{
	static const char *const tpl[] = {"945", "944", "947", "846"};
	static const char *const ret[] = {"850", "860", "875"};
	size_t i;

	for (i = 0; i < sizeof(tpl) / sizeof(tpl[0]); i++)
		if (has_set(d, tpl[i]))
			return "3pl";
	for (i = 0; i < sizeof(ret) / sizeof(ret[0]); i++)
		if (has_set(d, ret[i]))
			return "retailer";
	return NULL;
}

/* The releases seen, "004010 005010", and whether one is 005010 or later. */
static void
releases(const draft *d, char *dst, size_t cap, int *x5010)
{
	unsigned i;
	const char *v;
	size_t n = 0;
	char r[7];

	dst[0] = '\0';
	*x5010 = 0;
	for (i = 0; i < d->nsets; i++)
		for (v = d->rels[i]; *v; v += v[6] ? 7 : 6) {
			snprintf(r, sizeof(r), "%.6s", v);
			if (!strstr(dst, r) && n + 8 < cap)
				n += (size_t)snprintf(dst + n, cap - n, "%s%s",
						      n ? " " : "", r);
			*x5010 |= strcmp(r, "005010") >= 0;
		}
}

/* The 997/999 a partner that receives our documents sends back. */
static eg_err
ack_documents(eg_buf *b, const char *rels, int x5010)
{
	char r4[64] = "", r5[64] = "", r[7];
	const char *v;
	eg_err rc;

	for (v = rels; *v; v += v[6] ? 7 : 6) {
		snprintf(r, sizeof(r), "%.6s", v);
		if (strcmp(r, "005010") >= 0)
			snprintf(r5 + strlen(r5), sizeof(r5) - strlen(r5),
				 "%s%s", r5[0] ? " " : "", r);
		snprintf(r4 + strlen(r4), sizeof(r4) - strlen(r4), "%s%s",
			 r4[0] ? " " : "", r);
	}
	rc = eg_buf_addf(b,
			 "    <!-- its acknowledgements of what we send -->\n"
			 "    <document direction=\"in\" set=\"997\" "
			 "versions=\"%s\"/>\n",
			 r4);
	if (!rc && x5010)
		rc = eg_buf_addf(b,
				 "    <document direction=\"in\" set=\"999\" "
				 "versions=\"%s\"/>\n",
				 r5);
	return rc;
}

static eg_err
documents(eg_buf *b, const draft *d, int three_pl)
{
	char rels[64], first[7];
	int x5010;
	eg_err rc = EG_OK;
	unsigned i;

	if (!d->nsets)
		return eg_buf_adds(
		    b, three_pl
			   ? "    <document direction=\"out\" set=\"940\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"945\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"997\" "
			     "versions=\"004010\"/>\n"
			   : "    <document direction=\"in\" set=\"850\" "
			     "versions=\"004010 005010\"/>\n"
			     "    <document direction=\"out\" set=\"856\" "
			     "versions=\"004010\"/>\n"
			     "    <document direction=\"in\" set=\"997\" "
			     "versions=\"004010 005010\"/>\n"
			     "    <document direction=\"in\" set=\"999\" "
			     "versions=\"005010\"/>\n");
	releases(d, rels, sizeof(rels), &x5010);
	snprintf(first, sizeof(first), "%.6s", rels);
	rc = eg_buf_adds(b, "    <!-- what the samples hold -->\n");
	for (i = 0; i < d->nsets && !rc; i++)
		if (strcmp(d->sets[i], "997") && strcmp(d->sets[i], "999"))
			rc = eg_buf_addf(b,
					 "    <document direction=\"in\" "
					 "set=\"%s\" versions=\"%s\"/>\n",
					 d->sets[i], d->rels[i]);
	if (!rc && three_pl)
		rc = eg_buf_addf(b,
				 "    <!-- what we send: the orders its "
				 "shipping advices answer -->\n"
				 "    <document direction=\"out\" set=\"940\" "
				 "versions=\"%s\"/>\n",
				 first);
	else if (!rc)
		rc = eg_buf_addf(b,
				 "    <!-- what we send: ship notices for its "
				 "orders (CHECK: add 810 invoices if you "
				 "send them) -->\n"
				 "    <document direction=\"out\" set=\"856\" "
				 "versions=\"%s\"/>\n",
				 first);
	if (!rc)
		rc = ack_documents(b, rels, x5010);
	return rc;
}

/* <acknowledgements>: what we send back, as the samples imply. */
static eg_err
acks(eg_buf *b, const draft *d)
{
	char rels[64];
	int x5010 = 1;
	eg_err rc;

	if (d->nsets)
		releases(d, rels, sizeof(rels), &x5010);
	rc = x5010 ? eg_buf_adds(b,
				 "    <!-- 997 for 004010, 999 for 005010, "
				 "following the inbound GS08 -->\n"
				 "    <send type=\"functional\" when=\"always\"/>\n")
		   : eg_buf_adds(b, "    <send type=\"997\" when=\"always\"/>\n");
	if (!rc)
		rc = eg_buf_adds(b, d->ta1 ? "    <!-- the samples ask for "
					     "one (ISA14 is 1) -->\n"
					   : "");
	if (!rc)
		rc = eg_buf_adds(b, "    <send type=\"TA1\" when=\"requested\"/>\n");
	return rc;
}

/* The inbox pattern: the samples' own name endings. */
void
eg_cli_draft_pattern(const eg_draft_exts *x, const char *fallback, char *dst,
		     size_t cap)
{
	size_t n = 0;
	unsigned i;

	if (x->none) {
		snprintf(dst, cap, "*");
		return;
	}
	if (!x->n) {
		snprintf(dst, cap, "%s", fallback);
		return;
	}
	dst[0] = '\0';
	for (i = 0; i < x->n && n + 20 < cap; i++)
		n += (size_t)snprintf(dst + n, cap - n, "%s*%s", i ? " " : "",
				      x->v[i]);
}

eg_err
eg_cli_draft_transport(eg_buf *b, const char *id, const char *pat, int sftp)
{
	char env[64];
	size_t i;
	eg_err rc;

	if (!sftp) {
		rc = eg_buf_adds(b, "  <!-- A local drop folder, made by partner "
				    "new: the partner's files (or\n"
				    "       what our own SFTP server receives from "
				    "it) arrive in the inbox;\n"
				    "       ours go to the outbox.  The pattern "
				    "takes the samples' own names. -->\n"
				    "  <transport type=\"local\">\n"
				    "    <inbox path=\"drop/");
		if (!rc)
			rc = eg_cli_draft_xml(b, id);
		if (!rc)
			rc = eg_buf_adds(b, "/in\" pattern=\"");
		if (!rc)
			rc = eg_cli_draft_xml(b, pat);
		if (!rc)
			rc = eg_buf_addf(b,
					 "\" exclude=\"*.tmp\"/>\n"
					 "    <outbox path=\"drop/%s/out\"/>\n"
					 "    <!-- a file is taken once its size and "
					 "time stood still for 10 s -->\n"
					 "    <complete stable-for=\"10s\" "
					 "temp-suffix=\".tmp\"/>\n"
					 "    <!-- moved away only after it is safe "
					 "in the spool and the ledger -->\n"
					 "    <after-pickup action=\"move\" "
					 "move-to=\"drop/%s/done\"/>\n"
					 "  </transport>\n",
					 id, id);
		return rc;
	}
	for (i = 0; id[i] && i < sizeof(env) - 1; i++)
		env[i] = isalnum((unsigned char)id[i])
			     ? (char)toupper((unsigned char)id[i])
			     : '_';
	env[i] = '\0';
	rc = eg_buf_addf(
	    b,
	    "  <!-- The partner's SFTP server.  Host keys are always checked:\n"
	    "       against known_hosts (`edigate partner probe %s` shows the\n"
	    "       key to add) or a pinned host-key= fingerprint.  The key\n"
	    "       file is named by path; its passphrase comes from the\n"
	    "       environment, never from this file. -->\n"
	    "  <transport type=\"sftp\">\n"
	    "    <!-- CHECK: host, port, user and the two folders, as the "
	    "partner gives them -->\n"
	    "    <sftp host=\"sftp.%s.example\" port=\"22\" user=\"CHANGEME\"\n"
	    "          key-file=\"keys/%s_ed25519\" "
	    "known-hosts=\"keys/known_hosts\" timeout=\"30s\">\n"
	    "      <passphrase env=\"%s_KEY_PASSPHRASE\"/>\n"
	    "    </sftp>\n"
	    "    <inbox path=\"/outbound\" pattern=\"",
	    id, id, id, env);
	if (!rc)
		rc = eg_cli_draft_xml(b, pat);
	if (!rc)
		rc = eg_buf_adds(b, "\"/>\n"
				    "    <outbox path=\"/inbound\"/>\n"
				    "    <complete stable-for=\"30s\"/>\n"
				    "    <after-pickup action=\"delete\"/>\n"
				    "  </transport>\n");
	return rc;
}

static eg_err
transport(eg_buf *b, const draft *d, const char *id, int three_pl,
	  int sftp)
{
	char pat[200];

	eg_cli_draft_pattern(&d->ext,
			     three_pl ? "*.945 *.997 *.x12 *.edi" : "*.x12 *.edi",
			     pat, sizeof(pat));
	return eg_cli_draft_transport(b, id, pat, sftp);
}

typedef struct opts {
	const char *id, *name, *from;
	int three_pl, sftp;
} opts;

/* One @KEY@ of the template. */
static eg_err
token(eg_buf *out, const char *key, const opts *o, const draft *d)
{
	char upper[16], de[8], dc[8], dsg[8];
	size_t i;

	for (i = 0; o->id[i] && i < 15; i++)
		upper[i] = (char)toupper((unsigned char)o->id[i]);
	upper[i] = '\0';
	delim_attr(d->found ? d->element : '*', de, sizeof(de));
	delim_attr(d->found ? d->component : (o->three_pl ? '>' : ':'), dc,
		   sizeof(dc));
	delim_attr(d->found ? d->segment : '~', dsg, sizeof(dsg));
	if (!strcmp(key, "ID"))
		return eg_cli_draft_xml(out, o->id);
	if (!strcmp(key, "NAME"))
		return eg_cli_draft_xml(out, o->name);
	if (!strcmp(key, "PARTNER_Q"))
		return eg_cli_draft_xml(out, d->found ? d->partner_q : "ZZ");
	if (!strcmp(key, "PARTNER_ID"))
		return eg_cli_draft_xml(out, d->found ? d->partner_id : upper);
	if (!strcmp(key, "OUR_Q"))
		return eg_cli_draft_xml(out, d->found ? d->our_q : "ZZ");
	if (!strcmp(key, "OUR_ID"))
		return eg_cli_draft_xml(out, d->found ? d->our_id : "OURCOMPANY");
	if (!strcmp(key, "GS_PARTNER"))
		return eg_cli_draft_xml(out, d->gs_partner[0] ? d->gs_partner
				    : d->found     ? d->partner_id
						   : upper);
	if (!strcmp(key, "GS_OURS"))
		return eg_cli_draft_xml(out, d->gs_ours[0] ? d->gs_ours
				    : d->found  ? d->our_id
						: "OURCOMPANY");
	if (!strcmp(key, "ELEMENT"))
		return eg_cli_draft_xml(out, de);
	if (!strcmp(key, "COMPONENT"))
		return eg_cli_draft_xml(out, dc);
	if (!strcmp(key, "SEGMENT"))
		return eg_cli_draft_xml(out, dsg);
	if (!strcmp(key, "DOCUMENTS"))
		return documents(out, d, o->three_pl);
	if (!strcmp(key, "ACKS"))
		return acks(out, d);
	if (!strcmp(key, "TRANSPORT"))
		return transport(out, d, o->id, o->three_pl, o->sftp);
	if (!strcmp(key, "FROM")) {
		eg_err rc = EG_OK;

		if (o->from) {
			const char *f = o->from;

			rc = eg_buf_adds(out, "\n  (drafted from ");
			/* inside an XML comment: no "--" */
			for (; *f && !rc; f++)
				rc = f[0] == '-' && f[1] == '-'
					 ? eg_buf_adds(out, "- ")
					 : eg_cli_draft_xml(
					       out, (char[2]){f[0], '\0'});
			if (!rc)
				rc = eg_buf_adds(out, ")");
		}
		return rc;
	}
	return eg_buf_addf(out, "@%s@", key);
}

/* Replace the template's @NAME@ tokens. */
static eg_err
fill(eg_buf *out, const char *tpl, const opts *o, const draft *d)
{
	const char *p = tpl;
	eg_err rc = EG_OK;

	while (*p && !rc) {
		const char *at = strchr(p, '@'), *end;
		char key[32];

		if (!at)
			return eg_buf_adds(out, p);
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
		if (!rc)
			rc = token(out, key, o, d);
	}
	return rc;
}

static void
print_conflict(void *ud, eg_pcheck_sev sev, const char *msg)
{
	eg_cli *cli = ud;

	(void)sev;
	fprintf(cli->out, "  CONFLICT %s\n", msg);
}

/* After writing: the draft against the other partners, then the steps. */
static void
next_steps(eg_cli *cli, const eg_home *h, const opts *o, const draft *d,
	   const char *path)
{
	eg_cli_profiles all;
	size_t i;
	char env[64];

	if (eg_cli_profiles_load(cli, "partner", h, &all) == EG_EXIT_OK &&
	    (i = eg_cli_profiles_find(&all, o->id)) != (size_t)-1 &&
	    eg_cli_profiles_conflicts(&all, i, h->home, print_conflict, cli))
		fprintf(cli->out,
			"  (`edigate run` will not serve %s until that is "
			"fixed)\n",
			o->id);
	eg_cli_profiles_free(&all);
	fprintf(cli->out, "next:\n  1. read %s and fix what is marked CHECK\n",
		path);
	if (o->sftp) {
		for (i = 0; o->id[i] && i < sizeof(env) - 1; i++)
			env[i] = isalnum((unsigned char)o->id[i])
				     ? (char)toupper((unsigned char)o->id[i])
				     : '_';
		env[i] = '\0';
		fprintf(cli->out,
			"  2. make our key for the partner's server:\n"
			"       mkdir -p %s/keys && ssh-keygen -t ed25519 -f "
			"%s/keys/%s_ed25519 -C edigate-%s\n"
			"     (it asks for a passphrase: give it to edigate "
			"as $%s_KEY_PASSPHRASE), and\n"
			"     send the partner %s/keys/%s_ed25519.pub\n"
			"  3. edigate partner probe %s   (shows the server's "
			"host key: once the partner\n"
			"     confirms its fingerprint, add the line it prints "
			"to %s/keys/known_hosts)\n"
			"  4. edigate partner check %s\n",
			h->home, h->home, o->id, o->id, env, h->home, o->id,
			o->id, h->home, o->id);
	} else {
		fprintf(cli->out, "  2. edigate partner check %s\n", o->id);
	}
	fprintf(cli->out,
		"  %d. edigate partner test %s SAMPLE...%s\n"
		"  %d. once files wait in its inbox: edigate partner test %s "
		"--from-inbox,\n     then edigate run --partner %s\n",
		o->sftp ? 5 : 3, o->id,
		o->three_pl ? "   (its 945s answer our 940s: give "
			      "those with --seen FILE,\n     or record "
			      "them with edigate sent --partner ID FILE)"
			    : "",
		o->sftp ? 6 : 4, o->id, o->id);
	(void)d;
}

/* The local drop folders the draft names. */
eg_err
eg_cli_draft_drop(const eg_home *h, const char *id, eg_error *e)
{
	static const char *const sub[] = {"in", "out", "done"};
	char dir[PATH_MAX];
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; i < 3 && !rc; i++) {
		if ((size_t)snprintf(dir, sizeof(dir), "%s/drop/%s/%s", h->home,
				     id, sub[i]) >= sizeof(dir))
			return eg_fail(e, EG_ECONFIG, "home path too long");
		rc = eg_mkdirs(dir, e);
	}
	return rc;
}

static int
write_draft(eg_cli *cli, const eg_home *h, const opts *o, const draft *d,
	    int force, const char *kind_why)
{
	char path[PATH_MAX], dir[PATH_MAX], file[PATH_MAX], fname[PATH_MAX];
	char *text = NULL;
	int x = EG_EXIT_OK;
	eg_buf out;
	size_t len;
	struct stat st;
	eg_error e;

	eg_error_clear(&e);
	snprintf(file, sizeof(file), "%s/edi/templates/%s.xml",
		 h->datadir ? h->datadir : ".", o->three_pl ? "3pl" : "retailer");
	if (eg_file_read_small(file, 1 << 20, &text, &len, &e))
		return eg_cli_fail(cli, &e);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/partners", h->home) >=
		sizeof(dir) - 70 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.xml", dir, o->id) >=
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
	snprintf(fname, sizeof(fname), "%s.xml", o->id);
	if (fill(&out, text, o, d) || eg_mkdirs(dir, &e) ||
	    (!o->sftp && eg_cli_draft_drop(h, o->id, &e)) ||
	    eg_file_publish(dir, fname, out.data, out.len, &e)) {
		x = e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	} else {
		fprintf(cli->out, "wrote %s: a %s (%s), %s transport", path,
			o->three_pl ? "3pl" : "retailer", kind_why,
			o->sftp ? "sftp" : "local");
		if (d->found)
			fprintf(cli->out, ", ISA sender %s:%s", d->partner_q,
				d->partner_id);
		fputc('\n', cli->out);
		if (!o->sftp)
			fprintf(cli->out,
				"made its drop folders %s/drop/%s/in, out and "
				"done\n",
				h->home, o->id);
		next_steps(cli, h, o, d, path);
	}
	eg_buf_free(&out);
	free(text);
	return x;
}

int
eg_cli_partner_new(eg_cli *cli, int argc, char **argv, const eg_home *h)
{
	const char *tpl = NULL, *tr = "local", *kind, *why;
	int i, force = 0, nfrom = 0, x = EG_EXIT_OK;
	const char *csv = NULL; /* a master-data sample (partner_new_csv.c) */
	char *edi[32]; /* UN/EDIFACT samples (partner_new_edifact.c) */
	size_t nedi = 0;
	opts o;
	draft d;

	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--template") && i + 1 < argc)
			tpl = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			o.name = argv[++i];
		else if (!strcmp(argv[i], "--transport") && i + 1 < argc)
			tr = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--from"))
			nfrom = -1; /* the rest are samples */
		else if (nfrom && argv[i][0] != '-' && !d.found &&
			 eg_cli_sample_is_csv(argv[i])) {
			if (!csv)
				csv = argv[i];
			nfrom = 1;
		} else if (nfrom && argv[i][0] != '-' &&
			   eg_cli_is_edifact(argv[i])) {
			if (nedi == sizeof(edi) / sizeof(edi[0]))
				return eg_cli_usage(cli, "partner",
						    "at most 32 UN/EDIFACT "
						    "samples");
			edi[nedi++] = argv[i];
			nfrom = 1;
		} else if (nfrom && argv[i][0] != '-') {
			x = read_sample(cli, argv[i], &d);
			if (x)
				return x;
			if (!o.from)
				o.from = argv[i];
			nfrom = 1;
		} else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "partner", "unknown option '%s'",
					    argv[i]);
		else if (!o.id)
			o.id = argv[i];
		else
			return eg_cli_usage(cli, "partner", "one ID at a time");
	}
	if (!o.id || !eg_cli_partner_id_ok(o.id))
		return eg_cli_usage(cli, "partner",
				    "new needs an ID of lower-case letters, "
				    "digits, - and _ (e.g. acme-retail)");
	if (tpl && strcmp(tpl, "retailer") && strcmp(tpl, "3pl"))
		return eg_cli_usage(cli, "partner",
				    "--template is retailer or 3pl");
	if (strcmp(tr, "local") && strcmp(tr, "sftp"))
		return eg_cli_usage(cli, "partner",
				    "--transport is local (a drop folder) or "
				    "sftp (the partner's server)");
	if (nfrom == -1)
		return eg_cli_usage(cli, "partner", "--from needs sample files");
	if (nedi && (csv || d.found))
		return eg_cli_usage(cli, "partner",
				    "the samples mix UN/EDIFACT with X12 or "
				    "CSV: draft from one kind (the other "
				    "syntax's identity and documents can be "
				    "added to the profile by hand)");
	if (csv)
		return eg_cli_partner_new_csv(cli, h, o.id, o.name, csv, force);
	if (nedi)
		return eg_cli_partner_new_edifact(cli, h, o.id, o.name, tpl,
						  !strcmp(tr, "sftp"), edi,
						  nedi, force);
	if (nfrom && !d.found)
		return eg_cli_usage(cli, "partner",
				    "no ISA found in the sample files");
	kind = kind_of(&d);
	if (tpl && kind && strcmp(tpl, kind))
		fprintf(cli->err,
			"%s partner: warning: the samples look like a %s's "
			"(%s), but --template %s was asked for: drafting a "
			"%s\n",
			cli->prog, kind, d.sets[0], tpl, tpl);
	why = tpl ? "--template" : kind ? "from the samples' sets" : "the default";
	if (!tpl)
		tpl = kind ? kind : "retailer";
	o.three_pl = !strcmp(tpl, "3pl");
	o.sftp = !strcmp(tr, "sftp");
	if (!o.name)
		o.name = o.id;
	return write_draft(cli, h, &o, &d, force, why);
}
