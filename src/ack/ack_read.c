/*
 * ack_read.c - interpret TA1, 997 and 999 segments.
 *
 * A small state machine over the reader's segments: ISA gives the
 * acknowledgement's own control number, ST its type, AK1 the group being
 * acknowledged, AK2 the set, AK3/IK3 and AK4/IK4 the detail, AK5/IK5 the
 * set's status, AK9 the group's; each TA1 is a status by itself.
 */
#include "edigate/ack_read.h"

#include <stdio.h>
#include <string.h>

#include "edigate/x12.h"

typedef struct rstate {
	eg_ack_status_fn fn;
	void *ud;
	eg_ack_status set, group;
	char ack_isa13[10];
	char type[4];
	int in_set;
	unsigned count;
} rstate;

static void
cpy(char *dst, size_t cap, eg_span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
	while (n > 0 && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

static uint32_t
num(eg_span s)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++)
		v = v * 10 + (uint32_t)(s.p[i] - '0');
	return v;
}

static void
codes(eg_ack_status *st, const eg_x12_segment *s, size_t from, size_t to)
{
	size_t i;

	st->ncodes = 0;
	for (i = from; i <= to && i <= s->nelem; i++) {
		eg_span c = eg_x12_element(s, i);

		if (c.len && st->ncodes < 5)
			cpy(st->codes[st->ncodes++], 4, c);
	}
}

/* Append one line of AK3/AK4 detail ("; " between lines). */
static void
detail_add(eg_ack_status *st, const char *line)
{
	size_t n = strlen(st->detail);

	if (n < sizeof(st->detail) - 1)
		snprintf(st->detail + n, sizeof(st->detail) - n, "%s%s",
			 n ? "; " : "", line);
}

static void
on_segment(rstate *r, const eg_x12_segment *s)
{
	uint32_t t = s->tag;
	eg_span e1 = eg_x12_element(s, 1), e2 = eg_x12_element(s, 2),
		e3 = eg_x12_element(s, 3), e4 = eg_x12_element(s, 4);
	char line[200];

	if (t == EG_X12_ISA) {
		cpy(r->ack_isa13, sizeof(r->ack_isa13), eg_x12_element(s, 13));
	} else if (t == EG_X12_TAG('T', 'A', '1')) {
		eg_ack_status st;

		memset(&st, 0, sizeof(st));
		st.kind = EG_ACK_INTERCHANGE;
		memcpy(st.ack_type, "TA1", 4);
		memcpy(st.ack_isa13, r->ack_isa13, sizeof(st.ack_isa13));
		cpy(st.isa13, sizeof(st.isa13), e1);
		cpy(st.status, sizeof(st.status), e4);
		codes(&st, s, 5, 5);
		r->fn(r->ud, &st);
		r->count++;
	} else if (t == EG_X12_ST) {
		cpy(r->type, sizeof(r->type), e1);
	} else if (t == EG_X12_TAG('A', 'K', '1')) {
		memset(&r->group, 0, sizeof(r->group));
		r->group.kind = EG_ACK_GROUP;
		memcpy(r->group.ack_type, r->type, sizeof(r->type));
		memcpy(r->group.ack_isa13, r->ack_isa13, sizeof(r->ack_isa13));
		cpy(r->group.gs01, sizeof(r->group.gs01), e1);
		cpy(r->group.gs06, sizeof(r->group.gs06), e2);
		cpy(r->group.gs08, sizeof(r->group.gs08), e3);
	} else if (t == EG_X12_TAG('A', 'K', '2')) {
		r->set = r->group;
		r->set.kind = EG_ACK_SET;
		cpy(r->set.st01, sizeof(r->set.st01), e1);
		cpy(r->set.st02, sizeof(r->set.st02), e2);
		r->in_set = 1;
	} else if ((t == EG_X12_TAG('A', 'K', '3') ||
		    t == EG_X12_TAG('I', 'K', '3')) && r->in_set) {
		r->set.nsegment_errors++;
		snprintf(line, sizeof(line), "%.3s %.*s at position %.*s%s%.*s%s"
			 ": code %.*s",
			 s->id, (int)e1.len, e1.p, (int)e2.len, e2.p,
			 e3.len ? " (loop " : "", (int)e3.len, e3.p,
			 e3.len ? ")" : "", (int)e4.len, e4.p);
		detail_add(&r->set, line);
	} else if ((t == EG_X12_TAG('A', 'K', '4') ||
		    t == EG_X12_TAG('I', 'K', '4')) && r->in_set) {
		snprintf(line, sizeof(line),
			 "%.3s element %.*s (ref %.*s): code %.*s%s%.*s%s",
			 s->id, (int)e1.len, e1.p, (int)e2.len, e2.p,
			 (int)e3.len, e3.p, e4.len ? " '" : "", (int)e4.len,
			 e4.p, e4.len ? "'" : "");
		detail_add(&r->set, line);
	} else if ((t == EG_X12_TAG('A', 'K', '5') ||
		    t == EG_X12_TAG('I', 'K', '5')) && r->in_set) {
		cpy(r->set.status, sizeof(r->set.status), e1);
		codes(&r->set, s, 2, 6);
		r->fn(r->ud, &r->set);
		r->count++;
		r->in_set = 0;
	} else if (t == EG_X12_TAG('A', 'K', '9')) {
		cpy(r->group.status, sizeof(r->group.status), e1);
		r->group.included = num(e2);
		r->group.received = num(e3);
		r->group.accepted = num(e4);
		codes(&r->group, s, 5, 9);
		r->fn(r->ud, &r->group);
		r->count++;
	}
}

eg_err
eg_ack_read(eg_source *src, eg_ack_status_fn fn, void *ud, unsigned *nstatus,
	    eg_error *e)
{
	eg_x12_reader *rd = NULL;
	const eg_x12_segment *s;
	rstate r;
	eg_err rc;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.ud = ud;
	*nstatus = 0;
	rc = eg_x12_reader_new(&rd, src, NULL, e);
	while (rc == EG_OK && (rc = eg_x12_reader_next(rd, &s, e)) == EG_OK &&
	       s)
		on_segment(&r, s);
	eg_x12_reader_free(rd);
	if (rc)
		return rc;
	*nstatus = r.count;
	if (r.count == 0)
		return eg_fail(e, EG_ESYNTAX,
			       "%s holds no TA1, 997 or 999 acknowledgement",
			       eg_source_name(src));
	return EG_OK;
}
