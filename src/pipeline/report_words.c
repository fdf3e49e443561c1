/*
 * report_words.c - the plain sentences of a reject report (see
 * report_words.h).  The cause is chosen in order: another partner's
 * file, a file that could not be read, documents we cannot process,
 * documents with errors.
 */
#include <stdio.h>
#include <string.h>

#include "report_words.h"

void
eg_report_headline(const eg_report_facts *f, char *dst, size_t cap)
{
	unsigned long sets = f->accepted + f->rejected + f->duplicates;

	if (f->misrouted_to[0])
		snprintf(dst, cap,
			 "This file came in %s's inbox but was sent by partner "
			 "%s, so nothing in it was processed and no "
			 "acknowledgement was sent.",
			 f->partner, f->misrouted_to);
	else if (f->file_level && !f->accepted)
		snprintf(dst, cap,
			 "This file from %s could not be read as EDI "
			 "documents, so nothing in it was processed.",
			 f->partner);
	else if (f->unsupported)
		snprintf(dst, cap,
			 "%lu document(s) in this file from %s could not be "
			 "processed because edigate has no guide or map for "
			 "them, so they were not accepted%s.",
			 f->unsupported, f->partner,
			 f->accepted ? "; the others were" : "");
	else if (f->accepted)
		snprintf(dst, cap,
			 "%lu of the %lu document(s) in this file from %s had "
			 "errors and were not processed; the other %lu were.",
			 f->rejected, sets, f->partner, f->accepted);
	else
		snprintf(dst, cap,
			 "The document(s) in this file from %s had errors, so "
			 "none of them was processed.",
			 f->partner);
}

void
eg_report_next_step(const eg_report_facts *f, char *dst, size_t cap)
{
	if (f->misrouted_to[0])
		snprintf(dst, cap,
			 "Who acts: whoever routes partner %s's files (their "
			 "VAN or transfer set-up) must deliver this file to "
			 "%s's inbox; then discard this copy with `edigate "
			 "quarantine discard %s --reason TEXT`.",
			 f->misrouted_to, f->misrouted_to, f->file_id);
	else if (f->unsupported)
		snprintf(dst, cap,
			 "Who acts: our EDI administrator adds the missing "
			 "guide or map (or marks the document "
			 "acknowledge-only in partners/%s.xml), then `edigate "
			 "quarantine release %s --reason TEXT` processes the "
			 "file again.",
			 f->partner, f->file_id);
	else
		snprintf(dst, cap,
			 "Who acts: partner %s must correct the file%s and "
			 "send it again (the findings below say what is "
			 "wrong); if the fault is ours (a code list or rule "
			 "in partners/%s.xml), fix it and run `edigate "
			 "quarantine release %s --reason TEXT`.",
			 f->partner, f->file_level ? "" : "'s rejected documents",
			 f->partner, f->file_id);
}
