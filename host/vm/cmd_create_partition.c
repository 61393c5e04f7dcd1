/*
 * cmd_create_partition.c - `vm create-partition PATH SIZE -t raw|instance`:
 * make a disk image for a VM, as a sparse file.
 *
 * The image is made under a temporary name beside PATH and then linked
 * into place: without --force, link() refuses an existing PATH atomically;
 * with it, rename() replaces PATH.  Either way PATH is never seen half
 * made.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lib/payload/instance.h"

static const char usage_text[] =
    "Usage: vm create-partition [-t raw|instance] [--force] PATH SIZE\n"
    "\n"
    "Create a disk image of SIZE bytes at PATH, as a sparse file.  SIZE is a\n"
    "number of bytes, a multiple of 512, or one with a suffix K, M, G or T\n"
    "(KiB, MiB, GiB, TiB): 10M, 1G.\n"
    "\n"
    "Options:\n"
    "  -t, --type raw|instance  raw (default): all zeros.  instance: an instance\n"
    "                           disk, where a VM keeps what it trusted on first\n"
    "                           boot; it starts with the \"Android-VM-instance\"\n"
    "                           header, version 1 (docs/vm.md); at least 1K\n"
    "  -f, --force              replace PATH if it exists\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 the image is made; 1 PATH exists (without --force) or a host\n"
    "error; 2 bad command line.\n";

static const struct option options[] = {
    {"type", required_argument, NULL, 't'},
    {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define SECTOR 512

/* Make the image in the open, empty file @fd. */
static int fill(int fd, uint64_t size, bool instance)
{
	if (instance)
		return instance_image_init(fd, size, NULL);
	if (ftruncate(fd, (off_t)size) < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int cmd_create_partition(int argc, char **argv)
{
	bool instance = false, force = false;
	const char *path;
	char tmp[4096];
	uint64_t size;
	mode_t mask;
	int opt, fd, err;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":t:fh", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (!strcmp(optarg, "instance"))
				instance = true;
			else if (!strcmp(optarg, "raw"))
				instance = false;
			else
				return vm_usage("create-partition",
						"--type wants raw or instance, not '%s'", optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return VM_EXIT_OK;
		default:
			return vm_bad_option("create-partition", opt, argv);
		}
	}
	if (argc - optind != 2)
		return vm_usage("create-partition", "want PATH and SIZE, got %d argument%s",
				argc - optind, argc - optind == 1 ? "" : "s");
	path = argv[optind];
	if (!parse_size(argv[optind + 1], &size) || size % SECTOR || size > INT64_MAX)
		return vm_usage("create-partition",
				"SIZE wants a whole number of 512-byte sectors (e.g. 10M), not "
				"'%s'",
				argv[optind + 1]);
	if (instance && size < INSTANCE_MIN_SIZE)
		return vm_usage("create-partition", "an instance disk needs at least %d bytes",
				INSTANCE_MIN_SIZE);
	if (!force && access(path, F_OK) == 0)
		return vm_fail("create-partition", "'%s' exists (--force replaces it)", path);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return vm_fail("create-partition", "'%s': path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return vm_fail("create-partition", "'%s': %s", path, strerror(errno));
	mask = umask(0);
	umask(mask);
	err = fchmod(fd, 0666 & ~mask) < 0 ? -errno : fill(fd, size, instance);
	close(fd);
	if (!err) {
		if (force)
			err = rename(tmp, path) < 0 ? -errno : 0;
		else
			err = link(tmp, path) < 0 ? -errno : 0;
	}
	unlink(tmp); /* after link(), the temporary name; after rename(), nothing */
	if (err == -EEXIST)
		return vm_fail("create-partition", "'%s' exists (--force replaces it)", path);
	if (err)
		return vm_fail("create-partition", "'%s': %s", path, strerror(-err));
	return VM_EXIT_OK;
}
