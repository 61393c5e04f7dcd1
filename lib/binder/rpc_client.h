/*
 * rpc_client.h - setting up a client session over any transport, for the
 * library's own tests and fuzz targets (users have RpcSession_* in
 * binder/rpc.h).
 */
#ifndef BINDER_RPC_CLIENT_H
#define BINDER_RPC_CLIENT_H

#include <binder/rpc.h>

#include "rpc_transport.h"

/*
 * RpcSession_setupPreconnectedClient() over the transport @t (taken
 * over): the session has this one connection.
 */
int rpc_client_setup_transport(RpcSession *session, struct rpc_transport *t);

#endif
