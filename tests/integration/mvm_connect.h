/*
 * mvm_connect.h - a host program's connection to a guest vsock port
 * through mvm's --vsock-uds socket (docs/virtio.md): connect to UDS, send
 * "CONNECT PORT\n", read "OK <port>\n"; the socket is then the stream.
 * Shared by the integration tests' host clients (binder-vsock, demo-vsock).
 */
#ifndef TESTS_INTEGRATION_MVM_CONNECT_H
#define TESTS_INTEGRATION_MVM_CONNECT_H

/* A connected stream socket to guest @port, or a negative errno
 * (-ECONNREFUSED when mvm or the guest refused it). */
int mvm_vsock_connect(const char *uds, unsigned int port);

#endif
