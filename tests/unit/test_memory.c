/* Unit tests for the checked guest-memory accessor (vmm/memory.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/memory.h"
#include "vmm/x86/layout.h"

static uint8_t buf[64 * 1024];

static void test_ptr_bounds(void **state)
{
	struct guest_mem m;

	(void)state;
	gmem_wrap(&m, buf, sizeof(buf));
	assert_int_equal(m.nr_regions, 1);
	assert_ptr_equal(gmem_ptr(&m, 0, sizeof(buf)), buf);
	assert_ptr_equal(gmem_ptr(&m, 100, 10), buf + 100);
	assert_ptr_equal(gmem_ptr(&m, sizeof(buf) - 1, 1), buf + sizeof(buf) - 1);
	assert_ptr_equal(gmem_ptr(&m, sizeof(buf) - 1, 0), buf + sizeof(buf) - 1);
	assert_null(gmem_ptr(&m, sizeof(buf), 0));
	assert_null(gmem_ptr(&m, sizeof(buf) - 1, 2));
	assert_null(gmem_ptr(&m, 0, sizeof(buf) + 1));
	/* Sums that overflow 64 bits must not wrap into range. */
	assert_null(gmem_ptr(&m, 16, UINT64_MAX));
	assert_null(gmem_ptr(&m, UINT64_MAX, 2));
	assert_null(gmem_ptr(&m, UINT64_MAX - 4, 8));
}

static void test_read_write(void **state)
{
	struct guest_mem m;
	uint8_t v[4] = {1, 2, 3, 4}, out[4];

	(void)state;
	memset(buf, 0, sizeof(buf));
	gmem_wrap(&m, buf, sizeof(buf));
	assert_int_equal(gmem_write(&m, 8, v, 4), 0);
	assert_int_equal(gmem_read(&m, 8, out, 4), 0);
	assert_memory_equal(out, v, 4);
	assert_int_equal(gmem_write(&m, sizeof(buf) - 2, v, 4), -EFAULT);
	assert_int_equal(buf[sizeof(buf) - 2], 0); /* nothing written on failure */
	assert_int_equal(gmem_read(&m, sizeof(buf), out, 1), -EFAULT);
}

static void test_layout_split(void **state)
{
	struct guest_mem m;
	uint64_t size = X86_MMIO_HOLE_START + (1ULL << 30);

	(void)state;
	/* The host pointers are never dereferenced here: only the layout is checked. */
	gmem_wrap(&m, (uint8_t *)0x10000, size);
	assert_int_equal(m.nr_regions, 2);
	assert_int_equal(m.region[0].gpa, 0);
	assert_int_equal(m.region[0].size, X86_MMIO_HOLE_START);
	assert_int_equal(m.region[1].gpa, X86_HIGH_RAM_START);
	assert_int_equal(m.region[1].size, 1ULL << 30);
	assert_int_equal(gmem_low_end(&m), X86_MMIO_HOLE_START);
	/* The hole itself is not memory, and no range may straddle it. */
	assert_null(gmem_ptr(&m, X86_MMIO_HOLE_START, 1));
	assert_null(gmem_ptr(&m, X86_MMIO_HOLE_START - 4, 8));
	assert_non_null(gmem_ptr(&m, X86_HIGH_RAM_START, 4096));
	assert_null(gmem_ptr(&m, X86_HIGH_RAM_START + (1ULL << 30) - 4, 8));
}

static void test_alloc(void **state)
{
	struct guest_mem m;
	struct error e;
	uint8_t *p;

	(void)state;
	assert_int_equal(gmem_alloc(&m, 1000, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "multiple of 4 KiB"));
	assert_int_equal(gmem_alloc(&m, 0, &e), -EINVAL);
	assert_int_equal(gmem_alloc(&m, 16 << 20, &e), 0);
	p = gmem_ptr(&m, (16 << 20) - 1, 1);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	*p = 7;
	gmem_free(&m);
	assert_int_equal(m.nr_regions, 0);
	assert_null(gmem_ptr(&m, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_bounds),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_layout_split),
		cmocka_unit_test(test_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
