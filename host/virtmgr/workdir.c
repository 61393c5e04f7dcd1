/* workdir.c - see workdir.h. */
#include "workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/payload/instance.h"

int workdir_make(const char *path, struct error *e)
{
	if (mkdir(path, 0700) < 0)
		return error_set(e, -errno, "cannot make '%s': %s", path, strerror(errno));
	return 0;
}

int workdir_make_parents(const char *path, struct error *e)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return error_set(e, -ENAMETOOLONG, "'%s': bad directory name", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return error_set(e, -errno, "cannot make '%s': %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return error_set(e, -errno, "cannot make '%s': %s", buf, strerror(errno));
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int workdir_remove(const char *path)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return 0;
}

/* Copy with read/write from @off on, for file systems without copy_file_range. */
static int copy_plain(int in, int out, off_t off)
{
	char buf[65536];
	ssize_t r;

	while ((r = pread(in, buf, sizeof(buf), off)) > 0) {
		for (ssize_t done = 0; done < r;) {
			ssize_t w = write(out, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += w;
		}
		off += r;
	}
	return r < 0 ? -errno : 0;
}

int workdir_copy(int src_fd, const char *dst, struct error *e)
{
	off_t in_off = 0;
	bool plain = false;
	int out, err = 0;

	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return error_set(e, -errno, "cannot make '%s': %s", dst, strerror(errno));
	for (;;) {
		ssize_t r = copy_file_range(src_fd, &in_off, out, NULL, 1 << 30, 0);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			plain = true;
			break;
		}
		if (r < 0) {
			err = -errno;
			break;
		}
	}
	if (!err && plain)
		err = copy_plain(src_fd, out, in_off);
	if (!err && fsync(out) < 0)
		err = -errno;
	close(out);
	if (err) {
		unlink(dst);
		return error_set(e, err, "copying the package to '%s': %s", dst, strerror(-err));
	}
	return 0;
}

int workdir_make_instance(const char *dst, struct error *e)
{
	int fd, err;

	fd = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, -errno, "cannot make '%s': %s", dst, strerror(errno));
	err = instance_image_init(fd, INSTANCE_DEFAULT_SIZE, e);
	close(fd);
	if (err)
		unlink(dst);
	return err;
}
