/*
 * fctx.h - one received file being processed (internal to the pipeline).
 *
 * process.c opens the file's context and decides its state; the syntax's
 * check (read.c, through the format registry's descriptor) streams it
 * and calls back, in this order of the data flow:
 *
 *   segments -> units.c eg_fc_on_segment (dedupe's digests and keys, then
 *               the mapper) -> records.c eg_fc_on_record (business keys,
 *               records to work/<id>.records.jsonl)
 *   findings -> findings.c eg_fc_on_finding (kept in the ledger, told to
 *               the acknowledgement writer)
 *   unit ends -> units.c eg_fc_on_unit (set / group / interchange
 *               decided: dedupe, status, records taken back)
 *   acks      -> stage.c eg_fc_emit_ack (staged for the outbox)
 *
 * then stage.c stages the outputs (records, acks, report.c's reject
 * report, quarantine, archive) and names them in the ledger, all inside
 * the batch's transaction.  bundle.c handles a zip/tar/gzip instead.
 */
#ifndef EDIGATE_FCTX_H
#define EDIGATE_FCTX_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "edigate/ack.h"
#include "edigate/buf.h"
#include "edigate/digest.h"
#include "edigate/format.h"
#include "edigate/syntax.h"
#include "edigate/unpack.h"
#include "dedupe.h"
#include "pipeline_int.h"
#include "setkind.h"

#define REC_FLUSH ((size_t)1 << 20) /* records buffered before a write */
#define DEFAULT_MAX_FINDINGS 1000   /* kept per file in the ledger */

typedef struct fctx {
	eg_pipeline *pl;
	eg_ledger *l;
	const eg_profile *p;
	char id[32], origin[32], name[256], sha[EG_SHA256_HEX];
	char path[PATH_MAX];  /* the spool copy */
	char work[PATH_MAX];  /* spool/work/<id>, the prefix of its staged
			       * files: <id>.records.jsonl, <id>.ack-1... */
	char workrel[64];     /* work/<id> */
	int seg_fd;           /* the copy, for segment text in findings */
	char seg_term;
	int dup_file;         /* same bytes seen before: ack only */
	int forced;           /* reprocess --force */
	char dup_of[32];
	/* records, streamed to work/<id>/records.jsonl */
	int rec_fd;
	uint64_t rec_flushed;
	eg_buf recbuf;
	uint64_t mark_ichg, mark_grp;
	uint32_t cur_ichg;
	char cur_gs06[15];
	int ichg_open, grp_open;
	/* control numbers seen before (dedupe.h): the open interchange's and
	 * group's, and what their sets were judged */
	eg_dedupe *dd;
	int dd_past;          /* a person let the file past this check */
	eg_dd_unit dd_ichg, dd_grp;
	eg_dd_tally ichg_t, grp_t;
	int set_skip;         /* the open set gives no record */
	char resend_of[32];   /* a corrected resend of this rejected file */
	int ack_quiet;        /* the open interchange gets no ack */
	int64_t ack_seq;      /* the interchange being acknowledged */
	unsigned grp_flipped; /* sets refused after syntax, told rejected */
	/* the transaction set being decided */
	int64_t txn_id;
	const char *txn_status; /* set by on_record for key conflicts */
	char txn_dup_of[32];
	char txn_key[160];
	unsigned long txn_records;
	/* what the set is to us (setkind.h), decided at its end */
	int txn_noguide;
	eg_set_kind txn_kind;
	char txn_why[300];
	unsigned grp_refused;   /* sets of the open group we refused */
	unsigned ichg_groups;   /* groups of the open interchange that are
				 * not acknowledgements */
	/* the open interchange's sender is another partner's: refused at
	 * the identity check, nothing of ours runs on it, no ack */
	char misrouted_to[80];
	char misrouted_last[80]; /* for the report, after the interchange */
	unsigned long misrouted, unsupported;
	/* totals */
	unsigned long accepted, rejected, duplicates, changed, records;
	unsigned long ack_only, acks_in; /* of accepted: no record made */
	unsigned long findings, kept_findings, max_findings, errors;
	unsigned nacks;
	unsigned held_acks;   /* acks addressed elsewhere: quarantined */
	int file_rejected;    /* a file-level finding (not X12, limits) */
	int unread;           /* the reader stopped before the end */
	uint64_t unread_at;   /* ... at this offset */
	eg_mapper *mapper;
	/* the file's syntax (syntax.h), set once its first bytes are
	 * recognised; its acknowledgement writer and the writer's events */
	const eg_syntax_desc *syn;
	void *ack;
	const eg_envelope_events *ack_ev;
	/* a way that is not EDI (batch.c) gives the reject report its own
	 * words: headline, outcome line, next step (NULL: the EDI ones) */
	const char *report_head, *report_outcome, *report_next;
	/* first environment error inside a callback */
	eg_err rc;
	eg_error err;
} fctx;

/* process.c: the first environment error inside a callback is kept. */
void eg_fc_fail(fctx *fc, eg_err rc, const eg_error *e);
/* process.c: one received X12 (or unknown) file, inside the open ledger
 * transaction.  Document problems are outcomes; the error return is for
 * the environment only. */
eg_err eg_fc_process_doc(eg_pipeline *pl, fctx *fc, eg_error *e) EG_MUST_USE;

/* read.c: the registered syntax that reads the file (seg_term set), or
 * NULL when none does. */
const eg_syntax_desc *eg_fc_syntax(fctx *fc);
/* read.c: a word for what the file is instead ("EDIFACT", ...). */
const char *eg_fc_what_is_it(fctx *fc);
/* read.c: the syntax's reader, checks, mapper and ack writer over it. */
eg_err eg_fc_read(fctx *fc, eg_error *e) EG_MUST_USE;

/* bundle.c: a bundle's entries become files of their own (received). */
eg_err eg_fc_process_bundle(eg_pipeline *pl, fctx *fc, eg_bundle_kind kind,
			    eg_error *e) EG_MUST_USE;

/* batch.c: the master-data document (profile <master-data>) that takes
 * the file, or NULL; and its way through: the whole file read with the
 * layout, the delta against the baseline, only the changes staged. */
const eg_profile_md *eg_fc_batch_doc(fctx *fc);
eg_err eg_fc_process_batch(eg_pipeline *pl, fctx *fc, const eg_profile_md *md,
			   eg_error *e) EG_MUST_USE;

/* layoutdoc.c: the CSV or XML partner document (profile
 * <layout-document>) that takes the file, or NULL; and its way through:
 * every record read and mapped through the layout, duplicates by
 * content held back, bad records quarantined, no acknowledgement. */
const eg_profile_ld *eg_fc_layout_doc(fctx *fc);
eg_err eg_fc_process_layout_doc(eg_pipeline *pl, fctx *fc,
				const eg_profile_ld *ld,
				eg_error *e) EG_MUST_USE;

/* records.c: the records file, with marks to take back to. */
eg_err eg_fc_rec_flush(fctx *fc, eg_error *e) EG_MUST_USE;
uint64_t eg_fc_rec_len(const fctx *fc);
/* Take back every record written after mark (a unit ended rejected). */
eg_err eg_fc_rec_truncate(fctx *fc, uint64_t mark, eg_error *e) EG_MUST_USE;
/* The mapper's record callback. */
eg_err eg_fc_on_record(void *ud, const eg_rnode *rec, eg_error *e);

/* findings.c: a finding the pipeline itself makes (an error), or a note
 * (kept, not an error). */
void eg_fc_finding(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl,
		   const char *rule, const char *fmt, ...) EG_PRINTF(5, 6);
void eg_fc_note(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl,
		const char *rule, const char *fmt, ...) EG_PRINTF(5, 6);
/* A line of a bad-rows.csv list (the quarantine's list of every bad row
 * or record: line, byte offset, column or element path, raw value,
 * reason); w NULL: the header line. */
void eg_fc_bad_row_csv(FILE *f, const eg_csv_where *w, const char *why);
/* A bad value of a CSV row or XML record: a finding under rule (where,
 * why, raw value) and, when list is not NULL, its bad-rows.csv line. */
void eg_fc_bad_value(fctx *fc, FILE *list, const char *rule,
		     const eg_csv_where *w, const char *why);
/* Is the file over the profile's max-file-bytes?  1 with the finding
 * (file-too-large) made, 0 otherwise. */
int eg_fc_over_size(fctx *fc);
/* The check's findings (kept, told to the ack writer), and the mapper's
 * (kept only). */
void eg_fc_on_finding(void *ud, const eg_finding *f);
void eg_fc_on_map_finding(void *ud, const eg_finding *f);

/* units.c: every segment, and every unit's end. */
eg_err eg_fc_on_segment(void *ud, const eg_segment *seg, eg_error *e);
void eg_fc_on_unit(void *ud, const eg_unit_result *u);

/* stage.c: outputs staged in work/, named in the ledger. */
eg_err eg_fc_add_output(fctx *fc, const char *kind, const char *staged,
			const char *path, const char *name,
			const char *control, uint64_t size,
			eg_error *e) EG_MUST_USE;
/* The ack writer's control numbers and finished acknowledgements. */
eg_err eg_fc_next_control(void *ud, const char *kind, uint64_t *out,
			  eg_error *e);
eg_err eg_fc_emit_ack(void *ud, const char *name, const char *data,
		      size_t len, eg_error *e);
/* Records, quarantine and report, archive for final_state. */
eg_err eg_fc_stage_outputs(fctx *fc, const char *final_state,
			   eg_error *e) EG_MUST_USE;

/* report.c: report.txt and report.json for the quarantine. */
eg_err eg_fc_write_report(fctx *fc, const char *final_state,
			  eg_error *e) EG_MUST_USE;

#endif
