/*
 * vm.h - virtmgr's VMs: one struct vm per VM, the registry of running
 * ones, and the steps of a VM's life (create, monitor, stop, clean up).
 *
 * Locking: one mutex (virtmgr.lock) guards the registry, the CID pool and
 * every VM's mutable fields (status, error, pid, handles, callbacks).
 * A struct vm is reference counted; the registry holds one reference while
 * the VM runs, every IVirtualMachine binder one, the monitor and callback
 * threads one each.  It is freed when the last goes.
 *
 * Life of a VM (docs/virtmgr.md):
 *   vm_create()   checks, CID, work directory, guest service, mvm: STARTING
 *   guest calls   STARTED, READY, FINISHED, error, crash (vm_guest.c)
 *   monitor       reaps mvm, decides the death reason, cleans up, DEAD
 *                 (vm_monitor.c)
 * Events go to the registered callbacks, in order, from the VM's callback
 * thread (vm_callbacks.c).
 */
#ifndef MDROID_VIRTMGR_VM_H
#define MDROID_VIRTMGR_VM_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "host/virtmgr/binder_util.h"
#include "host/virtmgr/cid.h"
#include "host/virtmgr/console_scan.h"
#include "host/virtmgr/vm_state.h"
#include "lib/aidl/ivirtualizationservice.h"
#include "lib/aidl/ivirtualmachineservice.h"
#include "lib/common/error.h"

/* How long a stopped VM's mvm gets between SIGTERM and SIGKILL. */
#define VM_STOP_GRACE_MS 5000
/* The default time from start to notifyPayloadStarted. */
#define VM_DEFAULT_BOOT_TIMEOUT_MS 60000
/* The most callbacks one VM keeps. */
#define VM_MAX_CALLBACKS 32

/* One event for the callbacks (ivirtualizationservice.h's ON_*). */
struct vm_event {
	uint64_t seq;  /* 1, 2, ... per VM */
	uint32_t code; /* enum ivmcb_code */
	int32_t arg;   /* exit code, error code, reason or signal */
	char *message; /* ON_ERROR's */
	struct vm_event *next;
};

struct vm {
	atomic_int refs;
	struct vm *next; /* in the registry */

	/* Fixed once created. */
	uint32_t cid;
	char name[VMCONFIG_NAME_MAX + 1];
	char *package_path;
	char work_dir[PATH_MAX];
	int32_t memory_mib, cpus;
	int boot_timeout_ms;
	int64_t start_time_ms;

	/* Under virtmgr.lock. */
	struct vm_status status;
	int payload_signal;   /* 0: none */
	int error_code;	      /* -1: none */
	char *error_message;  /* NULL: none */
	bool payload_started; /* notifyPayloadStarted came */
	bool payload_crashed; /* notifyPayloadCrashed came */
	bool guest_error;     /* notifyError came */
	bool stop_requested;  /* STOP, no client left, or virtmgr ending */
	bool boot_timed_out;
	bool registered; /* in the registry (running) */
	pid_t pid;	 /* mvm, 0 once reaped */
	int handles;	 /* live IVirtualMachine binders */
	struct vm_callback {
		AIBinder *binder;
		uint64_t from_seq; /* events before this one happened before it came */
	} callbacks[VM_MAX_CALLBACKS];
	int ncallbacks;
	uint64_t event_seq; /* the last event's */
	struct vm_event *events, **events_tail;
	pthread_cond_t events_cond;
	bool events_done; /* ON_DIED is queued: the callback thread ends after it */

	/* The monitor's. */
	int pidfd;
	int wake_fd;	 /* eventfd: stop_requested changed */
	int console_in;	 /* the read end of mvm's stdout pipe */
	int console_out; /* the client's console, or -1 */
	struct console_scan scan;
	bool console_eof; /* under virtmgr.lock */
	pthread_cond_t console_cond;
	RpcServer *guest_server;
};

/* virtmgr's state, one per process. */
struct virtmgr {
	pthread_mutex_t lock;
	struct vm *vms; /* running, by CID */
	size_t nvms;
	struct cid_pool cids;
	char dir[PATH_MAX];	  /* the socket's directory */
	char image_dir[PATH_MAX]; /* the Microdroid image */
	char mvm[PATH_MAX];
	int boot_timeout_ms;
	int verbose;
	pthread_cond_t vms_cond; /* a VM left the registry */
	int64_t last_busy_ms;	 /* when a VM last ran (idle timeout) */
	bool stopping;		 /* SIGTERM: no new VMs */
	int callback_threads;	 /* running; vms_cond is signalled as each ends */
	/* The VMs that ended last, a ring: ended[(ended_next - 1) % KEEP] is the newest. */
	struct vm_info_parcel ended[VIRTMGR_ENDED_KEEP];
	size_t ended_next, nended;
};

extern struct virtmgr virtmgr;

/* The log: one line on stderr, "virtmgr: ...".  vlog_v only with -v. */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define vlog_v(...)                                                                                \
	do {                                                                                       \
		if (virtmgr.verbose)                                                               \
			vlog(__VA_ARGS__);                                                         \
	} while (0)

/* Milliseconds on CLOCK_MONOTONIC / since the epoch. */
int64_t now_ms(void);
int64_t wall_ms(void);

void vm_get(struct vm *vm);
void vm_put(struct vm *vm);

/*
 * Create and start a VM from @cfg (whose fds it takes), with the client's
 * @console and @log fds (taken; -1: none).  On success *@out is a new
 * reference to the STARTING VM.  On failure returns a status for the
 * client: EX_ILLEGAL_ARGUMENT (bad config, package, instance, name in
 * use) or EX_SERVICE_SPECIFIC (errno: no CID left, a host failure), with
 * a message naming the problem.
 */
AStatus *vm_create(struct vm_config_parcel *cfg, int console, int log, struct vm **out);

/* The running VM with @cid, referenced, or NULL.  Takes virtmgr.lock. */
struct vm *vm_find(uint32_t cid);

/* Fill @info (strings allocated: vm_info_parcel_clear()).  Under virtmgr.lock. */
int vm_info_fill_locked(const struct vm *vm, struct vm_info_parcel *info);

/* Remember the DEAD @vm for LIST_ENDED_VMS (dropping the oldest).  Under virtmgr.lock. */
void vm_remember_ended_locked(const struct vm *vm);

/* Ask the VM to stop: SIGTERM, SIGKILL after VM_STOP_GRACE_MS.  Under virtmgr.lock. */
void vm_request_stop_locked(struct vm *vm);

/*
 * Stop every running VM and wait (up to @timeout_ms) until all are cleaned
 * up and their last callbacks (ON_DIED) are sent.
 */
void vm_stop_all(int timeout_ms);

/* Start the monitor thread of a VM whose mvm runs (vm_monitor.c). */
int vm_monitor_start(struct vm *vm);

/* Queue an event for the callbacks (@message copied).  Under virtmgr.lock. */
void vm_event_queue_locked(struct vm *vm, uint32_t code, int32_t arg, const char *message);
/* Start the VM's callback thread (vm_callbacks.c). */
int vm_callbacks_start(struct vm *vm);
/* Add a callback (a reference is taken).  -ENOSPC past VM_MAX_CALLBACKS.  Under the lock. */
int vm_callback_add_locked(struct vm *vm, AIBinder *cb);

/* The binder classes (vm_binder.c, vm_guest.c, service.c). */
AIBinder *vm_handle_new(struct vm *vm); /* a new IVirtualMachine for @vm */
AIBinder *vm_guest_service_new(struct vm *vm);
const AIBinder_Class *vm_callback_class(void);
AIBinder *virtualization_service_new(void);

#endif
