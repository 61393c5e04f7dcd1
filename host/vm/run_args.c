/* run_args.c - run-app's and run-microdroid's command line (run_app.h). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "lib/common/parse.h"
#include "run_app.h"

static const struct option options[] = {
    {"mem", required_argument, NULL, 'm'},
    {"cpus", required_argument, NULL, 'c'},
    {"name", required_argument, NULL, 'n'},
    {"console", required_argument, NULL, 'C'},
    {"log", required_argument, NULL, 'l'},
    {"debug", required_argument, NULL, 'd'},
    {"boot-timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int number(const char *opt, const char *s, uint64_t min, uint64_t max, int32_t *out,
		  struct error *e)
{
	uint64_t v;

	if (!parse_uint(s, min, max, &v))
		return error_set(e, -EINVAL, "%s wants a number from %llu to %llu, not '%s'", opt,
				 (unsigned long long)min, (unsigned long long)max, s);
	*out = (int32_t)v;
	return 0;
}

static int option(int opt, const char *arg, struct run_args *a, struct error *e)
{
	int32_t secs = 0;
	int r;

	switch (opt) {
	case 'm':
		return number("--mem", arg, VMCONFIG_MIN_MEM_MIB, VMCONFIG_MAX_MEM_MIB,
			      &a->memory_mib, e);
	case 'c':
		return number("--cpus", arg, 1, VMCONFIG_MAX_CPUS, &a->cpus, e);
	case 'n':
		if (!vm_name_valid(arg))
			return error_set(
			    e, -EINVAL,
			    "--name wants 1 to %d of A-Z a-z 0-9 . _ - (not first: . -), "
			    "not '%s'",
			    VMCONFIG_NAME_MAX, arg);
		a->name = arg;
		return 0;
	case 'C':
		a->console = arg;
		return 0;
	case 'l':
		a->log = arg;
		return 0;
	case 'd':
		if (!strcmp(arg, "full"))
			a->debug = VM_DEBUG_FULL;
		else if (!strcmp(arg, "none"))
			a->debug = VM_DEBUG_NONE;
		else
			return error_set(e, -EINVAL, "--debug wants full or none, not '%s'", arg);
		return 0;
	case 't':
		r = number("--boot-timeout", arg, 1, VMCONFIG_MAX_BOOT_TIMEOUT_MS / 1000, &secs, e);
		a->boot_timeout_ms = secs * 1000;
		return r;
	case 'h':
		a->help = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int run_args_parse(int argc, char **argv, bool with_package, struct run_args *a, struct error *e)
{
	int opt, r, n;

	memset(a, 0, sizeof(*a));
	a->debug = VM_DEBUG_NONE;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt == ':')
			return error_set(e, -EINVAL, "option '%s' needs a value", argv[optind - 1]);
		if (opt == '?')
			return error_set(e, -EINVAL, "unknown option '%s'", argv[optind - 1]);
		r = option(opt, optarg, a, e);
		if (r)
			return r;
		if (a->help)
			return 0;
	}
	n = argc - optind;
	if (!with_package) {
		if (n)
			return error_set(e, -EINVAL, "takes no arguments, got '%s'", argv[optind]);
		return 0;
	}
	if (n < 1 || n > 2)
		return error_set(e, -EINVAL, "want PACKAGE [INSTANCE.img], got %d argument%s", n,
				 n == 1 ? "" : "s");
	a->package = argv[optind];
	a->instance = n == 2 ? argv[optind + 1] : NULL;
	return 0;
}
