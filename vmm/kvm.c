/* kvm.c - see kvm.h. */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct {
	long cap;
	const char *name;
} kvm_required_caps[] = {
	{KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	{KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	{KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
	{KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
	{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	{KVM_CAP_IRQ_INJECT_STATUS, "KVM_CAP_IRQ_INJECT_STATUS"},
};

int kvm_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

const char *kvm_device_path(void)
{
	const char *p = getenv("MVM_KVM_DEVICE");

	return p && *p ? p : KVM_DEVICE_PATH;
}

int kvm_open(struct error *e)
{
	const char *path = kvm_device_path();
	size_t i;
	int fd, ver, err;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return error_set(e, err, "%s not found: KVM is not available on this host "
					 "(is the kvm-intel or kvm-amd module loaded?)", path);
		if (err == -EACCES || err == -EPERM)
			return error_set(e, err, "no permission to open %s (add your user to the "
					 "group that owns it, usually 'kvm')", path);
		return error_set(e, err, "cannot open %s: %s", path, strerror(-err));
	}
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		close(fd);
		return error_set(e, -ENOTSUP, "%s speaks KVM API %d, mvm needs %d", path,
				 ver, KVM_API_VERSION);
	}
	for (i = 0; i < sizeof(kvm_required_caps) / sizeof(kvm_required_caps[0]); i++) {
		if (!kvm_cap(fd, kvm_required_caps[i].cap)) {
			close(fd);
			return error_set(e, -ENOTSUP, "this host's KVM lacks %s, which mvm needs",
					 kvm_required_caps[i].name);
		}
	}
	return fd;
}

int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out, struct error *e)
{
	unsigned int nent = 64;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		int err;

		if (!c)
			return error_set(e, -ENOMEM, "out of memory for CPUID");
		c->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return 0;
		}
		err = -errno;
		free(c);
		if (err != -E2BIG || nent >= 4096)
			return error_set(e, err, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-err));
		nent *= 2;
	}
}
