/*
 * rules.h - per-partner business rules on canonical records.
 *
 * A profile declares its rules (<rules> in partners/<id>.xml, see
 * docs/profiles.md); the mapper checks each record it made against the
 * rules for its transaction set, after the guide and the map are
 * satisfied.  A broken rule rejects the document (fail closed).
 *
 * Rules that need earlier documents (a 945 must answer a 940 the gateway
 * has seen, and ship what it ordered) read them through eg_refstore: the
 * ledger implements it in the pipeline; eg_memstore is the in-memory one
 * used by `partner test` and the tests.
 */
#ifndef EDIGATE_RULES_H
#define EDIGATE_RULES_H

#include <stddef.h>
#include <time.h>

#include "edigate/err.h"
#include "edigate/record.h"

typedef enum eg_rule_kind {
	EG_RULE_REQUIRES_REFERENCE, /* key of this doc seen in an earlier one */
	EG_RULE_QUANTITY_TOLERANCE, /* shipped vs ordered, per line */
	EG_RULE_DATE_WINDOW,        /* a date within [now-past, now+future] */
	EG_RULE_RANGE,              /* a number within [min, max] */
} eg_rule_kind;

typedef struct eg_rule {
	eg_rule_kind kind;
	char set[7];       /* the rule applies to records from this set
			    * ("945"; EDIFACT "DESADV"); ""
			    * (date-window, range) = every set */
	char key[48];      /* requires-reference: business key name
			    * ("order-number") */
	char seen_in[7];   /* requires-reference: the earlier set ("940",
			    * "ORDERS") */
	char against[7];   /* quantity-tolerance: the ordering set ("940") */
	double percent;    /* quantity-tolerance: allowed deviation, % */
	double units;      /* ... and/or in units */
	int has_percent, has_units;
	char field[96];    /* date-window, range: path suffix in the record
			    * ("shipDate", "item/quantityShipped") */
	long long past, future; /* date-window, seconds; -1 = unbounded */
	double min, max;   /* range */
	int has_min, has_max;
	unsigned line;     /* line in the profile, for messages */
} eg_rule;

/* One ordered line of an earlier document, as quantity rules need it. */
typedef struct eg_ref_line {
	char line_number[49];
	char gtin[15], sku[49], buyer_part[49];
	char quantity[32]; /* canonical decimal text */
	char uom[4];
} eg_ref_line;

/* An earlier document found by one of its business keys. */
typedef struct eg_ref_doc {
	char set[7];
	char file_id[65];
	size_t nlines;
	eg_ref_line *lines; /* owned; eg_ref_doc_clear frees */
} eg_ref_doc;

void eg_ref_doc_clear(eg_ref_doc *d);
/* The document a record describes: set, file id and (WarehouseOrder)
 * lines, as the rules need it.  EG_ELIMIT when a value does not fit. */
eg_err eg_ref_doc_read(eg_ref_doc *d, const char *set,
		       const eg_rnode *rec) EG_MUST_USE;
/* One order line (a "line" node of a WarehouseOrder) as the rules keep
 * it; EG_ELIMIT when a value does not fit. */
eg_err eg_ref_line_read(eg_ref_line *l, const eg_rnode *line) EG_MUST_USE;
/* fn for each line of a WarehouseOrder record, in order, one at a time
 * (the lines may be a run: record.h), so a caller that stores them does
 * not hold them all.  Nothing for other records.  Stops at the first
 * error; EG_ELIMIT when a value does not fit. */
eg_err eg_ref_lines_each(const eg_rnode *rec,
			 eg_err (*fn)(void *ud, const eg_ref_line *ln),
			 void *ud) EG_MUST_USE;

/* What rules read earlier documents through. */
typedef struct eg_refstore {
	/*
	 * Find the document of `set` from `partner` that carried business
	 * key name = value (the first seen wins).  *found is 0 when there is
	 * none; out is filled only when found.
	 */
	eg_err (*find)(void *ud, const char *partner, const char *set,
		       const char *key, const char *value, eg_ref_doc *out,
		       int *found, eg_error *e);
	void *ud;
} eg_refstore;

/* Called for each broken rule: at is the node concerned (may be the
 * record), msg a complete sentence. */
typedef void (*eg_rule_fn)(void *ud, const eg_rule *r, const eg_rnode *at,
			   const char *msg);

/*
 * Check rec, a record made from a document of transaction set `set`
 * from `partner`, against every rule that applies to that set.  store may
 * be NULL: rules that need it then report that they could not be checked
 * (fail closed).  *broken counts the reports.  Errors only for store
 * failures and memory.
 */
eg_err eg_rules_check(const eg_rule *rules, size_t nrules,
		      const char *partner, const char *set,
		      const eg_rnode *rec, const eg_refstore *store,
		      time_t now, eg_rule_fn fn, void *ud, unsigned *broken,
		      eg_error *e) EG_MUST_USE;

/* The in-memory store: documents added are found by their keys. */
typedef struct eg_memstore eg_memstore;

eg_err eg_memstore_new(eg_memstore **out) EG_MUST_USE;
/*
 * Remember a record made from a document of `set` from `partner`: every
 * correlation/key (first seen wins) and, for a WarehouseOrder, its lines.
 */
eg_err eg_memstore_add(eg_memstore *m, const char *partner, const char *set,
		       const eg_rnode *rec) EG_MUST_USE;
/*
 * Move what src remembers into dst, in the order src learnt it, as if
 * each record had been added to dst then (first seen wins); src is left
 * empty.  For documents that must not be visible until their group or
 * interchange is accepted (`map` streaming its records).
 */
eg_err eg_memstore_take(eg_memstore *dst, eg_memstore *src) EG_MUST_USE;
/* Forget everything (a rejected group's documents). */
void eg_memstore_clear(eg_memstore *m);
eg_refstore eg_memstore_store(eg_memstore *m);
void eg_memstore_free(eg_memstore *m);

#endif
