/*
 * modules.h - loading kernel modules in the first stage.
 *
 * MODULES_DIR/modules.load lists one module file per line, relative to
 * MODULES_DIR (or absolute), in the order to load them (dependencies
 * first; no modules.dep is read).  Blank lines and lines starting with
 * '#' are skipped.  Each is loaded with finit_module(2); files ending in
 * .ko.xz, .ko.zst or .ko.gz are handed to the kernel compressed
 * (MODULE_INIT_COMPRESSED_FILE), which needs CONFIG_MODULE_DECOMPRESS and
 * the matching decompressor in the kernel.  A module already loaded (or
 * built in) is fine.
 *
 * Parameters come from the kernel command line, as modprobe would pass
 * them: the words "MODULE.PARAM=VALUE" (or a bare "MODULE.PARAM") for
 * that module, with '-' and '_' alike in MODULE.  The kernel applies such
 * words only to built-in code, so this is how "virtio_mmio.device=..."
 * reaches a modular virtio_mmio.
 */
#ifndef MICRODROID_INIT_MODULES_H
#define MICRODROID_INIT_MODULES_H

#include <stddef.h>

#include "lib/common/error.h"

#define MODULES_DIR "/lib/modules"
#define MODULE_PARAMS_MAX 4096

/*
 * The module name for file @path: the file name without ".ko" and a
 * compression suffix, with '-' as '_'.  Returns 0 and sets *compressed,
 * or -EINVAL if @path does not name a .ko file.
 */
int module_name(const char *path, char *out, size_t cap, int *compressed);

/*
 * The parameter string for module @name from @cmdline into @out, words
 * separated by spaces (values with spaces quoted).  Returns its length or
 * -ENAMETOOLONG.
 */
int module_params(const char *cmdline, const char *name, char *out, size_t cap);

/*
 * Load every module of @dir/modules.load in order (none if the file does
 * not exist).  Returns the number loaded, or -errno at the first failure
 * with a reason naming the module in @e.
 */
int modules_load_all(const char *dir, const char *cmdline, struct error *e);

#endif
