/*
 * cmd_shadow.c - `edigate shadow compare`: a shadow partner's canonical
 * records (the .jsonl files of spool/shadow/ID, pipeline.h) against the
 * records the manual process made for the same documents: matched, differing by
 * field, missing, extra.  Records pair by type and business keys
 * (recflat.h); where one side has a key twice, its last record counts
 * (a change replaces the original).  Read-only.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edigate/buf.h"
#include "edigate/fsutil.h"
#include "edigate/recflat.h"

#define MAX_FILE ((size_t)256 << 20)

static void
help(FILE *f)
{
	fputs("Usage: edigate shadow compare --partner ID --against DIR\n"
	      "                             [--json] [--spool DIR]\n\n"
	      "A partner whose profile says mode=\"shadow\" runs the whole\n"
	      "pipeline but delivers nothing: its records are kept in\n"
	      "spool/shadow/ID/ (docs/operations.md).  compare reads them and\n"
	      "the records the manual process made (every *.jsonl and *.json\n"
	      "file in DIR, one canonical record per line) and pairs them by\n"
	      "record type and business keys:\n"
	      "  matched    in both, every field equal\n"
	      "  differing  in both, with the fields that differ (the file\n"
	      "             ids, hashes and positions of correlation are not\n"
	      "             compared; 18.50 equals 18.5)\n"
	      "  missing    the manual process has it, the shadow has not\n"
	      "  extra      the shadow has it, the manual process has not\n"
	      "For a `run --dry-run`, give its folder as --spool.\n\n"
	      "Options:\n"
	      "  --partner ID   the shadow partner\n"
	      "  --against DIR  the manual process's records\n"
	      "  --json         one JSON object\n"
	      "  --spool DIR    the spool (default HOME/spool)\n",
	      f);
	fputs("\nExit codes:\n"
	      "  0  parity: every record matched\n"
	      "  1  records differ, are missing or are extra\n"
	      "  2  usage error (no such partner, no folder)\n"
	      "  3  a file cannot be read, or is not JSON records\n",
	      f);
}

typedef struct rec {
	char *key, *leaves, *where; /* where: "file:line" */
	size_t seq;
} rec;

typedef struct side {
	rec *v;
	size_t n, cap, files;
} side;

static void
side_free(side *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].leaves);
		free(s->v[i].where);
	}
	free(s->v);
}

static eg_err
side_add(side *s, const eg_recflat *f, const char *file, size_t line,
	 eg_error *e)
{
	char where[PATH_MAX + 32];
	rec *r;

	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 64;
		rec *v = realloc(s->v, c * sizeof(*v));

		if (!v)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		s->v = v;
		s->cap = c;
	}
	r = &s->v[s->n];
	snprintf(where, sizeof(where), "%s:%zu", file, line);
	r->key = strdup(eg_buf_cstr(&f->key));
	r->leaves = strdup(eg_buf_cstr(&f->leaves));
	r->where = strdup(where);
	r->seq = s->n;
	if (!r->key || !r->leaves || !r->where) {
		free(r->key);
		free(r->leaves);
		free(r->where);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	s->n++;
	return EG_OK;
}

static int
is_records(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       ((n > 6 && !strcmp(name + n - 6, ".jsonl")) ||
		(n > 5 && !strcmp(name + n - 5, ".json")));
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every records file of dir (sorted by name), every line a record. */
static eg_err
side_read(side *s, const char *dir, eg_error *e)
{
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	eg_recflat f;
	eg_err rc = EG_OK;
	DIR *d = opendir(dir);

	if (!d)
		return eg_fail(e, EG_ENOTFOUND, "cannot read the folder %s",
			       dir);
	while (!rc && (de = readdir(d)) != NULL) {
		if (!is_records(de->d_name))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 32;
			char **v = realloc(names, c * sizeof(*v));

			if (!v) {
				rc = eg_fail(e, EG_ENOMEM, "out of memory");
				break;
			}
			names = v;
			cap = c;
		}
		if (!(names[n] = strdup(de->d_name)))
			rc = eg_fail(e, EG_ENOMEM, "out of memory");
		else
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	eg_recflat_init(&f);
	for (i = 0; !rc && i < n; i++) {
		char *data = NULL;
		size_t len = 0, at = 0, line = 0;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) >= sizeof(path)) {
			rc = eg_fail(e, EG_ELIMIT, "path too long: %s", dir);
			break;
		}
		if ((rc = eg_file_read_small(path, MAX_FILE, &data, &len, e)))
			break;
		s->files++;
		while (!rc && at < len) {
			const char *nl = memchr(data + at, '\n', len - at);
			size_t ll = nl ? (size_t)(nl - (data + at)) : len - at;

			line++;
			if (ll > 0 && !(ll == 1 && data[at] == '\r')) {
				rc = eg_recflat_line(&f, data + at, ll, e);
				if (rc)
					rc = eg_fail(e, rc, "%s line %zu: %s",
						     path, line, e->msg);
				else
					rc = side_add(s, &f, path, line, e);
			}
			at += ll + 1;
		}
		free(data);
	}
	eg_recflat_free(&f);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
cmp_rec(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by key, the last record of each key kept. */
static void
side_index(side *s)
{
	size_t i, k = 0;

	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_rec);
	for (i = 0; i < s->n; i++) {
		if (i + 1 < s->n && !strcmp(s->v[i].key, s->v[i + 1].key)) {
			free(s->v[i].key);
			free(s->v[i].leaves);
			free(s->v[i].where);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

typedef struct out {
	eg_buf diff, missing, extra;
	long matched, differing, nmissing, nextra;
	int json;
} out;

/* The path of a leaf line and its value. */
static void
leaf_split(const char *l, size_t len, size_t *plen, const char **v,
	   size_t *vlen)
{
	const char *tab = memchr(l, '\t', len);

	*plen = tab ? (size_t)(tab - l) : len;
	*v = tab ? tab + 1 : l + len;
	*vlen = tab ? len - *plen - 1 : 0;
}

static eg_err
field(out *o, int first, const char *path, size_t plen, const char *sv,
      size_t sl, const char *mv, size_t ml)
{
	if (o->json)
		return eg_buf_addf(&o->diff,
				   "%s{\"path\":\"%.*s\",\"shadow\":%s%.*s%s,"
				   "\"manual\":%s%.*s%s}",
				   first ? "" : ",", (int)plen, path,
				   sv ? "" : "null", (int)sl, sv ? sv : "", "",
				   mv ? "" : "null", (int)ml, mv ? mv : "", "");
	return eg_buf_addf(&o->diff, "    %.*s: shadow %.*s, manual %.*s\n",
			   (int)plen, path, sv ? (int)sl : 8,
			   sv ? sv : "(absent)", mv ? (int)ml : 8,
			   mv ? mv : "(absent)");
}

/* Field by field: two sorted leaf lists. */
static eg_err
diff_leaves(out *o, const rec *s, const rec *m)
{
	const char *a = s->leaves, *b = m->leaves;
	int first = 1;
	eg_err rc = EG_OK;

	while (!rc && (*a || *b)) {
		const char *ae = *a ? strchr(a, '\n') : a;
		const char *be = *b ? strchr(b, '\n') : b;
		size_t ap = 0, bp = 0, al = 0, bl = 0;
		const char *av = NULL, *bv = NULL;
		int c;

		if (*a)
			leaf_split(a, (size_t)(ae - a), &ap, &av, &al);
		if (*b)
			leaf_split(b, (size_t)(be - b), &bp, &bv, &bl);
		if (!*a)
			c = 1;
		else if (!*b)
			c = -1;
		else {
			c = strncmp(a, b, ap < bp ? ap : bp);
			if (!c)
				c = ap < bp ? -1 : ap > bp;
		}
		if (c < 0) {
			rc = field(o, first, a, ap, av, al, NULL, 0);
			first = 0;
			a = ae + 1;
		} else if (c > 0) {
			rc = field(o, first, b, bp, NULL, 0, bv, bl);
			first = 0;
			b = be + 1;
		} else {
			if (al != bl || memcmp(av, bv, al)) {
				rc = field(o, first, a, ap, av, al, bv, bl);
				first = 0;
			}
			a = ae + 1;
			b = be + 1;
		}
	}
	return rc;
}

static eg_err
one_key(eg_buf *b, int json, long n, const rec *r)
{
	eg_err rc;

	if (!json)
		return eg_buf_addf(b, "  %s  (%s)\n", r->key, r->where);
	rc = eg_buf_addf(b, "%s{\"key\":", n ? "," : "");
	if (!rc)
		rc = eg_cli_json_str(b, r->key);
	if (!rc)
		rc = eg_buf_adds(b, ",\"at\":");
	if (!rc)
		rc = eg_cli_json_str(b, r->where);
	if (!rc)
		rc = eg_buf_addc(b, '}');
	return rc;
}

static eg_err
compare(out *o, const side *s, const side *m)
{
	size_t i = 0, k = 0;
	eg_err rc = EG_OK;

	while (!rc && (i < s->n || k < m->n)) {
		int c = i >= s->n   ? 1
			: k >= m->n ? -1
				    : strcmp(s->v[i].key, m->v[k].key);

		if (c < 0) {
			rc = one_key(&o->extra, o->json, o->nextra++,
				     &s->v[i++]);
		} else if (c > 0) {
			rc = one_key(&o->missing, o->json, o->nmissing++,
				     &m->v[k++]);
		} else if (!strcmp(s->v[i].leaves, m->v[k].leaves)) {
			o->matched++;
			i++;
			k++;
		} else {
			if (o->json) {
				rc = eg_buf_addf(&o->diff, "%s{\"key\":",
						 o->differing ? "," : "");
				if (!rc)
					rc = eg_cli_json_str(&o->diff,
							     s->v[i].key);
				if (!rc)
					rc = eg_buf_adds(&o->diff,
							 ",\"fields\":[");
			} else {
				rc = eg_buf_addf(&o->diff, "  %s\n",
						 s->v[i].key);
			}
			if (!rc)
				rc = diff_leaves(o, &s->v[i], &m->v[k]);
			if (!rc && o->json)
				rc = eg_buf_adds(&o->diff, "]}");
			o->differing++;
			i++;
			k++;
		}
	}
	return rc;
}

static int
cmd_compare(eg_cli *cli, const char *spool, const char *partner,
	    const char *against, int json)
{
	char dir[PATH_MAX];
	side s, m;
	eg_cli_spool sp;
	eg_error e;
	out o;
	eg_buf b;
	eg_err rc;
	int x;

	if ((x = eg_cli_spool_open(cli, "shadow", spool, EG_SPOOL_READ, &sp)))
		return x;
	x = eg_cli_partner_known(cli, "shadow", &sp.home, partner);
	eg_error_clear(&e);
	if (!x && (size_t)snprintf(dir, sizeof(dir), "%s/shadow/%s", sp.spool,
				   partner) >= sizeof(dir))
		x = eg_cli_usage(cli, "shadow", "spool path too long");
	eg_cli_spool_close(&sp);
	if (x)
		return x;
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));
	memset(&o, 0, sizeof(o));
	o.json = json;
	eg_buf_init(&o.diff, (size_t)64 << 20);
	eg_buf_init(&o.missing, (size_t)64 << 20);
	eg_buf_init(&o.extra, (size_t)64 << 20);
	eg_buf_init(&b, (size_t)200 << 20);
	rc = side_read(&m, against, &e);
	if (rc == EG_ENOTFOUND) {
		x = eg_cli_usage(cli, "shadow", "%s", e.msg);
		goto done;
	}
	/* no shadow folder yet: the shadow made no records */
	if (!rc && (rc = side_read(&s, dir, &e)) == EG_ENOTFOUND)
		rc = EG_OK;
	if (rc) {
		x = eg_cli_fail(cli, &e);
		goto done;
	}
	side_index(&s);
	side_index(&m);
	rc = compare(&o, &s, &m);
	if (!rc && json)
		rc = eg_buf_addf(&b,
				 "{\"partner\":\"%s\",\"shadowRecords\":%zu,"
				 "\"manualRecords\":%zu,\"matched\":%ld,"
				 "\"differing\":[%.*s],\"missing\":[%.*s],"
				 "\"extra\":[%.*s],\"parity\":%s}\n",
				 partner, s.n, m.n, o.matched,
				 (int)o.diff.len, eg_buf_cstr(&o.diff),
				 (int)o.missing.len, eg_buf_cstr(&o.missing),
				 (int)o.extra.len, eg_buf_cstr(&o.extra),
				 o.differing || o.nmissing || o.nextra
				     ? "false"
				     : "true");
	else if (!rc)
		rc = eg_buf_addf(
		    &b,
		    "shadow %s: %zu record(s) in %s, %zu made by the manual "
		    "process in %s\n"
		    "  matched: %ld  differing: %ld  missing: %ld  extra: %ld\n"
		    "%s%.*s%s%.*s%s%.*s"
		    "parity: %s\n",
		    partner, s.n, dir, m.n, against, o.matched, o.differing,
		    o.nmissing, o.nextra,
		    o.differing ? "differing (field: shadow, manual):\n" : "",
		    (int)o.diff.len, eg_buf_cstr(&o.diff),
		    o.nmissing ? "missing (the manual process has them, the "
				 "shadow has not):\n"
			       : "",
		    (int)o.missing.len, eg_buf_cstr(&o.missing),
		    o.nextra ? "extra (the shadow has them, the manual "
			       "process has not):\n"
			     : "",
		    (int)o.extra.len, eg_buf_cstr(&o.extra),
		    o.differing || o.nmissing || o.nextra ? "incomplete"
							  : "complete");
	if (rc) {
		fprintf(cli->err, "%s shadow: out of memory\n", cli->prog);
		x = EG_EXIT_IO;
	} else {
		x = eg_cli_write(cli, b.data, b.len);
		if (!x && (o.differing || o.nmissing || o.nextra))
			x = EG_EXIT_DOCUMENT;
	}
done:
	side_free(&s);
	side_free(&m);
	eg_buf_free(&o.diff);
	eg_buf_free(&o.missing);
	eg_buf_free(&o.extra);
	eg_buf_free(&b);
	return x;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	const char *partner = NULL, *against = NULL, *spool = NULL;
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			help(cli->out);
			return EG_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--partner") && i + 1 < argc) {
			partner = argv[++i];
		} else if (!strcmp(argv[i], "--against") && i + 1 < argc) {
			against = argv[++i];
		} else if (!strcmp(argv[i], "--spool") && i + 1 < argc) {
			spool = argv[++i];
		} else if (i == 1 && !strcmp(argv[i], "compare")) {
			continue;
		} else {
			return eg_cli_usage(cli, "shadow",
					    "unknown argument '%s'", argv[i]);
		}
	}
	if (argc < 2 || strcmp(argv[1], "compare"))
		return eg_cli_usage(cli, "shadow", "say compare");
	if (!partner || !against)
		return eg_cli_usage(cli, "shadow",
				    "compare needs --partner ID and --against "
				    "DIR");
	return cmd_compare(cli, spool, partner, against, json);
}

const eg_command eg_cmd_shadow = {
	"shadow", "compare a shadow partner's records with the manual ones",
	run, help,
};
