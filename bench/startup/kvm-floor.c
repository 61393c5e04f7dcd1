/*
 * kvm-floor - the least a VMM with an in-kernel irqchip spends in KVM to
 * create and destroy a VM on this host, for bench/startup/run.sh.
 *
 *   kvm-floor MiB
 *
 * Opens /dev/kvm, creates a VM with MiB of (untouched) memory in one slot,
 * the in-kernel irqchip and PIT, and one vCPU, then closes everything and
 * exits.  No guest instruction runs.  On current kernels, creating the
 * irqchip (like any KVM I/O-bus device or ioeventfd) starts an SRCU grace
 * period that tearing the VM down must wait for; that wait is the larger
 * part of this program's run time, and every such VMM pays it.
 *
 * Prints nothing on success; exit status 0, or 1 with a reason on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvm-floor: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	struct kvm_userspace_memory_region slot = {0};
	unsigned long mib;
	char *end;
	void *ram;
	int kvm, vm, vcpu;

	if (argc != 2 || (mib = strtoul(argv[1], &end, 10)) == 0 || *end || mib > 65536) {
		fprintf(stderr, "usage: kvm-floor MiB (1 to 65536)\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	ram = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		return fail("mmap");
	slot.memory_size = (uint64_t)mib << 20;
	slot.userspace_addr = (uintptr_t)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
		return fail("KVM_CREATE_PIT2");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	close(vcpu);
	close(vm);
	close(kvm);
	munmap(ram, mib << 20);
	return 0;
}
