/*
 * test_ledger_query.c - the questions the support commands ask the
 * ledger (src/spool/ledger_query*.c), on a real SQLite ledger in a
 * temporary spool.
 *
 * State goes in through the library: eg_ledger_set_state and
 * eg_ledger_audit where the ledger has a named writer, eg_ledger_exec
 * with the pipeline's own column lists where the writer is the pipeline
 * (a file received, its sets, findings, outputs, a run).  Each test then
 * asserts what the named functions return, including what a command
 * shows differently: NULL integers, the order of rows, the "today"
 * boundary of status, and a listing a callback stops.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "edigate/ledger.h"
#include "edigate/ledger_query.h"

#define DAY ((int64_t)1796601600) /* 2026-12-07 00:00:00 UTC */

typedef struct fx {
	char dir[64];
	eg_ledger *l;
} fx;

static void
rm_rf(const char *path)
{
	struct stat sb;
	struct dirent *d;
	char sub[PATH_MAX];
	DIR *dir;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
			rm_rf(sub);
		}
		closedir(dir);
		rmdir(path);
	} else
		unlink(path);
}

/* A file as the pipeline records it when it receives one. */
static void
add_file(eg_ledger *l, const char *id, const char *partner,
	 const char *source, const char *name, const char *sha,
	 int64_t received, const char *state)
{
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_ledger_exec(l, &e,
					"INSERT INTO files(id,partner,source,"
					"name,size,sha256,origin_id,state,"
					"received_at) VALUES(?1,?2,?3,?4,?5,?6,"
					"?1,?7,?8)",
					"ttttitti", id, partner, source, name,
					(int64_t)100, sha, state, received),
			 EG_OK);
}

static void
exec(eg_ledger *l, const char *sql, const char *types, ...)
{
	/* the few statements below take at most two text values */
	eg_error e;
	va_list ap;
	const char *a, *b;

	eg_error_clear(&e);
	va_start(ap, types);
	a = types[0] ? va_arg(ap, const char *) : NULL;
	b = types[0] && types[1] ? va_arg(ap, const char *) : NULL;
	va_end(ap);
	if (!types[0])
		assert_int_equal(eg_ledger_exec(l, &e, sql, ""), EG_OK);
	else if (!types[1])
		assert_int_equal(eg_ledger_exec(l, &e, sql, "t", a), EG_OK);
	else
		assert_int_equal(eg_ledger_exec(l, &e, sql, "tt", a, b), EG_OK);
}

/*
 * The ledger every test reads: bigretail's three files (an accepted one
 * with a set and a key, a rejected one with two findings, a duplicate of
 * the first), northlog's partial file of yesterday, one we sent.
 */
static int
setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	eg_error e;
	eg_ledger *l;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/eg-lq-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	eg_error_clear(&e);
	if (eg_ledger_open(&f->l, f->dir, &e))
		return -1;
	l = f->l;
	*state = f;

	add_file(l, "20261207-000001", "bigretail", "local", "PO-1.x12",
		 "AB12cd", DAY + 100, "received");
	add_file(l, "20261207-000002", "bigretail", "sftp", "PO-2\nbad.x12",
		 "ef34", DAY + 200, "received");
	add_file(l, "20261207-000003", "bigretail", "local", "PO-1 again.x12",
		 "ab12cd", DAY + 300, "received");
	add_file(l, "20261206-000004", "northlog", "sftp", "ASN.x12", "9999",
		 DAY - 3600, "received");
	add_file(l, "20261207-000005", "northlog", "sent", "940.x12", "7777",
		 DAY + 400, "sent");

	assert_int_equal(eg_ledger_set_state(l, "20261207-000001", "processed",
					     "1 set(s)", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_set_state(l, "20261207-000001", "accepted",
					     NULL, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_set_state(l, "20261207-000002", "rejected",
					     NULL, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_set_state(l, "20261207-000003", "duplicate",
					     NULL, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_set_state(l, "20261206-000004", "partial",
					     NULL, &e),
			 EG_OK);
	exec(l, "UPDATE files SET duplicate_of='20261207-000001', "
		"summary='1 set(s): 1 duplicate', finished_at=?1 WHERE "
		"id='20261207-000003'",
	     "t", "1796601900");
	exec(l, "UPDATE files SET parent_id='20261207-000001', "
		"resend_of='20261207-000002' WHERE id='20261206-000004'",
	     "");

	/* interchanges and sets: ISA13 000000501 / GS06 501 / ST02 0001 */
	exec(l, "INSERT INTO interchanges(file_id,seq,sender,receiver,isa13,"
		"at,status) VALUES(?1,1,'BIGRETAILCO','ACMEAPPAREL',"
		"'000000501',1,'accepted')",
	     "t", "20261207-000001");
	exec(l, "INSERT INTO transactions(file_id,isa13,gs06,st01,st02,"
		"status,business_key,records) VALUES(?1,'000000501','501',"
		"'850','0001','accepted','po-number=4500012001',1)",
	     "t", "20261207-000001");
	exec(l, "INSERT INTO transactions(file_id,isa13,gs06,st01,st02,"
		"status,business_key,duplicate_of,records) VALUES(?1,"
		"'000000501','501','850','0001','duplicate',"
		"'po-number=4500012001',?2,NULL)",
	     "tt", "20261207-000003", "20261207-000001");
	exec(l, "INSERT INTO transactions(file_id,isa13,gs06,st01,st02,"
		"status,records) VALUES(?1,'000000777','777','850','0042',"
		"'rejected',0)",
	     "t", "20261207-000002");
	exec(l, "INSERT INTO business_keys(partner,set_id,name,value,file_id,"
		"first_seen) VALUES('northlog','945','shipment-id','WS-9',?1,1)",
	     "t", "20261206-000004");

	/* findings: a warning, then two errors (one with no position) */
	exec(l, "INSERT INTO findings(file_id,level,severity,code,rule,message,"
		"offset,segment,seg_id,element,st02,segment_text) VALUES(?1,"
		"'segment','warning',NULL,'w1','just a warning',10,2,'BEG',1,"
		"'0042','BEG*00')",
	     "t", "20261207-000002");
	exec(l, "INSERT INTO findings(file_id,level,severity,code,rule,message,"
		"offset,segment,seg_id,element,st02,segment_text) VALUES(?1,"
		"'transaction','error','4','se01-count','SE01 is wrong',835,30,"
		"'SE',0,'0042','SE*27*0042')",
	     "t", "20261207-000002");
	exec(l, "INSERT INTO findings(file_id,level,severity,message) "
		"VALUES(?1,'file','error','second error')",
	     "t", "20261207-000002");
	exec(l, "INSERT INTO findings(file_id,level,severity,message) "
		"VALUES(?1,'file','error','northlog error')",
	     "t", "20261206-000004");

	/* outputs: today's records and a delivered ack, an ack not sent */
	exec(l, "INSERT INTO outputs(file_id,kind,path,control,state,at) "
		"VALUES(?1,'records','out/bigretail/1.jsonl',NULL,'published',"
		"1796601700)",
	     "t", "20261207-000001");
	exec(l, "INSERT INTO outputs(file_id,kind,path,control,state,at) "
		"VALUES(?1,'ack','out/bigretail/acks/a1.x12','000000001',"
		"'sent',1796601700)",
	     "t", "20261207-000001");
	exec(l, "INSERT INTO outputs(file_id,kind,path,control,state,at) "
		"VALUES(?1,'ack','out/bigretail/acks/a2.x12','000000002',"
		"'published',1796601800)",
	     "t", "20261207-000002");
	exec(l, "INSERT INTO outputs(file_id,kind,path,state,at) "
		"VALUES(?1,'records','out/bigretail/old.jsonl','published',"
		"1796500000)",
	     "t", "20261207-000001");

	/* runs: an ok run yesterday, a failed one today (the last) */
	exec(l, "INSERT INTO runs(partner,started,finished,status) "
		"VALUES('bigretail',1796590000,1796590010,'ok')",
	     "");
	exec(l, "INSERT INTO runs(partner,started,finished,status,message) "
		"VALUES('bigretail',1796602000,1796602005,'failed',"
		"'the drop folder is not there')",
	     "");

	assert_int_equal(eg_ledger_audit(l, "lead", "release",
					 "20261207-000002", "partner said so",
					 NULL, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_audit(l, "lead", "discard",
					 "20261207-000002", "second thoughts",
					 "gone", &e),
			 EG_OK);
	return 0;
}

static int
teardown(void **state)
{
	fx *f = *state;

	eg_ledger_close(f->l);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* --- files ------------------------------------------------------------- */

typedef struct ids {
	char s[512];
	int n, stop_after;
	char last[256];      /* the last row's other columns, copied: the
			      * row's strings are borrowed */
	char last_name[64];
} ids;

static int
collect(void *ud, const eg_ledger_file_row *r)
{
	ids *x = ud;
	size_t k = strlen(x->s);

	snprintf(x->s + k, sizeof(x->s) - k, "%s%s", x->n ? " " : "", r->id);
	snprintf(x->last, sizeof(x->last), "%s|%s|%s|%s|%s|%s|%lld|%lld",
		 r->partner, r->state, r->sha256, r->summary, r->duplicate_of,
		 r->reprocess_of, (long long)r->received_at,
		 (long long)r->size);
	snprintf(x->last_name, sizeof(x->last_name), "%s", r->name);
	x->n++;
	return x->stop_after && x->n >= x->stop_after;
}

static const char *
find(eg_ledger *l, eg_ledger_filter *f, ids *x)
{
	eg_error e;

	eg_error_clear(&e);
	memset(x, 0, sizeof(*x));
	if (!f->limit)
		f->limit = 100;
	assert_int_equal(eg_ledger_files_find(l, f, collect, x, &e), EG_OK);
	return x->s;
}

static void
test_files_find(void **state)
{
	fx *fx_ = *state;
	eg_ledger_filter f;
	ids x;

	/* every file, newest first */
	memset(&f, 0, sizeof(f));
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000005 20261206-000004 20261207-000003 "
			    "20261207-000002 20261207-000001");
	/* a row carries what the listing shows */
	f.state = "duplicate";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000003");
	assert_string_equal(x.last, "bigretail|duplicate|ab12cd|1 set(s): 1 "
				    "duplicate|20261207-000001||1796601900|100");

	memset(&f, 0, sizeof(f));
	f.partner = "northlog";
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000005 20261206-000004");
	f.partner = "nobody";
	assert_string_equal(find(fx_->l, &f, &x), "");
	assert_int_equal(x.n, 0);

	/* received on or after since, before until */
	memset(&f, 0, sizeof(f));
	f.since = DAY + 200;
	f.until = DAY + 400;
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000003 20261207-000002");

	/* a hash prefix in any case; a part of the name */
	memset(&f, 0, sizeof(f));
	f.sha256 = "ab12";
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000003 20261207-000001");
	f.sha256 = NULL;
	f.name = "again";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000003");
	f.name = "\n";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000002");
	assert_string_equal(x.last_name, "PO-2\nbad.x12");

	/* ISA13 and GS06 as numbers, ST02 as written */
	memset(&f, 0, sizeof(f));
	f.control = "501";
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000003 20261207-000001");
	f.control = "0000777";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000002");
	f.control = "0042";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000002");
	f.control = "42";
	assert_string_equal(find(fx_->l, &f, &x), "");

	/* a key of a set, or one remembered in business_keys */
	memset(&f, 0, sizeof(f));
	f.key = "4500012001";
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000003 20261207-000001");
	f.key = "WS-9";
	assert_string_equal(find(fx_->l, &f, &x), "20261206-000004");
	f.key = "po-number=4500012001";
	assert_string_equal(find(fx_->l, &f, &x), "");

	/* criteria together; the limit */
	memset(&f, 0, sizeof(f));
	f.partner = "bigretail";
	f.state = "accepted";
	f.control = "501";
	assert_string_equal(find(fx_->l, &f, &x), "20261207-000001");
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	assert_string_equal(find(fx_->l, &f, &x),
			    "20261207-000005 20261206-000004");
}

static void
test_files_find_stops(void **state)
{
	fx *fx_ = *state;
	eg_ledger_filter f;
	eg_error e;
	ids x;

	memset(&f, 0, sizeof(f));
	memset(&x, 0, sizeof(x));
	f.limit = 100;
	x.stop_after = 2;
	eg_error_clear(&e);
	assert_int_equal(eg_ledger_files_find(fx_->l, &f, collect, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.s, "20261207-000005 20261206-000004");
}

/* --- show -------------------------------------------------------------- */

typedef struct seen {
	int n;
	char s[1024];
} seen;

static void
add(seen *x, const char *fmt, ...)
{
	size_t k = strlen(x->s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->s + k, sizeof(x->s) - k, fmt, ap);
	va_end(ap);
	x->n++;
}

static int
detail_fn(void *ud, const eg_ledger_file_detail *d)
{
	add(ud, "%s|%s|%s|%s|%lld|%lld|%d|%s|%s|%s|%s", d->id, d->state,
	    d->source, d->name, (long long)d->size, (long long)d->received_at,
	    d->finished_at == EG_LEDGER_NONE, d->bundle, d->resend_of,
	    d->post_action, d->remote_path);
	return 0;
}

static void
test_file_detail(void **state)
{
	fx *fx_ = *state;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_detail_get(fx_->l, "20261206-000004",
						   detail_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.s, "20261206-000004|partial|sftp|ASN.x12|100|"
				 "1796598000|1|20261207-000001|"
				 "20261207-000002|none|");
	/* a finished file has its time */
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_detail_get(fx_->l, "20261207-000003",
						   detail_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.s, "|0||"));
	/* no such file: never called, no error */
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_detail_get(fx_->l, "19990101-000001",
						   detail_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 0);
	assert_int_equal(e.code, EG_OK);
}

static int
event_fn(void *ud, const eg_ledger_event *ev)
{
	assert_true(ev->at > 0);
	add(ud, "%s:%s;", ev->state, ev->note);
	return 0;
}

static int
ichg_fn(void *ud, const eg_ledger_ichg *i)
{
	add(ud, "%s %s %s %s [%s];", i->isa13, i->sender, i->receiver,
	    i->status, i->duplicate_of);
	return 0;
}

static int
txn_fn(void *ud, const eg_ledger_txn *t)
{
	add(ud, "%s %s %s %s %s [%s] [%s] %lld;", t->isa13, t->gs06, t->st01,
	    t->st02, t->status, t->business_key, t->duplicate_of,
	    t->records == EG_LEDGER_NONE ? -1LL : (long long)t->records);
	return 0;
}

static void
test_file_events_sets(void **state)
{
	fx *fx_ = *state;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_events(fx_->l, "20261207-000001",
					       event_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "processed:1 set(s);accepted:;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_interchanges(fx_->l, "20261207-000001",
						     ichg_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "000000501 BIGRETAILCO ACMEAPPAREL accepted "
				 "[];");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_interchanges(fx_->l, "20261207-000002",
						     ichg_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 0);
	/* a NULL records count is EG_LEDGER_NONE, not 0 */
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_transactions(fx_->l, "20261207-000003",
						     txn_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "000000501 501 850 0001 duplicate "
				 "[po-number=4500012001] [20261207-000001] "
				 "-1;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_transactions(fx_->l, "20261207-000001",
						     txn_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "000000501 501 850 0001 accepted "
				 "[po-number=4500012001] [] 1;");
}

static int
finding_fn(void *ud, const eg_ledger_finding *f)
{
	add(ud, "%s/%s/%s/%s/%lld/%lld/%s/%lld/%s/%s/%s;", f->severity,
	    f->level, f->rule, f->code,
	    f->offset == EG_LEDGER_NONE ? -1LL : (long long)f->offset,
	    f->segment == EG_LEDGER_NONE ? -1LL : (long long)f->segment,
	    f->seg_id,
	    f->element == EG_LEDGER_NONE ? -1LL : (long long)f->element,
	    f->st02, f->message, f->segment_text);
	return 0;
}

static int
output_fn(void *ud, const eg_ledger_output *o)
{
	add(ud, "%s %s [%s] %s;", o->kind, o->path, o->control, o->state);
	return 0;
}

static int
audit_fn(void *ud, const eg_ledger_audit_row *a)
{
	assert_true(a->at > 0);
	add(ud, "%s %s [%s] [%s];", a->actor, a->action, a->reason,
	    a->detail);
	return 0;
}

static void
test_file_findings_outputs_audit(void **state)
{
	fx *fx_ = *state;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_findings(fx_->l, "20261207-000002",
						 finding_fn, &x, &e),
			 EG_OK);
	/* element 0 is a value; a finding with no position has none */
	assert_string_equal(x.s,
			    "warning/segment/w1//10/2/BEG/1/0042/just a "
			    "warning/BEG*00;"
			    "error/transaction/se01-count/4/835/30/SE/0/0042/"
			    "SE01 is wrong/SE*27*0042;"
			    "error/file///-1/-1//-1//second error/;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_outputs(fx_->l, "20261207-000001",
						output_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s,
			    "records out/bigretail/1.jsonl [] published;"
			    "ack out/bigretail/acks/a1.x12 [000000001] sent;"
			    "records out/bigretail/old.jsonl [] published;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_audit(fx_->l, "20261207-000002",
					      audit_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "lead release [partner said so] [];"
				 "lead discard [second thoughts] [gone];");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_audit(fx_->l, "20261207-000001",
					      audit_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 0);
}

static int
related_fn(void *ud, const eg_ledger_related *r)
{
	add(ud, "%s %d [%s];", r->file_id, (int)r->rel, r->state);
	return 0;
}

static void
test_file_related(void **state)
{
	fx *fx_ = *state;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	/* the first file: a duplicate of it, a file repeating its sets,
	 * an entry of it as a bundle; then a reprocess of it */
	add_file(fx_->l, "20261207-000009", "bigretail", "reprocess",
		 "PO-1.x12", "ab12cd", DAY + 900, "accepted");
	exec(fx_->l, "UPDATE files SET reprocess_of=?1 WHERE id=?2", "tt",
	     "20261207-000001", "20261207-000009");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_related(fx_->l, "20261207-000001",
						related_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000003 1 [duplicate];"
				 "20261207-000003 2 [];"
				 "20261207-000009 3 [accepted];"
				 "20261206-000004 4 [partial];");
	/* a rejected file and its corrected resend, both ways */
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_related(fx_->l, "20261207-000002",
						related_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261206-000004 5 [partial];");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_related(fx_->l, "20261206-000004",
						related_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000002 6 [rejected];");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_file_related(fx_->l, "20261207-000005",
						related_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 0);
}

/* --- status ------------------------------------------------------------ */

static void
test_partner_day(void **state)
{
	fx *fx_ = *state;
	eg_ledger_partner_day d;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_ledger_partner_day_get(fx_->l, "bigretail", DAY,
						   &d, &e),
			 EG_OK);
	assert_int_equal(d.last_ok, 1796590010);
	assert_int_equal(d.files_in, 3);
	assert_int_equal(d.records_out, 1);  /* not yesterday's */
	assert_int_equal(d.acks_sent, 1);
	assert_int_equal(d.accepted, 1);
	assert_int_equal(d.rejected, 1);
	assert_int_equal(d.duplicates, 1);
	assert_int_equal(d.quarantine, 1);
	assert_int_equal(d.unfinished, 0);
	assert_int_equal(d.acks_pending, 1);
	assert_int_equal(d.failed_runs, 1);
	assert_int_equal(d.last_run, 1796602000);
	assert_string_equal(d.last_status, "failed");
	assert_string_equal(d.last_msg, "the drop folder is not there");

	/* northlog: yesterday's partial file waits in quarantine; the
	 * file we sent is not a file received */
	assert_int_equal(eg_ledger_partner_day_get(fx_->l, "northlog", DAY,
						   &d, &e),
			 EG_OK);
	assert_int_equal(d.files_in, 0);
	assert_int_equal(d.rejected, 0);
	assert_int_equal(d.quarantine, 1);
	assert_int_equal(d.last_ok, 0);
	assert_int_equal(d.last_run, 0);
	assert_string_equal(d.last_status, "");
	/* the day before: its file was received that day */
	assert_int_equal(eg_ledger_partner_day_get(fx_->l, "northlog",
						   DAY - 86400, &d, &e),
			 EG_OK);
	assert_int_equal(d.files_in, 1);
	assert_int_equal(d.rejected, 1);

	/* a file stuck between received and its final state */
	add_file(fx_->l, "20261207-000010", "bigretail", "local", "x.x12",
		 "00", DAY + 1000, "processed");
	assert_int_equal(eg_ledger_partner_day_get(fx_->l, "bigretail", DAY,
						   &d, &e),
			 EG_OK);
	assert_int_equal(d.unfinished, 1);
	assert_int_equal(d.files_in, 4);
}

/* --- quarantine, reprocess --------------------------------------------- */

static int
q_fn(void *ud, const eg_ledger_quarantined *q)
{
	add(ud, "%s %s %s %s %lld [%s];", q->id, q->partner, q->state,
	    q->name, (long long)q->received_at, q->first_error);
	return 0;
}

static int
q_stop(void *ud, const eg_ledger_quarantined *q)
{
	(void)q;
	((seen *)ud)->n++;
	return 1;
}

static void
test_quarantine(void **state)
{
	fx *fx_ = *state;
	eg_ledger_file_ref ref;
	eg_error e;
	int found;
	seen x;

	eg_error_clear(&e);
	/* oldest first; the first error finding, not the warning */
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, q_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000002 bigretail rejected "
				 "PO-2\nbad.x12 1796601800 [SE01 is wrong];"
				 "20261206-000004 northlog partial ASN.x12 "
				 "1796598000 [northlog error];");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, "northlog", q_fn,
						   &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 1);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, q_stop, &x,
						   &e),
			 EG_OK);
	assert_int_equal(x.n, 1);

	assert_int_equal(eg_ledger_file_ref_get(fx_->l, "20261206-000004",
						&ref, &found, &e),
			 EG_OK);
	assert_int_equal(found, 1);
	assert_string_equal(ref.partner, "northlog");
	assert_string_equal(ref.state, "partial");
	assert_true(eg_ledger_state_in_quarantine(ref.state));
	assert_int_equal(eg_ledger_file_ref_get(fx_->l, "20261207-000001",
						&ref, &found, &e),
			 EG_OK);
	assert_string_equal(ref.state, "accepted");
	assert_false(eg_ledger_state_in_quarantine(ref.state));
	assert_int_equal(eg_ledger_file_ref_get(fx_->l, "19990101-000001",
						&ref, &found, &e),
			 EG_OK);
	assert_int_equal(found, 0);
	assert_string_equal(ref.partner, "");
	assert_true(eg_ledger_state_in_quarantine("rejected"));
	assert_false(eg_ledger_state_in_quarantine("released"));
	assert_false(eg_ledger_state_in_quarantine(""));

	/* a released file leaves the list */
	assert_int_equal(eg_ledger_set_state(fx_->l, "20261207-000002",
					     "released", "by a test", &e),
			 EG_OK);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, q_fn, &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.s, "20261206-000004"));
}

/* --- the work queue (schema 4) and the review ------------------------- */

static void
test_quarantine_category(void **state)
{
	(void)state;
	assert_string_equal(eg_quarantine_category("se01-count"), "syntax");
	assert_string_equal(eg_quarantine_category("reader no-interchange"),
			    "syntax");
	assert_string_equal(eg_quarantine_category("element-too-long"), "guide");
	assert_string_equal(eg_quarantine_category("segment-missing"), "guide");
	/* what cannot be read outranks the guide */
	assert_string_equal(eg_quarantine_category("segment-missing isa13-invalid"),
			    "syntax");
	assert_string_equal(eg_quarantine_category("map-unmapped-code"),
			    "mapping gap");
	assert_string_equal(eg_quarantine_category("rule-requires-reference"),
			    "missing master data");
	assert_string_equal(eg_quarantine_category("rule-quantity-tolerance"),
			    "quantity tolerance");
	/* a duplicate or another partner's file is that, whatever else */
	assert_string_equal(eg_quarantine_category("map-missing-field "
						   "duplicate-business-key"),
			    "duplicate");
	assert_string_equal(eg_quarantine_category("reader sender-not-partner"),
			    "wrong partner");
	assert_string_equal(eg_quarantine_category(""), "other");
	assert_string_equal(eg_quarantine_category(NULL), "other");
	assert_string_equal(eg_quarantine_category("something-new"), "other");
	/* "se" alone is no prefix of "segment-..." or "sender-..." */
	assert_string_equal(eg_quarantine_category("set-not-in-profile"),
			    "mapping gap");
	assert_true(eg_quarantine_category_ok("mapping gap"));
	assert_false(eg_quarantine_category_ok("mapping-gap"));
	assert_string_equal(eg_quarantine_categories()[7], "other");
	assert_null(eg_quarantine_categories()[8]);
	assert_int_equal(EG_QUARANTINE_NCATEGORIES, 8);
	/* the one function status, report, review and quarantine share
	 * (what status once kept a second list of) */
	assert_string_equal(eg_quarantine_category("isa13-invalid"), "syntax");
	assert_string_equal(eg_quarantine_category("element-missing"),
			    "guide");
	assert_string_equal(eg_quarantine_category("map-unmapped-code"),
			    "mapping gap");
	assert_string_equal(eg_quarantine_category("not-supported"),
			    "mapping gap");
	assert_string_equal(eg_quarantine_category("rule-requires-reference"),
			    "missing master data");
	assert_string_equal(eg_quarantine_category("duplicate-interchange"),
			    "duplicate");
	assert_string_equal(eg_quarantine_category("control-number-reuse"),
			    "duplicate");
	assert_string_equal(eg_quarantine_category("gs06-duplicate"),
			    "duplicate");
	assert_string_equal(eg_quarantine_category("rule-range"), "guide");
}

static int
qw_fn(void *ud, const eg_ledger_quarantined *q)
{
	seen *x = ud;
	size_t n = strlen(x->s);

	snprintf(x->s + n, sizeof(x->s) - n, "%s %s|%s|%d|%lld|%s;", q->id,
		 q->owner, q->category, q->category_set, (long long)q->notes,
		 q->last_note);
	x->n++;
	return 0;
}

static int
theme_fn(void *ud, const eg_ledger_qtheme *t)
{
	seen *x = ud;
	size_t n = strlen(x->s);

	snprintf(x->s + n, sizeof(x->s) - n, "%s %s %s;", t->id, t->state,
		 t->category);
	x->n++;
	return 0;
}

static int
action_fn(void *ud, const eg_ledger_review_action *a)
{
	seen *x = ud;
	size_t n = strlen(x->s);

	snprintf(x->s + n, sizeof(x->s) - n, "%lld %s %s %s %s %lld %d;",
		 (long long)a->at, a->actor, a->action, a->file_id, a->partner,
		 (long long)a->received_at, a->was_quarantined);
	x->n++;
	return 0;
}

static void
test_quarantine_work(void **state)
{
	fx *fx_ = *state;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, qw_fn, &x, &e),
			 EG_OK);
	/* categories from the error findings' rules (the file-level error
	 * has none); nobody owns them yet */
	assert_string_equal(x.s, "20261207-000002 |syntax|0|0|;"
				 "20261206-000004 |other|0|0|;");
	assert_int_equal(eg_ledger_quarantine_assign(fx_->l, "20261207-000002",
						     "alice", "bob", DAY + 500,
						     &e),
			 EG_OK);
	assert_int_equal(eg_ledger_quarantine_note(fx_->l, "20261207-000002",
						   "first note", "carol",
						   DAY + 600, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_quarantine_note(fx_->l, "20261207-000002",
						   "asked the partner", "alice",
						   DAY + 700, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_quarantine_categorize(
			     fx_->l, "20261206-000004", "wrong partner", "bob",
			     DAY + 800, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_quarantine_categorize(
			     fx_->l, "20261206-000004", "bogus", "bob",
			     DAY + 800, &e),
			 EG_EINVAL);
	/* not in quarantine: refused, nothing audited */
	assert_int_equal(eg_ledger_quarantine_assign(fx_->l, "20261207-000001",
						     "alice", "bob", DAY + 900,
						     &e),
			 EG_ENOTFOUND);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, qw_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000002 alice|syntax|0|2|asked the "
				 "partner;20261206-000004 |wrong partner|1|0|;");
	/* assign --to - gives it back to the default; the category too */
	assert_int_equal(eg_ledger_quarantine_assign(fx_->l, "20261207-000002",
						     "", "bob", DAY + 1000, &e),
			 EG_OK);
	assert_int_equal(eg_ledger_quarantine_categorize(
			     fx_->l, "20261206-000004", "", "bob", DAY + 1000,
			     &e),
			 EG_OK);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_quarantine_list(fx_->l, NULL, qw_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000002 |syntax|0|2|asked the "
				 "partner;20261206-000004 |other|0|0|;");

	/* the review: both went to quarantine; one released later */
	assert_int_equal(eg_ledger_set_state(fx_->l, "20261207-000002",
					     "released", "by a test", &e),
			 EG_OK);
	assert_int_equal(eg_ledger_audit_at(fx_->l, DAY + 2000, "dave",
					    "release", "20261207-000002",
					    "fixed", "released as x", &e),
			 EG_OK);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_review_quarantined(fx_->l, DAY - 86400,
						      theme_fn, &x, &e),
			 EG_OK);
	assert_string_equal(x.s, "20261207-000002 released syntax;"
				 "20261206-000004 partial other;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_review_quarantined(fx_->l, DAY, theme_fn,
						      &x, &e),
			 EG_OK);
	assert_int_equal(x.n, 1);
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_review_actions(fx_->l, DAY + 1500,
						  action_fn, &x, &e),
			 EG_OK);
	/* setup's two audit entries are at the real clock, after it */
	assert_int_equal(x.n, 3);
	assert_non_null(strstr(x.s, ";1796603600 dave release 20261207-000002 "
				    "bigretail 1796601800 1;"));
	memset(&x, 0, sizeof(x));
	assert_int_equal(eg_ledger_review_actions(fx_->l, 0, action_fn, &x,
						  &e),
			 EG_OK);
	/* setup's two; assign, note, note, categorize, assign, categorize,
	 * release */
	assert_int_equal(x.n, 9);
}

/* A ledger missing a table: every question that needs it is an error
 * with a message, never a crash or an empty answer. */
static void
test_broken_ledger(void **state)
{
	fx *fx_ = *state;
	eg_ledger_partner_day d;
	eg_ledger_filter f;
	eg_error e;
	seen x;

	eg_error_clear(&e);
	exec(fx_->l, "DROP TABLE findings", "");
	memset(&x, 0, sizeof(x));
	assert_int_not_equal(eg_ledger_file_findings(fx_->l, "20261207-000002",
						     finding_fn, &x, &e),
			     EG_OK);
	assert_true(e.msg[0] != '\0');
	eg_error_clear(&e);
	assert_int_not_equal(eg_ledger_quarantine_list(fx_->l, NULL, q_fn, &x,
						       &e),
			     EG_OK);
	exec(fx_->l, "DROP TABLE runs", "");
	eg_error_clear(&e);
	assert_int_not_equal(eg_ledger_partner_day_get(fx_->l, "bigretail",
						       DAY, &d, &e),
			     EG_OK);
	exec(fx_->l, "DROP TABLE business_keys", "");
	memset(&f, 0, sizeof(f));
	f.key = "x";
	f.limit = 1;
	eg_error_clear(&e);
	assert_int_not_equal(eg_ledger_files_find(fx_->l, &f, collect, &x, &e),
			     EG_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files_find, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_files_find_stops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_detail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_events_sets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_findings_outputs_audit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_related, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_partner_day, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup,
						teardown),
		cmocka_unit_test(test_quarantine_category),
		cmocka_unit_test_setup_teardown(test_quarantine_work, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_broken_ledger, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
