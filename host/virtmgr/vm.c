/* vm.c - the registry of VMs, their references and what clients read of them (vm.h). */
#include "vm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct virtmgr virtmgr = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .vms_cond = PTHREAD_COND_INITIALIZER,
};

void vlog(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "virtmgr: %s\n", line); /* one write: lines do not mix */
}

static int64_t clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

void vm_get(struct vm *vm)
{
	atomic_fetch_add(&vm->refs, 1);
}

void vm_put(struct vm *vm)
{
	struct vm_event *ev;

	if (!vm || atomic_fetch_sub(&vm->refs, 1) != 1)
		return;
	while ((ev = vm->events)) {
		vm->events = ev->next;
		free(ev->message);
		free(ev);
	}
	for (int i = 0; i < vm->ncallbacks; i++)
		AIBinder_decStrong(vm->callbacks[i].binder);
	if (vm->pidfd >= 0)
		close(vm->pidfd);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	if (vm->console_in >= 0)
		close(vm->console_in);
	if (vm->console_out >= 0)
		close(vm->console_out);
	RpcServer_free(vm->guest_server);
	pthread_cond_destroy(&vm->events_cond);
	pthread_cond_destroy(&vm->console_cond);
	free(vm->package_path);
	free(vm->error_message);
	free(vm);
}

struct vm *vm_find(uint32_t cid)
{
	struct vm *vm;

	pthread_mutex_lock(&virtmgr.lock);
	for (vm = virtmgr.vms; vm && vm->cid != cid; vm = vm->next)
		;
	if (vm)
		vm_get(vm);
	pthread_mutex_unlock(&virtmgr.lock);
	return vm;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int vm_info_fill_locked(const struct vm *vm, struct vm_info_parcel *info)
{
	memset(info, 0, sizeof(*info));
	info->cid = (int32_t)vm->cid;
	info->state = vm->status.state;
	info->death_reason =
	    vm->status.state == VM_STATE_DEAD ? (int32_t)vm->status.death_reason : -1;
	info->payload_exit_code = vm->status.payload_exited ? vm->status.payload_exit_code : -1;
	info->payload_signal = vm->payload_signal;
	info->error_code = vm->error_code;
	info->mvm_pid = vm->pid;
	info->memory_mib = vm->memory_mib;
	info->cpus = vm->cpus;
	info->start_time_ms = vm->start_time_ms;
	info->name = dup_or_empty(vm->name);
	info->error_message = dup_or_empty(vm->error_message);
	info->package_path = dup_or_empty(vm->package_path);
	info->work_dir = dup_or_empty(vm->work_dir);
	if (!info->name || !info->error_message || !info->package_path || !info->work_dir) {
		vm_info_parcel_clear(info);
		return -ENOMEM;
	}
	return 0;
}

void vm_remember_ended_locked(const struct vm *vm)
{
	struct vm_info_parcel info;

	if (vm_info_fill_locked(vm, &info) < 0)
		return; /* out of memory: the history is a convenience */
	vm_info_parcel_clear(&virtmgr.ended[virtmgr.ended_next]);
	virtmgr.ended[virtmgr.ended_next] = info;
	virtmgr.ended_next = (virtmgr.ended_next + 1) % VIRTMGR_ENDED_KEEP;
	if (virtmgr.nended < VIRTMGR_ENDED_KEEP)
		virtmgr.nended++;
}

void vm_request_stop_locked(struct vm *vm)
{
	if (vm->stop_requested || vm->status.state == VM_STATE_DEAD)
		return;
	vm->stop_requested = true;
	eventfd_write(vm->wake_fd, 1);
}

void vm_stop_all(int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct timespec ts;

	pthread_mutex_lock(&virtmgr.lock);
	for (struct vm *vm = virtmgr.vms; vm; vm = vm->next)
		vm_request_stop_locked(vm);
	while ((virtmgr.vms || virtmgr.callback_threads) && now_ms() < deadline) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&virtmgr.vms_cond, &virtmgr.lock, &ts);
	}
	pthread_mutex_unlock(&virtmgr.lock);
}
