/*
 * outwrite.h - the outbound direction's writers: canonical records into
 * documents of a syntax, through outbound maps kept as data.
 *
 * An outbound map (<datadir>/edi/maps/out/<set>.xml, checked against
 * schemas/edi-outmap.xsd; docs/outbound.md documents the format) says
 * which segments a record becomes: each segment's elements from record
 * paths, constants, code lists (ours to the standard's, the partner's
 * <codemap> first), loops over a record's levels, parties as N1 loops
 * and totals.  The map renders into a segment sink; a syntax writer
 * (registered below, X12 today) turns segments and an envelope into
 * bytes.  EDIFACT plugs in as one more writer in the table.
 *
 * Fail closed: a value the standard cannot carry (a delimiter in it, a
 * byte outside printable ASCII, a code with no translation) is a problem
 * listed in the caller's buffer, and nothing is written for the record.
 *
 * Ownership: an eg_outmap owns its loaded file; writers append to the
 * caller's eg_buf.
 */
#ifndef EDIGATE_OUTWRITE_H
#define EDIGATE_OUTWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "edigate/buf.h"
#include "edigate/err.h"
#include "edigate/profile.h"
#include "edigate/record.h"

#define EG_OUT_MAX_ELEMS 32
#define EG_OUT_MAX_VALUE 256

typedef struct eg_outmap eg_outmap;

/* Load and check a map (form by the XSD, meaning: every path a field of
 * the record).  EG_ECONFIG naming the file and line when broken. */
eg_err eg_outmap_load(eg_outmap **out, const char *path, const char *xsd,
		      eg_error *e) EG_MUST_USE;
/* The shipped map for set under datadir (edi/maps/out/SET.xml);
 * EG_ENOTFOUND when there is none. */
eg_err eg_outmap_load_set(eg_outmap **out, const char *datadir,
			  const char *set, eg_error *e) EG_MUST_USE;
void eg_outmap_free(eg_outmap *m);
const char *eg_outmap_set(const eg_outmap *m);     /* "940" */
const char *eg_outmap_record(const eg_outmap *m);  /* "WarehouseOrder" */
const char *eg_outmap_group(const eg_outmap *m);   /* GS01: "OW" */
/* Does the map serve this release ("004010")? */
int eg_outmap_serves(const eg_outmap *m, const char *version);

/* Where rendered segments go: a tag and its elements (el[0] is the first
 * element; "" is empty), nel of them. */
typedef eg_err (*eg_outseg_fn)(void *ud, const char *tag,
			       char (*el)[EG_OUT_MAX_VALUE], size_t nel,
			       eg_error *e);

typedef struct eg_outmap_run {
	const char *version;          /* the release written: "004010" */
	const eg_profile *profile;    /* its <codemap>s (may be NULL) */
	eg_outseg_fn seg;
	void *ud;
	eg_buf *why;   /* problems, one line each ("PATH: problem") */
	unsigned nbad; /* how many */
} eg_outmap_run;

/* Render rec's segments (between the set's header and trailer) into
 * r->seg.  Problems are counted in r->nbad; an error only for what is
 * not the record's fault (memory, the sink). */
eg_err eg_outmap_render(const eg_outmap *m, const eg_rnode *rec,
			eg_outmap_run *r, eg_error *e) EG_MUST_USE;

/* --- the envelope and a syntax's writer ----------------------------------- */

typedef struct eg_out_env {
	char sender_q[3], sender[16], receiver_q[3], receiver[16];
	char gs_sender[16], gs_receiver[16];
	char version[8];   /* "004010" */
	char group[3];     /* GS01 */
	char usage;        /* P / T */
	int ack_requested; /* ISA14 */
	char de, ce, re, se;
	int newline;       /* a newline after each segment terminator */
	time_t now;
	uint64_t icn;      /* ISA13 (and GS06: the same sequence) */
} eg_out_env;

/* Fill env from the profile (identities, delimiters, usage, ack
 * requested); version, group, now and icn are the caller's. */
void eg_out_env_profile(eg_out_env *env, const eg_profile *p);

typedef struct eg_doc_writer eg_doc_writer;

/* A set of a document being renumbered: st01 is its type; write its new
 * control number (ST02) into ctl (cap bytes).  The caller takes it from
 * its sequence and records the set. */
typedef eg_err (*eg_out_renumber_fn)(void *ud, const char *st01, char *ctl,
				     size_t cap, eg_error *e);

typedef struct eg_doc_writer_ops {
	const char *syntax; /* "x12" */
	/* Open an interchange (and its group) into out. */
	eg_err (*open)(eg_doc_writer **out, eg_buf *dst, const eg_out_env *env,
		       eg_error *e);
	/* One document: its header (control number ctl), the map's
	 * segments, its trailer.  Problems as eg_outmap_render; on problems
	 * nothing of the document is left in dst. */
	eg_err (*doc)(eg_doc_writer *w, const eg_outmap *m,
		      const eg_rnode *rec, const char *ctl,
		      eg_outmap_run *r, eg_error *e);
	/* Close the group and interchange (their trailers). */
	eg_err (*close)(eg_doc_writer *w, eg_error *e);
	void (*free)(eg_doc_writer *w);
	/* A document we wrote, again under new control numbers (`edigate
	 * resend`): the same sets and segments; the interchange and group
	 * numbers from env->icn, their dates from env->now, each set's from
	 * set(ud, ...).  Into dst.  A document this writer did not write
	 * (not one interchange, counts that do not add up) is EG_ESYNTAX. */
	eg_err (*renumber)(const char *doc, size_t n, eg_buf *dst,
			   const eg_out_env *env, eg_out_renumber_fn set,
			   void *ud, eg_error *e);
} eg_doc_writer_ops;

extern const eg_doc_writer_ops eg_doc_writer_x12;
/* x12_renumber.c: the X12 writer's renumber. */
eg_err eg_x12_renumber(const char *doc, size_t n, eg_buf *dst,
		       const eg_out_env *env, eg_out_renumber_fn set,
		       void *ud, eg_error *e) EG_MUST_USE;
/* The writer of a syntax ("x12"), or NULL. */
const eg_doc_writer_ops *eg_doc_writer_find(const char *syntax);

#endif
