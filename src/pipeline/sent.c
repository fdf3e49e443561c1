/*
 * sent.c - documents we sent (`edigate sent`), until the outbound
 * pipeline records its own: their keys and control numbers are kept, so
 * the partner's acknowledgements and later answers can be matched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "edigate/digest.h"
#include "edigate/format.h"
#include "edigate/ledger_acks.h"
#include "edigate/source.h"
#include "edigate/syntax.h"
#include "pipeline_int.h"

typedef struct sentctx {
	eg_pipeline *pl;
	const eg_syntax_desc *syn;
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
	const char *st02 =
	    eg_rnode_text(rec, "correlation/transaction/controlNumber");
	const eg_rnode *corr = eg_rnode_child(rec, "correlation"), *k;
	int64_t txn;
	eg_err rc;

	set = set ? set : "";
	if ((rc = eg_ledger_pl_txn_sent(sc->pl->l, sc->id, set, st02, &txn, e)))
		return rc;
	for (k = eg_rnode_child(corr, "key"); !rc && k;
	     k = eg_rnode_next_same(k)) {
		const char *name = eg_rnode_text(k, "name");
		const char *value = eg_rnode_text(k, "value");

		if (name && value)
			rc = eg_ledger_pl_key_sent(
			    sc->pl->l, sc->pl->pp->profile->id, set, name,
			    value, sc->id, txn, sc->pl->o.now, e);
	}
	if (!rc)
		rc = eg_pl_keep_ref_lines(sc->pl->l, txn, set, rec, e);
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
		rc = eg_ledger_sent_unit(
		    sc->pl->l, sc->id, u->level == EG_LVL_GROUP, c->isa13,
		    u->level == EG_LVL_GROUP ? c->gs_sender : c->sender,
		    u->level == EG_LVL_GROUP ? c->gs_receiver : c->receiver,
		    c->gs01, c->gs06, c->gs08, (int64_t)sc->pl->o.now, &e);
	if (rc && !sc->rc) {
		sc->rc = rc;
		sc->err = e;
	}
}

static eg_err
sent_segment(void *ud, const eg_segment *seg, eg_error *e)
{
	sentctx *sc = ud;

	return sc->syn->map_segment(sc->mapper, seg, e);
}

eg_err
eg_pipeline_record_sent(eg_pipeline *pl, const eg_pipeline_partner *pp,
			const char *path, char id[32], unsigned long *records,
			eg_error *e)
{
	sentctx sc;
	eg_mapper_opts mo;
	eg_syntax_check_opts co;
	eg_envelope_events ev;
	eg_syntax_check_result res;
	eg_source *src = NULL;
	unsigned char head[EG_SYNTAX_HEAD];
	size_t got;
	char sha[EG_SHA256_HEX], term;
	const char *base = strrchr(path, '/');
	struct stat sb;
	eg_err rc;

	*records = 0;
	if (stat(path, &sb) != 0)
		return eg_fail(e, EG_ENOTFOUND, "%s: %s", path,
			       strerror(errno));
	if ((rc = eg_sha256_file(path, sha, e)) ||
	    (rc = eg_format_sniff_file(path, head, sizeof(head), &got, e)))
		return rc;
	memset(&sc, 0, sizeof(sc));
	/* what we send is X12 today: a file no syntax takes is read as X12,
	 * whose checks then say what is wrong with it */
	sc.syn = eg_syntax_detect(head, got, &term);
	if (!sc.syn)
		sc.syn = &eg_syntax_x12;
	memset(&mo, 0, sizeof(mo));
	memset(&co, 0, sizeof(co));
	sc.pl = pl;
	sc.id = id;
	pl->pp = pp;
	if ((rc = eg_ledger_begin(pl->l, e)))
		goto out;
	rc = eg_pl_new_file(pl, "sent", NULL, base ? base + 1 : path,
			    (uint64_t)sb.st_size, 0, sha, NULL, NULL, NULL,
			    "none", id, e);
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
	co.limits = sc.syn->limits();
	co.guides = pl->o.guides;
	co.segment = sent_segment;
	co.segment_ud = &sc;
	memset(&ev, 0, sizeof(ev));
	ev.unit_end = sent_unit;
	ev.ud = &sc;
	if (!rc)
		rc = eg_source_open_file(&src, path, e);
	if (!rc)
		rc = sc.syn->check(src, &co, &ev, &res, e);
	if (!rc)
		rc = eg_mapper_error(sc.mapper, e);
	if (!rc && sc.rc) {
		rc = sc.rc;
		*e = sc.err;
	}
	if (!rc)
		rc = eg_ledger_pl_file_sent(pl->l, id, "a document we sent", e);
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
