/*
 * profile.c - load partner profiles.
 *
 * The XSD settles form (required elements, patterns, enumerations); this
 * file reads the values the gateway needs.  What a schema cannot check
 * (files on disk, permissions, cross-field rules, clashes between
 * partners) is profile_check.c.
 */
#include "edigate/profile.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edigate/ack.h"
#include "edigate/namepat.h"
#include "edigate/schedule.h"
#include "edigate/xml.h"

static char *
dup_attr(const eg_xml_node *n, const char *name)
{
	const char *v = n ? eg_xml_attr(n, name) : NULL;

	return v ? strdup(v) : NULL;
}

static void
cpy_attr(char *dst, size_t cap, const eg_xml_node *n, const char *name)
{
	const char *v = n ? eg_xml_attr(n, name) : NULL;

	snprintf(dst, cap, "%s", v ? v : "");
}

static const eg_xml_node *
child(const eg_xml_node *n, const char *name)
{
	const eg_xml_node *k;

	for (k = n ? eg_xml_first(n) : NULL; k; k = eg_xml_next(k))
		if (strcmp(eg_xml_name(k), name) == 0)
			return k;
	return NULL;
}

/* A delimiter attribute: one character, or \n, \r, \xNN (the XSD
 * admits only these forms). */
static char
delim_attr(const eg_xml_node *n, const char *name, char dflt)
{
	const char *v = n ? eg_xml_attr(n, name) : NULL;

	if (!v || !*v)
		return dflt;
	if (v[0] == '\\' && v[1] == 'n')
		return '\n';
	if (v[0] == '\\' && v[1] == 'r')
		return '\r';
	if (v[0] == '\\' && v[1] == 'x' && v[2] && v[3])
		return (char)strtol(v + 2, NULL, 16);
	return v[0];
}

static void
read_outbound(eg_profile *p, const eg_xml_node *root)
{
	const eg_xml_node *o = child(root, "outbound");
	const char *v = o ? eg_xml_attr(o, "newline") : NULL;

	p->out_element = delim_attr(o, "element", '*');
	p->out_component = delim_attr(o, "component", ':');
	p->out_repetition = delim_attr(o, "repetition", '^');
	p->out_segment = delim_attr(o, "segment", '~');
	p->out_newline = !v || !strcmp(v, "true") || !strcmp(v, "1");
	v = o ? eg_xml_attr(o, "usage") : NULL;
	p->out_usage = v && v[0] == 'T' ? 'T' : 'P';
	v = o ? eg_xml_attr(o, "file-name") : NULL;
	snprintf(p->out_file_name, sizeof(p->out_file_name), "%s",
		 v ? v : EG_NAMEPAT_DEFAULT);
	v = o ? eg_xml_attr(o, "ack-requested") : NULL;
	p->out_ack_requested = v && (!strcmp(v, "true") || !strcmp(v, "1"));
	v = o ? eg_xml_attr(o, "interchange") : NULL;
	p->out_per_document = v && !strcmp(v, "per-document");
	p->out_drop = dup_attr(o, "drop");
}

static void
read_secret(eg_profile *p, int i, const eg_xml_node *n)
{
	p->secret_given[i] = n != NULL;
	p->secret_envs[i] = dup_attr(n, "env");
	p->secret_files[i] = dup_attr(n, "file");
}

static size_t
count_children(const eg_xml_node *n, const char *name)
{
	const eg_xml_node *k;
	size_t c = 0;

	for (k = n ? eg_xml_first(n) : NULL; k; k = eg_xml_next(k))
		c += !name || strcmp(eg_xml_name(k), name) == 0;
	return c;
}

/* "30d" -> seconds (the XSD guarantees the form). */
static long long
duration_secs(const char *v)
{
	char *end;
	long long n;

	if (!v)
		return -1;
	n = strtoll(v, &end, 10);
	switch (*end) {
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	default: return n;
	}
}

static unsigned long long
ull_attr(const eg_xml_node *n, const char *name, unsigned long long dflt)
{
	const char *v = n ? eg_xml_attr(n, name) : NULL;

	return v ? strtoull(v, NULL, 10) : dflt;
}

static const char *
attr_or_null(const eg_xml_node *n, const char *name)
{
	return n ? eg_xml_attr(n, name) : NULL;
}

/* Transport completeness, SFTP tuning and the pipeline's policies, with
 * the defaults the XSD documents. */
static void
read_policy(eg_profile *p, const eg_xml_node *root, const eg_xml_node *tr,
	    const eg_xml_node *sf)
{
	const eg_xml_node *c = child(tr, "complete"), *n, *k;
	const char *v;

	p->stable_for = c && eg_xml_attr(c, "stable-for")
			    ? duration_secs(eg_xml_attr(c, "stable-for"))
			    : 0;
	p->done_suffix = dup_attr(c, "done-suffix");
	v = attr_or_null(child(tr, "outbox"), "if-exists");
	p->outbox_replace = v && !strcmp(v, "replace");
	p->outbox_done_suffix = dup_attr(child(tr, "outbox"), "done-suffix");
	p->temp_suffix = dup_attr(c, "temp-suffix");
	p->timeout = sf && eg_xml_attr(sf, "timeout")
			 ? duration_secs(eg_xml_attr(sf, "timeout"))
			 : 30;
	p->max_sessions = (unsigned)ull_attr(sf, "max-sessions", 1);
	p->retries = (unsigned)ull_attr(sf, "retries", 3);
	p->cleanup_attention =
	    (unsigned)ull_attr(child(tr, "after-pickup"), "attention-after", 3);
	p->retry_wait = sf && eg_xml_attr(sf, "retry-wait")
			    ? duration_secs(eg_xml_attr(sf, "retry-wait"))
			    : 2;
	p->retry_max_wait = sf && eg_xml_attr(sf, "retry-max-wait")
				? duration_secs(eg_xml_attr(sf, "retry-max-wait"))
				: 60;
	v = sf ? eg_xml_attr(sf, "allow-legacy") : NULL;
	p->allow_legacy = v && (!strcmp(v, "true") || !strcmp(v, "1"));
	n = child(root, "acknowledgements");
	p->ack_policy_given = n != NULL;
	cpy_attr(p->ack_convention, sizeof(p->ack_convention), n, "convention");
	read_outbound(p, root);
	for (k = n ? eg_xml_first(n) : NULL; k; k = eg_xml_next(k)) {
		if (strcmp(eg_xml_name(k), "send") || p->nack_send >= 4)
			continue;
		cpy_attr(p->ack_send[p->nack_send].type,
			 sizeof(p->ack_send[0].type), k, "type");
		v = eg_xml_attr(k, "receipt-only");
		if (!strcmp(p->ack_send[p->nack_send].type, "CONTRL"))
			p->contrl_receipt_only =
			    v && (!strcmp(v, "true") || !strcmp(v, "1"));
		v = eg_xml_attr(k, "when");
		snprintf(p->ack_send[p->nack_send].when,
			 sizeof(p->ack_send[0].when), "%s", v ? v : "always");
		p->nack_send++;
	}
	v = n ? eg_xml_attr(n, "after-syntax") : NULL;
	p->ack_after_syntax_reject = v && !strcmp(v, "reject");
	v = n ? eg_xml_attr(n, "reacknowledge-release") : NULL;
	p->ack_release_again = v && (!strcmp(v, "true") || !strcmp(v, "1"));
	n = child(root, "duplicates");
	v = n ? eg_xml_attr(n, "control-window") : NULL;
	p->dup_window = v ? duration_secs(v) : 30LL * 86400;
	v = n ? eg_xml_attr(n, "business-key") : NULL;
	snprintf(p->dup_business, sizeof(p->dup_business), "%s",
		 v ? v : "duplicate");
	v = n ? eg_xml_attr(n, "reacknowledge") : NULL;
	p->dup_reack = !v || !strcmp(v, "true") || !strcmp(v, "1");
	v = n ? eg_xml_attr(n, "control-reuse") : NULL;
	p->dup_reuse_accept = v && !strcmp(v, "accept");
	v = n ? eg_xml_attr(n, "corrected-resend") : NULL;
	p->dup_resend_hold = v && !strcmp(v, "quarantine");
	n = child(root, "limits");
	p->max_file_bytes = ull_attr(n, "max-file-bytes", 0);
	p->max_segment = ull_attr(n, "max-segment", 0);
	p->max_elements = ull_attr(n, "max-elements", 0);
	p->max_findings = ull_attr(n, "max-findings", 0);
	p->max_archive_entries = ull_attr(n, "max-archive-entries", 0);
	p->max_expansion_ratio = ull_attr(n, "max-expansion-ratio", 0);
	p->max_bundle_depth = ull_attr(n, "max-bundle-depth", 0);
	n = child(root, "partial-files");
	v = n ? eg_xml_attr(n, "policy") : NULL;
	snprintf(p->partial, sizeof(p->partial), "%s", v ? v : "accept-valid");
}

static int
read_codemap(eg_profile_codemap *cm, const eg_xml_node *n)
{
	const eg_xml_node *k;
	size_t i = 0;

	cpy_attr(cm->name, sizeof(cm->name), n, "name");
	cm->line = eg_xml_line(n);
	cm->dflt = dup_attr(n, "default");
	cm->n = count_children(n, "code");
	cm->partner = calloc(cm->n + 1, sizeof(char *));
	cm->ours = calloc(cm->n + 1, sizeof(char *));
	if (!cm->partner || !cm->ours)
		return -1;
	for (k = eg_xml_first(n); k; k = eg_xml_next(k)) {
		if (strcmp(eg_xml_name(k), "code"))
			continue;
		cm->partner[i] = dup_attr(k, "partner");
		cm->ours[i] = dup_attr(k, "ours");
		if (!cm->partner[i] || !cm->ours[i])
			return -1;
		i++;
	}
	return 0;
}

static int
read_rule(eg_rule *r, const eg_xml_node *k)
{
	const char *kind = eg_xml_name(k), *v;

	memset(r, 0, sizeof(*r));
	r->line = (unsigned)eg_xml_line(k);
	cpy_attr(r->set, sizeof(r->set), k, "set");
	if (!strcmp(kind, "requires-reference")) {
		r->kind = EG_RULE_REQUIRES_REFERENCE;
		cpy_attr(r->key, sizeof(r->key), k, "key");
		cpy_attr(r->seen_in, sizeof(r->seen_in), k, "seen-in");
	} else if (!strcmp(kind, "quantity-tolerance")) {
		r->kind = EG_RULE_QUANTITY_TOLERANCE;
		cpy_attr(r->against, sizeof(r->against), k, "against");
		if ((v = eg_xml_attr(k, "percent")) != NULL) {
			r->has_percent = 1;
			r->percent = strtod(v, NULL);
		}
		if ((v = eg_xml_attr(k, "units")) != NULL) {
			r->has_units = 1;
			r->units = strtod(v, NULL);
		}
	} else if (!strcmp(kind, "date-window")) {
		r->kind = EG_RULE_DATE_WINDOW;
		cpy_attr(r->field, sizeof(r->field), k, "field");
		r->past = duration_secs(eg_xml_attr(k, "past"));
		r->future = duration_secs(eg_xml_attr(k, "future"));
	} else if (!strcmp(kind, "range")) {
		r->kind = EG_RULE_RANGE;
		cpy_attr(r->field, sizeof(r->field), k, "field");
		if ((v = eg_xml_attr(k, "min")) != NULL) {
			r->has_min = 1;
			r->min = strtod(v, NULL);
		}
		if ((v = eg_xml_attr(k, "max")) != NULL) {
			r->has_max = 1;
			r->max = strtod(v, NULL);
		}
	} else {
		return -1;
	}
	return 0;
}

/* Code lists, mapping overrides and rules; -1 when out of memory. */
static int
read_mapping(eg_profile *p, const eg_xml_node *root)
{
	const eg_xml_node *k, *f;
	size_t ic = 0, ifl = 0;

	p->ncodemaps = count_children(root, "codemap");
	for (k = eg_xml_first(root); k; k = eg_xml_next(k))
		if (!strcmp(eg_xml_name(k), "mapping"))
			p->nfields += count_children(k, "field");
	p->nrules = count_children(child(root, "rules"), NULL);
	p->codemaps = calloc(p->ncodemaps + 1, sizeof(*p->codemaps));
	p->fields = calloc(p->nfields + 1, sizeof(*p->fields));
	p->rules = calloc(p->nrules + 1, sizeof(*p->rules));
	if (!p->codemaps || !p->fields || !p->rules)
		return -1;
	for (k = eg_xml_first(root); k; k = eg_xml_next(k)) {
		if (!strcmp(eg_xml_name(k), "codemap") &&
		    read_codemap(&p->codemaps[ic++], k))
			return -1;
		if (strcmp(eg_xml_name(k), "mapping"))
			continue;
		for (f = eg_xml_first(k); f; f = eg_xml_next(f)) {
			eg_profile_field *pf = &p->fields[ifl++];

			cpy_attr(pf->set, sizeof(pf->set), k, "set");
			pf->line = eg_xml_line(f);
			pf->path = dup_attr(f, "field");
			pf->source = dup_attr(f, "source");
			pf->when = dup_attr(f, "when");
			pf->dflt = dup_attr(f, "default");
			pf->codes = dup_attr(f, "codes");
			pf->pairs = dup_attr(f, "pairs");
			pf->uom = dup_attr(f, "uom");
			if (!pf->path)
				return -1;
		}
	}
	ic = 0;
	k = child(root, "rules");
	for (k = k ? eg_xml_first(k) : NULL; k; k = eg_xml_next(k))
		if (read_rule(&p->rules[ic++], k))
			return -1;
	return 0;
}

/* <schedule every= | cron= tz=><window days= from= to=/> in parent. */
static void
read_schedule(eg_profile_sched *ps, const eg_xml_node *parent)
{
	const eg_xml_node *sc = parent ? child(parent, "schedule") : NULL, *w;

	if (!sc)
		return;
	ps->line = eg_xml_line(sc);
	ps->every = eg_xml_attr(sc, "every")
			? duration_secs(eg_xml_attr(sc, "every"))
			: 0;
	ps->cron = dup_attr(sc, "cron");
	ps->tz = dup_attr(sc, "tz");
	for (w = eg_xml_first(sc); w && ps->nwin < 8; w = eg_xml_next(w)) {
		if (strcmp(eg_xml_name(w), "window") != 0)
			continue; /* the XSD allows nothing else */
		ps->win[ps->nwin].days = dup_attr(w, "days");
		ps->win[ps->nwin].from = dup_attr(w, "from");
		ps->win[ps->nwin].to = dup_attr(w, "to");
		ps->nwin++;
	}
}

static eg_err
parse_schedule(const eg_profile *p, const eg_profile_sched *ps,
	       struct eg_schedule *s, eg_error *e)
{
	eg_schedule_spec sp;
	unsigned i;

	if (!ps->line)
		return eg_fail(e, EG_ENOTFOUND, "partner %s has no <schedule>",
			       p->id ? p->id : "");
	memset(&sp, 0, sizeof(sp));
	sp.every = ps->every;
	sp.cron = ps->cron;
	sp.tz = ps->tz;
	for (i = 0; i < ps->nwin && i < EG_SCHEDULE_MAX_WINDOWS; i++) {
		sp.win[i].days = ps->win[i].days;
		sp.win[i].from = ps->win[i].from;
		sp.win[i].to = ps->win[i].to;
	}
	sp.nwin = i;
	return eg_schedule_parse(s, &sp, e);
}

eg_err
eg_profile_schedule(const eg_profile *p, struct eg_schedule *s, eg_error *e)
{
	return parse_schedule(p, &p->sched, s, e);
}

eg_err
eg_profile_schedule_out(const eg_profile *p, struct eg_schedule *s,
			eg_error *e)
{
	return parse_schedule(p, &p->out_sched, s, e);
}

const eg_profile_codemap *
eg_profile_codemap_find(const eg_profile *p, const char *name)
{
	size_t i;

	for (i = 0; p && i < p->ncodemaps; i++)
		if (!strcmp(p->codemaps[i].name, name))
			return &p->codemaps[i];
	return NULL;
}

const char *
eg_profile_code(const eg_profile_codemap *cm, const char *code)
{
	size_t i;

	for (i = 0; i < cm->n; i++)
		if (!strcmp(cm->partner[i], code))
			return cm->ours[i];
	return cm->dflt;
}

eg_err
eg_profile_load(eg_profile **out, const char *path, const char *datadir,
		eg_error *e)
{
	char xsd[PATH_MAX];
	eg_xml *x = NULL;
	eg_profile *p;
	const eg_xml_node *root, *id, *tr, *sf, *k, *docs;
	size_t i = 0;
	char *slash;
	eg_err rc, sla_rc;

	*out = NULL;
	if ((size_t)snprintf(xsd, sizeof(xsd), "%s/schemas/partner-profile.xsd",
			     datadir) >= sizeof(xsd))
		return eg_fail(e, EG_ECONFIG, "data directory path too long");
	rc = eg_xml_load(&x, path, xsd, e);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p) {
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	root = eg_xml_root(x);
	p->path = strdup(path);
	p->dir = strdup(path);
	if (p->dir && (slash = strrchr(p->dir, '/')))
		*slash = '\0';
	else if (p->dir)
		p->dir[0] = '\0';
	p->id = dup_attr(root, "id");
	p->name = dup_attr(root, "name");
	p->kind = dup_attr(root, "kind");
	p->shadow = !strcmp(eg_xml_attr(root, "mode") ? eg_xml_attr(root, "mode")
							: "live",
			    "shadow");
	id = child(root, "identity");
	cpy_attr(p->partner_q, sizeof(p->partner_q), child(id, "partner-isa"),
		 "qualifier");
	cpy_attr(p->partner_id, sizeof(p->partner_id), child(id, "partner-isa"),
		 "id");
	cpy_attr(p->our_q, sizeof(p->our_q), child(id, "our-isa"), "qualifier");
	cpy_attr(p->our_id, sizeof(p->our_id), child(id, "our-isa"), "id");
	cpy_attr(p->gs_partner, sizeof(p->gs_partner), child(id, "gs"),
		 "partner");
	cpy_attr(p->gs_ours, sizeof(p->gs_ours), child(id, "gs"), "ours");
	cpy_attr(p->unb_partner_q, sizeof(p->unb_partner_q),
		 child(id, "partner-unb"), "qualifier");
	cpy_attr(p->unb_partner_id, sizeof(p->unb_partner_id),
		 child(id, "partner-unb"), "id");
	{
		/* the schema allows only these three */
		const eg_xml_node *pu = child(id, "partner-unb");
		const char *r = pu ? eg_xml_attr(pu, "repertoire") : NULL;

		p->unb_repertoire = !r			 ? 0
				    : !strcmp(r, "lenient") ? 1
				    : !strcmp(r, "off")	    ? 2
							    : 0;
	}
	cpy_attr(p->unb_our_q, sizeof(p->unb_our_q), child(id, "our-unb"),
		 "qualifier");
	cpy_attr(p->unb_our_id, sizeof(p->unb_our_id), child(id, "our-unb"),
		 "id");
	tr = child(root, "transport");
	p->sftp = strcmp(eg_xml_attr(tr, "type"), "sftp") == 0;
	sf = child(tr, "sftp");
	p->host = dup_attr(sf, "host");
	p->user = dup_attr(sf, "user");
	p->key_file = dup_attr(sf, "key-file");
	p->known_hosts = dup_attr(sf, "known-hosts");
	p->host_key = dup_attr(sf, "host-key");
	p->port = sf && eg_xml_attr(sf, "port")
			  ? (unsigned)strtoul(eg_xml_attr(sf, "port"), NULL, 10)
			  : 22;
	read_secret(p, 0, child(sf, "passphrase"));
	read_secret(p, 1, child(sf, "password"));
	p->inbox = dup_attr(child(tr, "inbox"), "path");
	p->inbox_pattern = dup_attr(child(tr, "inbox"), "pattern");
	p->inbox_exclude = dup_attr(child(tr, "inbox"), "exclude");
	p->outbox = dup_attr(child(tr, "outbox"), "path");
	p->after_action = dup_attr(child(tr, "after-pickup"), "action");
	p->move_to = dup_attr(child(tr, "after-pickup"), "move-to");
	read_policy(p, root, tr, sf);
	sla_rc = eg_sla_read(&p->sla, root);
	read_schedule(&p->sched, tr);
	read_schedule(&p->out_sched, child(root, "outbound"));
	docs = child(root, "documents");
	/* a partner that only sends master data has no <documents> */
	for (k = docs ? eg_xml_first(docs) : NULL; k; k = eg_xml_next(k))
		p->ndocs++;
	p->docs = calloc(p->ndocs ? p->ndocs : 1, sizeof(*p->docs));
	if (!p->path || !p->dir || !p->docs || sla_rc) {
		eg_profile_free(p);
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	for (k = docs ? eg_xml_first(docs) : NULL; k;
	     k = eg_xml_next(k), i++) {
		eg_profile_doc *d = &p->docs[i];
		const char *g = eg_xml_attr(k, "guide");

		cpy_attr(d->direction, sizeof(d->direction), k, "direction");
		cpy_attr(d->set, sizeof(d->set), k, "set");
		cpy_attr(d->versions, sizeof(d->versions), k, "versions");
		cpy_attr(d->syntax, sizeof(d->syntax), k, "syntax");
		if (!d->syntax[0])
			snprintf(d->syntax, sizeof(d->syntax), "x12");
		g = eg_xml_attr(k, "acknowledge-only");
		d->ack_only = g && (!strcmp(g, "true") || !strcmp(g, "1"));
		cpy_attr(d->owner, sizeof(d->owner), k, "owner");
		g = eg_xml_attr(k, "guide");
		if (g) {
			size_t n = strlen(p->dir) + strlen(g) + 2;

			d->guide = malloc(n);
			if (d->guide)
				snprintf(d->guide, n, "%s%s%s",
					 g[0] == '/' ? "" : p->dir,
					 g[0] == '/' || !p->dir[0] ? "" : "/", g);
		}
	}
	if (read_mapping(p, root)) {
		eg_profile_free(p);
		eg_xml_free(x);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if ((rc = eg_profile_md_read(p, root, datadir, e))) {
		eg_profile_free(p);
		eg_xml_free(x);
		return rc;
	}
	eg_xml_free(x);
	*out = p;
	return EG_OK;
}

static void
free_schedule(eg_profile_sched *ps)
{
	unsigned i;

	free(ps->cron);
	free(ps->tz);
	for (i = 0; i < ps->nwin; i++) {
		free(ps->win[i].days);
		free(ps->win[i].from);
		free(ps->win[i].to);
	}
}

void
eg_profile_free(eg_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; p->docs && i < p->ndocs; i++)
		free(p->docs[i].guide);
	free(p->docs);
	eg_profile_md_free(p);
	for (i = 0; p->codemaps && i < p->ncodemaps; i++) {
		size_t j;

		for (j = 0; j < p->codemaps[i].n; j++) {
			free(p->codemaps[i].partner ? p->codemaps[i].partner[j]
						    : NULL);
			free(p->codemaps[i].ours ? p->codemaps[i].ours[j] : NULL);
		}
		free(p->codemaps[i].partner);
		free(p->codemaps[i].ours);
		free(p->codemaps[i].dflt);
	}
	free(p->codemaps);
	for (i = 0; p->fields && i < p->nfields; i++) {
		eg_profile_field *f = &p->fields[i];

		free(f->path);
		free(f->source);
		free(f->when);
		free(f->dflt);
		free(f->codes);
		free(f->pairs);
		free(f->uom);
	}
	free(p->fields);
	free(p->rules);
	free_schedule(&p->sched);
	free_schedule(&p->out_sched);
	eg_sla_free(&p->sla);
	free(p->path);
	free(p->dir);
	free(p->id);
	free(p->name);
	free(p->kind);
	free(p->host);
	free(p->user);
	free(p->key_file);
	free(p->known_hosts);
	free(p->host_key);
	free(p->secret_files[0]);
	free(p->secret_files[1]);
	free(p->secret_envs[0]);
	free(p->secret_envs[1]);
	free(p->inbox);
	free(p->inbox_pattern);
	free(p->inbox_exclude);
	free(p->outbox);
	free(p->after_action);
	free(p->done_suffix);
	free(p->temp_suffix);
	free(p->outbox_done_suffix);
	free(p->move_to);
	free(p->out_drop);
	free(p);
}

int
eg_owner_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

const char *
eg_profile_default_owner(const eg_profile *p, const char *set)
{
	const char *shared = NULL;
	size_t i;

	for (i = 0; i < p->ndocs; i++) {
		const eg_profile_doc *d = &p->docs[i];

		if (strcmp(d->direction, "in") || !d->owner[0])
			continue;
		if (set && set[0] && !strcmp(d->set, set))
			return d->owner;
		if (!shared)
			shared = d->owner;
		else if (strcmp(shared, d->owner))
			shared = ""; /* they differ */
	}
	if (set && set[0])
		return NULL;
	return shared && shared[0] ? shared : NULL;
}
