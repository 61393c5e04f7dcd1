/*
 * events.c - a VM handle's events: the IVirtualMachineCallback object that
 * virtmgr calls, the link to death that tells a lost session, the queue,
 * and catching up from GET_INFO with what happened before registering.
 *
 * Until the handle has caught up, callbacks are held back (pending), so
 * that events from the info, which happened first, are delivered first.
 * Each event type is delivered at most once, and a life-cycle event that
 * comes after a later one (READY after FINISHED) is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/client/internal.h"

const char *vmclient_event_name(enum vmclient_event_type type)
{
	static const char *const names[] = {"STARTED", "READY", "FINISHED", "ERROR",
					    "CRASHED", "DIED",	"LOST"};

	if ((unsigned int)type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return "UNKNOWN";
}

void vmclient_vm_put(struct vmclient_vm *vm)
{
	if (atomic_fetch_sub(&vm->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&vm->deliver);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->changed);
	if (vm->efd >= 0)
		close(vm->efd);
	free(vm);
}

int vmclient_events_init(struct vmclient_vm *vm)
{
	pthread_condattr_t attr;

	vm->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->efd < 0)
		return -errno;
	pthread_mutex_init(&vm->deliver, NULL);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->changed, &attr);
	pthread_condattr_destroy(&attr);
	vm->state = VM_STATE_STARTING;
	return 0;
}

/* The life-cycle state an event moves to; NOT_STARTED for the others. */
static enum vm_state event_state(enum vmclient_event_type t)
{
	switch (t) {
	case VMCLIENT_EVENT_STARTED:
		return VM_STATE_STARTED;
	case VMCLIENT_EVENT_READY:
		return VM_STATE_READY;
	case VMCLIENT_EVENT_FINISHED:
		return VM_STATE_FINISHED;
	case VMCLIENT_EVENT_DIED:
		return VM_STATE_DEAD;
	default:
		return VM_STATE_NOT_STARTED;
	}
}

/* Under vm->lock: is @ev new and in order? */
static bool wanted(const struct vmclient_vm *vm, const struct vmclient_event *ev)
{
	enum vm_state to = event_state(ev->type);

	if (vm->detached || vm->seen[ev->type] || vm->seen[VMCLIENT_EVENT_DIED] ||
	    vm->seen[VMCLIENT_EVENT_LOST])
		return false;
	return to == VM_STATE_NOT_STARTED || to > vm->state;
}

/* Under vm->lock: keep the eventfd readable exactly while there is news. */
static void update_fd(struct vmclient_vm *vm)
{
	eventfd_t v;

	if (vm->count || vm->last_taken)
		eventfd_write(vm->efd, 1);
	else
		eventfd_read(vm->efd, &v);
}

static void deliver_locked(struct vmclient_vm *vm, const struct vmclient_event *ev)
{
	enum vm_state to = event_state(ev->type);
	struct vmclient_callbacks cb;
	bool go;

	pthread_mutex_lock(&vm->lock);
	go = wanted(vm, ev) && vm->count < VMCLIENT_QUEUE_MAX;
	if (go) {
		vm->seen[ev->type] = true;
		if (to != VM_STATE_NOT_STARTED)
			vm->state = to;
		vm->queue[(vm->head + vm->count++) % VMCLIENT_QUEUE_MAX] = *ev;
		update_fd(vm);
		pthread_cond_broadcast(&vm->changed);
	}
	cb = vm->cb;
	pthread_mutex_unlock(&vm->lock);
	if (go && cb.on_event)
		cb.on_event(vm, ev, cb.arg);
}

void vmclient_deliver(struct vmclient_vm *vm, const struct vmclient_event *ev)
{
	pthread_mutex_lock(&vm->deliver);
	if (vm->caught_up || ev->type == VMCLIENT_EVENT_LOST)
		deliver_locked(vm, ev);
	else if (vm->npending < VMCLIENT_QUEUE_MAX)
		vm->pending[vm->npending++] = *ev;
	pthread_mutex_unlock(&vm->deliver);
}

static void add(struct vmclient_event *evs, size_t *n, enum vmclient_event_type t, int32_t value,
		const char *message)
{
	struct vmclient_event *ev = &evs[(*n)++];

	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	ev->value = value;
	if (message)
		snprintf(ev->message, sizeof(ev->message), "%s", message);
}

void vmclient_catch_up(struct vmclient_vm *vm, const struct vm_info_parcel *info)
{
	struct vmclient_event evs[6];
	size_t n = 0;
	bool started = info->state >= VM_STATE_STARTED && info->state != VM_STATE_DEAD;

	/* A dead VM's payload had started if it finished or crashed. */
	if (info->payload_exit_code >= 0 || info->payload_signal > 0)
		started = true;
	if (started)
		add(evs, &n, VMCLIENT_EVENT_STARTED, 0, NULL);
	if (info->state == VM_STATE_READY)
		add(evs, &n, VMCLIENT_EVENT_READY, 0, NULL);
	if (info->payload_exit_code >= 0)
		add(evs, &n, VMCLIENT_EVENT_FINISHED, info->payload_exit_code, NULL);
	if (info->payload_signal > 0)
		add(evs, &n, VMCLIENT_EVENT_CRASHED, info->payload_signal, NULL);
	if (info->error_code >= 0)
		add(evs, &n, VMCLIENT_EVENT_ERROR, info->error_code, info->error_message);
	if (info->state == VM_STATE_DEAD)
		add(evs, &n, VMCLIENT_EVENT_DIED, info->death_reason, NULL);

	pthread_mutex_lock(&vm->deliver);
	for (size_t i = 0; i < n; i++)
		deliver_locked(vm, &evs[i]);
	vm->caught_up = true;
	for (size_t i = 0; i < vm->npending; i++)
		deliver_locked(vm, &vm->pending[i]);
	vm->npending = 0;
	pthread_mutex_unlock(&vm->deliver);
}

/* The CLOCK_MONOTONIC time @ms from now into @t (now for @ms <= 0). */
static void deadline_after(int ms, struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	if (ms <= 0)
		return;
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int vmclient_vm_next_event(struct vmclient_vm *vm, struct vmclient_event *ev, int timeout_ms)
{
	struct timespec deadline;
	int err = 0;

	deadline_after(timeout_ms, &deadline);
	pthread_mutex_lock(&vm->lock);
	while (!vm->count && !vm->last_taken && !err) {
		if (timeout_ms == 0)
			err = -ETIMEDOUT;
		else if (timeout_ms < 0)
			pthread_cond_wait(&vm->changed, &vm->lock);
		else
			err = -pthread_cond_timedwait(&vm->changed, &vm->lock, &deadline);
	}
	if (vm->count) {
		err = 0;
		*ev = vm->queue[vm->head];
		vm->head = (vm->head + 1) % VMCLIENT_QUEUE_MAX;
		vm->count--;
		if (ev->type == VMCLIENT_EVENT_DIED || ev->type == VMCLIENT_EVENT_LOST)
			vm->last_taken = true;
	} else if (vm->last_taken) {
		err = -ENODATA;
	}
	update_fd(vm);
	pthread_mutex_unlock(&vm->lock);
	return err;
}

int vmclient_vm_event_fd(const struct vmclient_vm *vm)
{
	return vm->efd;
}

/* Under vm->lock: did the VM reach @state (DEAD: is it dead)? */
static bool reached(const struct vmclient_vm *vm, enum vm_state state)
{
	switch (state) {
	case VM_STATE_STARTED:
		return vm->seen[VMCLIENT_EVENT_STARTED] || vm->seen[VMCLIENT_EVENT_READY] ||
		       vm->seen[VMCLIENT_EVENT_FINISHED];
	case VM_STATE_READY:
		return vm->seen[VMCLIENT_EVENT_READY];
	case VM_STATE_FINISHED:
		return vm->seen[VMCLIENT_EVENT_FINISHED];
	case VM_STATE_DEAD:
		return vm->seen[VMCLIENT_EVENT_DIED];
	default:
		return true; /* NOT_STARTED, STARTING: a handle exists only after that */
	}
}

int vmclient_vm_wait_state(struct vmclient_vm *vm, enum vm_state state, int timeout_ms)
{
	struct timespec deadline;
	int err = 0;

	deadline_after(timeout_ms, &deadline);
	pthread_mutex_lock(&vm->lock);
	for (;;) {
		if (reached(vm, state)) {
			err = 0;
			break;
		}
		if (vm->seen[VMCLIENT_EVENT_DIED]) {
			err = -ESRCH;
			break;
		}
		if (vm->seen[VMCLIENT_EVENT_LOST]) {
			err = -EPIPE;
			break;
		}
		if (err)
			break;
		if (timeout_ms < 0)
			pthread_cond_wait(&vm->changed, &vm->lock);
		else
			err = -pthread_cond_timedwait(&vm->changed, &vm->lock, &deadline);
	}
	pthread_mutex_unlock(&vm->lock);
	return err;
}

/* ---------------------------------------------------- the callback object */

static void *cb_create(void *args)
{
	struct vmclient_vm *vm = args;

	atomic_fetch_add(&vm->refs, 1);
	return vm;
}

static void cb_destroy(void *data)
{
	vmclient_vm_put(data);
}

/* Read one callback's arguments into @ev; STATUS_BAD_VALUE for values out of range. */
static binder_status_t read_event(transaction_code_t code, const AParcel *in,
				  struct vmclient_event *ev)
{
	int32_t cid, value = 0;
	char *msg = NULL;
	int32_t len;
	binder_status_t r;

	memset(ev, 0, sizeof(*ev));
	if ((r = AParcel_readInt32(in, &cid)))
		return r;
	switch (code) {
	case IVMCB_ON_PAYLOAD_STARTED:
		ev->type = VMCLIENT_EVENT_STARTED;
		return STATUS_OK;
	case IVMCB_ON_PAYLOAD_READY:
		ev->type = VMCLIENT_EVENT_READY;
		return STATUS_OK;
	case IVMCB_ON_PAYLOAD_FINISHED:
	case IVMCB_ON_PAYLOAD_CRASHED:
	case IVMCB_ON_DIED:
	case IVMCB_ON_ERROR:
		if ((r = AParcel_readInt32(in, &value)))
			return r;
		break;
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
	ev->value = value;
	if (code == IVMCB_ON_PAYLOAD_FINISHED) {
		ev->type = VMCLIENT_EVENT_FINISHED;
		return value < 0 || value > 255 ? STATUS_BAD_VALUE : STATUS_OK;
	}
	if (code == IVMCB_ON_PAYLOAD_CRASHED) {
		ev->type = VMCLIENT_EVENT_CRASHED;
		return value < 1 || value > 64 ? STATUS_BAD_VALUE : STATUS_OK;
	}
	if (code == IVMCB_ON_DIED) {
		ev->type = VMCLIENT_EVENT_DIED;
		return value < 0 ? STATUS_BAD_VALUE : STATUS_OK;
	}
	ev->type = VMCLIENT_EVENT_ERROR;
	if ((r = AParcel_readStringDup(in, &msg, &len)))
		return r;
	snprintf(ev->message, sizeof(ev->message), "%s", msg ? msg : "");
	free(msg);
	return STATUS_OK;
}

static binder_status_t cb_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	struct vmclient_vm *vm = AIBinder_getUserData(self);
	struct vmclient_event ev;
	binder_status_t r;

	(void)out;
	r = read_event(code, in, &ev);
	if (r == STATUS_OK)
		vmclient_deliver(vm, &ev);
	return r;
}

static AIBinder_Class *cb_clazz;
static AIBinder_DeathRecipient *lost_recipient;

static void lost(void *cookie)
{
	struct vmclient_event ev = {.type = VMCLIENT_EVENT_LOST};

	vmclient_deliver(cookie, &ev);
}

static void unlinked(void *cookie)
{
	vmclient_vm_put(cookie);
}

static void define_classes(void)
{
	cb_clazz = AIBinder_Class_define(IVIRTUALMACHINECALLBACK_DESCRIPTOR, cb_create, cb_destroy,
					 cb_transact);
	lost_recipient = AIBinder_DeathRecipient_new(lost);
	if (lost_recipient)
		AIBinder_DeathRecipient_setOnUnlinked(lost_recipient, unlinked);
}

AIBinder *vmclient_callback_new(struct vmclient_vm *vm)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, define_classes);
	return cb_clazz ? AIBinder_new(cb_clazz, vm) : NULL;
}

int vmclient_watch_lost(struct vmclient_vm *vm)
{
	binder_status_t r;

	if (!lost_recipient)
		return -ENOMEM;
	atomic_fetch_add(&vm->refs, 1);
	r = AIBinder_linkToDeath(vm->vm, lost_recipient, vm);
	if (r != STATUS_OK) {
		vmclient_vm_put(vm);
		return r == STATUS_DEAD_OBJECT ? -EPIPE : r;
	}
	return 0;
}

void vmclient_unwatch_lost(struct vmclient_vm *vm)
{
	AIBinder_unlinkToDeath(vm->vm, lost_recipient, vm);
}
