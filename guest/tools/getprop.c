/*
 * getprop - read properties from init's property service.
 *
 *   getprop                         list every property: [name]: [value]
 *   getprop NAME [DEFAULT]          print one value (DEFAULT, or an empty
 *                                   line, when it is not set)
 *   getprop -w NAME VALUE [MS]      wait until NAME is VALUE ("*": set to
 *                                   anything), at most MS milliseconds
 *
 * Exit status 0, or 1 with one line on stderr; 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/libprop/properties.h"

static void print_entry(void *ctx, const char *name, const char *value)
{
	(void)ctx;
	printf("[%s]: [%s]\n", name, value);
}

static int usage(void)
{
	fprintf(stderr, "usage: getprop [NAME [DEFAULT]] | getprop -w NAME VALUE [TIMEOUT_MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	char value[PROP_VALUE_MAX];
	int r;

	if (argc == 1) {
		r = property_list(print_entry, NULL);
		if (r < 0) {
			fprintf(stderr, "getprop: %s\n", property_strerror(r));
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "-w") == 0) {
		long ms = -1;
		char *end;

		if (argc < 4 || argc > 5)
			return usage();
		if (argc == 5) {
			ms = strtol(argv[4], &end, 10);
			if (*end || end == argv[4] || ms < 0 || ms > 86400000)
				return usage();
		}
		r = property_wait(argv[2], argv[3], (int)ms);
		if (r < 0) {
			fprintf(stderr, "getprop: %s: %s\n", argv[2], property_strerror(r));
			return 1;
		}
		return 0;
	}
	if (argc > 3 || argv[1][0] == '-')
		return usage();
	r = property_get(argv[1], value, argc == 3 ? argv[2] : NULL);
	if (r < 0) {
		fprintf(stderr, "getprop: %s: %s\n", argv[1], property_strerror(r));
		return 1;
	}
	printf("%s\n", value);
	return 0;
}
