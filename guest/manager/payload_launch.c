/* payload_launch.c - starting the payload process; see manager.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "guest/launcher/launcher_status.h"
#include "lib/common/file.h"
#include "manager.h"

/* The fd number the launcher gets its status pipe on. */
#define STATUS_FD 3

int log_port_find(const char *sys_ports, const char *dev_dir, const char *name, char *path,
		  size_t size)
{
	DIR *d = opendir(sys_ports);
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -ENOENT;
	while (r < 0 && (de = readdir(d))) {
		char attr[PATH_MAX], *value = NULL;
		size_t len = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(attr, sizeof(attr), "%s/%s/name", sys_ports, de->d_name);
		if (file_read_all(attr, "port name", 256, &value, &len, NULL) < 0)
			continue;
		while (len && (value[len - 1] == '\n' || value[len - 1] == ' '))
			value[--len] = '\0';
		if (!strcmp(value, name))
			r = (size_t)snprintf(path, size, "%s/%s", dev_dir, de->d_name) < size
				? 0
				: -ENAMETOOLONG;
		free(value);
	}
	closedir(d);
	return r;
}

/* In the child: report @what and errno on the status pipe and exit. */
static void __attribute__((noreturn)) child_fail(int status_fd, const char *what)
{
	char reason[256];
	const char *err = strerror(errno);
	size_t n = strlen(what);

	/* The parent has threads: no allocating stdio here, build it by hand. */
	if (n > sizeof(reason) - 3 - strlen(err))
		n = sizeof(reason) - 3 - strlen(err);
	memcpy(reason, what, n);
	memcpy(reason + n, ": ", 2);
	strcpy(reason + n + 2, err);
	launcher_status_write(status_fd, reason);
	_exit(LAUNCHER_EXIT_FAILED);
}

/* Drop every capability from the bounding set (needs CAP_SETPCAP, so before setuid). */
static int drop_bounding_set(void)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	}
	return 0;
}

/* Clear the permitted, effective and inheritable sets (after setuid they
 * are clear already unless SECBIT_KEEP_CAPS was set; this makes sure). */
static int clear_caps(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

static void __attribute__((noreturn))
child(const struct payload_launch *l, int status_fd, char *const argv[], char *const envp[])
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0)
		child_fail(status_fd, "stdin /dev/null");
	if (l->stdio) {
		fd = open(l->stdio, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			child_fail(status_fd, l->stdio);
	} else {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			child_fail(status_fd, "stdout /dev/null");
	}
	if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		child_fail(status_fd, "stdout and stderr");
	if (l->type == PAYLOAD_TASK_MICRODROID_LAUNCHER) {
		/* The launcher keeps the pipe to send its status line. */
		if (status_fd == STATUS_FD ? fcntl(status_fd, F_SETFD, 0) < 0
					   : dup2(status_fd, STATUS_FD) < 0)
			child_fail(status_fd, "status pipe");
		status_fd = STATUS_FD;
	}
	if (l->drop_privileges) {
		if (setgroups(0, NULL) < 0)
			child_fail(status_fd, "setgroups");
		if (setresgid(l->gid, l->gid, l->gid) < 0)
			child_fail(status_fd, "setgid");
		if (drop_bounding_set() < 0)
			child_fail(status_fd, "dropping the capability bounding set");
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			child_fail(status_fd, "clearing ambient capabilities");
		if (setresuid(l->uid, l->uid, l->uid) < 0)
			child_fail(status_fd, "setuid");
		if (clear_caps() < 0)
			child_fail(status_fd, "capset");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(status_fd, "PR_SET_NO_NEW_PRIVS");
	if (chdir("/") < 0)
		child_fail(status_fd, "chdir /");
	execve(argv[0], argv, envp);
	child_fail(status_fd, argv[0]);
}

/* Read the status line (up to its newline or EOF) from @fd. */
static ssize_t read_status(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || memchr(buf + len, '\n', (size_t)n))
			return (ssize_t)(len + (size_t)n);
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int payload_launch(const struct payload_launch *l, pid_t *pid, char *reason, size_t size,
		   struct error *e)
{
	char fdarg[16], ld_path[PATH_MAX + 32], buf[LAUNCHER_STATUS_MAX];
	char *argv[5], *envp[4];
	int pipefd[2], status, r;
	ssize_t n;
	pid_t child_pid;

	if ((size_t)snprintf(ld_path, sizeof(ld_path), "LD_LIBRARY_PATH=%s", l->lib_dir) >=
	    sizeof(ld_path))
		return error_set(e, -ENAMETOOLONG, "library directory: path too long");
	snprintf(fdarg, sizeof(fdarg), "%d", STATUS_FD);
	if (l->type == PAYLOAD_TASK_MICRODROID_LAUNCHER) {
		argv[0] = (char *)l->launcher;
		argv[1] = "--status-fd";
		argv[2] = fdarg;
		argv[3] = (char *)l->command;
		argv[4] = NULL;
	} else {
		argv[0] = (char *)l->command;
		argv[1] = NULL;
	}
	envp[0] = ld_path;
	envp[1] = "PATH=/system/bin";
	envp[2] = "HOME=/";
	envp[3] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set(e, -errno, "pipe: %s", strerror(errno));
	child_pid = fork();
	if (child_pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return error_set(e, r, "fork: %s", strerror(-r));
	}
	if (child_pid == 0) {
		close(pipefd[0]);
		child(l, pipefd[1], argv, envp);
	}
	close(pipefd[1]);
	n = read_status(pipefd[0], buf, sizeof(buf));
	close(pipefd[0]);
	/*
	 * An executable task's pipe closes at exec (O_CLOEXEC): nothing read
	 * means it runs.  The launcher always sends a line.
	 */
	if (n == 0 && l->type == PAYLOAD_TASK_EXECUTABLE)
		r = 1;
	else if (n < 0)
		r = (int)n;
	else
		r = launcher_status_parse(buf, (size_t)n, reason, size);
	if (r == 1) {
		*pid = child_pid;
		return 0;
	}
	/* Not started: reap the child, which exits (or has exited) by now. */
	if (r < 0) {
		if (n == 0)
			snprintf(reason, size,
				 "%s exited before it reported whether the payload "
				 "could be loaded",
				 l->launcher);
		else
			snprintf(reason, size, "%s sent a malformed status line", l->launcher);
		kill(child_pid, SIGKILL);
	}
	while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR)
		;
	return 1;
}
