/* test_payload_formats.c - the payload library check and the instance disk header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "erofs_img.h"
#include "lib/payload/elf_check.h"
#include "lib/payload/instance.h"

static void expect_elf(const uint8_t *h, size_t len, int want, const char *msg)
{
	struct error e = {{0}};

	assert_int_equal(elf_check_x86_64_so(h, len, &e), want);
	if (msg)
		assert_non_null(strstr(e.msg, msg));
}

static void test_elf(void **state)
{
	uint8_t h[64];

	(void)state;
	eimg_elf_header(h, ET_DYN, EM_X86_64);
	expect_elf(h, sizeof(h), 0, NULL);
	expect_elf(h, 63, -ENOEXEC, "cut short");
	expect_elf(h, 3, -ENOEXEC, "not an ELF file");
	expect_elf((const uint8_t *)"#!/bin/sh\n", 10, -ENOEXEC, "not an ELF file");
	eimg_elf_header(h, ET_EXEC, EM_X86_64);
	expect_elf(h, sizeof(h), -ENOEXEC, "an executable, not a shared object");
	eimg_elf_header(h, ET_REL, EM_X86_64);
	expect_elf(h, sizeof(h), -ENOEXEC, "object file");
	eimg_elf_header(h, ET_DYN, EM_AARCH64);
	expect_elf(h, sizeof(h), -ENOEXEC, "built for arm64, not x86-64");
	eimg_elf_header(h, ET_DYN, 9999);
	expect_elf(h, sizeof(h), -ENOEXEC, "ELF machine 9999");
	eimg_elf_header(h, ET_DYN, EM_X86_64);
	h[EI_CLASS] = ELFCLASS32;
	expect_elf(h, sizeof(h), -ENOEXEC, "32-bit");
	h[EI_CLASS] = ELFCLASS64;
	h[EI_DATA] = ELFDATA2MSB;
	expect_elf(h, sizeof(h), -ENOEXEC, "big-endian");
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = 2;
	expect_elf(h, sizeof(h), -ENOEXEC, "ELF version");
	h[EI_VERSION] = EV_CURRENT;
	h[52] = 32; /* e_ehsize */
	expect_elf(h, sizeof(h), -ENOEXEC, "header size 32");
}

static void test_instance(void **state)
{
	uint8_t h[INSTANCE_HEADER_SIZE];
	struct error e = {{0}};
	unsigned int version = 0;

	(void)state;
	instance_header_encode(h);
	assert_memory_equal(h, "Android-VM-instance\x01\x00", 21);
	for (size_t i = 21; i < sizeof(h); i++)
		assert_int_equal(h[i], 0);
	assert_int_equal(instance_header_check(h, sizeof(h), &version, &e), 0);
	assert_int_equal(version, 1);
	assert_int_equal(instance_header_check(h, 100, &version, &e), -EINVAL);
	h[19] = 2;
	assert_int_equal(instance_header_check(h, sizeof(h), &version, &e), -EPROTONOSUPPORT);
	assert_non_null(strstr(e.msg, "version 2"));
	h[19] = 0;
	assert_int_equal(instance_header_check(h, sizeof(h), &version, &e), -EPROTONOSUPPORT);
	h[0] = 'a';
	assert_int_equal(instance_header_check(h, sizeof(h), &version, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not an instance disk"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf),
	    cmocka_unit_test(test_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
