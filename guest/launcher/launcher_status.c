/* launcher_status.c - the launcher's status line; see launcher_status.h. */
#include "launcher_status.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define OK_LINE "ok\n"
#define ERROR_PREFIX "error: "

int launcher_status_write(int fd, const char *reason)
{
	char line[LAUNCHER_STATUS_MAX];
	size_t len = 0, off = 0;

	if (!reason) {
		memcpy(line, OK_LINE, sizeof(OK_LINE) - 1);
		len = sizeof(OK_LINE) - 1;
	} else {
		memcpy(line, ERROR_PREFIX, sizeof(ERROR_PREFIX) - 1);
		len = sizeof(ERROR_PREFIX) - 1;
		for (; *reason && len < sizeof(line) - 1; reason++) {
			unsigned char c = (unsigned char)*reason;

			line[len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		line[len++] = '\n';
	}
	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	return 0;
}

int launcher_status_parse(const char *buf, size_t len, char *reason, size_t size)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n;

	if (nl)
		len = (size_t)(nl - buf);
	if (len == 2 && !memcmp(buf, "ok", 2))
		return 1;
	if (len < sizeof(ERROR_PREFIX) - 1 || memcmp(buf, ERROR_PREFIX, sizeof(ERROR_PREFIX) - 1))
		return -EPROTO;
	buf += sizeof(ERROR_PREFIX) - 1;
	len -= sizeof(ERROR_PREFIX) - 1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return -EPROTO;
	if (size == 0)
		return 0;
	n = len < size - 1 ? len : size - 1;
	memcpy(reason, buf, n);
	reason[n] = '\0';
	return 0;
}
