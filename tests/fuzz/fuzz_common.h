/*
 * fuzz_common.h - shared by the libFuzzer targets: a scratch directory on
 * tmpfs (/dev/shm when there is one, so fsyncs cost nothing), writing an
 * input to a file there, and emptying a flat directory.  Targets run
 * from the repository root (make fuzz), where edi/ and schemas/ are.
 */
#ifndef EDIGATE_FUZZ_COMMON_H
#define EDIGATE_FUZZ_COMMON_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory for this process; aborts when none can be made. */
static inline const char *
fuzz_scratch(void)
{
	static char dir[64];

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/egfuzz.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

static inline void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		abort();
	if (size && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
}

/* Remove dir and what it holds, one level of subdirectories deep. */
static inline void
fuzz_rm(const char *dir)
{
	char sub[512];
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
				     d->d_name) >= sizeof(sub))
			continue;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			fuzz_rm(sub);
		else
			unlink(sub);
	}
	closedir(dp);
	rmdir(dir);
}

#endif
