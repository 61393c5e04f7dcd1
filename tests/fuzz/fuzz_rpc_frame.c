/*
 * fuzz_rpc_frame.c - what an RPC Binder peer sends, on arbitrary bytes.
 *
 * Input: byte 0 chooses the mode, the rest is what the peer sent:
 *   0  frames for the pure decoder (rpc_wire_parse_frame), one after the
 *      other until one is refused or incomplete;
 *   1  everything a client sends to a server on one connection, from the
 *      connection header on: a real server (rpc_server_serve_connection)
 *      reads it over an in-memory transport and serves a root object
 *      that reads its arguments of every kind, returns binders and calls
 *      back binders it is given (their replies come from the input too);
 *   2  everything a server sends back to a client from the new-session
 *      response on: a real client sets up its session over it, fetches
 *      the root object and calls it.
 * What the library sends is dropped.  Checked: no crash, no leak, no
 * read out of bounds (the sanitizers), decoded sizes inside the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "lib/binder/rpc_client.h"
#include "lib/binder/rpc_server.h"
#include "lib/binder/rpc_transport.h"
#include "lib/binder/rpc_wire.h"

#define FUZZ_DESCRIPTOR "fuzz.IService"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void *on_create(void *args)
{
	return args;
}

static void on_destroy(void *data)
{
	(void)data;
}

static bool alloc_chars(void *arg, int32_t length, char **buf)
{
	char **out = arg;

	*out = length > 0 ? malloc((size_t)length) : NULL;
	*buf = *out;
	return length < 0 || *out;
}

/* Methods 1..4 read arguments of every kind; 5 calls back a binder. */
static binder_status_t on_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	AIBinder *b = NULL;
	AParcel *cin = NULL, *cout = NULL;
	AStatus *st = NULL;
	char *s = NULL;
	int8_t *bytes = NULL;
	int32_t v = 0, len;
	int fd = -1;
	binder_status_t r = STATUS_OK;

	switch (code) {
	case 1:
		r = AParcel_readInt32(in, &v);
		if (r == STATUS_OK)
			r = AParcel_readString(in, &s, alloc_chars);
		if (r == STATUS_OK)
			r = AParcel_readByteArrayDup(in, &bytes, &len);
		break;
	case 2:
		r = AParcel_readStrongBinder(in, &b);
		if (r == STATUS_OK)
			r = AParcel_writeStrongBinder(out, b);
		break;
	case 3:
		r = AParcel_readParcelFileDescriptor(in, &fd);
		if (r == STATUS_OK)
			r = AParcel_readStatusHeader(in, &st);
		break;
	case 4:
		r = AParcel_writeStrongBinder(out, self);
		break;
	case 5:
		r = AParcel_readStrongBinder(in, &b);
		if (r == STATUS_OK && b && AIBinder_isRemote(b)) {
			AIBinder_associateClass(b, AIBinder_getClass(self));
			if (AIBinder_prepareTransaction(b, &cin) == STATUS_OK &&
			    AIBinder_transact(b, 1, &cin, &cout, 0) == STATUS_OK)
				AParcel_readInt32(cout, &v);
		}
		break;
	default:
		r = STATUS_UNKNOWN_TRANSACTION;
	}
	if (r == STATUS_OK)
		r = AParcel_writeInt32(out, v);
	if (fd >= 0)
		close(fd);
	AIBinder_decStrong(b);
	AParcel_delete(cin);
	AParcel_delete(cout);
	AStatus_delete(st);
	free(s);
	free(bytes);
	return r;
}

static AIBinder_Class *fuzz_class(void)
{
	static AIBinder_Class *clazz;

	if (!clazz)
		clazz = AIBinder_Class_define(FUZZ_DESCRIPTOR, on_create, on_destroy, on_transact);
	return clazz;
}

static void decode_frames(const uint8_t *data, size_t size)
{
	struct rpc_wire_frame f;
	ssize_t n;

	while ((n = rpc_wire_parse_frame(data, size, &f)) > 0) {
		check((size_t)n <= size && (size_t)n >= RPC_WIRE_HEADER_SIZE);
		if (f.header.command != RPC_COMMAND_DEC_STRONG) {
			check(f.transaction.parcel + f.transaction.parcel_size <= data + n);
			check(f.transaction.nobjects <= RPC_MAX_FDS);
		}
		data += n;
		size -= (size_t)n;
	}
}

static void serve(const uint8_t *data, size_t size)
{
	RpcServer *server = RpcServer_new();
	AIBinder *root = AIBinder_new(fuzz_class(), NULL);
	enum rpc_fd_transport_mode modes[] = {RPC_FD_TRANSPORT_NONE, RPC_FD_TRANSPORT_UNIX};
	struct rpc_transport *t = rpc_transport_new_memory(data, size);

	check(server && root && t);
	RpcServer_setRootObject(server, root);
	RpcServer_setSupportedFileDescriptorTransportModes(server, modes, 2);
	rpc_server_serve_connection(server, t);
	RpcServer_free(server);
	AIBinder_decStrong(root);
}

static void call(const uint8_t *data, size_t size)
{
	RpcSession *session = RpcSession_new();
	struct rpc_transport *t = rpc_transport_new_memory(data, size);
	AParcel *in = NULL, *out = NULL;
	AIBinder *root = NULL, *b = NULL;
	int32_t v;

	check(session && t);
	if (rpc_client_setup_transport(session, t) == 0 &&
	    RpcSession_getRootObject(session, &root) == 0 &&
	    AIBinder_associateClass(root, fuzz_class())) {
		AIBinder_ping(root);
		if (AIBinder_prepareTransaction(root, &in) == STATUS_OK &&
		    AIBinder_transact(root, 4, &in, &out, 0) == STATUS_OK &&
		    AParcel_readStrongBinder(out, &b) == STATUS_OK)
			AParcel_readInt32(out, &v);
	}
	AParcel_delete(out);
	AIBinder_decStrong(b);
	AIBinder_decStrong(root);
	RpcSession_free(session);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	binder_set_logger(NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		decode_frames(data + 1, size - 1);
		break;
	case 1:
		serve(data + 1, size - 1);
		break;
	default:
		call(data + 1, size - 1);
		break;
	}
	return 0;
}
