/*
 * fake-mvm.c - stands in for mvm in virtmgr's native tests
 * (tests/host/virtmgr.sh): it takes mvm's command line as virtmgr builds
 * it and plays the guest, following the scenario in the file
 * assets/fake-scenario of the package given as --disk ...,id=payload.
 *
 * One command per line ('#' starts a comment):
 *   started | ready          notifyPayloadStarted / Ready
 *   finish N                 notifyPayloadFinished(N)
 *   error CODE MESSAGE       notifyError(CODE, MESSAGE)
 *   crash SIG                notifyPayloadCrashed(SIG)
 *   sleep MS                 wait
 *   panic                    print a kernel panic line on the console, exit 3
 *   exit N                   exit with status N
 *   hang                     wait for a signal (SIGTERM: exit 143, as mvm;
 *                            SIGQUIT: a register dump on stderr, as mvm)
 *   log TEXT                 write TEXT and a newline to the log port's file
 *   console TEXT             write TEXT and a newline on the console (stdout)
 *   stderr TEXT              write TEXT and a newline on stderr (mvm.log)
 *   connect-port P           try the host's port P ("<uds>_P"); print
 *                            "connect-port P: ok" or "...: refused" on the console
 *   serve                    accept "CONNECT p" on <vsock-uds>, answer "OK ...",
 *                            and serve an echo binder on each connection
 * Each binder call's outcome is printed on the console as "call NAME: ok"
 * or "call NAME: exception E". At the end of the scenario it exits 0 (the
 * guest powered off).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <binder/rpc.h>

#include "lib/aidl/ivirtualmachineservice.h"
#include "lib/common/file.h"
#include "lib/payload/package.h"

#define ECHO_DESCRIPTOR "mdroid.test.IEcho"
#define SCENARIO_MAX 65536

static const char *uds, *payload, *log_port;
static unsigned long cid;
static RpcSession *session;
static AIBinder *service;

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake-mvm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void parse_disk(const char *arg)
{
	const char *id = strstr(arg, ",id=");

	if (id && !strcmp(id + 4, "payload")) {
		char *p = strndup(arg, (size_t)(id - arg));
		char *ro = strstr(p, ",ro");
		if (!ro)
			die("the payload disk is not read-only: %s", arg);
		*ro = '\0';
		payload = p;
	}
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kernel", 1, NULL, 'k'},	    {"initrd", 1, NULL, 'i'}, {"cmdline", 1, NULL, 'c'},
	    {"mem", 1, NULL, 'm'},	    {"cpus", 1, NULL, 'p'},   {"disk", 1, NULL, 'd'},
	    {"console-port", 1, NULL, 'P'}, {"cid", 1, NULL, 'C'},    {"vsock-uds", 1, NULL, 'U'},
	    {"console", 1, NULL, 'O'},	    {NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			parse_disk(optarg);
			break;
		case 'P':
			if (strncmp(optarg, "1=", 2) || !strstr(optarg, ",name=log"))
				die("unexpected --console-port %s", optarg);
			log_port = strndup(optarg + 2, strcspn(optarg + 2, ","));
			break;
		case 'C':
			cid = strtoul(optarg, NULL, 10);
			break;
		case 'U':
			uds = optarg;
			break;
		case '?':
			exit(2);
		}
	}
	if (!payload || !uds || !cid || !log_port)
		die("%s", "missing --disk ...,id=payload, --vsock-uds, --cid or --console-port");
}

static char *load_scenario(void)
{
	const uint8_t *data;
	struct erofs_inode ino;
	struct error e = {{0}};
	struct pkg pkg;
	size_t len;
	char *text;

	if (file_map(payload, "payload", &data, &len, &e) < 0 ||
	    pkg_open(&pkg, data, len, &e) < 0 ||
	    erofs_lookup(&pkg.fs, "assets/fake-scenario", &ino, &e) < 0)
		die("%s", e.msg);
	if (ino.size > SCENARIO_MAX)
		die("%s", "scenario too long");
	text = calloc(1, ino.size + 1);
	erofs_pread(&ino, text, ino.size, 0);
	return text;
}

static void *echo_create(void *a);
static void echo_destroy(void *a);

static binder_status_t no_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	(void)b;
	(void)code;
	(void)in;
	(void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

static void connect_service(void)
{
	static AIBinder_Class *clazz;
	char path[4096];
	int r;

	if (service)
		return;
	clazz = AIBinder_Class_define(IVIRTUALMACHINESERVICE_DESCRIPTOR, echo_create, echo_destroy,
				      no_transact);
	snprintf(path, sizeof(path), "%s_%lu", uds, cid);
	session = RpcSession_new();
	r = RpcSession_setupUnixDomainClient(session, path);
	if (r == 0)
		r = RpcSession_getRootObject(session, &service);
	if (r < 0 || !AIBinder_associateClass(service, clazz))
		die("cannot reach the host's service at %s", path);
}

static void call(const char *name, transaction_code_t code, int n, int32_t arg, const char *msg)
{
	AParcel *in = NULL, *out = NULL;
	AStatus *st = NULL;
	binder_status_t r;

	connect_service();
	r = AIBinder_prepareTransaction(service, &in);
	if (r == STATUS_OK && n > 0)
		r = AParcel_writeInt32(in, arg);
	if (r == STATUS_OK && msg)
		r = AParcel_writeString(in, msg, (int32_t)strlen(msg));
	if (r == STATUS_OK)
		r = AIBinder_transact(service, code, &in, &out, 0);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(out, &st);
	if (r != STATUS_OK)
		printf("call %s: failed %d\n", name, r);
	else if (AStatus_isOk(st))
		printf("call %s: ok\n", name);
	else
		printf("call %s: exception %d\n", name, AStatus_getExceptionCode(st));
	fflush(stdout);
	AStatus_delete(st);
	AParcel_delete(out);
}

static void connect_port(const char *port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%s", uds, port);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	printf("connect-port %s: %s\n", port, ok ? "ok" : "refused");
	fflush(stdout);
	if (fd >= 0)
		close(fd);
}

/* --- serve: the guest's side of host-to-guest vsock, with an echo binder --- */

static binder_status_t echo_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	char *s = NULL;
	int32_t len;
	binder_status_t r;
	AStatus *ok = AStatus_newOk();

	(void)b;
	(void)code;
	r = AParcel_readStringDup(in, &s, &len);
	if (r == STATUS_OK)
		r = AParcel_writeStatusHeader(out, ok);
	if (r == STATUS_OK)
		r = AParcel_writeString(out, s ? s : "", s ? len : 0);
	AStatus_delete(ok);
	free(s);
	return r;
}

static void *echo_create(void *a)
{
	return a;
}

static void echo_destroy(void *a)
{
	(void)a;
}

static void *serve_thread(void *arg)
{
	RpcServer *server = RpcServer_new();
	AIBinder_Class *clazz =
	    AIBinder_Class_define(ECHO_DESCRIPTOR, echo_create, echo_destroy, echo_transact);
	AIBinder *echo = AIBinder_new(clazz, NULL);
	int lfd = *(int *)arg;

	RpcServer_setRootObject(server, echo);
	for (;;) {
		char line[64];
		size_t n = 0;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		while (n + 1 < sizeof(line) && read(fd, line + n, 1) == 1 && line[n] != '\n')
			n++;
		line[n] = '\0';
		if (strncmp(line, "CONNECT ", 8) || atoi(line + 8) != 5000) {
			close(fd); /* nothing listens on that port */
			continue;
		}
		if (write(fd, "OK 1073741824\n", 14) != 14) {
			close(fd);
			continue;
		}
		RpcServer_addConnection(server, fd);
	}
	return NULL;
}

static void serve(void)
{
	static int lfd;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pthread_t t;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", uds);
	unlink(uds);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0)
		die("cannot listen on %s", uds);
	pthread_create(&t, NULL, serve_thread, &lfd);
	pthread_detach(t);
}

static void line_to_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open the log port's file %s", path);
	dprintf(fd, "%s\n", text);
	close(fd);
}

static void on_term(int sig)
{
	(void)sig;
	_exit(143);
}

/* As mvm: SIGQUIT writes the vCPUs' state on stderr and the VM goes on. */
static void on_quit(int sig)
{
	static const char dump[] = "mvm: vCPU 0 registers (SIGQUIT):\n  rip=ffffffff81000000\n";

	(void)sig;
	if (write(STDERR_FILENO, dump, sizeof(dump) - 1) < 0)
		_exit(120);
}

int main(int argc, char **argv)
{
	char *text, *line, *save = NULL;

	signal(SIGTERM, on_term);
	signal(SIGQUIT, on_quit);
	parse_args(argc, argv);
	text = load_scenario();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arg = strchr(line, ' ');
		const char *rest = arg ? arg + 1 : "";

		if (arg)
			*arg = '\0';
		if (!*line || *line == '#')
			continue;
		if (!strcmp(line, "started"))
			call("started", IVMS_NOTIFY_PAYLOAD_STARTED, 0, 0, NULL);
		else if (!strcmp(line, "ready"))
			call("ready", IVMS_NOTIFY_PAYLOAD_READY, 0, 0, NULL);
		else if (!strcmp(line, "finish"))
			call("finish", IVMS_NOTIFY_PAYLOAD_FINISHED, 1, atoi(rest), NULL);
		else if (!strcmp(line, "crash"))
			call("crash", IVMS_NOTIFY_PAYLOAD_CRASHED, 1, atoi(rest), NULL);
		else if (!strcmp(line, "error")) {
			char *msg = strchr(rest, ' ');
			call("error", IVMS_NOTIFY_ERROR, 1, atoi(rest), msg ? msg + 1 : "");
		} else if (!strcmp(line, "sleep")) {
			struct timespec ts = {atoi(rest) / 1000, (atoi(rest) % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		} else if (!strcmp(line, "panic")) {
			printf("[    1.234567] Kernel panic - not syncing: test\n");
			fflush(stdout);
			exit(3);
		} else if (!strcmp(line, "exit")) {
			exit(atoi(rest));
		} else if (!strcmp(line, "hang")) {
			for (;;)
				pause();
		} else if (!strcmp(line, "log")) {
			line_to_file(log_port, rest);
		} else if (!strcmp(line, "console")) {
			printf("%s\n", rest);
			fflush(stdout);
		} else if (!strcmp(line, "stderr")) {
			fprintf(stderr, "%s\n", rest);
		} else if (!strcmp(line, "connect-port")) {
			connect_port(rest);
		} else if (!strcmp(line, "serve")) {
			serve();
		} else {
			die("unknown scenario command '%s'", line);
		}
	}
	/* The guest powers off. */
	free(text);
	if (service)
		AIBinder_decStrong(service);
	if (session)
		RpcSession_free(session);
	return 0;
}
