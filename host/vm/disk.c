/* disk.c - see disk.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "lib/payload/instance.h"

/* Make the image in the open, empty file @fd. */
static int fill(int fd, uint64_t size, bool instance)
{
	if (instance)
		return instance_image_init(fd, size, NULL);
	if (ftruncate(fd, (off_t)size) < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int vm_make_disk(const char *path, uint64_t size, bool instance, bool force)
{
	char tmp[4096];
	mode_t mask;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
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
	return err;
}
