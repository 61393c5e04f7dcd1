/*
 * cmd_virtmgr.c - the subcommands that need virtmgr: run-app,
 * run-microdroid, list, info and stop.
 *
 * They talk to virtmgr over binder in AVF, and will here too.  Until
 * virtmgr is built they say so in one line and exit with
 * VM_EXIT_NO_VIRTMGR: an honest placeholder, never a pretend success.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct planned {
	const char *name;
	const char *usage; /* AVF's form, which this command will take */
	const char *what;
};

static const struct planned planned[] = {
    {"run-app", "vm run-app [options] PACKAGE INSTANCE.img",
     "Run a payload package in a Microdroid VM: virtmgr checks the package, allocates\n"
     "a CID, starts mvm with Microdroid and the package as a disk, and reports the\n"
     "payload's life cycle (started, ready, finished) until the VM dies."},
    {"run-microdroid", "vm run-microdroid [options]",
     "Run a Microdroid VM with an empty payload, to try the guest."},
    {"list", "vm list", "List the running VMs: CID, state, name."},
    {"info", "vm info", "Print what this host supports: KVM, protected VMs (never, here)."},
    {"stop", "vm stop CID", "Stop the VM with this CID (AVF 13's form)."},
};

int cmd_needs_virtmgr(int argc, char **argv)
{
	const struct planned *p = NULL;

	for (size_t i = 0; i < sizeof(planned) / sizeof(planned[0]); i++)
		if (!strcmp(planned[i].name, argv[0]))
			p = &planned[i];
	if (!p)
		return vm_fail(argv[0], "unknown command");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: %s\n\n%s\n\n"
			       "Not available yet: this command needs virtmgr, which is not built\n"
			       "yet.  It exits with status 69 and does nothing.\n",
			       p->usage, p->what);
			return VM_EXIT_OK;
		}
	}
	fprintf(stderr, "vm: %s: needs virtmgr, which is not built yet\n", p->name);
	return VM_EXIT_NO_VIRTMGR;
}
