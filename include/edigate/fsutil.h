/*
 * fsutil.h - durable file operations.
 *
 * Files are published atomically: written under a temporary name in the
 * target directory, fsynced, renamed over the final name, and the
 * directory fsynced, so a crash leaves either the old file or the new
 * one, never a half-written one.
 */
#ifndef EDIGATE_FSUTIL_H
#define EDIGATE_FSUTIL_H

#include <stddef.h>

#include "edigate/err.h"

/* Write data to dir/name atomically (replacing any existing file). */
eg_err eg_file_publish(const char *dir, const char *name, const void *data,
		       size_t len, eg_error *e) EG_MUST_USE;
/* Create dir (and parents) if missing, mode 0755. */
eg_err eg_mkdirs(const char *dir, eg_error *e) EG_MUST_USE;
/* Read a small file (at most max bytes) into a NUL-terminated buffer the
 * caller frees.  EG_ENOTFOUND when it does not exist. */
eg_err eg_file_read_small(const char *path, size_t max, char **out,
			  size_t *len, eg_error *e) EG_MUST_USE;
/*
 * Make everything written so far on the file system holding path
 * durable: file data, new names, renames and unlinks.  This is the group
 * commit of the pipeline and the local transport -- one flush for a
 * batch of files instead of an fsync per file and per directory.  The
 * caller records nothing about those files (ledger commit, rename to a
 * name a partner reads) before it returns EG_OK.  Linux: syncfs(2),
 * which reports write-back errors since 5.8; elsewhere sync(2) then an
 * fsync of path.
 */
eg_err eg_sync_fs(const char *path, eg_error *e) EG_MUST_USE;

#endif
