/*
 * fuzz_prop_wire.c - what init's property service reads from a client:
 * prop_wire_decode_request() on arbitrary bytes, then the name and value
 * checks the service applies (guest/libprop/prop_wire.c, prop_name.c).
 *
 * Input: the bytes a client sent, as they are.
 * Checked: a decoded request agrees with a separate reading of the
 * header; every shorter prefix of a complete request asks for more (so a
 * refusal is final); a decoded name and value have the lengths the header
 * gave and re-encode to the same bytes; prop_name_check() agrees with a
 * reference reading of the rules; nothing is read past the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/libprop/prop_wire.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool reference_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n >= PROP_NAME_MAX || name[0] == '.' || name[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_-.@:", c)))
			return false;
		if (c == '.' && name[i + 1] == '.')
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prop_request req;
	uint8_t again[PROP_WIRE_REQUEST_MAX];
	uint8_t *copy = malloc(size ? size : 1);
	int r, n;
	size_t k;

	check(copy != NULL);
	memcpy(copy, data, size);
	r = prop_wire_decode_request(copy, size, &req);
	if (r > 0) {
		uint32_t name_len = prop_wire_get_u32(copy + 4);
		uint32_t value_len = prop_wire_get_u32(copy + 8);

		check((size_t)r == PROP_WIRE_HEADER + name_len + value_len && (size_t)r <= size);
		check(req.op == prop_wire_get_u32(copy));
		check(strlen(req.name) == name_len && strlen(req.value) == value_len);
		n = prop_wire_encode_request(again, req.op, req.name, req.value);
		check(n == r && memcmp(again, copy, (size_t)n) == 0);
		check((prop_name_check(req.name) == 0) == reference_name_ok(req.name));
		prop_value_check(req.value);
	}
	if (r >= 0) {
		size_t end = r > 0 ? (size_t)r : size;

		for (k = 0; k < end; k++) {
			check(prop_wire_decode_request(copy, k, &req) == 0);
		}
	} else {
		check(r == -EPROTO || r == -ENAMETOOLONG || r == -E2BIG || r == -EINVAL ||
		      r == -EILSEQ);
	}
	free(copy);
	return 0;
}
