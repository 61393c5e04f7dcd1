/* test_vm_state.c - the VM life cycle and death reasons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "host/virtmgr/vm_state.h"

static void test_happy_path(void **state)
{
	struct error e = {{0}};
	struct vm_status s;

	(void)state;
	vm_status_init(&s);
	assert_int_equal(s.state, VM_STATE_NOT_STARTED);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTING, &e), 0);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTED, &e), 0);
	assert_int_equal(vm_status_move(&s, VM_STATE_READY, &e), 0);
	assert_int_equal(vm_status_payload_finished(&s, 7, &e), 0);
	assert_int_equal(s.state, VM_STATE_FINISHED);
	assert_true(s.payload_exited);
	assert_int_equal(s.payload_exit_code, 7);
	assert_int_equal(vm_status_die(&s, VM_DEATH_SHUTDOWN, &e), 0);
	assert_int_equal(s.state, VM_STATE_DEAD);
	assert_int_equal(s.death_reason, VM_DEATH_SHUTDOWN);
}

static void test_finish_without_ready(void **state)
{
	struct error e = {{0}};
	struct vm_status s;

	(void)state;
	vm_status_init(&s);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTING, &e), 0);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTED, &e), 0);
	assert_int_equal(vm_status_payload_finished(&s, 0, &e), 0);
	assert_int_equal(s.state, VM_STATE_FINISHED);
}

/* Every (from, to) pair against the life cycle in vm_state.h. */
static void test_transition_table(void **state)
{
	static const bool allowed[6][6] = {
	    /* to: NOT_STARTED STARTING STARTED READY FINISHED DEAD */
	    [VM_STATE_NOT_STARTED] = {0, 1, 0, 0, 0, 1}, [VM_STATE_STARTING] = {0, 0, 1, 0, 0, 1},
	    [VM_STATE_STARTED] = {0, 0, 0, 1, 1, 1},	 [VM_STATE_READY] = {0, 0, 0, 0, 1, 1},
	    [VM_STATE_FINISHED] = {0, 0, 0, 0, 0, 1},	 [VM_STATE_DEAD] = {0, 0, 0, 0, 0, 0},
	};

	(void)state;
	for (int from = 0; from <= VM_STATE_DEAD; from++)
		for (int to = 0; to <= VM_STATE_DEAD; to++)
			if (vm_state_can_move(from, to) != allowed[from][to])
				fail_msg("%s -> %s", vm_state_name(from), vm_state_name(to));
}

static void test_refused_moves(void **state)
{
	struct error e = {{0}};
	struct vm_status s;

	(void)state;
	vm_status_init(&s);
	assert_int_equal(vm_status_move(&s, VM_STATE_READY, &e), -EINVAL);
	assert_string_equal(e.msg, "a VM cannot go from NOT_STARTED to READY");
	assert_int_equal(vm_status_payload_finished(&s, 0, &e), -EINVAL);
	assert_int_equal(s.state, VM_STATE_NOT_STARTED);
	/* FINISHED and DEAD have their own functions, which record more. */
	assert_int_equal(vm_status_move(&s, VM_STATE_DEAD, &e), -EINVAL);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTING, &e), 0);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTED, &e), 0);
	assert_int_equal(vm_status_move(&s, VM_STATE_FINISHED, &e), -EINVAL);
	assert_int_equal(vm_status_move(&s, VM_STATE_STARTING, &e), -EINVAL);
	assert_int_equal(vm_status_move(&s, VM_STATE_NOT_STARTED, &e), -EINVAL);
	assert_int_equal(vm_status_payload_finished(&s, 1, &e), 0);
	/* A guest cannot be READY after it finished. */
	assert_int_equal(vm_status_move(&s, VM_STATE_READY, &e), -EINVAL);
	assert_string_equal(e.msg, "a VM cannot go from FINISHED to READY");
	assert_int_equal(vm_status_die(&s, VM_DEATH_SHUTDOWN, &e), 0);
	assert_int_equal(vm_status_die(&s, VM_DEATH_KILLED, &e), -EINVAL);
	assert_int_equal(s.death_reason, VM_DEATH_SHUTDOWN);
}

static void test_die_from_anywhere(void **state)
{
	struct error e = {{0}};

	(void)state;
	for (int st = VM_STATE_NOT_STARTED; st < VM_STATE_DEAD; st++) {
		struct vm_status s = {.state = st};

		assert_int_equal(vm_status_die(&s, VM_DEATH_BOOT_TIMEOUT, &e), 0);
		assert_int_equal(s.state, VM_STATE_DEAD);
		assert_int_equal(s.death_reason, VM_DEATH_BOOT_TIMEOUT);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vm_state_name(VM_STATE_NOT_STARTED), "NOT_STARTED");
	assert_string_equal(vm_state_name(VM_STATE_READY), "READY");
	assert_string_equal(vm_state_name(VM_STATE_DEAD), "DEAD");
	assert_string_equal(vm_state_name((enum vm_state)42), "INVALID");
	assert_string_equal(vm_death_reason_name(VM_DEATH_KERNEL_PANIC), "KERNEL_PANIC");
	assert_string_equal(vm_death_reason_name(VM_DEATH_PAYLOAD_INVALID_CONFIG),
			    "PAYLOAD_INVALID_CONFIG");
	assert_string_equal(vm_death_reason_name((enum vm_death_reason)99), "INVALID");
	/* AVF's numbers, which go over the wire later. */
	assert_int_equal(VM_STATE_DEAD, 5);
	assert_int_equal(VM_DEATH_SHUTDOWN, 3);
	assert_int_equal(VM_DEATH_PAYLOAD_VERIFICATION_FAILED, 13);
}

static void test_reasons_from_mvm(void **state)
{
	(void)state;
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(0, 0)), VM_DEATH_SHUTDOWN);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(1, 0)), VM_DEATH_START_FAILED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(2, 0)), VM_DEATH_START_FAILED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(3, 0)), VM_DEATH_REBOOT);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(4, 0)), VM_DEATH_CRASH);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(5, 0)), VM_DEATH_CRASH);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(130, 0)), VM_DEATH_KILLED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(143, 0)), VM_DEATH_KILLED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(77, 0)), VM_DEATH_UNKNOWN);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(0, SIGKILL)), VM_DEATH_KILLED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(0, SIGTERM)), VM_DEATH_KILLED);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(0, SIGSEGV)), VM_DEATH_CRASH);
	assert_int_equal(vm_death_reason_from_wait(W_EXITCODE(0, SIGSYS)), VM_DEATH_CRASH);
	assert_int_equal(vm_death_reason_from_wait(W_STOPCODE(SIGSTOP)), VM_DEATH_UNKNOWN);
}

static void test_reasons_from_errors(void **state)
{
	(void)state;
	assert_int_equal(vm_death_reason_from_error(VM_ERROR_UNKNOWN), VM_DEATH_PAYLOAD_ERROR);
	assert_int_equal(vm_death_reason_from_error(VM_ERROR_PAYLOAD_VERIFICATION_FAILED),
			 VM_DEATH_PAYLOAD_VERIFICATION_FAILED);
	assert_int_equal(vm_death_reason_from_error(VM_ERROR_PAYLOAD_CHANGED),
			 VM_DEATH_PAYLOAD_CHANGED);
	assert_int_equal(vm_death_reason_from_error(VM_ERROR_PAYLOAD_INVALID_CONFIG),
			 VM_DEATH_PAYLOAD_INVALID_CONFIG);
	assert_int_equal(vm_death_reason_from_error(-5), VM_DEATH_PAYLOAD_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_happy_path),	      cmocka_unit_test(test_finish_without_ready),
	    cmocka_unit_test(test_transition_table),  cmocka_unit_test(test_refused_moves),
	    cmocka_unit_test(test_die_from_anywhere), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_reasons_from_mvm),  cmocka_unit_test(test_reasons_from_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
