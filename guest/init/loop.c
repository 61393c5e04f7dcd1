/* loop.c - init's event loop; see loop.h. */
#include "loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

int loop_init(struct loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void loop_destroy(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static int ctl(struct loop *l, int op, struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(l->epfd, op, w->fd, &ev) < 0 ? -errno : 0;
}

int loop_add(struct loop *l, struct loop_watch *w, uint32_t events)
{
	return ctl(l, EPOLL_CTL_ADD, w, events);
}

void loop_del(struct loop *l, struct loop_watch *w)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

int loop_wait(struct loop *l, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(l->epfd, &ev, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	((struct loop_watch *)ev.data.ptr)->fn(ev.data.ptr, ev.events);
	return 1;
}

int64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_timeout_until(int64_t deadline_ms, int64_t now_ms)
{
	int64_t d;

	if (deadline_ms < 0)
		return -1;
	d = deadline_ms - now_ms;
	if (d <= 0)
		return 0;
	return d > 3600000 ? 3600000 : (int)d;
}
