/*
 * md-hello - the test service of the Microdroid integration cases
 * (tests/integration/microdroid/test.rc).  It runs as a service of the
 * guest's init, prints one line that the host looks for on the console,
 * and reports through a property that it ran, which makes the test
 * init.rc shut the VM down.
 *
 * The line carries the uid it runs as and ro.boot.mdtest, which init
 * fills from androidboot.mdtest= on the kernel command line, so one line
 * shows the service's user option and the ro.boot.* import at work.
 */
#include <stdio.h>
#include <unistd.h>

#include "guest/libprop/properties.h"

int main(void)
{
	char token[PROP_VALUE_MAX];
	int r = property_get("ro.boot.mdtest", token, "(unset)");

	if (r < 0) {
		fprintf(stderr, "md-hello: cannot read ro.boot.mdtest: %s\n", property_strerror(r));
		return 1;
	}
	printf("md-hello: hello from a test service, uid %u, token %s\n", (unsigned)getuid(),
	       token);
	fflush(stdout);
	r = property_set("test.md_hello.done", "1");
	if (r < 0) {
		fprintf(stderr, "md-hello: cannot set test.md_hello.done: %s\n",
			property_strerror(r));
		return 1;
	}
	return 0;
}
