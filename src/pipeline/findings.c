/*
 * findings.c - findings of a file being processed: kept in the
 * ledger (up to the profile's max-findings, with the segment's text) and
 * told to the acknowledgement writer.  An interchange whose sender is
 * another partner's is refused at the identity check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fctx.h"

static const char *
level_str(eg_level l)
{
	static const char *const s[] = {"file",	   "interchange",
					"group",   "transaction",
					"segment", "element"};

	return (unsigned)l < 6 ? s[l] : "?";
}

static const char *
sev_str(eg_find_sev s)
{
	return s == EG_FIND_ERROR     ? "error"
	       : s == EG_FIND_WARNING ? "warning"
				      : "note";
}

/* The segment's own text, for the reject report (at most 200 bytes). */
static void
segment_text(const fctx *fc, const eg_finding *f, char *dst, size_t cap)
{
	char buf[201];
	ssize_t n;
	size_t i, k = 0;

	dst[0] = '\0';
	if (fc->seg_fd < 0 || !f->pos.seg_id[0])
		return;
	n = pread(fc->seg_fd, buf, sizeof(buf) - 1, (off_t)f->pos.offset);
	if (n <= 0)
		return;
	for (i = 0; i < (size_t)n && k + 1 < cap; i++) {
		char c = buf[i];

		if (c == fc->seg_term || c == '\n' || c == '\r')
			break;
		dst[k++] = (c >= 32 && c < 127) ? c : '?';
	}
	dst[k] = '\0';
}

static eg_err
keep_finding(fctx *fc, const eg_finding *f, eg_error *e)
{
	char seg[201];

	fc->findings++;
	if (f->severity == EG_FIND_ERROR)
		fc->errors++;
	if (fc->kept_findings >= fc->max_findings)
		return EG_OK;
	fc->kept_findings++;
	segment_text(fc, f, seg, sizeof(seg));
	return eg_ledger_pl_finding_add(fc->l, fc->id, f, level_str(f->level),
					sev_str(f->severity), seg, e);
}

/* A finding the pipeline itself makes (duplicates, limits, syntax). */
void
eg_fc_finding(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	      const char *fmt, ...)
{
	eg_finding f;
	eg_error e;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, lvl, EG_FIND_ERROR, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (ctl)
		f.ctl = *ctl;
	eg_error_clear(&e);
	if (keep_finding(fc, &f, &e))
		eg_fc_fail(fc, e.code, &e);
}

/* ... and a note (kept, not an error). */
void
eg_fc_note(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	   const char *fmt, ...)
{
	eg_finding f;
	eg_error e;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, lvl, EG_FIND_NOTE, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (ctl)
		f.ctl = *ctl;
	eg_error_clear(&e);
	if (keep_finding(fc, &f, &e))
		eg_fc_fail(fc, e.code, &e);
}

/*
 * The interchange's sender belongs to another partner (24.6): it is
 * refused at the identity check.  Its segments reach no map and no rule
 * of this partner, and no acknowledgement is sent for it: one addressed
 * to the other partner's id is held in the quarantine (emit_ack).
 */
static void
misrouted(fctx *fc, const eg_finding *f)
{
	const eg_envelope_expect *x = fc->pl->pp->expect;
	const char *owner =
	    x && x->owner
		? x->owner(x->owner_ud, f->ctl.sender_q, f->ctl.sender)
		: NULL;

	if (!owner || !owner[0])
		return; /* nobody's: a TA1 R tells the sender */
	snprintf(fc->misrouted_to, sizeof(fc->misrouted_to), "%s", owner);
	snprintf(fc->misrouted_last, sizeof(fc->misrouted_last), "%s", owner);
	fc->misrouted++;
}

void
eg_fc_on_finding(void *ud, const eg_finding *f)
{
	fctx *fc = ud;
	eg_error e;
	int reader = f->rule && !strcmp(f->rule, "reader");

	if (reader && !fc->unread) {
		fc->unread = 1;
		fc->unread_at = f->pos.offset;
	}
	if (f->level == EG_LVL_TRANSACTION && f->rule &&
	    !strcmp(f->rule, "no-guide"))
		fc->txn_noguide = 1;
	if (f->rule && !strcmp(f->rule, "sender-not-partner"))
		misrouted(fc, f);
	/* past the identity check nothing of a misrouted interchange is
	 * looked at: its findings would be about another partner's file */
	if (fc->misrouted_to[0] && f->level >= EG_LVL_GROUP)
		return;
	/* a reader error outside any interchange has no envelope to
	 * answer: the interchanges after it are answered one by one
	 * (reject_unread); a received 997/999 is never acknowledged
	 * (ackin.h) */
	if (fc->ack && !(reader && !f->ctl.isa13[0]) &&
	    !(f->level >= EG_LVL_GROUP && fc->syn->ack_group(&f->ctl)))
		fc->ack_ev->finding(fc->ack_ev->ud, f);
	eg_error_clear(&e);
	if (keep_finding(fc, f, &e))
		eg_fc_fail(fc, e.code, &e);
}

/* Mapping and rule findings: kept, not acknowledged (the 997 answers
 * syntax and the guide only). */
void
eg_fc_on_map_finding(void *ud, const eg_finding *f)
{
	fctx *fc = ud;
	eg_error e;

	eg_error_clear(&e);
	if (keep_finding(fc, f, &e))
		eg_fc_fail(fc, e.code, &e);
}

/* A CSV field of the bad-rows list (RFC 4180 quoting). */
static void
csv_field(FILE *f, const char *s, int last)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

void
eg_fc_bad_value(fctx *fc, FILE *list, const char *rule, const eg_csv_where *w,
		const char *why)
{
	char where[256];

	eg_csv_where_format(w, where, sizeof(where));
	eg_fc_finding(fc, EG_LVL_FILE, NULL, rule, "%s: %s%s%s%s", where, why,
		      w->raw[0] ? ": '" : "", w->raw, w->raw[0] ? "'" : "");
	if (list)
		eg_fc_bad_row_csv(list, w, why);
}

int
eg_fc_over_size(fctx *fc)
{
	struct stat st;

	if (!fc->p->max_file_bytes || fstat(fc->seg_fd, &st) != 0 ||
	    (unsigned long long)st.st_size <= fc->p->max_file_bytes)
		return 0;
	eg_fc_finding(fc, EG_LVL_FILE, NULL, "file-too-large",
		      "the file is %lld bytes, over the partner's limit of %llu "
		      "(limits max-file-bytes): not read",
		      (long long)st.st_size, fc->p->max_file_bytes);
	return 1;
}

void
eg_fc_bad_row_csv(FILE *f, const eg_csv_where *w, const char *why)
{
	char num[32], off[32], col[sizeof(w->colname)];

	if (!w) {
		fputs("line,byte,column,value,reason\n", f);
		return;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)w->line);
	snprintf(off, sizeof(off), "%llu", (unsigned long long)w->offset);
	csv_field(f, num, 0);
	csv_field(f, off, 0);
	snprintf(col, sizeof(col), "%s", w->colname[0] ? w->colname : "");
	if (!col[0] && w->col)
		snprintf(col, sizeof(col), "#%u", w->col);
	csv_field(f, col, 0);
	csv_field(f, w->raw, 0);
	csv_field(f, why, 1);
}
