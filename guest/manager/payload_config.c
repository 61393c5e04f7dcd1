/* payload_config.c - the payload's vm_config.json and what it names; see manager.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manager.h"

int payload_config_load(const struct payload_pkg *p, const char *root,
			struct vm_payload_config *cfg, struct error *e)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	r = pkg_load_config(&p->pkg.fs, cfg, e);
	if (r < 0)
		return r;
	if (cfg->task_type != PAYLOAD_TASK_EXECUTABLE)
		return 0;
	/* An executable task names a program in the guest, by an absolute
	 * path (vm_config_parse() checked that; docs/payload.md). */
	if ((size_t)snprintf(path, sizeof(path), "%s%s", strcmp(root, "/") ? root : "",
			     cfg->command) >= sizeof(path))
		return error_set(e, -ENAMETOOLONG, "task.command '%s': path too long",
				 cfg->command);
	if (stat(path, &st) < 0)
		return error_set(e, -errno, "task.command '%s': %s", cfg->command, strerror(errno));
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return error_set(e, -ENOEXEC, "task.command '%s': not an executable file",
				 cfg->command);
	return 0;
}
