/*
 * x12_syntax.c - the X12 syntax descriptor (syntax.h): pointers to the
 * X12 reader and checks (x12_check.h), the TA1/997/999 writer (ack.h),
 * the mapper's segment entry (map.h) and the unread-tail scan (the
 * pipeline's tail.c), with the small adapters they need.
 *
 * Nothing here reads or decides on its own beyond `starts` (an ISA after
 * an optional UTF-8 byte order mark and white space) and the addressee
 * check of a written acknowledgement (its ISA07/ISA08).
 */
#include <string.h>

#include "../pipeline/tail.h"
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
x12_unit_key(const eg_x12_ctl *c, int group, const char **from, const char **to,
	     const char **number)
{
	*from = group ? c->gs_sender : c->sender;
	*to = group ? c->gs_receiver : c->receiver;
	*number = group ? c->gs06 : c->isa13;
}

/* A functional group of 997s / 999s (GS01 FA). */
static int
x12_ack_group(const eg_x12_ctl *c)
{
	return strcmp(c->gs01, "FA") == 0;
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

static const eg_ack_writer x12_acks = {
    "TA1/997/999", eg_ack_opts_profile, ack_open,	  ack_events, ack_error,
    ack_fallback,  eg_ack_kind,		x12_addressed_to, ack_close,
};

const eg_syntax_desc eg_syntax_x12 = {
    "x12",
    x12_starts,
    eg_x12_limits_default,
    eg_x12_check,
    eg_mapper_segment,
    x12_unit_key,
    x12_ack_group,
    eg_tail_next_isa,
    106,
    &x12_acks,
};
