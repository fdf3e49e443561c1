/*
 * unpack.c - bundles (zip, tar, tar.gz, gzip) opened into their files.
 *
 * The adapter for libarchive (and the zlib peek of detection): no
 * struct archive or z_stream leaves this file.  A bundle is untrusted, so
 * every limit is checked before the bytes that would break it are
 * written: a bomb leaves at most one limit's worth of bytes on disk.
 * Entries are never written under their name in the bundle; the name is
 * checked anyway (absolute, "..", empty, links and devices refuse the
 * whole bundle) because callers report and may reuse it.
 *
 * Every decompressed byte is verified before anything is handed on.
 * gzip (alone or under a tar) is inflated here with zlib, which checks
 * each member's CRC-32 and length; bytes after the last member refuse
 * the bundle, and a tar.gz is inflated to its trailer even past the tar
 * end marker.  libarchive checks zip CRCs and tar header checksums; any
 * complaint of its (RETRY included) refuses the bundle.  The callback
 * runs only once the whole bundle, nested ones included, was read to its
 * end without a fault.
 *
 * A bundle inside a bundle is opened in the same call, under the same
 * budget: entries, bytes written and the ratio to the original file's
 * size count across all levels, and a bundle deeper than max_depth
 * refuses the original.  Only the plain files at the leaves are handed
 * on, named "inner.zip!a.x12".
 *
 * Invariants: every file written (nested bundles too) is dest_dir/%04u,
 * numbered in the order written and fsynced; the callback sees the
 * leaves in bundle order, at most once each, after a directory fsync.
 */
#include "edigate/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "edigate/fsutil.h"

#define HEAD_MAX 4096	  /* compressed bytes read to peek into a gzip */
#define TAR_MAGIC_OFF 257 /* "ustar" in a tar header (POSIX and GNU) */
#define COPY_CHUNK (64 * 1024)
#define NAME_SHOWN 160 /* entry name bytes put in a message */

#define DEF_ENTRIES 10000
#define DEF_TOTAL (1024ULL * 1024 * 1024)
#define DEF_RATIO 200
#define DEF_DEPTH 2
#define NAME_MAX_LEN 1024 /* a leaf's full name, nested levels included */

const char *
eg_bundle_kind_str(eg_bundle_kind k)
{
	switch (k) {
	case EG_BUNDLE_NONE:
		return "none";
	case EG_BUNDLE_GZIP:
		return "gzip";
	case EG_BUNDLE_ZIP:
		return "zip";
	case EG_BUNDLE_TAR:
		return "tar";
	}
	return "unknown";
}

/* --- detection -------------------------------------------------------- */

static eg_err
read_head(const char *path, unsigned char *buf, size_t cap, size_t *n,
	  eg_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	eg_err rc = EG_OK;

	*n = 0;
	if (fd < 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot open %s: %s", path, strerror(errno));
	while (*n < cap) {
		ssize_t r = read(fd, buf + *n, cap - *n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = eg_fail(e, EG_EIO, "cannot read %s: %s", path,
				     strerror(errno));
			break;
		}
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	close(fd);
	return rc;
}

static int
is_tar_header(const unsigned char *p, size_t n)
{
	return n >= TAR_MAGIC_OFF + 5 &&
	       memcmp(p + TAR_MAGIC_OFF, "ustar", 5) == 0;
}

/*
 * Inflate the start of a gzip stream far enough to see a tar header.
 * A stream too damaged to show one is a plain gzip; unpacking it will
 * then report the damage.
 */
static int
gzip_holds_tar(unsigned char *in, size_t n)
{
	unsigned char out[512];
	z_stream z;
	int ok;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return 0;
	z.next_in = in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = sizeof(out);
	(void)inflate(&z, Z_SYNC_FLUSH);
	ok = is_tar_header(out, sizeof(out) - z.avail_out);
	inflateEnd(&z);
	return ok;
}

eg_err
eg_bundle_detect(const char *path, eg_bundle_kind *kind, eg_error *e)
{
	unsigned char head[HEAD_MAX];
	size_t n;
	eg_err rc;

	*kind = EG_BUNDLE_NONE;
	rc = read_head(path, head, sizeof(head), &n, e);
	if (rc != EG_OK)
		return rc;
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		*kind =
		    gzip_holds_tar(head, n) ? EG_BUNDLE_TAR : EG_BUNDLE_GZIP;
	else if (n >= 4 && (memcmp(head, "PK\003\004", 4) == 0 ||
			    memcmp(head, "PK\005\006", 4) == 0))
		*kind = EG_BUNDLE_ZIP;
	else if (is_tar_header(head, n))
		*kind = EG_BUNDLE_TAR;
	return EG_OK;
}

/* --- verified gzip --------------------------------------------------- */

/*
 * A gzip source for libarchive: zlib inflates every member and checks
 * its trailer (CRC-32 and length, "incorrect data check" / "incorrect
 * length check").  Members may follow each other, as gunzip reads them;
 * anything else after the last one is refused.  produced counts every
 * inflated byte, so a bomb hidden where nothing is written (past a tar's
 * end marker, in a skipped entry) is still stopped by the budget.
 */
typedef struct gzsrc {
	int fd;
	z_stream z;
	int zinit;
	int ended;     /* the last member's trailer was checked */
	int over;      /* stopped by the budget, not by damage */
	uint64_t produced, cap;
	unsigned char in[COPY_CHUNK];
	unsigned char out[COPY_CHUNK];
	char why[160];
} gzsrc;

static int
gz_fill(gzsrc *g)
{
	ssize_t r;

	do
		r = read(g->fd, g->in, sizeof(g->in));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		snprintf(g->why, sizeof(g->why), "read error: %s",
			 strerror(errno));
		return -1;
	}
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)r;
	return (int)r;
}

/* After a member: another member, the end of the file, or junk. */
static int
gz_next_member(gzsrc *g)
{
	int r;

	if (g->z.avail_in == 0 && (r = gz_fill(g)) <= 0) {
		g->ended = r == 0;
		return r;
	}
	if (g->z.next_in[0] != 0x1f ||
	    (g->z.avail_in > 1 && g->z.next_in[1] != 0x8b)) {
		snprintf(g->why, sizeof(g->why),
			 "damaged: bytes after the end of the gzip data");
		return -1;
	}
	if (inflateReset(&g->z) != Z_OK) {
		snprintf(g->why, sizeof(g->why), "damaged gzip data");
		return -1;
	}
	return 1;
}

/* Inflate up to cap bytes into g->out; 0 at the verified end, -1 bad. */
static la_ssize_t
gz_produce(gzsrc *g, size_t cap)
{
	int zr, r;

	g->z.next_out = g->out;
	g->z.avail_out = (uInt)cap;
	while (!g->ended && g->z.avail_out == cap) {
		if (g->z.avail_in == 0) {
			if ((r = gz_fill(g)) < 0)
				return -1;
			if (r == 0) {
				snprintf(g->why, sizeof(g->why),
					 "damaged: the gzip data ends early "
					 "(cut short)");
				return -1;
			}
		}
		zr = inflate(&g->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			if (gz_next_member(g) < 0)
				return -1;
			continue;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			const char *m = g->z.msg ? g->z.msg : "bad data";

			if (strstr(m, "data check"))
				m = "CRC-32 checksum does not match the data";
			else if (strstr(m, "length check"))
				m = "length in the trailer does not match "
				    "the data";
			snprintf(g->why, sizeof(g->why), "damaged gzip data: %s",
				 m);
			return -1;
		}
	}
	g->produced += cap - g->z.avail_out;
	if (g->produced > g->cap) {
		g->over = 1;
		snprintf(g->why, sizeof(g->why), "inflates past the budget");
		return -1;
	}
	return (la_ssize_t)(cap - g->z.avail_out);
}

static la_ssize_t
gz_read(struct archive *a, void *ud, const void **buf)
{
	gzsrc *g = ud;
	la_ssize_t n = gz_produce(g, sizeof(g->out));

	*buf = g->out;
	if (n < 0)
		archive_set_error(a, EINVAL, "%s", g->why);
	return n < 0 ? ARCHIVE_FATAL : n;
}

static void
gz_free(gzsrc *g)
{
	if (!g)
		return;
	if (g->zinit)
		inflateEnd(&g->z);
	if (g->fd >= 0)
		close(g->fd);
	free(g);
}

/* --- unpacking -------------------------------------------------------- */

typedef struct leaf {
	unsigned no;   /* dest/%04u */
	char *name;    /* "inner.zip!a.x12" */
	uint64_t size;
} leaf;

/* The budget of one original file, shared by every level. */
typedef struct unpacker {
	const char *dest;
	int dirfd;
	uint64_t max_entries, max_total, max_out;
	uint64_t ratio, in_size; /* for the message of max_out */
	unsigned max_depth;
	uint64_t total;	  /* bytes written so far, all levels */
	uint64_t entries; /* entries read, all levels, directories included */
	unsigned files;	  /* files written, all levels */
	unsigned char *buf;
	leaf *leaves;
	size_t nleaves, cap;
} unpacker;

/* One bundle being read: the original, or one inside it. */
typedef struct level {
	unpacker *u;
	struct archive *a;
	gzsrc *gz;
	const char *bundle; /* display name, for messages: "x.zip!in.zip" */
	const char *prefix; /* of its leaves' names: "" or "in.zip!" */
	unsigned depth;	    /* 1: the original */
	unsigned seen;	    /* entries read in this bundle */
} level;

/*
 * An entry name fit for a message: bounded, and with control bytes
 * replaced so a hostile name cannot forge log lines.
 */
static const char *
shown(const char *name, char *dst, size_t cap)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < cap; i++)
		dst[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f
			     ? '?'
			     : name[i];
	dst[i] = '\0';
	return dst;
}

/*
 * Why a name is refused, or NULL.  Backslashes count as separators too:
 * zips made on Windows use them, and whoever reuses the name may as well.
 */
static const char *
bad_name(const char *name)
{
	const char *p = name;
	size_t len;

	if (name[0] == '\0')
		return "empty name";
	if (name[0] == '/' || name[0] == '\\')
		return "absolute path";
	while (*p) {
		len = strcspn(p, "/\\");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "'..' in path";
		p += len;
		if (*p)
			p++;
	}
	return NULL;
}

static eg_err
refuse(level *lv, const char *name, const char *why, eg_error *e)
{
	char s[NAME_SHOWN];

	return eg_fail(e, EG_ESYNTAX, "%s: entry %u '%s' refused: %s",
		       lv->bundle, lv->seen, shown(name, s, sizeof(s)), why);
}

static eg_err
over_ratio(level *lv, eg_error *e)
{
	return eg_fail(e, EG_ELIMIT,
		       "%s: unpacks to more than %llu times the %llu bytes "
		       "of the original file, all levels counted (limits "
		       "max-expansion-ratio)",
		       lv->bundle, (unsigned long long)lv->u->ratio,
		       (unsigned long long)lv->u->in_size);
}

/* The damage found (0: before any entry), or the budget the gzip hit. */
static eg_err
corrupt(level *lv, unsigned at, eg_error *e)
{
	const char *msg = archive_error_string(lv->a);

	if (lv->gz && lv->gz->over)
		return over_ratio(lv, e);
	if (msg == NULL)
		msg = "unknown error";
	if (at == 0)
		return eg_fail(e, EG_ESYNTAX, "%s: corrupt bundle: %s",
			       lv->bundle, msg);
	return eg_fail(e, EG_ESYNTAX, "%s: corrupt bundle at entry %u: %s",
		       lv->bundle, at, msg);
}

/* Refuse what would push the bytes out past a limit, before writing. */
static eg_err
check_growth(level *lv, size_t more, eg_error *e)
{
	unpacker *u = lv->u;

	if (more > u->max_total - u->total)
		return eg_fail(e, EG_ELIMIT,
			       "%s: unpacks to more than %llu bytes, all "
			       "levels counted (limits max-file-bytes)",
			       lv->bundle, (unsigned long long)u->max_total);
	if (more > u->max_out - u->total)
		return over_ratio(lv, e);
	return EG_OK;
}

static eg_err
write_all(int fd, const unsigned char *p, size_t n, const char *path,
	  eg_error *e)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return eg_fail(e, EG_EIO, "cannot write %s: %s", path,
				       strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return EG_OK;
}

/*
 * Stream the current entry's data into a new file at path.  A short
 * read or a checksum that does not match ends in r < 0 (zip reports a
 * bad CRC as ARCHIVE_WARN at the end of the entry's data).
 */
static eg_err
copy_entry(level *lv, const char *path, uint64_t *size, eg_error *e)
{
	unpacker *u = lv->u;
	eg_err rc = EG_OK;
	la_ssize_t r;
	int fd;

	*size = 0;
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0640);
	if (fd < 0)
		return eg_fail(e, EG_EIO, "cannot create %s: %s", path,
			       strerror(errno));
	while ((r = archive_read_data(lv->a, u->buf, COPY_CHUNK)) > 0) {
		rc = check_growth(lv, (size_t)r, e);
		if (rc == EG_OK)
			rc = write_all(fd, u->buf, (size_t)r, path, e);
		if (rc != EG_OK)
			break;
		u->total += (uint64_t)r;
		*size += (uint64_t)r;
	}
	if (rc == EG_OK && r < 0)
		rc = corrupt(lv, lv->seen, e);
	if (rc == EG_OK && fsync(fd) != 0)
		rc = eg_fail(e, EG_EIO, "cannot sync %s: %s", path,
			     strerror(errno));
	if (close(fd) != 0 && rc == EG_OK)
		rc = eg_fail(e, EG_EIO, "cannot close %s: %s", path,
			     strerror(errno));
	return rc;
}

/*
 * The one entry of a gzip file is named after the file: the last
 * component of display_name without ".gz".
 */
static void
gzip_entry_name(const char *display, char *dst, size_t cap)
{
	const char *base = strrchr(display, '/');
	const char *bang = strrchr(display, '!');
	size_t n;

	base = base ? base + 1 : display;
	if (bang && bang + 1 > base)
		base = bang + 1;
	n = strlen(base);
	if (n >= 3 && strcasecmp(base + n - 3, ".gz") == 0)
		n -= 3;
	/* "." and ".." would be refused as names; the file has none. */
	if (n == 0 || (n <= 2 && strspn(base, ".") >= n)) {
		base = "entry";
		n = strlen(base);
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, base, n);
	dst[n] = '\0';
}

static eg_err add_leaf(unpacker *u, unsigned no, const char *name,
		       uint64_t size, eg_error *e);
static eg_err unpack_level(unpacker *u, const char *path, eg_bundle_kind kind,
			   const char *bundle, const char *prefix,
			   unsigned depth, eg_error *e);

/* A file just written: a leaf, or a bundle opened under the budget. */
static eg_err
written(level *lv, const char *path, const char *full, uint64_t size,
	eg_error *e)
{
	char inner[PATH_MAX], prefix[PATH_MAX];
	eg_bundle_kind kind;
	eg_err rc;

	if ((rc = eg_bundle_detect(path, &kind, e)) != EG_OK)
		return rc;
	if (kind == EG_BUNDLE_NONE)
		return add_leaf(lv->u, lv->u->files, full, size, e);
	if (lv->depth >= lv->u->max_depth)
		return eg_fail(e, EG_ELIMIT,
			       "%s: entry %u '%s' is a bundle inside a bundle "
			       "more than %u levels deep (limits "
			       "max-bundle-depth)",
			       lv->bundle, lv->seen, full, lv->u->max_depth);
	if ((size_t)snprintf(inner, sizeof(inner), "%s!%s", lv->bundle,
			     full + strlen(lv->prefix)) >= sizeof(inner) ||
	    (size_t)snprintf(prefix, sizeof(prefix), "%s!", full) >=
		sizeof(prefix))
		return refuse(lv, full, "name too long", e);
	return unpack_level(lv->u, path, kind, inner, prefix, lv->depth + 1,
			    e);
}

/* Check and write one entry; directories are skipped. */
static eg_err
unpack_entry(level *lv, struct archive_entry *ent, const char *name,
	     eg_error *e)
{
	char path[PATH_MAX], full[NAME_MAX_LEN + 1];
	const char *why;
	uint64_t size;
	eg_err rc;
	int n;

	if ((why = bad_name(name)) != NULL)
		return refuse(lv, name, why, e);
	if (archive_entry_filetype(ent) == AE_IFDIR)
		return EG_OK;
	if (archive_entry_hardlink(ent) != NULL)
		return refuse(lv, name, "hard link", e);
	if (archive_entry_filetype(ent) == AE_IFLNK ||
	    archive_entry_symlink(ent) != NULL)
		return refuse(lv, name, "symbolic link", e);
	if (archive_entry_filetype(ent) != AE_IFREG)
		return refuse(lv, name, "not a regular file", e);
	if (archive_entry_is_encrypted(ent))
		return refuse(lv, name, "encrypted", e);
	n = snprintf(full, sizeof(full), "%s%s", lv->prefix, name);
	if (n < 0 || (size_t)n >= sizeof(full))
		return refuse(lv, name, "name too long", e);
	lv->u->files++;
	n = snprintf(path, sizeof(path), "%s/%04u", lv->u->dest, lv->u->files);
	if (n < 0 || (size_t)n >= sizeof(path))
		return eg_fail(e, EG_EINVAL, "directory name too long: %s",
			       lv->u->dest);
	rc = copy_entry(lv, path, &size, e);
	if (rc != EG_OK)
		return rc;
	return written(lv, path, full, size, e);
}

static eg_err
add_leaf(unpacker *u, unsigned no, const char *name, uint64_t size,
	 eg_error *e)
{
	leaf *v;

	if (u->nleaves == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;

		v = realloc(u->leaves, cap * sizeof(*v));
		if (v == NULL)
			return eg_fail(e, EG_ENOMEM, "out of memory");
		u->leaves = v;
		u->cap = cap;
	}
	v = &u->leaves[u->nleaves];
	v->name = strdup(name);
	if (v->name == NULL)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	v->no = no;
	v->size = size;
	u->nleaves++;
	return EG_OK;
}

static uint64_t
or_default(uint64_t v, uint64_t def)
{
	return v ? v : def;
}

/* Resolve the limits; the ratio becomes a byte count, saturated. */
static eg_err
set_limits(unpacker *u, const char *path, const eg_unpack_limits *lim,
	   eg_error *e)
{
	eg_unpack_limits none;
	struct stat st;

	memset(&none, 0, sizeof(none));
	if (lim == NULL)
		lim = &none;
	if (stat(path, &st) != 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot stat %s: %s", path, strerror(errno));
	u->max_entries = or_default(lim->max_entries, DEF_ENTRIES);
	u->max_total = or_default(lim->max_total, DEF_TOTAL);
	u->ratio = or_default(lim->max_ratio, DEF_RATIO);
	u->max_depth = lim->max_depth ? lim->max_depth : DEF_DEPTH;
	u->in_size = st.st_size > 0 ? (uint64_t)st.st_size : 1;
	u->max_out = u->in_size > UINT64_MAX / u->ratio ? UINT64_MAX
							: u->in_size * u->ratio;
	return EG_OK;
}

/* gzip-wrapped bundles read through the verifying source. */
static eg_err
open_gz(level *lv, const char *path, eg_error *e)
{
	gzsrc *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return eg_fail(e, EG_ENOMEM, "out of memory opening %s",
			       lv->bundle);
	lv->gz = g;
	g->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0)
		return eg_fail(e, EG_EIO, "cannot open %s: %s", lv->bundle,
			       strerror(errno));
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
		return eg_fail(e, EG_ENOMEM, "out of memory opening %s",
			       lv->bundle);
	g->zinit = 1;
	/* what inflating may cost, written or not: the ratio's bytes */
	g->cap = lv->u->max_out;
	if (archive_read_open(lv->a, g, NULL, gz_read, NULL) != ARCHIVE_OK)
		return corrupt(lv, 0, e);
	return EG_OK;
}

/* Does path start with the gzip magic? */
static int
gzipped(const char *path)
{
	unsigned char head[2];
	size_t n;
	eg_error e;

	eg_error_clear(&e);
	return read_head(path, head, sizeof(head), &n, &e) == EG_OK &&
	       n == 2 && head[0] == 0x1f && head[1] == 0x8b;
}

/* A reader for exactly the formats of kind: nothing else is tried. */
static eg_err
open_reader(level *lv, const char *path, eg_bundle_kind kind, eg_error *e)
{
	lv->a = archive_read_new();
	if (lv->a == NULL)
		return eg_fail(e, EG_ENOMEM, "out of memory opening %s",
			       lv->bundle);
	switch (kind) {
	case EG_BUNDLE_ZIP:
		archive_read_support_format_zip(lv->a);
		break;
	case EG_BUNDLE_TAR:
		archive_read_support_format_tar(lv->a);
		break;
	case EG_BUNDLE_GZIP:
		archive_read_support_format_raw(lv->a);
		break;
	case EG_BUNDLE_NONE:
		return eg_fail(e, EG_EINTERNAL,
			       "%s: no reader for a plain file", lv->bundle);
	}
	if (kind == EG_BUNDLE_GZIP || gzipped(path))
		return open_gz(lv, path, e);
	if (archive_read_open_filename(lv->a, path, COPY_CHUNK) != ARCHIVE_OK)
		return corrupt(lv, 0, e);
	return EG_OK;
}

/* Past a tar's end marker: inflate the rest, so its trailer is checked. */
static eg_err
drain(level *lv, eg_error *e)
{
	la_ssize_t n;

	if (lv->gz == NULL)
		return EG_OK;
	while ((n = gz_produce(lv->gz, sizeof(lv->gz->out))) > 0)
		;
	if (n == 0)
		return EG_OK;
	if (lv->gz->over)
		return over_ratio(lv, e);
	return eg_fail(e, EG_ESYNTAX, "%s: corrupt bundle: %s", lv->bundle,
		       lv->gz->why);
}

static eg_err
read_entries(level *lv, eg_bundle_kind kind, eg_error *e)
{
	struct archive_entry *ent;
	char gzname[256];
	const char *name;
	eg_err rc;
	int r;

	for (;;) {
		r = archive_read_next_header(lv->a, &ent);
		if (r == ARCHIVE_EOF)
			return drain(lv, e);
		/* WARN is e.g. a name not in the locale's charset: usable.
		 * RETRY is a damaged tar header (checksum): refused. */
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return corrupt(lv, lv->seen + 1, e);
		lv->seen++;
		if (++lv->u->entries > lv->u->max_entries)
			return eg_fail(e, EG_ELIMIT,
				       "%s: more than %llu entries, all "
				       "levels counted (limits "
				       "max-archive-entries)",
				       lv->bundle,
				       (unsigned long long)lv->u->max_entries);
		if (kind == EG_BUNDLE_GZIP) {
			gzip_entry_name(lv->bundle, gzname, sizeof(gzname));
			name = gzname;
		} else {
			name = archive_entry_pathname(ent);
			if (name == NULL)
				name = "";
		}
		rc = unpack_entry(lv, ent, name, e);
		if (rc != EG_OK)
			return rc;
	}
}

static eg_err
unpack_level(unpacker *u, const char *path, eg_bundle_kind kind,
	     const char *bundle, const char *prefix, unsigned depth,
	     eg_error *e)
{
	level lv;
	eg_err rc;

	memset(&lv, 0, sizeof(lv));
	lv.u = u;
	lv.bundle = bundle;
	lv.prefix = prefix;
	lv.depth = depth;
	rc = open_reader(&lv, path, kind, e);
	if (rc == EG_OK)
		rc = read_entries(&lv, kind, e);
	if (lv.a)
		archive_read_free(lv.a);
	gz_free(lv.gz);
	return rc;
}

/* Every leaf to the callback, in order, once the whole tree is sound. */
static eg_err
hand_over(unpacker *u, const char *bundle, eg_unpack_fn fn, void *ud,
	  eg_error *e)
{
	char path[PATH_MAX];
	size_t i;
	eg_err rc;

	/* The callback may record the files: their entries must last. */
	if (fsync(u->dirfd) != 0 && errno != EINVAL)
		return eg_fail(e, EG_EIO, "cannot sync directory %s: %s",
			       u->dest, strerror(errno));
	for (i = 0; fn && i < u->nleaves; i++) {
		snprintf(path, sizeof(path), "%s/%04u", u->dest,
			 u->leaves[i].no);
		rc = fn(ud, (unsigned)i + 1, u->leaves[i].name, path,
			u->leaves[i].size, e);
		if (rc != EG_OK)
			return eg_fail(e, rc, "%s: entry '%s' stopped by its "
					      "handler",
				       bundle, u->leaves[i].name);
	}
	return EG_OK;
}

eg_err
eg_unpack(const char *path, const char *display_name, const char *dest_dir,
	  const eg_unpack_limits *lim, eg_unpack_fn fn, void *ud, eg_error *e)
{
	unpacker u;
	eg_bundle_kind kind = EG_BUNDLE_NONE;
	const char *bundle = display_name ? display_name : path;
	size_t i;
	eg_err rc;

	memset(&u, 0, sizeof(u));
	u.dirfd = -1;
	u.dest = dest_dir;
	rc = set_limits(&u, path, lim, e);
	if (rc == EG_OK)
		rc = eg_bundle_detect(path, &kind, e);
	if (rc == EG_OK && kind == EG_BUNDLE_NONE)
		rc = eg_fail(e, EG_EINVAL,
			     "%s is not a bundle (zip, tar or gzip)", bundle);
	if (rc == EG_OK)
		rc = eg_mkdirs(dest_dir, e);
	if (rc != EG_OK)
		goto out;
	u.dirfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.dirfd < 0) {
		rc = eg_fail(e, EG_EIO, "cannot open directory %s: %s",
			     dest_dir, strerror(errno));
		goto out;
	}
	u.buf = malloc(COPY_CHUNK);
	if (u.buf == NULL) {
		rc = eg_fail(e, EG_ENOMEM, "out of memory unpacking %s",
			     bundle);
		goto out;
	}
	rc = unpack_level(&u, path, kind, bundle, "", 1, e);
	if (rc == EG_OK)
		rc = hand_over(&u, bundle, fn, ud, e);
out:
	for (i = 0; i < u.nleaves; i++)
		free(u.leaves[i].name);
	free(u.leaves);
	free(u.buf);
	if (u.dirfd >= 0)
		close(u.dirfd);
	return rc;
}
