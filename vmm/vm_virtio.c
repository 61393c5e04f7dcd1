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

/*
 * The slot's interrupt line.  Level-triggered (ACPI): with an irqfd in
 * resample mode, a write asserts the line and KVM lowers it when the guest
 * ends the interrupt, telling us through the resample eventfd (the worker
 * then raises it again if the device still has bits set); without irqfd,
 * KVM_IRQ_LINE follows the device's InterruptStatus.  Edge-triggered
 * (command-line devices, which the guest sets up as ISA edge interrupts):
 * a pulse per raise.
 */
static void vm_virtio_line(struct vm_virtio_slot *s, int level)
{
	struct kvm_irq_level irq = {.irq = s->gsi, .level = (uint32_t)level};

	ioctl(s->vm->vm_fd, KVM_IRQ_LINE, &irq);
}

static void vm_virtio_raise(void *opaque)
{
	struct vm_virtio_slot *s = opaque;
	uint64_t one = 1;

	if (s->irqfd >= 0) {
		if (write(s->irqfd, &one, sizeof(one)) < 0) {
			/* Only fails if the counter would overflow: an interrupt is pending. */
		}
		return;
	}
	vm_virtio_line(s, 1);
	if (!s->level)
		vm_virtio_line(s, 0);
}

static void vm_virtio_lower(void *opaque)
{
	struct vm_virtio_slot *s = opaque;

	/* A resampling irqfd is lowered by KVM at the guest's EOI. */
	if (s->level && s->irqfd < 0)
		vm_virtio_line(s, 0);
}

static void vm_virtio_request_exit(void *opaque, enum mvm_exit code, const char *why)
{
	vm_request_exit(opaque, code, why);
}

/*
 * True when the kernel command line makes hvc0 the guest's console: the
 * last console= word names it (that one becomes /dev/console).
 */
static bool cmdline_console_is_hvc0(const char *cmdline)
{
	const char *p = cmdline, *last = NULL;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "console=", 8))
			last = p + 8;
		p = strchr(p, ' ');
	}
	return last && !strncmp(last, "hvc0", 4) && (last[4] == '\0' || last[4] == ' ' ||
						     last[4] == ',');
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
	s->level = !vm->virtio_cmdline;
	s->irqfd = s->resample_fd = -1;
	return s;
}

static struct virtio_irq slot_irq(struct vm_virtio_slot *s)
{
	return (struct virtio_irq){vm_virtio_raise, s, vm_virtio_lower};
}

/*
 * The virtio-console of @cfg: its ports, with port 0 (the console, hvc0)
 * added when missing; "-" ports write where the serial console does.  The
 * terminal's input goes to one place only: to port 0's device when the
 * guest's console is hvc0 (then the UART gets none), else to the UART.
 */
static int vm_virtio_console(struct vm *vm, const struct vm_config *cfg, struct error *e)
{
	struct virtio_console_params p = {
		.term_out_fd = cfg->console_out_fd,
		.term_in_fd = -1,
		.escape = cfg->console_escape,
		.exit = {vm_virtio_request_exit, vm},
	};
	struct vm_virtio_slot *s;
	unsigned int i;
	bool have0 = false;
	int err;

	for (i = 0; i < cfg->nr_console_ports; i++) {
		p.port[p.nr_ports++] = cfg->console_ports[i];
		have0 |= cfg->console_ports[i].nr == 0;
	}
	if (!have0) {
		if (p.nr_ports == VIRTIO_CONSOLE_MAX_PORTS)
			return error_set(e, -EINVAL, "virtio-console: no room for port 0");
		p.port[p.nr_ports++] = (struct virtio_console_port_params){.nr = 0};
	}
	if (cmdline_console_is_hvc0(cfg->cmdline ? cfg->cmdline : "")) {
		p.term_in_fd = cfg->console_in_fd;
		vm->console_in_fd = -1;
	}
	s = vm_virtio_next_slot(vm, e);
	if (!s)
		return -ENOSPC;
	err = virtio_console_create(&s->dev, &vm->mem, slot_irq(s), &p, e);
	if (err)
		return err;
	s->destroy = virtio_console_destroy;
	vm->nr_virtio++;
	return 0;
}

int vm_virtio_create(struct vm *vm, const struct vm_config *cfg, struct error *e)
{
	struct vm_virtio_slot *s;
	unsigned int i;
	int err;

	vm->virtio_cmdline = cfg->virtio_cmdline;
	/* Slots in a fixed order: console, disks (as given), vsock, rng. */
	if (cfg->nr_console_ports) {
		err = vm_virtio_console(vm, cfg, e);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->nr_disks; i++) {
		s = vm_virtio_next_slot(vm, e);
		if (!s)
			return -ENOSPC;
		err = virtio_blk_create(&s->dev, &vm->mem, slot_irq(s), &cfg->disks[i], e);
		if (err)
			return err;
		s->destroy = virtio_blk_destroy;
		vm->nr_virtio++;
	}
	if (cfg->vsock.uds_path) {
		s = vm_virtio_next_slot(vm, e);
		if (!s)
			return -ENOSPC;
		err = virtio_vsock_create(&s->dev, &vm->mem, slot_irq(s), &cfg->vsock, e);
		if (err)
			return err;
		s->destroy = virtio_vsock_destroy;
		vm->nr_virtio++;
	}
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
						    vm->virtio[i].gsi, vm->virtio[i].level};
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

/*
 * MVM_VIRTIO_EXITS=1 makes mvm use the paths for a KVM without irqfd and
 * ioeventfd (MMIO exits for kicks, KVM_IRQ_LINE for interrupts), so that
 * they can be tested on any host.
 */
static bool vm_virtio_force_exits(void)
{
	const char *v = getenv("MVM_VIRTIO_EXITS");

	return v && !strcmp(v, "1");
}

/* Attach an irqfd (with a resample eventfd for a level line) to slot @s's GSI. */
static int vm_virtio_irqfd(struct vm *vm, struct vm_virtio_slot *s, struct error *e)
{
	struct kvm_irqfd irqfd = {.gsi = s->gsi};
	int err;

	s->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->irqfd < 0)
		return error_set(e, -errno, "eventfd: %s", strerror(errno));
	irqfd.fd = (uint32_t)s->irqfd;
	if (s->level) {
		s->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->resample_fd < 0)
			return error_set(e, -errno, "eventfd: %s", strerror(errno));
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)s->resample_fd;
	}
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return error_set(e, -errno, "%s: KVM_IRQFD: %s", s->dev->ops->name,
				 strerror(errno));
	if (s->level) {
		err = virtio_device_watch_resample(s->dev, s->resample_fd);
		if (err)
			return error_set(e, err, "%s: cannot watch its resample eventfd: %s",
					 s->dev->ops->name, strerror(-err));
	}
	return 0;
}

int vm_virtio_attach(struct vm *vm, struct error *e)
{
	bool exits = vm_virtio_force_exits();
	bool have_irqfd = !exits && kvm_cap(vm->vm_fd, KVM_CAP_IRQFD) > 0;
	bool have_resample = have_irqfd && kvm_cap(vm->vm_fd, KVM_CAP_IRQFD_RESAMPLE) > 0;
	bool have_ioeventfd = !exits && kvm_cap(vm->vm_fd, KVM_CAP_IOEVENTFD) > 0;
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
		/* A level line needs resampling to work through an irqfd. */
		if (have_irqfd && (!s->level || have_resample)) {
			err = vm_virtio_irqfd(vm, s, e);
			if (err)
				return err;
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
		if (s->resample_fd >= 0)
			close(s->resample_fd);
		s->dev = NULL;
		s->irqfd = s->resample_fd = -1;
	}
	vm->nr_virtio = 0;
}
