/*
 * virtmgr-client.c - a small client of virtmgr for its native tests
 * (tests/host/virtmgr.sh), calling it through libbinder directly.
 *
 *   virtmgr-client SOCKET run PACKAGE [options]
 *       --name N  --instance PATH  --mem MIB  --cpus N  --debug
 *       --boot-timeout-ms MS  --console FILE  --log FILE
 *       --stop-after-ms MS    call STOP after this long
 *       --exit-after-ms MS    exit (dropping the VM) after this long
 *       --connect-port P      once READY: CONNECT_VSOCK(P) and call the echo
 *                             service there
 *     Prints "cid N", then each callback as "event NAME [ARGS]" until ON_DIED,
 *     then "info ..." from GET_INFO.  Exit 0; 1 if CREATE_VM failed (its
 *     status on stderr).
 *   virtmgr-client SOCKET list          "CID NAME STATE" per VM
 *   virtmgr-client SOCKET info CID      "info ..." or "no VM"
 *   virtmgr-client SOCKET stop CID
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include "host/virtmgr/vm_state.h"
#include "lib/aidl/ivirtualizationservice.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool died, ready;

static void *noop_create(void *a)
{
	return a;
}

static void noop_destroy(void *a)
{
	(void)a;
}

static binder_status_t no_transact(AIBinder *b, transaction_code_t c, const AParcel *in,
				   AParcel *out)
{
	(void)b;
	(void)c;
	(void)in;
	(void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

static AIBinder_Class *class_of(const char *descriptor)
{
	return AIBinder_Class_define(descriptor, noop_create, noop_destroy, no_transact);
}

static binder_status_t cb_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	int32_t cid, arg = 0, len;
	char *msg = NULL;

	(void)b;
	(void)out;
	AParcel_readInt32(in, &cid);
	if (code != IVMCB_ON_PAYLOAD_STARTED && code != IVMCB_ON_PAYLOAD_READY)
		AParcel_readInt32(in, &arg);
	if (code == IVMCB_ON_ERROR)
		AParcel_readStringDup(in, &msg, &len);
	pthread_mutex_lock(&lock);
	switch (code) {
	case IVMCB_ON_PAYLOAD_STARTED:
		printf("event STARTED\n");
		break;
	case IVMCB_ON_PAYLOAD_READY:
		printf("event READY\n");
		ready = true;
		break;
	case IVMCB_ON_PAYLOAD_FINISHED:
		printf("event FINISHED %d\n", arg);
		break;
	case IVMCB_ON_ERROR:
		printf("event ERROR %d %s\n", arg, msg ? msg : "");
		break;
	case IVMCB_ON_PAYLOAD_CRASHED:
		printf("event CRASHED %d\n", arg);
		break;
	case IVMCB_ON_DIED:
		printf("event DIED %s\n", vm_death_reason_name(arg));
		died = true;
		break;
	default:
		printf("event UNKNOWN %u\n", code);
	}
	fflush(stdout);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	free(msg);
	return STATUS_OK;
}

static void fail(const char *what, binder_status_t r)
{
	fprintf(stderr, "virtmgr-client: %s: transport error %d\n", what, r);
	exit(1);
}

/* Call @code on @b; returns the reply positioned after an OK status, or exits. */
static AParcel *call(AIBinder *b, transaction_code_t code, AParcel *in, const char *what)
{
	AParcel *out = NULL;
	AStatus *st = NULL;
	binder_status_t r;

	r = AIBinder_transact(b, code, &in, &out, 0);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(out, &st);
	if (r != STATUS_OK)
		fail(what, r);
	if (!AStatus_isOk(st)) {
		fprintf(stderr, "virtmgr-client: %s: exception %d (%d): %s\n", what,
			AStatus_getExceptionCode(st), AStatus_getServiceSpecificError(st),
			AStatus_getMessage(st));
		exit(1);
	}
	AStatus_delete(st);
	return out;
}

static AParcel *prepare(AIBinder *b)
{
	AParcel *in = NULL;

	if (AIBinder_prepareTransaction(b, &in) != STATUS_OK)
		fail("prepare", -1);
	return in;
}

static void print_info(const struct vm_info_parcel *i)
{
	printf("info cid=%d name=%s state=%s reason=%s exit=%d signal=%d error=%d pid=%d mem=%d "
	       "cpus=%d message=%s\n",
	       i->cid, i->name, vm_state_name(i->state),
	       i->death_reason < 0 ? "-" : vm_death_reason_name(i->death_reason),
	       i->payload_exit_code, i->payload_signal, i->error_code, i->mvm_pid, i->memory_mib,
	       i->cpus, i->error_message);
	fflush(stdout);
}

static void get_info(AIBinder *vm)
{
	AParcel *out = call(vm, IVM_GET_INFO, prepare(vm), "GET_INFO");
	struct vm_info_parcel info;

	if (vm_info_parcel_read(out, &info) != STATUS_OK)
		fail("GET_INFO: bad VirtualMachineInfo", -1);
	print_info(&info);
	vm_info_parcel_clear(&info);
	AParcel_delete(out);
}

static void echo_over(AIBinder *vm, int32_t port)
{
	AParcel *in = prepare(vm), *out, *eo = NULL, *ein = NULL;
	AIBinder *echo = NULL;
	RpcSession *s;
	AStatus *st = NULL;
	char *text = NULL;
	int32_t len;
	int fd;

	AParcel_writeInt32(in, port);
	out = call(vm, IVM_CONNECT_VSOCK, in, "CONNECT_VSOCK");
	AParcel_readParcelFileDescriptor(out, &fd);
	AParcel_delete(out);
	s = RpcSession_new();
	if (RpcSession_setupPreconnectedClient(s, fd, NULL, NULL) < 0 ||
	    RpcSession_getRootObject(s, &echo) < 0 ||
	    !AIBinder_associateClass(echo, class_of("mdroid.test.IEcho")))
		fail("echo: no service", -1);
	AIBinder_prepareTransaction(echo, &ein);
	AParcel_writeString(ein, "hello", 5);
	if (AIBinder_transact(echo, FIRST_CALL_TRANSACTION, &ein, &eo, 0) != STATUS_OK ||
	    AParcel_readStatusHeader(eo, &st) != STATUS_OK ||
	    AParcel_readStringDup(eo, &text, &len) != STATUS_OK)
		fail("echo", -1);
	printf("echo: %s\n", text);
	fflush(stdout);
	free(text);
	AStatus_delete(st);
	AParcel_delete(eo);
	AIBinder_decStrong(echo);
	RpcSession_free(s);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "virtmgr-client: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run(AIBinder *svc, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", 1, NULL, 'n'},	     {"instance", 1, NULL, 'i'},
	    {"mem", 1, NULL, 'm'},	     {"cpus", 1, NULL, 'c'},
	    {"debug", 0, NULL, 'd'},	     {"boot-timeout-ms", 1, NULL, 'b'},
	    {"console", 1, NULL, 'C'},	     {"log", 1, NULL, 'L'},
	    {"stop-after-ms", 1, NULL, 's'}, {"exit-after-ms", 1, NULL, 'x'},
	    {"connect-port", 1, NULL, 'p'},  {NULL, 0, NULL, 0},
	};
	struct vm_config_parcel cfg = {.instance_fd = -1, .name = "", .package_path = ""};
	int console = -1, log = -1, opt, stop_after = -1, exit_after = -1, port = -1;
	AIBinder_Class *cb_class;
	AIBinder *vm = NULL, *cb;
	AParcel *in, *out;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			cfg.name = optarg;
			break;
		case 'i':
			cfg.instance_fd = open_or_die(optarg, O_RDWR);
			break;
		case 'm':
			cfg.memory_mib = atoi(optarg);
			break;
		case 'c':
			cfg.cpus = atoi(optarg);
			break;
		case 'd':
			cfg.debug_level = VM_DEBUG_FULL;
			break;
		case 'b':
			cfg.boot_timeout_ms = atoi(optarg);
			break;
		case 'C':
			console = open_or_die(optarg, O_WRONLY | O_CREAT | O_TRUNC);
			break;
		case 'L':
			log = open_or_die(optarg, O_WRONLY | O_CREAT | O_TRUNC);
			break;
		case 's':
			stop_after = atoi(optarg);
			break;
		case 'x':
			exit_after = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	cfg.package_path = argv[optind];
	cfg.package_fd = open_or_die(argv[optind], O_RDONLY);

	in = prepare(svc);
	if (vm_config_parcel_write(in, &cfg) != STATUS_OK ||
	    AParcel_writeParcelFileDescriptor(in, console) != STATUS_OK ||
	    AParcel_writeParcelFileDescriptor(in, log) != STATUS_OK)
		fail("CREATE_VM: writing the config", -1);
	out = call(svc, IVS_CREATE_VM, in, "CREATE_VM");
	if (AParcel_readStrongBinder(out, &vm) != STATUS_OK || !vm ||
	    !AIBinder_associateClass(vm, class_of(IVIRTUALMACHINE_DESCRIPTOR)))
		fail("CREATE_VM: no IVirtualMachine", -1);
	AParcel_delete(out);

	out = call(vm, IVM_GET_CID, prepare(vm), "GET_CID");
	int32_t cid = 0;
	AParcel_readInt32(out, &cid);
	AParcel_delete(out);
	printf("cid %d\n", cid);
	fflush(stdout);

	cb_class = AIBinder_Class_define(IVIRTUALMACHINECALLBACK_DESCRIPTOR, noop_create,
					 noop_destroy, cb_transact);
	cb = AIBinder_new(cb_class, NULL);
	in = prepare(vm);
	AParcel_writeStrongBinder(in, cb);
	AParcel_delete(call(vm, IVM_REGISTER_CALLBACK, in, "REGISTER_CALLBACK"));

	int64_t start = ms_now();
	bool stopped = false, connected = false;
	pthread_mutex_lock(&lock);
	while (!died) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cond, &lock, &ts);
		int64_t t = ms_now() - start;
		pthread_mutex_unlock(&lock);
		if (exit_after >= 0 && t >= exit_after)
			_exit(0);
		if (stop_after >= 0 && t >= stop_after && !stopped) {
			AParcel_delete(call(vm, IVM_STOP, prepare(vm), "STOP"));
			stopped = true;
		}
		if (port >= 0 && ready && !connected) {
			connected = true;
			echo_over(vm, port);
		}
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	get_info(vm);
	AIBinder_decStrong(vm);
	AIBinder_decStrong(cb);
	return 0;
}

static AIBinder *get_vm(AIBinder *svc, const char *arg)
{
	AParcel *in = prepare(svc), *out;
	AIBinder *vm = NULL;

	AParcel_writeInt32(in, atoi(arg));
	out = call(svc, IVS_GET_VM, in, "GET_VM");
	AParcel_readStrongBinder(out, &vm);
	AParcel_delete(out);
	if (vm && !AIBinder_associateClass(vm, class_of(IVIRTUALMACHINE_DESCRIPTOR)))
		fail("GET_VM: not an IVirtualMachine", -1);
	return vm;
}

int main(int argc, char **argv)
{
	RpcSession *s;
	AIBinder *svc = NULL;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: virtmgr-client SOCKET run|list|info|stop ...\n");
		return 2;
	}
	s = RpcSession_new();
	RpcSession_setMaxIncomingThreads(s, 1);
	RpcSession_setFileDescriptorTransportMode(s, RPC_FD_TRANSPORT_UNIX);
	r = RpcSession_setupUnixDomainClient(s, argv[1]);
	if (r == 0)
		r = RpcSession_getRootObject(s, &svc);
	if (r < 0 || !AIBinder_associateClass(svc, class_of(IVIRTUALIZATIONSERVICE_DESCRIPTOR))) {
		fprintf(stderr, "virtmgr-client: cannot reach virtmgr at %s: %s\n", argv[1],
			strerror(-r));
		return 1;
	}
	if (!strcmp(argv[2], "run")) {
		r = run(svc, argc - 2, argv + 2);
	} else if (!strcmp(argv[2], "list")) {
		AParcel *out = call(svc, IVS_LIST_VMS, prepare(svc), "LIST_VMS");
		int32_t n = 0;
		AParcel_readInt32(out, &n);
		for (int32_t i = 0; i < n; i++) {
			struct vm_info_parcel info;
			bool present;
			if (AParcel_readNullableFlag(out, &present) != STATUS_OK || !present ||
			    vm_info_parcel_read(out, &info) != STATUS_OK)
				fail("LIST_VMS: bad entry", -1);
			printf("%d %s %s\n", info.cid, info.name, vm_state_name(info.state));
			vm_info_parcel_clear(&info);
		}
		AParcel_delete(out);
		r = 0;
	} else if (!strcmp(argv[2], "info") && argc == 4) {
		AIBinder *vm = get_vm(svc, argv[3]);
		if (vm)
			get_info(vm);
		else
			printf("no VM\n");
		AIBinder_decStrong(vm);
		r = 0;
	} else if (!strcmp(argv[2], "stop") && argc == 4) {
		AIBinder *vm = get_vm(svc, argv[3]);
		if (!vm) {
			fprintf(stderr, "virtmgr-client: no VM with CID %s\n", argv[3]);
			return 1;
		}
		AParcel_delete(call(vm, IVM_STOP, prepare(vm), "STOP"));
		AIBinder_decStrong(vm);
		r = 0;
	} else {
		fprintf(stderr, "virtmgr-client: unknown command '%s'\n", argv[2]);
		r = 2;
	}
	AIBinder_decStrong(svc);
	RpcSession_free(s);
	return r;
}
