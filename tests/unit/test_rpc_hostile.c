/*
 * test_rpc_hostile.c - RPC Binder against peers that break the protocol:
 * bad connection headers, malformed and oversized frames, unknown
 * commands, replies nobody asked for, oneway numbers replayed or far
 * ahead, unsolicited file descriptors, frames cut short; and a fake
 * server that lies to a client.  Each must end that one session (or be
 * refused) while a well-behaved client of the same server keeps working,
 * and nothing may crash.  The hostile side is a raw socket speaking
 * frames made with rpc_wire.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "lib/binder/rpc_transport.h"
#include "lib/binder/rpc_wire.h"
#include "rpc_test_service.h"

static char dir[64], path[128];
static AIBinder *service;
static RpcServer *server;
static RpcSession *good_session;
static AIBinder *good_root;

static void quiet_logger(enum binder_log_level level, const char *message)
{
	if (getenv("TEST_BINDER_LOG"))
		fprintf(stderr, "binder(%d): %s\n", level, message);
}

/* The well-behaved client still gets answers. */
static void assert_good_client_works(void)
{
	int32_t sum = 0;

	assert_int_equal(test_add(good_root, 20, 22, &sum), STATUS_OK);
	assert_int_equal(sum, 42);
}

static int setup(void **state)
{
	enum rpc_fd_transport_mode none = RPC_FD_TRANSPORT_NONE;

	(void)state;
	strcpy(dir, "/tmp/binder-hostile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	service = test_service_new();
	server = RpcServer_new();
	RpcServer_setRootObject(server, service);
	RpcServer_setMaxThreads(server, 2);
	RpcServer_setSupportedFileDescriptorTransportModes(server, &none, 1);
	assert_int_equal(RpcServer_setupUnixDomainServer(server, path), 0);
	assert_int_equal(RpcServer_start(server), 0);
	good_session = RpcSession_new();
	assert_int_equal(RpcSession_setupUnixDomainClient(good_session, path), 0);
	assert_int_equal(RpcSession_getRootObject(good_session, &good_root), 0);
	assert_true(AIBinder_associateClass(good_root, test_service_class()));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	AIBinder_decStrong(good_root);
	RpcSession_free(good_session);
	RpcServer_free(server);
	test_service_clear(service);
	AIBinder_decStrong(service);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* ------------------------------------------------------------------ raw peer */

static int raw_connect(void)
{
	int fd = rpc_socket_connect_unix(path);

	assert_true(fd >= 0);
	return fd;
}

/* Send all of @buf, or find that the server has already hung up: a
 * server may end the session on a frame's header before its body is sent,
 * and that race is the server's right.  Every test checks the outcome
 * afterwards (an answer, or raw_closed), so a send refused with EPIPE or
 * ECONNRESET is not itself a failure. */
static void raw_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return;
	assert_int_equal(n, (ssize_t)len);
}

/* Read exactly @len bytes within 3 s: 0, or -1 if the stream ended first
 * or nothing came (no cmocka assertion: fake_server runs this on its
 * own thread). */
static int raw_recv(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&p, 1, 3000) != 1)
			return -1;
		n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The server closed the connection (within 3 s), after whatever it sent. */
static bool raw_closed(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[256];
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, 3000) != 1)
			return false;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return true;
	}
}

static void raw_header(int fd, uint32_t version, uint8_t options, uint8_t fd_mode,
		       const uint8_t *id, uint16_t id_size)
{
	struct rpc_connection_header h = {version, options, fd_mode, id_size};
	uint8_t b[RPC_CONNECTION_HEADER_SIZE];

	rpc_wire_put_connection_header(b, &h);
	raw_send(fd, b, sizeof(b));
	if (id_size)
		raw_send(fd, id, id_size);
}

/* A new session's first connection, up to where frames begin. */
static int raw_session(void)
{
	uint8_t resp[RPC_NEW_SESSION_RESPONSE_SIZE], init[RPC_CONNECTION_INIT_SIZE];
	int fd = raw_connect();

	raw_header(fd, 1, 0, 0, NULL, 0);
	rpc_wire_put_connection_init(init);
	raw_send(fd, init, sizeof(init));
	assert_int_equal(raw_recv(fd, resp, sizeof(resp)), 0);
	assert_int_equal(rpc_wire_get_new_session_response(resp), 1);
	return fd;
}

static void raw_frame(int fd, uint32_t command, const void *body, uint32_t len)
{
	uint8_t h[RPC_WIRE_HEADER_SIZE];

	rpc_wire_put_header(h, command, len);
	raw_send(fd, h, sizeof(h));
	if (len)
		raw_send(fd, body, len);
}

/* A TRANSACT of @parcel (@n bytes, a multiple of 4) to @address. */
static void raw_transact(int fd, uint64_t address, uint32_t code, uint32_t flags, uint64_t async,
			 const void *parcel, size_t n)
{
	struct rpc_wire_transaction t = {.address = address,
					 .code = code,
					 .flags = flags,
					 .async_number = async,
					 .parcel_size = (uint32_t)n};
	uint8_t body[RPC_WIRE_TRANSACTION_SIZE + 512];

	assert_true(n <= 512);
	rpc_wire_put_transaction(body, &t);
	if (n)
		memcpy(body + RPC_WIRE_TRANSACTION_SIZE, parcel, n);
	raw_frame(fd, RPC_COMMAND_TRANSACT, body, (uint32_t)(RPC_WIRE_TRANSACTION_SIZE + n));
}

/* The next REPLY (DEC_STRONGs before it are skipped): its status and parcel. */
static int32_t raw_reply(int fd, uint8_t *parcel, size_t *n)
{
	uint8_t h[RPC_WIRE_HEADER_SIZE], body[1024];
	struct rpc_wire_header hdr;
	struct rpc_wire_transaction t;

	for (;;) {
		assert_int_equal(raw_recv(fd, h, sizeof(h)), 0);
		assert_int_equal(rpc_wire_get_header(h, &hdr), 0);
		assert_true(hdr.body_size <= sizeof(body));
		assert_int_equal(raw_recv(fd, body, hdr.body_size), 0);
		if (hdr.command == RPC_COMMAND_REPLY)
			break;
		assert_int_equal(hdr.command, RPC_COMMAND_DEC_STRONG);
	}
	assert_int_equal(rpc_wire_get_reply(body, hdr.body_size, &t), 0);
	if (parcel) {
		memcpy(parcel, t.parcel, t.parcel_size);
		*n = t.parcel_size;
	}
	return t.status;
}

/* GET_ROOT over a raw session: the root object's address. */
static uint64_t raw_get_root(int fd)
{
	uint8_t parcel[64];
	uint64_t address;
	size_t n = 0;

	raw_transact(fd, 0, RPC_SPECIAL_TRANSACT_GET_ROOT, 0, 0, NULL, 0);
	assert_int_equal(raw_reply(fd, parcel, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(parcel, "\x01\x00\x00\x00", 4); /* a binder */
	memcpy(&address, parcel + 4, 8);
	return address;
}

/* A parcel for the test service: interface token, then @nwords int32s. */
static size_t service_parcel(uint8_t *p, const int32_t *words, size_t nwords)
{
	const char *d = TEST_SERVICE_DESCRIPTOR;
	size_t len = strlen(d), i, n = 0;
	int32_t v = (int32_t)len;

	memcpy(p, &v, 4);
	n = 4;
	for (i = 0; i <= len; i++, n += 2) {
		p[n] = i < len ? (uint8_t)d[i] : 0;
		p[n + 1] = 0;
	}
	while (n % 4)
		p[n++] = 0;
	memcpy(p + n, words, 4 * nwords);
	return n + 4 * nwords;
}

/* ------------------------------------------------------------------ tests */

static void test_bad_connection_headers(void **state)
{
	static const uint8_t id[32] = {1, 2, 3};
	static const struct {
		const char *what;
		uint32_t version;
		uint8_t options, fd_mode;
		uint16_t id_size;
		const char *init; /* sent after the header, or NULL */
		bool answered;	  /* a new-session response comes first */
	} cases[] = {
	    {"protocol version 0, which this library does not speak", 0, 0, 0, 0, NULL, false},
	    {"an unknown option", 1, 0x80, 0, 0, NULL, false},
	    {"an unknown fd transport mode", 1, 0, 9, 0, NULL, false},
	    {"a session id that is not 32 bytes", 1, 0, 0, 16, NULL, false},
	    {"a session id nobody has", 1, 0, 0, 32, "cci", false},
	    {"a new session starting with an incoming connection", 1,
	     RPC_CONNECTION_OPTION_INCOMING, 0, 0, NULL, true},
	    {"not \"cci\"", 1, 0, 0, 0, "ccx", true},
	    {"an fd transport mode this server does not accept", 1, 0, RPC_FD_TRANSPORT_UNIX, 0,
	     "cci", true},
	};
	uint8_t resp[8], init[8];
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		fd = raw_connect();
		raw_header(fd, cases[i].version, cases[i].options, cases[i].fd_mode, id,
			   cases[i].id_size);
		if (cases[i].init) {
			memset(init, 0, sizeof(init));
			memcpy(init, cases[i].init, 3);
			raw_send(fd, init, sizeof(init));
		}
		if (cases[i].answered)
			assert_int_equal(raw_recv(fd, resp, sizeof(resp)), 0);
		assert_true(raw_closed(fd));
		close(fd);
	}
	/* Gone half-way through the header. */
	fd = raw_connect();
	raw_send(fd, "\x01\x00\x00", 3);
	close(fd);
	assert_good_client_works();
}

static void test_malformed_frames(void **state)
{
	uint8_t body[RPC_WIRE_TRANSACTION_SIZE + 64] = {0};
	struct rpc_wire_transaction t = {.parcel_size = 8};
	uint8_t h[RPC_WIRE_HEADER_SIZE];
	int fd, i;

	(void)state;
	for (i = 0; i < 9; i++) {
		fd = raw_session();
		switch (i) {
		case 0: /* an unknown command */
			raw_frame(fd, 7, body, 16);
			break;
		case 1: /* a body size far over the limit, no body */
			rpc_wire_put_header(h, RPC_COMMAND_TRANSACT, 0xffffffff);
			raw_send(fd, h, sizeof(h));
			break;
		case 2: /* just over the limit */
			rpc_wire_put_header(h, RPC_COMMAND_TRANSACT, RPC_MAX_BODY_SIZE + 1);
			raw_send(fd, h, sizeof(h));
			break;
		case 3: /* a TRANSACT shorter than its fixed part */
			raw_frame(fd, RPC_COMMAND_TRANSACT, body, 20);
			break;
		case 4: /* a parcel larger than the body */
			t.parcel_size = 64;
			rpc_wire_put_transaction(body, &t);
			raw_frame(fd, RPC_COMMAND_TRANSACT, body, RPC_WIRE_TRANSACTION_SIZE + 8);
			break;
		case 5: /* an object table entry, and no fd with it */
			t.parcel_size = 8;
			rpc_wire_put_transaction(body, &t);
			raw_frame(fd, RPC_COMMAND_TRANSACT, body, RPC_WIRE_TRANSACTION_SIZE + 12);
			break;
		case 6: /* a REPLY nobody waits for */
			raw_frame(fd, RPC_COMMAND_REPLY, body, RPC_WIRE_REPLY_SIZE);
			break;
		case 7: /* a DEC_STRONG of the wrong size */
			raw_frame(fd, RPC_COMMAND_DEC_STRONG, body, 12);
			break;
		case 8: /* a oneway call to the session itself */
			raw_transact(fd, 0, RPC_SPECIAL_TRANSACT_GET_ROOT, FLAG_ONEWAY, 0, NULL, 0);
			break;
		}
		assert_true(raw_closed(fd));
		close(fd);
		assert_good_client_works();
	}
}

static void test_cut_short(void **state)
{
	uint8_t body[64] = {0};
	uint8_t h[RPC_WIRE_HEADER_SIZE];
	int fd = raw_session();

	(void)state;
	/* A header announcing 100 bytes, 50 of them, and gone. */
	rpc_wire_put_header(h, RPC_COMMAND_TRANSACT, 100);
	raw_send(fd, h, sizeof(h));
	raw_send(fd, body, 50);
	close(fd);
	/* A header cut in the middle. */
	fd = raw_session();
	raw_send(fd, h, 7);
	close(fd);
	usleep(20000);
	assert_good_client_works();
}

static void test_addresses(void **state)
{
	const uint64_t ours_unknown = rpc_address_make(3, 999);
	const uint64_t theirs_unknown = rpc_address_make(1, 5);
	uint8_t parcel[128];
	size_t n;
	int fd = raw_session();

	(void)state;
	/* An address the server would have made but did not: BAD_VALUE, the
	 * session goes on. */
	raw_transact(fd, ours_unknown, TEST_ADD, 0, 0, NULL, 0);
	assert_int_equal(raw_reply(fd, NULL, NULL), STATUS_BAD_VALUE);
	assert_true(raw_get_root(fd) != 0);
	/* A DEC_STRONG on an unknown address, and one too large: ignored. */
	rpc_wire_put_dec_strong(parcel, ours_unknown, 1);
	raw_frame(fd, RPC_COMMAND_DEC_STRONG, parcel, RPC_DEC_STRONG_SIZE);
	rpc_wire_put_dec_strong(parcel, raw_get_root(fd), 1000);
	raw_frame(fd, RPC_COMMAND_DEC_STRONG, parcel, RPC_DEC_STRONG_SIZE);
	n = service_parcel(parcel, (int32_t[]){1, 2}, 2);
	raw_transact(fd, raw_get_root(fd), TEST_ADD, 0, 0, parcel, n);
	assert_int_equal(raw_reply(fd, parcel, &n), 0);
	assert_memory_equal(parcel, "\x00\x00\x00\x00\x03\x00\x00\x00", 8);
	/* Calling an address that can only be the client's own: the end. */
	raw_transact(fd, theirs_unknown, TEST_ADD, 0, 0, NULL, 0);
	assert_true(raw_closed(fd));
	close(fd);
	assert_good_client_works();
}

static void test_garbage_arguments(void **state)
{
	uint8_t parcel[128], reply[64];
	uint64_t root;
	size_t n, m;
	int fd = raw_session();

	(void)state;
	root = raw_get_root(fd);
	/* No interface token: the object refuses the call. */
	raw_transact(fd, root, TEST_ADD, 0, 0, "\x01\x00\x00\x00", 4);
	assert_int_equal(raw_reply(fd, NULL, NULL), STATUS_BAD_TYPE);
	/* The token and one int32 of two: the service says so. */
	n = service_parcel(parcel, (int32_t[]){1}, 1);
	raw_transact(fd, root, TEST_ADD, 0, 0, parcel, n);
	assert_int_equal(raw_reply(fd, NULL, NULL), STATUS_NOT_ENOUGH_DATA);
	/* A binder object with an address of unknown kind. */
	n = service_parcel(parcel, (int32_t[]){1, 0x80, 0, 0x0c}, 4);
	raw_transact(fd, root, TEST_STORE, 0, 0, parcel, n);
	assert_int_equal(raw_reply(fd, NULL, NULL), STATUS_BAD_VALUE);
	/* One with an address the server would own and does not. */
	n = service_parcel(parcel, (int32_t[]){1, 3, 777, 0x0c}, 4);
	raw_transact(fd, root, TEST_STORE, 0, 0, parcel, n);
	assert_int_equal(raw_reply(fd, NULL, NULL), STATUS_BAD_VALUE);
	/* Still a working session. */
	n = service_parcel(parcel, (int32_t[]){5, 6}, 2);
	raw_transact(fd, root, TEST_ADD, 0, 0, parcel, n);
	assert_int_equal(raw_reply(fd, reply, &m), 0);
	assert_memory_equal(reply + 4, "\x0b\x00\x00\x00", 4);
	close(fd);
	assert_good_client_works();
}

static void test_oneway_abuse(void **state)
{
	uint8_t parcel[128];
	uint64_t root;
	size_t n;
	int fd, i;

	(void)state;
	/* asyncNumber 0 twice: a replay. */
	fd = raw_session();
	root = raw_get_root(fd);
	n = service_parcel(parcel, (int32_t[]){1}, 1);
	raw_transact(fd, root, TEST_RECORD, FLAG_ONEWAY, 0, parcel, n);
	raw_transact(fd, root, TEST_RECORD, FLAG_ONEWAY, 0, parcel, n);
	assert_true(raw_closed(fd));
	close(fd);
	/* Far ahead of its turn, over and over: the queue has a limit (the
	 * server may hang up before all are sent). */
	fd = raw_session();
	root = raw_get_root(fd);
	for (i = 0; i < 1100; i++) {
		struct rpc_wire_transaction t = {.address = root,
						 .code = TEST_RECORD,
						 .flags = FLAG_ONEWAY,
						 .async_number = 1000 + (uint64_t)i,
						 .parcel_size = (uint32_t)n};
		uint8_t frame[RPC_WIRE_HEADER_SIZE + RPC_WIRE_TRANSACTION_SIZE + 128];

		rpc_wire_put_header(frame, RPC_COMMAND_TRANSACT,
				    (uint32_t)(RPC_WIRE_TRANSACTION_SIZE + n));
		rpc_wire_put_transaction(frame + RPC_WIRE_HEADER_SIZE, &t);
		memcpy(frame + RPC_WIRE_HEADER_SIZE + RPC_WIRE_TRANSACTION_SIZE, parcel, n);
		if (send(fd, frame, RPC_WIRE_HEADER_SIZE + RPC_WIRE_TRANSACTION_SIZE + n,
			 MSG_NOSIGNAL) < 0)
			break;
	}
	assert_true(raw_closed(fd));
	close(fd);
	test_service_clear(service);
	assert_good_client_works();
}

static void test_unsolicited_fds(void **state)
{
	uint8_t h[RPC_WIRE_HEADER_SIZE];
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {h, sizeof(h)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd = raw_session(), sent = 0;

	(void)state;
	/* A DEC_STRONG header carrying an fd, on a session without the fd mode. */
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sent, sizeof(int));
	rpc_wire_put_header(h, RPC_COMMAND_DEC_STRONG, RPC_DEC_STRONG_SIZE);
	assert_int_equal(sendmsg(fd, &msg, MSG_NOSIGNAL), (ssize_t)sizeof(h));
	raw_send(fd, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_true(raw_closed(fd));
	close(fd);
	assert_good_client_works();
}

static void test_shutdown_with_silent_connection(void **state)
{
	struct timespec a, b;
	int fd;

	(void)state;
	/* A connection that never says anything must not hold up a shutdown. */
	teardown(state);
	setup(state);
	fd = raw_connect();
	usleep(20000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	RpcServer_shutdown(server);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	assert_true(raw_closed(fd));
	close(fd);
	/* The good client's session ended with the server. */
	assert_int_equal(test_add(good_root, 1, 1, &(int32_t){0}), STATUS_DEAD_OBJECT);
	teardown(state);
	setup(state);
}

/* ------------------------------------------------------------------ a lying server */

struct fake {
	int fd;
	int step;	  /* what to do wrong */
	uint32_t version; /* in the new-session response */
};

static void *fake_server(void *arg)
{
	struct fake *f = arg;
	uint8_t buf[64], resp[8], h[RPC_WIRE_HEADER_SIZE], body[64] = {0};

	if (raw_recv(f->fd, buf, RPC_CONNECTION_HEADER_SIZE + RPC_CONNECTION_INIT_SIZE) < 0)
		goto out;
	if (f->step == 0)
		goto out; /* hang up */
	rpc_wire_put_new_session_response(resp, f->version);
	send(f->fd, resp, sizeof(resp), MSG_NOSIGNAL);
	if (raw_recv(f->fd, buf, RPC_WIRE_HEADER_SIZE + RPC_WIRE_TRANSACTION_SIZE) < 0)
		goto out;
	switch (f->step) {
	case 1: /* a REPLY far too large */
		rpc_wire_put_header(h, RPC_COMMAND_REPLY, 0x7fffffff);
		send(f->fd, h, sizeof(h), MSG_NOSIGNAL);
		break;
	case 2: /* GET_MAX_THREADS: 0 */
		rpc_wire_put_reply(body, 0, 4);
		rpc_wire_put_header(h, RPC_COMMAND_REPLY, RPC_WIRE_REPLY_SIZE + 4);
		send(f->fd, h, sizeof(h), MSG_NOSIGNAL);
		send(f->fd, body, RPC_WIRE_REPLY_SIZE + 4, MSG_NOSIGNAL);
		break;
	case 3: /* an unknown command instead of the reply */
		rpc_wire_put_header(h, 9, 0);
		send(f->fd, h, sizeof(h), MSG_NOSIGNAL);
		break;
	}
	raw_closed(f->fd);
out:
	close(f->fd);
	return NULL;
}

static int try_fake(int step, uint32_t version)
{
	struct fake f = {.step = step, .version = version};
	RpcSession *s = RpcSession_new();
	pthread_t t;
	int sv[2], r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f.fd = sv[1];
	assert_int_equal(pthread_create(&t, NULL, fake_server, &f), 0);
	r = RpcSession_setupPreconnectedClient(s, sv[0], NULL, NULL);
	RpcSession_free(s);
	pthread_join(t, NULL);
	return r;
}

static void test_lying_server(void **state)
{
	(void)state;
	assert_int_equal(try_fake(0, 1), -EPIPE);
	assert_int_equal(try_fake(1, 0), -EPROTONOSUPPORT);
	assert_int_equal(try_fake(1, 2), -EPROTO);
	assert_int_equal(try_fake(1, 1), -EPIPE);
	assert_int_equal(try_fake(2, 1), -EPROTO);
	assert_int_equal(try_fake(3, 1), -EPIPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_connection_headers),
	    cmocka_unit_test(test_malformed_frames),
	    cmocka_unit_test(test_cut_short),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_garbage_arguments),
	    cmocka_unit_test(test_oneway_abuse),
	    cmocka_unit_test(test_unsolicited_fds),
	    cmocka_unit_test(test_shutdown_with_silent_connection),
	    cmocka_unit_test(test_lying_server),
	};

	binder_set_logger(quiet_logger);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
