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
 * Invariants: the n-th regular file of the bundle is dest_dir/%04u (n),
 * fsynced with its directory entry before the callback sees it; the
 * callback is called in bundle order, at most once per file.
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

/* --- unpacking -------------------------------------------------------- */

typedef struct unpacker {
	struct archive *a;
	const char *bundle; /* display name, for messages */
	const char *dest;
	int dirfd;
	uint64_t max_entries, max_total, max_out;
	uint64_t ratio, in_size; /* for the message of max_out */
	uint64_t total;		 /* bytes written so far */
	unsigned seen;		 /* entries read, directories included */
	unsigned index;		 /* files written */
	unsigned char *buf;
	eg_unpack_fn fn;
	void *ud;
} unpacker;

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
refuse(unpacker *u, const char *name, const char *why, eg_error *e)
{
	char s[NAME_SHOWN];

	return eg_fail(e, EG_ESYNTAX, "%s: entry %u '%s' refused: %s",
		       u->bundle, u->seen, shown(name, s, sizeof(s)), why);
}

/* libarchive's word on a damaged bundle; at is the entry (0: none yet). */
static eg_err
corrupt(unpacker *u, unsigned at, eg_error *e)
{
	const char *msg = archive_error_string(u->a);

	if (msg == NULL)
		msg = "unknown error";
	if (at == 0)
		return eg_fail(e, EG_ESYNTAX, "%s: corrupt bundle: %s",
			       u->bundle, msg);
	return eg_fail(e, EG_ESYNTAX, "%s: corrupt bundle at entry %u: %s",
		       u->bundle, at, msg);
}

/* Refuse what would push the bytes out past a limit, before writing. */
static eg_err
check_growth(unpacker *u, size_t more, eg_error *e)
{
	if (more > u->max_total - u->total)
		return eg_fail(e, EG_ELIMIT,
			       "%s: unpacks to more than %llu bytes "
			       "(max_total)",
			       u->bundle, (unsigned long long)u->max_total);
	if (more > u->max_out - u->total)
		return eg_fail(e, EG_ELIMIT,
			       "%s: unpacks to more than %llu times its %llu "
			       "bytes (max_ratio)",
			       u->bundle, (unsigned long long)u->ratio,
			       (unsigned long long)u->in_size);
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

/* Stream the current entry's data into a new file at path. */
static eg_err
copy_entry(unpacker *u, const char *path, uint64_t *size, eg_error *e)
{
	eg_err rc = EG_OK;
	la_ssize_t r;
	int fd;

	*size = 0;
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0640);
	if (fd < 0)
		return eg_fail(e, EG_EIO, "cannot create %s: %s", path,
			       strerror(errno));
	while ((r = archive_read_data(u->a, u->buf, COPY_CHUNK)) > 0) {
		rc = check_growth(u, (size_t)r, e);
		if (rc == EG_OK)
			rc = write_all(fd, u->buf, (size_t)r, path, e);
		if (rc != EG_OK)
			break;
		u->total += (uint64_t)r;
		*size += (uint64_t)r;
	}
	if (rc == EG_OK && r < 0)
		rc = corrupt(u, u->seen, e);
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
	size_t n;

	base = base ? base + 1 : display;
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

/* Check, write and hand over one entry; directories are skipped. */
static eg_err
unpack_entry(unpacker *u, struct archive_entry *ent, const char *name,
	     eg_error *e)
{
	char path[PATH_MAX];
	const char *why;
	uint64_t size;
	eg_err rc;
	int n;

	if ((why = bad_name(name)) != NULL)
		return refuse(u, name, why, e);
	if (archive_entry_filetype(ent) == AE_IFDIR)
		return EG_OK;
	if (archive_entry_hardlink(ent) != NULL)
		return refuse(u, name, "hard link", e);
	if (archive_entry_filetype(ent) == AE_IFLNK ||
	    archive_entry_symlink(ent) != NULL)
		return refuse(u, name, "symbolic link", e);
	if (archive_entry_filetype(ent) != AE_IFREG)
		return refuse(u, name, "not a regular file", e);
	if (archive_entry_is_encrypted(ent))
		return refuse(u, name, "encrypted", e);
	u->index++;
	n = snprintf(path, sizeof(path), "%s/%04u", u->dest, u->index);
	if (n < 0 || (size_t)n >= sizeof(path))
		return eg_fail(e, EG_EINVAL, "directory name too long: %s",
			       u->dest);
	rc = copy_entry(u, path, &size, e);
	if (rc != EG_OK)
		return rc;
	/* The callback may record the file: its directory entry must last. */
	if (fsync(u->dirfd) != 0 && errno != EINVAL)
		return eg_fail(e, EG_EIO, "cannot sync directory %s: %s",
			       u->dest, strerror(errno));
	if (u->fn == NULL)
		return EG_OK;
	rc = u->fn(u->ud, u->index, name, path, size, e);
	if (rc != EG_OK)
		eg_fail(e, rc, "%s: entry %u stopped by its handler", u->bundle,
			u->seen);
	return rc;
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
	eg_unpack_limits none = {0, 0, 0};
	struct stat st;

	if (lim == NULL)
		lim = &none;
	if (stat(path, &st) != 0)
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "cannot stat %s: %s", path, strerror(errno));
	u->max_entries = or_default(lim->max_entries, DEF_ENTRIES);
	u->max_total = or_default(lim->max_total, DEF_TOTAL);
	u->ratio = or_default(lim->max_ratio, DEF_RATIO);
	u->in_size = st.st_size > 0 ? (uint64_t)st.st_size : 1;
	u->max_out = u->in_size > UINT64_MAX / u->ratio ? UINT64_MAX
							: u->in_size * u->ratio;
	return EG_OK;
}

/* A reader for exactly the formats of kind: nothing else is tried. */
static eg_err
open_reader(unpacker *u, const char *path, eg_bundle_kind kind, eg_error *e)
{
	u->a = archive_read_new();
	if (u->a == NULL)
		return eg_fail(e, EG_ENOMEM, "out of memory opening %s",
			       u->bundle);
	switch (kind) {
	case EG_BUNDLE_ZIP:
		archive_read_support_format_zip(u->a);
		break;
	case EG_BUNDLE_TAR:
		archive_read_support_filter_gzip(u->a);
		archive_read_support_format_tar(u->a);
		break;
	case EG_BUNDLE_GZIP:
		archive_read_support_filter_gzip(u->a);
		archive_read_support_format_raw(u->a);
		break;
	case EG_BUNDLE_NONE:
		return eg_fail(e, EG_EINTERNAL,
			       "%s: no reader for a plain file", u->bundle);
	}
	if (archive_read_open_filename(u->a, path, COPY_CHUNK) != ARCHIVE_OK)
		return corrupt(u, 0, e);
	return EG_OK;
}

static eg_err
unpack_all(unpacker *u, eg_bundle_kind kind, eg_error *e)
{
	struct archive_entry *ent;
	char gzname[256];
	const char *name;
	eg_err rc;
	int r;

	for (;;) {
		r = archive_read_next_header(u->a, &ent);
		if (r == ARCHIVE_EOF)
			return EG_OK;
		/* WARN is e.g. a name not in the locale's charset: usable. */
		if (r < ARCHIVE_WARN)
			return corrupt(u, u->seen + 1, e);
		if (++u->seen > u->max_entries)
			return eg_fail(e, EG_ELIMIT,
				       "%s: more than %llu entries "
				       "(max_entries)",
				       u->bundle,
				       (unsigned long long)u->max_entries);
		if (kind == EG_BUNDLE_GZIP) {
			gzip_entry_name(u->bundle, gzname, sizeof(gzname));
			name = gzname;
		} else {
			name = archive_entry_pathname(ent);
			if (name == NULL)
				name = "";
		}
		rc = unpack_entry(u, ent, name, e);
		if (rc != EG_OK)
			return rc;
	}
}

eg_err
eg_unpack(const char *path, const char *display_name, const char *dest_dir,
	  const eg_unpack_limits *lim, eg_unpack_fn fn, void *ud, eg_error *e)
{
	unpacker u;
	eg_bundle_kind kind = EG_BUNDLE_NONE;
	eg_err rc;

	memset(&u, 0, sizeof(u));
	u.dirfd = -1;
	u.bundle = display_name ? display_name : path;
	u.dest = dest_dir;
	u.fn = fn;
	u.ud = ud;
	rc = set_limits(&u, path, lim, e);
	if (rc == EG_OK)
		rc = eg_bundle_detect(path, &kind, e);
	if (rc == EG_OK && kind == EG_BUNDLE_NONE)
		rc = eg_fail(e, EG_EINVAL,
			     "%s is not a bundle (zip, tar or gzip)", u.bundle);
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
			     u.bundle);
		goto out;
	}
	rc = open_reader(&u, path, kind, e);
	if (rc == EG_OK)
		rc = unpack_all(&u, kind, e);
out:
	if (u.a)
		archive_read_free(u.a);
	free(u.buf);
	if (u.dirfd >= 0)
		close(u.dirfd);
	return rc;
}
