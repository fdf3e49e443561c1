/*
 * x12_write.c - the X12 document writer: ISA/GS envelope, ST..SE sets
 * rendered by an outbound map, GE/IEA trailers (X12.5, X12.6).
 *
 * Invariants: an element never holds one of our delimiters or a byte
 * outside printable ASCII (X12 has no release character, so such a
 * value cannot be carried: it is a problem, not an escape); trailing
 * empty elements are left out; SE01 counts ST through SE; GE01 and IEA01
 * count what was written.  A document with problems leaves nothing
 * behind in the output buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edigate/outwrite.h"

struct eg_doc_writer {
	eg_buf *dst;
	eg_out_env env;
	unsigned long segs;  /* in the current set */
	unsigned long ndocs; /* in the group */
	eg_outmap_run *run;  /* the current document's problems */
};

void
eg_out_env_profile(eg_out_env *env, const eg_profile *p)
{
	snprintf(env->sender_q, sizeof(env->sender_q), "%s", p->our_q);
	snprintf(env->sender, sizeof(env->sender), "%s", p->our_id);
	snprintf(env->receiver_q, sizeof(env->receiver_q), "%s", p->partner_q);
	snprintf(env->receiver, sizeof(env->receiver), "%s", p->partner_id);
	snprintf(env->gs_sender, sizeof(env->gs_sender), "%s",
		 p->gs_ours[0] ? p->gs_ours : p->our_id);
	snprintf(env->gs_receiver, sizeof(env->gs_receiver), "%s",
		 p->gs_partner[0] ? p->gs_partner : p->partner_id);
	env->usage = p->out_usage == 'T' ? 'T' : 'P';
	env->ack_requested = p->out_ack_requested;
	env->de = p->out_element;
	env->ce = p->out_component;
	env->re = p->out_repetition;
	env->se = p->out_segment;
	env->newline = p->out_newline;
}

/* Why this value cannot be an element, or NULL. */
static const char *
unwritable(const eg_out_env *env, const char *v)
{
	const unsigned char *s;

	for (s = (const unsigned char *)v; *s; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return "holds a character X12 cannot carry (only "
			       "printable ASCII)";
		if (*s == (unsigned char)env->de ||
		    *s == (unsigned char)env->ce ||
		    *s == (unsigned char)env->re ||
		    *s == (unsigned char)env->se)
			return "holds one of the partner's delimiters, which "
			       "X12 cannot escape";
	}
	return NULL;
}

static eg_err
end_segment(eg_doc_writer *w)
{
	eg_err rc = eg_buf_addc(w->dst, w->env.se);

	if (!rc && w->env.newline && w->env.se != '\n')
		rc = eg_buf_addc(w->dst, '\n');
	return rc;
}

/* A segment from its elements, trailing empty ones left out. */
static eg_err
segment(void *ud, const char *tag, char (*el)[EG_OUT_MAX_VALUE], size_t nel,
	eg_error *e)
{
	eg_doc_writer *w = ud;
	const char *why;
	size_t i, last = 0;
	eg_err rc;

	for (i = 0; i < nel; i++) {
		if (!el[i][0])
			continue;
		last = i + 1;
		if ((why = unwritable(&w->env, el[i])) && w->run) {
			char m[400];

			snprintf(m, sizeof(m), "%s%02zu \"%.60s\" %s", tag,
				 i + 1, el[i], why);
			w->run->nbad++;
			if ((rc = eg_buf_addf(w->run->why, "%s\n", m)))
				return eg_fail(e, rc, "out of memory");
		}
	}
	rc = eg_buf_adds(w->dst, tag);
	for (i = 0; !rc && i < last; i++) {
		rc = eg_buf_addc(w->dst, w->env.de);
		if (!rc)
			rc = eg_buf_adds(w->dst, el[i]);
	}
	if (!rc)
		rc = end_segment(w);
	if (rc)
		return eg_fail(e, rc, "cannot write segment %s: %s", tag,
			       eg_err_str(rc));
	w->segs++;
	return EG_OK;
}

/* ISA12 for a release: 004010 -> 00401. */
static void
isa12(const char *version, char out[6])
{
	snprintf(out, 6, "%.5s", version);
}

static eg_err
x12_open(eg_doc_writer **out, eg_buf *dst, const eg_out_env *env, eg_error *e)
{
	eg_doc_writer *w;
	struct tm tm;
	char ver[6], d6[7], d8[9], t4[5];
	eg_err rc;

	*out = NULL;
	if (unwritable(env, env->sender) || unwritable(env, env->receiver) ||
	    unwritable(env, env->gs_sender) ||
	    unwritable(env, env->gs_receiver))
		return eg_fail(e, EG_ECONFIG,
			       "the partner's or our identity holds a "
			       "delimiter: fix <identity> or <outbound>");
	if (!(w = calloc(1, sizeof(*w))))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	w->dst = dst;
	w->env = *env;
	gmtime_r(&env->now, &tm);
	strftime(d8, sizeof(d8), "%Y%m%d", &tm);
	memcpy(d6, d8 + 2, sizeof(d6)); /* ISA09 is YYMMDD */
	strftime(t4, sizeof(t4), "%H%M", &tm);
	isa12(env->version, ver);
	rc = eg_buf_addf(dst,
			 "ISA%c00%c          %c00%c          %c%-2s%c%-15s%c%-2s"
			 "%c%-15s%c%s%c%s%c%c%c%s%c%09llu%c%d%c%c%c%c",
			 env->de, env->de, env->de, env->de, env->de,
			 env->sender_q, env->de, env->sender, env->de,
			 env->receiver_q, env->de, env->receiver, env->de, d6,
			 env->de, t4, env->de,
			 strcmp(ver, "00402") < 0 ? 'U' : env->re, env->de,
			 ver, env->de, (unsigned long long)env->icn, env->de,
			 env->ack_requested ? 1 : 0, env->de, env->usage,
			 env->de, env->ce);
	if (!rc)
		rc = end_segment(w);
	if (!rc)
		rc = eg_buf_addf(dst, "GS%c%s%c%s%c%s%c%s%c%s%c%llu%cX%c%s",
				 env->de, env->group, env->de, env->gs_sender,
				 env->de, env->gs_receiver, env->de, d8,
				 env->de, t4, env->de,
				 (unsigned long long)env->icn, env->de,
				 env->de, env->version);
	if (!rc)
		rc = end_segment(w);
	if (rc) {
		free(w);
		return eg_fail(e, rc, "cannot write the envelope: %s",
			       eg_err_str(rc));
	}
	*out = w;
	return EG_OK;
}

static eg_err
x12_doc(eg_doc_writer *w, const eg_outmap *m, const eg_rnode *rec,
	const char *ctl, eg_outmap_run *r, eg_error *e)
{
	size_t mark = w->dst->len;
	unsigned before = r->nbad;
	char el[2][EG_OUT_MAX_VALUE];
	eg_err rc;

	w->segs = 0;
	w->run = r;
	r->seg = segment;
	r->ud = w;
	snprintf(el[0], sizeof(el[0]), "%s", eg_outmap_set(m));
	snprintf(el[1], sizeof(el[1]), "%s", ctl);
	rc = segment(w, "ST", el, 2, e);
	if (!rc)
		rc = eg_outmap_render(m, rec, r, e);
	if (!rc) {
		snprintf(el[0], sizeof(el[0]), "%lu", w->segs + 1);
		rc = segment(w, "SE", el, 2, e);
	}
	w->run = NULL;
	if (rc || r->nbad > before) {
		/* nothing of a document that cannot be sent stays */
		w->dst->len = mark;
		if (w->dst->data)
			w->dst->data[mark] = '\0';
		return rc;
	}
	w->ndocs++;
	return EG_OK;
}

static eg_err
x12_close(eg_doc_writer *w, eg_error *e)
{
	eg_err rc = eg_buf_addf(w->dst, "GE%c%lu%c%llu", w->env.de, w->ndocs,
				w->env.de, (unsigned long long)w->env.icn);

	if (!rc)
		rc = end_segment(w);
	if (!rc)
		rc = eg_buf_addf(w->dst, "IEA%c1%c%09llu", w->env.de,
				 w->env.de, (unsigned long long)w->env.icn);
	if (!rc)
		rc = end_segment(w);
	if (rc)
		return eg_fail(e, rc, "cannot write the trailers: %s",
			       eg_err_str(rc));
	return EG_OK;
}

static void
x12_free(eg_doc_writer *w)
{
	free(w);
}

const eg_doc_writer_ops eg_doc_writer_x12 = {
	"x12", x12_open, x12_doc, x12_close, x12_free, eg_x12_renumber,
};

/* Writers by syntax: EDIFACT's goes here. */
static const eg_doc_writer_ops *const writers[] = {&eg_doc_writer_x12};

const eg_doc_writer_ops *
eg_doc_writer_find(const char *syntax)
{
	size_t i;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i]->syntax, syntax))
			return writers[i];
	return NULL;
}
