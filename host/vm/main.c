/*
 * main.c - the `vm` command line: find the subcommand and run it.
 *
 * The subcommands follow AVF's `vm` where they make sense on a Linux host.
 * Those that run Microdroid VMs (run-app, run-microdroid, list, info,
 * stop) talk to virtmgr through the client library (host/client); the
 * others work on their own.
 */
#include <stdio.h>
#include <string.h>

#include <binder/binder_log.h>

#include "cli.h"

#ifndef VM_VERSION
#define VM_VERSION "0.1.0"
#endif

static const struct vm_command vm_commands[] = {
    {"run", "run CONFIG.json      run a raw VM config with mvm, in the foreground", cmd_run},
    {"pack", "pack -o OUT ...      build a payload package", cmd_pack},
    {"inspect", "inspect PACKAGE      check a payload package, print its footer and files",
     cmd_inspect},
    {"create-partition",
     "create-partition PATH SIZE [-t raw|instance]\n"
     "                       create a disk image (sparse)",
     cmd_create_partition},
    {"run-app",
     "run-app PACKAGE [INSTANCE.img]\n"
     "                       run a payload package in a Microdroid VM, in the foreground",
     cmd_run_app},
    {"run-microdroid", "run-microdroid       run Microdroid with the empty payload, until Ctrl-C",
     cmd_run_microdroid},
    {"list", "list                 list the running VMs", cmd_list},
    {"info", "info CID|NAME        print a running VM's state and details", cmd_info},
    {"stop", "stop CID|NAME        stop a VM and wait until it is dead", cmd_stop},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fputs("Usage: vm COMMAND [ARGS...]\n"
	      "\n"
	      "Create and run virtual machines: raw VMs with mvm, and Microdroid VMs\n"
	      "running payload packages through virtmgr (started when needed).\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (const struct vm_command *c = vm_commands; c->name; c++)
		fprintf(out, "  %s\n", c->synopsis);
	fputs("  help [COMMAND]       show this help, or a command's\n"
	      "\n"
	      "'vm COMMAND --help' shows a command's options.\n"
	      "\n"
	      "Exit status:\n"
	      "  0    success\n"
	      "  1    error (bad input file, host error)\n"
	      "  2    bad command line\n"
	      "  vm run ends with mvm's own status (see 'mvm --help'), or 126/127 when\n"
	      "  mvm cannot be run / is not found\n"
	      "  vm run-app and run-microdroid end with the payload's exit code, or\n"
	      "  128+signal, 80, 81, 82 (see 'vm run-app --help')\n",
	      out);
}

static const struct vm_command *find_command(const char *name)
{
	for (const struct vm_command *c = vm_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct vm_command *c;
	const char *name;

	if (argc < 2) {
		fputs("vm: no command given (see 'vm --help')\n", stderr);
		return VM_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return VM_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("vm %s\n", VM_VERSION);
		return VM_EXIT_OK;
	}
	if (!strcmp(name, "help")) {
		if (argc == 2) {
			usage(stdout);
			return VM_EXIT_OK;
		}
		c = find_command(argv[2]);
		if (!c) {
			fprintf(stderr, "vm: help: unknown command '%s' (see 'vm --help')\n",
				argv[2]);
			return VM_EXIT_USAGE;
		}
		char *help_argv[] = {argv[2], "--help", NULL};
		return c->run(2, help_argv);
	}
	/* Failures come back as return values; vm says them in one line itself. */
	binder_set_logger(NULL);
	c = find_command(name);
	if (!c) {
		fprintf(stderr, "vm: unknown command '%s' (see 'vm --help')\n", name);
		return VM_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
