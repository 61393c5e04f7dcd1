/*
 * attestation.c - remote attestation: not supported here (there is no
 * DICE chain and no remote key provisioning), so no result ever exists.
 */
#include <stddef.h>

#include "vm_payload.h"
#include "vm_payload_restricted.h"
#include "vmp.h"

#define CHALLENGE_MAX 64 /* AVF's limit */

static AVmAttestationStatus refuse(const void *challenge, size_t challenge_size,
				   AVmAttestationResult **result)
{
	if (result)
		*result = NULL;
	if (challenge_size > CHALLENGE_MAX || (!challenge && challenge_size))
		return ATTESTATION_ERROR_INVALID_CHALLENGE;
	return ATTESTATION_ERROR_UNSUPPORTED;
}

AVmAttestationStatus AVmPayload_requestAttestation(const void *challenge, size_t challenge_size,
						   AVmAttestationResult **result)
{
	return refuse(challenge, challenge_size, result);
}

AVmAttestationStatus AVmPayload_requestAttestationForTesting(const void *challenge,
							     size_t challenge_size,
							     AVmAttestationResult **result)
{
	return refuse(challenge, challenge_size, result);
}

const char *AVmAttestationStatus_toString(AVmAttestationStatus status)
{
	switch (status) {
	case ATTESTATION_OK:
		return "ATTESTATION_OK";
	case ATTESTATION_ERROR_INVALID_CHALLENGE:
		return "ATTESTATION_ERROR_INVALID_CHALLENGE";
	case ATTESTATION_ERROR_ATTESTATION_FAILED:
		return "ATTESTATION_ERROR_ATTESTATION_FAILED";
	case ATTESTATION_ERROR_UNSUPPORTED:
		return "ATTESTATION_ERROR_UNSUPPORTED";
	}
	return "ATTESTATION_ERROR_UNKNOWN";
}

void AVmAttestationResult_free(AVmAttestationResult *result)
{
	if (result)
		vmp_fail("AVmAttestationResult_free: not an attestation result (none exist here)");
}

static __attribute__((noreturn)) void no_result(const char *what)
{
	vmp_fail("%s: not an attestation result (attestation is not supported here)", what);
}

size_t AVmAttestationResult_getPrivateKey(const AVmAttestationResult *result, void *data,
					  size_t size)
{
	(void)result, (void)data, (void)size;
	no_result("AVmAttestationResult_getPrivateKey");
}

size_t AVmAttestationResult_sign(const AVmAttestationResult *result, const void *message,
				 size_t message_size, void *data, size_t size)
{
	(void)result, (void)message, (void)message_size, (void)data, (void)size;
	no_result("AVmAttestationResult_sign");
}

size_t AVmAttestationResult_getCertificateCount(const AVmAttestationResult *result)
{
	(void)result;
	no_result("AVmAttestationResult_getCertificateCount");
}

size_t AVmAttestationResult_getCertificateAt(const AVmAttestationResult *result, size_t index,
					     void *data, size_t size)
{
	(void)result, (void)index, (void)data, (void)size;
	no_result("AVmAttestationResult_getCertificateAt");
}
