/*
 * rc_trigger.h - the trigger engine: which actions run, and in what order.
 *
 * A FIFO queue holds events ("boot", from init's boot sequence or a
 * `trigger` command) and property changes.  When the engine takes an entry
 * from the queue it picks, in the order they were parsed, the actions it
 * matches, and hands out their commands one by one; the next entry is
 * taken only when those are done.
 *
 *   - An event matches the actions whose event trigger it is and whose
 *     property conditions all hold at that moment.
 *   - A property change matches the actions with no event trigger that
 *     have a condition on that property which the new value meets, and
 *     whose other conditions hold.  Property changes are only queued once
 *     rc_trigger_enable_properties() has been called; that call queues,
 *     once, every property-only action whose conditions already hold.
 *
 * A condition NAME=VALUE holds when the property equals VALUE; NAME=*
 * holds when it is set and non-empty.
 */
#ifndef MICRODROID_INIT_RC_TRIGGER_H
#define MICRODROID_INIT_RC_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>

#include "rc_expand.h"
#include "rc_parse.h"

struct rc_event;

struct rc_trigger {
	const struct rc_script *script;
	rc_prop_get_fn get;
	void *ctx;
	struct rc_event *queue; /* entries [head, tail) are pending */
	size_t head, tail, cap;
	const struct rc_action **current; /* actions matched by the entry being run */
	size_t ncurrent, cur_action, cur_cmd, current_cap;
	bool props_enabled;
};

/* Set up @t for @script, reading properties through @get. */
void rc_trigger_init(struct rc_trigger *t, const struct rc_script *script, rc_prop_get_fn get,
		     void *ctx);
void rc_trigger_free(struct rc_trigger *t);

/* Queue the event @name.  0 or -ENOMEM. */
int rc_trigger_queue_event(struct rc_trigger *t, const char *name);

/* Queue the change of @name to @value (ignored until enabled).  0 or -ENOMEM. */
int rc_trigger_property_changed(struct rc_trigger *t, const char *name, const char *value);

/* Start queueing property changes; queue the property actions that hold now. */
int rc_trigger_enable_properties(struct rc_trigger *t);

/*
 * The next command to run, or NULL when nothing is left.  @action (may
 * be NULL) receives the action it belongs to.
 */
const struct rc_command *rc_trigger_next(struct rc_trigger *t, const struct rc_action **action);

/* Whether anything is queued or left to run (rc_trigger_next() may return a command). */
bool rc_trigger_busy(const struct rc_trigger *t);

#endif
