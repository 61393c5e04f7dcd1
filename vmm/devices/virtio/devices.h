/*
 * devices.h - the virtio device models mvm offers, and how to make them.
 *
 * Each constructor allocates a device model around a struct
 * virtio_device (see virtio.h), checks its configuration and opens its
 * backends (image files, sockets), so that every user error is reported
 * before the guest starts.  The VM then attaches the device to the MMIO
 * bus, wires its interrupt and notifications, and starts its worker.
 * Constructors return 0 or -errno with a reason in @e; the matching
 * destroy function stops the worker and frees everything (safe on NULL).
 */
#ifndef MVM_VIRTIO_DEVICES_H
#define MVM_VIRTIO_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../lib/common/error.h"
#include "../../exitcode.h"
#include "virtio.h"

/* virtio-rng: entropy from getrandom(2). */
int virtio_rng_create(struct virtio_device **out, const struct guest_mem *mem,
		      struct virtio_irq irq, struct error *e);
void virtio_rng_destroy(struct virtio_device *d);

/*
 * virtio-blk: a raw image file.  --disk PATH[,ro][,id=NAME] on the mvm
 * command line; see blk.c for the request types and limits.
 */
#define VIRTIO_BLK_ID_MAX 20 /* bytes of the serial id (GET_ID) */

struct virtio_blk_params {
	const char *path;
	bool read_only;
	const char *id; /* serial id, at most VIRTIO_BLK_ID_MAX bytes; NULL: none */
};

/*
 * Parse "PATH[,ro][,id=NAME]" into @p (pointers into a copy owned by the
 * caller-supplied @storage of @storage_len bytes).  Returns 0 or -EINVAL
 * with a reason naming the bad part.
 */
int virtio_blk_parse(const char *arg, struct virtio_blk_params *p, char *storage,
		     size_t storage_len, struct error *e);
int virtio_blk_create(struct virtio_device **out, const struct guest_mem *mem,
		      struct virtio_irq irq, const struct virtio_blk_params *p, struct error *e);
void virtio_blk_destroy(struct virtio_device *d);

/*
 * virtio-console, multiport.  Port 0 is the console (the guest's hvc0);
 * --console-port N=FILE|-[,name=NAME] attaches ports; see console.c.
 */
#define VIRTIO_CONSOLE_MAX_PORTS 16

struct virtio_console_port_params {
	unsigned int nr;  /* port number, < VIRTIO_CONSOLE_MAX_PORTS */
	const char *path; /* output file, or NULL for "-": the terminal */
	const char *name; /* the port's name in the guest, or NULL */
};

struct virtio_console_params {
	struct virtio_console_port_params port[VIRTIO_CONSOLE_MAX_PORTS];
	unsigned int nr_ports;
	int term_in_fd;  /* what "-" reads (mvm's stdin), -1 for no input */
	int term_out_fd; /* what "-" writes (mvm's stdout) */
	bool escape;     /* the terminal is raw: Ctrl-A x ends the VM */
	struct vm_exit_notifier exit;
};

/* Parse "N=FILE|-[,name=NAME]"; pointers into @storage as for virtio_blk_parse(). */
int virtio_console_parse_port(const char *arg, struct virtio_console_port_params *p,
			      char *storage, size_t storage_len, struct error *e);
int virtio_console_create(struct virtio_device **out, const struct guest_mem *mem,
			  struct virtio_irq irq, const struct virtio_console_params *p,
			  struct error *e);
void virtio_console_destroy(struct virtio_device *d);

/*
 * virtio-vsock, bridged to host Unix sockets the way Firecracker does it:
 * --cid N --vsock-uds PATH; see vsock.c.
 */
struct virtio_vsock_params {
	uint64_t guest_cid; /* 3 .. 0xfffffffe */
	const char *uds_path;
	unsigned int line_timeout_ms; /* 0: VSOCK_LINE_TIMEOUT_MS (tests shorten it) */
};

int virtio_vsock_create(struct virtio_device **out, const struct guest_mem *mem,
			struct virtio_irq irq, const struct virtio_vsock_params *p,
			struct error *e);
void virtio_vsock_destroy(struct virtio_device *d);

#endif
