/*
 * prop_wire.h - the property service's wire protocol, and the name and
 * value rules, shared by init's server and the client library.
 *
 * One request per connection on a Unix stream socket.  All integers are
 * little-endian.
 *
 *   request: u32 op | u32 name_len | u32 value_len | name | value
 *   reply:   i32 status | u32 len | payload
 *
 *   op                 name        value              payload of the reply
 *   PROP_OP_GET  (1)   the name    empty              the value
 *   PROP_OP_SET  (2)   the name    the new value      empty
 *   PROP_OP_WAIT (3)   the name    wanted value, "*"  the value, once it matches
 *   PROP_OP_LIST (4)   empty       empty              entries: u32 name_len | name |
 *                                                     u32 value_len | value, by name
 *
 * status is 0 or a negative errno (see properties.h).  Names and values
 * carry no NUL.  A GET of a property that is not set answers -ENOENT.
 * A WAIT is answered when the property matches; the client gives up by
 * closing the connection.  The server closes the connection after its
 * reply, and on a malformed request after replying -EPROTO (or the
 * length error) when it can.
 */
#ifndef MICRODROID_PROP_WIRE_H
#define MICRODROID_PROP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "properties.h"

enum prop_op {
	PROP_OP_GET = 1,
	PROP_OP_SET = 2,
	PROP_OP_WAIT = 3,
	PROP_OP_LIST = 4,
};

#define PROP_WIRE_HEADER 12
#define PROP_WIRE_REQUEST_MAX (PROP_WIRE_HEADER + PROP_NAME_MAX - 1 + PROP_VALUE_MAX - 1)
#define PROP_WIRE_REPLY_HEADER 8

/* A decoded request: NUL-terminated name and value. */
struct prop_request {
	uint32_t op;
	char name[PROP_NAME_MAX];
	char value[PROP_VALUE_MAX];
};

/*
 * Decode one request from the @len bytes at @buf.  Returns the number of
 * bytes it took (> 0), 0 if more bytes are needed, or the negative errno
 * to answer: -EPROTO (unknown op, or a value or name where the op takes
 * none), -ENAMETOOLONG, -E2BIG, -EINVAL (NUL in the name), -EILSEQ (NUL
 * in the value).  A length error is known from the header alone.  Does
 * not check the name's characters: see prop_name_check().
 */
int prop_wire_decode_request(const void *buf, size_t len, struct prop_request *req);

/*
 * Encode a request into @buf (at least PROP_WIRE_REQUEST_MAX bytes).
 * Returns its length, or -ENAMETOOLONG / -E2BIG if @name or @value are
 * too long for the protocol.
 */
int prop_wire_encode_request(void *buf, uint32_t op, const char *name, const char *value);

/* Write a reply header for @status and a payload of @len bytes. */
void prop_wire_encode_reply_header(void *buf, int32_t status, uint32_t len);

/* Read a reply header. */
void prop_wire_decode_reply_header(const void *buf, int32_t *status, uint32_t *len);

/*
 * Read one LIST entry from @buf (@len bytes left) into @name and @value.
 * Returns the bytes it took, or -EPROTO if the entry is malformed.
 */
int prop_wire_decode_entry(const void *buf, size_t len, char name[PROP_NAME_MAX],
			   char value[PROP_VALUE_MAX]);

/* Append a LIST entry at @buf (room for 8 + both lengths); returns its size. */
size_t prop_wire_encode_entry(void *buf, const char *name, const char *value);

/* Little-endian helpers. */
void prop_wire_put_u32(void *p, uint32_t v);
uint32_t prop_wire_get_u32(const void *p);

/*
 * Socket I/O bounded by a deadline (CLOCK_MONOTONIC milliseconds, as
 * prop_now_ms(); -1 for none), shared by the client and init's server.
 * prop_wait_fd: 0 once @fd has @events, -ETIMEDOUT, or -errno.
 * prop_send_all: 0 once all @len bytes are sent, -ETIMEDOUT, -EPROTO if
 * the peer is gone, or -errno.  Never raises SIGPIPE.
 */
int64_t prop_now_ms(void);
int prop_wait_fd(int fd, short events, int64_t deadline);
int prop_send_all(int fd, const void *buf, size_t len, int64_t deadline);

/*
 * Check a property name against the rules in properties.h.  Returns 0,
 * -EINVAL (empty, bad character, '.' misplaced) or -ENAMETOOLONG.
 */
int prop_name_check(const char *name);

/*
 * Check a value: 0, -E2BIG (more than PROP_VALUE_MAX - 1 bytes) or
 * -EILSEQ (a control character).
 */
int prop_value_check(const char *value);

#endif
