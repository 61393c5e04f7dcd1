/*
 * vm_binder.c - IVirtualMachine, what a client holds for one VM
 * (lib/aidl/ivirtualizationservice.h).
 *
 * Every CREATE_VM and GET_VM makes a new binder object for the VM (a
 * "handle"), which holds a reference to the struct vm and counts in
 * vm->handles.  When a handle's last reference goes (the client dropped
 * it, or its session ended: lib/binder releases a dead session's
 * references), onDestroy runs; when no handle is left, the VM is stopped.
 * virtmgr itself never holds a handle.
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* How long the CONNECT handshake with mvm may take (mvm waits 2 s for the guest). */
#define CONNECT_TIMEOUT_MS 5000
#define CONNECT_LINE_MAX 64

static void *handle_create(void *args)
{
	struct vm *vm = args;

	vm_get(vm);
	pthread_mutex_lock(&virtmgr.lock);
	vm->handles++;
	pthread_mutex_unlock(&virtmgr.lock);
	return vm;
}

static void handle_destroy(void *data)
{
	struct vm *vm = data;

	pthread_mutex_lock(&virtmgr.lock);
	if (--vm->handles == 0 && vm->status.state != VM_STATE_DEAD && !vm->stop_requested) {
		vlog_v("vm %u (%s): no client holds it any more: stopping", vm->cid, vm->name);
		vm_request_stop_locked(vm);
	}
	pthread_mutex_unlock(&virtmgr.lock);
	vm_put(vm);
}

static binder_status_t reply_ok(AParcel *out)
{
	return reply_status(out, AStatus_newOk());
}

static int read_line(int fd, char *line, size_t size)
{
	int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
	size_t n = 0;

	while (n + 1 < size) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		r = read(fd, line + n, 1); /* byte by byte: what follows is the stream's */
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ECONNREFUSED;
		if (line[n] == '\n') {
			line[n] = '\0';
			return 0;
		}
		n++;
	}
	return -EPROTO;
}

/* A stream socket to the guest's vsock @port through mvm's CONNECT handshake. */
static int connect_vsock(struct vm *vm, uint32_t port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char req[32], line[CONNECT_LINE_MAX];
	int fd, r, len;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vsock.sock", vm->work_dir) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == ENOENT ? -ECONNREFUSED : -errno;
		close(fd);
		return r;
	}
	len = snprintf(req, sizeof(req), "CONNECT %u\n", port);
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		close(fd);
		return -ECONNREFUSED;
	}
	r = read_line(fd, line, sizeof(line));
	if (r == 0 && strncmp(line, "OK ", 3))
		r = -EPROTO;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static binder_status_t do_connect_vsock(struct vm *vm, const AParcel *in, AParcel *out)
{
	binder_status_t st;
	int32_t port;
	int fd;

	st = AParcel_readInt32(in, &port);
	if (st != STATUS_OK)
		return st;
	pthread_mutex_lock(&virtmgr.lock);
	bool dead = vm->status.state == VM_STATE_DEAD;
	pthread_mutex_unlock(&virtmgr.lock);
	if (dead)
		return reply_status(out, status_errorf(EX_ILLEGAL_STATE, "the VM is dead"));
	if (port < 0)
		return reply_status(out,
				    status_errorf(EX_ILLEGAL_ARGUMENT, "bad vsock port %d", port));
	fd = connect_vsock(vm, (uint32_t)port);
	if (fd < 0)
		return reply_status(out, status_errnof(fd == -ETIMEDOUT ? ECONNREFUSED : -fd,
						       "nothing accepts on the VM's vsock port "
						       "%d (%s)",
						       port, strerror(-fd)));
	st = reply_ok(out);
	if (st == STATUS_OK)
		st = AParcel_writeParcelFileDescriptor(out, fd);
	close(fd);
	return st;
}

static binder_status_t do_register(struct vm *vm, const AParcel *in, AParcel *out)
{
	AIBinder *cb = NULL;
	binder_status_t st;
	int r = 0;

	st = AParcel_readStrongBinder(in, &cb);
	if (st != STATUS_OK)
		return st;
	if (!cb)
		return reply_status(out, status_errorf(EX_ILLEGAL_ARGUMENT, "null callback"));
	if (!AIBinder_associateClass(cb, vm_callback_class())) {
		AIBinder_decStrong(cb);
		return reply_status(
		    out, status_errorf(EX_ILLEGAL_ARGUMENT, "not an IVirtualMachineCallback"));
	}
	pthread_mutex_lock(&virtmgr.lock);
	if (!vm->events_done)
		r = vm_callback_add_locked(vm, cb);
	pthread_mutex_unlock(&virtmgr.lock);
	AIBinder_decStrong(cb);
	if (r < 0)
		return reply_status(out,
				    status_errnof(-r, "too many callbacks (%d)", VM_MAX_CALLBACKS));
	return reply_ok(out);
}

static binder_status_t handle_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				       AParcel *out)
{
	struct vm *vm = AIBinder_getUserData(b);
	struct vm_info_parcel info;
	binder_status_t st;
	int32_t v;
	int r;

	switch (code) {
	case IVM_GET_CID:
		st = reply_ok(out);
		return st ? st : AParcel_writeInt32(out, (int32_t)vm->cid);
	case IVM_GET_STATE:
		pthread_mutex_lock(&virtmgr.lock);
		v = vm->status.state;
		pthread_mutex_unlock(&virtmgr.lock);
		st = reply_ok(out);
		return st ? st : AParcel_writeInt32(out, v);
	case IVM_GET_INFO:
		pthread_mutex_lock(&virtmgr.lock);
		r = vm_info_fill_locked(vm, &info);
		pthread_mutex_unlock(&virtmgr.lock);
		if (r < 0)
			return reply_status(out, status_errnof(-r, "out of memory"));
		st = reply_ok(out);
		if (st == STATUS_OK)
			st = vm_info_parcel_write(out, &info);
		vm_info_parcel_clear(&info);
		return st;
	case IVM_REGISTER_CALLBACK:
		return do_register(vm, in, out);
	case IVM_STOP:
		pthread_mutex_lock(&virtmgr.lock);
		if (vm->status.state != VM_STATE_DEAD && !vm->stop_requested)
			vlog("vm %u (%s): stop requested", vm->cid, vm->name);
		vm_request_stop_locked(vm);
		pthread_mutex_unlock(&virtmgr.lock);
		return reply_ok(out);
	case IVM_CONNECT_VSOCK:
		return do_connect_vsock(vm, in, out);
	}
	return STATUS_UNKNOWN_TRANSACTION;
}

AIBinder *vm_handle_new(struct vm *vm)
{
	static AIBinder_Class *clazz;

	return AIBinder_new(class_define_once(&clazz, IVIRTUALMACHINE_DESCRIPTOR, handle_create,
					      handle_destroy, handle_transact),
			    vm);
}
