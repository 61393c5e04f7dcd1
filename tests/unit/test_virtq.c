/*
 * test_virtq.c - the split-virtqueue walker (vmm/devices/virtio/queue.c)
 * against well-formed and malformed rings: loops, out-of-range addresses
 * and indexes, wrong directions, bad indirect tables, wrapped indexes, and
 * the notification rules with and without EVENT_IDX.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/devices/virtio/queue.h"

#define RAM_SIZE (1u << 20)
#define QSIZE 8
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define BUF 0x10000

static uint8_t *ram;
static struct guest_mem mem;
static struct virtq q;
static struct virtq_chain chain;

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	gmem_wrap(&mem, ram, RAM_SIZE);
	return virtq_setup(&q, &mem, QSIZE, DESC, AVAIL, USED, false, true);
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(ram + gpa, &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram + gpa, 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static void desc_at(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	uint8_t *d = ram + table + 16u * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

/* Make entry @slot of the available ring name @head and set avail->idx to @idx. */
static void avail(uint16_t slot, uint16_t head, uint16_t idx)
{
	put16(AVAIL + 4 + 2u * (slot % QSIZE), head);
	put16(AVAIL + 2, idx);
}

static void test_setup_checks(void **state)
{
	struct virtq t;

	(void)state;
	assert_int_equal(virtq_setup(&t, &mem, 0, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_int_equal(virtq_setup(&t, &mem, 6, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_non_null(strstr(t.error, "power of two"));
	assert_int_equal(virtq_setup(&t, &mem, 2048, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_int_equal(virtq_setup(&t, &mem, 8, DESC + 8, AVAIL, USED, false, false), -EINVAL);
	assert_non_null(strstr(t.error, "misaligned"));
	assert_int_equal(virtq_setup(&t, &mem, 8, DESC, AVAIL + 1, USED, false, false), -EINVAL);
	assert_int_equal(virtq_setup(&t, &mem, 8, DESC, AVAIL, USED + 2, false, false), -EINVAL);
	/* Rings past the end of memory, or wrapping the address space. */
	assert_int_equal(virtq_setup(&t, &mem, 8, RAM_SIZE - 64, AVAIL, USED, false, false),
			 -EINVAL);
	assert_non_null(strstr(t.error, "outside guest memory"));
	assert_int_equal(virtq_setup(&t, &mem, 8, DESC, AVAIL, UINT64_MAX - 3, false, false),
			 -EINVAL);
	assert_int_equal(virtq_setup(&t, &mem, 8, 0xfffffffffffffff0ULL, AVAIL, USED, false,
				     false),
			 -EINVAL);
	/* A queue that failed set-up does nothing. */
	assert_int_equal(virtq_pop(&t, &chain), -EINVAL);
	assert_false(virtq_has_avail(&t));
	assert_int_equal(virtq_setup(&t, &mem, 1, DESC, AVAIL, USED, false, false), 0);
	assert_int_equal(virtq_setup(&t, &mem, 1024, DESC, 0x5000, 0x6000, false, false), 0);
}

static void test_empty(void **state)
{
	(void)state;
	assert_false(virtq_has_avail(&q));
	assert_int_equal(virtq_pop(&q, &chain), 0);
}

/* A header, a data buffer and a status byte: readable, readable, writable. */
static void test_direct_chain(void **state)
{
	(void)state;
	desc(3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT, 0);
	desc(0, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 3, 1);
	assert_true(virtq_has_avail(&q));
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.head, 3);
	assert_int_equal(chain.nr_rd, 2);
	assert_int_equal(chain.nr_wr, 1);
	assert_int_equal(chain.rd_len, 528);
	assert_int_equal(chain.wr_len, 1);
	assert_ptr_equal(chain.rd[0].iov_base, ram + BUF);
	assert_ptr_equal(chain.rd[1].iov_base, ram + BUF + 0x100);
	assert_ptr_equal(chain.wr[0].iov_base, ram + BUF + 0x400);
	assert_int_equal(virtq_pop(&q, &chain), 0);

	virtq_push(&q, 3, 1);
	assert_int_equal(get16(USED + 2), 1);
	assert_int_equal(get32(USED + 4), 3);
	assert_int_equal(get32(USED + 8), 1);
}

static void expect_broken(const char *what)
{
	assert_int_equal(virtq_pop(&q, &chain), -EINVAL);
	assert_true(q.broken);
	assert_non_null(strstr(q.error, what));
	/* Broken stays broken, and does no more work. */
	assert_int_equal(virtq_pop(&q, &chain), -EINVAL);
	assert_false(virtq_has_avail(&q));
	assert_false(virtq_should_notify(&q));
	virtq_push(&q, 0, 0);
	assert_int_equal(get16(USED + 2), 0);
}

static void test_loop(void **state)
{
	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	avail(0, 0, 1);
	expect_broken("loops");
}

static void test_self_loop(void **state)
{
	(void)state;
	desc(2, BUF, 8, VIRTQ_DESC_F_NEXT, 2);
	avail(0, 2, 1);
	expect_broken("loops");
}

/* The longest legal direct chain uses every descriptor once. */
static void test_full_length_chain(void **state)
{
	uint16_t i;

	(void)state;
	for (i = 0; i < QSIZE; i++)
		desc(i, BUF + 16u * i, 16, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.nr_rd, QSIZE);
}

static void test_next_out_of_range(void **state)
{
	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, QSIZE);
	avail(0, 0, 1);
	expect_broken("past the table");
}

static void test_head_out_of_range(void **state)
{
	(void)state;
	avail(0, 0xffff, 1);
	expect_broken("past the table");
}

static void test_avail_too_far_ahead(void **state)
{
	(void)state;
	desc(0, BUF, 8, 0, 0);
	avail(0, 0, QSIZE + 1);
	expect_broken("entries past");
}

static void test_buffer_outside_memory(void **state)
{
	(void)state;
	desc(0, RAM_SIZE - 4, 8, 0, 0);
	avail(0, 0, 1);
	expect_broken("outside guest memory");
}

static void test_buffer_wraps_address_space(void **state)
{
	(void)state;
	desc(0, UINT64_MAX - 7, 16, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	expect_broken("outside guest memory");
}

static void test_readable_after_writable(void **state)
{
	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 8, 8, 0, 0);
	avail(0, 0, 1);
	expect_broken("readable buffer after a");
}

/* Zero-length descriptors are skipped; a chain of only those has no buffers. */
static void test_zero_length(void **state)
{
	(void)state;
	desc(0, 0, 0, VIRTQ_DESC_F_NEXT, 1);
	desc(1, RAM_SIZE * 16, 0, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.nr_rd + chain.nr_wr, 0);
	assert_int_equal(chain.rd_len + chain.wr_len, 0);
}

static void test_indirect(void **state)
{
	const uint64_t table = 0x8000;

	(void)state;
	desc_at(table, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	desc_at(table, 2, BUF + 16, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc_at(table, 1, BUF + 8192, 1, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE on the descriptor that points at the table is ignored. */
	desc(4, table, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	avail(0, 4, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.head, 4);
	assert_int_equal(chain.nr_rd, 1);
	assert_int_equal(chain.nr_wr, 2);
	assert_int_equal(chain.wr_len, 4097);
}

/* Direct descriptors may come before the indirect one that ends the chain. */
static void test_direct_then_indirect(void **state)
{
	const uint64_t table = 0x8000;

	(void)state;
	desc_at(table, 0, BUF + 64, 8, VIRTQ_DESC_F_WRITE, 0);
	desc(0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.nr_rd, 1);
	assert_int_equal(chain.nr_wr, 1);
}

static void test_indirect_errors(void **state)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		const char *why;
	} bad[] = {
	    {0x8000, 17, VIRTQ_DESC_F_INDIRECT, "multiple"},
	    {0x8000, 0, VIRTQ_DESC_F_INDIRECT, "multiple"},
	    {0x8000, 16 * (VIRTQ_MAX_CHAIN + 1), VIRTQ_DESC_F_INDIRECT, "at most"},
	    {RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, "outside guest memory"},
	    {0x8000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, "has NEXT"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(virtq_setup(&q, &mem, QSIZE, DESC, AVAIL, USED, false, true), 0);
		desc_at(0x8000, 0, BUF, 8, 0, 0);
		desc(0, bad[i].addr, bad[i].len, bad[i].flags, 1);
		avail(0, 0, 1);
		expect_broken(bad[i].why);
	}
}

static void test_indirect_not_negotiated(void **state)
{
	(void)state;
	assert_int_equal(virtq_setup(&q, &mem, QSIZE, DESC, AVAIL, USED, false, false), 0);
	desc_at(0x8000, 0, BUF, 8, 0, 0);
	desc(0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	expect_broken("not negotiated");
}

static void test_nested_indirect(void **state)
{
	(void)state;
	desc_at(0x8000, 0, 0x9000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(0x9000, 0, BUF, 8, 0, 0);
	desc(0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	expect_broken("inside an indirect");
}

static void test_indirect_loop(void **state)
{
	(void)state;
	desc_at(0x8000, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	desc_at(0x8000, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	desc(0, 0x8000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	expect_broken("loops");
}

/* A long indirect table is fine up to VIRTQ_MAX_CHAIN buffers. */
static void test_indirect_long(void **state)
{
	const uint64_t table = 0x20000;
	uint16_t i;

	(void)state;
	for (i = 0; i < VIRTQ_MAX_CHAIN; i++)
		desc_at(table, i, BUF, 1, i + 1 < VIRTQ_MAX_CHAIN ? VIRTQ_DESC_F_NEXT : 0,
			(uint16_t)(i + 1));
	desc(0, table, 16 * VIRTQ_MAX_CHAIN, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(chain.nr_rd, VIRTQ_MAX_CHAIN);
}

/* The 16-bit indexes wrap: avail->idx goes 65535 -> 0 and the queue follows. */
static void test_wrapped_indexes(void **state)
{
	unsigned int round;

	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	q.last_avail = 65534;
	q.used_idx = 65534;
	put16(USED + 2, 65534);
	for (round = 0; round < 4; round++) {
		uint16_t idx = (uint16_t)(65534 + round);

		avail(idx, 0, (uint16_t)(idx + 1));
		assert_int_equal(virtq_pop(&q, &chain), 1);
		virtq_push(&q, 0, 8);
		assert_int_equal(get16(USED + 2), (uint16_t)(idx + 1));
		assert_int_equal(get32(USED + 4 + 8u * (idx % QSIZE)), 0);
	}
	assert_int_equal(q.last_avail, 2);
}

static void test_notify_flags(void **state)
{
	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 8);
	assert_true(virtq_should_notify(&q));
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtq_should_notify(&q));
	/* Turning guest kicks off and on through used->flags. */
	assert_false(virtq_enable_notify(&q, false));
	assert_int_equal(get16(USED), VIRTQ_USED_F_NO_NOTIFY);
	assert_false(virtq_enable_notify(&q, true));
	assert_int_equal(get16(USED), 0);
	avail(1, 0, 2);
	assert_true(virtq_enable_notify(&q, true)); /* work arrived meanwhile */
}

static void test_notify_event_idx(void **state)
{
	const uint64_t used_event = AVAIL + 4 + 2 * QSIZE;
	const uint64_t avail_event = USED + 4 + 8 * QSIZE;
	uint16_t i;

	(void)state;
	assert_int_equal(virtq_setup(&q, &mem, QSIZE, DESC, AVAIL, USED, true, false), 0);
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	/* The first notification is always sent. */
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 8);
	assert_true(virtq_should_notify(&q));
	/* The driver wants an interrupt once used->idx passes 3 (used_event = 3). */
	put16(used_event, 3);
	for (i = 1; i < 5; i++) {
		avail(i, 0, (uint16_t)(i + 1));
		assert_int_equal(virtq_pop(&q, &chain), 1);
		virtq_push(&q, 0, 8);
		/* used idx becomes i + 1: it steps over 3 when it reaches 4 */
		if (i + 1 == 4)
			assert_true(virtq_should_notify(&q));
		else
			assert_false(virtq_should_notify(&q));
	}
	/* NO_INTERRUPT is ignored with EVENT_IDX: used_event 5 asks for one at 5 -> 6. */
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	put16(used_event, 5);
	avail(5, 0, 6);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 8);
	assert_true(virtq_should_notify(&q));
	/* Asking for kicks writes avail_event = next entry to pop. */
	assert_false(virtq_enable_notify(&q, true));
	assert_int_equal(get16(avail_event), 6);
}

static void test_chain_copy(void **state)
{
	uint8_t out[12];
	const uint8_t in[6] = {'a', 'b', 'c', 'd', 'e', 'f'};

	(void)state;
	memcpy(ram + BUF, "0123", 4);
	memcpy(ram + BUF + 0x100, "456789", 6);
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 0x100, 6, VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF + 0x200, 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	desc(3, BUF + 0x300, 3, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	assert_int_equal(virtq_pop(&q, &chain), 1);
	assert_int_equal(virtq_chain_read(&chain, 2, out, sizeof(out)), 8);
	assert_memory_equal(out, "23456789", 8);
	assert_int_equal(virtq_chain_read(&chain, 10, out, 1), 0);
	assert_int_equal(virtq_chain_write(&chain, 1, in, sizeof(in)), 4);
	assert_memory_equal(ram + BUF + 0x201, "a", 1);
	assert_memory_equal(ram + BUF + 0x300, "bcd", 3);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_setup_checks),
	    T(test_empty),
	    T(test_direct_chain),
	    T(test_loop),
	    T(test_self_loop),
	    T(test_full_length_chain),
	    T(test_next_out_of_range),
	    T(test_head_out_of_range),
	    T(test_avail_too_far_ahead),
	    T(test_buffer_outside_memory),
	    T(test_buffer_wraps_address_space),
	    T(test_readable_after_writable),
	    T(test_zero_length),
	    T(test_indirect),
	    T(test_direct_then_indirect),
	    T(test_indirect_errors),
	    T(test_indirect_not_negotiated),
	    T(test_nested_indirect),
	    T(test_indirect_loop),
	    T(test_indirect_long),
	    T(test_wrapped_indexes),
	    T(test_notify_flags),
	    T(test_notify_event_idx),
	    T(test_chain_copy),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
