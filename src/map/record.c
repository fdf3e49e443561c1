/*
 * record.c - canonical record trees and their XML / JSON Lines writers.
 */
#include "edigate/record.h"

#include <stdlib.h>
#include <string.h>

static char *
dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * A record's nodes and values come from one arena its root owns: a big
 * 856 has hundreds of thousands of small nodes, and a malloc and free
 * for each (and for each value) cost more than building them.  The
 * arena is freed with the root; a subtree freed before is only unlinked.
 */
#define RCHUNK ((size_t)64 << 10)

typedef struct rchunk {
	struct rchunk *next;
	size_t used, cap;
	/* data follows, 8-byte aligned (the header is 24 bytes) */
} rchunk;

typedef struct rroot {
	eg_rnode node; /* first: a root is also an eg_rnode */
	rchunk *chunks;
} rroot;

/* n zeroed bytes in the arena of the tree that holds at. */
static void *
aalloc(eg_rnode *at, size_t n)
{
	rroot *r;
	rchunk *c;
	char *p;

	while (at->parent)
		at = at->parent;
	r = (rroot *)at;
	n = (n + 7) & ~(size_t)7;
	c = r->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > RCHUNK / 4 ? n : RCHUNK;
		rchunk *nc = malloc(sizeof(*nc) + cap);

		if (!nc)
			return NULL;
		nc->used = 0;
		nc->cap = cap;
		if (c && cap != RCHUNK) {
			/* a big value: its own chunk, the current one stays */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			r->chunks = nc;
		}
		c = nc;
	}
	p = (char *)(c + 1) + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

static char *
adup_n(eg_rnode *at, const char *p, size_t n)
{
	char *s = aalloc(at, n + 1);

	if (s && n)
		memcpy(s, p, n);
	return s;
}

eg_err
eg_rnode_new_root(eg_rnode **out, const char *name)
{
	rroot *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return EG_ENOMEM;
	r->node.name = name;
	r->node.kind = EG_RK_GROUP;
	r->node.in_arena = 2;
	*out = &r->node;
	return EG_OK;
}

eg_err
eg_rnode_add(eg_rnode *parent, const char *name, eg_rkind kind, int repeats,
	     const char *value, size_t len, eg_rnode **out)
{
	int arena = parent->in_arena != 0;
	eg_rnode *n = arena ? aalloc(parent, sizeof(*n)) : calloc(1, sizeof(*n));

	if (out)
		*out = NULL;
	if (!n)
		return EG_ENOMEM;
	n->name = name;
	n->kind = kind;
	n->repeats = repeats;
	n->in_arena = (unsigned char)arena;
	if (value && !(n->value = arena ? adup_n(parent, value, len)
					: dup_n(value, len))) {
		if (!arena)
			free(n);
		return EG_ENOMEM;
	}
	n->parent = parent;
	if (parent->last)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
	if (out)
		*out = n;
	return EG_OK;
}

/* A run node: the node first, then what makes its children. */
typedef struct rrun {
	eg_rnode node;
	eg_rnode_expand_fn fn;
	void *ud;
	const void *arg;
	long a, b;
} rrun;

#define RUN_FLAG 5 /* in_arena of a run */

eg_err
eg_rnode_add_run(eg_rnode *parent, const char *name, eg_rnode_expand_fn fn,
		 void *ud, const void *arg, long a, long b, eg_rnode **out)
{
	rrun *r;

	if (out)
		*out = NULL;
	if (!parent->in_arena || !fn)
		return EG_EINVAL;
	if (!(r = aalloc(parent, sizeof(*r))))
		return EG_ENOMEM;
	r->node.name = name;
	r->node.kind = EG_RK_GROUP;
	r->node.repeats = 1;
	r->node.in_arena = RUN_FLAG;
	r->fn = fn;
	r->ud = ud;
	r->arg = arg;
	r->a = a;
	r->b = b;
	r->node.parent = parent;
	if (parent->last)
		parent->last->next = &r->node;
	else
		parent->child = &r->node;
	parent->last = &r->node;
	if (out)
		*out = &r->node;
	return EG_OK;
}

int
eg_rnode_is_run(const eg_rnode *n)
{
	return n->in_arena == RUN_FLAG;
}

void
eg_rnode_run_args(const eg_rnode *run, const void **arg, long *a, long *b)
{
	const rrun *r = (const rrun *)run;

	*arg = r->arg;
	*a = r->a;
	*b = r->b;
}

static eg_err
run_expand(const eg_rnode *n, eg_rnode_each_fn each, void *wctx)
{
	const rrun *r = (const rrun *)n;

	return r->fn(r->ud, n, each, wctx);
}

eg_err
eg_rnode_set_uom(eg_rnode *n, const char *uom)
{
	char *u = n->in_arena ? adup_n(n, uom, strlen(uom))
			      : dup_n(uom, strlen(uom));

	if (!u)
		return EG_ENOMEM;
	if (!n->in_arena)
		free(n->uom);
	n->uom = u;
	return EG_OK;
}

static void
free_tree(eg_rnode *n)
{
	while (n) {
		eg_rnode *next = n->next;

		free_tree(n->child);
		free(n->value);
		free(n->uom);
		free(n);
		n = next;
	}
}

void
eg_rnode_free(eg_rnode *n)
{
	eg_rnode *p, *prev = NULL;

	if (!n)
		return;
	if ((p = n->parent) != NULL) {
		eg_rnode *c;

		for (c = p->child; c && c != n; c = c->next)
			prev = c;
		if (c) {
			if (prev)
				prev->next = n->next;
			else
				p->child = n->next;
			if (p->last == n)
				p->last = prev;
		}
	}
	n->next = NULL;
	if (n->in_arena == 2) {
		rroot *r = (rroot *)n;

		while (r->chunks) {
			rchunk *c = r->chunks;

			r->chunks = c->next;
			free(c);
		}
		free(r);
	} else if (!n->in_arena) {
		free_tree(n);
	} /* else: its memory goes with its root's arena */
}

eg_rnode *
eg_rnode_child(const eg_rnode *n, const char *name)
{
	eg_rnode *c;

	for (c = n ? n->child : NULL; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

eg_rnode *
eg_rnode_next_same(const eg_rnode *n)
{
	eg_rnode *c;

	for (c = n->next; c; c = c->next)
		if (!strcmp(c->name, n->name))
			return c;
	return NULL;
}

eg_err
eg_rnode_each_same(const eg_rnode *first, eg_rnode_each_fn fn, void *ud)
{
	const eg_rnode *n;
	eg_err rc = EG_OK;

	for (n = first; n && !rc; n = eg_rnode_next_same(n))
		rc = eg_rnode_is_run(n) ? run_expand(n, fn, ud) : fn(ud, n);
	return rc;
}

const char *
eg_rnode_text(const eg_rnode *n, const char *path)
{
	char part[64];

	while (n && *path) {
		size_t k = strcspn(path, "/");

		if (k >= sizeof(part))
			return NULL;
		memcpy(part, path, k);
		part[k] = '\0';
		n = eg_rnode_child(n, part);
		path += k + (path[k] == '/');
	}
	return n ? n->value : NULL;
}

/* Does the path from the root to n end with suffix (len bytes)? */
static int
ends_with_path(const eg_rnode *n, const char *suffix, size_t len)
{
	while (len > 0) {
		size_t k = len, nl = 0;

		while (k > 0 && suffix[k - 1] != '/')
			k--;
		if (!n || !n->parent)
			return 0; /* the root's own name is not part of paths */
		/* compare without measuring the name first: most nodes
		 * differ in their first bytes */
		while (nl < len - k && n->name[nl] == suffix[k + nl])
			nl++;
		if (nl != len - k || n->name[nl] != '\0')
			return 0;
		n = n->parent;
		len = k ? k - 1 : 0;
	}
	return 1;
}

/* last: the suffix's last name; a node whose name does not start with
 * its first byte is passed over without ends_with_path (every node of
 * every record is visited once per business key). */
static int
match_walk(const eg_rnode *n, const char *suffix, size_t len,
	   const char *last, int (*fn)(void *ud, const eg_rnode *n),
	   void *ud)
{
	int r;

	for (; n; n = n->next) {
		if (n->name[0] == last[0] && ends_with_path(n, suffix, len) &&
		    (r = fn(ud, n)) != 0)
			return r;
		if (n->child &&
		    (r = match_walk(n->child, suffix, len, last, fn, ud)) != 0)
			return r;
	}
	return 0;
}

int
eg_rnode_match(const eg_rnode *root, const char *suffix,
	       int (*fn)(void *ud, const eg_rnode *n), void *ud)
{
	const char *last;

	if (!*suffix)
		return 0;
	last = strrchr(suffix, '/');
	last = last ? last + 1 : suffix;
	return match_walk(root->child, suffix, strlen(suffix), last, fn, ud);
}

/* ---- XML ---- */

static eg_err
add_xml_text(eg_buf *b, const char *s)
{
	eg_err rc = EG_OK;

	for (; rc == EG_OK && *s; s++) {
		switch (*s) {
		case '&': rc = eg_buf_adds(b, "&amp;"); break;
		case '<': rc = eg_buf_adds(b, "&lt;"); break;
		case '>': rc = eg_buf_adds(b, "&gt;"); break;
		case '"': rc = eg_buf_adds(b, "&quot;"); break;
		default: rc = eg_buf_addc(b, *s); break;
		}
	}
	return rc;
}

static eg_err
indent(eg_buf *b, unsigned depth)
{
	eg_err rc = EG_OK;

	while (rc == EG_OK && depth--)
		rc = eg_buf_add(b, "  ", 2);
	return rc;
}

/* Between two units of a run, hand what the buffer holds to the sink
 * once it holds enough (see eg_record_sink). */
static eg_err
drain(eg_buf *b, const eg_record_sink *s)
{
	if (!s || !s->drain || b->len < (s->at ? s->at : 1))
		return EG_OK;
	return s->drain(s->ud, b);
}

static eg_err write_xml(eg_buf *b, const eg_rnode *n, unsigned depth,
			const eg_record_sink *s);

typedef struct xmlctx {
	eg_buf *b;
	unsigned depth;
	const eg_record_sink *s;
} xmlctx;

static eg_err
each_xml(void *wctx, const eg_rnode *child)
{
	xmlctx *x = wctx;
	eg_err rc = write_xml(x->b, child, x->depth, x->s);

	if (!rc && x->s && x->s->unit)
		rc = x->s->unit(x->s->ud, child);
	return rc ? rc : drain(x->b, x->s);
}

static eg_err
write_xml(eg_buf *b, const eg_rnode *n, unsigned depth,
	  const eg_record_sink *s)
{
	eg_err rc;

	if (eg_rnode_is_run(n)) {
		xmlctx x = {b, depth, s};

		return run_expand(n, each_xml, &x);
	}
	rc = indent(b, depth);

	if (!rc)
		rc = eg_buf_addf(b, "<%s", n->name);
	if (!rc && n->kind == EG_RK_MEASURE && n->uom) {
		rc = eg_buf_adds(b, " uom=\"");
		if (!rc)
			rc = add_xml_text(b, n->uom);
		if (!rc)
			rc = eg_buf_addc(b, '"');
	}
	if (rc)
		return rc;
	if (n->kind == EG_RK_GROUP) {
		const eg_rnode *c;

		rc = eg_buf_adds(b, ">\n");
		for (c = n->child; !rc && c; c = c->next)
			rc = write_xml(b, c, depth + 1, s);
		if (!rc)
			rc = indent(b, depth);
	} else {
		rc = eg_buf_addc(b, '>');
		if (!rc)
			rc = add_xml_text(b, n->value ? n->value : "");
	}
	if (!rc)
		rc = eg_buf_addf(b, "</%s>\n", n->name);
	return rc;
}

eg_err
eg_record_write_xml(eg_buf *out, const eg_rnode *rec, unsigned depth)
{
	return write_xml(out, rec, depth, NULL);
}

eg_err
eg_record_write_xml_to(eg_buf *out, const eg_rnode *rec, unsigned depth,
		       const eg_record_sink *s)
{
	return write_xml(out, rec, depth, s);
}

/* ---- JSON ---- */

static eg_err
add_json_str(eg_buf *b, const char *s)
{
	return eg_buf_add_json(b, s, strlen(s));
}

static eg_err write_json_members(eg_buf *b, const eg_rnode *first, int comma,
				 const eg_record_sink *s);
static eg_err write_json_value(eg_buf *b, const eg_rnode *n,
			       const eg_record_sink *s);

/* Elements of one plural array: a comma before all but the first. */
typedef struct jsonctx {
	eg_buf *b;
	size_t k;
	const eg_record_sink *s;
	int run; /* the element comes from a run: drain after it */
} jsonctx;

static eg_err
each_json(void *wctx, const eg_rnode *child)
{
	jsonctx *j = wctx;
	eg_err rc = j->k++ ? eg_buf_addc(j->b, ',') : EG_OK;

	if (!rc)
		rc = write_json_value(j->b, child, j->s);
	if (rc || !j->run)
		return rc;
	if (j->s && j->s->unit && (rc = j->s->unit(j->s->ud, child)))
		return rc;
	return drain(j->b, j->s);
}

static eg_err
write_json_value(eg_buf *b, const eg_rnode *n, const eg_record_sink *s)
{
	eg_err rc;

	switch (n->kind) {
	case EG_RK_GROUP:
		rc = eg_buf_addc(b, '{');
		if (!rc)
			rc = write_json_members(b, n->child, 0, s);
		return rc ? rc : eg_buf_addc(b, '}');
	case EG_RK_TEXT:
		return add_json_str(b, n->value ? n->value : "");
	case EG_RK_NUMBER:
	case EG_RK_BOOL:
		return eg_buf_adds(b, n->value ? n->value : "null");
	case EG_RK_MEASURE:
		rc = eg_buf_adds(b, "{\"value\":");
		if (!rc)
			rc = eg_buf_adds(b, n->value ? n->value : "0");
		if (!rc)
			rc = eg_buf_adds(b, ",\"uom\":");
		if (!rc)
			rc = add_json_str(b, n->uom ? n->uom : "");
		return rc ? rc : eg_buf_addc(b, '}');
	}
	return EG_EINTERNAL;
}

/* A member's name: [,]"name": or [,]"names":[ in one append (element
 * names are plain camelCase: no escaping; this runs for every member of
 * every record). */
static eg_err
add_json_name(eg_buf *b, int comma, const char *name, int plural)
{
	char t[96];
	size_t n = strlen(name), o = 0;

	if (n + 8 > sizeof(t)) {
		eg_err rc = comma ? eg_buf_addc(b, ',') : EG_OK;

		if (!rc)
			rc = eg_buf_addc(b, '"');
		if (!rc)
			rc = eg_buf_add(b, name, n);
		return rc ? rc : eg_buf_adds(b, plural ? "s\":[" : "\":");
	}
	if (comma)
		t[o++] = ',';
	t[o++] = '"';
	memcpy(t + o, name, n);
	o += n;
	if (plural)
		t[o++] = 's';
	t[o++] = '"';
	t[o++] = ':';
	if (plural)
		t[o++] = '[';
	return eg_buf_add(b, t, o);
}

/* Members from first on; repeatable names gather every occurrence (the
 * tree keeps them adjacent: schema order) into one plural array. */
static eg_err
write_json_members(eg_buf *b, const eg_rnode *n, int comma,
		   const eg_record_sink *s)
{
	eg_err rc = EG_OK;

	while (!rc && n) {
		if (n->repeats) {
			const eg_rnode *m = n;
			jsonctx j = {b, 0, s, 0};

			rc = add_json_name(b, comma, n->name, 1);
			comma = 1;
			for (; !rc && m && !strcmp(m->name, n->name);
			     m = m->next) {
				j.run = eg_rnode_is_run(m);
				rc = j.run ? run_expand(m, each_json, &j)
					   : each_json(&j, m);
			}
			if (!rc)
				rc = eg_buf_addc(b, ']');
			n = m;
			continue;
		}
		if (eg_rnode_is_run(n))
			return EG_EINVAL; /* a run is always a plural array */
		rc = add_json_name(b, comma, n->name, 0);
		comma = 1;
		if (!rc)
			rc = write_json_value(b, n, s);
		n = n->next;
	}
	return rc;
}

eg_err
eg_record_write_json(eg_buf *out, const eg_rnode *rec)
{
	return eg_record_write_json_to(out, rec, NULL);
}

eg_err
eg_record_write_json_to(eg_buf *out, const eg_rnode *rec,
			const eg_record_sink *s)
{
	eg_err rc = eg_buf_adds(out, "{\"recordType\":");

	if (!rc)
		rc = add_json_str(out, rec->name);
	if (!rc)
		rc = write_json_members(out, rec->child, 1, s);
	if (!rc)
		rc = eg_buf_adds(out, "}\n");
	return rc;
}
