/*
 * guide_arena.h - the arena the guide stores (X12, guide_int.h; EDIFACT,
 * edifact_guide.c) keep what they load in: blocks of at least 64 KiB,
 * freed together with the store.  Implemented in guide_store.c.
 */
#ifndef EDIGATE_GUIDE_ARENA_H
#define EDIGATE_GUIDE_ARENA_H

#include <stddef.h>

typedef struct block {
	struct block *next;
	size_t used, cap;
	unsigned char data[];
} block;

/* n zeroed bytes (8-aligned) from the arena at *head, a new block added
 * when the newest is full; NULL when out of memory. */
void *eg_arena_alloc(block **head, size_t n);
/* A copy of s (NULL: "") in the arena. */
char *eg_arena_str(block **head, const char *s);
/* Every block of the arena. */
void eg_arena_free(block *head);

#endif
