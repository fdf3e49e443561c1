/*
 * edifact.h - streaming UN/EDIFACT reader (ISO 9735 syntax 1 to 4, X).
 *
 * The reader pulls chunks from an eg_source and returns one segment at a
 * time, already split into data elements, repetitions and components.
 * Memory is bounded by the limits (one chunk, the longest segment allowed
 * and one unescape buffer of the same size), whatever the file size.
 *
 * Separators come from each interchange: a UNA service string advice
 * (exactly six characters) or, without one, the level A defaults
 * `:+.? '` -- or the level B set (IS4 0x1C terminator, IS3 0x1D element
 * separator, IS1 0x1F component separator, no release character) when
 * the byte after "UNB" is 0x1D.  The repetition separator exists only
 * from syntax version 4 on (UNB 0002 = 4): UNA5 when it is not a space,
 * else `*` (level A) or IS2 0x1E (level B).  A file may hold several
 * interchanges, each with its own UNA.
 *
 * The release character makes the next character data everywhere, the
 * terminator included; `??` is one literal `?`.  Values handed out are
 * the data with release characters removed: a span into the input when
 * the segment has none (zero-copy), else into the reader's unescape
 * buffer.
 *
 * Tolerated: a UTF-8 BOM and whitespace before UNA/UNB; CR, LF and
 * spaces or tabs after a terminator; CR/LF inside a segment (hard-wrapped
 * files, removed); a DOS end-of-file mark (0x1A) after the last UNZ.
 * Refused with a precise error (offset, segment number, position in the
 * message, tag, element/component/repetition): UTF-16 and EBCDIC, NUL and
 * control bytes that are not separators, a bad UNA, a missing UNB, junk
 * between interchanges, truncation, bad tags, limits exceeded.
 *
 * Characters outside the repertoire of the syntax identifier (UNB 0001)
 * are not fatal: the segment records the first one (for a 0085 code 21 in
 * the checks), so a file from a partner who sends lower case under UNOA
 * can still be read, checked and answered.
 */
#ifndef EDIGATE_EDIFACT_H
#define EDIGATE_EDIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/buf.h"
#include "edigate/err.h"
#include "edigate/source.h"

typedef struct eg_edifact_delims {
	unsigned char component;  /* UNA1 */
	unsigned char element;    /* UNA2 */
	unsigned char decimal;    /* UNA3 */
	unsigned char release;    /* UNA4, 0 when none */
	unsigned char repetition; /* UNA5 from version 4, 0 when none */
	unsigned char segment;    /* UNA6 */
	int una;                  /* 1: given by a UNA */
	int level_b;              /* 1: the level B (IS1-IS4) defaults */
} eg_edifact_delims;

/* Character repertoires of UNB 0001. */
typedef enum eg_edifact_charset {
	EG_EDIFACT_CS_UNKNOWN = 0, /* an identifier we do not know */
	EG_EDIFACT_CS_A,      /* UNOA: upper case, digits, some punctuation */
	EG_EDIFACT_CS_B,      /* UNOB: UNOA + lower case (+ IS1-IS4) */
	EG_EDIFACT_CS_LATIN,  /* UNOC-UNOK: one ISO 8859 part */
	EG_EDIFACT_CS_2022,   /* UNOX: ISO 2022 with escape sequences */
	EG_EDIFACT_CS_UTF8,   /* UNOY, UNOW: ISO 10646 as UTF-8 */
} eg_edifact_charset;

/* How strictly the repertoire is checked (a profile setting). */
typedef enum eg_edifact_strict {
	EG_EDIFACT_REP_STRICT = 0, /* every byte in the repertoire */
	EG_EDIFACT_REP_LENIENT,    /* lower case accepted under UNOA */
	EG_EDIFACT_REP_OFF,        /* no repertoire check */
} eg_edifact_strict;

/* The syntax of the interchange a segment belongs to. */
typedef struct eg_edifact_syntax {
	eg_edifact_delims d;
	char id[5];      /* UNB 0001, e.g. "UNOC"; "" before a UNB */
	char version;    /* UNB 0002: '1'..'4', 'X', or 0 when unreadable */
	eg_edifact_charset charset;
} eg_edifact_syntax;

typedef struct eg_edifact_limits {
	size_t max_segment;  /* bytes in one segment, terminator excluded */
	size_t max_elements; /* data elements per segment */
	size_t max_values;   /* components (all repetitions) per segment */
	size_t chunk;        /* read size */
} eg_edifact_limits;

/* Defaults: 64 KiB segments, 1024 elements, 8192 values, 256 KiB chunks.
 * Minimums: max_segment 64, max_elements 16, max_values 64. */
eg_edifact_limits eg_edifact_limits_default(void);

typedef struct eg_edifact_opts {
	eg_edifact_limits limits;
	eg_edifact_strict strict;
} eg_edifact_opts;

#define EG_EDIFACT_TAG(a, b, c)                                              \
	((uint32_t)(unsigned char)(a) | (uint32_t)(unsigned char)(b) << 8 |  \
	 (uint32_t)(unsigned char)(c) << 16)
#define EG_EDIFACT_UNB EG_EDIFACT_TAG('U', 'N', 'B')
#define EG_EDIFACT_UNZ EG_EDIFACT_TAG('U', 'N', 'Z')
#define EG_EDIFACT_UNG EG_EDIFACT_TAG('U', 'N', 'G')
#define EG_EDIFACT_UNE EG_EDIFACT_TAG('U', 'N', 'E')
#define EG_EDIFACT_UNH EG_EDIFACT_TAG('U', 'N', 'H')
#define EG_EDIFACT_UNT EG_EDIFACT_TAG('U', 'N', 'T')

/* Where something is inside a segment (1-based; 0 = not applicable). */
typedef struct eg_edifact_at {
	uint64_t offset;     /* byte offset in the file */
	uint16_t element;    /* data element (the tag is 0) */
	uint16_t repetition;
	uint16_t component;
} eg_edifact_at;

/* Per element: its repetitions [first_rep, first_rep + nrep). */
typedef struct eg_edifact_elem {
	uint32_t first_rep;
	uint32_t nrep;
} eg_edifact_elem;
/* Per repetition: its components [first_val, first_val + nval). */
typedef struct eg_edifact_rep {
	uint32_t first_val;
	uint32_t nval;
} eg_edifact_rep;

/*
 * One segment.  Valid until the next call to eg_edifact_reader_next or
 * eg_edifact_reader_free.  elem[0] is the tag element (its first value
 * is the tag), elem[1..nelem] the data elements, trailing empty ones kept
 * as sent.
 */
typedef struct eg_edifact_segment {
	char id[4];          /* tag, NUL-terminated */
	uint32_t tag;        /* EG_EDIFACT_TAG(id[0], id[1], id[2]) */
	const char *raw;     /* the segment as sent, line breaks removed,
			      * release characters kept, no terminator */
	size_t raw_len;
	const eg_edifact_elem *elem;
	size_t nelem;
	const eg_edifact_rep *rep;
	const eg_span *val;  /* values, release characters removed */
	uint64_t offset;     /* byte offset of the tag in the input */
	uint64_t index;      /* segment number in the file, 1-based */
	uint32_t msg_pos;    /* position in its message (UNH = 1), 0 outside */
	uint32_t interchange; /* interchange number in the file, 1-based */
	const eg_edifact_syntax *syntax;
	int unwrapped;       /* CR/LF were removed from inside this segment */
	int released;        /* release characters were removed */
	/* The first character outside the repertoire (0 = none). */
	unsigned char bad_char;
	eg_edifact_at bad_at;
	/* A separator right before the terminator (0085 code 45): where.
	 * trailing is 0 (none), or the separator: element, component or
	 * repetition. */
	unsigned char trailing;
	eg_edifact_at trailing_at;
} eg_edifact_segment;

typedef struct eg_edifact_reader eg_edifact_reader;

/*
 * Create a reader over src (borrowed: it must outlive the reader).
 * opts may be NULL for the defaults; limits below the minimums are
 * refused with EG_EINVAL.
 */
eg_err eg_edifact_reader_new(eg_edifact_reader **out, eg_source *src,
			     const eg_edifact_opts *opts,
			     eg_error *e) EG_MUST_USE;

/*
 * Next segment.  On success *seg is the segment, or NULL at a clean end
 * of input.  On failure e holds the message and position (e->ack_code
 * the 0085 code when one fits); the reader must not be used further.
 */
eg_err eg_edifact_reader_next(eg_edifact_reader *r,
			      const eg_edifact_segment **seg,
			      eg_error *e) EG_MUST_USE;

/* Bytes consumed so far. */
uint64_t eg_edifact_reader_offset(const eg_edifact_reader *r);
/* The syntax of the interchange being read (valid while r lives). */
const eg_edifact_syntax *eg_edifact_reader_syntax(const eg_edifact_reader *r);

void eg_edifact_reader_free(eg_edifact_reader *r);

/* --- access (positions 1-based; out of range = empty / 0) --- */

size_t eg_edifact_repetition_count(const eg_edifact_segment *s, size_t i);
size_t eg_edifact_component_count(const eg_edifact_segment *s, size_t i,
				  size_t rep);
eg_span eg_edifact_value(const eg_edifact_segment *s, size_t i, size_t rep,
			 size_t comp);
/* Element i, first repetition, component comp: the common case. */
eg_span eg_edifact_comp(const eg_edifact_segment *s, size_t i, size_t comp);

/* Fill pos with the segment's position (element etc. left 0). */
void eg_edifact_segment_pos(const eg_edifact_segment *s, eg_pos *pos);

/* The repertoire of a syntax identifier ("UNOC" -> LATIN). */
eg_edifact_charset eg_edifact_charset_of(const char *id, size_t n);
/* Is byte c allowed in repertoire cs (UTF-8 is checked per sequence by
 * the reader; here any byte >= 0x80 passes for it)? */
int eg_edifact_char_ok(eg_edifact_charset cs, eg_edifact_strict strict,
		       unsigned char c);

#endif
