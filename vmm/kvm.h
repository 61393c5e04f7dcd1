/*
 * kvm.h - the host's KVM: opening /dev/kvm and asking what it offers.
 */
#ifndef MVM_KVM_H
#define MVM_KVM_H

#include <linux/kvm.h>

#include "../lib/common/error.h"

#define KVM_DEVICE_PATH "/dev/kvm"

/* The KVM device to open: $MVM_KVM_DEVICE if set (for tests), else /dev/kvm. */
const char *kvm_device_path(void);

/*
 * Open /dev/kvm and check the API version and every capability mvm relies
 * on (in-kernel irqchip and PIT, user memory, TSS address, extended CPUID,
 * immediate exit).  Returns the fd, or -errno with a reason that tells the
 * user what to do ("not found: is the kvm module loaded?", "permission
 * denied: add yourself to the kvm group", "lacks capability X").
 */
int kvm_open(struct error *e);

/* Value of KVM_CHECK_EXTENSION(@cap) on @fd (a /dev/kvm or VM fd); 0 if absent. */
int kvm_cap(int fd, long cap);

/*
 * KVM_GET_SUPPORTED_CPUID, growing the buffer as needed.  On success
 * *out is a malloc'd struct the caller frees.
 */
int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out, struct error *e);

#endif
