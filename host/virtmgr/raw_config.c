/* raw_config.c - see raw_config.h. */
#include "raw_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json/json.h"

static const char *const top_keys[] = {"name",	     "kernel",
				       "initrd",     "params",
				       "bootloader", "disks",
				       "memory_mib", "cpu_topology",
				       "protected",  "platform_version",
				       "devices",    "console_input_device",
				       NULL};
static const char *const disk_keys[] = {"image", "partitions", "writable", NULL};

int cpu_topology_parse(const char *s, enum cpu_topology *out)
{
	if (!strcmp(s, "one_cpu"))
		*out = CPU_TOPOLOGY_ONE_CPU;
	else if (!strcmp(s, "match_host"))
		*out = CPU_TOPOLOGY_MATCH_HOST;
	else
		return -EINVAL;
	return 0;
}

const char *cpu_topology_name(enum cpu_topology t)
{
	return t == CPU_TOPOLOGY_MATCH_HOST ? "match_host" : "one_cpu";
}

void raw_config_free(struct raw_config *cfg)
{
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->initrd);
	free(cfg->params);
	free(cfg->platform_version);
	for (unsigned int i = 0; i < cfg->nr_disks; i++)
		free(cfg->disks[i].image);
	memset(cfg, 0, sizeof(*cfg));
}

static int dup_string(const char *s, char **out, struct error *e)
{
	*out = strdup(s);
	return *out ? 0 : error_set(e, -ENOMEM, "out of memory");
}

/* The path @key: resolved against @base_dir when relative, at most RAW_CONFIG_PATH_MAX bytes. */
static int get_path(const cJSON *obj, const char *where, const char *key, const char *base_dir,
		    char **out, struct error *e)
{
	const char *s;
	int err, n;

	err = json_get_string(obj, where, key, false, &s, e);
	if (err <= 0)
		return err;
	if (s[0] == '/' || !base_dir || !base_dir[0])
		n = asprintf(out, "%s", s);
	else
		n = asprintf(out, "%s%s%s", base_dir,
			     base_dir[strlen(base_dir) - 1] == '/' ? "" : "/", s);
	if (n < 0) {
		*out = NULL;
		return error_set(e, -ENOMEM, "out of memory");
	}
	if ((size_t)n > RAW_CONFIG_PATH_MAX)
		return error_set(e, -ENAMETOOLONG, "%s%s: path too long (%d bytes, at most %d)",
				 where, key, n, RAW_CONFIG_PATH_MAX);
	return 1;
}

/*
 * Is @req, a semantic-version requirement, met by this platform (1.0)?
 * Understood: "*", and an optional "~", "^" or "=" before 1, 1.0 or 1.0.0,
 * which covers what AVF's configs use ("~1.0").
 */
static bool platform_version_ok(const char *req)
{
	if (!strcmp(req, "*"))
		return true;
	if (*req == '~' || *req == '^' || *req == '=')
		req++;
	return !strcmp(req, "1") || !strcmp(req, "1.0") || !strcmp(req, "1.0.0");
}

static int parse_disk(const cJSON *item, unsigned int i, const char *base_dir, struct raw_disk *d,
		      struct error *e)
{
	const cJSON *parts = NULL;
	char where[32];
	int err;

	snprintf(where, sizeof(where), "disks[%u].", i);
	if (!cJSON_IsObject(item))
		return error_set(e, -EINVAL, "disks[%u]: want an object, not %s", i,
				 json_kind(item));
	err = json_check_keys(item, where, disk_keys, e);
	if (err < 0)
		return err;
	err = json_get_array(item, where, "partitions", &parts, e);
	if (err < 0)
		return err;
	if (err > 0 && cJSON_GetArraySize(parts) > 0)
		return error_set(e, -EOPNOTSUPP,
				 "%spartitions: composite disks are not supported; give one "
				 "raw image as \"image\"",
				 where);
	err = json_get_bool(item, where, "writable", &d->writable, e);
	if (err < 0)
		return err;
	err = get_path(item, where, "image", base_dir, &d->image, e);
	if (err == 0)
		return json_missing(where, "image", e);
	if (err < 0)
		return err;
	if (strchr(d->image, ','))
		return error_set(e, -EINVAL,
				 "%simage: '%s' contains a comma, which mvm's --disk cannot take",
				 where, d->image);
	return 0;
}

static int parse_disks(const cJSON *root, const char *base_dir, struct raw_config *cfg,
		       struct error *e)
{
	const cJSON *disks = NULL, *item;
	int err;

	err = json_get_array(root, "", "disks", &disks, e);
	if (err <= 0)
		return err;
	if (cJSON_GetArraySize(disks) > RAW_CONFIG_MAX_DISKS)
		return error_set(e, -E2BIG, "disks: %d disks, at most %d",
				 cJSON_GetArraySize(disks), RAW_CONFIG_MAX_DISKS);
	cJSON_ArrayForEach(item, disks)
	{
		/* Counted first, so that raw_config_free() frees a half-parsed disk. */
		struct raw_disk *d = &cfg->disks[cfg->nr_disks++];

		err = parse_disk(item, cfg->nr_disks - 1, base_dir, d, e);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The keys that name features this host does not have. */
static int refuse_unsupported(const cJSON *root, struct error *e)
{
	const cJSON *list = NULL;
	const char *s;
	bool on = false;
	int err;

	if (cJSON_GetObjectItemCaseSensitive(root, "bootloader"))
		return error_set(e, -EOPNOTSUPP,
				 "bootloader: not supported; mvm boots a kernel directly, give "
				 "\"kernel\"");
	err = json_get_bool(root, "", "protected", &on, e);
	if (err < 0)
		return err;
	if (on)
		return error_set(e, -EOPNOTSUPP,
				 "protected: protected VMs are not supported (no pKVM on this "
				 "host)");
	err = json_get_array(root, "", "devices", &list, e);
	if (err < 0)
		return err;
	if (err > 0 && cJSON_GetArraySize(list) > 0)
		return error_set(e, -EOPNOTSUPP, "devices: device assignment is not supported");
	err = json_get_string(root, "", "console_input_device", true, &s, e);
	if (err < 0)
		return err;
	if (err > 0)
		return error_set(e, -EOPNOTSUPP,
				 "console_input_device: not supported; mvm sends input to the "
				 "last console= of params");
	return 0;
}

static int parse_root(const cJSON *root, const char *base_dir, struct raw_config *cfg,
		      struct error *e)
{
	const char *s;
	uint64_t v;
	int err;

	err = json_check_keys(root, "", top_keys, e);
	if (err < 0)
		return err;
	err = refuse_unsupported(root, e);
	if (err < 0)
		return err;

	err = get_path(root, "", "kernel", base_dir, &cfg->kernel, e);
	if (err == 0)
		err = json_missing("", "kernel", e);
	if (err < 0)
		return err;
	err = get_path(root, "", "initrd", base_dir, &cfg->initrd, e);
	if (err < 0)
		return err;

	err = json_get_string(root, "", "params", true, &s, e);
	if (err > 0)
		err = dup_string(s, &cfg->params, e);
	if (err < 0)
		return err;
	err = json_get_string(root, "", "name", false, &s, e);
	if (err > 0 && strlen(s) > RAW_CONFIG_NAME_MAX)
		err =
		    error_set(e, -EINVAL, "name: too long (at most %d bytes)", RAW_CONFIG_NAME_MAX);
	if (err > 0)
		err = dup_string(s, &cfg->name, e);
	if (err < 0)
		return err;

	err = json_get_uint(root, "", "memory_mib", RAW_CONFIG_MIN_MEM_MIB, RAW_CONFIG_MAX_MEM_MIB,
			    &v, e);
	if (err < 0)
		return err;
	if (err > 0)
		cfg->memory_mib = (unsigned int)v;

	err = json_get_string(root, "", "cpu_topology", false, &s, e);
	if (err > 0 && cpu_topology_parse(s, &cfg->cpu_topology) < 0)
		err = error_set(e, -EINVAL, "cpu_topology: '%s' is not one_cpu or match_host", s);
	if (err < 0)
		return err;

	err = json_get_string(root, "", "platform_version", false, &s, e);
	if (err > 0 && !platform_version_ok(s))
		err = error_set(e, -EINVAL,
				"platform_version: '%s' is not met by this platform's version "
				"1.0 (use \"~1.0\")",
				s);
	if (err > 0)
		err = dup_string(s, &cfg->platform_version, e);
	if (err < 0)
		return err;

	return parse_disks(root, base_dir, cfg, e);
}

int raw_config_parse(const char *json, size_t len, const char *base_dir, struct raw_config *cfg,
		     struct error *e)
{
	cJSON *root;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = json_parse_object(json, len, RAW_CONFIG_MAX_SIZE, &root, e);
	if (err < 0)
		return err;
	err = parse_root(root, base_dir, cfg, e);
	cJSON_Delete(root);
	if (err < 0)
		raw_config_free(cfg);
	return err < 0 ? err : 0;
}
