/*
 * second_stage.c - init's second stage: the property service, init.rc,
 * the boot sequence and the main loop (see init.h and docs/init.md).
 *
 *   init second_stage [--rc FILE]... [--socket PATH] [--cmdline FILE]
 *                     [--kmsg PATH|none] [--console PATH|none]
 *                     [--kill-timeout-ms N] [--power-record FILE]
 *
 * The options exist for tests; the first stage passes none.
 */
#include "init.h"

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "guest/libprop/prop_wire.h"
#include "log.h"
#include "rc_builtins.h"
#include "rc_expand.h"

#define DEFAULT_KILL_TIMEOUT_MS 3000
#define MAX_RC_OPTIONS 16

/* The boot sequence; NULL steps are init's own (see init.h). */
static const char *const boot_events[] = {"early-init", "init", "late-init", NULL, "boot", NULL};
enum { STEP_PROPERTY_TRIGGERS = 3, STEP_BOOT_COMPLETED = 5, STEPS = 6 };

/* ---- properties ---- */

static const char *get_property(void *ctx, const char *name)
{
	struct init *init = ctx;

	return prop_store_get(init->props, name);
}

static void property_changed(void *ctx, const char *name, const char *value)
{
	struct init *init = ctx;

	if (rc_trigger_property_changed(&init->trigger, name, value) < 0)
		log_error("out of memory: trigger for %s=%s dropped", name, value);
	if (init->prop_service)
		prop_service_notify(init->prop_service, name, value);
}

void init_request_power(struct init *init, enum power_action action, const char *reason)
{
	if (init->power != POWER_NONE)
		return;
	init->power = action;
	snprintf(init->power_reason, sizeof(init->power_reason), "%s", reason);
	log_notice("%s requested%s%s", power_action_name(action), *reason ? ": " : "", reason);
}

/* ctl.start, ctl.stop, ctl.restart: act on service @value. */
static int control(struct init *init, const char *verb, const char *value)
{
	struct service *svc = service_find(&init->services, value);
	struct error e;
	int r = 0;

	if (strcmp(verb, "start") != 0 && strcmp(verb, "stop") != 0 && strcmp(verb, "restart") != 0)
		return -EINVAL;
	if (!svc)
		return -ESRCH;
	log_info("ctl.%s %s", verb, value);
	if (strcmp(verb, "start") == 0)
		r = service_start(&init->services, svc, &e);
	else if (strcmp(verb, "restart") == 0)
		r = service_restart(&init->services, svc, &e);
	else
		service_stop(&init->services, svc);
	if (r < 0)
		log_error("ctl.%s %s: %s", verb, value, e.msg);
	return r;
}

int init_set_property(struct init *init, const char *name, const char *value)
{
	enum power_action action;
	char reason[PROP_VALUE_MAX];
	int r = prop_name_check(name);

	if (r < 0)
		return r;
	if (strncmp(name, "ctl.", 4) == 0)
		return control(init, name + 4, value);
	r = prop_store_set(init->props, name, value);
	if (r < 0 || strcmp(name, "sys.powerctl") != 0)
		return r;
	if (power_parse(value, &action, reason, sizeof(reason)) < 0)
		log_error("sys.powerctl: unknown request '%s' (shutdown or reboot, then ,REASON)",
			  value);
	else
		init_request_power(init, action, reason);
	return 0;
}

static int set_from_client(void *ctx, const char *name, const char *value)
{
	return init_set_property(ctx, name, value);
}

int init_queue_event(struct init *init, const char *name)
{
	size_t i;

	for (i = 0; i < STEPS; i++) {
		if (boot_events[i] && strcmp(boot_events[i], name) == 0)
			init->events_seen |= 1u << i;
	}
	return rc_trigger_queue_event(&init->trigger, name);
}

/* ---- services ---- */

static void service_state_changed(void *ctx, struct service *svc)
{
	struct init *init = ctx;
	char name[PROP_NAME_MAX];

	if (svc->is_exec) {
		if (init->exec_wait == svc && svc->state == SVC_STOPPED)
			init->exec_wait = NULL;
		return;
	}
	snprintf(name, sizeof(name), "init.svc.%s", service_name(svc));
	prop_store_set(init->props, name, service_state_name(svc->state));
}

static void critical_service_failed(void *ctx, struct service *svc)
{
	char reason[PROP_VALUE_MAX];

	snprintf(reason, sizeof(reason), "critical-service:%s", service_name(svc));
	init_request_power(ctx, POWER_REBOOT, reason);
}

static int expand_arg(void *ctx, const char *in, char **out, char *msg, size_t cap)
{
	return rc_expand(in, get_property, ctx, out, msg, cap);
}

static char *expand_import(void *ctx, const char *in, char *msg, size_t cap)
{
	char *out;

	return rc_expand(in, get_property, ctx, &out, msg, cap) < 0 ? NULL : out;
}

/* ---- actions ---- */

static void report_parse_error(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		log_error("%s:%d: %s", file, line, msg);
	else
		log_error("%s: %s", file, msg);
}

/* Run the next command of the current actions, if there is one. */
static void run_one_command(struct init *init)
{
	const struct rc_command *c = rc_trigger_next(&init->trigger, NULL);
	char **argv, msg[256];
	struct error e;
	int i, r = 0;

	if (!c)
		return;
	argv = calloc((size_t)c->argc + 1, sizeof(*argv));
	if (!argv) {
		log_error("%s:%d: %s: out of memory", c->file, c->line, c->argv[0]);
		return;
	}
	for (i = 0; i < c->argc && r == 0; i++) {
		r = rc_expand(c->argv[i], get_property, init, &argv[i], msg, sizeof(msg));
		if (r < 0)
			log_error("%s:%d: %s: %s", c->file, c->line, c->argv[0], msg);
	}
	if (r == 0) {
		log_debug("%s:%d: %s", c->file, c->line, c->argv[0]);
		if (c->builtin->run(init, c->argc, argv, &e) < 0)
			log_error("%s:%d: %s failed: %s", c->file, c->line, c->argv[0], e.msg);
	}
	rc_strv_free(argv, (size_t)i);
}

/*
 * Queue the next steps of the boot sequence while the last one is done.
 * A step can leave nothing to run (an event an action already triggered,
 * say `trigger boot` in late-init, or property triggers no action waits
 * for): then the one after it follows at once, since nothing else would
 * wake the loop for it.
 */
static void advance_boot(struct init *init)
{
	while (init->boot_step < STEPS && !init->exec_wait && !rc_trigger_busy(&init->trigger)) {
		int step = init->boot_step++;

		if (step == STEP_PROPERTY_TRIGGERS) {
			if (rc_trigger_enable_properties(&init->trigger) < 0)
				log_error("out of memory: property triggers not queued");
		} else if (step == STEP_BOOT_COMPLETED) {
			init_set_property(init, "sys.boot_completed", "1");
			log_notice("boot completed: sys.boot_completed=1");
		} else if (!(init->events_seen & (1u << step))) {
			log_info("boot: %s", boot_events[step]);
			if (init_queue_event(init, boot_events[step]) < 0)
				log_error("out of memory: %s not queued", boot_events[step]);
		}
	}
}

/* ---- signals ---- */

static void signal_event(struct loop_watch *w, uint32_t events)
{
	struct init *init = w->ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			service_reap(&init->services);
		else
			init_request_power(init, POWER_OFF,
					   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

static int setup_signals(struct init *init)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	init->signals = (struct loop_watch){.fd = fd, .fn = signal_event, .ctx = init};
	return loop_add(&init->loop, &init->signals, EPOLLIN);
}

/* ---- start-up ---- */

static int usage(void)
{
	fprintf(stderr, "usage: init second_stage [--rc FILE]... [--socket PATH] [--cmdline FILE]\n"
			"                         [--kmsg PATH|none] [--console PATH|none]\n"
			"                         [--kill-timeout-ms N] [--power-record FILE]\n");
	return 2;
}

static const char *none_is_null(const char *s)
{
	return strcmp(s, "none") == 0 ? NULL : s;
}

static int parse_options(int argc, char **argv, struct init_options *opt, const char **rc)
{
	int i;

	*opt = (struct init_options){
	    .rc_paths = rc,
	    .socket_path = PROPERTY_SERVICE_SOCKET,
	    .cmdline_path = "/proc/cmdline",
	    .kmsg_path = "/dev/kmsg",
	    .console_path = "/dev/console",
	    .kill_timeout_ms = DEFAULT_KILL_TIMEOUT_MS,
	};
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return -EINVAL;
		i++;
		if (strcmp(arg, "--rc") == 0 && opt->nrc < MAX_RC_OPTIONS) {
			rc[opt->nrc++] = val;
		} else if (strcmp(arg, "--socket") == 0) {
			opt->socket_path = val;
		} else if (strcmp(arg, "--cmdline") == 0) {
			opt->cmdline_path = val;
		} else if (strcmp(arg, "--kmsg") == 0) {
			opt->kmsg_path = none_is_null(val);
		} else if (strcmp(arg, "--console") == 0) {
			opt->console_path = none_is_null(val);
		} else if (strcmp(arg, "--power-record") == 0) {
			opt->power_record = val;
		} else if (strcmp(arg, "--kill-timeout-ms") == 0) {
			char *end;
			long v = strtol(val, &end, 10);

			if (*end || end == val || v < 0 || v > 600000)
				return -EINVAL;
			opt->kill_timeout_ms = v;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static void cmdline_skipped(void *ctx, const char *key, int err)
{
	(void)ctx;
	log_warning("kernel command line: '%s' ignored: %s", key, property_strerror(err));
}

static void load_cmdline(struct init *init)
{
	struct error e;
	char *text;

	if (cmdline_read(init->opt->cmdline_path, &text, &e) < 0) {
		log_warning("%s; no ro.boot.* properties", e.msg);
		return;
	}
	prop_store_import_cmdline(init->props, text, cmdline_skipped, NULL);
	free(text);
}

/* Create the socket's directory if it is missing (e.g. /dev/socket). */
static void make_socket_dir(const char *path)
{
	char *copy = strdup(path);

	if (copy) {
		mkdir(dirname(copy), 0755);
		free(copy);
	}
}

static int start_services_and_props(struct init *init)
{
	char env[sizeof(PROPERTY_SOCKET_ENV) + 1 + 108], *extra[2] = {NULL, NULL};
	struct service_hooks hooks = {
	    .ctx = init,
	    .state_changed = service_state_changed,
	    .critical = critical_service_failed,
	    .expand = expand_arg,
	};
	struct error e;
	int r;

	/* Services reach a test's socket through the client library's variable. */
	if (strcmp(init->opt->socket_path, PROPERTY_SERVICE_SOCKET) != 0) {
		snprintf(env, sizeof(env), "%s=%s", PROPERTY_SOCKET_ENV, init->opt->socket_path);
		extra[0] = env;
	}
	r = service_table_init(&init->services, &init->loop, &hooks, extra,
			       init->opt->kill_timeout_ms);
	if (r < 0) {
		log_error("out of memory");
		return r;
	}
	make_socket_dir(init->opt->socket_path);
	r = prop_service_start(&init->prop_service, &init->loop, init->opt->socket_path,
			       init->props, set_from_client, init, &e);
	if (r < 0)
		log_error("%s; continuing without it", e.msg);
	return 0;
}

static int load_scripts(struct init *init)
{
	size_t i;
	int r = 0;

	if (init->opt->nrc == 0) {
		r = rc_parse_file(&init->script, INIT_RC_MAIN, expand_import, report_parse_error,
				  init);
		if (r == 0)
			r = rc_parse_file(&init->script, INIT_RC_DIR, expand_import,
					  report_parse_error, init);
	}
	for (i = 0; i < init->opt->nrc && r == 0; i++)
		r = rc_parse_file(&init->script, init->opt->rc_paths[i], expand_import,
				  report_parse_error, init);
	for (i = 0; i < init->script.nservices && r == 0; i++) {
		if (!service_add(&init->services, init->script.services[i]))
			r = -ENOMEM;
	}
	if (r < 0)
		log_error("out of memory while loading init scripts");
	return r;
}

static void main_loop(struct init *init)
{
	while (init->power == POWER_NONE) {
		int64_t now = loop_now_ms();
		int timeout;

		service_run_timers(&init->services, now);
		advance_boot(init);
		if (!init->exec_wait && rc_trigger_busy(&init->trigger))
			timeout = 0;
		else
			timeout = loop_timeout_until(service_next_deadline(&init->services), now);
		loop_wait(&init->loop, timeout);
		if (init->power == POWER_NONE && !init->exec_wait)
			run_one_command(init);
	}
}

/* Stop everything, then power off or reboot (or record it). 0 or 1. */
static int finish(struct init *init)
{
	int killed, r;

	log_notice("shutting down for %s: stopping services", power_action_name(init->power));
	killed = service_shutdown_all(&init->services, init->opt->kill_timeout_ms);
	if (killed)
		log_warning("%d service%s had to be killed", killed, killed == 1 ? "" : "s");
	svc_output_drain(&init->services);
	log_notice("%s%s%s", power_action_name(init->power), *init->power_reason ? ": " : "",
		   init->power_reason);
	r = power_finish(init->power, init->power_reason, init->opt->power_record);
	if (r == -EPERM) {
		log_notice("not PID 1: not calling reboot(2); exiting");
		return 0;
	}
	if (r < 0) {
		log_error("%s failed: %s", power_action_name(init->power), strerror(-r));
		return 1;
	}
	return 0;
}

static void teardown(struct init *init)
{
	prop_service_stop(init->prop_service);
	service_table_free(&init->services);
	rc_trigger_free(&init->trigger);
	rc_script_free(&init->script);
	prop_store_free(init->props);
	if (init->signals.fd >= 0)
		close(init->signals.fd);
	loop_destroy(&init->loop);
	log_close();
}

int second_stage_main(int argc, char **argv)
{
	const char *rc[MAX_RC_OPTIONS];
	struct init_options opt;
	struct init init = {.opt = &opt, .loop = {-1}, .signals = {.fd = -1}};
	int r, status = 1;

	if (parse_options(argc, argv, &opt, rc) < 0)
		return usage();
	log_open(opt.kmsg_path, opt.console_path);
	init.pid1 = getpid() == 1;
	if (!init.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warning("cannot become a child subreaper: %s", strerror(errno));
	umask(022);
	init.props = prop_store_new();
	r = init.props ? loop_init(&init.loop) : -ENOMEM;
	if (r == 0)
		r = setup_signals(&init);
	if (r < 0) {
		log_error("second stage: cannot start: %s", strerror(-r));
		teardown(&init);
		return 1;
	}
	rc_trigger_init(&init.trigger, &init.script, get_property, &init);
	prop_store_on_change(init.props, property_changed, &init);
	load_cmdline(&init);
	if (start_services_and_props(&init) == 0 && load_scripts(&init) == 0) {
		log_info("second stage%s: %zu actions, %zu services",
			 init.pid1 ? "" : " (subreaper)", init.script.nactions,
			 init.script.nservices);
		main_loop(&init);
		status = finish(&init);
	}
	teardown(&init);
	return status;
}
