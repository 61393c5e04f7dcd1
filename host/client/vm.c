/* vm.c - VM handles: making a VM, getting one, info, stop, release. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/client/internal.h"

void vmclient_vm_config_init(struct vmclient_vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->debug_level = VM_DEBUG_NONE;
	cfg->console_fd = cfg->log_fd = -1;
}

static binder_status_t write_int(AParcel *in, const void *arg)
{
	return AParcel_writeInt32(in, *(const int32_t *)arg);
}

static binder_status_t write_binder(AParcel *in, const void *arg)
{
	return AParcel_writeStrongBinder(in, (AIBinder *)arg);
}

/* Read an int32 reply of @code on @b. */
static int call_int(AIBinder *b, transaction_code_t code, int32_t *value, const char *what,
		    struct error *e)
{
	AParcel *reply;
	int r = vmclient_call(b, code, NULL, NULL, &reply, what, e);

	if (r)
		return r;
	r = AParcel_readInt32(reply, value);
	AParcel_delete(reply);
	return r ? error_set(e, -EPROTO, "%s: malformed reply from virtmgr", what) : 0;
}

int vmclient_vm_info(struct vmclient_vm *vm, struct vm_info_parcel *info, struct error *e)
{
	AParcel *reply;
	int r = vmclient_call(vm->vm, IVM_GET_INFO, NULL, NULL, &reply, "vm info", e);

	if (r)
		return r;
	r = vm_info_parcel_read(reply, info);
	AParcel_delete(reply);
	return r ? error_set(e, -EPROTO, "vm info: malformed reply from virtmgr") : 0;
}

int vmclient_vm_stop(struct vmclient_vm *vm, struct error *e)
{
	return vmclient_call(vm->vm, IVM_STOP, NULL, NULL, NULL, "stop", e);
}

int32_t vmclient_vm_cid(const struct vmclient_vm *vm)
{
	return vm->cid;
}

/*
 * Make a handle of the IVirtualMachine @binder (taken over), register its
 * callback, and catch up with its events.
 */
static int attach(struct vmclient *c, AIBinder *binder, const struct vmclient_callbacks *cb,
		  struct vmclient_vm **out, struct error *e)
{
	struct vmclient_vm *vm = calloc(1, sizeof(*vm));
	struct vm_info_parcel info;
	int r;

	if (!vm) {
		AIBinder_decStrong(binder);
		return error_set(e, -ENOMEM, "out of memory");
	}
	atomic_init(&vm->refs, 1);
	vm->client = c;
	vm->vm = binder;
	vm->efd = -1;
	if (cb)
		vm->cb = *cb;
	r = vmclient_events_init(vm);
	if (r) {
		AIBinder_decStrong(binder);
		free(vm);
		return error_set(e, r, "eventfd: %s", strerror(-r));
	}
	if (!AIBinder_associateClass(binder, vmclient_vm_class())) {
		r = error_set(e, -EPROTO, "virtmgr's VM is not an IVirtualMachine");
		goto fail;
	}
	r = call_int(binder, IVM_GET_CID, &vm->cid, "vm", e);
	if (r)
		goto fail;
	vm->callback = vmclient_callback_new(vm);
	if (!vm->callback) {
		r = error_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	r = vmclient_call(binder, IVM_REGISTER_CALLBACK, write_binder, vm->callback, NULL,
			  "registering for the VM's events", e);
	if (!r && (r = vmclient_watch_lost(vm)))
		error_set(e, r, "the connection with virtmgr was lost");
	if (!r)
		r = vmclient_vm_info(vm, &info, e);
	if (r)
		goto fail;
	vmclient_catch_up(vm, &info);
	vm_info_parcel_clear(&info);
	*out = vm;
	return 0;
fail:
	vmclient_vm_release(vm);
	return r;
}

struct create_args {
	const struct vm_config_parcel *config;
	int console_fd, log_fd;
};

/* CREATE_VM's arguments: the config, then the console and log fds (nullable). */
static binder_status_t write_create(AParcel *in, const void *arg)
{
	const struct create_args *a = arg;
	binder_status_t r = vm_config_parcel_write(in, a->config);

	if (r == STATUS_OK)
		r = AParcel_writeParcelFileDescriptor(in, a->console_fd);
	if (r == STATUS_OK)
		r = AParcel_writeParcelFileDescriptor(in, a->log_fd);
	return r;
}

int vmclient_create_vm(struct vmclient *c, const struct vmclient_vm_config *cfg,
		       const struct vmclient_callbacks *cb, struct vmclient_vm **out,
		       struct error *e)
{
	struct vm_config_parcel p = {.package_fd = -1, .instance_fd = -1};
	char real[PATH_MAX];
	AParcel *reply = NULL;
	AIBinder *binder = NULL;
	int r;

	if (!cfg->package)
		return error_set(e, -EINVAL, "no payload package given");
	p.package_fd = open(cfg->package, O_RDONLY | O_CLOEXEC);
	if (p.package_fd < 0)
		return error_set(e, -errno, "%s: %s", cfg->package, strerror(errno));
	if (cfg->instance) {
		p.instance_fd = open(cfg->instance, O_RDWR | O_CLOEXEC);
		if (p.instance_fd < 0) {
			r = error_set(e, -errno, "%s: %s", cfg->instance, strerror(errno));
			close(p.package_fd);
			return r;
		}
	}
	p.name = (char *)(cfg->name ? cfg->name : "");
	p.package_path = realpath(cfg->package, real) ? real : (char *)cfg->package;
	p.memory_mib = cfg->memory_mib;
	p.cpus = cfg->cpus;
	p.debug_level = cfg->debug_level;
	p.boot_timeout_ms = cfg->boot_timeout_ms;

	struct create_args args = {
	    .config = &p, .console_fd = cfg->console_fd, .log_fd = cfg->log_fd};
	r = vmclient_call(c->service, IVS_CREATE_VM, write_create, &args, &reply, "creating the VM",
			  e);
	close(p.package_fd);
	if (p.instance_fd >= 0)
		close(p.instance_fd);
	if (r)
		return r;
	r = AParcel_readStrongBinder(reply, &binder);
	AParcel_delete(reply);
	if (r || !binder)
		return error_set(e, -EPROTO, "creating the VM: malformed reply from virtmgr");
	return attach(c, binder, cb, out, e);
}

int vmclient_get_vm(struct vmclient *c, int32_t cid, const struct vmclient_callbacks *cb,
		    struct vmclient_vm **out, struct error *e)
{
	AIBinder *binder = NULL;
	AParcel *reply;
	int r = vmclient_call(c->service, IVS_GET_VM, write_int, &cid, &reply, "finding the VM", e);

	if (r)
		return r;
	r = AParcel_readStrongBinder(reply, &binder);
	AParcel_delete(reply);
	if (r)
		return error_set(e, -EPROTO, "finding the VM: malformed reply from virtmgr");
	if (!binder)
		return error_set(e, -ENOENT, "no VM with CID %d", cid);
	return attach(c, binder, cb, out, e);
}

void vmclient_vm_release(struct vmclient_vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_lock(&vm->deliver);
	pthread_mutex_lock(&vm->lock);
	vm->detached = true;
	pthread_mutex_unlock(&vm->lock);
	pthread_mutex_unlock(&vm->deliver);
	for (size_t i = 0; i < vm->nservices; i++)
		RpcSession_free(vm->services[i]);
	vm->nservices = 0;
	if (vm->callback) {
		vmclient_unwatch_lost(vm);
		AIBinder_decStrong(vm->callback);
	}
	AIBinder_decStrong(vm->vm);
	vmclient_vm_put(vm);
}
