/* spawn.c - see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* In the child: only async-signal-safe calls until exec. */
static void child(char *const argv[], const int *fds, size_t nfds, int errw, pid_t parent)
{
	int tmp[SPAWN_MAX_FDS], ep, err;
	unsigned int base = (unsigned int)nfds + 1;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127); /* virtmgr died before the death signal was set */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &dfl, NULL);

	ep = fcntl(errw, F_DUPFD_CLOEXEC, base);
	for (size_t i = 0; i < nfds; i++) {
		int src = fds[i] >= 0 ? fds[i] : open("/dev/null", O_RDWR);
		tmp[i] = src < 0 ? -1 : fcntl(src, F_DUPFD, base);
		if (ep < 0 || tmp[i] < 0)
			goto fail;
	}
	for (size_t i = 0; i < nfds; i++)
		if (dup2(tmp[i], (int)i) < 0)
			goto fail;
	syscall(SYS_close_range, (unsigned int)nfds, (unsigned int)ep - 1, 0);
	syscall(SYS_close_range, (unsigned int)ep + 1, ~0u, 0);
	execv(argv[0], argv);
fail:
	err = errno;
	if (write(ep >= 0 ? ep : errw, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

int spawn_process(char *const argv[], const int *fds, size_t nfds, pid_t *pid, int *pidfd,
		  struct error *e)
{
	int p[2], err = 0, fd;
	pid_t parent = getpid(), c;
	ssize_t r;

	if (nfds > SPAWN_MAX_FDS)
		return error_set(e, -EINVAL, "too many fds for the child");
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(e, -errno, "pipe: %s", strerror(errno));
	c = fork();
	if (c < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return error_set(e, -err, "fork: %s", strerror(err));
	}
	if (c == 0)
		child(argv, fds, nfds, p[1], parent);
	close(p[1]);
	do
		r = read(p[0], &err, sizeof(err));
	while (r < 0 && errno == EINTR);
	close(p[0]);
	if (r == (ssize_t)sizeof(err)) {
		waitpid(c, NULL, 0);
		return error_set(e, -err, "cannot run '%s': %s", argv[0], strerror(err));
	}
	fd = (int)syscall(SYS_pidfd_open, c, 0);
	if (fd < 0) {
		err = errno;
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		return error_set(e, -err, "pidfd_open: %s", strerror(err));
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	*pid = c;
	*pidfd = fd;
	return 0;
}
