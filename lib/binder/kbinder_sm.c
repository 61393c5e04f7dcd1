/*
 * kbinder_sm.c - AServiceManager_*: servicemanager's client.  It calls
 * android.os.IServiceManager on handle 0 with AIDL's conventions (the
 * kernel interface token, the status header first in each reply); the
 * transaction codes and argument orders are in binder/driver.h and
 * docs/binder.md.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <binder/driver.h>

#include "kbinder.h"
#include "log.h"

/*
 * Call @code on servicemanager with @in's arguments after the token
 * (written by @args), reading the status header; on EX_NONE the rest of
 * the reply is in *@out.  The exception (EX_TRANSACTION_FAILED for a
 * transport failure, with *@status set).
 */
static binder_exception_t sm_call_once(transaction_code_t code,
				       binder_status_t (*args)(AParcel *in, const void *arg),
				       const void *arg, AParcel **out, binder_status_t *status)
{
	AIBinder *sm = kbinder_context_object();
	AParcel *in = kbinder_new_parcel();
	AStatus *st = NULL;
	binder_exception_t ex = EX_TRANSACTION_FAILED;
	binder_status_t r = sm && in ? STATUS_OK : STATUS_NO_INIT;

	*out = NULL;
	if (r == STATUS_OK)
		r = AParcel_writeInterfaceToken(in, ISERVICEMANAGER_DESCRIPTOR);
	if (r == STATUS_OK)
		r = args(in, arg);
	if (r == STATUS_OK)
		r = AIBinder_transact(sm, code, &in, out, 0);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(*out, &st);
	if (r == STATUS_OK) {
		ex = AStatus_getExceptionCode(st);
		if (ex == EX_TRANSACTION_FAILED)
			r = AStatus_getStatus(st);
	}
	if (r != STATUS_OK || ex != EX_NONE) {
		AParcel_delete(*out);
		*out = NULL;
	}
	AStatus_delete(st);
	AParcel_delete(in);
	AIBinder_decStrong(sm);
	if (status)
		*status = r;
	return ex;
}

/*
 * sm_call_once, waiting up to 5 s for servicemanager to be the context
 * manager (STATUS_DEAD_OBJECT until then: it starts with the other early
 * services), as libbinder's defaultServiceManager() waits for it.
 */
static binder_exception_t sm_call(transaction_code_t code,
				  binder_status_t (*args)(AParcel *in, const void *arg),
				  const void *arg, AParcel **out, binder_status_t *status)
{
	const struct timespec tick = {0, 100 * 1000 * 1000};
	binder_status_t r = STATUS_OK;
	binder_exception_t ex;
	int tries = 0;

	while ((ex = sm_call_once(code, args, arg, out, &r)) == EX_TRANSACTION_FAILED &&
	       r == STATUS_DEAD_OBJECT && ++tries < 50)
		nanosleep(&tick, NULL);
	if (status)
		*status = r;
	return ex;
}

static binder_status_t write_name(AParcel *in, const void *name)
{
	return AParcel_writeString(in, name, (int32_t)strlen(name));
}

struct add_args {
	const char *name;
	AIBinder *binder;
};

static binder_status_t write_add(AParcel *in, const void *arg)
{
	const struct add_args *a = arg;
	binder_status_t r = write_name(in, a->name);

	if (r == STATUS_OK)
		r = AParcel_writeStrongBinder(in, a->binder);
	if (r == STATUS_OK)
		r = AParcel_writeBool(in, false); /* allowIsolated */
	if (r == STATUS_OK)
		r = AParcel_writeInt32(in, ISERVICEMANAGER_DUMP_FLAG_PRIORITY_DEFAULT);
	return r;
}

binder_exception_t AServiceManager_addService(AIBinder *binder, const char *instance)
{
	struct add_args a = {instance, binder};
	AParcel *out;
	binder_status_t r;
	binder_exception_t ex;

	if (!binder || !instance)
		return EX_ILLEGAL_ARGUMENT;
	ex = sm_call(ISERVICEMANAGER_ADD_SERVICE, write_add, &a, &out, &r);
	if (ex != EX_NONE)
		binder_warn("servicemanager: addService(%s): exception %d, status %d", instance, ex,
			    r);
	AParcel_delete(out);
	return ex;
}

AIBinder *AServiceManager_checkService(const char *instance)
{
	AIBinder *b = NULL;
	AParcel *out;

	if (!instance)
		return NULL;
	if (sm_call(ISERVICEMANAGER_CHECK_SERVICE, write_name, instance, &out, NULL) == EX_NONE &&
	    AParcel_readStrongBinder(out, &b) != STATUS_OK)
		b = NULL;
	AParcel_delete(out);
	return b;
}

/* Poll checkService every 100 ms for up to @ms milliseconds (-1: forever). */
static AIBinder *poll_service(const char *instance, long ms)
{
	const struct timespec tick = {0, 100 * 1000 * 1000};
	AIBinder *b;

	while (!(b = AServiceManager_checkService(instance)) && ms != 0) {
		nanosleep(&tick, NULL);
		if (ms > 0)
			ms = ms > 100 ? ms - 100 : 0;
	}
	return b;
}

AIBinder *AServiceManager_getService(const char *instance)
{
	return instance ? poll_service(instance, 5000) : NULL;
}

AIBinder *AServiceManager_waitForService(const char *instance)
{
	return instance ? poll_service(instance, -1) : NULL;
}

static binder_status_t write_all(AParcel *in, const void *arg)
{
	(void)arg;
	return AParcel_writeInt32(in, ISERVICEMANAGER_DUMP_FLAG_PRIORITY_ALL);
}

binder_status_t AServiceManager_listServices(char ***names, int32_t *count)
{
	binder_status_t r;
	AParcel *out;
	int32_t n = 0, i;
	char **v = NULL;

	*names = NULL;
	*count = 0;
	if (sm_call(ISERVICEMANAGER_LIST_SERVICES, write_all, NULL, &out, &r) != EX_NONE)
		return r != STATUS_OK ? r : STATUS_FAILED_TRANSACTION;
	r = AParcel_readInt32(out, &n);
	if (r == STATUS_OK && (n < 0 || n > 65536))
		r = STATUS_BAD_VALUE;
	if (r == STATUS_OK && !(v = calloc((size_t)n + 1, sizeof(*v))))
		r = STATUS_NO_MEMORY;
	for (i = 0; r == STATUS_OK && i < n; i++)
		r = AParcel_readStringDup(out, &v[i], NULL);
	AParcel_delete(out);
	if (r != STATUS_OK) {
		for (i = 0; v && i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*names = v;
	*count = n;
	return STATUS_OK;
}
