/* cmd_stop.c - `vm stop CID|NAME`: stop a VM and wait until it is DEAD. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "virtmgr_cli.h"

/* virtmgr sends SIGKILL 5 s after SIGTERM; DEAD follows at once. */
#define STOP_WAIT_MS 20000

static const char usage_text[] =
    "Usage: vm stop CID|NAME\n"
    "\n"
    "Stop the running VM with this CID or name (SIGTERM to its mvm, SIGKILL 5 s\n"
    "later) and wait until it is DEAD (20 s at most); then print its last state\n"
    "line, \"vm: NAME (cid N): DEAD (REASON)\".\n"
    "\n"
    "Exit status: 0 the VM is DEAD; 1 no such VM, it did not die in time, or\n"
    "virtmgr failed; 2 bad command line.\n";

int cmd_stop(int argc, char **argv)
{
	struct vmclient_event ev = {.type = VMCLIENT_EVENT_DIED};
	struct vm_info_parcel info = {0};
	struct vmclient_vm *vm = NULL;
	struct vmclient *c;
	struct error e = {{0}};
	int st, r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return VM_EXIT_OK;
	}
	if (argc != 2)
		return vm_usage("stop", "want one CID or NAME, got %d arguments", argc - 1);
	if (argv[1][0] == '-')
		return vm_usage("stop", "unknown option '%s'", argv[1]);
	st = vm_connect("stop", true, &c);
	if (st)
		return st;
	if (!c)
		return vm_fail("stop", "no running VM '%s' (virtmgr is not running)", argv[1]);
	r = vmclient_find_vm(c, argv[1], true, &info, &e);
	if (r == 0 && (r = vmclient_get_vm(c, info.cid, NULL, &vm, &e)) == -ENOENT)
		snprintf(e.msg, sizeof(e.msg), "VM '%s' died before it could be stopped", argv[1]);
	if (r == 0)
		r = vmclient_vm_stop(vm, &e);
	if (r == 0) {
		r = vmclient_vm_wait_state(vm, VM_STATE_DEAD, STOP_WAIT_MS);
		if (r == -ETIMEDOUT)
			snprintf(e.msg, sizeof(e.msg), "VM %d is not DEAD %d s after stop",
				 info.cid, STOP_WAIT_MS / 1000);
		else if (r)
			snprintf(e.msg, sizeof(e.msg), "the connection with virtmgr was lost");
	}
	if (r == 0) {
		while (vmclient_vm_next_event(vm, &ev, 0) == 0 && ev.type != VMCLIENT_EVENT_DIED)
			;
		vm_print_event(stdout, info.name, info.cid, &ev);
	}
	vmclient_vm_release(vm);
	vmclient_close(c);
	if (r)
		st = vm_fail("stop", "%s", e.msg);
	vm_info_parcel_clear(&info);
	return st;
}
