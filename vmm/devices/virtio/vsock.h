/*
 * vsock.h - virtio-vsock internals: the packet header, the per-connection
 * state machine, and the host Unix-socket side.
 *
 * virtio-vsock (virtio 1.x, 5.10) carries stream connections between the
 * guest (its CID is in the configuration space) and the host (CID 2).  mvm
 * bridges each connection to a host AF_UNIX stream socket, with the
 * protocol Firecracker defined, so that existing host tools work:
 *   - host -> guest: a program connects to uds_path and writes
 *     "CONNECT <port>\n"; mvm sends the guest a REQUEST to that port and,
 *     once the guest answers RESPONSE, writes "OK <host port>\n" to the
 *     program; from then on the socket is the stream.  If the guest
 *     refuses (RST) or does not answer within VSOCK_CONNECT_TIMEOUT_MS,
 *     mvm closes the program's socket.  A program that has not sent a
 *     whole line within VSOCK_LINE_TIMEOUT_MS is closed too, so idle
 *     clients cannot hold connection slots.
 *   - guest -> host: a guest connect to (CID 2, port P) becomes a connect
 *     to the Unix socket "<uds_path>_<P>"; RESPONSE if that works, RST if
 *     not.
 *
 * The code is split by concern:
 *   vsock_conn.c  one connection as pure logic: its state, the control
 *                 packets it owes the guest, the credit accounting of both
 *                 directions, and the checks on a guest packet's header.
 *                 No sockets and no guest memory, so that it can be unit
 *                 tested and fuzzed on its own.
 *   vsock_uds.c   the host side: the listening socket, the CONNECT line
 *                 parser, connecting to "<uds_path>_<port>".
 *   vsock.c       the device: its queues, moving packets and payload
 *                 between guest buffers and sockets, the worker callbacks.
 *
 * Credit (virtio 1.x, 5.10.6.3): each side advertises buf_alloc, the
 * bytes of payload it can hold for a connection, and fwd_cnt, the bytes it
 * has passed on so far.  A sender may have at most buf_alloc - (sent -
 * fwd_cnt) bytes in flight, in u32 wrap-around arithmetic.  Every packet
 * carries the sender's buf_alloc and fwd_cnt.
 */
#ifndef MVM_VIRTIO_VSOCK_H
#define MVM_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../lib/common/error.h"
#include "virtio.h"

/* Queues. */
#define VSOCK_QUEUE_RX 0    /* host -> guest packets */
#define VSOCK_QUEUE_TX 1    /* guest -> host packets */
#define VSOCK_QUEUE_EVENT 2 /* events (mvm sends none) */

#define VSOCK_HOST_CID 2
#define VSOCK_CID_MIN 3		  /* lowest guest CID */
#define VSOCK_CID_MAX 0xfffffffeU /* highest guest CID (0xffffffff is VMADDR_CID_ANY) */

/* The packet header: 44 bytes, little-endian, before any payload. */
#define VSOCK_HDR_SIZE 44

#define VSOCK_TYPE_STREAM 1
#define VSOCK_TYPE_SEQPACKET 2 /* not supported: a request gets RST */

enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/* SHUTDOWN flags: the sender will receive (RCV) or send (SEND) no more. */
#define VSOCK_SHUTDOWN_RCV 1
#define VSOCK_SHUTDOWN_SEND 2
#define VSOCK_SHUTDOWN_BOTH (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)

/* Limits. */
#define VSOCK_MAX_PAYLOAD (64 * 1024)  /* longest payload of one packet, either way */
#define VSOCK_BUF_ALLOC (256 * 1024)   /* our buf_alloc: guest bytes held per connection */
#define VSOCK_MAX_CONNS 1023	       /* connections and host clients at once */
#define VSOCK_CONNECT_TIMEOUT_MS 2000  /* the guest's time to answer a host CONNECT */
#define VSOCK_LINE_TIMEOUT_MS 10000   /* a host client's time to send its CONNECT line */
#define VSOCK_CONNECT_LINE_MAX 64      /* "CONNECT <port>\n", newline included */
#define VSOCK_HOST_PORT_BIT (1U << 30) /* set in every port mvm allocates on the host side */

/* A packet header in host byte order. */
struct vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;  /* payload bytes after the header */
	uint16_t type; /* VSOCK_TYPE_* */
	uint16_t op;   /* enum vsock_op */
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
};

/* Convert between the wire format and struct vsock_hdr. */
void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *h);
void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t raw[VSOCK_HDR_SIZE]);

/* What vsock_hdr_check() says about a packet from the guest. */
enum vsock_hdr_verdict {
	VSOCK_HDR_OK,
	VSOCK_HDR_BAD_ADDR, /* not from the guest's CID or not to the host: drop silently */
	VSOCK_HDR_BAD_LEN,  /* len beyond the payload present or VSOCK_MAX_PAYLOAD: drop, RST */
};

/*
 * Check the header of a packet the guest sent: from @guest_cid to the
 * host, and a len within the @payload bytes that follow the header and
 * within VSOCK_MAX_PAYLOAD.
 */
enum vsock_hdr_verdict vsock_hdr_check(const struct vsock_hdr *h, uint64_t guest_cid,
				       uint64_t payload);

/* Fill @out with the RST that answers @in (addresses swapped, same type). */
void vsock_rst_reply(const struct vsock_hdr *in, struct vsock_hdr *out);

/*
 * One connection, as pure logic.
 *
 * States:
 *   IDLE         made, nothing exchanged yet (a host client still sending
 *                its CONNECT line)
 *   CONNECTING   host-initiated: REQUEST owed or sent, waiting for the
 *                guest's RESPONSE (or RST)
 *   ESTABLISHED  data flows; each direction can be shut down
 *   CLOSED       finished: the socket is to be closed, and the connection
 *                freed once the RST it may still owe is sent
 *
 * A connection ends with an RST to the guest in every case but one: the
 * guest sent RST itself.  In particular, once both directions are closed
 * (each one by a SHUTDOWN from its sender, or by the guest refusing to
 * receive) and the guest's data has all reached the socket, the
 * connection owes an RST and is CLOSED; a protocol violation by the guest
 * or a failing socket do the same at once.
 */
enum vsock_conn_state {
	VSOCK_CONN_IDLE,
	VSOCK_CONN_CONNECTING,
	VSOCK_CONN_ESTABLISHED,
	VSOCK_CONN_CLOSED,
};

/* Control packets a connection owes the guest (vsock_conn.pending), sent lowest bit first. */
#define VSOCK_PEND_REQUEST 0x01
#define VSOCK_PEND_RESPONSE 0x02
#define VSOCK_PEND_CREDIT 0x04 /* CREDIT_UPDATE; any packet we send settles it */
#define VSOCK_PEND_SHUTDOWN 0x08
#define VSOCK_PEND_RST 0x10

struct vsock_conn {
	uint64_t guest_cid;
	uint32_t local_port; /* host side */
	uint32_t peer_port;  /* guest side */
	enum vsock_conn_state state;
	uint8_t pending;	/* VSOCK_PEND_* */
	uint8_t peer_shutdown;	/* VSOCK_SHUTDOWN_* the guest announced */
	uint8_t local_shutdown; /* VSOCK_SHUTDOWN_* we announced or owe */
	uint8_t sock_shutdown;	/* directions vsock_conn_sock_shutdown() handed out */

	/* Guest -> host: what we hold for the socket. */
	uint32_t buf_alloc;    /* advertised, VSOCK_BUF_ALLOC */
	uint32_t rx_cnt;       /* payload bytes accepted from the guest */
	uint32_t fwd_cnt;      /* of those, bytes the socket has taken */
	uint32_t last_fwd_cnt; /* fwd_cnt in the last packet we sent */

	/* Host -> guest: the guest's receive buffer. */
	uint32_t peer_buf_alloc;
	uint32_t peer_fwd_cnt;
	uint32_t tx_cnt; /* payload bytes sent to the guest */
};

/* An IDLE connection between host port @local_port and guest port @peer_port. */
void vsock_conn_init(struct vsock_conn *c, uint64_t guest_cid, uint32_t local_port,
		     uint32_t peer_port);

/* Host-initiated: IDLE -> CONNECTING, owing the REQUEST. */
void vsock_conn_connect(struct vsock_conn *c);

/*
 * Guest-initiated: the host socket for the guest's REQUEST @req is
 * connected.  IDLE -> ESTABLISHED, owing the RESPONSE; the guest's credit
 * comes from @req.
 */
void vsock_conn_accept(struct vsock_conn *c, const struct vsock_hdr *req);

/* What vsock_conn_recv() asks the caller to do. */
#define VSOCK_ACT_DATA 1      /* write the packet's len payload bytes to the socket */
#define VSOCK_ACT_CONNECTED 2 /* the guest accepted our REQUEST: "OK <port>\n" to the client */

/*
 * A packet @h from the guest for this connection (addresses already
 * matched and checked with vsock_hdr_check()).  Updates the guest's credit
 * and the state; anything unexpected (wrong type, a REQUEST or RESPONSE
 * out of place, data after the guest's SHUTDOWN(SEND), more data than our
 * credit allows) closes the connection with an RST.  Returns VSOCK_ACT_*
 * bits; CLOSED shows in c->state.
 */
unsigned int vsock_conn_recv(struct vsock_conn *c, const struct vsock_hdr *h);

/* Payload bytes the guest can take now (0 unless data may flow to it). */
uint32_t vsock_conn_credit(const struct vsock_conn *c);

/*
 * True while the socket's data may go to the guest: ESTABLISHED, the
 * REQUEST/RESPONSE exchange done, neither our SHUTDOWN(SEND) nor the
 * guest's SHUTDOWN(RCV) seen.
 */
bool vsock_conn_can_send(const struct vsock_conn *c);

/* @n payload bytes went to the guest in RW packets. */
void vsock_conn_sent(struct vsock_conn *c, uint32_t n);

/* Guest payload accepted but not yet taken by the socket. */
uint32_t vsock_conn_buffered(const struct vsock_conn *c);

/*
 * The socket took @n bytes of the guest's payload.  Owes a CREDIT_UPDATE
 * when the guest's idea of our free space is stale by more than a quarter
 * of buf_alloc.
 */
void vsock_conn_forwarded(struct vsock_conn *c, uint32_t n);

/* The socket reached end of file: owes SHUTDOWN(SEND). */
void vsock_conn_sock_eof(struct vsock_conn *c);

/*
 * The host side failed (socket error, peer gone, timeout): CLOSED, owing
 * an RST unless the guest never heard of the connection.
 */
void vsock_conn_reset(struct vsock_conn *c);

/*
 * Directions to shut down on the socket now, as VSOCK_SHUTDOWN_RCV
 * (shutdown(SHUT_RD): the guest receives no more) and VSOCK_SHUTDOWN_SEND
 * (shutdown(SHUT_WR): the guest sends no more and its data has all
 * reached the socket).  Each is handed out once.
 */
unsigned int vsock_conn_sock_shutdown(struct vsock_conn *c);

/*
 * The next control packet owed to the guest, into @h; false if none.
 * Sending the RST leaves the connection ready to be freed (CLOSED, nothing
 * pending).
 */
bool vsock_conn_next_ctrl(struct vsock_conn *c, struct vsock_hdr *h);

/*
 * Header of a packet from this connection to the guest, with our current
 * credit (which settles an owed CREDIT_UPDATE).
 */
void vsock_conn_hdr(struct vsock_conn *c, struct vsock_hdr *h, uint16_t op, uint32_t len,
		    uint32_t flags);

/*
 * Host side (vsock_uds.c).
 */

/* Identity of the socket file we created, to remove only that one. */
struct vsock_uds_id {
	uint64_t dev, ino;
};

/*
 * Check @path for use as uds_path: not empty, and "<path>_<port>" fits in
 * sun_path for any 10-digit port.  Returns 0 or -ENAMETOOLONG/-EINVAL.
 */
int vsock_uds_check_path(const char *path, struct error *e);

/*
 * Listen on @path (SOCK_STREAM, non-blocking, close-on-exec).  An
 * existing socket that nobody listens on is replaced; one somebody listens
 * on, or a path that is not a socket, is an error.  Returns 0 with the
 * descriptor in *@fd and the file's identity in @id, or -errno.
 */
int vsock_uds_listen(const char *path, int *fd, struct vsock_uds_id *id, struct error *e);

/* Remove @path if it is still the socket file @id. */
void vsock_uds_unlink(const char *path, const struct vsock_uds_id *id);

/*
 * Connect a new non-blocking socket to "<path>_<port>".  Returns the
 * descriptor, or -errno (-ENOENT, -ECONNREFUSED, -EAGAIN for a full
 * backlog, ...).
 */
int vsock_uds_connect(const char *path, uint32_t port);

/*
 * Parse the start of what a host client sent: "CONNECT <port>\n" with the
 * command word in any case, one space, the port in decimal (0 to
 * 4294967295, leading zeros allowed) and nothing else, at most
 * VSOCK_CONNECT_LINE_MAX bytes with the newline.  Returns the line's
 * length (newline included) with the port in *@port, 0 if @buf is a
 * correct but incomplete start, or -EINVAL if it cannot become a valid
 * line.
 */
int vsock_parse_connect(const char *buf, size_t len, uint32_t *port);

/*
 * For tests: live connections and host clients of the device @d (made by
 * virtio_vsock_create()).
 */
unsigned int virtio_vsock_nr_conns(const struct virtio_device *d);

#endif
