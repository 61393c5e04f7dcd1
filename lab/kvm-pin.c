/*
 * kvm-pin - hold one idle KVM VM open for the life of the lab host.
 *
 * Why: KVM switches static keys in the host kernel's text when the first VM
 * appears and when the last one goes (the scheduler's preempt notifiers, in
 * finish_task_switch) and when a vCPU's local APIC is created or enabled
 * (apic_sw_disabled, inlined into kvm_arch_vcpu_ioctl_run).  Switching a
 * static key patches live kernel code with int3 breakpoints.  QEMU's
 * multi-threaded TCG, which runs the lab host, now and then lets another
 * vCPU execute the breakpoint after it should be gone, and the lab kernel
 * dies with "Oops: int3".  Tests create and destroy hundreds of VMs, so
 * without this the lab crashes every few minutes.
 *
 * With one VM that has an in-kernel irqchip and one never-started vCPU
 * (whose APIC stays software-disabled) open all the time, the counts behind
 * those keys never return to zero, and creating or destroying the tests'
 * VMs patches nothing.
 *
 * lab/lab builds this statically into the lab's base initramfs, and the
 * lab's /init starts it after loading kvm-amd.  It prints one line and
 * waits; it exits 1 with a reason if it cannot set the VM up.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvm-pin: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm, vm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	if (ioctl(vm, KVM_CREATE_VCPU, 0UL) < 0)
		return fail("KVM_CREATE_VCPU");
	printf("kvm-pin: holding one idle VM\n");
	fflush(stdout);
	for (;;)
		pause();
}
