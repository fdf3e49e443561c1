/*
 * report_words.h - the plain sentences of a reject report (internal).
 *
 * A reject report opens with one sentence a warehouse lead understands
 * (what happened to the file, in words, not codes) and ends with who
 * must act and what to do next.  The findings in between are for the
 * EDI specialist.
 */
#ifndef EDIGATE_REPORT_WORDS_H
#define EDIGATE_REPORT_WORDS_H

#include <stddef.h>

typedef struct eg_report_facts {
	const char *file_id, *file_name;
	const char *partner;       /* profile id */
	const char *final_state;   /* rejected, partial */
	unsigned long accepted, rejected, duplicates;
	unsigned long unsupported; /* sets with no guide or map */
	const char *misrouted_to;  /* the partner the sender belongs to, or
				    * "" */
	int file_level;            /* refused as a whole (not X12, too
				    * large, unreadable envelope) */
} eg_report_facts;

/* "This file ... ." into dst. */
void eg_report_headline(const eg_report_facts *f, char *dst, size_t cap);
/* "Who acts: ... ." into dst. */
void eg_report_next_step(const eg_report_facts *f, char *dst, size_t cap);

#endif
