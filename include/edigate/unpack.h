/*
 * unpack.h - bundles (zip, tar, tar.gz, gzip) opened into their files.
 *
 * Partners send several documents in one archive.  The pipeline keeps
 * the bundle itself (archive, ledger) and runs each entry as a file of
 * its own.  Untrusted input: every limit is checked while reading, not
 * after -- the number of entries, the total size written, the expansion
 * ratio (bytes out / bytes of the original file) and the nesting depth,
 * all counted across every level of bundles inside bundles; an entry
 * with an absolute path, a ".." component, or that is not a regular
 * file (link, device) refuses the whole bundle.  Directories are skipped.
 *
 * Every decompressed byte is verified first (gzip CRC-32 and length, zip
 * CRC-32, tar header checksums): nothing reaches the callback unless the
 * whole bundle, nested ones included, read cleanly to its end.
 *
 * Files are written to dest_dir as "0001", "0002", ... (never under the
 * name inside the bundle), each fsynced.  A bundle found inside is
 * opened in place; the plain files at the leaves are handed to the
 * callback in bundle order with their names, nested ones joined by '!'
 * ("inner.zip!a.x12").
 */
#ifndef EDIGATE_UNPACK_H
#define EDIGATE_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/err.h"

typedef enum eg_bundle_kind {
	EG_BUNDLE_NONE = 0, /* a plain file */
	EG_BUNDLE_GZIP,     /* one gzip-compressed file (not a tar) */
	EG_BUNDLE_ZIP,
	EG_BUNDLE_TAR,      /* tar, also compressed (tar.gz) */
} eg_bundle_kind;

/* "none", "gzip", "zip", "tar". */
const char *eg_bundle_kind_str(eg_bundle_kind k);

/* Look at the first bytes of a file (magic numbers, not the name). */
eg_err eg_bundle_detect(const char *path, eg_bundle_kind *kind,
			eg_error *e) EG_MUST_USE;

typedef struct eg_unpack_limits {
	uint64_t max_entries;   /* 0: default 10000 */
	uint64_t max_total;     /* bytes written in all; 0: default 1 GiB */
	uint64_t max_ratio;     /* bytes out per byte in; 0: default 200 */
	unsigned max_depth;     /* levels of bundles, the original being 1:
				 * 0: default 2 (a bundle in a bundle) */
} eg_unpack_limits;

/* One leaf unpacked (index 1, 2, ...): name inside the bundle, where
 * it now is, size.  Called only after the whole bundle was verified. */
typedef eg_err (*eg_unpack_fn)(void *ud, unsigned index, const char *name,
			       const char *path, uint64_t size, eg_error *e);

/*
 * Unpack bundle `path` into dest_dir (created if needed).  A gzip file's
 * one entry is named after the file without ".gz".  Errors: EG_ELIMIT for
 * a limit (the message names the profile setting), EG_ESYNTAX for a
 * damaged bundle (checksum, length, cut short, bytes after the end) or a
 * refused entry name (the message names the entry and what was wrong),
 * EG_EIO for the disk; the callback is then never called.  A callback
 * error stops the hand-over and is returned.  dest_dir may hold files
 * afterwards, whatever the outcome; the caller removes it.
 */
eg_err eg_unpack(const char *path, const char *display_name,
		 const char *dest_dir, const eg_unpack_limits *lim,
		 eg_unpack_fn fn, void *ud, eg_error *e) EG_MUST_USE;

#endif
