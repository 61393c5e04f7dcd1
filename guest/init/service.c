/* service.c - service supervision; see service.h. */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* How long a shutdown waits for SIGKILLed services to be reaped. */
#define SHUTDOWN_REAP_MS 1000

int service_table_init(struct service_table *t, struct loop *loop,
		       const struct service_hooks *hooks, char *const *extra_env,
		       int64_t kill_timeout_ms)
{
	size_t n = 0, i;

	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->hooks = *hooks;
	t->kill_timeout_ms = kill_timeout_ms;
	while (extra_env && extra_env[n])
		n++;
	t->env = calloc(n + 2, sizeof(*t->env));
	if (!t->env)
		return -ENOMEM;
	t->env[0] = strdup("PATH=" SERVICE_PATH);
	for (i = 0; t->env[i] && i < n; i++)
		t->env[i + 1] = strdup(extra_env[i]);
	t->nenv = n + 1;
	if (!t->env[i]) {
		rc_strv_free(t->env, t->nenv);
		t->env = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void service_free(struct service *svc)
{
	rc_service_free(svc->owned_def);
	free(svc);
}

void service_table_free(struct service_table *t)
{
	size_t i;

	svc_output_close_all(t);
	for (i = 0; i < t->n; i++)
		service_free(t->v[i]);
	free(t->v);
	rc_strv_free(t->env, t->nenv);
	memset(t, 0, sizeof(*t));
}

struct service *service_add(struct service_table *t, const struct rc_service *def)
{
	struct service **v = realloc(t->v, sizeof(*v) * (t->n + 1));
	struct service *svc;

	if (!v)
		return NULL;
	t->v = v;
	svc = calloc(1, sizeof(*svc));
	if (!svc)
		return NULL;
	svc->def = def;
	svc->deadline_ms = -1;
	svc->disabled = def->flags & RC_SVC_DISABLED;
	t->v[t->n++] = svc;
	return svc;
}

static void table_remove(struct service_table *t, struct service *svc)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i] == svc) {
			memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
			t->n--;
			break;
		}
	}
	service_free(svc);
}

struct service *service_find(const struct service_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!t->v[i]->is_exec && strcmp(t->v[i]->def->name, name) == 0)
			return t->v[i];
	}
	return NULL;
}

const char *service_state_name(enum service_state s)
{
	static const char *const names[] = {"stopped", "running", "stopping", "restarting"};

	return names[s];
}

const char *service_name(const struct service *svc)
{
	return svc->def->name;
}

bool service_alive(const struct service *svc)
{
	return svc->pid > 0;
}

/* "service 'foo'" or "exec '/bin/foo'", for log lines. */
static const char *kind(const struct service *svc)
{
	return svc->is_exec ? "exec" : "service";
}

static void set_state(struct service_table *t, struct service *svc, enum service_state state)
{
	svc->state = state;
	if (t->hooks.state_changed)
		t->hooks.state_changed(t->hooks.ctx, svc);
}

/* In the child: drop privileges, set up stdio and exec.  Never returns. */
static void child_exec(const struct rc_service *d, char **argv, char **envp, int out_fd)
{
	sigset_t none;
	int null;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	if ((d->ngroups || geteuid() == 0) && setgroups(d->ngroups, d->groups) < 0) {
		dprintf(STDERR_FILENO, "cannot set groups: %s\n", strerror(errno));
		_exit(127);
	}
	if (d->gid != getgid() && setgid(d->gid) < 0) {
		dprintf(STDERR_FILENO, "cannot set group %u: %s\n", d->gid, strerror(errno));
		_exit(127);
	}
	if (d->uid != getuid() && setuid(d->uid) < 0) {
		dprintf(STDERR_FILENO, "cannot set user %u: %s\n", d->uid, strerror(errno));
		_exit(127);
	}
	execve(argv[0], argv, envp);
	dprintf(STDERR_FILENO, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The tag of @svc's output lines: its name, or its program's file name. */
static const char *output_tag(const struct service *svc)
{
	const char *slash;

	if (!svc->is_exec)
		return svc->def->name;
	slash = strrchr(svc->def->argv[0], '/');
	return slash ? slash + 1 : svc->def->argv[0];
}

static int spawn(struct service_table *t, struct service *svc, char **argv, struct error *e)
{
	const struct rc_service *d = svc->def;
	char **envp = calloc(t->nenv + d->nenv + 1, sizeof(*envp));
	int out_fd, r;
	pid_t pid;

	if (!envp)
		return error_set(e, -ENOMEM, "out of memory");
	memcpy(envp, t->env, t->nenv * sizeof(*envp));
	if (d->nenv)
		memcpy(envp + t->nenv, d->env, d->nenv * sizeof(*envp));
	r = svc_output_open(t, output_tag(svc), d->flags & RC_SVC_STDIO_TO_KMSG, &out_fd);
	if (r < 0) {
		free(envp);
		return error_set(e, r, "output pipe: %s", strerror(-r));
	}
	pid = fork();
	if (pid == 0)
		child_exec(d, argv, envp, out_fd);
	r = -errno;
	close(out_fd);
	free(envp);
	if (pid < 0)
		return error_set(e, r, "fork: %s", strerror(-r));
	svc->pid = pid;
	return 0;
}

/* ${...}-expand @svc's arguments into a new NULL-terminated vector. */
static char **expand_args(struct service_table *t, const struct service *svc, struct error *e)
{
	const struct rc_service *d = svc->def;
	char **argv = calloc((size_t)d->argc + 1, sizeof(*argv));
	char msg[256];
	int i, r;

	if (!argv) {
		error_set(e, -ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < d->argc; i++) {
		if (!strstr(d->argv[i], "${") || !t->hooks.expand)
			r = (argv[i] = strdup(d->argv[i])) ? 0 : -ENOMEM;
		else
			r = t->hooks.expand(t->hooks.ctx, d->argv[i], &argv[i], msg, sizeof(msg));
		if (r < 0) {
			error_set(e, r, "%s", r == -ENOMEM ? "out of memory" : msg);
			rc_strv_free(argv, (size_t)i);
			return NULL;
		}
	}
	return argv;
}

static int start_now(struct service_table *t, struct service *svc, struct error *e)
{
	char **argv;
	int r;

	if (t->shutting_down)
		return error_set(e, -ECANCELED, "init is shutting down");
	argv = expand_args(t, svc, e);
	if (!argv)
		return -EINVAL;
	r = spawn(t, svc, argv, e);
	rc_strv_free(argv, (size_t)svc->def->argc);
	if (r < 0)
		return r;
	svc->start_ms = loop_now_ms();
	svc->start_seq = ++t->next_seq;
	svc->deadline_ms = -1;
	log_info("%s '%s' started (pid %d)", kind(svc), service_name(svc), (int)svc->pid);
	set_state(t, svc, SVC_RUNNING);
	return 0;
}

int service_start(struct service_table *t, struct service *svc, struct error *e)
{
	svc->disabled = false;
	switch (svc->state) {
	case SVC_RUNNING:
		return 0;
	case SVC_STOPPING:
		svc->restart_when_stopped = true;
		return 0;
	default:
		return start_now(t, svc, e);
	}
}

/*
 * Signal @svc's process group, or its process if it has not made its
 * group yet (the child calls setsid() first thing).  Only for a live,
 * unreaped process, whose pid cannot have been reused.
 */
static void signal_group(const struct service *svc, int sig)
{
	if (svc->pid > 0 && kill(-svc->pid, sig) < 0)
		kill(svc->pid, sig);
}

void service_stop(struct service_table *t, struct service *svc)
{
	svc->disabled = true;
	svc->restart_when_stopped = false;
	switch (svc->state) {
	case SVC_RESTARTING:
		svc->deadline_ms = -1;
		set_state(t, svc, SVC_STOPPED);
		break;
	case SVC_RUNNING:
		log_info("stopping %s '%s' (pid %d)", kind(svc), service_name(svc), (int)svc->pid);
		signal_group(svc, SIGTERM);
		svc->deadline_ms = loop_now_ms() + t->kill_timeout_ms;
		set_state(t, svc, SVC_STOPPING);
		break;
	default:
		break;
	}
}

int service_restart(struct service_table *t, struct service *svc, struct error *e)
{
	if (svc->state == SVC_RUNNING || svc->state == SVC_STOPPING) {
		service_stop(t, svc);
		svc->restart_when_stopped = true;
		svc->disabled = false;
		return 0;
	}
	return service_start(t, svc, e);
}

static bool in_class(const struct service *svc, const char *cls)
{
	size_t i;

	if (svc->is_exec)
		return false;
	for (i = 0; i < svc->def->nclasses; i++) {
		if (strcmp(svc->def->classes[i], cls) == 0)
			return true;
	}
	return false;
}

void service_class_start(struct service_table *t, const char *cls)
{
	struct error e;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct service *svc = t->v[i];

		if (!in_class(svc, cls) || svc->disabled || svc->state != SVC_STOPPED)
			continue;
		if (service_start(t, svc, &e) < 0)
			log_error("cannot start service '%s': %s", service_name(svc), e.msg);
	}
}

void service_class_stop(struct service_table *t, const char *cls)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (in_class(t->v[i], cls))
			service_stop(t, t->v[i]);
	}
}

struct service *service_exec(struct service_table *t, int argc, char **argv, uint32_t uid,
			     uint32_t gid, const uint32_t *groups, size_t ngroups, struct error *e)
{
	struct rc_service *d = calloc(1, sizeof(*d));
	struct service *svc;

	if (!d)
		goto nomem;
	d->argc = argc;
	d->argv = rc_strv_copy(argv, (size_t)argc);
	d->name = strdup(argv[0]);
	d->uid = uid;
	d->gid = gid;
	d->flags = RC_SVC_ONESHOT;
	if (ngroups) {
		d->groups = malloc(ngroups * sizeof(*groups));
		if (d->groups) {
			memcpy(d->groups, groups, ngroups * sizeof(*groups));
			d->ngroups = ngroups;
		}
	}
	if (!d->argv || !d->name || (ngroups && !d->groups))
		goto nomem;
	svc = service_add(t, d);
	if (!svc)
		goto nomem;
	svc->owned_def = d;
	svc->is_exec = true;
	if (start_now(t, svc, e) < 0) {
		table_remove(t, svc);
		return NULL;
	}
	return svc;
nomem:
	rc_service_free(d);
	error_set(e, -ENOMEM, "out of memory");
	return NULL;
}

static void describe_status(int status, char *buf, size_t cap)
{
	if (WIFEXITED(status)) {
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(buf, cap, "killed by signal %d (SIG%s)", WTERMSIG(status),
			 abbrev ? abbrev : "?");
	} else {
		snprintf(buf, cap, "ended with wait status %#x", status);
	}
}

/* Record an exit of a critical service; true if it has now exited too often. */
static bool critical_exhausted(struct service *svc, int64_t now)
{
	unsigned i, recent = 0;

	memmove(&svc->exits[1], &svc->exits[0], sizeof(svc->exits) - sizeof(svc->exits[0]));
	svc->exits[0] = now;
	if (svc->nexits < CRITICAL_EXITS)
		svc->nexits++;
	for (i = 0; i < svc->nexits; i++) {
		if (now - svc->exits[i] <= CRITICAL_WINDOW_MS)
			recent++;
	}
	return recent >= CRITICAL_EXITS;
}

static void handle_exit(struct service_table *t, struct service *svc, int status)
{
	bool expected = svc->state == SVC_STOPPING || t->shutting_down;
	int64_t now = loop_now_ms(), at;
	char how[64];

	describe_status(status, how, sizeof(how));
	log_msg(expected || status == 0 ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING, "%s '%s' (pid %d) %s",
		kind(svc), service_name(svc), (int)svc->pid, how);
	/* What the service left behind in its process group goes with it. */
	kill(-svc->pid, SIGKILL);
	svc->pid = 0;
	svc->deadline_ms = -1;
	if (svc->is_exec) {
		set_state(t, svc, SVC_STOPPED);
		if (!t->shutting_down)
			table_remove(t, svc);
		return;
	}
	if (expected || (svc->def->flags & RC_SVC_ONESHOT)) {
		set_state(t, svc, SVC_STOPPED);
		if (svc->restart_when_stopped && !t->shutting_down) {
			struct error e;

			svc->restart_when_stopped = false;
			if (service_start(t, svc, &e) < 0)
				log_error("cannot start service '%s': %s", service_name(svc),
					  e.msg);
		}
		return;
	}
	if ((svc->def->flags & RC_SVC_CRITICAL) && critical_exhausted(svc, now)) {
		log_error("critical service '%s' exited %d times in %d minutes", service_name(svc),
			  CRITICAL_EXITS, CRITICAL_WINDOW_MS / 60000);
		set_state(t, svc, SVC_STOPPED);
		if (t->hooks.critical)
			t->hooks.critical(t->hooks.ctx, svc);
		return;
	}
	at = svc->start_ms + svc->def->restart_period_ms;
	svc->deadline_ms = at > now ? at : now;
	log_info("service '%s' restarts in %lld ms", service_name(svc),
		 (long long)(svc->deadline_ms - now));
	set_state(t, svc, SVC_RESTARTING);
}

static struct service *find_pid(const struct service_table *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i]->pid == pid)
			return t->v[i];
	}
	return NULL;
}

void service_reap(struct service_table *t)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct service *svc = find_pid(t, pid);
		char how[64];

		if (svc) {
			handle_exit(t, svc, status);
			continue;
		}
		describe_status(status, how, sizeof(how));
		log_debug("reaped orphan pid %d (%s)", (int)pid, how);
	}
}

int64_t service_next_deadline(const struct service_table *t)
{
	int64_t best = -1;
	size_t i;

	for (i = 0; i < t->n; i++) {
		int64_t d = t->v[i]->deadline_ms;

		if (d >= 0 && (best < 0 || d < best))
			best = d;
	}
	return best;
}

void service_run_timers(struct service_table *t, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct service *svc = t->v[i];
		struct error e;

		if (svc->deadline_ms < 0 || svc->deadline_ms > now_ms)
			continue;
		svc->deadline_ms = -1;
		if (svc->state == SVC_STOPPING) {
			log_warning("%s '%s' (pid %d) did not stop in %lld ms; killing it",
				    kind(svc), service_name(svc), (int)svc->pid,
				    (long long)t->kill_timeout_ms);
			signal_group(svc, SIGKILL);
		} else if (svc->state == SVC_RESTARTING && start_now(t, svc, &e) < 0) {
			log_error("cannot restart service '%s': %s", service_name(svc), e.msg);
			set_state(t, svc, SVC_STOPPED);
		}
	}
}

static int by_start_desc(const void *a, const void *b)
{
	const struct service *x = *(struct service *const *)a, *y = *(struct service *const *)b;

	return x->start_seq < y->start_seq ? 1 : x->start_seq > y->start_seq ? -1 : 0;
}

/* Run the loop until @svc has no process or @deadline passes. */
static void wait_for_exit(struct service_table *t, struct service *svc, int64_t deadline)
{
	int64_t now;

	while (service_alive(svc) && (now = loop_now_ms()) < deadline)
		loop_wait(t->loop, loop_timeout_until(deadline, now));
}

int service_shutdown_all(struct service_table *t, int64_t timeout_ms)
{
	struct service **order;
	size_t i, n = t->n;
	int killed = 0;

	t->shutting_down = true;
	order = malloc(sizeof(*order) * (n ? n : 1));
	if (!order)
		n = 0; /* no memory: straight to SIGKILL below */
	else if (n)
		memcpy(order, t->v, sizeof(*order) * n);
	qsort(order, n, sizeof(*order), by_start_desc);
	for (i = 0; i < n; i++) {
		struct service *svc = order[i];

		if (svc->state == SVC_RESTARTING) {
			svc->deadline_ms = -1;
			set_state(t, svc, SVC_STOPPED);
		}
		if (!service_alive(svc))
			continue;
		log_info("stopping %s '%s' (pid %d)", kind(svc), service_name(svc), (int)svc->pid);
		signal_group(svc, SIGTERM);
		svc->deadline_ms = -1;
		set_state(t, svc, SVC_STOPPING);
		wait_for_exit(t, svc, loop_now_ms() + timeout_ms);
		if (service_alive(svc)) {
			log_warning("%s '%s' (pid %d) did not stop in time; killing it", kind(svc),
				    service_name(svc), (int)svc->pid);
			signal_group(svc, SIGKILL);
			killed++;
			wait_for_exit(t, svc, loop_now_ms() + SHUTDOWN_REAP_MS);
		}
	}
	free(order);
	/* Anything left (no memory for the order above, or a process that cannot die). */
	for (i = 0; i < t->n; i++) {
		if (service_alive(t->v[i])) {
			signal_group(t->v[i], SIGKILL);
			killed++;
		}
	}
	return killed;
}
