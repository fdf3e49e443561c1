/*
 * batch_cli.c - what `edigate show` tells of a nightly master-data batch:
 * its counts against the baseline it was compared with, the verdict and
 * the baseline it left (ledger_batch.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edigate/ledger_batch.h"

eg_err
eg_cli_show_batch(eg_ledger *l, eg_buf *b, int json, const char *id,
		  eg_error *e)
{
	eg_ledger_batch bt;
	int found;
	eg_err rc;

	if ((rc = eg_ledger_batch_get(l, id, &bt, &found, e)))
		return rc;
	if (!found)
		return json ? eg_buf_adds(b, ",\"batch\":null") : EG_OK;
	if (json) {
		rc = eg_buf_adds(b, ",\"batch\":{\"document\":");
		if (!rc)
			rc = eg_cli_json_str(b, bt.document);
		if (!rc)
			rc = eg_buf_adds(b, ",\"verdict\":");
		if (!rc)
			rc = eg_cli_json_str(b, bt.verdict);
		if (!rc)
			rc = eg_buf_adds(b, ",\"why\":");
		if (!rc)
			rc = eg_cli_json_str(b, bt.why);
		if (!rc)
			rc = eg_buf_addf(
			    b,
			    ",\"rows\":%llu,\"added\":%llu,\"changed\":%llu,"
			    "\"deleted\":%llu,\"unchanged\":%llu,"
			    "\"rejected\":%llu,\"duplicateKeys\":%llu,"
			    "\"rowsBefore\":%llu,\"baseFileId\":",
			    (unsigned long long)bt.rows,
			    (unsigned long long)bt.added,
			    (unsigned long long)bt.changed,
			    (unsigned long long)bt.deleted,
			    (unsigned long long)bt.unchanged,
			    (unsigned long long)bt.rejected,
			    (unsigned long long)bt.duplicates,
			    (unsigned long long)bt.rows_before);
		if (!rc)
			rc = bt.base_id[0] ? eg_cli_json_str(b, bt.base_id)
					   : eg_buf_adds(b, "null");
		if (!rc)
			rc = eg_buf_adds(b, ",\"baseline\":");
		if (!rc)
			rc = bt.baseline[0] ? eg_cli_json_str(b, bt.baseline)
					    : eg_buf_adds(b, "null");
		if (!rc)
			rc = eg_buf_addc(b, '}');
	} else {
		rc = eg_buf_addf(
		    b,
		    "\nmaster-data batch (%s): %s: %s\n"
		    "  rows %llu: added %llu, changed %llu, deleted %llu, "
		    "unchanged %llu, rejected %llu, duplicate keys %llu\n"
		    "  compared with: %s%s%llu rows)\n"
		    "  baseline left: %s\n",
		    bt.document, bt.verdict, bt.why, (unsigned long long)bt.rows,
		    (unsigned long long)bt.added,
		    (unsigned long long)bt.changed,
		    (unsigned long long)bt.deleted,
		    (unsigned long long)bt.unchanged,
		    (unsigned long long)bt.rejected,
		    (unsigned long long)bt.duplicates,
		    bt.base_id[0] ? bt.base_id : "nothing (the first batch",
		    bt.base_id[0] ? " (" : ", ",
		    (unsigned long long)bt.rows_before,
		    bt.baseline[0] ? bt.baseline
				   : "none: the current baseline stays");
	}
	if (rc && !e->code)
		return eg_fail(e, rc, "output too large");
	return rc;
}
