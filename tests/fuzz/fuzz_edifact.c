/*
 * fuzz_edifact.c - libFuzzer target: the UN/EDIFACT reader, the service-
 * segment checks and the CONTRL writer.
 *
 * Every input is read twice, with a tiny chunk size (so segments, UNA
 * strings and release runs straddle refills) and with the default, and
 * both walks must see the same segments and values: streaming must not
 * change what is read.  Every value span must lie inside the segment's
 * raw bytes or the reader's unescape buffer, and hold no unreleased
 * separator.  Then the checks run with a CONTRL writer that answers every
 * interchange (--contrl always), in both repertoire modes, and each
 * CONTRL it writes must read back cleanly through the reader and the
 * checks, and through the CONTRL reader of `edigate acks`: our own
 * acknowledgement is never malformed.  The input itself also goes
 * through the CONTRL reader (a partner's CONTRL is untrusted too).
 *
 * The checks run with the message guides too: the shipped ones
 * (edi/edifact, for DESADV, ORDERS, INVOIC, RECADV, CONTRL) and the test
 * guide TESTMS of tests/fixtures/edguides (run from the repository root);
 * every finding must carry a 0085 code and a position inside the input.
 * An input starting with '<' goes to the guide loader instead, as a
 * message guide and as a directory (over the test directory T1): it must
 * load or fail with a message, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edigate/buf.h"
#include "edigate/contrl.h"
#include "edigate/contrl_read.h"
#include "edigate/edifact.h"
#include "edigate/edifact_check.h"
#include "edigate/edifact_guide.h"
#include "fuzz_common.h"

static eg_edguides *shipped, *testdir;
static const eg_ed_guide *testms;
static size_t input_size;

static void
no_finding(void *ud, const eg_edifact_finding *f)
{
	(void)ud;
	/* guide findings: a code and a place inside the input */
	if ((f->level == EG_LVL_SEGMENT || f->level == EG_LVL_ELEMENT) &&
	    (!f->code || !f->code[0] || f->pos.offset > input_size))
		abort();
}

static void
no_unit(void *ud, const eg_edifact_unit *u)
{
	(void)ud;
	(void)u;
}

static void
on_status(void *ud, const eg_contrl_status *s)
{
	++*(unsigned *)ud;
	if (s->kind > EG_CONTRL_ELEMENT)
		abort();
}

/* Read data as a partner's CONTRL; returns the statuses seen. */
static unsigned
read_contrl(const void *data, size_t size, unsigned *nmsg)
{
	eg_source *src = NULL;
	eg_error e;
	unsigned got = 0;

	memset(&e, 0, sizeof(e));
	*nmsg = 0;
	if (eg_source_new_mem(&src, data, size, "contrl", &e))
		abort();
	(void)eg_contrl_read(src, on_status, &got, nmsg, &e);
	eg_source_free(src);
	return got;
}

/* Small limits: inputs are at most 4 KiB, and a reader's arrays are
 * sized by its limits (the defaults cost ~600 KiB of allocation per
 * reader, which would dominate every run). */
static eg_edifact_limits
small_limits(size_t chunk)
{
	eg_edifact_limits l = eg_edifact_limits_default();

	l.chunk = chunk;
	l.max_segment = 4096;
	l.max_elements = 128;
	l.max_values = 512;
	return l;
}

/* Walk data; a digest of what was read (tags, offsets, values). */
static uint64_t
walk(const uint8_t *data, size_t size, size_t chunk, int *failed)
{
	eg_edifact_opts o;
	eg_source *src = NULL;
	eg_edifact_reader *r = NULL;
	const eg_edifact_segment *s;
	eg_error e;
	uint64_t h = 1469598103934665603ULL;
	size_t i, k, c, j;

	*failed = 0;
	memset(&e, 0, sizeof(e));
	memset(&o, 0, sizeof(o));
	o.limits = small_limits(chunk);
	if (eg_source_new_mem(&src, data, size, "fuzz", &e) ||
	    eg_edifact_reader_new(&r, src, &o, &e))
		abort();
	for (;;) {
		eg_error_clear(&e);
		if (eg_edifact_reader_next(r, &s, &e)) {
			*failed = 1;
			break;
		}
		if (!s)
			break;
		h = (h ^ s->tag ^ (s->offset << 20) ^ s->nelem ^
		     ((uint64_t)s->msg_pos << 40)) *
		    1099511628211ULL;
		for (i = 0; i <= s->nelem; i++)
			for (k = 1; k <= eg_edifact_repetition_count(s, i); k++)
				for (c = 1; c <= eg_edifact_component_count(s, i, k);
				     c++) {
					eg_span v = eg_edifact_value(s, i, k, c);

					if (v.len > s->raw_len)
						abort();
					if (!s->released &&
					    v.len && (v.p < s->raw ||
						      v.p + v.len > s->raw + s->raw_len))
						abort();
					for (j = 0; j < v.len; j++)
						h = (h ^ (unsigned char)v.p[j]) *
						    1099511628211ULL;
					h ^= (uint64_t)i << 8 | k << 4 | c;
				}
	}
	eg_edifact_reader_free(r);
	eg_source_free(src);
	return h;
}

typedef struct out {
	uint64_t ctl;
} out;

static eg_err
next_control(void *ud, const char *kind, uint64_t *o, eg_error *e)
{
	(void)kind;
	(void)e;
	*o = ++((out *)ud)->ctl;
	return EG_OK;
}

/* Our CONTRL must be clean EDIFACT for our own checks. */
static eg_err
emit(void *ud, const char *name, const char *p, size_t n, eg_error *e)
{
	eg_edifact_events ev = {no_finding, no_unit, NULL};
	eg_edifact_check_opts co;
	eg_edifact_check_result res;
	eg_source *src = NULL;

	(void)ud;
	if (!name || !n || !p)
		abort();
	memset(&co, 0, sizeof(co));
	co.reader.limits = small_limits(4096);
	/* the partner's own characters are echoed as sent */
	co.reader.strict = EG_EDIFACT_REP_OFF;
	if (eg_source_new_mem(&src, p, n, "contrl", e) ||
	    eg_edifact_check(src, &co, &ev, &res, e))
		abort();
	eg_source_free(src);
	if (res.reader_failed || res.totals.interchanges != 1 ||
	    res.totals.transactions != 1)
		abort();
	{
		unsigned nmsg, st = read_contrl(p, n, &nmsg);

		/* one CONTRL message, at least its UCI */
		if (nmsg != 1 || st < 1)
			abort();
	}
	/* Values we echo may be wrong for the partner's version (that is
	 * what the CONTRL reports), but the structure never is. */
	return EG_OK;
}

static void
check_and_contrl(const uint8_t *data, size_t size, eg_edifact_strict strict)
{
	eg_edifact_check_opts co;
	eg_edifact_check_result res;
	eg_contrl_opts ao;
	eg_contrl *c = NULL;
	eg_source *src = NULL;
	eg_error e;
	out o = {0};

	memset(&co, 0, sizeof(co));
	memset(&ao, 0, sizeof(ao));
	memset(&e, 0, sizeof(e));
	co.reader.limits = small_limits(4096);
	co.reader.strict = strict;
	co.guides = shipped;
	co.guide = testms;
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = &o;
	ao.when = EG_CONTRL_ALWAYS;
	ao.now = 1767603600;
	if (eg_contrl_new(&c, &ao, &e) ||
	    eg_source_new_mem(&src, data, size, "fuzz", &e))
		abort();
	if (eg_edifact_check(src, &co, eg_contrl_events(c), &res, &e))
		abort();
	if (eg_contrl_error(c, &e))
		abort();
	eg_source_free(src);
	eg_contrl_free(c);
}

/* The same input through the checks with guides and the findings
 * callback that checks them. */
static void
check_guided(const uint8_t *data, size_t size)
{
	eg_edifact_events ev = {no_finding, no_unit, NULL};
	eg_edifact_check_opts co;
	eg_edifact_check_result res;
	eg_source *src = NULL;
	eg_error e;

	memset(&co, 0, sizeof(co));
	memset(&e, 0, sizeof(e));
	co.reader.limits = small_limits(4096);
	co.guides = shipped;
	co.guide = testms;
	input_size = size;
	if (eg_source_new_mem(&src, data, size, "fuzz", &e) ||
	    eg_edifact_check(src, &co, &ev, &res, &e))
		abort();
	eg_source_free(src);
}

/* A guide or directory file from the input: loads, or fails saying why. */
static void
load_guide(const uint8_t *data, size_t size)
{
	eg_edguides *g = NULL;
	const eg_ed_guide *gd = NULL;
	char path[128];
	size_t a, b, c;
	eg_error e;

	snprintf(path, sizeof(path), "%s/guide.xml", fuzz_scratch());
	fuzz_write(path, data, size);
	memset(&e, 0, sizeof(e));
	if (eg_edguides_new(&g, "tests/fixtures/edguides", &e))
		abort();
	if (eg_edguides_load(g, path, &gd, &e) != EG_OK) {
		if (!e.msg[0])
			abort();
	} else if (!gd || gd->root.n < 2) {
		abort();
	}
	memset(&e, 0, sizeof(e));
	if (eg_edguides_check_directory(g, path, &a, &b, &c, &e) != EG_OK &&
	    !e.msg[0])
		abort();
	eg_edguides_free(g);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *ids[5] = {"TESTMS", "T", "1", "UN", ""};
	eg_error e;

	(void)argc;
	(void)argv;
	memset(&e, 0, sizeof(e));
	if (eg_edguides_new(&shipped, ".", &e) ||
	    eg_edguides_new(&testdir, "tests/fixtures/edguides", &e) ||
	    eg_edguides_find(testdir, ids, &testms, &e))
		testms = NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int f1, f2;

	if (size && data[0] == '<') {
		load_guide(data, size);
		return 0;
	}
	uint64_t a = walk(data, size, 3, &f1);
	uint64_t b = walk(data, size, 4096, &f2);

	if (f1 != f2 || (!f1 && a != b))
		abort();
	check_and_contrl(data, size, EG_EDIFACT_REP_STRICT);
	check_and_contrl(data, size, EG_EDIFACT_REP_LENIENT);
	check_guided(data, size);
	{
		unsigned nmsg;

		(void)read_contrl(data, size, &nmsg);
	}
	return 0;
}
