/*
 * service.c - the connection to microdroid_manager's IVmPayloadService:
 * made on first use, shared by every thread, remade if the manager's end
 * died.  AIBinder_prepareTransaction() writes the interface token.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_status.h>
#include <binder/rpc.h>

#include "lib/aidl/ivmpayloadservice.h"
#include "lib/aidl/microdroid.h"
#include "vm_payload.h"
#include "vmp.h"

static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static RpcSession *conn_session; /* guarded by conn_lock */
static AIBinder *conn_service;	 /* its root object, guarded by conn_lock */

static pthread_once_t class_once = PTHREAD_ONCE_INIT;
static AIBinder_Class *service_class;

static void define_class(void)
{
	service_class = AIBinder_Class_defineProxy(IVMPAYLOADSERVICE_DESCRIPTOR);
}

static const char *socket_path(void)
{
	const char *path = secure_getenv(VM_PAYLOAD_SOCKET_ENV);

	return path && *path ? path : MICRODROID_PAYLOAD_SERVICE_SOCKET;
}

static void drop_locked(void)
{
	if (conn_service)
		AIBinder_decStrong(conn_service);
	conn_service = NULL;
	if (conn_session)
		RpcSession_free(conn_session);
	conn_session = NULL;
}

static int connect_locked(struct error *e)
{
	const char *path = socket_path();
	int err;

	pthread_once(&class_once, define_class);
	if (!service_class)
		return error_set(e, -ENOMEM, "out of memory");
	conn_session = RpcSession_new();
	if (!conn_session)
		return error_set(e, -ENOMEM, "out of memory");
	err = RpcSession_setupUnixDomainClient(conn_session, path);
	if (err == 0)
		err = RpcSession_getRootObject(conn_session, &conn_service);
	if (err == 0 && !AIBinder_associateClass(conn_service, service_class)) {
		drop_locked();
		return error_set(e, -EPROTOTYPE, "the service at %s is not %s", path,
				 IVMPAYLOADSERVICE_DESCRIPTOR);
	}
	if (err) {
		drop_locked();
		return error_set(e, err, "cannot reach microdroid_manager at %s: %s", path,
				 strerror(-err));
	}
	return 0;
}

/* A new reference to the service, connecting first if needed. */
static int get_service(AIBinder **out, struct error *e)
{
	int err = 0;

	pthread_mutex_lock(&conn_lock);
	if (conn_service && !AIBinder_isAlive(conn_service))
		drop_locked();
	if (!conn_service)
		err = connect_locked(e);
	if (err == 0) {
		AIBinder_incStrong(conn_service);
		*out = conn_service;
	}
	pthread_mutex_unlock(&conn_lock);
	return err;
}

static int status_error(binder_status_t st, const char *what, struct error *e)
{
	return error_set(e, st < 0 && st > -4096 ? st : -EPROTO, "%s: binder status %d", what,
			 (int)st);
}

int vmp_call(transaction_code_t code, vmp_write_fn write, vmp_read_fn read, void *arg,
	     struct error *e)
{
	AIBinder *service;
	AParcel *in = NULL, *out = NULL;
	AStatus *status = NULL;
	binder_status_t st;
	int err = get_service(&service, e);

	if (err)
		return err;
	st = AIBinder_prepareTransaction(service, &in);
	if (st == STATUS_OK && write)
		st = write(in, arg);
	if (st != STATUS_OK) {
		err = status_error(st, "cannot write the request", e);
		AParcel_delete(in);
		goto out;
	}
	st = AIBinder_transact(service, code, &in, &out, 0);
	if (st != STATUS_OK) {
		err = status_error(st, "call to microdroid_manager failed", e);
		goto out;
	}
	st = AParcel_readStatusHeader(out, &status);
	if (st != STATUS_OK) {
		err = status_error(st, "malformed reply from microdroid_manager", e);
		goto out;
	}
	if (!AStatus_isOk(status)) {
		const char *desc = AStatus_getDescription(status);

		err = error_set(e, -EREMOTEIO, "microdroid_manager refused: %s",
				desc ? desc : "(no description)");
		AStatus_deleteDescription(desc);
		goto out;
	}
	if (read) {
		st = read(out, arg);
		if (st != STATUS_OK)
			err = status_error(st, "malformed reply from microdroid_manager", e);
	}
out:
	AStatus_delete(status);
	AParcel_delete(out);
	AIBinder_decStrong(service);
	return err;
}
