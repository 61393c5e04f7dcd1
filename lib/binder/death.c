/*
 * death.c - death recipients: links between proxies and recipients, and
 * running them once when a proxy's process or session dies.
 *
 * A link sits on two lists: its binder's and its recipient's.  One global
 * lock guards every list (links change rarely); callbacks run with no
 * lock held.  A link holds a reference on its recipient, so a recipient
 * deleted while one of its callbacks runs stays valid until the callback
 * returns; a link does not hold its binder (a proxy ends its links when
 * it is freed).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ibinder.h"

struct AIBinder_DeathRecipient {
	atomic_int refs;
	AIBinder_DeathRecipient_onBinderDied on_died;
	_Atomic(AIBinder_DeathRecipient_onBinderUnlinked) on_unlinked;
	struct death_link *links;
};

struct death_link {
	AIBinder *binder;
	AIBinder_DeathRecipient *recipient;
	void *cookie;
	struct death_link *next_of_binder;
	struct death_link *next_of_recipient;
};

static pthread_mutex_t death_lock = PTHREAD_MUTEX_INITIALIZER;

static void recipient_put(AIBinder_DeathRecipient *r)
{
	if (atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

/* Take @l off its recipient's list (death lock held). */
static void unlink_from_recipient(struct death_link *l)
{
	struct death_link **pp = &l->recipient->links;

	while (*pp && *pp != l)
		pp = &(*pp)->next_of_recipient;
	if (*pp)
		*pp = l->next_of_recipient;
}

/* Take @l off its binder's list (death lock held). */
static void unlink_from_binder(struct death_link *l)
{
	struct death_link **pp = &l->binder->links;

	while (*pp && *pp != l)
		pp = &(*pp)->next_of_binder;
	if (*pp)
		*pp = l->next_of_binder;
}

/* A link has ended: run onUnlinked (and onBinderDied first if @died). */
static void link_ended(struct death_link *l, bool died)
{
	AIBinder_DeathRecipient_onBinderUnlinked unlinked = atomic_load(&l->recipient->on_unlinked);

	if (died)
		l->recipient->on_died(l->cookie);
	if (unlinked)
		unlinked(l->cookie);
	recipient_put(l->recipient);
	free(l);
}

AIBinder_DeathRecipient *AIBinder_DeathRecipient_new(AIBinder_DeathRecipient_onBinderDied on_died)
{
	AIBinder_DeathRecipient *r;

	if (!on_died)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	atomic_init(&r->on_unlinked, NULL);
	r->on_died = on_died;
	return r;
}

void AIBinder_DeathRecipient_setOnUnlinked(AIBinder_DeathRecipient *r,
					   AIBinder_DeathRecipient_onBinderUnlinked on_unlinked)
{
	if (r)
		atomic_store(&r->on_unlinked, on_unlinked);
}

void AIBinder_DeathRecipient_delete(AIBinder_DeathRecipient *r)
{
	struct death_link *ended, *l;

	if (!r)
		return;
	pthread_mutex_lock(&death_lock);
	ended = r->links;
	r->links = NULL;
	for (l = ended; l; l = l->next_of_recipient)
		unlink_from_binder(l);
	pthread_mutex_unlock(&death_lock);
	while (ended) {
		l = ended;
		ended = l->next_of_recipient;
		link_ended(l, false);
	}
	recipient_put(r);
}

binder_status_t AIBinder_linkToDeath(AIBinder *b, AIBinder_DeathRecipient *r, void *cookie)
{
	struct death_link *l;

	if (!b || !r)
		return STATUS_BAD_VALUE;
	if (!b->ops)
		return STATUS_INVALID_OPERATION;
	l = calloc(1, sizeof(*l));
	if (!l)
		return STATUS_NO_MEMORY;
	l->binder = b;
	l->recipient = r;
	l->cookie = cookie;
	pthread_mutex_lock(&death_lock);
	if (atomic_load(&b->dead)) {
		pthread_mutex_unlock(&death_lock);
		free(l);
		return STATUS_DEAD_OBJECT;
	}
	atomic_fetch_add(&r->refs, 1);
	l->next_of_binder = b->links;
	b->links = l;
	l->next_of_recipient = r->links;
	r->links = l;
	pthread_mutex_unlock(&death_lock);
	return STATUS_OK;
}

binder_status_t AIBinder_unlinkToDeath(AIBinder *b, AIBinder_DeathRecipient *r, void *cookie)
{
	struct death_link *l;

	if (!b || !r)
		return STATUS_BAD_VALUE;
	if (!b->ops)
		return STATUS_INVALID_OPERATION;
	pthread_mutex_lock(&death_lock);
	for (l = b->links; l && !(l->recipient == r && l->cookie == cookie); l = l->next_of_binder)
		;
	if (!l) {
		pthread_mutex_unlock(&death_lock);
		return atomic_load(&b->dead) ? STATUS_DEAD_OBJECT : STATUS_NAME_NOT_FOUND;
	}
	unlink_from_binder(l);
	unlink_from_recipient(l);
	pthread_mutex_unlock(&death_lock);
	link_ended(l, false);
	return STATUS_OK;
}

/* Detach every link of @b; returns them as a list on next_of_binder. */
static struct death_link *detach_links(AIBinder *b, bool mark_dead)
{
	struct death_link *ended, *l;

	pthread_mutex_lock(&death_lock);
	if (mark_dead && atomic_exchange(&b->dead, true)) {
		pthread_mutex_unlock(&death_lock);
		return NULL; /* recipients already ran */
	}
	ended = b->links;
	b->links = NULL;
	for (l = ended; l; l = l->next_of_binder)
		unlink_from_recipient(l);
	pthread_mutex_unlock(&death_lock);
	return ended;
}

static void end_links(struct death_link *ended, bool died)
{
	struct death_link *l;

	while (ended) {
		l = ended;
		ended = l->next_of_binder;
		link_ended(l, died);
	}
}

void binder_proxy_died(AIBinder *b)
{
	end_links(detach_links(b, true), true);
}

void binder_unlink_all(AIBinder *b)
{
	end_links(detach_links(b, false), false);
}
