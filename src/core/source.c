/*
 * source.c - file and memory byte sources.
 *
 * A file source reads with read(2) straight into the caller's buffer: no
 * stdio buffering layer, no copy.  Short reads and EINTR are handled here
 * so readers see only data, end of input, or an error.
 */
#include "edigate/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct eg_source {
	int fd;         /* -1 for memory sources */
	int owns_fd;
	const unsigned char *mem;
	size_t mem_len, mem_off;
	char *name;
};

static eg_err
make(eg_source **out, const char *name, eg_error *e)
{
	eg_source *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	s->fd = -1;
	s->name = strdup(name ? name : "-");
	if (!s->name) {
		free(s);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	*out = s;
	return EG_OK;
}

eg_err
eg_source_open_file(eg_source **out, const char *path, eg_error *e)
{
	eg_source *s = NULL;
	eg_err rc;
	int fd;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
				       "cannot open %s: %s", path,
				       strerror(errno));
	}
	rc = make(&s, strcmp(path, "-") == 0 ? "(stdin)" : path, e);
	if (rc) {
		if (fd != STDIN_FILENO)
			close(fd);
		return rc;
	}
	s->fd = fd;
	s->owns_fd = fd != STDIN_FILENO;
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	*out = s;
	return EG_OK;
}

eg_err
eg_source_new_mem(eg_source **out, const void *data, size_t len,
		  const char *name, eg_error *e)
{
	eg_err rc = make(out, name ? name : "(memory)", e);

	if (rc)
		return rc;
	(*out)->mem = data;
	(*out)->mem_len = len;
	return EG_OK;
}

eg_err
eg_source_read(eg_source *s, void *dst, size_t cap, size_t *got, eg_error *e)
{
	ssize_t n;

	*got = 0;
	if (s->fd < 0) {
		size_t left = s->mem_len - s->mem_off;
		size_t take = left < cap ? left : cap;

		if (take)
			memcpy(dst, s->mem + s->mem_off, take);
		s->mem_off += take;
		*got = take;
		return EG_OK;
	}
	do {
		n = read(s->fd, dst, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return eg_fail(e, EG_EIO, "cannot read %s: %s", s->name,
			       strerror(errno));
	*got = (size_t)n;
	return EG_OK;
}

const char *
eg_source_name(const eg_source *s)
{
	return s->name;
}

void
eg_source_free(eg_source *s)
{
	if (!s)
		return;
	if (s->owns_fd)
		close(s->fd);
	free(s->name);
	free(s);
}
