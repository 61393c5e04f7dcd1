/*
 * binder/driver.h - binder through the kernel driver (/dev/binder): the
 * process state, its thread pool and servicemanager's client.  Names
 * follow the NDK (android/binder_process.h, binder_manager.h) where it
 * has them.  See docs/binder.md ("The kernel-driver backend").
 *
 * One driver connection per process (like libbinder's ProcessState).
 * Every function below opens the default device (/dev/binder) on first
 * use if binder_driver_open() was not called first.  Objects received
 * from the driver are proxies (AIBinder_isRemote()); local objects sent
 * through it stay alive as long as the driver holds a reference on them.
 *
 * Death notifications need a thread reading the driver: call
 * ABinderProcess_startThreadPool() (or join it) in a process that links
 * to death or serves objects.
 */
#ifndef BINDER_DRIVER_H
#define BINDER_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <android/binder_ibinder.h>
#include <android/binder_status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BINDER_DRIVER_DEFAULT_PATH "/dev/binder"

/*
 * Open the binder device at @path (NULL: the default), check its protocol
 * version, map the 1 MiB - 8 KiB receive buffer and set the default
 * thread pool size (15).  0, or -EALREADY if a device is already open
 * (the call is then a no-op), or a negative errno: -ENOENT (no device),
 * -EPROTO (another protocol version), ...
 */
int binder_driver_open(const char *path);

/* The process's binder fd, or -1 if none is open. */
int binder_driver_fd(void);

/*
 * Make @binder (a local object) the context manager, handle 0 for every
 * process (BINDER_SET_CONTEXT_MGR); only servicemanager does this.  0, or
 * -EBUSY if another process is, or a negative errno.
 */
int binder_driver_become_context_manager(AIBinder *binder);

/* How many threads the driver may ask for (BINDER_SET_MAX_THREADS). */
bool ABinderProcess_setThreadPoolMaxThreadCount(uint32_t numThreads);
/* Start the pool's first thread (once); the driver asks for more. */
void ABinderProcess_startThreadPool(void);
/* Serve incoming calls on the calling thread; returns only on a driver error. */
void ABinderProcess_joinThreadPool(void);

/*
 * The caller of the transaction this thread is running (the driver's
 * sender_euid / sender_pid); outside one, this process's own.
 */
uid_t AIBinder_getCallingUid(void);
pid_t AIBinder_getCallingPid(void);

/*
 * servicemanager's client (android.os.IServiceManager at handle 0).
 * addService returns EX_NONE, the exception servicemanager raised
 * (EX_SECURITY: the caller's uid may not register @instance;
 * EX_ILLEGAL_ARGUMENT: a bad name or a null binder) or
 * EX_TRANSACTION_FAILED (no servicemanager, a transport failure).
 */
binder_exception_t AServiceManager_addService(AIBinder *binder, const char *instance);
/* The service or NULL, at once. */
AIBinder *AServiceManager_checkService(const char *instance);
/* The service or NULL, waiting up to 5 s for it (libbinder's getService). */
AIBinder *AServiceManager_getService(const char *instance);
/* The service, waiting as long as it takes; NULL only on a transport failure. */
AIBinder *AServiceManager_waitForService(const char *instance);
/*
 * The names registered, as a malloc'ed array of malloc'ed strings in
 * *@names (free each and the array), their number in *@count.  0 or a
 * negative status.
 */
binder_status_t AServiceManager_listServices(char ***names, int32_t *count);

/* servicemanager's interface, for its implementation (guest/servicemanager). */
#define ISERVICEMANAGER_DESCRIPTOR "android.os.IServiceManager"
#define ISERVICEMANAGER_GET_SERVICE (FIRST_CALL_TRANSACTION + 0)
#define ISERVICEMANAGER_CHECK_SERVICE (FIRST_CALL_TRANSACTION + 1)
#define ISERVICEMANAGER_ADD_SERVICE (FIRST_CALL_TRANSACTION + 2)
#define ISERVICEMANAGER_LIST_SERVICES (FIRST_CALL_TRANSACTION + 3)
#define ISERVICEMANAGER_REGISTER_FOR_NOTIFICATIONS (FIRST_CALL_TRANSACTION + 4)
#define ISERVICEMANAGER_UNREGISTER_FOR_NOTIFICATIONS (FIRST_CALL_TRANSACTION + 5)
#define ISERVICEMANAGER_IS_DECLARED (FIRST_CALL_TRANSACTION + 6)
#define ISERVICECALLBACK_DESCRIPTOR "android.os.IServiceCallback"
#define ISERVICECALLBACK_ON_REGISTRATION (FIRST_CALL_TRANSACTION + 0)
#define ISERVICEMANAGER_DUMP_FLAG_PRIORITY_DEFAULT 8
#define ISERVICEMANAGER_DUMP_FLAG_PRIORITY_ALL 15

#ifdef __cplusplus
}
#endif

#endif
