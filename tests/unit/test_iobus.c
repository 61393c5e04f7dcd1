/* Unit tests for port/MMIO dispatch (vmm/iobus.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/iobus.h"

struct rec {
	uint64_t off;
	unsigned int size;
	uint8_t last[8];
	int reads, writes;
};

static void rec_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	struct rec *r = opaque;

	r->off = off;
	r->size = size;
	r->reads++;
	memset(data, 0xab, size);
}

static void rec_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct rec *r = opaque;

	r->off = off;
	r->size = size;
	r->writes++;
	memcpy(r->last, data, size);
}

static const struct iobus_ops rec_ops = {rec_read, rec_write};

static void test_register(void **state)
{
	struct iobus bus = {0};
	struct rec r = {0};
	unsigned int i;

	(void)state;
	assert_int_equal(iobus_register(&bus, 0x3f8, 8, &rec_ops, &r), 0);
	assert_int_equal(iobus_register(&bus, 0x3f8, 1, &rec_ops, &r), -EEXIST);
	assert_int_equal(iobus_register(&bus, 0x3f0, 9, &rec_ops, &r), -EEXIST);
	assert_int_equal(iobus_register(&bus, 0x3ff, 2, &rec_ops, &r), -EEXIST);
	assert_int_equal(iobus_register(&bus, 0x400, 0, &rec_ops, &r), -EINVAL);
	assert_int_equal(iobus_register(&bus, UINT64_MAX, 2, &rec_ops, &r), -EINVAL);
	assert_int_equal(iobus_register(&bus, 0x3f0, 8, &rec_ops, &r), 0);
	for (i = bus.nr; i < IOBUS_MAX_RANGES; i++)
		assert_int_equal(iobus_register(&bus, 0x1000 + i * 16, 16, &rec_ops, &r), 0);
	assert_int_equal(iobus_register(&bus, 0x9000, 1, &rec_ops, &r), -ENOSPC);
}

static void test_dispatch(void **state)
{
	struct iobus bus = {0};
	struct rec r = {0};
	uint8_t d[8] = {0x11, 0x22, 0x33, 0x44};

	(void)state;
	assert_int_equal(iobus_register(&bus, 0xd0000000, 0x1000, &rec_ops, &r), 0);
	assert_true(iobus_access(&bus, 0xd0000010, d, 4, true));
	assert_int_equal(r.writes, 1);
	assert_int_equal(r.off, 0x10);
	assert_int_equal(r.size, 4);
	assert_memory_equal(r.last, d, 4);
	assert_true(iobus_access(&bus, 0xd0000ffc, d, 4, false));
	assert_int_equal(r.reads, 1);
	assert_int_equal(d[0], 0xab);
	/* Straddling the end, before the start, or unclaimed: all-ones, not dispatched. */
	assert_false(iobus_access(&bus, 0xd0000ffe, d, 4, false));
	assert_int_equal(d[0], 0xff);
	assert_int_equal(d[3], 0xff);
	assert_false(iobus_access(&bus, 0xcffffffc, d, 8, false));
	assert_false(iobus_access(&bus, 0x1234, d, 2, true));
	assert_int_equal(r.reads, 1);
	assert_int_equal(r.writes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
