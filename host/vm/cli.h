/*
 * cli.h - what the `vm` subcommands share: exit statuses, the one-line
 * error convention and option errors (number arguments: lib/common/parse.h).
 *
 * Every failure prints exactly one line on stderr, "vm: COMMAND: reason",
 * and returns a non-zero exit status: VM_EXIT_USAGE for a bad command line,
 * VM_EXIT_ERROR for anything else.
 */
#ifndef MDROID_VM_CLI_H
#define MDROID_VM_CLI_H

#include "lib/common/parse.h"

enum vm_exit {
	VM_EXIT_OK = 0,
	VM_EXIT_ERROR = 1,	   /* bad input, host error */
	VM_EXIT_USAGE = 2,	   /* bad command line */
	VM_EXIT_CANNOT_EXEC = 126, /* vm run: mvm exists but cannot be run */
	VM_EXIT_NOT_FOUND = 127,   /* vm run: mvm not found */
};

/* A subcommand: @argv[0] is its name; returns the exit status. */
struct vm_command {
	const char *name;
	const char *synopsis; /* one line for `vm --help` */
	int (*run)(int argc, char **argv);
};

int cmd_run(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_create_partition(int argc, char **argv);
int cmd_run_app(int argc, char **argv);
int cmd_run_microdroid(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_stop(int argc, char **argv);

/* Print "vm: CMD: MESSAGE" on stderr; return VM_EXIT_ERROR. */
__attribute__((format(printf, 2, 3))) int vm_fail(const char *cmd, const char *fmt, ...);

/* Print "vm: CMD: MESSAGE (see 'vm CMD --help')" on stderr; return VM_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int vm_usage(const char *cmd, const char *fmt, ...);

/*
 * The usage error for what getopt_long() returned in @opt (':' a missing
 * value, anything else an unknown option), at argv[optind - 1].
 */
int vm_bad_option(const char *cmd, int opt, char **argv);

#endif
