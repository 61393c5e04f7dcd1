/*
 * cpuid.c - the CPUID a guest vCPU sees; see cpuid.h.
 *
 * The goal is a CPU model that a stock Linux guest boots reliably with,
 * also when mvm itself runs nested (under another hypervisor, or one that
 * emulates parts of VMX/SVM in software).  A guest once hung early in boot
 * with the full host set on a 6.1 kernel, cause unknown; this filter is the
 * defence.  The policy is therefore conservative: whatever needs host
 * machinery that a nested or minimal VM does not faithfully provide
 * (performance monitoring, tracing, enclaves, platform QoS, new state
 * components, new event-delivery or paging modes) is hidden, and the
 * topology leaves are rewritten to describe exactly nr_cpus single-thread
 * cores in one package, vCPU i having APIC ID / x2APIC ID i.
 *
 * Facts used (Intel SDM vol. 2A "CPUID", AMD APM vol. 3 appendix E):
 *   leaf 1      EBX[31:24] initial APIC ID, EBX[23:16] addressable logical
 *               processor IDs (valid with EDX.HTT), ECX/EDX feature flags
 *   leaf 4      Intel deterministic cache parameters: EAX[4:0] type
 *               (0 = no more caches), EAX[7:5] level, EAX[25:14] logical
 *               processors sharing - 1, EAX[31:26] cores per package - 1
 *   leaf 6      thermal and power management; EAX[2] ARAT
 *   leaf 7      structured extended features, subleaf 0 and 1
 *   leaf 0xA    architectural performance monitoring
 *   leaf 0xB/0x1F  extended topology: EAX[4:0] shift to the next level's
 *               ID, EBX[15:0] logical processors at this level, ECX[7:0]
 *               subleaf, ECX[15:8] level type (0 invalid, 1 SMT, 2 core),
 *               EDX x2APIC ID
 *   leaf 0xD    XSAVE: subleaf 0 EAX/EDX supported XCR0 bits, EBX size
 *               for the current XCR0, ECX size for all supported XCR0
 *               bits; subleaf 1 EAX XSAVEOPT/XSAVEC/XGETBV1/XSAVES/XFD,
 *               EBX size (compacted) for XCR0 | IA32_XSS, ECX/EDX
 *               supported IA32_XSS bits; subleaf i >= 2: EAX size, EBX
 *               offset (standard format), ECX[0] supervisor, ECX[1]
 *               64-byte aligned when compacted
 *   0x80000008  AMD ECX[7:0] cores - 1, ECX[15:12] APIC ID size
 *   0x8000001D  AMD cache topology, same EAX layout as leaf 4 for [25:0]
 *   0x8000001E  AMD extended APIC ID (EAX), compute unit (EBX[7:0]),
 *               threads per compute unit - 1 (EBX[15:8]), node (ECX)
 *
 * Nothing here can make the array longer than KVM's: leaves are only
 * edited or removed, and the three extended-topology subleaves we write
 * for 0xB/0x1F go into slots freed by removals (see put_topology()).
 */
#include "cpuid.h"

#include <cpuid.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define BIT(n) (1u << (n))
#define SIGNIFICANT KVM_CPUID_FLAG_SIGNIFCANT_INDEX

enum cpuid_reg { R_EAX, R_EBX, R_ECX, R_EDX };

/*
 * Feature bits cleared whenever the leaf is present.  @index selects a
 * subleaf, compared only for entries flagged with a significant index (an
 * unflagged entry answers every subleaf).  ANY is for leaves that have no
 * subleaves architecturally: every entry of the leaf is cleaned, whatever
 * index and flags it carries, since a guest may still ask with any ECX.
 */
#define ANY UINT32_MAX
struct cpuid_clear {
	uint32_t function;
	uint32_t index;
	enum cpuid_reg reg;
	uint32_t mask;
	const char *why;
};

static const struct cpuid_clear cpuid_clears[] = {
    /* Leaf 1 ECX. */
    {0x1, ANY, R_ECX, BIT(2), "DTES64: debug store, part of PEBS/BTS; no guest PMU"},
    {0x1, ANY, R_ECX, BIT(3), "MONITOR/MWAIT: KVM intercepts MWAIT; guests idle with HLT"},
    {0x1, ANY, R_ECX, BIT(4), "DS-CPL: debug store, no guest PMU"},
    {0x1, ANY, R_ECX, BIT(5), "VMX: no nested virtualization"},
    {0x1, ANY, R_ECX, BIT(6), "SMX: no trusted execution (GETSEC)"},
    {0x1, ANY, R_ECX, BIT(7), "EST: host P-states are not the guest's to drive"},
    {0x1, ANY, R_ECX, BIT(8), "TM2: thermal monitor MSRs are not emulated"},
    {0x1, ANY, R_ECX, BIT(15), "PDCM: IA32_PERF_CAPABILITIES belongs to the PMU"},
    {0x1, ANY, R_ECX, BIT(18), "DCA: direct cache access is a platform (chipset) feature"},
    {0x1, ANY, R_ECX, BIT(27), "OSXSAVE: mirrors the guest's CR4, KVM computes it"},
    /* Leaf 1 EDX. */
    {0x1, ANY, R_EDX, BIT(21), "DS: debug store, no guest PMU"},
    {0x1, ANY, R_EDX, BIT(22), "ACPI: thermal monitor and clock control MSRs"},
    {0x1, ANY, R_EDX, BIT(29), "TM: thermal monitor"},
    {0x1, ANY, R_EDX, BIT(31), "PBE: pending break enable, a thermal feature"},

    /* Leaf 7 subleaf 0 EBX. */
    {0x7, 0, R_EBX, BIT(2), "SGX: no enclaves (leaf 0x12 removed)"},
    {0x7, 0, R_EBX, BIT(12), "PQM: RDT monitoring is host QoS (leaf 0xF removed)"},
    {0x7, 0, R_EBX, BIT(14), "MPX: deprecated, its XSAVE state is not exposed"},
    {0x7, 0, R_EBX, BIT(15), "PQE: RDT allocation is host QoS (leaf 0x10 removed)"},
    {0x7, 0, R_EBX, BIT(25), "Intel PT: no tracing (leaf 0x14 removed)"},
    /* Leaf 7 subleaf 0 ECX. */
    {0x7, 0, R_ECX, BIT(3), "PKU: the PKRU XSAVE component is not exposed"},
    {0x7, 0, R_ECX, BIT(4), "OSPKE: mirrors CR4.PKE, and PKU is hidden"},
    {0x7, 0, R_ECX, BIT(5), "WAITPKG: UMWAIT/TPAUSE need the host's power-state policy"},
    {0x7, 0, R_ECX, BIT(7), "CET_SS: shadow-stack state (IA32_XSS) is not exposed"},
    {0x7, 0, R_ECX, BIT(13), "TME: memory encryption is a platform feature"},
    {0x7, 0, R_ECX, BIT(16),
     "LA57: 5-level paging; guests here never need 57-bit VAs "
     "and the boot-time paging-mode switch is the riskiest path "
     "when nested"},
    {0x7, 0, R_ECX, BIT(23), "KL: Key Locker (leaf 0x19 removed)"},
    {0x7, 0, R_ECX, BIT(29), "ENQCMD: needs PASID state and an assignable device"},
    {0x7, 0, R_ECX, BIT(30), "SGX_LC: no enclaves"},
    {0x7, 0, R_ECX, BIT(31), "PKS: supervisor protection keys, hidden with PKU"},
    /* Leaf 7 subleaf 0 EDX. */
    {0x7, 0, R_EDX, BIT(15), "HYBRID: one core type (leaf 0x1A removed)"},
    {0x7, 0, R_EDX, BIT(18), "PCONFIG: platform configuration (leaf 0x1B removed)"},
    {0x7, 0, R_EDX, BIT(19), "ARCH_LBR: LBRs belong to the PMU (leaf 0x1C removed)"},
    {0x7, 0, R_EDX, BIT(20), "CET_IBT: CET state (IA32_XSS) is not exposed"},
    {0x7, 0, R_EDX, BIT(22), "AMX_BF16: AMX tile state is not exposed"},
    {0x7, 0, R_EDX, BIT(24), "AMX_TILE: AMX tile state is not exposed"},
    {0x7, 0, R_EDX, BIT(25), "AMX_INT8: AMX tile state is not exposed"},
    /* Leaf 7 subleaf 1. */
    {0x7, 1, R_EAX, BIT(17), "FRED: new event delivery, immature in nested setups"},
    {0x7, 1, R_EAX, BIT(18), "LKGS: only meaningful together with FRED"},
    {0x7, 1, R_EAX, BIT(21), "AMX_FP16: AMX tile state is not exposed"},
    {0x7, 1, R_EAX, BIT(22), "HRESET: history reset (leaf 0x20 removed)"},
    {0x7, 1, R_EAX, BIT(26),
     "LAM: linear address masking changes CR3/paging checks "
     "every layer must emulate; not needed"},
    {0x7, 1, R_EBX, BIT(0), "PPIN: protected processor inventory number of the host"},
    {0x7, 1, R_EDX, BIT(8), "AMX_COMPLEX: AMX tile state is not exposed"},
    {0x7, 1, R_EDX, BIT(18), "CET_SSS: CET state is not exposed"},

    /* 0x80000001 ECX. */
    {0x80000001, ANY, R_ECX, BIT(2), "SVM: no nested virtualization"},
    {0x80000001, ANY, R_ECX, BIT(10), "IBS: instruction-based sampling, a PMU"},
    {0x80000001, ANY, R_ECX, BIT(13), "WDT: watchdog timer is not emulated"},
    {0x80000001, ANY, R_ECX, BIT(15), "LWP: lightweight profiling, a PMU"},
    {0x80000001, ANY, R_ECX, BIT(17), "TCE: translation cache extension"},
    {0x80000001, ANY, R_ECX, BIT(23), "PERFCTR_CORE: no guest PMU"},
    {0x80000001, ANY, R_ECX, BIT(24), "PERFCTR_NB: no guest PMU"},
    {0x80000001, ANY, R_ECX, BIT(28), "PERFCTR_LLC: no guest PMU"},
};

/* Leaves dropped entirely (every subleaf). */
static const struct {
	uint32_t function;
	const char *why;
} cpuid_removed[] = {
    {0x0f, "RDT monitoring: host platform QoS"},
    {0x10, "RDT allocation: host platform QoS"},
    {0x12, "SGX enclave parameters"},
    {0x14, "Intel Processor Trace"},
    {0x19, "Key Locker"},
    {0x1a, "hybrid core type"},
    {0x1b, "PCONFIG"},
    {0x1c, "architectural LBR, part of the PMU"},
    {0x1d, "AMX tile palette"},
    {0x1e, "AMX TMUL"},
    {0x20, "HRESET"},
    {0x23, "architectural PMU extensions"},
    {0x8000000a, "SVM features: no nested virtualization"},
    {0x8000001f, "SEV/SME memory encryption: the host's, not ours"},
    {0x80000020, "AMD platform QoS"},
    {0x80000022, "AMD performance monitoring v2"},
    {0x80000026, "AMD extended CPU topology: the guest gets 0xB/0x8000001E instead"},
};

/* XSAVE state components (XCR0 bits) a guest may enable. */
#define XFEAT_X87 BIT(0)
#define XFEAT_SSE BIT(1)
#define XFEAT_AVX BIT(2)
#define XFEAT_OPMASK BIT(5)
#define XFEAT_ZMM_HI256 BIT(6)
#define XFEAT_HI16_ZMM BIT(7)
#define XFEAT_AVX512 (XFEAT_OPMASK | XFEAT_ZMM_HI256 | XFEAT_HI16_ZMM)
#define XFEAT_ALLOWED (XFEAT_X87 | XFEAT_SSE | XFEAT_AVX | XFEAT_AVX512)

/* Legacy region (512) + XSAVE header (64): the smallest XSAVE area. */
#define XSAVE_LEGACY_SIZE 576u

#define XSAVE_SUB1_XSAVEC BIT(1)
#define XSAVE_SUB1_XSAVES BIT(3)
#define XSAVE_SUB1_KEEP 0xfu	  /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
#define XSAVE_COMP_ALIGN64 BIT(1) /* subleaf i ECX */

/*
 * Features that only work with a state component enabled in XCR0: when the
 * component is not allowed (KVM does not report it), they go too, so that
 * the guest never sees an instruction set whose registers it cannot save.
 */
static const struct {
	uint32_t needs; /* XCR0 bits */
	struct cpuid_clear c;
} cpuid_xfeat_deps[] = {
    {XFEAT_X87 | XFEAT_SSE, {0x1, ANY, R_ECX, BIT(26), "XSAVE without x87/SSE state"}},
    {XFEAT_AVX, {0x1, ANY, R_ECX, BIT(12) | BIT(28) | BIT(29), "FMA, AVX, F16C"}},
    {XFEAT_AVX, {0x7, 0, R_EBX, BIT(5), "AVX2"}},
    {XFEAT_AVX, {0x7, 0, R_ECX, BIT(9) | BIT(10), "VAES, VPCLMULQDQ (VEX/EVEX only)"}},
    {XFEAT_AVX, {0x7, 1, R_EAX, BIT(4) | BIT(23), "AVX-VNNI, AVX-IFMA"}},
    {XFEAT_AVX,
     {0x7, 1, R_EDX, BIT(4) | BIT(5) | BIT(10), "AVX-VNNI-INT8, AVX-NE-CONVERT, -INT16"}},
    {XFEAT_AVX512,
     {0x7, 0, R_EBX, BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31),
      "AVX512F, DQ, IFMA, PF, ER, CD, BW, VL"}},
    {XFEAT_AVX512,
     {0x7, 0, R_ECX, BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14),
      "AVX512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ"}},
    {XFEAT_AVX512,
     {0x7, 0, R_EDX, BIT(2) | BIT(3) | BIT(8) | BIT(23),
      "AVX512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16"}},
    {XFEAT_AVX512, {0x7, 1, R_EAX, BIT(5), "AVX512_BF16"}},
    {XFEAT_AVX512, {0x7, 1, R_EDX, BIT(19), "AVX10"}},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define LEAF1_EDX_HTT BIT(28)
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define LEAF6_EAX_ARAT BIT(2)

/* Cache-description leaves 4 and 0x8000001D share these EAX fields. */
#define CACHE_TYPE(eax) ((eax)&0x1f)
#define CACHE_LEVEL(eax) (((eax) >> 5) & 0x7)
#define CACHE_SHARING_SHIFT 14
#define CACHE_SHARING_MASK (0xfffu << CACHE_SHARING_SHIFT)
#define LEAF4_CORES_SHIFT 26
#define LEAF4_CORES_MASK (0x3fu << LEAF4_CORES_SHIFT)

#define TOPO_LEVEL_SMT 1
#define TOPO_LEVEL_CORE 2
#define TOPO_SUBLEAVES 3 /* SMT, core, and the terminating invalid level */

struct filter {
	unsigned int cpu_index;
	unsigned int nr_cpus;
	bool amd;	      /* AuthenticAMD or HygonGenuine */
	uint32_t xcr0;	      /* allowed XCR0 bits (all below bit 32) */
	uint32_t xsave_size;  /* standard-format size for all of xcr0 */
	uint32_t xsave_csize; /* compacted-format size for all of xcr0 */
};

static uint32_t *reg(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case R_EAX:
		return &e->eax;
	case R_EBX:
		return &e->ebx;
	case R_ECX:
		return &e->ecx;
	case R_EDX:
	default:
		return &e->edx;
	}
}

static bool matches(const struct kvm_cpuid_entry2 *e, uint32_t function, uint32_t index)
{
	return e->function == function && (!(e->flags & SIGNIFICANT) || e->index == index);
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid_entry2 *entries, int nr, uint32_t function,
				    uint32_t index)
{
	int i;

	if (!entries)
		return NULL;
	for (i = 0; i < nr; i++)
		if (matches(&entries[i], function, index))
			return &entries[i];
	return NULL;
}

/*
 * Like cpuid_find() but the index must match whatever the flags say.  The
 * XSAVE bookkeeping uses it so that a stray leaf-0xD entry without the
 * significant-index flag cannot stand in for every subleaf.
 */
static const struct kvm_cpuid_entry2 *find_exact(const struct kvm_cpuid_entry2 *entries, int nr,
						 uint32_t function, uint32_t index)
{
	int i;

	for (i = 0; i < nr; i++)
		if (entries[i].function == function && entries[i].index == index)
			return &entries[i];
	return NULL;
}

static bool is_removed(uint32_t function)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cpuid_removed); i++)
		if (cpuid_removed[i].function == function)
			return true;
	return false;
}

static bool vendor_is_amd(const struct kvm_cpuid_entry2 *entries, int nr)
{
	const struct kvm_cpuid_entry2 *e = find_exact(entries, nr, 0, 0);

	if (!e)
		return false;
	/* "AuthenticAMD" and "HygonGenuine" in EBX, EDX, ECX order. */
	return (e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163) ||
	       (e->ebx == 0x6f677948 && e->edx == 0x6e65476e && e->ecx == 0x656e6975);
}

static uint32_t cap32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * Decide the XCR0 components the guest may use: those in XFEAT_ALLOWED
 * that KVM reports in subleaf 0 and, for components >= 2, that have a
 * subleaf with a non-zero size (without one their layout is unknown).
 * AVX-512 state is all-or-nothing (XSETBV rejects partial sets) and needs
 * AVX state.  Then compute the XSAVE area sizes for exactly that set.
 */
static void xsave_policy(struct filter *f, const struct kvm_cpuid_entry2 *entries, int nr)
{
	const struct kvm_cpuid_entry2 *s0 = find_exact(entries, nr, 0xd, 0);
	const struct kvm_cpuid_entry2 *s;
	uint64_t size = XSAVE_LEGACY_SIZE, csize = XSAVE_LEGACY_SIZE;
	uint32_t xcr0 = s0 ? s0->eax & XFEAT_ALLOWED : 0;
	unsigned int i;

	for (i = 2; i < 32; i++) {
		if (!(xcr0 & BIT(i)))
			continue;
		s = find_exact(entries, nr, 0xd, i);
		if (!s || !s->eax)
			xcr0 &= ~BIT(i);
	}
	if ((xcr0 & XFEAT_AVX512) != XFEAT_AVX512 || !(xcr0 & XFEAT_AVX))
		xcr0 &= ~XFEAT_AVX512;

	/* Components in ascending order, as the compacted format lays them out. */
	for (i = 2; i < 32; i++) {
		if (!(xcr0 & BIT(i)))
			continue;
		s = find_exact(entries, nr, 0xd, i);
		if ((uint64_t)s->ebx + s->eax > size)
			size = (uint64_t)s->ebx + s->eax;
		if (s->ecx & XSAVE_COMP_ALIGN64)
			csize = (csize + 63) & ~(uint64_t)63;
		csize += s->eax;
	}
	f->xcr0 = xcr0;
	f->xsave_size = cap32(size);
	f->xsave_csize = cap32(csize);
}

static void apply_clear(struct kvm_cpuid_entry2 *e, const struct cpuid_clear *c)
{
	if (e->function == c->function && (c->index == ANY || matches(e, c->function, c->index)))
		*reg(e, c->reg) &= ~c->mask;
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* ceil(log2(n)) for n >= 1: bits needed to number n cores. */
static unsigned int order(unsigned int n)
{
	unsigned int s = 0;

	while (s < 32 && (1ull << s) < n)
		s++;
	return s;
}

/*
 * Rewrite a cache description's sharing field (leaf 4 / 0x8000001D) for
 * single-thread cores: L1 and L2 are private (0 = one logical processor),
 * L3 and beyond are shared by the whole package.
 */
static uint32_t cache_sharing(uint32_t eax, unsigned int nr_cpus)
{
	uint32_t share = CACHE_LEVEL(eax) >= 3 ? min_u(nr_cpus - 1, 0xfff) : 0;

	return (eax & ~CACHE_SHARING_MASK) | share << CACHE_SHARING_SHIFT;
}

static void edit_entry(const struct filter *f, struct kvm_cpuid_entry2 *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cpuid_clears); i++)
		apply_clear(e, &cpuid_clears[i]);
	for (i = 0; i < ARRAY_SIZE(cpuid_xfeat_deps); i++)
		if ((f->xcr0 & cpuid_xfeat_deps[i].needs) != cpuid_xfeat_deps[i].needs)
			apply_clear(e, &cpuid_xfeat_deps[i].c);

	switch (e->function) {
	case 0x1:
		/*
		 * EBX[23:16] counts the package's logical processor IDs (only
		 * meaningful with HTT, which says "more than one").  Together
		 * with leaf 4's core count it tells Linux there is one thread
		 * per core.
		 */
		e->ebx =
		    (e->ebx & 0xffff) | min_u(f->nr_cpus, 0xff) << 16 | (f->cpu_index & 0xff) << 24;
		if (f->nr_cpus > 1)
			e->edx |= LEAF1_EDX_HTT;
		else
			e->edx &= ~LEAF1_EDX_HTT;
		e->ecx |= LEAF1_ECX_HYPERVISOR;
		break;
	case 0x4:
		if (!CACHE_TYPE(e->eax))
			break; /* "no more caches" subleaf stays all-zero */
		/*
		 * Cores per package - 1 is a 6-bit field: beyond 64 vCPUs it
		 * saturates and leaf 0xB is the only exact description.
		 */
		e->eax = (cache_sharing(e->eax, f->nr_cpus) & ~LEAF4_CORES_MASK) |
			 min_u(f->nr_cpus - 1, 63) << LEAF4_CORES_SHIFT;
		break;
	case 0x6:
		/* No thermal/power interfaces; ARAT (APIC timer keeps running in
		 * deep C-states) is true of KVM's LAPIC timer, keep it. */
		e->eax &= LEAF6_EAX_ARAT;
		e->ebx = e->ecx = e->edx = 0;
		break;
	case 0xa:
		/* Version 0: no architectural PMU. */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0xd:
		if (e->index == 0) {
			e->eax = f->xcr0;
			e->edx = 0; /* no allowed component is above bit 31 */
			/* EBX is for the current XCR0; KVM recomputes it when
			 * the guest sets XCR0, start with the maximum. */
			e->ebx = f->xsave_size;
			e->ecx = f->xsave_size;
		} else if (e->index == 1) {
			/* XSAVEOPT, XSAVEC, XGETBV with ECX=1, XSAVES as KVM has
			 * them; XFD (bit 4, only for AMX) and unknown bits go. */
			e->eax &= XSAVE_SUB1_KEEP;
			/* IA32_XSS: no supervisor components. */
			e->ecx = e->edx = 0;
			e->ebx =
			    (e->eax & (XSAVE_SUB1_XSAVEC | XSAVE_SUB1_XSAVES)) ? f->xsave_csize : 0;
		}
		break;
	case 0x80000008:
		/* Intel defines ECX as reserved; only AMD-style CPUs get the
		 * core count, with ApicIdSize 0 = derive it from NC. */
		if (f->amd)
			e->ecx = (e->ecx & ~0xf0ffu) | min_u(f->nr_cpus - 1, 0xff);
		break;
	case 0x8000001d:
		if (CACHE_TYPE(e->eax))
			e->eax = cache_sharing(e->eax, f->nr_cpus);
		break;
	case 0x8000001e:
		/* Extended APIC ID = vCPU index; each vCPU its own compute
		 * unit with one thread; one node. */
		e->eax = f->cpu_index;
		e->ebx = f->cpu_index & 0xff;
		e->ecx = 0;
		e->edx = 0;
		break;
	default:
		break;
	}
}

/* Extended topology subleaf @sub of leaf @function for this vCPU. */
static struct kvm_cpuid_entry2 topology_entry(const struct filter *f, uint32_t function,
					      uint32_t sub)
{
	struct kvm_cpuid_entry2 e = {
	    .function = function,
	    .index = sub,
	    .flags = SIGNIFICANT,
	    .ecx = sub,
	    .edx = f->cpu_index, /* x2APIC ID, in every subleaf */
	};

	switch (sub) {
	case 0: /* SMT: one thread per core, so the core ID starts at bit 0 */
		e.eax = 0;
		e.ebx = 1;
		e.ecx |= TOPO_LEVEL_SMT << 8;
		break;
	case 1: /* core: nr_cpus cores; shift to the package ID */
		e.eax = min_u(order(f->nr_cpus), 31);
		e.ebx = min_u(f->nr_cpus, 0xffff);
		e.ecx |= TOPO_LEVEL_CORE << 8;
		break;
	default: /* invalid level: ends the enumeration */
		break;
	}
	return e;
}

/*
 * Insert the TOPO_SUBLEAVES subleaves of @function at @pos of the @n
 * entries in use (the caller has checked there is room).
 */
static int put_topology(const struct filter *f, struct kvm_cpuid_entry2 *entries, int n, int pos,
			uint32_t function)
{
	uint32_t sub;

	memmove(&entries[pos + TOPO_SUBLEAVES], &entries[pos],
		(size_t)(n - pos) * sizeof(entries[0]));
	for (sub = 0; sub < TOPO_SUBLEAVES; sub++)
		entries[pos + (int)sub] = topology_entry(f, function, sub);
	return n + TOPO_SUBLEAVES;
}

int cpuid_filter(struct kvm_cpuid_entry2 *entries, int nr, unsigned int cpu_index,
		 unsigned int nr_cpus)
{
	struct filter f = {.cpu_index = cpu_index, .nr_cpus = nr_cpus};
	struct kvm_cpuid_entry2 e;
	int r, w = 0, pos_b = -1, pos_1f = -1;
	bool put_b, put_1f;

	if (nr < 0 || (nr > 0 && !entries) || nr_cpus == 0 || cpu_index >= nr_cpus)
		return -EINVAL;

	/* Decisions that depend on several entries, made before any changes. */
	f.amd = vendor_is_amd(entries, nr);
	xsave_policy(&f, entries, nr);

	/* Compact in place (w <= r), editing what stays. */
	for (r = 0; r < nr; r++) {
		e = entries[r];
		if (is_removed(e.function))
			continue;
		if (e.function == 0xb || e.function == 0x1f) {
			/* Rewritten from scratch below, where KVM had them. */
			if (e.function == 0xb && pos_b < 0)
				pos_b = w;
			if (e.function == 0x1f && pos_1f < 0)
				pos_1f = w;
			continue;
		}
		if (e.function == 0xd && e.index >= 2 &&
		    (e.index >= 32 || !(f.xcr0 & BIT(e.index))))
			continue; /* component not offered (all allowed ones are < 32) */
		edit_entry(&f, &e);
		entries[w++] = e;
	}

	/*
	 * Extended topology.  Our description has exactly three subleaves,
	 * which may be more than KVM listed (this host's KVM may report only
	 * one for 0xB), so they need free slots: those of KVM's own
	 * subleaves plus those of removed leaves.  Leaf 0xB, which every
	 * x2APIC-aware guest reads, gets them first, then 0x1F.  A leaf that
	 * does not fit is left out entirely rather than kept with the host's
	 * topology: an absent leaf reads as zeros (EBX = 0 means "not
	 * supported"), and the guest falls back to leaves 1 and 4, which are
	 * consistent.  Each group goes back where the leaf was; inserting
	 * at the later position first keeps the earlier one valid.  The
	 * result is a fixed point: filtering it again frees and refills the
	 * same slots.
	 */
	put_b = pos_b >= 0 && w + TOPO_SUBLEAVES <= nr;
	put_1f = pos_1f >= 0 && w + TOPO_SUBLEAVES * (put_b + 1) <= nr;
	if (put_1f && put_b && pos_1f < pos_b) {
		w = put_topology(&f, entries, w, pos_b, 0xb);
		w = put_topology(&f, entries, w, pos_1f, 0x1f);
	} else {
		if (put_1f)
			w = put_topology(&f, entries, w, pos_1f, 0x1f);
		if (put_b)
			w = put_topology(&f, entries, w, pos_b, 0xb);
	}
	return w;
}

int cpuid_set_tsc_deadline(struct kvm_cpuid_entry2 *entries, int nr)
{
	struct kvm_cpuid_entry2 *leaf1 = nr > 0 ? cpuid_find(entries, nr, 1, 0) : NULL;

	if (!leaf1)
		return 0;
	leaf1->ecx |= BIT(24);
	return 1;
}

static bool is_brand_leaf(const struct kvm_cpuid_entry2 *e)
{
	return e->function >= 0x80000002 && e->function <= 0x80000004;
}

int cpuid_set_brand(struct kvm_cpuid_entry2 *entries, int nr, const char *brand)
{
	char buf[48] = {0};
	int i, written = 0;

	if (nr <= 0 || !entries || !brand)
		return 0;
	/* A brand string is one 48-byte value: any byte of it set means KVM gave one. */
	for (i = 0; i < nr; i++)
		if (is_brand_leaf(&entries[i]) &&
		    (entries[i].eax || entries[i].ebx || entries[i].ecx || entries[i].edx))
			return 0;
	memcpy(buf, brand, strnlen(brand, sizeof(buf)));
	for (i = 0; i < nr; i++) {
		struct kvm_cpuid_entry2 *e = &entries[i];
		const char *part = buf + (e->function - 0x80000002) * 16;

		if (!is_brand_leaf(e))
			continue;
		memcpy(&e->eax, part, 4);
		memcpy(&e->ebx, part + 4, 4);
		memcpy(&e->ecx, part + 8, 4);
		memcpy(&e->edx, part + 12, 4);
		written++;
	}
	return written;
}

int cpuid_host_brand(char out[49])
{
	uint32_t r[12], max, a, b, c, d;
	const char *p;
	unsigned int i;

	out[0] = '\0';
	if (!__get_cpuid(0x80000000, &max, &b, &c, &d) || max < 0x80000004)
		return -ENOTSUP;
	for (i = 0; i < 3; i++) {
		__cpuid(0x80000002 + i, a, b, c, d);
		r[i * 4] = a;
		r[i * 4 + 1] = b;
		r[i * 4 + 2] = c;
		r[i * 4 + 3] = d;
	}
	p = (const char *)r;
	for (i = 0; i < 48 && p[i] == ' '; i++)
		;
	memcpy(out, p + i, 48 - i);
	out[48 - i] = '\0';
	return out[0] ? 0 : -ENOTSUP;
}
