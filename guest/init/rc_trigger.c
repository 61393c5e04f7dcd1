/* rc_trigger.c - the trigger engine; see rc_trigger.h. */
#include "rc_trigger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum event_kind { EVENT_NAMED, EVENT_PROPERTY, EVENT_ALL_PROPERTIES };

struct rc_event {
	enum event_kind kind;
	char *name;
	char *value;
};

void rc_trigger_init(struct rc_trigger *t, const struct rc_script *script, rc_prop_get_fn get,
		     void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->script = script;
	t->get = get;
	t->ctx = ctx;
}

void rc_trigger_free(struct rc_trigger *t)
{
	size_t i;

	for (i = t->head; i < t->tail; i++) {
		free(t->queue[i].name);
		free(t->queue[i].value);
	}
	free(t->queue);
	free(t->current);
	memset(t, 0, sizeof(*t));
}

static int push(struct rc_trigger *t, enum event_kind kind, const char *name, const char *value)
{
	struct rc_event ev = {kind, NULL, NULL};

	if (t->head == t->tail)
		t->head = t->tail = 0;
	if (t->tail == t->cap) {
		/* Reuse the consumed front before growing. */
		if (t->head > 0) {
			memmove(t->queue, t->queue + t->head,
				(t->tail - t->head) * sizeof(*t->queue));
			t->tail -= t->head;
			t->head = 0;
		} else {
			size_t cap = t->cap ? t->cap * 2 : 16;
			struct rc_event *q = realloc(t->queue, cap * sizeof(*q));

			if (!q)
				return -ENOMEM;
			t->queue = q;
			t->cap = cap;
		}
	}
	if (name && !(ev.name = strdup(name)))
		return -ENOMEM;
	if (value && !(ev.value = strdup(value))) {
		free(ev.name);
		return -ENOMEM;
	}
	t->queue[t->tail++] = ev;
	return 0;
}

int rc_trigger_queue_event(struct rc_trigger *t, const char *name)
{
	return push(t, EVENT_NAMED, name, NULL);
}

int rc_trigger_property_changed(struct rc_trigger *t, const char *name, const char *value)
{
	if (!t->props_enabled)
		return 0;
	return push(t, EVENT_PROPERTY, name, value);
}

int rc_trigger_enable_properties(struct rc_trigger *t)
{
	t->props_enabled = true;
	return push(t, EVENT_ALL_PROPERTIES, NULL, NULL);
}

static bool value_matches(const char *want, const char *value)
{
	if (!value || !*value)
		return false;
	return strcmp(want, "*") == 0 || strcmp(want, value) == 0;
}

/*
 * Do @a's property conditions hold?  A condition on @changed is checked
 * against @changed_value instead of the store (and must exist when
 * @changed is not NULL).
 */
static bool conditions_hold(const struct rc_trigger *t, const struct rc_action *a,
			    const char *changed, const char *changed_value)
{
	bool saw_changed = false;
	size_t i;

	for (i = 0; i < a->nconds; i++) {
		const struct rc_prop_cond *c = &a->conds[i];
		const char *value;

		if (changed && strcmp(c->name, changed) == 0) {
			saw_changed = true;
			value = changed_value;
		} else {
			value = t->get(t->ctx, c->name);
		}
		if (!value_matches(c->value, value))
			return false;
	}
	return !changed || saw_changed;
}

static bool matches(const struct rc_trigger *t, const struct rc_action *a,
		    const struct rc_event *ev)
{
	switch (ev->kind) {
	case EVENT_NAMED:
		return a->event && strcmp(a->event, ev->name) == 0 &&
		       conditions_hold(t, a, NULL, NULL);
	case EVENT_PROPERTY:
		return !a->event && conditions_hold(t, a, ev->name, ev->value);
	default: /* EVENT_ALL_PROPERTIES */
		return !a->event && a->nconds && conditions_hold(t, a, NULL, NULL);
	}
}

/* Take the next queued entry and pick its actions; false if none is left. */
static bool take_event(struct rc_trigger *t)
{
	struct rc_event ev;
	size_t i;

	t->ncurrent = t->cur_action = t->cur_cmd = 0;
	if (t->head == t->tail)
		return false;
	ev = t->queue[t->head++];
	if (t->current_cap < t->script->nactions) {
		const struct rc_action **cur =
		    realloc(t->current, t->script->nactions * sizeof(*cur));

		if (cur) {
			t->current = cur;
			t->current_cap = t->script->nactions;
		}
	}
	for (i = 0; i < t->script->nactions && i < t->current_cap; i++) {
		const struct rc_action *a = &t->script->actions[i];

		if (a->ncmds && matches(t, a, &ev))
			t->current[t->ncurrent++] = a;
	}
	free(ev.name);
	free(ev.value);
	return true;
}

const struct rc_command *rc_trigger_next(struct rc_trigger *t, const struct rc_action **action)
{
	for (;;) {
		while (t->cur_action < t->ncurrent) {
			const struct rc_action *a = t->current[t->cur_action];

			if (t->cur_cmd < a->ncmds) {
				if (action)
					*action = a;
				return &a->cmds[t->cur_cmd++];
			}
			t->cur_action++;
			t->cur_cmd = 0;
		}
		if (!take_event(t))
			return NULL;
	}
}

bool rc_trigger_busy(const struct rc_trigger *t)
{
	size_t i;

	if (t->head != t->tail)
		return true;
	for (i = t->cur_action; i < t->ncurrent; i++) {
		size_t done = i == t->cur_action ? t->cur_cmd : 0;

		if (done < t->current[i]->ncmds)
			return true;
	}
	return false;
}
