/*
 * guest_input.h - the bounds on what a guest tells virtmgr through
 * IVirtualMachineService (lib/aidl/ivirtualmachineservice.h).
 *
 * The guest is not trusted: an exit code must be 0-255, a signal 1-64, an
 * error code is kept as the guest sent it (unknown codes die as
 * PAYLOAD_ERROR), and a message is cut to IVMS_MESSAGE_MAX bytes at a
 * character boundary with its control characters replaced, so that it is
 * one printable line in virtmgr's log and in `vm info`.  The message
 * arrives as valid UTF-8 (the parcel reader checks the UTF-16 it came in).
 * Pure: no I/O.
 */
#ifndef MDROID_VIRTMGR_GUEST_INPUT_H
#define MDROID_VIRTMGR_GUEST_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_EXIT_CODE_MAX 255
#define GUEST_SIGNAL_MAX 64

bool guest_exit_code_valid(int32_t code);
bool guest_signal_valid(int32_t sig);

/*
 * Make the NUL-terminated UTF-8 @msg fit for keeping, in place: cut it to at
 * most IVMS_MESSAGE_MAX bytes without splitting a character, and replace
 * each ASCII control character (tab and newline included) with a space.
 */
void guest_message_clean(char *msg);

#endif
