/*
 * payload.c - readiness and the payload's paths.
 */
#include <stddef.h>

#include "lib/aidl/ivmpayloadservice.h"
#include "lib/aidl/microdroid.h"
#include "vm_payload.h"
#include "vmp.h"

void AVmPayload_notifyPayloadReady(void)
{
	struct error e;

	if (vmp_call(IVPS_NOTIFY_PAYLOAD_READY, NULL, NULL, NULL, &e))
		vmp_fail("notifyPayloadReady: %s", e.msg);
}

const char *AVmPayload_getApkContentsPath(void)
{
	return MICRODROID_APK_MOUNT;
}

const char *AVmPayload_getEncryptedStoragePath(void)
{
	return NULL; /* no encrypted storage yet */
}
