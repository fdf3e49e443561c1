/*
 * envelope.h - X12 envelope checks (ISA/IEA, GS/GE, ST/SE).
 *
 * Fed the reader's segments one at a time, the checker reports findings,
 * each with the standard code it will carry in an acknowledgement (TA105
 * for the interchange, AK905 for the group, AK502/IK502 for the
 * transaction set), and the outcome of every transaction set, group and
 * interchange as each one closes.  It keeps no segment data: memory is a
 * few counters plus the control numbers seen in the open group and
 * interchange (kept as ranges, so sequential numbers cost nothing).
 */
#ifndef EDIGATE_ENVELOPE_H
#define EDIGATE_ENVELOPE_H

#include <stdarg.h>
#include <stdint.h>

#include "edigate/err.h"
#include "edigate/x12.h"

typedef enum eg_level {
	EG_LVL_FILE,
	EG_LVL_INTERCHANGE,
	EG_LVL_GROUP,
	EG_LVL_TRANSACTION,
	EG_LVL_SEGMENT,
	EG_LVL_ELEMENT,
} eg_level;

typedef enum eg_find_sev {
	EG_FIND_ERROR,   /* rejects the unit it belongs to */
	EG_FIND_WARNING, /* noted; accepted with errors at most */
	EG_FIND_NOTE,    /* information (e.g. "no guide"); no effect */
} eg_find_sev;

/*
 * Control numbers and parties of the unit a finding or outcome belongs
 * to.  Named for X12 (ISA/GS/ST), where it was first written; an EDIFACT
 * check fills the same fields from UNB/UNG/UNH (edifact_syntax.c), so
 * the sizes hold EDIFACT's longer values (an..35 parties, an..14
 * references, an..6 message types).
 */
typedef struct eg_x12_ctl {
	char isa13[15]; /* "" when not known; EDIFACT: UNB 0020 */
	char gs06[15];  /* EDIFACT: UNG 0048 */
	char gs01[3];
	char gs08[13];  /* EDIFACT: UNH 0052+0054 ("D96A") */
	char st01[7];   /* EDIFACT: UNH 0065 ("DESADV") */
	char st02[15];  /* EDIFACT: UNH 0062 */
	char sender[36];   /* ISA06, trimmed; EDIFACT: UNB 0004 */
	char receiver[36]; /* ISA08, trimmed; EDIFACT: UNB 0010 */
	uint32_t interchange; /* 1-based number in the file */
	/* What an acknowledgement needs from the headers: */
	char sender_q[5], receiver_q[5]; /* ISA05, ISA07; EDIFACT 0007 */
	char isa_date[7], isa_time[5];   /* ISA09, ISA10 */
	char isa_version[6];             /* ISA12 */
	char ack_requested;              /* ISA14: '0' or '1' */
	char usage;                      /* ISA15: 'P' or 'T' */
	char gs_sender[36], gs_receiver[36]; /* GS02, GS03 */
	char st03[36];                   /* ST03 (005010), "" if none */
	/* EDIFACT, a header read from raw bytes after a reader stopped
	 * (the descriptor's next_header): the separators it was read with,
	 * UNA1-UNA6 ("" otherwise), so that its CONTRL can echo them */
	char seps[7];
	/*
	 * The syntax's own record of the unit (EDIFACT: its
	 * eg_edifact_ctl), for that syntax's acknowledgement writer: valid
	 * only during the callback that carries it, NULL when the pipeline
	 * made the unit up or the syntax has none (X12).
	 */
	const void *native;
} eg_x12_ctl;

typedef struct eg_finding {
	eg_level level;
	eg_find_sev severity;
	/*
	 * Standard code for this level's acknowledgement: TA105 (I18) for
	 * the interchange, AK905 (716) for the group, AK502 (718) for the
	 * transaction set, AK304 (720) for a segment, AK403 (723) for an
	 * element.  code999 is the 999 code when it differs (IK502 618 has
	 * e.g. 18), else NULL.  code may be NULL when the 997 version has
	 * no code for the problem.
	 */
	const char *code;
	const char *code999;
	const char *rule; /* short stable id, e.g. "iea02-mismatch" */
	char msg[320];
	eg_pos pos;
	eg_x12_ctl ctl;
	/* Segment and element findings (guide validation), for AK3/AK4: */
	char loop_id[8];   /* AK303: the loop the segment is in, "" if none */
	char elem_ref[8];  /* AK402: data element reference number */
	char value[100];   /* AK404: copy of the bad data, "" if none */
	/* The document's business key when known, "BSN02:SHIP1" (999 CTX
	 * business unit identifier), "" if none. */
	char context[80];
} eg_finding;

/*
 * Start a finding: clear f, set its level, severity, codes and rule, and
 * format its message from fmt/ap.  Used by every checker so findings are
 * built one way.
 */
void eg_finding_vinit(eg_finding *f, eg_level lvl, eg_find_sev sev,
		      const char *code, const char *code999, const char *rule,
		      const char *fmt, va_list ap);

typedef enum eg_outcome {
	EG_ACCEPTED,        /* A */
	EG_ACCEPTED_ERRORS, /* E */
	EG_PARTIAL,         /* P (groups only) */
	EG_REJECTED,        /* R */
} eg_outcome;

/* "A", "E", "P", "R". */
const char *eg_outcome_code(eg_outcome o);
const char *eg_outcome_str(eg_outcome o);

typedef struct eg_unit_result {
	eg_level level; /* interchange, group or transaction */
	eg_outcome outcome;
	eg_x12_ctl ctl;
	uint64_t offset;  /* where the unit starts */
	uint32_t count;   /* groups in an interchange, sets in a group,
			   * segments in a set */
	uint32_t accepted; /* of those, accepted (groups/interchanges) */
	uint32_t errors;   /* findings at or below this unit */
	/* The count its trailer declares (SE01, GE01, IEA01), when the
	 * trailer was there and numeric. */
	uint32_t declared;
	int declared_ok;
	/* The syntax's own record of the unit (EDIFACT: eg_edifact_unit),
	 * for its acknowledgement writer; valid only during the callback,
	 * NULL for X12 or a unit the pipeline made up. */
	const void *native;
} eg_unit_result;

typedef struct eg_envelope_events {
	void (*finding)(void *ud, const eg_finding *f);
	/* Called when a transaction set, group or interchange closes
	 * (normally or at end of input). */
	void (*unit_end)(void *ud, const eg_unit_result *u);
	void *ud;
} eg_envelope_events;

typedef struct eg_envelope eg_envelope;

/*
 * Optional per-transaction-set hook (the guide validator): begin at ST,
 * every segment of the set from ST to SE, end at SE (se NULL when the set
 * ends without one).  It reports through eg_envelope_report so its
 * findings count towards the set's outcome.
 */
typedef struct eg_txn_hook {
	void (*begin)(void *ud, eg_envelope *env, const eg_x12_segment *st,
		      const eg_x12_ctl *ctl);
	void (*segment)(void *ud, eg_envelope *env, const eg_x12_segment *s);
	void (*end)(void *ud, eg_envelope *env, const eg_x12_segment *se);
	void *ud;
} eg_txn_hook;

eg_err eg_envelope_new(eg_envelope **out, const eg_envelope_events *ev,
		       eg_error *e) EG_MUST_USE;
/* Check one segment, in file order. */
eg_err eg_envelope_segment(eg_envelope *env, const eg_x12_segment *seg,
			   eg_error *e) EG_MUST_USE;
/*
 * A fatal reader error ends the input: report it as a finding of the open
 * interchange (or the file) and close what is open as rejected.
 */
void eg_envelope_abort(eg_envelope *env, const eg_error *reader_err);
/* End of input: report missing trailers and close what is open. */
eg_err eg_envelope_finish(eg_envelope *env, eg_error *e) EG_MUST_USE;
/*
 * A partner's identity and documents, when a file is checked as coming
 * from that partner: an interchange from another sender is refused (never
 * processed as this partner: tenant isolation), one not addressed to us
 * is refused, and a transaction set or release the profile does not list
 * is not supported.  Strings are borrowed.
 */
typedef struct eg_envelope_expect {
	const char *partner;      /* profile id, for messages */
	const char *sender_q, *sender;     /* ISA05/06 */
	const char *receiver_q, *receiver; /* ISA07/08 */
	const char *gs_sender, *gs_receiver; /* GS02/03 */
	/* the same partner in UN/EDIFACT (UNB S002 0004:0007, S003
	 * 0010:0007), read by the EDIFACT descriptor's check; NULL or ""
	 * when the partner does not speak EDIFACT */
	const char *unb_sender, *unb_sender_q;
	const char *unb_recipient, *unb_recipient_q;
	/* how strictly the characters are held to the repertoire of UNB
	 * 0001 (the profile's <partner-unb repertoire=>): eg_edifact_strict,
	 * 0 strict */
	int unb_repertoire;
	/* accepted "SET:RELEASE" words, e.g. "850:004010 997:004010";
	 * NULL accepts any */
	const char *sets;
	/* Who owns a sender (an ISA05/06 or UNB 0007/0004 pair), for the
	 * message when another partner does: returns a profile id or NULL. */
	const char *(*owner)(void *ud, const char *q, const char *id);
	void *owner_ud;
} eg_envelope_expect;

/* Check files against a partner (borrowed; NULL to stop). */
void eg_envelope_set_expect(eg_envelope *env, const eg_envelope_expect *x);

/* Install (or with NULL remove) the transaction hook; borrowed. */
void eg_envelope_set_hook(eg_envelope *env, const eg_txn_hook *hook);
/*
 * Report a finding from a hook: ctl is filled in from the open units and
 * counters and outcomes are updated as for the envelope's own findings.
 */
void eg_envelope_report(eg_envelope *env, const eg_finding *f);

/* Totals since creation. */
typedef struct eg_envelope_totals {
	uint32_t interchanges, groups, transactions;
	uint32_t errors, warnings, notes;
	uint32_t rejected_transactions;
} eg_envelope_totals;
void eg_envelope_totals_get(const eg_envelope *env, eg_envelope_totals *t);
void eg_envelope_free(eg_envelope *env);

/* Expected GS01 functional identifier for an ST01, or NULL if unknown. */
const char *eg_x12_functional_id(const char *st01);
/* Is fid a functional identifier of a set in that same table? */
int eg_x12_functional_id_known(const char *fid);
/* Is q a code of I05 (interchange ID qualifier)? */
int eg_x12_id_qualifier_ok(const char *q);
/* An ISA09/GS04 date (YYMMDD or CCYYMMDD), an ISA10/GS05 time (HHMM...). */
int eg_x12_date_ok(const char *s);
int eg_x12_time_ok(const char *s);

#endif
