/* test_vm_run_args.c - `vm run-app`'s command line and exit status (host/vm/run_app.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "host/vm/run_app.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_all_options(void **state)
{
	char *argv[] = {"run-app", "--mem",	     "512",   "--cpus", "2",	    "--name",
			"demo",	   "--console",	     "c.txt", "--log",	"l.txt",    "--debug",
			"full",	   "--boot-timeout", "90",    "p.pkg",	"inst.img", NULL};
	struct run_args a;
	struct error e = {{0}};

	(void)state;
	assert_int_equal(run_args_parse(ARGC(argv), argv, true, &a, &e), 0);
	assert_int_equal(a.memory_mib, 512);
	assert_int_equal(a.cpus, 2);
	assert_string_equal(a.name, "demo");
	assert_string_equal(a.console, "c.txt");
	assert_string_equal(a.log, "l.txt");
	assert_int_equal(a.debug, VM_DEBUG_FULL);
	assert_int_equal(a.boot_timeout_ms, 90000);
	assert_string_equal(a.package, "p.pkg");
	assert_string_equal(a.instance, "inst.img");
	assert_false(a.help);
}

static void test_defaults(void **state)
{
	char *argv[] = {"run-app", "p.pkg", NULL};
	struct run_args a;
	struct error e = {{0}};

	(void)state;
	assert_int_equal(run_args_parse(ARGC(argv), argv, true, &a, &e), 0);
	assert_int_equal(a.memory_mib, 0);
	assert_int_equal(a.cpus, 0);
	assert_null(a.name);
	assert_null(a.console);
	assert_null(a.log);
	assert_null(a.instance);
	assert_int_equal(a.debug, VM_DEBUG_NONE);
	assert_int_equal(a.boot_timeout_ms, 0);
}

/* Each bad command line fails with -EINVAL and a message containing @want. */
static void bad(bool with_package, const char *want, int argc, char **argv)
{
	struct run_args a;
	struct error e = {{0}};

	assert_int_equal(run_args_parse(argc, argv, with_package, &a, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("'%s' does not say '%s'", e.msg, want);
}

#define BAD(pkg, want, ...)                                                                        \
	do {                                                                                       \
		char *argv_[] = {"run-app", __VA_ARGS__, NULL};                                    \
		bad(pkg, want, ARGC(argv_), argv_);                                                \
	} while (0)

static void test_bad(void **state)
{
	(void)state;
	BAD(true, "--mem wants a number from 64 to 65536, not '63'", "--mem", "63", "p");
	BAD(true, "--mem wants", "--mem", "65537", "p");
	BAD(true, "--mem wants", "--mem", "12x", "p");
	BAD(true, "--cpus wants a number from 1 to 254", "--cpus", "0", "p");
	BAD(true, "--cpus wants", "--cpus", "255", "p");
	BAD(true, "--name wants", "--name", "-x", "p");
	BAD(true, "--name wants", "--name", "a b", "p");
	BAD(true, "--name wants", "--name",
	    "a1234567890123456789012345678901234567890123456789012345678901234", "p");
	BAD(true, "--debug wants full or none, not 'some'", "--debug", "some", "p");
	BAD(true, "--boot-timeout wants a number from 1 to 3600", "--boot-timeout", "0", "p");
	BAD(true, "--boot-timeout wants", "--boot-timeout", "3601", "p");
	BAD(true, "unknown option '--frob'", "--frob", "p");
	BAD(true, "option '--mem' needs a value", "p", "--mem");
	BAD(true, "want PACKAGE [INSTANCE.img], got 3 arguments", "a", "b", "c");
	BAD(false, "takes no arguments, got 'p'", "p");
}

static void test_no_package_and_help(void **state)
{
	char *none[] = {"run-app", NULL};
	char *help[] = {"run-app", "--mem", "1", "--help", NULL};
	char *mdroid[] = {"run-microdroid", "--cpus", "2", NULL};
	struct run_args a;
	struct error e = {{0}};

	(void)state;
	assert_int_equal(run_args_parse(ARGC(none), none, true, &a, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "got 0 arguments"));
	/* --help after a bad value: the value is refused first, as getopt reads in order. */
	assert_int_equal(run_args_parse(ARGC(help), help, true, &a, &e), -EINVAL);
	help[2] = "128";
	assert_int_equal(run_args_parse(ARGC(help), help, true, &a, &e), 0);
	assert_true(a.help);
	assert_int_equal(run_args_parse(ARGC(mdroid), mdroid, false, &a, &e), 0);
	assert_int_equal(a.cpus, 2);
	assert_null(a.package);
}

static void test_exit_status(void **state)
{
	struct run_outcome o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.finished = true;
	o.exit_code = 7;
	assert_int_equal(run_exit_status(&o), 7);
	o.exit_code = 0;
	assert_int_equal(run_exit_status(&o), 0);
	o.interrupted = 2; /* Ctrl-C after it finished: still its code */
	assert_int_equal(run_exit_status(&o), 0);

	memset(&o, 0, sizeof(o));
	o.crash_signal = 11;
	assert_int_equal(run_exit_status(&o), 128 + 11);
	o.error = true;
	assert_int_equal(run_exit_status(&o), 128 + 11);

	memset(&o, 0, sizeof(o));
	o.interrupted = 2;
	assert_int_equal(run_exit_status(&o), 130);
	o.interrupted = 15;
	assert_int_equal(run_exit_status(&o), 143);

	memset(&o, 0, sizeof(o));
	o.error = true;
	assert_int_equal(run_exit_status(&o), VM_EXIT_VM_FAILED);
	memset(&o, 0, sizeof(o));
	o.lost = true;
	assert_int_equal(run_exit_status(&o), VM_EXIT_LOST);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run_exit_status(&o), VM_EXIT_VM_DIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_options), cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad),		cmocka_unit_test(test_no_package_and_help),
	    cmocka_unit_test(test_exit_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
