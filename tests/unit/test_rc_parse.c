/*
 * Unit tests for the init.rc language (guest/init/rc_parse.c,
 * rc_options.c, rc_values.c, rc_expand.c) and the trigger engine
 * (rc_trigger.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/init/rc_builtins.h"
#include "guest/init/rc_expand.h"
#include "guest/init/rc_parse.h"
#include "guest/init/rc_trigger.h"

/* Diagnostics collected as "file:line: msg", one per line. */
static char diags[8192];

static void collect(void *ctx, const char *file, int line, const char *msg)
{
	size_t n = strlen(diags);

	(void)ctx;
	snprintf(diags + n, sizeof(diags) - n, "%s:%d: %s\n", file, line, msg);
}

static void parse(struct rc_script *s, const char *text)
{
	diags[0] = '\0';
	memset(s, 0, sizeof(*s));
	assert_int_equal(rc_parse_buffer(s, "init.rc", text, strlen(text), collect, NULL), 0);
}

static void assert_argv(const struct rc_command *c, int argc, ...)
{
	va_list ap;
	int i;

	assert_int_equal(c->argc, argc);
	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		assert_string_equal(c->argv[i], va_arg(ap, const char *));
	va_end(ap);
	assert_null(c->argv[argc]);
}

static void test_every_command(void **state)
{
	static const char text[] = "on early-init\n"
				   "    mkdir /data 0771 system system\n"
				   "    mkdir /tmp\n"
				   "    write /proc/sys/kernel/panic 1\n"
				   "    mount tmpfs tmpfs /tmp nosuid nodev mode=0755\n"
				   "    symlink /system/bin /bin\n"
				   "    chmod 0644 /data/x\n"
				   "    chown system system /data/x\n"
				   "    chown root /data/y\n"
				   "    setprop a.b \"two words\"\n"
				   "    start svc\n"
				   "    stop svc\n"
				   "    restart svc\n"
				   "    exec -- /bin/true --flag\n"
				   "    exec u:r:x:s0 shell system shell -- /bin/id\n"
				   "    exec /bin/echo plain\n"
				   "    trigger post-fs\n"
				   "    class_start main\n"
				   "    class_stop main\n"
				   "    loglevel 7\n";
	struct rc_script s;
	const struct rc_action *a;

	(void)state;
	parse(&s, text);
	assert_string_equal(diags, "");
	assert_int_equal(s.nactions, 1);
	a = &s.actions[0];
	assert_string_equal(a->event, "early-init");
	assert_int_equal(a->nconds, 0);
	assert_int_equal(a->ncmds, 19);
	assert_argv(&a->cmds[0], 5, "mkdir", "/data", "0771", "system", "system");
	assert_int_equal(a->cmds[0].line, 2);
	assert_string_equal(a->cmds[0].file, "init.rc");
	assert_ptr_equal(a->cmds[0].builtin, rc_builtin_find("mkdir"));
	assert_argv(&a->cmds[3], 7, "mount", "tmpfs", "tmpfs", "/tmp", "nosuid", "nodev",
		    "mode=0755");
	assert_argv(&a->cmds[8], 3, "setprop", "a.b", "two words");
	assert_argv(&a->cmds[12], 4, "exec", "--", "/bin/true", "--flag");
	assert_argv(&a->cmds[13], 7, "exec", "u:r:x:s0", "shell", "system", "shell", "--",
		    "/bin/id");
	assert_argv(&a->cmds[18], 2, "loglevel", "7");
	assert_int_equal(a->cmds[18].line, 20);
	rc_script_free(&s);
}

static void test_service_options(void **state)
{
	static const char text[] = "service plain /bin/plain\n"
				   "service full /system/bin/full --a \"b c\"\n"
				   "    class core main\n"
				   "    user system\n"
				   "    group shell 1234 nobody\n"
				   "    oneshot\n"
				   "    disabled\n"
				   "    critical\n"
				   "    stdio_to_kmsg\n"
				   "    restart_period 0.25\n"
				   "    setenv HOME /data\n"
				   "    setenv LANG C\n"
				   "    setenv HOME /root\n"
				   "    seclabel u:r:full:s0\n";
	struct rc_script s;
	const struct rc_service *p, *f;

	(void)state;
	parse(&s, text);
	assert_string_equal(diags, "");
	assert_int_equal(s.nservices, 2);
	p = rc_script_service(&s, "plain");
	assert_non_null(p);
	assert_int_equal(p->argc, 1);
	assert_int_equal(p->nclasses, 1);
	assert_string_equal(p->classes[0], "default");
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->flags, 0);
	assert_int_equal(p->restart_period_ms, 5000);

	f = rc_script_service(&s, "full");
	assert_non_null(f);
	assert_int_equal(f->argc, 3);
	assert_string_equal(f->argv[0], "/system/bin/full");
	assert_string_equal(f->argv[2], "b c");
	assert_null(f->argv[3]);
	assert_int_equal(f->nclasses, 2);
	assert_string_equal(f->classes[1], "main");
	assert_int_equal(f->uid, 1000);
	assert_int_equal(f->gid, 2000);
	assert_int_equal(f->ngroups, 2);
	assert_int_equal(f->groups[0], 1234);
	assert_int_equal(f->groups[1], 9999);
	assert_int_equal(f->flags,
			 RC_SVC_ONESHOT | RC_SVC_DISABLED | RC_SVC_CRITICAL | RC_SVC_STDIO_TO_KMSG);
	assert_int_equal(f->restart_period_ms, 250);
	assert_int_equal(f->nenv, 2);
	assert_string_equal(f->env[0], "HOME=/root");
	assert_string_equal(f->env[1], "LANG=C");
	assert_null(rc_script_service(&s, "nope"));
	rc_script_free(&s);
}

static void test_triggers_parsed(void **state)
{
	static const char text[] = "on boot && property:a.b=1 && property:c=*\n"
				   "    setprop x 1\n"
				   "on property:sys.boot_completed=1\n"
				   "    setprop y 1\n";
	struct rc_script s;

	(void)state;
	parse(&s, text);
	assert_string_equal(diags, "");
	assert_int_equal(s.nactions, 2);
	assert_string_equal(s.actions[0].event, "boot");
	assert_int_equal(s.actions[0].nconds, 2);
	assert_string_equal(s.actions[0].conds[0].name, "a.b");
	assert_string_equal(s.actions[0].conds[0].value, "1");
	assert_string_equal(s.actions[0].conds[1].value, "*");
	assert_null(s.actions[1].event);
	assert_string_equal(s.actions[1].conds[0].name, "sys.boot_completed");
	rc_script_free(&s);
}

static void test_tokenizer(void **state)
{
	static const char text[] = "# a comment\n"
				   "on init # trailing comment\n"
				   "   \t\n"
				   "    write /a \"x  y\"z\n"
				   "    write /b a\\ b\\n\\t\\\\\\\"\n"
				   "    write /c \\\n"
				   "        continued\n"
				   "    write /d \"\"\n"
				   "    write /e a#b\r\n";
	struct rc_script s;
	const struct rc_action *a;

	(void)state;
	parse(&s, text);
	assert_string_equal(diags, "");
	a = &s.actions[0];
	assert_int_equal(a->ncmds, 5);
	assert_argv(&a->cmds[0], 3, "write", "/a", "x  yz");
	assert_int_equal(a->cmds[0].line, 4);
	assert_argv(&a->cmds[1], 3, "write", "/b", "a b\n\t\\\"");
	assert_argv(&a->cmds[2], 3, "write", "/c", "continued");
	assert_int_equal(a->cmds[2].line, 6);
	assert_argv(&a->cmds[3], 3, "write", "/d", "");
	assert_int_equal(a->cmds[3].line, 8);
	assert_argv(&a->cmds[4], 3, "write", "/e", "a#b");
	rc_script_free(&s);
}

static void test_errors_name_file_and_line(void **state)
{
	static const char text[] = "setprop outside 1\n"		   /* 1 */
				   "on boot\n"				   /* 2 */
				   "    foo bar\n"			   /* 3 */
				   "    mkdir\n"			   /* 4 */
				   "    mkdir /x 0999\n"		   /* 5 */
				   "    chown nosuchuser /x\n"		   /* 6 */
				   "    mount tmpfs tmpfs /t bogus opts\n" /* 7 */
				   "    loglevel 9\n"			   /* 8 */
				   "    setprop bad..name 1\n"		   /* 9 */
				   "    exec --\n"			   /* 10 */
				   "    exec -- relative\n"		   /* 11 */
				   "    write /a \"unterminated\n"	   /* 12 */
				   "    setprop ok 1\n"			   /* 13 */
				   "on boot && init\n"			   /* 14 */
				   "    setprop lost 1\n"		   /* 15 */
				   "on property:novalue\n"		   /* 16 */
				   "on\n"				   /* 17 */
				   "on boot &&\n"			   /* 18 */
				   "service x\n"			   /* 19 */
				   "service bad/name /bin/x\n"		   /* 20 */
				   "service rel bin/x\n"		   /* 21 */
				   "service s /bin/s\n"			   /* 22 */
				   "    user nobody2\n"			   /* 23 */
				   "    restart_period -1\n"		   /* 24 */
				   "    setenv 1X y\n"			   /* 25 */
				   "    frobnicate\n"			   /* 26 */
				   "    oneshot extra\n"		   /* 27 */
				   "service s /bin/other\n"		   /* 28 */
				   "    oneshot\n"			   /* 29 */
				   "import\n";				   /* 30 */
	static const char expected[] =
	    "init.rc:1: 'setprop' is outside of an 'on' or 'service' section\n"
	    "init.rc:3: unknown command 'foo'\n"
	    "init.rc:4: mkdir: expected 1 to 4 arguments, got 0\n"
	    "init.rc:5: bad mode '0999' (octal, at most 07777)\n"
	    "init.rc:6: unknown user 'nosuchuser' (a number, or root, system, shell, nobody)\n"
	    "init.rc:7: mount: unknown flag 'bogus' (only the last word may be options)\n"
	    "init.rc:8: loglevel: expected 0 to 7, got '9'\n"
	    "init.rc:9: setprop bad..name: invalid property name (allowed: A-Z a-z 0-9 _ - . @ "
	    ":, no empty part)\n"
	    "init.rc:10: exec: no command after '--'\n"
	    "init.rc:11: exec: the command 'relative' is not an absolute path\n"
	    "init.rc:12: unterminated quote; line skipped\n"
	    "init.rc:14: on: more than one event trigger ('boot' and 'init')\n"
	    "init.rc:16: bad property trigger 'property:novalue' (expected "
	    "property:NAME=VALUE)\n"
	    "init.rc:17: on: expected a trigger\n"
	    "init.rc:18: on: a trigger must follow '&&'\n"
	    "init.rc:19: service: expected a name and a path\n"
	    "init.rc:20: service: bad name 'bad/name' (1 to 63 of A-Z a-z 0-9 _ - . @)\n"
	    "init.rc:21: service rel: the path 'bin/x' is not absolute\n"
	    "init.rc:23: service s: user: unknown user 'nobody2' (a number, or root, system, "
	    "shell, nobody)\n"
	    "init.rc:24: service s: restart_period: bad number of seconds '-1'\n"
	    "init.rc:25: service s: setenv: bad variable name '1X'\n"
	    "init.rc:26: service s: unknown service option 'frobnicate'\n"
	    "init.rc:27: service s: oneshot: expected 0 arguments, got 1\n"
	    "init.rc:28: service s: defined twice; this one is ignored\n"
	    "init.rc:30: import: expected 1 argument, got 0\n";
	struct rc_script s;

	(void)state;
	parse(&s, text);
	assert_string_equal(diags, expected);
	assert_int_equal(s.errors, 25);
	/* The good line after the bad ones is kept; the skipped section's are not. */
	assert_int_equal(s.nactions, 1);
	assert_int_equal(s.actions[0].ncmds, 1);
	assert_string_equal(s.actions[0].cmds[0].argv[1], "ok");
	/* The first "s" stands; "oneshot" of the ignored duplicate is not applied. */
	assert_int_equal(s.nservices, 1);
	assert_string_equal(rc_script_service(&s, "s")->argv[0], "/bin/s");
	assert_int_equal(rc_script_service(&s, "s")->flags, 0);
	rc_script_free(&s);
}

static void test_bad_header_does_not_leak_lines(void **state)
{
	static const char text[] = "service a /bin/a\n"
				   "service b \"/bin/b\n"
				   "    oneshot\n"
				   "on boot\n"
				   "    setprop x \0 1\n"
				   "    setprop y 1\n";
	struct rc_script s;

	(void)state;
	diags[0] = '\0';
	memset(&s, 0, sizeof(s));
	assert_int_equal(rc_parse_buffer(&s, "f.rc", text, sizeof(text) - 1, collect, NULL), 0);
	assert_string_equal(diags, "f.rc:2: unterminated quote; line skipped\n"
				   "f.rc:5: NUL byte in line; line skipped\n");
	/* "oneshot" belonged to the broken "service b", not to "a". */
	assert_int_equal(rc_script_service(&s, "a")->flags, 0);
	assert_int_equal(s.actions[0].ncmds, 1);
	rc_script_free(&s);
}

static void test_values(void **state)
{
	unsigned mode;
	uint32_t id;
	int64_t ms;

	(void)state;
	assert_int_equal(rc_parse_mode("0755", &mode), 0);
	assert_int_equal(mode, 0755);
	assert_int_equal(rc_parse_mode("7777", &mode), 0);
	assert_int_equal(rc_parse_mode("17777", &mode), -EINVAL);
	assert_int_equal(rc_parse_mode("8", &mode), -EINVAL);
	assert_int_equal(rc_parse_mode("", &mode), -EINVAL);
	assert_int_equal(rc_parse_id("shell", &id), 0);
	assert_int_equal(id, 2000);
	assert_int_equal(rc_parse_id("4294967294", &id), 0);
	assert_int_equal(rc_parse_id("4294967295", &id), -EINVAL);
	assert_int_equal(rc_parse_id("12a", &id), -EINVAL);
	assert_int_equal(rc_parse_seconds("5", &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(rc_parse_seconds("0.05", &ms), 0);
	assert_int_equal(ms, 50);
	assert_int_equal(rc_parse_seconds("1.5", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(rc_parse_seconds("86400", &ms), 0);
	assert_int_equal(rc_parse_seconds("86400.001", &ms), -EINVAL);
	assert_int_equal(rc_parse_seconds("1.0001", &ms), -EINVAL);
	assert_int_equal(rc_parse_seconds(".5", &ms), -EINVAL);
	assert_int_equal(rc_parse_seconds("1.", &ms), -EINVAL);
	assert_int_equal(rc_valid_service_name("a-b_c.d@1"), 0);
	assert_int_equal(rc_valid_service_name("a b"), -EINVAL);
}

/* ---- imports ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *expand_dir(void *ctx, const char *in, char *msg, size_t cap)
{
	const char *dir = ctx;
	char *out;

	if (strcmp(in, "${dir}") == 0) {
		out = strdup(dir);
		return out;
	}
	if (strstr(in, "${")) {
		snprintf(msg, cap, "cannot expand '%s'", in);
		return NULL;
	}
	return strdup(in);
}

static void test_imports(void **state)
{
	char dir[] = "/tmp/rc-import-XXXXXX", path[256], sub[256], text[512];
	struct rc_script s = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(text, sizeof(text),
		 "import %s/b.rc\nimport ${dir}\nimport ${nope}\nimport %s/missing.rc\n"
		 "on boot\n    setprop from.main 1\n",
		 dir, dir);
	snprintf(path, sizeof(path), "%s/main.rc", dir);
	write_file(path, text);
	snprintf(text, sizeof(text), "on boot\n    setprop from.b 1\nimport %s/main.rc\n", dir);
	snprintf(path, sizeof(path), "%s/b.rc", dir);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/d/2.rc", dir);
	write_file(path, "on boot\n    setprop from.d2 1\n");
	snprintf(path, sizeof(path), "%s/d/1.rc", dir);
	write_file(path, "on boot\n    setprop from.d1 1\n");
	snprintf(path, sizeof(path), "%s/d/skip.txt", dir);
	write_file(path, "garbage\n");

	snprintf(path, sizeof(path), "%s/main.rc", dir);
	diags[0] = '\0';
	assert_int_equal(rc_parse_file(&s, path, expand_dir, collect, sub), 0);
	/* The main file's actions first, then each import in order, each file once. */
	assert_int_equal(s.nactions, 4);
	assert_string_equal(s.actions[0].cmds[0].argv[1], "from.main");
	assert_string_equal(s.actions[1].cmds[0].argv[1], "from.b");
	assert_string_equal(s.actions[2].cmds[0].argv[1], "from.d1");
	assert_string_equal(s.actions[3].cmds[0].argv[1], "from.d2");
	snprintf(text, sizeof(text),
		 "%s/main.rc:3: import: cannot expand '${nope}'\n"
		 "%s/main.rc:4: import '%s/missing.rc': No such file or directory\n",
		 dir, dir, dir);
	assert_string_equal(diags, text);
	rc_script_free(&s);

	diags[0] = '\0';
	assert_int_equal(rc_parse_file(&s, "/nonexistent/init.rc", NULL, collect, NULL), 0);
	assert_string_equal(diags,
			    "/nonexistent/init.rc:0: cannot read: No such file or directory\n");
	rc_script_free(&s);

	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	assert_int_equal(system(text), 0);
}

/* ---- ${...} expansion ---- */

static const char *fake_get(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "a") == 0)
		return "A";
	if (strcmp(name, "nested") == 0)
		return "${a}";
	if (strcmp(name, "empty") == 0)
		return "";
	return NULL;
}

static void expect_expand(const char *in, const char *want)
{
	char msg[256], *out;

	assert_int_equal(rc_expand(in, fake_get, NULL, &out, msg, sizeof(msg)), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_expand(void **state)
{
	char msg[256], *out, big[RC_EXPAND_MAX + 8];

	(void)state;
	expect_expand("plain", "plain");
	expect_expand("${a}", "A");
	expect_expand("x${a}y${a}z", "xAyAz");
	expect_expand("${missing:-def}", "def");
	expect_expand("${empty:-def}", "def");
	expect_expand("${a:-def}", "A");
	expect_expand("${missing:-}", "");
	expect_expand("$$ and $x and $", "$ and $x and $");
	expect_expand("${nested}", "${a}");
	assert_int_equal(rc_expand("${missing}", fake_get, NULL, &out, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "property 'missing' is not set (in '${missing}')");
	assert_null(out);
	assert_int_equal(rc_expand("${a", fake_get, NULL, &out, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "unterminated '${' in '${a'");
	assert_int_equal(rc_expand("${a..b}", fake_get, NULL, &out, msg, sizeof(msg)), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(rc_expand(big, fake_get, NULL, &out, msg, sizeof(msg)), -E2BIG);
}

/* ---- the trigger engine ---- */

/* A tiny property store for the engine: name=value pairs. */
static char props[16][2][64];

static const char *table_get(void *ctx, const char *name)
{
	int i;

	(void)ctx;
	for (i = 0; i < 16; i++) {
		if (strcmp(props[i][0], name) == 0)
			return props[i][1];
	}
	return NULL;
}

static void table_set(const char *name, const char *value)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (!props[i][0][0] || strcmp(props[i][0], name) == 0) {
			snprintf(props[i][0], sizeof(props[i][0]), "%s", name);
			snprintf(props[i][1], sizeof(props[i][1]), "%s", value);
			return;
		}
	}
	fail();
}

/* Run everything queued; the order of the commands' first arguments, space-separated. */
static void drain(struct rc_trigger *t, char *out, size_t cap)
{
	const struct rc_command *c;

	out[0] = '\0';
	while ((c = rc_trigger_next(t, NULL))) {
		size_t n = strlen(out);

		snprintf(out + n, cap - n, "%s%s", n ? " " : "", c->argv[1]);
		/* "trigger X" queues like init's builtin does. */
		if (strcmp(c->argv[0], "trigger") == 0)
			assert_int_equal(rc_trigger_queue_event(t, c->argv[1]), 0);
	}
	assert_false(rc_trigger_busy(t));
}

static void test_trigger_order(void **state)
{
	static const char text[] =
	    "on boot\n    setprop b1 1\n    trigger later\n    setprop b2 1\n"
	    "on init\n    setprop i1 1\n"
	    "on boot\n    setprop b3 1\n"
	    "on later\n    setprop l1 1\n"
	    "on boot && property:ready=yes\n    setprop cond 1\n"
	    "on empty-action\n";
	struct rc_script s;
	struct rc_trigger t;
	char got[256];

	(void)state;
	memset(props, 0, sizeof(props));
	parse(&s, text);
	assert_string_equal(diags, "");
	rc_trigger_init(&t, &s, table_get, NULL);
	assert_false(rc_trigger_busy(&t));
	assert_int_equal(rc_trigger_queue_event(&t, "init"), 0);
	assert_int_equal(rc_trigger_queue_event(&t, "boot"), 0);
	assert_true(rc_trigger_busy(&t));
	/* Events in queue order, actions in file order; a triggered event after. */
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "i1 b1 later b2 b3 l1");
	/* The && condition is checked when the event is taken. */
	table_set("ready", "yes");
	assert_int_equal(rc_trigger_queue_event(&t, "boot"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "b1 later b2 b3 cond l1");
	assert_int_equal(rc_trigger_queue_event(&t, "empty-action"), 0);
	assert_int_equal(rc_trigger_queue_event(&t, "unknown"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "");
	rc_trigger_free(&t);
	rc_script_free(&s);
}

static void test_property_triggers(void **state)
{
	static const char text[] = "on property:a=1\n    setprop pa 1\n"
				   "on property:a=*\n    setprop pany 1\n"
				   "on property:a=1 && property:b=2\n    setprop pab 1\n"
				   "on boot && property:a=1\n    setprop boot-a 1\n"
				   "on property:early=1\n    setprop pearly 1\n";
	struct rc_script s;
	struct rc_trigger t;
	char got[256];

	(void)state;
	memset(props, 0, sizeof(props));
	parse(&s, text);
	rc_trigger_init(&t, &s, table_get, NULL);

	/* Before property triggers are on, changes queue nothing. */
	table_set("early", "1");
	assert_int_equal(rc_trigger_property_changed(&t, "early", "1"), 0);
	assert_false(rc_trigger_busy(&t));
	/* Turning them on runs the property actions that hold already. */
	assert_int_equal(rc_trigger_enable_properties(&t), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "pearly");

	table_set("a", "1");
	assert_int_equal(rc_trigger_property_changed(&t, "a", "1"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "pa pany"); /* not pab: b is unset; not boot-a: no event */

	table_set("b", "2");
	assert_int_equal(rc_trigger_property_changed(&t, "b", "2"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "pab");

	/* The changed value is the one at the change, even if it changed again since. */
	table_set("a", "2");
	assert_int_equal(rc_trigger_property_changed(&t, "a", "1"), 0);
	assert_int_equal(rc_trigger_property_changed(&t, "a", "2"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "pa pany pab pany");

	/* "*" does not match an empty value. */
	table_set("a", "");
	assert_int_equal(rc_trigger_property_changed(&t, "a", ""), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "");

	/* A set to the same value fires again. */
	table_set("b", "2");
	table_set("a", "1");
	assert_int_equal(rc_trigger_property_changed(&t, "b", "2"), 0);
	assert_int_equal(rc_trigger_property_changed(&t, "b", "2"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "pab pab");

	assert_int_equal(rc_trigger_queue_event(&t, "boot"), 0);
	drain(&t, got, sizeof(got));
	assert_string_equal(got, "boot-a");
	rc_trigger_free(&t);
	rc_script_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_service_options),
		cmocka_unit_test(test_triggers_parsed),
		cmocka_unit_test(test_tokenizer),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_bad_header_does_not_leak_lines),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_imports),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_trigger_order),
		cmocka_unit_test(test_property_triggers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
