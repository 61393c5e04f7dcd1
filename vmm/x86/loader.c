/*
 * loader.c - put a Linux kernel, its initrd and command line into guest
 * memory and describe the boot to it (boot_params or hvm_start_info).
 *
 * boot_load() works in two phases.  The planning phase parses the image,
 * decides every guest address, checks every size against the kernel's
 * limits and guest RAM, and resolves every destination to a host pointer
 * with gmem_ptr().  Only when all of that has succeeded does the writing
 * phase copy anything, so a failed load leaves guest memory untouched.
 */
#include "boot.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define PAGE_SIZE (4 * KiB)

/* Structures are assembled in host memory and copied as bytes. */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host assumed");

/*
 * struct boot_params ("zero page"), Documentation/arch/x86/boot.rst and
 * zero-page.rst.  Offsets from the start of the page; the setup header sits
 * at the same offsets as in the bzImage file.
 */
#define BP_SIZE 4096
#define BP_ACPI_RSDP_ADDR 0x070	   /* u64 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32, bits 32..63 of ramdisk_image */
#define BP_EXT_RAMDISK_SIZE 0x0c4  /* u32, bits 32..63 of ramdisk_size */
#define BP_EXT_CMD_LINE_PTR 0x0c8  /* u32, bits 32..63 of cmd_line_ptr */
#define BP_E820_ENTRIES 0x1e8	   /* u8 */
#define BP_HDR 0x1f1		   /* start of the setup header */
#define BP_HDR_JUMP_OFFSET 0x201   /* u8: the header ends at 0x202 + this */
#define BP_HDR_MIN_END 0x202
#define BP_TYPE_OF_LOADER 0x210 /* u8 */
#define BP_LOADFLAGS 0x211	/* u8 */
#define BP_CODE32_START 0x214	/* u32 */
#define BP_RAMDISK_IMAGE 0x218	/* u32 */
#define BP_RAMDISK_SIZE 0x21c	/* u32 */
#define BP_HEAP_END_PTR 0x224	/* u16 */
#define BP_CMD_LINE_PTR 0x228	/* u32 */
#define BP_SETUP_DATA 0x250	/* u64 */
#define BP_E820_TABLE 0x2d0	/* struct boot_e820_entry[BP_E820_MAX] */
#define BP_E820_MAX 128

#define LOADER_TYPE_UNDEFINED 0xff
#define CAN_USE_HEAP 0x80
#define HEAP_END 0xfe00
#define LINUX64_ENTRY_OFFSET 0x200 /* 64-bit entry is 0x200 past code32_start */

static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entries are packed");
static_assert(BP_E820_TABLE + BP_E820_MAX * sizeof(struct boot_e820_entry) <= BP_SIZE,
	      "e820 table fits in the zero page");

/* Xen PVH start of day structures (xen/include/public/arch-x86/hvm/start_info.h, v1). */
#define HVM_START_MAGIC 0x336ec578
#define HVM_START_VERSION 1

struct hvm_start_info {
	uint32_t magic;		 /* 0x00 */
	uint32_t version;	 /* 0x04 */
	uint32_t flags;		 /* 0x08 */
	uint32_t nr_modules;	 /* 0x0c */
	uint64_t modlist_paddr;	 /* 0x10 */
	uint64_t cmdline_paddr;	 /* 0x18 */
	uint64_t rsdp_paddr;	 /* 0x20 */
	uint64_t memmap_paddr;	 /* 0x28, version 1 */
	uint32_t memmap_entries; /* 0x30 */
	uint32_t reserved;	 /* 0x34 */
};

struct hvm_modlist_entry {
	uint64_t paddr;		/* 0x00 */
	uint64_t size;		/* 0x08 */
	uint64_t cmdline_paddr; /* 0x10 */
	uint64_t reserved;	/* 0x18 */
};

struct hvm_memmap_table_entry {
	uint64_t addr;	   /* 0x00 */
	uint64_t size;	   /* 0x08 */
	uint32_t type;	   /* 0x10, e820 type numbers */
	uint32_t reserved; /* 0x14 */
};

static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1 size");
static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 0x10, "modlist_paddr");
static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 0x20, "rsdp_paddr");
static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 0x28, "memmap_paddr");
static_assert(offsetof(struct hvm_start_info, memmap_entries) == 0x30, "memmap_entries");
static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");
static_assert(offsetof(struct hvm_memmap_table_entry, type) == 0x10, "memmap type");

/* The PVH page: start_info, then the module list, then the memory map. */
#define PVH_PAGE_SIZE PAGE_SIZE
#define PVH_MODLIST_OFF sizeof(struct hvm_start_info)
#define PVH_MEMMAP_MAX                                                                             \
	((PVH_PAGE_SIZE - PVH_MODLIST_OFF - sizeof(struct hvm_modlist_entry)) /                    \
	 sizeof(struct hvm_memmap_table_entry))

/* Everything boot_load() decides before it writes. */
struct plan {
	bool pvh;
	struct bzimage_info bz;
	struct elf_pvh_info elf;
	uint64_t load;	       /* bzImage: where the protected-mode part is copied */
	uint64_t kernel_start; /* guest range the kernel may use while booting */
	uint64_t kernel_end;
	size_t cmdline_len; /* excluding the NUL */
	uint64_t initrd_gpa;
	struct boot_e820_entry e820[BP_E820_MAX];
	unsigned int nr_e820;
	/* Host pointers for every destination, resolved before any write. */
	uint8_t *kernel_dst; /* bzImage */
	uint8_t *seg_dst[ELF_PVH_MAX_SEGMENTS];
	uint8_t *initrd_dst;
	uint8_t *cmdline_dst;
	uint8_t *info_dst;
};

/* Write @bytes little-endian bytes of @v at @p. */
static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/*
 * Format @bytes as "N.N MiB" into @buf, rounding up (@up) or down, so that a
 * message never shows a need and a supply that look equal.
 */
static const char *fmt_mib(char *buf, size_t n, uint64_t bytes, bool up)
{
	uint64_t whole = bytes / MiB, rem = bytes % MiB;
	uint64_t tenth = (rem * 10 + (up ? MiB - 1 : 0)) / MiB;

	if (tenth == 10) {
		whole++;
		tenth = 0;
	}
	snprintf(buf, n, "%llu.%llu MiB", (unsigned long long)whole, (unsigned long long)tenth);
	return buf;
}

/* "does not fit" error for a kernel needing [start, start + size). */
static int kernel_too_big(const struct guest_mem *m, uint64_t start, uint64_t size, struct error *e)
{
	uint64_t end = size > UINT64_MAX - start ? UINT64_MAX : start + size;
	char need[32], upto[32], have[32];

	return error_set(e, -ENOMEM, "kernel needs %s from %#llx (RAM up to %s); guest has %s",
			 fmt_mib(need, sizeof(need), size, true), (unsigned long long)start,
			 fmt_mib(upto, sizeof(upto), end, true),
			 fmt_mib(have, sizeof(have), gmem_low_end(m), false));
}

/* True when [start, start + size) lies in low RAM (overflow-safe). */
static bool in_low_ram(const struct guest_mem *m, uint64_t start, uint64_t size)
{
	uint64_t low = gmem_low_end(m);

	return start <= low && size <= low - start;
}

/*
 * bzImage: the protected-mode part goes to X86_KERNEL_ADDR, or to
 * pref_address for a kernel that cannot relocate.  Per the boot protocol
 * the kernel then runs from its "runtime start" (the load address raised to
 * pref_address and aligned to kernel_alignment when relocatable) and needs
 * init_size bytes there, so both ranges must be RAM.
 */
static int plan_bzimage(const struct guest_mem *m, struct plan *p, struct error *e)
{
	const struct bzimage_info *bz = &p->bz;
	uint64_t runtime;
	int n;

	p->load = bz->relocatable ? X86_KERNEL_ADDR : bz->pref_address;
	if (p->load < X86_BIOS_END)
		return error_set(e, -EINVAL, "bzImage must be loaded at %#llx, below 1 MiB",
				 (unsigned long long)p->load);
	if (!in_low_ram(m, p->load, bz->payload_len))
		return kernel_too_big(m, p->load, bz->payload_len, e);

	runtime = p->load;
	if (bz->relocatable) {
		uint64_t a = bz->kernel_alignment;

		if (bz->pref_address > runtime)
			runtime = bz->pref_address;
		if (runtime > gmem_low_end(m))
			return kernel_too_big(m, runtime, bz->init_size, e);
		runtime = align_down(runtime + a - 1, a); /* no overflow: runtime < 4 GiB */
	}
	if (!in_low_ram(m, runtime, bz->init_size))
		return kernel_too_big(m, runtime, bz->init_size, e);

	p->kernel_start = p->load;
	p->kernel_end = p->load + bz->payload_len;
	if (runtime + bz->init_size > p->kernel_end)
		p->kernel_end = runtime + bz->init_size;
	p->kernel_dst = gmem_ptr(m, p->load, bz->payload_len);
	p->info_dst = gmem_ptr(m, X86_ZERO_PAGE_ADDR, BP_SIZE);

	n = e820_build(m, p->e820, BP_E820_MAX);
	if (n < 0)
		return error_set(e, n, "memory map does not fit in the zero page");
	p->nr_e820 = (unsigned int)n;
	return 0;
}

/* ELF: every segment at its physical address, in low RAM above 1 MiB. */
static int plan_elf(const struct guest_mem *m, struct plan *p, struct error *e)
{
	const struct elf_pvh_info *elf = &p->elf;
	unsigned int i;
	int n;

	for (i = 0; i < elf->nr_segments; i++) {
		const struct elf_segment *s = &elf->seg[i];

		if (s->paddr < X86_BIOS_END)
			return error_set(e, -EINVAL, "ELF segment at %#llx is below 1 MiB",
					 (unsigned long long)s->paddr);
		if (!in_low_ram(m, s->paddr, s->memsz))
			return kernel_too_big(m, elf->lowest, elf->highest - elf->lowest, e);
		if (s->memsz)
			p->seg_dst[i] = gmem_ptr(m, s->paddr, s->memsz);
	}
	p->kernel_start = elf->lowest;
	p->kernel_end = elf->highest;
	p->info_dst = gmem_ptr(m, X86_PVH_INFO_ADDR, PVH_PAGE_SIZE);

	n = e820_build(m, p->e820, PVH_MEMMAP_MAX);
	if (n < 0)
		return error_set(e, n, "memory map does not fit in the PVH start_info page");
	p->nr_e820 = (unsigned int)n;
	return 0;
}

static int plan_cmdline(const struct guest_mem *m, const char *cmdline, struct plan *p,
			struct error *e)
{
	uint64_t max = X86_CMDLINE_MAX;

	if (!p->pvh && (uint64_t)p->bz.cmdline_size + 1 < max)
		max = (uint64_t)p->bz.cmdline_size + 1;
	p->cmdline_len = strlen(cmdline);
	if (p->cmdline_len + 1 > max)
		return error_set(e, -E2BIG,
				 "command line is %zu bytes; the kernel accepts at most %llu",
				 p->cmdline_len, (unsigned long long)(max - 1));
	p->cmdline_dst = gmem_ptr(m, X86_CMDLINE_ADDR, p->cmdline_len + 1);
	return 0;
}

/*
 * The initrd goes page-aligned as high as possible: below the end of low
 * RAM and the kernel's own limit (initrd_addr_max for a bzImage, 4 GiB for
 * PVH), and above everything the kernel uses.
 */
static int plan_initrd(const struct guest_mem *m, const struct boot_config *cfg, struct plan *p,
		       struct error *e)
{
	uint64_t limit = gmem_low_end(m), floor = p->kernel_end, start;
	uint64_t kmax = p->pvh ? X86_HIGH_RAM_START : (uint64_t)p->bz.initrd_addr_max + 1;
	char need[32], have[32];

	if (cfg->initrd_len == 0)
		return 0;
	if (!cfg->initrd)
		return error_set(e, -EINVAL, "initrd of %zu bytes has no data", cfg->initrd_len);
	if (kmax < limit)
		limit = kmax;
	start = cfg->initrd_len <= limit ? align_down(limit - cfg->initrd_len, PAGE_SIZE) : 0;
	if (cfg->initrd_len > limit || start < floor)
		return error_set(
		    e, -E2BIG,
		    "initrd (%s) does not fit in guest memory: %s free above the kernel "
		    "(%#llx..%#llx)",
		    fmt_mib(need, sizeof(need), cfg->initrd_len, true),
		    fmt_mib(have, sizeof(have), limit > floor ? limit - floor : 0, false),
		    (unsigned long long)floor, (unsigned long long)limit);
	p->initrd_gpa = start;
	p->initrd_dst = gmem_ptr(m, start, cfg->initrd_len);
	return 0;
}

/* Build the zero page in @zp (BP_SIZE bytes). */
static void build_zero_page(uint8_t *zp, const struct boot_config *cfg, const struct plan *p)
{
	size_t hdr_end = BP_HDR_MIN_END + cfg->kernel[BP_HDR_JUMP_OFFSET];
	unsigned int i;

	/* The header's own length, never past the setup code or into the e820 table. */
	if (hdr_end > p->bz.setup_len)
		hdr_end = p->bz.setup_len;
	if (hdr_end > BP_E820_TABLE)
		hdr_end = BP_E820_TABLE;
	memset(zp, 0, BP_SIZE);
	memcpy(zp + BP_HDR, cfg->kernel + BP_HDR, hdr_end - BP_HDR);

	zp[BP_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	zp[BP_LOADFLAGS] |= CAN_USE_HEAP;
	put_le(zp + BP_HEAP_END_PTR, HEAP_END, 2);
	put_le(zp + BP_CODE32_START, p->load, 4);
	put_le(zp + BP_CMD_LINE_PTR, X86_CMDLINE_ADDR, 4);
	put_le(zp + BP_EXT_CMD_LINE_PTR, X86_CMDLINE_ADDR >> 32, 4);
	put_le(zp + BP_RAMDISK_IMAGE, p->initrd_gpa, 4);
	put_le(zp + BP_EXT_RAMDISK_IMAGE, p->initrd_gpa >> 32, 4);
	put_le(zp + BP_RAMDISK_SIZE, cfg->initrd_len, 4);
	put_le(zp + BP_EXT_RAMDISK_SIZE, (uint64_t)cfg->initrd_len >> 32, 4);
	put_le(zp + BP_SETUP_DATA, 0, 8); /* no setup_data chain */
	put_le(zp + BP_ACPI_RSDP_ADDR, cfg->acpi_rsdp_gpa, 8);
	zp[BP_E820_ENTRIES] = (uint8_t)p->nr_e820;
	for (i = 0; i < p->nr_e820; i++)
		memcpy(zp + BP_E820_TABLE + i * sizeof(p->e820[0]), &p->e820[i],
		       sizeof(p->e820[0]));
}

/* Build the PVH page (start_info, module list, memory map) in @pg. */
static void build_pvh_page(uint8_t *pg, const struct boot_config *cfg, const struct plan *p)
{
	struct hvm_start_info si = {
	    .magic = HVM_START_MAGIC,
	    .version = HVM_START_VERSION,
	    .cmdline_paddr = X86_CMDLINE_ADDR,
	    .rsdp_paddr = cfg->acpi_rsdp_gpa,
	    .memmap_entries = p->nr_e820,
	};
	size_t off = PVH_MODLIST_OFF;
	unsigned int i;

	memset(pg, 0, PVH_PAGE_SIZE);
	if (cfg->initrd_len) {
		struct hvm_modlist_entry mod = {.paddr = p->initrd_gpa, .size = cfg->initrd_len};

		si.nr_modules = 1;
		si.modlist_paddr = X86_PVH_INFO_ADDR + off;
		memcpy(pg + off, &mod, sizeof(mod));
		off += sizeof(mod);
	}
	si.memmap_paddr = X86_PVH_INFO_ADDR + off;
	for (i = 0; i < p->nr_e820; i++) {
		struct hvm_memmap_table_entry ent = {
		    .addr = p->e820[i].addr,
		    .size = p->e820[i].size,
		    .type = p->e820[i].type,
		};

		memcpy(pg + off, &ent, sizeof(ent));
		off += sizeof(ent);
	}
	memcpy(pg, &si, sizeof(si));
}

/* Tell the formats apart and parse; -ENOEXEC when it is neither. */
static int parse_kernel(const struct boot_config *cfg, struct plan *p, struct error *e)
{
	int r = bzimage_parse(cfg->kernel, cfg->kernel_len, &p->bz, e);

	if (r != -ENOEXEC)
		return r;
	r = elf_pvh_parse(cfg->kernel, cfg->kernel_len, &p->elf, e);
	if (r == -ENOEXEC)
		return error_set(e, -ENOEXEC,
				 "kernel image is neither a bzImage nor an ELF vmlinux");
	p->pvh = true;
	return r;
}

int boot_load(struct guest_mem *m, const struct boot_config *cfg, struct boot_entry *out,
	      struct error *e)
{
	const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
	struct plan p = {0};
	unsigned int i;
	int r;

	r = parse_kernel(cfg, &p, e);
	if (r < 0)
		return r;
	r = p.pvh ? plan_elf(m, &p, e) : plan_bzimage(m, &p, e);
	if (r < 0)
		return r;
	r = plan_cmdline(m, cmdline, &p, e);
	if (r < 0)
		return r;
	r = plan_initrd(m, cfg, &p, e);
	if (r < 0)
		return r;
	/* The kernel lies in low RAM above 1 MiB, so these hold; check anyway. */
	if (!p.info_dst || !p.cmdline_dst || (!p.pvh && !p.kernel_dst) ||
	    (cfg->initrd_len && !p.initrd_dst))
		return error_set(e, -EFAULT, "boot structures do not fit in guest memory");
	for (i = 0; p.pvh && i < p.elf.nr_segments; i++)
		if (p.elf.seg[i].memsz && !p.seg_dst[i])
			return error_set(e, -EFAULT, "ELF segment %u does not fit in guest memory",
					 i);

	/* Nothing has been written so far; from here on nothing can fail. */
	if (p.pvh) {
		for (i = 0; i < p.elf.nr_segments; i++) {
			const struct elf_segment *s = &p.elf.seg[i];

			if (!s->memsz)
				continue;
			memcpy(p.seg_dst[i], cfg->kernel + s->offset, s->filesz);
			memset(p.seg_dst[i] + s->filesz, 0, s->memsz - s->filesz);
		}
		build_pvh_page(p.info_dst, cfg, &p);
	} else {
		memcpy(p.kernel_dst, cfg->kernel + p.bz.setup_len, p.bz.payload_len);
		build_zero_page(p.info_dst, cfg, &p);
	}
	if (cfg->initrd_len)
		memcpy(p.initrd_dst, cfg->initrd, cfg->initrd_len);
	memcpy(p.cmdline_dst, cmdline, p.cmdline_len + 1);

	*out = (struct boot_entry){
	    .mode = p.pvh ? BOOT_ENTRY_PVH32 : BOOT_ENTRY_LINUX64,
	    .rip = p.pvh ? p.elf.pvh_entry : p.load + LINUX64_ENTRY_OFFSET,
	    .info_gpa = p.pvh ? X86_PVH_INFO_ADDR : X86_ZERO_PAGE_ADDR,
	    .kernel_start = p.kernel_start,
	    .kernel_end = p.kernel_end,
	    .initrd_gpa = p.initrd_gpa,
	    .initrd_size = cfg->initrd_len,
	};
	return 0;
}
