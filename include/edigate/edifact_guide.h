/*
 * edifact_guide.h - UN/EDIFACT message guides as data, and the streaming
 * validator that checks one message at a time against them.
 *
 * Guides live under <datadir>/edi/edifact/<release>/ (release "D96A",
 * "D01B", "S3" for the syntax 3 service messages): directory.xml holds the
 * release's simple elements (representation such as "an..35", "n..15",
 * "a3", code lists), composites and segments with their dependency notes;
 * it may extend a base release.  <TYPE>.xml (e.g. DESADV.xml) is a message
 * guide: the message's segments and segment groups in order, with status
 * M/C (or N, not used in the subset), maximum repeats and narrowing of
 * elements and components (status, code subsets).  Files are checked
 * against schemas/edifact-guide.xsd, then for meaning: every reference
 * resolves, a group starts with a mandatory trigger segment that occurs
 * once, UNH first and UNT last; errors name file and line.  Entities are
 * refused by the XML adapter (docs/limits.md).  docs/guides.md documents
 * the format.
 *
 * The validator is fed the segments of one message (UNH to UNT, as the
 * reader returns them) and reports each finding through a callback with
 * the ISO 9735 0085 code, the byte offset, the segment position in the
 * message (UNH = 1) and the element / component / repetition.  Its memory
 * is a stack as deep as the guide's group nesting, whatever the message
 * length: it never keeps a segment.
 *
 * Use:
 *     eg_edguides_new(&g, datadir, &e);
 *     eg_edguides_find(g, &s009, &guide, &e);     // NULL guide: none
 *     eg_edv_new(&v, &events, &e);
 *     eg_edv_begin(v, guide, unh_segment);        // UNH
 *     eg_edv_segment(v, seg);                     // every segment after
 *     eg_edv_end(v, unt_segment_or_NULL);         // UNT (fed too), or
 *                                                 // NULL when it is missing
 * eg_edifact_check() does this itself when eg_edifact_check_opts.guides is
 * set, delivering the findings as message-level findings of the checks.
 *
 * 0085 codes used: 12 invalid value (code not in the directory's list),
 * 13 missing (mandatory segment, group, element or component), 14 value
 * not supported in this position (a directory code the guide's subset
 * leaves out), 15 not supported in this position (a segment out of place
 * or not in the message, an element or component marked not used), 16 too
 * many constituents (elements or components beyond the definition), 19
 * invalid decimal notation (a decimal mark at the end, or two), 35 too
 * many segment or data element repetitions, 36 too many segment group
 * repetitions, 37 invalid type of characters (a letter in numeric, a digit
 * in alphabetic), 38 missing digit in front of the decimal sign, 39 data
 * element too long, 40 data element too short, 48 dependency note
 * violated.
 *
 * Ownership: an eg_edguides owns every directory and guide it loaded; the
 * pointers it hands out live until eg_edguides_free().
 */
#ifndef EDIGATE_EDIFACT_GUIDE_H
#define EDIGATE_EDIFACT_GUIDE_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/edifact.h"
#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/guide.h"

/* Representation classes of ISO 9735: alphabetic, numeric, alphanumeric. */
typedef enum eg_ed_type { EG_ED_A, EG_ED_N, EG_ED_AN } eg_ed_type;

/* A simple data element of a directory. */
typedef struct eg_ed_elem {
	const char *id, *name;
	eg_ed_type type;
	uint16_t min, max;     /* "an..35": 1..35; "a3": 3..3 */
	const eg_codes *codes; /* complete code list, or NULL: any value */
} eg_ed_elem;

/*
 * Dependency note over positions (ISO 9735 D1..D7): 1 one and only one,
 * 2 all or none, 3 one or more, 4 one or none, 5 if the first then all
 * the others, 6 if the first then at least one more, 7 if the first then
 * none of the others.
 */
typedef struct eg_ed_note {
	uint8_t rule;
	uint8_t n;
	uint16_t pos[8];
} eg_ed_note;

struct eg_ed_comp;

/* A data element in a segment, or a component in a composite. */
typedef struct eg_ed_use {
	uint16_t pos;
	char status;     /* 'M', 'C', 'N' (not used in this subset) */
	uint16_t repeat; /* repetitions allowed (syntax 4), 1 normally */
	const eg_ed_elem *el;           /* simple, or NULL */
	const struct eg_ed_comp *comp;  /* composite, or NULL */
	/* The codes in force here: the guide's subset, or el->codes. */
	const eg_codes *codes;
	/* Composite only: its components as narrowed here (comp->n). */
	const struct eg_ed_use *cuse;
} eg_ed_use;

typedef struct eg_ed_comp {
	const char *id, *name;
	size_t n;
	const eg_ed_use *c; /* components 1..n */
	size_t nnote;
	const eg_ed_note *note;
} eg_ed_comp;

typedef struct eg_ed_seg {
	char id[4];
	uint32_t tag; /* EG_EDIFACT_TAG */
	const char *name;
	size_t n;
	const eg_ed_use *e; /* data elements 1..n */
	size_t nnote;
	const eg_ed_note *note;
} eg_ed_seg;

/* A segment or a segment group of a message guide. */
typedef struct eg_ed_node {
	int group;
	const char *gid;       /* groups: "SG10" */
	const eg_ed_seg *seg;  /* the segment, or the group's trigger */
	char status;           /* 'M', 'C', 'N' */
	uint32_t max;          /* repeats */
	size_t n;              /* groups: children, the trigger first */
	const struct eg_ed_node *kids;
	long line;             /* in the guide file */
	/* Copied at load so that placing a segment reads the node only:
	 * seg->tag, and (groups) 1 + the index of the last child with
	 * status M (0 when none) -- where the search for missing ones
	 * stops. */
	uint32_t tag;
	uint32_t mend;
	const uint32_t *ktag;  /* groups: the children's tags, flat */
} eg_ed_node;

typedef struct eg_ed_guide {
	const char *type;      /* S009 0065 "DESADV" */
	const char *version;   /* 0052 "D" */
	const char *release;   /* 0054 "96A" */
	const char *agency;    /* 0051 "UN" */
	const char *assoc;     /* 0057 "EAN005", "EAN*" (a prefix), or "" */
	const char *dir;       /* directory release, "D96A" */
	const char *name, *subset, *path;
	eg_ed_node root;       /* a group-like node holding the message */
} eg_ed_guide;

typedef struct eg_edguides eg_edguides;

/* A guide store over datadir (holding edi/ and schemas/); lazy. */
eg_err eg_edguides_new(eg_edguides **out, const char *datadir,
		       eg_error *e) EG_MUST_USE;
void eg_edguides_free(eg_edguides *g);

/*
 * The shipped guide for a message identifier (UNH S009: type, version,
 * release, agency, association; strings, "" when absent): edi/edifact/
 * <version><release>/<type>.xml ("D" + "96A" -> D96A/DESADV.xml).  *out
 * is NULL (and EG_OK returned) when none is shipped; errors are for
 * broken guide files.  A guide naming an association code (0057) answers
 * only messages that carry it or none; "EAN*" stands for every code
 * starting with EAN.
 */
eg_err eg_edguides_find(eg_edguides *g, const char *const s009[5],
			const eg_ed_guide **out, eg_error *e) EG_MUST_USE;

/* Load a message guide by path (a partner's own guide). */
eg_err eg_edguides_load(eg_edguides *g, const char *path,
			const eg_ed_guide **out, eg_error *e) EG_MUST_USE;

/* Check a directory file; counts what it defines. */
eg_err eg_edguides_check_directory(eg_edguides *g, const char *path,
				   size_t *elements, size_t *composites,
				   size_t *segments, eg_error *e) EG_MUST_USE;

/* Parse a representation ("an..35", "n6"); 0 when malformed. */
int eg_ed_repr_parse(const char *s, eg_ed_type *t, uint16_t *min,
		     uint16_t *max);

/* --- the validator --------------------------------------------------- */

typedef struct eg_edv_finding {
	eg_level level;   /* EG_LVL_SEGMENT or EG_LVL_ELEMENT */
	const char *code; /* 0085 */
	const char *rule; /* e.g. "segment-missing", "element-too-long" */
	char msg[256];
	eg_pos pos;       /* offset, segment number, position in the message
			   * (UNH = 1; for a missing segment the last one
			   * read), tag, element, component, repetition */
} eg_edv_finding;

typedef struct eg_edv_events {
	void (*finding)(void *ud, const eg_edv_finding *f);
	void *ud;
	unsigned max_findings; /* per message; 0 = 100 */
} eg_edv_events;

typedef struct eg_edv eg_edv;

eg_err eg_edv_new(eg_edv **out, const eg_edv_events *ev,
		  eg_error *e) EG_MUST_USE;
/* Start a message: unh is its UNH segment (checked too). */
void eg_edv_begin(eg_edv *v, const eg_ed_guide *g,
		  const eg_edifact_segment *unh);
/* The next segment of the message (UNT included). */
void eg_edv_segment(eg_edv *v, const eg_edifact_segment *s);
/* End of the message: missing mandatory segments and groups reported.
 * unt is the UNT segment already fed, or NULL when the message ended
 * without one. */
void eg_edv_end(eg_edv *v, const eg_edifact_segment *unt);
/* Findings of the message just ended (all, including those past
 * max_findings). */
unsigned eg_edv_count(const eg_edv *v);
void eg_edv_free(eg_edv *v);

#endif
