/* modules.c - kernel modules for the first stage; see modules.h. */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmdline.h"
#include "lib/common/file.h"
#include "log.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

#define MODULES_LOAD_MAX (256u << 10)

int module_name(const char *path, char *out, size_t cap, int *compressed)
{
	static const char *const suffixes[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};
	const char *base = strrchr(path, '/');
	size_t n, i, k;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
		size_t s = strlen(suffixes[k]);

		if (n > s && strcmp(base + n - s, suffixes[k]) == 0)
			break;
	}
	if (k == sizeof(suffixes) / sizeof(suffixes[0]))
		return -EINVAL;
	n -= strlen(suffixes[k]);
	if (n >= cap)
		return -EINVAL;
	for (i = 0; i < n; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[n] = '\0';
	*compressed = k > 0;
	return 0;
}

/* Does @key ("MODULE.PARAM") belong to module @name? */
static const char *param_of(const char *key, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++) {
		char c = key[i] == '-' ? '_' : key[i];

		if (c != name[i])
			return NULL;
	}
	return key[n] == '.' && key[n + 1] ? key + n + 1 : NULL;
}

struct params_ctx {
	const char *name;
	char *out;
	size_t cap, len;
	int err;
};

static int add_param(void *opaque, const char *key, const char *value)
{
	struct params_ctx *pc = opaque;
	const char *param = param_of(key, pc->name);
	const char *quote;
	int n;

	if (!param)
		return 0;
	quote = value && strchr(value, ' ') ? "\"" : "";
	n = snprintf(pc->out + pc->len, pc->cap - pc->len, "%s%s%s%s%s%s", pc->len ? " " : "",
		     param, value ? "=" : "", quote, value ? value : "", quote);
	if (n < 0 || (size_t)n >= pc->cap - pc->len) {
		pc->err = -ENAMETOOLONG;
		return 1;
	}
	pc->len += (size_t)n;
	return 0;
}

int module_params(const char *cmdline, const char *name, char *out, size_t cap)
{
	struct params_ctx pc = {name, out, cap, 0, 0};
	int r;

	if (!cap)
		return -ENAMETOOLONG;
	out[0] = '\0';
	r = cmdline_foreach(cmdline, add_param, &pc);
	if (pc.err)
		return pc.err;
	return r < 0 ? r : (int)pc.len;
}

static int load_one(const char *dir, const char *entry, const char *cmdline, struct error *e)
{
	char path[PATH_MAX], name[256], *params;
	int compressed, fd, r;

	if (module_name(entry, name, sizeof(name), &compressed) < 0)
		return error_set(e, -EINVAL, "modules.load: '%s' is not a .ko file", entry);
	if (snprintf(path, sizeof(path), "%s%s%s", entry[0] == '/' ? "" : dir,
		     entry[0] == '/' ? "" : "/", entry) >= (int)sizeof(path))
		return error_set(e, -ENAMETOOLONG, "module '%s': path too long", name);
	params = malloc(MODULE_PARAMS_MAX);
	if (!params)
		return error_set(e, -ENOMEM, "out of memory");
	r = module_params(cmdline, name, params, MODULE_PARAMS_MAX);
	if (r < 0) {
		free(params);
		return error_set(e, r, "module '%s': parameters too long", name);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(params);
		return error_set(e, r, "module '%s': cannot open '%s': %s", name, path,
				 strerror(-r));
	}
	r = syscall(SYS_finit_module, fd, params, compressed ? MODULE_INIT_COMPRESSED_FILE : 0) < 0
		? -errno
		: 0;
	close(fd);
	if (r == -EEXIST) {
		log_info("module %s: already loaded", name);
		r = 0;
	} else if (r == 0) {
		log_info("module %s loaded%s%s", name, *params ? " with " : "", params);
	}
	free(params);
	if (r == -EOPNOTSUPP && compressed)
		return error_set(e, r,
				 "module '%s' (%s): the kernel cannot load compressed modules "
				 "(CONFIG_MODULE_DECOMPRESS)",
				 name, path);
	if (r < 0)
		return error_set(e, r,
				 "module '%s' (%s): the kernel refused it: %s (its init failed: "
				 "a module it needs that is not loaded yet?)",
				 name, path, strerror(-r));
	return 1;
}

int modules_load_all(const char *dir, const char *cmdline, struct error *e)
{
	char list[PATH_MAX], *text, *line, *save = NULL;
	size_t len;
	int r, count = 0;

	snprintf(list, sizeof(list), "%s/modules.load", dir);
	r = file_read_all(list, "module list", MODULES_LOAD_MAX, &text, &len, e);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		line[strcspn(line, " \t\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		r = load_one(dir, line, cmdline, e);
		if (r < 0)
			break;
		count++;
	}
	free(text);
	return r < 0 ? r : count;
}
