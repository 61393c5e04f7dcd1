/*
 * Unit tests for properties: the store (guest/init/property.c), the
 * name and value rules and the wire protocol (guest/libprop), the property
 * service (guest/init/property_service.c) with the client library, and
 * ro.boot.* from a kernel command line file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/init/cmdline.h"
#include "guest/init/loop.h"
#include "guest/init/property.h"
#include "guest/init/property_service.h"
#include "guest/libprop/prop_wire.h"
#include "guest/libprop/properties.h"

/* ---- the store ---- */

struct changes {
	int count;
	char last[PROP_NAME_MAX + PROP_VALUE_MAX + 1];
};

static void record_change(void *ctx, const char *name, const char *value)
{
	struct changes *c = ctx;

	c->count++;
	snprintf(c->last, sizeof(c->last), "%s=%s", name, value);
}

static void test_store_basics(void **state)
{
	struct prop_store *s = prop_store_new();
	struct changes ch = {0};

	(void)state;
	assert_non_null(s);
	prop_store_on_change(s, record_change, &ch);
	assert_null(prop_store_get(s, "a.b"));
	assert_int_equal(prop_store_set(s, "a.b", "1"), 0);
	assert_string_equal(prop_store_get(s, "a.b"), "1");
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.last, "a.b=1");
	/* Every set is a change, the same value included. */
	assert_int_equal(prop_store_set(s, "a.b", "1"), 0);
	assert_int_equal(ch.count, 2);
	assert_int_equal(prop_store_set(s, "a.b", ""), 0);
	assert_string_equal(prop_store_get(s, "a.b"), "");
	assert_int_equal(prop_store_count(s), 1);
	prop_store_free(s);
}

static void test_store_read_only(void **state)
{
	struct prop_store *s = prop_store_new();
	struct changes ch = {0};

	(void)state;
	prop_store_on_change(s, record_change, &ch);
	assert_int_equal(prop_store_set(s, "ro.x", "first"), 0);
	assert_int_equal(prop_store_set(s, "ro.x", "second"), -EROFS);
	assert_int_equal(prop_store_set(s, "ro.x", "first"), -EROFS);
	assert_string_equal(prop_store_get(s, "ro.x"), "first");
	assert_int_equal(ch.count, 1);
	/* Only a leading "ro." makes a property read-only. */
	assert_int_equal(prop_store_set(s, "x.ro.y", "1"), 0);
	assert_int_equal(prop_store_set(s, "x.ro.y", "2"), 0);
	assert_int_equal(prop_store_set(s, "rox", "1"), 0);
	assert_int_equal(prop_store_set(s, "rox", "2"), 0);
	prop_store_free(s);
}

static void test_store_limits(void **state)
{
	struct prop_store *s = prop_store_new();
	char name[PROP_NAME_MAX + 2], value[PROP_VALUE_MAX + 2];
	int i;

	(void)state;
	memset(value, 'v', PROP_VALUE_MAX - 1);
	value[PROP_VALUE_MAX - 1] = '\0';
	assert_int_equal(prop_store_set(s, "v", value), 0); /* 91 bytes */
	value[PROP_VALUE_MAX - 1] = 'v';
	value[PROP_VALUE_MAX] = '\0';
	assert_int_equal(prop_store_set(s, "v", value), -E2BIG); /* 92 */
	memset(name, 'n', PROP_NAME_MAX - 1);
	name[PROP_NAME_MAX - 1] = '\0';
	assert_int_equal(prop_store_set(s, name, "x"), 0); /* 127 bytes */
	name[PROP_NAME_MAX - 1] = 'n';
	name[PROP_NAME_MAX] = '\0';
	assert_int_equal(prop_store_set(s, name, "x"), -ENAMETOOLONG);
	assert_int_equal(prop_store_set(s, "tab", "a\tb"), -EILSEQ);
	assert_int_equal(prop_store_set(s, "nl", "a\nb"), -EILSEQ);
	assert_int_equal(prop_store_set(s, "del", "\x7f"), -EILSEQ);
	assert_int_equal(prop_store_set(s, "utf8", "caf\xc3\xa9 ok"), 0);
	assert_int_equal(prop_store_count(s), 3);
	for (i = 3; i < PROP_STORE_MAX; i++) {
		snprintf(name, sizeof(name), "fill.%d", i);
		assert_int_equal(prop_store_set(s, name, "1"), 0);
	}
	assert_int_equal(prop_store_set(s, "one.more", "1"), -ENOSPC);
	assert_int_equal(prop_store_set(s, "fill.3", "2"), 0); /* existing ones still change */
	prop_store_free(s);
}

static void test_names(void **state)
{
	static const char *const good[] = {
	    "a", "a.b", "A-Z_0-9.x@y:z", "ro.boot.serialno", "init.svc.foo", "x..y" + 3};
	static const char *const bad[] = {"",	 ".a", "a.",	    "a..b", "a b", "a/b",
					  "a=b", "a$", "a\xc3\xa9", "ro.",  "."};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(prop_name_check(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad name '%s'\n", bad[i]);
		assert_int_equal(prop_name_check(bad[i]), -EINVAL);
	}
}

struct listing {
	char text[4096];
};

static void list_one(void *ctx, const char *name, const char *value)
{
	struct listing *l = ctx;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s=%s;", name, value);
}

static void test_store_order(void **state)
{
	struct prop_store *s = prop_store_new();
	struct listing l = {""};

	(void)state;
	assert_int_equal(prop_store_set(s, "zeta", "1"), 0);
	assert_int_equal(prop_store_set(s, "alpha", "2"), 0);
	assert_int_equal(prop_store_set(s, "mid", "3"), 0);
	prop_store_foreach(s, list_one, &l);
	assert_string_equal(l.text, "alpha=2;mid=3;zeta=1;");
	prop_store_free(s);
}

/* ---- the kernel command line ---- */

struct skipped {
	char keys[512];
	int last_err;
};

static void note_skip(void *ctx, const char *key, int err)
{
	struct skipped *sk = ctx;
	size_t n = strlen(sk->keys);

	snprintf(sk->keys + n, sizeof(sk->keys) - n, "%s;", key);
	sk->last_err = err;
}

static void test_ro_boot_from_cmdline_file(void **state)
{
	char path[] = "/tmp/cmdline-XXXXXX", *text;
	struct prop_store *s = prop_store_new();
	struct skipped sk = {"", 0};
	struct error e;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("console=hvc0 quiet androidboot.serialno=0123 androidboot.hardware=\"mvm x\" "
	      "androidboot.serialno=dup androidboot.flag androidboot.bad..x=1 "
	      "notandroidboot.x=1 androidboot.debuggable=1\n",
	      f);
	fclose(f);
	assert_int_equal(cmdline_read(path, &text, &e), 0);
	assert_int_equal(prop_store_import_cmdline(s, text, note_skip, &sk), 3);
	assert_string_equal(prop_store_get(s, "ro.boot.serialno"), "0123"); /* first one wins */
	assert_string_equal(prop_store_get(s, "ro.boot.hardware"), "mvm x");
	assert_string_equal(prop_store_get(s, "ro.boot.debuggable"), "1");
	assert_null(prop_store_get(s, "ro.boot.x"));
	assert_string_equal(sk.keys, "androidboot.serialno;androidboot.flag;androidboot.bad..x;");
	free(text);
	unlink(path);
	assert_int_equal(cmdline_read(path, &text, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	prop_store_free(s);
}

/* ---- the wire protocol ---- */

static void test_wire_requests(void **state)
{
	uint8_t buf[PROP_WIRE_REQUEST_MAX + 16];
	struct prop_request req;
	char long_name[PROP_NAME_MAX + 1];
	int n, k;

	(void)state;
	n = prop_wire_encode_request(buf, PROP_OP_SET, "a.b", "value");
	assert_int_equal(n, PROP_WIRE_HEADER + 3 + 5);
	/* Every prefix asks for more; the whole decodes. */
	for (k = 0; k < n; k++)
		assert_int_equal(prop_wire_decode_request(buf, (size_t)k, &req), 0);
	assert_int_equal(prop_wire_decode_request(buf, (size_t)n, &req), n);
	assert_int_equal(req.op, PROP_OP_SET);
	assert_string_equal(req.name, "a.b");
	assert_string_equal(req.value, "value");

	memset(long_name, 'x', PROP_NAME_MAX);
	long_name[PROP_NAME_MAX] = '\0';
	assert_int_equal(prop_wire_encode_request(buf, PROP_OP_GET, long_name, ""), -ENAMETOOLONG);
	/* Length errors are known from the header alone. */
	prop_wire_put_u32(buf, PROP_OP_SET);
	prop_wire_put_u32(buf + 4, PROP_NAME_MAX);
	prop_wire_put_u32(buf + 8, 0);
	assert_int_equal(prop_wire_decode_request(buf, PROP_WIRE_HEADER, &req), -ENAMETOOLONG);
	prop_wire_put_u32(buf + 4, 1);
	prop_wire_put_u32(buf + 8, PROP_VALUE_MAX);
	assert_int_equal(prop_wire_decode_request(buf, PROP_WIRE_HEADER, &req), -E2BIG);
	prop_wire_put_u32(buf, 9);
	assert_int_equal(prop_wire_decode_request(buf, PROP_WIRE_HEADER, &req), -EPROTO);
	/* GET takes no value, LIST no name. */
	n = prop_wire_encode_request(buf, PROP_OP_GET, "a", "v");
	assert_int_equal(prop_wire_decode_request(buf, (size_t)n, &req), -EPROTO);
	n = prop_wire_encode_request(buf, PROP_OP_LIST, "a", "");
	assert_int_equal(prop_wire_decode_request(buf, (size_t)n, &req), -EPROTO);
	/* NUL bytes inside. */
	n = prop_wire_encode_request(buf, PROP_OP_SET, "ab", "cd");
	buf[PROP_WIRE_HEADER + 1] = '\0';
	assert_int_equal(prop_wire_decode_request(buf, (size_t)n, &req), -EINVAL);
	buf[PROP_WIRE_HEADER + 1] = 'b';
	buf[PROP_WIRE_HEADER + 3] = '\0';
	assert_int_equal(prop_wire_decode_request(buf, (size_t)n, &req), -EILSEQ);
}

static void test_wire_entries(void **state)
{
	uint8_t buf[512];
	char name[PROP_NAME_MAX], value[PROP_VALUE_MAX];
	size_t n;

	(void)state;
	n = prop_wire_encode_entry(buf, "a.b", "xyz");
	assert_int_equal(n, 8 + 3 + 3);
	assert_int_equal(prop_wire_decode_entry(buf, n, name, value), (int)n);
	assert_string_equal(name, "a.b");
	assert_string_equal(value, "xyz");
	assert_int_equal(prop_wire_decode_entry(buf, n - 1, name, value), -EPROTO);
	prop_wire_put_u32(buf, PROP_NAME_MAX);
	assert_int_equal(prop_wire_decode_entry(buf, sizeof(buf), name, value), -EPROTO);
}

/* ---- the property service, with the client library ---- */

struct service_fixture {
	char dir[64], sock[96];
	struct loop loop;
	struct prop_store *store;
	struct prop_service *ps;
	int sets;
	volatile bool done;
};

static int store_set(void *ctx, const char *name, const char *value)
{
	struct service_fixture *f = ctx;

	f->sets++;
	return prop_store_set(f->store, name, value);
}

static void notify(void *ctx, const char *name, const char *value)
{
	struct service_fixture *f = ctx;

	if (f->ps)
		prop_service_notify(f->ps, name, value);
}

static int service_setup(void **state)
{
	static struct service_fixture f;
	struct error e;

	memset(&f, 0, sizeof(f));
	strcpy(f.dir, "/tmp/propsvc-XXXXXX");
	if (!mkdtemp(f.dir) || chmod(f.dir, 0755) < 0)
		return -1;
	snprintf(f.sock, sizeof(f.sock), "%s/property_service", f.dir);
	setenv(PROPERTY_SOCKET_ENV, f.sock, 1);
	f.store = prop_store_new();
	prop_store_on_change(f.store, notify, &f);
	if (loop_init(&f.loop) < 0 ||
	    prop_service_start(&f.ps, &f.loop, f.sock, f.store, store_set, &f, &e) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int service_teardown(void **state)
{
	struct service_fixture *f = *state;

	prop_service_stop(f->ps);
	loop_destroy(&f->loop);
	prop_store_free(f->store);
	rmdir(f->dir);
	unsetenv(PROPERTY_SOCKET_ENV);
	return 0;
}

/* Serve until @fn, run by a client thread, returns. */
static void serve_while(struct service_fixture *f, void *(*fn)(void *))
{
	pthread_t th;

	f->done = false;
	assert_int_equal(pthread_create(&th, NULL, fn, f), 0);
	while (!f->done)
		loop_wait(&f->loop, 20);
	pthread_join(th, NULL);
}

/* Results of the client thread, checked on the main thread. */
static int results[32];
static char got[4][PROP_VALUE_MAX];
static struct listing listed;

static void *client_basics(void *arg)
{
	struct service_fixture *f = arg;
	char big[PROP_VALUE_MAX + 1];

	memset(big, 'x', PROP_VALUE_MAX);
	big[PROP_VALUE_MAX] = '\0';
	results[0] = property_set("test.a", "hello world");
	results[1] = property_get("test.a", got[0], NULL);
	results[2] = property_get("test.unset", got[1], "fallback");
	results[3] = property_get("test.unset", got[2], NULL);
	results[4] = property_set("ro.once", "1");
	results[5] = property_set("ro.once", "2");
	results[6] = property_set("bad..name", "1");
	results[7] = property_set("test.big", big);
	results[8] = property_get("", got[3], NULL);
	results[9] = property_set("test.ctl", "a\nb");
	listed.text[0] = '\0';
	results[10] = property_list(list_one, &listed);
	f->done = true;
	return NULL;
}

static void test_service_basics(void **state)
{
	struct service_fixture *f = *state;

	serve_while(f, client_basics);
	assert_int_equal(results[0], 0);
	assert_int_equal(results[1], 11);
	assert_string_equal(got[0], "hello world");
	assert_int_equal(results[2], 8);
	assert_string_equal(got[1], "fallback");
	assert_int_equal(results[3], 0);
	assert_string_equal(got[2], "");
	assert_int_equal(results[4], 0);
	assert_int_equal(results[5], -EROFS);
	assert_string_equal(property_strerror(results[5]), "read-only property is already set");
	assert_int_equal(results[6], -EINVAL);
	assert_int_equal(results[7], -E2BIG);
	assert_int_equal(results[8], -EINVAL);
	assert_int_equal(results[9], -EILSEQ);
	assert_int_equal(results[10], 2);
	assert_string_equal(listed.text, "ro.once=1;test.a=hello world;");
	/* The client refused the bad ones itself; the server saw the others. */
	assert_int_equal(f->sets, 3);
	assert_string_equal(prop_store_get(f->store, "ro.once"), "1");
}

static void *client_wait(void *arg)
{
	struct service_fixture *f = arg;

	/* Times out: nobody sets it. */
	results[0] = property_wait("test.w", "go", 100);
	/* A second thread sets it while this one waits. */
	results[1] = property_wait("test.w", "go", 5000);
	results[2] = property_wait("test.any", "*", 5000);
	/* Already there. */
	results[3] = property_wait("test.w", "go", 0);
	results[4] = property_wait("bad..", "x", 0);
	f->done = true;
	return NULL;
}

static void *setter(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	results[10] = property_set("test.w", "not yet");
	results[11] = property_set("test.w", "go");
	results[12] = property_set("test.any", "");
	results[13] = property_set("test.any", "something");
	return NULL;
}

static void test_service_wait(void **state)
{
	struct service_fixture *f = *state;
	pthread_t th;

	memset(results, 0x55, sizeof(results));
	assert_int_equal(pthread_create(&th, NULL, setter, NULL), 0);
	serve_while(f, client_wait);
	pthread_join(th, NULL);
	assert_int_equal(results[0], -ETIMEDOUT);
	assert_int_equal(results[1], 0);
	assert_int_equal(results[2], 0);
	assert_int_equal(results[3], 0);
	assert_int_equal(results[4], -EINVAL);
	assert_int_equal(results[10], 0);
	assert_int_equal(results[13], 0);
}

/* Send raw bytes as one request; return the reply's status (or a negative errno). */
static int raw_request(const char *sock, const void *data, size_t len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	uint8_t reply[PROP_WIRE_REPLY_HEADER];
	int32_t status;
	uint32_t rlen;
	size_t got_bytes = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, sock);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	if (len && write(fd, data, len) != (ssize_t)len)
		return -EIO;
	shutdown(fd, SHUT_WR);
	while (got_bytes < sizeof(reply)) {
		ssize_t n = read(fd, reply + got_bytes, sizeof(reply) - got_bytes);

		if (n <= 0) {
			close(fd);
			return -ECONNRESET;
		}
		got_bytes += (size_t)n;
	}
	close(fd);
	prop_wire_decode_reply_header(reply, &status, &rlen);
	return status;
}

static const char *raw_sock;

static void *client_raw(void *arg)
{
	struct service_fixture *f = arg;
	uint8_t buf[64];

	prop_wire_put_u32(buf, 77);
	memset(buf + 4, 0, 8);
	results[0] = raw_request(raw_sock, buf, PROP_WIRE_HEADER);
	prop_wire_put_u32(buf, PROP_OP_SET);
	prop_wire_put_u32(buf + 4, 1000);
	results[1] = raw_request(raw_sock, buf, PROP_WIRE_HEADER);
	/* Cut short: the server gives up without an answer. */
	prop_wire_encode_request(buf, PROP_OP_SET, "abc", "d");
	results[2] = raw_request(raw_sock, buf, PROP_WIRE_HEADER + 2);
	/* Still serving. */
	results[3] = property_set("after.garbage", "1");
	f->done = true;
	return NULL;
}

static void test_service_malformed(void **state)
{
	struct service_fixture *f = *state;

	raw_sock = f->sock;
	serve_while(f, client_raw);
	assert_int_equal(results[0], -EPROTO);
	assert_int_equal(results[1], -ENAMETOOLONG);
	assert_int_equal(results[2], -ECONNRESET);
	assert_int_equal(results[3], 0);
}

static void *client_unprivileged(void *arg)
{
	struct service_fixture *f = arg;
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		/* As the shell user: ro.*, ctl.* and sys.powerctl are refused. */
		if (setgid(2000) < 0 || setuid(2000) < 0)
			_exit(10);
		if (property_set("ro.nope", "1") != -EPERM ||
		    property_set("ctl.start", "x") != -EPERM ||
		    property_set("sys.powerctl", "reboot") != -EPERM)
			_exit(11);
		_exit(property_set("shell.ok", "1") == 0 ? 0 : 12);
	}
	waitpid(pid, &status, 0);
	results[0] = status;
	f->done = true;
	return NULL;
}

static void test_service_permissions(void **state)
{
	struct service_fixture *f = *state;

	if (geteuid() != 0) {
		print_message("not root: cannot check other users' rights\n");
		skip();
	}
	serve_while(f, client_unprivileged);
	assert_true(WIFEXITED(results[0]));
	assert_int_equal(WEXITSTATUS(results[0]), 0);
	assert_string_equal(prop_store_get(f->store, "shell.ok"), "1");
	assert_null(prop_store_get(f->store, "ro.nope"));
}

static void test_client_without_service(void **state)
{
	char value[PROP_VALUE_MAX];

	(void)state;
	setenv(PROPERTY_SOCKET_ENV, "/nonexistent/socket", 1);
	assert_int_equal(property_get("a", value, NULL), -ECONNREFUSED);
	assert_int_equal(property_set("a", "b"), -ECONNREFUSED);
	assert_string_equal(property_strerror(-ECONNREFUSED), "property service not reachable");
	unsetenv(PROPERTY_SOCKET_ENV);
	assert_string_equal(property_socket_path(), PROPERTY_SERVICE_SOCKET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_basics),
		cmocka_unit_test(test_store_read_only),
		cmocka_unit_test(test_store_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_store_order),
		cmocka_unit_test(test_ro_boot_from_cmdline_file),
		cmocka_unit_test(test_wire_requests),
		cmocka_unit_test(test_wire_entries),
		cmocka_unit_test_setup_teardown(test_service_basics, service_setup, service_teardown),
		cmocka_unit_test_setup_teardown(test_service_wait, service_setup, service_teardown),
		cmocka_unit_test_setup_teardown(test_service_malformed, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_service_permissions, service_setup,
						service_teardown),
		cmocka_unit_test(test_client_without_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
