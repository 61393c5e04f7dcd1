/*
 * fuzz_vm_parcelables.c - the readers of VirtualMachineConfig and
 * VirtualMachineInfo (lib/aidl/vm_parcelables.c), which is where virtmgr
 * meets a client's bytes and a client meets virtmgr's.
 *
 * Input: byte 0 chooses the reader (bit 0: config, else info); bits 1-6 of
 * byte 1, if its top bit is set, place up to two fd objects (at positions
 * (byte1 & 0x3f) * 4 and 16 bytes further: the next ParcelFileDescriptor's)
 * backed by real fds; the rest is
 * the parcel's data.  Checked: no read goes past the data (the
 * sanitizers), a failure leaves nothing to free (LeakSanitizer) and no fd
 * open, and what reads back successfully satisfies the documented ranges
 * and survives a write/read round trip unchanged.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_parcel.h>

#include "lib/aidl/ivirtualizationservice.h"
#include "lib/binder/parcel.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void config_round_trip(struct vm_config_parcel *c)
{
	struct vm_config_parcel again;
	AParcel *q = AParcel_create();

	check(c->memory_mib == 0 ||
	      (c->memory_mib >= VMCONFIG_MIN_MEM_MIB && c->memory_mib <= VMCONFIG_MAX_MEM_MIB));
	check(c->cpus >= 0 && c->cpus <= VMCONFIG_MAX_CPUS);
	check(c->package_fd >= 0);
	check(!c->name[0] || vm_name_valid(c->name));
	check(vm_config_parcel_write(q, c) == STATUS_OK);
	AParcel_setDataPosition(q, 0);
	check(vm_config_parcel_read(q, &again) == STATUS_OK);
	check(!strcmp(again.name, c->name) && !strcmp(again.package_path, c->package_path));
	check(again.memory_mib == c->memory_mib && again.cpus == c->cpus &&
	      again.debug_level == c->debug_level && again.boot_timeout_ms == c->boot_timeout_ms);
	check((again.instance_fd >= 0) == (c->instance_fd >= 0));
	vm_config_parcel_clear(&again);
	AParcel_delete(q);
}

static void info_round_trip(struct vm_info_parcel *i)
{
	struct vm_info_parcel again;
	AParcel *q = AParcel_create();

	check(i->cid >= 3 && i->state >= 0 && i->state <= 5);
	check(vm_info_parcel_write(q, i) == STATUS_OK);
	AParcel_setDataPosition(q, 0);
	check(vm_info_parcel_read(q, &again) == STATUS_OK);
	check(!strcmp(again.name, i->name) && !strcmp(again.error_message, i->error_message));
	check(again.cid == i->cid && again.start_time_ms == i->start_time_ms &&
	      again.payload_signal == i->payload_signal);
	vm_info_parcel_clear(&again);
	AParcel_delete(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t fd_pos[2];
	int fds[2] = {-1, -1};
	size_t nfds = 0;
	uint8_t *copy;
	AParcel *p;

	if (size < 2)
		return 0;
	if (data[1] & 0x80) {
		fd_pos[0] = (uint32_t)(data[1] & 0x3f) * 4;
		fd_pos[1] = fd_pos[0] + 16;
		nfds = (data[1] & 0x40) ? 2 : 1;
		for (size_t i = 0; i < nfds; i++) {
			fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			check(fds[i] >= 0);
		}
	}
	copy = malloc(size - 2 + 1);
	check(copy != NULL);
	memcpy(copy, data + 2, size - 2);
	p = AParcel_create();
	if (parcel_adopt(p, copy, copy, size - 2, fd_pos, fds, nfds) == 0) {
		if (data[0] & 1) {
			struct vm_config_parcel c;
			if (vm_config_parcel_read(p, &c) == STATUS_OK) {
				config_round_trip(&c);
				vm_config_parcel_clear(&c);
			}
		} else {
			struct vm_info_parcel i;
			if (vm_info_parcel_read(p, &i) == STATUS_OK) {
				info_round_trip(&i);
				vm_info_parcel_clear(&i);
			}
		}
	}
	AParcel_delete(p);
	return 0;
}
