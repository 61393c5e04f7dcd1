/*
 * kbinder_process.c - the process's connection to the binder driver
 * (libbinder's ProcessState and IPCThreadState in one): the device and
 * its receive mapping, local nodes and handle proxies with their
 * reference counts, death notifications, sending transactions and
 * running the ones that arrive, and the looper threads.  See kbinder.h
 * and binder/driver.h.
 *
 * Commands to the driver are written at once, each with its own
 * BINDER_WRITE_READ (write only), so that their order is the order they
 * were made in: a received handle is acquired before its buffer is freed.
 * A thread that sent a transaction reads until its reply, running what
 * arrives meanwhile (nested calls, reference counts, deaths).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <binder/driver.h>

#include "ibinder.h"
#include "kbinder.h"
#include "log.h"
#include "parcel.h"

#define KB_MAP_SIZE ((1u << 20) - 8192u) /* libbinder's receive buffer */
#define KB_DEFAULT_MAX_THREADS 15u

/*
 * A local object the driver knows (a node): its counts from BR_*.  It is
 * made at the driver's first BR_INCREFS or BR_ACQUIRE for the object,
 * which comes to the thread sending the parcel that carries it, while the
 * parcel (and its reference on the object) is still alive; it holds a
 * strong reference until the driver's counts are back to zero.
 */
struct kb_node {
	AIBinder *binder; /* a strong reference while the driver holds one */
	int strong, weak;
	struct kb_node *next;
};

/* A handle we hold, with its proxy; the cookie of its death notification. */
struct kb_ref {
	uint32_t handle;
	AIBinder *proxy; /* NULL once the proxy is gone (waiting for CLEAR_DONE) */
	bool dead;
	struct kb_ref *next;
};

/* The driver fd: set once, read without the lock (commands are written under it). */
static _Atomic int driver_fd = -1;

static struct {
	pthread_mutex_t lock;
	void *map;
	AIBinder *context_mgr;
	struct kb_node *nodes;
	struct kb_ref *refs;
	bool pool_started;
} proc = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, NULL, false};

/* The caller of the transaction this thread runs. */
struct kb_calling {
	bool in_call;
	pid_t pid;
	uid_t uid;
};
static _Thread_local struct kb_calling calling;

/* The parcels this thread is sending (nested calls stack them). */
struct kb_sending {
	const AParcel *parcel;
	struct kb_sending *prev;
};
static _Thread_local struct kb_sending *sending;

static const struct binder_proxy_ops kb_proxy_ops;
static const struct parcel_binder_ops kb_parcel_ops;

/* ------------------------------------------------------------------ the device */

int binder_driver_open(const char *path)
{
	struct binder_version version = {0};
	uint32_t max_threads = KB_DEFAULT_MAX_THREADS;
	void *map;
	int fd, r = 0;

	pthread_mutex_lock(&proc.lock);
	if (atomic_load(&driver_fd) >= 0) {
		pthread_mutex_unlock(&proc.lock);
		return -EALREADY;
	}
	fd = open(path ? path : BINDER_DRIVER_DEFAULT_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
	} else if (ioctl(fd, BINDER_VERSION, &version) < 0) {
		r = -errno;
	} else if (version.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		r = -EPROTO;
	} else {
		map = mmap(NULL, KB_MAP_SIZE, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
		if (map == MAP_FAILED) {
			r = -errno;
		} else {
			proc.map = map;
			if (ioctl(fd, BINDER_SET_MAX_THREADS, &max_threads) < 0)
				binder_warn("binder driver: BINDER_SET_MAX_THREADS: %s",
					    strerror(errno));
		}
	}
	if (r < 0 && fd >= 0)
		close(fd);
	else if (r == 0)
		atomic_store(&driver_fd, fd);
	pthread_mutex_unlock(&proc.lock);
	return r;
}

int binder_driver_fd(void)
{
	return atomic_load(&driver_fd);
}

/* The driver fd, opening the default device on first use; -errno if none. */
static int kb_fd(void)
{
	int fd = binder_driver_fd(), r;

	if (fd >= 0)
		return fd;
	r = binder_driver_open(NULL);
	if (r < 0 && r != -EALREADY) {
		binder_err("binder driver: cannot open %s: %s", BINDER_DRIVER_DEFAULT_PATH,
			   strerror(-r));
		return r;
	}
	return binder_driver_fd();
}

/* Write @len bytes of BC_* commands. */
static int kb_write(const void *buf, size_t len)
{
	struct binder_write_read bwr = {0};
	int fd = kb_fd();

	if (fd < 0)
		return fd;
	bwr.write_buffer = (binder_uintptr_t)(uintptr_t)buf;
	bwr.write_size = len;
	while (bwr.write_consumed < bwr.write_size)
		if (ioctl(fd, BINDER_WRITE_READ, &bwr) < 0 && errno != EINTR)
			return -errno;
	return 0;
}

/* One BC_* command with a payload of @size bytes. */
static int kb_cmd(uint32_t cmd, const void *payload, size_t size)
{
	uint8_t buf[4 + sizeof(struct binder_transaction_data)];

	memcpy(buf, &cmd, 4);
	memcpy(buf + 4, payload, size);
	return kb_write(buf, 4 + size);
}

static int kb_cmd_ptr_cookie(uint32_t cmd, binder_uintptr_t ptr, binder_uintptr_t cookie)
{
	struct binder_ptr_cookie pc = {.ptr = ptr, .cookie = cookie};

	return kb_cmd(cmd, &pc, sizeof(pc));
}

int binder_driver_become_context_manager(AIBinder *binder)
{
	int fd = kb_fd(), zero = 0;

	if (fd < 0)
		return fd;
	if (!binder || binder->ops)
		return -EINVAL;
	if (ioctl(fd, BINDER_SET_CONTEXT_MGR, &zero) < 0)
		return -errno;
	AIBinder_incStrong(binder);
	pthread_mutex_lock(&proc.lock);
	proc.context_mgr = binder;
	pthread_mutex_unlock(&proc.lock);
	return 0;
}

/* ------------------------------------------------------------------ local nodes */

int kbinder_flatten(AIBinder *binder, struct flat_binder_object *obj)
{
	if (binder->ops == &kb_proxy_ops) {
		obj->hdr.type = BINDER_TYPE_HANDLE;
		obj->handle = ((struct kb_ref *)binder->priv)->handle;
		return 0;
	}
	if (binder->ops)
		return -EINVAL; /* a proxy of another transport */
	obj->hdr.type = BINDER_TYPE_BINDER;
	obj->flags = FLAT_BINDER_FLAG_ACCEPTS_FDS;
	obj->binder = (binder_uintptr_t)(uintptr_t)binder;
	obj->cookie = (binder_uintptr_t)(uintptr_t)binder;
	return 0;
}

/*
 * A new node for @ptr/@cookie if a parcel this thread is sending carries
 * that local object (lock held); NULL if none does.
 */
static struct kb_node *new_node(binder_uintptr_t ptr, binder_uintptr_t cookie)
{
	struct kb_sending *s;
	struct kb_node *n;
	size_t i;

	if (ptr != cookie)
		return NULL;
	for (s = sending; s; s = s->prev)
		for (i = 0; i < s->parcel->nbinders; i++) {
			AIBinder *b = s->parcel->binders[i];

			if (b->ops || (binder_uintptr_t)(uintptr_t)b != ptr)
				continue;
			n = calloc(1, sizeof(*n));
			if (!n)
				return NULL;
			AIBinder_incStrong(b);
			n->binder = b;
			n->next = proc.nodes;
			proc.nodes = n;
			return n;
		}
	return NULL;
}

/* The node for the driver's @ptr/@cookie (lock held), or NULL. */
static struct kb_node *find_node(binder_uintptr_t ptr, binder_uintptr_t cookie)
{
	struct kb_node *n;

	for (n = proc.nodes; n; n = n->next)
		if ((binder_uintptr_t)(uintptr_t)n->binder == ptr && ptr == cookie)
			return n;
	return NULL;
}

static int resolve_local(void *ctx, binder_uintptr_t ptr, binder_uintptr_t cookie, AIBinder **out)
{
	struct kb_node *n;

	(void)ctx;
	pthread_mutex_lock(&proc.lock);
	n = find_node(ptr, cookie);
	if (n)
		AIBinder_incStrong(n->binder);
	pthread_mutex_unlock(&proc.lock);
	if (!n)
		return -EINVAL;
	*out = n->binder;
	return 0;
}

/* BR_INCREFS, BR_ACQUIRE, BR_RELEASE, BR_DECREFS on one of our nodes. */
static void node_count(uint32_t cmd, const struct binder_ptr_cookie *pc)
{
	AIBinder *drop = NULL;
	struct kb_node *n, **pp;

	pthread_mutex_lock(&proc.lock);
	n = find_node(pc->ptr, pc->cookie);
	if (!n && (cmd == BR_INCREFS || cmd == BR_ACQUIRE))
		n = new_node(pc->ptr, pc->cookie);
	if (n) {
		if (cmd == BR_INCREFS)
			n->weak++;
		else if (cmd == BR_ACQUIRE)
			n->strong++;
		else if (cmd == BR_RELEASE && n->strong > 0)
			n->strong--;
		else if (cmd == BR_DECREFS && n->weak > 0)
			n->weak--;
		if (n->strong == 0 && n->weak == 0 && (cmd == BR_RELEASE || cmd == BR_DECREFS)) {
			for (pp = &proc.nodes; *pp != n; pp = &(*pp)->next)
				;
			*pp = n->next;
			drop = n->binder;
			free(n);
		}
	} else if (pc->ptr != 0) { /* 0: the context manager's node */
		binder_warn("binder driver: %s for an unknown node 0x%llx", kbinder_cmd_name(cmd),
			    (unsigned long long)pc->ptr);
	}
	pthread_mutex_unlock(&proc.lock);
	/* The driver waits for these acknowledgements, known node or not. */
	if (cmd == BR_INCREFS)
		kb_cmd_ptr_cookie(BC_INCREFS_DONE, pc->ptr, pc->cookie);
	else if (cmd == BR_ACQUIRE)
		kb_cmd_ptr_cookie(BC_ACQUIRE_DONE, pc->ptr, pc->cookie);
	AIBinder_decStrong(drop);
}

/* ------------------------------------------------------------------ handles */

/* A new strong reference on the proxy of @handle, made if needed. */
static int resolve_handle(void *ctx, uint32_t handle, AIBinder **out)
{
	struct {
		uint32_t incref, h1, acquire, h2, death;
		struct binder_handle_cookie hc;
	} __attribute__((packed)) cmds;
	struct kb_ref *ref;
	AIBinder *proxy = NULL;
	int r = 0;

	(void)ctx;
	pthread_mutex_lock(&proc.lock);
	for (ref = proc.refs; ref; ref = ref->next)
		if (ref->handle == handle && ref->proxy && !ref->dead &&
		    binder_try_inc_strong(ref->proxy)) {
			proxy = ref->proxy;
			break;
		}
	if (!proxy) {
		ref = calloc(1, sizeof(*ref));
		proxy = ref ? binder_new_proxy(&kb_proxy_ops, ref, BINDER_STABILITY_SYSTEM) : NULL;
		if (!proxy) {
			free(ref);
			r = -ENOMEM;
		} else {
			ref->handle = handle;
			ref->proxy = proxy;
			ref->next = proc.refs;
			proc.refs = ref;
			/* A weak and a strong reference, and a death notification. */
			cmds.incref = BC_INCREFS;
			cmds.h1 = handle;
			cmds.acquire = BC_ACQUIRE;
			cmds.h2 = handle;
			cmds.death = BC_REQUEST_DEATH_NOTIFICATION;
			cmds.hc.handle = handle;
			cmds.hc.cookie = (binder_uintptr_t)(uintptr_t)ref;
			r = kb_write(&cmds, sizeof(cmds));
		}
	}
	pthread_mutex_unlock(&proc.lock);
	if (r < 0 && proxy) {
		AIBinder_decStrong(proxy);
		proxy = NULL;
	}
	*out = proxy;
	return r;
}

/* The proxy's last reference went: let the driver's go too. */
static void kb_proxy_release(AIBinder *proxy)
{
	struct kb_ref *ref = proxy->priv;
	struct {
		uint32_t clear;
		struct binder_handle_cookie hc;
		uint32_t release, h1, decref, h2;
	} __attribute__((packed)) cmds;

	pthread_mutex_lock(&proc.lock);
	ref->proxy = NULL; /* freed at BR_CLEAR_DEATH_NOTIFICATION_DONE */
	cmds.clear = BC_CLEAR_DEATH_NOTIFICATION;
	cmds.hc.handle = ref->handle;
	cmds.hc.cookie = (binder_uintptr_t)(uintptr_t)ref;
	cmds.release = BC_RELEASE;
	cmds.h1 = ref->handle;
	cmds.decref = BC_DECREFS;
	cmds.h2 = ref->handle;
	kb_write(&cmds, sizeof(cmds));
	pthread_mutex_unlock(&proc.lock);
}

/* The ref whose address is @cookie (lock held), or NULL. */
static struct kb_ref *find_ref(binder_uintptr_t cookie)
{
	struct kb_ref *ref;

	for (ref = proc.refs; ref; ref = ref->next)
		if ((binder_uintptr_t)(uintptr_t)ref == cookie)
			return ref;
	return NULL;
}

static void dead_binder(binder_uintptr_t cookie)
{
	AIBinder *proxy = NULL;
	struct kb_ref *ref;

	pthread_mutex_lock(&proc.lock);
	ref = find_ref(cookie);
	if (ref) {
		ref->dead = true;
		if (ref->proxy && binder_try_inc_strong(ref->proxy))
			proxy = ref->proxy;
	}
	pthread_mutex_unlock(&proc.lock);
	if (proxy) {
		binder_proxy_died(proxy);
		AIBinder_decStrong(proxy);
	}
	if (ref)
		kb_cmd(BC_DEAD_BINDER_DONE, &cookie, sizeof(cookie));
	else
		binder_warn("binder driver: BR_DEAD_BINDER for an unknown cookie");
}

static void clear_death_done(binder_uintptr_t cookie)
{
	struct kb_ref *ref, **pp;

	pthread_mutex_lock(&proc.lock);
	ref = find_ref(cookie);
	if (ref && !ref->proxy) {
		for (pp = &proc.refs; *pp != ref; pp = &(*pp)->next)
			;
		*pp = ref->next;
		free(ref);
	}
	pthread_mutex_unlock(&proc.lock);
}

/* ------------------------------------------------------------------ transactions */

static const struct kparcel_resolver kb_resolver = {resolve_local, resolve_handle, NULL};

static void kb_parcel_get(void *ctx)
{
	(void)ctx;
}

static const struct parcel_binder_ops kb_parcel_ops = {NULL, NULL, kb_parcel_get, kb_parcel_get};

AParcel *kbinder_new_parcel(void)
{
	return parcel_new(PARCEL_FORMAT_KERNEL, &kb_parcel_ops, &proc, true);
}

static AParcel *kb_new_parcel(AIBinder *proxy)
{
	(void)proxy;
	return kbinder_new_parcel();
}

static bool kb_owns_parcel(AIBinder *proxy, const AParcel *p)
{
	(void)proxy;
	return parcel_is_bound_to(p, &kb_parcel_ops, &proc);
}

static void free_buffer(binder_uintptr_t buffer)
{
	kb_cmd(BC_FREE_BUFFER, &buffer, sizeof(buffer));
}

/*
 * Take a received buffer into @p (checked, copied, objects resolved); the
 * caller frees the driver's buffer afterwards.
 */
static int adopt_buffer(AParcel *p, const struct binder_transaction_data *tr)
{
	size_t n = tr->offsets_size / sizeof(binder_size_t);
	binder_size_t offsets[BINDER_PARCEL_MAX_BINDERS + BINDER_PARCEL_MAX_FDS];
	uint8_t *data;

	if (kbinder_check_buffer((uintptr_t)proc.map, KB_MAP_SIZE, tr) < 0)
		return -EPROTO;
	data = malloc(tr->data_size ? tr->data_size : 1);
	if (!data)
		return -ENOMEM;
	memcpy(data, (const void *)(uintptr_t)tr->data.ptr.buffer, tr->data_size);
	memcpy(offsets, (const void *)(uintptr_t)tr->data.ptr.offsets, tr->offsets_size);
	return kparcel_adopt(p, data, data, tr->data_size, offsets, n, &kb_resolver);
}

/* What a thread waits for while it reads the driver. */
struct kb_wait {
	bool oneway;	/* BR_TRANSACTION_COMPLETE ends it */
	AParcel *reply; /* else BR_REPLY fills this */
	bool done;
	binder_status_t status;
};

static int kb_talk(const void *wbuf, size_t wlen, struct kb_wait *w);

/* Send @p as a transaction (@reply false) or a reply, and wait for it. */
static binder_status_t send_parcel(uint32_t cmd, uint32_t handle, uint32_t code, uint32_t flags,
				   const AParcel *p, struct kb_wait *w)
{
	struct {
		uint32_t cmd;
		struct binder_transaction_data tr;
	} __attribute__((packed)) c;
	binder_size_t *offsets = NULL;
	struct kb_sending me = {p, sending};
	size_t n = 0;
	int r;

	memset(&c, 0, sizeof(c));
	if (p && kparcel_offsets(p, &offsets, &n) < 0)
		return STATUS_NO_MEMORY;
	c.cmd = cmd;
	c.tr.target.handle = handle;
	c.tr.code = code;
	c.tr.flags = flags;
	c.tr.data_size = p ? p->size : 0;
	c.tr.offsets_size = n * sizeof(binder_size_t);
	c.tr.data.ptr.buffer = p ? (binder_uintptr_t)(uintptr_t)p->data : 0;
	c.tr.data.ptr.offsets = (binder_uintptr_t)(uintptr_t)offsets;
	if (p)
		sending = &me;
	r = kb_talk(&c, sizeof(c), w);
	sending = me.prev;
	free(offsets);
	return r < 0 ? r : w->status;
}

/* A reply carrying only @status (TF_STATUS_CODE), as libbinder sends errors. */
static void send_status_reply(binder_status_t status)
{
	struct {
		uint32_t cmd;
		struct binder_transaction_data tr;
	} __attribute__((packed)) c;
	struct kb_wait w = {.oneway = true};

	memset(&c, 0, sizeof(c));
	c.cmd = BC_REPLY;
	c.tr.flags = TF_STATUS_CODE;
	c.tr.data_size = sizeof(status);
	c.tr.data.ptr.buffer = (binder_uintptr_t)(uintptr_t)&status;
	kb_talk(&c, sizeof(c), &w);
}

/* BR_TRANSACTION: run it on its object and reply (unless oneway). */
static void run_transaction(const struct binder_transaction_data *tr)
{
	bool oneway = tr->flags & TF_ONE_WAY;
	AParcel *in = kb_new_parcel(NULL), *out = NULL;
	AIBinder *target = NULL;
	binder_status_t r = STATUS_NO_MEMORY;
	struct kb_calling saved = calling;

	if (in)
		r = adopt_buffer(in, tr);
	if (r == STATUS_OK) {
		if (tr->target.ptr == 0) {
			pthread_mutex_lock(&proc.lock);
			target = proc.context_mgr;
			AIBinder_incStrong(target);
			pthread_mutex_unlock(&proc.lock);
			r = target ? STATUS_OK : STATUS_BAD_VALUE;
		} else {
			r = resolve_local(NULL, tr->target.ptr, tr->cookie, &target);
		}
		if (r != STATUS_OK)
			binder_warn("binder driver: a transaction for an unknown object");
	} else {
		binder_warn("binder driver: dropping a malformed transaction (%d)", r);
	}
	free_buffer(tr->data.ptr.buffer);
	if (r == STATUS_OK) {
		out = kb_new_parcel(NULL); /* a oneway call's reply is dropped */
		calling.in_call = true;
		calling.pid = tr->sender_pid;
		calling.uid = tr->sender_euid;
		r = out ? binder_dispatch(target, tr->code, in, out, tr->flags) : STATUS_NO_MEMORY;
		calling = saved;
	}
	if (!oneway) {
		struct kb_wait w = {.oneway = true};

		if (r == STATUS_OK)
			send_parcel(BC_REPLY, 0, 0, TF_ACCEPT_FDS, out, &w);
		else
			send_status_reply(r);
	}
	AParcel_delete(out);
	AParcel_delete(in);
	AIBinder_decStrong(target);
}

/* BR_REPLY for @w. */
static void take_reply(const struct binder_transaction_data *tr, struct kb_wait *w)
{
	int32_t status;

	w->done = true;
	if (tr->flags & TF_STATUS_CODE) {
		if (kbinder_check_buffer((uintptr_t)proc.map, KB_MAP_SIZE, tr) < 0 ||
		    tr->data_size != sizeof(status)) {
			w->status = STATUS_BAD_VALUE;
		} else {
			memcpy(&status, (const void *)(uintptr_t)tr->data.ptr.buffer,
			       sizeof(status));
			w->status = status == STATUS_OK ? STATUS_UNKNOWN_ERROR : status;
		}
	} else if (!w->reply) {
		w->status = STATUS_OK; /* a reply to a oneway call: ignored */
	} else {
		w->status = adopt_buffer(w->reply, tr);
	}
	free_buffer(tr->data.ptr.buffer);
}

static void *looper_main(void *arg);

/* One command that arrived; 0 or -EPROTO. */
static int run_cmd(const struct kbinder_cmd *c, struct kb_wait *w)
{
	pthread_attr_t attr;
	pthread_t t;

	switch (c->cmd) {
	case BR_NOOP:
	case BR_OK:
	case BR_FINISHED:
	case BR_ONEWAY_SPAM_SUSPECT:
		return 0;
	case BR_ERROR:
		binder_warn("binder driver: BR_ERROR %d", c->u.error);
		return 0;
	case BR_TRANSACTION_COMPLETE:
		if (w && w->oneway)
			w->done = true;
		return 0;
	case BR_REPLY:
		if (!w) {
			binder_warn("binder driver: a reply nobody waits for");
			free_buffer(c->u.tr.data.ptr.buffer);
			return 0;
		}
		take_reply(&c->u.tr, w);
		return 0;
	case BR_DEAD_REPLY:
	case BR_FAILED_REPLY:
	case BR_FROZEN_REPLY:
		if (w) {
			w->done = true;
			w->status = c->cmd == BR_DEAD_REPLY ? STATUS_DEAD_OBJECT
							    : STATUS_FAILED_TRANSACTION;
		}
		return 0;
	case BR_TRANSACTION:
		run_transaction(&c->u.tr);
		return 0;
	case BR_INCREFS:
	case BR_ACQUIRE:
	case BR_RELEASE:
	case BR_DECREFS:
		node_count(c->cmd, &c->u.ref);
		return 0;
	case BR_DEAD_BINDER:
		dead_binder(c->u.cookie);
		return 0;
	case BR_CLEAR_DEATH_NOTIFICATION_DONE:
		clear_death_done(c->u.cookie);
		return 0;
	case BR_SPAWN_LOOPER:
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, looper_main, (void *)0) != 0)
			binder_warn("binder driver: cannot start a looper thread");
		pthread_attr_destroy(&attr);
		return 0;
	}
	return -EPROTO;
}

/*
 * Write @wbuf (if any), then read and run commands until @w is done (or
 * forever for a looper, @w NULL).  0, or a negative errno if the driver
 * fails or talks nonsense.
 */
static int kb_talk(const void *wbuf, size_t wlen, struct kb_wait *w)
{
	uint8_t rbuf[256];
	struct binder_write_read bwr = {0};
	struct kbinder_cmd c;
	size_t pos;
	int fd = kb_fd(), r;

	if (fd < 0)
		return fd;
	bwr.write_buffer = (binder_uintptr_t)(uintptr_t)wbuf;
	bwr.write_size = wlen;
	for (;;) {
		bwr.read_buffer = (binder_uintptr_t)(uintptr_t)rbuf;
		bwr.read_size = sizeof(rbuf);
		bwr.read_consumed = 0;
		if (ioctl(fd, BINDER_WRITE_READ, &bwr) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (bwr.read_consumed > sizeof(rbuf))
			return -EPROTO;
		for (pos = 0; (r = kbinder_next_cmd(rbuf, bwr.read_consumed, &pos, &c)) == 0;)
			if (run_cmd(&c, w) < 0)
				return -EPROTO;
		if (r != -ENODATA) {
			binder_err("binder driver: a malformed command stream");
			return r;
		}
		if (w && w->done)
			return 0;
	}
}

static binder_status_t kb_proxy_transact(AIBinder *proxy, transaction_code_t code,
					 const AParcel *in, AParcel *out, binder_flags_t flags)
{
	struct kb_ref *ref = proxy->priv;
	bool oneway = flags & FLAG_ONEWAY;
	struct kb_wait w = {.oneway = oneway, .reply = oneway ? NULL : out};
	binder_status_t r;

	if (atomic_load(&proxy->dead))
		return STATUS_DEAD_OBJECT;
	r = send_parcel(BC_TRANSACTION, ref->handle, code,
			TF_ACCEPT_FDS | (oneway ? TF_ONE_WAY : 0), in, &w);
	return r;
}

static const struct binder_proxy_ops kb_proxy_ops = {
    kb_proxy_transact,
    kb_new_parcel,
    kb_owns_parcel,
    kb_proxy_release,
};

AIBinder *kbinder_context_object(void)
{
	AIBinder *b = NULL;

	if (kb_fd() < 0 || resolve_handle(NULL, 0, &b) < 0)
		return NULL;
	return b;
}

/* ------------------------------------------------------------------ threads */

static void looper(bool main_thread)
{
	uint32_t cmd = main_thread ? BC_ENTER_LOOPER : BC_REGISTER_LOOPER;
	int r = kb_talk(&cmd, sizeof(cmd), NULL);

	binder_err("binder driver: looper thread ends: %s", strerror(-r));
	cmd = BC_EXIT_LOOPER;
	kb_write(&cmd, sizeof(cmd));
}

static void *looper_main(void *arg)
{
	looper(arg != NULL);
	return NULL;
}

bool ABinderProcess_setThreadPoolMaxThreadCount(uint32_t numThreads)
{
	int fd = kb_fd();

	return fd >= 0 && ioctl(fd, BINDER_SET_MAX_THREADS, &numThreads) == 0;
}

void ABinderProcess_startThreadPool(void)
{
	pthread_attr_t attr;
	pthread_t t;
	bool start;

	if (kb_fd() < 0)
		return;
	pthread_mutex_lock(&proc.lock);
	start = !proc.pool_started;
	proc.pool_started = true;
	pthread_mutex_unlock(&proc.lock);
	if (!start)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, looper_main, (void *)1) != 0)
		binder_err("binder driver: cannot start the thread pool");
	pthread_attr_destroy(&attr);
}

void ABinderProcess_joinThreadPool(void)
{
	if (kb_fd() >= 0)
		looper(true);
}

uid_t AIBinder_getCallingUid(void)
{
	return calling.in_call ? calling.uid : geteuid();
}

pid_t AIBinder_getCallingPid(void)
{
	return calling.in_call ? calling.pid : getpid();
}
