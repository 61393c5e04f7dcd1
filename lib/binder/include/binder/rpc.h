/*
 * binder/rpc.h - RPC Binder: binder calls over stream sockets (Unix, vsock
 * or an already connected socket), wire-compatible with libbinder's RPC
 * protocol version 1 (RpcWireFormat.h; docs/binder.md has the frames).
 *
 * A server (RpcServer) listens on one socket and serves one root object.
 * A client (RpcSession) connects to it and gets a proxy for the root
 * object; after that, binder objects travel both ways inside parcels and
 * either side can call the other's.  One client-server pair is one
 * session; a session has one or more connections (sockets), joined at
 * set-up by a 32-byte random session id.
 *
 * Threads.  A server runs one thread per connection that the clients open
 * toward it (RpcServer_setMaxThreads(), default 1, is how many each client
 * opens).  A client's call takes a free connection, sends the transaction
 * and waits on that connection for the reply.  A call that arrives on a
 * connection while a thread waits there for a reply is run on that very
 * thread, so nested calls (A calls B, B calls back into A, A calls B
 * again...) work without extra threads, as in libbinder.  A server can
 * call a client outside such a nested call only if the client opened
 * connections for that (RpcSession_setMaxIncomingThreads()); otherwise
 * the call fails with STATUS_WOULD_BLOCK.
 *
 * Failure.  Any malformed frame, oversized size, unknown command or
 * vanished peer ends that session only: its sockets are shut down, calls
 * waiting on it return STATUS_DEAD_OBJECT (-EPIPE), its proxies report
 * !AIBinder_isAlive() and their death recipients run; the process and the
 * server's other sessions carry on.  A reply to a dead peer is dropped.
 * Limits of what a peer may send: a parcel of BINDER_PARCEL_MAX_SIZE
 * (1 MiB) with BINDER_PARCEL_MAX_FDS (16) fds; the rest is in rpc_wire.h
 * and docs/binder.md.
 *
 * As in libbinder, a session also ends once neither side holds any binder
 * of the other (for example after the client drops the root object).
 *
 * Errors are negative errno values; failures inside the library's own
 * threads are reported through the logger (binder_set_logger()).
 */
#ifndef BINDER_BINDER_RPC_H
#define BINDER_BINDER_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <android/binder_ibinder.h>
#include <binder/binder_log.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How file descriptors travel in a session (RpcConnectionHeader's byte). */
enum rpc_fd_transport_mode {
	RPC_FD_TRANSPORT_NONE = 0,   /* parcels cannot carry fds (default) */
	RPC_FD_TRANSPORT_UNIX = 1,   /* SCM_RIGHTS on Unix sockets */
	RPC_FD_TRANSPORT_TRUSTY = 2, /* known on the wire, not supported here */
};

/* ------------------------------------------------------------------ client */

typedef struct RpcSession RpcSession;

/* A new, unconnected client session, or NULL if memory runs out. */
RpcSession *RpcSession_new(void);

/*
 * Before setup: how many connections to open for calls from the server
 * (each gets a thread here; default 0, max 16), the most connections to
 * open for calls to the server (default: as many as the server offers,
 * max 16), and the fd transport mode (the server must accept it).
 */
int RpcSession_setMaxIncomingThreads(RpcSession *session, size_t threads);
int RpcSession_setMaxOutgoingConnections(RpcSession *session, size_t connections);
int RpcSession_setFileDescriptorTransportMode(RpcSession *session, enum rpc_fd_transport_mode mode);

/*
 * Connect the session to a server at the Unix socket @path, at vsock
 * (@cid, @port), or over the connected stream socket @fd (which the
 * session takes over, even on failure).  For the preconnected case, each
 * further connection comes from @request_fd(@arg), which returns a new
 * connected socket or a negative errno; with @request_fd NULL the session
 * has just the one connection.  Returns 0, or a negative errno: -ENOENT /
 * -ECONNREFUSED when nobody listens, -EPROTO when the server's answers
 * are malformed, -EPROTONOSUPPORT when it speaks no protocol version we
 * do, -EPIPE when it hung up, -EAFNOSUPPORT / -ENODEV when the machine has
 * no vsock, -EALREADY when the session was already set up.
 */
int RpcSession_setupUnixDomainClient(RpcSession *session, const char *path);
int RpcSession_setupVsockClient(RpcSession *session, unsigned int cid, unsigned int port);
int RpcSession_setupPreconnectedClient(RpcSession *session, int fd, int (*request_fd)(void *arg),
				       void *arg);

/*
 * The server's root object, as a new strong reference in *@root.
 * Returns 0, -ENOENT when the server has none, -EPIPE when the session is
 * dead, or another negative errno.
 */
int RpcSession_getRootObject(RpcSession *session, AIBinder **root);

/*
 * End the session (calls in flight fail with STATUS_DEAD_OBJECT, death
 * recipients of its proxies run), wait for its threads, and release it.
 * Proxies the caller still holds stay valid objects, dead.  Must not be
 * called from a call that this session is serving.
 */
void RpcSession_free(RpcSession *session);

/* ------------------------------------------------------------------ server */

typedef struct RpcServer RpcServer;

/* A new server with no socket yet, or NULL if memory runs out. */
RpcServer *RpcServer_new(void);

/* The object that clients get from RpcSession_getRootObject() (a new
 * reference is taken; NULL clears it).  Sessions already open keep the
 * root they started with. */
void RpcServer_setRootObject(RpcServer *server, AIBinder *root);
/* Connections (and so server threads) per client session, 1..16. */
int RpcServer_setMaxThreads(RpcServer *server, size_t threads);
/* Accept clients asking for one of these fd transport modes (default:
 * NONE only).  TRUSTY is refused with -EINVAL. */
int RpcServer_setSupportedFileDescriptorTransportModes(RpcServer *server,
						       const enum rpc_fd_transport_mode *modes,
						       size_t count);

/*
 * Listen at the Unix socket @path (which must not exist), at vsock
 * (@cid, @port) (VMADDR_CID_ANY = -1U for any), or on @fd, a bound
 * stream socket (which the server takes over).  Once per server.
 */
int RpcServer_setupUnixDomainServer(RpcServer *server, const char *path);
int RpcServer_setupVsockServer(RpcServer *server, unsigned int cid, unsigned int port);
int RpcServer_setupRawSocketServer(RpcServer *server, int fd);

/*
 * Serve the connected stream socket @fd as if it had just been accepted
 * (the server takes it over).  For socket pairs and sockets obtained some
 * other way; works with or without a listening socket.
 */
int RpcServer_addConnection(RpcServer *server, int fd);

/*
 * Accept and serve clients on the calling thread until
 * RpcServer_shutdown().  Returns 0 after a shutdown, -EBUSY if the server
 * is already joined, or a negative errno.  RpcServer_start() runs the
 * same loop on a thread of the server's own.
 */
int RpcServer_join(RpcServer *server);
int RpcServer_start(RpcServer *server);

/*
 * Stop accepting, end every session, and wait until every server thread
 * and RpcServer_join() have returned.  Must not be called from a server
 * thread (a binder call the server is serving).  Idempotent.
 */
void RpcServer_shutdown(RpcServer *server);
/*
 * Accept at most @total client sessions over the server's whole life (0,
 * the default: no limit); a later client's new session is refused (its
 * connection is closed), while connections that join a session already
 * accepted still work.  A service meant for exactly one client that
 * connects first (virtmgr's per-VM IVirtualMachineService, which
 * microdroid_manager reaches before any payload runs) sets 1, so that no
 * one else can take the client's place, even after it went away.
 */
void RpcServer_setSessionLimit(RpcServer *server, size_t total);
/*
 * How many client sessions the server has open now (a session counts from
 * its first connection until it ends).  For services that exit when idle.
 */
size_t RpcServer_getSessionCount(RpcServer *server);

/* Shut down (if needed) and free the server; removes nothing from disk. */
void RpcServer_free(RpcServer *server);

#ifdef __cplusplus
}
#endif

#endif
