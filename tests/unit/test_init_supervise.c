/*
 * test_init_supervise - the real init binary's second stage, run as PID 1
 * of a new PID and mount namespace (unshare), with test init.rc files and
 * init_test_helper as the services: starting, output logging, restarts
 * with their period, oneshot, exec, critical services rebooting, stop
 * with SIGTERM then SIGKILL, and shutdown in reverse start order through
 * sys.powerctl.  init runs in its test mode: it records the poweroff or
 * reboot in a file and exits.
 *
 * As root the namespace is required (the test fails without it); as
 * another user, where unshare is refused, init runs as a child subreaper
 * instead and the test says so.
 *
 * Environment (set by meson): INIT_BIN, INIT_HELPER, SETPROP_BIN,
 * GETPROP_BIN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest/libprop/properties.h"

#define KILL_TIMEOUT_MS 300

static const char *init_bin, *helper_bin, *setprop_bin, *getprop_bin;

struct run {
	char dir[64];
	char rc[128], sock[128], log[128], kmsg[128], console[128], power[128], cmdline[128],
	    out[128];
	pid_t pid;
	bool namespaced;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The whole file, or "" (a static buffer, overwritten by the next call). */
static const char *slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = 0;

	buf[0] = '\0';
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

/* Wait until @path holds @needle at least @times times. */
static bool wait_for(const char *path, const char *needle, int times, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (count(slurp(path), needle) < times) {
		if (now_ms() > deadline)
			return false;
		usleep(10 * 1000);
	}
	return true;
}

/* Substitute @DIR@, @HELPER@, @SETPROP@ and @GETPROP@ in @text. */
static void write_rc(struct run *r, const char *text)
{
	FILE *f = fopen(r->rc, "w");
	const char *p;

	assert_non_null(f);
	for (p = text; *p; p++) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			fputs(r->dir, f);
			p += 4;
		} else if (strncmp(p, "@HELPER@", 8) == 0) {
			fprintf(f, "%s", helper_bin);
			p += 7;
		} else if (strncmp(p, "@LOG@", 5) == 0) {
			fputs(r->log, f);
			p += 4;
		} else if (strncmp(p, "@SETPROP@", 9) == 0) {
			fputs(setprop_bin, f);
			p += 8;
		} else if (strncmp(p, "@GETPROP@", 9) == 0) {
			fputs(getprop_bin, f);
			p += 8;
		} else {
			fputc(*p, f);
		}
	}
	fclose(f);
}

/* In the child: exec init with the run's files. */
static void exec_init(struct run *r)
{
	char timeout[16];
	int fd = open(r->out, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	snprintf(timeout, sizeof(timeout), "%d", KILL_TIMEOUT_MS);
	execl(init_bin, init_bin, "second_stage", "--rc", r->rc, "--socket", r->sock, "--cmdline",
	      r->cmdline, "--kmsg", r->kmsg, "--console", r->console, "--power-record", r->power,
	      "--kill-timeout-ms", timeout, (char *)NULL);
	_exit(127);
}

/*
 * Run init for @rc.  A child unshares the PID and mount namespaces and
 * forks init, which is then PID 1; the child waits for it and exits with
 * its status.  Both die with the test (PR_SET_PDEATHSIG).
 */
static void start_init(struct run *r, const char *rc)
{
	FILE *f;

	memset(r, 0, sizeof(*r));
	strcpy(r->dir, "/tmp/init-supervise-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	assert_int_equal(chmod(r->dir, 0755), 0);
	snprintf(r->rc, sizeof(r->rc), "%s/test.rc", r->dir);
	snprintf(r->sock, sizeof(r->sock), "%s/socket/property_service", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/helper.log", r->dir);
	snprintf(r->kmsg, sizeof(r->kmsg), "%s/kmsg", r->dir);
	snprintf(r->console, sizeof(r->console), "%s/console", r->dir);
	snprintf(r->power, sizeof(r->power), "%s/power", r->dir);
	snprintf(r->cmdline, sizeof(r->cmdline), "%s/cmdline", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/init.out", r->dir);
	write_rc(r, rc);
	f = fopen(r->cmdline, "w");
	assert_non_null(f);
	fprintf(f, "console=hvc0 androidboot.test=yes\n");
	fclose(f);
	setenv(PROPERTY_SOCKET_ENV, r->sock, 1);

	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		pid_t init_pid;
		int status;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0) {
			fprintf(stderr, "unshare: %s; running init as a child subreaper\n",
				strerror(errno));
			exec_init(r);
		}
		/* Mounts made by init stay in its namespace. */
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		init_pid = fork();
		if (init_pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			exec_init(r);
		}
		if (init_pid < 0 || waitpid(init_pid, &status, 0) < 0)
			_exit(126);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	/* Up when its property service answers. */
	assert_true(wait_for(r->console, "second stage", 1, 5000));
	r->namespaced = strstr(slurp(r->console), "(subreaper)") == NULL;
	if (geteuid() == 0)
		assert_true(r->namespaced);
	else if (!r->namespaced)
		print_message("not root: init runs as a subreaper, not as PID 1\n");
}

/* Wait for init to exit; returns its exit status. */
static int wait_exit(struct run *r, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t p = waitpid(r->pid, &status, WNOHANG);

		if (p == r->pid)
			break;
		if (now_ms() > deadline) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			print_message("init did not exit; its console:\n%s\n", slurp(r->console));
			fail();
		}
		usleep(10 * 1000);
	}
	r->pid = 0;
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void finish(struct run *r)
{
	char cmd[128];

	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	assert_int_equal(system(cmd), 0);
}

static void assert_prop(const char *name, const char *want)
{
	char value[PROP_VALUE_MAX];

	assert_int_equal(property_wait(name, want, 5000), 0);
	assert_true(property_get(name, value, NULL) >= 0);
	assert_string_equal(value, want);
}

/* Start order: first, second, orphaner (class main), then late; stop in reverse. */
static void test_start_and_shutdown_order(void **state)
{
	static const char rc[] = "on early-init\n"
				 "    loglevel 7\n"
				 "on init\n"
				 "    mkdir @DIR@/mnt 0700\n"
				 "    mount tmpfs tmpfs @DIR@/mnt nosuid nodev mode=0755\n"
				 "    write @DIR@/mnt/inside yes\n"
				 "on boot\n"
				 "    class_start main\n"
				 "    start late\n"
				 "service first @HELPER@ serve @LOG@ first\n"
				 "    class main\n"
				 "service second @HELPER@ serve @LOG@ second\n"
				 "    class main\n"
				 "service late @HELPER@ serve @LOG@ late\n"
				 "    disabled\n"
				 "service off @HELPER@ serve @LOG@ off\n"
				 "    class main\n"
				 "    disabled\n"
				 "service orphaner @HELPER@ orphan @LOG@ orphaner\n"
				 "    class main\n"
				 "    oneshot\n";
	struct run r;
	const char *log, *t1, *t2, *t3;
	char path[160];

	(void)state;
	start_init(&r, rc);
	assert_prop("sys.boot_completed", "1");
	assert_true(wait_for(r.log, "start late", 1, 5000));
	assert_prop("init.svc.first", "running");
	assert_prop("init.svc.late", "running");
	assert_prop("init.svc.orphaner", "stopped");
	assert_prop("ro.boot.test", "yes");
	/* The orphan left behind is reaped by init. */
	assert_true(wait_for(r.console, "reaped orphan pid", 1, 5000));
	/* Services' output, line by line under their names. */
	assert_true(wait_for(r.console, "first: hello from first\n", 1, 5000));
	assert_true(wait_for(r.console, "first: error from first\n", 1, 5000));
	assert_true(wait_for(r.kmsg, "<6>second: hello from second\n", 1, 5000));
	/* init's mount stayed in its namespace. */
	snprintf(path, sizeof(path), "%s/mnt/inside", r.dir);
	if (r.namespaced)
		assert_int_equal(access(path, F_OK), -1);
	assert_null(strstr(slurp(r.console), "failed"));

	assert_int_equal(property_set("sys.powerctl", "shutdown,test"), 0);
	assert_int_equal(wait_exit(&r, 10000), 0);
	assert_string_equal(slurp(r.power), "poweroff,test\n");
	log = slurp(r.log);
	assert_int_equal(count(log, "start off"), 0);
	t1 = strstr(log, "term late");
	t2 = strstr(log, "term second");
	t3 = strstr(log, "term first");
	assert_non_null(t1);
	assert_non_null(t2);
	assert_non_null(t3);
	assert_true(t1 < t2 && t2 < t3);
	assert_non_null(strstr(slurp(r.console), "service 'late' (pid "));
	finish(&r);
}

/*
 * An .rc that queues `boot` itself from late-init, as Android's does: the
 * sequence must not wait for a boot step it already ran.
 */
static void test_boot_triggered_from_late_init(void **state)
{
	static const char rc[] = "on late-init\n"
				 "    trigger boot\n"
				 "on boot\n"
				 "    setprop test.boot.ran yes\n";
	struct run r;

	(void)state;
	start_init(&r, rc);
	assert_prop("test.boot.ran", "yes");
	assert_prop("sys.boot_completed", "1");
	assert_int_equal(count(slurp(r.console), "boot: boot\n"), 0); /* not queued twice */
	assert_int_equal(property_set("sys.powerctl", "shutdown"), 0);
	assert_int_equal(wait_exit(&r, 10000), 0);
	finish(&r);
}

/* When init forked each start of @name in @log (ms since boot), at most
 * @max.  The fork time, not the time the helper ran: under load, exec
 * can take longer than the restart period itself. */
static int fork_times(const char *log, const char *name, long long *out, int max)
{
	char needle[64];
	const char *p = log;
	long long now, forked;
	int n = 0;

	snprintf(needle, sizeof(needle), "start %s ", name);
	while (n < max && (p = strstr(p, needle))) {
		p += strlen(needle);
		assert_int_equal(sscanf(p, "%lld %lld", &now, &forked), 2);
		assert_true(forked >= 0);
		out[n++] = forked;
	}
	return n;
}

static void test_restart_period(void **state)
{
	static const char rc[] = "on boot\n"
				 "    start flaky\n"
				 "service flaky @HELPER@ exit @LOG@ flaky 3\n"
				 "    restart_period 0.2\n";
	struct run r;
	long long t[8];
	int n, i;

	(void)state;
	start_init(&r, rc);
	assert_true(wait_for(r.log, "start flaky", 5, 5000));
	n = fork_times(slurp(r.log), "flaky", t, 8);
	for (i = 1; i < n; i++) {
		print_message("restart %d after %lld ms\n", i, t[i] - t[i - 1]);
		/* 200 ms after init's start time; fork times come in 10 ms
		 * ticks and init takes a moment from that time to fork. */
		assert_true(t[i] - t[i - 1] >= 180);
		assert_true(t[i] - t[i - 1] < 1000);
	}
	assert_non_null(strstr(slurp(r.console), "exited with status 3"));
	assert_non_null(strstr(slurp(r.console), "service 'flaky' restarts in "));
	assert_int_equal(property_set("sys.powerctl", "shutdown"), 0);
	assert_int_equal(wait_exit(&r, 10000), 0);
	assert_string_equal(slurp(r.power), "poweroff\n");
	finish(&r);
}

static void test_oneshot_exec_and_tools(void **state)
{
	static const char rc[] = "on boot\n"
				 "    start once\n"
				 "    exec -- @HELPER@ exit @LOG@ exec1 0\n"
				 "    exec -- @SETPROP@ test.after.exec yes\n"
				 "    exec -- @GETPROP@ test.after.exec\n"
				 "    exec -- @SETPROP@ bad..name x\n"
				 "on property:test.after.exec=yes\n"
				 "    setprop test.chain ${test.after.exec}-chained\n"
				 "service once @HELPER@ exit @LOG@ once 0\n"
				 "    oneshot\n";
	struct run r;
	const char *console;

	(void)state;
	start_init(&r, rc);
	assert_prop("test.chain", "yes-chained");
	assert_prop("sys.boot_completed", "1");
	assert_prop("init.svc.once", "stopped");
	usleep(300 * 1000);
	assert_int_equal(count(slurp(r.log), "start once"), 1);
	assert_int_equal(count(slurp(r.log), "start exec1"), 1);
	console = slurp(r.console);
	assert_non_null(strstr(console, "getprop: yes\n"));
	assert_non_null(strstr(console, "setprop: bad..name: invalid property name"));
	assert_non_null(strstr(console, "exited with status 1"));
	assert_int_equal(property_set("sys.powerctl", "reboot"), 0);
	assert_int_equal(wait_exit(&r, 10000), 0);
	assert_string_equal(slurp(r.power), "reboot\n");
	finish(&r);
}

static void test_critical_service_reboots(void **state)
{
	static const char rc[] = "on boot\n"
				 "    start crashy\n"
				 "service crashy @HELPER@ crash @LOG@ crashy\n"
				 "    critical\n"
				 "    restart_period 0.05\n";
	struct run r;
	const char *console;

	(void)state;
	start_init(&r, rc);
	assert_int_equal(wait_exit(&r, 10000), 0);
	assert_string_equal(slurp(r.power), "reboot,critical-service:crashy\n");
	assert_int_equal(count(slurp(r.log), "start crashy"), 4);
	console = slurp(r.console);
	assert_int_equal(count(console, "killed by signal 11 (SIGSEGV)"), 4);
	assert_non_null(strstr(console, "critical service 'crashy' exited 4 times in 4 minutes"));
	finish(&r);
}

static void test_stop_kills_what_ignores_sigterm(void **state)
{
	static const char rc[] = "on boot\n"
				 "    start stubborn\n"
				 "    start polite\n"
				 "service stubborn @HELPER@ stubborn @LOG@ stubborn\n"
				 "service polite @HELPER@ serve @LOG@ polite\n";
	struct run r;
	int64_t t0;

	(void)state;
	start_init(&r, rc);
	assert_true(wait_for(r.log, "start stubborn", 1, 5000));
	assert_true(wait_for(r.log, "start polite", 1, 5000));
	assert_int_equal(property_set("ctl.start", "nosuch"), -ESRCH);
	t0 = now_ms();
	assert_int_equal(property_set("ctl.stop", "stubborn"), 0);
	assert_prop("init.svc.stubborn", "stopped");
	assert_true(now_ms() - t0 >= KILL_TIMEOUT_MS - 10);
	assert_non_null(strstr(slurp(r.console), "did not stop in 300 ms; killing it"));
	assert_non_null(strstr(slurp(r.console), "killed by signal 9 (SIGKILL)"));
	/* A stopped service stays stopped; ctl.start brings it back. */
	assert_int_equal(property_set("ctl.start", "stubborn"), 0);
	assert_true(wait_for(r.log, "start stubborn", 2, 5000));
	/* At shutdown it holds the others up for the kill timeout at most. */
	t0 = now_ms();
	assert_int_equal(property_set("sys.powerctl", "shutdown"), 0);
	assert_int_equal(wait_exit(&r, 10000), 0);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(slurp(r.console), "did not stop in time; killing it"));
	assert_non_null(strstr(slurp(r.log), "term polite"));
	finish(&r);
}

static int find_programs(void **state)
{
	(void)state;
	init_bin = getenv("INIT_BIN");
	helper_bin = getenv("INIT_HELPER");
	setprop_bin = getenv("SETPROP_BIN");
	getprop_bin = getenv("GETPROP_BIN");
	if (!init_bin || !helper_bin || !setprop_bin || !getprop_bin) {
		fprintf(stderr, "set INIT_BIN, INIT_HELPER, SETPROP_BIN and GETPROP_BIN "
				"(meson test does)\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_and_shutdown_order),
	    cmocka_unit_test(test_boot_triggered_from_late_init),
	    cmocka_unit_test(test_restart_period),
	    cmocka_unit_test(test_oneshot_exec_and_tools),
	    cmocka_unit_test(test_critical_service_reboots),
	    cmocka_unit_test(test_stop_kills_what_ignores_sigterm),
	};

	return cmocka_run_group_tests(tests, find_programs, NULL);
}
