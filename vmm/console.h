/*
 * console.h - the host side of the guest's serial console.
 *
 * When stdin is a terminal, mvm puts it in raw mode so that every key
 * reaches the guest (Ctrl-C included) and restores it when the VM ends,
 * however it ends.  To leave the VM from the terminal, type Ctrl-A then
 * x; Ctrl-A Ctrl-A sends one Ctrl-A to the guest.
 */
#ifndef MVM_CONSOLE_H
#define MVM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_ESCAPE_CHAR 0x01 /* Ctrl-A */

struct console_escape {
	bool armed; /* the previous input byte was the escape character */
};

/*
 * Copy @in to @out minus the escape sequences.  Returns the number of
 * bytes for the guest, at most @n + 1: a Ctrl-A left pending by the
 * previous call comes out together with the byte that follows it, so
 * @out must hold @n + 1 bytes (or @n when !st->armed).  Sets *quit when
 * Ctrl-A x was typed (bytes after it are dropped).
 */
size_t console_filter(struct console_escape *st, const uint8_t *in, size_t n, uint8_t *out,
		      bool *quit);

/*
 * Put terminal @fd into raw mode and register restoration at exit.
 * Returns 0, or -errno if @fd is not a terminal or cannot be set.
 */
int console_raw_enter(int fd);

/* Restore the terminal saved by console_raw_enter(); idempotent. */
void console_raw_restore(void);

#endif
