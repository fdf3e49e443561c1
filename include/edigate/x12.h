/*
 * x12.h - streaming ASC X12 reader.
 *
 * The reader pulls chunks from an eg_source and returns one segment at a
 * time.  Memory is bounded by the limits (one chunk plus the longest
 * segment allowed), whatever the file size.  Segments are zero-copy: the
 * element spans point into the reader's buffer.
 *
 * Delimiters come from each ISA (the element separator at byte 4, ISA11 as
 * repetition separator from version 00402 on when it is not alphanumeric,
 * ISA16 as component separator, the segment terminator right after ISA16),
 * so a file may hold several interchanges with different delimiters.
 *
 * Tolerated: a UTF-8 BOM and whitespace before an ISA; CR, LF, CRLF and
 * indentation after a terminator; newline as the terminator (the last one
 * may be missing at the end of the file); a multi-byte UTF-8 terminator
 * (e.g. U+2026); CR/LF inside segments when neither is a delimiter
 * (hard-wrapped files, unwrapped in place, the ISA included); BIN and BDS
 * segments whose binary payload contains any byte; empty segments ("~~");
 * a DOS end-of-file mark (0x1A) after the last interchange.
 * Refused with a precise error: EBCDIC, UTF-16, NUL and control bytes,
 * truncation, an ISA that is not 106 fixed-width bytes, junk between
 * interchanges, limits exceeded.
 */
#ifndef EDIGATE_X12_H
#define EDIGATE_X12_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/buf.h"
#include "edigate/err.h"
#include "edigate/source.h"

/* ISA fixed length, terminator included. */
#define EG_X12_ISA_LEN 106

typedef struct eg_x12_delims {
	unsigned char element;
	unsigned char component;
	unsigned char repetition; /* 0 when the version has none */
	unsigned char segment[4]; /* terminator bytes (1..4, UTF-8) */
	size_t segment_len;
} eg_x12_delims;

typedef struct eg_x12_limits {
	size_t max_segment; /* bytes in one segment, terminator excluded */
	size_t max_elements; /* data elements per segment */
	size_t chunk;       /* read size */
} eg_x12_limits;

/* Defaults: 64 KiB segments, 1024 elements, 256 KiB chunks.
 * Minimums: max_segment 106 (an ISA), max_elements 16 (the ISA's). */
eg_x12_limits eg_x12_limits_default(void);

/*
 * One segment.  Valid until the next call to eg_x12_reader_next or
 * eg_x12_reader_free.  elem[0] is the tag, elem[1..nelem] the data
 * elements (empty spans for empty elements); trailing empty elements are
 * kept exactly as sent.
 */
/* A segment tag as a number, for cheap comparisons: EG_X12_TAG('S','E',0). */
#define EG_X12_TAG(a, b, c)                                                 \
	((uint32_t)(unsigned char)(a) | (uint32_t)(unsigned char)(b) << 8 |  \
	 (uint32_t)(unsigned char)(c) << 16)
#define EG_X12_ISA EG_X12_TAG('I', 'S', 'A')
#define EG_X12_IEA EG_X12_TAG('I', 'E', 'A')
#define EG_X12_GS EG_X12_TAG('G', 'S', 0)
#define EG_X12_GE EG_X12_TAG('G', 'E', 0)
#define EG_X12_ST EG_X12_TAG('S', 'T', 0)
#define EG_X12_SE EG_X12_TAG('S', 'E', 0)

typedef struct eg_x12_segment {
	char id[4];          /* tag, NUL-terminated */
	uint32_t tag;        /* the same as EG_X12_TAG(id[0], id[1], id[2]) */
	const char *data;    /* the whole segment (unwrapped), no terminator */
	size_t len;
	const eg_span *elem;
	size_t nelem;
	uint64_t offset;     /* byte offset of the tag in the input */
	uint64_t index;      /* segment number in the file, 1-based */
	uint32_t txn_pos;    /* position in its transaction set (ST = 1), 0
			      * outside one */
	uint32_t interchange; /* interchange number in the file, 1-based */
	const eg_x12_delims *delims;
	int unwrapped;       /* CR/LF were removed from inside this segment */
	/* No component or repetition separator anywhere in the segment, so
	 * every element is one simple value (validators skip splitting). */
	int plain;
	/* When this is a view of another syntax's segment (syntax.h: the
	 * EDIFACT descriptor hands its segments on in this shape), that
	 * segment, for the syntax's own accessors; NULL for X12. */
	const void *native;
} eg_x12_segment;

typedef struct eg_x12_reader eg_x12_reader;

/*
 * Create a reader over src (borrowed: it must outlive the reader).
 * limits may be NULL for the defaults; limits below the minimums are
 * refused with EG_EINVAL.
 */
eg_err eg_x12_reader_new(eg_x12_reader **out, eg_source *src,
			 const eg_x12_limits *limits, eg_error *e) EG_MUST_USE;

/*
 * Next segment.  On success *seg is the segment, or NULL at a clean end of
 * input.  On failure e holds the message and position (and, for
 * interchange-level problems, the TA105 code in e->ack_code); the reader
 * must not be used further.
 */
eg_err eg_x12_reader_next(eg_x12_reader *r, const eg_x12_segment **seg,
			  eg_error *e) EG_MUST_USE;

/* Bytes consumed so far (for progress reports). */
uint64_t eg_x12_reader_offset(const eg_x12_reader *r);

void eg_x12_reader_free(eg_x12_reader *r);

/* --- zero-copy access (positions are 1-based; out of range = empty) --- */

/* Element i (1..nelem) as sent, repetitions and components included. */
eg_span eg_x12_element(const eg_x12_segment *s, size_t i);
/* Number of repetitions of element i (1 if no repetition separator). */
size_t eg_x12_repetition_count(const eg_x12_segment *s, size_t i);
eg_span eg_x12_repetition(const eg_x12_segment *s, size_t i, size_t rep);
/* Number of components in repetition rep of element i. */
size_t eg_x12_component_count(const eg_x12_segment *s, size_t i, size_t rep);
eg_span eg_x12_component(const eg_x12_segment *s, size_t i, size_t rep,
			 size_t comp);

/* Fill pos with the segment's position (element/component left 0). */
void eg_x12_segment_pos(const eg_x12_segment *s, eg_pos *pos);

#endif
