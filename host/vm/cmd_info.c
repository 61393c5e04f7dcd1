/* cmd_info.c - `vm info CID|NAME`: one VM's fields, one per line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "virtmgr_cli.h"

static const char usage_text[] =
    "Usage: vm info CID|NAME\n"
    "\n"
    "Print what virtmgr knows of the VM with this CID or name, one \"field: value\"\n"
    "per line: cid, name, state, death reason, payload exit code, payload signal,\n"
    "error, mvm pid, memory, cpus, package, work dir, started.  \"-\" stands for a\n"
    "value that is not set.  A running VM comes first; else the last VM of that\n"
    "CID or name that ended (state DEAD), of the 16 that virtmgr remembers while\n"
    "it runs, so that you can see how a VM ended after it is gone.\n"
    "\n"
    "Exit status: 0 printed; 1 no such VM, or virtmgr failed; 2 bad command line.\n";

static void print_info(const struct vm_info_parcel *i)
{
	time_t t = (time_t)(i->start_time_ms / 1000);
	char when[64] = "-";
	struct tm tm;

	if (i->start_time_ms > 0 && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	printf("cid: %d\n", i->cid);
	printf("name: %s\n", i->name);
	printf("state: %s\n", vm_state_name(i->state));
	if (i->death_reason >= 0)
		printf("death reason: %s\n", vm_death_reason_name(i->death_reason));
	else
		printf("death reason: -\n");
	if (i->payload_exit_code >= 0)
		printf("payload exit code: %d\n", i->payload_exit_code);
	else
		printf("payload exit code: -\n");
	if (i->payload_signal > 0)
		printf("payload signal: %d\n", i->payload_signal);
	else
		printf("payload signal: -\n");
	if (i->error_code >= 0)
		printf("error: %s: %s\n", vm_error_code_name(i->error_code), i->error_message);
	else if (i->error_message[0])
		printf("error: %s\n", i->error_message);
	else
		printf("error: -\n");
	printf("mvm pid: %d\n", i->mvm_pid);
	printf("memory: %d MiB\n", i->memory_mib);
	printf("cpus: %d\n", i->cpus);
	printf("package: %s\n", i->package_path);
	printf("work dir: %s\n", i->work_dir);
	printf("started: %s\n", when);
}

int cmd_info(int argc, char **argv)
{
	struct vm_info_parcel info;
	struct vmclient *c;
	struct error e = {{0}};
	int st;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return VM_EXIT_OK;
	}
	if (argc != 2)
		return vm_usage("info", "want one CID or NAME, got %d arguments", argc - 1);
	if (argv[1][0] == '-')
		return vm_usage("info", "unknown option '%s'", argv[1]);
	st = vm_connect("info", true, &c);
	if (st)
		return st;
	if (!c)
		return vm_fail("info", "no running VM '%s' (virtmgr is not running)", argv[1]);
	if (vmclient_find_vm(c, argv[1], false, &info, &e) < 0) {
		vmclient_close(c);
		return vm_fail("info", "%s", e.msg);
	}
	print_info(&info);
	vm_info_parcel_clear(&info);
	vmclient_close(c);
	return VM_EXIT_OK;
}
