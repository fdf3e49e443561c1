/*
 * outbound.c - canonical records to validated documents, recorded and
 * delivered (outbound.h, docs/outbound.md).
 *
 * Invariants:
 * - one input file is decided in one ledger transaction: its row, its
 *   documents' control numbers, units, keys and outputs are committed
 *   together, after the staged documents are durable (one syncfs);
 * - control numbers (the "isa" sequence: ISA13 and GS06, shared with
 *   our acknowledgements; the "st" sequence: ST02) are taken inside a
 *   savepoint and given back when the file is quarantined, so a number
 *   is consumed only by a document that is recorded, and a crash before
 *   the commit consumes none;
 * - a document is delivered only after its commit, and recorded as sent
 *   only after the transport made it durable; a retry puts the same
 *   bytes under the same name (outdeliver.c).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edigate/canon_read.h"
#include "edigate/digest.h"
#include "edigate/fsutil.h"
#include "edigate/ledger_acks.h"
#include "edigate/ledger_out.h"
#include "edigate/namepat.h"
#include "edigate/outbound.h"
#include "edigate/outwrite.h"
#include "edigate/spool_guard.h"
#include "edigate/syntax.h"
#include "pipeline_int.h"

#define OUT_MAX_LINE (1u << 20)   /* one record (a line of the input) */
#define OUT_MAX_DOC (64u << 20)   /* one record's document, before it goes */
#define WHY_LISTED (256u << 10)   /* report text listing problems */

/*
 * The input is read line by line and each record written as soon as it
 * is read: only one record, and the bytes of its set, are in memory at
 * a time (peak RSS does not grow with the input).  The interchange being
 * written goes to a staged file in spool/work/; after the first problem
 * nothing more is written, but every record is still checked, so the
 * report lists every problem.
 */
typedef struct sendctx {
	eg_pipeline *pl;
	const eg_pipeline_partner *pp;
	const eg_profile *p;
	eg_send_result *res;
	char set[8], version[8], name[256], sha[EG_SHA256_HEX];
	eg_outmap *map;
	eg_buf why; /* problems for the reject report */
	unsigned ndocs_file;
	char first_dup[32]; /* the first earlier file a record was sent in */
	/* the interchange being written (w NULL: none open) */
	eg_doc_writer *w;
	eg_out_env env;
	eg_buf doc;    /* the current set's bytes, then flushed to out */
	FILE *out;     /* the staged interchange */
	char staged[PATH_MAX], abs[PATH_MAX];
	unsigned nsets; /* sets in the open interchange */
	/* staged files written (removed when the input is quarantined) */
	unsigned nstaged;
} sendctx;

/* Problems of the input, one line each. */
static eg_err
add_why(sendctx *s, eg_error *e, const char *fmt, const char *a,
	const char *b)
{
	s->res->problems++;
	/* the report lists the first ones; the count says how many */
	if (s->why.len > WHY_LISTED)
		return EG_OK;
	if (eg_buf_addf(&s->why, fmt, a, b))
		return eg_fail(e, EG_ENOMEM, "out of memory");
	return EG_OK;
}

/* The set the partner's profile sends for a record type, its first
 * outbound release, and the map. */
static eg_err
choose_set(sendctx *s, const char *datadir, const char *record, eg_error *e)
{
	size_t i;
	eg_err rc;

	for (i = 0; i < s->p->ndocs; i++) {
		const eg_profile_doc *d = &s->p->docs[i];
		eg_outmap *m = NULL;
		eg_error le;

		if (strcmp(d->direction, "out") != 0)
			continue;
		eg_error_clear(&le);
		if ((rc = eg_outmap_load_set(&m, datadir, d->set, &le))) {
			if (rc == EG_ENOTFOUND)
				continue;
			*e = le;
			return rc;
		}
		if (strcmp(eg_outmap_record(m), record) != 0) {
			eg_outmap_free(m);
			continue;
		}
		snprintf(s->set, sizeof(s->set), "%s", d->set);
		snprintf(s->version, sizeof(s->version), "%.6s", d->versions);
		s->map = m;
		if (!eg_outmap_serves(m, s->version))
			return add_why(s, e,
				       "profile: the %s release %s is not one "
				       "edigate writes\n",
				       d->set, s->version);
		return EG_OK;
	}
	return add_why(s, e,
		       "recordType: partner's profile sends no document "
		       "edigate writes from a %s (<document direction=\"out\" "
		       "set=...>)%s\n",
		       record, "");
}

/* The key the ledger dedupes a record by: name and value. */
static const char *
key_of(const eg_rnode *r, const char **name)
{
	if (!strcmp(r->name, "Shipment")) { /* an 856 or a 945 */
		*name = "shipment-id";
		return eg_rnode_text(r, "shipmentId");
	}
	*name = "order-number";
	return eg_rnode_text(r, "orderNumber");
}

/* A record whose key went out before: a duplicate (*dup, refused), or
 * a change when the profile says so and the record says it is one; the
 * same key twice in this file is a problem. */
static eg_err
dedupe_one(sendctx *s, const eg_rnode *r, int *dup, eg_error *e)
{
	const char *kn, *kv = key_of(r, &kn);
	const char *purpose = eg_rnode_text(r, "purpose");
	char file[32], origin[32], m[200];
	int64_t txn;
	int found = 0;
	eg_err rc;

	*dup = 0;
	if (!kv)
		return EG_OK;
	/* the keys of the records written so far are in the ledger (the
	 * file's own transaction): a second one is found there */
	if ((rc = eg_ledger_pl_key_find(s->pl->l, s->p->id, s->set, kn, kv,
					&found, file, origin, &txn, e)))
		return rc;
	if (!found)
		return EG_OK;
	if (!strcmp(file, s->res->id))
		return add_why(s, e, "%s %s is given twice in this file\n", kn,
			       kv);
	if (!strcmp(s->p->dup_business, "change") && purpose &&
	    strcmp(purpose, "original") != 0)
		return EG_OK; /* a change or cancel of what went out */
	if (!strcmp(s->p->dup_business, "reject")) {
		snprintf(m, sizeof(m), "%s %s was sent before (file %s)", kn, kv,
			 file);
		return add_why(s, e, "%s%s\n", m, "");
	}
	*dup = 1;
	s->res->duplicates++;
	if (!s->first_dup[0])
		snprintf(s->first_dup, sizeof(s->first_dup), "%s", file);
	return EG_OK;
}

/* --- validation of what we wrote --------------------------------------- */

typedef struct vctx {
	void (*say)(void *ud, const char *msg);
	void *ud;
	unsigned errors;
} vctx;

static void
v_finding(void *ud, const eg_finding *f)
{
	vctx *v = ud;
	char m[500];

	if (f->severity != EG_FIND_ERROR)
		return;
	if (v->errors++ < 1000) { /* the count says how many more */
		snprintf(m, sizeof(m), "segment %llu (%s), element %u: %s",
			 (unsigned long long)f->pos.segment, f->pos.seg_id,
			 (unsigned)f->pos.element, f->msg);
		v->say(v->ud, m);
	}
}

eg_err
eg_pl_out_validate(eg_pipeline *pl, const eg_pipeline_partner *pp,
		   eg_source *src, void (*say)(void *ud, const char *msg),
		   void *ud, unsigned *errors, int *unchecked, eg_error *e)
{
	eg_syntax_check_opts co;
	eg_envelope_events ev;
	eg_syntax_check_result res;
	vctx v;
	eg_err rc;

	*errors = 0;
	*unchecked = 0;
	memset(&co, 0, sizeof(co));
	memset(&ev, 0, sizeof(ev));
	memset(&v, 0, sizeof(v));
	v.say = say;
	v.ud = ud;
	co.limits = eg_syntax_x12.limits();
	co.guides = pl->o.guides;
	co.overrides = pp->guides;
	co.noverrides = pp->nguides;
	ev.finding = v_finding;
	ev.ud = &v;
	if ((rc = eg_syntax_x12.check(src, &co, &ev, &res, e)))
		return rc;
	*errors = v.errors;
	if (!v.errors && res.totals.errors) {
		say(ud, "the document has errors");
		*errors = 1;
	}
	*unchecked = !*errors && (res.unguided || !res.guided);
	return EG_OK;
}

typedef struct vsay {
	sendctx *s;
	eg_error *e;
	eg_err rc;
} vsay;

static void
say_why(void *ud, const char *msg)
{
	vsay *v = ud;

	if (!v->rc)
		v->rc = add_why(v->s, v->e, "our validator: %s%s\n", msg, "");
}

/* Check the staged interchange with our own validator against the
 * shipped guide and the partner's; problems into the report. */
static eg_err
validate(sendctx *s, const char *path, eg_error *e)
{
	vsay v = {s, e, EG_OK};
	eg_source *src = NULL;
	unsigned errors;
	int unchecked;
	eg_err rc;

	if ((rc = eg_source_open_file(&src, path, e)))
		return rc;
	rc = eg_pl_out_validate(s->pl, s->pp, src, say_why, &v, &errors,
				&unchecked, e);
	eg_source_free(src);
	if (rc || v.rc)
		return rc ? rc : v.rc;
	if (unchecked)
		return add_why(s, e,
			       "our validator: no guide for the %s %s, so "
			       "it cannot be checked before sending\n",
			       s->set, s->version);
	return EG_OK;
}

/* --- writing and recording --------------------------------------------- */

static eg_err
record_units(sendctx *s, const eg_out_env *env, eg_error *e)
{
	char icn[16], gs06[16];

	snprintf(icn, sizeof(icn), "%09llu", (unsigned long long)env->icn);
	snprintf(gs06, sizeof(gs06), "%llu", (unsigned long long)env->icn);
	{
		eg_err rc = eg_ledger_sent_unit(
		    s->pl->l, s->res->id, 0, icn, env->sender, env->receiver,
		    env->group, gs06, env->version, (int64_t)s->pl->o.now, e);

		if (!rc)
			rc = eg_ledger_sent_unit(
			    s->pl->l, s->res->id, 1, icn, env->gs_sender,
			    env->gs_receiver, env->group, gs06, env->version,
			    (int64_t)s->pl->o.now, e);
		return rc;
	}
}

static eg_err
record_doc(sendctx *s, const eg_rnode *r, const char *st02, uint64_t icn,
	   eg_error *e)
{
	const char *kn, *kv = key_of(r, &kn);
	char isa13[16], key[160];
	int64_t txn;
	eg_err rc;

	snprintf(isa13, sizeof(isa13), "%09llu", (unsigned long long)icn);
	snprintf(key, sizeof(key), "%s=%s", kn, kv ? kv : "");
	rc = eg_ledger_pl_txn_sent(s->pl->l, s->res->id, s->set, st02, &txn, e);
	if (!rc)
		rc = eg_ledger_out_txn_isa(s->pl->l, txn, isa13,
					   kv ? key : NULL, e);
	if (!rc && kv)
		rc = eg_ledger_pl_key_sent(s->pl->l, s->p->id, s->set, kn, kv,
					   s->res->id, txn, s->pl->o.now, e);
	if (!rc && !strcmp(s->set, "940"))
		rc = eg_pl_keep_ref_lines(s->pl->l, txn, s->set, r, e);
	return rc;
}

/* The bytes of the set just written go to the staged file. */
static eg_err
flush_doc(sendctx *s, eg_error *e)
{
	if (s->doc.len && fwrite(s->doc.data, 1, s->doc.len, s->out) !=
				  s->doc.len)
		return eg_fail(e, EG_EIO, "cannot write %s: %s", s->abs,
			       strerror(errno));
	s->doc.len = 0;
	if (s->doc.data)
		s->doc.data[0] = '\0';
	return EG_OK;
}

/* Open an interchange: its number (taken in the file's savepoint), its
 * envelope, its staged file. */
static eg_err
open_ichg(sendctx *s, eg_error *e)
{
	const eg_doc_writer_ops *ops = eg_doc_writer_find("x12");
	eg_err rc;

	memset(&s->env, 0, sizeof(s->env));
	eg_out_env_profile(&s->env, s->p);
	snprintf(s->env.version, sizeof(s->env.version), "%s", s->version);
	snprintf(s->env.group, sizeof(s->env.group), "%s",
		 eg_outmap_group(s->map));
	s->env.now = s->pl->o.now;
	s->nsets = 0;
	if ((rc = eg_ledger_next_control(s->pl->l, s->p->id, "isa",
					 &s->env.icn, e)) ||
	    (rc = eg_path(s->staged, sizeof(s->staged), e, "work/%s.doc-%u",
			  s->res->id, ++s->ndocs_file)) ||
	    (rc = eg_pl_spool_path(s->pl, s->abs, sizeof(s->abs), s->staged,
				   e)))
		return rc;
	if (!(s->out = fopen(s->abs, "wb")))
		return eg_fail(e, EG_EIO, "cannot create %s: %s", s->abs,
			       strerror(errno));
	s->nstaged = s->ndocs_file;
	if ((rc = ops->open(&s->w, &s->doc, &s->env, e)))
		return rc;
	return flush_doc(s, e);
}

/* Drop the open interchange (a problem stopped it). */
static void
abandon_ichg(sendctx *s)
{
	if (s->w)
		eg_doc_writer_find("x12")->free(s->w);
	s->w = NULL;
	if (s->out)
		fclose(s->out);
	s->out = NULL;
	s->doc.len = 0;
}

/* Close the open interchange: its trailers, the staged file checked by
 * our validator, its units recorded and it named as an output. */
static eg_err
close_ichg(sendctx *s, eg_error *e)
{
	unsigned before = s->res->problems;
	eg_namepat_vals nv;
	char ctl[16], name[EG_NAMEPAT_MAX], dst[PATH_MAX];
	struct stat sb;
	eg_err rc;

	if (!s->w)
		return EG_OK;
	if (s->res->problems) {
		abandon_ichg(s);
		return EG_OK;
	}
	rc = eg_doc_writer_find("x12")->close(s->w, e);
	if (!rc)
		rc = flush_doc(s, e);
	eg_doc_writer_find("x12")->free(s->w);
	s->w = NULL;
	if (fclose(s->out) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "cannot write %s: %s", s->abs,
			     strerror(errno));
	s->out = NULL;
	if (!rc)
		rc = validate(s, s->abs, e);
	if (rc || s->res->problems != before)
		return rc;
	if ((rc = record_units(s, &s->env, e)))
		return rc;
	snprintf(ctl, sizeof(ctl), "%09llu", (unsigned long long)s->env.icn);
	memset(&nv, 0, sizeof(nv));
	nv.partner = s->p->id;
	nv.set = s->set;
	nv.control = ctl;
	nv.now = s->pl->o.now;
	if ((rc = eg_namepat_fill(s->p->out_file_name, &nv, name, sizeof(name),
				  e)) ||
	    (rc = eg_path(dst, sizeof(dst), e, "out/%s/sent/%s", s->p->id,
			  name)))
		return rc;
	if (stat(s->abs, &sb) != 0)
		return eg_fail(e, EG_EIO, "%s: %s", s->abs, strerror(errno));
	if (!s->res->first_name[0])
		snprintf(s->res->first_name, sizeof(s->res->first_name), "%s",
			 name);
	s->res->documents += s->nsets;
	return eg_ledger_pl_output_add(s->pl->l, s->res->id, "document",
				       s->staged, dst, name, ctl,
				       (uint64_t)sb.st_size, s->pl->o.now, e);
}

/* One record: refused as sent before, or written as a set of the open
 * interchange (opened now when none is), recorded. */
static eg_err
write_rec(sendctx *s, const eg_rnode *r, eg_error *e)
{
	const eg_doc_writer_ops *ops = eg_doc_writer_find("x12");
	eg_outmap_run run;
	uint64_t st;
	char st02[16];
	int dup = 0;
	eg_err rc;

	if ((rc = dedupe_one(s, r, &dup, e)) || dup || s->res->problems)
		return rc;
	if (!s->w && (rc = open_ichg(s, e)))
		return rc;
	if ((rc = eg_ledger_next_control(s->pl->l, s->p->id, "st", &st, e)))
		return rc;
	snprintf(st02, sizeof(st02), "%04llu", (unsigned long long)st);
	memset(&run, 0, sizeof(run));
	run.version = s->version;
	run.profile = s->p;
	run.why = &s->why;
	rc = ops->doc(s->w, s->map, r, st02, &run, e);
	s->res->problems += run.nbad;
	if (rc || run.nbad)
		return rc;
	s->nsets++;
	if ((rc = record_doc(s, r, st02, s->env.icn, e)) ||
	    (rc = flush_doc(s, e)))
		return rc;
	return s->p->out_per_document ? close_ichg(s, e) : EG_OK;
}

/* One line of the input: a record checked, then written (blank lines
 * skipped). */
static eg_err
one_line(sendctx *s, const char *datadir, const char *p, size_t len,
	 size_t lineno, eg_error *e)
{
	eg_rnode *r = NULL;
	eg_buf w;
	unsigned nbad = 0;
	eg_err rc;

	while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	if (!len)
		return EG_OK;
	eg_buf_init(&w, 1 << 16);
	rc = eg_canon_read_json(&r, p, len,
				s->map ? eg_outmap_record(s->map) : NULL, &w,
				&nbad, e);
	if (!rc && nbad) {
		const char *q = eg_buf_cstr(&w);
		char ln[32];

		snprintf(ln, sizeof(ln), "line %zu", lineno);
		/* each problem line gets the input line in front */
		while (!rc && *q) {
			const char *end = strchr(q, '\n');
			char one[400];

			snprintf(one, sizeof(one), "%.*s",
				 (int)(end ? end - q : (long)strlen(q)), q);
			rc = add_why(s, e, "%s: %s\n", ln, one);
			q = end ? end + 1 : q + strlen(q);
		}
	}
	eg_buf_free(&w);
	if (rc || !r) {
		eg_rnode_free(r);
		return rc;
	}
	s->res->records++;
	if (!s->map)
		rc = choose_set(s, datadir, r->name, e);
	if (!rc && s->map && !s->res->problems)
		rc = write_rec(s, r, e);
	eg_rnode_free(r);
	return rc;
}

/* Every line of the input, one at a time. */
static eg_err
stream(sendctx *s, const char *datadir, const char *path, eg_error *e)
{
	eg_source *src = NULL;
	char *buf = malloc(OUT_MAX_LINE);
	size_t have = 0, lineno = 0, got;
	int eof = 0, skipping = 0;
	eg_err rc;

	if (!buf)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if ((rc = eg_source_open_file(&src, path, e))) {
		free(buf);
		return rc;
	}
	while (!rc && (have || !eof)) {
		char *nl = memchr(buf, '\n', have);
		size_t len;

		if (!nl && !eof && have < OUT_MAX_LINE) {
			if ((rc = eg_source_read(src, buf + have,
						 OUT_MAX_LINE - have, &got, e)))
				break;
			eof = got == 0;
			have += got;
			continue;
		}
		if (!nl && !eof) {
			/* a record longer than we hold: a problem, skipped */
			if (!skipping) {
				char ln[32];

				snprintf(ln, sizeof(ln), "%zu", lineno + 1);
				rc = add_why(s, e, "line %s: longer than %s; "
					     "not read\n", ln, "1 MiB");
			}
			skipping = 1;
			have = 0;
			continue;
		}
		len = nl ? (size_t)(nl - buf) : have;
		if (!skipping) {
			lineno++;
			rc = one_line(s, datadir, buf, len, lineno, e);
		} else {
			lineno++;
			skipping = 0;
		}
		len += nl != NULL;
		memmove(buf, buf + len, have - len);
		have -= len;
	}
	eg_source_free(src);
	free(buf);
	if (!rc && !s->res->records && !s->res->problems)
		rc = add_why(s, e, "%s%sthe file holds no record\n", "", "");
	return rc;
}

/* The reject report and the input's copy, in the outbound quarantine. */
static eg_err
stage_quarantine(sendctx *s, const char *path, eg_error *e)
{
	char staged[PATH_MAX], dst[PATH_MAX], abs[PATH_MAX];
	eg_buf rep;
	uint64_t size = 0;
	eg_err rc;

	eg_buf_init(&rep, 1 << 20);
	rc = eg_buf_addf(&rep,
			 "Outbound file %s (%s) for partner %s was NOT sent.\n"
			 "%u problem(s); fix the records and send the file "
			 "again (edigate send --partner %s FILE).\n\n%s",
			 s->name, s->res->id, s->p->id, s->res->problems,
			 s->p->id, eg_buf_cstr(&s->why));
	if (rc)
		rc = eg_fail(e, rc, "cannot write the report");
	if (!rc)
		rc = eg_path(staged, sizeof(staged), e, "work/%s.report.txt",
			     s->res->id);
	if (!rc)
		rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/report.txt",
			     s->p->id, s->res->id);
	if (!rc)
		rc = eg_pl_spool_path(s->pl, abs, sizeof(abs), staged, e);
	if (!rc)
		rc = eg_write_file(abs, rep.data, rep.len, e);
	if (!rc)
		rc = eg_ledger_pl_output_add(s->pl->l, s->res->id, "report",
					     staged, dst, "report.txt", NULL,
					     rep.len, s->pl->o.now, e);
	if (!rc)
		rc = eg_path(staged, sizeof(staged), e, "work/%s.input",
			     s->res->id);
	if (!rc)
		rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/%s",
			     s->p->id, s->res->id, s->name);
	if (!rc)
		rc = eg_pl_spool_path(s->pl, abs, sizeof(abs), staged, e);
	if (!rc)
		rc = eg_copy_file(path, abs, &size, e);
	if (!rc)
		rc = eg_ledger_pl_output_add(s->pl->l, s->res->id, "quarantine",
					     staged, dst, s->name, NULL, size,
					     s->pl->o.now, e);
	eg_buf_free(&rep);
	return rc;
}

/* Decide the input: its documents, written as it is read, in a
 * savepoint holding the control numbers; or its quarantine. */
static eg_err
decide(sendctx *s, const char *datadir, const char *path, eg_error *e)
{
	char abs[PATH_MAX];
	unsigned k;
	eg_err rc;

	if ((rc = eg_ledger_savepoint(s->pl->l, "outdoc", e)))
		return rc;
	rc = stream(s, datadir, path, e);
	if (!rc)
		rc = close_ichg(s, e);
	abandon_ichg(s); /* after an error */
	if (!rc && s->res->problems) {
		/* nothing of it is sent: its numbers go back unused */
		s->res->documents = 0;
		s->res->first_name[0] = '\0';
		rc = eg_ledger_rollback_to(s->pl->l, "outdoc", e);
		for (k = 1; !rc && k <= s->nstaged; k++)
			if (!eg_path(abs, sizeof(abs), e, "%s/work/%s.doc-%u",
				     s->pl->o.spool, s->res->id, k))
				(void)unlink(abs);
	} else if (!rc) {
		rc = eg_ledger_release(s->pl->l, "outdoc", e);
	}
	if (rc)
		return rc;
	if (s->res->problems) {
		snprintf(s->res->state, sizeof(s->res->state), "rejected");
		snprintf(s->res->summary, sizeof(s->res->summary),
			 "not sent: %u problem(s), see the reject report",
			 s->res->problems);
		return stage_quarantine(s, path, e);
	}
	snprintf(s->res->duplicate_of, sizeof(s->res->duplicate_of), "%s",
		 s->first_dup);
	if (!s->res->documents) {
		snprintf(s->res->state, sizeof(s->res->state), "duplicate");
		snprintf(s->res->summary, sizeof(s->res->summary),
			 "not sent: every record was sent before (file %s)",
			 s->res->duplicate_of);
		return EG_OK;
	}
	snprintf(s->res->state, sizeof(s->res->state), "ready");
	snprintf(s->res->summary, sizeof(s->res->summary),
		 "%u %s document(s) written%s", s->res->documents, s->set,
		 s->res->duplicates ? ", duplicates refused" : "");
	return EG_OK;
}

eg_err
eg_pipeline_send(eg_pipeline *pl, const eg_pipeline_partner *pp,
		 const char *datadir, const char *path, eg_send_result *r,
		 eg_error *e)
{
	sendctx s;
	const char *base = strrchr(path, '/');
	char work[PATH_MAX];
	const eg_pipeline_partner *was = pl->pp;
	struct stat sb;
	eg_err rc;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	s.pl = pl;
	s.pp = pp;
	s.p = pp->profile;
	s.res = r;
	snprintf(s.name, sizeof(s.name), "%s", base ? base + 1 : path);
	eg_buf_init(&s.why, 1 << 20);
	eg_buf_init(&s.doc, OUT_MAX_DOC);
	if (stat(path, &sb) != 0)
		return eg_fail(e, EG_ENOTFOUND, "%s: %s", path, strerror(errno));
	/* a ledger that lost the partner's numbers would start again at 1 */
	if ((rc = eg_spool_check_controls(pl->l, pl->o.spool, s.p->id, e)))
		return rc;
	if ((rc = eg_path(work, sizeof(work), e, "%s/work", pl->o.spool)) ||
	    (rc = eg_mkdirs(work, e)) ||
	    (rc = eg_sha256_file(path, s.sha, e)))
		goto out;
	pl->pp = pp;
	if ((rc = eg_ledger_begin(pl->l, e)))
		goto out;
	rc = eg_pl_new_file(pl, "outbound", path, s.name, (uint64_t)sb.st_size,
			    (int64_t)sb.st_mtime, s.sha, NULL, NULL, NULL,
			    "none", r->id, e);
	if (!rc)
		rc = eg_ledger_pl_same_bytes(pl->l, s.p->id, s.sha, r->id, r->id,
					     r->duplicate_of, e);
	if (!rc && r->duplicate_of[0]) {
		char fs[32];
		int found = 0;

		/* a quarantined file sent again (fixed elsewhere, say) is
		 * judged afresh */
		rc = eg_ledger_pl_final_state(pl->l, r->duplicate_of, fs,
					      &found, e);
		if (!rc && (!strcmp(fs, "rejected") || !strcmp(fs, "released")))
			r->duplicate_of[0] = '\0';
	}
	if (!rc && r->duplicate_of[0]) {
		snprintf(r->state, sizeof(r->state), "duplicate");
		snprintf(r->summary, sizeof(r->summary),
			 "not sent: the same file was handed over before (%s)",
			 r->duplicate_of);
	} else if (!rc) {
		rc = decide(&s, datadir, path, e);
	}
	if (!rc)
		rc = eg_ledger_pl_file_decided(pl->l, r->id, r->state,
					       r->summary,
					       r->duplicate_of[0] &&
						       !strcmp(r->state,
							       "duplicate")
						   ? r->duplicate_of
						   : NULL,
					       e);
	/* no spool copy: the input stays where our systems left it, and
	 * a quarantined one is copied beside its report */
	if (!rc)
		rc = eg_ledger_pl_file_sent(pl->l, r->id, r->summary, e);
	if (!rc)
		rc = eg_ledger_set_state(pl->l, r->id, "processed", NULL, e);
	/* the staged documents are durable before the commit names them */
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		eg_pl_crash_point(pl, "out-before-commit");
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else if (eg_ledger_in_tx(pl->l))
		eg_ledger_rollback(pl->l);
	if (!rc) {
		eg_pl_crash_point(pl, "out-after-commit");
		rc = eg_pl_publish_all(pl, e);
	}
out:
	abandon_ichg(&s);
	eg_outmap_free(s.map);
	eg_buf_free(&s.why);
	eg_buf_free(&s.doc);
	pl->pp = was; /* run's session goes on with its partner */
	return rc;
}

/* --- the outbound drop folder ------------------------------------------ */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is this a complete input: a regular *.jsonl file, not hidden, its
 * size and time still for the profile's stable-for (2 s at least)? */
static int
takeable(const char *dir, const char *name, long long stable, char *path,
	 size_t cap)
{
	size_t n = strlen(name);
	struct stat sb;

	if (name[0] == '.' || n < 7 || strcmp(name + n - 6, ".jsonl") != 0)
		return 0;
	if ((size_t)snprintf(path, cap, "%s/%s", dir, name) >= cap ||
	    stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	return (long long)sb.st_mtime <= (long long)time(NULL) -
					     (stable > 2 ? stable : 2);
}

/* The partner's <outbound drop=> folder: every complete *.jsonl sent,
 * then moved to done/ beside it under its file id.  A crash between the
 * commit and the move leaves the file: the next run records it as a
 * duplicate of itself (the same bytes) and moves it then. */
eg_err
eg_pl_send_drop(eg_pipeline *pl, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	char dir[PATH_MAX], done[PATH_MAX], path[PATH_MAX], dst[PATH_MAX];
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	eg_err rc = EG_OK;

	if (!p->out_drop || !pl->o.datadir)
		return EG_OK;
	if ((rc = eg_path(dir, sizeof(dir), e, "%s%s%s",
			  p->out_drop[0] == '/' ? "" : pl->o.home,
			  p->out_drop[0] == '/' ? "" : "/", p->out_drop)) ||
	    (rc = eg_path(done, sizeof(done), e, "%s/done", dir)))
		return rc;
	/* made by the first run, as a local outbox is */
	if ((rc = eg_mkdirs(dir, e)))
		return rc;
	if (!(d = opendir(dir)))
		return eg_fail(e, EG_ECONFIG,
			       "partner %s: outbound drop folder %s: %s "
			       "(<outbound drop=>)", p->id, dir, strerror(errno));
	while (!rc && (de = readdir(d))) {
		char **v;

		if (!takeable(dir, de->d_name, p->stable_for, path,
			      sizeof(path)))
			continue;
		if (!(v = realloc(names, (n + 1) * sizeof(*v))) ||
		    !(v[n] = strdup(de->d_name))) {
			names = v ? v : names;
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
			break;
		}
		names = v;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	if (!rc && n)
		rc = eg_mkdirs(done, e);
	for (i = 0; !rc && i < n; i++) {
		eg_send_result r;

		if ((rc = eg_path(path, sizeof(path), e, "%s/%s", dir,
				  names[i])) ||
		    (rc = eg_pipeline_send(pl, pl->pp, pl->o.datadir, path,
					   &r, e)))
			break;
		eg_pl_note(pl, "%s: %s as %s: %s", names[i], r.state, r.id,
			   r.summary);
		eg_pl_crash_point(pl, "out-before-move");
		if ((rc = eg_path(dst, sizeof(dst), e, "%s/%s-%s", done, r.id,
				  names[i])))
			break;
		if (rename(path, dst) != 0)
			rc = eg_fail(e, EG_EIO, "cannot move %s to %s: %s", path,
				     dst, strerror(errno));
		else
			rc = eg_fsync_dir(dir, e);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
