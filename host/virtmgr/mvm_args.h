/*
 * mvm_args.h - the mvm command line that runs a raw VM config.
 *
 * mvm's flags are its interface (docs/mvm.md).  This is the one place that
 * turns a VM description into them, for `vm run` today and virtmgr later:
 *
 *   MVM --kernel K [--initrd I] [--cmdline PARAMS] --mem MiB --cpus N
 *       [--disk IMAGE[,ro]]... [--console FILE]
 */
#ifndef MDROID_VIRTMGR_MVM_ARGS_H
#define MDROID_VIRTMGR_MVM_ARGS_H

#include "host/virtmgr/raw_config.h"
#include "lib/common/error.h"

/* mvm's most vCPUs. */
#define MVM_MAX_CPUS 254

/* How to launch: not part of the config. */
struct mvm_launch {
	const char *mvm;	/* argv[0]: mvm's path */
	const char *console;	/* --console FILE, or NULL for the terminal */
	unsigned int host_cpus; /* CPUs online, for cpu_topology match_host */
};

/*
 * Build the NULL-terminated argv that runs @cfg under mvm.  A disk that is
 * not writable is passed read-only; memory defaults to
 * RAW_CONFIG_DEFAULT_MEM_MIB; match_host gives min(host_cpus, 254) vCPUs
 * (at least 1).  On success *argv is allocated (mvm_args_free()).
 */
int mvm_args_build(const struct raw_config *cfg, const struct mvm_launch *launch, char ***argv,
		   struct error *e);

void mvm_args_free(char **argv);

/*
 * What virtmgr runs for a Microdroid VM (docs/virtmgr.md):
 *
 *   MVM --kernel K --initrd I --cmdline C --mem MiB --cpus N
 *       --disk SYSTEM,ro,id=system --disk PAYLOAD,ro,id=payload
 *       --disk INSTANCE,id=instance --cid CID --vsock-uds UDS
 *       --console-port 1=LOG,name=log
 *
 * The serial console stays mvm's stdout (`--console -`), which virtmgr
 * makes a pipe.  All strings are borrowed.
 */
struct mvm_microdroid {
	const char *mvm;
	const char *kernel, *initrd, *cmdline;
	unsigned int mem_mib, cpus;
	const char *system, *payload, *instance; /* disk images */
	unsigned int cid;
	const char *vsock_uds;
	const char *log; /* the log port's file */
};

/* Build that argv (NULL-terminated, mvm_args_free()).  -ENOMEM or -EINVAL (a missing path). */
int mvm_args_build_microdroid(const struct mvm_microdroid *m, char ***argv, struct error *e);

/*
 * The kernel command line for a VM from the image's cmdline file text
 * @text: surrounding white space (the newline) trimmed, and with @debug the
 * word "quiet" dropped so that the kernel logs to the console.  Returns a
 * new string (free()), or NULL if memory runs out.
 */
char *mvm_microdroid_cmdline(const char *text, bool debug);

#endif
