/*
 * dedupe.c - set digests, business keys read from segments, and the
 * judgement of a set under a control number seen before (dedupe.h).
 *
 * The digest covers a message from its header to its trailer (ST..SE,
 * UNH..UNT) as sent (delimiters included), one segment a line, so a VAN's replay or a partner's resend of the same document in
 * a new envelope (new ISA date, new ISA13) has the same digest, and any
 * change inside the set gives another.  Keys follow the shipped map's
 * first <key>: the field at its path names the element to read.  The
 * segments are read through the file's syntax descriptor (syntax.h: its
 * segment view), never with one syntax's accessors by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "edigate/digest.h"

struct eg_dedupe {
	eg_maps *maps;
	const eg_syntax_desc *syn;
	char gs08[16];
	eg_sha256 *sha;     /* of the open set */
	char digest[EG_SHA256_HEX];
	/* the key of the open set */
	const char *kname;
	char ktag[4];
	unsigned kelem, kcomp;
	char key[160];
};

eg_err
eg_dedupe_new(eg_dedupe **out, eg_maps *maps, const eg_syntax_desc *syn,
	      eg_error *e)
{
	eg_dedupe *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	d->maps = maps;
	d->syn = syn;
	*out = d;
	return EG_OK;
}

void
eg_dedupe_free(eg_dedupe *d)
{
	if (!d)
		return;
	eg_sha256_free(d->sha);
	free(d);
}

static void
span_cpy(char *dst, size_t cap, eg_span s)
{
	snprintf(dst, cap, "%.*s", (int)(s.len < cap ? s.len : cap - 1), s.p);
}

/* A new set: find where its map reads its key (none: no map). */
static void
set_begin(eg_dedupe *d, const eg_segment *seg)
{
	const eg_map *m = NULL;
	char st01[8] = "";
	eg_error e;

	d->key[0] = '\0';
	d->kname = NULL;
	if (!d->maps)
		return;
	d->syn->doc_id(seg, st01, sizeof(st01), d->gs08, sizeof(d->gs08));
	eg_error_clear(&e);
	/* a broken map file is the mapper's to report */
	if (eg_maps_find(d->maps, st01, d->gs08, &m, &e) || !m ||
	    !eg_map_key_source(m, &d->kname, d->ktag, &d->kelem, &d->kcomp))
		d->kname = NULL;
}

eg_err
eg_dedupe_segment(eg_dedupe *d, const eg_segment *seg, eg_error *e)
{
	eg_seg_role role = d->syn->role(seg);
	eg_err rc;

	if (role == EG_SEG_GROUP) {
		d->gs08[0] = '\0';
		d->syn->doc_id(seg, NULL, 0, d->gs08, sizeof(d->gs08));
		return EG_OK;
	}
	if (role == EG_SEG_MESSAGE) {
		eg_sha256_free(d->sha);
		d->sha = NULL;
		if ((rc = eg_sha256_begin(&d->sha, e)))
			return rc;
		set_begin(d, seg);
	}
	if (!d->sha)
		return EG_OK; /* outside a set */
	if ((rc = eg_sha256_update(d->sha, seg->data, seg->len, e)) ||
	    (rc = eg_sha256_update(d->sha, "\n", 1, e)))
		return rc;
	if (d->kname && !d->key[0] && !strcmp(seg->id, d->ktag)) {
		eg_span v = d->syn->value(seg, d->kelem, 0, d->kcomp);
		char val[120];

		span_cpy(val, sizeof(val), v);
		if (val[0])
			snprintf(d->key, sizeof(d->key), "%s=%s", d->kname,
				 val);
	}
	return EG_OK;
}

eg_err
eg_dedupe_set_end(eg_dedupe *d, const char **digest, const char **key,
		  eg_error *e)
{
	eg_err rc = EG_OK;

	d->digest[0] = '\0';
	if (d->sha)
		rc = eg_sha256_end(d->sha, d->digest, e); /* frees it */
	d->sha = NULL;
	*digest = d->digest;
	*key = d->key;
	return rc;
}

eg_err
eg_dedupe_unit(eg_ledger *l, eg_dd_unit *u, int group, const char *a,
	       const char *b, const char *c, const eg_profile *p, int64_t now,
	       const char *file_id, const char *origin, int64_t seq,
	       eg_error *e)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->a, sizeof(u->a), "%s", a);
	snprintf(u->b, sizeof(u->b), "%s", b);
	snprintf(u->c, sizeof(u->c), "%s", c);
	snprintf(u->file_id, sizeof(u->file_id), "%s", file_id);
	snprintf(u->origin, sizeof(u->origin), "%s", origin);
	u->key.group = group;
	u->key.a = u->a;
	u->key.b = u->b;
	u->key.c = u->c;
	u->key.partner = p->id;
	u->key.since = now - p->dup_window;
	u->key.file_id = u->file_id;
	u->key.origin = u->origin;
	u->key.seq = seq;
	return eg_ledger_unit_past(l, &u->key, &u->past, e);
}

eg_err
eg_dedupe_judge(eg_ledger *l, const eg_dd_unit *u, const char *digest,
		const eg_profile *p, eg_dd_verdict *v, char of[32],
		eg_error *e)
{
	char file[32], status[16];
	eg_err rc;

	*v = EG_DD_NEW;
	of[0] = '\0';
	if (!u->past.seen)
		return EG_OK;
	if (digest[0] &&
	    (rc = eg_ledger_set_seen(l, &u->key, digest, file, status, e)))
		return rc;
	/* the same bytes went through before (an acknowledge-only set
	 * too: it was taken, with no record to make) */
	if (digest[0] && file[0] &&
	    (!strcmp(status, "accepted") || !strcmp(status, "change") ||
	     !strcmp(status, "duplicate") || !strcmp(status, "ack-only"))) {
		*v = EG_DD_DUPLICATE;
		snprintf(of, 32, "%s", file);
	} else if (digest[0] && file[0] && !strcmp(status, "held")) {
		/* the same as one waiting for a person: wait with it */
		*v = EG_DD_HELD;
		snprintf(of, 32, "%s", u->past.first);
	} else if (u->past.latest_rejected) {
		*v = p->dup_resend_hold ? EG_DD_HELD : EG_DD_RESEND;
		snprintf(of, 32, "%s", u->past.latest);
	} else {
		*v = p->dup_reuse_accept ? EG_DD_REUSE_NEW : EG_DD_HELD;
		snprintf(of, 32, "%s", u->past.first);
	}
	return EG_OK;
}

void
eg_dd_tally_add(eg_dd_tally *t, eg_dd_verdict v, const char *of)
{
	t->sets++;
	if (v == EG_DD_DUPLICATE) {
		t->dups++;
		if (!t->dup_of[0])
			snprintf(t->dup_of, sizeof(t->dup_of), "%s", of);
	} else if (v == EG_DD_HELD) {
		t->held++;
		if (!t->held_of[0])
			snprintf(t->held_of, sizeof(t->held_of), "%s", of);
	} else if (v == EG_DD_RESEND || v == EG_DD_REUSE_NEW) {
		t->resend |= v == EG_DD_RESEND;
		t->reuse_new |= v == EG_DD_REUSE_NEW;
		if (!t->other_of[0])
			snprintf(t->other_of, sizeof(t->other_of), "%s", of);
	}
}

const char *
eg_dd_unit_status(const eg_dd_tally *t, int rejected, int seen, int dup_file)
{
	if (rejected)
		return "rejected";
	if (dup_file || (t->sets && t->dups == t->sets) || (!t->sets && seen))
		return "duplicate";
	return t->held ? "held" : "accepted";
}
