/* payload_service.c - IVmPayloadService for the payload; see manager.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "lib/aidl/ivmpayloadservice.h"
#include "manager.h"

#define NO_SECRETS "this VM has no DICE chain yet, so no secrets or attestation data are available"

struct service {
	payload_ready_fn on_ready;
	void *arg;
};

static void *svc_create(void *args)
{
	return args;
}

static void svc_destroy(void *data)
{
	free(data);
}

/* Reply with @st (which is deleted) as the status header. */
static binder_status_t reply_status(AParcel *out, AStatus *st)
{
	binder_status_t r = st ? AParcel_writeStatusHeader(out, st) : STATUS_NO_MEMORY;

	AStatus_delete(st);
	return r;
}

/* GET_VM_INSTANCE_SECRET's arguments, read only to reject a malformed call. */
static binder_status_t read_secret_args(const AParcel *in)
{
	int8_t *id = NULL;
	int32_t len = 0, size = 0;
	binder_status_t r = AParcel_readByteArrayDup(in, &id, &len);

	free(id);
	if (r == STATUS_OK)
		r = AParcel_readInt32(in, &size);
	if (r == STATUS_OK && (len < 0 || len > IVPS_IDENTIFIER_MAX))
		r = STATUS_BAD_VALUE;
	return r;
}

static binder_status_t svc_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				    AParcel *out)
{
	struct service *s = AIBinder_getUserData(b);
	binder_status_t r;

	switch (code) {
	case IVPS_NOTIFY_PAYLOAD_READY:
		if (s->on_ready)
			s->on_ready(s->arg);
		return reply_status(out, AStatus_newOk());
	case IVPS_GET_VM_INSTANCE_SECRET:
		r = read_secret_args(in);
		if (r != STATUS_OK)
			return reply_status(out, AStatus_fromExceptionCodeWithMessage(
						     EX_ILLEGAL_ARGUMENT,
						     "getVmInstanceSecret: malformed arguments"));
		/* fall through */
	case IVPS_GET_DICE_ATTESTATION_CHAIN:
	case IVPS_GET_DICE_ATTESTATION_CDI:
		return reply_status(out, AStatus_fromServiceSpecificErrorWithMessage(
					     IVPS_ERROR_NOT_AVAILABLE, NO_SECRETS));
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

static pthread_once_t class_once = PTHREAD_ONCE_INIT;
static AIBinder_Class *ivps_class;

static void define_class(void)
{
	ivps_class = AIBinder_Class_define(IVMPAYLOADSERVICE_DESCRIPTOR, svc_create, svc_destroy,
					   svc_transact);
}

AIBinder *payload_service_new(payload_ready_fn on_ready, void *arg)
{
	struct service *s;
	AIBinder *b;

	pthread_once(&class_once, define_class);
	if (!ivps_class)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->on_ready = on_ready;
	s->arg = arg;
	b = AIBinder_new(ivps_class, s);
	if (!b)
		free(s);
	return b;
}

int payload_service_start(AIBinder *service, const char *path, gid_t gid, RpcServer **server,
			  struct error *e)
{
	RpcServer *srv = RpcServer_new();
	int r;

	if (!srv)
		return error_set(e, -ENOMEM, "out of memory");
	if (unlink(path) < 0 && errno != ENOENT) {
		r = error_set(e, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	RpcServer_setRootObject(srv, service);
	r = RpcServer_setupUnixDomainServer(srv, path);
	if (r < 0) {
		error_set(e, r, "listen at %s: %s", path, strerror(-r));
		goto fail;
	}
	if (chown(path, (uid_t)-1, gid) < 0 || chmod(path, 0660) < 0) {
		r = error_set(e, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	r = RpcServer_start(srv);
	if (r < 0) {
		error_set(e, r, "serving %s: %s", path, strerror(-r));
		goto fail;
	}
	*server = srv;
	return 0;
fail:
	RpcServer_free(srv);
	return r;
}
