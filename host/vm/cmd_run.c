/*
 * cmd_run.c - `vm run CONFIG.json`: run a raw VM config with mvm.
 *
 * The config is parsed and checked here (host/virtmgr/raw_config.h), turned
 * into an mvm command line (mvm_args.h), and vm then becomes mvm with
 * execv(): the VM runs in the foreground on this terminal, signals reach
 * mvm directly, and vm's exit status is mvm's.  Once virtmgr exists, `vm
 * run` will hand the config to it instead.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "host/virtmgr/mvm_args.h"
#include "host/virtmgr/paths.h"
#include "host/virtmgr/raw_config.h"
#include "lib/common/file.h"

static const char usage_text[] =
    "Usage: vm run [options] CONFIG.json\n"
    "\n"
    "Run the VM that a raw VM config describes (kernel, initrd, params, disks,\n"
    "memory_mib, cpu_topology; see docs/vm.md) with mvm, in the foreground.\n"
    "Relative paths in the config are taken from the config file's directory.\n"
    "\n"
    "Options:\n"
    "  -m, --mem MiB              guest memory, instead of the config's memory_mib\n"
    "                             (default 256)\n"
    "      --cpu-topology one_cpu|match_host\n"
    "                             vCPUs: one, or one per host CPU (instead of the\n"
    "                             config's cpu_topology; default one_cpu)\n"
    "      --console FILE         write the serial console to FILE instead of\n"
    "                             this terminal\n"
    "      --dry-run              print the mvm command line instead of running it\n"
    "  -h, --help                 show this help\n"
    "\n"
    "mvm is $MVM if set, else the mvm of this build tree (../../vmm/mvm from\n"
    "vm), else an mvm beside vm, else mvm on PATH.\n"
    "\n"
    "Exit status: mvm's own (0 the guest powered off, 3 it reset, ...; see\n"
    "'mvm --help'); 1 bad config; 2 bad command line; 126 mvm cannot be run;\n"
    "127 mvm not found.\n";

enum { OPT_CPU_TOPOLOGY = 256, OPT_CONSOLE, OPT_DRY_RUN };

static const struct option options[] = {
    {"mem", required_argument, NULL, 'm'},
    {"cpu-topology", required_argument, NULL, OPT_CPU_TOPOLOGY},
    {"console", required_argument, NULL, OPT_CONSOLE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Print @s so that a POSIX shell reads it back as one word. */
static void print_quoted(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_@%+=:,./-") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/* The config's directory, against which its relative paths are resolved; NULL for ".". */
static char *config_dir(const char *path)
{
	char *copy = strdup(path), *dir;

	if (!copy)
		return NULL;
	dir = dirname(copy);
	if (!strcmp(dir, ".")) {
		free(copy);
		return NULL;
	}
	memmove(copy, dir, strlen(dir) + 1);
	return copy;
}

int cmd_run(int argc, char **argv)
{
	const char *console = NULL, *config_path;
	bool dry_run = false, have_topology = false;
	enum cpu_topology topology = CPU_TOPOLOGY_ONE_CPU;
	uint64_t mem = 0;
	struct raw_config cfg;
	struct mvm_launch launch;
	struct error err = {{0}};
	char mvm[PATH_MAX], **mvm_argv, *base;
	const uint8_t *data;
	size_t len;
	long cpus;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:h", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!parse_uint(optarg, RAW_CONFIG_MIN_MEM_MIB, RAW_CONFIG_MAX_MEM_MIB,
					&mem))
				return vm_usage("run", "--mem wants MiB from %d to %d, not '%s'",
						RAW_CONFIG_MIN_MEM_MIB, RAW_CONFIG_MAX_MEM_MIB,
						optarg);
			break;
		case OPT_CPU_TOPOLOGY:
			if (cpu_topology_parse(optarg, &topology) < 0)
				return vm_usage("run",
						"--cpu-topology wants one_cpu or match_host, not "
						"'%s'",
						optarg);
			have_topology = true;
			break;
		case OPT_CONSOLE:
			console = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return VM_EXIT_OK;
		default:
			return vm_bad_option("run", opt, argv);
		}
	}
	if (optind == argc)
		return vm_usage("run", "no config given: vm run CONFIG.json");
	if (optind + 1 < argc)
		return vm_usage("run", "unexpected argument '%s'", argv[optind + 1]);
	config_path = argv[optind];

	if (file_map(config_path, "config", &data, &len, &err) < 0)
		return vm_fail("run", "%s", err.msg);
	base = config_dir(config_path);
	r = raw_config_parse((const char *)data, len, base, &cfg, &err);
	free(base);
	file_unmap(data, len);
	if (r < 0)
		return vm_fail("run", "%s: %s", config_path, err.msg);
	if (mem)
		cfg.memory_mib = (unsigned int)mem;
	if (have_topology)
		cfg.cpu_topology = topology;

	paths_find_tool("mvm", mvm, sizeof(mvm));
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	launch = (struct mvm_launch){
	    .mvm = mvm,
	    .console = console,
	    .host_cpus = cpus > 0 ? (unsigned int)cpus : 1,
	};
	r = mvm_args_build(&cfg, &launch, &mvm_argv, &err);
	raw_config_free(&cfg);
	if (r < 0)
		return vm_fail("run", "%s", err.msg);

	if (dry_run) {
		for (char **a = mvm_argv; *a; a++) {
			if (a != mvm_argv)
				putchar(' ');
			print_quoted(*a);
		}
		putchar('\n');
		mvm_args_free(mvm_argv);
		return fflush(stdout) ? vm_fail("run", "writing the command: %s", strerror(errno))
				      : VM_EXIT_OK;
	}
	fflush(stdout);
	if (strchr(mvm, '/'))
		execv(mvm, mvm_argv);
	else
		execvp(mvm, mvm_argv);
	r = errno;
	mvm_args_free(mvm_argv);
	vm_fail("run", "cannot run mvm '%s': %s%s", mvm, strerror(r),
		r == ENOENT ? " (set $MVM to its path)" : "");
	return r == ENOENT ? VM_EXIT_NOT_FOUND : VM_EXIT_CANNOT_EXEC;
}
