/*
 * binder-bench - RPC Binder round trips against a raw request/response
 * ping-pong, over a Unix socket pair, in one process (bench/binder/run.sh).
 *
 *   binder-bench --mode raw|rpc --size BYTES [--calls N] [--ms MS]
 *
 * raw  A thread echoes messages of BYTES bytes on one end of a
 *      socketpair(AF_UNIX, SOCK_STREAM); the caller writes one and reads
 *      it back: the floor any RPC over this socket pays (two wake-ups and
 *      two copies each way).
 * rpc  An RpcServer serves one end of the same kind of socket pair
 *      (RpcServer_addConnection) and an RpcSession the other
 *      (RpcSession_setupPreconnectedClient): one connection, one server
 *      thread.  Each call is an AIDL-style echo(byte[]): the request
 *      parcel is exactly BYTES bytes (interface token, array length,
 *      payload), the reply a status header and the same array (BYTES - 24).
 *
 * After 500 untimed calls it times N calls one by one (default 5000) and
 * reports their median and 99th percentile, then makes calls back to back
 * for MS milliseconds (default 500) and reports calls per second.
 * Prints one line:
 *   BENCH mode=rpc size=64 calls=5000 lat_us_median=12.3 lat_us_p99=20.1 ops_per_s=80000
 * and exits 1 (with a message) if a call fails or an echo comes back wrong.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#define DESCRIPTOR "bench.IEcho" /* 11 units: a 28-byte interface token */
#define ECHO FIRST_CALL_TRANSACTION
#define TOKEN_SIZE 28
#define REQUEST_OVERHEAD (TOKEN_SIZE + 4) /* token + array length */

static size_t size;
static uint8_t *payload, *echo_buf;

static void die(const char *what, int err)
{
	fprintf(stderr, "binder-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ------------------------------------------------------------------ raw */

/* Write (@out) or read all @len bytes: 0, or -1 at the end of the stream. */
static int move_all(int fd, void *buf, size_t len, bool out)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *raw_echo(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *buf = malloc(size);

	while (move_all(fd, buf, size, false) == 0 && move_all(fd, buf, size, true) == 0)
		;
	free(buf);
	return NULL;
}

static int raw_fd;

static void raw_call(void)
{
	if (move_all(raw_fd, payload, size, true) < 0 ||
	    move_all(raw_fd, echo_buf, size, false) < 0)
		die("raw round trip", EPIPE);
}

/* ------------------------------------------------------------------ rpc */

static void *echo_create(void *args)
{
	return args;
}

static void echo_destroy(void *data)
{
	(void)data;
}

static bool into_echo_buf(void *arg, int32_t length, int8_t **buffer)
{
	(void)arg;
	*buffer = (int8_t *)echo_buf;
	return length <= (int32_t)size;
}

static binder_status_t echo_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	int8_t *data;
	int32_t len;
	binder_status_t r;

	(void)b;
	if (code != ECHO)
		return STATUS_UNKNOWN_TRANSACTION;
	r = AParcel_readByteArrayDup(in, &data, &len);
	if (r == STATUS_OK)
		r = AParcel_writeInt32(out, 0); /* AIDL status header: no exception */
	if (r == STATUS_OK)
		r = AParcel_writeByteArray(out, data, len);
	free(data);
	return r;
}

static AIBinder *rpc_root;
static size_t rpc_payload;

static void rpc_call(void)
{
	AParcel *in = NULL, *out = NULL;
	binder_status_t r;
	int32_t ex = -1;

	r = AIBinder_prepareTransaction(rpc_root, &in);
	if (r == STATUS_OK)
		r = AParcel_writeByteArray(in, (const int8_t *)payload, (int32_t)rpc_payload);
	if (r == STATUS_OK && (size_t)AParcel_getDataSize(in) != size)
		die("request parcel size", EINVAL);
	if (r == STATUS_OK)
		r = AIBinder_transact(rpc_root, ECHO, &in, &out, 0);
	if (r == STATUS_OK)
		r = AParcel_readInt32(out, &ex);
	if (r == STATUS_OK)
		r = AParcel_readByteArray(out, NULL, into_echo_buf);
	if (r != STATUS_OK || ex != 0)
		die("rpc call", r ? r : EBADMSG);
	AParcel_delete(out);
}

/* ------------------------------------------------------------------ measuring */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	long calls = 5000, ms = 500, i, n;
	void (*one_call)(void);
	pthread_t echo_thread;
	RpcServer *server = NULL;
	RpcSession *session = NULL;
	AIBinder *root = NULL;
	double *lat, t0, end;
	int sv[2], r;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mode"))
			mode = argv[i + 1];
		else if (!strcmp(argv[i], "--size"))
			size = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--calls"))
			calls = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--ms"))
			ms = strtol(argv[i + 1], NULL, 10);
	}
	if (!mode || (strcmp(mode, "raw") && strcmp(mode, "rpc")) || size < 64 ||
	    size > 512 * 1024 || size % 4 || calls < 1 || ms < 1 || i != argc) {
		fprintf(stderr, "usage: binder-bench --mode raw|rpc --size BYTES (64..512K, "
				"a multiple of 4) [--calls N] [--ms MS]\n");
		return 2;
	}
	payload = malloc(size);
	echo_buf = malloc(size);
	lat = malloc(sizeof(*lat) * (size_t)calls);
	if (!payload || !echo_buf || !lat)
		die("malloc", ENOMEM);
	for (i = 0; i < (long)size; i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);

	if (!strcmp(mode, "raw")) {
		raw_fd = sv[0];
		if (pthread_create(&echo_thread, NULL, raw_echo, (void *)(intptr_t)sv[1]))
			die("pthread_create", EAGAIN);
		one_call = raw_call;
	} else {
		AIBinder_Class *clazz =
		    AIBinder_Class_define(DESCRIPTOR, echo_create, echo_destroy, echo_transact);
		AIBinder *service = AIBinder_new(clazz, NULL);

		server = RpcServer_new();
		session = RpcSession_new();
		RpcServer_setRootObject(server, service);
		AIBinder_decStrong(service);
		r = RpcServer_addConnection(server, sv[1]);
		if (r == 0)
			r = RpcSession_setupPreconnectedClient(session, sv[0], NULL, NULL);
		if (r == 0)
			r = RpcSession_getRootObject(session, &root);
		if (r < 0)
			die("RPC session set-up", r);
		if (!AIBinder_associateClass(root, clazz))
			die("associateClass", EPROTOTYPE);
		rpc_root = root;
		rpc_payload = size - REQUEST_OVERHEAD;
		one_call = rpc_call;
	}

	for (i = 0; i < 500; i++)
		one_call();
	if (memcmp(echo_buf, payload, !strcmp(mode, "raw") ? size : rpc_payload))
		die("echo", EBADMSG);
	for (i = 0; i < calls; i++) {
		t0 = now_us();
		one_call();
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)calls, sizeof(*lat), cmp_double);
	t0 = now_us();
	end = t0 + (double)ms * 1000;
	for (n = 0; now_us() < end; n++)
		one_call();
	printf("BENCH mode=%s size=%zu calls=%ld lat_us_median=%.2f lat_us_p99=%.2f "
	       "ops_per_s=%.0f\n",
	       mode, size, calls, lat[calls / 2], lat[calls * 99 / 100],
	       (double)n * 1e6 / (now_us() - t0));

	if (root) {
		AIBinder_decStrong(root);
		RpcSession_free(session);
		RpcServer_free(server);
	} else {
		shutdown(sv[0], SHUT_RDWR);
		pthread_join(echo_thread, NULL);
		close(sv[0]);
		close(sv[1]);
	}
	free(lat);
	free(payload);
	free(echo_buf);
	return 0;
}
