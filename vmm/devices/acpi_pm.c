/* acpi_pm.c - ACPI sleep control: guest poweroff; see acpi_pm.h. */
#include "acpi_pm.h"

#include <string.h>

#include "../x86/acpi.h"
#include "../x86/layout.h"

static void acpi_pm_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	(void)opaque;
	(void)off;
	memset(data, 0, size);
}

static void acpi_pm_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct acpi_pm *pm = opaque;
	uint8_t v = data[0];

	(void)size;
	if (off != 0) /* the status register: write-1-to-clear, nothing to clear */
		return;
	if ((v & ACPI_SLEEP_CTL_SLP_EN) && ACPI_SLEEP_CTL_SLP_TYP(v) == X86_ACPI_S5_SLP_TYP &&
	    pm->exit.request_exit)
		pm->exit.request_exit(pm->exit.opaque, MVM_EXIT_POWEROFF, "guest powered off (ACPI S5)");
}

const struct iobus_ops acpi_pm_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
};

void acpi_pm_init(struct acpi_pm *pm, struct vm_exit_notifier exit)
{
	pm->exit = exit;
}
