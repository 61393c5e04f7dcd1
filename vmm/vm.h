/*
 * vm.h - one virtual machine: KVM VM, guest memory, vCPU threads, devices.
 *
 * Life cycle, all from the main thread:
 *   vm_create()  validates the configuration and the images, opens KVM,
 *                maps memory, loads the kernel, builds the firmware tables,
 *                creates the vCPUs and devices.  Nothing runs yet; on error
 *                no guest instruction has executed.
 *   vm_start()   starts one thread per vCPU.
 *   vm_run()     serves the console and signals until the VM ends, then
 *                stops the vCPU threads.  Returns the mvm_exit code.
 *   vm_destroy() releases everything (safe after a failed vm_create()).
 *
 * Any thread ends the VM with vm_request_exit(); the first request wins
 * and its code becomes mvm's exit status.
 */
#ifndef MVM_VM_H
#define MVM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/acpi_pm.h"
#include "devices/virtio/devices.h"
#include "devices/i8042.h"
#include "devices/serial.h"
#include "exitcode.h"
#include "iobus.h"
#include "memory.h"
#include "../lib/common/error.h"

#define VM_MAX_VIRTIO 10 /* virtio-mmio slots (one ISA interrupt each) */

#define VM_MIN_MEM_MIB 16
#define VM_MAX_MEM_MIB (1024ULL * 1024) /* 1 TiB */
#define VM_DEFAULT_MEM_MIB 256

struct vm_config {
	const char *kernel_path;
	const char *initrd_path; /* NULL: none */
	const char *cmdline;
	uint64_t mem_mib;
	unsigned int nr_cpus;
	int console_in_fd;  /* -1: no console input */
	int console_out_fd; /* where ttyS0 output goes */
	bool console_escape; /* Ctrl-A x ends the VM (interactive terminal) */
	bool rng;            /* add a virtio-rng device */
	struct virtio_blk_params disks[VM_MAX_VIRTIO]; /* virtio-blk, in this order */
	unsigned int nr_disks;
	/* virtio-console ports; port 0 is added (the console) if missing. */
	struct virtio_console_port_params console_ports[VIRTIO_CONSOLE_MAX_PORTS];
	unsigned int nr_console_ports;
	struct virtio_vsock_params vsock; /* a virtio-vsock device when uds_path is set */
	bool virtio_cmdline; /* announce virtio devices on the command line, not in ACPI */
};

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	atomic_bool dump_requested; /* print registers at the next exit (SIGQUIT) */
};

struct virtio_device;

/* One virtio-mmio device of the VM (vm_virtio.c). */
struct vm_virtio_slot {
	struct vm *vm;
	struct virtio_device *dev;
	void (*destroy)(struct virtio_device *d);
	uint64_t base;    /* guest-physical address of its 4 KiB register slot */
	unsigned int gsi; /* its interrupt line (an ISA one) */
	bool level;       /* level-triggered (ACPI), else edge (command line) */
	int irqfd;        /* eventfd attached with KVM_IRQFD, or -1 */
	int resample_fd;  /* KVM's resample eventfd for a level irqfd, or -1 */
};

struct vm {
	int kvm_fd;
	int vm_fd;
	struct guest_mem mem;
	struct iobus pio;
	struct iobus mmio;
	unsigned int nr_cpus;
	struct vcpu *vcpus;

	struct serial com1;
	struct i8042 i8042;
	struct acpi_pm acpi_pm;
	struct vm_virtio_slot virtio[VM_MAX_VIRTIO];
	unsigned int nr_virtio;
	bool virtio_cmdline;

	int console_in_fd;
	bool console_escape;

	atomic_int exit_code; /* -1 while running */
	char exit_why[160];
	int exit_event_fd;    /* eventfd: written once when an exit is requested */
	atomic_bool stopping; /* vCPU threads must leave their loop */
};

int vm_create(struct vm *vm, const struct vm_config *cfg, struct error *e);
int vm_start(struct vm *vm, struct error *e);
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Ask the VM to end with @code; the first caller wins.  Thread-safe. */
void vm_request_exit(struct vm *vm, enum mvm_exit code, const char *why);

/* Why the VM ended (the winning request's text). */
const char *vm_exit_reason(const struct vm *vm);

/*
 * vm_virtio.c: make the virtio devices @cfg asks for (opening their
 * backends, so user errors show before anything runs) and give each a
 * slot.  Then, with the slots known, the kernel command line with a
 * virtio_mmio.device= word per device (*@out is malloc'd); once KVM exists,
 * attach them (MMIO range, irqfd, ioeventfds); in vm_start(), start their
 * workers; in vm_destroy(), free them.  All return 0 or -errno with @e.
 */
int vm_virtio_create(struct vm *vm, const struct vm_config *cfg, struct error *e);
int vm_virtio_cmdline(const struct vm *vm, const char *user, char **out, struct error *e);
/* vm_virtio.c: the ACPI tables, with the virtio devices in the DSDT unless announced on the command line. */
int vm_virtio_acpi(struct vm *vm, uint64_t *rsdp_gpa, struct error *e);
int vm_virtio_attach(struct vm *vm, struct error *e);
int vm_virtio_start(struct vm *vm, struct error *e);
void vm_virtio_destroy(struct vm *vm);

/* vcpu.c: create vCPU @index (fd, run area, CPUID, MSRs, LAPIC). */
int vcpu_create(struct vm *vm, unsigned int index, const struct kvm_cpuid2 *supported,
		struct error *e);
/* vcpu.c: start the vCPU's thread. */
int vcpu_start(struct vcpu *vcpu, struct error *e);
/*
 * vcpu.c: ask the vCPU thread to print its registers on stderr and go on
 * running (mvm's SIGQUIT handler uses it to show where a hung guest is).
 */
void vcpu_request_dump(struct vcpu *vcpu);
/* vcpu.c: make the vCPU thread leave KVM_RUN and join it. */
void vcpu_stop(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

#endif
