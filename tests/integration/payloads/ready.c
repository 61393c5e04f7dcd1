/* ready - a test payload that tells the host it is ready (libvm_payload), then exits 0. */
#include <stdio.h>

#include "vm_payload.h"

int AVmPayload_main(void);

int AVmPayload_main(void)
{
	AVmPayload_notifyPayloadReady();
	printf("ready: notified\n");
	return 0;
}
