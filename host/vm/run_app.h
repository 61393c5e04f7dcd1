/*
 * run_app.h - the pure parts of `vm run-app` and `vm run-microdroid`: the
 * command line (run_args.c) and the exit status (run_status.c), kept apart
 * from the I/O so that unit tests can check them.
 *
 * Exit status of run-app / run-microdroid:
 *   the payload's exit code (0-255)   it finished
 *   128 + N                           it was killed by signal N (crashed),
 *                                     or vm was stopped by signal N (Ctrl-C:
 *                                     130) before the payload finished
 *   VM_EXIT_VM_FAILED (80)            the guest reported an error (e.g. the
 *                                     payload's config was refused)
 *   VM_EXIT_VM_DIED (81)              the VM died before its payload finished,
 *                                     for another reason (boot timeout,
 *                                     kernel panic, mvm failed, stopped by
 *                                     `vm stop`...)
 *   VM_EXIT_LOST (82)                 the connection with virtmgr was lost
 *   1, 2                              host error / bad command line (cli.h)
 */
#ifndef MDROID_VM_RUN_APP_H
#define MDROID_VM_RUN_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/aidl/ivirtualizationservice.h"
#include "lib/common/error.h"

#define VM_EXIT_VM_FAILED 80
#define VM_EXIT_VM_DIED 81
#define VM_EXIT_LOST 82

struct run_args {
	const char *package;  /* run-app: PACKAGE */
	const char *instance; /* [INSTANCE.img]; NULL: virtmgr makes a fresh one */
	const char *name;     /* --name; NULL: virtmgr's "vm<CID>" */
	const char *console;  /* --console FILE; NULL: discarded */
	const char *log;      /* --log FILE; NULL: stdout */
	int32_t memory_mib;   /* --mem; 0: default */
	int32_t cpus;	      /* --cpus; 0: default */
	enum vm_debug_level debug;
	int32_t boot_timeout_ms; /* --boot-timeout SECONDS, in ms; 0: default */
	bool help;		 /* --help was given: show it, nothing else */
};

/*
 * Parse the arguments of @argv[0] (run-app, or run-microdroid when
 * @with_package is false: no positional arguments).  Returns 0, or
 * -EINVAL with the reason (a usage error) in @e.  Uses getopt_long.
 */
int run_args_parse(int argc, char **argv, bool with_package, struct run_args *a, struct error *e);

/* What happened to the VM, as `vm run-app` saw it. */
struct run_outcome {
	bool finished; /* FINISHED came: exit_code is set */
	int exit_code;
	int crash_signal; /* CRASHED: its signal; 0 none */
	bool error;	  /* ERROR came */
	bool lost;	  /* LOST came */
	int interrupted;  /* the signal that made vm stop the VM; 0 none */
};

/* The exit status for @o (see the table above). */
int run_exit_status(const struct run_outcome *o);

#endif
