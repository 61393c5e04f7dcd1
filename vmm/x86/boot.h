/*
 * boot.h - loading an x86-64 Linux kernel into guest memory.
 *
 * Two image formats are accepted, told apart by their magic:
 *   - bzImage, Linux boot protocol 2.10 or later with a 64-bit entry
 *     (XLF_KERNEL_64).  The protected-mode part is copied to
 *     X86_KERNEL_ADDR (or its preferred, aligned address when that is
 *     where it must go), a zero page (struct boot_params) is built at
 *     X86_ZERO_PAGE_ADDR and the vCPU enters at load address + 0x200 in
 *     64-bit mode with RSI = zero page.
 *   - ELF64 vmlinux with a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY,
 *     type 18).  PT_LOAD segments are copied to their physical addresses,
 *     an hvm_start_info (version 1, with memory map) is built at
 *     X86_PVH_INFO_ADDR and the vCPU enters at the note's address in
 *     32-bit protected mode with EBX = start_info.
 *
 * In both cases the command line is copied to X86_CMDLINE_ADDR and the
 * initrd (if any) is placed page-aligned at the highest address that fits
 * in low RAM under the kernel's initrd limit and above the kernel.
 *
 * All guest writes go through gmem_ptr()/gmem_write().  The image bytes are
 * untrusted: every offset and size read from them is bounds- and
 * overflow-checked, and a malformed image gives -EINVAL (or -ENOEXEC for
 * "not a kernel at all", -E2BIG / -ENOMEM for "does not fit") with a reason
 * in @e that names the problem.
 */
#ifndef MVM_X86_BOOT_H
#define MVM_X86_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../memory.h"
#include "../../lib/common/error.h"

enum boot_entry_mode {
	BOOT_ENTRY_LINUX64, /* 64-bit mode, paging on, RSI = zero page */
	BOOT_ENTRY_PVH32,   /* 32-bit protected mode, paging off, EBX = start_info */
};

/* What the vCPU setup needs to start the kernel. */
struct boot_entry {
	enum boot_entry_mode mode;
	uint64_t rip;         /* guest-physical address of the first instruction */
	uint64_t info_gpa;    /* zero page (LINUX64) or hvm_start_info (PVH32) */
	uint64_t kernel_start; /* guest range the kernel occupies, for reporting */
	uint64_t kernel_end;
	uint64_t initrd_gpa;  /* 0 when there is no initrd */
	uint64_t initrd_size;
};

struct boot_config {
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd; /* NULL when none */
	size_t initrd_len;
	const char *cmdline;   /* NUL-terminated, may be "" */
	uint64_t acpi_rsdp_gpa; /* passed to the kernel; 0 for none */
};

/* Parsed, validated bzImage setup header (fields the loader uses). */
struct bzimage_info {
	uint16_t version;        /* boot protocol, e.g. 0x020f */
	uint8_t setup_sects;     /* 512-byte sectors of real-mode setup after the boot sector */
	size_t setup_len;        /* (setup_sects + 1) * 512: offset of the protected-mode part */
	size_t payload_len;      /* bytes of protected-mode code (image length - setup_len) */
	uint16_t xloadflags;
	uint8_t loadflags;
	bool relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;      /* bytes the kernel needs from its load address */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;   /* longest command line, excluding the NUL */
};

/*
 * Parse and validate the setup header of a bzImage.  Returns 0, -ENOEXEC if
 * @img is not a bzImage at all (no "HdrS" magic or 0xAA55 signature), or
 * -EINVAL for a bzImage this loader cannot boot (protocol < 2.10, no 64-bit
 * entry, truncated, inconsistent sizes), with a reason in @e.
 */
int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *out, struct error *e);

#define ELF_PVH_MAX_SEGMENTS 16

struct elf_segment {
	uint64_t paddr;
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t memsz;
};

struct elf_pvh_info {
	uint32_t pvh_entry; /* from XEN_ELFNOTE_PHYS32_ENTRY */
	unsigned int nr_segments;
	struct elf_segment seg[ELF_PVH_MAX_SEGMENTS];
	uint64_t lowest;  /* lowest paddr of any PT_LOAD */
	uint64_t highest; /* end (paddr + memsz) of the highest PT_LOAD */
};

/*
 * Parse an ELF64 x86-64 executable and find its PVH entry note.  Returns 0,
 * -ENOEXEC if @img is not ELF, or -EINVAL for an ELF that cannot be booted
 * (wrong class/machine, segments outside the file, overlapping or
 * overflowing ranges, more than ELF_PVH_MAX_SEGMENTS PT_LOADs, no PVH
 * note), with a reason in @e.
 */
int elf_pvh_parse(const uint8_t *img, size_t len, struct elf_pvh_info *out, struct error *e);

/* One e820 entry as the boot protocol lays it out (20 bytes, packed). */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

/*
 * Fill @out with the memory map of @m (RAM below X86_EBDA_START, reserved
 * up to 1 MiB with the ACPI area inside it, RAM from 1 MiB to the end of low
 * RAM, RAM above 4 GiB if any).  Returns the number of entries, or -ENOSPC
 * if @max is too small.
 */
int e820_build(const struct guest_mem *m, struct boot_e820_entry *out, unsigned int max);

/*
 * Load the kernel (and initrd, command line) described by @cfg into @m and
 * fill @out.  Checks that everything fits: a kernel, initrd or command line
 * too large for guest memory or for the kernel's own limits fails with a
 * reason that gives the sizes.  Nothing is written to guest memory before
 * validation succeeds.
 */
int boot_load(struct guest_mem *m, const struct boot_config *cfg, struct boot_entry *out,
	      struct error *e);

#endif
