/*
 * empty.c - the payload of `vm run-microdroid`: it says it is ready and
 * then does nothing until the VM is stopped (the host stops the VM; the
 * payload never returns on its own).
 */
#include <unistd.h>

#include "vm_payload.h"

int AVmPayload_main(void)
{
	AVmPayload_notifyPayloadReady();
	for (;;)
		pause();
}
