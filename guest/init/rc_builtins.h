/*
 * rc_builtins.h - the commands of init.rc actions.
 *
 *   mkdir PATH [MODE] [OWNER] [GROUP]   create a directory (mode 0755 by
 *                                       default); an existing one is fine,
 *                                       and gets MODE/OWNER/GROUP if given
 *   write PATH CONTENT                  write CONTENT (no newline added)
 *   mount TYPE DEVICE DIR [FLAG...] [OPTIONS]
 *                                       FLAGs: ro rw nosuid nodev noexec
 *                                       noatime nodiratime relatime sync
 *                                       dirsync remount bind rec private
 *                                       slave shared; the last word, if not
 *                                       a flag, is the options string
 *   symlink TARGET PATH                 PATH -> TARGET (fine if it already is)
 *   chmod MODE PATH                     MODE is octal
 *   chown OWNER [GROUP] PATH
 *   setprop NAME VALUE
 *   start SERVICE | stop SERVICE | restart SERVICE
 *   class_start CLASS | class_stop CLASS
 *   exec [SECLABEL [USER [GROUP...]]] -- COMMAND [ARG...]
 *   exec COMMAND [ARG...]               run and wait (actions pause, init
 *                                       keeps serving)
 *   trigger EVENT                       queue an event
 *   loglevel N                          init's log level, 0 to 7
 *
 * Arguments are ${...}-expanded (rc_expand.h) just before a command runs.
 * Owners and groups are numbers or the names of rc_parse_id().
 */
#ifndef MICRODROID_INIT_RC_BUILTINS_H
#define MICRODROID_INIT_RC_BUILTINS_H

#include <stddef.h>

#include "lib/common/error.h"

struct init;

struct rc_builtin {
	const char *name;
	int min_args, max_args; /* not counting the command's name */
	/*
	 * Parse-time check of @argv (argv[0] is the name), or NULL.  Arguments
	 * that hold "${" are left to run time.  0, or -EINVAL with a reason in
	 * @msg.
	 */
	int (*check)(int argc, char **argv, char *msg, size_t cap);
	/* Run with expanded arguments: 0, or -errno with a reason in @e. */
	int (*run)(struct init *init, int argc, char **argv, struct error *e);
};

/* The command named @name, or NULL. */
const struct rc_builtin *rc_builtin_find(const char *name);

#endif
