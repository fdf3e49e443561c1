/*
 * record.h - canonical records in memory, and their two written forms.
 *
 * A record is a tree of named nodes in schema order (the mapper builds it
 * from the shape tables in map.h, so the order is always the XSD's).  The
 * writers turn it into XML valid against schemas/canonical.xsd or into
 * one JSON line following the rules of docs/canonical.md ("recordType"
 * first, repeatable elements as plural arrays, measures as
 * {"value","uom"}).  Business rules read records through the lookups
 * below.
 *
 * Ownership: a node owns its children and its strings; free the root with
 * eg_rnode_free.
 */
#ifndef EDIGATE_RECORD_H
#define EDIGATE_RECORD_H

#include <stddef.h>

#include "edigate/buf.h"
#include "edigate/err.h"

typedef enum eg_rkind {
	EG_RK_GROUP,   /* an element with children (the record, a party) */
	EG_RK_TEXT,    /* JSON string */
	EG_RK_NUMBER,  /* JSON number, written as its text */
	EG_RK_BOOL,    /* "true" / "false" */
	EG_RK_MEASURE, /* a number with a uom attribute */
} eg_rkind;

typedef struct eg_rnode {
	const char *name; /* element name; static storage (shape tables) */
	eg_rkind kind;
	int repeats;      /* may repeat: JSON writes name + "s" as an array */
	char *value;      /* owned; NULL for groups */
	char *uom;        /* owned; measures only */
	/* where the value came from (0 when not from one segment) */
	unsigned long long segment;
	unsigned elem;
	/* internal: 1 when allocated from its root's arena, 2 for the root
	 * that owns it (eg_rnode_new_root); 0 for a node of its own; 5 for
	 * a run (eg_rnode_add_run), in the arena */
	unsigned char in_arena;
	struct eg_rnode *parent, *child, *last, *next;
} eg_rnode;

/* A new root (a record: "Shipment", "WarehouseOrder", ...). */
eg_err eg_rnode_new_root(eg_rnode **out, const char *name) EG_MUST_USE;
/*
 * Append a child.  value may be NULL (groups); len is its length.  *out
 * (may be NULL) receives the new node.
 */
eg_err eg_rnode_add(eg_rnode *parent, const char *name, eg_rkind kind,
		    int repeats, const char *value, size_t len,
		    eg_rnode **out) EG_MUST_USE;
eg_err eg_rnode_set_uom(eg_rnode *n, const char *uom) EG_MUST_USE;
/* Unlink n from its parent (if any) and free it with its subtree. */
void eg_rnode_free(eg_rnode *n);

/*
 * A run: the children called name of one repeating level (an order's
 * items), made only when the record is written.  One order of 200,000
 * items would otherwise be held as 200,000 subtrees of about 500 bytes
 * at once.  The writers call fn, which calls each(wctx, child) for every
 * child in order; a child is a tree of its own (its root is named name)
 * that fn frees after the call.  To every other reader a run is a group
 * node with no children, so it is made only where nothing but the
 * writers reads what it holds (mapper.c says when).  repeats must be 1.
 */
typedef eg_err (*eg_rnode_each_fn)(void *wctx, const eg_rnode *child);
typedef eg_err (*eg_rnode_expand_fn)(void *ud, const eg_rnode *run,
				     eg_rnode_each_fn each, void *wctx);
eg_err eg_rnode_add_run(eg_rnode *parent, const char *name,
			eg_rnode_expand_fn fn, void *ud, const void *arg,
			long a, long b, eg_rnode **out) EG_MUST_USE;
/* Is n a run; and what eg_rnode_add_run was given for it. */
int eg_rnode_is_run(const eg_rnode *n);
void eg_rnode_run_args(const eg_rnode *run, const void **arg, long *a,
		       long *b);

/* First child called name, or NULL. */
eg_rnode *eg_rnode_child(const eg_rnode *n, const char *name);
/* The next sibling with the same name, or NULL. */
eg_rnode *eg_rnode_next_same(const eg_rnode *n);
/*
 * fn for first and each later sibling of its name, in order; the units of
 * a run are built for the call, one at a time, and freed after it.  How a
 * reader other than the writers walks a level that may be a run (the
 * ledger keeping an order's lines).  Stops at the first error.
 */
eg_err eg_rnode_each_same(const eg_rnode *first, eg_rnode_each_fn fn,
			  void *ud) EG_MUST_USE;
/* Value at a slash path below n ("correlation/partnerId"), or NULL. */
const char *eg_rnode_text(const eg_rnode *n, const char *path);

/*
 * Call fn for every node whose path from the root ends with suffix: a
 * path of element names joined by '/' ("item/quantityShipped" matches
 * every item at any depth; "shipDate" the header's).  Stops at the first
 * non-zero return, which it returns.
 */
int eg_rnode_match(const eg_rnode *root, const char *suffix,
		   int (*fn)(void *ud, const eg_rnode *n), void *ud);

/* Append the record as XML elements (no declaration), indented by depth
 * steps of two spaces, one element per line. */
eg_err eg_record_write_xml(eg_buf *out, const eg_rnode *rec,
			   unsigned depth) EG_MUST_USE;
/* Append the record as one JSON line, newline included. */
eg_err eg_record_write_json(eg_buf *out, const eg_rnode *rec) EG_MUST_USE;

/*
 * Writing a big record in bounded memory: the _to writers call drain
 * between two units of a run whenever out holds at least `at` bytes
 * (0: any); drain takes the bytes (writes them out) and empties out.
 * Without runs the record is written whole into out, as above.
 */
typedef struct eg_record_sink {
	eg_err (*drain)(void *ud, eg_buf *out);
	void *ud;
	size_t at;
	/* or NULL: each unit of a run, once written, while it exists (so a
	 * reader that needs the units too does not build them again) */
	eg_err (*unit)(void *ud, const eg_rnode *unit);
} eg_record_sink;
eg_err eg_record_write_json_to(eg_buf *out, const eg_rnode *rec,
			       const eg_record_sink *s) EG_MUST_USE;
eg_err eg_record_write_xml_to(eg_buf *out, const eg_rnode *rec,
			      unsigned depth,
			      const eg_record_sink *s) EG_MUST_USE;

#endif
