/*
 * layoutdoc.c - the pipeline's way for CSV and XML partner documents
 * (profile <layout-document>, docs/csv.md "Documents through run"): a
 * 3PL's stock report or ship confirm, an order file.
 *
 * The file's record syntax (syntax.h: eg_record_syntax, from the layout)
 * reads it record by record; the layout maps each to a canonical record
 * with its correlation chain.  Such documents carry no control numbers,
 * so their duplicate key is their content: a record whose values were
 * delivered before (another file, same document) is a duplicate and not
 * passed on again; a record whose business key was delivered before with
 * other values is handled as the profile's <duplicates business-key=>
 * says (duplicate, change, reject).  Both keys live in the ledger's
 * business keys, which a rejected file takes back.
 *
 * Fail closed: a file in another syntax than its layout's, one its
 * reader cannot open (a column missing from the header, an XML file
 * refused before its first record), an XML file that stops being
 * readable part way, or a file without a single record is rejected whole;
 * a bad record is listed with its line, byte offset, column or element
 * path, raw value and reason (findings, bad-rows.csv in the quarantine)
 * and either rejects the file (<partial-files policy="reject-file">) or
 * is left out while the good ones go on (partial).  No acknowledgement is
 * sent: CSV and XML have none.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "edigate/layout.h"
#include "edigate/syntax.h"
#include "fctx.h"

#define WORDS 600

typedef struct dctx {
	fctx *fc;
	const eg_profile_ld *ld;
	eg_layout *lay;
	const eg_record_syntax *rs;
	FILE *rej;         /* work/<id>.bad-rows.csv */
	char keyname[160]; /* the layout's key paths, joined by ',' */
	uint64_t rows, good, bad, dups, changes, bad_lines, last_bad_line;
	int whole;         /* the file is rejected whole (unreadable, ...) */
	char head[WORDS], outcome[WORDS], next[WORDS];
} dctx;

const eg_profile_ld *
eg_fc_layout_doc(fctx *fc)
{
	if (!fc->p->nld)
		return NULL;
	return eg_profile_ld_for(fc->p, fc->name, eg_fc_syntax(fc) != NULL);
}

/* A bad record's problem: a finding (where, why, raw value) and a line
 * of bad-rows.csv. */
static void
bad_record(dctx *dc, const eg_csv_where *w, const char *why)
{
	if (w->line != dc->last_bad_line || dc->bad_lines == 0) {
		dc->bad_lines++;
		dc->last_bad_line = w->line;
	}
	eg_fc_bad_value(dc->fc, dc->rej, "bad-record", w, why);
}

static void
on_bad(void *ud, const eg_csv_where *w, const char *why)
{
	bad_record(ud, w, why);
}

/* The business key for the ledger: the escaped parts joined by '|'. */
static void
key_value(const eg_buf *k, char *dst, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < k->len && n + 1 < cap; i++)
		dst[n++] = k->data[i] == 0x1F ? '|' : k->data[i];
	dst[n] = '\0';
}

/*
 * A good record against what was delivered before: *pass 1 when it goes
 * on.  Its content digest and business key are remembered when it does.
 */
static eg_err
dedupe(dctx *dc, const eg_layout_row *row, int *pass, eg_error *e)
{
	fctx *fc = dc->fc;
	const char *doc = dc->ld->name;
	char digest[EG_SHA256_HEX], key[512], file[32], origin[32];
	int found = 0, kfound = 0;
	int64_t txn = 0;
	eg_err rc;

	*pass = 1;
	if ((rc = eg_sha256_mem(row->flat.data ? row->flat.data : "",
				row->flat.len, digest, e)) ||
	    (rc = eg_ledger_pl_key_find(fc->l, fc->p->id, doc, "content",
					digest, &found, file, origin, &txn, e)))
		return rc;
	if (found) {
		/* the same values again: not passed on a second time
		 * (a forced reprocess of the file that brought them
		 * sends them again) */
		if (!strcmp(file, fc->id))
			eg_fc_note(fc, EG_LVL_FILE, NULL, "duplicate-record",
				   "a record with the same values as an "
				   "earlier one of this file: passed on once");
		else if (fc->forced && !strcmp(origin, fc->origin))
			return EG_OK;
		dc->dups++;
		*pass = 0;
		return EG_OK;
	}
	key[0] = '\0';
	if (row->key.len) {
		key_value(&row->key, key, sizeof(key));
		if ((rc = eg_ledger_pl_key_find(fc->l, fc->p->id, doc,
						dc->keyname, key, &kfound,
						file, origin, &txn, e)))
			return rc;
	}
	if (kfound && !strcmp(file, fc->id)) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "duplicate-key",
			      "the business key %s '%s' is on an earlier "
			      "record of this file with other values: which "
			      "one is right cannot be told",
			      dc->keyname, key);
		dc->bad++;
		*pass = 0;
		return EG_OK;
	}
	if (kfound && strcmp(origin, fc->origin)) {
		const char *pol = fc->p->dup_business;

		if (!strcmp(pol, "reject")) {
			eg_fc_finding(fc, EG_LVL_FILE, NULL,
				      "duplicate-business-key",
				      "%s %s '%s' was first received in file "
				      "%s, with other values: the profile "
				      "rejects a repeat",
				      doc, dc->keyname, key, file);
			dc->bad++;
			*pass = 0;
			return EG_OK;
		}
		if (strcmp(pol, "change")) {
			dc->dups++;
			*pass = 0;
			eg_fc_note(fc, EG_LVL_FILE, NULL, "duplicate-business-key",
				   "%s %s '%s' was first received in file %s: "
				   "a duplicate by the profile (business-key="
				   "\"duplicate\"), not passed on",
				   doc, dc->keyname, key, file);
			return EG_OK;
		}
		dc->changes++;
	}
	if ((rc = eg_ledger_pl_key_add(fc->l, fc->p->id, doc, "content",
				       digest, fc->id, 0, fc->pl->o.now, e)))
		return rc;
	if (key[0] && !kfound)
		rc = eg_ledger_pl_key_add(fc->l, fc->p->id, doc, dc->keyname,
					  key, fc->id, 0, fc->pl->o.now, e);
	return rc;
}

/* Every record of the file through the layout. */
static eg_err
feed(dctx *dc, eg_error *e)
{
	fctx *fc = dc->fc;
	void *r = NULL;
	eg_layout_row row;
	eg_layout_src src;
	int got, pass;
	eg_err rc;

	memset(&src, 0, sizeof(src));
	src.partner = fc->p->id;
	src.file_id = fc->id;
	src.file_name = fc->name;
	src.sha256 = fc->sha;
	eg_layout_row_init(&row);
	rc = dc->rs->open(&r, dc->lay, fc->path, e);
	if (rc && rc != EG_EIO && rc != EG_ENOMEM) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "unreadable",
			      "the file cannot be read with layout %s: %s",
			      eg_layout_name(dc->lay), e->msg);
		dc->whole = 1;
		rc = EG_OK;
		goto out;
	}
	while (!rc) {
		rc = dc->rs->next(r, dc->lay, &src, &row, on_bad, dc, &got, e);
		if (rc == EG_EIO || rc == EG_ENOMEM || rc == EG_EINTERNAL)
			break;
		if (rc) {
			/* a record the reader cannot read */
			const char *m = eg_csv_reason(e->msg);

			dc->rows++;
			dc->bad++;
			bad_record(dc, dc->rs->where(r), m);
			eg_error_clear(e);
			rc = EG_OK;
			if (!dc->rs->resumes) {
				/* a half-read XML document is not one */
				dc->whole = 1;
				break;
			}
			continue;
		}
		if (!got)
			break;
		dc->rows++;
		if (!row.rec) {
			dc->bad++;
			continue;
		}
		if ((rc = dedupe(dc, &row, &pass, e)) || !pass)
			continue;
		if ((rc = eg_record_write_json(&fc->recbuf, row.rec))) {
			rc = eg_fail(e, rc, "cannot write the record: %s",
				     eg_err_str(rc));
			break;
		}
		dc->good++;
		if (fc->recbuf.len >= REC_FLUSH)
			rc = eg_fc_rec_flush(fc, e);
	}
out:
	if (r)
		dc->rs->close(r);
	eg_layout_row_free(&row);
	return rc;
}

/* Load the layout and check the file is in its syntax: 0 when the file
 * can be read, else a finding says why not. */
static int
ready(dctx *dc)
{
	fctx *fc = dc->fc;
	unsigned char head[EG_FORMAT_SNIFF];
	ssize_t n;
	const char *k;
	size_t i, len = 0;
	eg_error le;

	eg_error_clear(&le);
	if (eg_fc_over_size(fc))
		return -1;
	if (eg_layout_load(&dc->lay, dc->ld->layout, fc->p->layout_xsd, NULL,
			   NULL, &le)) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "layout",
			      "the layout of document %s does not load "
			      "(edigate partner check %s): %s",
			      dc->ld->name, fc->p->id, le.msg);
		return -1;
	}
	for (i = 0; (k = eg_layout_key_path(dc->lay, i)); i++)
		len += (size_t)snprintf(dc->keyname + len,
					len < sizeof(dc->keyname)
					    ? sizeof(dc->keyname) - len
					    : 0,
					"%s%s", i ? "," : "", k);
	if (!(dc->rs = eg_record_syntax_of(dc->lay))) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "layout",
			      "no reader takes layout %s",
			      eg_layout_name(dc->lay));
		return -1;
	}
	n = pread(fc->seg_fd, head, sizeof(head), 0);
	if (n <= 0) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "empty",
			      "the file is empty: no %s document in it",
			      dc->ld->name);
		return -1;
	}
	if (!dc->rs->starts(head, (size_t)n)) {
		const char *enc = eg_format_encoding_problem(head, (size_t)n);
		const eg_format *f = eg_format_detect(head, (size_t)n);

		if (enc)
			eg_fc_finding(fc, EG_LVL_FILE, NULL, "encoding", "%s",
				      enc);
		else
			eg_fc_finding(fc, EG_LVL_FILE, NULL, "wrong-syntax",
				      "the file is %s by its first bytes, but "
				      "document %s is read as %s (layout %s): "
				      "not read",
				      f ? f->title : "no known syntax",
				      dc->ld->name, dc->rs->name,
				      eg_layout_name(dc->lay));
		return -1;
	}
	return 0;
}

/* Decide, counting into fc for the report and `run`'s summary. */
static const char *
decide(dctx *dc)
{
	fctx *fc = dc->fc;

	fc->accepted = dc->good;
	fc->rejected = dc->bad;
	fc->duplicates = dc->dups;
	fc->changed = dc->changes;
	fc->records = dc->good;
	if (!dc->whole && dc->rows == 0) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "empty",
			      "the file holds no %s record", dc->ld->name);
		dc->whole = 1;
	}
	if (!dc->whole && dc->bad && dc->good &&
	    !strcmp(fc->p->partial, "reject-file")) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "partial-file-rejected",
			      "%llu record(s) were good, but the profile "
			      "rejects a file when any record fails "
			      "(partial-files reject-file)",
			      (unsigned long long)dc->good);
		dc->whole = 1;
	}
	if (dc->whole || (dc->bad && !dc->good)) {
		fc->file_rejected = dc->whole;
		fc->rejected += fc->accepted;
		fc->accepted = 0;
		fc->records = 0;
		return "rejected";
	}
	if (dc->bad)
		return "partial";
	return dc->good ? "accepted" : "duplicate";
}

/* The reject report's words, for a warehouse lead. */
static void
words(dctx *dc, const char *final_state)
{
	fctx *fc = dc->fc;
	const char *doc = dc->ld->name, *p = fc->p->id;

	snprintf(dc->outcome, WORDS,
		 "%llu record(s): %llu passed on (%llu of them as changes), "
		 "%llu bad, %llu duplicate",
		 (unsigned long long)dc->rows, (unsigned long long)dc->good,
		 (unsigned long long)dc->changes, (unsigned long long)dc->bad,
		 (unsigned long long)dc->dups);
	if (!strcmp(final_state, "rejected")) {
		snprintf(dc->head, WORDS,
			 "This %s file from %s was rejected: nothing of it "
			 "was passed on.  Every problem is listed below with "
			 "its line, byte offset and column or element%s.",
			 doc, p,
			 dc->bad_lines ? " (and in bad-rows.csv beside this "
					 "report)"
				       : "");
		snprintf(dc->next, WORDS,
			 "Who acts: partner %s corrects the file and sends it "
			 "again; if the fault is ours (the layout, a code "
			 "list), fix it (edigate partner check %s) and run "
			 "`edigate quarantine release %s --reason TEXT`.",
			 p, p, fc->id);
	} else {
		snprintf(dc->head, WORDS,
			 "%llu bad record(s) of this %s file from %s were "
			 "left out (listed below and in bad-rows.csv beside "
			 "this report); the %llu good one(s) were passed on.",
			 (unsigned long long)dc->bad, doc, p,
			 (unsigned long long)dc->good);
		snprintf(dc->next, WORDS,
			 "Who acts: partner %s sends the bad records again, "
			 "corrected (the good ones are duplicates then and "
			 "are not passed on twice).",
			 p);
	}
	fc->report_head = dc->head;
	fc->report_outcome = dc->outcome;
	fc->report_next = dc->next;
}

/* bad-rows.csv into the quarantine beside the report. */
static eg_err
stage_bad_rows(dctx *dc, const char *rel, const char *abs, eg_error *e)
{
	fctx *fc = dc->fc;
	char dst[PATH_MAX];
	eg_err rc;

	if (!dc->bad_lines) {
		(void)unlink(abs);
		return EG_OK;
	}
	if ((rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/bad-rows.csv",
			  fc->p->id, fc->id)))
		return rc;
	return eg_fc_add_output(fc, "quarantine", rel, dst, "bad-rows.csv",
				NULL, 0, e);
}

eg_err
eg_fc_process_layout_doc(eg_pipeline *pl, fctx *fc, const eg_profile_ld *ld,
			 eg_error *e)
{
	const char *final_state = "rejected";
	char summary[300], rel[PATH_MAX], abs[PATH_MAX];
	dctx dc;
	eg_err rc;
	int bad_close = 0;

	memset(&dc, 0, sizeof(dc));
	dc.fc = fc;
	dc.ld = ld;
	abs[0] = '\0';
	if ((rc = eg_ledger_pl_same_bytes(fc->l, fc->p->id, fc->sha, fc->origin,
					  fc->id, fc->dup_of, e)) ||
	    (rc = eg_ledger_past_dedupe(fc->l, fc->id, &fc->dd_past, e)))
		goto out;
	fc->dup_file = fc->dup_of[0] != '\0';
	if (fc->dup_file) {
		final_state = "duplicate";
		eg_pl_note(pl, "%s: the same bytes as %s: a duplicate", fc->id,
			   fc->dup_of);
	} else if (ready(&dc) == 0) {
		if ((rc = eg_path(rel, sizeof(rel), e, "%s.bad-rows.csv",
				  fc->workrel)) ||
		    (rc = eg_pl_spool_path(pl, abs, sizeof(abs), rel, e)))
			goto out;
		if (!(dc.rej = fopen(abs, "w"))) {
			rc = eg_fail(e, EG_EIO, "cannot write %s: %s", abs,
				     strerror(errno));
			goto out;
		}
		eg_fc_bad_row_csv(dc.rej, NULL, NULL);
		if ((rc = feed(&dc, e)))
			goto out;
		bad_close = fflush(dc.rej) != 0 || ferror(dc.rej);
		bad_close |= fclose(dc.rej) != 0;
		dc.rej = NULL;
		if (bad_close) {
			rc = eg_fail(e, EG_EIO, "cannot write %s", abs);
			goto out;
		}
		final_state = decide(&dc);
	} else {
		dc.whole = 1;
		final_state = decide(&dc);
	}
	if (!strcmp(final_state, "rejected") &&
	    ((rc = eg_fc_rec_truncate(fc, 0, e)) ||
	     (rc = eg_ledger_pl_file_reject_all(fc->l, fc->id, e))))
		goto out;
	if (!fc->dup_file)
		words(&dc, final_state);
	if (abs[0] && (rc = stage_bad_rows(&dc, rel, abs, e)))
		goto out;
	if ((rc = eg_fc_stage_outputs(fc, final_state, e)))
		goto out;
	snprintf(summary, sizeof(summary),
		 "%s document: %llu record(s): %llu passed on%s, %llu bad, "
		 "%llu duplicate%s",
		 ld->name, (unsigned long long)dc.rows,
		 (unsigned long long)fc->records,
		 dc.changes && fc->records ? " (some as changes)" : "",
		 (unsigned long long)dc.bad, (unsigned long long)dc.dups,
		 dc.whole && dc.rows ? " (rejected whole)" : "");
	rc = eg_ledger_pl_file_decided(fc->l, fc->id, final_state, summary,
				       fc->dup_file ? fc->dup_of : NULL, e);
	if (!rc)
		rc = eg_ledger_set_state(fc->l, fc->id, "processed", summary, e);
	if (!rc)
		eg_pl_note(pl, "%s (%s): %s: %s", fc->id, fc->name, final_state,
			   summary);
out:
	if (dc.rej)
		fclose(dc.rej);
	eg_layout_free(dc.lay);
	return rc;
}
