/*
 * vm_virtio.c - the VM's virtio-mmio devices: where each one sits (a 4 KiB
 * slot from X86_VIRTIO_MMIO_BASE and an ISA interrupt), how the guest
 * learns of it, and how it is wired to KVM (irqfd for interrupts,
 * ioeventfd for queue kicks, with plain MMIO exits and KVM_IRQ_LINE where
 * KVM lacks them).
 *
 * The guest learns of the devices from the DSDT ("LNRO0005" devices, see
 * x86/acpi.c), which every ACPI kernel with virtio_mmio understands.  With
 * --virtio-cmdline they are announced with virtio_mmio.device= words on
 * the kernel command line instead, for kernels built with
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES (Debian's are not); never both, or
 * such a kernel would find every device twice.
 */
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "kvm.h"
#include "sandbox.h"
#include "x86/acpi.h"
#include "x86/layout.h"

/*
 * ISA interrupts free for virtio devices: not the timer (0, 2), keyboard
 * (1), COM1 (4), RTC (8) or ACPI SCI (9).  Linux has descriptors ready for
 * GSIs below 16 only, so a command-line device must use one of these.
 */
static const unsigned int virtio_gsis[VM_MAX_VIRTIO] = {5, 6, 7, 10, 11, 12, 3, 13, 14, 15};

/* Interrupt the guest for slot @opaque: a pulse on its edge-triggered line. */
static void vm_virtio_raise(void *opaque)
{
	struct vm_virtio_slot *s = opaque;
	struct kvm_irq_level irq = {.irq = s->gsi};
	uint64_t one = 1;

	if (s->irqfd >= 0) {
		if (write(s->irqfd, &one, sizeof(one)) < 0) {
			/* Only fails if the counter would overflow: an interrupt is pending. */
		}
		return;
	}
	irq.level = 1;
	ioctl(s->vm->vm_fd, KVM_IRQ_LINE, &irq);
	irq.level = 0;
	ioctl(s->vm->vm_fd, KVM_IRQ_LINE, &irq);
}

/* Take the next slot for a device about to be made; NULL when all are used. */
static struct vm_virtio_slot *vm_virtio_next_slot(struct vm *vm, struct error *e)
{
	struct vm_virtio_slot *s;

	if (vm->nr_virtio == VM_MAX_VIRTIO) {
		error_set(e, -ENOSPC, "too many virtio devices: mvm has room for %u", VM_MAX_VIRTIO);
		return NULL;
	}
	s = &vm->virtio[vm->nr_virtio];
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->base = X86_VIRTIO_MMIO_BASE + vm->nr_virtio * X86_VIRTIO_MMIO_SIZE;
	s->gsi = virtio_gsis[vm->nr_virtio];
	s->irqfd = -1;
	return s;
}

static struct virtio_irq slot_irq(struct vm_virtio_slot *s)
{
	return (struct virtio_irq){vm_virtio_raise, s};
}

int vm_virtio_create(struct vm *vm, const struct vm_config *cfg, struct error *e)
{
	struct vm_virtio_slot *s;
	int err;

	vm->virtio_cmdline = cfg->virtio_cmdline;
	if (cfg->rng) {
		s = vm_virtio_next_slot(vm, e);
		if (!s)
			return -ENOSPC;
		err = virtio_rng_create(&s->dev, &vm->mem, slot_irq(s), e);
		if (err)
			return err;
		s->destroy = virtio_rng_destroy;
		vm->nr_virtio++;
	}
	return 0;
}

int vm_virtio_cmdline(const struct vm *vm, const char *user, char **out, struct error *e)
{
	size_t len = strlen(user) + 1, pos;
	unsigned int i;
	char *s;

	len += (size_t)vm->nr_virtio * 48;
	s = malloc(len);
	if (!s)
		return error_set(e, -ENOMEM, "out of memory");
	pos = (size_t)snprintf(s, len, "%s", user);
	for (i = 0; vm->virtio_cmdline && i < vm->nr_virtio; i++)
		pos += (size_t)snprintf(s + pos, len - pos, "%svirtio_mmio.device=4K@%#llx:%u",
					pos ? " " : "",
					(unsigned long long)vm->virtio[i].base, vm->virtio[i].gsi);
	*out = s;
	return 0;
}

int vm_virtio_acpi(struct vm *vm, uint64_t *rsdp_gpa, struct error *e)
{
	struct acpi_mmio_device devs[VM_MAX_VIRTIO];
	unsigned int i, n = vm->virtio_cmdline ? 0 : vm->nr_virtio;

	for (i = 0; i < n; i++)
		devs[i] = (struct acpi_mmio_device){vm->virtio[i].base, X86_VIRTIO_MMIO_SIZE,
						    vm->virtio[i].gsi};
	return acpi_build(&vm->mem, vm->nr_cpus, devs, n, rsdp_gpa, e);
}

/* Route queue kicks of slot @s to its device's eventfds inside KVM. */
static int vm_virtio_ioeventfds(struct vm *vm, struct vm_virtio_slot *s, struct error *e)
{
	unsigned int q;

	for (q = 0; q < s->dev->ops->nr_queues; q++) {
		struct kvm_ioeventfd io = {
			.datamatch = q,
			.addr = s->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.fd = s->dev->notify_fd[q],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};

		if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
			return error_set(e, -errno, "%s: KVM_IOEVENTFD: %s", s->dev->ops->name,
					 strerror(errno));
	}
	return 0;
}

int vm_virtio_attach(struct vm *vm, struct error *e)
{
	bool have_irqfd = kvm_cap(vm->vm_fd, KVM_CAP_IRQFD) > 0;
	bool have_ioeventfd = kvm_cap(vm->vm_fd, KVM_CAP_IOEVENTFD) > 0;
	unsigned int i;
	int err;

	for (i = 0; i < vm->nr_virtio; i++) {
		struct vm_virtio_slot *s = &vm->virtio[i];

		err = iobus_register(&vm->mmio, s->base, X86_VIRTIO_MMIO_SIZE, &virtio_mmio_ops,
				     s->dev);
		if (err)
			return error_set(e, err, "%s: cannot place it at %#llx: %s",
					 s->dev->ops->name, (unsigned long long)s->base,
					 strerror(-err));
		if (have_irqfd) {
			struct kvm_irqfd irqfd = {.gsi = s->gsi};

			s->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (s->irqfd < 0)
				return error_set(e, -errno, "eventfd: %s", strerror(errno));
			irqfd.fd = (uint32_t)s->irqfd;
			if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
				return error_set(e, -errno, "%s: KVM_IRQFD: %s", s->dev->ops->name,
						 strerror(errno));
		}
		if (have_ioeventfd) {
			err = vm_virtio_ioeventfds(vm, s, e);
			if (err)
				return err;
		}
	}
	return 0;
}

static int vm_virtio_sandbox(struct virtio_device *d)
{
	struct error err;

	if (sandbox_device_thread(d->ops->sandbox, &err) < 0) {
		fprintf(stderr, "mvm: %s: %s\n", d->ops->name, err.msg);
		return -1;
	}
	return 0;
}

int vm_virtio_start(struct vm *vm, struct error *e)
{
	unsigned int i;
	int err;

	for (i = 0; i < vm->nr_virtio; i++) {
		err = virtio_device_start(vm->virtio[i].dev, vm_virtio_sandbox);
		if (err)
			return error_set(e, err, "%s: cannot start its thread: %s",
					 vm->virtio[i].dev->ops->name, strerror(-err));
	}
	return 0;
}

void vm_virtio_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_virtio; i++) {
		struct vm_virtio_slot *s = &vm->virtio[i];

		if (s->dev && s->destroy)
			s->destroy(s->dev);
		if (s->irqfd >= 0)
			close(s->irqfd);
		s->dev = NULL;
		s->irqfd = -1;
	}
	vm->nr_virtio = 0;
}
