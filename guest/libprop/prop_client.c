/* prop_client.c - the property client API; see properties.h. */
#include "properties.h"
#include "prop_wire.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* How long a get, set or list may take; property_wait has its own. */
#define CLIENT_TIMEOUT_MS 5000
/* A LIST reply larger than this is refused as a protocol error. */
#define LIST_REPLY_MAX (4u << 20)

const char *property_socket_path(void)
{
	const char *p = getenv(PROPERTY_SOCKET_ENV);

	return p && *p ? p : PROPERTY_SERVICE_SOCKET;
}

const char *property_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "invalid property name (allowed: A-Z a-z 0-9 _ - . @ :, no empty part)";
	case -ENAMETOOLONG:
		return "property name too long (at most 127 bytes)";
	case -E2BIG:
		return "property value too long (at most 91 bytes)";
	case -EILSEQ:
		return "property value contains a control character";
	case -EROFS:
		return "read-only property is already set";
	case -ENOSPC:
		return "too many properties";
	case -ENOENT:
		return "property not set";
	case -ESRCH:
		return "no such service";
	case -ETIMEDOUT:
		return "timed out";
	case -ECONNREFUSED:
		return "property service not reachable";
	case -EPROTO:
		return "property service protocol error";
	default:
		return strerror(-err);
	}
}

static int connect_service(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	const char *path = property_socket_path();
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		/* A missing socket file is not a missing property. */
		return -ECONNREFUSED;
	}
	return fd;
}

static int recv_exact(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = prop_wait_fd(fd, POLLIN, deadline);

			if (r < 0)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Send one request and read the reply header.  On success returns the
 * connected socket (the caller reads @*len payload bytes, then closes it)
 * and the reply's status in @*status.
 */
static int transact(uint32_t op, const char *name, const char *value, int64_t deadline,
		    int32_t *status, uint32_t *len)
{
	uint8_t req[PROP_WIRE_REQUEST_MAX], hdr[PROP_WIRE_REPLY_HEADER];
	int fd, n, r;

	n = prop_wire_encode_request(req, op, name, value);
	if (n < 0)
		return n;
	fd = connect_service();
	if (fd < 0)
		return fd;
	r = prop_send_all(fd, req, (size_t)n, deadline);
	if (r == 0)
		r = recv_exact(fd, hdr, sizeof(hdr), deadline);
	if (r < 0) {
		close(fd);
		return r;
	}
	prop_wire_decode_reply_header(hdr, status, len);
	return fd;
}

/* A request whose reply carries at most one value, read into @value. */
static int value_request(uint32_t op, const char *name, const char *arg, int timeout_ms,
			 char value[PROP_VALUE_MAX])
{
	int64_t deadline = timeout_ms < 0 ? -1 : prop_now_ms() + timeout_ms;
	int32_t status;
	uint32_t len;
	int fd, r;

	r = prop_name_check(name);
	if (r < 0)
		return r;
	fd = transact(op, name, arg, deadline, &status, &len);
	if (fd < 0)
		return fd;
	if (status > 0 || len > PROP_VALUE_MAX - 1 || (status < 0 && len)) {
		r = -EPROTO;
	} else {
		r = recv_exact(fd, value, len, deadline);
		if (r == 0) {
			value[len] = '\0';
			r = status < 0 ? status : (int)len;
		}
	}
	close(fd);
	return r;
}

int property_get(const char *name, char value[PROP_VALUE_MAX], const char *default_value)
{
	int r = value_request(PROP_OP_GET, name, "", CLIENT_TIMEOUT_MS, value);

	if (r != -ENOENT)
		return r;
	if (!default_value)
		default_value = "";
	r = (int)strnlen(default_value, PROP_VALUE_MAX - 1);
	memcpy(value, default_value, (size_t)r);
	value[r] = '\0';
	return r;
}

int property_set(const char *name, const char *value)
{
	char unused[PROP_VALUE_MAX];
	int r = prop_value_check(value);

	if (r < 0)
		return r;
	r = value_request(PROP_OP_SET, name, value, CLIENT_TIMEOUT_MS, unused);
	return r < 0 ? r : 0;
}

int property_wait(const char *name, const char *value, int timeout_ms)
{
	char got[PROP_VALUE_MAX];
	int r;

	if (strcmp(value, "*") != 0) {
		r = prop_value_check(value);
		if (r < 0)
			return r;
	}
	/* Look first, so that a zero timeout still answers "it already is". */
	r = value_request(PROP_OP_GET, name, "", CLIENT_TIMEOUT_MS, got);
	if (r >= 0 && (strcmp(value, "*") == 0 ? r > 0 : strcmp(got, value) == 0))
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	if (timeout_ms == 0)
		return -ETIMEDOUT;
	r = value_request(PROP_OP_WAIT, name, value, timeout_ms, got);
	return r < 0 ? r : 0;
}

int property_list(property_list_fn fn, void *ctx)
{
	int64_t deadline = prop_now_ms() + CLIENT_TIMEOUT_MS;
	char name[PROP_NAME_MAX], value[PROP_VALUE_MAX];
	uint8_t *buf = NULL;
	int32_t status;
	uint32_t len;
	size_t off = 0;
	int fd, r, count = 0;

	fd = transact(PROP_OP_LIST, "", "", deadline, &status, &len);
	if (fd < 0)
		return fd;
	if (status < 0 || len > LIST_REPLY_MAX) {
		close(fd);
		return status < 0 ? status : -EPROTO;
	}
	buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	r = recv_exact(fd, buf, len, deadline);
	close(fd);
	while (r == 0 && off < len) {
		r = prop_wire_decode_entry(buf + off, len - off, name, value);
		if (r < 0)
			break;
		off += (size_t)r;
		r = 0;
		fn(ctx, name, value);
		count++;
	}
	free(buf);
	return r < 0 ? r : count;
}
