/*
 * test_vm_payload.c - libvm_payload.so (lib/vm_payload) against a fake
 * microdroid_manager: an IVmPayloadService served by a forked process on a
 * temporary Unix socket, which the library finds through the test-only
 * VM_PAYLOAD_SOCKET_ENV.  Each call under test runs in a forked "payload"
 * child (the library keeps one connection per process, and its failures
 * abort), whose exit status and stderr are checked; the fake manager
 * reports each call it gets on a pipe.
 *
 * Covered: readiness (twice), no manager, the instance secret refused as
 * "not available" (abort with the manager's message, never a made-up
 * secret), bad secret sizes, a manager that sends a secret (copied) or
 * one of the wrong length (abort), the DICE chain and CDI refused, the
 * paths, attestation's refusals, and AVmPayload_runVsockRpcServer: ready
 * and serving where this machine can listen on vsock, a taken port (or no
 * vsock) aborting with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <binder/rpc.h>

#include "lib/aidl/ivmpayloadservice.h"
#include "vm_payload.h"
#include "vm_payload_restricted.h"

/* How the fake manager answers GET_VM_INSTANCE_SECRET. */
enum manager_mode {
	MANAGER_REFUSE,	    /* EX_SERVICE_SPECIFIC NOT_AVAILABLE, like the real one today */
	MANAGER_SEND,	    /* @size bytes 0x40, 0x41, ... (a future manager's answer) */
	MANAGER_SEND_SHORT, /* always 16 bytes */
};

#define NOT_AVAILABLE_MESSAGE "no DICE chain in this VM yet"

struct fixture {
	char dir[64];
	char path[128];
	pid_t manager;
	int events; /* read end: one line per call the manager got */
	char errpath[160];
};

/* ------------------------------------------------------------ the fake manager */

static enum manager_mode manager_mode;
static int manager_events = -1;

static void event(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(manager_events, line, (size_t)n) != n)
		_exit(99);
}

static binder_status_t reply(AParcel *out, AStatus *status)
{
	binder_status_t st = AParcel_writeStatusHeader(out, status);

	AStatus_delete(status);
	return st;
}

static binder_status_t not_available(AParcel *out)
{
	return reply(out, AStatus_fromServiceSpecificErrorWithMessage(IVPS_ERROR_NOT_AVAILABLE,
								      NOT_AVAILABLE_MESSAGE));
}

static binder_status_t manager_secret(const AParcel *in, AParcel *out)
{
	int8_t *id = NULL, secret[IVPS_SECRET_MAX];
	int32_t idlen = 0, size = 0;
	binder_status_t st;

	st = AParcel_readByteArrayDup(in, &id, &idlen);
	if (st == STATUS_OK)
		st = AParcel_readInt32(in, &size);
	free(id);
	if (st != STATUS_OK)
		return st;
	event("secret %d %d", idlen, size);
	if (manager_mode == MANAGER_REFUSE)
		return not_available(out);
	if (manager_mode == MANAGER_SEND_SHORT)
		size = 16;
	for (int i = 0; i < size && i < IVPS_SECRET_MAX; i++)
		secret[i] = (int8_t)(0x40 + i);
	st = reply(out, AStatus_newOk());
	return st == STATUS_OK ? AParcel_writeByteArray(out, secret, size) : st;
}

static binder_status_t manager_transact(AIBinder *binder, transaction_code_t code,
					const AParcel *in, AParcel *out)
{
	(void)binder;
	switch (code) {
	case IVPS_NOTIFY_PAYLOAD_READY:
		event("ready");
		return reply(out, AStatus_newOk());
	case IVPS_GET_VM_INSTANCE_SECRET:
		return manager_secret(in, out);
	case IVPS_GET_DICE_ATTESTATION_CHAIN:
		event("chain");
		return not_available(out);
	case IVPS_GET_DICE_ATTESTATION_CDI:
		event("cdi");
		return not_available(out);
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

static void *manager_create(void *args)
{
	return args;
}

static void manager_destroy(void *data)
{
	(void)data;
}

/* The manager process: serve @path until killed; "up" once listening. */
static void __attribute__((noreturn)) run_manager(const char *path, int events)
{
	AIBinder_Class *c = AIBinder_Class_define(IVMPAYLOADSERVICE_DESCRIPTOR, manager_create,
						  manager_destroy, manager_transact);
	RpcServer *server = RpcServer_new();
	AIBinder *service = c ? AIBinder_new(c, NULL) : NULL;

	manager_events = events;
	if (!server || !service)
		_exit(98);
	RpcServer_setRootObject(server, service);
	if (RpcServer_setupUnixDomainServer(server, path))
		_exit(97);
	event("up");
	RpcServer_join(server);
	_exit(0);
}

/* Read what the manager reported so far (waiting up to @ms for the first byte). */
static void read_events(struct fixture *f, char *buf, size_t size, int ms)
{
	struct pollfd p = {.fd = f->events, .events = POLLIN};
	size_t n = 0;

	while (n + 1 < size && poll(&p, 1, n ? 0 : ms) == 1) {
		ssize_t r = read(f->events, buf + n, size - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
}

static int start_manager(struct fixture *f, enum manager_mode mode)
{
	int p[2];
	char up[16];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	manager_mode = mode;
	f->manager = fork();
	assert_true(f->manager >= 0);
	if (f->manager == 0) {
		close(p[0]);
		run_manager(f->path, p[1]);
	}
	close(p[1]);
	f->events = p[0];
	read_events(f, up, sizeof(up), 5000);
	assert_string_equal(up, "up\n");
	return 0;
}

static int setup(void **state, enum manager_mode mode)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_vm_payload-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vm_payload_service", f->dir);
	snprintf(f->errpath, sizeof(f->errpath), "%s/stderr", f->dir);
	setenv(VM_PAYLOAD_SOCKET_ENV, f->path, 1);
	start_manager(f, mode);
	*state = f;
	return 0;
}

static int setup_refuse(void **state)
{
	return setup(state, MANAGER_REFUSE);
}

static int setup_send(void **state)
{
	return setup(state, MANAGER_SEND);
}

static int setup_send_short(void **state)
{
	return setup(state, MANAGER_SEND_SHORT);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kill(f->manager, SIGKILL);
	waitpid(f->manager, NULL, 0);
	close(f->events);
	unlink(f->path);
	unlink(f->errpath);
	rmdir(f->dir);
	unsetenv(VM_PAYLOAD_SOCKET_ENV);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ payload children */

/*
 * Run @fn(@arg) in a child process with stderr to f->errpath.  Returns its
 * wait status; its stderr is in @err.
 */
static int run_payload(struct fixture *f, void (*fn)(void *), void *arg, char *err, size_t err_size)
{
	int status = 0, fd;
	ssize_t n;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(f->errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) != 2)
			_exit(95);
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fd = open(f->errpath, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, err, err_size - 1);
	close(fd);
	err[n > 0 ? n : 0] = 0;
	return status;
}

static void assert_aborted(int status, const char *err, const char *want)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	if (!strstr(err, want))
		fail_msg("stderr '%s' lacks '%s'", err, want);
	assert_non_null(strstr(err, "vm_payload: "));
}

static void call_ready_twice(void *arg)
{
	(void)arg;
	AVmPayload_notifyPayloadReady();
	AVmPayload_notifyPayloadReady();
}

static void test_ready(void **state)
{
	struct fixture *f = *state;
	char err[1024], ev[256];
	int status = run_payload(f, call_ready_twice, NULL, err, sizeof(err));

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(err, "");
	read_events(f, ev, sizeof(ev), 2000);
	assert_string_equal(ev, "ready\nready\n");
}

static void call_ready(void *arg)
{
	(void)arg;
	AVmPayload_notifyPayloadReady();
}

static void test_ready_without_manager(void **state)
{
	struct fixture *f = *state;
	char err[1024], missing[192];
	int status;

	snprintf(missing, sizeof(missing), "%s/nobody", f->dir);
	setenv(VM_PAYLOAD_SOCKET_ENV, missing, 1);
	status = run_payload(f, call_ready, NULL, err, sizeof(err));
	assert_aborted(status, err, "cannot reach microdroid_manager at ");
	assert_non_null(strstr(err, missing));
}

struct secret_call {
	size_t idlen, size;
};

/* Ask for a secret; exit 0 if it is what MANAGER_SEND sends, 1 if not. */
static void call_secret(void *arg)
{
	struct secret_call *c = arg;
	uint8_t secret[64];
	char id[2048];

	memset(id, 'i', sizeof(id));
	memset(secret, 0xee, sizeof(secret));
	AVmPayload_getVmInstanceSecret(id, c->idlen, secret, c->size);
	for (size_t i = 0; i < sizeof(secret); i++)
		if (secret[i] != (i < c->size ? 0x40 + i : 0xee))
			_exit(1);
}

static void test_secret_not_available(void **state)
{
	struct fixture *f = *state;
	struct secret_call c = {.idlen = 5, .size = 32};
	char err[1024], ev[256];
	int status = run_payload(f, call_secret, &c, err, sizeof(err));

	assert_aborted(status, err, "getVmInstanceSecret: ");
	assert_non_null(strstr(err, NOT_AVAILABLE_MESSAGE));
	read_events(f, ev, sizeof(ev), 2000);
	assert_string_equal(ev, "secret 5 32\n");
}

static void test_secret_bad_sizes(void **state)
{
	struct fixture *f = *state;
	struct secret_call too_big = {.idlen = 5, .size = 33}, zero = {.idlen = 5, .size = 0},
			   long_id = {.idlen = IVPS_IDENTIFIER_MAX + 1, .size = 8};
	char err[1024], ev[256];

	assert_aborted(run_payload(f, call_secret, &too_big, err, sizeof(err)), err,
		       "size 33 is not 1 to 32 bytes");
	assert_aborted(run_payload(f, call_secret, &zero, err, sizeof(err)), err,
		       "size 0 is not 1 to 32 bytes");
	assert_aborted(run_payload(f, call_secret, &long_id, err, sizeof(err)), err,
		       "the identifier is 1025 bytes");
	/* None of them reached the manager. */
	read_events(f, ev, sizeof(ev), 200);
	assert_string_equal(ev, "");
}

static void test_secret_sent(void **state)
{
	struct fixture *f = *state;
	struct secret_call c = {.idlen = 0, .size = 20};
	char err[1024], ev[256];
	int status = run_payload(f, call_secret, &c, err, sizeof(err));

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	read_events(f, ev, sizeof(ev), 2000);
	assert_string_equal(ev, "secret 0 20\n");
}

static void test_secret_wrong_length(void **state)
{
	struct fixture *f = *state;
	struct secret_call c = {.idlen = 3, .size = 32};
	char err[1024];
	int status = run_payload(f, call_secret, &c, err, sizeof(err));

	assert_aborted(status, err, "microdroid_manager sent 16 bytes, not 32");
}

static void call_chain(void *arg)
{
	uint8_t buf[16];

	(void)arg;
	AVmPayload_getDiceAttestationChain(buf, sizeof(buf));
}

static void call_cdi(void *arg)
{
	uint8_t buf[16];

	(void)arg;
	AVmPayload_getDiceAttestationCdi(buf, sizeof(buf));
}

static void test_dice_not_available(void **state)
{
	struct fixture *f = *state;
	char err[1024], ev[256];

	assert_aborted(run_payload(f, call_chain, NULL, err, sizeof(err)), err,
		       "getDiceAttestationChain: ");
	assert_non_null(strstr(err, NOT_AVAILABLE_MESSAGE));
	assert_aborted(run_payload(f, call_cdi, NULL, err, sizeof(err)), err,
		       "getDiceAttestationCdi: ");
	read_events(f, ev, sizeof(ev), 2000);
	assert_non_null(strstr(ev, "chain\n"));
	assert_non_null(strstr(ev, "cdi\n"));
}

/* No connection needed: these run in the test process itself. */
static void test_paths_and_attestation(void **state)
{
	int sentinel;
	AVmAttestationResult *result = (AVmAttestationResult *)&sentinel;
	uint8_t challenge[65] = {0};

	(void)state;
	assert_string_equal(AVmPayload_getApkContentsPath(), "/mnt/apk");
	assert_null(AVmPayload_getEncryptedStoragePath());
	assert_int_equal(AVmPayload_requestAttestation(challenge, 64, &result),
			 ATTESTATION_ERROR_UNSUPPORTED);
	assert_null(result);
	result = (AVmAttestationResult *)&sentinel;
	assert_int_equal(AVmPayload_requestAttestation(challenge, 65, &result),
			 ATTESTATION_ERROR_INVALID_CHALLENGE);
	assert_null(result);
	assert_int_equal(AVmPayload_requestAttestationForTesting(challenge, 0, &result),
			 ATTESTATION_ERROR_UNSUPPORTED);
	assert_string_equal(AVmAttestationStatus_toString(ATTESTATION_ERROR_UNSUPPORTED),
			    "ATTESTATION_ERROR_UNSUPPORTED");
	assert_string_equal(AVmAttestationStatus_toString(ATTESTATION_OK), "ATTESTATION_OK");
	AVmAttestationResult_free(NULL);
}

/* Any pointer is made up: no result ever exists here. */
static void call_certificate_count(void *arg)
{
	AVmAttestationResult_getCertificateCount(arg);
}

static void test_attestation_result_accessors_abort(void **state)
{
	struct fixture *f = *state;
	char err[1024];

	assert_aborted(run_payload(f, call_certificate_count, f, err, sizeof(err)), err,
		       "not an attestation result");
}

/* ------------------------------------------------------------ vsock server */

struct vsock_call {
	uint32_t port;
	int ready_fd; /* on_ready writes a byte here */
};

static void on_ready(void *param)
{
	struct vsock_call *c = param;

	if (write(c->ready_fd, "r", 1) != 1)
		_exit(94);
}

static void call_vsock_server(void *arg)
{
	struct vsock_call *c = arg;
	AIBinder_Class *cls = AIBinder_Class_define("test.IVsockPayload", manager_create,
						    manager_destroy, manager_transact);
	AIBinder *service = AIBinder_new(cls, NULL);

	AVmPayload_runVsockRpcServer(service, c->port, on_ready, c);
}

/* A vsock socket listening on @port, or -1 if this machine cannot. */
static int vsock_listen(uint32_t port)
{
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint32_t test_port(void)
{
	return 20000u + (uint32_t)getpid() % 30000u;
}

static void test_vsock_server_ready(void **state)
{
	struct fixture *f = *state;
	struct vsock_call c = {.port = test_port()};
	int p[2], probe = vsock_listen(c.port), status;
	struct pollfd pf;
	char byte, err[1024];
	pid_t pid;

	if (probe < 0) {
		/* No vsock here: the server cannot start, and says why. */
		c.ready_fd = -1;
		assert_aborted(run_payload(f, call_vsock_server, &c, err, sizeof(err)), err,
			       "cannot listen on vsock port");
		return;
	}
	close(probe);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c.ready_fd = p[1];
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		call_vsock_server(&c);
		_exit(93); /* not reached: it never returns */
	}
	close(p[1]);
	pf = (struct pollfd){.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 5000), 1);
	assert_int_equal(read(p[0], &byte, 1), 1);
	assert_int_equal(byte, 'r');
	/* It went on serving after on_ready. */
	usleep(200 * 1000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
}

static void test_vsock_server_port_taken(void **state)
{
	struct fixture *f = *state;
	struct vsock_call c = {.port = test_port() + 1, .ready_fd = -1};
	int holder = vsock_listen(c.port);
	char err[1024], want[64];

	snprintf(want, sizeof(want), "cannot listen on vsock port %u", c.port);
	assert_aborted(run_payload(f, call_vsock_server, &c, err, sizeof(err)), err, want);
	if (holder >= 0)
		close(holder);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ready, setup_refuse, teardown),
	    cmocka_unit_test_setup_teardown(test_ready_without_manager, setup_refuse, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_not_available, setup_refuse, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_bad_sizes, setup_refuse, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_sent, setup_send, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_wrong_length, setup_send_short, teardown),
	    cmocka_unit_test_setup_teardown(test_dice_not_available, setup_refuse, teardown),
	    cmocka_unit_test(test_paths_and_attestation),
	    cmocka_unit_test_setup_teardown(test_attestation_result_accessors_abort, setup_refuse,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_vsock_server_ready, setup_refuse, teardown),
	    cmocka_unit_test_setup_teardown(test_vsock_server_port_taken, setup_refuse, teardown),
	};

	/* The payload children's aborts are expected; no core files. */
	struct rlimit no_core = {0, 0};

	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
