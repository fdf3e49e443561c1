/*
 * batch.c - the pipeline's way for nightly master-data files (profile
 * <master-data>, docs/csv.md): read and validate the whole file through
 * its layout, compare it by business key with the baseline of the last
 * accepted batch (the external-sort delta, constant memory), and pass on
 * only the changes.
 *
 * Fail closed: a bad row rejects the file, or (on-bad-row="quarantine")
 * is listed in bad-rows.csv while the file stays under its limit; a
 * duplicate key, a row count that drops too far or too many deletes hold
 * the file in the quarantine for a person to release.  Only an accepted
 * batch stages its changes and the baseline it leaves; the ledger names
 * the new baseline in the commit that decides the file, and publish.c
 * renames it into spool/baseline/<partner>/<document>/<file-id>.rows.  A
 * refused file, or a crash before that commit, leaves last night's
 * baseline as it was.  Every batch's baseline is kept by file id, so a
 * reprocess of an older batch is compared with the baseline it had.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/delta.h"
#include "edigate/fsutil.h"
#include "edigate/layout.h"
#include "edigate/ledger_batch.h"
#include "edigate/ledger_dedupe.h"
#include "edigate/syntax.h"
#include "fctx.h"

#define WORDS 600

typedef struct bctx {
	fctx *fc;
	const eg_profile_md *md;
	eg_layout *lay;
	eg_delta_side *old_side, *new_side;
	FILE *rej;      /* work/<id>.bad-rows.csv */
	FILE *chg;      /* work/<id>.records.jsonl */
	uint64_t rows, bad, bad_lines, written;
	uint64_t last_bad_line;
	eg_buf line;
	char extra[200];
	eg_ledger_batch b;
	eg_delta_verdict v;
	char tmp[PATH_MAX]; /* work/<id>.delta: the sort's runs */
	int unreadable;
	int no_base;    /* its baseline was removed (keep-baselines) */
	char head[WORDS], outcome[WORDS], next[WORDS]; /* reject report */
	eg_err rc;      /* first write error in a callback */
} bctx;

/* Which master-data document takes the file: by its name, or (no
 * pattern=) when no EDI syntax reads its first bytes. */
const eg_profile_md *
eg_fc_batch_doc(fctx *fc)
{
	if (!fc->p->nmd)
		return NULL;
	return eg_profile_md_for(fc->p, fc->name, eg_fc_syntax(fc) != NULL);
}

/* A bad row's problem: in the bad-rows list (every one) and the ledger's
 * findings (up to max-findings; the report says how many more). */
static void
bad_row(bctx *bc, const eg_csv_where *w, const char *why)
{
	if (w->line != bc->last_bad_line) {
		bc->bad_lines++;
		bc->last_bad_line = w->line;
	}
	eg_fc_bad_value(bc->fc, bc->rej, "bad-row", w, why);
}

static void
on_bad(void *ud, const eg_csv_where *w, const char *why)
{
	bad_row(ud, w, why);
}

static const char *
slot_name(const void *ud, size_t i)
{
	return eg_layout_slot_name(ud, i);
}

/* Every change of the delta: written (added, changed, deleted), or a
 * finding (a duplicate key). */
static int
on_change(void *ud, const eg_delta_change *c)
{
	bctx *bc = ud;

	if (c->kind == EG_DELTA_DUPLICATE) {
		eg_fc_finding(bc->fc, EG_LVL_FILE, NULL, "duplicate-key",
			      "line %llu: the business key '%.*s' is on line "
			      "%llu as well%s",
			      (unsigned long long)(c->is_old ? c->line_old
							     : c->line_new),
			      (int)(c->klen < 120 ? c->klen : 120), c->key,
			      (unsigned long long)c->line_old,
			      c->is_old ? " (in the baseline)" : "");
		return 0;
	}
	if (c->kind == EG_DELTA_REJECTED)
		return 0;
	eg_buf_reset(&bc->line);
	if (eg_delta_change_json(&bc->line, c, bc->extra, slot_name, bc->lay) ||
	    fwrite(bc->line.data, 1, bc->line.len, bc->chg) != bc->line.len) {
		bc->rc = EG_EIO;
		return -1;
	}
	bc->written++;
	return 0;
}

/* Read the file through the layout (its record syntax, syntax.h) into
 * the new side.  A file that cannot be opened, or whose header lacks a
 * column, is one finding; so is an XML file that stops being readable
 * (the reader cannot go on past it: the whole file is rejected). */
static eg_err
feed(bctx *bc, int *unreadable, eg_error *e)
{
	fctx *fc = bc->fc;
	const eg_record_syntax *rs = eg_record_syntax_of(bc->lay);
	void *r = NULL;
	eg_layout_row row;
	eg_layout_src src;
	eg_buf json;
	int got;
	eg_err rc;

	*unreadable = 0;
	memset(&src, 0, sizeof(src));
	src.partner = fc->p->id;
	src.file_id = fc->id;
	src.file_name = fc->name;
	src.sha256 = fc->sha;
	eg_layout_row_init(&row);
	eg_buf_init(&json, 16u << 20);
	rc = rs ? rs->open(&r, bc->lay, fc->path, e)
		: eg_fail(e, EG_ECONFIG, "no reader takes the layout");
	if (rc && rc != EG_EIO && rc != EG_ENOMEM) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "unreadable",
			      "the file cannot be read with layout %s: %s",
			      eg_layout_name(bc->lay), e->msg);
		*unreadable = 1;
		rc = EG_OK;
		goto out;
	}
	while (!rc) {
		uint64_t off, first;

		rc = rs->next(r, bc->lay, &src, &row, on_bad, bc, &got, e);
		if (rc == EG_EIO || rc == EG_ENOMEM || rc == EG_EINTERNAL)
			break;
		if (rc) {
			/* a record the reader cannot read: bad, no key */
			const eg_csv_where *w = rs->where(r);
			const char *m = eg_csv_reason(e->msg);

			bc->rows++;
			bc->bad++;
			bad_row(bc, w, m);
			eg_error_clear(e);
			rc = EG_OK;
			if (!rs->resumes) {
				*unreadable = 1;
				break;
			}
			continue;
		}
		if (!got)
			break;
		bc->rows++;
		eg_buf_reset(&json);
		if (row.rec && eg_record_write_json(&json, row.rec)) {
			rc = eg_fail(e, EG_ELIMIT, "a record too large");
			break;
		}
		if (!row.rec)
			bc->bad++;
		if (!row.rec && row.key.len == 0)
			continue; /* no key: counted bad, listed */
		rs->pos(r, &off, &first);
		rc = eg_delta_side_add(bc->new_side,
				       row.key.data ? row.key.data : "",
				       row.key.len,
				       row.flat.data ? row.flat.data : "",
				       row.flat.len, row.rec ? json.data : "",
				       row.rec ? json.len : 0, first, !row.rec,
				       e);
	}
out:
	if (r)
		rs->close(r);
	eg_layout_row_free(&row);
	eg_buf_free(&json);
	return rc;
}

/* spool/rel into dst, and rel into relbuf. */
static eg_err
work_file(fctx *fc, const char *what, char *rel, size_t rcap, char *abs,
	  size_t acap, eg_error *e)
{
	eg_err rc = eg_path(rel, rcap, e, "%s.%s", fc->workrel, what);

	return rc ? rc : eg_pl_spool_path(fc->pl, abs, acap, rel, e);
}

/* The baseline a batch is compared with: the file id of the batch that
 * left it ("" for none) and its sorted rows (published, or still staged
 * when that batch was decided in this same ledger batch). */
static eg_err
find_base(bctx *bc, char path[PATH_MAX], eg_error *e)
{
	fctx *fc = bc->fc;
	char of[32];
	eg_ledger_batch ob;
	int found = 0;
	eg_err rc;

	path[0] = '\0';
	if ((rc = eg_ledger_batch_reprocess_of(fc->l, fc->id, of, e)))
		return rc;
	if (of[0] && (rc = eg_ledger_batch_get(fc->l, of, &ob, &found, e)))
		return rc;
	if (found) /* a reprocess or release: the baseline it had */
		snprintf(bc->b.base_id, sizeof(bc->b.base_id), "%s",
			 ob.base_id);
	else if ((rc = eg_ledger_batch_current(fc->l, fc->p->id, bc->md->name,
					       bc->b.base_id, e)))
		return rc;
	if (!bc->b.base_id[0])
		return EG_OK;
	if ((rc = eg_ledger_batch_get(fc->l, bc->b.base_id, &ob, &found, e)))
		return rc;
	if (found && !ob.baseline[0])
		/* removed by keep-baselines: no delta against it */
		return eg_fail(e, EG_ENOTFOUND,
			       "the baseline of batch %s, which this file is "
			       "to be compared with, was removed (the profile "
			       "keeps the newest %u: keep-baselines); "
			       "reprocess a newer batch, or send a full file",
			       bc->b.base_id, bc->md->keep);
	if (!found)
		return eg_fail(e, EG_ECONFIG,
			       "the baseline of batch %s is not in the ledger",
			       bc->b.base_id);
	if ((rc = eg_pl_spool_path(fc->pl, path, PATH_MAX, ob.baseline, e)))
		return rc;
	if (access(path, R_OK) == 0)
		return EG_OK;
	if ((rc = eg_path(path, PATH_MAX, e, "%s/work/%s.baseline",
			  fc->pl->o.spool, bc->b.base_id)))
		return rc;
	if (access(path, R_OK) == 0)
		return EG_OK;
	/* the ledger names a baseline the disk lost: no delta can be
	 * trusted; the file stays received (fail closed) */
	return eg_fail(e, EG_EIO,
		       "the baseline of batch %s (%s) is missing from the "
		       "spool: restore it from a backup, or reprocess batch "
		       "%s",
		       bc->b.base_id, ob.baseline, bc->b.base_id);
}

/* The limits: the layout's <batch>, the profile's attributes over them;
 * a person's release lifts the drop and delete limits. */
static void
limits(const bctx *bc, eg_delta_limits *lim)
{
	const eg_layout_batch *lb = eg_layout_batch_of(bc->lay);
	const eg_profile_md *md = bc->md;

	lim->max_drop_percent =
	    md->drop_given ? md->max_drop_percent : lb->max_drop_percent;
	lim->max_deletes = md->deletes_given ? md->max_deletes : lb->max_deletes;
	lim->quarantine_bad_rows = md->on_bad_row[0]
				       ? !strcmp(md->on_bad_row, "quarantine")
				       : lb->quarantine_bad_rows;
	lim->max_bad_percent =
	    md->bad_given ? md->max_bad_percent : lb->max_bad_percent;
	if (bc->fc->dd_past) {
		lim->max_drop_percent = 0;
		lim->max_deletes = -1;
	}
}

static int
close_file(FILE **f)
{
	int bad = 0;

	if (*f) {
		bad = fflush(*f) != 0 || ferror(*f);
		bad |= fclose(*f) != 0;
	}
	*f = NULL;
	return bad;
}

/* Compare, decide, stage. */
static eg_err
run_batch(bctx *bc, const char **final_state, eg_error *e)
{
	fctx *fc = bc->fc;
	char base[PATH_MAX], chg[PATH_MAX], keep[PATH_MAX],
	    rej[PATH_MAX], dst[PATH_MAX], crel[PATH_MAX], krel[PATH_MAX],
	    jrel[PATH_MAX], cur[32];
	eg_delta_counts c;
	eg_delta_limits lim;
	eg_delta_verdict v;
	eg_delta_keep *kf = NULL;
	int unreadable = 0, move;
	eg_err rc;

	memset(&c, 0, sizeof(c));
	/* the sort's runs go beside the spool (not a /tmp that may live in
	 * memory), in work/<id>.delta, which the sweep removes after a
	 * crash */
	if ((rc = find_base(bc, base, e)) == EG_ENOTFOUND) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "baseline-removed", "%s",
			      e->msg);
		eg_error_clear(e);
		bc->no_base = 1;
		bc->v = EG_DELTA_REJECT;
		*final_state = "rejected";
		snprintf(bc->b.why, sizeof(bc->b.why),
			 "the baseline to compare with was removed "
			 "(keep-baselines)");
		snprintf(bc->b.verdict, sizeof(bc->b.verdict), "reject");
		snprintf(bc->b.file_id, sizeof(bc->b.file_id), "%s", fc->id);
		snprintf(bc->b.partner, sizeof(bc->b.partner), "%s", fc->p->id);
		snprintf(bc->b.document, sizeof(bc->b.document), "%s",
			 bc->md->name);
		bc->b.at = (int64_t)fc->pl->o.now;
		return eg_ledger_batch_put(fc->l, &bc->b, 0, e);
	}
	if (rc || (rc = work_file(fc, "delta", krel, sizeof(krel), bc->tmp,
				  sizeof(bc->tmp), e)))
		return rc;
	if (mkdir(bc->tmp, 0700) != 0 && errno != EEXIST)
		return eg_fail(e, EG_EIO, "cannot make %s: %s", bc->tmp,
			       strerror(errno));
	if ((rc = eg_delta_side_new(&bc->old_side, bc->tmp, 0, e)) ||
	    (rc = eg_delta_side_new(&bc->new_side, bc->tmp, 0, e)))
		return rc;
	if (base[0] && (rc = eg_delta_side_add_sorted(bc->old_side, base, e)))
		return rc;
	if ((rc = work_file(fc, "bad-rows.csv", jrel, sizeof(jrel), rej,
			    sizeof(rej), e)) ||
	    (rc = work_file(fc, "records.jsonl", crel, sizeof(crel), chg,
			    sizeof(chg), e)) ||
	    (rc = work_file(fc, "baseline", krel, sizeof(krel), keep,
			    sizeof(keep), e)))
		return rc;
	if (!(bc->rej = fopen(rej, "w")) || !(bc->chg = fopen(chg, "w"))) {
		rc = eg_fail(e, EG_EIO, "cannot write in %s/work: %s",
			     fc->pl->o.spool, strerror(errno));
		goto out;
	}
	if ((rc = eg_delta_keep_open(&kf, keep, e)))
		goto out;
	eg_fc_bad_row_csv(bc->rej, NULL, NULL);
	if ((rc = feed(bc, &unreadable, e)))
		goto out;
	snprintf(bc->extra, sizeof(bc->extra),
		 "\"document\":\"%s\",\"fileId\":\"%s\",\"baseFileId\":\"%s\"",
		 bc->md->name, fc->id, bc->b.base_id);
	if (!unreadable &&
	    (rc = eg_delta_run_keep(bc->old_side, bc->new_side, on_change, bc,
				    &c, kf, e))) {
		if (bc->rc)
			rc = eg_fail(e, EG_EIO, "cannot write %s", chg);
		goto out;
	}
	c.rejected = bc->bad; /* every bad row, with or without a key */
	if (close_file(&bc->rej) || close_file(&bc->chg)) {
		rc = eg_fail(e, EG_EIO, "cannot write in %s/work",
			     fc->pl->o.spool);
		goto out;
	}
	rc = eg_delta_keep_close(kf, e);
	kf = NULL;
	if (rc)
		goto out;
	eg_pl_crash_point(fc->pl, "after-delta");
	limits(bc, &lim);
	bc->unreadable = unreadable;
	bc->v = v = unreadable ? EG_DELTA_REJECT
		       : eg_delta_verdict_of(&c, &lim, bc->b.why,
					     sizeof(bc->b.why));
	if (unreadable)
		snprintf(bc->b.why, sizeof(bc->b.why),
			 "the file cannot be read with its layout");
	if (v == EG_DELTA_ACCEPT && c.rejected)
		snprintf(bc->b.why, sizeof(bc->b.why),
			 "%llu bad row(s) quarantined, within the limit of "
			 "%g %%",
			 (unsigned long long)c.rejected, lim.max_bad_percent);
	snprintf(bc->b.verdict, sizeof(bc->b.verdict), "%s",
		 eg_delta_verdict_name(v));
	bc->b.rows = bc->rows;
	bc->b.rows_before = c.rows_old;
	bc->b.added = c.added;
	bc->b.changed = c.changed;
	bc->b.deleted = c.deleted;
	bc->b.unchanged = c.unchanged;
	bc->b.rejected = c.rejected;
	bc->b.duplicates = c.dup_new;
	if (v != EG_DELTA_ACCEPT) {
		/* nothing of it goes out, the baseline stays */
		(void)unlink(chg);
		(void)unlink(keep);
		eg_fc_finding(fc, EG_LVL_FILE, NULL,
			      v == EG_DELTA_HOLD ? "batch-held"
						 : "batch-rejected",
			      "%s: %s",
			      v == EG_DELTA_HOLD
				  ? "held for a person to check and release "
				    "(edigate quarantine release)"
				  : "rejected",
			      bc->b.why);
		*final_state = "rejected";
	} else {
		*final_state = c.rejected ? "partial" : "accepted";
		fc->records = bc->written;
		/* a shadow partner's changes stay in spool/shadow */
		if (bc->written &&
		    ((rc = eg_path(dst, sizeof(dst), e, "%s/%s/%s.jsonl",
				   eg_pl_out_root(fc->pl), fc->p->id,
				   fc->id)) ||
		     (rc = eg_fc_add_output(fc,
					    eg_pl_delivers(fc->pl)
						? "records"
						: "shadow-records",
					    crel, dst, NULL, NULL, 0, e))))
			goto out;
		if (!bc->written)
			(void)unlink(chg);
		if ((rc = eg_path(bc->b.baseline, sizeof(bc->b.baseline), e,
				  "baseline/%s/%s/%s.rows.gz", fc->p->id,
				  bc->md->name, fc->id)) ||
		    (rc = eg_fc_add_output(fc, "baseline", krel,
					   bc->b.baseline, NULL, NULL, 0, e)))
			goto out;
	}
	if (bc->bad && !strcmp(*final_state, "accepted"))
		*final_state = "partial";
	if (bc->bad_lines &&
	    ((rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/bad-rows.csv",
			   fc->p->id, fc->id)) ||
	     (rc = eg_fc_add_output(fc, "quarantine", jrel, dst,
				    "bad-rows.csv", NULL, 0, e))))
		goto out;
	if (!bc->bad_lines)
		(void)unlink(rej);
	/* the current baseline moves only when this batch was compared with
	 * it (a reprocess of an older batch publishes its delta again but
	 * leaves tonight's baseline) */
	if ((rc = eg_ledger_batch_current(fc->l, fc->p->id, bc->md->name, cur,
					  e)))
		goto out;
	move = v == EG_DELTA_ACCEPT && !strcmp(cur, bc->b.base_id);
	snprintf(bc->b.file_id, sizeof(bc->b.file_id), "%s", fc->id);
	snprintf(bc->b.partner, sizeof(bc->b.partner), "%s", fc->p->id);
	snprintf(bc->b.document, sizeof(bc->b.document), "%s", bc->md->name);
	bc->b.at = (int64_t)fc->pl->o.now;
	rc = eg_ledger_batch_put(fc->l, &bc->b, move, e);
	/* older baselines beyond keep-baselines are forgotten in this
	 * commit; the sweep removes their files after it */
	if (!rc && move)
		rc = eg_ledger_batch_prune(fc->l, fc->p->id, bc->md->name,
					   bc->md->keep, e);
	if (!rc && v == EG_DELTA_ACCEPT && !move)
		eg_fc_note(fc, EG_LVL_FILE, NULL, "baseline-kept",
			   "compared with the baseline of %s, which is not "
			   "the current one (%s): the changes are published, "
			   "the current baseline stays",
			   bc->b.base_id[0] ? bc->b.base_id : "(none)",
			   cur[0] ? cur : "(none)");
out:
	close_file(&bc->rej);
	close_file(&bc->chg);
	eg_delta_keep_abandon(kf);
	return rc;
}

/* The reject report's words, for a warehouse lead. */
static void
words(bctx *bc, const char *final_state)
{
	fctx *fc = bc->fc;
	const char *doc = bc->md->name, *p = fc->p->id;
	const eg_ledger_batch *b = &bc->b;

	snprintf(bc->outcome, WORDS,
		 "%llu row(s): %llu added, %llu changed, %llu deleted, %llu "
		 "unchanged, %llu bad (%s)",
		 (unsigned long long)b->rows, (unsigned long long)b->added,
		 (unsigned long long)b->changed, (unsigned long long)b->deleted,
		 (unsigned long long)b->unchanged,
		 (unsigned long long)b->rejected, b->why);
	if (bc->no_base) {
		snprintf(bc->head, WORDS,
			 "This %s file from %s was not compared: the baseline "
			 "it is to be compared with (batch %s) was removed, "
			 "as the profile keeps only the newest %u "
			 "(keep-baselines).  Nothing of it was passed on.",
			 doc, p, b->base_id, bc->md->keep);
		snprintf(bc->next, WORDS,
			 "Who acts: our EDI administrator reprocesses a newer "
			 "batch, or asks partner %s for a full file.",
			 p);
	} else if (!bc->lay || bc->unreadable) {
		snprintf(bc->head, WORDS,
			 "This %s file from %s could not be read with its "
			 "layout (a column missing or renamed, or a layout "
			 "that does not load), so nothing in it was passed "
			 "on and the last accepted batch stays the baseline.",
			 doc, p);
		snprintf(bc->next, WORDS,
			 "Who acts: if the file changed its columns, partner "
			 "%s sends it again as agreed; if the layout must "
			 "change, our EDI administrator fixes it (edigate "
			 "partner check %s), then `edigate quarantine release "
			 "%s --reason TEXT`.",
			 p, p, fc->id);
	} else if (bc->v == EG_DELTA_HOLD) {
		snprintf(bc->head, WORDS,
			 "This %s batch from %s was held, not applied: %s\n"
			 "Nothing of it was passed on and the last accepted "
			 "batch stays the baseline.",
			 doc, p, b->why);
		snprintf(bc->next, WORDS,
			 b->duplicates
			     ? "Who acts: partner %s sends the file again with "
			       "each key once (`edigate quarantine release %s "
			       "--file FIXED --reason TEXT` takes a corrected copy)."
			     : "Who acts: check with partner %s whether the "
			       "file is complete; if the changes are real, "
			       "`edigate quarantine release %s --reason TEXT` "
			       "applies them; if not, the partner sends a "
			       "complete file.",
			 p, fc->id);
	} else if (bc->v == EG_DELTA_REJECT) {
		snprintf(bc->head, WORDS,
			 "This %s batch from %s was rejected: %s\n(every bad "
			 "row is listed in bad-rows.csv beside this report).  "
			 "Nothing of it was passed on and the last accepted "
			 "batch stays the baseline.",
			 doc, p, b->why);
		snprintf(bc->next, WORDS,
			 "Who acts: partner %s corrects the rows and sends "
			 "the file again; if the fault is ours (a code list "
			 "in the layout), fix it and run `edigate quarantine "
			 "release %s --reason TEXT`.",
			 p, fc->id);
	} else {
		snprintf(bc->head, WORDS,
			 "%llu bad row(s) of this %s batch from %s were left "
			 "out (listed in bad-rows.csv beside this report); "
			 "the changes of the other rows were passed on.  The "
			 "items of the bad rows stay as they were.",
			 (unsigned long long)b->rejected, doc, p);
		snprintf(bc->next, WORDS,
			 "Who acts: partner %s corrects those rows; the next "
			 "full file brings them in (nothing to release).",
			 p);
	}
	(void)final_state;
	fc->report_head = bc->head;
	fc->report_outcome = bc->outcome;
	fc->report_next = bc->next;
}

eg_err
eg_fc_process_batch(eg_pipeline *pl, fctx *fc, const eg_profile_md *md,
		    eg_error *e)
{
	const char *final_state = "rejected";
	char summary[300];
	eg_error le;
	bctx bc;
	eg_err rc;

	memset(&bc, 0, sizeof(bc));
	bc.fc = fc;
	bc.md = md;
	eg_buf_init(&bc.line, 64u << 20);
	if ((rc = eg_ledger_pl_same_bytes(fc->l, fc->p->id, fc->sha, fc->origin,
					  fc->id, fc->dup_of, e)) ||
	    (rc = eg_ledger_past_dedupe(fc->l, fc->id, &fc->dd_past, e)))
		goto out;
	fc->dup_file = fc->dup_of[0] != '\0';
	eg_error_clear(&le);
	if (fc->dup_file) {
		final_state = "duplicate";
		eg_pl_note(pl, "%s: the same bytes as %s: a duplicate batch, "
			   "not compared again", fc->id, fc->dup_of);
	} else if (eg_layout_load(&bc.lay, md->layout, fc->p->layout_xsd, NULL,
				  NULL, &le)) {
		snprintf(bc.b.why, sizeof(bc.b.why), "the layout does not "
			 "load");
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "layout",
			      "the layout of master-data document %s does not "
			      "load (edigate partner check %s): %s",
			      md->name, fc->p->id, le.msg);
	} else if ((rc = run_batch(&bc, &final_state, e))) {
		goto out;
	}
	if (!fc->dup_file)
		words(&bc, final_state);
	if ((rc = eg_fc_stage_outputs(fc, final_state, e)))
		goto out;
	if (bc.lay)
		snprintf(summary, sizeof(summary),
			 "%s batch %s: %llu row(s): %llu added, %llu changed, "
			 "%llu deleted, %llu unchanged, %llu rejected",
			 md->name, bc.b.verdict[0] ? bc.b.verdict : "reject",
			 (unsigned long long)bc.b.rows,
			 (unsigned long long)bc.b.added,
			 (unsigned long long)bc.b.changed,
			 (unsigned long long)bc.b.deleted,
			 (unsigned long long)bc.b.unchanged,
			 (unsigned long long)bc.b.rejected);
	else
		snprintf(summary, sizeof(summary), "%s batch: %s", md->name,
			 fc->dup_file ? "a duplicate" : "layout not loaded");
	rc = eg_ledger_pl_file_decided(fc->l, fc->id, final_state, summary,
				       fc->dup_file ? fc->dup_of : NULL, e);
	if (!rc)
		rc =
		    eg_ledger_set_state(fc->l, fc->id, "processed", summary, e);
	if (!rc)
		eg_pl_note(pl, "%s (%s): %s: %s", fc->id, fc->name, final_state,
			   summary);
out:
	eg_delta_side_free(bc.old_side);
	eg_delta_side_free(bc.new_side);
	if (bc.tmp[0])
		(void)rmdir(bc.tmp);
	eg_layout_free(bc.lay);
	eg_buf_free(&bc.line);
	return rc;
}
