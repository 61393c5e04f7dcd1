/*
 * vm_parcelables.c - VirtualMachineConfig and VirtualMachineInfo on the
 * wire (ivirtualizationservice.h has the field order).  The readers are
 * where virtmgr and its clients meet untrusted bytes, so they check every
 * range; tests/fuzz/fuzz_vm_parcelables.c runs them on random parcels.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/aidl/ivirtualizationservice.h"
#include "lib/aidl/ivirtualmachineservice.h"

/* vm_state.h's numbers, repeated here so that lib/aidl needs no host code. */
#define VM_STATE_LAST 5
#define VM_DEATH_REASON_MAX 127

#define TRY(x)                                                                                     \
	do {                                                                                       \
		binder_status_t st_ = (x);                                                         \
		if (st_ != STATUS_OK)                                                              \
			return st_;                                                                \
	} while (0)

bool vm_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > VMCONFIG_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static binder_status_t write_str(AParcel *p, const char *s)
{
	if (!s)
		s = "";
	return AParcel_writeString(p, s, (int32_t)strlen(s));
}

/* A non-null string of at most @max bytes. */
static binder_status_t read_str(const AParcel *p, char **out, size_t max)
{
	int32_t len;

	TRY(AParcel_readStringDup(p, out, &len));
	if (!*out)
		return STATUS_UNEXPECTED_NULL;
	if ((size_t)len > max || strlen(*out) != (size_t)len) {
		free(*out);
		*out = NULL;
		return STATUS_BAD_VALUE;
	}
	return STATUS_OK;
}

binder_status_t vm_config_parcel_write(AParcel *p, const struct vm_config_parcel *c)
{
	int32_t start;

	TRY(AParcel_writeParcelableStart(p, &start));
	TRY(AParcel_writeParcelFileDescriptor(p, c->package_fd));
	TRY(AParcel_writeParcelFileDescriptor(p, c->instance_fd));
	TRY(write_str(p, c->name));
	TRY(write_str(p, c->package_path));
	TRY(AParcel_writeInt32(p, c->memory_mib));
	TRY(AParcel_writeInt32(p, c->cpus));
	TRY(AParcel_writeInt32(p, c->debug_level));
	TRY(AParcel_writeInt32(p, c->boot_timeout_ms));
	return AParcel_writeParcelableEnd(p, start);
}

void vm_config_parcel_clear(struct vm_config_parcel *c)
{
	if (c->package_fd >= 0)
		close(c->package_fd);
	if (c->instance_fd >= 0)
		close(c->instance_fd);
	free(c->name);
	free(c->package_path);
	memset(c, 0, sizeof(*c));
	c->package_fd = c->instance_fd = -1;
}

static binder_status_t config_fields_read(const AParcel *p, int32_t end, struct vm_config_parcel *c)
{
	/* Every field is required: a shorter parcelable is refused. */
	TRY(AParcel_readParcelFileDescriptor(p, &c->package_fd));
	if (c->package_fd < 0)
		return STATUS_UNEXPECTED_NULL;
	TRY(AParcel_readParcelFileDescriptor(p, &c->instance_fd));
	TRY(read_str(p, &c->name, VMCONFIG_NAME_MAX));
	TRY(read_str(p, &c->package_path, VMCONFIG_PATH_MAX));
	TRY(AParcel_readInt32(p, &c->memory_mib));
	TRY(AParcel_readInt32(p, &c->cpus));
	TRY(AParcel_readInt32(p, &c->debug_level));
	TRY(AParcel_readInt32(p, &c->boot_timeout_ms));
	TRY(AParcel_readParcelableEnd(p, end));
	if (c->name[0] && !vm_name_valid(c->name))
		return STATUS_BAD_VALUE;
	if (c->memory_mib != 0 &&
	    (c->memory_mib < VMCONFIG_MIN_MEM_MIB || c->memory_mib > VMCONFIG_MAX_MEM_MIB))
		return STATUS_BAD_VALUE;
	if (c->cpus < 0 || c->cpus > VMCONFIG_MAX_CPUS)
		return STATUS_BAD_VALUE;
	if (c->debug_level != VM_DEBUG_NONE && c->debug_level != VM_DEBUG_FULL)
		return STATUS_BAD_VALUE;
	if (c->boot_timeout_ms < 0 || c->boot_timeout_ms > VMCONFIG_MAX_BOOT_TIMEOUT_MS)
		return STATUS_BAD_VALUE;
	return STATUS_OK;
}

binder_status_t vm_config_parcel_read(const AParcel *p, struct vm_config_parcel *c)
{
	binder_status_t st;
	int32_t end;

	memset(c, 0, sizeof(*c));
	c->package_fd = c->instance_fd = -1;
	st = AParcel_readParcelableStart(p, &end);
	if (st == STATUS_OK)
		st = config_fields_read(p, end, c);
	if (st != STATUS_OK)
		vm_config_parcel_clear(c);
	return st;
}

binder_status_t vm_info_parcel_write(AParcel *p, const struct vm_info_parcel *i)
{
	int32_t start;

	TRY(AParcel_writeParcelableStart(p, &start));
	TRY(AParcel_writeInt32(p, i->cid));
	TRY(write_str(p, i->name));
	TRY(AParcel_writeInt32(p, i->state));
	TRY(AParcel_writeInt32(p, i->death_reason));
	TRY(AParcel_writeInt32(p, i->payload_exit_code));
	TRY(AParcel_writeInt32(p, i->payload_signal));
	TRY(AParcel_writeInt32(p, i->error_code));
	TRY(write_str(p, i->error_message));
	TRY(AParcel_writeInt32(p, i->mvm_pid));
	TRY(AParcel_writeInt32(p, i->memory_mib));
	TRY(AParcel_writeInt32(p, i->cpus));
	TRY(write_str(p, i->package_path));
	TRY(write_str(p, i->work_dir));
	TRY(AParcel_writeInt64(p, i->start_time_ms));
	return AParcel_writeParcelableEnd(p, start);
}

void vm_info_parcel_clear(struct vm_info_parcel *i)
{
	free(i->name);
	free(i->error_message);
	free(i->package_path);
	free(i->work_dir);
	memset(i, 0, sizeof(*i));
}

static binder_status_t info_fields_read(const AParcel *p, int32_t end, struct vm_info_parcel *i)
{
	TRY(AParcel_readInt32(p, &i->cid));
	TRY(read_str(p, &i->name, VMCONFIG_NAME_MAX));
	TRY(AParcel_readInt32(p, &i->state));
	TRY(AParcel_readInt32(p, &i->death_reason));
	TRY(AParcel_readInt32(p, &i->payload_exit_code));
	TRY(AParcel_readInt32(p, &i->payload_signal));
	TRY(AParcel_readInt32(p, &i->error_code));
	TRY(read_str(p, &i->error_message, IVMS_MESSAGE_MAX));
	TRY(AParcel_readInt32(p, &i->mvm_pid));
	TRY(AParcel_readInt32(p, &i->memory_mib));
	TRY(AParcel_readInt32(p, &i->cpus));
	TRY(read_str(p, &i->package_path, VMCONFIG_PATH_MAX));
	TRY(read_str(p, &i->work_dir, VMCONFIG_PATH_MAX));
	TRY(AParcel_readInt64(p, &i->start_time_ms));
	TRY(AParcel_readParcelableEnd(p, end));
	if (i->cid < 3 || i->state < 0 || i->state > VM_STATE_LAST || i->death_reason < -1 ||
	    i->death_reason > VM_DEATH_REASON_MAX || i->payload_exit_code < -1 ||
	    i->payload_exit_code > 255 || i->payload_signal < 0 || i->payload_signal > 64 ||
	    i->error_code < -1 || i->mvm_pid < 0 || i->memory_mib < 0 || i->cpus < 0)
		return STATUS_BAD_VALUE;
	return STATUS_OK;
}

binder_status_t vm_info_parcel_read(const AParcel *p, struct vm_info_parcel *i)
{
	binder_status_t st;
	int32_t end;

	memset(i, 0, sizeof(*i));
	st = AParcel_readParcelableStart(p, &end);
	if (st == STATUS_OK)
		st = info_fields_read(p, end, i);
	if (st != STATUS_OK)
		vm_info_parcel_clear(i);
	return st;
}
