/*
 * rpc_test_service.h - a small binder service and callback object for the
 * RPC Binder tests, written the way docs/binder.md tells users to: method
 * codes from FIRST_CALL_TRANSACTION, an AIDL status header first in every
 * reply, client stubs that marshal the arguments.
 */
#ifndef TESTS_RPC_TEST_SERVICE_H
#define TESTS_RPC_TEST_SERVICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <android/binder_ibinder.h>

#define TEST_SERVICE_DESCRIPTOR "microdroid.test.IRpcTest"
#define TEST_CALLBACK_DESCRIPTOR "microdroid.test.ICallback"
#define TEST_OBJECT_DESCRIPTOR "microdroid.test.IObject"

enum {
	TEST_ADD = FIRST_CALL_TRANSACTION, /* (int a, int b) -> int */
	TEST_ECHO,			   /* (byte[] data) -> byte[] */
	TEST_CALL_BACK,			   /* (ICallback cb, int n) -> cb.onCall(n) + 1 */
	TEST_STORE,			   /* (IBinder b): kept by the service */
	TEST_GET_STORED,		   /* () -> IBinder */
	TEST_NEW_OBJECT,		   /* (int id) -> IObject */
	TEST_IS_OURS,			   /* (IBinder b) -> bool: one of the service's objects */
	TEST_SLOW,			   /* (int ms): sleeps, then returns */
	TEST_RECORD,			   /* oneway (int v): appended to the record */
	TEST_GET_RECORD,		   /* () -> int[] */
	TEST_WRITE_FD,			   /* (ParcelFileDescriptor fd, String s): writes s */
	TEST_OPEN_FD,			   /* (String s) -> ParcelFileDescriptor to read s */
	TEST_FAIL,			   /* (int code) -> EX_SERVICE_SPECIFIC code */
	TEST_KICK_STORED,		   /* (): calls the stored callback from a new thread */
};

enum {
	CALLBACK_ON_CALL = FIRST_CALL_TRANSACTION, /* (int n) -> int */
};

enum {
	OBJECT_GET_ID = FIRST_CALL_TRANSACTION, /* () -> int */
};

/* What the service saw, for the tests to check. */
struct test_service_state {
	atomic_int objects_alive; /* IObjects not yet destroyed */
	atomic_int slow_done;	  /* TEST_SLOW calls that finished */
	atomic_int kick_status;	  /* what TEST_KICK_STORED's call returned (1: not yet) */
	atomic_int kick_result;
	pthread_t call_back_thread; /* the thread of the last TEST_CALL_BACK */
	atomic_int call_back_threads_differ;
};

extern struct test_service_state test_service_state;

AIBinder_Class *test_service_class(void);
AIBinder_Class *test_callback_class(void);
AIBinder_Class *test_object_class(void);

/* The service object.  Release with AIBinder_decStrong(). */
AIBinder *test_service_new(void);
/* Forget what TEST_STORE stored (drops the reference). */
void test_service_clear(AIBinder *service);

/*
 * A callback whose onCall(n) returns 0 for n == 0, -2n for -100 < n < 0,
 * makes the oneway call service.record(-n - 100) and returns 0 for
 * n <= -100, and otherwise returns service.callBack(itself, n - 1) + 10,
 * from the thread it runs on;
 * @service is the proxy it calls (a reference is taken).
 */
AIBinder *test_callback_new(AIBinder *service);
/* Threads its onCall ran on that were not the first one it saw. */
int test_callback_other_threads(AIBinder *callback);

/* Client stubs: a status (transaction or AIDL exception as -EREMOTEIO). */
binder_status_t test_add(AIBinder *svc, int32_t a, int32_t b, int32_t *sum);
binder_status_t test_echo(AIBinder *svc, const void *data, int32_t len, int8_t **out,
			  int32_t *out_len);
binder_status_t test_call_back(AIBinder *svc, AIBinder *cb, int32_t n, int32_t *result);
binder_status_t test_store(AIBinder *svc, AIBinder *b);
binder_status_t test_get_stored(AIBinder *svc, AIBinder **b);
binder_status_t test_new_object(AIBinder *svc, int32_t id, AIBinder **obj);
binder_status_t test_is_ours(AIBinder *svc, AIBinder *b, bool *ours);
binder_status_t test_slow(AIBinder *svc, int32_t ms);
binder_status_t test_record(AIBinder *svc, int32_t v);
binder_status_t test_get_record(AIBinder *svc, int32_t **values, int32_t *n);
binder_status_t test_write_fd(AIBinder *svc, int fd, const char *s);
binder_status_t test_open_fd(AIBinder *svc, const char *s, int *fd);
/* Returns the AStatus in *@status (the caller deletes it). */
binder_status_t test_fail(AIBinder *svc, int32_t code, AStatus **status);
binder_status_t test_kick_stored(AIBinder *svc);
binder_status_t test_object_get_id(AIBinder *obj, int32_t *id);

#endif
