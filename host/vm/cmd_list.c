/* cmd_list.c - `vm list`: a table of the running VMs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "virtmgr_cli.h"

static const char usage_text[] =
    "Usage: vm list\n"
    "\n"
    "List the running VMs, one per line under a header: CID, name, state, mvm's\n"
    "pid, memory (MiB) and payload package.  Without virtmgr running there are\n"
    "none (virtmgr is not started for this).\n"
    "\n"
    "Exit status: 0 listed; 1 virtmgr failed; 2 bad command line.\n";

int cmd_list(int argc, char **argv)
{
	struct vm_info_parcel *infos = NULL;
	struct vmclient *c;
	struct error e = {{0}};
	size_t n = 0;
	int st;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return VM_EXIT_OK;
	}
	if (argc > 1)
		return argv[1][0] == '-'
			   ? vm_usage("list", "unknown option '%s'", argv[1])
			   : vm_usage("list", "takes no arguments, got '%s'", argv[1]);
	st = vm_connect("list", true, &c);
	if (st)
		return st;
	if (c && vmclient_list_vms(c, &infos, &n, &e) < 0) {
		vmclient_close(c);
		return vm_fail("list", "%s", e.msg);
	}
	printf("%-5s %-20s %-9s %-8s %-7s %s\n", "CID", "NAME", "STATE", "PID", "MEM", "PACKAGE");
	for (size_t i = 0; i < n; i++)
		printf("%-5d %-20s %-9s %-8d %-7d %s\n", infos[i].cid, infos[i].name,
		       vm_state_name(infos[i].state), infos[i].mvm_pid, infos[i].memory_mib,
		       infos[i].package_path);
	vmclient_free_infos(infos, n);
	vmclient_close(c);
	return VM_EXIT_OK;
}
