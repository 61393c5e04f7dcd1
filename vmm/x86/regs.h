/*
 * regs.h - x86 vCPU state at power-on and at kernel entry.
 */
#ifndef MVM_X86_REGS_H
#define MVM_X86_REGS_H

#include <stdio.h>

#include "../memory.h"
#include "boot.h"

/*
 * Write the boot GDT (X86_GDT_ADDR), the identity page tables for
 * 0..4 GiB (X86_PML4_ADDR..) and a reset stub at the legacy reset vector
 * (X86_RESET_VECTOR_ADDR: pulses the i8042 reset line) into guest memory.
 * Returns 0 or -EFAULT.
 */
int x86_write_boot_tables(struct guest_mem *m, struct error *e);

/*
 * State every vCPU needs before it first runs: MSRs (MTRRs on, fast
 * strings, SYSENTER/SYSCALL zeroed), FPU control words, and the local
 * APIC's LINT0 = ExtINT and LINT1 = NMI.  Returns 0 or -errno.
 */
int x86_vcpu_init(int vcpu_fd, struct error *e);

/*
 * Put the boot vCPU at the kernel entry described by @entry: 64-bit long
 * mode with the boot page tables (BOOT_ENTRY_LINUX64) or flat 32-bit
 * protected mode with paging off (BOOT_ENTRY_PVH32), flat segments from
 * the boot GDT, interrupts off.  Returns 0 or -errno.
 */
int x86_vcpu_set_entry(int vcpu_fd, const struct boot_entry *entry, struct error *e);

/* Print the general, segment and control registers of @vcpu_fd to @out. */
void x86_vcpu_dump(int vcpu_fd, FILE *out);

#endif
