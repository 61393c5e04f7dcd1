/* vm_config.c - see vm_config.h. */
#include "vm_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/json/json.h"

static const char *const top_keys[] = {
    "task",	     "os",	  "apexes", "extra_apks", "prefer_staged", "export_tombstones",
    "enable_authfs", "hugepages", NULL};
static const char *const task_keys[] = {"type", "command", NULL};
static const char *const os_keys[] = {"name", NULL};
static const char *const apex_keys[] = {"name", NULL};
static const char *const apk_keys[] = {"path", NULL};

const char *payload_task_type_name(enum payload_task_type type)
{
	switch (type) {
	case PAYLOAD_TASK_EXECUTABLE:
		return "executable";
	case PAYLOAD_TASK_MICRODROID_LAUNCHER:
		return "microdroid_launcher";
	}
	return "unknown";
}

int payload_lib_name_check(const char *name, struct error *e)
{
	size_t len = strlen(name);

	if (!len)
		return error_set(e, -EINVAL, "library name is empty");
	if (len > PAYLOAD_NAME_MAX)
		return error_set(e, -EINVAL, "library name is too long (%zu bytes, at most %d)",
				 len, PAYLOAD_NAME_MAX);
	if (strchr(name, '/'))
		return error_set(
		    e, -EINVAL,
		    "library '%s' must be a file name in " PAYLOAD_LIB_DIR "/, without '/'", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return error_set(e, -EINVAL, "library '%s' is not a file name", name);
	return 0;
}

/* An executable's command: an absolute, normal path ("/a/b", no "//", ".", ".."). */
static int executable_path_check(const char *path, struct error *e)
{
	const char *c = path;

	if (path[0] != '/')
		return error_set(e, -EINVAL,
				 "task.command: an executable's command must be an absolute path "
				 "in the guest, not '%s'",
				 path);
	if (strlen(path) > PAYLOAD_PATH_MAX)
		return error_set(e, -EINVAL, "task.command: too long (at most %d bytes)",
				 PAYLOAD_PATH_MAX);
	while (*c == '/') {
		const char *next = strchr(c + 1, '/');
		size_t n = next ? (size_t)(next - c - 1) : strlen(c + 1);

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return error_set(e, -EINVAL,
					 "task.command: '%s' has an empty, '.' or '..' component",
					 path);
		if (!next)
			break;
		c = next;
	}
	return 0;
}

static int parse_task(const cJSON *task, struct vm_payload_config *cfg, struct error *e)
{
	const char *type = "executable", *command = NULL;
	int err;

	err = json_check_keys(task, "task.", task_keys, e);
	if (err < 0)
		return err;
	err = json_get_string(task, "task.", "type", false, &type, e);
	if (err < 0)
		return err;
	if (!strcmp(type, "microdroid_launcher"))
		cfg->task_type = PAYLOAD_TASK_MICRODROID_LAUNCHER;
	else if (!strcmp(type, "executable"))
		cfg->task_type = PAYLOAD_TASK_EXECUTABLE;
	else
		return error_set(e, -EINVAL,
				 "task.type: '%s' is not a task type (microdroid_launcher, "
				 "executable)",
				 type);
	err = json_get_string(task, "task.", "command", false, &command, e);
	if (err < 0)
		return err;
	if (err == 0)
		return json_missing("task.", "command", e);
	if (cfg->task_type == PAYLOAD_TASK_MICRODROID_LAUNCHER) {
		err = payload_lib_name_check(command, e);
		if (err < 0)
			return error_prefix(e, err, "task.command");
	} else {
		err = executable_path_check(command, e);
		if (err < 0)
			return err;
	}
	snprintf(cfg->command, sizeof(cfg->command), "%s", command);
	return 0;
}

/*
 * The array @key of objects whose only member, keys[0], is a required
 * string (the "apexes" and "extra_apks" lists).  Returns its length.
 */
static int parse_named_list(const cJSON *root, const char *key, const char *const *keys,
			    struct error *e)
{
	const cJSON *list = NULL, *item;
	char where[64];
	const char *s;
	int err, n = 0;

	err = json_get_array(root, "", key, &list, e);
	if (err <= 0)
		return err;
	cJSON_ArrayForEach(item, list)
	{
		snprintf(where, sizeof(where), "%s[%d].", key, n);
		if (!cJSON_IsObject(item))
			return error_set(e, -EINVAL, "%s[%d]: want an object, not %s", key, n,
					 json_kind(item));
		err = json_check_keys(item, where, keys, e);
		if (err < 0)
			return err;
		err = json_get_string(item, where, keys[0], false, &s, e);
		if (err < 0)
			return err;
		if (err == 0)
			return json_missing(where, keys[0], e);
		n++;
	}
	return n;
}

int vm_config_parse(const char *json, size_t len, struct vm_payload_config *cfg, struct error *e)
{
	const cJSON *task = NULL, *os = NULL;
	const char *os_name;
	cJSON *root;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = json_parse_object(json, len, VM_CONFIG_MAX_SIZE, &root, e);
	if (err < 0)
		return err;
	err = json_check_keys(root, "", top_keys, e);
	if (err < 0)
		goto out;

	err = json_get_object(root, "", "task", &task, e);
	if (err == 0)
		err = json_missing("", "task", e);
	if (err < 0)
		goto out;
	err = parse_task(task, cfg, e);
	if (err < 0)
		goto out;

	err = json_get_object(root, "", "os", &os, e);
	if (err > 0) {
		err = json_check_keys(os, "os.", os_keys, e);
		if (err >= 0)
			err = json_get_string(os, "os.", "name", false, &os_name, e);
		if (err == 0)
			err = json_missing("os.", "name", e);
		if (err > 0 && strcmp(os_name, "microdroid"))
			err =
			    error_set(e, -EINVAL,
				      "os.name: '%s' is not supported (only microdroid)", os_name);
	}
	if (err < 0)
		goto out;

	err = parse_named_list(root, "apexes", apex_keys, e);
	if (err < 0)
		goto out;
	cfg->nr_apexes = (unsigned int)err;
	err = parse_named_list(root, "extra_apks", apk_keys, e);
	if (err < 0)
		goto out;
	cfg->nr_extra_apks = (unsigned int)err;

	err = json_get_bool(root, "", "export_tombstones", &cfg->export_tombstones, e);
	if (err < 0)
		goto out;
	cfg->export_tombstones_set = err > 0;
	err = json_get_bool(root, "", "prefer_staged", &cfg->prefer_staged, e);
	if (err >= 0)
		err = json_get_bool(root, "", "enable_authfs", &cfg->enable_authfs, e);
	if (err >= 0)
		err = json_get_bool(root, "", "hugepages", &cfg->hugepages, e);
	if (err > 0)
		err = 0;
out:
	cJSON_Delete(root);
	return err < 0 ? err : 0;
}

int vm_config_library_path(const struct vm_payload_config *cfg, char *buf, size_t size)
{
	int n;

	if (cfg->task_type != PAYLOAD_TASK_MICRODROID_LAUNCHER)
		return -EINVAL;
	n = snprintf(buf, size, PAYLOAD_LIB_DIR "/%s", cfg->command);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}
