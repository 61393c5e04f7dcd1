/*
 * rng.c - virtio-rng (virtio 1.x, 5.4): one request queue; each chain's
 * writable buffers are filled from getrandom(2).
 */
#include "devices.h"

#include "../../sandbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* At most this much entropy per request, so one request cannot hog the worker. */
#define RNG_MAX_PER_REQUEST (64 * 1024)

struct virtio_rng {
	struct virtio_device dev;
	struct virtq_chain chain;
};

/* Fill the writable buffers of @c; return the number of bytes written. */
static uint32_t rng_fill(const struct virtq_chain *c)
{
	size_t done = 0;
	unsigned int k;

	for (k = 0; k < c->nr_wr && done < RNG_MAX_PER_REQUEST; k++) {
		uint8_t *p = c->wr[k].iov_base;
		size_t left = c->wr[k].iov_len;

		if (left > RNG_MAX_PER_REQUEST - done)
			left = RNG_MAX_PER_REQUEST - done;
		while (left) {
			ssize_t n = getrandom(p, left, 0);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return (uint32_t)done;
			}
			p += n;
			left -= (size_t)n;
			done += (size_t)n;
		}
	}
	return (uint32_t)done;
}

static void rng_queue_notify(struct virtio_device *d, unsigned int q)
{
	struct virtio_rng *r = d->priv;
	struct virtq *vq = &d->vq[q];
	int got;

	do {
		while ((got = virtq_pop(vq, &r->chain)) > 0)
			virtq_push(vq, r->chain.head, rng_fill(&r->chain));
		if (got < 0) {
			virtio_device_fail(d, "request queue: %s", vq->error);
			return;
		}
	} while (virtq_enable_notify(vq, true));
	virtio_queue_notify_guest(d, q);
}

static const struct virtio_device_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_max = 256,
	.sandbox = SANDBOX_DEVICE_BASIC,
	.queue_notify = rng_queue_notify,
};

int virtio_rng_create(struct virtio_device **out, const struct guest_mem *mem,
		      struct virtio_irq irq, struct error *e)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return error_set(e, -ENOMEM, "virtio-rng: out of memory");
	err = virtio_device_init(&r->dev, &rng_ops, r, mem, irq);
	if (err) {
		virtio_device_destroy(&r->dev);
		free(r);
		return error_set(e, err, "virtio-rng: %s", strerror(-err));
	}
	*out = &r->dev;
	return 0;
}

void virtio_rng_destroy(struct virtio_device *d)
{
	if (!d)
		return;
	virtio_device_destroy(d);
	free(d->priv);
}
