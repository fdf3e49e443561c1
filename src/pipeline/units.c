/*
 * units.c - what each transaction set, group and interchange of a
 * file becomes, as the syntax's check ends them: control numbers seen
 * before (dedupe.c), the set's kind (setkind.h), its status, records taken
 * back when a unit ends rejected, and the outcome the acknowledgement is to
 * tell.
 */
#include <stdio.h>
#include <string.h>

#include "fctx.h"

/* --- control numbers seen before (dedupe.c) ------------------------------ */

/* An interchange begins (at its first unit): what earlier files carried
 * its number, and whether its acknowledgement was sent already by an
 * earlier file of this file's reprocess chain (then it is not sent
 * again, unless the profile asks). */
static void
enter_interchange(fctx *fc, const eg_x12_ctl *ctl)
{
	eg_syntax_key k;
	eg_error e;
	eg_err rc = EG_OK;
	int acked = 0;

	eg_error_clear(&e);
	fc->ichg_open = 1;
	fc->grp_open = 0;
	fc->cur_ichg = ctl->interchange;
	fc->mark_ichg = eg_fc_rec_len(fc);
	fc->ack_quiet = 0;
	memset(&fc->ichg_t, 0, sizeof(fc->ichg_t));
	memset(&fc->dd_ichg, 0, sizeof(fc->dd_ichg));
	fc->syn->unit_key(ctl, 0, &k);
	if (!fc->dup_file && !fc->dd_past && k.number[0])
		rc = eg_dedupe_unit(fc->l, &fc->dd_ichg, 0, k.from, k.to, k.number,
				    fc->p, fc->pl->o.now, fc->id, fc->origin,
				    (int64_t)ctl->interchange, &e);
	if (!rc && strcmp(fc->origin, fc->id) && !fc->p->ack_release_again &&
	    ctl->isa13[0])
		rc = eg_ledger_chain_acked(fc->l, fc->origin, fc->id,
					   ctl->sender, ctl->receiver,
					   ctl->isa13, &acked, &e);
	fc->ack_quiet = acked;
	if (!rc && acked)
		eg_pl_note(fc->pl,
			   "%s: interchange %s was acknowledged before (file "
			   "%s's chain): not acknowledged again",
			   fc->id, ctl->isa13, fc->origin);
	if (rc)
		eg_fc_fail(fc, rc, &e);
}

/* A group begins (at its first set): its number is asked about only
 * when the interchange's was not seen before. */
static void
enter_group(fctx *fc, const eg_x12_ctl *ctl)
{
	eg_syntax_key k;
	eg_error e;
	eg_err rc = EG_OK;

	eg_error_clear(&e);
	fc->grp_open = 1;
	snprintf(fc->cur_gs06, sizeof(fc->cur_gs06), "%s", ctl->gs06);
	fc->mark_grp = eg_fc_rec_len(fc);
	fc->grp_flipped = 0;
	memset(&fc->grp_t, 0, sizeof(fc->grp_t));
	memset(&fc->dd_grp, 0, sizeof(fc->dd_grp));
	fc->syn->unit_key(ctl, 1, &k);
	if (!fc->dup_file && !fc->dd_past && !fc->dd_ichg.past.seen &&
	    k.number[0])
		rc = eg_dedupe_unit(fc->l, &fc->dd_grp, 1, k.from, k.to, k.number,
				    fc->p, fc->pl->o.now, fc->id, fc->origin,
				    (int64_t)ctl->interchange, &e);
	if (rc)
		eg_fc_fail(fc, rc, &e);
}

static void
enter_units(fctx *fc, const eg_x12_ctl *ctl)
{
	if (!fc->ichg_open || fc->cur_ichg != ctl->interchange)
		enter_interchange(fc, ctl);
	if (!fc->grp_open || strcmp(fc->cur_gs06, ctl->gs06))
		enter_group(fc, ctl);
}

/* The findings that say what a unit's reused number was judged. */
static void
unit_findings(fctx *fc, const eg_x12_ctl *ctl, const eg_dd_tally *t,
	      const eg_dd_unit *u, const char *status)
{
	eg_level lvl = u->key.group ? EG_LVL_GROUP : EG_LVL_INTERCHANGE;
	char what[120];

	if (!u->past.seen)
		return;
	if (u->key.group)
		snprintf(what, sizeof(what), "group %s from %s to %s",
			 ctl->gs06, ctl->gs_sender, ctl->gs_receiver);
	else
		snprintf(what, sizeof(what), "interchange %s from %s to %s",
			 ctl->isa13, ctl->sender, ctl->receiver);
	if (!strcmp(status, "duplicate"))
		eg_fc_finding(fc, lvl, ctl,
			      u->key.group ? "duplicate-group"
					   : "duplicate-interchange",
			      "%s was received before in file %s (within the "
			      "%lld-day window): not processed again",
			      what, t->dup_of[0] ? t->dup_of : u->past.first,
			      fc->p->dup_window / 86400);
	else if (t->held)
		eg_fc_finding(fc, lvl, ctl, "control-number-reuse",
			      "%s was received before in file %s, with other "
			      "content: held as a suspected control-number "
			      "reuse, not processed and not acknowledged; "
			      "`quarantine release` processes it as new, "
			      "`quarantine discard` gives it up",
			      what, t->held_of);
	else if (t->resend)
		eg_fc_note(fc, lvl, ctl, "corrected-resend",
			   "%s came before in file %s, which was rejected "
			   "wholly or in part: processed as its corrected "
			   "resend",
			   what, t->other_of);
	else if (t->reuse_new)
		eg_fc_note(fc, lvl, ctl, "control-number-reuse",
			   "%s was received before in file %s, with other "
			   "content: processed as new (the profile's "
			   "control-reuse=\"accept\")",
			   what, t->other_of);
}

/* --- units --------------------------------------------------------------- */

/* Judge the set that just ended against earlier deliveries under its
 * numbers (its digest is kept with its status, in end_txn). */
static eg_err
judge_set(fctx *fc, const eg_unit_result *u, eg_dd_verdict *v, char of[32],
	  const char **digest, const char **key, eg_error *e)
{
	const eg_dd_unit *unit =
	    fc->dd_ichg.past.seen ? &fc->dd_ichg : &fc->dd_grp;
	eg_err rc;

	*v = EG_DD_NEW;
	of[0] = '\0';
	if ((rc = eg_dedupe_set_end(fc->dd, digest, key, e)))
		return rc;
	if (u->outcome == EG_REJECTED || fc->dup_file)
		return EG_OK;
	return eg_dedupe_judge(fc->l, unit, *digest, fc->p, v, of, e);
}

static void
end_txn(fctx *fc, const eg_unit_result *u, eg_unit_result *told)
{
	eg_mapper_counts before, after;
	const char *status, *key = "", *digest = "";
	eg_dd_verdict v = EG_DD_NEW;
	char of[32] = "";
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	enter_units(fc, &u->ctl);
	if (fc->rc)
		return;
	rc = eg_ledger_pl_txn_add(fc->l, fc->id, &u->ctl, &fc->txn_id, &e);
	if (!rc)
		rc = judge_set(fc, u, &v, of, &digest, &key, &e);
	if (rc) {
		eg_fc_fail(fc, rc, &e);
		return;
	}
	fc->set_skip = v == EG_DD_DUPLICATE || v == EG_DD_HELD;
	if (v == EG_DD_RESEND && !fc->resend_of[0])
		snprintf(fc->resend_of, sizeof(fc->resend_of), "%s", of);
	eg_dd_tally_add(&fc->ichg_t, v, of);
	eg_dd_tally_add(&fc->grp_t, v, of);
	fc->txn_status = NULL;
	fc->txn_dup_of[0] = '\0';
	fc->txn_key[0] = '\0';
	fc->txn_records = 0;
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (fc->mapper) {
		eg_unit_result mu = *u;

		/* an acknowledgement-only set makes no record */
		if (fc->txn_kind == EG_SET_ACK_ONLY ||
		    fc->txn_kind == EG_SET_ACK_IN)
			mu.outcome = EG_REJECTED;
		eg_mapper_counts_get(fc->mapper, &before);
		eg_mapper_unit_end(fc->mapper, &mu);
		eg_mapper_counts_get(fc->mapper, &after);
		if ((rc = eg_mapper_error(fc->mapper, &e))) {
			eg_fc_fail(fc, rc, &e);
			return;
		}
	}
	if (u->outcome == EG_REJECTED || after.rejected > before.rejected)
		status = "rejected";
	else if (fc->dup_file || v == EG_DD_DUPLICATE)
		status = "duplicate";
	else if (v == EG_DD_HELD)
		status = "held";
	else if (fc->txn_status)
		status = fc->txn_status;
	else
		status = eg_set_kind_status(fc->txn_kind);
	if (fc->txn_kind == EG_SET_UNSUPPORTED)
		eg_fc_finding(fc, EG_LVL_TRANSACTION, &u->ctl, "not-supported",
			      "%s", fc->txn_why);
	if (fc->txn_kind == EG_SET_ACK_IN && strcmp(status, "rejected") &&
	    strcmp(status, "duplicate"))
		fc->acks_in++;
	if (!strcmp(status, "rejected") || !strcmp(status, "held"))
		fc->rejected++;
	else if (!strcmp(status, "duplicate"))
		fc->duplicates++;
	else
		fc->accepted++;
	if (!strcmp(status, "change"))
		fc->changed++;
	/* a set refused after syntax, told so in the 997/999 when the
	 * profile says after-syntax="reject" */
	if (!strcmp(status, "rejected") && u->outcome != EG_REJECTED &&
	    fc->p->ack_after_syntax_reject) {
		told->outcome = EG_REJECTED;
		fc->grp_flipped++;
	}
	fc->records += fc->txn_records;
	/* a set that gave no record is still named by its key, read from
	 * its segments, so `files --key` finds it (not remembered as
	 * delivered: business_keys holds delivered documents only) */
	if (!fc->txn_key[0] && key[0])
		snprintf(fc->txn_key, sizeof(fc->txn_key), "%s", key);
	rc = eg_ledger_pl_txn_decided(
	    fc->l, fc->txn_id, status, fc->txn_key[0] ? fc->txn_key : NULL,
	    fc->dup_file	? fc->dup_of
	    : fc->set_skip	? of
	    : fc->txn_dup_of[0] ? fc->txn_dup_of
				: NULL,
	    (int64_t)fc->txn_records, digest[0] ? digest : NULL,
	    (int64_t)u->ctl.interchange, &e);
	fc->set_skip = 0;
	if (rc)
		eg_fc_fail(fc, rc, &e);
}

/* A group or interchange ended rejected after some of its sets were
 * accepted: take their records and keys back. */
static eg_err
undo_units(fctx *fc, uint64_t mark, const char *isa13, const char *gs06,
	   eg_error *e)
{
	eg_err rc = eg_fc_rec_truncate(fc, mark, e);
	int64_t undone = 0, records = 0;

	if (!rc)
		rc = eg_ledger_pl_units_undo(fc->l, fc->id, isa13, gs06,
					     &undone, &records, e);
	if (!rc && undone > 0) {
		fc->accepted -= (unsigned long)undone;
		fc->rejected += (unsigned long)undone;
	}
	if (!rc && records > 0)
		fc->records -= (unsigned long)records;
	return rc;
}

static void
end_group(fctx *fc, const eg_unit_result *u, eg_unit_result *told)
{
	eg_error e;
	eg_err rc = EG_OK;
	int rejected = u->outcome == EG_REJECTED;
	int ours = fc->grp_open && fc->cur_ichg == u->ctl.interchange &&
		   !strcmp(fc->cur_gs06, u->ctl.gs06);
	const char *status;

	eg_error_clear(&e);
	if (!ours) { /* a group without sets */
		memset(&fc->grp_t, 0, sizeof(fc->grp_t));
		memset(&fc->dd_grp, 0, sizeof(fc->dd_grp));
		fc->grp_flipped = 0;
	}
	if (fc->mapper)
		eg_mapper_unit_end(fc->mapper, u);
	if (rejected && ours)
		rc =
		    undo_units(fc, fc->mark_grp, u->ctl.isa13, u->ctl.gs06, &e);
	status = eg_dd_unit_status(&fc->grp_t, rejected, fc->dd_grp.past.seen,
				   fc->dup_file);
	if (!rc)
		rc = eg_ledger_pl_group_add(
		    fc->l, fc->id, &u->ctl, status,
		    !strcmp(status, "duplicate") && fc->grp_t.dup_of[0]
			? fc->grp_t.dup_of
		    : !strcmp(status, "held") ? fc->grp_t.held_of
					      : NULL,
		    &e);
	if (!rc)
		unit_findings(fc, &u->ctl, &fc->grp_t, &fc->dd_grp, status);
	/* sets refused after syntax and told rejected: the AK9 counts them */
	if (!rejected && fc->grp_flipped) {
		told->accepted = told->accepted > fc->grp_flipped
				     ? told->accepted - fc->grp_flipped
				     : 0;
		told->outcome = told->accepted ? EG_PARTIAL : EG_REJECTED;
	}
	fc->grp_flipped = 0;
	fc->grp_open = 0;
	if (rc)
		eg_fc_fail(fc, rc, &e);
}

static void
end_interchange(fctx *fc, const eg_unit_result *u)
{
	eg_error e;
	eg_err rc = EG_OK;
	int rejected = u->outcome == EG_REJECTED;
	const char *status;

	eg_error_clear(&e);
	if (fc->mapper)
		eg_mapper_unit_end(fc->mapper, u);
	if (rejected)
		rc = undo_units(fc, fc->mark_ichg, u->ctl.isa13, NULL, &e);
	if (!rc && rejected && u->count == 0)
		fc->file_rejected = 1; /* nothing inside to count */
	status = eg_dd_unit_status(&fc->ichg_t, rejected, fc->dd_ichg.past.seen,
				   fc->dup_file);
	if (!rc && !rejected && u->count == 0 && strcmp(status, "duplicate") &&
	    strcmp(status, "held"))
		fc->acks_in++; /* no group: TA1s only (ackin.h) */
	if (!rc)
		rc = eg_ledger_pl_interchange_add(
		    fc->l, fc->id, (int64_t)u->ctl.interchange, &u->ctl,
		    fc->pl->o.now, status,
		    !strcmp(status, "duplicate")
			? (fc->ichg_t.dup_of[0]	   ? fc->ichg_t.dup_of
			   : fc->dd_ichg.past.seen ? fc->dd_ichg.past.first
						   : NULL)
		    : !strcmp(status, "held") ? fc->ichg_t.held_of
					      : NULL,
		    &e);
	if (!rc)
		unit_findings(fc, &u->ctl, &fc->ichg_t, &fc->dd_ichg, status);
	/* a held interchange is not acknowledged: a person decides first;
	 * nor a duplicate, when the syntax's acknowledgement would tell
	 * "accepted" a second time (syntax.h quiet_duplicates) */
	if (fc->ichg_t.held ||
	    (fc->syn->quiet_duplicates && !strcmp(status, "duplicate")))
		fc->ack_quiet = 1;
	fc->ack_seq = (int64_t)u->ctl.interchange;
	fc->ichg_open = 0;
	if (rc)
		eg_fc_fail(fc, rc, &e);
}

/*
 * Before a set is acknowledged or mapped: what is it to us (setkind.h)?
 * A set nothing can process is answered "not supported" (AK502/IK502
 * code 1) and counted rejected, never accepted.
 */
static void
set_policy(fctx *fc, eg_unit_result *v)
{
	eg_finding f;
	eg_error e;
	eg_err rc;

	if (fc->misrouted_to[0]) {
		/* refused at the identity check: not looked at further */
		fc->txn_kind = EG_SET_PROCESS;
		fc->txn_noguide = 0;
		return;
	}
	eg_error_clear(&e);
	rc = eg_set_kind_of(fc->syn, fc->p,
			    fc->dup_file ? NULL : fc->pl->o.maps,
			    &v->ctl, fc->txn_noguide, &fc->txn_kind,
			    fc->txn_why, sizeof(fc->txn_why), &e);
	fc->txn_noguide = 0;
	if (rc) {
		eg_fc_fail(fc, rc, &e);
		return;
	}
	if (fc->txn_kind != EG_SET_UNSUPPORTED || v->outcome == EG_REJECTED)
		return;
	v->outcome = EG_REJECTED;
	fc->grp_refused++;
	fc->unsupported++;
	if (!fc->ack)
		return;
	memset(&f, 0, sizeof(f));
	f.level = EG_LVL_TRANSACTION;
	f.severity = EG_FIND_ERROR;
	f.code = "1"; /* 718 / 618: Transaction Set Not Supported */
	f.rule = "not-supported";
	f.ctl = v->ctl;
	snprintf(f.msg, sizeof(f.msg), "%s", fc->txn_why);
	fc->ack_ev->finding(fc->ack_ev->ud, &f);
}

/* A group whose sets we refused says so in its AK9 (P or R). */
static void
group_policy(fctx *fc, eg_unit_result *v)
{
	if (!fc->syn->ack_group(&v->ctl))
		fc->ichg_groups++;
	if (fc->grp_refused && v->outcome != EG_REJECTED) {
		v->accepted = v->accepted > fc->grp_refused
				  ? v->accepted - fc->grp_refused
				  : 0;
		v->outcome = v->accepted ? EG_PARTIAL : EG_REJECTED;
	}
	fc->grp_refused = 0;
}

/* The pipeline decides each unit first (records, dedupe, status); the
 * acknowledgement then hears the outcome it is to tell, which differs
 * from the syntax outcome only for sets refused after syntax when the
 * profile says after-syntax="reject". */
void
eg_fc_on_unit(void *ud, const eg_unit_result *u)
{
	fctx *fc = ud;
	eg_unit_result v = *u, told;
	int to_ack = fc->ack != NULL;

	if (fc->rc)
		return;
	if (!fc->ichg_open || fc->cur_ichg != u->ctl.interchange)
		enter_interchange(fc, &u->ctl);
	/* another partner's interchange: every unit in it is refused */
	if (fc->misrouted_to[0])
		v.outcome = EG_REJECTED;
	if (u->level == EG_LVL_TRANSACTION) {
		set_policy(fc, &v);
		to_ack = to_ack && fc->txn_kind != EG_SET_ACK_IN;
	} else if (u->level == EG_LVL_GROUP) {
		group_policy(fc, &v);
		to_ack = to_ack && !fc->syn->ack_group(&v.ctl);
	} else if (u->level == EG_LVL_INTERCHANGE) {
		/* an interchange of acknowledgements only: no TA1 unless
		 * its envelope is refused (ackin.h) */
		if (!fc->ichg_groups && v.outcome != EG_REJECTED)
			v.ctl.ack_requested = '0';
		fc->ichg_groups = 0;
	}
	told = v;
	if (v.level == EG_LVL_TRANSACTION)
		end_txn(fc, &v, &told);
	else if (v.level == EG_LVL_GROUP)
		end_group(fc, &v, &told);
	else if (v.level == EG_LVL_INTERCHANGE) {
		end_interchange(fc, &v);
		fc->misrouted_to[0] = '\0';
	}
	if (to_ack && !fc->rc)
		fc->ack_ev->unit_end(fc->ack_ev->ud, &told);
}

eg_err
eg_fc_on_segment(void *ud, const eg_segment *seg, eg_error *e)
{
	fctx *fc = ud;
	eg_err rc = eg_dedupe_segment(fc->dd, seg, e);

	if (!rc && fc->mapper && !fc->misrouted_to[0])
		rc = fc->syn->map_segment(fc->mapper, seg, e);
	return rc; /* another partner's segments are not mapped as ours */
}
