/* prop_wire.c - the property protocol's encoding; see prop_wire.h. */
#include "prop_wire.h"

#include <errno.h>
#include <string.h>

void prop_wire_put_u32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

uint32_t prop_wire_get_u32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int prop_wire_decode_request(const void *buf, size_t len, struct prop_request *req)
{
	const uint8_t *p = buf;
	uint32_t op, name_len, value_len;

	if (len < PROP_WIRE_HEADER)
		return 0;
	op = prop_wire_get_u32(p);
	name_len = prop_wire_get_u32(p + 4);
	value_len = prop_wire_get_u32(p + 8);
	if (op < PROP_OP_GET || op > PROP_OP_LIST)
		return -EPROTO;
	if (name_len > PROP_NAME_MAX - 1)
		return -ENAMETOOLONG;
	if (value_len > PROP_VALUE_MAX - 1)
		return -E2BIG;
	if ((op == PROP_OP_LIST && name_len) ||
	    ((op == PROP_OP_GET || op == PROP_OP_LIST) && value_len))
		return -EPROTO;
	if (len - PROP_WIRE_HEADER < (size_t)name_len + value_len)
		return 0;
	p += PROP_WIRE_HEADER;
	if (memchr(p, '\0', name_len))
		return -EINVAL;
	if (memchr(p + name_len, '\0', value_len))
		return -EILSEQ;
	req->op = op;
	memcpy(req->name, p, name_len);
	req->name[name_len] = '\0';
	memcpy(req->value, p + name_len, value_len);
	req->value[value_len] = '\0';
	return (int)(PROP_WIRE_HEADER + name_len + value_len);
}

int prop_wire_encode_request(void *buf, uint32_t op, const char *name, const char *value)
{
	size_t name_len = strlen(name), value_len = strlen(value);
	uint8_t *p = buf;

	if (name_len > PROP_NAME_MAX - 1)
		return -ENAMETOOLONG;
	if (value_len > PROP_VALUE_MAX - 1)
		return -E2BIG;
	prop_wire_put_u32(p, op);
	prop_wire_put_u32(p + 4, (uint32_t)name_len);
	prop_wire_put_u32(p + 8, (uint32_t)value_len);
	memcpy(p + PROP_WIRE_HEADER, name, name_len);
	memcpy(p + PROP_WIRE_HEADER + name_len, value, value_len);
	return (int)(PROP_WIRE_HEADER + name_len + value_len);
}

void prop_wire_encode_reply_header(void *buf, int32_t status, uint32_t len)
{
	prop_wire_put_u32(buf, (uint32_t)status);
	prop_wire_put_u32((uint8_t *)buf + 4, len);
}

void prop_wire_decode_reply_header(const void *buf, int32_t *status, uint32_t *len)
{
	*status = (int32_t)prop_wire_get_u32(buf);
	*len = prop_wire_get_u32((const uint8_t *)buf + 4);
}

/* One length-prefixed string of at most @max - 1 bytes, with no NUL. */
static int decode_string(const uint8_t *p, size_t len, char *out, size_t max)
{
	uint32_t n;

	if (len < 4)
		return -EPROTO;
	n = prop_wire_get_u32(p);
	if (n > max - 1 || n > len - 4 || memchr(p + 4, '\0', n))
		return -EPROTO;
	memcpy(out, p + 4, n);
	out[n] = '\0';
	return (int)(4 + n);
}

int prop_wire_decode_entry(const void *buf, size_t len, char name[PROP_NAME_MAX],
			   char value[PROP_VALUE_MAX])
{
	const uint8_t *p = buf;
	int a, b;

	a = decode_string(p, len, name, PROP_NAME_MAX);
	if (a < 0)
		return a;
	b = decode_string(p + a, len - (size_t)a, value, PROP_VALUE_MAX);
	if (b < 0)
		return b;
	return a + b;
}

size_t prop_wire_encode_entry(void *buf, const char *name, const char *value)
{
	size_t name_len = strlen(name), value_len = strlen(value);
	uint8_t *p = buf;

	prop_wire_put_u32(p, (uint32_t)name_len);
	memcpy(p + 4, name, name_len);
	prop_wire_put_u32(p + 4 + name_len, (uint32_t)value_len);
	memcpy(p + 8 + name_len, value, value_len);
	return 8 + name_len + value_len;
}
