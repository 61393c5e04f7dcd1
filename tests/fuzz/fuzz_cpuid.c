/*
 * fuzz_cpuid.c - libFuzzer target for cpuid_filter() and cpuid_set_brand().
 *
 * Input: byte 0 cpu_index, byte 1 nr_cpus, byte 2 entry count, then that
 * many struct kvm_cpuid_entry2 (40 bytes each; the count is cut to what
 * the input holds).  The entries are copied into an allocation of exactly
 * that size, so AddressSanitizer catches any write past the end.
 *
 * Checked: the return value (-EINVAL exactly for bad arguments, else a
 * count no larger than the input's), that no removed leaf survives, the
 * universal leaf-1 / 0x80000001 / topology invariants, and that filtering
 * the result again changes nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/x86/cpuid.h"

#define HDR 3
#define MAX_ENTRIES 255

/* The leaves cpuid_filter() must drop, listed independently of cpuid.c. */
static const uint32_t removed[] = {
    0x0f, 0x10, 0x12, 0x14,	  0x19,	      0x1a,	  0x1b,	      0x1c,	  0x1d,
    0x1e, 0x20, 0x23, 0x8000000a, 0x8000001f, 0x80000020, 0x80000022, 0x80000026,
};

/* XCR0 components that may be offered: x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM. */
#define XCR0_ALLOWED 0xe7u

static void check(const struct kvm_cpuid_entry2 *e, int n, unsigned int cpu_index)
{
	size_t k;
	int i;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(removed) / sizeof(removed[0]); k++)
			if (e[i].function == removed[k])
				abort();
		switch (e[i].function) {
		case 0x1:
			if (!(e[i].ecx & (1u << 31)) || (e[i].ecx & (1u << 5)) ||
			    e[i].ebx >> 24 != (cpu_index & 0xff))
				abort();
			break;
		case 0xb:
		case 0x1f:
			if (e[i].edx != cpu_index)
				abort();
			break;
		case 0xd:
			if (e[i].index >= 2 &&
			    (e[i].index >= 32 || !(XCR0_ALLOWED & (1u << e[i].index))))
				abort();
			if (e[i].index == 0 && ((e[i].eax & ~XCR0_ALLOWED) || e[i].edx))
				abort();
			if (e[i].index == 1 && (e[i].ecx || e[i].edx))
				abort();
			break;
		case 0xa:
			if (e[i].eax | e[i].ebx | e[i].ecx | e[i].edx)
				abort();
			break;
		case 0x80000001:
			if (e[i].ecx & (1u << 2))
				abort();
			break;
		default:
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t esz = sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid_entry2 *a, *b;
	unsigned int cpu_index, nr_cpus;
	size_t n;
	int r, r2;

	if (size < HDR)
		return 0;
	cpu_index = data[0];
	nr_cpus = data[1];
	n = data[2];
	if (n > (size - HDR) / esz)
		n = (size - HDR) / esz;
	if (n > MAX_ENTRIES)
		n = MAX_ENTRIES;

	a = n ? malloc(n * esz) : NULL;
	b = n ? malloc(n * esz) : NULL;
	if (n && (!a || !b))
		abort();
	if (n)
		memcpy(a, data + HDR, n * esz);

	r = cpuid_filter(a, (int)n, cpu_index, nr_cpus);
	if (nr_cpus == 0 || cpu_index >= nr_cpus) {
		if (r != -EINVAL)
			abort();
		goto out;
	}
	if (r < 0 || (size_t)r > n)
		abort();
	check(a, r, cpu_index);

	/* A fixed point: filtering the result again gives the same result. */
	if (r)
		memcpy(b, a, (size_t)r * esz);
	r2 = cpuid_filter(r ? b : NULL, r, cpu_index, nr_cpus);
	if (r2 != r || (r && memcmp(a, b, (size_t)r * esz)))
		abort();

	/*
	 * The brand string: at most the three brand leaves change, and only
	 * when they were all zero; setting it twice changes nothing more.
	 */
	if (r) {
		int w = cpuid_set_brand(a, r, "Fuzz CPU brand string, long enough to be cut at 48");

		if (w < 0 || w > r)
			abort();
		for (int i = 0; i < r; i++) {
			bool brand = a[i].function >= 0x80000002 && a[i].function <= 0x80000004;

			if (!brand && memcmp(&a[i], &b[i], esz))
				abort();
		}
		memcpy(b, a, (size_t)r * esz);
		if (w && cpuid_set_brand(a, r, "again") != 0)
			abort();
		if (memcmp(a, b, (size_t)r * esz))
			abort();
	}
out:
	free(a);
	free(b);
	return 0;
}
