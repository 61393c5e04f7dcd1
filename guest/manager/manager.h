/*
 * manager.h - microdroid_manager, the guest's payload manager
 * (docs/payload.md).  init starts it once per boot; it
 *
 *   1. connects to the host's IVirtualMachineService (host_conn.c),
 *   2. finds, checks and mounts the payload package (payload_disk.c),
 *   3. reads and checks the package's vm_config.json (payload_config.c),
 *   4. tells the host the payload starts,
 *   5. serves IVmPayloadService to the payload (payload_service.c),
 *   6. runs the payload as an unprivileged process (payload_launch.c),
 *   7. reports how it ended and powers the VM off (main.c).
 *
 * Each part below is a small library of its own (unit tests use them with
 * fake sysfs trees, socket pairs and files).  They return 0 or a negative
 * errno with a one-line reason in a struct error; none prints.  main.c
 * logs, once, to stderr, which init relays to the kernel log and the
 * console as "microdroid_manager: ...".
 */
#ifndef MDROID_MANAGER_H
#define MDROID_MANAGER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "lib/common/error.h"
#include "lib/payload/package.h"
#include "lib/payload/vm_config.h"

/* ---------------------------------------------------------------- host_conn.c */

/*
 * The connection to the host: a proxy for its IVirtualMachineService.
 * Calls are serialised; notify_ready is sent at most once.
 */
struct host_conn {
	RpcSession *session; /* NULL when the service was handed in (tests) */
	AIBinder *service;   /* owned: one strong reference */
	pthread_mutex_t lock;
	bool ready_sent;
};

/*
 * The VM's own vsock CID, from IOCTL_VM_SOCKETS_GET_LOCAL_CID on @dev
 * ("/dev/vsock").  Returns 0, or -errno (-ENODEV when the VM has no vsock
 * device: the CID reads as VMADDR_CID_ANY).
 */
int host_local_cid(const char *dev, unsigned int *cid, struct error *e);

/*
 * Connect to IVirtualMachineService at vsock (@host_cid, @port), trying
 * again every 100 ms for @timeout_ms (the host may still be setting up).
 * Returns 0 or -errno with the last reason.
 */
int host_connect(struct host_conn *h, unsigned int host_cid, unsigned int port, int timeout_ms,
		 struct error *e);

/*
 * Use @service (a reference is taken) as the host's service.  Returns 0,
 * or -EPROTO when it is not an IVirtualMachineService.
 */
int host_conn_init(struct host_conn *h, AIBinder *service, struct error *e);

/* Drop the service and end the session. */
void host_close(struct host_conn *h);

/*
 * The calls of ivirtualmachineservice.h.  Each returns 0, or -errno /
 * -EREMOTEIO when the host answered with an exception (named in @e).
 * host_notify_ready() sends the call only the first time (later ones
 * return 0 at once).  host_notify_error() sends @message through
 * utf8_clean() with IVMS_MESSAGE_MAX.
 */
int host_notify_started(struct host_conn *h, struct error *e);
int host_notify_ready(struct host_conn *h, struct error *e);
int host_notify_finished(struct host_conn *h, int exit_code, struct error *e);
int host_notify_error(struct host_conn *h, int error_code, const char *message, struct error *e);
int host_notify_crashed(struct host_conn *h, int signal, struct error *e);

/*
 * Copy the NUL-terminated @in to @out (@max + 1 bytes) as valid UTF-8:
 * each byte that does not start a valid sequence becomes '?', and the
 * copy stops before the character that would pass @max bytes.  Returns
 * the length written.
 */
size_t utf8_clean(const char *in, char *out, size_t max);

/* ------------------------------------------------------------- payload_disk.c */

/* A payload package opened from its disk and checked (pkg_open()). */
struct payload_pkg {
	const uint8_t *map; /* the whole disk, read-only */
	uint64_t size;
	struct pkg pkg;
};

/*
 * Wait up to @timeout_ms for the virtio-blk disk with serial @serial in
 * @sys_block ("/sys/block"; guest/init/disks.h) and write its device path
 * ("@dev_dir/vdb") to @path.  Returns 0 or -errno.
 */
int payload_disk_find(const char *sys_block, const char *dev_dir, const char *serial,
		      int timeout_ms, char *path, size_t size, struct error *e);

/*
 * Map @path (a block device or a regular file) and check it as a package:
 * footer, image digest, EROFS superblock (pkg_open()).  Returns 0 or
 * -errno; on failure nothing stays mapped.
 */
int payload_pkg_open(struct payload_pkg *p, const char *path, struct error *e);
void payload_pkg_close(struct payload_pkg *p);

/* Mount the EROFS image on @dev read-only, nodev, nosuid at @dir. */
int payload_mount(const char *dev, const char *dir, struct error *e);

/* ----------------------------------------------------------- payload_config.c */

/*
 * Read and check the package's vm_config.json and what it names:
 * pkg_load_config() on @p's image (the same bytes the mount shows); for
 * an executable task, that @root (the guest's "/") holds the command as
 * an executable regular file.  Returns 0 or -errno with a reason that
 * names the problem.
 */
int payload_config_load(const struct payload_pkg *p, const char *root,
			struct vm_payload_config *cfg, struct error *e);

/* ---------------------------------------------------------- payload_service.c */

/* Called for IVmPayloadService.notifyPayloadReady (on a server thread). */
typedef void (*payload_ready_fn)(void *arg);

/*
 * A new IVmPayloadService object (one strong reference for the caller):
 * NOTIFY_PAYLOAD_READY calls @on_ready(@arg); the secret and DICE calls
 * answer EX_SERVICE_SPECIFIC IVPS_ERROR_NOT_AVAILABLE.  NULL if memory
 * runs out.
 */
AIBinder *payload_service_new(payload_ready_fn on_ready, void *arg);

/*
 * Serve @service at the Unix socket @path (an old socket there is
 * removed), with group @gid and mode 0660 (its owner is the caller, root in the guest), on a server
 * thread.
 * *@server is the running server.  Returns 0 or -errno.
 */
int payload_service_start(AIBinder *service, const char *path, gid_t gid, RpcServer **server,
			  struct error *e);

/* ----------------------------------------------------------- payload_launch.c */

struct payload_launch {
	enum payload_task_type type;
	const char *command;  /* launcher: the library's path; executable: the program */
	const char *launcher; /* MICRODROID_LAUNCHER_PATH */
	const char *lib_dir;  /* LD_LIBRARY_PATH */
	const char *stdio;    /* stdout and stderr (the log port), or NULL for /dev/null */
	bool drop_privileges; /* become @uid/@gid with no capabilities (needs root) */
	uid_t uid;
	gid_t gid;
};

/*
 * Find the virtio-console port named @name: the entry of @sys_ports
 * ("/sys/class/virtio-ports") whose "name" file holds it; its device
 * path "@dev_dir/<entry>" goes to @path.  Returns 0 or -ENOENT.
 */
int log_port_find(const char *sys_ports, const char *dev_dir, const char *name, char *path,
		  size_t size);

/*
 * Start the payload: fork; the child sets up stdio, drops privileges
 * (setgroups, gid, uid, every capability, no_new_privs), changes to "/"
 * and execs the launcher with the library (launcher task) or the program
 * (executable task), with a fresh environment.  Then wait for the
 * launcher handshake (launcher_status.h).  Returns 0 with *@pid when the
 * payload runs; 1 with the reason in @reason when it could not be started
 * (the child, already reaped, is gone); or -errno.
 */
int payload_launch(const struct payload_launch *l, pid_t *pid, char *reason, size_t size,
		   struct error *e);

#endif
