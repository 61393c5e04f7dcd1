/*
 * fuzz_virtq.c - the split-virtqueue walker on arbitrary ring contents.
 *
 * Input: byte 0 flags (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC), byte 1 the
 * log2 of the queue size (taken mod 11), then up to 64 KiB of guest
 * memory (zero-padded).  The rings sit at fixed addresses in that memory:
 * descriptors at 0, the available ring at 0x4000, the used ring at
 * 0x6000; descriptors may point anywhere, inside memory or not.
 *
 * The walker pops, copies and pushes chains until it runs dry or the ring
 * breaks.  Checked: every buffer lies inside guest memory, the counts and
 * lengths add up, at most VIRTQ_MAX_CHAIN buffers, readable before
 * writable, a broken queue stays broken, and everything ends (a malformed
 * ring must not make the walker loop).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/devices/virtio/queue.h"

#define MEM 0x10000

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_iov(const uint8_t *ram, const struct iovec *iov, unsigned int n, uint64_t total)
{
	uint64_t sum = 0;
	unsigned int k;

	for (k = 0; k < n; k++) {
		const uint8_t *p = iov[k].iov_base;

		check(iov[k].iov_len > 0);
		check(p >= ram && p + iov[k].iov_len <= ram + MEM && p + iov[k].iov_len > p);
		sum += iov[k].iov_len;
	}
	check(sum == total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct virtq_chain *c;
	struct guest_mem mem;
	struct virtq q;
	uint8_t scratch[256];
	unsigned int rounds;
	uint16_t qsize;
	int r;

	if (size < 2)
		return 0;
	if (!ram) {
		ram = malloc(MEM);
		c = malloc(sizeof(*c));
		check(ram && c);
	}
	memset(ram, 0, MEM);
	memcpy(ram, data + 2, size - 2 < MEM ? size - 2 : MEM);
	gmem_wrap(&mem, ram, MEM);
	qsize = (uint16_t)(1u << (data[1] % 11));
	check(virtq_setup(&q, &mem, qsize, 0, 0x4000, 0x6000, data[0] & 1, data[0] & 2) == 0);

	for (rounds = 0; rounds < 4 * 65536u; rounds++) {
		r = virtq_pop(&q, c);
		if (r <= 0) {
			check(r == 0 || (r < 0 && q.broken && q.error[0]));
			if (r < 0) {
				check(virtq_pop(&q, c) < 0);
				check(!virtq_has_avail(&q));
			}
			break;
		}
		check(c->head < qsize);
		check(c->nr_rd + c->nr_wr <= VIRTQ_MAX_CHAIN);
		check_iov(ram, c->rd, c->nr_rd, c->rd_len);
		check_iov(ram, c->wr, c->nr_wr, c->wr_len);
		check(virtq_chain_read(c, c->rd_len / 2, scratch, sizeof(scratch)) <=
		      sizeof(scratch));
		check(virtq_chain_write(c, 1, scratch, sizeof(scratch)) <= sizeof(scratch));
		virtq_push(&q, c->head, (uint32_t)c->wr_len);
		(void)virtq_should_notify(&q);
		(void)virtq_enable_notify(&q, rounds & 1);
	}
	/* The available index can move by at most the queue size per round of
	 * 65536, so the loop must have ended by itself long before this. */
	check(rounds < 4 * 65536u);
	return 0;
}
