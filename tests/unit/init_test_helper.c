/*
 * init_test_helper - the services of test_init_supervise.
 *
 *   init_test_helper MODE LOG NAME [CODE]
 *
 * Each mode first appends "start NAME MS" (MS: CLOCK_MONOTONIC in
 * milliseconds) to the file LOG, then:
 *   serve     says hello on stdout and stderr, then waits; on SIGTERM
 *             appends "term NAME" and exits 0
 *   stubborn  ignores SIGTERM and waits
 *   exit      exits with status CODE
 *   crash     dies of SIGSEGV
 *   orphan    leaves a child behind that exits 200 ms later, and exits 0
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_path, *name;

static void note(const char *what)
{
	struct timespec ts;
	char line[256];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%s %s %lld\n", what, name,
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		_exit(120);
	close(fd);
}

static void on_term(int sig)
{
	(void)sig;
	note("term");
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *mode;

	if (argc < 4)
		return 125;
	mode = argv[1];
	log_path = argv[2];
	name = argv[3];
	note("start");
	if (strcmp(mode, "serve") == 0) {
		signal(SIGTERM, on_term);
		printf("hello from %s\n", name);
		fflush(stdout);
		fprintf(stderr, "error from %s\n", name);
	} else if (strcmp(mode, "stubborn") == 0) {
		signal(SIGTERM, SIG_IGN);
	} else if (strcmp(mode, "exit") == 0) {
		return argc > 4 ? atoi(argv[4]) : 0;
	} else if (strcmp(mode, "crash") == 0) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		return 124;
	} else if (strcmp(mode, "orphan") == 0) {
		if (fork() == 0) {
			usleep(200 * 1000);
			_exit(0);
		}
		return 0;
	} else {
		return 126;
	}
	for (;;)
		pause();
}
