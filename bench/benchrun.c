/*
 * benchrun - run one command and measure it, for the benchmarks in bench/.
 *
 *   benchrun [-t SECONDS] [-l LOGFILE] [-m MARKER]... -- COMMAND [ARGS...]
 *
 * Starts COMMAND with stdin on /dev/null and its stdout and stderr on pipes,
 * and measures with CLOCK_MONOTONIC from just before the spawn:
 *   - when each MARKER (a plain substring) first appears in a line of the
 *     command's stdout;
 *   - when the command has exited (wait4 returned);
 * and, from wait4's rusage, the command's peak resident set size.
 * Everything the command writes is appended to LOGFILE (default: dropped).
 * After SECONDS (default 60) the command's process group is killed.
 *
 * Prints one line on stdout:
 *   exit=N signal=N timeout=0|1 wall_us=N maxrss_kib=N marker1_us=N ...
 * exit is -1 when the command was killed by a signal; a marker that never
 * appeared is -1.  benchrun's own status is 0 when the command could be run
 * and measured (whatever its status), 1 on errors of its own, 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKERS 8
#define LINE_MAX_KEEP 4096

extern char **environ;

struct stream {
	int fd;
	bool scan;			/* look for markers in this stream */
	char line[LINE_MAX_KEEP + 1];
	size_t len;
};

static const char *markers[MAX_MARKERS];
static int64_t marker_us[MAX_MARKERS];
static int nr_markers;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
	fprintf(stderr, "usage: benchrun [-t SECONDS] [-l LOGFILE] [-m MARKER]... -- COMMAND [ARGS...]\n");
	exit(2);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "benchrun: %s: %s\n", what, strerror(err));
	exit(1);
}

static void check_markers(struct stream *s, int64_t t)
{
	s->line[s->len] = '\0';
	for (int i = 0; i < nr_markers; i++)
		if (marker_us[i] < 0 && strstr(s->line, markers[i]))
			marker_us[i] = t;
}

/* Append bytes read at time t to the stream's current line, scanning each
 * completed line (and the partial one, so a marker is seen as it arrives). */
static void feed(struct stream *s, const char *buf, size_t n, int64_t t)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			check_markers(s, t);
			s->len = 0;
			continue;
		}
		if (s->len == LINE_MAX_KEEP) {
			check_markers(s, t);
			/* keep the tail, so a marker across the cut is still found */
			memmove(s->line, s->line + LINE_MAX_KEEP / 2, LINE_MAX_KEEP / 2);
			s->len = LINE_MAX_KEEP / 2;
		}
		s->line[s->len++] = buf[i];
	}
	check_markers(s, t);
}

int main(int argc, char **argv)
{
	const char *logpath = NULL;
	double timeout_s = 60;
	int opt;

	while ((opt = getopt(argc, argv, "+t:l:m:")) != -1) {
		switch (opt) {
		case 't': {
			char *end;

			timeout_s = strtod(optarg, &end);
			if (*end || timeout_s <= 0)
				usage();
			break;
		}
		case 'l':
			logpath = optarg;
			break;
		case 'm':
			if (nr_markers == MAX_MARKERS || !*optarg)
				usage();
			markers[nr_markers++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	for (int i = 0; i < MAX_MARKERS; i++)
		marker_us[i] = -1;

	int logfd = -1;
	if (logpath) {
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0)
			die(logpath, errno);
	}

	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		die("pipe", errno);

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc = posix_spawn_file_actions_init(&fa);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	if (!rc)
		rc = posix_spawnattr_init(&attr);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (rc)
		die("posix_spawn setup", rc);

	pid_t pid;
	int64_t t0 = now_us();
	rc = posix_spawnp(&pid, argv[optind], &fa, &attr, &argv[optind], environ);
	if (rc) {
		fprintf(stderr, "benchrun: cannot run %s: %s\n", argv[optind], strerror(rc));
		return 1;
	}
	close(out[1]);
	close(err[1]);

	static struct stream streams[2];
	streams[0].fd = out[0];
	streams[0].scan = true;
	streams[1].fd = err[0];
	int64_t deadline = t0 + (int64_t)(timeout_s * 1e6);
	bool timed_out = false;
	int open_fds = 2;

	while (open_fds > 0) {
		struct pollfd p[2];
		int np = 0, map[2];

		for (int i = 0; i < 2; i++) {
			if (streams[i].fd >= 0) {
				p[np].fd = streams[i].fd;
				p[np].events = POLLIN;
				map[np++] = i;
			}
		}
		int64_t left = deadline - now_us();
		if (left <= 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		int n = poll(p, (nfds_t)np, (int)(left / 1000) + 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("poll", errno);
		}
		for (int k = 0; k < np; k++) {
			if (!p[k].revents)
				continue;
			struct stream *s = &streams[map[k]];
			char buf[4096];
			ssize_t r = read(s->fd, buf, sizeof(buf));
			int64_t t = now_us();

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(s->fd);
				s->fd = -1;
				open_fds--;
				continue;
			}
			if (logfd >= 0 && write(logfd, buf, (size_t)r) < 0)
				die("log write", errno);
			if (s->scan)
				feed(s, buf, (size_t)r, t - t0);
		}
	}

	int status;
	struct rusage ru;
	pid_t w;
	do
		w = wait4(pid, &status, 0, &ru);
	while (w < 0 && errno == EINTR);
	int64_t t_end = now_us();
	if (w < 0)
		die("wait4", errno);

	printf("exit=%d signal=%d timeout=%d wall_us=%lld maxrss_kib=%ld",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out,
	       (long long)(t_end - t0), ru.ru_maxrss);
	for (int i = 0; i < nr_markers; i++)
		printf(" marker%d_us=%lld", i + 1, (long long)marker_us[i]);
	printf("\n");
	return 0;
}
