/*
 * cmd_review.c - `edigate review`: the weekly review of the quarantine.
 * What went wrong (themes by root cause and partner), what still waits
 * and for how long, how long fixing took, and who released, discarded
 * or reprocessed what (the audit log).  Read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_query.h"

static void
help(FILE *f)
{
	fputs("Usage: edigate review [--since AGE] [--aging AGE] [--json]\n"
	      "                      [--spool DIR]\n\n"
	      "The weekly review of the quarantine, over the last AGE\n"
	      "(default 7d):\n"
	      "  themes    files that went to quarantine, by root-cause\n"
	      "            category and partner, most first\n"
	      "  aging     files still waiting longer than --aging (default\n"
	      "            2d), oldest first, with owner and category\n"
	      "  resolved  files released, discarded or reprocessed out of\n"
	      "            the quarantine, and the mean time from receipt\n"
	      "            to that action\n"
	      "  people    who released, discarded, reprocessed, assigned\n"
	      "            and wrote notes, and each release, discard and\n"
	      "            reprocess with its reason (from the audit log)\n\n"
	      "Options:\n"
	      "  --since AGE   the period: 7d (default), 24h, 2w ...\n"
	      "  --aging AGE   waiting longer than this is aging (default 2d)\n"
	      "  --json        one JSON object\n"
	      "  --spool DIR   the spool (default HOME/spool)\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  the review was printed\n"
	      "  2  usage error\n"
	      "  3  I/O failure, or the spool cannot be read\n",
	      f);
}

typedef struct theme {
	char category[24], partner[64];
	long n;
} theme;

typedef struct actor {
	char name[64];
	long release, discard, reprocess, assign, note, categorize;
} actor;

typedef struct rv {
	theme *th;
	size_t nth, cth;
	actor *ac;
	size_t nac, cac;
	long total;          /* files that went to quarantine */
	long resolved;
	double resolve_sum;  /* seconds */
	char (*done)[32];    /* files counted as resolved */
	size_t ndone, cdone;
	eg_buf *acts;        /* release/discard/reprocess lines or JSON */
	int json, nacts;
	eg_err rc;
} rv;

static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return v;
	p = realloc(v, (*cap ? *cap * 2 : 16) * size);
	if (p)
		*cap = *cap ? *cap * 2 : 16;
	return p;
}

static int
on_theme(void *ud, const eg_ledger_qtheme *t)
{
	rv *r = ud;
	size_t i;
	theme *v;

	r->total++;
	for (i = 0; i < r->nth; i++)
		if (!strcmp(r->th[i].category, t->category) &&
		    !strcmp(r->th[i].partner, t->partner)) {
			r->th[i].n++;
			return 0;
		}
	if (!(v = grow(r->th, &r->cth, r->nth, sizeof(*v)))) {
		r->rc = EG_ENOMEM;
		return 1;
	}
	r->th = v;
	snprintf(v[r->nth].category, sizeof(v->category), "%s", t->category);
	snprintf(v[r->nth].partner, sizeof(v->partner), "%s", t->partner);
	v[r->nth++].n = 1;
	return 0;
}

static actor *
actor_of(rv *r, const char *name)
{
	size_t i;
	actor *v;

	for (i = 0; i < r->nac; i++)
		if (!strcmp(r->ac[i].name, name))
			return &r->ac[i];
	if (!(v = grow(r->ac, &r->cac, r->nac, sizeof(*v))))
		return NULL;
	r->ac = v;
	memset(&v[r->nac], 0, sizeof(*v));
	snprintf(v[r->nac].name, sizeof(v->name), "%s", name);
	return &v[r->nac++];
}

/* A file leaves the quarantine once: its first release, discard or
 * reprocess counts for the time to resolve. */
static int
first_resolve(rv *r, const char *id)
{
	size_t i;
	char(*v)[32];

	for (i = 0; i < r->ndone; i++)
		if (!strcmp(r->done[i], id))
			return 0;
	if (!(v = grow(r->done, &r->cdone, r->ndone, sizeof(*v))))
		return -1;
	r->done = v;
	snprintf(v[r->ndone++], 32, "%s", id);
	return 1;
}

static int
on_action(void *ud, const eg_ledger_review_action *a)
{
	rv *r = ud;
	actor *p = actor_of(r, a->actor);
	int resolve = !strcmp(a->action, "release") ||
		      !strcmp(a->action, "discard") ||
		      !strcmp(a->action, "reprocess");
	char when[32];
	eg_err rc = EG_OK;

	if (!p) {
		r->rc = EG_ENOMEM;
		return 1;
	}
	p->release += !strcmp(a->action, "release");
	p->discard += !strcmp(a->action, "discard");
	p->reprocess += !strcmp(a->action, "reprocess");
	p->assign += !strcmp(a->action, "assign");
	p->note += !strcmp(a->action, "note");
	p->categorize += !strcmp(a->action, "categorize");
	if (!resolve)
		return 0;
	if (a->was_quarantined && a->received_at != EG_LEDGER_NONE) {
		int f = first_resolve(r, a->file_id);

		if (f < 0) {
			r->rc = EG_ENOMEM;
			return 1;
		}
		if (f) {
			r->resolved++;
			r->resolve_sum += (double)(a->at - a->received_at);
		}
	}
	eg_cli_fmt_time(a->at, when, sizeof(when));
	if (r->json) {
		rc = eg_buf_addf(r->acts,
				 "%s{\"at\":%lld,\"actor\":", r->nacts ? "," : "",
				 (long long)a->at);
		if (!rc)
			rc = eg_cli_json_str(r->acts, a->actor);
		if (!rc)
			rc = eg_buf_addf(r->acts,
					 ",\"action\":\"%s\",\"file\":\"%s\","
					 "\"partner\":\"%s\",\"reason\":",
					 a->action, a->file_id, a->partner);
		if (!rc)
			rc = eg_cli_json_str(r->acts, a->reason);
		if (!rc)
			rc = eg_buf_adds(r->acts, ",\"detail\":");
		if (!rc)
			rc = eg_cli_json_str(r->acts, a->detail);
		if (!rc)
			rc = eg_buf_addc(r->acts, '}');
	} else {
		rc = eg_buf_addf(r->acts, "  %s  %-10s %-9s %s (%s): %s\n", when,
				 a->actor, a->action, a->file_id,
				 a->partner[0] ? a->partner : "?", a->reason);
	}
	r->nacts++;
	r->rc = rc;
	return rc != EG_OK;
}

/* Aging files: still waiting, older than the threshold. */
typedef struct agew {
	eg_buf *b;
	eg_cli_qowners *ow;
	int64_t now, aging;
	long waiting, aged;
	int json;
	eg_err rc;
} agew;

static int
on_waiting(void *ud, const eg_ledger_quarantined *q)
{
	agew *w = ud;
	int64_t secs = w->now - q->received_at;
	char age[32];
	int dflt;
	const char *owner;
	eg_err rc;

	w->waiting++;
	if (secs <= w->aging)
		return 0;
	owner = eg_cli_qowner(w->ow, q, &dflt);
	eg_cli_fmt_age(secs, age, sizeof(age));
	if (w->json) {
		rc = eg_buf_addf(w->b,
				 "%s{\"id\":\"%s\",\"partner\":\"%s\","
				 "\"ageSeconds\":%lld,\"category\":\"%s\","
				 "\"owner\":",
				 w->aged ? "," : "", q->id, q->partner,
				 (long long)secs, q->category);
		if (!rc)
			rc = owner[0] ? eg_cli_json_str(w->b, owner)
				      : eg_buf_adds(w->b, "null");
		if (!rc)
			rc = eg_buf_addc(w->b, '}');
	} else {
		rc = eg_buf_addf(w->b, "  %s  %-12s %-8s %-20s owner: %s\n",
				 q->id, q->partner, age, q->category,
				 owner[0] ? owner : "nobody");
	}
	w->aged++;
	w->rc = rc;
	return rc != EG_OK;
}

static int
by_count(const void *a, const void *b)
{
	const theme *x = a, *y = b;
	int c;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	c = strcmp(x->category, y->category);
	return c ? c : strcmp(x->partner, y->partner);
}

static eg_err
write_review(eg_buf *b, rv *r, agew *w, eg_buf *aging, int64_t since,
	     int64_t now, int json)
{
	char from[32], to[32], mttr[32];
	eg_err rc = EG_OK;
	size_t i;

	eg_cli_fmt_time(since, from, sizeof(from));
	eg_cli_fmt_time(now, to, sizeof(to));
	eg_cli_fmt_age(r->resolved ? (int64_t)(r->resolve_sum / r->resolved)
				   : 0,
		       mttr, sizeof(mttr));
	if (r->nth)
		qsort(r->th, r->nth, sizeof(*r->th), by_count);
	if (json) {
		rc = eg_buf_addf(b,
				 "{\"since\":%lld,\"until\":%lld,"
				 "\"quarantined\":%ld,\"themes\":[",
				 (long long)since, (long long)now, r->total);
		for (i = 0; !rc && i < r->nth; i++)
			rc = eg_buf_addf(b,
					 "%s{\"category\":\"%s\",\"partner\":"
					 "\"%s\",\"files\":%ld}",
					 i ? "," : "", r->th[i].category,
					 r->th[i].partner, r->th[i].n);
		if (!rc)
			rc = eg_buf_addf(b,
					 "],\"waiting\":%ld,\"aging\":[%.*s],"
					 "\"resolved\":%ld,"
					 "\"meanTimeToResolveSeconds\":",
					 w->waiting, (int)aging->len,
					 aging->data ? aging->data : "",
					 r->resolved);
		if (!rc)
			rc = r->resolved ? eg_buf_addf(b, "%lld",
						       (long long)(r->resolve_sum /
								   r->resolved))
					 : eg_buf_adds(b, "null");
		if (!rc)
			rc = eg_buf_adds(b, ",\"people\":[");
		for (i = 0; !rc && i < r->nac; i++) {
			const actor *a = &r->ac[i];

			rc = eg_buf_addf(b, "%s{\"actor\":", i ? "," : "");
			if (!rc)
				rc = eg_cli_json_str(b, a->name);
			if (!rc)
				rc = eg_buf_addf(
				    b,
				    ",\"release\":%ld,\"discard\":%ld,"
				    "\"reprocess\":%ld,\"assign\":%ld,"
				    "\"note\":%ld,\"categorize\":%ld}",
				    a->release, a->discard, a->reprocess,
				    a->assign, a->note, a->categorize);
		}
		if (!rc)
			rc = eg_buf_addf(b, "],\"actions\":[%.*s]}\n",
					 (int)r->acts->len,
					 r->acts->data ? r->acts->data : "");
		return rc;
	}
	rc = eg_buf_addf(b,
			 "Quarantine review, %s to %s (UTC)\n\n"
			 "Themes: %ld file(s) went to quarantine\n",
			 from, to, r->total);
	if (!rc && r->nth)
		rc = eg_buf_adds(b, "  files  category             partner\n");
	for (i = 0; !rc && i < r->nth; i++)
		rc = eg_buf_addf(b, "  %5ld  %-20s %s\n", r->th[i].n,
				 r->th[i].category, r->th[i].partner);
	if (!rc)
		rc = eg_buf_addf(b,
				 "\nAging: %ld file(s) waiting, %ld of them "
				 "longer than the aging threshold\n%.*s",
				 w->waiting, w->aged, (int)aging->len,
				 aging->data ? aging->data : "");
	if (!rc)
		rc = eg_buf_addf(b,
				 "\nResolved: %ld file(s) left the quarantine; "
				 "mean time to resolve: %s\n",
				 r->resolved, r->resolved ? mttr : "-");
	if (!rc)
		rc = eg_buf_adds(b, "\nPeople:\n");
	for (i = 0; !rc && i < r->nac; i++) {
		const actor *a = &r->ac[i];

		rc = eg_buf_addf(b,
				 "  %-12s released %ld, discarded %ld, "
				 "reprocessed %ld, assigned %ld, notes %ld, "
				 "categorized %ld\n",
				 a->name, a->release, a->discard, a->reprocess,
				 a->assign, a->note, a->categorize);
	}
	if (!rc && r->nac == 0)
		rc = eg_buf_adds(b, "  nobody acted on the quarantine\n");
	if (!rc && r->nacts)
		rc = eg_buf_addf(b,
				 "\nReleased, discarded, reprocessed:\n%.*s",
				 (int)r->acts->len, r->acts->data);
	return rc;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *since_s = "7d", *aging_s = "2d", *spool = NULL;
	int64_t since = 0, aging = 0;
	eg_cli_qowners ow;
	eg_buf b, acts, aging_b;
	eg_cli_spool s;
	eg_error e;
	agew w;
	rv r;
	int i, json = 0, x;
	eg_err rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			since_s = argv[++i];
		} else if (!strcmp(argv[i], "--aging") && i + 1 < argc) {
			aging_s = argv[++i];
		} else if (!strcmp(argv[i], "--spool") && i + 1 < argc) {
			spool = argv[++i];
		} else {
			return eg_cli_usage(cli, "review",
					    "unknown argument '%s'", argv[i]);
		}
	}
	if (eg_cli_parse_age(since_s, &since) ||
	    eg_cli_parse_age(aging_s, &aging))
		return eg_cli_usage(cli, "review",
				    "--since and --aging take an age such as "
				    "24h, 7d or 2w");
	if ((x = eg_cli_spool_open(cli, "review", spool, EG_SPOOL_READ, &s)))
		return x;
	if ((x = eg_cli_qowners_open(cli, &s.home, &ow))) {
		eg_cli_qowners_close(&ow);
		eg_cli_spool_close(&s);
		return x;
	}
	since = (int64_t)s.now - since;
	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	eg_buf_init(&b, (size_t)64 << 20);
	eg_buf_init(&acts, (size_t)32 << 20);
	eg_buf_init(&aging_b, (size_t)16 << 20);
	r.acts = &acts;
	r.json = w.json = json;
	w.b = &aging_b;
	w.ow = &ow;
	w.now = (int64_t)s.now;
	w.aging = aging;
	eg_error_clear(&e);
	rc = eg_ledger_review_quarantined(s.ledger, since, on_theme, &r, &e);
	if (!rc && !r.rc)
		rc = eg_ledger_quarantine_list(s.ledger, NULL, on_waiting, &w,
					       &e);
	if (!rc && !r.rc && !w.rc)
		rc = eg_ledger_review_actions(s.ledger, since, on_action, &r,
					      &e);
	if (rc) {
		x = eg_cli_fail(cli, &e);
	} else if (r.rc || w.rc ||
		   write_review(&b, &r, &w, &aging_b, since, (int64_t)s.now,
				json)) {
		fprintf(cli->err, "%s review: out of memory\n", cli->prog);
		x = EG_EXIT_IO;
	} else {
		x = eg_cli_write(cli, b.data, b.len);
	}
	eg_buf_free(&b);
	eg_buf_free(&acts);
	eg_buf_free(&aging_b);
	free(r.th);
	free(r.ac);
	free(r.done);
	eg_cli_qowners_close(&ow);
	eg_cli_spool_close(&s);
	return x;
}

const eg_command eg_cmd_review = {
	"review", "the weekly review of the quarantine: themes, aging, who",
	run, help,
};
