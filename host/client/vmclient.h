/*
 * vmclient.h - libvmclient: what a host program needs to run Microdroid VMs
 * through virtmgr, the way `vm run-app` does.
 *
 * A vmclient is one RPC Binder session with virtmgr over its Unix socket
 * (host/virtmgr/paths.h: paths_virtmgr_socket(), or the path given), with
 * file descriptors passed as SCM_RIGHTS and one thread of the library's
 * own that receives virtmgr's callbacks.  When nobody listens at the
 * socket, vmclient_connect() starts virtmgr there (see "On-demand start").
 *
 * A vmclient_vm is one VM: made by vmclient_create_vm() (a new VM) or
 * vmclient_get_vm() (one already running).  virtmgr stops a VM once no
 * client holds it any more, so releasing the last handle of a VM stops it
 * (as in AVF).  The protocol is lib/aidl/ivirtualizationservice.h.
 *
 * Events.  Each VM handle sees its VM's life cycle as events, in the order
 * they happened: STARTED, READY, FINISHED(exit code), ERROR(code,
 * message), CRASHED(signal), DIED(reason), and LOST when the session with
 * virtmgr ended before DIED (virtmgr exited or was killed).  Events that
 * happened before the handle registered with virtmgr are made up from the
 * VM's info, so a handle sees each event at most once and always in
 * order.  Events are both queued in the handle (vmclient_vm_next_event(),
 * with a file descriptor to poll) and passed to the optional callbacks.
 *
 * Threads.  Callbacks run on the library's thread, one at a time.  They may
 * read the event and record it, but must not call the library's functions
 * that talk to virtmgr (that thread is the one that would carry the
 * reply).  Everything else is thread-safe, except that a handle must not
 * be released while another thread uses it.
 *
 * Errors are negative errno values with one line in the struct error (if
 * given), including virtmgr's message when it refused a call ("virtmgr:
 * payload package: bad magic"); nothing is printed.
 *
 * On-demand start.  If connecting to the socket fails because nothing is
 * there (ENOENT, ECONNREFUSED), vmclient_connect() makes the socket's
 * directory (mode 0700) and runs virtmgr (paths_find_tool("virtmgr")) with
 * `--socket PATH --idle-timeout 30 --ready-fd N`, detached: its own
 * session, not this process's child, stdin /dev/null, stdout and stderr
 * appended to <socket dir>/virtmgr.log.  It waits (10 s at most) for
 * "ready\n" on fd N, then connects.  A virtmgr that lost a race with
 * another starter exits (status 3, "already running") without writing
 * "ready": then the client connects to the winner, retrying until the
 * same deadline.  virtmgr exits by itself 30 s after its last VM and
 * client are gone.
 */
#ifndef MDROID_VMCLIENT_H
#define MDROID_VMCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <android/binder_ibinder.h>

#include "lib/aidl/ivirtualizationservice.h"
#include "lib/aidl/ivirtualmachineservice.h"
#include "host/virtmgr/vm_state.h"
#include "lib/common/error.h"

/* How long the on-demand start waits for virtmgr to be ready. */
#define VMCLIENT_START_TIMEOUT_MS 10000
/* The --idle-timeout given to a virtmgr started on demand (seconds). */
#define VMCLIENT_IDLE_TIMEOUT_S 30

struct vmclient;
struct vmclient_vm;

struct vmclient_options {
	const char *socket; /* NULL: paths_virtmgr_socket() */
	bool no_start;	    /* never start virtmgr; fail with -ECONNREFUSED/-ENOENT */
	bool started;	    /* out: this call started virtmgr */
};

/*
 * Connect to virtmgr (starting it on demand, see above) into *@out.
 * @opts may be NULL (defaults).  Returns 0 or a negative errno:
 * -ENOENT / -ECONNREFUSED nobody listens and no start was allowed,
 * -ETIMEDOUT virtmgr did not become ready in time (the last line of its
 * log in @e), -EPROTO the peer is not virtmgr, others from the system.
 */
int vmclient_connect(struct vmclient_options *opts, struct vmclient **out, struct error *e);

/*
 * End the session with virtmgr and free @c.  Every VM handle of @c must
 * have been released first (virtmgr stops the VMs nobody holds).
 */
void vmclient_close(struct vmclient *c);

/* What a new VM is made of.  Zero / NULL / -1 fields take the defaults. */
struct vmclient_vm_config {
	const char *package;  /* the payload package's path (required) */
	const char *instance; /* an instance.img to use, read-write; NULL: a fresh one */
	const char *name;     /* NULL or "": virtmgr names it "vm<CID>" */
	int32_t memory_mib;   /* 0: virtmgr's default (256) */
	int32_t cpus;	      /* 0: 1 */
	enum vm_debug_level debug_level;
	int32_t boot_timeout_ms; /* 0: virtmgr's default */
	int console_fd;		 /* the kernel console goes here; -1: discarded */
	int log_fd;		 /* the payload's stdout and stderr; -1: discarded */
};

/* A config with every field at its default (fds -1). */
void vmclient_vm_config_init(struct vmclient_vm_config *cfg);

enum vmclient_event_type {
	VMCLIENT_EVENT_STARTED,	 /* the payload started */
	VMCLIENT_EVENT_READY,	 /* the payload is ready to serve */
	VMCLIENT_EVENT_FINISHED, /* value: the payload's exit code */
	VMCLIENT_EVENT_ERROR,	 /* value: enum ivms_error_code; message */
	VMCLIENT_EVENT_CRASHED,	 /* value: the signal that killed the payload */
	VMCLIENT_EVENT_DIED,	 /* value: enum vm_death_reason; the last event */
	VMCLIENT_EVENT_LOST,	 /* the session with virtmgr ended first; the last event */
};

struct vmclient_event {
	enum vmclient_event_type type;
	int32_t value;
	char message[IVMS_MESSAGE_MAX + 1]; /* ERROR only; "" otherwise */
};

/* "STARTED", ..., "LOST". */
const char *vmclient_event_name(enum vmclient_event_type type);

/* Optional callbacks: each gets the event and @arg (see Threads above). */
struct vmclient_callbacks {
	void (*on_event)(struct vmclient_vm *vm, const struct vmclient_event *ev, void *arg);
	void *arg;
};

/*
 * Make and start a VM from @cfg (fds are duplicated; the caller keeps
 * its own) and register for its events (@cb may be NULL) into *@out.  The
 * VM is STARTING or later on return.  -EINVAL when virtmgr refused the
 * config or package (its message in @e), -ENOENT / -EACCES when a file
 * cannot be opened, others from the transport.
 */
int vmclient_create_vm(struct vmclient *c, const struct vmclient_vm_config *cfg,
		       const struct vmclient_callbacks *cb, struct vmclient_vm **out,
		       struct error *e);

/*
 * A handle of the running VM with CID @cid, registered for its events from
 * now on (@cb may be NULL), into *@out.  -ENOENT if there is none.
 */
int vmclient_get_vm(struct vmclient *c, int32_t cid, const struct vmclient_callbacks *cb,
		    struct vmclient_vm **out, struct error *e);

/*
 * Release the handle.  If it was the last one anywhere, virtmgr stops the
 * VM.  Callbacks have stopped when this returns.
 */
void vmclient_vm_release(struct vmclient_vm *vm);

/* The VM's CID (fixed for the handle's life). */
int32_t vmclient_vm_cid(const struct vmclient_vm *vm);

/*
 * The next event into *@ev, waiting up to @timeout_ms (-1: forever, 0:
 * not at all).  Returns 0, -ETIMEDOUT when none came in time, or -ENODATA
 * after the last event (DIED or LOST) was taken.
 */
int vmclient_vm_next_event(struct vmclient_vm *vm, struct vmclient_event *ev, int timeout_ms);

/*
 * A file descriptor that polls readable while an event is queued (or
 * after the last one was taken); owned by the handle.
 */
int vmclient_vm_event_fd(const struct vmclient_vm *vm);

/*
 * Wait up to @timeout_ms (-1: forever) until the VM has reached @state
 * (STARTED, READY, FINISHED or DEAD), as this handle's events tell: it
 * passed through that state, even if it is past it now (STARTED counts as
 * reached once READY or FINISHED came, as a payload may finish without
 * being ready).  Returns 0, -ETIMEDOUT, -ESRCH when the VM died without
 * reaching @state, -EPIPE when the session with virtmgr was lost.
 * Does not consume queued events.
 */
int vmclient_vm_wait_state(struct vmclient_vm *vm, enum vm_state state, int timeout_ms);

/* The VM's current info from virtmgr (free with vm_info_parcel_clear()). */
int vmclient_vm_info(struct vmclient_vm *vm, struct vm_info_parcel *info, struct error *e);

/* Ask virtmgr to stop the VM (SIGTERM to mvm, SIGKILL 5 s later); does not wait. */
int vmclient_vm_stop(struct vmclient_vm *vm, struct error *e);

/*
 * Connect to the RPC Binder server the payload runs on vsock @port (AVF's
 * AVmPayload_runVsockRpcServer) through virtmgr's CONNECT_VSOCK, and
 * return its root object as a new reference in *@root.  The session opens
 * as many connections as the server offers, each one through
 * CONNECT_VSOCK; it lives until the handle is released.  -ECONNREFUSED
 * when nothing listens at @port.
 */
int vmclient_vm_connect_service(struct vmclient_vm *vm, uint32_t port, AIBinder **root,
				struct error *e);

/*
 * The running VMs, ordered by CID: *@infos (free with
 * vmclient_free_infos()) and their number *@n.
 */
int vmclient_list_vms(struct vmclient *c, struct vm_info_parcel **infos, size_t *n,
		      struct error *e);
void vmclient_free_infos(struct vm_info_parcel *infos, size_t n);

/*
 * The VMs that ended most recently (DEAD; virtmgr remembers
 * VIRTMGR_ENDED_KEEP while it runs), newest first, like vmclient_list_vms().
 */
int vmclient_list_ended_vms(struct vmclient *c, struct vm_info_parcel **infos, size_t *n,
			    struct error *e);

/*
 * Find a VM by @what, a CID ("3") or a name ("demo"); its info into
 * *@info: the running VM, else (unless @only_running) the one that ended
 * most recently, whose state is DEAD.  -ENOENT (with a message naming
 * @what) if none matches.
 */
int vmclient_find_vm(struct vmclient *c, const char *what, bool only_running,
		     struct vm_info_parcel *info, struct error *e);

#endif
