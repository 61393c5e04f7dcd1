/*
 * exitcode.h - how an mvm process ends.  These are mvm's exit statuses and
 * part of its interface (documented in `mvm --help` and docs/mvm.md).
 */
#ifndef MVM_EXITCODE_H
#define MVM_EXITCODE_H

enum mvm_exit {
	MVM_EXIT_POWEROFF = 0,      /* the guest powered off (ACPI S5) */
	MVM_EXIT_ERROR = 1,         /* mvm could not start or keep running the VM */
	MVM_EXIT_USAGE = 2,         /* bad command line */
	MVM_EXIT_RESET = 3,         /* the guest reset itself (i8042 reset line) */
	MVM_EXIT_TRIPLE_FAULT = 4,  /* the guest triple-faulted (KVM_EXIT_SHUTDOWN) */
	MVM_EXIT_INTERNAL = 5,      /* KVM internal/emulation error or an unexpected exit */
	MVM_EXIT_SIGINT = 130,      /* mvm got SIGINT (or the console escape Ctrl-A x) */
	MVM_EXIT_SIGTERM = 143,     /* mvm got SIGTERM */
};

/*
 * A device's way to end the VM: devices get a function and an opaque
 * pointer rather than the VM itself, which keeps them testable alone.
 */
struct vm_exit_notifier {
	void (*request_exit)(void *opaque, enum mvm_exit code, const char *why);
	void *opaque;
};

#endif
