/*
 * report.c - the reject report of a quarantined file: report.txt for
 * people and report.json for scripts, staged beside the original.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "edigate/fsutil.h"
#include "fctx.h"
#include "report_words.h"

static eg_err
json_str(eg_buf *b, const char *s)
{
	/* eg_buf_add_json writes the quotes */
	return eg_buf_add_json(b, s ? s : "", s ? strlen(s) : 0);
}

/*
 * report.txt for people and report.json for scripts: the file, the
 * partner, its control numbers, and every finding kept with position,
 * segment text, code and message.
 */
static void
report_facts(const fctx *fc, const char *final_state, eg_report_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->file_id = fc->id;
	f->file_name = fc->name;
	f->partner = fc->p->id;
	f->final_state = final_state;
	f->accepted = fc->accepted;
	f->rejected = fc->rejected;
	f->duplicates = fc->duplicates;
	f->unsupported = fc->unsupported;
	f->misrouted_to = fc->misrouted_last;
	f->file_level = fc->file_rejected;
}

/* The report's two lists, as the ledger hands them their rows. */
typedef struct rows {
	eg_buf *t, *j;
	int n;
	const eg_syntax_desc *syn; /* its words for the text; may be NULL */
} rows;

static eg_err
txn_row(void *ud, const eg_ledger_txn_row *x, eg_error *e)
{
	rows *rw = ud;
	const eg_syntax_desc *s = rw->syn;
	int named = s && s->doc_word && s->ctl_names[0] && s->ctl_names[1];
	eg_err rc;

	(void)e;
	/* the standard's names: "set ISA13 .. GS06 ..", "message UNB 0020
	 * .. UNG 0048 .." (JSON keeps its keys whatever the syntax) */
	rc = eg_buf_addf(rw->t, "  %s %s %s %s %s %s %s: %s%s%s\n",
			 named ? s->doc_word : "document",
			 named ? s->ctl_names[0] : "interchange", x->isa13,
			 named ? s->ctl_names[1] : "group", x->gs06, x->st01,
			 x->st02, x->status, x->key[0] ? " " : "", x->key);
	if (!rc)
		rc = eg_buf_addf(rw->j,
				 "%s{\"isa13\":\"%s\",\"gs06\":\"%s\","
				 "\"st01\":\"%s\",\"st02\":\"%s\","
				 "\"status\":\"%s\",\"businessKey\":",
				 rw->n++ ? "," : "", x->isa13, x->gs06, x->st01,
				 x->st02, x->status);
	if (!rc)
		rc = json_str(rw->j, x->key);
	if (!rc)
		rc = eg_buf_addc(rw->j, '}');
	return rc;
}

static eg_err
finding_row(void *ud, const eg_ledger_finding_row *x, eg_error *e)
{
	rows *rw = ud;
	const char *seg = x->segment_text;
	eg_buf *t = rw->t, *j = rw->j;
	eg_err rc;

	(void)e;
	rc = eg_buf_addf(t, "%s %s", x->severity, x->level);
	if (!rc && x->seg_id[0])
		rc = eg_buf_addf(t, " at byte %lld, segment %lld (%s)",
				 (long long)x->offset, (long long)x->segment,
				 x->seg_id);
	if (!rc && x->element)
		rc = eg_buf_addf(t, ", element %lld", (long long)x->element);
	if (!rc && x->st02[0])
		rc = eg_buf_addf(t, ", set %s", x->st02);
	if (!rc)
		rc = eg_buf_addf(t, " [%s%s%s]\n  %s\n", x->rule,
				 x->code[0] ? " code " : "", x->code,
				 x->message);
	if (!rc && seg[0])
		rc = eg_buf_addf(t, "  segment: %s\n", seg);
	if (!rc)
		rc = eg_buf_addf(
		    j,
		    "%s{\"level\":\"%s\",\"severity\":\"%s\","
		    "\"code\":\"%s\",\"rule\":\"%s\",\"offset\":%lld,"
		    "\"segment\":%lld,\"segmentId\":\"%s\","
		    "\"element\":%lld,\"isa13\":\"%s\",\"gs06\":\"%s\","
		    "\"st02\":\"%s\",\"message\":",
		    rw->n++ ? "," : "", x->level, x->severity, x->code, x->rule,
		    (long long)x->offset, (long long)x->segment, x->seg_id,
		    (long long)x->element, x->isa13, x->gs06, x->st02);
	if (!rc)
		rc = json_str(j, x->message);
	if (!rc)
		rc = eg_buf_adds(j, ",\"segmentText\":");
	if (!rc)
		rc = json_str(j, seg);
	if (!rc)
		rc = eg_buf_addc(j, '}');
	return rc;
}

eg_err
eg_fc_write_report(fctx *fc, const char *final_state, eg_error *e)
{
	eg_report_facts facts;
	char head[600], next[600];
	eg_buf t, j;
	rows rw;
	char path[PATH_MAX], rel[PATH_MAX], qrel[PATH_MAX];
	eg_err rc;

	eg_buf_init(&t, (size_t)64 << 20);
	eg_buf_init(&j, (size_t)64 << 20);
	report_facts(fc, final_state, &facts);
	eg_report_headline(&facts, head, sizeof(head));
	eg_report_next_step(&facts, next, sizeof(next));
	if (fc->report_head)
		snprintf(head, sizeof(head), "%s", fc->report_head);
	if (fc->report_next)
		snprintf(next, sizeof(next), "%s", fc->report_next);
	rc = eg_buf_addf(&t,
			 "edigate reject report\n\n%s\n\n"
			 "file:      %s (%s)\n"
			 "partner:   %s (%s)\n"
			 "sha256:    %s\n",
			 head, fc->id, fc->name, fc->p->id,
			 fc->p->name ? fc->p->name : "", fc->sha);
	if (!rc && fc->report_outcome)
		rc = eg_buf_addf(&t, "outcome:   %s: %s\n", final_state,
				 fc->report_outcome);
	else if (!rc)
		rc = eg_buf_addf(&t,
				 "outcome:   %s: %lu set(s) accepted, %lu "
				 "rejected, %lu duplicate\n",
				 final_state, fc->accepted, fc->rejected,
				 fc->duplicates);
	if (!rc)
		rc = eg_buf_addf(&t, "findings:  %lu (%lu kept)\n\n",
				 fc->findings, fc->kept_findings);
	if (!rc)
		rc = eg_buf_adds(&j, "{\"summary\":");
	if (!rc)
		rc = json_str(&j, head);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"nextStep\":");
	if (!rc)
		rc = json_str(&j, next);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"misroutedTo\":");
	if (!rc)
		rc = json_str(&j, facts.misrouted_to);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"file\":");
	if (!rc)
		rc = json_str(&j, fc->id);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"name\":");
	if (!rc)
		rc = json_str(&j, fc->name);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"partner\":");
	if (!rc)
		rc = json_str(&j, fc->p->id);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"sha256\":");
	if (!rc)
		rc = json_str(&j, fc->sha);
	if (!rc)
		rc = eg_buf_addf(&j,
				 ",\"outcome\":\"%s\",\"accepted\":%lu,"
				 "\"rejected\":%lu,\"duplicates\":%lu,"
				 "\"findingsTotal\":%lu,\"controlNumbers\":[",
				 final_state, fc->accepted, fc->rejected,
				 fc->duplicates, fc->findings);
	if (rc)
		goto out;
	/* control numbers of what the file held */
	rw.t = &t;
	rw.j = &j;
	rw.n = 0;
	rw.syn = fc->syn;
	if ((rc = eg_ledger_pl_file_txns(fc->l, fc->id, txn_row, &rw, e)))
		goto out;
	if (!rc)
		rc = eg_buf_adds(&t, "\n");
	if (!rc)
		rc = eg_buf_adds(&j, "],\"findings\":[");
	if (rc)
		goto out;
	rw.n = 0;
	rc = eg_ledger_pl_file_findings(fc->l, fc->id, finding_row, &rw, e);
	if (!rc)
		rc = eg_buf_adds(&j, "]}\n");
	if (!rc)
		rc = eg_buf_addf(&t, "\n%s\n", next);
	if (rc)
		goto out;
	if ((rc = eg_path(qrel, sizeof(qrel), e, "quarantine/%s/%s", fc->p->id,
			  fc->id)))
		goto out;
	/* text */
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.report.txt", fc->workrel)) ||
	    (rc = eg_pl_spool_path(fc->pl, path, sizeof(path), rel, e)) ||
	    (rc = eg_write_file(path, t.data, t.len, e)))
		goto out;
	rc = eg_path(path, sizeof(path), e, "%s/report.txt", qrel);
	if (!rc)
		rc = eg_fc_add_output(fc, "report", rel, path, "report.txt",
				      NULL, t.len, e);
	/* JSON */
	if (!rc)
		rc =
		    eg_path(rel, sizeof(rel), e, "%s.report.json", fc->workrel);
	if (!rc)
		rc = eg_pl_spool_path(fc->pl, path, sizeof(path), rel, e);
	if (!rc)
		rc = eg_write_file(path, j.data, j.len, e);
	if (!rc)
		rc = eg_path(path, sizeof(path), e, "%s/report.json", qrel);
	if (!rc)
		rc = eg_fc_add_output(fc, "report", rel, path, "report.json",
				      NULL, j.len, e);
out:
	if (rc == EG_ENOMEM || rc == EG_ELIMIT)
		rc = eg_fail(e, rc, "the reject report is too large");
	eg_buf_free(&t);
	eg_buf_free(&j);
	return rc;
}
