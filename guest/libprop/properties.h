/*
 * properties.h - the property client API of the Microdroid guest.
 *
 * Properties are name/value strings kept by init (guest/init/property.c)
 * and served on a Unix stream socket, PROPERTY_SERVICE_SOCKET (or the path
 * in the environment variable PROPERTY_SOCKET_ENV, which init sets for its
 * services when it serves another path, as in tests).  The wire protocol
 * is in prop_wire.h and docs/init.md.
 *
 * Limits, checked by the client and again by init:
 *   - a name is 1 to PROP_NAME_MAX - 1 bytes of [A-Za-z0-9_.@:-], with no
 *     leading or trailing '.' and no "..";
 *   - a value is 0 to PROP_VALUE_MAX - 1 bytes with no control character
 *     (bytes 0x00-0x1f and 0x7f); other bytes, UTF-8 included, pass.
 * Names that start with "ro." can be set once; a second set fails with
 * -EROFS.  Setting a value to "" is how a property is cleared.
 *
 * Every function returns a negative errno on failure; property_strerror()
 * turns one into a sentence for the user.  They are thread-safe: each call
 * uses its own connection.
 */
#ifndef MICRODROID_PROPERTIES_H
#define MICRODROID_PROPERTIES_H

#include <stddef.h>

/* Buffer sizes, terminating NUL included (PROP_VALUE_MAX is Android's). */
#define PROP_NAME_MAX 128
#define PROP_VALUE_MAX 92

#define PROPERTY_SERVICE_SOCKET "/dev/socket/property_service"
#define PROPERTY_SOCKET_ENV "PROPERTY_SERVICE_SOCKET"

/*
 * Read property @name into @value.  If it is not set, copies
 * @default_value (or "" when NULL) instead.  Returns the length of what
 * was copied, or -errno: -EINVAL for a bad name, -ECONNREFUSED when the
 * property service cannot be reached, -ETIMEDOUT, -EPROTO.
 */
int property_get(const char *name, char value[PROP_VALUE_MAX], const char *default_value);

/*
 * Set property @name to @value.  Returns 0, or -errno: -EINVAL (bad
 * name), -ENAMETOOLONG, -E2BIG (value too long), -EILSEQ (control
 * character in the value), -EROFS (an "ro." property already set),
 * -ENOSPC (the store is full), -ESRCH (ctl.* for an unknown service), or
 * a connection error as for property_get().
 */
int property_set(const char *name, const char *value);

/*
 * Wait until property @name equals @value, or, when @value is "*", until
 * it is set to anything non-empty.  Returns 0 at once if it already does
 * (even with @timeout_ms 0).  @timeout_ms < 0 waits forever.  Returns 0,
 * -ETIMEDOUT, or an error as above.
 */
int property_wait(const char *name, const char *value, int timeout_ms);

/* Called once per property, in name order. */
typedef void (*property_list_fn)(void *ctx, const char *name, const char *value);

/* Call @fn for every property.  Returns the number listed or -errno. */
int property_list(property_list_fn fn, void *ctx);

/* A one-line description of an error returned above (never NULL). */
const char *property_strerror(int err);

/*
 * The socket path the functions above use: $PROPERTY_SERVICE_SOCKET if
 * set and non-empty, else PROPERTY_SERVICE_SOCKET.
 */
const char *property_socket_path(void);

#endif
