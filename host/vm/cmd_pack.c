/*
 * cmd_pack.c - `vm pack`: build a payload package from a config, payload
 * libraries and other files.
 *
 * The inputs are checked first, so that errors name the file the user gave
 * (the config, a --lib); pack_build() then stages, builds and checks the
 * package itself (pack.h).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/common/file.h"
#include "lib/payload/elf_check.h"
#include "lib/payload/vm_config.h"
#include "pack.h"

static const char usage_text[] =
    "Usage: vm pack -o OUT --config vm_config.json [--lib LIB.so]... [--file SRC=DEST]...\n"
    "               [--no-check]\n"
    "\n"
    "Build a payload package: one file holding the payload's config, libraries\n"
    "and other files, which a Microdroid VM mounts read-only.  Its tree is\n"
    "  /vm_config.json          from --config\n"
    "  /lib/x86_64/NAME         from each --lib (NAME: the library's file name)\n"
    "  /DEST                    from each --file SRC=DEST (DEST relative, split at\n"
    "                           the last '='; by convention under assets/)\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT         the package to write (replaced if it exists)\n"
    "  -c, --config FILE        the payload config, vm_config.json (docs/vm.md)\n"
    "  -l, --lib FILE           a payload library: an x86-64 ELF shared object\n"
    "  -f, --file SRC=DEST      any other file\n"
    "      --no-check           write the package even if the config is invalid or\n"
    "                           names a library that is not in it; for testing the\n"
    "                           guest's own checks (the package itself is sound)\n"
    "  -h, --help               show this help\n"
    "\n"
    "The config is checked, and a microdroid_launcher task's library must be one\n"
    "of the --lib files.  OUT is written whole or not at all.  The same inputs\n"
    "give the same package, byte for byte.  Needs mkfs.erofs (erofs-utils), or\n"
    "$MKFS_EROFS.\n"
    "\n"
    "Exit status: 0 the package is written; 1 bad input or a host error;\n"
    "2 bad command line.\n";

static const struct option options[] = {
    {"output", required_argument, NULL, 'o'},
    {"config", required_argument, NULL, 'c'},
    {"lib", required_argument, NULL, 'l'},
    {"file", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"no-check", no_argument, NULL, 'N'},
    {NULL, 0, NULL, 0},
};

struct inputs {
	const char *out;
	const char *config;
	const char *libs[PACK_MAX_ENTRIES];
	size_t nr_libs;
	const char *files[PACK_MAX_ENTRIES][2]; /* SRC, DEST */
	size_t nr_files;
	struct pack_entry entries[PACK_MAX_ENTRIES];
	char *lib_dests[PACK_MAX_ENTRIES]; /* the "lib/x86_64/NAME" made here */
	size_t n;
	bool no_check; /* --no-check */
};

/* Check the config; for a launcher task, store its library's name in @lib_name. */
static int check_config(const char *path, char *lib_name, size_t size)
{
	struct vm_payload_config cfg;
	struct error err = {{0}};
	const uint8_t *data;
	size_t len;
	int r;

	if (file_map(path, "config", &data, &len, &err) < 0)
		return vm_fail("pack", "%s", err.msg);
	r = vm_config_parse((const char *)data, len, &cfg, &err);
	file_unmap(data, len);
	if (r < 0)
		return vm_fail("pack", "%s: %s", path, err.msg);
	if (cfg.task_type == PAYLOAD_TASK_MICRODROID_LAUNCHER)
		snprintf(lib_name, size, "%s", cfg.command);
	return VM_EXIT_OK;
}

/*
 * Check the --lib @path, an x86-64 ELF shared object, and add it to the
 * package as lib/x86_64/<its file name>.  *named is set if that name is
 * @lib_name.
 */
static int add_lib(struct inputs *in, const char *path, const char *lib_name, bool *named)
{
	struct error err = {{0}};
	const uint8_t *data;
	char *copy, *dest = NULL;
	const char *name;
	size_t len;
	int r;

	copy = strdup(path);
	if (!copy)
		return vm_fail("pack", "out of memory");
	name = basename(copy);
	r = payload_lib_name_check(name, &err);
	if (r == 0 && asprintf(&dest, PAYLOAD_LIB_DIR "/%s", name) < 0)
		r = error_set(&err, -ENOMEM, "out of memory");
	if (r == 0 && !strcmp(name, lib_name))
		*named = true;
	free(copy);
	if (r == 0)
		r = file_map(path, "--lib", &data, &len, &err);
	if (r == 0) {
		r = elf_check_x86_64_so(data, len, &err);
		file_unmap(data, len);
		if (r < 0)
			error_prefix(&err, r, "--lib '%s'", path);
	}
	if (r < 0) {
		free(dest);
		return vm_fail("pack", "%s", err.msg);
	}
	in->lib_dests[in->n] = dest;
	in->entries[in->n++] = (struct pack_entry){.src = path, .dest = dest};
	return VM_EXIT_OK;
}

static int parse_args(struct inputs *in, int argc, char **argv)
{
	char *eq;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:c:l:f:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			in->out = optarg;
			break;
		case 'c':
			if (in->config)
				return vm_usage("pack", "--config is given twice");
			in->config = optarg;
			break;
		case 'l':
		case 'f':
			/* With vm_config.json, at most PACK_MAX_ENTRIES files in all. */
			if (in->nr_libs + in->nr_files + 1 == PACK_MAX_ENTRIES)
				return vm_usage("pack", "too many files: at most %d",
						PACK_MAX_ENTRIES);
			if (opt == 'l') {
				in->libs[in->nr_libs++] = optarg;
				break;
			}
			eq = strrchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return vm_usage("pack", "--file wants SRC=DEST, not '%s'", optarg);
			*eq = '\0';
			in->files[in->nr_files][0] = optarg;
			in->files[in->nr_files++][1] = eq + 1;
			break;
		case 'N':
			in->no_check = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return vm_bad_option("pack", opt, argv);
		}
	}
	if (optind < argc)
		return vm_usage("pack", "unexpected argument '%s'", argv[optind]);
	if (!in->out)
		return vm_usage("pack", "no output given: -o OUT");
	if (!in->config)
		return vm_usage("pack", "no config given: --config vm_config.json");
	return VM_EXIT_OK;
}

static int pack(struct inputs *in)
{
	char lib_name[PAYLOAD_PATH_MAX + 1] = "";
	const char *mkfs = getenv("MKFS_EROFS");
	struct error err = {{0}};
	bool named = false;
	int r;

	r = in->no_check ? VM_EXIT_OK : check_config(in->config, lib_name, sizeof(lib_name));
	for (size_t i = 0; i < in->nr_libs && r == VM_EXIT_OK; i++)
		r = add_lib(in, in->libs[i], lib_name, &named);
	if (r != VM_EXIT_OK)
		return r;
	if (lib_name[0] && !named)
		return vm_fail("pack", "%s: task.command names library '%s', but no --lib gives it",
			       in->config, lib_name);
	for (size_t i = 0; i < in->nr_files; i++)
		in->entries[in->n++] =
		    (struct pack_entry){.src = in->files[i][0], .dest = in->files[i][1]};
	in->entries[in->n++] = (struct pack_entry){.src = in->config, .dest = VM_CONFIG_PATH};
	if (pack_build(in->entries, in->n, in->out, mkfs && *mkfs ? mkfs : "mkfs.erofs",
		       !in->no_check, &err) < 0)
		return vm_fail("pack", "%s", err.msg);
	return VM_EXIT_OK;
}

int cmd_pack(int argc, char **argv)
{
	struct inputs *in = calloc(1, sizeof(*in));
	int r;

	if (!in)
		return vm_fail("pack", "out of memory");
	r = parse_args(in, argc, argv);
	if (r < 0) /* --help */
		r = VM_EXIT_OK;
	else if (r == VM_EXIT_OK)
		r = pack(in);
	for (size_t i = 0; i < in->n; i++)
		free(in->lib_dests[i]);
	free(in);
	return r;
}
