/*
 * fuzz_file.c - libFuzzer target: per-file processing, the whole inbound
 * pipeline on one file.
 *
 * A home on tmpfs holds a test partner (tests/fixtures/map/home/partners/
 * shopco.xml: local inbox, leave mode), a spool and a real ledger.  Each
 * input is dropped in the inbox as a complete file and one
 * eg_pipeline_run takes it: fetch, ledger, unpack (bundles), envelope and
 * guide checks, mapping, rules, duplicates, acknowledgements, reject
 * report, archive, publish.  An input the registry takes for CSV or XML
 * (or for nothing) goes to a second partner instead, a 3PL whose profile
 * names CSV and XML layout documents (the shipped stock-report and
 * ship-confirm layouts): record syntaxes, layout mapping, duplicates by
 * content, bad records, the reject report.  What must hold: no crash,
 * leak, hang or sanitizer report, no internal error, and every file taken
 * is decided.
 * The home is made anew every RESET inputs so that the ledger and spool
 * stay small.  Runs from the repository root.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edigate/format.h"
#include "edigate/guide.h"
#include "edigate/ledger.h"
#include "edigate/map.h"
#include "edigate/pipeline.h"
#include "edigate/profile.h"

#include "fuzz_common.h"

#define PROFILE "tests/fixtures/map/home/partners/shopco.xml"
#define RESET 500

/* The 3PL: CSV and XML documents through their layouts. */
static const char tpl_profile[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<partner id=\"tpl\" name=\"fuzz 3PL\" kind=\"3pl\">\n"
    "  <identity/>\n"
    "  <transport type=\"local\">\n"
    "    <inbox path=\"drop/tpl/in\"/>\n"
    "    <outbox path=\"drop/tpl/out\"/>\n"
    "    <complete stable-for=\"60s\"/>\n"
    "    <after-pickup action=\"leave\"/>\n"
    "  </transport>\n"
    "  <layout-document name=\"stock\" pattern=\"*.csv\"\n"
    "    layout=\"../edi/layouts/inventory-csv.layout.xml\"/>\n"
    "  <layout-document name=\"ship\" syntax=\"xml\" pattern=\"*.xml\"\n"
    "    layout=\"../edi/layouts/ship-confirm.layout.xml\"/>\n"
    "  <duplicates business-key=\"change\"/>\n"
    "</partner>\n";

/* The fuzzer's only globals, outside the library. */
static char home[128], spool[160], inbox[192], tpl_inbox[192];
static eg_guides *guides;
static eg_maps *maps;
static eg_profile *prof, *tpl;
static eg_envelope_expect expect, tpl_expect;
static eg_ledger *ledger;
static eg_pipeline *pl;
static time_t now;
static unsigned runs;

static void
no_note(void *ud, const char *partner, const char *msg)
{
	(void)ud;
	if (partner == NULL || msg == NULL)
		abort();
}

static void
mkdir_p(const char *path)
{
	char tmp[256];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static void
copy_file(const char *from, const char *to)
{
	static uint8_t buf[1 << 16];
	FILE *fp = fopen(from, "rb");
	size_t n;

	if (fp == NULL)
		abort();
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	fuzz_write(to, buf, n);
}

static void
rm_home(void)
{
	char p[256];
	static const char *const dirs[] = {
	    "spool/in/shopco", "spool/in/tpl", "spool/in", "spool/work",
	    "spool/out/shopco/acks", "spool/out/shopco", "spool/out/tpl",
	    "spool/out", "spool/quarantine/shopco", "spool/quarantine/tpl",
	    "spool/quarantine", "spool/archive/shopco", "spool/archive/tpl",
	    "spool/archive", "spool/locks", "spool", "drop/shopco/in",
	    "drop/shopco/out", "drop/shopco", "drop/tpl/in", "drop/tpl/out",
	    "drop/tpl", "drop", "partners"};
	size_t i, j;

	/* quarantine/<partner>/<id>/ and archive/<partner>/<month>/ are a
	 * level deeper than fuzz_rm goes: take them first */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", home, dirs[i]);
		for (j = 0; j < 3; j++)
			fuzz_rm(p);
	}
	snprintf(p, sizeof(p), "%s/edi", home);
	unlink(p);
	snprintf(p, sizeof(p), "%s/schemas", home);
	unlink(p);
	rmdir(home);
}

static void
open_home(void)
{
	char p[256], cwd[200];
	eg_pipeline_opts o;
	eg_error e;

	memset(&e, 0, sizeof(e));
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		abort();
	snprintf(home, sizeof(home), "%s/home", fuzz_scratch());
	snprintf(spool, sizeof(spool), "%s/spool", home);
	snprintf(inbox, sizeof(inbox), "%s/drop/shopco/in", home);
	mkdir_p(inbox);
	snprintf(p, sizeof(p), "%s/drop/shopco/out", home);
	mkdir_p(p);
	snprintf(tpl_inbox, sizeof(tpl_inbox), "%s/drop/tpl/in", home);
	mkdir_p(tpl_inbox);
	snprintf(p, sizeof(p), "%s/drop/tpl/out", home);
	mkdir_p(p);
	snprintf(p, sizeof(p), "%s/partners", home);
	mkdir_p(p);
	snprintf(p, sizeof(p), "%s/partners/shopco.xml", home);
	copy_file(PROFILE, p);
	snprintf(p, sizeof(p), "%s/partners/tpl.xml", home);
	fuzz_write(p, (const uint8_t *)tpl_profile, sizeof(tpl_profile) - 1);
	snprintf(p, sizeof(p), "%s/edi", home);
	{
		char t[256];

		snprintf(t, sizeof(t), "%s/edi", cwd);
		(void)symlink(t, p);
		snprintf(t, sizeof(t), "%s/schemas", cwd);
		snprintf(p, sizeof(p), "%s/schemas", home);
		(void)symlink(t, p);
	}
	mkdir_p(spool);
	if (eg_ledger_open(&ledger, spool, &e))
		abort();
	memset(&o, 0, sizeof(o));
	o.home = home;
	o.spool = spool;
	o.guides = guides;
	o.maps = maps;
	o.now = now;
	o.actor = "fuzz";
	o.note = no_note;
	if (eg_pipeline_new(&pl, ledger, &o, &e))
		abort();
}

static void
close_home(void)
{
	eg_pipeline_free(pl);
	eg_ledger_close(ledger);
	pl = NULL;
	ledger = NULL;
	rm_home();
}

static void
load_once(void)
{
	char p[256];
	eg_error e;

	if (prof)
		return;
	memset(&e, 0, sizeof(e));
	now = time(NULL);
	if (eg_guides_new(&guides, ".", &e) || eg_maps_new(&maps, ".", &e))
		abort();
	open_home();
	snprintf(p, sizeof(p), "%s/partners/shopco.xml", home);
	if (eg_profile_load(&prof, p, ".", &e))
		abort();
	expect.partner = prof->id;
	expect.sender_q = prof->partner_q;
	expect.sender = prof->partner_id;
	expect.receiver_q = prof->our_q;
	expect.receiver = prof->our_id;
	expect.gs_sender = prof->gs_partner;
	expect.gs_receiver = prof->gs_ours;
	snprintf(p, sizeof(p), "%s/partners/tpl.xml", home);
	if (eg_profile_load(&tpl, p, ".", &e))
		abort();
	tpl_expect.partner = tpl->id;
	tpl_expect.sender_q = tpl_expect.sender = "";
	tpl_expect.receiver_q = tpl_expect.receiver = "";
	tpl_expect.gs_sender = tpl_expect.gs_receiver = "";
}

/* Which partner and name an input goes to: CSV or XML (or nothing the
 * registry knows) to the 3PL, the rest to shopco. */
static int
to_tpl(const uint8_t *data, size_t size, const char **ext)
{
	const eg_format *f = eg_format_detect(data, size);

	*ext = "x12";
	if (f && !strcmp(f->name, "xml"))
		*ext = "xml";
	else if (!f || !strcmp(f->name, "csv"))
		*ext = "csv";
	return strcmp(*ext, "x12") != 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[256];
	struct timespec ts[2];
	eg_pipeline_partner pp;
	eg_pipeline_counts c;
	eg_error e;
	eg_err rc;
	const char *ext;
	int is_tpl;

	load_once();
	if (++runs % RESET == 0) {
		close_home();
		open_home();
	}
	is_tpl = to_tpl(data, size, &ext);
	snprintf(path, sizeof(path), "%s/f.%s", is_tpl ? tpl_inbox : inbox,
		 ext);
	fuzz_write(path, data, size);
	/* complete: older than the profile's stable-for */
	ts[0].tv_sec = ts[1].tv_sec = now - 3600;
	ts[0].tv_nsec = ts[1].tv_nsec = (long)(runs % 1000000) * 1000;
	if (utimensat(AT_FDCWD, path, ts, 0) != 0)
		abort();
	memset(&pp, 0, sizeof(pp));
	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	pp.profile = is_tpl ? tpl : prof;
	pp.expect = is_tpl ? &tpl_expect : &expect;
	rc = eg_pipeline_run(pl, &pp, &c, &e);
	if (rc == EG_EINTERNAL)
		abort();
	if (rc == EG_OK && c.files != 0 && c.processed < c.files)
		abort(); /* a file taken and not decided */
	unlink(path);
	return 0;
}
