/*
 * read.c - read one file through its syntax's descriptor (format.h):
 * the reader, envelope checks and guide validation in one pass, with the
 * mapper fed from the segments and the acknowledgement writer hearing the
 * findings and unit outcomes.  A reader that stops early leaves the rest
 * unread: the file is rejected and each interchange found there is named.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edigate/source.h"
#include "fctx.h"

static void
ack_policy(const eg_profile *p, int dup, eg_ack_opts *ao, int *none)
{
	size_t i;

	ao->ta1 = EG_ACK_TA1_REQUESTED;
	ao->functional = EG_ACK_FA_ALWAYS;
	if (p->ack_policy_given) {
		int fa_given = 0;

		for (i = 0; i < p->nack_send; i++) {
			const char *w = p->ack_send[i].when;
			int is_ta1 = !strcmp(p->ack_send[i].type, "TA1");

			/* CONTRL is the EDIFACT writer's to read
			 * (opts_profile): not an X12 kind */
			if (!strcmp(p->ack_send[i].type, "CONTRL"))
				continue;
			if (is_ta1)
				ao->ta1 = !strcmp(w, "always")
					      ? EG_ACK_TA1_ALWAYS
					  : !strcmp(w, "on-error")
					      ? EG_ACK_TA1_ON_ERROR
					  : !strcmp(w, "never")
					      ? EG_ACK_TA1_NEVER
					      : EG_ACK_TA1_REQUESTED;
			else {
				fa_given = 1;
				ao->functional =
				    !strcmp(w, "on-error") ? EG_ACK_FA_ON_ERROR
				    : !strcmp(w, "never")  ? EG_ACK_FA_NEVER
							   : EG_ACK_FA_ALWAYS;
				if (!strcmp(p->ack_send[i].type, "997"))
					ao->force = 997;
				else if (!strcmp(p->ack_send[i].type, "999"))
					ao->force = 999;
			}
		}
		if (!fa_given)
			ao->functional = EG_ACK_FA_NEVER;
	}
	*none = (dup && !p->dup_reack) || (ao->ta1 == EG_ACK_TA1_NEVER &&
					   ao->functional == EG_ACK_FA_NEVER);
}

/* Which registered syntax reads the file (its first bytes)? */
const eg_syntax_desc *
eg_fc_syntax(fctx *fc)
{
	unsigned char buf[EG_SYNTAX_HEAD];
	ssize_t n = pread(fc->seg_fd, buf, sizeof(buf), 0);

	return eg_syntax_detect(buf, n > 0 ? (size_t)n : 0, &fc->seg_term);
}

const char *
eg_fc_what_is_it(fctx *fc)
{
	unsigned char buf[EG_FORMAT_SNIFF];
	ssize_t n = pread(fc->seg_fd, buf, sizeof(buf), 0);
	const eg_format *f;

	if (n <= 0)
		return "an empty file";
	f = eg_format_detect(buf, (size_t)n);
	if (!f || !strcmp(f->name, "utf16"))
		return "not in a syntax edigate reads";
	return f->title; /* "UN/EDIFACT", "XML", "ASC X12" */
}

/* A TA1 R 024 for an interchange the reader never reached. */
static void
ta1_unread(fctx *fc, const eg_x12_ctl *ctl)
{
	const eg_envelope_events *ev = fc->ack_ev;
	eg_unit_result u;
	eg_finding f;

	memset(&f, 0, sizeof(f));
	f.level = EG_LVL_INTERCHANGE;
	f.severity = EG_FIND_ERROR;
	f.code = "024"; /* TA105: invalid interchange content */
	f.rule = "unread-interchange";
	f.ctl = *ctl;
	ev->finding(ev->ud, &f);
	memset(&u, 0, sizeof(u));
	u.level = EG_LVL_INTERCHANGE;
	u.outcome = EG_REJECTED;
	u.ctl = *ctl;
	ev->unit_end(ev->ud, &u);
}

/*
 * The reader stopped before the end of the file: what follows was not
 * read, so the file cannot be accepted (every byte is accounted for or
 * the file is quarantined).  Each interchange still readable in that
 * part gets a finding and, when it is this partner's, a TA1 R telling
 * the partner it was not processed.
 */
static eg_err
reject_unread(fctx *fc, eg_error *e)
{
	uint64_t from = fc->unread_at, at;
	const char *pq, *pid;
	eg_x12_ctl ctl;
	eg_err rc;

	fc->syn->partner_id(fc->p, &pq, &pid);
	fc->file_rejected = 1;
	while ((rc = fc->syn->next_header(fc->seg_fd, from, &at, &ctl, e)) ==
	       EG_OK) {
		int ours = fc->pl->pp->expect && pid[0] &&
			   !strcmp(ctl.sender, pid) && !strcmp(ctl.sender_q, pq);

		eg_fc_finding(fc, EG_LVL_INTERCHANGE, &ctl,
			      "unread-interchange",
			      "interchange %s from %s at offset %llu was not "
			      "read: it follows bytes that could not be read%s",
			      ctl.isa13, ctl.sender, (unsigned long long)at,
			      ours && fc->ack ? fc->syn->ack->unread_note
			      : ours	      ? ""
				     : "; it claims another sender: no "
				       "acknowledgement");
		if (ours && fc->ack)
			ta1_unread(fc, &ctl);
		from = at + fc->syn->header_len;
	}
	return rc == EG_ENOTFOUND ? EG_OK : rc;
}

eg_err
eg_fc_read(fctx *fc, eg_error *e)
{
	const eg_pipeline_partner *pp = fc->pl->pp;
	const eg_syntax_desc *syn = fc->syn;
	eg_syntax_check_opts co;
	eg_mapper_opts mo;
	eg_envelope_events ev;
	eg_ack_opts ao;
	eg_source *src = NULL;
	eg_syntax_check_result res;
	eg_refstore rs = eg_ledger_refstore(fc->l);
	int no_ack;
	eg_err rc;

	memset(&co, 0, sizeof(co));
	memset(&mo, 0, sizeof(mo));
	memset(&ao, 0, sizeof(ao));
	ack_policy(fc->p, fc->dup_file, &ao, &no_ack);
	if (!no_ack && syn->ack) {
		ao.next_control = eg_fc_next_control;
		ao.emit = eg_fc_emit_ack;
		ao.ud = fc;
		ao.now = fc->pl->o.now;
		ao.profile = fc->p;
		/* the partner's delimiters and 999 convention */
		syn->ack->opts_profile(&ao, fc->p);
		if ((rc = syn->ack->open(&fc->ack, &ao, e)))
			return rc;
		fc->ack_ev = syn->ack->events(fc->ack);
	}
	if ((rc = eg_dedupe_new(&fc->dd, fc->pl->o.maps, syn, e)))
		return rc;
	if (!fc->dup_file && fc->pl->o.maps) {
		mo.maps = fc->pl->o.maps;
		mo.profile = fc->p;
		mo.store = &rs;
		mo.now = fc->pl->o.now;
		mo.file_id = fc->id;
		mo.file_name = fc->name;
		mo.file_sha256 = fc->sha;
		mo.eager = 1;
		mo.record = eg_fc_on_record;
		mo.finding = eg_fc_on_map_finding;
		mo.ud = fc;
		if ((rc = eg_mapper_new(&fc->mapper, &mo, e)))
			return rc;
	}
	co.limits = syn->limits();
	if (fc->p->max_segment)
		co.limits.max_segment = (size_t)fc->p->max_segment;
	if (fc->p->max_elements)
		co.limits.max_elements = (size_t)fc->p->max_elements;
	co.guides = fc->pl->o.guides;
	co.overrides = pp->guides;
	co.noverrides = pp->nguides;
	co.expect = pp->expect;
	co.segment = eg_fc_on_segment; /* digests and keys, then the mapper */
	co.segment_ud = fc;
	ev.finding = eg_fc_on_finding;
	ev.unit_end = eg_fc_on_unit;
	ev.ud = fc;
	rc = eg_source_open_file(&src, fc->path, e);
	if (!rc)
		rc = syn->check(src, &co, &ev, &res, e);
	eg_source_free(src);
	if (!rc && fc->rc) {
		*e = fc->err;
		rc = fc->rc;
	}
	if (!rc && fc->ack && res.reader_failed) {
		/* an ISA the reader refused (not fixed-width): a TA1 R when
		 * its sender can still be read */
		char head[512];
		ssize_t n = pread(fc->seg_fd, head, sizeof(head), 0);

		if (n > 0)
			(void)syn->ack->header_fallback(fc->ack, head,
							(size_t)n);
	}
	if (!rc && fc->ack)
		rc = syn->ack->error(fc->ack, e);
	if (!rc && fc->mapper)
		rc = eg_mapper_error(fc->mapper, e);
	if (!rc && res.totals.interchanges == 0 && !fc->file_rejected) {
		eg_fc_finding(fc, EG_LVL_FILE, NULL, "no-interchange",
			      "the file holds no complete interchange");
		fc->file_rejected = 1;
	}
	if (!rc && (res.reader_failed || fc->unread))
		rc = reject_unread(fc, e);
	if (!rc && fc->ack)
		rc = syn->ack->error(fc->ack, e);
	eg_pl_crash_point(fc->pl, "after-validate");
	return rc;
}
