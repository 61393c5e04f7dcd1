/*
 * aml.h - just enough of an ACPI Machine Language encoder to describe
 * mvm's devices in the DSDT (ACPI 6.5: section 20 for the AML grammar,
 * 6.4 for resource descriptors).
 *
 * AML is written into a caller-owned byte buffer (struct aml).  Objects
 * that have a body (Scope, Device, Package, Buffer) are built in two
 * steps: the body goes into its own struct aml first, then
 * aml_scope()/aml_device()/... emit the opcode, the PkgLength (whose size
 * depends on the body's) and the body.  A write that does not fit sets
 * a->overflow and is dropped; check it once at the end.
 */
#ifndef MVM_X86_AML_H
#define MVM_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_bytes(struct aml *a, const void *data, size_t n);

/*
 * The PkgLength encoding of a body of @body_len bytes into @out (1 to 4
 * bytes; the encoded length counts itself).  Returns its size, or 0 if
 * the package would exceed 2^28 - 1 bytes.
 */
size_t aml_pkg_length(size_t body_len, uint8_t out[4]);

/* An integer with the shortest encoding: Zero, One, Byte/Word/DWord/QWord prefix. */
void aml_integer(struct aml *a, uint64_t v);

/* Name (NAME, ...) where NAME is one 4-character NameSeg such as "_HID". */
void aml_name_integer(struct aml *a, const char *seg, uint64_t v);
void aml_name_string(struct aml *a, const char *seg, const char *str);
/* Name (NAME, EisaId ("PNP0501")): @id is 3 capital letters and 4 hex digits. */
void aml_name_eisaid(struct aml *a, const char *seg, const char *id);
/* Name (NAME, Buffer () {bytes}), e.g. a _CRS resource template. */
void aml_name_buffer(struct aml *a, const char *seg, const uint8_t *data, size_t n);
/* Name (NAME, @package) where @package was built with aml_package(). */
void aml_name_object(struct aml *a, const char *seg, const struct aml *object);

/* Scope (@path) {@body}; @path is "\\_SB_" style: a root char and NameSegs. */
void aml_scope(struct aml *a, const char *path, const struct aml *body);
/* Device (NAME) {@body} */
void aml_device(struct aml *a, const char *seg, const struct aml *body);
/* Package (@count) {@elements} */
void aml_package(struct aml *a, uint8_t count, const struct aml *elements);

/*
 * Resource descriptors, appended to a resource template being built in @a
 * (then wrapped with aml_name_buffer(), after aml_res_end()).
 */
void aml_res_io(struct aml *a, uint16_t port, uint8_t len);           /* IO (Decode16) */
void aml_res_irq_noflags(struct aml *a, unsigned int irq);          /* IRQNoFlags, 0..15 */
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len); /* read-write */
/* Interrupt (ResourceConsumer, Level or Edge, ActiveHigh, Exclusive) {@gsi} */
void aml_res_ext_irq(struct aml *a, uint32_t gsi, bool level);
void aml_res_end(struct aml *a);

#endif
