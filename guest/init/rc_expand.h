/*
 * rc_expand.h - ${...} expansion in init.rc arguments.
 *
 *   ${name}            the value of property name; an error if it is unset
 *                      or empty
 *   ${name:-default}   the value, or default when it is unset or empty
 *   $$                 a literal '$'
 *
 * Any other '$' is kept as it is.  Expansion is not recursive: a value
 * that contains "${" is copied as it is.
 */
#ifndef MICRODROID_INIT_RC_EXPAND_H
#define MICRODROID_INIT_RC_EXPAND_H

#include <stddef.h>

/* Looks a property up: its value, or NULL if unset. */
typedef const char *(*rc_prop_get_fn)(void *ctx, const char *name);

/* The longest expanded argument. */
#define RC_EXPAND_MAX 4096

/*
 * Expand @in into a new string (*out, freed by the caller).  Returns 0, or
 * -ENOENT (a property unset, no default), -EINVAL (unterminated "${" or a
 * bad property name), -E2BIG (longer than RC_EXPAND_MAX), -ENOMEM, with a
 * one-line reason in @msg.
 */
int rc_expand(const char *in, rc_prop_get_fn get, void *ctx, char **out, char *msg, size_t cap);

#endif
