/*
 * acpi_pm.h - the ACPI hardware-reduced sleep registers: guest poweroff.
 *
 * The FADT points the guest at two one-byte I/O registers (see
 * x86/acpi.h): sleep control and sleep status.  Writing SLP_EN with the
 * SLP_TYP of \_S5 to the control register powers the VM off
 * (MVM_EXIT_POWEROFF).  Other sleep states are not offered, so other
 * SLP_TYP values are ignored.  The status register reads 0 (never
 * "woken").
 */
#ifndef MVM_DEVICES_ACPI_PM_H
#define MVM_DEVICES_ACPI_PM_H

#include "../exitcode.h"
#include "../iobus.h"

struct acpi_pm {
	struct vm_exit_notifier exit;
};

/* Register at X86_ACPI_SLEEP_CTL_PORT, length 2 (control, then status). */
extern const struct iobus_ops acpi_pm_ops;

void acpi_pm_init(struct acpi_pm *pm, struct vm_exit_notifier exit);

#endif
