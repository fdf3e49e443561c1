/*
 * ctlset.c - control-number set: sorted disjoint ranges for numbers,
 * an open-addressing hash table for everything else.
 *
 * Invariants: ranges are sorted, disjoint and not adjacent (adjacent ones
 * are merged); the hash table is at most half full; hash 0 marks an empty
 * slot (a real hash of 0 is stored as 1).
 */
#include "edigate/ctlset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct range {
	uint64_t lo, hi;
} range;

struct eg_ctlset {
	range *r;
	size_t nr, capr;
	uint64_t *h;
	size_t nh, caph;
};

eg_err
eg_ctlset_new(eg_ctlset **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? EG_OK : EG_ENOMEM;
}

void
eg_ctlset_clear(eg_ctlset *s)
{
	s->nr = 0;
	s->nh = 0;
	if (s->h)
		memset(s->h, 0, s->caph * sizeof(*s->h));
}

void
eg_ctlset_free(eg_ctlset *s)
{
	if (!s)
		return;
	free(s->r);
	free(s->h);
	free(s);
}

static eg_err
add_number(eg_ctlset *s, uint64_t v, int *seen)
{
	size_t lo = 0, hi = s->nr, i;

	/* First range whose lo is above v. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (i > 0 && s->r[i - 1].hi >= v) {
		*seen = 1;
		return EG_OK;
	}
	if (i > 0 && s->r[i - 1].hi + 1 == v) {
		s->r[i - 1].hi = v;
		if (i < s->nr && s->r[i].lo == v + 1) {
			s->r[i - 1].hi = s->r[i].hi;
			memmove(s->r + i, s->r + i + 1,
				(s->nr - i - 1) * sizeof(*s->r));
			s->nr--;
		}
		return EG_OK;
	}
	if (i < s->nr && s->r[i].lo == v + 1) {
		s->r[i].lo = v;
		return EG_OK;
	}
	if (s->nr == s->capr) {
		size_t nc = s->capr ? s->capr * 2 : 8;
		range *nr = realloc(s->r, nc * sizeof(*nr));

		if (!nr)
			return EG_ENOMEM;
		s->r = nr;
		s->capr = nc;
	}
	memmove(s->r + i + 1, s->r + i, (s->nr - i) * sizeof(*s->r));
	s->r[i].lo = s->r[i].hi = v;
	s->nr++;
	return EG_OK;
}

static uint64_t
hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

static eg_err
add_hash(eg_ctlset *s, uint64_t h, int *seen)
{
	size_t i;

	if ((s->nh + 1) * 2 > s->caph) {
		size_t nc = s->caph ? s->caph * 2 : 64, k;
		uint64_t *nt = calloc(nc, sizeof(*nt));

		if (!nt)
			return EG_ENOMEM;
		for (k = 0; k < s->caph; k++) {
			if (!s->h[k])
				continue;
			for (i = s->h[k] & (nc - 1); nt[i]; i = (i + 1) & (nc - 1))
				;
			nt[i] = s->h[k];
		}
		free(s->h);
		s->h = nt;
		s->caph = nc;
	}
	for (i = h & (s->caph - 1); s->h[i]; i = (i + 1) & (s->caph - 1)) {
		if (s->h[i] == h) {
			*seen = 1;
			return EG_OK;
		}
	}
	s->h[i] = h;
	s->nh++;
	return EG_OK;
}

eg_err
eg_ctlset_add(eg_ctlset *s, const char *p, size_t n, int *seen)
{
	uint64_t v = 0;
	size_t i;

	*seen = 0;
	if (n > 0 && n <= 15) {
		for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			v = v * 10 + (uint64_t)(p[i] - '0');
		/* The length keeps "01" and "1" apart; 10^16 leaves room. */
		if (i == n)
			return add_number(s, (uint64_t)n * 10000000000000000ULL + v,
					  seen);
	}
	return add_hash(s, hash(p, n), seen);
}
