/*
 * cmd_sent_list.c - `edigate sent list` and `edigate sent show FILE-ID`:
 * the documents we sent and what the partner's acknowledgements said.
 *
 * A document is ready (written, not delivered), sent (delivered, no
 * acknowledgement yet), overdue (no acknowledgement within the window),
 * or acknowledged: accepted, with errors, partially or rejected, from
 * the TA1/997/999 `run` received and matched (ledger_acks.c).  The
 * acknowledgement window is --ack-within, else the partner's <expect
 * within=>; a profile's answer rule (<arrival set="945" after-sent="940"
 * within="4h">) adds each set's answer: answered, waiting or overdue.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/ack_codes.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_out.h"
#include "edigate/profile.h"

void eg_cli_sent_help(FILE *f);

void
eg_cli_sent_help(FILE *f)
{
	fputs("       edigate sent list [--partner ID] [--ack-within DUR] "
	      "[--limit N] [--json]\n"
	      "       edigate sent show FILE-ID [--ack-within DUR] [--json]\n\n"
	      "list and show: the documents `edigate send` sent, newest\n"
	      "first, each with its state: ready (not delivered yet), sent\n"
	      "(waiting for the partner's acknowledgement), overdue (none\n"
	      "within --ack-within, default 24h; 30m, 2h, 1d), or\n"
	      "acknowledged: accepted, with-errors, partially, rejected.\n"
	      "Without --ack-within the window is the partner's <expect\n"
	      "within=> (24h when it has none).  Where the profile expects\n"
	      "an answer (<arrival set=\"945\" after-sent=\"940\"\n"
	      "within=\"4h\">) each set shows it: answered (by which file),\n"
	      "waiting, or overdue.  Overdue, rejected and with-errors\n"
	      "documents need attention.\n"
	      "show adds every acknowledgement status received for it.\n\n",
	      f);
}

#define MAX_PROFILES 32 /* partners whose profiles a listing keeps */

typedef struct listctx {
	eg_cli *cli;
	const eg_cli_spool *s;
	eg_buf *json;
	int64_t now, window;
	int window_given, show;
	unsigned n, attention;
	eg_err rc;
	eg_error *e;
	struct {
		char id[64];
		eg_profile *p; /* NULL: it does not load */
	} prof[MAX_PROFILES];
	size_t nprof;
} listctx;

/* The partner's profile (loaded once), or NULL. */
static const eg_profile *
profile_of(listctx *c, const char *id)
{
	char path[PATH_MAX];
	eg_profile *p = NULL;
	eg_error pe;
	size_t i;

	for (i = 0; i < c->nprof; i++)
		if (!strcmp(c->prof[i].id, id))
			return c->prof[i].p;
	eg_error_clear(&pe);
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml",
			     c->s->home.home, id) >= sizeof(path) ||
	    eg_profile_load(&p, path, c->s->home.datadir, &pe))
		p = NULL;
	if (c->nprof < MAX_PROFILES) {
		snprintf(c->prof[c->nprof].id, sizeof(c->prof[0].id), "%s", id);
		c->prof[c->nprof++].p = p;
	}
	return p;
}

/* The acknowledgement window of a partner: --ack-within, else the
 * shortest <expect within=>, else 24h. */
static int64_t
ack_window(listctx *c, const eg_profile *p)
{
	int64_t w = 0;
	size_t i;

	if (c->window_given || !p)
		return c->window;
	for (i = 0; i < p->sla.nack; i++)
		if (!w || p->sla.ack[i].within < w)
			w = p->sla.ack[i].within;
	return w ? w : c->window;
}

/* The answers a document's sets got, for one answer rule. */
typedef struct anscount {
	listctx *c;
	unsigned expected, answered;
	int64_t last_at;
	char pending[160]; /* the first key still waiting */
	eg_buf *detail;    /* JSON of each set, or NULL */
} anscount;

static int
one_answer(void *ud, const eg_ledger_answer *a)
{
	anscount *k = ud;
	eg_buf *b = k->detail;
	char at[32];

	k->expected++;
	if (a->answer_file[0]) {
		k->answered++;
		if (a->answered_at > k->last_at)
			k->last_at = a->answered_at;
	} else if (!k->pending[0]) {
		snprintf(k->pending, sizeof(k->pending), "%s",
			 a->key[0] ? a->key : a->st02);
	}
	if (k->c->show && !k->c->json) {
		eg_cli_fmt_time(a->answered_at, at, sizeof(at));
		if (a->answer_file[0])
			fprintf(k->c->cli->out, "%16s   set %s %s: answered by "
				"file %s at %s\n", "", a->st02, a->key,
				a->answer_file, at);
		else
			fprintf(k->c->cli->out, "%16s   set %s %s: no answer "
				"yet\n", "", a->st02, a->key);
	}
	if (!b)
		return 0;
	if ((k->c->rc = eg_buf_adds(b, k->expected > 1 ? "," : "")) ||
	    (k->c->rc = eg_buf_adds(b, "{\"st02\":")) ||
	    (k->c->rc = eg_cli_json_str(b, a->st02)) ||
	    (k->c->rc = eg_buf_adds(b, ",\"key\":")) ||
	    (k->c->rc = eg_cli_json_str(b, a->key)) ||
	    (k->c->rc = eg_buf_adds(b, ",\"answer_file\":")) ||
	    (k->c->rc = eg_cli_json_str(b, a->answer_file)) ||
	    (k->c->rc = eg_buf_addf(b, ",\"answered_at\":%lld}",
				 (long long)a->answered_at)))
		return 1;
	return 0;
}

/* Each answer rule of the partner that applies to the document's sets:
 * "945 answered 1 of 2, overdue (order-number=ORD2 waiting)". */
static void
answers(listctx *c, const eg_profile *p, const eg_ledger_sent_doc *d)
{
	size_t i, nrules = 0;
	eg_buf *b = c->json;

	if (b && (c->rc = eg_buf_adds(b, ",\"answers\":[")))
		return;
	for (i = 0; p && !c->rc && i < p->sla.narr; i++) {
		const eg_sla_arrival *a = &p->sla.arr[i];
		anscount k;
		const char *st;
		char sets[8];

		snprintf(sets, sizeof(sets), "%s ", a->after_sent);
		if (!a->after_sent[0] || !strstr(d->sets, sets))
			continue;
		memset(&k, 0, sizeof(k));
		k.c = c;
		if (b && ((c->rc = eg_buf_adds(b, nrules ? "," : "")) ||
			  (c->rc = eg_buf_adds(b, "{\"set\":")) ||
			  (c->rc = eg_cli_json_str(b, a->set)) ||
			  (c->rc = eg_buf_adds(b, ",\"sets\":["))))
			return;
		k.detail = b;
		nrules++;
		if ((c->rc = eg_ledger_out_answers(c->s->ledger, d,
						   a->after_sent, a->set,
						   one_answer, &k, c->e)))
			return;
		st = k.answered == k.expected ? "answered"
		     : strcmp(d->delivery, "sent") != 0 ? "not-sent"
		     : c->now - d->at > a->within	 ? "overdue"
							 : "waiting";
		if (!strcmp(st, "overdue"))
			c->attention++;
		if (b) {
			if ((c->rc = eg_buf_adds(b, "],\"state\":")) ||
			    (c->rc = eg_cli_json_str(b, st)) ||
			    (c->rc = eg_buf_addf(b, ",\"expected\":%u,"
						 "\"answered\":%u,"
						 "\"within\":%lld}",
						 k.expected, k.answered,
						 (long long)a->within)))
				return;
			continue;
		}
		fprintf(c->cli->out, "%16s %s answered %u of %u: %s", "",
			a->set, k.answered, k.expected, st);
		if (k.pending[0] && strcmp(st, "answered") != 0)
			fprintf(c->cli->out, " (%s: no %s within %lldh%02lldm)",
				k.pending, a->set, (long long)a->within / 3600,
				(long long)a->within % 3600 / 60);
		fputc('\n', c->cli->out);
	}
	if (b && !c->rc)
		c->rc = eg_buf_adds(b, "]");
}

static long long
duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "s") || !*end)
		return v;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	if (!strcmp(end, "d"))
		return v * 86400;
	return -1;
}

static int
one_doc(void *ud, const eg_ledger_sent_doc *d)
{
	listctx *c = ud;
	const eg_profile *p = profile_of(c, d->partner);
	const char *st = eg_ledger_sent_state(d, c->now, ack_window(c, p));
	char at[32], how[40];
	eg_buf *b = c->json;

	c->n++;
	if (!strcmp(st, "overdue") ||
	    (d->ack[0] && strcmp(d->ack, "accepted") != 0))
		c->attention++;
	eg_cli_fmt_time(d->at, at, sizeof(at));
	snprintf(how, sizeof(how), "%s%s%s", st, d->ack[0] ? ": " : "",
		 d->ack);
	if (!b) {
		fprintf(c->cli->out, "%-16s %-10s %-28s %-9s %-28s %s\n",
			d->file_id, d->partner, d->name, d->isa13, how, at);
		fprintf(c->cli->out, "%16s sets %s%s%s\n", "", d->sets,
			d->keys[0] ? "; " : "", d->keys);
		answers(c, p, d);
		return c->rc != EG_OK;
	}
	if ((c->rc = eg_buf_adds(b, c->n > 1 ? "," : "")) ||
	    (c->rc = eg_buf_adds(b, "{\"file_id\":")) ||
	    (c->rc = eg_cli_json_str(b, d->file_id)) ||
	    (c->rc = eg_buf_adds(b, ",\"partner\":")) ||
	    (c->rc = eg_cli_json_str(b, d->partner)) ||
	    (c->rc = eg_buf_adds(b, ",\"input\":")) ||
	    (c->rc = eg_cli_json_str(b, d->input)) ||
	    (c->rc = eg_buf_adds(b, ",\"name\":")) ||
	    (c->rc = eg_cli_json_str(b, d->name)) ||
	    (c->rc = eg_buf_adds(b, ",\"isa13\":")) ||
	    (c->rc = eg_cli_json_str(b, d->isa13)) ||
	    (c->rc = eg_buf_adds(b, ",\"gs06\":")) ||
	    (c->rc = eg_cli_json_str(b, d->gs06)) ||
	    (c->rc = eg_buf_adds(b, ",\"sets\":")) ||
	    (c->rc = eg_cli_json_str(b, d->sets)) ||
	    (c->rc = eg_buf_adds(b, ",\"keys\":")) ||
	    (c->rc = eg_cli_json_str(b, d->keys)) ||
	    (c->rc = eg_buf_adds(b, ",\"state\":")) ||
	    (c->rc = eg_cli_json_str(b, st)) ||
	    (c->rc = eg_buf_adds(b, ",\"ack\":")) ||
	    (c->rc = eg_cli_json_str(b, d->ack)) ||
	    (c->rc = eg_buf_adds(b, ",\"ack_detail\":")) ||
	    (c->rc = eg_cli_json_str(b, d->ack_detail)) ||
	    (c->rc = eg_buf_addf(b, ",\"at\":%lld,\"acked_at\":%lld",
				 (long long)d->at, (long long)d->acked_at)))
		return 1;
	answers(c, p, d);
	if (!c->rc)
		c->rc = eg_buf_adds(b, "}");
	return c->rc != EG_OK;
}

/* The partner's codes in plain words (the first of each level). */
static void
explain(listctx *c, const eg_ledger_ack *a)
{
	char first[8];
	eg_code_table t = !strcmp(a->level, "set")	   ? EG_CODES_AK502
			  : !strcmp(a->level, "group")	   ? EG_CODES_AK905
							   : EG_CODES_TA105;

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(a->codes, " "),
		 a->codes);
	fprintf(c->cli->out, "    code %s: %s\n", first,
		eg_ack_code_text(t, first));
}

static int
one_ack(void *ud, const eg_ledger_ack *a)
{
	listctx *c = ud;
	char at[32];

	eg_cli_fmt_time(a->at, at, sizeof(at));
	if (c->json) {
		eg_buf *b = c->json;

		if ((c->rc = eg_buf_adds(b, c->n++ ? "," : "")) ||
		    (c->rc = eg_buf_adds(b, "{\"in_file\":")) ||
		    (c->rc = eg_cli_json_str(b, a->file_id)) ||
		    (c->rc = eg_buf_adds(b, ",\"type\":")) ||
		    (c->rc = eg_cli_json_str(b, a->ack_type)) ||
		    (c->rc = eg_buf_adds(b, ",\"level\":")) ||
		    (c->rc = eg_cli_json_str(b, a->level)) ||
		    (c->rc = eg_buf_adds(b, ",\"status\":")) ||
		    (c->rc = eg_cli_json_str(b, a->status)) ||
		    (c->rc = eg_buf_adds(b, ",\"codes\":")) ||
		    (c->rc = eg_cli_json_str(b, a->codes)) ||
		    (c->rc = eg_buf_adds(b, ",\"detail\":")) ||
		    (c->rc = eg_cli_json_str(b, a->detail)) ||
		    (c->rc = eg_buf_adds(b, "}")))
			return 1;
		return 0;
	}
	c->n++;
	fprintf(c->cli->out, "  %s %s %-11s %s%s%s%s  (file %s, %s)\n",
		a->ack_type, a->status, a->level, a->gs06[0] ? "group " : "",
		a->gs06, a->st02[0] ? " set " : "", a->st02, a->file_id, at);
	if (a->codes[0])
		explain(c, a);
	if (a->detail[0])
		fprintf(c->cli->out, "    %s\n", a->detail);
	return 0;
}

int eg_cli_sent_list(eg_cli *cli, int argc, char **argv);

int
eg_cli_sent_list(eg_cli *cli, int argc, char **argv)
{
	const char *partner = NULL, *spool = NULL, *id = NULL;
	int show = !strcmp(argv[1], "show"), json = 0, i, x, window_given = 0;
	long long window = 86400, limit = 50;
	eg_cli_spool s;
	eg_buf b;
	listctx c;
	eg_error e;
	eg_err rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--partner") && i + 1 < argc)
			partner = argv[++i];
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--ack-within") && i + 1 < argc) {
			window_given = 1;
			if ((window = duration(argv[++i])) < 0)
				return eg_cli_usage(cli, "sent",
						    "--ack-within takes 30m, "
						    "2h, 1d, not '%s'",
						    argv[i]);
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			limit = strtoll(argv[++i], NULL, 10);
			if (limit < 0)
				return eg_cli_usage(cli, "sent",
						    "--limit takes a count");
		} else if (argv[i][0] == '-')
			return eg_cli_usage(cli, "sent", "unknown option '%s'",
					    argv[i]);
		else if (show && !id)
			id = argv[i];
		else
			return eg_cli_usage(cli, "sent", "unexpected '%s'",
					    argv[i]);
	}
	if (show && !id)
		return eg_cli_usage(cli, "sent", "show needs a FILE-ID");
	if ((x = eg_cli_spool_open(cli, "sent", spool, EG_SPOOL_READ, &s)))
		return x;
	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.s = &s;
	c.e = &e;
	c.show = show;
	c.now = (int64_t)s.now;
	c.window = window;
	c.window_given = window_given;
	eg_buf_init(&b, 64u << 20);
	c.json = json ? &b : NULL;
	eg_error_clear(&e);
	rc = eg_buf_adds(&b, show ? "{\"documents\":[" : "{\"documents\":[");
	if (!rc)
		rc = eg_ledger_out_sent(s.ledger, partner, id,
					show ? 0 : (unsigned)limit, one_doc, &c,
					&e);
	if (!rc)
		rc = c.rc;
	if (!rc && show && !c.n) {
		fprintf(cli->err, "%s sent: no document was sent for %s (see "
				  "edigate sent list)\n",
			cli->prog, id);
		for (i = 0; i < (int)c.nprof; i++)
			eg_profile_free(c.prof[i].p);
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		return EG_EXIT_USAGE;
	}
	if (!rc && show) {
		unsigned docs = c.n;

		if (!json)
			fprintf(cli->out, "acknowledgements received:\n");
		else
			rc = eg_buf_adds(&b, "],\"acks\":[");
		c.n = 0;
		if (!rc)
			rc = eg_ledger_acks_of_file(s.ledger, id, one_ack, &c,
						    &e);
		if (!rc)
			rc = c.rc;
		if (!rc && !json && !c.n)
			fprintf(cli->out, "  none yet\n");
		c.n = docs;
	}
	if (!rc && json) {
		rc = eg_buf_addf(&b, "],\"count\":%u,\"attention\":%u}\n", c.n,
				 c.attention);
		if (!rc)
			x = eg_cli_write(cli, b.data, b.len);
	} else if (!rc && !show) {
		fprintf(cli->out, "%u document(s), %u need attention "
				  "(overdue, rejected or with errors)\n",
			c.n, c.attention);
	}
	if (rc) {
		if (!e.msg[0])
			eg_fail(&e, rc, "out of memory");
		x = eg_cli_fail(cli, &e);
	}
	for (i = 0; i < (int)c.nprof; i++)
		eg_profile_free(c.prof[i].p);
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	return x;
}
