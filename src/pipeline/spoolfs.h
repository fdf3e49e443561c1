/*
 * spoolfs.h - file moves the pipeline makes durable (internal).
 *
 * Outputs are written in the spool's work folder without an fsync each;
 * the pipeline makes a whole batch durable with one eg_sync_fs (fsutil.h)
 * before the ledger commit that names them, and publishes them by
 * renames, synced the same way before the commit that says so.  After a
 * crash a file is either whole under its name or not there.
 */
#ifndef EDIGATE_SPOOLFS_H
#define EDIGATE_SPOOLFS_H

#include <stddef.h>
#include <stdint.h>

#include "edigate/err.h"

/* fsync a directory. */
eg_err eg_fsync_dir(const char *dir, eg_error *e) EG_MUST_USE;
/* fsync a file by path. */
eg_err eg_fsync_path(const char *path, eg_error *e) EG_MUST_USE;
/* Write all of n bytes to fd. */
eg_err eg_write_all(int fd, const void *p, size_t n, const char *what,
		    eg_error *e) EG_MUST_USE;
/* Write data to path (created or replaced); not synced, no rename. */
eg_err eg_write_file(const char *path, const void *data, size_t n,
			  eg_error *e) EG_MUST_USE;
/* Compress src into dst (gzip, fast level); not synced. */
eg_err eg_gzip_file(const char *src, const char *dst,
		    eg_error *e) EG_MUST_USE;
/* Copy src to dst (created or replaced) and fsync it; *size gets the
 * bytes copied.  A src that cannot be read is EG_ENOTFOUND. */
eg_err eg_copy_file(const char *src, const char *dst, uint64_t *size,
		    eg_error *e) EG_MUST_USE;
/*
 * Publish src as dst, never replacing a file already there (an archive,
 * records, a report or an acknowledgement of an earlier file): a hard
 * link, then src is removed.  Repeatable after a crash: src already gone
 * with dst there, or both names on one file, count as done.  Another
 * file at dst is EG_ECONFIG, naming it.
 */
eg_err eg_publish_new(const char *src, const char *dst,
		      eg_error *e) EG_MUST_USE;
/* Remove a directory tree (best effort, for spool work folders). */
void eg_remove_tree(const char *dir);
/* Path join into dst; EG_ELIMIT when it does not fit. */
eg_err eg_path(char *dst, size_t cap, eg_error *e, const char *fmt, ...)
    EG_PRINTF(4, 5) EG_MUST_USE;

#endif
