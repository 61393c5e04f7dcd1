/*
 * test_virtio_mmio.c - the virtio-mmio register model and device life
 * cycle (vmm/devices/virtio/mmio.c, worker.c) driven by the fake driver in
 * vdrv.c, with virtio-rng as the device: identification, feature
 * negotiation, queue set-up, activation, interrupts, reset, and a broken
 * driver breaking only its own device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tests/unit/vdrv.h"
#include "vmm/devices/virtio/devices.h"

#define ALL_FEATURES UINT64_MAX
#define F(bit) (1ULL << (bit))

static struct vdrv v;
static struct virtio_device *rng;

static int setup(void **state)
{
	struct error e;

	(void)state;
	vdrv_init(&v);
	if (virtio_rng_create(&rng, &v.mem, vdrv_irq(&v), &e) < 0)
		return -1;
	v.dev = rng;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	virtio_rng_destroy(rng);
	vdrv_free(&v);
	return 0;
}

static void test_identification(void **state)
{
	uint8_t b;

	(void)state;
	assert_int_equal(vdrv_read32(&v, 0x000), 0x74726976);
	assert_int_equal(vdrv_read32(&v, 0x004), 2);
	assert_int_equal(vdrv_read32(&v, 0x008), VIRTIO_ID_RNG);
	assert_int_equal(vdrv_read32(&v, 0x00c), VIRTIO_MMIO_VENDOR);
	/* Registers are read 32 bits at a time; other sizes and offsets read zero. */
	virtio_mmio_ops.read(rng, 0x000, &b, 1);
	assert_int_equal(b, 0);
	assert_int_equal(vdrv_read32(&v, 0x002), 0);
	/* No shared memory regions: length all-ones. */
	assert_int_equal(vdrv_read32(&v, 0x0b0), 0xffffffff);
	/* Unknown registers read as zero. */
	assert_int_equal(vdrv_read32(&v, 0x0f0), 0);
}

static void test_features(void **state)
{
	uint64_t f;

	(void)state;
	vdrv_write32(&v, 0x014, 0);
	f = vdrv_read32(&v, 0x010);
	vdrv_write32(&v, 0x014, 1);
	f |= (uint64_t)vdrv_read32(&v, 0x010) << 32;
	assert_true(f & F(VIRTIO_F_VERSION_1));
	assert_true(f & F(VIRTIO_F_INDIRECT_DESC));
	assert_true(f & F(VIRTIO_F_EVENT_IDX));
	vdrv_write32(&v, 0x014, 2);
	assert_int_equal(vdrv_read32(&v, 0x010), 0);
}

/* FEATURES_OK sticks only for a subset of the offer that includes VERSION_1. */
static void test_features_ok_checked(void **state)
{
	const uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	(void)state;
	vdrv_write32(&v, 0x070, s);
	vdrv_write32(&v, 0x024, 1);
	vdrv_write32(&v, 0x020, 0); /* no VERSION_1: a legacy driver */
	vdrv_write32(&v, 0x070, s | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_FEATURES_OK, 0);

	vdrv_write32(&v, 0x070, 0);
	vdrv_write32(&v, 0x070, s);
	vdrv_write32(&v, 0x024, 1);
	vdrv_write32(&v, 0x020, 1 | 0x80000000); /* VERSION_1 and bit 63, not offered */
	vdrv_write32(&v, 0x070, s | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_FEATURES_OK, 0);

	vdrv_write32(&v, 0x070, 0);
	vdrv_write32(&v, 0x070, s);
	vdrv_write32(&v, 0x024, 1);
	vdrv_write32(&v, 0x020, 1);
	vdrv_write32(&v, 0x070, s | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_FEATURES_OK,
			 VIRTIO_STATUS_FEATURES_OK);
	/* Once FEATURES_OK is set, the features are frozen. */
	vdrv_write32(&v, 0x024, 0);
	vdrv_write32(&v, 0x020, F(VIRTIO_F_EVENT_IDX));
	assert_false(virtio_has_feature(rng, VIRTIO_F_EVENT_IDX));
}

static void test_queue_registers(void **state)
{
	(void)state;
	vdrv_write32(&v, 0x030, 0);
	assert_int_equal(vdrv_read32(&v, 0x034), 256);
	vdrv_write32(&v, 0x038, 512); /* above QueueNumMax: ignored */
	assert_int_equal(vdrv_read32(&v, 0x038), 0);
	vdrv_write32(&v, 0x038, 64);
	assert_int_equal(vdrv_read32(&v, 0x038), 64);
	/* A queue that does not exist. */
	vdrv_write32(&v, 0x030, 1);
	assert_int_equal(vdrv_read32(&v, 0x034), 0);
	vdrv_write32(&v, 0x044, 1);
	assert_int_equal(vdrv_read32(&v, 0x044), 0);
}

/* The whole handshake, then entropy through the queue, with an interrupt. */
static void test_rng_request(void **state)
{
	uint64_t buf;
	struct vdrv_buf b;
	uint32_t id, len, st;
	uint16_t head;
	uint8_t zero[64] = {0};

	(void)state;
	st = vdrv_start(&v, rng, ALL_FEATURES, 0);
	assert_int_equal(st, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	assert_true(rng->active);
	buf = vdrv_alloc(&v, 64, 8);
	b = (struct vdrv_buf){buf, 64, true};
	head = vdrv_add(&v, 0, &b, 1);
	vdrv_kick(&v, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 64);
	assert_memory_not_equal(vdrv_ptr(&v, buf), zero, 64);
	assert_true(v.irqs >= 1);
	assert_int_equal(vdrv_read32(&v, 0x060) & VIRTIO_INT_USED, VIRTIO_INT_USED);
	vdrv_write32(&v, 0x064, VIRTIO_INT_USED);
	assert_int_equal(vdrv_read32(&v, 0x060), 0);
}

/* Buffers queued before DRIVER_OK are served at activation, without a kick. */
static void test_buffers_before_driver_ok(void **state)
{
	uint32_t id, len;
	unsigned int q;

	(void)state;
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_write32(&v, 0x024, 1);
	vdrv_write32(&v, 0x020, 1);
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK);
	q = 0;
	v.q[q].size = 8;
	v.q[q].desc = vdrv_alloc(&v, 16 * 8, 16);
	v.q[q].avail = vdrv_alloc(&v, 6 + 2 * 8, 2);
	v.q[q].used = vdrv_alloc(&v, 6 + 8 * 8, 4);
	vdrv_write32(&v, 0x030, 0);
	vdrv_write32(&v, 0x038, 8);
	vdrv_write32(&v, 0x080, (uint32_t)v.q[q].desc);
	vdrv_write32(&v, 0x090, (uint32_t)v.q[q].avail);
	vdrv_write32(&v, 0x0a0, (uint32_t)v.q[q].used);
	vdrv_write32(&v, 0x044, 1);
	{
		struct vdrv_buf b = {vdrv_alloc(&v, 16, 8), 16, true};

		vdrv_add(&v, 0, &b, 1);
	}
	vdrv_run(&v);
	assert_false(vdrv_used(&v, 0, &id, &len)); /* not active yet */
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	vdrv_run(&v);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(len, 16);
}

static void test_driver_ok_without_features_ok(void **state)
{
	(void)state;
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_DRIVER_OK);
	vdrv_run(&v);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(rng->active);
}

/* A ring outside guest memory breaks the device, not mvm; a reset repairs it. */
static void test_bad_ring_needs_reset(void **state)
{
	(void)state;
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_write32(&v, 0x024, 1);
	vdrv_write32(&v, 0x020, 1);
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	vdrv_write32(&v, 0x030, 0);
	vdrv_write32(&v, 0x038, 8);
	vdrv_write32(&v, 0x080, 0xfffff000);
	vdrv_write32(&v, 0x084, 0xffffffff);
	vdrv_write32(&v, 0x044, 1);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(vdrv_read32(&v, 0x044), 0);
	assert_true(vdrv_read32(&v, 0x060) & VIRTIO_INT_CONFIG);
	/* The driver cannot clear NEEDS_RESET except by a reset. */
	vdrv_write32(&v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	vdrv_write32(&v, 0x070, 0);
	assert_int_equal(vdrv_read32(&v, 0x070), 0);
	assert_int_equal(vdrv_read32(&v, 0x060), 0);
	assert_int_equal(vdrv_start(&v, rng, ALL_FEATURES, 8) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* A looping chain: NEEDS_RESET, one log line, the request is never completed. */
static void test_bad_chain_needs_reset(void **state)
{
	uint8_t *table;
	uint16_t flags = VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, next = 0;
	uint64_t addr;
	uint32_t len = 16, id;

	(void)state;
	vdrv_start(&v, rng, ALL_FEATURES, 8);
	addr = vdrv_alloc(&v, 16, 8);
	table = vdrv_ptr(&v, v.q[0].desc);
	memcpy(table, &addr, 8);
	memcpy(table + 8, &len, 4);
	memcpy(table + 12, &flags, 2);
	memcpy(table + 14, &next, 2); /* descriptor 0 -> 0 */
	{
		uint8_t *avail = vdrv_ptr(&v, v.q[0].avail);
		uint16_t one = 1;

		memcpy(avail + 2, &one, 2);
	}
	vdrv_kick(&v, 0);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(vdrv_used(&v, 0, &id, &len));
	/* Further kicks do nothing. */
	vdrv_kick(&v, 0);
	assert_false(vdrv_used(&v, 0, &id, &len));
}

/* Two devices: one broken driver does not disturb the other. */
static void test_isolation(void **state)
{
	struct vdrv v2;
	struct virtio_device *rng2;
	struct error e;
	struct vdrv_buf b;
	uint32_t id, len;

	(void)state;
	vdrv_init(&v2);
	assert_int_equal(virtio_rng_create(&rng2, &v2.mem, vdrv_irq(&v2), &e), 0);
	vdrv_start(&v, rng, ALL_FEATURES, 8);
	vdrv_start(&v2, rng2, ALL_FEATURES, 8);
	virtio_device_fail(rng, "test");
	b = (struct vdrv_buf){vdrv_alloc(&v2, 32, 8), 32, true};
	vdrv_add(&v2, 0, &b, 1);
	vdrv_kick(&v2, 0);
	assert_true(vdrv_used(&v2, 0, &id, &len));
	assert_int_equal(len, 32);
	assert_int_equal(vdrv_read32(&v2, 0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
	virtio_rng_destroy(rng2);
	vdrv_free(&v2);
}

/* Readable buffers get nothing; a huge writable one gets at most 64 KiB. */
static void test_rng_limits(void **state)
{
	struct vdrv_buf b[2];
	uint32_t id, len;

	(void)state;
	vdrv_start(&v, rng, ALL_FEATURES, 8);
	b[0] = (struct vdrv_buf){vdrv_alloc(&v, 16, 8), 16, false};
	vdrv_add(&v, 0, b, 1);
	b[0] = (struct vdrv_buf){vdrv_alloc(&v, 1 << 20, 8), 1 << 20, true};
	vdrv_add(&v, 0, b, 1);
	b[0] = (struct vdrv_buf){vdrv_alloc(&v, 100, 8), 100, true};
	b[1] = (struct vdrv_buf){vdrv_alloc(&v, 100, 8), 100, true};
	vdrv_add_indirect(&v, 0, b, 2);
	vdrv_kick(&v, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(len, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(len, 64 * 1024);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(len, 200);
}

/* Reset while active: queues and state go, and the device can start again. */
static void test_reset_and_restart(void **state)
{
	struct vdrv_buf b;
	uint32_t id, len;

	(void)state;
	vdrv_start(&v, rng, ALL_FEATURES, 8);
	vdrv_write32(&v, 0x070, 0);
	assert_false(rng->active);
	assert_int_equal(vdrv_read32(&v, 0x044), 0);
	assert_false(virtio_has_feature(rng, VIRTIO_F_VERSION_1));
	/* A stale kick after the reset is harmless. */
	vdrv_kick(&v, 0);
	vdrv_start(&v, rng, ALL_FEATURES, 16);
	b = (struct vdrv_buf){vdrv_alloc(&v, 8, 8), 8, true};
	vdrv_add(&v, 0, &b, 1);
	vdrv_kick(&v, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(len, 8);
}

/*
 * The line follows InterruptStatus: an ACK lowers it only when no bit
 * remains, and a resample (the guest ended a level interrupt) raises it
 * again only while bits are set.
 */
static void test_irq_line(void **state)
{
	struct vdrv_buf b;
	uint32_t id, len, raised, lowered;

	(void)state;
	vdrv_start(&v, rng, ALL_FEATURES, 8); /* its reset lowered the line */
	lowered = v.lowers;
	b = (struct vdrv_buf){vdrv_alloc(&v, 8, 8), 8, true};
	vdrv_add(&v, 0, &b, 1);
	vdrv_kick(&v, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(vdrv_read32(&v, 0x060), VIRTIO_INT_USED);
	raised = v.irqs;
	/* Still pending: a resample raises the line again. */
	virtio_device_resample(rng);
	assert_int_equal(v.irqs, raised + 1);
	/* A config change adds a bit; acknowledging one of two keeps the line up. */
	virtio_config_changed(rng);
	assert_int_equal(vdrv_read32(&v, 0x060), VIRTIO_INT_USED | VIRTIO_INT_CONFIG);
	vdrv_write32(&v, 0x064, VIRTIO_INT_USED);
	assert_int_equal(v.lowers, lowered);
	vdrv_write32(&v, 0x064, VIRTIO_INT_CONFIG);
	assert_int_equal(v.lowers, lowered + 1);
	/* Nothing pending: a resample leaves the line down. */
	raised = v.irqs;
	virtio_device_resample(rng);
	assert_int_equal(v.irqs, raised);
	/* A reset lowers it too. */
	virtio_config_changed(rng);
	vdrv_write32(&v, 0x070, 0);
	assert_int_equal(v.lowers, lowered + 2);
	assert_int_equal(vdrv_read32(&v, 0x060), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_identification),
	    T(test_features),
	    T(test_features_ok_checked),
	    T(test_queue_registers),
	    T(test_rng_request),
	    T(test_buffers_before_driver_ok),
	    T(test_driver_ok_without_features_ok),
	    T(test_bad_ring_needs_reset),
	    T(test_bad_chain_needs_reset),
	    T(test_isolation),
	    T(test_rng_limits),
	    T(test_reset_and_restart),
	    T(test_irq_line),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
