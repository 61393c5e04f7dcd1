/*
 * test_vmclient.c - libvmclient (host/client/vmclient.h) against a fake
 * virtmgr served in this process over a Unix socket: the protocol of
 * lib/aidl/ivirtualizationservice.h, with VMs whose events the tests send
 * through the callbacks the client registered.  The payload's service
 * behind CONNECT_VSOCK is the RPC tests' service (rpc_test_service.h) on a
 * socket pair.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <binder/rpc.h>

#include "host/client/vmclient.h"
#include "tests/unit/rpc_test_service.h"

/* ---------------------------------------------------------- the fake virtmgr */

#define MAX_VMS 4

struct fake_vm {
	AIBinder *self; /* the IVirtualMachine object (weak: no reference) */
	struct vm_info_parcel info;
	AIBinder *callback;
	bool stopped;
};

static struct fake {
	pthread_mutex_t lock;
	RpcServer *server, *payload;
	AIBinder *service;
	struct fake_vm vms[MAX_VMS];
	int nvms;
	char path[108];
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static binder_status_t reply_ok(AParcel *out)
{
	AStatus *st = AStatus_newOk();
	binder_status_t r = AParcel_writeStatusHeader(out, st);

	AStatus_delete(st);
	return r;
}

static binder_status_t reply_error(AParcel *out, binder_exception_t ex, const char *msg)
{
	AStatus *st = AStatus_fromExceptionCodeWithMessage(ex, msg);
	binder_status_t r = AParcel_writeStatusHeader(out, st);

	AStatus_delete(st);
	return r;
}

static binder_status_t reply_refused(AParcel *out)
{
	AStatus *st = AStatus_fromServiceSpecificErrorWithMessage(ECONNREFUSED, "refused");
	binder_status_t r = AParcel_writeStatusHeader(out, st);

	AStatus_delete(st);
	return r;
}

/* Send a callback (oneway) to @vm's registered callback. */
static void emit(struct fake_vm *vm, transaction_code_t code, int32_t value, const char *msg)
{
	AParcel *in = NULL, *out = NULL;

	assert_non_null(vm->callback);
	assert_int_equal(AIBinder_prepareTransaction(vm->callback, &in), STATUS_OK);
	AParcel_writeInt32(in, vm->info.cid);
	if (code != IVMCB_ON_PAYLOAD_STARTED && code != IVMCB_ON_PAYLOAD_READY)
		AParcel_writeInt32(in, value);
	if (msg)
		AParcel_writeString(in, msg, (int32_t)strlen(msg));
	assert_int_equal(AIBinder_transact(vm->callback, code, &in, &out, FLAG_ONEWAY), STATUS_OK);
	AParcel_delete(out);
}

static void *vm_create(void *args)
{
	return args;
}

static void vm_destroy(void *data)
{
	(void)data;
}

static AIBinder_Class *vm_class, *callback_class, *service_class;

static binder_status_t vm_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	struct fake_vm *vm = AIBinder_getUserData(self);
	AIBinder *cb = NULL;
	binder_status_t r;
	int32_t port;
	int sv[2];

	switch (code) {
	case IVM_GET_CID:
		return reply_ok(out) ?: AParcel_writeInt32(out, vm->info.cid);
	case IVM_GET_INFO:
		return reply_ok(out) ?: vm_info_parcel_write(out, &vm->info);
	case IVM_REGISTER_CALLBACK:
		if ((r = AParcel_readStrongBinder(in, &cb)))
			return r;
		if (!AIBinder_associateClass(cb, callback_class))
			return STATUS_BAD_TYPE;
		pthread_mutex_lock(&fake.lock);
		if (vm->callback)
			AIBinder_decStrong(vm->callback);
		vm->callback = cb;
		pthread_mutex_unlock(&fake.lock);
		return reply_ok(out);
	case IVM_STOP:
		vm->stopped = true;
		vm->info.state = VM_STATE_DEAD;
		vm->info.death_reason = VM_DEATH_KILLED;
		emit(vm, IVMCB_ON_DIED, VM_DEATH_KILLED, NULL);
		return reply_ok(out);
	case IVM_CONNECT_VSOCK:
		if ((r = AParcel_readInt32(in, &port)))
			return r;
		if (port != 5678)
			return reply_refused(out);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(RpcServer_addConnection(fake.payload, sv[0]), 0);
		r = reply_ok(out) ?: AParcel_writeParcelFileDescriptor(out, sv[1]);
		close(sv[1]);
		return r;
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

static binder_status_t create_vm(const AParcel *in, AParcel *out)
{
	struct vm_config_parcel c;
	struct fake_vm *vm;
	int console = -1, log = -1;
	binder_status_t r;

	if ((r = vm_config_parcel_read(in, &c)))
		return r;
	AParcel_readParcelFileDescriptor(in, &console);
	AParcel_readParcelFileDescriptor(in, &log);
	if (log >= 0) {
		assert_int_equal(write(log, "payload log\n", 12), 12);
		close(log);
	}
	if (console >= 0)
		close(console);
	if (!strcmp(c.name, "bad")) {
		vm_config_parcel_clear(&c);
		return reply_error(out, EX_ILLEGAL_ARGUMENT, "bad config: the name is bad");
	}
	pthread_mutex_lock(&fake.lock);
	vm = &fake.vms[fake.nvms];
	memset(vm, 0, sizeof(*vm));
	vm->info.cid = 3 + fake.nvms++;
	vm->info.name = strdup(c.name[0] ? c.name : "vmX");
	vm->info.state = VM_STATE_STARTING;
	vm->info.death_reason = vm->info.payload_exit_code = vm->info.error_code = -1;
	vm->info.error_message = strdup("");
	vm->info.memory_mib = c.memory_mib ? c.memory_mib : 256;
	vm->info.cpus = 1;
	vm->info.package_path = strdup(c.package_path);
	vm->info.work_dir = strdup("/work/dir");
	if (!strcmp(c.name, "early")) { /* it finished before the client registered */
		vm->info.state = VM_STATE_FINISHED;
		vm->info.payload_exit_code = 3;
	}
	pthread_mutex_unlock(&fake.lock);
	vm_config_parcel_clear(&c);
	vm->self = AIBinder_new(vm_class, vm);
	r = reply_ok(out) ?: AParcel_writeStrongBinder(out, vm->self);
	AIBinder_decStrong(vm->self); /* the client holds it now */
	return r;
}

static binder_status_t service_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
					AParcel *out)
{
	int32_t cid;
	binder_status_t r;

	(void)self;
	switch (code) {
	case IVS_CREATE_VM:
		return create_vm(in, out);
	case IVS_LIST_VMS:
		r = reply_ok(out) ?: AParcel_writeInt32(out, fake.nvms);
		for (int i = 0; i < fake.nvms && !r; i++)
			r = AParcel_writeNullableFlag(out, true)
				?: vm_info_parcel_write(out, &fake.vms[i].info);
		return r;
	case IVS_GET_VM:
		if ((r = AParcel_readInt32(in, &cid)))
			return r;
		r = reply_ok(out);
		for (int i = 0; i < fake.nvms; i++)
			if (fake.vms[i].info.cid == cid)
				return r ?: AParcel_writeStrongBinder(out, fake.vms[i].self);
		return r ?: AParcel_writeStrongBinder(out, NULL);
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

static binder_status_t no_transact(AIBinder *b, transaction_code_t c, const AParcel *in,
				   AParcel *out)
{
	(void)b, (void)c, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

static int setup(void **state)
{
	enum rpc_fd_transport_mode unix_mode = RPC_FD_TRANSPORT_UNIX;
	AIBinder *payload_root;

	(void)state;
	if (!vm_class) {
		vm_class = AIBinder_Class_define(IVIRTUALMACHINE_DESCRIPTOR, vm_create, vm_destroy,
						 vm_transact);
		service_class = AIBinder_Class_define(IVIRTUALIZATIONSERVICE_DESCRIPTOR, vm_create,
						      vm_destroy, service_transact);
		callback_class = AIBinder_Class_define(IVIRTUALMACHINECALLBACK_DESCRIPTOR,
						       vm_create, vm_destroy, no_transact);
	}
	snprintf(fake.path, sizeof(fake.path), "/tmp/test_vmclient.%d.sock", (int)getpid());
	unlink(fake.path);
	fake.nvms = 0;
	fake.service = AIBinder_new(service_class, NULL);
	fake.server = RpcServer_new();
	RpcServer_setRootObject(fake.server, fake.service);
	RpcServer_setMaxThreads(fake.server, 2);
	RpcServer_setSupportedFileDescriptorTransportModes(fake.server, &unix_mode, 1);
	assert_int_equal(RpcServer_setupUnixDomainServer(fake.server, fake.path), 0);
	assert_int_equal(RpcServer_start(fake.server), 0);
	fake.payload = RpcServer_new();
	payload_root = test_service_new();
	RpcServer_setRootObject(fake.payload, payload_root);
	AIBinder_decStrong(payload_root); /* connections come with RpcServer_addConnection() */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	RpcServer_free(fake.server);
	RpcServer_free(fake.payload);
	AIBinder_decStrong(fake.service);
	for (int i = 0; i < fake.nvms; i++) {
		if (fake.vms[i].callback)
			AIBinder_decStrong(fake.vms[i].callback);
		vm_info_parcel_clear(&fake.vms[i].info);
	}
	unlink(fake.path);
	return 0;
}

/* ------------------------------------------------------------------ the tests */

static struct vmclient *connect_fake(void)
{
	struct vmclient_options o = {.socket = fake.path, .no_start = true};
	struct vmclient *c = NULL;
	struct error e = {{0}};

	assert_int_equal(vmclient_connect(&o, &c, &e), 0);
	assert_false(o.started);
	return c;
}

static struct vmclient_vm *create(struct vmclient *c, const char *name,
				  const struct vmclient_callbacks *cb, int log_fd)
{
	struct vmclient_vm_config cfg;
	struct vmclient_vm *vm = NULL;
	struct error e = {{0}};

	vmclient_vm_config_init(&cfg);
	cfg.package = "/dev/null";
	cfg.name = name;
	cfg.log_fd = log_fd;
	if (vmclient_create_vm(c, &cfg, cb, &vm, &e))
		fail_msg("create: %s", e.msg);
	return vm;
}

static void expect_event(struct vmclient_vm *vm, enum vmclient_event_type t, int32_t value)
{
	struct vmclient_event ev;

	assert_int_equal(vmclient_vm_next_event(vm, &ev, 5000), 0);
	if (ev.type != t)
		fail_msg("got %s, want %s", vmclient_event_name(ev.type), vmclient_event_name(t));
	assert_int_equal(ev.value, value);
}

static void test_nobody_there(void **state)
{
	struct vmclient_options o = {.socket = "/nonexistent/virtmgr.sock", .no_start = true};
	struct vmclient *c = NULL;
	struct error e = {{0}};

	(void)state;
	assert_int_equal(vmclient_connect(&o, &c, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/virtmgr.sock"));
	assert_null(c);
}

static void test_life_cycle(void **state)
{
	struct vmclient *c = connect_fake();
	struct vmclient_event ev;
	struct vmclient_vm *vm;
	int sv[2];
	char buf[32] = {0};

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	vm = create(c, "demo", NULL, sv[1]);
	close(sv[1]);
	assert_int_equal(read(sv[0], buf, sizeof(buf) - 1), 12); /* the log fd got there */
	assert_string_equal(buf, "payload log\n");
	close(sv[0]);
	assert_int_equal(vmclient_vm_cid(vm), 3);
	assert_int_equal(vmclient_vm_next_event(vm, &ev, 0), -ETIMEDOUT);
	assert_int_equal(vmclient_vm_wait_state(vm, VM_STATE_READY, 50), -ETIMEDOUT);

	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_STARTED, 0, NULL);
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_READY, 0, NULL);
	assert_int_equal(vmclient_vm_wait_state(vm, VM_STATE_READY, 5000), 0);
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_STARTED, 0, NULL); /* out of order: dropped */
	emit(&fake.vms[0], IVMCB_ON_ERROR, IVMS_ERROR_PAYLOAD_CHANGED, "it changed");
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_FINISHED, 7, NULL);
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_FINISHED, 8, NULL); /* twice: dropped */
	emit(&fake.vms[0], IVMCB_ON_DIED, VM_DEATH_SHUTDOWN, NULL);
	expect_event(vm, VMCLIENT_EVENT_STARTED, 0);
	expect_event(vm, VMCLIENT_EVENT_READY, 0);
	assert_int_equal(vmclient_vm_next_event(vm, &ev, 5000), 0);
	assert_int_equal(ev.type, VMCLIENT_EVENT_ERROR);
	assert_int_equal(ev.value, IVMS_ERROR_PAYLOAD_CHANGED);
	assert_string_equal(ev.message, "it changed");
	expect_event(vm, VMCLIENT_EVENT_FINISHED, 7);
	expect_event(vm, VMCLIENT_EVENT_DIED, VM_DEATH_SHUTDOWN);
	assert_int_equal(vmclient_vm_next_event(vm, &ev, 0), -ENODATA);
	assert_int_equal(vmclient_vm_wait_state(vm, VM_STATE_DEAD, 0), 0);
	assert_int_equal(vmclient_vm_wait_state(vm, VM_STATE_READY, 0), 0);
	vmclient_vm_release(vm);
	vmclient_close(c);
}

static void test_refused(void **state)
{
	struct vmclient *c = connect_fake();
	struct vmclient_vm_config cfg;
	struct vmclient_vm *vm = NULL;
	struct error e = {{0}};

	(void)state;
	vmclient_vm_config_init(&cfg);
	cfg.package = "/dev/null";
	cfg.name = "bad";
	assert_int_equal(vmclient_create_vm(c, &cfg, NULL, &vm, &e), -EINVAL);
	assert_string_equal(e.msg, "creating the VM: virtmgr: bad config: the name is bad");
	cfg.package = "/nonexistent.pkg";
	assert_int_equal(vmclient_create_vm(c, &cfg, NULL, &vm, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent.pkg"));
	assert_null(vm);
	vmclient_close(c);
}

/* Counted on the library's thread, read on the test's. */
static atomic_int events_seen;

/* The queue and the callback are two consumers of one event, with no
 * order between them: wait up to 5 s for the callback to have counted
 * @n events. */
static void expect_callbacks(int n)
{
	for (int i = 0; i < 500 && atomic_load(&events_seen) < n; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&events_seen), n);
}

static void count_events(struct vmclient_vm *vm, const struct vmclient_event *ev, void *arg)
{
	(void)vm, (void)ev;
	assert_ptr_equal(arg, &events_seen);
	events_seen++;
}

static void test_catch_up(void **state)
{
	struct vmclient_callbacks cb = {.on_event = count_events, .arg = &events_seen};
	struct vmclient *c = connect_fake();
	struct vmclient_vm *vm;

	(void)state;
	atomic_store(&events_seen, 0);
	vm = create(c, "early", &cb, -1);
	/* What happened before it registered comes first, from the info. */
	expect_event(vm, VMCLIENT_EVENT_STARTED, 0);
	expect_event(vm, VMCLIENT_EVENT_FINISHED, 3);
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_FINISHED, 3, NULL); /* seen already */
	emit(&fake.vms[0], IVMCB_ON_PAYLOAD_CRASHED, 11, NULL);
	emit(&fake.vms[0], IVMCB_ON_DIED, VM_DEATH_SHUTDOWN, NULL);
	expect_event(vm, VMCLIENT_EVENT_CRASHED, 11);
	expect_event(vm, VMCLIENT_EVENT_DIED, VM_DEATH_SHUTDOWN);
	expect_callbacks(4);
	vmclient_vm_release(vm);
	vmclient_close(c);
}

static void test_list_find_stop(void **state)
{
	struct vmclient *c = connect_fake();
	struct vmclient_vm *a, *b, *handle;
	struct vm_info_parcel *infos, info;
	struct error e = {{0}};
	size_t n;

	(void)state;
	a = create(c, "one", NULL, -1);
	b = create(c, "two", NULL, -1);
	assert_int_equal(vmclient_list_vms(c, &infos, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(infos[1].name, "two");
	assert_int_equal(infos[1].cid, 4);
	vmclient_free_infos(infos, n);

	assert_int_equal(vmclient_find_vm(c, "two", true, &info, &e), 0);
	assert_int_equal(info.cid, 4);
	vm_info_parcel_clear(&info);
	assert_int_equal(vmclient_find_vm(c, "3", true, &info, &e), 0);
	assert_string_equal(info.name, "one");
	vm_info_parcel_clear(&info);
	assert_int_equal(vmclient_find_vm(c, "three", true, &info, &e), -ENOENT);
	assert_string_equal(e.msg, "no running VM named 'three'");
	assert_int_equal(vmclient_find_vm(c, "9", true, &info, &e), -ENOENT);
	assert_string_equal(e.msg, "no running VM with CID 9");
	assert_int_equal(vmclient_get_vm(c, 9, NULL, &handle, &e), -ENOENT);

	/* A second handle of VM 4 sees its death too. */
	assert_int_equal(vmclient_get_vm(c, 4, NULL, &handle, &e), 0);
	assert_int_equal(vmclient_vm_stop(handle, &e), 0);
	assert_int_equal(vmclient_vm_wait_state(handle, VM_STATE_DEAD, 5000), 0);
	expect_event(handle, VMCLIENT_EVENT_DIED, VM_DEATH_KILLED);
	assert_int_equal(vmclient_vm_wait_state(handle, VM_STATE_READY, 0), -ESRCH);
	vmclient_vm_release(handle);
	/* The first handle registered before the second: the fake keeps only the last. */
	vmclient_vm_release(b);
	vmclient_vm_release(a);
	vmclient_close(c);
}

static void test_payload_service(void **state)
{
	struct vmclient *c = connect_fake();
	struct vmclient_vm *vm = create(c, "svc", NULL, -1);
	AIBinder *root = NULL;
	struct error e = {{0}};
	int32_t sum = 0;

	(void)state;
	assert_int_equal(vmclient_vm_connect_service(vm, 1234, &root, &e), -ECONNREFUSED);
	assert_non_null(strstr(e.msg, "nothing listens on the VM's vsock port 1234"));
	assert_int_equal(vmclient_vm_connect_service(vm, 5678, &root, &e), 0);
	assert_true(AIBinder_associateClass(root, test_service_class()));
	assert_int_equal(test_add(root, 40, 2, &sum), STATUS_OK);
	assert_int_equal(sum, 42);
	AIBinder_decStrong(root);
	vmclient_vm_release(vm);
	vmclient_close(c);
}

static void test_lost(void **state)
{
	struct vmclient *c = connect_fake();
	struct vmclient_vm *vm = create(c, "lost", NULL, -1);
	struct error e = {{0}};

	(void)state;
	RpcServer_shutdown(fake.server); /* virtmgr goes away */
	expect_event(vm, VMCLIENT_EVENT_LOST, 0);
	assert_int_equal(vmclient_vm_wait_state(vm, VM_STATE_READY, 0), -EPIPE);
	assert_int_equal(vmclient_vm_stop(vm, &e), -EPIPE);
	assert_non_null(strstr(e.msg, "lost"));
	vmclient_vm_release(vm);
	vmclient_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nobody_there),
	    cmocka_unit_test_setup_teardown(test_life_cycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_find_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_payload_service, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost, setup, teardown),
	};
	binder_set_logger(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
