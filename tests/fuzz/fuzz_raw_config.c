/*
 * fuzz_raw_config.c - raw_config_parse() and mvm_args_build() on arbitrary
 * bytes.
 *
 * The input is a raw VM config (copied to a buffer of exactly its size).
 * An accepted config must give an mvm command line whose shape mvm's own
 * parser expects: argv[0] mvm, then --kernel and the kernel, then flag and
 * value pairs; a --disk value never has a comma but for the ",ro" option.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/virtmgr/mvm_args.h"
#include "host/virtmgr/raw_config.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_argv(const struct raw_config *cfg, char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	check(n >= 7 && n % 2 == 1);
	check(!strcmp(argv[0], "mvm") && !strcmp(argv[1], "--kernel"));
	check(!strcmp(argv[2], cfg->kernel));
	for (size_t i = 1; i < n; i += 2) {
		check(!strncmp(argv[i], "--", 2));
		if (!strcmp(argv[i], "--disk")) {
			const char *comma = strchr(argv[i + 1], ',');

			check(!comma || !strcmp(comma, ",ro"));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mvm_launch launch = {.mvm = "mvm", .host_cpus = 4};
	struct raw_config cfg;
	struct error e = {{0}};
	char *copy = malloc(size ? size : 1);
	char **argv;

	check(copy != NULL);
	memcpy(copy, data, size);
	if (raw_config_parse(copy, size, "/base", &cfg, &e) == 0) {
		check(cfg.kernel != NULL && cfg.nr_disks <= RAW_CONFIG_MAX_DISKS);
		check(mvm_args_build(&cfg, &launch, &argv, &e) == 0);
		check_argv(&cfg, argv);
		mvm_args_free(argv);
		raw_config_free(&cfg);
	} else {
		check(e.msg[0] != '\0' && cfg.kernel == NULL);
	}
	free(copy);
	return 0;
}
