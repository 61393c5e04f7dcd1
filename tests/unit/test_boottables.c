/*
 * test_boottables.c - x86_write_boot_tables(): the boot GDT, the identity
 * page tables and the reset stub that mvm writes into guest memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/x86/layout.h"
#include "vmm/x86/regs.h"

#define MiB (1024ULL * 1024)

static uint8_t ram[2 * MiB];

static uint64_t get_u64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, sizeof(v));
	return v;
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0xcc, sizeof(ram));
	return 0;
}

static void write_tables(void)
{
	struct guest_mem m;
	struct error e = {{0}};

	gmem_wrap(&m, ram, sizeof(ram));
	assert_int_equal(x86_write_boot_tables(&m, &e), 0);
}

/* Selectors 0x10 (64-bit code), 0x18 (data), 0x20 (32-bit code), as the boot protocol wants. */
static void test_gdt(void **state)
{
	(void)state;
	write_tables();
	assert_int_equal(get_u64(X86_GDT_ADDR + 0 * 8), 0);
	assert_int_equal(get_u64(X86_GDT_ADDR + 1 * 8), 0);
	/* limit 0xfffff, base 0; access 0x9b; G and L set, D clear */
	assert_int_equal(get_u64(X86_GDT_ADDR + 2 * 8), 0x00af9b000000ffffULL);
	/* access 0x93; G and D/B set */
	assert_int_equal(get_u64(X86_GDT_ADDR + 3 * 8), 0x00cf93000000ffffULL);
	assert_int_equal(get_u64(X86_GDT_ADDR + 4 * 8), 0x00cf9b000000ffffULL);
}

/* Walk the tables for a few addresses: each maps to itself with a 2 MiB page. */
static void test_identity_map(void **state)
{
	static const uint64_t probes[] = {0, 0x1fffff, 0x200000, 0x7fffffff, 0xc0000000,
					  0xfee00000, 0xffffffff};

	(void)state;
	write_tables();
	assert_int_equal(get_u64(X86_PML4_ADDR) & ~0xfffULL, X86_PDPT_ADDR);
	assert_int_equal(get_u64(X86_PML4_ADDR) & 3, 3); /* present, writable */
	for (unsigned int i = 1; i < 512; i++)
		assert_int_equal(get_u64(X86_PML4_ADDR + i * 8), 0);
	for (unsigned int i = 4; i < 512; i++)
		assert_int_equal(get_u64(X86_PDPT_ADDR + i * 8), 0);
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
		uint64_t va = probes[k];
		uint64_t pdpte = get_u64(X86_PDPT_ADDR + ((va >> 30) & 511) * 8);
		uint64_t pde;

		assert_int_equal(pdpte & 1, 1);
		pde = get_u64((pdpte & ~0xfffULL) + ((va >> 21) & 511) * 8);
		assert_int_equal(pde & 0x83, 0x83); /* present, writable, 2 MiB page */
		assert_int_equal((pde & ~0x1fffffULL) | (va & 0x1fffff), va);
	}
}

/* A real-mode jump to f000:fff0 must find code that pulses the i8042 reset line. */
static void test_reset_stub(void **state)
{
	static const uint8_t want[] = {0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd};

	(void)state;
	write_tables();
	assert_int_equal((0xf000 << 4) + 0xfff0, X86_RESET_VECTOR_ADDR);
	assert_memory_equal(ram + X86_RESET_VECTOR_ADDR, want, sizeof(want));
	/* The jmp goes back to the hlt, never past the stub or past 1 MiB. */
	assert_int_equal(X86_RESET_VECTOR_ADDR + 7 + (int8_t)want[6], X86_RESET_VECTOR_ADDR + 4);
}

/* Less memory than the tables need: an error, not a write out of range. */
static void test_too_small(void **state)
{
	static uint8_t small[64 * 1024];
	struct guest_mem m;
	struct error e = {{0}};

	(void)state;
	gmem_wrap(&m, small, sizeof(small));
	assert_int_equal(x86_write_boot_tables(&m, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "too small"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_gdt, setup),
	    cmocka_unit_test_setup(test_identity_map, setup),
	    cmocka_unit_test_setup(test_reset_stub, setup),
	    cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
