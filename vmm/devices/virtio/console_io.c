/*
 * console_io.c - virtio-console data: each port's transmitq written to its
 * backend (a file, or the terminal), the terminal's input copied into the
 * input port's receiveq, and the descriptors the worker watches for them.
 *
 * Output is written in order, whatever the backend takes at a time.  When
 * a non-blocking backend is full (EAGAIN), the port keeps its chain, the
 * worker waits for EPOLLOUT on the backend, and the port's transmitq is
 * left alone until then: nothing is lost and nothing spins.  When a write
 * fails otherwise (EIO, EPIPE...), the port drops its output from then on,
 * with one line on stderr; the guest is not told, as with a real console.
 *
 * Input is read only when the input port is open and has a receiveq
 * buffer waiting; otherwise the worker stops watching the terminal, and
 * bytes wait in the terminal.  What was read but did not fit waits in
 * the device until the driver adds buffers.
 */
#include "console_device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

/* Buffers handed to one writev(). */
#define CONSOLE_IOV_BATCH 64

static void console_port_failed(struct virtio_console *con, unsigned int nr, int err)
{
	struct console_port *p = &con->port[nr];

	if (p->out_failed)
		return;
	p->out_failed = true;
	fprintf(stderr, "mvm: %s: port %u: cannot write its output: %s; dropping it from now on\n",
		con->ops.name, nr, strerror(-err));
}

/*
 * Write what is left of port @p's chain.  Returns 0 when all is written,
 * -EAGAIN when the backend is full, or another -errno.
 */
static int console_write_chain(struct console_port *p)
{
	const struct virtq_chain *c = p->tx;

	while (p->tx_done < c->rd_len) {
		struct iovec iov[CONSOLE_IOV_BATCH];
		uint64_t skip = p->tx_done;
		unsigned int k, n = 0;
		ssize_t w;

		for (k = 0; k < c->nr_rd && n < CONSOLE_IOV_BATCH; k++) {
			if (skip >= c->rd[k].iov_len) {
				skip -= c->rd[k].iov_len;
				continue;
			}
			iov[n].iov_base = (uint8_t *)c->rd[k].iov_base + skip;
			iov[n].iov_len = c->rd[k].iov_len - skip;
			skip = 0;
			n++;
		}
		w = writev(p->out_fd, iov, (int)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (w == 0)
			return -EIO;
		p->tx_done += (uint64_t)w;
	}
	return 0;
}

void console_port_tx(struct virtio_console *con, unsigned int nr)
{
	struct virtio_device *d = &con->dev;
	unsigned int q = console_rx_queue(nr) + 1;
	struct virtq *vq = &d->vq[q];
	struct console_port *p = &con->port[nr];
	bool pushed = false;
	int got, err;

	if (!console_queue_live(con, q) || p->tx_blocked)
		return;
	do {
		for (;;) {
			struct virtq_chain *c = p->configured ? p->tx : &con->chain;

			if (!p->tx_busy) {
				got = virtq_pop(vq, c);
				if (got < 0) {
					virtio_device_fail(d, "port %u transmitq: %s", nr,
							   vq->error);
					return;
				}
				if (got == 0)
					break;
				p->tx_busy = true;
				p->tx_done = 0;
			}
			if (p->configured && !p->out_failed) {
				err = console_write_chain(p);
				if (err == -EAGAIN) {
					/* Wait for EPOLLOUT; kicks meanwhile are of no use. */
					p->tx_blocked = true;
					virtq_enable_notify(vq, false);
					goto out;
				}
				if (err)
					console_port_failed(con, nr, err);
			}
			virtq_push(vq, c->head, 0);
			p->tx_busy = false;
			pushed = true;
		}
	} while (virtq_enable_notify(vq, true));
out:
	if (pushed)
		virtio_queue_notify_guest(d, q);
}

/* Backend @fd of one or more blocked ports is writable (or broken): carry on. */
static void console_output_ready(struct virtio_console *con, int fd)
{
	unsigned int i;

	for (i = 0; i < con->max_nr_ports; i++) {
		struct console_port *p = &con->port[i];

		if (p->configured && p->tx_blocked && p->out_fd == fd) {
			p->tx_blocked = false;
			console_port_tx(con, i);
		}
	}
}

void console_emergency_write(struct virtio_console *con, uint8_t c)
{
	struct console_port *p = &con->port[0];

	/* Best effort, at once, ahead of queued output; dropped if the backend is full. */
	if (p->configured && !p->out_failed && p->out_fd >= 0)
		while (write(p->out_fd, &c, 1) < 0 && errno == EINTR)
			;
}

/* True if the device wants terminal input now: the port is open and a buffer waits. */
static bool console_input_wanted(struct virtio_console *con)
{
	unsigned int q;

	if (con->input_port < 0 || con->input_ended || con->in_off < con->in_len)
		return false;
	if (con->input_port != 0 && !con->multiport)
		return false;
	q = console_rx_queue((unsigned int)con->input_port);
	return console_queue_live(con, q) && con->port[con->input_port].guest_open &&
	       virtq_has_avail(&con->dev.vq[q]);
}

/*
 * Copy pending input into the input port's receiveq buffers.  Returns
 * true when nothing is left pending.
 */
static bool console_input_deliver(struct virtio_console *con)
{
	struct virtio_device *d = &con->dev;
	unsigned int q = console_rx_queue((unsigned int)con->input_port);
	struct virtq *vq = &d->vq[q];
	bool pushed = false;
	int got;

	while (con->in_off < con->in_len) {
		size_t n;

		if (!console_queue_live(con, q) || !con->port[con->input_port].guest_open)
			break;
		got = virtq_pop(vq, &con->chain);
		if (got < 0) {
			virtio_device_fail(d, "port %d receiveq: %s", con->input_port, vq->error);
			return false;
		}
		if (got == 0) {
			if (virtq_enable_notify(vq, true))
				continue;
			break;
		}
		n = virtq_chain_write(&con->chain, 0, con->in_buf + con->in_off,
				      con->in_len - con->in_off);
		virtq_push(vq, con->chain.head, (uint32_t)n);
		con->in_off += n;
		pushed = true;
	}
	if (pushed)
		virtio_queue_notify_guest(d, q);
	if (con->in_off < con->in_len)
		return false;
	con->in_off = con->in_len = 0;
	return true;
}

/*
 * Read the terminal once into in_buf, through the escape filter.  Returns
 * 1 with bytes pending, 0 if all were filtered out, or -1 when there is
 * nothing to read now (EAGAIN) or ever again (end of file, an error).
 */
static int console_input_read(struct virtio_console *con)
{
	uint8_t raw[CONSOLE_INPUT_BUF];
	bool quit = false;
	ssize_t n;

	/*
	 * The filter may give out one byte more than it takes (a Ctrl-A held
	 * back from the previous read, then the next byte), so read one less.
	 */
	do
		n = read(con->term_in_fd, con->escape ? raw : con->in_buf, CONSOLE_INPUT_BUF - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "mvm: %s: reading the terminal: %s; no more input\n",
				con->ops.name, strerror(errno));
		con->input_ended = true;
		return -1;
	}
	con->in_off = 0;
	if (!con->escape) {
		con->in_len = (size_t)n;
		return 1;
	}
	con->in_len = console_filter(&con->esc, raw, (size_t)n, con->in_buf, &quit);
	if (quit && con->exit.request_exit)
		con->exit.request_exit(con->exit.opaque, MVM_EXIT_SIGINT,
				       "console escape (Ctrl-A x)");
	return con->in_len > 0;
}

void console_input_pump(struct virtio_console *con, bool readable)
{
	if (con->input_port < 0)
		return;
	for (;;) {
		if (con->in_off == con->in_len) {
			int got;

			if (!readable || !console_input_wanted(con))
				return;
			/* A terminal or pipe is read once per readiness; a file at will. */
			readable = !con->input_pollable;
			got = console_input_read(con);
			if (got < 0)
				return;
			if (got == 0)
				continue;
		}
		if (!console_input_deliver(con))
			return;
	}
}

/* The worker saw events on @fd: input, room for output, or trouble. */
static void console_fd_ready(struct virtio_device *d, int fd, uint32_t events, void *arg)
{
	struct virtio_console *con = arg;

	if (d->active && !d->failed) {
		if (fd == con->term_in_fd && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			console_input_pump(con, true);
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			console_output_ready(con, fd);
	}
	console_update_watches(con);
}

/* Add @events for @fd to the set @w of @n entries. */
static void watch_add(struct console_watch *w, unsigned int *n, int fd, uint32_t events)
{
	unsigned int i;

	for (i = 0; i < *n; i++) {
		if (w[i].fd == fd) {
			w[i].events |= events;
			return;
		}
	}
	w[(*n)++] = (struct console_watch){fd, events};
}

static uint32_t watch_find(const struct console_watch *w, unsigned int n, int fd)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w[i].fd == fd)
			return w[i].events;
	return 0;
}

/* A watch could not be set up: give up what needed it, so that nothing waits forever. */
static void console_watch_failed(struct virtio_console *con, int fd, uint32_t events, int err)
{
	unsigned int i;

	if ((events & EPOLLIN) && fd == con->term_in_fd) {
		fprintf(stderr, "mvm: %s: cannot watch the terminal: %s; no more input\n",
			con->ops.name, strerror(-err));
		con->input_ended = true;
	}
	if (!(events & EPOLLOUT))
		return;
	for (i = 0; i < con->max_nr_ports; i++) {
		struct console_port *p = &con->port[i];

		if (p->configured && p->tx_blocked && p->out_fd == fd) {
			console_port_failed(con, i, err);
			/* The worker pushes the port's chain when it looks at the queue again. */
			p->tx_blocked = false;
			virtio_kick_worker(&con->dev, console_rx_queue(i) + 1);
		}
	}
}

void console_update_watches(struct virtio_console *con)
{
	struct console_watch want[CONSOLE_MAX_WATCHES];
	unsigned int i, n = 0, kept = 0;
	bool live = con->dev.active && !con->dev.failed;
	int err;

	if (live && con->input_pollable && console_input_wanted(con))
		watch_add(want, &n, con->term_in_fd, EPOLLIN);
	for (i = 0; live && i < con->max_nr_ports; i++)
		if (con->port[i].configured && con->port[i].tx_blocked)
			watch_add(want, &n, con->port[i].out_fd, EPOLLOUT);

	/* Drop what is no longer wanted. */
	for (i = 0; i < con->nr_watches; i++) {
		if (watch_find(want, n, con->watch[i].fd))
			con->watch[kept++] = con->watch[i];
		else
			virtio_unwatch(&con->dev, con->watch[i].fd);
	}
	con->nr_watches = kept;

	/* Add or change the rest. */
	for (i = 0; i < n; i++) {
		uint32_t had = watch_find(con->watch, con->nr_watches, want[i].fd);
		unsigned int k;

		if (had == want[i].events)
			continue;
		if (had)
			err = virtio_watch_modify(&con->dev, want[i].fd, want[i].events,
						  console_fd_ready, con);
		else
			err = virtio_watch(&con->dev, want[i].fd, want[i].events, console_fd_ready,
					   con);
		if (err) {
			if (had)
				virtio_unwatch(&con->dev, want[i].fd);
			for (k = 0; k < con->nr_watches; k++)
				if (con->watch[k].fd == want[i].fd)
					con->watch[k] = con->watch[--con->nr_watches];
			console_watch_failed(con, want[i].fd, want[i].events, err);
			continue;
		}
		if (had) {
			for (k = 0; k < con->nr_watches; k++)
				if (con->watch[k].fd == want[i].fd)
					con->watch[k].events = want[i].events;
		} else {
			con->watch[con->nr_watches++] = want[i];
		}
	}
}
