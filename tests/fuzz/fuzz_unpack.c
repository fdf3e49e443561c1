/*
 * fuzz_unpack.c - libFuzzer target: bundles (zip, tar, tar.gz, gzip,
 * nested) opened by eg_unpack.
 *
 * The input is written to a file and unpacked under small limits.  What
 * must hold: no crash, leak or sanitizer report; every limit holds (no
 * more than max_total bytes on disk, at most max_entries leaves); a leaf
 * handed over is exactly as large as said and its name is neither
 * absolute nor holds a ".." component; on any error nothing at all was
 * handed over (every byte verified first).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edigate/unpack.h"

#include "fuzz_common.h"

#define MAX_TOTAL (256 * 1024)
#define MAX_ENTRIES 64

typedef struct seen {
	unsigned n;
	uint64_t bytes;
} seen;

static eg_err
on_leaf(void *ud, unsigned index, const char *name, const char *path,
	uint64_t size, eg_error *e)
{
	seen *s = ud;
	struct stat st;
	const char *p;

	(void)e;
	if (index != s->n + 1)
		abort();
	if (stat(path, &st) != 0 || (uint64_t)st.st_size != size)
		abort();
	if (name[0] == '/' || name[0] == '\0')
		abort();
	for (p = name; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == name || p[-1] == '/' || p[-1] == '\\' ||
		     p[-1] == '!') &&
		    (p[2] == '\0' || p[2] == '/' || p[2] == '\\' || p[2] == '!'))
			abort();
	s->n++;
	s->bytes += size;
	return EG_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[128], dest[128];
	eg_unpack_limits lim;
	eg_bundle_kind kind;
	seen s = {0, 0};
	eg_error e;
	eg_err rc;

	snprintf(in, sizeof(in), "%s/bundle", fuzz_scratch());
	snprintf(dest, sizeof(dest), "%s/out", fuzz_scratch());
	fuzz_write(in, data, size);
	memset(&e, 0, sizeof(e));
	if (eg_bundle_detect(in, &kind, &e) != EG_OK)
		abort();
	memset(&lim, 0, sizeof(lim));
	lim.max_total = MAX_TOTAL;
	lim.max_entries = MAX_ENTRIES;
	lim.max_depth = 3;
	rc = eg_unpack(in, "fuzz.bundle", dest, &lim, on_leaf, &s, &e);
	if (kind == EG_BUNDLE_NONE && rc != EG_EINVAL)
		abort();
	if (rc != EG_OK && s.n != 0)
		abort(); /* handed over before the whole was verified */
	if (rc != EG_OK && e.msg[0] == '\0')
		abort(); /* every refusal says why */
	if (s.bytes > MAX_TOTAL || s.n > MAX_ENTRIES)
		abort();
	fuzz_rm(dest);
	return 0;
}
