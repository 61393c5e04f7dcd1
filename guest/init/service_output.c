/* service_output.c - services' output pipes, logged line by line; see service.h. */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

/* A line longer than this is logged in pieces. */
#define OUTPUT_LINE_MAX 512

struct svc_output {
	struct loop_watch watch;
	struct service_table *table;
	struct svc_output *next;
	char tag[RC_SERVICE_NAME_MAX];
	bool kmsg_only;
	size_t len;
	char buf[OUTPUT_LINE_MAX];
};

static void emit(struct svc_output *o, size_t len)
{
	log_tagged(LOG_LEVEL_INFO, o->tag, o->kmsg_only, o->buf, len);
}

/* Log the complete lines in the buffer (and a full buffer as one line). */
static void emit_lines(struct svc_output *o)
{
	char *nl;

	while ((nl = memchr(o->buf, '\n', o->len))) {
		size_t n = (size_t)(nl - o->buf);

		emit(o, n);
		memmove(o->buf, nl + 1, o->len - n - 1);
		o->len -= n + 1;
	}
	if (o->len == sizeof(o->buf)) {
		emit(o, o->len);
		o->len = 0;
	}
}

/*
 * Read what is there, a bounded amount so that a chatty service cannot
 * hold init up; returns false at the end of the pipe.
 */
static bool read_some(struct svc_output *o)
{
	int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(o->watch.fd, o->buf + o->len, sizeof(o->buf) - o->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		o->len += (size_t)n;
		emit_lines(o);
	}
	return true;
}

static void output_free(struct svc_output *o)
{
	struct svc_output **pp;

	if (o->len)
		emit(o, o->len);
	for (pp = &o->table->outputs; *pp; pp = &(*pp)->next) {
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	}
	loop_del(o->table->loop, &o->watch);
	close(o->watch.fd);
	free(o);
}

static void output_event(struct loop_watch *w, uint32_t events)
{
	struct svc_output *o = w->ctx;

	(void)events;
	if (!read_some(o))
		output_free(o);
}

int svc_output_open(struct service_table *t, const char *tag, bool kmsg_only, int *write_fd)
{
	struct svc_output *o = calloc(1, sizeof(*o));
	int fds[2], r;

	if (!o)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		free(o);
		return r;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	o->watch = (struct loop_watch){.fd = fds[0], .fn = output_event, .ctx = o};
	o->table = t;
	o->kmsg_only = kmsg_only;
	strncpy(o->tag, tag, sizeof(o->tag) - 1);
	r = loop_add(t->loop, &o->watch, EPOLLIN);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		free(o);
		return r;
	}
	o->next = t->outputs;
	t->outputs = o;
	*write_fd = fds[1];
	return 0;
}

void svc_output_drain(struct service_table *t)
{
	struct svc_output *o, *next;

	for (o = t->outputs; o; o = next) {
		next = o->next;
		if (!read_some(o))
			output_free(o);
	}
}

void svc_output_close_all(struct service_table *t)
{
	svc_output_drain(t);
	while (t->outputs)
		output_free(t->outputs);
}
