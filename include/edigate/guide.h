/*
 * guide.h - implementation guides as data: the model and its loader.
 *
 * Guides live under <datadir>/edi/x12/<release>/: dictionary.xml (the
 * release's elements, composites and segments; it may extend a base
 * release) and one <set>.xml per transaction set (its structure, loops,
 * HL hierarchy and narrowing).  A partner guide narrows another guide with
 * <restrict>.  Files are checked against schemas/edi-guide.xsd and then
 * for meaning (every reference resolves, loops start with a mandatory
 * trigger, ST first and SE last).  docs/guides.md documents the format.
 *
 * Ownership: an eg_guides owns every dictionary and guide it loaded; the
 * const pointers it hands out live until eg_guides_free().
 */
#ifndef EDIGATE_GUIDE_H
#define EDIGATE_GUIDE_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/err.h"

typedef enum eg_etype {
	EG_T_AN,
	EG_T_ID,
	EG_T_DT,
	EG_T_TM,
	EG_T_R,
	EG_T_N, /* Nn: implied decimals in eg_edef.decimals */
	EG_T_B,
} eg_etype;

/* A sorted set of code values. */
typedef struct eg_codes {
	size_t n;
	const char **v;
	const char **names; /* parallel to v; entries may be NULL */
	const char *list;   /* codelist name when from a shared file */
} eg_codes;

/* A data element definition (dictionary). */
typedef struct eg_edef {
	const char *id, *name;
	eg_etype type;
	uint8_t decimals;
	uint16_t min, max;
	const eg_codes *codes; /* NULL: any value of the right form */
} eg_edef;

struct eg_cdef;

/* An element (or component) at a position of a segment (or composite). */
typedef struct eg_use {
	uint16_t pos;
	char usage;      /* 'M', 'O', 'X' (relational), 'N' (not used) */
	uint32_t repeat; /* 1 normally; 0 = unbounded */
	const eg_edef *el;          /* simple element, or NULL */
	const struct eg_cdef *comp; /* composite, or NULL */
	/* Narrowed codes (implementation), or NULL for el->codes. */
	const eg_codes *codes;
	/* Components of a composite narrowed here, or NULL for comp's. */
	const struct eg_use *cuse;
	/* Copied from el (and narrowing) when the guide is loaded, so the
	 * hot path reads one record instead of following el: */
	uint8_t quick;   /* 1: AN or ID -- length and codes decide */
	uint16_t min, max;
	const eg_codes *eff; /* codes in force (narrowed or el's), or NULL */
} eg_use;

/* Syntax note: rule is 'P', 'R', 'E', 'C' or 'L'. */
typedef struct eg_syntax {
	char rule;
	uint8_t n;
	uint8_t pos[16];
	uint64_t mask;  /* bit p for each position p (all positions < 64) */
	uint64_t first; /* bit of pos[0] */
} eg_syntax;

typedef struct eg_cdef {
	const char *id, *name;
	size_t n;
	const eg_use *c; /* components in position order */
	size_t nsyn;
	const eg_syntax *syn;
} eg_cdef;

typedef struct eg_sdef {
	char id[4];
	uint32_t tag; /* EG_X12_TAG of id, for fast matching */
	const char *name;
	size_t n;
	const eg_use *e; /* elements in position order (pos may skip) */
	size_t nsyn;
	const eg_syntax *syn;
	uint16_t last_m; /* highest position with usage M (0 if none) */
} eg_sdef;

/* A node of a transaction set's structure: a segment or a loop. */
typedef struct eg_gnode {
	int loop;
	const char *loop_id; /* loops only */
	const eg_sdef *seg;  /* the segment, or the loop's trigger segment */
	char usage;          /* 'M', 'O', 'N' */
	uint32_t min, max;   /* max 0 = unbounded */
	size_t n;            /* loops: children */
	const struct eg_gnode *kids;
	/* Loops: per child, its tag (segment or trigger) and how many times
	 * it must occur (1 for usage M, else min) -- flat arrays so that
	 * placing a segment scans a few cache lines, not the child nodes. */
	const uint32_t *ktag;
	const uint32_t *kmin;
	/* next_m[j]: the first child >= j that must occur (n if none), so
	 * that finding missing children skips the optional ones. */
	const uint32_t *next_m;
	long line;           /* in the guide file */
} eg_gnode;

typedef struct eg_hlevel {
	char code[4];
	const char *name;
	char parents[64]; /* space-separated codes; "" = top level */
} eg_hlevel;

typedef struct eg_guide {
	const char *release; /* "004010" */
	const char *set;     /* "856" */
	const char *fid;     /* expected GS01 or NULL */
	const char *name;
	const char *path;    /* the guide file */
	const char *base;    /* for a partner guide: the guide it narrows */
	/* business-key="BSN02": the segment tag and element position whose
	 * value identifies the document (key_tag 0 when none). */
	uint32_t key_tag;
	uint16_t key_pos;
	char key_name[8];
	eg_gnode root;       /* a loop-like node holding the top level */
	size_t nlevels;
	const eg_hlevel *levels;
} eg_guide;

typedef struct eg_guides eg_guides;

/*
 * A guide store over datadir (holding edi/ and schemas/).  Nothing is read
 * until a guide is asked for.
 */
eg_err eg_guides_new(eg_guides **out, const char *datadir,
		     eg_error *e) EG_MUST_USE;
void eg_guides_free(eg_guides *g);

struct eg_edguides;
/*
 * The UN/EDIFACT message guides over the same data directory
 * (edifact_guide.h), made on first use and owned by g: a run holds one
 * store and reaches the guides of both syntaxes through it.  *out is NULL
 * when g is.
 */
eg_err eg_guides_edifact(eg_guides *g, struct eg_edguides **out,
			 eg_error *e) EG_MUST_USE;

/*
 * The guide for a transaction set and a GS08 version ("004010VICS" ->
 * release 004010).  *out is NULL (and EG_OK returned) when edigate ships
 * no guide for it; errors are for broken guide files.
 */
eg_err eg_guides_find(eg_guides *g, const char *set, const char *gs08,
		      const eg_guide **out, eg_error *e) EG_MUST_USE;

/*
 * Load a guide file by path: a standard guide or a partner guide (with
 * base=).  Checked against the XSD and for meaning; errors name file and
 * line.
 */
eg_err eg_guides_load(eg_guides *g, const char *path, const eg_guide **out,
		      eg_error *e) EG_MUST_USE;

/*
 * Check a dictionary file (root <dictionary>) the way guides are checked:
 * XSD, then every reference resolves (its base release is read from the
 * data directory).  Counts what it defines.
 */
eg_err eg_guides_check_dictionary(eg_guides *g, const char *path,
				  size_t *elements, size_t *composites,
				  size_t *segments, eg_error *e) EG_MUST_USE;

/* Is value in the code set? */
int eg_codes_has(const eg_codes *c, const char *v, size_t n);
/* The dictionary segment with this tag for a release, or NULL. */
const eg_sdef *eg_guides_segment(eg_guides *g, const char *release,
				 const char *tag);
/* Type name for people ("AN", "N2", ...); buf at least 4 bytes. */
const char *eg_etype_name(const eg_edef *d, char *buf, size_t cap);

#endif
