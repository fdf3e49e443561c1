/*
 * contrl_read.c - read incoming CONTRL messages with the EDIFACT reader
 * and turn each UCI / UCF / UCM / UCS / UCD into a status.
 *
 * Only segments inside a UNH whose message type is CONTRL count; other
 * messages in the same file are skipped.  The layout (edifact-notes.md 4):
 * UCI 0020, S002, S003, 0083, 0085, tag, S011; UCF 0048, S006, S007,
 * 0083, 0085, tag, S011; UCM 0062, S009, 0083, 0085, tag, S011; UCS
 * 0096, 0085; UCD 0085, S011.
 */
#include "edigate/contrl_read.h"

#include <stdio.h>
#include <string.h>

#include "edigate/edifact.h"

static void
cp(char *dst, size_t cap, eg_span v)
{
	size_t n = v.len < cap - 1 ? v.len : cap - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

static unsigned
num(eg_span v)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < v.len && i < 9; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(v.p[i] - '0');
	}
	return n;
}

/* 0085, tag and S011 starting at element el. */
static void
err_at(const eg_edifact_segment *s, size_t el, eg_contrl_status *st)
{
	cp(st->code, sizeof(st->code), eg_edifact_comp(s, el, 1));
	cp(st->tag, sizeof(st->tag), eg_edifact_comp(s, el + 1, 1));
	st->element = num(eg_edifact_comp(s, el + 2, 1));
	st->component = num(eg_edifact_comp(s, el + 2, 2));
	st->repetition = num(eg_edifact_comp(s, el + 2, 3));
}

eg_err
eg_contrl_read(eg_source *src, void (*cb)(void *ud, const eg_contrl_status *s),
	       void *ud, unsigned *n, eg_error *e)
{
	eg_edifact_reader *r = NULL;
	const eg_edifact_segment *s;
	eg_edifact_opts o;
	eg_contrl_status st, uci;
	int in_contrl = 0;
	eg_err rc;

	*n = 0;
	memset(&o, 0, sizeof(o));
	memset(&uci, 0, sizeof(uci));
	o.limits = eg_edifact_limits_default();
	o.strict = EG_EDIFACT_REP_OFF;
	rc = eg_edifact_reader_new(&r, src, &o, e);
	while (!rc && !(rc = eg_edifact_reader_next(r, &s, e)) && s) {
		if (s->tag == EG_EDIFACT_UNH) {
			eg_span t = eg_edifact_comp(s, 2, 1);

			in_contrl = t.len == 6 && memcmp(t.p, "CONTRL", 6) == 0;
			*n += in_contrl ? 1 : 0;
			continue;
		}
		if (!in_contrl || s->id[0] != 'U' || s->id[1] != 'C')
			continue;
		memset(&st, 0, sizeof(st));
		st.segment = s->index;
		switch (s->id[2]) {
		case 'I':
			st.kind = EG_CONTRL_INTERCHANGE;
			cp(st.icr, sizeof(st.icr), eg_edifact_comp(s, 1, 1));
			cp(st.sender, sizeof(st.sender), eg_edifact_comp(s, 2, 1));
			cp(st.recipient, sizeof(st.recipient),
			   eg_edifact_comp(s, 3, 1));
			cp(st.action, sizeof(st.action), eg_edifact_comp(s, 4, 1));
			err_at(s, 5, &st);
			uci = st;
			break;
		case 'F':
			st.kind = EG_CONTRL_GROUP;
			cp(st.ref, sizeof(st.ref), eg_edifact_comp(s, 1, 1));
			cp(st.action, sizeof(st.action), eg_edifact_comp(s, 4, 1));
			err_at(s, 5, &st);
			break;
		case 'M':
			st.kind = EG_CONTRL_MESSAGE;
			cp(st.ref, sizeof(st.ref), eg_edifact_comp(s, 1, 1));
			cp(st.type, sizeof(st.type), eg_edifact_comp(s, 2, 1));
			cp(st.action, sizeof(st.action), eg_edifact_comp(s, 3, 1));
			err_at(s, 4, &st);
			break;
		case 'S':
			st.kind = EG_CONTRL_SEGMENT;
			cp(st.ref, sizeof(st.ref), eg_edifact_comp(s, 1, 1));
			cp(st.code, sizeof(st.code), eg_edifact_comp(s, 2, 1));
			break;
		case 'D':
			st.kind = EG_CONTRL_ELEMENT;
			cp(st.code, sizeof(st.code), eg_edifact_comp(s, 1, 1));
			st.element = num(eg_edifact_comp(s, 2, 1));
			st.component = num(eg_edifact_comp(s, 2, 2));
			st.repetition = num(eg_edifact_comp(s, 2, 3));
			break;
		default:
			continue;
		}
		if (st.kind != EG_CONTRL_INTERCHANGE) {
			memcpy(st.icr, uci.icr, sizeof(st.icr));
			memcpy(st.sender, uci.sender, sizeof(st.sender));
			memcpy(st.recipient, uci.recipient, sizeof(st.recipient));
		}
		cb(ud, &st);
	}
	eg_edifact_reader_free(r);
	if (!rc && *n == 0)
		rc = eg_fail(e, EG_ESYNTAX,
			     "the file holds no CONTRL message (UNH ...+CONTRL)");
	return rc;
}
