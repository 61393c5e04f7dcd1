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

/* Find the entry for (@function, @index), or NULL.  @index is ignored for
 * leaves without KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid_entry2 *entries, int nr, uint32_t function,
				    uint32_t index);

#endif
