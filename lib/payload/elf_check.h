/*
 * elf_check.h - is this file a payload library for this guest?
 *
 * A microdroid_launcher payload is an ELF shared object for x86-64, which
 * the guest's launcher loads with dlopen().  `vm pack` refuses anything
 * else, so that a wrong file (an arm64 build, an executable, a script) is
 * caught on the host rather than as a dlopen() failure in the VM.
 */
#ifndef MDROID_PAYLOAD_ELF_CHECK_H
#define MDROID_PAYLOAD_ELF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/common/error.h"

/* The bytes elf_check_x86_64_so() looks at: an ELF64 header. */
#define ELF_CHECK_HEADER_SIZE 64

/*
 * Check that @data (@len bytes, at least the file's first 64) starts with
 * an ELF header of a little-endian ELF64 shared object (ET_DYN) for x86-64
 * (EM_X86_64).  Position-independent executables are ET_DYN as well and
 * pass.  Returns 0, or -ENOEXEC with the reason in @e.
 */
int elf_check_x86_64_so(const uint8_t *data, size_t len, struct error *e);

#endif
