/*
 * payload-bench.c - one sample of bench/boot/payload.sh: how long `vm
 * run-app` takes to a ready payload and to its first binder reply, and
 * what a running VM costs the host in memory.
 *
 *   payload-bench PACKAGE PORT MEM_MIB VIRTMGR_PID
 *
 * Through the client library (host/client/vmclient.h), as `vm run-app`
 * does: it creates a VM from PACKAGE (the demo), waits for READY,
 * connects to the payload's binder service on vsock PORT and makes one
 * call (the demo's GET_PUBLIC_KEY).  Then, with the VM still running, it
 * reads mvm's memory from /proc/PID/smaps: the resident size of the whole
 * process and of the guest RAM mapping (the one anonymous mapping of
 * MEM_MIB MiB), and virtmgr's resident size.  It prints one line
 *   ready_ms=... reply_ms=... mvm_rss_kb=... guest_rss_kb=... virtmgr_rss_kb=...
 * with times from just before the create call, then stops the VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/client/vmclient.h"
#include "lib/common/parse.h"
#include "payloads/demo/demo_client.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * From /proc/@pid/smaps: the total Rss, and the Rss of the mapping of
 * exactly @guest_kb kB (the guest's RAM) into *@guest (0 if none).
 */
static int smaps_rss(int pid, unsigned long guest_kb, unsigned long *total, unsigned long *guest)
{
	char path[64], line[512];
	unsigned long size = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*total = *guest = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %lu kB", &v) == 1)
			size = v;
		else if (sscanf(line, "Rss: %lu kB", &v) == 1) {
			*total += v;
			if (size == guest_kb)
				*guest += v;
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct vmclient_vm_config cfg;
	struct vm_info_parcel info;
	struct vmclient *c = NULL;
	struct vmclient_vm *vm = NULL;
	struct error e = {{0}};
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	uint64_t mem, vmgr_pid, port;
	unsigned long mvm_total, mvm_guest, vmgr_total, vmgr_guest;
	AIBinder *demo = NULL;
	double t0, t_ready, t_reply;
	int r;

	if (argc != 5 || !parse_uint(argv[2], 1, 0xffffffffu, &port) ||
	    !parse_uint(argv[3], 64, 65536, &mem) || !parse_uint(argv[4], 1, 4194304, &vmgr_pid)) {
		fprintf(stderr, "usage: payload-bench PACKAGE PORT MEM_MIB VIRTMGR_PID\n");
		return 2;
	}
	vmclient_vm_config_init(&cfg);
	cfg.package = argv[1];
	cfg.memory_mib = (int32_t)mem;
	r = vmclient_connect(NULL, &c, &e);
	if (r < 0)
		goto fail;
	t0 = now_ms();
	r = vmclient_create_vm(c, &cfg, NULL, &vm, &e);
	if (r < 0)
		goto fail;
	r = vmclient_vm_wait_state(vm, VM_STATE_READY, 120000);
	if (r < 0) {
		error_set(&e, r, "the payload did not become ready: %s", strerror(-r));
		goto fail;
	}
	t_ready = now_ms();
	r = vmclient_vm_connect_service(vm, (uint32_t)port, &demo, &e);
	if (r < 0)
		goto fail;
	r = demo_attach(demo, &e);
	if (r == 0)
		r = demo_get_public_key(demo, pub, &e);
	if (r < 0)
		goto fail;
	t_reply = now_ms();
	r = vmclient_vm_info(vm, &info, &e);
	if (r < 0)
		goto fail;
	r = smaps_rss(info.mvm_pid, (unsigned long)mem * 1024, &mvm_total, &mvm_guest);
	vm_info_parcel_clear(&info);
	if (r == 0)
		r = smaps_rss((int)vmgr_pid, 0, &vmgr_total, &vmgr_guest);
	if (r < 0) {
		error_set(&e, r, "reading /proc/PID/smaps: %s", strerror(-r));
		goto fail;
	}
	printf("ready_ms=%.1f reply_ms=%.1f mvm_rss_kb=%lu guest_rss_kb=%lu virtmgr_rss_kb=%lu\n",
	       t_ready - t0, t_reply - t0, mvm_total, mvm_guest, vmgr_total);
	AIBinder_decStrong(demo);
	vmclient_vm_stop(vm, NULL);
	vmclient_vm_wait_state(vm, VM_STATE_DEAD, 30000);
	vmclient_vm_release(vm);
	vmclient_close(c);
	return 0;
fail:
	fprintf(stderr, "payload-bench: %s\n", e.msg);
	if (demo)
		AIBinder_decStrong(demo);
	if (vm)
		vmclient_vm_release(vm);
	if (c)
		vmclient_close(c);
	return 1;
}
