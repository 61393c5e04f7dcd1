/*
 * internal.h - what the files of libvmclient share (vmclient.h is the
 * public side): the structures behind the handles and the AIDL call
 * helper.
 *
 *   client.c    vmclient_connect/close, the session with virtmgr
 *   spawn.c     starting virtmgr on demand
 *   call.c      one AIDL call: transact, status header, errors
 *   vm.c        VM handles: create, get, release, info, stop
 *   events.c    the event queue, the callback object, catching up
 *   service.c   the payload's vsock service through CONNECT_VSOCK
 *   list.c      listing and finding VMs
 */
#ifndef MDROID_VMCLIENT_INTERNAL_H
#define MDROID_VMCLIENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <binder/rpc.h>

#include "host/client/vmclient.h"

struct vmclient {
	RpcSession *session;
	AIBinder *service; /* IVirtualizationService */
};

#define VMCLIENT_QUEUE_MAX 8 /* more than a VM's life cycle ever has */
#define VMCLIENT_MAX_SERVICES 8

/* What a payload session's request_fd needs to open one more connection. */
struct vmclient_service_args {
	struct vmclient_vm *vm;
	int32_t port;
};

struct vmclient_vm {
	atomic_int refs; /* the user's handle + the callback object */
	struct vmclient *client;
	AIBinder *vm;	    /* IVirtualMachine proxy */
	AIBinder *callback; /* our IVirtualMachineCallback */
	int32_t cid;

	pthread_mutex_t deliver; /* held while an event is checked and delivered */
	pthread_mutex_t lock;	 /* guards what follows */
	pthread_cond_t changed;
	bool caught_up; /* events from the info delivered (under deliver) */
	struct vmclient_event pending[VMCLIENT_QUEUE_MAX]; /* callbacks held back until then */
	size_t npending;
	struct vmclient_callbacks cb;
	bool detached; /* released: deliver nothing more */
	/* The events seen so far (each at most once), by type. */
	bool seen[VMCLIENT_EVENT_LOST + 1];
	enum vm_state state; /* as the events tell */
	struct vmclient_event queue[VMCLIENT_QUEUE_MAX];
	size_t head, count;
	bool last_taken;
	int efd; /* eventfd: readable while queue non-empty or last_taken */

	RpcSession *services[VMCLIENT_MAX_SERVICES];
	struct vmclient_service_args service_args[VMCLIENT_MAX_SERVICES];
	size_t nservices;
};

/* ------------------------------------------------------------ client.c */
/* The proxy classes of IVirtualMachine and IVirtualizationService. */
AIBinder_Class *vmclient_vm_class(void);
AIBinder_Class *vmclient_service_class(void);

/* ------------------------------------------------------------ spawn.c */
/*
 * Start virtmgr at @socket, detached, and wait until it is ready (0) or
 * exited without a word (1: it lost the race to another virtmgr, or
 * failed; its log says which).  -ETIMEDOUT if it said nothing within
 * @timeout_ms; errors name the tool or the log file.
 */
int vmclient_spawn_virtmgr(const char *socket, int timeout_ms, struct error *e);
/* The last non-empty line of <socket dir>/virtmgr.log into @out ("" if none). */
void vmclient_virtmgr_log_tail(const char *socket, char *out, size_t size);

/* ------------------------------------------------------------ call.c */
/*
 * Call @code on @binder: @write(in, arg) adds the arguments (NULL: none).
 * On success *@reply (if not NULL) is the reply, positioned after an OK
 * status header; the caller deletes it.  A refusal becomes -EINVAL
 * (EX_ILLEGAL_ARGUMENT), -EBUSY (EX_ILLEGAL_STATE), the negative errno a
 * service-specific error carries, or -EREMOTEIO, with "@what: virtmgr:
 * MESSAGE" in @e; a lost session -EPIPE.
 */
int vmclient_call(AIBinder *binder, transaction_code_t code,
		  binder_status_t (*write)(AParcel *in, const void *arg), const void *arg,
		  AParcel **reply, const char *what, struct error *e);

/* ------------------------------------------------------------ events.c */
/* A new callback object for @vm (which it references until destroyed). */
AIBinder *vmclient_callback_new(struct vmclient_vm *vm);
/* Deliver @ev unless @vm saw it already (or is detached). */
void vmclient_deliver(struct vmclient_vm *vm, const struct vmclient_event *ev);
/* Deliver, from @info, the events @vm missed, in order. */
void vmclient_catch_up(struct vmclient_vm *vm, const struct vm_info_parcel *info);
/* Initialise the event part of @vm (its state STARTING). */
int vmclient_events_init(struct vmclient_vm *vm);
/* Drop a reference to @vm; the last one frees it. */
void vmclient_vm_put(struct vmclient_vm *vm);
/* Deliver LOST when the session behind @vm->vm ends (needs vmclient_callback_new() first). */
int vmclient_watch_lost(struct vmclient_vm *vm);
void vmclient_unwatch_lost(struct vmclient_vm *vm);

#endif
