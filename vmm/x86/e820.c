/*
 * e820.c - the guest's memory map, as given to the kernel in boot_params
 * (bzImage) or as the hvm_start_info memory map (PVH).
 *
 *   [0, X86_EBDA_START)                 RAM
 *   [X86_EBDA_START, X86_ACPI_ADDR)     reserved (EBDA, VGA hole, option ROMs)
 *   [X86_ACPI_ADDR, +X86_ACPI_MAX)      ACPI tables
 *   [X86_ACPI_ADDR + X86_ACPI_MAX, 1M)  reserved (BIOS)
 *   [1 MiB, end of low RAM)             RAM
 *   [4 GiB, 4 GiB + high RAM)           RAM, when the guest has any
 *
 * The MMIO hole below 4 GiB is simply absent from the map.
 */
#include "boot.h"

#include <errno.h>
#include <string.h>

#include "layout.h"

/* Fixed legacy entries plus one per RAM region. */
#define E820_MAX_BUILT (4 + GMEM_MAX_REGIONS)

static void add(struct boot_e820_entry *map, unsigned int *n, uint64_t start, uint64_t end,
		uint32_t type)
{
	map[(*n)++] = (struct boot_e820_entry){.addr = start, .size = end - start, .type = type};
}

int e820_build(const struct guest_mem *m, struct boot_e820_entry *out, unsigned int max)
{
	struct boot_e820_entry map[E820_MAX_BUILT];
	uint64_t low = gmem_low_end(m);
	unsigned int i, n = 0;

	if (low)
		add(map, &n, 0, low < X86_EBDA_START ? low : X86_EBDA_START, E820_RAM);
	add(map, &n, X86_EBDA_START, X86_ACPI_ADDR, E820_RESERVED);
	add(map, &n, X86_ACPI_ADDR, X86_ACPI_ADDR + X86_ACPI_MAX, E820_ACPI);
	add(map, &n, X86_ACPI_ADDR + X86_ACPI_MAX, X86_BIOS_END, E820_RESERVED);
	if (low > X86_BIOS_END)
		add(map, &n, X86_BIOS_END, low, E820_RAM);
	for (i = 0; i < m->nr_regions; i++)
		if (m->region[i].gpa >= X86_HIGH_RAM_START && m->region[i].size)
			add(map, &n, m->region[i].gpa, m->region[i].gpa + m->region[i].size,
			    E820_RAM);

	if (n > max)
		return -ENOSPC;
	memcpy(out, map, n * sizeof(map[0]));
	return (int)n;
}
