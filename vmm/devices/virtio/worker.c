/*
 * worker.c - each virtio device's worker thread: an epoll loop over the
 * device's queue eventfds, its wake eventfd and its backend descriptors;
 * see virtio.h.
 */
#include "virtio.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/*
 * What a watched descriptor calls.  Entries are indexed by descriptor
 * number, so an event for a descriptor that was unwatched earlier in the
 * same batch finds an empty slot (or, if the number was reused at once, a
 * spurious call that the callback's non-blocking read absorbs).
 */
struct virtio_watch {
	virtio_fd_cb cb;
	void *arg;
};

struct virtio_watch_table {
	struct virtio_watch *slot;
	int nr;
};

#define WORKER_BATCH 64

static struct virtio_watch_table *table_of(struct virtio_device *d)
{
	return (struct virtio_watch_table *)d->watches;
}

static int table_set(struct virtio_device *d, int fd, virtio_fd_cb cb, void *arg)
{
	struct virtio_watch_table *t = table_of(d);

	if (fd < 0)
		return -EBADF;
	if (fd >= t->nr) {
		int nr = t->nr ? t->nr : 64;
		struct virtio_watch *s;

		while (nr <= fd)
			nr *= 2;
		s = realloc(t->slot, (size_t)nr * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memset(s + t->nr, 0, (size_t)(nr - t->nr) * sizeof(*s));
		t->slot = s;
		t->nr = nr;
	}
	t->slot[fd] = (struct virtio_watch){cb, arg};
	return 0;
}

static int watch_ctl(struct virtio_device *d, int op, int fd, uint32_t events, virtio_fd_cb cb,
		     void *arg)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	int err = table_set(d, fd, cb, arg);

	if (err)
		return err;
	if (epoll_ctl(d->epoll_fd, op, fd, &ev) < 0) {
		err = -errno;
		table_set(d, fd, NULL, NULL);
		return err;
	}
	return 0;
}

int virtio_watch(struct virtio_device *d, int fd, uint32_t events, virtio_fd_cb cb, void *arg)
{
	return watch_ctl(d, EPOLL_CTL_ADD, fd, events, cb, arg);
}

int virtio_watch_modify(struct virtio_device *d, int fd, uint32_t events, virtio_fd_cb cb,
			void *arg)
{
	return watch_ctl(d, EPOLL_CTL_MOD, fd, events, cb, arg);
}

void virtio_unwatch(struct virtio_device *d, int fd)
{
	struct virtio_watch_table *t = table_of(d);

	if (fd < 0 || fd >= t->nr)
		return;
	epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	t->slot[fd] = (struct virtio_watch){NULL, NULL};
}

void virtio_kick_worker(struct virtio_device *d, unsigned int q)
{
	uint64_t one = 1;

	if (q < d->ops->nr_queues && write(d->notify_fd[q], &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the kick is pending. */
	}
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending. */
	}
}

/* A queue's eventfd fired: the guest (or the device itself) kicked queue @arg. */
static void queue_kicked(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	unsigned int q = (unsigned int)(uintptr_t)arg;

	(void)events;
	drain(fd);
	if (d->active && !d->failed && d->qreg[q].ready)
		d->ops->queue_notify(d, q);
}

static void woken(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	drain(fd);
	virtio_device_activate_pending(d);
}

int virtio_device_run_once(struct virtio_device *d, int timeout_ms)
{
	struct epoll_event ev[WORKER_BATCH];
	int n, k;

	n = epoll_wait(d->epoll_fd, ev, WORKER_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	pthread_mutex_lock(&d->lock);
	for (k = 0; k < n && !atomic_load(&d->stop); k++) {
		struct virtio_watch_table *t = table_of(d);
		int fd = ev[k].data.fd;

		if (fd >= 0 && fd < t->nr && t->slot[fd].cb)
			t->slot[fd].cb(d, fd, ev[k].events, t->slot[fd].arg);
	}
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* KVM ended the guest's level-triggered interrupt: raise it again if still due. */
static void resampled(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	drain(fd);
	virtio_device_resample(d);
}

int virtio_device_watch_resample(struct virtio_device *d, int fd)
{
	return virtio_watch(d, fd, EPOLLIN, resampled, NULL);
}

static void *virtio_worker(void *arg)
{
	struct virtio_device *d = arg;
	char name[16];
	sigset_t all;
	int err;

	/* Signals are for the main thread (signalfd) and the vCPU kicks. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	snprintf(name, sizeof(name), "%.15s", d->ops->name);
	pthread_setname_np(pthread_self(), name);
	if (d->thread_setup && d->thread_setup(d) < 0)
		return NULL;
	while (!atomic_load(&d->stop)) {
		err = virtio_device_run_once(d, -1);
		if (err < 0) {
			fprintf(stderr, "mvm: %s: epoll_wait: %s\n", d->ops->name, strerror(-err));
			break;
		}
	}
	return NULL;
}

int virtio_device_init(struct virtio_device *d, const struct virtio_device_ops *ops, void *priv,
		       const struct guest_mem *mem, struct virtio_irq irq)
{
	unsigned int q;
	int err;

	memset(d, 0, sizeof(*d));
	d->wake_fd = d->epoll_fd = -1;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->notify_fd[q] = -1;
	d->initialized = true;
	if (!ops->nr_queues || ops->nr_queues > VIRTIO_MAX_QUEUES || !ops->queue_max ||
	    ops->queue_max > VIRTQ_MAX_SIZE || (ops->queue_max & (ops->queue_max - 1)) ||
	    !ops->queue_notify)
		return -EINVAL;
	d->ops = ops;
	d->priv = priv;
	d->mem = mem;
	d->irq = irq;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->irq_lock, NULL);
	d->lock_ready = true;
	atomic_init(&d->interrupt_status, 0);
	atomic_init(&d->stop, false);
	d->watches = calloc(1, sizeof(struct virtio_watch_table));
	if (!d->watches)
		return -ENOMEM;
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epoll_fd < 0)
		return -errno;
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0)
		return -errno;
	err = virtio_watch(d, d->wake_fd, EPOLLIN, woken, NULL);
	for (q = 0; q < ops->nr_queues && !err; q++) {
		d->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->notify_fd[q] < 0)
			return -errno;
		err = virtio_watch(d, d->notify_fd[q], EPOLLIN, queue_kicked, (void *)(uintptr_t)q);
	}
	return err;
}

int virtio_device_start(struct virtio_device *d, int (*setup)(struct virtio_device *d))
{
	int err;

	if (d->ops->start) {
		err = d->ops->start(d);
		if (err)
			return err;
	}
	d->thread_setup = setup;
	err = pthread_create(&d->thread, NULL, virtio_worker, d);
	if (err)
		return -err;
	d->thread_started = true;
	return 0;
}

void virtio_device_destroy(struct virtio_device *d)
{
	uint64_t one = 1;
	unsigned int q;

	if (!d->initialized)
		return;
	if (d->thread_started) {
		atomic_store(&d->stop, true);
		if (write(d->wake_fd, &one, sizeof(one)) < 0) {
			/* The counter is already set: the worker is waking up. */
		}
		pthread_join(d->thread, NULL);
		d->thread_started = false;
	}
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (d->notify_fd[q] >= 0)
			close(d->notify_fd[q]);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->watches) {
		free(table_of(d)->slot);
		free(d->watches);
	}
	if (d->lock_ready) {
		pthread_mutex_destroy(&d->lock);
		pthread_mutex_destroy(&d->irq_lock);
	}
	memset(d->notify_fd, 0xff, sizeof(d->notify_fd));
	d->wake_fd = d->epoll_fd = -1;
	d->watches = NULL;
	d->lock_ready = false;
	d->initialized = false;
}
