/*
 * vm_state.h - the life cycle of one VM, as virtmgr tracks it.
 *
 * States and their order follow AVF (the numbers are AVF's):
 *
 *   NOT_STARTED -> STARTING -> STARTED -> READY -> FINISHED
 *                                  \________________/^
 *   and DEAD from any state but DEAD itself.
 *
 *   STARTING   mvm is running, the payload has not started yet
 *   STARTED    microdroid_manager reported the payload started
 *   READY      the payload said it is ready to serve
 *   FINISHED   the payload returned (exit code kept); the VM still runs
 *   DEAD       mvm is gone; the death reason says why
 *
 * A payload may finish without ever saying it is ready (STARTED ->
 * FINISHED).  Every other move is refused with -EINVAL, so a confused or
 * hostile guest cannot, say, report READY after FINISHED.  Death reasons
 * reuse AVF's numbers where AVF has the reason, and numbers from 100 for
 * the ones it has not.
 *
 * Not thread-safe: virtmgr holds its lock around these.
 */
#ifndef MDROID_VIRTMGR_VM_STATE_H
#define MDROID_VIRTMGR_VM_STATE_H

#include <stdbool.h>

#include "lib/common/error.h"

enum vm_state {
	VM_STATE_NOT_STARTED = 0,
	VM_STATE_STARTING = 1,
	VM_STATE_STARTED = 2,
	VM_STATE_READY = 3,
	VM_STATE_FINISHED = 4,
	VM_STATE_DEAD = 5,
};

enum vm_death_reason {
	VM_DEATH_INFRASTRUCTURE_ERROR = 0,    /* virtmgr lost track of mvm (waiting failed) */
	VM_DEATH_KILLED = 1,		      /* mvm was stopped by a signal: Ctrl-C, `vm stop` */
	VM_DEATH_UNKNOWN = 2,		      /* mvm ended in a way not listed here */
	VM_DEATH_SHUTDOWN = 3,		      /* the guest powered off, e.g. after its payload */
	VM_DEATH_START_FAILED = 4,	      /* mvm could not start (or keep running) the VM */
	VM_DEATH_REBOOT = 5,		      /* the guest reset: reboot, or panic with panic=-1 */
	VM_DEATH_CRASH = 6,		      /* triple fault, KVM error, or mvm itself crashed */
	VM_DEATH_PAYLOAD_CONNECT_FAILED = 11, /* the guest could not reach virtmgr */
	VM_DEATH_PAYLOAD_CHANGED = 12,	      /* not the payload this instance first ran */
	VM_DEATH_PAYLOAD_VERIFICATION_FAILED = 13, /* the package failed its checks */
	VM_DEATH_PAYLOAD_INVALID_CONFIG = 14,	   /* vm_config.json was refused */
	VM_DEATH_PAYLOAD_ERROR = 15,		   /* microdroid_manager failed otherwise */
	VM_DEATH_KERNEL_PANIC = 100,		   /* the guest's console showed a panic */
	VM_DEATH_BOOT_TIMEOUT = 101,		   /* the payload did not start in time */
	VM_DEATH_PAYLOAD_CRASHED = 102,		   /* the payload was killed by a signal */
};

/* IVirtualMachineService's ErrorCode, as the guest reports it with notifyError. */
enum vm_error_code {
	VM_ERROR_UNKNOWN = 0,
	VM_ERROR_PAYLOAD_VERIFICATION_FAILED = 1,
	VM_ERROR_PAYLOAD_CHANGED = 2,
	VM_ERROR_PAYLOAD_INVALID_CONFIG = 3,
};

struct vm_status {
	enum vm_state state;
	enum vm_death_reason death_reason; /* meaningful once DEAD */
	bool payload_exited;		   /* payload_exit_code is set */
	int payload_exit_code;
};

/* NOT_STARTED, nothing else known. */
void vm_status_init(struct vm_status *s);

/* Is @from -> @to a move the life cycle allows? */
bool vm_state_can_move(enum vm_state from, enum vm_state to);

/*
 * Move @s to @to (STARTING, STARTED or READY).  -EINVAL, with both states
 * named in @e, if the life cycle does not allow it; use
 * vm_status_payload_finished() and vm_status_die() for the last two states.
 */
int vm_status_move(struct vm_status *s, enum vm_state to, struct error *e);

/* The payload returned @exit_code: move to FINISHED.  -EINVAL unless STARTED or READY. */
int vm_status_payload_finished(struct vm_status *s, int exit_code, struct error *e);

/* mvm is gone: move to DEAD with @reason.  -EINVAL if already DEAD. */
int vm_status_die(struct vm_status *s, enum vm_death_reason reason, struct error *e);

/* Why a VM died, from mvm's wait status (waitpid(2)) and its exit codes (vmm/exitcode.h). */
enum vm_death_reason vm_death_reason_from_wait(int wstatus);

/* The death reason that goes with an ErrorCode the guest reported. */
enum vm_death_reason vm_death_reason_from_error(int error_code);

/* "NOT_STARTED", ..., "DEAD"; "SHUTDOWN", ...: AVF's names, for printing. */
const char *vm_state_name(enum vm_state state);
const char *vm_death_reason_name(enum vm_death_reason reason);

#endif
