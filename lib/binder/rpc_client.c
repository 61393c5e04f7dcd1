/*
 * rpc_client.c - RpcSession_*: setting up the client side of a session
 * (binder/rpc.h).
 *
 * Set-up, as libbinder does it: the first connection sends a connection
 * header with no session id and "cci", and reads the server's new-session
 * response (the protocol version).  Over it the client asks
 * GET_MAX_THREADS and GET_SESSION_ID, then opens the other outgoing
 * connections (header with the session id, then "cci") and the incoming
 * ones (header with INCOMING and the id; the server sends "cci"), each
 * with a thread here serving the server's calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parcel.h"
#include "rpc_client.h"
#include "rpc_session.h"

struct RpcSession {
	struct rpc_session *s;
	size_t max_incoming;
	size_t max_outgoing;
	enum rpc_fd_transport_mode fd_mode;
	bool set_up;
};

/* How to open one more connection to the server. */
struct connector {
	int (*connect)(struct connector *k); /* a connected socket, or -errno */
	const char *path;
	unsigned int cid, port;
	int first_fd;		     /* preconnected: the fd for the first connection */
	struct rpc_transport *first; /* or its transport */
	int (*request_fd)(void *arg);
	void *arg;
};

RpcSession *RpcSession_new(void)
{
	RpcSession *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->max_outgoing = RPC_MAX_THREADS;
	return rs;
}

int RpcSession_setMaxIncomingThreads(RpcSession *rs, size_t threads)
{
	if (rs->set_up)
		return -EALREADY;
	if (threads > RPC_MAX_THREADS)
		return -EINVAL;
	rs->max_incoming = threads;
	return 0;
}

int RpcSession_setMaxOutgoingConnections(RpcSession *rs, size_t connections)
{
	if (rs->set_up)
		return -EALREADY;
	if (connections < 1 || connections > RPC_MAX_THREADS)
		return -EINVAL;
	rs->max_outgoing = connections;
	return 0;
}

int RpcSession_setFileDescriptorTransportMode(RpcSession *rs, enum rpc_fd_transport_mode mode)
{
	if (rs->set_up)
		return -EALREADY;
	if (mode != RPC_FD_TRANSPORT_NONE && mode != RPC_FD_TRANSPORT_UNIX)
		return -EINVAL;
	rs->fd_mode = mode;
	return 0;
}

static void *incoming_thread(void *arg)
{
	struct rpc_session *s = ((void **)arg)[0];
	struct rpc_conn *c = ((void **)arg)[1];

	free(arg);
	rpc_session_join(s, c);
	rpc_session_put(s);
	return NULL;
}

/* Send a connection header (with the session id if @with_id). */
static int send_header(struct rpc_session *s, struct rpc_transport *t, bool incoming, bool with_id)
{
	uint8_t head[RPC_CONNECTION_HEADER_SIZE], init[RPC_CONNECTION_INIT_SIZE];
	struct rpc_connection_header h = {
	    .version = RPC_WIRE_PROTOCOL_VERSION,
	    .options = incoming ? RPC_CONNECTION_OPTION_INCOMING : 0,
	    .fd_mode = (uint8_t)s->fd_mode,
	    .session_id_size = with_id ? RPC_SESSION_ID_SIZE : 0,
	};
	struct iovec iov[3] = {
	    {head, sizeof(head)},
	    {s->id, with_id ? RPC_SESSION_ID_SIZE : 0},
	    {init, incoming ? 0 : sizeof(init)}, /* we call on it: we say "cci" */
	};

	rpc_wire_put_connection_header(head, &h);
	rpc_wire_put_connection_init(init);
	return t->ops->send(t, iov, 3, NULL, 0);
}

/* A new connection's transport, or NULL with *@err. */
static struct rpc_transport *open_conn(struct connector *k, int *err)
{
	struct rpc_transport *t = k->first;
	int fd;

	if (t) {
		k->first = NULL;
		return t;
	}
	fd = k->connect(k);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	t = rpc_transport_new_socket(fd);
	if (!t)
		*err = -ENOMEM;
	return t;
}

/* What setup() did not use of @k. */
static void connector_release(struct connector *k)
{
	if (k->first_fd >= 0)
		close(k->first_fd);
	k->first_fd = -1;
	if (k->first)
		k->first->ops->destroy(k->first);
	k->first = NULL;
}

/* A special transaction (address 0) with no arguments: its reply in *@reply. */
static int special(struct rpc_session *s, uint32_t code, AParcel **reply)
{
	AParcel *in = rpc_session_new_parcel(s);
	int r;

	*reply = rpc_session_new_parcel(s);
	if (!in || !*reply) {
		AParcel_delete(in);
		return -ENOMEM;
	}
	r = rpc_session_transact(s, 0, NULL, code, in, *reply, 0);
	AParcel_delete(in);
	return r;
}

/* The first connection: new session, version, max threads, session id. */
static int setup_first(struct rpc_session *s, struct connector *k, size_t *max_threads)
{
	uint8_t resp[RPC_NEW_SESSION_RESPONSE_SIZE];
	struct rpc_transport *t;
	AParcel *reply = NULL;
	int8_t *id = NULL;
	int32_t n = 0, len = 0;
	uint32_t version;
	int r = 0;

	t = open_conn(k, &r);
	if (!t)
		return r;
	r = send_header(s, t, false, false);
	if (r == 0)
		r = t->ops->set_recv_timeout(t, RPC_HANDSHAKE_TIMEOUT_MS);
	if (r == 0)
		r = t->ops->recv(t, resp, sizeof(resp), NULL, NULL, 0);
	if (r == 0)
		r = t->ops->set_recv_timeout(t, 0);
	if (r < 0) {
		t->ops->destroy(t);
		return r;
	}
	version = rpc_wire_get_new_session_response(resp);
	if (version != RPC_WIRE_PROTOCOL_VERSION) {
		binder_warn("RPC server speaks protocol version %u; this library speaks %u only",
			    version, RPC_WIRE_PROTOCOL_VERSION);
		t->ops->destroy(t);
		return version < RPC_WIRE_PROTOCOL_VERSION ? -EPROTONOSUPPORT : -EPROTO;
	}
	r = rpc_session_add_conn(s, t, false, NULL);
	if (r == 0)
		r = special(s, RPC_SPECIAL_TRANSACT_GET_MAX_THREADS, &reply);
	if (r == 0 && (AParcel_readInt32(reply, &n) != STATUS_OK || n <= 0))
		r = -EPROTO;
	AParcel_delete(reply);
	reply = NULL;
	if (r == 0)
		r = special(s, RPC_SPECIAL_TRANSACT_GET_SESSION_ID, &reply);
	if (r == 0 &&
	    (AParcel_readByteArrayDup(reply, &id, &len) != STATUS_OK || len != RPC_SESSION_ID_SIZE))
		r = -EPROTO;
	if (r == 0) {
		memcpy(s->id, id, RPC_SESSION_ID_SIZE);
		s->has_id = true;
	}
	free(id);
	AParcel_delete(reply);
	*max_threads = (size_t)n;
	return r == STATUS_DEAD_OBJECT ? -EPIPE : r;
}

/* One more connection to the session: outgoing, or incoming with its thread. */
static int setup_more(struct rpc_session *s, struct connector *k, bool incoming)
{
	uint8_t init[RPC_CONNECTION_INIT_SIZE];
	struct rpc_transport *t;
	struct rpc_conn *c;
	void **arg;
	int r = 0;

	t = open_conn(k, &r);
	if (!t)
		return r;
	r = send_header(s, t, incoming, true);
	if (r == 0 && incoming) {
		r = t->ops->set_recv_timeout(t, RPC_HANDSHAKE_TIMEOUT_MS);
		if (r == 0)
			r = t->ops->recv(t, init, sizeof(init), NULL, NULL, 0);
		if (r == 0)
			r = rpc_wire_check_connection_init(init);
		if (r == 0)
			r = t->ops->set_recv_timeout(t, 0);
	}
	if (r < 0) {
		t->ops->destroy(t);
		return r;
	}
	r = rpc_session_add_conn(s, t, incoming, &c);
	if (r < 0 || !incoming)
		return r;
	arg = malloc(2 * sizeof(*arg));
	if (!arg)
		return -ENOMEM;
	arg[0] = s;
	arg[1] = c;
	rpc_session_get(s);
	r = -pthread_create(&s->threads[s->nthreads], NULL, incoming_thread, arg);
	if (r < 0) {
		rpc_session_put(s);
		free(arg);
		return r;
	}
	s->nthreads++;
	return 0;
}

static int setup(RpcSession *rs, struct connector *k)
{
	struct rpc_session *s;
	size_t max_threads = 0, i;
	int r;

	if (rs->set_up) {
		connector_release(k);
		return -EALREADY;
	}
	rs->set_up = true;
	s = rpc_session_new(false);
	if (!s) {
		connector_release(k);
		return -ENOMEM;
	}
	rs->s = s;
	s->fd_mode = rs->fd_mode;
	s->max_incoming = rs->max_incoming;
	s->max_outgoing = rs->max_outgoing;
	s->max_threads_reply = rs->max_incoming;
	r = setup_first(s, k, &max_threads);
	for (i = 1; r == 0 && i < max_threads && i < rs->max_outgoing; i++) {
		r = setup_more(s, k, false);
		if (r == -ENOTCONN) { /* preconnected, no way to get more: one is enough */
			r = 0;
			break;
		}
	}
	for (i = 0; r == 0 && i < rs->max_incoming; i++)
		r = setup_more(s, k, true);
	connector_release(k);
	if (r < 0) {
		binder_warn("RPC client: setting up the session failed: %s", strerror(-r));
		rpc_session_shutdown(s);
	}
	return r;
}

static int connect_unix(struct connector *k)
{
	return rpc_socket_connect_unix(k->path);
}

static int connect_vsock(struct connector *k)
{
	return rpc_socket_connect_vsock(k->cid, k->port);
}

static int connect_preconnected(struct connector *k)
{
	int fd = k->first_fd;

	if (fd >= 0) {
		k->first_fd = -1;
		return fd;
	}
	return k->request_fd ? k->request_fd(k->arg) : -ENOTCONN;
}

int rpc_client_setup_transport(RpcSession *rs, struct rpc_transport *t)
{
	struct connector k = {.connect = connect_preconnected, .first_fd = -1, .first = t};

	return setup(rs, &k);
}

int RpcSession_setupUnixDomainClient(RpcSession *rs, const char *path)
{
	struct connector k = {.connect = connect_unix, .path = path, .first_fd = -1};

	return path ? setup(rs, &k) : -EINVAL;
}

int RpcSession_setupVsockClient(RpcSession *rs, unsigned int cid, unsigned int port)
{
	struct connector k = {.connect = connect_vsock, .cid = cid, .port = port, .first_fd = -1};

	return setup(rs, &k);
}

int RpcSession_setupPreconnectedClient(RpcSession *rs, int fd, int (*request_fd)(void *arg),
				       void *arg)
{
	struct connector k = {
	    .connect = connect_preconnected,
	    .first_fd = fd,
	    .request_fd = request_fd,
	    .arg = arg,
	};

	if (fd < 0)
		return -EBADF;
	return setup(rs, &k);
}

int RpcSession_getRootObject(RpcSession *rs, AIBinder **root)
{
	AParcel *reply = NULL;
	int r;

	*root = NULL;
	if (!rs->s)
		return -ENOTCONN;
	r = special(rs->s, RPC_SPECIAL_TRANSACT_GET_ROOT, &reply);
	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(reply, root);
	AParcel_delete(reply);
	if (r == STATUS_OK && !*root)
		r = -ENOENT;
	return r == STATUS_DEAD_OBJECT ? -EPIPE : r;
}

void RpcSession_free(RpcSession *rs)
{
	struct rpc_session *s;
	size_t i;

	if (!rs)
		return;
	s = rs->s;
	if (s) {
		rpc_session_shutdown(s);
		for (i = 0; i < s->nthreads; i++) {
			if (pthread_equal(s->threads[i], pthread_self()))
				pthread_detach(s->threads[i]);
			else
				pthread_join(s->threads[i], NULL);
		}
		s->nthreads = 0;
		rpc_session_put(s);
	}
	free(rs);
}
