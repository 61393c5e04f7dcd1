/*
 * property.h - init's property store.
 *
 * The store maps names to values under the rules of properties.h: names
 * checked by prop_name_check(), values by prop_value_check() (at most
 * PROP_VALUE_MAX - 1 bytes), "ro." names write-once, at most
 * PROP_STORE_MAX properties.  Every successful set, even to the same
 * value, calls the change callback (the trigger engine and the property
 * service's waiters hang off it).
 *
 * The store knows nothing of sockets or triggers: property_service.c
 * serves it, second_stage.c wires the callback.
 */
#ifndef MICRODROID_INIT_PROPERTY_H
#define MICRODROID_INIT_PROPERTY_H

#include <stddef.h>

#include "guest/libprop/properties.h"

#define PROP_STORE_MAX 1024

struct prop_store;

typedef void (*prop_change_fn)(void *ctx, const char *name, const char *value);

/* A new empty store, or NULL when out of memory. */
struct prop_store *prop_store_new(void);
void prop_store_free(struct prop_store *s);

/* Call @fn after every successful prop_store_set(). */
void prop_store_on_change(struct prop_store *s, prop_change_fn fn, void *ctx);

/* The value of @name, or NULL if it is not set.  Valid until the next set. */
const char *prop_store_get(const struct prop_store *s, const char *name);

/*
 * Set @name to @value.  Returns 0, or -EINVAL / -ENAMETOOLONG (bad name),
 * -E2BIG / -EILSEQ (bad value), -EROFS ("ro." name already set), -ENOSPC
 * (store full), -ENOMEM.
 */
int prop_store_set(struct prop_store *s, const char *name, const char *value);

/* Number of properties. */
size_t prop_store_count(const struct prop_store *s);

/* Call @fn for each property in name order. */
void prop_store_foreach(const struct prop_store *s,
			void (*fn)(void *ctx, const char *name, const char *value), void *ctx);

/*
 * Copy the kernel command line's "androidboot.NAME=VALUE" words into the
 * store as "ro.boot.NAME=VALUE".  A word the store refuses is skipped and
 * reported through @skipped (may be NULL) with the error.  Returns the
 * number of properties set.
 */
int prop_store_import_cmdline(struct prop_store *s, const char *cmdline,
			      void (*skipped)(void *ctx, const char *key, int err), void *ctx);

#endif
