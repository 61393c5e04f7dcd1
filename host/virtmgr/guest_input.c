/* guest_input.c - see guest_input.h. */
#include "guest_input.h"

#include <string.h>

#include "lib/aidl/ivirtualmachineservice.h"

bool guest_exit_code_valid(int32_t code)
{
	return code >= 0 && code <= GUEST_EXIT_CODE_MAX;
}

bool guest_signal_valid(int32_t sig)
{
	return sig >= 1 && sig <= GUEST_SIGNAL_MAX;
}

void guest_message_clean(char *msg)
{
	size_t n = strlen(msg);

	if (n > IVMS_MESSAGE_MAX) {
		n = IVMS_MESSAGE_MAX;
		/* Back off continuation bytes (10xxxxxx) to the start of a character. */
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
		msg[n] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
}
