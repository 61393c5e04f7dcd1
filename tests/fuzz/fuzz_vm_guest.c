/*
 * fuzz_vm_guest.c - virtmgr's IVirtualMachineService (host/virtmgr/
 * vm_guest.c), what a guest calls, on arbitrary call sequences: the guest
 * is untrusted.
 *
 * Input: a sequence of calls, each one byte picking the method (modulo 6:
 * the five methods and an unknown code), one byte of length N, then N
 * bytes of arguments after the interface token.  All calls go to one VM
 * that starts STARTING, as after CREATE_VM.
 * Checked after every call: the reply is STATUS_OK with a valid status
 * header, or a transport error for unreadable arguments or the unknown
 * code; the VM's state only moves as vm_state_can_move() allows, and only
 * on an accepted call; a kept exit code is 0-255, a signal 1-64, a kept
 * error message at most IVMS_MESSAGE_MAX bytes with no control characters;
 * each accepted call queued exactly one event, of its own kind.
 *
 * virtmgr's log and event queue are replaced here (vlog, virtmgr,
 * vm_event_queue_locked): the rest of virtmgr is not linked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "host/virtmgr/vm.h"
#include "lib/binder/ibinder.h"
#include "lib/binder/parcel.h"

struct virtmgr virtmgr = {.lock = PTHREAD_MUTEX_INITIALIZER};

void vlog(const char *fmt, ...)
{
	(void)fmt;
}

static uint32_t last_event;
static int events;

void vm_event_queue_locked(struct vm *vm, uint32_t code, int32_t arg, const char *message)
{
	(void)vm;
	(void)arg;
	(void)message;
	last_event = code;
	events++;
}

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static const transaction_code_t codes[] = {
    IVMS_NOTIFY_PAYLOAD_STARTED, IVMS_NOTIFY_PAYLOAD_READY,   IVMS_NOTIFY_PAYLOAD_FINISHED,
    IVMS_NOTIFY_ERROR,		 IVMS_NOTIFY_PAYLOAD_CRASHED, IVMS_NOTIFY_PAYLOAD_CRASHED + 1,
};
/* The event each method queues when it is accepted. */
static const uint32_t events_of[] = {
    IVMCB_ON_PAYLOAD_STARTED, IVMCB_ON_PAYLOAD_READY,	IVMCB_ON_PAYLOAD_FINISHED,
    IVMCB_ON_ERROR,	      IVMCB_ON_PAYLOAD_CRASHED, 0,
};

/* One call; the reply's status (NULL when the call failed as a transaction). */
static AStatus *call(AIBinder *svc, size_t method, const uint8_t *args, size_t len)
{
	AParcel *in = AParcel_create(), *out = AParcel_create();
	AStatus *status = NULL;
	binder_status_t st;
	uint8_t *space;

	check(in && out);
	check(AParcel_writeInterfaceToken(in, IVIRTUALMACHINESERVICE_DESCRIPTOR) == STATUS_OK);
	if (len) {
		space = parcel_write_space(in, len);
		check(space != NULL);
		memcpy(space, args, len);
	}
	AParcel_setDataPosition(in, 0);
	st = binder_dispatch(svc, codes[method], in, out, 0);
	if (method == 5)
		check(st == STATUS_UNKNOWN_TRANSACTION);
	if (st == STATUS_OK) {
		AParcel_setDataPosition(out, 0);
		check(AParcel_readStatusHeader(out, &status) == STATUS_OK);
	}
	AParcel_delete(in);
	AParcel_delete(out);
	return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct vm vm;
	AIBinder *svc;

	memset(&vm, 0, sizeof(vm));
	vm.cid = 3;
	strcpy(vm.name, "fuzz");
	vm_status_init(&vm.status);
	check(vm_status_move(&vm.status, VM_STATE_STARTING, NULL) == 0);
	vm.error_code = -1;
	svc = vm_guest_service_new(&vm);
	check(svc != NULL);
	events = 0;
	while (size >= 2) {
		size_t method = buf[0] % 6, len = buf[1];
		enum vm_state before = vm.status.state;
		int events_before = events;
		AStatus *status;

		if (len > size - 2)
			len = size - 2;
		status = call(svc, method, buf + 2, len);
		buf += 2 + len;
		size -= 2 + len;
		if (status && AStatus_isOk(status)) {
			check(events == events_before + 1 && last_event == events_of[method]);
			check(before == vm.status.state ||
			      vm_state_can_move(before, vm.status.state));
		} else {
			check(events == events_before && before == vm.status.state);
		}
		AStatus_delete(status);
		if (vm.status.payload_exited)
			check(vm.status.payload_exit_code >= 0 &&
			      vm.status.payload_exit_code <= 255);
		check(vm.payload_signal >= 0 && vm.payload_signal <= 64);
		if (vm.error_message) {
			check(strlen(vm.error_message) <= IVMS_MESSAGE_MAX);
			for (const char *p = vm.error_message; *p; p++)
				check((unsigned char)*p >= 0x20 && *p != 0x7f);
		}
	}
	AIBinder_decStrong(svc);
	free(vm.error_message);
	return 0;
}
