/*
 * init.h - the second stage's state, shared by second_stage.c (the main
 * loop) and rc_builtins.c (the commands).
 *
 * Boot sequence, driven by init itself: each step is queued when the
 * previous one's actions, and everything they triggered, have run:
 *   early-init -> init -> late-init -> (property triggers on) -> boot
 *   -> sys.boot_completed=1
 * An event of the sequence that an action already triggered (say
 * `trigger boot` in late-init, as Android's init.rc does) is not queued a
 * second time.
 */
#ifndef MICRODROID_INIT_INIT_H
#define MICRODROID_INIT_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "power.h"
#include "property.h"
#include "property_service.h"
#include "rc_parse.h"
#include "rc_trigger.h"
#include "service.h"

/* The main init.rc, and the directory of the others. */
#define INIT_RC_MAIN "/system/etc/init/init.rc"
#define INIT_RC_DIR "/system/etc/init"

struct init_options {
	const char *const *rc_paths; /* none: INIT_RC_MAIN, then INIT_RC_DIR */
	size_t nrc;
	const char *socket_path;  /* PROPERTY_SERVICE_SOCKET */
	const char *cmdline_path; /* /proc/cmdline */
	const char *kmsg_path;	  /* /dev/kmsg; NULL: none */
	const char *console_path; /* /dev/console; NULL: none */
	const char *power_record; /* test mode: see power.h */
	int64_t kill_timeout_ms;  /* SIGTERM to SIGKILL, for stop and shutdown */
};

struct init {
	const struct init_options *opt;
	struct loop loop;
	struct loop_watch signals; /* signalfd */
	struct prop_store *props;
	struct prop_service *prop_service;
	struct rc_script script;
	struct rc_trigger trigger;
	struct service_table services;
	struct service *exec_wait; /* actions wait for this `exec` */
	int boot_step;
	unsigned events_seen; /* boot-sequence events an action triggered */
	bool pid1;
	enum power_action power;
	char power_reason[PROP_VALUE_MAX];
};

/*
 * Set a property as a client's set does: "ctl.start|stop|restart" with a
 * service name acts on the service instead of storing anything;
 * sys.powerctl is stored and requests a shutdown or reboot.  Returns 0 or
 * the negative errno of prop_store_set() (-ESRCH: no such service).
 */
int init_set_property(struct init *init, const char *name, const char *value);

/* Queue event @name (the `trigger` command).  0 or -ENOMEM. */
int init_queue_event(struct init *init, const char *name);

/* Ask the main loop to stop services and then power off or reboot. */
void init_request_power(struct init *init, enum power_action action, const char *reason);

/* The second stage's entry point: `init second_stage [options]`. */
int second_stage_main(int argc, char **argv);

#endif
