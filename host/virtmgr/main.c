/*
 * main.c - virtmgr: the host service that runs Microdroid VMs for its
 * clients (docs/virtmgr.md).  This file is the edge: the command line, the
 * single-instance lock, the client socket, signals and the idle timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <binder/rpc.h>

#include "host/virtmgr/paths.h"
#include "host/virtmgr/vm.h"
#include "host/virtmgr/workdir.h"
#include "lib/common/parse.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* could not start: socket, image, ... */
	EXIT_USAGE = 2, /* bad command line */
	EXIT_ALREADY_RUNNING = 3,
};

#define DEFAULT_MAX_VMS 16
#define STOP_ALL_TIMEOUT_MS (VM_STOP_GRACE_MS + 3000)

static const char usage_text[] =
    "Usage: virtmgr [options]\n"
    "\n"
    "Run Microdroid VMs for clients (vm run-app, the client library) that call it\n"
    "over RPC Binder on a Unix socket.  Each VM is an mvm process with the\n"
    "Microdroid image, the client's payload package and an instance disk.\n"
    "\n"
    "Options:\n"
    "  --socket PATH          the socket clients connect to (default:\n"
    "                         $MDROID_VIRTMGR_SOCKET, else\n"
    "                         $XDG_RUNTIME_DIR/microdroid/virtmgr.sock, else\n"
    "                         /run/microdroid/virtmgr.sock for root, else\n"
    "                         /tmp/microdroid-UID/virtmgr.sock).  Its directory is\n"
    "                         made mode 0700 and holds the lock and the VMs' work\n"
    "                         directories (vms/CID/)\n"
    "  --image DIR            the Microdroid image (kernel, initramfs.img,\n"
    "                         system.img, cmdline; default: $MDROID_IMAGE_DIR, else\n"
    "                         the build tree's, else the installed one)\n"
    "  --idle-timeout SECONDS exit after this long with no VM and no client (default\n"
    "                         0: never)\n"
    "  --ready-fd N           write \"ready\\n\" to fd N and close it once the socket\n"
    "                         accepts connections\n"
    "  --max-vms N            the most VMs at once, 1-1024 (default 16); they get\n"
    "                         CIDs 3, 4, ...\n"
    "  --boot-timeout SECONDS time a payload has to start before its VM is killed\n"
    "                         (default 60; a VM's own boot timeout overrides it)\n"
    "  -v, --verbose          log more (the mvm command lines, callbacks, stops)\n"
    "  -h, --help             show this help\n"
    "\n"
    "mvm is $MVM, else the build tree's, else the one beside virtmgr, else found in\n"
    "PATH.  SIGTERM or SIGINT stops every VM and exits 0.\n"
    "\n"
    "Exit status: 0 stopped by a signal or the idle timeout; 1 could not start;\n"
    "2 bad command line; 3 another virtmgr already runs on the socket.\n";

enum { OPT_SOCKET = 256, OPT_IMAGE, OPT_IDLE, OPT_READY, OPT_MAX_VMS, OPT_BOOT };

static const struct option options[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"idle-timeout", required_argument, NULL, OPT_IDLE},
    {"ready-fd", required_argument, NULL, OPT_READY},
    {"max-vms", required_argument, NULL, OPT_MAX_VMS},
    {"boot-timeout", required_argument, NULL, OPT_BOOT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct opts {
	const char *socket, *image;
	uint64_t idle_s, max_vms, boot_s;
	int ready_fd;
};

__attribute__((format(printf, 1, 2))) static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "virtmgr: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'virtmgr --help')\n");
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_SOCKET:
			if (!*optarg)
				return usage("--socket wants a path");
			o->socket = optarg;
			break;
		case OPT_IMAGE:
			o->image = optarg;
			break;
		case OPT_IDLE:
			if (!parse_uint(optarg, 0, 86400 * 365, &o->idle_s))
				return usage("--idle-timeout wants a number of seconds, not '%s'",
					     optarg);
			break;
		case OPT_READY:
			if (!parse_uint(optarg, 0, INT32_MAX, &v) || fcntl((int)v, F_GETFD) < 0)
				return usage("--ready-fd wants an open file descriptor, not '%s'",
					     optarg);
			o->ready_fd = (int)v;
			break;
		case OPT_MAX_VMS:
			if (!parse_uint(optarg, 1, 1024, &o->max_vms))
				return usage("--max-vms wants a number from 1 to 1024, not '%s'",
					     optarg);
			break;
		case OPT_BOOT:
			if (!parse_uint(optarg, 1, VMCONFIG_MAX_BOOT_TIMEOUT_MS / 1000, &o->boot_s))
				return usage("--boot-timeout wants a number of seconds from 1 to "
					     "%d, not '%s'",
					     VMCONFIG_MAX_BOOT_TIMEOUT_MS / 1000, optarg);
			break;
		case 'v':
			virtmgr.verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case ':':
			return usage("%s wants a value", argv[optind - 1]);
		default:
			return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	return 0;
}

static void binder_logger(enum binder_log_level level, const char *message)
{
	/* Mostly about sessions a peer broke: a guest could fill the log with them. */
	if (level >= BINDER_LOG_ERROR || (level >= BINDER_LOG_WARN && virtmgr.verbose) ||
	    virtmgr.verbose > 1)
		vlog("binder: %s", message);
}

/* The lock beside the socket: a second virtmgr on it exits at once. */
static int take_lock(const char *socket_path)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/virtmgr.lock", virtmgr.dir) >= (int)sizeof(path)) {
		vlog("%s: path too long", virtmgr.dir);
		return -EXIT_FAIL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		vlog("%s: %s", path, strerror(errno));
		return -EXIT_FAIL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			vlog("already running on %s", socket_path);
			return -EXIT_ALREADY_RUNNING;
		}
		vlog("%s: %s", path, strerror(errno));
		return -EXIT_FAIL;
	}
	return fd; /* held until exit */
}

/* Make the socket's directory, mode 0700, owned by us. */
static int prepare_dir(const char *socket_path)
{
	char copy[PATH_MAX];
	struct error e = {{0}};
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", socket_path);
	snprintf(virtmgr.dir, sizeof(virtmgr.dir), "%s", dirname(copy));
	if (workdir_make_parents(virtmgr.dir, &e) < 0) {
		vlog("%s", e.msg);
		return -1;
	}
	if (stat(virtmgr.dir, &st) < 0 || st.st_uid != geteuid()) {
		vlog("%s: not a directory of ours", virtmgr.dir);
		return -1;
	}
	if ((st.st_mode & 0777) != 0700 && chmod(virtmgr.dir, 0700) < 0) {
		vlog("%s: %s", virtmgr.dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Serve until SIGTERM/SIGINT or the idle timeout. */
static void serve(RpcServer *server, int sfd, uint64_t idle_s)
{
	struct pollfd p = {.fd = sfd, .events = POLLIN};

	virtmgr.last_busy_ms = now_ms();
	for (;;) {
		if (poll(&p, 1, 500) > 0) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				vlog("%s: stopping every VM", strsignal((int)si.ssi_signo));
				return;
			}
		}
		if (!idle_s)
			continue;
		pthread_mutex_lock(&virtmgr.lock);
		if (virtmgr.nvms || RpcServer_getSessionCount(server))
			virtmgr.last_busy_ms = now_ms();
		bool idle = now_ms() - virtmgr.last_busy_ms >= (int64_t)idle_s * 1000;
		pthread_mutex_unlock(&virtmgr.lock);
		if (idle) {
			vlog_v("idle for %llu s: exiting", (unsigned long long)idle_s);
			return;
		}
	}
}

static int find_paths(const struct opts *o, char *sock, size_t size)
{
	struct error e = {{0}};

	if (o->socket)
		snprintf(sock, size, "%s", o->socket);
	else if (paths_virtmgr_socket(sock, size, &e) < 0) {
		vlog("%s", e.msg);
		return -1;
	}
	if (o->image) {
		snprintf(virtmgr.image_dir, sizeof(virtmgr.image_dir), "%s", o->image);
	} else if (paths_image_dir(virtmgr.image_dir, sizeof(virtmgr.image_dir), &e) < 0) {
		vlog("no Microdroid image: %s", e.msg);
		return -1;
	}
	if (paths_find_tool("mvm", virtmgr.mvm, sizeof(virtmgr.mvm)) < 0) {
		vlog("mvm: path too long");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.max_vms = DEFAULT_MAX_VMS,
			 .boot_s = VM_DEFAULT_BOOT_TIMEOUT_MS / 1000,
			 .ready_fd = -1};
	const enum rpc_fd_transport_mode modes[] = {RPC_FD_TRANSPORT_UNIX};
	char sock[PATH_MAX];
	struct error e = {{0}};
	RpcServer *server;
	AIBinder *root;
	sigset_t sigs;
	int r, lock, sfd;

	r = parse_args(argc, argv, &o);
	if (r)
		return r;
	virtmgr.boot_timeout_ms = (int)o.boot_s * 1000;
	binder_set_logger(binder_logger);
	if (find_paths(&o, sock, sizeof(sock)) < 0 || prepare_dir(sock) < 0)
		return EXIT_FAIL;
	lock = take_lock(sock);
	if (lock < 0)
		return -lock;
	if (cid_pool_init(&virtmgr.cids, (uint32_t)o.max_vms, &e) < 0) {
		vlog("%s", e.msg);
		return EXIT_FAIL;
	}

	/* Signals: SIGTERM/SIGINT through a signalfd; every thread inherits the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);

	/* We hold the lock: what is left of an earlier virtmgr is ours to remove. */
	{
		char vms[PATH_MAX];
		int n = snprintf(vms, sizeof(vms), "%s/vms", virtmgr.dir);
		if (n < (int)sizeof(vms))
			workdir_remove(vms);
		if (n >= (int)sizeof(vms) || workdir_make(vms, &e) < 0) {
			vlog("%s", e.msg);
			return EXIT_FAIL;
		}
	}
	unlink(sock);
	server = RpcServer_new();
	root = virtualization_service_new();
	if (!server || !root || sfd < 0) {
		vlog("out of memory");
		return EXIT_FAIL;
	}
	RpcServer_setRootObject(server, root);
	RpcServer_setMaxThreads(server, 2);
	RpcServer_setSupportedFileDescriptorTransportModes(server, modes, 1);
	r = RpcServer_setupUnixDomainServer(server, sock);
	if (r == 0)
		r = RpcServer_start(server);
	if (r < 0) {
		vlog("cannot listen on %s: %s", sock, strerror(-r));
		return EXIT_FAIL;
	}
	vlog_v("listening on %s (image %s, mvm %s)", sock, virtmgr.image_dir, virtmgr.mvm);
	if (o.ready_fd >= 0) {
		if (write(o.ready_fd, "ready\n", 6) != 6)
			vlog("--ready-fd %d: %s", o.ready_fd, strerror(errno));
		close(o.ready_fd);
	}

	serve(server, sfd, o.idle_s);

	/* No new clients or VMs; stop the VMs; then end the clients' sessions. */
	unlink(sock);
	pthread_mutex_lock(&virtmgr.lock);
	virtmgr.stopping = true;
	pthread_mutex_unlock(&virtmgr.lock);
	vm_stop_all(STOP_ALL_TIMEOUT_MS);
	RpcServer_shutdown(server);
	RpcServer_free(server);
	AIBinder_decStrong(root);
	pthread_mutex_lock(&virtmgr.lock);
	for (size_t i = 0; i < VIRTMGR_ENDED_KEEP; i++)
		vm_info_parcel_clear(&virtmgr.ended[i]);
	pthread_mutex_unlock(&virtmgr.lock);
	close(lock);
	return EXIT_OK;
}
