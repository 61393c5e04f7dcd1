/* call.c - one AIDL call to virtmgr (internal.h). */
#include <errno.h>
#include <string.h>

#include <android/binder_status.h>

#include "host/client/internal.h"

static int transport_error(int r, const char *what, struct error *e)
{
	if (r == STATUS_DEAD_OBJECT)
		return error_set(e, -EPIPE, "%s: the connection with virtmgr was lost", what);
	if (r < 0 && r > -4096)
		return error_set(e, r, "%s: %s", what, strerror(-r));
	return error_set(e, -EPROTO, "%s: binder status %d", what, r);
}

static int status_error(const AStatus *st, const char *what, struct error *e)
{
	const char *msg = AStatus_getMessage(st);
	int32_t code;
	int err;

	if (!msg || !*msg)
		msg = "(no message)";
	switch (AStatus_getExceptionCode(st)) {
	case EX_ILLEGAL_ARGUMENT:
		err = -EINVAL;
		break;
	case EX_ILLEGAL_STATE:
		err = -EBUSY;
		break;
	case EX_SERVICE_SPECIFIC:
		code = AStatus_getServiceSpecificError(st);
		err = code > 0 && code < 4096 ? -code : -EREMOTEIO;
		break;
	default:
		err = -EREMOTEIO;
		break;
	}
	return error_set(e, err, "%s: virtmgr: %s", what, msg);
}

int vmclient_call(AIBinder *binder, transaction_code_t code,
		  binder_status_t (*write)(AParcel *in, const void *arg), const void *arg,
		  AParcel **reply, const char *what, struct error *e)
{
	AParcel *in = NULL, *out = NULL;
	AStatus *st = NULL;
	binder_status_t r;
	int err = 0;

	r = AIBinder_prepareTransaction(binder, &in);
	if (r == STATUS_OK && write)
		r = write(in, arg);
	if (r == STATUS_OK)
		r = AIBinder_transact(binder, code, &in, &out, 0);
	AParcel_delete(in);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(out, &st);
	if (r != STATUS_OK)
		err = transport_error(r, what, e);
	else if (!AStatus_isOk(st))
		err = status_error(st, what, e);
	AStatus_delete(st);
	if (err || !reply)
		AParcel_delete(out);
	else
		*reply = out;
	return err;
}
