/*
 * microdroid.h - the constants the host (virtmgr) and the guest
 * (microdroid_manager, libvm_payload) must agree on: vsock ports, disk
 * ids, console port names, guest paths.  docs/payload.md explains each.
 */
#ifndef MDROID_AIDL_MICRODROID_H
#define MDROID_AIDL_MICRODROID_H

/* The host's vsock CID, as the guest sees it (VMADDR_CID_HOST). */
#define MICRODROID_HOST_CID 2u

/*
 * microdroid_manager connects to the host at (MICRODROID_HOST_CID, port =
 * the VM's own CID) and finds IVirtualMachineService as the root object of
 * that RPC Binder session.  Under mvm, a guest connection to host port P
 * reaches the Unix socket "<--vsock-uds PATH>_<P>", so virtmgr listens at
 * "<work dir>/vsock.sock_<CID>" for each VM, and at no other port.
 */

/* virtio-blk serials (mvm --disk ...,id=NAME) of the disks virtmgr attaches. */
#define MICRODROID_DISK_SYSTEM "system"
#define MICRODROID_DISK_PAYLOAD "payload"   /* the payload package, read-only */
#define MICRODROID_DISK_INSTANCE "instance" /* instance.img, read-write */

/* virtio-console port names (mvm --console-port N=FILE,name=NAME). */
#define MICRODROID_PORT_LOG "log"    /* the payload's stdout and stderr */
#define MICRODROID_PORT_LOG_NUMBER 1 /* its port number (0 is hvc0) */

/* Where microdroid_manager mounts the payload package's file system. */
#define MICRODROID_APK_MOUNT "/mnt/apk"
/* Where the package's libraries are, inside that mount. */
#define MICRODROID_APK_LIB_DIR "/mnt/apk/lib/x86_64"

/* IVmPayloadService's Unix socket (RPC Binder), served by microdroid_manager. */
#define MICRODROID_PAYLOAD_SERVICE_SOCKET "/dev/socket/vm_payload_service"

/* The uid and gid the payload runs as (no capabilities, no_new_privs). */
#define MICRODROID_PAYLOAD_UID 6000u
#define MICRODROID_PAYLOAD_GID 6000u

/* microdroid_launcher's path in the system image. */
#define MICRODROID_LAUNCHER_PATH "/system/bin/microdroid_launcher"

#endif
