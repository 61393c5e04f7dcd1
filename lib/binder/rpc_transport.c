/* rpc_transport.c - see rpc_transport.h. */
#include "rpc_transport.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "rpc_wire.h"

/* ------------------------------------------------------------------ sockets */

/* Read-ahead of a buffered socket: frames smaller than this take one read. */
#define SOCKET_BUFFER_SIZE 8192u

struct socket_transport {
	struct rpc_transport t;
	int fd;
	uint8_t *buf; /* read-ahead (buffered mode), or NULL */
	size_t head, tail;
};

static int socket_send(struct rpc_transport *t, const struct iovec *iov_in, int iovcnt,
		       const int *fds, size_t nfds)
{
	int fd = ((struct socket_transport *)t)->fd;
	union {
		char buf[CMSG_SPACE(sizeof(int) * RPC_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov[8];
	struct msghdr msg = {.msg_iov = iov};
	ssize_t n;

	if (iovcnt > 8 || nfds > RPC_MAX_FDS)
		return -EINVAL;
	memcpy(iov, iov_in, sizeof(*iov) * (size_t)iovcnt);
	msg.msg_iovlen = (size_t)iovcnt;
	if (nfds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	while (msg.msg_iovlen > 0) {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECONNRESET ? -EPIPE : -errno;
		}
		/* The descriptors went with the first bytes. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Take the descriptors out of @msg; -EBADMSG if they are unwanted or too many. */
static int take_fds(struct msghdr *msg, int *fds, size_t *nfds, size_t max_fds)
{
	struct cmsghdr *c;
	int r = (msg->msg_flags & MSG_CTRUNC) ? -EBADMSG : 0;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t i, n;
		int *in = (int *)CMSG_DATA(c);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, in + i, sizeof(fd));
			if (r == 0 && fds && *nfds < max_fds)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				r = -EBADMSG;
			}
		}
	}
	return r;
}

/* One recvmsg of up to @len bytes; fds as in rpc_transport_ops.recv. */
static ssize_t recv_some(int fd, void *buf, size_t len, int *fds, size_t *nfds, size_t max_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RPC_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;
	int r;

	/* No control buffer when fds are not wanted: the kernel drops any and
	 * says so with MSG_CTRUNC. */
	if (fds) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
	}
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -ETIMEDOUT;
		return errno == ECONNRESET ? -EPIPE : -errno;
	}
	if (msg.msg_controllen > 0 || (msg.msg_flags & MSG_CTRUNC)) {
		r = take_fds(&msg, fds, nfds, max_fds);
		if (r < 0)
			return r;
	}
	return n == 0 ? -EPIPE : n;
}

static int socket_recv(struct rpc_transport *t, void *buf, size_t len, int *fds, size_t *nfds,
		       size_t max_fds)
{
	struct socket_transport *st = (struct socket_transport *)t;
	uint8_t *out = buf;
	size_t got = 0, n;
	ssize_t r;

	if (st->buf && fds)
		return -EINVAL; /* read-ahead cannot tell which frame fds came with */
	while (got < len) {
		if (st->head < st->tail) {
			n = st->tail - st->head < len - got ? st->tail - st->head : len - got;
			memcpy(out + got, st->buf + st->head, n);
			st->head += n;
			got += n;
			continue;
		}
		if (!st->buf || len - got >= SOCKET_BUFFER_SIZE) {
			/* Exactly what is asked: nothing of the next frame. */
			r = recv_some(st->fd, out + got, len - got, fds, nfds, max_fds);
			if (r < 0)
				return (int)r;
			got += (size_t)r;
		} else {
			r = recv_some(st->fd, st->buf, SOCKET_BUFFER_SIZE, NULL, NULL, 0);
			if (r < 0)
				return (int)r;
			st->head = 0;
			st->tail = (size_t)r;
		}
	}
	return 0;
}

static int socket_set_buffered(struct rpc_transport *t)
{
	struct socket_transport *st = (struct socket_transport *)t;

	if (!st->buf)
		st->buf = malloc(SOCKET_BUFFER_SIZE);
	return st->buf ? 0 : -ENOMEM;
}

static void socket_shutdown(struct rpc_transport *t)
{
	shutdown(((struct socket_transport *)t)->fd, SHUT_RDWR);
}

static int socket_set_recv_timeout(struct rpc_transport *t, unsigned int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	if (setsockopt(((struct socket_transport *)t)->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static void socket_destroy(struct rpc_transport *t)
{
	close(((struct socket_transport *)t)->fd);
	free(((struct socket_transport *)t)->buf);
	free(t);
}

static const struct rpc_transport_ops socket_ops = {
    .send = socket_send,
    .recv = socket_recv,
    .shutdown = socket_shutdown,
    .set_recv_timeout = socket_set_recv_timeout,
    .set_buffered = socket_set_buffered,
    .destroy = socket_destroy,
};

struct rpc_transport *rpc_transport_new_socket(int fd)
{
	struct socket_transport *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		return NULL;
	}
	s->t.ops = &socket_ops;
	s->fd = fd;
	return &s->t;
}

/* ------------------------------------------------------------------ memory */

struct memory_transport {
	struct rpc_transport t;
	size_t len, pos;
	bool shut;
	uint8_t data[];
};

static int memory_send(struct rpc_transport *t, const struct iovec *iov, int iovcnt, const int *fds,
		       size_t nfds)
{
	(void)iov;
	(void)iovcnt;
	(void)fds;
	(void)nfds;
	return ((struct memory_transport *)t)->shut ? -EPIPE : 0;
}

static int memory_recv(struct rpc_transport *t, void *buf, size_t len, int *fds, size_t *nfds,
		       size_t max_fds)
{
	struct memory_transport *m = (struct memory_transport *)t;

	(void)fds;
	(void)nfds;
	(void)max_fds;
	if (m->shut || m->len - m->pos < len) {
		m->pos = m->len;
		return -EPIPE;
	}
	memcpy(buf, m->data + m->pos, len);
	m->pos += len;
	return 0;
}

static void memory_shutdown(struct rpc_transport *t)
{
	((struct memory_transport *)t)->shut = true;
}

static int memory_set_recv_timeout(struct rpc_transport *t, unsigned int ms)
{
	(void)t;
	(void)ms;
	return 0;
}

static int memory_set_buffered(struct rpc_transport *t)
{
	(void)t;
	return 0;
}

static void memory_destroy(struct rpc_transport *t)
{
	free(t);
}

static const struct rpc_transport_ops memory_ops = {
    .send = memory_send,
    .recv = memory_recv,
    .shutdown = memory_shutdown,
    .set_recv_timeout = memory_set_recv_timeout,
    .set_buffered = memory_set_buffered,
    .destroy = memory_destroy,
};

struct rpc_transport *rpc_transport_new_memory(const uint8_t *data, size_t len)
{
	struct memory_transport *m = calloc(1, sizeof(*m) + len);

	if (!m)
		return NULL;
	m->t.ops = &memory_ops;
	m->len = len;
	if (len)
		memcpy(m->data, data, len);
	return &m->t;
}

/* ------------------------------------------------------------------ socket helpers */

static int unix_address(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

static int socket_connect(int family, const struct sockaddr *a, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	while (connect(fd, a, len) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		return -e;
	}
	return fd;
}

static int socket_listen(int family, const struct sockaddr *a, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return -errno;
	if (bind(fd, a, len) < 0 || listen(fd, 64) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int rpc_socket_connect_unix(const char *path)
{
	struct sockaddr_un a;
	int r = unix_address(path, &a);

	return r < 0 ? r : socket_connect(AF_UNIX, (struct sockaddr *)&a, sizeof(a));
}

int rpc_socket_listen_unix(const char *path)
{
	struct sockaddr_un a;
	int r = unix_address(path, &a);

	return r < 0 ? r : socket_listen(AF_UNIX, (struct sockaddr *)&a, sizeof(a));
}

static void vsock_address(unsigned int cid, unsigned int port, struct sockaddr_vm *a)
{
	memset(a, 0, sizeof(*a));
	a->svm_family = AF_VSOCK;
	a->svm_cid = cid;
	a->svm_port = port;
}

int rpc_socket_connect_vsock(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a;

	vsock_address(cid, port, &a);
	return socket_connect(AF_VSOCK, (struct sockaddr *)&a, sizeof(a));
}

int rpc_socket_listen_vsock(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a;

	vsock_address(cid, port, &a);
	return socket_listen(AF_VSOCK, (struct sockaddr *)&a, sizeof(a));
}
