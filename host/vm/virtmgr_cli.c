/* virtmgr_cli.c - see virtmgr_cli.h. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "virtmgr_cli.h"

int vm_connect(const char *cmd, bool no_start, struct vmclient **c)
{
	struct vmclient_options opts = {.no_start = no_start};
	struct error e = {{0}};
	int r = vmclient_connect(&opts, c, &e);

	*c = r < 0 ? NULL : *c;
	if (no_start && (r == -ENOENT || r == -ECONNREFUSED))
		return VM_EXIT_OK;
	if (r < 0)
		return vm_fail(cmd, "%s", e.msg);
	return VM_EXIT_OK;
}

const char *vm_error_code_name(int code)
{
	switch (code) {
	case IVMS_ERROR_UNKNOWN:
		return "UNKNOWN";
	case IVMS_ERROR_PAYLOAD_VERIFICATION_FAILED:
		return "PAYLOAD_VERIFICATION_FAILED";
	case IVMS_ERROR_PAYLOAD_CHANGED:
		return "PAYLOAD_CHANGED";
	case IVMS_ERROR_PAYLOAD_INVALID_CONFIG:
		return "PAYLOAD_INVALID_CONFIG";
	default:
		return "UNKNOWN";
	}
}

void vm_print_event(FILE *out, const char *name, int32_t cid, const struct vmclient_event *ev)
{
	const char *sig;

	fprintf(out, "vm: %s (cid %d): ", name, cid);
	switch (ev->type) {
	case VMCLIENT_EVENT_FINISHED:
		fprintf(out, "FINISHED, exit code %d\n", ev->value);
		break;
	case VMCLIENT_EVENT_CRASHED:
		sig = sigabbrev_np(ev->value);
		fprintf(out, "CRASHED, signal %d%s%s%s\n", ev->value, sig ? " (SIG" : "",
			sig ? sig : "", sig ? ")" : "");
		break;
	case VMCLIENT_EVENT_ERROR:
		fprintf(out, "ERROR (%s): %s\n", vm_error_code_name(ev->value),
			ev->message[0] ? ev->message : "(no message)");
		break;
	case VMCLIENT_EVENT_DIED:
		fprintf(out, "DEAD (%s)\n", vm_death_reason_name(ev->value));
		break;
	case VMCLIENT_EVENT_LOST:
		fprintf(out, "the connection with virtmgr was lost\n");
		break;
	default:
		fprintf(out, "%s\n", vmclient_event_name(ev->type));
		break;
	}
	fflush(out);
}
