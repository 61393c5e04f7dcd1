/*
 * registry.c - android.os.IServiceManager: the names and their binders.
 * addService checks the caller's uid (the driver's sender_euid) against
 * the allowlist; a service whose process dies is dropped (a death
 * recipient on each registered proxy); registerForNotifications'
 * callbacks (android.os.IServiceCallback) hear of each name as it is
 * added.  See servicemanager.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <binder/driver.h>

#include "servicemanager.h"

struct service {
	char *name;
	AIBinder *binder;
	uid_t uid;
	struct service *next;
};

struct callback {
	char *name;
	AIBinder *binder;
	struct callback *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct service *services;
static struct callback *callbacks;
static const struct sm_allowlist *allowlist;
static AIBinder_DeathRecipient *death;
static AIBinder_Class *callback_class;

__attribute__((format(printf, 1, 2))) static void sm_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "servicemanager: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A registered binder's process died: drop every name it had. */
static void service_died(void *cookie)
{
	struct service **pp = &services, *s, *gone = NULL;

	pthread_mutex_lock(&lock);
	while ((s = *pp)) {
		if (s->binder == cookie) {
			*pp = s->next;
			s->next = gone;
			gone = s;
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&lock);
	while ((s = gone)) {
		gone = s->next;
		sm_log("'%s' died (registered by uid %u): removed", s->name, (unsigned)s->uid);
		AIBinder_decStrong(s->binder);
		free(s->name);
		free(s);
	}
}

/* The binder of @name, a new reference, or NULL. */
static AIBinder *lookup(const char *name)
{
	AIBinder *b = NULL;
	struct service *s;

	pthread_mutex_lock(&lock);
	for (s = services; s; s = s->next)
		if (strcmp(s->name, name) == 0) {
			b = s->binder;
			AIBinder_incStrong(b);
			break;
		}
	pthread_mutex_unlock(&lock);
	return b;
}

/* Call onRegistration(@name, @binder) on @cb (oneway).  The call's status. */
static binder_status_t notify(AIBinder *cb, const char *name, AIBinder *binder)
{
	AParcel *in = NULL, *out = NULL;
	binder_status_t r = AIBinder_prepareTransaction(cb, &in);

	if (r == STATUS_OK)
		r = AParcel_writeString(in, name, (int32_t)strlen(name));
	if (r == STATUS_OK)
		r = AParcel_writeStrongBinder(in, binder);
	if (r == STATUS_OK)
		r = AIBinder_transact(cb, ISERVICECALLBACK_ON_REGISTRATION, &in, &out, FLAG_ONEWAY);
	AParcel_delete(in);
	AParcel_delete(out);
	return r;
}

static binder_status_t reply_exception(AParcel *out, binder_exception_t ex, const char *msg)
{
	AStatus *st = AStatus_fromExceptionCodeWithMessage(ex, msg);
	binder_status_t r = AParcel_writeStatusHeader(out, st);

	AStatus_delete(st);
	return r;
}

static binder_status_t reply_ok(AParcel *out)
{
	return reply_exception(out, EX_NONE, NULL);
}

static binder_status_t add_service(const AParcel *in, AParcel *out)
{
	uid_t uid = AIBinder_getCallingUid();
	struct callback *c, *cbs = NULL, *next;
	struct service *s, **pp;
	AIBinder *binder = NULL, *old = NULL;
	char *name = NULL;
	bool isolated;
	int32_t prio;
	binder_status_t r = AParcel_readStringDup(in, &name, NULL);

	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(in, &binder);
	if (r == STATUS_OK)
		r = AParcel_readBool(in, &isolated);
	if (r == STATUS_OK)
		r = AParcel_readInt32(in, &prio);
	if (r != STATUS_OK) {
		free(name);
		AIBinder_decStrong(binder);
		return r;
	}
	if (!name || !sm_name_valid(name) || !binder) {
		r = reply_exception(out, EX_ILLEGAL_ARGUMENT, "bad name or null binder");
		goto done;
	}
	if (!sm_allowlist_permits(allowlist, uid, name)) {
		sm_log("uid %u may not register '%s'", (unsigned)uid, name);
		r = reply_exception(out, EX_SECURITY, "not in servicemanager.allow");
		goto done;
	}
	s = calloc(1, sizeof(*s));
	if (!s || (AIBinder_isRemote(binder) &&
		   AIBinder_linkToDeath(binder, death, binder) != STATUS_OK)) {
		free(s);
		r = reply_exception(out, EX_ILLEGAL_STATE, "the service is dead or memory ran out");
		goto done;
	}
	s->name = name;
	s->binder = binder;
	s->uid = uid;
	name = NULL;
	binder = NULL;
	pthread_mutex_lock(&lock);
	for (pp = &services; *pp && strcmp((*pp)->name, s->name); pp = &(*pp)->next)
		;
	if (*pp) { /* replaced */
		struct service *o = *pp;

		*pp = o->next;
		old = o->binder;
		free(o->name);
		free(o);
	}
	s->next = services;
	services = s;
	/* The callbacks for this name, called after the lock is let go. */
	for (c = callbacks; c; c = c->next)
		if (strcmp(c->name, s->name) == 0) {
			struct callback *copy = calloc(1, sizeof(*copy));

			if (copy) {
				copy->binder = c->binder;
				AIBinder_incStrong(c->binder);
				copy->next = cbs;
				cbs = copy;
			}
		}
	AIBinder_incStrong(s->binder);
	binder = s->binder;
	name = strdup(s->name);
	pthread_mutex_unlock(&lock);
	sm_log("'%s' added by uid %u", name ? name : "?", (unsigned)uid);
	for (c = cbs; c; c = next) {
		next = c->next;
		if (name)
			notify(c->binder, name, binder);
		AIBinder_decStrong(c->binder);
		free(c);
	}
	r = reply_ok(out);
done:
	AIBinder_decStrong(old);
	AIBinder_decStrong(binder);
	free(name);
	return r;
}

static binder_status_t get_service(const AParcel *in, AParcel *out)
{
	char *name = NULL;
	AIBinder *b;
	binder_status_t r = AParcel_readStringDup(in, &name, NULL);

	if (r != STATUS_OK)
		return r;
	b = name ? lookup(name) : NULL;
	free(name);
	r = reply_ok(out);
	if (r == STATUS_OK)
		r = AParcel_writeStrongBinder(out, b);
	AIBinder_decStrong(b);
	return r;
}

static binder_status_t list_services(const AParcel *in, AParcel *out)
{
	struct service *s;
	int32_t prio, n = 0;
	binder_status_t r = AParcel_readInt32(in, &prio);

	if (r != STATUS_OK)
		return r;
	r = reply_ok(out);
	pthread_mutex_lock(&lock);
	for (s = services; s; s = s->next)
		n++;
	if (r == STATUS_OK)
		r = AParcel_writeInt32(out, n);
	for (s = services; r == STATUS_OK && s; s = s->next)
		r = AParcel_writeString(out, s->name, (int32_t)strlen(s->name));
	pthread_mutex_unlock(&lock);
	return r;
}

static binder_status_t register_callback(const AParcel *in, AParcel *out, bool add)
{
	struct callback *c, **pp;
	AIBinder *cb = NULL, *now = NULL;
	char *name = NULL, *key = NULL;
	binder_status_t r = AParcel_readStringDup(in, &name, NULL);

	if (r == STATUS_OK)
		r = AParcel_readStrongBinder(in, &cb);
	if (r == STATUS_OK && (!name || !sm_name_valid(name) || !cb ||
			       !AIBinder_associateClass(cb, callback_class))) {
		r = reply_exception(out, EX_ILLEGAL_ARGUMENT, "bad name or callback");
		goto done;
	}
	if (r != STATUS_OK)
		goto done;
	key = strdup(name);
	pthread_mutex_lock(&lock);
	if (add) {
		c = calloc(1, sizeof(*c));
		if (c) {
			c->name = name;
			c->binder = cb;
			c->next = callbacks;
			callbacks = c;
			name = NULL;
			AIBinder_incStrong(cb);
		}
	} else {
		for (pp = &callbacks; *pp; pp = &(*pp)->next)
			if ((*pp)->binder == cb && strcmp((*pp)->name, name) == 0) {
				c = *pp;
				*pp = c->next;
				AIBinder_decStrong(c->binder);
				free(c->name);
				free(c);
				break;
			}
	}
	pthread_mutex_unlock(&lock);
	/* A name already there is reported at once, as AOSP's does. */
	if (add && !name && key)
		now = lookup(key);
	r = reply_ok(out);
	if (now)
		notify(cb, key, now);
done:
	free(key);
	AIBinder_decStrong(now);
	AIBinder_decStrong(cb);
	free(name);
	return r;
}

static binder_status_t sm_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	(void)self;
	switch (code) {
	case ISERVICEMANAGER_GET_SERVICE:
	case ISERVICEMANAGER_CHECK_SERVICE:
		return get_service(in, out);
	case ISERVICEMANAGER_ADD_SERVICE:
		return add_service(in, out);
	case ISERVICEMANAGER_LIST_SERVICES:
		return list_services(in, out);
	case ISERVICEMANAGER_REGISTER_FOR_NOTIFICATIONS:
		return register_callback(in, out, true);
	case ISERVICEMANAGER_UNREGISTER_FOR_NOTIFICATIONS:
		return register_callback(in, out, false);
	}
	return STATUS_UNKNOWN_TRANSACTION;
}

static void *sm_create(void *args)
{
	return args;
}

static void sm_destroy(void *data)
{
	(void)data;
}

static binder_status_t callback_transact(AIBinder *self, transaction_code_t code, const AParcel *in,
					 AParcel *out)
{
	(void)self, (void)code, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION; /* only a proxy's class: never called */
}

AIBinder *sm_registry_new(const struct sm_allowlist *allow)
{
	AIBinder_Class *c =
	    AIBinder_Class_define(ISERVICEMANAGER_DESCRIPTOR, sm_create, sm_destroy, sm_transact);

	allowlist = allow;
	callback_class = AIBinder_Class_define(ISERVICECALLBACK_DESCRIPTOR, sm_create, sm_destroy,
					       callback_transact);
	death = AIBinder_DeathRecipient_new(service_died);
	if (!c || !callback_class || !death)
		return NULL;
	return AIBinder_new(c, NULL);
}
