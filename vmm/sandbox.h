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

/*
 * What a virtio device's worker thread may do, besides the basics every
 * worker needs (epoll, eventfds, reading and writing its descriptors,
 * futexes, memory, an interrupt line, getrandom, leaving):
 */
enum sandbox_device {
	SANDBOX_DEVICE_BASIC,  /* nothing more (rng, console) */
	SANDBOX_DEVICE_DISK,   /* positioned I/O, flush, discard on its image files */
	SANDBOX_DEVICE_SOCKET, /* Unix-domain sockets: connect, accept, shutdown */
};

/* Filter for a vCPU thread; call on that thread.  Returns 0 or -errno. */
int sandbox_vcpu_thread(struct error *e);

/* Filter for the main thread's event loop; call on it.  Returns 0 or -errno. */
int sandbox_main_thread(struct error *e);

/* Filter for a device worker with @profile (enum sandbox_device); call on it. */
int sandbox_device_thread(unsigned int profile, struct error *e);

#endif
