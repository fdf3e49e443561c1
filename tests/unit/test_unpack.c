/*
 * test_unpack.c - unit tests for bundles opened into their files.
 *
 * What must always hold (unpack.h): entries come out as dest/0001,
 * dest/0002, ... byte for byte, in bundle order, with their names inside
 * the bundle; a name that is absolute, has "..", or is a link refuses the
 * bundle; each limit stops the unpacking while it streams, so a bomb
 * leaves little on disk; detection reads magic numbers, not names.
 *
 * Every bundle is built here at test time with libarchive's writer (or
 * zlib's gzopen) in a fresh directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "edigate/err.h"
#include "edigate/unpack.h"

#define X12_A "ISA*00*          *00*          *ZZ*SENDER~IEA*1*000000001~\n"
#define X12_B "ISA*00*          *00*          *ZZ*OTHER~IEA*1*000000002~\n"

/* --- scratch directory ------------------------------------------------ */

typedef struct fixture {
	char dir[64];	/* mkdtemp directory */
	char dest[128]; /* where bundles are unpacked */
	char bundle[128];
} fixture;

static void
rm_rf(const char *path)
{
	struct stat st;
	struct dirent *d;
	char sub[PATH_MAX];
	DIR *dir;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
					     d->d_name) < sizeof(sub))
				rm_rf(sub);
		}
		closedir(dir);
		rmdir(path);
		return;
	}
	unlink(path);
}

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/eg_unpack.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	/* Nested and missing: eg_unpack creates it. */
	snprintf(f->dest, sizeof(f->dest), "%s/out/entries", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	rm_rf(f->dir);
	free(f);
	return 0;
}

static const char *
in_dir(fixture *f, const char *name)
{
	int n = snprintf(f->bundle, sizeof(f->bundle), "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < sizeof(f->bundle));
	return f->bundle;
}

/* --- building bundles ------------------------------------------------- */

typedef struct spec {
	const char *name;
	unsigned type;	  /* AE_IFREG, AE_IFDIR, AE_IFLNK; 0 = AE_IFREG */
	const void *data; /* NULL: len zero bytes */
	size_t len;
	const char *link; /* symlink target or hardlink source */
} spec;

enum { FMT_ZIP, FMT_TAR, FMT_TGZ };

static void
add_entry(struct archive *a, const spec *s)
{
	struct archive_entry *ent = archive_entry_new();
	unsigned type = s->type ? s->type : AE_IFREG;
	char zeros[8192];
	size_t left = s->len, n;

	assert_non_null(ent);
	archive_entry_set_pathname(ent, s->name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, type == AE_IFDIR ? 0755 : 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(ent, s->link);
	else if (s->link)
		archive_entry_set_hardlink(ent, s->link);
	archive_entry_set_size(
	    ent, type == AE_IFREG && !s->link ? (la_int64_t)s->len : 0);
	assert_int_equal(archive_write_header(a, ent), ARCHIVE_OK);
	if (type == AE_IFREG && !s->link && s->data) {
		assert_int_equal(archive_write_data(a, s->data, s->len),
				 (la_ssize_t)s->len);
	} else if (type == AE_IFREG && !s->link) {
		memset(zeros, 0, sizeof(zeros));
		for (; left > 0; left -= n) {
			n = left < sizeof(zeros) ? left : sizeof(zeros);
			assert_int_equal(archive_write_data(a, zeros, n),
					 (la_ssize_t)n);
		}
	}
	archive_entry_free(ent);
}

static void
make_bundle(const char *path, int fmt, const spec *specs, size_t n)
{
	struct archive *a = archive_write_new();
	size_t i;

	assert_non_null(a);
	if (fmt == FMT_ZIP) {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_set_format_pax_restricted(a),
				 ARCHIVE_OK);
		if (fmt == FMT_TGZ)
			assert_int_equal(archive_write_add_filter_gzip(a),
					 ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++)
		add_entry(a, &specs[i]);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
make_gzip(const char *path, const void *data, size_t len)
{
	gzFile g = gzopen(path, "wb");

	assert_non_null(g);
	assert_int_equal(gzwrite(g, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(g), Z_OK);
}

static void
make_plain(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return st.st_size;
}

/* Assert that path holds exactly len bytes of data. */
static void
assert_file_is(const char *path, const void *data, size_t len)
{
	char *got = malloc(len + 1);
	FILE *fp = fopen(path, "rb");

	assert_non_null(got);
	assert_non_null(fp);
	assert_int_equal(fread(got, 1, len + 1, fp), len);
	assert_memory_equal(got, data, len);
	fclose(fp);
	free(got);
}

/* --- the callback ----------------------------------------------------- */

#define SEEN_MAX 8

typedef struct seen {
	unsigned n;
	unsigned index[SEEN_MAX];
	char name[SEEN_MAX][64];
	char path[SEEN_MAX][192];
	uint64_t size[SEEN_MAX];
	unsigned fail_at; /* return EG_EIO on this call (1-based); 0 never */
} seen;

static eg_err
collect(void *ud, unsigned index, const char *name, const char *path,
	uint64_t size, eg_error *e)
{
	seen *s = ud;

	assert_true(s->n < SEEN_MAX);
	s->index[s->n] = index;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", path);
	s->size[s->n] = size;
	/* The file is complete when handed over. */
	assert_int_equal(file_size(path), (off_t)size);
	s->n++;
	if (s->fail_at == s->n)
		return eg_fail(e, EG_EIO, "handler says stop at %u", index);
	return EG_OK;
}

static eg_err
run(fixture *f, const char *display, const eg_unpack_limits *lim, seen *s,
    eg_error *e)
{
	memset(s->index, 0, sizeof(s->index));
	eg_error_clear(e);
	return eg_unpack(f->bundle, display, f->dest, lim, collect, s, e);
}

static void
assert_entry(fixture *f, const seen *s, unsigned i, const char *name,
	     const void *data, size_t len)
{
	char want[192];

	snprintf(want, sizeof(want), "%s/%04u", f->dest, i + 1);
	assert_int_equal(s->index[i], i + 1);
	assert_string_equal(s->name[i], name);
	assert_string_equal(s->path[i], want);
	assert_int_equal(s->size[i], len);
	assert_file_is(want, data, len);
}

/* --- detection -------------------------------------------------------- */

static eg_bundle_kind
detect(const char *path)
{
	eg_bundle_kind k = (eg_bundle_kind)99;
	eg_error e;

	eg_error_clear(&e);
	assert_int_equal(eg_bundle_detect(path, &k, &e), EG_OK);
	return k;
}

static void
test_detect(void **state)
{
	fixture *f = *state;
	spec one = {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL};
	eg_bundle_kind k;
	eg_error e;

	/* By content: the names lie on purpose. */
	make_bundle(in_dir(f, "zip.dat"), FMT_ZIP, &one, 1);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_ZIP);
	make_bundle(in_dir(f, "empty.zip"), FMT_ZIP, NULL, 0);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_ZIP);
	make_bundle(in_dir(f, "tar.zip"), FMT_TAR, &one, 1);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_TAR);
	make_bundle(in_dir(f, "tgz.gz"), FMT_TGZ, &one, 1);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_TAR);
	make_gzip(in_dir(f, "one.tar.gz"), X12_A, sizeof(X12_A) - 1);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_GZIP);
	make_plain(in_dir(f, "plain.zip"), X12_A, sizeof(X12_A) - 1);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_NONE);
	make_plain(in_dir(f, "empty"), "", 0);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_NONE);
	make_plain(in_dir(f, "pk"), "PK", 2);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_NONE);

	eg_error_clear(&e);
	assert_int_equal(eg_bundle_detect(in_dir(f, "missing"), &k, &e),
			 EG_ENOTFOUND);
	assert_non_null(strstr(e.msg, "missing"));

	assert_string_equal(eg_bundle_kind_str(EG_BUNDLE_NONE), "none");
	assert_string_equal(eg_bundle_kind_str(EG_BUNDLE_GZIP), "gzip");
	assert_string_equal(eg_bundle_kind_str(EG_BUNDLE_ZIP), "zip");
	assert_string_equal(eg_bundle_kind_str(EG_BUNDLE_TAR), "tar");
}

/* --- round trips ------------------------------------------------------ */

static void
test_zip_two_entries(void **state)
{
	fixture *f = *state;
	/* Bytes a text path would mangle: NUL, CR LF, high bytes. */
	static const char bin[] = "ISA*\0\r\n\xff\xfe~";
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"sub/b.x12", 0, bin, sizeof(bin) - 1, NULL},
	};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "in.zip"), FMT_ZIP, specs, 2);
	assert_int_equal(run(f, "in.zip", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 2);
	assert_entry(f, &s, 0, "a.x12", X12_A, sizeof(X12_A) - 1);
	assert_entry(f, &s, 1, "sub/b.x12", bin, sizeof(bin) - 1);
	assert_int_equal(e.code, EG_OK);
}

static void
test_tar_skips_directories(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"batch/", AE_IFDIR, NULL, 0, NULL},
	    {"batch/a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"empty.x12", 0, "", 0, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "in.tar"), FMT_TAR, specs, 4);
	assert_int_equal(run(f, "in.tar", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 3);
	assert_entry(f, &s, 0, "batch/a.x12", X12_A, sizeof(X12_A) - 1);
	assert_entry(f, &s, 1, "empty.x12", "", 0);
	assert_entry(f, &s, 2, "b.x12", X12_B, sizeof(X12_B) - 1);
}

static void
test_tar_gz(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "in.tgz"), FMT_TGZ, specs, 2);
	assert_int_equal(run(f, "in.tgz", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 2);
	assert_entry(f, &s, 0, "a.x12", X12_A, sizeof(X12_A) - 1);
	assert_entry(f, &s, 1, "b.x12", X12_B, sizeof(X12_B) - 1);
}

static void
test_gzip_single(void **state)
{
	fixture *f = *state;
	seen s = {0};
	eg_error e;

	make_gzip(in_dir(f, "orders.x12.gz"), X12_A, sizeof(X12_A) - 1);
	assert_int_equal(run(f, "inbound/orders.x12.gz", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 1);
	assert_entry(f, &s, 0, "orders.x12", X12_A, sizeof(X12_A) - 1);

	/* Nothing left of the name once ".gz" is gone. */
	rm_rf(f->dest);
	s.n = 0;
	assert_int_equal(run(f, ".GZ", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 1);
	assert_entry(f, &s, 0, "entry", X12_A, sizeof(X12_A) - 1);
}

static void
test_not_a_bundle(void **state)
{
	fixture *f = *state;
	seen s = {0};
	eg_error e;

	make_plain(in_dir(f, "plain.x12"), X12_A, sizeof(X12_A) - 1);
	assert_int_equal(run(f, "plain.x12", NULL, &s, &e), EG_EINVAL);
	assert_int_equal(s.n, 0);
}

/* --- refused entries -------------------------------------------------- */

static void
expect_refused(fixture *f, int fmt, const spec *specs, size_t n,
	       const char *why)
{
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "bad.bundle"), fmt, specs, n);
	assert_int_equal(run(f, "partner-7.zip", NULL, &s, &e), EG_ESYNTAX);
	/* The entries before the bad one went through. */
	assert_int_equal(s.n, n - 1);
	assert_non_null(strstr(e.msg, "partner-7.zip"));
	assert_non_null(strstr(e.msg, specs[n - 1].name));
	assert_non_null(strstr(e.msg, why));
	rm_rf(f->dest);
}

static void
test_refuse_dotdot(void **state)
{
	spec specs[] = {
	    {"ok.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"../evil.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};
	spec nested[] = {{"a/../../evil.x12", 0, "x", 1, NULL}};
	spec dir[] = {{"../up/", AE_IFDIR, NULL, 0, NULL}};
	spec back[] = {{"a\\..\\b.x12", 0, "x", 1, NULL}};

	expect_refused(*state, FMT_ZIP, specs, 2, "entry 2 '../evil.x12'");
	expect_refused(*state, FMT_TAR, specs, 2, "..");
	expect_refused(*state, FMT_ZIP, nested, 1, "'..'");
	/* Even a directory that would be skipped. */
	expect_refused(*state, FMT_TAR, dir, 1, "'..'");
	/* Windows separators count too. */
	expect_refused(*state, FMT_TAR, back, 1, "'..'");
}

static void
test_refuse_message_is_one_line(void **state)
{
	fixture *f = *state;
	spec ctl[] = {{"log\nforged/../x", 0, "x", 1, NULL}};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "ctl.tar"), FMT_TAR, ctl, 1);
	assert_int_equal(run(f, "ctl.tar", NULL, &s, &e), EG_ESYNTAX);
	assert_null(strchr(e.msg, '\n'));
	assert_non_null(strstr(e.msg, "'log?forged/../x'"));
}

static void
test_refuse_absolute(void **state)
{
	spec specs[] = {
	    {"ok.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"/etc/x", 0, "x", 1, NULL},
	};

	expect_refused(*state, FMT_TAR, specs, 2, "absolute path");
	expect_refused(*state, FMT_ZIP, specs, 2, "absolute path");
}

static void
test_refuse_links(void **state)
{
	spec sym[] = {
	    {"ok.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"passwd", AE_IFLNK, NULL, 0, "/etc/passwd"},
	};
	spec hard[] = {
	    {"ok.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"again.x12", 0, NULL, 0, "ok.x12"},
	};
	spec fifo[] = {{"pipe", AE_IFIFO, NULL, 0, NULL}};

	expect_refused(*state, FMT_TAR, sym, 2, "symbolic link");
	expect_refused(*state, FMT_ZIP, sym, 2, "symbolic link");
	expect_refused(*state, FMT_TAR, hard, 2, "hard link");
	expect_refused(*state, FMT_TAR, fifo, 1, "not a regular file");
}

/* --- limits ----------------------------------------------------------- */

static void
test_too_many_entries(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"1.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"2.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"3.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	};
	eg_unpack_limits lim = {2, 0, 0};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "many.zip"), FMT_ZIP, specs, 3);
	assert_int_equal(run(f, "many.zip", &lim, &s, &e), EG_ELIMIT);
	/* Stopped at the third header, not after reading them all. */
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(e.msg, "max_entries"));
	assert_non_null(strstr(e.msg, "2"));
	assert_non_null(strstr(e.msg, "many.zip"));
	assert_int_equal(file_size(s.path[1]), sizeof(X12_A) - 1);

	/* Exactly at the limit is fine. */
	rm_rf(f->dest);
	s.n = 0;
	lim.max_entries = 3;
	assert_int_equal(run(f, "many.zip", &lim, &s, &e), EG_OK);
	assert_int_equal(s.n, 3);
}

static void
test_zip_bomb_ratio(void **state)
{
	fixture *f = *state;
	const size_t big = 5 * 1024 * 1024;
	spec specs[] = {{"zeros.x12", 0, NULL, big, NULL}};
	eg_unpack_limits lim = {0, 0, 10};
	char first[192];
	seen s = {0};
	eg_error e;
	off_t in, out;

	make_bundle(in_dir(f, "bomb.zip"), FMT_ZIP, specs, 1);
	in = file_size(f->bundle);
	assert_true(in > 0 && (size_t)in * 10 < big);
	assert_int_equal(run(f, "bomb.zip", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max_ratio"));
	assert_non_null(strstr(e.msg, "10 times"));
	assert_non_null(strstr(e.msg, "bomb.zip"));
	/* Stopped while streaming: never more than the limit on disk. */
	snprintf(first, sizeof(first), "%s/0001", f->dest);
	out = file_size(first);
	assert_true(out >= 0 && out <= in * 10);

	/* A ratio just above its own lets the same bundle through. */
	rm_rf(f->dest);
	lim.max_ratio = big / (size_t)in + 1;
	assert_int_equal(run(f, "bomb.zip", &lim, &s, &e), EG_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.size[0], big);
}

static void
test_max_total(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, NULL, 10000, NULL},
	    {"b.x12", 0, NULL, 10000, NULL},
	};
	eg_unpack_limits lim = {0, 15000, 0};
	char second[192];
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "big.tar"), FMT_TAR, specs, 2);
	assert_int_equal(run(f, "big.tar", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(e.msg, "max_total"));
	assert_non_null(strstr(e.msg, "15000"));
	assert_non_null(strstr(e.msg, "big.tar"));
	snprintf(second, sizeof(second), "%s/0002", f->dest);
	assert_true(file_size(second) <= 5000);

	rm_rf(f->dest);
	s.n = 0;
	lim.max_total = 20000;
	assert_int_equal(run(f, "big.tar", &lim, &s, &e), EG_OK);
	assert_int_equal(s.n, 2);
}

/* --- damage and the callback ------------------------------------------ */

static void
test_corrupt_bundles(void **state)
{
	fixture *f = *state;
	char noise[20000];
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"noise.x12", 0, noise, sizeof(noise), NULL},
	};
	unsigned x = 12345;
	seen s = {0};
	eg_error e;
	off_t size;
	size_t i;

	/* Noise does not compress, so a cut lands inside its data. */
	for (i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (char)(x >> 16);
	}
	make_bundle(in_dir(f, "cut.zip"), FMT_ZIP, specs, 2);
	size = file_size(f->bundle);
	assert_int_equal(truncate(f->bundle, size / 2), 0);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_ZIP);
	assert_int_equal(run(f, "cut.zip", NULL, &s, &e), EG_ESYNTAX);
	assert_non_null(strstr(e.msg, "cut.zip: corrupt bundle"));
	assert_true(s.n <= 1);

	/* A zip header and then garbage. */
	rm_rf(f->dest);
	s.n = 0;
	make_plain(in_dir(f, "junk.zip"), "PK\003\004garbage garbage", 20);
	assert_int_equal(run(f, "junk.zip", NULL, &s, &e), EG_ESYNTAX);
	assert_int_equal(s.n, 0);

	/* A gzip cut short: found out while streaming its one entry. */
	rm_rf(f->dest);
	make_gzip(in_dir(f, "cut.gz"), noise, sizeof(noise));
	assert_int_equal(truncate(f->bundle, file_size(f->bundle) / 2), 0);
	assert_int_equal(detect(f->bundle), EG_BUNDLE_GZIP);
	assert_int_equal(run(f, "cut.gz", NULL, &s, &e), EG_ESYNTAX);
	assert_non_null(strstr(e.msg, "cut.gz: corrupt bundle"));
	assert_int_equal(s.n, 0);
}

static void
test_callback_error(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	    {"c.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};
	seen s = {0};
	eg_error e;
	char third[192];

	make_bundle(in_dir(f, "in.zip"), FMT_ZIP, specs, 3);
	s.fail_at = 2;
	assert_int_equal(run(f, "in.zip", NULL, &s, &e), EG_EIO);
	assert_int_equal(s.n, 2);
	/* The handler's message stands; nothing after it was unpacked. */
	assert_string_equal(e.msg, "handler says stop at 2");
	snprintf(third, sizeof(third), "%s/0003", f->dest);
	assert_int_equal(file_size(third), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_detect),
	    T(test_zip_two_entries),
	    T(test_tar_skips_directories),
	    T(test_tar_gz),
	    T(test_gzip_single),
	    T(test_not_a_bundle),
	    T(test_refuse_dotdot),
	    T(test_refuse_absolute),
	    T(test_refuse_links),
	    T(test_refuse_message_is_one_line),
	    T(test_too_many_entries),
	    T(test_zip_bomb_ratio),
	    T(test_max_total),
	    T(test_corrupt_bundles),
	    T(test_callback_error),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
