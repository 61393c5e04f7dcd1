/* rpc_test_service.c - see rpc_test_service.h. */
#include "rpc_test_service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#define RECORD_MAX 4096

struct test_service_state test_service_state;

struct service {
	pthread_mutex_t lock;
	AIBinder *stored;
	int32_t record[RECORD_MAX];
	int32_t nrecord;
	int chain_depth;
	pthread_t chain_thread;
};

struct callback {
	AIBinder *service;
	pthread_mutex_t lock;
	pthread_t first;
	bool seen;
	int other_threads;
};

/* ------------------------------------------------------------------ IObject */

static void *object_create(void *args)
{
	int32_t *id = malloc(sizeof(*id));

	*id = *(int32_t *)args;
	atomic_fetch_add(&test_service_state.objects_alive, 1);
	return id;
}

static void object_destroy(void *data)
{
	free(data);
	atomic_fetch_sub(&test_service_state.objects_alive, 1);
}

static binder_status_t write_ok(AParcel *out)
{
	AStatus *ok = AStatus_newOk();
	binder_status_t r = AParcel_writeStatusHeader(out, ok);

	AStatus_delete(ok);
	return r;
}

static binder_status_t object_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				       AParcel *out)
{
	(void)in;
	if (code != OBJECT_GET_ID)
		return STATUS_UNKNOWN_TRANSACTION;
	write_ok(out);
	return AParcel_writeInt32(out, *(int32_t *)AIBinder_getUserData(b));
}

AIBinder_Class *test_object_class(void)
{
	static AIBinder_Class *clazz;
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&m);
	if (!clazz)
		clazz = AIBinder_Class_define(TEST_OBJECT_DESCRIPTOR, object_create, object_destroy,
					      object_transact);
	pthread_mutex_unlock(&m);
	return clazz;
}

/* ------------------------------------------------------------------ ICallback */

static void *callback_create(void *args)
{
	struct callback *cb = calloc(1, sizeof(*cb));

	cb->service = args;
	AIBinder_incStrong(cb->service);
	pthread_mutex_init(&cb->lock, NULL);
	return cb;
}

static void callback_destroy(void *data)
{
	struct callback *cb = data;

	AIBinder_decStrong(cb->service);
	pthread_mutex_destroy(&cb->lock);
	free(cb);
}

static binder_status_t callback_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
					 AParcel *out)
{
	struct callback *cb = AIBinder_getUserData(b);
	int32_t n, r = 0;
	binder_status_t s;

	if (code != CALLBACK_ON_CALL)
		return STATUS_UNKNOWN_TRANSACTION;
	s = AParcel_readInt32(in, &n);
	if (s != STATUS_OK)
		return s;
	pthread_mutex_lock(&cb->lock);
	if (!cb->seen) {
		cb->first = pthread_self();
		cb->seen = true;
	} else if (!pthread_equal(cb->first, pthread_self())) {
		cb->other_threads++;
	}
	pthread_mutex_unlock(&cb->lock);
	if (n <= -100) {
		/* A oneway call back into the service, from inside its call. */
		s = test_record(cb->service, -n - 100);
		if (s != STATUS_OK)
			return s;
	} else if (n < 0) {
		r = -2 * n;
	} else if (n > 0) {
		s = test_call_back(cb->service, b, n - 1, &r);
		if (s != STATUS_OK)
			return s;
		r += 10;
	}
	write_ok(out);
	return AParcel_writeInt32(out, r);
}

AIBinder_Class *test_callback_class(void)
{
	static AIBinder_Class *clazz;
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&m);
	if (!clazz)
		clazz = AIBinder_Class_define(TEST_CALLBACK_DESCRIPTOR, callback_create,
					      callback_destroy, callback_transact);
	pthread_mutex_unlock(&m);
	return clazz;
}

AIBinder *test_callback_new(AIBinder *service)
{
	return AIBinder_new(test_callback_class(), service);
}

int test_callback_other_threads(AIBinder *callback)
{
	return ((struct callback *)AIBinder_getUserData(callback))->other_threads;
}

/* ------------------------------------------------------------------ the service */

static void *service_create(void *args)
{
	struct service *sv = calloc(1, sizeof(*sv));

	(void)args;
	pthread_mutex_init(&sv->lock, NULL);
	return sv;
}

static void service_destroy(void *data)
{
	struct service *sv = data;

	AIBinder_decStrong(sv->stored);
	pthread_mutex_destroy(&sv->lock);
	free(sv);
}

static bool copy_string(void *arg, int32_t length, char **buffer)
{
	char **out = arg;

	*out = length > 0 ? malloc((size_t)length) : NULL;
	*buffer = *out;
	return length > 0 && *out;
}

static void *kick_thread(void *arg)
{
	AIBinder *cb = arg;
	AParcel *in = NULL, *out = NULL;
	binder_status_t r;
	AStatus *st = NULL;
	int32_t v = 0;

	r = AIBinder_prepareTransaction(cb, &in);
	if (r == STATUS_OK)
		AParcel_writeInt32(in, -21);
	if (r == STATUS_OK)
		r = AIBinder_transact(cb, CALLBACK_ON_CALL, &in, &out, 0);
	if (r == STATUS_OK && AParcel_readStatusHeader(out, &st) == STATUS_OK)
		AParcel_readInt32(out, &v);
	AStatus_delete(st);
	AParcel_delete(out);
	AParcel_delete(in);
	AIBinder_decStrong(cb);
	atomic_store(&test_service_state.kick_result, v);
	atomic_store(&test_service_state.kick_status, r);
	return NULL;
}

static binder_status_t service_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
					AParcel *out)
{
	struct service *sv = AIBinder_getUserData(self);
	int32_t a, b, n;
	int8_t *bytes = NULL;
	char *str = NULL;
	AIBinder *binder = NULL, *old;
	binder_status_t r = STATUS_OK;
	AStatus *st;
	pthread_t thread;
	int fd, pipefd[2];

	switch (code) {
	case TEST_ADD:
		if ((r = AParcel_readInt32(in, &a)) || (r = AParcel_readInt32(in, &b)))
			return r;
		write_ok(out);
		return AParcel_writeInt32(out, a + b);
	case TEST_ECHO:
		r = AParcel_readByteArrayDup(in, &bytes, &n);
		if (r == STATUS_OK) {
			write_ok(out);
			r = AParcel_writeByteArray(out, bytes, n);
		}
		free(bytes);
		return r;
	case TEST_CALL_BACK:
		if ((r = AParcel_readStrongBinder(in, &binder)) || (r = AParcel_readInt32(in, &n)))
			return r;
		if (!binder)
			return STATUS_UNEXPECTED_NULL;
		pthread_mutex_lock(&sv->lock);
		if (sv->chain_depth++ == 0)
			sv->chain_thread = pthread_self();
		else if (!pthread_equal(sv->chain_thread, pthread_self()))
			atomic_fetch_add(&test_service_state.call_back_threads_differ, 1);
		pthread_mutex_unlock(&sv->lock);
		if (!AIBinder_associateClass(binder, test_callback_class())) {
			r = STATUS_BAD_TYPE;
		} else {
			AParcel *cin = NULL, *cout = NULL;

			r = AIBinder_prepareTransaction(binder, &cin);
			if (r == STATUS_OK)
				r = AParcel_writeInt32(cin, n);
			if (r == STATUS_OK)
				r = AIBinder_transact(binder, CALLBACK_ON_CALL, &cin, &cout, 0);
			if (r == STATUS_OK &&
			    (r = AParcel_readStatusHeader(cout, &st)) == STATUS_OK) {
				AStatus_delete(st);
				r = AParcel_readInt32(cout, &a);
			}
			AParcel_delete(cout);
			AParcel_delete(cin);
		}
		pthread_mutex_lock(&sv->lock);
		sv->chain_depth--;
		pthread_mutex_unlock(&sv->lock);
		AIBinder_decStrong(binder);
		if (r != STATUS_OK)
			return r;
		write_ok(out);
		return AParcel_writeInt32(out, a + 1);
	case TEST_STORE:
		if ((r = AParcel_readStrongBinder(in, &binder)))
			return r;
		pthread_mutex_lock(&sv->lock);
		old = sv->stored;
		sv->stored = binder;
		pthread_mutex_unlock(&sv->lock);
		AIBinder_decStrong(old);
		return write_ok(out);
	case TEST_GET_STORED:
		pthread_mutex_lock(&sv->lock);
		binder = sv->stored;
		AIBinder_incStrong(binder);
		pthread_mutex_unlock(&sv->lock);
		write_ok(out);
		r = AParcel_writeStrongBinder(out, binder);
		AIBinder_decStrong(binder);
		return r;
	case TEST_NEW_OBJECT:
		if ((r = AParcel_readInt32(in, &a)))
			return r;
		binder = AIBinder_new(test_object_class(), &a);
		write_ok(out);
		r = AParcel_writeStrongBinder(out, binder);
		AIBinder_decStrong(binder);
		return r;
	case TEST_IS_OURS:
		if ((r = AParcel_readStrongBinder(in, &binder)))
			return r;
		write_ok(out);
		r = AParcel_writeBool(
		    out, binder && !AIBinder_isRemote(binder) &&
			     (binder == self || AIBinder_getClass(binder) == test_object_class()));
		AIBinder_decStrong(binder);
		return r;
	case TEST_SLOW:
		if ((r = AParcel_readInt32(in, &a)))
			return r;
		usleep((useconds_t)a * 1000);
		atomic_fetch_add(&test_service_state.slow_done, 1);
		return write_ok(out);
	case TEST_RECORD:
		if ((r = AParcel_readInt32(in, &a)))
			return r;
		pthread_mutex_lock(&sv->lock);
		if (sv->nrecord < RECORD_MAX)
			sv->record[sv->nrecord++] = a;
		pthread_mutex_unlock(&sv->lock);
		return STATUS_OK;
	case TEST_GET_RECORD:
		write_ok(out);
		pthread_mutex_lock(&sv->lock);
		r = AParcel_writeInt32Array(out, sv->record, sv->nrecord);
		pthread_mutex_unlock(&sv->lock);
		return r;
	case TEST_WRITE_FD:
		if ((r = AParcel_readParcelFileDescriptor(in, &fd)))
			return r;
		r = AParcel_readString(in, &str, copy_string);
		if (r == STATUS_OK && write(fd, str, strlen(str)) != (ssize_t)strlen(str))
			r = -errno;
		close(fd);
		free(str);
		return r ? r : write_ok(out);
	case TEST_OPEN_FD:
		if ((r = AParcel_readString(in, &str, copy_string)))
			return r;
		if (pipe(pipefd) < 0 || write(pipefd[1], str, strlen(str)) < 0)
			r = -errno;
		free(str);
		if (r == STATUS_OK) {
			write_ok(out);
			r = AParcel_writeParcelFileDescriptor(out, pipefd[0]);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	case TEST_FAIL:
		if ((r = AParcel_readInt32(in, &a)))
			return r;
		st = AStatus_fromServiceSpecificErrorWithMessage(a, "as asked");
		r = AParcel_writeStatusHeader(out, st);
		AStatus_delete(st);
		return r;
	case TEST_KICK_STORED:
		pthread_mutex_lock(&sv->lock);
		binder = sv->stored;
		AIBinder_incStrong(binder);
		pthread_mutex_unlock(&sv->lock);
		if (!binder || !AIBinder_associateClass(binder, test_callback_class())) {
			AIBinder_decStrong(binder);
			return STATUS_BAD_VALUE;
		}
		atomic_store(&test_service_state.kick_status, 1);
		if (pthread_create(&thread, NULL, kick_thread, binder) != 0)
			return STATUS_NO_MEMORY;
		pthread_detach(thread);
		return write_ok(out);
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

AIBinder_Class *test_service_class(void)
{
	static AIBinder_Class *clazz;
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&m);
	if (!clazz)
		clazz = AIBinder_Class_define(TEST_SERVICE_DESCRIPTOR, service_create,
					      service_destroy, service_transact);
	pthread_mutex_unlock(&m);
	return clazz;
}

AIBinder *test_service_new(void)
{
	return AIBinder_new(test_service_class(), NULL);
}

void test_service_clear(AIBinder *service)
{
	struct service *sv = AIBinder_getUserData(service);
	AIBinder *old;

	pthread_mutex_lock(&sv->lock);
	old = sv->stored;
	sv->stored = NULL;
	sv->nrecord = 0;
	pthread_mutex_unlock(&sv->lock);
	AIBinder_decStrong(old);
}

/* ------------------------------------------------------------------ client stubs */

/* Send @in with @code; check the reply's status header; the reply in *@out. */
static binder_status_t call(AIBinder *b, transaction_code_t code, AParcel **in, AParcel **out)
{
	AStatus *st = NULL;
	binder_status_t r = AIBinder_transact(b, code, in, out, 0);

	if (r != STATUS_OK)
		return r;
	r = AParcel_readStatusHeader(*out, &st);
	if (r == STATUS_OK && !AStatus_isOk(st))
		r = -EREMOTEIO;
	AStatus_delete(st);
	if (r != STATUS_OK) {
		AParcel_delete(*out);
		*out = NULL;
	}
	return r;
}

#define BEGIN(b)                                                                                   \
	AParcel *in = NULL, *out = NULL;                                                           \
	binder_status_t r = AIBinder_prepareTransaction(b, &in);                                   \
	if (r != STATUS_OK)                                                                        \
	return r

binder_status_t test_add(AIBinder *svc, int32_t a, int32_t b, int32_t *sum)
{
	BEGIN(svc);
	AParcel_writeInt32(in, a);
	AParcel_writeInt32(in, b);
	r = call(svc, TEST_ADD, &in, &out);
	if (r == STATUS_OK)
		r = AParcel_readInt32(out, sum);
	AParcel_delete(out);
	return r;
}

binder_status_t test_echo(AIBinder *svc, const void *data, int32_t len, int8_t **echo,
			  int32_t *echo_len)
{
	BEGIN(svc);
	r = AParcel_writeByteArray(in, data, len);
	if (r == STATUS_OK)
		r = call(svc, TEST_ECHO, &in, &out);
	AParcel_delete(in);
	if (r == STATUS_OK)
		r = AParcel_readByteArrayDup(out, echo, echo_len);
	AParcel_delete(out);
	return r;
}

binder_status_t test_call_back(AIBinder *svc, AIBinder *cb, int32_t n, int32_t *result)
{
	BEGIN(svc);
	r = AParcel_writeStrongBinder(in, cb);
	if (r == STATUS_OK)
		r = AParcel_writeInt32(in, n);
	if (r == STATUS_OK)
		r = call(svc, TEST_CALL_BACK, &in, &out);
	AParcel_delete(in);
	if (r == STATUS_OK)
		r = AParcel_readInt32(out, result);
	AParcel_delete(out);
	return r;
}

binder_status_t test_store(AIBinder *svc, AIBinder *b)
{
	BEGIN(svc);
	r = AParcel_writeStrongBinder(in, b);
	if (r == STATUS_OK)
		r = call(svc, TEST_STORE, &in, &out);
	AParcel_delete(in);
	AParcel_delete(out);
	return r;
}

binder_status_t test_get_stored(AIBinder *svc, AIBinder **b)
{
	BEGIN(svc);
	r = call(svc, TEST_GET_STORED, &in, &out);
	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(out, b);
	AParcel_delete(out);
	return r;
}

binder_status_t test_new_object(AIBinder *svc, int32_t id, AIBinder **obj)
{
	BEGIN(svc);
	AParcel_writeInt32(in, id);
	r = call(svc, TEST_NEW_OBJECT, &in, &out);
	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(out, obj);
	AParcel_delete(out);
	return r;
}

binder_status_t test_is_ours(AIBinder *svc, AIBinder *b, bool *ours)
{
	BEGIN(svc);
	r = AParcel_writeStrongBinder(in, b);
	if (r == STATUS_OK)
		r = call(svc, TEST_IS_OURS, &in, &out);
	AParcel_delete(in);
	if (r == STATUS_OK)
		r = AParcel_readBool(out, ours);
	AParcel_delete(out);
	return r;
}

binder_status_t test_slow(AIBinder *svc, int32_t ms)
{
	BEGIN(svc);
	AParcel_writeInt32(in, ms);
	r = call(svc, TEST_SLOW, &in, &out);
	AParcel_delete(out);
	return r;
}

binder_status_t test_record(AIBinder *svc, int32_t v)
{
	BEGIN(svc);
	AParcel_writeInt32(in, v);
	r = AIBinder_transact(svc, TEST_RECORD, &in, &out, FLAG_ONEWAY);
	AParcel_delete(out);
	return r;
}

static bool copy_ints(void *arg, int32_t length, int32_t **buffer)
{
	int32_t **out = arg;

	*out = length > 0 ? malloc((size_t)length * sizeof(int32_t)) : NULL;
	*buffer = *out;
	return length <= 0 || *out;
}

binder_status_t test_get_record(AIBinder *svc, int32_t **values, int32_t *n)
{
	int32_t start;

	BEGIN(svc);
	*values = NULL;
	r = call(svc, TEST_GET_RECORD, &in, &out);
	if (r == STATUS_OK) {
		start = AParcel_getDataPosition(out);
		r = AParcel_readInt32(out, n);
		AParcel_setDataPosition(out, start);
	}
	if (r == STATUS_OK)
		r = AParcel_readInt32Array(out, values, copy_ints);
	AParcel_delete(out);
	return r;
}

binder_status_t test_write_fd(AIBinder *svc, int fd, const char *s)
{
	BEGIN(svc);
	r = AParcel_writeParcelFileDescriptor(in, fd);
	if (r == STATUS_OK)
		r = AParcel_writeString(in, s, (int32_t)strlen(s));
	if (r == STATUS_OK)
		r = call(svc, TEST_WRITE_FD, &in, &out);
	AParcel_delete(in);
	AParcel_delete(out);
	return r;
}

binder_status_t test_open_fd(AIBinder *svc, const char *s, int *fd)
{
	BEGIN(svc);
	AParcel_writeString(in, s, (int32_t)strlen(s));
	r = call(svc, TEST_OPEN_FD, &in, &out);
	if (r == STATUS_OK)
		r = AParcel_readParcelFileDescriptor(out, fd);
	AParcel_delete(out);
	return r;
}

binder_status_t test_fail(AIBinder *svc, int32_t code, AStatus **status)
{
	BEGIN(svc);
	AParcel_writeInt32(in, code);
	r = AIBinder_transact(svc, TEST_FAIL, &in, &out, 0);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(out, status);
	AParcel_delete(out);
	return r;
}

binder_status_t test_kick_stored(AIBinder *svc)
{
	BEGIN(svc);
	r = call(svc, TEST_KICK_STORED, &in, &out);
	AParcel_delete(out);
	return r;
}

binder_status_t test_object_get_id(AIBinder *obj, int32_t *id)
{
	BEGIN(obj);
	r = call(obj, OBJECT_GET_ID, &in, &out);
	if (r == STATUS_OK)
		r = AParcel_readInt32(out, id);
	AParcel_delete(out);
	return r;
}
