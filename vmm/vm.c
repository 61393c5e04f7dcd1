/*
 * vm.c - building, running and tearing down one VM; see vm.h.
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "console.h"
#include "devices/virtio/virtio.h"
#include "kvm.h"
#include "sandbox.h"
#include "x86/acpi.h"
#include "x86/boot.h"
#include "x86/layout.h"
#include "x86/regs.h"
#include "../lib/common/file.h"

void vm_request_exit(struct vm *vm, enum mvm_exit code, const char *why)
{
	int expected = -1;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->exit_code, &expected, (int)code))
		return;
	snprintf(vm->exit_why, sizeof(vm->exit_why), "%s", why);
	if (write(vm->exit_event_fd, &one, sizeof(one)) < 0) {
		/* The eventfd counter cannot overflow with one write; nothing to do. */
	}
}

const char *vm_exit_reason(const struct vm *vm)
{
	return vm->exit_why;
}

static void vm_notify_exit(void *opaque, enum mvm_exit code, const char *why)
{
	vm_request_exit(opaque, code, why);
}

static void vm_set_com1_irq(void *opaque, bool level)
{
	struct vm *vm = opaque;
	struct kvm_irq_level irq = {.irq = X86_COM1_IRQ, .level = level};

	ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

static int vm_check_config(const struct vm_config *cfg, struct error *e)
{
	if (!cfg->kernel_path)
		return error_set(e, -EINVAL, "no kernel given (use --kernel PATH)");
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > ACPI_MAX_CPUS)
		return error_set(e, -EINVAL, "%u vCPUs requested; mvm supports 1 to %u",
				 cfg->nr_cpus, ACPI_MAX_CPUS);
	if (cfg->mem_mib < VM_MIN_MEM_MIB)
		return error_set(e, -EINVAL, "%llu MiB of guest memory is too little; at least %u MiB "
				 "is needed", (unsigned long long)cfg->mem_mib, VM_MIN_MEM_MIB);
	if (cfg->mem_mib > VM_MAX_MEM_MIB)
		return error_set(e, -EINVAL, "%llu MiB of guest memory is more than mvm's limit of "
				 "%llu MiB", (unsigned long long)cfg->mem_mib, VM_MAX_MEM_MIB);
	return 0;
}

/* Copy the kernel (and initrd) into guest memory and build the firmware tables. */
static int vm_load_guest(struct vm *vm, const struct vm_config *cfg, struct boot_entry *entry,
			 struct error *e)
{
	struct boot_config bc = {0};
	char *cmdline = NULL;
	int err;

	err = vm_virtio_cmdline(vm, cfg->cmdline ? cfg->cmdline : "", &cmdline, e);
	if (err)
		return err;
	bc.cmdline = cmdline;

	err = file_map(cfg->kernel_path, "kernel", &bc.kernel, &bc.kernel_len, e);
	if (err) {
		free(cmdline);
		return err;
	}
	if (bc.kernel_len == 0) {
		err = error_set(e, -ENOEXEC, "kernel '%s' is empty", cfg->kernel_path);
		goto out;
	}
	if (cfg->initrd_path) {
		err = file_map(cfg->initrd_path, "initrd", &bc.initrd, &bc.initrd_len, e);
		if (err)
			goto out;
	}
	err = vm_virtio_acpi(vm, &bc.acpi_rsdp_gpa, e);
	if (!err)
		err = x86_write_boot_tables(&vm->mem, e);
	if (!err) {
		err = boot_load(&vm->mem, &bc, entry, e);
		if (err)
			error_prefix(e, err, "kernel '%s'", cfg->kernel_path);
	}
out:
	file_unmap(bc.kernel, bc.kernel_len);
	file_unmap(bc.initrd, bc.initrd_len);
	free(cmdline);
	return err;
}

static int vm_create_kvm(struct vm *vm, struct error *e)
{
	unsigned int i;
	int max_cpus;

	vm->kvm_fd = kvm_open(e);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0UL);
	if (vm->vm_fd < 0)
		return error_set(e, -errno, "KVM_CREATE_VM: %s", strerror(errno));
	max_cpus = kvm_cap(vm->vm_fd, KVM_CAP_MAX_VCPUS);
	if (max_cpus <= 0)
		max_cpus = kvm_cap(vm->vm_fd, KVM_CAP_NR_VCPUS);
	if (max_cpus > 0 && vm->nr_cpus > (unsigned int)max_cpus)
		return error_set(e, -EINVAL, "%u vCPUs requested; this host's KVM allows %d",
				 vm->nr_cpus, max_cpus);
	/*
	 * Memory slots before the irqchip and PIT: creating those starts an
	 * SRCU grace period in the host kernel (several ms), which a later
	 * memory-slot update would have to wait for.  In this order the grace
	 * period runs while the vCPUs are created and the guest starts.
	 */
	for (i = 0; i < vm->mem.nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->mem.region[i].gpa,
			.memory_size = vm->mem.region[i].size,
			.userspace_addr = (uintptr_t)vm->mem.region[i].hva,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return error_set(e, -errno, "KVM_SET_USER_MEMORY_REGION: %s",
					 strerror(errno));
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_KVM_TSS_ADDR) < 0)
		return error_set(e, -errno, "KVM_SET_TSS_ADDR: %s", strerror(errno));
	{
		uint64_t ident = X86_KVM_IDENTITY_MAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
			return error_set(e, -errno, "KVM_SET_IDENTITY_MAP_ADDR: %s",
					 strerror(errno));
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return error_set(e, -errno, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	{
		/* "Dummy" speaker: KVM then also emulates port 0x61 (PIT channel 2 gate). */
		struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

		if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
			return error_set(e, -errno, "KVM_CREATE_PIT2: %s", strerror(errno));
	}
	return 0;
}

static int vm_create_devices(struct vm *vm, const struct vm_config *cfg, struct error *e)
{
	struct vm_exit_notifier notifier = {vm_notify_exit, vm};
	int err;

	serial_init(&vm->com1, cfg->console_out_fd, vm_set_com1_irq, vm);
	i8042_init(&vm->i8042, notifier);
	acpi_pm_init(&vm->acpi_pm, notifier);
	err = iobus_register(&vm->pio, X86_COM1_PORT, 8, &serial_ops, &vm->com1);
	if (!err)
		err = iobus_register(&vm->pio, X86_I8042_DATA_PORT, 1, &i8042_data_ops,
				     &vm->i8042);
	if (!err)
		err = iobus_register(&vm->pio, X86_I8042_CMD_PORT, 1, &i8042_cmd_ops, &vm->i8042);
	if (!err)
		err = iobus_register(&vm->pio, X86_ACPI_SLEEP_CTL_PORT, 2, &acpi_pm_ops,
				     &vm->acpi_pm);
	if (err)
		return error_set(e, err, "cannot register legacy devices: %s", strerror(-err));
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, struct error *e)
{
	struct kvm_cpuid2 *cpuid = NULL;
	struct boot_entry entry;
	unsigned int i;
	int err;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->exit_event_fd = -1;
	atomic_init(&vm->exit_code, -1);
	atomic_init(&vm->stopping, false);
	vm->console_in_fd = cfg->console_in_fd;
	vm->console_escape = cfg->console_escape;

	err = vm_check_config(cfg, e);
	if (err)
		return err;
	vm->nr_cpus = cfg->nr_cpus;
	vm->exit_event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->exit_event_fd < 0)
		return error_set(e, -errno, "eventfd: %s", strerror(errno));

	/*
	 * Devices' backends and the images first: a bad disk, kernel or
	 * initrd is reported before KVM is touched.
	 */
	err = gmem_alloc(&vm->mem, cfg->mem_mib << 20, e);
	if (!err)
		err = vm_virtio_create(vm, cfg, e);
	if (!err)
		err = vm_load_guest(vm, cfg, &entry, e);
	if (!err)
		err = vm_create_kvm(vm, e);
	if (!err)
		err = vm_create_devices(vm, cfg, e);
	if (!err)
		err = vm_virtio_attach(vm, e);
	if (!err)
		err = kvm_supported_cpuid(vm->kvm_fd, &cpuid, e);
	if (err)
		return err;

	vm->vcpus = calloc(vm->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		free(cpuid);
		return error_set(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < vm->nr_cpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_cpus && !err; i++)
		err = vcpu_create(vm, i, cpuid, e);
	free(cpuid);
	if (!err)
		err = x86_vcpu_set_entry(vm->vcpus[0].fd, &entry, e);
	return err;
}

static sigset_t vm_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	return set;
}

int vm_start(struct vm *vm, struct error *e)
{
	sigset_t set = vm_signals();
	unsigned int i;
	int err;

	/* Block the signals mvm handles before threads exist, so all inherit it. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = vm_virtio_start(vm, e);
	if (err) {
		vm_request_exit(vm, MVM_EXIT_ERROR, "device start failed");
		return err;
	}
	for (i = 0; i < vm->nr_cpus; i++) {
		err = vcpu_start(&vm->vcpus[i], e);
		if (err) {
			vm_request_exit(vm, MVM_EXIT_ERROR, "vCPU start failed");
			return err;
		}
	}
	return 0;
}

/* Forward console input to the UART.  Returns false when input has ended. */
static bool vm_console_input(struct vm *vm, struct console_escape *esc)
{
	uint8_t in[SERIAL_RX_FIFO], out[SERIAL_RX_FIFO + 1];
	size_t space = serial_rx_space(&vm->com1);
	ssize_t n;
	bool quit = false;

	/* A pending Ctrl-A comes out with the next byte: leave room for it. */
	if (vm->console_escape && esc->armed && space)
		space--;
	if (space == 0)
		return true;
	n = read(vm->console_in_fd, in, space);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	if (vm->console_escape)
		n = (ssize_t)console_filter(esc, in, (size_t)n, out, &quit);
	else
		memcpy(out, in, (size_t)n);
	serial_receive(&vm->com1, out, (size_t)n);
	if (quit)
		vm_request_exit(vm, MVM_EXIT_SIGINT, "console escape (Ctrl-A x)");
	return true;
}

int vm_run(struct vm *vm)
{
	sigset_t set = vm_signals();
	struct console_escape esc = {0};
	struct pollfd pfd[3];
	bool input_open = vm->console_in_fd >= 0;
	int sfd;
	unsigned int i;

	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	{
		struct error err;

		if (sandbox_main_thread(&err) < 0) {
			fprintf(stderr, "mvm: %s\n", err.msg);
			vm_request_exit(vm, MVM_EXIT_ERROR, "sandbox setup failed");
		}
	}
	pfd[0] = (struct pollfd){.fd = vm->exit_event_fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	while (atomic_load(&vm->exit_code) < 0) {
		/* Stop reading the terminal while the guest's FIFO is full; retry soon. */
		bool fifo_full = input_open && serial_rx_space(&vm->com1) == 0;

		pfd[2] = (struct pollfd){.fd = input_open && !fifo_full ? vm->console_in_fd : -1,
					 .events = POLLIN};
		if (poll(pfd, 3, fifo_full ? 10 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si = {0};

			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGQUIT) {
				for (i = 0; i < vm->nr_cpus; i++)
					vcpu_request_dump(&vm->vcpus[i]);
				for (i = 0; i < vm->nr_virtio; i++)
					virtio_device_dump(vm->virtio[i].dev, stderr);
				serial_dump(&vm->com1, "COM1", stderr);
			} else if (si.ssi_signo) {
				char why[48];

				snprintf(why, sizeof(why), "stopped by SIG%s",
					 sigabbrev_np((int)si.ssi_signo));
				vm_request_exit(vm, si.ssi_signo == SIGINT ? MVM_EXIT_SIGINT
									   : MVM_EXIT_SIGTERM, why);
			}
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			input_open = (pfd[2].revents & POLLNVAL) ? false : vm_console_input(vm, &esc);
	}
	if (sfd >= 0)
		close(sfd);
	atomic_store(&vm->stopping, true);
	for (i = 0; i < vm->nr_cpus; i++)
		vcpu_stop(&vm->vcpus[i]);
	if (atomic_load(&vm->exit_code) < 0)
		vm_request_exit(vm, MVM_EXIT_ERROR, "event loop failed");
	return atomic_load(&vm->exit_code);
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (vm->vcpus) {
		atomic_store(&vm->stopping, true);
		for (i = 0; i < vm->nr_cpus; i++) {
			vcpu_stop(&vm->vcpus[i]);
			vcpu_destroy(&vm->vcpus[i]);
		}
		free(vm->vcpus);
		vm->vcpus = NULL;
	}
	vm_virtio_destroy(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exit_event_fd >= 0)
		close(vm->exit_event_fd);
	gmem_free(&vm->mem);
	vm->vm_fd = vm->kvm_fd = vm->exit_event_fd = -1;
}
