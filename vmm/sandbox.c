/* sandbox.c - per-thread seccomp filters; see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exitcode.h"

static const int vcpu_syscalls[] = {
	SCMP_SYS(write),	SCMP_SYS(futex),     SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit),    SCMP_SYS(exit_group),
	SCMP_SYS(madvise),	SCMP_SYS(munmap),    SCMP_SYS(rseq),
	SCMP_SYS(set_robust_list), SCMP_SYS(sched_yield), SCMP_SYS(getpid),
	SCMP_SYS(gettid),	SCMP_SYS(tgkill),	SCMP_SYS(sigaltstack),
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS, KVM_IRQ_LINE,
	KVM_GET_MP_STATE, KVM_GET_VCPU_EVENTS, /* the SIGQUIT and crash dumps */
};

static const int main_syscalls[] = {
	SCMP_SYS(read),		SCMP_SYS(write),	SCMP_SYS(poll),
	SCMP_SYS(ppoll),	SCMP_SYS(close),	SCMP_SYS(munmap),
	SCMP_SYS(futex),	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(tgkill),	SCMP_SYS(getpid),
	SCMP_SYS(gettid),	SCMP_SYS(exit),		SCMP_SYS(exit_group),
	SCMP_SYS(madvise),	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(newfstatat),	SCMP_SYS(fstat),	SCMP_SYS(lseek),
	SCMP_SYS(brk),		SCMP_SYS(mmap),		SCMP_SYS(mprotect),
	SCMP_SYS(sched_yield),	SCMP_SYS(sigaltstack),
	SCMP_SYS(unlink), /* teardown: virtio-vsock removes the socket file it created */
};

static const unsigned long main_ioctls[] = {
	KVM_IRQ_LINE, TCGETS, TCSETS, TCSETSW, TCSETSF,
};

static const int device_syscalls[] = {
	SCMP_SYS(epoll_wait),	SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(read),		SCMP_SYS(write),	SCMP_SYS(readv),
	SCMP_SYS(writev),	SCMP_SYS(close),	SCMP_SYS(futex),
	SCMP_SYS(getrandom),	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(exit),		SCMP_SYS(exit_group),	SCMP_SYS(madvise),
	SCMP_SYS(munmap),	SCMP_SYS(mmap),		SCMP_SYS(mprotect),
	SCMP_SYS(brk),		SCMP_SYS(clock_gettime), SCMP_SYS(getpid),
	SCMP_SYS(gettid),	SCMP_SYS(tgkill),	SCMP_SYS(sched_yield),
	SCMP_SYS(rseq),		SCMP_SYS(set_robust_list), SCMP_SYS(fcntl),
};

static const int disk_syscalls[] = {
	SCMP_SYS(pread64),   SCMP_SYS(pwrite64),  SCMP_SYS(preadv),
	SCMP_SYS(pwritev),   SCMP_SYS(preadv2),   SCMP_SYS(pwritev2),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync),	  SCMP_SYS(fallocate),
	SCMP_SYS(lseek),     SCMP_SYS(fstat),	  SCMP_SYS(newfstatat),
};

static const int socket_syscalls[] = {
	SCMP_SYS(connect),  SCMP_SYS(accept4),	  SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(sendto),   SCMP_SYS(sendmsg),	  SCMP_SYS(shutdown), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(timerfd_settime), /* virtio-vsock: CONNECT deadlines */
};

static const unsigned long device_ioctls[] = {
	KVM_IRQ_LINE, FIONBIO,
};

static void sandbox_write(const char *s, size_t n)
{
	if (write(STDERR_FILENO, s, n) < 0)
		_exit(MVM_EXIT_ERROR);
}

static void sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	static const char prefix[] = "mvm: seccomp blocked system call ";
	static const char hint[] = " (scmp_sys_resolver names it); MVM_SECCOMP=0 disables the filters\n";
	char num[12];
	int n = sizeof(num), v = si->si_syscall;

	(void)sig;
	(void)ctx;
	/* Async-signal-safe: no stdio, no allocation. */
	do {
		num[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n > 0);
	sandbox_write(prefix, sizeof(prefix) - 1);
	sandbox_write(num + n, sizeof(num) - (size_t)n);
	sandbox_write(hint, sizeof(hint) - 1);
	_exit(MVM_EXIT_ERROR);
}

static bool sandbox_disabled(void)
{
	const char *v = getenv("MVM_SECCOMP");

	return v && !strcmp(v, "0");
}

struct sandbox_extra {
	const int *syscalls;
	size_t nr;
	bool unix_sockets; /* socket(AF_UNIX, ...) */
};

static int sandbox_load_extra(const int *syscalls, size_t nr_syscalls, const unsigned long *ioctls,
			      size_t nr_ioctls, const struct sandbox_extra *extra, const char *who,
			      struct error *e);

static int sandbox_load(const int *syscalls, size_t nr_syscalls, const unsigned long *ioctls,
			size_t nr_ioctls, const char *who, struct error *e)
{
	return sandbox_load_extra(syscalls, nr_syscalls, ioctls, nr_ioctls, NULL, who, e);
}

static int sandbox_load_extra(const int *syscalls, size_t nr_syscalls, const unsigned long *ioctls,
			      size_t nr_ioctls, const struct sandbox_extra *extra, const char *who,
			      struct error *e)
{
	struct sigaction sa = {.sa_sigaction = sandbox_sigsys, .sa_flags = SA_SIGINFO};
	scmp_filter_ctx ctx;
	size_t i;
	int err = 0;

	if (sandbox_disabled())
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return error_set(e, -errno, "sigaction(SIGSYS): %s", strerror(errno));
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return error_set(e, -ENOMEM, "seccomp_init failed");
	for (i = 0; i < nr_syscalls && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscalls[i], 0);
	for (i = 0; i < nr_ioctls && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, ioctls[i]));
	for (i = 0; extra && i < extra->nr && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, extra->syscalls[i], 0);
	if (extra && extra->unix_sockets && !err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err)
		return error_set(e, err, "cannot install the %s seccomp filter: %s", who,
				 strerror(-err));
	return 0;
}

int sandbox_vcpu_thread(struct error *e)
{
	return sandbox_load(vcpu_syscalls, sizeof(vcpu_syscalls) / sizeof(vcpu_syscalls[0]),
			    vcpu_ioctls, sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]), "vCPU", e);
}

int sandbox_main_thread(struct error *e)
{
	return sandbox_load(main_syscalls, sizeof(main_syscalls) / sizeof(main_syscalls[0]),
			    main_ioctls, sizeof(main_ioctls) / sizeof(main_ioctls[0]), "main", e);
}

int sandbox_device_thread(unsigned int profile, struct error *e)
{
	struct sandbox_extra extra = {0};

	switch (profile) {
	case SANDBOX_DEVICE_BASIC:
		break;
	case SANDBOX_DEVICE_DISK:
		extra.syscalls = disk_syscalls;
		extra.nr = sizeof(disk_syscalls) / sizeof(disk_syscalls[0]);
		break;
	case SANDBOX_DEVICE_SOCKET:
		extra.syscalls = socket_syscalls;
		extra.nr = sizeof(socket_syscalls) / sizeof(socket_syscalls[0]);
		extra.unix_sockets = true;
		break;
	default:
		return error_set(e, -EINVAL, "unknown device sandbox profile %u", profile);
	}
	return sandbox_load_extra(device_syscalls, sizeof(device_syscalls) / sizeof(device_syscalls[0]),
				  device_ioctls, sizeof(device_ioctls) / sizeof(device_ioctls[0]),
				  &extra, "device", e);
}
