/*
 * acpi.h - the ACPI tables mvm gives its guests.
 *
 * The machine is "hardware-reduced" ACPI (ACPI 6.x): no SCI, no PM timer,
 * no legacy fixed hardware.  The tables are
 *   RSDP (rev 2) -> XSDT -> FADT (rev 6, HW_REDUCED_ACPI) -> DSDT
 *                        -> MADT (one Local APIC per vCPU, the IOAPIC,
 *                                 ISA IRQ0 -> GSI 2 override)
 * The DSDT names COM1 and each virtio-mmio device ("LNRO0005" with its
 * register window and interrupt), which is how Linux finds them.
 * The FADT's sleep control and status registers are the one-byte I/O ports
 * X86_ACPI_SLEEP_CTL_PORT / X86_ACPI_SLEEP_STS_PORT; the DSDT defines
 * \_S5 = Package { X86_ACPI_S5_SLP_TYP, 0 }, so a guest "poweroff" writes
 * (SLP_TYP << 2) | SLP_EN (bit 5) to the control port, which mvm turns into
 * a clean exit.  IAPC_BOOT_ARCH says: no VGA, no CMOS RTC, no 8042 to probe
 * (the i8042 model is there for the reset line only).
 *
 * Everything lives in [X86_ACPI_ADDR, X86_ACPI_ADDR + X86_ACPI_MAX), RSDP
 * first, each table with a correct checksum.
 */
#ifndef MVM_X86_ACPI_H
#define MVM_X86_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "../memory.h"
#include "../../lib/common/error.h"

/* Most vCPUs a VM may have (bounded by the one-byte xAPIC ID in the MADT). */
#define ACPI_MAX_CPUS 254

/* Most virtio-mmio devices the DSDT can describe. */
#define ACPI_MAX_MMIO_DEVICES 16

/* A virtio-mmio device as the DSDT describes it. */
struct acpi_mmio_device {
	uint64_t base; /* below 4 GiB */
	uint32_t size;
	uint32_t gsi;  /* active high */
	bool level;    /* level-triggered, else edge-triggered */
};

/*
 * Write the tables for @nr_cpus vCPUs and @nr_virtio virtio-mmio devices
 * into guest memory at X86_ACPI_ADDR.  Stores the RSDP's guest-physical
 * address in *rsdp_gpa.  Returns 0, or -EINVAL (bad @nr_cpus, too many or
 * misplaced devices) / -EFAULT (memory too small) with a reason in @e.
 */
int acpi_build(struct guest_mem *m, unsigned int nr_cpus, const struct acpi_mmio_device *virtio,
	       unsigned int nr_virtio, uint64_t *rsdp_gpa, struct error *e);

/* SLP_EN bit in the hardware-reduced sleep control register. */
#define ACPI_SLEEP_CTL_SLP_EN 0x20
#define ACPI_SLEEP_CTL_SLP_TYP(v) (((v) >> 2) & 0x7)

#endif
