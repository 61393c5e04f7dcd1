/* test_mvm_args.c - the mvm command line virtmgr builds for a Microdroid VM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/virtmgr/mvm_args.h"

static void test_microdroid_argv(void **state)
{
	const struct mvm_microdroid m = {
	    .mvm = "/bin/mvm",
	    .kernel = "img/kernel",
	    .initrd = "img/initramfs.img",
	    .cmdline = "console=ttyS0 panic=-1",
	    .mem_mib = 512,
	    .cpus = 2,
	    .system = "img/system.img",
	    .payload = "w/payload.img",
	    .instance = "/proc/self/fd/4",
	    .cid = 7,
	    .vsock_uds = "w/vsock.sock",
	    .log = "/proc/self/fd/3",
	};
	const char *want[] = {"/bin/mvm",
			      "--kernel",
			      "img/kernel",
			      "--initrd",
			      "img/initramfs.img",
			      "--cmdline",
			      "console=ttyS0 panic=-1",
			      "--mem",
			      "512",
			      "--cpus",
			      "2",
			      "--disk",
			      "img/system.img,ro,id=system",
			      "--disk",
			      "w/payload.img,ro,id=payload",
			      "--disk",
			      "/proc/self/fd/4,id=instance",
			      "--cid",
			      "7",
			      "--vsock-uds",
			      "w/vsock.sock",
			      "--console-port",
			      "1=/proc/self/fd/3,name=log",
			      NULL};
	struct error e = {{0}};
	char **argv;
	size_t i;

	(void)state;
	assert_int_equal(mvm_args_build_microdroid(&m, &argv, &e), 0);
	for (i = 0; want[i]; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[i]);
	mvm_args_free(argv);

	struct mvm_microdroid missing = m;
	missing.payload = NULL;
	assert_int_equal(mvm_args_build_microdroid(&missing, &argv, &e), -EINVAL);
	assert_null(argv);
}

static void test_cmdline(void **state)
{
	char *c;

	(void)state;
	c = mvm_microdroid_cmdline("console=ttyS0 quiet panic=-1\n", false);
	assert_string_equal(c, "console=ttyS0 quiet panic=-1");
	free(c);
	c = mvm_microdroid_cmdline("  console=ttyS0 quiet panic=-1 quiet\n\n", true);
	assert_string_equal(c, "console=ttyS0 panic=-1");
	free(c);
	/* Only the whole word goes. */
	c = mvm_microdroid_cmdline("quietly=1 quiet", true);
	assert_string_equal(c, "quietly=1");
	free(c);
	c = mvm_microdroid_cmdline("\n", true);
	assert_string_equal(c, "");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_microdroid_argv),
	    cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
