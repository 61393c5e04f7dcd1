/*
 * service.c - the payload's RPC Binder server on vsock, reached through
 * virtmgr's CONNECT_VSOCK: each connection of the session is a socket
 * that virtmgr connected to the guest's port and passed over.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "host/client/internal.h"

static binder_status_t write_port(AParcel *in, const void *arg)
{
	return AParcel_writeInt32(in, *(const int32_t *)arg);
}

/* A new socket connected to the guest's @port; -errno on failure. */
static int connect_vsock(struct vmclient_vm *vm, int32_t port, struct error *e)
{
	AParcel *reply;
	int fd = -1;
	int r = vmclient_call(vm->vm, IVM_CONNECT_VSOCK, write_port, &port, &reply,
			      "connecting to the payload", e);

	if (r == -ECONNREFUSED)
		error_set(e, r, "nothing listens on the VM's vsock port %d", port);
	if (r)
		return r;
	r = AParcel_readParcelFileDescriptor(reply, &fd);
	AParcel_delete(reply);
	if (r || fd < 0) {
		if (fd >= 0)
			close(fd);
		return error_set(e, -EPROTO, "connecting to the payload: malformed reply");
	}
	return fd;
}

static int request_fd(void *arg)
{
	struct vmclient_service_args *a = arg;

	return connect_vsock(a->vm, a->port, NULL);
}

int vmclient_vm_connect_service(struct vmclient_vm *vm, uint32_t port, AIBinder **root,
				struct error *e)
{
	RpcSession *session;
	int fd, r;

	if (port > INT32_MAX)
		return error_set(e, -EINVAL, "vsock port %u out of range", port);
	if (vm->nservices == VMCLIENT_MAX_SERVICES)
		return error_set(e, -EMFILE, "more than %d payload sessions on one handle",
				 VMCLIENT_MAX_SERVICES);
	fd = connect_vsock(vm, (int32_t)port, e);
	if (fd < 0)
		return fd;
	session = RpcSession_new();
	if (!session) {
		close(fd);
		return error_set(e, -ENOMEM, "out of memory");
	}
	vm->service_args[vm->nservices] =
	    (struct vmclient_service_args){.vm = vm, .port = (int32_t)port};
	r = RpcSession_setupPreconnectedClient(session, fd, request_fd,
					       &vm->service_args[vm->nservices]);
	if (!r)
		r = RpcSession_getRootObject(session, root);
	if (r) {
		RpcSession_free(session);
		return error_set(e, r, "the payload's service on port %u: %s", port, strerror(-r));
	}
	vm->services[vm->nservices++] = session;
	return 0;
}
