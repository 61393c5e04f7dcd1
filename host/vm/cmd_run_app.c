/*
 * cmd_run_app.c - `vm run-app PACKAGE [INSTANCE.img]` and `vm
 * run-microdroid`: run a payload in a Microdroid VM through virtmgr, in
 * the foreground, printing its life cycle until it is DEAD.
 *
 * SIGINT and SIGTERM are blocked before the client library starts its
 * thread and read from a signalfd, so that Ctrl-C asks virtmgr to stop the
 * VM and vm still waits for DEAD (and cleanup) before it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "disk.h"
#include "host/virtmgr/paths.h"
#include "lib/payload/instance.h"
#include "run_app.h"
#include "virtmgr_cli.h"

/* How long vm waits for DEAD after asking virtmgr to stop the VM. */
#define STOP_WAIT_MS 30000

static const char options_text[] =
    "Options:\n"
    "  --mem MiB             guest memory (%d to %d; default 256)\n"
    "  --cpus N              virtual CPUs (1 to %d; default 1)\n"
    "  --name NAME           the VM's name (default vm<CID>), for vm list/info/stop\n"
    "  --console FILE        write the guest kernel's console to FILE (default: none)\n"
    "  --log FILE            write the payload's stdout and stderr to FILE (default:\n"
    "                        this command's stdout)\n"
    "  --debug full|none     full: the kernel logs to the console; none (default): quiet\n"
    "  --boot-timeout SECS   time allowed for the payload to start (default: virtmgr's)\n"
    "  -h, --help            show this help\n"
    "\n"
    "It prints each change of the VM's state on its own line (\"vm: NAME (cid N):\n"
    "STARTED\", READY, \"FINISHED, exit code N\", \"DEAD (REASON)\"), and errors the\n"
    "guest reports on stderr.  Ctrl-C (or SIGTERM) stops the VM and waits until it\n"
    "is DEAD.  virtmgr is started if it is not running (see docs/vm.md).\n"
    "\n"
    "Exit status: the payload's exit code when it finished; 128+N when the payload\n"
    "was killed by signal N, or vm was stopped by signal N before it finished\n"
    "(Ctrl-C: 130); 80 the guest reported an error; 81 the VM died before its\n"
    "payload finished (boot timeout, kernel panic, vm stop, ...); 82 the connection\n"
    "with virtmgr was lost; 1 the VM could not be started (bad package or config,\n"
    "host error); 2 bad command line.\n";

static void usage(bool app)
{
	if (app)
		fputs("Usage: vm run-app [options] PACKAGE [INSTANCE.img]\n"
		      "\n"
		      "Run the payload package PACKAGE (made by 'vm pack') in a Microdroid VM,\n"
		      "in the foreground.  INSTANCE.img keeps the VM instance's identity across\n"
		      "runs; it is made (10 MiB) if missing.  Without it the VM gets a fresh one.\n"
		      "\n",
		      stdout);
	else
		fputs("Usage: vm run-microdroid [options]\n"
		      "\n"
		      "Run a Microdroid VM with the bundled empty payload (empty.pkg in the\n"
		      "payload directory, docs/vm.md) until Ctrl-C, to try the guest.\n"
		      "\n",
		      stdout);
	printf(options_text, VMCONFIG_MIN_MEM_MIB, VMCONFIG_MAX_MEM_MIB, VMCONFIG_MAX_CPUS);
}

/* Open an output file given on the command line; -1 with a message on failure. */
static int open_output(const char *cmd, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		vm_fail(cmd, "%s: %s", path, strerror(errno));
	return fd;
}

struct run {
	const char *cmd;
	struct vmclient *client;
	struct vmclient_vm *vm;
	char name[VMCONFIG_NAME_MAX + 1];
	int32_t cid;
	struct run_outcome outcome;
	bool dead;
	int death_reason;
	int log_pipe; /* the payload's log, copied to stdout; -1 with --log */
};

/* Copy what the payload logged to stdout; at EOF stop watching the pipe. */
static void copy_log(struct run *r)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(r->log_pipe, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
			break;
	if (n == 0) {
		close(r->log_pipe);
		r->log_pipe = -1;
	}
}

/* Handle one event; true once it was the last. */
static bool on_event(struct run *r, const struct vmclient_event *ev)
{
	vm_print_event(ev->type == VMCLIENT_EVENT_ERROR || ev->type == VMCLIENT_EVENT_LOST ? stderr
											   : stdout,
		       r->name, r->cid, ev);
	switch (ev->type) {
	case VMCLIENT_EVENT_FINISHED:
		r->outcome.finished = true;
		r->outcome.exit_code = ev->value;
		return false;
	case VMCLIENT_EVENT_CRASHED:
		r->outcome.crash_signal = ev->value;
		return false;
	case VMCLIENT_EVENT_ERROR:
		r->outcome.error = true;
		return false;
	case VMCLIENT_EVENT_DIED:
		r->dead = true;
		r->death_reason = ev->value;
		return true;
	case VMCLIENT_EVENT_LOST:
		r->outcome.lost = true;
		return true;
	default:
		return false;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Follow the VM until it is DEAD (or virtmgr is lost); 0, or an exit status on failure. */
static int follow(struct run *r, int sfd)
{
	struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
			      {.fd = vmclient_vm_event_fd(r->vm), .events = POLLIN},
			      {.fd = r->log_pipe, .events = POLLIN}};
	int64_t deadline = -1;
	struct vmclient_event ev;
	struct signalfd_siginfo si;
	struct error e = {{0}};

	for (;;) {
		int timeout = deadline < 0 ? -1 : (int)(deadline - now_ms());

		if (deadline >= 0 && timeout <= 0)
			return vm_fail(r->cmd, "VM %d was asked to stop but is not DEAD after %d s",
				       r->cid, STOP_WAIT_MS / 1000);
		p[2].fd = r->log_pipe;
		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			return vm_fail(r->cmd, "poll: %s", strerror(errno));
		if (r->log_pipe >= 0 && p[2].revents)
			copy_log(r);
		while (vmclient_vm_next_event(r->vm, &ev, 0) == 0) {
			if (on_event(r, &ev)) {
				if (r->log_pipe >= 0) /* what mvm wrote before it died */
					copy_log(r);
				return 0;
			}
		}
		if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !r->outcome.interrupted) {
			r->outcome.interrupted = (int)si.ssi_signo;
			fprintf(stdout, "vm: %s (cid %d): stopping (SIG%s)\n", r->name, r->cid,
				sigabbrev_np((int)si.ssi_signo));
			fflush(stdout);
			if (vmclient_vm_stop(r->vm, &e) < 0 && e.msg[0] &&
			    !strstr(e.msg, "lost")) /* already dying is fine */
				fprintf(stderr, "vm: %s: %s\n", r->cmd, e.msg);
			deadline = now_ms() + STOP_WAIT_MS;
		}
	}
}

/* After DEAD: the one stderr line that says why the run failed, if it did. */
static void explain(struct run *r)
{
	struct vm_info_parcel info;
	struct error e = {{0}};

	if (r->outcome.finished || r->outcome.crash_signal || r->outcome.interrupted ||
	    r->outcome.error || r->outcome.lost)
		return;
	if (vmclient_vm_info(r->vm, &info, &e) == 0 && info.error_message[0]) {
		vm_fail(r->cmd, "the VM died before its payload finished (%s: %s)",
			vm_death_reason_name(r->death_reason), info.error_message);
		vm_info_parcel_clear(&info);
		return;
	}
	vm_fail(r->cmd, "the VM died before its payload finished (%s)",
		vm_death_reason_name(r->death_reason));
}

static int start(struct run *r, const struct vmclient_vm_config *cfg)
{
	struct vm_info_parcel info;
	struct error e = {{0}};
	int st = vm_connect(r->cmd, false, &r->client);

	if (st)
		return st;
	if (vmclient_create_vm(r->client, cfg, NULL, &r->vm, &e) < 0)
		return vm_fail(r->cmd, "%s", e.msg);
	r->cid = vmclient_vm_cid(r->vm);
	snprintf(r->name, sizeof(r->name), "vm%d", r->cid);
	if (vmclient_vm_info(r->vm, &info, &e) == 0) {
		snprintf(r->name, sizeof(r->name), "%s", info.name);
		vm_info_parcel_clear(&info);
	}
	printf("vm: %s (cid %d): STARTING\n", r->name, r->cid);
	fflush(stdout);
	return VM_EXIT_OK;
}

static int run_vm(const char *cmd, const struct run_args *a, const char *package)
{
	struct vmclient_vm_config cfg;
	struct run r = {.cmd = cmd, .log_pipe = -1};
	sigset_t mask, old;
	int sfd, st, pipefd[2];

	vmclient_vm_config_init(&cfg);
	cfg.package = package;
	cfg.instance = a->instance;
	cfg.name = a->name;
	cfg.memory_mib = a->memory_mib;
	cfg.cpus = a->cpus;
	cfg.debug_level = a->debug;
	cfg.boot_timeout_ms = a->boot_timeout_ms;
	if (a->console && (cfg.console_fd = open_output(cmd, a->console)) < 0)
		return VM_EXIT_ERROR;
	if (a->log && (cfg.log_fd = open_output(cmd, a->log)) < 0) {
		st = VM_EXIT_ERROR;
		goto out_files;
	}
	/*
	 * Without --log, the log comes through a pipe that vm copies to stdout:
	 * mvm opens the log by path, which would not keep stdout's file offset
	 * (and a socket has no path).
	 */
	if (!a->log) {
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			st = vm_fail(cmd, "pipe: %s", strerror(errno));
			goto out_files;
		}
		r.log_pipe = pipefd[0];
		cfg.log_fd = pipefd[1];
		fcntl(r.log_pipe, F_SETFL, O_NONBLOCK);
	}

	/* Before the library's thread exists, so that it inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		st = vm_fail(cmd, "signalfd: %s", strerror(errno));
		goto out_mask;
	}
	st = start(&r, &cfg);
	if (!a->log) { /* virtmgr has its copy now; EOF when mvm is gone */
		close(cfg.log_fd);
		cfg.log_fd = -1;
	}
	if (!st)
		st = follow(&r, sfd);
	if (!st) {
		explain(&r);
		st = run_exit_status(&r.outcome);
	}
	vmclient_vm_release(r.vm);
	vmclient_close(r.client);
	close(sfd);
out_mask:
	sigprocmask(SIG_SETMASK, &old, NULL);
out_files:
	if (cfg.console_fd >= 0)
		close(cfg.console_fd);
	if (cfg.log_fd >= 0)
		close(cfg.log_fd);
	if (r.log_pipe >= 0)
		close(r.log_pipe);
	return st;
}

/* Make INSTANCE.img if it is missing (AVF's run-app does too). */
static int ensure_instance(const char *cmd, const char *path)
{
	int r;

	if (access(path, F_OK) == 0)
		return VM_EXIT_OK;
	r = vm_make_disk(path, INSTANCE_DEFAULT_SIZE, true, false);
	if (r && r != -EEXIST) /* -EEXIST: someone made it meanwhile */
		return vm_fail(cmd, "cannot make %s: %s", path, strerror(-r));
	return VM_EXIT_OK;
}

static int run_common(int argc, char **argv, bool app)
{
	const char *cmd = argv[0];
	char package[PATH_MAX];
	struct run_args a;
	struct error e = {{0}};
	int st;

	if (run_args_parse(argc, argv, app, &a, &e) < 0)
		return vm_usage(cmd, "%s", e.msg);
	if (a.help) {
		usage(app);
		return VM_EXIT_OK;
	}
	if (app) {
		if (access(a.package, R_OK) < 0)
			return vm_fail(cmd, "%s: %s", a.package, strerror(errno));
		snprintf(package, sizeof(package), "%s", a.package);
		if (a.instance && (st = ensure_instance(cmd, a.instance)))
			return st;
	} else {
		if (paths_payload_dir(package, sizeof(package), &e) < 0)
			return vm_fail(cmd, "%s", e.msg);
		if (strlen(package) + sizeof("/empty.pkg") > sizeof(package))
			return vm_fail(cmd, "payload directory path too long");
		strcat(package, "/empty.pkg");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_vm(cmd, &a, package);
}

int cmd_run_app(int argc, char **argv)
{
	return run_common(argc, argv, true);
}

int cmd_run_microdroid(int argc, char **argv)
{
	return run_common(argc, argv, false);
}
