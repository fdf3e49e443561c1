/*
 * test_unpack.c - unit tests for bundles opened into their files.
 *
 * What must always hold (unpack.h): entries come out as dest/0001,
 * dest/0002, ... byte for byte, in bundle order, with their names inside
 * the bundle; a name that is absolute, has "..", or is a link refuses the
 * bundle; each limit stops the unpacking while it streams, so a bomb
 * leaves little on disk; detection reads magic numbers, not names.
 * Nothing reaches the callback before the whole bundle was read and
 * verified (gzip CRC-32 and length, zip CRC, tar header checksums); a
 * bundle inside a bundle shares the original's budget, and its depth is
 * limited.
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

enum { FMT_ZIP, FMT_TAR, FMT_TGZ, FMT_ZIP_STORED };

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
	if (fmt == FMT_ZIP || fmt == FMT_ZIP_STORED) {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
		if (fmt == FMT_ZIP_STORED)
			assert_int_equal(archive_write_set_format_option(
					     a, "zip", "compression", "store"),
					 ARCHIVE_OK);
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
	/* Not even the entries before the bad one went through. */
	assert_int_equal(s.n, 0);
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
	eg_unpack_limits lim = {2, 0, 0, 0};
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "many.zip"), FMT_ZIP, specs, 3);
	assert_int_equal(run(f, "many.zip", &lim, &s, &e), EG_ELIMIT);
	/* Stopped at the third header; nothing handed over. */
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-archive-entries"));
	assert_non_null(strstr(e.msg, "more than 2 entries"));
	assert_non_null(strstr(e.msg, "many.zip"));
	{
		char third[192];

		snprintf(third, sizeof(third), "%s/0003", f->dest);
		assert_int_equal(file_size(third), -1);
	}

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
	eg_unpack_limits lim = {0, 0, 10, 0};
	char first[192];
	seen s = {0};
	eg_error e;
	off_t in, out;

	make_bundle(in_dir(f, "bomb.zip"), FMT_ZIP, specs, 1);
	in = file_size(f->bundle);
	assert_true(in > 0 && (size_t)in * 10 < big);
	assert_int_equal(run(f, "bomb.zip", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-expansion-ratio"));
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
	eg_unpack_limits lim = {0, 15000, 0, 0};
	char second[192];
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "big.tar"), FMT_TAR, specs, 2);
	assert_int_equal(run(f, "big.tar", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-file-bytes"));
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
	assert_int_equal(s.n, 0);

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
	/* The handler's message stands; nothing after it was handed over
	 * (though verified and written before the first hand-over). */
	assert_int_equal(s.n, 2);
	assert_string_equal(e.msg, "handler says stop at 2");
	snprintf(third, sizeof(third), "%s/0003", f->dest);
	assert_int_equal(file_size(third), (off_t)sizeof(X12_B) - 1);
}

/* --- verification: every decompressed byte ---------------------------- */

/* The whole file in memory (free it). */
static unsigned char *
slurp(const char *path, size_t *len)
{
	off_t n = file_size(path);
	unsigned char *p;
	FILE *fp;

	assert_true(n >= 0);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

/* Flip every bit of the byte at off (from the end when off < 0). */
static void
flip_byte(const char *path, long off)
{
	size_t len;
	unsigned char *p = slurp(path, &len);
	size_t at = off < 0 ? len - (size_t)(-off) : (size_t)off;

	assert_true(at < len);
	p[at] ^= 0xff;
	make_plain(path, p, len);
	free(p);
}

/* Offset of the first occurrence of needle in the file. */
static long
find_in(const char *path, const char *needle)
{
	size_t len, n = strlen(needle), i;
	unsigned char *p = slurp(path, &len);
	long at = -1;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0) {
			at = (long)i;
			break;
		}
	free(p);
	assert_true(at >= 0);
	return at;
}

static void
expect_damaged(fixture *f, const char *display, const char *why)
{
	seen s = {0};
	eg_error e;

	assert_int_equal(run(f, display, NULL, &s, &e), EG_ESYNTAX);
	assert_int_equal(s.n, 0);
	if (strstr(e.msg, why) == NULL)
		fail_msg("'%s' not in: %s", why, e.msg);
	assert_non_null(strstr(e.msg, display));
	rm_rf(f->dest);
}

static void
test_gzip_trailer_checked(void **state)
{
	fixture *f = *state;

	/* The trailer's CRC-32 (8 bytes from the end), then its length. */
	make_gzip(in_dir(f, "crc.x12.gz"), X12_A, sizeof(X12_A) - 1);
	flip_byte(f->bundle, -8);
	expect_damaged(f, "crc.x12.gz", "CRC-32");
	make_gzip(in_dir(f, "len.x12.gz"), X12_A, sizeof(X12_A) - 1);
	flip_byte(f->bundle, -2);
	expect_damaged(f, "len.x12.gz", "length");
	/* A changed byte of the compressed data: the quantity case. */
	make_gzip(in_dir(f, "data.x12.gz"), X12_A, sizeof(X12_A) - 1);
	flip_byte(f->bundle, 20);
	expect_damaged(f, "data.x12.gz", "damaged gzip data");
}

static void
test_gzip_after_the_end(void **state)
{
	fixture *f = *state;
	unsigned char *one, *two;
	size_t n1, n2;
	seen s = {0};
	eg_error e;
	char both[2 * sizeof(X12_A)];

	make_gzip(in_dir(f, "junk.gz"), X12_A, sizeof(X12_A) - 1);
	one = slurp(f->bundle, &n1);
	two = malloc(n1 + 4);
	assert_non_null(two);
	memcpy(two, one, n1);
	memcpy(two + n1, "junk", 4);
	make_plain(f->bundle, two, n1 + 4);
	expect_damaged(f, "junk.gz", "after the end");

	/* Two members one after the other read as gunzip reads them. */
	make_gzip(in_dir(f, "b.gz"), X12_B, sizeof(X12_B) - 1);
	free(two);
	two = slurp(f->bundle, &n2);
	{
		unsigned char *cat = malloc(n1 + n2);

		assert_non_null(cat);
		memcpy(cat, one, n1);
		memcpy(cat + n1, two, n2);
		make_plain(in_dir(f, "two.x12.gz"), cat, n1 + n2);
		free(cat);
	}
	assert_int_equal(run(f, "two.x12.gz", NULL, &s, &e), EG_OK);
	assert_int_equal(s.n, 1);
	memcpy(both, X12_A, sizeof(X12_A) - 1);
	memcpy(both + sizeof(X12_A) - 1, X12_B, sizeof(X12_B) - 1);
	assert_entry(f, &s, 0, "two.x12", both,
		     sizeof(X12_A) + sizeof(X12_B) - 2);
	free(one);
	free(two);
}

/* The gzip trailer of a tar.gz lies past the tar's end marker. */
static void
test_tar_gz_trailer_checked(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};

	make_bundle(in_dir(f, "crc.tgz"), FMT_TGZ, specs, 2);
	flip_byte(f->bundle, -8);
	expect_damaged(f, "crc.tgz", "CRC-32");
	make_bundle(in_dir(f, "cut.tgz"), FMT_TGZ, specs, 2);
	assert_int_equal(truncate(f->bundle, file_size(f->bundle) - 3), 0);
	expect_damaged(f, "cut.tgz", "cut short");
}

static void
test_zip_crc_checked(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};

	/* Stored, so the changed byte is the data itself: OTHER -> OTHEr. */
	make_bundle(in_dir(f, "crc.zip"), FMT_ZIP_STORED, specs, 2);
	flip_byte(f->bundle, find_in(f->bundle, "OTHER") + 4);
	expect_damaged(f, "crc.zip", "CRC");
}

static void
test_tar_header_checksum(void **state)
{
	fixture *f = *state;
	spec specs[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	};

	/* The second header's name: its checksum no longer matches. */
	make_bundle(in_dir(f, "hdr.tar"), FMT_TAR, specs, 2);
	flip_byte(f->bundle, find_in(f->bundle, "b.x12"));
	expect_damaged(f, "hdr.tar", "corrupt bundle at entry 2");
}

/* --- nested bundles: one budget for the original ---------------------- */

/* Build a bundle into memory (free it). */
static unsigned char *
bundle_bytes(fixture *f, int fmt, const spec *specs, size_t n, size_t *len)
{
	char path[160];
	unsigned char *p;

	snprintf(path, sizeof(path), "%s/tmp.bundle", f->dir);
	make_bundle(path, fmt, specs, n);
	p = slurp(path, len);
	unlink(path);
	return p;
}

static void
test_nested_leaves_and_shared_entries(void **state)
{
	fixture *f = *state;
	spec in[] = {
	    {"b.x12", 0, X12_B, sizeof(X12_B) - 1, NULL},
	    {"c.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	};
	size_t ilen;
	unsigned char *inner = bundle_bytes(f, FMT_TGZ, in, 2, &ilen);
	spec out[] = {
	    {"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL},
	    {"sub/inner.tgz", 0, inner, ilen, NULL},
	};
	eg_unpack_limits lim;
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "outer.zip"), FMT_ZIP, out, 2);
	assert_int_equal(run(f, "outer.zip", NULL, &s, &e), EG_OK);
	/* Only the leaves are handed over, named through the inner one. */
	assert_int_equal(s.n, 3);
	assert_string_equal(s.name[0], "a.x12");
	assert_string_equal(s.name[1], "sub/inner.tgz!b.x12");
	assert_string_equal(s.name[2], "sub/inner.tgz!c.x12");
	assert_int_equal(s.index[2], 3);
	assert_file_is(s.path[1], X12_B, sizeof(X12_B) - 1);

	/* 2 entries outside + 2 inside: 3 in all is over. */
	rm_rf(f->dest);
	memset(&lim, 0, sizeof(lim));
	lim.max_entries = 3;
	s.n = 0;
	assert_int_equal(run(f, "outer.zip", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "outer.zip!sub/inner.tgz"));
	assert_non_null(strstr(e.msg, "all levels"));
	free(inner);
}

static void
test_nested_depth(void **state)
{
	fixture *f = *state;
	spec l1[] = {{"a.x12", 0, X12_A, sizeof(X12_A) - 1, NULL}};
	size_t n1, n2;
	unsigned char *z1 = bundle_bytes(f, FMT_ZIP, l1, 1, &n1);
	spec l2[] = {{"l1.zip", 0, z1, n1, NULL}};
	unsigned char *z2 = bundle_bytes(f, FMT_ZIP, l2, 1, &n2);
	spec l3[] = {{"l2.zip", 0, z2, n2, NULL}};
	eg_unpack_limits lim;
	seen s = {0};
	eg_error e;

	make_bundle(in_dir(f, "l3.zip"), FMT_ZIP, l3, 1);
	/* Default: a bundle in a bundle, not a third level. */
	assert_int_equal(run(f, "l3.zip", NULL, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-bundle-depth"));
	assert_non_null(strstr(e.msg, "l3.zip!l2.zip"));

	rm_rf(f->dest);
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = 3;
	assert_int_equal(run(f, "l3.zip", &lim, &s, &e), EG_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name[0], "l2.zip!l1.zip!a.x12");
	assert_int_equal(s.index[0], 1);
	/* dest/0001 and 0002 are the inner bundles; the leaf is 0003. */
	assert_non_null(strstr(s.path[0], "/0003"));
	assert_file_is(s.path[0], X12_A, sizeof(X12_A) - 1);
	free(z1);
	free(z2);
}

/*
 * gzip in gzip: each level alone is under the ratio, the two together
 * are not -- the ratio is to the original file's size.
 */
static void
test_nested_ratio_counts_all_levels(void **state)
{
	fixture *f = *state;
	const size_t big = 2 * 1024 * 1024;
	unsigned char *zeros = calloc(1, big), *g1, *g2;
	size_t n1, n2;
	uint64_t r1, r2;
	eg_unpack_limits lim;
	seen s = {0};
	eg_error e;
	char p1[160];

	assert_non_null(zeros);
	snprintf(p1, sizeof(p1), "%s/inner.x12.gz", f->dir);
	make_gzip(p1, zeros, big);
	g1 = slurp(p1, &n1);
	make_gzip(in_dir(f, "outer.x12.gz.gz"), g1, n1);
	g2 = slurp(f->bundle, &n2);
	r1 = n1 / n2 + 1;  /* outer level: its output over its input */
	r2 = big / n1 + 1; /* inner level */
	memset(&lim, 0, sizeof(lim));
	lim.max_ratio = r1 > r2 ? r1 : r2;
	assert_true((uint64_t)lim.max_ratio * n2 < big);
	assert_int_equal(run(f, "outer.x12.gz.gz", &lim, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-expansion-ratio"));
	assert_non_null(strstr(e.msg, "of the original file"));
	free(zeros);
	free(g1);
	free(g2);
}

/* The case: 16 zips of 16 zips of 16 files, 4,369 in all. */
static void
test_nested_fan_out_refused(void **state)
{
	fixture *f = *state;
	char names[16][16], kb[1024];
	spec leaf[16], mid[16], top[16];
	unsigned char *zl, *zm;
	size_t nl, nm, i;
	seen s = {0};
	eg_error e;
	char p[192];

	memset(kb, 'x', sizeof(kb));
	for (i = 0; i < 16; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02zu.zip", i);
		leaf[i] = (spec){names[i], 0, kb, sizeof(kb), NULL};
	}
	zl = bundle_bytes(f, FMT_ZIP, leaf, 16, &nl);
	for (i = 0; i < 16; i++)
		mid[i] = (spec){names[i], 0, zl, nl, NULL};
	zm = bundle_bytes(f, FMT_ZIP, mid, 16, &nm);
	for (i = 0; i < 16; i++)
		top[i] = (spec){names[i], 0, zm, nm, NULL};
	make_bundle(in_dir(f, "fan.zip"), FMT_ZIP, top, 16);
	assert_int_equal(run(f, "fan.zip", NULL, &s, &e), EG_ELIMIT);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(e.msg, "max-bundle-depth"));
	/* Stopped at the first bundle too deep: two files written. */
	snprintf(p, sizeof(p), "%s/0003", f->dest);
	assert_int_equal(file_size(p), -1);
	free(zl);
	free(zm);
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
	    T(test_gzip_trailer_checked),
	    T(test_gzip_after_the_end),
	    T(test_tar_gz_trailer_checked),
	    T(test_zip_crc_checked),
	    T(test_tar_header_checksum),
	    T(test_nested_leaves_and_shared_entries),
	    T(test_nested_depth),
	    T(test_nested_ratio_counts_all_levels),
	    T(test_nested_fan_out_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
