/*
 * vm_guest.c - IVirtualMachineService, what a VM's microdroid_manager
 * calls (lib/aidl/ivirtualmachineservice.h).
 *
 * Each VM has its own RpcServer at <work>/vsock.sock_<CID>, whose root
 * object is made here with that VM as its user data, so a call can only
 * ever concern that VM: mvm maps the guest's connections to host port P
 * onto "<work>/vsock.sock_P", and only that VM's mvm uses <work>.  What
 * the guest sends is bounded (guest_input.h); a call the life cycle
 * refuses gets EX_ILLEGAL_STATE and changes nothing.
 */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/virtmgr/guest_input.h"

static AStatus *refused(struct vm *vm, const char *what, const struct error *e)
{
	vlog("vm %u (%s): refused %s from the guest: %s", vm->cid, vm->name, what, e->msg);
	return status_errorf(EX_ILLEGAL_STATE, "%s", e->msg);
}

/* One guest call, under virtmgr.lock: returns the reply's status. */
static AStatus *guest_call_locked(struct vm *vm, transaction_code_t code, int32_t arg, char *msg)
{
	struct error e = {{0}};

	switch (code) {
	case IVMS_NOTIFY_PAYLOAD_STARTED:
		if (vm_status_move(&vm->status, VM_STATE_STARTED, &e) < 0)
			return refused(vm, "payload started", &e);
		vm->payload_started = true;
		vm_event_queue_locked(vm, IVMCB_ON_PAYLOAD_STARTED, 0, NULL);
		vlog("vm %u (%s): STARTED", vm->cid, vm->name);
		return NULL;
	case IVMS_NOTIFY_PAYLOAD_READY:
		if (vm_status_move(&vm->status, VM_STATE_READY, &e) < 0)
			return refused(vm, "payload ready", &e);
		vm_event_queue_locked(vm, IVMCB_ON_PAYLOAD_READY, 0, NULL);
		vlog("vm %u (%s): READY", vm->cid, vm->name);
		return NULL;
	case IVMS_NOTIFY_PAYLOAD_FINISHED:
		if (!guest_exit_code_valid(arg))
			return status_errorf(EX_ILLEGAL_ARGUMENT, "exit code %d is not 0-255", arg);
		if (vm_status_payload_finished(&vm->status, arg, &e) < 0)
			return refused(vm, "payload finished", &e);
		vm_event_queue_locked(vm, IVMCB_ON_PAYLOAD_FINISHED, arg, NULL);
		vlog("vm %u (%s): FINISHED (exit code %d)", vm->cid, vm->name, arg);
		return NULL;
	case IVMS_NOTIFY_ERROR:
		if (vm->status.state == VM_STATE_DEAD || vm->guest_error)
			return status_errorf(EX_ILLEGAL_STATE, "an error was already reported");
		guest_message_clean(msg);
		vm->guest_error = true;
		vm->error_code = arg;
		free(vm->error_message);
		vm->error_message = strdup(msg);
		vm_event_queue_locked(vm, IVMCB_ON_ERROR, arg, msg);
		vlog("vm %u (%s): error %d: %s", vm->cid, vm->name, arg, msg);
		return NULL;
	case IVMS_NOTIFY_PAYLOAD_CRASHED:
		if (!guest_signal_valid(arg))
			return status_errorf(EX_ILLEGAL_ARGUMENT, "signal %d is not 1-64", arg);
		if (vm->status.state != VM_STATE_STARTED && vm->status.state != VM_STATE_READY)
			return status_errorf(EX_ILLEGAL_STATE, "no payload runs (%s)",
					     vm_state_name(vm->status.state));
		if (vm->payload_crashed)
			return status_errorf(EX_ILLEGAL_STATE, "a crash was already reported");
		vm->payload_crashed = true;
		vm->payload_signal = arg;
		vm_event_queue_locked(vm, IVMCB_ON_PAYLOAD_CRASHED, arg, NULL);
		vlog("vm %u (%s): payload crashed (signal %d)", vm->cid, vm->name, arg);
		return NULL;
	}
	return NULL;
}

static binder_status_t guest_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				      AParcel *out)
{
	struct vm *vm = AIBinder_getUserData(b);
	binder_status_t st = STATUS_OK;
	int32_t arg = 0, len;
	char *msg = NULL;
	AStatus *status;

	switch (code) {
	case IVMS_NOTIFY_PAYLOAD_STARTED:
	case IVMS_NOTIFY_PAYLOAD_READY:
		break;
	case IVMS_NOTIFY_PAYLOAD_FINISHED:
	case IVMS_NOTIFY_PAYLOAD_CRASHED:
		st = AParcel_readInt32(in, &arg);
		break;
	case IVMS_NOTIFY_ERROR:
		st = AParcel_readInt32(in, &arg);
		if (st == STATUS_OK)
			st = AParcel_readStringDup(in, &msg, &len);
		if (st == STATUS_OK && !msg)
			st = STATUS_UNEXPECTED_NULL;
		break;
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
	if (st != STATUS_OK) {
		free(msg);
		return st;
	}
	pthread_mutex_lock(&virtmgr.lock);
	status = guest_call_locked(vm, code, arg, msg);
	pthread_mutex_unlock(&virtmgr.lock);
	free(msg);
	return reply_status(out, status ? status : AStatus_newOk());
}

AIBinder *vm_guest_service_new(struct vm *vm)
{
	static AIBinder_Class *clazz;

	/* The VM outlives its server (vm_monitor.c shuts it down first): borrowed. */
	return AIBinder_new(class_define_once(&clazz, IVIRTUALMACHINESERVICE_DESCRIPTOR,
					      userdata_borrow, userdata_forget, guest_transact),
			    vm);
}
