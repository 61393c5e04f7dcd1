/* vm_state.c - see vm_state.h. */
#include "vm_state.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "vmm/exitcode.h"

const char *vm_state_name(enum vm_state state)
{
	switch (state) {
	case VM_STATE_NOT_STARTED:
		return "NOT_STARTED";
	case VM_STATE_STARTING:
		return "STARTING";
	case VM_STATE_STARTED:
		return "STARTED";
	case VM_STATE_READY:
		return "READY";
	case VM_STATE_FINISHED:
		return "FINISHED";
	case VM_STATE_DEAD:
		return "DEAD";
	}
	return "INVALID";
}

const char *vm_death_reason_name(enum vm_death_reason reason)
{
	switch (reason) {
	case VM_DEATH_INFRASTRUCTURE_ERROR:
		return "INFRASTRUCTURE_ERROR";
	case VM_DEATH_KILLED:
		return "KILLED";
	case VM_DEATH_UNKNOWN:
		return "UNKNOWN";
	case VM_DEATH_SHUTDOWN:
		return "SHUTDOWN";
	case VM_DEATH_START_FAILED:
		return "START_FAILED";
	case VM_DEATH_REBOOT:
		return "REBOOT";
	case VM_DEATH_CRASH:
		return "CRASH";
	case VM_DEATH_PAYLOAD_CONNECT_FAILED:
		return "PAYLOAD_CONNECT_FAILED";
	case VM_DEATH_PAYLOAD_CHANGED:
		return "PAYLOAD_CHANGED";
	case VM_DEATH_PAYLOAD_VERIFICATION_FAILED:
		return "PAYLOAD_VERIFICATION_FAILED";
	case VM_DEATH_PAYLOAD_INVALID_CONFIG:
		return "PAYLOAD_INVALID_CONFIG";
	case VM_DEATH_PAYLOAD_ERROR:
		return "PAYLOAD_ERROR";
	case VM_DEATH_KERNEL_PANIC:
		return "KERNEL_PANIC";
	case VM_DEATH_BOOT_TIMEOUT:
		return "BOOT_TIMEOUT";
	case VM_DEATH_PAYLOAD_CRASHED:
		return "PAYLOAD_CRASHED";
	}
	return "INVALID";
}

void vm_status_init(struct vm_status *s)
{
	*s = (struct vm_status){.state = VM_STATE_NOT_STARTED, .death_reason = VM_DEATH_UNKNOWN};
}

bool vm_state_can_move(enum vm_state from, enum vm_state to)
{
	switch (to) {
	case VM_STATE_STARTING:
		return from == VM_STATE_NOT_STARTED;
	case VM_STATE_STARTED:
		return from == VM_STATE_STARTING;
	case VM_STATE_READY:
		return from == VM_STATE_STARTED;
	case VM_STATE_FINISHED:
		return from == VM_STATE_STARTED || from == VM_STATE_READY;
	case VM_STATE_DEAD:
		return from >= VM_STATE_NOT_STARTED && from < VM_STATE_DEAD;
	case VM_STATE_NOT_STARTED:
		break;
	}
	return false;
}

static int refuse(const struct vm_status *s, enum vm_state to, struct error *e)
{
	return error_set(e, -EINVAL, "a VM cannot go from %s to %s", vm_state_name(s->state),
			 vm_state_name(to));
}

int vm_status_move(struct vm_status *s, enum vm_state to, struct error *e)
{
	if (to == VM_STATE_FINISHED || to == VM_STATE_DEAD || !vm_state_can_move(s->state, to))
		return refuse(s, to, e);
	s->state = to;
	return 0;
}

int vm_status_payload_finished(struct vm_status *s, int exit_code, struct error *e)
{
	if (!vm_state_can_move(s->state, VM_STATE_FINISHED))
		return refuse(s, VM_STATE_FINISHED, e);
	s->state = VM_STATE_FINISHED;
	s->payload_exited = true;
	s->payload_exit_code = exit_code;
	return 0;
}

int vm_status_die(struct vm_status *s, enum vm_death_reason reason, struct error *e)
{
	if (!vm_state_can_move(s->state, VM_STATE_DEAD))
		return refuse(s, VM_STATE_DEAD, e);
	s->state = VM_STATE_DEAD;
	s->death_reason = reason;
	return 0;
}

enum vm_death_reason vm_death_reason_from_wait(int wstatus)
{
	if (WIFSIGNALED(wstatus)) {
		switch (WTERMSIG(wstatus)) {
		case SIGKILL:
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
			return VM_DEATH_KILLED;
		default: /* SIGSEGV, SIGABRT, SIGSYS (seccomp), ... */
			return VM_DEATH_CRASH;
		}
	}
	if (!WIFEXITED(wstatus))
		return VM_DEATH_UNKNOWN;
	switch (WEXITSTATUS(wstatus)) {
	case MVM_EXIT_POWEROFF:
		return VM_DEATH_SHUTDOWN;
	case MVM_EXIT_ERROR:
	case MVM_EXIT_USAGE:
		return VM_DEATH_START_FAILED;
	case MVM_EXIT_RESET:
		return VM_DEATH_REBOOT;
	case MVM_EXIT_TRIPLE_FAULT:
	case MVM_EXIT_INTERNAL:
		return VM_DEATH_CRASH;
	case MVM_EXIT_SIGINT:
	case MVM_EXIT_SIGTERM:
		return VM_DEATH_KILLED;
	default:
		return VM_DEATH_UNKNOWN;
	}
}

enum vm_death_reason vm_death_reason_from_error(int error_code)
{
	switch (error_code) {
	case VM_ERROR_PAYLOAD_VERIFICATION_FAILED:
		return VM_DEATH_PAYLOAD_VERIFICATION_FAILED;
	case VM_ERROR_PAYLOAD_CHANGED:
		return VM_DEATH_PAYLOAD_CHANGED;
	case VM_ERROR_PAYLOAD_INVALID_CONFIG:
		return VM_DEATH_PAYLOAD_INVALID_CONFIG;
	default:
		return VM_DEATH_PAYLOAD_ERROR;
	}
}
