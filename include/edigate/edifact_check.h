/*
 * edifact_check.h - UN/EDIFACT service-segment checks (UNB/UNZ, UNG/UNE,
 * UNH/UNT) with the ISO 9735 0085 syntax error codes, and the driver that
 * runs the reader and the checks over one source.
 *
 * Fed the reader's segments in file order, the checker reports findings,
 * each with the 0085 code it carries in a CONTRL, and the outcome of every
 * message, group and interchange as it closes.  Memory is constant: the
 * headers of the open interchange, group and message and a few counters.
 *
 * Codes used (shared/reference/ack-codes.md 4.6): 2 syntax identifier or
 * version not supported, 12 invalid value (dates, times, 0031), 13
 * missing (mandatory service data, trailers at end of input), 21 invalid
 * characters for the syntax identifier, 23 unknown interchange sender, 25
 * test indicator not supported, 26 duplicate interchange, 28 references
 * do not match, 29 control count does not match, 30 groups and messages
 * mixed, 32 lower level empty, 33 invalid occurrence outside a message or
 * group, 39 data element too long, 43 unknown interchange recipient, 45
 * trailing separator (syntax version 4).
 */
#ifndef EDIGATE_EDIFACT_CHECK_H
#define EDIGATE_EDIFACT_CHECK_H

#include <stdint.h>

#include "edigate/edifact.h"
#include "edigate/envelope.h"
#include "edigate/err.h"

/* Longest service identifier kept (an..35 in syntax 4). */
#define EG_EDIFACT_ID_MAX 35

/*
 * The headers of the units a finding or outcome belongs to, as an
 * acknowledgement needs them.  Values are unescaped and NUL-terminated;
 * "" when absent.  Components longer than EG_EDIFACT_ID_MAX are cut and
 * clear `addressable`.
 */
typedef struct eg_edifact_ctl {
	uint32_t interchange;  /* 1-based number in the file */
	char syntax_id[5];     /* UNB 0001 */
	char version;          /* UNB 0002 ('1'..'4', 'X'; 0 if invalid) */
	char s002[4][EG_EDIFACT_ID_MAX + 1]; /* sender 0004:0007:0008:0042 */
	char s003[4][EG_EDIFACT_ID_MAX + 1]; /* recipient 0010:0007:0014:0046 */
	char date[9], time[5]; /* UNB S004 */
	char icr[EG_EDIFACT_ID_MAX + 1]; /* UNB 0020 */
	char ack_request;      /* UNB 0031: '1', '2' or 0 */
	char test;             /* UNB 0035 or 0 */
	int addressable;       /* sender, recipient and 0020 usable */
	eg_edifact_delims delims; /* as the partner sent them */
	/* group (UNG), "" outside one */
	char gref[EG_EDIFACT_ID_MAX + 1];     /* 0048 */
	char s006[2][EG_EDIFACT_ID_MAX + 1];  /* 0040:0007 */
	char s007[2][EG_EDIFACT_ID_MAX + 1];  /* 0044:0007 */
	/* message (UNH), "" outside one */
	char mref[EG_EDIFACT_ID_MAX + 1];     /* 0062 */
	char s009[5][8];       /* 0065 type, 0052, 0054, 0051, 0057 */
} eg_edifact_ctl;

typedef struct eg_edifact_finding {
	eg_level level;   /* interchange, group, transaction (= message),
			   * segment or element (inside a message) */
	eg_find_sev severity;
	const char *code; /* 0085 */
	const char *rule; /* short stable id, e.g. "unz-count" */
	char msg[320];
	/* offset, segment number, position in the message (UNH = 1), tag,
	 * data element (the first after the tag is 1), component,
	 * repetition */
	eg_pos pos;
	eg_edifact_ctl ctl;
} eg_edifact_finding;

typedef struct eg_edifact_unit {
	eg_level level;   /* interchange, group or transaction (message) */
	int rejected;
	eg_edifact_ctl ctl;
	uint64_t offset;  /* where the unit starts */
	uint32_t count;   /* groups or messages in an interchange, messages
			   * in a group, segments in a message */
	uint32_t rejected_count; /* of those, rejected */
	uint32_t errors;  /* error findings at or below this unit */
	int groups;       /* interchange: it used groups */
	int in_group;     /* message: it is inside a UNG..UNE group */
	int has_trailer;  /* the trailer was there */
} eg_edifact_unit;

typedef struct eg_edifact_events {
	void (*finding)(void *ud, const eg_edifact_finding *f);
	/* a message, group or interchange closed (normally or not) */
	void (*unit_end)(void *ud, const eg_edifact_unit *u);
	void *ud;
} eg_edifact_events;

/*
 * What the files of one partner must say (strings borrowed; NULL = not
 * checked).  seen answers "did this interchange (sender, recipient,
 * 0020) come before, within the window?": the ledger's duplicate query
 * (eg_unit_key a/b/c) in the pipeline, a list in tests; NULL = no
 * duplicate check.
 */
typedef struct eg_edifact_expect {
	const char *sender, *sender_q;       /* UNB 0004, 0007 */
	const char *recipient, *recipient_q; /* UNB 0010, 0007 */
	int no_test;  /* 1: interchanges marked as tests (0035) refused */
	int (*seen)(void *ud, const eg_edifact_ctl *c);
	void *seen_ud;
} eg_edifact_expect;

typedef struct eg_edifact_checker eg_edifact_checker;

eg_err eg_edifact_checker_new(eg_edifact_checker **out,
			      const eg_edifact_events *ev,
			      const eg_edifact_expect *x,
			      eg_error *e) EG_MUST_USE;
/* Check one segment, in file order. */
void eg_edifact_checker_segment(eg_edifact_checker *c,
				const eg_edifact_segment *s);
/* A fatal reader error: a finding of the open unit, all closed rejected. */
void eg_edifact_checker_abort(eg_edifact_checker *c, const eg_error *err);
/*
 * A finding from outside the service checks (the message guide
 * validator): counted against the open message (or, outside one, the
 * open group or interchange), rejecting it when sev is an error; ctl is
 * filled in here.  f->level is the finding's own (segment, element).
 */
void eg_edifact_checker_add(eg_edifact_checker *c,
			    const eg_edifact_finding *f);
/* End of input at byte end: missing trailers reported there, what is
 * open closed. */
void eg_edifact_checker_finish(eg_edifact_checker *c, uint64_t end);
void eg_edifact_checker_totals(const eg_edifact_checker *c,
			       eg_envelope_totals *t);
void eg_edifact_checker_free(eg_edifact_checker *c);

struct eg_edguides;
struct eg_ed_guide;

typedef struct eg_edifact_check_opts {
	eg_edifact_opts reader;
	const eg_edifact_expect *expect; /* NULL: no partner */
	/* Message guides (edifact_guide.h): every message is also checked
	 * against the shipped guide for its UNH S009, or against `guide`
	 * for messages of its type; a message with neither gets a note
	 * "no-guide".  NULL and NULL: service-segment checks only. */
	struct eg_edguides *guides;
	const struct eg_ed_guide *guide;
	unsigned max_findings; /* guide findings per message; 0 = 100 */
	void (*progress)(void *ud, uint64_t offset);
	void *progress_ud;
	/* Every segment, before the checks see it (the pipeline's
	 * duplicate digests and mapper); an error stops the check. */
	eg_err (*segment)(void *ud, const eg_edifact_segment *s, eg_error *e);
	void *segment_ud;
} eg_edifact_check_opts;

typedef struct eg_edifact_check_result {
	eg_envelope_totals totals; /* transactions = messages */
	uint64_t bytes, segments;
	int reader_failed;
	uint32_t guided, unguided; /* messages with / without a guide */
} eg_edifact_check_result;

/*
 * Read src and check it (and, with opts->guides or opts->guide,
 * validate every message against its guide).  EG_OK when the check ran
 * (see res->totals.errors for the document's state); an error only when
 * it could not run (memory, I/O, a broken guide file).  A reader error on the document is a finding, never a failure.
 */
eg_err eg_edifact_check(eg_source *src, const eg_edifact_check_opts *opts,
			const eg_edifact_events *ev,
			eg_edifact_check_result *res, eg_error *e) EG_MUST_USE;

/* A date of UNB/UNG S004 for a syntax version: YYMMDD before 4, CCYYMMDD
 * in 4, either in X; a time HHMM. */
int eg_edifact_date_ok(const char *s, char version);
int eg_edifact_time_ok(const char *s);

#endif
