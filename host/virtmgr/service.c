/*
 * service.c - IVirtualizationService, virtmgr's root object for clients
 * (lib/aidl/ivirtualizationservice.h): CREATE_VM, LIST_VMS, GET_VM,
 * LIST_ENDED_VMS.
 */
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Reply with a new IVirtualMachine for @vm (whose reference this takes),
 * or a null binder when @vm is NULL.
 */
static binder_status_t reply_vm(AParcel *out, struct vm *vm)
{
	AIBinder *handle = NULL;
	binder_status_t st;

	if (vm) {
		handle = vm_handle_new(vm);
		vm_put(vm);
		if (!handle)
			return reply_status(out, status_errnof(ENOMEM, "out of memory"));
	}
	st = reply_status(out, AStatus_newOk());
	if (st == STATUS_OK)
		st = AParcel_writeStrongBinder(out, handle);
	if (handle)
		AIBinder_decStrong(handle); /* the client's reference keeps it now */
	return st;
}

static binder_status_t create_vm(const AParcel *in, AParcel *out)
{
	struct vm_config_parcel cfg;
	int console = -1, log = -1;
	binder_status_t st;
	struct vm *vm;
	AStatus *status;

	st = vm_config_parcel_read(in, &cfg);
	if (st != STATUS_OK)
		return reply_status(out,
				    status_errorf(EX_ILLEGAL_ARGUMENT,
						  "bad VirtualMachineConfig: a field is missing or "
						  "out of range (name: 1-%d of A-Z a-z 0-9 . _ -; "
						  "memory %d-%d MiB; cpus 0-%d; debug level 0-1; "
						  "boot timeout 0-%d ms)",
						  VMCONFIG_NAME_MAX, VMCONFIG_MIN_MEM_MIB,
						  VMCONFIG_MAX_MEM_MIB, VMCONFIG_MAX_CPUS,
						  VMCONFIG_MAX_BOOT_TIMEOUT_MS));
	st = AParcel_readParcelFileDescriptor(in, &console);
	if (st == STATUS_OK)
		st = AParcel_readParcelFileDescriptor(in, &log);
	if (st != STATUS_OK) {
		vm_config_parcel_clear(&cfg);
		if (console >= 0)
			close(console);
		return st;
	}
	status = vm_create(&cfg, console, log, &vm);
	if (status) {
		vlog_v("create refused: %s", AStatus_getMessage(status));
		return reply_status(out, status);
	}
	return reply_vm(out, vm);
}

/* Reply with the @n infos (which this frees), or out of memory if @r < 0. */
static binder_status_t reply_infos(AParcel *out, struct vm_info_parcel *infos, size_t n, int r)
{
	binder_status_t st;

	if (!infos || r < 0) {
		for (size_t i = 0; infos && i < n; i++)
			vm_info_parcel_clear(&infos[i]);
		free(infos);
		return reply_status(out, status_errnof(ENOMEM, "out of memory"));
	}
	st = reply_status(out, AStatus_newOk());
	if (st == STATUS_OK)
		st = AParcel_writeInt32(out, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		if (st == STATUS_OK)
			st = AParcel_writeNullableFlag(out, true);
		if (st == STATUS_OK)
			st = vm_info_parcel_write(out, &infos[i]);
		vm_info_parcel_clear(&infos[i]);
	}
	free(infos);
	return st;
}

static binder_status_t list_vms(AParcel *out)
{
	struct vm_info_parcel *infos;
	size_t n = 0;
	int r = 0;

	pthread_mutex_lock(&virtmgr.lock);
	infos = calloc(virtmgr.nvms + 1, sizeof(*infos));
	for (struct vm *vm = virtmgr.vms; infos && vm && r == 0; vm = vm->next)
		if ((r = vm_info_fill_locked(vm, &infos[n])) == 0)
			n++;
	pthread_mutex_unlock(&virtmgr.lock);
	return reply_infos(out, infos, n, r);
}

/* Newest first; copies, so that the lock is not held while writing. */
static binder_status_t list_ended_vms(AParcel *out)
{
	struct vm_info_parcel *infos;
	size_t n = 0;
	int r = 0;

	pthread_mutex_lock(&virtmgr.lock);
	infos = calloc(VIRTMGR_ENDED_KEEP, sizeof(*infos));
	for (size_t i = 1; infos && i <= virtmgr.nended && r == 0; i++) {
		const struct vm_info_parcel *e =
		    &virtmgr
			 .ended[(virtmgr.ended_next + VIRTMGR_ENDED_KEEP - i) % VIRTMGR_ENDED_KEEP];
		infos[n] = *e;
		infos[n].name = strdup(e->name);
		infos[n].error_message = strdup(e->error_message);
		infos[n].package_path = strdup(e->package_path);
		infos[n].work_dir = strdup(e->work_dir);
		if (!infos[n].name || !infos[n].error_message || !infos[n].package_path ||
		    !infos[n].work_dir) {
			vm_info_parcel_clear(&infos[n]);
			r = -ENOMEM;
		} else {
			n++;
		}
	}
	pthread_mutex_unlock(&virtmgr.lock);
	return reply_infos(out, infos, n, r);
}

static binder_status_t get_vm(const AParcel *in, AParcel *out)
{
	binder_status_t st;
	int32_t cid;

	st = AParcel_readInt32(in, &cid);
	if (st != STATUS_OK)
		return st;
	return reply_vm(out, cid >= CID_FIRST_GUEST ? vm_find((uint32_t)cid) : NULL);
}

static binder_status_t service_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
					AParcel *out)
{
	(void)b;
	switch (code) {
	case IVS_CREATE_VM:
		return create_vm(in, out);
	case IVS_LIST_VMS:
		return list_vms(out);
	case IVS_GET_VM:
		return get_vm(in, out);
	case IVS_LIST_ENDED_VMS:
		return list_ended_vms(out);
	}
	return STATUS_UNKNOWN_TRANSACTION;
}

AIBinder *virtualization_service_new(void)
{
	static AIBinder_Class *clazz;

	return AIBinder_new(class_define_once(&clazz, IVIRTUALIZATIONSERVICE_DESCRIPTOR,
					      userdata_borrow, userdata_forget, service_transact),
			    NULL);
}
