/* utf.c - see utf.h. */
#include "utf.h"

#include <errno.h>
#include <stdint.h>

/* Decode the code point at s[*i], advancing *i; -EINVAL if malformed. */
static int utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
	uint8_t b = s[*i];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len, k;
	uint32_t v;

	if (b < 0x80) {
		*cp = b;
		*i += 1;
		return 0;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		v = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (b == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		v = b & 0x07;
		if (b == 0xf0)
			lo = 0x90; /* no overlong forms */
		else if (b == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		return -EINVAL; /* continuation byte, C0, C1 or F5..FF */
	}
	if (n - *i < len)
		return -EINVAL;
	for (k = 1; k < len; k++) {
		uint8_t c = s[*i + k];

		if (c < lo || c > hi)
			return -EINVAL;
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (c & 0x3f);
	}
	*cp = v;
	*i += len;
	return 0;
}

ssize_t utf8_to_utf16_length(const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, units = 0;
	uint32_t cp;

	while (i < n) {
		if (utf8_next(u, n, &i, &cp) < 0)
			return -EINVAL;
		units += cp >= 0x10000 ? 2 : 1;
	}
	return (ssize_t)units;
}

void utf8_to_utf16(const char *s, size_t n, char16_t *out)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		if (utf8_next(u, n, &i, &cp) < 0)
			return; /* not reached for validated input */
		if (cp >= 0x10000) {
			cp -= 0x10000;
			*out++ = (char16_t)(0xd800 | (cp >> 10));
			*out++ = (char16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			*out++ = (char16_t)cp;
		}
	}
}

/* Decode the code point at s[*i], advancing *i; -EINVAL for a lone surrogate. */
static int utf16_next(const char16_t *s, size_t n, size_t *i, uint32_t *cp)
{
	uint32_t u = s[*i];

	if (u >= 0xdc00 && u <= 0xdfff)
		return -EINVAL;
	if (u >= 0xd800 && u <= 0xdbff) {
		uint32_t l;

		if (*i + 1 >= n)
			return -EINVAL;
		l = s[*i + 1];
		if (l < 0xdc00 || l > 0xdfff)
			return -EINVAL;
		*cp = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
		*i += 2;
		return 0;
	}
	*cp = u;
	*i += 1;
	return 0;
}

ssize_t utf16_to_utf8_length(const char16_t *s, size_t n)
{
	size_t i = 0, bytes = 0;
	uint32_t cp;

	while (i < n) {
		if (utf16_next(s, n, &i, &cp) < 0)
			return -EINVAL;
		bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	}
	return (ssize_t)bytes;
}

void utf16_to_utf8(const char16_t *s, size_t n, char *out)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		if (utf16_next(s, n, &i, &cp) < 0)
			return; /* not reached for validated input */
		if (cp < 0x80) {
			*out++ = (char)cp;
		} else if (cp < 0x800) {
			*out++ = (char)(0xc0 | (cp >> 6));
			*out++ = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*out++ = (char)(0xe0 | (cp >> 12));
			*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*out++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*out++ = (char)(0xf0 | (cp >> 18));
			*out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
			*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*out++ = (char)(0x80 | (cp & 0x3f));
		}
	}
}
