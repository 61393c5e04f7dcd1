/*
 * spawn.c - starting virtmgr on demand (vmclient.h, "On-demand start").
 *
 * Double fork: the intermediate child calls setsid() and forks virtmgr,
 * then exits, so virtmgr is nobody's child here, is in a session of its
 * own (no terminal signals) and is reaped by init.  The ready pipe's
 * write end is virtmgr's fd 3; every other fd above 2 is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/client/internal.h"
#include "host/virtmgr/paths.h"

#define READY_FD 3

static int log_path(const char *socket, char *out, size_t size)
{
	char copy[PATH_MAX];

	if (snprintf(copy, sizeof(copy), "%s", socket) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	if (snprintf(out, size, "%s/virtmgr.log", dirname(copy)) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

void vmclient_virtmgr_log_tail(const char *socket, char *out, size_t size)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n = 0;
	off_t end;
	int fd;

	out[0] = '\0';
	if (log_path(socket, path, sizeof(path)) < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0)
		n = pread(fd, buf, sizeof(buf) - 1,
			  end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	char *line = strrchr(buf, '\n');
	snprintf(out, size, "%s", line ? line + 1 : buf);
}

/*
 * In the grandchild: become virtmgr.  Never returns.  If exec fails, its
 * errno goes to @status (close-on-exec, so a successful exec closes it).
 */
static void exec_virtmgr(const char *tool, const char *socket, const char *log, int ready,
			 int status)
{
	char ready_arg[16], idle_arg[16];
	sigset_t none;
	int fd, err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (ready != READY_FD) {
		if (dup2(ready, READY_FD) < 0)
			_exit(127);
	} else if (fcntl(READY_FD, F_SETFD, 0) < 0) {
		_exit(127);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	if (status <= READY_FD) {
		status = fcntl(status, F_DUPFD_CLOEXEC, READY_FD + 1);
		if (status < 0)
			_exit(127);
	}
	/* Everything above the ready fd goes, but the exec status pipe. */
	if (status > READY_FD + 1)
		syscall(SYS_close_range, READY_FD + 1, status - 1, 0);
	syscall(SYS_close_range, status + 1, ~0U, 0);
	snprintf(ready_arg, sizeof(ready_arg), "%d", READY_FD);
	snprintf(idle_arg, sizeof(idle_arg), "%d", VMCLIENT_IDLE_TIMEOUT_S);
	execlp(tool, tool, "--socket", socket, "--idle-timeout", idle_arg, "--ready-fd", ready_arg,
	       (char *)NULL);
	err = errno;
	if (write(status, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Wait up to @timeout_ms for "ready\n" on @fd: 0 ready, 1 closed without it, -ETIMEDOUT. */
static int wait_ready(int fd, int timeout_ms)
{
	char buf[16];
	size_t got = 0;
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ETIMEDOUT;
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "ready\n"))
			return 0;
		if (got == sizeof(buf) - 1)
			return 1;
	}
}

int vmclient_spawn_virtmgr(const char *socket, int timeout_ms, struct error *e)
{
	char tool[PATH_MAX], log[PATH_MAX], dir[PATH_MAX], tail[256];
	int pipefd[2], execfd[2], status, r, err = 0;
	pid_t pid;

	r = paths_find_tool("virtmgr", tool, sizeof(tool));
	if (r < 0)
		return error_set(e, r, "cannot find virtmgr: %s", strerror(-r));
	r = log_path(socket, log, sizeof(log));
	if (r < 0)
		return error_set(e, r, "%s: path too long", socket);
	snprintf(dir, sizeof(dir), "%s", log);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(e, -errno, "cannot make %s: %s", dir, strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set(e, -errno, "pipe: %s", strerror(errno));
	if (pipe2(execfd, O_CLOEXEC) < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return error_set(e, r, "pipe: %s", strerror(-r));
	}

	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(execfd[0]);
		close(execfd[1]);
		return error_set(e, r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		close(pipefd[0]);
		close(execfd[0]);
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid == 0)
			exec_virtmgr(tool, socket, log, pipefd[1], execfd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	close(execfd[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* The exec status pipe: closed by a successful exec, or errno. */
	while ((r = (int)read(execfd[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(execfd[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		close(pipefd[0]);
		return error_set(e, -ECHILD, "could not start virtmgr (%s)", tool);
	}
	if (r == (int)sizeof(err)) {
		close(pipefd[0]);
		return error_set(e, -err, "cannot run virtmgr (%s): %s", tool, strerror(err));
	}
	r = wait_ready(pipefd[0], timeout_ms);
	close(pipefd[0]);
	if (r == -ETIMEDOUT) {
		vmclient_virtmgr_log_tail(socket, tail, sizeof(tail));
		return error_set(e, r, "virtmgr (%s) was not ready within %d s%s%s (log: %s)", tool,
				 timeout_ms / 1000, tail[0] ? ": " : "", tail, log);
	}
	if (r < 0)
		return error_set(e, r, "waiting for virtmgr: %s", strerror(-r));
	if (r == 1) {
		/* Lost the race (connect to the winner), or failed. */
		vmclient_virtmgr_log_tail(socket, tail, sizeof(tail));
		if (!strstr(tail, "already running"))
			return error_set(e, -ECHILD, "virtmgr (%s) exited at start%s%s (log: %s)",
					 tool, tail[0] ? ": " : "", tail, log);
	}
	return r;
}
