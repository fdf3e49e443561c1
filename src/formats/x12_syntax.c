/*
 * x12_syntax.c - the X12 syntax descriptor (syntax.h): pointers to the
 * X12 reader and checks (x12_check.h), the TA1/997/999 writer (ack.h),
 * the mapper's segment entry (map.h), the segment view (role, value,
 * document id) and the unread-tail scan (x12_tail.c), with the small
 * adapters they need.
 *
 * Nothing here reads or decides on its own beyond `starts` (an ISA after
 * an optional UTF-8 byte order mark and white space) and the addressee
 * check of a written acknowledgement (its ISA07/ISA08).
 */
#include <stdio.h>
#include <string.h>

#include "x12_tail.h"
#include "edigate/profile.h"
#include "edigate/ack_read.h"
#include "edigate/syntax.h"

/* An ISA after optional BOM and white space; the segment terminator is
 * the byte after the 105 of a fixed-width ISA. */
static int
x12_starts(const unsigned char *p, size_t n, char *seg_term)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3; /* UTF-8 byte order mark */
	while (i < n &&
	       (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t'))
		i++;
	if (n - i < 3 || memcmp(p + i, "ISA", 3) != 0)
		return 0;
	if (n - i > 105)
		*seg_term = (char)p[i + 105];
	return 1;
}

/* Interchange: ISA06, ISA08, ISA13; group: GS02, GS03, GS06. */
static void
x12_unit_key(const eg_x12_ctl *c, int group, eg_syntax_key *k)
{
	snprintf(k->from, sizeof(k->from), "%s",
		 group ? c->gs_sender : c->sender);
	snprintf(k->to, sizeof(k->to), "%s",
		 group ? c->gs_receiver : c->receiver);
	snprintf(k->number, sizeof(k->number), "%s",
		 group ? c->gs06 : c->isa13);
}

/* --- the segment view ---------------------------------------------------- */

static eg_seg_role
x12_role(const eg_segment *s)
{
	switch (s->tag) {
	case EG_X12_ISA:
		return EG_SEG_INTERCHANGE;
	case EG_X12_IEA:
		return EG_SEG_INTERCHANGE_END;
	case EG_X12_GS:
		return EG_SEG_GROUP;
	case EG_X12_GE:
		return EG_SEG_GROUP_END;
	case EG_X12_ST:
		return EG_SEG_MESSAGE;
	case EG_X12_SE:
		return EG_SEG_MESSAGE_END;
	default:
		return EG_SEG_DATA;
	}
}

static eg_span
x12_value(const eg_segment *s, size_t i, size_t rep, size_t comp)
{
	if (comp == 0)
		return rep == 0 ? eg_x12_element(s, i)
				: eg_x12_repetition(s, i, rep);
	return eg_x12_component(s, i, rep ? rep : 1, comp);
}

static size_t
x12_repetitions(const eg_segment *s, size_t i)
{
	return eg_x12_repetition_count(s, i);
}

static size_t
x12_components(const eg_segment *s, size_t i, size_t rep)
{
	return eg_x12_component_count(s, i, rep);
}

/* The reader's delimiters: values are never escaped in X12. */
static int
x12_split(const eg_segment *s, eg_seg_seps *sep)
{
	sep->element = s->delims->element;
	sep->component = s->delims->component;
	sep->repetition = s->delims->repetition;
	sep->first_component = 0;
	return 1;
}

/* The mapper reads X12 segments through this descriptor's view. */
static eg_err
x12_map_segment(eg_mapper *m, const eg_segment *seg, eg_error *e)
{
	return eg_mapper_segment(m, &eg_syntax_x12, seg, e);
}

static void
cpy_span(char *dst, size_t cap, eg_span v)
{
	snprintf(dst, cap, "%.*s", (int)(v.len < cap ? v.len : cap - 1), v.p);
}

/* GS08 names the release of the group's sets, ST01 the set. */
static void
x12_doc_id(const eg_segment *s, char *type, size_t tcap, char *release,
	   size_t rcap)
{
	if (s->tag == EG_X12_GS && release)
		cpy_span(release, rcap, eg_x12_element(s, 8));
	else if (s->tag == EG_X12_ST && type)
		cpy_span(type, tcap, eg_x12_element(s, 1));
}

static void
x12_partner_id(const struct eg_profile *p, const char **q, const char **id)
{
	*q = p->partner_q;
	*id = p->partner_id;
}

/* A functional group of 997s / 999s (GS01 FA). */
static int
x12_ack_group(const eg_x12_ctl *c)
{
	return strcmp(c->gs01, "FA") == 0;
}

/* A 997 or 999 set. */
static int
x12_ack_message(const eg_x12_ctl *c)
{
	return !strcmp(c->st01, "997") || !strcmp(c->st01, "999");
}

/* Is a written acknowledgement addressed to id (our ISA07/ISA08 are the
 * inbound ISA05/ISA06)? */
static int
x12_addressed_to(const char *data, size_t len, const char *q, const char *id)
{
	char got[16];
	size_t n = 15;

	if (!id || !id[0] || len < 106 || memcmp(data, "ISA", 3) != 0)
		return 1; /* nothing to compare against */
	memcpy(got, data + 54, 15);
	while (n > 0 && got[n - 1] == ' ')
		n--;
	got[n] = '\0';
	if (strcmp(got, id) != 0)
		return 0;
	return !q || !q[0] || !strncmp(data + 51, q, 2);
}

static eg_err
ack_open(void **out, const eg_ack_opts *o, eg_error *e)
{
	eg_ack *a = NULL;
	eg_err rc = eg_ack_new(&a, o, e);

	*out = a;
	return rc;
}

static const eg_envelope_events *
ack_events(void *w)
{
	return eg_ack_events(w);
}

static eg_err
ack_error(const void *w, eg_error *e)
{
	return eg_ack_error(w, e);
}

static int
ack_fallback(void *w, const char *head, size_t len)
{
	return eg_ack_isa_fallback(w, head, len);
}

static void
ack_close(void *w)
{
	eg_ack_free(w);
}

static unsigned
ack_unanswered(const void *w, const char **why)
{
	return eg_ack_unanswered(w, why);
}

static const eg_ack_writer x12_acks = {
    "TA1/997/999", eg_ack_opts_profile, ack_open,	  ack_events, ack_error,
    ack_fallback,  eg_ack_kind,		x12_addressed_to, ack_close,
    ack_unanswered, " (TA1 R sent)",
};

const eg_syntax_desc eg_syntax_x12 = {
    "x12",
    x12_starts,
    eg_x12_limits_default,
    eg_x12_check,
    x12_map_segment,
    x12_role,
    x12_value,
    x12_repetitions,
    x12_components,
    x12_split,
    x12_doc_id,
    x12_unit_key,
    x12_ack_group,
    x12_ack_message,
    eg_ack_read,
    eg_tail_next_isa,
    106,
    &x12_acks,
    x12_partner_id,
    0, /* a duplicate is acknowledged again, as the profile says */
    "set",
    {"ISA13", "GS06", "ST01", "ST02"},
};
