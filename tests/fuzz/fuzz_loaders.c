/*
 * fuzz_loaders.c - libFuzzer target: the XML loaders of files partners
 * and integration engineers write -- partner profiles (with
 * eg_profile_check), implementation guides and map files.
 *
 * The first byte picks the loader (0: profile, 1: guide, 2: map, by its
 * value mod 3); the rest is the file.  Each goes through the one XML
 * adapter (src/core/xml.c) with its XSD, then the loader's own checks.
 * What must hold: no crash, leak, hang or sanitizer report; a refusal
 * always says why; entities never expand (a file declaring one is
 * refused).  Runs from the repository root (edi/, schemas/).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/guide.h"
#include "edigate/map.h"
#include "edigate/profile.h"

#include "fuzz_common.h"

static void
no_check(void *ud, eg_pcheck_sev sev, const char *msg)
{
	(void)ud;
	(void)sev;
	if (msg == NULL)
		abort();
}

static void
profile(const char *path, eg_error *e)
{
	eg_profile *p = NULL;
	eg_guides *g = NULL;

	if (eg_profile_load(&p, path, ".", e) != EG_OK) {
		if (p != NULL || e->msg[0] == '\0')
			abort();
		return;
	}
	if (eg_guides_new(&g, ".", e) != EG_OK)
		abort();
	(void)eg_profile_check(p, fuzz_scratch(), g, no_check, NULL);
	eg_guides_free(g);
	eg_profile_free(p);
}

static void
guide(const char *path, eg_error *e)
{
	eg_guides *g = NULL;
	const eg_guide *out = NULL;

	if (eg_guides_new(&g, ".", e) != EG_OK)
		abort();
	if (eg_guides_load(g, path, &out, e) != EG_OK && e->msg[0] == '\0')
		abort();
	eg_guides_free(g);
}

static void
map(const char *path, eg_error *e)
{
	eg_maps *m = NULL;
	const eg_map *out = NULL;

	if (eg_maps_new(&m, ".", e) != EG_OK)
		abort();
	if (eg_maps_load(m, path, &out, e) != EG_OK) {
		if (e->msg[0] == '\0')
			abort();
	} else if (out == NULL || eg_map_record(out) == NULL) {
		abort();
	}
	eg_maps_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	eg_error e;

	if (size < 1)
		return 0;
	snprintf(path, sizeof(path), "%s/doc.xml", fuzz_scratch());
	fuzz_write(path, data + 1, size - 1);
	memset(&e, 0, sizeof(e));
	switch (data[0] % 3) {
	case 0:
		profile(path, &e);
		break;
	case 1:
		guide(path, &e);
		break;
	default:
		map(path, &e);
		break;
	}
	return 0;
}
