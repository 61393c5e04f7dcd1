/* regs.c - x86 vCPU boot state; see regs.h. */
#include "regs.h"

#include <assert.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"

/* Boot GDT selectors (the Linux boot protocol wants __BOOT_CS=0x10, __BOOT_DS=0x18). */
#define GDT_CODE64 2
#define GDT_DATA 3
#define GDT_CODE32 4
#define GDT_ENTRIES 5
#define SEL(i) ((uint16_t)((i) << 3))

#define CR0_PE 0x1ULL
#define CR0_ET 0x10ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 0x1ULL
#define MTRR_ENABLE 0x800ULL
#define MTRR_TYPE_WB 0x6ULL

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

/* A flat 4 GiB descriptor with the given access byte and flags nibble. */
static uint64_t gdt_entry(uint8_t access, uint8_t flags)
{
	return 0xffffULL | (uint64_t)access << 40 | (uint64_t)(0xf | flags << 4) << 48;
}

/*
 * What runs at the legacy reset vector.  mvm has no BIOS, yet Linux jumps
 * to f000:fff0 in real mode when it reboots "through the BIOS", and that is
 * where its default reboot path ends on a hardware-reduced ACPI machine
 * without EFI (BOOT_EFI, then BOOT_BIOS).  The stub pulses the i8042 reset
 * line, so that every reboot method ends the VM as a reset:
 *   b0 fe   mov  $0xfe, %al
 *   e6 64   out  %al, $0x64
 *   f4      hlt
 *   eb fd   jmp  .-1 (back to the hlt)
 */
static const uint8_t reset_stub[] = {0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd};
static_assert(X86_RESET_VECTOR_ADDR + sizeof(reset_stub) <= X86_BIOS_END,
	      "the reset stub must fit below 1 MiB");

int x86_write_boot_tables(struct guest_mem *m, struct error *e)
{
	uint64_t gdt[GDT_ENTRIES] = {0};
	uint64_t *pml4, *pdpt, *pd;
	unsigned int i;

	if (gmem_write(m, X86_RESET_VECTOR_ADDR, reset_stub, sizeof(reset_stub)) < 0)
		return error_set(e, -EFAULT, "guest memory too small for the reset stub");

	gdt[GDT_CODE64] = gdt_entry(0x9b, 0xa); /* present, code, exec/read; G, L */
	gdt[GDT_DATA] = gdt_entry(0x93, 0xc);   /* present, data, read/write; G, D/B */
	gdt[GDT_CODE32] = gdt_entry(0x9b, 0xc); /* present, code, exec/read; G, D/B */
	if (gmem_write(m, X86_GDT_ADDR, gdt, sizeof(gdt)) < 0)
		return error_set(e, -EFAULT, "guest memory too small for the boot GDT");

	pml4 = gmem_ptr(m, X86_PML4_ADDR, 4096);
	pdpt = gmem_ptr(m, X86_PDPT_ADDR, 4096);
	pd = gmem_ptr(m, X86_PD_ADDR, 4 * 4096);
	if (!pml4 || !pdpt || !pd)
		return error_set(e, -EFAULT, "guest memory too small for the boot page tables");
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = X86_PDPT_ADDR | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (X86_PD_ADDR + i * 4096ULL) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static int set_msrs(int fd, struct error *e)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} init[] = {
		{MSR_IA32_SYSENTER_CS, 0},
		{MSR_IA32_SYSENTER_ESP, 0},
		{MSR_IA32_SYSENTER_EIP, 0},
		{MSR_STAR, 0},
		{MSR_CSTAR, 0},
		{MSR_KERNEL_GS_BASE, 0},
		{MSR_SYSCALL_MASK, 0},
		{MSR_LSTAR, 0},
		{MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
		{MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WB},
	};
	const size_t n = sizeof(init) / sizeof(init[0]);
	struct kvm_msrs *msrs;
	size_t i;
	int r;

	msrs = calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	if (!msrs)
		return error_set(e, -ENOMEM, "out of memory");
	msrs->nmsrs = n;
	for (i = 0; i < n; i++) {
		msrs->entries[i].index = init[i].index;
		msrs->entries[i].data = init[i].value;
	}
	r = ioctl(fd, KVM_SET_MSRS, msrs);
	free(msrs);
	if (r < 0)
		return error_set(e, -errno, "KVM_SET_MSRS: %s", strerror(errno));
	if ((size_t)r != n)
		return error_set(e, -EINVAL, "KVM_SET_MSRS: the host refused MSR %#x",
				 init[r].index);
	return 0;
}

static void lapic_set_lvt_mode(struct kvm_lapic_state *l, unsigned int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700U) | mode << 8;
	memcpy(&l->regs[reg], &v, sizeof(v));
}

int x86_vcpu_init(int fd, struct error *e)
{
	struct kvm_lapic_state lapic;
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
	int err;

	err = set_msrs(fd, e);
	if (err)
		return err;
	if (ioctl(fd, KVM_SET_FPU, &fpu) < 0)
		return error_set(e, -errno, "KVM_SET_FPU: %s", strerror(errno));
	if (ioctl(fd, KVM_GET_LAPIC, &lapic) < 0)
		return error_set(e, -errno, "KVM_GET_LAPIC: %s", strerror(errno));
	lapic_set_lvt_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	lapic_set_lvt_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(fd, KVM_SET_LAPIC, &lapic) < 0)
		return error_set(e, -errno, "KVM_SET_LAPIC: %s", strerror(errno));
	return 0;
}

static struct kvm_segment flat_segment(unsigned int gdt_index, uint8_t type, bool code64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = SEL(gdt_index),
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code64 ? 0 : 1,
		.s = 1,
		.l = code64 ? 1 : 0,
		.g = 1,
	};
}

int x86_vcpu_set_entry(int fd, const struct boot_entry *entry, struct error *e)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rflags = 0x2, .rip = entry->rip};
	struct kvm_segment data = flat_segment(GDT_DATA, 0x3, false);
	bool long_mode = entry->mode == BOOT_ENTRY_LINUX64;

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set(e, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	sregs.gdt.base = X86_GDT_ADDR;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cs = long_mode ? flat_segment(GDT_CODE64, 0xb, true)
			     : flat_segment(GDT_CODE32, 0xb, false);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	/* A 32-bit busy TSS, as VMX entry requires a usable TR. */
	sregs.tr = (struct kvm_segment){.limit = 0x67, .type = 0xb, .present = 1};
	sregs.ldt = (struct kvm_segment){.type = 0x2, .present = 1, .unusable = 1};
	if (long_mode) {
		sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
		sregs.cr3 = X86_PML4_ADDR;
		sregs.cr4 = CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = entry->info_gpa;
	} else {
		sregs.cr0 = CR0_PE | CR0_ET;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rbx = entry->info_gpa;
	}
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set(e, -errno, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return error_set(e, -errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out, "  %-3s sel=%04x base=%016llx limit=%08x type=%x p=%u dpl=%u db=%u l=%u g=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->present,
		s->dpl, s->db, s->l, s->g);
}

static const char *mp_state_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE:
		return "RUNNABLE";
	case KVM_MP_STATE_UNINITIALIZED:
		return "UNINITIALIZED";
	case KVM_MP_STATE_INIT_RECEIVED:
		return "INIT_RECEIVED";
	case KVM_MP_STATE_HALTED:
		return "HALTED (waiting for an interrupt)";
	case KVM_MP_STATE_SIPI_RECEIVED:
		return "SIPI_RECEIVED";
	default:
		return "other";
	}
}

void x86_vcpu_dump(int fd, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;

	if (ioctl(fd, KVM_GET_REGS, &r) == 0) {
		fprintf(out, "  rip=%016llx rsp=%016llx rflags=%016llx\n", r.rip, r.rsp, r.rflags);
		fprintf(out, "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", r.rax, r.rbx,
			r.rcx, r.rdx);
		fprintf(out, "  rsi=%016llx rdi=%016llx rbp=%016llx\n", r.rsi, r.rdi, r.rbp);
		fprintf(out, "  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n", r.r8, r.r9,
			r.r10, r.r11);
		fprintf(out, "  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n", r.r12, r.r13,
			r.r14, r.r15);
	} else {
		fprintf(out, "  (KVM_GET_REGS failed)\n");
	}
	if (ioctl(fd, KVM_GET_SREGS, &s) == 0) {
		fprintf(out, "  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
			s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
		dump_segment(out, "cs", &s.cs);
		dump_segment(out, "ds", &s.ds);
		dump_segment(out, "ss", &s.ss);
		dump_segment(out, "tr", &s.tr);
		fprintf(out, "  gdt=%016llx/%x idt=%016llx/%x\n", (unsigned long long)s.gdt.base,
			s.gdt.limit, (unsigned long long)s.idt.base, s.idt.limit);
	} else {
		fprintf(out, "  (KVM_GET_SREGS failed)\n");
	}
	if (ioctl(fd, KVM_GET_MP_STATE, &mp) == 0)
		fprintf(out, "  mp_state=%s\n", mp_state_name(mp.mp_state));
	if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		fprintf(out, "  events: interrupt injected=%u nr=%u shadow=%u; nmi injected=%u "
			"pending=%u masked=%u; exception injected=%u nr=%u\n",
			ev.interrupt.injected, ev.interrupt.nr, ev.interrupt.shadow,
			ev.nmi.injected, ev.nmi.pending, ev.nmi.masked, ev.exception.injected,
			ev.exception.nr);
}
