/*
 * impostor - a test payload that tries to act on other VMs.
 *
 * virtmgr serves each VM's IVirtualMachineService at host vsock port =
 * that VM's CID, reachable only through that VM's own mvm, and takes one
 * session only: its microdroid_manager's.  This payload connects, from
 * inside its VM, to host ports 3..IMPOSTOR_LAST_PORT, its own CID's
 * included, and wherever something answers calls notifyPayloadFinished(99)
 * as if it were that VM's manager.  It prints one line per port ("port N:
 * refused (...)" or "port N: CONNECTED ...") and returns 0; the lab case
 * checks that every port was refused (other VMs' ports lead nowhere; its
 * own VM's service already has its one session) and that no VM's state
 * changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <android/binder_parcel.h>
#include <binder/rpc.h>

#include "lib/aidl/ivirtualmachineservice.h"
#include "lib/aidl/microdroid.h"

#define IMPOSTOR_LAST_PORT 12

int AVmPayload_main(void);

static int own_cid(unsigned int *cid)
{
	int fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, cid) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Call notifyPayloadFinished(99) on @vms; the transaction's status. */
static binder_status_t claim_finished(AIBinder *vms)
{
	AParcel *in = NULL, *out = NULL;
	binder_status_t st;

	st = AIBinder_prepareTransaction(vms, &in);
	if (st == STATUS_OK)
		st = AParcel_writeInterfaceToken(in, IVIRTUALMACHINESERVICE_DESCRIPTOR);
	if (st == STATUS_OK)
		st = AParcel_writeInt32(in, 99);
	if (st == STATUS_OK)
		st = AIBinder_transact(vms, IVMS_NOTIFY_PAYLOAD_FINISHED, &in, &out, 0);
	AParcel_delete(in);
	AParcel_delete(out);
	return st;
}

int AVmPayload_main(void)
{
	unsigned int cid;
	int r = own_cid(&cid);

	if (r < 0) {
		printf("impostor: no CID: %s\n", strerror(-r));
		return 1;
	}
	printf("impostor: own CID %u\n", cid);
	for (unsigned int port = 3; port <= IMPOSTOR_LAST_PORT; port++) {
		RpcSession *s;
		AIBinder *root = NULL;

		s = RpcSession_new();
		if (!s)
			return 1;
		r = RpcSession_setupVsockClient(s, MICRODROID_HOST_CID, port);
		if (r == 0)
			r = RpcSession_getRootObject(s, &root);
		if (r < 0) {
			printf("port %u: refused (%s)\n", port, strerror(-r));
		} else {
			printf("port %u: CONNECTED, notifyPayloadFinished(99) -> status %d\n", port,
			       claim_finished(root));
			AIBinder_decStrong(root);
		}
		RpcSession_free(s);
	}
	fflush(stdout);
	return 0;
}
