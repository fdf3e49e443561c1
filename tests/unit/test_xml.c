/*
 * test_xml.c - unit tests for the libxml2 adapter's entity guard.
 *
 * What must always hold (xml.c): no file read through eg_xml_load may
 * declare or reference an entity other than the five predefined ones;
 * such a file is refused, with the line and the entity's name, before
 * anything is expanded, and quickly (< 1 s) however many references it
 * holds.  Predefined entities and character references still read.
 *
 * Every file is written here at test time in a fresh /tmp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edigate/err.h"
#include "edigate/xml.h"

typedef struct fixture {
	char dir[64];
	char path[128];
} fixture;

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/eg_xml.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/doc.xml", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write head, then body repeated n times, then tail. */
static void
write_doc(fixture *f, const char *head, const char *body, size_t n,
	  const char *tail)
{
	FILE *fp = fopen(f->path, "wb");
	size_t i;

	assert_non_null(fp);
	fputs(head, fp);
	for (i = 0; i < n; i++)
		fputs(body, fp);
	fputs(tail, fp);
	assert_int_equal(fclose(fp), 0);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Load f->path; it must be refused quickly with want in the message. */
static void
expect_refused(fixture *f, const char *want)
{
	eg_xml *x = (eg_xml *)f; /* must be reset to NULL */
	eg_error e;
	double t0 = now_s();

	eg_error_clear(&e);
	assert_int_equal(eg_xml_load(&x, f->path, NULL, &e), EG_ECONFIG);
	assert_null(x);
	assert_true(now_s() - t0 < 1.0);
	if (strstr(e.msg, want) == NULL)
		fail_msg("'%s' not in: %s", want, e.msg);
	assert_non_null(strstr(e.msg, "entities refused in"));
	assert_non_null(strstr(e.msg, f->path));
}

static void
test_internal_entity_in_attribute(void **state)
{
	fixture *f = *state;
	char ent[5100];

	/* The case: one entity, thousands of references. */
	memset(ent, 'x', 5000);
	ent[5000] = '\0';
	{
		char head[5200];

		snprintf(head, sizeof(head),
			 "<?xml version=\"1.0\"?>\n"
			 "<!DOCTYPE partner [<!ENTITY e \"%s\">]>\n"
			 "<partner name=\"",
			 ent);
		write_doc(f, head, "&e;", 4000, "\"/>\n");
	}
	expect_refused(f, ":2: entity declaration 'e' refused");
}

static void
test_billion_laughs(void **state)
{
	fixture *f = *state;

	write_doc(f,
		  "<?xml version=\"1.0\"?>\n<!DOCTYPE a [\n"
		  " <!ENTITY l0 \"ha\">\n"
		  " <!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">\n"
		  " <!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">\n"
		  " <!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">\n"
		  "]>\n<a>",
		  "&l3;", 1000, "</a>\n");
	expect_refused(f, ":3: entity declaration 'l0' refused");
}

static void
test_external_and_parameter_entities(void **state)
{
	fixture *f = *state;

	write_doc(f,
		  "<?xml version=\"1.0\"?>\n<!DOCTYPE a [\n"
		  " <!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n<a>&x;</a>\n",
		  "", 0, "");
	expect_refused(f, "entity declaration 'x' refused");

	write_doc(f,
		  "<?xml version=\"1.0\"?>\n<!DOCTYPE a [\n"
		  " <!ENTITY % p \"<!ENTITY q 'boom'>\">\n %p;\n]>\n<a/>\n",
		  "", 0, "");
	expect_refused(f, "entity declaration 'p' refused");
}

/*
 * An external DTD is never loaded, so an entity it would declare is
 * unknown: its reference is refused rather than read as "".
 */
static void
test_undeclared_reference(void **state)
{
	fixture *f = *state;

	write_doc(f,
		  "<?xml version=\"1.0\"?>\n"
		  "<!DOCTYPE a SYSTEM \"http://example.invalid/a.dtd\">\n"
		  "<a name=\"x&ext;y\"/>\n",
		  "", 0, "");
	expect_refused(f, ":3: entity reference 'ext' refused");
}

static void
test_predefined_and_char_refs_read(void **state)
{
	fixture *f = *state;
	eg_xml *x = NULL;
	eg_error e;
	const eg_xml_node *root;

	write_doc(f,
		  "<?xml version=\"1.0\"?>\n<!DOCTYPE a>\n"
		  "<a name=\"R&amp;D &lt;&#65;&#x42;&gt; &quot;q&quot; "
		  "&apos;\"><b/></a>\n",
		  "", 0, "");
	eg_error_clear(&e);
	assert_int_equal(eg_xml_load(&x, f->path, NULL, &e), EG_OK);
	root = eg_xml_root(x);
	assert_string_equal(eg_xml_name(root), "a");
	assert_string_equal(eg_xml_attr(root, "name"), "R&D <AB> \"q\" '");
	assert_string_equal(eg_xml_name(eg_xml_first(root)), "b");
	eg_xml_free(x);
}

static void
test_missing_and_broken(void **state)
{
	fixture *f = *state;
	eg_xml *x = NULL;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_xml_load(&x, "/nonexistent/edigate.xml", NULL, &e),
			 EG_ENOTFOUND);
	assert_null(x);

	write_doc(f, "<a><b></a>\n", "", 0, "");
	eg_error_clear(&e);
	assert_int_equal(eg_xml_load(&x, f->path, NULL, &e), EG_ECONFIG);
	assert_null(x);
	assert_non_null(strstr(e.msg, "not well-formed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_internal_entity_in_attribute),
	    T(test_billion_laughs),
	    T(test_external_and_parameter_entities),
	    T(test_undeclared_reference),
	    T(test_predefined_and_char_refs_read),
	    T(test_missing_and_broken),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
