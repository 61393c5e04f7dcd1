/*
 * microdroid_manager - runs the VM's payload and reports to the host
 * (manager.h has the steps, docs/payload.md the whole story).
 *
 * init starts it once (image/init.rc).  What it cannot report to the
 * host (no vsock, no host) it logs before powering the VM off.  Every
 * line it logs goes to stderr, which init relays to the kernel log and
 * the console as "microdroid_manager: ...".
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/libprop/properties.h"
#include "lib/aidl/ivirtualmachineservice.h"
#include "lib/aidl/microdroid.h"
#include "guest/launcher/launcher_status.h"
#include "manager.h"

/* How long the host and the disks get to appear. */
#define HOST_TIMEOUT_MS 10000
#define DISK_TIMEOUT_MS 5000
#define SYS_PORTS "/sys/class/virtio-ports"

static void __attribute__((format(printf, 1, 2))) mlog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Ask init to power the VM off, and wait for it. */
static void __attribute__((noreturn)) power_off(void)
{
	int r = property_set("sys.powerctl", "shutdown");

	if (r < 0)
		mlog("cannot power off: sys.powerctl: %s", property_strerror(r));
	for (;;)
		pause();
}

/* Report an error to the host (and the log), then power off. */
static void __attribute__((noreturn)) fail(struct host_conn *h, int code, const char *reason)
{
	struct error e = {{0}};

	mlog("error %d: %s", code, reason);
	if (host_notify_error(h, code, reason, &e) < 0)
		mlog("could not report the error: %s", e.msg);
	power_off();
}

static void on_ready(void *arg)
{
	struct error e = {{0}};

	if (host_notify_ready(arg, &e) < 0)
		mlog("%s", e.msg);
}

int main(void)
{
	struct payload_launch launch = {
	    .launcher = MICRODROID_LAUNCHER_PATH,
	    .lib_dir = MICRODROID_APK_LIB_DIR,
	    .drop_privileges = true,
	    .uid = MICRODROID_PAYLOAD_UID,
	    .gid = MICRODROID_PAYLOAD_GID,
	};
	char disk[64], lib[PATH_MAX + 64], logport[PATH_MAX], reason[LAUNCHER_STATUS_MAX];
	struct vm_payload_config cfg;
	struct host_conn host;
	struct payload_pkg pkg;
	struct error e = {{0}};
	RpcServer *server = NULL;
	AIBinder *service;
	unsigned int cid;
	int status, r;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (property_get("ro.boot.microdroid_manager", reason, "") == 3 && !strcmp(reason, "off")) {
		mlog("off (androidboot.microdroid_manager=off): no payload runs");
		return 0;
	}
	/* 1. The host. */
	r = host_local_cid("/dev/vsock", &cid, &e);
	if (r == 0)
		r = host_connect(&host, MICRODROID_HOST_CID, cid, HOST_TIMEOUT_MS, &e);
	if (r < 0) {
		mlog("cannot report to the host: %s", e.msg);
		power_off();
	}
	mlog("connected to the host (CID %u)", cid);

	/* 2. The payload package: found by serial, checked, mounted. */
	r = payload_disk_find("/sys/block", "/dev", MICRODROID_DISK_PAYLOAD, DISK_TIMEOUT_MS, disk,
			      sizeof(disk), &e);
	if (r == 0)
		r = payload_pkg_open(&pkg, disk, &e);
	if (r == 0) {
		r = payload_mount(disk, MICRODROID_APK_MOUNT, &e);
		if (r < 0)
			payload_pkg_close(&pkg);
	}
	if (r < 0)
		fail(&host, IVMS_ERROR_PAYLOAD_VERIFICATION_FAILED, e.msg);

	/* 3. Its config. */
	r = payload_config_load(&pkg, "/", &cfg, &e);
	payload_pkg_close(&pkg);
	if (r < 0)
		fail(&host, IVMS_ERROR_PAYLOAD_INVALID_CONFIG, e.msg);
	launch.type = cfg.task_type;
	if (cfg.task_type == PAYLOAD_TASK_MICRODROID_LAUNCHER) {
		snprintf(lib, sizeof(lib), "%s/%s", MICRODROID_APK_LIB_DIR, cfg.command);
		launch.command = lib;
	} else {
		launch.command = cfg.command;
	}
	mlog("payload: %s task '%s'", payload_task_type_name(cfg.task_type), cfg.command);

	/* 4. Started; 5. the payload's service. */
	if (host_notify_started(&host, &e) < 0)
		mlog("%s", e.msg);
	service = payload_service_new(on_ready, &host);
	r = service ? payload_service_start(service, MICRODROID_PAYLOAD_SERVICE_SOCKET,
					    MICRODROID_PAYLOAD_GID, &server, &e)
		    : error_set(&e, -ENOMEM, "out of memory");
	if (r < 0)
		fail(&host, IVMS_ERROR_UNKNOWN, e.msg);

	/* 6. The payload itself, its output on the log port. */
	if (log_port_find(SYS_PORTS, "/dev", MICRODROID_PORT_LOG, logport, sizeof(logport)) == 0)
		launch.stdio = logport;
	else
		mlog("no virtio-console port named '%s': the payload's output goes to /dev/null",
		     MICRODROID_PORT_LOG);
	r = payload_launch(&launch, &pid, reason, sizeof(reason), &e);
	if (r < 0)
		fail(&host, IVMS_ERROR_UNKNOWN, e.msg);
	if (r == 1)
		fail(&host, IVMS_ERROR_PAYLOAD_INVALID_CONFIG, reason);
	mlog("payload running as pid %d", (int)pid);

	/* 7. How it ended. */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(reason, sizeof(reason), "waitpid: %s", strerror(errno));
			fail(&host, IVMS_ERROR_UNKNOWN, reason);
		}
	}
	if (WIFSIGNALED(status)) {
		mlog("payload killed by signal %d", WTERMSIG(status));
		r = host_notify_crashed(&host, WTERMSIG(status), &e);
	} else {
		mlog("payload exited with status %d", WEXITSTATUS(status));
		r = host_notify_finished(&host, WEXITSTATUS(status), &e);
	}
	if (r < 0)
		mlog("%s", e.msg);
	power_off();
}
