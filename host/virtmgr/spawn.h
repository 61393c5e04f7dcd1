/*
 * spawn.h - start mvm as virtmgr's child.
 *
 * The child gets exactly the fds it is given (fds[i] becomes its fd i, -1
 * becomes /dev/null) and no others, its own process group (so that
 * virtmgr can kill everything it started), PR_SET_PDEATHSIG(SIGKILL) (so
 * that it dies with virtmgr), an empty signal mask and default signal
 * dispositions.  An exec failure is reported back to the caller through a
 * close-on-exec pipe, so that "mvm not found" fails the create call.
 */
#ifndef MDROID_VIRTMGR_SPAWN_H
#define MDROID_VIRTMGR_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/common/error.h"

#define SPAWN_MAX_FDS 8

/*
 * Run argv[0] (a path) with @argv and the @nfds fds @fds.  On success
 * stores the child's pid and a pidfd for it (pidfd_open(2), close-on-exec)
 * and returns 0.  Returns a negative errno, with the reason in @e, when
 * the child could not be made or could not exec (it is then reaped).
 */
int spawn_process(char *const argv[], const int *fds, size_t nfds, pid_t *pid, int *pidfd,
		  struct error *e);

#endif
