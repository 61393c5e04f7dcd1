/*
 * cpuid.h - the CPUID a guest vCPU sees.
 *
 * mvm starts from KVM_GET_SUPPORTED_CPUID (what this host's KVM can give)
 * and filters it down to a set that stock Linux guests are known to boot
 * with, then makes each vCPU's topology leaves describe that vCPU:
 *   - leaf 0x1: initial APIC ID = vCPU index, logical-processor count,
 *     the HYPERVISOR bit set; VMX, SMX, PDCM, DS/DTES64, MONITOR cleared;
 *   - leaf 0x4 / 0xB / 0x1F / 0x8000001E: topology of nr_cpus cores in one
 *     socket, x2APIC ID = vCPU index;
 *   - leaf 0x7: features that need host support KVM does not pass through
 *     sanely to a nested or minimal guest cleared (WAITPKG, SGX, PT,
 *     AMX, and so on, as listed in cpuid.c);
 *   - leaf 0xA (architectural PMU): zeroed, no guest PMU;
 *   - 0x80000001: SVM cleared; leaf 0x8000000A dropped;
 *   - leaf 0xD: XSAVE state components limited to x87, SSE, AVX and the
 *     AVX-512 ones (no AMX/XFD), sizes recomputed consistently;
 *   - the KVM paravirt leaves (0x40000000..) are kept.
 * Two additions are separate calls, since they depend on the host:
 * cpuid_set_brand() (KVM reports no brand string) and
 * cpuid_set_tsc_deadline() (KVM leaves that bit to userspace).
 *
 * The functions here work on plain arrays so that they can be unit-tested
 * and fuzzed without /dev/kvm.
 */
#ifndef MVM_X86_CPUID_H
#define MVM_X86_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

/*
 * Rewrite @entries (the @nr entries KVM_GET_SUPPORTED_CPUID returned) in
 * place for vCPU @cpu_index of @nr_cpus.  Entries that must disappear are
 * removed by compacting the array.  Returns the new number of entries
 * (<= @nr), or -EINVAL if @cpu_index >= @nr_cpus or @nr_cpus is 0.
 */
int cpuid_filter(struct kvm_cpuid_entry2 *entries, int nr, unsigned int cpu_index,
		 unsigned int nr_cpus);

/*
 * Fill the processor brand string leaves 0x80000002..0x80000004 with
 * @brand (up to 48 bytes; NUL-padded) when all of them that are present
 * are zero, as KVM_GET_SUPPORTED_CPUID reports them: without a brand
 * string the guest's /proc/cpuinfo shows "model name: 17/01".  A brand KVM
 * did report is kept whole.  Returns the number of entries written (3 for
 * KVM's table; more only if it listed a brand leaf twice).
 */
int cpuid_set_brand(struct kvm_cpuid_entry2 *entries, int nr, const char *brand);

/*
 * Advertise the local APIC's TSC-deadline timer mode (leaf 1, ECX bit 24).
 * KVM's in-kernel LAPIC emulates it, but KVM_GET_SUPPORTED_CPUID leaves the
 * bit to userspace, which sets it when KVM_CAP_TSC_DEADLINE_TIMER is
 * present.  Without it Linux programs the LAPIC timer in one-shot mode,
 * which costs more exits.  Returns 1 if leaf 1 was found, else 0.
 */
int cpuid_set_tsc_deadline(struct kvm_cpuid_entry2 *entries, int nr);

/*
 * The host CPU's brand string, read with the CPUID instruction into @out
 * (48 bytes plus a NUL; leading spaces dropped).  Returns 0, or -ENOTSUP
 * when the host CPU has no brand string (then @out is empty).
 */
int cpuid_host_brand(char out[49]);

/* Find the entry for (@function, @index), or NULL.  @index is ignored for
 * leaves without KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid_entry2 *entries, int nr, uint32_t function,
				    uint32_t index);

#endif
