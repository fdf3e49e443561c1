/*
 * spool_guard.c - read the spool's folders for the numbers a lost ledger
 * would reuse (see spool_guard.h).
 *
 * Names, not contents, are read: an id is "YYYYMMDD-NNNNNN" at the start
 * of a name in archive/P/YYYY-MM/, out/P/, quarantine/P/, in/P/ and
 * work/ (whose staged files alone are no sign of a lost ledger).  An
 * acknowledgement's or a sent document's control number is its ISA13 (the
 * first 106 bytes of each file in out/P/acks/ and out/P/sent/, whose names
 * the profile's <outbound file-name=> decides), else the last run of
 * digits of its name.  The walk is bounded by the spool's own
 * layout (two or three levels), never followed through links.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edigate/spool_guard.h"

/* NNNNNN of "YYYYMMDD-NNNNNN...", or 0. */
static uint64_t
id_seq(const char *name)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	if (name[8] != '-')
		return 0;
	for (i = 9; name[i] >= '0' && name[i] <= '9' && i < 27; i++)
		v = v * 10 + (uint64_t)(name[i] - '0');
	return i >= 15 ? v : 0;
}

static void
seen(eg_spool_info *si, const char *rel, const char *name)
{
	uint64_t n = id_seq(name);

	if (!n)
		return;
	if (n > si->max_file_seq)
		si->max_file_seq = n;
	/* staged files of a transaction that never committed (the first
	 * outbound file of a new spool killed before its commit): nothing
	 * was published from them, so they are no sign of a lost ledger */
	if (!strcmp(rel, "work"))
		return;
	if (!si->on_disk++ &&
	    (size_t)snprintf(si->example, sizeof(si->example), "%s/%s", rel,
			     name) >= sizeof(si->example))
		si->example[0] = '\0'; /* too long to quote */
}

/* Every name in spool/rel (depth 0), or in its subfolders (depth 1, 2). */
static void
walk(eg_spool_info *si, const char *spool, const char *rel, int depth)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", spool, rel) >=
	    sizeof(path) || !(d = opendir(path)))
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (depth == 0) {
			seen(si, rel, de->d_name);
			continue;
		}
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
				     de->d_name) < sizeof(sub))
			walk(si, spool, sub, depth - 1);
	}
	closedir(d);
}

eg_err
eg_spool_inspect(const char *spool, eg_spool_info *si, eg_error *e)
{
	char path[PATH_MAX];
	struct stat sb;

	memset(si, 0, sizeof(*si));
	if (stat(spool, &sb) != 0) {
		if (errno == ENOENT)
			return EG_OK;
		return eg_fail(e, EG_EIO, "%s: %s", spool, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return eg_fail(e, EG_ECONFIG, "the spool %s is not a directory",
			       spool);
	si->exists = 1;
	if ((size_t)snprintf(path, sizeof(path), "%s/ledger.db", spool) <
		sizeof(path) &&
	    stat(path, &sb) == 0 && sb.st_size > 0)
		si->ledger = 1;
	walk(si, spool, "archive", 2); /* archive/P/YYYY-MM/ID.gz */
	walk(si, spool, "out", 1);     /* out/P/ID.jsonl */
	walk(si, spool, "shadow", 1);  /* shadow/P/ID.jsonl (shadow mode) */
	walk(si, spool, "quarantine", 1);
	walk(si, spool, "in", 1);
	walk(si, spool, "work", 0);
	return EG_OK;
}

/* ISA13 of an acknowledgement we wrote (the ISA is fixed-width: ISA13
 * is 9 digits at byte 90), or 0 when the file does not start with one.
 * The content is read because <outbound file-name=> decides the name. */
static uint64_t
isa13_of(const char *dir, const char *name)
{
	char path[PATH_MAX], isa[106];
	uint64_t v = 0;
	size_t i;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		sizeof(path) ||
	    !(f = fopen(path, "rb")))
		return 0;
	i = fread(isa, 1, sizeof(isa), f);
	fclose(f);
	if (i < sizeof(isa) || memcmp(isa, "ISA", 3) != 0)
		return 0;
	for (i = 90; i < 99; i++) {
		if (isa[i] < '0' || isa[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(isa[i] - '0');
	}
	return v;
}

/* The digits just before the extension of a name in the default pattern
 * "{partner}-{set}-{control}.x12", or 0. */
static uint64_t
name_control(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *p = dot ? dot : name + strlen(name);
	uint64_t v = 0, mul = 1;
	int digits = 0;

	while (p > name && p[-1] >= '0' && p[-1] <= '9' && digits < 18) {
		p--;
		v += (uint64_t)(*p - '0') * mul;
		mul *= 10;
		digits++;
	}
	return digits >= 9 ? v : 0;
}

/* The largest ISA13 among the interchanges in spool/out/P/sub. */
static eg_err
max_in(const char *spool, const char *partner, const char *sub,
       uint64_t *out, eg_error *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((size_t)snprintf(path, sizeof(path), "%s/out/%s/%s", spool,
			     partner, sub) >= sizeof(path))
		return eg_fail(e, EG_ELIMIT, "spool path too long");
	if (!(d = opendir(path)))
		return errno == ENOENT ? EG_OK
				       : eg_fail(e, EG_EIO, "%s: %s", path,
						 strerror(errno));
	while ((de = readdir(d)) != NULL) {
		uint64_t v;

		if (de->d_name[0] == '.')
			continue;
		v = isa13_of(path, de->d_name);
		if (!v)
			v = name_control(de->d_name);
		if (v > *out)
			*out = v;
	}
	closedir(d);
	return EG_OK;
}

eg_err
eg_spool_max_control(const char *spool, const char *partner, uint64_t *out,
		     eg_error *e)
{
	eg_err rc;

	*out = 0;
	/* our acknowledgements and the documents `send` sent share the
	 * partner's ISA13 sequence */
	rc = max_in(spool, partner, "acks", out, e);
	if (!rc)
		rc = max_in(spool, partner, "sent", out, e);
	return rc;
}

eg_err
eg_spool_check_controls(eg_ledger *l, const char *spool, const char *partner,
			eg_error *e)
{
	int64_t known = 0;
	uint64_t max = 0;
	eg_err rc;

	rc = eg_ledger_int(l, &known, 0, e,
			   "SELECT count(*) FROM control_numbers WHERE "
			   "partner=?1",
			   "t", partner);
	if (!rc && !known)
		rc = eg_spool_max_control(spool, partner, &max, e);
	if (rc || known || !max)
		return rc;
	return eg_fail(e, EG_ECONFIG,
		       "partner %s: the ledger has no control numbers for it, "
		       "so its interchanges would start again at 1, but "
		       "%s/out/%s (acks/, sent/) holds ones we sent up to "
		       "%llu: numbers "
		       "are never reused.  Restore the ledger, or start a new "
		       "one with `edigate run --new-ledger` (it continues "
		       "after the numbers on disk)",
		       partner, spool, partner, (unsigned long long)max);
}

eg_err
eg_ledger_file_count(eg_ledger *l, int64_t *n, eg_error *e)
{
	return eg_ledger_int(l, n, 0, e, "SELECT count(*) FROM files", "");
}

/* Each partner folder under out/ with its largest control number. */
static eg_err
seed_controls(eg_ledger *l, const char *spool, char *detail, size_t cap,
	      eg_error *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	eg_err rc = EG_OK;
	size_t n = strlen(detail);

	if ((size_t)snprintf(path, sizeof(path), "%s/out", spool) >=
	    sizeof(path))
		return eg_fail(e, EG_ELIMIT, "spool path too long");
	if (!(d = opendir(path)))
		return EG_OK;
	while (!rc && (de = readdir(d)) != NULL) {
		uint64_t max = 0;

		if (de->d_name[0] == '.')
			continue;
		rc = eg_spool_max_control(spool, de->d_name, &max, e);
		if (!rc && max)
			rc = eg_ledger_exec(l, e,
					    "INSERT OR REPLACE INTO "
					    "control_numbers(partner,kind,last) "
					    "VALUES(?1,'isa',?2)",
					    "ti", de->d_name, (int64_t)max);
		if (!rc && max && n < cap)
			n += (size_t)snprintf(detail + n, cap - n,
					      "; %s control numbers after %llu",
					      de->d_name,
					      (unsigned long long)max);
	}
	closedir(d);
	return rc;
}

eg_err
eg_spool_seed_ledger(eg_ledger *l, const char *spool, const char *actor,
		     time_t now, eg_error *e)
{
	eg_spool_info si;
	char detail[1024];
	int64_t n = 0;
	eg_err rc;

	if ((rc = eg_spool_inspect(spool, &si, e)) ||
	    (rc = eg_ledger_file_count(l, &n, e)))
		return rc;
	if (n > 0)
		return eg_fail(e, EG_ECONFIG,
			       "the ledger already holds %lld file(s): a new "
			       "ledger is only started where there is none",
			       (long long)n);
	snprintf(detail, sizeof(detail), "file ids after %llu",
		 (unsigned long long)si.max_file_seq);
	if ((rc = eg_ledger_begin(l, e)))
		return rc;
	/* files.n is AUTOINCREMENT: ids continue after sqlite_sequence */
	rc = eg_ledger_exec(l, e, "DELETE FROM sqlite_sequence WHERE "
				  "name='files'", "");
	if (!rc)
		rc = eg_ledger_exec(l, e,
				    "INSERT INTO sqlite_sequence(name,seq) "
				    "VALUES('files',?1)",
				    "i", (int64_t)si.max_file_seq);
	if (!rc)
		rc = seed_controls(l, spool, detail, sizeof(detail), e);
	if (!rc)
		rc = eg_ledger_audit(l, actor, "new-ledger", NULL,
				     "run --new-ledger", detail, e);
	(void)now;
	if (!rc)
		rc = eg_ledger_commit(l, e);
	else
		eg_ledger_rollback(l);
	return rc;
}
