/* Unit tests for the per-thread seccomp filters (vmm/sandbox.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/exitcode.h"
#include "vmm/sandbox.h"

/*
 * Run @body in a child after installing a filter; return the child's exit
 * status and what it wrote to stderr.
 */
static int run_sandboxed(int (*install)(struct error *), int (*body)(void), char *err, size_t len)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct error e;

		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (install(&e) < 0)
			_exit(99);
		_exit(body());
	}
	close(pipefd[1]);
	/* Read to EOF: closing early would kill the child with SIGPIPE mid-message. */
	size_t got = 0;

	while ((n = read(pipefd[0], err + got, len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int open_a_file(void)
{
	/* A raw system call, so no libc wrapper or sanitizer does it differently. */
	syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	return 0;
}

static int allowed_calls(void)
{
	static const char msg[] = "still here\n";

	return write(STDERR_FILENO, msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 7 : 8;
}

static void test_vcpu_filter_blocks_open(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_sandboxed(sandbox_vcpu_thread, open_a_file, err, sizeof(err)),
			 MVM_EXIT_ERROR);
	assert_non_null(strstr(err, "seccomp blocked system call 257"));
}

static void test_main_filter_blocks_open(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_sandboxed(sandbox_main_thread, open_a_file, err, sizeof(err)),
			 MVM_EXIT_ERROR);
	assert_non_null(strstr(err, "seccomp blocked system call 257"));
}

static void test_filters_allow_their_calls(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_sandboxed(sandbox_vcpu_thread, allowed_calls, err, sizeof(err)), 7);
	assert_string_equal(err, "still here\n");
	assert_int_equal(run_sandboxed(sandbox_main_thread, allowed_calls, err, sizeof(err)), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_filter_blocks_open),
		cmocka_unit_test(test_main_filter_blocks_open),
		cmocka_unit_test(test_filters_allow_their_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
