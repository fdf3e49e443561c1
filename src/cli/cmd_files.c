/*
 * cmd_files.c - `edigate files` (search the ledger) and `edigate show`
 * (one file's whole story).  Read-only: no lock, safe during a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_files.h"
#include "edigate/ledger_query.h"

#define OUT_MAX ((size_t)256 << 20)

/* Text from the ledger for a line-per-item listing: a control byte (a
 * newline in a partner's file name) or a backslash is escaped, so one
 * file stays one line. */
static eg_err
add_text(eg_buf *b, const char *s)
{
	eg_err rc = EG_OK;

	for (; !rc && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			rc = eg_buf_adds(b, "\\n");
		else if (c == '\r')
			rc = eg_buf_adds(b, "\\r");
		else if (c == '\t')
			rc = eg_buf_adds(b, "\\t");
		else if (c == '\\')
			rc = eg_buf_adds(b, "\\\\");
		else if (c < 0x20 || c == 0x7F)
			rc = eg_buf_addf(b, "\\x%02X", c);
		else
			rc = eg_buf_addc(b, (char)c);
	}
	return rc;
}

static void
files_help(FILE *f)
{
	fputs("Usage: edigate files [OPTIONS]\n\n"
	      "Search the ledger for files, newest first.\n\n"
	      "Options:\n"
	      "  --partner ID       from this partner\n"
	      "  --since DAY|SECS   received on or after (CCYY-MM-DD or epoch)\n"
	      "  --until DAY|SECS   received before\n"
	      "  --state S          received processed accepted partial\n"
	      "                     rejected duplicate unpacked released\n"
	      "                     reprocessed discarded sent\n"
	      "  --control N        holding an interchange (ISA13), group\n"
	      "                     (GS06) or set (ST02) control number N\n"
	      "  --key VALUE        carrying business key VALUE (a shipment\n"
	      "                     id, an order or PO number)\n"
	      "  --sha256 HEX       whose content hash starts with HEX\n"
	      "  --name TEXT        whose file name contains TEXT\n"
	      "  --limit N          at most N files (default 100)\n"
	      "  --spool DIR        the spool (default $EDIGATE_SPOOL or\n"
	      "                     HOME/spool)\n"
	      "  --json             one JSON object: {\"files\":[...]}\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  files found\n"
	      "  1  no file matches\n"
	      "  2  usage or configuration error\n"
	      "  3  I/O failure (the ledger cannot be read)\n",
	      f);
}

static int
need(eg_cli *cli, const char *cmd, int i, int argc)
{
	if (i + 1 >= argc) {
		(void)eg_cli_usage(cli, cmd, "an option needs a value");
		return 0;
	}
	return 1;
}

/* --partner names a profile in partners/ or a partner the ledger has
 * seen; else a usage error that says which exist. */
static int
known_partner(eg_cli *cli, eg_cli_spool *s, const char *id)
{
	char **ids = NULL, seen[1024];
	size_t n = 0, i;
	eg_error e;
	int x, found = 0;

	x = eg_cli_partner_ids(cli, "files", &s->home, &ids, &n);
	if (x)
		return x;
	for (i = 0; i < n; i++)
		found |= !strcmp(ids[i], id);
	eg_error_clear(&e);
	if (!found && eg_ledger_partners(s->ledger, seen, sizeof(seen), &e)) {
		eg_cli_free_ids(ids, n);
		return eg_cli_fail(cli, &e);
	}
	if (!found) {
		fprintf(cli->err, "%s files: no partner '%s': the partners "
				  "are", cli->prog, id);
		for (i = 0; i < n; i++)
			fprintf(cli->err, " %s", ids[i]);
		if (!n)
			fprintf(cli->err, " (none in partners/)");
		if (seen[0])
			fprintf(cli->err, "; the ledger has files of %s",
				seen);
		fputc('\n', cli->err);
	}
	eg_cli_free_ids(ids, n);
	return found ? EG_EXIT_OK : EG_EXIT_USAGE;
}

/* ,"sets":{...}: the file's sets by outcome (ledger_files.h). */
static eg_err
sets_json(eg_ledger *l, eg_buf *b, const char *id, eg_error *e)
{
	eg_ledger_sets c;
	eg_err rc = eg_ledger_file_sets(l, id, &c, e);

	if (rc)
		return rc;
	rc = eg_buf_addf(b, ",\"sets\":{\"records\":%lld,\"ack_only\":%lld,"
			    "\"rejected\":%lld,\"duplicate\":%lld}",
			 (long long)c.records, (long long)c.ack_only,
			 (long long)c.rejected, (long long)c.duplicate);
	return rc ? eg_fail(e, rc, "output too large") : EG_OK;
}

/* One file of the listing, as a JSON object or a text line. */
typedef struct listw {
	eg_ledger *l;
	eg_buf *b;
	eg_error *e;
	int json, n;
	eg_err rc;
} listw;

static int
file_row(void *ud, const eg_ledger_file_row *f)
{
	listw *w = ud;
	eg_buf *b = w->b;
	char when[32];
	eg_err rc;

	eg_cli_fmt_time(f->received_at, when, sizeof(when));
	if (w->json) {
		rc = eg_buf_addf(b, "%s{\"id\":", w->n ? "," : "");
		if (!rc)
			rc = eg_cli_json_str(b, f->id);
		if (!rc)
			rc = eg_buf_adds(b, ",\"partner\":");
		if (!rc)
			rc = eg_cli_json_str(b, f->partner);
		if (!rc)
			rc = eg_buf_addf(b, ",\"state\":\"%s\","
					    "\"receivedAt\":%lld,"
					    "\"size\":%lld,\"name\":",
					 f->state, (long long)f->received_at,
					 (long long)f->size);
		if (!rc)
			rc = eg_cli_json_str(b, f->name);
		if (!rc)
			rc = eg_buf_addf(b, ",\"sha256\":\"%s\","
					    "\"summary\":",
					 f->sha256);
		if (!rc)
			rc = eg_cli_json_str(b, f->summary);
		if (!rc)
			rc = eg_buf_addf(b,
					 ",\"duplicateOf\":\"%s\","
					 "\"reprocessOf\":\"%s\",\"bundle\":\"%s\"",
					 f->duplicate_of, f->reprocess_of,
					 f->bundle);
		if (!rc)
			rc = sets_json(w->l, b, f->id, w->e);
		if (!rc)
			rc = eg_buf_addc(b, '}');
	} else {
		rc = EG_OK;
		if (w->n == 0)
			rc = eg_buf_addf(b, "%-16s %-12s %-11s %-19s %s\n",
					 "FILE", "PARTNER", "STATE",
					 "RECEIVED (UTC)", "NAME");
		if (!rc)
			rc = eg_buf_addf(b, "%-16s %-12s %-11s %-19s ", f->id,
					 f->partner, f->state, when);
		if (!rc)
			rc = add_text(b, f->name);
		if (!rc && f->duplicate_of[0])
			rc = eg_buf_addf(b, " (duplicate of %s)",
					 f->duplicate_of);
		if (!rc)
			rc = eg_buf_addc(b, '\n');
	}
	w->n++;
	w->rc = rc;
	return rc != EG_OK;
}

static int
files_run(eg_cli *cli, int argc, char **argv)
{
	eg_ledger_filter f;
	const char *spool = NULL;
	time_t since = 0, until = 0;
	long long limit = 100;
	int json = 0, i, x;
	eg_cli_spool s;
	listw w;
	eg_buf b;
	eg_error e;
	eg_err rc = EG_OK;

	memset(&f, 0, sizeof(f));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help")) {
			files_help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		}
		if (!need(cli, "files", i, argc))
			return EG_EXIT_USAGE;
		if (!strcmp(a, "--partner"))
			f.partner = argv[++i];
		else if (!strcmp(a, "--state"))
			f.state = argv[++i];
		else if (!strcmp(a, "--control"))
			f.control = argv[++i];
		else if (!strcmp(a, "--key"))
			f.key = argv[++i];
		else if (!strcmp(a, "--sha256"))
			f.sha256 = argv[++i];
		else if (!strcmp(a, "--name"))
			f.name = argv[++i];
		else if (!strcmp(a, "--spool"))
			spool = argv[++i];
		else if (!strcmp(a, "--limit"))
			limit = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(a, "--since")) {
			if (eg_cli_parse_time(argv[++i], &since))
				return eg_cli_usage(cli, "files", "--since needs "
					"CCYY-MM-DD or epoch seconds");
		} else if (!strcmp(a, "--until")) {
			if (eg_cli_parse_time(argv[++i], &until))
				return eg_cli_usage(cli, "files", "--until needs "
					"CCYY-MM-DD or epoch seconds");
		} else
			return eg_cli_usage(cli, "files", "unknown argument '%s'",
					    a);
	}
	if (limit <= 0)
		return eg_cli_usage(cli, "files", "--limit needs a positive "
						  "number");
	if (f.state && !eg_ledger_is_file_state(f.state))
		return eg_cli_usage(cli, "files", "no state '%s': the states "
				    "are %s", f.state, eg_ledger_file_states());
	f.since = (int64_t)since;
	f.until = (int64_t)until;
	f.limit = (int64_t)limit;
	x = eg_cli_spool_open(cli, "files", spool, EG_SPOOL_READ, &s);
	if (!x && f.partner)
		x = known_partner(cli, &s, f.partner);
	if (x) {
		eg_cli_spool_close(&s);
		return x;
	}
	eg_error_clear(&e);
	eg_buf_init(&b, OUT_MAX);
	memset(&w, 0, sizeof(w));
	w.l = s.ledger;
	w.b = &b;
	w.e = &e;
	w.json = json;
	if (json)
		rc = eg_buf_adds(&b, "{\"files\":[");
	if (!rc)
		rc = eg_ledger_files_find(s.ledger, &f, file_row, &w, &e);
	if (!rc)
		rc = w.rc;
	if (!rc && json)
		rc = eg_buf_adds(&b, "]}\n");
	if (!rc && !json && w.n == 0)
		fprintf(cli->err, "%s files: no file matches\n", cli->prog);
	x = !rc ? eg_cli_write(cli, b.data, b.len)
	    : e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	if (x)
		return x;
	return w.n ? EG_EXIT_OK : EG_EXIT_DOCUMENT;
}

const eg_command eg_cmd_files = {
	"files", "search the ledger: partner, dates, state, numbers, keys",
	files_run, files_help,
};

/* --- show ------------------------------------------------------------------ */

static void
show_help(FILE *f)
{
	fputs("Usage: edigate show [--json] [--spool DIR] FILE-ID\n\n"
	      "A file's whole story: when and where it was received, its\n"
	      "state history, the interchanges, groups and transaction sets\n"
	      "in it with their control numbers and business keys, every\n"
	      "finding (position, segment, code, message), the outputs\n"
	      "written (records, acknowledgements, reports, archive), the\n"
	      "duplicates that point to it, corrected resends (resendOf),\n"
	      "reprocessing, and the audit "
	      "entries.\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  shown\n"
	      "  1  no such file\n"
	      "  2  usage or configuration error\n"
	      "  3  I/O failure\n",
	      f);
}

/* A time as the ledger's readers show it: "CCYY-MM-DD HH:MM:SS" UTC,
 * "" when there is none. */
static void
fmt_at(int64_t t, char *dst, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	dst[0] = '\0';
	if (t != EG_LEDGER_NONE && gmtime_r(&tt, &tm))
		strftime(dst, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

/* An integer as text, "" when the ledger has none. */
static const char *
fmt_int(int64_t v, char *dst, size_t cap)
{
	if (v == EG_LEDGER_NONE)
		dst[0] = '\0';
	else
		snprintf(dst, cap, "%lld", (long long)v);
	return dst;
}

/*
 * One section of the story: each row the ledger gives is written as a
 * JSON object (names) or a text line of the non-empty name=value pairs.
 */
typedef struct sect {
	eg_buf *b;
	int json, n;
	const char *const *names;
	int ncol;
	eg_err rc;
} sect;

static eg_err
sect_open(sect *s, eg_buf *b, int json, const char *title, const char *jname,
	  const char *const *names, int ncol)
{
	memset(s, 0, sizeof(*s));
	s->b = b;
	s->json = json;
	s->names = names;
	s->ncol = ncol;
	return json ? eg_buf_addf(b, ",\"%s\":[", jname)
		    : eg_buf_addf(b, "\n%s:\n", title);
}

static int
sect_row(sect *s, const char *const *v)
{
	eg_buf *b = s->b;
	eg_err rc;
	int c;

	if (s->json) {
		rc = eg_buf_adds(b, s->n ? ",{" : "{");
		for (c = 0; !rc && c < s->ncol; c++) {
			rc = eg_buf_addf(b, "%s\"%s\":", c ? "," : "",
					 s->names[c]);
			if (!rc)
				rc = eg_cli_json_str(b, v[c]);
		}
		if (!rc)
			rc = eg_buf_addc(b, '}');
	} else {
		rc = eg_buf_adds(b, " ");
		for (c = 0; !rc && c < s->ncol; c++) {
			if (v[c][0])
				rc = eg_buf_addf(b, " %s=", s->names[c]);
			if (!rc && v[c][0])
				rc = add_text(b, v[c]);
		}
		if (!rc)
			rc = eg_buf_addc(b, '\n');
	}
	s->n++;
	s->rc = rc;
	return rc != EG_OK;
}

/* After the ledger's rc: the section's own, then its end. */
static eg_err
sect_close(sect *s, eg_err rc)
{
	if (!rc)
		rc = s->rc;
	if (!rc && s->json)
		rc = eg_buf_addc(s->b, ']');
	if (!rc && !s->json && s->n == 0)
		rc = eg_buf_adds(s->b, "  (none)\n");
	return rc;
}

static const char *const ev_names[] = {"at", "state", "note"};

static int
ev_row(void *ud, const eg_ledger_event *ev)
{
	char at[32];
	const char *v[3];

	fmt_at(ev->at, at, sizeof(at));
	v[0] = at;
	v[1] = ev->state;
	v[2] = ev->note;
	return sect_row(ud, v);
}

static const char *const ich_names[] = {"isa13", "sender", "receiver",
					"status", "duplicateOf"};

static int
ich_row(void *ud, const eg_ledger_ichg *i)
{
	const char *v[] = {i->isa13, i->sender, i->receiver, i->status,
			   i->duplicate_of};

	return sect_row(ud, v);
}

static const char *const txn_names[] = {"isa13", "gs06", "st01", "st02",
					"status", "businessKey",
					"duplicateOf", "records"};

static int
txn_row(void *ud, const eg_ledger_txn *t)
{
	char rec[24];
	const char *v[] = {t->isa13, t->gs06, t->st01, t->st02, t->status,
			   t->business_key, t->duplicate_of,
			   fmt_int(t->records, rec, sizeof(rec))};

	return sect_row(ud, v);
}

static const char *const fnd_names[] = {
    "severity", "level", "rule", "code", "offset", "segment",
    "segmentId", "element", "st02", "message", "segmentText"};

static int
fnd_row(void *ud, const eg_ledger_finding *f)
{
	char off[24], seg[24], el[24];
	const char *v[] = {f->severity, f->level, f->rule, f->code,
			   fmt_int(f->offset, off, sizeof(off)),
			   fmt_int(f->segment, seg, sizeof(seg)),
			   f->seg_id,
			   fmt_int(f->element, el, sizeof(el)),
			   f->st02, f->message, f->segment_text};

	return sect_row(ud, v);
}

static const char *const out_names[] = {"kind", "path", "control", "state"};

static int
out_row(void *ud, const eg_ledger_output *o)
{
	const char *v[] = {o->kind, o->path, o->control, o->state};

	return sect_row(ud, v);
}

static const char *const rel_names[] = {"file", "what", "state"};

static int
rel_row(void *ud, const eg_ledger_related *r)
{
	const char *v[3];

	v[0] = r->file_id;
	v[2] = r->state;
	switch (r->rel) {
	case EG_REL_DUPLICATE:
		v[1] = "duplicate of this file";
		break;
	case EG_REL_REPEATS:
		v[1] = "has sets that repeat this file's";
		v[2] = "transactions";
		break;
	case EG_REL_REPROCESS:
		v[1] = "reprocess of this file";
		break;
	case EG_REL_ENTRY:
		v[1] = "entry of this bundle";
		break;
	case EG_REL_RESEND:
		v[1] = "corrected resend of this file";
		break;
	case EG_REL_CORRECTS:
		v[1] = "rejected file this one corrects";
		break;
	default:
		v[1] = "related";
		break;
	}
	return sect_row(ud, v);
}

static const char *const aud_names[] = {"at", "actor", "action", "reason",
					"detail"};

static int
aud_row(void *ud, const eg_ledger_audit_row *a)
{
	char at[32];
	const char *v[5];

	fmt_at(a->at, at, sizeof(at));
	v[0] = at;
	v[1] = a->actor;
	v[2] = a->action;
	v[3] = a->reason;
	v[4] = a->detail;
	return sect_row(ud, v);
}

/* The acknowledgements a partner sent in this file, or about it (what
 * we sent); a rejection is marked for attention (ledger_acks.h). */
typedef struct ackw {
	eg_buf *b;
	int json, n, attention;
	const char *id;
	eg_err rc;
} ackw;

static int
ack_row(void *ud, const eg_ledger_ack *a)
{
	ackw *w = ud;
	eg_buf *b = w->b;
	const char *what = !strcmp(a->level, "set")     ? a->st01
			   : !strcmp(a->level, "group") ? "group"
							: "interchange";
	const char *num = !strcmp(a->level, "set")     ? a->st02
			  : !strcmp(a->level, "group") ? a->gs06
						       : a->isa13;
	eg_err rc;

	w->attention += a->attention;
	if (w->json) {
		rc = eg_buf_addf(b, "%s{\"level\":\"%s\",\"type\":\"%s\","
				    "\"receivedIn\":\"%s\",\"answers\":\"%s\","
				    "\"isa13\":\"%s\",\"gs01\":\"%s\","
				    "\"gs06\":\"%s\",\"st01\":\"%s\","
				    "\"st02\":\"%s\",\"status\":\"%s\","
				    "\"codes\":\"%s\",\"detail\":",
				 w->n ? "," : "", a->level, a->ack_type,
				 a->file_id, a->sent_file, a->isa13, a->gs01,
				 a->gs06, a->st01, a->st02, a->status,
				 a->codes);
		if (!rc)
			rc = eg_cli_json_str(b, a->detail);
		if (!rc)
			rc = eg_buf_addf(b, ",\"attention\":%s}",
					 a->attention ? "true" : "false");
	} else {
		/* "ATTENTION: the partner rejected our 940 0001 (997
		 * R code(s) 5; AK3 ...)" */
		rc = eg_buf_addf(b, "  %s%s %s (%s %s%s%s%s%s)\n",
				 a->attention ? "ATTENTION: the partner "
						"rejected our "
					      : "acknowledged: ",
				 what, num, a->ack_type, a->status,
				 a->codes[0] ? " code(s) " : "", a->codes,
				 a->detail[0] ? "; " : "", a->detail);
		if (!rc && strcmp(a->file_id, w->id))
			rc = eg_buf_addf(b, "    received in %s\n",
					 a->file_id);
		else if (!rc)
			rc = eg_buf_addf(b, "    answers our file %s\n",
					 a->sent_file[0]
					     ? a->sent_file
					     : "(not known: not recorded with "
					       "`edigate sent`)");
	}
	w->n++;
	w->rc = rc;
	return rc != EG_OK;
}

static eg_err
show_acks(eg_ledger *l, eg_buf *b, int json, const char *id, eg_error *e)
{
	ackw w;
	eg_ledger_sets c;
	eg_err rc;

	memset(&w, 0, sizeof(w));
	w.b = b;
	w.json = json;
	w.id = id;
	if ((rc = eg_ledger_file_sets(l, id, &c, e)))
		return rc;
	rc = json ? eg_buf_addf(b, ",\"sets\":{\"records\":%lld,"
				   "\"ack_only\":%lld,\"rejected\":%lld,"
				   "\"duplicate\":%lld},\"acknowledgements\":[",
				(long long)c.records, (long long)c.ack_only,
				(long long)c.rejected, (long long)c.duplicate)
		  : eg_buf_addf(b, "\nsets: %lld with records, %lld "
				   "acknowledgement-only, %lld rejected, %lld "
				   "duplicate\n\nacknowledgements received:\n",
				(long long)c.records, (long long)c.ack_only,
				(long long)c.rejected, (long long)c.duplicate);
	if (!rc)
		rc = eg_ledger_acks_of_file(l, id, ack_row, &w, e);
	if (!rc)
		rc = w.rc;
	if (!rc && json)
		rc = eg_buf_addf(b, "],\"attention\":%d", w.attention);
	else if (!rc && !w.n)
		rc = eg_buf_adds(b, "  (none)\n");
	if (rc && !e->code)
		return eg_fail(e, rc, "output too large");
	return rc;
}

/* The file's own row: name value lines, or the "file" object. */
typedef struct detw {
	eg_buf *b;
	int json, found;
	eg_err rc;
} detw;

static int
detail_row(void *ud, const eg_ledger_file_detail *d)
{
	static const char *const names[] = {
	    "partner", "state", "name", "size", "sha256", "source",
	    "remotePath", "received", "finished", "summary", "duplicateOf",
	    "reprocessOf", "bundle", "archive", "cleanup", "resendOf"};
	detw *w = ud;
	char size[24], rec[32], fin[32];
	const char *v[16];
	eg_err rc;
	int c;

	fmt_at(d->received_at, rec, sizeof(rec));
	fmt_at(d->finished_at, fin, sizeof(fin));
	v[0] = d->partner;
	v[1] = d->state;
	v[2] = d->name;
	v[3] = fmt_int(d->size, size, sizeof(size));
	v[4] = d->sha256;
	v[5] = d->source;
	v[6] = d->remote_path;
	v[7] = rec;
	v[8] = fin;
	v[9] = d->summary;
	v[10] = d->duplicate_of;
	v[11] = d->reprocess_of;
	v[12] = d->bundle;
	v[13] = d->archive_path;
	v[14] = d->post_action;
	v[15] = d->resend_of;
	w->found = 1;
	rc = w->json ? eg_buf_adds(w->b, "{\"file\":{")
		     : eg_buf_addf(w->b, "file %s\n", d->id);
	for (c = 0; !rc && c < 16; c++) {
		if (w->json) {
			rc = eg_buf_addf(w->b, "%s\"%s\":", c ? "," : "",
					 names[c]);
			if (!rc)
				rc = eg_cli_json_str(w->b, v[c]);
		} else if (v[c][0]) {
			rc = eg_buf_addf(w->b, "  %-12s ", names[c]);
			if (!rc)
				rc = add_text(w->b, v[c]);
			if (!rc)
				rc = eg_buf_addc(w->b, '\n');
		}
	}
	if (!rc && w->json)
		rc = eg_buf_addc(w->b, '}');
	w->rc = rc;
	return rc != EG_OK;
}

static int
show_run(eg_cli *cli, int argc, char **argv)
{
	const char *id = NULL, *spool = NULL;
	int json = 0, i, x;
	eg_cli_spool s;
	eg_ledger *l;
	eg_buf b;
	eg_error e;
	eg_err rc;
	detw d;
	sect sc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			show_help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--spool") && i + 1 < argc)
			spool = argv[++i];
		else if (argv[i][0] == '-' || id)
			return eg_cli_usage(cli, "show", "unexpected '%s'",
					    argv[i]);
		else
			id = argv[i];
	}
	if (!id)
		return eg_cli_usage(cli, "show", "which file? (a FILE-ID from "
						 "`edigate files`)");
	x = eg_cli_spool_open(cli, "show", spool, EG_SPOOL_READ, &s);
	if (x) {
		eg_cli_spool_close(&s);
		return x;
	}
	l = s.ledger;
	eg_error_clear(&e);
	eg_buf_init(&b, OUT_MAX);
	memset(&d, 0, sizeof(d));
	d.b = &b;
	d.json = json;
	if (eg_ledger_file_detail_get(l, id, detail_row, &d, &e) ||
	    !d.found) {
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		if (e.code)
			return eg_cli_fail(cli, &e);
		fprintf(cli->err, "%s show: no file %s in the ledger (see "
				  "`edigate files`)\n",
			cli->prog, id);
		return EG_EXIT_DOCUMENT;
	}
	rc = d.rc;
	/* the sections, in the order a person reads the story */
	if (!rc && !(rc = sect_open(&sc, &b, json, "history", "history",
				    ev_names, 3)))
		rc = sect_close(&sc, eg_ledger_file_events(l, id, ev_row, &sc,
							   &e));
	if (!rc && !(rc = sect_open(&sc, &b, json, "interchanges",
				    "interchanges", ich_names, 5)))
		rc = sect_close(&sc, eg_ledger_file_interchanges(l, id, ich_row,
								 &sc, &e));
	if (!rc && !(rc = sect_open(&sc, &b, json, "transaction sets",
				    "transactions", txn_names, 8)))
		rc = sect_close(&sc, eg_ledger_file_transactions(l, id, txn_row,
								 &sc, &e));
	if (!rc)
		rc = show_acks(l, &b, json, id, &e);
	if (!rc)
		rc = eg_cli_show_batch(l, &b, json, id, &e);
	if (!rc && !(rc = sect_open(&sc, &b, json, "findings", "findings",
				    fnd_names, 11)))
		rc = sect_close(&sc, eg_ledger_file_findings(l, id, fnd_row,
							     &sc, &e));
	if (!rc && !(rc = sect_open(&sc, &b, json, "outputs", "outputs",
				    out_names, 4)))
		rc = sect_close(&sc, eg_ledger_file_outputs(l, id, out_row, &sc,
							    &e));
	if (!rc && !(rc = sect_open(&sc, &b, json, "related files", "related",
				    rel_names, 3)))
		rc = sect_close(&sc, eg_ledger_file_related(l, id, rel_row, &sc,
							    &e));
	if (!rc && !(rc = sect_open(&sc, &b, json, "audit", "audit", aud_names,
				    5)))
		rc = sect_close(&sc, eg_ledger_file_audit(l, id, aud_row, &sc,
							  &e));
	if (!rc && json)
		rc = eg_buf_adds(&b, "}\n");
	x = rc ? eg_cli_fail(cli, &e) : eg_cli_write(cli, b.data, b.len);
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	return x;
}

const eg_command eg_cmd_show = {
	"show", "one file's whole story: findings, outputs, acks, audit",
	show_run, show_help,
};
