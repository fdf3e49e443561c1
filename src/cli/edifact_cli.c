/*
 * edifact_cli.c - the EDIFACT side of `edigate parse` and `edigate
 * validate`: the commands detect the syntax and call in here for a file
 * in UN/EDIFACT (the X12 paths stay as they are).
 *
 * parse streams the interchanges, groups, messages and segments as text
 * or one JSON object (values unescaped: release characters removed);
 * validate runs the service-segment checks and prints every finding with
 * its position and 0085 code, then the outcome of every message, group
 * and interchange.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/edifact.h"
#include "edigate/edifact_check.h"
#include "edigate/format.h"

#define JSON_MAX ((size_t)1 << 32)

/* --- parse ---------------------------------------------------------------- */

enum { D_NONE, D_ICHG, D_GROUP, D_MSG };

/* Open levels as a stack: a message sits in a group or straight in its
 * interchange. */
typedef struct pctx {
	eg_cli *cli;
	int json;
	int depth;     /* the innermost open level (D_*) */
	int lv[4], n;  /* open levels, outermost first */
	int first[5];  /* per stack height: no child written yet */
	eg_buf b;
} pctx;

static void
put_json(pctx *p, const char *s, size_t n)
{
	eg_buf_reset(&p->b);
	if (eg_buf_add_json(&p->b, s, n) == EG_OK)
		fputs(eg_buf_cstr(&p->b), p->cli->out);
}

static void
put_span(pctx *p, eg_span s)
{
	put_json(p, s.p, s.len);
}

/* A separator for people: ':', 0x1D, "none". */
static void
sep_text(unsigned char c, char *dst, size_t cap, int quote)
{
	if (c == 0)
		snprintf(dst, cap, "none");
	else if (c < 0x20 || c >= 0x7f)
		snprintf(dst, cap, "0x%02X", c);
	else
		snprintf(dst, cap, quote ? "'%c'" : "%c", c);
}

static void
json_sep(pctx *p)
{
	if (!p->first[p->n])
		fputc(',', p->cli->out);
	p->first[p->n] = 0;
}

/* Close every open level deeper than depth. */
static void
close_to(pctx *p, int depth)
{
	while (p->n > 0 && p->lv[p->n - 1] > depth) {
		if (p->json)
			fputs("]}", p->cli->out);
		p->n--;
	}
	p->depth = p->n ? p->lv[p->n - 1] : D_NONE;
}

static void
push(pctx *p, int depth)
{
	p->lv[p->n++] = depth;
	p->depth = depth;
	p->first[p->n] = 1;
}

static void
open_ichg(pctx *p, const eg_edifact_segment *s)
{
	const eg_edifact_syntax *y = s->syntax;
	const eg_edifact_delims *d = &y->d;
	char c[8], e[8], dm[8], rl[8], rp[8], t[8];
	int q = !p->json;

	sep_text(d->component, c, sizeof(c), q);
	sep_text(d->element, e, sizeof(e), q);
	sep_text(d->decimal, dm, sizeof(dm), q);
	sep_text(d->release, rl, sizeof(rl), q);
	sep_text(d->repetition, rp, sizeof(rp), q);
	sep_text(d->segment, t, sizeof(t), q);
	if (p->json) {
		json_sep(p);
		fputs("{\"type\":\"interchange\",\"control\":", p->cli->out);
		put_span(p, eg_edifact_comp(s, 5, 1));
		fputs(",\"sender\":", p->cli->out);
		put_span(p, eg_edifact_comp(s, 2, 1));
		fputs(",\"recipient\":", p->cli->out);
		put_span(p, eg_edifact_comp(s, 3, 1));
		fprintf(p->cli->out, ",\"syntax\":\"%s\",\"version\":\"%c\","
				     "\"una\":%s,\"separators\":{",
			y->id, y->version ? y->version : '?',
			d->una ? "true" : "false");
		fputs("\"component\":", p->cli->out);
		put_json(p, c, strlen(c));
		fputs(",\"element\":", p->cli->out);
		put_json(p, e, strlen(e));
		fputs(",\"decimal\":", p->cli->out);
		put_json(p, dm, strlen(dm));
		fputs(",\"release\":", p->cli->out);
		put_json(p, rl, strlen(rl));
		fputs(",\"repetition\":", p->cli->out);
		put_json(p, rp, strlen(rp));
		fputs(",\"segment\":", p->cli->out);
		put_json(p, t, strlen(t));
		fputs("},\"children\":[", p->cli->out);
	} else {
		eg_span ref = eg_edifact_comp(s, 5, 1);
		eg_span sn = eg_edifact_comp(s, 2, 1), sq = eg_edifact_comp(s, 2, 2);
		eg_span rn = eg_edifact_comp(s, 3, 1), rq = eg_edifact_comp(s, 3, 2);

		fprintf(p->cli->out,
			"interchange %u (UN/EDIFACT): UNB 0020 %.*s, %.*s%s%.*s "
			"-> %.*s%s%.*s, syntax %s:%c\n  separators%s: "
			"component %s, element %s, decimal %s, release %s, "
			"repetition %s, segment %s\n",
			s->interchange, (int)ref.len, ref.p, (int)sn.len, sn.p,
			sq.len ? ":" : "", (int)sq.len, sq.p, (int)rn.len, rn.p,
			rq.len ? ":" : "", (int)rq.len, rq.p, y->id,
			y->version ? y->version : '?',
			d->una ? " (from UNA)"
			: d->level_b ? " (level B defaults)"
				     : " (level A defaults)",
			c, e, dm, rl, rp, t);
	}
	push(p, D_ICHG);
}

static void
open_level(pctx *p, int depth, const eg_edifact_segment *s)
{
	close_to(p, depth - 1);
	if (depth == D_ICHG) {
		open_ichg(p, s);
		return;
	}
	if (p->json) {
		json_sep(p);
		if (depth == D_GROUP) {
			fputs("{\"type\":\"group\",\"control\":", p->cli->out);
			put_span(p, eg_edifact_comp(s, 5, 1));
			fputs(",\"children\":[", p->cli->out);
		} else {
			fputs("{\"type\":\"message\",\"message_type\":",
			      p->cli->out);
			put_span(p, eg_edifact_comp(s, 2, 1));
			fputs(",\"version\":", p->cli->out);
			put_span(p, eg_edifact_comp(s, 2, 2));
			fputs(",\"release\":", p->cli->out);
			put_span(p, eg_edifact_comp(s, 2, 3));
			fputs(",\"agency\":", p->cli->out);
			put_span(p, eg_edifact_comp(s, 2, 4));
			fputs(",\"control\":", p->cli->out);
			put_span(p, eg_edifact_comp(s, 1, 1));
			fputs(",\"segments\":[", p->cli->out);
		}
	} else if (depth == D_GROUP) {
		eg_span g = eg_edifact_comp(s, 5, 1);

		fprintf(p->cli->out, "  group UNG 0048 %.*s\n", (int)g.len, g.p);
	} else {
		eg_span r = eg_edifact_comp(s, 1, 1);
		eg_span t = eg_edifact_comp(s, 2, 1), v = eg_edifact_comp(s, 2, 2),
			l = eg_edifact_comp(s, 2, 3);

		fprintf(p->cli->out, "    message %.*s:%.*s:%.*s, UNH 0062 %.*s\n",
			(int)t.len, t.p, (int)v.len, v.p, (int)l.len, l.p,
			(int)r.len, r.p);
	}
	push(p, depth);
}

static void
segment_out(pctx *p, const eg_edifact_segment *s)
{
	if (p->json) {
		eg_segment v;

		json_sep(p);
		eg_syntax_edifact_view(s, &v);
		eg_cli_json_segment(p->cli->out, &p->b, &eg_syntax_edifact, &v);
		return;
	}
	eg_buf_reset(&p->b);
	if (eg_buf_add_printable(&p->b, s->raw, s->raw_len) != EG_OK)
		return;
	fprintf(p->cli->out, "%*s%6llu  %s%s\n", 2 * p->n + 2, "",
		(unsigned long long)s->index, eg_buf_cstr(&p->b),
		s->unwrapped ? "   (line breaks removed)" : "");
}

static void
on_segment(pctx *p, const eg_edifact_segment *s)
{
	uint32_t t = s->tag;

	if (t == EG_EDIFACT_UNB)
		open_level(p, D_ICHG, s);
	else if (t == EG_EDIFACT_UNG && p->depth >= D_ICHG)
		open_level(p, D_GROUP, s);
	else if (t == EG_EDIFACT_UNH && p->depth >= D_ICHG)
		open_level(p, D_MSG, s);
	else if (t == EG_EDIFACT_UNE && p->depth >= D_GROUP)
		close_to(p, D_GROUP);
	else if (t == EG_EDIFACT_UNZ && p->depth >= D_ICHG)
		close_to(p, D_ICHG);
	segment_out(p, s);
	if (t == EG_EDIFACT_UNT && p->depth == D_MSG)
		close_to(p, D_GROUP);
	else if (t == EG_EDIFACT_UNE && p->depth == D_GROUP)
		close_to(p, D_ICHG);
	else if (t == EG_EDIFACT_UNZ && p->depth == D_ICHG)
		close_to(p, D_NONE);
}

int
eg_cli_edifact_parse(eg_cli *cli, const char *file, int json)
{
	pctx p;
	eg_source *src = NULL;
	eg_edifact_reader *rd = NULL;
	const eg_edifact_segment *s;
	eg_error e;
	eg_err rc;
	int x = EG_EXIT_OK;

	memset(&p, 0, sizeof(p));
	p.cli = cli;
	p.json = json;
	eg_error_clear(&e);
	eg_buf_init(&p.b, (size_t)1 << 30);
	rc = eg_source_open_file(&src, file, &e);
	if (!rc)
		rc = eg_edifact_reader_new(&rd, src, NULL, &e);
	if (rc) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (json) {
		fputs("{\"file\":", cli->out);
		put_json(&p, file, strlen(file));
		fputs(",\"format\":\"edifact\",\"interchanges\":[", cli->out);
		p.first[0] = 1;
	} else {
		fprintf(cli->out, "%s\n", file);
	}
	while ((rc = eg_edifact_reader_next(rd, &s, &e)) == EG_OK && s)
		on_segment(&p, s);
	close_to(&p, D_NONE);
	if (json) {
		char msg[EG_ERRMSG_MAX + 256];

		fputs("],\"error\":", cli->out);
		if (rc) {
			eg_error_format(&e, msg, sizeof(msg));
			fprintf(cli->out, "{\"code\":\"%s\",\"offset\":%llu,"
					  "\"message\":",
				eg_err_str(rc), (unsigned long long)e.pos.offset);
			put_json(&p, msg, strlen(msg));
			fputs("}", cli->out);
		} else {
			fputs("null", cli->out);
		}
		fputs("}\n", cli->out);
		x = eg_cli_exit_for(rc);
	} else if (rc) {
		x = eg_cli_fail(cli, &e);
	}
out:
	eg_edifact_reader_free(rd);
	eg_source_free(src);
	eg_buf_free(&p.b);
	return x;
}

/* --- validate ------------------------------------------------------------ */

typedef struct vctx {
	eg_cli *cli;
	int json, verbose;
	eg_err oom;
	eg_buf findings, msgs, groups, ichgs;
} vctx;

static void
chk(vctx *v, eg_err rc)
{
	if (rc && !v->oom)
		v->oom = rc;
}

static const char *
level_name(eg_level l)
{
	static const char *const n[] = {"file",    "interchange", "group",
					"message", "segment",     "element"};
	return n[l];
}

static void
json_str(vctx *v, eg_buf *b, const char *key, const char *s)
{
	chk(v, eg_buf_addf(b, ",\"%s\":", key));
	chk(v, eg_buf_add_json(b, s, strlen(s)));
}

static void
json_ctl(vctx *v, eg_buf *b, const eg_edifact_ctl *c)
{
	chk(v, eg_buf_addf(b, "\"interchange\":%u", c->interchange));
	json_str(v, b, "unb0020", c->icr);
	json_str(v, b, "ung0048", c->gref);
	json_str(v, b, "unh0062", c->mref);
	json_str(v, b, "message_type", c->s009[0]);
}

/* Where a finding is, in EDIFACT words: position in the message (UNH =
 * 1), data element (the first after the tag = 1), component, repetition. */
static void
where_of(const eg_pos *p, char *buf, size_t cap)
{
	int n;

	if (!p->segment) {
		snprintf(buf, cap, "offset %llu", (unsigned long long)p->offset);
		return;
	}
	n = snprintf(buf, cap, "offset %llu, segment %llu (%s",
		     (unsigned long long)p->offset,
		     (unsigned long long)p->segment,
		     p->seg_id[0] ? p->seg_id : "tag unread");
	if (n > 0 && (size_t)n < cap && p->txn_pos)
		n += snprintf(buf + n, cap - (size_t)n,
			      ", position %u in the message",
			      (unsigned)p->txn_pos);
	if (n > 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, ")");
	if (n > 0 && (size_t)n < cap && p->element)
		n += snprintf(buf + n, cap - (size_t)n, ", element %u",
			      (unsigned)p->element);
	if (n > 0 && (size_t)n < cap && p->component)
		n += snprintf(buf + n, cap - (size_t)n, " component %u",
			      (unsigned)p->component);
	if (n > 0 && (size_t)n < cap && p->repetition)
		snprintf(buf + n, cap - (size_t)n, " repetition %u",
			 (unsigned)p->repetition);
}

static void
on_finding(void *ud, const eg_edifact_finding *f)
{
	vctx *v = ud;
	char where[200];

	where_of(&f->pos, where, sizeof(where));
	if (v->json) {
		eg_buf *b = &v->findings;

		chk(v, eg_buf_adds(b, b->len ? ",{" : "{"));
		chk(v, eg_buf_addf(b, "\"severity\":\"%s\",\"level\":\"%s\","
				      "\"rule\":\"%s\",\"code\":",
				   f->severity == EG_FIND_ERROR	    ? "error"
				   : f->severity == EG_FIND_WARNING ? "warning"
								    : "note",
				   level_name(f->level), f->rule));
		if (f->code)
			chk(v, eg_buf_add_json(b, f->code, strlen(f->code)));
		else
			chk(v, eg_buf_adds(b, "null"));
		chk(v, eg_buf_addf(b,
				   ",\"code_element\":\"0085\",\"offset\":%llu,"
				   "\"segment\":%llu,\"segment_id\":",
				   (unsigned long long)f->pos.offset,
				   (unsigned long long)f->pos.segment));
		chk(v, eg_buf_add_json(b, f->pos.seg_id, strlen(f->pos.seg_id)));
		chk(v, eg_buf_addf(b,
				   ",\"position_in_message\":%u,\"element\":%u,"
				   "\"component\":%u,\"repetition\":%u,",
				   (unsigned)f->pos.txn_pos,
				   (unsigned)f->pos.element,
				   (unsigned)f->pos.component,
				   (unsigned)f->pos.repetition));
		json_ctl(v, b, &f->ctl);
		json_str(v, b, "message", f->msg);
		chk(v, eg_buf_adds(b, "}"));
		return;
	}
	if (f->severity == EG_FIND_NOTE && !v->verbose)
		return;
	fprintf(v->cli->out, "  %s %s: %s", f->severity == EG_FIND_ERROR ? "ERROR  "
					   : f->severity == EG_FIND_WARNING
					       ? "warning"
					       : "note   ",
		where, f->msg);
	if (f->code)
		fprintf(v->cli->out, " [0085=%s]", f->code);
	fputc('\n', v->cli->out);
}

static void
on_unit(void *ud, const eg_edifact_unit *u)
{
	vctx *v = ud;
	const eg_edifact_ctl *c = &u->ctl;
	const char *st = u->rejected ? "rejected" : "accepted";

	if (v->json) {
		eg_buf *b = u->level == EG_LVL_TRANSACTION ? &v->msgs
			    : u->level == EG_LVL_GROUP	   ? &v->groups
							   : &v->ichgs;

		chk(v, eg_buf_adds(b, b->len ? ",{" : "{"));
		chk(v, eg_buf_addf(b,
				   "\"outcome\":\"%s\",\"offset\":%llu,"
				   "\"count\":%u,\"rejected\":%u,\"findings\":%u,"
				   "\"trailer\":%s,",
				   st, (unsigned long long)u->offset, u->count,
				   u->rejected_count, u->errors,
				   u->has_trailer ? "true" : "false"));
		if (u->level == EG_LVL_INTERCHANGE) {
			chk(v, eg_buf_adds(b, "\"sender\":"));
			chk(v, eg_buf_add_json(b, c->s002[0], strlen(c->s002[0])));
			json_str(v, b, "recipient", c->s003[0]);
			json_str(v, b, "syntax", c->syntax_id);
			chk(v, eg_buf_addf(b, ",\"version\":\"%c\",",
					   c->version ? c->version : '?'));
		}
		json_ctl(v, b, c);
		chk(v, eg_buf_adds(b, "}"));
		return;
	}
	if (u->level == EG_LVL_TRANSACTION) {
		if (!u->rejected && !v->verbose)
			return;
		fprintf(v->cli->out, "  message %s %s (interchange %s): %s\n",
			c->s009[0], c->mref, c->icr, st);
	} else if (u->level == EG_LVL_GROUP) {
		fprintf(v->cli->out,
			"  group %s (interchange %s): %s, %u of %u messages "
			"accepted\n",
			c->gref, c->icr, st, u->count - u->rejected_count,
			u->count);
	} else {
		fprintf(v->cli->out,
			"  interchange %s %s -> %s (UN/EDIFACT %s:%c): %s, %u of "
			"%u %s accepted\n",
			c->icr, c->s002[0], c->s003[0], c->syntax_id,
			c->version ? c->version : '?', st,
			u->count - u->rejected_count, u->count,
			u->groups ? "groups" : "messages");
	}
}

int
eg_cli_edifact_validate(eg_cli *cli, const char *path, int json,
			int verbose, const eg_edifact_check_opts *opts,
			int guides_asked)
{
	vctx v;
	eg_edifact_events ev = {on_finding, on_unit, NULL};
	eg_edifact_check_result res;
	eg_source *src = NULL;
	eg_error e;
	eg_err rc;
	int x = EG_EXIT_OK;

	memset(&v, 0, sizeof(v));
	memset(&res, 0, sizeof(res));
	eg_error_clear(&e);
	v.cli = cli;
	v.json = json;
	v.verbose = verbose;
	ev.ud = &v;
	eg_buf_init(&v.findings, JSON_MAX);
	eg_buf_init(&v.msgs, JSON_MAX);
	eg_buf_init(&v.groups, JSON_MAX);
	eg_buf_init(&v.ichgs, JSON_MAX);
	if (!json)
		fprintf(cli->out, "%s:\n", path);
	rc = eg_source_open_file(&src, path, &e);
	if (!rc)
		rc = eg_edifact_check(src, opts, &ev, &res, &e);
	if (rc) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (json) {
		eg_buf o;

		eg_buf_init(&o, JSON_MAX);
		chk(&v, eg_buf_adds(&o, "{\"file\":"));
		chk(&v, eg_buf_add_json(&o, path, strlen(path)));
		chk(&v, eg_buf_addf(
			    &o,
			    ",\"format\":\"edifact\",\"valid\":%s,\"checks\":"
			    "\"%s\",\"totals\":{\"bytes\":%llu,"
			    "\"segments\":%llu,\"interchanges\":%u,\"groups\":%u,"
			    "\"messages\":%u,\"rejected_messages\":%u,"
			    "\"guided\":%u,\"unguided\":%u,"
			    "\"errors\":%u,\"warnings\":%u},\"findings\":[%s],"
			    "\"interchanges\":[%s],\"groups\":[%s],"
			    "\"messages\":[%s]}\n",
			    res.totals.errors ? "false" : "true",
			    opts->guides || opts->guide ? "guides" : "envelope",
			    (unsigned long long)res.bytes,
			    (unsigned long long)res.segments,
			    res.totals.interchanges, res.totals.groups,
			    res.totals.transactions,
			    res.totals.rejected_transactions, res.guided,
			    res.unguided, res.totals.errors,
			    res.totals.warnings, eg_buf_cstr(&v.findings),
			    eg_buf_cstr(&v.ichgs), eg_buf_cstr(&v.groups),
			    eg_buf_cstr(&v.msgs)));
		if (v.oom) {
			eg_buf_free(&o);
			fprintf(cli->err, "edigate: report too large for memory\n");
			x = EG_EXIT_IO;
			goto out;
		}
		x = eg_cli_write(cli, o.data, o.len);
		eg_buf_free(&o);
	} else {
		char how[160];

		if (opts->guides || opts->guide)
			snprintf(how, sizeof(how),
				 "; %u message(s) against guides, %u with no "
				 "guide",
				 res.guided, res.unguided);
		else
			snprintf(how, sizeof(how), "%s",
				 guides_asked ? "; no EDIFACT guides found"
					      : "");
		fprintf(cli->out,
			"%s: %u interchange(s), %u group(s), %u message(s), "
			"%llu segments; %u error(s), %u warning(s) [UN/EDIFACT "
			"service-segment and syntax checks%s]\n",
			res.totals.errors ? "INVALID" : "VALID",
			res.totals.interchanges, res.totals.groups,
			res.totals.transactions,
			(unsigned long long)res.segments, res.totals.errors,
			res.totals.warnings, how);
	}
	if (x == EG_EXIT_OK && res.totals.errors)
		x = EG_EXIT_DOCUMENT;
out:
	eg_source_free(src);
	eg_buf_free(&v.findings);
	eg_buf_free(&v.msgs);
	eg_buf_free(&v.groups);
	eg_buf_free(&v.ichgs);
	return x;
}

int
eg_cli_is_edifact(const char *path)
{
	unsigned char head[EG_FORMAT_SNIFF];
	size_t got = 0;
	const eg_format *f;
	eg_error e;

	eg_error_clear(&e);
	if (strcmp(path, "-") == 0 ||
	    eg_format_sniff_file(path, head, sizeof(head), &got, &e))
		return 0;
	f = eg_format_detect(head, got);
	return f && strcmp(f->name, "edifact") == 0;
}

const eg_syntax_desc *
eg_cli_file_syntax(const char *path)
{
	unsigned char head[EG_FORMAT_SNIFF];
	size_t got = 0;
	const eg_syntax_desc *syn = NULL;
	char term;
	eg_error e;

	eg_error_clear(&e);
	if (strcmp(path, "-") != 0 &&
	    !eg_format_sniff_file(path, head, sizeof(head), &got, &e))
		syn = eg_syntax_detect(head, got, &term);
	return syn ? syn : &eg_syntax_x12;
}
