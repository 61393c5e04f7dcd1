/*
 * fuzz_bzimage.c - bzimage_parse() and boot_load() on arbitrary bytes.
 *
 * The input is the kernel image; the guest (64 MiB), initrd and command
 * line are fixed.  Besides "no crash", the results must be consistent:
 * a parsed header describes the input, and a successful load places
 * everything inside guest RAM with the initrd page-aligned above the kernel.
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
	struct bzimage_info bi;
	struct boot_entry be;
	struct error e = {{0}};
	int r;

	r = bzimage_parse(data, size, &bi, &e);
	if (r == 0) {
		check(bi.setup_len >= 2 * 512 && bi.setup_len % 512 == 0);
		check(bi.setup_len == (size_t)((bi.setup_sects ? bi.setup_sects : 4) + 1) * 512);
		check(bi.payload_len > 0x200 && bi.setup_len + bi.payload_len == size);
		check(bi.version >= 0x020a && (bi.xloadflags & 1) && (bi.loadflags & 1));
		check(bi.init_size > 0);
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
