/*
 * inbound.c - the inbound pipeline (see pipeline.h for the stages and
 * the spool layout, docs/pipeline.md for the states).
 *
 * The ledger decides; the disk follows.  A file's outputs are staged in
 * spool/work/ (<id>.records.jsonl, <id>.ack-1...), a batch's made
 * durable by one sync of the spool's file system -- a group commit --
 * then one ledger commit records the
 * decision (state "processed", with the final state, the business keys,
 * the control numbers used and where each output goes).  Publishing is a
 * list of renames that can be repeated, so a crash after the commit is
 * finished by the next run, and a crash before it leaves nothing
 * visible: the staged files are thrown away and the file is processed
 * again from its spool copy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edigate/ack.h"
#include "edigate/buf.h"
#include "edigate/digest.h"
#include "edigate/format.h"
#include "edigate/fsutil.h"
#include "edigate/ledger_acks.h"
#include "edigate/namepat.h"
#include "edigate/pipeline.h"
#include "edigate/record.h"
#include "edigate/source.h"
#include "edigate/spool_guard.h"
#include "edigate/transport.h"
#include "edigate/unpack.h"
#include "edigate/x12_check.h"
#include "dedupe.h"
#include "pipeline_int.h"
#include "ackin.h"
#include "report_words.h"
#include "setkind.h"
#include "spoolfs.h"
#include "tail.h"

#define REC_FLUSH ((size_t)1 << 20) /* records buffered before a write */
#define DEFAULT_MAX_FINDINGS 1000   /* kept per file in the ledger */

struct eg_pipeline {
	eg_ledger *l;
	eg_pipeline_opts o;
	char crash_name[64];
	unsigned crash_n, crash_hits;
	eg_transport *t; /* the partner's, while it runs */
	const eg_pipeline_partner *pp;
	eg_pipeline_counts *c;
	uint64_t rng;    /* xorshift state for retry jitter */
	char problem[EG_ERRMSG_MAX]; /* the run's first failure */
	char day[9];     /* YYYYMMDD of o.now, for file ids */
	char month[8];   /* YYYY-MM, for the archive */
};

/* --- crash points (tests) ---------------------------------------------- */

static void
crash_point(eg_pipeline *pl, const char *name)
{
	if (!pl->crash_name[0] || strcmp(pl->crash_name, name) != 0)
		return;
	if (++pl->crash_hits < pl->crash_n)
		return;
	/* as abrupt as a power cut: no atexit, no flush, no unwinding */
	kill(getpid(), SIGKILL);
}

static void
note(eg_pipeline *pl, const char *fmt, ...) EG_PRINTF(2, 3);
static void
count_failure(eg_pipeline *pl, const char *fmt, ...) EG_PRINTF(2, 3);

/* A file (or an ack) the environment did not let us finish: counted,
 * retried next run; the first reason is kept for the run's record and
 * for the operator (eg_pipeline_problem). */
static void
count_failure(eg_pipeline *pl, const char *fmt, ...)
{
	va_list ap;

	pl->c->failed++;
	if (pl->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(pl->problem, sizeof(pl->problem), fmt, ap);
	va_end(ap);
}

const char *
eg_pipeline_problem(const eg_pipeline *pl)
{
	return pl->problem;
}

static void
note(eg_pipeline *pl, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!pl->o.note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pl->o.note(pl->o.note_ud, pl->pp ? pl->pp->profile->id : "-", msg);
}

eg_err
eg_pipeline_new(eg_pipeline **out, eg_ledger *l, const eg_pipeline_opts *o,
		eg_error *e)
{
	eg_pipeline *pl = calloc(1, sizeof(*pl));
	struct tm tm;

	*out = NULL;
	if (!pl)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	pl->l = l;
	pl->o = *o;
	if (!pl->o.batch)
		pl->o.batch = 64;
	{
		/* jitter only needs to differ between processes */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		pl->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			  ((uint64_t)getpid() << 40);
	}
	if (o->crash_at && o->crash_at[0]) {
		const char *colon = strchr(o->crash_at, ':');

		snprintf(pl->crash_name, sizeof(pl->crash_name), "%.*s",
			 colon ? (int)(colon - o->crash_at)
			       : (int)strlen(o->crash_at),
			 o->crash_at);
		pl->crash_n = colon ? (unsigned)strtoul(colon + 1, NULL, 10)
				    : 1;
	}
	gmtime_r(&o->now, &tm);
	strftime(pl->day, sizeof(pl->day), "%Y%m%d", &tm);
	strftime(pl->month, sizeof(pl->month), "%Y-%m", &tm);
	*out = pl;
	return EG_OK;
}

void
eg_pipeline_free(eg_pipeline *pl)
{
	free(pl);
}

/* --- spool paths ----------------------------------------------------------- */

static eg_err
spool_path(eg_pipeline *pl, char *dst, size_t cap, const char *rel,
	   eg_error *e)
{
	return eg_path(dst, cap, e, "%s/%s", pl->o.spool, rel);
}

/* Make the directory that will hold rel (a spool-relative file path). */
static eg_err
parent_dir(eg_pipeline *pl, const char *rel, char *dir, size_t cap,
	   eg_error *e)
{
	char *slash;
	eg_err rc = spool_path(pl, dir, cap, rel, e);

	if (rc)
		return rc;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return eg_mkdirs(dir, e);
}

/* ========================================================================
 * Stage 1: fetch into the spool and record as received.
 * ======================================================================== */

typedef struct fetch_sink {
	int fd;
	eg_sha256 *sha;
	uint64_t n;
	const char *path;
} fetch_sink;

static eg_err
sink_write(void *ud, const void *p, size_t n, eg_error *e)
{
	fetch_sink *s = ud;
	eg_err rc = eg_write_all(s->fd, p, n, s->path, e);

	if (!rc)
		rc = eg_sha256_update(s->sha, p, n, e);
	s->n += n;
	return rc;
}

/* Insert a file row; its id is made from the day and its row number. */
static eg_err
insert_file(eg_pipeline *pl, const char *source, const char *remote,
	    const char *name, uint64_t size, int64_t mtime, const char *sha,
	    const char *parent, const char *origin, const char *reprocess_of,
	    const char *post, char id[32], eg_error *e)
{
	int64_t n;
	eg_err rc;

	rc = eg_ledger_exec(pl->l, e,
			    "INSERT INTO files(id,partner,source,remote_path,"
			    "name,size,mtime,sha256,parent_id,origin_id,"
			    "reprocess_of,state,post_action,received_at,"
			    "spool_path) VALUES('new-'||hex(randomblob(8)),"
			    "?1,?2,?3,?4,?5,?6,?7,?8,'',?9,'received',?10,?11,"
			    "'')",
			    "tttti" "itttt" "i", pl->pp->profile->id, source,
			    remote, name, (int64_t)size, mtime, sha, parent,
			    reprocess_of, post, (int64_t)pl->o.now);
	if (rc)
		return rc;
	n = eg_ledger_last_rowid(pl->l);
	snprintf(id, 32, "%s-%06lld", pl->day, (long long)n);
	rc = eg_ledger_exec(pl->l, e,
			    "UPDATE files SET id=?1, origin_id=COALESCE(?2,?1),"
			    " spool_path='in/'||partner||'/'||?1 WHERE n=?3",
			    "tti", id, origin, n);
	if (!rc)
		rc = eg_ledger_exec(pl->l, e,
				    "INSERT INTO file_events(file_id,at,state,"
				    "note) VALUES(?1,?2,'received',?3)",
				    "tit", id, (int64_t)pl->o.now, source);
	return rc;
}

typedef struct fetched {
	char tmp[PATH_MAX];
	char sha[EG_SHA256_HEX];
	size_t idx; /* in the listing */
} fetched;

/* Record a batch of fetched files as received, and name their copies. */
static eg_err
receive_batch(eg_pipeline *pl, const eg_tlist *tl, fetched *fv, size_t nf,
	      eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	const char *post = p->after_action && strcmp(p->after_action, "leave")
			       ? "pending"
			       : "none";
	char id[32], dst[PATH_MAX], dir[PATH_MAX];
	size_t i;
	eg_err rc;

	if (nf == 0)
		return EG_OK;
	if ((rc = eg_path(dir, sizeof(dir), e, "%s/in/%s", pl->o.spool, p->id)))
		return rc;
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < nf; i++) {
		const eg_tfile *f = &tl->v[fv[i].idx];

		rc = insert_file(pl, pl->t->ops->name, f->path, f->name,
				 f->size, f->mtime, fv[i].sha, NULL, NULL,
				 NULL, post, id, e);
		if (!rc)
			rc = eg_path(dst, sizeof(dst), e, "%s/%s", dir, id);
		if (!rc && rename(fv[i].tmp, dst) != 0)
			rc = eg_fail(e, EG_EIO, "rename %s: %s", fv[i].tmp,
				     strerror(errno));
		if (!rc)
			note(pl, "received %s as %s (%llu bytes)", f->name, id,
			     (unsigned long long)f->size);
	}
	/* the copies' bytes and names are durable before the commit */
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	if (rc) {
		eg_ledger_rollback(pl->l);
		return rc;
	}
	pl->c->files += nf;
	crash_point(pl, "after-receive");
	return EG_OK;
}

/* Has this remote file (path, size, mtime) been taken before?  Not when
 * the file we took there was deleted or moved away by our clean-up: a
 * file at that path now is a new one, even with the same size and mtime
 * second (a resend of the same bytes is then a duplicate by SHA-256).
 * sha gets the content hash of the latest such pickup, for `leave` mode,
 * where a rewrite may keep size and mtime (pull compares the bytes).
 * A local mtime in nanoseconds (> 1e14) also matches a pickup recorded
 * in seconds, before mtimes had nanoseconds. */
static eg_err
seen_before(eg_pipeline *pl, const eg_tfile *f, int *seen,
	    char sha[EG_SHA256_HEX], eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	*seen = 0;
	sha[0] = '\0';
	rc = eg_ledger_query(pl->l, &q, e,
			     "SELECT sha256 FROM files WHERE partner=?1 AND "
			     "remote_path=?2 AND size=?3 AND (mtime=?4 OR "
			     "(?4>100000000000000 AND mtime=?4/1000000000)) "
			     "AND source=?5 AND post_action<>'done' "
			     "ORDER BY n DESC LIMIT 1",
			     "ttiit", pl->pp->profile->id, f->path,
			     (int64_t)f->size, f->mtime, pl->t->ops->name);
	if (rc)
		return rc;
	r = eg_ledger_step(pl->l, q, e);
	if (r == 1) {
		*seen = 1;
		snprintf(sha, EG_SHA256_HEX, "%s", eg_col_text(q, 0));
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

static eg_err
fetch_one(eg_pipeline *pl, const eg_tfile *f, fetched *out, eg_error *e)
{
	fetch_sink s;
	eg_err rc;
	char dir[PATH_MAX];

	if ((rc = eg_path(dir, sizeof(dir), e, "%s/in/%s", pl->o.spool,
			  pl->pp->profile->id)) ||
	    (rc = eg_mkdirs(dir, e)) ||
	    (rc = eg_path(out->tmp, sizeof(out->tmp), e, "%s/.fetch-XXXXXX",
			  dir)))
		return rc;
	memset(&s, 0, sizeof(s));
	s.fd = mkstemp(out->tmp);
	s.path = out->tmp;
	if (s.fd < 0)
		return eg_fail(e, EG_EIO, "%s: %s", out->tmp, strerror(errno));
	rc = eg_sha256_begin(&s.sha, e);
	if (!rc)
		rc = pl->t->ops->fetch(pl->t, f, sink_write, &s, e);
	/* no fsync here: receive_batch syncs the spool's file system once
	 * for the whole batch before the commit that records it */
	if (close(s.fd) != 0 && !rc)
		rc = eg_fail(e, EG_EIO, "%s: %s", out->tmp, strerror(errno));
	if (!rc) {
		rc = eg_sha256_end(s.sha, out->sha, e);
		s.sha = NULL;
	}
	eg_sha256_free(s.sha);
	if (rc)
		(void)unlink(out->tmp);
	else
		crash_point(pl, "after-fetch");
	return rc;
}

static eg_err
pull(eg_pipeline *pl, eg_error *e)
{
	const char *act = pl->pp->profile->after_action;
	int leave = !act || !strcmp(act, "leave");
	char taken[EG_SHA256_HEX];
	eg_tlist tl;
	fetched *fv;
	size_t i, nf = 0;
	eg_err rc;
	int seen;

	memset(&tl, 0, sizeof(tl));
	if ((rc = pl->t->ops->list(pl->t, &tl, e)))
		return rc;
	pl->c->waiting += tl.waiting;
	if (tl.waiting)
		note(pl, "%zu file(s) in the inbox are not complete yet",
		     tl.waiting);
	fv = calloc(pl->o.batch, sizeof(*fv));
	if (!fv) {
		eg_tlist_free(&tl);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	for (i = 0; !rc && i < tl.n; i++) {
		if ((rc = seen_before(pl, &tl.v[i], &seen, taken, e)))
			break;
		if (seen && !leave)
			continue;
		fv[nf].idx = i;
		rc = fetch_one(pl, &tl.v[i], &fv[nf], e);
		if (rc && eg_transport_transient(e)) {
			/* the session is gone: keep what was fetched, and let
			 * serve_partner try a new session */
			eg_error fe = *e;

			note(pl, "cannot fetch %s: %s", tl.v[i].name, e->msg);
			rc = receive_batch(pl, &tl, fv, nf, e);
			nf = 0;
			if (!rc) {
				*e = fe;
				rc = EG_EIO;
			}
			break;
		}
		if (rc) {
			/* this file only: it stays in the inbox for later */
			note(pl, "cannot fetch %s: %s", tl.v[i].name, e->msg);
			count_failure(pl, "cannot fetch %s: %s", tl.v[i].name,
				      e->msg);
			if (eg_err_severity(rc) != EG_SEV_ABORT) {
				eg_error_clear(e);
				rc = EG_OK;
			}
			continue;
		}
		if (seen && !strcmp(fv[nf].sha, taken)) {
			/* leave: the same bytes still there, taken before */
			(void)unlink(fv[nf].tmp);
			continue;
		}
		if (++nf == pl->o.batch) {
			rc = receive_batch(pl, &tl, fv, nf, e);
			nf = 0;
		}
	}
	if (!rc)
		rc = receive_batch(pl, &tl, fv, nf, e);
	else
		for (i = 0; i < nf; i++) /* a receive that failed */
			(void)unlink(fv[i].tmp);
	free(fv);
	eg_tlist_free(&tl);
	return rc;
}

/* ========================================================================
 * Stage 2: process a received file.
 * ======================================================================== */

typedef struct fctx {
	eg_pipeline *pl;
	eg_ledger *l;
	const eg_profile *p;
	char id[32], origin[32], name[256], sha[EG_SHA256_HEX];
	char path[PATH_MAX];  /* the spool copy */
	char work[PATH_MAX];  /* spool/work/<id>, the prefix of its staged
			       * files: <id>.records.jsonl, <id>.ack-1... */
	char workrel[64];     /* work/<id> */
	int seg_fd;           /* the copy, for segment text in findings */
	char seg_term;
	int dup_file;         /* same bytes seen before: ack only */
	int forced;           /* reprocess --force */
	char dup_of[32];
	/* records, streamed to work/<id>/records.jsonl */
	int rec_fd;
	uint64_t rec_flushed;
	eg_buf recbuf;
	uint64_t mark_ichg, mark_grp;
	uint32_t cur_ichg;
	char cur_gs06[10];
	int ichg_open, grp_open;
	/* control numbers seen before (dedupe.h): the open interchange's and
	 * group's, and what their sets were judged */
	eg_dedupe *dd;
	int dd_past;          /* a person let the file past this check */
	eg_dd_unit dd_ichg, dd_grp;
	eg_dd_tally ichg_t, grp_t;
	int set_skip;         /* the open set gives no record */
	char resend_of[32];   /* a corrected resend of this rejected file */
	int ack_quiet;        /* the open interchange gets no ack */
	int64_t ack_seq;      /* the interchange being acknowledged */
	unsigned grp_flipped; /* sets refused after syntax, told rejected */
	/* the transaction set being decided */
	int64_t txn_id;
	const char *txn_status; /* set by on_record for key conflicts */
	char txn_dup_of[32];
	char txn_key[160];
	unsigned long txn_records;
	/* what the set is to us (setkind.h), decided at its end */
	int txn_noguide;
	eg_set_kind txn_kind;
	char txn_why[300];
	unsigned grp_refused;   /* sets of the open group we refused */
	unsigned ichg_groups;   /* groups of the open interchange that are
				 * not acknowledgements */
	/* the open interchange's sender is another partner's: refused at
	 * the identity check, nothing of ours runs on it, no ack */
	char misrouted_to[80];
	char misrouted_last[80]; /* for the report, after the interchange */
	unsigned long misrouted, unsupported;
	/* totals */
	unsigned long accepted, rejected, duplicates, changed, records;
	unsigned long ack_only, acks_in; /* of accepted: no record made */
	unsigned long findings, kept_findings, max_findings, errors;
	unsigned nacks;
	unsigned held_acks;   /* acks addressed elsewhere: quarantined */
	int file_rejected;    /* a file-level finding (not X12, limits) */
	int unread;           /* the reader stopped before the end */
	uint64_t unread_at;   /* ... at this offset */
	eg_mapper *mapper;
	eg_ack *ack;
	/* first environment error inside a callback */
	eg_err rc;
	eg_error err;
} fctx;

static void
fc_fail(fctx *fc, eg_err rc, const eg_error *e)
{
	if (!fc->rc) {
		fc->rc = rc;
		if (e)
			fc->err = *e;
	}
}

/* --- records file with marks ------------------------------------------- */

static eg_err
rec_flush(fctx *fc, eg_error *e)
{
	eg_err rc;

	if (!fc->recbuf.len)
		return EG_OK;
	if (fc->rec_fd < 0) { /* opened when the first records are written */
		char path[PATH_MAX];

		if ((rc = eg_path(path, sizeof(path), e, "%s.records.jsonl",
				  fc->work)))
			return rc;
		fc->rec_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0640);
		if (fc->rec_fd < 0)
			return eg_fail(e, EG_EIO, "%s: %s", path,
				       strerror(errno));
	}
	rc = eg_write_all(fc->rec_fd, fc->recbuf.data, fc->recbuf.len,
			  "records", e);
	fc->rec_flushed += fc->recbuf.len;
	eg_buf_reset(&fc->recbuf);
	return rc;
}

static uint64_t
rec_len(const fctx *fc)
{
	return fc->rec_flushed + fc->recbuf.len;
}

/* Take back every record written after mark (a unit ended rejected). */
static eg_err
rec_truncate(fctx *fc, uint64_t mark, eg_error *e)
{
	if (mark >= fc->rec_flushed) {
		fc->recbuf.len = (size_t)(mark - fc->rec_flushed);
		if (fc->recbuf.data)
			fc->recbuf.data[fc->recbuf.len] = '\0';
		return EG_OK;
	}
	eg_buf_reset(&fc->recbuf);
	if (ftruncate(fc->rec_fd, (off_t)mark) != 0 ||
	    lseek(fc->rec_fd, (off_t)mark, SEEK_SET) < 0)
		return eg_fail(e, EG_EIO, "records: %s", strerror(errno));
	fc->rec_flushed = mark;
	return EG_OK;
}

/* --- findings ------------------------------------------------------------- */

static const char *
level_str(eg_level l)
{
	static const char *const s[] = {"file",        "interchange",
					"group",       "transaction",
					"segment",     "element"};

	return (unsigned)l < 6 ? s[l] : "?";
}

static const char *
sev_str(eg_find_sev s)
{
	return s == EG_FIND_ERROR ? "error"
	       : s == EG_FIND_WARNING ? "warning" : "note";
}

/* The segment's own text, for the reject report (at most 200 bytes). */
static void
segment_text(const fctx *fc, const eg_finding *f, char *dst, size_t cap)
{
	char buf[201];
	ssize_t n;
	size_t i, k = 0;

	dst[0] = '\0';
	if (fc->seg_fd < 0 || !f->pos.seg_id[0])
		return;
	n = pread(fc->seg_fd, buf, sizeof(buf) - 1, (off_t)f->pos.offset);
	if (n <= 0)
		return;
	for (i = 0; i < (size_t)n && k + 1 < cap; i++) {
		char c = buf[i];

		if (c == fc->seg_term || c == '\n' || c == '\r')
			break;
		dst[k++] = (c >= 32 && c < 127) ? c : '?';
	}
	dst[k] = '\0';
}

static eg_err
keep_finding(fctx *fc, const eg_finding *f, eg_error *e)
{
	char seg[201];

	fc->findings++;
	if (f->severity == EG_FIND_ERROR)
		fc->errors++;
	if (fc->kept_findings >= fc->max_findings)
		return EG_OK;
	fc->kept_findings++;
	segment_text(fc, f, seg, sizeof(seg));
	return eg_ledger_exec(
	    fc->l, e,
	    "INSERT INTO findings(file_id,level,severity,code,rule,message,"
	    "offset,segment,seg_id,element,isa13,gs06,st02,segment_text) "
	    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
	    "tttttt" "iiti" "tttt", fc->id, level_str(f->level),
	    sev_str(f->severity), f->code, f->rule, f->msg,
	    (int64_t)f->pos.offset, (int64_t)f->pos.segment, f->pos.seg_id,
	    (int64_t)f->pos.element, f->ctl.isa13, f->ctl.gs06, f->ctl.st02,
	    seg);
}

/* A finding the pipeline itself makes (duplicates, limits, syntax). */
static void
own_finding(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	    const char *fmt, ...) EG_PRINTF(5, 6);

static void
own_finding(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	    const char *fmt, ...)
{
	eg_finding f;
	eg_error e;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, lvl, EG_FIND_ERROR, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (ctl)
		f.ctl = *ctl;
	eg_error_clear(&e);
	if (keep_finding(fc, &f, &e))
		fc_fail(fc, e.code, &e);
}

/* ... and a note (kept, not an error). */
static void
own_note(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	 const char *fmt, ...) EG_PRINTF(5, 6);

static void
own_note(fctx *fc, eg_level lvl, const eg_x12_ctl *ctl, const char *rule,
	 const char *fmt, ...)
{
	eg_finding f;
	eg_error e;
	va_list ap;

	va_start(ap, fmt);
	eg_finding_vinit(&f, lvl, EG_FIND_NOTE, NULL, NULL, rule, fmt, ap);
	va_end(ap);
	if (ctl)
		f.ctl = *ctl;
	eg_error_clear(&e);
	if (keep_finding(fc, &f, &e))
		fc_fail(fc, e.code, &e);
}

/*
 * The interchange's sender belongs to another partner (24.6): it is
 * refused at the identity check.  Its segments reach no map and no rule
 * of this partner, and no acknowledgement is sent for it: one addressed
 * to the other partner's id is held in the quarantine (emit_ack).
 */
static void
misrouted(fctx *fc, const eg_finding *f)
{
	const eg_envelope_expect *x = fc->pl->pp->expect;
	const char *owner = x && x->owner ? x->owner(x->owner_ud,
						     f->ctl.sender_q,
						     f->ctl.sender)
					  : NULL;

	if (!owner || !owner[0])
		return; /* nobody's: a TA1 R tells the sender */
	snprintf(fc->misrouted_to, sizeof(fc->misrouted_to), "%s", owner);
	snprintf(fc->misrouted_last, sizeof(fc->misrouted_last), "%s", owner);
	fc->misrouted++;
}

static void
on_finding(void *ud, const eg_finding *f)
{
	fctx *fc = ud;
	eg_error e;
	int reader = f->rule && !strcmp(f->rule, "reader");

	if (reader && !fc->unread) {
		fc->unread = 1;
		fc->unread_at = f->pos.offset;
	}
	if (f->level == EG_LVL_TRANSACTION && f->rule &&
	    !strcmp(f->rule, "no-guide"))
		fc->txn_noguide = 1;
	if (f->rule && !strcmp(f->rule, "sender-not-partner"))
		misrouted(fc, f);
	/* past the identity check nothing of a misrouted interchange is
	 * looked at: its findings would be about another partner's file */
	if (fc->misrouted_to[0] && f->level >= EG_LVL_GROUP)
		return;
	/* a reader error outside any interchange has no envelope to
	 * answer: the interchanges after it are answered one by one
	 * (reject_unread); a received 997/999 is never acknowledged
	 * (ackin.h) */
	if (fc->ack && !(reader && !f->ctl.isa13[0]) &&
	    !(f->level >= EG_LVL_GROUP && !strcmp(f->ctl.gs01, "FA")))
		eg_ack_events(fc->ack)->finding(eg_ack_events(fc->ack)->ud, f);
	eg_error_clear(&e);
	if (keep_finding(fc, f, &e))
		fc_fail(fc, e.code, &e);
}

/* Mapping and rule findings: kept, not acknowledged (the 997 answers
 * syntax and the guide only). */
static void
on_map_finding(void *ud, const eg_finding *f)
{
	fctx *fc = ud;
	eg_error e;

	eg_error_clear(&e);
	if (keep_finding(fc, f, &e))
		fc_fail(fc, e.code, &e);
}

/* --- control numbers seen before (dedupe.c) ------------------------------ */

/* An interchange begins (at its first unit): what earlier files carried
 * its number, and whether its acknowledgement was sent already by an
 * earlier file of this file's reprocess chain (then it is not sent
 * again, unless the profile asks). */
static void
enter_interchange(fctx *fc, const eg_x12_ctl *ctl)
{
	eg_error e;
	eg_err rc = EG_OK;
	int acked = 0;

	eg_error_clear(&e);
	fc->ichg_open = 1;
	fc->grp_open = 0;
	fc->cur_ichg = ctl->interchange;
	fc->mark_ichg = rec_len(fc);
	fc->ack_quiet = 0;
	memset(&fc->ichg_t, 0, sizeof(fc->ichg_t));
	memset(&fc->dd_ichg, 0, sizeof(fc->dd_ichg));
	if (!fc->dup_file && !fc->dd_past && ctl->isa13[0])
		rc = eg_dedupe_unit(fc->l, &fc->dd_ichg, 0, ctl->sender,
				    ctl->receiver, ctl->isa13, fc->p,
				    fc->pl->o.now, fc->id, fc->origin,
				    (int64_t)ctl->interchange, &e);
	if (!rc && strcmp(fc->origin, fc->id) && !fc->p->ack_release_again &&
	    ctl->isa13[0])
		rc = eg_ledger_chain_acked(fc->l, fc->origin, fc->id,
					   ctl->sender, ctl->receiver,
					   ctl->isa13, &acked, &e);
	fc->ack_quiet = acked;
	if (!rc && acked)
		note(fc->pl, "%s: interchange %s was acknowledged before (file "
			     "%s's chain): not acknowledged again",
		     fc->id, ctl->isa13, fc->origin);
	if (rc)
		fc_fail(fc, rc, &e);
}

/* A group begins (at its first set): its number is asked about only
 * when the interchange's was not seen before. */
static void
enter_group(fctx *fc, const eg_x12_ctl *ctl)
{
	eg_error e;
	eg_err rc = EG_OK;

	eg_error_clear(&e);
	fc->grp_open = 1;
	snprintf(fc->cur_gs06, sizeof(fc->cur_gs06), "%s", ctl->gs06);
	fc->mark_grp = rec_len(fc);
	fc->grp_flipped = 0;
	memset(&fc->grp_t, 0, sizeof(fc->grp_t));
	memset(&fc->dd_grp, 0, sizeof(fc->dd_grp));
	if (!fc->dup_file && !fc->dd_past && !fc->dd_ichg.past.seen &&
	    ctl->gs06[0])
		rc = eg_dedupe_unit(fc->l, &fc->dd_grp, 1, ctl->gs_sender,
				    ctl->gs_receiver, ctl->gs06, fc->p,
				    fc->pl->o.now, fc->id, fc->origin,
				    (int64_t)ctl->interchange, &e);
	if (rc)
		fc_fail(fc, rc, &e);
}

static void
enter_units(fctx *fc, const eg_x12_ctl *ctl)
{
	if (!fc->ichg_open || fc->cur_ichg != ctl->interchange)
		enter_interchange(fc, ctl);
	if (!fc->grp_open || strcmp(fc->cur_gs06, ctl->gs06))
		enter_group(fc, ctl);
}

/* The findings that say what a unit's reused number was judged. */
static void
unit_findings(fctx *fc, const eg_x12_ctl *ctl, const eg_dd_tally *t,
	      const eg_dd_unit *u, const char *status)
{
	eg_level lvl = u->key.group ? EG_LVL_GROUP : EG_LVL_INTERCHANGE;
	char what[120];

	if (!u->past.seen)
		return;
	if (u->key.group)
		snprintf(what, sizeof(what), "group %s from %s to %s",
			 ctl->gs06, ctl->gs_sender, ctl->gs_receiver);
	else
		snprintf(what, sizeof(what), "interchange %s from %s to %s",
			 ctl->isa13, ctl->sender, ctl->receiver);
	if (!strcmp(status, "duplicate"))
		own_finding(fc, lvl, ctl,
			    u->key.group ? "duplicate-group"
					 : "duplicate-interchange",
			    "%s was received before in file %s (within the "
			    "%lld-day window): not processed again",
			    what, t->dup_of[0] ? t->dup_of : u->past.first,
			    fc->p->dup_window / 86400);
	else if (t->held)
		own_finding(fc, lvl, ctl, "control-number-reuse",
			    "%s was received before in file %s, with other "
			    "content: held as a suspected control-number "
			    "reuse, not processed and not acknowledged; "
			    "`quarantine release` processes it as new, "
			    "`quarantine discard` gives it up",
			    what, t->held_of);
	else if (t->resend)
		own_note(fc, lvl, ctl, "corrected-resend",
			 "%s came before in file %s, which was rejected "
			 "wholly or in part: processed as its corrected "
			 "resend", what, t->other_of);
	else if (t->reuse_new)
		own_note(fc, lvl, ctl, "control-number-reuse",
			 "%s was received before in file %s, with other "
			 "content: processed as new (the profile's "
			 "control-reuse=\"accept\")", what, t->other_of);
}

/* --- records and business keys --------------------------------------------- */

/* A WarehouseOrder's lines, for the rules of later answers (945, 856). */
static eg_err
keep_ref_lines(eg_ledger *l, int64_t txn_id, const char *set,
	       const eg_rnode *rec, eg_error *e)
{
	eg_ref_doc d;
	size_t i;
	eg_err rc;

	if (strcmp(rec->name, "WarehouseOrder") != 0)
		return EG_OK;
	if ((rc = eg_ref_doc_read(&d, set, rec)))
		return eg_fail(e, rc, "cannot keep the order lines: %s",
			       eg_err_str(rc));
	for (i = 0; !rc && i < d.nlines; i++) {
		const eg_ref_line *ln = &d.lines[i];

		rc = eg_ledger_exec(l, e,
				    "INSERT INTO ref_lines(txn_id,line_number,"
				    "gtin,sku,buyer_part,quantity,uom) "
				    "VALUES(?1,?2,?3,?4,?5,?6,?7)",
				    "itttttt", txn_id, ln->line_number,
				    ln->gtin, ln->sku, ln->buyer_part,
				    ln->quantity, ln->uom);
	}
	eg_ref_doc_clear(&d);
	return rc;
}

/*
 * The record's business keys against the ledger.  The first key is the
 * document's identity (BSN02, W05, W06, BEG03): seen before in another
 * file (not one of our reprocess chain) makes this a duplicate or a
 * change, per the profile.  Every key is remembered, first seen wins.
 */
static eg_err
check_keys(fctx *fc, const char *set, const eg_rnode *rec, int *write,
	   eg_error *e)
{
	const eg_rnode *corr = eg_rnode_child(rec, "correlation"), *k;
	int first = 1;
	eg_err rc = EG_OK;

	*write = 1;
	for (k = eg_rnode_child(corr, "key"); !rc && k;
	     k = eg_rnode_next_same(k), first = 0) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");
		eg_stmt *st;
		int r;
		char file[32] = "", origin[32] = "";
		int64_t txn = 0;

		if (!name || !value)
			continue;
		rc = eg_ledger_query(fc->l, &st, e,
				     "SELECT b.file_id, f.origin_id, b.txn_id "
				     "FROM business_keys b LEFT JOIN files f "
				     "ON f.id=b.file_id WHERE b.partner=?1 AND "
				     "b.set_id=?2 AND b.name=?3 AND b.value=?4",
				     "tttt", fc->p->id, set, name, value);
		if (rc)
			break;
		r = eg_ledger_step(fc->l, st, e);
		if (r == 1) {
			snprintf(file, sizeof(file), "%s", eg_col_text(st, 0));
			snprintf(origin, sizeof(origin), "%s",
				 eg_col_text(st, 1));
			txn = eg_col_int(st, 2);
		}
		eg_ledger_done(st);
		if (r < 0)
			return e->code;
		if (first)
			snprintf(fc->txn_key, sizeof(fc->txn_key), "%s=%s",
				 name, value);
		if (r == 1 && first && txn != fc->txn_id &&
		    strcmp(origin, fc->origin) == 0 && strcmp(file, fc->id)) {
			/* an earlier run of this very document (released or
			 * reprocessed): what it delivered is not sent again,
			 * unless forced -- then it supersedes, as a change */
			snprintf(fc->txn_dup_of, sizeof(fc->txn_dup_of), "%s",
				 file);
			fc->txn_status = fc->forced ? "change" : "duplicate";
			*write = fc->forced;
		} else if (r == 1 && first && txn != fc->txn_id) {
			const char *pol = fc->p->dup_business;

			snprintf(fc->txn_dup_of, sizeof(fc->txn_dup_of), "%s",
				 file);
			if (!strcmp(pol, "change")) {
				fc->txn_status = "change";
			} else if (!strcmp(pol, "reject")) {
				fc->txn_status = "rejected";
				own_finding(fc, EG_LVL_TRANSACTION, NULL,
					    "duplicate-business-key",
					    "%s %s '%s' was first received in "
					    "file %s: the profile rejects a "
					    "repeat", set, name, value, file);
				*write = 0;
			} else {
				fc->txn_status = "duplicate";
				*write = 0;
			}
			note(fc->pl, "%s: %s %s '%s' seen before in %s (%s)",
			     fc->id, set, name, value, file, fc->txn_status);
		}
		if (r == 0 && *write)
			rc = eg_ledger_exec(
			    fc->l, e,
			    "INSERT INTO business_keys(partner,set_id,name,"
			    "value,file_id,txn_id,first_seen) "
			    "VALUES(?1,?2,?3,?4,?5,?6,?7)",
			    "ttttt" "ii", fc->p->id, set, name, value, fc->id,
			    fc->txn_id, (int64_t)fc->pl->o.now);
	}
	return rc;
}

static eg_err
on_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	fctx *fc = ud;
	const char *set = eg_rnode_text(rec, "correlation/transaction/setId");
	int write = 1;
	eg_err rc;

	if (fc->set_skip || fc->dup_file)
		return EG_OK; /* came before, or held: nothing goes out */
	if ((rc = check_keys(fc, set ? set : "", rec, &write, e)))
		return rc;
	if (!write)
		return EG_OK;
	if ((rc = keep_ref_lines(fc->l, fc->txn_id, set ? set : "", rec, e)))
		return rc;
	if ((rc = eg_record_write_json(&fc->recbuf, rec)))
		return eg_fail(e, rc, "cannot write the record: %s",
			       eg_err_str(rc));
	fc->txn_records++;
	if (fc->recbuf.len >= REC_FLUSH)
		return rec_flush(fc, e);
	return EG_OK;
}

/* --- units ------------------------------------------------------------------ */

/* Judge the set that just ended against earlier deliveries under its
 * numbers (its digest is kept with its status, in end_txn). */
static eg_err
judge_set(fctx *fc, const eg_unit_result *u, eg_dd_verdict *v, char of[32],
	  const char **digest, const char **key, eg_error *e)
{
	const eg_dd_unit *unit = fc->dd_ichg.past.seen ? &fc->dd_ichg
							 : &fc->dd_grp;
	eg_err rc;

	*v = EG_DD_NEW;
	of[0] = '\0';
	if ((rc = eg_dedupe_set_end(fc->dd, digest, key, e)))
		return rc;
	if (u->outcome == EG_REJECTED || fc->dup_file)
		return EG_OK;
	return eg_dedupe_judge(fc->l, unit, *digest, fc->p, v, of, e);
}

static void
end_txn(fctx *fc, const eg_unit_result *u, eg_unit_result *told)
{
	eg_mapper_counts before, after;
	const char *status, *key = "", *digest = "";
	eg_dd_verdict v = EG_DD_NEW;
	char of[32] = "";
	eg_error e;
	eg_err rc;

	eg_error_clear(&e);
	enter_units(fc, &u->ctl);
	if (fc->rc)
		return;
	rc = eg_ledger_exec(fc->l, &e,
			    "INSERT INTO transactions(file_id,isa13,gs06,st01,"
			    "st02,status) VALUES(?1,?2,?3,?4,?5,'pending')",
			    "ttttt", fc->id, u->ctl.isa13, u->ctl.gs06,
			    u->ctl.st01, u->ctl.st02);
	if (!rc) {
		fc->txn_id = eg_ledger_last_rowid(fc->l);
		rc = judge_set(fc, u, &v, of, &digest, &key, &e);
	}
	if (rc) {
		fc_fail(fc, rc, &e);
		return;
	}
	fc->set_skip = v == EG_DD_DUPLICATE || v == EG_DD_HELD;
	if (v == EG_DD_RESEND && !fc->resend_of[0])
		snprintf(fc->resend_of, sizeof(fc->resend_of), "%s", of);
	eg_dd_tally_add(&fc->ichg_t, v, of);
	eg_dd_tally_add(&fc->grp_t, v, of);
	fc->txn_status = NULL;
	fc->txn_dup_of[0] = '\0';
	fc->txn_key[0] = '\0';
	fc->txn_records = 0;
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (fc->mapper) {
		eg_unit_result mu = *u;

		/* an acknowledgement-only set makes no record */
		if (fc->txn_kind == EG_SET_ACK_ONLY ||
		    fc->txn_kind == EG_SET_ACK_IN)
			mu.outcome = EG_REJECTED;
		eg_mapper_counts_get(fc->mapper, &before);
		eg_mapper_unit_end(fc->mapper, &mu);
		eg_mapper_counts_get(fc->mapper, &after);
		if ((rc = eg_mapper_error(fc->mapper, &e))) {
			fc_fail(fc, rc, &e);
			return;
		}
	}
	if (u->outcome == EG_REJECTED || after.rejected > before.rejected)
		status = "rejected";
	else if (fc->dup_file || v == EG_DD_DUPLICATE)
		status = "duplicate";
	else if (v == EG_DD_HELD)
		status = "held";
	else if (fc->txn_status)
		status = fc->txn_status;
	else
		status = eg_set_kind_status(fc->txn_kind);
	if (fc->txn_kind == EG_SET_UNSUPPORTED)
		own_finding(fc, EG_LVL_TRANSACTION, &u->ctl, "not-supported",
			    "%s", fc->txn_why);
	if (fc->txn_kind == EG_SET_ACK_IN && strcmp(status, "rejected") &&
	    strcmp(status, "duplicate"))
		fc->acks_in++;
	if (!strcmp(status, "rejected") || !strcmp(status, "held"))
		fc->rejected++;
	else if (!strcmp(status, "duplicate"))
		fc->duplicates++;
	else
		fc->accepted++;
	if (!strcmp(status, "change"))
		fc->changed++;
	/* a set refused after syntax, told so in the 997/999 when the
	 * profile says after-syntax="reject" */
	if (!strcmp(status, "rejected") && u->outcome != EG_REJECTED &&
	    fc->p->ack_after_syntax_reject) {
		told->outcome = EG_REJECTED;
		fc->grp_flipped++;
	}
	fc->records += fc->txn_records;
	/* a set that gave no record is still named by its key, read from
	 * its segments, so `files --key` finds it (not remembered as
	 * delivered: business_keys holds delivered documents only) */
	if (!fc->txn_key[0] && key[0])
		snprintf(fc->txn_key, sizeof(fc->txn_key), "%s", key);
	rc = eg_ledger_exec(fc->l, &e,
			    "UPDATE transactions SET status=?1, "
			    "business_key=?2, duplicate_of=?3, records=?4, "
			    "digest=?6, ichg_seq=?7 WHERE id=?5",
			    "tttii" "ti", status,
			    fc->txn_key[0] ? fc->txn_key : NULL,
			    fc->dup_file		    ? fc->dup_of
			    : fc->set_skip		    ? of
			    : fc->txn_dup_of[0] ? fc->txn_dup_of
						    : NULL,
			    (int64_t)fc->txn_records, fc->txn_id,
			    digest[0] ? digest : NULL,
			    (int64_t)u->ctl.interchange);
	fc->set_skip = 0;
	if (rc)
		fc_fail(fc, rc, &e);
}

/* A group or interchange ended rejected after some of its sets were
 * accepted: take their records and keys back. */
static eg_err
undo_units(fctx *fc, uint64_t mark, const char *isa13, const char *gs06,
	   eg_error *e)
{
	eg_err rc = rec_truncate(fc, mark, e);
	int64_t undone = 0, records = 0;

	if (!rc)
		rc = eg_ledger_int(fc->l, &undone, 0, e,
				   "SELECT count(*) FROM transactions WHERE "
				   "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
				   "gs06=?3) AND status NOT IN ('rejected', "
				   "'duplicate','held')",
				   "ttt", fc->id, isa13, gs06);
	if (!rc)
		rc = eg_ledger_int(fc->l, &records, 0, e,
				   "SELECT sum(records) FROM transactions WHERE "
				   "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
				   "gs06=?3)",
				   "ttt", fc->id, isa13, gs06);
	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "DELETE FROM ref_lines WHERE txn_id IN "
				    "(SELECT id FROM transactions WHERE "
				    "file_id=?1 AND isa13=?2 AND (?3 IS NULL OR "
				    "gs06=?3))",
				    "ttt", fc->id, isa13, gs06);
	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "DELETE FROM business_keys WHERE file_id=?1 "
				    "AND txn_id IN (SELECT id FROM transactions "
				    "WHERE file_id=?1 AND isa13=?2 AND (?3 IS "
				    "NULL OR gs06=?3))",
				    "ttt", fc->id, isa13, gs06);
	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "UPDATE transactions SET status='rejected', "
				    "records=0 WHERE file_id=?1 AND isa13=?2 AND "
				    "(?3 IS NULL OR gs06=?3) AND "
				    "status NOT IN ('duplicate','held')",
				    "ttt", fc->id, isa13, gs06);
	if (!rc && undone > 0) {
		fc->accepted -= (unsigned long)undone;
		fc->rejected += (unsigned long)undone;
	}
	if (!rc && records > 0)
		fc->records -= (unsigned long)records;
	return rc;
}

static void
end_group(fctx *fc, const eg_unit_result *u, eg_unit_result *told)
{
	eg_error e;
	eg_err rc = EG_OK;
	int rejected = u->outcome == EG_REJECTED;
	int ours = fc->grp_open && fc->cur_ichg == u->ctl.interchange &&
		   !strcmp(fc->cur_gs06, u->ctl.gs06);
	const char *status;

	eg_error_clear(&e);
	if (!ours) { /* a group without sets */
		memset(&fc->grp_t, 0, sizeof(fc->grp_t));
		memset(&fc->dd_grp, 0, sizeof(fc->dd_grp));
		fc->grp_flipped = 0;
	}
	if (fc->mapper)
		eg_mapper_unit_end(fc->mapper, u);
	if (rejected && ours)
		rc = undo_units(fc, fc->mark_grp, u->ctl.isa13, u->ctl.gs06,
				&e);
	status = eg_dd_unit_status(&fc->grp_t, rejected, fc->dd_grp.past.seen,
				   fc->dup_file);
	if (!rc)
		rc = eg_ledger_exec(fc->l, &e,
				    "INSERT INTO groups(file_id,isa13,gs01,gs02,"
				    "gs03,gs06,gs08,status,duplicate_of) "
				    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
				    "ttttttttt", fc->id, u->ctl.isa13,
				    u->ctl.gs01, u->ctl.gs_sender,
				    u->ctl.gs_receiver, u->ctl.gs06,
				    u->ctl.gs08, status,
				    !strcmp(status, "duplicate") &&
					    fc->grp_t.dup_of[0]
					? fc->grp_t.dup_of
				    : !strcmp(status, "held") ? fc->grp_t.held_of
							      : NULL);
	if (!rc)
		unit_findings(fc, &u->ctl, &fc->grp_t, &fc->dd_grp, status);
	/* sets refused after syntax and told rejected: the AK9 counts them */
	if (!rejected && fc->grp_flipped) {
		told->accepted = told->accepted > fc->grp_flipped
				     ? told->accepted - fc->grp_flipped
				     : 0;
		told->outcome = told->accepted ? EG_PARTIAL : EG_REJECTED;
	}
	fc->grp_flipped = 0;
	fc->grp_open = 0;
	if (rc)
		fc_fail(fc, rc, &e);
}

static void
end_interchange(fctx *fc, const eg_unit_result *u)
{
	eg_error e;
	eg_err rc = EG_OK;
	int rejected = u->outcome == EG_REJECTED;
	const char *status;

	eg_error_clear(&e);
	if (fc->mapper)
		eg_mapper_unit_end(fc->mapper, u);
	if (rejected)
		rc = undo_units(fc, fc->mark_ichg, u->ctl.isa13, NULL, &e);
	if (!rc && rejected && u->count == 0)
		fc->file_rejected = 1; /* nothing inside to count */
	status = eg_dd_unit_status(&fc->ichg_t, rejected,
				   fc->dd_ichg.past.seen, fc->dup_file);
	if (!rc && !rejected && u->count == 0 &&
	    strcmp(status, "duplicate") && strcmp(status, "held"))
		fc->acks_in++; /* no group: TA1s only (ackin.h) */
	if (!rc)
		rc = eg_ledger_exec(fc->l, &e,
				    "INSERT INTO interchanges(file_id,seq,"
				    "sender_q,sender,receiver_q,receiver,isa13,"
				    "at,status,duplicate_of) VALUES(?1,?2,?3,"
				    "?4,?5,?6,?7,?8,?9,?10)",
				    "tittttt" "itt", fc->id,
				    (int64_t)u->ctl.interchange,
				    u->ctl.sender_q, u->ctl.sender,
				    u->ctl.receiver_q, u->ctl.receiver,
				    u->ctl.isa13, (int64_t)fc->pl->o.now,
				    status,
				    !strcmp(status, "duplicate")
					? (fc->ichg_t.dup_of[0]
					       ? fc->ichg_t.dup_of
					       : fc->dd_ichg.past.seen
						     ? fc->dd_ichg.past.first
						     : NULL)
				    : !strcmp(status, "held") ? fc->ichg_t.held_of
							      : NULL);
	if (!rc)
		unit_findings(fc, &u->ctl, &fc->ichg_t, &fc->dd_ichg, status);
	/* a held interchange is not acknowledged: a person decides first */
	if (fc->ichg_t.held)
		fc->ack_quiet = 1;
	fc->ack_seq = (int64_t)u->ctl.interchange;
	fc->ichg_open = 0;
	if (rc)
		fc_fail(fc, rc, &e);
}

/*
 * Before a set is acknowledged or mapped: what is it to us (setkind.h)?
 * A set nothing can process is answered "not supported" (AK502/IK502
 * code 1) and counted rejected, never accepted.
 */
static void
set_policy(fctx *fc, eg_unit_result *v)
{
	eg_finding f;
	eg_error e;
	eg_err rc;

	if (fc->misrouted_to[0]) {
		/* refused at the identity check: not looked at further */
		fc->txn_kind = EG_SET_PROCESS;
		fc->txn_noguide = 0;
		return;
	}
	eg_error_clear(&e);
	rc = eg_set_kind_of(fc->p, fc->dup_file ? NULL : fc->pl->o.maps,
			    &v->ctl, fc->txn_noguide, &fc->txn_kind,
			    fc->txn_why, sizeof(fc->txn_why), &e);
	fc->txn_noguide = 0;
	if (rc) {
		fc_fail(fc, rc, &e);
		return;
	}
	if (fc->txn_kind != EG_SET_UNSUPPORTED || v->outcome == EG_REJECTED)
		return;
	v->outcome = EG_REJECTED;
	fc->grp_refused++;
	fc->unsupported++;
	if (!fc->ack)
		return;
	memset(&f, 0, sizeof(f));
	f.level = EG_LVL_TRANSACTION;
	f.severity = EG_FIND_ERROR;
	f.code = "1"; /* 718 / 618: Transaction Set Not Supported */
	f.rule = "not-supported";
	f.ctl = v->ctl;
	snprintf(f.msg, sizeof(f.msg), "%s", fc->txn_why);
	eg_ack_events(fc->ack)->finding(eg_ack_events(fc->ack)->ud, &f);
}

/* A group whose sets we refused says so in its AK9 (P or R). */
static void
group_policy(fctx *fc, eg_unit_result *v)
{
	if (strcmp(v->ctl.gs01, "FA") != 0)
		fc->ichg_groups++;
	if (fc->grp_refused && v->outcome != EG_REJECTED) {
		v->accepted = v->accepted > fc->grp_refused
				  ? v->accepted - fc->grp_refused : 0;
		v->outcome = v->accepted ? EG_PARTIAL : EG_REJECTED;
	}
	fc->grp_refused = 0;
}


/* The pipeline decides each unit first (records, dedupe, status); the
 * acknowledgement then hears the outcome it is to tell, which differs
 * from the syntax outcome only for sets refused after syntax when the
 * profile says after-syntax="reject". */
static void
on_unit(void *ud, const eg_unit_result *u)
{
	fctx *fc = ud;
	eg_unit_result v = *u, told;
	int to_ack = fc->ack != NULL;

	if (fc->rc)
		return;
	if (!fc->ichg_open || fc->cur_ichg != u->ctl.interchange)
		enter_interchange(fc, &u->ctl);
	/* another partner's interchange: every unit in it is refused */
	if (fc->misrouted_to[0])
		v.outcome = EG_REJECTED;
	if (u->level == EG_LVL_TRANSACTION) {
		set_policy(fc, &v);
		to_ack = to_ack && fc->txn_kind != EG_SET_ACK_IN;
	} else if (u->level == EG_LVL_GROUP) {
		group_policy(fc, &v);
		to_ack = to_ack && strcmp(v.ctl.gs01, "FA") != 0;
	} else if (u->level == EG_LVL_INTERCHANGE) {
		/* an interchange of acknowledgements only: no TA1 unless
		 * its envelope is refused (ackin.h) */
		if (!fc->ichg_groups && v.outcome != EG_REJECTED)
			v.ctl.ack_requested = '0';
		fc->ichg_groups = 0;
	}
	told = v;
	if (v.level == EG_LVL_TRANSACTION)
		end_txn(fc, &v, &told);
	else if (v.level == EG_LVL_GROUP)
		end_group(fc, &v, &told);
	else if (v.level == EG_LVL_INTERCHANGE) {
		end_interchange(fc, &v);
		fc->misrouted_to[0] = '\0';
	}
	if (to_ack && !fc->rc)
		eg_ack_events(fc->ack)->unit_end(eg_ack_events(fc->ack)->ud,
						 &told);
}

static eg_err
on_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	fctx *fc = ud;
	eg_err rc = eg_dedupe_segment(fc->dd, seg, e);

	if (!rc && fc->mapper && !fc->misrouted_to[0])
		rc = eg_mapper_segment(fc->mapper, seg, e);
	return rc; /* another partner's segments are not mapped as ours */
}

/* --- outputs ------------------------------------------------------------------ */

/* Record a staged output: where it is in work/ and where it will go. */
static eg_err
add_output(fctx *fc, const char *kind, const char *staged, const char *path,
	   const char *name, const char *control, uint64_t size, eg_error *e)
{
	return eg_ledger_exec(fc->l, e,
			      "INSERT INTO outputs(file_id,kind,staged,path,"
			      "name,control,size,state,at) VALUES(?1,?2,?3,?4,"
			      "?5,?6,?7,'staged',?8)",
			      "tttttt" "ii", fc->id, kind, staged, path, name,
			      control, (int64_t)size, (int64_t)fc->pl->o.now);
}

static eg_err
next_control(void *ud, const char *kind, uint64_t *out, eg_error *e)
{
	fctx *fc = ud;

	(void)kind; /* ISA13 and GS06 share one sequence per partner */
	if (fc->ack_quiet || fc->ichg_t.held) {
		*out = 0; /* not sent: no number used */
		return EG_OK;
	}
	return eg_ledger_next_control(fc->l, fc->p->id, "isa", out, e);
}

/* The partner's outbound file name for an acknowledgement: the profile's
 * <outbound file-name=> pattern with our interchange control number. */
static eg_err
ack_file_name(const fctx *fc, const char *data, size_t len,
	      const char *ack_name, char *dst, size_t cap, eg_error *e)
{
	const char *ctl = strrchr(ack_name, '-');
	char control[16];
	eg_namepat_vals v;

	snprintf(control, sizeof(control), "%.9s", ctl ? ctl + 1 : "0");
	v.partner = fc->p->id;
	v.set = eg_ack_kind(data, len);
	v.control = control;
	v.now = (time_t)fc->pl->o.now;
	return eg_namepat_fill(fc->p->out_file_name, &v, dst, cap, e);
}

/* Is an acknowledgement addressed to this partner (our ISA07/ISA08 are
 * the inbound ISA05/ISA06)?  One answering an interchange that claims
 * another sender must not reach this partner's outbox. */
static int
ack_for_partner(const fctx *fc, const char *data, size_t len)
{
	const char *id = fc->p->partner_id, *q = fc->p->partner_q;
	char got[16];
	size_t n = 15;

	if (!id || !id[0] || len < 106 || memcmp(data, "ISA", 3) != 0)
		return 1; /* nothing to compare against */
	memcpy(got, data + 54, 15);
	while (n > 0 && got[n - 1] == ' ')
		n--;
	got[n] = '\0';
	if (strcmp(got, id) != 0)
		return 0;
	return !q || !q[0] || !strncmp(data + 51, q, 2);
}

/* Keep such an acknowledgement beside the quarantined file, for a person
 * to forward to its sender or discard: never delivered. */
static eg_err
hold_ack(fctx *fc, const char *fname, const char *data, size_t len,
	 eg_error *e)
{
	char staged[PATH_MAX], rel[PATH_MAX], final[PATH_MAX];
	eg_err rc;

	fc->held_acks++;
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.ack-%u", fc->workrel,
			  fc->nacks + fc->held_acks)) ||
	    (rc = eg_path(staged, sizeof(staged), e, "%s/%s", fc->pl->o.spool,
			  rel)) ||
	    (rc = eg_path(final, sizeof(final), e,
			  "quarantine/%s/%s/not-sent-%s", fc->p->id, fc->id,
			  fname)) ||
	    (rc = eg_write_file(staged, data, len, e)))
		return rc;
	own_finding(fc, EG_LVL_FILE, NULL, "ack-not-sent",
		    "an acknowledgement addressed to another sender was not "
		    "sent to this partner: it waits in the quarantine as "
		    "not-sent-%s",
		    fname);
	return add_output(fc, "quarantine", rel, final, fname, NULL, len, e);
}

static eg_err
emit_ack(void *ud, const char *name, const char *data, size_t len,
	 eg_error *e)
{
	fctx *fc = ud;
	char staged[PATH_MAX], rel[PATH_MAX], final[PATH_MAX], fname[200];
	const char *ctl = strrchr(name, '-');
	char control[16];
	eg_err rc;

	/* "<inbound ISA13>-<our ISA13>.ack.x12": keep our number */
	snprintf(control, sizeof(control), "%.*s", ctl ? 9 : 0,
		 ctl ? ctl + 1 : "");
	if (fc->ack_quiet)
		return EG_OK; /* held, or acknowledged before: not sent */
	if ((rc = ack_file_name(fc, data, len, name, fname, sizeof(fname), e)))
		return rc;
	if (!ack_for_partner(fc, data, len))
		return hold_ack(fc, fname, data, len, e);
	fc->nacks++;
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.ack-%u", fc->workrel,
			  fc->nacks + fc->held_acks)) ||
	    (rc = eg_path(staged, sizeof(staged), e, "%s/%s", fc->pl->o.spool,
			  rel)) ||
	    (rc = eg_path(final, sizeof(final), e, "out/%s/acks/%s", fc->p->id,
			  fname)))
		return rc;
	if ((rc = eg_write_file(staged, data, len, e)))
		return rc;
	crash_point(fc->pl, "after-ack");
	if ((rc = add_output(fc, "ack", rel, final, fname,
			     control[0] ? control : NULL, len, e)))
		return rc;
	return eg_ledger_note_ack(fc->l, fc->id, fc->ack_seq,
				  control[0] ? control : "?", e);
}

/* --- the reject report -------------------------------------------------------- */

static eg_err
json_str(eg_buf *b, const char *s)
{
	/* eg_buf_add_json writes the quotes */
	return eg_buf_add_json(b, s ? s : "", s ? strlen(s) : 0);
}

/*
 * report.txt for people and report.json for scripts: the file, the
 * partner, its control numbers, and every finding kept with position,
 * segment text, code and message.
 */
static void
report_facts(const fctx *fc, const char *final_state, eg_report_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->file_id = fc->id;
	f->file_name = fc->name;
	f->partner = fc->p->id;
	f->final_state = final_state;
	f->accepted = fc->accepted;
	f->rejected = fc->rejected;
	f->duplicates = fc->duplicates;
	f->unsupported = fc->unsupported;
	f->misrouted_to = fc->misrouted_last;
	f->file_level = fc->file_rejected;
}

static eg_err
write_report(fctx *fc, const char *final_state, eg_error *e)
{
	eg_report_facts facts;
	char head[600], next[600];
	eg_buf t, j;
	eg_stmt *st;
	char path[PATH_MAX], rel[PATH_MAX], qrel[PATH_MAX];
	eg_err rc;
	int r, n = 0;

	eg_buf_init(&t, (size_t)64 << 20);
	eg_buf_init(&j, (size_t)64 << 20);
	report_facts(fc, final_state, &facts);
	eg_report_headline(&facts, head, sizeof(head));
	eg_report_next_step(&facts, next, sizeof(next));
	rc = eg_buf_addf(&t,
			 "edigate reject report\n\n%s\n\n"
			 "file:      %s (%s)\n"
			 "partner:   %s (%s)\n"
			 "sha256:    %s\n"
			 "outcome:   %s: %lu set(s) accepted, %lu rejected, "
			 "%lu duplicate\n"
			 "findings:  %lu (%lu kept)\n\n",
			 head, fc->id, fc->name, fc->p->id,
			 fc->p->name ? fc->p->name : "", fc->sha, final_state,
			 fc->accepted, fc->rejected, fc->duplicates,
			 fc->findings, fc->kept_findings);
	if (!rc)
		rc = eg_buf_adds(&j, "{\"summary\":");
	if (!rc)
		rc = json_str(&j, head);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"nextStep\":");
	if (!rc)
		rc = json_str(&j, next);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"misroutedTo\":");
	if (!rc)
		rc = json_str(&j, facts.misrouted_to);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"file\":");
	if (!rc)
		rc = json_str(&j, fc->id);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"name\":");
	if (!rc)
		rc = json_str(&j, fc->name);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"partner\":");
	if (!rc)
		rc = json_str(&j, fc->p->id);
	if (!rc)
		rc = eg_buf_adds(&j, ",\"sha256\":");
	if (!rc)
		rc = json_str(&j, fc->sha);
	if (!rc)
		rc = eg_buf_addf(&j,
				 ",\"outcome\":\"%s\",\"accepted\":%lu,"
				 "\"rejected\":%lu,\"duplicates\":%lu,"
				 "\"findingsTotal\":%lu,\"controlNumbers\":[",
				 final_state, fc->accepted, fc->rejected,
				 fc->duplicates, fc->findings);
	if (rc)
		goto out;
	/* control numbers of what the file held */
	rc = eg_ledger_query(fc->l, &st, e,
			     "SELECT isa13, gs06, st01, st02, status, "
			     "COALESCE(business_key,'') FROM transactions "
			     "WHERE file_id=?1 ORDER BY id",
			     "t", fc->id);
	if (rc)
		goto out;
	while (!rc && (r = eg_ledger_step(fc->l, st, e)) == 1) {
		rc = eg_buf_addf(&t, "  set ISA13 %s GS06 %s %s %s: %s%s%s\n",
				 eg_col_text(st, 0), eg_col_text(st, 1),
				 eg_col_text(st, 2), eg_col_text(st, 3),
				 eg_col_text(st, 4),
				 eg_col_text(st, 5)[0] ? " " : "",
				 eg_col_text(st, 5));
		if (!rc)
			rc = eg_buf_addf(&j,
					 "%s{\"isa13\":\"%s\",\"gs06\":\"%s\","
					 "\"st01\":\"%s\",\"st02\":\"%s\","
					 "\"status\":\"%s\",\"businessKey\":",
					 n++ ? "," : "", eg_col_text(st, 0),
					 eg_col_text(st, 1), eg_col_text(st, 2),
					 eg_col_text(st, 3), eg_col_text(st, 4));
		if (!rc)
			rc = json_str(&j, eg_col_text(st, 5));
		if (!rc)
			rc = eg_buf_addc(&j, '}');
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code;
	if (!rc)
		rc = eg_buf_adds(&t, "\n");
	if (!rc)
		rc = eg_buf_adds(&j, "],\"findings\":[");
	if (rc)
		goto out;
	rc = eg_ledger_query(fc->l, &st, e,
			     "SELECT level, severity, COALESCE(code,''), "
			     "COALESCE(rule,''), message, offset, segment, "
			     "seg_id, element, isa13, gs06, st02, "
			     "segment_text FROM findings WHERE file_id=?1 "
			     "ORDER BY id",
			     "t", fc->id);
	if (rc)
		goto out;
	n = 0;
	while (!rc && (r = eg_ledger_step(fc->l, st, e)) == 1) {
		const char *seg = eg_col_text(st, 12);

		rc = eg_buf_addf(&t, "%s %s", eg_col_text(st, 1),
				 eg_col_text(st, 0));
		if (!rc && eg_col_text(st, 7)[0])
			rc = eg_buf_addf(&t, " at byte %lld, segment %lld (%s)",
					 (long long)eg_col_int(st, 5),
					 (long long)eg_col_int(st, 6),
					 eg_col_text(st, 7));
		if (!rc && eg_col_int(st, 8))
			rc = eg_buf_addf(&t, ", element %lld",
					 (long long)eg_col_int(st, 8));
		if (!rc && eg_col_text(st, 11)[0])
			rc = eg_buf_addf(&t, ", set %s", eg_col_text(st, 11));
		if (!rc)
			rc = eg_buf_addf(&t, " [%s%s%s]\n  %s\n",
					 eg_col_text(st, 3),
					 eg_col_text(st, 2)[0] ? " code " : "",
					 eg_col_text(st, 2), eg_col_text(st, 4));
		if (!rc && seg[0])
			rc = eg_buf_addf(&t, "  segment: %s\n", seg);
		if (!rc)
			rc = eg_buf_addf(
			    &j,
			    "%s{\"level\":\"%s\",\"severity\":\"%s\","
			    "\"code\":\"%s\",\"rule\":\"%s\",\"offset\":%lld,"
			    "\"segment\":%lld,\"segmentId\":\"%s\","
			    "\"element\":%lld,\"isa13\":\"%s\",\"gs06\":\"%s\","
			    "\"st02\":\"%s\",\"message\":",
			    n++ ? "," : "", eg_col_text(st, 0),
			    eg_col_text(st, 1), eg_col_text(st, 2),
			    eg_col_text(st, 3), (long long)eg_col_int(st, 5),
			    (long long)eg_col_int(st, 6), eg_col_text(st, 7),
			    (long long)eg_col_int(st, 8), eg_col_text(st, 9),
			    eg_col_text(st, 10), eg_col_text(st, 11));
		if (!rc)
			rc = json_str(&j, eg_col_text(st, 4));
		if (!rc)
			rc = eg_buf_adds(&j, ",\"segmentText\":");
		if (!rc)
			rc = json_str(&j, seg);
		if (!rc)
			rc = eg_buf_addc(&j, '}');
	}
	eg_ledger_done(st);
	if (!rc && r < 0)
		rc = e->code;
	if (!rc)
		rc = eg_buf_adds(&j, "]}\n");
	if (!rc)
		rc = eg_buf_addf(&t, "\n%s\n", next);
	if (rc)
		goto out;
	if ((rc = eg_path(qrel, sizeof(qrel), e, "quarantine/%s/%s", fc->p->id,
			  fc->id)))
		goto out;
	/* text */
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.report.txt", fc->workrel)) ||
	    (rc = spool_path(fc->pl, path, sizeof(path), rel, e)) ||
	    (rc = eg_write_file(path, t.data, t.len, e)))
		goto out;
	rc = eg_path(path, sizeof(path), e, "%s/report.txt", qrel);
	if (!rc)
		rc = add_output(fc, "report", rel, path, "report.txt", NULL,
				t.len, e);
	/* JSON */
	if (!rc)
		rc = eg_path(rel, sizeof(rel), e, "%s.report.json", fc->workrel);
	if (!rc)
		rc = spool_path(fc->pl, path, sizeof(path), rel, e);
	if (!rc)
		rc = eg_write_file(path, j.data, j.len, e);
	if (!rc)
		rc = eg_path(path, sizeof(path), e, "%s/report.json", qrel);
	if (!rc)
		rc = add_output(fc, "report", rel, path, "report.json", NULL,
				j.len, e);
out:
	if (rc == EG_ENOMEM || rc == EG_ELIMIT)
		rc = eg_fail(e, rc, "the reject report is too large");
	eg_buf_free(&t);
	eg_buf_free(&j);
	return rc;
}

/* --- one file ----------------------------------------------------------------- */

static void
ack_policy(const eg_profile *p, int dup, eg_ack_opts *ao, int *none)
{
	size_t i;

	ao->ta1 = EG_ACK_TA1_REQUESTED;
	ao->functional = EG_ACK_FA_ALWAYS;
	if (p->ack_policy_given) {
		int fa_given = 0;

		for (i = 0; i < p->nack_send; i++) {
			const char *w = p->ack_send[i].when;
			int is_ta1 = !strcmp(p->ack_send[i].type, "TA1");

			if (is_ta1)
				ao->ta1 = !strcmp(w, "always")
					      ? EG_ACK_TA1_ALWAYS
					  : !strcmp(w, "on-error")
					      ? EG_ACK_TA1_ON_ERROR
					  : !strcmp(w, "never")
					      ? EG_ACK_TA1_NEVER
					      : EG_ACK_TA1_REQUESTED;
			else {
				fa_given = 1;
				ao->functional = !strcmp(w, "on-error")
						     ? EG_ACK_FA_ON_ERROR
						 : !strcmp(w, "never")
						     ? EG_ACK_FA_NEVER
						     : EG_ACK_FA_ALWAYS;
				if (!strcmp(p->ack_send[i].type, "997"))
					ao->force = 997;
				else if (!strcmp(p->ack_send[i].type, "999"))
					ao->force = 999;
			}
		}
		if (!fa_given)
			ao->functional = EG_ACK_FA_NEVER;
	}
	*none = (dup && !p->dup_reack) ||
		(ao->ta1 == EG_ACK_TA1_NEVER &&
		 ao->functional == EG_ACK_FA_NEVER);
}

/* Does the file look like X12 (an ISA after optional white space)? */
static int
looks_x12(fctx *fc)
{
	char buf[128];
	ssize_t n = pread(fc->seg_fd, buf, sizeof(buf), 0);
	ssize_t i = 0;

	if (n >= 3 && (unsigned char)buf[0] == 0xEF &&
	    (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
		i = 3; /* UTF-8 byte order mark */
	while (i < n && (buf[i] == ' ' || buf[i] == '\r' || buf[i] == '\n' ||
			 buf[i] == '\t'))
		i++;
	if (n - i < 3 || memcmp(buf + i, "ISA", 3) != 0)
		return 0;
	if (n - i > 105)
		fc->seg_term = buf[i + 105];
	return 1;
}

static const char *
what_is_it(fctx *fc)
{
	char buf[64];
	ssize_t n = pread(fc->seg_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return "an empty file";
	buf[n] = '\0';
	if (!strncmp(buf, "UNA", 3) || !strncmp(buf, "UNB", 3))
		return "EDIFACT";
	if (buf[0] == '<' || !strncmp(buf, "\xEF\xBB\xBF<", 4))
		return "XML";
	return "not X12";
}

/* A TA1 R 024 for an interchange the reader never reached. */
static void
ta1_unread(fctx *fc, const eg_x12_ctl *ctl)
{
	const eg_envelope_events *ev = eg_ack_events(fc->ack);
	eg_unit_result u;
	eg_finding f;

	memset(&f, 0, sizeof(f));
	f.level = EG_LVL_INTERCHANGE;
	f.severity = EG_FIND_ERROR;
	f.code = "024"; /* TA105: invalid interchange content */
	f.rule = "unread-interchange";
	f.ctl = *ctl;
	ev->finding(ev->ud, &f);
	memset(&u, 0, sizeof(u));
	u.level = EG_LVL_INTERCHANGE;
	u.outcome = EG_REJECTED;
	u.ctl = *ctl;
	ev->unit_end(ev->ud, &u);
}

/*
 * The reader stopped before the end of the file: what follows was not
 * read, so the file cannot be accepted (every byte is accounted for or
 * the file is quarantined).  Each interchange still readable in that
 * part gets a finding and, when it is this partner's, a TA1 R telling
 * the partner it was not processed.
 */
static eg_err
reject_unread(fctx *fc, eg_error *e)
{
	const eg_envelope_expect *x = fc->pl->pp->expect;
	uint64_t from = fc->unread_at, at;
	eg_x12_ctl ctl;
	eg_err rc;

	fc->file_rejected = 1;
	while ((rc = eg_tail_next_isa(fc->seg_fd, from, &at, &ctl, e)) ==
	       EG_OK) {
		int ours = x && x->sender && !strcmp(ctl.sender, x->sender) &&
			   (!x->sender_q || !strcmp(ctl.sender_q, x->sender_q));

		own_finding(fc, EG_LVL_INTERCHANGE, &ctl, "unread-interchange",
			    "interchange %s from %s at offset %llu was not "
			    "read: it follows bytes that could not be read%s",
			    ctl.isa13, ctl.sender, (unsigned long long)at,
			    ours && fc->ack ? " (TA1 R sent)"
			    : ours	    ? ""
					    : "; it claims another sender: no "
					      "acknowledgement");
		if (ours && fc->ack)
			ta1_unread(fc, &ctl);
		from = at + 106;
	}
	return rc == EG_ENOTFOUND ? EG_OK : rc;
}

static eg_err
run_check(fctx *fc, eg_error *e)
{
	const eg_pipeline_partner *pp = fc->pl->pp;
	eg_x12_check_opts co;
	eg_mapper_opts mo;
	eg_envelope_events ev;
	eg_ack_opts ao;
	eg_source *src = NULL;
	eg_x12_check_result res;
	eg_refstore rs = eg_ledger_refstore(fc->l);
	int no_ack;
	eg_err rc;

	memset(&co, 0, sizeof(co));
	memset(&mo, 0, sizeof(mo));
	memset(&ao, 0, sizeof(ao));
	ack_policy(fc->p, fc->dup_file, &ao, &no_ack);
	if (!no_ack) {
		ao.next_control = next_control;
		ao.emit = emit_ack;
		ao.ud = fc;
		ao.now = fc->pl->o.now;
		/* the partner's delimiters and 999 convention */
		eg_ack_opts_profile(&ao, fc->p);
		if ((rc = eg_ack_new(&fc->ack, &ao, e)))
			return rc;
	}
	if ((rc = eg_dedupe_new(&fc->dd, fc->pl->o.maps, e)))
		return rc;
	if (!fc->dup_file && fc->pl->o.maps) {
		mo.maps = fc->pl->o.maps;
		mo.profile = fc->p;
		mo.store = &rs;
		mo.now = fc->pl->o.now;
		mo.file_id = fc->id;
		mo.file_name = fc->name;
		mo.file_sha256 = fc->sha;
		mo.eager = 1;
		mo.record = on_record;
		mo.finding = on_map_finding;
		mo.ud = fc;
		if ((rc = eg_mapper_new(&fc->mapper, &mo, e)))
			return rc;
	}
	co.limits = eg_x12_limits_default();
	if (fc->p->max_segment)
		co.limits.max_segment = (size_t)fc->p->max_segment;
	if (fc->p->max_elements)
		co.limits.max_elements = (size_t)fc->p->max_elements;
	co.guides = fc->pl->o.guides;
	co.overrides = pp->guides;
	co.noverrides = pp->nguides;
	co.expect = pp->expect;
	co.segment = on_segment; /* digests and keys, then the mapper */
	co.segment_ud = fc;
	ev.finding = on_finding;
	ev.unit_end = on_unit;
	ev.ud = fc;
	rc = eg_source_open_file(&src, fc->path, e);
	if (!rc)
		rc = eg_x12_check(src, &co, &ev, &res, e);
	eg_source_free(src);
	if (!rc && fc->rc) {
		*e = fc->err;
		rc = fc->rc;
	}
	if (!rc && fc->ack && res.reader_failed) {
		/* an ISA the reader refused (not fixed-width): a TA1 R when
		 * its sender can still be read */
		char head[512];
		ssize_t n = pread(fc->seg_fd, head, sizeof(head), 0);

		if (n > 0)
			(void)eg_ack_isa_fallback(fc->ack, head, (size_t)n);
	}
	if (!rc && fc->ack)
		rc = eg_ack_error(fc->ack, e);
	if (!rc && fc->mapper)
		rc = eg_mapper_error(fc->mapper, e);
	if (!rc && res.totals.interchanges == 0 && !fc->file_rejected) {
		own_finding(fc, EG_LVL_FILE, NULL, "no-interchange",
			    "the file holds no complete interchange");
		fc->file_rejected = 1;
	}
	if (!rc && (res.reader_failed || fc->unread))
		rc = reject_unread(fc, e);
	if (!rc && fc->ack)
		rc = eg_ack_error(fc->ack, e);
	crash_point(fc->pl, "after-validate");
	return rc;
}

/* Decide the file's state from what its sets became. */
static const char *
decide(fctx *fc)
{
	if (fc->dup_file)
		return "duplicate";
	if (fc->file_rejected && fc->accepted == 0)
		return "rejected";
	/* acks_in: a TA1-only interchange holds no set but was read */
	if (fc->rejected == 0 && !fc->file_rejected)
		return fc->accepted || fc->acks_in ? "accepted"
		       : fc->duplicates ? "duplicate" : "rejected";
	if (fc->accepted == 0)
		return "rejected";
	return strcmp(fc->p->partial, "reject-file") ? "partial" : "rejected";
}

/* The whole file is rejected although some sets were good: take back
 * their records and keys (the profile's reject-file policy). */
static eg_err
reject_all(fctx *fc, eg_error *e)
{
	eg_err rc = rec_truncate(fc, 0, e);

	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "DELETE FROM ref_lines WHERE txn_id IN "
				    "(SELECT id FROM transactions WHERE "
				    "file_id=?1)",
				    "t", fc->id);
	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "DELETE FROM business_keys WHERE file_id=?1",
				    "t", fc->id);
	if (!rc)
		rc = eg_ledger_exec(fc->l, e,
				    "UPDATE transactions SET status='rejected', "
				    "records=0 WHERE file_id=?1 AND "
				    "status IN ('accepted','change','ack-only')",
				    "t", fc->id);
	if (!rc)
		own_finding(fc, EG_LVL_FILE, NULL, "partial-file-rejected",
			    "%lu set(s) were good, but the profile rejects a "
			    "file when any set fails (partial-files "
			    "reject-file)", fc->accepted);
	fc->rejected += fc->accepted;
	fc->accepted = 0;
	fc->records = 0;
	return rc;
}

static eg_err
stage_outputs(fctx *fc, const char *final_state, eg_error *e)
{
	char rel[PATH_MAX], path[PATH_MAX], dst[PATH_MAX];
	int quarantine = !strcmp(final_state, "rejected") ||
			 !strcmp(final_state, "partial");
	eg_err rc = EG_OK;

	/* records */
	if (fc->records > 0 && rec_len(fc) > 0) {
		if ((rc = rec_flush(fc, e)))
			return rc;
		if ((rc = eg_path(rel, sizeof(rel), e, "%s.records.jsonl",
				  fc->workrel)) ||
		    (rc = eg_path(dst, sizeof(dst), e, "out/%s/%s.jsonl",
				  fc->p->id, fc->id)) ||
		    (rc = add_output(fc, "records", rel, dst, NULL, NULL,
				     rec_len(fc), e)))
			return rc;
	}
	/* the quarantine holds the original beside its report */
	if (quarantine) {
		if ((rc = write_report(fc, final_state, e)))
			return rc;
		if ((rc = eg_path(rel, sizeof(rel), e, "%s.original",
				  fc->workrel)) ||
		    (rc = spool_path(fc->pl, path, sizeof(path), rel, e)))
			return rc;
		(void)unlink(path);
		if (link(fc->path, path) != 0)
			return eg_fail(e, EG_EIO, "link %s: %s", path,
				       strerror(errno));
		if ((rc = eg_path(dst, sizeof(dst), e, "quarantine/%s/%s/%s",
				  fc->p->id, fc->id, fc->name)) ||
		    (rc = add_output(fc, "quarantine", rel, dst, fc->name,
				     NULL, 0, e)))
			return rc;
	}
	/* the archive: every original, compressed */
	if ((rc = eg_path(rel, sizeof(rel), e, "%s.archive.gz", fc->workrel)) ||
	    (rc = spool_path(fc->pl, path, sizeof(path), rel, e)) ||
	    (rc = eg_gzip_file(fc->path, path, e)) ||
	    (rc = eg_path(dst, sizeof(dst), e, "archive/%s/%s/%s.gz",
			  fc->p->id, fc->pl->month, fc->id)) ||
	    (rc = add_output(fc, "archive", rel, dst, fc->name, NULL, 0, e)))
		return rc;
	/* nothing staged is synced here: process_all syncs the spool once
	 * per batch, before the commit that names these outputs */
	return eg_ledger_exec(fc->l, e, "UPDATE files SET archive_path=?1 "
					"WHERE id=?2",
			      "tt", dst, fc->id);
}

/* The partner's TA1/997/999 statuses into the ledger (ackin.h). */
static eg_err
keep_acks_in(fctx *fc, eg_error *e)
{
	eg_ackin_counts c;
	eg_err rc;

	rc = eg_ackin_store(fc->l, fc->p->id, fc->id, fc->path, fc->pl->o.now,
			    &c, e);
	if (rc)
		return rc;
	if (c.attention)
		note(fc->pl, "%s (%s): the partner's acknowledgement rejects "
			     "%u of our document(s) or group(s): see "
			     "`edigate show %s`",
		     fc->id, fc->name, c.attention, fc->id);
	return EG_OK;
}

/* Process one received X12 (or unknown) file inside the open ledger
 * transaction.  Document problems are outcomes; the error return is for
 * the environment only. */
static eg_err
process_x12(eg_pipeline *pl, fctx *fc, eg_error *e)
{
	const char *final_state;
	char summary[200];
	eg_err rc = EG_OK;
	struct stat st;

	/* same bytes from this partner before (not our reprocess chain) */
	{
		eg_stmt *q;
		int r;

		if ((rc = eg_ledger_query(fc->l, &q, e,
					  "SELECT id FROM files WHERE "
					  "partner=?1 AND sha256=?2 AND "
					  "origin_id<>?3 AND n<(SELECT n FROM "
					  "files WHERE id=?4) AND state NOT IN "
					  "('received','discarded','unpacked',"
					  "'duplicate') ORDER BY n LIMIT 1",
					  "tttt", fc->p->id, fc->sha,
					  fc->origin, fc->id)))
			return rc;
		r = eg_ledger_step(fc->l, q, e);
		if (r == 1) {
			fc->dup_file = 1;
			snprintf(fc->dup_of, sizeof(fc->dup_of), "%s",
				 eg_col_text(q, 0));
		}
		eg_ledger_done(q);
		if (r < 0)
			return e->code;
	}
	if ((rc = eg_ledger_past_dedupe(fc->l, fc->id, &fc->dd_past, e)))
		return rc;
	if (fstat(fc->seg_fd, &st) != 0)
		return eg_fail(e, EG_EIO, "%s: %s", fc->path, strerror(errno));
	if (fc->p->max_file_bytes &&
	    (unsigned long long)st.st_size > fc->p->max_file_bytes) {
		own_finding(fc, EG_LVL_FILE, NULL, "file-too-large",
			    "the file is %lld bytes, over the partner's limit "
			    "of %llu (limits max-file-bytes): not read",
			    (long long)st.st_size, fc->p->max_file_bytes);
		fc->file_rejected = 1;
	} else if (!looks_x12(fc)) {
		unsigned char head[EG_FORMAT_SNIFF];
		ssize_t n = pread(fc->seg_fd, head, sizeof(head), 0);
		const char *enc = n > 0 ? eg_format_encoding_problem(
					      head, (size_t)n)
					: NULL;

		if (enc)
			own_finding(fc, EG_LVL_FILE, NULL, "encoding", "%s",
				    enc);
		else
			own_finding(fc, EG_LVL_FILE, NULL, "not-x12",
				    "the file is %s: only X12 interchanges "
				    "(starting with ISA) are read today",
				    what_is_it(fc));
		fc->file_rejected = 1;
	} else if ((rc = run_check(fc, e))) {
		return rc;
	}
	if (fc->resend_of[0] &&
	    (rc = eg_ledger_link_resend(fc->l, fc->id, fc->resend_of, e)))
		return rc;
	if (fc->resend_of[0])
		note(pl, "%s: a corrected resend of %s", fc->id, fc->resend_of);
	final_state = decide(fc);
	if (!strcmp(final_state, "rejected") && fc->accepted > 0 &&
	    (rc = reject_all(fc, e)))
		return rc;
	if (fc->acks_in && strcmp(final_state, "rejected") != 0 &&
	    (rc = keep_acks_in(fc, e)))
		return rc;
	if (fc->dup_file)
		note(pl, "%s: the same bytes as %s: a duplicate", fc->id,
		     fc->dup_of);
	if ((rc = stage_outputs(fc, final_state, e)))
		return rc;
	snprintf(summary, sizeof(summary),
		 "%lu set(s): %lu accepted%s, %lu rejected, %lu duplicate; "
		 "%lu record(s), %u ack(s), %lu finding(s)",
		 fc->accepted + fc->rejected + fc->duplicates, fc->accepted,
		 fc->changed ? " (some as changes)" : "", fc->rejected,
		 fc->duplicates, fc->records, fc->nacks, fc->findings);
	rc = eg_ledger_exec(fc->l, e,
			    "UPDATE files SET final_state=?1, summary=?2, "
			    "duplicate_of=?3, run_id=NULL WHERE id=?4",
			    "tttt", final_state, summary,
			    fc->dup_file ? fc->dup_of : NULL, fc->id);
	if (!rc)
		rc = eg_ledger_set_state(fc->l, fc->id, "processed", summary,
					 e);
	if (!rc)
		note(pl, "%s (%s): %s: %s", fc->id, fc->name, final_state,
		     summary);
	return rc;
}

/* A bundle: its entries become files of their own (received). */
static eg_err
unpack_entry(void *ud, unsigned index, const char *name, const char *path,
	     uint64_t size, eg_error *e)
{
	fctx *fc = ud;
	char sha[EG_SHA256_HEX], id[32], dst[PATH_MAX], remote[PATH_MAX];
	eg_err rc;

	(void)index;
	if ((rc = eg_sha256_file(path, sha, e)) ||
	    (rc = eg_path(remote, sizeof(remote), e, "%s!%s", fc->name, name)))
		return rc;
	rc = insert_file(fc->pl, "bundle", remote, name, size, 0, sha, fc->id,
			 NULL, NULL, "none", id, e);
	if (!rc)
		rc = eg_path(dst, sizeof(dst), e, "%s/in/%s/%s", fc->pl->o.spool,
			     fc->p->id, id);
	if (!rc && rename(path, dst) != 0)
		rc = eg_fail(e, EG_EIO, "rename %s: %s", path, strerror(errno));
	if (!rc)
		note(fc->pl, "%s: entry %s is file %s", fc->id, name, id);
	return rc;
}

static eg_err
process_bundle(eg_pipeline *pl, fctx *fc, eg_bundle_kind kind, eg_error *e)
{
	eg_unpack_limits lim;
	char dir[PATH_MAX], indir[PATH_MAX];
	eg_error ue;
	eg_err rc;

	memset(&lim, 0, sizeof(lim));
	lim.max_entries = fc->p->max_archive_entries;
	lim.max_ratio = fc->p->max_expansion_ratio;
	lim.max_total = fc->p->max_file_bytes;
	lim.max_depth = (unsigned)fc->p->max_bundle_depth; /* schema: <= 8 */
	if ((rc = eg_path(dir, sizeof(dir), e, "%s.unpack", fc->work)) ||
	    (rc = eg_path(indir, sizeof(indir), e, "%s/in/%s", pl->o.spool,
			  fc->p->id)))
		return rc;
	eg_error_clear(&ue);
	rc = eg_ledger_savepoint(fc->l, "bundle", e);
	if (rc)
		return rc;
	rc = eg_unpack(fc->path, fc->name, dir, &lim, unpack_entry, fc, &ue);
	if (rc && eg_err_severity(rc) == EG_SEV_REJECT) {
		/* a bad bundle: none of its entries go on; quarantine it */
		eg_err r2 = eg_ledger_rollback_to(fc->l, "bundle", e);

		if (r2)
			return r2;
		own_finding(fc, EG_LVL_FILE, NULL,
			    rc == EG_ELIMIT ? "bundle-limit" : "bundle-bad",
			    "%s", ue.msg);
		fc->file_rejected = 1;
		eg_remove_tree(dir);
		if ((rc = stage_outputs(fc, "rejected", e)))
			return rc;
		rc = eg_ledger_exec(fc->l, e,
				    "UPDATE files SET final_state='rejected', "
				    "summary=?1 WHERE id=?2",
				    "tt", ue.msg, fc->id);
		if (!rc)
			rc = eg_ledger_set_state(fc->l, fc->id, "processed",
						 "bundle refused", e);
		note(pl, "%s (%s): rejected: %s", fc->id, fc->name, ue.msg);
		return rc;
	}
	if (rc) {
		*e = ue;
		return rc;
	}
	if ((rc = eg_ledger_release(fc->l, "bundle", e)))
		return rc;
	eg_remove_tree(dir);
	if ((rc = stage_outputs(fc, "unpacked", e)))
		return rc;
	rc = eg_ledger_exec(fc->l, e,
			    "UPDATE files SET final_state='unpacked', "
			    "summary=?1 WHERE id=?2",
			    "tt", eg_bundle_kind_str(kind), fc->id);
	if (!rc)
		rc = eg_ledger_set_state(fc->l, fc->id, "processed",
					 "bundle unpacked", e);
	note(pl, "%s (%s): a %s bundle, unpacked", fc->id, fc->name,
	     eg_bundle_kind_str(kind));
	return rc;
}

static eg_err
process_file(eg_pipeline *pl, const char *id, eg_error *e)
{
	fctx fc;
	eg_stmt *st;
	eg_bundle_kind kind = EG_BUNDLE_NONE;
	char rel[PATH_MAX];
	eg_err rc;
	int r;

	memset(&fc, 0, sizeof(fc));
	fc.pl = pl;
	fc.l = pl->l;
	fc.p = pl->pp->profile;
	fc.seg_fd = fc.rec_fd = -1;
	fc.seg_term = '~';
	fc.max_findings = fc.p->max_findings ? (unsigned long)fc.p->max_findings
					     : DEFAULT_MAX_FINDINGS;
	eg_buf_init(&fc.recbuf, REC_FLUSH * 2 + ((size_t)64 << 20));
	snprintf(fc.id, sizeof(fc.id), "%s", id);
	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT name, sha256, origin_id, spool_path, "
			     "forced FROM files WHERE id=?1",
			     "t", id);
	if (rc)
		return rc;
	r = eg_ledger_step(pl->l, st, e);
	if (r == 1) {
		snprintf(fc.name, sizeof(fc.name), "%s", eg_col_text(st, 0));
		snprintf(fc.sha, sizeof(fc.sha), "%s", eg_col_text(st, 1));
		snprintf(fc.origin, sizeof(fc.origin), "%s", eg_col_text(st, 2));
		snprintf(rel, sizeof(rel), "%s", eg_col_text(st, 3));
		fc.forced = eg_col_int(st, 4) != 0;
	}
	eg_ledger_done(st);
	if (r != 1)
		return r < 0 ? e->code
			     : eg_fail(e, EG_EINTERNAL, "file %s vanished", id);
	if ((rc = spool_path(pl, fc.path, sizeof(fc.path), rel, e)) ||
	    (rc = eg_path(fc.workrel, sizeof(fc.workrel), e, "work/%s", id)) ||
	    (rc = spool_path(pl, fc.work, sizeof(fc.work), fc.workrel, e)))
		return rc;
	/* what a crashed attempt staged was swept at the start of the run,
	 * and is overwritten anyway: every staged file is created O_TRUNC */
	fc.seg_fd = open(fc.path, O_RDONLY | O_CLOEXEC);
	if (fc.seg_fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "spool copy of %s: %s: %s", id, fc.path,
			       strerror(errno));
	if (!rc)
		rc = eg_bundle_detect(fc.path, &kind, e);
	if (!rc)
		rc = kind != EG_BUNDLE_NONE ? process_bundle(pl, &fc, kind, e)
					    : process_x12(pl, &fc, e);
	if (!rc) {
		const char *fs = NULL;
		eg_stmt *q;

		if (!eg_ledger_query(pl->l, &q, e,
				     "SELECT final_state FROM files WHERE id=?1",
				     "t", id)) {
			if (eg_ledger_step(pl->l, q, e) == 1)
				fs = eg_col_text(q, 0);
			if (fs && !strcmp(fs, "accepted"))
				pl->c->accepted++;
			else if (fs && !strcmp(fs, "partial"))
				pl->c->partial++;
			else if (fs && !strcmp(fs, "rejected"))
				pl->c->rejected++;
			else if (fs && !strcmp(fs, "duplicate"))
				pl->c->duplicates++;
			eg_ledger_done(q);
		}
		pl->c->processed++;
		pl->c->records += fc.records;
		pl->c->acks += fc.nacks;
	}
	if (fc.seg_fd >= 0)
		close(fc.seg_fd);
	if (fc.rec_fd >= 0)
		close(fc.rec_fd);
	eg_mapper_free(fc.mapper);
	eg_dedupe_free(fc.dd);
	eg_ack_free(fc.ack);
	eg_buf_free(&fc.recbuf);
	return rc;
}

/* ========================================================================
 * Stage 3: publish what was decided, push acks, clean up the source.
 * ======================================================================== */

static eg_err
publish_file(eg_pipeline *pl, const char *id, eg_error *e)
{
	eg_stmt *st;
	char src[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT staged, path FROM outputs WHERE "
			     "file_id=?1 AND state='staged' ORDER BY id",
			     "t", id);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(pl->l, st, e)) == 1) {
		rc = spool_path(pl, src, sizeof(src), eg_col_text(st, 0), e);
		if (!rc)
			rc = spool_path(pl, dst, sizeof(dst), eg_col_text(st, 1),
					e);
		if (!rc)
			rc = parent_dir(pl, eg_col_text(st, 1), dir, sizeof(dir),
					e);
		if (rc)
			break;
		/* never over an earlier file's output (spoolfs.h); done
		 * already by a run that crashed before its commit is ok */
		if ((rc = eg_publish_new(src, dst, e)))
			break;
	}
	eg_ledger_done(st);
	if (rc)
		return rc;
	crash_point(pl, "after-publish");
	rc = eg_ledger_exec(pl->l, e,
			    "UPDATE outputs SET state='published' WHERE "
			    "file_id=?1 AND state='staged'",
			    "t", id);
	if (!rc)
		rc = eg_ledger_exec(pl->l, e,
				    "UPDATE files SET finished_at=?1 WHERE id=?2",
				    "it", (int64_t)pl->o.now, id);
	if (!rc) {
		eg_stmt *q;

		rc = eg_ledger_query(pl->l, &q, e,
				     "SELECT final_state FROM files WHERE id=?1",
				     "t", id);
		if (!rc && eg_ledger_step(pl->l, q, e) == 1) {
			char fs[32];

			snprintf(fs, sizeof(fs), "%s", eg_col_text(q, 0));
			eg_ledger_done(q);
			rc = eg_ledger_set_state(pl->l, id, fs, NULL, e);
		} else if (!rc) {
			eg_ledger_done(q);
		}
	}
	/* the spool copy is removed by the sweep at the end of the run:
	 * deleting now would make every later create in the run slower
	 * (ext4 skips recently freed inodes) */
	return rc;
}

/* Publish every processed file of the partner (one commit). */
static eg_err
publish_all(eg_pipeline *pl, eg_error *e)
{
	eg_stmt *st;
	char (*ids)[32] = NULL;
	size_t n = 0, cap = 0, i;
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT id FROM files WHERE partner=?1 AND "
			     "state='processed' ORDER BY n",
			     "t", pl->pp->profile->id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(pl->l, st, e)) == 1) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			char (*v)[32] = realloc(ids, c * sizeof(*v));

			if (!v) {
				r = -1;
				(void)eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			ids = v;
			cap = c;
		}
		snprintf(ids[n++], 32, "%s", eg_col_text(st, 0));
	}
	eg_ledger_done(st);
	if (r < 0) {
		free(ids);
		return e->code;
	}
	if (n == 0) {
		free(ids);
		return EG_OK;
	}
	rc = eg_ledger_begin(pl->l, e);
	for (i = 0; !rc && i < n; i++)
		rc = publish_file(pl, ids[i], e);
	/* the renames are durable before the commit that says so */
	if (!rc)
		rc = eg_sync_fs(pl->o.spool, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	free(ids);
	return rc;
}

/* Sync the transport, then record the batch's puts (ids[i] 0: skipped)
 * as sent.  A failed sync leaves them published: retried next run. */
static eg_err
mark_sent(eg_pipeline *pl, const int64_t *ids, size_t n, eg_error *e)
{
	size_t i;
	eg_err rc;

	if ((rc = eg_transport_sync(pl->t, e))) {
		if (eg_err_severity(rc) == EG_SEV_ABORT)
			return rc;
		note(pl, "cannot deliver %zu ack(s) (retried next run): %s", n,
		     e->msg);
		count_failure(pl, "cannot deliver acknowledgements: %s",
			      e->msg);
		eg_error_clear(e);
		return EG_OK;
	}
	/* delivered, not yet noted: the partner may take them now */
	crash_point(pl, "after-deliver");
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < n; i++)
		if (ids[i])
			rc = eg_ledger_exec(pl->l, e,
					    "UPDATE outputs SET state='sent' "
					    "WHERE id=?1",
					    "i", ids[i]);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}

/* Acknowledgements published but not yet delivered to the outbox. */
static eg_err
push_acks(eg_pipeline *pl, eg_error *e)
{
	eg_stmt *st;
	char src[PATH_MAX];
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, i;
	eg_err rc;
	int r;

	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT o.id FROM outputs o JOIN files f ON "
			     "f.id=o.file_id WHERE f.partner=?1 AND "
			     "o.kind='ack' AND o.state='published' ORDER BY "
			     "o.id",
			     "t", pl->pp->profile->id);
	if (rc)
		return rc;
	while ((r = eg_ledger_step(pl->l, st, e)) == 1) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			int64_t *v = realloc(ids, c * sizeof(*v));

			if (!v) {
				r = -1;
				(void)eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			ids = v;
			cap = c;
		}
		ids[n++] = eg_col_int(st, 0);
	}
	eg_ledger_done(st);
	if (r < 0) {
		free(ids);
		return e->code;
	}
	for (i = 0; !rc && i < n; i++) {
		char path[PATH_MAX], name[256];

		rc = eg_ledger_query(pl->l, &st, e,
				     "SELECT path, name FROM outputs WHERE id=?1",
				     "i", ids[i]);
		if (rc)
			break;
		r = eg_ledger_step(pl->l, st, e);
		if (r == 1) {
			snprintf(path, sizeof(path), "%s", eg_col_text(st, 0));
			snprintf(name, sizeof(name), "%s", eg_col_text(st, 1));
		}
		eg_ledger_done(st);
		if (r == 1) {
			rc = spool_path(pl, src, sizeof(src), path, e);
			if (!rc)
				rc = pl->t->ops->put(pl->t, src, name, e);
			if (rc && eg_transport_transient(e)) {
				/* the session is gone: note what went, then
				 * let serve_partner try a new session */
				eg_error fe = *e;
				size_t b = (i / pl->o.batch) * pl->o.batch;

				note(pl, "cannot deliver %s: %s", name, e->msg);
				ids[i] = 0;
				rc = mark_sent(pl, ids + b, i - b + 1, e);
				if (!rc) {
					*e = fe;
					rc = EG_EIO;
				}
				break;
			}
			if (rc && eg_err_severity(rc) != EG_SEV_ABORT) {
				/* this ack only: the others still go; retried
				 * next run */
				note(pl, "cannot deliver %s (retried next run): "
					 "%s",
				     name, e->msg);
				count_failure(pl, "cannot deliver %s: %s", name,
					      e->msg);
				eg_error_clear(e);
				rc = EG_OK;
				ids[i] = 0;
			} else if (!rc) {
				crash_point(pl, "after-push");
				note(pl, "sent %s", name);
			}
		} else {
			ids[i] = 0;
		}
		/* group commit: the batch's puts are made durable, then
		 * recorded; a crash before the commit puts the same bytes
		 * under the same name again, which counts as delivered */
		if (!rc && ((i + 1) % pl->o.batch == 0 || i + 1 == n))
			rc = mark_sent(pl, ids + (i / pl->o.batch) * pl->o.batch,
				       i % pl->o.batch + 1, e);
	}
	free(ids);
	return rc;
}

/* Sync the transport, then record the batch's clean-ups (size
 * UINT64_MAX: failed) as done.  A failed sync records none: they are
 * redone next run. */
static eg_err
mark_cleaned(eg_pipeline *pl, const eg_tfile *v, size_t n, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	size_t i;
	eg_err rc;

	if ((rc = eg_transport_sync(pl->t, e))) {
		if (eg_err_severity(rc) == EG_SEV_ABORT)
			return rc;
		note(pl, "clean-up not durable (retried next run): %s", e->msg);
		eg_error_clear(e);
		return EG_OK;
	}
	if ((rc = eg_ledger_begin(pl->l, e)))
		return rc;
	for (i = 0; !rc && i < n; i++)
		if (v[i].size != UINT64_MAX)
			rc = eg_ledger_exec(pl->l, e,
					    "UPDATE files SET post_action='done' "
					    "WHERE partner=?1 AND remote_path=?2 "
					    "AND size=?3 AND mtime=?4 AND "
					    "post_action='pending'",
					    "ttii", p->id, v[i].path,
					    (int64_t)v[i].size, v[i].mtime);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	return rc;
}

/* A clean-up the server refused (not a lost session): counted in the
 * ledger; from the profile's attention-after on, `status` shows it. */
static void
cleanup_refused(eg_pipeline *pl, const eg_tfile *f, const char *why)
{
	const eg_profile *p = pl->pp->profile;
	int64_t n = 0;
	eg_error le;

	eg_error_clear(&le);
	if (eg_ledger_cleanup_refused(pl->l, p->id, f->path, f->size, f->mtime,
				      pl->o.now, p->cleanup_attention, why, &n,
				      &le) != EG_OK)
		note(pl, "cannot note the refused clean-up: %s", le.msg);
	else if (p->cleanup_attention && n >= (int64_t)p->cleanup_attention)
		note(pl, "clean-up of %s refused %lld times: needs attention "
			 "(see edigate status)",
		     f->path, (long long)n);
}

/* Source clean-up: only for files whose outcome is committed. */
static eg_err
post_actions(eg_pipeline *pl, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	eg_stmt *st;
	eg_err rc;
	int r;
	eg_tlist tl;
	size_t i;

	memset(&tl, 0, sizeof(tl));
	rc = eg_ledger_query(pl->l, &st, e,
			     "SELECT name, remote_path, size, mtime, id FROM "
			     "files WHERE partner=?1 AND post_action='pending' "
			     "AND state NOT IN ('received','processed') AND "
			     "source=?2 ORDER BY n",
			     "tt", p->id, pl->t->ops->name);
	if (rc)
		return rc;
	while (!rc && (r = eg_ledger_step(pl->l, st, e)) == 1) {
		char done[PATH_MAX] = "";

		if (p->done_suffix)
			snprintf(done, sizeof(done), "%s%s", eg_col_text(st, 1),
				 p->done_suffix);
		/* the id rides in the name slot of a second entry-free list:
		 * keep it simple, one list, ids looked up again below */
		rc = eg_tlist_add(&tl, eg_col_text(st, 0), eg_col_text(st, 1),
				  (uint64_t)eg_col_int(st, 2), eg_col_int(st, 3),
				  done[0] ? done : NULL);
	}
	eg_ledger_done(st);
	if (rc || r < 0) {
		eg_tlist_free(&tl);
		return rc ? rc : e->code;
	}
	for (i = 0; !rc && i < tl.n; i++) {
		crash_point(pl, "before-cleanup");
		rc = pl->t->ops->post(pl->t, &tl.v[i], e);
		if (rc && eg_transport_transient(e)) {
			/* the session is gone: note what was done, then let
			 * serve_partner try a new session */
			eg_error fe = *e;
			size_t b = (i / pl->o.batch) * pl->o.batch;

			note(pl, "clean-up of %s failed: %s", tl.v[i].path,
			     e->msg);
			tl.v[i].size = UINT64_MAX;
			rc = mark_cleaned(pl, tl.v + b, i - b + 1, e);
			if (!rc) {
				*e = fe;
				rc = EG_EIO;
			}
			break;
		}
		if (rc) {
			/* retried next run; never a second ingest (the ledger
			 * knows path, size and mtime) */
			note(pl, "clean-up of %s failed (retried next run): %s",
			     tl.v[i].path, e->msg);
			cleanup_refused(pl, &tl.v[i], e->msg);
			eg_error_clear(e);
			rc = EG_OK;
			tl.v[i].size = UINT64_MAX; /* not done: not recorded */
		}
		/* batched: synced, then recorded; a clean-up redone after a
		 * crash finds the file already gone (or moved), which is
		 * fine */
		if ((i + 1) % pl->o.batch == 0 || i + 1 == tl.n)
			rc = mark_cleaned(pl, tl.v + (i / pl->o.batch) *
							  pl->o.batch,
					  i % pl->o.batch + 1, e);
	}
	eg_tlist_free(&tl);
	return rc;
}

/* Is file id in one of the states (SQL list)?  Errors count as yes:
 * the sweep then keeps what it is not sure of. */
static int
in_state(eg_pipeline *pl, const char *id, int received_too)
{
	eg_error e;
	int64_t n = 1;

	eg_error_clear(&e);
	if (eg_ledger_int(pl->l, &n, 0, &e,
			    received_too
				? "SELECT count(*) FROM files WHERE id=?1 AND "
				  "state IN ('received','processed')"
				: "SELECT count(*) FROM files WHERE id=?1 AND "
				  "state='processed'",
			    "t", id))
		return 1;
	return n != 0;
}

/*
 * Remove what no ledger row needs any more: spool copies of files that
 * reached a final state, fetch temporaries of a crashed run, and staged
 * work files of files that are not waiting to be published (a crashed
 * attempt, or records taken back to nothing).  Run at the start of a
 * partner's run and at its end: deletions are kept out of the middle of
 * a run, where they would slow every create after them (ext4 skips
 * recently freed inodes).  Nothing here is needed for durability.
 */
static void
sweep_orphans(eg_pipeline *pl)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], id[32];
	DIR *d;
	struct dirent *de;
	eg_error e;

	if (!eg_path(dir, sizeof(dir), &e, "%s/in/%s", pl->o.spool,
		     pl->pp->profile->id) &&
	    (d = opendir(dir))) {
		while ((de = readdir(d)) != NULL) {
			int fetch_tmp = !strncmp(de->d_name, ".fetch-", 7);

			if (de->d_name[0] == '.' && !fetch_tmp)
				continue;
			if (!fetch_tmp && in_state(pl, de->d_name, 1))
				continue;
			if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir,
					     de->d_name) < sizeof(p))
				(void)unlink(p);
		}
		closedir(d);
	}
	/* work/ holds staged files of every partner: "<id>.<what>" */
	if (eg_path(dir, sizeof(dir), &e, "%s/work", pl->o.spool) ||
	    !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strchr(de->d_name, '.');
		size_t n = dot ? (size_t)(dot - de->d_name) : 0;

		if (n == 0 || n >= sizeof(id))
			continue;
		memcpy(id, de->d_name, n);
		id[n] = '\0';
		if (in_state(pl, id, 0))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    sizeof(p))
			continue;
		if (unlink(p) != 0 && errno == EISDIR)
			eg_remove_tree(p); /* a bundle's unpack folder */
	}
	closedir(d);
}

/* A batch was not committed: its files are received again, to be tried
 * next run, and count as failed, not as processed. */
static void
summary_undo(eg_pipeline_counts *c, const eg_pipeline_counts *before)
{
	unsigned long failed =
	    c->failed + (c->processed - before->processed);

	c->processed = before->processed;
	c->accepted = before->accepted;
	c->partial = before->partial;
	c->rejected = before->rejected;
	c->duplicates = before->duplicates;
	c->records = before->records;
	c->acks = before->acks;
	c->failed = failed;
}

/* Process every received file of the partner, batch by batch. */
static eg_err
process_all(eg_pipeline *pl, eg_error *e)
{
	int64_t after = 0;
	eg_err rc = EG_OK;

	for (;;) {
		char (*ids)[32] = calloc(pl->o.batch, 32);
		int64_t *ns = calloc(pl->o.batch, sizeof(int64_t));
		/* the counts say what was committed: a batch that does not
		 * commit gives its files back (summary_undo) */
		eg_pipeline_counts before = *pl->c;
		size_t n = 0, i;
		eg_stmt *st;
		int r;

		if (!ids || !ns) {
			free(ids);
			free(ns);
			return eg_fail(e, EG_ENOMEM, "out of memory");
		}
		rc = eg_ledger_query(pl->l, &st, e,
				     "SELECT id, n FROM files WHERE partner=?1 "
				     "AND state='received' AND n>?2 ORDER BY n "
				     "LIMIT ?3",
				     "tii", pl->pp->profile->id, after,
				     (int64_t)pl->o.batch);
		while (!rc && (r = eg_ledger_step(pl->l, st, e)) == 1) {
			snprintf(ids[n], 32, "%s", eg_col_text(st, 0));
			ns[n++] = eg_col_int(st, 1);
		}
		if (!rc)
			eg_ledger_done(st);
		if (!rc && r < 0)
			rc = e->code;
		if (rc || n == 0) {
			free(ids);
			free(ns);
			return rc;
		}
		rc = eg_ledger_begin(pl->l, e);
		for (i = 0; !rc && i < n; i++) {
			eg_error fe;
			eg_err frc;

			after = ns[i];
			if ((rc = eg_ledger_savepoint(pl->l, "file", e)))
				break;
			eg_error_clear(&fe);
			frc = process_file(pl, ids[i], &fe);
			if (frc) {
				/* the environment failed for this file: it
				 * stays received and is tried next run */
				rc = eg_ledger_rollback_to(pl->l, "file", e);
				note(pl, "%s: not processed (tried again next "
					 "run): %s",
				     ids[i], fe.msg);
				count_failure(pl, "%s not processed: %s",
					      ids[i], fe.msg);
				/* a full disk makes SQLite undo the whole
				 * transaction, savepoint and all: the file's
				 * error is the cause to report, not the
				 * missing savepoint */
				if (rc || (eg_err_severity(frc) == EG_SEV_ABORT &&
					   frc != EG_ENOTFOUND)) {
					*e = fe;
					rc = frc;
				}
				continue;
			}
			rc = eg_ledger_release(pl->l, "file", e);
		}
		/* everything the batch staged is durable before the commit
		 * that records the decisions (group commit) */
		if (!rc)
			rc = eg_sync_fs(pl->o.spool, e);
		if (!rc) {
			crash_point(pl, "before-commit");
			rc = eg_ledger_commit(pl->l, e);
		} else {
			eg_ledger_rollback(pl->l);
		}
		free(ids);
		free(ns);
		if (rc) {
			summary_undo(pl->c, &before);
			return rc;
		}
		crash_point(pl, "after-commit");
		if ((rc = publish_all(pl, e)))
			return rc;
	}
}

static eg_err
run_start(eg_pipeline *pl, int64_t *run_id, eg_error *e)
{
	/* we hold the run lock: a run still "running" died mid-way */
	eg_err rc = eg_ledger_exec(pl->l, e,
				   "UPDATE runs SET status='crashed' WHERE "
				   "partner=?1 AND status='running'",
				   "t", pl->pp->profile->id);

	if (!rc)
		rc = eg_ledger_exec(pl->l, e,
				   "INSERT INTO runs(partner,started,status) "
				   "VALUES(?1,?2,'running')",
				   "ti", pl->pp->profile->id, (int64_t)pl->o.now);

	*run_id = eg_ledger_last_rowid(pl->l);
	return rc;
}

static void
run_end(eg_pipeline *pl, int64_t run_id, const eg_pipeline_counts *c,
	const char *status, const char *msg)
{
	eg_error e;

	eg_error_clear(&e);
	/* best effort: the run's outcome is also in its exit code */
	if (eg_ledger_exec(pl->l, &e,
			     "UPDATE runs SET finished=strftime('%s','now'), "
			     "status=?1, files=?2, accepted=?3, partial=?4, "
			     "rejected=?5, duplicates=?6, failed=?7, "
			     "waiting=?8, message=?9 WHERE id=?10",
			     "tiiii" "iiiti", status, (int64_t)c->files,
			     (int64_t)c->accepted, (int64_t)c->partial,
			     (int64_t)c->rejected, (int64_t)c->duplicates,
			     (int64_t)c->failed, (int64_t)c->waiting, msg,
			     run_id) != EG_OK)
		note(pl, "cannot record the run: %s", e.msg);
}

/* One session with the partner's server: fetch, process, deliver,
 * clean up. */
static eg_err
serve_session(eg_pipeline *pl, eg_error *e)
{
	eg_err rc;

	rc = eg_transport_open(&pl->t, pl->pp->profile, pl->o.home, pl->o.now,
			       e);
	if (rc)
		return rc;
	pl->t->batched = 1; /* push_acks and post_actions sync */
	rc = pull(pl, e);
	if (!rc)
		rc = process_all(pl, e);
	if (!rc)
		rc = push_acks(pl, e);
	if (!rc)
		rc = post_actions(pl, e);
	pl->t->ops->close(pl->t);
	pl->t = NULL;
	return rc;
}

/*
 * Serve the partner, within its session cap, trying a new session after
 * a transient fault (connect, timeout, protocol) with capped exponential
 * backoff and jitter.  A retry redoes nothing that was done: fetched
 * files are in the ledger, delivered acks are noted, clean-ups are
 * idempotent.
 */
static eg_err
serve_partner(eg_pipeline *pl, eg_error *e)
{
	const eg_profile *p = pl->pp->profile;
	char locks[PATH_MAX];
	unsigned attempt = 0;
	struct timespec ts;
	long long ms;
	eg_err rc;
	int slot;

	if ((rc = eg_path(locks, sizeof(locks), e, "%s/locks", pl->o.spool)))
		return rc;
	for (;;) {
		slot = -1;
		rc = p->sftp ? eg_session_take(locks, p->id, p->max_sessions,
					       p->timeout, &slot, e)
			     : EG_OK;
		if (!rc)
			rc = serve_session(pl, e);
		eg_session_release(slot);
		if (!rc || !eg_transport_transient(e) || attempt >= p->retries)
			return rc;
		attempt++;
		ms = eg_backoff_ms(attempt, p->retry_wait * 1000,
				   p->retry_max_wait * 1000, &pl->rng);
		note(pl, "%s; trying again in %.1f s (retry %u of %u)", e->msg,
		     (double)ms / 1000.0, attempt, p->retries);
		pl->c->retries++;
		eg_error_clear(e);
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

eg_err
eg_pipeline_run(eg_pipeline *pl, const eg_pipeline_partner *pp,
		eg_pipeline_counts *total, eg_error *e)
{
	eg_pipeline_counts c;
	int64_t run_id = 0;
	char work[PATH_MAX];
	eg_err rc;

	memset(&c, 0, sizeof(c));
	pl->pp = pp;
	pl->c = &c;
	pl->problem[0] = '\0';
	if ((rc = run_start(pl, &run_id, e)))
		return rc;
	/* first finish what a crashed run left: none of it needs the
	 * partner's server */
	if ((rc = eg_path(work, sizeof(work), e, "%s/work", pl->o.spool)) ||
	    (rc = eg_mkdirs(work, e)))
		goto out;
	/* never a control number the partner already has (spool_guard.h) */
	if ((rc = eg_spool_check_controls(pl->l, pl->o.spool,
					  pp->profile->id, e)))
		goto out;
	sweep_orphans(pl);
	rc = publish_all(pl, e);
	if (!rc)
		rc = process_all(pl, e);
	if (!rc && !pl->o.local_only)
		rc = serve_partner(pl, e);
	sweep_orphans(pl);
out:
	run_end(pl, run_id, &c, rc ? "failed" : c.failed ? "partly" : "ok",
		rc ? e->msg : pl->problem[0] ? pl->problem : NULL);
	total->files += c.files;
	total->processed += c.processed;
	total->accepted += c.accepted;
	total->partial += c.partial;
	total->rejected += c.rejected;
	total->duplicates += c.duplicates;
	total->failed += c.failed;
	total->waiting += c.waiting;
	total->records += c.records;
	total->acks += c.acks;
	total->retries += c.retries;
	pl->pp = NULL;
	pl->c = NULL;
	return rc;
}

/* Support staff (reprocess, release, discard): requeue.c, through these. */

eg_ledger *
eg_pl_ledger(eg_pipeline *pl)
{
	return pl->l;
}

const eg_pipeline_opts *
eg_pl_opts(const eg_pipeline *pl)
{
	return &pl->o;
}

void
eg_pl_set_partner(eg_pipeline *pl, const eg_pipeline_partner *pp)
{
	pl->pp = pp;
}

eg_err
eg_pl_insert_file(eg_pipeline *pl, const char *source, const char *name,
		  uint64_t size, const char *sha, const char *origin,
		  const char *reprocess_of, char id[32], eg_error *e)
{
	return insert_file(pl, source, NULL, name, size, 0, sha, NULL, origin,
			   reprocess_of, "none", id, e);
}

/* ========================================================================
 * Documents we sent (until the outbound pipeline records its own).
 * ======================================================================== */

typedef struct sentctx {
	eg_pipeline *pl;
	const char *id;
	eg_mapper *mapper;
	unsigned long records;
	eg_err rc;
	eg_error err;
} sentctx;

static eg_err
sent_record(void *ud, const eg_rnode *rec, eg_error *e)
{
	sentctx *sc = ud;
	const char *set = eg_rnode_text(rec, "correlation/transaction/setId");
	const char *st02 = eg_rnode_text(rec,
					 "correlation/transaction/controlNumber");
	const eg_rnode *corr = eg_rnode_child(rec, "correlation"), *k;
	int64_t txn;
	eg_err rc;

	set = set ? set : "";
	rc = eg_ledger_exec(sc->pl->l, e,
			    "INSERT INTO transactions(file_id,st01,st02,status,"
			    "records) VALUES(?1,?2,?3,'sent',1)",
			    "ttt", sc->id, set, st02);
	if (rc)
		return rc;
	txn = eg_ledger_last_rowid(sc->pl->l);
	for (k = eg_rnode_child(corr, "key"); !rc && k;
	     k = eg_rnode_next_same(k)) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");

		if (name && value)
			rc = eg_ledger_exec(
			    sc->pl->l, e,
			    "INSERT OR IGNORE INTO business_keys(partner,"
			    "set_id,name,value,file_id,txn_id,first_seen,"
			    "direction) VALUES(?1,?2,?3,?4,?5,?6,?7,'out')",
			    "ttttt" "ii", sc->pl->pp->profile->id, set, name,
			    value, sc->id, txn, (int64_t)sc->pl->o.now);
	}
	if (!rc)
		rc = keep_ref_lines(sc->pl->l, txn, set, rec, e);
	if (!rc)
		sc->records++;
	return rc;
}

static void
sent_unit(void *ud, const eg_unit_result *u)
{
	sentctx *sc = ud;
	const eg_x12_ctl *c = &u->ctl;
	eg_error e;
	eg_err rc = EG_OK;

	if (sc->mapper)
		eg_mapper_unit_end(sc->mapper, u);
	/* what the partner's TA1 / 997 / 999 will name (ledger_acks.h) */
	eg_error_clear(&e);
	if (u->level == EG_LVL_GROUP || u->level == EG_LVL_INTERCHANGE)
		rc = eg_ledger_sent_unit(sc->pl->l, sc->id,
					 u->level == EG_LVL_GROUP, c->isa13,
					 u->level == EG_LVL_GROUP ? c->gs_sender
								  : c->sender,
					 u->level == EG_LVL_GROUP
					     ? c->gs_receiver
					     : c->receiver,
					 c->gs01, c->gs06, c->gs08,
					 (int64_t)sc->pl->o.now, &e);
	if (rc && !sc->rc) {
		sc->rc = rc;
		sc->err = e;
	}
}

static eg_err
sent_segment(void *ud, const eg_x12_segment *seg, eg_error *e)
{
	return eg_mapper_segment(((sentctx *)ud)->mapper, seg, e);
}

eg_err
eg_pipeline_record_sent(eg_pipeline *pl, const eg_pipeline_partner *pp,
			const char *path, char id[32], unsigned long *records,
			eg_error *e)
{
	sentctx sc;
	eg_mapper_opts mo;
	eg_x12_check_opts co;
	eg_envelope_events ev;
	eg_x12_check_result res;
	eg_source *src = NULL;
	char sha[EG_SHA256_HEX];
	const char *base = strrchr(path, '/');
	struct stat sb;
	eg_err rc;

	*records = 0;
	if (stat(path, &sb) != 0)
		return eg_fail(e, EG_ENOTFOUND, "%s: %s", path, strerror(errno));
	if ((rc = eg_sha256_file(path, sha, e)))
		return rc;
	memset(&sc, 0, sizeof(sc));
	memset(&mo, 0, sizeof(mo));
	memset(&co, 0, sizeof(co));
	sc.pl = pl;
	sc.id = id;
	pl->pp = pp;
	if ((rc = eg_ledger_begin(pl->l, e)))
		goto out;
	rc = insert_file(pl, "sent", NULL, base ? base + 1 : path,
			 (uint64_t)sb.st_size, 0, sha, NULL, NULL, NULL, "none",
			 id, e);
	mo.maps = pl->o.maps;
	mo.now = pl->o.now;
	mo.file_id = id;
	mo.file_name = base ? base + 1 : path;
	mo.file_sha256 = sha;
	mo.eager = 0; /* only whole, accepted interchanges are remembered */
	mo.record = sent_record;
	mo.ud = &sc;
	if (!rc)
		rc = eg_mapper_new(&sc.mapper, &mo, e);
	co.limits = eg_x12_limits_default();
	co.guides = pl->o.guides;
	co.segment = sent_segment;
	co.segment_ud = &sc;
	memset(&ev, 0, sizeof(ev));
	ev.unit_end = sent_unit;
	ev.ud = &sc;
	if (!rc)
		rc = eg_source_open_file(&src, path, e);
	if (!rc)
		rc = eg_x12_check(src, &co, &ev, &res, e);
	if (!rc)
		rc = eg_mapper_error(sc.mapper, e);
	if (!rc && sc.rc) {
		rc = sc.rc;
		*e = sc.err;
	}
	if (!rc)
		rc = eg_ledger_exec(pl->l, e,
				    "UPDATE files SET spool_path=NULL, "
				    "summary=?1 WHERE id=?2",
				    "tt", "a document we sent", id);
	if (!rc)
		rc = eg_ledger_set_state(pl->l, id, "sent", NULL, e);
	if (!rc)
		rc = eg_ledger_commit(pl->l, e);
	else
		eg_ledger_rollback(pl->l);
	*records = sc.records;
out:
	eg_source_free(src);
	eg_mapper_free(sc.mapper);
	pl->pp = NULL;
	return rc;
}
