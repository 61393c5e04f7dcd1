/*
 * rpc_transport.h - the byte streams RPC sessions run on.
 *
 * A transport moves bytes, and file descriptors alongside them, in order;
 * it knows nothing of frames.  Sessions use it through this small vtable:
 * stream sockets (Unix, vsock, anything connected) are one
 * implementation; an in-memory one feeds fixed bytes to a session, for
 * fuzzing and tests.  A TLS transport would be another.
 *
 * Socket helpers below make the sockets: they return an fd or a negative
 * errno.
 */
#ifndef BINDER_RPC_TRANSPORT_H
#define BINDER_RPC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct rpc_transport;

struct rpc_transport_ops {
	/*
	 * Send all of @iov, with the @nfds descriptors @fds attached to its
	 * first byte.  0, -EPIPE when the peer is gone, or another -errno.
	 */
	int (*send)(struct rpc_transport *t, const struct iovec *iov, int iovcnt, const int *fds,
		    size_t nfds);
	/*
	 * Receive exactly @len bytes.  Descriptors that come with them are
	 * appended at @fds[*nfds], up to @max_fds in all; more than that, or
	 * any when @fds is NULL, fails with -EBADMSG (and they are closed).
	 * 0, -EPIPE at the end of the stream, -ETIMEDOUT after the receive
	 * timeout, or another -errno.
	 */
	int (*recv)(struct rpc_transport *t, void *buf, size_t len, int *fds, size_t *nfds,
		    size_t max_fds);
	/* From now on send and recv fail, blocked ones included; the peer
	 * sees the end of the stream.  Safe to call from any thread. */
	void (*shutdown)(struct rpc_transport *t);
	/* Let recv give up after @ms milliseconds (0: wait forever). */
	int (*set_recv_timeout)(struct rpc_transport *t, unsigned int ms);
	/*
	 * From now on read ahead, so that a small frame (header and body)
	 * takes one system call.  Only for streams that carry no fds: with
	 * read-ahead, recv refuses to take fds (-EINVAL).
	 */
	int (*set_buffered)(struct rpc_transport *t);
	void (*destroy)(struct rpc_transport *t);
};

struct rpc_transport {
	const struct rpc_transport_ops *ops;
};

/* A transport over the connected stream socket @fd (taken over, even on
 * failure); NULL if memory runs out. */
struct rpc_transport *rpc_transport_new_socket(int fd);

/*
 * A transport whose peer "sent" the @len bytes at @data (copied) and then
 * closed; what is sent to it is dropped.
 */
struct rpc_transport *rpc_transport_new_memory(const uint8_t *data, size_t len);

int rpc_socket_connect_unix(const char *path);
int rpc_socket_connect_vsock(unsigned int cid, unsigned int port);
/* A listening socket at @path (which must not exist yet) / at vsock (@cid, @port). */
int rpc_socket_listen_unix(const char *path);
int rpc_socket_listen_vsock(unsigned int cid, unsigned int port);

#endif
