/*
 * segjson.c - one segment as JSON for `edigate parse --json`, whatever
 * its syntax: read through the syntax descriptor's segment view
 * (syntax.h: value, repetitions, components), so X12 and EDIFACT print
 * the same shape.
 *
 *   {"id":"BGM","offset":120,"index":3,"position":2,
 *    "elements":["220",["A","B"],{"repetitions":["1","2"]}]}
 *
 * An element is a string, an array of components when it has more than
 * one, or an object of repetitions when it repeats.  Values are JSON
 * strings (release characters already removed for EDIFACT).
 */
#include "cli.h"

#include "edigate/buf.h"

static void
put_span(FILE *out, eg_buf *b, eg_span s)
{
	eg_buf_reset(b);
	if (eg_buf_add_json(b, s.p, s.len) == EG_OK)
		fputs(eg_buf_cstr(b), out);
}

static void
json_rep(FILE *out, eg_buf *b, const eg_syntax_desc *syn, const eg_segment *s,
	 size_t i, size_t r)
{
	size_t nc = syn->components(s, i, r), k;

	if (nc <= 1) {
		put_span(out, b, syn->value(s, i, r, 0));
		return;
	}
	fputc('[', out);
	for (k = 1; k <= nc; k++) {
		if (k > 1)
			fputc(',', out);
		put_span(out, b, syn->value(s, i, r, k));
	}
	fputc(']', out);
}

void
eg_cli_json_segment(FILE *out, eg_buf *b, const eg_syntax_desc *syn,
		    const eg_segment *s)
{
	size_t i, r;

	fprintf(out, "{\"id\":\"%s\",\"offset\":%llu,\"index\":%llu", s->id,
		(unsigned long long)s->offset, (unsigned long long)s->index);
	if (s->txn_pos)
		fprintf(out, ",\"position\":%u", (unsigned)s->txn_pos);
	fputs(",\"elements\":[", out);
	for (i = 1; i <= s->nelem; i++) {
		size_t nr = syn->repetitions(s, i);

		if (i > 1)
			fputc(',', out);
		if (nr <= 1) {
			json_rep(out, b, syn, s, i, 1);
			continue;
		}
		fputs("{\"repetitions\":[", out);
		for (r = 1; r <= nr; r++) {
			if (r > 1)
				fputc(',', out);
			json_rep(out, b, syn, s, i, r);
		}
		fputs("]}", out);
	}
	fputs("]}", out);
}
