/* instance.c - see instance.h. */
#include "instance.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/common/le.h"

#define MAGIC_LEN (sizeof(INSTANCE_MAGIC) - 1)

void instance_header_encode(uint8_t out[INSTANCE_HEADER_SIZE])
{
	memset(out, 0, INSTANCE_HEADER_SIZE);
	memcpy(out, INSTANCE_MAGIC, MAGIC_LEN);
	put_le16(out + MAGIC_LEN, INSTANCE_VERSION);
}

int instance_header_check(const uint8_t *data, size_t len, unsigned int *version, struct error *e)
{
	unsigned int v;

	if (len < INSTANCE_HEADER_SIZE || memcmp(data, INSTANCE_MAGIC, MAGIC_LEN))
		return error_set(e, -EINVAL, "not an instance disk (no \"%s\" header)",
				 INSTANCE_MAGIC);
	v = get_le16(data + MAGIC_LEN);
	if (v == 0 || v > INSTANCE_VERSION)
		return error_set(e, -EPROTONOSUPPORT,
				 "instance disk version %u is not supported (this code knows %d)",
				 v, INSTANCE_VERSION);
	*version = v;
	return 0;
}

int instance_image_init(int fd, uint64_t size, struct error *e)
{
	uint8_t header[INSTANCE_HEADER_SIZE];

	if (size < INSTANCE_MIN_SIZE || size > INT64_MAX)
		return error_set(e, -EINVAL, "an instance disk needs at least %d bytes",
				 INSTANCE_MIN_SIZE);
	if (ftruncate(fd, (off_t)size) < 0)
		return error_set(e, -errno, "instance disk: %s", strerror(errno));
	instance_header_encode(header);
	if (pwrite(fd, header, sizeof(header), 0) != (ssize_t)sizeof(header))
		return error_set(e, errno ? -errno : -EIO, "instance disk: %s",
				 strerror(errno ? errno : EIO));
	if (fsync(fd) < 0)
		return error_set(e, -errno, "instance disk: %s", strerror(errno));
	return 0;
}
