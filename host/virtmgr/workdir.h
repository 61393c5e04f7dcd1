/*
 * workdir.h - a VM's work directory, <socket dir>/vms/<CID>/ (mode 0700),
 * and the files virtmgr makes in it:
 *
 *   payload.img      a copy of the client's package: the guest reads a
 *                    snapshot that the user cannot change underneath it
 *   instance.img     a fresh instance disk, when the client gave none
 *   mvm.log          mvm's stderr
 *   vsock.sock       mvm's vsock bridge (made by mvm)
 *   vsock.sock_<CID> the VM's IVirtualMachineService (made by virtmgr)
 *
 * The whole directory goes when the VM has died.
 */
#ifndef MDROID_VIRTMGR_WORKDIR_H
#define MDROID_VIRTMGR_WORKDIR_H

#include <stddef.h>

#include "lib/common/error.h"

/* Make directory @path, mode 0700; an existing one is an error (-EEXIST). */
int workdir_make(const char *path, struct error *e);

/* Make directory @path with mode 0700 if it is missing, and its parents. */
int workdir_make_parents(const char *path, struct error *e);

/* Remove @path and everything under it; a missing @path is fine. */
int workdir_remove(const char *path);

/*
 * Copy everything readable from @src_fd (from offset 0) into the new file
 * @dst (mode 0600, must not exist), with copy_file_range(2) (which lets a
 * file system share the blocks) or read/write.  On failure @dst is removed.
 */
int workdir_copy(int src_fd, const char *dst, struct error *e);

/* Make the instance disk @dst (must not exist), INSTANCE_DEFAULT_SIZE bytes. */
int workdir_make_instance(const char *dst, struct error *e);

#endif
