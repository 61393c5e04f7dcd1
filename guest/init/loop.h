/*
 * loop.h - init's event loop: an epoll set of file descriptors, each with
 * a callback, and a monotonic millisecond clock for deadlines.
 *
 * loop_wait() dispatches at most one ready descriptor per call, so a
 * callback may remove any watch (its own included) without another
 * callback of the same round seeing it freed.
 */
#ifndef MICRODROID_INIT_LOOP_H
#define MICRODROID_INIT_LOOP_H

#include <stdint.h>

struct loop_watch;

typedef void (*loop_fn)(struct loop_watch *w, uint32_t events);

/* Owned by the caller; registered by pointer, so it must not move. */
struct loop_watch {
	int fd;
	loop_fn fn;
	void *ctx;
};

struct loop {
	int epfd;
};

/* 0 or -errno. */
int loop_init(struct loop *l);
void loop_destroy(struct loop *l);

/* Watch @w->fd for @events (EPOLLIN...).  0 or -errno. */
int loop_add(struct loop *l, struct loop_watch *w, uint32_t events);

/* Stop watching @w (before closing its descriptor). */
void loop_del(struct loop *l, struct loop_watch *w);

/*
 * Wait up to @timeout_ms (-1: no limit, 0: poll) and run the callback of
 * one ready descriptor.  Returns 1 if a callback ran, 0 on timeout or a
 * signal, -errno on failure.
 */
int loop_wait(struct loop *l, int timeout_ms);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t loop_now_ms(void);

/* The poll timeout until @deadline_ms (-1: none) from @now_ms, 0 if past. */
int loop_timeout_until(int64_t deadline_ms, int64_t now_ms);

#endif
