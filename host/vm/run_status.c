/* run_status.c - run-app's exit status (run_app.h). */
#include "run_app.h"

int run_exit_status(const struct run_outcome *o)
{
	if (o->finished)
		return o->exit_code & 0xff;
	if (o->crash_signal > 0)
		return 128 + o->crash_signal;
	if (o->interrupted > 0)
		return 128 + o->interrupted;
	if (o->error)
		return VM_EXIT_VM_FAILED;
	if (o->lost)
		return VM_EXIT_LOST;
	return VM_EXIT_VM_DIED;
}
