/*
 * service.h - service supervision: starting, stopping, reaping and
 * restarting the services of init.rc, and the commands of `exec`.
 *
 * A service runs its program in a new session (its own process group)
 * with stdin on /dev/null and stdout and stderr on a pipe that init reads
 * and logs line by line under the service's name (only to the kernel log
 * with stdio_to_kmsg).  It gets a fresh environment: PATH, the extra
 * variables of service_table_init(), then its setenv options.  It drops
 * to its group, supplementary groups and user before exec.
 *
 * States, published in the property init.svc.NAME by the state hook:
 *   stopped     not running
 *   running     its process is alive
 *   stopping    sent SIGTERM by `stop`; SIGKILL follows after the kill
 *               timeout
 *   restarting  exited on its own; starts again at its last start plus
 *               restart_period (so a crashing service starts at most once a
 *               period)
 *
 * When a service's process ends, init reports how ("service 'foo' (pid
 * 12) exited with status 3", "... killed by signal 11 (SIGSEGV)") and
 * SIGKILLs what is left of its process group.  A oneshot service then
 * stays stopped; others restart.  A critical service that exits
 * CRITICAL_EXITS times within CRITICAL_WINDOW_MS calls the critical hook
 * (init reboots) instead of restarting.
 *
 * Processes init did not start (orphans reparented to it) are reaped and
 * logged at debug level.
 */
#ifndef MICRODROID_INIT_SERVICE_H
#define MICRODROID_INIT_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/common/error.h"
#include "loop.h"
#include "rc_parse.h"

#define CRITICAL_EXITS 4
#define CRITICAL_WINDOW_MS (4 * 60 * 1000)
#define SERVICE_PATH "/system/bin:/bin:/usr/bin:/sbin:/usr/sbin"

enum service_state {
	SVC_STOPPED,
	SVC_RUNNING,
	SVC_STOPPING,
	SVC_RESTARTING,
};

struct service {
	const struct rc_service *def;
	struct rc_service *owned_def; /* exec commands own their definition */
	bool is_exec;
	enum service_state state;
	pid_t pid;
	int64_t start_ms;
	int64_t deadline_ms;	       /* restart (restarting) or SIGKILL (stopping); -1 none */
	uint64_t start_seq;	       /* order of the last start, for shutdown */
	int64_t exits[CRITICAL_EXITS]; /* times of the last exits, for critical */
	unsigned nexits;
	bool restart_when_stopped; /* `restart` of a running service */
	bool disabled;		   /* class_start passes it by (`disabled`, or stopped) */
};

struct svc_output;

struct service_hooks {
	void *ctx;
	/* After any change of state (init.svc.NAME, the end of an exec). */
	void (*state_changed)(void *ctx, struct service *svc);
	/* A critical service exited too often. */
	void (*critical)(void *ctx, struct service *svc);
	/* Expand ${...} in an argument: 0 and a new string, or -errno with @msg. */
	int (*expand)(void *ctx, const char *in, char **out, char *msg, size_t cap);
};

struct service_table {
	struct service **v;
	size_t n;
	struct loop *loop;
	struct service_hooks hooks;
	char **env; /* the environment every service starts with */
	size_t nenv;
	uint64_t next_seq;
	int64_t kill_timeout_ms; /* between SIGTERM and SIGKILL */
	bool shutting_down;	 /* no more starts or restarts */
	struct svc_output *outputs;
};

/*
 * Set up @t.  @extra_env (may be NULL) is a NULL-terminated list of
 * "NAME=VALUE" added to every service's environment after PATH.
 * Returns 0 or -ENOMEM.
 */
int service_table_init(struct service_table *t, struct loop *loop,
		       const struct service_hooks *hooks, char *const *extra_env,
		       int64_t kill_timeout_ms);

/* Free @t and its services (does not stop them) and close their output pipes. */
void service_table_free(struct service_table *t);

/* Add a service for @def (owned by the caller, outliving @t).  NULL: no memory. */
struct service *service_add(struct service_table *t, const struct rc_service *def);

/* The service named @name, or NULL (exec commands are not found). */
struct service *service_find(const struct service_table *t, const char *name);

/*
 * Start @svc if it is not running (a pending restart happens now).
 * Returns 0 or -errno with a reason in @e.
 */
int service_start(struct service_table *t, struct service *svc, struct error *e);

/* SIGTERM @svc's process group (SIGKILL after the kill timeout). */
void service_stop(struct service_table *t, struct service *svc);

/* Stop @svc and start it again once it has exited (or now if not running). */
int service_restart(struct service_table *t, struct service *svc, struct error *e);

/*
 * Start every service of class @cls that is not disabled and not running;
 * service_class_stop stops every one of the class.  Start failures are
 * logged.  A service is disabled by its `disabled` option or by a stop;
 * service_start() enables it again.
 */
void service_class_start(struct service_table *t, const char *cls);
void service_class_stop(struct service_table *t, const char *cls);

/*
 * Run @argv (argv[0] an absolute path) as user @uid, group @gid and
 * @groups, like a oneshot service that goes away when it exits.  Returns
 * the running service or NULL with a reason in @e.
 */
struct service *service_exec(struct service_table *t, int argc, char **argv, uint32_t uid,
			     uint32_t gid, const uint32_t *groups, size_t ngroups, struct error *e);

/* Reap every child that has exited (call on SIGCHLD). */
void service_reap(struct service_table *t);

/* The earliest restart or kill deadline, or -1. */
int64_t service_next_deadline(const struct service_table *t);

/* Do the restarts and kills that are due at @now_ms. */
void service_run_timers(struct service_table *t, int64_t now_ms);

/* "stopped", "running", "stopping" or "restarting". */
const char *service_state_name(enum service_state s);

/* The name of @svc (for exec commands, their program's path). */
const char *service_name(const struct service *svc);

/* Whether @svc has a live process. */
bool service_alive(const struct service *svc);

/*
 * Shutdown: stop services one at a time in reverse order of their last
 * start: SIGTERM, wait (running @t's loop) up to @timeout_ms for it to
 * exit, else SIGKILL it; then the next one.  So a service still has the
 * services started before it while it stops, and the whole takes at most
 * about (@timeout_ms + 1 s) per service.  No service starts or restarts
 * afterwards.  Returns the number of services that had to be killed.
 */
int service_shutdown_all(struct service_table *t, int64_t timeout_ms);

/*
 * The output pipe of a service (service_output.c).  svc_output_open
 * makes the pipe, watches its read end in @t's loop and returns the write
 * end for the child in *write_fd; lines are logged under @tag.
 */
int svc_output_open(struct service_table *t, const char *tag, bool kmsg_only, int *write_fd);
/* Log what is readable now on every output pipe, then close and free them all. */
void svc_output_close_all(struct service_table *t);
/* Log what is readable now on every output pipe. */
void svc_output_drain(struct service_table *t);

#endif
