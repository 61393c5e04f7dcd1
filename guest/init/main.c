/*
 * main.c - the init binary, which serves both stages (as Android's does):
 *
 *   init                  as PID 1 in the initramfs: the first stage
 *   init second_stage ... the second stage (the first stage execs this)
 *
 * The first stage runs only as PID 1: it mounts and switches roots.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "first_stage.h"
#include "init.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "second_stage") == 0)
		return second_stage_main(argc - 1, argv + 1);
	/* The kernel passes words of its command line on as arguments. */
	if (getpid() == 1)
		return first_stage_main(argc, argv);
	fprintf(stderr, "usage: init second_stage [options]\n"
			"(with no argument, init runs the first stage, and only as PID 1)\n");
	return 2;
}
