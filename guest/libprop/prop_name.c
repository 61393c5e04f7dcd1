/* prop_name.c - property name and value rules; see prop_wire.h. */
#include "prop_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == '@' || c == ':';
}

int prop_name_check(const char *name)
{
	size_t n = strnlen(name, PROP_NAME_MAX);
	size_t i;

	if (n == 0)
		return -EINVAL;
	if (n >= PROP_NAME_MAX)
		return -ENAMETOOLONG;
	if (name[0] == '.' || name[n - 1] == '.')
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!name_char_ok((unsigned char)name[i]))
			return -EINVAL;
		if (name[i] == '.' && name[i + 1] == '.')
			return -EINVAL;
	}
	return 0;
}

int prop_value_check(const char *value)
{
	size_t n = strnlen(value, PROP_VALUE_MAX);
	size_t i;

	if (n >= PROP_VALUE_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c == 0x7f)
			return -EILSEQ;
	}
	return 0;
}
