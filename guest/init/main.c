/*
 * main.c - the init binary:
 *
 *   init second_stage ...   the second stage (init.h)
 */
#include <stdio.h>
#include <string.h>

#include "init.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "second_stage") == 0)
		return second_stage_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: init second_stage [options]\n");
	return 2;
}
