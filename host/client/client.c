/* client.c - the session with virtmgr: connecting (and starting it on demand), closing. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/client/internal.h"
#include "host/virtmgr/paths.h"

/* Proxy classes only name their interface: their onTransact never runs. */
static void *proxy_create(void *args)
{
	return args;
}

static void proxy_destroy(void *data)
{
	(void)data;
}

static binder_status_t proxy_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				      AParcel *out)
{
	(void)b, (void)code, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

static AIBinder_Class *vm_clazz, *service_clazz;

static void define_classes(void)
{
	vm_clazz = AIBinder_Class_define(IVIRTUALMACHINE_DESCRIPTOR, proxy_create, proxy_destroy,
					 proxy_transact);
	service_clazz = AIBinder_Class_define(IVIRTUALIZATIONSERVICE_DESCRIPTOR, proxy_create,
					      proxy_destroy, proxy_transact);
}

static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

AIBinder_Class *vmclient_vm_class(void)
{
	pthread_once(&classes_once, define_classes);
	return vm_clazz;
}

AIBinder_Class *vmclient_service_class(void)
{
	pthread_once(&classes_once, define_classes);
	return service_clazz;
}

/* One attempt to connect to virtmgr at @path. */
static int try_connect(const char *path, struct vmclient **out, struct error *e)
{
	struct vmclient *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return error_set(e, -ENOMEM, "out of memory");
	c->session = RpcSession_new();
	if (!c->session) {
		free(c);
		return error_set(e, -ENOMEM, "out of memory");
	}
	r = RpcSession_setMaxIncomingThreads(c->session, 1);
	if (!r)
		r = RpcSession_setFileDescriptorTransportMode(c->session, RPC_FD_TRANSPORT_UNIX);
	if (!r)
		r = RpcSession_setupUnixDomainClient(c->session, path);
	if (r) {
		error_set(e, r, "virtmgr at %s: %s", path, strerror(-r));
		goto fail;
	}
	r = RpcSession_getRootObject(c->session, &c->service);
	if (r) {
		error_set(e, r, "virtmgr at %s: no service: %s", path, strerror(-r));
		goto fail;
	}
	if (!vmclient_service_class() ||
	    !AIBinder_associateClass(c->service, vmclient_service_class())) {
		r = error_set(e, -EPROTO, "%s: not virtmgr (no IVirtualizationService there)",
			      path);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	vmclient_close(c);
	return r;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vmclient_connect(struct vmclient_options *opts, struct vmclient **out, struct error *e)
{
	struct vmclient_options defaults = {0};
	char path[PATH_MAX], tail[256];
	int64_t deadline;
	int r;

	if (!opts)
		opts = &defaults;
	opts->started = false;
	if (opts->socket) {
		if (strlen(opts->socket) >= sizeof(path))
			return error_set(e, -ENAMETOOLONG, "virtmgr socket path too long");
		strcpy(path, opts->socket);
	} else if ((r = paths_virtmgr_socket(path, sizeof(path), e)) < 0) {
		return r;
	}
	r = try_connect(path, out, e);
	if ((r != -ENOENT && r != -ECONNREFUSED) || opts->no_start)
		return r;

	deadline = now_ms() + VMCLIENT_START_TIMEOUT_MS;
	r = vmclient_spawn_virtmgr(path, VMCLIENT_START_TIMEOUT_MS, e);
	if (r < 0)
		return r;
	opts->started = r == 0;
	/* Ready (r == 0), or it exited: lost the race, the winner may still be starting. */
	for (;;) {
		r = try_connect(path, out, e);
		if ((r != -ENOENT && r != -ECONNREFUSED) || now_ms() >= deadline)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
	}
	if (r == -ENOENT || r == -ECONNREFUSED) {
		vmclient_virtmgr_log_tail(path, tail, sizeof(tail));
		return error_set(e, -ETIMEDOUT, "virtmgr did not start at %s%s%s", path,
				 tail[0] ? ": " : "", tail);
	}
	return r;
}

void vmclient_close(struct vmclient *c)
{
	if (!c)
		return;
	if (c->service)
		AIBinder_decStrong(c->service);
	if (c->session)
		RpcSession_free(c->session);
	free(c);
}
