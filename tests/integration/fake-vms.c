/*
 * fake-vms - a stand-in for virtmgr's per-VM IVirtualMachineService, for
 * the guest-only lab cases (tests/integration/suite.sh, docs/payload.md).
 *
 *   fake-vms PATH [TIMEOUT]
 *
 * Serves RPC Binder at the Unix socket PATH, which is where mvm takes a
 * guest's connection to host port P when PATH is "<--vsock-uds>_<P>"; the
 * root object implements IVirtualMachineService
 * (lib/aidl/ivirtualmachineservice.h).  Prints one line per call on
 * stdout:
 *
 *   started | ready | finished CODE | error CODE MESSAGE | crashed SIGNAL
 *
 * and "unknown CODE" for a call it does not know (answered
 * UNKNOWN_TRANSACTION).  After the first finished, error or crashed it
 * waits a second (for late calls, which would show), then exits 0.
 * Exits 1 after TIMEOUT seconds (default 120) without one, 2 on a bad
 * command line or if it cannot listen.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <binder/rpc.h>

#include "lib/aidl/ivirtualmachineservice.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ended = PTHREAD_COND_INITIALIZER;
static int ends;

static void *vms_create(void *args)
{
	return args;
}

static void vms_destroy(void *data)
{
	(void)data;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static binder_status_t vms_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				    AParcel *out)
{
	AStatus *ok = AStatus_newOk();
	binder_status_t r = STATUS_OK;
	int32_t arg = 0;
	char *msg = NULL;
	bool end = false;

	(void)b;
	switch (code) {
	case IVMS_NOTIFY_PAYLOAD_STARTED:
		say("started");
		break;
	case IVMS_NOTIFY_PAYLOAD_READY:
		say("ready");
		break;
	case IVMS_NOTIFY_PAYLOAD_FINISHED:
	case IVMS_NOTIFY_PAYLOAD_CRASHED:
		r = AParcel_readInt32(in, &arg);
		if (r == STATUS_OK)
			say("%s %d", code == IVMS_NOTIFY_PAYLOAD_FINISHED ? "finished" : "crashed",
			    arg);
		end = true;
		break;
	case IVMS_NOTIFY_ERROR:
		r = AParcel_readInt32(in, &arg);
		if (r == STATUS_OK)
			r = AParcel_readStringDup(in, &msg, NULL);
		if (r == STATUS_OK)
			say("error %d %s", arg, msg ? msg : "(null)");
		free(msg);
		end = true;
		break;
	default:
		say("unknown %u", (unsigned)code);
		r = STATUS_UNKNOWN_TRANSACTION;
	}
	if (r != STATUS_OK && code != IVMS_NOTIFY_PAYLOAD_STARTED &&
	    r != STATUS_UNKNOWN_TRANSACTION)
		say("malformed call %u: status %d", (unsigned)code, (int)r);
	if (r == STATUS_OK)
		r = AParcel_writeStatusHeader(out, ok);
	AStatus_delete(ok);
	if (end) {
		pthread_mutex_lock(&lock);
		ends++;
		pthread_cond_signal(&ended);
		pthread_mutex_unlock(&lock);
	}
	return r;
}

int main(int argc, char **argv)
{
	struct timespec deadline;
	AIBinder_Class *clazz;
	RpcServer *server;
	AIBinder *root;
	long timeout = 120;
	int r;

	if (argc < 2 || argc > 3 || (argc == 3 && (timeout = atol(argv[2])) <= 0)) {
		fprintf(stderr, "usage: fake-vms PATH [TIMEOUT]\n");
		return 2;
	}
	clazz = AIBinder_Class_define(IVIRTUALMACHINESERVICE_DESCRIPTOR, vms_create, vms_destroy,
				      vms_transact);
	root = clazz ? AIBinder_new(clazz, NULL) : NULL;
	server = RpcServer_new();
	if (!root || !server) {
		fprintf(stderr, "fake-vms: out of memory\n");
		return 2;
	}
	unlink(argv[1]);
	RpcServer_setRootObject(server, root);
	RpcServer_setMaxThreads(server, 4);
	r = RpcServer_setupUnixDomainServer(server, argv[1]);
	if (r == 0)
		r = RpcServer_start(server);
	if (r < 0) {
		fprintf(stderr, "fake-vms: cannot serve at %s: %s\n", argv[1], strerror(-r));
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout;
	pthread_mutex_lock(&lock);
	while (!ends && pthread_cond_timedwait(&ended, &lock, &deadline) != ETIMEDOUT)
		;
	r = ends;
	pthread_mutex_unlock(&lock);
	if (!r) {
		say("timeout");
		return 1;
	}
	sleep(1);
	fflush(stdout);
	/* Exit without tearing the server down: a late session must not hold us. */
	_exit(0);
}
