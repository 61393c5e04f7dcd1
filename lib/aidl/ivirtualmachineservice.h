/*
 * ivirtualmachineservice.h - IVirtualMachineService, what a Microdroid
 * guest's microdroid_manager calls on the host (AVF's
 * android.system.virtualmachineservice.IVirtualMachineService).
 *
 * Transport: RPC Binder over vsock, guest -> (CID 2, port = guest CID);
 * the session's root object is the service (microdroid.h).  virtmgr serves
 * one such server per VM, and a call on it can only ever concern that VM.
 *
 * Every call is a two-way AIDL call: the request starts with the interface
 * token (AParcel_writeInterfaceToken(IVIRTUALMACHINESERVICE_DESCRIPTOR)),
 * then the arguments below in order; the reply is a status header
 * (AParcel_writeStatusHeader) and nothing else.  A call the VM's state does
 * not allow (READY after FINISHED, say) gets EX_ILLEGAL_STATE.
 *
 *   code                               arguments
 *   NOTIFY_PAYLOAD_STARTED             -
 *   NOTIFY_PAYLOAD_READY               -
 *   NOTIFY_PAYLOAD_FINISHED            int32 exit_code (0-255)
 *   NOTIFY_ERROR                       int32 error_code (enum below), String message
 *                                      (UTF-16, AParcel_writeString; at most
 *                                      IVMS_MESSAGE_MAX bytes as UTF-8)
 *   NOTIFY_PAYLOAD_CRASHED             int32 signal (1-64)   [not in AVF]
 *
 * AVF reports a payload killed by a signal only as an error; this project
 * adds NOTIFY_PAYLOAD_CRASHED so that the host learns the signal as a
 * number (vm info, vm run-app's exit status 128 + signal).
 */
#ifndef MDROID_AIDL_IVIRTUALMACHINESERVICE_H
#define MDROID_AIDL_IVIRTUALMACHINESERVICE_H

#include <android/binder_ibinder.h>

#define IVIRTUALMACHINESERVICE_DESCRIPTOR                                                          \
	"android.system.virtualmachineservice.IVirtualMachineService"

enum ivms_code {
	IVMS_NOTIFY_PAYLOAD_STARTED = FIRST_CALL_TRANSACTION + 0,
	IVMS_NOTIFY_PAYLOAD_READY = FIRST_CALL_TRANSACTION + 1,
	IVMS_NOTIFY_PAYLOAD_FINISHED = FIRST_CALL_TRANSACTION + 2,
	IVMS_NOTIFY_ERROR = FIRST_CALL_TRANSACTION + 3,
	IVMS_NOTIFY_PAYLOAD_CRASHED = FIRST_CALL_TRANSACTION + 16,
};

/* ErrorCode of NOTIFY_ERROR: AVF's numbers (same as vm_state.h's vm_error_code). */
enum ivms_error_code {
	IVMS_ERROR_UNKNOWN = 0,
	IVMS_ERROR_PAYLOAD_VERIFICATION_FAILED = 1,
	IVMS_ERROR_PAYLOAD_CHANGED = 2,
	IVMS_ERROR_PAYLOAD_INVALID_CONFIG = 3,
};

/* The longest error message the host keeps (longer ones are cut). */
#define IVMS_MESSAGE_MAX 1024

#endif
