/* instance.c - see instance.h. */
#include "instance.h"

#include <errno.h>
#include <string.h>

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
