/*
 * rpc_wire.h - the frames of RPC Binder, protocol version 1 (libbinder's
 * RpcWireFormat.h), encoded and decoded with every size checked.  Pure
 * functions over byte buffers: no I/O, no state.
 *
 * All fields are little-endian; reserved fields are written as zeros and
 * ignored when read.
 *
 * Connection set-up (each new socket):
 *   client -> server  RpcConnectionHeader  16 B: u32 version, u8 options
 *                     (INCOMING: the server will call the client on this
 *                     socket), u8 fd transport mode, u8 reserved[8],
 *                     u16 session id size (0: a new session; else 32),
 *                     then the session id
 *   server -> client  RpcNewSessionResponse 8 B (new sessions only):
 *                     u32 version (the lower of both sides'), u8 reserved[4]
 *   caller -> callee  RpcOutgoingConnectionInit 8 B: "cci\0", reserved[4]
 *                     (sent by whichever side will make calls on it)
 * Then commands, each an RpcWireHeader (16 B: u32 command, u32 body size,
 * u32 reserved[2]) and a body:
 *   TRANSACT    RpcWireTransaction 40 B: u64 address (0: the session
 *               itself, for the special codes GET_ROOT, GET_MAX_THREADS,
 *               GET_SESSION_ID), u32 code, u32 flags, u64 asyncNumber
 *               (oneway order per object), u32 parcel data size,
 *               u32 reserved[3]; the parcel data; the object table
 *   REPLY       RpcWireReply 20 B: i32 status, u32 parcel data size,
 *               u32 reserved[3]; the parcel data; the object table
 *   DEC_STRONG  RpcDecStrong 16 B: u64 address, u32 amount, u32 reserved
 * The object table lists, as u32 each, the positions in the parcel data of
 * the file descriptor objects, whose fds come with the frame (SCM_RIGHTS).
 *
 * An address is { u32 options, u32 id }, i.e. the u64 options | id << 32:
 * options CREATED (1) always, FOR_SERVER (2) when the server side made it.
 *
 * Decoders return 0 or: -EBADMSG for malformed frames (unknown command,
 * bodies too short, inconsistent sizes, misaligned or out-of-range
 * objects), -EMSGSIZE for sizes over the limits below, -EPROTONOSUPPORT
 * for protocol version 0.
 */
#ifndef BINDER_RPC_WIRE_H
#define BINDER_RPC_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <android/binder_parcel.h>

#define RPC_WIRE_PROTOCOL_VERSION 1u

enum rpc_command {
	RPC_COMMAND_TRANSACT = 0,
	RPC_COMMAND_REPLY = 1,
	RPC_COMMAND_DEC_STRONG = 2,
};

#define RPC_CONNECTION_OPTION_INCOMING 0x1u
#define RPC_WIRE_ADDRESS_OPTION_CREATED (1u << 0)
#define RPC_WIRE_ADDRESS_OPTION_FOR_SERVER (1u << 1)

enum rpc_special_transaction {
	RPC_SPECIAL_TRANSACT_GET_ROOT = 0,
	RPC_SPECIAL_TRANSACT_GET_MAX_THREADS = 1,
	RPC_SPECIAL_TRANSACT_GET_SESSION_ID = 2,
};

#define RPC_SESSION_ID_SIZE 32u

#define RPC_CONNECTION_HEADER_SIZE 16u
#define RPC_NEW_SESSION_RESPONSE_SIZE 8u
#define RPC_CONNECTION_INIT_SIZE 8u
#define RPC_WIRE_HEADER_SIZE 16u
#define RPC_WIRE_TRANSACTION_SIZE 40u
#define RPC_WIRE_REPLY_SIZE 20u
#define RPC_DEC_STRONG_SIZE 16u

/* What a peer may send in one frame. */
#define RPC_MAX_PARCEL_SIZE BINDER_PARCEL_MAX_SIZE
#define RPC_MAX_FDS BINDER_PARCEL_MAX_FDS
#define RPC_MAX_BODY_SIZE (RPC_WIRE_TRANSACTION_SIZE + RPC_MAX_PARCEL_SIZE + 4u * RPC_MAX_FDS)

static inline uint32_t rpc_address_options(uint64_t address)
{
	return (uint32_t)address;
}

static inline uint64_t rpc_address_make(uint32_t options, uint32_t id)
{
	return (uint64_t)options | (uint64_t)id << 32;
}

struct rpc_connection_header {
	uint32_t version;
	uint8_t options;
	uint8_t fd_mode;
	uint16_t session_id_size;
};

void rpc_wire_put_connection_header(uint8_t out[RPC_CONNECTION_HEADER_SIZE],
				    const struct rpc_connection_header *h);
/* Checks options, the fd mode (0..2), the id size (0 or 32), version >= 1. */
int rpc_wire_get_connection_header(const uint8_t in[RPC_CONNECTION_HEADER_SIZE],
				   struct rpc_connection_header *h);

void rpc_wire_put_new_session_response(uint8_t out[RPC_NEW_SESSION_RESPONSE_SIZE],
				       uint32_t version);
uint32_t rpc_wire_get_new_session_response(const uint8_t in[RPC_NEW_SESSION_RESPONSE_SIZE]);

void rpc_wire_put_connection_init(uint8_t out[RPC_CONNECTION_INIT_SIZE]);
/* 0 if @in is "cci\0" (reserved bytes ignored), else -EBADMSG. */
int rpc_wire_check_connection_init(const uint8_t in[RPC_CONNECTION_INIT_SIZE]);

struct rpc_wire_header {
	uint32_t command;
	uint32_t body_size;
};

void rpc_wire_put_header(uint8_t out[RPC_WIRE_HEADER_SIZE], uint32_t command, uint32_t body_size);
/* Checks the command and that its body size is possible and within limits. */
int rpc_wire_get_header(const uint8_t in[RPC_WIRE_HEADER_SIZE], struct rpc_wire_header *h);

/* A decoded TRANSACT or REPLY body; pointers are into the body. */
struct rpc_wire_transaction {
	uint64_t address;
	uint32_t code;
	uint32_t flags;
	uint64_t async_number;
	int32_t status; /* REPLY only */
	uint32_t parcel_size;
	const uint8_t *parcel;
	const uint8_t *objects; /* the object table, unaligned */
	size_t nobjects;
};

/* The fixed part of a TRANSACT body (40 B) or REPLY body (20 B). */
void rpc_wire_put_transaction(uint8_t out[RPC_WIRE_TRANSACTION_SIZE],
			      const struct rpc_wire_transaction *t);
void rpc_wire_put_reply(uint8_t out[RPC_WIRE_REPLY_SIZE], int32_t status, uint32_t parcel_size);
/*
 * Decode a whole TRANSACT or REPLY body of @len bytes: the parcel must be
 * inside it and a multiple of 4 bytes, the rest a table of at most
 * RPC_MAX_FDS positions.
 */
int rpc_wire_get_transaction(const uint8_t *body, size_t len, struct rpc_wire_transaction *t);
int rpc_wire_get_reply(const uint8_t *body, size_t len, struct rpc_wire_transaction *t);
/*
 * The object table of @t into @pos (RPC_MAX_FDS entries): each 4-aligned,
 * increasing, with its 8-byte object inside the parcel.
 */
int rpc_wire_get_object_table(const struct rpc_wire_transaction *t, uint32_t *pos);

struct rpc_wire_dec_strong {
	uint64_t address;
	uint32_t amount;
};

void rpc_wire_put_dec_strong(uint8_t out[RPC_DEC_STRONG_SIZE], uint64_t address, uint32_t amount);
void rpc_wire_get_dec_strong(const uint8_t in[RPC_DEC_STRONG_SIZE], struct rpc_wire_dec_strong *d);

/* One whole frame out of a byte stream (tests and fuzzing use this). */
struct rpc_wire_frame {
	struct rpc_wire_header header;
	struct rpc_wire_transaction transaction; /* TRANSACT, REPLY */
	struct rpc_wire_dec_strong dec_strong;	 /* DEC_STRONG */
	uint32_t object_pos[RPC_MAX_FDS];	 /* TRANSACT, REPLY */
};

/*
 * Decode the frame at the start of the @len bytes at @buf.  Returns its
 * size, 0 if the bytes end before it does, or a negative errno as above.
 */
ssize_t rpc_wire_parse_frame(const uint8_t *buf, size_t len, struct rpc_wire_frame *f);

#endif
