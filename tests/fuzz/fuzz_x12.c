/*
 * fuzz_x12.c - libFuzzer target: the X12 reader and the envelope checks.
 *
 * Runs every input twice, with a tiny chunk size (so segments straddle
 * refills) and with the default, and checks that both walks see the same
 * segments: streaming must not change what is read.  Then runs the full
 * check (envelope + guide validation against tests/fixtures/guides, when
 * the fuzzer runs from the repository root) and the TA1/997/999 writer.
 * Any crash, hang, sanitizer report or mismatch is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/ack.h"
#include "edigate/envelope.h"
#include "edigate/x12.h"
#include "edigate/x12_check.h"

/* Loaded once: the fuzzer's only global, outside the library. */
static eg_guides *guides;

static void
no_finding(void *ud, const eg_finding *f)
{
	(void)ud;
	(void)f;
}

static void
no_unit(void *ud, const eg_unit_result *u)
{
	(void)ud;
	(void)u;
}

/* Walk data; return a digest of what was read (tags, offsets, lengths). */
static uint64_t
walk(const uint8_t *data, size_t size, size_t chunk, int *failed)
{
	eg_x12_limits lim = eg_x12_limits_default();
	eg_envelope_events ev = {no_finding, no_unit, NULL};
	eg_source *src = NULL;
	eg_x12_reader *r = NULL;
	eg_envelope *env = NULL;
	const eg_x12_segment *s;
	eg_error e;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	*failed = 0;
	memset(&e, 0, sizeof(e));
	lim.chunk = chunk;
	lim.max_segment = 4096;
	if (eg_source_new_mem(&src, data, size, "fuzz", &e) ||
	    eg_x12_reader_new(&r, src, &lim, &e) ||
	    eg_envelope_new(&env, &ev, &e))
		abort();
	for (;;) {
		eg_error_clear(&e);
		if (eg_x12_reader_next(r, &s, &e)) {
			eg_envelope_abort(env, &e);
			*failed = 1;
			break;
		}
		if (!s) {
			if (eg_envelope_finish(env, &e))
				abort();
			break;
		}
		if (eg_envelope_segment(env, s, &e))
			abort();
		h = (h ^ s->tag ^ (s->offset << 20) ^ s->nelem) * 1099511628211ULL;
		for (i = 1; i <= s->nelem; i++) {
			eg_span el = eg_x12_element(s, i);
			size_t nr = eg_x12_repetition_count(s, i), k;

			h = (h ^ el.len) * 1099511628211ULL;
			for (k = 1; k <= nr; k++)
				h ^= eg_x12_component_count(s, i, k);
			if (el.len && (el.p < s->data || el.p + el.len > s->data + s->len))
				abort(); /* spans must lie inside the segment */
		}
	}
	eg_envelope_free(env);
	eg_x12_reader_free(r);
	eg_source_free(src);
	return h;
}

static eg_err
next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	(void)kind;
	(void)e;
	*out = ++*(uint64_t *)ud;
	return EG_OK;
}

static eg_err
emit(void *ud, const char *name, const char *p, size_t n, eg_error *e)
{
	(void)ud;
	(void)e;
	if (!name || (n && !p))
		abort();
	return EG_OK;
}

/* Full validation and acknowledgements; must not crash. */
static void
check_and_ack(const uint8_t *data, size_t size)
{
	eg_x12_check_opts co;
	eg_x12_check_result res;
	eg_ack_opts ao;
	eg_ack *ack = NULL;
	eg_source *src = NULL;
	eg_error e;
	uint64_t ctl = 0;

	memset(&co, 0, sizeof(co));
	memset(&ao, 0, sizeof(ao));
	memset(&e, 0, sizeof(e));
	co.limits = eg_x12_limits_default();
	co.guides = guides;
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = &ctl;
	if (eg_ack_new(&ack, &ao, &e) ||
	    eg_source_new_mem(&src, data, size, "fuzz", &e))
		abort();
	if (eg_x12_check(src, &co, eg_ack_events(ack), &res, &e) &&
	    e.code != EG_ECONFIG)
		abort();
	eg_source_free(src);
	eg_ack_free(ack);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	eg_error e;

	(void)argc;
	(void)argv;
	memset(&e, 0, sizeof(e));
	if (eg_guides_new(&guides, "tests/fixtures/guides", &e))
		guides = NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int f1, f2;
	uint64_t a = walk(data, size, 3, &f1);
	uint64_t b = walk(data, size, 256 * 1024, &f2);

	/* Identical results whatever the chunk size, unless the input hit a
	 * limit whose detection point legitimately depends on buffering. */
	if (!f1 && !f2 && a != b)
		abort();
	if (f1 != f2)
		abort();
	check_and_ack(data, size);
	return 0;
}
