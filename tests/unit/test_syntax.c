/*
 * test_syntax.c - the syntax descriptor (syntax.h) as the pipeline uses
 * it: detection through the format registry, and the X12 and EDIFACT
 * descriptors' check, segment view, duplicate keys and acknowledgement
 * writer on real interchanges.
 *
 * What must always hold: a registry entry with a descriptor has every
 * operation the pipeline calls; a syntax without one (CSV and XML, read
 * through layouts by their record syntax descriptors instead) is not
 * taken by segment detection; detection gives the segment terminator
 * the findings quote.  The record syntaxes: each layout finds its own,
 * `starts` tells CSV from XML, and a real file reads through each.
 */
#include "x12_testlib.h"

#include "edigate/format.h"
#include "edigate/source.h"
#include "edigate/syntax.h"

static void
test_registry_slots(void **state)
{
	const eg_format *const *f = eg_format_all();
	const eg_format *x12 = eg_format_by_name("x12");
	size_t i, readable = 0;

	(void)state;
	assert_non_null(x12);
	assert_ptr_equal(x12->syntax, &eg_syntax_x12);
	for (i = 0; f[i]; i++) {
		const eg_syntax_desc *s = f[i]->syntax;

		if (!s)
			continue; /* the pipeline does not read it yet */
		readable++;
		/* what the pipeline reads, validate reads too */
		assert_int_equal(f[i]->readable, 1);
		assert_string_equal(s->name, f[i]->name);
		assert_non_null(s->starts);
		assert_non_null(s->limits);
		assert_non_null(s->check);
		assert_non_null(s->map_segment);
		assert_non_null(s->role);
		assert_non_null(s->value);
		assert_non_null(s->repetitions);
		assert_non_null(s->components);
		assert_non_null(s->split);
		assert_non_null(s->doc_id);
		assert_non_null(s->unit_key);
		assert_non_null(s->ack_group);
		assert_non_null(s->ack_message);
		assert_non_null(s->read_acks);
		assert_non_null(s->partner_id);
		assert_non_null(s->next_header);
		assert_true(s->header_len > 0);
		if (s->ack) {
			assert_non_null(s->ack->opts_profile);
			assert_non_null(s->ack->open);
			assert_non_null(s->ack->events);
			assert_non_null(s->ack->error);
			assert_non_null(s->ack->header_fallback);
			assert_non_null(s->ack->kind);
			assert_non_null(s->ack->addressed_to);
			assert_non_null(s->ack->close);
			assert_non_null(s->ack->unanswered);
			assert_non_null(s->ack->unread_note);
		}
	}
	assert_int_equal(readable, 2); /* X12 and EDIFACT in the pipeline */
	assert_ptr_equal(eg_format_by_name("edifact")->syntax,
			 &eg_syntax_edifact);
	assert_null(eg_format_by_name("xml")->syntax);
	assert_null(eg_format_by_name("csv")->syntax);
	assert_ptr_equal(eg_format_by_name("xml")->records, &eg_record_xml);
	assert_ptr_equal(eg_format_by_name("csv")->records, &eg_record_csv);
	for (i = 0; f[i]; i++) {
		const eg_record_syntax *r = f[i]->records;

		if (!r)
			continue;
		assert_string_equal(r->name, f[i]->name);
		assert_null(f[i]->syntax); /* one kind or the other */
		assert_non_null(r->starts);
		assert_non_null(r->takes);
		assert_non_null(r->open);
		assert_non_null(r->next);
		assert_non_null(r->pos);
		assert_non_null(r->where);
		assert_non_null(r->bytes);
		assert_non_null(r->close);
	}
}

/* Read path through layout lay: records good and bad. */
static void
read_through(const char *lay, const char *path, const char *want,
	     unsigned long ngood, unsigned long nbad, int resumes)
{
	const eg_record_syntax *rs;
	eg_layout *l = NULL;
	eg_layout_row row;
	eg_layout_src src;
	eg_error e;
	void *r = NULL;
	unsigned long good = 0, bad = 0;
	uint64_t off, line;
	int got;

	eg_error_clear(&e);
	assert_int_equal(eg_layout_load(&l, lay, "../../schemas/layout.xsd",
					NULL, NULL, &e),
			 EG_OK);
	rs = eg_record_syntax_of(l);
	assert_non_null(rs);
	assert_string_equal(rs->name, want);
	assert_int_equal(rs->resumes, resumes);
	memset(&src, 0, sizeof(src));
	src.file_id = "t";
	src.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	eg_layout_row_init(&row);
	assert_int_equal(rs->open(&r, l, path, &e), EG_OK);
	for (;;) {
		assert_int_equal(rs->next(r, l, &src, &row, NULL, NULL, &got, &e),
				 EG_OK);
		if (!got)
			break;
		rs->pos(r, &off, &line);
		assert_true(line >= 2);
		if (row.rec)
			good++;
		else
			bad++;
	}
	assert_true(rs->bytes(r) > 0);
	rs->close(r);
	assert_int_equal(good, ngood);
	assert_int_equal(bad, nbad);
	eg_layout_row_free(&row);
	eg_layout_free(l);
}

static void
test_record_syntaxes(void **state)
{
	const unsigned char csv[] = "a;b\r\n1;2\r\n", xml[] = "<?xml "
								 "version=\"1.0\"?><a/>";
	const unsigned char one[] = "sku\nA-1\n", x12[] = "ISA*00*";

	(void)state;
	assert_true(eg_record_csv.starts(csv, sizeof(csv) - 1));
	assert_true(eg_record_csv.starts(one, sizeof(one) - 1));
	assert_false(eg_record_csv.starts(xml, sizeof(xml) - 1));
	assert_false(eg_record_csv.starts(x12, sizeof(x12) - 1));
	assert_true(eg_record_xml.starts(xml, sizeof(xml) - 1));
	assert_false(eg_record_xml.starts(csv, sizeof(csv) - 1));
	/* a German stock report: two good rows, two bad ones */
	read_through("../../edi/layouts/inventory-csv.layout.xml",
		     "../fixtures/xml/inventory.csv", "csv", 2, 2, 1);
	/* a ship confirm: two shipments */
	read_through("../../edi/layouts/ship-confirm.layout.xml",
		     "../fixtures/xml/ship_confirm.xml", "xml", 2, 0, 0);
}

static void
test_detect(void **state)
{
	tbuf b = {0};
	char term = '?';

	(void)state;
	tb_adds(&b, "\xEF\xBB\xBF\r\n  ");
	tb_isa(&b, '*', NULL, "~");
	tb_adds(&b, "GS*SH*A*B*20210315*1430*1*X*004010~");
	assert_ptr_equal(eg_syntax_detect((const unsigned char *)b.p, b.len,
					  &term),
			 &eg_syntax_x12);
	assert_int_equal(term, '~');
	/* too short to show the terminator: still X12, term untouched */
	term = '?';
	assert_ptr_equal(eg_syntax_detect((const unsigned char *)"ISA*00", 6,
					  &term),
			 &eg_syntax_x12);
	assert_int_equal(term, '?');
	/* EDIFACT: the level A terminator, or the UNA's */
	term = '?';
	assert_ptr_equal(eg_syntax_detect(
			     (const unsigned char *)"UNB+UNOA:1+SENDER+RECEIVER'",
			     27, &term),
			 &eg_syntax_edifact);
	assert_int_equal(term, '\'');
	assert_ptr_equal(eg_syntax_detect(
			     (const unsigned char *)"\r\nUNA|#.? !UNB#UNOA|3", 22,
			     &term),
			 &eg_syntax_edifact);
	assert_int_equal(term, '!');
	/* recognised by the registry, but no reader: not taken */
	assert_null(
	    eg_syntax_detect((const unsigned char *)"<?xml version", 13, &term));
	assert_null(eg_syntax_detect((const unsigned char *)"IS", 2, &term));
	assert_null(eg_syntax_detect((const unsigned char *)"", 0, &term));
	tb_free(&b);
}

/* What the check and the writer hand back. */
typedef struct seen {
	unsigned segments, units;
	tbuf ack;
	unsigned acks;
	uint64_t next;
} seen;

static eg_err
on_segment(void *ud, const eg_segment *seg, eg_error *e)
{
	(void)seg;
	(void)e;
	((seen *)ud)->segments++;
	return EG_OK;
}

static eg_err
next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	(void)kind;
	(void)e;
	*out = ++((seen *)ud)->next;
	return EG_OK;
}

static eg_err
emit(void *ud, const char *name, const char *data, size_t len, eg_error *e)
{
	seen *s = ud;

	(void)name;
	(void)e;
	s->acks++;
	tb_add(&s->ack, data, len);
	return EG_OK;
}

/* The writer's events, counted on the way through. */
typedef struct relay {
	const eg_envelope_events *w;
	seen *s;
} relay;

static void
relay_finding(void *ud, const eg_finding *f)
{
	relay *r = ud;

	r->w->finding(r->w->ud, f);
}

static void
relay_unit(void *ud, const eg_unit_result *u)
{
	relay *r = ud;

	r->s->units++;
	r->w->unit_end(r->w->ud, u);
}

static void
test_x12_check_and_ack(void **state)
{
	const eg_syntax_desc *syn = &eg_syntax_x12;
	eg_syntax_check_opts co;
	eg_syntax_check_result res;
	eg_envelope_events ev;
	eg_ack_opts ao;
	eg_source *src = NULL;
	void *w = NULL;
	relay r;
	seen s;
	tbuf b = {0};
	eg_error e;
	eg_x12_ctl c;
	eg_syntax_key k;

	(void)state;
	memset(&s, 0, sizeof(s));
	tb_isa(&b, '*', NULL, "~");
	tb_adds(&b, "GS*SH*SENDERID*RECEIVERID*20210315*1430*7*X*004010~"
		    "ST*856*0001~BSN*00*SHIP1*20210315*1430~SE*3*0001~"
		    "GE*1*7~IEA*1*000000101~");
	eg_error_clear(&e);
	memset(&ao, 0, sizeof(ao));
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = &s;
	ao.now = 1615818600;
	assert_int_equal(syn->ack->open(&w, &ao, &e), EG_OK);
	r.w = syn->ack->events(w);
	r.s = &s;
	memset(&co, 0, sizeof(co));
	co.limits = syn->limits();
	co.segment = on_segment;
	co.segment_ud = &s;
	memset(&ev, 0, sizeof(ev));
	ev.finding = relay_finding;
	ev.unit_end = relay_unit;
	ev.ud = &r;
	assert_int_equal(eg_source_new_mem(&src, b.p, b.len, "t", &e), EG_OK);
	assert_int_equal(syn->check(src, &co, &ev, &res, &e), EG_OK);
	assert_int_equal(syn->ack->error(w, &e), EG_OK);
	assert_int_equal(res.reader_failed, 0);
	assert_int_equal(s.segments, 7);
	assert_int_equal(s.units, 3); /* set, group, interchange */
	/* one 997 back to the sender, addressed to it and to nobody else */
	assert_int_equal(s.acks, 1);
	assert_string_equal(syn->ack->kind(s.ack.p, s.ack.len), "997");
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "ZZ",
						"SENDERID"),
			 1);
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "ZZ",
						"SOMEONEELSE"),
			 0);
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "01",
						"SENDERID"),
			 0);
	/* duplicate keys and acknowledgement groups */
	memset(&c, 0, sizeof(c));
	snprintf(c.sender, sizeof(c.sender), "SENDERID");
	snprintf(c.receiver, sizeof(c.receiver), "RECEIVERID");
	snprintf(c.isa13, sizeof(c.isa13), "000000101");
	snprintf(c.gs_sender, sizeof(c.gs_sender), "GSA");
	snprintf(c.gs_receiver, sizeof(c.gs_receiver), "GSB");
	snprintf(c.gs06, sizeof(c.gs06), "7");
	syn->unit_key(&c, 0, &k);
	assert_string_equal(k.from, "SENDERID");
	assert_string_equal(k.to, "RECEIVERID");
	assert_string_equal(k.number, "000000101");
	syn->unit_key(&c, 1, &k);
	assert_string_equal(k.from, "GSA");
	assert_string_equal(k.to, "GSB");
	assert_string_equal(k.number, "7");
	snprintf(c.gs01, sizeof(c.gs01), "SH");
	assert_int_equal(syn->ack_group(&c), 0);
	snprintf(c.gs01, sizeof(c.gs01), "FA");
	assert_int_equal(syn->ack_group(&c), 1);
	eg_source_free(src);
	syn->ack->close(w);
	tb_free(&s.ack);
	tb_free(&b);
}

/* EDIFACT: the check hands its segments on in the pipeline's shape, the
 * segment view reads them, and CONTRL answers through the generic
 * events with the EDIFACT record riding along (ctl.native). */
static eg_err
on_edi_segment(void *ud, const eg_segment *seg, eg_error *e)
{
	seen *s = ud;
	const eg_syntax_desc *syn = &eg_syntax_edifact;
	char type[8] = "", rel[8] = "";
	eg_span v;

	(void)e;
	s->segments++;
	if (syn->role(seg) == EG_SEG_MESSAGE) {
		syn->doc_id(seg, type, sizeof(type), rel, sizeof(rel));
		assert_string_equal(type, "DESADV");
		assert_string_equal(rel, "D96A");
	}
	if (!strcmp(seg->id, "BGM")) {
		assert_int_equal(syn->role(seg), EG_SEG_DATA);
		v = syn->value(seg, 2, 1, 0);
		/* the release character removed: "DES?+1" is DES+1 */
		assert_int_equal(v.len, 5);
		assert_memory_equal(v.p, "DES+1", 5);
		assert_int_equal(syn->repetitions(seg, 2), 1);
		assert_int_equal(syn->components(seg, 2, 1), 1);
		assert_int_equal(syn->value(seg, 3, 0, 0).len, 1);
	}
	return EG_OK;
}

static void
test_edifact_check_and_contrl(void **state)
{
	const eg_syntax_desc *syn = &eg_syntax_edifact;
	static const char in[] =
	    "UNB+UNOC:3+5412345000013:14+5400000000009:14+260105:0900+EF1++++"
	    "1'UNH+1+DESADV:D:96A:UN'BGM+351+DES?+1+9'UNT+3+1'UNZ+1+EF1'";
	static const char want[] =
	    "UNB+UNOC:3+5400000000009:14+5412345000013:14+260105:1300+1'\n"
	    "UNH+1+CONTRL:D:3:UN'\n"
	    "UCI+EF1+5412345000013:14+5400000000009:14+7'\n"
	    "UCM+1+DESADV:D:96A:UN+7'\n"
	    "UNT+4+1'\n"
	    "UNZ+1+1'\n";
	eg_syntax_check_opts co;
	eg_syntax_check_result res;
	eg_envelope_events ev;
	eg_ack_opts ao;
	eg_source *src = NULL;
	void *w = NULL;
	relay r;
	seen s;
	eg_error e;
	eg_x12_ctl c;
	eg_syntax_key k;

	(void)state;
	memset(&s, 0, sizeof(s));
	eg_error_clear(&e);
	memset(&ao, 0, sizeof(ao));
	ao.next_control = next_control;
	ao.emit = emit;
	ao.ud = &s;
	ao.now = 1767618000; /* 2026-01-05 13:00 UTC */
	syn->ack->opts_profile(&ao, NULL);
	assert_int_equal(syn->ack->open(&w, &ao, &e), EG_OK);
	r.w = syn->ack->events(w);
	r.s = &s;
	memset(&co, 0, sizeof(co));
	co.limits = syn->limits();
	co.segment = on_edi_segment;
	co.segment_ud = &s;
	memset(&ev, 0, sizeof(ev));
	ev.finding = relay_finding;
	ev.unit_end = relay_unit;
	ev.ud = &r;
	assert_int_equal(eg_source_new_mem(&src, in, sizeof(in) - 1, "t", &e),
			 EG_OK);
	assert_int_equal(syn->check(src, &co, &ev, &res, &e), EG_OK);
	assert_int_equal(syn->ack->error(w, &e), EG_OK);
	assert_int_equal(res.reader_failed, 0);
	assert_int_equal(res.totals.interchanges, 1);
	assert_int_equal(s.segments, 5);
	assert_int_equal(s.units, 2); /* message, interchange */
	/* UNB 0031 = 1: one CONTRL, byte for byte */
	assert_int_equal(s.acks, 1);
	assert_int_equal(s.ack.len, sizeof(want) - 1);
	assert_memory_equal(s.ack.p, want, sizeof(want) - 1);
	assert_string_equal(syn->ack->kind(s.ack.p, s.ack.len), "CONTRL");
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "14",
						"5412345000013"),
			 1);
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "14",
						"7300000000001"),
			 0);
	assert_int_equal(syn->ack->addressed_to(s.ack.p, s.ack.len, "ZZ",
						"5412345000013"),
			 0);
	/* duplicate keys: UNB ids and 0020; UNG 0040, 0044, 0048 */
	memset(&c, 0, sizeof(c));
	snprintf(c.sender, sizeof(c.sender), "5412345000013");
	snprintf(c.sender_q, sizeof(c.sender_q), "14");
	snprintf(c.receiver, sizeof(c.receiver), "5400000000009");
	snprintf(c.isa13, sizeof(c.isa13), "EF1");
	snprintf(c.gs_sender, sizeof(c.gs_sender), "APPA");
	snprintf(c.gs_receiver, sizeof(c.gs_receiver), "APPB");
	snprintf(c.gs06, sizeof(c.gs06), "G1");
	syn->unit_key(&c, 0, &k);
	assert_string_equal(k.from, "5412345000013");
	assert_string_equal(k.to, "5400000000009");
	assert_string_equal(k.number, "EF1");
	syn->unit_key(&c, 1, &k);
	assert_string_equal(k.from, "APPA");
	assert_string_equal(k.number, "G1");
	/* a received CONTRL is an acknowledgement, DESADV is not */
	snprintf(c.st01, sizeof(c.st01), "CONTRL");
	assert_int_equal(syn->ack_message(&c), 1);
	snprintf(c.st01, sizeof(c.st01), "DESADV");
	assert_int_equal(syn->ack_message(&c), 0);
	eg_source_free(src);
	syn->ack->close(w);
	tb_free(&s.ack);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_slots),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_record_syntaxes),
	    cmocka_unit_test(test_x12_check_and_ack),
	    cmocka_unit_test(test_edifact_check_and_contrl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
