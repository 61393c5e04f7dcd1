/*
 * fuzz_vm_config.c - vm_config_parse() on arbitrary bytes.
 *
 * The input is the file's contents, copied to a buffer of exactly its size
 * (no NUL after it) so that any read past the end is caught.  Besides "no
 * crash", an accepted config must hold what the guest relies on: a
 * launcher's command is a plain file name, an executable's an absolute path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/payload/vm_config.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_payload_config cfg;
	struct error e = {{0}};
	char path[PAYLOAD_PATH_MAX + 16];
	char *copy = malloc(size ? size : 1);
	size_t len;

	check(copy != NULL);
	memcpy(copy, data, size);
	if (vm_config_parse(copy, size, &cfg, &e) == 0) {
		len = strnlen(cfg.command, sizeof(cfg.command));
		check(len > 0 && len < sizeof(cfg.command));
		if (cfg.task_type == PAYLOAD_TASK_MICRODROID_LAUNCHER) {
			check(len <= PAYLOAD_NAME_MAX && !strchr(cfg.command, '/'));
			check(strcmp(cfg.command, ".") && strcmp(cfg.command, ".."));
			check(vm_config_library_path(&cfg, path, sizeof(path)) == 0);
		} else {
			check(cfg.task_type == PAYLOAD_TASK_EXECUTABLE);
			check(cfg.command[0] == '/' && !strstr(cfg.command, "/../"));
		}
	} else {
		check(e.msg[0] != '\0');
	}
	free(copy);
	return 0;
}
