/*
 * kbinder.h - the kernel-driver backend (/dev/binder), inside the library.
 * The API users see is binder/driver.h.
 *
 * Files:
 *   kbinder_cmds.c     the BR_* return stream of BINDER_WRITE_READ, parsed
 *                      and checked as plain bytes (pure; unit-tested and
 *                      fuzzed), and the check of a transaction's buffer
 *                      against the receive mapping
 *   kbinder_parcel.c   PARCEL_FORMAT_KERNEL objects: flat_binder_object
 *                      entries and the offsets table, writing and
 *                      adopting received data with every offset checked
 *   kbinder_process.c  the process state: the driver fd and mapping,
 *                      local nodes and handle proxies with their reference
 *                      counts, death notifications, transactions, looper
 *                      threads
 *   kbinder_sm.c       AServiceManager_*: the client of servicemanager
 *                      (handle 0, android.os.IServiceManager)
 *
 * Nothing the driver hands back is trusted: sizes, offsets, object types,
 * node pointers and cookies are checked (pointers only ever compared with
 * ones this process handed out) before use.
 */
#ifndef BINDER_KBINDER_H
#define BINDER_KBINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/android/binder.h>

#include <android/binder_ibinder.h>

/* One BR_* command taken from a read buffer. */
struct kbinder_cmd {
	uint32_t cmd;
	union {
		int32_t error;			   /* BR_ERROR */
		struct binder_transaction_data tr; /* BR_TRANSACTION, BR_REPLY */
		struct binder_ptr_cookie ref;	   /* BR_INCREFS, _ACQUIRE, _RELEASE, _DECREFS */
		binder_uintptr_t cookie; /* BR_DEAD_BINDER, BR_CLEAR_DEATH_NOTIFICATION_DONE */
	} u;
};

/*
 * Take the command at *@pos of the @len bytes at @buf into @out and
 * advance *@pos past it.  Returns 0, -ENODATA at the end (*@pos == @len),
 * -EPROTO for an unknown command or one cut short (*@pos unchanged).
 * BR_TRANSACTION_SEC_CTX is refused: this library never asks for it.
 */
int kbinder_next_cmd(const uint8_t *buf, size_t len, size_t *pos, struct kbinder_cmd *out);

/* The name of a BR_* command for messages ("BR_REPLY"), or "BR_?". */
const char *kbinder_cmd_name(uint32_t cmd);

/*
 * Check a BR_TRANSACTION / BR_REPLY's buffer: its data and offsets lie in
 * the receive mapping [@map, @map + @map_size), the data is at most
 * BINDER_PARCEL_MAX_SIZE, the offsets a whole number of binder_size_t
 * entries, at most BINDER_PARCEL_MAX_BINDERS + BINDER_PARCEL_MAX_FDS of
 * them.  0 or -EPROTO.
 */
int kbinder_check_buffer(uintptr_t map, size_t map_size, const struct binder_transaction_data *tr);

/* How a received kernel parcel's objects become AIBinders (kbinder_process.c). */
struct kparcel_resolver {
	/* A new strong reference on our local object @ptr/@cookie; -EINVAL if not ours. */
	int (*local)(void *ctx, binder_uintptr_t ptr, binder_uintptr_t cookie, AIBinder **out);
	/* A new strong reference on the proxy of @handle. */
	int (*handle)(void *ctx, uint32_t handle, AIBinder **out);
	void *ctx;
};

/*
 * Make @p (a new, empty PARCEL_FORMAT_KERNEL parcel) hold received data:
 * @size bytes at @data in the malloc'ed @alloc, with @n object offsets.
 * Each offset is checked (4-aligned, the object inside the data, after
 * the previous one, a known type: BINDER, HANDLE or FD) and its object
 * resolved through @res.  Fds in FD objects become the parcel's (closed
 * with it, and closed here on failure).  Takes @alloc over even on
 * failure.  0 or -EINVAL / -EMSGSIZE / a resolver's error.
 */
int kparcel_adopt(AParcel *p, void *alloc, uint8_t *data, size_t size, const binder_size_t *offsets,
		  size_t n, const struct kparcel_resolver *res);

/*
 * The offsets table of @p (binders and fds, increasing), malloc'ed in
 * *@offsets (NULL when there are none), its length in *@n.  0 or -ENOMEM.
 */
int kparcel_offsets(const AParcel *p, binder_size_t **offsets, size_t *n);

/* parcel.c's binder and fd objects for PARCEL_FORMAT_KERNEL. */
binder_status_t kparcel_write_binder(AParcel *p, AIBinder *binder);
binder_status_t kparcel_read_binder(const AParcel *p, AIBinder **binder);
binder_status_t kparcel_write_fd(AParcel *p, int fd);
binder_status_t kparcel_read_fd(const AParcel *p, int *fd);

/*
 * kbinder_process.c: what a flat_binder_object says for @binder: a local
 * object (registered as a node) or a handle of this process's driver.
 * -EINVAL for a proxy of another transport.
 */
int kbinder_flatten(AIBinder *binder, struct flat_binder_object *obj);

/* kbinder_process.c: the proxy of handle 0 (a new reference), or NULL. */
AIBinder *kbinder_context_object(void);
/* kbinder_process.c: a new empty parcel for the driver, or NULL. */
AParcel *kbinder_new_parcel(void);

#endif
