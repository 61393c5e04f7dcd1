/*
 * fuzz_elf.c - elf_pvh_parse() and boot_load() on arbitrary bytes.
 *
 * The input is the kernel image; the guest (64 MiB), initrd and command
 * line are fixed.  Besides "no crash", the results must be consistent:
 * parsed segments lie in the file, are sorted and disjoint and contain the
 * entry, and a successful load places everything inside guest RAM with
 * the initrd page-aligned above the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vmm/x86/boot.h"
#include "vmm/x86/layout.h"

#define GUEST_SIZE (64ULL << 20)

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static struct guest_mem *guest(void)
{
	static struct guest_mem m;
	static uint8_t *buf;

	if (!buf) {
		buf = calloc(1, GUEST_SIZE);
		check(buf != NULL);
		gmem_wrap(&m, buf, GUEST_SIZE);
	}
	return &m;
}

static void check_parsed(const struct elf_pvh_info *info, size_t size)
{
	bool entry_found = false;

	check(info->nr_segments >= 1 && info->nr_segments <= ELF_PVH_MAX_SEGMENTS);
	check(info->lowest == info->seg[0].paddr);
	for (unsigned int i = 0; i < info->nr_segments; i++) {
		const struct elf_segment *s = &info->seg[i];

		check(s->offset <= size && s->filesz <= size - s->offset);
		check(s->filesz <= s->memsz && s->memsz <= UINT64_MAX - s->paddr);
		check(i == 0 || s->paddr >= info->seg[i - 1].paddr + info->seg[i - 1].memsz);
		check(s->paddr + s->memsz <= info->highest);
		if (info->pvh_entry >= s->paddr && info->pvh_entry - s->paddr < s->filesz)
			entry_found = true;
	}
	check(entry_found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t initrd[5000] = {0x1f, 0x8b};
	struct boot_config cfg = {
	    .kernel = data,
	    .kernel_len = size,
	    .initrd = initrd,
	    .initrd_len = sizeof(initrd),
	    .cmdline = "console=ttyS0 panic=-1",
	    .acpi_rsdp_gpa = X86_ACPI_ADDR,
	};
	struct elf_pvh_info info;
	struct boot_entry be;
	struct error e = {{0}};
	int r;

	r = elf_pvh_parse(data, size, &info, &e);
	if (r == 0) {
		check_parsed(&info, size);
	} else {
		check(r == -ENOEXEC || r == -EINVAL);
		check(e.msg[0] != 0);
	}

	e.msg[0] = 0;
	r = boot_load(guest(), &cfg, &be, &e);
	if (r == 0) {
		check(be.kernel_start >= X86_BIOS_END && be.kernel_start < be.kernel_end);
		check(be.kernel_end <= GUEST_SIZE);
		check(be.initrd_gpa % 4096 == 0 && be.initrd_gpa >= be.kernel_end);
		check(be.initrd_gpa + be.initrd_size <= GUEST_SIZE);
		check(be.initrd_size == sizeof(initrd));
		check(be.rip >= be.kernel_start && be.rip < be.kernel_end);
	} else {
		check(r < 0 && e.msg[0] != 0);
	}
	return 0;
}
