/* first_stage.c - init's first stage; see first_stage.h. */
#include "first_stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cmdline.h"
#include "disks.h"
#include "dm_verity.h"
#include "log.h"
#include "modules.h"
#include "power.h"
#include "switch_root.h"

#define SYSTEM_DISK_DEFAULT "system"
#define SYSTEM_NODE "/dev/block/system"
#define SYSTEM_DM_NAME "system"

/* Say why, once, then power off.  Never returns. */
static void __attribute__((noreturn, format(printf, 1, 2))) fatal(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("FATAL: %s", msg);
	log_flush();
	/*
	 * A reset, not a poweroff: mvm exits 0 only for a poweroff, so the
	 * host sees a failed boot as a non-zero status (3) with this line.
	 */
	power_finish(POWER_REBOOT, "", NULL);
	/* Not PID 1 (a test run), or reboot(2) failed. */
	_exit(1);
}

static void mount_early(void)
{
	static const struct {
		const char *src, *dir, *type;
		unsigned long flags;
		const char *data;
		int required;
	} mounts[] = {
	    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 1},
	    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620", 0},
	    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1},
	    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].dir, 0755);
		if (mount(mounts[i].src, mounts[i].dir, mounts[i].type, mounts[i].flags,
			  mounts[i].data) == 0 ||
		    errno == EBUSY)
			continue;
		/* The log may have no /dev yet: open it now to say why. */
		log_open("/dev/kmsg", "/dev/console");
		if (mounts[i].required)
			fatal("mount %s on %s: %s", mounts[i].type, mounts[i].dir, strerror(errno));
		log_warning("mount %s on %s: %s", mounts[i].type, mounts[i].dir, strerror(errno));
	}
}

/* Let services' lines through /dev/kmsg without the kernel's rate limit. */
static void kmsg_unlimited(void)
{
	int fd = open("/proc/sys/kernel/printk_devkmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "on\n", 3) < 0)
			log_debug("printk_devkmsg: %s", strerror(errno));
		close(fd);
	}
}

/* A block device node for @dev at @path. */
static void make_node(const char *path, dev_t dev)
{
	mkdir("/dev/block", 0755);
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, dev) < 0)
		fatal("mknod %s (%u:%u): %s", path, major(dev), minor(dev), strerror(errno));
}

/* The system block device: the verified one, or the raw disk with verity off. */
static dev_t system_device(const char *cmdline)
{
	char serial[64] = SYSTEM_DISK_DEFAULT, spec[512], disk[DISK_NAME_MAX];
	struct verity_config vc;
	unsigned maj, min;
	uint64_t sectors;
	struct error e;
	dev_t dev;
	int r;

	r = cmdline_get(cmdline, "microdroid.system", serial, sizeof(serial));
	if (r < 0 && r != -ENOENT)
		fatal("microdroid.system= is too long");
	r = cmdline_get(cmdline, "microdroid.verity", spec, sizeof(spec));
	if (r == -ENOENT)
		fatal("dm-verity: no microdroid.verity= on the kernel command line");
	if (r < 0)
		fatal("dm-verity: microdroid.verity= is too long");
	if (verity_parse(spec, &vc, &e) < 0)
		fatal("dm-verity: microdroid.verity=: %s", e.msg);
	if (disk_wait(SYS_BLOCK, serial, FIRST_STAGE_DISK_TIMEOUT_MS, disk, &e) < 0)
		fatal("system disk: %s", e.msg);
	if (disk_info(SYS_BLOCK, disk, &maj, &min, &sectors, &e) < 0)
		fatal("system disk: %s", e.msg);
	log_info("system disk '%s' is %s (%u:%u, %llu sectors)", serial, disk, maj, min,
		 (unsigned long long)sectors);
	if (vc.off) {
		log_warning("dm-verity is OFF (microdroid.verity=off): the system image is not "
			    "verified");
		return makedev(maj, min);
	}
	if (verity_check_disk(&vc, sectors, &e) < 0)
		fatal("dm-verity: %s", e.msg);
	if (dm_verity_create(DM_CONTROL, SYSTEM_DM_NAME, &vc, maj, min, &dev, &e) < 0)
		fatal("dm-verity: %s", e.msg);
	log_info("dm-verity: %s over %s (%llu blocks, %s)", SYSTEM_DM_NAME, disk,
		 (unsigned long long)vc.data_blocks, vc.algorithm);
	return dev;
}

static void mount_system(dev_t dev)
{
	int erofs_err;

	make_node(SYSTEM_NODE, dev);
	mkdir(FIRST_STAGE_NEWROOT, 0755);
	if (mount(SYSTEM_NODE, FIRST_STAGE_NEWROOT, "erofs", MS_RDONLY, NULL) == 0)
		return;
	erofs_err = errno;
	if (mount(SYSTEM_NODE, FIRST_STAGE_NEWROOT, "ext4", MS_RDONLY, NULL) == 0)
		return;
	fatal("mount system image: as erofs: %s; as ext4: %s", strerror(erofs_err),
	      strerror(errno));
}

int first_stage_main(int argc, char **argv)
{
	char *const second[] = {SECOND_STAGE_PATH, "second_stage", NULL};
	char *cmdline;
	struct error e;
	int r;

	(void)argc;
	(void)argv;
	umask(022);
	mount_early();
	log_open("/dev/kmsg", "/dev/console");
	kmsg_unlimited();
	log_info("first stage");
	if (cmdline_read("/proc/cmdline", &cmdline, &e) < 0)
		fatal("%s", e.msg);
	r = modules_load_all(MODULES_DIR, cmdline, &e);
	if (r < 0)
		fatal("%s", e.msg);
	mount_system(system_device(cmdline));
	free(cmdline);
	if (access(FIRST_STAGE_NEWROOT SECOND_STAGE_PATH, X_OK) < 0)
		fatal("the system image has no executable %s: %s", SECOND_STAGE_PATH,
		      strerror(errno));
	if (switch_root(FIRST_STAGE_NEWROOT, &e) < 0)
		fatal("%s", e.msg);
	log_info("starting the second stage");
	log_close();
	execv(SECOND_STAGE_PATH, second);
	log_open("/dev/kmsg", "/dev/console");
	fatal("exec %s: %s", SECOND_STAGE_PATH, strerror(errno));
}
