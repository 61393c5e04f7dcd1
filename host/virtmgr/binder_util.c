/* binder_util.c - see binder_util.h. */
#include "binder_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t define_lock = PTHREAD_MUTEX_INITIALIZER;

AIBinder_Class *class_define_once(AIBinder_Class **slot, const char *descriptor,
				  AIBinder_Class_onCreate on_create,
				  AIBinder_Class_onDestroy on_destroy,
				  AIBinder_Class_onTransact on_transact)
{
	AIBinder_Class *c;

	pthread_mutex_lock(&define_lock);
	if (!*slot)
		*slot = AIBinder_Class_define(descriptor, on_create, on_destroy, on_transact);
	c = *slot;
	pthread_mutex_unlock(&define_lock);
	return c;
}

void *userdata_borrow(void *args)
{
	return args;
}

void userdata_forget(void *data)
{
	(void)data;
}

binder_status_t transact_none(AIBinder *b, transaction_code_t code, const AParcel *in, AParcel *out)
{
	(void)b;
	(void)code;
	(void)in;
	(void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

binder_status_t reply_status(AParcel *out, AStatus *st)
{
	binder_status_t r = AParcel_writeStatusHeader(out, st);

	AStatus_delete(st);
	return r;
}

__attribute__((format(printf, 3, 0))) static AStatus *
status_vformat(binder_exception_t ex, int32_t code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ex == EX_SERVICE_SPECIFIC)
		return AStatus_fromServiceSpecificErrorWithMessage(code, msg);
	return AStatus_fromExceptionCodeWithMessage(ex, msg);
}

AStatus *status_errorf(binder_exception_t ex, const char *fmt, ...)
{
	AStatus *st;
	va_list ap;

	va_start(ap, fmt);
	st = status_vformat(ex, 0, fmt, ap);
	va_end(ap);
	return st;
}

AStatus *status_errnof(int err, const char *fmt, ...)
{
	AStatus *st;
	va_list ap;

	va_start(ap, fmt);
	st = status_vformat(EX_SERVICE_SPECIFIC, err < 0 ? -err : err, fmt, ap);
	va_end(ap);
	return st;
}
