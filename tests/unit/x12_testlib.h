/*
 * x12_testlib.h - helpers shared by the X12 unit tests: a growable test
 * buffer and a builder for fixed-width ISA segments.
 *
 * Test code only.  Allocation failures end the test (cmocka assert), so
 * the helpers never return errors.  Everything is static inline so that a
 * test file using only part of it compiles warning-free.
 */
#ifndef EDIGATE_TESTS_X12_TESTLIB_H
#define EDIGATE_TESTS_X12_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A test byte buffer: grows without limit, NUL-terminated for printing. */
typedef struct tbuf {
	char *p;
	size_t len, cap;
} tbuf;

static inline void
tb_reserve(tbuf *b, size_t n)
{
	size_t ncap;
	char *np;

	if (b->len + n + 1 <= b->cap)
		return;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	np = realloc(b->p, ncap);
	assert_non_null(np);
	b->p = np;
	b->cap = ncap;
}

static inline void
tb_add(tbuf *b, const void *p, size_t n)
{
	tb_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void
tb_addc(tbuf *b, char c)
{
	tb_add(b, &c, 1);
}

static inline void
tb_adds(tbuf *b, const char *s)
{
	tb_add(b, s, strlen(s));
}

static inline void tb_addf(tbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void
tb_addf(tbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	tb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static inline void
tb_free(tbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* The widths of ISA01..ISA16. */
static const int tl_isa_width[16] = {2, 10, 2, 10, 2, 15, 2, 15,
				     6, 4,  1, 5, 9,  1, 1, 1};

/*
 * Default ISA field values (ISA01..ISA16) for a 004010 test interchange
 * with '>' as component separator.
 */
static const char *const tl_isa_default[16] = {
	"00", "          ", "00", "          ", "ZZ", "SENDERID       ",
	"ZZ", "RECEIVERID     ", "210315", "1430", "U", "00401",
	"000000101", "0", "P", ">",
};

/*
 * Append an ISA made of the 16 fields f (NULL entries take the default),
 * joined by el and followed by the terminator term.  Widths are not
 * checked, so a test can build a malformed ISA on purpose; use
 * tl_isa_ok() to check a well-formed one.
 */
static inline void
tb_isa(tbuf *b, char el, const char *const f[16], const char *term)
{
	int i;

	tb_adds(b, "ISA");
	for (i = 0; i < 16; i++) {
		tb_addc(b, el);
		tb_adds(b, f && f[i] ? f[i] : tl_isa_default[i]);
	}
	tb_adds(b, term);
}

/* True when all 16 fields have their fixed widths. */
static inline int
tl_isa_ok(const char *const f[16])
{
	int i;

	for (i = 0; i < 16; i++) {
		const char *v = f && f[i] ? f[i] : tl_isa_default[i];

		if (strlen(v) != (size_t)tl_isa_width[i])
			return 0;
	}
	return 1;
}

/* A small deterministic PRNG (xorshift32), so failures reproduce. */
static inline uint32_t
tl_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#endif
