/*
 * delta.c - the nightly delta by external sort and merge join (delta.h).
 *
 * A row becomes one line "KEY TAB FLAG TAB LINE TAB HASH TAB JSON TAB
 * FLAT LF": KEY and FLAT are escaped by the layout (no TAB or LF inside
 * KEY; FLAT is last so its TABs need no care), JSON never holds a raw TAB
 * or LF.  FLAG is G (good) or B (bad), HASH a 64-bit FNV-1a of FLAT in hex
 * (a quick "same values" test, always confirmed by comparing FLAT).
 *
 * A side buffers lines up to its memory budget, sorts them by KEY with
 * memcmp (the file line breaks ties, so duplicates keep file order) and
 * writes a run.  At the end the runs are merged FANOUT at a time until
 * few enough remain, then read as one sorted stream through a small heap.
 * Invariant: memory is the budget plus one line buffer per open run.
 *
 * A kept baseline is gzip (level 1) and is read through zlib; every other
 * run is plain (runs live minutes, baselines nights).
 */
#include "edigate/delta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define FANOUT 64
#define LINE_MAX_BYTES (64u * 1024 * 1024)

struct eg_delta_side {
	char dir[4096];
	char *mem;            /* line buffer */
	size_t used, cap;
	char **lines;         /* starts of the buffered lines */
	size_t nlines, maxlines;
	unsigned runs, next_id; /* live runs are ids [first_id, next_id) */
	unsigned first_id;
	uint64_t rows;
	int finished;
};

/* ---- lines ---- */

static size_t
keylen(const char *l)
{
	return strcspn(l, "\t\n");
}

static int
cmp_lines(const char *a, const char *b)
{
	size_t ka = keylen(a), kb = keylen(b);
	int c = memcmp(a, b, ka < kb ? ka : kb);

	if (c)
		return c;
	return ka < kb ? -1 : ka > kb;
}

/* File order for equal keys: LINE is the third field. */
static unsigned long long
line_no(const char *l)
{
	const char *p = strchr(l, '\t');

	if (!p || !(p = strchr(p + 1, '\t')))
		return 0;
	return strtoull(p + 1, NULL, 10);
}

static int
qcmp(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	int c = cmp_lines(a, b);
	unsigned long long la, lb;

	if (c)
		return c;
	la = line_no(a);
	lb = line_no(b);
	return la < lb ? -1 : la > lb;
}

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- a side ---- */

eg_err
eg_delta_side_new(eg_delta_side **out, const char *tmpdir, size_t mem_bytes,
		  eg_error *e)
{
	eg_delta_side *s = calloc(1, sizeof(*s));
	const char *t = tmpdir ? tmpdir : getenv("TMPDIR");

	*out = NULL;
	if (!s)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (!t || !*t)
		t = "/tmp";
	if (!mem_bytes)
		mem_bytes = 16u * 1024 * 1024;
	s->cap = mem_bytes;
	s->maxlines = mem_bytes / 48 + 16;
	s->mem = malloc(s->cap);
	s->lines = malloc(s->maxlines * sizeof(char *));
	snprintf(s->dir, sizeof(s->dir), "%s/edigate-delta.XXXXXX", t);
	if (!s->mem || !s->lines) {
		eg_delta_side_free(s);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if (!mkdtemp(s->dir)) {
		int err = errno;

		s->dir[0] = '\0';
		eg_delta_side_free(s);
		return eg_fail(e, EG_EIO, "cannot make a temporary directory "
			       "in %s: %s", t, strerror(err));
	}
	*out = s;
	return EG_OK;
}

static void
run_path(const eg_delta_side *s, unsigned id, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s/run-%06u", s->dir, id);
}

void
eg_delta_side_free(eg_delta_side *s)
{
	unsigned i;
	char p[4200];

	if (!s)
		return;
	if (s->dir[0]) {
		for (i = s->first_id; i < s->next_id; i++) {
			run_path(s, i, p, sizeof(p));
			unlink(p);
		}
		rmdir(s->dir);
	}
	free(s->mem);
	free(s->lines);
	free(s);
}

static eg_err
flush_run(eg_delta_side *s, eg_error *e)
{
	char p[4200];
	FILE *f;
	size_t i;

	if (s->nlines == 0)
		return EG_OK;
	qsort(s->lines, s->nlines, sizeof(char *), qcmp);
	run_path(s, s->next_id, p, sizeof(p));
	f = fopen(p, "w");
	if (!f)
		return eg_fail(e, EG_EIO, "cannot write %s: %s", p,
			       strerror(errno));
	s->next_id++;
	s->runs++;
	for (i = 0; i < s->nlines; i++) {
		const char *l = s->lines[i];

		fputs(l, f);
	}
	if (fclose(f) != 0)
		return eg_fail(e, EG_EIO, "cannot write %s: %s", p,
			       strerror(errno));
	s->nlines = 0;
	s->used = 0;
	return EG_OK;
}

eg_err
eg_delta_side_add(eg_delta_side *s, const char *key, size_t klen,
		  const char *flat, size_t flen, const char *json, size_t jlen,
		  uint64_t line, int bad, eg_error *e)
{
	char head[64];
	size_t hl, need;
	char *p;
	eg_err rc;

	if (s->finished)
		return eg_fail(e, EG_EINTERNAL, "delta side already merged");
	while (jlen > 0 && (json[jlen - 1] == '\n' || json[jlen - 1] == '\r'))
		jlen--;
	if (memchr(key, '\t', klen) || memchr(key, '\n', klen) ||
	    memchr(json, '\n', jlen) || memchr(json, '\t', jlen) ||
	    memchr(flat, '\n', flen))
		return eg_fail(e, EG_EINTERNAL,
			       "delta row with an unescaped separator");
	hl = (size_t)snprintf(head, sizeof(head), "\t%c\t%llu\t%016llx\t",
			      bad ? 'B' : 'G', (unsigned long long)line,
			      (unsigned long long)fnv1a(flat, flen));
	need = klen + hl + jlen + 1 + flen + 2;
	if (need > s->cap || need > LINE_MAX_BYTES)
		return eg_fail(e, EG_ELIMIT, "a row of %zu bytes is larger "
			       "than the delta's memory budget", need);
	if (s->used + need > s->cap || s->nlines == s->maxlines)
		if ((rc = flush_run(s, e)) != EG_OK)
			return rc;
	p = s->mem + s->used;
	memcpy(p, key, klen);
	memcpy(p + klen, head, hl);
	memcpy(p + klen + hl, json, jlen);
	p[klen + hl + jlen] = '\t';
	memcpy(p + klen + hl + jlen + 1, flat, flen);
	p[need - 2] = '\n';
	p[need - 1] = '\0';
	s->lines[s->nlines++] = p;
	s->used += need;
	s->rows++;
	return EG_OK;
}

eg_err
eg_delta_side_seal(eg_delta_side *s, eg_error *e)
{
	eg_err rc;

	if (s->finished)
		return EG_OK;
	s->finished = 1;
	if ((rc = flush_run(s, e)) != EG_OK)
		return rc;
	/* the buffer is not needed again: give its memory back */
	free(s->mem);
	free(s->lines);
	s->mem = NULL;
	s->lines = NULL;
	return EG_OK;
}

eg_err
eg_delta_side_add_sorted(eg_delta_side *s, const char *path, eg_error *e)
{
	char p[4200];
	eg_err rc;

	if (s->finished)
		return eg_fail(e, EG_EINTERNAL, "delta side already merged");
	/* what is buffered goes first, so the ids stay in order */
	if ((rc = flush_run(s, e)) != EG_OK)
		return rc;
	if (access(path, R_OK) != 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot read %s: %s", path, strerror(errno));
	run_path(s, s->next_id, p, sizeof(p));
	/* a link: freeing the side removes the link, not the file */
	if (symlink(path, p) != 0)
		return eg_fail(e, EG_EIO, "cannot link %s: %s", p,
			       strerror(errno));
	s->next_id++;
	s->runs++;
	return EG_OK;
}

uint64_t
eg_delta_side_rows(const eg_delta_side *s)
{
	return s->rows;
}

unsigned
eg_delta_side_runs(const eg_delta_side *s)
{
	return s->runs;
}

/* ---- merging runs ---- */

typedef struct rd {
	FILE *f;
	gzFile gz; /* a gzip run (a kept baseline) */
	char *line;
	size_t cap;
	ssize_t len;
} rd;

typedef struct merger {
	rd r[FANOUT];
	int heap[FANOUT];
	int n;
} merger;

/* The next line of a gzip run, grown as getline grows its buffer. */
static int
rd_next_gz(rd *r)
{
	size_t n = 0;

	for (;;) {
		if (r->cap - n < 2) {
			size_t cap = r->cap ? r->cap * 2 : 64 * 1024;
			char *p;

			if (cap > LINE_MAX_BYTES * 2 ||
			    !(p = realloc(r->line, cap)))
				return 0;
			r->line = p;
			r->cap = cap;
		}
		if (!gzgets(r->gz, r->line + n, (int)(r->cap - n)))
			break;
		n += strlen(r->line + n);
		if (n && r->line[n - 1] == '\n')
			break;
	}
	r->len = (ssize_t)n;
	return n > 0;
}

static int
rd_next(rd *r)
{
	if (r->gz)
		return rd_next_gz(r);
	r->len = getline(&r->line, &r->cap, r->f);
	return r->len > 0;
}

/* Open a run, plain or gzip (by its first bytes). */
static int
rd_open(rd *r, const char *p)
{
	unsigned char mg[2];

	if (!(r->f = fopen(p, "r")))
		return -1;
	if (fread(mg, 1, 2, r->f) == 2 && mg[0] == 0x1f && mg[1] == 0x8b) {
		fclose(r->f);
		r->f = NULL;
		if (!(r->gz = gzopen(p, "rb")))
			return -1;
		gzbuffer(r->gz, 256 * 1024);
		return 0;
	}
	rewind(r->f);
	return 0;
}

static int
hless(const merger *m, int a, int b)
{
	int c = qcmp(&m->r[a].line, &m->r[b].line);

	return c < 0 || (c == 0 && a < b);
}

static void
sift(merger *m, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, min = i, t;

		if (l < m->n && hless(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->n && hless(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

static void
merger_close(merger *m)
{
	int i;

	for (i = 0; i < FANOUT; i++) {
		if (m->r[i].f)
			fclose(m->r[i].f);
		if (m->r[i].gz)
			gzclose(m->r[i].gz);
		free(m->r[i].line);
		m->r[i].f = NULL;
		m->r[i].gz = NULL;
		m->r[i].line = NULL;
	}
	m->n = 0;
}

static eg_err
merger_open(merger *m, const eg_delta_side *s, unsigned from, unsigned to,
	    eg_error *e)
{
	unsigned i;
	int k = 0, j;
	char p[4200];

	memset(m, 0, sizeof(*m));
	for (i = from; i < to; i++, k++) {
		run_path(s, i, p, sizeof(p));
		if (rd_open(&m->r[k], p) != 0) {
			merger_close(m);
			return eg_fail(e, EG_EIO, "cannot read %s: %s", p,
				       strerror(errno));
		}
		if (rd_next(&m->r[k]))
			m->heap[m->n++] = k;
	}
	for (j = m->n / 2 - 1; j >= 0; j--)
		sift(m, j);
	return EG_OK;
}

/* The smallest line, or NULL at the end; valid until merger_pop. */
static const char *
merger_top(const merger *m)
{
	return m->n ? m->r[m->heap[0]].line : NULL;
}

static void
merger_pop(merger *m)
{
	rd *r = &m->r[m->heap[0]];

	if (!rd_next(r))
		m->heap[0] = m->heap[--m->n];
	if (m->n)
		sift(m, 0);
}

/* Merge runs until at most FANOUT remain. */
static eg_err
reduce_runs(eg_delta_side *s, eg_error *e)
{
	while (s->next_id - s->first_id > FANOUT) {
		merger m;
		char p[4200];
		FILE *f;
		unsigned i, to = s->first_id + FANOUT;
		eg_err rc = merger_open(&m, s, s->first_id, to, e);

		if (rc)
			return rc;
		run_path(s, s->next_id, p, sizeof(p));
		if (!(f = fopen(p, "w"))) {
			merger_close(&m);
			return eg_fail(e, EG_EIO, "cannot write %s: %s", p,
				       strerror(errno));
		}
		s->next_id++;
		for (; merger_top(&m); merger_pop(&m))
			fputs(merger_top(&m), f);
		merger_close(&m);
		if (fclose(f) != 0)
			return eg_fail(e, EG_EIO, "cannot write %s", p);
		for (i = s->first_id; i < to; i++) {
			run_path(s, i, p, sizeof(p));
			unlink(p);
		}
		s->first_id = to;
	}
	return EG_OK;
}

/* ---- the merge join ---- */

/* A parsed line (pointers into it). */
typedef struct row {
	const char *key, *json, *flat;
	size_t klen, jlen, flen;
	unsigned long long line;
	char flag;
	char hash[17];
} row;

static int
parse_row(const char *l, size_t n, row *r)
{
	const char *t[5], *p = l, *end = l + n;
	int i;

	if (n > 0 && l[n - 1] == '\n')
		end--;
	for (i = 0; i < 5; i++) {
		t[i] = memchr(p, '\t', (size_t)(end - p));
		if (!t[i])
			return -1;
		p = t[i] + 1;
	}
	r->key = l;
	r->klen = (size_t)(t[0] - l);
	r->flag = t[0][1];
	r->line = strtoull(t[1] + 1, NULL, 10);
	memcpy(r->hash, t[2] + 1, 16);
	r->hash[16] = '\0';
	r->json = t[3] + 1;
	r->jlen = (size_t)(t[4] - r->json);
	r->flat = t[4] + 1;
	r->flen = (size_t)(end - r->flat);
	return 0;
}

/* One side as a stream of distinct keys: duplicates are told and
 * skipped (the first row of a key is the one compared). */
typedef struct stream {
	merger m;
	char *cur;      /* copy of the current row's line */
	size_t cap;
	row r;
	int have;
	int is_old;
} stream;

static int
tell(eg_delta_fn fn, void *ud, eg_delta_change *c)
{
	return fn ? fn(ud, c) : 0;
}

static eg_err
stream_next(stream *s, eg_delta_fn fn, void *ud, eg_delta_counts *cnt,
	    eg_error *e)
{
	const char *l;

	s->have = 0;
	while ((l = merger_top(&s->m)) != NULL) {
		size_t n = strlen(l);
		row r;

		if (parse_row(l, n, &r))
			return eg_fail(e, EG_EINTERNAL,
				       "a delta run holds a damaged line");
		if (s->cur && s->r.klen == r.klen &&
		    !memcmp(s->r.key, r.key, r.klen)) {
			eg_delta_change c;

			memset(&c, 0, sizeof(c));
			c.kind = EG_DELTA_DUPLICATE;
			c.key = r.key;
			c.klen = r.klen;
			c.is_old = s->is_old;
			if (s->is_old) {
				c.line_old = r.line;
				cnt->dup_old++;
			} else {
				c.line_new = r.line;
				c.line_old = s->r.line; /* the first one */
				cnt->dup_new++;
			}
			c.json = "";
			if (tell(fn, ud, &c))
				return eg_fail(e, EG_EIO, "stopped");
			merger_pop(&s->m);
			continue;
		}
		if (n + 1 > s->cap) {
			char *nb = realloc(s->cur, n + 1);

			if (!nb)
				return eg_fail(e, EG_ENOMEM, "out of memory");
			s->cur = nb;
			s->cap = n + 1;
		}
		memcpy(s->cur, l, n + 1);
		merger_pop(&s->m);
		if (parse_row(s->cur, n, &s->r))
			return eg_fail(e, EG_EINTERNAL, "damaged line");
		s->have = 1;
		return EG_OK;
	}
	return EG_OK;
}

static void
diff_slots(const row *a, const row *b, eg_delta_change *c)
{
	const char *pa = a->flat, *pb = b->flat;
	const char *ea = a->flat + a->flen, *eb = b->flat + b->flen;
	unsigned slot = 0;

	c->nchanged = 0;
	while (pa <= ea || pb <= eb) {
		const char *qa = pa <= ea ? memchr(pa, '\t', (size_t)(ea - pa))
					  : NULL;
		const char *qb = pb <= eb ? memchr(pb, '\t', (size_t)(eb - pb))
					  : NULL;
		size_t la, lb;

		if (!qa)
			qa = ea;
		if (!qb)
			qb = eb;
		la = pa <= ea ? (size_t)(qa - pa) : 0;
		lb = pb <= eb ? (size_t)(qb - pb) : 0;
		if ((la != lb || (la && memcmp(pa, pb, la))) &&
		    c->nchanged < EG_DELTA_MAX_SLOTS)
			c->changed[c->nchanged++] = slot;
		pa = qa + 1;
		pb = qb + 1;
		slot++;
	}
}

struct eg_delta_keep {
	gzFile gz;
	int failed;
};

eg_err
eg_delta_keep_open(eg_delta_keep **out, const char *path, eg_error *e)
{
	eg_delta_keep *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (!(k->gz = gzopen(path, "wb1"))) {
		free(k);
		return eg_fail(e, EG_EIO, "cannot write %s: %s", path,
			       strerror(errno));
	}
	gzbuffer(k->gz, 256 * 1024);
	*out = k;
	return EG_OK;
}

eg_err
eg_delta_keep_close(eg_delta_keep *k, eg_error *e)
{
	int bad;

	if (!k)
		return EG_OK;
	bad = k->failed || gzclose(k->gz) != Z_OK;
	free(k);
	return bad ? eg_fail(e, EG_EIO, "cannot write the baseline") : EG_OK;
}

void
eg_delta_keep_abandon(eg_delta_keep *k)
{
	if (!k)
		return;
	gzclose(k->gz);
	free(k);
}

/* A row into the kept state (stream's current line). */
static int
keep_row(eg_delta_keep *keep, const stream *s)
{
	if (keep && gzputs(keep->gz, s->cur) < 0)
		keep->failed = 1;
	return keep && keep->failed;
}

static eg_err
join(stream *o, stream *n, eg_delta_fn fn, void *ud, eg_delta_counts *cnt,
     eg_delta_keep *keep, eg_error *e)
{
	eg_delta_change c;
	eg_err rc = EG_OK;

	while (!rc && (o->have || n->have)) {
		int cmp;

		memset(&c, 0, sizeof(c));
		c.json = "";
		/* a bad row of the old batch was never accepted: skip it */
		if (o->have && o->r.flag == 'B') {
			rc = stream_next(o, fn, ud, cnt, e);
			continue;
		}
		if (!o->have)
			cmp = 1;
		else if (!n->have)
			cmp = -1;
		else
			cmp = cmp_lines(o->r.key, n->r.key);
		if (cmp < 0) {
			c.kind = EG_DELTA_DELETED;
			c.key = o->r.key;
			c.klen = o->r.klen;
			c.line_old = o->r.line;
			c.json = o->r.json;
			c.jlen = o->r.jlen;
			cnt->rows_old++;
			cnt->deleted++;
			if (tell(fn, ud, &c))
				return eg_fail(e, EG_EIO, "stopped");
			rc = stream_next(o, fn, ud, cnt, e);
			continue;
		}
		c.key = n->r.key;
		c.klen = n->r.klen;
		c.line_new = n->r.line;
		c.json = n->r.json;
		c.jlen = n->r.jlen;
		if (cmp == 0) {
			c.line_old = o->r.line;
			cnt->rows_old++;
		}
		if (n->r.flag == 'B') {
			/* quarantined: its key stays as it was */
			c.kind = EG_DELTA_REJECTED;
			cnt->rejected++;
			if (cmp == 0 && keep_row(keep, o))
				return eg_fail(e, EG_EIO, "cannot write the "
					       "baseline");
			if (tell(fn, ud, &c))
				return eg_fail(e, EG_EIO, "stopped");
		} else if (keep_row(keep, n)) {
			return eg_fail(e, EG_EIO, "cannot write the baseline");
		} else if (cmp > 0) {
			c.kind = EG_DELTA_ADDED;
			cnt->rows_new++;
			cnt->added++;
			if (tell(fn, ud, &c))
				return eg_fail(e, EG_EIO, "stopped");
		} else {
			cnt->rows_new++;
			if (!strcmp(o->r.hash, n->r.hash) &&
			    o->r.flen == n->r.flen &&
			    !memcmp(o->r.flat, n->r.flat, n->r.flen)) {
				cnt->unchanged++;
			} else {
				c.kind = EG_DELTA_CHANGED;
				diff_slots(&o->r, &n->r, &c);
				cnt->changed++;
				if (tell(fn, ud, &c))
					return eg_fail(e, EG_EIO, "stopped");
			}
		}
		if (cmp == 0)
			rc = stream_next(o, fn, ud, cnt, e);
		if (!rc)
			rc = stream_next(n, fn, ud, cnt, e);
	}
	return rc;
}

eg_err
eg_delta_run(eg_delta_side *os, eg_delta_side *ns, eg_delta_fn fn, void *ud,
	     eg_delta_counts *out, eg_error *e)
{
	return eg_delta_run_keep(os, ns, fn, ud, out, NULL, e);
}

eg_err
eg_delta_run_keep(eg_delta_side *os, eg_delta_side *ns, eg_delta_fn fn,
		  void *ud, eg_delta_counts *out, eg_delta_keep *keep,
		  eg_error *e)
{
	stream o, n;
	eg_err rc;

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	memset(&n, 0, sizeof(n));
	o.is_old = 1;
	if ((rc = eg_delta_side_seal(os, e)) || (rc = eg_delta_side_seal(ns, e)) ||
	    (rc = reduce_runs(os, e)) || (rc = reduce_runs(ns, e)))
		return rc;
	if ((rc = merger_open(&o.m, os, os->first_id, os->next_id, e)))
		return rc;
	if ((rc = merger_open(&n.m, ns, ns->first_id, ns->next_id, e))) {
		merger_close(&o.m);
		return rc;
	}
	rc = stream_next(&o, fn, ud, out, e);
	if (!rc)
		rc = stream_next(&n, fn, ud, out, e);
	if (!rc)
		rc = join(&o, &n, fn, ud, out, keep, e);
	merger_close(&o.m);
	merger_close(&n.m);
	free(o.cur);
	free(n.cur);
	return rc;
}

/* ---- a change for whoever applies it ---- */

eg_err
eg_delta_change_json(eg_buf *b, const eg_delta_change *c, const char *extra,
		     const char *(*slot)(const void *ud, size_t i),
		     const void *ud)
{
	static const char *const kinds[] = {"added", "changed", "deleted",
					    "duplicate", "rejected"};
	size_t i;

	if (eg_buf_addf(b, "{\"change\":\"%s\",\"key\":", kinds[c->kind]) ||
	    eg_buf_add_json(b, c->key, c->klen))
		return EG_ENOMEM;
	if (extra && *extra && (eg_buf_addc(b, ',') || eg_buf_adds(b, extra)))
		return EG_ENOMEM;
	if (c->line_old && eg_buf_addf(b, ",\"lineOld\":%llu",
				       (unsigned long long)c->line_old))
		return EG_ENOMEM;
	if (c->line_new && eg_buf_addf(b, ",\"lineNew\":%llu",
				       (unsigned long long)c->line_new))
		return EG_ENOMEM;
	if (c->kind == EG_DELTA_CHANGED) {
		if (eg_buf_adds(b, ",\"fields\":["))
			return EG_ENOMEM;
		for (i = 0; i < c->nchanged; i++) {
			const char *nm = slot(ud, c->changed[i]);

			if ((i && eg_buf_addc(b, ',')) ||
			    eg_buf_add_json(b, nm, strlen(nm)))
				return EG_ENOMEM;
		}
		if (eg_buf_addc(b, ']'))
			return EG_ENOMEM;
	}
	if (eg_buf_adds(b, ",\"record\":"))
		return EG_ENOMEM;
	if (c->kind == EG_DELTA_DELETED && c->jlen) {
		/* canonical.xsd: a row gone from a full file is passed on
		 * with status "deleted" (status is every master record's
		 * last element) */
		const char *st = NULL, *p = c->json, *end = c->json + c->jlen;
		const char *q;

		for (; p + 11 <= end; p++)
			if (*p == ',' && !memcmp(p, ",\"status\":\"", 11))
				st = p;
		q = st ? memchr(st + 11, '"', (size_t)(end - st - 11)) : NULL;
		if (!q || eg_buf_add(b, c->json, (size_t)(st + 11 - c->json)) ||
		    eg_buf_adds(b, "deleted") ||
		    eg_buf_add(b, q, (size_t)(end - q)))
			return EG_ENOMEM;
	} else if (eg_buf_add(b, c->jlen ? c->json : "null",
			      c->jlen ? c->jlen : 4)) {
		return EG_ENOMEM;
	}
	return eg_buf_adds(b, "}\n") ? EG_ENOMEM : EG_OK;
}

/* ---- verdict ---- */

const char *
eg_delta_verdict_name(eg_delta_verdict v)
{
	switch (v) {
	case EG_DELTA_HOLD: return "hold";
	case EG_DELTA_REJECT: return "reject";
	default: return "accept";
	}
}

eg_delta_verdict
eg_delta_verdict_of(const eg_delta_counts *c, const eg_delta_limits *lim,
		    char *why, size_t cap)
{
	uint64_t total_new = c->rows_new + c->rejected;

	snprintf(why, cap, "within the batch limits");
	if (c->rejected && !lim->quarantine_bad_rows) {
		snprintf(why, cap, "%llu bad row%s: the layout rejects the "
			 "whole file on a bad row",
			 (unsigned long long)c->rejected,
			 c->rejected == 1 ? "" : "s");
		return EG_DELTA_REJECT;
	}
	if (c->rejected && total_new &&
	    (double)c->rejected * 100.0 / (double)total_new >
		lim->max_bad_percent) {
		snprintf(why, cap, "%llu bad rows of %llu is more than %g %%",
			 (unsigned long long)c->rejected,
			 (unsigned long long)total_new, lim->max_bad_percent);
		return EG_DELTA_REJECT;
	}
	if (c->dup_new) {
		snprintf(why, cap, "%llu duplicate key%s in the new file",
			 (unsigned long long)c->dup_new,
			 c->dup_new == 1 ? "" : "s");
		return EG_DELTA_HOLD;
	}
	if (lim->max_drop_percent > 0 && c->rows_old > 0 &&
	    total_new < c->rows_old &&
	    (double)(c->rows_old - total_new) * 100.0 / (double)c->rows_old >
		lim->max_drop_percent) {
		snprintf(why, cap, "the file has %llu rows, %.1f %% fewer than "
			 "the last batch's %llu (limit %g %%): is it cut short?",
			 (unsigned long long)total_new,
			 (double)(c->rows_old - total_new) * 100.0 /
			     (double)c->rows_old,
			 (unsigned long long)c->rows_old,
			 lim->max_drop_percent);
		return EG_DELTA_HOLD;
	}
	if (lim->max_deletes >= 0 && c->deleted > (uint64_t)lim->max_deletes) {
		snprintf(why, cap, "%llu deletes, more than the limit of %ld",
			 (unsigned long long)c->deleted, lim->max_deletes);
		return EG_DELTA_HOLD;
	}
	return EG_DELTA_ACCEPT;
}
