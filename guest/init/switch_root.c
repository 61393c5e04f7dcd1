/* switch_root.c - from the initramfs into the system image; see switch_root.h. */
#include "switch_root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Delete what is under directory @dirfd on device @dev; closes @dirfd. */
static void delete_contents(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				delete_contents(sub, dev);
			unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, de->d_name, 0);
		}
	}
	closedir(d);
}

static int fail(struct error *e, const char *what, const char *path)
{
	int err = -errno;

	return error_set(e, err, "switch_root: %s '%s': %s", what, path, strerror(-err));
}

int switch_root(const char *newroot, struct error *e)
{
	static const char *const moved[] = {"/dev", "/proc", "/sys"};
	char target[PATH_MAX];
	struct statfs sfs;
	struct stat root;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		snprintf(target, sizeof(target), "%s%s", newroot, moved[i]);
		if (mount(moved[i], target, NULL, MS_MOVE, NULL) < 0)
			return fail(e, "cannot move the mount to", target);
	}
	if (chdir(newroot) < 0)
		return fail(e, "chdir", newroot);
	/* Only the initramfs is deleted: / must be ramfs or tmpfs. */
	if (stat("/", &root) == 0 && statfs("/", &sfs) == 0 &&
	    (sfs.f_type == RAMFS_MAGIC || sfs.f_type == TMPFS_MAGIC)) {
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			delete_contents(fd, root.st_dev);
	}
	if (mount(newroot, "/", NULL, MS_MOVE, NULL) < 0)
		return fail(e, "cannot move onto / the mount", newroot);
	if (chroot(".") < 0)
		return fail(e, "chroot", newroot);
	if (chdir("/") < 0)
		return fail(e, "chdir", "/");
	return 0;
}
