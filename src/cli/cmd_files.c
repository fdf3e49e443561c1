/*
 * cmd_files.c - `edigate files` (search the ledger) and `edigate show`
 * (one file's whole story).  Read-only: no lock, safe during a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_files.h"

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

static int
files_run(eg_cli *cli, int argc, char **argv)
{
	const char *partner = NULL, *state = NULL, *control = NULL,
		   *key = NULL, *sha = NULL, *name = NULL, *spool = NULL;
	time_t since = 0, until = 0;
	long long limit = 100;
	int json = 0, i, r, n = 0, x;
	eg_cli_spool s;
	eg_stmt *st;
	eg_buf b;
	eg_error e;
	eg_err rc = EG_OK;

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
			partner = argv[++i];
		else if (!strcmp(a, "--state"))
			state = argv[++i];
		else if (!strcmp(a, "--control"))
			control = argv[++i];
		else if (!strcmp(a, "--key"))
			key = argv[++i];
		else if (!strcmp(a, "--sha256"))
			sha = argv[++i];
		else if (!strcmp(a, "--name"))
			name = argv[++i];
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
	if (state && !eg_ledger_is_file_state(state))
		return eg_cli_usage(cli, "files", "no state '%s': the states "
				    "are %s", state, eg_ledger_file_states());
	x = eg_cli_spool_open(cli, "files", spool, EG_SPOOL_READ, &s);
	if (!x && partner)
		x = known_partner(cli, &s, partner);
	if (x) {
		eg_cli_spool_close(&s);
		return x;
	}
	eg_error_clear(&e);
	eg_buf_init(&b, OUT_MAX);
	rc = eg_ledger_query(
	    s.ledger, &st, &e,
	    "SELECT id, partner, state, received_at, name, size, sha256, "
	    "COALESCE(summary,''), COALESCE(duplicate_of,''), "
	    "COALESCE(reprocess_of,''), COALESCE(parent_id,'') FROM files f "
	    "WHERE (?1 IS NULL OR partner=?1) AND (?2 IS NULL OR state=?2) "
	    "AND (?3=0 OR received_at>=?3) AND (?4=0 OR received_at<?4) "
	    "AND (?5 IS NULL OR sha256 LIKE ?5||'%') "
	    "AND (?6 IS NULL OR instr(name, ?6)>0) "
	    "AND (?7 IS NULL OR EXISTS (SELECT 1 FROM interchanges i WHERE "
	    "i.file_id=f.id AND ltrim(i.isa13,'0')=ltrim(?7,'0')) OR EXISTS "
	    "(SELECT 1 FROM transactions t WHERE t.file_id=f.id AND "
	    "(ltrim(t.gs06,'0')=ltrim(?7,'0') OR t.st02=?7))) "
	    "AND (?8 IS NULL OR EXISTS (SELECT 1 FROM transactions t WHERE "
	    "t.file_id=f.id AND substr(t.business_key, "
	    "instr(t.business_key,'=')+1)=?8) OR EXISTS (SELECT 1 FROM "
	    "business_keys k WHERE k.file_id=f.id AND k.value=?8)) "
	    "ORDER BY n DESC LIMIT ?9",
	    "tt" "ii" "tttt" "i", partner, state, (int64_t)since,
	    (int64_t)until, sha, name, control, key, (int64_t)limit);
	if (rc) {
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		return eg_cli_fail(cli, &e);
	}
	if (json)
		rc = eg_buf_adds(&b, "{\"files\":[");
	while (!rc && (r = eg_ledger_step(s.ledger, st, &e)) == 1) {
		char when[32];

		eg_cli_fmt_time(eg_col_int(st, 3), when, sizeof(when));
		if (json) {
			rc = eg_buf_addf(&b, "%s{\"id\":", n ? "," : "");
			if (!rc)
				rc = eg_cli_json_str(&b, eg_col_text(st, 0));
			if (!rc)
				rc = eg_buf_adds(&b, ",\"partner\":");
			if (!rc)
				rc = eg_cli_json_str(&b, eg_col_text(st, 1));
			if (!rc)
				rc = eg_buf_addf(&b, ",\"state\":\"%s\","
						     "\"receivedAt\":%lld,"
						     "\"size\":%lld,\"name\":",
						 eg_col_text(st, 2),
						 (long long)eg_col_int(st, 3),
						 (long long)eg_col_int(st, 5));
			if (!rc)
				rc = eg_cli_json_str(&b, eg_col_text(st, 4));
			if (!rc)
				rc = eg_buf_addf(&b, ",\"sha256\":\"%s\","
						     "\"summary\":",
						 eg_col_text(st, 6));
			if (!rc)
				rc = eg_cli_json_str(&b, eg_col_text(st, 7));
			if (!rc)
				rc = eg_buf_addf(
				    &b,
				    ",\"duplicateOf\":\"%s\","
				    "\"reprocessOf\":\"%s\",\"bundle\":\"%s\"",
				    eg_col_text(st, 8), eg_col_text(st, 9),
				    eg_col_text(st, 10));
			if (!rc)
				rc = sets_json(s.ledger, &b, eg_col_text(st, 0),
					       &e);
			if (!rc)
				rc = eg_buf_addc(&b, '}');
		} else {
			if (n == 0)
				rc = eg_buf_addf(&b, "%-16s %-12s %-11s %-19s "
						     "%s\n",
						 "FILE", "PARTNER", "STATE",
						 "RECEIVED (UTC)", "NAME");
			if (!rc)
				rc = eg_buf_addf(&b, "%-16s %-12s %-11s %-19s ",
						 eg_col_text(st, 0),
						 eg_col_text(st, 1),
						 eg_col_text(st, 2), when);
			if (!rc)
				rc = add_text(&b, eg_col_text(st, 4));
			if (!rc && eg_col_text(st, 8)[0])
				rc = eg_buf_addf(&b, " (duplicate of %s)",
						 eg_col_text(st, 8));
			if (!rc)
				rc = eg_buf_addc(&b, '\n');
		}
		n++;
	}
	eg_ledger_done(st);
	if (!rc && json)
		rc = eg_buf_adds(&b, "]}\n");
	if (!rc && !json && n == 0)
		fprintf(cli->err, "%s files: no file matches\n", cli->prog);
	x = !rc ? eg_cli_write(cli, b.data, b.len)
	    : e.code ? eg_cli_fail(cli, &e) : EG_EXIT_IO;
	eg_buf_free(&b);
	eg_cli_spool_close(&s);
	if (x)
		return x;
	return n ? EG_EXIT_OK : EG_EXIT_DOCUMENT;
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

/*
 * One section: run sql (bound to the file id), and for each row write
 * the columns as a JSON object (names) or a text line (fmt takes the
 * columns in order, all as strings).
 */
static eg_err
section(eg_ledger *l, eg_buf *b, int json, const char *title,
	const char *jname, const char *sql, const char *id,
	const char *const *names, int ncol, eg_error *e)
{
	eg_stmt *st;
	eg_err rc;
	int r, n = 0, c;

	rc = eg_ledger_query(l, &st, e, sql, "t", id);
	if (rc)
		return rc;
	rc = json ? eg_buf_addf(b, ",\"%s\":[", jname)
		  : eg_buf_addf(b, "\n%s:\n", title);
	while (!rc && (r = eg_ledger_step(l, st, e)) == 1) {
		if (json) {
			rc = eg_buf_adds(b, n ? ",{" : "{");
			for (c = 0; !rc && c < ncol; c++) {
				rc = eg_buf_addf(b, "%s\"%s\":", c ? "," : "",
						 names[c]);
				if (!rc)
					rc = eg_cli_json_str(b,
							     eg_col_text(st, c));
			}
			if (!rc)
				rc = eg_buf_addc(b, '}');
		} else {
			rc = eg_buf_adds(b, " ");
			for (c = 0; !rc && c < ncol; c++) {
				const char *v = eg_col_text(st, c);

				if (v[0])
					rc = eg_buf_addf(b, " %s=", names[c]);
				if (!rc && v[0])
					rc = add_text(b, v);
			}
			if (!rc)
				rc = eg_buf_addc(b, '\n');
		}
		n++;
	}
	eg_ledger_done(st);
	if (!rc && json)
		rc = eg_buf_addc(b, ']');
	if (!rc && !json && n == 0)
		rc = eg_buf_adds(b, "  (none)\n");
	return rc;
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

static int
show_run(eg_cli *cli, int argc, char **argv)
{
	const char *id = NULL, *spool = NULL;
	int json = 0, i, x, r;
	eg_cli_spool s;
	eg_buf b;
	eg_error e;
	eg_err rc;
	eg_stmt *st;
	static const char *const fcols[] = {
	    "id", "partner", "state", "name", "size", "sha256", "source",
	    "remotePath", "received", "finished", "summary", "duplicateOf",
	    "reprocessOf", "bundle", "archive", "cleanup", "resendOf"};
	static const char *const ev[] = {"at", "state", "note"};
	static const char *const ich[] = {"isa13", "sender", "receiver",
					  "status", "duplicateOf"};
	static const char *const txn[] = {"isa13", "gs06", "st01", "st02",
					  "status", "businessKey",
					  "duplicateOf", "records"};
	static const char *const fnd[] = {"severity", "level", "rule", "code",
					  "offset", "segment", "segmentId",
					  "element", "st02", "message",
					  "segmentText"};
	static const char *const out[] = {"kind", "path", "control", "state"};
	static const char *const dup[] = {"file", "what", "state"};
	static const char *const aud[] = {"at", "actor", "action", "reason",
					  "detail"};

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
	eg_error_clear(&e);
	eg_buf_init(&b, OUT_MAX);
	rc = eg_ledger_query(
	    s.ledger, &st, &e,
	    "SELECT id, partner, state, name, size, sha256, source, "
	    "COALESCE(remote_path,''), datetime(received_at,'unixepoch'), "
	    "COALESCE(datetime(finished_at,'unixepoch'),''), "
	    "COALESCE(summary,''), COALESCE(duplicate_of,''), "
	    "COALESCE(reprocess_of,''), COALESCE(parent_id,''), "
	    "COALESCE(archive_path,''), post_action, COALESCE(resend_of,'') "
	    "FROM files WHERE id=?1",
	    "t", id);
	if (rc) {
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		return eg_cli_fail(cli, &e);
	}
	r = eg_ledger_step(s.ledger, st, &e);
	if (r == 1) {
		int c;

		rc = json ? eg_buf_adds(&b, "{\"file\":{")
			  : eg_buf_addf(&b, "file %s\n", id);
		for (c = 1; !rc && c < 17; c++) {
			if (json) {
				rc = eg_buf_addf(&b, "%s\"%s\":",
						 c > 1 ? "," : "", fcols[c]);
				if (!rc)
					rc = eg_cli_json_str(&b,
							     eg_col_text(st, c));
			} else if (eg_col_text(st, c)[0]) {
				rc = eg_buf_addf(&b, "  %-12s ", fcols[c]);
				if (!rc)
					rc = add_text(&b, eg_col_text(st, c));
				if (!rc)
					rc = eg_buf_addc(&b, '\n');
			}
		}
		if (!rc && json)
			rc = eg_buf_addc(&b, '}');
	}
	eg_ledger_done(st);
	if (r != 1) {
		eg_buf_free(&b);
		eg_cli_spool_close(&s);
		if (r < 0)
			return eg_cli_fail(cli, &e);
		fprintf(cli->err, "%s show: no file %s in the ledger (see "
				  "`edigate files`)\n",
			cli->prog, id);
		return EG_EXIT_DOCUMENT;
	}
	if (!rc)
		rc = section(s.ledger, &b, json, "history", "history",
			     "SELECT datetime(at,'unixepoch'), state, "
			     "COALESCE(note,'') FROM file_events WHERE "
			     "file_id=?1 ORDER BY id",
			     id, ev, 3, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "interchanges", "interchanges",
			     "SELECT isa13, sender, receiver, status, "
			     "COALESCE(duplicate_of,'') FROM interchanges "
			     "WHERE file_id=?1 ORDER BY id",
			     id, ich, 5, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "transaction sets",
			     "transactions",
			     "SELECT isa13, gs06, st01, st02, status, "
			     "COALESCE(business_key,''), "
			     "COALESCE(duplicate_of,''), records FROM "
			     "transactions WHERE file_id=?1 ORDER BY id",
			     id, txn, 8, &e);
	if (!rc)
		rc = show_acks(s.ledger, &b, json, id, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "findings", "findings",
			     "SELECT severity, level, COALESCE(rule,''), "
			     "COALESCE(code,''), offset, segment, seg_id, "
			     "element, st02, message, segment_text FROM "
			     "findings WHERE file_id=?1 ORDER BY id",
			     id, fnd, 11, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "outputs", "outputs",
			     "SELECT kind, path, COALESCE(control,''), state "
			     "FROM outputs WHERE file_id=?1 ORDER BY id",
			     id, out, 4, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "related files", "related",
			     "SELECT id, 'duplicate of this file', state FROM "
			     "files WHERE duplicate_of=?1 UNION ALL SELECT "
			     "DISTINCT file_id, 'has sets that repeat this "
			     "file''s', 'transactions' FROM transactions WHERE "
			     "duplicate_of=?1 UNION ALL SELECT id, 'reprocess "
			     "of this file', state FROM files WHERE "
			     "reprocess_of=?1 UNION ALL SELECT id, 'entry of "
			     "this bundle', state FROM files WHERE "
			     "parent_id=?1 UNION ALL SELECT id, 'corrected "
			     "resend of this file', state FROM files WHERE "
			     "resend_of=?1 UNION ALL SELECT r.id, 'rejected "
			     "file this one corrects', r.state FROM files f "
			     "JOIN files r ON r.id=f.resend_of WHERE f.id=?1",
			     id, dup, 3, &e);
	if (!rc)
		rc = section(s.ledger, &b, json, "audit", "audit",
			     "SELECT datetime(at,'unixepoch'), actor, action, "
			     "COALESCE(reason,''), COALESCE(detail,'') FROM "
			     "audit WHERE file_id=?1 ORDER BY id",
			     id, aud, 5, &e);
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
