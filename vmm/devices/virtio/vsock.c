/*
 * vsock.c - virtio-vsock (virtio 1.x, 5.10), bridged to host Unix sockets
 * the way Firecracker does it; vsock.h describes the protocol and how the
 * code is split.
 *
 * Queues: 0 rx (host -> guest), 1 tx (guest -> host), 2 event (unused).
 *
 * Guest -> host: each tx chain is one packet.  Its header is checked
 * (vsock_hdr_check()) and handed to its connection's state machine
 * (vsock_conn.c).  RW payload goes straight from the guest's buffers to
 * the socket with one sendmsg(); what the socket cannot take yet waits in
 * a per-connection ring of VSOCK_BUF_ALLOC bytes, allocated when first
 * needed (the guest's credit keeps it within that), and the socket is
 * watched for EPOLLOUT until it drains.
 *
 * Host -> guest: socket data is read with one readv() straight into the
 * payload areas of up to VSOCK_RX_BATCH rx buffers, within the guest's
 * credit; the headers are filled in afterwards.  Control packets the
 * connections owe (REQUEST, RESPONSE, CREDIT_UPDATE, SHUTDOWN, RST) and
 * RSTs that answer packets for no connection wait until rx buffers come.
 * When the rx buffers run out, a connection with data stops watching its
 * socket for input and waits on a list that a notification on the rx
 * queue resumes; a connection without credit does the same until the
 * guest's next packet gives it credit.  Used buffers are announced once
 * per worker callback.
 *
 * Limits: VSOCK_MAX_CONNS connections and host clients at once (more are
 * refused, with one log line per burst); VSOCK_MAX_PAYLOAD bytes of
 * payload per packet either way; an rx buffer must hold the header and at
 * least one byte (smaller ones are returned unused), and only its first
 * VSOCK_RX_IOV descriptors are used.
 *
 * Reset: the driver's reset may come on a vCPU thread, whose seccomp
 * filter allows neither close() nor epoll_ctl() nor freeing memory
 * safely, so it only moves every connection to the dead list and wakes
 * the worker, which closes and frees them.  Every worker callback ends in
 * vsock_finish(), which also frees what the callback killed, so a
 * connection stays valid for the whole callback that kills it.
 */
#include "vsock.h"

#include "../../sandbox.h"
#include "devices.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define VSOCK_RX_IOV 8	  /* descriptors of an rx chain we use */
#define VSOCK_RX_POOL 256 /* rx chains popped and not yet used, at most */
#define VSOCK_RX_BATCH 64 /* rx chains one readv() fills */
#define VSOCK_HASH_BITS 10
#define VSOCK_HASH_SIZE (1U << VSOCK_HASH_BITS)
#define VSOCK_RST_RING 128    /* RSTs for packets of no connection, waiting for rx buffers */
#define VSOCK_ACCEPT_BATCH 32 /* host clients accepted per wake-up */

/* An rx chain popped from the queue and not used yet. */
struct vsock_rxbuf {
	uint16_t head;
	unsigned int nr;
	size_t len;
	struct iovec iov[VSOCK_RX_IOV];
};

/* A connection (or a host client still sending its CONNECT line) and its socket. */
struct vsock_stream {
	struct vsock_conn c;
	int fd;		 /* -1 once closed */
	uint32_t events; /* epoll interest now */
	bool watched;	 /* in the worker's epoll set */
	bool in_line;	 /* host client still sending its CONNECT line */
	bool in_hash;
	bool dead;	     /* on the dead list, to be freed */
	bool hup;	     /* the socket hung up: unwatched, driven by credit and buffers */
	bool credit_blocked; /* has data for the guest, but no credit */
	bool on_ctrl, on_wait, on_connecting;
	uint8_t line_len;
	char line[VSOCK_CONNECT_LINE_MAX];
	uint64_t
	    deadline; /* waiting for a line or CONNECTING: when to give up (CLOCK_MONOTONIC ns) */
	uint8_t *buf; /* guest payload the socket has not taken (a ring) */
	uint32_t buf_head, buf_len;
	struct vsock_stream *hash_next;
	TAILQ_ENTRY(vsock_stream) all_link; /* all, or dead */
	TAILQ_ENTRY(vsock_stream) ctrl_link;
	TAILQ_ENTRY(vsock_stream) wait_link;
	TAILQ_ENTRY(vsock_stream) connecting_link;
};

TAILQ_HEAD(vsock_stream_list, vsock_stream);

struct virtio_vsock {
	struct virtio_device dev;
	uint64_t guest_cid;
	unsigned int line_timeout_ms; /* a host client's time to send its CONNECT line */
	char *uds_path;
	struct vsock_uds_id uds_id;
	int listen_fd;
	int timer_fd;	    /* CONNECT deadlines */
	int cleanup_fd;	    /* eventfd: the driver reset the device */
	bool listen_paused; /* out of descriptors: accept later */
	bool limit_logged;
	bool rx_used, tx_used; /* buffers pushed since the last notification */
	unsigned int nr_conns; /* live streams (not dead) */
	uint32_t next_port;
	uint64_t timer_armed; /* deadline the timer is set for, 0 if none */
	struct vsock_stream *hash[VSOCK_HASH_SIZE];
	struct vsock_stream_list all, dead, ctrl, wait, connecting;
	struct vsock_rxbuf rx[VSOCK_RX_POOL];
	unsigned int rx_first, rx_count;
	struct vsock_hdr rst[VSOCK_RST_RING];
	unsigned int rst_first, rst_count;
	size_t batch_cap[VSOCK_RX_BATCH];
	struct iovec iov[VIRTQ_MAX_CHAIN];
	struct virtq_chain rx_chain, tx_chain;
};

static void conn_event(struct virtio_device *d, int fd, uint32_t events, void *arg);
static void listen_event(struct virtio_device *d, int fd, uint32_t events, void *arg);

__attribute__((format(printf, 1, 2))) static void vsock_log(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mvm: virtio-vsock: %s\n", msg);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Up to @len bytes of @iov from @off on, as iovecs in @out; returns how many. */
static unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			      struct iovec *out)
{
	unsigned int k, m = 0;

	for (k = 0; k < n && len; k++) {
		size_t take;

		if (off >= iov[k].iov_len) {
			off -= iov[k].iov_len;
			continue;
		}
		take = iov[k].iov_len - off;
		if (take > len)
			take = len;
		out[m++] = (struct iovec){(uint8_t *)iov[k].iov_base + off, take};
		len -= take;
		off = 0;
	}
	return m;
}

/* Copy @len bytes of @src into @iov from its start (the caller checked the room). */
static void iov_put(const struct iovec *iov, unsigned int n, const void *src, size_t len)
{
	const uint8_t *p = src;
	unsigned int k;

	for (k = 0; k < n && len; k++) {
		size_t take = iov[k].iov_len < len ? iov[k].iov_len : len;

		memcpy(iov[k].iov_base, p, take);
		p += take;
		len -= take;
	}
}

/* sendmsg() that never raises SIGPIPE nor blocks: bytes sent, 0 if full, or -errno. */
static ssize_t sock_send(int fd, struct iovec *iov, unsigned int n)
{
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
	ssize_t r;

	for (;;) {
		r = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}

/*
 * Connections: lookup by (host port, guest port), and the lists.
 */

static unsigned int hash_slot(uint32_t local_port, uint32_t peer_port)
{
	uint64_t k = ((uint64_t)local_port << 32 | peer_port) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(k >> (64 - VSOCK_HASH_BITS));
}

static struct vsock_stream *hash_lookup(struct virtio_vsock *v, uint32_t local_port,
					uint32_t peer_port)
{
	struct vsock_stream *sc = v->hash[hash_slot(local_port, peer_port)];

	while (sc && (sc->c.local_port != local_port || sc->c.peer_port != peer_port))
		sc = sc->hash_next;
	return sc;
}

static void hash_insert(struct virtio_vsock *v, struct vsock_stream *sc)
{
	unsigned int slot = hash_slot(sc->c.local_port, sc->c.peer_port);

	sc->hash_next = v->hash[slot];
	v->hash[slot] = sc;
	sc->in_hash = true;
}

static void hash_remove(struct virtio_vsock *v, struct vsock_stream *sc)
{
	struct vsock_stream **p = &v->hash[hash_slot(sc->c.local_port, sc->c.peer_port)];

	if (!sc->in_hash)
		return;
	while (*p && *p != sc)
		p = &(*p)->hash_next;
	if (*p)
		*p = sc->hash_next;
	sc->in_hash = false;
}

static void wait_add(struct virtio_vsock *v, struct vsock_stream *sc)
{
	if (!sc->on_wait) {
		TAILQ_INSERT_TAIL(&v->wait, sc, wait_link);
		sc->on_wait = true;
	}
}

static void wait_remove(struct virtio_vsock *v, struct vsock_stream *sc)
{
	if (sc->on_wait) {
		TAILQ_REMOVE(&v->wait, sc, wait_link);
		sc->on_wait = false;
	}
}

static void limit_reached(struct virtio_vsock *v)
{
	if (!v->limit_logged)
		vsock_log("%u connections are open: refusing new ones until some close",
			  VSOCK_MAX_CONNS);
	v->limit_logged = true;
}

static struct vsock_stream *conn_new(struct virtio_vsock *v, int fd)
{
	struct vsock_stream *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->fd = fd;
	TAILQ_INSERT_TAIL(&v->all, sc, all_link);
	v->nr_conns++;
	return sc;
}

/*
 * Take @sc out of service: off every list, onto the dead list, where
 * vsock_finish() closes its socket and frees it.  No system calls, so that
 * the driver's reset can use it on any thread.
 */
static void conn_kill(struct virtio_vsock *v, struct vsock_stream *sc)
{
	if (sc->dead)
		return;
	hash_remove(v, sc);
	if (sc->on_ctrl)
		TAILQ_REMOVE(&v->ctrl, sc, ctrl_link);
	if (sc->on_connecting)
		TAILQ_REMOVE(&v->connecting, sc, connecting_link);
	wait_remove(v, sc);
	sc->on_ctrl = sc->on_connecting = false;
	TAILQ_REMOVE(&v->all, sc, all_link);
	TAILQ_INSERT_TAIL(&v->dead, sc, all_link);
	sc->dead = true;
	v->nr_conns--;
	if (v->nr_conns < VSOCK_MAX_CONNS)
		v->limit_logged = false;
}

/* Close the socket of @sc and drop its buffer (worker only). */
static void conn_close_socket(struct virtio_vsock *v, struct vsock_stream *sc)
{
	if (sc->fd >= 0) {
		if (sc->watched)
			virtio_unwatch(&v->dev, sc->fd);
		close(sc->fd);
	}
	sc->fd = -1;
	sc->watched = false;
	sc->events = 0;
	free(sc->buf);
	sc->buf = NULL;
	sc->buf_head = sc->buf_len = 0;
}

static int conn_watch(struct virtio_vsock *v, struct vsock_stream *sc, uint32_t events)
{
	int err = virtio_watch(&v->dev, sc->fd, events, conn_event, sc);

	if (!err) {
		sc->watched = true;
		sc->events = events;
	}
	return err;
}

static void conn_set_interest(struct virtio_vsock *v, struct vsock_stream *sc, uint32_t events)
{
	if (sc->fd < 0 || !sc->watched || events == sc->events)
		return;
	if (virtio_watch_modify(&v->dev, sc->fd, events, conn_event, sc) == 0)
		sc->events = events;
}

/*
 * Bring the socket side of @sc in line with its state machine: close it
 * when the connection is over, queue the control packets it owes, apply
 * the shutdowns it asks for, and watch for what it can use now.
 */
static void conn_sync(struct virtio_vsock *v, struct vsock_stream *sc)
{
	struct vsock_conn *c = &sc->c;
	unsigned int shut;
	uint32_t events = 0;

	if (sc->dead)
		return;
	if (sc->on_connecting && !sc->in_line && c->state != VSOCK_CONN_CONNECTING) {
		TAILQ_REMOVE(&v->connecting, sc, connecting_link);
		sc->on_connecting = false;
	}
	if (c->state == VSOCK_CONN_CLOSED) {
		conn_close_socket(v, sc);
		wait_remove(v, sc);
		sc->credit_blocked = false;
		if (!c->pending) {
			conn_kill(v, sc);
			return;
		}
	}
	if (c->pending && !sc->on_ctrl) {
		TAILQ_INSERT_TAIL(&v->ctrl, sc, ctrl_link);
		sc->on_ctrl = true;
	}
	if (sc->fd < 0)
		return;
	shut = vsock_conn_sock_shutdown(c);
	if (shut & VSOCK_SHUTDOWN_RCV)
		shutdown(sc->fd, SHUT_RD);
	if (shut & VSOCK_SHUTDOWN_SEND)
		shutdown(sc->fd, SHUT_WR);
	if (sc->hup) {
		/* No more readiness events: queue it whenever it could move data. */
		if (vsock_conn_can_send(c) && !sc->credit_blocked && !sc->on_wait) {
			wait_add(v, sc);
			virtio_kick_worker(&v->dev, VSOCK_QUEUE_RX);
		}
		return;
	}
	if (sc->buf_len)
		events |= EPOLLOUT;
	if (sc->in_line || (vsock_conn_can_send(c) && !sc->credit_blocked && !sc->on_wait))
		events |= EPOLLIN;
	conn_set_interest(v, sc, events);
}

/*
 * The rx queue: a pool of popped chains, used in order.
 */

static bool rx_queue_usable(struct virtio_vsock *v)
{
	struct virtio_device *d = &v->dev;

	return d->active && !d->failed && d->qreg[VSOCK_QUEUE_RX].ready;
}

/* Keep the rx chain @c in the pool, or give it back unused if it is too small. */
static void rx_keep(struct virtio_vsock *v, const struct virtq_chain *c)
{
	struct vsock_rxbuf *b = &v->rx[(v->rx_first + v->rx_count) % VSOCK_RX_POOL];
	unsigned int k;

	b->head = c->head;
	b->nr = 0;
	b->len = 0;
	for (k = 0; k < c->nr_wr && k < VSOCK_RX_IOV; k++) {
		b->iov[k] = c->wr[k];
		b->len += c->wr[k].iov_len;
		b->nr++;
	}
	if (b->len <= VSOCK_HDR_SIZE) {
		virtq_push(&v->dev.vq[VSOCK_QUEUE_RX], c->head, 0);
		v->rx_used = true;
		return;
	}
	v->rx_count++;
}

/*
 * Have @want rx chains in the pool if the guest offers them; returns how
 * many there are.  With none at all, asks the guest for a notification
 * when it adds some.
 */
static unsigned int rx_fill(struct virtio_vsock *v, unsigned int want)
{
	struct virtq *vq = &v->dev.vq[VSOCK_QUEUE_RX];

	if (!rx_queue_usable(v))
		return 0; /* not started, or broken: keep nothing popped */
	if (want > VSOCK_RX_POOL)
		want = VSOCK_RX_POOL;
	if (v->rx_count >= want)
		return v->rx_count;
	while (v->rx_count < want) {
		int got = virtq_pop(vq, &v->rx_chain);

		if (got < 0) {
			virtio_device_fail(&v->dev, "rx queue: %s", vq->error);
			break;
		}
		if (got == 0) {
			if (v->rx_count || !virtq_enable_notify(vq, true))
				break;
			continue; /* buffers came while we asked */
		}
		rx_keep(v, &v->rx_chain);
	}
	return v->rx_count;
}

/* Give the first pool chain back with @written bytes in it. */
static void rx_done(struct virtio_vsock *v, size_t written)
{
	struct vsock_rxbuf *b = &v->rx[v->rx_first];

	virtq_push(&v->dev.vq[VSOCK_QUEUE_RX], b->head, (uint32_t)written);
	v->rx_first = (v->rx_first + 1) % VSOCK_RX_POOL;
	v->rx_count--;
	v->rx_used = true;
}

/* Send a packet without payload to the guest; false if no rx buffer is there. */
static bool rx_send_hdr(struct virtio_vsock *v, const struct vsock_hdr *h)
{
	uint8_t raw[VSOCK_HDR_SIZE];
	struct vsock_rxbuf *b;

	if (!rx_fill(v, 1))
		return false;
	b = &v->rx[v->rx_first];
	vsock_hdr_encode(h, raw);
	iov_put(b->iov, b->nr, raw, sizeof(raw));
	rx_done(v, VSOCK_HDR_SIZE);
	return true;
}

/* Queue the RST answering @h, a packet for no connection. */
static void rst_reply(struct virtio_vsock *v, const struct vsock_hdr *h)
{
	if (v->rst_count == VSOCK_RST_RING)
		return; /* the guest's connect times out instead */
	vsock_rst_reply(h, &v->rst[(v->rst_first + v->rst_count) % VSOCK_RST_RING]);
	v->rst_count++;
}

/* Send the control packets owed, while rx buffers last. */
static void ctrl_flush(struct virtio_vsock *v)
{
	struct vsock_stream *sc;
	struct vsock_hdr h;

	while (v->rst_count) {
		if (!rx_send_hdr(v, &v->rst[v->rst_first]))
			return;
		v->rst_first = (v->rst_first + 1) % VSOCK_RST_RING;
		v->rst_count--;
	}
	while ((sc = TAILQ_FIRST(&v->ctrl))) {
		while (sc->c.pending) {
			if (!rx_fill(v, 1))
				return;
			if (vsock_conn_next_ctrl(&sc->c, &h))
				rx_send_hdr(v, &h);
		}
		TAILQ_REMOVE(&v->ctrl, sc, ctrl_link);
		sc->on_ctrl = false;
		conn_sync(v, sc);
	}
}

/*
 * Host -> guest data.
 */

/*
 * Move socket data into rx buffers as RW packets while the guest has
 * credit and buffers, a few readv() at most; then settle how @sc waits.
 */
static void conn_pump(struct virtio_vsock *v, struct vsock_stream *sc)
{
	unsigned int round;

	sc->credit_blocked = false;
	for (round = 0; round < 4; round++) {
		unsigned int nbuf, k, nio = 0;
		size_t total = 0, left;
		uint32_t credit;
		ssize_t r;

		if (sc->dead || sc->fd < 0 || !vsock_conn_can_send(&sc->c))
			break;
		credit = vsock_conn_credit(&sc->c);
		if (!credit) {
			sc->credit_blocked = true;
			break;
		}
		nbuf = rx_fill(v, VSOCK_RX_BATCH);
		if (!nbuf) {
			wait_add(v, sc);
			break;
		}
		if (nbuf > VSOCK_RX_BATCH)
			nbuf = VSOCK_RX_BATCH;
		for (k = 0; k < nbuf && total < credit; k++) {
			const struct vsock_rxbuf *b = &v->rx[(v->rx_first + k) % VSOCK_RX_POOL];
			size_t cap = b->len - VSOCK_HDR_SIZE;

			if (cap > VSOCK_MAX_PAYLOAD)
				cap = VSOCK_MAX_PAYLOAD;
			if (cap > credit - total)
				cap = credit - total;
			nio += iov_slice(b->iov, b->nr, VSOCK_HDR_SIZE, cap, v->iov + nio);
			v->batch_cap[k] = cap;
			total += cap;
		}
		nbuf = k;
		r = readv(sc->fd, v->iov, (int)nio);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (sc->hup) /* cannot happen on a hung-up socket; end it */
					vsock_conn_sock_eof(&sc->c);
				break;
			}
			vsock_conn_reset(&sc->c); /* ECONNRESET and the like */
			break;
		}
		if (r == 0) {
			vsock_conn_sock_eof(&sc->c);
			break;
		}
		left = (size_t)r;
		for (k = 0; k < nbuf && left; k++) {
			const struct vsock_rxbuf *b = &v->rx[v->rx_first];
			size_t take = left < v->batch_cap[k] ? left : v->batch_cap[k];
			uint8_t raw[VSOCK_HDR_SIZE];
			struct vsock_hdr h;

			vsock_conn_hdr(&sc->c, &h, VSOCK_OP_RW, (uint32_t)take, 0);
			vsock_hdr_encode(&h, raw);
			iov_put(b->iov, b->nr, raw, sizeof(raw));
			rx_done(v, VSOCK_HDR_SIZE + take);
			left -= take;
		}
		vsock_conn_sent(&sc->c, (uint32_t)r);
		/* A short read drained the socket; a hung-up one still owes its EOF. */
		if ((size_t)r < total && !sc->hup)
			break;
	}
	conn_sync(v, sc);
}

/*
 * Guest -> host data.
 */

/* Keep @len bytes of the chain's payload from @off on in the ring of @sc. */
static int conn_buffer(struct vsock_stream *sc, const struct virtq_chain *c, size_t off, size_t len)
{
	size_t tail, first;

	if (!sc->buf) {
		sc->buf = malloc(VSOCK_BUF_ALLOC);
		if (!sc->buf)
			return -ENOMEM;
		sc->buf_head = 0;
	}
	if (len > VSOCK_BUF_ALLOC - sc->buf_len)
		return -ENOBUFS; /* the credit check makes this impossible */
	tail = (sc->buf_head + sc->buf_len) % VSOCK_BUF_ALLOC;
	first = VSOCK_BUF_ALLOC - tail < len ? VSOCK_BUF_ALLOC - tail : len;
	virtq_chain_read(c, off, sc->buf + tail, first);
	if (len > first)
		virtq_chain_read(c, off + first, sc->buf, len - first);
	sc->buf_len += (uint32_t)len;
	return 0;
}

/* Write the RW payload of @len bytes in chain @c to the socket, keeping what it cannot take. */
static void conn_from_guest(struct virtio_vsock *v, struct vsock_stream *sc,
			    const struct virtq_chain *c, uint32_t len)
{
	size_t done = 0;

	if (sc->fd < 0)
		return;
	if (!sc->buf_len) {
		unsigned int n = iov_slice(c->rd, c->nr_rd, VSOCK_HDR_SIZE, len, v->iov);
		ssize_t r = sock_send(sc->fd, v->iov, n);

		if (r < 0) {
			vsock_conn_reset(&sc->c); /* EPIPE, ECONNRESET: the peer is gone */
			return;
		}
		done = (size_t)r;
		if (done)
			vsock_conn_forwarded(&sc->c, (uint32_t)done);
	}
	if (done < len && conn_buffer(sc, c, VSOCK_HDR_SIZE + done, len - done) < 0)
		vsock_conn_reset(&sc->c);
}

/* Write out what the ring of @sc holds, as far as the socket takes it. */
static void conn_flush(struct virtio_vsock *v, struct vsock_stream *sc)
{
	while (sc->buf_len && sc->fd >= 0) {
		struct iovec iov[2];
		uint32_t first = VSOCK_BUF_ALLOC - sc->buf_head;
		unsigned int n = 1;
		ssize_t r;

		if (first > sc->buf_len)
			first = sc->buf_len;
		iov[0] = (struct iovec){sc->buf + sc->buf_head, first};
		if (first < sc->buf_len)
			iov[n++] = (struct iovec){sc->buf, sc->buf_len - first};
		r = sock_send(sc->fd, iov, n);
		if (r < 0) {
			vsock_conn_reset(&sc->c);
			break;
		}
		if (r == 0)
			break;
		sc->buf_head = (uint32_t)((sc->buf_head + (size_t)r) % VSOCK_BUF_ALLOC);
		sc->buf_len -= (uint32_t)r;
		vsock_conn_forwarded(&sc->c, (uint32_t)r);
	}
	if (!sc->buf_len)
		sc->buf_head = 0;
	conn_sync(v, sc);
}

/* The guest accepted a host client's CONNECT: tell the client. */
static void conn_connected(struct vsock_stream *sc)
{
	char ok[24];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", sc->c.local_port);

	/* The socket is empty so far: the line goes at once, or the client is gone. */
	if (sc->fd < 0 || send(sc->fd, ok, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		vsock_conn_reset(&sc->c);
}

/* A guest REQUEST for no existing connection: connect to "<uds_path>_<port>". */
static void guest_request(struct virtio_vsock *v, const struct vsock_hdr *h)
{
	struct vsock_stream *sc;
	int fd;

	if (h->type != VSOCK_TYPE_STREAM)
		goto refuse;
	if (v->nr_conns >= VSOCK_MAX_CONNS) {
		limit_reached(v);
		goto refuse;
	}
	fd = vsock_uds_connect(v->uds_path, h->dst_port);
	if (fd < 0)
		goto refuse;
	sc = conn_new(v, fd);
	if (!sc) {
		close(fd);
		goto refuse;
	}
	vsock_conn_init(&sc->c, v->guest_cid, h->dst_port, h->src_port);
	vsock_conn_accept(&sc->c, h);
	hash_insert(v, sc);
	if (conn_watch(v, sc, 0) < 0)
		vsock_conn_reset(&sc->c);
	conn_sync(v, sc);
	return;
refuse:
	rst_reply(v, h);
}

/* One packet the guest sent, in chain @c. */
static void tx_packet(struct virtio_vsock *v, const struct virtq_chain *c)
{
	uint8_t raw[VSOCK_HDR_SIZE];
	enum vsock_hdr_verdict verdict;
	struct vsock_stream *sc;
	struct vsock_hdr h;
	unsigned int act;

	if (c->rd_len < VSOCK_HDR_SIZE)
		return; /* not even a header: dropped */
	virtq_chain_read(c, 0, raw, sizeof(raw));
	vsock_hdr_decode(raw, &h);
	verdict = vsock_hdr_check(&h, v->guest_cid, c->rd_len - VSOCK_HDR_SIZE);
	if (verdict == VSOCK_HDR_BAD_ADDR)
		return; /* the guest may reach the host only */
	sc = hash_lookup(v, h.dst_port, h.src_port);
	if (verdict == VSOCK_HDR_BAD_LEN) {
		if (sc) {
			vsock_conn_reset(&sc->c);
			conn_sync(v, sc);
		}
		return;
	}
	if (!sc) {
		if (h.op == VSOCK_OP_REQUEST)
			guest_request(v, &h);
		else if (h.op != VSOCK_OP_RST)
			rst_reply(v, &h);
		return;
	}
	act = vsock_conn_recv(&sc->c, &h);
	if (act & VSOCK_ACT_DATA)
		conn_from_guest(v, sc, c, h.len);
	if (act & VSOCK_ACT_CONNECTED)
		conn_connected(sc);
	/* Every packet carries the guest's credit: resume a stalled stream. */
	if (sc->credit_blocked && vsock_conn_credit(&sc->c))
		conn_pump(v, sc);
	else
		conn_sync(v, sc);
}

static void tx_process(struct virtio_vsock *v)
{
	struct virtq *vq = &v->dev.vq[VSOCK_QUEUE_TX];
	int got;

	do {
		while ((got = virtq_pop(vq, &v->tx_chain)) > 0) {
			tx_packet(v, &v->tx_chain);
			virtq_push(vq, v->tx_chain.head, 0);
			v->tx_used = true;
		}
		if (got < 0) {
			virtio_device_fail(&v->dev, "tx queue: %s", vq->error);
			return;
		}
	} while (virtq_enable_notify(vq, true));
}

/* The guest added rx buffers: send what waited for them. */
static void rx_process(struct virtio_vsock *v)
{
	struct vsock_stream *sc;

	ctrl_flush(v);
	while ((sc = TAILQ_FIRST(&v->wait)) && rx_fill(v, 1)) {
		wait_remove(v, sc);
		conn_pump(v, sc);
	}
	if (v->rx_count)
		virtq_enable_notify(&v->dev.vq[VSOCK_QUEUE_RX], false);
}

/*
 * End of every worker callback: send owed control packets, free the dead,
 * set the timer, and interrupt the guest once for all used buffers.
 */
static void vsock_finish(struct virtio_vsock *v)
{
	struct vsock_stream *sc, *first;
	bool freed = false;

	if (v->rst_count || !TAILQ_EMPTY(&v->ctrl))
		ctrl_flush(v);
	while ((sc = TAILQ_FIRST(&v->dead))) {
		TAILQ_REMOVE(&v->dead, sc, all_link);
		conn_close_socket(v, sc);
		free(sc);
		freed = true;
	}
	if (freed && v->listen_paused &&
	    virtio_watch_modify(&v->dev, v->listen_fd, EPOLLIN, listen_event, NULL) == 0)
		v->listen_paused = false;

	first = TAILQ_FIRST(&v->connecting);
	if ((first ? first->deadline : 0) != v->timer_armed) {
		struct itimerspec its = {0};

		if (first) {
			its.it_value.tv_sec = (time_t)(first->deadline / 1000000000ULL);
			its.it_value.tv_nsec = (long)(first->deadline % 1000000000ULL);
		}
		if (timerfd_settime(v->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
			v->timer_armed = first ? first->deadline : 0;
	}

	if (v->rx_used) {
		v->rx_used = false;
		virtio_queue_notify_guest(&v->dev, VSOCK_QUEUE_RX);
	}
	if (v->tx_used) {
		v->tx_used = false;
		virtio_queue_notify_guest(&v->dev, VSOCK_QUEUE_TX);
	}
}

/*
 * Host clients.
 */

/* A new port with VSOCK_HOST_PORT_BIT set that no live connection uses. */
static uint32_t host_port_alloc(struct virtio_vsock *v)
{
	for (;;) {
		uint32_t port = VSOCK_HOST_PORT_BIT | (v->next_port++ & (VSOCK_HOST_PORT_BIT - 1));
		struct vsock_stream *sc;
		bool used = false;

		for (sc = TAILQ_FIRST(&v->all); sc && !used; sc = TAILQ_NEXT(sc, all_link))
			used = sc->c.local_port == port;
		if (!used)
			return port; /* found within VSOCK_MAX_CONNS + 1 tries */
	}
}

/*
 * Give host client @sc @ms milliseconds from now: timer_event() ends it
 * then.  The deadline list stays sorted, so the timer is always set for
 * its first entry (vsock_finish).
 */
static void deadline_set(struct virtio_vsock *v, struct vsock_stream *sc, unsigned int ms)
{
	struct vsock_stream *prev;

	if (sc->on_connecting)
		TAILQ_REMOVE(&v->connecting, sc, connecting_link);
	sc->deadline = now_ns() + ms * 1000000ULL;
	prev = TAILQ_LAST(&v->connecting, vsock_stream_list);
	while (prev && prev->deadline > sc->deadline)
		prev = TAILQ_PREV(prev, vsock_stream_list, connecting_link);
	if (prev)
		TAILQ_INSERT_AFTER(&v->connecting, prev, sc, connecting_link);
	else
		TAILQ_INSERT_HEAD(&v->connecting, sc, connecting_link);
	sc->on_connecting = true;
}

/* A host client sent "CONNECT <port>\n": ask the guest. */
static void conn_start_connect(struct virtio_vsock *v, struct vsock_stream *sc, uint32_t port)
{
	sc->in_line = false;
	vsock_conn_init(&sc->c, v->guest_cid, host_port_alloc(v), port);
	vsock_conn_connect(&sc->c);
	hash_insert(v, sc);
	deadline_set(v, sc, VSOCK_CONNECT_TIMEOUT_MS);
	conn_sync(v, sc);
}

/*
 * Read a host client's CONNECT line.  Bytes are peeked first and only the
 * line is consumed, so whatever the client sent after it stays in the
 * socket for the guest.
 */
static void line_read(struct virtio_vsock *v, struct vsock_stream *sc)
{
	size_t room = sizeof(sc->line) - sc->line_len, consume;
	uint32_t port;
	ssize_t n;
	int r;

	n = recv(sc->fd, sc->line + sc->line_len, room, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_kill(v, sc); /* gone before a whole line */
		return;
	}
	r = vsock_parse_connect(sc->line, sc->line_len + (size_t)n, &port);
	if (r < 0) {
		conn_kill(v, sc); /* not a CONNECT line */
		return;
	}
	consume = r > 0 ? (size_t)r - sc->line_len : (size_t)n;
	if (recv(sc->fd, sc->line + sc->line_len, consume, MSG_DONTWAIT) != (ssize_t)consume) {
		conn_kill(v, sc);
		return;
	}
	sc->line_len = (uint8_t)(sc->line_len + consume);
	if (r > 0)
		conn_start_connect(v, sc, port);
}

/* The socket hung up: stop watching it (EPOLLHUP cannot be masked). */
static void conn_hup(struct virtio_vsock *v, struct vsock_stream *sc)
{
	if (sc->watched)
		virtio_unwatch(&v->dev, sc->fd);
	sc->watched = false;
	sc->events = 0;
	sc->hup = true;
	if (sc->buf_len)
		conn_flush(v, sc); /* fails, unless it was our own shutdown */
	if (!sc->dead && sc->fd >= 0 && vsock_conn_can_send(&sc->c))
		conn_pump(v, sc); /* what is left to read, then EOF */
	else
		conn_sync(v, sc);
}

static void conn_event(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	struct virtio_vsock *v = d->priv;
	struct vsock_stream *sc = arg;

	(void)fd;
	if (sc->dead || sc->fd < 0)
		goto out;
	if (sc->in_line) {
		line_read(v, sc);
		goto out;
	}
	if (sc->buf_len && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		conn_flush(v, sc);
	if (!sc->dead && sc->fd >= 0 && (sc->events & EPOLLIN) &&
	    (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_pump(v, sc);
	if (!sc->dead && sc->fd >= 0 && (events & (EPOLLERR | EPOLLHUP)) && !(sc->events & EPOLLIN))
		conn_hup(v, sc);
out:
	vsock_finish(v);
}

static void listen_event(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	struct virtio_vsock *v = d->priv;
	unsigned int k;

	(void)fd;
	(void)events;
	(void)arg;
	for (k = 0; k < VSOCK_ACCEPT_BATCH; k++) {
		int cfd = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct vsock_stream *sc;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Accept again once a connection is freed. */
				vsock_log("cannot accept host connections: %s", strerror(errno));
				if (virtio_watch_modify(d, v->listen_fd, 0, listen_event, NULL) ==
				    0)
					v->listen_paused = true;
			}
			break;
		}
		if (v->nr_conns >= VSOCK_MAX_CONNS) {
			limit_reached(v);
			close(cfd);
			continue;
		}
		sc = conn_new(v, cfd);
		if (!sc) {
			close(cfd);
			continue;
		}
		sc->in_line = true;
		vsock_conn_init(&sc->c, v->guest_cid, 0, 0);
		if (conn_watch(v, sc, EPOLLIN) < 0)
			conn_kill(v, sc);
		else
			deadline_set(v, sc, v->line_timeout_ms);
	}
	vsock_finish(v);
}

/*
 * A deadline passed: close the host clients that sent no CONNECT line in
 * time, and those the guest did not answer.
 */
static void timer_event(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	struct virtio_vsock *v = d->priv;
	struct vsock_stream *sc;
	uint64_t ticks, now = now_ns();

	(void)events;
	(void)arg;
	if (read(fd, &ticks, sizeof(ticks)) < 0) {
		/* EAGAIN: a stale wake-up */
	}
	v->timer_armed = 0; /* a one-shot timer: it fired */
	while ((sc = TAILQ_FIRST(&v->connecting)) && sc->deadline <= now) {
		TAILQ_REMOVE(&v->connecting, sc, connecting_link);
		sc->on_connecting = false;
		if (sc->in_line) {
			conn_kill(v, sc);
			continue;
		}
		vsock_conn_reset(&sc->c);
		conn_sync(v, sc);
	}
	vsock_finish(v);
}

/* The driver reset the device (see vsock_reset()): free what it left on the dead list. */
static void cleanup_event(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing pending */
	}
	vsock_finish(d->priv);
}

static void vsock_queue_notify(struct virtio_device *d, unsigned int q)
{
	struct virtio_vsock *v = d->priv;

	if (q == VSOCK_QUEUE_RX)
		rx_process(v);
	else if (q == VSOCK_QUEUE_TX)
		tx_process(v);
	/* The event queue holds the guest's buffers for events we never send. */
	vsock_finish(v);
}

/*
 * Device reset: every connection and host client goes (the listening
 * socket stays).  Any thread, lock held; no system calls but waking the
 * worker, which closes the sockets (see the top of this file).
 */
static void vsock_reset(struct virtio_device *d)
{
	struct virtio_vsock *v = d->priv;
	struct vsock_stream *sc;
	uint64_t one = 1;

	while ((sc = TAILQ_FIRST(&v->all)))
		conn_kill(v, sc);
	v->rx_first = v->rx_count = 0;
	v->rst_first = v->rst_count = 0;
	v->rx_used = v->tx_used = false;
	if (!TAILQ_EMPTY(&v->dead) && write(v->cleanup_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the worker is already being woken */
	}
}

static void vsock_config_read(struct virtio_device *d, uint32_t off, uint8_t *data,
			      unsigned int size)
{
	struct virtio_vsock *v = d->priv;
	uint64_t cid = htole64(v->guest_cid); /* le64 guest_cid */

	if (off < sizeof(cid) && size <= sizeof(cid) - off)
		memcpy(data, (const uint8_t *)&cid + off, size);
}

static const struct virtio_device_ops vsock_ops = {
    .name = "virtio-vsock",
    .device_id = VIRTIO_ID_VSOCK,
    .features = 0, /* stream sockets are implied; no SEQPACKET */
    .nr_queues = 3,
    .queue_max = 256,
    .config_len = 8,
    .sandbox = SANDBOX_DEVICE_SOCKET,
    .config_read = vsock_config_read,
    .reset = vsock_reset,
    .queue_notify = vsock_queue_notify,
};

unsigned int virtio_vsock_nr_conns(const struct virtio_device *d)
{
	return ((const struct virtio_vsock *)d->priv)->nr_conns;
}

/* Stop the worker, close every socket, remove the listening socket's file, free @v. */
static void vsock_free(struct virtio_vsock *v)
{
	struct vsock_stream *sc;

	virtio_device_destroy(&v->dev); /* the worker is gone, and so is its epoll set */
	while ((sc = TAILQ_FIRST(&v->all)))
		conn_kill(v, sc);
	while ((sc = TAILQ_FIRST(&v->dead))) {
		TAILQ_REMOVE(&v->dead, sc, all_link);
		if (sc->fd >= 0)
			close(sc->fd);
		free(sc->buf);
		free(sc);
	}
	if (v->listen_fd >= 0) {
		close(v->listen_fd);
		vsock_uds_unlink(v->uds_path, &v->uds_id);
	}
	if (v->timer_fd >= 0)
		close(v->timer_fd);
	if (v->cleanup_fd >= 0)
		close(v->cleanup_fd);
	free(v->uds_path);
	free(v);
}

int virtio_vsock_create(struct virtio_device **out, const struct guest_mem *mem,
			struct virtio_irq irq, const struct virtio_vsock_params *p, struct error *e)
{
	struct virtio_vsock *v;
	int err;

	if (!p || !p->uds_path)
		return error_set(e, -EINVAL, "virtio-vsock: no host socket path (--vsock-uds)");
	if (p->guest_cid < VSOCK_CID_MIN || p->guest_cid > VSOCK_CID_MAX)
		return error_set(
		    e, -EINVAL, "virtio-vsock: guest CID %llu is out of range: it must be %u to %u",
		    (unsigned long long)p->guest_cid, VSOCK_CID_MIN, VSOCK_CID_MAX);
	err = vsock_uds_check_path(p->uds_path, e);
	if (err)
		return err;
	v = calloc(1, sizeof(*v));
	if (!v)
		return error_set(e, -ENOMEM, "virtio-vsock: out of memory");
	v->listen_fd = v->timer_fd = v->cleanup_fd = -1;
	TAILQ_INIT(&v->all);
	TAILQ_INIT(&v->dead);
	TAILQ_INIT(&v->ctrl);
	TAILQ_INIT(&v->wait);
	TAILQ_INIT(&v->connecting);
	v->guest_cid = p->guest_cid;
	v->line_timeout_ms = p->line_timeout_ms ? p->line_timeout_ms : VSOCK_LINE_TIMEOUT_MS;
	err = virtio_device_init(&v->dev, &vsock_ops, v, mem, irq);
	if (err) {
		error_set(e, err, "virtio-vsock: %s", strerror(-err));
		goto fail;
	}
	v->uds_path = strdup(p->uds_path);
	if (!v->uds_path) {
		err = error_set(e, -ENOMEM, "virtio-vsock: out of memory");
		goto fail;
	}
	v->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	v->cleanup_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->timer_fd < 0 || v->cleanup_fd < 0) {
		err = error_set(e, -errno, "virtio-vsock: %s", strerror(errno));
		goto fail;
	}
	err = vsock_uds_listen(v->uds_path, &v->listen_fd, &v->uds_id, e);
	if (err)
		goto fail;
	err = virtio_watch(&v->dev, v->listen_fd, EPOLLIN, listen_event, NULL);
	if (!err)
		err = virtio_watch(&v->dev, v->timer_fd, EPOLLIN, timer_event, NULL);
	if (!err)
		err = virtio_watch(&v->dev, v->cleanup_fd, EPOLLIN, cleanup_event, NULL);
	if (err) {
		error_set(e, err, "virtio-vsock: cannot watch its sockets: %s", strerror(-err));
		goto fail;
	}
	*out = &v->dev;
	return 0;
fail:
	vsock_free(v);
	return err;
}

void virtio_vsock_destroy(struct virtio_device *d)
{
	if (d)
		vsock_free(d->priv);
}
