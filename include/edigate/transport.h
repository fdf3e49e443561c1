/*
 * transport.h - how files reach a partner's inbox and leave for its
 * outbox: a vtable per transport ("local", "sftp"), registered in one
 * table (transport.c), chosen by the profile's <transport type=>.
 *
 * The pipeline drives a transport in this order, and relies on it:
 *   list   the complete files in the inbox (pattern, exclude, and the
 *          profile's <complete>: stable-for, done-suffix, temp-suffix);
 *          files not yet complete are counted in *waiting, not listed;
 *   fetch  stream one listed file's bytes into a sink; the transport
 *          checks that the file still has the listed size and fails
 *          (EG_EIO, "changed while fetched") otherwise;
 *   post   the after-pickup action (delete, move, leave) -- called only
 *          once the fetched copy is durable in the spool and committed
 *          in the ledger; a done-file goes the same way as its file;
 *   put    deliver a local file to the outbox under a temporary name,
 *          then rename it to its final name (never a partial file under
 *          the final name).
 *
 * Paths in a profile that are not absolute are relative to the home.
 * Errors name the partner, the path and what failed.
 *
 * Ownership: eg_tlist owns its entries; a transport borrows its profile.
 */
#ifndef EDIGATE_TRANSPORT_H
#define EDIGATE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "edigate/err.h"
#include "edigate/profile.h"

/* One file in a remote inbox. */
typedef struct eg_tfile {
	char *name;      /* file name in the inbox, "PO123.x12" */
	char *path;      /* full remote path, the ledger's key with size and
			  * mtime: "/outbound/acme/PO123.x12" */
	uint64_t size;
	int64_t mtime;   /* since the epoch: seconds (sftp), nanoseconds
			  * (local); compared only for equality */
	char *done_file; /* its done-file's full path, or NULL */
} eg_tfile;

/* A file of the inbox that list passed over, and why. */
typedef enum eg_tskip_why {
	EG_TSKIP_WAITING, /* ours, not complete yet (stable-for, done-file) */
	EG_TSKIP_WRITING, /* ours, still under its temp-suffix name */
	EG_TSKIP_IGNORED  /* matches no pattern, or an exclude */
} eg_tskip_why;

typedef struct eg_tskip {
	char *name;
	eg_tskip_why why;
} eg_tskip;

#define EG_TLIST_MAX_SKIPPED 1000

typedef struct eg_tlist {
	eg_tfile *v;
	size_t n, cap;
	size_t waiting; /* matching files not yet complete */
	size_t writing; /* files under their temp-suffix name */
	size_t ignored; /* regular files no pattern takes (or excluded) */
	/* the names of those (dotfiles and done-files are not counted),
	 * the first EG_TLIST_MAX_SKIPPED of them, in listing order */
	eg_tskip *skipped;
	size_t nskipped;
} eg_tlist;

void eg_tlist_free(eg_tlist *l);
/* Append a copy of one file's facts (done_file may be NULL). */
eg_err eg_tlist_add(eg_tlist *l, const char *name, const char *path,
		    uint64_t size, int64_t mtime,
		    const char *done_file) EG_MUST_USE;
/* Count a file list passes over (waiting, writing or ignored) and keep
 * its name.  EG_ENOMEM only. */
eg_err eg_tlist_skip(eg_tlist *l, const char *name,
		     eg_tskip_why why) EG_MUST_USE;
/* Sort by name (list's promise). */
void eg_tlist_sort(eg_tlist *l);

/* Where fetched bytes go: return EG_OK or an error (filled into e). */
typedef eg_err (*eg_sink_fn)(void *ud, const void *p, size_t n, eg_error *e);

typedef struct eg_transport eg_transport;

typedef struct eg_transport_ops {
	const char *name; /* "local", "sftp" */
	/* Connect (sftp) or check the folders (local).  home resolves
	 * relative paths; now is the run's clock (stable-for). */
	eg_err (*open)(eg_transport **out, const eg_profile *p,
		       const char *home, time_t now, eg_error *e);
	/* The complete inbox files, sorted by name. */
	eg_err (*list)(eg_transport *t, eg_tlist *out, eg_error *e);
	eg_err (*fetch)(eg_transport *t, const eg_tfile *f, eg_sink_fn sink,
			void *ud, eg_error *e);
	/* After-pickup action for a fetched file (and its done-file). */
	eg_err (*post)(eg_transport *t, const eg_tfile *f, eg_error *e);
	/* Deliver local_path to the outbox as name. */
	eg_err (*put)(eg_transport *t, const char *local_path,
		      const char *name, eg_error *e);
	/* Make every put and post since the last sync durable (NULL: each
	 * is durable when it returns).  Only needed when t->batched. */
	eg_err (*sync)(eg_transport *t, eg_error *e);
	void (*close)(eg_transport *t);
} eg_transport_ops;

/* Every transport has this first, so the caller can reach its ops. */
struct eg_transport {
	const eg_transport_ops *ops;
	/* Set by a caller that calls eg_transport_sync before it records
	 * any put or post as done (the pipeline's group commit).  A
	 * transport may then defer their durability -- and, for put, the
	 * final name, so that no partner reads a file whose bytes are not
	 * durable -- until that sync.  A put's conflicts are still reported
	 * by put; sync reports only what fails while making it durable.
	 * Closing without a sync abandons the deferred puts. */
	int batched;
};

/* t->ops->sync when it has one; EG_OK otherwise. */
eg_err eg_transport_sync(eg_transport *t, eg_error *e) EG_MUST_USE;

/*
 * Faults.  A failure a new session may cure -- the SFTP classes
 * connect, timeout and protocol (sftp.h) -- is "transient": the caller
 * closes the session and tries again after eg_backoff_ms.  Host key,
 * auth, permission and not-found are not: a person must act.
 */
int eg_transport_transient(const eg_error *e);

/*
 * The wait before retry number attempt (1, 2, ...): base_ms doubled for
 * each earlier retry, capped at cap_ms, then "equal jitter" -- half of
 * it fixed, half drawn from *rng (a xorshift64 state the caller seeds
 * and keeps), so that partners failing together do not retry together.
 */
long long eg_backoff_ms(unsigned attempt, long long base_ms, long long cap_ms,
			uint64_t *rng);

/*
 * Per-partner session cap, across processes: a session holds one of the
 * partner's max slot locks (flock on LOCKDIR/PARTNER.session.K).  Waits
 * up to wait_s seconds for a free slot, then fails (EG_EIO, "sftp
 * connect: ... all N sessions in use").  *fd is the held slot, for
 * eg_session_release.
 */
eg_err eg_session_take(const char *lockdir, const char *partner,
		       unsigned max, long long wait_s, int *fd,
		       eg_error *e) EG_MUST_USE;
void eg_session_release(int fd);

/* The transport named (profile type), or NULL. */
const eg_transport_ops *eg_transport_find(const char *name);

/* Open the profile's transport (sftp or local). */
eg_err eg_transport_open(eg_transport **out, const eg_profile *p,
			 const char *home, time_t now, eg_error *e) EG_MUST_USE;

/* The local-directory transport (transport_local.c). */
extern const eg_transport_ops eg_transport_local;

/*
 * Shared by transports: does name match the profile's pattern list
 * ("*.x12 *.edi") and not its exclude list?  Shell-style wildcards.
 */
int eg_transport_name_ok(const eg_profile *p, const char *name);

/* The SFTP transport, on libssh2 (transport_sftp.c; probe in sftp.h). */
extern const eg_transport_ops eg_transport_sftp;

#endif
