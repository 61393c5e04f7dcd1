/* payload_disk.c - the payload package's disk: find, check, mount; see manager.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/init/disks.h"
#include "manager.h"

int payload_disk_find(const char *sys_block, const char *dev_dir, const char *serial,
		      int timeout_ms, char *path, size_t size, struct error *e)
{
	char name[DISK_NAME_MAX];
	int r = disk_wait(sys_block, serial, timeout_ms, name, e);

	if (r < 0)
		return error_prefix(e, r, "no payload disk (serial '%s')", serial);
	if ((size_t)snprintf(path, size, "%s/%s", dev_dir, name) >= size)
		return error_set(e, -ENAMETOOLONG, "%s/%s: path too long", dev_dir, name);
	return 0;
}

/* The size of the open file or block device @fd. */
static int file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	return 0;
}

int payload_pkg_open(struct payload_pkg *p, const char *path, struct error *e)
{
	void *map;
	int fd, r;

	memset(p, 0, sizeof(*p));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(e, -errno, "%s: %s", path, strerror(errno));
	r = file_size(fd, &p->size);
	if (r == 0 && (p->size < PKG_BLOCK_SIZE || p->size > PKG_MAX_SIZE))
		r = error_set(e, -EINVAL, "%s: %llu bytes cannot be a payload package", path,
			      (unsigned long long)p->size);
	else if (r < 0)
		r = error_set(e, r, "%s: not a disk or a file (%s)", path, strerror(-r));
	if (r < 0) {
		close(fd);
		return r;
	}
	map = mmap(NULL, p->size, PROT_READ, MAP_SHARED, fd, 0);
	r = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return error_set(e, r, "%s: mmap: %s", path, strerror(-r));
	p->map = map;
	r = pkg_open(&p->pkg, p->map, p->size, e);
	if (r < 0) {
		payload_pkg_close(p);
		return error_prefix(e, r, "payload package");
	}
	return 0;
}

void payload_pkg_close(struct payload_pkg *p)
{
	if (p->map)
		munmap((void *)p->map, p->size);
	p->map = NULL;
	p->size = 0;
}

int payload_mount(const char *dev, const char *dir, struct error *e)
{
	if (mount(dev, dir, "erofs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
		return error_set(e, -errno, "mount %s (erofs) at %s: %s", dev, dir,
				 strerror(errno));
	return 0;
}
