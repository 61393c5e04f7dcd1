/*
 * binder-test - the binder case of the Microdroid integration tests
 * (tests/integration/microdroid/binder-test.rc): two guest processes
 * talk through servicemanager over /dev/binder.
 *
 *   binder-test server   registers "test.echo" (interface test.IEcho:
 *                        echo a string, return a binder it was given,
 *                        say its pid) and joins the thread pool
 *   binder-test client   checks that uid 2000 may not register a name,
 *                        waits for test.echo, calls it, lists services,
 *                        links to its death, kills the server and waits
 *                        for the death notification and for
 *                        servicemanager to drop the name
 *
 * Each check prints "binder-test: PASS ..." or "binder-test: FAIL ...";
 * the client then sets test.binder.done=1, which shuts the VM down.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <binder/driver.h>

#include "guest/libprop/properties.h"

#define IECHO "test.IEcho"
#define IECHO_ECHO (FIRST_CALL_TRANSACTION + 0)
#define IECHO_ECHO_BINDER (FIRST_CALL_TRANSACTION + 1)
#define IECHO_GETPID (FIRST_CALL_TRANSACTION + 2)

static int failures;

static void check(int ok, const char *what)
{
	printf("binder-test: %s %s\n", ok ? "PASS" : "FAIL", what);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void *echo_create(void *args)
{
	return args;
}

static void echo_destroy(void *data)
{
	(void)data;
}

static binder_status_t echo_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	AStatus *ok = AStatus_newOk();
	binder_status_t r = AParcel_writeStatusHeader(out, ok);
	AIBinder *b = NULL;
	char *s = NULL;

	(void)self;
	AStatus_delete(ok);
	if (r != STATUS_OK)
		return r;
	switch (code) {
	case IECHO_ECHO:
		r = AParcel_readStringDup(in, &s, NULL);
		if (r == STATUS_OK)
			r = AParcel_writeString(out, s, s ? (int32_t)strlen(s) : -1);
		free(s);
		return r;
	case IECHO_ECHO_BINDER:
		r = AParcel_readStrongBinder(in, &b);
		if (r == STATUS_OK)
			r = AParcel_writeStrongBinder(out, b);
		AIBinder_decStrong(b);
		return r;
	case IECHO_GETPID:
		return AParcel_writeInt32(out, getpid());
	}
	return STATUS_UNKNOWN_TRANSACTION;
}

static AIBinder_Class *echo_class(void)
{
	static AIBinder_Class *c;

	if (!c)
		c = AIBinder_Class_define(IECHO, echo_create, echo_destroy, echo_transact);
	return c;
}

static int server(void)
{
	AIBinder *echo = AIBinder_new(echo_class(), NULL);
	binder_exception_t ex = AServiceManager_addService(echo, "test.echo");

	printf("binder-test: server (pid %d, uid %u): addService(test.echo): %d\n", getpid(),
	       (unsigned)getuid(), ex);
	fflush(stdout);
	if (ex != EX_NONE)
		return 1;
	ABinderProcess_joinThreadPool();
	return 1;
}

/* Call @code on @b with @in's argument written by the caller; the reply after its header. */
static binder_status_t call(AIBinder *b, transaction_code_t code, AParcel *in, AParcel **out)
{
	AStatus *st = NULL;
	binder_status_t r = AIBinder_transact(b, code, &in, out, 0);

	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(*out, &st);
	if (r == STATUS_OK && !AStatus_isOk(st))
		r = STATUS_FAILED_TRANSACTION;
	AStatus_delete(st);
	return r;
}

static pthread_mutex_t died_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t died_cond = PTHREAD_COND_INITIALIZER;
static int died;

static void on_died(void *cookie)
{
	(void)cookie;
	pthread_mutex_lock(&died_lock);
	died++;
	pthread_cond_broadcast(&died_cond);
	pthread_mutex_unlock(&died_lock);
}

/* In a child as uid 2000 (not in the allowlist): registering must be refused. */
static void check_allowlist(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		AIBinder *b;
		binder_exception_t ex;

		if (setgid(2000) < 0 || setuid(2000) < 0)
			_exit(3);
		b = AIBinder_new(echo_class(), NULL);
		ex = AServiceManager_addService(b, "test.denied");
		_exit(ex == EX_SECURITY ? 0 : ex == EX_NONE ? 1 : 2);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0,
	      "uid 2000 may not register test.denied (EX_SECURITY from servicemanager)");
}

static int client(void)
{
	const char *msg = "hello over /dev/binder";
	AIBinder *echo = NULL, *mine, *back = NULL;
	AIBinder_DeathRecipient *dr;
	AParcel *in = NULL, *out = NULL;
	char *got = NULL, **names = NULL, line[160];
	int32_t n = 0, i, server_pid = 0;
	struct timespec until;
	int found = 0, tries, r;

	check_allowlist();
	ABinderProcess_startThreadPool(); /* death notifications come to it */
	for (tries = 0; !echo && tries < 4; tries++)
		echo = AServiceManager_getService("test.echo");
	check(echo != NULL && AIBinder_isRemote(echo), "found test.echo through servicemanager");
	if (!echo)
		return 1;
	check(AIBinder_associateClass(echo, echo_class()), "test.echo implements test.IEcho");

	r = AIBinder_prepareTransaction(echo, &in);
	if (r == STATUS_OK)
		r = AParcel_writeString(in, msg, (int32_t)strlen(msg));
	if (r == STATUS_OK)
		r = call(echo, IECHO_ECHO, in, &out);
	if (r == STATUS_OK)
		r = AParcel_readStringDup(out, &got, NULL);
	snprintf(line, sizeof(line), "echo: sent '%s', got '%s' (status %d)", msg,
		 got ? got : "(none)", r);
	check(r == STATUS_OK && got && strcmp(got, msg) == 0, line);
	free(got);
	AParcel_delete(out);

	mine = AIBinder_new(echo_class(), NULL);
	r = AIBinder_prepareTransaction(echo, &in);
	if (r == STATUS_OK)
		r = AParcel_writeStrongBinder(in, mine);
	if (r == STATUS_OK)
		r = call(echo, IECHO_ECHO_BINDER, in, &out);
	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(out, &back);
	check(r == STATUS_OK && back == mine,
	      "a local binder sent to the server comes back as the same object");
	AIBinder_decStrong(back);
	AParcel_delete(out);

	r = AServiceManager_listServices(&names, &n);
	for (i = 0; i < n; i++) {
		found |= strcmp(names[i], "test.echo") == 0;
		free(names[i]);
	}
	free(names);
	check(r == STATUS_OK && found, "listServices has test.echo");

	r = AIBinder_prepareTransaction(echo, &in);
	if (r == STATUS_OK)
		r = call(echo, IECHO_GETPID, in, &out);
	if (r == STATUS_OK)
		r = AParcel_readInt32(out, &server_pid);
	AParcel_delete(out);
	check(r == STATUS_OK && server_pid > 1, "the server said its pid");

	dr = AIBinder_DeathRecipient_new(on_died);
	check(AIBinder_linkToDeath(echo, dr, NULL) == STATUS_OK, "linkToDeath(test.echo)");
	if (server_pid > 1)
		kill(server_pid, SIGKILL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&died_lock);
	while (!died && pthread_cond_timedwait(&died_cond, &died_lock, &until) == 0)
		;
	pthread_mutex_unlock(&died_lock);
	snprintf(line, sizeof(line), "death notification after killing the server (pid %d)",
		 server_pid);
	check(died == 1 && !AIBinder_isAlive(echo), line);
	r = AIBinder_ping(echo);
	check(r == STATUS_DEAD_OBJECT, "a call to the dead server fails with STATUS_DEAD_OBJECT");
	AIBinder_decStrong(echo);

	for (tries = 0; tries < 50; tries++) {
		AIBinder *b = AServiceManager_checkService("test.echo");

		if (!b)
			break;
		AIBinder_decStrong(b);
		usleep(100 * 1000);
	}
	check(tries < 50, "servicemanager dropped test.echo when its process died");
	AIBinder_DeathRecipient_delete(dr);
	AIBinder_decStrong(mine);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int r;

	if (argc == 2 && strcmp(argv[1], "server") == 0)
		return server();
	if (argc != 2 || strcmp(argv[1], "client") != 0) {
		fprintf(stderr, "usage: binder-test server|client\n");
		return 2;
	}
	r = client();
	printf("binder-test: %s (%d failed)\n", r ? "FAIL" : "PASS all", failures);
	fflush(stdout);
	property_set("test.binder.done", "1");
	return r;
}
