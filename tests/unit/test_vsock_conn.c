/*
 * test_vsock_conn.c - the virtio-vsock connection state machine and
 * credit accounting (vmm/devices/virtio/vsock_conn.c), as pure logic:
 * REQUEST/RESPONSE both ways, a refused connect, both orders of orderly
 * shutdown, RST in every state, credit arithmetic including u32
 * wrap-around of the counters, CREDIT_REQUEST, the CREDIT_UPDATE
 * threshold, and oversized or forged packets; also the header codec and
 * the header checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vmm/devices/virtio/vsock.h"

#define CID 42
#define HPORT 1234 /* host side */
#define GPORT 5678 /* guest side */

/* A packet from the guest for the connection (GPORT -> HPORT). */
static struct vsock_hdr from_guest(uint16_t op, uint32_t len, uint32_t flags, uint32_t buf_alloc,
				   uint32_t fwd_cnt)
{
	return (struct vsock_hdr){
	    .src_cid = CID,
	    .dst_cid = VSOCK_HOST_CID,
	    .src_port = GPORT,
	    .dst_port = HPORT,
	    .len = len,
	    .type = VSOCK_TYPE_STREAM,
	    .op = op,
	    .flags = flags,
	    .buf_alloc = buf_alloc,
	    .fwd_cnt = fwd_cnt,
	};
}

/* The next control packet must be @op (and addressed right). */
static void expect_ctrl(struct vsock_conn *c, uint16_t op)
{
	struct vsock_hdr h;

	assert_true(vsock_conn_next_ctrl(c, &h));
	assert_int_equal(h.op, op);
	assert_int_equal(h.src_cid, VSOCK_HOST_CID);
	assert_int_equal(h.dst_cid, CID);
	assert_int_equal(h.src_port, HPORT);
	assert_int_equal(h.dst_port, GPORT);
	assert_int_equal(h.type, VSOCK_TYPE_STREAM);
	assert_int_equal(h.len, 0);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	assert_int_equal(h.fwd_cnt, c->fwd_cnt);
}

/* A guest-initiated connection, RESPONSE sent, guest buffer @buf_alloc. */
static void established(struct vsock_conn *c, uint32_t buf_alloc)
{
	struct vsock_hdr req = from_guest(VSOCK_OP_REQUEST, 0, 0, buf_alloc, 0);

	vsock_conn_init(c, CID, HPORT, GPORT);
	vsock_conn_accept(c, &req);
	expect_ctrl(c, VSOCK_OP_RESPONSE);
	assert_false(vsock_conn_next_ctrl(c, &req));
}

static void test_header_codec(void **state)
{
	struct vsock_hdr h = {0x0102030405060708ULL,
			      2,
			      0x11223344,
			      0x55667788,
			      0x99,
			      1,
			      5,
			      3,
			      0xaabbccdd,
			      0xeeff0011},
			 back;
	uint8_t raw[VSOCK_HDR_SIZE];

	(void)state;
	vsock_hdr_encode(&h, raw);
	/* Little-endian, in the order of the spec. */
	assert_int_equal(raw[0], 0x08);
	assert_int_equal(raw[7], 0x01);
	assert_int_equal(raw[8], 2);
	assert_int_equal(raw[16], 0x44);
	assert_int_equal(raw[20], 0x88);
	assert_int_equal(raw[24], 0x99);
	assert_int_equal(raw[28], 1);
	assert_int_equal(raw[30], 5);
	assert_int_equal(raw[32], 3);
	assert_int_equal(raw[36], 0xdd);
	assert_int_equal(raw[40], 0x11);
	assert_int_equal(raw[43], 0xee);
	vsock_hdr_decode(raw, &back);
	assert_true(back.src_cid == h.src_cid && back.dst_cid == h.dst_cid);
	assert_true(back.src_port == h.src_port && back.dst_port == h.dst_port);
	assert_true(back.len == h.len && back.type == h.type && back.op == h.op);
	assert_true(back.flags == h.flags && back.buf_alloc == h.buf_alloc);
	assert_true(back.fwd_cnt == h.fwd_cnt);
}

static void test_header_check(void **state)
{
	struct vsock_hdr h = from_guest(VSOCK_OP_RW, 100, 0, 0, 0);

	(void)state;
	assert_int_equal(vsock_hdr_check(&h, CID, 100), VSOCK_HDR_OK);
	assert_int_equal(vsock_hdr_check(&h, CID, 99), VSOCK_HDR_BAD_LEN);
	h.len = VSOCK_MAX_PAYLOAD + 1;
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_LEN);
	h.len = VSOCK_MAX_PAYLOAD;
	assert_int_equal(vsock_hdr_check(&h, CID, VSOCK_MAX_PAYLOAD), VSOCK_HDR_OK);
	/* Only from the guest's own CID, only to the host. */
	h.src_cid = CID + 1;
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_ADDR);
	h.src_cid = CID | (1ULL << 32); /* a CID that only matches in 32 bits */
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_ADDR);
	h.src_cid = CID;
	h.dst_cid = CID; /* itself */
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_ADDR);
	h.dst_cid = 1;
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_ADDR);
	h.dst_cid = 43;
	assert_int_equal(vsock_hdr_check(&h, CID, 1 << 20), VSOCK_HDR_BAD_ADDR);
}

static void test_rst_reply(void **state)
{
	struct vsock_hdr in = from_guest(VSOCK_OP_REQUEST, 0, 0, 4096, 0), out;

	(void)state;
	in.type = VSOCK_TYPE_SEQPACKET;
	vsock_rst_reply(&in, &out);
	assert_int_equal(out.op, VSOCK_OP_RST);
	assert_int_equal(out.src_cid, VSOCK_HOST_CID);
	assert_int_equal(out.dst_cid, CID);
	assert_int_equal(out.src_port, HPORT);
	assert_int_equal(out.dst_port, GPORT);
	assert_int_equal(out.type, VSOCK_TYPE_SEQPACKET);
	assert_int_equal(out.len, 0);
}

/* Guest connects: RESPONSE first, data only after it. */
static void test_guest_connect(void **state)
{
	struct vsock_hdr req = from_guest(VSOCK_OP_REQUEST, 0, 0, 1000, 0);
	struct vsock_conn c;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	assert_int_equal(c.state, VSOCK_CONN_IDLE);
	vsock_conn_accept(&c, &req);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	assert_false(vsock_conn_can_send(&c)); /* RESPONSE not sent yet */
	assert_int_equal(vsock_conn_credit(&c), 0);
	expect_ctrl(&c, VSOCK_OP_RESPONSE);
	assert_true(vsock_conn_can_send(&c));
	assert_int_equal(vsock_conn_credit(&c), 1000);
	assert_int_equal(c.pending, 0);
}

/* Host connects: REQUEST, then the guest's RESPONSE makes it established. */
static void test_host_connect(void **state)
{
	struct vsock_hdr resp = from_guest(VSOCK_OP_RESPONSE, 0, 0, 8192, 0);
	struct vsock_conn c;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	assert_int_equal(c.state, VSOCK_CONN_CONNECTING);
	assert_false(vsock_conn_can_send(&c));
	expect_ctrl(&c, VSOCK_OP_REQUEST);
	assert_int_equal(vsock_conn_recv(&c, &resp), VSOCK_ACT_CONNECTED);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	assert_true(vsock_conn_can_send(&c));
	assert_int_equal(vsock_conn_credit(&c), 8192);
	assert_int_equal(c.pending, 0);
}

/* Nobody listens in the guest: RST closes it, with no RST back. */
static void test_host_connect_refused(void **state)
{
	struct vsock_hdr rst = from_guest(VSOCK_OP_RST, 0, 0, 0, 0), h;
	struct vsock_conn c;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	expect_ctrl(&c, VSOCK_OP_REQUEST);
	assert_int_equal(vsock_conn_recv(&c, &rst), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));
}

/* A RESPONSE to a REQUEST the guest cannot have seen, or anything else while connecting. */
static void test_host_connect_protocol_errors(void **state)
{
	static const uint16_t ops[] = {VSOCK_OP_RESPONSE,
				       VSOCK_OP_RW,
				       VSOCK_OP_REQUEST,
				       VSOCK_OP_SHUTDOWN,
				       VSOCK_OP_CREDIT_UPDATE,
				       0,
				       8,
				       0xffff};
	struct vsock_conn c;
	struct vsock_hdr h;
	size_t k;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	h = from_guest(VSOCK_OP_RESPONSE, 0, 0, 0, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0); /* REQUEST still owed */
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST);
	assert_false(vsock_conn_next_ctrl(&c, &h));

	for (k = 1; k < sizeof(ops) / sizeof(ops[0]); k++) {
		vsock_conn_init(&c, CID, HPORT, GPORT);
		vsock_conn_connect(&c);
		expect_ctrl(&c, VSOCK_OP_REQUEST);
		h = from_guest(ops[k], 0, 0, 0, 0);
		assert_int_equal(vsock_conn_recv(&c, &h), 0);
		assert_int_equal(c.state, VSOCK_CONN_CLOSED);
		expect_ctrl(&c, VSOCK_OP_RST);
	}
}

/* The guest shuts down its sending side first, then the socket ends. */
static void test_shutdown_guest_first(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, 100, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), VSOCK_ACT_DATA);
	vsock_conn_forwarded(&c, 40); /* 60 still held */
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, VSOCK_SHUTDOWN_SEND, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	/* shutdown(SHUT_WR) only once the held data reached the socket. */
	assert_int_equal(vsock_conn_sock_shutdown(&c), 0);
	vsock_conn_forwarded(&c, 60);
	assert_int_equal(vsock_conn_sock_shutdown(&c), VSOCK_SHUTDOWN_SEND);
	assert_int_equal(vsock_conn_sock_shutdown(&c), 0); /* handed out once */
	assert_true(vsock_conn_can_send(&c));		   /* the other way still flows */
	/* The socket ends too: both directions are closed, so RST. */
	vsock_conn_sent(&c, 10);
	vsock_conn_sock_eof(&c);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST); /* the RST replaces the SHUTDOWN */
	assert_false(vsock_conn_next_ctrl(&c, &h));
}

/* The socket ends first (SHUTDOWN(SEND) to the guest), then the guest closes. */
static void test_shutdown_host_first(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	vsock_conn_sock_eof(&c);
	assert_false(vsock_conn_can_send(&c));
	assert_int_equal(vsock_conn_credit(&c), 0);
	assert_true(vsock_conn_next_ctrl(&c, &h));
	assert_int_equal(h.op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(h.flags, VSOCK_SHUTDOWN_SEND);
	vsock_conn_sock_eof(&c); /* once only */
	assert_false(vsock_conn_next_ctrl(&c, &h));
	/* The guest still sends; then closes both ways. */
	h = from_guest(VSOCK_OP_RW, 10, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), VSOCK_ACT_DATA);
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, VSOCK_SHUTDOWN_BOTH, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED); /* 10 bytes not delivered yet */
	assert_int_equal(vsock_conn_sock_shutdown(&c), VSOCK_SHUTDOWN_RCV);
	vsock_conn_forwarded(&c, 10);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	assert_int_equal(vsock_conn_sock_shutdown(&c), 0); /* closed: the socket just goes */
}

/* The guest's close() sends SHUTDOWN(RCV|SEND) in one packet: done at once. */
static void test_shutdown_both_at_once(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, VSOCK_SHUTDOWN_BOTH, 65536, 0);
	vsock_conn_recv(&c, &h);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST);
}

/* The guest stops receiving: no more data to it, shutdown(SHUT_RD) on the socket. */
static void test_shutdown_rcv(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, VSOCK_SHUTDOWN_RCV, 65536, 0);
	vsock_conn_recv(&c, &h);
	assert_false(vsock_conn_can_send(&c));
	assert_int_equal(vsock_conn_credit(&c), 0);
	assert_int_equal(vsock_conn_sock_shutdown(&c), VSOCK_SHUTDOWN_RCV);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	/* Unknown flag bits are ignored. */
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, 0xfffffffc, 65536, 0);
	vsock_conn_recv(&c, &h);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	assert_int_equal(c.peer_shutdown, VSOCK_SHUTDOWN_RCV);
}

/* RST from the guest ends the connection in every state, without an RST back. */
static void test_rst_every_state(void **state)
{
	struct vsock_hdr rst = from_guest(VSOCK_OP_RST, 0, 0, 0, 0), h;
	struct vsock_conn c;

	(void)state;
	/* IDLE */
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_recv(&c, &rst);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	/* CONNECTING, REQUEST not yet sent */
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	vsock_conn_recv(&c, &rst);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	/* ESTABLISHED, RESPONSE still owed */
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_accept(&c, &rst);
	vsock_conn_recv(&c, &rst);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	/* ESTABLISHED with data held and a CREDIT_UPDATE and SHUTDOWN owed */
	established(&c, 4096);
	h = from_guest(VSOCK_OP_RW, 100, 0, 4096, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_sock_eof(&c);
	h = from_guest(VSOCK_OP_CREDIT_REQUEST, 0, 0, 4096, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_recv(&c, &rst);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	assert_int_equal(vsock_conn_sock_shutdown(&c), 0);
	/* CLOSED, our RST still owed: the guest's RST and later packets change nothing. */
	established(&c, 4096);
	vsock_conn_reset(&c);
	vsock_conn_recv(&c, &rst);
	h = from_guest(VSOCK_OP_RW, 10, 0, 4096, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	expect_ctrl(&c, VSOCK_OP_RST);
}

/* The host side fails: RST only if the guest knows the connection. */
static void test_host_reset(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_reset(&c);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_false(vsock_conn_next_ctrl(&c, &h));

	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	vsock_conn_reset(&c); /* REQUEST never sent */
	assert_false(vsock_conn_next_ctrl(&c, &h));

	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_connect(&c);
	expect_ctrl(&c, VSOCK_OP_REQUEST);
	vsock_conn_reset(&c); /* e.g. the 2 s timeout */
	expect_ctrl(&c, VSOCK_OP_RST);

	established(&c, 4096);
	vsock_conn_reset(&c);
	vsock_conn_reset(&c); /* twice: still one RST */
	expect_ctrl(&c, VSOCK_OP_RST);
	assert_false(vsock_conn_next_ctrl(&c, &h));
	assert_int_equal(vsock_conn_credit(&c), 0);
}

/* Host -> guest credit: the guest's buf_alloc minus what is in flight. */
static void test_credit_to_guest(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 1000);
	assert_int_equal(vsock_conn_credit(&c), 1000);
	vsock_conn_sent(&c, 600);
	assert_int_equal(vsock_conn_credit(&c), 400);
	vsock_conn_sent(&c, 400);
	assert_int_equal(vsock_conn_credit(&c), 0);
	h = from_guest(VSOCK_OP_CREDIT_UPDATE, 0, 0, 1000, 500);
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 500);
	/* Every packet carries credit, not only CREDIT_UPDATE. */
	h = from_guest(VSOCK_OP_RW, 0, 0, 2000, 1000);
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 2000);
	/* The guest shrinks its buffer below what is in flight: no credit, no underflow. */
	vsock_conn_sent(&c, 1500);
	h = from_guest(VSOCK_OP_CREDIT_UPDATE, 0, 0, 100, 1000);
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 0);
	/* A forged fwd_cnt beyond what we sent: in flight "negative", no credit either. */
	h = from_guest(VSOCK_OP_CREDIT_UPDATE, 0, 0, 1000, c.tx_cnt + 10);
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 0);
}

/* The counters are u32 and wrap; credit is computed across the wrap. */
static void test_credit_wraparound(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 4096);
	c.tx_cnt = 0xffffff00U;
	h = from_guest(VSOCK_OP_CREDIT_UPDATE, 0, 0, 4096, 0xffffff00U);
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 4096);
	vsock_conn_sent(&c, 0x200); /* tx_cnt wraps to 0x100 */
	assert_int_equal(c.tx_cnt, 0x100);
	assert_int_equal(vsock_conn_credit(&c), 4096 - 0x200);
	h = from_guest(VSOCK_OP_CREDIT_UPDATE, 0, 0, 4096, 0x80); /* fwd_cnt wrapped too */
	vsock_conn_recv(&c, &h);
	assert_int_equal(vsock_conn_credit(&c), 4096 - 0x80);

	/* Our side: what we hold and the credit update threshold, across the wrap. */
	c.rx_cnt = c.fwd_cnt = c.last_fwd_cnt = 0xfffff000U;
	h = from_guest(VSOCK_OP_RW, 0x2000, 0, 4096, 0x80);
	assert_int_equal(vsock_conn_recv(&c, &h), VSOCK_ACT_DATA);
	assert_int_equal(vsock_conn_buffered(&c), 0x2000);
	vsock_conn_forwarded(&c, 0x2000);
	assert_int_equal(vsock_conn_buffered(&c), 0);
	assert_int_equal(c.fwd_cnt, 0x1000);
	assert_int_equal(c.pending & VSOCK_PEND_CREDIT, 0); /* 8 KiB: not stale enough */
	for (int k = 0; k < 8; k++) {
		h = from_guest(VSOCK_OP_RW, 0x2000, 0, 4096, 0x80);
		assert_int_equal(vsock_conn_recv(&c, &h), VSOCK_ACT_DATA);
		vsock_conn_forwarded(&c, 0x2000);
	}
	/* 72 KiB forwarded since the guest last heard: more than a quarter of 256 KiB. */
	assert_int_equal(c.pending & VSOCK_PEND_CREDIT, VSOCK_PEND_CREDIT);
	expect_ctrl(&c, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(c.last_fwd_cnt, c.fwd_cnt);
}

/* The CREDIT_UPDATE threshold: more than a quarter of buf_alloc; any packet settles it. */
static void test_credit_update_threshold(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;
	uint32_t quarter = VSOCK_BUF_ALLOC / 4;

	(void)state;
	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, VSOCK_MAX_PAYLOAD, 0, 65536, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_forwarded(&c, quarter);
	assert_int_equal(c.pending, 0);
	h = from_guest(VSOCK_OP_RW, 1, 0, 65536, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_forwarded(&c, 1);
	assert_int_equal(c.pending, VSOCK_PEND_CREDIT);
	/* An RW packet to the guest carries the same news. */
	vsock_conn_hdr(&c, &h, VSOCK_OP_RW, 10, 0);
	assert_int_equal(h.fwd_cnt, quarter + 1);
	assert_int_equal(c.pending, 0);
	assert_false(vsock_conn_next_ctrl(&c, &h));
}

static void test_credit_request(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, 300, 0, 65536, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_forwarded(&c, 100);
	h = from_guest(VSOCK_OP_CREDIT_REQUEST, 0, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_true(vsock_conn_next_ctrl(&c, &h));
	assert_int_equal(h.op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	assert_int_equal(h.fwd_cnt, 100);
	assert_false(vsock_conn_next_ctrl(&c, &h));
}

/* Data beyond the credit we gave, or oversized: RST. */
static void test_credit_violation(void **state)
{
	struct vsock_conn c;
	struct vsock_hdr h;

	(void)state;
	established(&c, 65536);
	for (int k = 0; k < 4; k++) {
		h = from_guest(VSOCK_OP_RW, VSOCK_MAX_PAYLOAD, 0, 65536, 0);
		assert_int_equal(vsock_conn_recv(&c, &h), VSOCK_ACT_DATA);
	}
	assert_int_equal(vsock_conn_buffered(&c), VSOCK_BUF_ALLOC);
	h = from_guest(VSOCK_OP_RW, 0, 0, 65536, 0); /* empty: fine */
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_ESTABLISHED);
	h = from_guest(VSOCK_OP_RW, 1, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST);

	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, VSOCK_MAX_PAYLOAD + 1, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);

	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, 0xffffffffU, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	assert_int_equal(c.rx_cnt, 0);
}

/* Forged or out-of-place packets on an established connection: RST. */
static void test_forged_packets(void **state)
{
	static const uint16_t ops[] = {VSOCK_OP_REQUEST, VSOCK_OP_RESPONSE, VSOCK_OP_INVALID, 8,
				       0xffff};
	struct vsock_conn c;
	struct vsock_hdr h;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		established(&c, 65536);
		h = from_guest(ops[k], 0, 0, 65536, 0);
		assert_int_equal(vsock_conn_recv(&c, &h), 0);
		assert_int_equal(c.state, VSOCK_CONN_CLOSED);
		expect_ctrl(&c, VSOCK_OP_RST);
	}
	/* The wrong socket type. */
	established(&c, 65536);
	h = from_guest(VSOCK_OP_RW, 10, 0, 65536, 0);
	h.type = VSOCK_TYPE_SEQPACKET;
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	/* Data after the guest's SHUTDOWN(SEND). */
	established(&c, 65536);
	h = from_guest(VSOCK_OP_SHUTDOWN, 0, VSOCK_SHUTDOWN_SEND, 65536, 0);
	vsock_conn_recv(&c, &h);
	h = from_guest(VSOCK_OP_RW, 10, 0, 65536, 0);
	assert_int_equal(vsock_conn_recv(&c, &h), 0);
	assert_int_equal(c.state, VSOCK_CONN_CLOSED);
	expect_ctrl(&c, VSOCK_OP_RST);
}

/* Control packets go out in order: REQUEST/RESPONSE, CREDIT_UPDATE, SHUTDOWN, RST. */
static void test_ctrl_order(void **state)
{
	struct vsock_hdr req = from_guest(VSOCK_OP_REQUEST, 0, 0, 4096, 0), h;
	struct vsock_conn c;

	(void)state;
	vsock_conn_init(&c, CID, HPORT, GPORT);
	vsock_conn_accept(&c, &req);
	h = from_guest(VSOCK_OP_CREDIT_REQUEST, 0, 0, 4096, 0);
	vsock_conn_recv(&c, &h);
	vsock_conn_sock_eof(&c);
	expect_ctrl(&c, VSOCK_OP_RESPONSE); /* also settles the CREDIT_UPDATE */
	expect_ctrl(&c, VSOCK_OP_SHUTDOWN);
	assert_false(vsock_conn_next_ctrl(&c, &h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_codec),
	    cmocka_unit_test(test_header_check),
	    cmocka_unit_test(test_rst_reply),
	    cmocka_unit_test(test_guest_connect),
	    cmocka_unit_test(test_host_connect),
	    cmocka_unit_test(test_host_connect_refused),
	    cmocka_unit_test(test_host_connect_protocol_errors),
	    cmocka_unit_test(test_shutdown_guest_first),
	    cmocka_unit_test(test_shutdown_host_first),
	    cmocka_unit_test(test_shutdown_both_at_once),
	    cmocka_unit_test(test_shutdown_rcv),
	    cmocka_unit_test(test_rst_every_state),
	    cmocka_unit_test(test_host_reset),
	    cmocka_unit_test(test_credit_to_guest),
	    cmocka_unit_test(test_credit_wraparound),
	    cmocka_unit_test(test_credit_update_threshold),
	    cmocka_unit_test(test_credit_request),
	    cmocka_unit_test(test_credit_violation),
	    cmocka_unit_test(test_forged_packets),
	    cmocka_unit_test(test_ctrl_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
