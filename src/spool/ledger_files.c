/*
 * ledger_files.c - named questions about received files (see
 * ledger_files.h).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/ledger_files.h"

eg_err
eg_ledger_file_sets(eg_ledger *l, const char *file_id, eg_ledger_sets *out,
		    eg_error *e)
{
	eg_stmt *q;
	eg_err rc;
	int r;

	memset(out, 0, sizeof(*out));
	rc = eg_ledger_query(l, &q, e,
			     "SELECT "
			     "count(CASE WHEN status IN ('accepted','change') "
			     "THEN 1 END), count(CASE WHEN status='ack-only' "
			     "THEN 1 END), count(CASE WHEN status='rejected' "
			     "THEN 1 END), count(CASE WHEN status='duplicate' "
			     "THEN 1 END) FROM transactions "
			     "WHERE file_id=?1",
			     "t", file_id);
	if (rc)
		return rc;
	r = eg_ledger_step(l, q, e);
	if (r == 1) {
		out->records = eg_col_int(q, 0);
		out->ack_only = eg_col_int(q, 1);
		out->rejected = eg_col_int(q, 2);
		out->duplicate = eg_col_int(q, 3);
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}

static const char states[] =
    "received processed accepted partial rejected duplicate unpacked "
    "released reprocessed discarded sent";

const char *
eg_ledger_file_states(void)
{
	return states;
}

int
eg_ledger_is_file_state(const char *s)
{
	size_t n = strlen(s);
	const char *p = states;

	if (strchr(s, ' '))
		return 0; /* one word */

	while (n && (p = strstr(p, s)) != NULL) {
		if ((p == states || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

eg_err
eg_ledger_partners(eg_ledger *l, char *dst, size_t cap, eg_error *e)
{
	eg_stmt *q;
	size_t n = 0;
	eg_err rc;
	int r;

	dst[0] = '\0';
	rc = eg_ledger_query(l, &q, e,
			     "SELECT partner FROM files UNION SELECT partner "
			     "FROM runs ORDER BY 1",
			     "");
	if (rc)
		return rc;
	while ((r = eg_ledger_step(l, q, e)) == 1) {
		const char *p = eg_col_text(q, 0);
		size_t k = strlen(p) + (n ? 1 : 0);

		if (n + k + 1 > cap)
			continue;
		snprintf(dst + n, cap - n, "%s%s", n ? " " : "", p);
		n += k;
	}
	eg_ledger_done(q);
	return r < 0 ? e->code : EG_OK;
}
