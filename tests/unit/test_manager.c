/*
 * test_manager.c - microdroid_manager's parts (guest/manager/manager.h)
 * and the launcher's status line, natively:
 *
 *   test_manager LAUNCHER PAYLOAD_DIR
 *
 * LAUNCHER is the built microdroid_launcher, PAYLOAD_DIR the build's
 * tests/integration/payloads (test payload libraries and packages).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "guest/launcher/launcher_status.h"
#include "guest/manager/manager.h"
#include "lib/aidl/ivirtualmachineservice.h"
#include "lib/aidl/ivmpayloadservice.h"

static const char *launcher;
static const char *payload_dir;

/* ------------------------------------------------------------- small helpers */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void make_tmpdir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/mgr-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void pkg_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", payload_dir, name);
}

/* ------------------------------------------------------------- launcher_status */

static void test_status_round_trip(void **state)
{
	char buf[LAUNCHER_STATUS_MAX + 8], reason[64], long_reason[2000];
	int fds[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(launcher_status_write(fds[1], NULL), 0);
	n = read(fds[0], buf, sizeof(buf));
	assert_int_equal(n, 3);
	assert_int_equal(launcher_status_parse(buf, (size_t)n, reason, sizeof(reason)), 1);

	/* Control characters are replaced; the reason comes back. */
	assert_int_equal(launcher_status_write(fds[1], "libx.so: bad\nline"), 0);
	n = read(fds[0], buf, sizeof(buf));
	assert_int_equal(launcher_status_parse(buf, (size_t)n, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "libx.so: bad?line");

	/* A long reason is cut to one line of LAUNCHER_STATUS_MAX bytes. */
	memset(long_reason, 'x', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	assert_int_equal(launcher_status_write(fds[1], long_reason), 0);
	n = read(fds[0], buf, sizeof(buf));
	assert_int_equal(n, LAUNCHER_STATUS_MAX);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(launcher_status_parse(buf, (size_t)n, reason, sizeof(reason)), 0);
	assert_int_equal(strlen(reason), sizeof(reason) - 1);
	close(fds[0]);
	close(fds[1]);
}

static void test_status_malformed(void **state)
{
	char reason[16];

	(void)state;
	assert_int_equal(launcher_status_parse("", 0, reason, sizeof(reason)), -EPROTO);
	assert_int_equal(launcher_status_parse("okay\n", 5, reason, sizeof(reason)), -EPROTO);
	assert_int_equal(launcher_status_parse("error:x\n", 8, reason, sizeof(reason)), -EPROTO);
	assert_int_equal(launcher_status_parse("error: a\tb\n", 11, reason, sizeof(reason)),
			 -EPROTO);
	/* Only the first line counts. */
	assert_int_equal(launcher_status_parse("ok\nerror: x\n", 12, reason, sizeof(reason)), 1);
	assert_int_equal(launcher_status_parse("error: \n", 8, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "");
}

/* ------------------------------------------------------------- utf8_clean */

static void test_utf8_clean(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(utf8_clean("h\xc3\xa9llo", out, 15), 6);
	assert_string_equal(out, "h\xc3\xa9llo");
	/* A stray continuation byte, an overlong '/', a surrogate. */
	assert_int_equal(utf8_clean("a\x80"
				    "b\xc0\xaf"
				    "c\xed\xa0\x80",
				    out, 15),
			 9);
	assert_string_equal(out, "a?b??c???");
	/* Cut before a character that does not fit whole. */
	assert_int_equal(utf8_clean("ab\xe2\x82\xac", out, 4), 2);
	assert_string_equal(out, "ab");
}

/* ------------------------------------------------------------- sysfs lookups */

/* Make the fake sysfs entry @dir/@entry, with the attribute @attr = @value if not NULL. */
static void sysfs_entry(const char *dir, const char *entry, const char *attr, const char *value)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/%s", dir, entry);
	assert_int_equal(mkdir(p, 0755), 0);
	if (!attr)
		return;
	snprintf(p, sizeof(p), "%s/%s/%s", dir, entry, attr);
	write_file(p, value);
}

static void test_log_port_find(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	sysfs_entry(dir, "vport0p0", NULL, NULL);
	sysfs_entry(dir, "vport0p1", "name", "log\n");
	sysfs_entry(dir, "vport0p2", "name", "logger\n");

	assert_int_equal(log_port_find(dir, "/dev", "log", path, sizeof(path)), 0);
	assert_string_equal(path, "/dev/vport0p1");
	assert_int_equal(log_port_find(dir, "/dev", "console", path, sizeof(path)), -ENOENT);
	assert_int_equal(log_port_find("/nonexistent/ports", "/dev", "log", path, sizeof(path)),
			 -ENOENT);
	rm_rf(dir);
}

static void test_payload_disk_find(void **state)
{
	char dir[PATH_MAX], path[64];
	struct error e = {{0}};

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	sysfs_entry(dir, "vda", "serial", "system\n");
	sysfs_entry(dir, "vdb", "serial", "payload\n");

	assert_int_equal(payload_disk_find(dir, "/dev", "payload", 0, path, sizeof(path), &e), 0);
	assert_string_equal(path, "/dev/vdb");
	assert_int_equal(payload_disk_find(dir, "/dev", "instance", 20, path, sizeof(path), &e),
			 -ETIMEDOUT);
	assert_non_null(strstr(e.msg, "no payload disk (serial 'instance')"));
	assert_non_null(strstr(e.msg, "vdb=payload"));
	rm_rf(dir);
}

/* ------------------------------------------------------------- packages and configs */

static void test_package_and_config(void **state)
{
	struct vm_payload_config cfg;
	struct payload_pkg p;
	struct error e = {{0}};
	char path[PATH_MAX];

	(void)state;
	pkg_path(path, sizeof(path), "exit7.pkg");
	assert_int_equal(payload_pkg_open(&p, path, &e), 0);
	assert_int_equal(payload_config_load(&p, "/", &cfg, &e), 0);
	assert_int_equal(cfg.task_type, PAYLOAD_TASK_MICRODROID_LAUNCHER);
	assert_string_equal(cfg.command, "libexit7.so");
	payload_pkg_close(&p);

	pkg_path(path, sizeof(path), "bad-config.pkg");
	assert_int_equal(payload_pkg_open(&p, path, &e), 0);
	assert_int_equal(payload_config_load(&p, "/", &cfg, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "hugepage"));
	payload_pkg_close(&p);

	pkg_path(path, sizeof(path), "missing-lib.pkg");
	assert_int_equal(payload_pkg_open(&p, path, &e), 0);
	assert_true(payload_config_load(&p, "/", &cfg, &e) < 0);
	assert_non_null(strstr(e.msg, "libabsent.so"));
	payload_pkg_close(&p);
}

static void test_package_corrupt(void **state)
{
	char dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX + 16], cmd[3 * PATH_MAX];
	struct payload_pkg p;
	struct error e = {{0}};
	int fd;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	pkg_path(src, sizeof(src), "exit7.pkg");
	snprintf(dst, sizeof(dst), "%s/bad.pkg", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	assert_int_equal(system(cmd), 0);
	/* One byte of the image's data flipped: the digest no longer matches. */
	fd = open(dst, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\x5a", 1, 4096 + 7), 1);
	close(fd);
	assert_true(payload_pkg_open(&p, dst, &e) < 0);
	assert_non_null(strstr(e.msg, "payload package"));
	assert_null(p.map);

	assert_int_equal(payload_pkg_open(&p, dir, &e), -EINVAL); /* a directory */
	snprintf(dst, sizeof(dst), "%s/nope.pkg", dir);
	assert_int_equal(payload_pkg_open(&p, dst, &e), -ENOENT);
	rm_rf(dir);
}

/* ------------------------------------------------------------- launching */

static void launch_lib(const char *lib, const char *out, pid_t *pid, char *reason, size_t size,
		       int *r)
{
	char path[PATH_MAX];
	struct payload_launch l = {
	    .type = PAYLOAD_TASK_MICRODROID_LAUNCHER,
	    .launcher = launcher,
	    .lib_dir = payload_dir,
	    .stdio = out,
	};
	struct error e = {{0}};

	pkg_path(path, sizeof(path), lib);
	l.command = path;
	*r = payload_launch(&l, pid, reason, size, &e);
	if (*r < 0)
		fail_msg("payload_launch: %s", e.msg);
}

static int wait_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_launch_exit_code_and_output(void **state)
{
	char dir[PATH_MAX], out[PATH_MAX + 16], reason[256];
	pid_t pid;
	int r, status;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/log", dir);
	write_file(out, "");
	launch_lib("libexit7.so", out, &pid, reason, sizeof(reason), &r);
	assert_int_equal(r, 0);
	status = wait_status(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_non_null(strstr(read_text(out), "exit7: a line on stdout\n"));
	assert_non_null(strstr(read_text(out), "exit7: a line on stderr\n"));

	launch_lib("libcrash.so", NULL, &pid, reason, sizeof(reason), &r);
	assert_int_equal(r, 0);
	status = wait_status(pid);
#ifdef __SANITIZE_ADDRESS__
	/* A sanitized launcher's ASan runtime catches the SIGSEGV and exits 1. */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
#else
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
#endif
	rm_rf(dir);
}

static void test_launch_failures(void **state)
{
	char reason[LAUNCHER_STATUS_MAX];
	pid_t pid = 0;
	int r;

	(void)state;
	launch_lib("libnomain.so", NULL, &pid, reason, sizeof(reason), &r);
	assert_int_equal(r, 1);
	assert_non_null(strstr(reason, "no AVmPayload_main symbol"));

	launch_lib("libabsent.so", NULL, &pid, reason, sizeof(reason), &r);
	assert_int_equal(r, 1);
	assert_non_null(strstr(reason, "libabsent.so: cannot open shared object file"));

	/* The child's own failures (here exec) come back the same way. */
	{
		struct payload_launch l = {
		    .type = PAYLOAD_TASK_EXECUTABLE,
		    .command = "/nonexistent/program",
		    .launcher = launcher,
		    .lib_dir = payload_dir,
		};
		struct error e = {{0}};

		assert_int_equal(payload_launch(&l, &pid, reason, sizeof(reason), &e), 1);
		assert_string_equal(reason, "/nonexistent/program: No such file or directory");

		l.command = "/bin/true";
		assert_int_equal(payload_launch(&l, &pid, reason, sizeof(reason), &e), 0);
		assert_int_equal(wait_status(pid), 0);

		/* A launcher that is not one: no status line. */
		l.type = PAYLOAD_TASK_MICRODROID_LAUNCHER;
		l.launcher = "/bin/true";
		assert_int_equal(payload_launch(&l, &pid, reason, sizeof(reason), &e), 1);
		assert_non_null(strstr(reason, "exited before it reported"));
	}
}

/* ------------------------------------------------------------- binder services */

/* A server over one end of a socket pair, a client session over the other. */
struct pair {
	RpcServer *server;
	RpcSession *session;
	AIBinder *root;
};

static void pair_up(struct pair *p, AIBinder *service)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->server = RpcServer_new();
	assert_non_null(p->server);
	RpcServer_setRootObject(p->server, service);
	assert_int_equal(RpcServer_addConnection(p->server, sv[0]), 0);
	p->session = RpcSession_new();
	assert_non_null(p->session);
	assert_int_equal(RpcSession_setupPreconnectedClient(p->session, sv[1], NULL, NULL), 0);
	assert_int_equal(RpcSession_getRootObject(p->session, &p->root), 0);
}

static void pair_down(struct pair *p)
{
	AIBinder_decStrong(p->root);
	RpcSession_free(p->session);
	RpcServer_free(p->server);
}

static int ready_calls;

static void count_ready(void *arg)
{
	assert_ptr_equal(arg, &ready_calls);
	ready_calls++;
}

static void *nop_create(void *a)
{
	return a;
}
static void nop_destroy(void *d)
{
	(void)d;
}
static binder_status_t nop_transact(AIBinder *b, transaction_code_t c, const AParcel *in,
				    AParcel *out)
{
	(void)b, (void)c, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

/* Call IVmPayloadService @code on @root with @write_args; the status in *@st. */
static void ivps_call(AIBinder *root, transaction_code_t code, bool secret_args, AStatus **st,
		      AParcel **reply)
{
	AParcel *in = NULL;

	assert_int_equal(AIBinder_prepareTransaction(root, &in), STATUS_OK);
	if (secret_args) {
		assert_int_equal(AParcel_writeByteArray(in, (const int8_t *)"id", 2), STATUS_OK);
		assert_int_equal(AParcel_writeInt32(in, 32), STATUS_OK);
	}
	assert_int_equal(AIBinder_transact(root, code, &in, reply, 0), STATUS_OK);
	assert_int_equal(AParcel_readStatusHeader(*reply, st), STATUS_OK);
}

static void test_payload_service(void **state)
{
	AIBinder_Class *client_class;
	AIBinder *svc = payload_service_new(count_ready, &ready_calls);
	AParcel *reply = NULL;
	AStatus *st = NULL;
	struct pair p;

	(void)state;
	assert_non_null(svc);
	pair_up(&p, svc);
	client_class = AIBinder_Class_define(IVMPAYLOADSERVICE_DESCRIPTOR, nop_create, nop_destroy,
					     nop_transact);
	assert_true(AIBinder_associateClass(p.root, client_class));

	ready_calls = 0;
	ivps_call(p.root, IVPS_NOTIFY_PAYLOAD_READY, false, &st, &reply);
	assert_true(AStatus_isOk(st));
	assert_int_equal(ready_calls, 1);
	AStatus_delete(st);
	AParcel_delete(reply);

	ivps_call(p.root, IVPS_GET_VM_INSTANCE_SECRET, true, &st, &reply);
	assert_int_equal(AStatus_getExceptionCode(st), EX_SERVICE_SPECIFIC);
	assert_int_equal(AStatus_getServiceSpecificError(st), IVPS_ERROR_NOT_AVAILABLE);
	assert_non_null(strstr(AStatus_getMessage(st), "no DICE chain"));
	AStatus_delete(st);
	AParcel_delete(reply);

	/* Without its arguments the call is malformed, not answered with a secret. */
	ivps_call(p.root, IVPS_GET_VM_INSTANCE_SECRET, false, &st, &reply);
	assert_int_equal(AStatus_getExceptionCode(st), EX_ILLEGAL_ARGUMENT);
	AStatus_delete(st);
	AParcel_delete(reply);

	for (transaction_code_t c = IVPS_GET_DICE_ATTESTATION_CHAIN;
	     c <= IVPS_GET_DICE_ATTESTATION_CDI; c++) {
		ivps_call(p.root, c, false, &st, &reply);
		assert_int_equal(AStatus_getExceptionCode(st), EX_SERVICE_SPECIFIC);
		assert_int_equal(AStatus_getServiceSpecificError(st), IVPS_ERROR_NOT_AVAILABLE);
		AStatus_delete(st);
		AParcel_delete(reply);
	}
	pair_down(&p);
	AIBinder_decStrong(svc);
}

/* A fake host: records the calls it gets as text. */
static char host_calls[4096];

static binder_status_t host_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	size_t used = strlen(host_calls);
	AStatus *ok = AStatus_newOk();
	int32_t arg = 0;
	char *msg = NULL;
	binder_status_t r;

	(void)b;
	if (code != IVMS_NOTIFY_PAYLOAD_STARTED && code != IVMS_NOTIFY_PAYLOAD_READY)
		assert_int_equal(AParcel_readInt32(in, &arg), STATUS_OK);
	if (code == IVMS_NOTIFY_ERROR)
		assert_int_equal(AParcel_readStringDup(in, &msg, NULL), STATUS_OK);
	snprintf(host_calls + used, sizeof(host_calls) - used, "%u %d %s|",
		 (unsigned)(code - FIRST_CALL_TRANSACTION), arg, msg ? msg : "-");
	free(msg);
	r = AParcel_writeStatusHeader(out, ok);
	AStatus_delete(ok);
	return r;
}

static void test_host_conn(void **state)
{
	AIBinder_Class *cls = AIBinder_Class_define(IVIRTUALMACHINESERVICE_DESCRIPTOR, nop_create,
						    nop_destroy, host_transact);
	AIBinder *svc = AIBinder_new(cls, NULL), *other;
	AIBinder_Class *other_cls;
	struct host_conn h;
	struct error e = {{0}};
	char msg[IVMS_MESSAGE_MAX + 100];
	struct pair p;

	(void)state;
	pair_up(&p, svc);
	host_calls[0] = '\0';
	assert_int_equal(host_conn_init(&h, p.root, &e), 0);
	assert_int_equal(host_notify_started(&h, &e), 0);
	assert_int_equal(host_notify_ready(&h, &e), 0);
	assert_int_equal(host_notify_ready(&h, &e), 0); /* sent once */
	assert_int_equal(host_notify_error(&h, IVMS_ERROR_PAYLOAD_INVALID_CONFIG, "bad \xff", &e),
			 0);
	assert_int_equal(host_notify_finished(&h, 7, &e), 0);
	assert_int_equal(host_notify_crashed(&h, 11, &e), 0);
	assert_string_equal(host_calls, "0 0 -|1 0 -|3 3 bad ?|2 7 -|16 11 -|");

	/* A long message is cut to IVMS_MESSAGE_MAX bytes. */
	host_calls[0] = '\0';
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	assert_int_equal(host_notify_error(&h, 0, msg, &e), 0);
	assert_int_equal(strlen(host_calls), strlen("3 0 |") + IVMS_MESSAGE_MAX);
	host_close(&h);
	pair_down(&p);
	AIBinder_decStrong(svc);

	/* A root object of another interface is refused. */
	other_cls =
	    AIBinder_Class_define("some.other.IService", nop_create, nop_destroy, nop_transact);
	other = AIBinder_new(other_cls, NULL);
	pair_up(&p, other);
	assert_int_equal(host_conn_init(&h, p.root, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "not " IVIRTUALMACHINESERVICE_DESCRIPTOR));
	pair_down(&p);
	AIBinder_decStrong(other);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_round_trip),
	    cmocka_unit_test(test_status_malformed),
	    cmocka_unit_test(test_utf8_clean),
	    cmocka_unit_test(test_log_port_find),
	    cmocka_unit_test(test_payload_disk_find),
	    cmocka_unit_test(test_package_and_config),
	    cmocka_unit_test(test_package_corrupt),
	    cmocka_unit_test(test_launch_exit_code_and_output),
	    cmocka_unit_test(test_launch_failures),
	    cmocka_unit_test(test_payload_service),
	    cmocka_unit_test(test_host_conn),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: test_manager LAUNCHER PAYLOAD_DIR\n");
		return 2;
	}
	launcher = argv[1];
	payload_dir = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
