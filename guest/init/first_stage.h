/*
 * first_stage.h - init's first stage, PID 1 in the initramfs.
 *
 * In order: mount /dev (devtmpfs), /dev/pts, /proc and /sys; load the
 * kernel modules of /lib/modules/modules.load (modules.h); wait up to
 * FIRST_STAGE_DISK_TIMEOUT_MS for the virtio disk whose serial is
 * microdroid.system= (default "system"); put dm-verity over it as
 * microdroid.verity= says (dm_verity.h); mount the verified device
 * read-only on /newroot, as erofs or else ext4; switch_root into it and
 * exec /system/bin/init second_stage.
 *
 * The system image must hold /system/bin/init and empty /dev, /proc and
 * /sys directories.
 *
 * Any failure writes one line "init: FATAL: <reason>" to the console and
 * the kernel log and resets the VM (reboot(RB_AUTOBOOT)), which mvm
 * reports as exit status 3, never 0; every wait has a time limit, so it
 * never hangs.
 */
#ifndef MICRODROID_INIT_FIRST_STAGE_H
#define MICRODROID_INIT_FIRST_STAGE_H

#define FIRST_STAGE_DISK_TIMEOUT_MS 10000
#define FIRST_STAGE_NEWROOT "/newroot"
#define SECOND_STAGE_PATH "/system/bin/init"

/* The first stage's entry point: never returns as PID 1. */
int first_stage_main(int argc, char **argv);

#endif
