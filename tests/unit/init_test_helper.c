/*
 * init_test_helper - the services of test_init_supervise.
 *
 *   init_test_helper MODE LOG NAME [CODE]
 *
 * Each mode first appends "start NAME MS FORKED" to the file LOG (MS:
 * CLOCK_MONOTONIC in milliseconds; FORKED: when init forked it, in ms
 * since boot), then:
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

/* When this process was forked, in ms since boot (10 ms steps: the
 * kernel counts it in clock ticks); -1 if /proc says nothing. */
static long long forked_ms(void)
{
	char buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Field 22, starttime, is after the 20th space from the last ')'. */
	p = strrchr(buf, ')');
	for (int spaces = 0; p && spaces < 20; spaces++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return -1;
	return (long long)(ticks * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* "WHAT NAME NOW FORKED": the monotonic time in ms, and forked_ms(). */
static void note(const char *what)
{
	struct timespec ts;
	char line[256];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%s %s %lld %lld\n", what, name,
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, forked_ms());
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
	/* "start" is written once SIGTERM is handled, so a test that saw it
	 * may signal. */
	if (strcmp(mode, "serve") == 0)
		signal(SIGTERM, on_term);
	else if (strcmp(mode, "stubborn") == 0)
		signal(SIGTERM, SIG_IGN);
	note("start");
	if (strcmp(mode, "serve") == 0) {
		printf("hello from %s\n", name);
		fflush(stdout);
		fprintf(stderr, "error from %s\n", name);
	} else if (strcmp(mode, "stubborn") == 0) {
		/* waits below */
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
