/*
 * delta.h - the nightly delta: what changed between two full batches.
 *
 * Each batch is fed row by row (its business key, a flat form of its
 * values, its canonical record) into a side.  A side keeps at most
 * mem_bytes of rows in memory: when full it sorts them by key and writes
 * them to a run file in a private temporary directory.  eg_delta_run then
 * merges each side's runs into one sorted stream and walks the two
 * streams together (a merge join), so memory stays constant whatever the
 * row count.  Keys compare byte by byte, as `LC_ALL=C sort` does.
 *
 * Results: added (key only in the new batch), changed (in both, values
 * differ; with the slots that differ), deleted (only in the old batch),
 * unchanged (counted, not told); a key twice in one batch is a duplicate;
 * a bad row of the new batch (quarantined) is "rejected" and never makes
 * its key look deleted.  eg_delta_verdict applies the batch thresholds.
 *
 * Ownership: a side owns its temporary files and removes them when
 * freed; strings in an eg_delta_change live until the callback returns.
 */
#ifndef EDIGATE_DELTA_H
#define EDIGATE_DELTA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "edigate/buf.h"
#include "edigate/err.h"

typedef struct eg_delta_side eg_delta_side;

/* tmpdir: where the runs go (NULL: $TMPDIR or /tmp); mem_bytes 0: 16 MiB. */
eg_err eg_delta_side_new(eg_delta_side **out, const char *tmpdir,
			 size_t mem_bytes, eg_error *e) EG_MUST_USE;
void eg_delta_side_free(eg_delta_side *s);

/*
 * Add a row.  key and flat are escaped (no TAB, LF, or bytes below 0x20
 * other than 0x1F in key; flat holds TAB between slots); json is the
 * canonical record (one line, may end with LF, may be empty); line is
 * where the row starts in its file; bad marks a row that failed its
 * checks (only its key counts).
 */
eg_err eg_delta_side_add(eg_delta_side *s, const char *key, size_t klen,
			 const char *flat, size_t flen, const char *json,
			 size_t jlen, uint64_t line, int bad,
			 eg_error *e) EG_MUST_USE;
/* No more rows: write the last run and free the buffer (eg_delta_run
 * does it too; calling it early keeps one buffer in memory at a time). */
eg_err eg_delta_side_seal(eg_delta_side *s, eg_error *e) EG_MUST_USE;
/*
 * A file already sorted as a run (a baseline eg_delta_run kept, below;
 * gzip-compressed, or plain as baselines were before) becomes one run of
 * the side, read in place (never changed or removed).
 */
eg_err eg_delta_side_add_sorted(eg_delta_side *s, const char *path,
				eg_error *e) EG_MUST_USE;
/* Rows added so far (bad ones included), and how many runs hit disk. */
uint64_t eg_delta_side_rows(const eg_delta_side *s);
unsigned eg_delta_side_runs(const eg_delta_side *s);

typedef enum eg_delta_kind {
	EG_DELTA_ADDED,
	EG_DELTA_CHANGED,
	EG_DELTA_DELETED,
	EG_DELTA_DUPLICATE, /* in new (is_old 0) or old (is_old 1) */
	EG_DELTA_REJECTED,  /* a bad row of the new batch */
} eg_delta_kind;

#define EG_DELTA_MAX_SLOTS 256

typedef struct eg_delta_change {
	eg_delta_kind kind;
	const char *key;
	size_t klen;
	uint64_t line_old, line_new; /* 0 when not in that batch */
	const char *json;            /* new record (added, changed), old
				      * (deleted); may be "" */
	size_t jlen;
	int is_old;                  /* duplicates: in the old batch */
	/* changed: the slots that differ */
	unsigned changed[EG_DELTA_MAX_SLOTS];
	size_t nchanged;
} eg_delta_change;

typedef struct eg_delta_counts {
	uint64_t rows_old, rows_new; /* distinct good keys */
	uint64_t added, changed, deleted, unchanged;
	uint64_t dup_old, dup_new;
	uint64_t rejected;           /* bad rows of the new batch */
} eg_delta_counts;

/* Told of every change; non-zero stops the run (returned as EG_EIO). */
typedef int (*eg_delta_fn)(void *ud, const eg_delta_change *c);

/* Merge-join the two sides (each may be added to no further). */
eg_err eg_delta_run(eg_delta_side *old_side, eg_delta_side *new_side,
		    eg_delta_fn fn, void *ud, eg_delta_counts *out,
		    eg_error *e) EG_MUST_USE;

/*
 * A baseline being written: the state a batch leaves, gzip-compressed
 * (deflate level 1: a baseline holds every row's canonical record, which
 * compresses about tenfold, and level 1 keeps the delta's pace).  close
 * flushes it and fails with EG_EIO when any write failed; abandon closes
 * it without caring (the file is the caller's to remove).
 */
typedef struct eg_delta_keep eg_delta_keep;
eg_err eg_delta_keep_open(eg_delta_keep **out, const char *path,
			  eg_error *e) EG_MUST_USE;
eg_err eg_delta_keep_close(eg_delta_keep *k, eg_error *e) EG_MUST_USE;
void eg_delta_keep_abandon(eg_delta_keep *k);

/*
 * The same, also writing the state after the new batch to keep (when
 * keep is not NULL): every good row of the new batch, and the old row of
 * a key whose new row is bad (quarantined rows leave their key as it
 * was), sorted as a run, so that eg_delta_side_add_sorted reads it as
 * the next night's old side.  Keys deleted are not in it.
 */
eg_err eg_delta_run_keep(eg_delta_side *old_side, eg_delta_side *new_side,
			 eg_delta_fn fn, void *ud, eg_delta_counts *out,
			 eg_delta_keep *keep, eg_error *e) EG_MUST_USE;

/*
 * One change as a JSON Lines line (with its LF) for whoever applies it:
 * {"change":"added|changed|deleted","key":..,"lineOld":..,"lineNew":..,
 * "fields":[names of the changed slots],"record":{canonical record}}; a
 * deleted record (the old one) says status "deleted".  extra, when not
 * NULL, is inserted after the key (`"fileId":"..."` members).  slot
 * names a slot (the layout's eg_layout_slot_name).
 */
eg_err eg_delta_change_json(eg_buf *b, const eg_delta_change *c,
			    const char *extra,
			    const char *(*slot)(const void *ud, size_t i),
			    const void *ud) EG_MUST_USE;

typedef struct eg_delta_limits {
	double max_drop_percent; /* hold when rows drop by more (0: off) */
	long max_deletes;        /* hold when more deletes (-1: off) */
	int quarantine_bad_rows; /* 0: any bad row rejects */
	double max_bad_percent;  /* with quarantine: reject above this */
} eg_delta_limits;

typedef enum eg_delta_verdict {
	EG_DELTA_ACCEPT,
	EG_DELTA_HOLD,   /* suspicious: a person must release it */
	EG_DELTA_REJECT, /* bad rows: the file is refused */
} eg_delta_verdict;

/* The verdict, and why in words (static or written to why). */
eg_delta_verdict eg_delta_verdict_of(const eg_delta_counts *c,
				     const eg_delta_limits *lim, char *why,
				     size_t cap);
const char *eg_delta_verdict_name(eg_delta_verdict v);

#endif
