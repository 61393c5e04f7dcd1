/*
 * layout.h - the x86 guest-physical memory map that mvm builds.
 *
 *   0x0000_0000  real-mode IVT and BIOS data area (left zero)
 *   0x0000_0500  boot GDT                         X86_GDT_ADDR
 *   0x0000_6000  PVH hvm_start_info + memmap      X86_PVH_INFO_ADDR
 *   0x0000_7000  Linux boot_params ("zero page")  X86_ZERO_PAGE_ADDR
 *   0x0000_9000  PML4, then PDPT, then 4 PDs      X86_PML4_ADDR
 *                (identity map of 0..4 GiB with 2 MiB pages)
 *   0x0002_0000  kernel command line              X86_CMDLINE_ADDR (up to 64 KiB)
 *   0x0009_fc00  reserved: EBDA, VGA hole, BIOS   X86_EBDA_START .. 1 MiB
 *   0x000e_0000  ACPI tables (RSDP first)         X86_ACPI_ADDR
 *   0x000f_fff0  reset stub (i8042 reset pulse)   X86_RESET_VECTOR_ADDR
 *   0x0010_0000  kernel (bzImage protected-mode part, or ELF segments at
 *                their physical addresses); initrd at the top of low RAM
 *   0xc000_0000  MMIO hole up to 4 GiB: virtio-mmio, IOAPIC, LAPIC
 *   0x1_0000_0000 RAM beyond what fits below the hole
 *
 * The e820 map marks [0, X86_EBDA_START) and [1 MiB, end of low RAM) usable,
 * the ACPI area as ACPI-reclaimable... (see e820.c) and the rest reserved.
 */
#ifndef MVM_X86_LAYOUT_H
#define MVM_X86_LAYOUT_H

#define X86_GDT_ADDR 0x500ULL
#define X86_PVH_INFO_ADDR 0x6000ULL
#define X86_ZERO_PAGE_ADDR 0x7000ULL
#define X86_PML4_ADDR 0x9000ULL
#define X86_PDPT_ADDR 0xa000ULL
#define X86_PD_ADDR 0xb000ULL /* four pages: 0xb000..0xefff */
#define X86_CMDLINE_ADDR 0x20000ULL
#define X86_CMDLINE_MAX 0x10000ULL /* bytes including the NUL */
#define X86_EBDA_START 0x9fc00ULL
#define X86_ACPI_ADDR 0xe0000ULL
#define X86_ACPI_MAX 0x10000ULL /* 0xe0000 .. 0xeffff */
#define X86_BIOS_END 0x100000ULL
/* Where a real-mode jump to f000:fff0 (the legacy reset vector) lands. */
#define X86_RESET_VECTOR_ADDR 0xffff0ULL
#define X86_KERNEL_ADDR 0x100000ULL

#define X86_MMIO_HOLE_START 0xc0000000ULL
#define X86_HIGH_RAM_START 0x100000000ULL

/* MMIO devices and interrupt controllers inside the hole. */
#define X86_VIRTIO_MMIO_BASE 0xd0000000ULL
#define X86_VIRTIO_MMIO_SIZE 0x1000ULL
#define X86_IOAPIC_ADDR 0xfec00000ULL
#define X86_LAPIC_ADDR 0xfee00000ULL

/* KVM's private pages for VMX real-mode emulation, just below the BIOS. */
#define X86_KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define X86_KVM_TSS_ADDR 0xfeffd000ULL

/* Legacy I/O ports and ISA interrupts. */
#define X86_COM1_PORT 0x3f8
#define X86_COM1_IRQ 4
#define X86_I8042_DATA_PORT 0x60
#define X86_I8042_CMD_PORT 0x64
/* ACPI hardware-reduced sleep control/status registers (one byte each). */
#define X86_ACPI_SLEEP_CTL_PORT 0x3c0
#define X86_ACPI_SLEEP_STS_PORT 0x3c1
/* SLP_TYP value we advertise for S5 in the DSDT's \_S5 package. */
#define X86_ACPI_S5_SLP_TYP 5

#endif
