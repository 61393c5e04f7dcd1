/*
 * vsock_uds.c - the host side of virtio-vsock: the listening Unix socket
 * at uds_path, the "CONNECT <port>\n" line host clients send on it, and
 * the connections to "<uds_path>_<port>" that guest connects become; see
 * vsock.h.
 */
#include "vsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PORT_DIGITS_MAX 10 /* "4294967295" */

int vsock_uds_check_path(const char *path, struct error *e)
{
	struct sockaddr_un sa;
	size_t len;

	if (!path || !*path)
		return error_set(e, -EINVAL, "vsock socket path is empty");
	len = strlen(path);
	/* "<path>_<port>" and its terminating NUL must fit in sun_path. */
	if (len + 1 + PORT_DIGITS_MAX + 1 > sizeof(sa.sun_path))
		return error_set(
		    e, -ENAMETOOLONG,
		    "vsock socket path '%s' is too long: %zu bytes, at most %zu so that "
		    "'%s_<port>' fits in a Unix socket address",
		    path, len, sizeof(sa.sun_path) - PORT_DIGITS_MAX - 2, path);
	return 0;
}

/* @path as a socket address; the caller checked its length. */
static socklen_t uds_addr(struct sockaddr_un *sa, const char *path, const char *suffix)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s%s", path, suffix);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

/*
 * Does somebody listen on the socket file @path?  Returns 1 if so, 0 if
 * not (a stale socket), -errno if that cannot be told.
 */
static int uds_listened_on(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = uds_addr(&sa, path, "");
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, len) == 0)
		err = 1;
	else if (errno == EAGAIN) /* a listener whose backlog is full */
		err = 1;
	else if (errno == ECONNREFUSED)
		err = 0;
	else
		err = -errno;
	close(fd);
	return err;
}

int vsock_uds_listen(const char *path, int *fd_out, struct vsock_uds_id *id, struct error *e)
{
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	int fd, err;

	err = vsock_uds_check_path(path, e);
	if (err)
		return err;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return error_set(e, -EEXIST,
					 "vsock socket path '%s' exists and is not a socket", path);
		err = uds_listened_on(path);
		if (err > 0)
			return error_set(e, -EADDRINUSE, "vsock socket '%s' is in use", path);
		if (err < 0)
			return error_set(e, err, "cannot check vsock socket '%s': %s", path,
					 strerror(-err));
		/* Nobody listens: left behind by an mvm that died.  Replace it. */
		if (unlink(path) < 0 && errno != ENOENT)
			return error_set(e, -errno, "cannot remove stale vsock socket '%s': %s",
					 path, strerror(errno));
	} else if (errno != ENOENT) {
		return error_set(e, -errno, "vsock socket path '%s': %s", path, strerror(errno));
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(e, -errno, "vsock socket: %s", strerror(errno));
	len = uds_addr(&sa, path, "");
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		err = -errno;
		close(fd);
		return error_set(e, err, "cannot create vsock socket '%s': %s", path,
				 strerror(-err));
	}
	if (listen(fd, 128) < 0 || stat(path, &st) < 0) {
		err = -errno;
		close(fd);
		unlink(path);
		return error_set(e, err, "cannot listen on vsock socket '%s': %s", path,
				 strerror(-err));
	}
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	*fd_out = fd;
	return 0;
}

void vsock_uds_unlink(const char *path, const struct vsock_uds_id *id)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (uint64_t)st.st_dev == id->dev &&
	    (uint64_t)st.st_ino == id->ino)
		unlink(path);
}

int vsock_uds_connect(const char *path, uint32_t port)
{
	struct sockaddr_un sa;
	char suffix[PORT_DIGITS_MAX + 2];
	socklen_t len;
	int fd, err;

	snprintf(suffix, sizeof(suffix), "_%u", port);
	len = uds_addr(&sa, path, suffix);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* AF_UNIX stream connects finish at once, or fail (EAGAIN: full backlog). */
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int vsock_parse_connect(const char *buf, size_t len, uint32_t *port)
{
	static const char word[] = "connect ";
	const size_t word_len = sizeof(word) - 1;
	size_t i, scan = len < VSOCK_CONNECT_LINE_MAX ? len : VSOCK_CONNECT_LINE_MAX;
	uint64_t val = 0;

	for (i = 0; i < scan; i++) {
		char ch = buf[i];

		if (i < word_len) {
			/* The command word in any case, then exactly one space. */
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (ch != word[i])
				return -EINVAL;
			continue;
		}
		if (ch == '\n') {
			if (i == word_len)
				return -EINVAL; /* no digits */
			*port = (uint32_t)val;
			return (int)(i + 1);
		}
		if (ch < '0' || ch > '9')
			return -EINVAL;
		val = val * 10 + (uint64_t)(ch - '0');
		if (val > UINT32_MAX)
			return -EINVAL;
	}
	/* No newline yet: fine while the line can still fit. */
	return len >= VSOCK_CONNECT_LINE_MAX ? -EINVAL : 0;
}
