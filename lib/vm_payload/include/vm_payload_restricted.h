/*
 * vm_payload_restricted.h - the calls AVF restricts to VMs started from a
 * config file (debugging and tests), as in AVF's header of that name.
 *
 * Both would copy min(@size, total) bytes of the VM's DICE attestation
 * chain or CDI to @data and return the total size, aborting on failure.
 * This project has no DICE chain yet: microdroid_manager answers "not
 * available" and the library prints that to stderr and aborts; @data is
 * never written.
 */
#ifndef VM_PAYLOAD_VM_PAYLOAD_RESTRICTED_H
#define VM_PAYLOAD_VM_PAYLOAD_RESTRICTED_H

#include <stddef.h>

#include "vm_payload.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t AVmPayload_getDiceAttestationChain(void *data, size_t size);
size_t AVmPayload_getDiceAttestationCdi(void *data, size_t size);

/*
 * AVF: attestation with a test key, for test VMs.  Here, like
 * AVmPayload_requestAttestation(): INVALID_CHALLENGE or UNSUPPORTED.
 */
AVmAttestationStatus AVmPayload_requestAttestationForTesting(const void *challenge,
							     size_t challenge_size,
							     AVmAttestationResult **result);

#ifdef __cplusplus
}
#endif

#endif
