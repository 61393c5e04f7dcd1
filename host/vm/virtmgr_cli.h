/*
 * virtmgr_cli.h - what the subcommands that talk to virtmgr (run-app,
 * run-microdroid, list, info, stop) share: connecting, naming a VM and its
 * events in their one-line form.
 */
#ifndef MDROID_VM_VIRTMGR_CLI_H
#define MDROID_VM_VIRTMGR_CLI_H

#include <stdio.h>

#include "host/client/vmclient.h"

/*
 * Connect to virtmgr (starting it if needed, unless @no_start); on failure
 * print one line and return VM_EXIT_ERROR.  With @no_start, a virtmgr that
 * is not running is not an error: *@c is NULL (no VMs) and 0 is returned.
 */
int vm_connect(const char *cmd, bool no_start, struct vmclient **c);

/* "PAYLOAD_INVALID_CONFIG", ...: an ErrorCode's name. */
const char *vm_error_code_name(int code);

/* Print the event line "vm: NAME (cid N): WHAT" for @ev to @out. */
void vm_print_event(FILE *out, const char *name, int32_t cid, const struct vmclient_event *ev);

#endif
