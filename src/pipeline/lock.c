/*
 * lock.c - one run at a time on a spool: spool/run.lock (see pipeline.h).
 *
 * An flock on the lock file, held for the whole run; it goes with the
 * process, so a killed run never leaves the spool locked.  A caller may
 * give up at once, wait for a time limit, or wait as long as it takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "edigate/pipeline.h"
#include "spoolfs.h"

eg_err
eg_pipeline_lock(const char *spool, int wait, int *fd, eg_error *e)
{
	return eg_pipeline_lock_node(spool, NULL, wait, fd, e);
}

eg_err
eg_pipeline_lock_node(const char *spool, const char *node, int wait, int *fd,
		      eg_error *e)
{
	char path[PATH_MAX];
	eg_err rc;
	int r;
	time_t until = time(NULL) + (wait > 0 ? wait : 0);

	*fd = -1;
	if ((rc = node ? eg_path(path, sizeof(path), e, "%s/run-%s.lock",
				 spool, node)
		       : eg_path(path, sizeof(path), e, "%s/run.lock", spool)))
		return rc;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (*fd < 0)
		return eg_fail(e, EG_EIO, "%s: %s", path, strerror(errno));
	/* a time limit: try every tenth of a second until it passes */
	while ((r = flock(*fd, LOCK_EX | (wait < 0 ? 0 : LOCK_NB))) != 0 &&
	       errno == EWOULDBLOCK && wait > 0 && time(NULL) < until)
		(void)nanosleep(&(struct timespec){0, 100000000L}, NULL);
	if (r != 0) {
		int err = errno;

		close(*fd);
		*fd = -1;
		if (err == EWOULDBLOCK && wait > 0)
			return eg_fail(e, EG_ELIMIT,
				       "another edigate run is still working "
				       "on the spool %s after %d second(s) "
				       "of waiting (it holds %s); nothing was "
				       "done: try again later",
				       spool, wait, path);
		if (err == EWOULDBLOCK)
			return eg_fail(e, EG_ELIMIT,
				       "another edigate run is working on "
				       "the spool %s (it holds %s); nothing "
				       "was done: try again when it ends, or "
				       "use --wait",
				       spool, path);
		return eg_fail(e, EG_EIO, "lock %s: %s", path, strerror(err));
	}
	return EG_OK;
}

void
eg_pipeline_unlock(int fd)
{
	if (fd >= 0) {
		(void)flock(fd, LOCK_UN);
		close(fd);
	}
}
