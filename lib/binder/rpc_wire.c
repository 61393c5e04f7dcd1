/* rpc_wire.c - see rpc_wire.h. */
#include "rpc_wire.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void rpc_wire_put_connection_header(uint8_t out[RPC_CONNECTION_HEADER_SIZE],
				    const struct rpc_connection_header *h)
{
	memset(out, 0, RPC_CONNECTION_HEADER_SIZE);
	put32(out, h->version);
	out[4] = h->options;
	out[5] = h->fd_mode;
	out[14] = (uint8_t)h->session_id_size;
	out[15] = (uint8_t)(h->session_id_size >> 8);
}

int rpc_wire_get_connection_header(const uint8_t in[RPC_CONNECTION_HEADER_SIZE],
				   struct rpc_connection_header *h)
{
	h->version = get32(in);
	h->options = in[4];
	h->fd_mode = in[5];
	h->session_id_size = (uint16_t)(in[14] | in[15] << 8);
	if (h->options & ~RPC_CONNECTION_OPTION_INCOMING || h->fd_mode > 2 ||
	    (h->session_id_size != 0 && h->session_id_size != RPC_SESSION_ID_SIZE))
		return -EBADMSG;
	if (h->version < 1)
		return -EPROTONOSUPPORT;
	return 0;
}

void rpc_wire_put_new_session_response(uint8_t out[RPC_NEW_SESSION_RESPONSE_SIZE], uint32_t version)
{
	memset(out, 0, RPC_NEW_SESSION_RESPONSE_SIZE);
	put32(out, version);
}

uint32_t rpc_wire_get_new_session_response(const uint8_t in[RPC_NEW_SESSION_RESPONSE_SIZE])
{
	return get32(in);
}

void rpc_wire_put_connection_init(uint8_t out[RPC_CONNECTION_INIT_SIZE])
{
	memset(out, 0, RPC_CONNECTION_INIT_SIZE);
	memcpy(out, "cci", 4);
}

int rpc_wire_check_connection_init(const uint8_t in[RPC_CONNECTION_INIT_SIZE])
{
	return memcmp(in, "cci", 4) == 0 ? 0 : -EBADMSG;
}

void rpc_wire_put_header(uint8_t out[RPC_WIRE_HEADER_SIZE], uint32_t command, uint32_t body_size)
{
	memset(out, 0, RPC_WIRE_HEADER_SIZE);
	put32(out, command);
	put32(out + 4, body_size);
}

int rpc_wire_get_header(const uint8_t in[RPC_WIRE_HEADER_SIZE], struct rpc_wire_header *h)
{
	h->command = get32(in);
	h->body_size = get32(in + 4);
	switch (h->command) {
	case RPC_COMMAND_TRANSACT:
		if (h->body_size < RPC_WIRE_TRANSACTION_SIZE)
			return -EBADMSG;
		break;
	case RPC_COMMAND_REPLY:
		if (h->body_size < RPC_WIRE_REPLY_SIZE)
			return -EBADMSG;
		break;
	case RPC_COMMAND_DEC_STRONG:
		return h->body_size == RPC_DEC_STRONG_SIZE ? 0 : -EBADMSG;
	default:
		return -EBADMSG;
	}
	return h->body_size > RPC_MAX_BODY_SIZE ? -EMSGSIZE : 0;
}

void rpc_wire_put_transaction(uint8_t out[RPC_WIRE_TRANSACTION_SIZE],
			      const struct rpc_wire_transaction *t)
{
	memset(out, 0, RPC_WIRE_TRANSACTION_SIZE);
	put64(out, t->address);
	put32(out + 8, t->code);
	put32(out + 12, t->flags);
	put64(out + 16, t->async_number);
	put32(out + 24, t->parcel_size);
}

void rpc_wire_put_reply(uint8_t out[RPC_WIRE_REPLY_SIZE], int32_t status, uint32_t parcel_size)
{
	memset(out, 0, RPC_WIRE_REPLY_SIZE);
	put32(out, (uint32_t)status);
	put32(out + 4, parcel_size);
}

/* The parcel and object table after a fixed part of @fixed bytes. */
static int get_payload(const uint8_t *body, size_t len, size_t fixed,
		       struct rpc_wire_transaction *t)
{
	size_t rest;

	if (len < fixed)
		return -EBADMSG;
	if (len > RPC_MAX_BODY_SIZE)
		return -EMSGSIZE;
	rest = len - fixed;
	if (t->parcel_size > rest || t->parcel_size % 4 || (rest - t->parcel_size) % 4)
		return -EBADMSG;
	if (t->parcel_size > RPC_MAX_PARCEL_SIZE || (rest - t->parcel_size) / 4 > RPC_MAX_FDS)
		return -EMSGSIZE;
	t->parcel = body + fixed;
	t->objects = body + fixed + t->parcel_size;
	t->nobjects = (rest - t->parcel_size) / 4;
	return 0;
}

int rpc_wire_get_transaction(const uint8_t *body, size_t len, struct rpc_wire_transaction *t)
{
	memset(t, 0, sizeof(*t));
	if (len < RPC_WIRE_TRANSACTION_SIZE)
		return -EBADMSG;
	t->address = get64(body);
	t->code = get32(body + 8);
	t->flags = get32(body + 12);
	t->async_number = get64(body + 16);
	t->parcel_size = get32(body + 24);
	return get_payload(body, len, RPC_WIRE_TRANSACTION_SIZE, t);
}

int rpc_wire_get_reply(const uint8_t *body, size_t len, struct rpc_wire_transaction *t)
{
	memset(t, 0, sizeof(*t));
	if (len < RPC_WIRE_REPLY_SIZE)
		return -EBADMSG;
	t->status = (int32_t)get32(body);
	t->parcel_size = get32(body + 4);
	return get_payload(body, len, RPC_WIRE_REPLY_SIZE, t);
}

int rpc_wire_get_object_table(const struct rpc_wire_transaction *t, uint32_t *pos)
{
	size_t i;

	if (t->nobjects > RPC_MAX_FDS)
		return -EMSGSIZE;
	for (i = 0; i < t->nobjects; i++) {
		pos[i] = get32(t->objects + 4 * i);
		if (pos[i] % 4 || (uint64_t)pos[i] + 8 > t->parcel_size ||
		    (i > 0 && pos[i] <= pos[i - 1]))
			return -EBADMSG;
	}
	return 0;
}

void rpc_wire_put_dec_strong(uint8_t out[RPC_DEC_STRONG_SIZE], uint64_t address, uint32_t amount)
{
	memset(out, 0, RPC_DEC_STRONG_SIZE);
	put64(out, address);
	put32(out + 8, amount);
}

void rpc_wire_get_dec_strong(const uint8_t in[RPC_DEC_STRONG_SIZE], struct rpc_wire_dec_strong *d)
{
	d->address = get64(in);
	d->amount = get32(in + 8);
}

ssize_t rpc_wire_parse_frame(const uint8_t *buf, size_t len, struct rpc_wire_frame *f)
{
	const uint8_t *body = buf + RPC_WIRE_HEADER_SIZE;
	int r;

	memset(f, 0, sizeof(*f));
	if (len < RPC_WIRE_HEADER_SIZE)
		return 0;
	r = rpc_wire_get_header(buf, &f->header);
	if (r < 0)
		return r;
	if (len - RPC_WIRE_HEADER_SIZE < f->header.body_size)
		return 0;
	switch (f->header.command) {
	case RPC_COMMAND_TRANSACT:
		r = rpc_wire_get_transaction(body, f->header.body_size, &f->transaction);
		break;
	case RPC_COMMAND_REPLY:
		r = rpc_wire_get_reply(body, f->header.body_size, &f->transaction);
		break;
	default: /* DEC_STRONG: rpc_wire_get_header() checked its size */
		rpc_wire_get_dec_strong(body, &f->dec_strong);
		return RPC_WIRE_HEADER_SIZE + RPC_DEC_STRONG_SIZE;
	}
	if (r == 0)
		r = rpc_wire_get_object_table(&f->transaction, f->object_pos);
	return r < 0 ? r : (ssize_t)(RPC_WIRE_HEADER_SIZE + f->header.body_size);
}
