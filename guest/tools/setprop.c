/*
 * setprop NAME VALUE - set a property through init's property service.
 *
 * Exit status 0, or 1 with one line on stderr saying why init refused
 * (bad name, value too long, read-only...); 2 for a usage error.
 */
#include <stdio.h>

#include "guest/libprop/properties.h"

int main(int argc, char **argv)
{
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: setprop NAME VALUE\n");
		return 2;
	}
	r = property_set(argv[1], argv[2]);
	if (r < 0) {
		fprintf(stderr, "setprop: %s: %s\n", argv[1], property_strerror(r));
		return 1;
	}
	return 0;
}
