/*
 * fuzz_vsock_conn.c - the virtio-vsock connection state machine
 * (vmm/devices/virtio/vsock_conn.c) fed arbitrary guest packets mixed
 * with host-side events.
 *
 * Input: byte 0 picks how the connection starts (bit 0: host-initiated
 * CONNECT, else a guest REQUEST), then records of 16 bytes:
 *   byte 0        event, taken mod 8:
 *                   0-2  a guest packet: op = byte 1, type = byte 2 % 3,
 *                        flags = byte 3, len = bytes 4-7, buf_alloc =
 *                        bytes 8-11, fwd_cnt = bytes 12-15 (little-endian);
 *                        byte 2 bit 7 puts the packet on another CID
 *                   3    the device sends min(bytes 4-7, credit) bytes to
 *                        the guest
 *                   4    the socket takes min(bytes 4-7, held) bytes
 *                   5    socket EOF (byte 1 bit 0) or socket failure (bit 1)
 *                   6    send the next owed control packet
 *                   7    apply the owed socket shutdowns
 * Checked after every record: what we hold never exceeds buf_alloc, we
 * never send beyond the guest's credit, no data flows unless
 * established, each socket shutdown is handed out once, a closed
 * connection owes nothing but one RST, and nothing follows the RST.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmm/devices/virtio/vsock.h"

#define CID 3
#define HPORT 0x40000001U
#define GPORT 1024

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_invariants(const struct vsock_conn *c)
{
	check(vsock_conn_buffered(c) <= c->buf_alloc);
	check(vsock_conn_credit(c) <= c->peer_buf_alloc);
	if (!vsock_conn_can_send(c))
		check(vsock_conn_credit(c) == 0);
	if (c->state == VSOCK_CONN_CLOSED)
		check((c->pending & ~VSOCK_PEND_RST) == 0);
	if (c->state != VSOCK_CONN_CONNECTING)
		check(!(c->pending & VSOCK_PEND_REQUEST));
	check(!(c->pending & ~(VSOCK_PEND_REQUEST | VSOCK_PEND_RESPONSE | VSOCK_PEND_CREDIT |
			       VSOCK_PEND_SHUTDOWN | VSOCK_PEND_RST)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsock_conn c;
	struct vsock_hdr h;
	unsigned int shut_given = 0;
	bool rst_sent = false, host_initiated;
	size_t pos;

	if (size < 1)
		return 0;
	host_initiated = data[0] & 1;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	if (host_initiated) {
		vsock_conn_connect(&c);
	} else {
		h = (struct vsock_hdr){.src_cid = CID,
				       .dst_cid = VSOCK_HOST_CID,
				       .src_port = GPORT,
				       .dst_port = HPORT,
				       .type = VSOCK_TYPE_STREAM,
				       .op = VSOCK_OP_REQUEST,
				       .buf_alloc = 65536};
		vsock_conn_accept(&c, &h);
	}
	check_invariants(&c);

	for (pos = 1; pos + 16 <= size; pos += 16) {
		const uint8_t *r = data + pos;
		uint32_t n = get32(r + 4), before;
		enum vsock_conn_state was = c.state;
		unsigned int act, shut;

		switch (r[0] % 8) {
		case 0:
		case 1:
		case 2:
			h = (struct vsock_hdr){
			    .src_cid = (r[2] & 0x80) ? CID + 1 : CID,
			    .dst_cid = VSOCK_HOST_CID,
			    .src_port = GPORT,
			    .dst_port = HPORT,
			    .len = n,
			    .type = (uint16_t)((r[2] & 0x7f) % 3),
			    .op = r[1],
			    .flags = r[3],
			    .buf_alloc = get32(r + 8),
			    .fwd_cnt = get32(r + 12),
			};
			/* The device checks the header first, with the payload it has. */
			if (vsock_hdr_check(&h, CID, VSOCK_MAX_PAYLOAD) != VSOCK_HDR_OK)
				break;
			before = vsock_conn_buffered(&c);
			act = vsock_conn_recv(&c, &h);
			if (act & VSOCK_ACT_DATA) {
				check(was == VSOCK_CONN_ESTABLISHED && h.op == VSOCK_OP_RW);
				check(h.len > 0 && h.len <= VSOCK_MAX_PAYLOAD);
				check(vsock_conn_buffered(&c) == before + h.len);
			} else {
				check(vsock_conn_buffered(&c) == before);
			}
			if (act & VSOCK_ACT_CONNECTED)
				check(was == VSOCK_CONN_CONNECTING &&
				      c.state == VSOCK_CONN_ESTABLISHED);
			if (rst_sent || was == VSOCK_CONN_CLOSED)
				check(c.state == VSOCK_CONN_CLOSED && act == 0);
			break;
		case 3: {
			uint32_t credit = vsock_conn_credit(&c);

			if (n > credit)
				n = credit;
			check(n == 0 || vsock_conn_can_send(&c));
			vsock_conn_sent(&c, n);
			/* In flight stays within what the guest allowed. */
			check(c.tx_cnt - c.peer_fwd_cnt <= c.peer_buf_alloc || n == 0);
			break;
		}
		case 4:
			if (n > vsock_conn_buffered(&c))
				n = vsock_conn_buffered(&c);
			vsock_conn_forwarded(&c, n);
			break;
		case 5:
			if (r[1] & 1)
				vsock_conn_sock_eof(&c);
			if (r[1] & 2)
				vsock_conn_reset(&c);
			break;
		case 6:
			if (vsock_conn_next_ctrl(&c, &h)) {
				check(!rst_sent);
				check(h.src_cid == VSOCK_HOST_CID && h.dst_cid == CID);
				check(h.src_port == HPORT && h.dst_port == GPORT && h.len == 0);
				if (h.op == VSOCK_OP_RST) {
					check(c.state == VSOCK_CONN_CLOSED && c.pending == 0);
					rst_sent = true;
				}
				if (h.op == VSOCK_OP_REQUEST)
					check(host_initiated);
				if (h.op == VSOCK_OP_RESPONSE)
					check(!host_initiated);
			}
			break;
		case 7:
			shut = vsock_conn_sock_shutdown(&c);
			check(!(shut & shut_given));
			check(!(shut & ~(unsigned int)VSOCK_SHUTDOWN_BOTH));
			if (shut & VSOCK_SHUTDOWN_SEND)
				check(vsock_conn_buffered(&c) == 0);
			shut_given |= shut;
			break;
		}
		check_invariants(&c);
		if (rst_sent)
			check(c.state == VSOCK_CONN_CLOSED && c.pending == 0);
	}
	return 0;
}
