/*
 * vsock_server.c - AVmPayload_runVsockRpcServer: the payload's own binder
 * service, served to the host over vsock.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include <binder/rpc.h>

#include "vm_payload.h"
#include "vmp.h"

void AVmPayload_runVsockRpcServer(AIBinder *service, uint32_t port, void (*on_ready)(void *param),
				  void *param)
{
	RpcServer *server;
	int err;

	if (!service)
		vmp_fail("runVsockRpcServer: no service");
	server = RpcServer_new();
	if (!server)
		vmp_fail("runVsockRpcServer: out of memory");
	RpcServer_setRootObject(server, service);
	err = RpcServer_setupVsockServer(server, VMADDR_CID_ANY, port);
	if (err)
		vmp_fail("runVsockRpcServer: cannot listen on vsock port %u: %s", port,
			 strerror(-err));
	if (on_ready)
		on_ready(param);
	err = RpcServer_join(server);
	/* Nothing shuts this server down, so join only returns on an error. */
	vmp_fail("runVsockRpcServer: the server on vsock port %u stopped: %s", port,
		 err ? strerror(-err) : "shut down");
}
