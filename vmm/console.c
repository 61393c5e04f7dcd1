/* console.c - host terminal handling for the serial console; see console.h. */
#include "console.h"

#include <errno.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios;
static int saved_fd = -1;

size_t console_filter(struct console_escape *st, const uint8_t *in, size_t n, uint8_t *out,
		      bool *quit)
{
	size_t i, o = 0;

	*quit = false;
	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (st->armed) {
			st->armed = false;
			if (c == 'x' || c == 'X') {
				*quit = true;
				break;
			}
			if (c != CONSOLE_ESCAPE_CHAR)
				out[o++] = CONSOLE_ESCAPE_CHAR;
			out[o++] = c;
		} else if (c == CONSOLE_ESCAPE_CHAR) {
			st->armed = true;
		} else {
			out[o++] = c;
		}
	}
	return o;
}

void console_raw_restore(void)
{
	if (saved_fd >= 0) {
		tcsetattr(saved_fd, TCSAFLUSH, &saved_termios);
		saved_fd = -1;
	}
}

int console_raw_enter(int fd)
{
	struct termios raw;

	if (!isatty(fd))
		return -ENOTTY;
	if (tcgetattr(fd, &saved_termios) < 0)
		return -errno;
	raw = saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
		return -errno;
	saved_fd = fd;
	atexit(console_raw_restore);
	return 0;
}
