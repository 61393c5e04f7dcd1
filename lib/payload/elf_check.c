/* elf_check.c - see elf_check.h. */
#include "elf_check.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_AARCH64:
		return "arm64";
	case EM_RISCV:
		return "riscv";
	default:
		return NULL;
	}
}

int elf_check_x86_64_so(const uint8_t *data, size_t len, struct error *e)
{
	Elf64_Ehdr eh;
	const char *m;

	if (len < 4 || memcmp(data, ELFMAG, SELFMAG))
		return error_set(e, -ENOEXEC, "not an ELF file");
	if (len < sizeof(eh))
		return error_set(e, -ENOEXEC, "ELF header cut short (%zu bytes)", len);
	memcpy(&eh, data, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return error_set(e, -ENOEXEC, "a 32-bit ELF file, not x86-64");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return error_set(e, -ENOEXEC, "a big-endian ELF file, not x86-64");
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		return error_set(e, -ENOEXEC, "ELF version %u is not 1", eh.e_ident[EI_VERSION]);
	if (eh.e_machine != EM_X86_64) {
		m = machine_name(eh.e_machine);
		if (m)
			return error_set(e, -ENOEXEC, "built for %s, not x86-64", m);
		return error_set(e, -ENOEXEC, "built for ELF machine %u, not x86-64 (%u)",
				 eh.e_machine, EM_X86_64);
	}
	if (eh.e_type != ET_DYN)
		return error_set(e, -ENOEXEC, "%s, not a shared object",
				 eh.e_type == ET_EXEC  ? "an executable"
				 : eh.e_type == ET_REL ? "an object file (.o)"
						       : "an ELF file of another type");
	if (eh.e_ehsize != sizeof(eh))
		return error_set(e, -ENOEXEC, "ELF header size %u is not %zu", eh.e_ehsize,
				 sizeof(eh));
	return 0;
}
