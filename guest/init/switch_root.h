/*
 * switch_root.h - leaving the initramfs for the system image.
 *
 * switch_root() moves the mounts on /dev, /proc and /sys under @newroot
 * (which must have those directories), deletes the initramfs's files to
 * give their memory back (only when / is a ramfs or tmpfs, and never
 * crossing into another file system), moves @newroot onto / and chroots
 * into it.  The caller then execs the second stage.
 */
#ifndef MICRODROID_INIT_SWITCH_ROOT_H
#define MICRODROID_INIT_SWITCH_ROOT_H

#include "lib/common/error.h"

/* 0, or -errno with a reason in @e. */
int switch_root(const char *newroot, struct error *e);

#endif
