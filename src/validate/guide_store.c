/*
 * guide_store.c - the guide store's life: creation over a data directory,
 * the arena everything it loads lives in, and the EDIFACT guide store
 * (edifact_guide.h) it keeps beside the X12 guides, so that whoever holds
 * the store (a run, a validate) reaches the guides of every syntax.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/edifact_guide.h"
#include "edigate/guide.h"

#include "guide_int.h"

void *
eg_arena_alloc(block **head, size_t n)
{
	block *b = *head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = *head;
		*head = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *
eg_arena_str(block **head, const char *s)
{
	size_t n = strlen(s ? s : "");
	char *p = eg_arena_alloc(head, n + 1);

	if (p)
		memcpy(p, s ? s : "", n + 1);
	return p;
}

void
eg_arena_free(block *head)
{
	block *n;

	for (; head; head = n) {
		n = head->next;
		free(head);
	}
}

void *
eg_guide_arena_alloc(eg_guides *g, size_t n)
{
	return eg_arena_alloc(&g->blocks, n);
}

char *
eg_guide_arena_str(eg_guides *g, const char *s)
{
	return eg_arena_str(&g->blocks, s);
}

eg_err
eg_guides_new(eg_guides **out, const char *datadir, eg_error *e)
{
	eg_guides *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || !(g->datadir = strdup(datadir))) {
		free(g);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if ((size_t)snprintf(g->xsd, sizeof(g->xsd), "%s/schemas/edi-guide.xsd",
			     datadir) >= sizeof(g->xsd)) {
		eg_guides_free(g);
		return eg_fail(e, EG_ECONFIG, "data directory path too long");
	}
	*out = g;
	return EG_OK;
}

void
eg_guides_free(eg_guides *g)
{
	dentry *d;

	if (!g)
		return;
	for (d = g->dicts; d; d = d->next) {
		free(d->d.e);
		free(d->d.c);
		free(d->d.s);
	}
	eg_arena_free(g->blocks);
	eg_edguides_free(g->ed);
	free(g->datadir);
	free(g);
}

eg_err
eg_guides_edifact(eg_guides *g, struct eg_edguides **out, eg_error *e)
{
	eg_err rc;

	*out = NULL;
	if (!g)
		return EG_OK;
	if (!g->ed && (rc = eg_edguides_new(&g->ed, g->datadir, e)))
		return rc;
	*out = g->ed;
	return EG_OK;
}
