/*
 * console_scan.h - watch a guest's serial console for a kernel panic.
 *
 * virtmgr reads mvm's stdout (the guest's ttyS0) in chunks of any size and
 * forwards them to the client.  The scanner sees the same chunks and
 * remembers whether the line Linux prints on a panic, "Kernel panic - not
 * syncing", went by, even when it is split across chunks.  Pure: no I/O.
 */
#ifndef MDROID_VIRTMGR_CONSOLE_SCAN_H
#define MDROID_VIRTMGR_CONSOLE_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_PANIC_TEXT "Kernel panic - not syncing"

struct console_scan {
	size_t matched; /* bytes of CONSOLE_PANIC_TEXT matched so far */
	bool panic;	/* the text was seen */
};

/* Start with nothing seen. */
void console_scan_init(struct console_scan *s);

/* Look at the next @len bytes of the console; returns s->panic. */
bool console_scan_feed(struct console_scan *s, const char *buf, size_t len);

#endif
