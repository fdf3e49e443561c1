/*
 * source.h - where a reader's bytes come from.
 *
 * A source hands out bytes in chunks so that readers never need a whole
 * file in memory.  Later filters (gzip, archive entries) are sources too.
 */
#ifndef EDIGATE_SOURCE_H
#define EDIGATE_SOURCE_H

#include <stddef.h>

#include "edigate/err.h"

typedef struct eg_source eg_source;

/* Open a file for reading; "-" means standard input.  Free with
 * eg_source_free. */
eg_err eg_source_open_file(eg_source **out, const char *path,
			   eg_error *e) EG_MUST_USE;
/* Read from memory the caller keeps alive for the source's lifetime. */
eg_err eg_source_new_mem(eg_source **out, const void *data, size_t len,
			 const char *name, eg_error *e) EG_MUST_USE;
/*
 * Read up to cap bytes.  *got == 0 means end of input.  Short reads are
 * normal.
 */
eg_err eg_source_read(eg_source *s, void *dst, size_t cap, size_t *got,
		      eg_error *e) EG_MUST_USE;
/* The name used in messages (path or given name); lives as long as s. */
const char *eg_source_name(const eg_source *s);
void eg_source_free(eg_source *s);

#endif
