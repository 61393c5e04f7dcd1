/*
 * vm_config.h - the payload config, vm_config.json, as in AVF.
 *
 * Every payload package holds one at its root.  The host reads it to check
 * a package (`vm pack`, `vm inspect`, later virtmgr), and the guest's
 * microdroid_manager reads it to know what to run.  The file is untrusted
 * input: it is at most VM_CONFIG_MAX_SIZE bytes and parsed strictly (see
 * lib/json/json.h); unknown keys are errors.  Where AVF's parser would
 * ignore an unknown key, this one names it, so that a misspelt setting is
 * never silently dropped.
 *
 * Keys (docs/vm.md has the full table):
 *   task          required: {"type": "microdroid_launcher" | "executable",
 *                 "command": ...}; type defaults to "executable" as in AVF
 *   os            {"name": "microdroid"}: accepted, only that name
 *   apexes        [{"name": ...}]: accepted and ignored (no APEXes here)
 *   extra_apks    [{"path": ...}]: accepted and ignored (no extra packages)
 *   prefer_staged, export_tombstones, enable_authfs, hugepages: booleans,
 *                 accepted and recorded; nothing acts on them yet
 */
#ifndef MDROID_PAYLOAD_VM_CONFIG_H
#define MDROID_PAYLOAD_VM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/common/error.h"

#define VM_CONFIG_MAX_SIZE (64 * 1024)
/* Where things are in a payload package (see docs/vm.md). */
#define VM_CONFIG_PATH "vm_config.json"
#define PAYLOAD_LIB_DIR "lib/x86_64"
/* A launcher library's file name, and an executable's path, at most. */
#define PAYLOAD_NAME_MAX 255
#define PAYLOAD_PATH_MAX 4095

enum payload_task_type {
	PAYLOAD_TASK_EXECUTABLE,	  /* command: an absolute path in the guest */
	PAYLOAD_TASK_MICRODROID_LAUNCHER, /* command: a library in lib/x86_64/ */
};

struct vm_payload_config {
	enum payload_task_type task_type;
	char command[PAYLOAD_PATH_MAX + 1];
	/* Accepted and kept, but nothing acts on them yet. */
	unsigned int nr_apexes;
	unsigned int nr_extra_apks;
	bool prefer_staged;
	bool export_tombstones_set; /* AVF: unset means "true if debuggable" */
	bool export_tombstones;
	bool enable_authfs;
	bool hugepages;
};

/*
 * Parse and check the @len bytes at @json (not necessarily NUL-terminated)
 * into @cfg.  Returns 0, or -EINVAL / -EFBIG with the reason, naming the
 * key, in @e.
 */
int vm_config_parse(const char *json, size_t len, struct vm_payload_config *cfg, struct error *e);

/*
 * Check that @name can name a launcher library: a plain file name (no '/'),
 * not "." or "..", 1 to PAYLOAD_NAME_MAX bytes.  Returns 0 or -EINVAL.
 */
int payload_lib_name_check(const char *name, struct error *e);

/*
 * For a microdroid_launcher task, write the library's path in the package,
 * "lib/x86_64/<command>", to @buf.  Returns 0, or -EINVAL for another task
 * type, -ENAMETOOLONG if @size is too small.
 */
int vm_config_library_path(const struct vm_payload_config *cfg, char *buf, size_t size);

/* "executable", "microdroid_launcher". */
const char *payload_task_type_name(enum payload_task_type type);

#endif
