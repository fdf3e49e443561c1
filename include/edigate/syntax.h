/*
 * syntax.h - what the pipeline needs from a document syntax it reads: the
 * syntax descriptor, reached from the format registry (format.h:
 * eg_format.syntax; NULL there means "recognised, not readable yet").
 *
 * The pipeline calls a syntax only through this table: it finds the
 * syntax whose `starts` takes the file's first bytes, runs its `check`
 * (reader, envelope checks, guide validation in one pass) with the
 * mapper fed from `map_segment`, keeps duplicates by `unit_key`, answers
 * with its acknowledgement writer, and names what a stopped reader left
 * unread with `next_header`.  Adding a syntax is a descriptor in its own
 * module (src/formats/<syntax>_syntax.c) and one line in the registry
 * (src/formats/registry.c); the pipeline's flow does not change
 * (docs/architecture.md).
 *
 * The types the operations exchange are today's, named for X12 where
 * they were first written: a segment is a tag with its bytes, offset and
 * position (eg_x12_segment; another syntax hands its segments on in that
 * shape with `native` pointing to its own), a unit's control numbers and
 * parties fill eg_x12_ctl (ISA/GS/ST; the EDIFACT descriptor fills the
 * same fields from UNB/UNG/UNH), and the check's options carry limits,
 * guides, the partner's expectations and the segment callback.  The
 * aliases below are the names the pipeline uses for them.
 *
 * The segment view: whoever reads values out of a segment without
 * knowing its syntax (the pipeline's duplicate digests and keys, the
 * CLI's JSON printer, the mapper) asks the descriptor: `role` (what the
 * segment is in the envelope), `value` (element, repetition, component),
 * `split` (how its bytes split into values), `doc_id` (the document a
 * header names).  No X12 accessor is called by name.
 *
 * Descriptors are static const tables; nothing here holds state.
 */
#ifndef EDIGATE_SYNTAX_H
#define EDIGATE_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/ack.h"
#include "edigate/ack_read.h"
#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/layout.h"
#include "edigate/map.h"
#include "edigate/source.h"
#include "edigate/x12_check.h"

typedef eg_x12_segment eg_segment;
typedef eg_x12_check_opts eg_syntax_check_opts;
typedef eg_x12_check_result eg_syntax_check_result;
typedef eg_x12_limits eg_syntax_limits;
struct eg_profile;

/* What a segment is in its envelope (the segment view). */
typedef enum eg_seg_role {
	EG_SEG_DATA = 0,        /* inside a message, or anything else */
	EG_SEG_INTERCHANGE,     /* ISA, UNA/UNB */
	EG_SEG_INTERCHANGE_END, /* IEA, UNZ */
	EG_SEG_GROUP,           /* GS, UNG */
	EG_SEG_GROUP_END,       /* GE, UNE */
	EG_SEG_MESSAGE,         /* ST, UNH: a message (transaction set) */
	EG_SEG_MESSAGE_END,     /* SE, UNT */
} eg_seg_role;

/*
 * How a segment's bytes as sent (eg_segment data/len) split into its
 * values (the segment view's `split`): the separators, 0 for one the
 * syntax or the interchange has none of, and what component 0 means
 * (as `value` says it).
 */
typedef struct eg_seg_seps {
	unsigned char element, component, repetition;
	/* 1: component 0 is the first component (EDIFACT); 0: the
	 * repetition as sent, separators included (X12) */
	unsigned char first_component;
} eg_seg_seps;

/* A unit's duplicate keys (unit_key), as the ledger's dedupe keys them. */
typedef struct eg_syntax_key {
	char from[48], to[48], number[16];
} eg_syntax_key;

/* The bytes `starts` is given: the file's first ones (fewer when the
 * file is shorter). */
#define EG_SYNTAX_HEAD 128

/*
 * An acknowledgement writer: it hears the check's findings and unit ends
 * (its events) and emits one acknowledgement interchange per inbound
 * interchange through o->emit.  X12: TA1, 997, 999; EDIFACT: CONTRL.
 * The writer object is the syntax's own (opaque here).
 */
typedef struct eg_ack_writer {
	const char *names; /* what it writes, for people: "TA1/997/999" */
	/* Fill o's delimiters and conventions from the partner's profile. */
	void (*opts_profile)(eg_ack_opts *o, const struct eg_profile *p);
	eg_err (*open)(void **out, const eg_ack_opts *o, eg_error *e);
	/* The events to pass to the check; they call into the writer. */
	const eg_envelope_events *(*events)(void *w);
	/* Errors raised while emitting (the events cannot return them). */
	eg_err (*error)(const void *w, eg_error *e);
	/* After the check, when the first header could not be read: answer
	 * it from its raw bytes if they still name its sender (1: done). */
	int (*header_fallback)(void *w, const char *head, size_t len);
	/* The kind of an acknowledgement it wrote ("997", "TA1", ...). */
	const char *(*kind)(const char *data, size_t len);
	/* Is an acknowledgement it wrote addressed to the party id
	 * (qualifier q, may be NULL or "")?  1 also when it cannot tell. */
	int (*addressed_to)(const char *data, size_t len, const char *q,
			    const char *id);
	void (*close)(void *w);
	/* Inbound interchanges (or unreadable input) the writer could not
	 * answer with an acknowledgement that was valid and true; *why (may
	 * be NULL) the last reason, valid until close. */
	unsigned (*unanswered)(const void *w, const char **why);
	/* What the partner is sent for an interchange left unread after
	 * a reader stopped (read.c), for the finding: " (TA1 R sent)", or
	 * "" when the writer cannot answer one from its raw header. */
	const char *unread_note;
} eg_ack_writer;

typedef struct eg_syntax_desc {
	const char *name; /* the registry's name: "x12" */
	/*
	 * Does the file start as an interchange of this syntax (after a
	 * UTF-8 byte order mark and white space)?  *seg_term gets the
	 * segment terminator when the header shows it (a finding quotes
	 * its segment up to it); untouched otherwise.
	 */
	int (*starts)(const unsigned char *p, size_t n, char *seg_term);
	/* The reader's default limits (a profile may lower or raise them). */
	eg_syntax_limits (*limits)(void);
	/*
	 * Reader, envelope checks and guide validation in one streaming
	 * pass over src: every segment to o->segment first (the pipeline's
	 * duplicate digests, then the mapper through map_segment), findings
	 * and unit ends to ev.  EG_OK when the check ran, whatever the
	 * document holds; an error only when it could not run.
	 */
	eg_err (*check)(eg_source *src, const eg_syntax_check_opts *o,
			const eg_envelope_events *ev,
			eg_syntax_check_result *res, eg_error *e);
	/* The mapper's segment source: a segment of this syntax to the
	 * mapper (canonical records), which reads it through this
	 * descriptor's segment view (eg_mapper_segment). */
	eg_err (*map_segment)(eg_mapper *m, const eg_segment *seg,
			      eg_error *e);
	/* --- the segment view --- */
	eg_seg_role (*role)(const eg_segment *s);
	/*
	 * Element i (1-based, the tag is 0), repetition rep, component comp
	 * (1-based) of a segment of this syntax, or an empty span.  comp 0:
	 * the repetition as sent (X12: components and their separators
	 * included; EDIFACT: its first component); rep 0: the first
	 * repetition, or with comp 0 too the element as sent (X12:
	 * repetitions included).
	 */
	eg_span (*value)(const eg_segment *s, size_t i, size_t rep,
			 size_t comp);
	/* Repetitions of element i (1 without a repetition separator), and
	 * components of its repetition rep. */
	size_t (*repetitions)(const eg_segment *s, size_t i);
	size_t (*components)(const eg_segment *s, size_t i, size_t rep);
	/*
	 * The separators of the segment's bytes as sent, into *sep; 1 when
	 * splitting those bytes at them gives exactly what `value` gives
	 * (X12 always; EDIFACT unless a release character was used), 0
	 * when only `value` reads it right.  The mapper keeps a message's
	 * bytes as they are when it can, its values one by one otherwise.
	 */
	int (*split)(const eg_segment *s, eg_seg_seps *sep);
	/*
	 * The document a group or message header names: *type (ST01, UNH
	 * 0065) and *release (GS08; UNH 0052+0054), each filled only when
	 * this header says it (X12: the release is the group's).
	 */
	void (*doc_id)(const eg_segment *s, char *type, size_t tcap,
		       char *release, size_t rcap);
	/*
	 * The duplicate keys of an interchange (group 0) or a functional
	 * group (group 1): who sent it, to whom, under which control
	 * number, as the ledger's dedupe keys them (ledger_dedupe.h).
	 */
	void (*unit_key)(const eg_x12_ctl *c, int group, eg_syntax_key *k);
	/* Does this group hold acknowledgements (a partner's answer to
	 * what we sent)?  Those are stored, never answered or mapped. */
	int (*ack_group)(const eg_x12_ctl *c);
	/* ... and this message (transaction set): 997/999; CONTRL. */
	int (*ack_message)(const eg_x12_ctl *c);
	/*
	 * Read the acknowledgements a partner sent us (a file whose
	 * messages ack_message took): one status per interchange, group
	 * and message acknowledged, through fn (ack_read.h).  EG_ESYNTAX
	 * when none could be read.
	 */
	eg_err (*read_acks)(eg_source *src, eg_ack_status_fn fn, void *ud,
			    unsigned *n, eg_error *e);
	/*
	 * After the reader stopped: the first readable interchange header
	 * at or after byte from of the open file fd, its offset and fields.
	 * EG_ENOTFOUND when there is none.  header_len: its length, where
	 * the search for the next one goes on.
	 */
	eg_err (*next_header)(int fd, uint64_t from, uint64_t *at,
			      eg_x12_ctl *ctl, eg_error *e);
	size_t header_len;
	/* Its acknowledgement writer (NULL: none yet). */
	const eg_ack_writer *ack;
	/* The partner's identity in this syntax, from its profile (ISA05/06;
	 * UNB 0007/0004); "" when the profile gives none. */
	void (*partner_id)(const struct eg_profile *p, const char **q,
			   const char **id);
	/*
	 * 1: an interchange found to be a duplicate gets no acknowledgement
	 * (EDIFACT: a second CONTRL would say "accepted" again); 0: it is
	 * acknowledged as the profile says (X12's 997 again).
	 */
	int quiet_duplicates;
	/*
	 * For people (the reject report): what a document is called, and
	 * the names of the interchange and group control numbers, the
	 * document type and its reference in this syntax.  NULL: neutral
	 * words.
	 */
	const char *doc_word;	    /* "set"; "message" */
	const char *ctl_names[4]; /* ISA13 GS06 ST01 ST02; UNB 0020 ... */
} eg_syntax_desc;

/* The X12 descriptor (src/formats/x12_syntax.c). */
extern const eg_syntax_desc eg_syntax_x12;
/* The UN/EDIFACT descriptor (src/formats/edifact_syntax.c). */
extern const eg_syntax_desc eg_syntax_edifact;
struct eg_edifact_segment;
/* An EDIFACT segment in the pipeline's shape (what its check hands on):
 * v borrows from s and is valid as long as s is. */
void eg_syntax_edifact_view(const struct eg_edifact_segment *s,
			    eg_segment *v);
struct eg_edifact_ctl;
/* An interchange the reader never reached, as the descriptor's
 * next_header read it from its raw UNB, as the record a CONTRL writer
 * echoes (contrl.h); 0 when ctl did not come from next_header. */
int eg_syntax_edifact_unread(const eg_x12_ctl *ctl, struct eg_edifact_ctl *k);

/*
 * Record syntaxes: CSV (and fixed width) and XML.  Their documents have
 * no envelope, no control numbers and no acknowledgement: a file is read
 * record by record through the partner's layout (layout.h), each record
 * mapped to a canonical one with its business key and the flat values
 * its content digest is taken from.  The pipeline's layout documents
 * (pipeline/layoutdoc.c) and master-data batches (pipeline/batch.c) and
 * `edigate layout map` read through this table; the registry
 * (format.h: eg_format.records) names the descriptor of each.
 */
typedef struct eg_record_syntax {
	const char *name; /* the registry's name: "csv", "xml" */
	/* Do a file's first bytes look like this syntax (after a BOM and
	 * white space)?  The layout says the syntax; this catches a file
	 * sent in another one before its reader misreads it. */
	int (*starts)(const unsigned char *p, size_t n);
	/* Is l a layout of this syntax? */
	int (*takes)(const eg_layout *l);
	/* Open path for reading through l (CSV: its header bound to the
	 * layout's columns).  EG_ESYNTAX/EG_ECONFIG: the file cannot be
	 * read with this layout (e->msg says why); EG_EIO, EG_ENOMEM. */
	eg_err (*open)(void **r, eg_layout *l, const char *path,
		       eg_error *e);
	/*
	 * The next record mapped into row (*got 0 at the end): every
	 * problem of a readable record to fn, row->rec NULL then.  A record
	 * the reader cannot read returns EG_ESYNTAX or EG_ELIMIT, where()
	 * says where; with `resumes` the next call goes on after it.
	 */
	eg_err (*next)(void *r, eg_layout *l, const eg_layout_src *src,
		       eg_layout_row *row, eg_layout_finding_fn fn, void *ud,
		       int *got, eg_error *e);
	/* The current record's byte offset (XML: where the parser was, a
	 * lower bound) and first line. */
	void (*pos)(void *r, uint64_t *offset, uint64_t *line);
	/* Where the reader's last error happened. */
	const eg_csv_where *(*where)(void *r);
	/* Bytes of the file read so far. */
	uint64_t (*bytes)(void *r);
	void (*close)(void *r);
	/* 1: a record the reader cannot read is one bad record (CSV); 0: it
	 * ends the file (XML cannot be resumed past an error). */
	int resumes;
} eg_record_syntax;

/* The CSV and XML descriptors (src/formats/record_syntax.c). */
extern const eg_record_syntax eg_record_csv;
extern const eg_record_syntax eg_record_xml;

/* The record syntax that reads files of layout l (registry order). */
const eg_record_syntax *eg_record_syntax_of(const eg_layout *l);

/*
 * The syntax that reads a file starting with these bytes (registry
 * order), or NULL when no readable syntax takes them.  seg_term as for
 * starts.
 */
const eg_syntax_desc *eg_syntax_detect(const unsigned char *p, size_t n,
				  char *seg_term);

#endif
