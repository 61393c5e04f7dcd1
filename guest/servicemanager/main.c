/*
 * servicemanager - the guest's binder context manager.  It opens
 * /dev/binder, loads the registration allowlist
 * (/system/etc/servicemanager.allow, or the file named by its first
 * argument), becomes the context manager (handle 0 for every process)
 * and serves android.os.IServiceManager on its thread pool.  init starts
 * it (image/init.rc: class core, user system, critical).
 */
#include <stdio.h>
#include <string.h>

#include <binder/driver.h>

#include "servicemanager.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : SM_ALLOWLIST_PATH;
	static struct sm_allowlist allow;
	AIBinder *sm;
	int bad_line = 0, r;

	r = sm_allowlist_load(path, &allow, &bad_line);
	if (r < 0) {
		if (bad_line)
			fprintf(stderr, "servicemanager: %s:%d: malformed line\n", path, bad_line);
		else
			fprintf(stderr, "servicemanager: %s: %s\n", path, strerror(-r));
		return 1;
	}
	r = binder_driver_open(NULL);
	if (r < 0) {
		fprintf(stderr, "servicemanager: %s: %s\n", BINDER_DRIVER_DEFAULT_PATH,
			strerror(-r));
		return 1;
	}
	sm = sm_registry_new(&allow);
	if (!sm) {
		fprintf(stderr, "servicemanager: out of memory\n");
		return 1;
	}
	r = binder_driver_become_context_manager(sm);
	if (r < 0) {
		fprintf(stderr, "servicemanager: cannot become the context manager: %s\n",
			strerror(-r));
		return 1;
	}
	fprintf(stderr, "servicemanager: ready (%zu allowlist entries)\n", allow.count);
	ABinderProcess_setThreadPoolMaxThreadCount(4);
	ABinderProcess_joinThreadPool();
	fprintf(stderr, "servicemanager: the binder driver failed\n");
	return 1;
}
