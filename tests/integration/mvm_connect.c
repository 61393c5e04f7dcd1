/*
 * mvm_connect.c - CONNECT through mvm's vsock Unix socket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mvm_connect.h"

int mvm_vsock_connect(const char *uds, unsigned int port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char line[64];
	size_t n = 0;
	int fd, len;

	if (strlen(uds) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, uds);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	len = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, line, (size_t)len) != len) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* Byte by byte: what follows the line is the stream. */
	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = 0;
	if (strncmp(line, "OK ", 3) != 0) {
		close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}
