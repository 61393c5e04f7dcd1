/*
 * test_rpc_wire.c - RPC Binder frames (lib/binder/rpc_wire.c): the byte
 * layout of each structure of protocol version 1, and the refusal of
 * malformed ones: unknown commands and options, bodies too short or too
 * large, parcels and object tables that do not fit, misaligned or
 * unordered object positions, more fds than allowed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lib/binder/rpc_wire.h"

static void test_connection_header(void **state)
{
	struct rpc_connection_header h = {
	    .version = 1, .options = 1, .fd_mode = 1, .session_id_size = 32};
	uint8_t b[RPC_CONNECTION_HEADER_SIZE];

	(void)state;
	rpc_wire_put_connection_header(b, &h);
	assert_memory_equal(b, "\x01\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00",
			    16);
	memset(&h, 0, sizeof(h));
	assert_int_equal(rpc_wire_get_connection_header(b, &h), 0);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.options, RPC_CONNECTION_OPTION_INCOMING);
	assert_int_equal(h.fd_mode, 1);
	assert_int_equal(h.session_id_size, 32);
	/* A newer version is fine (the server answers with its own). */
	b[0] = 0x00;
	b[3] = 0xf0;
	assert_int_equal(rpc_wire_get_connection_header(b, &h), 0);
	b[3] = 0;
	assert_int_equal(rpc_wire_get_connection_header(b, &h), -EPROTONOSUPPORT);
	b[0] = 1;
	b[4] = 2; /* unknown option */
	assert_int_equal(rpc_wire_get_connection_header(b, &h), -EBADMSG);
	b[4] = 0;
	b[5] = 3; /* unknown fd transport mode */
	assert_int_equal(rpc_wire_get_connection_header(b, &h), -EBADMSG);
	b[5] = 0;
	b[14] = 16; /* a session id of 16 bytes */
	assert_int_equal(rpc_wire_get_connection_header(b, &h), -EBADMSG);
	b[14] = 0;
	assert_int_equal(rpc_wire_get_connection_header(b, &h), 0);
}

static void test_small_structures(void **state)
{
	uint8_t b[16];
	struct rpc_wire_dec_strong d;

	(void)state;
	rpc_wire_put_new_session_response(b, 1);
	assert_memory_equal(b, "\x01\x00\x00\x00\x00\x00\x00\x00", 8);
	assert_int_equal(rpc_wire_get_new_session_response(b), 1);
	rpc_wire_put_connection_init(b);
	assert_memory_equal(b, "cci\0\0\0\0\0", 8);
	assert_int_equal(rpc_wire_check_connection_init(b), 0);
	b[2] = 'x';
	assert_int_equal(rpc_wire_check_connection_init(b), -EBADMSG);
	rpc_wire_put_dec_strong(b, rpc_address_make(3, 7), 2);
	assert_memory_equal(b, "\x03\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00",
			    16);
	rpc_wire_get_dec_strong(b, &d);
	assert_int_equal(d.address, 0x700000003ULL);
	assert_int_equal(d.amount, 2);
}

static void test_header(void **state)
{
	struct rpc_wire_header h;
	uint8_t b[RPC_WIRE_HEADER_SIZE];

	(void)state;
	rpc_wire_put_header(b, RPC_COMMAND_TRANSACT, 44);
	assert_memory_equal(b, "\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
			    16);
	assert_int_equal(rpc_wire_get_header(b, &h), 0);
	assert_int_equal(h.body_size, 44);
	rpc_wire_put_header(b, RPC_COMMAND_TRANSACT, 39);
	assert_int_equal(rpc_wire_get_header(b, &h), -EBADMSG);
	rpc_wire_put_header(b, RPC_COMMAND_TRANSACT, RPC_MAX_BODY_SIZE + 1);
	assert_int_equal(rpc_wire_get_header(b, &h), -EMSGSIZE);
	rpc_wire_put_header(b, RPC_COMMAND_TRANSACT, 0xffffffff);
	assert_int_equal(rpc_wire_get_header(b, &h), -EMSGSIZE);
	rpc_wire_put_header(b, RPC_COMMAND_REPLY, 19);
	assert_int_equal(rpc_wire_get_header(b, &h), -EBADMSG);
	rpc_wire_put_header(b, RPC_COMMAND_REPLY, 20);
	assert_int_equal(rpc_wire_get_header(b, &h), 0);
	rpc_wire_put_header(b, RPC_COMMAND_DEC_STRONG, 16);
	assert_int_equal(rpc_wire_get_header(b, &h), 0);
	rpc_wire_put_header(b, RPC_COMMAND_DEC_STRONG, 20);
	assert_int_equal(rpc_wire_get_header(b, &h), -EBADMSG);
	rpc_wire_put_header(b, 3, 16);
	assert_int_equal(rpc_wire_get_header(b, &h), -EBADMSG);
}

/* A TRANSACT body: the fixed part, @parcel_size bytes, @nobj positions. */
static size_t make_transaction(uint8_t *b, uint32_t parcel_size, const uint32_t *pos, size_t nobj)
{
	struct rpc_wire_transaction t = {.address = 0x100000003ULL,
					 .code = 5,
					 .flags = 1,
					 .async_number = 9,
					 .parcel_size = parcel_size};
	size_t i;

	rpc_wire_put_transaction(b, &t);
	memset(b + 40, 0xaa, parcel_size);
	for (i = 0; i < nobj; i++)
		memcpy(b + 40 + parcel_size + 4 * i, &pos[i], 4);
	return 40 + parcel_size + 4 * nobj;
}

static void test_transaction(void **state)
{
	uint8_t b[256];
	uint32_t pos[RPC_MAX_FDS + 1], out[RPC_MAX_FDS];
	struct rpc_wire_transaction t;
	size_t len, i;

	(void)state;
	pos[0] = 8;
	pos[1] = 16;
	len = make_transaction(b, 24, pos, 2);
	assert_memory_equal(b,
			    "\x03\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00"
			    "\x09\x00\x00\x00\x00\x00\x00\x00\x18\x00\x00\x00",
			    28);
	assert_memory_equal(b + 28, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* reserved */
	assert_int_equal(rpc_wire_get_transaction(b, len, &t), 0);
	assert_int_equal(t.address, 0x100000003ULL);
	assert_int_equal(t.code, 5);
	assert_int_equal(t.flags, 1);
	assert_int_equal(t.async_number, 9);
	assert_int_equal(t.parcel_size, 24);
	assert_ptr_equal(t.parcel, b + 40);
	assert_int_equal(t.nobjects, 2);
	assert_int_equal(rpc_wire_get_object_table(&t, out), 0);
	assert_int_equal(out[1], 16);

	/* Parcel larger than the body; not a multiple of 4; a ragged table. */
	len = make_transaction(b, 24, NULL, 0);
	assert_int_equal(rpc_wire_get_transaction(b, len - 4, &t), -EBADMSG);
	len = make_transaction(b, 22, NULL, 0);
	assert_int_equal(rpc_wire_get_transaction(b, len, &t), -EBADMSG);
	len = make_transaction(b, 24, NULL, 0);
	assert_int_equal(rpc_wire_get_transaction(b, len + 2, &t), -EBADMSG);
	assert_int_equal(rpc_wire_get_transaction(b, 39, &t), -EBADMSG);

	/* Objects: misaligned, past the end, not increasing, too many. */
	pos[0] = 6;
	len = make_transaction(b, 24, pos, 1);
	assert_int_equal(rpc_wire_get_transaction(b, len, &t), 0);
	assert_int_equal(rpc_wire_get_object_table(&t, out), -EBADMSG);
	pos[0] = 20; /* 8 bytes from 20 run past 24 */
	len = make_transaction(b, 24, pos, 1);
	rpc_wire_get_transaction(b, len, &t);
	assert_int_equal(rpc_wire_get_object_table(&t, out), -EBADMSG);
	pos[0] = 0xfffffffc; /* would wrap around 32 bits */
	len = make_transaction(b, 24, pos, 1);
	rpc_wire_get_transaction(b, len, &t);
	assert_int_equal(rpc_wire_get_object_table(&t, out), -EBADMSG);
	pos[0] = 8;
	pos[1] = 8;
	len = make_transaction(b, 24, pos, 2);
	rpc_wire_get_transaction(b, len, &t);
	assert_int_equal(rpc_wire_get_object_table(&t, out), -EBADMSG);
	for (i = 0; i <= RPC_MAX_FDS; i++)
		pos[i] = (uint32_t)(8 * i);
	len = make_transaction(b, 8, pos, RPC_MAX_FDS + 1);
	assert_int_equal(rpc_wire_get_transaction(b, len, &t), -EMSGSIZE);
}

static void test_reply(void **state)
{
	uint8_t b[64];
	struct rpc_wire_transaction t;

	(void)state;
	rpc_wire_put_reply(b, -32, 8);
	assert_memory_equal(b, "\xe0\xff\xff\xff\x08\x00\x00\x00", 8);
	memset(b + 20, 0, 8);
	assert_int_equal(rpc_wire_get_reply(b, 28, &t), 0);
	assert_int_equal(t.status, -32);
	assert_int_equal(t.parcel_size, 8);
	assert_int_equal(t.nobjects, 0);
	assert_int_equal(rpc_wire_get_reply(b, 24, &t), -EBADMSG);
	assert_int_equal(rpc_wire_get_reply(b, 19, &t), -EBADMSG);
}

static void test_parse_frame(void **state)
{
	uint8_t b[128];
	struct rpc_wire_frame f;
	size_t body;

	(void)state;
	body = make_transaction(b + 16, 8, NULL, 0);
	rpc_wire_put_header(b, RPC_COMMAND_TRANSACT, (uint32_t)body);
	assert_int_equal(rpc_wire_parse_frame(b, 15, &f), 0);
	assert_int_equal(rpc_wire_parse_frame(b, 16 + body - 1, &f), 0);
	assert_int_equal(rpc_wire_parse_frame(b, 16 + body, &f), 16 + body);
	assert_int_equal(f.transaction.code, 5);
	rpc_wire_put_header(b, RPC_COMMAND_DEC_STRONG, 16);
	rpc_wire_put_dec_strong(b + 16, 3, 1);
	assert_int_equal(rpc_wire_parse_frame(b, 40, &f), 32);
	assert_int_equal(f.dec_strong.amount, 1);
	rpc_wire_put_header(b, 7, 0);
	assert_int_equal(rpc_wire_parse_frame(b, 40, &f), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connection_header),
	    cmocka_unit_test(test_small_structures),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_transaction),
	    cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_parse_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
