/*
 * virtio.h - virtio 1.x devices on the MMIO transport (version 2).
 *
 * A device model (blk.c, console.c, rng.c, vsock.c) fills a struct
 * virtio_device_ops and gets a struct virtio_device, which provides:
 *   - the MMIO register block (mmio.c): identification, feature
 *     negotiation, queue set-up, status, interrupt status, and the
 *     device's configuration space through the ops;
 *   - one worker thread per device (worker.c) that waits on the device's
 *     queue notifications and on any file descriptors the device adds,
 *     and calls the device back there.  All queue processing happens on
 *     that thread, with the device lock held;
 *   - interrupts to the guest (used buffers, configuration changes).
 *
 * Notifications: each queue has an eventfd.  The VM attaches it to the
 * QueueNotify register with KVM_IOEVENTFD where KVM offers it, so a guest
 * kick never leaves the kernel; otherwise the MMIO write reaches
 * virtio_mmio_ops, which signals the same eventfd.  Interrupts go through
 * an irqfd the VM attaches to the device's GSI, or through a callback.
 *
 * A misbehaving driver (a malformed ring, an impossible request) breaks
 * only its own device: virtio_device_fail() sets DEVICE_NEEDS_RESET,
 * raises a configuration interrupt, logs the reason once, and the device
 * does no more work until the driver resets it.
 *
 * Locking: vCPU threads access the registers; status and queue register
 * writes and configuration space accesses take the device lock, the
 * interrupt status and acknowledge registers are lock-free.  The worker
 * holds the lock while it runs device callbacks.
 */
#ifndef MVM_VIRTIO_H
#define MVM_VIRTIO_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../iobus.h"
#include "../../memory.h"
#include "queue.h"

/* Device IDs (virtio 1.x, 5). */
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_VSOCK 19

/* Feature bits the transport handles. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Interrupt status bits. */
#define VIRTIO_INT_USED 1
#define VIRTIO_INT_CONFIG 2

/* The MMIO register block: 0x100 bytes of registers, then config space. */
#define VIRTIO_MMIO_SIZE 0x1000 /* one 4 KiB slot per device */
#define VIRTIO_MMIO_CONFIG 0x100
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x4d564d00 /* "\0MVM" */

#define VIRTIO_MAX_QUEUES 34 /* virtio-console: 16 ports and control, two queues each */

struct virtio_device;

struct virtio_device_ops {
	const char *name;      /* for messages: "virtio-blk" */
	uint32_t device_id;
	uint64_t features;     /* device features; the transport adds its own */
	unsigned int nr_queues;
	uint16_t queue_max;    /* QueueNumMax, a power of two <= VIRTQ_MAX_SIZE */
	uint32_t config_len;   /* bytes of configuration space */
	unsigned int sandbox;  /* seccomp profile of its worker (sandbox.h) */

	/*
	 * Configuration space access, @off + @size <= config_len (vCPU
	 * thread, lock held).  Reads must fill @size bytes.  Writes may be
	 * NULL (read-only configuration).
	 */
	void (*config_read)(struct virtio_device *d, uint32_t off, uint8_t *data,
			    unsigned int size);
	void (*config_write)(struct virtio_device *d, uint32_t off, const uint8_t *data,
			     unsigned int size);

	/*
	 * The driver set DRIVER_OK: the ready queues are mapped and the
	 * negotiated features are in d->driver_features.  Return 0, or
	 * -errno to refuse (the device then needs a reset).  May be NULL.
	 * Worker thread, lock held.
	 */
	int (*activate)(struct virtio_device *d);

	/*
	 * The driver reset the device: drop all per-activation state (queues
	 * are reset by the transport).  May be NULL.  Any thread, lock held;
	 * the worker is not inside a callback.
	 */
	void (*reset)(struct virtio_device *d);

	/* Queue @q was notified, or needs polling again (worker, lock held). */
	void (*queue_notify)(struct virtio_device *d, unsigned int q);

	/*
	 * The VM is about to run: every device was created and every check
	 * passed.  Commit what must not happen on a failed start (replacing
	 * output files, say).  Return 0 or -errno (the VM then does not
	 * start).  May be NULL.  Main thread, before the worker starts.
	 */
	int (*start)(struct virtio_device *d);
};

/*
 * The device's interrupt line.  The transport keeps it in step with the
 * InterruptStatus register: raise() when a bit is set, lower() (may be
 * NULL) when the driver's InterruptACK clears the last one, and raise()
 * again on a resample (virtio_device_watch_resample()) while bits remain.
 * For a level-triggered line that makes the guest's interrupt follow the
 * register, so no interrupt can be lost; an edge-triggered one gets a
 * pulse per raise().  Both are called with the device's irq_lock held.
 */
struct virtio_irq {
	void (*raise)(void *opaque);
	void *opaque;
	void (*lower)(void *opaque);
};

/* A file descriptor the worker watches for a device (its backend). */
typedef void (*virtio_fd_cb)(struct virtio_device *d, int fd, uint32_t events, void *arg);

struct virtio_device {
	const struct virtio_device_ops *ops;
	void *priv;                    /* the device model's state */
	const struct guest_mem *mem;
	struct virtio_irq irq;
	pthread_mutex_t lock;

	/* Transport registers. */
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;      /* as written by the driver */
	uint32_t queue_sel;
	uint32_t config_generation;
	atomic_uint interrupt_status;
	pthread_mutex_t irq_lock;      /* orders status changes with line changes */
	struct {
		uint16_t num;
		bool ready;
		uint64_t desc, driver, device;
	} qreg[VIRTIO_MAX_QUEUES];
	struct virtq vq[VIRTIO_MAX_QUEUES];
	bool active;                   /* DRIVER_OK accepted, queues live */
	bool activate_pending;         /* DRIVER_OK seen; the worker activates */
	bool failed;                   /* NEEDS_RESET set; no more work */

	/* Worker (worker.c). */
	int notify_fd[VIRTIO_MAX_QUEUES]; /* eventfds, one per queue */
	int wake_fd;                   /* eventfd: re-check state, or stop */
	int epoll_fd;
	void *watches;                 /* what each watched descriptor calls */
	pthread_t thread;
	bool thread_started;
	bool initialized;              /* virtio_device_init() got far enough to undo */
	bool lock_ready;
	atomic_bool stop;
	int (*thread_setup)(struct virtio_device *d); /* e.g. seccomp; may be NULL */
};

/*
 * Set up @d for the device model @ops with private state @priv, its queues
 * in @mem and interrupts through @irq.  Creates the eventfds and the epoll
 * set; no thread yet.  Returns 0 or -errno.
 */
int virtio_device_init(struct virtio_device *d, const struct virtio_device_ops *ops, void *priv,
		       const struct guest_mem *mem, struct virtio_irq irq);

/*
 * Call ops->start, then start the worker thread; @setup (may be NULL) runs
 * first on it.  Returns 0 or -errno.
 */
int virtio_device_start(struct virtio_device *d, int (*setup)(struct virtio_device *d));

/*
 * One round of the worker's loop on the calling thread: wait up to
 * @timeout_ms (-1: forever) for events and run their callbacks with the
 * lock held.  Returns the number of events, or -errno.  The worker thread
 * calls it in a loop; unit tests call it directly, without a thread.
 */
int virtio_device_run_once(struct virtio_device *d, int timeout_ms);

/*
 * Stop and join the worker, close the descriptors.  Safe after a failed
 * init, and on a zeroed struct that init never saw.
 */
void virtio_device_destroy(struct virtio_device *d);

/* MMIO callbacks for the device's VIRTIO_MMIO_SIZE register block. */
extern const struct iobus_ops virtio_mmio_ops;

/*
 * Watch @fd for @events (EPOLLIN, EPOLLOUT...) on the worker, calling
 * @cb(d, fd, revents, arg) with the lock held.  virtio_unwatch() stops.
 * Return 0 or -errno.
 */
int virtio_watch(struct virtio_device *d, int fd, uint32_t events, virtio_fd_cb cb, void *arg);
int virtio_watch_modify(struct virtio_device *d, int fd, uint32_t events, virtio_fd_cb cb,
			void *arg);
void virtio_unwatch(struct virtio_device *d, int fd);

/* True if VIRTIO feature bit @bit was negotiated. */
bool virtio_has_feature(const struct virtio_device *d, unsigned int bit);

/*
 * After pushing used buffers on queue @q: interrupt the guest if the
 * driver wants it (worker, lock held).
 */
void virtio_queue_notify_guest(struct virtio_device *d, unsigned int q);

/* The configuration space changed: bump the generation, interrupt. */
void virtio_config_changed(struct virtio_device *d);

/*
 * The driver broke the rules: set DEVICE_NEEDS_RESET, interrupt, log
 * "mvm: <name>: <reason>; the device needs a reset" once, and stop
 * working until a reset.  Lock held.
 */
void virtio_device_fail(struct virtio_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Worker side of DRIVER_OK: run ops->activate and start processing, if the
 * driver set DRIVER_OK and has not reset the device since.  Lock held.
 */
void virtio_device_activate_pending(struct virtio_device *d);

/*
 * Watch @fd, a KVM irqfd resample eventfd: KVM signals it when the guest
 * ends a level-triggered interrupt, and the worker then raises the line
 * again if InterruptStatus still has bits set.  Call before
 * virtio_device_start().  Returns 0 or -errno.
 */
int virtio_device_watch_resample(struct virtio_device *d, int fd);

/* Raise the line again if InterruptStatus has bits set (a resample). */
void virtio_device_resample(struct virtio_device *d);

/*
 * Print the device's transport state and each live queue's indexes to
 * @out, for diagnosing a stalled device (mvm's SIGQUIT handler).  Reads
 * without the lock, so figures may be a moment apart.
 */
void virtio_device_dump(const struct virtio_device *d, FILE *out);

/* Ask the worker to call queue_notify(@q) soon, as if the guest kicked it. */
void virtio_kick_worker(struct virtio_device *d, unsigned int q);

#endif
