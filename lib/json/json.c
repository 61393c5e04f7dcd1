/* json.c - see json.h. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The byte offset of the first invalid UTF-8 sequence in @s, or @len if there is none. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

/*
 * The offset of a "\u0000" escape inside a JSON string, or @len.  cJSON
 * would decode it into a NUL that silently cuts the C string short.
 */
static size_t escaped_nul_at(const char *s, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			in_string = !in_string;
		} else if (in_string && s[i] == '\\') {
			if (len - i > 5 && s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
				return i;
			i++; /* skip the escaped character */
		}
	}
	return len;
}

static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int json_parse_object(const char *text, size_t len, size_t max_len, cJSON **root, struct error *e)
{
	const char *end = NULL;
	unsigned line, col;
	size_t at;
	cJSON *tree;

	*root = NULL;
	if (len > max_len)
		return error_set(e, -EFBIG, "too large: %zu bytes, at most %zu", len, max_len);
	if (memchr(text, '\0', len))
		return error_set(e, -EINVAL, "contains a NUL byte");
	at = utf8_invalid_at((const unsigned char *)text, len);
	if (at < len)
		return error_set(e, -EINVAL, "not valid UTF-8 at byte %zu", at);
	at = escaped_nul_at(text, len);
	if (at < len) {
		line_col(text, at, &line, &col);
		return error_set(e, -EINVAL, "\\u0000 in a string at line %u, column %u", line,
				 col);
	}
	tree = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!tree) {
		at = end && end >= text && (size_t)(end - text) <= len ? (size_t)(end - text) : 0;
		line_col(text, at, &line, &col);
		return error_set(e, -EINVAL, "invalid JSON at line %u, column %u", line, col);
	}
	at = end ? (size_t)(end - text) : len;
	while (at < len && strchr(" \t\r\n", text[at]))
		at++;
	if (at < len) {
		cJSON_Delete(tree);
		line_col(text, at, &line, &col);
		return error_set(e, -EINVAL, "text after the JSON object at line %u, column %u",
				 line, col);
	}
	if (!cJSON_IsObject(tree)) {
		cJSON_Delete(tree);
		return error_set(e, -EINVAL, "want a JSON object, not %s", json_kind(tree));
	}
	*root = tree;
	return 0;
}

const char *json_kind(const cJSON *item)
{
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an unknown value";
}

/* "WHERE KEY: unknown key (known: a, b, c)". */
static int unknown_key(const char *where, const char *key, const char *const *known,
		       struct error *e)
{
	char list[256];
	size_t used = 0;

	list[0] = '\0';
	for (size_t k = 0; known[k] && used < sizeof(list); k++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "",
					 known[k]);
	return error_set(e, -EINVAL, "%s%s: unknown key (known: %s)", where, key, list);
}

int json_check_keys(const cJSON *obj, const char *where, const char *const *known, struct error *e)
{
	uint64_t seen = 0; /* one bit per entry of @known (lists are far shorter than 64) */
	const cJSON *item;
	size_t k;

	cJSON_ArrayForEach(item, obj)
	{
		for (k = 0; known[k]; k++)
			if (!strcmp(item->string, known[k]))
				break;
		if (!known[k])
			return unknown_key(where, item->string, known, e);
		if (k < 64) {
			if (seen & (1ULL << k))
				return error_set(e, -EINVAL, "%s%s: given twice", where,
						 item->string);
			seen |= 1ULL << k;
		}
	}
	return 0;
}

int json_missing(const char *where, const char *key, struct error *e)
{
	return error_set(e, -EINVAL, "%s%s: missing (it is required)", where, key);
}

static int wrong_kind(const char *where, const char *key, const char *want, const cJSON *item,
		      struct error *e)
{
	return error_set(e, -EINVAL, "%s%s: want %s, not %s", where, key, want, json_kind(item));
}

int json_get_string(const cJSON *obj, const char *where, const char *key, bool allow_empty,
		    const char **out, struct error *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *s;

	if (!item)
		return 0;
	if (!cJSON_IsString(item) || !item->valuestring)
		return wrong_kind(where, key, "a string", item, e);
	s = item->valuestring;
	if (!allow_empty && !*s)
		return error_set(e, -EINVAL, "%s%s: must not be empty", where, key);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return error_set(e, -EINVAL, "%s%s: contains a control character (%#x)",
					 where, key, *p);
	*out = s;
	return 1;
}

int json_get_bool(const cJSON *obj, const char *where, const char *key, bool *out, struct error *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		return 0;
	if (!cJSON_IsBool(item))
		return wrong_kind(where, key, "true or false", item, e);
	*out = cJSON_IsTrue(item);
	return 1;
}

int json_get_uint(const cJSON *obj, const char *where, const char *key, uint64_t min, uint64_t max,
		  uint64_t *out, struct error *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	double v;

	if (!item)
		return 0;
	if (!cJSON_IsNumber(item))
		return wrong_kind(where, key, "a number", item, e);
	v = item->valuedouble;
	/* In [0, 2^64) the cast is defined; then the real bounds. */
	if (!isfinite(v) || v != floor(v) || v < 0 || v >= 0x1p64 || (uint64_t)v < min ||
	    (uint64_t)v > max)
		return error_set(e, -EINVAL, "%s%s: want a whole number from %llu to %llu", where,
				 key, (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v;
	return 1;
}

int json_get_array(const cJSON *obj, const char *where, const char *key, const cJSON **out,
		   struct error *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		return 0;
	if (!cJSON_IsArray(item))
		return wrong_kind(where, key, "an array", item, e);
	*out = item;
	return 1;
}

int json_get_object(const cJSON *obj, const char *where, const char *key, const cJSON **out,
		    struct error *e)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		return 0;
	if (!cJSON_IsObject(item))
		return wrong_kind(where, key, "an object", item, e);
	*out = item;
	return 1;
}
