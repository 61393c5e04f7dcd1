/* aml.c - a small AML encoder; see aml.h. */
#include "aml.h"

#include <string.h>

/* Opcodes and prefixes (ACPI 6.5, 20.3). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_STRING 0x0d
#define AML_QWORD 0x0e
#define AML_SCOPE 0x10
#define AML_BUFFER 0x11
#define AML_PACKAGE 0x12
#define AML_EXT 0x5b
#define AML_DEVICE 0x82

/* Resource descriptor tags (6.4). */
#define RES_IRQ_NOFLAGS 0x22 /* small, 2 bytes of data */
#define RES_IO 0x47          /* small, 7 bytes */
#define RES_END 0x79         /* small, 1 byte (checksum) */
#define RES_MEM32_FIXED 0x86 /* large */
#define RES_EXT_IRQ 0x89     /* large */

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	a->buf = buf;
	a->len = 0;
	a->cap = cap;
	a->overflow = false;
}

void aml_bytes(struct aml *a, const void *data, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, data, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n);
}

size_t aml_pkg_length(size_t body_len, uint8_t out[4])
{
	size_t n, total;

	/* One byte holds 6 bits; each further byte adds 8 (the lead keeps 4). */
	if (body_len + 1 <= 0x3f) {
		out[0] = (uint8_t)(body_len + 1);
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = body_len + n;
		if (total < (1UL << (4 + 8 * (n - 1)))) {
			out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
			for (size_t i = 1; i < n; i++)
				out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
			return n;
		}
	}
	return 0;
}

/* Emit @op (1 or 2 bytes), then PkgLength, then @head (may be NULL) and @body. */
static void aml_with_body(struct aml *a, const uint8_t *op, size_t op_len, const void *head,
			  size_t head_len, const struct aml *body)
{
	uint8_t pl[4];
	size_t n;

	if (body->overflow) {
		a->overflow = true;
		return;
	}
	n = aml_pkg_length(head_len + body->len, pl);
	if (!n) {
		a->overflow = true;
		return;
	}
	aml_bytes(a, op, op_len);
	aml_bytes(a, pl, n);
	if (head_len)
		aml_bytes(a, head, head_len);
	aml_bytes(a, body->buf, body->len);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffffULL) {
		aml_byte(a, AML_DWORD);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD);
		aml_le(a, v, 8);
	}
}

static void aml_name_head(struct aml *a, const char *seg)
{
	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
}

void aml_name_integer(struct aml *a, const char *seg, uint64_t v)
{
	aml_name_head(a, seg);
	aml_integer(a, v);
}

void aml_name_string(struct aml *a, const char *seg, const char *str)
{
	aml_name_head(a, seg);
	aml_byte(a, AML_STRING);
	aml_bytes(a, str, strlen(str) + 1);
}

static unsigned int hex_digit(char c)
{
	return (unsigned int)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 0xf;
}

void aml_name_eisaid(struct aml *a, const char *seg, const char *id)
{
	/* Three 5-bit letters ('A' = 1) then four hex digits, stored big-endian. */
	uint32_t v = (uint32_t)((id[0] - '@') & 0x1f) << 26 | (uint32_t)((id[1] - '@') & 0x1f) << 21 |
		     (uint32_t)((id[2] - '@') & 0x1f) << 16 | hex_digit(id[3]) << 12 |
		     hex_digit(id[4]) << 8 | hex_digit(id[5]) << 4 | hex_digit(id[6]);
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	aml_name_head(a, seg);
	aml_byte(a, AML_DWORD);
	aml_bytes(a, be, 4);
}

void aml_name_buffer(struct aml *a, const char *seg, const uint8_t *data, size_t n)
{
	static const uint8_t op = AML_BUFFER;
	uint8_t size_buf[16];
	struct aml size, body;

	aml_init(&size, size_buf, sizeof(size_buf));
	aml_integer(&size, n); /* BufferSize */
	body = (struct aml){.buf = (uint8_t *)data, .len = n, .cap = n};
	aml_name_head(a, seg);
	aml_with_body(a, &op, 1, size.buf, size.len, &body);
}

void aml_name_object(struct aml *a, const char *seg, const struct aml *object)
{
	aml_name_head(a, seg);
	if (object->overflow)
		a->overflow = true;
	else
		aml_bytes(a, object->buf, object->len);
}

void aml_scope(struct aml *a, const char *path, const struct aml *body)
{
	static const uint8_t op = AML_SCOPE;

	aml_with_body(a, &op, 1, path, strlen(path), body);
}

void aml_device(struct aml *a, const char *seg, const struct aml *body)
{
	static const uint8_t op[2] = {AML_EXT, AML_DEVICE};

	aml_with_body(a, op, 2, seg, 4, body);
}

void aml_package(struct aml *a, uint8_t count, const struct aml *elements)
{
	static const uint8_t op = AML_PACKAGE;

	aml_with_body(a, &op, 1, &count, 1, elements);
}

void aml_res_io(struct aml *a, uint16_t port, uint8_t len)
{
	/* Decode16, min = max = port, alignment 1, length. */
	aml_byte(a, RES_IO);
	aml_byte(a, 0x01);
	aml_le(a, port, 2);
	aml_le(a, port, 2);
	aml_byte(a, 0x01);
	aml_byte(a, len);
}

void aml_res_irq_noflags(struct aml *a, unsigned int irq)
{
	aml_byte(a, RES_IRQ_NOFLAGS);
	aml_le(a, irq < 16 ? 1u << irq : 0, 2);
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, RES_MEM32_FIXED);
	aml_le(a, 9, 2);   /* data length */
	aml_byte(a, 0x01); /* read-write */
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

void aml_res_ext_irq(struct aml *a, uint32_t gsi, bool level)
{
	aml_byte(a, RES_EXT_IRQ);
	aml_le(a, 6, 2); /* data length: flags, count, one interrupt */
	/* bit 0 consumer; bit 1 edge (clear: level); active-high, exclusive */
	aml_byte(a, level ? 0x01 : 0x03);
	aml_byte(a, 1);
	aml_le(a, gsi, 4);
}

void aml_res_end(struct aml *a)
{
	aml_byte(a, RES_END);
	aml_byte(a, 0x00); /* checksum 0: "treat as valid" */
}
