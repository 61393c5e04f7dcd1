/* rc_options.c - service options of the init.rc language; see rc_parse.h. */
#include "rc_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rc_option {
	const char *name;
	int min_args, max_args;
	int (*apply)(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap);
};

static int opt_class(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	char **classes;
	int i;

	for (i = 1; i < argc; i++) {
		if (rc_valid_service_name(argv[i]) < 0) {
			snprintf(msg, cap, "class: bad class name '%s'", argv[i]);
			return -EINVAL;
		}
	}
	classes = rc_strv_copy(argv + 1, (size_t)argc - 1);
	if (!classes)
		return -ENOMEM;
	rc_strv_free(svc->classes, svc->nclasses);
	svc->classes = classes;
	svc->nclasses = (size_t)argc - 1;
	return 0;
}

static int opt_user(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	if (rc_parse_id(argv[1], &svc->uid) < 0) {
		snprintf(msg, cap,
			 "user: unknown user '%s' (a number, or root, system, shell, nobody)",
			 argv[1]);
		return -EINVAL;
	}
	return 0;
}

static int opt_group(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	uint32_t ids[RC_GROUPS_MAX + 1];
	uint32_t *groups = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (rc_parse_id(argv[i], &ids[i - 1]) < 0) {
			snprintf(
			    msg, cap,
			    "group: unknown group '%s' (a number, or root, system, shell, nobody)",
			    argv[i]);
			return -EINVAL;
		}
	}
	if (argc > 2) {
		groups = malloc(sizeof(*groups) * (size_t)(argc - 2));
		if (!groups)
			return -ENOMEM;
		memcpy(groups, ids + 1, sizeof(*groups) * (size_t)(argc - 2));
	}
	svc->gid = ids[0];
	free(svc->groups);
	svc->groups = groups;
	svc->ngroups = (size_t)argc - 2;
	return 0;
}

static int set_flag(struct rc_service *svc, const char *option)
{
	static const struct {
		const char *name;
		unsigned flag;
	} flags[] = {
	    {"oneshot", RC_SVC_ONESHOT},
	    {"disabled", RC_SVC_DISABLED},
	    {"critical", RC_SVC_CRITICAL},
	    {"stdio_to_kmsg", RC_SVC_STDIO_TO_KMSG},
	};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(option, flags[i].name) == 0)
			svc->flags |= flags[i].flag;
	}
	return 0;
}

static int opt_flag(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	(void)msg;
	(void)cap;
	return set_flag(svc, argv[0]);
}

static int opt_restart_period(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	(void)argc;
	if (rc_parse_seconds(argv[1], &svc->restart_period_ms) < 0) {
		snprintf(msg, cap, "restart_period: bad number of seconds '%s'", argv[1]);
		return -EINVAL;
	}
	return 0;
}

static int valid_env_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	}
	return 1;
}

static int opt_setenv(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	size_t n = strlen(argv[1]), i;
	char **env, *entry;

	(void)argc;
	if (!valid_env_name(argv[1])) {
		snprintf(msg, cap, "setenv: bad variable name '%s'", argv[1]);
		return -EINVAL;
	}
	entry = malloc(n + strlen(argv[2]) + 2);
	if (!entry)
		return -ENOMEM;
	sprintf(entry, "%s=%s", argv[1], argv[2]);
	for (i = 0; i < svc->nenv; i++) {
		if (strncmp(svc->env[i], entry, n + 1) == 0) {
			free(svc->env[i]);
			svc->env[i] = entry;
			return 0;
		}
	}
	env = realloc(svc->env, sizeof(*env) * (svc->nenv + 2));
	if (!env) {
		free(entry);
		return -ENOMEM;
	}
	env[svc->nenv++] = entry;
	env[svc->nenv] = NULL;
	svc->env = env;
	return 0;
}

/* SELinux labels: accepted for compatibility, and ignored. */
static int opt_ignored(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	(void)svc;
	(void)argc;
	(void)argv;
	(void)msg;
	(void)cap;
	return 0;
}

static const struct rc_option options[] = {
	{"class", 1, 16, opt_class},
	{"user", 1, 1, opt_user},
	{"group", 1, RC_GROUPS_MAX + 1, opt_group},
	{"oneshot", 0, 0, opt_flag},
	{"disabled", 0, 0, opt_flag},
	{"critical", 0, 0, opt_flag},
	{"stdio_to_kmsg", 0, 0, opt_flag},
	{"restart_period", 1, 1, opt_restart_period},
	{"setenv", 2, 2, opt_setenv},
	{"seclabel", 1, 1, opt_ignored},
};

int rc_service_option(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap)
{
	size_t i;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct rc_option *o = &options[i];

		if (strcmp(argv[0], o->name) != 0)
			continue;
		if (argc - 1 < o->min_args || argc - 1 > o->max_args) {
			rc_arity_message(msg, cap, o->name, o->min_args, o->max_args, argc - 1);
			return -EINVAL;
		}
		return o->apply(svc, argc, argv, msg, cap);
	}
	snprintf(msg, cap, "unknown service option '%s'", argv[0]);
	return -EINVAL;
}
