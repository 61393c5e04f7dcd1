/*
 * status.c - AStatus, and the status header of AIDL replies in parcels
 * (the layout libbinder's Status::writeToParcel/readFromParcel use).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

struct AStatus {
	binder_exception_t exception;
	int32_t service_specific; /* EX_SERVICE_SPECIFIC only */
	binder_status_t status;	  /* EX_TRANSACTION_FAILED only */
	char *message;		  /* NULL: none */
};

static bool exception_known(binder_exception_t e)
{
	return (e <= EX_NONE && e >= EX_PARCELABLE) || e == EX_TRANSACTION_FAILED;
}

/*
 * What the constructors return when memory runs out (they cannot return
 * NULL: NDK callers do not check).  AStatus_delete() leaves it alone.
 */
static AStatus out_of_memory = {EX_TRANSACTION_FAILED, 0, STATUS_NO_MEMORY, NULL};

static AStatus *status_new(binder_exception_t exception, int32_t code, binder_status_t status,
			   const char *message)
{
	AStatus *s = calloc(1, sizeof(*s));

	if (!s)
		return &out_of_memory;
	if (!exception_known(exception)) {
		exception = EX_TRANSACTION_FAILED;
		status = STATUS_UNKNOWN_ERROR;
	} else if (exception == EX_TRANSACTION_FAILED && status == STATUS_OK) {
		status = STATUS_FAILED_TRANSACTION;
	}
	s->exception = exception;
	s->service_specific = exception == EX_SERVICE_SPECIFIC ? code : 0;
	s->status = exception == EX_TRANSACTION_FAILED ? status : STATUS_OK;
	if (message && *message)
		s->message = strdup(message); /* NULL if memory runs out: no message */
	return s;
}

AStatus *AStatus_newOk(void)
{
	return status_new(EX_NONE, 0, STATUS_OK, NULL);
}

AStatus *AStatus_fromExceptionCode(binder_exception_t exception)
{
	return status_new(exception, 0, STATUS_OK, NULL);
}

AStatus *AStatus_fromExceptionCodeWithMessage(binder_exception_t exception, const char *message)
{
	return status_new(exception, 0, STATUS_OK, message);
}

AStatus *AStatus_fromServiceSpecificError(int32_t serviceSpecific)
{
	return status_new(EX_SERVICE_SPECIFIC, serviceSpecific, STATUS_OK, NULL);
}

AStatus *AStatus_fromServiceSpecificErrorWithMessage(int32_t serviceSpecific, const char *message)
{
	return status_new(EX_SERVICE_SPECIFIC, serviceSpecific, STATUS_OK, message);
}

AStatus *AStatus_fromStatus(binder_status_t status)
{
	if (status == STATUS_OK)
		return AStatus_newOk();
	return status_new(EX_TRANSACTION_FAILED, 0, status, NULL);
}

bool AStatus_isOk(const AStatus *s)
{
	return s->exception == EX_NONE;
}

binder_exception_t AStatus_getExceptionCode(const AStatus *s)
{
	return s->exception;
}

int32_t AStatus_getServiceSpecificError(const AStatus *s)
{
	return s->service_specific;
}

binder_status_t AStatus_getStatus(const AStatus *s)
{
	return s->status;
}

const char *AStatus_getMessage(const AStatus *s)
{
	return s->message ? s->message : "";
}

const char *AStatus_getDescription(const AStatus *s)
{
	char *out;
	int n;

	if (s->exception == EX_NONE)
		n = asprintf(&out, "No error");
	else if (s->exception == EX_SERVICE_SPECIFIC || s->exception == EX_TRANSACTION_FAILED)
		n = asprintf(&out, "Status(%d): %d: '%s'", s->exception,
			     s->exception == EX_SERVICE_SPECIFIC ? s->service_specific : s->status,
			     AStatus_getMessage(s));
	else
		n = asprintf(&out, "Status(%d): '%s'", s->exception, AStatus_getMessage(s));
	return n < 0 ? NULL : out;
}

void AStatus_deleteDescription(const char *description)
{
	free((char *)description);
}

void AStatus_delete(AStatus *s)
{
	if (!s || s == &out_of_memory)
		return;
	free(s->message);
	free(s);
}

binder_status_t AParcel_writeStatusHeader(AParcel *p, const AStatus *s)
{
	const char *msg = AStatus_getMessage(s);
	binder_status_t r;

	if (s->exception == EX_TRANSACTION_FAILED)
		return s->status; /* the transaction fails with it; nothing is written */
	r = AParcel_writeInt32(p, s->exception);
	if (r != STATUS_OK || s->exception == EX_NONE)
		return r;
	r = AParcel_writeString(p, msg, (int32_t)strlen(msg));
	if (r == STATUS_BAD_VALUE) /* a message that is not UTF-8 is dropped */
		r = AParcel_writeString(p, "", 0);
	if (r == STATUS_OK)
		r = AParcel_writeInt32(p, 0); /* empty remote stack trace header */
	if (r == STATUS_OK && s->exception == EX_SERVICE_SPECIFIC)
		r = AParcel_writeInt32(p, s->service_specific);
	else if (r == STATUS_OK && s->exception == EX_PARCELABLE)
		r = AParcel_writeInt32(p, 0); /* no parcelable blob */
	return r;
}

/*
 * Skip a header whose int32 size is at the position.  @counts_itself:
 * the size includes the int32 (reply headers, parcelable blobs) or not
 * (remote stack traces).
 */
static binder_status_t skip_header(const AParcel *p, bool counts_itself)
{
	int32_t start = AParcel_getDataPosition(p), size;
	binder_status_t r = AParcel_readInt32(p, &size);

	if (r != STATUS_OK)
		return r;
	if (size < 0 || size > AParcel_getDataSize(p) - (counts_itself ? start : start + 4))
		return STATUS_BAD_VALUE;
	/* The end must be a valid position: 4-aligned, inside the data. */
	return AParcel_setDataPosition(p, (counts_itself ? start : start + 4) + size);
}

binder_status_t AParcel_readStatusHeader(const AParcel *p, AStatus **out)
{
	int32_t start = AParcel_getDataPosition(p), exception, code = 0;
	char *message = NULL;
	binder_status_t r;

	*out = NULL;
	r = AParcel_readInt32(p, &exception);
	if (r == STATUS_OK && exception == EX_HAS_REPLY_HEADER) {
		r = skip_header(p, true);
		exception = EX_NONE; /* such headers come only with no exception */
	}
	if (r == STATUS_OK && exception != EX_NONE) {
		r = AParcel_readStringDup(p, &message, NULL);
		if (r == STATUS_OK)
			r = skip_header(p, false);
		if (r == STATUS_OK && exception == EX_SERVICE_SPECIFIC)
			r = AParcel_readInt32(p, &code);
		else if (r == STATUS_OK && exception == EX_PARCELABLE)
			r = skip_header(p, true);
	}
	if (r == STATUS_OK)
		*out = status_new(exception, code, STATUS_OK, message);
	else
		AParcel_setDataPosition(p, start);
	free(message);
	return r;
}
