/*
 * mapper.c - the mapping engine: one validated transaction set (X12)
 * or message (EDIFACT) in, canonical records out.
 *
 * Segments arrive through their syntax descriptor (syntax.h: its
 * `map_segment` calls eg_mapper_segment with itself), whose segment view
 * says where a set starts and ends (`role`) and how its values are read
 * (`split`, `value`); nothing here splits by X12 delimiters by name.
 * A set's segments are kept while it streams by (mapset.c); when the
 * envelope checks close the set as accepted, it is cut into units (856
 * HL levels, or loops opened by a segment), and the record is built by
 * walking the record's shape (in canon.c, schema order): each field asks
 * the map (or the profile's override) where it comes from (mapfield.c),
 * the value is translated through code lists and brought into its
 * canonical type.  Anything that does not fit is a finding and the set
 * gives no record: a code without translation, a required field without
 * a value, a unit the map has no place for, a set over the limits.
 *
 * Records wait for their interchange (unless eager): a group or
 * interchange rejected later (a bad trailer count) takes its records
 * with it.  Work grows linearly with the set: every unit and segment is
 * visited a bounded number of times (counts.steps says how many, so a
 * test can catch quadratic growth without timing anything).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"

/* Per-set limits when the options give none: what the largest set may
 * cost in memory (docs/performance.md has the figures). */
#define MAP_SET_MAX_BYTES ((size_t)16 << 20)
#define MAP_SET_MAX_SEGMENTS ((size_t)800000)
#define MAP_SET_MAX_ELEMENTS ((size_t)4000000)
/* Ship-to destinations one 850 may be split into: each record walks the
 * set's lines, so this bounds the work and the records held at once. */
#define MAP_SPLIT_MAX 1000

static void
set_err(eg_mapper *m, eg_err rc, const char *what)
{
	if (!m->err) {
		m->err = rc;
		if (what)
			eg_fail(&m->errinfo, rc, "%s", what);
	}
}

int
eg_map_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * size);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

eg_err
eg_mapper_segment(eg_mapper *m, const eg_syntax_desc *syn,
		  const eg_segment *seg, eg_error *e)
{
	eg_seg_role role = syn->role(seg);
	eg_err rc;

	if (role == EG_SEG_MESSAGE) {
		eg_mset_reset(m);
		m->in_txn = 1;
		m->syn = syn;
	}
	if (!m->in_txn)
		return EG_OK;
	if ((rc = eg_mset_add(m, syn, seg)) != EG_OK)
		return eg_fail(e, rc, "out of memory copying a transaction set");
	if (role == EG_SEG_MESSAGE_END) {
		m->in_txn = 0;
		m->trailer_len = seg->len; /* as sent, whatever form it is kept in */
	}
	return EG_OK;
}

/* ---- findings ---- */

void
eg_mapper_finding(eg_mapper *m, const cseg *s, unsigned elem, const char *rule,
	const char *fmt, ...)
{
	eg_finding f;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, s ? (elem ? EG_LVL_ELEMENT : EG_LVL_SEGMENT)
			       : EG_LVL_TRANSACTION,
			 EG_FIND_ERROR, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (m->txn)
		f.ctl = m->txn->ctl;
	if (s) {
		f.pos.offset = eg_mset_offset(m, s);
		f.pos.segment = eg_mset_index(m, s);
		f.pos.txn_pos = eg_mset_pos(m, s);
		eg_mset_id(m, s, f.pos.seg_id);
		f.pos.element = (uint16_t)elem;
	} else if (m->nseg) {
		f.pos.offset = m->st_offset;
		f.pos.segment = m->st_index;
		f.pos.txn_pos = 1;
		eg_mset_id(m, &m->segs[0], f.pos.seg_id); /* ST, UNH */
	}
	m->failed++;
	if (m->o.finding)
		m->o.finding(m->o.ud, &f);
}

int
eg_map_in_list(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	/* a byte loop, not strcspn: every condition of every candidate
	 * segment asks, with lists of a few short codes */
	while (n && *p) {
		const char *q = p;

		while (*q && *q != ' ' && *q != '|')
			q++;
		if ((size_t)(q - p) == n && !memcmp(p, w, n))
			return 1;
		p = q;
		while (*p == ' ' || *p == '|')
			p++;
	}
	return 0;
}

/* ---- records ---- */

static eg_err build_group(eg_mapper *m, eg_rnode *node, const cshape *sh,
			  int unit, const char *prefix, unsigned ordinal);

int
eg_mapper_line_selected(const eg_mapper *m, int u)
{
	return !m->line_grp || m->line_grp[u] == m->cur_grp;
}

eg_err
eg_mapper_build_group(eg_mapper *m, eg_rnode *node, const cshape *sh,
		      int unit, const char *prefix, unsigned ordinal)
{
	return build_group(m, node, sh, unit, prefix, ordinal);
}

/* Children of unit u at level lv, looking through see-through units. */
static eg_err
build_level_kids(eg_mapper *m, eg_rnode *node, const cfield *cf, int u,
		 int lv, unsigned *ordinal)
{
	int k;
	eg_err rc = EG_OK;

	if (eg_mrun_wanted(m, cf, u, lv))
		return eg_mrun_add(m, node, cf, u, lv, ordinal);

	for (k = m->units[u].kid; k >= 0 && !rc; k = m->units[k].sib) {
		cunit *ku = &m->units[k];
		eg_rnode *child;

		m->counts.steps++;
		if (ku->see_through) {
			rc = build_level_kids(m, node, cf, k, lv, ordinal);
			continue;
		}
		if (ku->level != lv)
			continue;
		/* numbered in the set, whichever record a line goes to */
		++*ordinal;
		if (!strcmp(cf->name, "line") && !eg_mapper_line_selected(m, k))
			continue;
		ku->used = 1;
		rc = eg_rnode_add(node, cf->name, EG_RK_GROUP, 1, NULL, 0, &child);
		if (!rc) {
			/* rule findings about this unit point at its segment */
			child->segment =
			    eg_mset_index(m, &m->segs[ku->first_seg]);
			rc = build_group(m, child, cf->sub, k, cf->name,
					 *ordinal);
		}
	}
	return rc;
}

static int
shape_has(const cshape *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->n; i++)
		if (!strcmp(sh->f[i].name, name))
			return 1;
	return 0;
}

/* Required fields and "one of" groups, after a node is built (plan pl:
 * the node's shape and the paths of its fields). */
static void
check_node(eg_mapper *m, const eg_rnode *node, const mplan *pl, int unit)
{
	const cshape *sh = pl->sh;
	const char *prefix = pl->prefix;
	size_t i, j;
	const cseg *at = m->units[unit].first_seg >= 0
				 ? &m->segs[m->units[unit].first_seg]
				 : NULL;

	for (i = 0; i < sh->n; i++) {
		const cfield *f = &sh->f[i];

		if (f->required && !eg_rnode_child(node, f->name) &&
		    !eg_mfield_was_bad(m, pl->f[i].path))
			eg_mapper_finding(m, at, 0, "map-missing-field",
				"%s%s%s is required and has no value (map %s "
				"%s)", prefix, prefix[0] ? "/" : "", f->name,
				m->map->set, m->release);
	}
	for (j = 0; j < 2; j++) {
		const char *const *one = sh->one_of[j];
		int any = 0;
		char names[128] = "";

		if (!one[0] || !one[0][0])
			continue;
		for (i = 0; i < 4 && one[i] && one[i][0] && !any; i++)
			any |= eg_rnode_child(node, one[i]) != NULL;
		if (any || !shape_has(sh, one[0]))
			continue;
		for (i = 0; i < 4 && one[i] && one[i][0]; i++) {
			if (strlen(names) + strlen(one[i]) + 3 < sizeof(names)) {
				if (names[0])
					strncat(names, ", ", 3);
				strncat(names, one[i], sizeof(names) -
							       strlen(names) - 1);
			}
		}
		eg_mapper_finding(m, at, 0, "map-missing-field",
			"%s needs one of: %s", prefix[0] ? prefix
							 : "the record",
			names);
	}
}

static eg_err
build_group(eg_mapper *m, eg_rnode *node, const cshape *sh, int unit,
	    const char *prefix, unsigned ordinal)
{
	size_t i;
	eg_err rc = EG_OK;
	mplan *pl = eg_mplan_get(m, sh, prefix);

	if (!pl)
		return EG_ENOMEM;
	for (i = 0; i < sh->n && !rc; i++) {
		const cfield *f = &sh->f[i];
		mpfield *pf = &pl->f[i];

		switch (f->type) {
		case CT_LEVEL: {
			int lv = pf->lv;
			unsigned ord = 0;

			if (lv < 0)
				break; /* this map has no such level */
			if (m->map->levels[lv].whole) {
				eg_rnode *child;

				rc = eg_rnode_add(node, f->name, EG_RK_GROUP, 1,
						  NULL, 0, &child);
				if (!rc)
					rc = build_group(m, child, f->sub, unit,
							 f->name, 1);
				break;
			}
			rc = build_level_kids(m, node, f, unit, lv, &ord);
			break;
		}
		case CT_GROUP: {
			eg_rnode *child;

			rc = eg_rnode_add(node, f->name, EG_RK_GROUP, 0, NULL, 0,
					  &child);
			if (rc)
				break;
			rc = build_group(m, child, f->sub, unit, pf->path,
					 ordinal);
			if (rc)
				break;
			if (!child->child) {
				eg_rnode_free(child);
			} else {
				mplan *gp = eg_mplan_get(m, f->sub, pf->path);

				if (!gp) {
					rc = EG_ENOMEM;
					break;
				}
				check_node(m, child, gp, unit);
				eg_mplan_done(gp);
			}
			break;
		}
		case CT_PARTY:
			rc = eg_mfield_eval_party(m, unit, pf, f, node);
			break;
		default:
			rc = eg_mfield_eval_leaf(m, unit, pf, f, node, ordinal);
			break;
		}
	}
	if (!rc && pl->check)
		check_node(m, node, pl, unit);
	eg_mplan_done(pl);
	return rc;
}

static eg_err
add_text(eg_rnode *p, const char *name, const char *v)
{
	return v && v[0] ? eg_rnode_add(p, name, EG_RK_TEXT, 0, v, strlen(v), NULL)
			 : EG_OK;
}

static eg_err
add_num(eg_rnode *p, const char *name, unsigned long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", v);
	return eg_rnode_add(p, name, EG_RK_NUMBER, 0, b, strlen(b), NULL);
}

static eg_err
envelope_party(eg_rnode *p, const char *name, const char *id, const char *q)
{
	eg_rnode *n;
	eg_err rc = eg_rnode_add(p, name, EG_RK_GROUP, 0, NULL, 0, &n);

	if (!rc)
		rc = add_text(n, "id", id);
	if (!rc)
		rc = add_text(n, "qualifier", q);
	return rc;
}

static eg_err
build_correlation(eg_mapper *m, eg_rnode *rec, eg_rnode **out)
{
	const eg_x12_ctl *c = &m->txn->ctl;
	const cseg *st = &m->segs[0], *se = &m->segs[m->nseg - 1];
	eg_rnode *cor, *n;
	eg_err rc;
	const char *partner = m->o.profile ? m->o.profile->id : "unknown";

	rc = eg_rnode_add(rec, "correlation", EG_RK_GROUP, 0, NULL, 0, &cor);
	if (!rc)
		rc = add_text(cor, "partnerId", partner);
	if (!rc)
		rc = add_text(cor, "direction", "inbound");
	if (!rc)
		rc = add_text(cor, "fileId", m->o.file_id);
	if (!rc)
		rc = add_text(cor, "fileName", m->o.file_name);
	if (!rc)
		rc = add_text(cor, "fileSha256", m->o.file_sha256);
	if (!rc)
		rc = add_text(cor, "receivedAt", m->o.received_at);
	if (!rc)
		rc = add_text(cor, "syntax", m->syn->name);
	if (!rc)
		rc = add_text(cor, "syntaxVersion", c->gs08);
	if (!rc)
		rc = eg_rnode_add(cor, "interchange", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "controlNumber", c->isa13);
	if (!rc)
		rc = envelope_party(n, "sender", c->sender, c->sender_q);
	if (!rc)
		rc = envelope_party(n, "receiver", c->receiver, c->receiver_q);
	if (!rc && c->usage == 'T')
		rc = eg_rnode_add(n, "test", EG_RK_BOOL, 0, "true", 4, NULL);
	/* a group only when there is one (EDIFACT without UNG: none) */
	if (!rc && c->gs06[0])
		rc = eg_rnode_add(cor, "group", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc && c->gs06[0]) {
		rc = add_text(n, "controlNumber", c->gs06);
		if (!rc)
			rc = add_text(n, "functionalId", c->gs01);
		if (!rc)
			rc = add_text(n, "applicationSender", c->gs_sender);
		if (!rc)
			rc = add_text(n, "applicationReceiver",
				      c->gs_receiver);
	}
	if (!rc)
		rc = eg_rnode_add(cor, "transaction", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "setId", c->st01);
	if (!rc)
		rc = add_text(n, "controlNumber", c->st02);
	if (!rc)
		rc = eg_rnode_add(cor, "position", EG_RK_GROUP, 0, NULL, 0, &n);
	if (!rc)
		rc = add_text(n, "unit", "segment");
	if (!rc)
		rc = add_num(n, "first", eg_mset_index(m, st));
	if (!rc)
		rc = add_num(n, "last", eg_mset_index(m, se));
	if (!rc)
		rc = add_num(n, "byteOffset", eg_mset_offset(m, st));
	if (!rc)
		rc = add_num(n, "byteLength",
			     eg_mset_offset(m, se) + m->trailer_len + 1 -
				 eg_mset_offset(m, st));
	*out = cor;
	return rc;
}

typedef struct keyctx {
	eg_rnode *cor;
	const char *name;
	eg_err rc;
} keyctx;

static int
has_key(const eg_rnode *cor, const char *name, const char *value)
{
	const eg_rnode *k;

	for (k = eg_rnode_child(cor, "key"); k; k = eg_rnode_next_same(k)) {
		const char *n = eg_rnode_text(k, "name");
		const char *v = eg_rnode_text(k, "value");

		if (n && v && !strcmp(n, name) && !strcmp(v, value))
			return 1;
	}
	return 0;
}

static int
add_key(void *ud, const eg_rnode *n)
{
	keyctx *k = ud;
	eg_rnode *key;

	if (!n->value || has_key(k->cor, k->name, n->value))
		return 0;
	k->rc = eg_rnode_add(k->cor, "key", EG_RK_GROUP, 1, NULL, 0, &key);
	if (!k->rc)
		k->rc = add_text(key, "name", k->name);
	if (!k->rc)
		k->rc = add_text(key, "value", n->value);
	return k->rc != EG_OK;
}

static void
rule_finding(void *ud, const eg_rule *r, const eg_rnode *at, const char *msg)
{
	eg_mapper *m = ud;
	const cseg *s = NULL;
	size_t n;
	static const char *const ids[] = {"rule-requires-reference",
					  "rule-quantity-tolerance",
					  "rule-date-window", "rule-range"};

	/* the set is copied without a gap: a segment's place is its index */
	if (at && at->segment >= m->st_index &&
	    at->segment - m->st_index < m->nseg)
		s = &m->segs[at->segment - m->st_index];
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '.')
		n--; /* the profile reference ends the sentence */
	eg_mapper_finding(m, s, s ? at->elem : 0, ids[r->kind], "%.*s (profile %s line %u)",
		(int)n, msg, m->o.profile ? m->o.profile->id : "-", r->line);
}

static eg_err
keep_record(eg_mapper *m, eg_rnode *rec)
{
	pend *p;

	if (eg_map_grow((void **)&m->pend, &m->cappend, m->npend + 1, sizeof(*m->pend)))
		return EG_ENOMEM;
	p = &m->pend[m->npend++];
	p->rec = rec;
	p->interchange = m->txn->ctl.interchange;
	snprintf(p->gs06, sizeof(p->gs06), "%s", m->txn->ctl.gs06);
	return EG_OK;
}

/* Does a rule of the profile read records of set?  They read the whole
 * tree, so those records hold no runs; rules about other sets (a 945's
 * against the 940) leave a 940's lines free to be one. */
static int
rules_read(const eg_profile *p, const char *set)
{
	size_t i;

	for (i = 0; p && i < p->nrules; i++)
		if (!p->rules[i].set[0] || !strcmp(p->rules[i].set, set))
			return 1;
	return 0;
}

/* Build one record from the set (or, split, from some of its lines). */
static eg_err
make_record(eg_mapper *m, unsigned *failed)
{
	const cshape *sh = eg_canon_shape(m->map->record);
	eg_rnode *rec = NULL, *cor = NULL;
	unsigned before = m->failed;
	size_t i;
	eg_err rc;

	m->nbad = 0;
	/* runs only where the record is written before the set goes and
	 * nothing but the writers reads inside a level (see run_level) */
	m->runs_ok = m->o.eager && !rules_read(m->o.profile, m->map->set);
	if ((rc = eg_rnode_new_root(&rec, sh->name)) != EG_OK)
		return rc;
	rc = build_correlation(m, rec, &cor);
	if (!rc)
		rc = build_group(m, rec, sh, 0, "", 1);
	for (i = 0; !rc && i < m->map->nkeys; i++) {
		keyctx k = {cor, m->map->keys[i].name, EG_OK};

		eg_rnode_match(rec, m->map->keys[i].path, add_key, &k);
		rc = k.rc;
	}
	if (!rc && m->failed == before && !eg_rnode_child(cor, "key"))
		eg_mapper_finding(m, NULL, 0, "map-no-key",
			"the record has no business key (map %s)", m->map->set);
	if (!rc && m->failed == before && m->o.profile &&
	    m->o.profile->nrules) {
		unsigned broken = 0;
		eg_error e;

		eg_error_clear(&e);
		rc = eg_rules_check(m->o.profile->rules, m->o.profile->nrules,
				    m->o.profile->id, m->map->set, rec,
				    m->o.store, m->o.now, rule_finding, m,
				    &broken, &e);
		if (rc && !m->err) {
			m->err = rc;
			m->errinfo = e;
		}
	}
	if (!rc && m->failed == before) {
		rc = keep_record(m, rec);
		if (!rc)
			return EG_OK;
	}
	*failed += m->failed != before;
	eg_rnode_free(rec);
	return rc;
}

static eg_err flush(eg_mapper *m, int deliver);

/* 850 split: one record per destination. */
static eg_err
map_split(eg_mapper *m, unsigned *failed)
{
	int *lines = NULL, *dest = NULL;
	size_t nl = 0, i, j;
	int any_own = 0;
	eg_err rc = EG_OK;
	int lv = eg_mplan_level(m->map, "line");
	const cseg *sdq = NULL;

	for (i = 1; i < m->nunit; i++)
		nl += m->units[i].level == lv;
	lines = calloc(nl + 1, sizeof(int));
	dest = calloc(nl + 1, sizeof(int));
	if (!lines || !dest) {
		free(lines);
		free(dest);
		return EG_ENOMEM;
	}
	nl = 0;
	for (i = 1; i < m->nunit; i++) {
		int si, n1 = -1;

		if (m->units[i].level != lv)
			continue;
		for (si = m->units[i].head; si >= 0; si = m->segs[si].next) {
			eg_span code = eg_mset_elem(m, &m->segs[si], 1, 0);

			if (eg_mset_is(m, &m->segs[si], "N1") && n1 < 0 &&
			    eg_span_eq(code, "ST"))
				n1 = si;
			if (eg_mset_is(m, &m->segs[si], "SDQ") && !sdq)
				sdq = &m->segs[si];
		}
		lines[nl] = (int)i;
		dest[nl++] = n1;
		any_own |= n1 >= 0;
	}
	if (sdq) {
		eg_mapper_finding(m, sdq, 0, "map-unsupported",
			"SDQ destination quantities are not mapped yet: the "
			"order cannot be split by store, so it is rejected "
			"rather than sent to one place");
		*failed += 1;
	} else if (!any_own) {
		rc = make_record(m, failed);
	} else {
		/* group lines by their ship-to (N104, else N102), in order;
		 * line_grp gives each line unit its record, first[] the first
		 * line of each record */
		int32_t *grp = malloc((m->nunit + 1) * sizeof(*grp));
		size_t *first = malloc(MAP_SPLIT_MAX * sizeof(*first));
		char *done = calloc(nl + 1, 1);
		size_t g = 0, ng;

		if (!grp || !first || !done)
			rc = EG_ENOMEM;
		for (i = 0; !rc && i <= m->nunit; i++)
			grp[i] = -1;
		free(m->line_grp);
		m->line_grp = rc ? NULL : grp;
		for (i = 0; !rc && i < nl; i++) {
			eg_span ki = {"", 0};

			if (done[i])
				continue;
			if (g == MAP_SPLIT_MAX) {
				/* each record walks the set's lines: bound
				 * the work and the records held at once */
				eg_mapper_finding(m, &m->segs[dest[i]], 0,
					"map-too-large",
					"the order goes to more than %d "
					"ship-to destinations (the mapper's "
					"limit for one 850) and is not mapped",
					MAP_SPLIT_MAX);
				*failed += 1;
				break;
			}
			if (dest[i] >= 0) {
				ki = eg_mset_elem(m, &m->segs[dest[i]], 4, 0);
				if (!ki.len)
					ki = eg_mset_elem(m, &m->segs[dest[i]], 2, 0);
			}
			for (j = i; j < nl; j++) {
				eg_span kj = {"", 0};

				if (done[j])
					continue;
				if (dest[j] >= 0) {
					kj = eg_mset_elem(m, &m->segs[dest[j]], 4, 0);
					if (!kj.len)
						kj = eg_mset_elem(m, &m->segs[dest[j]],
							     2, 0);
				}
				if ((dest[i] < 0) != (dest[j] < 0) ||
				    kj.len != ki.len ||
				    (ki.len && memcmp(kj.p, ki.p, ki.len)))
					continue;
				done[j] = 1;
				grp[lines[j]] = (int32_t)g;
			}
			first[g++] = i;
		}
		for (ng = rc || *failed ? 0 : g, g = 0; !rc && g < ng; g++) {
			m->cur_grp = (int32_t)g;
			m->ship_to_unit = dest[first[g]];
			rc = make_record(m, failed);
		}
		m->ship_to_unit = -1;
		if (!m->line_grp)
			free(grp);
		free(first);
		free(done);
	}
	free(lines);
	free(dest);
	return rc;
}

static eg_err
map_txn(eg_mapper *m, const eg_unit_result *u)
{
	const eg_map *map = NULL;
	eg_error e;
	eg_err rc;
	unsigned failed = 0;
	size_t i, start = m->npend;

	eg_error_clear(&e);
	rc = eg_maps_find(m->o.maps, u->ctl.st01, u->ctl.gs08, &map, &e);
	if (rc) {
		m->err = rc;
		m->errinfo = e;
		return rc;
	}
	if (!map) {
		eg_finding f;

		/* a note: the set is valid but nothing downstream gets it */
		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_TRANSACTION;
		f.severity = EG_FIND_NOTE;
		f.rule = "map-none";
		f.ctl = u->ctl;
		snprintf(f.msg, sizeof(f.msg),
			 "no map for %s %s: no canonical record is made",
			 u->ctl.st01, u->ctl.gs08);
		if (m->o.finding)
			m->o.finding(m->o.ud, &f);
		m->counts.unmapped++;
		return EG_OK;
	}
	m->map = map;
	m->txn = u;
	m->failed = 0;
	snprintf(m->release, sizeof(m->release), "%.6s", u->ctl.gs08);
	/* the set starts at its header (eg_mapper_segment resets on it) */
	if (m->too_big || m->nseg < 2 || !m->syn) {
		size_t lim = !strcmp(m->id_of_too_big, "segments") ? m->max_segs
			     : !strcmp(m->id_of_too_big, "elements")
				 ? m->max_elems
				 : m->max_bytes;

		eg_mapper_finding(m, NULL, 0, "map-too-large",
				  "the transaction set has more than %zu %s "
				  "(the mapper's per-set limit) and is not "
				  "mapped",
				  lim, m->id_of_too_big[0] ? m->id_of_too_big
							   : "bytes");
		m->counts.rejected++;
		return EG_OK;
	}
	if (eg_mset_partition(m) < 0)
		return EG_ENOMEM;
	m->ship_to_unit = -1;
	rc = map->split_ship_to ? map_split(m, &failed) : make_record(m, &failed);
	if (rc) {
		free(m->line_grp);
		m->line_grp = NULL;
		return rc;
	}
	for (i = 1; i < m->nunit && !failed && !m->failed; i++) {
		const cunit *un = &m->units[i];

		if (!un->used && un->level >= 0) {
			eg_mapper_finding(m, &m->segs[un->first_seg], 0, "map-orphan",
				"this %s is not inside anything that can hold "
				"it (map %s), so it would be lost",
				map->levels[un->level].name, map->set);
			failed++;
		}
	}
	if (failed || m->failed) {
		/* a set is whole or nothing: drop what it made */
		for (i = start; i < m->npend; i++)
			eg_rnode_free(m->pend[i].rec);
		m->npend = start;
		m->counts.rejected++;
	} else {
		m->counts.mapped++;
	}
	m->txn = NULL;
	/* eager: the caller undoes them if the group or interchange fails */
	if (m->o.eager)
		rc = flush(m, 1);
	free(m->line_grp); /* written: their runs are done with it */
	m->line_grp = NULL;
	return rc;
}

static eg_err
flush(eg_mapper *m, int deliver)
{
	size_t i;
	eg_err rc = EG_OK;

	for (i = 0; i < m->npend; i++) {
		if (deliver && !rc && m->o.record) {
			eg_error e;

			eg_error_clear(&e);
			rc = m->o.record(m->o.ud, m->pend[i].rec, &e);
			if (rc && !m->err) {
				m->err = rc;
				m->errinfo = e;
			}
			if (!rc)
				m->counts.records++;
		}
		eg_rnode_free(m->pend[i].rec);
	}
	m->npend = 0;
	return rc;
}

void
eg_mapper_unit_end(eg_mapper *m, const eg_unit_result *u)
{
	eg_err rc;

	if (m->err)
		return;
	switch (u->level) {
	case EG_LVL_TRANSACTION:
		if (u->outcome == EG_REJECTED || m->in_txn) {
			m->in_txn = 0; /* not validated, or cut short */
			m->counts.unmapped++;
			break;
		}
		rc = map_txn(m, u);
		if (rc)
			set_err(m, rc, "out of memory while mapping");
		break;
	case EG_LVL_GROUP:
		if (u->outcome == EG_REJECTED) {
			size_t i, k = 0;

			for (i = 0; i < m->npend; i++) {
				if (m->pend[i].interchange == u->ctl.interchange &&
				    !strcmp(m->pend[i].gs06, u->ctl.gs06))
					eg_rnode_free(m->pend[i].rec);
				else
					m->pend[k++] = m->pend[i];
			}
			m->npend = k;
		}
		break;
	case EG_LVL_INTERCHANGE:
		(void)flush(m, u->outcome != EG_REJECTED);
		break;
	default:
		break;
	}
	eg_mset_reset(m);
}

eg_err
eg_mapper_error(const eg_mapper *m, eg_error *e)
{
	if (m->err && e)
		*e = m->errinfo;
	return m->err;
}

eg_err
eg_mapper_new(eg_mapper **out, const eg_mapper_opts *o, eg_error *e)
{
	eg_mapper *m;

	*out = NULL;
	if (!o->maps || !o->file_id || !o->file_sha256)
		return eg_fail(e, EG_EINVAL,
			       "mapper needs maps, a file id and a sha256");
	m = calloc(1, sizeof(*m));
	if (!m)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	m->o = *o;
	m->ship_to_unit = -1;
	m->max_bytes = o->max_set_bytes ? o->max_set_bytes : MAP_SET_MAX_BYTES;
	m->max_segs = o->max_set_segments ? o->max_set_segments
					  : MAP_SET_MAX_SEGMENTS;
	m->max_elems = o->max_set_elements ? o->max_set_elements
					   : MAP_SET_MAX_ELEMENTS;
	m->run_min = o->run_min_units ? o->run_min_units : 1024;
	if (m->max_bytes > UINT32_MAX)
		m->max_bytes = UINT32_MAX; /* arena offsets are 32-bit */
	eg_buf_init(&m->arena, m->max_bytes);
	eg_error_clear(&m->errinfo);
	*out = m;
	return EG_OK;
}

void
eg_mapper_counts_get(const eg_mapper *m, eg_mapper_counts *c)
{
	*c = m->counts;
}

void
eg_mapper_free(eg_mapper *m)
{
	if (!m)
		return;
	flush(m, 0);
	free(m->line_grp);
	eg_buf_free(&m->arena);
	free(m->segs);
	free(m->units);
	free(m->hlidx);
	free(m->deltas);
	free(m->vform);
	free(m->pend);
	eg_mfield_cache_free(m);
	eg_mplan_free_all(m);
	free(m);
}
