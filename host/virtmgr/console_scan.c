/*
 * console_scan.c - see console_scan.h.  A Knuth-Morris-Pratt matcher over
 * the stream, so that a match split between chunks is found without
 * keeping the chunks.
 */
#include "console_scan.h"

#include <string.h>

#define NEEDLE CONSOLE_PANIC_TEXT
#define NEEDLE_LEN (sizeof(NEEDLE) - 1)

/* fail[i]: the longest proper border of NEEDLE[0..i]. */
static void failure_table(size_t fail[NEEDLE_LEN])
{
	size_t k = 0;

	fail[0] = 0;
	for (size_t i = 1; i < NEEDLE_LEN; i++) {
		while (k > 0 && NEEDLE[i] != NEEDLE[k])
			k = fail[k - 1];
		if (NEEDLE[i] == NEEDLE[k])
			k++;
		fail[i] = k;
	}
}

void console_scan_init(struct console_scan *s)
{
	memset(s, 0, sizeof(*s));
}

bool console_scan_feed(struct console_scan *s, const char *buf, size_t len)
{
	size_t fail[NEEDLE_LEN];
	size_t k = s->matched;

	if (s->panic)
		return true;
	failure_table(fail);
	for (size_t i = 0; i < len; i++) {
		while (k > 0 && buf[i] != NEEDLE[k])
			k = fail[k - 1];
		if (buf[i] == NEEDLE[k])
			k++;
		if (k == NEEDLE_LEN) {
			s->panic = true;
			break;
		}
	}
	s->matched = k;
	return s->panic;
}
