/*
 * paths.c - the lookup rules of paths.h.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/virtmgr/paths.h"

struct tool {
	const char *name;
	const char *env;
	const char *in_tree; /* relative to the running executable's directory */
};

static const struct tool tools[] = {
    {"mvm", "MVM", "../../vmm/mvm"},
    {"virtmgr", "VIRTMGR", "../../host/virtmgr/virtmgr"},
};

static int copy_out(char *out, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* The running executable's directory into @dir (PATH_MAX bytes). */
static bool self_dir(char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	const char *d;

	self[n] = '\0';
	d = dirname(self);
	memmove(dir, d, strlen(d) + 1);
	return true;
}

int paths_find_tool(const char *name, char *out, size_t size)
{
	const struct tool *t = NULL;
	char dir[PATH_MAX], cand[2 * PATH_MAX], real[PATH_MAX];
	const char *env;

	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!strcmp(tools[i].name, name))
			t = &tools[i];
	if (!t)
		return -EINVAL;
	env = getenv(t->env);
	if (env && *env)
		return copy_out(out, size, env);
	if (self_dir(dir)) {
		snprintf(cand, sizeof(cand), "%s/%s", dir, t->in_tree);
		if (access(cand, X_OK) == 0 && realpath(cand, real))
			return copy_out(out, size, real);
		snprintf(cand, sizeof(cand), "%s/%s", dir, name);
		if (access(cand, X_OK) == 0)
			return copy_out(out, size, cand);
	}
	return copy_out(out, size, name);
}

/*
 * The first of $@env, <exe dir>/@in_tree and @installed that is a
 * directory (and holds @marker if not NULL), into @out.
 */
static int find_dir(const char *what, const char *env, const char *in_tree, const char *installed,
		    const char *marker, char *out, size_t size, struct error *e)
{
	char dir[PATH_MAX], cand[3][PATH_MAX + 64], probe[2 * PATH_MAX], real[PATH_MAX];
	const char *v = getenv(env);
	int n = 0;

	if (v && *v)
		snprintf(cand[n++], sizeof(cand[0]), "%s", v);
	else {
		if (self_dir(dir))
			snprintf(cand[n++], sizeof(cand[0]), "%s/%s", dir, in_tree);
		snprintf(cand[n++], sizeof(cand[0]), "%s", installed);
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		int len = snprintf(probe, sizeof(probe), "%s/%s", cand[i], marker ? marker : ".");

		if (len > 0 && (size_t)len < sizeof(probe) && stat(probe, &st) == 0 &&
		    realpath(cand[i], real))
			return copy_out(out, size, real) < 0
				   ? error_set(e, -ENAMETOOLONG, "%s: path too long", what)
				   : 0;
	}
	if (v && *v)
		return error_set(e, -ENOENT, "%s: $%s (%s) has no %s", what, env, v,
				 marker ? marker : "directory");
	return error_set(e, -ENOENT, "%s: not found (set $%s; tried %s%s%s)", what, env, cand[0],
			 n > 1 ? " and " : "", n > 1 ? cand[1] : "");
}

int paths_image_dir(char *out, size_t size, struct error *e)
{
	return find_dir("Microdroid image", "MDROID_IMAGE_DIR", "../../image",
			MDROID_DATADIR "/microdroid/image", "kernel", out, size, e);
}

int paths_payload_dir(char *out, size_t size, struct error *e)
{
	return find_dir("bundled payloads", "MDROID_PAYLOAD_DIR", "../../payloads",
			MDROID_DATADIR "/microdroid/payloads", NULL, out, size, e);
}

int paths_virtmgr_socket(char *out, size_t size, struct error *e)
{
	const char *v = getenv("MDROID_VIRTMGR_SOCKET");
	int n;

	if (v && *v)
		n = snprintf(out, size, "%s", v);
	else if ((v = getenv("XDG_RUNTIME_DIR")) && *v)
		n = snprintf(out, size, "%s/microdroid/virtmgr.sock", v);
	else if (geteuid() == 0)
		n = snprintf(out, size, "/run/microdroid/virtmgr.sock");
	else
		n = snprintf(out, size, "/tmp/microdroid-%u/virtmgr.sock", (unsigned)geteuid());
	if (n < 0 || (size_t)n >= size)
		return error_set(e, -ENAMETOOLONG, "virtmgr socket path too long");
	/* sockaddr_un's sun_path is 108 bytes. */
	if (n >= 108)
		return error_set(e, -ENAMETOOLONG,
				 "virtmgr socket path %s is longer than 107 bytes", out);
	return 0;
}
