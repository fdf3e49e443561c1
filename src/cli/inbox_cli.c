/*
 * inbox_cli.c - a partner's inbox as `run` would see it now: the files it
 * would take, those waiting to be complete (stable-for, done-file, or
 * still under their temp-suffix name) and those no pattern takes, with
 * their names.  Used by status (local inboxes only: status never
 * connects), partner probe and partner test --from-inbox.  Listing
 * changes nothing.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/profile.h"
#include "edigate/transport.h"

int
eg_cli_inbox_scan(const eg_home *h, const eg_profile *p, time_t now,
		  int connect, eg_cli_inbox *ib)
{
	eg_transport *t = NULL;
	eg_error e;

	memset(ib, 0, sizeof(*ib));
	if (p->sftp && !connect) {
		snprintf(ib->err, sizeof(ib->err),
			 "an SFTP inbox: `edigate partner probe %s` lists it",
			 p->id);
		return -1;
	}
	eg_error_clear(&e);
	if (eg_transport_open(&t, p, h->home, now, &e) ||
	    t->ops->list(t, &ib->l, &e)) {
		snprintf(ib->err, sizeof(ib->err), "%s", e.msg);
		if (t)
			t->ops->close(t);
		return -1;
	}
	t->ops->close(t);
	ib->listed = 1;
	return 0;
}

void
eg_cli_inbox_free(eg_cli_inbox *ib)
{
	eg_tlist_free(&ib->l);
}

static const char *
why_word(int why)
{
	return why == EG_TSKIP_WAITING	 ? "waiting"
	       : why == EG_TSKIP_WRITING ? "writing"
					 : "ignored";
}

eg_err
eg_cli_inbox_text(eg_buf *b, const eg_cli_inbox *ib, int names,
		  const char *indent)
{
	const eg_tlist *l = &ib->l;
	size_t i;
	eg_err rc;

	if (!ib->listed)
		return eg_buf_addf(b, "%sinbox not listed: %s\n", indent,
				   ib->err);
	rc = eg_buf_addf(b,
			 "%sinbox: %zu file(s) to take, %zu waiting to be "
			 "complete, %zu still being written, %zu ignored "
			 "(no pattern takes them)\n",
			 indent, l->n, l->waiting, l->writing, l->ignored);
	for (i = 0; names && !rc && i < l->n; i++)
		rc = eg_buf_addf(b, "%s  take     %s\n", indent, l->v[i].name);
	for (i = 0; names && !rc && i < l->nskipped; i++)
		rc = eg_buf_addf(b, "%s  %-8s %s\n", indent,
				 why_word(l->skipped[i].why),
				 l->skipped[i].name);
	if (!rc && !names && (l->ignored || l->waiting || l->writing))
		rc = eg_buf_addf(b, "%s(--inbox-files names them)\n", indent);
	return rc;
}

eg_err
eg_cli_inbox_json(eg_buf *b, const eg_cli_inbox *ib, int names)
{
	const eg_tlist *l = &ib->l;
	size_t i;
	eg_err rc;

	if (!ib->listed) {
		rc = eg_buf_adds(b, "{\"listed\":false,\"error\":");
		if (!rc)
			rc = eg_cli_json_str(b, ib->err);
		return rc ? rc : eg_buf_adds(b, "}");
	}
	rc = eg_buf_addf(b,
			 "{\"listed\":true,\"take\":%zu,\"waiting\":%zu,"
			 "\"writing\":%zu,\"ignored\":%zu",
			 l->n, l->waiting, l->writing, l->ignored);
	if (!rc && names) {
		rc = eg_buf_adds(b, ",\"files\":[");
		for (i = 0; !rc && i < l->n; i++) {
			rc = eg_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
			if (!rc)
				rc = eg_cli_json_str(b, l->v[i].name);
			if (!rc)
				rc = eg_buf_adds(b, ",\"state\":\"take\"}");
		}
		for (i = 0; !rc && i < l->nskipped; i++) {
			rc = eg_buf_adds(b, i || l->n ? ",{\"name\":"
						      : "{\"name\":");
			if (!rc)
				rc = eg_cli_json_str(b, l->skipped[i].name);
			if (!rc)
				rc = eg_buf_addf(b, ",\"state\":\"%s\"}",
						 why_word(l->skipped[i].why));
		}
		if (!rc)
			rc = eg_buf_adds(b, "]");
	}
	return rc ? rc : eg_buf_adds(b, "}");
}

void
eg_cli_inbox_status(const eg_home *h, const char *id, time_t now, int names,
		    char *notes, size_t cap, eg_buf *lines, eg_buf *json)
{
	char path[PATH_MAX];
	eg_profile *p = NULL;
	eg_cli_inbox ib;
	eg_error e;
	size_t n = strlen(notes);

	memset(&ib, 0, sizeof(ib));
	eg_error_clear(&e);
	if ((size_t)snprintf(path, sizeof(path), "%s/partners/%s.xml", h->home,
			     id) >= sizeof(path) ||
	    eg_profile_load(&p, path, h->datadir, &e)) {
		snprintf(ib.err, sizeof(ib.err), "the profile does not load");
	} else if (eg_cli_inbox_scan(h, p, now, 0, &ib) == 0) {
		const eg_tlist *l = &ib.l;

		if (l->n || l->waiting || l->writing || l->ignored)
			snprintf(notes + n, cap - n,
				 "inbox: %zu to take, %zu waiting, %zu "
				 "ignored; ",
				 l->n, l->waiting + l->writing, l->ignored);
		if (lines && names)
			(void)!eg_cli_inbox_text(lines, &ib, 1, "    ");
	}
	if (json) {
		(void)!eg_buf_adds(json, ",\"inbox\":");
		(void)!eg_cli_inbox_json(json, &ib, names);
	}
	eg_cli_inbox_free(&ib);
	eg_profile_free(p);
}
