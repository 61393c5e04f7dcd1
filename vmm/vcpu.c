/*
 * vcpu.c - vCPU creation and the per-vCPU thread that runs KVM_RUN and
 * dispatches its exits to the I/O buses.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"
#include "sandbox.h"
#include "vm.h"
#include "x86/cpuid.h"
#include "x86/regs.h"

/* The signal that kicks a vCPU thread out of KVM_RUN. */
#define VCPU_KICK_SIGNAL SIGUSR1

int vcpu_create(struct vm *vm, unsigned int index, const struct kvm_cpuid2 *supported,
		struct error *e)
{
	struct vcpu *vcpu = &vm->vcpus[index];
	struct kvm_cpuid2 *cpuid;
	int mmap_size, n, err;

	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0)
		return error_set(e, -errno, "KVM_CREATE_VCPU %u: %s", index, strerror(errno));
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return error_set(e, -EINVAL, "KVM_GET_VCPU_MMAP_SIZE: bad size %d", mmap_size);
	vcpu->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return error_set(e, -errno, "mmap of vCPU %u run area: %s", index, strerror(errno));
	}
	vcpu->run_size = (size_t)mmap_size;

	cpuid = malloc(sizeof(*cpuid) + supported->nent * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return error_set(e, -ENOMEM, "out of memory");
	memcpy(cpuid, supported, sizeof(*cpuid) + supported->nent * sizeof(cpuid->entries[0]));
	n = cpuid_filter(cpuid->entries, (int)cpuid->nent, index, vm->nr_cpus);
	if (n < 0) {
		free(cpuid);
		return error_set(e, n, "CPUID filter failed for vCPU %u", index);
	}
	cpuid->nent = (uint32_t)n;
	{
		char brand[49];

		if (cpuid_host_brand(brand) == 0)
			cpuid_set_brand(cpuid->entries, n, brand);
	}
	if (kvm_cap(vm->vm_fd, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		cpuid_set_tsc_deadline(cpuid->entries, n);
	err = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0 ? -errno : 0;
	free(cpuid);
	if (err)
		return error_set(e, err, "KVM_SET_CPUID2 on vCPU %u: %s", index, strerror(-err));
	return x86_vcpu_init(vcpu->fd, e);
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

static void vcpu_fatal(struct vcpu *vcpu, enum mvm_exit code, const char *what)
{
	/*
	 * Only the first failing vCPU prints its state: later ones are usually
	 * consequences of the first.
	 */
	if (atomic_load(&vcpu->vm->exit_code) < 0) {
		fprintf(stderr, "mvm: vCPU %u: %s\n", vcpu->index, what);
		x86_vcpu_dump(vcpu->fd, stderr);
	}
	vm_request_exit(vcpu->vm, code, what);
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	/* KVM guarantees data_offset + count * size lies within the run area. */
	for (i = 0; i < run->io.count; i++, data += run->io.size)
		iobus_access(&vcpu->vm->pio, run->io.port, data, run->io.size, is_write);
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	iobus_access(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
		     run->mmio.is_write);
}

/* Returns false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[160];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fatal(vcpu, MVM_EXIT_TRIPLE_FAULT, "guest triple fault");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_exit(vcpu->vm, MVM_EXIT_POWEROFF, "guest powered off");
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_exit(vcpu->vm, MVM_EXIT_RESET, "guest reset");
			return false;
		default:
			snprintf(what, sizeof(what), "guest system event %u", run->system_event.type);
			vcpu_fatal(vcpu, MVM_EXIT_INTERNAL, what);
			return false;
		}
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u%s",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failure)"
										 : "");
		vcpu_fatal(vcpu, MVM_EXIT_INTERNAL, what);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM entry failed, hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_fatal(vcpu, MVM_EXIT_INTERNAL, what);
		return false;
	default:
		snprintf(what, sizeof(what), "unexpected KVM exit reason %u", run->exit_reason);
		vcpu_fatal(vcpu, MVM_EXIT_INTERNAL, what);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->index);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	{
		struct error err;

		if (sandbox_vcpu_thread(&err) < 0) {
			fprintf(stderr, "mvm: vCPU %u: %s\n", vcpu->index, err.msg);
			vm_request_exit(vcpu->vm, MVM_EXIT_ERROR, "sandbox setup failed");
			return NULL;
		}
	}
	while (!atomic_load(&vcpu->vm->stopping)) {
		if (atomic_exchange(&vcpu->dump_requested, false)) {
			fprintf(stderr, "mvm: vCPU %u registers (SIGQUIT):\n", vcpu->index);
			x86_vcpu_dump(vcpu->fd, stderr);
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			char what[96];

			snprintf(what, sizeof(what), "KVM_RUN failed: %s", strerror(errno));
			vcpu_fatal(vcpu, MVM_EXIT_ERROR, what);
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu, struct error *e)
{
	struct sigaction sa = {.sa_handler = vcpu_kick_handler};
	int err;

	/* No SA_RESTART: the kick must make KVM_RUN return EINTR. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return error_set(e, -errno, "sigaction: %s", strerror(errno));
	err = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (err)
		return error_set(e, -err, "cannot start vCPU %u thread: %s", vcpu->index,
				 strerror(err));
	vcpu->thread_started = true;
	return 0;
}

void vcpu_request_dump(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	atomic_store(&vcpu->dump_requested, true);
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_stop(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	if (vcpu->run)
		vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
