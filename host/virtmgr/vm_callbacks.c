/*
 * vm_callbacks.c - a VM's events to its IVirtualMachineCallbacks (vm.h).
 *
 * Events are queued under virtmgr.lock as they happen and sent by the
 * VM's own callback thread, one at a time to every callback, as oneway
 * calls: the order is the order they happened, and a slow client holds
 * up only this thread, never the VM's monitor or the guest's calls.  A
 * callback whose client is gone (the call fails) is dropped.  The thread
 * ends after ON_DIED.
 */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const AIBinder_Class *vm_callback_class(void)
{
	static AIBinder_Class *clazz;

	return class_define_once(&clazz, IVIRTUALMACHINECALLBACK_DESCRIPTOR, userdata_borrow,
				 userdata_forget, transact_none);
}

void vm_event_queue_locked(struct vm *vm, uint32_t code, int32_t arg, const char *message)
{
	struct vm_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return; /* out of memory: the event is lost, GET_INFO still tells */
	ev->seq = ++vm->event_seq;
	ev->code = code;
	ev->arg = arg;
	if (message && !(ev->message = strdup(message))) {
		free(ev);
		return;
	}
	*vm->events_tail = ev;
	vm->events_tail = &ev->next;
	pthread_cond_broadcast(&vm->events_cond);
}

int vm_callback_add_locked(struct vm *vm, AIBinder *cb)
{
	if (vm->ncallbacks >= VM_MAX_CALLBACKS)
		return -ENOSPC;
	AIBinder_incStrong(cb);
	vm->callbacks[vm->ncallbacks].binder = cb;
	vm->callbacks[vm->ncallbacks].from_seq = vm->event_seq + 1;
	vm->ncallbacks++;
	return 0;
}

static void drop_callback_locked(struct vm *vm, AIBinder *cb)
{
	for (int i = 0; i < vm->ncallbacks; i++) {
		if (vm->callbacks[i].binder != cb)
			continue;
		AIBinder_decStrong(cb);
		vm->callbacks[i] = vm->callbacks[--vm->ncallbacks];
		return;
	}
}

static binder_status_t send_event(AIBinder *cb, uint32_t cid, const struct vm_event *ev)
{
	AParcel *in = NULL, *out = NULL;
	binder_status_t st;

	st = AIBinder_prepareTransaction(cb, &in);
	if (st != STATUS_OK)
		return st;
	st = AParcel_writeInt32(in, (int32_t)cid);
	if (st == STATUS_OK && ev->code != IVMCB_ON_PAYLOAD_STARTED &&
	    ev->code != IVMCB_ON_PAYLOAD_READY)
		st = AParcel_writeInt32(in, ev->arg);
	if (st == STATUS_OK && ev->code == IVMCB_ON_ERROR)
		st = AParcel_writeString(in, ev->message ? ev->message : "",
					 (int32_t)strlen(ev->message ? ev->message : ""));
	if (st != STATUS_OK) {
		AParcel_delete(in);
		return st;
	}
	st = AIBinder_transact(cb, ev->code, &in, &out, FLAG_ONEWAY);
	AParcel_delete(out);
	return st;
}

static void *callback_thread(void *arg)
{
	struct vm *vm = arg;
	AIBinder *cbs[VM_MAX_CALLBACKS];
	struct vm_event *ev;
	bool last = false;
	int n;

	while (!last) {
		pthread_mutex_lock(&virtmgr.lock);
		while (!vm->events && !vm->events_done)
			pthread_cond_wait(&vm->events_cond, &virtmgr.lock);
		ev = vm->events;
		if (!ev) { /* done, with nothing left */
			pthread_mutex_unlock(&virtmgr.lock);
			break;
		}
		vm->events = ev->next;
		if (!vm->events)
			vm->events_tail = &vm->events;
		n = 0;
		for (int i = 0; i < vm->ncallbacks; i++) {
			if (vm->callbacks[i].from_seq > ev->seq)
				continue;
			cbs[n] = vm->callbacks[i].binder;
			AIBinder_incStrong(cbs[n++]);
		}
		last = ev->code == IVMCB_ON_DIED;
		pthread_mutex_unlock(&virtmgr.lock);

		for (int i = 0; i < n; i++) {
			binder_status_t st = send_event(cbs[i], vm->cid, ev);
			if (st != STATUS_OK) {
				vlog_v("vm %u (%s): a callback failed (%d): dropped", vm->cid,
				       vm->name, st);
				pthread_mutex_lock(&virtmgr.lock);
				drop_callback_locked(vm, cbs[i]);
				pthread_mutex_unlock(&virtmgr.lock);
			}
			AIBinder_decStrong(cbs[i]);
		}
		free(ev->message);
		free(ev);
	}
	/* Nothing more will be sent: let the clients' callbacks go. */
	pthread_mutex_lock(&virtmgr.lock);
	for (int i = 0; i < vm->ncallbacks; i++)
		cbs[i] = vm->callbacks[i].binder;
	n = vm->ncallbacks;
	vm->ncallbacks = 0;
	virtmgr.callback_threads--;
	pthread_cond_broadcast(&virtmgr.vms_cond);
	pthread_mutex_unlock(&virtmgr.lock);
	for (int i = 0; i < n; i++)
		AIBinder_decStrong(cbs[i]);
	vm_put(vm);
	return NULL;
}

int vm_callbacks_start(struct vm *vm)
{
	pthread_t t;

	vm_get(vm);
	pthread_mutex_lock(&virtmgr.lock);
	virtmgr.callback_threads++;
	pthread_mutex_unlock(&virtmgr.lock);
	if (pthread_create(&t, NULL, callback_thread, vm) != 0) {
		pthread_mutex_lock(&virtmgr.lock);
		virtmgr.callback_threads--;
		pthread_mutex_unlock(&virtmgr.lock);
		vm_put(vm);
		return -EAGAIN;
	}
	pthread_detach(t);
	return 0;
}
