/*
 * rpc_server.c - RpcServer_*: accepting connections, attaching them to
 * sessions, and the threads that serve them (binder/rpc.h).
 *
 * Each accepted connection gets a thread.  It reads the connection header
 * (within RPC_HANDSHAKE_TIMEOUT_MS); a header without a session id makes
 * a new session (32 random bytes from getrandom), one with an id joins
 * that session.  A connection the client will call on is then served by
 * its thread (rpc_session_join) until the session ends; one the server
 * will call on (INCOMING) is handed to the session and the thread ends.
 * Finished threads are joined by the accept loop, RpcServer_addConnection
 * and RpcServer_shutdown.
 */
#include "rpc_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rpc_session.h"

/* Live sessions, and connection threads, per server. */
#define RPC_SERVER_MAX_SESSIONS 256u
#define RPC_SERVER_MAX_CONNECTIONS 512u

struct server_thread {
	pthread_t thread;
	atomic_bool done;
	RpcServer *server;
	struct rpc_transport *t; /* while it is this thread's alone (handshake) */
	struct server_thread *next;
};

struct RpcServer {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* joining ended */
	AIBinder *root;
	size_t max_threads;
	unsigned int fd_modes; /* a bit per enum rpc_fd_transport_mode */
	int listen_fd;
	int wake_fd;
	bool joining, shutting_down, started;
	pthread_t start_thread;
	/* Sessions by id (a reference each); the ended ones wait to be put. */
	struct rpc_session *sessions[RPC_SERVER_MAX_SESSIONS];
	size_t nsessions;
	struct rpc_session *ended[RPC_SERVER_MAX_SESSIONS];
	size_t nended;
	struct server_thread *threads;
	size_t nthreads;
	size_t session_limit;	 /* the most sessions ever accepted; 0: no limit */
	size_t sessions_started; /* how many were */
};

RpcServer *RpcServer_new(void)
{
	RpcServer *sv = calloc(1, sizeof(*sv));

	if (!sv)
		return NULL;
	sv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sv->wake_fd < 0) {
		free(sv);
		return NULL;
	}
	pthread_mutex_init(&sv->lock, NULL);
	pthread_cond_init(&sv->cond, NULL);
	sv->max_threads = 1;
	sv->fd_modes = 1u << RPC_FD_TRANSPORT_NONE;
	sv->listen_fd = -1;
	return sv;
}

void RpcServer_setRootObject(RpcServer *sv, AIBinder *root)
{
	AIBinder *old;

	AIBinder_incStrong(root);
	pthread_mutex_lock(&sv->lock);
	old = sv->root;
	sv->root = root;
	pthread_mutex_unlock(&sv->lock);
	AIBinder_decStrong(old);
}

int RpcServer_setMaxThreads(RpcServer *sv, size_t threads)
{
	if (threads < 1 || threads > RPC_MAX_THREADS)
		return -EINVAL;
	pthread_mutex_lock(&sv->lock);
	sv->max_threads = threads;
	pthread_mutex_unlock(&sv->lock);
	return 0;
}

int RpcServer_setSupportedFileDescriptorTransportModes(RpcServer *sv,
						       const enum rpc_fd_transport_mode *modes,
						       size_t count)
{
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		if (modes[i] != RPC_FD_TRANSPORT_NONE && modes[i] != RPC_FD_TRANSPORT_UNIX)
			return -EINVAL;
		bits |= 1u << modes[i];
	}
	if (!bits)
		return -EINVAL;
	pthread_mutex_lock(&sv->lock);
	sv->fd_modes = bits;
	pthread_mutex_unlock(&sv->lock);
	return 0;
}

/* ------------------------------------------------------------------ sessions */

/* Called by a session as it ends, under its lock. */
static void session_ended(void *arg, struct rpc_session *s)
{
	RpcServer *sv = arg;
	size_t i;

	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nsessions && sv->sessions[i] != s; i++)
		;
	if (i < sv->nsessions) {
		sv->sessions[i] = sv->sessions[--sv->nsessions];
		sv->ended[sv->nended++] = s;
	}
	pthread_mutex_unlock(&sv->lock);
	eventfd_write(sv->wake_fd, 1);
}

static struct rpc_session *find_session(RpcServer *sv, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < sv->nsessions; i++)
		if (!memcmp(sv->sessions[i]->id, id, RPC_SESSION_ID_SIZE))
			return sv->sessions[i];
	return NULL;
}

/* The session a connection with header @h (and @id) belongs to, referenced. */
static int attach_session(RpcServer *sv, const struct rpc_connection_header *h, const uint8_t *id,
			  struct rpc_session **out)
{
	bool incoming = h->options & RPC_CONNECTION_OPTION_INCOMING;
	uint8_t new_id[RPC_SESSION_ID_SIZE];
	struct rpc_session *s = NULL;
	int r = 0, tries;

	pthread_mutex_lock(&sv->lock);
	if (sv->shutting_down) {
		r = -ESHUTDOWN;
	} else if (h->session_id_size) {
		s = find_session(sv, id);
		if (!s)
			r = -ENOENT;
		else
			rpc_session_get(s);
	} else if (incoming) {
		binder_warn("RPC server: a new session cannot start with an incoming connection");
		r = -EPROTO;
	} else if (!(sv->fd_modes & (1u << h->fd_mode))) {
		binder_warn("RPC server: fd transport mode %u not accepted", h->fd_mode);
		r = -EPROTONOSUPPORT;
	} else if (sv->session_limit && sv->sessions_started >= sv->session_limit) {
		binder_warn("RPC server: it takes %zu session(s) in all; refusing another",
			    sv->session_limit);
		r = -EBUSY;
	} else if (sv->nsessions + sv->nended >= RPC_SERVER_MAX_SESSIONS) {
		binder_warn("RPC server: %u sessions already; refusing another",
			    RPC_SERVER_MAX_SESSIONS);
		r = -EBUSY;
	} else {
		for (tries = 0; r == 0; tries++) {
			if (getrandom(new_id, sizeof(new_id), 0) != (ssize_t)sizeof(new_id))
				r = -EIO;
			else if (!find_session(sv, new_id))
				break;
			else if (tries > 5)
				r = -EIO;
		}
		s = r == 0 ? rpc_session_new(true) : NULL;
		if (r == 0 && !s)
			r = -ENOMEM;
		if (s) {
			memcpy(s->id, new_id, sizeof(new_id));
			s->has_id = true;
			s->fd_mode = (enum rpc_fd_transport_mode)h->fd_mode;
			s->max_incoming = sv->max_threads;
			s->max_outgoing = RPC_MAX_THREADS;
			s->max_threads_reply = sv->max_threads;
			s->root = sv->root;
			AIBinder_incStrong(s->root);
			s->on_end = session_ended;
			s->on_end_arg = sv;
			sv->sessions[sv->nsessions++] = s; /* the server's reference */
			sv->sessions_started++;
			rpc_session_get(s); /* the caller's */
		}
	}
	pthread_mutex_unlock(&sv->lock);
	*out = s;
	return r;
}

/* ------------------------------------------------------------------ connections */

/* The handshake is over: the server no longer needs to interrupt @t. */
static void forget_transport(RpcServer *sv, struct rpc_transport *t)
{
	struct server_thread *st;

	pthread_mutex_lock(&sv->lock);
	for (st = sv->threads; st; st = st->next)
		if (st->t == t)
			st->t = NULL;
	pthread_mutex_unlock(&sv->lock);
}

int rpc_server_serve_connection(RpcServer *sv, struct rpc_transport *t)
{
	uint8_t head[RPC_CONNECTION_HEADER_SIZE], id[RPC_SESSION_ID_SIZE];
	uint8_t resp[RPC_NEW_SESSION_RESPONSE_SIZE], init[RPC_CONNECTION_INIT_SIZE];
	struct iovec iov;
	struct rpc_connection_header h = {0};
	struct rpc_session *s = NULL;
	struct rpc_conn *c;
	bool incoming = false;
	int r;

	r = t->ops->set_recv_timeout(t, RPC_HANDSHAKE_TIMEOUT_MS);
	if (r == 0)
		r = t->ops->recv(t, head, sizeof(head), NULL, NULL, 0);
	if (r == 0)
		r = rpc_wire_get_connection_header(head, &h);
	if (r == 0 && h.session_id_size)
		r = t->ops->recv(t, id, sizeof(id), NULL, NULL, 0);
	incoming = h.options & RPC_CONNECTION_OPTION_INCOMING;
	if (r == 0 && !h.session_id_size) {
		/* The lower version of both: ours, as theirs is at least 1. */
		rpc_wire_put_new_session_response(resp, RPC_WIRE_PROTOCOL_VERSION);
		iov = (struct iovec){resp, sizeof(resp)};
		r = t->ops->send(t, &iov, 1, NULL, 0);
	}
	if (r == 0 && !incoming) {
		r = t->ops->recv(t, init, sizeof(init), NULL, NULL, 0);
		if (r == 0)
			r = rpc_wire_check_connection_init(init);
	}
	if (r == 0)
		r = attach_session(sv, &h, id, &s);
	if (r == 0)
		r = t->ops->set_recv_timeout(t, 0);
	forget_transport(sv, t);
	if (r < 0) {
		if (r != -ESHUTDOWN)
			binder_warn("RPC server: refused a connection: %s", strerror(-r));
		t->ops->destroy(t);
		if (s)
			rpc_session_put(s);
		return r;
	}
	/*
	 * A connection we call the client on is in the session before the
	 * client hears "cci" from us, so that a call made the moment its
	 * setup returns (a callback it just registered, say) finds it.
	 */
	if (incoming)
		r = rpc_session_add_held_conn(s, t, &c);
	else
		r = rpc_session_add_conn(s, t, true, &c);
	if (r == -EMSGSIZE)
		binder_warn("RPC server: a session opened more connections than allowed");
	if (r == 0 && incoming) {
		rpc_wire_put_connection_init(init);
		iov = (struct iovec){init, sizeof(init)};
		r = t->ops->send(t, &iov, 1, NULL, 0);
		if (r < 0) {
			binder_warn("RPC server: sending a connection init: %s", strerror(-r));
			rpc_session_shutdown(s);
		}
		rpc_session_release_conn(s, c);
	}
	if (r == 0 && !incoming)
		rpc_session_join(s, c);
	rpc_session_put(s);
	return r;
}

static void *connection_thread(void *arg)
{
	struct server_thread *st = arg;

	rpc_server_serve_connection(st->server, st->t);
	atomic_store(&st->done, true);
	return NULL;
}

/* Join finished connection threads and put ended sessions. */
static void reap(RpcServer *sv, bool all)
{
	struct server_thread *done = NULL, **pp, *st;
	struct rpc_session *ended[RPC_SERVER_MAX_SESSIONS];
	size_t nended, i;

	pthread_mutex_lock(&sv->lock);
	for (pp = &sv->threads; (st = *pp);) {
		if (all || atomic_load(&st->done)) {
			*pp = st->next;
			st->next = done;
			done = st;
			sv->nthreads--;
		} else {
			pp = &st->next;
		}
	}
	nended = sv->nended;
	memcpy(ended, sv->ended, nended * sizeof(*ended));
	sv->nended = 0;
	pthread_mutex_unlock(&sv->lock);
	while ((st = done)) {
		done = st->next;
		pthread_join(st->thread, NULL);
		free(st);
	}
	for (i = 0; i < nended; i++)
		rpc_session_put(ended[i]);
}

/* Serve the connected socket @fd on a thread of its own. */
static int spawn_connection(RpcServer *sv, int fd)
{
	struct server_thread *st;
	struct rpc_transport *t;
	int r = 0;

	reap(sv, false);
	t = rpc_transport_new_socket(fd);
	st = t ? calloc(1, sizeof(*st)) : NULL;
	if (!st) {
		if (t)
			t->ops->destroy(t);
		return -ENOMEM;
	}
	st->server = sv;
	st->t = t;
	atomic_init(&st->done, false);
	pthread_mutex_lock(&sv->lock);
	if (sv->shutting_down) {
		r = -ESHUTDOWN;
	} else if (sv->nthreads >= RPC_SERVER_MAX_CONNECTIONS) {
		binder_warn("RPC server: %u connections already; refusing another",
			    RPC_SERVER_MAX_CONNECTIONS);
		r = -EBUSY;
	} else {
		r = -pthread_create(&st->thread, NULL, connection_thread, st);
		if (r == 0) {
			st->next = sv->threads;
			sv->threads = st;
			sv->nthreads++;
		}
	}
	pthread_mutex_unlock(&sv->lock);
	if (r < 0) {
		t->ops->destroy(t);
		free(st);
	}
	return r;
}

int RpcServer_addConnection(RpcServer *sv, int fd)
{
	if (fd < 0)
		return -EBADF;
	return spawn_connection(sv, fd);
}

/* ------------------------------------------------------------------ listening */

static int set_listener(RpcServer *sv, int fd)
{
	int r = 0;

	if (fd < 0)
		return fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	pthread_mutex_lock(&sv->lock);
	if (sv->listen_fd >= 0)
		r = -EALREADY;
	else
		sv->listen_fd = fd;
	pthread_mutex_unlock(&sv->lock);
	if (r < 0)
		close(fd);
	return r;
}

int RpcServer_setupUnixDomainServer(RpcServer *sv, const char *path)
{
	int fd = path ? rpc_socket_listen_unix(path) : -EINVAL;

	if (fd < 0)
		binder_warn("RPC server: cannot listen at %s: %s", path ? path : "(null)",
			    strerror(-fd));
	return set_listener(sv, fd);
}

int RpcServer_setupVsockServer(RpcServer *sv, unsigned int cid, unsigned int port)
{
	int fd = rpc_socket_listen_vsock(cid, port);

	if (fd < 0)
		binder_warn("RPC server: cannot listen at vsock %u:%u: %s", cid, port,
			    strerror(-fd));
	return set_listener(sv, fd);
}

int RpcServer_setupRawSocketServer(RpcServer *sv, int fd)
{
	if (fd < 0)
		return -EBADF;
	if (listen(fd, 64) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return set_listener(sv, fd);
}

int RpcServer_join(RpcServer *sv)
{
	struct pollfd pfd[2];
	bool stop;
	int fd;

	pthread_mutex_lock(&sv->lock);
	if (sv->joining || sv->listen_fd < 0) {
		pthread_mutex_unlock(&sv->lock);
		return sv->joining ? -EBUSY : -ENOTCONN;
	}
	stop = sv->shutting_down;
	sv->joining = !stop;
	pthread_mutex_unlock(&sv->lock);
	pfd[0] = (struct pollfd){.fd = sv->listen_fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = sv->wake_fd, .events = POLLIN};
	while (!stop) {
		reap(sv, false);
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			binder_err("RPC server: poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			eventfd_t v;

			eventfd_read(sv->wake_fd, &v);
		}
		pthread_mutex_lock(&sv->lock);
		stop = sv->shutting_down;
		pthread_mutex_unlock(&sv->lock);
		if (stop || !(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			spawn_connection(sv, fd);
		} else if (errno == EMFILE || errno == ENFILE) {
			binder_warn("RPC server: accept: %s", strerror(errno));
			usleep(10000);
		}
	}
	pthread_mutex_lock(&sv->lock);
	sv->joining = false;
	pthread_cond_broadcast(&sv->cond);
	pthread_mutex_unlock(&sv->lock);
	return 0;
}

static void *join_thread(void *arg)
{
	RpcServer_join(arg);
	return NULL;
}

int RpcServer_start(RpcServer *sv)
{
	int r;

	pthread_mutex_lock(&sv->lock);
	if (sv->started || sv->joining || sv->listen_fd < 0) {
		r = sv->listen_fd < 0 ? -ENOTCONN : -EBUSY;
	} else {
		r = -pthread_create(&sv->start_thread, NULL, join_thread, sv);
		sv->started = r == 0;
	}
	pthread_mutex_unlock(&sv->lock);
	return r;
}

void RpcServer_shutdown(RpcServer *sv)
{
	struct rpc_session *live[RPC_SERVER_MAX_SESSIONS];
	struct server_thread *st;
	size_t n, i;
	bool started;

	pthread_mutex_lock(&sv->lock);
	sv->shutting_down = true;
	n = sv->nsessions;
	for (i = 0; i < n; i++) {
		live[i] = sv->sessions[i];
		rpc_session_get(live[i]);
	}
	/* Wake connections still introducing themselves. */
	for (st = sv->threads; st; st = st->next)
		if (st->t)
			st->t->ops->shutdown(st->t);
	pthread_mutex_unlock(&sv->lock);
	eventfd_write(sv->wake_fd, 1);
	for (i = 0; i < n; i++) {
		rpc_session_detach(live[i]);
		rpc_session_shutdown(live[i]);
		rpc_session_put(live[i]);
	}
	pthread_mutex_lock(&sv->lock);
	for (i = 0; i < sv->nsessions; i++)
		sv->ended[sv->nended++] = sv->sessions[i];
	sv->nsessions = 0;
	while (sv->joining)
		pthread_cond_wait(&sv->cond, &sv->lock);
	started = sv->started;
	sv->started = false;
	pthread_mutex_unlock(&sv->lock);
	if (started)
		pthread_join(sv->start_thread, NULL);
	reap(sv, true);
}

void RpcServer_setSessionLimit(RpcServer *sv, size_t total)
{
	pthread_mutex_lock(&sv->lock);
	sv->session_limit = total;
	pthread_mutex_unlock(&sv->lock);
}

size_t RpcServer_getSessionCount(RpcServer *sv)
{
	size_t n;

	pthread_mutex_lock(&sv->lock);
	n = sv->nsessions;
	pthread_mutex_unlock(&sv->lock);
	return n;
}

void RpcServer_free(RpcServer *sv)
{
	if (!sv)
		return;
	RpcServer_shutdown(sv);
	if (sv->listen_fd >= 0)
		close(sv->listen_fd);
	close(sv->wake_fd);
	AIBinder_decStrong(sv->root);
	pthread_cond_destroy(&sv->cond);
	pthread_mutex_destroy(&sv->lock);
	free(sv);
}
