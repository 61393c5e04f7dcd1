/*
 * mmio.c - the virtio-mmio register block (virtio 1.x, 4.2.2, version 2)
 * and the device state it drives; see virtio.h.
 */
#include "virtio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Register offsets. */
enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = VIRTIO_MMIO_QUEUE_NOTIFY,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_SHM_LEN_LOW = 0x0b0,
	REG_SHM_LEN_HIGH = 0x0b4,
	REG_SHM_BASE_LOW = 0x0b8,
	REG_SHM_BASE_HIGH = 0x0bc,
	REG_CONFIG_GENERATION = 0x0fc,
};

#define BIT64(n) (1ULL << (n))

/* What the transport itself offers besides the device's features. */
#define TRANSPORT_FEATURES \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_INDIRECT_DESC) | BIT64(VIRTIO_F_EVENT_IDX))

static uint64_t offered_features(const struct virtio_device *d)
{
	return d->ops->features | TRANSPORT_FEATURES;
}

bool virtio_has_feature(const struct virtio_device *d, unsigned int bit)
{
	return bit < 64 && (d->driver_features & BIT64(bit));
}

static void raise_irq(struct virtio_device *d, unsigned int bits)
{
	pthread_mutex_lock(&d->irq_lock);
	atomic_fetch_or(&d->interrupt_status, bits);
	if (d->irq.raise)
		d->irq.raise(d->irq.opaque);
	pthread_mutex_unlock(&d->irq_lock);
}

/* The driver acknowledged @bits: lower the line when none remain. */
static void ack_irq(struct virtio_device *d, uint32_t bits)
{
	pthread_mutex_lock(&d->irq_lock);
	if (!(atomic_fetch_and(&d->interrupt_status, ~bits) & ~bits) && d->irq.lower)
		d->irq.lower(d->irq.opaque);
	pthread_mutex_unlock(&d->irq_lock);
}

void virtio_device_resample(struct virtio_device *d)
{
	pthread_mutex_lock(&d->irq_lock);
	if (atomic_load(&d->interrupt_status) && d->irq.raise)
		d->irq.raise(d->irq.opaque);
	pthread_mutex_unlock(&d->irq_lock);
}

void virtio_queue_notify_guest(struct virtio_device *d, unsigned int q)
{
	if (q < d->ops->nr_queues && !d->failed && virtq_should_notify(&d->vq[q]))
		raise_irq(d, VIRTIO_INT_USED);
}

void virtio_config_changed(struct virtio_device *d)
{
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(d, VIRTIO_INT_CONFIG);
}

void virtio_device_fail(struct virtio_device *d, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (d->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	d->failed = true;
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	fprintf(stderr, "mvm: %s: %s; the device needs a reset\n", d->ops->name, why);
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(d, VIRTIO_INT_CONFIG);
}

/* Device reset (status 0): back to the state after init.  Lock held. */
static void device_reset(struct virtio_device *d)
{
	unsigned int q;

	d->active = false;
	d->activate_pending = false;
	d->failed = false;
	d->status = 0;
	d->device_features_sel = d->driver_features_sel = 0;
	d->driver_features = 0;
	d->queue_sel = 0;
	ack_irq(d, ~0u);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		memset(&d->qreg[q], 0, sizeof(d->qreg[q]));
		virtq_reset(&d->vq[q]);
	}
	if (d->ops->reset)
		d->ops->reset(d);
}

/* The driver wants FEATURES_OK: accept only a subset of what we offered, with VERSION_1. */
static bool features_acceptable(const struct virtio_device *d)
{
	return !(d->driver_features & ~offered_features(d)) &&
	       (d->driver_features & BIT64(VIRTIO_F_VERSION_1));
}

static void queue_set_ready(struct virtio_device *d, unsigned int q, bool ready)
{
	if (!ready) {
		d->qreg[q].ready = false;
		virtq_reset(&d->vq[q]);
		return;
	}
	if (d->qreg[q].ready)
		return;
	if (virtq_setup(&d->vq[q], d->mem, d->qreg[q].num, d->qreg[q].desc, d->qreg[q].driver,
			d->qreg[q].device, virtio_has_feature(d, VIRTIO_F_EVENT_IDX),
			virtio_has_feature(d, VIRTIO_F_INDIRECT_DESC)) < 0) {
		virtio_device_fail(d, "queue %u: %s", q, d->vq[q].error);
		return;
	}
	d->qreg[q].ready = true;
}

void virtio_device_activate_pending(struct virtio_device *d)
{
	unsigned int q;
	int err;

	if (!d->activate_pending)
		return;
	d->activate_pending = false;
	if (d->failed || d->active || !(d->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	if (d->ops->activate) {
		err = d->ops->activate(d);
		if (err < 0) {
			virtio_device_fail(d, "cannot start: %s", strerror(-err));
			return;
		}
	}
	d->active = true;
	/* Buffers may already wait in the queues: have the worker look. */
	for (q = 0; q < d->ops->nr_queues; q++)
		if (d->qreg[q].ready)
			virtio_kick_worker(d, q);
}

static void write_status(struct virtio_device *d, uint32_t v)
{
	uint32_t old = d->status;

	if (v == 0) {
		device_reset(d);
		return;
	}
	v &= 0xff;
	/* The driver cannot clear bits (only a reset does) nor set NEEDS_RESET. */
	v = (v | old) & ~VIRTIO_STATUS_NEEDS_RESET;
	v |= old & VIRTIO_STATUS_NEEDS_RESET;
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_acceptable(d))
		v &= ~VIRTIO_STATUS_FEATURES_OK; /* the driver reads it back and gives up */
	d->status = v;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		uint64_t one = 1;

		if (!(v & VIRTIO_STATUS_FEATURES_OK)) {
			virtio_device_fail(d, "DRIVER_OK without FEATURES_OK");
		} else {
			/* Activation opens backends: the worker does it, not the vCPU. */
			d->activate_pending = true;
			if (write(d->wake_fd, &one, sizeof(one)) < 0) {
				/* EAGAIN: a wake-up is already pending. */
			}
		}
	}
}

static uint32_t read_reg(struct virtio_device *d, uint64_t off)
{
	const struct virtio_device_ops *ops = d->ops;
	uint32_t q = d->queue_sel;

	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return 2;
	case REG_DEVICE_ID:
		return ops->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		if (d->device_features_sel > 1)
			return 0;
		return (uint32_t)(offered_features(d) >> (32 * d->device_features_sel));
	case REG_QUEUE_NUM_MAX:
		return q < ops->nr_queues ? ops->queue_max : 0;
	case REG_QUEUE_NUM:
		return q < ops->nr_queues ? d->qreg[q].num : 0;
	case REG_QUEUE_READY:
		return q < ops->nr_queues && d->qreg[q].ready;
	case REG_INTERRUPT_STATUS:
		return atomic_load(&d->interrupt_status);
	case REG_STATUS:
		return d->status;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
		return 0xffffffff; /* no shared memory regions */
	case REG_CONFIG_GENERATION:
		return d->config_generation;
	default:
		return 0;
	}
}

/* Set the low or high half of a 64-bit queue address, if the queue can change. */
static void set_half(uint64_t *addr, uint32_t v, bool high)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | v;
}

static void write_reg(struct virtio_device *d, uint64_t off, uint32_t v)
{
	uint32_t q = d->queue_sel;
	bool queue_ok = q < d->ops->nr_queues && !d->qreg[q].ready;

	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		d->device_features_sel = v;
		break;
	case REG_DRIVER_FEATURES:
		if (d->status & VIRTIO_STATUS_FEATURES_OK || d->driver_features_sel > 1)
			break;
		set_half(&d->driver_features, v, d->driver_features_sel == 1);
		break;
	case REG_DRIVER_FEATURES_SEL:
		d->driver_features_sel = v;
		break;
	case REG_QUEUE_SEL:
		d->queue_sel = v;
		break;
	case REG_QUEUE_NUM:
		if (queue_ok && v <= d->ops->queue_max)
			d->qreg[q].num = (uint16_t)v;
		break;
	case REG_QUEUE_READY:
		if (q < d->ops->nr_queues && !d->failed)
			queue_set_ready(d, q, v & 1);
		break;
	case REG_INTERRUPT_ACK:
		ack_irq(d, v);
		break;
	case REG_STATUS:
		write_status(d, v);
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		if (queue_ok)
			set_half(&d->qreg[q].desc, v, off == REG_QUEUE_DESC_HIGH);
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		if (queue_ok)
			set_half(&d->qreg[q].driver, v, off == REG_QUEUE_DRIVER_HIGH);
		break;
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		if (queue_ok)
			set_half(&d->qreg[q].device, v, off == REG_QUEUE_DEVICE_HIGH);
		break;
	default:
		break; /* read-only or unknown: ignored */
	}
}

static void virtio_mmio_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	struct virtio_device *d = opaque;
	uint32_t v;

	memset(data, 0, size);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t coff = off - VIRTIO_MMIO_CONFIG;

		pthread_mutex_lock(&d->lock);
		if (d->ops->config_read && coff + size <= d->ops->config_len)
			d->ops->config_read(d, (uint32_t)coff, data, size);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	/* Registers are 32 bits wide and read whole. */
	if (size != 4 || (off & 3))
		return;
	if (off == REG_INTERRUPT_STATUS) {
		v = atomic_load(&d->interrupt_status); /* hot path: no lock */
	} else {
		pthread_mutex_lock(&d->lock);
		v = read_reg(d, off);
		pthread_mutex_unlock(&d->lock);
	}
	memcpy(data, &v, 4);
}

static void virtio_mmio_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct virtio_device *d = opaque;
	uint32_t v;

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t coff = off - VIRTIO_MMIO_CONFIG;

		pthread_mutex_lock(&d->lock);
		if (d->ops->config_write && coff + size <= d->ops->config_len)
			d->ops->config_write(d, (uint32_t)coff, data, size);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	if (size != 4 || (off & 3))
		return;
	memcpy(&v, data, 4);
	if (off == REG_QUEUE_NOTIFY) {
		/* Without KVM_IOEVENTFD the kick arrives here. */
		if (v < d->ops->nr_queues)
			virtio_kick_worker(d, v);
		return;
	}
	if (off == REG_INTERRUPT_ACK) {
		ack_irq(d, v); /* hot path: the irq lock only */
		return;
	}
	pthread_mutex_lock(&d->lock);
	write_reg(d, off, v);
	pthread_mutex_unlock(&d->lock);
}

const struct iobus_ops virtio_mmio_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
};

void virtio_device_dump(const struct virtio_device *d, FILE *out)
{
	unsigned int q;

	fprintf(out, "mvm: %s: status %#x%s%s, interrupt status %#x, features %#llx\n",
		d->ops->name, d->status, d->active ? " active" : "", d->failed ? " failed" : "",
		atomic_load(&d->interrupt_status), (unsigned long long)d->driver_features);
	for (q = 0; q < d->ops->nr_queues; q++) {
		struct virtq_state st;

		if (!d->qreg[q].ready)
			continue;
		virtq_state(&d->vq[q], &st);
		fprintf(out,
			"  queue %u: size %u, avail %u (flags %#x), popped %u, used %u (flags %#x), "
			"used_event %u, avail_event %u, last signalled %u%s%s\n",
			q, d->vq[q].size, st.avail_idx, st.avail_flags, d->vq[q].last_avail,
			st.used_idx, st.used_flags, st.used_event, st.avail_event, d->vq[q].signalled,
			d->vq[q].event_idx ? " (event idx)" : "", d->vq[q].broken ? " BROKEN" : "");
	}
}
