/*
 * test_rpc_binder.c - RPC Binder end to end (lib/binder/rpc_*.c), a client
 * and a server over Unix sockets in a temporary directory: calls, nested
 * callbacks on the same threads, 32 sessions at once, binder objects both
 * ways with their reference counts, oneway order, file descriptors, calls
 * from the server outside nested calls, death notifications, a server
 * process killed during a call, a client process killed during a call,
 * and vsock's errors on a machine without vsock.
 *
 * The killed processes are this test program run again
 * (/proc/self/exe --serve PATH, --call-slow PATH).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "rpc_test_service.h"

extern char **environ;

struct fixture {
	char dir[64];
	char path[128];
	AIBinder *service;
	RpcServer *server;
	RpcSession *session;
	AIBinder *root;
};

static atomic_int warnings;

static void quiet_logger(enum binder_log_level level, const char *message)
{
	(void)message;
	if (level >= BINDER_LOG_WARN)
		atomic_fetch_add(&warnings, 1);
	if (getenv("TEST_BINDER_LOG"))
		fprintf(stderr, "binder(%d): %s\n", level, message);
}

/* Poll @cond for up to 5 seconds. */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		int waited_;                                                                       \
		for (waited_ = 0; !(cond) && waited_ < 2500; waited_++)                            \
			usleep(2000);                                                              \
		assert_true(cond);                                                                 \
	} while (0)

static void make_dir(struct fixture *f)
{
	strcpy(f->dir, "/tmp/binder-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
}

static void start_server(struct fixture *f, size_t threads, bool fds)
{
	enum rpc_fd_transport_mode modes[] = {RPC_FD_TRANSPORT_NONE, RPC_FD_TRANSPORT_UNIX};

	make_dir(f);
	f->service = test_service_new();
	f->server = RpcServer_new();
	assert_non_null(f->server);
	RpcServer_setRootObject(f->server, f->service);
	assert_int_equal(RpcServer_setMaxThreads(f->server, threads), 0);
	if (fds)
		assert_int_equal(
		    RpcServer_setSupportedFileDescriptorTransportModes(f->server, modes, 2), 0);
	assert_int_equal(RpcServer_setupUnixDomainServer(f->server, f->path), 0);
	assert_int_equal(RpcServer_start(f->server), 0);
}

static int connect_client(const char *path, size_t incoming, bool fds, RpcSession **session,
			  AIBinder **root)
{
	RpcSession *s = RpcSession_new();
	int r;

	*root = NULL;
	assert_non_null(s);
	assert_int_equal(RpcSession_setMaxIncomingThreads(s, incoming), 0);
	if (fds)
		assert_int_equal(
		    RpcSession_setFileDescriptorTransportMode(s, RPC_FD_TRANSPORT_UNIX), 0);
	r = RpcSession_setupUnixDomainClient(s, path);
	if (r == 0)
		r = RpcSession_getRootObject(s, root);
	if (r == 0 && !AIBinder_associateClass(*root, test_service_class()))
		r = -EPROTOTYPE;
	*session = s;
	return r;
}

static void connect_fixture(struct fixture *f, size_t incoming, bool fds)
{
	assert_int_equal(connect_client(f->path, incoming, fds, &f->session, &f->root), 0);
}

static void teardown(struct fixture *f)
{
	AIBinder_decStrong(f->root);
	RpcSession_free(f->session);
	if (f->server)
		RpcServer_free(f->server);
	if (f->service) {
		test_service_clear(f->service);
		AIBinder_decStrong(f->service);
	}
	unlink(f->path);
	rmdir(f->dir);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------------ calls */

static void test_simple_call(void **state)
{
	struct fixture f = {0};
	AIBinder_Class *wrong = AIBinder_Class_define("microdroid.test.INotThis", NULL, NULL, NULL);
	AStatus *st = NULL;
	AParcel *in = NULL, *out = NULL;
	int32_t sum = 0;
	int8_t *echo;
	int32_t len;

	(void)state;
	assert_null(wrong); /* NULL callbacks are refused */
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	assert_true(AIBinder_isRemote(f.root));
	assert_true(AIBinder_isAlive(f.root));
	assert_int_equal(AIBinder_ping(f.root), STATUS_OK);
	assert_int_equal(test_add(f.root, 40, 2, &sum), STATUS_OK);
	assert_int_equal(sum, 42);
	assert_int_equal(test_echo(f.root, "hello", 5, &echo, &len), STATUS_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(echo, "hello", 5);
	free(echo);
	/* An AIDL service-specific error, through the status header. */
	assert_int_equal(test_fail(f.root, 17, &st), STATUS_OK);
	assert_int_equal(AStatus_getExceptionCode(st), EX_SERVICE_SPECIFIC);
	assert_int_equal(AStatus_getServiceSpecificError(st), 17);
	assert_string_equal(AStatus_getMessage(st), "as asked");
	AStatus_delete(st);
	/* A method the service does not have. */
	assert_int_equal(AIBinder_prepareTransaction(f.root, &in), STATUS_OK);
	assert_int_equal(AIBinder_transact(f.root, FIRST_CALL_TRANSACTION + 99, &in, &out, 0),
			 STATUS_UNKNOWN_TRANSACTION);
	/* A parcel of another binder (bound to nothing) is refused. */
	in = AParcel_create();
	assert_int_equal(AIBinder_transact(f.root, TEST_ADD, &in, &out, 0), STATUS_BAD_VALUE);
	/* The session still works. */
	assert_int_equal(test_add(f.root, 1, 2, &sum), STATUS_OK);
	assert_int_equal(sum, 3);
	teardown(&f);
}

static void test_large_parcels(void **state)
{
	struct fixture f = {0};
	size_t n = BINDER_PARCEL_MAX_SIZE - 4096;
	uint8_t *big = malloc(n);
	int8_t *echo;
	int32_t len;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	assert_int_equal(test_echo(f.root, big, (int32_t)n, &echo, &len), STATUS_OK);
	assert_int_equal(len, n);
	assert_memory_equal(echo, big, n);
	free(echo);
	/* Past the cap: refused while writing, nothing is sent. */
	assert_int_equal(test_echo(f.root, big, BINDER_PARCEL_MAX_SIZE, &echo, &len), -EMSGSIZE);
	assert_int_equal(test_add(f.root, 1, 1, &len), STATUS_OK);
	free(big);
	teardown(&f);
}

static void test_nested_callbacks(void **state)
{
	struct fixture f = {0};
	AIBinder *cb;
	int32_t result = 0;

	(void)state;
	/* Several connections, so that staying on one is not an accident. */
	start_server(&f, 4, false);
	connect_fixture(&f, 0, false);
	cb = test_callback_new(f.root);
	atomic_store(&test_service_state.call_back_threads_differ, 0);
	/*
	 * client callBack(cb, 3) -> server cb.onCall(3) -> client callBack(cb, 2)
	 * -> server cb.onCall(2) -> ... -> onCall(0) = 0; each callBack adds 1
	 * and each onCall 10: 34.
	 */
	assert_int_equal(test_call_back(f.root, cb, 3, &result), STATUS_OK);
	assert_int_equal(result, 34);
	/* Every onCall ran on this thread, every callBack on one server thread. */
	assert_int_equal(test_callback_other_threads(cb), 0);
	assert_int_equal(atomic_load(&test_service_state.call_back_threads_differ), 0);
	AIBinder_decStrong(cb);
	teardown(&f);
}

static void test_nested_oneway(void **state)
{
	struct fixture f = {0};
	int32_t result = -1, *values = NULL, n = 0;
	AIBinder *cb;

	(void)state;
	/*
	 * One connection: the callback's oneway call to the service must go
	 * on the connection this thread waits on, and the service's thread,
	 * waiting there for the callback's reply, runs it.
	 */
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	cb = test_callback_new(f.root);
	assert_int_equal(test_call_back(f.root, cb, -107, &result), STATUS_OK);
	assert_int_equal(result, 1);
	assert_int_equal(test_get_record(f.root, &values, &n), STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(values[0], 7);
	free(values);
	AIBinder_decStrong(cb);
	teardown(&f);
}

#define SESSIONS 32

static void *session_thread(void *arg)
{
	const char *path = arg;
	RpcSession *s;
	AIBinder *root;
	int32_t sum;
	uint8_t data[4096];
	int8_t *echo = NULL;
	int32_t len = 0, i;
	intptr_t bad = 0;

	memset(data, (int)(uintptr_t)&s & 0xff, sizeof(data));
	if (connect_client(path, 0, false, &s, &root) != 0)
		bad = 1;
	for (i = 0; !bad && i < 20; i++)
		if (test_add(root, i, 1000, &sum) != STATUS_OK || sum != i + 1000)
			bad = 2;
	if (!bad && (test_echo(root, data, sizeof(data), &echo, &len) != STATUS_OK ||
		     len != sizeof(data) || memcmp(echo, data, sizeof(data))))
		bad = 3;
	free(echo);
	AIBinder_decStrong(root);
	RpcSession_free(s);
	return (void *)bad;
}

static void test_concurrent_sessions(void **state)
{
	struct fixture f = {0};
	pthread_t threads[SESSIONS];
	void *bad;
	int i;

	(void)state;
	start_server(&f, 1, false);
	for (i = 0; i < SESSIONS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, session_thread, f.path), 0);
	for (i = 0; i < SESSIONS; i++) {
		assert_int_equal(pthread_join(threads[i], &bad), 0);
		assert_ptr_equal(bad, NULL);
	}
	teardown(&f);
}

/* A server limited to one session refuses every later one, even after the first ended. */
static void test_session_limit(void **state)
{
	struct fixture f = {0};
	RpcSession *other;
	AIBinder *root;

	(void)state;
	start_server(&f, 2, false);
	RpcServer_setSessionLimit(f.server, 1);
	connect_fixture(&f, 0, false);
	/* The first session's second connection joined it: calls work. */
	assert_int_equal(AIBinder_ping(f.root), STATUS_OK);
	assert_int_not_equal(connect_client(f.path, 0, false, &other, &root), 0);
	assert_null(root);
	RpcSession_free(other);
	AIBinder_decStrong(f.root);
	f.root = NULL;
	RpcSession_free(f.session);
	f.session = NULL;
	WAIT_FOR(RpcServer_getSessionCount(f.server) == 0);
	assert_int_not_equal(connect_client(f.path, 0, false, &other, &root), 0);
	RpcSession_free(other);
	teardown(&f);
}

static void test_binders_both_ways(void **state)
{
	struct fixture f = {0};
	AIBinder *cb, *got = NULL, *obj = NULL, *obj2 = NULL;
	int32_t id = 0;
	bool ours = false;

	(void)state;
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	/* Our object to the server and back: the very same object. */
	cb = test_callback_new(f.root);
	assert_int_equal(test_store(f.root, cb), STATUS_OK);
	assert_int_equal(test_get_stored(f.root, &got), STATUS_OK);
	assert_ptr_equal(got, cb);
	AIBinder_decStrong(got);
	/* A server object to us: a proxy that works... */
	assert_int_equal(atomic_load(&test_service_state.objects_alive), 0);
	assert_int_equal(test_new_object(f.root, 7, &obj), STATUS_OK);
	assert_true(AIBinder_isRemote(obj));
	assert_true(AIBinder_associateClass(obj, test_object_class()));
	assert_int_equal(test_object_get_id(obj, &id), STATUS_OK);
	assert_int_equal(id, 7);
	/* ...and that, sent back, is the server's own object again. */
	assert_int_equal(test_is_ours(f.root, obj, &ours), STATUS_OK);
	assert_true(ours);
	assert_int_equal(test_is_ours(f.root, f.root, &ours), STATUS_OK);
	assert_true(ours);
	assert_int_equal(test_is_ours(f.root, cb, &ours), STATUS_OK);
	assert_false(ours);
	/* Stored and fetched again: the same proxy here. */
	assert_int_equal(test_store(f.root, obj), STATUS_OK);
	assert_int_equal(test_get_stored(f.root, &obj2), STATUS_OK);
	assert_ptr_equal(obj2, obj);
	AIBinder_decStrong(obj2);
	/* Dropping our proxy: the server still holds its object (stored). */
	AIBinder_decStrong(obj);
	assert_int_equal(atomic_load(&test_service_state.objects_alive), 1);
	assert_int_equal(test_store(f.root, NULL), STATUS_OK);
	WAIT_FOR(atomic_load(&test_service_state.objects_alive) == 0);
	/* The server no longer holds our callback either: ours alone again. */
	WAIT_FOR(AIBinder_debugGetRefCount(cb) == 1);
	AIBinder_decStrong(cb);
	teardown(&f);
}

static void test_refcounts_settle(void **state)
{
	struct fixture f = {0};
	AIBinder *obj[8];
	int i;

	(void)state;
	start_server(&f, 2, false);
	connect_fixture(&f, 0, false);
	for (i = 0; i < 8; i++)
		assert_int_equal(test_new_object(f.root, i, &obj[i]), STATUS_OK);
	assert_int_equal(atomic_load(&test_service_state.objects_alive), 8);
	for (i = 0; i < 8; i++)
		AIBinder_decStrong(obj[i]);
	WAIT_FOR(atomic_load(&test_service_state.objects_alive) == 0);
	/* The root still works: the session is alive while we hold it. */
	assert_int_equal(AIBinder_ping(f.root), STATUS_OK);
	teardown(&f);
}

static void test_session_ends_when_nothing_held(void **state)
{
	struct fixture f = {0};
	AIBinder *root;

	(void)state;
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	/* As in libbinder: once neither side holds anything, the session ends. */
	AIBinder_decStrong(f.root);
	f.root = NULL;
	assert_int_equal(RpcSession_getRootObject(f.session, &root), -EPIPE);
	assert_null(root);
	teardown(&f);
}

/*
 * A client that goes away while holding our objects (its process died, its
 * socket closed) releases them: the server's references go with the
 * session, so their onDestroy runs.  virtmgr stops a VM on this.
 */
static void test_vanished_client_releases_objects(void **state)
{
	struct fixture f = {0};
	AIBinder *obj[3];
	int i;

	(void)state;
	start_server(&f, 1, false);
	assert_int_equal(RpcServer_getSessionCount(f.server), 0);
	connect_fixture(&f, 0, false);
	WAIT_FOR(RpcServer_getSessionCount(f.server) == 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(test_new_object(f.root, i, &obj[i]), STATUS_OK);
	assert_int_equal(atomic_load(&test_service_state.objects_alive), 3);
	/* Hang up without dropping anything first. */
	RpcSession_free(f.session);
	f.session = NULL;
	WAIT_FOR(atomic_load(&test_service_state.objects_alive) == 0);
	WAIT_FOR(RpcServer_getSessionCount(f.server) == 0);
	for (i = 0; i < 3; i++)
		AIBinder_decStrong(obj[i]);
	teardown(&f);
}

static void test_oneway_order(void **state)
{
	struct fixture f = {0};
	int32_t *values = NULL, n = 0, i;
	const int count = 300;

	(void)state;
	/* Four connections: the oneway calls take turns over them. */
	start_server(&f, 4, false);
	connect_fixture(&f, 0, false);
	for (i = 0; i < count; i++)
		assert_int_equal(test_record(f.root, i), STATUS_OK);
	for (i = 0; i < 2500 && n < count; i++) {
		free(values);
		assert_int_equal(test_get_record(f.root, &values, &n), STATUS_OK);
		if (n < count)
			usleep(2000);
	}
	assert_int_equal(n, count);
	for (i = 0; i < count; i++)
		assert_int_equal(values[i], i);
	free(values);
	teardown(&f);
}

static void test_file_descriptors(void **state)
{
	struct fixture f = {0};
	RpcSession *s;
	AIBinder *root;
	char buf[16] = {0};
	int pipefd[2], fd = -1;

	(void)state;
	start_server(&f, 1, true);
	connect_fixture(&f, 0, true);
	/* Ours to the server: it writes into it. */
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(test_write_fd(f.root, pipefd[1], "to you"), STATUS_OK);
	assert_int_equal(read(pipefd[0], buf, sizeof(buf)), 6);
	assert_string_equal(buf, "to you");
	close(pipefd[0]);
	close(pipefd[1]);
	/* The server's to us. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(test_open_fd(f.root, "from me", &fd), STATUS_OK);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "from me");
	close(fd);
	/* A session without the fd mode cannot put fds in parcels. */
	assert_int_equal(connect_client(f.path, 0, false, &s, &root), 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(test_write_fd(root, pipefd[1], "x"), -EPERM);
	close(pipefd[0]);
	close(pipefd[1]);
	AIBinder_decStrong(root);
	RpcSession_free(s);
	teardown(&f);

	/* A server that accepts no fd mode refuses such a client. */
	start_server(&f, 1, false);
	assert_true(connect_client(f.path, 0, true, &s, &root) < 0);
	RpcSession_free(s);
	teardown(&f);
}

static void test_server_calls_client(void **state)
{
	struct fixture f = {0};
	AIBinder *cb;

	(void)state;
	/* No incoming connection: the server can only call us nested. */
	start_server(&f, 1, false);
	connect_fixture(&f, 0, false);
	cb = test_callback_new(f.root);
	assert_int_equal(test_store(f.root, cb), STATUS_OK);
	assert_int_equal(test_kick_stored(f.root), STATUS_OK);
	WAIT_FOR(atomic_load(&test_service_state.kick_status) != 1);
	assert_int_equal(atomic_load(&test_service_state.kick_status), STATUS_WOULD_BLOCK);
	test_store(f.root, NULL);
	AIBinder_decStrong(cb);
	teardown(&f);

	/* With one, it can call us from any thread. */
	start_server(&f, 1, false);
	connect_fixture(&f, 1, false);
	cb = test_callback_new(f.root);
	assert_int_equal(test_store(f.root, cb), STATUS_OK);
	assert_int_equal(test_kick_stored(f.root), STATUS_OK);
	WAIT_FOR(atomic_load(&test_service_state.kick_status) != 1);
	assert_int_equal(atomic_load(&test_service_state.kick_status), STATUS_OK);
	assert_int_equal(atomic_load(&test_service_state.kick_result), 42);
	test_store(f.root, NULL);
	AIBinder_decStrong(cb);
	teardown(&f);
}

static atomic_int deaths;
static void *death_cookie;

static void on_died(void *cookie)
{
	death_cookie = cookie;
	atomic_fetch_add(&deaths, 1);
}

static void test_death_on_server_shutdown(void **state)
{
	struct fixture f = {0};
	AIBinder_DeathRecipient *r = AIBinder_DeathRecipient_new(on_died);
	int32_t sum;

	(void)state;
	atomic_store(&deaths, 0);
	start_server(&f, 1, false);
	/* An incoming connection: its thread sees the server go. */
	connect_fixture(&f, 1, false);
	assert_int_equal(AIBinder_linkToDeath(f.root, r, &f), STATUS_OK);
	RpcServer_shutdown(f.server);
	WAIT_FOR(atomic_load(&deaths) == 1);
	assert_ptr_equal(death_cookie, &f);
	assert_false(AIBinder_isAlive(f.root));
	assert_int_equal(test_add(f.root, 1, 2, &sum), STATUS_DEAD_OBJECT);
	assert_int_equal(AIBinder_linkToDeath(f.root, r, NULL), STATUS_DEAD_OBJECT);
	AIBinder_DeathRecipient_delete(r);
	teardown(&f);
}

static void test_vsock_errors(void **state)
{
	RpcSession *s = RpcSession_new();
	RpcServer *sv = RpcServer_new();
	int r;

	(void)state;
	/* No host vsock here: clear errors, no crash, no hang. */
	r = RpcSession_setupVsockClient(s, 2, 5678);
	assert_true(r < 0);
	assert_int_equal(RpcSession_setupVsockClient(s, 2, 5678), -EALREADY);
	RpcSession_free(s);
	s = RpcSession_new();
	assert_true(RpcSession_setupVsockClient(s, 3, 5678) < 0);
	RpcSession_free(s);
	/* Listening may or may not be possible; either way it is an answer. */
	r = RpcServer_setupVsockServer(sv, -1U, 5679);
	assert_true(r == 0 || r < 0);
	RpcServer_free(sv);
}

/* For RpcSession_setupPreconnectedClient: each new connection is one end
 * of a socket pair whose other end goes to the server. */
static int request_fd(void *arg)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (RpcServer_addConnection(arg, sv[1]) < 0) {
		close(sv[0]);
		return -EIO;
	}
	return sv[0];
}

static void test_preconnected_and_raw_sockets(void **state)
{
	struct fixture f = {0};
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	RpcSession *session;
	AIBinder *cb;
	int sv[2], fd, r;
	int32_t sum = 0;

	(void)state;
	/* A server with no listening socket, fed socket pairs. */
	f.service = test_service_new();
	f.server = RpcServer_new();
	RpcServer_setRootObject(f.server, f.service);
	RpcServer_setMaxThreads(f.server, 3);
	assert_int_equal(RpcServer_join(f.server), -ENOTCONN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(RpcServer_addConnection(f.server, sv[1]), 0);
	f.session = RpcSession_new();
	assert_int_equal(RpcSession_setupPreconnectedClient(f.session, sv[0], request_fd, f.server),
			 0);
	assert_int_equal(RpcSession_getRootObject(f.session, &f.root), 0);
	assert_true(AIBinder_associateClass(f.root, test_service_class()));
	assert_int_equal(test_add(f.root, 5, 6, &sum), STATUS_OK);
	assert_int_equal(sum, 11);
	cb = test_callback_new(f.root);
	assert_int_equal(test_call_back(f.root, cb, 2, &sum), STATUS_OK);
	assert_int_equal(sum, 23);
	AIBinder_decStrong(cb);
	teardown(&f);

	/* A bound socket handed over. */
	make_dir(&f);
	f.service = test_service_new();
	f.server = RpcServer_new();
	RpcServer_setRootObject(f.server, f.service);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(a.sun_path, f.path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(RpcServer_setupRawSocketServer(f.server, fd), 0);
	assert_int_equal(RpcServer_setupUnixDomainServer(f.server, f.path), -EADDRINUSE);
	assert_int_equal(RpcServer_start(f.server), 0);
	assert_int_equal(RpcServer_start(f.server), -EBUSY);
	connect_fixture(&f, 0, false);
	assert_int_equal(test_add(f.root, 1, 1, &sum), STATUS_OK);
	assert_int_equal(sum, 2);
	/* Nobody there. */
	r = connect_client("/nonexistent/binder.sock", 0, false, &session, &cb);
	assert_int_equal(r, -ENOENT);
	assert_null(cb);
	RpcSession_free(session);
	teardown(&f);
}

/* ------------------------------------------------------------------ processes */

static pid_t spawn_self(const char *mode, const char *path, int stdout_fd)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {"/proc/self/exe", (char *)mode, (char *)path, NULL};
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (stdout_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
	assert_int_equal(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

struct killer {
	pid_t pid;
	int ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;

	usleep((useconds_t)k->ms * 1000);
	kill(k->pid, SIGKILL);
	return NULL;
}

static void test_server_killed_mid_call(void **state)
{
	struct fixture f = {0};
	AIBinder_DeathRecipient *r = AIBinder_DeathRecipient_new(on_died);
	struct killer k;
	pthread_t t;
	int status, i, rc = -1;

	(void)state;
	atomic_store(&deaths, 0);
	make_dir(&f);
	k.pid = spawn_self("--serve", f.path, -1);
	for (i = 0; i < 250 && rc != 0; i++) {
		if (i)
			usleep(10000);
		rc = connect_client(f.path, 0, false, &f.session, &f.root);
		if (rc != 0) {
			AIBinder_decStrong(f.root);
			f.root = NULL;
			RpcSession_free(f.session);
			f.session = NULL;
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(AIBinder_linkToDeath(f.root, r, NULL), STATUS_OK);
	k.ms = 200;
	assert_int_equal(pthread_create(&t, NULL, kill_later, &k), 0);
	/* The server sleeps for 30 s; it dies after 0.2 s. */
	assert_int_equal(test_slow(f.root, 30000), STATUS_DEAD_OBJECT);
	assert_int_equal(atomic_load(&deaths), 1);
	assert_false(AIBinder_isAlive(f.root));
	pthread_join(t, NULL);
	assert_int_equal(waitpid(k.pid, &status, 0), k.pid);
	assert_true(WIFSIGNALED(status));
	AIBinder_DeathRecipient_delete(r);
	teardown(&f);
}

static void test_client_killed_mid_call(void **state)
{
	struct fixture f = {0};
	int pipefd[2], status;
	char line[16] = {0};
	int32_t sum = 0;
	pid_t pid;

	(void)state;
	atomic_store(&test_service_state.slow_done, 0);
	start_server(&f, 1, false);
	assert_int_equal(pipe(pipefd), 0);
	pid = spawn_self("--call-slow", f.path, pipefd[1]);
	close(pipefd[1]);
	/* The child says when its call is on its way; the server sleeps 300 ms. */
	assert_true(read(pipefd[0], line, sizeof(line) - 1) > 0);
	close(pipefd[0]);
	usleep(50000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* The server finishes the call; its reply goes nowhere. */
	WAIT_FOR(atomic_load(&test_service_state.slow_done) == 1);
	usleep(20000);
	/* It still serves everybody else. */
	connect_fixture(&f, 0, false);
	assert_int_equal(test_add(f.root, 2, 3, &sum), STATUS_OK);
	assert_int_equal(sum, 5);
	teardown(&f);
}

/* Child: serve at @path until killed. */
static int child_serve(const char *path)
{
	RpcServer *sv = RpcServer_new();
	AIBinder *svc = test_service_new();

	binder_set_logger(NULL);
	RpcServer_setRootObject(sv, svc);
	if (RpcServer_setupUnixDomainServer(sv, path) < 0)
		return 1;
	RpcServer_join(sv);
	return 0;
}

/* Child: make a slow call to @path (and get killed during it). */
static int child_call_slow(const char *path)
{
	RpcSession *s;
	AIBinder *root;

	binder_set_logger(NULL);
	if (connect_client(path, 0, false, &s, &root) != 0)
		return 1;
	if (write(1, "calling\n", 8) != 8)
		return 1;
	test_slow(root, 300);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_call),
	    cmocka_unit_test(test_large_parcels),
	    cmocka_unit_test(test_nested_callbacks),
	    cmocka_unit_test(test_nested_oneway),
	    cmocka_unit_test(test_concurrent_sessions),
	    cmocka_unit_test(test_session_limit),
	    cmocka_unit_test(test_binders_both_ways),
	    cmocka_unit_test(test_refcounts_settle),
	    cmocka_unit_test(test_session_ends_when_nothing_held),
	    cmocka_unit_test(test_vanished_client_releases_objects),
	    cmocka_unit_test(test_oneway_order),
	    cmocka_unit_test(test_file_descriptors),
	    cmocka_unit_test(test_server_calls_client),
	    cmocka_unit_test(test_death_on_server_shutdown),
	    cmocka_unit_test(test_vsock_errors),
	    cmocka_unit_test(test_preconnected_and_raw_sockets),
	    cmocka_unit_test(test_server_killed_mid_call),
	    cmocka_unit_test(test_client_killed_mid_call),
	};

	if (argc == 3 && !strcmp(argv[1], "--serve"))
		return child_serve(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--call-slow"))
		return child_call_slow(argv[2]);
	binder_set_logger(quiet_logger);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
