/*
 * rpc_server.h - the server's side of one new connection, for the
 * library's own tests and fuzz targets (users have RpcServer_* in
 * binder/rpc.h).
 */
#ifndef BINDER_RPC_SERVER_H
#define BINDER_RPC_SERVER_H

#include <binder/rpc.h>

#include "rpc_transport.h"

/*
 * Do what a server thread does with a freshly accepted connection over
 * @t (taken over), on the calling thread: read its header, attach it to a
 * new or existing session, and serve it until the session ends.  Returns
 * 0 once served, or the negative errno that refused the connection.
 */
int rpc_server_serve_connection(RpcServer *server, struct rpc_transport *t);

#endif
