/*
 * test_cpuid.c - cpuid_filter() and cpuid_find() on synthetic Intel-like
 * and AMD-like KVM_GET_SUPPORTED_CPUID results, and on this machine's real
 * one when /dev/kvm is there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/x86/cpuid.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define B(n) (1u << (n))
#define MAX_ENTRIES 256
#define SENTINELS 4

#define E(fn, idx, fl, a, b, c, d)                                                                 \
	{                                                                                          \
		.function = (fn), .index = (idx), .flags = (fl), .eax = (a), .ebx = (b),           \
		.ecx = (c), .edx = (d)                                                             \
	}

/* A recent Intel server as KVM would report it (values made up but typical). */
static const struct kvm_cpuid_entry2 intel[] = {
    E(0x0, 0, 0, 0x20, 0x756e6547, 0x6c65746e, 0x49656e69), /* GenuineIntel */
    E(0x1, 0, 0, 0x806f8, 0x3f400800, 0x7ffefbff, 0xbfebfbff),
    E(0x2, 0, 0, 0x00feff01, 0xf0, 0, 0),
    E(0x4, 0, SIG, 0xfc004121, 0x02c0003f, 0x3f, 0),
    E(0x4, 1, SIG, 0xfc004122, 0x01c0003f, 0x3f, 0),
    E(0x4, 2, SIG, 0xfc004143, 0x03c0003f, 0x7ff, 0),
    E(0x4, 3, SIG, 0xfc3fc163, 0x0380003f, 0xfbff, 4),
    E(0x4, 4, SIG, 0, 0, 0, 0),
    E(0x6, 0, 0, 0x00dff7f7, 2, 9, 0),
    E(0x7, 0, SIG, 2, 0xffffffff, 0xffffffff, 0xffffffff),
    E(0x7, 1, SIG, 0xffffffff, 1, 0, 0xffffffff),
    E(0x7, 2, SIG, 0, 0, 0, 0x3f),
    E(0xa, 0, 0, 0x07300805, 0, 0, 0x00008603),
    E(0xb, 0, SIG, 1, 2, 0x100, 0x3f),
    E(0xb, 1, SIG, 7, 0x70, 0x201, 0x3f),
    E(0xb, 2, SIG, 0, 0, 2, 0x3f),
    /* XCR0: x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU TILECFG TILEDATA */
    E(0xd, 0, SIG, 0x602e7, 0x2b00, 0x2b00, 0),
    E(0xd, 1, SIG, 0x1f, 0x2b00, 0x1900, 0), /* XSS: PT, CET_U, CET_S */
    E(0xd, 2, SIG, 256, 576, 0, 0),
    E(0xd, 5, SIG, 64, 1088, 0, 0),
    E(0xd, 6, SIG, 512, 1152, 0, 0),
    E(0xd, 7, SIG, 1024, 1664, 0, 0),
    E(0xd, 8, SIG, 128, 0, 1, 0),
    E(0xd, 9, SIG, 8, 2688, 0, 0),
    E(0xd, 11, SIG, 16, 0, 1, 0),
    E(0xd, 12, SIG, 24, 0, 1, 0),
    E(0xd, 17, SIG, 64, 2752, 2, 0),
    E(0xd, 18, SIG, 8192, 2816, 6, 0),
    E(0x12, 0, SIG, 3, 0, 0, 0x1f1f),
    E(0x12, 1, SIG, 0x36, 0, 0x1f, 0),
    E(0x14, 0, SIG, 1, 0x5f, 7, 0),
    E(0x14, 1, SIG, 0x02490002, 0x003f3fff, 0, 0),
    E(0x19, 0, 0, 1, 0x15, 3, 0),
    E(0x1d, 0, SIG, 1, 0, 0, 0),
    E(0x1d, 1, SIG, 0x04002000, 0x00080040, 0x10, 0),
    E(0x1e, 0, SIG, 0, 0x4010, 0, 0),
    E(0x1f, 0, SIG, 1, 2, 0x100, 0x3f),
    E(0x1f, 1, SIG, 6, 0x38, 0x201, 0x3f),
    E(0x1f, 2, SIG, 7, 0x70, 0x502, 0x3f),
    E(0x1f, 3, SIG, 0, 0, 3, 0x3f),
    E(0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d),
    E(0x40000001, 0, 0, 0x01007efb, 0, 0, 0),
    E(0x80000000, 0, 0, 0x80000008, 0, 0, 0),
    E(0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800),
    E(0x80000007, 0, 0, 0, 0, 0, 0x100),
    E(0x80000008, 0, 0, 0x3030, 0x200, 0, 0),
};

/* A recent AMD EPYC. */
static const struct kvm_cpuid_entry2 amd[] = {
    E(0x0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65), /* AuthenticAMD */
    E(0x1, 0, 0, 0xa10f11, 0x3e400800, 0x7ef8320b, 0x178bfbff),
    E(0x4, 0, SIG, 0, 0, 0, 0),
    E(0x6, 0, 0, 4, 0, 1, 0),
    E(0x7, 0, SIG, 1, 0xf1bf97a9, 0x405fce, 0x10000010),
    E(0x7, 1, SIG, 0x20, 0, 0, 0),
    E(0xa, 0, 0, 0x06300802, 0, 0, 0),
    E(0xb, 0, SIG, 1, 2, 0x100, 0x3e),
    E(0xb, 1, SIG, 7, 0x80, 0x201, 0x3e),
    E(0xb, 2, SIG, 0, 0, 2, 0x3e),
    E(0xd, 0, SIG, 0x2e7, 0x980, 0x988, 0),
    E(0xd, 1, SIG, 0xf, 0x348, 0x1800, 0),
    E(0xd, 2, SIG, 256, 576, 0, 0),
    E(0xd, 5, SIG, 64, 832, 0, 0),
    E(0xd, 6, SIG, 512, 896, 0, 0),
    E(0xd, 7, SIG, 1024, 1408, 0, 0),
    E(0xd, 9, SIG, 8, 2432, 0, 0),
    E(0xd, 11, SIG, 16, 0, 1, 0),
    E(0xd, 12, SIG, 24, 0, 1, 0),
    E(0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d),
    E(0x40000001, 0, 0, 0x01007efb, 0, 0, 0),
    E(0x80000000, 0, 0, 0x80000026, 0x68747541, 0x444d4163, 0x69746e65),
    E(0x80000001, 0, 0, 0xa10f11, 0x40000000, 0xffffffff, 0x2fd3fbff),
    E(0x80000008, 0, 0, 0x3030, 0x791ef257, 0x1703f, 0),
    E(0x8000000a, 0, 0, 1, 0x8000, 0, 0x1ebfbcff),
    E(0x8000001d, 0, SIG, 0x4121, 0x01c0003f, 0x3f, 0),
    E(0x8000001d, 1, SIG, 0x4122, 0x01c0003f, 0x3f, 0),
    E(0x8000001d, 2, SIG, 0x4143, 0x01c0003f, 0x7ff, 2),
    E(0x8000001d, 3, SIG, 0x3c163, 0x03c0003f, 0x7fff, 1),
    E(0x8000001d, 4, SIG, 0, 0, 0, 0),
    E(0x8000001e, 0, 0, 0x3e, 0x101, 0, 0),
    E(0x8000001f, 0, 0, 0x0101fd3f, 0xb0073, 0x1fd, 1),
    E(0x80000021, 0, 0, 0x62fcf, 0x15c, 0, 0),
    E(0x80000022, 0, 0, 7, 0x84106, 3, 0),
    E(0x80000026, 0, SIG, 1, 2, 0x100, 0x3e),
    E(0x80000026, 1, SIG, 7, 0x80, 0x201, 0x3e),
};

/* Leaves that must never survive, as cpuid.h / the design require. */
static const uint32_t removed[] = {
    0x0f, 0x10, 0x12, 0x14,	  0x19,	      0x1a,	  0x1b,	      0x1c,	  0x1d,
    0x1e, 0x20, 0x23, 0x8000000a, 0x8000001f, 0x80000020, 0x80000022, 0x80000026,
};

struct arr {
	struct kvm_cpuid_entry2 e[MAX_ENTRIES + SENTINELS];
	int nr;
};

static void load(struct arr *a, const struct kvm_cpuid_entry2 *src, size_t n)
{
	size_t i;

	assert_true(n <= MAX_ENTRIES);
	memset(a, 0, sizeof(*a));
	memcpy(a->e, src, n * sizeof(*src));
	/* Sentinels just past the end: the filter must never write there. */
	for (i = 0; i < SENTINELS; i++)
		memset(&a->e[n + i], 0xee, sizeof(a->e[0]));
	a->nr = (int)n;
}

static int filter(struct arr *a, unsigned int idx, unsigned int nr_cpus)
{
	int n0 = a->nr, n, i;
	struct kvm_cpuid_entry2 sentinel;

	memset(&sentinel, 0xee, sizeof(sentinel));
	n = cpuid_filter(a->e, a->nr, idx, nr_cpus);
	assert_true(n >= 0);
	assert_true(n <= n0);
	for (i = 0; i < SENTINELS; i++)
		assert_memory_equal(&a->e[n0 + i], &sentinel, sizeof(sentinel));
	a->nr = n;
	return n;
}

/* Static rather than allocated so that a failing assertion leaks nothing. */
static struct arr arr_a, arr_b;

#define LOAD(a, tbl) load(a, tbl, sizeof(tbl) / sizeof(tbl[0]))

/* Own lookup (exact function and index), independent of cpuid_find(). */
static const struct kvm_cpuid_entry2 *get(const struct arr *a, uint32_t fn, uint32_t idx)
{
	int i;

	for (i = 0; i < a->nr; i++)
		if (a->e[i].function == fn && a->e[i].index == idx)
			return &a->e[i];
	return NULL;
}

static const struct kvm_cpuid_entry2 *must(const struct arr *a, uint32_t fn, uint32_t idx)
{
	const struct kvm_cpuid_entry2 *e = get(a, fn, idx);

	if (!e)
		fail_msg("leaf %#x.%u missing", fn, idx);
	return e;
}

static int count(const struct arr *a, uint32_t fn)
{
	int i, n = 0;

	for (i = 0; i < a->nr; i++)
		n += a->e[i].function == fn;
	return n;
}

static const struct kvm_cpuid_entry2 *orig(const struct kvm_cpuid_entry2 *tbl, size_t n,
					   uint32_t fn, uint32_t idx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tbl[i].function == fn && tbl[i].index == idx)
			return &tbl[i];
	fail_msg("no original %#x.%u", fn, idx);
	return NULL;
}
#define ORIG(tbl, fn, idx) orig(tbl, sizeof(tbl) / sizeof(tbl[0]), fn, idx)

static unsigned int ceil_log2(unsigned int n)
{
	unsigned int s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

static const unsigned int cpu_counts[] = {1, 2, 4, 7};

/* --- argument checking and cpuid_find ----------------------------------- */

static void test_invalid_args(void **state)
{
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, intel);
	assert_int_equal(cpuid_filter(a->e, a->nr, 0, 0), -EINVAL);
	assert_int_equal(cpuid_filter(a->e, a->nr, 1, 1), -EINVAL);
	assert_int_equal(cpuid_filter(a->e, a->nr, 4, 4), -EINVAL);
	assert_int_equal(cpuid_filter(a->e, a->nr, 100, 7), -EINVAL);
	assert_int_equal(cpuid_filter(a->e, -1, 0, 1), -EINVAL);
	assert_int_equal(cpuid_filter(NULL, 3, 0, 1), -EINVAL);
	/* Nothing was touched by the failures. */
	assert_memory_equal(a->e, intel, sizeof(intel));
	/* An empty list is valid and stays empty. */
	assert_int_equal(cpuid_filter(NULL, 0, 0, 1), 0);
	assert_int_equal(cpuid_filter(a->e, 0, 0, 1), 0);
}

static void test_find(void **state)
{
	struct kvm_cpuid_entry2 t[] = {
	    E(0x1, 5, 0, 1, 0, 0, 0), /* index ignored */
	    E(0x7, 0, SIG, 2, 0, 0, 0),
	    E(0x7, 1, SIG, 3, 0, 0, 0),
	};

	(void)state;
	assert_ptr_equal(cpuid_find(t, 3, 0x1, 0), &t[0]);
	assert_ptr_equal(cpuid_find(t, 3, 0x1, 99), &t[0]);
	assert_ptr_equal(cpuid_find(t, 3, 0x7, 0), &t[1]);
	assert_ptr_equal(cpuid_find(t, 3, 0x7, 1), &t[2]);
	assert_null(cpuid_find(t, 3, 0x7, 2));
	assert_null(cpuid_find(t, 3, 0x2, 0));
	assert_null(cpuid_find(t, 1, 0x7, 0)); /* only the first entry searched */
	assert_null(cpuid_find(t, 0, 0x1, 0));
	assert_null(cpuid_find(NULL, 0, 0x1, 0));
}

/* --- leaf 1 --------------------------------------------------------------- */

static void check_leaf1(const struct kvm_cpuid_entry2 *o, const struct arr *a, unsigned int idx,
			unsigned int n)
{
	const struct kvm_cpuid_entry2 *e = must(a, 1, 0);
	const uint32_t ecx_clear = B(2) | B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(15) | B(27);
	const uint32_t edx_clear = B(21) | B(22) | B(29) | B(31);

	assert_int_equal(e->eax, o->eax);
	assert_int_equal(e->ebx >> 24, idx);
	assert_int_equal((e->ebx >> 16) & 0xff, n);
	assert_int_equal(e->ebx & 0xffff, o->ebx & 0xffff);
	assert_int_equal(!!(e->edx & B(28)), n > 1);
	assert_true(e->ecx & B(31));
	assert_int_equal(e->ecx & ecx_clear, 0);
	assert_int_equal(e->edx & edx_clear, 0);
	/* Everything else as KVM gave it (the fixtures have state for AVX). */
	assert_int_equal(e->ecx & ~(ecx_clear | B(18) | B(31)),
			 o->ecx & ~(ecx_clear | B(18) | B(31)));
	assert_int_equal(e->edx & ~(edx_clear | B(28)), o->edx & ~(edx_clear | B(28)));
}

static void test_leaf1(void **state)
{
	struct arr *a = &arr_a;
	size_t k;
	unsigned int i;

	(void)state;
	for (k = 0; k < sizeof(cpu_counts) / sizeof(cpu_counts[0]); k++) {
		for (i = 0; i < cpu_counts[k]; i++) {
			LOAD(a, intel);
			filter(a, i, cpu_counts[k]);
			check_leaf1(ORIG(intel, 1, 0), a, i, cpu_counts[k]);
			LOAD(a, amd);
			filter(a, i, cpu_counts[k]);
			check_leaf1(ORIG(amd, 1, 0), a, i, cpu_counts[k]);
		}
	}
}

/* --- leaves 4, 6, 7, 0xA --------------------------------------------------- */

static void test_leaf4(void **state)
{
	struct arr *a = &arr_a;
	size_t k;
	uint32_t sub;

	(void)state;
	for (k = 0; k < sizeof(cpu_counts) / sizeof(cpu_counts[0]); k++) {
		unsigned int n = cpu_counts[k];

		LOAD(a, intel);
		filter(a, n - 1, n);
		assert_int_equal(count(a, 4), 5);
		for (sub = 0; sub < 4; sub++) {
			const struct kvm_cpuid_entry2 *e = must(a, 4, sub);
			const struct kvm_cpuid_entry2 *o = ORIG(intel, 4, sub);
			unsigned int level = (e->eax >> 5) & 7;
			unsigned int sharing = (e->eax >> 14) & 0xfff;

			assert_int_equal(e->eax >> 26, n - 1);
			assert_int_equal(sharing, level >= 3 ? n - 1 : 0);
			assert_true(sharing <= e->eax >> 26);
			assert_int_equal(e->eax & 0x3fff, o->eax & 0x3fff);
			assert_int_equal(e->ebx, o->ebx);
			assert_int_equal(e->ecx, o->ecx);
			assert_int_equal(e->edx, o->edx);
		}
		assert_memory_equal(must(a, 4, 4), ORIG(intel, 4, 4), sizeof(intel[0]));
		/* AMD's all-zero leaf 4 stays zero. */
		LOAD(a, amd);
		filter(a, 0, n);
		assert_memory_equal(must(a, 4, 0), ORIG(amd, 4, 0), sizeof(amd[0]));
	}
}

static void test_leaf4_many_cpus(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, intel);
	filter(a, 200, 254);
	e = must(a, 4, 3);
	assert_int_equal(e->eax >> 26, 63); /* 6-bit field saturates */
	assert_int_equal((e->eax >> 14) & 0xfff, 253);
	assert_int_equal((must(a, 4, 0)->eax >> 14) & 0xfff, 0);
	assert_int_equal(must(a, 1, 0)->ebx >> 24, 200);
	assert_int_equal((must(a, 1, 0)->ebx >> 16) & 0xff, 254);
}

static void test_leaf6(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, intel);
	filter(a, 0, 2);
	e = must(a, 6, 0);
	assert_int_equal(e->eax, B(2));
	assert_int_equal(e->ebx | e->ecx | e->edx, 0);
	LOAD(a, amd);
	filter(a, 0, 2);
	e = must(a, 6, 0);
	assert_int_equal(e->eax, B(2));
	assert_int_equal(e->ebx | e->ecx | e->edx, 0);
}

static void test_leaf7_intel(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, intel);
	filter(a, 0, 1);
	e = must(a, 7, 0);
	assert_int_equal(e->eax, 2);
	/* cleared */
	assert_int_equal(e->ebx & (B(2) | B(12) | B(14) | B(15) | B(25)), 0);
	assert_int_equal(
	    e->ecx & (B(3) | B(4) | B(5) | B(7) | B(13) | B(16) | B(23) | B(29) | B(30) | B(31)),
	    0);
	assert_int_equal(e->edx & (B(15) | B(18) | B(19) | B(20) | B(22) | B(24) | B(25)), 0);
	/* kept: HLE, AVX2, INVPCID, RTM, AVX512F/DQ/BW/VL, SHA, ERMS, SMEP, SMAP */
	assert_int_equal(e->ebx & (B(4) | B(5) | B(10) | B(11) | B(16) | B(17) | B(29) | B(30) |
				   B(31) | B(9) | B(7) | B(20)),
			 B(4) | B(5) | B(10) | B(11) | B(16) | B(17) | B(29) | B(30) | B(31) |
			     B(9) | B(7) | B(20));
	/* kept: UMIP, GFNI, VAES, VPCLMULQDQ, RDPID, VBMI */
	assert_int_equal(e->ecx & (B(2) | B(8) | B(9) | B(10) | B(22) | B(1)),
			 B(2) | B(8) | B(9) | B(10) | B(22) | B(1));
	/* kept: SRBDS_CTRL, MD_CLEAR, SERIALIZE, spec-ctrl bits, CORE_CAPABILITIES */
	assert_int_equal(e->edx & (B(9) | B(10) | B(14) | B(26) | B(27) | B(29) | B(30)),
			 B(9) | B(10) | B(14) | B(26) | B(27) | B(29) | B(30));

	e = must(a, 7, 1);
	assert_int_equal(e->eax & (B(17) | B(18) | B(21) | B(22) | B(26)), 0);
	assert_int_equal(e->eax & (B(4) | B(5) | B(10) | B(23)), B(4) | B(5) | B(10) | B(23));
	assert_int_equal(e->ebx & B(0), 0);
	assert_int_equal(e->edx & (B(8) | B(18)), 0);
	assert_int_equal(e->edx & (B(4) | B(5) | B(10)), B(4) | B(5) | B(10));
	/* subleaf 2 (speculation controls) untouched */
	assert_memory_equal(must(a, 7, 2), ORIG(intel, 7, 2), sizeof(intel[0]));
}

static void test_leaf7_amd(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e, *o = ORIG(amd, 7, 0);

	(void)state;
	LOAD(a, amd);
	filter(a, 0, 1);
	e = must(a, 7, 0);
	/* AMD's platform QoS bits (PQM, PQE) go, the rest stays */
	assert_int_equal(e->ebx, o->ebx & ~(B(12) | B(15)));
	/* PKU/OSPKE (no PKRU state) and CET_SS (no CET state) go */
	assert_int_equal(e->ecx, o->ecx & ~(B(3) | B(4) | B(7)));
	assert_int_equal(e->edx, o->edx);
	assert_memory_equal(must(a, 7, 1), ORIG(amd, 7, 1), sizeof(amd[0]));
}

static void test_no_pmu(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, intel);
	filter(a, 0, 1);
	e = must(a, 0xa, 0);
	assert_int_equal(e->eax | e->ebx | e->ecx | e->edx, 0);
	assert_int_equal(must(a, 1, 0)->ecx & B(15), 0);

	LOAD(a, amd);
	filter(a, 0, 1);
	e = must(a, 0xa, 0);
	assert_int_equal(e->eax | e->ebx | e->ecx | e->edx, 0);
	e = must(a, 0x80000001, 0);
	assert_int_equal(e->ecx & (B(2) | B(10) | B(13) | B(15) | B(17) | B(23) | B(24) | B(28)),
			 0);
	/* LAHF, CmpLegacy, ABM, SSE4A, PREFETCHW, TOPOEXT kept; LM, NX kept */
	assert_int_equal(e->ecx & (B(0) | B(1) | B(5) | B(6) | B(8) | B(22)),
			 B(0) | B(1) | B(5) | B(6) | B(8) | B(22));
	assert_int_equal(e->edx, ORIG(amd, 0x80000001, 0)->edx);
	assert_true(e->edx & B(29));
	assert_true(e->edx & B(20));
}

static void check_removed(const struct arr *a)
{
	size_t i;

	for (i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		if (count(a, removed[i]))
			fail_msg("leaf %#x survived", removed[i]);
}

static void test_removed_leaves(void **state)
{
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, intel);
	filter(a, 1, 3);
	check_removed(a);
	LOAD(a, amd);
	filter(a, 1, 3);
	check_removed(a);
	/* AMD 0x8000001D (cache topology) is not among them. */
	assert_int_equal(count(a, 0x8000001d), 5);
}

/* --- XSAVE ---------------------------------------------------------------- */

static void test_xsave_intel(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;
	static const uint32_t kept[] = {2, 5, 6, 7};
	static const uint32_t gone[] = {8, 9, 11, 12, 17, 18};
	size_t i;

	(void)state;
	LOAD(a, intel);
	filter(a, 0, 4);
	e = must(a, 0xd, 0);
	assert_int_equal(e->eax, 0xe7);
	assert_int_equal(e->edx, 0);
	/* Standard format: Hi16_ZMM ends last, at 1664 + 1024. */
	assert_int_equal(e->ecx, 2688);
	assert_int_equal(e->ebx, 2688);
	e = must(a, 0xd, 1);
	assert_int_equal(e->eax, 0xf); /* XFD gone */
	/* Compacted: 576 + 256 + 64 + 512 + 1024, no XSS components. */
	assert_int_equal(e->ebx, 2432);
	assert_int_equal(e->ecx | e->edx, 0);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_memory_equal(must(a, 0xd, kept[i]), ORIG(intel, 0xd, kept[i]),
				    sizeof(intel[0]));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_null(get(a, 0xd, gone[i]));
	assert_int_equal(count(a, 0xd), 6);
	/* AMX and PKU hidden with their state; AVX/AVX-512 kept with theirs. */
	assert_int_equal(must(a, 7, 0)->edx & (B(22) | B(24) | B(25)), 0);
	assert_true(must(a, 7, 0)->ebx & B(16));
	assert_true(must(a, 1, 0)->ecx & B(28));
}

static void test_xsave_amd(void **state)
{
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, amd);
	filter(a, 0, 4);
	e = must(a, 0xd, 0);
	assert_int_equal(e->eax, 0xe7);
	assert_int_equal(e->ebx, 2432);
	assert_int_equal(e->ecx, 2432);
	e = must(a, 0xd, 1);
	assert_int_equal(e->eax, 0xf);
	assert_int_equal(e->ebx, 2432);
	assert_int_equal(e->ecx | e->edx, 0);
	assert_null(get(a, 0xd, 9));
	assert_null(get(a, 0xd, 11));
	assert_null(get(a, 0xd, 12));
	assert_int_equal(count(a, 0xd), 6); /* subleaves 0, 1, 2, 5, 6, 7 */
}

/* Compacted size honours the 64-byte alignment bit. */
static void test_xsave_aligned(void **state)
{
	static const struct kvm_cpuid_entry2 t[] = {
	    E(0x0, 0, 0, 0xd, 0, 0, 0),
	    E(0xd, 0, SIG, 0xe7, 0, 0, 0),
	    E(0xd, 1, SIG, 0x2, 0, 0, 0), /* XSAVEC only */
	    E(0xd, 2, SIG, 256, 576, 0, 0),
	    E(0xd, 5, SIG, 8, 832, 2, 0),   /* aligned: 832 -> 832 */
	    E(0xd, 6, SIG, 512, 896, 2, 0), /* aligned: 840 -> 896 */
	    E(0xd, 7, SIG, 1024, 1408, 0, 0),
	};
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, t);
	filter(a, 0, 1);
	assert_int_equal(must(a, 0xd, 1)->ebx, 896 + 512 + 1024);
	assert_int_equal(must(a, 0xd, 0)->ecx, 2432);
}

/* Without AVX-512 state (or with a partial set), AVX-512 features go. */
static void test_xsave_no_avx512(void **state)
{
	static const struct kvm_cpuid_entry2 t[] = {
	    E(0x0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
	    E(0x1, 0, 0, 0, 0, B(26) | B(28) | B(12), 0),
	    E(0x7, 0, SIG, 0, B(5) | B(16) | B(31), B(1) | B(9), B(23)),
	    E(0xd, 0, SIG, 0x67, 0, 0, 0), /* Hi16_ZMM missing */
	    E(0xd, 1, SIG, 0x1, 0, 0, 0),  /* XSAVEOPT only */
	    E(0xd, 2, SIG, 256, 576, 0, 0),
	    E(0xd, 5, SIG, 64, 832, 0, 0),
	    E(0xd, 6, SIG, 512, 896, 0, 0),
	};
	struct arr *a = &arr_a;
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	LOAD(a, t);
	filter(a, 0, 1);
	e = must(a, 0xd, 0);
	assert_int_equal(e->eax, 0x7);
	assert_int_equal(e->ecx, 832);
	assert_int_equal(must(a, 0xd, 1)->ebx, 0); /* no compacted format */
	assert_null(get(a, 0xd, 5));
	assert_null(get(a, 0xd, 6));
	e = must(a, 7, 0);
	assert_int_equal(e->ebx, B(5)); /* AVX2 stays, AVX512F/VL go */
	assert_int_equal(e->ecx, B(9)); /* VAES stays, VBMI goes */
	assert_int_equal(e->edx, 0);
	assert_int_equal(must(a, 1, 0)->ecx, B(26) | B(28) | B(12) | B(31));
}

/* No XSAVE leaf at all: nothing that needs XSAVE state is advertised. */
static void test_xsave_absent(void **state)
{
	static const struct kvm_cpuid_entry2 t[] = {
	    E(0x0, 0, 0, 0x7, 0, 0, 0),
	    E(0x1, 0, 0, 0, 0, B(0) | B(26) | B(28) | B(12) | B(29), 0),
	    E(0x7, 0, SIG, 0, B(5) | B(16) | B(3), 0, 0),
	};
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, t);
	filter(a, 0, 1);
	assert_int_equal(must(a, 1, 0)->ecx, B(0) | B(31));
	assert_int_equal(must(a, 7, 0)->ebx, B(3)); /* BMI1 stays */
}

/* --- topology --------------------------------------------------------------- */

static void check_ext_topology(const struct arr *a, uint32_t leaf, unsigned int idx, unsigned int n)
{
	const struct kvm_cpuid_entry2 *e;

	assert_int_equal(count(a, leaf), 3);
	e = must(a, leaf, 0);
	assert_true(e->flags & SIG);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 1);
	assert_int_equal(e->ecx, 0 | 1 << 8);
	assert_int_equal(e->edx, idx);
	e = must(a, leaf, 1);
	assert_true(e->flags & SIG);
	assert_int_equal(e->eax, ceil_log2(n));
	assert_int_equal(e->ebx, n);
	assert_int_equal(e->ecx, 1 | 2 << 8);
	assert_int_equal(e->edx, idx);
	e = must(a, leaf, 2);
	assert_true(e->flags & SIG);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 0);
	assert_int_equal(e->ecx, 2);
	assert_int_equal(e->edx, idx);
	/* IDs of all vCPUs fit under the core level's shift. */
	assert_true(n - 1 < (1u << ceil_log2(n)));
}

static void test_topology(void **state)
{
	struct arr *a = &arr_a;
	size_t k;
	unsigned int i;

	(void)state;
	for (k = 0; k < sizeof(cpu_counts) / sizeof(cpu_counts[0]); k++) {
		unsigned int n = cpu_counts[k];

		for (i = 0; i < n; i++) {
			LOAD(a, intel);
			filter(a, i, n);
			check_ext_topology(a, 0xb, i, n);
			check_ext_topology(a, 0x1f, i, n);
			LOAD(a, amd);
			filter(a, i, n);
			check_ext_topology(a, 0xb, i, n);
			assert_int_equal(count(a, 0x1f), 0); /* not invented */
		}
	}
}

static void test_topology_shift_values(void **state)
{
	static const unsigned int n[] = {1, 2, 3, 4, 5, 7, 8, 9, 254};
	static const unsigned int shift[] = {0, 1, 2, 2, 3, 3, 3, 4, 8};
	struct arr *a = &arr_a;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(n) / sizeof(n[0]); k++) {
		LOAD(a, intel);
		filter(a, 0, n[k]);
		assert_int_equal(must(a, 0xb, 1)->eax, shift[k]);
		assert_int_equal(must(a, 0x1f, 1)->eax, shift[k]);
	}
}

/* KVM listed one 0xB subleaf and nothing else is removed: no room. */
static void test_topology_no_room(void **state)
{
	static const struct kvm_cpuid_entry2 t[] = {
	    E(0x0, 0, 0, 0xb, 0, 0, 0),
	    E(0xb, 0, SIG, 0, 0, 0, 1),
	    E(0x1, 0, 0, 0, 0, 0, 0),
	};
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, t);
	assert_int_equal(filter(a, 1, 2), 2);
	assert_int_equal(count(a, 0xb), 0);
	assert_int_equal(must(a, 1, 0)->ebx >> 24, 1);
}

/* One 0xB subleaf, but removed leaves free exactly the two missing slots
 * (like this machine's KVM).  0x1F does not fit after 0xB and is dropped. */
static void test_topology_borrowed_slots(void **state)
{
	static const struct kvm_cpuid_entry2 t[] = {
	    E(0x0, 0, 0, 0x1f, 0, 0, 0),
	    E(0xb, 0, SIG, 0, 0, 0, 1),
	    E(0x1f, 0, SIG, 0, 0, 0, 1),
	    E(0x12, 0, SIG, 0, 0, 0, 0),
	    E(0x40000000, 0, 0, 0x40000001, 0, 0, 0),
	    E(0x8000000a, 0, 0, 0, 0, 0, 0),
	};
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, t);
	/* 6 slots: leaf 0, KVM leaf, and 3 for 0xB; 0x1F would need 3 more. */
	assert_int_equal(filter(a, 2, 3), 5);
	check_ext_topology(a, 0xb, 2, 3);
	assert_int_equal(count(a, 0x1f), 0);
	/* order: leaf 0, then 0xB where it was, then the KVM leaf */
	assert_int_equal(a->e[0].function, 0);
	assert_int_equal(a->e[1].function, 0xb);
	assert_int_equal(a->e[3].function, 0xb);
	assert_int_equal(a->e[4].function, 0x40000000);
}

static void test_amd_topology(void **state)
{
	struct arr *a = &arr_a;
	size_t k;
	unsigned int i;
	uint32_t sub;

	(void)state;
	for (k = 0; k < sizeof(cpu_counts) / sizeof(cpu_counts[0]); k++) {
		unsigned int n = cpu_counts[k];

		for (i = 0; i < n; i++) {
			const struct kvm_cpuid_entry2 *e;

			LOAD(a, amd);
			filter(a, i, n);
			e = must(a, 0x80000008, 0);
			assert_int_equal(e->ecx & 0xff, n - 1);
			assert_int_equal((e->ecx >> 12) & 0xf, 0);
			assert_int_equal(e->ecx & ~0xf0ffu, 0x1703f & ~0xf0ffu);
			assert_int_equal(e->eax, 0x3030);
			e = must(a, 0x8000001e, 0);
			assert_int_equal(e->eax, i);
			assert_int_equal(e->ebx, i); /* compute unit i, 1 thread */
			assert_int_equal(e->ecx, 0);
			for (sub = 0; sub < 4; sub++) {
				const struct kvm_cpuid_entry2 *o = ORIG(amd, 0x8000001d, sub);
				unsigned int level;

				e = must(a, 0x8000001d, sub);
				level = (e->eax >> 5) & 7;
				assert_int_equal((e->eax >> 14) & 0xfff, level >= 3 ? n - 1 : 0);
				assert_int_equal(e->eax & 0x3fff, o->eax & 0x3fff);
				assert_int_equal(e->ebx, o->ebx);
			}
			assert_memory_equal(must(a, 0x8000001d, 4), ORIG(amd, 0x8000001d, 4),
					    sizeof(amd[0]));
		}
	}
}

/* Intel's 0x80000008 ECX is reserved: left alone. */
static void test_intel_80000008(void **state)
{
	struct arr *a = &arr_a;

	(void)state;
	LOAD(a, intel);
	filter(a, 3, 4);
	assert_memory_equal(must(a, 0x80000008, 0), ORIG(intel, 0x80000008, 0), sizeof(intel[0]));
}

/* --- untouched, idempotent, never grows ------------------------------------- */

static void test_untouched(void **state)
{
	static const uint32_t same_intel[][2] = {
	    {0, 0}, {2, 0}, {0x40000000, 0}, {0x40000001, 0}, {0x80000000, 0}, {0x80000007, 0},
	};
	static const uint32_t same_amd[][2] = {
	    {0, 0}, {0x40000000, 0}, {0x40000001, 0}, {0x80000000, 0}, {0x80000021, 0},
	};
	struct arr *a = &arr_a;
	size_t i;

	(void)state;
	LOAD(a, intel);
	filter(a, 1, 2);
	for (i = 0; i < sizeof(same_intel) / sizeof(same_intel[0]); i++)
		assert_memory_equal(must(a, same_intel[i][0], same_intel[i][1]),
				    ORIG(intel, same_intel[i][0], same_intel[i][1]),
				    sizeof(intel[0]));
	LOAD(a, amd);
	filter(a, 1, 2);
	for (i = 0; i < sizeof(same_amd) / sizeof(same_amd[0]); i++)
		assert_memory_equal(must(a, same_amd[i][0], same_amd[i][1]),
				    ORIG(amd, same_amd[i][0], same_amd[i][1]), sizeof(amd[0]));
}

static void check_idempotent(const struct kvm_cpuid_entry2 *tbl, size_t n, unsigned int idx,
			     unsigned int nr_cpus)
{
	struct arr *a = &arr_a;
	struct arr *b = &arr_b;

	load(a, tbl, n);
	filter(a, idx, nr_cpus);
	load(b, a->e, (size_t)a->nr);
	filter(b, idx, nr_cpus);
	assert_int_equal(a->nr, b->nr);
	assert_memory_equal(a->e, b->e, (size_t)a->nr * sizeof(a->e[0]));
}

static void test_idempotent(void **state)
{
	size_t k;
	unsigned int i;

	(void)state;
	for (k = 0; k < sizeof(cpu_counts) / sizeof(cpu_counts[0]); k++)
		for (i = 0; i < cpu_counts[k]; i++) {
			check_idempotent(intel, sizeof(intel) / sizeof(intel[0]), i, cpu_counts[k]);
			check_idempotent(amd, sizeof(amd) / sizeof(amd[0]), i, cpu_counts[k]);
		}
	check_idempotent(intel, sizeof(intel) / sizeof(intel[0]), 253, 254);
}

/* Dropping entries from the end in turn: never more entries than given. */
static void test_never_grows(void **state)
{
	struct arr *a = &arr_a;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(intel) / sizeof(intel[0]); n++) {
		load(a, intel, n);
		filter(a, 0, 2); /* asserts n' <= n and sentinels intact */
	}
	for (n = 0; n <= sizeof(amd) / sizeof(amd[0]); n++) {
		load(a, amd, n);
		filter(a, 1, 2);
	}
}

/* --- this machine's KVM ------------------------------------------------------ */

static void test_real_kvm(void **state)
{
	struct kvm_cpuid2 *c;
	struct arr *a, *b;
	int fd, r, i;
	static const unsigned int counts[] = {1, 2, 4, 7};
	size_t k;
	unsigned int idx;

	(void)state;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		skip();
		return;
	}
	c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
	assert_non_null(c);
	c->nent = MAX_ENTRIES;
	r = ioctl(fd, KVM_GET_SUPPORTED_CPUID, c);
	close(fd);
	assert_int_equal(r, 0);
	assert_true(c->nent > 0 && c->nent <= MAX_ENTRIES);

	a = &arr_a;
	b = &arr_b;
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		for (idx = 0; idx < counts[k]; idx++) {
			const struct kvm_cpuid_entry2 *e;

			load(a, c->entries, c->nent);
			filter(a, idx, counts[k]);
			e = must(a, 1, 0);
			assert_true(e->ecx & B(31));	     /* hypervisor */
			assert_false(e->ecx & B(5));	     /* VMX */
			assert_int_equal(e->ebx >> 24, idx); /* APIC ID */
			e = get(a, 0x80000001, 0);
			if (e)
				assert_false(e->ecx & B(2)); /* SVM */
			check_removed(a);
			for (i = 0; i < a->nr; i++)
				if (a->e[i].function == 0xb || a->e[i].function == 0x1f)
					assert_int_equal(a->e[i].edx, idx);
			/* KVM leaves are there and unchanged. */
			assert_memory_equal(must(a, 0x40000000, 0),
					    orig(c->entries, c->nent, 0x40000000, 0),
					    sizeof(c->entries[0]));
			load(b, a->e, (size_t)a->nr);
			filter(b, idx, counts[k]);
			assert_int_equal(a->nr, b->nr);
			assert_memory_equal(a->e, b->e, (size_t)a->nr * sizeof(a->e[0]));
		}
	}
	free(c);
}

/* Brand leaves: filled only where KVM left them all zero, NUL-padded, never past 48 bytes. */
static void test_brand(void **state)
{
	struct kvm_cpuid_entry2 e[5];
	char got[49] = {0};
	const char *longer = "0123456789abcdef0123456789abcdef0123456789abcdefXYZ";

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].function = 0x80000000;
	e[0].eax = 0x80000008;
	e[1].function = 0x80000002;
	e[2].function = 0x80000003;
	e[3].function = 0x80000004;
	e[4].function = 0x80000005;
	e[4].eax = 0x1234;
	assert_int_equal(cpuid_set_brand(e, 5, "Test CPU @ 1.00GHz"), 3);
	memcpy(got, &e[1].eax, 16);
	memcpy(got + 16, &e[2].eax, 16);
	memcpy(got + 32, &e[3].eax, 16);
	assert_string_equal(got, "Test CPU @ 1.00GHz");
	assert_int_equal(e[0].eax, 0x80000008);
	assert_int_equal(e[4].eax, 0x1234);
	/* Already set: kept. */
	assert_int_equal(cpuid_set_brand(e, 5, "Other"), 0);
	memcpy(got, &e[1].eax, 16);
	assert_memory_equal(got, "Test CPU @ 1.00G", 16);
	/* Too long: cut at 48 bytes, the 48th need not be NUL (the guest stops at 48). */
	memset(&e[1].eax, 0, 16);
	memset(&e[2].eax, 0, 16);
	memset(&e[3].eax, 0, 16);
	assert_int_equal(cpuid_set_brand(e, 5, longer), 3);
	memcpy(got, &e[1].eax, 16);
	memcpy(got + 16, &e[2].eax, 16);
	memcpy(got + 32, &e[3].eax, 16);
	assert_memory_equal(got, longer, 48);
	assert_int_equal(cpuid_set_brand(NULL, 3, "x"), 0);
	assert_int_equal(cpuid_set_brand(e, 0, "x"), 0);
}

/* TSC-deadline: only leaf 1 ECX bit 24 changes; no leaf 1, nothing to do. */
static void test_tsc_deadline(void **state)
{
	struct kvm_cpuid_entry2 e[3];

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].function = 0;
	e[0].eax = 0xd;
	e[1].function = 1;
	e[1].ecx = 0x80000001;
	e[2].function = 7;
	assert_int_equal(cpuid_set_tsc_deadline(e, 3), 1);
	assert_int_equal(e[1].ecx, 0x81000001);
	assert_int_equal(e[0].eax, 0xd);
	assert_int_equal(e[2].ecx, 0);
	assert_int_equal(cpuid_set_tsc_deadline(e, 1), 0);
	assert_int_equal(cpuid_set_tsc_deadline(NULL, 0), 0);
}

/* On any x86 host with a brand string the reader returns it without leading blanks. */
static void test_host_brand(void **state)
{
	char b[49];

	(void)state;
	if (cpuid_host_brand(b) == 0) {
		assert_true(strlen(b) > 0 && strlen(b) <= 48);
		assert_true(b[0] != ' ');
	} else {
		assert_string_equal(b, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_brand),
	    cmocka_unit_test(test_tsc_deadline),
	    cmocka_unit_test(test_host_brand),
	    cmocka_unit_test(test_invalid_args),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_leaf1),
	    cmocka_unit_test(test_leaf4),
	    cmocka_unit_test(test_leaf4_many_cpus),
	    cmocka_unit_test(test_leaf6),
	    cmocka_unit_test(test_leaf7_intel),
	    cmocka_unit_test(test_leaf7_amd),
	    cmocka_unit_test(test_no_pmu),
	    cmocka_unit_test(test_removed_leaves),
	    cmocka_unit_test(test_xsave_intel),
	    cmocka_unit_test(test_xsave_amd),
	    cmocka_unit_test(test_xsave_aligned),
	    cmocka_unit_test(test_xsave_no_avx512),
	    cmocka_unit_test(test_xsave_absent),
	    cmocka_unit_test(test_topology),
	    cmocka_unit_test(test_topology_shift_values),
	    cmocka_unit_test(test_topology_no_room),
	    cmocka_unit_test(test_topology_borrowed_slots),
	    cmocka_unit_test(test_amd_topology),
	    cmocka_unit_test(test_intel_80000008),
	    cmocka_unit_test(test_untouched),
	    cmocka_unit_test(test_idempotent),
	    cmocka_unit_test(test_never_grows),
	    cmocka_unit_test(test_real_kvm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
