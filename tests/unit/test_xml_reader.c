/*
 * test_xml_reader.c - unit tests for the streaming XML reader
 * (xml_reader.h).
 *
 * What must always hold: records come out one per record element, in
 * order, with the values of the wanted paths (element text trimmed,
 * attributes, CDATA, predefined and character references) and the
 * occurrence numbers of the repeat element; namespaces prefixes do not
 * matter; a DTD internal subset, an undeclared entity and every limit
 * stop the file with an error that names line and byte; a "[" inside a
 * quoted SYSTEM literal or a commented-out DOCTYPE is not an internal
 * subset; after an error every call repeats it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edigate/xml_reader.h"

static const char *const paths[] = {
	"@id", "Name", "Lines/Line/Qty", "Lines/Line/Qty/@uom", "Lines/Line/@no",
	".",
};
static const char *const reps[] = {"Lines/Line"};

static void
opts(eg_xmlr_opts *o, const char *record)
{
	memset(o, 0, sizeof(*o));
	o->record = record;
	o->paths = paths;
	o->npaths = sizeof(paths) / sizeof(paths[0]);
	o->repeats = reps;
	o->nrepeats = 1;
}

/* All records of text as "path=value@occ;..." lines. */
static eg_err
read_all(const char *text, const eg_xmlr_opts *o, char *out, size_t cap,
	 eg_error *e)
{
	eg_xmlr *r = NULL;
	size_t used = 0, i;
	int got;
	eg_err rc;

	out[0] = '\0';
	if ((rc = eg_xmlr_open_mem(&r, text, strlen(text), o, e)) != EG_OK)
		return rc;
	while ((rc = eg_xmlr_next(r, &got, e)) == EG_OK && got) {
		for (i = 0; i < eg_xmlr_nvalues(r); i++) {
			const eg_xmlr_val *v = eg_xmlr_value(r, i);

			used += (size_t)snprintf(out + used, cap - used,
						 "%s=%.*s@%ld;", o->paths[v->path],
						 (int)v->s.len, v->s.p, v->occ);
		}
		used += (size_t)snprintf(out + used, cap - used, "|%ld\n",
					 eg_xmlr_repeat_count(r, 0));
		assert_true(used < cap);
	}
	eg_xmlr_free(r);
	return rc;
}

static void
test_records_and_values(void **state)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\n"
		"<!-- a comment -->\n"
		"<Doc><Head>skip</Head>\n"
		"<Rec id=\"A1\">\n  <Name>  Anna &amp; Co &#x41;  </Name>\n"
		"  <Lines><Line no=\"1\"><Qty uom=\"EA\">5</Qty></Line>\n"
		"  <Line no=\"2\"><Qty uom=\"CA\"><![CDATA[7]]></Qty></Line>"
		"</Lines></Rec>\n"
		"<Rec id=\"B2\"><Name/></Rec>\n"
		"<Other><Rec id=\"no\"/></Other>\n"
		"</Doc>\n";
	char out[2048];
	eg_xmlr_opts o;
	eg_error e;

	(void)state;
	opts(&o, "Doc/Rec");
	assert_int_equal(read_all(doc, &o, out, sizeof(out), &e), EG_OK);
	assert_string_equal(out,
		"@id=A1@-1;Name=Anna & Co A@-1;Lines/Line/@no=1@0;"
		"Lines/Line/Qty/@uom=EA@0;Lines/Line/Qty=5@0;"
		"Lines/Line/@no=2@1;Lines/Line/Qty/@uom=CA@1;"
		"Lines/Line/Qty=7@1;.=@-1;|2\n"
		"@id=B2@-1;Name=@-1;.=@-1;|0\n");
}

static void
test_namespaces_and_root(void **state)
{
	static const char doc[] =
		"<a:Doc xmlns:a=\"urn:x\" xmlns=\"urn:y\" id=\"R\">"
		"<Name>n</Name><a:Name>m</a:Name></a:Doc>";
	char out[512];
	eg_xmlr_opts o;
	eg_error e;

	(void)state;
	opts(&o, NULL); /* the root is the record */
	assert_int_equal(read_all(doc, &o, out, sizeof(out), &e), EG_OK);
	assert_string_equal(out, "@id=R@-1;Name=n@-1;Name=m@-1;.=@-1;|0\n");
}

static void
test_positions(void **state)
{
	static const char doc[] = "<D>\n<R id=\"1\">\n<Name>x</Name>\n</R>\n"
				  "<R id=\"2\">\n\n<Name>bad</Name></R></D>";
	eg_xmlr_opts o;
	eg_xmlr *r = NULL;
	eg_error e;
	eg_csv_where w;
	uint64_t first, last, num, off;
	int got;

	(void)state;
	opts(&o, "D/R");
	assert_int_equal(eg_xmlr_open_mem(&r, doc, strlen(doc), &o, &e), EG_OK);
	assert_int_equal(eg_xmlr_next(r, &got, &e), EG_OK);
	assert_int_equal(eg_xmlr_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 1);
	eg_xmlr_record_pos(r, &first, &last, &num, &off);
	assert_int_equal(first, 5);
	assert_int_equal(last, 7);
	assert_int_equal(num, 2);
	assert_string_equal(eg_xmlr_record_path(r), "/D/R[2]");
	eg_xmlr_where_value(r, 1, &w);
	assert_int_equal(w.line, 7);
	assert_string_equal(w.colname, "/D/R[2]/Name");
	assert_string_equal(w.raw, "bad");
	assert_int_equal(eg_xmlr_next(r, &got, &e), EG_OK);
	assert_int_equal(got, 0);
	eg_xmlr_free(r);
}

/* Each hostile or broken document: the error code and a clause. */
static void
expect_fail(const char *doc, const eg_xmlr_opts *o, eg_err code,
	    const char *clause)
{
	char out[4096];
	eg_error e;
	eg_err rc = read_all(doc, o, out, sizeof(out), &e);

	assert_int_equal(rc, code);
	if (!strstr(e.msg, clause))
		fail_msg("'%s' lacks '%s'", e.msg, clause);
	assert_non_null(strstr(e.msg, ", byte "));
}

static void
test_hostile(void **state)
{
	eg_xmlr_opts o;

	(void)state;
	opts(&o, "D/R");
	expect_fail("<?xml version=\"1.0\"?><!DOCTYPE D [<!ENTITY a \"b\">]>"
		    "<D><R>&a;</R></D>", &o, EG_ESYNTAX, "DTD internal subset");
	expect_fail("<!DOCTYPE D[]><D/>", &o, EG_ESYNTAX, "DTD internal subset");
	expect_fail("<D><R><Name>&nbsp;</Name></R></D>", &o, EG_ESYNTAX,
		    "Entity 'nbsp' not defined");
	expect_fail("<D><R><Name>x</R></D>", &o, EG_ESYNTAX,
		    "not well-formed XML");
	expect_fail("<D><R><Name>x</Name></R>", &o, EG_ESYNTAX, "cut short");
	expect_fail("", &o, EG_ESYNTAX, "the file is empty");
	expect_fail("<?xml version=\"1.0\" encoding=\"UTF-8\"?><D>\xe9</D>", &o,
		    EG_ESYNTAX, "not in the encoding");
}

static void
test_not_internal_subsets(void **state)
{
	char out[512];
	eg_xmlr_opts o;
	eg_error e;

	(void)state;
	opts(&o, "D/R");
	/* a '[' in a quoted literal, a DOCTYPE in a comment, a PI */
	assert_int_equal(read_all("<!DOCTYPE D SYSTEM \"a[1].dtd\"><D><R id=\"1\"/></D>",
				  &o, out, sizeof(out), &e), EG_OK);
	assert_string_equal(out, "@id=1@-1;.=@-1;|0\n");
	assert_int_equal(read_all("<!-- <!DOCTYPE D [ ] --><?pi [?><D><R id=\"2\"/></D>",
				  &o, out, sizeof(out), &e), EG_OK);
	assert_string_equal(out, "@id=2@-1;.=@-1;|0\n");
}

static void
test_limits(void **state)
{
	char big[4096];
	eg_xmlr_opts o;
	eg_xmlr *r = NULL;
	eg_error e, e2;
	int got;

	(void)state;
	opts(&o, "D/R");
	o.max_depth = 3;
	expect_fail("<D><R><x><y/></x></R></D>", &o, EG_ELIMIT,
		    "nested more than 3 deep (limit max-depth)");
	opts(&o, "D/R");
	o.max_text = 4;
	expect_fail("<D><R><Name>12345</Name></R></D>", &o, EG_ELIMIT,
		    "limit max-text");
	expect_fail("<D><R id=\"12345\"/></D>", &o, EG_ELIMIT, "attribute 'id'");
	opts(&o, "D/R");
	o.max_attrs = 2;
	expect_fail("<D a=\"1\" b=\"2\" c=\"3\"/>", &o, EG_ELIMIT,
		    "more than 2 attributes");
	opts(&o, "D/R");
	o.max_values = 3;
	expect_fail("<D><R><Name>1</Name><Name>2</Name><Name>3</Name>"
		    "<Name>4</Name></R></D>", &o, EG_ELIMIT, "limit max-values");
	opts(&o, "D/R");
	o.max_bytes = 100;
	memset(big, ' ', sizeof(big));
	memcpy(big, "<D>", 3);
	memcpy(big + sizeof(big) - 5, "</D>", 5);
	expect_fail(big, &o, EG_ESYNTAX, "limit max-file-bytes");
	/* after an error, the same error again */
	opts(&o, "D/R");
	assert_int_equal(eg_xmlr_open_mem(&r, "<D><R>", 6, &o, &e), EG_OK);
	assert_int_not_equal(eg_xmlr_next(r, &got, &e), EG_OK);
	assert_int_not_equal(eg_xmlr_next(r, &got, &e2), EG_OK);
	assert_string_equal(e.msg, e2.msg);
	eg_xmlr_free(r);
}

static void
test_path_check(void **state)
{
	char why[120];

	(void)state;
	assert_int_equal(eg_xmlr_path_check("a/b/@c", why, sizeof(why)), 0);
	assert_int_equal(eg_xmlr_path_check("@c", why, sizeof(why)), 0);
	assert_int_equal(eg_xmlr_path_check("a[1]", why, sizeof(why)), -1);
	assert_int_equal(eg_xmlr_path_check("/a", why, sizeof(why)), -1);
	assert_int_equal(eg_xmlr_path_check("a//b", why, sizeof(why)), -1);
	assert_int_equal(eg_xmlr_path_check("a/@b/c", why, sizeof(why)), -1);
	assert_int_equal(eg_xmlr_path_check("", why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_values),
		cmocka_unit_test(test_namespaces_and_root),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_not_internal_subsets),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_path_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
