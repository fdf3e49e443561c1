/*
 * rusage.c - run a command, report its wall time and peak memory.
 *
 *   rusage CMD [ARGS...]
 *
 * Starts CMD (looked up in PATH) with posix_spawnp, waits for it with
 * wait4 and prints one line to standard error when it ends:
 *
 *   rusage: wall=1.234567 user=1.100 sys=0.080 maxrss_kb=5120 exit=0
 *
 * wall is measured from just before the spawn to the end of the wait;
 * maxrss_kb is the child's peak resident set size (ru_maxrss, KiB on
 * Linux).  posix_spawn starts the child without copying this process, so
 * the peak is the command's own.  The line always starts with "rusage: "
 * and holds only key=value fields, so scripts can grep and split it.
 *
 * Exits with the command's status: its exit code, 128+N when signal N
 * killed it, 127 when it could not be started.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_secs(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid, got;
	double t0, wall;
	int status = 0, err, code;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: rusage CMD [ARGS...]\n"
			"run CMD; print wall seconds and peak RSS to stderr "
			"as\n  rusage: wall=S user=S sys=S maxrss_kb=N exit=N\n");
		return argc < 2 ? 2 : 0;
	}
	t0 = now();
	err = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ);
	if (err != 0) {
		fprintf(stderr, "rusage: %s: %s\n", argv[1], strerror(err));
		fprintf(stderr, "rusage: wall=0 user=0 sys=0 maxrss_kb=0 "
			"exit=127\n");
		return 127;
	}
	memset(&ru, 0, sizeof(ru));
	do {
		got = wait4(pid, &status, 0, &ru);
	} while (got < 0 && errno == EINTR);
	wall = now() - t0;
	if (got < 0) {
		fprintf(stderr, "rusage: wait: %s\n", strerror(errno));
		return 127;
	}
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 127;
	fprintf(stderr, "rusage: wall=%.6f user=%.3f sys=%.3f maxrss_kb=%ld "
		"exit=%d\n", wall, tv_secs(ru.ru_utime), tv_secs(ru.ru_stime),
		ru.ru_maxrss, code);
	return code;
}
