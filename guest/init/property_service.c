/* property_service.c - the property service; see property_service.h. */
#include "property_service.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest/libprop/prop_wire.h"

struct waiter {
	struct loop_watch watch;
	struct prop_service *ps;
	struct waiter *next;
	char name[PROP_NAME_MAX];
	char value[PROP_VALUE_MAX];
};

struct prop_service {
	struct loop_watch listen;
	struct loop *loop;
	struct prop_store *store;
	prop_service_set_fn set;
	void *ctx;
	char *path;
	struct waiter *waiters;
	int nwaiters;
};

static void reply(int fd, int status, const char *payload, size_t len)
{
	uint8_t buf[PROP_WIRE_REPLY_HEADER + PROP_VALUE_MAX];

	prop_wire_encode_reply_header(buf, status, (uint32_t)len);
	memcpy(buf + PROP_WIRE_REPLY_HEADER, payload, len);
	prop_send_all(fd, buf, PROP_WIRE_REPLY_HEADER + len, prop_now_ms() + PROP_SERVICE_READ_MS);
}

static void reply_value(int fd, const char *value)
{
	reply(fd, 0, value, strlen(value));
}

struct list_buf {
	uint8_t *p;
	size_t len;
};

static void list_entry(void *ctx, const char *name, const char *value)
{
	struct list_buf *b = ctx;

	b->len += prop_wire_encode_entry(b->p + b->len, name, value);
}

static void reply_list(struct prop_service *ps, int fd)
{
	size_t max = PROP_WIRE_REPLY_HEADER +
		     prop_store_count(ps->store) * (8 + PROP_NAME_MAX + PROP_VALUE_MAX);
	struct list_buf b = {malloc(max), PROP_WIRE_REPLY_HEADER};

	if (!b.p) {
		reply(fd, -ENOMEM, "", 0);
		return;
	}
	prop_store_foreach(ps->store, list_entry, &b);
	prop_wire_encode_reply_header(b.p, 0, (uint32_t)(b.len - PROP_WIRE_REPLY_HEADER));
	prop_send_all(fd, b.p, b.len, prop_now_ms() + PROP_SERVICE_READ_MS);
	free(b.p);
}

static bool value_matches(const char *want, const char *value)
{
	if (strcmp(want, "*") == 0)
		return value && *value;
	return value && strcmp(want, value) == 0;
}

static void waiter_free(struct waiter *w)
{
	struct prop_service *ps = w->ps;
	struct waiter **pp;

	for (pp = &ps->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	loop_del(ps->loop, &w->watch);
	close(w->watch.fd);
	ps->nwaiters--;
	free(w);
}

/* The client of a pending wait hung up (or sent more, which is not allowed). */
static void waiter_event(struct loop_watch *watch, uint32_t events)
{
	(void)events;
	waiter_free(watch->ctx);
}

static void start_wait(struct prop_service *ps, int fd, const struct prop_request *req)
{
	struct waiter *w;

	if (ps->nwaiters >= PROP_SERVICE_WAITERS) {
		reply(fd, -EBUSY, "", 0);
		close(fd);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		reply(fd, -ENOMEM, "", 0);
		close(fd);
		return;
	}
	w->watch = (struct loop_watch){.fd = fd, .fn = waiter_event, .ctx = w};
	w->ps = ps;
	strcpy(w->name, req->name);
	strcpy(w->value, req->value);
	if (loop_add(ps->loop, &w->watch, EPOLLRDHUP) < 0) {
		reply(fd, -ENOMEM, "", 0);
		close(fd);
		free(w);
		return;
	}
	w->next = ps->waiters;
	ps->waiters = w;
	ps->nwaiters++;
}

void prop_service_notify(struct prop_service *ps, const char *name, const char *value)
{
	struct waiter *w = ps->waiters, *next;

	for (; w; w = next) {
		next = w->next;
		if (strcmp(w->name, name) == 0 && value_matches(w->value, value)) {
			reply_value(w->watch.fd, value);
			waiter_free(w);
		}
	}
}

static bool may_set(const struct ucred *cred, const char *name)
{
	static const char *const guarded[] = {"ro.", "ctl.", "init.", "sys.powerctl"};
	size_t i;

	if (cred->uid == 0 || cred->uid == 1000)
		return true;
	for (i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
		if (strncmp(name, guarded[i], strlen(guarded[i])) == 0)
			return false;
	}
	return true;
}

/* Answer one decoded request; returns true if @fd was kept open (a wait). */
static bool handle(struct prop_service *ps, int fd, const struct prop_request *req)
{
	struct ucred cred = {.uid = (uid_t)-1};
	socklen_t cred_len = sizeof(cred);
	const char *value;
	int r;

	if (req->op == PROP_OP_LIST) {
		reply_list(ps, fd);
		return false;
	}
	r = prop_name_check(req->name);
	if (r < 0) {
		reply(fd, r, "", 0);
		return false;
	}
	switch (req->op) {
	case PROP_OP_GET:
		value = prop_store_get(ps->store, req->name);
		if (value)
			reply_value(fd, value);
		else
			reply(fd, -ENOENT, "", 0);
		return false;
	case PROP_OP_SET:
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 ||
		    !may_set(&cred, req->name))
			r = -EPERM;
		else
			r = ps->set(ps->ctx, req->name, req->value);
		reply(fd, r, "", 0);
		return false;
	default: /* PROP_OP_WAIT */
		if (strcmp(req->value, "*") != 0 && (r = prop_value_check(req->value)) < 0) {
			reply(fd, r, "", 0);
			return false;
		}
		value = prop_store_get(ps->store, req->name);
		if (value_matches(req->value, value)) {
			reply_value(fd, value);
			return false;
		}
		start_wait(ps, fd, req);
		return true;
	}
}

/* Read and answer one request on a new connection. */
static void serve(struct prop_service *ps, int fd)
{
	uint8_t buf[PROP_WIRE_REQUEST_MAX];
	int64_t deadline = prop_now_ms() + PROP_SERVICE_READ_MS;
	struct prop_request req;
	size_t len = 0;
	int r = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (prop_wait_fd(fd, POLLIN, deadline) < 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
		r = prop_wire_decode_request(buf, len, &req);
		if (r != 0)
			break;
	}
	if (r > 0 && handle(ps, fd, &req))
		return;
	if (r < 0)
		reply(fd, r, "", 0);
	close(fd);
}

static void listen_event(struct loop_watch *watch, uint32_t events)
{
	struct prop_service *ps = watch->ctx;
	int fd;

	(void)events;
	fd = accept4(watch->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		serve(ps, fd);
}

int prop_service_start(struct prop_service **out, struct loop *l, const char *path,
		       struct prop_store *store, prop_service_set_fn set, void *ctx,
		       struct error *e)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct prop_service *ps;
	int fd, err;

	*out = NULL;
	if (strlen(path) >= sizeof(addr.sun_path))
		return error_set(e, -ENAMETOOLONG, "property socket path '%s' is too long", path);
	strcpy(addr.sun_path, path);
	ps = calloc(1, sizeof(*ps));
	if (!ps || !(ps->path = strdup(path))) {
		free(ps);
		return error_set(e, -ENOMEM, "out of memory");
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 64) < 0) {
		err = -errno;
		close(fd);
		goto fail;
	}
	ps->listen = (struct loop_watch){.fd = fd, .fn = listen_event, .ctx = ps};
	ps->loop = l;
	ps->store = store;
	ps->set = set;
	ps->ctx = ctx;
	err = loop_add(l, &ps->listen, EPOLLIN);
	if (err < 0) {
		close(fd);
		unlink(path);
		goto fail;
	}
	*out = ps;
	return 0;
fail:
	free(ps->path);
	free(ps);
	return error_set(e, err, "property service socket '%s': %s", path, strerror(-err));
}

void prop_service_stop(struct prop_service *ps)
{
	if (!ps)
		return;
	while (ps->waiters)
		waiter_free(ps->waiters);
	loop_del(ps->loop, &ps->listen);
	close(ps->listen.fd);
	unlink(ps->path);
	free(ps->path);
	free(ps);
}
