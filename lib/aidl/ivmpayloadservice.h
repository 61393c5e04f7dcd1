/*
 * ivmpayloadservice.h - IVmPayloadService, what a payload's libvm_payload
 * calls on microdroid_manager inside the guest (AVF's
 * android.system.virtualization.payload.IVmPayloadService).
 *
 * Transport: RPC Binder over the Unix socket
 * MICRODROID_PAYLOAD_SERVICE_SOCKET (microdroid.h); the root object is the
 * service.  Two-way AIDL calls: interface token, arguments; the reply is a
 * status header, then the return value if the status is EX_NONE.
 *
 *   code                          arguments              returns
 *   NOTIFY_PAYLOAD_READY          -                      -
 *   GET_VM_INSTANCE_SECRET        byte[] identifier,     byte[size]
 *                                 int32 size (1-32)
 *   GET_DICE_ATTESTATION_CHAIN    -                      byte[]
 *   GET_DICE_ATTESTATION_CDI      -                      byte[]
 *
 * Until the DICE chain exists (the trust issue), the last three answer
 * EX_SERVICE_SPECIFIC with IVPS_ERROR_NOT_AVAILABLE and a message saying
 * so; they never make up a secret.
 */
#ifndef MDROID_AIDL_IVMPAYLOADSERVICE_H
#define MDROID_AIDL_IVMPAYLOADSERVICE_H

#include <android/binder_ibinder.h>

#define IVMPAYLOADSERVICE_DESCRIPTOR "android.system.virtualization.payload.IVmPayloadService"

enum ivps_code {
	IVPS_NOTIFY_PAYLOAD_READY = FIRST_CALL_TRANSACTION + 0,
	IVPS_GET_VM_INSTANCE_SECRET = FIRST_CALL_TRANSACTION + 1,
	IVPS_GET_DICE_ATTESTATION_CHAIN = FIRST_CALL_TRANSACTION + 2,
	IVPS_GET_DICE_ATTESTATION_CDI = FIRST_CALL_TRANSACTION + 3,
};

/* Service-specific error: the VM has no secrets yet (no DICE chain). */
#define IVPS_ERROR_NOT_AVAILABLE 1
#define IVPS_SECRET_MAX 32
#define IVPS_IDENTIFIER_MAX 1024

#endif
