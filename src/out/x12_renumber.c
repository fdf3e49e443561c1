/*
 * x12_renumber.c - a document the X12 writer wrote, under new control
 * numbers (`edigate resend`, outwrite.h): every byte is kept but ISA09,
 * ISA10, ISA13, GS04, GS05, GS06, each ST02 and SE02, GE02 and IEA02.
 *
 * Only what our writer makes is taken: one interchange holding one
 * group, the delimiters where ISA puts them, SE01 counting its set, GE01
 * and IEA01 counting theirs.  Anything else was not written by us (or
 * was changed on disk) and is refused rather than renumbered.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "edigate/outwrite.h"

#define MAX_ELEMENTS 64 /* an envelope segment has 16 at most */

typedef struct seg {
	const char *p;
	size_t n;                   /* without its terminator */
	size_t at[MAX_ELEMENTS + 1]; /* element starts (0: the tag) */
	size_t nel;
} seg;

static int
split(seg *s, char de)
{
	size_t i;

	s->nel = 1;
	s->at[0] = 0;
	for (i = 0; i < s->n; i++) {
		if (s->p[i] != de)
			continue;
		if (s->nel > MAX_ELEMENTS)
			return -1;
		s->at[s->nel++] = i + 1;
	}
	return 0;
}

/* Element k of s (0: the tag) as a span. */
static size_t
el_len(const seg *s, size_t k)
{
	size_t end = k + 1 < s->nel ? s->at[k + 1] - 1 : s->n;

	return end - s->at[k];
}

static int
is_tag(const seg *s, const char *tag)
{
	size_t n = strlen(tag);

	return el_len(s, 0) == n && !memcmp(s->p, tag, n);
}

/* Copy s into dst with the elements listed in pos replaced by val. */
static eg_err
put(eg_buf *dst, const seg *s, char de, const size_t *pos,
    const char *const *val, size_t nval)
{
	size_t k, j;
	eg_err rc = EG_OK;

	for (k = 0; !rc && k < s->nel; k++) {
		const char *v = NULL;

		for (j = 0; j < nval; j++)
			if (pos[j] == k)
				v = val[j];
		if (k)
			rc = eg_buf_addc(dst, de);
		if (!rc && v)
			rc = eg_buf_adds(dst, v);
		else if (!rc)
			rc = eg_buf_add(dst, s->p + s->at[k], el_len(s, k));
	}
	return rc;
}

static unsigned long
num(const seg *s, size_t k)
{
	unsigned long v = 0;
	size_t i, n = el_len(s, k);

	for (i = 0; i < n && i < 12; i++) {
		char c = s->p[s->at[k] + i];

		if (c < '0' || c > '9')
			return (unsigned long)-1;
		v = v * 10 + (unsigned long)(c - '0');
	}
	return n ? v : (unsigned long)-1;
}

eg_err
eg_x12_renumber(const char *doc, size_t n, eg_buf *dst, const eg_out_env *env,
		eg_out_renumber_fn set, void *ud, eg_error *e)
{
	char de, term, d6[7], d8[9], t4[5], icn9[16], icn[24], st02[16];
	unsigned long nsegs = 0, nsets = 0, ngroups = 0;
	int in_set = 0, seen_iea = 0;
	size_t at = 0;
	struct tm tm;
	eg_err rc = EG_OK;

	if (n < 106 || memcmp(doc, "ISA", 3) != 0)
		return eg_fail(e, EG_ESYNTAX, "not an X12 interchange of ours "
			       "(no ISA at its start)");
	de = doc[3];
	term = doc[105];
	gmtime_r(&env->now, &tm);
	strftime(d8, sizeof(d8), "%Y%m%d", &tm);
	memcpy(d6, d8 + 2, sizeof(d6));
	strftime(t4, sizeof(t4), "%H%M", &tm);
	snprintf(icn9, sizeof(icn9), "%09llu", (unsigned long long)env->icn);
	snprintf(icn, sizeof(icn), "%llu", (unsigned long long)env->icn);
	st02[0] = '\0';
	while (!rc && at < n) {
		const char *end = memchr(doc + at, term, n - at);
		seg s;

		/* a line ending after the terminator is kept as it is */
		if (doc[at] == '\r' || doc[at] == '\n') {
			rc = eg_buf_addc(dst, doc[at++]);
			continue;
		}
		if (seen_iea || !end)
			return eg_fail(e, EG_ESYNTAX, "bytes after the "
				       "interchange or a segment without its "
				       "terminator at offset %zu", at);
		s.p = doc + at;
		s.n = (size_t)(end - s.p);
		if (split(&s, de))
			return eg_fail(e, EG_ESYNTAX, "a segment with more "
				       "than %d elements at offset %zu",
				       MAX_ELEMENTS, at);
		if (is_tag(&s, "ISA")) {
			static const size_t pos[] = {9, 10, 13};
			const char *v[] = {d6, t4, icn9};

			if (at != 0 || s.nel != 17)
				return eg_fail(e, EG_ESYNTAX, "a second ISA, or "
					       "an ISA without 16 elements");
			rc = put(dst, &s, de, pos, v, 3);
		} else if (is_tag(&s, "GS")) {
			static const size_t pos[] = {4, 5, 6};
			const char *v[] = {d8, t4, icn};

			if (ngroups++)
				return eg_fail(e, EG_ESYNTAX, "more than one "
					       "group: not a document of ours");
			rc = put(dst, &s, de, pos, v, 3);
		} else if (is_tag(&s, "ST")) {
			static const size_t pos[] = {2};
			const char *v[] = {st02};
			char st01[8];

			if (in_set || s.nel < 3 || el_len(&s, 1) >= sizeof(st01))
				return eg_fail(e, EG_ESYNTAX, "an ST inside a "
					       "set, or without ST01/ST02");
			snprintf(st01, sizeof(st01), "%.*s",
				 (int)el_len(&s, 1), s.p + s.at[1]);
			if ((rc = set(ud, st01, st02, sizeof(st02), e)))
				return rc;
			in_set = 1;
			nsegs = 1;
			rc = put(dst, &s, de, pos, v, 1);
		} else if (is_tag(&s, "SE")) {
			static const size_t pos[] = {2};
			const char *v[] = {st02};

			if (!in_set || s.nel != 3 || num(&s, 1) != nsegs + 1)
				return eg_fail(e, EG_ESYNTAX, "an SE whose count "
					       "is not its set's (%lu)",
					       nsegs + 1);
			in_set = 0;
			nsets++;
			rc = put(dst, &s, de, pos, v, 1);
		} else if (is_tag(&s, "GE")) {
			static const size_t pos[] = {2};
			const char *v[] = {icn};

			if (in_set || s.nel != 3 || num(&s, 1) != nsets)
				return eg_fail(e, EG_ESYNTAX, "a GE whose count "
					       "is not its group's (%lu)", nsets);
			rc = put(dst, &s, de, pos, v, 1);
		} else if (is_tag(&s, "IEA")) {
			static const size_t pos[] = {2};
			const char *v[] = {icn9};

			if (in_set || s.nel != 3 || num(&s, 1) != ngroups)
				return eg_fail(e, EG_ESYNTAX, "an IEA whose "
					       "count is not the interchange's");
			seen_iea = 1;
			rc = put(dst, &s, de, pos, v, 1);
		} else {
			if (!in_set)
				return eg_fail(e, EG_ESYNTAX, "a segment outside "
					       "a set at offset %zu", at);
			nsegs++;
			rc = eg_buf_add(dst, s.p, s.n);
		}
		if (!rc)
			rc = eg_buf_addc(dst, term);
		at = (size_t)(end - doc) + 1;
	}
	if (rc)
		return eg_fail(e, rc, "cannot renumber: %s", eg_err_str(rc));
	if (!seen_iea || !nsets)
		return eg_fail(e, EG_ESYNTAX, "no set, or no IEA at the end");
	return EG_OK;
}
