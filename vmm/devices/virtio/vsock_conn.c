/*
 * vsock_conn.c - one virtio-vsock connection as pure logic: its state,
 * the control packets it owes the guest, the credit accounting of both
 * directions, and the checks on a guest packet's header.  No sockets and
 * no guest memory; see vsock.h.
 */
#include "vsock.h"

#include <endian.h>
#include <string.h>

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *h)
{
	h->src_cid = get64(raw);
	h->dst_cid = get64(raw + 8);
	h->src_port = get32(raw + 16);
	h->dst_port = get32(raw + 20);
	h->len = get32(raw + 24);
	h->type = get16(raw + 28);
	h->op = get16(raw + 30);
	h->flags = get32(raw + 32);
	h->buf_alloc = get32(raw + 36);
	h->fwd_cnt = get32(raw + 40);
}

void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t raw[VSOCK_HDR_SIZE])
{
	put64(raw, h->src_cid);
	put64(raw + 8, h->dst_cid);
	put32(raw + 16, h->src_port);
	put32(raw + 20, h->dst_port);
	put32(raw + 24, h->len);
	put16(raw + 28, h->type);
	put16(raw + 30, h->op);
	put32(raw + 32, h->flags);
	put32(raw + 36, h->buf_alloc);
	put32(raw + 40, h->fwd_cnt);
}

enum vsock_hdr_verdict vsock_hdr_check(const struct vsock_hdr *h, uint64_t guest_cid,
				       uint64_t payload)
{
	if (h->src_cid != guest_cid || h->dst_cid != VSOCK_HOST_CID)
		return VSOCK_HDR_BAD_ADDR;
	if (h->len > payload || h->len > VSOCK_MAX_PAYLOAD)
		return VSOCK_HDR_BAD_LEN;
	return VSOCK_HDR_OK;
}

void vsock_rst_reply(const struct vsock_hdr *in, struct vsock_hdr *out)
{
	*out = (struct vsock_hdr){
	    .src_cid = in->dst_cid,
	    .dst_cid = in->src_cid,
	    .src_port = in->dst_port,
	    .dst_port = in->src_port,
	    .type = in->type, /* the guest matches its socket by type too */
	    .op = VSOCK_OP_RST,
	};
}

void vsock_conn_init(struct vsock_conn *c, uint64_t guest_cid, uint32_t local_port,
		     uint32_t peer_port)
{
	memset(c, 0, sizeof(*c));
	c->guest_cid = guest_cid;
	c->local_port = local_port;
	c->peer_port = peer_port;
	c->state = VSOCK_CONN_IDLE;
	c->buf_alloc = VSOCK_BUF_ALLOC;
}

void vsock_conn_connect(struct vsock_conn *c)
{
	if (c->state != VSOCK_CONN_IDLE)
		return;
	c->state = VSOCK_CONN_CONNECTING;
	c->pending |= VSOCK_PEND_REQUEST;
}

void vsock_conn_accept(struct vsock_conn *c, const struct vsock_hdr *req)
{
	if (c->state != VSOCK_CONN_IDLE)
		return;
	c->state = VSOCK_CONN_ESTABLISHED;
	c->pending |= VSOCK_PEND_RESPONSE;
	c->peer_buf_alloc = req->buf_alloc;
	c->peer_fwd_cnt = req->fwd_cnt;
}

/* The guest broke the protocol, or the connection failed: RST, then free. */
static void conn_abort(struct vsock_conn *c)
{
	c->state = VSOCK_CONN_CLOSED;
	c->pending = VSOCK_PEND_RST;
}

uint32_t vsock_conn_buffered(const struct vsock_conn *c)
{
	return c->rx_cnt - c->fwd_cnt;
}

/* Both directions closed and the guest's data delivered: RST and free. */
static void conn_check_done(struct vsock_conn *c)
{
	bool to_guest_closed, to_host_closed;

	if (c->state != VSOCK_CONN_ESTABLISHED)
		return;
	to_guest_closed =
	    (c->local_shutdown & VSOCK_SHUTDOWN_SEND) || (c->peer_shutdown & VSOCK_SHUTDOWN_RCV);
	to_host_closed = (c->peer_shutdown & VSOCK_SHUTDOWN_SEND) && vsock_conn_buffered(c) == 0;
	if (to_guest_closed && to_host_closed)
		conn_abort(c);
}

/* A packet of an established connection. */
static unsigned int conn_recv_established(struct vsock_conn *c, const struct vsock_hdr *h)
{
	switch (h->op) {
	case VSOCK_OP_RW:
		/*
		 * The guest's credit keeps what we hold within buf_alloc; data
		 * beyond it, or after its SHUTDOWN(SEND), is a broken driver.
		 */
		if ((c->peer_shutdown & VSOCK_SHUTDOWN_SEND) || h->len > VSOCK_MAX_PAYLOAD ||
		    h->len > c->buf_alloc - vsock_conn_buffered(c)) {
			conn_abort(c);
			return 0;
		}
		c->rx_cnt += h->len;
		return h->len ? VSOCK_ACT_DATA : 0;
	case VSOCK_OP_CREDIT_UPDATE:
		return 0; /* the credit was taken from the header already */
	case VSOCK_OP_CREDIT_REQUEST:
		c->pending |= VSOCK_PEND_CREDIT;
		return 0;
	case VSOCK_OP_SHUTDOWN:
		c->peer_shutdown |= (uint8_t)(h->flags & VSOCK_SHUTDOWN_BOTH);
		conn_check_done(c);
		return 0;
	default:
		conn_abort(c); /* REQUEST, RESPONSE or an unknown op */
		return 0;
	}
}

unsigned int vsock_conn_recv(struct vsock_conn *c, const struct vsock_hdr *h)
{
	if (c->state == VSOCK_CONN_CLOSED)
		return 0;
	if (h->op == VSOCK_OP_RST) {
		/* The guest is done with it: no RST back. */
		c->state = VSOCK_CONN_CLOSED;
		c->pending = 0;
		return 0;
	}
	if (c->state == VSOCK_CONN_IDLE || h->type != VSOCK_TYPE_STREAM) {
		conn_abort(c);
		return 0;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (c->state == VSOCK_CONN_CONNECTING) {
		/* Only a RESPONSE to a REQUEST the guest has seen. */
		if (h->op != VSOCK_OP_RESPONSE || (c->pending & VSOCK_PEND_REQUEST)) {
			conn_abort(c);
			return 0;
		}
		c->state = VSOCK_CONN_ESTABLISHED;
		return VSOCK_ACT_CONNECTED;
	}
	return conn_recv_established(c, h);
}

uint32_t vsock_conn_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	if (!vsock_conn_can_send(c) || in_flight >= c->peer_buf_alloc)
		return 0;
	return c->peer_buf_alloc - in_flight;
}

bool vsock_conn_can_send(const struct vsock_conn *c)
{
	return c->state == VSOCK_CONN_ESTABLISHED &&
	       !(c->pending & (VSOCK_PEND_REQUEST | VSOCK_PEND_RESPONSE)) &&
	       !(c->local_shutdown & VSOCK_SHUTDOWN_SEND) &&
	       !(c->peer_shutdown & VSOCK_SHUTDOWN_RCV);
}

void vsock_conn_sent(struct vsock_conn *c, uint32_t n)
{
	c->tx_cnt += n;
}

void vsock_conn_forwarded(struct vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	if (c->state != VSOCK_CONN_ESTABLISHED)
		return;
	if (!(c->peer_shutdown & VSOCK_SHUTDOWN_SEND) &&
	    c->fwd_cnt - c->last_fwd_cnt > c->buf_alloc / 4)
		c->pending |= VSOCK_PEND_CREDIT;
	conn_check_done(c);
}

void vsock_conn_sock_eof(struct vsock_conn *c)
{
	if (c->state != VSOCK_CONN_ESTABLISHED || (c->local_shutdown & VSOCK_SHUTDOWN_SEND))
		return;
	c->local_shutdown |= VSOCK_SHUTDOWN_SEND;
	c->pending |= VSOCK_PEND_SHUTDOWN;
	conn_check_done(c);
}

void vsock_conn_reset(struct vsock_conn *c)
{
	bool guest_knows;

	if (c->state == VSOCK_CONN_CLOSED)
		return;
	guest_knows = c->state == VSOCK_CONN_ESTABLISHED ||
		      (c->state == VSOCK_CONN_CONNECTING && !(c->pending & VSOCK_PEND_REQUEST));
	c->state = VSOCK_CONN_CLOSED;
	c->pending = guest_knows ? VSOCK_PEND_RST : 0;
}

unsigned int vsock_conn_sock_shutdown(struct vsock_conn *c)
{
	unsigned int want = 0, todo;

	if (c->state != VSOCK_CONN_ESTABLISHED)
		return 0;
	if (c->peer_shutdown & VSOCK_SHUTDOWN_RCV)
		want |= VSOCK_SHUTDOWN_RCV;
	if ((c->peer_shutdown & VSOCK_SHUTDOWN_SEND) && vsock_conn_buffered(c) == 0)
		want |= VSOCK_SHUTDOWN_SEND;
	todo = want & ~(unsigned int)c->sock_shutdown;
	c->sock_shutdown |= (uint8_t)todo;
	return todo;
}

void vsock_conn_hdr(struct vsock_conn *c, struct vsock_hdr *h, uint16_t op, uint32_t len,
		    uint32_t flags)
{
	*h = (struct vsock_hdr){
	    .src_cid = VSOCK_HOST_CID,
	    .dst_cid = c->guest_cid,
	    .src_port = c->local_port,
	    .dst_port = c->peer_port,
	    .len = len,
	    .type = VSOCK_TYPE_STREAM,
	    .op = op,
	    .flags = flags,
	    .buf_alloc = c->buf_alloc,
	    .fwd_cnt = c->fwd_cnt,
	};
	c->last_fwd_cnt = c->fwd_cnt;
	c->pending &= (uint8_t)~VSOCK_PEND_CREDIT;
}

bool vsock_conn_next_ctrl(struct vsock_conn *c, struct vsock_hdr *h)
{
	uint8_t bit = c->pending & (uint8_t)-c->pending; /* lowest set bit */

	switch (bit) {
	case VSOCK_PEND_REQUEST:
		vsock_conn_hdr(c, h, VSOCK_OP_REQUEST, 0, 0);
		break;
	case VSOCK_PEND_RESPONSE:
		vsock_conn_hdr(c, h, VSOCK_OP_RESPONSE, 0, 0);
		break;
	case VSOCK_PEND_CREDIT:
		vsock_conn_hdr(c, h, VSOCK_OP_CREDIT_UPDATE, 0, 0);
		break;
	case VSOCK_PEND_SHUTDOWN:
		vsock_conn_hdr(c, h, VSOCK_OP_SHUTDOWN, 0, c->local_shutdown);
		break;
	case VSOCK_PEND_RST:
		vsock_conn_hdr(c, h, VSOCK_OP_RST, 0, 0);
		break;
	default:
		c->pending = 0; /* nothing owed (or a bit nobody sets) */
		return false;
	}
	c->pending &= (uint8_t)~bit;
	return true;
}
