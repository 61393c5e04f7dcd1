/*
 * utf.h - UTF-8 <-> UTF-16 conversion with validation, for the strings
 * that travel as String16 (binder_parcel.h).
 *
 * Valid UTF-8 here is RFC 3629's: no overlong forms, no encoded surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.  Valid
 * UTF-16 has every high surrogate followed by a low one and no lone low
 * surrogate.  U+0000 is valid in both.
 */
#ifndef BINDER_UTF_H
#define BINDER_UTF_H

#include <stddef.h>
#include <sys/types.h>
#include <uchar.h>

/* UTF-16 units needed for the @n bytes at @s, or -EINVAL if not valid UTF-8. */
ssize_t utf8_to_utf16_length(const char *s, size_t n);
/* Convert valid UTF-8 (checked by utf8_to_utf16_length()); no terminator. */
void utf8_to_utf16(const char *s, size_t n, char16_t *out);

/* UTF-8 bytes needed for the @n units at @s, or -EINVAL if not valid UTF-16. */
ssize_t utf16_to_utf8_length(const char16_t *s, size_t n);
/* Convert valid UTF-16 (checked by utf16_to_utf8_length()); no terminator. */
void utf16_to_utf8(const char16_t *s, size_t n, char *out);

#endif
