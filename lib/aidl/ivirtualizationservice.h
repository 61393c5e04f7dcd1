/*
 * ivirtualizationservice.h - what host clients (vm, the client library
 * host/client/vmclient.h) call on virtmgr, and what virtmgr calls back.
 * Modelled on AVF's IVirtualizationService, IVirtualMachine and
 * IVirtualMachineCallback, cut to what a Linux host needs.
 *
 * Transport: RPC Binder over virtmgr's Unix socket, with
 * RPC_FD_TRANSPORT_UNIX (file descriptors travel as SCM_RIGHTS).  The
 * socket's directory is the caller's own (mode 0700), so everyone who can
 * connect is the user who owns the VMs.  The root object is
 * IVirtualizationService.
 *
 * All calls are AIDL calls: request = interface token, then arguments;
 * reply = status header, then the return value when the status is EX_NONE.
 * Errors are EX_ILLEGAL_ARGUMENT (bad config or package, with a message
 * that names the problem), EX_ILLEGAL_STATE, EX_SERVICE_SPECIFIC (host
 * failures: errno as the code, a message).
 *
 * IVirtualizationService
 *   CREATE_VM(VirtualMachineConfig config, ParcelFileDescriptor? console,
 *             ParcelFileDescriptor? log) -> IVirtualMachine
 *       Checks the package, allocates a CID, makes the work directory and
 *       disks, starts mvm.  The VM is STARTING when this returns.  console
 *       gets the guest's kernel console, log the payload's stdout and
 *       stderr; null: discarded.
 *   LIST_VMS() -> int32 n, then n VirtualMachineInfo (each nullable-flagged
 *       and structured, AParcel_write*Parcelable*); running VMs, by CID.
 *   LIST_ENDED_VMS() -> the same list for the VMs that ended most recently
 *       (DEAD; at most VIRTMGR_ENDED_KEEP, newest first), so that a client
 *       can still learn how a VM ended after it is gone; kept while this
 *       virtmgr runs
 *   GET_VM(int32 cid) -> IVirtualMachine?  (null flag... written as a
 *       nullable strong binder: AParcel_writeStrongBinder(NULL) for none)
 *
 * IVirtualMachine (one per VM; the VM is stopped once no client holds it)
 *   GET_CID() -> int32
 *   GET_STATE() -> int32 (enum vm_state, host/virtmgr/vm_state.h)
 *   GET_INFO() -> VirtualMachineInfo
 *   REGISTER_CALLBACK(IVirtualMachineCallback cb) -> -
 *       Callbacks come in the order the events happened; a callback
 *       registered after an event does not get it (ask GET_INFO).
 *   STOP() -> -   SIGTERM to mvm, SIGKILL 5 s later; DEAD with KILLED.
 *   CONNECT_VSOCK(int32 port) -> ParcelFileDescriptor
 *       A stream socket connected to the guest's vsock @port (mvm's
 *       CONNECT handshake done); EX_SERVICE_SPECIFIC ECONNREFUSED if
 *       nothing listens there.
 *
 * IVirtualMachineCallback (FLAG_ONEWAY calls from virtmgr to the client)
 *   ON_PAYLOAD_STARTED(int32 cid)
 *   ON_PAYLOAD_READY(int32 cid)
 *   ON_PAYLOAD_FINISHED(int32 cid, int32 exit_code)
 *   ON_ERROR(int32 cid, int32 error_code, String message)   ivms_error_code
 *   ON_DIED(int32 cid, int32 reason)                        vm_death_reason
 *   ON_PAYLOAD_CRASHED(int32 cid, int32 signal)             [not in AVF]
 */
#ifndef MDROID_AIDL_IVIRTUALIZATIONSERVICE_H
#define MDROID_AIDL_IVIRTUALIZATIONSERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>

#define IVIRTUALIZATIONSERVICE_DESCRIPTOR                                                          \
	"android.system.virtualizationservice.IVirtualizationService"
#define IVIRTUALMACHINE_DESCRIPTOR "android.system.virtualizationservice.IVirtualMachine"
#define IVIRTUALMACHINECALLBACK_DESCRIPTOR                                                         \
	"android.system.virtualizationservice.IVirtualMachineCallback"

enum ivs_code {
	IVS_CREATE_VM = FIRST_CALL_TRANSACTION + 0,
	IVS_LIST_VMS = FIRST_CALL_TRANSACTION + 1,
	IVS_GET_VM = FIRST_CALL_TRANSACTION + 2,
	IVS_LIST_ENDED_VMS = FIRST_CALL_TRANSACTION + 3,
};

/* How many ended VMs virtmgr remembers for LIST_ENDED_VMS. */
#define VIRTMGR_ENDED_KEEP 16

enum ivm_code {
	IVM_GET_CID = FIRST_CALL_TRANSACTION + 0,
	IVM_GET_STATE = FIRST_CALL_TRANSACTION + 1,
	IVM_GET_INFO = FIRST_CALL_TRANSACTION + 2,
	IVM_REGISTER_CALLBACK = FIRST_CALL_TRANSACTION + 3,
	IVM_STOP = FIRST_CALL_TRANSACTION + 4,
	IVM_CONNECT_VSOCK = FIRST_CALL_TRANSACTION + 5,
};

enum ivmcb_code {
	IVMCB_ON_PAYLOAD_STARTED = FIRST_CALL_TRANSACTION + 0,
	IVMCB_ON_PAYLOAD_READY = FIRST_CALL_TRANSACTION + 1,
	IVMCB_ON_PAYLOAD_FINISHED = FIRST_CALL_TRANSACTION + 2,
	IVMCB_ON_ERROR = FIRST_CALL_TRANSACTION + 3,
	IVMCB_ON_DIED = FIRST_CALL_TRANSACTION + 4,
	IVMCB_ON_PAYLOAD_CRASHED = FIRST_CALL_TRANSACTION + 16,
};

/* Limits virtmgr enforces on what clients send. */
#define VMCONFIG_NAME_MAX 64 /* [A-Za-z0-9._-], not starting with '.' or '-' */
#define VMCONFIG_PATH_MAX 4095
#define VMCONFIG_MAX_CPUS 254
#define VMCONFIG_MIN_MEM_MIB 64
#define VMCONFIG_MAX_MEM_MIB (64 * 1024)
#define VMCONFIG_MAX_BOOT_TIMEOUT_MS (3600 * 1000)

enum vm_debug_level {
	VM_DEBUG_NONE = 0, /* the kernel stays quiet */
	VM_DEBUG_FULL = 1, /* the kernel logs to the console (no "quiet") */
};

/*
 * VirtualMachineConfig (structured parcelable), in this order:
 *   ParcelFileDescriptor package     the payload package, open for reading
 *   nullable ParcelFileDescriptor instance   an instance.img to use
 *                                    (read-write); null: a fresh one
 *   String name                      "" : virtmgr names it "vm<CID>"
 *   String package_path              the package's path, for display only
 *   int32 memory_mib                 0: 256
 *   int32 cpus                       0: 1
 *   int32 debug_level                enum vm_debug_level
 *   int32 boot_timeout_ms            0: virtmgr's default; time allowed from
 *                                    start to notifyPayloadStarted
 * Fds are owned by the struct once decoded (vm_config_parcel_clear()).
 */
struct vm_config_parcel {
	int package_fd;
	int instance_fd; /* -1: none */
	char *name;
	char *package_path;
	int32_t memory_mib;
	int32_t cpus;
	int32_t debug_level;
	int32_t boot_timeout_ms;
};

/*
 * VirtualMachineInfo (structured parcelable), in this order:
 *   int32 cid, String name, int32 state, int32 death_reason (-1: not dead),
 *   int32 payload_exit_code (-1: none), int32 payload_signal (0: none),
 *   int32 error_code (-1: none), String error_message,
 *   int32 mvm_pid (0: none), int32 memory_mib, int32 cpus,
 *   String package_path, String work_dir, int64 start_time_ms (Unix epoch)
 */
struct vm_info_parcel {
	int32_t cid;
	char *name;
	int32_t state;
	int32_t death_reason;
	int32_t payload_exit_code;
	int32_t payload_signal;
	int32_t error_code;
	char *error_message;
	int32_t mvm_pid;
	int32_t memory_mib;
	int32_t cpus;
	char *package_path;
	char *work_dir;
	int64_t start_time_ms;
};

/*
 * Write / read the parcelables.  Reading checks the structure (sizes,
 * strings) and the ranges above (name characters and length, memory, cpus,
 * debug level, timeout, state and reason numbers) and fails with
 * STATUS_BAD_VALUE; on failure nothing is left to free.  The writers take
 * the values as they are (the reader is the one that checks).
 */
binder_status_t vm_config_parcel_write(AParcel *p, const struct vm_config_parcel *c);
binder_status_t vm_config_parcel_read(const AParcel *p, struct vm_config_parcel *c);
void vm_config_parcel_clear(struct vm_config_parcel *c); /* closes fds, frees strings */

binder_status_t vm_info_parcel_write(AParcel *p, const struct vm_info_parcel *i);
binder_status_t vm_info_parcel_read(const AParcel *p, struct vm_info_parcel *i);
void vm_info_parcel_clear(struct vm_info_parcel *i);

/* Is @name a valid VM name (see VMCONFIG_NAME_MAX)?  "" is not. */
bool vm_name_valid(const char *name);

#endif
