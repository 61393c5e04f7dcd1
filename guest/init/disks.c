/* disks.c - virtio disks by serial id; see disks.h. */
#include "disks.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/common/file.h"
#include "loop.h"

#define SYSFS_ATTR_MAX 4096

/* Read a sysfs attribute without its trailing newline into *out (freed by the caller). */
static int read_attr(const char *sys_block, const char *disk, const char *attr, char **out,
		     struct error *e)
{
	char path[PATH_MAX];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", sys_block, disk, attr);
	r = file_read_all(path, "sysfs attribute", SYSFS_ATTR_MAX, out, &len, e);
	if (r < 0)
		return r;
	while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == ' '))
		(*out)[--len] = '\0';
	return 0;
}

/*
 * Walk the vd* disks; stop at the one with @serial.  If @seen is not
 * NULL, list "vda=serial" of each into it.
 */
static int scan(const char *sys_block, const char *serial, char name[DISK_NAME_MAX], char *seen,
		size_t seen_cap)
{
	DIR *d = opendir(sys_block);
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -ENOENT;
	while (r < 0 && (de = readdir(d))) {
		char *s = NULL;

		if (strncmp(de->d_name, "vd", 2) != 0 || strlen(de->d_name) >= DISK_NAME_MAX)
			continue;
		read_attr(sys_block, de->d_name, "serial", &s, NULL);
		if (s && strcmp(s, serial) == 0) {
			strcpy(name, de->d_name);
			r = 0;
		}
		if (seen) {
			size_t used = strlen(seen);

			snprintf(seen + used, seen_cap - used, "%s%s=%s", used ? ", " : "",
				 de->d_name, s ? s : "?");
		}
		free(s);
	}
	closedir(d);
	return r;
}

int disk_find(const char *sys_block, const char *serial, char name[DISK_NAME_MAX])
{
	return scan(sys_block, serial, name, NULL, 0);
}

int disk_wait(const char *sys_block, const char *serial, int timeout_ms, char name[DISK_NAME_MAX],
	      struct error *e)
{
	int64_t deadline = loop_now_ms() + timeout_ms;
	struct timespec tick = {0, 10 * 1000 * 1000};
	char seen[512] = "";

	while (disk_find(sys_block, serial, name) < 0) {
		if (loop_now_ms() >= deadline) {
			if (scan(sys_block, serial, name, seen, sizeof(seen)) == 0)
				return 0;
			return error_set(e, -ETIMEDOUT,
					 "no virtio disk with serial '%s' after %d ms (disks: %s)",
					 serial, timeout_ms, seen[0] ? seen : "none");
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

int disk_info(const char *sys_block, const char *name, unsigned *major, unsigned *minor,
	      uint64_t *sectors, struct error *e)
{
	char *dev = NULL, *size = NULL;
	int r;

	r = read_attr(sys_block, name, "dev", &dev, e);
	if (r == 0)
		r = read_attr(sys_block, name, "size", &size, e);
	if (r == 0 &&
	    (sscanf(dev, "%u:%u", major, minor) != 2 || sscanf(size, "%" SCNu64, sectors) != 1))
		r = error_set(e, -EINVAL, "disk %s: cannot read its dev '%s' or size '%s'", name,
			      dev, size);
	free(dev);
	free(size);
	return r;
}
