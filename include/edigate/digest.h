/*
 * digest.h - SHA-256 of files, as the ledger and the correlation chain
 * record them (64 lower-case hex digits).
 */
#ifndef EDIGATE_DIGEST_H
#define EDIGATE_DIGEST_H

#include <stddef.h>

#include "edigate/err.h"

#define EG_SHA256_HEX 65 /* 64 digits and the NUL */

/* SHA-256 of the file at path, streamed (any size). */
eg_err eg_sha256_file(const char *path, char hex[EG_SHA256_HEX],
		      eg_error *e) EG_MUST_USE;
/* SHA-256 of n bytes at p. */
eg_err eg_sha256_mem(const void *p, size_t n, char hex[EG_SHA256_HEX],
		     eg_error *e) EG_MUST_USE;

/* Streaming: begin, update as bytes arrive, end (frees; writes hex) or
 * free (abandon). */
typedef struct eg_sha256 eg_sha256;
eg_err eg_sha256_begin(eg_sha256 **out, eg_error *e) EG_MUST_USE;
eg_err eg_sha256_update(eg_sha256 *s, const void *p, size_t n,
			eg_error *e) EG_MUST_USE;
eg_err eg_sha256_end(eg_sha256 *s, char hex[EG_SHA256_HEX],
		     eg_error *e) EG_MUST_USE;
void eg_sha256_free(eg_sha256 *s);

#endif
