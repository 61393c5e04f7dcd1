/*
 * binder-vsock - RPC Binder between the host and a guest through mvm's
 * virtio-vsock device (tests/integration/suite.sh, case
 * binder-rpc-vsock).
 *
 *   binder-vsock server PORT      in the guest: serve IEcho on vsock PORT
 *   binder-vsock client UDS PORT  on the host: reach it through mvm's
 *                                 Unix socket UDS (--vsock-uds) and check it
 *
 * IEcho ("microdroid.test.IEcho"):
 *   1 echo(String s) -> String          returns s
 *   2 relay(IBinder cb, String s) -> String
 *                                       calls cb's echo("guest:" + s) back
 *                                       on the host and returns its answer
 * so one run moves calls and a binder object in both directions.
 *
 * The client opens every connection of its session the way any host
 * program reaches a guest through mvm: connect to UDS, write
 * "CONNECT PORT\n", read "OK <port>\n"; from there the socket is the
 * stream (docs/virtio.md).  It prints "binder-vsock: PASS ..." lines and
 * exits 0, or one "binder-vsock: FAIL ..." line and exits 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <binder/rpc.h>

#include "mvm_connect.h"

#define DESCRIPTOR "microdroid.test.IEcho"
#define CODE_ECHO (FIRST_CALL_TRANSACTION + 0)
#define CODE_RELAY (FIRST_CALL_TRANSACTION + 1)

static AIBinder_Class *echo_class;
static const char *uds_path;
static unsigned int vsock_port;

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	printf("binder-vsock: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

/* Call @b's echo-shaped method @code with (@cb if not NULL, @s); the reply
 * string in *@out (malloc'ed).  Returns a binder status. */
static binder_status_t call_echo(AIBinder *b, transaction_code_t code, AIBinder *cb, const char *s,
				 char **out)
{
	AParcel *in = NULL, *reply = NULL;
	binder_status_t r;
	int32_t ex = -1;

	*out = NULL;
	r = AIBinder_prepareTransaction(b, &in);
	if (r == STATUS_OK && cb)
		r = AParcel_writeStrongBinder(in, cb);
	if (r == STATUS_OK)
		r = AParcel_writeString(in, s, (int32_t)strlen(s));
	if (r == STATUS_OK)
		r = AIBinder_transact(b, code, &in, &reply, 0);
	if (r == STATUS_OK)
		r = AParcel_readInt32(reply, &ex); /* AIDL status header */
	if (r == STATUS_OK && ex != 0)
		r = STATUS_FAILED_TRANSACTION;
	if (r == STATUS_OK)
		r = AParcel_readStringDup(reply, out, NULL);
	AParcel_delete(in);
	AParcel_delete(reply);
	return r;
}

/* The service: echo, and relay through a binder the caller passed. */
static binder_status_t echo_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	AIBinder *cb = NULL;
	char *s = NULL, *answer = NULL, *msg = NULL;
	binder_status_t r;

	(void)b;
	if (code != CODE_ECHO && code != CODE_RELAY)
		return STATUS_UNKNOWN_TRANSACTION;
	r = code == CODE_RELAY ? AParcel_readStrongBinder(in, &cb) : STATUS_OK;
	if (r == STATUS_OK)
		r = AParcel_readStringDup(in, &s, NULL);
	if (r == STATUS_OK && !s)
		r = STATUS_UNEXPECTED_NULL;
	if (r == STATUS_OK && code == CODE_RELAY) {
		if (!cb || !AIBinder_associateClass(cb, echo_class))
			r = STATUS_BAD_TYPE;
		else if (asprintf(&msg, "guest:%s", s) < 0)
			r = STATUS_NO_MEMORY;
		else
			r = call_echo(cb, CODE_ECHO, NULL, msg, &answer);
	}
	if (r == STATUS_OK)
		r = AParcel_writeInt32(out, 0);
	if (r == STATUS_OK)
		r = AParcel_writeString(out, answer ? answer : s,
					(int32_t)strlen(answer ? answer : s));
	if (cb)
		AIBinder_decStrong(cb);
	free(s);
	free(msg);
	free(answer);
	return r;
}

static void *echo_create(void *args)
{
	return args;
}
static void echo_destroy(void *data)
{
	(void)data;
}

/* One connection to the guest's port through mvm's CONNECT protocol. */
static int connect_through_mvm(void *arg)
{
	(void)arg;
	return mvm_vsock_connect(uds_path, vsock_port);
}

static int run_client(void)
{
	RpcSession *session = RpcSession_new();
	AIBinder *root = NULL, *local;
	char *answer;
	int fd, r, i;

	/* The guest's server may still be starting: retry for a while. */
	for (i = 0; (fd = connect_through_mvm(NULL)) < 0 && i < 100; i++)
		usleep(100000);
	if (fd < 0)
		fail("cannot reach guest port %u through %s: %s", vsock_port, uds_path,
		     strerror(-fd));
	if (!session)
		fail("out of memory");
	/* Incoming connections too, so the guest can call back. */
	RpcSession_setMaxIncomingThreads(session, 1);
	r = RpcSession_setupPreconnectedClient(session, fd, connect_through_mvm, NULL);
	if (r == 0)
		r = RpcSession_getRootObject(session, &root);
	if (r < 0)
		fail("RPC session set-up over vsock: %s", strerror(-r));
	if (!AIBinder_associateClass(root, echo_class))
		fail("the guest's root object is not %s", DESCRIPTOR);
	printf("binder-vsock: PASS session with the guest's root object\n");

	r = call_echo(root, CODE_ECHO, NULL, "hello over vsock", &answer);
	if (r != STATUS_OK || !answer || strcmp(answer, "hello over vsock") != 0)
		fail("echo: status %d, answer '%s'", r, answer ? answer : "(null)");
	free(answer);
	printf("binder-vsock: PASS host -> guest echo\n");

	local = AIBinder_new(echo_class, NULL);
	r = call_echo(root, CODE_RELAY, local, "ping", &answer);
	if (r != STATUS_OK || !answer || strcmp(answer, "guest:ping") != 0)
		fail("relay: status %d, answer '%s'", r, answer ? answer : "(null)");
	free(answer);
	printf("binder-vsock: PASS guest -> host call on a binder the host sent\n");
	fflush(stdout);

	AIBinder_decStrong(local);
	AIBinder_decStrong(root);
	RpcSession_free(session);
	return 0;
}

static int run_server(void)
{
	RpcServer *server = RpcServer_new();
	AIBinder *service = AIBinder_new(echo_class, NULL);
	int r;

	if (!server || !service)
		fail("out of memory");
	RpcServer_setRootObject(server, service);
	AIBinder_decStrong(service);
	RpcServer_setMaxThreads(server, 2);
	r = RpcServer_setupVsockServer(server, -1U, vsock_port);
	if (r < 0)
		fail("vsock server on port %u: %s", vsock_port, strerror(-r));
	printf("binder-vsock: serving %s on vsock port %u\n", DESCRIPTOR, vsock_port);
	fflush(stdout);
	r = RpcServer_join(server);
	RpcServer_free(server);
	return r < 0 ? 1 : 0;
}

static unsigned int parse_port(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v == 0 || v > 0xffffffffUL)
		fail("bad port '%s'", s);
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	echo_class = AIBinder_Class_define(DESCRIPTOR, echo_create, echo_destroy, echo_transact);
	if (!echo_class)
		fail("out of memory");
	if (argc == 3 && strcmp(argv[1], "server") == 0) {
		vsock_port = parse_port(argv[2]);
		return run_server();
	}
	if (argc == 4 && strcmp(argv[1], "client") == 0) {
		uds_path = argv[2];
		vsock_port = parse_port(argv[3]);
		return run_client();
	}
	fprintf(stderr, "usage: binder-vsock server PORT | binder-vsock client UDS PORT\n");
	return 2;
}
