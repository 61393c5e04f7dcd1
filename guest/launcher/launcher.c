/*
 * microdroid_launcher - run a payload library (docs/payload.md).
 *
 *   microdroid_launcher [--status-fd N] LIB.so
 *
 * Loads LIB.so with dlopen(RTLD_NOW), so that a missing dependency or an
 * unresolvable symbol fails here and not halfway through the payload,
 * looks up `int AVmPayload_main(void)`, tells microdroid_manager the
 * outcome on fd N (launcher_status.h) and closes it, then exits with what
 * AVmPayload_main returns.  As with any exit status, only its low 8 bits
 * reach the parent: 256 reads as 0 and -1 as 255.
 *
 * Without --status-fd (by hand, in tests) the error goes to stderr.
 * Exit status: AVmPayload_main's value, LAUNCHER_EXIT_FAILED (127) when
 * the payload could not be started, 2 for a bad command line.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher_status.h"

#define PAYLOAD_ENTRY "AVmPayload_main"

typedef int (*payload_main_fn)(void);

static int status_fd = -1;

static void __attribute__((noreturn)) fail(const char *reason)
{
	if (status_fd < 0 || launcher_status_write(status_fd, reason) < 0)
		fprintf(stderr, "microdroid_launcher: %s\n", reason);
	_exit(LAUNCHER_EXIT_FAILED);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: microdroid_launcher [--status-fd N] LIB.so\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char reason[LAUNCHER_STATUS_MAX];
	payload_main_fn entry;
	const char *lib;
	void *handle;
	char *end;
	long fd;

	if (argc == 4 && !strcmp(argv[1], "--status-fd")) {
		errno = 0;
		fd = strtol(argv[2], &end, 10);
		if (errno || *end || end == argv[2] || fd < 0 || fd > 1023)
			usage();
		status_fd = (int)fd;
		lib = argv[3];
	} else if (argc == 2 && argv[1][0] != '-') {
		lib = argv[1];
	} else {
		usage();
	}

	handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		fail(dlerror());
	dlerror();
	*(void **)&entry = dlsym(handle, PAYLOAD_ENTRY);
	if (!entry) {
		const char *err = dlerror();

		snprintf(reason, sizeof(reason), "no %s symbol: %s", PAYLOAD_ENTRY,
			 err ? err : lib);
		fail(reason);
	}
	if (status_fd >= 0) {
		if (launcher_status_write(status_fd, NULL) < 0)
			_exit(LAUNCHER_EXIT_FAILED);
		close(status_fd);
	}
	exit(entry());
}
