/* rc_builtins.c - the commands of init.rc actions; see rc_builtins.h. */
#include "rc_builtins.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/libprop/prop_wire.h"
#include "init.h"
#include "log.h"

static bool unexpanded(const char *arg)
{
	return strstr(arg, "${") != NULL;
}

/* ---- shared argument checks ---- */

static int check_mode(const char *arg, char *msg, size_t cap)
{
	unsigned mode;

	if (unexpanded(arg) || rc_parse_mode(arg, &mode) == 0)
		return 0;
	snprintf(msg, cap, "bad mode '%s' (octal, at most 07777)", arg);
	return -EINVAL;
}

static int check_id(const char *what, const char *arg, char *msg, size_t cap)
{
	uint32_t id;

	if (unexpanded(arg) || rc_parse_id(arg, &id) == 0)
		return 0;
	snprintf(msg, cap, "unknown %s '%s' (a number, or root, system, shell, nobody)", what, arg);
	return -EINVAL;
}

static int check_service_name(int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	if (unexpanded(argv[1]) || rc_valid_service_name(argv[1]) == 0)
		return 0;
	snprintf(msg, cap, "%s: bad service or class name '%s'", argv[0], argv[1]);
	return -EINVAL;
}

/* Resolve a user or group at run time, with a reason in @e. */
static int resolve_id(const char *what, const char *arg, uint32_t *id, struct error *e)
{
	if (rc_parse_id(arg, id) == 0)
		return 0;
	return error_set(e, -EINVAL, "unknown %s '%s'", what, arg);
}

static int fail_errno(struct error *e, const char *what, const char *path)
{
	int err = -errno;

	return error_set(e, err, "%s '%s': %s", what, path, strerror(-err));
}

/* ---- mkdir ---- */

static int check_mkdir(int argc, char **argv, char *msg, size_t cap)
{
	if (argc > 2 && check_mode(argv[2], msg, cap) < 0)
		return -EINVAL;
	if (argc > 3 && check_id("user", argv[3], msg, cap) < 0)
		return -EINVAL;
	if (argc > 4 && check_id("group", argv[4], msg, cap) < 0)
		return -EINVAL;
	return 0;
}

static int chown_args(const char *path, const char *owner, const char *group, struct error *e)
{
	uint32_t uid, gid = (uint32_t)-1;

	if (resolve_id("user", owner, &uid, e) < 0 ||
	    (group && resolve_id("group", group, &gid, e) < 0))
		return -EINVAL;
	if (lchown(path, uid, gid) < 0)
		return fail_errno(e, "chown", path);
	return 0;
}

static int run_mkdir(struct init *init, int argc, char **argv, struct error *e)
{
	unsigned mode = 0755;
	struct stat st;

	(void)init;
	if (argc > 2 && rc_parse_mode(argv[2], &mode) < 0)
		return error_set(e, -EINVAL, "bad mode '%s'", argv[2]);
	if (mkdir(argv[1], mode) < 0) {
		if (errno != EEXIST)
			return fail_errno(e, "mkdir", argv[1]);
		if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode))
			return error_set(e, -EEXIST, "'%s' exists and is not a directory", argv[1]);
		if (argc > 2 && chmod(argv[1], mode) < 0)
			return fail_errno(e, "chmod", argv[1]);
	} else if (chmod(argv[1], mode) < 0) { /* exactly @mode, whatever the umask */
		return fail_errno(e, "chmod", argv[1]);
	}
	if (argc > 3)
		return chown_args(argv[1], argv[3], argc > 4 ? argv[4] : NULL, e);
	return 0;
}

/* ---- write, symlink, chmod, chown ---- */

static int run_write(struct init *init, int argc, char **argv, struct error *e)
{
	size_t len = strlen(argv[2]);
	int fd;
	ssize_t n;

	(void)init;
	(void)argc;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail_errno(e, "write", argv[1]);
	n = write(fd, argv[2], len);
	if (n < 0 || (size_t)n != len) {
		int err = n < 0 ? -errno : -EIO;

		close(fd);
		return error_set(e, err, "write '%s': %s", argv[1], strerror(-err));
	}
	if (close(fd) < 0)
		return fail_errno(e, "write", argv[1]);
	return 0;
}

static int run_symlink(struct init *init, int argc, char **argv, struct error *e)
{
	char have[PATH_MAX];
	ssize_t n;

	(void)init;
	(void)argc;
	if (symlink(argv[1], argv[2]) == 0)
		return 0;
	if (errno != EEXIST)
		return fail_errno(e, "symlink", argv[2]);
	n = readlink(argv[2], have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = '\0';
		if (strcmp(have, argv[1]) == 0)
			return 0;
	}
	return error_set(e, -EEXIST, "symlink '%s': exists and does not point to '%s'", argv[2],
			 argv[1]);
}

static int check_chmod(int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	return check_mode(argv[1], msg, cap);
}

static int run_chmod(struct init *init, int argc, char **argv, struct error *e)
{
	unsigned mode;

	(void)init;
	(void)argc;
	if (rc_parse_mode(argv[1], &mode) < 0)
		return error_set(e, -EINVAL, "bad mode '%s'", argv[1]);
	if (chmod(argv[2], mode) < 0)
		return fail_errno(e, "chmod", argv[2]);
	return 0;
}

static int check_chown(int argc, char **argv, char *msg, size_t cap)
{
	if (check_id("user", argv[1], msg, cap) < 0)
		return -EINVAL;
	return argc == 4 ? check_id("group", argv[2], msg, cap) : 0;
}

static int run_chown(struct init *init, int argc, char **argv, struct error *e)
{
	(void)init;
	return chown_args(argv[argc - 1], argv[1], argc == 4 ? argv[2] : NULL, e);
}

/* ---- mount ---- */

static const struct {
	const char *name;
	unsigned long flag;
} mount_flags[] = {
	{"ro", MS_RDONLY},
	{"rw", 0},
	{"nosuid", MS_NOSUID},
	{"nodev", MS_NODEV},
	{"noexec", MS_NOEXEC},
	{"noatime", MS_NOATIME},
	{"nodiratime", MS_NODIRATIME},
	{"relatime", MS_RELATIME},
	{"sync", MS_SYNCHRONOUS},
	{"dirsync", MS_DIRSYNC},
	{"remount", MS_REMOUNT},
	{"bind", MS_BIND},
	{"rec", MS_REC},
	{"private", MS_PRIVATE},
	{"slave", MS_SLAVE},
	{"shared", MS_SHARED},
};

/*
 * The flags and options string of the words after DIR: each a flag, but
 * the last one may be the options.  0, or -EINVAL naming the bad word.
 */
static int mount_options(int argc, char **argv, unsigned long *flags, const char **options,
			 const char **bad)
{
	int i;
	size_t k;

	*flags = 0;
	*options = NULL;
	for (i = 4; i < argc; i++) {
		for (k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++) {
			if (strcmp(argv[i], mount_flags[k].name) == 0)
				break;
		}
		if (k < sizeof(mount_flags) / sizeof(mount_flags[0])) {
			*flags |= mount_flags[k].flag;
		} else if (i == argc - 1) {
			*options = argv[i];
		} else {
			*bad = argv[i];
			return -EINVAL;
		}
	}
	return 0;
}

static int check_mount(int argc, char **argv, char *msg, size_t cap)
{
	unsigned long flags;
	const char *options, *bad;

	if (mount_options(argc, argv, &flags, &options, &bad) == 0)
		return 0;
	snprintf(msg, cap, "mount: unknown flag '%s' (only the last word may be options)", bad);
	return -EINVAL;
}

static int run_mount(struct init *init, int argc, char **argv, struct error *e)
{
	unsigned long flags;
	const char *options, *bad;

	(void)init;
	if (mount_options(argc, argv, &flags, &options, &bad) < 0)
		return error_set(e, -EINVAL, "mount: unknown flag '%s'", bad);
	if (mount(argv[2], argv[3], argv[1], flags, options) < 0) {
		int err = -errno;

		return error_set(e, err, "mount %s on '%s' (%s): %s", argv[2], argv[3], argv[1],
				 strerror(-err));
	}
	return 0;
}

/* ---- properties, events, log level ---- */

static int check_setprop(int argc, char **argv, char *msg, size_t cap)
{
	int r = 0;

	(void)argc;
	if (!unexpanded(argv[1]))
		r = prop_name_check(argv[1]);
	if (r == 0 && !unexpanded(argv[2]))
		r = prop_value_check(argv[2]);
	if (r == 0)
		return 0;
	snprintf(msg, cap, "setprop %s: %s", argv[1], property_strerror(r));
	return -EINVAL;
}

static int run_setprop(struct init *init, int argc, char **argv, struct error *e)
{
	int r;

	(void)argc;
	r = init_set_property(init, argv[1], argv[2]);
	if (r < 0)
		return error_set(e, r, "setprop %s: %s", argv[1], property_strerror(r));
	return 0;
}

static int check_trigger(int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	if (unexpanded(argv[1]) || prop_name_check(argv[1]) == 0)
		return 0;
	snprintf(msg, cap, "trigger: bad event name '%s'", argv[1]);
	return -EINVAL;
}

static int run_trigger(struct init *init, int argc, char **argv, struct error *e)
{
	(void)argc;
	if (prop_name_check(argv[1]) < 0)
		return error_set(e, -EINVAL, "trigger: bad event name '%s'", argv[1]);
	if (init_queue_event(init, argv[1]) < 0)
		return error_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int parse_loglevel(const char *s, int *level)
{
	if (s[0] < '0' || s[0] > '7' || s[1])
		return -EINVAL;
	*level = s[0] - '0';
	return 0;
}

static int check_loglevel(int argc, char **argv, char *msg, size_t cap)
{
	int level;

	(void)argc;
	if (unexpanded(argv[1]) || parse_loglevel(argv[1], &level) == 0)
		return 0;
	snprintf(msg, cap, "loglevel: expected 0 to 7, got '%s'", argv[1]);
	return -EINVAL;
}

static int run_loglevel(struct init *init, int argc, char **argv, struct error *e)
{
	int level;

	(void)init;
	(void)argc;
	if (parse_loglevel(argv[1], &level) < 0)
		return error_set(e, -EINVAL, "loglevel: expected 0 to 7, got '%s'", argv[1]);
	log_set_level(level);
	return 0;
}

/* ---- services ---- */

static struct service *find_service(struct init *init, const char *name, struct error *e)
{
	struct service *svc = service_find(&init->services, name);

	if (!svc)
		error_set(e, -ESRCH, "no service named '%s'", name);
	return svc;
}

static int run_start(struct init *init, int argc, char **argv, struct error *e)
{
	struct service *svc = find_service(init, argv[1], e);

	(void)argc;
	return svc ? service_start(&init->services, svc, e) : -ESRCH;
}

static int run_stop(struct init *init, int argc, char **argv, struct error *e)
{
	struct service *svc = find_service(init, argv[1], e);

	(void)argc;
	if (!svc)
		return -ESRCH;
	service_stop(&init->services, svc);
	return 0;
}

static int run_restart(struct init *init, int argc, char **argv, struct error *e)
{
	struct service *svc = find_service(init, argv[1], e);

	(void)argc;
	return svc ? service_restart(&init->services, svc, e) : -ESRCH;
}

static int run_class_start(struct init *init, int argc, char **argv, struct error *e)
{
	(void)argc;
	(void)e;
	service_class_start(&init->services, argv[1]);
	return 0;
}

static int run_class_stop(struct init *init, int argc, char **argv, struct error *e)
{
	(void)argc;
	(void)e;
	service_class_stop(&init->services, argv[1]);
	return 0;
}

/* ---- exec ---- */

/*
 * Split exec's words: with "--", the words before it are
 * [SECLABEL [USER [GROUP...]]] and the command follows; without, all of
 * them are the command.  Returns the index of the command in @argv, or
 * -EINVAL with a reason in @msg.
 */
static int exec_split(int argc, char **argv, char *msg, size_t cap)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i == argc)
		return 1;
	if (i + 1 == argc) {
		snprintf(msg, cap, "exec: no command after '--'");
		return -EINVAL;
	}
	if (i - 3 > RC_GROUPS_MAX + 1) {
		snprintf(msg, cap, "exec: too many groups");
		return -EINVAL;
	}
	return i + 1;
}

static int check_exec(int argc, char **argv, char *msg, size_t cap)
{
	int cmd = exec_split(argc, argv, msg, cap), i;

	if (cmd < 0)
		return -EINVAL;
	/* Words before "--": argv[1] seclabel, argv[2] user, argv[3..] groups. */
	for (i = 2; i < cmd - 1; i++) {
		if (check_id(i == 2 ? "user" : "group", argv[i], msg, cap) < 0)
			return -EINVAL;
	}
	if (!unexpanded(argv[cmd]) && argv[cmd][0] != '/') {
		snprintf(msg, cap, "exec: the command '%s' is not an absolute path", argv[cmd]);
		return -EINVAL;
	}
	return 0;
}

static int run_exec(struct init *init, int argc, char **argv, struct error *e)
{
	uint32_t uid = 0, gid = 0, groups[RC_GROUPS_MAX];
	char msg[128];
	int cmd = exec_split(argc, argv, msg, sizeof(msg)), i;
	size_t ngroups = 0;
	struct service *svc;

	if (cmd < 0)
		return error_set(e, -EINVAL, "%s", msg);
	for (i = 2; i < cmd - 1; i++) {
		uint32_t id;

		if (resolve_id(i == 2 ? "user" : "group", argv[i], &id, e) < 0)
			return -EINVAL;
		if (i == 2)
			uid = id;
		else if (i == 3)
			gid = id;
		else
			groups[ngroups++] = id;
	}
	if (argv[cmd][0] != '/')
		return error_set(e, -EINVAL, "exec: '%s' is not an absolute path", argv[cmd]);
	svc = service_exec(&init->services, argc - cmd, argv + cmd, uid, gid, groups, ngroups, e);
	if (!svc)
		return -EINVAL;
	init->exec_wait = svc;
	return 0;
}

static const struct rc_builtin builtins[] = {
	{"chmod", 2, 2, check_chmod, run_chmod},
	{"chown", 2, 3, check_chown, run_chown},
	{"class_start", 1, 1, check_service_name, run_class_start},
	{"class_stop", 1, 1, check_service_name, run_class_stop},
	{"exec", 1, 64, check_exec, run_exec},
	{"loglevel", 1, 1, check_loglevel, run_loglevel},
	{"mkdir", 1, 4, check_mkdir, run_mkdir},
	{"mount", 3, 24, check_mount, run_mount},
	{"restart", 1, 1, check_service_name, run_restart},
	{"setprop", 2, 2, check_setprop, run_setprop},
	{"start", 1, 1, check_service_name, run_start},
	{"stop", 1, 1, check_service_name, run_stop},
	{"symlink", 2, 2, NULL, run_symlink},
	{"trigger", 1, 1, check_trigger, run_trigger},
	{"write", 2, 2, NULL, run_write},
};

const struct rc_builtin *rc_builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	}
	return NULL;
}
