/*
 * sandbox.h - per-thread seccomp filters.
 *
 * Once a VM is built, each mvm thread narrows the system calls it may
 * make to what its loop needs, before it touches guest-controlled data:
 *   - a vCPU thread: KVM_RUN and the register reads of its own vCPU, an
 *     interrupt line on the VM, writing console output, futexes, and
 *     leaving;
 *   - the main thread: polling and reading its console, signalfd and
 *     eventfd, an interrupt line, terminal restore, kicking and joining
 *     vCPU threads, and the teardown (close, munmap).
 * Anything else raises SIGSYS; the handler names the system call on
 * stderr and ends mvm with MVM_EXIT_ERROR, so a missing rule is a clear
 * report, not a mystery.  MVM_SECCOMP=0 turns the filters off (for
 * debugging with strace and the like).
 */
#ifndef MVM_SANDBOX_H
#define MVM_SANDBOX_H

#include "../lib/common/error.h"

/* Filter for a vCPU thread; call on that thread.  Returns 0 or -errno. */
int sandbox_vcpu_thread(struct error *e);

/* Filter for the main thread's event loop; call on it.  Returns 0 or -errno. */
int sandbox_main_thread(struct error *e);

#endif
