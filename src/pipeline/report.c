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

/* --- the reject report -------------------------------------------------------- */

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

eg_err
eg_fc_write_report(fctx *fc, const char *final_state, eg_error *e)
{
	eg_report_facts facts;
	char head[600], next[600];
	eg_buf t, j;
	eg_stmt *st;
	char path[PATH_MAX], rel[PATH_MAX], qrel[PATH_MAX];
	eg_err rc;
	int r, n = 0;

	eg_buf_init(&t, (size_t)64 << 20);
	eg_buf_init(&j, (size_t)64 << 20);
	report_facts(fc, final_state, &facts);
	eg_report_headline(&facts, head, sizeof(head));
	eg_report_next_step(&facts, next, sizeof(next));
	rc = eg_buf_addf(&t,
			 "edigate reject report\n\n%s\n\n"
			 "file:      %s (%s)\n"
			 "partner:   %s (%s)\n"
			 "sha256:    %s\n"
			 "outcome:   %s: %lu set(s) accepted, %lu rejected, "
			 "%lu duplicate\n"
			 "findings:  %lu (%lu kept)\n\n",
			 head, fc->id, fc->name, fc->p->id,
			 fc->p->name ? fc->p->name : "", fc->sha, final_state,
			 fc->accepted, fc->rejected, fc->duplicates,
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
	rc = eg_ledger_query(fc->l, &st, e,
			     "SELECT isa13, gs06, st01, st02, status, "
			     "COALESCE(business_key,'') FROM transactions "
			     "WHERE file_id=?1 ORDER BY id",
			     "t", fc->id);
	if (rc)
		goto out;
	while (!rc && (r = eg_ledger_step(fc->l, st, e)) == 1) {
		rc = eg_buf_addf(&t, "  set ISA13 %s GS06 %s %s %s: %s%s%s\n",
				 eg_col_text(st, 0), eg_col_text(st, 1),
				 eg_col_text(st, 2), eg_col_text(st, 3),
				 eg_col_text(st, 4),
				 eg_col_text(st, 5)[0] ? " " : "",
				 eg_col_text(st, 5));
		if (!rc)
			rc = eg_buf_addf(&j,
					 "%s{\"isa13\":\"%s\",\"gs06\":\"%s\","
					 "\"st01\":\"%s\",\"st02\":\"%s\","
					 "\"status\":\"%s\",\"businessKey\":",
					 n++ ? "," : "", eg_col_text(st, 0),
					 eg_col_text(st, 1), eg_col_text(st, 2),
					 eg_col_text(st, 3), eg_col_text(st, 4));
		if (!rc)
			rc = json_str(&j, eg_col_text(st, 5));
		if (!rc)
			rc = eg_buf_addc(&j, '}');
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code;
	if (!rc)
		rc = eg_buf_adds(&t, "\n");
	if (!rc)
		rc = eg_buf_adds(&j, "],\"findings\":[");
	if (rc)
		goto out;
	rc = eg_ledger_query(fc->l, &st, e,
			     "SELECT level, severity, COALESCE(code,''), "
			     "COALESCE(rule,''), message, offset, segment, "
			     "seg_id, element, isa13, gs06, st02, "
			     "segment_text FROM findings WHERE file_id=?1 "
			     "ORDER BY id",
			     "t", fc->id);
	if (rc)
		goto out;
	n = 0;
	while (!rc && (r = eg_ledger_step(fc->l, st, e)) == 1) {
		const char *seg = eg_col_text(st, 12);

		rc = eg_buf_addf(&t, "%s %s", eg_col_text(st, 1),
				 eg_col_text(st, 0));
		if (!rc && eg_col_text(st, 7)[0])
			rc = eg_buf_addf(&t, " at byte %lld, segment %lld (%s)",
					 (long long)eg_col_int(st, 5),
					 (long long)eg_col_int(st, 6),
					 eg_col_text(st, 7));
		if (!rc && eg_col_int(st, 8))
			rc = eg_buf_addf(&t, ", element %lld",
					 (long long)eg_col_int(st, 8));
		if (!rc && eg_col_text(st, 11)[0])
			rc = eg_buf_addf(&t, ", set %s", eg_col_text(st, 11));
		if (!rc)
			rc = eg_buf_addf(&t, " [%s%s%s]\n  %s\n",
					 eg_col_text(st, 3),
					 eg_col_text(st, 2)[0] ? " code " : "",
					 eg_col_text(st, 2), eg_col_text(st, 4));
		if (!rc && seg[0])
			rc = eg_buf_addf(&t, "  segment: %s\n", seg);
		if (!rc)
			rc = eg_buf_addf(
			    &j,
			    "%s{\"level\":\"%s\",\"severity\":\"%s\","
			    "\"code\":\"%s\",\"rule\":\"%s\",\"offset\":%lld,"
			    "\"segment\":%lld,\"segmentId\":\"%s\","
			    "\"element\":%lld,\"isa13\":\"%s\",\"gs06\":\"%s\","
			    "\"st02\":\"%s\",\"message\":",
			    n++ ? "," : "", eg_col_text(st, 0),
			    eg_col_text(st, 1), eg_col_text(st, 2),
			    eg_col_text(st, 3), (long long)eg_col_int(st, 5),
			    (long long)eg_col_int(st, 6), eg_col_text(st, 7),
			    (long long)eg_col_int(st, 8), eg_col_text(st, 9),
			    eg_col_text(st, 10), eg_col_text(st, 11));
		if (!rc)
			rc = json_str(&j, eg_col_text(st, 4));
		if (!rc)
			rc = eg_buf_adds(&j, ",\"segmentText\":");
		if (!rc)
			rc = json_str(&j, seg);
		if (!rc)
			rc = eg_buf_addc(&j, '}');
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code;
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
		rc = eg_fc_add_output(fc, "report", rel, path, "report.txt", NULL,
				t.len, e);
	/* JSON */
	if (!rc)
		rc = eg_path(rel, sizeof(rel), e, "%s.report.json", fc->workrel);
	if (!rc)
		rc = eg_pl_spool_path(fc->pl, path, sizeof(path), rel, e);
	if (!rc)
		rc = eg_write_file(path, j.data, j.len, e);
	if (!rc)
		rc = eg_path(path, sizeof(path), e, "%s/report.json", qrel);
	if (!rc)
		rc = eg_fc_add_output(fc, "report", rel, path, "report.json", NULL,
				j.len, e);
out:
	if (rc == EG_ENOMEM || rc == EG_ELIMIT)
		rc = eg_fail(e, rc, "the reject report is too large");
	eg_buf_free(&t);
	eg_buf_free(&j);
	return rc;
}
