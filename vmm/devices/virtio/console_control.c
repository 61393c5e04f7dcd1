/*
 * console_control.c - the virtio-console multiport control protocol
 * (virtio 1.x, 5.3.6.2) as Linux's driver runs it:
 *   driver: DEVICE_READY(1)      device: PORT_ADD for each port
 *   driver: PORT_READY(id, 1)    device: CONSOLE_PORT(0, 1) for port 0,
 *                                        PORT_NAME(id) + name for named ports,
 *                                        PORT_OPEN(id, 1): the host side is there
 *   driver: PORT_OPEN(id, 0|1)   the guest closed or opened the port
 * Each message the device sends takes one control receiveq buffer; until
 * the driver adds some, messages wait in a bounded ring.  A message from
 * the driver shorter than its header is a driver bug (the device then
 * needs a reset); unknown events and ports are ignored.
 */
#include "console_device.h"

#include <stdio.h>
#include <string.h>

void console_ctrl_reset(struct virtio_console *con)
{
	con->ctrl_head = con->ctrl_count = 0;
	con->ctrl_overflow_logged = false;
}

/* Queue a message for the driver. */
static void console_ctrl_send(struct virtio_console *con, uint32_t id, uint16_t event,
			      uint16_t value, const char *name)
{
	unsigned int slot;

	if (con->ctrl_count == CONSOLE_CTRL_PENDING_MAX) {
		/* Only a driver that repeats itself without reading gets here. */
		if (!con->ctrl_overflow_logged)
			fprintf(stderr,
				"mvm: %s: the driver takes no control messages; "
				"dropping new ones\n",
				con->ops.name);
		con->ctrl_overflow_logged = true;
		return;
	}
	slot = (con->ctrl_head + con->ctrl_count) % CONSOLE_CTRL_PENDING_MAX;
	con->ctrl[slot] = (struct console_ctrl_msg){id, event, value, name};
	con->ctrl_count++;
}

/* Lay out @m as it travels: little-endian header, then the name without its NUL. */
static size_t console_ctrl_encode(const struct console_ctrl_msg *m, uint8_t *buf)
{
	size_t len = CONSOLE_CTRL_HDR_LEN;
	unsigned int k;

	for (k = 0; k < 4; k++)
		buf[k] = (uint8_t)(m->id >> (8 * k));
	buf[4] = (uint8_t)m->event;
	buf[5] = (uint8_t)(m->event >> 8);
	buf[6] = (uint8_t)m->value;
	buf[7] = (uint8_t)(m->value >> 8);
	if (m->name) {
		size_t n = strlen(m->name);

		memcpy(buf + len, m->name, n);
		len += n;
	}
	return len;
}

void console_ctrl_rx(struct virtio_console *con)
{
	struct virtio_device *d = &con->dev;
	struct virtq *vq = &d->vq[CONSOLE_QUEUE_CTRL_RX];
	uint8_t buf[CONSOLE_CTRL_HDR_LEN + CONSOLE_NAME_MAX];
	bool pushed = false;
	int got;

	if (!con->multiport || !console_queue_live(con, CONSOLE_QUEUE_CTRL_RX))
		return;
	while (con->ctrl_count) {
		size_t len, n;

		got = virtq_pop(vq, &con->chain);
		if (got < 0) {
			virtio_device_fail(d, "control receiveq: %s", vq->error);
			return;
		}
		if (got == 0) {
			if (virtq_enable_notify(vq, true))
				continue;
			break;
		}
		len = console_ctrl_encode(&con->ctrl[con->ctrl_head], buf);
		/* A buffer too small for the message gets what fits. */
		n = virtq_chain_write(&con->chain, 0, buf, len);
		virtq_push(vq, con->chain.head, (uint32_t)n);
		con->ctrl_head = (con->ctrl_head + 1) % CONSOLE_CTRL_PENDING_MAX;
		con->ctrl_count--;
		pushed = true;
	}
	if (pushed)
		virtio_queue_notify_guest(d, CONSOLE_QUEUE_CTRL_RX);
}

/* The driver's message @event about port @id. */
static void console_ctrl_handle(struct virtio_console *con, uint32_t id, uint16_t event,
				uint16_t value)
{
	struct console_port *p = id < VIRTIO_CONSOLE_MAX_PORTS ? &con->port[id] : NULL;
	unsigned int i;

	switch (event) {
	case CONSOLE_DEVICE_READY:
		/* Value 0: the driver could not set up; nothing to do. */
		for (i = 0; value == 1 && i < con->max_nr_ports; i++)
			if (con->port[i].configured)
				console_ctrl_send(con, i, CONSOLE_PORT_ADD, 1, NULL);
		break;
	case CONSOLE_PORT_READY:
		if (!p || !p->configured || value != 1)
			break;
		if (id == 0)
			console_ctrl_send(con, id, CONSOLE_CONSOLE_PORT, 1, NULL);
		if (p->name)
			console_ctrl_send(con, id, CONSOLE_PORT_NAME, 1, p->name);
		console_ctrl_send(con, id, CONSOLE_PORT_OPEN, 1, NULL);
		break;
	case CONSOLE_PORT_OPEN:
		if (p && p->configured)
			p->guest_open = value != 0;
		break;
	default:
		break;
	}
}

void console_ctrl_tx(struct virtio_console *con)
{
	struct virtio_device *d = &con->dev;
	struct virtq *vq = &d->vq[CONSOLE_QUEUE_CTRL_TX];
	uint8_t hdr[CONSOLE_CTRL_HDR_LEN];
	bool pushed = false;
	int got;

	if (!console_queue_live(con, CONSOLE_QUEUE_CTRL_TX))
		return;
	do {
		while ((got = virtq_pop(vq, &con->chain)) > 0) {
			uint32_t id;
			uint16_t event, value;

			if (con->chain.rd_len < CONSOLE_CTRL_HDR_LEN) {
				virtio_device_fail(d,
						   "control message of %llu bytes, shorter than "
						   "its %u-byte header",
						   (unsigned long long)con->chain.rd_len,
						   CONSOLE_CTRL_HDR_LEN);
				return;
			}
			virtq_chain_read(&con->chain, 0, hdr, sizeof(hdr));
			virtq_push(vq, con->chain.head, 0);
			pushed = true;
			id = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
			     (uint32_t)hdr[3] << 24;
			event = (uint16_t)(hdr[4] | hdr[5] << 8);
			value = (uint16_t)(hdr[6] | hdr[7] << 8);
			console_ctrl_handle(con, id, event, value);
		}
		if (got < 0) {
			virtio_device_fail(d, "control transmitq: %s", vq->error);
			return;
		}
	} while (virtq_enable_notify(vq, true));
	if (pushed)
		virtio_queue_notify_guest(d, CONSOLE_QUEUE_CTRL_TX);
}
