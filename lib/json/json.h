/*
 * json.h - strict reading of JSON configuration files (with cJSON).
 *
 * The configuration parsers (vm_config.json in a payload package, the raw
 * VM config of `vm run`) hold every file to the same rules, which these
 * helpers implement:
 *
 *   - at most a given size, valid UTF-8, no NUL byte (raw or as \u0000);
 *   - one JSON object, with nothing but white space after it;
 *   - in each object, only known keys, each at most once;
 *   - each value of the type its key wants; strings without control
 *     characters.
 *
 * Every error names the offending key with its path ("disks[1].writable:
 * want true or false, not a string") in the struct error.  Functions return
 * 0 or a positive count on success and -EINVAL (or -ENOMEM) on failure.
 */
#ifndef MDROID_JSON_H
#define MDROID_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/common/error.h"

/*
 * Parse @text (@len bytes; it need not be NUL-terminated) as one JSON
 * object of at most @max_len bytes.  On success *root holds the tree, which
 * the caller frees with cJSON_Delete().  A syntax error is reported with
 * its line and column.
 */
int json_parse_object(const char *text, size_t len, size_t max_len, cJSON **root, struct error *e);

/*
 * Check that the object @obj has only keys from @known (a NULL-terminated
 * list), each at most once.  @where is the path of @obj followed by a dot,
 * "" at the top level ("task.", "disks[0].").
 */
int json_check_keys(const cJSON *obj, const char *where, const char *const *known, struct error *e);

/*
 * Typed getters for the member @key of the object @obj.  Each returns 1 and
 * stores the value when the key is present, 0 (leaving *out alone) when it
 * is absent, and -EINVAL when the value has another type or is out of range.
 * A string points into the tree; it is never empty unless @allow_empty.
 */
int json_get_string(const cJSON *obj, const char *where, const char *key, bool allow_empty,
		    const char **out, struct error *e);
int json_get_bool(const cJSON *obj, const char *where, const char *key, bool *out, struct error *e);
/* A whole number in [@min, @max] (a JSON number with no fraction). */
int json_get_uint(const cJSON *obj, const char *where, const char *key, uint64_t min, uint64_t max,
		  uint64_t *out, struct error *e);
/* An array or an object: *out points at it in the tree. */
int json_get_array(const cJSON *obj, const char *where, const char *key, const cJSON **out,
		   struct error *e);
int json_get_object(const cJSON *obj, const char *where, const char *key, const cJSON **out,
		    struct error *e);

/* Fail with "WHERE KEY: missing (it is required)". */
int json_missing(const char *where, const char *key, struct error *e);

/* "a string", "a number", ...: the kind of @item, for error messages. */
const char *json_kind(const cJSON *item);

#endif
