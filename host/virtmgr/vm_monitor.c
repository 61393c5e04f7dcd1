/*
 * vm_monitor.c - a running VM's two threads: the monitor, which waits for
 * mvm to end (or for a stop request, the boot deadline, the SIGKILL
 * deadline) and then reaps it, decides the death reason and cleans up;
 * and the console reader, which forwards mvm's stdout to the client and
 * watches it for a kernel panic (vm.h).
 */
#include "vm.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/virtmgr/workdir.h"

/* How long the monitor waits for the console's last bytes after mvm ended. */
#define CONSOLE_DRAIN_MS 2000
#define LAST_LINE_MAX 512
#define MVM_LOG_TAIL 8192 /* bytes of mvm's stderr logged when it crashed or hung */
/* After a boot timeout's SIGQUIT, how long mvm has to write its state. */
#define VM_DUMP_GRACE_MS 500

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the client went away: its console is dropped */
		buf += w;
		len -= (size_t)w;
	}
}

static void *console_thread(void *arg)
{
	struct vm *vm = arg;
	char buf[4096];
	bool panic_logged = false;
	ssize_t r;

	for (;;) {
		r = read(vm->console_in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		pthread_mutex_lock(&virtmgr.lock);
		bool panic = console_scan_feed(&vm->scan, buf, (size_t)r);
		pthread_mutex_unlock(&virtmgr.lock);
		if (panic && !panic_logged) {
			vlog("vm %u (%s): kernel panic on the console", vm->cid, vm->name);
			panic_logged = true;
		}
		if (vm->console_out >= 0)
			write_all(vm->console_out, buf, (size_t)r);
	}
	pthread_mutex_lock(&virtmgr.lock);
	vm->console_eof = true;
	pthread_cond_broadcast(&vm->console_cond);
	pthread_mutex_unlock(&virtmgr.lock);
	vm_put(vm);
	return NULL;
}

static void deadline_ts(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * The last MVM_LOG_TAIL bytes of mvm's stderr at @path, NUL-terminated,
 * from a line start, '\r' made '\n' and other control characters '?';
 * NULL if none.
 */
static char *log_tail(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf, *start;
	long size;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MVM_LOG_TAIL + 1);
	if (!buf || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) <= 0 ||
	    fseek(f, size > MVM_LOG_TAIL ? size - MVM_LOG_TAIL : 0, SEEK_SET) < 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, MVM_LOG_TAIL, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\r')
			buf[i] = '\n';
		else if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			buf[i] = buf[i] == '\0' ? ' ' : '?';
	start = buf;
	if (size > MVM_LOG_TAIL && (start = strchr(buf, '\n')))
		start++;
	if (!start || !*start) {
		free(buf);
		return NULL;
	}
	memmove(buf, start, strlen(start) + 1);
	return buf;
}

/* The last non-empty line of @text (may be NULL) into @out, cut to fit. */
static void last_line(const char *text, char *out, size_t size)
{
	const char *end = text ? text + strlen(text) : NULL, *start;

	out[0] = '\0';
	while (end && end > text && end[-1] == '\n')
		end--;
	if (!end || end == text)
		return;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	snprintf(out, size, "%.*s", (int)(end - start), start);
}

/* Put what mvm said (a crash's register dump, say) in virtmgr's log. */
static void log_mvm_output(const struct vm *vm, char *text)
{
	char *save = NULL;

	vlog("vm %u (%s): mvm's output (the work directory is gone after this):", vm->cid,
	     vm->name);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		vlog("vm %u (%s):   %s", vm->cid, vm->name, l);
}

/* Wait for mvm to end, acting on stop requests and deadlines meanwhile. */
static void wait_for_mvm(struct vm *vm)
{
	int64_t boot_deadline = now_ms() + vm->boot_timeout_ms, kill_deadline = 0;
	int64_t quit_deadline = 0; /* after the boot timeout's SIGQUIT: SIGKILL */
	bool term_sent = false;
	struct pollfd p[2] = {{.fd = vm->pidfd, .events = POLLIN},
			      {.fd = vm->wake_fd, .events = POLLIN}};

	for (;;) {
		int64_t now = now_ms(), until = -1;
		bool starting, stop;
		eventfd_t v;

		pthread_mutex_lock(&virtmgr.lock);
		starting = vm->status.state == VM_STATE_STARTING && !vm->boot_timed_out;
		if (starting && now >= boot_deadline) {
			vm->boot_timed_out = true;
			starting = false;
			vlog("vm %u (%s): the payload did not start within %d ms; mvm's state "
			     "follows",
			     vm->cid, vm->name, vm->boot_timeout_ms);
			/* SIGQUIT: mvm writes where the guest stands to mvm.log. */
			kill(vm->pid, SIGQUIT);
			quit_deadline = now + VM_DUMP_GRACE_MS;
		}
		stop = vm->stop_requested;
		pthread_mutex_unlock(&virtmgr.lock);
		if (quit_deadline && now >= quit_deadline) {
			kill(-vm->pid, SIGKILL);
			quit_deadline = INT64_MAX;
		}
		if (stop && !term_sent) {
			vlog_v("vm %u (%s): stopping (SIGTERM)", vm->cid, vm->name);
			kill(vm->pid, SIGTERM);
			term_sent = true;
			kill_deadline = now + VM_STOP_GRACE_MS;
		}
		if (term_sent && now >= kill_deadline) {
			vlog("vm %u (%s): mvm ignored SIGTERM; SIGKILL", vm->cid, vm->name);
			kill(-vm->pid, SIGKILL);
			kill_deadline = INT64_MAX;
		}
		if (starting)
			until = boot_deadline;
		if (quit_deadline && quit_deadline != INT64_MAX &&
		    (until < 0 || quit_deadline < until))
			until = quit_deadline;
		if (term_sent && kill_deadline != INT64_MAX && (until < 0 || kill_deadline < until))
			until = kill_deadline;
		int timeout = until < 0 ? -1 : (int)(until > now ? until - now : 0);
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			return;
		if (p[0].revents)
			return;
		if (p[1].revents)
			eventfd_read(vm->wake_fd, &v);
	}
}

/* Why the VM died, from what virtmgr saw, in order of precedence.  Under the lock. */
static enum vm_death_reason death_reason_locked(const struct vm *vm, int wstatus, bool *from_wait)
{
	*from_wait = false;
	if (vm->guest_error)
		return vm_death_reason_from_error(vm->error_code);
	if (vm->payload_crashed)
		return VM_DEATH_PAYLOAD_CRASHED;
	if (vm->scan.panic)
		return VM_DEATH_KERNEL_PANIC;
	if (vm->boot_timed_out)
		return VM_DEATH_BOOT_TIMEOUT;
	if (vm->stop_requested)
		return VM_DEATH_KILLED;
	*from_wait = true;
	return vm_death_reason_from_wait(wstatus);
}

static void describe_wait(int wstatus, char *out, size_t size)
{
	if (WIFSIGNALED(wstatus))
		snprintf(out, size, "killed by signal %d", WTERMSIG(wstatus));
	else if (WIFEXITED(wstatus))
		snprintf(out, size, "exit status %d", WEXITSTATUS(wstatus));
	else
		snprintf(out, size, "wait status %#x", wstatus);
}

static void *monitor_thread(void *arg)
{
	struct vm *vm = arg;
	char path[PATH_MAX], line[LAST_LINE_MAX], how[64], *said = NULL;
	enum vm_death_reason reason;
	struct timespec ts;
	struct vm **pp;
	bool from_wait = false;
	int wstatus = 0;
	pid_t pid = vm->pid;

	wait_for_mvm(vm);
	if (waitpid(pid, &wstatus, 0) < 0)
		wstatus = -1;
	kill(-pid, SIGKILL); /* anything mvm left in its group */

	/* The console's last bytes may hold the panic. */
	deadline_ts(&ts, CONSOLE_DRAIN_MS);
	pthread_mutex_lock(&virtmgr.lock);
	while (!vm->console_eof)
		if (pthread_cond_timedwait(&vm->console_cond, &virtmgr.lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&virtmgr.lock);

	/* No guest call can come in after this. */
	RpcServer_shutdown(vm->guest_server);
	if (snprintf(path, sizeof(path), "%s/mvm.log", vm->work_dir) < (int)sizeof(path))
		said = log_tail(path);
	last_line(said, line, sizeof(line));
	workdir_remove(vm->work_dir);

	pthread_mutex_lock(&virtmgr.lock);
	reason = wstatus == -1 ? VM_DEATH_INFRASTRUCTURE_ERROR
			       : death_reason_locked(vm, wstatus, &from_wait);
	if (from_wait && !vm->payload_started && !vm->error_message && line[0])
		vm->error_message = strdup(line);
	vm_status_die(&vm->status, reason, NULL);
	vm->pid = 0;
	for (pp = &virtmgr.vms; *pp && *pp != vm; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = vm->next;
		virtmgr.nvms--;
	}
	vm->registered = false;
	vm_remember_ended_locked(vm);
	cid_release(&virtmgr.cids, vm->cid, NULL);
	virtmgr.last_busy_ms = now_ms();
	vm_event_queue_locked(vm, IVMCB_ON_DIED, (int32_t)reason, NULL);
	vm->events_done = true;
	pthread_cond_broadcast(&vm->events_cond);
	pthread_cond_broadcast(&virtmgr.vms_cond);
	pthread_mutex_unlock(&virtmgr.lock);

	describe_wait(wstatus, how, sizeof(how));
	vlog("vm %u (%s): DEAD (%s; mvm %s)%s%s", vm->cid, vm->name, vm_death_reason_name(reason),
	     how, from_wait && line[0] && !vm->payload_started ? ": " : "",
	     from_wait && line[0] && !vm->payload_started ? line : "");
	if (said && (reason == VM_DEATH_CRASH || reason == VM_DEATH_UNKNOWN ||
		     reason == VM_DEATH_BOOT_TIMEOUT))
		log_mvm_output(vm, said);
	free(said);
	vm_put(vm); /* the registry's */
	vm_put(vm); /* the monitor's */
	return NULL;
}

int vm_monitor_start(struct vm *vm)
{
	pthread_t t;

	vm_get(vm);
	if (pthread_create(&t, NULL, console_thread, vm) != 0) {
		vm_put(vm);
		return -EAGAIN;
	}
	pthread_detach(t);
	vm_get(vm);
	if (pthread_create(&t, NULL, monitor_thread, vm) != 0) {
		vm_put(vm);
		return -EAGAIN;
	}
	pthread_detach(t);
	return 0;
}
