/*
 * raw_config.h - the raw VM config of `vm run CONFIG.json`, as in AVF.
 *
 * A raw config describes a VM by its kernel, initrd, command line and
 * disks, with no payload package.  `vm run` parses it here and turns it
 * into an mvm command line (mvm_args.h); virtmgr will do the same once it
 * exists.  The file is parsed strictly (lib/json/json.h): unknown keys and
 * wrong types are errors naming the key.
 *
 * Keys: name, kernel (required), initrd, params, disks [{image, writable,
 * partitions}], memory_mib, cpu_topology ("one_cpu" | "match_host"),
 * protected, platform_version.  Refused as not supported here: bootloader,
 * protected: true, non-empty partitions, non-empty devices and
 * console_input_device.  docs/vm.md has the table.
 *
 * Relative paths are resolved against @base_dir (the config file's
 * directory) so that a config works from any working directory.  AVF's
 * `vm` opens them relative to the working directory instead.
 */
#ifndef MDROID_VIRTMGR_RAW_CONFIG_H
#define MDROID_VIRTMGR_RAW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/common/error.h"

#define RAW_CONFIG_MAX_SIZE (64 * 1024)
/* mvm's limits: virtio slots, guest memory (docs/mvm.md). */
#define RAW_CONFIG_MAX_DISKS 10
#define RAW_CONFIG_MIN_MEM_MIB 16
#define RAW_CONFIG_MAX_MEM_MIB (1024 * 1024)
/* Microdroid's default, and mvm's. */
#define RAW_CONFIG_DEFAULT_MEM_MIB 256
#define RAW_CONFIG_PATH_MAX 4095
#define RAW_CONFIG_NAME_MAX 255

enum cpu_topology {
	CPU_TOPOLOGY_ONE_CPU,	 /* one vCPU (AVF's default) */
	CPU_TOPOLOGY_MATCH_HOST, /* as many vCPUs as the host has CPUs online */
};

struct raw_disk {
	char *image;   /* the raw image's path */
	bool writable; /* default false: the guest sees a read-only disk */
};

/* Strings are allocated (raw_config_free() frees them); NULL when not given. */
struct raw_config {
	char *name;
	char *kernel;
	char *initrd;
	char *params; /* the kernel command line */
	char *platform_version;
	struct raw_disk disks[RAW_CONFIG_MAX_DISKS];
	unsigned int nr_disks;
	unsigned int memory_mib; /* 0: not given (the default applies) */
	enum cpu_topology cpu_topology;
};

/*
 * Parse and check the @len bytes at @json into @cfg, resolving relative
 * paths against @base_dir (NULL: leave them relative).  Returns 0, or a
 * negative errno with the reason in @e; on failure @cfg holds nothing to
 * free.
 */
int raw_config_parse(const char *json, size_t len, const char *base_dir, struct raw_config *cfg,
		     struct error *e);

/* Free what raw_config_parse() allocated; @cfg is left empty. */
void raw_config_free(struct raw_config *cfg);

/* "one_cpu" / "match_host" to enum; -EINVAL for anything else. */
int cpu_topology_parse(const char *s, enum cpu_topology *out);
const char *cpu_topology_name(enum cpu_topology t);

#endif
